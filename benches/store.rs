//! Database benchmarks at hospital scale: a million appointments (2,000 doctors, 200,000
//! patients) already stored, on SQLite (file, WAL) and PostgreSQL, with the floor measured in
//! the same run: a bare sqlx transaction inserting one row into a table with the same overlap
//! constraint as appointments.
//!
//! `cargo bench --bench store` (PostgreSQL from `DATABASE_URL`; skipped when unset). The data set
//! is loaded once and kept (`target/bench-data/` and the database `hms_bench_<n>`); set
//! `HMS_BENCH_APPOINTMENTS` for a smaller one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{NaiveTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use hms::store::bulk::{SyntheticHospital, doctor_id, patient_id};
use hms::{Actor, AppointmentFilter, BookingInput, Hospital, HospitalConfig, PageRequest, Role, SqliteSynchronous, UserId};
use sqlx::Connection;

const DOCTORS: u32 = 2000;
const PATIENTS: u32 = 200_000;

fn appointments() -> u64 {
    std::env::var("HMS_BENCH_APPOINTMENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

fn spec() -> SyntheticHospital {
    SyntheticHospital {
        doctors: DOCTORS,
        patients: PATIENTS,
        appointments: appointments(),
        now: Utc::now(),
        password_hash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
    }
}

async fn loaded(url: &str) -> bool {
    let Ok(store) = hms::store::open_store(url, &hms::store::StoreOptions { max_connections: 1, ..Default::default() }).await else {
        return false;
    };
    drop(store);
    if url.starts_with("sqlite:") {
        // `sqlite:` and a path: sqlx reads the form as hms does.
        let Ok(mut c) = sqlx::SqliteConnection::connect(url).await else { return false };
        let n: Result<(i64,), _> = sqlx::query_as("select count(*) from appointment").fetch_one(&mut c).await;
        n.is_ok_and(|(n,)| n as u64 >= appointments())
    } else {
        let Ok(mut c) = sqlx::PgConnection::connect(url).await else { return false };
        let n: Result<(i64,), _> = sqlx::query_as("select count(*) from appointment").fetch_one(&mut c).await;
        n.is_ok_and(|(n,)| n as u64 >= appointments())
    }
}

/// The SQLite data set's URL, loading it if needed.
async fn sqlite_dataset() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("hms-{}.db", appointments()));
    let url = hms::store::sqlite_url(&path);
    if !loaded(&url).await {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
        eprintln!("loading {} appointments into {url} (once)", appointments());
        hms::store::bulk_load(&url, &spec(), &|_, _, _| {}).await.unwrap();
    }
    url
}

/// The PostgreSQL data set's URL, loading it if needed; `None` without `DATABASE_URL`.
async fn postgres_dataset() -> Option<String> {
    let admin = std::env::var("DATABASE_URL").ok()?;
    let name = format!("hms_bench_{}", appointments());
    let base = &admin[..admin.rfind('/').unwrap()];
    let url = format!("{base}/{name}");
    if !loaded(&url).await {
        let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("drop database if exists {name} with (force)"))).execute(&mut c).await;
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}"))).execute(&mut c).await.unwrap();
        eprintln!("loading {} appointments into {url} (once)", appointments());
        hms::store::bulk_load(&url, &spec(), &|_, _, _| {}).await.unwrap();
    }
    Some(url)
}

const BASELINE_SQLITE: &[&str] = &[
    "create table if not exists bench_baseline (id blob primary key, doctor_id blob not null, starts_at text not null, ends_at text not null, status text not null)",
    "create unique index if not exists bench_baseline_slot on bench_baseline (doctor_id, starts_at) where status in ('pending', 'confirmed')",
    "drop trigger if exists bench_baseline_overlap",
    "create trigger bench_baseline_overlap before insert on bench_baseline when new.status in ('pending', 'confirmed') begin \
     select raise(abort, 'overlap') where exists (select 1 from bench_baseline b where b.doctor_id = new.doctor_id \
     and b.status in ('pending', 'confirmed') and b.starts_at < new.ends_at and b.ends_at > new.starts_at \
     and b.starts_at > coalesce(strftime('%Y-%m-%dT%H:%M:%S+00:00', new.starts_at, '-1 day'), '')); end",
];

