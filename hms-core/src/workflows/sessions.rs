//! Sessions: open on login, rotate refresh tokens, end on logout, check on every request.

use chrono::{DateTime, Utc};

use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::hospital::{Audit, Hospital};
use crate::ids::{EntityKind, SessionId, UserId};
use crate::policy::Actor;
use crate::ports::{Tx, TxMode};
use crate::session::{IssuedSession, Session, constant_time_eq, new_refresh_token, parse_refresh_token};

fn expired() -> Error {
    Error::Unauthenticated("the session has ended; sign in again".into())
}

impl Hospital {
    async fn issue_refresh(&self, tx: &mut dyn Tx, session: &Session, now: DateTime<Utc>) -> Result<IssuedSession> {
        let expires_at = (now + self.config.refresh_ttl).min(session.expires_at);
        let (token, clear) = new_refresh_token(session.id, now, expires_at)?;
        tx.insert_refresh_token(&token).await?;
        Ok(IssuedSession { session_id: session.id, user_id: session.user_id, refresh_token: clear, refresh_expires_at: expires_at })
    }

    /// Signs in and opens a session: the account, and the session with its first refresh token.
    pub async fn sign_in(&self, email: &str, password: &str, now: DateTime<Utc>) -> Result<(crate::user::User, IssuedSession)> {
        self.sign_in_from(email, password, None, now).await
    }

    /// [`Hospital::sign_in`] for a client at `address`, throttled per account and per address
    /// (see [`Hospital::login_from`]).
    pub async fn sign_in_from(
        &self,
        email: &str,
        password: &str,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(crate::user::User, IssuedSession)> {
        let user = self.login_from(email, password, address, now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let session = Session {
                id: SessionId::new(),
                user_id: user.id,
                created_at: now,
                expires_at: now + self.config.session_ttl,
                revoked_at: None,
            };
            tx.insert_session(&session).await?;
            self.issue_refresh(&mut *tx, &session, now).await
        }
        .await;
        let issued = self.finish(tx, None, result, now).await?;
        Ok((user, issued))
    }

    /// Trades a refresh token for the next one of its session. A spent token presented again
    /// revokes its whole session: someone copied it.
    pub async fn refresh_session(&self, refresh_token: &str, now: DateTime<Utc>) -> Result<(Actor, IssuedSession)> {
        let (id, hash) = parse_refresh_token(refresh_token).ok_or_else(expired)?;
        let mut tx = self.begin(TxMode::Write).await?;
        let outcome: Result<Result<(Actor, IssuedSession)>> = async {
            let Some(token) = tx.refresh_token(id).await? else { return Ok(Err(expired())) };
            if !constant_time_eq(&hash, &token.secret_sha256) {
                return Ok(Err(expired()));
            }
            let Some(session) = tx.session(token.session_id).await? else { return Ok(Err(expired())) };
            let user = tx.user(session.user_id).await?;
            let actor = user.as_ref().map(|u| Actor::new(u.id, u.role));
            if token.used_at.is_some() || !tx.spend_refresh_token(id, now).await? {
                // Reuse of a spent token: end the session, and record why. This commits.
                tx.revoke_session(session.id, now).await?;
                let audit = Audit::new(AuditAction::Update, "session.reuse_detected", EntityKind::User, session.user_id)
                    .detail("refresh token reused; session revoked");
                self.audit(&mut *tx, actor.as_ref(), audit, now).await?;
                return Ok(Err(expired()));
            }
            let Some(user) = user.filter(|u| u.active) else { return Ok(Err(expired())) };
            if !session.is_live(now) || now >= token.expires_at {
                return Ok(Err(expired()));
            }
            let issued = self.issue_refresh(&mut *tx, &session, now).await?;
            Ok(Ok((Actor::new(user.id, user.role), issued)))
        }
        .await;
        // Commit whatever the outcome, so that a detected reuse stays revoked; a refused refresh wrote nothing else.
        self.finish(tx, None, outcome, now).await?
    }

    /// Ends a session: its refresh tokens and the access tokens that name it stop working.
    pub async fn end_session(&self, actor: &Actor, session: SessionId, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            match tx.session(session).await? {
                Some(s) if s.user_id == actor.id() => {
                    tx.revoke_session(session, now).await?;
                    self.audit(
                        &mut *tx,
                        Some(actor),
                        Audit::new(AuditAction::Update, "session.end", EntityKind::User, actor.id()).detail("logout"),
                        now,
                    )
                    .await
                }
                _ => Err(expired()),
            }
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// The actor of a live session: the session must be unrevoked and unexpired, belong to
    /// `user`, and the account must be active. Called for every authenticated request.
    pub async fn session_actor(&self, session: SessionId, user: UserId, now: DateTime<Utc>) -> Result<Actor> {
        let mut tx = self.begin(TxMode::Statement).await?;
        let found = tx.session_user(session).await;
        tx.rollback().await?;
        match found? {
            Some((s, u)) if s.user_id == user && s.is_live(now) && u.active => Ok(Actor::new(u.id, u.role)),
            _ => Err(expired()),
        }
    }
}
