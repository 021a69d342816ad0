//! The one implementation of the core's `Tx` port, written once and expanded for each backend.
//!
//! The SQL is shared (see `sql.rs`); what differs between SQLite and PostgreSQL — how a decimal
//! is stored, the row type — is named by the module that expands the macro: `DecDb` with
//! `dec_db`/`dec_rs`, and `DbRow`. Row locks (`for update`, which SQLite does not have) are taken
//! only where `lock_rows` says so.

/// Where a `Tx` runs its statements: in a transaction of its own, as a member of a group of
/// write transactions committed together (see `group.rs`), or (`TxMode::Statement`) on a pooled
/// connection in autocommit mode, each statement on its own.
pub(crate) enum Conn<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    /// `BEGIN` was sent; `COMMIT` or `ROLLBACK` ends it (dropped unfinished, it rolls back).
    Tx(sqlx::Transaction<'static, DB>),
    /// A member of a group: its commit returns once the group is committed.
    Group(crate::group::Member<DB>),
    /// No transaction: nothing to end.
    Statement(sqlx::pool::PoolConnection<DB>),
}

impl<DB> Conn<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    /// What to send after the transaction's last writes, in the same round trip, as it commits.
    pub(crate) fn commit_tail(&mut self) -> Option<&'static str> {
        match self {
            Self::Group(member) => member.commit_tail(),
            Self::Tx(_) | Self::Statement(_) => None,
        }
    }

    /// Commits, once the last writes (and the `commit_tail`) were sent with the result `sent`.
    pub(crate) async fn commit(self, sent: hms_core::Result<()>) -> hms_core::Result<()> {
        match self {
            Self::Tx(tx) => {
                sent?;
                tx.commit().await.map_err(crate::error::map)
            }
            Self::Group(member) => member.commit(sent).await,
            Self::Statement(_) => sent,
        }
    }

    pub(crate) async fn rollback(self) -> hms_core::Result<()> {
        match self {
            Self::Tx(tx) => tx.rollback().await.map_err(crate::error::map),
            Self::Group(member) => member.rollback().await,
            Self::Statement(_) => Ok(()),
        }
    }
}

impl<DB> std::ops::Deref for Conn<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        match self {
            Self::Tx(tx) => tx,
            Self::Group(member) => member,
            Self::Statement(c) => c,
        }
    }
}

impl<DB> std::ops::DerefMut for Conn<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    fn deref_mut(&mut self) -> &mut DB::Connection {
        match self {
            Self::Tx(tx) => tx,
            Self::Group(member) => member.connection(),
            Self::Statement(c) => c,
        }
    }
}

/// The key of a PostgreSQL transaction lock (`pg_advisory_xact_lock`) that stands for one
/// account: both halves of its id folded together (the first half of a UUIDv7 is its clock).
pub(crate) fn lock_key(id: uuid::Uuid) -> i64 {
    let (high, low) = id.as_u64_pair();
    (high ^ low) as i64
}

