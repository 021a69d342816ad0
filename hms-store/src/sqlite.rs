//! The SQLite backend: the embedded default, a file (WAL) or in-memory.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use hms_core::SqliteSynchronous;
use hms_core::ports::{Store, TxMode};
use rust_decimal::Decimal;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{Connection, Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::Notify;

use crate::group::Writer;
use crate::location::Location;
use crate::tx_impl::Conn;

type DbRow = SqliteRow;
/// SQLite has no exact decimal type: decimals are stored as their exact text.
type DecDb = String;

fn dec_db(d: Decimal) -> DecDb {
    d.to_string()
}

fn dec_rs(s: DecDb) -> hms_core::Result<Decimal> {
    Decimal::from_str_exact(&s).map_err(|e| crate::error::corrupt("decimal", e))
}

/// How a write transaction begins: with the database's write lock, so that two writers that both
/// read first never deadlock on upgrading their locks (readers never block).
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// How a transaction's queued writes are sent together: as statements in one string.
const WRITES_IN_CTE: bool = false;

/// How many medications a prescription's stored list holds.
const MEDICATION_COUNT: &str = "json_array_length(medications)";

/// How long the background checkpointer lets commits gather before it copies them from the
/// write-ahead log into the database file. Each copy ends with two `fsync`s, and the writer's
/// commits slow down while one runs, the longer the more there is to copy: small copies often
/// keep a booking's p99 lowest (BENCHMARKS.md).
const CHECKPOINT_AFTER: Duration = Duration::from_millis(10);

/// How often migrating tries again after meeting another process's migrations (with a growing
/// pause: 20 ms, 40 ms, … about 4 s in all).
const MIGRATION_ATTEMPTS: u32 = 20;

/// The size of the write-ahead log, in pages, past which the writer copies it back itself, should
/// the background checkpointer fall behind (SQLite's own default is 1,000 pages).
const WRITER_CHECKPOINT_PAGES: &str = "10000";

crate::tx_impl::impl_tx!(SqliteTx, Sqlite);

/// What a bulk load ends with: fresh statistics for the planner.
const AFTER_LOAD: &[&str] = &["analyze"];

crate::bulk::impl_bulk!(SqliteStore, Sqlite);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// hms on SQLite.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// SQLite has one writer at a time. Writers of this process queue here, first come first
    /// served, instead of polling the database lock with growing sleeps, and those that find
    /// others waiting are committed together (`group.rs`); `BEGIN IMMEDIATE` still keeps writers
    /// of other processes out.
    writer: Writer<Sqlite>,
    /// Copies the write-ahead log back into a database file, off the writer's path (none for a
    /// memory database).
    _checkpointer: Option<Arc<Checkpointer>>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (any SQLite form of
    /// [`Location::parse`]), durable (`synchronous = FULL`).
    pub async fn connect(url: &str, max_connections: u32) -> hms_core::Result<Self> {
        Self::open(&Location::parse(url)?, max_connections, SqliteSynchronous::Full).await
    }

    /// Opens (creating if missing) the SQLite database at `location`, tuned for a server: WAL, a
    /// busy timeout, foreign keys on, and commits flushed to the disk as `synchronous` says.
    pub async fn open(location: &Location, max_connections: u32, synchronous: SqliteSynchronous) -> hms_core::Result<Self> {
        let memory = match location {
            Location::Postgres(_) => return Err(hms_core::Error::invalid("database_url", "is a PostgreSQL URL, not a SQLite one")),
            Location::SqliteMemory(_) => true,
            Location::SqliteFile { .. } => false,
        };
        let options = SqliteConnectOptions::from_str(&location.sqlx_url())
            .map_err(|e| hms_core::Error::invalid("database_url", format!("is not a SQLite URL: {e}")))?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .synchronous(match synchronous {
                SqliteSynchronous::Full => sqlx::sqlite::SqliteSynchronous::Full,
                SqliteSynchronous::Normal => sqlx::sqlite::SqliteSynchronous::Normal,
            });
        let options = if memory { options } else { options.journal_mode(SqliteJournalMode::Wal) };
        // An in-memory database lives in its one connection: keep exactly one, forever, for
        // reads and writes alike.
        if memory {
            let pool = pool_options(1).min_connections(1).connect_with(options).await.map_err(crate::error::map)?;
            return Ok(Self { writer: Writer::new(pool.clone(), BEGIN_WRITE, Arc::default(), false), pool, _checkpointer: None });
        }
        let pool = pool_options(max_connections.max(1)).connect_with(options.clone()).await.map_err(crate::error::map)?;
        // Writers take turns anyway, so they share one connection, kept open: SQLite empties a
        // connection's page cache whenever another connection has written, so a writer that
        // moved from connection to connection read every page it touched again from the file.
        // Its commits are copied from the write-ahead log into the database file by the
        // checkpointer, not by the commit that crosses SQLite's threshold: that copy ends with two
        // `fsync`s, which every writer queued behind it would wait for.
        let writer_options = options.clone().pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES);
        let writes = pool_options(1).connect_with(writer_options).await.map_err(crate::error::map)?;
        let committed = Arc::new(Notify::new());
        let checkpointer = Checkpointer::start(&options, committed.clone()).await?;
        Ok(Self { pool, writer: Writer::new(writes, BEGIN_WRITE, committed, true), _checkpointer: Some(Arc::new(checkpointer)) })
    }

    /// Applies the embedded migrations that have not run yet.
    ///
    /// Several processes may open one new file at once (two servers, or a server and a script):
    /// each migration runs in a transaction of its own, so a process whose migration finds the
    /// work already done by another (`table … already exists`) or the file locked by it reads the
    /// list of applied migrations again and goes on from there.
    pub async fn migrate(&self) -> hms_core::Result<()> {
        let mut attempt = 0;
        loop {
            match MIGRATOR.run(&self.pool).await {
                Ok(()) => return Ok(()),
                Err(e) if attempt < MIGRATION_ATTEMPTS => {
                    attempt += 1;
                    tracing::debug!(error = %e, attempt, "a migration met another process's; trying again");
                    tokio::time::sleep(Duration::from_millis(20 * u64::from(attempt))).await;
                }
                Err(e) => return Err(hms_core::Error::internal(format!("migration failed: {e}"))),
            }
        }
    }

    /// How many write transactions of this process wait for their turn at the writer.
    pub fn writers_waiting(&self) -> usize {
        self.writer.waiting()
    }

    /// The connection pool, for tools and tests.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// The background checkpointer of a database file: on a connection of its own, it copies what
/// the writer committed from the write-ahead log into the database file, `CHECKPOINT_AFTER` a
/// commit (so that the commits of that while are copied together), without waiting for readers
/// or writers (a passive checkpoint). It stops when the last clone of the store is dropped.
#[derive(Debug)]
struct Checkpointer(tokio::task::JoinHandle<()>);

impl Checkpointer {
    async fn start(options: &SqliteConnectOptions, committed: Arc<Notify>) -> hms_core::Result<Self> {
        let mut conn = SqliteConnection::connect_with(options).await.map_err(crate::error::map)?;
        Ok(Self(tokio::spawn(async move {
            loop {
                committed.notified().await;
                tokio::time::sleep(CHECKPOINT_AFTER).await;
                match sqlx::query_as::<_, (i64, i64, i64)>("pragma wal_checkpoint(passive)").fetch_one(&mut conn).await {
                    // Another checkpoint ran, or a reader still reads the database as it was
                    // before the last commits: what is left is copied in the next round.
                    Ok((busy, log, copied)) if busy != 0 || copied < log => committed.notify_one(),
                    Ok(_) => {}
                    // The writer copies the log itself past WRITER_CHECKPOINT_PAGES; the next
                    // commit tries again.
                    Err(e) => tracing::warn!(error = %e, "the checkpoint of the SQLite write-ahead log failed"),
                }
            }
        })))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How the store's pools are set up: connections live as long as the store (each one's page cache
/// stays warm), each keeps its statements' plans, and none is tested on checkout — a connection is
/// a file handle of this process, which nothing can cut off while it waits in the pool, and a test
/// would cost a round trip to its thread.
fn pool_options(max_connections: u32) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(max_connections)
        .idle_timeout(None)
        .max_lifetime(None)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _| Box::pin(async move { plan_once(conn).await }))
        .test_before_acquire(false)
}

/// Turns on the query planner's stability guarantee (`SQLITE_DBCONFIG_ENABLE_QPSG`): a statement
/// keeps the plan it was prepared with. Without it, SQLite marks a statement whose plan may
/// depend on a bound value (a bound `LIMIT`, or a column with `ANALYZE` samples) to be parsed and
/// planned again each time it is run with new values, which undoes the statement cache: a list
/// query cost a full re-preparation on every request.
async fn plan_once(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is this connection's open handle, held locked for the call; the option takes
    // an int and a nullable out-pointer.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(db, libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG, 1, std::ptr::null_mut::<std::ffi::c_int>())
    };
    if rc != libsqlite3_sys::SQLITE_OK {
        return Err(sqlx::Error::Configuration(format!("SQLite refused the planner setting (code {rc})").into()));
    }
    Ok(())
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn begin(&self, mode: TxMode) -> hms_core::Result<Box<dyn hms_core::ports::Tx>> {
        let started = std::time::Instant::now();
        let tx = match mode {
            TxMode::Write => Conn::Group(self.writer.begin().await?),
            TxMode::Read => Conn::Tx(self.pool.begin().await.map_err(crate::error::map)?),
            TxMode::Statement => Conn::Statement(self.pool.acquire().await.map_err(crate::error::map)?),
        };
        crate::waited(mode, started);
        Ok(Box::new(SqliteTx::new(tx, false)))
    }

    async fn ping(&self) -> hms_core::Result<()> {
        sqlx::query("select 1").execute(&self.pool).await.map_err(crate::error::map)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn stats(&self) -> hms_core::ports::StoreStats {
        hms_core::ports::StoreStats {
            connections: self.pool.size(),
            idle: self.pool.num_idle() as u32,
            writers_waiting: self.writer.waiting(),
        }
    }

    async fn pending_migrations(&self) -> hms_core::Result<usize> {
        crate::pending(&MIGRATOR, &self.pool).await
    }

    /// Read on the writer's connection: the one every commit goes through.
    async fn durability(&self) -> hms_core::Result<Vec<(&'static str, String)>> {
        let mut tx = self.writer.begin().await?;
        let journal: String = sqlx::query_scalar("pragma journal_mode").fetch_one(tx.connection()).await.map_err(crate::error::map)?;
        let synchronous: i64 = sqlx::query_scalar("pragma synchronous").fetch_one(tx.connection()).await.map_err(crate::error::map)?;
        tx.rollback().await?;
        let synchronous = match synchronous {
            0 => "off",
            1 => "normal",
            2 => "full",
            3 => "extra",
            _ => "unknown",
        };
        Ok(vec![("journal_mode", journal), ("synchronous", synchronous.to_string())])
    }
}
