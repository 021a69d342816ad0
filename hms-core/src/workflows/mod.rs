//! The workflows, one module per area, each an `impl Hospital` block.
//!
//! Every workflow takes the acting user and `now`, parses its input first, opens one
//! transaction, checks the policy, reads and writes through the storage port, audits, and
//! commits only on success (see [`crate::Hospital`]).

pub mod accounts;
pub mod admin;
pub mod appointments;
pub mod billing;
pub mod doctors;
pub mod export;
pub mod notifications;
pub mod patients;
pub mod prescriptions;
pub mod records;
pub mod security;
pub mod sessions;
