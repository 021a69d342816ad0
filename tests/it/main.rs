//! Integration tests of the hms library: every workflow on SQLite and on PostgreSQL.

mod clinical;
mod common;
mod dashboard;
mod day;
mod durability;
mod permissions;
mod races;
mod security;
mod sessions;
mod store;
