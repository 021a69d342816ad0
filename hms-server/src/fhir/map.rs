//! hms's records as FHIR resources: one function per resource, from the core's types alone.
//!
//! Nothing here decides who may see what: the records arrive already read (and checked) by the
//! core's workflows. The table of which hms field becomes which FHIR element is in
//! ARCHITECTURE.md ("FHIR").

use chrono::{DateTime, SecondsFormat, Utc};
use hms_ai::parse::{parse_frequency, parse_strength};
use hms_core::appointment::{AppointmentStatus, Transition};
use hms_core::schedule::{Availability, Slot};
use hms_core::{
    AuditAction, AuditEvent, AuditOutcome, Currency, Doctor, DoctorId, Document, EntityKind, Invoice, InvoiceStatus, Medication,
    MedicationOrder, Patient, PrescriptionId, Role, Route, Sex,
};
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

/// An instant as FHIR writes one: UTC, to the microsecond hms keeps, with a fraction of a second
/// only when there is one.
pub fn instant(t: DateTime<Utc>) -> String {
    chrono::SubsecRound::trunc_subsecs(t, 6).to_rfc3339_opts(SecondsFormat::AutoSi, true)
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
    let start = DateTime::from_timestamp(seconds.parse().ok()?, 0).filter(|t| super::search::plausible(*t))?;
    Some((doctor.parse::<uuid::Uuid>().ok()?.into(), start))
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

/// A medication order's id: the prescription's and the medication's place in it, from 1.
pub fn medication_request_id(order: &MedicationOrder) -> String {
    format!("{}-{}", order.prescription.id, order.index + 1)
}

/// The prescription and the medication's index (from 0) a `MedicationRequest` id names.
pub fn parse_medication_request_id(id: &str) -> Option<(PrescriptionId, usize)> {
    let (prescription, n) = id.rsplit_once('-')?;
    let n: usize = n.parse().ok().filter(|n| *n >= 1)?;
    Some((prescription.parse::<uuid::Uuid>().ok()?.into(), n - 1))
}

/// SNOMED CT's route of administration for hms's routes (none for "other").
fn route(r: Route) -> model::CodeableConcept {
    let snomed = match r {
        Route::Oral => Some(("26643006", "Oral route")),
        Route::Iv => Some(("47625008", "Intravenous route")),
        Route::Im => Some(("78421000", "Intramuscular route")),
        Route::Sc => Some(("34206005", "Subcutaneous route")),
        Route::Topical => Some(("6064005", "Topical route")),
        Route::Inhaled => Some(("447694001", "Respiratory tract route")),
        Route::Other => None,
    };
    model::CodeableConcept {
        coding: snomed
            .map(|(code, display)| model::Coding {
                system: "http://snomed.info/sct".into(),
                code: code.into(),
                display: Some(display.into()),
            })
            .into_iter()
            .collect(),
        text: Some(r.as_str().to_string()),
    }
}

/// When a medication is taken: the frequency as written, and as a repeat where it reads as one.
fn timing(m: &Medication) -> (model::Timing, Option<bool>) {
    let mut repeat = model::Repeat {
        bounds_duration: (m.duration_days > 0).then(|| model::Quantity::ucum(f64::from(m.duration_days), "days", "d")),
        ..Default::default()
    };
    // hms-ai's reader gives the most a frequency allows (what the safety checks need): a range or
    // a maximum ("every 4-6 hours", "up to 4 times a day") is left in words, never stated as fixed.
    let lower = m.frequency.to_lowercase();
    let ranged = ["-", " to ", "max", "up to", "not more", "no more", "at most", "exceed"].iter().any(|w| lower.contains(w));
    let parsed = parse_frequency(&m.frequency).ok();
    let as_needed = parsed.as_ref().and_then(|f| f.as_needed.then_some(true));
    if let Some(f) = parsed.filter(|f| !ranged && !f.as_needed) {
        let per_day = f.per_day;
        if per_day >= 1.0 && per_day.fract() == 0.0 {
            (repeat.frequency, repeat.period, repeat.period_unit) = (Some(per_day as u32), Some(1.0), Some("d"));
        } else if per_day > 0.0 && per_day < 1.0 {
            (repeat.frequency, repeat.period, repeat.period_unit) = (Some(1), Some((1.0 / per_day).round()), Some("d"));
        } else if per_day > 0.0 {
            (repeat.frequency, repeat.period, repeat.period_unit) = (Some(1), Some((24.0 / per_day * 100.0).round() / 100.0), Some("h"));
        }
    }
    (model::Timing { repeat, code: model::CodeableConcept::text(m.frequency.clone()) }, as_needed)
}

/// One medication of a prescription. The dose is given as a quantity where the strength reads as
/// one amount of a mass, the timing as a repeat where the frequency reads as one (hms-ai's
/// readers, which the safety checks use); the words are always there.
pub fn medication_request(order: &MedicationOrder) -> model::MedicationRequest {
    let p = &order.prescription;
    let m = order.medication();
    let (timing, as_needed) = timing(m);
    // One amount of a mass, as written ("500 mg", "1 g"); a count, a range or a combination
    // ("1-2 tablets of 500 mg", "5/325 mg") stays in words.
    let plain = m.strength.trim().chars().all(|c| c.is_ascii_digit() || c == '.' || c == ' ' || c.is_alphabetic() || c == 'µ')
        && m.strength.split_whitespace().count() <= 2
        && m.strength.chars().filter(|c| c.is_ascii_digit()).count() > 0;
    let dose = match parse_strength(&m.strength) {
        Ok(s) if plain && s.mg.len() == 1 => vec![model::DoseAndRate { dose_quantity: model::Quantity::ucum(s.mg[0], "mg", "mg") }],
        _ => Vec::new(),
    };
    let mut text = format!("{} {}, {}, {}", m.name, m.strength, m.route.as_str(), m.frequency);
    if m.duration_days > 0 {
        text.push_str(&format!(", for {} days", m.duration_days));
    }
    let id = medication_request_id(order);
    model::MedicationRequest {
        identifier: vec![model::Identifier { use_: Some("official"), system: MEDICATION_ORDER_SYSTEM.into(), value: id.clone() }],
        id,
        meta: meta(p.revision, p.updated_at),
        status: "active",
        intent: "order",
        medication_codeable_concept: model::CodeableConcept::text(m.name.clone()),
        subject: model::Reference::to("Patient", p.patient_id),
        supporting_information: vec![model::Reference::to("Appointment", p.appointment_id)],
        authored_on: instant(p.created_at),
        requester: model::Reference::to("Practitioner", p.doctor_id),
        reason_code: Some(p.diagnosis.clone()).filter(|d| !d.trim().is_empty()).map(model::CodeableConcept::text).into_iter().collect(),
        group_identifier: id_identifier(p.id),
        note: Some(p.instructions.clone()).filter(|i| !i.trim().is_empty()).map(|text| model::Annotation { text }).into_iter().collect(),
        dosage_instruction: vec![model::Dosage {
            text,
            patient_instruction: Some(m.instructions.clone()).filter(|i| !i.trim().is_empty()),
            timing,
            as_needed_boolean: as_needed,
            route: route(m.route),
            dose_and_rate: dose,
        }],
        dispense_request: model::DispenseRequest {
            expected_supply_duration: model::Quantity::ucum(f64::from(m.duration_days), "days", "d"),
        },
    }
}

/// The system of a medication order's id (`<prescription>-<n>`).
pub const MEDICATION_ORDER_SYSTEM: &str = "urn:hms:medication-order";
/// The system of a document's SHA-256 (hex).
pub const SHA256_SYSTEM: &str = "urn:hms:sha256";
/// The system of an invoice's number.
pub const INVOICE_NUMBER_SYSTEM: &str = "urn:hms:invoice-number";

/// A document of a patient's record; its bytes are the `Binary` of the same id.
pub fn document_reference(d: &Document, base: &str) -> model::DocumentReference {
    model::DocumentReference {
        id: d.id.to_string(),
        meta: model::Meta { version_id: Some("1".into()), last_updated: Some(instant(d.created_at)) },
        identifier: vec![
            id_identifier(d.id),
            model::Identifier { use_: Some("secondary"), system: SHA256_SYSTEM.into(), value: d.sha256.clone() },
        ],
        status: "current",
        kind: model::CodeableConcept::text(d.kind.as_str()),
        subject: model::Reference::to("Patient", d.patient_id),
        date: instant(d.created_at),
        description: Some(d.description.clone()).filter(|t| !t.trim().is_empty()),
        content: vec![model::Content {
            attachment: model::Attachment {
                content_type: d.content_type.clone(),
                url: format!("{base}/Binary/{}", d.id),
                size: d.size_bytes,
                title: d.file_name.clone(),
                creation: instant(d.created_at),
            },
        }],
        context: d.appointment_id.map(|a| model::DocumentContext { related: vec![model::Reference::to("Appointment", a)] }),
    }
}

fn money(amount: rust_decimal::Decimal, currency: Currency) -> model::Money {
    model::Money { value: amount.to_f64().unwrap_or_default(), currency: currency.to_string() }
}

/// The FHIR status of an invoice's status.
pub fn invoice_status(s: InvoiceStatus) -> &'static str {
    match s {
        InvoiceStatus::Pending => "issued",
        InvoiceStatus::Paid => "balanced",
        InvoiceStatus::Cancelled => "cancelled",
    }
}

