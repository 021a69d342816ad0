//! `/api/users`: staff accounts and activation (admins).

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use uuid::Uuid;

use super::{Created, Tag, Tagged, created, expected, tagged};
use crate::AppState;
use crate::auth::BearerAuth;
use crate::dto::{Marked, Page, Role, StaffRequest, User, UserPatch, decimal, page};
use crate::error::ApiResult;

/// User administration.
pub struct UsersApi;

#[OpenApi(prefix_path = "/api/users", tag = "Tag::Users")]
impl UsersApi {
    /// Create a staff account
    ///
    /// Admin, doctor, nurse or receptionist; admins only.
    #[oai(path = "/", method = "post")]
    async fn create(&self, state: Data<&AppState>, auth: BearerAuth, body: Json<StaffRequest>) -> ApiResult<Created<User>> {
        let b = body.0;
        let doctor = match b.doctor {
            Some(d) => Some(hms_core::DoctorDetails {
                specialization: d.specialization,
                license_number: d.license_number,
                years_of_experience: d.years_of_experience,
                consultation_fee: decimal("doctor.consultation_fee", &d.consultation_fee)?,
                currency: d.currency,
                bio: d.bio,
            }),
            None => None,
        };
        let r = hms_core::Registration {
            email: b.email,
            password: b.password,
            full_name: b.full_name,
            phone: b.phone,
            role: Some(b.role.into()),
            doctor,
            patient: None,
        };
        let user = state.hospital.create_staff(&auth.0.actor, r, state.now()).await?;
        state.public_doctors.invalidate_all();
        let location = format!("/api/users/{}", user.id);
        Ok(created(user.into(), location))
    }

    /// List accounts
    #[oai(path = "/", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        role: Query<Option<Role>>,
        active: Query<Option<bool>>,
        #[oai(name = "page", validator(minimum(value = "1"), maximum(value = "1000000")))] p: Query<Option<u32>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<User>>> {
        let filter = hms_core::UserFilter { role: role.0.map(Into::into), active: active.0 };
        let list = state.hospital.list_users(&auth.0.actor, filter, page(p.0, page_size.0)?, state.now()).await?;
        Ok(Json(Page::from_core(list, Into::into)))
    }

    /// Activate or deactivate an account
    ///
    /// Deactivation ends the account's sessions. Admins cannot change their own account's state.
    #[oai(path = "/:id", method = "patch")]
    async fn patch(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<UserPatch>,
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<User>> {
        let expected = expected(&if_match_header);
        let user = state.hospital.set_user_active(&auth.0.actor, id.0.into(), body.active, expected.as_deref(), state.now()).await?;
        state.public_doctors.invalidate_all();
        Ok(tagged(user))
    }

    /// Force a password reset
    ///
    /// Ends the account's sessions and e-mails its user a single-use reset link. The admin never
    /// sees the link nor sets the password. Admins only.
    #[oai(path = "/:id/password-reset", method = "post")]
    async fn force_password_reset(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<Marked>> {
        state.hospital.force_password_reset(&auth.0.actor, id.0.into(), state.now()).await?;
        Ok(Json(Marked { marked: 1 }))
    }

    /// End every session of an account
    ///
    /// A lost device, a leaving employee: every sign-in of the account ends at once. Admins only.
    #[oai(path = "/:id/sessions", method = "delete")]
    async fn end_sessions(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<Marked>> {
        let ended = state.hospital.end_user_sessions(&auth.0.actor, id.0.into(), state.now()).await?;
        Ok(Json(Marked { marked: ended }))
    }
}
