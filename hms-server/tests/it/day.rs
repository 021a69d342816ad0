//! A hospital's day through the HTTP API.

use hms_core::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

on_both!(a_day_over_http);

async fn a_day_over_http(s: &TestServer) {
    let admin = s.admin().await;
    let desk = s.staff(&admin, Role::Receptionist, 1).await;
    let (dr, dr_id) = s.doctor(1).await;
    let (p1, p1_id) = s.patient(1).await;
    let (p2, p2_id) = s.patient(2).await;

    // Anonymous callers see doctors and free slots.
    let (status, doctors) = s.get("/api/doctors?specialization=cardiology", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doctors["total"], 1);
    assert_eq!(doctors["items"][0]["consultation_fee"], json!({"amount": "150.50", "currency": "USD"}));
    let slots = s.slots(&dr_id).await;
    assert!(slots.len() >= 16);
    let slot = &slots[1];

    // Book; a second booking of the same slot is a conflict; cancel frees it for another patient.
    let (status, a1) = s.post("/api/appointments", Some(&p1), json!({"doctor_id": dr_id, "starts_at": slot, "reason": "chest pain"})).await;
    assert_eq!(status, StatusCode::CREATED, "{a1}");
    assert_eq!(a1["status"], "pending");
    // The steps that exist from a status are part of the answer, so a client offers only those.
    assert_eq!(a1["next_steps"], json!(["confirm", "reject", "cancel"]));
    assert_eq!(a1["billable"], false, "a pending appointment is not invoiced yet");
    let (status, clash) = s.post("/api/appointments", Some(&p2), json!({"doctor_id": dr_id, "starts_at": slot})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{clash}");
    assert!(!s.slots(&dr_id).await.contains(slot));
    let a1_id = a1["id"].as_str().unwrap();
    let (status, _) = s.post(&format!("/api/appointments/{a1_id}/cancel"), Some(&p1), json!({"reason": "feeling better"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, a2) = s.post("/api/appointments", Some(&p2), json!({"doctor_id": dr_id, "starts_at": slot})).await;
    assert_eq!(status, StatusCode::CREATED, "{a2}");
    let a2_id = a2["id"].as_str().unwrap().to_string();
    let (status, a2) = s.post(&format!("/api/appointments/{a2_id}/confirm"), Some(&dr), json!({})).await;
    assert_eq!((status, a2["status"].as_str()), (StatusCode::OK, Some("confirmed")));
    assert_eq!(a2["next_steps"], json!(["cancel", "complete", "no_show"]));
    assert_eq!(a2["billable"], true);
    let (status, _) = s.post(&format!("/api/appointments/{a2_id}/complete"), Some(&dr), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "not before it starts");

    // The visit: ten minutes in.
    let start = chrono::DateTime::parse_from_rfc3339(slot).unwrap().with_timezone(&chrono::Utc);
    s.advance(start - s.now() + chrono::Duration::minutes(10));
    let (status, note) = s
        .post(
            &format!("/api/patients/{p2_id}/notes"),
            Some(&dr),
            json!({"kind": "clinical", "appointment_id": a2_id, "text": "Chest clear"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    let form =
        reqwest::multipart::Form::new().text("kind", "lab").text("appointment_id", a2_id.clone()).text("description", "troponin").part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 troponin < 5".to_vec())
                .file_name("troponin.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let (status, doc) = s.multipart(&format!("/api/patients/{p2_id}/documents"), Some(&dr), form).await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let doc_id = doc["id"].as_str().unwrap();
    let resp = s.client.get(format!("{}/api/documents/{doc_id}/content", s.base)).bearer_auth(&p2).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"%PDF-1.4 troponin < 5");
    let (status, docs) = s.get(&format!("/api/patients/{p2_id}/documents"), Some(&p2)).await;
    assert_eq!((status, docs["total"].as_u64()), (StatusCode::OK, Some(1)));

    let (status, rx) = s
        .post(
            "/api/prescriptions",
            Some(&dr),
            json!({"appointment_id": a2_id, "diagnosis": "Musculoskeletal chest pain",
                   "medications": [{"name": "ibuprofen", "strength": "400 mg", "route": "oral", "frequency": "three times daily", "duration_days": 5}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rx}");
    let rx_id = rx["id"].as_str().unwrap();
    let (status, edited) = s
        .put(
            &format!("/api/prescriptions/{rx_id}"),
            Some(&dr),
            json!({"diagnosis": "Musculoskeletal chest pain",
                   "medications": [{"name": "ibuprofen", "strength": "200 mg", "route": "oral", "frequency": "three times daily", "duration_days": 5}]}),
        )
        .await;
    assert_eq!((status, edited["revision"].as_u64()), (StatusCode::OK, Some(2)));
    let (status, mine) = s.get(&format!("/api/prescriptions/{rx_id}"), Some(&p2)).await;
    assert_eq!((status, mine["medications"][0]["strength"].as_str()), (StatusCode::OK, Some("200 mg")));
    let (status, _) = s.post(&format!("/api/appointments/{a2_id}/complete"), Some(&dr), json!({})).await;
    assert_eq!(status, StatusCode::OK);

    // Billing at the desk.
    let (status, inv) = s.post("/api/invoices", Some(&desk), json!({"appointment_id": a2_id, "tax_rate": "7.5", "discount": "5"})).await;
    assert_eq!(status, StatusCode::CREATED, "{inv}");
    assert_eq!((inv["subtotal"].as_str(), inv["tax"].as_str(), inv["total"].as_str()), (Some("150.50"), Some("11.29"), Some("156.79")));
    let inv_id = inv["id"].as_str().unwrap();
    let (status, again) = s.post("/api/invoices", Some(&desk), json!({"appointment_id": a2_id})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let (status, paid) = s.post(&format!("/api/invoices/{inv_id}/pay"), Some(&desk), json!({"method": "card"})).await;
    assert_eq!((status, paid["status"].as_str()), (StatusCode::OK, Some("paid")));
    let (status, mine) = s.get("/api/invoices", Some(&p2)).await;
    assert_eq!((status, mine["total"].as_u64()), (StatusCode::OK, Some(1)));

    // Notifications.
    let (status, notes) = s.get("/api/notifications", Some(&p2)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(notes["total"].as_u64().unwrap() >= 4, "{notes}");
    let first = notes["items"][0]["id"].as_str().unwrap();
    let (status, one) = s.post(&format!("/api/notifications/{first}/read"), Some(&p2), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(one["read_at"].is_string());
    let (status, marked) = s.post("/api/notifications/read-all", Some(&p2), json!({})).await;
    assert_eq!((status, marked["marked"].as_u64()), (StatusCode::OK, Some(notes["total"].as_u64().unwrap() - 1)));

    // Admin views; the dashboard is cached and says when it was computed.
    let (status, dash) = s.get("/api/dashboard", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{dash}");
    assert_eq!(dash["revenue"], json!([{"amount": "156.79", "currency": "USD"}]));
    let (_, dash2) = s.get("/api/dashboard", Some(&admin)).await;
    assert_eq!(dash["computed_at"], dash2["computed_at"], "answered from the cache");
    let (status, audit) = s.get(&format!("/api/audit?patient_id={p2_id}&page_size=100"), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    let ops: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["operation"].as_str().unwrap()).collect();
    for op in ["appointment.book", "note.write", "document.upload", "document.download", "prescription.write", "invoice.pay"] {
        assert!(ops.contains(&op), "{op} missing from {ops:?}");
    }
    let (status, list) = s.get(&format!("/api/appointments?patient_id={p1_id}&status=cancelled"), Some(&desk)).await;
    assert_eq!((status, list["total"].as_u64()), (StatusCode::OK, Some(1)));
    let (status, health) = s.get("/readyz", None).await;
    assert_eq!((status, health["status"].as_str()), (StatusCode::OK, Some("ok")));
}
