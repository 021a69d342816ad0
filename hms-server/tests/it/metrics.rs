//! What operators see: `/metrics` in Prometheus' text format after a small day's traffic, and
//! `/readyz` refusing while the database lacks a migration this build knows.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

on_both!(metrics_after_a_days_traffic, readiness_waits_for_migrations);

/// Prometheus' text format, read: `name{labels}` → value (comments left out).
fn parse(text: &str) -> HashMap<String, f64> {
    let mut samples = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let (key, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("a sample line: {line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("a number: {line}"));
        samples.insert(key.to_string(), value);
    }
    samples
}

/// The sum of the samples whose key starts with `name{` and holds every label of `labels`.
fn sum(samples: &HashMap<String, f64>, name: &str, labels: &[&str]) -> f64 {
    samples.iter().filter(|(k, _)| k.starts_with(&format!("{name}{{")) && labels.iter().all(|l| k.contains(l))).map(|(_, v)| v).sum()
}

async fn metrics_after_a_days_traffic(s: &TestServer) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_at = format!("http://{}/metrics", listener.local_addr().unwrap());
    let endpoint = hms_server::metrics::endpoint(s.hospital.clone());
    let server = tokio::spawn(hms_server::serve::serve(listener, endpoint, Default::default(), std::future::pending::<()>()));

    let (dr, dr_id) = s.doctor(1).await;
    let (p1, _) = s.patient(1).await;
    let slot = s.slots(&dr_id).await[0].clone();
    let (status, a) = s.post("/api/appointments", Some(&p1), json!({"doctor_id": dr_id, "starts_at": slot})).await;
    assert_eq!(status, StatusCode::CREATED);
    let a_id = a["id"].as_str().unwrap();
    let (status, _) = s.post(&format!("/api/appointments/{a_id}/confirm"), Some(&dr), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, rx) = s
        .post(
            "/api/prescriptions",
            Some(&dr),
            json!({"appointment_id": a_id, "diagnosis": "Pharyngitis",
                   "medications": [{"name": "amoxicillin", "strength": "500 mg", "route": "oral", "frequency": "three times daily", "duration_days": 10}]}),
        )
        .await;
    let (status, _) = s.post(&format!("/api/prescriptions/{}/analysis", rx["id"].as_str().unwrap()), Some(&dr), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.post("/api/auth/login", None, json!({"email": "patient1@example.org", "password": "not the password"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = s.get("/no/such/page", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let resp = s.client.get(&metrics_at).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let m = parse(&resp.text().await.unwrap());
    let requests = "hms_http_requests_total";
    assert!(sum(&m, requests, &[r#"method="POST""#, r#"route="/api/appointments""#, r#"status="201""#]) >= 1.0, "{m:?}");
    assert!(sum(&m, requests, &[r#"route="/api/appointments/{id}/confirm""#, r#"status="200""#]) >= 1.0);
    assert!(sum(&m, requests, &[r#"route="/api/auth/login""#, r#"status="401""#]) >= 1.0);
    assert!(sum(&m, requests, &[r#"route="other""#, r#"status="404""#]) >= 1.0, "unknown paths share one label");
    assert!(!m.keys().any(|k| k.contains(a_id)), "no label holds an id");
    // The latency histogram: buckets that grow with `le`, and a count equal to the +Inf bucket.
    let route = r#"route="/api/appointments""#;
    let inf = sum(&m, "hms_http_request_duration_seconds_bucket", &[route, r#"method="POST""#, r#"le="+Inf""#]);
    let fast = sum(&m, "hms_http_request_duration_seconds_bucket", &[route, r#"method="POST""#, r#"le="0.001""#]);
    let count = m
        .iter()
        .find(|(k, _)| k.starts_with("hms_http_request_duration_seconds_count") && k.contains(route) && k.contains("POST"))
        .map(|(_, v)| *v);
    assert!(inf >= 1.0 && fast <= inf && count == Some(inf), "{inf} {fast} {count:?}");
    assert!(sum(&m, "hms_failed_sign_ins_total", &[r#"reason="credentials""#]) >= 1.0);
    assert!(sum(&m, "hms_analyses_total", &[r#"outcome="checks_only""#]) >= 1.0);
    assert!(sum(&m, "hms_analysis_duration_seconds_count", &[r#"outcome="checks_only""#]) >= 1.0);
    assert!(m.contains_key(r#"hms_db_connections{state="idle"}"#) && m.contains_key(r#"hms_db_connections{state="in_use"}"#));
    assert!(m.contains_key("hms_db_writers_waiting"));
    assert!(sum(&m, "hms_db_begin_wait_seconds_count", &[r#"mode="write""#]) >= 1.0, "how long transactions waited to begin");
    // The booking and the confirmation queued e-mails; no dispatcher sends them here.
    assert!(m["hms_email_outbox_unsent"] >= 2.0, "{:?}", m.get("hms_email_outbox_unsent"));
    server.abort();
}

async fn readiness_waits_for_migrations(s: &TestServer) {
    let (status, ready) = s.get("/readyz", None).await;
    assert_eq!((status, ready["status"].as_str()), (StatusCode::OK, Some("ok")));
    // The database as a restore of an older backup would leave it: its newest migration undone.
    let forget = "delete from _sqlx_migrations where version = (select max(version) from _sqlx_migrations)";
    if s.database_url().starts_with("sqlite:") {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(s.database_url()).await.unwrap();
        sqlx::query(forget).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(s.database_url()).await.unwrap();
        sqlx::query(forget).execute(&mut conn).await.unwrap();
    }
    let resp = s.client.get(format!("{}/readyz", s.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "migrations pending");
    let (status, _) = s.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK, "the process is alive all the same");
}
