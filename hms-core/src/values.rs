//! Parsed value types: once built, each one is valid ("parse, don't validate").

use std::fmt;
use std::str::FromStr;

use chrono_tz::Tz;

use crate::error::FieldError;

fn trimmed(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

macro_rules! string_value {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
        #[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "utoipa", schema(value_type = String))]
        pub struct $name(String);

        impl $name {
            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = FieldError;
            fn try_from(s: String) -> Result<Self, FieldError> {
                Self::parse(&s)
            }
        }

        impl FromStr for $name {
            type Err = FieldError;
            fn from_str(s: &str) -> Result<Self, FieldError> {
                Self::parse(s)
            }
        }
    };
}

string_value! {
    /// An e-mail address, trimmed and lower-cased so that comparison is case-insensitive.
    Email
}

impl Email {
    /// Parses an address of the form `local@domain.tld`.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim().to_lowercase();
        let err = |m: &str| Err(FieldError::new("", m));
        if s.is_empty() {
            return err("is required");
        }
        if s.len() > 254 {
            return err("must be at most 254 characters");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return err("must be an e-mail address like name@example.org");
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if local_ok && domain_ok { Ok(Self(s)) } else { err("must be an e-mail address like name@example.org") }
    }
}

string_value! {
    /// A person's name: 1–120 characters of letters, spaces and the punctuation names use.
    PersonName
}

impl PersonName {
    /// Parses a name, collapsing runs of white space.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = trimmed(input);
        if s.is_empty() {
            return Err(FieldError::new("", "is required"));
        }
        if s.chars().count() > 120 {
            return Err(FieldError::new("", "must be at most 120 characters"));
        }
        if !s.chars().all(|c| c.is_alphabetic() || c == ' ' || "'-.,".contains(c)) {
            return Err(FieldError::new("", "may hold only letters, spaces and ' - . ,"));
        }
        if !s.chars().any(char::is_alphabetic) {
            return Err(FieldError::new("", "must contain a letter"));
        }
        Ok(Self(s))
    }
}

string_value! {
    /// A telephone number: an optional leading `+` and 7–15 digits; spaces, dashes, dots and parentheses are dropped.
    Phone
}

impl Phone {
    /// Parses a phone number into its compact form (`+441234567890`).
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            match c {
                '+' if i == 0 => out.push('+'),
                '0'..='9' => out.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(FieldError::new("", "may hold only digits, spaces, - . ( ) and a leading +")),
            }
        }
        let digits = out.chars().filter(char::is_ascii_digit).count();
        if !(7..=15).contains(&digits) {
            return Err(FieldError::new("", "must have between 7 and 15 digits"));
        }
        Ok(Self(out))
    }
}

string_value! {
    /// A medical license number: 3–32 letters, digits, `-` or `/`, upper-cased.
    LicenseNumber
}

impl LicenseNumber {
    /// Parses a license number.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim().to_uppercase();
        if !(3..=32).contains(&s.len()) {
            return Err(FieldError::new("", "must be 3 to 32 characters"));
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/') {
            return Err(FieldError::new("", "may hold only letters, digits, - and /"));
        }
        if !s.chars().any(|c| c.is_ascii_digit()) {
            return Err(FieldError::new("", "must contain a digit"));
        }
        Ok(Self(s))
    }
}

/// Parses free text that must not be empty, with at most `max` characters; white space at the ends is trimmed.
pub fn required_text(input: &str, max: usize) -> Result<String, FieldError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldError::new("", "is required"));
    }
    optional_text(s, max)
}

/// Parses free text (possibly empty) of at most `max` characters; white space at the ends is trimmed.
pub fn optional_text(input: &str, max: usize) -> Result<String, FieldError> {
    let s = input.trim();
    if s.chars().count() > max {
        return Err(FieldError::new("", format!("must be at most {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(FieldError::new("", "must not contain control characters"));
    }
    Ok(s.to_string())
}

/// Parses a list of short labels (allergies, conditions): each trimmed, non-empty, at most 100 characters, without duplicates (case-insensitive); at most 50.
pub fn label_list(items: &[String]) -> Result<Vec<String>, FieldError> {
    if items.len() > 50 {
        return Err(FieldError::new("", "must have at most 50 entries"));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let s = required_text(item, 100).map_err(|e| e.under(&format!("[{i}]")))?;
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&s)) {
            out.push(s);
        }
    }
    Ok(out)
}

crate::code_enum! {
    /// An ABO/Rh blood group, or unknown.
    pub enum BloodGroup {
        /// A positive.
        APos = "A+",
        /// A negative.
        ANeg = "A-",
        /// B positive.
        BPos = "B+",
        /// B negative.
        BNeg = "B-",
        /// AB positive.
        AbPos = "AB+",
        /// AB negative.
        AbNeg = "AB-",
        /// O positive.
        OPos = "O+",
        /// O negative.
        ONeg = "O-",
        /// Not known.
        Unknown = "unknown",
    }
}

impl BloodGroup {
    /// Parses a blood group, accepting the typographic minus sign (`A−`) too.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        input.trim().replace('\u{2212}', "-").to_uppercase().replace("UNKNOWN", "unknown").parse()
    }
}

