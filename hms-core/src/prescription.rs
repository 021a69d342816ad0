//! Prescriptions with structured medications, and the stored shape of their analyses.

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{FieldError, Validator};
use crate::ids::{AnalysisId, AppointmentId, DoctorId, PatientId, PrescriptionId, UserId};
use crate::profile::Patient;
use crate::values::{optional_text, required_text};

crate::code_enum! {
    /// How a medication is given.
    pub enum Route {
        /// By mouth.
        Oral = "oral",
        /// Intravenous.
        Iv = "iv",
        /// Intramuscular.
        Im = "im",
        /// Subcutaneous.
        Sc = "sc",
        /// On the skin.
        Topical = "topical",
        /// Breathed in.
        Inhaled = "inhaled",
        /// Any other route.
        Other = "other",
    }
}

/// One medication of a prescription.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Medication {
    /// Drug name, generic or brand (e.g. `amoxicillin`).
    pub name: String,
    /// Strength or dose (e.g. `500 mg`).
    pub strength: String,
    /// Route.
    pub route: Route,
    /// Frequency as written (e.g. `twice daily`, `q8h`).
    pub frequency: String,
    /// Duration in days (1 to 365).
    pub duration_days: u16,
    /// Instructions for this medication.
    pub instructions: String,
}

impl Medication {
    /// Checks and normalises one medication's fields.
    pub fn parse(
        name: &str,
        strength: &str,
        route: Route,
        frequency: &str,
        duration_days: u16,
        instructions: &str,
    ) -> Result<Self, Vec<FieldError>> {
        let mut v = Validator::new();
        let name = v.check("name", required_text(name, 120));
        let strength = v.check("strength", required_text(strength, 60));
        let frequency = v.check("frequency", required_text(frequency, 60));
        v.ensure((1..=365).contains(&duration_days), "duration_days", "must be between 1 and 365");
        let instructions = v.check("instructions", optional_text(instructions, 500));
        match (name, strength, frequency, instructions) {
            (Some(name), Some(strength), Some(frequency), Some(instructions)) if v.is_ok() => {
                Ok(Self { name, strength, route, frequency, duration_days, instructions })
            }
            _ => Err(v.into_errors()),
        }
    }
}

/// A prescription (at most one per appointment).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Prescription {
    /// The prescription's id.
    pub id: PrescriptionId,
    /// The appointment it was written for.
    pub appointment_id: AppointmentId,
    /// The appointment's doctor, who wrote it.
    pub doctor_id: DoctorId,
    /// The appointment's patient.
    pub patient_id: PatientId,
    /// Diagnosis.
    pub diagnosis: String,
    /// At least one medication.
    pub medications: Vec<Medication>,
    /// General instructions.
    pub instructions: String,
    /// Follow-up date, not before the appointment.
    pub follow_up: Option<NaiveDate>,
    /// Starts at 1 and grows by one with every edit; analyses record the revision they saw.
    pub revision: u32,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// One medication of a prescription, as an order of its own (how FHIR's `MedicationRequest`
/// counts them).
#[derive(Debug, Clone, PartialEq)]
pub struct MedicationOrder {
    /// The prescription.
    pub prescription: Prescription,
    /// Which of its medications (from 0).
    pub index: usize,
}

impl MedicationOrder {
    /// The medication ordered.
    pub fn medication(&self) -> &Medication {
        &self.prescription.medications[self.index]
    }
}

crate::code_enum! {
    /// How serious a finding is.
    pub enum Severity {
        /// Worth knowing.
        Info = "info",
        /// Should be looked at.
        Low = "low",
        /// Needs attention.
        Moderate = "moderate",
        /// Must be resolved before dispensing.
        High = "high",
        /// Dangerous: do not give as written.
        Critical = "critical",
    }
}

crate::code_enum! {
    /// What a finding is about.
    pub enum FindingCategory {
        /// The same drug (or class) twice.
        DuplicateTherapy = "duplicate_therapy",
        /// A drug matches a recorded allergy or its class.
        Allergy = "allergy",
        /// Two drugs interact.
        Interaction = "interaction",
        /// A daily dose above the labelled maximum.
        Dose = "dose",
        /// A drug is unsuitable for a recorded condition.
        Contraindication = "contraindication",
        /// Something needed for a check is missing or unreadable.
        MissingInformation = "missing_information",
        /// Anything else.
        Other = "other",
    }
}

/// One finding of an analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Finding {
    /// What it is about.
    pub category: FindingCategory,
    /// How serious.
    pub severity: Severity,
    /// The medications involved.
    pub medications: Vec<String>,
    /// Why it matters.
    pub rationale: String,
    /// What to do.
    pub suggested_action: String,
    /// Where the rule comes from (for deterministic findings).
    pub source: Option<String>,
    /// The rule that produced it, e.g. `interaction:atazanavir-ppis` (deterministic findings).
    #[cfg_attr(feature = "serde", serde(default))]
    pub rule: Option<String>,
    /// What each of `medications` was resolved to: its generic ingredients joined with ` + `
    /// (`amoxicillin + clavulanate` for `Augmentin 625`), empty when unknown; deterministic
    /// findings only.
    #[cfg_attr(feature = "serde", serde(default))]
    pub resolved: Vec<String>,
}

