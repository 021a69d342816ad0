//! A real server on 127.0.0.1:0 over a fresh database, with a clock the test can move.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hms_core::{Hospital, HospitalConfig, PasswordCost, Registration, Role};
use hms_server::{AppState, HttpConfig};
use hms_store::testing::TempDatabase;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

pub const PASSWORD: &str = "a sound test passphrase";

/// Operations anyone may call, signed in or not (method, path as in the OpenAPI document).
pub const PUBLIC: &[(&str, &str)] = &[
    ("post", "/api/auth/register"),
    ("post", "/api/auth/login"),
    ("post", "/api/auth/refresh"),
    ("post", "/api/auth/login/second-factor"),
    ("post", "/api/auth/password-reset"),
    ("post", "/api/auth/password-reset/confirm"),
    ("get", "/api/doctors"),
    ("get", "/api/doctors/{id}"),
    ("get", "/api/doctors/{id}/availability"),
    ("get", "/api/doctors/{id}/slots"),
    ("get", "/api/hospital"),
    ("get", "/healthz"),
    ("get", "/readyz"),
];

/// The key the test servers sign access tokens with.
pub const JWT_SECRET: &[u8] = b"a test secret that is long enough for HS256 keys";

pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    pub hospital: Hospital,
    offset_ms: Arc<AtomicI64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    db: Option<TempDatabase>,
    blobs: std::path::PathBuf,
}

