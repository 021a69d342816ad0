//! The wire types of the API: poem-openapi objects owned by the server, converted into and out
//! of core types at the boundary. Instants are RFC 3339 with offset, money is a decimal string
//! with a currency, ids are opaque UUIDs. Optional fields are null when unset; in a request, null
//! and an absent field mean the same.

use chrono::{DateTime, NaiveDate, Utc};
use hms_core as core;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Enum, Object};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::ApiError;

macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident <=> $core:path { $($(#[$vdoc:meta])* $variant:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
        #[oai(rename_all = "snake_case")]
        #[allow(missing_docs)] // the variants are the core's, documented there
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => <$core>::$variant),* }
            }
        }

        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                match v { $(<$core>::$variant => $name::$variant),* }
            }
        }
    };
}

mirror_enum! {
    /// A user's role.
    Role <=> core::Role { Admin, Doctor, Nurse, Receptionist, Patient }
}
mirror_enum! {
    /// Where an appointment stands.
    AppointmentStatus <=> core::AppointmentStatus { Pending, Confirmed, Completed, Cancelled, Rejected, NoShow }
}
mirror_enum! {
    /// A step of an appointment's lifecycle: `POST /api/appointments/{id}/confirm`, `/reject`,
    /// `/cancel`, `/complete` or `/no-show`.
    AppointmentStep <=> core::Transition { Confirm, Reject, Cancel, Complete, NoShow }
}
mirror_enum! {
    /// Sex as recorded for clinical purposes.
    Sex <=> core::Sex { Female, Male, Other, Unknown }
}
mirror_enum! {
    /// Clinical (doctors) or nursing (nurses).
    NoteKind <=> core::NoteKind { Clinical, Nursing }
}
mirror_enum! {
    /// What a document is.
    DocumentKind <=> core::DocumentKind { Lab, Scan, Prescription, Other }
}
mirror_enum! {
    /// How a medication is given.
    Route <=> core::Route { Oral, Iv, Im, Sc, Topical, Inhaled, Other }
}
mirror_enum! {
    /// Where an invoice stands.
    InvoiceStatus <=> core::InvoiceStatus { Pending, Paid, Cancelled }
}
mirror_enum! {
    /// How an invoice was paid.
    PaymentMethod <=> core::PaymentMethod { Cash, Card, Online, Insurance }
}
mirror_enum! {
    /// What a notification is about.
    NotificationKind <=> core::NotificationKind {
        AppointmentBooked, AppointmentConfirmed, AppointmentRejected, AppointmentCancelled, AppointmentReminder,
        PrescriptionReady, InvoiceIssued, InvoicePaid, AccountChanged,
    }
}
mirror_enum! {
    /// What an audit event records.
    AuditAction <=> core::AuditAction { Read, Create, Update, Delete, Login, FailedLogin, Export, AiRequest, Refused }
}
mirror_enum! {
    /// How an audited action ended.
    AuditOutcome <=> core::AuditOutcome { Success, Refused, Failure }
}
mirror_enum! {
    /// The kind of record an audit event concerns.
    EntityKind <=> core::EntityKind {
        User, Doctor, Patient, Availability, Appointment, Note, Document, Prescription, Analysis, Invoice, Notification, Dashboard, Audit, Session,
    }
}

/// The role of a self-registered account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RegisterRole {
    /// A doctor.
    Doctor,
    /// A patient.
    Patient,
}

impl From<RegisterRole> for core::Role {
    fn from(r: RegisterRole) -> Self {
        match r {
            RegisterRole::Doctor => core::Role::Doctor,
            RegisterRole::Patient => core::Role::Patient,
        }
    }
}

/// The role of a staff account an admin creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum StaffRole {
    /// An administrator.
    Admin,
    /// A doctor.
    Doctor,
    /// A nurse.
    Nurse,
    /// The front desk.
    Receptionist,
}

impl From<StaffRole> for core::Role {
    fn from(r: StaffRole) -> Self {
        match r {
            StaffRole::Admin => core::Role::Admin,
            StaffRole::Doctor => core::Role::Doctor,
            StaffRole::Nurse => core::Role::Nurse,
            StaffRole::Receptionist => core::Role::Receptionist,
        }
    }
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl From<Weekday> for chrono::Weekday {
    fn from(w: Weekday) -> Self {
        match w {
            Weekday::Monday => chrono::Weekday::Mon,
            Weekday::Tuesday => chrono::Weekday::Tue,
            Weekday::Wednesday => chrono::Weekday::Wed,
            Weekday::Thursday => chrono::Weekday::Thu,
            Weekday::Friday => chrono::Weekday::Fri,
            Weekday::Saturday => chrono::Weekday::Sat,
            Weekday::Sunday => chrono::Weekday::Sun,
        }
    }
}

impl From<chrono::Weekday> for Weekday {
    fn from(w: chrono::Weekday) -> Self {
        match w {
            chrono::Weekday::Mon => Weekday::Monday,
            chrono::Weekday::Tue => Weekday::Tuesday,
            chrono::Weekday::Wed => Weekday::Wednesday,
            chrono::Weekday::Thu => Weekday::Thursday,
            chrono::Weekday::Fri => Weekday::Friday,
            chrono::Weekday::Sat => Weekday::Saturday,
            chrono::Weekday::Sun => Weekday::Sunday,
        }
    }
}

/// Parses a decimal string for `field`.
pub fn decimal(field: &str, s: &str) -> Result<Decimal, ApiError> {
    Decimal::from_str_exact(s.trim()).map_err(|_| ApiError::invalid(field, "must be a decimal number such as 120.50"))
}

/// Money: an exact decimal amount as a string, with its ISO 4217 currency.
#[derive(Debug, Clone, Object)]
pub struct Money {
    /// The amount, with the currency's minor-unit digits, e.g. `"120.50"`.
    pub amount: String,
    /// The currency, e.g. `USD`.
    pub currency: String,
}

impl From<core::Money> for Money {
    fn from(m: core::Money) -> Self {
        Self { amount: m.amount.to_string(), currency: m.currency.code().to_string() }
    }
}

/// One page of a list.
#[derive(Debug, Clone, Object)]
pub struct Page<T: poem_openapi::types::ParseFromJSON + poem_openapi::types::ToJSON> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The page number, from 1.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
    /// Items in the whole list.
    pub total: u64,
}

