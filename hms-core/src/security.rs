//! Account security: the key that seals secrets at rest, password-reset tokens, the second factor
//! (TOTP, RFC 6238, with recovery codes) and the sign-in challenge between the password and the code.
//!
//! Every secret handed to a person (a reset token, a recovery code, a challenge) is stored only as
//! its SHA-256. The one secret the hospital must read back, a TOTP key, is sealed with
//! XChaCha20-Poly1305 under a key from the environment; so are the reset tokens inside e-mails
//! waiting in the outbox, which are opened only when the e-mail is handed to the mail server.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::{SessionId, UserId};
use crate::session::{constant_time_eq, sha256_hex};

/// The key that seals secrets at rest (32 bytes, from the environment).
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// A key from 64 hexadecimal digits.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid("secret_key", "must be 64 hexadecimal digits (32 bytes), e.g. from `openssl rand -hex 32`"));
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(Error::internal)?;
        }
        Ok(SecretKey(key))
    }

    /// A fresh random key (for development runs and tests; secrets sealed with it die with it).
    pub fn random() -> Result<Self> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(Error::internal)?;
        Ok(SecretKey(key))
    }

    /// `plain` sealed: `v1.` and the hex of a random 24-byte nonce followed by the ciphertext.
    pub fn seal(&self, plain: &[u8]) -> Result<String> {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).map_err(Error::internal)?;
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        let sealed = cipher.encrypt(XNonce::from_slice(&nonce), plain).map_err(|_| Error::internal("sealing failed"))?;
        Ok(format!("v1.{}{}", hex(&nonce), hex(&sealed)))
    }

    /// What [`SecretKey::seal`] sealed, or an error when it was sealed under another key or altered.
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>> {
        let bad = || Error::internal("a sealed secret does not open with this key (HMS_SECRET_KEY changed?)");
        let bytes = sealed.strip_prefix("v1.").and_then(unhex).ok_or_else(bad)?;
        if bytes.len() < 24 + 16 {
            return Err(bad());
        }
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        cipher.decrypt(XNonce::from_slice(&bytes[..24]), &bytes[24..]).map_err(|_| bad())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// A one-time secret handed out as `<id>.<secret>`: the stored part and the clear text.
pub(crate) fn new_token() -> Result<(uuid::Uuid, String, String)> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(Error::internal)?;
    let secret = hex(&secret);
    let id = uuid::Uuid::now_v7();
    Ok((id, sha256_hex(secret.as_bytes()), format!("{}.{secret}", id.simple())))
}

/// Splits a presented `<id>.<secret>` into its id and the hash of its secret.
pub(crate) fn parse_token(token: &str) -> Option<(uuid::Uuid, String)> {
    crate::session::parse_refresh_token(token)
}

/// A password-reset token (its secret only as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordReset {
    /// The token's id (the part before the dot).
    pub id: uuid::Uuid,
    /// Whose password it resets.
    pub user_id: UserId,
    /// Lower-case hex SHA-256 of the secret.
    pub secret_sha256: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was used, or voided by a password change.
    pub used_at: Option<DateTime<Utc>>,
    /// The admin who forced the reset, if one did.
    pub forced_by: Option<UserId>,
}

/// A "forgot password" request, waiting for the outbox to be worked through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetRequest {
    /// The request's id.
    pub id: uuid::Uuid,
    /// The address given, as given.
    pub email: String,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// When it was worked through.
    pub processed_at: Option<DateTime<Utc>>,
}

/// A user's second factor: a TOTP key, sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactor {
    /// Whose.
    pub user_id: UserId,
    /// The TOTP key, sealed with the hospital's [`SecretKey`].
    pub secret_sealed: String,
    /// When enrolment was confirmed by a first valid code; until then it is pending.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The last time step whose code was accepted: a code is never accepted twice.
    pub last_step: Option<i64>,
    /// When enrolment began.
    pub created_at: DateTime<Utc>,
}

