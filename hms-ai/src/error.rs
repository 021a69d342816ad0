//! The crate's errors: [`Error`] for setting up an analyzer (a bad rule pack or configuration),
//! and [`ReviewError`] for why one AI review could not be had. A review error never reaches the
//! caller of the analyzer port: it becomes the stored reason the review is missing.

use std::time::Duration;

/// Why an analyzer (or its AI client) could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A rule file does not parse, or a rule refers to something that does not exist.
    #[error("the rule pack is invalid: {0}")]
    Rules(String),
    /// An environment variable or configuration value is unusable.
    #[error("{name} {message}")]
    Config {
        /// The variable or setting at fault.
        name: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The HTTP client could not be built.
    #[error("the AI client could not be built: {0}")]
    Client(String),
}

impl Error {
    pub(crate) fn config(name: &'static str, message: impl Into<String>) -> Self {
        Error::Config { name, message: message.into() }
    }
}

/// Why an AI review is missing; its text is stored as the analysis's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// One request took longer than the per-request timeout (after any retries).
    #[error("the AI endpoint did not answer within {}", secs(*.0))]
    Timeout(Duration),
    /// The whole review took longer than its time bound.
    #[error("the AI review did not finish within its {} time bound", secs(*.0))]
    TimeBound(Duration),
    /// The endpoint kept answering 429 Too Many Requests.
    #[error("the AI endpoint is rate limiting requests (HTTP 429)")]
    RateLimited,
    /// The endpoint kept failing with a server error.
    #[error("the AI endpoint failed with HTTP {0}")]
    Server(u16),
    /// The endpoint refused the request (e.g. a wrong key or an unknown model).
    #[error("the AI endpoint refused the request with HTTP {status}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The endpoint's message, shortened.
        message: String,
    },
    /// The endpoint could not be reached.
    #[error("the AI endpoint could not be reached: {0}")]
    Unreachable(String),
    /// The model's answer was not valid twice in a row.
    #[error("the model's answer was invalid twice: {0}")]
    InvalidAnswer(String),
}

fn secs(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) { format!("{} s", ms / 1000) } else { format!("{ms} ms") }
}
