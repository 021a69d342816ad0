//! Backups that restore: a consistent copy of a hospital's database and document bytes, made while
//! the hospital runs, and its restoration into a new database, checked before it is called done.
//!
//! A backup is a directory: `manifest.json`, the database (`hms.db`, SQLite's own online copy by
//! `VACUUM INTO`; or `hms.pgdump`, `pg_dump --format=custom`), and `blobs/` with the document bytes
//! kept in a directory (on PostgreSQL they are in the database by default, so in the dump).
//! Document bytes are content-addressed and written before the row that names them, and never
//! removed, so copying them after the database's snapshot finds every one the snapshot names.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use hms_core::ports::BlobStore;
use hms_core::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Connection;

use crate::Blobs;
use crate::blob::{DirBlobStore, ObjectBlobStore, PgBlobStore};
use crate::location::Location;

/// The name of a backup's database file, by backend.
const SQLITE_FILE: &str = "hms.db";
const POSTGRES_FILE: &str = "hms.pgdump";
const MANIFEST: &str = "manifest.json";
const BLOBS: &str = "blobs";

/// What a backup holds, written beside it as `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// The layout's version.
    pub format: u32,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// When the copy was taken (its start).
    pub taken_at: chrono::DateTime<chrono::Utc>,
    /// The database file in the backup directory.
    pub database: String,
    /// How many document files `blobs/` holds.
    pub blob_files: u64,
    /// The object store the document bytes were in, if they were kept in one: a backup does not
    /// copy a bucket (back it up, or version it, with the object store's own tools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blobs_elsewhere: Option<String>,
}

/// What a restore found and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// Documents whose bytes were read back and matched their SHA-256.
    pub documents_checked: u64,
}

fn unavailable(what: impl std::fmt::Display) -> Error {
    Error::Unavailable(what.to_string())
}

/// Copies a consistent snapshot of the database at `url`, and the document bytes kept in a
/// directory (`blobs`, or on SQLite by default the one beside the file), into the new directory
/// `to`. The hospital may go on working meanwhile. `pg_dump` must be on the `PATH` for PostgreSQL.
pub async fn backup(url: &str, blobs: &Blobs, to: &Path) -> Result<Manifest> {
    let location = Location::parse(url)?;
    if to.exists() && std::fs::read_dir(to).map_err(unavailable)?.next().is_some() {
        return Err(Error::invalid("to", format!("{} is not empty: a backup goes into a new directory", to.display())));
    }
    std::fs::create_dir_all(to).map_err(|e| unavailable(format!("the backup directory {} ({e})", to.display())))?;
    let taken_at = chrono::Utc::now();
    let (backend, database) = match &location {
        Location::SqliteMemory(_) => return Err(Error::invalid("database_url", "is an in-memory database: there is nothing to back up")),
        Location::SqliteFile { .. } => {
            let mut conn = sqlite_connection(&location).await?;
            let target = to.join(SQLITE_FILE);
            let into = format!("vacuum into '{}'", target.to_string_lossy().replace('\'', "''"));
            sqlx::query(sqlx::AssertSqlSafe(into)).execute(&mut conn).await.map_err(crate::error::map)?;
            conn.close().await.ok();
            ("sqlite", SQLITE_FILE)
        }
        Location::Postgres(url) => {
            let target = to.join(POSTGRES_FILE);
            let mut dump = Command::new("pg_dump");
            dump.args(["--format=custom", "--no-owner", "--file"]).arg(&target).arg("--dbname").arg(url);
            run(dump).await?;
            ("postgres", POSTGRES_FILE)
        }
    };
    let source = match blobs {
        Blobs::Dir(dir) => Some(dir.clone()),
        Blobs::Default => location.default_blob_dir(),
        Blobs::Url(_) => None,
    };
    let blob_files = match source {
        Some(dir) if dir.is_dir() => copy_blobs(&dir, &to.join(BLOBS))?,
        _ => 0,
    };
    let blobs_elsewhere = match blobs {
        Blobs::Url(url) => Some(url.clone()),
        _ => None,
    };
    let manifest = Manifest { format: 1, backend: backend.into(), taken_at, database: database.into(), blob_files, blobs_elsewhere };
    let text = serde_json::to_string_pretty(&manifest).map_err(Error::internal)?;
    std::fs::write(to.join(MANIFEST), text).map_err(unavailable)?;
    Ok(manifest)
}

