//! hms: an embeddable hospital-management engine.
//!
//! This facade re-exports the model and workflows of [`hms_core`] and the persistence of
//! [`hms_store`], so that a Rust application needs one dependency and one call:
//!
//! ```no_run
//! # async fn day() -> hms::Result<()> {
//! let hospital = hms::open("sqlite://hospital.db", hms::HospitalConfig::default()).await?;
//! let doctors = hospital.list_doctors(None, Default::default(), Default::default()).await?;
//! # Ok(()) }
//! ```
//!
//! Every workflow takes the acting user ([`Actor`]) and `now`, checks the permission policy,
//! and writes in one transaction. See `ARCHITECTURE.md` for the shape of the whole.

pub use hms_core::*;

/// Persistence: stores, blob stores and migrations.
pub mod store {
    pub use hms_store::*;
}

/// Opens a hospital on `url` (`sqlite://path.db`, `sqlite::memory:` or `postgres://…`),
/// applying pending migrations, with the default blob store for that URL.
pub async fn open(url: &str, config: HospitalConfig) -> Result<Hospital> {
    hms_store::open(url, config).await
}