crate::code_enum! {
    /// Sex as recorded for clinical purposes.
    pub enum Sex {
        /// Female.
        Female = "female",
        /// Male.
        Male = "male",
        /// Other.
        Other = "other",
        /// Not known or not stated.
        Unknown = "unknown",
    }
}

/// An IANA time zone, e.g. `Europe/London`; the hospital's availability rules are read in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct TimeZone(Tz);

impl TimeZone {
    /// Coordinated Universal Time.
    pub const UTC: TimeZone = TimeZone(Tz::UTC);

    /// Parses an IANA time-zone name.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        input.trim().parse::<Tz>().map(Self).map_err(|_| FieldError::new("", "must be an IANA time zone such as Europe/London"))
    }

    /// The chrono-tz zone.
    pub fn tz(&self) -> Tz {
        self.0
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self::UTC
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

impl From<TimeZone> for String {
    fn from(tz: TimeZone) -> String {
        tz.0.name().to_string()
    }
}

impl TryFrom<String> for TimeZone {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(&s)
    }
}

impl FromStr for TimeZone {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_are_case_insensitive_and_checked() {
        assert_eq!(Email::parse("  Ann.Lee@Example.ORG ").unwrap().as_str(), "ann.lee@example.org");
        for bad in ["", "ann", "ann@", "@x.org", "ann@x", "a b@x.org", "ann@x..org", "ann@-x.org", "ann@x.o1"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn names_phones_licenses() {
        assert_eq!(PersonName::parse("  Ann   O'Neil-Lee ").unwrap().as_str(), "Ann O'Neil-Lee");
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse("Robert'); DROP TABLE").is_err());
        assert!(PersonName::parse("1234").is_err());
        assert_eq!(Phone::parse("+44 (20) 7946-0958").unwrap().as_str(), "+442079460958");
        assert!(Phone::parse("12").is_err());
        assert!(Phone::parse("555-CALL-NOW").is_err());
        assert_eq!(LicenseNumber::parse(" md-12345 ").unwrap().as_str(), "MD-12345");
        assert!(LicenseNumber::parse("ABCDEF").is_err());
    }

    #[test]
    fn blood_groups_and_zones() {
        assert_eq!(BloodGroup::parse("ab\u{2212}").unwrap(), BloodGroup::AbNeg);
        assert_eq!(BloodGroup::parse("O+").unwrap(), BloodGroup::OPos);
        assert_eq!(BloodGroup::parse("Unknown").unwrap(), BloodGroup::Unknown);
        assert!(BloodGroup::parse("C+").is_err());
        assert_eq!(TimeZone::parse("Europe/London").unwrap().name(), "Europe/London");
        assert!(TimeZone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn label_lists_dedupe_and_name_the_bad_entry() {
        let v = label_list(&["Penicillin".into(), " penicillin ".into(), "Latex".into()]).unwrap();
        assert_eq!(v, vec!["Penicillin", "Latex"]);
        let e = label_list(&["ok".into(), "  ".into()]).unwrap_err();
        assert_eq!(e.field, "[1]");
    }

    proptest! {
        #[test]
        fn parsers_never_panic_and_accepted_values_reparse(s in "\\PC{0,80}") {
            if let Ok(e) = Email::parse(&s) { prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e); }
            if let Ok(n) = PersonName::parse(&s) { prop_assert_eq!(PersonName::parse(n.as_str()).unwrap(), n); }
            if let Ok(p) = Phone::parse(&s) { prop_assert_eq!(Phone::parse(p.as_str()).unwrap(), p); }
            if let Ok(l) = LicenseNumber::parse(&s) { prop_assert_eq!(LicenseNumber::parse(l.as_str()).unwrap(), l); }
            let _ = BloodGroup::parse(&s);
            let _ = TimeZone::parse(&s);
        }
    }
}
