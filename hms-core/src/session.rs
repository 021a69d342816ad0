//! Sign-in sessions: a login opens a session; rotating refresh tokens keep it alive; logout ends it.
//!
//! A refresh token is `<token id>.<secret>`; only the SHA-256 of the secret is stored, so a
//! stolen database does not yield usable tokens. Each refresh spends the token and issues the
//! next one of the same session. Presenting a spent token means it was copied: the whole session
//! is revoked. Access tokens (issued by the HTTP server) name their session, so ending the
//! session ends them too, in every process that shares the database.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::ids::{SessionId, UserId};

/// A sign-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session's id.
    pub id: SessionId,
    /// Who signed in.
    pub user_id: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it ends at the latest, whatever the refreshes.
    pub expires_at: DateTime<Utc>,
    /// When it was ended (logout, reuse of a spent token, deactivation).
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last refreshed (or opened).
    pub last_used_at: DateTime<Utc>,
    /// The client's address, as recorded at sign-in.
    pub client_address: Option<String>,
    /// The client's user agent, as recorded at sign-in.
    pub user_agent: Option<String>,
    /// Whether it may only enrol a second factor (the user's role requires one and has none).
    pub enrolment_only: bool,
}

impl Session {
    /// Whether the session may still be used at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A stored refresh token (its secret only as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// The token's id (the part before the dot).
    pub id: uuid::Uuid,
    /// The session it keeps alive.
    pub session_id: SessionId,
    /// Lower-case hex SHA-256 of the secret.
    pub secret_sha256: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was spent on a refresh.
    pub used_at: Option<DateTime<Utc>>,
}

/// What a login or a refresh hands out: the session, and the refresh token in clear (shown once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedSession {
    /// The session's id (access tokens carry it).
    pub session_id: SessionId,
    /// The user.
    pub user_id: UserId,
    /// The refresh token, `<id>.<secret>`; never stored in clear.
    pub refresh_token: String,
    /// When the refresh token stops working.
    pub refresh_expires_at: DateTime<Utc>,
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A new refresh token for `session`: the stored record and the clear text.
pub(crate) fn new_refresh_token(session: SessionId, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> Result<(RefreshToken, String)> {
    let (id, secret_sha256, clear) = crate::security::new_token()?;
    Ok((RefreshToken { id, session_id: session, secret_sha256, created_at: now, expires_at, used_at: None }, clear))
}

/// Splits a presented refresh token into its id and the hash of its secret.
pub(crate) fn parse_refresh_token(token: &str) -> Option<(uuid::Uuid, String)> {
    let (id, secret) = token.trim().split_once('.')?;
    let id = uuid::Uuid::try_parse(id).ok()?;
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((id, sha256_hex(secret.as_bytes())))
}

/// Compares two equal-length strings in time independent of where they differ.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_back_and_only_their_hash_is_kept() {
        let now = Utc::now();
        let (stored, clear) = new_refresh_token(SessionId::new(), now, now).unwrap();
        assert!(!clear.contains(&stored.secret_sha256));
        let (id, hash) = parse_refresh_token(&clear).unwrap();
        assert_eq!(id, stored.id);
        assert!(constant_time_eq(&hash, &stored.secret_sha256));
        assert!(parse_refresh_token("garbage").is_none());
        assert!(parse_refresh_token(&format!("{}.zz", stored.id.simple())).is_none());
        assert!(!constant_time_eq("abc", "abd"));
    }
}