impl<T: poem_openapi::types::ParseFromJSON + poem_openapi::types::ToJSON> Page<T> {
    /// A wire page from a core page.
    pub fn from_core<U>(p: core::Page<U>, f: impl FnMut(U) -> T) -> Self {
        Self { items: p.items.into_iter().map(f).collect(), page: p.page, page_size: p.per_page, total: p.total }
    }
}

/// Builds a page request from the `page` and `page_size` query parameters.
pub fn page(page: Option<u32>, page_size: Option<u32>) -> Result<core::PageRequest, ApiError> {
    core::PageRequest::new(page.unwrap_or(1), page_size.unwrap_or(20)).map_err(|e| {
        let e = match e {
            core::Error::Invalid(mut f) => {
                for x in &mut f {
                    if x.field == "per_page" {
                        x.field = "page_size".into();
                    }
                }
                core::Error::Invalid(f)
            }
            other => other,
        };
        e.into()
    })
}

// ---------- accounts ----------

/// Doctor details given at registration.
#[derive(Debug, Clone, Object)]
pub struct DoctorDetails {
    /// Specialization, e.g. `Cardiology`.
    pub specialization: String,
    /// License number.
    pub license_number: String,
    /// Years of experience.
    #[oai(default, validator(minimum(value = "0"), maximum(value = "80")))]
    pub years_of_experience: u16,
    /// Consultation fee as a decimal string.
    pub consultation_fee: String,
    /// Its currency (default: the hospital's).
    #[oai(nullable)]
    pub currency: Option<String>,
    /// A short biography.
    #[oai(default)]
    pub bio: String,
}

/// Patient details given at registration.
#[derive(Debug, Clone, Object, Default)]
pub struct PatientDetails {
    /// Date of birth.
    #[oai(nullable)]
    pub date_of_birth: Option<NaiveDate>,
    /// Sex.
    #[oai(nullable)]
    pub sex: Option<Sex>,
    /// Blood group: A+, A-, B+, B-, AB+, AB-, O+, O- or unknown.
    #[oai(nullable)]
    pub blood_group: Option<String>,
    /// Postal address.
    #[oai(default)]
    pub address: String,
    /// Emergency contact.
    #[oai(default)]
    pub emergency_contact: String,
    /// Allergies.
    #[oai(default)]
    pub allergies: Vec<String>,
    /// Known conditions.
    #[oai(default)]
    pub conditions: Vec<String>,
    /// Medical history.
    #[oai(default)]
    pub medical_history: String,
}

/// A new account.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct RegisterRequest {
    /// E-mail address: the login name.
    pub email: String,
    /// Password: 10 to 128 characters, not a common one.
    pub password: String,
    /// Full name.
    pub full_name: String,
    /// Phone.
    #[oai(nullable)]
    pub phone: Option<String>,
    /// Doctor or patient; other accounts are created by an admin.
    pub role: RegisterRole,
    /// Required for doctors.
    #[oai(nullable)]
    pub doctor: Option<DoctorDetails>,
    /// For patients.
    #[oai(nullable)]
    pub patient: Option<PatientDetails>,
}

impl RegisterRequest {
    /// The core registration, with decimals parsed.
    pub fn into_core(self) -> Result<core::Registration, ApiError> {
        let doctor = match self.doctor {
            Some(d) => Some(core::DoctorDetails {
                specialization: d.specialization,
                license_number: d.license_number,
                years_of_experience: d.years_of_experience,
                consultation_fee: decimal("doctor.consultation_fee", &d.consultation_fee)?,
                currency: d.currency,
                bio: d.bio,
            }),
            None => None,
        };
        Ok(core::Registration {
            email: self.email,
            password: self.password,
            full_name: self.full_name,
            phone: self.phone,
            role: Some(self.role.into()),
            doctor,
            patient: self.patient.map(PatientDetails::into_core),
        })
    }
}

impl PatientDetails {
    /// The core patient details.
    pub fn into_core(self) -> core::PatientDetails {
        core::PatientDetails {
            date_of_birth: self.date_of_birth,
            sex: self.sex.map(Into::into),
            blood_group: self.blood_group,
            address: self.address,
            emergency_contact: self.emergency_contact,
            allergies: self.allergies,
            conditions: self.conditions,
            medical_history: self.medical_history,
        }
    }
}

/// A patient registered at the front desk.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct NewPatientRequest {
    /// E-mail address.
    pub email: String,
    /// An initial password for the patient's account.
    pub password: String,
    /// Full name.
    pub full_name: String,
    /// Phone.
    #[oai(nullable)]
    pub phone: Option<String>,
    /// Patient details.
    #[oai(nullable)]
    pub patient: Option<PatientDetails>,
}

/// Sign-in.
#[derive(Debug, Clone, Object)]
pub struct LoginRequest {
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
    /// For browsers: set the refresh token as an HttpOnly `hms_refresh` cookie for the refresh and
    /// logout endpoints instead of answering it.
    pub refresh_cookie: Option<bool>,
}

/// A refresh token to trade, or to end a session with.
#[derive(Debug, Clone, Object)]
pub struct RefreshRequest {
    /// The refresh token; absent to trade the `hms_refresh` cookie.
    pub refresh_token: Option<String>,
}

/// Tokens for a session.
#[derive(Debug, Clone, Object)]
pub struct TokenPair {
    /// A short-lived bearer token for the `Authorization` header.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// A single-use token to get the next pair; spent on use. Absent when it was set as the
    /// `hms_refresh` cookie.
    #[oai(skip_serializing_if_is_none)]
    pub refresh_token: Option<String>,
    /// When the refresh token expires.
    pub refresh_expires_at: DateTime<Utc>,
    /// The signed-in user.
    pub user: User,
    /// True when the account's role requires a second factor it has not enrolled: this session
    /// may only enrol one (`/api/auth/second-factor`), list or end its sessions and sign out.
    pub second_factor_enrolment_required: bool,
}

/// The password was right; the account's second factor is asked next.
#[derive(Debug, Clone, Object)]
pub struct SecondFactorChallenge {
    /// Always true.
    pub second_factor_required: bool,
    /// Send it back with the code to `POST /api/auth/login/second-factor`.
    pub challenge: String,
    /// When the code must have been sent by.
    pub expires_at: DateTime<Utc>,
}