macro_rules! impl_tx {
    ($Tx:ident, $DB:ty) => {
        use async_trait::async_trait;
        use chrono::{DateTime, NaiveDate, NaiveTime, SubsecRound, Utc, Weekday};
        use hms_core::appointment::Appointment;
        use hms_core::audit::{AuditEvent, AuditFilter};
        use hms_core::billing::Invoice;
        use hms_core::clinical::{Document, VisitNote};
        use hms_core::dashboard::{Dashboard, DoctorLoad, StatusCount};
        use hms_core::ids::*;
        use hms_core::notification::{Notification, OutgoingEmail};
        use hms_core::ports::{AppointmentFilter, DoctorFilter, InvoiceFilter, PatientFilter, PrescriptionFilter, Tx, UserFilter};
        use hms_core::prescription::{Prescription, PrescriptionAnalysis};
        use hms_core::schedule::{Availability, AvailabilityException, AvailabilityRule};
        use hms_core::security::{ClientInfo, PasswordReset, RecoveryCode, ResetRequest, SecondFactor, SignInChallenge};
        use hms_core::session::{RefreshToken, Session};
        use hms_core::user::{PasswordHash, User};
        use hms_core::values::{Email, LicenseNumber, PersonName, Phone};
        use hms_core::{AppointmentStatus, Currency, Doctor, Egfr, Money, Page, PageRequest, Patient, PatientClinical, Result};
        use sqlx::{QueryBuilder, Row};
        use uuid::Uuid;

        use crate::error::{corrupt, map};
        use crate::sql::*;

        /// A transaction on this backend.
        pub struct $Tx {
            pub(crate) tx: crate::tx_impl::Conn<$DB>,
            /// Whether rows read to be changed are locked (`for update`) until the end: in the
            /// write transactions of PostgreSQL, whose writers run concurrently. SQLite runs one
            /// writer at a time and has no row locks.
            pub(crate) lock_rows: bool,
            /// Writes queued to go to the database with the transaction's next statement, or with
            /// its commit: one round trip for all of them (see `append`).
            pub(crate) appends: Option<QueryBuilder<$DB>>,
            /// How many writes `appends` holds.
            pub(crate) appended: usize,
        }

        impl $Tx {
            /// A transaction over `tx`.
            pub(crate) fn new(tx: crate::tx_impl::Conn<$DB>, lock_rows: bool) -> Self {
                Self { tx, lock_rows, appends: None, appended: 0 }
            }

            /// Queues a write whose outcome nothing in the transaction waits for (a new row of an
            /// appointment, a notification, an e-mail, an audit event). Queued writes go to the
            /// database together, in one statement, before the transaction's next statement runs
            /// or when it commits; so every statement of the transaction sees them, and an error
            /// they raise (a taken slot) surfaces there, before anything is committed. On SQLite
            /// they are one string of statements, on PostgreSQL one statement of data-modifying
            /// `with` clauses.
            fn append(&mut self, write: impl FnOnce(&mut QueryBuilder<$DB>)) {
                let n = self.appended;
                let qb = self.appends.get_or_insert_with(|| QueryBuilder::new(""));
                if WRITES_IN_CTE {
                    qb.push(if n == 0 { "with " } else { ", " }).push(format_args!("w{n} as ("));
                    write(qb);
                    qb.push(")");
                } else {
                    if n > 0 {
                        qb.push("; ");
                    }
                    write(qb);
                }
                self.appended += 1;
            }

            /// Sends the queued writes, if any.
            async fn flush(&mut self) -> Result<()> {
                if let Some(mut qb) = self.appends.take() {
                    self.appended = 0;
                    if WRITES_IN_CTE {
                        qb.push(" select 1");
                    }
                    qb.build().execute(&mut *self.tx).await.map_err(map)?;
                }
                Ok(())
            }

            /// The connection, for a statement: the queued writes go first.
            async fn conn(&mut self) -> Result<&mut <$DB as sqlx::Database>::Connection> {
                self.flush().await?;
                Ok(&mut *self.tx)
            }

            /// A doctor with their schedule (exceptions ending after `since`), and the patient
            /// `patient` if one is named: one statement (`DOCTOR_SCHEDULE`).
            async fn schedule_and_patient(
                &mut self,
                id: DoctorId,
                since: DateTime<Utc>,
                patient: Option<PatientId>,
            ) -> Result<(Option<(Doctor, Availability)>, Option<Patient>)> {
                let rows = sqlx::query(DOCTOR_SCHEDULE)
                    .bind(id.as_uuid())
                    .bind(ts(since))
                    .bind(patient.map(|p| p.as_uuid()))
                    .fetch_all(self.conn().await?)
                    .await
                    .map_err(map)?;
                let (mut doctor, mut found) = (None, None);
                let mut availability = Availability { rules: Vec::new(), exceptions: Vec::new() };
                for r in &rows {
                    match geti::<i32>(r, 0)? {
                        0 => doctor = Some(doctor_row(r)?),
                        1 => availability.rules.push(rule_row(r)?),
                        2 => availability.exceptions.push(exception_row(r, id)?),
                        _ => found = Some(patient_row(r)?),
                    }
                }
                Ok((doctor.map(|d| (d, availability)), found))
            }
        }

        fn ts(t: DateTime<Utc>) -> DateTime<Utc> {
            t.trunc_subsecs(6)
        }

        fn get<'r, T: sqlx::Decode<'r, $DB> + sqlx::Type<$DB>>(row: &'r DbRow, col: &str) -> Result<T> {
            row.try_get::<T, _>(col).map_err(map)
        }

        fn geti<'r, T: sqlx::Decode<'r, $DB> + sqlx::Type<$DB>>(row: &'r DbRow, col: usize) -> Result<T> {
            row.try_get::<T, _>(col).map_err(map)
        }

        fn parse<T: std::str::FromStr>(what: &str, s: &str) -> Result<T>
        where
            T::Err: std::fmt::Display,
        {
            s.parse::<T>().map_err(|e| corrupt(what, e))
        }

        fn json<T: serde::Serialize>(value: &T) -> Result<String> {
            serde_json::to_string(value).map_err(hms_core::Error::internal)
        }

        fn unjson<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
            serde_json::from_str(s).map_err(|e| corrupt(what, e))
        }

        /// An update that names the version it replaces (`where version = $n - 1`) changed one
        /// row, or the row had moved on: a write decided on an older copy is refused, never kept.
        fn replaced(rows: u64, what: &str) -> Result<()> {
            if rows == 1 {
                Ok(())
            } else {
                Err(hms_core::Error::conflict(format!("the {what} was changed by someone else meanwhile; read it again")))
            }
        }

        fn num<T: TryFrom<i64>>(what: &str, v: i64) -> Result<T> {
            T::try_from(v).map_err(|_| corrupt(what, v))
        }

        fn dec(row: &DbRow, col: &str) -> Result<rust_decimal::Decimal> {
            dec_rs(get::<DecDb>(row, col)?)
        }

        fn session_row(r: &DbRow, id: &str, created_at: &str) -> Result<Session> {
            let created_at: DateTime<Utc> = get(r, created_at)?;
            Ok(Session {
                id: SessionId::from_uuid(get(r, id)?),
                user_id: UserId::from_uuid(get(r, "user_id")?),
                created_at,
                expires_at: get(r, "expires_at")?,
                revoked_at: get(r, "revoked_at")?,
                last_used_at: get::<Option<DateTime<Utc>>>(r, "last_used_at")?.unwrap_or(created_at),
                client_address: get(r, "client_address")?,
                user_agent: get(r, "user_agent")?,
                enrolment_only: get(r, "enrolment_only")?,
            })
        }

        fn user_row(r: &DbRow) -> Result<User> {
            Ok(User {
                id: UserId::from_uuid(get(r, "id")?),
                email: parse("email", &get::<String>(r, "email")?)?,
                full_name: parse("full_name", &get::<String>(r, "full_name")?)?,
                phone: get::<Option<String>>(r, "phone")?.map(|p| parse::<Phone>("phone", &p)).transpose()?,
                role: parse("role", &get::<String>(r, "role")?)?,
                password_hash: PasswordHash::from_stored(get(r, "password_hash")?),
                active: get(r, "active")?,
                created_at: get(r, "created_at")?,
                updated_at: get(r, "updated_at")?,
                version: num("version", i64::from(get::<i32>(r, "version")?))?,
            })
        }

        fn doctor_row(r: &DbRow) -> Result<Doctor> {
            let currency: Currency = parse("currency", &get::<String>(r, "currency")?)?;
            Ok(Doctor {
                id: DoctorId::from_uuid(get(r, "id")?),
                full_name: parse::<PersonName>("full_name", &get::<String>(r, "full_name")?)?,
                email: parse::<Email>("email", &get::<String>(r, "email")?)?,
                active: get(r, "active")?,
                specialization: get(r, "specialization")?,
                license_number: parse::<LicenseNumber>("license_number", &get::<String>(r, "license_number")?)?,
                years_of_experience: num("years_of_experience", i64::from(get::<i32>(r, "years_of_experience")?))?,
                consultation_fee: Money { amount: currency.round(dec(r, "consultation_fee")?), currency },
                bio: get(r, "bio")?,
                accepting_appointments: get(r, "accepting_appointments")?,
                updated_at: get(r, "updated_at")?,
                version: num("version", i64::from(get::<i32>(r, "version")?))?,
            })
        }

        fn rule_row(r: &DbRow) -> Result<AvailabilityRule> {
            Ok(AvailabilityRule {
                weekday: weekday_of(get::<i32>(r, "weekday")?)?,
                start: get::<NaiveTime>(r, "start_time")?,
                end: get::<NaiveTime>(r, "end_time")?,
                slot_minutes: num("slot_minutes", i64::from(get::<i32>(r, "slot_minutes")?))?,
                valid_from: get(r, "valid_from")?,
                valid_until: get(r, "valid_until")?,
            })
        }

        fn exception_row(r: &DbRow, doctor_id: DoctorId) -> Result<AvailabilityException> {
            Ok(AvailabilityException {
                id: ExceptionId::from_uuid(get(r, "id")?),
                doctor_id,
                starts_at: get(r, "starts_at")?,
                ends_at: get(r, "ends_at")?,
                reason: get(r, "reason")?,
            })
        }

        fn patient_row(r: &DbRow) -> Result<Patient> {
            Ok(Patient {
                id: PatientId::from_uuid(get(r, "id")?),
                full_name: parse("full_name", &get::<String>(r, "full_name")?)?,
                email: parse("email", &get::<String>(r, "email")?)?,
                phone: get::<Option<String>>(r, "phone")?.map(|p| parse::<Phone>("phone", &p)).transpose()?,
                active: get(r, "active")?,
                date_of_birth: get::<Option<NaiveDate>>(r, "date_of_birth")?,
                sex: parse("sex", &get::<String>(r, "sex")?)?,
                address: get(r, "address")?,
                emergency_contact: get(r, "emergency_contact")?,
                clinical: Some(PatientClinical {
                    blood_group: parse("blood_group", &get::<String>(r, "blood_group")?)?,
                    allergies: unjson("allergies", &get::<String>(r, "allergies")?)?,
                    conditions: unjson("conditions", &get::<String>(r, "conditions")?)?,
                    medical_history: get(r, "medical_history")?,
                    pregnancy_noted_on: get(r, "pregnancy_noted_on")?,
                    egfr: match (get::<Option<i32>>(r, "egfr")?, get::<Option<NaiveDate>>(r, "egfr_measured_on")?) {
                        (Some(value), Some(measured_on)) => Some(Egfr { value: num("egfr", i64::from(value))?, measured_on }),
                        _ => None,
                    },
                }),
                updated_at: get(r, "updated_at")?,
                version: num("version", i64::from(get::<i32>(r, "version")?))?,
            })
        }

        fn appointment_row(r: &DbRow) -> Result<Appointment> {
            Ok(Appointment {
                id: AppointmentId::from_uuid(get(r, "id")?),
                doctor_id: DoctorId::from_uuid(get(r, "doctor_id")?),
                patient_id: PatientId::from_uuid(get(r, "patient_id")?),
                starts_at: get(r, "starts_at")?,
                ends_at: get(r, "ends_at")?,
                status: parse("status", &get::<String>(r, "status")?)?,
                reason: get(r, "reason")?,
                notes: get(r, "notes")?,
                booked_by: UserId::from_uuid(get(r, "booked_by")?),
                cancellation_reason: get(r, "cancellation_reason")?,
                reminder_queued_at: get(r, "reminder_queued_at")?,
                created_at: get(r, "created_at")?,
                updated_at: get(r, "updated_at")?,
                version: num("version", i64::from(get::<i32>(r, "version")?))?,
            })
        }

        fn note_row(r: &DbRow) -> Result<VisitNote> {
            Ok(VisitNote {
                id: NoteId::from_uuid(get(r, "id")?),
                patient_id: PatientId::from_uuid(get(r, "patient_id")?),
                appointment_id: get::<Option<Uuid>>(r, "appointment_id")?.map(AppointmentId::from_uuid),
                author_id: UserId::from_uuid(get(r, "author_id")?),
                kind: parse("kind", &get::<String>(r, "kind")?)?,
                text: get(r, "text")?,
                corrects: get::<Option<Uuid>>(r, "corrects")?.map(NoteId::from_uuid),
                created_at: get(r, "created_at")?,
            })
        }

        fn document_row(r: &DbRow) -> Result<Document> {
            Ok(Document {
                id: DocumentId::from_uuid(get(r, "id")?),
                patient_id: PatientId::from_uuid(get(r, "patient_id")?),
                appointment_id: get::<Option<Uuid>>(r, "appointment_id")?.map(AppointmentId::from_uuid),
                kind: parse("kind", &get::<String>(r, "kind")?)?,
                file_name: get(r, "file_name")?,
                content_type: get(r, "content_type")?,
                size_bytes: num("size_bytes", get::<i64>(r, "size_bytes")?)?,
                sha256: get(r, "sha256")?,
                description: get(r, "description")?,
                uploaded_by: UserId::from_uuid(get(r, "uploaded_by")?),
                created_at: get(r, "created_at")?,
            })
        }

        fn prescription_row(r: &DbRow) -> Result<Prescription> {
            Ok(Prescription {
                id: PrescriptionId::from_uuid(get(r, "id")?),
                appointment_id: AppointmentId::from_uuid(get(r, "appointment_id")?),
                doctor_id: DoctorId::from_uuid(get(r, "doctor_id")?),
                patient_id: PatientId::from_uuid(get(r, "patient_id")?),
                diagnosis: get(r, "diagnosis")?,
                medications: unjson("medications", &get::<String>(r, "medications")?)?,
                instructions: get(r, "instructions")?,
                follow_up: get(r, "follow_up")?,
                revision: num("revision", i64::from(get::<i32>(r, "revision")?))?,
                created_at: get(r, "created_at")?,
                updated_at: get(r, "updated_at")?,
            })
        }

        fn analysis_row(r: &DbRow) -> Result<PrescriptionAnalysis> {
            Ok(PrescriptionAnalysis {
                id: AnalysisId::from_uuid(get(r, "id")?),
                prescription_id: PrescriptionId::from_uuid(get(r, "prescription_id")?),
                prescription_revision: num("prescription_revision", i64::from(get::<i32>(r, "prescription_revision")?))?,
                requested_by: UserId::from_uuid(get(r, "requested_by")?),
                created_at: get(r, "created_at")?,
                checks: unjson("checks", &get::<String>(r, "checks")?)?,
                review: get::<Option<String>>(r, "review")?.map(|s| unjson("review", &s)).transpose()?,
                review_unavailable_reason: get(r, "review_unavailable_reason")?,
                outcome: parse("outcome", &get::<String>(r, "outcome")?)?,
                model: get(r, "model")?,
                payload_sha256: get(r, "payload_sha256")?,
                latency_ms: num("latency_ms", i64::from(get::<i32>(r, "latency_ms")?))?,
                disclaimer: get(r, "disclaimer")?,
                content_sha256: get(r, "content_sha256")?,
            })
        }

        fn invoice_row(r: &DbRow) -> Result<Invoice> {
            let currency: Currency = parse("currency", &get::<String>(r, "currency")?)?;
            Ok(Invoice {
                id: InvoiceId::from_uuid(get(r, "id")?),
                number: get(r, "number")?,
                appointment_id: AppointmentId::from_uuid(get(r, "appointment_id")?),
                patient_id: PatientId::from_uuid(get(r, "patient_id")?),
                lines: unjson("lines", &get::<String>(r, "lines")?)?,
                currency,
                tax_rate: dec(r, "tax_rate")?.normalize(),
                discount: currency.round(dec(r, "discount")?),
                subtotal: currency.round(dec(r, "subtotal")?),
                tax: currency.round(dec(r, "tax")?),
                total: currency.round(dec(r, "total")?),
                status: parse("status", &get::<String>(r, "status")?)?,
                payment_method: get::<Option<String>>(r, "payment_method")?.map(|m| parse("payment_method", &m)).transpose()?,
                paid_at: get(r, "paid_at")?,
                cancelled_at: get(r, "cancelled_at")?,
                issued_by: UserId::from_uuid(get(r, "issued_by")?),
                created_at: get(r, "created_at")?,
                updated_at: get(r, "updated_at")?,
                version: num("version", i64::from(get::<i32>(r, "version")?))?,
            })
        }

        fn notification_row(r: &DbRow) -> Result<Notification> {
            Ok(Notification {
                id: NotificationId::from_uuid(get(r, "id")?),
                recipient_id: UserId::from_uuid(get(r, "recipient_id")?),
                kind: parse("kind", &get::<String>(r, "kind")?)?,
                message: get(r, "message")?,
                created_at: get(r, "created_at")?,
                read_at: get(r, "read_at")?,
            })
        }

        fn email_row(r: &DbRow) -> Result<OutgoingEmail> {
            Ok(OutgoingEmail {
                id: EmailId::from_uuid(get(r, "id")?),
                to: parse("recipient", &get::<String>(r, "recipient")?)?,
                subject: get(r, "subject")?,
                body: get(r, "body")?,
                created_at: get(r, "created_at")?,
                attempts: num("attempts", i64::from(get::<i32>(r, "attempts")?))?,
                next_attempt_at: get(r, "next_attempt_at")?,
                sent_at: get(r, "sent_at")?,
                last_error: get(r, "last_error")?,
            })
        }

        fn audit_row(r: &DbRow) -> Result<AuditEvent> {
            Ok(AuditEvent {
                id: AuditId::from_uuid(get(r, "id")?),
                at: get(r, "at")?,
                actor_id: get::<Option<Uuid>>(r, "actor_id")?.map(UserId::from_uuid),
                actor_role: get::<Option<String>>(r, "actor_role")?.map(|s| parse("actor_role", &s)).transpose()?,
                action: parse("action", &get::<String>(r, "action")?)?,
                operation: get(r, "operation")?,
                entity: parse("entity", &get::<String>(r, "entity")?)?,
                entity_id: get(r, "entity_id")?,
                patient_id: get::<Option<Uuid>>(r, "patient_id")?.map(PatientId::from_uuid),
                outcome: parse("outcome", &get::<String>(r, "outcome")?)?,
                detail: get(r, "detail")?,
            })
        }

        fn weekday_number(w: Weekday) -> i32 {
            w.number_from_monday() as i32
        }

        fn weekday_of(n: i32) -> Result<Weekday> {
            match n {
                1 => Ok(Weekday::Mon),
                2 => Ok(Weekday::Tue),
                3 => Ok(Weekday::Wed),
                4 => Ok(Weekday::Thu),
                5 => Ok(Weekday::Fri),
                6 => Ok(Weekday::Sat),
                7 => Ok(Weekday::Sun),
                _ => Err(corrupt("weekday", n)),
            }
        }

        fn limit(page: PageRequest) -> (i64, i64) {
            (i64::from(page.per_page()), page.offset() as i64)
        }

        /// A `like` pattern (a backslash escapes) matching text that contains `s`, ignoring case.
        fn like_pattern(s: &str) -> String {
            format!("%{}%", s.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
        }

        fn push_where(qb: &mut QueryBuilder<$DB>, first: &mut bool) {
            qb.push(if *first { " where " } else { " and " });
            *first = false;
        }

        /// Narrows a query of a table with `doctor_id` and `patient_id` columns to a doctor's and a
        /// patient's rows, where named.
        fn push_parties(qb: &mut QueryBuilder<$DB>, first: &mut bool, doctor: Option<DoctorId>, patient: Option<PatientId>) {
            if let Some(d) = doctor {
                push_where(qb, first);
                qb.push("doctor_id = ").push_bind(d.as_uuid());
            }
            if let Some(p) = patient {
                push_where(qb, first);
                qb.push("patient_id = ").push_bind(p.as_uuid());
            }
        }

        /// Narrows a query to the rows whose instant `column` is at or after `from` and before `to`,
        /// where named.
        fn push_range(qb: &mut QueryBuilder<$DB>, first: &mut bool, column: &str, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) {
            if let Some(f) = from {
                push_where(qb, first);
                qb.push(format_args!("{column} >= ")).push_bind(ts(f));
            }
            if let Some(t) = to {
                push_where(qb, first);
                qb.push(format_args!("{column} < ")).push_bind(ts(t));
            }
        }

        /// The `where` of a prescription query.
        fn push_prescription_filter(qb: &mut QueryBuilder<$DB>, filter: &PrescriptionFilter) {
            push_parties(qb, &mut true, filter.doctor_id, filter.patient_id);
        }

        impl $Tx {
            async fn paged<T>(
                &mut self,
                count: &mut QueryBuilder<$DB>,
                items: &mut QueryBuilder<$DB>,
                page: PageRequest,
                f: fn(&DbRow) -> Result<T>,
            ) -> Result<Page<T>> {
                let (lim, off) = limit(page);
                items.push(" limit ").push_bind(lim).push(" offset ").push_bind(off);
                let rows = items.build().fetch_all(self.conn().await?).await.map_err(map)?;
                let total = self.total(count, (lim, off), rows.len()).await?;
                let list = rows.iter().map(f).collect::<Result<Vec<_>>>()?;
                Ok(Page::new(list, page, total))
            }

            /// The total behind a page of `found` rows at `offset`: a short, non-empty page (or a
            /// short first page) ends the list, so only a full or an empty later page needs the count.
            async fn total(&mut self, count: &mut QueryBuilder<$DB>, (limit, offset): (i64, i64), found: usize) -> Result<u64> {
                let found = found as i64;
                if found < limit && (found > 0 || offset == 0) {
                    return Ok((offset + found) as u64);
                }
                let total: i64 = count.build().fetch_one(self.conn().await?).await.map_err(map)?.try_get(0).map_err(map)?;
                Ok(total as u64)
            }

            async fn exists(
                &mut self,
                sql: &'static str,
                a: Uuid,
                b: Option<Uuid>,
                from: Option<DateTime<Utc>>,
                to: Option<DateTime<Utc>>,
            ) -> Result<bool> {
                let mut q = sqlx::query(sql).bind(a);
                if let Some(b) = b {
                    q = q.bind(b);
                }
                if let (Some(f), Some(t)) = (from, to) {
                    q = q.bind(ts(f)).bind(ts(t)).bind(ts(f - chrono::Duration::days(1)));
                }
                let row = q.fetch_one(self.conn().await?).await.map_err(map)?;
                geti::<bool>(&row, 0)
            }
        }

        #[async_trait]
        impl Tx for $Tx {
            async fn commit(mut self: Box<Self>) -> Result<()> {
                if let Some(tail) = self.tx.commit_tail() {
                    self.append(|qb| {
                        qb.push(tail);
                    });
                }
                let sent = self.flush().await;
                self.tx.commit(sent).await
            }

            async fn rollback(self: Box<Self>) -> Result<()> {
                self.tx.rollback().await
            }

            async fn insert_user(&mut self, u: &User) -> Result<()> {
                sqlx::query(INSERT_USER)
                    .bind(u.id.as_uuid())
                    .bind(u.email.as_str())
                    .bind(u.full_name.as_str())
                    .bind(u.phone.as_ref().map(|p| p.as_str().to_string()))
                    .bind(u.role.as_str())
                    .bind(u.password_hash.as_str())
                    .bind(u.active)
                    .bind(ts(u.created_at))
                    .bind(ts(u.updated_at))
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn update_user(&mut self, u: &User) -> Result<()> {
                let done = sqlx::query(UPDATE_USER)
                    .bind(u.id.as_uuid())
                    .bind(u.email.as_str())
                    .bind(u.full_name.as_str())
                    .bind(u.phone.as_ref().map(|p| p.as_str().to_string()))
                    .bind(u.password_hash.as_str())
                    .bind(u.active)
                    .bind(ts(u.updated_at))
                    .bind(u.version as i32)
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                replaced(done.rows_affected(), "account")
            }

            async fn user(&mut self, id: UserId) -> Result<Option<User>> {
                let sql = if self.lock_rows { USER_BY_ID_LOCKED } else { USER_BY_ID };
                let row = sqlx::query(sql).bind(id.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(user_row).transpose()
            }

            async fn user_by_email(&mut self, email: &Email) -> Result<Option<User>> {
                let row = sqlx::query(USER_BY_EMAIL).bind(email.as_str()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(user_row).transpose()
            }

            async fn list_users(&mut self, filter: &UserFilter, page: PageRequest) -> Result<Page<User>> {
                let mut count = QueryBuilder::<$DB>::new("select count(*) from account");
                let mut items = QueryBuilder::<$DB>::new(format!("select {USER_COLS} from account"));
                for qb in [&mut count, &mut items] {
                    let mut first = true;
                    if let Some(role) = filter.role {
                        push_where(qb, &mut first);
                        qb.push("role = ").push_bind(role.as_str());
                    }
                    if let Some(active) = filter.active {
                        push_where(qb, &mut first);
                        qb.push("active = ").push_bind(active);
                    }
                }
                items.push(" order by created_at desc, id desc");
                self.paged(&mut count, &mut items, page, user_row).await
            }

            async fn insert_doctor(&mut self, d: &Doctor) -> Result<()> {
                sqlx::query(INSERT_DOCTOR)
                    .bind(d.id.as_uuid())
                    .bind(d.specialization.as_str())
                    .bind(d.license_number.as_str())
                    .bind(i32::from(d.years_of_experience))
                    .bind(dec_db(d.consultation_fee.amount))
                    .bind(d.consultation_fee.currency.code())
                    .bind(d.bio.as_str())
                    .bind(d.accepting_appointments)
                    .bind(ts(d.updated_at))
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn update_doctor(&mut self, d: &Doctor) -> Result<()> {
                let done = sqlx::query(UPDATE_DOCTOR)
                    .bind(d.id.as_uuid())
                    .bind(d.specialization.as_str())
                    .bind(d.license_number.as_str())
                    .bind(i32::from(d.years_of_experience))
                    .bind(dec_db(d.consultation_fee.amount))
                    .bind(d.consultation_fee.currency.code())
                    .bind(d.bio.as_str())
                    .bind(d.accepting_appointments)
                    .bind(ts(d.updated_at))
                    .bind(d.version as i32)
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                replaced(done.rows_affected(), "doctor")
            }

            async fn doctor(&mut self, id: DoctorId) -> Result<Option<Doctor>> {
                let sql = if self.lock_rows { DOCTOR_BY_ID_LOCKED } else { DOCTOR_BY_ID };
                let row = sqlx::query(sql).bind(id.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(doctor_row).transpose()
            }

            async fn list_doctors(&mut self, filter: &DoctorFilter, page: PageRequest) -> Result<Page<Doctor>> {
                // Naming the role lets the planner walk the doctors' accounts by name, not every account;
                // without a filter on the doctor table, counting needs only the accounts' index.
                let doctor_filters = filter.specialization.is_some()
                    || filter.accepting.is_some()
                    || filter.name.is_some()
                    || filter.license_number.is_some();
                let mut count = QueryBuilder::<$DB>::new(if doctor_filters {
                    "select count(*) from doctor d join account a on a.id = d.id where a.role = 'doctor'"
                } else {
                    "select count(*) from account a where a.role = 'doctor'"
                });
                let mut items = QueryBuilder::<$DB>::new(format!("{DOCTOR_SELECT} where a.role = 'doctor'"));
                for qb in [&mut count, &mut items] {
                    let mut first = false;
                    if !filter.include_inactive {
                        push_where(qb, &mut first);
                        qb.push("a.active = ").push_bind(true);
                    }
                    if let Some(s) = &filter.specialization {
                        push_where(qb, &mut first);
                        qb.push("lower(d.specialization) = ").push_bind(s.trim().to_lowercase());
                    }
                    if let Some(acc) = filter.accepting {
                        push_where(qb, &mut first);
                        qb.push("d.accepting_appointments = ").push_bind(acc);
                    }
                    if let Some(n) = filter.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                        push_where(qb, &mut first);
                        qb.push("lower(a.full_name) like ").push_bind(like_pattern(n)).push(" escape '\\'");
                    }
                    if let Some(l) = &filter.license_number {
                        push_where(qb, &mut first);
                        qb.push("d.license_number = ").push_bind(l.trim().to_string());
                    }
                }
                items.push(" order by a.full_name, a.id");
                if doctor_filters {
                    return self.paged(&mut count, &mut items, page, doctor_row).await;
                }
                // Unfiltered (the public listing): take the page from the accounts' name index first,
                // then join only those rows, so the planner never joins every doctor to sort them.
                let (lim, off) = limit(page);
                let mut items = QueryBuilder::<$DB>::new(
                    "select d.id, a.full_name, a.email, a.active, d.specialization, d.license_number, d.years_of_experience, \
                     d.consultation_fee, d.currency, d.bio, d.accepting_appointments, d.updated_at, d.version \
                     from (select id, full_name, email, active from account where role = 'doctor'",
                );
                if !filter.include_inactive {
                    items.push(" and active = ").push_bind(true);
                }
                items.push(" order by full_name, id limit ").push_bind(lim).push(" offset ").push_bind(off);
                items.push(") a join doctor d on d.id = a.id order by a.full_name, a.id");
                let rows = items.build().fetch_all(self.conn().await?).await.map_err(map)?;
                let total = self.total(&mut count, (lim, off), rows.len()).await?;
                Ok(Page::new(rows.iter().map(doctor_row).collect::<Result<Vec<_>>>()?, page, total))
            }

            async fn insert_patient(&mut self, p: &Patient) -> Result<()> {
                let c = p.clinical.clone().unwrap_or_default();
                sqlx::query(INSERT_PATIENT)
                    .bind(p.id.as_uuid())
                    .bind(p.date_of_birth)
                    .bind(p.sex.as_str())
                    .bind(c.blood_group.as_str())
                    .bind(p.address.as_str())
                    .bind(p.emergency_contact.as_str())
                    .bind(json(&c.allergies)?)
                    .bind(json(&c.conditions)?)
                    .bind(c.medical_history.as_str())
                    .bind(c.pregnancy_noted_on)
                    .bind(c.egfr.map(|e| i32::from(e.value)))
                    .bind(c.egfr.map(|e| e.measured_on))
                    .bind(ts(p.updated_at))
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn update_patient(&mut self, p: &Patient) -> Result<()> {
                let q = match &p.clinical {
                    Some(c) => sqlx::query(UPDATE_PATIENT)
                        .bind(p.id.as_uuid())
                        .bind(p.date_of_birth)
                        .bind(p.sex.as_str())
                        .bind(c.blood_group.as_str())
                        .bind(p.address.as_str())
                        .bind(p.emergency_contact.as_str())
                        .bind(json(&c.allergies)?)
                        .bind(json(&c.conditions)?)
                        .bind(c.medical_history.clone())
                        .bind(c.pregnancy_noted_on)
                        .bind(c.egfr.map(|e| i32::from(e.value)))
                        .bind(c.egfr.map(|e| e.measured_on))
                        .bind(ts(p.updated_at))
                        .bind(p.version as i32),
                    None => sqlx::query(UPDATE_PATIENT_DEMOGRAPHICS)
                        .bind(p.id.as_uuid())
                        .bind(p.date_of_birth)
                        .bind(p.sex.as_str())
                        .bind(p.address.as_str())
                        .bind(p.emergency_contact.as_str())
                        .bind(ts(p.updated_at))
                        .bind(p.version as i32),
                };
                let done = q.execute(self.conn().await?).await.map_err(map)?;
                replaced(done.rows_affected(), "patient")
            }

            async fn patient(&mut self, id: PatientId) -> Result<Option<Patient>> {
                let sql = if self.lock_rows { PATIENT_BY_ID_LOCKED } else { PATIENT_BY_ID };
                let row = sqlx::query(sql).bind(id.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(patient_row).transpose()
            }

            async fn list_patients(&mut self, filter: &PatientFilter, page: PageRequest) -> Result<Page<Patient>> {
                let mut count = QueryBuilder::<$DB>::new(if filter.born_on.is_some() {
                    "select count(*) from account a join patient p on p.id = a.id where a.role = 'patient'"
                } else {
                    "select count(*) from account a where a.role = 'patient'"
                });
                let mut items = QueryBuilder::<$DB>::new(format!("{PATIENT_SELECT} where a.role = 'patient'"));
                for qb in [&mut count, &mut items] {
                    let mut first = false;
                    if let Some(d) = filter.doctor_id {
                        push_where(qb, &mut first);
                        qb.push("exists (select 1 from appointment ap where ap.patient_id = a.id and ap.doctor_id = ")
                            .push_bind(d.as_uuid())
                            .push(" and ap.status in ('pending', 'confirmed', 'completed', 'no_show'))");
                    }
                    if let Some(e) = &filter.email {
                        push_where(qb, &mut first);
                        qb.push("a.email = ").push_bind(e.trim().to_lowercase());
                    }
                    if let Some(d) = filter.born_on {
                        push_where(qb, &mut first);
                        qb.push("p.date_of_birth = ").push_bind(d);
                    }
                    if let Some(s) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                        let pattern = like_pattern(s);
                        push_where(qb, &mut first);
                        qb.push("(lower(a.full_name) like ")
                            .push_bind(pattern.clone())
                            .push(" escape '\\' or a.email like ")
                            .push_bind(pattern)
                            .push(" escape '\\')");
                    }
                }
                items.push(" order by a.full_name, a.id");
                self.paged(&mut count, &mut items, page, patient_row).await
            }

            async fn doctor_sees_patient(&mut self, doctor: DoctorId, patient: PatientId) -> Result<bool> {
                self.exists(DOCTOR_SEES_PATIENT, doctor.as_uuid(), Some(patient.as_uuid()), None, None).await
            }

            async fn availability(&mut self, doctor: DoctorId, since: DateTime<Utc>) -> Result<Availability> {
                // The schedule's one statement; a doctor who does not exist has no rules.
                Ok(self.doctor_schedule(doctor, since).await?.map(|(_, a)| a).unwrap_or_default())
            }

            async fn doctor_schedule(&mut self, id: DoctorId, since: DateTime<Utc>) -> Result<Option<(Doctor, Availability)>> {
                Ok(self.schedule_and_patient(id, since, None).await?.0)
            }

            async fn booking_parties(
                &mut self,
                patient: PatientId,
                doctor: DoctorId,
                since: DateTime<Utc>,
            ) -> Result<(Option<Patient>, Option<(Doctor, Availability)>)> {
                let (schedule, patient) = self.schedule_and_patient(doctor, since, Some(patient)).await?;
                Ok((patient, schedule))
            }

            async fn replace_rules(&mut self, doctor: DoctorId, rules: &[AvailabilityRule]) -> Result<()> {
                sqlx::query(DELETE_RULES).bind(doctor.as_uuid()).execute(self.conn().await?).await.map_err(map)?;
                for (i, r) in rules.iter().enumerate() {
                    sqlx::query(INSERT_RULE)
                        .bind(doctor.as_uuid())
                        .bind(i as i32)
                        .bind(weekday_number(r.weekday))
                        .bind(r.start)
                        .bind(r.end)
                        .bind(i32::from(r.slot_minutes))
                        .bind(r.valid_from)
                        .bind(r.valid_until)
                        .execute(self.conn().await?)
                        .await
                        .map_err(map)?;
                }
                Ok(())
            }

            async fn insert_exception(&mut self, e: &AvailabilityException) -> Result<()> {
                sqlx::query(INSERT_EXCEPTION)
                    .bind(e.id.as_uuid())
                    .bind(e.doctor_id.as_uuid())
                    .bind(ts(e.starts_at))
                    .bind(ts(e.ends_at))
                    .bind(e.reason.as_str())
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn delete_exception(&mut self, doctor_id: DoctorId, id: ExceptionId) -> Result<bool> {
                let done = sqlx::query(DELETE_EXCEPTION)
                    .bind(id.as_uuid())
                    .bind(doctor_id.as_uuid())
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(done.rows_affected() > 0)
            }

            async fn insert_appointment(&mut self, a: &Appointment) -> Result<()> {
                // On PostgreSQL, bookings of one doctor or one patient take turns (a transaction
                // lock on each, taken in one order), so that the overlap constraints meet only
                // committed rows: two inserts checking them at once would wait for each other
                // until the deadlock detector ended one, a second later, and with many at once
                // such waits chain for seconds.
                let serialize = self.lock_rows;
                let mut keys = [crate::tx_impl::lock_key(a.doctor_id.as_uuid()), crate::tx_impl::lock_key(a.patient_id.as_uuid())];
                keys.sort_unstable();
                self.append(|qb| {
                    qb.push(INSERT_APPOINTMENT);
                    if serialize {
                        qb.push("select v.* from (");
                    }
                    qb.push_values([a], |mut b, a| {
                        b.push_bind(a.id.as_uuid())
                            .push_bind(a.doctor_id.as_uuid())
                            .push_bind(a.patient_id.as_uuid())
                            .push_bind(ts(a.starts_at))
                            .push_bind(ts(a.ends_at))
                            .push_bind(a.status.as_str())
                            .push_bind(a.reason.clone())
                            .push_bind(a.notes.clone())
                            .push_bind(a.booked_by.as_uuid())
                            .push_bind(a.cancellation_reason.clone())
                            .push_bind(a.reminder_queued_at.map(ts))
                            .push_bind(ts(a.created_at))
                            .push_bind(ts(a.updated_at));
                    });
                    if serialize {
                        let [first, second] = keys;
                        qb.push(") v, (select count(pg_advisory_xact_lock(k)) from unnest(array[")
                            .push_bind(first)
                            .push(", ")
                            .push_bind(second)
                            .push("]::int8[]) k) turn");
                    }
                });
                Ok(())
            }

            async fn update_appointment(&mut self, a: &Appointment) -> Result<()> {
                let done = sqlx::query(UPDATE_APPOINTMENT)
                    .bind(a.id.as_uuid())
                    .bind(a.status.as_str())
                    .bind(a.cancellation_reason.clone())
                    .bind(a.reminder_queued_at.map(ts))
                    .bind(ts(a.updated_at))
                    .bind(a.version as i32)
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                replaced(done.rows_affected(), "appointment")
            }

            async fn appointment(&mut self, id: AppointmentId) -> Result<Option<Appointment>> {
                let sql = if self.lock_rows { APPOINTMENT_BY_ID_FOR_UPDATE } else { APPOINTMENT_BY_ID };
                let row = sqlx::query(sql).bind(id.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(appointment_row).transpose()
            }

            async fn list_appointments(&mut self, filter: &AppointmentFilter, page: PageRequest) -> Result<Page<Appointment>> {
                let mut count = QueryBuilder::<$DB>::new("select count(*) from appointment");
                let mut items = QueryBuilder::<$DB>::new(format!("select {APPOINTMENT_COLS} from appointment"));
                for qb in [&mut count, &mut items] {
                    let mut first = true;
                    push_parties(qb, &mut first, filter.doctor_id, filter.patient_id);
                    if !filter.statuses.is_empty() {
                        push_where(qb, &mut first);
                        qb.push("status in (");
                        let mut list = qb.separated(", ");
                        for s in &filter.statuses {
                            list.push_bind(s.as_str());
                        }
                        qb.push(")");
                    }
                    push_range(qb, &mut first, "starts_at", filter.from, filter.to);
                    push_range(qb, &mut first, "updated_at", filter.changed_from, filter.changed_to);
                }
                items.push(match filter.order {
                    hms_core::ports::AppointmentOrder::Start => " order by starts_at, id",
                    hms_core::ports::AppointmentOrder::StartDescending => " order by starts_at desc, id desc",
                    hms_core::ports::AppointmentOrder::Changed => " order by updated_at, id",
                    hms_core::ports::AppointmentOrder::ChangedDescending => " order by updated_at desc, id desc",
                });
                self.paged(&mut count, &mut items, page, appointment_row).await
            }

            async fn doctor_busy(
                &mut self,
                doctor: DoctorId,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
                let rows = sqlx::query(DOCTOR_BUSY)
                    .bind(doctor.as_uuid())
                    .bind(ts(from))
                    .bind(ts(to))
                    .bind(ts(from - chrono::Duration::days(1)))
                    .fetch_all(self.conn().await?)
                    .await
                    .map_err(map)?;
                rows.iter().map(|r| Ok((geti(r, 0)?, geti(r, 1)?))).collect()
            }

            async fn patient_busy(&mut self, patient: PatientId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<bool> {
                self.exists(PATIENT_BUSY, patient.as_uuid(), None, Some(from), Some(to)).await
            }

            async fn reminders_due(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Appointment>> {
                let sql = if self.lock_rows { REMINDERS_DUE_FOR_UPDATE } else { REMINDERS_DUE };
                let rows = sqlx::query(sql).bind(ts(from)).bind(ts(to)).fetch_all(self.conn().await?).await.map_err(map)?;
                rows.iter().map(appointment_row).collect()
            }

            async fn insert_note(&mut self, n: &VisitNote) -> Result<()> {
                sqlx::query(INSERT_NOTE)
                    .bind(n.id.as_uuid())
                    .bind(n.patient_id.as_uuid())
                    .bind(n.appointment_id.map(|a| a.as_uuid()))
                    .bind(n.author_id.as_uuid())
                    .bind(n.kind.as_str())
                    .bind(n.text.as_str())
                    .bind(n.corrects.map(|c| c.as_uuid()))
                    .bind(ts(n.created_at))
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn note(&mut self, id: NoteId) -> Result<Option<VisitNote>> {
                let row = sqlx::query(NOTE_BY_ID).bind(id.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(note_row).transpose()
            }

            async fn list_notes(&mut self, patient: PatientId, page: PageRequest) -> Result<Page<VisitNote>> {
                let total: i64 =
                    geti(&sqlx::query(COUNT_NOTES).bind(patient.as_uuid()).fetch_one(self.conn().await?).await.map_err(map)?, 0)?;
                let (lim, off) = limit(page);
                let rows =
                    sqlx::query(NOTES_OF).bind(patient.as_uuid()).bind(lim).bind(off).fetch_all(self.conn().await?).await.map_err(map)?;
                Ok(Page::new(rows.iter().map(note_row).collect::<Result<_>>()?, page, total as u64))
            }

            async fn insert_document(&mut self, d: &Document) -> Result<()> {
                sqlx::query(INSERT_DOCUMENT)
                    .bind(d.id.as_uuid())
                    .bind(d.patient_id.as_uuid())
                    .bind(d.appointment_id.map(|a| a.as_uuid()))
                    .bind(d.kind.as_str())
                    .bind(d.file_name.as_str())
                    .bind(d.content_type.as_str())
                    .bind(d.size_bytes as i64)
                    .bind(d.sha256.as_str())
                    .bind(d.description.as_str())
                    .bind(d.uploaded_by.as_uuid())
                    .bind(ts(d.created_at))
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn document(&mut self, id: DocumentId) -> Result<Option<Document>> {
                let row = sqlx::query(DOCUMENT_BY_ID).bind(id.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(document_row).transpose()
            }

            async fn list_documents(&mut self, patient: PatientId, page: PageRequest) -> Result<Page<Document>> {
                let total: i64 =
                    geti(&sqlx::query(COUNT_DOCUMENTS).bind(patient.as_uuid()).fetch_one(self.conn().await?).await.map_err(map)?, 0)?;
                let (lim, off) = limit(page);
                let rows = sqlx::query(DOCUMENTS_OF)
                    .bind(patient.as_uuid())
                    .bind(lim)
                    .bind(off)
                    .fetch_all(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(Page::new(rows.iter().map(document_row).collect::<Result<_>>()?, page, total as u64))
            }

            async fn insert_prescription(&mut self, p: &Prescription) -> Result<()> {
                sqlx::query(INSERT_PRESCRIPTION)
                    .bind(p.id.as_uuid())
                    .bind(p.appointment_id.as_uuid())
                    .bind(p.doctor_id.as_uuid())
                    .bind(p.patient_id.as_uuid())
                    .bind(p.diagnosis.as_str())
                    .bind(json(&p.medications)?)
                    .bind(p.instructions.as_str())
                    .bind(p.follow_up)
                    .bind(p.revision as i32)
                    .bind(ts(p.created_at))
                    .bind(ts(p.updated_at))
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn update_prescription(&mut self, p: &Prescription) -> Result<()> {
                let done = sqlx::query(UPDATE_PRESCRIPTION)
                    .bind(p.id.as_uuid())
                    .bind(p.diagnosis.as_str())
                    .bind(json(&p.medications)?)
                    .bind(p.instructions.as_str())
                    .bind(p.follow_up)
                    .bind(p.revision as i32)
                    .bind(ts(p.updated_at))
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                replaced(done.rows_affected(), "prescription")
            }

            async fn prescription(&mut self, id: PrescriptionId) -> Result<Option<Prescription>> {
                let sql = if self.lock_rows { PRESCRIPTION_BY_ID_LOCKED } else { PRESCRIPTION_BY_ID };
                let row = sqlx::query(sql).bind(id.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(prescription_row).transpose()
            }

            async fn list_prescriptions(&mut self, filter: &PrescriptionFilter, page: PageRequest) -> Result<Page<Prescription>> {
                let mut count = QueryBuilder::<$DB>::new("select count(*) from prescription");
                let mut items = QueryBuilder::<$DB>::new(format!("select {PRESCRIPTION_COLS} from prescription"));
                for qb in [&mut count, &mut items] {
                    push_prescription_filter(qb, filter);
                }
                items.push(" order by created_at desc, id desc");
                self.paged(&mut count, &mut items, page, prescription_row).await
            }

            async fn export_batch(
                &mut self,
                kind: hms_core::ExportKind,
                after: Uuid,
                since: Option<DateTime<Utc>>,
                limit: u32,
            ) -> Result<hms_core::ExportBatch> {
                use hms_core::{ExportBatch, ExportKind};
                // (the query up to its id bound, the id column, the columns `since` bounds: a person's
                // name, phone and active flag change on their account, the rest on their profile)
                let (head, id, changed): (String, &str, &[&str]) = match kind {
                    ExportKind::Patient => (format!("{PATIENT_SELECT} where"), "p.id", &["p.updated_at", "a.updated_at"]),
                    ExportKind::Doctor => (format!("{DOCTOR_SELECT} where"), "d.id", &["d.updated_at", "a.updated_at"]),
                    ExportKind::Appointment => (format!("select {APPOINTMENT_COLS} from appointment where"), "id", &["updated_at"]),
                    ExportKind::Prescription => (format!("select {PRESCRIPTION_COLS} from prescription where"), "id", &["updated_at"]),
                    ExportKind::Document => (format!("{DOCUMENT_SELECT} where"), "id", &["created_at"]),
                    ExportKind::Invoice => (format!("select {INVOICE_COLS} from invoice where"), "id", &["updated_at"]),
                };
                let mut qb = QueryBuilder::<$DB>::new(head);
                qb.push(format_args!(" {id} > ")).push_bind(after);
                if let Some(since) = since {
                    qb.push(" and (");
                    for (i, column) in changed.iter().enumerate() {
                        qb.push(if i == 0 { "" } else { " or " }).push(format_args!("{column} >= ")).push_bind(ts(since));
                    }
                    qb.push(")");
                }
                qb.push(format_args!(" order by {id} limit ")).push_bind(i64::from(limit));
                let rows = qb.build().fetch_all(self.conn().await?).await.map_err(map)?;
                Ok(match kind {
                    ExportKind::Patient => ExportBatch::Patients(rows.iter().map(patient_row).collect::<Result<_>>()?),
                    ExportKind::Doctor => ExportBatch::Doctors(rows.iter().map(doctor_row).collect::<Result<_>>()?),
                    ExportKind::Appointment => ExportBatch::Appointments(rows.iter().map(appointment_row).collect::<Result<_>>()?),
                    ExportKind::Prescription => ExportBatch::Prescriptions(rows.iter().map(prescription_row).collect::<Result<_>>()?),
                    ExportKind::Document => ExportBatch::Documents(rows.iter().map(document_row).collect::<Result<_>>()?),
                    ExportKind::Invoice => ExportBatch::Invoices(rows.iter().map(invoice_row).collect::<Result<_>>()?),
                })
            }

            async fn prescriptions_by_medication(
                &mut self,
                filter: &PrescriptionFilter,
                skip: u64,
                limit: u32,
            ) -> Result<(Vec<(Prescription, u64)>, u64)> {
                let mut total =
                    QueryBuilder::<$DB>::new(format!("select cast(coalesce(sum({MEDICATION_COUNT}), 0) as bigint) from prescription"));
                // Each prescription with the running count of medications up to and including its own.
                let mut items = QueryBuilder::<$DB>::new(format!(
                    "select * from (select {PRESCRIPTION_COLS}, {MEDICATION_COUNT} as n, \
                     cast(sum({MEDICATION_COUNT}) over (order by created_at desc, id desc) as bigint) as upto from prescription"
                ));
                for qb in [&mut total, &mut items] {
                    push_prescription_filter(qb, filter);
                }
                let (skip, end) = (skip as i64, skip as i64 + i64::from(limit));
                items.push(") w where upto > ").push_bind(skip).push(" and upto - n < ").push_bind(end);
                items.push(" order by created_at desc, id desc");
                let rows = items.build().fetch_all(self.conn().await?).await.map_err(map)?;
                let total: i64 = total.build_query_scalar().fetch_one(self.conn().await?).await.map_err(map)?;
                let mut found = Vec::with_capacity(rows.len());
                for r in &rows {
                    let before = get::<i64>(r, "upto")? - get::<i64>(r, "n")?;
                    found.push((prescription_row(r)?, before.max(0) as u64));
                }
                Ok((found, total.max(0) as u64))
            }

            async fn insert_analysis(&mut self, a: &PrescriptionAnalysis) -> Result<()> {
                sqlx::query(INSERT_ANALYSIS)
                    .bind(a.id.as_uuid())
                    .bind(a.prescription_id.as_uuid())
                    .bind(a.prescription_revision as i32)
                    .bind(a.requested_by.as_uuid())
                    .bind(ts(a.created_at))
                    .bind(json(&a.checks)?)
                    .bind(a.review.as_ref().map(json).transpose()?)
                    .bind(a.review_unavailable_reason.clone())
                    .bind(a.outcome.as_str())
                    .bind(a.model.clone())
                    .bind(a.payload_sha256.clone())
                    .bind(a.latency_ms.min(i32::MAX as u32) as i32)
                    .bind(a.disclaimer.as_str())
                    .bind(a.content_sha256.clone())
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn latest_analysis(&mut self, prescription: PrescriptionId) -> Result<Option<PrescriptionAnalysis>> {
                let row =
                    sqlx::query(LATEST_ANALYSIS).bind(prescription.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(analysis_row).transpose()
            }

            async fn next_invoice_sequence(&mut self, year: i32) -> Result<u64> {
                let row = sqlx::query(NEXT_INVOICE_SEQUENCE).bind(year).fetch_one(self.conn().await?).await.map_err(map)?;
                num("invoice sequence", geti::<i64>(&row, 0)?)
            }

            async fn insert_invoice(&mut self, i: &Invoice) -> Result<()> {
                sqlx::query(INSERT_INVOICE)
                    .bind(i.id.as_uuid())
                    .bind(i.number.as_str())
                    .bind(i.appointment_id.as_uuid())
                    .bind(i.patient_id.as_uuid())
                    .bind(json(&i.lines)?)
                    .bind(i.currency.code())
                    .bind(dec_db(i.tax_rate))
                    .bind(dec_db(i.discount))
                    .bind(dec_db(i.subtotal))
                    .bind(dec_db(i.tax))
                    .bind(dec_db(i.total))
                    .bind(crate::minor_units(i.total, i.currency)?)
                    .bind(i.status.as_str())
                    .bind(i.payment_method.map(|m| m.as_str()))
                    .bind(i.paid_at.map(ts))
                    .bind(i.cancelled_at.map(ts))
                    .bind(i.issued_by.as_uuid())
                    .bind(ts(i.created_at))
                    .bind(ts(i.updated_at))
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn update_invoice(&mut self, i: &Invoice) -> Result<()> {
                let done = sqlx::query(UPDATE_INVOICE)
                    .bind(i.id.as_uuid())
                    .bind(i.status.as_str())
                    .bind(i.payment_method.map(|m| m.as_str()))
                    .bind(i.paid_at.map(ts))
                    .bind(i.cancelled_at.map(ts))
                    .bind(ts(i.updated_at))
                    .bind(i.version as i32)
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                replaced(done.rows_affected(), "invoice")
            }

            async fn invoice(&mut self, id: InvoiceId) -> Result<Option<Invoice>> {
                let sql = if self.lock_rows { INVOICE_BY_ID_LOCKED } else { INVOICE_BY_ID };
                let row = sqlx::query(sql).bind(id.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(invoice_row).transpose()
            }

            async fn list_invoices(&mut self, filter: &InvoiceFilter, page: PageRequest) -> Result<Page<Invoice>> {
                let mut count = QueryBuilder::<$DB>::new("select count(*) from invoice");
                let mut items = QueryBuilder::<$DB>::new(format!("select {INVOICE_COLS} from invoice"));
                for qb in [&mut count, &mut items] {
                    let mut first = true;
                    if let Some(s) = filter.status {
                        push_where(qb, &mut first);
                        qb.push("status = ").push_bind(s.as_str());
                    }
                    if let Some(p) = filter.patient_id {
                        push_where(qb, &mut first);
                        qb.push("patient_id = ").push_bind(p.as_uuid());
                    }
                }
                items.push(" order by created_at desc, id desc");
                self.paged(&mut count, &mut items, page, invoice_row).await
            }

            async fn insert_notifications(&mut self, list: &[Notification]) -> Result<()> {
                if list.is_empty() {
                    return Ok(());
                }
                self.append(|qb| {
                    qb.push(INSERT_NOTIFICATIONS).push_values(list, |mut b, n| {
                        b.push_bind(n.id.as_uuid())
                            .push_bind(n.recipient_id.as_uuid())
                            .push_bind(n.kind.as_str())
                            .push_bind(n.message.clone())
                            .push_bind(ts(n.created_at))
                            .push_bind(n.read_at.map(ts));
                    });
                });
                Ok(())
            }

            async fn list_notifications(&mut self, recipient: UserId, unread_only: bool, page: PageRequest) -> Result<Page<Notification>> {
                let unread = i32::from(unread_only);
                let total: i64 = geti(
                    &sqlx::query(COUNT_NOTIFICATIONS)
                        .bind(recipient.as_uuid())
                        .bind(unread)
                        .fetch_one(self.conn().await?)
                        .await
                        .map_err(map)?,
                    0,
                )?;
                let (lim, off) = limit(page);
                let rows = sqlx::query(NOTIFICATIONS_OF)
                    .bind(recipient.as_uuid())
                    .bind(unread)
                    .bind(lim)
                    .bind(off)
                    .fetch_all(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(Page::new(rows.iter().map(notification_row).collect::<Result<_>>()?, page, total as u64))
            }

            async fn notification(&mut self, id: NotificationId) -> Result<Option<Notification>> {
                let row = sqlx::query(NOTIFICATION_BY_ID).bind(id.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(notification_row).transpose()
            }

            async fn mark_notification_read(&mut self, id: NotificationId, at: DateTime<Utc>) -> Result<bool> {
                let r = sqlx::query(MARK_READ).bind(id.as_uuid()).bind(ts(at)).execute(self.conn().await?).await.map_err(map)?;
                Ok(r.rows_affected() > 0)
            }

            async fn mark_all_notifications_read(&mut self, recipient: UserId, at: DateTime<Utc>) -> Result<u64> {
                let r = sqlx::query(MARK_ALL_READ).bind(recipient.as_uuid()).bind(ts(at)).execute(self.conn().await?).await.map_err(map)?;
                Ok(r.rows_affected())
            }

            async fn insert_emails(&mut self, list: &[OutgoingEmail]) -> Result<()> {
                if list.is_empty() {
                    return Ok(());
                }
                self.append(|qb| {
                    qb.push(INSERT_EMAILS).push_values(list, |mut b, e| {
                        b.push_bind(e.id.as_uuid())
                            .push_bind(e.to.as_str().to_string())
                            .push_bind(e.subject.clone())
                            .push_bind(e.body.clone())
                            .push_bind(ts(e.created_at))
                            .push_bind(e.attempts as i32)
                            .push_bind(e.next_attempt_at.map(ts))
                            .push_bind(e.sent_at.map(ts))
                            .push_bind(e.last_error.clone());
                    });
                });
                Ok(())
            }

            async fn emails_due(&mut self, now: DateTime<Utc>, lim: u32) -> Result<Vec<OutgoingEmail>> {
                let rows = sqlx::query(EMAILS_DUE).bind(ts(now)).bind(i64::from(lim)).fetch_all(self.conn().await?).await.map_err(map)?;
                rows.iter().map(email_row).collect()
            }

            async fn unsent_emails(&mut self) -> Result<u64> {
                let row = sqlx::query(UNSENT_EMAILS).fetch_one(self.conn().await?).await.map_err(map)?;
                num("unsent e-mails", geti::<i64>(&row, 0)?)
            }

            async fn claim_emails(&mut self, now: DateTime<Utc>, until: DateTime<Utc>, lim: u32) -> Result<Vec<OutgoingEmail>> {
                let rows = sqlx::query(CLAIM_EMAILS)
                    .bind(ts(now))
                    .bind(ts(until))
                    .bind(i64::from(lim))
                    .fetch_all(self.conn().await?)
                    .await
                    .map_err(map)?;
                rows.iter().map(email_row).collect()
            }

            async fn email(&mut self, id: EmailId) -> Result<Option<OutgoingEmail>> {
                let sql = if self.lock_rows { EMAIL_BY_ID_LOCKED } else { EMAIL_BY_ID };
                let row = sqlx::query(sql).bind(id.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(email_row).transpose()
            }

            async fn update_email(&mut self, e: &OutgoingEmail) -> Result<()> {
                sqlx::query(UPDATE_EMAIL)
                    .bind(e.id.as_uuid())
                    .bind(e.attempts as i32)
                    .bind(e.next_attempt_at.map(ts))
                    .bind(e.sent_at.map(ts))
                    .bind(e.last_error.clone())
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn insert_audit(&mut self, e: &AuditEvent) -> Result<()> {
                self.append(|qb| {
                    qb.push(INSERT_AUDIT).push_values([e], |mut b, e| {
                        b.push_bind(e.id.as_uuid())
                            .push_bind(ts(e.at))
                            .push_bind(e.actor_id.map(|a| a.as_uuid()))
                            .push_bind(e.actor_role.map(|r| r.as_str()))
                            .push_bind(e.action.as_str())
                            .push_bind(e.operation.clone())
                            .push_bind(e.entity.as_str())
                            .push_bind(e.entity_id.clone())
                            .push_bind(e.patient_id.map(|p| p.as_uuid()))
                            .push_bind(e.outcome.as_str())
                            .push_bind(e.detail.clone());
                    });
                });
                Ok(())
            }

            async fn list_audit(&mut self, filter: &AuditFilter, page: PageRequest) -> Result<Page<AuditEvent>> {
                let mut count = QueryBuilder::<$DB>::new("select count(*) from audit_event");
                let mut items = QueryBuilder::<$DB>::new(format!("select {AUDIT_COLS} from audit_event"));
                for qb in [&mut count, &mut items] {
                    let mut first = true;
                    if let Some(p) = filter.patient_id {
                        push_where(qb, &mut first);
                        qb.push("patient_id = ").push_bind(p.as_uuid());
                    }
                    if let Some(a) = filter.actor_id {
                        push_where(qb, &mut first);
                        qb.push("actor_id = ").push_bind(a.as_uuid());
                    }
                    if let Some(a) = filter.action {
                        push_where(qb, &mut first);
                        qb.push("action = ").push_bind(a.as_str());
                    }
                    if let Some(id) = filter.id {
                        push_where(qb, &mut first);
                        qb.push("id = ").push_bind(id.as_uuid());
                    }
                    if let Some(f) = filter.from {
                        push_where(qb, &mut first);
                        qb.push("at >= ").push_bind(ts(f));
                    }
                    if let Some(t) = filter.to {
                        push_where(qb, &mut first);
                        qb.push("at < ").push_bind(ts(t));
                    }
                }
                items.push(" order by at desc, id desc");
                self.paged(&mut count, &mut items, page, audit_row).await
            }

            async fn insert_session(&mut self, s: &Session) -> Result<()> {
                sqlx::query(INSERT_SESSION)
                    .bind(s.id.as_uuid())
                    .bind(s.user_id.as_uuid())
                    .bind(ts(s.created_at))
                    .bind(ts(s.expires_at))
                    .bind(s.revoked_at.map(ts))
                    .bind(ts(s.last_used_at))
                    .bind(s.client_address.as_deref())
                    .bind(s.user_agent.as_deref())
                    .bind(s.enrolment_only)
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn session(&mut self, id: SessionId) -> Result<Option<Session>> {
                let row = sqlx::query(SESSION_BY_ID).bind(id.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(|r| session_row(r, "id", "created_at")).transpose()
            }

            async fn session_user(&mut self, id: SessionId) -> Result<Option<(Session, User)>> {
                let row = sqlx::query(SESSION_USER).bind(id.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref().map(|r| Ok((session_row(r, "session_id", "session_created_at")?, user_row(r)?))).transpose()
            }

            async fn sessions_of(&mut self, user: UserId) -> Result<Vec<Session>> {
                let rows = sqlx::query(SESSIONS_OF).bind(user.as_uuid()).fetch_all(self.conn().await?).await.map_err(map)?;
                rows.iter().map(|r| session_row(r, "id", "created_at")).collect()
            }

            async fn touch_session(&mut self, id: SessionId, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(TOUCH_SESSION).bind(id.as_uuid()).bind(ts(at)).execute(self.conn().await?).await.map_err(map)?;
                Ok(())
            }

            async fn lift_enrolment_only(&mut self, id: SessionId) -> Result<()> {
                sqlx::query(LIFT_ENROLMENT_ONLY).bind(id.as_uuid()).bind(false).execute(self.conn().await?).await.map_err(map)?;
                Ok(())
            }

            async fn insert_reset_request(&mut self, r: &ResetRequest) -> Result<()> {
                sqlx::query(INSERT_RESET_REQUEST)
                    .bind(r.id)
                    .bind(r.email.as_str())
                    .bind(ts(r.requested_at))
                    .bind(r.processed_at.map(ts))
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn pending_reset_requests(&mut self, limit: u32) -> Result<Vec<ResetRequest>> {
                let rows = sqlx::query(PENDING_RESET_REQUESTS).bind(i64::from(limit)).fetch_all(self.conn().await?).await.map_err(map)?;
                rows.iter()
                    .map(|r| {
                        Ok(ResetRequest {
                            id: get(r, "id")?,
                            email: get(r, "email")?,
                            requested_at: get(r, "requested_at")?,
                            processed_at: get(r, "processed_at")?,
                        })
                    })
                    .collect()
            }

            async fn settle_reset_request(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<bool> {
                let r = sqlx::query(SETTLE_RESET_REQUEST).bind(id).bind(ts(at)).execute(self.conn().await?).await.map_err(map)?;
                Ok(r.rows_affected() == 1)
            }

            async fn insert_password_reset(&mut self, r: &PasswordReset) -> Result<()> {
                sqlx::query(INSERT_PASSWORD_RESET)
                    .bind(r.id)
                    .bind(r.user_id.as_uuid())
                    .bind(r.secret_sha256.as_str())
                    .bind(ts(r.created_at))
                    .bind(ts(r.expires_at))
                    .bind(r.used_at.map(ts))
                    .bind(r.forced_by.map(|u| u.as_uuid()))
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn password_reset(&mut self, id: Uuid) -> Result<Option<PasswordReset>> {
                let row = sqlx::query(PASSWORD_RESET_BY_ID).bind(id).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref()
                    .map(|r| {
                        Ok(PasswordReset {
                            id: get(r, "id")?,
                            user_id: UserId::from_uuid(get(r, "user_id")?),
                            secret_sha256: get(r, "secret_sha256")?,
                            created_at: get(r, "created_at")?,
                            expires_at: get(r, "expires_at")?,
                            used_at: get(r, "used_at")?,
                            forced_by: get::<Option<Uuid>>(r, "forced_by")?.map(UserId::from_uuid),
                        })
                    })
                    .transpose()
            }

            async fn spend_password_reset(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<bool> {
                let r = sqlx::query(SPEND_PASSWORD_RESET).bind(id).bind(ts(at)).execute(self.conn().await?).await.map_err(map)?;
                Ok(r.rows_affected() == 1)
            }

            async fn spend_password_resets(&mut self, user: UserId, at: DateTime<Utc>) -> Result<u64> {
                let r =
                    sqlx::query(SPEND_PASSWORD_RESETS).bind(user.as_uuid()).bind(ts(at)).execute(self.conn().await?).await.map_err(map)?;
                Ok(r.rows_affected())
            }

            async fn second_factor(&mut self, user: UserId) -> Result<Option<SecondFactor>> {
                let row = sqlx::query(SECOND_FACTOR).bind(user.as_uuid()).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref()
                    .map(|r| {
                        Ok(SecondFactor {
                            user_id: UserId::from_uuid(get(r, "user_id")?),
                            secret_sealed: get(r, "secret_sealed")?,
                            confirmed_at: get(r, "confirmed_at")?,
                            last_step: get(r, "last_step")?,
                            created_at: get(r, "created_at")?,
                        })
                    })
                    .transpose()
            }

            async fn put_second_factor(&mut self, f: &SecondFactor) -> Result<()> {
                sqlx::query(DELETE_SECOND_FACTOR).bind(f.user_id.as_uuid()).execute(self.conn().await?).await.map_err(map)?;
                sqlx::query(INSERT_SECOND_FACTOR)
                    .bind(f.user_id.as_uuid())
                    .bind(f.secret_sealed.as_str())
                    .bind(f.confirmed_at.map(ts))
                    .bind(f.last_step)
                    .bind(ts(f.created_at))
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn delete_second_factor(&mut self, user: UserId) -> Result<()> {
                sqlx::query(DELETE_RECOVERY_CODES).bind(user.as_uuid()).execute(self.conn().await?).await.map_err(map)?;
                sqlx::query(DELETE_SECOND_FACTOR).bind(user.as_uuid()).execute(self.conn().await?).await.map_err(map)?;
                Ok(())
            }

            async fn advance_second_factor_step(&mut self, user: UserId, step: i64) -> Result<bool> {
                let r =
                    sqlx::query(ADVANCE_SECOND_FACTOR).bind(user.as_uuid()).bind(step).execute(self.conn().await?).await.map_err(map)?;
                Ok(r.rows_affected() == 1)
            }

            async fn insert_recovery_codes(&mut self, codes: &[RecoveryCode]) -> Result<()> {
                for c in codes {
                    sqlx::query(INSERT_RECOVERY_CODE)
                        .bind(c.id)
                        .bind(c.user_id.as_uuid())
                        .bind(c.code_sha256.as_str())
                        .bind(c.used_at.map(ts))
                        .execute(self.conn().await?)
                        .await
                        .map_err(map)?;
                }
                Ok(())
            }

            async fn recovery_codes(&mut self, user: UserId) -> Result<Vec<RecoveryCode>> {
                let rows = sqlx::query(RECOVERY_CODES).bind(user.as_uuid()).fetch_all(self.conn().await?).await.map_err(map)?;
                rows.iter()
                    .map(|r| {
                        Ok(RecoveryCode {
                            id: get(r, "id")?,
                            user_id: UserId::from_uuid(get(r, "user_id")?),
                            code_sha256: get(r, "code_sha256")?,
                            used_at: get(r, "used_at")?,
                        })
                    })
                    .collect()
            }

            async fn spend_recovery_code(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<bool> {
                let r = sqlx::query(SPEND_RECOVERY_CODE).bind(id).bind(ts(at)).execute(self.conn().await?).await.map_err(map)?;
                Ok(r.rows_affected() == 1)
            }

            async fn insert_sign_in_challenge(&mut self, c: &SignInChallenge) -> Result<()> {
                sqlx::query(INSERT_CHALLENGE)
                    .bind(c.id)
                    .bind(c.user_id.as_uuid())
                    .bind(c.secret_sha256.as_str())
                    .bind(ts(c.created_at))
                    .bind(ts(c.expires_at))
                    .bind(c.used_at.map(ts))
                    .bind(c.client.address.as_deref())
                    .bind(c.client.user_agent.as_deref())
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn sign_in_challenge(&mut self, id: Uuid) -> Result<Option<SignInChallenge>> {
                let row = sqlx::query(CHALLENGE_BY_ID).bind(id).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref()
                    .map(|r| {
                        Ok(SignInChallenge {
                            id: get(r, "id")?,
                            user_id: UserId::from_uuid(get(r, "user_id")?),
                            secret_sha256: get(r, "secret_sha256")?,
                            created_at: get(r, "created_at")?,
                            expires_at: get(r, "expires_at")?,
                            used_at: get(r, "used_at")?,
                            client: ClientInfo { address: get(r, "client_address")?, user_agent: get(r, "user_agent")? },
                        })
                    })
                    .transpose()
            }

            async fn spend_sign_in_challenge(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<bool> {
                let r = sqlx::query(SPEND_CHALLENGE).bind(id).bind(ts(at)).execute(self.conn().await?).await.map_err(map)?;
                Ok(r.rows_affected() == 1)
            }

            async fn revoke_session(&mut self, id: SessionId, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(REVOKE_SESSION).bind(id.as_uuid()).bind(ts(at)).execute(self.conn().await?).await.map_err(map)?;
                Ok(())
            }

            async fn revoke_sessions_of(&mut self, user: UserId, at: DateTime<Utc>) -> Result<u64> {
                let r = sqlx::query(REVOKE_SESSIONS_OF).bind(user.as_uuid()).bind(ts(at)).execute(self.conn().await?).await.map_err(map)?;
                Ok(r.rows_affected())
            }

            async fn insert_refresh_token(&mut self, t: &RefreshToken) -> Result<()> {
                sqlx::query(INSERT_REFRESH)
                    .bind(t.id)
                    .bind(t.session_id.as_uuid())
                    .bind(t.secret_sha256.as_str())
                    .bind(ts(t.created_at))
                    .bind(ts(t.expires_at))
                    .bind(t.used_at.map(ts))
                    .execute(self.conn().await?)
                    .await
                    .map_err(map)?;
                Ok(())
            }

            async fn refresh_token(&mut self, id: Uuid) -> Result<Option<RefreshToken>> {
                let row = sqlx::query(REFRESH_BY_ID).bind(id).fetch_optional(self.conn().await?).await.map_err(map)?;
                row.as_ref()
                    .map(|r| {
                        Ok(RefreshToken {
                            id: get(r, "id")?,
                            session_id: SessionId::from_uuid(get(r, "session_id")?),
                            secret_sha256: get(r, "secret_sha256")?,
                            created_at: get(r, "created_at")?,
                            expires_at: get(r, "expires_at")?,
                            used_at: get(r, "used_at")?,
                        })
                    })
                    .transpose()
            }

            async fn spend_refresh_token(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<bool> {
                let r = sqlx::query(SPEND_REFRESH).bind(id).bind(ts(at)).execute(self.conn().await?).await.map_err(map)?;
                Ok(r.rows_affected() == 1)
            }

            async fn login_failures(&mut self, key: &str, since: DateTime<Utc>) -> Result<(u64, Option<DateTime<Utc>>)> {
                let row = sqlx::query(COUNT_LOGIN_FAILURES).bind(key).bind(ts(since)).fetch_one(self.conn().await?).await.map_err(map)?;
                let count: i64 = geti(&row, 0)?;
                if count == 0 {
                    return Ok((0, None));
                }
                let row =
                    sqlx::query(OLDEST_LOGIN_FAILURE).bind(key).bind(ts(since)).fetch_optional(self.conn().await?).await.map_err(map)?;
                let oldest = row.as_ref().map(|r| get(r, "at")).transpose()?;
                Ok((count as u64, oldest))
            }

            async fn record_login_failure(&mut self, key: &str, at: DateTime<Utc>, forget_before: DateTime<Utc>) -> Result<()> {
                sqlx::query(FORGET_LOGIN_FAILURES).bind(key).bind(ts(forget_before)).execute(self.conn().await?).await.map_err(map)?;
                sqlx::query(INSERT_LOGIN_FAILURE).bind(key).bind(ts(at)).execute(self.conn().await?).await.map_err(map)?;
                Ok(())
            }

            async fn clear_login_failures(&mut self, key: &str) -> Result<()> {
                sqlx::query(CLEAR_LOGIN_FAILURES).bind(key).execute(self.conn().await?).await.map_err(map)?;
                Ok(())
            }

            async fn dashboard(&mut self, today: (DateTime<Utc>, DateTime<Utc>), busiest: u32) -> Result<Dashboard> {
                // A day that begins and ends on quarter hours (in every time zone in use) is the
                // sum of its kept quarter hours; another is counted from the appointments.
                let quarter = |t: DateTime<Utc>| {
                    (t.timestamp_subsec_nanos() == 0 && t.timestamp().rem_euclid(START_BUCKET_SECONDS) == 0)
                        .then(|| t.timestamp().div_euclid(START_BUCKET_SECONDS))
                };
                let busiest = i64::from(busiest);
                let query = match (quarter(today.0), quarter(today.1)) {
                    (Some(from), Some(to)) => sqlx::query(DASHBOARD_TODAY_KEPT).bind(busiest).bind(from).bind(to),
                    _ => sqlx::query(DASHBOARD_TODAY_COUNTED).bind(busiest).bind(ts(today.0)).bind(ts(today.1)),
                };
                let rows = query.fetch_all(self.conn().await?).await.map_err(map)?;
                let mut by_status: Vec<StatusCount> =
                    AppointmentStatus::ALL.iter().map(|&status| StatusCount { status, count: 0 }).collect();
                let (mut doctors, mut patients, mut today_appointments) = (0u64, 0u64, 0u64);
                let (mut revenue, mut pending, mut busiest_doctors) = (Vec::new(), Vec::new(), Vec::new());
                for r in &rows {
                    let n = u64::try_from(geti::<Option<i64>>(r, 3)?.unwrap_or(0)).unwrap_or(0);
                    match geti::<i64>(r, 0)? {
                        0 => {
                            let (kind, key): (String, String) = (geti(r, 1)?, geti(r, 2)?);
                            match kind.as_str() {
                                "status" => {
                                    let status: AppointmentStatus = parse("status", &key)?;
                                    if let Some(s) = by_status.iter_mut().find(|s| s.status == status) {
                                        s.count = n;
                                    }
                                }
                                "active" if key == "doctor" => doctors = n,
                                "active" if key == "patient" => patients = n,
                                "paid" | "pending" if n > 0 => {
                                    let currency: Currency = parse("currency", &key)?;
                                    let minor: i64 = geti::<Option<i64>>(r, 4)?.unwrap_or(0);
                                    let list = if kind == "paid" { &mut revenue } else { &mut pending };
                                    list.push(crate::from_minor_units(minor, currency));
                                }
                                _ => {}
                            }
                        }
                        1 => today_appointments = n,
                        _ => busiest_doctors.push(DoctorLoad {
                            doctor_id: DoctorId::from_uuid(geti(r, 5)?),
                            full_name: parse("full_name", &geti::<String>(r, 2)?)?,
                            appointments: n,
                        }),
                    }
                }
                for list in [&mut revenue, &mut pending] {
                    list.sort_by(|a: &hms_core::Money, b: &hms_core::Money| a.currency.code().cmp(b.currency.code()));
                }
                Ok(Dashboard {
                    computed_at: Utc::now(),
                    doctors,
                    patients,
                    appointments_by_status: by_status,
                    today_appointments,
                    revenue,
                    pending,
                    busiest_doctors,
                })
            }
        }
    };
}

pub(crate) use impl_tx;
