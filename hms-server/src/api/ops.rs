//! `/healthz` and `/readyz`.

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use crate::AppState;
use crate::dto::Health;

/// Liveness and readiness.
pub struct OpsApi;

/// Readiness.
#[derive(ApiResponse)]
pub enum Ready {
    /// The database answers.
    #[oai(status = 200)]
    Ready(Json<Health>),
    /// The database does not answer.
    #[oai(status = 503)]
    NotReady(Json<Health>),
}

#[OpenApi(tag = "Tag::Operations")]
impl OpsApi {
    /// Liveness: the process answers
    #[oai(path = "/healthz", method = "get")]
    async fn healthz(&self) -> Json<Health> {
        Json(Health { status: "ok".into(), database: None })
    }

    /// Readiness: the database answers
    #[oai(path = "/readyz", method = "get")]
    async fn readyz(&self, state: Data<&AppState>) -> Ready {
        let database = Some(state.hospital.store().backend().to_string());
        match state.hospital.ping().await {
            Ok(()) => Ready::Ready(Json(Health { status: "ok".into(), database })),
            Err(_) => Ready::NotReady(Json(Health { status: "unavailable".into(), database })),
        }
    }
}
