//! Maps database errors to the core's error kinds, in one place.

use hms_core::Error;

/// Turns a sqlx error into a core error: constraint clashes become conflicts, an unreachable
/// database becomes "unavailable", anything else is internal.
pub(crate) fn map(err: sqlx::Error) -> Error {
    match &err {
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            let text = format!("{} {}", db.constraint().unwrap_or_default(), db.message());
            let conflict = db.is_unique_violation()
                || db.is_check_violation()
                || code == "23P01" // exclusion_violation
                || code == "40001" // serialization_failure
                || code == "40P01" // deadlock_detected
                || text.contains("appointment_doctor_overlap")
                || text.contains("appointment_patient_overlap")
                || text.contains("invoice_paid_is_final");
            if conflict {
                return Error::conflict(conflict_message(&text, &code));
            }
            // SQLITE_BUSY and SQLITE_LOCKED: the database stayed locked past the busy timeout.
            if code == "5" || code == "6" || code == "517" || code == "261" {
                return Error::Unavailable("the database (busy)".into());
            }
            if code.starts_with("08") || code == "57P01" || code == "53300" {
                return Error::Unavailable("the database".into());
            }
            Error::internal(err)
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
            Error::Unavailable("the database".into())
        }
        _ => Error::internal(err),
    }
}

fn conflict_message(text: &str, code: &str) -> &'static str {
    let has = |s: &str| text.contains(s);
    if has("appointment_patient_overlap") {
        "the patient has another appointment at that time"
    } else if has("appointment_doctor") || has("appointment.doctor_id") {
        "this slot is already booked"
    } else if has("email") {
        "an account with this e-mail address already exists"
    } else if has("license") {
        "a doctor with this license number already exists"
    } else if has("prescription_appointment") || has("prescription.appointment_id") {
        "this appointment already has a prescription"
    } else if has("invoice_appointment") || has("invoice.appointment_id") {
        "this appointment already has an invoice"
    } else if has("invoice_paid_is_final") {
        "a paid invoice is never changed"
    } else if code == "40001" || code == "40P01" {
        "a concurrent change got in the way; try again"
    } else {
        "the change conflicts with an existing record"
    }
}

/// A stored value that does not parse back into its type: a bug or a hand-edited database.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> Error {
    Error::internal(format!("stored {what} is unreadable: {detail}"))
}
