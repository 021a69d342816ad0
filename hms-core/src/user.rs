//! Accounts: users, their one role, and passwords hashed with argon2id.

use std::fmt;

use argon2::password_hash::{PasswordHash as PhcHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Utc};

use crate::error::{Error, FieldError, Result};
use crate::ids::UserId;
use crate::values::{Email, PersonName, Phone};

crate::code_enum! {
    /// The one role a user has.
    pub enum Role {
        /// Runs the hospital's system.
        Admin = "admin",
        /// Sees patients and prescribes.
        Doctor = "doctor",
        /// Supports doctors on the ward.
        Nurse = "nurse",
        /// Front desk: patients, bookings, payments.
        Receptionist = "receptionist",
        /// Books and follows their own care.
        Patient = "patient",
    }
}

/// A user account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct User {
    /// The account's id.
    pub id: UserId,
    /// Unique, case-insensitive e-mail address; the login name.
    pub email: Email,
    /// Full name.
    pub full_name: PersonName,
    /// Optional phone number.
    pub phone: Option<Phone>,
    /// The one role.
    pub role: Role,
    /// The argon2id hash of the password (never the password).
    #[cfg_attr(feature = "serde", serde(skip_serializing, default))]
    #[cfg_attr(feature = "utoipa", schema(ignore))]
    pub password_hash: PasswordHash,
    /// Whether the account may sign in and act.
    pub active: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account was last changed.
    pub updated_at: DateTime<Utc>,
    /// Which version of the account this is: 1 when made, one more at each change. A change
    /// may say which version it was decided on (`If-Match`), and is refused when that is gone.
    pub version: u32,
}

impl User {
    /// Marks a change made at `now`: the last-changed time and the version move together.
    pub fn touch(&mut self, now: DateTime<Utc>) {
        self.updated_at = now;
        self.version += 1;
    }
}

/// An argon2id password hash in PHC string form; its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a stored PHC string.
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string, for storage.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(…)")
    }
}

/// A password as typed, checked against the rules: 10 to 128 characters, not a common password,
/// not the e-mail address nor its name part (the part before `@`, when it has four characters or more).
#[derive(Clone)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Passwords too common to accept, compared case-insensitively.
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "abcdefghij",
    "abcd123456",
    "administrator",
    "baseball123",
    "changeme123",
    "computer123",
    "dragon1234",
    "football123",
    "iloveyou123",
    "letmein123",
    "monkey1234",
    "password1",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "princess123",
    "qwerty1234",
    "qwertyuiop",
    "qwertyuiop1",
    "starwars123",
    "sunshine123",
    "trustno1234",
    "welcome123",
    "whatever123",
    "zaq12wsxcde",
    "0987654321",
    "1111111111",
    "0000000000",
    "123123123123",
    "superman123",
    "asdfghjkl1",
    "hospital123",
    "doctor1234",
    "patient123",
    "letmein1234",
    "welcome1234",
    "admin12345",
];

impl Password {
    /// Checks a new password; `email` is the account's address, which the password must not repeat.
    pub fn new(input: &str, email: Option<&Email>) -> Result<Self, FieldError> {
        let n = input.chars().count();
        if n < 10 {
            return Err(FieldError::new("", "must be at least 10 characters"));
        }
        if n > 128 {
            return Err(FieldError::new("", "must be at most 128 characters"));
        }
        let lower = input.to_lowercase();
        if COMMON_PASSWORDS.contains(&lower.as_str()) {
            return Err(FieldError::new("", "is too common; choose another"));
        }
        if input.chars().all(|c| c == input.chars().next().unwrap_or(' ')) {
            return Err(FieldError::new("", "must not repeat one character"));
        }
        if let Some(email) = email {
            let local = email.as_str().split('@').next().unwrap_or_default();
            if lower.contains(email.as_str()) {
                return Err(FieldError::new("", "must not contain the e-mail address"));
            }
            if local.len() >= 4 && lower.contains(local) {
                return Err(FieldError::new("", format!("must not contain \"{local}\", the name part of the e-mail address")));
            }
        }
        Ok(Self(input.to_string()))
    }

    /// The password as typed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The cost of argon2id hashing. Production uses [`PasswordCost::default`]; tests may use [`PasswordCost::fast_for_tests`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for PasswordCost {
    /// OWASP's recommended minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
    fn default() -> Self {
        Self { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

impl PasswordCost {
    /// A cheap setting for test suites only: never use it for real accounts.
    pub fn fast_for_tests() -> Self {
        Self { memory_kib: 64, iterations: 1, parallelism: 1 }
    }

    fn argon2(self) -> Result<Argon2<'static>> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None).map_err(Error::internal)?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Hashes `password` with a fresh random salt.
    pub fn hash(self, password: &Password) -> Result<PasswordHash> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(Error::internal)?;
        let salt = SaltString::encode_b64(&bytes).map_err(Error::internal)?;
        let phc = self.argon2()?.hash_password(password.expose().as_bytes(), &salt).map_err(Error::internal)?;
        Ok(PasswordHash(phc.to_string()))
    }
}

/// Checks `password` against a stored hash (whatever cost it was made with).
pub fn verify_password(password: &str, hash: &PasswordHash) -> bool {
    match PhcHash::new(hash.as_str()) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules() {
        let email = Email::parse("ann.lee@example.org").unwrap();
        assert!(Password::new("1", None).is_err());
        assert!(Password::new("password123", None).is_err());
        assert!(Password::new("aaaaaaaaaaaa", None).is_err());
        assert!(Password::new("ann.lee-2026-x", Some(&email)).is_err());
        assert!(Password::new("correct horse battery", Some(&email)).is_ok());
    }

    #[test]
    fn a_password_with_the_addresss_name_part_is_refused_in_those_words() {
        let email = Email::parse("admin@bars.test").unwrap();
        let e = Password::new("Bars-admin-pass-2026", Some(&email)).unwrap_err();
        assert_eq!(e.message, "must not contain \"admin\", the name part of the e-mail address");
        let e = Password::new("x-admin@bars.test-x", Some(&email)).unwrap_err();
        assert_eq!(e.message, "must not contain the e-mail address");
        // A name part shorter than four characters is too common a string to forbid.
        let short = Email::parse("al@bars.test").unwrap();
        assert!(Password::new("Bars-al-pass-2026", Some(&short)).is_ok());
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let p = Password::new("correct horse battery", None).unwrap();
        let h = PasswordCost::fast_for_tests().hash(&p).unwrap();
        assert!(h.as_str().starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", &PasswordHash::from_stored("garbage".into())));
        let h2 = PasswordCost::fast_for_tests().hash(&p).unwrap();
        assert_ne!(h, h2, "salts must differ");
        assert!(!format!("{h:?}").contains("argon2"));
    }
}