/// The second step of a sign-in.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct SecondFactorLogin {
    /// The challenge answered by the password step.
    pub challenge: String,
    /// The authenticator's current six-digit code, or one of the recovery codes.
    pub code: String,
    /// As at the password step: the refresh token as an HttpOnly cookie.
    pub refresh_cookie: Option<bool>,
}

/// A code of the second factor.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct CodeRequest {
    /// The authenticator's current six-digit code (or, to turn it off, a recovery code).
    pub code: String,
}

/// "Forgot password".
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The account's e-mail address.
    pub email: String,
}

/// A new password, with the token from the reset e-mail.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    /// The token from the e-mail.
    pub token: String,
    /// The new password: 10 to 128 characters, not a common one.
    pub new_password: String,
}

/// A password change.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current password.
    pub current_password: String,
    /// The new password: 10 to 128 characters, not a common one.
    pub new_password: String,
}

/// What a request that answers alike in every case says.
#[derive(Debug, Clone, Object)]
pub struct Accepted {
    /// What happens next.
    pub detail: String,
}

/// A new second factor, shown once.
#[derive(Debug, Clone, Object)]
pub struct Enrolment {
    /// `otpauth://totp/...`: draw it as a QR code for an authenticator app.
    pub otpauth_uri: String,
    /// The key in base32, to type in by hand.
    pub secret_base32: String,
}

/// The recovery codes of a confirmed second factor, shown once.
#[derive(Debug, Clone, Object)]
pub struct RecoveryCodes {
    /// Ten one-time codes, each usable instead of the authenticator's code.
    pub recovery_codes: Vec<String>,
}

/// One's second factor.
#[derive(Debug, Clone, Object)]
pub struct SecondFactorStatus {
    /// Whether sign-in asks for a code.
    pub enabled: bool,
    /// Whether an enrolment waits for its first code.
    pub pending: bool,
    /// Unused recovery codes left.
    pub recovery_codes_left: u32,
    /// Whether the account's role requires a second factor.
    pub required: bool,
}

impl From<hms_core::SecondFactorStatus> for SecondFactorStatus {
    fn from(s: hms_core::SecondFactorStatus) -> Self {
        SecondFactorStatus { enabled: s.enabled, pending: s.pending, recovery_codes_left: s.recovery_codes_left, required: s.required }
    }
}

/// One of one's sign-in sessions.
#[derive(Debug, Clone, Object)]
pub struct SessionInfo {
    /// Id (end it with `DELETE /api/auth/sessions/{id}`).
    pub id: Uuid,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it was last refreshed (or opened).
    pub last_used_at: DateTime<Utc>,
    /// When it ends at the latest.
    pub expires_at: DateTime<Utc>,
    /// The client's address, as recorded at sign-in.
    #[oai(nullable)]
    pub client_address: Option<String>,
    /// The client's user agent, as recorded at sign-in.
    #[oai(nullable)]
    pub user_agent: Option<String>,
    /// Whether it may only enrol a second factor.
    pub enrolment_only: bool,
    /// Whether it is the session of this request.
    pub current: bool,
}

impl From<hms_core::SessionInfo> for SessionInfo {
    fn from(s: hms_core::SessionInfo) -> Self {
        SessionInfo {
            id: s.id.as_uuid(),
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            expires_at: s.expires_at,
            client_address: s.client_address,
            user_agent: s.user_agent,
            enrolment_only: s.enrolment_only,
            current: s.current,
        }
    }
}

/// A user account.
#[derive(Debug, Clone, Object)]
pub struct User {
    /// Id.
    pub id: Uuid,
    /// E-mail address.
    pub email: String,
    /// Full name.
    pub full_name: String,
    /// Phone.
    #[oai(nullable)]
    pub phone: Option<String>,
    /// Role.
    pub role: Role,
    /// Whether the account is active.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Version, from 1; grows with every change. The `ETag` of the record's answers names it, for `If-Match`.
    pub version: u32,
}

impl From<core::User> for User {
    fn from(u: core::User) -> Self {
        Self {
            id: u.id.as_uuid(),
            email: u.email.to_string(),
            full_name: u.full_name.to_string(),
            phone: u.phone.map(|p| p.to_string()),
            role: u.role.into(),
            active: u.active,
            created_at: u.created_at,
            updated_at: u.updated_at,
            version: u.version,
        }
    }
}

/// Changes to one's own account. There is no role here: nobody changes their own role.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ProfileUpdate {
    /// New full name.
    #[oai(nullable)]
    pub full_name: Option<String>,
    /// New phone (empty removes it).
    #[oai(nullable)]
    pub phone: Option<String>,
}

/// A staff account created by an admin.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct StaffRequest {
    /// E-mail address.
    pub email: String,
    /// Initial password.
    pub password: String,
    /// Full name.
    pub full_name: String,
    /// Phone.
    #[oai(nullable)]
    pub phone: Option<String>,
    /// Admin, doctor, nurse or receptionist; patients are registered at the front desk.
    pub role: StaffRole,
    /// Required for doctors.
    #[oai(nullable)]
    pub doctor: Option<DoctorDetails>,
}

/// Activating or deactivating an account.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct UserPatch {
    /// Whether the account may sign in and act.
    pub active: bool,
}

// ---------- doctors ----------

/// A doctor's public profile.
#[derive(Debug, Clone, Object)]
pub struct Doctor {
    /// Id.
    pub id: Uuid,
    /// Full name.
    pub full_name: String,
    /// E-mail address.
    pub email: String,
    /// Whether the account is active.
    pub active: bool,
    /// Specialization.
    pub specialization: String,
    /// License number.
    pub license_number: String,
    /// Years of experience.
    pub years_of_experience: u16,
    /// Consultation fee.
    pub consultation_fee: Money,
    /// Biography.
    pub bio: String,
    /// Whether the doctor takes new bookings.
    pub accepting_appointments: bool,
    /// Version, from 1; grows with every change. The `ETag` of the record's answers names it, for `If-Match`.
    pub version: u32,
}

impl From<core::Doctor> for Doctor {
    fn from(d: core::Doctor) -> Self {
        Self {
            id: d.id.as_uuid(),
            full_name: d.full_name.to_string(),
            email: d.email.to_string(),
            active: d.active,
            specialization: d.specialization,
            license_number: d.license_number.to_string(),
            years_of_experience: d.years_of_experience,
            consultation_fee: d.consultation_fee.into(),
            bio: d.bio,
            accepting_appointments: d.accepting_appointments,
            version: d.version,
        }
    }
}

