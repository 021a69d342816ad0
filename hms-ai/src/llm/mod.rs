//! The LLM review over any OpenAI-compatible chat-completions endpoint, with async-openai.
//!
//! Groq is the default (`https://api.groq.com/openai/v1`, key from `GROQ_API_KEY`); any other
//! endpoint is named with `HMS_AI_BASE_URL` and `HMS_AI_API_KEY`. The model is asked for JSON
//! (`response_format`), and the answer is checked into a typed [`AiReview`]; an invalid answer is
//! asked for once more, then the review is reported unavailable. Every request has a timeout; 429
//! and 5xx answers are retried by this crate's own transport service, which replaces async-openai's
//! retry layer so that waits honour `retry-after` and stay within the review's time bound.

mod answer;
mod retry;

use std::sync::Once;
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::ReqwestService;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage, CreateChatCompletionRequest,
    ResponseFormat, ResponseFormatJsonSchema,
};
use hms_core::AiReview;
use tokio::time::Instant;

pub use answer::{INSTRUCTIONS, MAX_ITEMS, MAX_TEXT, parse_answer, schema};
pub use retry::{Attempt, RetryPolicy, retry_after};

use crate::deid::DeidentifiedPayload;
use crate::error::{Error, ReviewError};

/// Groq's OpenAI-compatible endpoint, the default.
pub const GROQ_BASE_URL: &str = "https://api.groq.com/openai/v1";
/// The default model.
pub const DEFAULT_MODEL: &str = "llama-3.3-70b-versatile";

/// How the model is asked for JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonMode {
    /// `response_format: {"type": "json_object"}`, the instructions describing the shape (widest support).
    Object,
    /// `response_format: {"type": "json_schema", …}` with the answer's schema (for endpoints that enforce it).
    Schema,
}

/// Where and how to ask for a review.
#[derive(Clone)]
pub struct AiConfig {
    /// The endpoint's base URL, up to and including `/v1`.
    pub base_url: String,
    /// The bearer key, if the endpoint needs one.
    pub api_key: Option<String>,
    /// The model.
    pub model: String,
    /// The longest one HTTP request may take.
    pub request_timeout: Duration,
    /// The longest a whole review may take, retries included.
    pub total_timeout: Duration,
    /// How 429, 5xx, timeouts and connection failures are retried.
    pub retry: RetryPolicy,
    /// The most tokens the model may write.
    pub max_tokens: u32,
    /// How JSON is asked for.
    pub json_mode: JsonMode,
}

impl std::fmt::Debug for AiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("model", &self.model)
            .field("request_timeout", &self.request_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("retry", &self.retry)
            .field("max_tokens", &self.max_tokens)
            .field("json_mode", &self.json_mode)
            .finish()
    }
}

impl AiConfig {
    /// A configuration with the default timeouts (20 s a request, 45 s in all) and retries (3, from 0.5 s up to 8 s).
    pub fn new(base_url: impl Into<String>, api_key: Option<String>, model: impl Into<String>) -> Self {
        AiConfig {
            base_url: base_url.into().trim().trim_end_matches('/').to_string(),
            api_key,
            model: model.into(),
            request_timeout: Duration::from_secs(20),
            total_timeout: Duration::from_secs(45),
            retry: RetryPolicy { max_retries: 3, base: Duration::from_millis(500), cap: Duration::from_secs(8) },
            max_tokens: 1500,
            json_mode: JsonMode::Object,
        }
    }