const BASELINE_POSTGRES: &[&str] = &[
    "create table if not exists bench_baseline (id uuid primary key, doctor_id uuid not null, starts_at timestamptz not null, ends_at timestamptz not null, status text not null)",
    "do $$ begin alter table bench_baseline add constraint bench_baseline_overlap exclude using gist \
     (doctor_id with =, tstzrange(starts_at, ends_at, '[)') with &&) where (status in ('pending', 'confirmed')); \
     exception when duplicate_table or duplicate_object then null; end $$",
];

/// When SQLite commits count as done: `full` (the default) or `normal`, from
/// `HMS_SQLITE_SYNCHRONOUS` as for the server, for the store and the floor alike.
fn sqlite_synchronous() -> SqliteSynchronous {
    std::env::var("HMS_SQLITE_SYNCHRONOUS")
        .map_or(SqliteSynchronous::Full, |v| v.parse().expect("HMS_SQLITE_SYNCHRONOUS is full or normal"))
}

fn hospital_on(rt: &tokio::runtime::Runtime, url: &str) -> Hospital {
    let config = HospitalConfig { sqlite_synchronous: sqlite_synchronous(), ..HospitalConfig::default() };
    rt.block_on(async { hms::open(url, config).await.unwrap() })
}

/// The `n`-th distinct future booking: a doctor, a patient and a slot no one else has.
fn nth_booking(n: u64) -> (u64, u64, chrono::DateTime<Utc>) {
    let doctor = n % u64::from(DOCTORS);
    let round = n / u64::from(DOCTORS);
    let day = Utc::now().date_naive() + chrono::Duration::days(60 + (round / 16) as i64);
    let start = day.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap()).and_utc() + chrono::Duration::minutes(30 * (round % 16) as i64);
    (doctor, (n * 7) % u64::from(PATIENTS), start)
}