/// Changes to a doctor profile.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct DoctorPatch {
    /// Specialization.
    #[oai(nullable)]
    pub specialization: Option<String>,
    /// Years of experience.
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "80")))]
    pub years_of_experience: Option<u16>,
    /// Consultation fee as a decimal string.
    #[oai(nullable)]
    pub consultation_fee: Option<String>,
    /// Biography.
    #[oai(nullable)]
    pub bio: Option<String>,
    /// Whether the doctor takes new bookings.
    #[oai(nullable)]
    pub accepting_appointments: Option<bool>,
}

/// One weekly availability rule, in the hospital's time zone.
#[derive(Debug, Clone, Object)]
pub struct Rule {
    /// Day of the week.
    pub weekday: Weekday,
    /// Local start time, `HH:MM`.
    pub start: String,
    /// Local end time, `HH:MM`.
    pub end: String,
    /// Slot length in minutes.
    #[oai(validator(minimum(value = "5"), maximum(value = "480")))]
    pub slot_minutes: u16,
    /// First date the rule applies.
    #[oai(nullable)]
    pub valid_from: Option<NaiveDate>,
    /// Last date the rule applies.
    #[oai(nullable)]
    pub valid_until: Option<NaiveDate>,
}

fn time(field: &str, s: &str) -> Result<chrono::NaiveTime, ApiError> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .or_else(|_| chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M:%S"))
        .map_err(|_| ApiError::invalid(field, "must be a time such as 09:30"))
}

impl Rule {
    /// The core rule; `i` names it in errors.
    pub fn into_core(self, i: usize) -> Result<core::AvailabilityRule, ApiError> {
        Ok(core::AvailabilityRule {
            weekday: self.weekday.into(),
            start: time(&format!("rules[{i}].start"), &self.start)?,
            end: time(&format!("rules[{i}].end"), &self.end)?,
            slot_minutes: self.slot_minutes,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
        })
    }
}

impl From<core::AvailabilityRule> for Rule {
    fn from(r: core::AvailabilityRule) -> Self {
        Self {
            weekday: r.weekday.into(),
            start: r.start.format("%H:%M").to_string(),
            end: r.end.format("%H:%M").to_string(),
            slot_minutes: r.slot_minutes,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
        }
    }
}

/// Time off.
#[derive(Debug, Clone, Object)]
pub struct Exception {
    /// Id.
    pub id: Uuid,
    /// Start (inclusive).
    pub starts_at: DateTime<Utc>,
    /// End (exclusive).
    pub ends_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

impl From<core::AvailabilityException> for Exception {
    fn from(e: core::AvailabilityException) -> Self {
        Self { id: e.id.as_uuid(), starts_at: e.starts_at, ends_at: e.ends_at, reason: e.reason }
    }
}

/// New time off.
#[derive(Debug, Clone, Object)]
pub struct ExceptionRequest {
    /// Start (inclusive).
    pub starts_at: DateTime<Utc>,
    /// End (exclusive).
    pub ends_at: DateTime<Utc>,
    /// Why.
    #[oai(default)]
    pub reason: String,
}

/// A doctor's weekly rules and exceptions.
#[derive(Debug, Clone, Object)]
pub struct Availability {
    /// The hospital's time zone the rules are read in.
    pub time_zone: String,
    /// Weekly rules.
    pub rules: Vec<Rule>,
    /// Current and future exceptions.
    pub exceptions: Vec<Exception>,
}

/// The weekly rules, replacing the current ones.
#[derive(Debug, Clone, Object)]
pub struct AvailabilityRequest {
    /// Weekly rules.
    pub rules: Vec<Rule>,
}

/// A free slot, half-open.
#[derive(Debug, Clone, Object)]
pub struct Slot {
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
}

// ---------- patients ----------

/// A patient's clinical summary.
#[derive(Debug, Clone, Object)]
pub struct Clinical {
    /// Blood group.
    pub blood_group: String,
    /// Allergies.
    pub allergies: Vec<String>,
    /// Known conditions.
    pub conditions: Vec<String>,
    /// Medical history.
    pub medical_history: String,
    /// The day the patient was last recorded as pregnant; null when not recorded as pregnant.
    /// The prescription checks take a record of up to 43 weeks as current.
    #[oai(nullable)]
    pub pregnancy_noted_on: Option<NaiveDate>,
    /// The latest eGFR, read by the kidney-function checks of prescriptions.
    #[oai(nullable)]
    pub egfr: Option<Egfr>,
}

/// An estimated glomerular filtration rate.
#[derive(Debug, Clone, Copy, Object)]
#[oai(deny_unknown_fields)]
pub struct Egfr {
    /// mL/min/1.73 m², 1 to 250.
    #[oai(validator(minimum(value = "1"), maximum(value = "250")))]
    pub value: u16,
    /// The day it was measured (not in the future).
    pub measured_on: NaiveDate,
}

impl From<core::Egfr> for Egfr {
    fn from(e: core::Egfr) -> Self {
        Egfr { value: e.value, measured_on: e.measured_on }
    }
}

impl From<Egfr> for core::Egfr {
    fn from(e: Egfr) -> Self {
        core::Egfr { value: e.value, measured_on: e.measured_on }
    }
}

/// Unchanged when left out, removed when null, set otherwise.
fn change<T, U: From<T>>(v: MaybeUndefined<T>) -> Option<Option<U>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(x) => Some(Some(x.into())),
    }
}

/// A patient record; `clinical` is null for readers who may see demographics only.
#[derive(Debug, Clone, Object)]
pub struct Patient {
    /// Id.
    pub id: Uuid,
    /// Full name.
    pub full_name: String,
    /// E-mail address.
    pub email: String,
    /// Phone.
    #[oai(nullable)]
    pub phone: Option<String>,
    /// Whether the account is active.
    pub active: bool,
    /// Date of birth.
    #[oai(nullable)]
    pub date_of_birth: Option<NaiveDate>,
    /// Sex.
    pub sex: Sex,
    /// Address.
    pub address: String,
    /// Emergency contact.
    pub emergency_contact: String,
    /// Clinical details.
    #[oai(nullable)]
    pub clinical: Option<Clinical>,
    /// Version, from 1; grows with every change. The `ETag` of the record's answers names it, for `If-Match`.
    pub version: u32,
}

