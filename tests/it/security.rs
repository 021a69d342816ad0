//! Account security on both backends: sessions listed and ended, password reset by e-mail, the
//! second factor (enrolment, two-step sign-in, replay, recovery codes, throttling) and the roles
//! that must have one.

use chrono::Duration;
use hms::security::totp_code;
use hms::{ClientInfo, ErrorKind, Hospital, Role, SignIn};

use crate::common::{admin, now, on_both, patient, staff};

const PASSWORD: &str = "a sound test passphrase";

on_both!(sessions_are_listed_and_ended, password_reset_by_email, second_factor_sign_in, roles_that_must_have_a_second_factor);

fn client(address: &str, agent: &str) -> ClientInfo {
    ClientInfo { address: Some(address.into()), user_agent: Some(agent.into()) }
}

fn done(s: SignIn) -> (hms::User, hms::IssuedSession, bool) {
    match s {
        SignIn::Done { user, session, enrolment_only } => (user, session, enrolment_only),
        SignIn::SecondFactor { .. } => panic!("a session was expected"),
    }
}

/// The key of an enrolment, from its base32 text.
fn key_of(base32: &str) -> Vec<u8> {
    totp_rs::Secret::Encoded(base32.into()).to_bytes().expect("base32")
}

/// The code of `key` at `t`.
fn code(key: &[u8], t: chrono::DateTime<chrono::Utc>) -> String {
    totp_code(key, 6, t.timestamp() as u64)
}

async fn sessions_are_listed_and_ended(h: Hospital) {
    let admin = admin(&h).await;
    let (pu, _) = patient(&h, 1).await;
    let email = pu.email.to_string();
    let (_, laptop, _) = done(h.begin_sign_in(&email, PASSWORD, &client("10.0.0.1", "Firefox"), now()).await.unwrap());
    let (_, phone, _) = done(h.begin_sign_in(&email, PASSWORD, &client("10.0.0.2", "Safari"), now() + Duration::minutes(1)).await.unwrap());
    let me = h.session_actor(laptop.session_id, pu.id, now()).await.unwrap();
    assert_eq!(me.session(), Some(laptop.session_id));

    let later = now() + Duration::minutes(30);
    h.refresh_session(&phone.refresh_token, later).await.unwrap();
    let listed = h.list_sessions(&me, later).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!((listed[0].id, listed[0].last_used_at, listed[0].current), (phone.session_id, later, false), "newest first");
    assert_eq!((listed[0].client_address.as_deref(), listed[0].user_agent.as_deref()), (Some("10.0.0.2"), Some("Safari")));
    assert_eq!((listed[1].id, listed[1].current, listed[1].last_used_at), (laptop.session_id, true, now()));

    // The user ends the phone's session from the laptop; another user may not.
    let (other, _) = patient(&h, 2).await;
    let other = h.actor(other.id).await.unwrap();
    assert_eq!(h.end_session(&other, phone.session_id, later).await.unwrap_err().kind(), ErrorKind::NotFound);
    h.end_session(&me, phone.session_id, later).await.unwrap();
    assert!(h.session_actor(phone.session_id, pu.id, later).await.is_err());
    assert_eq!(h.list_sessions(&me, later).await.unwrap().len(), 1);

    // Changing the password ends the other sessions and keeps this one.
    let (_, tablet, _) = done(h.begin_sign_in(&email, PASSWORD, &client("10.0.0.3", "Chrome"), later).await.unwrap());
    h.change_password(&me, PASSWORD, "another sound passphrase", later).await.unwrap();
    assert!(h.session_actor(tablet.session_id, pu.id, later).await.is_err());
    assert!(h.session_actor(laptop.session_id, pu.id, later).await.is_ok());

    // An admin ends every session of an account; others may not.
    assert_eq!(h.end_user_sessions(&me, pu.id, later).await.unwrap_err().kind(), ErrorKind::Forbidden);
    assert_eq!(h.end_user_sessions(&admin, pu.id, later).await.unwrap(), 1);
    assert!(h.session_actor(laptop.session_id, pu.id, later).await.is_err());
}

