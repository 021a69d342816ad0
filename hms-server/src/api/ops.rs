//! `/healthz`, `/readyz` and the hospital's public settings.

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use crate::AppState;
use crate::dto::{Health, HospitalSettings};

/// Liveness and readiness.
pub struct OpsApi;

/// Readiness.
#[derive(ApiResponse)]
pub enum Ready {
    /// The database answers.
    #[oai(status = 200)]
    Ready(Json<Health>),
    /// The database does not answer, or lacks migrations this build knows.
    #[oai(status = 503)]
    NotReady(Json<Health>),
}

#[OpenApi(tag = "Tag::Operations")]
impl OpsApi {
    /// The hospital's public settings
    ///
    /// Its time zone and currency, and the sign-in options it offers. Public: a client shows
    /// times in the hospital's zone before anyone signs in.
    #[oai(path = "/api/hospital", method = "get")]
    async fn settings(&self, state: Data<&AppState>) -> Json<HospitalSettings> {
        Json(state.hospital.config().public_settings().into())
    }

    /// Liveness: the process answers
    #[oai(path = "/healthz", method = "get")]
    async fn healthz(&self) -> Json<Health> {
        Json(Health { status: "ok".into(), database: None })
    }

    /// Readiness: the database answers and has every migration this build knows
    #[oai(path = "/readyz", method = "get")]
    async fn readyz(&self, state: Data<&AppState>) -> Ready {
        let database = Some(state.hospital.store().backend().to_string());
        if state.hospital.ping().await.is_err() {
            return Ready::NotReady(Json(Health { status: "unavailable".into(), database }));
        }
        match state.hospital.store().pending_migrations().await {
            Ok(0) => Ready::Ready(Json(Health { status: "ok".into(), database })),
            Ok(_) => Ready::NotReady(Json(Health { status: "migrations pending".into(), database })),
            Err(_) => Ready::NotReady(Json(Health { status: "unavailable".into(), database })),
        }
    }
}
