//! A fast loader for large synthetic hospitals (benchmarks, demos): multi-row inserts in large
//! transactions, straight into the tables, bypassing the workflows. Every account shares one
//! password hash, since hashing hundreds of thousands of passwords is the slow part on purpose.
//!
//! The synthetic day is consistent with every constraint: doctor `d`'s `k`-th appointment sits at
//! slot `(k + d) mod n` of a grid of 30-minute slots from 09:00 to 17:00 UTC, so no doctor and no
//! patient is ever booked twice at one time; half the grid lies in the past (completed, some
//! no-shows and cancellations), half in the future (pending or confirmed).

use chrono::{DateTime, Duration, NaiveTime, Timelike, Utc};

/// What to load.
#[derive(Debug, Clone)]
pub struct SyntheticHospital {
    /// Doctors.
    pub doctors: u32,
    /// Patients.
    pub patients: u32,
    /// Appointments, spread evenly over the doctors.
    pub appointments: u64,
    /// The instant the grid is centred on.
    pub now: DateTime<Utc>,
    /// The argon2id hash every account gets.
    pub password_hash: String,
}

/// Progress of a load: stage name, rows done, rows in the stage.
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Send + Sync);

pub(crate) const SLOTS_PER_DAY: u64 = 16;

pub(crate) fn letters(mut n: u64) -> String {
    let mut s = String::new();
    loop {
        s.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => s,
    }
}

pub(crate) const SPECIALIZATIONS: &[&str] = &[
    "Cardiology",
    "Dermatology",
    "Neurology",
    "Oncology",
    "Pediatrics",
    "Psychiatry",
    "Radiology",
    "Surgery",
    "Orthopedics",
    "Gastroenterology",
];

/// One synthetic appointment: (doctor index, patient index, start, status).
pub(crate) fn appointment(spec: &SyntheticHospital, i: u64) -> (u64, u64, DateTime<Utc>, &'static str) {
    let per_doctor = spec.appointments.div_ceil(u64::from(spec.doctors.max(1)));
    let d = i / per_doctor;
    let k = i % per_doctor;
    let t = (k + d) % per_doctor;
    let patient = (i * 7919) % u64::from(spec.patients.max(1));
    let day0 = spec.now.date_naive() - Duration::days((per_doctor / SLOTS_PER_DAY / 2) as i64);
    let day = day0 + Duration::days((t / SLOTS_PER_DAY) as i64);
    let minutes = 9 * 60 + 30 * (t % SLOTS_PER_DAY) as i64;
    let start = day.and_time(NaiveTime::MIN).and_utc() + Duration::minutes(minutes);
    let status = if start < spec.now {
        match i % 20 {
            0 => "no_show",
            1 => "cancelled",
            _ => "completed",
        }
    } else if i.is_multiple_of(3) {
        "pending"
    } else {
        "confirmed"
    };
    debug_assert_eq!(start.second(), 0);
    (d, patient, start, status)
}

