//! Opaque identifiers: one newtype per record kind, so that one can never stand for another.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(transparent))]
        #[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered (UUID v7) identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = crate::error::FieldError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| crate::error::FieldError::new("", "is not a valid id"))
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    )*};
}

id_type! {
    /// Identifies a user account.
    UserId,
    /// Identifies a doctor; the same UUID as the doctor's user account.
    DoctorId,
    /// Identifies a patient; the same UUID as the patient's user account.
    PatientId,
    /// Identifies an appointment.
    AppointmentId,
    /// Identifies an availability exception.
    ExceptionId,
    /// Identifies a visit note.
    NoteId,
    /// Identifies a document.
    DocumentId,
    /// Identifies a prescription.
    PrescriptionId,
    /// Identifies a stored prescription analysis.
    AnalysisId,
    /// Identifies an invoice.
    InvoiceId,
    /// Identifies a notification.
    NotificationId,
    /// Identifies a queued e-mail.
    EmailId,
    /// Identifies an audit event.
    AuditId,
    /// Identifies a sign-in session.
    SessionId,
}

impl From<DoctorId> for UserId {
    fn from(id: DoctorId) -> Self {
        UserId(id.0)
    }
}

impl From<PatientId> for UserId {
    fn from(id: PatientId) -> Self {
        UserId(id.0)
    }
}

impl UserId {
    /// The doctor id of this user (meaningful when the user is a doctor).
    pub fn as_doctor(self) -> DoctorId {
        DoctorId(self.0)
    }

    /// The patient id of this user (meaningful when the user is a patient).
    pub fn as_patient(self) -> PatientId {
        PatientId(self.0)
    }
}

crate::code_enum! {
    /// The kind of record an event concerns.
    pub enum EntityKind {
        /// A user account.
        User = "user",
        /// A doctor profile.
        Doctor = "doctor",
        /// A patient profile.
        Patient = "patient",
        /// Availability rules or exceptions.
        Availability = "availability",
        /// An appointment.
        Appointment = "appointment",
        /// A visit note.
        Note = "note",
        /// A document.
        Document = "document",
        /// A prescription.
        Prescription = "prescription",
        /// A prescription analysis.
        Analysis = "analysis",
        /// An invoice.
        Invoice = "invoice",
        /// A notification.
        Notification = "notification",
        /// The dashboard.
        Dashboard = "dashboard",
        /// The audit log.
        Audit = "audit",
        /// A sign-in session.
        Session = "session",
    }
}
