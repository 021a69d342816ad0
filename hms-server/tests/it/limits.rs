//! Limits a public server needs: security headers, CORS from the allow-list, deadlines for slow
//! clients, and throttled sign-ins shared through the database.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

async fn security_headers_on_every_response(s: &TestServer) {
    let (_, p1_id) = s.patient(1).await;
    let (token, _, _) = s.login("patient1@example.org").await;
    let cases = [
        (format!("/api/patients/{p1_id}"), Some(token.clone()), 200, false),
        ("/api/no/such/thing".to_string(), None, 404, false),
        ("/api/appointments".to_string(), None, 401, false),
        ("/openapi.json".to_string(), None, 200, false),
        ("/docs".to_string(), None, 200, true),
    ];
    for (path, token, status, docs) in cases {
        let mut req = s.client.get(format!("{}{path}", s.base));
        if let Some(t) = &token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{path}");
        let h = resp.headers();
        let header = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        let csp = header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(csp.contains("'unsafe-inline'"), docs, "only Swagger UI may run inline script: {path}: {csp}");
        if path.starts_with("/api/") {
            assert_eq!(header("cache-control"), "no-store", "patient data is never cached: {path}");
        }
        assert!(h.get("strict-transport-security").is_none(), "HSTS only when configured");
        assert!(h.contains_key("x-request-id"), "{path}");
    }
}

async fn cors_follows_the_allow_list(s: &TestServer) {
    let preflight = |origin: &'static str| {
        s.client
            .request(reqwest::Method::OPTIONS, format!("{}/api/appointments", s.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let ok = preflight("https://app.example.org").await.unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://app.example.org");
    assert!(ok.headers()["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    assert!(ok.headers()["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    assert!(ok.headers().get("access-control-allow-credentials").is_none(), "bearer tokens, not cookies");

    let refused = preflight("https://evil.example.net").await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.headers().get("access-control-allow-origin").is_none());
    assert!(refused.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));

    let get = |origin: &'static str| s.client.get(format!("{}/api/doctors", s.base)).header("origin", origin).send();
    let allowed = get("https://app.example.org").await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://app.example.org");
    assert!(allowed.headers()["access-control-expose-headers"].to_str().unwrap().contains("location"));
    let other = get("https://evil.example.net").await.unwrap();
    assert_eq!(other.status(), StatusCode::OK, "served, but a browser will not let the other origin read it");
    assert!(other.headers().get("access-control-allow-origin").is_none());
    // A look-alike origin is not the allowed one.
    let lookalike = get("https://app.example.org.evil.example.net").await.unwrap();
    assert!(lookalike.headers().get("access-control-allow-origin").is_none());
}

/// Opens a raw connection to the server.
async fn connect(s: &TestServer) -> tokio::net::TcpStream {
    tokio::net::TcpStream::connect(s.base.trim_start_matches("http://")).await.unwrap()
}

/// Reads until the server closes the connection (or 10 s pass); returns what it sent.
async fn read_to_close(stream: &mut tokio::net::TcpStream) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await.expect("the server closes the connection");
    String::from_utf8_lossy(&out).to_string()
}

async fn slow_clients_are_cut_off(s: &TestServer) {
    // A request head trickled byte by byte: the connection is closed once the head deadline (1 s here) passes.
    let mut stream = connect(s).await;
    let started = Instant::now();
    let head = b"GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: ";
    stream.write_all(head).await.unwrap();
    let writer = async {
        for _ in 0..40 {
            if stream.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    };
    writer.await;
    let answer = read_to_close(&mut stream).await;
    assert!(!answer.contains("200 OK"), "a trickled head is never served: {answer}");
    // An idle keep-alive connection is closed too.
    let mut idle = connect(s).await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
    let answer = read_to_close(&mut idle).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(30));

    // A body announced but not sent in full: 408 once the body deadline (1 s here) passes.
    let (token, _) = s.patient(1).await;
    let mut stream = connect(s).await;
    let request = format!(
        "PATCH /api/patients/me HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"phone\":"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("application/problem+json"), "{answer}");
    // Nothing was changed by the cut-off request.
    let (_, me) = s.get("/api/patients/me", Some(&token)).await;
    assert!(me["phone"].is_null(), "{me}");
}

async fn sign_in_floods_are_throttled(s: &TestServer) {
    s.patient(1).await;
    // Failures against many accounts from one address: after 50 the address is refused, even with a right password.
    for i in 0..50 {
        let (status, _) =
            s.post("/api/auth/login", None, json!({"email": format!("guess{i}@example.org"), "password": "wrong password"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let resp = s
        .client
        .post(format!("{}/api/auth/login", s.base))
        .json(&json!({"email": "patient1@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    // The counts live in the database: the window passes on the server's clock, then sign-in works.
    s.advance(chrono::Duration::minutes(16));
    s.login("patient1@example.org").await;
}

on_both!(security_headers_on_every_response, cors_follows_the_allow_list, slow_clients_are_cut_off, sign_in_floods_are_throttled);
