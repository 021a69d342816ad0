//! A patient and prescription with every kind of identity written into them, to prove none leaves.

use chrono::{NaiveDate, Utc};
use hms_core::{
    AnalysisSubject, AppointmentId, BloodGroup, DoctorId, Email, Medication, Patient, PatientClinical, PatientId, PersonName, Phone,
    Prescription, PrescriptionId, Route, Sex,
};

pub const NAME: &str = "Marguerite Okonkwo-Thistlewood";
pub const EMAIL: &str = "m.thistlewood@example.org";
pub const PHONE: &str = "+44 7700 900123";

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

pub fn subject() -> AnalysisSubject {
    let id = PatientId::new();
    let patient = Patient {
        id,
        full_name: PersonName::parse(NAME).unwrap(),
        email: Email::parse(EMAIL).unwrap(),
        phone: Some(Phone::parse(PHONE).unwrap()),
        active: true,
        date_of_birth: NaiveDate::from_ymd_opt(1957, 3, 14),
        sex: Sex::Female,
        address: "12 Larkspur Lane, Leeds".into(),
        emergency_contact: "Bartholomew Thistlewood 07700 900456".into(),
        clinical: Some(PatientClinical {
            blood_group: BloodGroup::APos,
            allergies: vec!["Penicillin (anaphylaxis)".into()],
            conditions: vec!["Asthma".into()],
            medical_history: "Lives alone at Larkspur Lane".into(),
            pregnancy_noted_on: None,
            egfr: None,
        }),
        updated_at: Utc::now(),
        version: 1,
    };
    let prescription = Prescription {
        id: PrescriptionId::new(),
        appointment_id: AppointmentId::new(),
        doctor_id: DoctorId::new(),
        patient_id: id,
        diagnosis: format!("Community-acquired pneumonia in {NAME} (patient {id}), born 14/03/1957, reachable at {EMAIL} or 07700 900123"),
        medications: vec![Medication {
            name: "Amoxicillin".into(),
            strength: "500 mg".into(),
            route: Route::Oral,
            frequency: "three times daily".into(),
            duration_days: 7,
            instructions: "Marguerite to take with water".into(),
        }],
        instructions: "Phone Bartholomew with the results".into(),
        follow_up: None,
        revision: 1,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    AnalysisSubject { prescription, patient }
}
