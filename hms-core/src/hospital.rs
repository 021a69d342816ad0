//! [`Hospital`]: the entry point every front end calls; it owns the ports and runs the workflows.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::audit::{AuditAction, AuditEvent, AuditOutcome};
use crate::clinical::DEFAULT_MAX_DOCUMENT_BYTES;
use crate::error::{Error, Refusal, Result};
use crate::ids::{AuditId, EntityKind, PatientId};
use crate::money::Currency;
use crate::policy::{self, Action, Actor, Denial, Relation, Scope};
use crate::ports::{BlobStore, PrescriptionAnalyzer, Store, Tx, TxMode};
use crate::user::PasswordCost;
use crate::values::TimeZone;

/// How a hospital runs: its time zone, currency and a few switches.
#[derive(Debug, Clone)]
pub struct HospitalConfig {
    /// The IANA time zone availability rules are read in (default UTC).
    pub time_zone: TimeZone,
    /// The currency of fees and invoices unless a doctor's fee says otherwise.
    pub currency: Currency,
    /// Whether self-registered doctors wait for an admin to activate them.
    pub doctor_approval_required: bool,
    /// The argon2id cost for new password hashes.
    pub password_cost: PasswordCost,
    /// The largest document accepted, in bytes.
    pub max_document_bytes: u64,
    /// How long a sign-in session lasts at most, refreshes or not.
    pub session_ttl: chrono::Duration,
    /// How long one refresh token stays valid.
    pub refresh_ttl: chrono::Duration,
    /// Failed sign-ins allowed for one account within `login_window` before further attempts are refused.
    pub login_failures_per_account: u32,
    /// Failed sign-ins allowed from one client address within `login_window`.
    pub login_failures_per_address: u32,
    /// The window failed sign-ins are counted in. The counts live in the database, so every
    /// process serving the hospital sees the same ones.
    pub login_window: chrono::Duration,
    /// When a commit to a SQLite database counts as done (PostgreSQL's is its server's
    /// `synchronous_commit`). Durable by default.
    pub sqlite_synchronous: SqliteSynchronous,
    /// The key that seals second-factor keys and the reset tokens in queued e-mails. Without it,
    /// enrolling a second factor and resetting a password by e-mail are refused.
    pub secret_key: Option<crate::security::SecretKey>,
    /// The roles that must sign in with a second factor; such a user without one may sign in only
    /// to enrol.
    pub second_factor_roles: Vec<crate::user::Role>,
    /// How long a password-reset token works.
    pub password_reset_ttl: chrono::Duration,
    /// How long the second step of a sign-in may take.
    pub sign_in_challenge_ttl: chrono::Duration,
    /// Where a reset link points, the token appended (e.g. the portal's page, `https://hms.example.org/#/reset/`);
    /// without it the e-mail gives the token alone.
    pub reset_link: Option<String>,
}

crate::code_enum! {
    /// When a commit to a SQLite database counts as done: SQLite's `synchronous` setting.
    #[derive(Default)]
    pub enum SqliteSynchronous {
        /// The write-ahead log is flushed to the disk before a commit returns: an acknowledged
        /// write survives a crash of the process, of the operating system and a power cut. The
        /// default.
        #[default]
        Full = "full",
        /// The log is flushed only when it is copied into the database file: an acknowledged
        /// write survives a crash of the process, but the last ones are lost if the machine stops.
        /// An explicit opt-out, for data that can be made again.
        Normal = "normal",
    }
}

impl Default for HospitalConfig {
    fn default() -> Self {
        Self {
            time_zone: TimeZone::UTC,
            currency: Currency::USD,
            doctor_approval_required: false,
            password_cost: PasswordCost::default(),
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
            session_ttl: chrono::Duration::days(30),
            refresh_ttl: chrono::Duration::days(14),
            login_failures_per_account: 5,
            login_failures_per_address: 50,
            login_window: chrono::Duration::minutes(15),
            sqlite_synchronous: SqliteSynchronous::default(),
            secret_key: None,
            second_factor_roles: Vec::new(),
            password_reset_ttl: chrono::Duration::minutes(30),
            sign_in_challenge_ttl: chrono::Duration::minutes(5),
            reset_link: None,
        }
    }
}

