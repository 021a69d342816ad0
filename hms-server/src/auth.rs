//! Authentication: short-lived access JWTs naming a core session (failed sign-ins are throttled by the core).

use std::net::IpAddr;
use std::time::Duration;

use chrono::Utc;
use hms_core::{Actor, IssuedSession, Role, SessionId, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;
use serde::{Deserialize, Serialize};

use crate::AppState;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user.
    pub sub: String,
    /// The session (logout ends it).
    pub sid: String,
    /// The role when issued (informational; the server re-reads the account).
    pub role: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
}

/// Signs and checks access tokens (HS256).
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// How long an access token lives.
    pub access_ttl: Duration,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").field("access_ttl", &self.access_ttl).finish_non_exhaustive()
    }
}

impl Tokens {
    /// Keys from a secret of at least 32 bytes.
    pub fn new(secret: &[u8], access_ttl: Duration) -> Self {
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), access_ttl }
    }

    /// An access token for `session`.
    pub fn access_token(&self, session: &IssuedSession, role: Role) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: session.user_id.to_string(),
            sid: session.session_id.to_string(),
            role: role.as_str().to_string(),
            iat: now,
            exp: now + self.access_ttl.as_secs() as i64,
        };
        Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?)
    }

    /// The claims of a valid, unexpired token.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).ok().map(|d| d.claims)
    }
}

/// The signed-in caller: the actor and the session the token names.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    /// Who acts.
    pub actor: Actor,
    /// Their session.
    pub session: SessionId,
}

/// Checks a bearer token: signature and expiry, then that its session is live and the account active.
pub async fn caller_from_token(state: &AppState, token: &str) -> Option<Caller> {
    let claims = state.tokens.verify(token)?;
    let user: UserId = claims.sub.parse().ok()?;
    let session: SessionId = claims.sid.parse().ok()?;
    let actor = state.hospital.session_actor(session, user, state.now()).await.ok()?;
    Some(Caller { actor, session })
}

/// Bearer JWT from `POST /api/auth/login`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_bearer")]
pub struct BearerAuth(pub Caller);

async fn check_bearer(req: &Request, bearer: Bearer) -> Option<Caller> {
    let state = req.data::<AppState>()?;
    caller_from_token(state, &bearer.token).await
}

/// The caller of an endpoint open to anonymous callers, if a valid bearer token was sent.
pub async fn optional_caller(req: &Request, state: &AppState) -> Option<Caller> {
    let header = req.headers().get("authorization")?.to_str().ok()?;
    let token = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer "))?;
    caller_from_token(state, token.trim()).await
}

/// The client's address, from the connection.
pub fn client_address(req: &Request) -> Option<IpAddr> {
    req.remote_addr().as_socket_addr().map(|a| a.ip())
}
