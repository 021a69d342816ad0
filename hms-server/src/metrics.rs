//! What the server is doing, for its operators, in Prometheus' text format: requests by route
//! template and status with their latency, the database pool and SQLite's write queue, the e-mail
//! outbox, analyses by outcome with their latency, and failed sign-ins. Served by
//! [`endpoint`] on an address of its own (`HMS_METRICS_BIND`), never beside the API by accident.

use std::sync::OnceLock;
use std::time::Instant;

use hms_core::Hospital;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Request, Response};

/// Request and analysis latencies, in seconds: from a millisecond to a minute.
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use (one per process, whatever the number of
/// servers in it); what the metrics endpoint renders.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder was installed first; /metrics will show only what it does not take");
        }
        handle
    })
}

/// Counts a request and times it (when `metered`), labelled by method, route template (`/api/appointments/{id}`,
/// from the OpenAPI document; `other` for paths it does not have, so that no label grows with the
/// traffic) and status.
pub async fn record_request<E: Endpoint>(
    next: std::sync::Arc<E>,
    req: Request,
    operations: std::sync::Arc<crate::document::Operations>,
    metered: bool,
) -> poem::Result<Response> {
    if !metered {
        return Ok(next.call(req).await?.into_response());
    }
    handle();
    let method = metrics::SharedString::from(method_label(req.method()));
    let route = operations.template(req.uri().path()).map_or(metrics::SharedString::const_str("other"), metrics::SharedString::from);
    let started = Instant::now();
    let response = next.call(req).await?.into_response();
    let status = response.status().as_u16().to_string();
    metrics::counter!("hms_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("hms_http_request_duration_seconds", "method" => method, "route" => route).record(started.elapsed().as_secs_f64());
    Ok(response)
}

/// A method's label, without an allocation for the methods the API has.
fn method_label(method: &poem::http::Method) -> std::borrow::Cow<'static, str> {
    use poem::http::Method;
    match *method {
        Method::GET => "GET".into(),
        Method::POST => "POST".into(),
        Method::PUT => "PUT".into(),
        Method::PATCH => "PATCH".into(),
        Method::DELETE => "DELETE".into(),
        Method::HEAD => "HEAD".into(),
        Method::OPTIONS => "OPTIONS".into(),
        ref other => other.as_str().to_string().into(),
    }
}

/// Counts a failed sign-in: `credentials` (a wrong password or unknown account) or `throttled`.
pub fn failed_sign_in(reason: &'static str) {
    metrics::counter!("hms_failed_sign_ins_total", "reason" => reason).increment(1);
}

/// Counts an analysis request by its outcome (`complete`, `checks_only`, `ai_unavailable`, or
/// `error`) and records how long it took.
pub fn analysis(outcome: &str, started: Instant) {
    metrics::counter!("hms_analyses_total", "outcome" => outcome.to_string()).increment(1);
    metrics::histogram!("hms_analysis_duration_seconds", "outcome" => outcome.to_string()).record(started.elapsed().as_secs_f64());
}

/// Counts the e-mails one dispatcher pass sent and the deliveries that failed.
pub fn emails(sent: usize, failed: usize) {
    metrics::counter!("hms_emails_sent_total").increment(sent as u64);
    metrics::counter!("hms_email_failures_total").increment(failed as u64);
}

/// Reads the gauges that describe the moment: the pool's connections, SQLite's write queue and
/// the outbox's unsent e-mails.
async fn sample(hospital: &Hospital) {
    let stats = hospital.store().stats();
    metrics::gauge!("hms_db_connections", "state" => "idle").set(f64::from(stats.idle));
    metrics::gauge!("hms_db_connections", "state" => "in_use").set(f64::from(stats.connections.saturating_sub(stats.idle)));
    metrics::gauge!("hms_db_writers_waiting").set(stats.writers_waiting as f64);
    match hospital.unsent_emails().await {
        Ok(n) => metrics::gauge!("hms_email_outbox_unsent").set(n as f64),
        Err(e) => tracing::warn!(error = %e, "counting the outbox for the metrics failed"),
    }
}

/// `GET /metrics`: the gauges read now, then every metric in Prometheus' text format.
pub fn endpoint(hospital: Hospital) -> impl Endpoint<Output = Response> {
    poem::endpoint::make(move |req: Request| {
        let hospital = hospital.clone();
        async move {
            if req.uri().path() != "/metrics" {
                return Response::builder().status(StatusCode::NOT_FOUND).body("not found; try /metrics\n");
            }
            handle();
            sample(&hospital).await;
            Response::builder().content_type("text/plain; version=0.0.4; charset=utf-8").body(handle().render())
        }
    })
}
