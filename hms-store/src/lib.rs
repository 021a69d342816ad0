//! hms-store: the core's storage ports on SQLite (the embedded default) and PostgreSQL, with sqlx.
//!
//! One implementation of the `Tx` port is written once (`tx_impl.rs`) and expanded for each
//! backend, over SQL both engines accept; only what truly differs lives in the backend modules
//! and the two migration folders (how decimals are stored, and how the database itself refuses
//! overlapping appointments: an exclusion constraint on PostgreSQL, a trigger on SQLite, whose
//! writers are serialised). [`open`] picks the backend from the URL and applies the migrations.

#![warn(missing_docs)]

mod blob;
pub mod bulk;
mod error;
mod group;
mod postgres;
mod sql;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
mod tx_impl;

use std::path::PathBuf;
use std::sync::Arc;

use hms_core::ports::{BlobStore, Store};
use hms_core::{Currency, Error, Hospital, HospitalConfig, Money, Result};
use rust_decimal::Decimal;

pub use blob::{DirBlobStore, MemoryBlobStore};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The most connections in the pool.
    pub max_connections: u32,
    /// Apply pending migrations on open.
    pub migrate: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { max_connections: 16, migrate: true }
    }
}

/// Opens the database at `url`: `sqlite://path.db`, `sqlite::memory:` or `postgres://…`.
pub async fn open_store(url: &str, options: &StoreOptions) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        let store = SqliteStore::connect(url, options.max_connections).await?;
        if options.migrate {
            store.migrate().await?;
        }
        Ok(Arc::new(store))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = PgStore::connect(url, options.max_connections).await?;
        if options.migrate {
            store.migrate().await?;
        }
        Ok(Arc::new(store))
    } else {
        Err(Error::invalid("database_url", "must start with sqlite: or postgres://"))
    }
}

/// Applies pending migrations to the database at `url` without keeping it open.
pub async fn migrate(url: &str) -> Result<()> {
    open_store(url, &StoreOptions { max_connections: 1, migrate: true }).await.map(drop)
}

/// The blob store that goes with `url` unless one is given: in memory for an in-memory
/// database, else a `blobs` directory next to a SQLite file, or `./hms-blobs` for PostgreSQL.
pub fn default_blob_store(url: &str) -> Result<Arc<dyn BlobStore>> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(Arc::new(MemoryBlobStore::default()));
    }
    let dir = match url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        Some(path) => {
            let path = PathBuf::from(path.split('?').next().unwrap_or(path));
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "hms".into());
            path.with_file_name(format!("{stem}-blobs"))
        }
        None => PathBuf::from("hms-blobs"),
    };
    Ok(Arc::new(DirBlobStore::new(dir)?))
}

/// Opens a hospital on `url` with the default blob store and pool, applying migrations.
pub async fn open(url: &str, config: HospitalConfig) -> Result<Hospital> {
    open_with_blobs(url, None, config).await
}

/// Opens a hospital on `url`, keeping document bytes in `blob_dir` (or the default for `url`:
/// beside a SQLite file, in memory for an in-memory database, `./hms-blobs` otherwise). Processes
/// sharing one PostgreSQL database must share one blob directory too.
pub async fn open_with_blobs(url: &str, blob_dir: Option<&std::path::Path>, config: HospitalConfig) -> Result<Hospital> {
    let store = open_store(url, &StoreOptions::default()).await?;
    let blobs: Arc<dyn hms_core::ports::BlobStore> = match blob_dir {
        Some(dir) => Arc::new(DirBlobStore::new(dir)?),
        None => default_blob_store(url)?,
    };
    Ok(Hospital::new(store, blobs, config))
}

/// Loads a synthetic hospital into the database at `url` (applying migrations first).
pub async fn bulk_load(url: &str, spec: &bulk::SyntheticHospital, progress: bulk::Progress<'_>) -> Result<()> {
    if url.starts_with("sqlite:") {
        let store = SqliteStore::connect(url, 1).await?;
        store.migrate().await?;
        store.bulk_load(spec, progress).await
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = PgStore::connect(url, 1).await?;
        store.migrate().await?;
        store.bulk_load(spec, progress).await
    } else {
        Err(Error::invalid("database_url", "must start with sqlite: or postgres://"))
    }
}

/// An amount as an integer count of the currency's minor unit (cents), exactly.
pub(crate) fn minor_units(amount: Decimal, currency: Currency) -> Result<i64> {
    let scaled = amount * Decimal::from(10i64.pow(currency.minor_units()));
    if !scaled.fract().is_zero() {
        return Err(Error::internal(format!("{amount} is not a whole number of {currency} minor units")));
    }
    i64::try_from(scaled).map_err(Error::internal)
}

/// The inverse of [`minor_units`].
pub(crate) fn from_minor_units(minor: i64, currency: Currency) -> Money {
    Money { amount: Decimal::new(minor, currency.minor_units()), currency }
}
