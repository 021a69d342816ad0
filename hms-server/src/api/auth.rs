//! `/api/auth`: register, login, refresh, logout, profile.

use poem::Request;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Header;
use poem_openapi::payload::Json;

use super::{Created, Tag, Tagged, created, expected, tagged};
use crate::AppState;
use crate::auth::{BearerAuth, client_address};
use crate::cookie::{self, WithCookies};
use crate::dto::{
    Accepted, CodeRequest, Enrolment, LoginRequest, Marked, PasswordChange, PasswordResetConfirm, PasswordResetRequest, ProfileUpdate,
    RecoveryCodes, RefreshRequest, RegisterRequest, SecondFactorChallenge, SecondFactorLogin, SecondFactorStatus, SessionInfo, TokenPair,
    User,
};
use crate::error::ApiResult;

/// What the password step of a sign-in answers.
#[derive(poem_openapi::ApiResponse)]
enum LoginResponse {
    /// Signed in.
    #[oai(status = 200)]
    Tokens(Json<TokenPair>),
    /// The password was right; the account's second factor is asked next
    /// (`POST /api/auth/login/second-factor`).
    #[oai(status = 202)]
    SecondFactor(Json<SecondFactorChallenge>),
}

/// The client of a request: its address and user agent, as recorded with a session.
fn client(req: &Request) -> hms_core::ClientInfo {
    hms_core::ClientInfo {
        address: client_address(req).map(|a| a.to_string()),
        user_agent: req.headers().get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_string),
    }
}

/// Counts a refused sign-in step in the metrics.
fn count_failure(e: &hms_core::Error) {
    match e.kind() {
        hms_core::ErrorKind::Unauthenticated => crate::metrics::failed_sign_in("credentials"),
        hms_core::ErrorKind::Throttled => crate::metrics::failed_sign_in("throttled"),
        _ => {}
    }
}

/// A refresh without a token in the body or a cookie.
fn no_refresh_token() -> crate::error::ApiError {
    hms_core::Error::invalid("refresh_token", "is required (in the body, or as the hms_refresh cookie)").into()
}

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