/// Deterministic ids, so that a load can be reasoned about (and benches can find their rows).
pub fn synthetic_id(kind: u8, n: u64) -> uuid::Uuid {
    let mut bytes = [0u8; 16];
    bytes[0] = 0x01;
    bytes[1] = kind;
    bytes[8..16].copy_from_slice(&n.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7 layout
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    uuid::Uuid::from_bytes(bytes)
}

/// The id of synthetic doctor `n`.
pub fn doctor_id(n: u64) -> uuid::Uuid {
    synthetic_id(1, n)
}

/// The id of synthetic patient `n`.
pub fn patient_id(n: u64) -> uuid::Uuid {
    synthetic_id(2, n)
}

macro_rules! impl_bulk {
    ($Store:ident, $DB:ty) => {
        impl $Store {
            /// Loads a synthetic hospital in large batched transactions.
            pub async fn bulk_load(&self, spec: &crate::bulk::SyntheticHospital, progress: crate::bulk::Progress<'_>) -> hms_core::Result<()> {
                use crate::bulk::*;
                use crate::error::map;
                use sqlx::QueryBuilder;
                const BATCH: u64 = 2000;
                let now = spec.now;
                let users = u64::from(spec.doctors) + u64::from(spec.patients);
                let mut done = 0u64;
                while done < users {
                    let end = (done + BATCH).min(users);
                    let mut tx = self.pool().begin().await.map_err(map)?;
                    let mut qb = QueryBuilder::<$DB>::new(
                        "insert into account (id, email, full_name, phone, role, password_hash, active, created_at, updated_at) ",
                    );
                    qb.push_values(done..end, |mut b, n| {
                        let (id, email, name, role) = if n < u64::from(spec.doctors) {
                            (doctor_id(n), format!("doctor{n}@bulk.hms"), format!("Doctor {}", letters(n)), "doctor")
                        } else {
                            let p = n - u64::from(spec.doctors);
                            (patient_id(p), format!("patient{p}@bulk.hms"), format!("Patient {}", letters(p)), "patient")
                        };
                        b.push_bind(id)
                            .push_bind(email)
                            .push_bind(name)
                            .push_bind(None::<String>)
                            .push_bind(role)
                            .push_bind(spec.password_hash.clone())
                            .push_bind(true)
                            .push_bind(now)
                            .push_bind(now);
                    });
                    qb.build().execute(&mut *tx).await.map_err(map)?;
                    let doctors_end = end.min(u64::from(spec.doctors));
                    if done < doctors_end {
                        let mut qb = QueryBuilder::<$DB>::new(
                            "insert into doctor (id, specialization, license_number, years_of_experience, consultation_fee, currency, bio, accepting_appointments, updated_at) ",
                        );
                        qb.push_values(done..doctors_end, |mut b, n| {
                            b.push_bind(doctor_id(n))
                                .push_bind(SPECIALIZATIONS[(n % SPECIALIZATIONS.len() as u64) as usize])
                                .push_bind(format!("BULK-{n:07}"))
                                .push_bind((n % 40) as i32)
                                .push_bind(dec_db(rust_decimal::Decimal::new(10000 + (n % 50) as i64 * 100, 2)))
                                .push_bind("USD")
                                .push_bind("")
                                .push_bind(true)
                                .push_bind(now);
                        });
                        qb.build().execute(&mut *tx).await.map_err(map)?;
                        // Seven rules of eight values per doctor: a few hundred doctors per statement keeps
                        // under SQLite's limit of 32766 bound values.
                        for first in (done..doctors_end).step_by(500) {
                        let last = (first + 500).min(doctors_end);
                        let mut qb = QueryBuilder::<$DB>::new(
                            "insert into availability_rule (doctor_id, position, weekday, start_time, end_time, slot_minutes, valid_from, valid_until) ",
                        );
                        qb.push_values((first..last).flat_map(|n| (1..=7).map(move |w| (n, w))), |mut b, (n, w)| {
                            b.push_bind(doctor_id(n))
                                .push_bind(w - 1)
                                .push_bind(w)
                                .push_bind(chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("a time"))
                                .push_bind(chrono::NaiveTime::from_hms_opt(17, 0, 0).expect("a time"))
                                .push_bind(30i32)
                                .push_bind(None::<chrono::NaiveDate>)
                                .push_bind(None::<chrono::NaiveDate>);
                        });
                        qb.build().execute(&mut *tx).await.map_err(map)?;
                        }
                    }
                    let patients_start = done.max(u64::from(spec.doctors));
                    if patients_start < end {
                        let mut qb = QueryBuilder::<$DB>::new(
                            "insert into patient (id, date_of_birth, sex, blood_group, address, emergency_contact, allergies, conditions, medical_history, updated_at) ",
                        );
                        qb.push_values(patients_start..end, |mut b, n| {
                            let p = n - u64::from(spec.doctors);
                            b.push_bind(patient_id(p))
                                .push_bind(chrono::NaiveDate::from_ymd_opt(1940 + (p % 80) as i32, 1 + (p % 12) as u32, 1 + (p % 28) as u32))
                                .push_bind(["female", "male", "other", "unknown"][(p % 4) as usize])
                                .push_bind("unknown")
                                .push_bind("")
                                .push_bind("")
                                .push_bind("[]")
                                .push_bind("[]")
                                .push_bind("")
                                .push_bind(now);
                        });
                        qb.build().execute(&mut *tx).await.map_err(map)?;
                    }
                    tx.commit().await.map_err(map)?;
                    done = end;
                    progress("accounts", done, users);
                }
                let mut done = 0u64;
                while done < spec.appointments {
                    let end = (done + BATCH).min(spec.appointments);
                    let mut tx = self.pool().begin().await.map_err(map)?;
                    let mut qb = QueryBuilder::<$DB>::new(
                        "insert into appointment (id, doctor_id, patient_id, starts_at, ends_at, status, reason, notes, booked_by, cancellation_reason, reminder_queued_at, created_at, updated_at) ",
                    );
                    qb.push_values(done..end, |mut b, i| {
                        let (d, p, start, status) = appointment(spec, i);
                        b.push_bind(synthetic_id(3, i))
                            .push_bind(doctor_id(d))
                            .push_bind(patient_id(p))
                            .push_bind(start)
                            .push_bind(start + chrono::Duration::minutes(30))
                            .push_bind(status)
                            .push_bind("check-up")
                            .push_bind("")
                            .push_bind(patient_id(p))
                            .push_bind(None::<String>)
                            .push_bind(None::<DateTime<Utc>>)
                            .push_bind(now)
                            .push_bind(now);
                    });
                    qb.build().execute(&mut *tx).await.map_err(map)?;
                    tx.commit().await.map_err(map)?;
                    done = end;
                    progress("appointments", done, spec.appointments);
                }
                // Fresh statistics, so that the planner knows what was just loaded (and, on
                // PostgreSQL, the pages marked all-visible, for index-only scans).
                for statement in AFTER_LOAD {
                    sqlx::raw_sql(*statement).execute(self.pool()).await.map_err(map)?;
                }
                Ok(())
            }
        }
    };
}

pub(crate) use impl_bulk;
