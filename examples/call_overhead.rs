//! The Rust side of the Python-overhead measurement: the calls `hms-py/benches/overhead.py` makes,
//! made the way the Python module makes them — blocking on a shared two-worker multi-thread tokio
//! runtime from a thread outside it — so that the difference between the two is what the Python
//! layer adds. `hms-py/benches/callgrind.sh` runs both under callgrind and prints the figures.
//!
//! ```text
//! cargo run --release --example call_overhead -- time               # wall-clock medians
//! cargo run --release --example call_overhead -- count lookup 500   # 500 calls, for an instruction count
//! ```
//!
//! The workloads, one call each:
//! - `lookup`: one doctor's public profile on an in-memory SQLite database (`Hospital::doctor`);
//! - `invalid`: free slots over an empty range, refused by validation before any I/O, so the
//!   whole call runs on the calling thread (`Hospital::free_slots`, a `ValidationError` in Python).

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use hms::{DoctorDetails, DoctorId, Hospital, HospitalConfig, PasswordCost, Registration, Role};
use rust_decimal::Decimal;
use tokio::runtime::Runtime;

/// The runtime as `hms._hms` builds it.
fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("hms-runtime").enable_all().build().expect("a runtime")
}

/// The hospital and doctor `overhead.py` sets up: `Hospital.open("sqlite::memory:",
/// fast_password_hashing=True, analysis=False)` and one registered doctor.
fn setup(rt: &Runtime) -> (Hospital, DoctorId) {
    rt.block_on(async {
        let config = HospitalConfig { password_cost: PasswordCost::fast_for_tests(), ..Default::default() };
        let hospital = hms::open("sqlite::memory:", config).await.expect("an in-memory hospital");
        let registration = Registration {
            email: "doctor@example.org".into(),
            password: "a sound test passphrase".into(),
            full_name: "Doctor Who".into(),
            role: Some(Role::Doctor),
            doctor: Some(DoctorDetails {
                specialization: "Cardiology".into(),
                license_number: "LIC-1".into(),
                consultation_fee: Decimal::new(100, 0),
                ..Default::default()
            }),
            ..Default::default()
        };
        let user = hospital.register(registration, Utc::now()).await.expect("a registered doctor");
        (hospital, user.id.as_doctor())
    })
}

/// The current instant at microsecond precision, as the Python module takes `now` by default.
fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// The instant `overhead.py` passes as both ends of the empty range.
fn range_end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).single().expect("a valid instant")
}

/// One call of `workload`.
fn call(rt: &Runtime, hospital: &Hospital, id: DoctorId, workload: &str) {
    match workload {
        "lookup" => {
            let doctor = rt.block_on(hospital.doctor(None, black_box(id))).expect("the doctor");
            black_box(doctor);
        }
        "invalid" => {
            let at = black_box(range_end());
            let error = rt.block_on(hospital.free_slots(black_box(id), at, at, now())).expect_err("an empty range is refused");
            black_box(error);
        }
        other => panic!("unknown workload {other:?}: lookup or invalid"),
    }
}

/// The median and the best of `runs` runs of `calls` calls, in µs a call.
fn timings(rt: &Runtime, hospital: &Hospital, id: DoctorId, workload: &str, runs: usize, calls: u32) -> (f64, f64) {
    for _ in 0..calls {
        call(rt, hospital, id, workload);
    }
    let mut per_call: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                call(rt, hospital, id, workload);
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(calls)
        })
        .collect();
    per_call.sort_by(f64::total_cmp);
    (per_call[runs / 2], per_call[0])
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = runtime();
    let (hospital, id) = setup(&rt);
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["count", workload, calls] => {
            let calls: u32 = calls.parse().expect("a number of calls");
            for _ in 0..calls {
                call(&rt, &hospital, id, workload);
            }
        }
        [] | ["time"] => {
            for (workload, calls) in [("lookup", 2_000), ("invalid", 100_000)] {
                let (median, best) = timings(&rt, &hospital, id, workload, 15, calls);
                println!("rust {workload}: median {median:.3} µs, best {best:.3} µs a call (15 runs of {calls})");
            }
        }
        _ => {
            eprintln!("usage: call_overhead [time] | count (lookup|invalid) CALLS");
            std::process::exit(2);
        }
    }
}
