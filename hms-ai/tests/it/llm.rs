//! The AI client against the local stub: valid answers, invalid ones, rate limits, server errors,
//! timeouts and the bound on total time.

use std::time::Duration;

use hms_ai::checks::check_subject;
use hms_ai::deid::DeidentifiedPayload;
use hms_ai::rules::RulePack;
use hms_ai::{JsonMode, LlmClient, ReviewError};
use hms_core::{FindingCategory, Severity};
use tokio::time::Instant;

use crate::common::{subject, today};
use crate::stub::{Reply, Stub, valid_answer};

fn payload() -> DeidentifiedPayload {
    let s = subject();
    let checks = check_subject(RulePack::shipped().unwrap(), &s, today());
    DeidentifiedPayload::new(&s, today(), &checks)
}

#[tokio::test]
async fn a_valid_answer_is_checked_into_a_review() {
    let stub = Stub::start(vec![Reply::answer(&valid_answer("Amoxicillin"))]).await;
    let client = LlmClient::new(stub.config()).unwrap();
    let p = payload();
    let review = client.review(&p).await.expect("a review");
    assert!(review.summary.contains("penicillin allergy"));
    assert_eq!(review.findings.len(), 1);
    assert_eq!((review.findings[0].category, review.findings[0].severity), (FindingCategory::Allergy, Severity::Critical));
    assert_eq!(review.findings[0].medications, ["Amoxicillin"]);
    assert!(review.patient_instructions.starts_with("Do not start"));
    assert_eq!(review.missing_information, ["What the penicillin reaction was"]);

    let sent = stub.received();
    assert_eq!(sent.len(), 1);
    let r = &sent[0];
    assert_eq!(r.authorization.as_deref(), Some("Bearer test-key"));
    assert_eq!(r.json["model"], "stub-model");
    assert_eq!(r.json["response_format"]["type"], "json_object");
    assert_eq!(r.json["max_completion_tokens"], 1500);
    assert_eq!(r.json["messages"][0]["role"], "system");
    assert!(r.message(0).contains("supports and does not replace"));
    assert_eq!(r.message(1), format!("Prescription to review:\n{}", p.canonical_json()), "exactly the payload is sent");
}

#[tokio::test]
async fn json_schema_mode_sends_the_schema() {
    let stub = Stub::start(vec![Reply::answer(&valid_answer("Amoxicillin"))]).await;
    let mut config = stub.config();
    config.json_mode = JsonMode::Schema;
    LlmClient::new(config).unwrap().review(&payload()).await.expect("a review");
    let r = &stub.received()[0];
    assert_eq!(r.json["response_format"]["type"], "json_schema");
    assert_eq!(r.json["response_format"]["json_schema"]["name"], "prescription_review");
    assert_eq!(r.json["response_format"]["json_schema"]["schema"]["required"][0], "summary");
}

#[tokio::test]
async fn an_invalid_answer_is_asked_for_once_more() {
    let stub = Stub::start(vec![Reply::answer("Sure! The prescription looks fine."), Reply::answer(&valid_answer("Amoxicillin"))]).await;
    let review = LlmClient::new(stub.config()).unwrap().review(&payload()).await.expect("the second answer is used");
    assert_eq!(review.findings.len(), 1);
    let sent = stub.received();
    assert_eq!(sent.len(), 2);
    assert!(sent[1].message(2).contains("rejected: not the JSON object asked for"), "{}", sent[1].message(2));
}

