//! End to end through the core: a hospital on in-memory SQLite with the analyzer, answering an
//! unchanged prescription from the stored analysis, a fresh one when asked, a new one after an
//! edit, and auditing every request.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use hms_ai::Analyzer;
use hms_core::{
    AnalysisOutcome, AuditAction, AuditFilter, AvailabilityRule, BookingInput, DoctorDetails, HospitalConfig, MedicationInput, PageRequest,
    PasswordCost, PatientDetails, PrescriptionInput, Registration, Role, Route, Sex,
};

use crate::stub::{Reply, Stub, valid_answer};

fn now() -> DateTime<Utc> {
    "2030-01-07T08:00:00Z".parse().unwrap()
}

fn registration(email: &str, name: &str, role: Role) -> Registration {
    Registration {
        email: email.into(),
        password: "a sound test passphrase".into(),
        full_name: name.into(),
        role: Some(role),
        ..Default::default()
    }
}

fn input(strength: &str) -> PrescriptionInput {
    PrescriptionInput {
        diagnosis: "Community-acquired pneumonia".into(),
        medications: vec![MedicationInput {
            name: "Amoxicillin".into(),
            strength: strength.into(),
            route: Route::Oral,
            frequency: "three times daily".into(),
            duration_days: 5,
            instructions: "with water".into(),
        }],
        instructions: "Rest and fluids".into(),
        follow_up: None,
    }
}

/// A hospital with the analyzer, an admin, a doctor, a patient born in 1957 (allergic to
/// penicillin, with asthma) and a confirmed appointment between them; and a time during it.
async fn setup(
    analyzer: Analyzer,
) -> (hms_core::Hospital, hms_core::Actor, hms_core::Actor, hms_core::Actor, hms_core::Appointment, DateTime<Utc>) {
    let config = HospitalConfig { password_cost: PasswordCost::fast_for_tests(), ..Default::default() };
    let h = hms_store::open("sqlite::memory:", config).await.unwrap().with_analyzer(Arc::new(analyzer));
    let admin = h.bootstrap_admin(registration("admin@example.org", "Ada Admin", Role::Admin), now()).await.unwrap();
    let admin = h.actor(admin.id).await.unwrap();
    let mut r = registration("doctor@example.org", "Doctor Who", Role::Doctor);
    r.doctor = Some(DoctorDetails {
        specialization: "General medicine".into(),
        license_number: "LIC-00001".into(),
        years_of_experience: 10,
        consultation_fee: 100.into(),
        currency: None,
        bio: String::new(),
    });
    let dr = h.actor(h.register(r, now()).await.unwrap().id).await.unwrap();
    let mut r = registration("patient@example.org", "Marguerite Okonkwo", Role::Patient);
    r.patient = Some(PatientDetails {
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1957, 3, 14),
        sex: Some(Sex::Female),
        allergies: vec!["penicillin".into()],
        conditions: vec!["asthma".into()],
        ..Default::default()
    });
    let pt = h.actor(h.register(r, now()).await.unwrap().id).await.unwrap();

    let doctor_id = dr.id().as_doctor();
    let rules = vec![AvailabilityRule {
        weekday: Weekday::Mon,
        start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        slot_minutes: 30,
        valid_from: None,
        valid_until: None,
    }];
    h.set_availability(&dr, doctor_id, rules, now()).await.unwrap();
    let slot = h.free_slots(doctor_id, now(), now() + Duration::days(1), now()).await.unwrap()[0];
    let booking = BookingInput { doctor_id, patient_id: None, starts_at: slot.start, reason: "cough".into(), notes: String::new() };
    let appt = h.book(&pt, booking, now()).await.unwrap();
    let appt = h.confirm(&dr, appt.id, now()).await.unwrap();
    let during = appt.starts_at + Duration::minutes(5);
    (h, admin, dr, pt, appt, during)
}

