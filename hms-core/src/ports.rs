//! The ports hms-core reaches the outside through: storage (a transaction of typed operations) and blobs.
//!
//! The core decides; the ports only store and fetch. Every workflow opens one [`Tx`], reads and
//! writes through it, and commits only if every step succeeded — so a failing workflow leaves
//! nothing behind. Implementations map a clash with a uniqueness or overlap constraint to
//! [`crate::Error::Conflict`], an unreachable database to [`crate::Error::Unavailable`], and
//! anything else to [`crate::Error::Internal`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::appointment::{Appointment, AppointmentStatus};
use crate::audit::{AuditEvent, AuditFilter};
use crate::billing::{Invoice, InvoiceStatus};
use crate::clinical::{Document, VisitNote};
use crate::dashboard::Dashboard;
use crate::error::Result;
use crate::ids::*;
use crate::notification::{Notification, OutgoingEmail};
use crate::page::{Page, PageRequest};
use crate::prescription::{AnalysisSubject, NewAnalysis, Prescription, PrescriptionAnalysis};
use crate::profile::{Doctor, Patient};
use crate::schedule::{Availability, AvailabilityException, AvailabilityRule};
use crate::security::{PasswordReset, RecoveryCode, ResetRequest, SecondFactor, SignInChallenge};
use crate::session::{RefreshToken, Session};
use crate::user::{Role, User};
use crate::values::Email;

/// Whether a transaction will write. Read transactions never take a write lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    /// Only reads, in one transaction: on SQLite all of them see one snapshot.
    Read,
    /// Only reads, each statement on its own, seeing what was committed when it started (as every
    /// statement of a PostgreSQL transaction does at its default isolation). No `BEGIN` and no
    /// `COMMIT` go to the database: for reads of one statement, which are consistent on their own,
    /// this saves two of three round trips. A page and its total, read by two statements, may then
    /// disagree by what was committed between them.
    Statement,
    /// Reads and writes; on SQLite this takes the write lock at once, so that read-then-write never deadlocks.
    Write,
}

/// A database hms can open transactions on.
#[async_trait]
pub trait Store: Send + Sync {
    /// Opens a transaction.
    async fn begin(&self, mode: TxMode) -> Result<Box<dyn Tx>>;
    /// Checks that the database answers.
    async fn ping(&self) -> Result<()>;
    /// A short name of the backend, e.g. `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// The database's settings that decide whether a commit survives a crash, as the database
    /// reports them (SQLite's `journal_mode` and `synchronous`, PostgreSQL's `fsync` and
    /// `synchronous_commit`): for the operator's log, and for tests.
    async fn durability(&self) -> Result<Vec<(&'static str, String)>>;
    /// How the store's connections are used at this moment, for the operator's metrics.
    fn stats(&self) -> StoreStats;
    /// How many of the migrations this build knows the database has not applied (0: up to date).
    async fn pending_migrations(&self) -> Result<usize>;
}

/// How a store's connections are used at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Connections open in the pool.
    pub connections: u32,
    /// Of those, the ones waiting for work.
    pub idle: u32,
    /// Write transactions of this process waiting for their turn at a single writer (SQLite).
    pub writers_waiting: usize,
}

/// Filters for listing users.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Only this role.
    pub role: Option<Role>,
    /// Only active (true) or inactive (false) accounts.
    pub active: Option<bool>,
}

/// Filters for listing doctors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoctorFilter {
    /// Only this specialization (case-insensitive).
    pub specialization: Option<String>,
    /// Only doctors accepting (true) or not accepting (false) appointments.
    pub accepting: Option<bool>,
    /// Include inactive accounts (admins only).
    pub include_inactive: bool,
    /// Only doctors whose name contains this text (case-insensitive).
    pub name: Option<String>,
    /// Only the doctor with this licence number (exactly).
    pub license_number: Option<String>,
}

/// Filters for listing patients.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientFilter {
    /// Only patients with an active or past appointment with this doctor.
    pub doctor_id: Option<DoctorId>,
    /// Only patients whose name or e-mail contains this text (case-insensitive).
    pub search: Option<String>,
    /// Only the patient with this e-mail address (ignoring case).
    pub email: Option<String>,
    /// Only patients born on this day.
    pub born_on: Option<NaiveDate>,
}

impl PatientFilter {
    /// Whether `p` answers the filter's terms (not `doctor_id`, which is about appointments): the
    /// meaning the stores' queries give them, for a list of one known record.
    pub fn admits(&self, p: &crate::profile::Patient) -> bool {
        let search = self.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase);
        search.is_none_or(|s| p.full_name.as_str().to_lowercase().contains(&s) || p.email.as_str().contains(&s))
            && self.email.as_deref().is_none_or(|e| p.email.as_str() == e.trim().to_lowercase())
            && self.born_on.is_none_or(|d| p.date_of_birth == Some(d))
    }
}