#[tokio::test]
async fn two_invalid_answers_make_the_review_unavailable() {
    let stub = Stub::start(vec![
        Reply::answer(r#"{"summary": "ok"}"#),
        Reply::answer(&valid_answer("Warfarin")),
        Reply::answer(&valid_answer("Amoxicillin")),
    ])
    .await;
    let err = LlmClient::new(stub.config()).unwrap().review(&payload()).await.unwrap_err();
    assert!(matches!(&err, ReviewError::InvalidAnswer(why) if why.contains("`Warfarin`, which is not in the prescription")), "{err}");
    assert_eq!(stub.count(), 2, "retried once only");
    assert!(err.to_string().starts_with("the model's answer was invalid twice"));
}

#[tokio::test]
async fn a_response_that_is_not_a_completion_counts_as_invalid() {
    let stub = Stub::start(vec![Reply::raw(200, r#"{"unexpected": true}"#)]).await;
    let err = LlmClient::new(stub.config()).unwrap().review(&payload()).await.unwrap_err();
    assert!(matches!(&err, ReviewError::InvalidAnswer(why) if why.contains("not a chat completion")), "{err}");
    assert_eq!(stub.count(), 2);
}

#[tokio::test]
async fn a_429_is_retried_after_the_wait_it_asks_for() {
    let stub =
        Stub::start(vec![Reply::error(429, "Rate limit reached").header("retry-after", "1"), Reply::answer(&valid_answer("Amoxicillin"))])
            .await;
    LlmClient::new(stub.config()).unwrap().review(&payload()).await.expect("a review after the wait");
    let sent = stub.received();
    assert_eq!(sent.len(), 2);
    let gap = sent[1].at - sent[0].at;
    assert!(gap >= Duration::from_secs(1), "waited {gap:?}");
    assert!(gap < Duration::from_millis(2500), "waited {gap:?}");
}

#[tokio::test]
async fn a_429_asking_for_longer_than_the_bound_gives_up_at_once() {
    let stub = Stub::start(vec![Reply::error(429, "Rate limit reached").header("retry-after", "120")]).await;
    let started = Instant::now();
    let err = LlmClient::new(stub.config()).unwrap().review(&payload()).await.unwrap_err();
    assert_eq!(err, ReviewError::RateLimited);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(stub.count(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let stub = Stub::start(vec![
        Reply::raw(500, "upstream exploded"),
        Reply::error(503, "over capacity"),
        Reply::answer(&valid_answer("Amoxicillin")),
    ])
    .await;
    LlmClient::new(stub.config()).unwrap().review(&payload()).await.expect("a review on the third attempt");
    let sent = stub.received();
    assert_eq!(sent.len(), 3);
    // Backoff with jitter: at least half of 50 ms, then of 100 ms.
    assert!(sent[1].at - sent[0].at >= Duration::from_millis(25));
    assert!(sent[2].at - sent[1].at >= Duration::from_millis(50));
}

#[tokio::test]
async fn persistent_server_errors_make_the_review_unavailable() {
    let stub = Stub::start(vec![Reply::raw(502, "bad gateway")]).await;
    let mut config = stub.config();
    config.retry.max_retries = 2;
    let err = LlmClient::new(config).unwrap().review(&payload()).await.unwrap_err();
    assert_eq!(err, ReviewError::Server(502));
    assert_eq!(err.to_string(), "the AI endpoint failed with HTTP 502");
    assert_eq!(stub.count(), 3, "the first attempt and two retries");
}

#[tokio::test]
async fn a_refusal_is_not_retried() {
    let stub = Stub::start(vec![Reply::error(401, "Invalid API Key")]).await;
    let err = LlmClient::new(stub.config()).unwrap().review(&payload()).await.unwrap_err();
    assert_eq!(err, ReviewError::Refused { status: 401, message: "Invalid API Key".into() });
    assert_eq!(stub.count(), 1);
}

#[tokio::test]
async fn a_slow_endpoint_times_out_per_request() {
    let stub = Stub::start(vec![Reply::answer(&valid_answer("Amoxicillin")).after(Duration::from_secs(5))]).await;
    let mut config = stub.config();
    config.request_timeout = Duration::from_millis(300);
    config.retry.max_retries = 1;
    let started = Instant::now();
    let err = LlmClient::new(config).unwrap().review(&payload()).await.unwrap_err();
    assert_eq!(err, ReviewError::Timeout(Duration::from_millis(300)));
    assert_eq!(err.to_string(), "the AI endpoint did not answer within 300 ms");
    assert_eq!(stub.count(), 2, "a timed-out request is retried once");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[tokio::test]
async fn the_whole_review_is_bounded_in_time() {
    let stub = Stub::start(vec![Reply::answer(&valid_answer("Amoxicillin")).after(Duration::from_secs(5))]).await;
    let mut config = stub.config();
    // Each request may take 800 ms; after one has timed out and been retried, the bound ends it.
    config.request_timeout = Duration::from_millis(800);
    config.total_timeout = Duration::from_secs(1);
    let started = Instant::now();
    let err = LlmClient::new(config).unwrap().review(&payload()).await.unwrap_err();
    assert_eq!(err, ReviewError::TimeBound(Duration::from_secs(1)));
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(1) && took < Duration::from_millis(2500), "{took:?}");
    assert_eq!(stub.count(), 2);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_reported() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut config = hms_ai::AiConfig::new(format!("http://127.0.0.1:{port}/v1"), None, "m");
    config.retry.max_retries = 1;
    config.retry.base = Duration::from_millis(10);
    let err = LlmClient::new(config).unwrap().review(&payload()).await.unwrap_err();
    assert!(matches!(err, ReviewError::Unreachable(_)), "{err}");
}
