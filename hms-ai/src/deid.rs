//! The de-identified payload sent to the model, built so that an identity cannot be put into it.
//!
//! [`DeidentifiedPayload`] has no field that could hold a name, contact detail, identifier or date:
//! the age is a ten-year band, the sex a code, and every piece of text is a [`Scrubbed`] string,
//! which can only be made by the [`Scrubber`] built from the patient's own record. The scrubber
//! removes the patient's name (in whole and in parts), e-mail address, phone number, id, date of
//! birth and emergency contact, and anything shaped like an e-mail address, phone number, date or
//! UUID. Free-text notes, the address and the medical history are never taken at all.
//!
//! Its JSON (fields in declaration order, compact) is what the model receives, and its SHA-256 is
//! what the stored analysis records.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use hms_core::{AnalysisSubject, Finding, FindingCategory, Patient, Route, Severity, Sex};
use regex::Regex;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Text that has been through the [`Scrubber`]; it has no public constructor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Scrubbed(String);

impl Scrubbed {
    /// The scrubbed text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A ten-year age band (`40-49`), `90+`, or `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeBand(Option<u32>);

impl AgeBand {
    /// The band of an age in whole years.
    pub fn of(age: Option<u32>) -> Self {
        AgeBand(age.map(|a| (a / 10 * 10).min(90)))
    }
}

impl std::fmt::Display for AgeBand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("unknown"),
            Some(90) => f.write_str("90+"),
            Some(low) => write!(f, "{low}-{}", low + 9),
        }
    }
}

impl Serialize for AgeBand {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One medication as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayloadMedication {
    name: Scrubbed,
    strength: Scrubbed,
    route: Route,
    frequency: Scrubbed,
    duration_days: u16,
    instructions: Scrubbed,
}

/// One deterministic finding as sent, for the model to explain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayloadFinding {
    category: FindingCategory,
    severity: Severity,
    medications: Vec<Scrubbed>,
    rationale: Scrubbed,
    suggested_action: Scrubbed,
}

/// Everything the model is told about a prescription, and nothing that identifies the patient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeidentifiedPayload {
    age_band: AgeBand,
    sex: Sex,
    allergies: Vec<Scrubbed>,
    conditions: Vec<Scrubbed>,
    pregnant: bool,
    egfr: Option<u16>,
    diagnosis: Scrubbed,
    medications: Vec<PayloadMedication>,
    deterministic_findings: Vec<PayloadFinding>,
}

impl DeidentifiedPayload {
    /// The payload for `subject` as of `today`, with the deterministic `findings` to explain.
    pub fn new(subject: &AnalysisSubject, today: NaiveDate, findings: &[Finding]) -> Self {
        let scrubber = Scrubber::for_patient(&subject.patient);
        let clinical = subject.patient.clinical.as_ref();
        let list = |items: Option<&Vec<String>>| items.map(|v| v.iter().map(|s| scrubber.scrub(s)).collect()).unwrap_or_default();
        DeidentifiedPayload {
            age_band: AgeBand::of(subject.patient.age_on(today)),
            sex: subject.patient.sex,
            allergies: list(clinical.map(|c| &c.allergies)),
            conditions: list(clinical.map(|c| &c.conditions)),
            pregnant: crate::checks::CheckInput::from_subject(subject, today).pregnancy_current(),
            egfr: clinical.and_then(|c| c.egfr).map(|e| e.value),
            diagnosis: scrubber.scrub(&subject.prescription.diagnosis),
            medications: subject
                .prescription
                .medications
                .iter()
                .map(|m| PayloadMedication {
                    name: scrubber.scrub(&m.name),
                    strength: scrubber.scrub(&m.strength),
                    route: m.route,
                    frequency: scrubber.scrub(&m.frequency),
                    duration_days: m.duration_days,
                    instructions: scrubber.scrub(&m.instructions),
                })
                .collect(),
            deterministic_findings: findings
                .iter()
                .map(|f| PayloadFinding {
                    category: f.category,
                    severity: f.severity,
                    medications: f.medications.iter().map(|m| scrubber.scrub(m)).collect(),
                    rationale: scrubber.scrub(&f.rationale),
                    suggested_action: scrubber.scrub(&f.suggested_action),
                })
                .collect(),
        }
    }

    /// The age band sent.
    pub fn age_band(&self) -> AgeBand {
        self.age_band
    }

    /// The medication names sent, in order.
    pub fn medication_names(&self) -> Vec<&str> {
        self.medications.iter().map(|m| m.name.as_str()).collect()
    }

