//! hms: an embeddable hospital-management engine.
//!
//! This facade re-exports the model and workflows of [`hms_core`] and the persistence of
//! [`hms_store`], so that a Rust application needs one dependency and one call:
//!
//! ```no_run
//! # async fn day() -> hms::Result<()> {
//! let hospital = hms::open("sqlite://hospital.db", hms::HospitalConfig::default()).await?; // hospital.db in the working directory
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

/// Opens a hospital on `url` (`sqlite://hms.db` relative to the working directory,
/// `sqlite:////var/lib/hms/hms.db` absolute, `sqlite::memory:`, `postgres://…`, or the path of a
/// SQLite file: every form is in [`store::Location`]), applying pending migrations, with the
/// default blob store for that database.
pub async fn open(url: &str, config: HospitalConfig) -> Result<Hospital> {
    hms_store::open(url, config).await
}

/// The README's Rust example, compiled with the doc tests so that it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
