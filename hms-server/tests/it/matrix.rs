//! The authorization matrix over HTTP: every operation of the API × every kind of caller, each
//! cell the status the domain document's permission table calls for.
//!
//! The source is DOMAIN.md, section "What each role may do" (transcribed here; each row of
//! [`ROWS`] names the line it comes from):
//!
//! > `own` means: the patient's own records; for a doctor, their own schedule and the appointments
//! > where they are the doctor, and the records of patients on those appointments.
//! >
//! > | action | admin | doctor | nurse | receptionist | patient |
//! > |---|---|---|---|---|---|
//! > | list/read doctors (public profile) | ✔ | ✔ | ✔ | ✔ | ✔ (also anonymous) |
//! > | edit a doctor profile, availability | ✔ | own | | | |
//! > | list/read patients | ✔ | own | ✔ | ✔ (demographics only) | own |
//! > | edit a patient profile | ✔ | | | ✔ (demographics) | own |
//! > | book an appointment | ✔ any patient | | | ✔ any patient | own only |
//! > | confirm / reject | ✔ | own | | ✔ confirm | |
//! > | cancel | ✔ | own | | ✔ | own, before it starts |
//! > | complete / no-show | ✔ | own | | no-show | |
//! > | visit notes: write | ✔ | own | ✔ nursing notes | | |
//! > | visit notes, documents: read | ✔ | own | ✔ | | own |
//! > | documents: upload | ✔ | own | ✔ | ✔ | own |
//! > | prescriptions: write | | own appointments | | | |
//! > | prescriptions: read | ✔ | own | ✔ | | own |
//! > | AI analysis of a prescription | ✔ | own | | | |
//! > | invoices: create, cancel, record payment | ✔ | | | ✔ | |
//! > | invoices: read | ✔ | | | ✔ | own |
//! > | notifications | own | own | own | own | own |
//! > | dashboard, audit log, user admin | ✔ | | | | |
//! >
//! > Anything not granted is refused, and the refusal is recorded in the audit log. A refusal to
//! > read another patient's record must not reveal whether that record exists.
//!
//! plus the roles table ("patient: created by self-registration, or a receptionist at the desk")
//! and "The HTTP API (shape)" for the operations the permission table does not name (auth, health).
//!
//! The world: patient A has an appointment with doctor A (confirmed), with a visit note, a
//! document, a prescription and its analysis, and an invoice. Doctor B has never seen patient A
//! (B's only appointment is with patient B). So the columns are: anonymous, admin, doctor A
//! ("own"), doctor B ("other"), a nurse, a receptionist, patient A ("own"), patient B ("other").
//! Rows about patient A's records test own against other; rows about one's own resource (`/me`,
//! one's notifications) give both doctors and both patients their own.
//!
//! A cell expects 200/201 (done), 401 (no valid token), 403 (the role holds no grant: refused
//! openly), "404 hidden" (a record the caller may not know of: refused, answered exactly as a
//! missing id) or "404 absent" (the caller has no such record of their own, e.g. `/api/doctors/me`
//! for a nurse: not a refusal). Every 403 and every hidden 404 must leave a `refused` audit entry.
//! Cells that change state each act on a record made for that cell, so no cell depends on another.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use hms_core::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::*;

on_both!(authorization_matrix);

/// What one cell expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Done, with this status (200, or 201 where a resource is made).
    Done(u16),
    /// 401: no valid token.
    Unauthenticated,
    /// 403: the role holds no grant; the refusal is audited.
    Refused,
    /// 404 for a record the caller may not know of: audited, and the same answer as a missing id.
    Hidden,
    /// 404 because the caller has no such record of their own; not a refusal.
    Absent,
    /// 422: the caller may act, and its input (a wrong code, a stale token) is refused.
    Invalid,
    /// 401 from a public operation: the credentials it was given (a sign-in challenge) are wrong.
    WrongCredentials,
}

const OK: Want = Want::Done(200);
const NEW: Want = Want::Done(201);
const UN: Want = Want::Unauthenticated;
const NO: Want = Want::Refused;
const HID: Want = Want::Hidden;
const ABS: Want = Want::Absent;
const BAD: Want = Want::Invalid;
const CRED: Want = Want::WrongCredentials;

impl Want {
    fn status(self) -> u16 {
        match self {
            Want::Done(s) => s,
            Want::Unauthenticated => 401,
            Want::Refused => 403,
            Want::Hidden | Want::Absent => 404,
            Want::Invalid => 422,
            Want::WrongCredentials => 401,
        }
    }

    fn is_refusal(self) -> bool {
        matches!(self, Want::Refused | Want::Hidden)
    }

    fn label(self) -> String {
        match self {
            Want::Hidden => "404 hidden".into(),
            Want::Absent => "404 absent".into(),
            w => w.status().to_string(),
        }
    }
}

/// The kinds of caller, in column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Caller {
    Anonymous,
    Admin,
    DoctorOwn,
    DoctorOther,
    Nurse,
    Receptionist,
    PatientOwn,
    PatientOther,
}

const CALLERS: [Caller; 8] = [
    Caller::Anonymous,
    Caller::Admin,
    Caller::DoctorOwn,
    Caller::DoctorOther,
    Caller::Nurse,
    Caller::Receptionist,
    Caller::PatientOwn,
    Caller::PatientOther,
];

impl Caller {
    fn label(self) -> &'static str {
        match self {
            Caller::Anonymous => "anonymous",
            Caller::Admin => "admin",
            Caller::DoctorOwn => "doctor (own)",
            Caller::DoctorOther => "doctor (other)",
            Caller::Nurse => "nurse",
            Caller::Receptionist => "receptionist",
            Caller::PatientOwn => "patient (own)",
            Caller::PatientOther => "patient (other)",
        }
    }
}

/// One operation of the API, as a row acts it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    HospitalSettings,
    Register,
    Login,
    Refresh,
    Logout,
    Profile,
    EditProfile,
    CreateStaff,
    ListUsers,
    SetUserActive,
    ListDoctors,
    Doctor,
    Availability,
    Slots,
    MyDoctor,
    EditMyDoctor,
    SetMyAvailability,
    AddMyException,
    RemoveMyException,
    EditDoctor,
    SetAvailability,
    AddException,
    RemoveException,
    ListPatients,
    RegisterPatient,
    Patient,
    EditPatientDemographics,
    EditPatientClinical,
    MyPatient,
    EditMyPatient,
    Book,
    ListAppointments,
    ListAppointmentsOfPatient,
    ListAppointmentsOfDoctor,
    Appointment,
    Confirm,
    Reject,
    Cancel,
    CancelStarted,
    Complete,
    NoShow,
    WriteClinicalNote,
    WriteNursingNote,
    Notes,
    Upload,
    Documents,
    Document,
    DocumentContent,
    WritePrescription,
    ListPrescriptions,
    ListPrescriptionsOfPatient,
    Prescription,
    EditPrescription,
    Analyze,
    Analysis,
    IssueInvoice,
    ListInvoices,
    ListInvoicesOfPatient,
    Invoice,
    PayInvoice,
    CancelInvoice,
    Notifications,
    ReadOwnNotification,
    ReadOthersNotification,
    ReadAllNotifications,
    Dashboard,
    Audit,
    Healthz,
    Readyz,
    LoginSecondFactor,
    RequestReset,
    ConfirmReset,
    ChangePassword,
    SecondFactorStatus,
    BeginSecondFactor,
    ConfirmSecondFactor,
    DisableSecondFactor,
    Sessions,
    EndSession,
    ForceReset,
    EndUserSessions,
}

