//! Records: thin, immutable Python classes around the core's records.
//!
//! Each class wraps one core value; its attributes are read-only and convert on access, equality
//! is the core's, and `repr` shows every attribute. The few shapes that are also input
//! (availability rules, medications, invoice lines, registration details) have constructors.

use chrono::{NaiveDate, NaiveTime, Weekday};
use hms_core as core;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyType};
use rust_decimal::Decimal;

use crate::convert::{Amount, PyEnum, ToPy, code, member, opt_code};

/// Declares a record class: a frozen pyclass around a core value, with one getter per attribute,
/// `repr` from the same list, equality from the core's `PartialEq`, and `ToPy` for the core value.
macro_rules! record {
    (
        $(#[$doc:meta])*
        $rust:ident = $name:literal ($core:ty) |$s:ident| {
            $( $(#[$fdoc:meta])* $field:ident: $e:expr ),* $(,)?
        }
        $( extra { $($extra:tt)* } )?
    ) => {
        $(#[$doc])*
        #[pyclass(module = "hms", name = $name, frozen, eq, from_py_object)]
        #[derive(Clone, PartialEq)]
        pub struct $rust(pub $core);

        #[pymethods]
        impl $rust {
            $(
                $(#[$fdoc])*
                #[getter]
                fn $field<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    let $s = &self.0;
                    ToPy::to_py(&$e, py)
                }
            )*

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let $s = &self.0;
                let parts: Vec<String> = vec![$(
                    format!("{}={}", stringify!($field), ToPy::to_py(&$e, py)?.repr()?),
                )*];
                Ok(format!("{}({})", $name, parts.join(", ")))
            }

            $($($extra)*)?
        }

        impl ToPy for $core {
            fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                Ok(Bound::new(py, $rust(self.clone()))?.into_any())
            }
        }
    };
}

record! {
    /// A user account.
    PyUser = "User" (core::User) |u| {
        /// The account's id.
        id: u.id,
        /// The e-mail address (the login name), lower-cased.
        email: u.email,
        /// Full name.
        full_name: u.full_name,
        /// Phone, if any.
        phone: u.phone,
        /// The one role.
        role: member(u.role),
        /// Whether the account may sign in and act.
        active: u.active,
        /// When the account was created.
        created_at: u.created_at,
        /// When the account last changed.
        updated_at: u.updated_at,
        /// The version: 1 when made, one more at each change; a change may name it as `expected_version`.
        version: u.version,
    }
}

record! {
    /// An exact amount of money in a currency.
    PyMoney = "Money" (core::Money) |m| {
        /// The amount, at the currency's minor unit.
        amount: m.amount,
        /// The ISO 4217 currency code.
        currency: m.currency,
    }
    extra {
        fn __str__(&self) -> String {
            self.0.to_string()
        }
    }
}

record! {
    /// A doctor's public profile.
    PyDoctor = "Doctor" (core::Doctor) |d| {
        /// The doctor's id (the same as the user id).
        id: d.id,
        /// Full name.
        full_name: d.full_name,
        /// E-mail address.
        email: d.email,
        /// Whether the doctor's account is active.
        active: d.active,
        /// Specialization, e.g. Cardiology.
        specialization: d.specialization,
        /// License number.
        license_number: d.license_number,
        /// Years of experience.
        years_of_experience: d.years_of_experience,
        /// The fee of one consultation.
        consultation_fee: d.consultation_fee,
        /// A short biography.
        bio: d.bio,
        /// Whether the doctor takes new bookings.
        accepting_appointments: d.accepting_appointments,
        /// When the profile last changed.
        updated_at: d.updated_at,
        /// The version: 1 when made, one more at each change; a change may name it as `expected_version`.
        version: d.version,
    }
}

record! {
    /// A patient's clinical summary: for clinicians, admins and the patient.
    PyPatientClinical = "PatientClinical" (core::PatientClinical) |c| {
        /// Blood group.
        blood_group: member(c.blood_group),
        /// Recorded allergies.
        allergies: c.allergies,
        /// Known conditions.
        conditions: c.conditions,
        /// Medical history as text.
        medical_history: c.medical_history,
        /// The day the patient was last recorded as pregnant; None when not recorded as pregnant.
        pregnancy_noted_on: c.pregnancy_noted_on,
        /// The latest eGFR in mL/min/1.73 m², when recorded.
        egfr: c.egfr.map(|e| e.value),
        /// The day the latest eGFR was measured.
        egfr_measured_on: c.egfr.map(|e| e.measured_on),
    }
}

record! {
    /// A patient's profile; `clinical` is None for readers who may see demographics only.
    PyPatient = "Patient" (core::Patient) |p| {
        /// The patient's id (the same as the user id).
        id: p.id,
        /// Full name.
        full_name: p.full_name,
        /// E-mail address.
        email: p.email,
        /// Phone, if any.
        phone: p.phone,
        /// Whether the patient's account is active.
        active: p.active,
        /// Date of birth, if known.
        date_of_birth: p.date_of_birth,
        /// Sex.
        sex: member(p.sex),
        /// Postal address.
        address: p.address,
        /// Emergency contact.
        emergency_contact: p.emergency_contact,
        /// The clinical summary, when the reader may see it.
        clinical: p.clinical,
        /// When the profile last changed.
        updated_at: p.updated_at,
        /// The version: 1 when made, one more at each change; a change may name it as `expected_version`.
        version: p.version,
    }
}

record! {
    /// A weekly availability rule: on `weekday`, from `start` to `end` in the hospital's local
    /// time, in slots of `slot_minutes`.
    PyAvailabilityRule = "AvailabilityRule" (core::AvailabilityRule) |r| {
        /// The day of the week.
        weekday: member(r.weekday),
        /// Local start of the window.
        start: r.start,
        /// Local end of the window.
        end: r.end,
        /// Length of each slot in minutes.
        slot_minutes: r.slot_minutes,
        /// First date the rule applies, if bounded.
        valid_from: r.valid_from,
        /// Last date the rule applies, if bounded.
        valid_until: r.valid_until,
    }
    extra {
        #[new]
        #[pyo3(signature = (*, weekday, start, end, slot_minutes, valid_from = None, valid_until = None))]
        fn new(
            py: Python<'_>,
            weekday: &str,
            start: NaiveTime,
            end: NaiveTime,
            slot_minutes: u16,
            valid_from: Option<NaiveDate>,
            valid_until: Option<NaiveDate>,
        ) -> PyResult<Self> {
            let weekday: Weekday = code(py, "weekday", weekday)?;
            Ok(Self(core::AvailabilityRule { weekday, start, end, slot_minutes, valid_from, valid_until }))
        }
    }
}

record! {
    /// Time off: no slot overlapping `[starts_at, ends_at)` is offered.
    PyAvailabilityException = "AvailabilityException" (core::AvailabilityException) |e| {
        /// The exception's id.
        id: e.id,
        /// The doctor.
        doctor_id: e.doctor_id,
        /// Start (inclusive).
        starts_at: e.starts_at,
        /// End (exclusive).
        ends_at: e.ends_at,
        /// Why.
        reason: e.reason,
    }
}

record! {
    /// A doctor's weekly rules and current exceptions.
    PyAvailability = "Availability" (core::Availability) |a| {
        /// The weekly rules.
        rules: a.rules,
        /// The exceptions (time off).
        exceptions: a.exceptions,
    }
}

record! {
    /// A bookable interval, `[start, end)`.
    PySlot = "Slot" (core::Slot) |s| {
        /// Start (UTC).
        start: s.start,
        /// End (UTC).
        end: s.end,
    }
}

record! {
    /// An appointment.
    PyAppointment = "Appointment" (core::Appointment) |a| {
        /// The appointment's id.
        id: a.id,
        /// The doctor.
        doctor_id: a.doctor_id,
        /// The patient.
        patient_id: a.patient_id,
        /// Start (inclusive).
        starts_at: a.starts_at,
        /// End (exclusive).
        ends_at: a.ends_at,
        /// Where it stands.
        status: member(a.status),
        /// Why the patient comes.
        reason: a.reason,
        /// Notes made when booking.
        notes: a.notes,
        /// Who booked it.
        booked_by: a.booked_by,
        /// Why it was cancelled or rejected.
        cancellation_reason: a.cancellation_reason,
        /// When the day-before reminder was queued.
        reminder_queued_at: a.reminder_queued_at,
        /// When it was booked.
        created_at: a.created_at,
        /// When it last changed.
        updated_at: a.updated_at,
        /// The version: 1 when made, one more at each change; a change may name it as `expected_version`.
        version: a.version,
    }
}

record! {
    /// A visit note; notes are never edited, a correction is a new note.
    PyVisitNote = "VisitNote" (core::VisitNote) |n| {
        /// The note's id.
        id: n.id,
        /// The patient.
        patient_id: n.patient_id,
        /// The appointment it belongs to, if any.
        appointment_id: n.appointment_id,
        /// Who wrote it.
        author_id: n.author_id,
        /// Clinical or nursing.
        kind: member(n.kind),
        /// The text.
        text: n.text,
        /// The note this one corrects, if any.
        corrects: n.corrects,
        /// When it was written.
        created_at: n.created_at,
    }
}

record! {
    /// A document's metadata.
    PyDocument = "Document" (core::Document) |d| {
        /// The document's id.
        id: d.id,
        /// The patient.
        patient_id: d.patient_id,
        /// The appointment it belongs to, if any.
        appointment_id: d.appointment_id,
        /// What it is.
        kind: member(d.kind),
        /// The file's name.
        file_name: d.file_name,
        /// Its content type.
        content_type: d.content_type,
        /// Its size in bytes.
        size_bytes: d.size_bytes,
        /// Lower-case hex SHA-256 of the bytes.
        sha256: d.sha256,
        /// A description.
        description: d.description,
        /// Who uploaded it.
        uploaded_by: d.uploaded_by,
        /// When.
        created_at: d.created_at,
    }
}

record! {
    /// One medication of a prescription.
    PyMedication = "Medication" (core::Medication) |m| {
        /// Drug name.
        name: m.name,
        /// Strength or dose, e.g. 500 mg.
        strength: m.strength,
        /// Route.
        route: member(m.route),
        /// Frequency, e.g. twice daily.
        frequency: m.frequency,
        /// Duration in days.
        duration_days: m.duration_days,
        /// Instructions for this medication.
        instructions: m.instructions,
    }
    extra {
        #[new]
        #[pyo3(signature = (*, name, strength, route, frequency, duration_days, instructions = String::new()))]
        fn new(
            py: Python<'_>,
            name: String,
            strength: String,
            route: &str,
            frequency: String,
            duration_days: u16,
            instructions: String,
        ) -> PyResult<Self> {
            let route = code(py, "route", route)?;
            Ok(Self(core::Medication { name, strength, route, frequency, duration_days, instructions }))
        }
    }
}

impl PyMedication {
    /// The medication as workflow input (the core checks it).
    pub fn input(&self) -> core::MedicationInput {
        let m = &self.0;
        core::MedicationInput {
            name: m.name.clone(),
            strength: m.strength.clone(),
            route: m.route,
            frequency: m.frequency.clone(),
            duration_days: m.duration_days,
            instructions: m.instructions.clone(),
        }
    }
}

record! {
    /// A prescription.
    PyPrescription = "Prescription" (core::Prescription) |p| {
        /// The prescription's id.
        id: p.id,
        /// The appointment it was written for.
        appointment_id: p.appointment_id,
        /// The doctor who wrote it.
        doctor_id: p.doctor_id,
        /// The patient.
        patient_id: p.patient_id,
        /// Diagnosis.
        diagnosis: p.diagnosis,
        /// The medications.
        medications: p.medications,
        /// General instructions.
        instructions: p.instructions,
        /// Follow-up date, if any.
        follow_up: p.follow_up,
        /// Starts at 1 and grows by one with every edit.
        revision: p.revision,
        /// When it was written.
        created_at: p.created_at,
        /// When it last changed.
        updated_at: p.updated_at,
    }
}

record! {
    /// A new second factor, shown once: draw `otpauth_uri` as a QR code, or type `secret_base32`.
    PyEnrolment = "Enrolment" (core::Enrolment) |e| {
        /// `otpauth://totp/...`, for an authenticator app.
        otpauth_uri: e.otpauth_uri,
        /// The key in base32, to type in by hand.
        secret_base32: e.secret_base32,
    }
}

record! {
    /// One's second factor.
    PySecondFactorStatus = "SecondFactorStatus" (core::SecondFactorStatus) |s| {
        /// Whether sign-in asks for a code.
        enabled: s.enabled,
        /// Whether an enrolment waits for its first code.
        pending: s.pending,
        /// Unused recovery codes left.
        recovery_codes_left: s.recovery_codes_left,
        /// Whether the account's role requires a second factor.
        required: s.required,
    }
}

record! {
    /// One of a user's sign-in sessions.
    PySessionInfo = "SessionInfo" (core::SessionInfo) |s| {
        /// The session's id.
        id: s.id,
        /// When it was opened.
        created_at: s.created_at,
        /// When it was last refreshed (or opened).
        last_used_at: s.last_used_at,
        /// When it ends at the latest.
        expires_at: s.expires_at,
        /// The client's address, as recorded at sign-in.
        client_address: s.client_address,
        /// The client's user agent, as recorded at sign-in.
        user_agent: s.user_agent,
        /// Whether it may only enrol a second factor.
        enrolment_only: s.enrolment_only,
        /// Whether it is the session asking (never, from a script).
        current: s.current,
    }
}

record! {
    /// One finding of a prescription analysis.
    PyFinding = "Finding" (core::Finding) |f| {
        /// What it is about.
        category: member(f.category),
        /// How serious.
        severity: member(f.severity),
        /// The medications involved.
        medications: f.medications,
        /// Why it matters.
        rationale: f.rationale,
        /// What to do.
        suggested_action: f.suggested_action,
        /// Where the rule comes from, for deterministic findings.
        source: f.source,
        /// The rule that produced it (e.g. `interaction:atazanavir-ppis`), for deterministic findings.
        rule: f.rule,
        /// What each medication was resolved to (its generic ingredients joined with ` + `; empty when unknown).
        resolved: f.resolved,
    }
}

record! {
    /// The AI's structured review of a prescription.
    PyAiReview = "AiReview" (core::AiReview) |r| {
        /// A summary for the clinician.
        summary: r.summary,
        /// Findings beyond the deterministic ones.
        findings: r.findings,
        /// A plain-language draft of instructions for the patient.
        patient_instructions: r.patient_instructions,
        /// Information that was missing for a full review.
        missing_information: r.missing_information,
    }
}

record! {
    /// A stored prescription analysis.
    PyPrescriptionAnalysis = "PrescriptionAnalysis" (core::PrescriptionAnalysis) |a| {
        /// The analysis's id.
        id: a.id,
        /// The prescription analysed.
        prescription_id: a.prescription_id,
        /// The revision analysed.
        prescription_revision: a.prescription_revision,
        /// Who asked.
        requested_by: a.requested_by,
        /// When.
        created_at: a.created_at,
        /// The deterministic findings.
        checks: a.checks,
        /// The AI's review, when there is one.
        review: a.review,
        /// Why there is no AI review, when there is none.
        review_unavailable_reason: a.review_unavailable_reason,
        /// How it ended.
        outcome: member(a.outcome),
        /// The model asked, if any.
        model: a.model,
        /// SHA-256 of the de-identified payload sent to the model.
        payload_sha256: a.payload_sha256,
        /// Time taken in milliseconds.
        latency_ms: a.latency_ms,
        /// The fixed disclaimer.
        disclaimer: a.disclaimer,
    }
}

record! {
    /// One invoice line.
    PyInvoiceLine = "InvoiceLine" (core::InvoiceLine) |l| {
        /// What is charged.
        description: l.description,
        /// How many.
        quantity: l.quantity,
        /// Price of one, in the invoice's currency.
        unit_price: l.unit_price,
    }
    extra {
        #[new]
        #[pyo3(signature = (*, description, unit_price, quantity = 1))]
        fn new(description: String, unit_price: Amount, quantity: u32) -> Self {
            Self(core::InvoiceLine { description, quantity, unit_price: unit_price.0 })
        }
    }
}

impl PyInvoiceLine {
    /// The line as workflow input (the core checks it).
    pub fn input(&self) -> core::LineInput {
        core::LineInput { description: self.0.description.clone(), quantity: self.0.quantity, unit_price: self.0.unit_price }
    }
}

record! {
    /// An invoice; amounts are exact decimals in `currency`.
    PyInvoice = "Invoice" (core::Invoice) |i| {
        /// The invoice's id.
        id: i.id,
        /// Its readable number, e.g. INV-2026-000123.
        number: i.number,
        /// The appointment billed.
        appointment_id: i.appointment_id,
        /// The patient billed.
        patient_id: i.patient_id,
        /// The lines.
        lines: i.lines,
        /// The ISO 4217 currency of every amount.
        currency: i.currency,
        /// Tax rate in percent.
        tax_rate: i.tax_rate,
        /// Discount amount.
        discount: i.discount,
        /// Sum of the lines.
        subtotal: i.subtotal,
        /// Tax, rounded to the currency's minor unit.
        tax: i.tax,
        /// Total due.
        total: i.total,
        /// Where it stands.
        status: member(i.status),
        /// How it was paid.
        payment_method: i.payment_method.map(member),
        /// When it was paid.
        paid_at: i.paid_at,
        /// When it was cancelled.
        cancelled_at: i.cancelled_at,
        /// Who issued it.
        issued_by: i.issued_by,
        /// When it was issued.
        created_at: i.created_at,
        /// When it last changed.
        updated_at: i.updated_at,
        /// The version: 1 when made, one more at each change; a change may name it as `expected_version`.
        version: i.version,
    }
}

record! {
    /// A notification for one user.
    PyNotification = "Notification" (core::Notification) |n| {
        /// The notification's id.
        id: n.id,
        /// Who it is for.
        recipient_id: n.recipient_id,
        /// What it is about.
        kind: member(n.kind),
        /// The message.
        message: n.message,
        /// When it was made.
        created_at: n.created_at,
        /// When the recipient read it.
        read_at: n.read_at,
    }
}

record! {
    /// An e-mail waiting in, or sent from, the outbox.
    PyOutgoingEmail = "OutgoingEmail" (core::OutgoingEmail) |e| {
        /// The e-mail's id.
        id: e.id,
        /// The recipient's address.
        to: e.to,
        /// Subject line.
        subject: e.subject,
        /// Plain-text body.
        body: e.body,
        /// When it was queued.
        created_at: e.created_at,
        /// Delivery attempts so far.
        attempts: e.attempts,
        /// When the next attempt is due.
        next_attempt_at: e.next_attempt_at,
        /// When it was delivered.
        sent_at: e.sent_at,
        /// The last delivery error.
        last_error: e.last_error,
    }
}

record! {
    /// How many appointments are in one status.
    PyStatusCount = "StatusCount" (core::StatusCount) |c| {
        /// The status.
        status: member(c.status),
        /// How many appointments are in it.
        count: c.count,
    }
}

record! {
    /// A doctor and how many active or completed appointments they have.
    PyDoctorLoad = "DoctorLoad" (core::DoctorLoad) |l| {
        /// The doctor.
        doctor_id: l.doctor_id,
        /// The doctor's name.
        full_name: l.full_name,
        /// Appointments that are pending, confirmed or completed.
        appointments: l.appointments,
    }
}

record! {
    /// The admin dashboard's figures.
    PyDashboard = "Dashboard" (core::Dashboard) |d| {
        /// When these figures were computed.
        computed_at: d.computed_at,
        /// Active doctors.
        doctors: d.doctors,
        /// Active patients.
        patients: d.patients,
        /// Appointments per status.
        appointments_by_status: d.appointments_by_status,
        /// Appointments starting today that are not cancelled or rejected.
        today_appointments: d.today_appointments,
        /// Paid invoice totals, per currency.
        revenue: d.revenue,
        /// Pending invoice totals, per currency.
        pending: d.pending,
        /// The busiest doctors, busiest first.
        busiest_doctors: d.busiest_doctors,
    }
}

record! {
    /// One audit event.
    PyAuditEvent = "AuditEvent" (core::AuditEvent) |e| {
        /// The event's id.
        id: e.id,
        /// When.
        at: e.at,
        /// Who acted, if anyone.
        actor_id: e.actor_id,
        /// The actor's role then.
        actor_role: e.actor_role.map(member),
        /// What was done.
        action: member(e.action),
        /// The workflow, e.g. appointment.cancel.
        operation: e.operation,
        /// The kind of record.
        entity: member(e.entity),
        /// The record's id, when there is one.
        entity_id: e.entity_id,
        /// The patient concerned, when there is one.
        patient_id: e.patient_id,
        /// How it ended.
        outcome: member(e.outcome),
        /// Extra detail.
        detail: e.detail,
    }
}

/// A doctor's profile details, given when a doctor registers.
#[derive(Clone, PartialEq)]
pub struct DoctorDetails {
    specialization: String,
    license_number: String,
    years_of_experience: u16,
    consultation_fee: Decimal,
    currency: Option<String>,
    bio: String,
}

record! {
    /// A doctor's profile details, for registration; the fee's currency defaults to the hospital's.
    PyDoctorDetails = "DoctorDetails" (DoctorDetails) |d| {
        /// Specialization.
        specialization: d.specialization,
        /// License number.
        license_number: d.license_number,
        /// Years of experience.
        years_of_experience: d.years_of_experience,
        /// Consultation fee.
        consultation_fee: d.consultation_fee,
        /// The fee's currency, if not the hospital's.
        currency: d.currency,
        /// Biography.
        bio: d.bio,
    }
    extra {
        #[new]
        #[pyo3(signature = (*, specialization, license_number, consultation_fee, years_of_experience = 0, currency = None, bio = String::new()))]
        fn new(
            specialization: String,
            license_number: String,
            consultation_fee: Amount,
            years_of_experience: u16,
            currency: Option<String>,
            bio: String,
        ) -> Self {
            Self(DoctorDetails { specialization, license_number, years_of_experience, consultation_fee: consultation_fee.0, currency, bio })
        }
    }
}

impl PyDoctorDetails {
    /// The details as workflow input.
    pub fn input(&self) -> core::DoctorDetails {
        let d = &self.0;
        core::DoctorDetails {
            specialization: d.specialization.clone(),
            license_number: d.license_number.clone(),
            years_of_experience: d.years_of_experience,
            consultation_fee: d.consultation_fee,
            currency: d.currency.clone(),
            bio: d.bio.clone(),
        }
    }
}

/// A patient's profile details, given when a patient registers.
#[derive(Clone, PartialEq)]
pub struct PatientDetails {
    date_of_birth: Option<NaiveDate>,
    sex: Option<core::Sex>,
    blood_group: Option<core::BloodGroup>,
    address: String,
    emergency_contact: String,
    allergies: Vec<String>,
    conditions: Vec<String>,
    medical_history: String,
}

record! {
    /// A patient's profile details, for registration; every field may be left out.
    PyPatientDetails = "PatientDetails" (PatientDetails) |d| {
        /// Date of birth.
        date_of_birth: d.date_of_birth,
        /// Sex.
        sex: d.sex.map(member),
        /// Blood group.
        blood_group: d.blood_group.map(member),
        /// Postal address.
        address: d.address,
        /// Emergency contact.
        emergency_contact: d.emergency_contact,
        /// Allergies.
        allergies: d.allergies,
        /// Known conditions.
        conditions: d.conditions,
        /// Medical history.
        medical_history: d.medical_history,
    }
    extra {
        #[new]
        #[pyo3(signature = (
            *,
            date_of_birth = None,
            sex = None,
            blood_group = None,
            address = String::new(),
            emergency_contact = String::new(),
            allergies = Vec::new(),
            conditions = Vec::new(),
            medical_history = String::new(),
        ))]
        #[allow(clippy::too_many_arguments)]
        fn new(
            py: Python<'_>,
            date_of_birth: Option<NaiveDate>,
            sex: Option<&str>,
            blood_group: Option<&str>,
            address: String,
            emergency_contact: String,
            allergies: Vec<String>,
            conditions: Vec<String>,
            medical_history: String,
        ) -> PyResult<Self> {
            let sex = opt_code(py, "sex", sex)?;
            let blood_group = blood_group.map(|b| core::BloodGroup::parse(b).map_err(|e| crate::errors::invalid(py, "blood_group", e))).transpose()?;
            Ok(Self(PatientDetails { date_of_birth, sex, blood_group, address, emergency_contact, allergies, conditions, medical_history }))
        }
    }
}

