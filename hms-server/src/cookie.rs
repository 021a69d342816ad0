//! The refresh token as a browser cookie: `HttpOnly` (no script reads it), `SameSite=Strict` (no
//! other site's page sends it) and scoped to the two endpoints that take it, refresh and logout.
//! A client asks for it with `refresh_cookie: true` at sign-in; the token is then never in a
//! JSON answer.

use poem::http::{HeaderValue, header};
use poem::{IntoResponse, Request, Response};
use poem_openapi::ApiResponse;
use poem_openapi::registry::{MetaHeader, MetaResponses, Registry};
use poem_openapi::types::Type;

/// The cookie's name.
pub const NAME: &str = "hms_refresh";
/// The endpoints the cookie is sent to, one cookie per path.
pub const PATHS: [&str; 2] = ["/api/auth/refresh", "/api/auth/logout"];

/// The refresh token in a request's `Cookie` header, if any.
pub fn refresh_token(req: &Request) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == NAME && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

/// Whether the request reached the hospital over HTTPS: the server is configured for HTTPS only,
/// or the proxy in front of it says so.
pub fn secure(req: &Request, https_only: bool) -> bool {
    https_only || req.headers().get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` values that hand `token` to the browser for `max_age_secs`, or, with no
/// token, that make it forget the cookie.
pub fn set(token: Option<&str>, max_age_secs: i64, secure: bool) -> Vec<HeaderValue> {
    let (value, max_age) = match token {
        Some(t) => (t, max_age_secs.max(0)),
        None => ("", 0),
    };
    let secure = if secure { "; Secure" } else { "" };
    PATHS
        .iter()
        .filter_map(|path| {
            HeaderValue::from_str(&format!("{NAME}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")).ok()
        })
        .collect()
}

/// An answer with `Set-Cookie` headers added.
pub struct WithCookies<T> {
    /// The answer.
    pub inner: T,
    /// The cookies to set.
    pub cookies: Vec<HeaderValue>,
}

impl<T> WithCookies<T> {
    /// `inner` without cookies.
    pub fn none(inner: T) -> Self {
        Self { inner, cookies: Vec::new() }
    }
}

impl<T: IntoResponse> IntoResponse for WithCookies<T> {
    fn into_response(self) -> Response {
        let mut response = self.inner.into_response();
        for cookie in self.cookies {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        response
    }
}

impl<T: ApiResponse> ApiResponse for WithCookies<T> {
    fn meta() -> MetaResponses {
        let mut meta = T::meta();
        for response in &mut meta.responses {
            if response.status.is_some_and(|s| s < 300) {
                response.headers.push(MetaHeader {
                    name: "Set-Cookie".into(),
                    description: Some(format!(
                        "With `refresh_cookie`: the refresh token as `{NAME}`, HttpOnly and SameSite=Strict, \
                         once for each of {} (Secure over HTTPS).",
                        PATHS.join(" and ")
                    )),
                    required: false,
                    deprecated: false,
                    schema: String::schema_ref(),
                });
            }
        }
        meta
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}
