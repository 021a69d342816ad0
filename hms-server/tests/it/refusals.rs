//! Refusals over HTTP: DOMAIN.md's permission table at the edge, and bad input.

use hms_core::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

on_both!(refusals_over_http);

async fn refusals_over_http(s: &TestServer) {
    let admin = s.admin().await;
    let desk = s.staff(&admin, Role::Receptionist, 1).await;
    let (dr, dr_id) = s.doctor(1).await;
    let (dr2, _) = s.doctor(2).await;
    let (p1, p1_id) = s.patient(1).await;
    let (p2, _) = s.patient(2).await;
    let slot = s.slots(&dr_id).await[0].clone();
    let (_, a) = s.post("/api/appointments", Some(&p1), json!({"doctor_id": dr_id, "starts_at": slot})).await;
    let a_id = a["id"].as_str().unwrap().to_string();
    s.post(&format!("/api/appointments/{a_id}/confirm"), Some(&dr), json!({})).await;
    let (_, rx) = s
        .post(
            "/api/prescriptions",
            Some(&dr),
            json!({"appointment_id": a_id, "diagnosis": "Otitis", "medications": [{"name": "amoxicillin", "strength": "500 mg", "route": "oral", "frequency": "tid", "duration_days": 7}]}),
        )
        .await;
    let rx_id = rx["id"].as_str().unwrap();
    let (_, inv) = s.post("/api/invoices", Some(&desk), json!({"appointment_id": a_id})).await;
    let inv_id = inv["id"].as_str().unwrap();
    let form = reqwest::multipart::Form::new()
        .text("kind", "scan")
        .part("file", reqwest::multipart::Part::bytes(b"\x89PNG....".to_vec()).file_name("xray.png").mime_str("image/png").unwrap());
    let (status, doc) = s.multipart(&format!("/api/patients/{p1_id}/documents"), Some(&p1), form).await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let doc_id = doc["id"].as_str().unwrap();

    // Another patient's records answer 404, exactly as missing ones do.
    for path in [
        format!("/api/prescriptions/{rx_id}"),
        format!("/api/invoices/{inv_id}"),
        format!("/api/documents/{doc_id}"),
        format!("/api/documents/{doc_id}/content"),
        format!("/api/patients/{p1_id}"),
        format!("/api/patients/{p1_id}/notes"),
        format!("/api/appointments/{a_id}"),
    ] {
        let (status, body) = s.get(&path, Some(&p2)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, _) = s.get(&format!("/api/prescriptions/{}", uuid::Uuid::now_v7()), Some(&p2)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Another doctor neither.
    let (status, _) = s.get(&format!("/api/prescriptions/{rx_id}"), Some(&dr2)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A patient never pays, completes or confirms.
    let (status, _) = s.post(&format!("/api/invoices/{inv_id}/pay"), Some(&p1), json!({"method": "cash"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s.post(&format!("/api/appointments/{a_id}/complete"), Some(&p1), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s.post(&format!("/api/appointments/{a_id}/confirm"), Some(&p1), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Nobody changes their own role; nobody registers as admin; only admins reach admin views.
    let (status, _) = s.patch("/api/auth/profile", Some(&p1), json!({"role": "admin"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, me) = s.get("/api/auth/profile", Some(&p1)).await;
    assert_eq!(me["role"], "patient");
    let (status, body) = s
        .post(
            "/api/auth/register",
            None,
            json!({"email": "mallory@example.org", "password": PASSWORD, "full_name": "Mallory", "role": "admin"}),
        )
        .await;
    // The document names the roles one may register with: another is malformed.
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["detail"].as_str().unwrap().contains("RegisterRole"), "{body}");
    for path in ["/api/dashboard", "/api/audit", "/api/users"] {
        let (status, _) = s.get(path, Some(&desk)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _) =
        s.post("/api/users", Some(&p1), json!({"email": "x@example.org", "password": PASSWORD, "full_name": "X", "role": "admin"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Without a token: 401; with a forged one: 401.
    let (status, _) = s.get("/api/appointments", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = s.get("/api/appointments", Some("not.a.token")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Malformed input is 4xx, never 5xx.
    let resp = s
        .client
        .post(format!("{}/api/appointments", s.base))
        .bearer_auth(&p1)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let (status, _) = s.post("/api/appointments", Some(&p1), json!({"doctor_id": "nope", "starts_at": slot})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = s.get("/api/appointments?status=bogus", Some(&p1)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = s.get("/api/doctors?page_size=1000", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["detail"].as_str().unwrap().contains("page_size"), "{body}");
    // An oversize body is refused from its headers, before it is read.
    let (status, head) = raw_request(
        &s.base,
        &format!(
            "POST /api/patients/{p1_id}/documents HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {p1}\r\ncontent-type: multipart/form-data; boundary=x\r\ncontent-length: {}\r\n\r\n",
            2 * 1024 * 1024
        ),
    )
    .await;
    assert_eq!(status, 413, "{head}");
    assert!(head.to_ascii_lowercase().contains("application/problem+json"), "{head}");
    let exe = reqwest::multipart::Form::new()
        .text("kind", "other")
        .part("file", reqwest::multipart::Part::bytes(b"MZ".to_vec()).file_name("run.exe").mime_str("application/x-msdownload").unwrap());
    let (status, body) = s.multipart(&format!("/api/patients/{p1_id}/documents"), Some(&p1), exe).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("content_type")));
    let (status, _) = s.get("/api/no/such/thing", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Sends raw request bytes and returns the status and the head of the answer.
async fn raw_request(base: &str, request: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut buf)).await.expect("an answer in time").unwrap();
    let head = String::from_utf8_lossy(&buf[..n]).to_string();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head)
}