/// The AI's structured review of a prescription.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct AiReview {
    /// A summary for the clinician.
    pub summary: String,
    /// Findings beyond the deterministic ones.
    pub findings: Vec<Finding>,
    /// A plain-language draft of instructions for the patient.
    pub patient_instructions: String,
    /// Information that was missing for a full review.
    pub missing_information: Vec<String>,
}

crate::code_enum! {
    /// How an analysis ended.
    pub enum AnalysisOutcome {
        /// Deterministic checks and the AI review both completed.
        Complete = "complete",
        /// Deterministic checks only: no AI endpoint is configured.
        ChecksOnly = "checks_only",
        /// Deterministic checks only: the AI review failed (see the reason).
        AiUnavailable = "ai_unavailable",
    }
}

/// The fixed statement every analysis carries.
pub const ANALYSIS_DISCLAIMER: &str = "This analysis supports and does not replace the clinical judgement of the prescriber";

/// A stored prescription analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct PrescriptionAnalysis {
    /// The analysis's id.
    pub id: AnalysisId,
    /// The prescription analysed.
    pub prescription_id: PrescriptionId,
    /// The prescription's revision that was analysed.
    pub prescription_revision: u32,
    /// Who asked.
    pub requested_by: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The deterministic findings.
    pub checks: Vec<Finding>,
    /// The AI's review, when there is one.
    pub review: Option<AiReview>,
    /// Why there is no AI review, when there is none.
    pub review_unavailable_reason: Option<String>,
    /// How it ended.
    pub outcome: AnalysisOutcome,
    /// The model asked, if any.
    pub model: Option<String>,
    /// Lower-case hex SHA-256 of the de-identified payload sent to the model.
    pub payload_sha256: Option<String>,
    /// Time taken, in milliseconds.
    pub latency_ms: u32,
    /// The fixed disclaimer ([`ANALYSIS_DISCLAIMER`]).
    pub disclaimer: String,
    /// Lower-case hex SHA-256 of the content analysed ([`AnalysisSubject::content_sha256`]): a
    /// stored analysis answers a later request only while the content is exactly the same.
    /// (Absent on analyses stored before it was kept, which are never reused.)
    pub content_sha256: Option<String>,
}

/// A prescription and the patient it is for: what an analyzer needs (it de-identifies it itself).
#[derive(Debug, Clone)]
pub struct AnalysisSubject {
    /// The prescription.
    pub prescription: Prescription,
    /// The patient, with the clinical part.
    pub patient: Patient,
}

impl AnalysisSubject {
    /// Lower-case hex SHA-256 of everything an analysis reads: the prescription's content (its
    /// diagnosis, medications, instructions and follow-up) and the patient's date of birth, sex
    /// and clinical details. Each field is written with its length, so that no two contents
    /// share an encoding.
    pub fn content_sha256(&self) -> String {
        fn field(out: &mut String, value: &str) {
            out.push_str(&value.len().to_string());
            out.push(':');
            out.push_str(value);
            out.push(';');
        }
        let p = &self.prescription;
        let mut out = String::new();
        field(&mut out, &p.diagnosis);
        field(&mut out, &p.instructions);
        field(&mut out, &p.follow_up.map(|d| d.to_string()).unwrap_or_default());
        field(&mut out, &p.medications.len().to_string());
        for m in &p.medications {
            for value in [&m.name, &m.strength, m.route.as_str(), &m.frequency, &m.duration_days.to_string(), &m.instructions] {
                field(&mut out, value);
            }
        }
        let patient = &self.patient;
        field(&mut out, &patient.date_of_birth.map(|d| d.to_string()).unwrap_or_default());
        field(&mut out, patient.sex.as_str());
        match &patient.clinical {
            Some(c) => {
                field(&mut out, c.blood_group.as_str());
                for list in [&c.allergies, &c.conditions] {
                    field(&mut out, &list.len().to_string());
                    list.iter().for_each(|item| field(&mut out, item));
                }
                field(&mut out, &c.medical_history);
                // Written only when recorded, so that records without them keep their digest.
                if let Some(day) = c.pregnancy_noted_on {
                    field(&mut out, &format!("pregnant:{day}"));
                }
                if let Some(e) = c.egfr {
                    field(&mut out, &format!("egfr:{}:{}", e.value, e.measured_on));
                }
            }
            None => field(&mut out, "-"),
        }
        crate::session::sha256_hex(out.as_bytes())
    }
}

/// The result of an analysis, to be stored.
#[derive(Debug, Clone)]
pub struct NewAnalysis {
    /// The prescription revision analysed.
    pub prescription_revision: u32,
    /// The content analysed ([`AnalysisSubject::content_sha256`]).
    pub content_sha256: String,
    /// Deterministic findings.
    pub checks: Vec<Finding>,
    /// The AI's review, if any.
    pub review: Option<AiReview>,
    /// Why there is no AI review, if none.
    pub review_unavailable_reason: Option<String>,
    /// How it ended.
    pub outcome: AnalysisOutcome,
    /// The model asked.
    pub model: Option<String>,
    /// SHA-256 of what was sent.
    pub payload_sha256: Option<String>,
    /// Time taken in milliseconds.
    pub latency_ms: u32,
}
