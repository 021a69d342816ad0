//! The PostgreSQL backend: the production engine, safe with many server processes on one database.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use hms_core::ports::{Store, TxMode};
use rust_decimal::Decimal;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
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

/// How many medications a prescription's stored list holds (a number of the `bigint` type).
const MEDICATION_COUNT: &str = "cast(json_array_length(medications::json) as bigint)";

/// How a transaction's queued writes are sent together: as data-modifying `with` clauses of one statement.
const WRITES_IN_CTE: bool = true;

crate::tx_impl::impl_tx!(PgTx, Postgres);

/// What a bulk load ends with: the dashboard's figures rewritten compactly (each loaded row
/// updated one of their few rows, leaving a million dead versions behind that every read of them
/// would step over), fresh statistics, and a vacuum that marks the new pages all-visible
/// (index-only scans read the index alone) and leaves the autovacuum of a million inserted rows
/// nothing to do later, in the middle of the hospital's work. One statement each: a vacuum runs
/// outside any transaction.
const AFTER_LOAD: &[&str] = &["vacuum (full) tally, doctor_tally, start_tally", "vacuum (analyze)"];

crate::bulk::impl_bulk!(PgStore, Postgres);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The error of a URL naming a database that does not exist on a server that answers: in words,
/// with the database's name and the two ways to create it.
fn missing_database(url: &str, e: &sqlx::Error) -> Option<hms_core::Error> {
    let sqlx::Error::Database(db) = e else { return None };
    if db.code().as_deref() != Some("3D000") {
        return None;
    }
    let options = PgConnectOptions::from_str(url).ok()?;
    let name = options.get_database().unwrap_or(options.get_username()).to_string();
    Some(hms_core::Error::invalid(
        "database_url",
        format!(
            "names the PostgreSQL database \"{name}\", which does not exist on {host}:{port}; create it with \
             `createdb -h {host} -p {port} -U {user} {name}` or `hms-server migrate --create-database`",
            host = options.get_host(),
            port = options.get_port(),
            user = options.get_username(),
        ),
    ))
}

/// Creates the database `url` names if it does not exist (sqlx connects to the server's
/// maintenance database to do so); answers whether it was created.
pub async fn create_database(url: &str) -> hms_core::Result<bool> {
    use sqlx::migrate::MigrateDatabase;
    PgConnectOptions::from_str(url).map_err(|e| hms_core::Error::invalid("database_url", format!("is not a PostgreSQL URL: {e}")))?;
    if Postgres::database_exists(url).await.map_err(crate::error::map)? {
        return Ok(false);
    }
    Postgres::create_database(url).await.map_err(crate::error::map)?;
    Ok(true)
}

/// How long a pooled connection may sit idle before it is tested on checkout.
const IDLE_BEFORE_TEST: Duration = Duration::from_secs(30);

/// The tables of the dashboard's figures. Every booking and every step of an appointment rewrites
/// a row of each, and each rewrite leaves the old version behind until a vacuum; the dashboard's
/// reads step over those until then (after a burst of bookings, twice the time or more).
const FIGURE_TABLES: [&str; 3] = ["doctor_tally", "start_tally", "tally"];
/// How often the store looks at the figure tables' old versions ([`PgStore::vacuum_figures`]).
const UPKEEP_EVERY: Duration = Duration::from_secs(5);
/// How many old versions of a figure table make the store vacuum it (the threshold migration 0015
/// gives autovacuum for them).
const UPKEEP_DEAD_ROWS: i64 = 1000;

/// [`PgStore::vacuum_figures`] on a pool, for the store's own rounds.
async fn vacuum_figures(pool: &PgPool, dead_rows: i64) -> hms_core::Result<Vec<String>> {
    let due: Vec<String> = sqlx::query_scalar(
        "select relname::text from pg_stat_user_tables where schemaname = current_schema() \
         and relname = any($1) and n_dead_tup >= $2 order by relname",
    )
    .bind(FIGURE_TABLES)
    .bind(dead_rows)
    .fetch_all(pool)
    .await
    .map_err(crate::error::map)?;
    if !due.is_empty() {
        // The names are the constant ones above, as the statistics return them. A vacuum runs
        // outside any transaction, as a statement of its own.
        let vacuum = format!("vacuum (skip_locked) {}", due.join(", "));
        sqlx::raw_sql(sqlx::AssertSqlSafe(vacuum)).execute(pool).await.map_err(crate::error::map)?;
    }
    Ok(due)
}

/// hms on PostgreSQL.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    /// Vacuums the figure tables as they fill with old versions, every [`UPKEEP_EVERY`], for as
    /// long as a clone of the store lives: the dashboard's speed does not then depend on the
    /// server's autovacuum settings (which migration 0015 tunes where autovacuum runs).
    _upkeep: Arc<Upkeep>,
}

#[derive(Debug)]
struct Upkeep(tokio::task::JoinHandle<()>);

impl Drop for Upkeep {
    fn drop(&mut self) {
        self.0.abort();
    }
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
            .map_err(|e| missing_database(url, &e).unwrap_or_else(|| crate::error::map(e)))?;
        let upkeep_pool = pool.clone();
        let upkeep = tokio::spawn(async move {
            let mut every = tokio::time::interval(UPKEEP_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            every.tick().await;
            loop {
                every.tick().await;
                if let Err(e) = vacuum_figures(&upkeep_pool, UPKEEP_DEAD_ROWS).await {
                    tracing::warn!(error = %e, "the figure tables' vacuum failed; trying again later");
                }
            }
        });
        Ok(Self { pool, _upkeep: Arc::new(Upkeep(upkeep)) })
    }

    /// Vacuums those of the dashboard's figure tables that hold at least `dead_rows` old versions
    /// by PostgreSQL's statistics, without waiting for one another session has locked; answers
    /// the tables it vacuumed. The store does this itself every few seconds.
    pub async fn vacuum_figures(&self, dead_rows: i64) -> hms_core::Result<Vec<String>> {
        vacuum_figures(&self.pool, dead_rows).await
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
        let started = std::time::Instant::now();
        let tx = match mode {
            TxMode::Statement => self.pool.acquire().await.map(Conn::Statement),
            TxMode::Read | TxMode::Write => self.pool.begin().await.map(Conn::Tx),
        }
        .map_err(crate::error::map)?;
        crate::waited(mode, started);
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

    fn stats(&self) -> hms_core::ports::StoreStats {
        hms_core::ports::StoreStats { connections: self.pool.size(), idle: self.pool.num_idle() as u32, writers_waiting: 0 }
    }

    async fn pending_migrations(&self) -> hms_core::Result<usize> {
        crate::pending(&MIGRATOR, &self.pool).await
    }

    async fn durability(&self) -> hms_core::Result<Vec<(&'static str, String)>> {
        let (fsync, commit): (String, String) = sqlx::query_as("select current_setting('fsync'), current_setting('synchronous_commit')")
            .fetch_one(&self.pool)
            .await
            .map_err(crate::error::map)?;
        Ok(vec![("fsync", fsync), ("synchronous_commit", commit)])
    }
}