impl PyPatientDetails {
    /// The details as workflow input.
    pub fn input(&self) -> core::PatientDetails {
        let d = &self.0;
        core::PatientDetails {
            date_of_birth: d.date_of_birth,
            sex: d.sex,
            blood_group: d.blood_group.map(|b| b.code().to_string()),
            address: d.address.clone(),
            emergency_contact: d.emergency_contact.clone(),
            allergies: d.allergies.clone(),
            conditions: d.conditions.clone(),
            medical_history: d.medical_history.clone(),
        }
    }
}

/// One page of a list: iterate it, index it or take `items`; `total` counts the whole list.
#[pyclass(module = "hms", name = "Page", frozen, sequence)]
pub struct PyPage {
    items: Vec<Py<PyAny>>,
    page: u32,
    per_page: u32,
    total: u64,
}

impl PyPage {
    /// A Python page of a core page.
    pub fn of<T: ToPy>(py: Python<'_>, page: core::Page<T>) -> PyResult<Self> {
        let items = page.items.iter().map(|i| i.to_py(py).map(Bound::unbind)).collect::<PyResult<_>>()?;
        Ok(Self { items, page: page.page, per_page: page.per_page, total: page.total })
    }

    fn list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.items.iter().map(|i| i.bind(py)))
    }
}