/// Filters for listing appointments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppointmentFilter {
    /// Only these statuses (empty: any).
    pub statuses: Vec<AppointmentStatus>,
    /// Only this doctor's.
    pub doctor_id: Option<DoctorId>,
    /// Only this patient's.
    pub patient_id: Option<PatientId>,
    /// Only those starting at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only those starting before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only those last changed at or after this instant.
    pub changed_from: Option<DateTime<Utc>>,
    /// Only those last changed before this instant.
    pub changed_to: Option<DateTime<Utc>>,
    /// The order of the list.
    pub order: AppointmentOrder,
}

/// The order of a list of appointments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AppointmentOrder {
    /// Earliest start first.
    #[default]
    Start,
    /// Latest start first.
    StartDescending,
    /// Least recently changed first.
    Changed,
    /// Most recently changed first.
    ChangedDescending,
}

/// Filters for listing prescriptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrescriptionFilter {
    /// Only this doctor's.
    pub doctor_id: Option<DoctorId>,
    /// Only this patient's.
    pub patient_id: Option<PatientId>,
}

/// Filters for listing invoices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceFilter {
    /// Only this status.
    pub status: Option<InvoiceStatus>,
    /// Only this patient's.
    pub patient_id: Option<PatientId>,
}

/// One transaction: every storage operation the workflows need.
///
/// Queued writes: a transaction may hold back the writes nothing in it waits for — new
/// appointments, notifications, e-mails and audit events (`insert_appointment`,
/// `insert_notifications`, `insert_emails`, `insert_audit`) — and send them together with its next
/// statement or its commit. Every later read of the transaction sees them; an error they raise
/// (an overlapping appointment is a conflict) is returned by that next operation or by `commit`,
/// and the transaction then commits nothing.
#[async_trait]
pub trait Tx: Send {
    /// Makes every change of this transaction permanent, and returns once they are. A store may
    /// commit several write transactions together (SQLite's does, for writers that wait on one
    /// another): `commit` then returns when that common commit has, with its outcome.
    async fn commit(self: Box<Self>) -> Result<()>;
    /// Drops every change of this transaction.
    async fn rollback(self: Box<Self>) -> Result<()>;

    /// Inserts a user; a taken e-mail address is a conflict.
    async fn insert_user(&mut self, user: &User) -> Result<()>;
    /// Updates a user's e-mail, name, phone, password hash, active flag and update time.
    async fn update_user(&mut self, user: &User) -> Result<()>;
    /// A user by id.
    async fn user(&mut self, id: UserId) -> Result<Option<User>>;
    /// A user by e-mail address.
    async fn user_by_email(&mut self, email: &Email) -> Result<Option<User>>;
    /// Users, newest first.
    async fn list_users(&mut self, filter: &UserFilter, page: PageRequest) -> Result<Page<User>>;

    /// Inserts a doctor profile for an existing doctor user; a taken license number is a conflict.
    async fn insert_doctor(&mut self, doctor: &Doctor) -> Result<()>;
    /// Updates a doctor profile's own fields.
    async fn update_doctor(&mut self, doctor: &Doctor) -> Result<()>;
    /// A doctor by id, with the account's name, e-mail and active flag.
    async fn doctor(&mut self, id: DoctorId) -> Result<Option<Doctor>>;
    /// Doctors, by name.
    async fn list_doctors(&mut self, filter: &DoctorFilter, page: PageRequest) -> Result<Page<Doctor>>;

    /// Inserts a patient profile (with its clinical part) for an existing patient user.
    async fn insert_patient(&mut self, patient: &Patient) -> Result<()>;
    /// Updates a patient profile's own fields (and the clinical ones when present).
    async fn update_patient(&mut self, patient: &Patient) -> Result<()>;
    /// A patient by id, with the clinical part.
    async fn patient(&mut self, id: PatientId) -> Result<Option<Patient>>;
    /// Patients, by name, with the clinical part.
    async fn list_patients(&mut self, filter: &PatientFilter, page: PageRequest) -> Result<Page<Patient>>;
    /// Whether the doctor has, or had, a pending, confirmed, completed or no-show appointment with the patient.
    async fn doctor_sees_patient(&mut self, doctor: DoctorId, patient: PatientId) -> Result<bool>;

