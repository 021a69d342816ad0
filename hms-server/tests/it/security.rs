//! Account security over HTTP: password reset by e-mail (through a real SMTP conversation), the
//! second factor and the two-step sign-in, sessions listed and ended, and an admin's powers.

use std::sync::{Arc, Mutex};

use hms_server::mail::{Mailer, dispatch_once};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

on_both!(password_reset_over_http, second_factor_over_http, sessions_over_http);

/// The reset token in the last e-mail the SMTP server received for `to`.
fn token_in(messages: &Arc<Mutex<Vec<String>>>, to: &str) -> String {
    let messages = messages.lock().unwrap();
    let message = messages.iter().rev().find(|m| m.contains(to) && m.contains("Reset your password")).expect("a reset e-mail");
    // Undo quoted-printable soft line breaks, then find the `<id>.<secret>` token.
    let text = message.replace("=\r\n", "").replace("=\n", "");
    text.split_whitespace()
        .find(|w| w.len() == 97 && w.as_bytes()[32] == b'.' && w.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.'))
        .expect("a token")
        .to_string()
}

async fn password_reset_over_http(s: &TestServer) {
    let (port, messages) = smtp_sink().await;
    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{port}"), "hms <no-reply@hms.localhost>").unwrap();
    let admin = s.admin().await;
    let (p1, p1_id) = s.patient(1).await;

    // Known and unknown addresses get the same answer.
    let (known_status, known) = s.post("/api/auth/password-reset", None, json!({"email": "patient1@example.org"})).await;
    let (unknown_status, unknown) = s.post("/api/auth/password-reset", None, json!({"email": "nobody@example.org"})).await;
    assert_eq!((known_status, &known), (unknown_status, &unknown));
    assert_eq!(known_status, StatusCode::OK);
    dispatch_once(&s.hospital, &mailer).await.unwrap();
    let token = token_in(&messages, "patient1@example.org");
    assert!(!messages.lock().unwrap().iter().any(|m| m.contains("nobody@example.org")), "no account, no e-mail");

    // The token sets a new password once; every session ends.
    let (status, bad) = s.post("/api/auth/password-reset/confirm", None, json!({"token": token, "new_password": "short"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let (status, _) =
        s.post("/api/auth/password-reset/confirm", None, json!({"token": token, "new_password": "a brand new passphrase"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s.get("/api/auth/profile", Some(&p1)).await.0, StatusCode::UNAUTHORIZED, "the old session ended");
    let (status, again) =
        s.post("/api/auth/password-reset/confirm", None, json!({"token": token, "new_password": "another passphrase!"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
    let (status, _) = s.post("/api/auth/login", None, json!({"email": "patient1@example.org", "password": "a brand new passphrase"})).await;
    assert_eq!(status, StatusCode::OK);

    // An admin forces a reset: 200 for the admin, a link for the user only; patients may not.
    let (status, _) = s.post(&format!("/api/users/{p1_id}/password-reset"), Some(&admin), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    dispatch_once(&s.hospital, &mailer).await.unwrap();
    assert_ne!(token_in(&messages, "patient1@example.org"), token);
    let (p2, _) = s.patient(2).await;
    assert_eq!(s.post(&format!("/api/users/{p1_id}/password-reset"), Some(&p2), json!({})).await.0, StatusCode::FORBIDDEN);

    // The database holds no token in clear: the queued e-mails are sealed.
    let url = s.database_url().to_string();
    let bodies: Vec<String> = if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query_scalar("select body from outgoing_email").fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query_scalar("select body from outgoing_email").fetch_all(&pool).await.unwrap()
    };
    assert!(bodies.iter().all(|b| !b.contains(&token[33..])));
    assert!(bodies.iter().any(|b| b.contains("[[sealed:v1.")));

    // Throttled like sign-ins: the same answer for every address, then 429 with Retry-After.
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        last = s.post("/api/auth/password-reset", None, json!({"email": "nobody@example.org"})).await.0;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

/// The current code of an authenticator holding `base32`, at the server's time.
fn code(s: &TestServer, base32: &str, offset_secs: i64) -> String {
    let key = totp_rs::Secret::Encoded(base32.into()).to_bytes().unwrap();
    hms_core::security::totp_code(&key, 6, (s.now().timestamp() + offset_secs) as u64)
}

async fn second_factor_over_http(s: &TestServer) {
    let (p1, _) = s.patient(1).await;
    let (status, e) = s.post("/api/auth/second-factor", Some(&p1), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    let secret = e["secret_base32"].as_str().unwrap().to_string();
    assert!(e["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/"));
    let (status, codes) = s.post("/api/auth/second-factor/confirm", Some(&p1), json!({"code": code(s, &secret, 0)})).await;
    assert_eq!(status, StatusCode::OK, "{codes}");
    let recovery = codes["recovery_codes"].as_array().unwrap().clone();
    assert_eq!(recovery.len(), 10);
    assert_eq!(s.get("/api/auth/second-factor", Some(&p1)).await.1["enabled"], true);

    // The password alone answers a challenge (202); the code completes the sign-in, once.
    let login = json!({"email": "patient1@example.org", "password": PASSWORD});
    let (status, step) = s.post("/api/auth/login", None, login.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{step}");
    assert!(step.get("access_token").is_none());
    s.advance(chrono::Duration::seconds(30));
    let c = step["challenge"].as_str().unwrap();
    let (status, wrong) = s.post("/api/auth/login/second-factor", None, json!({"challenge": c, "code": "000000"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong}");
    let now_code = code(s, &secret, 0);
    let (status, tokens) = s.post("/api/auth/login/second-factor", None, json!({"challenge": c, "code": now_code})).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_string();
    assert_eq!(s.get("/api/auth/profile", Some(&access)).await.0, StatusCode::OK);
    let (_, step) = s.post("/api/auth/login", None, login.clone()).await;
    let replay = json!({"challenge": step["challenge"], "code": now_code});
    assert_eq!(s.post("/api/auth/login/second-factor", None, replay).await.0, StatusCode::UNAUTHORIZED, "a code works once");
    // A recovery code, once.
    let (_, step) = s.post("/api/auth/login", None, login.clone()).await;
    let with_recovery = json!({"challenge": step["challenge"], "code": recovery[0]});
    assert_eq!(s.post("/api/auth/login/second-factor", None, with_recovery.clone()).await.0, StatusCode::OK);
    let (_, step) = s.post("/api/auth/login", None, login.clone()).await;
    let again = json!({"challenge": step["challenge"], "code": recovery[0]});
    assert_eq!(s.post("/api/auth/login/second-factor", None, again).await.0, StatusCode::UNAUTHORIZED);

    // The code step is throttled.
    let (_, step) = s.post("/api/auth/login", None, login.clone()).await;
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        last = s.post("/api/auth/login/second-factor", None, json!({"challenge": step["challenge"], "code": "123456"})).await.0;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);

    // Turned off with a valid code, sign-in is one step again.
    s.advance(chrono::Duration::minutes(20));
    let (status, _) = s.post("/api/auth/second-factor/disable", Some(&access), json!({"code": code(s, &secret, 0)})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s.post("/api/auth/login", None, login).await.0, StatusCode::OK);
}

async fn sessions_over_http(s: &TestServer) {
    let admin = s.admin().await;
    let (p1, p1_id) = s.patient(1).await;
    let (other, _, _) = s.login("patient1@example.org").await;
    let (status, listed) = s.get("/api/auth/sessions", Some(&p1)).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let listed = listed.as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().filter(|x| x["current"] == true).count(), 1);
    assert!(listed.iter().all(|x| x["client_address"] == "127.0.0.1"));
    let theirs = listed.iter().find(|x| x["current"] == false).unwrap()["id"].as_str().unwrap().to_string();
    let (status, _) = s.send_delete(&format!("/api/auth/sessions/{theirs}"), Some(&p1)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s.get("/api/auth/profile", Some(&other)).await.0, StatusCode::UNAUTHORIZED);

    // Changing the password keeps this session and ends the others.
    let (third, _, _) = s.login("patient1@example.org").await;
    let change = json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"});
    assert_eq!(s.post("/api/auth/password", Some(&p1), change).await.0, StatusCode::OK);
    assert_eq!(s.get("/api/auth/profile", Some(&third)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(s.get("/api/auth/profile", Some(&p1)).await.0, StatusCode::OK);

    // An admin ends every session of the account; a patient may not.
    assert_eq!(s.send_delete(&format!("/api/users/{p1_id}/sessions"), Some(&p1)).await.0, StatusCode::FORBIDDEN);
    let (status, ended) = s.send_delete(&format!("/api/users/{p1_id}/sessions"), Some(&admin)).await;
    assert_eq!((status, ended["marked"].as_u64()), (StatusCode::OK, Some(1)));
    assert_eq!(s.get("/api/auth/profile", Some(&p1)).await.0, StatusCode::UNAUTHORIZED);
}