    /// The canonical JSON: fields in declaration order, compact, no floating-point numbers.
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).expect("the payload has only strings, integers and codes")
    }

    /// Lower-case hex SHA-256 of [`canonical_json`](Self::canonical_json).
    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_json().as_bytes()))
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[^\s@<>()\[\],;:]+@[^\s@<>()\[\],;:]+").expect("a valid pattern"));
static UUID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b").expect("a valid pattern"));
static NUMERIC_DATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b").expect("a valid pattern"));
static WRITTEN_DATE: LazyLock<Regex> = LazyLock::new(|| {
    let month = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";
    Regex::new(&format!(
        r"(?i)\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{month},?\s+\d{{2,4}}\b|\b{month}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}\b"
    ))
    .expect("a valid pattern")
});
static BIRTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(\b(?:dob|d\.o\.b\.?|date\s+of\s+birth|born(?:\s+on|\s+in)?)\b[:\s]*)\d(?:[\d/.\- ]*\d)?").expect("a valid pattern")
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\+?\(?\d[\d\s().\-]{5,}\d").expect("a valid pattern"));
static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w+").expect("a valid pattern"));

// While scrubbing, what was removed is marked with private-use characters, which no later pattern
// matches; they become readable labels at the end.
const NAME: &str = "\u{E000}";
const MAIL: &str = "\u{E001}";
const PHONE_MARK: &str = "\u{E002}";
const DATE: &str = "\u{E003}";
const ID: &str = "\u{E004}";
const LABELS: [(&str, &str); 5] = [(NAME, "[name]"), (MAIL, "[email]"), (PHONE_MARK, "[phone]"), (DATE, "[date]"), (ID, "[id]")];

/// Removes one patient's identity (and anything shaped like an identity) from text.
#[derive(Debug, Clone)]
pub struct Scrubber {
    phrases: Vec<(Regex, &'static str)>,
    words: Vec<String>,
    digit_runs: Vec<String>,
}

const RELATIONS: &[&str] = &[
    "mother",
    "father",
    "wife",
    "husband",
    "son",
    "daughter",
    "sister",
    "brother",
    "partner",
    "friend",
    "mum",
    "mom",
    "dad",
    "aunt",
    "uncle",
    "grandmother",
    "grandfather",
    "carer",
    "neighbour",
    "neighbor",
    "spouse",
    "guardian",
    "tel",
    "phone",
    "mobile",
];

impl Scrubber {
    /// A scrubber for `patient`'s identity.
    pub fn for_patient(patient: &Patient) -> Self {
        let mut phrases: Vec<(String, &'static str)> = vec![
            (patient.full_name.as_str().to_string(), NAME),
            (patient.email.as_str().to_string(), MAIL),
            (patient.id.to_string(), ID),
            (patient.id.to_string().replace('-', ""), ID),
        ];
        if let Some(phone) = &patient.phone {
            phrases.push((phone.as_str().to_string(), PHONE_MARK));
        }
        let local = patient.email.as_str().split('@').next().unwrap_or_default();
        if local.chars().filter(|c| c.is_alphanumeric()).count() >= 3 {
            phrases.push((local.to_string(), NAME));
        }
        if let Some(dob) = patient.date_of_birth {
            phrases.extend(date_forms(dob).into_iter().map(|f| (f, DATE)));
        }
        phrases.retain(|(p, _)| !p.trim().is_empty());
        // Longest first, so that a whole name goes before its parts.
        phrases.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        let phrases = phrases
            .into_iter()
            .map(|(p, mark)| (Regex::new(&format!("(?i){}", regex::escape(&p))).expect("an escaped literal is a valid pattern"), mark))
            .collect();

        let mut words: Vec<String> = Vec::new();
        let mut add_words = |text: &str, only_capitalised: bool| {
            for w in WORD.find_iter(text).map(|m| m.as_str()) {
                let capitalised = w.chars().next().is_some_and(char::is_uppercase);
                let lower = w.to_lowercase();
                if w.chars().count() >= 2
                    && !w.chars().any(|c| c.is_ascii_digit())
                    && (!only_capitalised || capitalised)
                    && !RELATIONS.contains(&lower.as_str())
                {
                    words.push(lower);
                }
            }
        };
        add_words(patient.full_name.as_str(), false);
        add_words(&local.replace(['.', '_', '-', '+'], " "), false);
        add_words(&patient.emergency_contact, true);
        words.sort();
        words.dedup();

        let mut digit_runs = Vec::new();
        for text in patient.phone.iter().map(|p| p.as_str()).chain([patient.emergency_contact.as_str()]) {
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 6 {
                digit_runs.push(digits);
            }
        }
        Scrubber { phrases, words, digit_runs }
    }

    /// `text` with the patient's identity and identity-shaped strings replaced by `[name]`,
    /// `[email]`, `[phone]`, `[date]` or `[id]`.
    pub fn scrub(&self, text: &str) -> Scrubbed {
        // Markers in the input itself are dropped, so that they cannot hide anything.
        let mut s: String = text.chars().filter(|c| !('\u{E000}'..='\u{E004}').contains(c)).collect();
        for (re, mark) in &self.phrases {
            s = re.replace_all(&s, *mark).into_owned();
        }
        s = EMAIL.replace_all(&s, MAIL).into_owned();
        s = UUID.replace_all(&s, ID).into_owned();
        s = WRITTEN_DATE.replace_all(&s, DATE).into_owned();
        s = NUMERIC_DATE.replace_all(&s, DATE).into_owned();
        s = BIRTH.replace_all(&s, |c: &regex::Captures| format!("{}{DATE}", &c[1])).into_owned();
        s = PHONE
            .replace_all(&s, |c: &regex::Captures| {
                let m = &c[0];
                let digits: String = m.chars().filter(char::is_ascii_digit).collect();
                if digits.len() >= 7 || (digits.len() >= 6 && self.digit_runs.iter().any(|r| r.ends_with(&digits))) {
                    PHONE_MARK.to_string()
                } else {
                    m.to_string()
                }
            })
            .into_owned();
        s = WORD
            .replace_all(&s, |c: &regex::Captures| {
                let w = &c[0];
                if self.words.binary_search(&w.to_lowercase()).is_ok() { NAME.to_string() } else { w.to_string() }
            })
            .into_owned();
        for (mark, label) in LABELS {
            s = s.replace(mark, label);
        }
        Scrubbed(s)
    }
}

/// The ways a date of birth may be written.
fn date_forms(d: NaiveDate) -> Vec<String> {
    let (y, m, day) = (d.year(), d.month(), d.day());
    let month = d.format("%B").to_string();
    let mon = d.format("%b").to_string();
    let mut forms = vec![
        format!("{y:04}-{m:02}-{day:02}"),
        format!("{day:02}/{m:02}/{y:04}"),
        format!("{day}/{m}/{y:04}"),
        format!("{m:02}/{day:02}/{y:04}"),
        format!("{m}/{day}/{y:04}"),
        format!("{day:02}.{m:02}.{y:04}"),
        format!("{day:02}-{m:02}-{y:04}"),
        format!("{y:04}{m:02}{day:02}"),
    ];
    for name in [&month, &mon] {
        forms.push(format!("{day} {name} {y}"));
        forms.push(format!("{day:02} {name} {y}"));
        forms.push(format!("{name} {day}, {y}"));
        forms.push(format!("{name} {day} {y}"));
    }
    forms
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use hms_core::{
        AppointmentId, BloodGroup, DoctorId, Email, Medication, PatientClinical, PatientId, PersonName, Phone, Prescription, PrescriptionId,
    };

    use super::*;

    pub(crate) fn subject(diagnosis: &str) -> AnalysisSubject {
        let id = PatientId::new();
        let patient = Patient {
            id,
            full_name: PersonName::parse("Marguerite Okonkwo-Thistlewood").unwrap(),
            email: Email::parse("m.thistlewood@example.org").unwrap(),
            phone: Some(Phone::parse("+44 7700 900123").unwrap()),
            active: true,
            date_of_birth: NaiveDate::from_ymd_opt(1957, 3, 14),
            sex: Sex::Female,
            address: "12 Heart Street, Leeds".into(),
            emergency_contact: "Husband Bartholomew Thistlewood 07700 900456".into(),
            clinical: Some(PatientClinical {
                blood_group: BloodGroup::OPos,
                allergies: vec!["penicillin".into()],
                conditions: vec!["asthma".into(), "Thistlewood syndrome".into()],
                medical_history: "Lives alone at 12 Heart Street".into(),
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
            diagnosis: diagnosis.into(),
            medications: vec![Medication {
                name: "amoxicillin".into(),
                strength: "500 mg".into(),
                route: Route::Oral,
                frequency: "three times daily".into(),
                duration_days: 7,
                instructions: "Marguerite to take with food".into(),
            }],
            instructions: "Call Marguerite on 07700 900123 with results".into(),
            follow_up: None,
            revision: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        AnalysisSubject { prescription, patient }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn age_bands() {
        assert_eq!(AgeBand::of(None).to_string(), "unknown");
        assert_eq!(AgeBand::of(Some(0)).to_string(), "0-9");
        assert_eq!(AgeBand::of(Some(9)).to_string(), "0-9");
        assert_eq!(AgeBand::of(Some(40)).to_string(), "40-49");
        assert_eq!(AgeBand::of(Some(69)).to_string(), "60-69");
        assert_eq!(AgeBand::of(Some(90)).to_string(), "90+");
        assert_eq!(AgeBand::of(Some(104)).to_string(), "90+");
    }

    #[test]
    fn the_patients_identity_is_scrubbed_from_text() {
        let s = subject("x");
        let scrub = |t: &str| Scrubber::for_patient(&s.patient).scrub(t).0;
        assert_eq!(scrub("Pneumonia in Marguerite Okonkwo-Thistlewood"), "Pneumonia in [name]");
        assert_eq!(scrub("Mrs THISTLEWOOD has pneumonia"), "Mrs [name] has pneumonia");
        assert_eq!(scrub("okonkwo reports cough"), "[name] reports cough");
        assert_eq!(scrub("contact M.Thistlewood@example.org"), "contact [email]");
        assert_eq!(scrub("or jane.roe@elsewhere.net"), "or [email]");
        assert_eq!(scrub("call +447700900123 or 07700-900-123 or 900 123"), "call [phone] or [phone] or [phone]");
        assert_eq!(scrub("husband on 07700 900456"), "husband on [phone]");
        assert_eq!(scrub("Bartholomew aware"), "[name] aware");
        assert_eq!(scrub("born 14 March 1957; DOB 14/03/1957; 1957-03-14; March 14, 1957"), "born [date]; DOB [date]; [date]; [date]");
        assert_eq!(scrub("seen 3/4/2026"), "seen [date]");
        assert_eq!(scrub(&format!("record {}", s.patient.id)), "record [id]");
        assert_eq!(scrub("m.thistlewood wrote"), "[name] wrote");
        assert_eq!(scrub("born 1957, DOB: 14.3.1957"), "born [date], DOB: [date]");
        assert_eq!(scrub("hidden \u{E000}marker"), "hidden marker");
        assert_eq!(scrub("ref 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"), "ref [id]");
        assert_eq!(scrub("MRN 12345678"), "MRN [phone]");
        // Clinical text survives.
        assert_eq!(
            scrub("Community-acquired pneumonia, CURB-65 score 1, amoxicillin 500 mg"),
            "Community-acquired pneumonia, CURB-65 score 1, amoxicillin 500 mg"
        );
        assert_eq!(scrub("Heart failure, mother had angina"), "Heart failure, mother had angina");
    }

    #[test]
    fn the_payload_has_no_identity_and_a_stable_hash() {
        let s = subject("Pneumonia. Patient Marguerite Okonkwo-Thistlewood (m.thistlewood@example.org, +44 7700 900123), born 14/03/1957");
        let findings = crate::checks::check_subject(crate::rules::RulePack::shipped().unwrap(), &s, today());
        assert!(!findings.is_empty(), "penicillin allergy and amoxicillin");
        let payload = DeidentifiedPayload::new(&s, today(), &findings);
        let json = payload.canonical_json();
        let lower = json.to_lowercase();
        for secret in ["marguerite", "okonkwo", "thistlewood", "bartholomew", "example.org", "1957", "heart street", "leeds", "lives alone"]
        {
            assert!(!lower.contains(secret), "{secret} leaked: {json}");
        }
        let digits: String = json.chars().filter(char::is_ascii_digit).collect();
        assert!(!digits.contains("7700900123") && !digits.contains("900456"), "{json}");
        assert!(!json.contains(&s.patient.id.to_string()) && !json.contains(&s.prescription.id.to_string()));
        assert!(!json.contains("Call") && !json.contains("results"), "the general instructions are not sent");
        assert!(json.contains(r#""age_band":"60-69""#), "{json}");
        assert!(
            json.contains(r#""sex":"female""#) && json.contains("penicillin") && json.contains("asthma") && json.contains("amoxicillin")
        );
        assert!(json.contains(r#""category":"allergy""#), "the deterministic findings go along: {json}");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 9);
        assert!(json.contains(r#""pregnant":false"#) && json.contains(r#""egfr":null"#), "{json}");
        assert_eq!(payload.sha256(), DeidentifiedPayload::new(&s, today(), &findings).sha256());
        assert_eq!(payload.sha256().len(), 64);
        let mut other = s.clone();
        other.prescription.medications[0].strength = "250 mg".into();
        assert_ne!(payload.sha256(), DeidentifiedPayload::new(&other, today(), &findings).sha256());
    }
}