/// What anyone may know of how the hospital runs, signed in or not: what a client needs to show
/// times and money as the hospital does and to offer the sign-in options it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicSettings {
    /// The time zone the hospital's days and availability are read in.
    pub time_zone: TimeZone,
    /// The currency of fees and invoices unless a doctor's fee says otherwise.
    pub currency: Currency,
    /// Whether self-registered doctors wait for an admin to activate them.
    pub doctor_approval_required: bool,
    /// Whether a forgotten password can be reset through an e-mailed link.
    pub password_reset_by_email: bool,
    /// The roles that must sign in with a second factor.
    pub second_factor_roles: Vec<crate::user::Role>,
}

impl HospitalConfig {
    /// The part of the settings that is public.
    pub fn public_settings(&self) -> PublicSettings {
        PublicSettings {
            time_zone: self.time_zone,
            currency: self.currency,
            doctor_approval_required: self.doctor_approval_required,
            password_reset_by_email: self.secret_key.is_some(),
            second_factor_roles: self.second_factor_roles.clone(),
        }
    }
}

/// A hospital: the storage and blob ports plus configuration. Cheap to clone and share between threads.
#[derive(Clone)]
pub struct Hospital {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) blobs: Arc<dyn BlobStore>,
    pub(crate) config: Arc<HospitalConfig>,
    pub(crate) analyzer: Option<Arc<dyn PrescriptionAnalyzer>>,
}

impl std::fmt::Debug for Hospital {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hospital").field("backend", &self.store.backend()).field("config", &self.config).finish()
    }
}

/// What an audit record says about one action, before it is stamped with actor and time.
pub(crate) struct Audit {
    pub action: AuditAction,
    pub operation: &'static str,
    pub entity: EntityKind,
    pub entity_id: Option<String>,
    pub patient: Option<PatientId>,
    pub detail: String,
}

impl Audit {
    pub(crate) fn new(action: AuditAction, operation: &'static str, entity: EntityKind, id: impl ToString) -> Self {
        Self { action, operation, entity, entity_id: Some(id.to_string()), patient: None, detail: String::new() }
    }

    pub(crate) fn patient(mut self, patient: PatientId) -> Self {
        self.patient = Some(patient);
        self
    }

    pub(crate) fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

impl Hospital {
    /// A hospital over the given ports.
    pub fn new(store: Arc<dyn Store>, blobs: Arc<dyn BlobStore>, config: HospitalConfig) -> Self {
        Self { store, blobs, config: Arc::new(config), analyzer: None }
    }

    /// The same hospital, analysing prescriptions with `analyzer`.
    pub fn with_analyzer(mut self, analyzer: Arc<dyn PrescriptionAnalyzer>) -> Self {
        self.analyzer = Some(analyzer);
        self
    }

    /// The same hospital (same database and blobs) run with another configuration.
    pub fn with_config(&self, config: HospitalConfig) -> Self {
        Self { store: self.store.clone(), blobs: self.blobs.clone(), config: Arc::new(config), analyzer: self.analyzer.clone() }
    }

    /// The configuration.
    pub fn config(&self) -> &HospitalConfig {
        &self.config
    }

    /// The storage port (for health checks and tools).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        self.store.ping().await
    }

    pub(crate) async fn begin(&self, mode: TxMode) -> Result<Box<dyn Tx>> {
        self.store.begin(mode).await
    }

    /// Commits `tx` if `result` is a success; otherwise rolls it back and, for a refusal, writes
    /// the refusal to the audit log in a transaction of its own.
    pub(crate) async fn finish<T>(&self, tx: Box<dyn Tx>, actor: Option<&Actor>, result: Result<T>, now: DateTime<Utc>) -> Result<T> {
        match result {
            Ok(value) => {
                tx.commit().await?;
                Ok(value)
            }
            Err(error) => {
                let _ = tx.rollback().await;
                if let Some(refusal) = error.refusal() {
                    self.audit_refusal(actor, refusal, now).await?;
                }
                Err(error)
            }
        }
    }

    /// Audits the refusal inside `error` (if it is one) and returns the error.
    pub(crate) async fn refused<T>(&self, actor: &Actor, error: Error, now: DateTime<Utc>) -> Result<T> {
        if let Some(refusal) = error.refusal() {
            self.audit_refusal(Some(actor), refusal, now).await?;
        }
        Err(error)
    }