/// The tokens of a session just opened or renewed. With `in_cookie`, the refresh token goes to
/// the browser as an HttpOnly cookie and not into the JSON answer.
fn issue(
    state: &AppState,
    req: &Request,
    user: hms_core::User,
    session: hms_core::IssuedSession,
    enrolment_only: bool,
    in_cookie: bool,
) -> ApiResult<WithCookies<Json<TokenPair>>> {
    let access = state.tokens.access_token(&session, user.role).map_err(hms_core::Error::internal)?;
    let cookies = if in_cookie {
        let max_age = (session.refresh_expires_at - state.now()).num_seconds();
        cookie::set(Some(&session.refresh_token), max_age, cookie::secure(req, state.https_only))
    } else {
        Vec::new()
    };
    let pair = TokenPair {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: state.tokens.access_ttl.as_secs(),
        refresh_token: (!in_cookie).then_some(session.refresh_token),
        refresh_expires_at: session.refresh_expires_at,
        user: user.into(),
        second_factor_enrolment_required: enrolment_only,
    };
    Ok(WithCookies { inner: Json(pair), cookies })
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
    /// Answers an access token and a refresh token (200); for an account with a second factor,
    /// a challenge to send with its code to `/api/auth/login/second-factor` (202). A session of an
    /// account whose role requires a second factor it lacks may only enrol one
    /// (`second_factor_enrolment_required`). Repeated failures for one account or from one
    /// address are refused for a while with 429.
    #[oai(path = "/login", method = "post")]
    async fn login(&self, req: &Request, state: Data<&AppState>, body: Json<LoginRequest>) -> ApiResult<WithCookies<LoginResponse>> {
        let signed_in = cpu_bound(state.hospital.begin_sign_in(&body.email, &body.password, &client(req), state.now())).await;
        Ok(match signed_in.inspect_err(count_failure)? {
            hms_core::SignIn::Done { user, session, enrolment_only } => {
                let issued = issue(&state, req, user, session, enrolment_only, body.refresh_cookie.unwrap_or(false))?;
                WithCookies { inner: LoginResponse::Tokens(issued.inner), cookies: issued.cookies }
            }
            hms_core::SignIn::SecondFactor { challenge, expires_at } => {
                WithCookies::none(LoginResponse::SecondFactor(Json(SecondFactorChallenge {
                    second_factor_required: true,
                    challenge,
                    expires_at,
                })))
            }
        })
    }

    /// Sign in: the second factor
    ///
    /// The challenge from the password step and the authenticator's current code (or a recovery
    /// code). A code is accepted once; wrong codes are refused with 401, and for a while with 429
    /// after repeated failures for the account.
    #[oai(path = "/login/second-factor", method = "post")]
    async fn login_second_factor(
        &self,
        req: &Request,
        state: Data<&AppState>,
        body: Json<SecondFactorLogin>,
    ) -> ApiResult<WithCookies<Json<TokenPair>>> {
        let (user, session) =
            state.hospital.complete_sign_in(&body.challenge, &body.code, &client(req), state.now()).await.inspect_err(count_failure)?;
        issue(&state, req, user, session, false, body.refresh_cookie.unwrap_or(false))
    }

    /// Forgot password
    ///
    /// E-mails a single-use reset link to the address if an account has it. The answer is the
    /// same whether or not one does; repeated requests for one address or from one client are
    /// refused for a while with 429.
    #[oai(path = "/password-reset", method = "post")]
    async fn request_password_reset(
        &self,
        req: &Request,
        state: Data<&AppState>,
        body: Json<PasswordResetRequest>,
    ) -> ApiResult<Json<Accepted>> {
        let address = client_address(req).map(|a| a.to_string());
        state.hospital.request_password_reset(&body.email, address.as_deref(), state.now()).await?;
        Ok(Json(Accepted { detail: "If an account has this address, an e-mail with a reset link is on its way.".into() }))
    }

    /// Set a new password with a reset token
    ///
    /// The token from the e-mail works once, for 30 minutes, and not after the password changed
    /// another way. Every session of the account ends.
    #[oai(path = "/password-reset/confirm", method = "post")]
    async fn reset_password(&self, state: Data<&AppState>, body: Json<PasswordResetConfirm>) -> ApiResult<Json<Marked>> {
        cpu_bound(state.hospital.reset_password(&body.token, &body.new_password, state.now())).await?;
        Ok(Json(Marked { marked: 1 }))
    }

    /// Change one's password
    ///
    /// Checks the current password. The account's other sessions end; this one stays.
    #[oai(path = "/password", method = "post")]
    async fn change_password(&self, state: Data<&AppState>, auth: BearerAuth, body: Json<PasswordChange>) -> ApiResult<Json<Marked>> {
        cpu_bound(state.hospital.change_password(&auth.0.actor, &body.current_password, &body.new_password, state.now())).await?;
        Ok(Json(Marked { marked: 1 }))
    }

    /// One's second factor
    #[oai(path = "/second-factor", method = "get")]
    async fn second_factor(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<SecondFactorStatus>> {
        Ok(Json(state.hospital.second_factor_status(&auth.0.actor).await?.into()))
    }

    /// Begin enrolling a second factor
    ///
    /// A new authenticator key, shown once as an `otpauth://` URI (for a QR code) and as text.
    /// Confirm it with the app's first code.
    #[oai(path = "/second-factor", method = "post")]
    async fn begin_second_factor(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<Enrolment>> {
        let e = state.hospital.begin_second_factor(&auth.0.actor, state.now()).await?;
        Ok(Json(Enrolment { otpauth_uri: e.otpauth_uri, secret_base32: e.secret_base32 }))
    }

    /// Confirm the second factor
    ///
    /// With the authenticator's first code. Answers ten one-time recovery codes, shown once.
    #[oai(path = "/second-factor/confirm", method = "post")]
    async fn confirm_second_factor(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<CodeRequest>,
    ) -> ApiResult<Json<RecoveryCodes>> {
        let recovery_codes = state.hospital.confirm_second_factor(&auth.0.actor, &body.code, state.now()).await?;
        Ok(Json(RecoveryCodes { recovery_codes }))
    }

    /// Turn the second factor off
    ///
    /// With a current code (or a recovery code).
    #[oai(path = "/second-factor/disable", method = "post")]
    async fn disable_second_factor(&self, state: Data<&AppState>, auth: BearerAuth, body: Json<CodeRequest>) -> ApiResult<Json<Marked>> {
        state.hospital.disable_second_factor(&auth.0.actor, &body.code, state.now()).await.inspect_err(count_failure)?;
        Ok(Json(Marked { marked: 1 }))
    }

    /// One's sessions
    ///
    /// Every live sign-in of the account, newest first: when it was opened and last used, and
    /// the client as recorded; `current` marks the session of this request.
    #[oai(path = "/sessions", method = "get")]
    async fn sessions(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<Vec<SessionInfo>>> {
        Ok(Json(state.hospital.list_sessions(&auth.0.actor, state.now()).await?.into_iter().map(Into::into).collect()))
    }

    /// End one of one's sessions
    #[oai(path = "/sessions/:id", method = "delete")]
    async fn end_session(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: poem_openapi::param::Path<uuid::Uuid>,
    ) -> ApiResult<Json<Marked>> {
        state.hospital.end_session(&auth.0.actor, hms_core::SessionId::from_uuid(id.0), state.now()).await?;
        Ok(Json(Marked { marked: 1 }))
    }

    /// Trade a refresh token for a new pair
    ///
    /// The refresh token is spent. Presenting a spent one again ends its whole session. A body
    /// without `refresh_token` trades the `hms_refresh` cookie instead, and the next token is
    /// set as that cookie again.
    #[oai(path = "/refresh", method = "post")]
    async fn refresh(&self, req: &Request, state: Data<&AppState>, body: Json<RefreshRequest>) -> ApiResult<WithCookies<Json<TokenPair>>> {
        let (token, in_cookie) = match body.0.refresh_token {
            Some(token) => (token, false),
            None => (cookie::refresh_token(req).ok_or_else(no_refresh_token)?, true),
        };
        let (actor, session) = state.hospital.refresh_session(&token, state.now()).await?;
        let user = state.hospital.profile(&actor).await?;
        let enrolment_only = actor.enrolment_only();
        issue(&state, req, user, session, enrolment_only, in_cookie)
    }

    /// Sign out
    ///
    /// Ends this session: its refresh tokens and this access token stop working everywhere, and
    /// the browser forgets the `hms_refresh` cookie.
    #[oai(path = "/logout", method = "post")]
    async fn logout(&self, req: &Request, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<WithCookies<Json<Marked>>> {
        state.hospital.end_session(&auth.0.actor, auth.0.session, state.now()).await?;
        let forget = cookie::set(None, 0, cookie::secure(req, state.https_only));
        Ok(WithCookies { inner: Json(Marked { marked: 1 }), cookies: forget })
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
