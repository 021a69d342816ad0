//! The analyzer as the core calls it: deterministic findings always, the review when it can be had,
//! and never an identity in what is sent.

use std::time::Duration;

use hms_ai::{Analyzer, NOT_CONFIGURED};
use hms_core::ports::PrescriptionAnalyzer;
use hms_core::{AnalysisOutcome, FindingCategory, Severity};
use sha2::{Digest, Sha256};

use crate::common::{EMAIL, NAME, subject, today};
use crate::stub::{Reply, Stub, valid_answer};

#[tokio::test]
async fn without_an_endpoint_only_the_checks_run() {
    let analyzer = Analyzer::new(None).unwrap();
    assert_eq!(analyzer.model(), None);
    let a = analyzer.analyze(&subject(), today()).await;
    assert_eq!(a.outcome, AnalysisOutcome::ChecksOnly);
    assert_eq!(a.review_unavailable_reason.as_deref(), Some(NOT_CONFIGURED));
    assert!(a.review.is_none() && a.model.is_none() && a.payload_sha256.is_none());
    assert_eq!(a.prescription_revision, 1);
    let allergy = a.checks.iter().find(|f| f.category == FindingCategory::Allergy).expect("penicillin allergy and amoxicillin");
    assert_eq!(allergy.severity, Severity::Critical);
}

#[tokio::test]
async fn with_an_endpoint_the_review_completes_the_analysis() {
    let stub = Stub::start(vec![Reply::answer(&valid_answer("Amoxicillin"))]).await;
    let analyzer = Analyzer::new(Some(stub.config())).unwrap();
    let a = analyzer.analyze(&subject(), today()).await;
    assert_eq!(a.outcome, AnalysisOutcome::Complete);
    assert_eq!(a.model.as_deref(), Some("stub-model"));
    assert!(a.review_unavailable_reason.is_none());
    assert_eq!(a.review.as_ref().unwrap().findings[0].medications, ["Amoxicillin"]);
    assert!(!a.checks.is_empty());

    // The recorded hash is the SHA-256 of exactly the payload sent.
    let sent = stub.received();
    let message = sent[0].message(1);
    let payload = message.strip_prefix("Prescription to review:\n").unwrap();
    assert_eq!(a.payload_sha256.as_deref(), Some(hex::encode(Sha256::digest(payload.as_bytes())).as_str()));
}

#[tokio::test]
async fn a_review_that_plays_a_finding_down_changes_no_deterministic_finding() {
    let without = Analyzer::new(None).unwrap().analyze(&subject(), today()).await;
    // The model calls the allergy harmless, and offers nothing else.
    let mild = serde_json::json!({
        "summary": "Amoxicillin is fine.",
        "findings": [{"category": "allergy", "severity": "info", "medications": ["Amoxicillin"],
                      "rationale": "The allergy is probably not real.", "suggested_action": "Give it."}],
        "patient_instructions": "Take it.",
        "missing_information": []
    });
    let stub = Stub::start(vec![Reply::answer(&mild.to_string())]).await;
    let a = Analyzer::new(Some(stub.config())).unwrap().analyze(&subject(), today()).await;
    assert_eq!(a.outcome, AnalysisOutcome::Complete);
    assert_eq!(a.checks, without.checks, "the checks stand whatever the review says");
    assert_eq!(a.review.as_ref().unwrap().findings[0].severity, Severity::Info, "the review is kept beside them, as said");
    // What the model was shown: the deterministic findings, and that it cannot lower them.
    let sent = stub.received();
    assert!(sent[0].message(1).contains("deterministic_findings") && sent[0].message(0).contains("cannot lower"));
}

#[tokio::test]
async fn a_failing_endpoint_leaves_the_checks_and_says_why() {
    let stub = Stub::start(vec![Reply::raw(500, "boom")]).await;
    let mut config = stub.config();
    config.retry.max_retries = 1;
    config.retry.base = Duration::from_millis(10);
    let a = Analyzer::new(Some(config)).unwrap().analyze(&subject(), today()).await;
    assert_eq!(a.outcome, AnalysisOutcome::AiUnavailable);
    assert_eq!(a.review_unavailable_reason.as_deref(), Some("the AI endpoint failed with HTTP 500"));
    assert!(a.review.is_none());
    assert!(a.checks.iter().any(|f| f.category == FindingCategory::Allergy), "the deterministic findings still come back");
    assert_eq!(a.model.as_deref(), Some("stub-model"));
    assert_eq!(a.payload_sha256.as_ref().map(String::len), Some(64));
}

#[tokio::test]
async fn the_payload_sent_carries_no_identity() {
    let stub = Stub::start(vec![Reply::answer(&valid_answer("Amoxicillin"))]).await;
    let s = subject();
    let a = Analyzer::new(Some(stub.config())).unwrap().analyze(&s, today()).await;
    assert_eq!(a.outcome, AnalysisOutcome::Complete);
    let sent = stub.received();
    assert_eq!(sent.len(), 1);
    let body = &sent[0].body;
    let lower = body.to_lowercase();
    for part in NAME.split([' ', '-']).chain([EMAIL, "example.org", "bartholomew", "larkspur", "leeds", "lives alone"]) {
        assert!(!lower.contains(&part.to_lowercase()), "`{part}` was sent: {body}");
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    for phone in ["447700900123", "7700900123", "7700900456"] {
        assert!(!digits.contains(phone), "a phone number was sent: {body}");
    }
    for date in ["1957", "14/03", "03-14"] {
        assert!(!body.contains(date), "the date of birth was sent: {body}");
    }
    for id in [s.patient.id.to_string(), s.prescription.id.to_string(), s.prescription.doctor_id.to_string()] {
        assert!(!body.contains(&id) && !body.contains(&id.replace('-', "")), "an id was sent: {body}");
    }
    assert!(!body.contains("results"), "the general instructions are not sent");
    // What is needed for the review is there.
    for needed in [r#"\"age_band\":\"60-69\""#, r#"\"sex\":\"female\""#, "Penicillin (anaphylaxis)", "Asthma", "Amoxicillin", "pneumonia"] {
        assert!(body.contains(needed), "`{needed}` is missing: {body}");
    }
}