impl From<core::Patient> for Patient {
    fn from(p: core::Patient) -> Self {
        Self {
            id: p.id.as_uuid(),
            full_name: p.full_name.to_string(),
            email: p.email.to_string(),
            phone: p.phone.map(|x| x.to_string()),
            active: p.active,
            date_of_birth: p.date_of_birth,
            sex: p.sex.into(),
            address: p.address,
            emergency_contact: p.emergency_contact,
            clinical: p.clinical.map(|c| Clinical {
                blood_group: c.blood_group.to_string(),
                allergies: c.allergies,
                conditions: c.conditions,
                medical_history: c.medical_history,
                pregnancy_noted_on: c.pregnancy_noted_on,
                egfr: c.egfr.map(Into::into),
            }),
            version: p.version,
        }
    }
}

/// Changes to a patient record.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PatientPatch {
    /// Full name.
    #[oai(nullable)]
    pub full_name: Option<String>,
    /// Phone (empty removes it).
    #[oai(nullable)]
    pub phone: Option<String>,
    /// Date of birth.
    #[oai(nullable)]
    pub date_of_birth: Option<NaiveDate>,
    /// Sex.
    #[oai(nullable)]
    pub sex: Option<Sex>,
    /// Address.
    #[oai(nullable)]
    pub address: Option<String>,
    /// Emergency contact.
    #[oai(nullable)]
    pub emergency_contact: Option<String>,
    /// Blood group (clinical).
    #[oai(nullable)]
    pub blood_group: Option<String>,
    /// Allergies (clinical).
    #[oai(nullable)]
    pub allergies: Option<Vec<String>>,
    /// Known conditions (clinical).
    #[oai(nullable)]
    pub conditions: Option<Vec<String>>,
    /// Medical history (clinical).
    #[oai(nullable)]
    pub medical_history: Option<String>,
    /// The day the patient was recorded as pregnant (clinical); null records that she is not.
    #[oai(nullable)]
    pub pregnancy_noted_on: MaybeUndefined<NaiveDate>,
    /// The latest eGFR (clinical); null removes it.
    #[oai(nullable)]
    pub egfr: MaybeUndefined<Egfr>,
}

impl From<PatientPatch> for core::PatientUpdate {
    fn from(p: PatientPatch) -> Self {
        core::PatientUpdate {
            full_name: p.full_name,
            phone: p.phone.map(|x| Some(x).filter(|s| !s.trim().is_empty())),
            date_of_birth: p.date_of_birth.map(Some),
            sex: p.sex.map(Into::into),
            address: p.address,
            emergency_contact: p.emergency_contact,
            blood_group: p.blood_group,
            allergies: p.allergies,
            conditions: p.conditions,
            medical_history: p.medical_history,
            pregnancy_noted_on: change(p.pregnancy_noted_on),
            egfr: change(p.egfr),
        }
    }
}

// ---------- appointments ----------

/// A booking: the start of one of the doctor's free slots.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct BookRequest {
    /// The doctor.
    pub doctor_id: Uuid,
    /// The patient (patients booking for themselves leave it out).
    #[oai(nullable)]
    pub patient_id: Option<Uuid>,
    /// The start of a free slot.
    pub starts_at: DateTime<Utc>,
    /// Why the patient comes.
    #[oai(default)]
    pub reason: String,
    /// Notes.
    #[oai(default)]
    pub notes: String,
}

/// An appointment.
#[derive(Debug, Clone, Object)]
pub struct Appointment {
    /// Id.
    pub id: Uuid,
    /// Doctor.
    pub doctor_id: Uuid,
    /// Patient.
    pub patient_id: Uuid,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Status.
    pub status: AppointmentStatus,
    /// Why the patient comes.
    pub reason: String,
    /// Notes.
    pub notes: String,
    /// Who booked it.
    pub booked_by: Uuid,
    /// Why it was cancelled or rejected.
    #[oai(nullable)]
    pub cancellation_reason: Option<String>,
    /// Booked.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Version, from 1; grows with every change. The `ETag` of the record's answers names it, for `If-Match`.
    pub version: u32,
    /// The lifecycle steps that exist from this status: `confirm` and `reject` from pending,
    /// `cancel` from pending or confirmed, `complete` and `no_show` from confirmed. Whether the
    /// caller may take one, and whether it is time (a visit is completed once it has started and
    /// cancelled before it ends), is decided when the step is asked for.
    pub next_steps: Vec<AppointmentStep>,
    /// Whether an invoice may be issued for it (confirmed, completed or no-show).
    pub billable: bool,
}

impl From<core::Appointment> for Appointment {
    fn from(a: core::Appointment) -> Self {
        Self {
            id: a.id.as_uuid(),
            doctor_id: a.doctor_id.as_uuid(),
            patient_id: a.patient_id.as_uuid(),
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            status: a.status.into(),
            reason: a.reason,
            notes: a.notes,
            booked_by: a.booked_by.as_uuid(),
            cancellation_reason: a.cancellation_reason,
            created_at: a.created_at,
            updated_at: a.updated_at,
            version: a.version,
            next_steps: core::Transition::ALL.iter().filter(|t| t.target(a.status).is_some()).map(|&t| t.into()).collect(),
            billable: a.status.is_billable(),
        }
    }
}

/// An optional reason for a cancellation or rejection.
#[derive(Debug, Clone, Object, Default)]
pub struct ReasonRequest {
    /// Why.
    #[oai(nullable)]
    pub reason: Option<String>,
}

// ---------- clinical records ----------

/// A new visit note.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct NoteRequest {
    /// Clinical or nursing.
    pub kind: NoteKind,
    /// The appointment it belongs to.
    #[oai(nullable)]
    pub appointment_id: Option<Uuid>,
    /// The text.
    pub text: String,
    /// The note this one corrects.
    #[oai(nullable)]
    pub corrects: Option<Uuid>,
}

/// A visit note (append-only).
#[derive(Debug, Clone, Object)]
pub struct Note {
    /// Id.
    pub id: Uuid,
    /// Patient.
    pub patient_id: Uuid,
    /// Appointment.
    #[oai(nullable)]
    pub appointment_id: Option<Uuid>,
    /// Author.
    pub author_id: Uuid,
    /// Kind.
    pub kind: NoteKind,
    /// Text.
    pub text: String,
    /// The note this one corrects.
    #[oai(nullable)]
    pub corrects: Option<Uuid>,
    /// Written.
    pub created_at: DateTime<Utc>,
}