    /// A doctor's weekly rules and exceptions (exceptions ending after `since`).
    async fn availability(&mut self, doctor: DoctorId, since: DateTime<Utc>) -> Result<Availability>;
    /// A doctor with their weekly rules and exceptions (those ending after `since`), in one
    /// statement; `None` when there is no such doctor.
    async fn doctor_schedule(&mut self, doctor: DoctorId, since: DateTime<Utc>) -> Result<Option<(Doctor, Availability)>>;
    /// What a booking reads before it writes, in one statement: the patient (as [`Tx::patient`])
    /// and the doctor with their schedule (as [`Tx::doctor_schedule`]).
    async fn booking_parties(
        &mut self,
        patient: PatientId,
        doctor: DoctorId,
        since: DateTime<Utc>,
    ) -> Result<(Option<Patient>, Option<(Doctor, Availability)>)>;
    /// Replaces a doctor's weekly rules.
    async fn replace_rules(&mut self, doctor: DoctorId, rules: &[AvailabilityRule]) -> Result<()>;
    /// Adds an exception.
    async fn insert_exception(&mut self, exception: &AvailabilityException) -> Result<()>;
    /// Removes one of a doctor's exceptions; false when the doctor has no such exception.
    async fn delete_exception(&mut self, doctor_id: DoctorId, id: ExceptionId) -> Result<bool>;

