//! `/api/dashboard` and `/api/audit` (admins).

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use uuid::Uuid;

use super::Tag;
use crate::AppState;
use crate::auth::BearerAuth;
use crate::dto::{AuditAction, AuditEvent, Dashboard, Page, page};
use crate::error::{ApiError, ApiResult};

/// Admin views.
pub struct AdminApi;

#[OpenApi(prefix_path = "/api", tag = "Tag::Admin")]
impl AdminApi {
    /// Dashboard figures
    ///
    /// Cached for a few minutes (configurable); `computed_at` says when the figures were computed.
    #[oai(path = "/dashboard", method = "get")]
    async fn dashboard(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<Dashboard>> {
        // The policy is applied on every call, cached or not.
        state.hospital.ensure_may(&auth.0.actor, hms_core::Action::Dashboard, hms_core::EntityKind::Dashboard, state.now()).await?;
        // Concurrent callers that miss the cache wait for one computation instead of each running it.
        let d = state
            .dashboard_cache
            .try_get_with((), state.hospital.dashboard(&auth.0.actor, state.now()))
            .await
            .map_err(|e: std::sync::Arc<hms_core::Error>| ApiError::from((*e).clone()))?;
        Ok(Json(d.into()))
    }

    /// The audit log, newest first
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/audit", method = "get")]
    async fn audit(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        patient_id: Query<Option<Uuid>>,
        actor_id: Query<Option<Uuid>>,
        action: Query<Option<AuditAction>>,
        from: Query<Option<DateTime<Utc>>>,
        to: Query<Option<DateTime<Utc>>>,
        #[oai(name = "page", validator(minimum(value = "1"), maximum(value = "1000000")))] p: Query<Option<u32>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<AuditEvent>>> {
        let filter = hms_core::AuditFilter {
            patient_id: patient_id.0.map(Into::into),
            actor_id: actor_id.0.map(Into::into),
            from: from.0,
            to: to.0,
            action: action.0.map(Into::into),
            id: None,
        };
        let list = state.hospital.audit_log(&auth.0.actor, filter, page(p.0, page_size.0)?, state.now()).await?;
        Ok(Json(Page::from_core(list, Into::into)))
    }
}
