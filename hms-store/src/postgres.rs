//! The PostgreSQL backend: the production engine, safe with many server processes on one database.

use std::time::Duration;

use hms_core::ports::{Store, TxMode};
use rust_decimal::Decimal;
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres};

use crate::tx_impl::Conn;

type DbRow = PgRow;
/// PostgreSQL stores decimals exactly as `numeric`.
type DecDb = Decimal;

fn dec_db(d: Decimal) -> DecDb {
    d
}

fn dec_rs(d: DecDb) -> hms_core::Result<Decimal> {
    Ok(d)
}

/// How a transaction's queued writes are sent together: as data-modifying `with` clauses of one statement.
const WRITES_IN_CTE: bool = true;

crate::tx_impl::impl_tx!(PgTx, Postgres);

/// What a bulk load ends with: fresh statistics, and a vacuum that marks the new pages all-visible
/// (index-only scans read the index alone) and leaves the autovacuum of a million inserted rows
/// nothing to do later, in the middle of the hospital's work.
const AFTER_LOAD: &str = "vacuum (analyze)";

crate::bulk::impl_bulk!(PgStore, Postgres);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a pooled connection may sit idle before it is tested on checkout.
const IDLE_BEFORE_TEST: Duration = Duration::from_secs(30);

/// hms on PostgreSQL.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://…`).
    pub async fn connect(url: &str, max_connections: u32) -> hms_core::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            // A connection that was in use a moment ago is alive: test only those idle for a
            // while (which a restart of the server or a firewall may have cut), not every checkout,
            // which would cost every request a round trip.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > IDLE_BEFORE_TEST {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect(url)
            .await
            .map_err(crate::error::map)?;
        Ok(Self { pool })
    }

    /// Applies the embedded migrations that have not run yet.
    pub async fn migrate(&self) -> hms_core::Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(|e| hms_core::Error::internal(format!("migration failed: {e}")))
    }

    /// The connection pool, for tools and tests.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait::async_trait]
impl Store for PgStore {
    async fn begin(&self, mode: TxMode) -> hms_core::Result<Box<dyn hms_core::ports::Tx>> {
        let tx = match mode {
            TxMode::Statement => self.pool.acquire().await.map(Conn::Statement),
            TxMode::Read | TxMode::Write => self.pool.begin().await.map(Conn::Tx),
        }
        .map_err(crate::error::map)?;
        // Writers run side by side here (and in other processes): the rows a write transaction
        // reads in order to change them are locked as they are read.
        Ok(Box::new(PgTx::new(tx, mode == TxMode::Write)))
    }

    async fn ping(&self) -> hms_core::Result<()> {
        sqlx::query("select 1").execute(&self.pool).await.map_err(crate::error::map)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn durability(&self) -> hms_core::Result<Vec<(&'static str, String)>> {
        let (fsync, commit): (String, String) = sqlx::query_as("select current_setting('fsync'), current_setting('synchronous_commit')")
            .fetch_one(&self.pool)
            .await
            .map_err(crate::error::map)?;
        Ok(vec![("fsync", fsync), ("synchronous_commit", commit)])
    }
}