/// One row: an operation (method and path as in the OpenAPI document), what it does here, the
/// line of DOMAIN.md it comes from, and one expected answer per caller, in [`CALLERS`] order.
struct Row {
    op: Op,
    method: &'static str,
    path: &'static str,
    what: &'static str,
    source: &'static str,
    cells: [Want; 8],
}

const fn row(op: Op, method: &'static str, path: &'static str, what: &'static str, source: &'static str, cells: [Want; 8]) -> Row {
    Row { op, method, path, what, source, cells }
}

const AUTH: &str = "HTTP API shape: auth — register (doctor or patient only), login, refresh, logout, profile (read, edit)";
const USER_ADMIN: &str = "dashboard, audit log, user admin | ✔ | | | |";
const READ_DOCTORS: &str = "list/read doctors (public profile) | ✔ | ✔ | ✔ | ✔ | ✔ (also anonymous)";
const EDIT_DOCTOR: &str = "edit a doctor profile, availability | ✔ | own | | |";
const READ_PATIENTS: &str = "list/read patients | ✔ | own | ✔ | ✔ (demographics only) | own";
const EDIT_PATIENT: &str = "edit a patient profile | ✔ | | | ✔ (demographics) | own";
const BOOK: &str = "book an appointment | ✔ any patient | | | ✔ any patient | own only";
const CONFIRM_REJECT: &str = "confirm / reject | ✔ | own | | ✔ confirm |";
const CANCEL: &str = "cancel | ✔ | own | | ✔ | own, before it starts";
const COMPLETE: &str = "complete / no-show | ✔ | own | | no-show |";
const WRITE_NOTES: &str = "visit notes: write | ✔ | own | ✔ nursing notes | |";
const READ_RECORDS: &str = "visit notes, documents: read | ✔ | own | ✔ | | own";
const UPLOAD: &str = "documents: upload | ✔ | own | ✔ | ✔ | own";
const WRITE_RX: &str = "prescriptions: write | | own appointments | | |";
const READ_RX: &str = "prescriptions: read | ✔ | own | ✔ | | own";
const ANALYSIS: &str = "AI analysis of a prescription | ✔ | own | | |";
const MANAGE_INVOICES: &str = "invoices: create, cancel, record payment | ✔ | | | ✔ |";
const READ_INVOICES: &str = "invoices: read | ✔ | | | ✔ | own";
const NOTIFICATIONS: &str = "notifications | own | own | own | own | own";
const HEALTH: &str = "HTTP API shape: health — liveness and readiness, and the hospital's public settings (public)";
const SECURITY: &str = "Account security: a user resets only their own password (by e-mail), enrols their own second factor, lists and ends their own sessions";
const SECURITY_ADMIN: &str = "Who may: an admin may force a reset or end an account's sessions, never see or set a password";

