//! What the model is asked (the instructions and the JSON shape) and how its answer is checked.
//! An answer is accepted whole or not at all: JSON of exactly the asked shape, every code known,
//! every text within bounds, and every medication it names one of the prescription's.

use hms_core::{AiReview, Finding, FindingCategory, Severity};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::rules::normalize;

/// The system message: the model's task and the shape of its answer.
pub const INSTRUCTIONS: &str = "You are a clinical pharmacist reviewing a prescription for a prescriber. \
You receive a de-identified JSON payload: the patient's age band, sex, allergies and conditions, whether she is recorded as pregnant, \
the latest eGFR when recorded, the diagnosis, the medications, and the findings of deterministic safety checks that already ran. \
Explain those findings, add any further concern you are confident of \
(interactions, contraindications, dosing, duplications, monitoring), and say what information is missing for a complete review. \
The deterministic findings stand as they are and are shown to the prescriber whatever you answer: you cannot lower, remove or \
contradict them, only add to them. \
Never invent facts about the patient and never ask for or mention identifying details. \
Answer with one JSON object and nothing else, with exactly these keys: \
\"summary\" (a short summary for the clinician), \
\"findings\" (a list of objects with \"category\" one of duplicate_therapy, allergy, interaction, dose, contraindication, missing_information, other; \
\"severity\" one of info, low, moderate, high, critical; \"medications\" a list of medication names exactly as given in the payload; \
\"rationale\"; \"suggested_action\"), \
\"patient_instructions\" (a plain-language draft of instructions for the patient, for the prescriber to check), \
\"missing_information\" (a list of strings). \
This review supports and does not replace the prescriber's clinical judgement.";

/// The longest summary or patient instructions accepted, in characters.
pub const MAX_TEXT: usize = 4000;
/// The most findings or missing-information items accepted.
pub const MAX_ITEMS: usize = 30;
const MAX_LINE: usize = 1000;

/// The JSON schema of the answer, for endpoints that take `response_format: json_schema`.
pub fn schema() -> Value {
    let text = |max: usize| json!({"type": "string", "minLength": 1, "maxLength": max});
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["summary", "findings", "patient_instructions", "missing_information"],
        "properties": {
            "summary": text(MAX_TEXT),
            "findings": {
                "type": "array",
                "maxItems": MAX_ITEMS,
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["category", "severity", "medications", "rationale", "suggested_action"],
                    "properties": {
                        "category": {"type": "string", "enum": FindingCategory::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()},
                        "severity": {"type": "string", "enum": Severity::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()},
                        "medications": {"type": "array", "maxItems": 10, "items": text(200)},
                        "rationale": text(MAX_LINE),
                        "suggested_action": text(MAX_LINE),
                    }
                }
            },
            "patient_instructions": text(MAX_TEXT),
            "missing_information": {"type": "array", "maxItems": MAX_ITEMS, "items": text(MAX_LINE)},
        }
    })
}

#[derive(Deserialize)]
struct Answer {
    summary: String,
    #[serde(default)]
    findings: Vec<AnswerFinding>,
    patient_instructions: String,
    #[serde(default)]
    missing_information: Vec<String>,
}

#[derive(Deserialize)]
struct AnswerFinding {
    category: String,
    severity: String,
    #[serde(default)]
    medications: Vec<String>,
    rationale: String,
    suggested_action: String,
}

fn bounded(field: &str, text: &str, max: usize) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        Err(format!("{field} is empty"))
    } else if t.chars().count() > max {
        Err(format!("{field} is longer than {max} characters"))
    } else {
        Ok(t.to_string())
    }
}

