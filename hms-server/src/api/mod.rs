//! The API, one `OpenApi` impl per area; each endpoint maps its arguments and calls one core workflow.

pub mod admin;
pub mod appointments;
pub mod auth;
pub mod billing;
pub mod doctors;
pub mod notifications;
pub mod ops;
pub mod patients;
pub mod prescriptions;
pub mod records;
pub mod users;

use poem_openapi::Tags;

/// The areas of the API.
#[derive(Tags)]
pub enum Tag {
    /// Sign-in, tokens and one's own account.
    Auth,
    /// Staff accounts and activation (admins).
    Users,
    /// Doctors' public profiles, availability and free slots.
    Doctors,
    /// Patient records.
    Patients,
    /// Booking and the appointment lifecycle.
    Appointments,
    /// Visit notes and documents.
    ClinicalRecords,
    /// Prescriptions.
    Prescriptions,
    /// Invoices and payments.
    Billing,
    /// One's notifications.
    Notifications,
    /// Dashboard and audit log (admins).
    Admin,
    /// Liveness and readiness.
    Operations,
}

/// The answer of a request that made a resource: 201 with the resource and its address.
#[derive(poem_openapi::ApiResponse)]
pub enum Created<T: Send + poem_openapi::types::ToJSON> {
    /// Created; `Location` is where the new resource (or the list it joined) is read, and `ETag`,
    /// for a resource that can be edited, names its first version.
    #[oai(status = 201)]
    Created(poem_openapi::payload::Json<T>, #[oai(header = "Location")] String, #[oai(header = "ETag")] Option<String>),
}

/// A 201 answer with `body` and its address.
pub fn created<T: Send + poem_openapi::types::ToJSON>(body: T, location: String) -> Created<T> {
    Created::Created(poem_openapi::payload::Json(body), location, None)
}

/// A 201 answer with the wire form of `record`, its address and the entity tag of its version.
pub fn created_versioned<C: Versioned + Into<T>, T: Send + poem_openapi::types::ToJSON>(record: C, location: String) -> Created<T> {
    let tag = etag(record.version());
    Created::Created(poem_openapi::payload::Json(record.into()), location, Some(tag))
}

/// A core record that can be edited, with its version (a prescription: its revision).
pub trait Versioned {
    /// The version the record is at.
    fn version(&self) -> u32;
}

macro_rules! versioned {
    ($($ty:ty => $field:ident),* $(,)?) => {$(
        impl Versioned for $ty {
            fn version(&self) -> u32 {
                self.$field
            }
        }
    )*};
}

versioned!(
    hms_core::User => version,
    hms_core::Doctor => version,
    hms_core::Patient => version,
    hms_core::Appointment => version,
    hms_core::Invoice => version,
    hms_core::Prescription => revision,
);

/// The answer about one resource that can be edited: 200 with the resource and the entity tag
/// of its version (RFC 9110), which a later change may name in `If-Match`.
#[derive(poem_openapi::ApiResponse)]
pub enum Tagged<T: Send + poem_openapi::types::ToJSON> {
    /// The resource; `ETag` names its version.
    #[oai(status = 200)]
    Ok(poem_openapi::payload::Json<T>, #[oai(header = "ETag")] String),
}

/// A 200 answer with the wire form of `record` and the entity tag of its version.
pub fn tagged<C: Versioned + Into<T>, T: Send + poem_openapi::types::ToJSON>(record: C) -> Tagged<T> {
    let tag = etag(record.version());
    Tagged::Ok(poem_openapi::payload::Json(record.into()), tag)
}

/// The versions a request's `If-Match` header accepts, for the core's `expected` ([`if_match`]).
pub fn expected(header: &poem_openapi::param::Header<Option<String>>) -> Option<Vec<u32>> {
    if_match(header.0.as_deref())
}

/// The strong entity tag of a record's version or revision: `"3"`.
pub fn etag(version: u32) -> String {
    format!("\"{version}\"")
}

/// The versions an `If-Match` header accepts, for the core's `expected`: `None` without the
/// header or with `*` (any current version), else the versions its strong entity tags name. A
/// weak tag (`W/"3"`) or one hms never gives out names none, so a list of only such tags
/// matches nothing (RFC 9110: `If-Match` compares strongly).
pub fn if_match(header: Option<&str>) -> Option<Vec<u32>> {
    let header = header?;
    let mut versions = Vec::new();
    for tag in header.split(',').map(str::trim) {
        if tag == "*" {
            return None;
        }
        if let Some(v) = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).and_then(|t| t.parse::<u32>().ok()) {
            versions.push(v);
        }
    }
    Some(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_reads_strong_tags_and_the_star() {
        assert_eq!(if_match(None), None);
        assert_eq!(if_match(Some("*")), None);
        assert_eq!(if_match(Some("\"3\"")), Some(vec![3]));
        assert_eq!(if_match(Some("\"2\", \"5\"")), Some(vec![2, 5]));
        assert_eq!(if_match(Some("W/\"3\"")), Some(vec![]));
        assert_eq!(if_match(Some("3")), Some(vec![]));
        assert_eq!(if_match(Some("\"x\", *")), None);
        assert_eq!(etag(7), "\"7\"");
    }
}