/// A one-time recovery code (only its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryCode {
    /// The code's id.
    pub id: uuid::Uuid,
    /// Whose.
    pub user_id: UserId,
    /// `<salt>:<hex SHA-256 of the salt and the code>`, the code as normalised by
    /// [`normalize_recovery_code`].
    pub code_sha256: String,
    /// When it was used.
    pub used_at: Option<DateTime<Utc>>,
}

/// The step between a correct password and the second factor: the challenge handed to the
/// client (only its hash kept), and who is signing in from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInChallenge {
    /// The challenge's id.
    pub id: uuid::Uuid,
    /// Who gave the right password.
    pub user_id: UserId,
    /// Lower-case hex SHA-256 of the secret.
    pub secret_sha256: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When the code must have been given by.
    pub expires_at: DateTime<Utc>,
    /// When it was completed.
    pub used_at: Option<DateTime<Utc>>,
    /// The client, as recorded at the password step.
    pub client: ClientInfo,
}

/// Where a sign-in comes from, as the adapter sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address.
    pub address: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// A client at `address`.
    pub fn at(address: Option<&str>) -> Self {
        ClientInfo { address: address.map(str::to_string), user_agent: None }
    }
}

/// One of a user's sessions, as they may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The session's id.
    pub id: SessionId,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it was last refreshed (or opened).
    pub last_used_at: DateTime<Utc>,
    /// When it ends at the latest.
    pub expires_at: DateTime<Utc>,
    /// The client's address, as recorded at sign-in.
    pub client_address: Option<String>,
    /// The client's user agent, as recorded at sign-in.
    pub user_agent: Option<String>,
    /// Whether it may only enrol a second factor.
    pub enrolment_only: bool,
    /// Whether it is the session asking.
    pub current: bool,
}

/// What a new enrolment shows once: the key as an `otpauth://` URI (for a QR code) and as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// `otpauth://totp/...`, for an authenticator app.
    pub otpauth_uri: String,
    /// The key in base32, to type in by hand.
    pub secret_base32: String,
}

/// The TOTP parameters: SHA-1, six digits, 30-second steps (what authenticator apps expect).
pub const TOTP_DIGITS: usize = 6;
/// Seconds per TOTP step.
pub const TOTP_STEP: u64 = 30;
/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;

fn totp(secret: Vec<u8>, digits: usize, account: &str) -> totp_rs::TOTP {
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, digits, 1, TOTP_STEP, secret, Some("hms".into()), account.into())
}

/// A new TOTP key (20 random bytes, as RFC 4226 recommends).
pub(crate) fn new_totp_key() -> Result<Vec<u8>> {
    let mut key = vec![0u8; 20];
    getrandom::fill(&mut key).map_err(Error::internal)?;
    Ok(key)
}

/// The enrolment to show for `key` and the account named `account`.
pub(crate) fn enrolment(key: &[u8], account: &str) -> Enrolment {
    let t = totp(key.to_vec(), TOTP_DIGITS, account);
    Enrolment { otpauth_uri: t.get_url(), secret_base32: t.get_secret_base32() }
}

/// The code of `key` for the step containing `unix_seconds`, with `digits` digits.
pub fn totp_code(key: &[u8], digits: usize, unix_seconds: u64) -> String {
    totp(key.to_vec(), digits, "-").generate(unix_seconds)
}

/// The step (`unix_seconds / 30`) whose code `code` is, looking one step either side of `now`
/// (a clock a little fast or slow, a code typed as it changed), or none.
pub(crate) fn totp_step(key: &[u8], code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != TOTP_DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = now.timestamp().div_euclid(TOTP_STEP as i64);
    let mut found = None;
    // Every candidate is compared, so the time taken does not say which matched.
    for s in [step - 1, step, step + 1] {
        if s >= 0 && constant_time_eq(&totp_code(key, TOTP_DIGITS, s as u64 * TOTP_STEP), &code) {
            found = found.or(Some(s));
        }
    }
    found
}

