//! Errors as `application/problem+json`, mapped from the core's error kinds in one place.

use hms_core::{Error, ErrorKind};
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

/// One invalid field.
#[derive(Debug, Clone, Object)]
pub struct ProblemField {
    /// The field's path, e.g. `medications[0].strength`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Object)]
pub struct Problem {
    /// A URI naming the kind of problem (`about:blank` for plain HTTP statuses).
    #[oai(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// The fields at fault, for invalid input (absent otherwise).
    #[oai(default, skip_serializing_if_is_empty)]
    pub errors: Vec<ProblemField>,
}

impl Problem {
    /// A problem with `status` and `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }
}

/// Every error an endpoint can answer with; each status is documented in the OpenAPI document.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "bad_request")]
pub enum ApiError {
    /// The request is malformed (not JSON, wrong types, unknown values).
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// Not signed in, or the token is invalid, expired or revoked.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthenticated(Json<Problem>),
    /// Signed in, but not allowed.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// No such record (or not one the caller may know of).
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request clashes with the current state (slot taken, duplicate, final status).
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// `If-Match` names none of the record's current version: it changed since the caller read it.
    #[oai(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Json<Problem>),
    /// The request body is over the size limit.
    #[oai(status = 413, content_type = "application/problem+json")]
    TooLarge(Json<Problem>),
    /// The request body is missing its `Content-Type` or has one this operation does not take.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// The request is well-formed but its values are invalid; `errors` names the fields.
    #[oai(status = 422, content_type = "application/problem+json")]
    Invalid(Json<Problem>),
    /// Too many attempts; retry later.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooMany(Json<Problem>, #[oai(header = "Retry-After")] u64),
    /// A dependency (the database, the AI endpoint) is unavailable.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>, #[oai(header = "Retry-After")] u64),
    /// A bug: details are in the server's log under the request id, never in the answer.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
}

/// How many seconds a client is told to wait before retrying a request answered 503.
const RETRY_UNAVAILABLE_SECS: u64 = 1;

/// The result of every endpoint.
pub type ApiResult<T> = Result<T, ApiError>;

fn bad_request(err: poem::Error) -> ApiError {
    let status = err.status();
    if status == StatusCode::UNAUTHORIZED {
        return ApiError::Unauthenticated(Json(Problem::new(status, "sign in first: a valid bearer token is required")));
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge(Json(Problem::new(status, "the request body is too large")));
    }
    if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        return ApiError::UnsupportedMediaType(Json(Problem::new(status, err.to_string())));
    }
    ApiError::BadRequest(Json(Problem::new(StatusCode::BAD_REQUEST, err.to_string())))
}

impl ApiError {
    /// A 401 with `detail`.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        ApiError::Unauthenticated(Json(Problem::new(StatusCode::UNAUTHORIZED, detail)))
    }

    /// A 422 naming one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::invalid(field, message).into()
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let kind = e.kind();
        let status = StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut problem = Problem::new(status, e.to_string());
        match kind {
            ErrorKind::Invalid => {
                problem.detail = "the request has invalid values".into();
                problem.errors = e.field_errors().into_iter().map(|f| ProblemField { field: f.field, message: f.message }).collect();
                if problem.errors.len() == 1 {
                    problem.detail = format!("{}: {}", problem.errors[0].field, problem.errors[0].message);
                }
                ApiError::Invalid(Json(problem))
            }
            ErrorKind::NotFound => ApiError::NotFound(Json(problem)),
            ErrorKind::Conflict => ApiError::Conflict(Json(problem)),
            ErrorKind::Forbidden => {
                problem.detail = "you are not allowed to do this".into();
                ApiError::Forbidden(Json(problem))
            }
            ErrorKind::Unauthenticated => ApiError::Unauthenticated(Json(problem)),
            ErrorKind::PreconditionFailed => ApiError::PreconditionFailed(Json(problem)),
            ErrorKind::Throttled => ApiError::TooMany(Json(problem), e.retry_after_secs().unwrap_or(1)),
            // A busy or unreachable database is a moment's matter: say when to try again.
            ErrorKind::Unavailable => ApiError::Unavailable(Json(problem), RETRY_UNAVAILABLE_SECS),
            ErrorKind::Internal => {
                tracing::error!(error = %e, "internal error");
                problem.detail = "an internal error occurred; it has been logged".into();
                ApiError::Internal(Json(problem))
            }
        }
    }
}

/// Turns any error that escaped the endpoints (unknown route, wrong method, oversize body,
/// failed authentication) into a problem document, so that every error answer has one shape.
pub fn problem_response(err: poem::Error) -> poem::Response {
    let status = err.status();
    let text = err.to_string();
    let response = err.into_response();
    let is_problem =
        response.headers().get(poem::http::header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem {
        // An endpoint's own problem document: keep it as it is.
        return response;
    }
    let detail = match status {
        StatusCode::NOT_FOUND => "no such resource".to_string(),
        StatusCode::METHOD_NOT_ALLOWED => "this method is not allowed here".to_string(),
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_string(),
        StatusCode::REQUEST_TIMEOUT => "the request body did not arrive in time".to_string(),
        StatusCode::UNAUTHORIZED => "sign in first: a valid bearer token is required".to_string(),
        s if s.is_server_error() => {
            tracing::error!(error = %text, "unhandled error");
            "an internal error occurred; it has been logged".to_string()
        }
        _ => text,
    };
    let body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    poem::Response::builder().status(status).content_type("application/problem+json").body(body.to_string())
}
