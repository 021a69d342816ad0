//! hms's records as FHIR resources: one function per resource, from the core's types alone.
//!
//! Nothing here decides who may see what: the records arrive already read (and checked) by the
//! core's workflows. The table of which hms field becomes which FHIR element is in
//! ARCHITECTURE.md ("FHIR").

use chrono::{DateTime, SecondsFormat, Utc};
use hms_core::appointment::{AppointmentStatus, Transition};
use hms_core::schedule::{Availability, Slot};
use hms_core::{Doctor, DoctorId, Patient, Sex};
use rust_decimal::prelude::ToPrimitive;

use super::model;

/// The system of hms's own ids: RFC 3986 URIs, an id written `urn:uuid:…`.
pub const ID_SYSTEM: &str = "urn:ietf:rfc:3986";
/// The system of a person's sign-in e-mail address.
pub const EMAIL_SYSTEM: &str = "urn:hms:email";
/// The system of a doctor's licence number.
pub const LICENSE_SYSTEM: &str = "urn:hms:license-number";
/// The extension holding a doctor's consultation fee (`valueMoney`).
pub const FEE_EXTENSION: &str = "urn:hms:fhir:StructureDefinition:consultation-fee";
/// The extension saying whether a doctor takes bookings (`valueBoolean`).
pub const ACCEPTING_EXTENSION: &str = "urn:hms:fhir:StructureDefinition:accepting-appointments";
/// The extension holding a doctor's years of experience (`valueInteger`).
pub const EXPERIENCE_EXTENSION: &str = "urn:hms:fhir:StructureDefinition:years-of-experience";

/// An instant as FHIR writes one: UTC, with a fraction of a second only when there is one.
pub fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn meta(version: u32, updated: DateTime<Utc>) -> model::Meta {
    model::Meta { version_id: Some(version.to_string()), last_updated: Some(instant(updated)) }
}

/// hms's id as an identifier.
pub fn id_identifier(id: impl std::fmt::Display) -> model::Identifier {
    model::Identifier { use_: Some("official"), system: ID_SYSTEM.into(), value: format!("urn:uuid:{id}") }
}

fn email_identifier(email: &str) -> model::Identifier {
    model::Identifier { use_: Some("secondary"), system: EMAIL_SYSTEM.into(), value: email.to_string() }
}

fn name(text: &str) -> model::HumanName {
    model::HumanName { use_: "official", text: text.to_string() }
}

/// The FHIR `gender` of hms's sex (the same four codes).
pub fn gender(sex: Sex) -> &'static str {
    match sex {
        Sex::Female => "female",
        Sex::Male => "male",
        Sex::Other => "other",
        Sex::Unknown => "unknown",
    }
}

/// A patient. Clinical details (allergies, conditions) are their own FHIR resources
/// (`AllergyIntolerance`, `Condition`), which this interface does not serve.
pub fn patient(p: &Patient) -> model::Patient {
    let mut telecom = Vec::new();
    if let Some(phone) = &p.phone {
        telecom.push(model::ContactPoint { system: "phone", value: phone.to_string(), use_: Some("mobile") });
    }
    telecom.push(model::ContactPoint { system: "email", value: p.email.to_string(), use_: Some("home") });
    let address = if p.address.trim().is_empty() { Vec::new() } else { vec![model::Address { text: p.address.clone() }] };
    let contact = if p.emergency_contact.trim().is_empty() {
        Vec::new()
    } else {
        vec![model::PatientContact {
            relationship: vec![model::CodeableConcept {
                coding: vec![model::Coding {
                    system: "http://terminology.hl7.org/CodeSystem/v2-0131".into(),
                    code: "C".into(),
                    display: Some("Emergency Contact".into()),
                }],
                text: None,
            }],
            name: model::HumanName { use_: "usual", text: p.emergency_contact.clone() },
        }]
    };
    model::Patient {
        id: p.id.to_string(),
        meta: meta(p.version, p.updated_at),
        identifier: vec![id_identifier(p.id), email_identifier(p.email.as_str())],
        active: p.active,
        name: vec![name(p.full_name.as_str())],
        telecom,
        gender: gender(p.sex),
        birth_date: p.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string()),
        address,
        contact,
    }
}

