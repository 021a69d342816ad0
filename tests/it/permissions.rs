//! The policy through the workflows: refusals, hidden records, and the audit of every refusal.

use chrono::Duration;
use hms::{
    AuditAction, AuditFilter, ErrorKind, Hospital, InvoiceInput, PageRequest, PatientFilter, PatientUpdate, PaymentMethod,
    PrescriptionFilter, ProfileUpdate, Registration, Role,
};
use rust_decimal::Decimal;

use crate::common::*;

on_both!(
    refusals_are_typed_hidden_and_audited,
    nobody_raises_their_own_role,
    front_desk_sees_demographics_only,
    bulk_export_is_for_admins_and_walks_every_record_once
);

/// An export is an admin's; its batches, walked by id, hold every record exactly once.
async fn bulk_export_is_for_admins_and_walks_every_record_once(h: Hospital) {
    let admin = admin(&h).await;
    let (_, dr) = doctor(&h, 1).await;
    let mut patients = Vec::new();
    for n in 0..7 {
        patients.push(patient(&h, n).await.1);
    }
    let slots = open_mornings(&h, &dr).await;
    for (p, slot) in patients.iter().zip(&slots) {
        h.book(p, booking(&dr, None, slot), now()).await.unwrap();
    }
    for refused in [&dr, &patients[0]] {
        let e = h.begin_export(refused, "everything", now()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Forbidden);
        let e = h.export_batch(refused, hms::ExportKind::Appointment, None, None, 10, now()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Forbidden);
    }
    h.begin_export(&admin, "everything", now()).await.unwrap();
    let exports =
        h.audit_log(&admin, AuditFilter { action: Some(AuditAction::Export), ..Default::default() }, PageRequest::default(), now());
    assert_eq!(exports.await.unwrap().total, 1, "the export is audited");
    for (kind, expected) in [(hms::ExportKind::Appointment, 7), (hms::ExportKind::Patient, 7), (hms::ExportKind::Doctor, 1)] {
        let (mut after, mut seen) = (None, Vec::new());
        loop {
            let batch = h.export_batch(&admin, kind, after, None, 3, now()).await.unwrap();
            assert!(batch.len() <= 3);
            if batch.is_empty() {
                break;
            }
            after = batch.last_id();
            seen.push(batch.len());
        }
        assert_eq!(seen.iter().sum::<usize>(), expected, "{kind}: {seen:?}");
    }
    // Only what changed since an instant.
    let later = h.export_batch(&admin, hms::ExportKind::Appointment, None, Some(now() + Duration::days(1)), 10, now()).await.unwrap();
    assert!(later.is_empty());
    let e = h.export_batch(&admin, hms::ExportKind::Appointment, None, None, 0, now()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
}

async fn refusals(h: &Hospital, admin: &hms::Actor) -> u64 {
    h.audit_log(admin, AuditFilter { action: Some(AuditAction::Refused), ..Default::default() }, PageRequest::default(), now())
        .await
        .unwrap()
        .total
}

async fn refusals_are_typed_hidden_and_audited(h: Hospital) {
    let admin = admin(&h).await;
    let desk = staff(&h, &admin, Role::Receptionist, 1).await;
    let (_, dr1) = doctor(&h, 1).await;
    let (_, dr2) = doctor(&h, 2).await;
    let (p1u, p1) = patient(&h, 1).await;
    let (p2u, p2) = patient(&h, 2).await;
    let slots = open_mornings(&h, &dr1).await;
    let a1 = h.book(&p1, booking(&dr1, None, &slots[0]), now()).await.unwrap();
    let audited = std::cell::Cell::new(refusals(&h, &admin).await);
    let expect_refusal = async |kind: ErrorKind, result: hms::Result<()>| {
        assert_eq!(result.unwrap_err().kind(), kind);
        let now_audited = refusals(&h, &admin).await;
        assert_eq!(now_audited, audited.get() + 1, "the refusal is in the audit log");
        audited.set(now_audited);
    };

    // A patient cannot read another patient's record, and cannot tell whether it exists.
    expect_refusal(ErrorKind::NotFound, h.patient(&p1, p2u.id.as_patient(), now()).await.map(drop)).await;
    let missing = h.patient(&p1, hms::PatientId::new(), now()).await.unwrap_err();
    let another = h.patient(&p1, p2u.id.as_patient(), now()).await.unwrap_err();
    assert_eq!((missing.kind(), missing.to_string()), (another.kind(), another.to_string()), "the same answer either way");
    audited.set(audited.get() + 2);
    // … nor book for them, nor cancel their appointment.
    expect_refusal(ErrorKind::NotFound, h.book(&p1, booking(&dr1, Some(&p2), &slots[1]), now()).await.map(drop)).await;
    expect_refusal(ErrorKind::NotFound, h.cancel(&p2, a1.id, None, now()).await.map(drop)).await;
    // A patient cannot confirm or complete, even their own appointment.
    expect_refusal(ErrorKind::Forbidden, h.confirm(&p1, a1.id, now()).await.map(drop)).await;
    expect_refusal(ErrorKind::Forbidden, h.complete(&p1, a1.id, now() + Duration::hours(2)).await.map(drop)).await;
    // Another doctor cannot confirm, nor read the patient, nor write the prescription.
    expect_refusal(ErrorKind::NotFound, h.confirm(&dr2, a1.id, now()).await.map(drop)).await;
    expect_refusal(ErrorKind::NotFound, h.patient(&dr2, p1u.id.as_patient(), now()).await.map(drop)).await;
    h.confirm(&dr1, a1.id, now()).await.unwrap();
    let rx_input = hms::PrescriptionInput {
        diagnosis: "Sinusitis".into(),
        medications: vec![hms::MedicationInput {
            name: "amoxicillin".into(),
            strength: "500 mg".into(),
            route: hms::Route::Oral,
            frequency: "three times daily".into(),
            duration_days: 5,
            instructions: String::new(),
        }],
        instructions: String::new(),
        follow_up: None,
    };
    expect_refusal(ErrorKind::NotFound, h.write_prescription(&dr2, a1.id, rx_input.clone(), now()).await.map(drop)).await;
    expect_refusal(ErrorKind::Forbidden, h.write_prescription(&admin, a1.id, rx_input.clone(), now()).await.map(drop)).await;
    let rx = h.write_prescription(&dr1, a1.id, rx_input, now()).await.unwrap();
    // A patient cannot read another patient's prescription, nor list them.
    expect_refusal(ErrorKind::NotFound, h.prescription(&p2, rx.id, now()).await.map(drop)).await;
    expect_refusal(
        ErrorKind::NotFound,
        h.list_prescriptions(
            &p2,
            PrescriptionFilter { patient_id: Some(p1u.id.as_patient()), ..Default::default() },
            PageRequest::default(),
            now(),
        )
        .await
        .map(drop),
    )
    .await;
    assert_eq!(h.list_prescriptions(&p2, PrescriptionFilter::default(), PageRequest::default(), now()).await.unwrap().total, 0);
    assert_eq!(h.list_prescriptions(&p1, PrescriptionFilter::default(), PageRequest::default(), now()).await.unwrap().total, 1);
    // Nobody but the front desk and admins touches money; a patient never marks their own invoice paid.
    let inv = h
        .issue_invoice(
            &desk,
            InvoiceInput { appointment_id: a1.id, lines: None, tax_rate: Decimal::ZERO, discount: Decimal::ZERO, currency: None },
            now(),
        )
        .await
        .unwrap();
    expect_refusal(ErrorKind::Forbidden, h.pay_invoice(&p1, inv.id, PaymentMethod::Cash, None, now()).await.map(drop)).await;
    expect_refusal(ErrorKind::Forbidden, h.invoice(&dr1, inv.id, now()).await.map(drop)).await;
    expect_refusal(ErrorKind::NotFound, h.invoice(&p2, inv.id, now()).await.map(drop)).await;
    // Admin areas.
    expect_refusal(ErrorKind::Forbidden, h.dashboard(&dr1, now()).await.map(drop)).await;
    expect_refusal(ErrorKind::Forbidden, h.audit_log(&desk, AuditFilter::default(), PageRequest::default(), now()).await.map(drop)).await;
    // A refusal leaves the record as it was.
    assert_eq!(h.appointment(&admin, a1.id, now()).await.unwrap().status, hms::AppointmentStatus::Confirmed);
    assert_eq!(h.invoice(&admin, inv.id, now()).await.unwrap().status, hms::InvoiceStatus::Pending);
    // The audit says who was refused what, about which patient.
    let log = h
        .audit_log(
            &admin,
            AuditFilter { actor_id: Some(p2.id()), action: Some(AuditAction::Refused), ..Default::default() },
            PageRequest::default(),
            now(),
        )
        .await
        .unwrap();
    assert!(log.items.iter().any(|e| e.operation == "prescription.read" && e.patient_id == Some(p1u.id.as_patient())));
}

async fn nobody_raises_their_own_role(h: Hospital) {
    let admin = admin(&h).await;
    let (pu, pt) = patient(&h, 1).await;
    // Public registration never makes an admin, a nurse or a receptionist.
    for role in [Role::Admin, Role::Nurse, Role::Receptionist] {
        let r = Registration {
            email: format!("{role}@evil.example.org"),
            password: "a sound test passphrase".into(),
            full_name: "Mallory".into(),
            role: Some(role),
            ..Default::default()
        };
        let e = h.register(r, now()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid);
        assert_eq!(e.field_errors()[0].field, "role");
    }
    // A profile edit has no role to change; the role stays.
    let u = h
        .update_profile(
            &pt,
            ProfileUpdate { full_name: Some("Patient Renamed".into()), phone: Some(Some("+44 20 7946 0958".into())) },
            None,
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (u.role, u.full_name.as_str(), u.phone.as_ref().map(|p| p.as_str())),
        (Role::Patient, "Patient Renamed", Some("+442079460958"))
    );
    // Staff creation is for admins only, and only for staff roles.
    assert_eq!(
        h.create_staff(&pt, Registration { role: Some(Role::Admin), ..Default::default() }, now()).await.unwrap_err().kind(),
        ErrorKind::Forbidden
    );
    let e = h.create_staff(&admin, Registration { role: Some(Role::Patient), ..Default::default() }, now()).await.unwrap_err();
    assert_eq!(e.field_errors()[0].field, "role");
    // An admin cannot lock themself out, and a deactivated account cannot act or sign in.
    assert_eq!(h.set_user_active(&admin, admin.id(), false, None, now()).await.unwrap_err().kind(), ErrorKind::Invalid);
    h.set_user_active(&admin, pu.id, false, None, now()).await.unwrap();
    assert_eq!(h.actor(pu.id).await.unwrap_err().kind(), ErrorKind::Unauthenticated);
    assert_eq!(h.login("patient1@example.org", "a sound test passphrase", now()).await.unwrap_err().kind(), ErrorKind::Unauthenticated);
    // Bad registrations name every bad field at once and create nothing.
    let e = h
        .register(
            Registration {
                email: "not-an-email".into(),
                password: "1".into(),
                full_name: "".into(),
                role: Some(Role::Doctor),
                ..Default::default()
            },
            now(),
        )
        .await
        .unwrap_err();
    let fields: Vec<_> = e.field_errors().into_iter().map(|f| f.field).collect();
    assert_eq!(fields, vec!["email", "password", "full_name", "doctor"]);
    let dup = h
        .register(
            Registration {
                email: "PATIENT1@example.org".into(),
                password: "another sound passphrase".into(),
                full_name: "Copy Cat".into(),
                role: Some(Role::Patient),
                ..Default::default()
            },
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::Conflict, "e-mail addresses are unique whatever their case");
}

async fn front_desk_sees_demographics_only(h: Hospital) {
    let admin = admin(&h).await;
    let desk = staff(&h, &admin, Role::Receptionist, 1).await;
    let nurse = staff(&h, &admin, Role::Nurse, 1).await;
    let (pu, pt) = patient(&h, 1).await;
    let (_, dr) = doctor(&h, 1).await;
    let id = pu.id.as_patient();
    assert!(h.patient(&desk, id, now()).await.unwrap().clinical.is_none());
    assert_eq!(h.patient(&nurse, id, now()).await.unwrap().clinical.unwrap().allergies, vec!["penicillin"]);
    assert!(h.patient(&pt, id, now()).await.unwrap().clinical.is_some());
    let listed = h.list_patients(&desk, PatientFilter::default(), PageRequest::default(), now()).await.unwrap();
    assert!(listed.items.iter().all(|p| p.clinical.is_none()));
    // A doctor sees only their own patients.
    assert_eq!(h.list_patients(&dr, PatientFilter::default(), PageRequest::default(), now()).await.unwrap().total, 0);
    let slots = open_mornings(&h, &dr).await;
    h.book(&desk, booking(&dr, Some(&pt), &slots[0]), now()).await.expect("the front desk books for a patient");
    assert_eq!(h.list_patients(&dr, PatientFilter::default(), PageRequest::default(), now()).await.unwrap().total, 1);
    assert!(h.patient(&dr, id, now()).await.unwrap().clinical.is_some());
    // The front desk edits demographics, never clinical details.
    let p = h
        .update_patient(&desk, id, PatientUpdate { address: Some("1 High Street".into()), ..Default::default() }, None, now())
        .await
        .unwrap();
    assert_eq!(p.address, "1 High Street");
    let e = h.update_patient(&desk, id, PatientUpdate { allergies: Some(vec![]), ..Default::default() }, None, now()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden);
    assert_eq!(h.patient(&admin, id, now()).await.unwrap().clinical.unwrap().allergies, vec!["penicillin"], "nothing changed");
    // The patient edits their own record; bad values name their field.
    let e =
        h.update_patient(&pt, id, PatientUpdate { blood_group: Some("Z+".into()), ..Default::default() }, None, now()).await.unwrap_err();
    assert_eq!(e.field_errors()[0].field, "blood_group");
    let p = h
        .update_patient(&pt, id, PatientUpdate { allergies: Some(vec!["latex".into()]), ..Default::default() }, None, now())
        .await
        .unwrap();
    assert_eq!(p.clinical.unwrap().allergies, vec!["latex"]);
    // Doctors never edit patient profiles.
    assert_eq!(h.update_patient(&dr, id, PatientUpdate::default(), None, now()).await.unwrap_err().kind(), ErrorKind::Forbidden);
}