/// The token in the newest e-mail to `to` that the mail server would be handed.
async fn mailed_token(h: &Hospital, to: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    let mails = h.claim_emails(at, 100, Duration::minutes(5)).await.unwrap();
    let mail = mails.iter().rev().find(|m| m.to.as_str() == to && m.subject == "Reset your password").expect("a reset e-mail");
    let line = mail.body.lines().find(|l| l.contains('.') && l.len() > 60 && !l.contains(' ')).expect("a token line");
    line.trim().to_string()
}

async fn password_reset_by_email(h: Hospital) {
    let admin = admin(&h).await;
    let (pu, _) = patient(&h, 1).await;
    let email = pu.email.to_string();
    let (_, session) = h.sign_in(&email, PASSWORD, now()).await.unwrap();

    // Known and unknown addresses answer alike.
    h.request_password_reset(&email, Some("10.0.0.1"), now()).await.unwrap();
    h.request_password_reset("nobody@example.org", Some("10.0.0.1"), now()).await.unwrap();
    // The outbox's next pass makes the e-mail, for the known address only; it holds the token
    // sealed, and the mail server is handed it open.
    assert_eq!(h.process_reset_requests(now()).await.unwrap(), 1);
    let mut tx = h.store().begin(hms::ports::TxMode::Read).await.unwrap();
    let queued = tx.emails_due(now(), 100).await.unwrap();
    tx.rollback().await.unwrap();
    let queued = queued.iter().find(|m| m.subject == "Reset your password").expect("queued").body.clone();
    assert!(queued.contains("[[sealed:v1."), "{queued}");
    let token = mailed_token(&h, &email, now()).await;
    assert!(!queued.contains(&token) && !queued.contains(token.split('.').nth(1).unwrap()));

    // A weak password is refused and spends nothing; the token then works once.
    let e = h.reset_password(&token, "short", now()).await.unwrap_err();
    assert_eq!(e.field_errors()[0].field, "new_password");
    h.reset_password(&token, "a brand new passphrase", now() + Duration::minutes(1)).await.unwrap();
    assert_eq!(h.reset_password(&token, "yet another passphrase", now()).await.unwrap_err().field_errors()[0].field, "token");
    assert!(h.session_actor(session.session_id, pu.id, now()).await.is_err(), "every session ended");
    assert!(h.sign_in(&email, "a brand new passphrase", now()).await.is_ok());
    let told = h.claim_emails(now() + Duration::minutes(10), 100, Duration::minutes(5)).await.unwrap();
    assert!(told.iter().any(|m| m.subject == "Your password was changed" && m.to.as_str() == email));

    // A token expires, and dies with a password change.
    h.request_password_reset(&email, None, now()).await.unwrap();
    let late = mailed_token(&h, &email, now()).await;
    assert_eq!(
        h.reset_password(&late, "a brand new passphrase 2", now() + Duration::minutes(31)).await.unwrap_err().kind(),
        ErrorKind::Invalid
    );
    h.request_password_reset(&email, None, now()).await.unwrap();
    let stale = mailed_token(&h, &email, now() + Duration::seconds(1)).await;
    let me = h.actor(pu.id).await.unwrap();
    h.change_password(&me, "a brand new passphrase", "a third new passphrase", now()).await.unwrap();
    assert_eq!(h.reset_password(&stale, "a fourth new passphrase", now()).await.unwrap_err().field_errors()[0].field, "token");

    // An admin forces a reset: the user is mailed, the admin sees nothing of it.
    h.force_password_reset(&admin, pu.id, now()).await.unwrap();
    assert_eq!(
        h.sign_in(&email, "a third new passphrase", now()).await.unwrap_err().kind(),
        ErrorKind::Unauthenticated,
        "the old password is dead"
    );
    let forced = mailed_token(&h, &email, now() + Duration::seconds(2)).await;
    h.reset_password(&forced, "chosen by the user alone", now()).await.unwrap();
    let (me_again, _) = patient(&h, 3).await;
    let other = h.actor(me_again.id).await.unwrap();
    assert_eq!(h.force_password_reset(&other, pu.id, now()).await.unwrap_err().kind(), ErrorKind::Forbidden);

    // Requests are throttled like sign-ins, for known and unknown addresses alike.
    let t = now() + Duration::hours(1);
    for address in [email.as_str(), "nobody@example.org"] {
        for _ in 0..h.config().login_failures_per_account {
            h.request_password_reset(address, None, t).await.unwrap();
        }
        assert_eq!(h.request_password_reset(address, None, t).await.unwrap_err().kind(), ErrorKind::Throttled);
    }
    let audit = h.audit_log(&admin, hms::AuditFilter::default(), hms::PageRequest::new(1, 100).unwrap(), now()).await.unwrap();
    for what in ["account.password_reset_requested", "account.password_reset", "account.password_reset_forced"] {
        assert!(audit.items.iter().any(|e| e.operation == what), "{what} is audited");
    }
}

