//! `/api/notifications`.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use uuid::Uuid;

use super::Tag;
use crate::AppState;
use crate::auth::BearerAuth;
use crate::dto::{Marked, Notification, Page, page};
use crate::error::ApiResult;

/// One's notifications.
pub struct NotificationsApi;

#[OpenApi(prefix_path = "/api/notifications", tag = "Tag::Notifications")]
impl NotificationsApi {
    /// One's notifications, newest first
    #[oai(path = "/", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        unread: Query<Option<bool>>,
        #[oai(name = "page", validator(minimum(value = "1"), maximum(value = "1000000")))] p: Query<Option<u32>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Notification>>> {
        let list = state.hospital.notifications(&auth.0.actor, unread.0.unwrap_or(false), page(p.0, page_size.0)?).await?;
        Ok(Json(Page::from_core(list, Into::into)))
    }

    /// Mark one notification read
    #[oai(path = "/:id/read", method = "post")]
    async fn read(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<Notification>> {
        Ok(Json(state.hospital.mark_notification_read(&auth.0.actor, id.0.into(), state.now()).await?.into()))
    }

    /// Mark all of one's notifications read
    #[oai(path = "/read-all", method = "post")]
    async fn read_all(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<Marked>> {
        Ok(Json(Marked { marked: state.hospital.mark_all_notifications_read(&auth.0.actor, state.now()).await? }))
    }
}
