//! Fresh databases for tests: a SQLite file in a temporary directory, or a PostgreSQL database
//! of its own created next to `DATABASE_URL`, both removed by [`TempDatabase::cleanup`].

use std::path::PathBuf;

use sqlx::Connection;

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
        let url = format!("sqlite://{}", dir.join("hms.db").display());
        Self { url, dir: Some(dir), postgres: None }
    }

    /// A new PostgreSQL database beside `DATABASE_URL`, or `None` (said loudly on stderr) when it
    /// is not set. With `HMS_REQUIRE_POSTGRES` set, a missing or unreachable PostgreSQL panics.
    pub async fn postgres() -> Option<Self> {
        let required = std::env::var_os("HMS_REQUIRE_POSTGRES").is_some();
        let Ok(admin_url) = std::env::var("DATABASE_URL") else {
            assert!(!required, "HMS_REQUIRE_POSTGRES is set but DATABASE_URL is not");
            eprintln!("SKIPPED: the PostgreSQL half of this test needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)");
            return None;
        };
        let name = format!("hms_t_{}", uuid::Uuid::now_v7().simple());
        let mut conn =
            sqlx::PgConnection::connect(&admin_url).await.unwrap_or_else(|e| panic!("PostgreSQL at DATABASE_URL is unreachable: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("create database \"{name}\""))).execute(&mut conn).await.expect("create a test database");
        conn.close().await.ok();
        let (base, query) = match admin_url.split_once('?') {
            Some((b, q)) => (b.to_string(), format!("?{q}")),
            None => (admin_url.clone(), String::new()),
        };
        let cut = base.rfind('/').filter(|&i| i > base.find("://").map_or(0, |p| p + 2)).unwrap_or(base.len());
        let url = format!("{}/{name}{query}", &base[..cut]);
        Some(Self { url, dir: None, postgres: Some((admin_url, name)) })
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
