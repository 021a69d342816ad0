//! Sessions: sign-in, refresh rotation, reuse detection, logout, deactivation.

use chrono::Duration;
use hms::{ErrorKind, Hospital};

use crate::common::*;

on_both!(refresh_tokens_rotate_and_reuse_ends_the_session);

async fn refresh_tokens_rotate_and_reuse_ends_the_session(h: Hospital) {
    let admin = admin(&h).await;
    let (pu, _) = patient(&h, 1).await;
    let (user, first) = h.sign_in("patient1@example.org", "a sound test passphrase", now()).await.unwrap();
    assert_eq!(user.id, pu.id);
    assert_eq!(h.session_actor(first.session_id, pu.id, now()).await.unwrap().id(), pu.id);
    assert_eq!(
        h.session_actor(first.session_id, admin.id(), now()).await.unwrap_err().kind(),
        ErrorKind::Unauthenticated,
        "another user's session"
    );

    let (_, second) = h.refresh_session(&first.refresh_token, now()).await.unwrap();
    assert_eq!(second.session_id, first.session_id);
    assert_ne!(second.refresh_token, first.refresh_token);
    let (_, third) = h.refresh_session(&second.refresh_token, now()).await.unwrap();
    // The spent first token comes back: someone copied it, and the whole session ends.
    assert_eq!(h.refresh_session(&first.refresh_token, now()).await.unwrap_err().kind(), ErrorKind::Unauthenticated);
    assert_eq!(h.refresh_session(&third.refresh_token, now()).await.unwrap_err().kind(), ErrorKind::Unauthenticated);
    assert_eq!(h.session_actor(first.session_id, pu.id, now()).await.unwrap_err().kind(), ErrorKind::Unauthenticated);

    // Logout ends the session and its tokens.
    let (_, s) = h.sign_in("patient1@example.org", "a sound test passphrase", now()).await.unwrap();
    let actor = h.session_actor(s.session_id, pu.id, now()).await.unwrap();
    h.end_session(&actor, s.session_id, now()).await.unwrap();
    assert!(h.session_actor(s.session_id, pu.id, now()).await.is_err());
    assert!(h.refresh_session(&s.refresh_token, now()).await.is_err());

    // Expired refresh tokens and sessions stop working; garbage is refused the same way.
    let (_, s) = h.sign_in("patient1@example.org", "a sound test passphrase", now()).await.unwrap();
    assert!(h.refresh_session(&s.refresh_token, now() + Duration::days(15)).await.is_err());
    assert!(h.session_actor(s.session_id, pu.id, now() + Duration::days(31)).await.is_err());
    assert_eq!(h.refresh_session("not a token", now()).await.unwrap_err().kind(), ErrorKind::Unauthenticated);

    // Deactivating an account ends its sessions.
    let (_, s) = h.sign_in("patient1@example.org", "a sound test passphrase", now()).await.unwrap();
    h.set_user_active(&admin, pu.id, false, None, now()).await.unwrap();
    assert!(h.session_actor(s.session_id, pu.id, now()).await.is_err());
    h.set_user_active(&admin, pu.id, true, None, now()).await.unwrap();
    assert!(h.session_actor(s.session_id, pu.id, now()).await.is_err(), "reactivation does not revive old sessions");
}

on_both!(failed_sign_ins_are_throttled_in_the_database);

/// Failed sign-ins are counted in the database (so every process sees them), per account and
/// per client address; past a limit even the right password is refused until the window passes.
async fn failed_sign_ins_are_throttled_in_the_database(h: Hospital) {
    let mut config = h.config().clone();
    config.login_failures_per_account = 3;
    config.login_failures_per_address = 5;
    // A second handle on the same database: what another process would see.
    let h = h.with_config(config);
    let other = h.clone();
    patient(&h, 1).await;
    patient(&h, 2).await;
    let pw = "a sound test passphrase";
    let t = now();

    // Per account: three failures, then even the right password is refused, on any handle and from any address.
    for i in 0..3 {
        let e = h.sign_in_from("patient1@example.org", "wrong", Some("10.0.0.1"), t).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated, "attempt {i}");
    }
    let e = other.sign_in_from("Patient1@Example.org ", pw, Some("10.0.0.9"), t).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Throttled);
    assert!((1..=15 * 60).contains(&e.retry_after_secs().unwrap()), "{e:?}");
    // Another account is unaffected; after the window the account signs in again, which clears its count.
    other.sign_in_from("patient2@example.org", pw, Some("10.0.0.9"), t).await.unwrap();
    let later = t + Duration::minutes(16);
    h.sign_in_from("patient1@example.org", pw, Some("10.0.0.1"), later).await.unwrap();
    h.sign_in_from("patient1@example.org", "wrong", None, later).await.unwrap_err();
    h.sign_in_from("patient1@example.org", pw, None, later).await.unwrap();

    // Per address: failures against many accounts (existing or not) from one address block that address only.
    for i in 0..5 {
        let e = h.sign_in_from(&format!("nobody{i}@example.org"), "wrong", Some("10.0.0.2"), later).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated, "attempt {i}");
    }
    let e = other.sign_in_from("patient2@example.org", pw, Some("10.0.0.2"), later).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Throttled, "{e:?}");
    h.sign_in_from("patient2@example.org", pw, Some("10.0.0.3"), later).await.unwrap();
}