    /// The configuration from the environment, or `None` when no endpoint is configured (no
    /// `HMS_AI_BASE_URL` and no key for Groq). Variables: `HMS_AI_BASE_URL`, `HMS_AI_API_KEY`,
    /// `GROQ_API_KEY`, `HMS_AI_MODEL`, `HMS_AI_TIMEOUT_SECS`, `HMS_AI_TOTAL_TIMEOUT_SECS`,
    /// `HMS_AI_MAX_RETRIES`, `HMS_AI_RESPONSE_FORMAT` (`json_object` or `json_schema`).
    pub fn from_env() -> Result<Option<Self>, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`from_env`](Self::from_env), reading variables through `get` (empty values count as unset).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, Error> {
        let var = |name: &str| get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let base_url = var("HMS_AI_BASE_URL");
        let api_key = var("HMS_AI_API_KEY").or_else(|| if base_url.is_none() { var("GROQ_API_KEY") } else { None });
        if base_url.is_none() && api_key.is_none() {
            return Ok(None);
        }
        let mut config = AiConfig::new(
            base_url.unwrap_or_else(|| GROQ_BASE_URL.to_string()),
            api_key,
            var("HMS_AI_MODEL").unwrap_or_else(|| DEFAULT_MODEL.to_string()),
        );
        let secs = |name: &'static str| -> Result<Option<Duration>, Error> {
            var(name)
                .map(|v| match v.parse::<f64>() {
                    Ok(s) if s.is_finite() && s > 0.0 && s <= 3600.0 => Ok(Duration::from_secs_f64(s)),
                    _ => Err(Error::config(name, "must be a number of seconds between 0 and 3600")),
                })
                .transpose()
        };
        if let Some(d) = secs("HMS_AI_TIMEOUT_SECS")? {
            config.request_timeout = d;
        }
        if let Some(d) = secs("HMS_AI_TOTAL_TIMEOUT_SECS")? {
            config.total_timeout = d;
        }
        if let Some(v) = var("HMS_AI_MAX_RETRIES") {
            config.retry.max_retries = v
                .parse()
                .ok()
                .filter(|n| *n <= 10)
                .ok_or_else(|| Error::config("HMS_AI_MAX_RETRIES", "must be a whole number from 0 to 10"))?;
        }
        if let Some(v) = var("HMS_AI_RESPONSE_FORMAT") {
            config.json_mode = match v.as_str() {
                "json_object" => JsonMode::Object,
                "json_schema" => JsonMode::Schema,
                _ => return Err(Error::config("HMS_AI_RESPONSE_FORMAT", "must be json_object or json_schema")),
            };
        }
        config.validate()?;
        Ok(Some(config))
    }

    /// Checks the values that would otherwise fail at the first request.
    pub fn validate(&self) -> Result<(), Error> {
        let url = self.base_url.to_ascii_lowercase();
        if !(url.starts_with("http://") || url.starts_with("https://")) || self.base_url.len() <= "https://".len() {
            return Err(Error::config("HMS_AI_BASE_URL", "must be an http:// or https:// URL"));
        }
        if let Some(key) = &self.api_key
            && !key.chars().all(|c| c.is_ascii_graphic())
        {
            return Err(Error::config("HMS_AI_API_KEY", "must be printable ASCII without spaces"));
        }
        if self.model.trim().is_empty() {
            return Err(Error::config("HMS_AI_MODEL", "must not be empty"));
        }
        if self.request_timeout.is_zero() || self.total_timeout < self.request_timeout {
            return Err(Error::config("HMS_AI_TOTAL_TIMEOUT_SECS", "must be at least the per-request timeout"));
        }
        if self.max_tokens == 0 {
            return Err(Error::config("max_tokens", "must be positive"));
        }
        Ok(())
    }
}

/// Installs rustls's ring provider once per process (another part of the process may have done it).
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client for one configured endpoint.
pub struct LlmClient {
    config: AiConfig,
    http: reqwest::Client,
    openai: OpenAIConfig,
}

impl std::fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmClient").field("config", &self.config).finish_non_exhaustive()
    }
}

impl LlmClient {
    /// A client for `config`.
    pub fn new(config: AiConfig) -> Result<Self, Error> {
        config.validate()?;
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| Error::Client(e.to_string()))?;
        let openai = OpenAIConfig::new()
            .with_api_base(config.base_url.clone())
            .with_api_key(config.api_key.clone().unwrap_or_default())
            .with_org_id("")
            .with_project_id("");
        Ok(LlmClient { config, http, openai })
    }

    /// The configuration.
    pub fn config(&self) -> &AiConfig {
        &self.config
    }

    /// Asks the model to review `payload`, within the configured time bound.
    pub async fn review(&self, payload: &DeidentifiedPayload) -> Result<AiReview, ReviewError> {
        let deadline = Instant::now() + self.config.total_timeout;
        match tokio::time::timeout_at(deadline, self.review_until(payload, deadline)).await {
            Ok(result) => result,
            Err(_) => Err(ReviewError::TimeBound(self.config.total_timeout)),
        }
    }

    fn request(&self, body: &str, problem: Option<&str>) -> CreateChatCompletionRequest {
        let mut messages = vec![
            ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage::from(INSTRUCTIONS)),
            ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage::from(format!("Prescription to review:\n{body}"))),
        ];
        if let Some(problem) = problem {
            messages.push(ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage::from(format!(
                "Your previous answer was rejected: {problem}. Answer again with only the JSON object described."
            ))));
        }
        let response_format = match self.config.json_mode {
            JsonMode::Object => ResponseFormat::JsonObject,
            JsonMode::Schema => ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    description: Some("A prescription review".into()),
                    name: "prescription_review".into(),
                    schema: schema(),
                    strict: Some(true),
                },
            },
        };
        CreateChatCompletionRequest {
            model: self.config.model.clone(),
            messages,
            response_format: Some(response_format),
            max_completion_tokens: Some(self.config.max_tokens),
            temperature: Some(0.2),
            ..Default::default()
        }
    }

    async fn review_until(&self, payload: &DeidentifiedPayload, deadline: Instant) -> Result<AiReview, ReviewError> {
        let transport = retry::RetryingService::new(ReqwestService::new(self.http.clone()), self.config.retry, deadline);
        let client = Client::build(self.http.clone(), self.openai.clone()).with_http_service(transport);
        let names = payload.medication_names();
        let body = payload.canonical_json();
        let mut problem: Option<String> = None;
        for attempt in 1..=2 {
            let request = self.request(&body, problem.as_deref());
            let found = match client.chat().create(request).await {
                Ok(response) => match response.choices.into_iter().next().and_then(|c| c.message.content) {
                    Some(content) => parse_answer(&content, &names),
                    None => Err("the answer has no content".to_string()),
                },
                Err(OpenAIError::JSONDeserialize(e, _)) => Err(format!("the response is not a chat completion ({e})")),
                Err(e) => return Err(classify(e, self.config.request_timeout)),
            };
            match found {
                Ok(review) => return Ok(review),
                Err(p) => {
                    tracing::warn!(attempt, problem = %p, "the model's answer was invalid");
                    problem = Some(p);
                }
            }
        }
        Err(ReviewError::InvalidAnswer(problem.unwrap_or_default()))
    }
}

