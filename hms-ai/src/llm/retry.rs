//! Retries of one HTTP request to the model: a tower service wrapped around async-openai's plain
//! reqwest transport, in place of async-openai's own retry layer, so that the behaviour is ours,
//! bounded and testable. It retries 429 (waiting what `retry-after` or `retry-after-ms` asks),
//! 5xx, timeouts and connection failures, with jittered exponential backoff, and never sleeps past
//! the review's deadline: a wait that would not fit gives up at once with the last answer.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_openai::error::OpenAIError;
use async_openai::middleware::{HttpRequestFactory, ReqwestService};
use chrono::{DateTime, Utc};
use reqwest::Response;
use reqwest::header::HeaderMap;
use tokio::time::Instant;
use tower::ServiceExt;

/// How requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The most retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff (doubled on each retry, before jitter).
    pub base: Duration,
    /// The longest backoff.
    pub cap: Duration,
}

/// What one attempt came to, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// An HTTP answer with this status and, for 429 or 503, the wait it asked for.
    Status(u16, Option<Duration>),
    /// The request timed out or could not connect.
    Transient,
    /// Anything else (not retried).
    Fatal,
}

impl RetryPolicy {
    /// How long to wait before retry number `retry` (0 for the first retry), or `None` to stop;
    /// `jitter` is uniform in `[0, 1)` and `remaining` is the time left before the deadline.
    pub fn delay(&self, attempt: Attempt, retry: u32, remaining: Duration, jitter: f64) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let asked = match attempt {
            Attempt::Status(429, asked) => asked,
            Attempt::Status(s, asked) if (500..=599).contains(&s) => asked,
            Attempt::Transient => None,
            Attempt::Status(..) | Attempt::Fatal => return None,
        };
        let jitter = jitter.clamp(0.0, 1.0);
        let delay = match asked {
            // The server's wait, plus up to a tenth more so that clients do not return together.
            Some(wait) => wait + wait.mul_f64(0.1 * jitter).min(Duration::from_secs(1)),
            None => {
                let full = self.base.saturating_mul(2u32.saturating_pow(retry)).min(self.cap);
                full / 2 + full.mul_f64(0.5 * jitter)
            }
        };
        (delay < remaining).then_some(delay)
    }
}

/// The wait a response asks for: `retry-after-ms`, else `retry-after` in seconds or as an HTTP date.
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite() && *v >= 0.0) {
        return Some(Duration::from_secs_f64((ms / 1000.0).min(86_400.0)));
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

fn jitter() -> f64 {
    getrandom::u64().map_or(0.5, |r| (r >> 11) as f64 / (1u64 << 53) as f64)
}

/// The transport with our retries, for one review (it carries the review's deadline).
#[derive(Clone)]
pub(crate) struct RetryingService {
    inner: ReqwestService,
    policy: RetryPolicy,
    deadline: Instant,
}

impl RetryingService {
    pub(crate) fn new(inner: ReqwestService, policy: RetryPolicy, deadline: Instant) -> Self {
        RetryingService { inner, policy, deadline }
    }
}

impl tower::Service<HttpRequestFactory> for RetryingService {
    type Response = Response;
    type Error = OpenAIError;
    type Future = Pin<Box<dyn Future<Output = Result<Response, OpenAIError>> + Send + 'static>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequestFactory) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let mut retry = 0;
            loop {
                let result = this.inner.clone().oneshot(request.clone()).await;
                let attempt = match &result {
                    Ok(r) => Attempt::Status(r.status().as_u16(), retry_after(r.headers(), Utc::now())),
                    Err(OpenAIError::Reqwest(e)) if e.is_timeout() || e.is_connect() => Attempt::Transient,
                    Err(_) => Attempt::Fatal,
                };
                let remaining = this.deadline.saturating_duration_since(Instant::now());
                match this.policy.delay(attempt, retry, remaining, jitter()) {
                    Some(wait) => {
                        tracing::warn!(?attempt, retry, wait_ms = wait.as_millis() as u64, "AI request failed; retrying");
                        tokio::time::sleep(wait).await;
                        retry += 1;
                    }
                    None => return result,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    const POLICY: RetryPolicy = RetryPolicy { max_retries: 3, base: Duration::from_millis(500), cap: Duration::from_secs(4) };
    const LOTS: Duration = Duration::from_secs(60);

    #[test]
    fn what_is_retried() {
        assert!(POLICY.delay(Attempt::Status(429, None), 0, LOTS, 0.0).is_some());
        assert!(POLICY.delay(Attempt::Status(500, None), 0, LOTS, 0.0).is_some());
        assert!(POLICY.delay(Attempt::Status(503, None), 0, LOTS, 0.0).is_some());
        assert!(POLICY.delay(Attempt::Transient, 0, LOTS, 0.0).is_some());
        assert_eq!(POLICY.delay(Attempt::Status(200, None), 0, LOTS, 0.0), None);
        assert_eq!(POLICY.delay(Attempt::Status(400, None), 0, LOTS, 0.0), None);
        assert_eq!(POLICY.delay(Attempt::Status(401, None), 0, LOTS, 0.0), None);
        assert_eq!(POLICY.delay(Attempt::Fatal, 0, LOTS, 0.0), None);
        assert_eq!(POLICY.delay(Attempt::Status(500, None), 3, LOTS, 0.0), None, "at most three retries");
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let d = |retry, jitter| POLICY.delay(Attempt::Status(500, None), retry, LOTS, jitter).unwrap();
        assert_eq!(d(0, 0.0), Duration::from_millis(250));
        assert!(d(0, 0.999_999) < Duration::from_millis(500));
        assert_eq!(d(1, 0.0), Duration::from_millis(500));
        assert_eq!(d(2, 0.5), Duration::from_millis(1500));
        let long = RetryPolicy { max_retries: 10, ..POLICY };
        assert_eq!(long.delay(Attempt::Transient, 8, LOTS, 0.0), Some(Duration::from_secs(2)), "capped at 4 s before jitter");
    }

    #[test]
    fn the_servers_wait_is_honoured_and_the_deadline_is_not_passed() {
        let asked = Attempt::Status(429, Some(Duration::from_secs(2)));
        assert_eq!(POLICY.delay(asked, 0, LOTS, 0.0), Some(Duration::from_secs(2)));
        assert_eq!(POLICY.delay(asked, 0, LOTS, 0.5), Some(Duration::from_millis(2100)));
        assert_eq!(POLICY.delay(asked, 0, Duration::from_secs(1), 0.0), None, "a wait beyond the deadline gives up at once");
        assert_eq!(POLICY.delay(Attempt::Status(500, None), 0, Duration::from_millis(100), 0.0), None);
    }

    #[test]
    fn retry_after_headers() {
        let now: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().unwrap();
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(3)));
        h.insert("retry-after", HeaderValue::from_static("1.5"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(1500)));
        h.insert("retry-after", HeaderValue::from_static("Mon, 23 Nov 2026 10:00:07 GMT"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert("retry-after", HeaderValue::from_static("Mon, 23 Nov 2026 09:00:00 GMT"));
        assert_eq!(retry_after(&h, now), Some(Duration::ZERO));
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(250)));
    }

    #[test]
    fn jitter_is_a_fraction() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }
}
