//! The dashboard's figures are kept by the database in the transaction of every change that moves
//! them. After random sequences of workflows (bookings, every lifecycle step, invoices issued,
//! paid and cancelled, accounts deactivated and reactivated, refusals among them), the kept
//! figures equal a full recount made from the records themselves.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use hms::ports::TxMode;
use hms::{
    Actor, AppointmentFilter, AppointmentStatus, Dashboard, Hospital, InvoiceFilter, InvoiceInput, InvoiceStatus, PageRequest,
    PaymentMethod, Role, UserFilter,
};
use rust_decimal::Decimal;

use crate::common::*;

on_both!(kept_figures_equal_a_recount);

/// A small deterministic generator (xorshift64*), so that a failing sequence can be replayed
/// from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Every page of a list.
async fn all<T, F, Fut>(mut page: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = hms::Result<hms::Page<T>>>,
{
    let mut out = Vec::new();
    for n in 1.. {
        let p = page(PageRequest::new(n, 100).unwrap()).await.expect("a page");
        let done = p.items.len() < 100;
        out.extend(p.items);
        if done {
            break;
        }
    }
    out
}

/// The dashboard counted again from the records, through the admin's ordinary reads.
async fn recount(h: &Hospital, admin: &Actor, now: DateTime<Utc>) -> Dashboard {
    let active = |role| UserFilter { role: Some(role), active: Some(true) };
    let doctors = all(|p| h.list_users(admin, active(Role::Doctor), p, now)).await.len() as u64;
    let patients = all(|p| h.list_users(admin, active(Role::Patient), p, now)).await.len() as u64;
    let appointments = all(|p| h.list_appointments(admin, AppointmentFilter::default(), p, now)).await;
    let appointments_by_status = AppointmentStatus::ALL
        .iter()
        .map(|&status| hms::StatusCount { status, count: appointments.iter().filter(|a| a.status == status).count() as u64 })
        .collect();
    let tz = h.config().time_zone.tz();
    let today = now.with_timezone(&tz).date_naive();
    let today_appointments = appointments
        .iter()
        .filter(|a| a.starts_at.with_timezone(&tz).date_naive() == today)
        .filter(|a| !matches!(a.status, AppointmentStatus::Cancelled | AppointmentStatus::Rejected))
        .count() as u64;
    let invoices = all(|p| h.list_invoices(admin, InvoiceFilter::default(), p, now)).await;
    let sums = |status| {
        let mut by: BTreeMap<String, hms::Money> = BTreeMap::new();
        for i in invoices.iter().filter(|i| i.status == status) {
            let e = by.entry(i.currency.code().to_string()).or_insert_with(|| hms::Money::zero(i.currency));
            e.amount += i.total;
            e.amount.rescale(i.currency.minor_units());
        }
        by.into_values().collect::<Vec<_>>()
    };
    let mut load: BTreeMap<hms::DoctorId, u64> = BTreeMap::new();
    for a in appointments
        .iter()
        .filter(|a| matches!(a.status, AppointmentStatus::Pending | AppointmentStatus::Confirmed | AppointmentStatus::Completed))
    {
        *load.entry(a.doctor_id).or_default() += 1;
    }
    let accounts = all(|p| h.list_users(admin, UserFilter { role: Some(Role::Doctor), active: None }, p, now)).await;
    let mut busiest = Vec::new();
    for (doctor_id, n) in load {
        let user = accounts.iter().find(|u| u.id == hms::UserId::from(doctor_id)).expect("the doctor's account");
        busiest.push(hms::DoctorLoad { doctor_id, full_name: user.full_name.clone(), appointments: n });
    }
    busiest.sort_by(|a, b| b.appointments.cmp(&a.appointments).then_with(|| a.full_name.as_str().cmp(b.full_name.as_str())));
    busiest.truncate(5);
    Dashboard {
        computed_at: now,
        doctors,
        patients,
        appointments_by_status,
        today_appointments,
        revenue: sums(InvoiceStatus::Paid),
        pending: sums(InvoiceStatus::Pending),
        busiest_doctors: busiest,
    }
}

async fn kept_figures_equal_a_recount(h: Hospital) {
    let seed: u64 = std::env::var("HMS_DASHBOARD_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_2026);
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let admin = admin(&h).await;
    let desk = staff(&h, &admin, Role::Receptionist, 1).await;
    let mut doctors = Vec::new();
    // More doctors than the dashboard names, so that the busiest are chosen among them.
    for n in 1..=7 {
        let (_, d) = doctor(&h, n).await;
        h.set_availability(&d, d.id().as_doctor(), mornings(), now()).await.expect("availability");
        doctors.push(d);
    }
    let mut patients = Vec::new();
    for n in 1..=6 {
        patients.push(patient(&h, n).await.1);
    }
    let mut booked: Vec<hms::AppointmentId> = Vec::new();
    let mut invoices: Vec<hms::InvoiceId> = Vec::new();
    let mut inactive = std::collections::HashSet::new();
    let mut outcomes = Vec::new();
    let mut busy_days = 0;
    // Time moves forward through the sequence, so that visits can happen, be completed or missed.
    let mut t = now();
    let steps = 400;
    for step in 0..steps {
        t += Duration::minutes(rng.below(90) as i64);
        let op = rng.below(20);
        let outcome = match op {
            0..=5 => {
                let d = &doctors[rng.below(doctors.len())];
                let p = &patients[rng.below(patients.len())];
                let slots = h.free_slots(d.id().as_doctor(), t, t + Duration::days(3), t).await.expect("slots");
                if slots.is_empty() {
                    continue;
                }
                let slot = &slots[rng.below(slots.len().min(6))];
                let by = if rng.below(2) == 0 { p } else { &desk };
                h.book(by, booking(d, Some(p), slot), t).await.map(|a| booked.push(a.id))
            }
            6..=13 if !booked.is_empty() => {
                let id = booked[rng.below(booked.len())];
                let a = h.appointment(&admin, id, t).await.expect("the appointment");
                let doc = doctors.iter().find(|d| d.id().as_doctor() == a.doctor_id).expect("its doctor");
                // Some steps are refused (a completed visit cannot be cancelled, a future one not
                // completed, an inactive doctor acts on nothing): a refusal must leave the
                // figures as they were.
                let after = (a.starts_at + Duration::minutes(10)).max(t);
                match op {
                    6..=8 => h.confirm(doc, id, t).await.map(drop),
                    9 => h.cancel(&desk, id, Some("changed plans".into()), t).await.map(drop),
                    10 => h.reject(doc, id, Some("fully booked".into()), t).await.map(drop),
                    11 | 12 => h.complete(doc, id, after).await.map(drop),
                    _ => h.no_show(doc, id, after).await.map(drop),
                }
            }
            14..=16 if !booked.is_empty() => {
                let id = booked[rng.below(booked.len())];
                let input = InvoiceInput {
                    appointment_id: id,
                    lines: None,
                    tax_rate: Decimal::new(rng.below(200) as i64, 1),
                    discount: Decimal::ZERO,
                    currency: None,
                };
                h.issue_invoice(&desk, input, t).await.map(|i| invoices.push(i.id))
            }
            17 | 18 if !invoices.is_empty() => {
                let id = invoices[rng.below(invoices.len())];
                if rng.below(3) == 0 {
                    h.cancel_invoice(&desk, id, None, t).await.map(drop)
                } else {
                    h.pay_invoice(&desk, id, PaymentMethod::Card, None, t).await.map(drop)
                }
            }
            19 => {
                // Accounts leave and come back.
                let who = if rng.below(2) == 0 { doctors[rng.below(doctors.len())].id() } else { patients[rng.below(patients.len())].id() };
                let active = !inactive.remove(&who);
                if !active {
                    h.set_user_active(&admin, who, true, None, t).await.map(drop)
                } else {
                    inactive.insert(who);
                    h.set_user_active(&admin, who, false, None, t).await.map(drop)
                }
            }
            _ => continue,
        };
        outcomes.push(outcome.is_ok());
        if step % 40 == 39 || step == steps - 1 {
            let kept = h.dashboard(&admin, t).await.expect("the dashboard");
            let counted = recount(&h, &admin, t).await;
            assert_eq!(kept, counted, "seed {seed}, after step {step}");
            // The kept count of a day's quarter hours equals a count of the appointments, which
            // the store makes for a day that does not begin on a quarter hour (here one a
            // microsecond early: appointments start on whole minutes, so the same ones count).
            let day = t.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
            let count = |from: DateTime<Utc>| {
                let store = h.store();
                async move {
                    let mut tx = store.begin(TxMode::Read).await.expect("a transaction");
                    let n = tx.dashboard((from, from + Duration::days(1)), 5).await.expect("the figures").today_appointments;
                    tx.rollback().await.expect("the end of the read");
                    n
                }
            };
            let by_quarter_hours = count(day).await;
            assert_eq!(by_quarter_hours, count(day - Duration::microseconds(1)).await, "seed {seed}, after step {step}");
            busy_days += u32::from(by_quarter_hours > 0 && kept.today_appointments > 0);
        }
    }
    let kept = h.dashboard(&admin, t).await.expect("the dashboard");
    // The sequence exercised every kind of figure, with refusals among the steps.
    let by = |s: AppointmentStatus| kept.appointments_by_status.iter().find(|c| c.status == s).map_or(0, |c| c.count);
    assert!(by(AppointmentStatus::Confirmed) + by(AppointmentStatus::Completed) > 0 && by(AppointmentStatus::Cancelled) > 0, "{kept:?}");
    assert!(!kept.revenue.is_empty() && kept.busiest_doctors.len() == 5, "{kept:?}");
    assert!(busy_days > 0, "no check saw an appointment on its day");
    assert!(outcomes.iter().any(|ok| !ok) && outcomes.iter().filter(|ok| **ok).count() > 30, "{outcomes:?}");
}

/// Old versions of a row, as every booking leaves in the figure tables: `count` updates of one
/// row of `start_tally`, reported to PostgreSQL's statistics at once.
async fn dead_versions(pool: &sqlx::PgPool, count: i64) {
    let mut conn = pool.acquire().await.expect("a connection");
    sqlx::query("insert into start_tally (bucket, shard, n) values (-1, 0, 0) on conflict do nothing")
        .execute(&mut *conn)
        .await
        .expect("a figure row");
    // A `do` block takes no parameters: the loop's bound is written into it.
    let block =
        format!("do $$ begin for i in 1 .. {count} loop update start_tally set n = n where bucket = -1 and shard = 0; end loop; end $$");
    sqlx::raw_sql(sqlx::AssertSqlSafe(block)).execute(&mut *conn).await.expect("the updates");
    sqlx::raw_sql("select pg_stat_force_next_flush()").execute(&mut *conn).await.expect("the statistics flushed");
}

async fn dead_rows(pool: &sqlx::PgPool, table: &str) -> i64 {
    sqlx::query_scalar("select n_dead_tup from pg_stat_user_tables where schemaname = current_schema() and relname = $1")
        .bind(table)
        .fetch_one(pool)
        .await
        .expect("the table's statistics")
}

/// On PostgreSQL the store vacuums the figure tables itself once they hold a thousand old
/// versions, so that the dashboard's reads do not step over them when the server's autovacuum
/// is off or slow; asked, it vacuums those with at least as many as it is told, and no other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_vacuums_the_figure_tables() {
    let db = hms::store::testing::TempDatabase::postgres().await;
    let store = hms::store::PgStore::connect(&db.url, 4).await.expect("the store opens");
    store.migrate().await.expect("migrations");
    let pool = store.pool().clone();

    // Asked, below the store's own threshold (a thousand), so that its rounds stay out of the way.
    dead_versions(&pool, 50).await;
    assert_eq!(store.vacuum_figures(100).await.expect("the check"), Vec::<String>::new(), "50 old versions are not 100");
    assert!(dead_rows(&pool, "start_tally").await >= 50);
    dead_versions(&pool, 150).await;
    assert_eq!(store.vacuum_figures(100).await.expect("the vacuum"), ["start_tally"]);
    assert_eq!(dead_rows(&pool, "start_tally").await, 0, "the vacuum removed the old versions");

    // And unasked, within a few of the store's rounds.
    dead_versions(&pool, 1200).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while dead_rows(&pool, "start_tally").await > 0 {
        assert!(std::time::Instant::now() < deadline, "the store did not vacuum the figure tables within 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    drop(store);
    pool.close().await;
    db.cleanup().await;
}