/// A doctor as a person.
pub fn practitioner(d: &Doctor) -> model::Practitioner {
    model::Practitioner {
        id: d.id.to_string(),
        meta: meta(d.version, d.updated_at),
        identifier: vec![
            id_identifier(d.id),
            model::Identifier { use_: Some("official"), system: LICENSE_SYSTEM.into(), value: d.license_number.to_string() },
            email_identifier(d.email.as_str()),
        ],
        active: d.active,
        name: vec![name(d.full_name.as_str())],
        telecom: vec![model::ContactPoint { system: "email", value: d.email.to_string(), use_: Some("work") }],
    }
}

/// A doctor's work at the hospital: the specialization, the fee, whether they take bookings.
pub fn practitioner_role(d: &Doctor) -> model::PractitionerRole {
    let fee =
        model::Money { value: d.consultation_fee.amount.to_f64().unwrap_or_default(), currency: d.consultation_fee.currency.to_string() };
    let extension = |url: &str| model::Extension { url: url.into(), value_money: None, value_boolean: None, value_integer: None };
    model::PractitionerRole {
        id: d.id.to_string(),
        meta: meta(d.version, d.updated_at),
        extension: vec![
            model::Extension { value_money: Some(fee), ..extension(FEE_EXTENSION) },
            model::Extension { value_boolean: Some(d.accepting_appointments), ..extension(ACCEPTING_EXTENSION) },
            model::Extension { value_integer: Some(i64::from(d.years_of_experience)), ..extension(EXPERIENCE_EXTENSION) },
        ],
        identifier: vec![id_identifier(d.id)],
        active: d.active,
        practitioner: model::Reference { display: Some(d.full_name.to_string()), ..model::Reference::to("Practitioner", d.id) },
        specialty: vec![model::CodeableConcept::text(d.specialization.clone())],
    }
}

/// The FHIR status of an appointment's status; several of hms's map to `cancelled`.
pub fn appointment_status(s: AppointmentStatus) -> &'static str {
    match s {
        AppointmentStatus::Pending => "proposed",
        AppointmentStatus::Confirmed => "booked",
        AppointmentStatus::Completed => "fulfilled",
        AppointmentStatus::Cancelled | AppointmentStatus::Rejected => "cancelled",
        AppointmentStatus::NoShow => "noshow",
    }
}

/// hms's statuses that a FHIR appointment status stands for (none for the codes hms never uses).
pub fn statuses_of(code: &str) -> Option<&'static [AppointmentStatus]> {
    Some(match code {
        "proposed" => &[AppointmentStatus::Pending],
        "booked" => &[AppointmentStatus::Confirmed],
        "fulfilled" => &[AppointmentStatus::Completed],
        "cancelled" => &[AppointmentStatus::Cancelled, AppointmentStatus::Rejected],
        "noshow" => &[AppointmentStatus::NoShow],
        "pending" | "arrived" | "checked-in" | "waitlist" | "entered-in-error" => &[],
        _ => return None,
    })
}

/// The system of the codes that name one of hms's lifecycle steps in an appointment's
/// `cancelationReason`, where FHIR's `cancelled` could be reached by two (`reject`, `cancel`).
pub const STEP_SYSTEM: &str = "urn:hms:appointment-step";

/// The lifecycle step that leads from `from` to the FHIR status `wanted`: the core's own
/// transitions, read backwards. Where two lead there (a pending appointment is `cancelled` both
/// by cancelling and by rejecting it), `named` picks one and cancelling is the default.
pub fn step_toward(from: AppointmentStatus, wanted: &str, named: Option<&str>) -> Option<Transition> {
    let leads = |t: &Transition| t.target(from).is_some_and(|to| appointment_status(to) == wanted);
    let mut steps: Vec<Transition> = Transition::ALL.iter().copied().filter(leads).collect();
    if let Some(name) = named {
        steps.retain(|t| t.as_str() == name);
    }
    steps.sort_by_key(|t| *t != Transition::Cancel);
    steps.first().copied()
}

