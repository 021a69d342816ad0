//! A day at a small hospital, on an in-memory SQLite database: run with
//! `cargo run --example quickstart`.

use chrono::{Datelike, Duration, NaiveTime, Utc, Weekday};
use hms::{
    AvailabilityRule, BookingInput, DoctorDetails, HospitalConfig, InvoiceInput, MedicationInput, PatientDetails, PaymentMethod,
    PrescriptionInput, Registration, Role, Route, TimeZone,
};
use rust_decimal::Decimal;

#[tokio::main]
async fn main() -> hms::Result<()> {
    let config =
        HospitalConfig { time_zone: TimeZone::parse("Europe/London").map_err(|e| hms::Error::Invalid(vec![e]))?, ..Default::default() };
    let hospital = hms::open("sqlite::memory:", config).await?;
    let now = Utc::now();
    println!("hospital open on {}", hospital.store().backend());

    // The first admin comes from the bootstrap path; a receptionist from the admin.
    let admin = hospital
        .bootstrap_admin(
            Registration {
                email: "admin@example.org".into(),
                password: "a long secret passphrase".into(),
                full_name: "Ada Admin".into(),
                ..Default::default()
            },
            now,
        )
        .await?;
    let admin = hospital.actor(admin.id).await?;
    println!("admin created");

    // A doctor and a patient register themselves.
    let doctor = hospital
        .register(
            Registration {
                email: "grace.hopper@example.org".into(),
                password: "correct horse battery staple".into(),
                full_name: "Grace Hopper".into(),
                role: Some(Role::Doctor),
                doctor: Some(DoctorDetails {
                    specialization: "Cardiology".into(),
                    license_number: "GMC-1234567".into(),
                    years_of_experience: 12,
                    consultation_fee: Decimal::new(12000, 2),
                    currency: Some("GBP".into()),
                    bio: "Heart rhythm clinic".into(),
                }),
                ..Default::default()
            },
            now,
        )
        .await?;
    let patient = hospital
        .register(
            Registration {
                email: "alan@example.org".into(),
                password: "a different long passphrase".into(),
                full_name: "Alan Turing".into(),
                role: Some(Role::Patient),
                patient: Some(PatientDetails { allergies: vec!["penicillin".into()], ..Default::default() }),
                ..Default::default()
            },
            now,
        )
        .await?;
    let doctor_user = hospital.login("grace.hopper@example.org", "correct horse battery staple", now).await?;
    let dr = hospital.actor(doctor_user.id).await?;
    let pt = hospital.actor(patient.id).await?;
    println!("registered Dr. {} and patient {}", doctor.full_name, patient.full_name);

    // The doctor opens weekday mornings, 09:00–12:00 London time, in 30-minute slots.
    let rules = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]
        .into_iter()
        .map(|weekday| AvailabilityRule {
            weekday,
            start: NaiveTime::from_hms_opt(9, 0, 0).expect("a valid time"),
            end: NaiveTime::from_hms_opt(12, 0, 0).expect("a valid time"),
            slot_minutes: 30,
            valid_from: None,
            valid_until: None,
        })
        .collect();
    hospital.set_availability(&dr, doctor.id.as_doctor(), rules, now).await?;
    let slots = hospital.free_slots(doctor.id.as_doctor(), now, now + Duration::days(7), now).await?;
    println!("{} free slots this week; the first starts {}", slots.len(), slots[0].start);

    // The patient books the first slot; the doctor confirms it.
    let slot = slots[0];
    let booking = BookingInput {
        doctor_id: doctor.id.as_doctor(),
        patient_id: None,
        starts_at: slot.start,
        reason: "palpitations".into(),
        notes: String::new(),
    };
    let appointment = hospital.book(&pt, booking, now).await?;
    println!("booked appointment {} ({})", appointment.id, appointment.status);
    let appointment = hospital.confirm(&dr, appointment.id, now).await?;
    println!("appointment {}", appointment.status);

    // The visit happens: from here on the clock is ten minutes into the appointment.
    let during = slot.start + Duration::minutes(10);
    let prescription = hospital
        .write_prescription(
            &dr,
            appointment.id,
            PrescriptionInput {
                diagnosis: "Paroxysmal atrial fibrillation".into(),
                medications: vec![MedicationInput {
                    name: "bisoprolol".into(),
                    strength: "2.5 mg".into(),
                    route: Route::Oral,
                    frequency: "once daily".into(),
                    duration_days: 30,
                    instructions: "in the morning".into(),
                }],
                instructions: "Avoid caffeine".into(),
                follow_up: Some((slot.start + Duration::days(30)).date_naive()),
            },
            during,
        )
        .await?;
    println!("prescribed {} medication(s)", prescription.medications.len());
    let appointment = hospital.complete(&dr, appointment.id, during).await?;
    println!("appointment {}", appointment.status);

    // The front desk bills the consultation at 20 % VAT and takes payment by card.
    let invoice = hospital
        .issue_invoice(
            &admin,
            InvoiceInput {
                appointment_id: appointment.id,
                lines: None,
                tax_rate: Decimal::new(20, 0),
                discount: Decimal::ZERO,
                currency: None,
            },
            during,
        )
        .await?;
    println!("invoice {}: subtotal {} + tax {} = {} {}", invoice.number, invoice.subtotal, invoice.tax, invoice.total, invoice.currency);
    let invoice = hospital.pay_invoice(&admin, invoice.id, PaymentMethod::Card, None, during).await?;
    println!("invoice {} is {}", invoice.number, invoice.status);

    let notes = hospital.notifications(&pt, false, Default::default()).await?;
    println!("the patient has {} notifications", notes.total);

    let dashboard = hospital.dashboard(&admin, during).await?;
    println!(
        "dashboard: {} doctors, {} patients, revenue {}",
        dashboard.doctors,
        dashboard.patients,
        dashboard.revenue.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    );
    println!("today is {}", during.weekday());
    Ok(())
}