impl TestServer {
    pub async fn start(db: TempDatabase, access_ttl: Duration) -> Self {
        let config = HospitalConfig {
            password_cost: PasswordCost::fast_for_tests(),
            secret_key: Some(hms_core::SecretKey::random().expect("a key")),
            ..Default::default()
        };
        let analyzer = hms_ai::Analyzer::new(None).expect("the rule pack loads");
        // Document bytes go to a directory of this test's own, whatever the backend.
        let blobs = std::env::temp_dir().join(format!("hms-test-blobs-{}", uuid::Uuid::now_v7().simple()));
        let hospital =
            hms_store::open_with_blobs(&db.url, Some(&blobs), config).await.expect("the hospital opens").with_analyzer(Arc::new(analyzer));
        let mut http = HttpConfig::with_secret(JWT_SECRET.to_vec());
        http.access_ttl = access_ttl;
        http.max_body_bytes = 1024 * 1024;
        http.body_timeout = Duration::from_secs(1);
        http.connection.header_timeout = Duration::from_secs(1);
        http.connection.shutdown_grace = Duration::from_secs(5);
        http.cors_origins = vec!["https://app.example.org".into()];
        http.metrics = true;
        let mut state = AppState::new(hospital.clone(), &http);
        let offset_ms = Arc::new(AtomicI64::new(0));
        let offset = offset_ms.clone();
        state.clock = Arc::new(move || Utc::now() + chrono::Duration::milliseconds(offset.load(Ordering::SeqCst)));
        let app = hms_server::app(state, &http);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("a socket address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                stopped.await.ok();
            };
            hms_server::serve::serve(listener, app, http.connection, shutdown).await.expect("the server runs");
        });
        Self {
            base: format!("http://{addr}"),
            // Idle connections are dropped before the server (1 s here) would close them under a request.
            client: reqwest::Client::builder().pool_idle_timeout(Duration::from_millis(400)).build().expect("a client"),
            hospital,
            offset_ms,
            stop: Some(stop),
            task: Some(task),
            db: Some(db),
            blobs,
        }
    }

    /// Moves the server's clock forward.
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// The server's current time.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    /// The URL of the server's database.
    pub fn database_url(&self) -> &str {
        &self.db.as_ref().expect("the database").url
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        drop(self.hospital);
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
        let _ = std::fs::remove_dir_all(&self.blobs);
    }

    async fn send(&self, req: reqwest::RequestBuilder, token: Option<&str>) -> (StatusCode, Value) {
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req.send().await.expect("the server answers");
        let status = resp.status();
        if status == StatusCode::CREATED {
            let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
            assert!(location.starts_with("/api/"), "a 201 says where the new resource is: {location:?}");
        }
        let problem = resp.headers().get("content-type").is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
        let text = resp.text().await.expect("a body");
        let value: Value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        if !status.is_success() {
            assert!(problem, "error answers are problem documents: {status} {value}");
            assert_eq!(value["status"], status.as_u16(), "{value}");
        }
        (status, value)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.send(self.client.get(format!("{}{path}", self.base)), token).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(self.client.post(format!("{}{path}", self.base)).json(&body), token).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(self.client.put(format!("{}{path}", self.base)).json(&body), token).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(self.client.patch(format!("{}{path}", self.base)).json(&body), token).await
    }

    pub async fn send_delete(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.send(self.client.delete(format!("{}{path}", self.base)), token).await
    }

    pub async fn multipart(&self, path: &str, token: Option<&str>, form: reqwest::multipart::Form) -> (StatusCode, Value) {
        self.send(self.client.post(format!("{}{path}", self.base)).multipart(form), token).await
    }

    /// Signs in and returns the access token, refresh token and user id.
    pub async fn login(&self, email: &str) -> (String, String, String) {
        let (status, body) = self.post("/api/auth/login", None, json!({"email": email, "password": PASSWORD})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (
            body["access_token"].as_str().unwrap().to_string(),
            body["refresh_token"].as_str().unwrap().to_string(),
            body["user"]["id"].as_str().unwrap().to_string(),
        )
    }

    /// The first admin, through the bootstrap path, signed in.
    pub async fn admin(&self) -> String {
        let r = Registration {
            email: "admin@example.org".into(),
            password: PASSWORD.into(),
            full_name: "Ada Admin".into(),
            ..Default::default()
        };
        self.hospital.bootstrap_admin(r, Utc::now()).await.expect("the first admin");
        self.login("admin@example.org").await.0
    }

    /// Registers a doctor with availability every day, 09:00–17:00 UTC in 30-minute slots; returns (token, id).
    pub async fn doctor(&self, n: u32) -> (String, String) {
        let email = format!("doctor{n}@example.org");
        let (status, body) = self
            .post(
                "/api/auth/register",
                None,
                json!({"email": email, "password": PASSWORD, "full_name": format!("Doctor {}", ["A", "B", "C"][n as usize % 3]), "role": "doctor",
                       "doctor": {"specialization": "Cardiology", "license_number": format!("LIC-{n:04}"), "consultation_fee": "150.50"}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (token, _, id) = self.login(&email).await;
        let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
        let rules: Vec<Value> = days.iter().map(|d| json!({"weekday": d, "start": "09:00", "end": "17:00", "slot_minutes": 30})).collect();
        let (status, body) = self.put("/api/doctors/me/availability", Some(&token), json!({"rules": rules})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (token, id)
    }

    /// Registers a patient; returns (token, id).
    pub async fn patient(&self, n: u32) -> (String, String) {
        let email = format!("patient{n}@example.org");
        let (status, body) = self
            .post(
                "/api/auth/register",
                None,
                json!({"email": email, "password": PASSWORD, "full_name": format!("Patient {}", ["A", "B", "C"][n as usize % 3]), "role": "patient",
                       "patient": {"allergies": ["penicillin"], "date_of_birth": "1980-05-17"}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (token, _, id) = self.login(&email).await;
        (token, id)
    }

    /// Staff created by an admin; returns the staff member's token.
    pub async fn staff(&self, admin: &str, role: Role, n: u32) -> String {
        let email = format!("{}{n}@example.org", role.as_str());
        let (status, body) = self
            .post(
                "/api/users",
                Some(admin),
                json!({"email": email, "password": PASSWORD, "full_name": "Staff Member", "role": role.as_str()}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self.login(&email).await.0
    }

    /// The doctor's free slots over the next three days.
    pub async fn slots(&self, doctor_id: &str) -> Vec<String> {
        let from = self.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let to = (self.now() + chrono::Duration::days(3)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (status, body) = self.get(&format!("/api/doctors/{doctor_id}/slots?from={from}&to={to}"), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body.as_array().unwrap().iter().map(|s| s["start"].as_str().unwrap().to_string()).collect()
    }
}

/// Runs a test body on a server over a fresh SQLite database and one over a fresh PostgreSQL database.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let s = crate::common::TestServer::start(hms_store::testing::TempDatabase::sqlite(), std::time::Duration::from_secs(900)).await;
                super::$name(&s).await;
                s.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let db = hms_store::testing::TempDatabase::postgres().await;
                let s = crate::common::TestServer::start(db, std::time::Duration::from_secs(900)).await;
                super::$name(&s).await;
                s.stop().await;
            }
        }
    )*};
}
pub(crate) use on_both;

/// A minimal SMTP server that keeps what it is sent.
pub async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let store = messages.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = tokio::io::BufReader::new(read).lines();
                write.write_all(b"220 sink ready\r\n").await.ok();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 sink\r\n"
                    } else if upper.starts_with("DATA") {
                        write.write_all(b"354 go ahead\r\n").await.ok();
                        let mut message = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            message.push_str(&l);
                            message.push('\n');
                        }
                        store.lock().unwrap().push(message);
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.ok();
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.ok();
                }
            });
        }
    });
    (port, messages)
}