/// An invoice.
pub fn invoice(i: &Invoice) -> model::Invoice {
    let line_item = i
        .lines
        .iter()
        .enumerate()
        .map(|(n, l)| model::LineItem {
            sequence: n as u32 + 1,
            charge_item_codeable_concept: model::CodeableConcept::text(l.description.clone()),
            price_component: vec![model::PriceComponent {
                kind: "base",
                factor: Some(f64::from(l.quantity)),
                amount: money(l.unit_price, i.currency),
            }],
        })
        .collect();
    let mut totals = Vec::new();
    if !i.discount.is_zero() {
        totals.push(model::PriceComponent { kind: "discount", factor: None, amount: money(i.discount, i.currency) });
    }
    if !i.tax.is_zero() {
        // hms keeps the rate in percent; FHIR's factor multiplies.
        let factor = (i.tax_rate / rust_decimal::Decimal::ONE_HUNDRED).to_f64();
        totals.push(model::PriceComponent { kind: "tax", factor, amount: money(i.tax, i.currency) });
    }
    let mut note = Vec::new();
    if let (Some(at), Some(method)) = (i.paid_at, i.payment_method) {
        note.push(model::Annotation { text: format!("paid by {} at {}", method.as_str(), instant(at)) });
    }
    if let Some(at) = i.cancelled_at {
        note.push(model::Annotation { text: format!("cancelled at {}", instant(at)) });
    }
    model::Invoice {
        id: i.id.to_string(),
        meta: meta(i.version, i.updated_at),
        identifier: vec![
            id_identifier(i.id),
            model::Identifier { use_: Some("usual"), system: INVOICE_NUMBER_SYSTEM.into(), value: i.number.clone() },
        ],
        status: invoice_status(i.status),
        subject: model::Reference::to("Patient", i.patient_id),
        date: instant(i.created_at),
        line_item,
        total_price_component: totals,
        total_net: money(i.subtotal, i.currency),
        total_gross: money(i.total, i.currency),
        note,
    }
}

