//! Blob stores for document bytes, addressed by SHA-256.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use hms_core::ports::BlobStore;
use hms_core::{Error, Result};
use sha2::{Digest, Sha256};

fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn valid_key(sha256: &str) -> bool {
    sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Document bytes in a directory, one file per content hash (`ab/cdef…`), written atomically.
#[derive(Debug, Clone)]
pub struct DirBlobStore {
    root: PathBuf,
}

impl DirBlobStore {
    /// A blob store rooted at `root` (created if missing).
    pub fn new(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(|e| Error::Unavailable(format!("the blob directory {} ({e})", root.display())))?;
        Ok(Self { root })
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(&sha256[2..])
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[async_trait]
impl BlobStore for DirBlobStore {
    async fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha = digest(bytes);
        let path = self.path(&sha);
        let bytes = bytes.to_vec();
        let unavailable = |e: std::io::Error| Error::Unavailable(format!("the blob store ({e})"));
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            if path.exists() {
                return Ok(());
            }
            let dir = path.parent().expect("a blob path has a parent");
            std::fs::create_dir_all(dir)?;
            let tmp = dir.join(format!(".{}.tmp", uuid::Uuid::now_v7()));
            std::fs::write(&tmp, &bytes)?;
            std::fs::File::open(&tmp)?.sync_all()?;
            std::fs::rename(&tmp, &path)
        })
        .await
        .map_err(Error::internal)?
        .map_err(unavailable)?;
        Ok(sha)
    }

    async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        if !valid_key(sha256) {
            return Ok(None);
        }
        match tokio::fs::read(self.path(sha256)).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::Unavailable(format!("the blob store ({e})"))),
        }
    }
}

/// Document bytes in the PostgreSQL database itself (the `blob` table, one row per content hash):
/// every process and machine that reaches the database reaches them, and a `pg_dump` of the
/// database holds them.
#[derive(Debug, Clone)]
pub struct PgBlobStore {
    pool: sqlx::PgPool,
}

impl PgBlobStore {
    /// A blob store in the database `pool` connects to (migrated).
    pub fn new(pool: sqlx::PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl BlobStore for PgBlobStore {
    async fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha = digest(bytes);
        let size = i64::try_from(bytes.len()).map_err(Error::internal)?;
        sqlx::query("insert into blob (sha256, bytes, size) values ($1, $2, $3) on conflict (sha256) do nothing")
            .bind(&sha)
            .bind(bytes)
            .bind(size)
            .execute(&self.pool)
            .await
            .map_err(crate::error::map)?;
        Ok(sha)
    }

    async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        if !valid_key(sha256) {
            return Ok(None);
        }
        sqlx::query_scalar("select bytes from blob where sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await
            .map_err(crate::error::map)
    }
}

/// Document bytes in memory: for in-memory hospitals (examples, tests).
#[derive(Debug, Default)]
pub struct MemoryBlobStore {
    blobs: Mutex<HashMap<String, Vec<u8>>>,
}

#[async_trait]
impl BlobStore for MemoryBlobStore {
    async fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha = digest(bytes);
        self.blobs.lock().map_err(Error::internal)?.entry(sha.clone()).or_insert_with(|| bytes.to_vec());
        Ok(sha)
    }

    async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.blobs.lock().map_err(Error::internal)?.get(sha256).cloned())
    }
}
