//! `/api/auth`: register, login, refresh, logout, profile.

use poem::Request;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Header;
use poem_openapi::payload::Json;

use super::{Created, Tag, Tagged, created, expected, tagged};
use crate::AppState;
use crate::auth::{BearerAuth, client_address};
use crate::dto::{LoginRequest, ProfileUpdate, RefreshRequest, RegisterRequest, TokenPair, User};
use crate::error::ApiResult;

/// Sign-in and one's own account.
pub struct AuthApi;

/// Runs a workflow that hashes or verifies a password (argon2id: tens of milliseconds of CPU and
/// 19 MiB of memory on purpose) while telling the runtime to move other tasks off this worker,
/// and never more of them at once than there are cores, so a burst of sign-ins queues instead of
/// multiplying memory.
async fn cpu_bound<F: std::future::Future>(work: F) -> F::Output {
    static HASHING: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let permits = std::thread::available_parallelism().map_or(2, |n| n.get());
    let _permit = HASHING.get_or_init(|| tokio::sync::Semaphore::new(permits)).acquire().await.expect("the semaphore is never closed");
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(work))
}

fn token_pair(state: &AppState, user: hms_core::User, session: hms_core::IssuedSession) -> ApiResult<TokenPair> {
    let access = state.tokens.access_token(&session, user.role).map_err(hms_core::Error::internal)?;
    Ok(TokenPair {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: state.tokens.access_ttl.as_secs(),
        refresh_token: session.refresh_token,
        refresh_expires_at: session.refresh_expires_at,
        user: user.into(),
    })
}

#[OpenApi(prefix_path = "/api/auth", tag = "Tag::Auth")]
impl AuthApi {
    /// Register as a doctor or a patient
    ///
    /// Public self-registration. Other roles are created by an admin.
    #[oai(path = "/register", method = "post")]
    async fn register(&self, state: Data<&AppState>, body: Json<RegisterRequest>) -> ApiResult<Created<User>> {
        let registration = body.0.into_core()?;
        let user = cpu_bound(state.hospital.register(registration, state.now())).await?;
        state.public_doctors.invalidate_all();
        Ok(created(user.into(), "/api/auth/profile".into()))
    }

    /// Sign in
    ///
    /// Answers an access token and a refresh token. Repeated failures for one account or from one
    /// address are refused for a while with 429.
    #[oai(path = "/login", method = "post")]
    async fn login(&self, req: &Request, state: Data<&AppState>, body: Json<LoginRequest>) -> ApiResult<Json<TokenPair>> {
        let address = client_address(req).map(|a| a.to_string());
        let signed_in = cpu_bound(state.hospital.sign_in_from(&body.email, &body.password, address.as_deref(), state.now())).await;
        let (user, session) = signed_in.inspect_err(|e| match e.kind() {
            hms_core::ErrorKind::Unauthenticated => crate::metrics::failed_sign_in("credentials"),
            hms_core::ErrorKind::Throttled => crate::metrics::failed_sign_in("throttled"),
            _ => {}
        })?;
        Ok(Json(token_pair(&state, user, session)?))
    }

    /// Trade a refresh token for a new pair
    ///
    /// The refresh token is spent. Presenting a spent one again ends its whole session.
    #[oai(path = "/refresh", method = "post")]
    async fn refresh(&self, state: Data<&AppState>, body: Json<RefreshRequest>) -> ApiResult<Json<TokenPair>> {
        let (actor, session) = state.hospital.refresh_session(&body.refresh_token, state.now()).await?;
        let user = state.hospital.profile(&actor).await?;
        Ok(Json(token_pair(&state, user, session)?))
    }

    /// Sign out
    ///
    /// Ends this session: its refresh tokens and this access token stop working everywhere.
    #[oai(path = "/logout", method = "post")]
    async fn logout(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<crate::dto::Marked>> {
        state.hospital.end_session(&auth.0.actor, auth.0.session, state.now()).await?;
        Ok(Json(crate::dto::Marked { marked: 1 }))
    }

    /// One's own account
    #[oai(path = "/profile", method = "get")]
    async fn profile(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Tagged<User>> {
        let user = state.hospital.profile(&auth.0.actor).await?;
        Ok(tagged(user))
    }

    /// Edit one's own name and phone
    ///
    /// The role is not editable here; a body naming it is refused.
    #[oai(path = "/profile", method = "patch")]
    async fn update_profile(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<ProfileUpdate>,
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<User>> {
        let update =
            hms_core::ProfileUpdate { full_name: body.0.full_name, phone: body.0.phone.map(|p| Some(p).filter(|s| !s.trim().is_empty())) };
        let expected = expected(&if_match_header);
        let user = state.hospital.update_profile(&auth.0.actor, update, expected.as_deref(), state.now()).await?;
        // A doctor's name is part of the public listing.
        state.public_doctors.invalidate_all();
        Ok(tagged(user))
    }
}
