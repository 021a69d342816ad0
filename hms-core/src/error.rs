//! The one error type of hms, and the kind every adapter maps in one place.

use std::fmt;

use crate::ids::{EntityKind, PatientId};

/// The result of every fallible hms operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A problem with one input field: which field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's path, e.g. `email` or `medications[0].strength`.
    pub field: String,
    /// What is wrong with it, as a sentence fragment without a trailing period.
    pub message: String,
}

impl FieldError {
    /// A field error for `field` with `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }

    /// The same error, with its field placed under `prefix` (`prefix.field`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() {
            prefix.to_string()
        } else if self.field.starts_with('[') {
            format!("{prefix}{}", self.field)
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The coarse class of an [`Error`], which adapters map to a status or an exception class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ErrorKind {
    /// The input was malformed or broke a rule; field errors say where (HTTP 422).
    Invalid,
    /// The thing asked for does not exist, or the actor may not know it exists (HTTP 404).
    NotFound,
    /// The request clashes with the current state, e.g. a slot already taken (HTTP 409).
    Conflict,
    /// The actor is known but not allowed to do this (HTTP 403).
    Forbidden,
    /// The caller is not (or no longer) authenticated (HTTP 401).
    Unauthenticated,
    /// The record changed since the caller read it: the version it expected is not the current
    /// one (HTTP 412, for a request with `If-Match`).
    PreconditionFailed,
    /// Too many failed attempts (sign-ins); retry later (HTTP 429).
    Throttled,
    /// A dependency such as the database or the AI endpoint is unavailable (HTTP 503).
    Unavailable,
    /// A bug or an unexpected failure; the details are logged, not shown (HTTP 500).
    Internal,
}

impl ErrorKind {
    /// The HTTP status code adapters answer with for this kind.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::Invalid => 422,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::Forbidden => 403,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::PreconditionFailed => 412,
            ErrorKind::Throttled => 429,
            ErrorKind::Unavailable => 503,
            ErrorKind::Internal => 500,
        }
    }
}

/// What an actor was refused, kept so that the refusal can be written to the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The action that was refused, e.g. `appointment.cancel`.
    pub action: &'static str,
    /// The kind of record it concerned.
    pub entity: EntityKind,
    /// The record's id, when there was one.
    pub entity_id: Option<String>,
    /// The patient whose data it concerned, when known.
    pub patient: Option<PatientId>,
}

/// Every error hms returns.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// One or more input fields are invalid.
    #[error("invalid input: {}", display_fields(.0))]
    Invalid(Vec<FieldError>),
    /// A rule of the domain was broken by otherwise well-formed input (e.g. booking in the past).
    #[error("{message}")]
    Rule {
        /// The field the rule concerns.
        field: String,
        /// What rule was broken.
        message: String,
    },
    /// The named record does not exist.
    #[error("{entity} not found")]
    NotFound {
        /// The kind of record.
        entity: EntityKind,
    },
    /// The request clashes with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The actor is not allowed to do this.
    #[error("not allowed: {}", .0.action)]
    Forbidden(Refusal),
    /// The actor signed in only to enrol a second factor, which its role requires.
    #[error("this account must enrol a second factor before anything else")]
    SecondFactorRequired,
    /// The actor is not allowed to do this and may not learn whether the record exists.
    #[error("{} not found", .0.entity)]
    Hidden(Refusal),
    /// The caller is not authenticated.
    #[error("{0}")]
    Unauthenticated(String),
    /// The record is not at the version the caller expected (it changed since it was read).
    #[error("the {entity} changed since it was read: it is at version {current}, not {expected}")]
    PreconditionFailed {
        /// The kind of record.
        entity: EntityKind,
        /// Its version now.
        current: u32,
        /// The version(s) the caller expected, as written.
        expected: String,
    },
    /// Too many failed sign-ins for an account or from an address.
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    Throttled {
        /// Seconds until an attempt is accepted again.
        retry_after_secs: u64,
    },
    /// A dependency is unavailable.
    #[error("{0} is unavailable")]
    Unavailable(String),
    /// An unexpected failure.
    #[error("internal error: {0}")]
    Internal(String),
}

fn display_fields(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl Error {
    /// The kind adapters map this error by.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid(_) | Error::Rule { .. } => ErrorKind::Invalid,
            Error::NotFound { .. } | Error::Hidden(_) => ErrorKind::NotFound,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Forbidden(_) | Error::SecondFactorRequired => ErrorKind::Forbidden,
            Error::Unauthenticated(_) => ErrorKind::Unauthenticated,
            Error::PreconditionFailed { .. } => ErrorKind::PreconditionFailed,
            Error::Throttled { .. } => ErrorKind::Throttled,
            Error::Unavailable(_) => ErrorKind::Unavailable,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The field errors of an invalid input (empty for other kinds).
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Error::Invalid(errors) => errors.clone(),
            Error::Rule { field, message } => vec![FieldError::new(field.clone(), message.clone())],
            _ => Vec::new(),
        }
    }

    /// Seconds to wait before retrying, for a throttled request.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Error::Throttled { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// The refusal behind a forbidden (or hidden) error, if this is one.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Error::Forbidden(r) | Error::Hidden(r) => Some(r),
            _ => None,
        }
    }

    /// One invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    /// A broken domain rule about `field`.
    pub fn rule(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Rule { field: field.into(), message: message.into() }
    }

    /// Checks a record's `current` version against the versions a caller expects it to be at
    /// (`None`: no expectation, any version will do; an empty list matches none).
    pub fn expect_version(entity: EntityKind, current: u32, expected: Option<&[u32]>) -> Result<()> {
        match expected {
            Some(versions) if !versions.contains(&current) => Err(Error::PreconditionFailed {
                entity,
                current,
                expected: if versions.is_empty() {
                    "a version it has".into()
                } else {
                    versions.iter().map(ToString::to_string).collect::<Vec<_>>().join(" or ")
                },
            }),
            _ => Ok(()),
        }
    }

    /// A missing record of `entity` kind.
    pub fn not_found(entity: EntityKind) -> Self {
        Error::NotFound { entity }
    }

    /// A conflict with the current state.
    pub fn conflict(message: impl Into<String>) -> Self {
        Error::Conflict(message.into())
    }

    /// An unexpected failure (the message is for logs, not for end users).
    pub fn internal(message: impl fmt::Display) -> Self {
        Error::Internal(message.to_string())
    }
}

/// Collects field errors while an input is parsed, so that every bad field is reported at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// A validator with no errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value of `result`, or records its errors under `field` and returns `None`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e.under(field));
                None
            }
        }
    }

    /// Keeps the value of `result`, or records all of its field errors under `field`.
    pub fn check_all<T>(&mut self, field: &str, result: Result<T, Vec<FieldError>>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(es) => {
                self.errors.extend(es.into_iter().map(|e| e.under(field)));
                None
            }
        }
    }

    /// Records an error on `field` unless `ok` holds.
    pub fn ensure(&mut self, ok: bool, field: &str, message: &str) {
        if !ok {
            self.errors.push(FieldError::new(field, message));
        }
    }

    /// Records an error on `field`.
    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Whether nothing has failed so far.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(())` if every check passed, else an [`Error::Invalid`] with all the field errors.
    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() { Ok(()) } else { Err(Error::Invalid(self.errors)) }
    }

    /// The field errors gathered so far (for nested inputs).
    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }
}
