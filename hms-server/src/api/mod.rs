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
    /// Created; `Location` is where the new resource (or the list it joined) is read.
    #[oai(status = 201)]
    Created(poem_openapi::payload::Json<T>, #[oai(header = "Location")] String),
}

/// A 201 answer with `body` and its address.
pub fn created<T: Send + poem_openapi::types::ToJSON>(body: T, location: String) -> Created<T> {
    Created::Created(poem_openapi::payload::Json(body), location)
}