/// The FHIR resource type hms serves a record of this kind as, if any.
fn served_as(kind: EntityKind) -> Option<&'static str> {
    Some(match kind {
        EntityKind::Doctor => "Practitioner",
        EntityKind::Patient => "Patient",
        EntityKind::Appointment => "Appointment",
        EntityKind::Document => "DocumentReference",
        EntityKind::Invoice => "Invoice",
        EntityKind::Audit => "AuditEvent",
        _ => return None,
    })
}

/// An audit event.
pub fn audit_event(e: &AuditEvent) -> model::AuditEvent {
    let action = match e.action {
        AuditAction::Create => "C",
        AuditAction::Read | AuditAction::Export => "R",
        AuditAction::Update => "U",
        AuditAction::Delete => "D",
        AuditAction::Login | AuditAction::FailedLogin | AuditAction::AiRequest | AuditAction::Refused => "E",
    };
    let outcome = match e.outcome {
        AuditOutcome::Success => "0",
        AuditOutcome::Refused => "4",
        AuditOutcome::Failure => "8",
    };
    let agent = match e.actor_id {
        Some(id) => {
            let reference = match e.actor_role {
                Some(Role::Doctor) => Some(format!("Practitioner/{id}")),
                Some(Role::Patient) => Some(format!("Patient/{id}")),
                _ => None,
            };
            model::Agent {
                kind: e.actor_role.map(|r| model::CodeableConcept::text(r.as_str())),
                who: model::Who { reference, identifier: Some(id_identifier(id)), display: None },
                requestor: true,
            }
        }
        None => model::Agent { kind: None, who: model::Who { display: Some("anonymous".into()), ..Default::default() }, requestor: true },
    };
    let mut entity = vec![model::AuditEntity {
        what: match (served_as(e.entity), &e.entity_id) {
            (Some(kind), Some(id)) if id.parse::<uuid::Uuid>().is_ok() => {
                model::Who { reference: Some(format!("{kind}/{id}")), ..Default::default() }
            }
            (_, Some(id)) => model::Who { display: Some(id.clone()), ..Default::default() },
            (_, None) => model::Who { display: Some(e.entity.as_str().to_string()), ..Default::default() },
        },
        kind: model::Coding { system: ENTITY_SYSTEM.into(), code: e.entity.as_str().into(), display: None },
    }];
    if let Some(p) = e.patient_id
        && e.entity != EntityKind::Patient
    {
        entity.push(model::AuditEntity {
            what: model::Who { reference: Some(format!("Patient/{p}")), ..Default::default() },
            kind: model::Coding { system: ENTITY_SYSTEM.into(), code: "patient".into(), display: None },
        });
    }
    model::AuditEvent {
        id: e.id.to_string(),
        kind: model::Coding {
            system: "http://terminology.hl7.org/CodeSystem/audit-event-type".into(),
            code: "rest".into(),
            display: Some("RESTful Operation".into()),
        },
        subtype: vec![model::Coding { system: OPERATION_SYSTEM.into(), code: e.operation.clone(), display: None }],
        action,
        recorded: instant(e.at),
        outcome,
        outcome_desc: Some(e.detail.clone()).filter(|d| !d.trim().is_empty()),
        agent: vec![agent],
        source: model::AuditSource { observer: model::Who { display: Some("hms".into()), ..Default::default() } },
        entity,
    }
}

/// The system of hms's operation names (`appointment.book`).
pub const OPERATION_SYSTEM: &str = "urn:hms:operation";
/// The system of hms's kinds of record (`appointment`).
pub const ENTITY_SYSTEM: &str = "urn:hms:entity";