impl From<core::VisitNote> for Note {
    fn from(n: core::VisitNote) -> Self {
        Self {
            id: n.id.as_uuid(),
            patient_id: n.patient_id.as_uuid(),
            appointment_id: n.appointment_id.map(|a| a.as_uuid()),
            author_id: n.author_id.as_uuid(),
            kind: n.kind.into(),
            text: n.text,
            corrects: n.corrects.map(|c| c.as_uuid()),
            created_at: n.created_at,
        }
    }
}

/// A document's metadata.
#[derive(Debug, Clone, Object)]
pub struct Document {
    /// Id.
    pub id: Uuid,
    /// Patient.
    pub patient_id: Uuid,
    /// Appointment.
    #[oai(nullable)]
    pub appointment_id: Option<Uuid>,
    /// Kind.
    pub kind: DocumentKind,
    /// File name.
    pub file_name: String,
    /// Content type.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// Description.
    pub description: String,
    /// Uploader.
    pub uploaded_by: Uuid,
    /// Uploaded.
    pub created_at: DateTime<Utc>,
}

impl From<core::Document> for Document {
    fn from(d: core::Document) -> Self {
        Self {
            id: d.id.as_uuid(),
            patient_id: d.patient_id.as_uuid(),
            appointment_id: d.appointment_id.map(|a| a.as_uuid()),
            kind: d.kind.into(),
            file_name: d.file_name,
            content_type: d.content_type,
            size_bytes: d.size_bytes,
            sha256: d.sha256,
            description: d.description,
            uploaded_by: d.uploaded_by.as_uuid(),
            created_at: d.created_at,
        }
    }
}

// ---------- prescriptions ----------

/// One medication.
#[derive(Debug, Clone, Object)]
pub struct Medication {
    /// Drug name.
    pub name: String,
    /// Strength or dose, e.g. `500 mg`.
    pub strength: String,
    /// Route.
    pub route: Route,
    /// Frequency, e.g. `twice daily`.
    pub frequency: String,
    /// Duration in days.
    #[oai(validator(minimum(value = "1"), maximum(value = "365")))]
    pub duration_days: u16,
    /// Instructions.
    #[oai(default)]
    pub instructions: String,
}

impl From<Medication> for core::MedicationInput {
    fn from(m: Medication) -> Self {
        core::MedicationInput {
            name: m.name,
            strength: m.strength,
            route: m.route.into(),
            frequency: m.frequency,
            duration_days: m.duration_days,
            instructions: m.instructions,
        }
    }
}

impl From<core::Medication> for Medication {
    fn from(m: core::Medication) -> Self {
        Self {
            name: m.name,
            strength: m.strength,
            route: m.route.into(),
            frequency: m.frequency,
            duration_days: m.duration_days,
            instructions: m.instructions,
        }
    }
}

/// A new prescription for an appointment.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PrescriptionRequest {
    /// The appointment (confirmed or completed, the caller's own).
    pub appointment_id: Uuid,
    /// Diagnosis.
    pub diagnosis: String,
    /// Medications (at least one).
    pub medications: Vec<Medication>,
    /// General instructions.
    #[oai(default)]
    pub instructions: String,
    /// Follow-up date.
    #[oai(nullable)]
    pub follow_up: Option<NaiveDate>,
}

/// A prescription's new content.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PrescriptionEdit {
    /// Diagnosis.
    pub diagnosis: String,
    /// Medications (at least one).
    pub medications: Vec<Medication>,
    /// General instructions.
    #[oai(default)]
    pub instructions: String,
    /// Follow-up date.
    #[oai(nullable)]
    pub follow_up: Option<NaiveDate>,
}

impl From<PrescriptionEdit> for core::PrescriptionInput {
    fn from(p: PrescriptionEdit) -> Self {
        core::PrescriptionInput {
            diagnosis: p.diagnosis,
            medications: p.medications.into_iter().map(Into::into).collect(),
            instructions: p.instructions,
            follow_up: p.follow_up,
        }
    }
}