    /// Inserts an appointment (queued); an overlap with an active appointment of the same doctor (or patient) is a conflict.
    async fn insert_appointment(&mut self, appointment: &Appointment) -> Result<()>;
    /// Updates an appointment's status, cancellation reason, reminder time and update time.
    async fn update_appointment(&mut self, appointment: &Appointment) -> Result<()>;
    /// An appointment by id.
    async fn appointment(&mut self, id: AppointmentId) -> Result<Option<Appointment>>;
    /// Appointments, by start time.
    async fn list_appointments(&mut self, filter: &AppointmentFilter, page: PageRequest) -> Result<Page<Appointment>>;
    /// The intervals of a doctor's active appointments that overlap `[from, to)`.
    async fn doctor_busy(
        &mut self,
        doctor: DoctorId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>>;
    /// Whether the patient has an active appointment overlapping `[from, to)`.
    async fn patient_busy(&mut self, patient: PatientId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<bool>;
    /// Confirmed appointments starting in `[from, to)` whose reminder has not been queued.
    async fn reminders_due(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Appointment>>;

    /// Inserts a visit note.
    async fn insert_note(&mut self, note: &VisitNote) -> Result<()>;
    /// A note by id.
    async fn note(&mut self, id: NoteId) -> Result<Option<VisitNote>>;
    /// A patient's notes, newest first.
    async fn list_notes(&mut self, patient: PatientId, page: PageRequest) -> Result<Page<VisitNote>>;

    /// Inserts a document's metadata.
    async fn insert_document(&mut self, document: &Document) -> Result<()>;
    /// A document by id.
    async fn document(&mut self, id: DocumentId) -> Result<Option<Document>>;
    /// A patient's documents, newest first.
    async fn list_documents(&mut self, patient: PatientId, page: PageRequest) -> Result<Page<Document>>;

    /// Inserts a prescription; a second one for the same appointment is a conflict.
    async fn insert_prescription(&mut self, prescription: &Prescription) -> Result<()>;
    /// Updates a prescription's content, revision and update time.
    async fn update_prescription(&mut self, prescription: &Prescription) -> Result<()>;
    /// A prescription by id.
    async fn prescription(&mut self, id: PrescriptionId) -> Result<Option<Prescription>>;
    /// Prescriptions, newest first.
    async fn list_prescriptions(&mut self, filter: &PrescriptionFilter, page: PageRequest) -> Result<Page<Prescription>>;
    /// The records of `kind` whose id is greater than `after`, changed at or after `since` if
    /// given, at most `limit`, in id order (see `workflows::export`).
    async fn export_batch(
        &mut self,
        kind: crate::workflows::export::ExportKind,
        after: Uuid,
        since: Option<DateTime<Utc>>,
        limit: u32,
    ) -> Result<crate::workflows::export::ExportBatch>;
    /// The medications of the prescriptions `filter` names, counted one by one in the order of
    /// `list_prescriptions` (and each prescription's own order): the prescriptions holding the
    /// `limit` medications from the `skip`-th, each with how many medications come before its
    /// first; and how many medications there are in all.
    async fn prescriptions_by_medication(
        &mut self,
        filter: &PrescriptionFilter,
        skip: u64,
        limit: u32,
    ) -> Result<(Vec<(Prescription, u64)>, u64)>;

    /// Inserts an analysis.
    async fn insert_analysis(&mut self, analysis: &PrescriptionAnalysis) -> Result<()>;
    /// The newest analysis of a prescription.
    async fn latest_analysis(&mut self, prescription: PrescriptionId) -> Result<Option<PrescriptionAnalysis>>;

    /// The next invoice sequence number for `year` (1, 2, 3 …), never handed out twice.
    async fn next_invoice_sequence(&mut self, year: i32) -> Result<u64>;
    /// Inserts an invoice; a second one for the same appointment is a conflict.
    async fn insert_invoice(&mut self, invoice: &Invoice) -> Result<()>;
    /// Updates an invoice's status, payment and update time.
    async fn update_invoice(&mut self, invoice: &Invoice) -> Result<()>;
    /// An invoice by id.
    async fn invoice(&mut self, id: InvoiceId) -> Result<Option<Invoice>>;
    /// Invoices, newest first.
    async fn list_invoices(&mut self, filter: &InvoiceFilter, page: PageRequest) -> Result<Page<Invoice>>;

    /// Inserts notifications (queued).
    async fn insert_notifications(&mut self, notifications: &[Notification]) -> Result<()>;
    /// A user's notifications, newest first.
    async fn list_notifications(&mut self, recipient: UserId, unread_only: bool, page: PageRequest) -> Result<Page<Notification>>;
    /// A notification by id.
    async fn notification(&mut self, id: NotificationId) -> Result<Option<Notification>>;
    /// Marks one notification read; returns whether it was unread.
    async fn mark_notification_read(&mut self, id: NotificationId, at: DateTime<Utc>) -> Result<bool>;
    /// Marks every unread notification of a user read; returns how many.
    async fn mark_all_notifications_read(&mut self, recipient: UserId, at: DateTime<Utc>) -> Result<u64>;

    /// Puts e-mails in the outbox (queued).
    async fn insert_emails(&mut self, emails: &[OutgoingEmail]) -> Result<()>;
    /// Unsent e-mails due at `now`, oldest first.
    async fn emails_due(&mut self, now: DateTime<Utc>, limit: u32) -> Result<Vec<OutgoingEmail>>;
    /// How many e-mails of the outbox are not sent yet (due or waiting for a retry).
    async fn unsent_emails(&mut self) -> Result<u64>;
    /// Claims up to `limit` e-mails due at `now` for delivery: their next attempt moves to
    /// `until`, so that no other dispatcher takes them meanwhile. Returns the claimed e-mails.
    async fn claim_emails(&mut self, now: DateTime<Utc>, until: DateTime<Utc>, limit: u32) -> Result<Vec<OutgoingEmail>>;
    /// An e-mail by id.
    async fn email(&mut self, id: EmailId) -> Result<Option<OutgoingEmail>>;
    /// Updates an e-mail's attempts, next attempt, sent time and last error.
    async fn update_email(&mut self, email: &OutgoingEmail) -> Result<()>;

    /// Appends an audit event (queued).
    async fn insert_audit(&mut self, event: &AuditEvent) -> Result<()>;
    /// Audit events, newest first.
    async fn list_audit(&mut self, filter: &AuditFilter, page: PageRequest) -> Result<Page<AuditEvent>>;

    /// Inserts a session.
    async fn insert_session(&mut self, session: &Session) -> Result<()>;
    /// A session by id.
    async fn session(&mut self, id: SessionId) -> Result<Option<Session>>;
    /// A session with its account, by the session's id, in one statement (it is read for every
    /// authenticated request).
    async fn session_user(&mut self, id: SessionId) -> Result<Option<(Session, User)>>;
    /// Revokes a session (no-op if already revoked).
    async fn revoke_session(&mut self, id: SessionId, at: DateTime<Utc>) -> Result<()>;
    /// Revokes every live session of a user; returns how many.
    async fn revoke_sessions_of(&mut self, user: UserId, at: DateTime<Utc>) -> Result<u64>;
    /// A user's unrevoked sessions, newest first.
    async fn sessions_of(&mut self, user: UserId) -> Result<Vec<Session>>;
    /// Records that a session was used at `at`.
    async fn touch_session(&mut self, id: SessionId, at: DateTime<Utc>) -> Result<()>;
    /// Lifts a session's limit to enrolment (its user has just enrolled a second factor).
    async fn lift_enrolment_only(&mut self, id: SessionId) -> Result<()>;
    /// Records a "forgot password" request.
    async fn insert_reset_request(&mut self, request: &ResetRequest) -> Result<()>;
    /// Requests not worked through yet, oldest first.
    async fn pending_reset_requests(&mut self, limit: u32) -> Result<Vec<ResetRequest>>;
    /// Marks a request worked through, if it was not; false when it was (by another process).
    async fn settle_reset_request(&mut self, id: uuid::Uuid, at: DateTime<Utc>) -> Result<bool>;
    /// Inserts a password-reset token.
    async fn insert_password_reset(&mut self, reset: &PasswordReset) -> Result<()>;
    /// A password-reset token by id.
    async fn password_reset(&mut self, id: uuid::Uuid) -> Result<Option<PasswordReset>>;
    /// Marks one reset token used, if it was not; false when it was.
    async fn spend_password_reset(&mut self, id: uuid::Uuid, at: DateTime<Utc>) -> Result<bool>;
    /// Marks every unused reset token of a user used at `at`; returns how many.
    async fn spend_password_resets(&mut self, user: UserId, at: DateTime<Utc>) -> Result<u64>;
    /// A user's second factor, pending or confirmed.
    async fn second_factor(&mut self, user: UserId) -> Result<Option<SecondFactor>>;
    /// Records a user's second factor, replacing any other.
    async fn put_second_factor(&mut self, factor: &SecondFactor) -> Result<()>;
    /// Removes a user's second factor and recovery codes.
    async fn delete_second_factor(&mut self, user: UserId) -> Result<()>;
    /// Records `step` as the last accepted, only if it is later than the last one; false when not
    /// (a code used twice).
    async fn advance_second_factor_step(&mut self, user: UserId, step: i64) -> Result<bool>;
    /// Inserts recovery codes.
    async fn insert_recovery_codes(&mut self, codes: &[RecoveryCode]) -> Result<()>;
    /// A user's recovery codes, used or not.
    async fn recovery_codes(&mut self, user: UserId) -> Result<Vec<RecoveryCode>>;
    /// Marks a recovery code used, if it was not; false when it was.
    async fn spend_recovery_code(&mut self, id: uuid::Uuid, at: DateTime<Utc>) -> Result<bool>;
    /// Inserts a sign-in challenge.
    async fn insert_sign_in_challenge(&mut self, challenge: &SignInChallenge) -> Result<()>;
    /// A sign-in challenge by id.
    async fn sign_in_challenge(&mut self, id: uuid::Uuid) -> Result<Option<SignInChallenge>>;
    /// Marks a challenge completed, if it was not; false when it was.
    async fn spend_sign_in_challenge(&mut self, id: uuid::Uuid, at: DateTime<Utc>) -> Result<bool>;
    /// Inserts a refresh token.
    async fn insert_refresh_token(&mut self, token: &RefreshToken) -> Result<()>;
    /// A refresh token by id.
    async fn refresh_token(&mut self, id: uuid::Uuid) -> Result<Option<RefreshToken>>;
    /// Marks an unspent refresh token spent; returns false if it was spent already (by a concurrent refresh too).
    async fn spend_refresh_token(&mut self, id: uuid::Uuid, at: DateTime<Utc>) -> Result<bool>;

    /// Failed sign-ins recorded under `key` at or after `since`: how many, and the oldest.
    async fn login_failures(&mut self, key: &str, since: DateTime<Utc>) -> Result<(u64, Option<DateTime<Utc>>)>;
    /// Records a failed sign-in under `key`, and forgets that key's failures older than `forget_before`.
    async fn record_login_failure(&mut self, key: &str, at: DateTime<Utc>, forget_before: DateTime<Utc>) -> Result<()>;
    /// Forgets every failed sign-in recorded under `key`.
    async fn clear_login_failures(&mut self, key: &str) -> Result<()>;

    /// Dashboard figures, all of one moment (a store reads them in one statement, so that they
    /// need no transaction: `TxMode::Statement`); `today` is the hospital's current local day as
    /// UTC instants.
    async fn dashboard(&mut self, today: (DateTime<Utc>, DateTime<Utc>), busiest: u32) -> Result<Dashboard>;
}

/// Analyses a prescription: deterministic checks, and an AI review where one is configured.
///
/// Implementations never fail: when the AI review cannot be had, the analysis says why and still
/// carries the deterministic findings. They receive the patient's record and must themselves
/// make sure no identity leaves the process.
#[async_trait]
pub trait PrescriptionAnalyzer: Send + Sync {
    /// Analyses `subject` as of `today` (the patient's age is taken on that day).
    async fn analyze(&self, subject: &AnalysisSubject, today: chrono::NaiveDate) -> NewAnalysis;
}

/// Where document bytes live, addressed by their SHA-256.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` and returns their lower-case hex SHA-256 (storing the same bytes twice is harmless).
    async fn put(&self, bytes: &[u8]) -> Result<String>;
    /// The bytes stored under `sha256`, if any.
    async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>>;
}
