//! Request-level protections: body size and arrival deadline, CORS from an allow-list, and the
//! security headers every response carries.

use std::sync::Arc;
use std::time::Duration;

use poem::error::ReadBodyError;
use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

/// Reads the whole request body before the endpoint sees it: refused with 413 when it is (or
/// says it will be) larger than `limit` bytes, with 408 when it has not arrived within
/// `deadline` — so a client trickling a body cannot hold a request open.
pub(crate) async fn read_body<E: Endpoint>(next: Arc<E>, mut req: Request, limit: usize, deadline: Duration) -> poem::Result<Response> {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(poem::Error::from_status(StatusCode::PAYLOAD_TOO_LARGE));
    }
    let has_body = declared.is_some_and(|len| len > 0) || req.headers().contains_key(header::TRANSFER_ENCODING);
    if has_body {
        let body = req.take_body();
        match tokio::time::timeout(deadline, body.into_bytes_limit(limit)).await {
            Err(_) => return Err(poem::Error::from_status(StatusCode::REQUEST_TIMEOUT)),
            Ok(Err(ReadBodyError::PayloadTooLarge)) => return Err(poem::Error::from_status(StatusCode::PAYLOAD_TOO_LARGE)),
            Ok(Err(_)) => return Err(poem::Error::from_status(StatusCode::BAD_REQUEST)),
            Ok(Ok(bytes)) => req.set_body(bytes),
        }
    }
    Ok(next.call(req).await?.into_response())
}

/// Which browser origins may call the API from scripts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cors {
    origins: Vec<HeaderValue>,
}

impl Cors {
    /// An allow-list of exact origins such as `https://app.example.org` (scheme, host and port).
    pub(crate) fn new(origins: &[String]) -> Self {
        let origins = origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/'))
            .filter(|o| !o.is_empty())
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        Self { origins }
    }

    fn allows(&self, origin: &HeaderValue) -> bool {
        self.origins.iter().any(|o| o == origin)
    }
}

const CORS_METHODS: &str = "GET, POST, PUT, PATCH, DELETE";
const CORS_REQUEST_HEADERS: &str = "authorization, content-type, x-request-id";
const CORS_EXPOSED_HEADERS: &str = "location, retry-after, x-request-id";

/// Answers preflight requests from allowed origins and marks their responses readable. Requests
/// from other origins are served without CORS headers, so a browser keeps their answers from the
/// calling script; their preflights are refused with 403.
pub(crate) async fn cors<E: Endpoint>(next: Arc<E>, req: Request, cors: Arc<Cors>) -> poem::Result<Response> {
    let Some(origin) = req.headers().get(header::ORIGIN).cloned() else {
        return Ok(next.call(req).await?.into_response());
    };
    let allowed = cors.allows(&origin);
    let preflight = req.method() == Method::OPTIONS && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        if !allowed {
            return Ok(crate::error::problem_response(poem::Error::from_string("this origin may not call the API", StatusCode::FORBIDDEN)));
        }
        return Ok(Response::builder()
            .status(StatusCode::NO_CONTENT)
            .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin)
            .header(header::ACCESS_CONTROL_ALLOW_METHODS, CORS_METHODS)
            .header(header::ACCESS_CONTROL_ALLOW_HEADERS, CORS_REQUEST_HEADERS)
            .header(header::ACCESS_CONTROL_MAX_AGE, "600")
            .header(header::VARY, "origin")
            .finish());
    }
    let mut response = next.call(req).await?.into_response();
    if allowed {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(CORS_EXPOSED_HEADERS));
        headers.append(header::VARY, HeaderValue::from_static("origin"));
    }
    Ok(response)
}

/// The API answers only JSON: nothing may run, frame or be fetched by it.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// Swagger UI ships its script and style inline and reads `/openapi.json`.
const DOCS_CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; \
                        font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Adds the security headers to every response: no content sniffing, no framing, no referrer,
/// a content security policy, no caching of API answers (they hold patient data), and HSTS when
/// the server is reached only over HTTPS.
pub(crate) async fn security_headers<E: Endpoint>(next: Arc<E>, req: Request, hsts: bool) -> poem::Result<Response> {
    let path = req.uri().path();
    let docs = path == "/docs" || path.starts_with("/docs/");
    let api = path.starts_with("/api/");
    let mut response = next.get_response(req).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    headers.insert("cross-origin-resource-policy", HeaderValue::from_static("same-site"));
    // The portal's files carry their own policy.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(if docs { DOCS_CSP } else { API_CSP }));
    }
    if api && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    Ok(response)
}
