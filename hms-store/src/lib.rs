//! hms-store: the core's storage ports on SQLite (the embedded default) and PostgreSQL, with sqlx.
//!
//! One implementation of the `Tx` port is written once (`tx_impl.rs`) and expanded for each
//! backend, over SQL both engines accept; only what truly differs lives in the backend modules
//! and the two migration folders (how decimals are stored, and how the database itself refuses
//! overlapping appointments: an exclusion constraint on PostgreSQL, a trigger on SQLite, whose
//! writers are serialised). [`open`] picks the backend from the URL and applies the migrations.

#![warn(missing_docs)]

pub mod backup;
mod blob;
pub mod bulk;
mod error;
mod group;
mod location;
mod postgres;
mod sql;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
mod tx_impl;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hms_core::ports::{BlobStore, Store};
use hms_core::{Currency, Error, Hospital, HospitalConfig, Money, Result, SqliteSynchronous};
use rust_decimal::Decimal;

pub use blob::{DirBlobStore, MemoryBlobStore, ObjectBlobStore, PgBlobStore};
pub use location::{Location, sqlite_url};
pub use postgres::{PgStore, create_database};
pub use sqlite::SqliteStore;

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The most connections in the pool.
    pub max_connections: u32,
    /// Apply pending migrations on open.
    pub migrate: bool,
    /// When a SQLite commit counts as done (durable, `Full`, by default).
    pub sqlite_synchronous: SqliteSynchronous,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { max_connections: 16, migrate: true, sqlite_synchronous: SqliteSynchronous::default() }
    }
}

/// An open store of either backend.
enum Backend {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Backend {
    async fn open(location: &Location, options: &StoreOptions) -> Result<Self> {
        let backend = match location {
            Location::Postgres(url) => Self::Postgres(PgStore::connect(url, options.max_connections).await?),
            sqlite => Self::Sqlite(SqliteStore::open(sqlite, options.max_connections, options.sqlite_synchronous).await?),
        };
        if options.migrate {
            match &backend {
                Self::Sqlite(s) => s.migrate().await?,
                Self::Postgres(p) => p.migrate().await?,
            }
        }
        Ok(backend)
    }

    fn into_store(self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(s) => Arc::new(s),
            Self::Postgres(p) => Arc::new(p),
        }
    }
}

/// Opens the database at `url` (any form of [`Location::parse`]: `sqlite://hms.db`,
/// `sqlite::memory:`, `postgres://…`, or the path of a SQLite file).
pub async fn open_store(url: &str, options: &StoreOptions) -> Result<Arc<dyn Store>> {
    Ok(Backend::open(&Location::parse(url)?, options).await?.into_store())
}

/// Applies pending migrations to the database at `url` without keeping it open.
pub async fn migrate(url: &str) -> Result<()> {
    open_store(url, &StoreOptions { max_connections: 1, ..StoreOptions::default() }).await.map(drop)
}

/// Where document bytes go when nothing else is said: in memory for an in-memory database, a
/// directory beside a SQLite file (`hms.db` → `hms-blobs/`), and the database itself on
/// PostgreSQL, so that every process and machine using the database, and its backups, have them.
fn default_blobs(location: &Location, backend: &Backend) -> Result<Arc<dyn BlobStore>> {
    Ok(match (location, backend) {
        (_, Backend::Postgres(pg)) => Arc::new(PgBlobStore::new(pg.pool().clone())),
        (Location::SqliteFile { .. }, _) => Arc::new(DirBlobStore::new(location.default_blob_dir().expect("a file's directory"))?),
        _ => Arc::new(MemoryBlobStore::default()),
    })
}

/// Opens a hospital on `url` with the default blob store and pool, applying migrations.
pub async fn open(url: &str, config: HospitalConfig) -> Result<Hospital> {
    open_with_blobs(url, None, config).await
}

/// Opens a hospital on `url`, keeping document bytes in the directory `blob_dir` if one is
/// given, else where [`Location`]'s backend keeps them by default: in the database on
/// PostgreSQL, beside the file on SQLite, in memory for an in-memory database. Processes that
/// share a SQLite file, or that set `blob_dir`, must share the directory too.
pub async fn open_with_blobs(url: &str, blob_dir: Option<&Path>, config: HospitalConfig) -> Result<Hospital> {
    let blobs = blob_dir.map_or(Blobs::Default, |d| Blobs::Dir(d.to_path_buf()));
    open_location(&Location::parse(url)?, &blobs, config).await
}

