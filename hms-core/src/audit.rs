//! The audit log: append-only, admins read it.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::ids::{AuditId, EntityKind, PatientId, UserId};
use crate::user::Role;

crate::code_enum! {
    /// What was done.
    pub enum AuditAction {
        /// A record was read.
        Read = "read",
        /// A record was created.
        Create = "create",
        /// A record was changed.
        Update = "update",
        /// A record was removed.
        Delete = "delete",
        /// A user signed in.
        Login = "login",
        /// A sign-in failed.
        FailedLogin = "failed_login",
        /// Data was exported.
        Export = "export",
        /// An AI analysis was requested.
        AiRequest = "ai_request",
        /// An action was refused by the policy.
        Refused = "refused",
    }
}

impl fmt::Debug for AuditEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuditEvent({} {:?} {} {} {:?})", self.at, self.actor_id, self.action, self.entity, self.outcome)
    }
}

crate::code_enum! {
    /// How the action ended.
    pub enum AuditOutcome {
        /// It was done.
        Success = "success",
        /// It was refused.
        Refused = "refused",
        /// It failed.
        Failure = "failure",
    }
}

/// One audit event.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// The event's id.
    pub id: AuditId,
    /// When.
    pub at: DateTime<Utc>,
    /// Who acted (none for anonymous callers and the system).
    pub actor_id: Option<UserId>,
    /// The actor's role then.
    pub actor_role: Option<Role>,
    /// What was done.
    pub action: AuditAction,
    /// The workflow, e.g. `appointment.cancel`.
    pub operation: String,
    /// The kind of record.
    pub entity: EntityKind,
    /// The record's id, when there is one.
    pub entity_id: Option<String>,
    /// The patient concerned, when there is one.
    pub patient_id: Option<PatientId>,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// Extra detail (never clinical text).
    pub detail: String,
}

/// Filters for reading the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only events concerning this patient.
    pub patient_id: Option<PatientId>,
    /// Only events by this actor.
    pub actor_id: Option<UserId>,
    /// Only events at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only events before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only events with this action.
    pub action: Option<AuditAction>,
    /// Only the event with this id.
    pub id: Option<AuditId>,
}
