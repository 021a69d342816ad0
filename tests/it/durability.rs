//! Where commits and document bytes end up: SQLite commits are flushed to the disk unless the
//! hospital opts out, and a PostgreSQL hospital keeps document bytes in the database itself, so
//! every process that opens the database sees them, wherever it was started.

use hms::store::testing::TempDatabase;
use hms::{DocumentInput, DocumentKind, HospitalConfig, SqliteSynchronous};

use crate::common::*;

async fn durability(h: &hms::Hospital) -> Vec<(&'static str, String)> {
    h.store().durability().await.expect("the database reports its settings")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_commits_are_flushed_to_the_disk_unless_the_hospital_opts_out() {
    assert_eq!(HospitalConfig::default().sqlite_synchronous, SqliteSynchronous::Full);
    let db = TempDatabase::sqlite();
    let h = hms::open(&db.url, config()).await.expect("the hospital opens");
    assert_eq!(durability(&h).await, vec![("journal_mode", "wal".to_string()), ("synchronous", "full".to_string())]);
    drop(h);
    let store = hms::store::open_store(&db.url, &hms::store::StoreOptions::default()).await.expect("the store opens");
    assert_eq!(store.durability().await.unwrap()[1], ("synchronous", "full".to_string()));
    drop(store);
    let normal = HospitalConfig { sqlite_synchronous: SqliteSynchronous::Normal, ..config() };
    let h = hms::open(&db.url, normal).await.expect("the hospital opens");
    assert_eq!(durability(&h).await[1], ("synchronous", "normal".to_string()));
    drop(h);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_reports_its_durability() {
    let db = TempDatabase::postgres().await;
    let h = hms::open(&db.url, config()).await.expect("the hospital opens");
    let settings = durability(&h).await;
    assert_eq!(settings.iter().map(|(k, _)| *k).collect::<Vec<_>>(), ["fsync", "synchronous_commit"]);
    drop(h);
    db.cleanup().await;
}

/// A script started in one folder and a server started in another (or on another machine) open
/// the same PostgreSQL database: each reads the documents the other wrote, and no directory of
/// blobs appears beside either. The working directory is the process's: nextest runs each test
/// in a process of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_documents_are_read_from_any_working_directory() {
    let db = TempDatabase::postgres().await;
    let base = std::env::temp_dir().join(format!("hms-cwd-{}", uuid::Uuid::now_v7().simple()));
    let (here, there) = (base.join("here"), base.join("there"));
    std::fs::create_dir_all(&here).unwrap();
    std::fs::create_dir_all(&there).unwrap();
    let before = std::env::current_dir().unwrap();

    std::env::set_current_dir(&here).unwrap();
    let first = hms::open(&db.url, config()).await.expect("the hospital opens here");
    let (pu, pt) = patient(&first, 1).await;
    let bytes = b"%PDF-1.4 a discharge letter".to_vec();
    let input = DocumentInput {
        kind: DocumentKind::Other,
        appointment_id: None,
        file_name: "letter.pdf".into(),
        content_type: "application/pdf".into(),
        description: "discharge letter".into(),
        bytes: bytes.clone(),
    };
    let doc = first.attach_document(&pt, pu.id.as_patient(), input, now()).await.expect("the patient uploads a letter");
    drop(first);

    std::env::set_current_dir(&there).unwrap();
    let second = hms::open(&db.url, config()).await.expect("the hospital opens there");
    let (_, read) = second.document_content(&pt, doc.id, now()).await.expect("the letter is read from elsewhere");
    assert_eq!(read, bytes);
    drop(second);
    std::env::set_current_dir(before).unwrap();

    for dir in [&here, &there] {
        assert_eq!(std::fs::read_dir(dir).unwrap().count(), 0, "nothing was written beside {}", dir.display());
    }
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let (n, size): (i64, i64) = sqlx::query_as("select count(*), sum(size)::bigint from blob where sha256 = $1")
        .bind(&doc.sha256)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!((n, size), (1, bytes.len() as i64), "the bytes are in the database");
    drop(conn);
    let _ = std::fs::remove_dir_all(base);
    db.cleanup().await;
}

/// The library says which PostgreSQL database is missing and how to create it, and
/// `create_database` creates it (once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_postgres_database_is_named_and_can_be_created() {
    let db = TempDatabase::postgres().await;
    let name = format!("hms_missing_{}", uuid::Uuid::now_v7().simple());
    let (base, query) = db.url.split_once('?').map_or((db.url.as_str(), String::new()), |(b, q)| (b, format!("?{q}")));
    let url = format!("{}/{name}{query}", &base[..base.rfind('/').unwrap()]);
    let e = hms::open(&url, config()).await.unwrap_err();
    assert_eq!(e.kind(), hms::ErrorKind::Invalid, "{e}");
    let message = e.to_string();
    for words in [format!("\"{name}\", which does not exist"), "createdb -h ".into(), "hms-server migrate --create-database".into()] {
        assert!(message.contains(&words), "the message says {words:?}: {message}");
    }
    assert!(hms::store::create_database(&url).await.unwrap(), "created");
    assert!(!hms::store::create_database(&url).await.unwrap(), "already there");
    let h = hms::open(&url, config()).await.expect("the hospital opens once its database exists");
    drop(h);
    let admin = std::env::var("DATABASE_URL").unwrap_or_else(|_| hms::store::testing::DEFAULT_POSTGRES_URL.to_string());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("drop database if exists \"{name}\" with (force)"))).execute(&mut conn).await.unwrap();
    db.cleanup().await;
}
