//! Sessions: open on sign-in (after the second factor, when the account has one), rotate refresh
//! tokens, list and end them, check on every request.

use chrono::{DateTime, Utc};

use crate::audit::{AuditAction, AuditOutcome};
use crate::error::{Error, Result};
use crate::hospital::{Audit, Hospital};
use crate::ids::{EntityKind, SessionId, UserId};
use crate::policy::{Action, Actor};
use crate::ports::{Tx, TxMode};
use crate::security::{ClientInfo, SessionInfo, SignInChallenge, new_token, parse_token, recovery_code_matches, totp_step};
use crate::session::{IssuedSession, Session, constant_time_eq, new_refresh_token, parse_refresh_token};
use crate::user::User;
use crate::workflows::accounts::throttle_key;

fn expired() -> Error {
    Error::Unauthenticated("the session has ended; sign in again".into())
}

fn wrong_code() -> Error {
    Error::Unauthenticated("the code is wrong, used already, or the sign-in has expired; sign in again if it has".into())
}

/// The outcome of the password step of a sign-in.
#[derive(Debug, Clone)]
pub enum SignIn {
    /// Signed in: the account and its new session. `enrolment_only` when the account's role
    /// requires a second factor it does not have yet: the session may only enrol one.
    Done {
        /// The account.
        user: User,
        /// The session and its first refresh token.
        session: IssuedSession,
        /// Whether the session may only enrol a second factor.
        enrolment_only: bool,
    },
    /// The password was right and the account has a second factor: its code (or a recovery code)
    /// is asked next, with this challenge, before `expires_at`.
    SecondFactor {
        /// `<id>.<secret>`, for [`Hospital::complete_sign_in`]; shown once.
        challenge: String,
        /// When the second step must be done by.
        expires_at: DateTime<Utc>,
    },
}

impl Hospital {
    async fn issue_refresh(&self, tx: &mut dyn Tx, session: &Session, now: DateTime<Utc>) -> Result<IssuedSession> {
        let expires_at = (now + self.config.refresh_ttl).min(session.expires_at);
        let (token, clear) = new_refresh_token(session.id, now, expires_at)?;
        tx.insert_refresh_token(&token).await?;
        Ok(IssuedSession { session_id: session.id, user_id: session.user_id, refresh_token: clear, refresh_expires_at: expires_at })
    }

    /// Opens a session for `user` inside `tx`, limited to enrolment when `enrolment_only`.
    async fn open_session(
        &self,
        tx: &mut dyn Tx,
        user: &User,
        client: &ClientInfo,
        enrolment_only: bool,
        now: DateTime<Utc>,
    ) -> Result<IssuedSession> {
        let clip = |s: &Option<String>, n: usize| s.as_ref().map(|v| v.chars().take(n).collect::<String>());
        let session = Session {
            id: SessionId::new(),
            user_id: user.id,
            created_at: now,
            expires_at: now + self.config.session_ttl,
            revoked_at: None,
            last_used_at: now,
            client_address: clip(&client.address, 64),
            user_agent: clip(&client.user_agent, 300),
            enrolment_only,
        };
        tx.insert_session(&session).await?;
        self.issue_refresh(tx, &session, now).await
    }

    /// Whether `user`'s role must sign in with a second factor.
    fn second_factor_required(&self, user: &User) -> bool {
        self.config.second_factor_roles.contains(&user.role)
    }

    /// Whether `user` has a confirmed second factor.
    pub(crate) async fn has_second_factor(&self, user: UserId) -> Result<bool> {
        let mut tx = self.begin(TxMode::Statement).await?;
        let factor = tx.second_factor(user).await;
        tx.rollback().await?;
        Ok(factor?.is_some_and(|f| f.confirmed_at.is_some()))
    }

    /// Signs in with a password only, and opens a session: for accounts without a second factor.
    /// An account with one is refused here; it signs in with [`Hospital::begin_sign_in`] and
    /// [`Hospital::complete_sign_in`].
    pub async fn sign_in(&self, email: &str, password: &str, now: DateTime<Utc>) -> Result<(User, IssuedSession)> {
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
    ) -> Result<(User, IssuedSession)> {
        match self.begin_sign_in(email, password, &ClientInfo::at(address), now).await? {
            SignIn::Done { user, session, .. } => Ok((user, session)),
            SignIn::SecondFactor { .. } => {
                Err(Error::Unauthenticated("this account signs in with a second factor: give its code after the password".into()))
            }
        }
    }