#[rustfmt::skip]
const ROWS: &[Row] = &[
    //                                                                                                     anon admin dr-own dr-other nurse desk pt-own pt-other
    row(Op::Register, "post", "/api/auth/register", "register as a patient", AUTH,                           [NEW, NEW, NEW, NEW, NEW, NEW, NEW, NEW]),
    row(Op::Login, "post", "/api/auth/login", "sign in", AUTH,                                                [OK, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::Refresh, "post", "/api/auth/refresh", "trade a refresh token", AUTH,                             [OK, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::Logout, "post", "/api/auth/logout", "end one's own session", AUTH,                               [UN, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::Profile, "get", "/api/auth/profile", "one's own account", AUTH,                                  [UN, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::EditProfile, "patch", "/api/auth/profile", "edit one's own phone", AUTH,                         [UN, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::CreateStaff, "post", "/api/users", "create a nurse account", USER_ADMIN,                         [UN, NEW, NO, NO, NO, NO, NO, NO]),
    row(Op::ListUsers, "get", "/api/users", "list accounts", USER_ADMIN,                                     [UN, OK, NO, NO, NO, NO, NO, NO]),
    row(Op::SetUserActive, "patch", "/api/users/{id}", "(re)activate patient A's account", USER_ADMIN,       [UN, OK, NO, NO, NO, NO, NO, NO]),
    row(Op::ListDoctors, "get", "/api/doctors", "list doctors", READ_DOCTORS,                                [OK, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::Doctor, "get", "/api/doctors/{id}", "doctor A's profile", READ_DOCTORS,                          [OK, OK, OK, OK, OK, OK, OK, OK]),
    // A doctor's weekly hours and free slots are what anyone books from: part of the public profile.
    row(Op::Availability, "get", "/api/doctors/{id}/availability", "doctor A's availability", READ_DOCTORS,  [OK, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::Slots, "get", "/api/doctors/{id}/slots", "doctor A's free slots", READ_DOCTORS,                  [OK, OK, OK, OK, OK, OK, OK, OK]),
    // Reading doctors is granted to every role; a caller who is not a doctor has no "me" to read.
    row(Op::MyDoctor, "get", "/api/doctors/me", "one's own doctor profile", READ_DOCTORS,                    [UN, ABS, OK, OK, ABS, ABS, ABS, ABS]),
    // Editing is granted to admins (who have no doctor profile of their own) and doctors (their own);
    // refused to every other role. Another doctor's profile is public, so that refusal is open (403).
    row(Op::EditMyDoctor, "patch", "/api/doctors/me", "edit one's own doctor profile", EDIT_DOCTOR,          [UN, ABS, OK, OK, NO, NO, NO, NO]),
    row(Op::SetMyAvailability, "put", "/api/doctors/me/availability", "replace one's own hours", EDIT_DOCTOR,[UN, ABS, OK, OK, NO, NO, NO, NO]),
    row(Op::AddMyException, "post", "/api/doctors/me/exceptions", "add one's own time off", EDIT_DOCTOR,     [UN, ABS, NEW, NEW, NO, NO, NO, NO]),
    row(Op::RemoveMyException, "delete", "/api/doctors/me/exceptions/{exception_id}", "remove one's own time off", EDIT_DOCTOR, [UN, ABS, OK, OK, NO, NO, NO, NO]),
    row(Op::EditDoctor, "patch", "/api/doctors/{id}", "edit doctor A's profile", EDIT_DOCTOR,                [UN, OK, OK, NO, NO, NO, NO, NO]),
    row(Op::SetAvailability, "put", "/api/doctors/{id}/availability", "replace doctor A's hours", EDIT_DOCTOR, [UN, OK, OK, NO, NO, NO, NO, NO]),
    row(Op::AddException, "post", "/api/doctors/{id}/exceptions", "add doctor A's time off", EDIT_DOCTOR,    [UN, NEW, NEW, NO, NO, NO, NO, NO]),
    row(Op::RemoveException, "delete", "/api/doctors/{id}/exceptions/{exception_id}", "remove doctor A's time off", EDIT_DOCTOR, [UN, OK, OK, NO, NO, NO, NO, NO]),
    // "own" lists: a doctor's own patients, a patient themself.
    row(Op::ListPatients, "get", "/api/patients", "list patients", READ_PATIENTS,                            [UN, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::RegisterPatient, "post", "/api/patients", "register a patient at the desk",
        "roles: patient — created by self-registration, or a receptionist at the desk; user admin | ✔",     [UN, NEW, NO, NO, NO, NEW, NO, NO]),
    row(Op::Patient, "get", "/api/patients/{id}", "patient A's record", READ_PATIENTS,                       [UN, OK, OK, HID, OK, OK, OK, HID]),
    row(Op::EditPatientDemographics, "patch", "/api/patients/{id}", "edit patient A's address", EDIT_PATIENT, [UN, OK, NO, NO, NO, OK, OK, HID]),
    row(Op::EditPatientClinical, "patch", "/api/patients/{id}", "edit patient A's allergies", EDIT_PATIENT,  [UN, OK, NO, NO, NO, NO, OK, HID]),
    // Reading patients is granted to every role; only a patient has a "me" to read.
    row(Op::MyPatient, "get", "/api/patients/me", "one's own patient record", READ_PATIENTS,                 [UN, ABS, ABS, ABS, ABS, ABS, OK, OK]),
    // Admins and the front desk may edit patients but have no record of their own; doctors and nurses may not edit one.
    row(Op::EditMyPatient, "patch", "/api/patients/me", "edit one's own patient record", EDIT_PATIENT,       [UN, ABS, NO, NO, NO, ABS, OK, OK]),
    // Booking for another patient is refused as that patient's record: not found.
    row(Op::Book, "post", "/api/appointments", "book for patient A with doctor A", BOOK,                     [UN, NEW, NO, NO, NO, NEW, NEW, HID]),
    // The table has no line for reading appointments. They are patient records: read by whoever may
    // act on them (admin, front desk: any; doctor, patient: own) and by nurses, who read every
    // patient's record in full ("list/read patients", "visit notes, documents: read": ✔).
    row(Op::ListAppointments, "get", "/api/appointments", "list appointments (role-filtered)", READ_PATIENTS, [UN, OK, OK, OK, OK, OK, OK, OK]),
    // Doctor B's list is filtered to doctor B's own appointments: asking for patient A's gives none.
    row(Op::ListAppointmentsOfPatient, "get", "/api/appointments", "list appointments of patient A", READ_PATIENTS, [UN, OK, OK, OK, OK, OK, OK, HID]),
    // Patient B's list is filtered to patient B's own appointments: asking for doctor A's gives none.
    row(Op::ListAppointmentsOfDoctor, "get", "/api/appointments", "list appointments of doctor A", READ_PATIENTS, [UN, OK, OK, HID, OK, OK, OK, OK]),
    row(Op::Appointment, "get", "/api/appointments/{id}", "patient A's appointment", READ_PATIENTS,          [UN, OK, OK, HID, OK, OK, OK, HID]),
    row(Op::Confirm, "post", "/api/appointments/{id}/confirm", "confirm a pending one", CONFIRM_REJECT,      [UN, OK, OK, HID, NO, OK, NO, NO]),
    row(Op::Reject, "post", "/api/appointments/{id}/reject", "reject a pending one", CONFIRM_REJECT,         [UN, OK, OK, HID, NO, NO, NO, NO]),
    row(Op::Cancel, "post", "/api/appointments/{id}/cancel", "cancel before it starts", CANCEL,              [UN, OK, OK, HID, NO, OK, OK, HID]),
    // "own, before it starts": once it has started, the patient holds no grant to cancel it.
    row(Op::CancelStarted, "post", "/api/appointments/{id}/cancel", "cancel after it started", CANCEL,       [UN, OK, OK, HID, NO, OK, NO, HID]),
    row(Op::Complete, "post", "/api/appointments/{id}/complete", "complete a started one", COMPLETE,         [UN, OK, OK, HID, NO, NO, NO, NO]),
    row(Op::NoShow, "post", "/api/appointments/{id}/no-show", "no-show of a started one", COMPLETE,          [UN, OK, OK, HID, NO, OK, NO, NO]),
    row(Op::WriteClinicalNote, "post", "/api/patients/{id}/notes", "write a clinical note", WRITE_NOTES,     [UN, NEW, NEW, HID, NO, NO, NO, NO]),
    row(Op::WriteNursingNote, "post", "/api/patients/{id}/notes", "write a nursing note", WRITE_NOTES,       [UN, NEW, NO, NO, NEW, NO, NO, NO]),
    row(Op::Notes, "get", "/api/patients/{id}/notes", "patient A's visit notes", READ_RECORDS,              [UN, OK, OK, HID, OK, NO, OK, HID]),
    row(Op::Upload, "post", "/api/patients/{id}/documents", "upload to patient A's record", UPLOAD,          [UN, NEW, NEW, HID, NEW, NEW, NEW, HID]),
    row(Op::Documents, "get", "/api/patients/{id}/documents", "patient A's documents", READ_RECORDS,        [UN, OK, OK, HID, OK, NO, OK, HID]),
    row(Op::Document, "get", "/api/documents/{id}", "one of patient A's documents", READ_RECORDS,           [UN, OK, OK, HID, OK, NO, OK, HID]),
    row(Op::DocumentContent, "get", "/api/documents/{id}/content", "download it", READ_RECORDS,             [UN, OK, OK, HID, OK, NO, OK, HID]),
    row(Op::WritePrescription, "post", "/api/prescriptions", "prescribe on a confirmed appointment", WRITE_RX, [UN, NO, NEW, HID, NO, NO, NO, NO]),
    row(Op::ListPrescriptions, "get", "/api/prescriptions", "list prescriptions (role-filtered)", READ_RX,   [UN, OK, OK, OK, OK, NO, OK, OK]),
    // Doctor B's list is filtered to the prescriptions doctor B wrote: asking for patient A's gives none.
    row(Op::ListPrescriptionsOfPatient, "get", "/api/prescriptions", "list prescriptions of patient A", READ_RX, [UN, OK, OK, OK, OK, NO, OK, HID]),
    row(Op::Prescription, "get", "/api/prescriptions/{id}", "patient A's prescription", READ_RX,             [UN, OK, OK, HID, OK, NO, OK, HID]),
    row(Op::EditPrescription, "put", "/api/prescriptions/{id}", "edit it", WRITE_RX,                         [UN, NO, OK, HID, NO, NO, NO, NO]),
    row(Op::Analyze, "post", "/api/prescriptions/{id}/analysis", "analyse it", ANALYSIS,                     [UN, OK, OK, HID, NO, NO, NO, NO]),
    row(Op::Analysis, "get", "/api/prescriptions/{id}/analysis", "its stored analysis", ANALYSIS,           [UN, OK, OK, HID, NO, NO, NO, NO]),
    row(Op::IssueInvoice, "post", "/api/invoices", "invoice a confirmed appointment", MANAGE_INVOICES,       [UN, NEW, NO, NO, NO, NEW, NO, NO]),
    row(Op::ListInvoices, "get", "/api/invoices", "list invoices (role-filtered)", READ_INVOICES,            [UN, OK, NO, NO, NO, OK, OK, OK]),
    row(Op::ListInvoicesOfPatient, "get", "/api/invoices", "list invoices of patient A", READ_INVOICES,      [UN, OK, NO, NO, NO, OK, OK, HID]),
    row(Op::Invoice, "get", "/api/invoices/{id}", "patient A's invoice", READ_INVOICES,                      [UN, OK, NO, NO, NO, OK, OK, HID]),
    row(Op::PayInvoice, "post", "/api/invoices/{id}/pay", "record a payment", MANAGE_INVOICES,               [UN, OK, NO, NO, NO, OK, NO, NO]),
    row(Op::CancelInvoice, "post", "/api/invoices/{id}/cancel", "cancel a pending invoice", MANAGE_INVOICES, [UN, OK, NO, NO, NO, OK, NO, NO]),
    row(Op::Notifications, "get", "/api/notifications", "one's notifications", NOTIFICATIONS,               [UN, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::ReadOwnNotification, "post", "/api/notifications/{id}/read", "mark one's own read", NOTIFICATIONS, [UN, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::ReadOthersNotification, "post", "/api/notifications/{id}/read", "mark patient A's read", NOTIFICATIONS, [UN, HID, HID, HID, HID, HID, OK, HID]),
    row(Op::ReadAllNotifications, "post", "/api/notifications/read-all", "mark all one's own read", NOTIFICATIONS, [UN, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::Dashboard, "get", "/api/dashboard", "dashboard", USER_ADMIN,                                     [UN, OK, NO, NO, NO, NO, NO, NO]),
    row(Op::Audit, "get", "/api/audit", "audit log", USER_ADMIN,                                             [UN, OK, NO, NO, NO, NO, NO, NO]),
    row(Op::Healthz, "get", "/healthz", "liveness", HEALTH,                                                  [OK, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::Readyz, "get", "/readyz", "readiness", HEALTH,                                                   [OK, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::HospitalSettings, "get", "/api/hospital", "the hospital's public settings", HEALTH,              [OK, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::LoginSecondFactor, "post", "/api/auth/login/second-factor", "a second step without a challenge", SECURITY, [CRED, CRED, CRED, CRED, CRED, CRED, CRED, CRED]),
    row(Op::RequestReset, "post", "/api/auth/password-reset", "forgot password", SECURITY,                   [OK, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::ConfirmReset, "post", "/api/auth/password-reset/confirm", "reset with a stale token", SECURITY,   [BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD]),
    row(Op::ChangePassword, "post", "/api/auth/password", "change one's password (wrong current one)", SECURITY, [UN, BAD, BAD, BAD, BAD, BAD, BAD, BAD]),
    row(Op::SecondFactorStatus, "get", "/api/auth/second-factor", "one's second factor", SECURITY,           [UN, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::BeginSecondFactor, "post", "/api/auth/second-factor", "begin enrolling one's second factor", SECURITY, [UN, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::ConfirmSecondFactor, "post", "/api/auth/second-factor/confirm", "confirm it with a wrong code", SECURITY, [UN, BAD, BAD, BAD, BAD, BAD, BAD, BAD]),
    row(Op::DisableSecondFactor, "post", "/api/auth/second-factor/disable", "turn it off with a wrong code", SECURITY, [UN, BAD, BAD, BAD, BAD, BAD, BAD, BAD]),
    row(Op::Sessions, "get", "/api/auth/sessions", "one's sessions", SECURITY,                               [UN, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::EndSession, "delete", "/api/auth/sessions/{id}", "end another session of one's own", SECURITY,   [UN, OK, OK, OK, OK, OK, OK, OK]),
    row(Op::ForceReset, "post", "/api/users/{id}/password-reset", "force a reset for a new patient", SECURITY_ADMIN, [UN, OK, NO, NO, NO, NO, NO, NO]),
    row(Op::EndUserSessions, "delete", "/api/users/{id}/sessions", "end the walk-in patient's sessions", SECURITY_ADMIN, [UN, OK, NO, NO, NO, NO, NO, NO]),
];

/// A signed-in caller.
struct Account {
    token: String,
    id: String,
    email: String,
}

/// The fixture world, built once per backend.
struct World {
    accounts: HashMap<Caller, Account>,
    /// A patient whose account the login and refresh rows use.
    walk_in: String,
    appointment: String,
    prescription: String,
    invoice: String,
    document: String,
    /// One notification of each caller's own.
    own_notification: HashMap<Caller, String>,
    /// Doctor A's free slots, handed out one per fresh appointment.
    slots: Mutex<VecDeque<String>>,
    serial: AtomicU32,
}

impl World {
    fn account(&self, who: Caller) -> &Account {
        self.accounts.get(&who).unwrap_or_else(|| panic!("{who:?} has no account"))
    }

    fn token(&self, who: Caller) -> Option<&str> {
        self.accounts.get(&who).map(|a| a.token.as_str())
    }

    fn patient_a(&self) -> &str {
        &self.account(Caller::PatientOwn).id
    }

    fn doctor_a(&self) -> &str {
        &self.account(Caller::DoctorOwn).id
    }

    fn next(&self) -> u32 {
        self.serial.fetch_add(1, Ordering::SeqCst)
    }

    fn next_slot(&self) -> String {
        self.slots.lock().unwrap().pop_front().expect("doctor A has enough free slots for the matrix")
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap_or_else(|| panic!("an id in {body}")).to_string()
}

fn weekly_rules() -> Value {
    let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    json!({"rules": days.iter().map(|d| json!({"weekday": d, "start": "09:00", "end": "17:00", "slot_minutes": 30})).collect::<Vec<_>>()})
}

/// An hour off six weeks ahead, beyond every slot the matrix books.
fn time_off(s: &TestServer) -> Value {
    let start = s.now() + Duration::days(42);
    json!({"starts_at": rfc3339(start), "ends_at": rfc3339(start + Duration::hours(1)), "reason": "conference"})
}

fn prescription_content() -> Value {
    json!({"diagnosis": "Otitis media",
           "medications": [{"name": "amoxicillin", "strength": "500 mg", "route": "oral", "frequency": "three times daily", "duration_days": 7}]})
}

fn scan() -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("kind", "scan")
        .part("file", reqwest::multipart::Part::bytes(b"\x89PNG....".to_vec()).file_name("xray.png").mime_str("image/png").unwrap())
}

fn expect(answer: (StatusCode, Value), status: StatusCode, what: &str) -> Value {
    assert_eq!(answer.0, status, "{what}: {}", answer.1);
    answer.1
}

/// A fresh appointment of patient A with doctor A, pending or confirmed; returns its id and start.
async fn fresh_appointment(s: &TestServer, w: &World, confirmed: bool) -> (String, DateTime<Utc>) {
    let slot = w.next_slot();
    let body = json!({"doctor_id": w.doctor_a(), "starts_at": slot, "reason": "follow-up"});
    let a = expect(s.post("/api/appointments", w.token(Caller::PatientOwn), body).await, StatusCode::CREATED, "a fresh booking");
    let id = id_of(&a);
    if confirmed {
        let path = format!("/api/appointments/{id}/confirm");
        expect(s.post(&path, w.token(Caller::DoctorOwn), json!({})).await, StatusCode::OK, "its confirmation");
    }
    (id, DateTime::parse_from_rfc3339(&slot).unwrap().with_timezone(&Utc))
}

/// A fresh pending invoice of patient A.
async fn fresh_invoice(s: &TestServer, w: &World) -> String {
    let (a, _) = fresh_appointment(s, w, true).await;
    let body = json!({"appointment_id": a});
    id_of(&expect(s.post("/api/invoices", w.token(Caller::Receptionist), body).await, StatusCode::CREATED, "a fresh invoice"))
}

/// Builds the world: two doctors, two patients, staff, and patient A's records with doctor A.
async fn world(s: &TestServer) -> World {
    let admin = s.admin().await;
    let nurse = s.staff(&admin, Role::Nurse, 1).await;
    let desk = s.staff(&admin, Role::Receptionist, 1).await;
    let (dr_a, dr_a_id) = s.doctor(1).await;
    let (dr_b, dr_b_id) = s.doctor(2).await;
    let (pt_a, pt_a_id) = s.patient(1).await;
    let (pt_b, _) = s.patient(2).await;
    s.patient(3).await;
    let mut accounts = HashMap::new();
    for (who, token, email) in [
        (Caller::Admin, admin, "admin@example.org"),
        (Caller::DoctorOwn, dr_a, "doctor1@example.org"),
        (Caller::DoctorOther, dr_b, "doctor2@example.org"),
        (Caller::Nurse, nurse, "nurse1@example.org"),
        (Caller::Receptionist, desk, "receptionist1@example.org"),
        (Caller::PatientOwn, pt_a, "patient1@example.org"),
        (Caller::PatientOther, pt_b, "patient2@example.org"),
    ] {
        let me = expect(s.get("/api/auth/profile", Some(&token)).await, StatusCode::OK, "a profile");
        accounts.insert(who, Account { token, id: id_of(&me), email: email.into() });
    }

    // Doctor A's free slots over the next two weeks, leaving out the next hour so that none of them
    // starts while the matrix runs.
    let from = rfc3339(s.now() + Duration::hours(1));
    let to = rfc3339(s.now() + Duration::days(14));
    let free = expect(s.get(&format!("/api/doctors/{dr_a_id}/slots?from={from}&to={to}"), None).await, StatusCode::OK, "slots");
    let slots: VecDeque<String> = free.as_array().unwrap().iter().map(|s| s["start"].as_str().unwrap().to_string()).collect();
    let mut w = World {
        accounts,
        walk_in: "patient3@example.org".into(),
        appointment: String::new(),
        prescription: String::new(),
        invoice: String::new(),
        document: String::new(),
        own_notification: HashMap::new(),
        slots: Mutex::new(slots),
        serial: AtomicU32::new(0),
    };
    let t = |who| w.token(who).map(str::to_string);
    let (dr_a, dr_b, pt_a, pt_b, desk, admin) = (
        t(Caller::DoctorOwn),
        t(Caller::DoctorOther),
        t(Caller::PatientOwn),
        t(Caller::PatientOther),
        t(Caller::Receptionist),
        t(Caller::Admin),
    );

    // Patient A's confirmed appointment with doctor A, and its records.
    let (appointment, _) = fresh_appointment(s, &w, true).await;
    let body = json!({"kind": "clinical", "appointment_id": appointment, "text": "Ear drum red and bulging"});
    expect(s.post(&format!("/api/patients/{pt_a_id}/notes"), dr_a.as_deref(), body).await, StatusCode::CREATED, "a note");
    let document = s.multipart(&format!("/api/patients/{pt_a_id}/documents"), pt_a.as_deref(), scan()).await;
    let document = id_of(&expect(document, StatusCode::CREATED, "a document"));
    let mut body = prescription_content();
    body["appointment_id"] = json!(appointment);
    let rx = id_of(&expect(s.post("/api/prescriptions", dr_a.as_deref(), body).await, StatusCode::CREATED, "a prescription"));
    let path = format!("/api/prescriptions/{rx}/analysis");
    expect(s.post(&path, dr_a.as_deref(), json!({})).await, StatusCode::OK, "an analysis");
    let invoice = s.post("/api/invoices", desk.as_deref(), json!({"appointment_id": appointment})).await;
    let invoice = id_of(&expect(invoice, StatusCode::CREATED, "an invoice"));

    // Doctor B's only patient is patient B.
    let free = expect(s.get(&format!("/api/doctors/{dr_b_id}/slots?from={from}&to={to}"), None).await, StatusCode::OK, "slots");
    let body = json!({"doctor_id": dr_b_id, "starts_at": free[0]["start"]});
    let b = expect(s.post("/api/appointments", pt_b.as_deref(), body).await, StatusCode::CREATED, "patient B's booking");
    let path = format!("/api/appointments/{}/confirm", id_of(&b));
    expect(s.post(&path, dr_b.as_deref(), json!({})).await, StatusCode::OK, "its confirmation");

    // Every caller has a notification of their own: patients and doctors from their bookings, the
    // nurse and the receptionist from an account change, the admin from a second admin's.
    for who in [Caller::Nurse, Caller::Receptionist] {
        let path = format!("/api/users/{}", w.account(who).id);
        expect(s.patch(&path, admin.as_deref(), json!({"active": true})).await, StatusCode::OK, "an activation");
    }
    let body = json!({"email": "admin2@example.org", "password": PASSWORD, "full_name": "Second Admin", "role": "admin"});
    expect(s.post("/api/users", admin.as_deref(), body).await, StatusCode::CREATED, "a second admin");
    let (admin2, _, _) = s.login("admin2@example.org").await;
    let path = format!("/api/users/{}", w.account(Caller::Admin).id);
    expect(s.patch(&path, Some(&admin2), json!({"active": true})).await, StatusCode::OK, "the admin's activation");
    for who in CALLERS.into_iter().skip(1) {
        let list = expect(s.get("/api/notifications?page_size=1", w.token(who)).await, StatusCode::OK, "notifications");
        w.own_notification.insert(who, id_of(&list["items"][0]));
    }
    w.appointment = appointment;
    w.prescription = rx;
    w.invoice = invoice;
    w.document = document;
    w
}

/// Acts out `op` as `who`, sending `token`. With `missing`, the record acted on is replaced by a
/// random id that names nothing. Fresh records are made only for a signed-in caller acting on a
/// real record; anonymous attempts use the world's records (they never reach them).
async fn run(s: &TestServer, w: &World, op: Op, who: Caller, token: Option<&str>, missing: bool) -> (StatusCode, Value) {
    let pick = |real: &str| if missing { Uuid::now_v7().to_string() } else { real.to_string() };
    let fresh = who != Caller::Anonymous && !missing;
    let pa = pick(w.patient_a());
    let da = pick(w.doctor_a());
    let n = w.next();
    match op {
        Op::Register => {
            let body = json!({"email": format!("walk-in{n}@example.org"), "password": PASSWORD, "full_name": "Walk In", "role": "patient"});
            s.post("/api/auth/register", token, body).await
        }
        Op::Login => s.post("/api/auth/login", token, json!({"email": w.walk_in, "password": PASSWORD})).await,
        Op::Refresh => {
            let (_, refresh, _) = s.login(&w.walk_in).await;
            s.post("/api/auth/refresh", token, json!({"refresh_token": refresh})).await
        }
        Op::Logout => {
            // A signed-in caller ends a session of its own, so that its main token lives on.
            let session = if who == Caller::Anonymous { token.map(str::to_string) } else { Some(s.login(&w.account(who).email).await.0) };
            s.post("/api/auth/logout", session.as_deref(), json!({})).await
        }
        Op::Profile => s.get("/api/auth/profile", token).await,
        Op::EditProfile => s.patch("/api/auth/profile", token, json!({"phone": "+44 20 7946 0000"})).await,
        Op::CreateStaff => {
            let body =
                json!({"email": format!("nurse-new{n}@example.org"), "password": PASSWORD, "full_name": "New Nurse", "role": "nurse"});
            s.post("/api/users", token, body).await
        }
        Op::ListUsers => s.get("/api/users", token).await,
        Op::SetUserActive => s.patch(&format!("/api/users/{pa}"), token, json!({"active": true})).await,
        Op::ListDoctors => s.get("/api/doctors", token).await,
        Op::Doctor => s.get(&format!("/api/doctors/{da}"), token).await,
        Op::Availability => s.get(&format!("/api/doctors/{da}/availability"), token).await,
        Op::Slots => {
            let (from, to) = (rfc3339(s.now()), rfc3339(s.now() + Duration::days(1)));
            s.get(&format!("/api/doctors/{da}/slots?from={from}&to={to}"), token).await
        }
        Op::MyDoctor => s.get("/api/doctors/me", token).await,
        Op::EditMyDoctor => s.patch("/api/doctors/me", token, json!({"bio": "Cardiology ward, mornings"})).await,
        Op::SetMyAvailability => s.put("/api/doctors/me/availability", token, weekly_rules()).await,
        Op::AddMyException => s.post("/api/doctors/me/exceptions", token, time_off(s)).await,
        Op::RemoveMyException => {
            // A doctor removes time off of their own, made for the attempt.
            let id = if fresh && matches!(who, Caller::DoctorOwn | Caller::DoctorOther) {
                id_of(&expect(s.post("/api/doctors/me/exceptions", token, time_off(s)).await, StatusCode::CREATED, "time off"))
            } else {
                Uuid::now_v7().to_string()
            };
            s.send_delete(&format!("/api/doctors/me/exceptions/{id}"), token).await
        }
        Op::EditDoctor => s.patch(&format!("/api/doctors/{da}"), token, json!({"bio": "Cardiology ward, mornings"})).await,
        Op::SetAvailability => s.put(&format!("/api/doctors/{da}/availability"), token, weekly_rules()).await,
        Op::AddException => s.post(&format!("/api/doctors/{da}/exceptions"), token, time_off(s)).await,
        Op::RemoveException => {
            // Time off of doctor A's, made by the admin for the attempt.
            let id = if fresh {
                let made = s.post(&format!("/api/doctors/{da}/exceptions"), w.token(Caller::Admin), time_off(s)).await;
                id_of(&expect(made, StatusCode::CREATED, "time off"))
            } else {
                Uuid::now_v7().to_string()
            };
            s.send_delete(&format!("/api/doctors/{da}/exceptions/{id}"), token).await
        }
        Op::ListPatients => s.get("/api/patients", token).await,
        Op::RegisterPatient => {
            let body = json!({"email": format!("desk{n}@example.org"), "password": PASSWORD, "full_name": "Desk Patient"});
            s.post("/api/patients", token, body).await
        }
        Op::Patient => s.get(&format!("/api/patients/{pa}"), token).await,
        Op::EditPatientDemographics => s.patch(&format!("/api/patients/{pa}"), token, json!({"address": "1 Harbour Street"})).await,
        Op::EditPatientClinical => {
            s.patch(&format!("/api/patients/{pa}"), token, json!({"allergies": ["penicillin", "sulfonamides"]})).await
        }
        Op::MyPatient => s.get("/api/patients/me", token).await,
        Op::EditMyPatient => s.patch("/api/patients/me", token, json!({"address": "2 Harbour Street"})).await,
        Op::Book => {
            let slot = w.next_slot();
            s.post("/api/appointments", token, json!({"doctor_id": w.doctor_a(), "patient_id": pa, "starts_at": slot})).await
        }
        Op::ListAppointments => s.get("/api/appointments", token).await,
        Op::ListAppointmentsOfPatient => s.get(&format!("/api/appointments?patient_id={pa}"), token).await,
        Op::ListAppointmentsOfDoctor => s.get(&format!("/api/appointments?doctor_id={da}"), token).await,
        Op::Appointment => s.get(&format!("/api/appointments/{}", pick(&w.appointment)), token).await,
        Op::Confirm | Op::Reject | Op::Cancel => {
            let a = if fresh { fresh_appointment(s, w, false).await.0 } else { pick(&w.appointment) };
            let step = match op {
                Op::Confirm => "confirm",
                Op::Reject => "reject",
                _ => "cancel",
            };
            s.post(&format!("/api/appointments/{a}/{step}"), token, json!({"reason": "matrix"})).await
        }
        Op::CancelStarted | Op::Complete | Op::NoShow => {
            let step = match op {
                Op::CancelStarted => "cancel",
                Op::Complete => "complete",
                _ => "no-show",
            };
            if !fresh {
                return s.post(&format!("/api/appointments/{}/{step}", pick(&w.appointment)), token, json!({})).await;
            }
            // Five minutes into a fresh confirmed appointment, then back to the present.
            let (a, starts) = fresh_appointment(s, w, true).await;
            let by = starts - s.now() + Duration::minutes(5);
            s.advance(by);
            let answer = s.post(&format!("/api/appointments/{a}/{step}"), token, json!({})).await;
            s.advance(-by);
            answer
        }
        Op::WriteClinicalNote => {
            s.post(&format!("/api/patients/{pa}/notes"), token, json!({"kind": "clinical", "text": "Improving"})).await
        }
        Op::WriteNursingNote => s.post(&format!("/api/patients/{pa}/notes"), token, json!({"kind": "nursing", "text": "Slept well"})).await,
        Op::Notes => s.get(&format!("/api/patients/{pa}/notes"), token).await,
        Op::Upload => s.multipart(&format!("/api/patients/{pa}/documents"), token, scan()).await,
        Op::Documents => s.get(&format!("/api/patients/{pa}/documents"), token).await,
        Op::Document => s.get(&format!("/api/documents/{}", pick(&w.document)), token).await,
        Op::DocumentContent => s.get(&format!("/api/documents/{}/content", pick(&w.document)), token).await,
        Op::WritePrescription => {
            let a = if fresh { fresh_appointment(s, w, true).await.0 } else { pick(&w.appointment) };
            let mut body = prescription_content();
            body["appointment_id"] = json!(a);
            s.post("/api/prescriptions", token, body).await
        }
        Op::ListPrescriptions => s.get("/api/prescriptions", token).await,
        Op::ListPrescriptionsOfPatient => s.get(&format!("/api/prescriptions?patient_id={pa}"), token).await,
        Op::Prescription => s.get(&format!("/api/prescriptions/{}", pick(&w.prescription)), token).await,
        Op::EditPrescription => s.put(&format!("/api/prescriptions/{}", pick(&w.prescription)), token, prescription_content()).await,
        Op::Analyze => s.post(&format!("/api/prescriptions/{}/analysis", pick(&w.prescription)), token, json!({})).await,
        Op::Analysis => s.get(&format!("/api/prescriptions/{}/analysis", pick(&w.prescription)), token).await,
        Op::IssueInvoice => {
            let a = if fresh { fresh_appointment(s, w, true).await.0 } else { pick(&w.appointment) };
            s.post("/api/invoices", token, json!({"appointment_id": a})).await
        }
        Op::ListInvoices => s.get("/api/invoices", token).await,
        Op::ListInvoicesOfPatient => s.get(&format!("/api/invoices?patient_id={pa}"), token).await,
        Op::Invoice => s.get(&format!("/api/invoices/{}", pick(&w.invoice)), token).await,
        Op::PayInvoice | Op::CancelInvoice => {
            let i = if fresh { fresh_invoice(s, w).await } else { pick(&w.invoice) };
            match op {
                Op::PayInvoice => s.post(&format!("/api/invoices/{i}/pay"), token, json!({"method": "card"})).await,
                _ => s.post(&format!("/api/invoices/{i}/cancel"), token, json!({})).await,
            }
        }
        Op::Notifications => s.get("/api/notifications", token).await,
        Op::ReadOwnNotification => {
            let own = w.own_notification.get(&who).unwrap_or(&w.own_notification[&Caller::PatientOwn]);
            s.post(&format!("/api/notifications/{}/read", pick(own)), token, json!({})).await
        }
        Op::ReadOthersNotification => {
            let of_patient_a = pick(&w.own_notification[&Caller::PatientOwn]);
            s.post(&format!("/api/notifications/{of_patient_a}/read"), token, json!({})).await
        }
        Op::ReadAllNotifications => s.post("/api/notifications/read-all", token, json!({})).await,
        Op::Dashboard => s.get("/api/dashboard", token).await,
        Op::Audit => s.get("/api/audit", token).await,
        Op::Healthz => s.get("/healthz", token).await,
        Op::Readyz => s.get("/readyz", token).await,
        Op::HospitalSettings => s.get("/api/hospital", token).await,
        Op::LoginSecondFactor => s.post("/api/auth/login/second-factor", token, json!({"challenge": "none.none", "code": "123456"})).await,
        Op::RequestReset => s.post("/api/auth/password-reset", token, json!({"email": format!("reset{n}@example.org")})).await,
        Op::ConfirmReset => {
            let stale = format!("{}.{}", Uuid::now_v7().simple(), "0".repeat(64));
            s.post("/api/auth/password-reset/confirm", token, json!({"token": stale, "new_password": "a brand new passphrase"})).await
        }
        Op::ChangePassword => {
            s.post("/api/auth/password", token, json!({"current_password": "not the password", "new_password": "a brand new passphrase"}))
                .await
        }
        Op::SecondFactorStatus => s.get("/api/auth/second-factor", token).await,
        Op::BeginSecondFactor => s.post("/api/auth/second-factor", token, json!({})).await,
        Op::ConfirmSecondFactor => s.post("/api/auth/second-factor/confirm", token, json!({"code": "000000"})).await,
        Op::DisableSecondFactor => s.post("/api/auth/second-factor/disable", token, json!({"code": "000000"})).await,
        Op::Sessions => s.get("/api/auth/sessions", token).await,
        Op::EndSession => {
            // A signed-in caller ends another session of its own, so that its main token lives on.
            let id = if fresh {
                let other = s.login(&w.account(who).email).await.0;
                let listed = s.get("/api/auth/sessions", Some(&other)).await.1;
                listed
                    .as_array()
                    .and_then(|l| l.iter().find(|x| x["current"] == true))
                    .map(|x| x["id"].as_str().unwrap().to_string())
                    .unwrap()
            } else {
                Uuid::now_v7().to_string()
            };
            s.send_delete(&format!("/api/auth/sessions/{id}"), token).await
        }
        Op::ForceReset => {
            // A forced reset kills the password: an account of its own for each attempt.
            let body =
                json!({"email": format!("forced{n}@example.org"), "password": PASSWORD, "full_name": "Forced Reset", "role": "patient"});
            let (_, made) = s.post("/api/auth/register", None, body).await;
            let id = made["id"].as_str().expect("a new account").to_string();
            s.post(&format!("/api/users/{id}/password-reset"), token, json!({})).await
        }
        Op::EndUserSessions => {
            let walk_in = s.login(&w.walk_in).await.2;
            s.send_delete(&format!("/api/users/{walk_in}/sessions"), token).await
        }
    }
}

/// How many refusals of `who` the audit log holds.
async fn refusals_of(s: &TestServer, w: &World, who: Caller) -> u64 {
    let path = format!("/api/audit?actor_id={}&action=refused&page_size=1", w.account(who).id);
    let page = expect(s.get(&path, w.token(Caller::Admin)).await, StatusCode::OK, "the audit log");
    page["total"].as_u64().unwrap()
}

/// `text` with every UUID replaced by `{id}`.
fn without_ids(text: &str) -> String {
    let is_uuid = |s: &[u8]| {
        s.len() == 36 && s.iter().enumerate().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { *c == b'-' } else { c.is_ascii_hexdigit() })
    };
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if i + 36 <= bytes.len() && is_uuid(&bytes[i..i + 36]) {
            out.push_str("{id}");
            i += 36;
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// One failed expectation, for the report.
struct Failure {
    row: String,
    caller: &'static str,
    expected: String,
    actual: String,
    detail: String,
}

fn row_label(row: &Row) -> String {
    format!("{} {} ({})", row.method.to_uppercase(), row.path, row.what)
}

fn report(failures: &[Failure]) -> String {
    let widths = [
        failures.iter().map(|f| f.row.chars().count()).max().unwrap_or(0).max(9),
        failures.iter().map(|f| f.caller.len()).max().unwrap_or(0).max(6),
        failures.iter().map(|f| f.expected.len()).max().unwrap_or(0).max(8),
        failures.iter().map(|f| f.actual.len()).max().unwrap_or(0).max(6),
    ];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:w0$} | {:w1$} | {:w2$} | {:w3$} | detail",
        "operation",
        "caller",
        "expected",
        "actual",
        w0 = widths[0],
        w1 = widths[1],
        w2 = widths[2],
        w3 = widths[3]
    );
    let _ = writeln!(out, "{}", "-".repeat(widths.iter().sum::<usize>() + 20));
    for f in failures {
        let _ = writeln!(
            out,
            "{:w0$} | {:w1$} | {:w2$} | {:w3$} | {}",
            f.row,
            f.caller,
            f.expected,
            f.actual,
            f.detail,
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        );
    }
    out
}

fn detail_of(body: &Value) -> String {
    let d = body["detail"].as_str().map(str::to_string).unwrap_or_else(|| body.to_string());
    d.chars().take(120).collect()
}

/// Access tokens that must all be refused: garbage, a forged signature, an expired one, one of an
/// ended session, and one of a deactivated account.
async fn bad_tokens(s: &TestServer, w: &World) -> Vec<(&'static str, String)> {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    let (live, _, _) = s.login(&w.walk_in).await;
    let tokens = hms_server::auth::Tokens::new(JWT_SECRET, std::time::Duration::from_secs(900));
    let claims = tokens.verify(&live).expect("a live token verifies");
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"another secret, just as long as the real one"),
    )
    .unwrap();
    let now = Utc::now().timestamp();
    let old = hms_server::auth::Claims { iat: now - 3600, exp: now - 60, ..claims };
    let expired = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &old, &EncodingKey::from_secret(JWT_SECRET)).unwrap();
    let (ended, _, _) = s.login(&w.walk_in).await;
    expect(s.post("/api/auth/logout", Some(&ended), json!({})).await, StatusCode::OK, "a logout");
    let (leaver_token, leaver) = s.patient(4).await;
    let path = format!("/api/users/{leaver}");
    expect(s.patch(&path, w.token(Caller::Admin), json!({"active": false})).await, StatusCode::OK, "a deactivation");
    vec![
        ("garbage", "not.a.token".to_string()),
        ("forged signature", forged),
        ("expired", expired),
        ("ended session", ended),
        ("deactivated account", leaver_token),
    ]
}

async fn authorization_matrix(s: &TestServer) {
    // The table itself: anonymous callers are refused every operation that is not public.
    for row in ROWS {
        let public = PUBLIC.contains(&(row.method, row.path));
        assert_eq!(row.cells[0] == UN, !public, "{}: the anonymous cell", row_label(row));
    }
    let w = world(s).await;

    // Every operation served is in the matrix, and every row is an operation served.
    let doc = reqwest::get(format!("{}/openapi.json", s.base)).await.unwrap().json::<Value>().await.unwrap();
    let mut served = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch", "head", "options", "trace"] {
            if item.get(method).is_some() {
                served.push((method.to_string(), path.clone()));
            }
        }
    }
    let missing: Vec<_> = served.iter().filter(|(m, p)| !ROWS.iter().any(|r| r.method == m && r.path == p)).collect();
    assert!(missing.is_empty(), "operations without a row in the authorization matrix: {missing:?}");
    for row in ROWS {
        assert!(served.iter().any(|(m, p)| m == row.method && p == row.path), "{} is not served", row_label(row));
    }

    let mut failures = Vec::new();
    let mut cells = 0;
    for row in ROWS {
        for (&who, &want) in CALLERS.iter().zip(row.cells.iter()) {
            cells += 1;
            let fail = |actual: String, detail: String| Failure {
                row: row_label(row),
                caller: who.label(),
                expected: want.label(),
                actual,
                detail: format!("{detail} [DOMAIN: {}]", row.source),
            };
            let before = if want.is_refusal() { Some(refusals_of(s, &w, who).await) } else { None };
            let (status, body) = run(s, &w, row.op, who, w.token(who), false).await;
            if status.as_u16() != want.status() {
                failures.push(fail(status.as_u16().to_string(), detail_of(&body)));
                continue;
            }
            // Every refusal is in the audit log.
            if let Some(before) = before
                && refusals_of(s, &w, who).await <= before
            {
                failures.push(fail(status.as_u16().to_string(), "the refusal left no audit entry".into()));
            }
            // A hidden record answers exactly as a missing one, apart from the id.
            if want == HID {
                let (twin_status, twin) = run(s, &w, row.op, who, w.token(who), true).await;
                if twin_status != status || without_ids(&twin.to_string()) != without_ids(&body.to_string()) {
                    failures.push(fail(
                        status.as_u16().to_string(),
                        format!("differs from a missing id's answer: {body} vs {twin_status} {twin}"),
                    ));
                }
            }
            // What a caller is given never carries what it may not see.
            if status.is_success() {
                let text = body.to_string();
                if matches!(who, Caller::DoctorOther | Caller::PatientOther) && text.contains(w.patient_a()) {
                    failures.push(fail(status.as_u16().to_string(), "the answer mentions patient A".into()));
                }
                if who == Caller::Receptionist && text.contains("penicillin") {
                    failures.push(fail(status.as_u16().to_string(), "the answer shows the front desk a clinical detail".into()));
                }
            }
        }
    }

    // Invalid, forged, expired and revoked tokens are refused on every operation that needs one.
    for (kind, token) in bad_tokens(s, &w).await {
        for row in ROWS.iter().filter(|r| r.cells[0] == UN) {
            cells += 1;
            let (status, body) = run(s, &w, row.op, Caller::Anonymous, Some(&token), false).await;
            if status != StatusCode::UNAUTHORIZED {
                failures.push(Failure {
                    row: row_label(row),
                    caller: kind,
                    expected: "401".into(),
                    actual: status.as_u16().to_string(),
                    detail: detail_of(&body),
                });
            }
        }
    }

    assert!(failures.is_empty(), "{} of {cells} authorization cells failed:\n{}", failures.len(), report(&failures));
    eprintln!(
        "authorization matrix: {} operations × {} callers = {} cells, plus {} bad-token cells, all as expected",
        ROWS.len(),
        CALLERS.len(),
        ROWS.len() * CALLERS.len(),
        cells - ROWS.len() * CALLERS.len()
    );
}
