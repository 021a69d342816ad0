//! Many processes on one database, and crash durability: the real `hms-server` binary, started as
//! child processes (`serve --bind 127.0.0.1:0`, the port read from the line it prints), under
//! concurrent booking load. The accounts are made through the API and the `create-admin` command,
//! with the production password hashing, so there are only a handful of them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use hms_store::testing::TempDatabase;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinSet;
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_hms-server");
/// The signing secret every process shares, so that a token from one is good on another.
const SECRET: &str = "one secret shared by every process of this hospital";
const PASSWORD: &str = "a sound test passphrase";
const ADMIN: &str = "admin@example.org";
const DESK: &str = "desk@example.org";
/// How long a process may take to start (migrations included) before the test gives up.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The `hms-server` command, with none of the caller's `HMS_*` settings (a time zone, doctor
/// approval, a mail server…) leaking into the processes under test.
fn command() -> Command {
    let mut command = Command::new(BIN);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("HMS_") {
            command.env_remove(key);
        }
    }
    command.env("RUST_LOG", "info,sqlx=warn").env("NO_COLOR", "1").stdin(Stdio::null());
    command
}

/// A scratch directory for the processes' output.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hms-processes-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// A name for the `i`-th person (names hold letters only).
fn name(i: usize) -> String {
    let letter = |n: usize| char::from(b'a' + (n % 26) as u8);
    format!("{}{}", letter(i).to_ascii_uppercase(), letter(i / 26))
}

/// The end of a log file.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// One answer of the API.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    body: Value,
    location: Option<String>,
    retry_after: Option<String>,
}

/// The HTTP side of one process: cheap to clone into concurrent tasks.
#[derive(Clone)]
struct Api {
    name: &'static str,
    base: String,
    client: reqwest::Client,
}

impl Api {
    async fn try_call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> reqwest::Result<Answer> {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (location, retry_after) = (header("location"), header("retry-after"));
        let text = resp.text().await?;
        let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Ok(Answer { status, body, location, retry_after })
    }

    async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let what = format!("{method} {path} on {}", self.name);
        self.try_call(method, path, token, body).await.unwrap_or_else(|e| panic!("{what}: {e}"))
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.call(Method::GET, path, token, None).await
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// Signs in: (access token, refresh token, user id).
    async fn login(&self, email: &str) -> (String, String, String) {
        let a = self.post("/api/auth/login", None, json!({"email": email, "password": PASSWORD})).await;
        assert_eq!(a.status, StatusCode::OK, "login of {email} on {}: {}", self.name, a.body);
        let text = |v: &Value| v.as_str().expect("a string").to_string();
        (text(&a.body["access_token"]), text(&a.body["refresh_token"]), text(&a.body["user"]["id"]))
    }

    async fn book(&self, token: &str, doctor: &str, patient: &str, starts_at: &str) -> reqwest::Result<Answer> {
        let body = json!({"doctor_id": doctor, "patient_id": patient, "starts_at": starts_at, "reason": "load test"});
        self.try_call(Method::POST, "/api/appointments", Some(token), Some(body)).await
    }

    /// The doctor's free slot starts over the next `days` days, from an hour ahead: none of them
    /// passes while the test runs (a slot in the past can no longer be booked).
    async fn slots(&self, doctor: &str, days: i64) -> Vec<String> {
        let from = Utc::now() + chrono::Duration::hours(1);
        self.slots_between(doctor, from, from + chrono::Duration::days(days)).await
    }

    /// The doctor's free slot starts between two instants.
    async fn slots_between(&self, doctor: &str, from: chrono::DateTime<Utc>, to: chrono::DateTime<Utc>) -> Vec<String> {
        let from = from.to_rfc3339_opts(SecondsFormat::Secs, true);
        let to = to.to_rfc3339_opts(SecondsFormat::Secs, true);
        let a = self.get(&format!("/api/doctors/{doctor}/slots?from={from}&to={to}"), None).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        a.body.as_array().expect("a list").iter().map(|s| s["start"].as_str().expect("a start").to_string()).collect()
    }
}

/// One `hms-server serve` process; killed when dropped, its log shown if the test is failing.
struct Server {
    api: Api,
    child: Child,
    /// Standard output and error together: the tracing log goes to standard output.
    log: PathBuf,
}

impl Server {
    /// Starts `hms-server serve` on `database` on a free port and waits until it answers `/healthz`.
    async fn start(name: &'static str, database: &str, dir: &Path) -> Server {
        Self::start_with(name, database, dir, &[]).await
    }

