//! Shared test helpers: a fresh hospital per test on SQLite (a temporary file) or PostgreSQL (a
//! database of its own), and fixtures for the people of a small hospital.

use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use hms::store::testing::TempDatabase;
use hms::store::{DirBlobStore, StoreOptions, open_store};
use hms::{
    Actor, AvailabilityRule, BookingInput, DoctorDetails, Hospital, HospitalConfig, MedicationInput, PasswordCost, PatientDetails,
    PrescriptionInput, Registration, Role, Route, Slot, TimeZone, User,
};
use rust_decimal::Decimal;

/// A Monday morning, before any slot of the day.
pub fn now() -> DateTime<Utc> {
    "2030-01-07T08:00:00Z".parse().expect("a valid instant")
}

/// The configuration every test hospital runs with: London time, cheap password hashing.
pub fn config() -> HospitalConfig {
    HospitalConfig {
        time_zone: TimeZone::parse("Europe/London").expect("a valid zone"),
        password_cost: PasswordCost::fast_for_tests(),
        secret_key: Some(hms::SecretKey::random().expect("a random key")),
        ..Default::default()
    }
}

/// A hospital on a fresh database, removed by [`TestHospital::cleanup`].
pub struct TestHospital {
    pub h: Hospital,
    db: TempDatabase,
}

impl TestHospital {
    pub async fn cleanup(self) {
        drop(self.h);
        self.db.cleanup().await;
    }
}

/// A hospital on a new SQLite file in a temporary directory.
pub async fn sqlite() -> TestHospital {
    let db = TempDatabase::sqlite();
    let store = open_store(&db.url, &StoreOptions::default()).await.expect("the SQLite store opens");
    let blobs = DirBlobStore::new(db.dir.as_ref().expect("a directory").join("blobs")).expect("a blob directory");
    TestHospital { h: Hospital::new(store, std::sync::Arc::new(blobs), config()), db }
}

/// A hospital on a new PostgreSQL database beside `DATABASE_URL`.
pub async fn postgres() -> TestHospital {
    let db = TempDatabase::postgres().await;
    let store = open_store(&db.url, &StoreOptions::default()).await.expect("the PostgreSQL store opens");
    let blobs = std::sync::Arc::new(hms::store::MemoryBlobStore::default());
    TestHospital { h: Hospital::new(store, blobs, config()), db }
}

/// Runs `body` on the test hospital, then removes its database whether or not the body panicked.
pub async fn run<F: std::future::Future<Output = ()>>(t: TestHospital, body: impl FnOnce(Hospital) -> F) {
    use futures::FutureExt;
    let outcome = std::panic::AssertUnwindSafe(body(t.h.clone())).catch_unwind().await;
    t.cleanup().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Runs one async test body against a fresh SQLite hospital and a fresh PostgreSQL hospital.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                crate::common::run(crate::common::sqlite().await, super::$name).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                crate::common::run(crate::common::postgres().await, super::$name).await;
            }
        }
    )*};
}
pub(crate) use on_both;

fn registration(email: &str, name: &str, role: Role) -> Registration {
    Registration {
        email: email.into(),
        password: "a sound test passphrase".into(),
        full_name: name.into(),
        role: Some(role),
        ..Default::default()
    }
}

pub async fn admin(h: &Hospital) -> Actor {
    let u = h.bootstrap_admin(registration("admin@example.org", "Ada Admin", Role::Admin), now()).await.expect("the first admin");
    h.actor(u.id).await.expect("an active admin")
}

pub async fn staff(h: &Hospital, admin: &Actor, role: Role, n: u32) -> Actor {
    let email = format!("{}{n}@example.org", role.as_str());
    let u =
        h.create_staff(admin, registration(&email, &format!("Staff Member {}", letters(n)), role), now()).await.expect("a staff account");
    h.actor(u.id).await.expect("an active staff member")
}

/// A name made of letters only, distinct for each `n`.
pub fn letters(mut n: u32) -> String {
    let mut s = String::new();
    loop {
        s.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    s
}

pub async fn doctor(h: &Hospital, n: u32) -> (User, Actor) {
    let mut r = registration(&format!("doctor{n}@example.org"), &format!("Doctor {}", letters(n)), Role::Doctor);
    r.doctor = Some(DoctorDetails {
        specialization: if n.is_multiple_of(2) { "Cardiology".into() } else { "Dermatology".into() },
        license_number: format!("LIC-{n:05}"),
        years_of_experience: 10,
        consultation_fee: Decimal::new(15050, 2),
        currency: None,
        bio: String::new(),
    });
    let u = h.register(r, now()).await.expect("a doctor registers");
    let a = h.actor(u.id).await.expect("an active doctor");
    (u, a)
}

pub async fn patient(h: &Hospital, n: u32) -> (User, Actor) {
    let mut r = registration(&format!("patient{n}@example.org"), &format!("Patient {}", letters(n)), Role::Patient);
    r.patient = Some(PatientDetails {
        allergies: vec!["penicillin".into()],
        conditions: vec!["asthma".into()],
        blood_group: Some("O+".into()),
        date_of_birth: Some(chrono::NaiveDate::from_ymd_opt(1980, 5, 17).expect("a date")),
        ..Default::default()
    });
    let u = h.register(r, now()).await.expect("a patient registers");
    let a = h.actor(u.id).await.expect("an active patient");
    (u, a)
}

/// Weekday mornings, 09:00–12:00 London time, in 30-minute slots.
pub fn mornings() -> Vec<AvailabilityRule> {
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]
        .into_iter()
        .map(|weekday| AvailabilityRule {
            weekday,
            start: NaiveTime::from_hms_opt(9, 0, 0).expect("a time"),
            end: NaiveTime::from_hms_opt(12, 0, 0).expect("a time"),
            slot_minutes: 30,
            valid_from: None,
            valid_until: None,
        })
        .collect()
}

pub async fn open_mornings(h: &Hospital, doctor: &Actor) -> Vec<Slot> {
    let id = doctor.id().as_doctor();
    h.set_availability(doctor, id, mornings(), now()).await.expect("availability is set");
    h.free_slots(id, now(), now() + Duration::days(7), now()).await.expect("free slots")
}

pub fn booking(doctor: &Actor, patient: Option<&Actor>, slot: &Slot) -> BookingInput {
    BookingInput {
        doctor_id: doctor.id().as_doctor(),
        patient_id: patient.map(|p| p.id().as_patient()),
        starts_at: slot.start,
        reason: "check-up".into(),
        notes: String::new(),
    }
}

/// A prescription of doxycycline for pneumonia, for `days` days.
pub fn prescription_input(days: u16) -> PrescriptionInput {
    PrescriptionInput {
        diagnosis: "Community-acquired pneumonia".into(),
        medications: vec![MedicationInput {
            name: "doxycycline".into(),
            strength: "100 mg".into(),
            route: Route::Oral,
            frequency: "twice daily".into(),
            duration_days: days,
            instructions: "with water".into(),
        }],
        instructions: "Rest and fluids".into(),
        follow_up: None,
    }
}