/// The challenge of a password step that asks for the second factor.
async fn challenge(h: &Hospital, email: &str, t: chrono::DateTime<chrono::Utc>) -> String {
    match h.begin_sign_in(email, PASSWORD, &client("10.0.0.1", "Firefox"), t).await.unwrap() {
        SignIn::SecondFactor { challenge, .. } => challenge,
        SignIn::Done { .. } => panic!("a second step was expected"),
    }
}

async fn second_factor_sign_in(h: Hospital) {
    let (pu, _) = patient(&h, 1).await;
    let email = pu.email.to_string();
    let me = h.actor(pu.id).await.unwrap();
    let enrolment = h.begin_second_factor(&me, now()).await.unwrap();
    assert!(enrolment.otpauth_uri.starts_with("otpauth://totp/") && enrolment.otpauth_uri.contains(&enrolment.secret_base32));
    let key = key_of(&enrolment.secret_base32);
    assert_eq!(h.confirm_second_factor(&me, "000000", now()).await.unwrap_err().kind(), ErrorKind::Invalid);
    let recovery = h.confirm_second_factor(&me, &code(&key, now()), now()).await.unwrap();
    assert_eq!(recovery.len(), 10);
    assert!(h.second_factor_status(&me).await.unwrap().enabled);

    // The password alone no longer signs in.
    assert_eq!(h.sign_in(&email, PASSWORD, now()).await.unwrap_err().kind(), ErrorKind::Unauthenticated);
    let t = now() + Duration::minutes(1);
    // The code of the step before is accepted (a slow clock); the same code is not accepted twice.
    let c = challenge(&h, &email, t).await;
    h.complete_sign_in(&c, &code(&key, t - Duration::seconds(30)), &ClientInfo::default(), t).await.unwrap();
    let c = challenge(&h, &email, t).await;
    assert!(h.complete_sign_in(&c, &code(&key, t - Duration::seconds(30)), &ClientInfo::default(), t).await.is_err(), "replay");
    // Two steps ahead is too far; one ahead is fine.
    assert!(h.complete_sign_in(&c, &code(&key, t + Duration::seconds(60)), &ClientInfo::default(), t).await.is_err());
    let (_, session) = h.complete_sign_in(&c, &code(&key, t + Duration::seconds(30)), &ClientInfo::default(), t).await.unwrap();
    assert!(h.session_actor(session.session_id, pu.id, t).await.is_ok());
    // A challenge is spent once, and expires.
    assert!(
        h.complete_sign_in(&c, &code(&key, t + Duration::seconds(90)), &ClientInfo::default(), t + Duration::seconds(90)).await.is_err()
    );
    let c = challenge(&h, &email, t).await;
    let late = t + Duration::minutes(6);
    assert!(h.complete_sign_in(&c, &code(&key, late), &ClientInfo::default(), late).await.is_err());

    // A recovery code works once.
    let t = t + Duration::minutes(10);
    let c = challenge(&h, &email, t).await;
    h.complete_sign_in(&c, &recovery[0].to_uppercase(), &ClientInfo::default(), t).await.unwrap();
    let c = challenge(&h, &email, t).await;
    assert!(h.complete_sign_in(&c, &recovery[0], &ClientInfo::default(), t).await.is_err());
    assert_eq!(h.second_factor_status(&me).await.unwrap().recovery_codes_left, 9);

    // Wrong codes are throttled per account.
    let t = t + Duration::hours(1);
    let c = challenge(&h, &email, t).await;
    for _ in 0..h.config().login_failures_per_account {
        assert_eq!(h.complete_sign_in(&c, "123456", &ClientInfo::default(), t).await.unwrap_err().kind(), ErrorKind::Unauthenticated);
    }
    let good = code(&key, t);
    assert_eq!(h.complete_sign_in(&c, &good, &ClientInfo::default(), t).await.unwrap_err().kind(), ErrorKind::Throttled);

    // Scripts sign in with the code too; turning the factor off takes a valid code.
    let t = t + Duration::hours(1);
    assert!(h.login_actor(&email, PASSWORD, None, t).await.is_err());
    h.login_actor(&email, PASSWORD, Some(&code(&key, t)), t).await.unwrap();
    assert!(h.disable_second_factor(&me, "000000", t).await.is_err());
    h.disable_second_factor(&me, &code(&key, t + Duration::seconds(30)), t + Duration::seconds(30)).await.unwrap();
    assert!(h.sign_in(&email, PASSWORD, t).await.is_ok());
}

