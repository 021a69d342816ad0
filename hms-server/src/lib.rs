//! hms-server: the HTTP API of hms, a thin adapter over `hms-core`.
//!
//! Each endpoint parses its request into core types, calls one `Hospital` workflow and maps the
//! answer; no permission, lifecycle or money rule lives here. The OpenAPI document is generated
//! from the endpoint types (poem-openapi), so what is served and what is documented cannot drift.
//! Errors are `application/problem+json`, mapped from the core's error kinds in `error.rs`.

#![warn(missing_docs)]

pub mod api;
pub mod auth;
pub mod cache;
pub mod cookie;
pub mod demo;
pub mod document;
pub mod dto;
pub mod error;
pub mod fhir;
pub mod limits;
pub mod mail;
pub mod metrics;
pub mod serve;
pub mod web;

use std::time::Duration;

use hms_core::{Dashboard, Hospital};
use poem::endpoint::make_sync;
use poem::http::{StatusCode, header};
use poem::middleware::AddData;
use poem::web::Html;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route};
use poem_openapi::OpenApiService;
use tracing::Instrument;

use crate::auth::Tokens;

/// What every request can reach.
#[derive(Clone)]
pub struct AppState {
    /// The hospital.
    pub hospital: Hospital,
    /// Access-token keys.
    pub tokens: Tokens,
    /// The cached dashboard.
    pub dashboard_cache: moka::future::Cache<(), Dashboard>,
    /// The cached pages of the public doctor listing.
    pub public_doctors: cache::DoctorListCache,
    /// The clock the workflows are told the time by (the system clock, or a test's).
    pub clock: Clock,
    /// Whether the hospital reaches the server only over HTTPS (cookies are then `Secure`).
    pub https_only: bool,
    /// The FHIR bulk exports running or ready.
    pub exports: std::sync::Arc<fhir::export::Exports>,
}

/// A source of the current instant.
pub type Clock = std::sync::Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    std::sync::Arc::new(chrono::Utc::now)
}

impl AppState {
    /// The current instant by this state's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        (self.clock)()
    }
}

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The JWT signing secret (at least 32 bytes).
    pub jwt_secret: Vec<u8>,
    /// Access-token lifetime.
    pub access_ttl: Duration,
    /// How long the dashboard is cached.
    pub dashboard_ttl: Duration,
    /// How long a page of the public doctor listing is served from memory (zero: not at all).
    pub public_list_ttl: Duration,
    /// The largest request body, in bytes (uploads included).
    pub max_body_bytes: usize,
    /// A request body must arrive in full within this time (408 otherwise).
    pub body_timeout: Duration,
    /// Origins (`https://app.example.org`) whose browser scripts may call the API. Empty: none
    /// but the server's own.
    pub cors_origins: Vec<String>,
    /// Send `Strict-Transport-Security` (for a server reached only over HTTPS).
    pub hsts: bool,
    /// Count and time every request for `/metrics` (only worth its cost where metrics are served).
    pub metrics: bool,
    /// A folder to serve the portal from instead of the copy built into the binary.
    pub web_dir: Option<std::path::PathBuf>,
    /// Limits of the connection loop.
    pub connection: serve::ConnectionLimits,
}

impl HttpConfig {
    /// Defaults around a given secret: 15-minute access tokens, a 5-minute dashboard cache, the
    /// public doctor listing kept 2 s,
    /// 25 MiB bodies that must arrive within 30 s, no cross-origin callers, no HSTS, and the
    /// connection limits' defaults. (Failed sign-ins are throttled by the core.)
    pub fn with_secret(jwt_secret: Vec<u8>) -> Self {
        Self {
            jwt_secret,
            access_ttl: Duration::from_secs(15 * 60),
            dashboard_ttl: Duration::from_secs(5 * 60),
            public_list_ttl: Duration::from_secs(2),
            max_body_bytes: 25 * 1024 * 1024,
            body_timeout: Duration::from_secs(30),
            cors_origins: Vec::new(),
            hsts: false,
            metrics: false,
            web_dir: None,
            connection: serve::ConnectionLimits::default(),
        }
    }
}

impl AppState {
    /// The state for `hospital` with `config`.
    pub fn new(hospital: Hospital, config: &HttpConfig) -> Self {
        Self {
            hospital,
            tokens: Tokens::new(&config.jwt_secret, config.access_ttl),
            // A zero time-to-live turns the cache off.
            dashboard_cache: moka::future::Cache::builder()
                .time_to_live(config.dashboard_ttl.max(Duration::from_millis(1)))
                .max_capacity(if config.dashboard_ttl.is_zero() { 0 } else { 1 })
                .build(),
            public_doctors: cache::doctor_list_cache(config.public_list_ttl),
            clock: system_clock(),
            https_only: config.hsts,
            exports: std::sync::Arc::new(fhir::export::Exports::from_env()),
        }
    }
}

type Apis = (
    api::auth::AuthApi,
    api::users::UsersApi,
    api::doctors::DoctorsApi,
    api::patients::PatientsApi,
    api::appointments::AppointmentsApi,
    api::records::RecordsApi,
    api::prescriptions::PrescriptionsApi,
    api::billing::BillingApi,
    api::notifications::NotificationsApi,
    api::admin::AdminApi,
    api::ops::OpsApi,
);