/// Restores the backup in `from` into the database at `url`, which must be new: a SQLite file
/// that does not exist yet, or a PostgreSQL database that is missing (it is created) or empty.
/// Document bytes go where `blobs` says (by default, where the backend keeps them). Then every
/// document's bytes are read back and checked against their SHA-256, and a SQLite file passes its
/// integrity check, before the restore is called done.
pub async fn restore(from: &Path, url: &str, blobs: &Blobs) -> Result<Restored> {
    let text = std::fs::read_to_string(from.join(MANIFEST))
        .map_err(|e| Error::invalid("from", format!("{} is not a backup: no readable {MANIFEST} ({e})", from.display())))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| Error::invalid("from", format!("{MANIFEST}: {e}")))?;
    let location = Location::parse(url)?;
    let chosen: Option<Box<dyn BlobStore>> = match blobs {
        Blobs::Url(url) => Some(Box::new(ObjectBlobStore::from_url(url)?)),
        Blobs::Dir(dir) => Some(Box::new(DirBlobStore::new(dir)?)),
        Blobs::Default => None,
    };
    let blobs: Box<dyn BlobStore> = match (&location, manifest.backend.as_str()) {
        (Location::SqliteFile { path, .. }, "sqlite") => {
            if path.exists() {
                return Err(Error::invalid(
                    "database_url",
                    format!("{} exists: restore into a new file (move the old one away first)", path.display()),
                ));
            }
            let partial = path.with_extension("restoring");
            std::fs::copy(from.join(&manifest.database), &partial).map_err(unavailable)?;
            std::fs::rename(&partial, path).map_err(unavailable)?;
            let mut conn = sqlite_connection(&location).await?;
            let check: String = sqlx::query_scalar("pragma integrity_check").fetch_one(&mut conn).await.map_err(crate::error::map)?;
            conn.close().await.ok();
            if check != "ok" {
                return Err(Error::internal(format!("the restored file fails its integrity check: {check}")));
            }
            match chosen {
                Some(store) => store,
                None => Box::new(DirBlobStore::new(location.default_blob_dir().expect("a file has a blob directory"))?),
            }
        }
        (Location::Postgres(url), "postgres") => {
            crate::postgres::create_database(url).await?;
            let mut conn = sqlx::PgConnection::connect(url).await.map_err(crate::error::map)?;
            let tables: i64 = sqlx::query_scalar("select count(*) from pg_tables where schemaname = 'public'")
                .fetch_one(&mut conn)
                .await
                .map_err(crate::error::map)?;
            conn.close().await.ok();
            if tables > 0 {
                return Err(Error::invalid("database_url", "names a database that is not empty: restore into a new one"));
            }
            let mut load = Command::new("pg_restore");
            load.args(["--no-owner", "--exit-on-error", "--dbname"]).arg(url).arg(from.join(&manifest.database));
            run(load).await?;
            match chosen {
                Some(store) => store,
                None => Box::new(PgBlobStore::new(sqlx::PgPool::connect(url).await.map_err(crate::error::map)?)),
            }
        }
        (Location::SqliteMemory(_), _) => return Err(Error::invalid("database_url", "is an in-memory database: restore into a file")),
        (_, backend) => {
            return Err(Error::invalid("database_url", format!("is not a {backend} database, as the backup is")));
        }
    };
    // Bytes kept in a directory when the backup was taken go into the restored hospital's store.
    let copied = from.join(BLOBS);
    if copied.is_dir() {
        for file in blob_files(&copied)? {
            let bytes = std::fs::read(&file).map_err(unavailable)?;
            blobs.put(&bytes).await?;
        }
    }
    let documents_checked = check_documents(&location, blobs.as_ref()).await?;
    Ok(Restored { manifest, documents_checked })
}

/// Reads every document's bytes back and compares them with its SHA-256.
async fn check_documents(location: &Location, blobs: &dyn BlobStore) -> Result<u64> {
    let hashes: Vec<String> = match location {
        Location::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.map_err(crate::error::map)?;
            let rows = sqlx::query_scalar("select sha256 from document").fetch_all(&mut conn).await.map_err(crate::error::map)?;
            conn.close().await.ok();
            rows
        }
        _ => {
            let mut conn = sqlite_connection(location).await?;
            let rows = sqlx::query_scalar("select sha256 from document").fetch_all(&mut conn).await.map_err(crate::error::map)?;
            conn.close().await.ok();
            rows
        }
    };
    for sha in &hashes {
        let bytes =
            blobs.get(sha).await?.ok_or_else(|| Error::internal(format!("the restored hospital lacks the bytes of document {sha}")))?;
        if hex::encode(Sha256::digest(&bytes)) != *sha {
            return Err(Error::internal(format!("the restored bytes of document {sha} do not match their SHA-256")));
        }
    }
    Ok(hashes.len() as u64)
}

async fn sqlite_connection(location: &Location) -> Result<sqlx::SqliteConnection> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(&location.sqlx_url())
        .map_err(|e| Error::invalid("database_url", format!("is not a SQLite URL: {e}")))?
        .busy_timeout(std::time::Duration::from_secs(10));
    sqlx::SqliteConnection::connect_with(&options).await.map_err(crate::error::map)
}

/// The files of a content-addressed directory (`ab/cdef…`), temporary files left out.
fn blob_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for shard in std::fs::read_dir(dir).map_err(unavailable)? {
        let shard = shard.map_err(unavailable)?.path();
        if !shard.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&shard).map_err(unavailable)? {
            let file = file.map_err(unavailable)?.path();
            if file.is_file() && !file.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                files.push(file);
            }
        }
    }
    Ok(files)
}

fn copy_blobs(from: &Path, to: &Path) -> Result<u64> {
    let files = blob_files(from)?;
    for file in &files {
        let relative = file.strip_prefix(from).map_err(Error::internal)?;
        let target = to.join(relative);
        std::fs::create_dir_all(target.parent().expect("a blob has a shard")).map_err(unavailable)?;
        std::fs::copy(file, &target).map_err(unavailable)?;
    }
    Ok(files.len() as u64)
}

/// Runs a PostgreSQL client tool to its end; its standard error is the error's text.
async fn run(mut command: Command) -> Result<()> {
    let program = command.get_program().to_string_lossy().into_owned();
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(Error::internal)?
        .map_err(|e| unavailable(format!("{program} (is it installed and on the PATH? {e})")))?;
    if !out.status.success() {
        return Err(Error::internal(format!("{program} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(())
}
