//! Optimistic concurrency over HTTP (RFC 9110): the answers about a record that can be edited
//! carry an `ETag` naming its version; a change with `If-Match` is made only while the record is
//! at a version it names (412 Precondition Failed otherwise, and nothing changes); a change without
//! `If-Match` behaves as it always did.

use hms_core::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

on_both!(edits_carry_and_honour_entity_tags);

/// One request, with an optional `If-Match`: (status, `ETag`, body).
async fn send(
    s: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (StatusCode, Option<String>, Value) {
    let mut req = s.client.request(method, format!("{}{path}", s.base)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    let resp = req.send().await.expect("the server answers");
    let status = resp.status();
    let etag = resp.headers().get("etag").map(|v| v.to_str().unwrap().to_string());
    let problem = resp.headers().get("content-type").is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    let body: Value = resp.json().await.expect("a JSON body");
    if !status.is_success() {
        assert!(problem, "an error answer is a problem document: {body}");
    }
    (status, etag, body)
}

use reqwest::Method;

async fn edits_carry_and_honour_entity_tags(s: &TestServer) {
    let admin = s.admin().await;
    let desk = s.staff(&admin, Role::Receptionist, 1).await;
    let (dr, dr_id) = s.doctor(1).await;
    let (pt, _) = s.patient(1).await;

    // An appointment: made at version 1; a step with the current tag moves it on, a step with a
    // stale one is refused and changes nothing, a step without If-Match is taken as before.
    let slot = s.slots(&dr_id).await[1].clone();
    let (status, tag, a) =
        send(s, Method::POST, "/api/appointments", &pt, Some(json!({"doctor_id": dr_id, "starts_at": slot})), None).await;
    assert_eq!((status, tag.as_deref(), a["version"].as_u64()), (StatusCode::CREATED, Some("\"1\""), Some(1)), "{a}");
    let a_path = format!("/api/appointments/{}", a["id"].as_str().unwrap());
    let (status, tag, _) = send(s, Method::GET, &a_path, &pt, None, None).await;
    assert_eq!((status, tag.as_deref()), (StatusCode::OK, Some("\"1\"")));
    let (status, tag, a) = send(s, Method::POST, &format!("{a_path}/confirm"), &dr, Some(json!({})), Some("\"1\"")).await;
    assert_eq!((status, tag.as_deref(), a["status"].as_str()), (StatusCode::OK, Some("\"2\""), Some("confirmed")), "{a}");
    let (status, _, problem) = send(s, Method::POST, &format!("{a_path}/cancel"), &pt, Some(json!({})), Some("\"1\"")).await;
    assert_eq!((status, problem["status"].as_u64()), (StatusCode::PRECONDITION_FAILED, Some(412)), "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("version 2"), "{problem}");
    let (_, tag, a) = send(s, Method::GET, &a_path, &pt, None, None).await;
    assert_eq!((tag.as_deref(), a["status"].as_str()), (Some("\"2\""), Some("confirmed")), "the refused step changed nothing");

    // A patient record: a list of tags matches if any does; `*` matches any version; a weak tag
    // or one hms never gives out matches none.
    let (status, tag, me) = send(s, Method::GET, "/api/patients/me", &pt, None, None).await;
    assert_eq!((status, tag.as_deref(), me["version"].as_u64()), (StatusCode::OK, Some("\"1\""), Some(1)));
    let (status, tag, me) =
        send(s, Method::PATCH, "/api/patients/me", &pt, Some(json!({"address": "1 Elm Row"})), Some("\"7\", \"1\"")).await;
    assert_eq!((status, tag.as_deref(), me["address"].as_str()), (StatusCode::OK, Some("\"2\""), Some("1 Elm Row")), "{me}");
    for stale in ["\"1\"", "W/\"2\"", "2", "\"two\""] {
        let (status, _, problem) =
            send(s, Method::PATCH, "/api/patients/me", &pt, Some(json!({"address": "elsewhere"})), Some(stale)).await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED, "If-Match: {stale}: {problem}");
    }
    let (status, tag, _) = send(s, Method::PATCH, "/api/patients/me", &pt, Some(json!({"address": "2 Elm Row"})), Some("*")).await;
    assert_eq!((status, tag.as_deref()), (StatusCode::OK, Some("\"3\"")));
    let (status, tag, me) = send(s, Method::PATCH, "/api/patients/me", &pt, Some(json!({"address": "3 Elm Row"})), None).await;
    assert_eq!((status, tag.as_deref(), me["address"].as_str()), (StatusCode::OK, Some("\"4\""), Some("3 Elm Row")));

    // A prescription's tag is its revision.
    s.advance(chrono::DateTime::parse_from_rfc3339(&slot).unwrap().with_timezone(&chrono::Utc) - s.now() + chrono::Duration::minutes(5));
    let medication = |strength: &str| json!([{"name": "ibuprofen", "strength": strength, "route": "oral", "frequency": "three times daily", "duration_days": 5}]);
    let (status, tag, rx) = send(
        s,
        Method::POST,
        "/api/prescriptions",
        &dr,
        Some(json!({"appointment_id": a["id"], "diagnosis": "Back pain", "medications": medication("400 mg")})),
        None,
    )
    .await;
    assert_eq!((status, tag.as_deref()), (StatusCode::CREATED, Some("\"1\"")), "{rx}");
    let rx_path = format!("/api/prescriptions/{}", rx["id"].as_str().unwrap());
    let edit = |strength: &str| Some(json!({"diagnosis": "Back pain", "medications": medication(strength)}));
    let (status, tag, rx) = send(s, Method::PUT, &rx_path, &dr, edit("200 mg"), Some("\"1\"")).await;
    assert_eq!((status, tag.as_deref(), rx["revision"].as_u64()), (StatusCode::OK, Some("\"2\""), Some(2)));
    let (status, _, _) = send(s, Method::PUT, &rx_path, &dr, edit("600 mg"), Some("\"1\"")).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let (_, tag, rx) = send(s, Method::GET, &rx_path, &dr, None, None).await;
    assert_eq!((tag.as_deref(), rx["medications"][0]["strength"].as_str()), (Some("\"2\""), Some("200 mg")));

    // An invoice: a payment against a version it never had is refused, and it stays pending.
    let (status, _, _) = send(s, Method::POST, &format!("{a_path}/complete"), &dr, Some(json!({})), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, tag, inv) = send(s, Method::POST, "/api/invoices", &desk, Some(json!({"appointment_id": a["id"]})), None).await;
    assert_eq!((status, tag.as_deref()), (StatusCode::CREATED, Some("\"1\"")), "{inv}");
    let inv_path = format!("/api/invoices/{}", inv["id"].as_str().unwrap());
    let (status, _, _) = send(s, Method::POST, &format!("{inv_path}/pay"), &desk, Some(json!({"method": "card"})), Some("\"5\"")).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let (_, tag, inv) = send(s, Method::GET, &inv_path, &desk, None, None).await;
    assert_eq!((tag.as_deref(), inv["status"].as_str()), (Some("\"1\""), Some("pending")));
    let (status, tag, inv) = send(s, Method::POST, &format!("{inv_path}/pay"), &desk, Some(json!({"method": "card"})), Some("\"1\"")).await;
    assert_eq!((status, tag.as_deref(), inv["status"].as_str()), (StatusCode::OK, Some("\"2\""), Some("paid")));

    // A doctor's profile and one's own account.
    let (status, tag, _) = send(s, Method::GET, &format!("/api/doctors/{dr_id}"), &pt, None, None).await;
    assert_eq!((status, tag.as_deref()), (StatusCode::OK, Some("\"1\"")));
    let (status, tag, _) = send(s, Method::PATCH, "/api/doctors/me", &dr, Some(json!({"bio": "Backs"})), Some("\"1\"")).await;
    assert_eq!((status, tag.as_deref()), (StatusCode::OK, Some("\"2\"")));
    let (status, _, _) =
        send(s, Method::PATCH, &format!("/api/doctors/{dr_id}"), &admin, Some(json!({"bio": "Knees"})), Some("\"1\"")).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let (status, tag, _) = send(s, Method::GET, "/api/auth/profile", &dr, None, None).await;
    assert_eq!((status, tag.as_deref()), (StatusCode::OK, Some("\"1\"")));
    let (status, tag, _) = send(s, Method::PATCH, "/api/auth/profile", &dr, Some(json!({"full_name": "Doctor Q"})), Some("\"1\"")).await;
    assert_eq!((status, tag.as_deref()), (StatusCode::OK, Some("\"2\"")));
    let (status, _, _) = send(s, Method::PATCH, "/api/auth/profile", &dr, Some(json!({"full_name": "Doctor R"})), Some("\"1\"")).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    // An admin deactivating an account it read before the doctor renamed it is refused.
    let user = format!("/api/users/{dr_id}");
    let (status, _, _) = send(s, Method::PATCH, &user, &admin, Some(json!({"active": false})), Some("\"1\"")).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let (status, tag, u) = send(s, Method::PATCH, &user, &admin, Some(json!({"active": false})), Some("\"2\"")).await;
    assert_eq!((status, tag.as_deref(), u["active"].as_bool()), (StatusCode::OK, Some("\"3\""), Some(false)));
}