/// An appointment.
pub fn appointment(a: &hms_core::appointment::Appointment) -> model::Appointment {
    let cancelation_reason = match a.status {
        AppointmentStatus::Rejected => Some(model::CodeableConcept::text(match &a.cancellation_reason {
            Some(r) => format!("rejected by the doctor: {r}"),
            None => "rejected by the doctor".to_string(),
        })),
        AppointmentStatus::Cancelled => {
            Some(model::CodeableConcept::text(a.cancellation_reason.clone().unwrap_or_else(|| "cancelled".into())))
        }
        _ => None,
    };
    let doctor_answer = match a.status {
        AppointmentStatus::Pending => "needs-action",
        AppointmentStatus::Rejected => "declined",
        _ => "accepted",
    };
    let status = appointment_status(a.status);
    model::Appointment {
        id: a.id.to_string(),
        meta: meta(a.version, a.updated_at),
        text: model::Narrative::line(&format!("{} appointment from {} to {}", a.status, instant(a.starts_at), instant(a.ends_at))),
        identifier: vec![id_identifier(a.id)],
        status,
        cancelation_reason,
        description: Some(a.reason.clone()).filter(|r| !r.is_empty()),
        start: instant(a.starts_at),
        end: instant(a.ends_at),
        minutes_duration: (a.ends_at - a.starts_at).num_minutes(),
        created: instant(a.created_at),
        comment: Some(a.notes.clone()).filter(|n| !n.is_empty()),
        participant: vec![
            model::Participant { actor: model::Reference::to("Patient", a.patient_id), required: "required", status: "accepted" },
            model::Participant { actor: model::Reference::to("Practitioner", a.doctor_id), required: "required", status: doctor_answer },
        ],
    }
}

/// A doctor's schedule: their weekly hours, in words, as a comment.
pub fn schedule(d: &Doctor, availability: Option<&Availability>) -> model::Schedule {
    let comment = availability.filter(|a| !a.rules.is_empty()).map(|a| {
        let hours: Vec<String> = a
            .rules
            .iter()
            .map(|r| format!("{} {}–{} in {}-minute slots", r.weekday, r.start.format("%H:%M"), r.end.format("%H:%M"), r.slot_minutes))
            .collect();
        format!("Weekly hours (the hospital's time zone): {}", hours.join("; "))
    });
    model::Schedule {
        id: d.id.to_string(),
        identifier: vec![id_identifier(d.id)],
        active: d.active && d.accepting_appointments,
        specialty: vec![model::CodeableConcept::text(d.specialization.clone())],
        actor: vec![
            model::Reference { display: Some(d.full_name.to_string()), ..model::Reference::to("Practitioner", d.id) },
            model::Reference::to("PractitionerRole", d.id),
        ],
        comment,
    }
}

/// The id of a free slot: the doctor and the start, which together name it.
pub fn slot_id(doctor: DoctorId, start: DateTime<Utc>) -> String {
    format!("{doctor}-{}", start.timestamp())
}

/// The doctor and the start a slot id names.
pub fn parse_slot_id(id: &str) -> Option<(DoctorId, DateTime<Utc>)> {
    let (doctor, seconds) = id.rsplit_once('-')?;
    Some((doctor.parse::<uuid::Uuid>().ok()?.into(), DateTime::from_timestamp(seconds.parse().ok()?, 0)?))
}

/// A free slot of a doctor.
pub fn slot(doctor: DoctorId, s: &Slot) -> model::Slot {
    model::Slot {
        id: slot_id(doctor, s.start),
        schedule: model::Reference::to("Schedule", doctor),
        status: "free",
        start: instant(s.start),
        end: instant(s.end),
    }
}