    /// [`Server::start`] with more settings.
    async fn start_with(name: &'static str, database: &str, dir: &Path, settings: &[(&str, String)]) -> Server {
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("a log file");
        let child = command()
            .args(["serve", "--database", database, "--bind", "127.0.0.1:0"])
            .envs(settings.iter().map(|(k, v)| (*k, v.as_str())))
            .env("HMS_JWT_SECRET", SECRET)
            .stdout(file.try_clone().expect("a log file"))
            .stderr(file)
            .spawn()
            .expect("hms-server starts");
        // A request that hangs fails the test instead of stalling it.
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("an HTTP client");
        let api = Api { name, base: String::new(), client };
        let mut server = Server { api, child, log };
        let deadline = Instant::now() + START_TIMEOUT;
        // Once it listens, the process prints the address it bound.
        loop {
            if let Some(status) = server.child.try_wait().expect("the child's status") {
                panic!("{name} exited ({status}) before listening:\n{}", tail(&server.log));
            }
            let out = std::fs::read_to_string(&server.log).unwrap_or_default();
            if let Some(addr) = out.split("hms listening on http://").nth(1).and_then(|rest| rest.split_whitespace().next()) {
                server.api.base = format!("http://{addr}");
                break;
            }
            assert!(Instant::now() < deadline, "{name} did not listen within {START_TIMEOUT:?}:\n{}", tail(&server.log));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        loop {
            let health = server.api.try_call(Method::GET, "/healthz", None, None).await;
            if health.is_ok_and(|a| a.status == StatusCode::OK) {
                return server;
            }
            assert!(Instant::now() < deadline, "{name} did not answer /healthz within {START_TIMEOUT:?}:\n{}", tail(&server.log));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: the process ends at once, mid-request, without any shutdown code running.
    fn kill_9(&mut self) {
        self.child.kill().expect("the process is killed");
        let status = self.child.wait().expect("the killed process is reaped");
        assert_eq!(status.signal(), Some(9), "{} ended by SIGKILL, not otherwise ({status}):\n{}", self.api.name, tail(&self.log));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("---- the end of {}'s log ----\n{}\n----", self.api.name, tail(&self.log));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs one command of the `hms-server` CLI to its end (with the admin password in the
/// environment, for `create-admin`).
async fn cli(args: &[&str]) -> std::process::Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || command().args(&args).env("HMS_ADMIN_PASSWORD", PASSWORD).output().expect("hms-server runs"))
        .await
        .expect("the command's thread")
}

/// `hms-server create-admin` against `database`: a process of its own, the password from the environment.
async fn create_admin(database: &str) {
    let out = cli(&["create-admin", "--database", database, "--email", ADMIN, "--name", "Ada Admin"]).await;
    assert!(out.status.success(), "create-admin failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// A PostgreSQL URL naming a database that is not there, beside the test server's.
fn missing_database_url() -> (String, String) {
    let admin = std::env::var("DATABASE_URL").unwrap_or_else(|_| hms_store::testing::DEFAULT_POSTGRES_URL.to_string());
    let name = format!("hms_missing_{}", Uuid::now_v7().simple());
    let (base, query) = admin.split_once('?').map_or((admin.as_str(), String::new()), |(b, q)| (b, format!("?{q}")));
    let cut = base.rfind('/').filter(|&i| i > base.find("://").map_or(0, |p| p + 2)).unwrap_or(base.len());
    (format!("{}/{name}{query}", &base[..cut]), name)
}

/// A server pointed at a PostgreSQL database that does not exist says so, naming it and how to
/// create it; `migrate --create-database` creates it, and then the server starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_postgres_database_is_named_and_can_be_created() {
    let (url, name) = missing_database_url();
    let out = cli(&["migrate", "--database", &url]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for words in [format!("\"{name}\", which does not exist"), "createdb -h ".to_string(), "hms-server migrate --create-database".into()] {
        assert!(stderr.contains(&words), "the message says {words:?}: {stderr}");
    }
    assert!(!stderr.contains("internal error"), "{stderr}");
    let out = cli(&["migrate", "--create-database", "--database", &url]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("database created"));
    let out = cli(&["migrate", "--create-database", "--database", &url]).await;
    assert!(out.status.success(), "a second run finds it there: {}", String::from_utf8_lossy(&out.stderr));
    create_admin(&url).await;
    let admin = std::env::var("DATABASE_URL").unwrap_or_else(|_| hms_store::testing::DEFAULT_POSTGRES_URL.to_string());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("drop database if exists \"{name}\" with (force)"))).execute(&mut conn).await.unwrap();
}

/// A small hospital made through the API: a receptionist who books, doctors available every day
/// 09:00–17:00 UTC, patients registered at the front desk.
struct Hospital {
    /// The receptionist's access token (good on every process).
    desk: String,
    doctors: Vec<String>,
    patients: Vec<String>,
}

/// Makes the hospital, spreading the requests over `apis`: one doctor per entry of `slot_minutes`.
async fn seed(apis: &[&Api], database: &str, slot_minutes: &[u16], patients: usize) -> Hospital {
    let api = |i: usize| apis[i % apis.len()].clone();
    create_admin(database).await;
    let (admin, _, _) = api(0).login(ADMIN).await;
    let body = json!({"email": DESK, "password": PASSWORD, "full_name": "Rita Reception", "role": "receptionist"});
    let a = api(0).post("/api/users", Some(&admin), body).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let (desk, _, _) = api(1).login(DESK).await;

    let mut doctors = JoinSet::new();
    for (i, &minutes) in slot_minutes.iter().enumerate() {
        let api = api(i);
        doctors.spawn(async move {
            let email = format!("doctor{i}@example.org");
            let body = json!({"email": email, "password": PASSWORD, "full_name": format!("Doctor {}", name(i)), "role": "doctor",
                              "doctor": {"specialization": "Cardiology", "license_number": format!("LIC-{i:04}"), "consultation_fee": "150.50"}});
            let a = api.post("/api/auth/register", None, body).await;
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
            let (token, _, id) = api.login(&email).await;
            let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
            let rules: Vec<Value> = days.iter().map(|d| json!({"weekday": d, "start": "09:00", "end": "17:00", "slot_minutes": minutes})).collect();
            let a = api.call(Method::PUT, "/api/doctors/me/availability", Some(&token), Some(json!({"rules": rules}))).await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.body);
            (i, id)
        });
    }
    let mut registered = JoinSet::new();
    for i in 0..patients {
        let (api, desk) = (api(i), desk.clone());
        registered.spawn(async move {
            let body =
                json!({"email": format!("patient{i}@example.org"), "password": PASSWORD, "full_name": format!("Patient {}", name(i))});
            let a = api.post("/api/patients", Some(&desk), body).await;
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
            (i, a.body["id"].as_str().expect("an id").to_string())
        });
    }
    let mut doctors = doctors.join_all().await;
    doctors.sort();
    let mut patients = registered.join_all().await;
    patients.sort();
    Hospital { desk, doctors: doctors.into_iter().map(|d| d.1).collect(), patients: patients.into_iter().map(|p| p.1).collect() }
}

/// Direct SQL on the test's database, on either backend.
enum Db {
    Postgres(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Db::Postgres($pool) => $body,
            Db::Sqlite($pool) => $body,
        }
    };
}

/// An appointment row: id, doctor, patient, status.
type Row = (Uuid, Uuid, Uuid, String);

impl Db {
    async fn open(url: &str) -> Db {
        if url.starts_with("sqlite:") {
            Db::Sqlite(sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect(url).await.expect("the SQLite file opens"))
        } else {
            Db::Postgres(sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(url).await.expect("PostgreSQL opens"))
        }
    }

    async fn appointments(&self) -> Vec<Row> {
        let sql = "select id, doctor_id, patient_id, status from appointment";
        on_pool!(self, p => sqlx::query_as::<_, Row>(sql).fetch_all(p).await).expect("the appointments")
    }

    /// The appointment ids the successful `appointment.book` audit events name.
    async fn booking_audits(&self) -> Vec<Uuid> {
        let sql = "select entity_id from audit_event where operation = 'appointment.book' and outcome = 'success'";
        let ids: Vec<(Option<String>,)> = on_pool!(self, p => sqlx::query_as(sql).fetch_all(p).await).expect("the audit events");
        ids.into_iter().map(|(id,)| id.expect("an entity id").parse().expect("an appointment id")).collect()
    }

    async fn count(&self, sql: &'static str) -> i64 {
        on_pool!(self, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    async fn close(self) {
        on_pool!(self, p => p.close().await)
    }
}

/// What one booking writes in its transaction (see `Hospital::book`): the appointment, one
/// `appointment.book` audit event naming it, an `appointment_booked` notification to the patient
/// and one to the doctor, and an e-mail to each in the outbox. Nothing else books here, so the
/// counts must match exactly: all of a booking or none of it.
async fn assert_bookings_whole(db: &Db, rows: &[Row]) {
    let ids: HashSet<Uuid> = rows.iter().map(|r| r.0).collect();
    let audited = db.booking_audits().await;
    let audited_set: HashSet<Uuid> = audited.iter().copied().collect();
    assert_eq!(audited.len(), audited_set.len(), "one audit event per booking");
    assert_eq!(audited_set, ids, "every appointment has its booking audit event, and every such event its appointment");
    let notifications = db.count("select count(*) from notification where kind = 'appointment_booked'").await;
    assert_eq!(notifications, 2 * rows.len() as i64, "two booking notifications per appointment");
    let emails = db.count("select count(*) from outgoing_email where subject = 'Appointment booked'").await;
    assert_eq!(emails, 2 * rows.len() as i64, "two booking e-mails per appointment");
}

/// A small, seedable random source: the seed is printed, and `HMS_TEST_SEED` sets it to make the
/// same choices again (the interleaving of the clients is the scheduler's).
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// The appointment id at the end of a 201's `Location`.
fn created_id(a: &Answer) -> Uuid {
    let location = a.location.as_deref().expect("a 201 has a Location");
    let id = location.strip_prefix("/api/appointments/").unwrap_or_else(|| panic!("an appointment's Location: {location}"));
    assert_eq!(a.body["id"].as_str(), Some(id), "the Location names the appointment answered");
    id.parse().expect("a uuid")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_one_slot() {
    let db = TempDatabase::postgres().await;
    let dir = scratch();
    // Both start together on the fresh database: both run the migrations.
    let (a, b) = tokio::join!(Server::start("a", &db.url, &dir), Server::start("b", &db.url, &dir));
    let h = seed(&[&a.api, &b.api], &db.url, &[30], 8).await;
    let doctor = h.doctors[0].clone();
    let slot = a.api.slots(&doctor, 3).await.first().cloned().expect("a free slot");

    const N: usize = 64;
    let barrier = Arc::new(tokio::sync::Barrier::new(N));
    let mut tasks = JoinSet::new();
    for i in 0..N {
        let api = if i % 2 == 0 { a.api.clone() } else { b.api.clone() };
        let (barrier, desk, doctor, slot, patient) =
            (barrier.clone(), h.desk.clone(), doctor.clone(), slot.clone(), h.patients[i % 8].clone());
        tasks.spawn(async move {
            barrier.wait().await;
            let answer = api.book(&desk, &doctor, &patient, &slot).await.unwrap_or_else(|e| panic!("booking on {}: {e}", api.name));
            (api.name, answer)
        });
    }
    let answers = tasks.join_all().await;
    let created: Vec<&(&str, Answer)> = answers.iter().filter(|(_, a)| a.status == StatusCode::CREATED).collect();
    let conflicts = answers.iter().filter(|(_, a)| a.status == StatusCode::CONFLICT).count();
    let other: Vec<_> = answers.iter().filter(|(_, a)| a.status != StatusCode::CREATED && a.status != StatusCode::CONFLICT).collect();
    assert!(other.is_empty(), "every answer is 201 or 409: {other:?}");
    assert_eq!((created.len(), conflicts), (1, N - 1), "exactly one booking of the slot wins");
    for (_, a) in answers.iter().filter(|(_, a)| a.status == StatusCode::CONFLICT) {
        assert_eq!(a.body["status"], 409, "a conflict is a problem document: {}", a.body);
    }
    let (winner, answer) = created[0];
    let id = created_id(answer);
    let mut why: BTreeMap<String, usize> = BTreeMap::new();
    for (_, a) in answers.iter().filter(|(_, a)| a.status == StatusCode::CONFLICT) {
        *why.entry(a.body["detail"].as_str().unwrap_or_default().to_string()).or_default() += 1;
    }
    eprintln!("one slot, two processes: 1×201 (from {winner}) / {conflicts}×409 {why:?}");
    // Bookings of one doctor take turns on PostgreSQL, so every loser meets the winner's committed
    // row: none is ended by the deadlock detector ("a concurrent change got in the way").
    assert_eq!(why.keys().collect::<Vec<_>>(), ["this slot is already booked"], "every loser is told the slot is taken");

    let sql = Db::open(&db.url).await;
    let rows = sql.appointments().await;
    assert_eq!(rows.len(), 1, "the losers wrote nothing: {rows:?}");
    assert_eq!(rows[0], (id, doctor.parse().unwrap(), answer.body["patient_id"].as_str().unwrap().parse().unwrap(), "pending".into()));
    let Db::Postgres(pool) = &sql else { unreachable!() };
    let active: i64 = sqlx::query_scalar(
        "select count(*) from appointment where doctor_id = $1 and starts_at = $2 and status in ('pending', 'confirmed')",
    )
    .bind(doctor.parse::<Uuid>().unwrap())
    .bind(chrono::DateTime::parse_from_rfc3339(&slot).unwrap().with_timezone(&Utc))
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(active, 1, "exactly one active appointment holds the slot");
    assert_bookings_whole(&sql, &rows).await;

    sql.close().await;
    drop((a, b));
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Random bookings and cancellations through two processes on one database, each process also
/// sending the e-mails the bookings queue (to one SMTP sink, every second).
mod two_processes_random_bookings {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        super::two_processes_random_bookings(hms_store::testing::TempDatabase::postgres().await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        super::two_processes_random_bookings(hms_store::testing::TempDatabase::sqlite()).await;
    }
}

async fn two_processes_random_bookings(db: TempDatabase) {
    let dir = scratch();
    let (smtp, sent) = crate::common::smtp_sink().await;
    let mail = [("HMS_SMTP_URL", format!("smtp://127.0.0.1:{smtp}")), ("HMS_MAIL_INTERVAL", "1".to_string())];
    let (a, b) = tokio::join!(Server::start_with("a", &db.url, &dir, &mail), Server::start_with("b", &db.url, &dir, &mail));
    // Slots of 30, 20 and 45 minutes: one patient's bookings with different doctors overlap in part.
    let h = Arc::new(seed(&[&a.api, &b.api], &db.url, &[30, 20, 45], 8).await);
    let mut slots = Vec::new();
    for d in &h.doctors {
        slots.push(a.api.slots(d, 2).await);
    }
    let slots = Arc::new(slots);
    let seed = std::env::var("HMS_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64);
    eprintln!("random bookings: seed {seed}, {} doctor slots", slots.iter().map(Vec::len).sum::<usize>());

    const BOOKINGS: usize = 1000;
    const CLIENTS: usize = 32;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut clients = JoinSet::new();
    for c in 0..CLIENTS {
        let (apis, h, slots, next) = ([a.api.clone(), b.api.clone()], h.clone(), slots.clone(), next.clone());
        clients.spawn(async move {
            let mut random = Random(seed ^ (c as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
            let (mut created, mut cancelled, mut conflicts, mut wrong) =
                (Vec::new(), Vec::new(), BTreeMap::<String, usize>::new(), Vec::new());
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= BOOKINGS {
                    break;
                }
                let api = &apis[n % 2];
                let d = random.below(h.doctors.len());
                let start = &slots[d][random.below(slots[d].len())];
                let patient = &h.patients[random.below(h.patients.len())];
                let answer =
                    api.book(&h.desk, &h.doctors[d], patient, start).await.unwrap_or_else(|e| panic!("booking on {}: {e}", api.name));
                match answer.status {
                    StatusCode::CREATED => {
                        let id = created_id(&answer);
                        created.push(id);
                        // Now and then the booking is cancelled again, on the other process: the slot is free again.
                        if random.below(8) == 0 {
                            let other = &apis[(n + 1) % 2];
                            let path = format!("/api/appointments/{id}/cancel");
                            let c = other.post(&path, Some(&h.desk), json!({"reason": "changed plans"})).await;
                            assert_eq!(c.status, StatusCode::OK, "cancel on {}: {}", other.name, c.body);
                            cancelled.push(id);
                        }
                    }
                    StatusCode::CONFLICT => {
                        *conflicts.entry(answer.body["detail"].as_str().unwrap_or_default().to_string()).or_default() += 1
                    }
                    // A database kept busy by the other process past the busy timeout: 503 and
                    // when to retry, never a 500; nothing was booked.
                    StatusCode::SERVICE_UNAVAILABLE if answer.retry_after.is_some() => {
                        *conflicts.entry("busy (503, Retry-After)".into()).or_default() += 1
                    }
                    _ => wrong.push((api.name, answer)),
                }
            }
            (created, cancelled, conflicts, wrong)
        });
    }
    let (mut created, mut cancelled, mut why, mut wrong) = (Vec::new(), HashSet::new(), BTreeMap::<String, usize>::new(), Vec::new());
    for (c, x, n, w) in clients.join_all().await {
        created.extend(c);
        cancelled.extend(x);
        for (detail, count) in n {
            *why.entry(detail).or_default() += count;
        }
        wrong.extend(w);
    }
    let conflicts: usize = why.values().sum();
    let elapsed = started.elapsed();
    assert!(wrong.is_empty(), "every booking is answered 201, 409 or 503 with Retry-After: {wrong:?}");
    assert_eq!(created.len() + conflicts, BOOKINGS);
    assert!(conflicts > 0 && !created.is_empty(), "the load both books and collides: {} created, {conflicts} conflicts", created.len());

    let sql = Db::open(&db.url).await;
    let rows = sql.appointments().await;
    let by_id: HashMap<Uuid, &Row> = rows.iter().map(|r| (r.0, r)).collect();
    assert_eq!(by_id.keys().copied().collect::<HashSet<_>>(), created.iter().copied().collect(), "the rows are exactly the 201s");
    for id in &created {
        let want = if cancelled.contains(id) { "cancelled" } else { "pending" };
        assert_eq!(by_id[id].3, want, "{id}");
    }
    let active = sql.count("select count(*) from appointment where status in ('pending', 'confirmed')").await;
    assert_eq!(active as usize, created.len() - cancelled.len(), "201s minus cancellations are the active rows");
    let doctor_overlaps = sql
        .count(
            "select count(*) from appointment x join appointment y on x.doctor_id = y.doctor_id and x.id < y.id
             where x.status in ('pending', 'confirmed') and y.status in ('pending', 'confirmed')
               and x.starts_at < y.ends_at and y.starts_at < x.ends_at",
        )
        .await;
    let patient_overlaps = sql
        .count(
            "select count(*) from appointment x join appointment y on x.patient_id = y.patient_id and x.id < y.id
             where x.status in ('pending', 'confirmed') and y.status in ('pending', 'confirmed')
               and x.starts_at < y.ends_at and y.starts_at < x.ends_at",
        )
        .await;
    assert_eq!((doctor_overlaps, patient_overlaps), (0, 0), "no two active appointments of a doctor, or of a patient, overlap");
    assert_bookings_whole(&sql, &rows).await;
    // Every e-mail the bookings and cancellations queued is sent once, by one process or the other.
    let deadline = Instant::now() + START_TIMEOUT;
    while sql.count("select count(*) from outgoing_email where sent_at is null").await > 0 {
        assert!(
            Instant::now() < deadline,
            "the outbox was not emptied: {} left",
            sql.count("select count(*) from outgoing_email where sent_at is null").await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let emails = sql.count("select count(*) from outgoing_email").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = sent.lock().unwrap().len() as i64;
    assert_eq!(received, emails, "each queued e-mail reached the SMTP server exactly once");
    eprintln!(
        "random bookings on {}: {BOOKINGS} from {CLIENTS} clients over 2 processes in {:.1} s: {} × 201 ({} cancelled again), {conflicts} \
         refused; {} rows checked, {active} active, 0 overlaps; {emails} e-mails queued and sent once each; the refusals: {why:?}",
        if db.url.starts_with("sqlite:") { "SQLite" } else { "PostgreSQL" },
        elapsed.as_secs_f64(),
        created.len(),
        cancelled.len(),
        rows.len()
    );

    sql.close().await;
    drop((a, b));
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revoked_token_refused_everywhere() {
    let db = TempDatabase::postgres().await;
    let dir = scratch();
    let (server_a, server_b) = tokio::join!(Server::start("a", &db.url, &dir), Server::start("b", &db.url, &dir));
    let (a, b) = (&server_a.api, &server_b.api);
    create_admin(&db.url).await;

    let (access, refresh, _) = a.login(ADMIN).await;
    assert_eq!(b.get("/api/auth/profile", Some(&access)).await.status, StatusCode::OK, "a token from A is good on B");
    // B rotates A's refresh token: the session is the database's, not a process's.
    let pair = b.post("/api/auth/refresh", None, json!({"refresh_token": refresh})).await;
    assert_eq!(pair.status, StatusCode::OK, "{}", pair.body);
    let access2 = pair.body["access_token"].as_str().unwrap().to_string();
    let refresh2 = pair.body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(a.get("/api/auth/profile", Some(&access2)).await.status, StatusCode::OK);
    // Another session of the same account, opened on B, outlives the logout below.
    let (other, _, _) = b.login(ADMIN).await;

    let out = a.post("/api/auth/logout", Some(&access), json!({})).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    for (api, token) in [(b, &access), (b, &access2), (a, &access2)] {
        let answer = api.get("/api/auth/profile", Some(token)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "a token of the ended session is refused on {}: {}", api.name, answer.body);
    }
    for (api, token) in [(b, &refresh2), (a, &refresh2), (b, &refresh)] {
        let answer = api.post("/api/auth/refresh", None, json!({"refresh_token": token})).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "a refresh token of the ended session is refused on {}: {}",
            api.name,
            answer.body
        );
    }
    assert_eq!(a.get("/api/auth/profile", Some(&other)).await.status, StatusCode::OK, "the other session lives on");
    assert_eq!(b.get("/api/auth/profile", Some(&other)).await.status, StatusCode::OK);
    eprintln!(
        "revoked token: logout on A, then 3 access tokens and 3 refresh tokens of the session refused on A and B; the other session 200"
    );

    drop((server_a, server_b));
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Every process runs the reminder pass when it starts (and hourly after): two processes started
/// together must still queue one reminder per appointment. The test holds the due appointments
/// locked until both passes are inside their transactions, so that they overlap for certain.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_remind_once() {
    let db = TempDatabase::postgres().await;
    let dir = scratch();
    let setup = Server::start("setup", &db.url, &dir).await;
    let h = seed(&[&setup.api], &db.url, &[30], 6).await;
    let confirmed = confirm_tomorrow_and_the_day_after(&setup.api, &h).await;
    drop(setup);

    let sql = Db::open(&db.url).await;
    let Db::Postgres(pool) = &sql else { unreachable!() };
    let mut lock = pool.begin().await.unwrap();
    let locked: Vec<Uuid> =
        sqlx::query_scalar("select id from appointment where status = 'confirmed' for update").fetch_all(&mut *lock).await.unwrap();
    assert_eq!(locked.len(), confirmed);
    let (a, b) = tokio::join!(Server::start("a", &db.url, &dir), Server::start("b", &db.url, &dir));
    // Both passes wait for the test's row locks: both have begun.
    until_lock_waiters(pool, 2, "the two reminder passes").await;
    lock.commit().await.unwrap();
    let deadline = Instant::now() + START_TIMEOUT;
    // Then both finish: no transaction of either process is left open.
    let busy = "select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() \
                and state in ('active', 'idle in transaction')";
    while sqlx::query_scalar::<_, i64>(busy).fetch_one(pool).await.unwrap() > 0 {
        assert!(Instant::now() < deadline, "the two reminder passes did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (reminded, notifications, emails) = reminders(&sql).await;
    eprintln!("reminders, two processes at once: {reminded} appointments reminded, {notifications} notifications, {emails} e-mails");
    assert!(reminded > 0, "the passes found tomorrow's appointments");
    assert_eq!((notifications, emails), (reminded, reminded), "one reminder per appointment, not one per process");

    sql.close().await;
    drop((a, b));
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Two processes started together on one SQLite file both run the reminder pass: one reminder
/// per appointment all the same (SQLite's writers take turns across processes, and the second
/// pass finds the appointments reminded).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_remind_once_on_sqlite() {
    let db = TempDatabase::sqlite();
    let dir = scratch();
    let setup = Server::start("setup", &db.url, &dir).await;
    let h = seed(&[&setup.api], &db.url, &[30], 6).await;
    confirm_tomorrow_and_the_day_after(&setup.api, &h).await;
    drop(setup);
    let (a, b) = tokio::join!(Server::start("a", &db.url, &dir), Server::start("b", &db.url, &dir));
    let sql = Db::open(&db.url).await;
    let deadline = Instant::now() + START_TIMEOUT;
    while reminders(&sql).await.0 == 0 {
        assert!(Instant::now() < deadline, "no reminder pass ran");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Both passes have had time to run (each is one transaction of a few milliseconds).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (reminded, notifications, emails) = reminders(&sql).await;
    eprintln!("reminders on SQLite, two processes at once: {reminded} reminded, {notifications} notifications, {emails} e-mails");
    assert_eq!((notifications, emails), (reminded, reminded), "one reminder per appointment, not one per process");
    sql.close().await;
    drop((a, b));
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// A SQLite file another process keeps locked for writing past the busy timeout: a write answers
/// 503 with `Retry-After`, never 500, and nothing is written; once the lock is gone, it succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_busy_sqlite_file_answers_503_with_retry_after() {
    let db = TempDatabase::sqlite();
    let dir = scratch();
    let server = Server::start("a", &db.url, &dir).await;
    let h = seed(&[&server.api], &db.url, &[30], 1).await;
    let slots = server.api.slots(&h.doctors[0], 2).await;
    let Db::Sqlite(pool) = Db::open(&db.url).await else { unreachable!() };
    let mut holder = pool.acquire().await.unwrap();
    sqlx::query("begin immediate").execute(&mut *holder).await.unwrap();
    let started = Instant::now();
    let busy = server.api.book(&h.desk, &h.doctors[0], &h.patients[0], &slots[0]).await.expect("an answer");
    let waited = started.elapsed();
    assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE, "{}", busy.body);
    assert!(busy.retry_after.as_deref().is_some_and(|s| s.parse::<u64>().is_ok()), "503 says when to retry: {:?}", busy.retry_after);
    assert_eq!(busy.body["status"], 503);
    sqlx::query("rollback").execute(&mut *holder).await.unwrap();
    drop(holder);
    let count = sqlx::query_scalar::<_, i64>("select count(*) from appointment").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 0, "the refused booking wrote nothing");
    let ok = server.api.book(&h.desk, &h.doctors[0], &h.patients[0], &slots[0]).await.expect("an answer");
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    eprintln!("a booking against a SQLite file locked by another process: 503 after {:.1} s, then 201", waited.as_secs_f64());
    pool.close().await;
    drop(server);
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Books and confirms, through `api`, one appointment a patient of `h` with its first doctor
/// tomorrow and the day after (whichever is "tomorrow" when a reminder pass runs); answers how many.
async fn confirm_tomorrow_and_the_day_after(api: &Api, h: &Hospital) -> usize {
    let doctor = &h.doctors[0];
    let midnight = Utc::now().date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let mut confirmed = 0;
    for day in 1..=2 {
        let from = midnight + chrono::Duration::days(day);
        let slots = api.slots_between(doctor, from, from + chrono::Duration::days(1)).await;
        for (patient, start) in h.patients.iter().zip(&slots) {
            let a = api.book(&h.desk, doctor, patient, start).await.expect("a booking");
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
            let c = api.post(&format!("/api/appointments/{}/confirm", created_id(&a)), Some(&h.desk), json!({})).await;
            assert_eq!(c.status, StatusCode::OK, "{}", c.body);
            confirmed += 1;
        }
    }
    confirmed
}

/// Appointments reminded, reminder notifications and reminder e-mails.
async fn reminders(sql: &Db) -> (i64, i64, i64) {
    (
        sql.count("select count(*) from appointment where status = 'confirmed' and reminder_queued_at is not null").await,
        sql.count("select count(*) from notification where kind = 'appointment_reminder'").await,
        sql.count("select count(*) from outgoing_email where subject = 'Appointment reminder'").await,
    )
}

/// The number of this database's backends waiting for a row lock.
async fn lock_waiters(pool: &sqlx::PgPool) -> i64 {
    let sql = "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' \
               and wait_event in ('transactionid', 'tuple')";
    sqlx::query_scalar(sql).fetch_one(pool).await.expect("pg_stat_activity")
}

/// Polls until `n` backends wait for a row lock.
async fn until_lock_waiters(pool: &sqlx::PgPool, n: i64, what: &str) {
    let deadline = Instant::now() + START_TIMEOUT;
    while lock_waiters(pool).await < n {
        assert!(Instant::now() < deadline, "{what}: {n} waiting transactions expected");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A confirm on one process and a cancel on the other, of one pending appointment, at the same
/// time: whatever the order, a cancellation answered 200 stays. The test holds the appointment
/// locked, lets the cancel queue up first and the confirm second, then lets go: the confirm must
/// then see the cancellation (409), not overwrite it with a confirmation read before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_confirm_and_cancel() {
    let db = TempDatabase::postgres().await;
    let dir = scratch();
    let (a, b) = tokio::join!(Server::start("a", &db.url, &dir), Server::start("b", &db.url, &dir));
    let h = seed(&[&a.api, &b.api], &db.url, &[30], 1).await;
    let slot = a.api.slots(&h.doctors[0], 3).await.first().cloned().expect("a free slot");
    let booked = a.api.book(&h.desk, &h.doctors[0], &h.patients[0], &slot).await.expect("a booking");
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.body);
    let id = created_id(&booked);

    let sql = Db::open(&db.url).await;
    let Db::Postgres(pool) = &sql else { unreachable!() };
    let mut lock = pool.begin().await.unwrap();
    sqlx::query("select id from appointment where id = $1 for update").bind(id).fetch_one(&mut *lock).await.unwrap();
    let (cancel_api, desk) = (b.api.clone(), h.desk.clone());
    let cancel = tokio::spawn(async move {
        cancel_api.post(&format!("/api/appointments/{id}/cancel"), Some(&desk), json!({"reason": "the patient called"})).await
    });
    until_lock_waiters(pool, 1, "the cancel waits for the appointment").await;
    let (confirm_api, desk) = (a.api.clone(), h.desk.clone());
    let confirm = tokio::spawn(async move { confirm_api.post(&format!("/api/appointments/{id}/confirm"), Some(&desk), json!({})).await });
    until_lock_waiters(pool, 2, "the confirm waits too").await;
    lock.commit().await.unwrap();
    let (cancel, confirm) = (cancel.await.unwrap(), confirm.await.unwrap());
    let now = a.api.get(&format!("/api/appointments/{id}"), Some(&h.desk)).await;
    eprintln!(
        "confirm (A) racing cancel (B): cancel {}, confirm {}, the appointment ends {}",
        cancel.status, confirm.status, now.body["status"]
    );
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.body);
    assert_eq!(confirm.status, StatusCode::CONFLICT, "a cancelled appointment cannot be confirmed: {}", confirm.body);
    assert_eq!(now.body["status"], "cancelled", "the cancellation answered 200 is not undone");

    sql.close().await;
    drop((a, b));
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// One client's outcome under the load that the kill interrupts.
#[derive(Default)]
struct Load {
    /// The bookings answered 201, with the answer's body.
    answered: Vec<(Uuid, Value)>,
    /// Requests sent that got no answer (in flight at the kill) or could not connect.
    unanswered: usize,
    /// Anything but a 201 or a transport error.
    wrong: Vec<Answer>,
}

/// Books `slots` from `clients` concurrent clients (each its own slots, for its own patient, so
/// that no booking collides) until `kill_after` are answered, then SIGKILLs the server; returns
/// what the clients saw.
async fn book_until_killed(
    server: &mut Server,
    h: &Arc<Hospital>,
    doctor: &str,
    slots: &[String],
    clients: usize,
    kill_after: usize,
) -> Load {
    let (progress, mut answered_so_far) = tokio::sync::watch::channel(0usize);
    let progress = Arc::new(progress);
    let mut tasks = JoinSet::new();
    for c in 0..clients {
        let mine: Vec<String> = slots.iter().skip(c).step_by(clients).cloned().collect();
        let (api, h, progress, doctor) = (server.api.clone(), h.clone(), progress.clone(), doctor.to_string());
        tasks.spawn(async move {
            let mut load = Load::default();
            for start in &mine {
                match api.book(&h.desk, &doctor, &h.patients[c], start).await {
                    Ok(a) if a.status == StatusCode::CREATED => {
                        load.answered.push((created_id(&a), a.body));
                        progress.send_modify(|n| *n += 1);
                    }
                    Ok(a) => load.wrong.push(a),
                    Err(_) => {
                        load.unanswered += 1;
                        break;
                    }
                }
            }
            load
        });
    }
    tokio::time::timeout(Duration::from_secs(60), answered_so_far.wait_for(|n| *n >= kill_after))
        .await
        .expect("the load gets going")
        .expect("the clients run");
    server.kill_9();
    let mut load = Load::default();
    for l in tasks.join_all().await {
        load.answered.extend(l.answered);
        load.unanswered += l.unanswered;
        load.wrong.extend(l.wrong);
    }
    assert!(load.wrong.is_empty(), "before the kill every booking is a 201: {:?}", load.wrong);
    load
}

/// Rounds of: booking load, `kill -9` mid-load, restart on the same database, and the checks.
async fn kill_9_keeps_every_answered_booking(db: TempDatabase) {
    const CLIENTS: usize = 8;
    const ROUNDS: usize = 3;
    const KILL_AFTER: usize = 80;
    let dir = scratch();
    let mut server = Server::start("round0", &db.url, &dir).await;
    let h = Arc::new(seed(&[&server.api], &db.url, &[30], CLIENTS).await);
    let doctor = h.doctors[0].clone();
    let slots = server.api.slots(&doctor, 60).await;
    // The last slot stays free for a booking at the end; the others are shared out over the rounds.
    let (spare, slots) = slots.split_last().expect("free slots");
    let per_round = slots.len() / ROUNDS;
    assert!(per_round > 2 * KILL_AFTER, "enough distinct slots: {}", slots.len());
    let sql = Db::open(&db.url).await;
    let mut all = Load::default();
    let mut report = Vec::new();
    for (round, name) in ["round1", "round2", "round3"].into_iter().enumerate() {
        let load =
            book_until_killed(&mut server, &h, &doctor, &slots[round * per_round..(round + 1) * per_round], CLIENTS, KILL_AFTER).await;
        if let Db::Sqlite(pool) = &sql {
            let check: Vec<String> = sqlx::query_scalar("pragma integrity_check").fetch_all(pool).await.unwrap();
            assert_eq!(check, ["ok"], "the SQLite file is sound after the kill");
            let orphans: Vec<(String,)> = sqlx::query_as("select \"table\" from pragma_foreign_key_check").fetch_all(pool).await.unwrap();
            assert!(orphans.is_empty(), "no dangling references: {orphans:?}");
        }
        server = Server::start(name, &db.url, &dir).await;

        let rows = sql.appointments().await;
        let by_id: HashMap<Uuid, &Row> = rows.iter().map(|r| (r.0, r)).collect();
        for (id, body) in &load.answered {
            let row = by_id.get(id).unwrap_or_else(|| panic!("the booking {id} was answered 201 but is gone after the kill"));
            let patient = body["patient_id"].as_str().unwrap().parse().unwrap();
            assert_eq!(**row, (*id, doctor.parse().unwrap(), patient, body["status"].as_str().unwrap().to_string()));
            // And the restarted server reads it back as it was answered.
            let back = server.api.get(&format!("/api/appointments/{id}"), Some(&h.desk)).await;
            assert_eq!(back.status, StatusCode::OK, "{}", back.body);
            for field in ["starts_at", "ends_at", "status", "doctor_id", "patient_id", "booked_by"] {
                assert_eq!(back.body[field], body[field], "{field} of {id}");
            }
        }
        all.answered.extend(load.answered.iter().cloned());
        all.unanswered += load.unanswered;
        assert!(all.answered.iter().all(|(id, _)| by_id.contains_key(id)), "the bookings of earlier rounds are still there");
        let extra = rows.len() - all.answered.len();
        assert!(
            extra <= all.unanswered,
            "only requests that got no answer may have booked unseen: {extra} extra rows, {} unanswered",
            all.unanswered
        );
        assert_bookings_whole(&sql, &rows).await;
        report.push(format!("{}×201/{} unanswered/{} rows", load.answered.len(), load.unanswered, rows.len()));
    }

    // The restarted server takes new bookings, and still refuses the taken slots.
    let (_, taken) = &all.answered[0];
    let again = server.api.book(&h.desk, &doctor, &h.patients[CLIENTS - 1], taken["starts_at"].as_str().unwrap()).await.unwrap();
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let fresh = server.api.book(&h.desk, &doctor, &h.patients[0], spare).await.unwrap();
    assert_eq!(fresh.status, StatusCode::CREATED, "{}", fresh.body);
    let rows = sql.appointments().await;
    assert_bookings_whole(&sql, &rows).await;
    eprintln!(
        "kill -9 ({}), {ROUNDS} rounds of {CLIENTS} clients: {} (cumulative rows); {} answered 201 in all, every one found; {} rows, all whole",
        if matches!(sql, Db::Sqlite(_)) { "SQLite" } else { "PostgreSQL" },
        report.join(", "),
        all.answered.len(),
        rows.len()
    );

    sql.close().await;
    drop(server);
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

mod kill_9_keeps_every_answered_booking {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        super::kill_9_keeps_every_answered_booking(hms_store::testing::TempDatabase::sqlite()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        let db = hms_store::testing::TempDatabase::postgres().await;
        super::kill_9_keeps_every_answered_booking(db).await;
    }
}

/// The restore drill, on both backends: bookings keep arriving while `hms-server backup` copies
/// the hospital; `hms-server restore` puts the copy into a new database; every booking answered
/// before the backup began is there, the restored database passes its checks, and a server on it
/// hands back a document's exact bytes.
mod restore_drill {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        let target = hms_store::testing::TempDatabase::postgres().await;
        super::restore_drill(hms_store::testing::TempDatabase::postgres().await, target).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        let target = hms_store::testing::TempDatabase::sqlite();
        super::restore_drill(hms_store::testing::TempDatabase::sqlite(), target).await;
    }
}

async fn restore_drill(db: TempDatabase, target: TempDatabase) {
    let dir = scratch();
    let server = Server::start("a", &db.url, &dir).await;
    let h = Arc::new(seed(&[&server.api], &db.url, &[20], 8).await);
    let (admin, _, _) = server.api.login(ADMIN).await;
    let letter = b"%PDF-1.4 a discharge letter, kept".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("kind", "other")
        .text("description", "discharge letter")
        .part("file", reqwest::multipart::Part::bytes(letter.clone()).file_name("letter.pdf").mime_str("application/pdf").unwrap());
    let url = format!("{}/api/patients/{}/documents", server.api.base, h.patients[0]);
    let resp = server.api.client.post(url).bearer_auth(&admin).multipart(form).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let document: Value = resp.json().await.unwrap();
    let document = document["id"].as_str().unwrap().to_string();
    let slots = Arc::new(server.api.slots(&h.doctors[0], 7).await);

    // Bookings keep arriving, one client, each answered before the next is sent.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (api, h, slots, stop) = (server.api.clone(), h.clone(), slots.clone(), stop.clone());
        tokio::spawn(async move {
            let mut answered = Vec::new();
            for (i, start) in slots.iter().enumerate() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let a = api.book(&h.desk, &h.doctors[0], &h.patients[i % h.patients.len()], start).await.expect("an answer");
                if a.status == StatusCode::CREATED {
                    answered.push((Instant::now(), created_id(&a)));
                }
            }
            answered
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let backup = dir.join("backup");
    let began = Instant::now();
    let to = backup.to_string_lossy().into_owned();
    let out = cli(&["backup", "--database", &db.url, "--to", &to]).await;
    assert!(out.status.success(), "backup failed: {}", String::from_utf8_lossy(&out.stderr));
    let again = cli(&["backup", "--database", &db.url, "--to", &to]).await;
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("is not empty"), "a backup overwrites nothing");
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    let answered = load.await.unwrap();
    let before: Vec<Uuid> = answered.iter().filter(|(at, _)| *at < began).map(|(_, id)| *id).collect();
    assert!(!before.is_empty() && before.len() < answered.len(), "bookings were answered before and during the backup");
    drop(server);

    let out = cli(&["restore", "--database", &target.url, "--from", &to]).await;
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "restore failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("documents whose bytes match their SHA-256: 1"), "{said}");
    // A second restore into the same database is refused: nothing is overwritten.
    let again = cli(&["restore", "--database", &target.url, "--from", &to]).await;
    assert!(!again.status.success(), "a restore over a database is refused");

    let sql = Db::open(&target.url).await;
    let rows: HashSet<Uuid> = sql.appointments().await.into_iter().map(|r| r.0).collect();
    let missing: Vec<&Uuid> = before.iter().filter(|id| !rows.contains(id)).collect();
    assert!(missing.is_empty(), "every booking answered before the backup began is restored; missing {missing:?}");
    if let Db::Sqlite(pool) = &sql {
        let check: String = sqlx::query_scalar("pragma integrity_check").fetch_one(pool).await.unwrap();
        assert_eq!(check, "ok");
    }
    sql.close().await;
    let restored = Server::start("restored", &target.url, &dir).await;
    let (admin, _, _) = restored.api.login(ADMIN).await;
    let resp = restored
        .api
        .client
        .get(format!("{}/api/documents/{document}/content", restored.api.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), letter.as_slice(), "the document's bytes are restored");
    eprintln!(
        "restore drill on {}: {} bookings answered, {} before the backup began, all restored ({} rows); the document's bytes match",
        if db.url.starts_with("sqlite:") { "SQLite" } else { "PostgreSQL" },
        answered.len(),
        before.len(),
        rows.len()
    );
    drop(restored);
    db.cleanup().await;
    target.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// The server's operator settings: `HMS_METRICS_BIND` serves `/metrics` on an address of its
/// own (and the API's address does not), and `HMS_LOG_FORMAT=json` writes one JSON object a line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_on_their_own_address_and_json_logs() {
    let db = TempDatabase::sqlite();
    let dir = scratch();
    let settings = [("HMS_METRICS_BIND", "127.0.0.1:0".to_string()), ("HMS_LOG_FORMAT", "json".to_string())];
    let server = Server::start_with("a", &db.url, &dir, &settings).await;
    let health = server.api.get("/healthz", None).await;
    assert_eq!(health.status, StatusCode::OK);
    let log = std::fs::read_to_string(&server.log).unwrap();
    let metrics = log.split("metrics on ").nth(1).and_then(|rest| rest.split_whitespace().next()).expect("the metrics address is printed");
    let text = server.api.client.get(metrics).send().await.unwrap().text().await.unwrap();
    assert!(text.contains(r#"hms_http_requests_total{method="GET",route="/healthz",status="200"}"#), "{text}");
    assert_eq!(server.api.get("/metrics", None).await.status, StatusCode::NOT_FOUND, "the API's address serves no metrics");
    let events: Vec<Value> =
        log.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).expect("a JSON log line")).collect();
    assert!(events.iter().any(|e| e["fields"]["message"] == "database opened" && e["level"] == "INFO"), "{log}");
    assert!(
        log.lines()
            .all(|l| l.starts_with('{') || l.starts_with("hms listening") || l.starts_with("portal: ") || l.starts_with("metrics on")),
        "{log}"
    );
    drop(server);
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// A server and a script on one SQLite file: the script (here the test process, through the
/// library that Python's module wraps too) books slots of one doctor while clients book the
/// same doctor's slots through the server. Every booking is one answer, a booking or a refusal;
/// the rows are exactly the successes; no two overlap; the file stays whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_and_a_script_on_one_sqlite_file() {
    let db = TempDatabase::sqlite();
    let dir = scratch();
    let server = Server::start("server", &db.url, &dir).await;
    let h = seed(&[&server.api], &db.url, &[30], 4).await;
    let slots = server.api.slots(&h.doctors[0], 3).await;
    let script = hms_store::open(&db.url, hms_core::HospitalConfig::default()).await.expect("the script opens the same file");
    // The script acts as the front desk (a trusted script names its user rather than signing in).
    let Db::Sqlite(pool) = Db::open(&db.url).await else { unreachable!() };
    let desk_id: Uuid = sqlx::query_scalar("select id from account where email = $1").bind(DESK).fetch_one(&pool).await.unwrap();
    pool.close().await;
    let desk = script.actor(hms_core::UserId::from_uuid(desk_id)).await.unwrap();
    let doctor: Uuid = h.doctors[0].parse().unwrap();
    let patients: Vec<Uuid> = h.patients.iter().map(|p| p.parse().unwrap()).collect();

    let over_http = {
        let (api, token, slots) = (server.api.clone(), h.desk.clone(), slots.clone());
        let (doctor, patients) = (doctor.to_string(), patients.clone());
        tokio::spawn(async move {
            let mut won = Vec::new();
            for (i, start) in slots.iter().enumerate() {
                let a = api.book(&token, &doctor, &patients[i % patients.len()].to_string(), start).await.expect("an answer");
                match a.status {
                    StatusCode::CREATED => won.push(created_id(&a)),
                    StatusCode::CONFLICT => {}
                    other => panic!("the server answered {other}: {}", a.body),
                }
            }
            won
        })
    };
    let mut by_script = Vec::new();
    for (i, start) in slots.iter().enumerate().rev() {
        let input = hms_core::BookingInput {
            doctor_id: hms_core::DoctorId::from_uuid(doctor),
            patient_id: Some(hms_core::PatientId::from_uuid(patients[(i + 1) % patients.len()])),
            starts_at: chrono::DateTime::parse_from_rfc3339(start).unwrap().with_timezone(&Utc),
            reason: "booked by a script".into(),
            notes: String::new(),
        };
        match script.book(&desk, input, Utc::now()).await {
            Ok(a) => by_script.push(a.id.as_uuid()),
            Err(e) => assert_eq!(e.kind(), hms_core::ErrorKind::Conflict, "the script gets a booking or a conflict: {e}"),
        }
    }
    let by_server = over_http.await.unwrap();
    let sql = Db::open(&db.url).await;
    let rows: HashSet<Uuid> = sql.appointments().await.into_iter().map(|r| r.0).collect();
    let won: HashSet<Uuid> = by_server.iter().chain(&by_script).copied().collect();
    assert_eq!(rows, won, "the rows are exactly the bookings answered, by either");
    assert_eq!(won.len(), slots.len(), "each slot was booked once, through the server or by the script");
    let overlaps = sql
        .count(
            "select count(*) from appointment x join appointment y on x.doctor_id = y.doctor_id and x.id < y.id
             where x.status in ('pending', 'confirmed') and y.status in ('pending', 'confirmed')
               and x.starts_at < y.ends_at and y.starts_at < x.ends_at",
        )
        .await;
    assert_eq!(overlaps, 0);
    if let Db::Sqlite(pool) = &sql {
        let check: String = sqlx::query_scalar("pragma integrity_check").fetch_one(pool).await.unwrap();
        assert_eq!(check, "ok");
    }
    eprintln!(
        "a server and a script: {} slots, {} booked through the server, {} by the script",
        slots.len(),
        by_server.len(),
        by_script.len()
    );
    sql.close().await;
    drop((server, script));
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(dir);
}