#[pymethods]
impl PyPage {
    /// The items on this page, as a new list.
    #[getter]
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.list(py)
    }

    /// The page number, from 1.
    #[getter]
    fn page(&self) -> u32 {
        self.page
    }

    /// Items per page.
    #[getter]
    fn per_page(&self) -> u32 {
        self.per_page
    }

    /// Items in the whole list.
    #[getter]
    fn total(&self) -> u64 {
        self.total
    }

    fn __len__(&self) -> usize {
        self.items.len()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, index: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        self.list(py)?.as_any().get_item(index)
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.list(py)?.as_any().try_iter()?.into_any())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("Page(page={}, per_page={}, total={}, items={})", self.page, self.per_page, self.total, self.list(py)?.repr()?))
    }

    /// `Page[Appointment]` in annotations.
    #[classmethod]
    #[pyo3(signature = (item, /))]
    fn __class_getitem__<'py>(cls: &Bound<'py, PyType>, item: &Bound<'py, PyAny>) -> Bound<'py, PyType> {
        let _ = item;
        cls.clone()
    }
}

/// Adds every record class to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyUser>()?;
    m.add_class::<PyMoney>()?;
    m.add_class::<PyDoctor>()?;
    m.add_class::<PyPatientClinical>()?;
    m.add_class::<PyPatient>()?;
    m.add_class::<PyAvailabilityRule>()?;
    m.add_class::<PyAvailabilityException>()?;
    m.add_class::<PyAvailability>()?;
    m.add_class::<PySlot>()?;
    m.add_class::<PyAppointment>()?;
    m.add_class::<PyVisitNote>()?;
    m.add_class::<PyDocument>()?;
    m.add_class::<PyMedication>()?;
    m.add_class::<PyPrescription>()?;
    m.add_class::<PyFinding>()?;
    m.add_class::<PyAiReview>()?;
    m.add_class::<PyPrescriptionAnalysis>()?;
    m.add_class::<PyInvoiceLine>()?;
    m.add_class::<PyInvoice>()?;
    m.add_class::<PyNotification>()?;
    m.add_class::<PyOutgoingEmail>()?;
    m.add_class::<PyEnrolment>()?;
    m.add_class::<PySecondFactorStatus>()?;
    m.add_class::<PySessionInfo>()?;
    m.add_class::<PyStatusCount>()?;
    m.add_class::<PyDoctorLoad>()?;
    m.add_class::<PyDashboard>()?;
    m.add_class::<PyAuditEvent>()?;
    m.add_class::<PyDoctorDetails>()?;
    m.add_class::<PyPatientDetails>()?;
    m.add_class::<PyPage>()?;
    Ok(())
}