    /// The password step of a sign-in: a session when the account has no second factor (limited
    /// to enrolling one when its role requires one), else a challenge for the code.
    pub async fn begin_sign_in(&self, email: &str, password: &str, client: &ClientInfo, now: DateTime<Utc>) -> Result<SignIn> {
        let user = self.check_password(email, password, client.address.as_deref(), now).await?;
        let has_factor = self.has_second_factor(user.id).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            if has_factor {
                let (id, secret_sha256, challenge) = new_token()?;
                let expires_at = now + self.config.sign_in_challenge_ttl;
                tx.insert_sign_in_challenge(&SignInChallenge {
                    id,
                    user_id: user.id,
                    secret_sha256,
                    created_at: now,
                    expires_at,
                    used_at: None,
                    client: client.clone(),
                })
                .await?;
                Ok(SignIn::SecondFactor { challenge, expires_at })
            } else {
                let enrolment_only = self.second_factor_required(&user);
                let session = self.open_session(&mut *tx, &user, client, enrolment_only, now).await?;
                Ok(SignIn::Done { user: user.clone(), session, enrolment_only })
            }
        }
        .await;
        self.finish(tx, None, result, now).await
    }

    /// The second step of a sign-in: the challenge of the password step and the current code of
    /// the account's authenticator (or one of its recovery codes). A code is accepted once; wrong
    /// codes are counted per account and throttled like passwords.
    pub async fn complete_sign_in(
        &self,
        challenge: &str,
        code: &str,
        client: &ClientInfo,
        now: DateTime<Utc>,
    ) -> Result<(User, IssuedSession)> {
        let (id, hash) = parse_token(challenge).ok_or_else(wrong_code)?;
        let mut tx = self.begin(TxMode::Read).await?;
        let found = tx.sign_in_challenge(id).await;
        tx.rollback().await?;
        let Some(found) = found?.filter(|c| constant_time_eq(&hash, &c.secret_sha256) && c.used_at.is_none() && now < c.expires_at) else {
            return Err(wrong_code());
        };
        let user = self.verify_second_factor(found.user_id, code, "account.sign_in_second_factor", now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            if !tx.spend_sign_in_challenge(id, now).await? {
                return Err(wrong_code());
            }
            let client = ClientInfo {
                address: client.address.clone().or(found.client.address.clone()),
                user_agent: client.user_agent.clone().or(found.client.user_agent.clone()),
            };
            self.open_session(&mut *tx, &user, &client, false, now).await
        }
        .await;
        let issued = self.finish(tx, None, result, now).await?;
        Ok((user, issued))
    }

    /// Signs in for a script (no session is opened): the password, and the code of the account's
    /// second factor when it has one. The actor is limited to enrolling a second factor when the
    /// account's role requires one it does not have.
    pub async fn login_actor(&self, email: &str, password: &str, code: Option<&str>, now: DateTime<Utc>) -> Result<Actor> {
        let user = self.check_password(email, password, None, now).await?;
        if self.has_second_factor(user.id).await? {
            let code = code.ok_or_else(|| Error::Unauthenticated("this account signs in with a second factor: give its code".into()))?;
            let user = self.verify_second_factor(user.id, code, "account.sign_in_second_factor", now).await?;
            return Ok(Actor::new(user.id, user.role));
        }
        let actor = Actor::new(user.id, user.role);
        Ok(if self.second_factor_required(&user) { actor.limited_to_enrolment() } else { actor })
    }

    /// Checks `code` (a current TOTP code, or an unused recovery code) for `user`, throttled per
    /// account, audited either way; the account, when it is right. One write transaction that
    /// begins by reading (on PostgreSQL, locking) the account's row: attempts for one account take
    /// turns, so none of them counts failures another has not recorded yet.
    pub(crate) async fn verify_second_factor(&self, user: UserId, code: &str, what: &'static str, now: DateTime<Utc>) -> Result<User> {
        let key = throttle_key("second-factor", &user.to_string());
        let since = now - self.config.login_window;
        let mut tx = self.begin(TxMode::Write).await?;
        let outcome: Result<Result<User>> = async {
            let Some(account) = tx.user(user).await?.filter(|u| u.active) else { return Ok(Err(wrong_code())) };
            if let Some(e) = self.over_limits(&mut *tx, &key, None, now).await? {
                return Ok(Err(e));
            }
            let Some(factor) = tx.second_factor(user).await?.filter(|f| f.confirmed_at.is_some()) else { return Ok(Err(wrong_code())) };
            // A key that no longer opens (HMS_SECRET_KEY changed) still leaves the recovery codes.
            let secret = self.config.secret_key.as_ref().and_then(|k| k.open(&factor.secret_sealed).ok());
            let step = secret.and_then(|s| totp_step(&s, code, now));
            let recovery = match step {
                Some(_) => None,
                None => {
                    tx.recovery_codes(user).await?.into_iter().find(|c| c.used_at.is_none() && recovery_code_matches(c, code)).map(|c| c.id)
                }
            };
            let accepted = match (step, recovery) {
                (Some(step), _) => tx.advance_second_factor_step(user, step).await?,
                (None, Some(id)) => tx.spend_recovery_code(id, now).await?,
                (None, None) => false,
            };
            let detail = match (accepted, step.is_some(), recovery.is_some()) {
                (true, true, _) => "authenticator code",
                (true, _, true) => "recovery code",
                (false, true, _) => "a code already used",
                (false, _, true) => "a recovery code already used",
                _ => "a wrong code",
            };
            let (action, outcome) =
                if accepted { (AuditAction::Login, AuditOutcome::Success) } else { (AuditAction::FailedLogin, AuditOutcome::Refused) };
            let actor = Actor::new(account.id, account.role);
            self.audit_outcome(&mut *tx, Some(&actor), Audit::new(action, what, EntityKind::User, user).detail(detail), outcome, now)
                .await?;
            if accepted {
                tx.clear_login_failures(&key).await?;
                Ok(Ok(account))
            } else {
                tx.record_login_failure(&key, now, since).await?;
                Ok(Err(wrong_code()))
            }
        }
        .await;
        // Commit whatever the outcome, so that a failure is counted.
        self.finish(tx, None, outcome, now).await?
    }

    /// The key that seals secrets, or why the feature needing it is off.
    pub(crate) fn secret_key(&self) -> Result<&crate::security::SecretKey> {
        self.config.secret_key.as_ref().ok_or_else(|| Error::Unavailable("the secret key (HMS_SECRET_KEY)".into()))
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
            tx.touch_session(session.id, now).await?;
            let issued = self.issue_refresh(&mut *tx, &session, now).await?;
            Ok(Ok((session_actor_of(&session, &user), issued)))
        }
        .await;
        // Commit whatever the outcome, so that a detected reuse stays revoked; a refused refresh wrote nothing else.
        self.finish(tx, None, outcome, now).await?
    }

    /// Ends one of the actor's own sessions: its refresh tokens and the access tokens that name it
    /// stop working.
    pub async fn end_session(&self, actor: &Actor, session: SessionId, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            match tx.session(session).await? {
                Some(s) if s.user_id == actor.id() => {
                    tx.revoke_session(session, now).await?;
                    let detail = if actor.session() == Some(session) { "logout" } else { "ended from another session" };
                    self.audit(
                        &mut *tx,
                        Some(actor),
                        Audit::new(AuditAction::Update, "session.end", EntityKind::User, actor.id()).detail(detail),
                        now,
                    )
                    .await
                }
                // Another's session is as unknown as a missing one.
                _ => Err(Error::not_found(EntityKind::Session)),
            }
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// The actor's own live sessions, newest first, the asking one marked.
    pub async fn list_sessions(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<SessionInfo>> {
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = tx.sessions_of(actor.id()).await;
        tx.rollback().await?;
        Ok(result?
            .into_iter()
            .filter(|s| s.is_live(now))
            .map(|s| SessionInfo {
                id: s.id,
                created_at: s.created_at,
                last_used_at: s.last_used_at,
                expires_at: s.expires_at,
                client_address: s.client_address,
                user_agent: s.user_agent,
                enrolment_only: s.enrolment_only,
                current: actor.session() == Some(s.id),
            })
            .collect())
    }

    /// Ends every session of an account (admins): a lost device, a leaving employee.
    pub async fn end_user_sessions(&self, actor: &Actor, user: UserId, now: DateTime<Utc>) -> Result<u64> {
        self.guard(actor, Action::AdminUsers, EntityKind::User, now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            tx.user(user).await?.ok_or(Error::not_found(EntityKind::User))?;
            let ended = tx.revoke_sessions_of(user, now).await?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Update, "session.end_all", EntityKind::User, user)
                    .detail(format!("{ended} sessions ended by an admin")),
                now,
            )
            .await?;
            Ok(ended)
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
            Some((s, u)) if s.user_id == user && s.is_live(now) && u.active => Ok(session_actor_of(&s, &u)),
            _ => Err(expired()),
        }
    }
}

/// The actor acting through `session`.
fn session_actor_of(session: &Session, user: &User) -> Actor {
    let actor = Actor::new(user.id, user.role).in_session(session.id);
    if session.enrolment_only { actor.limited_to_enrolment() } else { actor }
}