/// Ten new recovery codes: the clear texts (shown once) and what is stored of them. Each code is
/// 16 characters of a 32-letter alphabet (80 bits), stored as `<salt>:<SHA-256 of salt and code>`
/// with a random 32-bit salt of its own, as ASVS 2.6.2 asks of lookup secrets under 112 bits.
pub(crate) fn new_recovery_codes(user: UserId) -> Result<(Vec<String>, Vec<RecoveryCode>)> {
    // 32 letters, so that each random byte picks one without bias; no i, l, o or 1 to misread.
    const ALPHABET: &[u8; 32] = b"abcdefghjkmnpqrstuvwxyz023456789";
    let mut clear = Vec::with_capacity(RECOVERY_CODES);
    let mut stored = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(Error::internal)?;
        let chars: String = bytes.iter().map(|b| ALPHABET[(*b % 32) as usize] as char).collect();
        let code = format!("{}-{}-{}-{}", &chars[..4], &chars[4..8], &chars[8..12], &chars[12..]);
        let mut salt = [0u8; 4];
        getrandom::fill(&mut salt).map_err(Error::internal)?;
        let salt = hex(&salt);
        stored.push(RecoveryCode { id: uuid::Uuid::now_v7(), user_id: user, code_sha256: salted(&salt, &code), used_at: None });
        clear.push(code);
    }
    Ok((clear, stored))
}

fn salted(salt: &str, code: &str) -> String {
    format!("{salt}:{}", sha256_hex(format!("{salt}{}", normalize_recovery_code(code)).as_bytes()))
}

/// A recovery code as typed, folded: lower case, without spaces or dashes.
pub fn normalize_recovery_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// Whether `code` is the stored recovery code (compared in constant time).
pub(crate) fn recovery_code_matches(stored: &RecoveryCode, code: &str) -> bool {
    match stored.code_sha256.split_once(':') {
        Some((salt, _)) => constant_time_eq(&salted(salt, code), &stored.code_sha256),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 test vectors (key "12345678901234567890", eight digits).
    #[test]
    fn the_rfc_6238_test_vectors() {
        let key = b"12345678901234567890";
        for (time, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(totp_code(key, 8, time), code, "T = {time}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_no_further() {
        let key = new_totp_key().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let step = now.timestamp() / 30;
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = totp_code(&key, 6, ((step + offset) * 30) as u64);
            assert_eq!(totp_step(&key, &code, now), accepted.then_some(step + offset), "offset {offset}");
        }
        assert_eq!(totp_step(&key, "12345", now), None);
        assert_eq!(totp_step(&key, "abcdef", now), None);
    }

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let key = SecretKey::random().unwrap();
        let sealed = key.seal(b"the secret").unwrap();
        assert!(!sealed.contains("the secret"));
        assert_eq!(key.open(&sealed).unwrap(), b"the secret");
        assert_ne!(key.seal(b"the secret").unwrap(), sealed, "a fresh nonce each time");
        assert!(SecretKey::random().unwrap().open(&sealed).is_err());
        let mut altered = sealed.clone();
        altered.replace_range(sealed.len() - 2.., "00");
        assert!(key.open(&altered).is_err() || altered == sealed);
        assert!(SecretKey::parse("00").is_err());
        assert!(SecretKey::parse(&"ab".repeat(32)).is_ok());
    }

    #[test]
    fn recovery_codes_fold_case_and_dashes() {
        let user = UserId::new();
        let (clear, stored) = new_recovery_codes(user).unwrap();
        assert_eq!((clear.len(), stored.len()), (10, 10));
        assert!(recovery_code_matches(&stored[0], &clear[0].to_uppercase().replace('-', " ")));
        assert!(!recovery_code_matches(&stored[1], &clear[0]));
        assert_eq!(normalize_recovery_code(&clear[0]).len(), 16);
        assert!(!clear.iter().any(|c| stored.iter().any(|s| s.code_sha256.contains(normalize_recovery_code(c).as_str()))));
    }
}
