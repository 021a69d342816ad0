//! "Forgot password" for an address with an account and for one without, on a SQLite file with
//! durable commits: the two must take the same time, so that timing does not tell which
//! addresses have accounts. Run with `cargo bench --bench security`.
//!
//! Both are measured on one database holding the one account, each alternating the two kinds of
//! request and timing only its own, after the disk has settled.

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use hms::store::testing::TempDatabase;
use hms::{Hospital, HospitalConfig, PasswordCost, Registration, Role, SecretKey};

const KNOWN: &str = "known@example.org";
const UNKNOWN: &str = "unknown@example.org";

fn hospital(rt: &tokio::runtime::Runtime, db: &TempDatabase) -> Hospital {
    let config = HospitalConfig {
        password_cost: PasswordCost::fast_for_tests(),
        secret_key: Some(SecretKey::random().unwrap()),
        // No throttling in the way of the measurement.
        login_failures_per_account: u32::MAX,
        login_failures_per_address: u32::MAX,
        ..HospitalConfig::default()
    };
    let h = rt.block_on(async { hms::open(&db.url, config).await.unwrap() });
    let registration = Registration {
        email: KNOWN.into(),
        password: "a sound bench passphrase".into(),
        full_name: "Known Person".into(),
        role: Some(Role::Patient),
        ..Default::default()
    };
    rt.block_on(h.register(registration, Utc::now())).unwrap();
    h
}

fn reset_requests(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = TempDatabase::sqlite();
    let h = hospital(&rt, &db);
    let t0 = Utc::now();
    let mut tick = 0i64;
    // Each request a window later than the last, so that the throttling counts stay small.
    let mut request = |email: &str| {
        tick += 1;
        rt.block_on(h.request_password_reset(email, Some("10.0.0.1"), t0 + Duration::minutes(16 * tick))).unwrap();
    };
    // Settle the disk first: its first seconds of flushes are faster than its steady state.
    let until = Instant::now() + StdDuration::from_secs(10);
    while Instant::now() < until {
        request(KNOWN);
        request(UNKNOWN);
    }
    // The comparison: pairs of requests, one of each kind in turn, each timed; the medians and
    // quartiles of the two, measured side by side on the same database at the same moments.
    let mut timings: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for round in 0..4000 {
        for (i, email) in if round % 2 == 0 { [(0, KNOWN), (1, UNKNOWN)] } else { [(1, UNKNOWN), (0, KNOWN)] } {
            let started = Instant::now();
            request(email);
            timings[i].push(started.elapsed().as_secs_f64() * 1e6);
        }
    }
    let quartiles = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 4], v[v.len() / 2], v[v.len() * 3 / 4])
    };
    let (k, u) = (quartiles(&mut timings[0]), quartiles(&mut timings[1]));
    println!(
        "paired, 4000 each: with an account {:.0} µs (quartiles {:.0}–{:.0}), without {:.0} µs ({:.0}–{:.0}); median ratio {:.3}",
        k.1,
        k.0,
        k.2,
        u.1,
        u.0,
        u.2,
        k.1 / u.1
    );
    let mut group = c.benchmark_group("password reset request");
    for (name, timed, other) in [("an address with an account", KNOWN, UNKNOWN), ("an address without one", UNKNOWN, KNOWN)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = StdDuration::ZERO;
                for _ in 0..iters {
                    request(other);
                    let started = Instant::now();
                    request(timed);
                    total += started.elapsed();
                }
                total
            })
        });
    }
    group.finish();
    drop(h);
    rt.block_on(db.cleanup());
}

criterion_group!(benches, reset_requests);
criterion_main!(benches);