/// Where a hospital keeps its document bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Blobs {
    /// The backend's default: the database itself on PostgreSQL, a directory beside a SQLite
    /// file (`hms.db` → `hms-blobs/`), memory for an in-memory database.
    #[default]
    Default,
    /// A directory of content-addressed files, which every process must share.
    Dir(PathBuf),
    /// An object store, named by its URL (`s3://bucket/prefix`; see [`ObjectBlobStore`]).
    Url(String),
}

impl Blobs {
    /// The choice a front end's two settings make (a directory, an object store's URL): at most one.
    pub fn from_settings(dir: Option<PathBuf>, url: Option<String>) -> Result<Self> {
        match (dir, url.filter(|u| !u.trim().is_empty())) {
            (Some(_), Some(_)) => Err(Error::invalid("blob_url", "is given with a blob directory: choose one place for document bytes")),
            (Some(dir), None) => Ok(Self::Dir(dir)),
            (None, Some(url)) => Ok(Self::Url(url)),
            (None, None) => Ok(Self::Default),
        }
    }
}

/// [`open_with_blobs`] for a location already read (a SQLite file given by its path, say), with
/// the document bytes where `blobs` says.
pub async fn open_location(location: &Location, blobs: &Blobs, config: HospitalConfig) -> Result<Hospital> {
    let options = StoreOptions { sqlite_synchronous: config.sqlite_synchronous, ..StoreOptions::default() };
    let blob_store = match blobs {
        Blobs::Url(url) => Some(Arc::new(ObjectBlobStore::from_url(url)?) as Arc<dyn BlobStore>),
        _ => None,
    };
    let backend = Backend::open(location, &options).await?;
    let blobs: Arc<dyn BlobStore> = match (blobs, blob_store) {
        (_, Some(store)) => store,
        (Blobs::Dir(dir), _) => Arc::new(DirBlobStore::new(dir)?),
        _ => default_blobs(location, &backend)?,
    };
    Ok(Hospital::new(backend.into_store(), blobs, config))
}

/// Loads a synthetic hospital into the database at `url` (applying migrations first).
pub async fn bulk_load(url: &str, spec: &bulk::SyntheticHospital, progress: bulk::Progress<'_>) -> Result<()> {
    let options = StoreOptions { max_connections: 1, ..StoreOptions::default() };
    match Backend::open(&Location::parse(url)?, &options).await? {
        Backend::Sqlite(store) => store.bulk_load(spec, progress).await,
        Backend::Postgres(store) => store.bulk_load(spec, progress).await,
    }
}

/// Records how long a transaction waited to begin (for a connection of the pool, or for SQLite's
/// writer), as `hms_db_begin_wait_seconds{mode}`, for a process that installed a metrics recorder.
pub(crate) fn waited(mode: hms_core::ports::TxMode, started: std::time::Instant) {
    let mode = match mode {
        hms_core::ports::TxMode::Write => "write",
        hms_core::ports::TxMode::Read => "read",
        hms_core::ports::TxMode::Statement => "statement",
    };
    metrics::histogram!("hms_db_begin_wait_seconds", "mode" => mode).record(started.elapsed().as_secs_f64());
}

/// How many of `migrator`'s migrations the database behind `pool` has not applied.
pub(crate) async fn pending<DB: sqlx::Database>(migrator: &sqlx::migrate::Migrator, pool: &sqlx::Pool<DB>) -> Result<usize>
where
    DB::Connection: sqlx::migrate::Migrate,
{
    use sqlx::migrate::Migrate;
    let mut conn = pool.acquire().await.map_err(error::map)?;
    let applied = conn
        .list_applied_migrations(&migrator.table_name)
        .await
        .map_err(|e| Error::Unavailable(format!("the list of applied migrations ({e})")))?;
    let done: std::collections::HashSet<i64> = applied.iter().map(|m| m.version).collect();
    Ok(migrator.iter().filter(|m| !m.migration_type.is_down_migration() && !done.contains(&m.version)).count())
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
