//! Fresh databases for tests: a SQLite file in a temporary directory, or a PostgreSQL database
//! of its own created next to `DATABASE_URL`, both removed by [`TempDatabase::cleanup`].

use std::path::PathBuf;

use sqlx::Connection;

/// The PostgreSQL server tests use when `DATABASE_URL` is not set.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database made for one test.
#[derive(Debug)]
pub struct TempDatabase {
    /// The URL to open it with.
    pub url: String,
    /// The temporary directory of a SQLite database (blobs can go there too).
    pub dir: Option<PathBuf>,
    postgres: Option<(String, String)>,
}

impl TempDatabase {
    /// A new SQLite file in a fresh temporary directory.
    pub fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("hms-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let url = crate::sqlite_url(&dir.join("hms.db"));
        Self { url, dir: Some(dir), postgres: None }
    }

    /// A new PostgreSQL database beside `DATABASE_URL` (by default the local server,
    /// `postgres://postgres@127.0.0.1:5432/postgres`). PostgreSQL is part of the test suite: an
    /// unreachable one fails the test, never passes it unrun. To run only the SQLite halves, leave
    /// the PostgreSQL ones out by name (`cargo nextest run -E 'not test(/postgres/)'`).
    pub async fn postgres() -> Self {
        let admin_url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_string());
        let name = format!("hms_t_{}", uuid::Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!("PostgreSQL at {admin_url} is unreachable ({e}): start it, set DATABASE_URL, or leave out the PostgreSQL tests (-E 'not test(/postgres/)')")
        });
        sqlx::query(sqlx::AssertSqlSafe(format!("create database \"{name}\""))).execute(&mut conn).await.expect("create a test database");
        conn.close().await.ok();
        let (base, query) = match admin_url.split_once('?') {
            Some((b, q)) => (b.to_string(), format!("?{q}")),
            None => (admin_url.clone(), String::new()),
        };
        let cut = base.rfind('/').filter(|&i| i > base.find("://").map_or(0, |p| p + 2)).unwrap_or(base.len());
        let url = format!("{}/{name}{query}", &base[..cut]);
        Self { url, dir: None, postgres: Some((admin_url, name)) }
    }

    /// Removes the database (close every pool on it first).
    pub async fn cleanup(self) {
        if let Some(dir) = self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin_url, name)) = self.postgres
            && let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await
        {
            let drop_db = format!("drop database if exists \"{name}\" with (force)");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop_db)).execute(&mut conn).await;
        }
    }
}
