//! The token lifecycle: expiry, rotation, reuse, logout.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

async fn token_lifecycle(s: &TestServer) {
    s.patient(1).await;
    let (access, refresh, _) = s.login("patient1@example.org").await;
    assert_eq!(s.get("/api/auth/profile", Some(&access)).await.0, StatusCode::OK);
    // Access tokens in these servers live one second.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(s.get("/api/auth/profile", Some(&access)).await.0, StatusCode::UNAUTHORIZED, "an expired access token is refused");

    // Refresh rotates: a new pair, and the old refresh token is spent.
    let (status, pair) = s.post("/api/auth/refresh", None, json!({"refresh_token": refresh})).await;
    assert_eq!(status, StatusCode::OK, "{pair}");
    let access2 = pair["access_token"].as_str().unwrap().to_string();
    let refresh2 = pair["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(refresh2, refresh);
    assert_eq!(s.get("/api/auth/profile", Some(&access2)).await.0, StatusCode::OK);
    // Reusing the spent token ends the whole session: the newer tokens die with it.
    assert_eq!(s.post("/api/auth/refresh", None, json!({"refresh_token": refresh})).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(s.get("/api/auth/profile", Some(&access2)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(s.post("/api/auth/refresh", None, json!({"refresh_token": refresh2})).await.0, StatusCode::UNAUTHORIZED);

    // Logout ends that session's access and refresh tokens, and only that session's.
    let (a, r, _) = s.login("patient1@example.org").await;
    let (other, _, _) = s.login("patient1@example.org").await;
    assert_eq!(s.post("/api/auth/logout", Some(&a), json!({})).await.0, StatusCode::OK);
    assert_eq!(s.get("/api/auth/profile", Some(&a)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(s.post("/api/auth/refresh", None, json!({"refresh_token": r})).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(s.get("/api/auth/profile", Some(&other)).await.0, StatusCode::OK);

    // Failed logins are throttled per account.
    for _ in 0..5 {
        let (status, _) = s.post("/api/auth/login", None, json!({"email": "patient1@example.org", "password": "wrong password"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let resp = s
        .client
        .post(format!("{}/api/auth/login", s.base))
        .json(&json!({"email": "patient1@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    let s = TestServer::start(hms_store::testing::TempDatabase::sqlite(), std::time::Duration::from_secs(1)).await;
    token_lifecycle(&s).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    let db = hms_store::testing::TempDatabase::postgres().await;
    let s = TestServer::start(db, std::time::Duration::from_secs(1)).await;
    token_lifecycle(&s).await;
    s.stop().await;
}