    /// Refuses (and audits) `actor` unless their role may take `action` at all: for adapters that
    /// answer from a cache and must still apply the policy on every call.
    pub async fn ensure_may(&self, actor: &Actor, action: Action, entity: EntityKind, now: DateTime<Utc>) -> Result<()> {
        self.guard(actor, action, entity, now).await
    }

    /// Refuses (and audits) an actor whose role holds no grant for `action`.
    pub(crate) async fn guard(&self, actor: &Actor, action: Action, entity: EntityKind, now: DateTime<Utc>) -> Result<()> {
        let result = gate(actor, action, entity);
        if let Err(e) = &result
            && let Some(refusal) = e.refusal()
        {
            self.audit_refusal(Some(actor), refusal, now).await?;
        }
        result
    }

    async fn audit_refusal(&self, actor: Option<&Actor>, refusal: &Refusal, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin(TxMode::Write).await?;
        let event = AuditEvent {
            id: AuditId::new(),
            at: now,
            actor_id: actor.map(Actor::id),
            actor_role: actor.map(Actor::role),
            action: AuditAction::Refused,
            operation: refusal.action.to_string(),
            entity: refusal.entity,
            entity_id: refusal.entity_id.clone(),
            patient_id: refusal.patient,
            outcome: AuditOutcome::Refused,
            detail: String::new(),
        };
        tx.insert_audit(&event).await?;
        tx.commit().await
    }

    /// Records a successful action in the audit log, inside the workflow's transaction.
    pub(crate) async fn audit(&self, tx: &mut dyn Tx, actor: Option<&Actor>, audit: Audit, now: DateTime<Utc>) -> Result<()> {
        self.audit_outcome(tx, actor, audit, AuditOutcome::Success, now).await
    }

    pub(crate) async fn audit_outcome(
        &self,
        tx: &mut dyn Tx,
        actor: Option<&Actor>,
        audit: Audit,
        outcome: AuditOutcome,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let event = AuditEvent {
            id: AuditId::new(),
            at: now,
            actor_id: actor.map(Actor::id),
            actor_role: actor.map(Actor::role),
            action: audit.action,
            operation: audit.operation.to_string(),
            entity: audit.entity,
            entity_id: audit.entity_id,
            patient_id: audit.patient,
            outcome,
            detail: audit.detail,
        };
        tx.insert_audit(&event).await
    }
}

/// Builds the error for a policy denial.
pub(crate) fn refuse(denial: Denial, action: Action, entity: EntityKind, entity_id: Option<String>, patient: Option<PatientId>) -> Error {
    let refusal = Refusal { action: action.as_str(), entity, entity_id, patient };
    match denial {
        Denial::Forbidden => Error::Forbidden(refusal),
        Denial::Hidden => Error::Hidden(refusal),
    }
}

/// For the workflows on one's own account that need no grant (profile edits, notifications): an
/// actor limited to enrolling a second factor may not use them.
pub(crate) fn full_access(actor: &Actor) -> Result<()> {
    if actor.enrolment_only() { Err(Error::SecondFactorRequired) } else { Ok(()) }
}

/// The first check of every workflow: does the actor's role hold any grant for `action`?
pub(crate) fn gate(actor: &Actor, action: Action, entity: EntityKind) -> Result<()> {
    if actor.enrolment_only() {
        return Err(Error::SecondFactorRequired);
    }
    if policy::may_ever(actor.role(), action) { Ok(()) } else { Err(refuse(Denial::Forbidden, action, entity, None, None)) }
}

/// The full check, once the record and its relation to the actor are known.
pub(crate) fn authorize(
    actor: &Actor,
    action: Action,
    relation: Relation,
    entity: EntityKind,
    entity_id: impl ToString,
    patient: Option<PatientId>,
) -> Result<Scope> {
    if actor.enrolment_only() {
        return Err(Error::SecondFactorRequired);
    }
    policy::decide(actor.role(), action, relation).map_err(|d| refuse(d, action, entity, Some(entity_id.to_string()), patient))
}

/// `Own` when `own` holds.
pub(crate) fn relation(own: bool) -> Relation {
    if own { Relation::Own } else { Relation::Other }
}