async fn roles_that_must_have_a_second_factor(h: Hospital) {
    let mut config = h.config().clone();
    config.second_factor_roles = vec![Role::Nurse];
    let h = h.with_config(config);
    let admin = admin(&h).await;
    let nurse = staff(&h, &admin, Role::Nurse, 1).await;
    let email = h.profile(&nurse).await.unwrap().email.to_string();
    let (user, session, enrolment_only) = done(h.begin_sign_in(&email, PASSWORD, &ClientInfo::default(), now()).await.unwrap());
    assert!(enrolment_only);
    let limited = h.session_actor(session.session_id, user.id, now()).await.unwrap();
    assert!(limited.enrolment_only());
    let e = h.list_patients(&limited, Default::default(), Default::default(), now()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden);
    assert!(e.to_string().contains("second factor"), "{e}");
    assert!(h.login_actor(&email, PASSWORD, None, now()).await.unwrap().enrolment_only(), "scripts too");
    // Nor one's notifications, profile or password; one's sessions and signing out, yes.
    assert_eq!(h.notifications(&limited, false, Default::default()).await.unwrap_err().kind(), ErrorKind::Forbidden);
    assert_eq!(h.change_password(&limited, PASSWORD, "a brand new passphrase", now()).await.unwrap_err().kind(), ErrorKind::Forbidden);
    assert_eq!(h.list_sessions(&limited, now()).await.unwrap().len(), 1);

    // Enrolling lifts the limit on this session.
    let key = key_of(&h.begin_second_factor(&limited, now()).await.unwrap().secret_base32);
    h.confirm_second_factor(&limited, &code(&key, now()), now()).await.unwrap();
    let full = h.session_actor(session.session_id, user.id, now()).await.unwrap();
    assert!(!full.enrolment_only());
    h.list_patients(&full, Default::default(), Default::default(), now()).await.unwrap();
    // The role's factor cannot be turned off.
    let later = now() + Duration::minutes(1);
    assert_eq!(h.disable_second_factor(&full, &code(&key, later), later).await.unwrap_err().kind(), ErrorKind::Conflict);
    // Other roles are not asked.
    let (pu, _) = patient(&h, 1).await;
    assert!(!done(h.begin_sign_in(pu.email.as_str(), PASSWORD, &ClientInfo::default(), now()).await.unwrap()).2);
}
