//! The portal as the server serves it: its files and their headers, and the refresh token as an
//! HttpOnly cookie that the refresh and logout endpoints accept.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, COOKIE, ETAG, IF_NONE_MATCH, SET_COOKIE};
use serde_json::json;

use crate::common::*;

/// The `hms_refresh` values of a response's `Set-Cookie` headers, checked for their attributes:
/// `(value, path)` of each.
fn refresh_cookies(resp: &reqwest::Response) -> Vec<(String, String)> {
    resp.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .filter(|v| v.starts_with("hms_refresh="))
        .map(|v| {
            let attrs: Vec<&str> = v.split("; ").collect();
            assert!(attrs.contains(&"HttpOnly"), "{v}");
            assert!(attrs.contains(&"SameSite=Strict"), "{v}");
            let value = attrs[0].trim_start_matches("hms_refresh=").to_string();
            let path = attrs.iter().find_map(|a| a.strip_prefix("Path=")).expect("a path").to_string();
            (value, path)
        })
        .collect()
}

async fn refresh_cookie(s: &TestServer) {
    s.patient(1).await;
    let login = s
        .client
        .post(format!("{}/api/auth/login", s.base))
        .json(&json!({"email": "patient1@example.org", "password": PASSWORD, "refresh_cookie": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let cookies = refresh_cookies(&login);
    let paths: Vec<&str> = cookies.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(paths, ["/api/auth/refresh", "/api/auth/logout"], "one cookie for each endpoint that takes it");
    assert!(!login.headers().get_all(SET_COOKIE).iter().any(|v| v.to_str().unwrap().contains("Secure")), "plain HTTP: not Secure");
    let token = cookies[0].0.clone();
    let body: serde_json::Value = login.json().await.unwrap();
    assert!(body.get("refresh_token").is_none(), "the token is not in the JSON answer: {body}");
    assert!(body["access_token"].is_string());

    // Refresh with the cookie alone: a new access token, and the next refresh token as a cookie.
    let refreshed = s
        .client
        .post(format!("{}/api/auth/refresh", s.base))
        .header(COOKIE, format!("hms_refresh={token}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK);
    let next = refresh_cookies(&refreshed);
    assert_eq!(next.len(), 2);
    assert_ne!(next[0].0, token, "the cookie's token rotates");
    let access = refreshed.json::<serde_json::Value>().await.unwrap()["access_token"].as_str().unwrap().to_string();
    // The spent token is refused (and ends the session, as a body's would).
    let reused = s
        .client
        .post(format!("{}/api/auth/refresh", s.base))
        .header(COOKIE, format!("hms_refresh={token}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(s.get("/api/auth/profile", Some(&access)).await.0, StatusCode::UNAUTHORIZED);

    // Neither a body token nor a cookie: a clear refusal.
    let (status, problem) = s.post("/api/auth/refresh", None, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "refresh_token");

    // Logout clears the cookies; a body token still works for clients that are not browsers.
    let (access, refresh, _) = s.login("patient1@example.org").await;
    let logout = s.client.post(format!("{}/api/auth/logout", s.base)).bearer_auth(&access).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::OK);
    let cleared: Vec<String> = logout.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect();
    assert_eq!(cleared.len(), 2);
    assert!(cleared.iter().all(|c| c.starts_with("hms_refresh=;") && c.contains("Max-Age=0")), "{cleared:?}");
    assert_eq!(s.post("/api/auth/refresh", None, json!({"refresh_token": refresh})).await.0, StatusCode::UNAUTHORIZED);

    // Behind an HTTPS proxy the cookie is Secure.
    let secure = s
        .client
        .post(format!("{}/api/auth/login", s.base))
        .header("x-forwarded-proto", "https")
        .json(&json!({"email": "patient1@example.org", "password": PASSWORD, "refresh_cookie": true}))
        .send()
        .await
        .unwrap();
    assert!(secure.headers().get_all(SET_COOKIE).iter().all(|v| v.to_str().unwrap().ends_with("; Secure")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refresh_cookie_sqlite() {
    let s = TestServer::start(hms_store::testing::TempDatabase::sqlite(), std::time::Duration::from_secs(60)).await;
    refresh_cookie(&s).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refresh_cookie_postgres() {
    let s = TestServer::start(hms_store::testing::TempDatabase::postgres().await, std::time::Duration::from_secs(60)).await;
    refresh_cookie(&s).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_is_served_at_the_root_with_its_own_policy() {
    let s = TestServer::start(hms_store::testing::TempDatabase::sqlite(), std::time::Duration::from_secs(60)).await;
    let page = s.client.get(format!("{}/", s.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let csp = page.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    let etag = page.headers()[ETAG].clone();
    assert!(page.text().await.unwrap().contains("/js/app.js"));

    // The browser revalidates: an unchanged file is a 304.
    let again = s.client.get(format!("{}/", s.base)).header(IF_NONE_MATCH, etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let script = s.client.get(format!("{}/js/app.js", s.base)).send().await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));

    // Nothing outside the portal's files: no parent or hidden paths, no API path.
    for path in ["/js/../Cargo.toml", "/.git/config", "/js/missing.js", "/api/nothing-here"] {
        let resp = s.client.get(format!("{}{path}", s.base)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // The API keeps its own policy.
    let api = s.client.get(format!("{}/api/hospital", s.base)).send().await.unwrap();
    assert_eq!(api.headers()[CONTENT_SECURITY_POLICY], "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    let settings: serde_json::Value = api.json().await.unwrap();
    assert_eq!(settings["time_zone"], "UTC");
    assert_eq!(settings["currency"], "USD");
    assert_eq!(settings["password_reset_by_email"], true);
    s.stop().await;
}
