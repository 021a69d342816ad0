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
    h.set_user_active(&admin, pu.id, false, now()).await.unwrap();
    assert!(h.session_actor(s.session_id, pu.id, now()).await.is_err());
    h.set_user_active(&admin, pu.id, true, now()).await.unwrap();
    assert!(h.session_actor(s.session_id, pu.id, now()).await.is_err(), "reactivation does not revive old sessions");
}
