//! A small demo hospital: a few doctors with availability, patients, appointments, a
//! prescription, a lab result and invoices, so that a fresh server has something to show.

use chrono::{Duration, NaiveTime, Weekday};
use hms_core::{
    AvailabilityRule, BookingInput, DoctorDetails, DocumentInput, DocumentKind, Hospital, InvoiceInput, MedicationInput, PatientDetails,
    PaymentMethod, PrescriptionInput, Registration, Role, Route,
};
use rust_decimal::Decimal;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// One demo login.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// Role.
    pub role: Role,
    /// E-mail address.
    pub email: String,
}

fn reg(email: &str, name: &str, role: Role) -> Registration {
    Registration { email: email.into(), password: DEMO_PASSWORD.into(), full_name: name.into(), role: Some(role), ..Default::default() }
}

/// Loads the demo hospital unless the database already has accounts; returns the logins.
pub async fn load(hospital: &Hospital) -> hms_core::Result<Vec<DemoLogin>> {
    let t0 = chrono::Utc::now();
    let logins = vec![
        DemoLogin { role: Role::Admin, email: "admin@demo.hms".into() },
        DemoLogin { role: Role::Receptionist, email: "desk@demo.hms".into() },
        DemoLogin { role: Role::Nurse, email: "nurse@demo.hms".into() },
        DemoLogin { role: Role::Doctor, email: "house@demo.hms".into() },
        DemoLogin { role: Role::Doctor, email: "grey@demo.hms".into() },
        DemoLogin { role: Role::Patient, email: "alan@demo.hms".into() },
        DemoLogin { role: Role::Patient, email: "ada@demo.hms".into() },
    ];
    if hospital.login("admin@demo.hms", DEMO_PASSWORD, t0).await.is_ok() {
        return Ok(logins);
    }
    // The demo's history starts two weeks ago, so that some visits have already happened.
    let past = t0 - Duration::days(14);
    let admin = hospital.bootstrap_admin(reg("admin@demo.hms", "Ada Admin", Role::Admin), past).await?;
    let admin = hospital.actor(admin.id).await?;
    let desk = hospital.create_staff(&admin, reg("desk@demo.hms", "Rita Reception", Role::Receptionist), past).await?;
    let desk = hospital.actor(desk.id).await?;
    hospital.create_staff(&admin, reg("nurse@demo.hms", "Nina Nurse", Role::Nurse), past).await?;
    let mut doctors = Vec::new();
    for (email, name, spec, license, fee) in [
        ("house@demo.hms", "Gregory House", "Diagnostic Medicine", "MD-10001", 15000),
        ("grey@demo.hms", "Meredith Grey", "General Surgery", "MD-10002", 12000),
        ("strange@demo.hms", "Stephen Strange", "Neurosurgery", "MD-10003", 25000),
    ] {
        let mut r = reg(email, name, Role::Doctor);
        r.doctor = Some(DoctorDetails {
            specialization: spec.into(),
            license_number: license.into(),
            years_of_experience: 15,
            consultation_fee: Decimal::new(fee, 2),
            currency: None,
            bio: format!("{spec} consultant"),
        });
        let u = hospital.register(r, past).await?;
        let actor = hospital.actor(u.id).await?;
        let rules = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]
            .into_iter()
            .map(|weekday| AvailabilityRule {
                weekday,
                start: NaiveTime::from_hms_opt(9, 0, 0).expect("a valid time"),
                end: NaiveTime::from_hms_opt(17, 0, 0).expect("a valid time"),
                slot_minutes: 30,
                valid_from: None,
                valid_until: None,
            })
            .collect();
        hospital.set_availability(&actor, u.id.as_doctor(), rules, past).await?;
        doctors.push(actor);
    }
    let mut patients = Vec::new();
    for (email, name, allergy) in
        [("alan@demo.hms", "Alan Turing", "penicillin"), ("ada@demo.hms", "Ada Lovelace", "latex"), ("grace@demo.hms", "Grace Hopper", "")]
    {
        let mut r = reg(email, name, Role::Patient);
        r.patient = Some(PatientDetails {
            allergies: if allergy.is_empty() { vec![] } else { vec![allergy.into()] },
            date_of_birth: chrono::NaiveDate::from_ymd_opt(1985, 6, 23),
            ..Default::default()
        });
        let u = hospital.register(r, past).await?;
        patients.push(hospital.actor(u.id).await?);
    }
    // A visit that happened: booked, confirmed, completed, prescribed, with a lab result, invoiced and paid.
    let house = &doctors[0];
    let slots = hospital.free_slots(house.id().as_doctor(), past, past + Duration::days(7), past).await?;
    if let Some(slot) = slots.first() {
        let booking = BookingInput {
            doctor_id: house.id().as_doctor(),
            patient_id: None,
            starts_at: slot.start,
            reason: "persistent cough".into(),
            notes: String::new(),
        };
        let a = hospital.book(&patients[0], booking, past).await?;
        hospital.confirm(house, a.id, past).await?;
        let during = slot.start + Duration::minutes(10);
        let medication = MedicationInput {
            name: "amoxicillin".into(),
            strength: "500 mg".into(),
            route: Route::Oral,
            frequency: "three times daily".into(),
            duration_days: 7,
            instructions: "after meals".into(),
        };
        let rx = PrescriptionInput {
            diagnosis: "Acute bronchitis".into(),
            medications: vec![medication],
            instructions: "Rest and fluids".into(),
            follow_up: None,
        };
        hospital.write_prescription(house, a.id, rx, during).await?;
        let report = DocumentInput {
            kind: DocumentKind::Lab,
            appointment_id: Some(a.id),
            file_name: "blood-count.txt".into(),
            content_type: "text/plain".into(),
            description: "Full blood count".into(),
            bytes: b"Full blood count: haemoglobin 14.1 g/dL, white cells 11.2 x10^9/L (raised), platelets 250 x10^9/L.\n".to_vec(),
        };
        hospital.attach_document(house, a.patient_id, report, during).await?;
        hospital.complete(house, a.id, during).await?;
        let inv = InvoiceInput { appointment_id: a.id, lines: None, tax_rate: Decimal::new(5, 0), discount: Decimal::ZERO, currency: None };
        let inv = hospital.issue_invoice(&desk, inv, during).await?;
        hospital.pay_invoice(&desk, inv.id, PaymentMethod::Card, None, during).await?;
    }
    // Upcoming visits: one confirmed, one pending.
    for (i, (doctor, patient)) in [(&doctors[0], &patients[1]), (&doctors[1], &patients[2])].into_iter().enumerate() {
        let slots = hospital.free_slots(doctor.id().as_doctor(), t0 + Duration::days(1), t0 + Duration::days(8), t0).await?;
        if let Some(slot) = slots.get(i * 3) {
            let booking = BookingInput {
                doctor_id: doctor.id().as_doctor(),
                patient_id: None,
                starts_at: slot.start,
                reason: "check-up".into(),
                notes: String::new(),
            };
            let a = hospital.book(patient, booking, t0).await?;
            if i == 0 {
                hospital.confirm(doctor, a.id, t0).await?;
            }
        }
    }
    Ok(logins)
}
