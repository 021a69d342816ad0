//! The SQLite backend: the embedded default, a file (WAL) or in-memory.

use std::str::FromStr;
use std::time::Duration;

use hms_core::ports::{Store, TxMode};
use rust_decimal::Decimal;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

type DbRow = SqliteRow;
/// SQLite has no exact decimal type: decimals are stored as their exact text.
type DecDb = String;

fn dec_db(d: Decimal) -> DecDb {
    d.to_string()
}

fn dec_rs(s: DecDb) -> hms_core::Result<Decimal> {
    Decimal::from_str_exact(&s).map_err(|e| crate::error::corrupt("decimal", e))
}

crate::tx_impl::impl_tx!(SqliteTx, Sqlite);

crate::bulk::impl_bulk!(SqliteStore, Sqlite);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// hms on SQLite.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// SQLite has one writer at a time. Writers of this process queue here, first come first
    /// served, instead of polling the database lock with growing sleeps; `BEGIN IMMEDIATE` still
    /// keeps writers of other processes out.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path.db` or `sqlite::memory:`),
    /// tuned for a server: WAL, a busy timeout, foreign keys on.
    pub async fn connect(url: &str, max_connections: u32) -> hms_core::Result<Self> {
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| hms_core::Error::invalid("database_url", format!("is not a SQLite URL: {e}")))?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .synchronous(SqliteSynchronous::Normal);
        let options = if memory { options } else { options.journal_mode(SqliteJournalMode::Wal) };
        // An in-memory database lives in its one connection: keep exactly one, forever.
        let pool = if memory {
            SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(max_connections.max(1))
        }
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
        .map_err(crate::error::map)?;
        Ok(Self { pool, writer: Default::default() })
    }

    /// Applies the embedded migrations that have not run yet.
    pub async fn migrate(&self) -> hms_core::Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(|e| hms_core::Error::internal(format!("migration failed: {e}")))
    }

    /// The connection pool, for tools and tests.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn begin(&self, mode: TxMode) -> hms_core::Result<Box<dyn hms_core::ports::Tx>> {
        // A write transaction takes the write lock at once, so that two writers that both read
        // first never deadlock on upgrading their locks; readers never block.
        let (tx, writer) = match mode {
            TxMode::Write => {
                let writer = self.writer.clone().lock_owned().await;
                (self.pool.begin_with("BEGIN IMMEDIATE").await, Some(writer))
            }
            TxMode::Read => (self.pool.begin().await, None),
        };
        let tx = tx.map_err(crate::error::map)?;
        Ok(Box::new(SqliteTx { tx, _writer: writer, lock_rows: false }))
    }

    async fn ping(&self) -> hms_core::Result<()> {
        sqlx::query("select 1").execute(&self.pool).await.map_err(crate::error::map)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}
