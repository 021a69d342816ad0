//! An OpenAI-compatible chat-completions server on 127.0.0.1, scripted by each test: it answers
//! with the replies given, in order (repeating the last), and records every request it received.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hms_ai::AiConfig;
use hms_ai::llm::RetryPolicy;
use poem::listener::TcpAcceptor;
use poem::web::Data;
use poem::{EndpointExt, Request, Response, Route, Server, handler, http::StatusCode, post};
use serde_json::{Value, json};
use tokio::time::Instant;

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    body: String,
    headers: Vec<(&'static str, String)>,
    delay: Duration,
}

impl Reply {
    /// A 200 chat completion whose message content is `content`.
    pub fn answer(content: &str) -> Self {
        Reply::raw(200, &completion(content))
    }

    /// Any status and body.
    pub fn raw(status: u16, body: &str) -> Self {
        Reply { status, body: body.to_string(), headers: Vec::new(), delay: Duration::ZERO }
    }

    /// An OpenAI-style error.
    pub fn error(status: u16, message: &str) -> Self {
        Reply::raw(status, &json!({"error": {"message": message, "type": "test_error", "param": null, "code": null}}).to_string())
    }

    /// The same reply with a header.
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    /// The same reply, sent after `delay`.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A chat-completion response carrying `content`.
pub fn completion(content: &str) -> String {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_764_000_000u32,
        "model": "stub-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        "x_groq": {"id": "req_test"}
    })
    .to_string()
}

/// A model answer of the asked shape about `medication`.
pub fn valid_answer(medication: &str) -> String {
    json!({
        "summary": format!("{medication} needs review against the recorded penicillin allergy."),
        "findings": [{
            "category": "allergy",
            "severity": "critical",
            "medications": [medication],
            "rationale": "A penicillin allergy is recorded.",
            "suggested_action": "Choose a non-beta-lactam antibiotic."
        }],
        "patient_instructions": "Do not start this medicine until your doctor has checked your allergy.",
        "missing_information": ["What the penicillin reaction was"]
    })
    .to_string()
}

/// One request the stub received.
#[derive(Debug, Clone)]
pub struct Received {
    pub body: String,
    pub json: Value,
    pub authorization: Option<String>,
    pub at: Instant,
}

impl Received {
    /// The text of message `i`.
    pub fn message(&self, i: usize) -> String {
        self.json["messages"][i]["content"].as_str().unwrap_or_default().to_string()
    }
}

#[derive(Default)]
struct State {
    script: Mutex<VecDeque<Reply>>,
    last: Mutex<Option<Reply>>,
    received: Mutex<Vec<Received>>,
}

/// A running stub.
pub struct Stub {
    pub base_url: String,
    state: Arc<State>,
}

#[handler]
async fn chat(req: &Request, body: String, state: Data<&Arc<State>>) -> Response {
    let json = serde_json::from_str(&body).unwrap_or(Value::Null);
    let authorization = req.headers().get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
    state.received.lock().unwrap().push(Received { body, json, authorization, at: Instant::now() });
    let reply = {
        let next = state.script.lock().unwrap().pop_front();
        let mut last = state.last.lock().unwrap();
        if let Some(r) = next {
            *last = Some(r);
        }
        last.clone().unwrap_or_else(|| Reply::error(500, "the stub has no reply scripted"))
    };
    tokio::time::sleep(reply.delay).await;
    let mut response = Response::builder().status(StatusCode::from_u16(reply.status).unwrap()).content_type("application/json");
    for (name, value) in &reply.headers {
        response = response.header(*name, value.as_str());
    }
    response.body(reply.body)
}

impl Stub {
    /// Starts a stub on a free port of 127.0.0.1 that answers with `replies`.
    pub async fn start(replies: Vec<Reply>) -> Stub {
        let state = Arc::new(State { script: Mutex::new(replies.into()), ..Default::default() });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let app = Route::new().at("/v1/chat/completions", post(chat)).data(state.clone());
        let acceptor = TcpAcceptor::from_tokio(listener).expect("an acceptor");
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Stub { base_url: format!("http://{addr}/v1"), state }
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// How many requests were received.
    pub fn count(&self) -> usize {
        self.state.received.lock().unwrap().len()
    }

    /// A configuration for this stub with short timeouts and quick retries.
    pub fn config(&self) -> AiConfig {
        let mut c = AiConfig::new(&self.base_url, Some("test-key".into()), "stub-model");
        c.request_timeout = Duration::from_secs(3);
        c.total_timeout = Duration::from_secs(10);
        c.retry = RetryPolicy { max_retries: 3, base: Duration::from_millis(50), cap: Duration::from_millis(200) };
        c
    }
}
