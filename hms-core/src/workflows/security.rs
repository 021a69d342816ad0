//! Account security: password reset by e-mail (asked for by the user, or forced by an admin) and
//! the second factor (enrol, confirm, turn off).

use chrono::{DateTime, Utc};

use crate::audit::{AuditAction, AuditOutcome};
use crate::error::{Error, Result};
use crate::hospital::{Audit, Hospital};
use crate::ids::{EntityKind, SessionId, UserId};
use crate::notification::OutgoingEmail;
use crate::policy::{Action, Actor};
use crate::ports::{Tx, TxMode};
use crate::security::{
    Enrolment, PasswordReset, ResetRequest, SecondFactor, enrolment, new_recovery_codes, new_token, new_totp_key, parse_token, totp_step,
};
use crate::session::constant_time_eq;
use crate::user::{Password, PasswordHash, User};
use crate::values::Email;
use crate::workflows::accounts::throttle_key;

/// What a forced reset leaves as the password hash: no password matches it.
const FORCED_RESET: &str = "!forced-reset";

/// Where a sealed secret sits in a queued e-mail's body, opened only when the e-mail is sent.
const SEALED_OPEN: &str = "[[sealed:";
const SEALED_CLOSE: &str = "]]";

fn bad_token() -> Error {
    Error::invalid("token", "is not valid: it was used, it expired, or the password changed since it was sent; ask for a new one")
}

/// A second factor's state, as its user may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactorStatus {
    /// Whether sign-in asks for a code.
    pub enabled: bool,
    /// Whether an enrolment waits for its first code.
    pub pending: bool,
    /// Unused recovery codes left.
    pub recovery_codes_left: u32,
    /// Whether the account's role requires a second factor.
    pub required: bool,
}

impl Hospital {
    /// After a password change inside `tx`: the account's sessions other than `keep` end, unused
    /// reset tokens stop working, and the user is told by e-mail. Returns how many sessions ended.
    pub(crate) async fn password_changed(&self, tx: &mut dyn Tx, user: &User, keep: Option<SessionId>, now: DateTime<Utc>) -> Result<u64> {
        let mut ended = 0;
        for s in tx.sessions_of(user.id).await? {
            if Some(s.id) != keep && s.revoked_at.is_none() {
                tx.revoke_session(s.id, now).await?;
                ended += 1;
            }
        }
        tx.spend_password_resets(user.id, now).await?;
        let body = format!(
            "The password of your hospital account ({}) was changed on {} UTC, and every other sign-in was ended.\n\n\
             If you did not do this, ask for a password reset at once and tell the hospital's administrator.",
            user.email,
            now.format("%Y-%m-%d %H:%M")
        );
        tx.insert_emails(&[OutgoingEmail::new(&user.email, "Your password was changed", body, now)]).await?;
        Ok(ended)
    }

    /// Issues a reset token for `user` inside `tx` and queues the e-mail that carries it, sealed.
    async fn issue_reset(&self, tx: &mut dyn Tx, user: &User, forced_by: Option<UserId>, now: DateTime<Utc>) -> Result<()> {
        let key = self.secret_key()?;
        let (id, secret_sha256, token) = new_token()?;
        let expires_at = now + self.config.password_reset_ttl;
        tx.insert_password_reset(&PasswordReset {
            id,
            user_id: user.id,
            secret_sha256,
            created_at: now,
            expires_at,
            used_at: None,
            forced_by,
        })
        .await?;
        let link = match &self.config.reset_link {
            Some(base) => format!("{base}{token}"),
            None => token,
        };
        let sealed = format!("{SEALED_OPEN}{}{SEALED_CLOSE}", key.seal(link.as_bytes())?);
        let why = if forced_by.is_some() {
            "The hospital's administrator asked for your password to be reset."
        } else {
            "Someone asked to reset the password of this account."
        };
        let minutes = self.config.password_reset_ttl.num_minutes();
        let body = format!(
            "{why}\n\nTo choose a new password, use this within {minutes} minutes (it works once):\n\n{sealed}\n\n\
             If you did not ask for this, ignore this message: your password stays as it is."
        );
        tx.insert_emails(&[OutgoingEmail::new(&user.email, "Reset your password", body, now)]).await
    }