#[tokio::test]
async fn analyses_are_stored_reused_refreshed_and_audited() {
    let stub = Stub::start(vec![Reply::answer(&valid_answer("Amoxicillin"))]).await;
    let (h, admin, dr, pt, appt, during) = setup(Analyzer::new(Some(stub.config())).unwrap()).await;
    let rx = h.write_prescription(&dr, appt.id, input("500 mg"), during).await.unwrap();

    // The first request is analysed, stored and audited.
    let first = h.analyze_prescription(&dr, rx.id, false, during).await.unwrap();
    assert_eq!(first.outcome, AnalysisOutcome::Complete);
    assert_eq!(first.prescription_revision, 1);
    assert_eq!(first.requested_by, dr.id());
    assert_eq!(first.model.as_deref(), Some("stub-model"));
    assert_eq!(first.disclaimer, hms_core::prescription::ANALYSIS_DISCLAIMER);
    assert!(first.checks.iter().any(|f| f.category == hms_core::FindingCategory::Allergy));
    assert_eq!(stub.count(), 1);

    // Unchanged: answered from the stored analysis, without asking the model.
    let again = h.analyze_prescription(&dr, rx.id, false, during + Duration::minutes(1)).await.unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(stub.count(), 1);

    // Fresh when asked.
    let fresh = h.analyze_prescription(&dr, rx.id, true, during + Duration::minutes(2)).await.unwrap();
    assert_ne!(fresh.id, first.id);
    assert_eq!(stub.count(), 2);
    assert_eq!(fresh.payload_sha256, first.payload_sha256, "the same prescription gives the same payload");

    // New after an edit.
    h.edit_prescription(&dr, rx.id, input("250 mg"), None, during + Duration::minutes(3)).await.unwrap();
    let edited = h.analyze_prescription(&dr, rx.id, false, during + Duration::minutes(4)).await.unwrap();
    assert_eq!(edited.prescription_revision, 2);
    assert_ne!(edited.id, fresh.id);
    assert_ne!(edited.payload_sha256, first.payload_sha256);
    assert_eq!(stub.count(), 3);
    assert_eq!(h.latest_analysis(&dr, rx.id, during + Duration::minutes(5)).await.unwrap().map(|a| a.id), Some(edited.id));

    // Every request is an `ai_request` audit event: the three analyses name the model and the
    // hash, and the one answered from the stored analysis says so.
    let filter = AuditFilter { action: Some(AuditAction::AiRequest), ..Default::default() };
    let events = h.audit_log(&admin, filter, PageRequest::default(), during + Duration::minutes(6)).await.unwrap();
    assert_eq!(events.total, 4);
    for e in &events.items {
        assert_eq!(e.actor_id, Some(dr.id()));
    }
    let analysed = events.items.iter().filter(|e| e.detail.contains("model=stub-model") && e.detail.contains("sha256=")).count();
    assert_eq!(analysed, 3);
    assert_eq!(events.items.iter().filter(|e| e.detail.contains("stored analysis")).count(), 1);
    assert!(events.items.iter().any(|e| e.detail.contains(first.payload_sha256.as_deref().unwrap())));

    // The patient may not ask for an analysis.
    assert!(h.analyze_prescription(&pt, rx.id, false, during).await.is_err());

    // The patient's allergies change and the prescription's revision does not: the stored
    // analysis read other allergies, so it is not reused.
    assert_eq!(edited.content_sha256, Some(h.analysis_subject(&dr, rx.id, during).await.unwrap().content_sha256()));
    let update = hms_core::PatientUpdate { allergies: Some(vec!["penicillin".into(), "sulfonamides".into()]), ..Default::default() };
    h.update_patient(&admin, pt.id().as_patient(), update, None, during + Duration::minutes(7)).await.unwrap();
    let after = h.analyze_prescription(&dr, rx.id, false, during + Duration::minutes(8)).await.unwrap();
    assert_eq!(after.prescription_revision, 2);
    assert_ne!(after.id, edited.id, "an analysis of other content is not reused");
    assert_ne!(after.content_sha256, edited.content_sha256);
    assert_eq!(stub.count(), 4);
}

#[tokio::test]
async fn the_kidney_function_on_the_record_reaches_the_checks() {
    let (h, admin, dr, pt, appt, during) = setup(Analyzer::new(None).unwrap()).await;
    let mut metformin = input("500 mg");
    metformin.medications[0].name = "Glycomet 500".into();
    metformin.medications[0].frequency = "twice daily".into();
    let rx = h.write_prescription(&dr, appt.id, metformin, during).await.unwrap();
    let kidney = |a: &hms_core::PrescriptionAnalysis| {
        a.checks.iter().filter(|f| f.rationale.contains("eGFR")).map(|f| (f.category, f.severity)).collect::<Vec<_>>()
    };
    let before = h.analyze_prescription(&dr, rx.id, false, during).await.unwrap();
    assert!(kidney(&before).iter().all(|(c, _)| *c == hms_core::FindingCategory::MissingInformation), "{:?}", before.checks);
    let egfr = hms_core::Egfr { value: 25, measured_on: during.date_naive() - Duration::days(2) };
    let update = hms_core::PatientUpdate { egfr: Some(Some(egfr)), ..Default::default() };
    h.update_patient(&admin, pt.id().as_patient(), update, None, during).await.unwrap();
    let after = h.analyze_prescription(&dr, rx.id, false, during + Duration::minutes(1)).await.unwrap();
    assert_ne!(after.id, before.id, "a new eGFR is new content to analyse");
    assert!(
        kidney(&after).contains(&(hms_core::FindingCategory::Contraindication, hms_core::Severity::Critical)),
        "metformin below an eGFR of 30: {:?}",
        after.checks
    );
}
