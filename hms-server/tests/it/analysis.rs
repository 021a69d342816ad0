//! Prescription analysis over HTTP: deterministic checks without any AI endpoint, reuse of the
//! stored analysis, who may ask, and the pregnancy and eGFR of the clinical record reaching them.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

on_both!(analysis_over_http, pregnancy_and_egfr_over_http);

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

async fn pregnancy_and_egfr_over_http(s: &TestServer) {
    let (dr, dr_id) = s.doctor(1).await;
    let (p1, p1_id) = s.patient(1).await;
    let slot = s.slots(&dr_id).await[0].clone();
    let (_, a) = s.post("/api/appointments", Some(&p1), json!({"doctor_id": dr_id, "starts_at": slot})).await;
    let a_id = a["id"].as_str().unwrap();
    s.post(&format!("/api/appointments/{a_id}/confirm"), Some(&dr), json!({})).await;
    let patient = format!("/api/patients/{p1_id}");

    // The patient records both on her own record; bad values are refused: outside the documented
    // range by the schema, in the future by the core, by field.
    let (status, bad) = s.patch(&patient, Some(&p1), json!({"egfr": {"value": 0, "measured_on": "2020-01-01"}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    let (status, bad) = s.patch(&patient, Some(&p1), json!({"egfr": {"value": 40, "measured_on": "2999-01-01"}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert!(bad.to_string().contains("egfr.measured_on"), "{bad}");
    let (status, rec) =
        s.patch(&patient, Some(&p1), json!({"pregnancy_noted_on": "2020-01-01", "egfr": {"value": 24, "measured_on": "2020-01-01"}})).await;
    assert_eq!(status, StatusCode::OK, "{rec}");
    assert_eq!(rec["clinical"]["egfr"], json!({"value": 24, "measured_on": "2020-01-01"}));
    // Left out, it stays; null clears.
    let (_, rec) = s.patch(&patient, Some(&p1), json!({"address": "2 Low Road"})).await;
    assert_eq!(rec["clinical"]["pregnancy_noted_on"], "2020-01-01");
    let (_, rec) = s.patch(&patient, Some(&p1), json!({"pregnancy_noted_on": null})).await;
    assert!(rec["clinical"]["pregnancy_noted_on"].is_null() && rec["clinical"]["egfr"]["value"] == 24, "{rec}");

    let (status, rx) = s
        .post(
            "/api/prescriptions",
            Some(&dr),
            json!({"appointment_id": a_id, "diagnosis": "Type 2 diabetes",
                   "medications": [{"name": "Glucophage", "strength": "500 mg", "route": "oral", "frequency": "twice daily", "duration_days": 30}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rx}");
    let (_, analysis) = s.post(&format!("/api/prescriptions/{}/analysis", rx["id"].as_str().unwrap()), Some(&dr), json!({})).await;
    let renal = analysis["checks"].as_array().unwrap().iter().find(|f| f["rationale"].as_str().is_some_and(|r| r.contains("eGFR 24")));
    let renal = renal.unwrap_or_else(|| panic!("metformin at an eGFR of 24 is caught: {analysis}"));
    assert_eq!((renal["category"].as_str(), renal["severity"].as_str()), (Some("contraindication"), Some("critical")));
    assert_eq!(renal["resolved"], json!(["metformin"]), "{renal}");
    assert!(renal["rule"].as_str().is_some_and(|r| r.starts_with("renal:")), "{renal}");
}
