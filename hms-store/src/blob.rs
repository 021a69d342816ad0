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

/// Document bytes in an object store — S3 or an S3-compatible service — one object per content
/// hash (`prefix/ab/cdef…`): servers on several machines share the documents without a shared
/// file system. Named by a URL (`s3://bucket/prefix`) with the usual AWS variables
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, and `AWS_ENDPOINT` with
/// `AWS_ALLOW_HTTP=true` for a service of one's own).
#[derive(Debug, Clone)]
pub struct ObjectBlobStore {
    store: std::sync::Arc<dyn object_store::ObjectStore>,
    prefix: object_store::path::Path,
    url: String,
}

impl ObjectBlobStore {
    /// The store `url` names (`s3://bucket` or `s3://bucket/prefix`), configured from the
    /// environment's AWS variables. Nothing is sent until the first document.
    pub fn from_url(url: &str) -> Result<Self> {
        Self::from_url_with(url, &[])
    }

    /// [`ObjectBlobStore::from_url`] with settings that take precedence over the environment's,
    /// named as the AWS variables are (`aws_endpoint`, `aws_access_key_id`, `aws_allow_http`, …).
    pub fn from_url_with(url: &str, settings: &[(&str, &str)]) -> Result<Self> {
        let invalid = |m: String| Error::invalid("blob_url", m);
        let rest = url.strip_prefix("s3://").ok_or_else(|| invalid(format!("{url} is not an s3:// URL")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(invalid(format!("{url} names no bucket")));
        }
        // The HTTP client signs and encrypts with the process's one crypto provider (ring).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (key, value) in settings {
            let key: object_store::aws::AmazonS3ConfigKey = key.parse().map_err(|e| invalid(format!("{key}: {e}")))?;
            builder = builder.with_config(key, *value);
        }
        let store = builder.build().map_err(|e| invalid(format!("{url}: {e}")))?;
        let prefix = object_store::path::Path::parse(prefix.trim_matches('/')).map_err(|e| invalid(format!("{url}: {e}")))?;
        Ok(Self { store: std::sync::Arc::new(store), prefix, url: url.to_string() })
    }

    fn key(&self, sha256: &str) -> object_store::path::Path {
        self.prefix.clone().join(&sha256[..2]).join(&sha256[2..])
    }

    fn unavailable(&self, e: object_store::Error) -> Error {
        Error::Unavailable(format!("the object store {} ({e})", self.url))
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put(&self, bytes: &[u8]) -> Result<String> {
        use object_store::ObjectStoreExt;
        let sha = digest(bytes);
        let key = self.key(&sha);
        match self.store.head(&key).await {
            Ok(_) => return Ok(sha),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(self.unavailable(e)),
        }
        self.store.put(&key, bytes::Bytes::copy_from_slice(bytes).into()).await.map_err(|e| self.unavailable(e))?;
        Ok(sha)
    }

    async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        use object_store::ObjectStoreExt;
        if !valid_key(sha256) {
            return Ok(None);
        }
        match self.store.get(&self.key(sha256)).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(|e| self.unavailable(e))?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.unavailable(e)),
        }
    }
}
