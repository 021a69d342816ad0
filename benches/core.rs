//! Benchmarks of the pure computations: slots for a doctor's month, invoice totals, the
//! permission check, the deterministic checks of a prescription. Run with `cargo bench --bench core`.

use std::hint::black_box;

use chrono::{Duration, NaiveTime, Weekday};
use criterion::{Criterion, criterion_group, criterion_main};
use hms::billing::{InvoiceLine, compute_totals};
use hms::policy::{Action, Relation, decide};
use hms::schedule::{Availability, AvailabilityRule, free_slots};
use hms::{Currency, Role, TimeZone};
use rust_decimal::Decimal;

fn slots_for_a_month(c: &mut Criterion) {
    let rules = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]
        .into_iter()
        .flat_map(|weekday| {
            [(9, 12), (13, 17)].map(|(s, e)| AvailabilityRule {
                weekday,
                start: NaiveTime::from_hms_opt(s, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(e, 0, 0).unwrap(),
                slot_minutes: 15,
                valid_from: None,
                valid_until: None,
            })
        })
        .collect();
    let availability = Availability { rules, exceptions: vec![] };
    let tz = TimeZone::parse("Europe/London").unwrap();
    let from = "2030-03-01T00:00:00Z".parse().unwrap();
    let to = from + Duration::days(31);
    let now = from - Duration::days(1);
    let taken: Vec<_> = (0..200).map(|i| (from + Duration::hours(i * 3), from + Duration::hours(i * 3) + Duration::minutes(15))).collect();
    c.bench_function("free slots, one doctor, one month (DST change inside)", |b| {
        b.iter(|| free_slots(black_box(&availability), tz, from, to, now, black_box(&taken)))
    });
}

fn invoice_totals(c: &mut Criterion) {
    let lines: Vec<_> =
        (1..=10).map(|i| InvoiceLine::parse("item", i, Decimal::new(1999 * i64::from(i), 2), Currency::USD).unwrap()).collect();
    c.bench_function("invoice totals, ten lines", |b| {
        b.iter(|| compute_totals(black_box(&lines), Decimal::new(75, 1), Decimal::new(500, 2), Currency::USD))
    });
}

fn permission_check(c: &mut Criterion) {
    c.bench_function("permission check", |b| {
        b.iter(|| decide(black_box(Role::Doctor), black_box(Action::ReadPrescription), black_box(Relation::Own)))
    });
}

/// The Rust side of the Python-overhead comparison: one doctor lookup on an in-memory SQLite
/// hospital, called the way the Python module calls it (blocking on a shared multi-thread runtime).
/// `hms-py/benches/overhead.py` times the same call from Python.
fn doctor_lookup_blocking(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (hospital, id) = rt.block_on(async {
        let config = hms::HospitalConfig { password_cost: hms::PasswordCost::fast_for_tests(), ..Default::default() };
        let h = hms::open("sqlite::memory:", config).await.unwrap();
        let r = hms::Registration {
            email: "doctor@example.org".into(),
            password: "a sound test passphrase".into(),
            full_name: "Doctor Who".into(),
            role: Some(Role::Doctor),
            doctor: Some(hms::DoctorDetails {
                specialization: "Cardiology".into(),
                license_number: "LIC-1".into(),
                consultation_fee: Decimal::new(100, 0),
                ..Default::default()
            }),
            ..Default::default()
        };
        let u = h.register(r, chrono::Utc::now()).await.unwrap();
        (h, u.id.as_doctor())
    });
    c.bench_function("doctor lookup, in-memory SQLite, blocking call (as from Python)", |b| {
        b.iter(|| rt.block_on(hospital.doctor(None, black_box(id))).unwrap())
    });
}

/// The deterministic checks of a ten-medication prescription for a patient of 78 with allergies,
/// conditions and a low eGFR: every rule kind is consulted.
fn prescription_checks(c: &mut Criterion) {
    use hms::{Egfr, Medication, Route};
    use hms_ai::checks::{CheckInput, check};
    let meds: Vec<Medication> = [
        ("Metformin 500 mg", "500 mg", "twice daily"),
        ("Telma 40", "40 mg", "once daily"),
        ("Ecosprin 75", "75 mg", "once daily"),
        ("Atorvastatin calcium", "20 mg", "at night"),
        ("Gabapentin", "300 mg", "three times daily"),
        ("Amlodipine besylate", "5 mg", "once daily"),
        ("Pantoprazole (Pan 40)", "40 mg", "once daily"),
        ("Tramadol/paracetamol", "37.5/325 mg", "every 6 hours as needed"),
        ("Sertraline hydrochloride", "50 mg", "once daily"),
        ("Warfarin sodium", "5 mg", "once daily"),
    ]
    .into_iter()
    .map(|(name, strength, frequency)| Medication {
        name: name.into(),
        strength: strength.into(),
        route: Route::Oral,
        frequency: frequency.into(),
        duration_days: 30,
        instructions: String::new(),
    })
    .collect();
    let allergies = vec!["Penicillin (rash)".to_string(), "sulfa drugs".to_string()];
    let conditions = vec!["Type 2 diabetes".to_string(), "CKD stage 3b".to_string(), "no history of falls".to_string()];
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let input = CheckInput {
        medications: &meds,
        allergies: Some(&allergies),
        conditions: &conditions,
        age: Some(78),
        pregnancy_noted_on: None,
        egfr: Some(Egfr { value: 38, measured_on: today - chrono::Duration::days(20) }),
        today,
    };
    let pack = hms_ai::rules::RulePack::shipped().unwrap();
    c.bench_function("prescription checks, ten medications", |b| b.iter(|| check(pack, black_box(&input))));
}

criterion_group!(benches, slots_for_a_month, invoice_totals, permission_check, doctor_lookup_blocking, prescription_checks);
criterion_main!(benches);
