//! hms-core: the whole hospital model — entities, value types, rules, permissions and workflows.
//!
//! The core does no I/O. It reaches the database and the blob store through the traits in
//! [`ports`], which `hms-store` implements, and it is told the time (`now`) rather than reading
//! a clock. That keeps every rule here testable in memory and the same for every front end:
//! Rust applications, the HTTP server and the Python module all call [`Hospital`]'s workflows.
//!
//! The shape follows the domain: a module per aggregate ([`appointment`], [`schedule`],
//! [`billing`], [`prescription`] …), parsed value types ([`values`], [`money`]), newtype ids
//! ([`ids`]), one permission [`policy`], one [`Error`] with a [`ErrorKind`] that adapters map in
//! one place, and the [`workflows`].

#![warn(missing_docs)]

pub mod appointment;
pub mod audit;
pub mod billing;
pub mod clinical;
mod codes;
pub mod dashboard;
pub mod error;
pub mod hospital;
pub mod ids;
pub mod money;
pub mod notification;
pub mod page;
pub mod policy;
pub mod ports;
pub mod prescription;
pub mod profile;
pub mod schedule;
pub mod security;
pub mod session;
pub mod user;
pub mod values;
pub mod workflows;

pub use appointment::{Appointment, AppointmentStatus, Transition};
pub use audit::{AuditAction, AuditEvent, AuditFilter, AuditOutcome};
pub use billing::{Invoice, InvoiceLine, InvoiceStatus, PaymentMethod};
pub use clinical::{Document, DocumentKind, NoteKind, VisitNote};
pub use dashboard::{Dashboard, DoctorLoad, StatusCount};
pub use error::{Error, ErrorKind, FieldError, Result};
pub use hospital::{Hospital, HospitalConfig, PublicSettings, SqliteSynchronous};
pub use ids::*;
pub use money::{Currency, Money};
pub use notification::{Notification, NotificationKind, OutgoingEmail};
pub use page::{Page, PageRequest};
pub use policy::{Action, Actor, Relation, Scope};
pub use ports::{
    AppointmentFilter, AppointmentOrder, BlobStore, DoctorFilter, InvoiceFilter, PatientFilter, PrescriptionAnalyzer, PrescriptionFilter,
    Store, Tx, TxMode, UserFilter,
};
pub use prescription::{
    AiReview, AnalysisOutcome, AnalysisSubject, Finding, FindingCategory, Medication, MedicationOrder, NewAnalysis, Prescription,
    PrescriptionAnalysis, Route, Severity,
};
pub use profile::{Doctor, Egfr, Patient, PatientClinical};
pub use schedule::{Availability, AvailabilityException, AvailabilityRule, Slot};
pub use security::{ClientInfo, Enrolment, SecretKey, SessionInfo};
pub use session::{IssuedSession, Session};
pub use user::{PasswordCost, Role, User};
pub use values::{BloodGroup, Email, LicenseNumber, PersonName, Phone, Sex, TimeZone};
pub use workflows::accounts::{DoctorDetails, PatientDetails, ProfileUpdate, Registration};
pub use workflows::admin::Disclosure;
pub use workflows::appointments::BookingInput;
pub use workflows::billing::{InvoiceInput, LineInput};
pub use workflows::doctors::{DoctorUpdate, ExceptionInput};
pub use workflows::export::{ExportBatch, ExportKind};
pub use workflows::patients::PatientUpdate;
pub use workflows::prescriptions::{MedicationInput, PrescriptionInput};
pub use workflows::records::{DocumentInput, NoteInput};
pub use workflows::security::SecondFactorStatus;
pub use workflows::sessions::SignIn;