fn bench_backend(c: &mut Criterion, name: &str, url: &str, rt: &tokio::runtime::Runtime) {
    let hospital = hospital_on(rt, url);
    let mut group = match (url.starts_with("sqlite"), sqlite_synchronous()) {
        (true, SqliteSynchronous::Normal) => c.benchmark_group(format!("{name}, synchronous=normal (1M appointments)")),
        _ => c.benchmark_group(format!("{name} (1M appointments)")),
    };
    group.measurement_time(Duration::from_secs(8));

    // The floor: a bare transaction inserting one row under the same constraint.
    let sqlite = url.starts_with("sqlite");
    let counter = AtomicU64::new(fresh_round() + 7);
    // The same insert on either backend; only the pool and how a write transaction begins differ.
    macro_rules! baseline {
        ($pool:expr, $ddl:expr, $begin:ident $(, $stmt:literal)?) => {{
            let pool = rt.block_on(async {
                let pool = $pool.await.unwrap();
                for s in $ddl {
                    sqlx::query(*s).execute(&pool).await.unwrap();
                }
                pool
            });
            group.bench_function("baseline: bare insert under the overlap constraint", |b| {
                b.to_async(rt).iter(|| async {
                    let (d, _, start) = nth_booking(counter.fetch_add(1, Ordering::Relaxed));
                    let mut tx = pool.$begin($($stmt)?).await.unwrap();
                    sqlx::query("insert into bench_baseline (id, doctor_id, starts_at, ends_at, status) values ($1, $2, $3, $4, 'pending')")
                        .bind(uuid::Uuid::now_v7())
                        .bind(doctor_id(d))
                        .bind(start)
                        .bind(start + chrono::Duration::minutes(30))
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                    tx.commit().await.unwrap();
                })
            });
            pool
        }};
    }
    // The floor's pools are set up as the store sets up its own: on SQLite the same durability
    // (WAL, and `synchronous` as the store has it) and one writing connection,
    // and on both no test query on each checkout.
    if sqlite {
        // The floor's commits never copy the log back into the database file (the store's are
        // copied by its background checkpointer, whose work the booking's figure includes); the
        // log is emptied after the floor's run, so that the booking does not copy the floor's.
        let options = url
            .parse::<sqlx::sqlite::SqliteConnectOptions>()
            .unwrap()
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(match sqlite_synchronous() {
                SqliteSynchronous::Full => sqlx::sqlite::SqliteSynchronous::Full,
                SqliteSynchronous::Normal => sqlx::sqlite::SqliteSynchronous::Normal,
            })
            .pragma("wal_autocheckpoint", "0");
        // One connection, as the store's writers share one: SQLite empties a connection's page
        // cache whenever another one has written.
        let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).test_before_acquire(false).connect_with(options);
        let pool = baseline!(pool, BASELINE_SQLITE, begin_with, "BEGIN IMMEDIATE");
        rt.block_on(sqlx::query("pragma wal_checkpoint(truncate)").execute(&pool)).unwrap();
    } else {
        baseline!(sqlx::postgres::PgPoolOptions::new().test_before_acquire(false).connect(url), BASELINE_POSTGRES, begin);
    }

    let booked = AtomicU64::new(fresh_round());
    group.bench_function("book one appointment (the whole workflow)", |b| {
        b.to_async(rt).iter(|| async {
            let (d, p, start) = nth_booking(booked.fetch_add(1, Ordering::Relaxed));
            let patient = Actor::new(UserId::from_uuid(patient_id(p)), Role::Patient);
            let input = BookingInput {
                doctor_id: doctor_id(d).into(),
                patient_id: None,
                starts_at: start,
                reason: String::new(),
                notes: String::new(),
            };
            hospital.book(&patient, input, Utc::now()).await.unwrap();
        })
    });

    let doctor = Actor::new(UserId::from_uuid(doctor_id(777)), Role::Doctor);
    let today = Utc::now().date_naive().and_time(NaiveTime::MIN).and_utc();
    group.bench_function("a doctor's day of appointments", |b| {
        b.to_async(rt).iter(|| async {
            let filter = AppointmentFilter { from: Some(today), to: Some(today + chrono::Duration::days(1)), ..Default::default() };
            let page = hospital.list_appointments(&doctor, filter, PageRequest::new(1, 100).unwrap(), Utc::now()).await.unwrap();
            std::hint::black_box(page);
        })
    });
    group.bench_function("free slots of one doctor for a week", |b| {
        b.to_async(rt).iter(|| async {
            let now = Utc::now();
            let slots = hospital.free_slots(doctor_id(1234).into(), now, now + chrono::Duration::days(7), now).await.unwrap();
            std::hint::black_box(slots);
        })
    });
    let patient = Actor::new(UserId::from_uuid(patient_id(4242)), Role::Patient);
    group.bench_function("a patient's appointment list", |b| {
        b.to_async(rt).iter(|| async {
            let page =
                hospital.list_appointments(&patient, AppointmentFilter::default(), PageRequest::default(), Utc::now()).await.unwrap();
            std::hint::black_box(page);
        })
    });
    group.finish();
}

/// Bookings made by earlier runs stay in the data set: start at a round (2,000 doctors × 16 slots
/// a day) derived from the clock, so that successive runs take fresh days.
fn fresh_round() -> u64 {
    (Utc::now().timestamp() as u64 % 10_000) * u64::from(DOCTORS) * 16
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let url = rt.block_on(sqlite_dataset());
    bench_backend(c, "sqlite", &url, &rt);
    match rt.block_on(postgres_dataset()) {
        Some(url) => bench_backend(c, "postgres", &url, &rt),
        None => eprintln!("SKIPPED: the PostgreSQL benches need DATABASE_URL"),
    }
}

criterion_group!(store, benches);
criterion_main!(store);