    /// "Forgot password": records the request, and answers the same way — with the same work,
    /// whatever the address — whether or not an account has it; the outbox's next pass e-mails a
    /// single-use reset link if an active account does ([`Hospital::claim_emails`]). Requests are
    /// throttled per address and per client like sign-ins.
    pub async fn request_password_reset(&self, email: &str, address: Option<&str>, now: DateTime<Utc>) -> Result<()> {
        self.secret_key()?;
        let account_key = throttle_key("reset", email);
        let address_key = address.map(|a| throttle_key("reset-address", a));
        let since = now - self.config.login_window;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            if let Some(e) = self.over_limits(&mut *tx, &account_key, address_key.as_deref(), now).await? {
                return Ok(Err(e));
            }
            // Every request counts towards the limits.
            tx.record_login_failure(&account_key, now, since).await?;
            if let Some(k) = &address_key {
                tx.record_login_failure(k, now, since).await?;
            }
            let email: String = email.trim().chars().take(320).collect();
            tx.insert_reset_request(&ResetRequest { id: uuid::Uuid::now_v7(), email, requested_at: now, processed_at: None }).await?;
            let mut audit = Audit::new(AuditAction::Update, "account.password_reset_requested", EntityKind::User, "");
            audit.entity_id = None;
            self.audit(&mut *tx, None, audit, now).await?;
            Ok(Ok(()))
        }
        .await;
        self.finish(tx, None, result, now).await?
    }

    /// Works through the waiting "forgot password" requests: for each address with an active
    /// account, a reset token and its e-mail. Returns how many e-mails were queued. Part of every
    /// pass of the outbox; each request is worked through once, whichever process gets to it.
    pub async fn process_reset_requests(&self, now: DateTime<Utc>) -> Result<u32> {
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let mut sent = 0;
            for request in tx.pending_reset_requests(100).await? {
                if !tx.settle_reset_request(request.id, now).await? {
                    continue;
                }
                let user = match Email::parse(&request.email) {
                    Ok(e) => tx.user_by_email(&e).await?.filter(|u| u.active),
                    Err(_) => None,
                };
                if let Some(user) = user {
                    self.issue_reset(&mut *tx, &user, None, now).await?;
                    let actor = Actor::new(user.id, user.role);
                    let audit = Audit::new(AuditAction::Update, "account.password_reset_sent", EntityKind::User, user.id);
                    self.audit(&mut *tx, Some(&actor), audit, now).await?;
                    sent += 1;
                }
            }
            Ok(sent)
        }
        .await;
        self.finish(tx, None, result, now).await
    }

    /// Sets a new password with a reset token: once, before it expires, and only if the password
    /// has not changed since it was sent. Every session of the account ends.
    pub async fn reset_password(&self, token: &str, new_password: &str, now: DateTime<Utc>) -> Result<()> {
        let (id, hash) = parse_token(token).ok_or_else(bad_token)?;
        let mut tx = self.begin(TxMode::Read).await?;
        let found = async {
            let Some(reset) = tx.password_reset(id).await? else { return Ok(None) };
            let user = tx.user(reset.user_id).await?;
            Ok::<_, Error>(Some((reset, user)))
        }
        .await;
        tx.rollback().await?;
        let Some((reset, Some(user))) = found? else { return Err(bad_token()) };
        if !constant_time_eq(&hash, &reset.secret_sha256) || reset.used_at.is_some() || now >= reset.expires_at || !user.active {
            return Err(bad_token());
        }
        // Hashing is slow: outside the transaction.
        let password = Password::new(new_password, Some(&user.email)).map_err(|e| Error::Invalid(vec![e.under("new_password")]))?;
        let password_hash = self.config.password_cost.hash(&password)?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let mut user = tx.user(reset.user_id).await?.ok_or_else(bad_token)?;
            // This very token, unless another use got to it first; the account's others die with it.
            if !tx.spend_password_reset(reset.id, now).await? {
                return Err(bad_token());
            }
            user.password_hash = password_hash;
            user.touch(now);
            tx.update_user(&user).await?;
            let ended = self.password_changed(&mut *tx, &user, None, now).await?;
            let actor = Actor::new(user.id, user.role);
            let audit = Audit::new(AuditAction::Update, "account.password_reset", EntityKind::User, user.id)
                .detail(format!("by e-mailed token; {ended} sessions ended"));
            self.audit(&mut *tx, Some(&actor), audit, now).await
        }
        .await;
        self.finish(tx, None, result, now).await
    }

    /// Forces a password reset for an account (admins): its password stops working, its sessions
    /// end and its user is e-mailed a reset link. The admin never sees the link nor sets the password.
    pub async fn force_password_reset(&self, actor: &Actor, user: UserId, now: DateTime<Utc>) -> Result<()> {
        self.guard(actor, Action::AdminUsers, EntityKind::User, now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let mut target = tx.user(user).await?.ok_or(Error::not_found(EntityKind::User))?;
            // The old password stops working at once: whoever knew it signs in no more.
            target.password_hash = PasswordHash::from_stored(FORCED_RESET.into());
            target.touch(now);
            tx.update_user(&target).await?;
            let ended = tx.revoke_sessions_of(user, now).await?;
            self.issue_reset(&mut *tx, &target, Some(actor.id()), now).await?;
            let audit = Audit::new(AuditAction::Update, "account.password_reset_forced", EntityKind::User, user)
                .detail(format!("reset link e-mailed to the user; {ended} sessions ended"));
            self.audit(&mut *tx, Some(actor), audit, now).await
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Opens the sealed parts of a claimed e-mail for the mail server; a part that does not open
    /// (the key changed) becomes a line saying so.
    pub(crate) fn open_sealed(&self, body: &str) -> String {
        let mut out = String::with_capacity(body.len());
        let mut rest = body;
        while let Some(start) = rest.find(SEALED_OPEN) {
            out.push_str(&rest[..start]);
            let after = &rest[start + SEALED_OPEN.len()..];
            let Some(end) = after.find(SEALED_CLOSE) else { break };
            let opened = self
                .config
                .secret_key
                .as_ref()
                .and_then(|k| k.open(&after[..end]).ok())
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_else(|| "(this link can no longer be opened: ask for a new one)".into());
            out.push_str(&opened);
            rest = &after[end + SEALED_CLOSE.len()..];
        }
        out.push_str(rest);
        out
    }

    /// Begins enrolling a second factor for the actor: a new TOTP key, shown once as an
    /// `otpauth://` URI and as text, pending until [`Hospital::confirm_second_factor`].
    pub async fn begin_second_factor(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Enrolment> {
        let key = self.secret_key()?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let user = tx.user(actor.id()).await?.ok_or_else(|| Error::Unauthenticated("the account no longer exists".into()))?;
            if tx.second_factor(user.id).await?.is_some_and(|f| f.confirmed_at.is_some()) {
                return Err(Error::Conflict("a second factor is already enrolled; turn it off first to enrol another".into()));
            }
            // A pending enrolment, and the recovery codes of any earlier one, are replaced.
            tx.delete_second_factor(user.id).await?;
            let secret = new_totp_key()?;
            let factor =
                SecondFactor { user_id: user.id, secret_sealed: key.seal(&secret)?, confirmed_at: None, last_step: None, created_at: now };
            tx.put_second_factor(&factor).await?;
            self.audit(&mut *tx, Some(actor), Audit::new(AuditAction::Update, "second_factor.begin", EntityKind::User, user.id), now)
                .await?;
            Ok(enrolment(&secret, user.email.as_str()))
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Confirms an enrolment with the first code of the authenticator; returns the ten recovery
    /// codes, shown once. From now on sign-in asks for a code; a session limited to enrolment is
    /// limited no more.
    pub async fn confirm_second_factor(&self, actor: &Actor, code: &str, now: DateTime<Utc>) -> Result<Vec<String>> {
        let key = self.secret_key()?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let Some(mut factor) = tx.second_factor(actor.id()).await?.filter(|f| f.confirmed_at.is_none()) else {
                return Err(Error::Conflict("no enrolment is waiting for a code; begin one first".into()));
            };
            let secret = key.open(&factor.secret_sealed)?;
            let Some(step) = totp_step(&secret, code, now) else {
                return Err(Error::invalid("code", "is not the authenticator's current code"));
            };
            factor.confirmed_at = Some(now);
            factor.last_step = Some(step);
            tx.put_second_factor(&factor).await?;
            let (clear, stored) = new_recovery_codes(actor.id())?;
            tx.insert_recovery_codes(&stored).await?;
            if let Some(session) = actor.session() {
                tx.lift_enrolment_only(session).await?;
            }
            self.audit(&mut *tx, Some(actor), Audit::new(AuditAction::Update, "second_factor.enable", EntityKind::User, actor.id()), now)
                .await?;
            Ok(clear)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Turns the actor's second factor off, given a valid code (or a recovery code).
    pub async fn disable_second_factor(&self, actor: &Actor, code: &str, now: DateTime<Utc>) -> Result<()> {
        if actor.enrolment_only() {
            return Err(Error::SecondFactorRequired);
        }
        if self.config.second_factor_roles.contains(&actor.role()) {
            return Err(Error::Conflict(format!("the {} role must sign in with a second factor: it cannot be turned off", actor.role())));
        }
        // A wrong code here is bad input from a signed-in user, not a failed sign-in.
        self.verify_second_factor(actor.id(), code, "second_factor.disable_check", now).await.map_err(|e| match e.kind() {
            crate::error::ErrorKind::Unauthenticated => {
                Error::invalid("code", "is not the authenticator's current code nor an unused recovery code")
            }
            _ => e,
        })?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            tx.delete_second_factor(actor.id()).await?;
            self.audit_outcome(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Update, "second_factor.disable", EntityKind::User, actor.id()),
                AuditOutcome::Success,
                now,
            )
            .await
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// The actor's second factor: on or off, recovery codes left, whether the role requires one.
    pub async fn second_factor_status(&self, actor: &Actor) -> Result<SecondFactorStatus> {
        let mut tx = self.begin(TxMode::Read).await?;
        let read = async {
            let factor = tx.second_factor(actor.id()).await?;
            let codes = tx.recovery_codes(actor.id()).await?;
            Ok::<_, Error>((factor, codes))
        }
        .await;
        tx.rollback().await?;
        let (factor, codes) = read?;
        Ok(SecondFactorStatus {
            enabled: factor.as_ref().is_some_and(|f| f.confirmed_at.is_some()),
            pending: factor.as_ref().is_some_and(|f| f.confirmed_at.is_none()),
            recovery_codes_left: codes.iter().filter(|c| c.used_at.is_none()).count() as u32,
            required: self.config.second_factor_roles.contains(&actor.role()),
        })
    }
}
