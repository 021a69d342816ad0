//! End-to-end tests of the HTTP API: a real server on port 0, a fresh database per test, on
//! SQLite and on PostgreSQL.

mod analysis;
mod common;
mod day;
mod etags;
mod fhir;
mod fuzz_regressions;
mod limits;
mod listing;
mod mail;
mod matrix;
mod metrics;
mod openapi;
mod portal;
#[cfg(unix)]
mod processes;
mod refusals;
mod security;
mod tokens;
