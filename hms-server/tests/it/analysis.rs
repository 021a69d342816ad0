//! Prescription analysis over HTTP: deterministic checks without any AI endpoint, reuse of the
//! stored analysis, and who may ask.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

on_both!(analysis_over_http);

async fn analysis_over_http(s: &TestServer) {
    let admin = s.admin().await;
    let (dr, dr_id) = s.doctor(1).await;
    let (dr2, _) = s.doctor(2).await;
    let (p1, _) = s.patient(1).await; // allergic to penicillin
    let slot = s.slots(&dr_id).await[0].clone();
    let (_, a) = s.post("/api/appointments", Some(&p1), json!({"doctor_id": dr_id, "starts_at": slot})).await;
    let a_id = a["id"].as_str().unwrap();
    s.post(&format!("/api/appointments/{a_id}/confirm"), Some(&dr), json!({})).await;
    let (status, rx) = s
        .post(
            "/api/prescriptions",
            Some(&dr),
            json!({"appointment_id": a_id, "diagnosis": "Streptococcal pharyngitis",
                   "medications": [{"name": "amoxicillin", "strength": "500 mg", "route": "oral", "frequency": "three times daily", "duration_days": 10}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rx}");
    let rx_id = rx["id"].as_str().unwrap();
    let path = format!("/api/prescriptions/{rx_id}/analysis");

    let (status, none) = s.get(&path, Some(&dr)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no analysis yet: {none}");
    let (status, first) = s.post(&path, Some(&dr), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["outcome"], "checks_only");
    assert!(first["review_unavailable_reason"].is_string());
    assert!(first["disclaimer"].as_str().unwrap().contains("does not replace"));
    let allergy =
        first["checks"].as_array().unwrap().iter().find(|f| f["category"] == "allergy").expect("the penicillin allergy is caught");
    assert!(matches!(allergy["severity"].as_str(), Some("high" | "critical")), "{allergy}");
    assert!(allergy["source"].as_str().is_some_and(|x| !x.is_empty()));

    // An unchanged prescription is answered from the stored analysis; `fresh` asks again.
    let (_, again) = s.post(&path, Some(&dr), json!({})).await;
    assert_eq!(again["id"], first["id"]);
    let (_, fresh) = s.post(&format!("{path}?fresh=true"), Some(&dr), json!({})).await;
    assert_ne!(fresh["id"], first["id"]);
    let (status, latest) = s.get(&path, Some(&admin)).await;
    assert_eq!((status, &latest["id"]), (StatusCode::OK, &fresh["id"]));

    // Patients and nurses may not ask; other doctors may not know the prescription exists.
    assert_eq!(s.post(&path, Some(&p1), json!({})).await.0, StatusCode::FORBIDDEN);
    let nurse = s.staff(&admin, hms_core::Role::Nurse, 1).await;
    assert_eq!(s.post(&path, Some(&nurse), json!({})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(s.post(&path, Some(&dr2), json!({})).await.0, StatusCode::NOT_FOUND);
    let (_, audit) = s.get("/api/audit?action=ai_request", Some(&admin)).await;
    assert_eq!(audit["total"], 3, "every request is audited, the one answered from the stored analysis too");
}