/// A prescription.
#[derive(Debug, Clone, Object)]
pub struct Prescription {
    /// Id.
    pub id: Uuid,
    /// Appointment.
    pub appointment_id: Uuid,
    /// Doctor.
    pub doctor_id: Uuid,
    /// Patient.
    pub patient_id: Uuid,
    /// Diagnosis.
    pub diagnosis: String,
    /// Medications.
    pub medications: Vec<Medication>,
    /// General instructions.
    pub instructions: String,
    /// Follow-up date.
    #[oai(nullable)]
    pub follow_up: Option<NaiveDate>,
    /// Revision, from 1; grows with every edit.
    pub revision: u32,
    /// Written.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<core::Prescription> for Prescription {
    fn from(p: core::Prescription) -> Self {
        Self {
            id: p.id.as_uuid(),
            appointment_id: p.appointment_id.as_uuid(),
            doctor_id: p.doctor_id.as_uuid(),
            patient_id: p.patient_id.as_uuid(),
            diagnosis: p.diagnosis,
            medications: p.medications.into_iter().map(Into::into).collect(),
            instructions: p.instructions,
            follow_up: p.follow_up,
            revision: p.revision,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

mirror_enum! {
    /// How serious a finding is.
    Severity <=> core::Severity { Info, Low, Moderate, High, Critical }
}
mirror_enum! {
    /// What a finding is about.
    FindingCategory <=> core::FindingCategory { DuplicateTherapy, Allergy, Interaction, Dose, Contraindication, MissingInformation, Other }
}
mirror_enum! {
    /// How an analysis ended.
    AnalysisOutcome <=> core::AnalysisOutcome { Complete, ChecksOnly, AiUnavailable }
}

/// One finding of an analysis.
#[derive(Debug, Clone, Object)]
pub struct Finding {
    /// What it is about.
    pub category: FindingCategory,
    /// How serious.
    pub severity: Severity,
    /// The medications involved.
    pub medications: Vec<String>,
    /// Why it matters.
    pub rationale: String,
    /// What to do.
    pub suggested_action: String,
    /// The rule's source (deterministic findings).
    #[oai(nullable)]
    pub source: Option<String>,
    /// The rule that produced it, e.g. `interaction:atazanavir-ppis` (deterministic findings).
    #[oai(nullable)]
    pub rule: Option<String>,
    /// What each medication was resolved to: its generic ingredients joined with ` + `, empty when
    /// unknown (deterministic findings).
    pub resolved: Vec<String>,
}

impl From<core::Finding> for Finding {
    fn from(f: core::Finding) -> Self {
        Self {
            category: f.category.into(),
            severity: f.severity.into(),
            medications: f.medications,
            rationale: f.rationale,
            suggested_action: f.suggested_action,
            source: f.source,
            rule: f.rule,
            resolved: f.resolved,
        }
    }
}

/// The AI's review.
#[derive(Debug, Clone, Object)]
pub struct Review {
    /// A summary for the clinician.
    pub summary: String,
    /// Findings beyond the deterministic ones.
    pub findings: Vec<Finding>,
    /// A plain-language draft of instructions for the patient.
    pub patient_instructions: String,
    /// Information that was missing.
    pub missing_information: Vec<String>,
}

/// An analysis of a prescription: deterministic checks, the AI's review when there is one, and
/// the statement that it supports and does not replace clinical judgement.
#[derive(Debug, Clone, Object)]
pub struct Analysis {
    /// Id.
    pub id: Uuid,
    /// The prescription.
    pub prescription_id: Uuid,
    /// The prescription's revision analysed.
    pub prescription_revision: u32,
    /// Who asked.
    pub requested_by: Uuid,
    /// When.
    pub created_at: DateTime<Utc>,
    /// How it ended.
    pub outcome: AnalysisOutcome,
    /// The deterministic findings (always present).
    pub checks: Vec<Finding>,
    /// The AI's review.
    #[oai(nullable)]
    pub review: Option<Review>,
    /// Why there is no AI review.
    #[oai(nullable)]
    pub review_unavailable_reason: Option<String>,
    /// The model asked.
    #[oai(nullable)]
    pub model: Option<String>,
    /// SHA-256 of the de-identified payload sent.
    #[oai(nullable)]
    pub payload_sha256: Option<String>,
    /// Time taken in milliseconds.
    pub latency_ms: u32,
    /// The fixed statement that this supports and does not replace clinical judgement.
    pub disclaimer: String,
}

impl From<core::PrescriptionAnalysis> for Analysis {
    fn from(a: core::PrescriptionAnalysis) -> Self {
        Self {
            id: a.id.as_uuid(),
            prescription_id: a.prescription_id.as_uuid(),
            prescription_revision: a.prescription_revision,
            requested_by: a.requested_by.as_uuid(),
            created_at: a.created_at,
            outcome: a.outcome.into(),
            checks: a.checks.into_iter().map(Into::into).collect(),
            review: a.review.map(|r| Review {
                summary: r.summary,
                findings: r.findings.into_iter().map(Into::into).collect(),
                patient_instructions: r.patient_instructions,
                missing_information: r.missing_information,
            }),
            review_unavailable_reason: a.review_unavailable_reason,
            model: a.model,
            payload_sha256: a.payload_sha256,
            latency_ms: a.latency_ms,
            disclaimer: a.disclaimer,
        }
    }
}

// ---------- billing ----------

/// One invoice line.
#[derive(Debug, Clone, Object)]
pub struct Line {
    /// What is charged.
    pub description: String,
    /// How many.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
    pub quantity: u32,
    /// Price of one, as a decimal string.
    pub unit_price: String,
}

/// A new invoice for an appointment.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct InvoiceRequest {
    /// The appointment (confirmed, completed or no-show).
    pub appointment_id: Uuid,
    /// Lines; by default one line for the doctor's consultation fee.
    #[oai(nullable)]
    pub lines: Option<Vec<Line>>,
    /// Tax rate in percent, as a decimal string (default 0).
    #[oai(nullable)]
    pub tax_rate: Option<String>,
    /// Discount amount, as a decimal string (default 0).
    #[oai(nullable)]
    pub discount: Option<String>,
    /// Currency (default: the doctor's fee's).
    #[oai(nullable)]
    pub currency: Option<String>,
}

impl InvoiceRequest {
    /// The core input, with decimals parsed.
    pub fn into_core(self) -> Result<core::InvoiceInput, ApiError> {
        let lines = match self.lines {
            Some(lines) => Some(
                lines
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| {
                        Ok(core::LineInput {
                            description: l.description,
                            quantity: l.quantity,
                            unit_price: decimal(&format!("lines[{i}].unit_price"), &l.unit_price)?,
                        })
                    })
                    .collect::<Result<Vec<_>, ApiError>>()?,
            ),
            None => None,
        };
        Ok(core::InvoiceInput {
            appointment_id: self.appointment_id.into(),
            lines,
            tax_rate: decimal("tax_rate", self.tax_rate.as_deref().unwrap_or("0"))?,
            discount: decimal("discount", self.discount.as_deref().unwrap_or("0"))?,
            currency: self.currency,
        })
    }
}

/// An invoice; amounts are decimal strings in `currency`.
#[derive(Debug, Clone, Object)]
pub struct Invoice {
    /// Id.
    pub id: Uuid,
    /// Readable number, e.g. `INV-2026-000123`.
    pub number: String,
    /// Appointment.
    pub appointment_id: Uuid,
    /// Patient.
    pub patient_id: Uuid,
    /// Lines.
    pub lines: Vec<Line>,
    /// Currency.
    pub currency: String,
    /// Tax rate in percent.
    pub tax_rate: String,
    /// Discount.
    pub discount: String,
    /// Sum of the lines.
    pub subtotal: String,
    /// Tax.
    pub tax: String,
    /// Total due.
    pub total: String,
    /// Status.
    pub status: InvoiceStatus,
    /// How it was paid.
    #[oai(nullable)]
    pub payment_method: Option<PaymentMethod>,
    /// When it was paid.
    #[oai(nullable)]
    pub paid_at: Option<DateTime<Utc>>,
    /// When it was cancelled.
    #[oai(nullable)]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Issued.
    pub created_at: DateTime<Utc>,
    /// Version, from 1; grows with every change. The `ETag` of the record's answers names it, for `If-Match`.
    pub version: u32,
}

impl From<core::Invoice> for Invoice {
    fn from(i: core::Invoice) -> Self {
        Self {
            id: i.id.as_uuid(),
            number: i.number,
            appointment_id: i.appointment_id.as_uuid(),
            patient_id: i.patient_id.as_uuid(),
            lines: i
                .lines
                .into_iter()
                .map(|l| Line { description: l.description, quantity: l.quantity, unit_price: l.unit_price.to_string() })
                .collect(),
            currency: i.currency.code().to_string(),
            tax_rate: i.tax_rate.to_string(),
            discount: i.discount.to_string(),
            subtotal: i.subtotal.to_string(),
            tax: i.tax.to_string(),
            total: i.total.to_string(),
            status: i.status.into(),
            payment_method: i.payment_method.map(Into::into),
            paid_at: i.paid_at,
            cancelled_at: i.cancelled_at,
            created_at: i.created_at,
            version: i.version,
        }
    }
}

/// A payment.
#[derive(Debug, Clone, Object)]
pub struct PayRequest {
    /// How it was paid.
    pub method: PaymentMethod,
}

// ---------- notifications ----------

/// A notification.
#[derive(Debug, Clone, Object)]
pub struct Notification {
    /// Id.
    pub id: Uuid,
    /// What it is about.
    pub kind: NotificationKind,
    /// The message.
    pub message: String,
    /// Made.
    pub created_at: DateTime<Utc>,
    /// Read.
    #[oai(nullable)]
    pub read_at: Option<DateTime<Utc>>,
}

impl From<core::Notification> for Notification {
    fn from(n: core::Notification) -> Self {
        Self { id: n.id.as_uuid(), kind: n.kind.into(), message: n.message, created_at: n.created_at, read_at: n.read_at }
    }
}

/// How many notifications were marked read.
#[derive(Debug, Clone, Object)]
pub struct Marked {
    /// How many.
    pub marked: u64,
}

// ---------- admin ----------

/// Appointments in one status.
#[derive(Debug, Clone, Object)]
pub struct StatusCount {
    /// Status.
    pub status: AppointmentStatus,
    /// How many.
    pub count: u64,
}

/// A busy doctor.
#[derive(Debug, Clone, Object)]
pub struct DoctorLoad {
    /// Doctor.
    pub doctor_id: Uuid,
    /// Name.
    pub full_name: String,
    /// Pending, confirmed and completed appointments.
    pub appointments: u64,
}

/// The admin dashboard.
#[derive(Debug, Clone, Object)]
pub struct Dashboard {
    /// When these figures were computed (answers may be cached).
    pub computed_at: DateTime<Utc>,
    /// Active doctors.
    pub doctors: u64,
    /// Active patients.
    pub patients: u64,
    /// Appointments per status.
    pub appointments_by_status: Vec<StatusCount>,
    /// Today's appointments (hospital time zone).
    pub today_appointments: u64,
    /// Paid totals per currency.
    pub revenue: Vec<Money>,
    /// Pending totals per currency.
    pub pending: Vec<Money>,
    /// The busiest doctors.
    pub busiest_doctors: Vec<DoctorLoad>,
}

impl From<core::Dashboard> for Dashboard {
    fn from(d: core::Dashboard) -> Self {
        Self {
            computed_at: d.computed_at,
            doctors: d.doctors,
            patients: d.patients,
            appointments_by_status: d
                .appointments_by_status
                .into_iter()
                .map(|s| StatusCount { status: s.status.into(), count: s.count })
                .collect(),
            today_appointments: d.today_appointments,
            revenue: d.revenue.into_iter().map(Into::into).collect(),
            pending: d.pending.into_iter().map(Into::into).collect(),
            busiest_doctors: d
                .busiest_doctors
                .into_iter()
                .map(|l| DoctorLoad { doctor_id: l.doctor_id.as_uuid(), full_name: l.full_name.to_string(), appointments: l.appointments })
                .collect(),
        }
    }
}

/// An audit event.
#[derive(Debug, Clone, Object)]
pub struct AuditEvent {
    /// Id.
    pub id: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    #[oai(nullable)]
    pub actor_id: Option<Uuid>,
    /// Their role.
    #[oai(nullable)]
    pub actor_role: Option<Role>,
    /// What.
    pub action: AuditAction,
    /// The workflow, e.g. `appointment.cancel`.
    pub operation: String,
    /// The kind of record.
    pub entity: EntityKind,
    /// The record.
    #[oai(nullable)]
    pub entity_id: Option<String>,
    /// The patient concerned.
    #[oai(nullable)]
    pub patient_id: Option<Uuid>,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// Detail.
    pub detail: String,
}

impl From<core::AuditEvent> for AuditEvent {
    fn from(e: core::AuditEvent) -> Self {
        Self {
            id: e.id.as_uuid(),
            at: e.at,
            actor_id: e.actor_id.map(|a| a.as_uuid()),
            actor_role: e.actor_role.map(Into::into),
            action: e.action.into(),
            operation: e.operation,
            entity: e.entity.into(),
            entity_id: e.entity_id,
            patient_id: e.patient_id.map(|p| p.as_uuid()),
            outcome: e.outcome.into(),
            detail: e.detail,
        }
    }
}

/// Liveness or readiness.
#[derive(Debug, Clone, Object)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: String,
    /// The database backend.
    #[oai(nullable)]
    pub database: Option<String>,
}

/// How the hospital runs, as any client may know it: what a page needs to show times and money
/// as the hospital does and to offer the sign-in options it has.
#[derive(Debug, Clone, Object)]
pub struct HospitalSettings {
    /// The IANA time zone the hospital's days and availability are read in, e.g. `Europe/London`.
    pub time_zone: String,
    /// The currency of fees and invoices unless a doctor's fee says otherwise (ISO 4217).
    pub currency: String,
    /// Whether self-registered doctors wait for an admin to activate them.
    pub doctor_approval_required: bool,
    /// Whether `POST /api/auth/password-reset` can e-mail a reset link.
    pub password_reset_by_email: bool,
    /// The roles that must sign in with a second factor.
    pub second_factor_roles: Vec<Role>,
}

impl From<core::PublicSettings> for HospitalSettings {
    fn from(s: core::PublicSettings) -> Self {
        Self {
            time_zone: s.time_zone.name().to_string(),
            currency: s.currency.code().to_string(),
            doctor_approval_required: s.doctor_approval_required,
            password_reset_by_email: s.password_reset_by_email,
            second_factor_roles: s.second_factor_roles.into_iter().map(Into::into).collect(),
        }
    }
}
