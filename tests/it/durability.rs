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

/// moto's S3-compatible server on a free port of 127.0.0.1, stopped when dropped.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Moto {
    fn start() -> Self {
        let server = std::env::var("HMS_MOTO_SERVER")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/moto-venv/bin/moto_server"));
        assert!(server.is_file(), "{} is missing: `bash scripts/moto-venv.sh` installs moto's S3 server", server.display());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "moto_server did not listen");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Self { child, endpoint: format!("http://127.0.0.1:{port}") }
    }

    /// Creates a bucket (S3's `PUT /bucket`; moto accepts any signature).
    fn bucket(&self, name: &str) {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(self.endpoint.trim_start_matches("http://")).unwrap();
        write!(s, "PUT /{name} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    fn store(&self, url: &str) -> hms::store::ObjectBlobStore {
        let settings = [
            ("aws_endpoint", self.endpoint.as_str()),
            ("aws_allow_http", "true"),
            ("aws_access_key_id", "test"),
            ("aws_secret_access_key", "test"),
            ("aws_region", "us-east-1"),
        ];
        hms::store::ObjectBlobStore::from_url_with(url, &settings).expect("an object store")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Servers on two machines share documents through an S3-compatible object store, not a file
/// system: what one hospital stores, another opened on the same database reads, and the bytes are
/// in the bucket (under the prefix, one object per content hash), not in the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_in_an_s3_compatible_object_store() {
    use hms::ports::BlobStore;
    let moto = Moto::start();
    moto.bucket("hms-documents");
    let db = TempDatabase::postgres().await;
    let open = || async {
        let store = hms::store::open_store(&db.url, &hms::store::StoreOptions::default()).await.unwrap();
        hms::Hospital::new(store, std::sync::Arc::new(moto.store("s3://hms-documents/hospital-a")), config())
    };
    let first = open().await;
    let (pu, pt) = patient(&first, 1).await;
    let bytes = b"%PDF-1.4 a scan kept in the bucket".to_vec();
    let input = DocumentInput {
        kind: DocumentKind::Other,
        appointment_id: None,
        file_name: "scan.pdf".into(),
        content_type: "application/pdf".into(),
        description: "a scan".into(),
        bytes: bytes.clone(),
    };
    let doc = first.attach_document(&pt, pu.id.as_patient(), input, now()).await.expect("stored in the bucket");
    let second = open().await;
    let (_, read) = second.document_content(&pt, doc.id, now()).await.expect("read through another hospital");
    assert_eq!(read, bytes);

    let bucket = moto.store("s3://hms-documents/hospital-a");
    assert_eq!(bucket.get(&doc.sha256).await.unwrap(), Some(bytes.clone()));
    assert_eq!(bucket.put(&bytes).await.unwrap(), doc.sha256, "the same bytes are the same object");
    assert_eq!(bucket.get(&"0".repeat(64)).await.unwrap(), None);
    assert_eq!(moto.store("s3://hms-documents/another-prefix").get(&doc.sha256).await.unwrap(), None, "prefixes keep hospitals apart");
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let in_db: i64 = sqlx::query_scalar("select count(*) from blob").fetch_one(&mut conn).await.unwrap();
    assert_eq!(in_db, 0, "the bytes are not in the database");
    drop(conn);
    drop((first, second));
    db.cleanup().await;
}

#[test]
fn a_blob_url_must_name_an_s3_bucket() {
    for (url, words) in [("gs://bucket", "is not an s3:// URL"), ("s3://", "names no bucket")] {
        let e = hms::store::ObjectBlobStore::from_url(url).unwrap_err().to_string();
        assert!(e.contains(words), "{url}: {e}");
    }
    let e = hms::store::Blobs::from_settings(Some("/srv/blobs".into()), Some("s3://b".into())).unwrap_err();
    assert_eq!(e.kind(), hms::ErrorKind::Invalid);
}