/// The OpenAPI service of every area.
pub fn openapi() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            api::auth::AuthApi,
            api::users::UsersApi,
            api::doctors::DoctorsApi,
            api::patients::PatientsApi,
            api::appointments::AppointmentsApi,
            api::records::RecordsApi,
            api::prescriptions::PrescriptionsApi,
            api::billing::BillingApi,
            api::notifications::NotificationsApi,
            api::admin::AdminApi,
            api::ops::OpsApi,
        ),
        "hms",
        env!("CARGO_PKG_VERSION"),
    )
    .description("The hospital-management API of hms. Errors are application/problem+json.")
}

/// The whole HTTP application: the API, `/openapi.json`, Swagger UI at `/docs`, with the body
/// limits, CORS and security headers of `config`.
pub fn app(state: AppState, config: &HttpConfig) -> poem::endpoint::BoxEndpoint<'static> {
    let service = openapi();
    let generated = service.spec();
    let doc = document::complete(&generated);
    let served = serde_json::to_string_pretty(&doc).expect("a JSON value serializes");
    // Swagger UI shows the document as served.
    let docs_html = service.swagger_ui_html().replace(&generated, &served);
    let operations = std::sync::Arc::new(document::Operations::of(&doc));
    let checked = operations.clone();
    let routes = operations.clone();
    let (max_body, body_timeout) = (config.max_body_bytes, config.body_timeout);
    let cors = std::sync::Arc::new(limits::Cors::new(&config.cors_origins));
    let (hsts, metered) = (config.hsts, config.metrics);
    let portal = std::sync::Arc::new(web::Portal::new(config.web_dir.clone()));
    Route::new()
        .nest("/", service)
        .at("/openapi.json", make_sync(move |_| Response::builder().content_type("application/json").body(served.clone())))
        .nest("/docs", Route::new().at("/", make_sync(move |_| Html(docs_html.clone()))))
        .at(fhir::BASE, poem::endpoint::make(fhir::endpoint))
        .at(format!("{}/*path", fhir::BASE), poem::endpoint::make(fhir::endpoint))
        .around(move |next, req| check_json_types(next, req, checked.clone()))
        .around(move |next, req| limits::read_body(next, req, max_body, body_timeout))
        .with(AddData::new(state))
        .catch_all_error(|err| async move { error::problem_response(err) })
        .around(move |next, req| allow_header(next, req, operations.clone()))
        .around(move |next, req| web::serve(next, req, portal.clone()))
        .around(move |next, req| limits::cors(next, req, cors.clone()))
        .around(move |next, req| limits::security_headers(next, req, hsts))
        .around(log_request)
        .around(move |next, req| metrics::record_request(next, req, routes.clone(), metered))
        // One boxed type, not the nested type of every layer (which outgrows the compiler's limits).
        .map_to_response()
        .boxed()
}

/// Names the methods a path takes in the `Allow` header of a 405, as RFC 9110 asks.
async fn allow_header<E: Endpoint>(
    next: std::sync::Arc<E>,
    req: Request,
    operations: std::sync::Arc<document::Operations>,
) -> poem::Result<Response> {
    let path = req.uri().path().to_string();
    let mut response = next.call(req).await?.into_response();
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Some(allowed) = operations.allowed(&path)
        && let Ok(value) = poem::http::HeaderValue::from_str(&allowed)
    {
        response.headers_mut().insert(header::ALLOW, value);
    }
    Ok(response)
}

/// Refuses (400) a JSON request body whose values are not of the types the document gives them,
/// before the endpoint parses it: the parser would keep a number or a boolean sent for a string as
/// its text. A body that is not JSON is left to the endpoint's parser to refuse.
async fn check_json_types<E: Endpoint>(
    next: std::sync::Arc<E>,
    mut req: Request,
    operations: std::sync::Arc<document::Operations>,
) -> poem::Result<Response> {
    let is_json = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        let bytes = req.take_body().into_bytes().await?;
        if let Ok(body) = serde_json::from_slice::<serde_json::Value>(&bytes)
            && let Err(field) = operations.check_body(req.method().as_str(), req.uri().path(), &body)
        {
            return Err(poem::Error::from_string(format!("parse request payload error: {field}"), StatusCode::BAD_REQUEST));
        }
        req.set_body(bytes);
    }
    Ok(next.call(req).await?.into_response())
}

/// Gives every request an id (answered in `x-request-id`) and logs one line per request with its
/// id, method, path, status and time; anything logged while serving it carries the id too.
async fn log_request<E: Endpoint>(next: std::sync::Arc<E>, req: Request) -> poem::Result<Response> {
    let id = uuid::Uuid::now_v7().simple().to_string();
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let span = tracing::info_span!("request", id = %id);
    let started = std::time::Instant::now();
    let mut response = next.call(req).instrument(span.clone()).await?.into_response();
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(%method, %path, status, elapsed_ms, "served"));
    if let Ok(value) = poem::http::HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    Ok(response)
}

/// Builds the state and the app for `hospital`.
pub fn build(hospital: Hospital, config: &HttpConfig) -> (AppState, poem::endpoint::BoxEndpoint<'static>) {
    let state = AppState::new(hospital, config);
    let app = app(state.clone(), config);
    (state, app)
}

/// A fresh random secret, for development runs without `HMS_JWT_SECRET`.
pub fn random_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 48];
    getrandom::fill(&mut secret).expect("the operating system's random source");
    secret
}

/// Tells background jobs that the server is stopping (the value turns `true`, or the sender is dropped).
pub type Shutdown = tokio::sync::watch::Receiver<bool>;