fn shorten(text: &str) -> String {
    let t = text.trim();
    if t.chars().count() <= 200 { t.to_string() } else { format!("{}…", t.chars().take(200).collect::<String>()) }
}

fn classify(e: OpenAIError, timeout: Duration) -> ReviewError {
    match e {
        OpenAIError::ApiError(api) => match api.status_code.as_u16() {
            429 => ReviewError::RateLimited,
            s @ 500..=599 => ReviewError::Server(s),
            s => ReviewError::Refused { status: s, message: shorten(&api.api_error.message) },
        },
        OpenAIError::Reqwest(e) if e.is_timeout() => ReviewError::Timeout(timeout),
        OpenAIError::Reqwest(e) => ReviewError::Unreachable(shorten(&e.to_string())),
        other => ReviewError::Unreachable(shorten(&other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn nothing_configured_is_none() {
        assert!(AiConfig::from_lookup(lookup(&[])).unwrap().is_none());
        assert!(AiConfig::from_lookup(lookup(&[("GROQ_API_KEY", "  ")])).unwrap().is_none());
    }

    #[test]
    fn groq_by_default() {
        let c = AiConfig::from_lookup(lookup(&[("GROQ_API_KEY", "gsk_test")])).unwrap().unwrap();
        assert_eq!(c.base_url, GROQ_BASE_URL);
        assert_eq!(c.api_key.as_deref(), Some("gsk_test"));
        assert_eq!(c.model, DEFAULT_MODEL);
        assert_eq!(c.json_mode, JsonMode::Object);
        assert!(!format!("{c:?}").contains("gsk_test"), "the key is never printed");
        let c = AiConfig::from_lookup(lookup(&[
            ("GROQ_API_KEY", "gsk_a"),
            ("HMS_AI_API_KEY", "k_b"),
            ("HMS_AI_MODEL", "llama-3.1-8b-instant"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!((c.api_key.as_deref(), c.model.as_str()), (Some("k_b"), "llama-3.1-8b-instant"));
    }

    #[test]
    fn another_endpoint() {
        let c = AiConfig::from_lookup(lookup(&[
            ("HMS_AI_BASE_URL", "http://127.0.0.1:8080/v1/"),
            ("GROQ_API_KEY", "gsk_not_for_this_endpoint"),
            ("HMS_AI_TIMEOUT_SECS", "2.5"),
            ("HMS_AI_TOTAL_TIMEOUT_SECS", "10"),
            ("HMS_AI_MAX_RETRIES", "1"),
            ("HMS_AI_RESPONSE_FORMAT", "json_schema"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(c.base_url, "http://127.0.0.1:8080/v1");
        assert_eq!(c.api_key, None, "the Groq key is not sent to another endpoint");
        assert_eq!((c.request_timeout, c.total_timeout), (Duration::from_millis(2500), Duration::from_secs(10)));
        assert_eq!(c.retry.max_retries, 1);
        assert_eq!(c.json_mode, JsonMode::Schema);
    }

    #[test]
    fn bad_values_are_refused() {
        let err = |vars: &[(&str, &str)]| AiConfig::from_lookup(lookup(vars)).unwrap_err().to_string();
        assert_eq!(err(&[("HMS_AI_BASE_URL", "ftp://x")]), "HMS_AI_BASE_URL must be an http:// or https:// URL");
        assert_eq!(
            err(&[("GROQ_API_KEY", "k"), ("HMS_AI_TIMEOUT_SECS", "soon")]),
            "HMS_AI_TIMEOUT_SECS must be a number of seconds between 0 and 3600"
        );
        assert_eq!(err(&[("GROQ_API_KEY", "k"), ("HMS_AI_MAX_RETRIES", "-1")]), "HMS_AI_MAX_RETRIES must be a whole number from 0 to 10");
        assert_eq!(err(&[("GROQ_API_KEY", "bad key")]), "HMS_AI_API_KEY must be printable ASCII without spaces");
        assert_eq!(
            err(&[("GROQ_API_KEY", "k"), ("HMS_AI_TIMEOUT_SECS", "30"), ("HMS_AI_TOTAL_TIMEOUT_SECS", "10")]),
            "HMS_AI_TOTAL_TIMEOUT_SECS must be at least the per-request timeout"
        );
        assert_eq!(
            err(&[("GROQ_API_KEY", "k"), ("HMS_AI_RESPONSE_FORMAT", "yaml")]),
            "HMS_AI_RESPONSE_FORMAT must be json_object or json_schema"
        );
    }
}
