//! SQL shared by both backends: `$n` placeholders work on SQLite and PostgreSQL alike.

// The columns each row reader reads, written once: `concat!` takes only literals, so the lists
// are macros that expand to one.

/// A read of one row by its id, and the same read that locks the row until the transaction ends
/// (`for no key update`: what an `update` of non-key columns takes, so it does not hold up the
/// inserts of rows that refer to it). PostgreSQL's write transactions read with the lock the rows
/// they may write back: a concurrent writer of the row (in this process or another) waits, then
/// reads what this one wrote, instead of overwriting it with a change decided on an older copy.
macro_rules! read_by_id {
    ($(#[$doc:meta])* $name:ident, $locked:ident = $($sql:tt)+) => {
        $(#[$doc])*
        pub(crate) const $name: &str = concat!($($sql)+);
        pub(crate) const $locked: &str = concat!($($sql)+, " for no key update");
    };
}

/// An account's columns (`user_row`).
macro_rules! user_columns {
    () => {
        "id, email, full_name, phone, role, password_hash, active, created_at, updated_at, version"
    };
}

/// A doctor's columns (`doctor_row`), over `doctor d join account a`.
macro_rules! doctor_columns {
    () => {
        "d.id, a.full_name, a.email, a.active, d.specialization, d.license_number, \
         d.years_of_experience, d.consultation_fee, d.currency, d.bio, d.accepting_appointments, d.updated_at, d.version"
    };
}

/// A doctor's rows (`doctor_row`).
macro_rules! doctor_select {
    () => {
        concat!("select ", doctor_columns!(), " from doctor d join account a on a.id = d.id")
    };
}

/// A patient's rows (`patient_row`).
macro_rules! patient_select {
    () => {
        "select p.id, a.full_name, a.email, a.phone, a.active, p.date_of_birth, p.sex, \
         p.blood_group, p.address, p.emergency_contact, p.allergies, p.conditions, p.medical_history, p.pregnancy_noted_on, \
         p.egfr, p.egfr_measured_on, p.updated_at, p.version \
         from patient p join account a on a.id = p.id"
    };
}

pub(crate) const USER_COLS: &str = user_columns!();
pub(crate) const INSERT_USER: &str = "insert into account (id, email, full_name, phone, role, password_hash, active, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub(crate) const UPDATE_USER: &str = "update account set email = $2, full_name = $3, phone = $4, password_hash = $5, active = $6, updated_at = $7, version = $8 \
     where id = $1 and version = $8 - 1";
read_by_id!(USER_BY_ID, USER_BY_ID_LOCKED = "select ", user_columns!(), " from account where id = $1");
pub(crate) const USER_BY_EMAIL: &str = concat!("select ", user_columns!(), " from account where email = $1");

pub(crate) const DOCTOR_SELECT: &str = doctor_select!();
read_by_id!(DOCTOR_BY_ID, DOCTOR_BY_ID_LOCKED = doctor_select!(), " where d.id = $1");
pub(crate) const INSERT_DOCTOR: &str = "insert into doctor (id, specialization, license_number, years_of_experience, \
     consultation_fee, currency, bio, accepting_appointments, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub(crate) const UPDATE_DOCTOR: &str = "update doctor set specialization = $2, license_number = $3, years_of_experience = $4, \
     consultation_fee = $5, currency = $6, bio = $7, accepting_appointments = $8, updated_at = $9, version = $10 \
     where id = $1 and version = $10 - 1";

pub(crate) const PATIENT_SELECT: &str = patient_select!();
read_by_id!(PATIENT_BY_ID, PATIENT_BY_ID_LOCKED = patient_select!(), " where p.id = $1");
pub(crate) const INSERT_PATIENT: &str = "insert into patient (id, date_of_birth, sex, blood_group, address, emergency_contact, \
     allergies, conditions, medical_history, pregnancy_noted_on, egfr, egfr_measured_on, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
pub(crate) const UPDATE_PATIENT: &str = "update patient set date_of_birth = $2, sex = $3, blood_group = $4, address = $5, \
     emergency_contact = $6, allergies = $7, conditions = $8, medical_history = $9, pregnancy_noted_on = $10, egfr = $11, \
     egfr_measured_on = $12, updated_at = $13, version = $14 where id = $1 and version = $14 - 1";
pub(crate) const UPDATE_PATIENT_DEMOGRAPHICS: &str = "update patient set date_of_birth = $2, sex = $3, address = $4, \
     emergency_contact = $5, updated_at = $6, version = $7 where id = $1 and version = $7 - 1";
pub(crate) const DOCTOR_SEES_PATIENT: &str = "select exists (select 1 from appointment where doctor_id = $1 and patient_id = $2 \
     and status in ('pending', 'confirmed', 'completed', 'no_show'))";

/// A doctor with their weekly rules and the exceptions ending after `$2`, and the patient `$3`
/// (none when `$3` is null), in one statement: the doctor's row (`part` 0), then the rules (1, by
/// position), the exceptions (2, by start) and the patient (3). The doctor's and the patient's
/// rows share the columns they have in common (id, name, e-mail, active, updated_at, version), so each is
/// read by its usual row reader. The first part names the types of the others' columns
/// (PostgreSQL types a union's columns from its parts, two at a time).
pub(crate) const DOCTOR_SCHEDULE: &str = concat!(
    "select 0 as part, ",
    doctor_columns!(),
    ", cast(null as integer) as position, cast(null as integer) as weekday, cast(null as time) as start_time, \
     cast(null as time) as end_time, cast(null as integer) as slot_minutes, cast(null as date) as valid_from, \
     cast(null as date) as valid_until, cast(null as timestamptz) as starts_at, cast(null as timestamptz) as ends_at, \
     cast(null as text) as reason, cast(null as text) as phone, cast(null as date) as date_of_birth, \
     cast(null as text) as sex, cast(null as text) as blood_group, cast(null as text) as address, \
     cast(null as text) as emergency_contact, cast(null as text) as allergies, cast(null as text) as conditions, \
     cast(null as text) as medical_history, cast(null as date) as pregnancy_noted_on, cast(null as integer) as egfr, \
     cast(null as date) as egfr_measured_on \
     from doctor d join account a on a.id = d.id where d.id = $1 \
     union all select 1, null, null, null, null, null, null, null, null, null, null, null, null, null, \
     r.position, r.weekday, r.start_time, r.end_time, r.slot_minutes, r.valid_from, r.valid_until, null, null, null, \
     null, null, null, null, null, null, null, null, null, null, null, null \
     from availability_rule r where r.doctor_id = $1 \
     union all select 2, e.id, null, null, null, null, null, null, null, null, null, null, null, null, \
     null, null, null, null, null, null, null, e.starts_at, e.ends_at, e.reason, \
     null, null, null, null, null, null, null, null, null, null, null, null \
     from availability_exception e where e.doctor_id = $1 and e.ends_at > $2 \
     union all select 3, p.id, a.full_name, a.email, a.active, null, null, null, null, null, null, null, p.updated_at, p.version, \
     null, null, null, null, null, null, null, null, null, null, \
     a.phone, p.date_of_birth, p.sex, p.blood_group, p.address, p.emergency_contact, p.allergies, p.conditions, \
     p.medical_history, p.pregnancy_noted_on, p.egfr, p.egfr_measured_on \
     from patient p join account a on a.id = p.id where p.id = $3 \
     order by part, position, starts_at"
);
pub(crate) const DELETE_RULES: &str = "delete from availability_rule where doctor_id = $1";
pub(crate) const INSERT_RULE: &str = "insert into availability_rule (doctor_id, position, weekday, start_time, end_time, \
     slot_minutes, valid_from, valid_until) values ($1, $2, $3, $4, $5, $6, $7, $8)";
pub(crate) const INSERT_EXCEPTION: &str =
    "insert into availability_exception (id, doctor_id, starts_at, ends_at, reason) values ($1, $2, $3, $4, $5)";
pub(crate) const DELETE_EXCEPTION: &str = "delete from availability_exception where id = $1 and doctor_id = $2";

pub(crate) const APPOINTMENT_COLS: &str = "id, doctor_id, patient_id, starts_at, ends_at, status, reason, notes, booked_by, \
     cancellation_reason, reminder_queued_at, created_at, updated_at, version";
macro_rules! appointment_by_id {
    () => {
        "select id, doctor_id, patient_id, starts_at, ends_at, status, reason, notes, \
         booked_by, cancellation_reason, reminder_queued_at, created_at, updated_at, version from appointment where id = $1"
    };
}
pub(crate) const APPOINTMENT_BY_ID: &str = appointment_by_id!();
/// In a PostgreSQL write transaction: the appointment stays locked until the end, so that a
/// concurrent step (in this process or another) waits and then reads what this one wrote, instead
/// of overwriting it with a change decided on what it read before.
pub(crate) const APPOINTMENT_BY_ID_FOR_UPDATE: &str = concat!(appointment_by_id!(), " for update");
pub(crate) const INSERT_APPOINTMENT: &str = "insert into appointment (id, doctor_id, patient_id, starts_at, ends_at, status, \
     reason, notes, booked_by, cancellation_reason, reminder_queued_at, created_at, updated_at) ";
pub(crate) const UPDATE_APPOINTMENT: &str = "update appointment set status = $2, cancellation_reason = $3, \
     reminder_queued_at = $4, updated_at = $5, version = $6 where id = $1 and version = $6 - 1";
// `$4` bounds the scan from below: no appointment is longer than a day (slots are at most 8 hours),
// so one that ends after `$2` starts after `$2` minus a day.
pub(crate) const DOCTOR_BUSY: &str = "select starts_at, ends_at from appointment where doctor_id = $1 \
     and status in ('pending', 'confirmed') and starts_at < $3 and starts_at > $4 and ends_at > $2 order by starts_at";
pub(crate) const PATIENT_BUSY: &str = "select exists (select 1 from appointment where patient_id = $1 \
     and status in ('pending', 'confirmed') and starts_at < $3 and starts_at > $4 and ends_at > $2)";
macro_rules! reminders_due {
    () => {
        "select id, doctor_id, patient_id, starts_at, ends_at, status, reason, notes, \
         booked_by, cancellation_reason, reminder_queued_at, created_at, updated_at, version from appointment \
         where status = 'confirmed' and starts_at >= $1 and starts_at < $2 and reminder_queued_at is null order by starts_at"
    };
}
pub(crate) const REMINDERS_DUE: &str = reminders_due!();
/// In a PostgreSQL write transaction: when two processes run the reminder pass at once, the second
/// waits for the first, then finds those appointments reminded, instead of reminding them again.
pub(crate) const REMINDERS_DUE_FOR_UPDATE: &str = concat!(reminders_due!(), " for update");

pub(crate) const INSERT_NOTE: &str = "insert into visit_note (id, patient_id, appointment_id, author_id, kind, text, corrects, \
     created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)";
pub(crate) const NOTE_BY_ID: &str =
    "select id, patient_id, appointment_id, author_id, kind, text, corrects, created_at from visit_note where id = $1";
pub(crate) const NOTES_OF: &str = "select id, patient_id, appointment_id, author_id, kind, text, corrects, created_at \
     from visit_note where patient_id = $1 order by created_at desc, id desc limit $2 offset $3";
pub(crate) const COUNT_NOTES: &str = "select count(*) from visit_note where patient_id = $1";

pub(crate) const INSERT_DOCUMENT: &str = "insert into document (id, patient_id, appointment_id, kind, file_name, content_type, \
     size_bytes, sha256, description, uploaded_by, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
pub(crate) const DOCUMENT_SELECT: &str = "select id, patient_id, appointment_id, kind, file_name, content_type, size_bytes, \
     sha256, description, uploaded_by, created_at from document";
pub(crate) const DOCUMENT_BY_ID: &str = "select id, patient_id, appointment_id, kind, file_name, content_type, size_bytes, \
     sha256, description, uploaded_by, created_at from document where id = $1";
pub(crate) const DOCUMENTS_OF: &str = "select id, patient_id, appointment_id, kind, file_name, content_type, size_bytes, \
     sha256, description, uploaded_by, created_at from document where patient_id = $1 \
     order by created_at desc, id desc limit $2 offset $3";
pub(crate) const COUNT_DOCUMENTS: &str = "select count(*) from document where patient_id = $1";

pub(crate) const PRESCRIPTION_COLS: &str = "id, appointment_id, doctor_id, patient_id, diagnosis, medications, instructions, \
     follow_up, revision, created_at, updated_at";
read_by_id!(
    PRESCRIPTION_BY_ID,
    PRESCRIPTION_BY_ID_LOCKED = "select id, appointment_id, doctor_id, patient_id, diagnosis, medications, \
     instructions, follow_up, revision, created_at, updated_at from prescription where id = $1"
);
pub(crate) const INSERT_PRESCRIPTION: &str = "insert into prescription (id, appointment_id, doctor_id, patient_id, diagnosis, \
     medications, instructions, follow_up, revision, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
pub(crate) const UPDATE_PRESCRIPTION: &str = "update prescription set diagnosis = $2, medications = $3, instructions = $4, \
     follow_up = $5, revision = $6, updated_at = $7 where id = $1 and revision = $6 - 1";

pub(crate) const INSERT_ANALYSIS: &str = "insert into prescription_analysis (id, prescription_id, prescription_revision, \
     requested_by, created_at, checks, review, review_unavailable_reason, outcome, model, payload_sha256, latency_ms, \
     disclaimer, content_sha256) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
pub(crate) const LATEST_ANALYSIS: &str = "select id, prescription_id, prescription_revision, requested_by, created_at, checks, \
     review, review_unavailable_reason, outcome, model, payload_sha256, latency_ms, disclaimer, content_sha256 \
     from prescription_analysis where prescription_id = $1 order by created_at desc, id desc limit 1";

pub(crate) const NEXT_INVOICE_SEQUENCE: &str = "insert into invoice_counter (year, last) values ($1, 1) \
     on conflict (year) do update set last = invoice_counter.last + 1 returning last";
pub(crate) const INVOICE_COLS: &str = "id, number, appointment_id, patient_id, lines, currency, tax_rate, discount, subtotal, \
     tax, total, status, payment_method, paid_at, cancelled_at, issued_by, created_at, updated_at, version";
read_by_id!(
    INVOICE_BY_ID,
    INVOICE_BY_ID_LOCKED = "select id, number, appointment_id, patient_id, lines, currency, tax_rate, discount, \
     subtotal, tax, total, status, payment_method, paid_at, cancelled_at, issued_by, created_at, updated_at, version \
     from invoice where id = $1"
);
pub(crate) const INSERT_INVOICE: &str = "insert into invoice (id, number, appointment_id, patient_id, lines, currency, tax_rate, \
     discount, subtotal, tax, total, total_minor, status, payment_method, paid_at, cancelled_at, issued_by, created_at, \
     updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";
pub(crate) const UPDATE_INVOICE: &str = "update invoice set status = $2, payment_method = $3, paid_at = $4, cancelled_at = $5, \
     updated_at = $6, version = $7 where id = $1 and version = $7 - 1";

pub(crate) const NOTIFICATION_BY_ID: &str = "select id, recipient_id, kind, message, created_at, read_at from notification where id = $1";
pub(crate) const NOTIFICATIONS_OF: &str = "select id, recipient_id, kind, message, created_at, read_at from notification \
     where recipient_id = $1 and ($2 = 0 or read_at is null) order by created_at desc, id desc limit $3 offset $4";
pub(crate) const COUNT_NOTIFICATIONS: &str = "select count(*) from notification where recipient_id = $1 and ($2 = 0 or read_at is null)";
pub(crate) const MARK_READ: &str = "update notification set read_at = $2 where id = $1 and read_at is null";
pub(crate) const MARK_ALL_READ: &str = "update notification set read_at = $2 where recipient_id = $1 and read_at is null";

pub(crate) const EMAILS_DUE: &str = "select id, recipient, subject, body, created_at, attempts, next_attempt_at, sent_at, \
     last_error from outgoing_email where sent_at is null and next_attempt_at <= $1 order by next_attempt_at, id limit $2";
read_by_id!(
    EMAIL_BY_ID,
    EMAIL_BY_ID_LOCKED = "select id, recipient, subject, body, created_at, attempts, next_attempt_at, sent_at, \
     last_error from outgoing_email where id = $1"
);
pub(crate) const UNSENT_EMAILS: &str = "select count(*) from outgoing_email where sent_at is null";
pub(crate) const UPDATE_EMAIL: &str =
    "update outgoing_email set attempts = $2, next_attempt_at = $3, sent_at = $4, last_error = $5 where id = $1";

pub(crate) const INSERT_AUDIT: &str = "insert into audit_event (id, at, actor_id, actor_role, action, operation, entity, \
     entity_id, patient_id, outcome, detail) ";
pub(crate) const INSERT_NOTIFICATIONS: &str = "insert into notification (id, recipient_id, kind, message, created_at, read_at) ";
pub(crate) const INSERT_EMAILS: &str =
    "insert into outgoing_email (id, recipient, subject, body, created_at, attempts, next_attempt_at, sent_at, last_error) ";
pub(crate) const AUDIT_COLS: &str = "id, at, actor_id, actor_role, action, operation, entity, entity_id, patient_id, outcome, detail";

// The dashboard reads the figures the triggers of migrations 0012-0014 keep, in one statement: its
// figures are then of one moment on both backends (a statement sees one snapshot), and it costs one
// round trip to the database. Its rows:
// - part 0: a kept figure by kind and key (`tally`), its rows added up (in no particular order);
// - part 1: today's appointments (`$2`, `$3`: the day's bounds, see below);
// - part 2: the `$1` busiest doctors, in order, ties by name: only the doctors with at least the
//   count of the `$1`-th busiest are joined to their names and sorted (all of them when fewer have
//   any), not every doctor.
// Columns: part, kind, key (for part 2 the doctor's name), n, minor (money in minor units),
// doctor_id.
macro_rules! dashboard {
    ($today:literal) => {
        concat!(
            "select cast(0 as bigint) as part, kind, key, cast(sum(n) as bigint) as n, cast(sum(minor) as bigint) as minor, \
             cast(null as uuid) as doctor_id from tally group by kind, key \
             union all select 1, null, null, (",
            $today,
            "), null, null \
             union all select * from (select 2, cast(null as text), a.full_name, t.n, cast(null as bigint), t.doctor_id \
             from doctor_tally t join account a on a.id = t.doctor_id \
             where t.n > 0 and t.n >= coalesce((select n from doctor_tally where n > 0 order by n desc limit 1 offset $1 - 1), 1) \
             order by t.n desc, a.full_name limit $1) b \
             order by part, n desc, key"
        )
    };
}
/// The dashboard with today's appointments from the kept counts by quarter hour (migration 0013
/// on SQLite, 0014 on PostgreSQL), for a day whose bounds fall on quarter hours: `$2` and `$3` are
/// quarter hours since 1970.
pub(crate) const DASHBOARD_TODAY_KEPT: &str =
    dashboard!("select cast(coalesce(sum(n), 0) as bigint) from start_tally where bucket >= $2 and bucket < $3");
/// The dashboard with today's appointments counted over the day's index range (`$2`, `$3`: its
/// bounds as instants), for a day whose bounds do not fall on quarter hours.
pub(crate) const DASHBOARD_TODAY_COUNTED: &str = dashboard!(
    "select count(*) from appointment where starts_at >= $2 and starts_at < $3 \
     and status in ('pending', 'confirmed', 'completed', 'no_show')"
);
/// The length in seconds of one row of `start_tally`.
pub(crate) const START_BUCKET_SECONDS: i64 = 900;

pub(crate) const INSERT_SESSION: &str = "insert into session (id, user_id, created_at, expires_at, revoked_at, last_used_at, \
     client_address, user_agent, enrolment_only) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub(crate) const SESSION_BY_ID: &str = "select id, user_id, created_at, expires_at, revoked_at, last_used_at, client_address, \
     user_agent, enrolment_only from session where id = $1";
pub(crate) const SESSIONS_OF: &str = "select id, user_id, created_at, expires_at, revoked_at, last_used_at, client_address, \
     user_agent, enrolment_only from session where user_id = $1 and revoked_at is null order by created_at desc, id";
pub(crate) const TOUCH_SESSION: &str = "update session set last_used_at = $2 where id = $1";
pub(crate) const LIFT_ENROLMENT_ONLY: &str = "update session set enrolment_only = $2 where id = $1";
pub(crate) const INSERT_RESET_REQUEST: &str =
    "insert into password_reset_request (id, email, requested_at, processed_at) values ($1, $2, $3, $4)";
pub(crate) const PENDING_RESET_REQUESTS: &str = "select id, email, requested_at, processed_at from password_reset_request \
     where processed_at is null order by requested_at, id limit $1";
pub(crate) const SETTLE_RESET_REQUEST: &str = "update password_reset_request set processed_at = $2 where id = $1 and processed_at is null";
pub(crate) const INSERT_PASSWORD_RESET: &str = "insert into password_reset (id, user_id, secret_sha256, created_at, expires_at, \
     used_at, forced_by) values ($1, $2, $3, $4, $5, $6, $7)";
pub(crate) const PASSWORD_RESET_BY_ID: &str =
    "select id, user_id, secret_sha256, created_at, expires_at, used_at, forced_by from password_reset where id = $1";
pub(crate) const SPEND_PASSWORD_RESET: &str = "update password_reset set used_at = $2 where id = $1 and used_at is null";
pub(crate) const SPEND_PASSWORD_RESETS: &str = "update password_reset set used_at = $2 where user_id = $1 and used_at is null";
pub(crate) const SECOND_FACTOR: &str =
    "select user_id, secret_sealed, confirmed_at, last_step, created_at from second_factor where user_id = $1";
pub(crate) const DELETE_SECOND_FACTOR: &str = "delete from second_factor where user_id = $1";
pub(crate) const INSERT_SECOND_FACTOR: &str =
    "insert into second_factor (user_id, secret_sealed, confirmed_at, last_step, created_at) values ($1, $2, $3, $4, $5)";
pub(crate) const ADVANCE_SECOND_FACTOR: &str = "update second_factor set last_step = $2 where user_id = $1 \
     and confirmed_at is not null and (last_step is null or last_step < $2)";
pub(crate) const INSERT_RECOVERY_CODE: &str = "insert into recovery_code (id, user_id, code_sha256, used_at) values ($1, $2, $3, $4)";
pub(crate) const RECOVERY_CODES: &str = "select id, user_id, code_sha256, used_at from recovery_code where user_id = $1 order by id";
pub(crate) const DELETE_RECOVERY_CODES: &str = "delete from recovery_code where user_id = $1";
pub(crate) const SPEND_RECOVERY_CODE: &str = "update recovery_code set used_at = $2 where id = $1 and used_at is null";
pub(crate) const INSERT_CHALLENGE: &str = "insert into sign_in_challenge (id, user_id, secret_sha256, created_at, expires_at, \
     used_at, client_address, user_agent) values ($1, $2, $3, $4, $5, $6, $7, $8)";
pub(crate) const CHALLENGE_BY_ID: &str = "select id, user_id, secret_sha256, created_at, expires_at, used_at, client_address, \
     user_agent from sign_in_challenge where id = $1";
pub(crate) const SPEND_CHALLENGE: &str = "update sign_in_challenge set used_at = $2 where id = $1 and used_at is null";
pub(crate) const SESSION_USER: &str = "select s.id as session_id, s.user_id, s.created_at as session_created_at, s.expires_at, \
     s.revoked_at, s.last_used_at, s.client_address, s.user_agent, s.enrolment_only, \
     a.id, a.email, a.full_name, a.phone, a.role, a.password_hash, a.active, a.created_at, a.updated_at, a.version \
     from session s join account a on a.id = s.user_id where s.id = $1";
pub(crate) const REVOKE_SESSION: &str = "update session set revoked_at = $2 where id = $1 and revoked_at is null";
pub(crate) const REVOKE_SESSIONS_OF: &str = "update session set revoked_at = $2 where user_id = $1 and revoked_at is null";
pub(crate) const INSERT_REFRESH: &str = "insert into refresh_token (id, session_id, secret_sha256, created_at, expires_at, used_at) \
     values ($1, $2, $3, $4, $5, $6)";
pub(crate) const REFRESH_BY_ID: &str =
    "select id, session_id, secret_sha256, created_at, expires_at, used_at from refresh_token where id = $1";
pub(crate) const SPEND_REFRESH: &str = "update refresh_token set used_at = $2 where id = $1 and used_at is null";
pub(crate) const CLAIM_EMAILS: &str = "update outgoing_email set next_attempt_at = $2 where id in (select id from outgoing_email \
     where sent_at is null and next_attempt_at <= $1 order by next_attempt_at, id limit $3) \
     and sent_at is null and next_attempt_at <= $1 \
     returning id, recipient, subject, body, created_at, attempts, next_attempt_at, sent_at, last_error";

pub(crate) const COUNT_LOGIN_FAILURES: &str = "select count(*) from login_failure where key = $1 and at >= $2";
pub(crate) const OLDEST_LOGIN_FAILURE: &str = "select at from login_failure where key = $1 and at >= $2 order by at limit 1";
pub(crate) const INSERT_LOGIN_FAILURE: &str = "insert into login_failure (key, at) values ($1, $2)";
pub(crate) const FORGET_LOGIN_FAILURES: &str = "delete from login_failure where key = $1 and at < $2";
pub(crate) const CLEAR_LOGIN_FAILURES: &str = "delete from login_failure where key = $1";