/// Checks the model's answer `content` into a review; `prescribed` are the medication names sent.
pub fn parse_answer(content: &str, prescribed: &[&str]) -> Result<AiReview, String> {
    let mut text = content.trim();
    // Some models wrap JSON in a code fence even when asked not to.
    if let Some(inner) = text.strip_prefix("```json").or_else(|| text.strip_prefix("```")) {
        text = inner.strip_suffix("```").unwrap_or(inner).trim();
    }
    let answer: Answer = serde_json::from_str(text).map_err(|e| format!("not the JSON object asked for ({e})"))?;
    if answer.findings.len() > MAX_ITEMS {
        return Err(format!("more than {MAX_ITEMS} findings"));
    }
    if answer.missing_information.len() > MAX_ITEMS {
        return Err(format!("more than {MAX_ITEMS} missing-information items"));
    }
    let known: Vec<String> = prescribed.iter().map(|n| normalize(n)).collect();
    let mut findings = Vec::with_capacity(answer.findings.len());
    for (i, f) in answer.findings.into_iter().enumerate() {
        let at = |field: &str| format!("findings[{i}].{field}");
        let category: FindingCategory =
            f.category.parse().map_err(|_| format!("{} `{}` is not a known category", at("category"), f.category))?;
        let severity: Severity = f.severity.parse().map_err(|_| format!("{} `{}` is not a known severity", at("severity"), f.severity))?;
        let mut medications = Vec::with_capacity(f.medications.len());
        for m in f.medications {
            let m = bounded(&at("medications"), &m, 200)?;
            let n = normalize(&m);
            if !known.iter().any(|k| !n.is_empty() && (k.contains(&n) || n.contains(k.as_str()))) {
                return Err(format!("{} names `{m}`, which is not in the prescription", at("medications")));
            }
            medications.push(m);
        }
        findings.push(Finding {
            category,
            severity,
            medications,
            rationale: bounded(&at("rationale"), &f.rationale, MAX_LINE)?,
            suggested_action: bounded(&at("suggested_action"), &f.suggested_action, MAX_LINE)?,
            source: None,
            rule: None,
            resolved: Vec::new(),
        });
    }
    let missing_information =
        answer.missing_information.iter().map(|m| bounded("missing_information", m, MAX_LINE)).collect::<Result<Vec<_>, _>>()?;
    Ok(AiReview {
        summary: bounded("summary", &answer.summary, MAX_TEXT)?,
        findings,
        patient_instructions: bounded("patient_instructions", &answer.patient_instructions, MAX_TEXT)?,
        missing_information,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEDS: &[&str] = &["Amoxicillin", "paracetamol"];

    fn valid() -> Value {
        json!({
            "summary": "Amoxicillin with a recorded penicillin allergy.",
            "findings": [{
                "category": "allergy",
                "severity": "critical",
                "medications": ["amoxicillin"],
                "rationale": "Penicillin allergy recorded.",
                "suggested_action": "Use a non-beta-lactam antibiotic."
            }],
            "patient_instructions": "Do not take amoxicillin until your doctor has checked your allergy.",
            "missing_information": ["Nature of the penicillin reaction"]
        })
    }

    #[test]
    fn a_valid_answer_becomes_a_review() {
        let r = parse_answer(&valid().to_string(), MEDS).unwrap();
        assert_eq!(r.summary, "Amoxicillin with a recorded penicillin allergy.");
        assert_eq!(r.findings.len(), 1);
        assert_eq!((r.findings[0].category, r.findings[0].severity), (FindingCategory::Allergy, Severity::Critical));
        assert_eq!(r.findings[0].source, None);
        assert_eq!(r.missing_information, ["Nature of the penicillin reaction"]);
        // Fenced, upper-case codes and missing optional lists are accepted.
        let mut v = valid();
        v["findings"][0]["severity"] = json!("High");
        v.as_object_mut().unwrap().remove("missing_information");
        v["extra"] = json!("ignored");
        let r = parse_answer(&format!("```json\n{v}\n```"), MEDS).unwrap();
        assert_eq!(r.findings[0].severity, Severity::High);
        assert!(r.missing_information.is_empty());
    }

    #[test]
    fn invalid_answers_are_refused_whole() {
        let refuse = |v: Value, why: &str| {
            let e = parse_answer(&v.to_string(), MEDS).unwrap_err();
            assert!(e.contains(why), "{e}");
        };
        assert!(parse_answer("Sure! Here is my review", MEDS).unwrap_err().contains("not the JSON object"));
        let mut v = valid();
        v.as_object_mut().unwrap().remove("summary");
        refuse(v, "missing field `summary`");
        let mut v = valid();
        v["summary"] = json!("   ");
        refuse(v, "summary is empty");
        let mut v = valid();
        v["findings"][0]["severity"] = json!("severe");
        refuse(v, "not a known severity");
        let mut v = valid();
        v["findings"][0]["category"] = json!("vibes");
        refuse(v, "not a known category");
        let mut v = valid();
        v["findings"][0]["medications"] = json!(["warfarin"]);
        refuse(v, "not in the prescription");
        let mut v = valid();
        v["patient_instructions"] = json!("x".repeat(MAX_TEXT + 1));
        refuse(v, "longer than");
        let mut v = valid();
        v["findings"] = json!(vec![v["findings"][0].clone(); MAX_ITEMS + 1]);
        refuse(v, "more than 30 findings");
    }

    #[test]
    fn the_schema_names_every_code() {
        let s = schema();
        let cats = s["properties"]["findings"]["items"]["properties"]["category"]["enum"].as_array().unwrap();
        assert_eq!(cats.len(), FindingCategory::ALL.len());
        assert!(s["required"].as_array().unwrap().contains(&json!("patient_instructions")));
    }
}
