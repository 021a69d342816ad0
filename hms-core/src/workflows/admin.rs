//! Admin: the dashboard and the audit log (and the account of what interfaces disclosed).

use chrono::{DateTime, Utc};

use crate::audit::{AuditAction, AuditEvent, AuditFilter};
use crate::dashboard::Dashboard;
use crate::error::Result;
use crate::hospital::{Audit, Hospital};
use crate::ids::{EntityKind, PatientId};
use crate::page::{Page, PageRequest};
use crate::policy::{Action, Actor};
use crate::ports::TxMode;
use crate::schedule;

/// A record an interface handed to its caller, for the audit log's account of what each caller
/// was shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    /// The kind of record.
    pub entity: EntityKind,
    /// Its id, where one record was shown.
    pub entity_id: Option<String>,
    /// The patient whose data it is, if any.
    pub patient_id: Option<PatientId>,
}

impl Hospital {
    /// Records that `actor` was shown `disclosures` by `operation` (`fhir.read`, `fhir.search`,
    /// `fhir.export`), in one transaction, one audit event each (`detail` says what was asked):
    /// so that a patient's trail names every read of their data through an interface that
    /// answers many records at once. What was shown was read through the workflows, under their
    /// permissions; this only keeps the account of it.
    pub async fn record_disclosures(
        &self,
        actor: &Actor,
        operation: &'static str,
        detail: &str,
        disclosures: &[Disclosure],
        now: DateTime<Utc>,
    ) -> Result<()> {
        if disclosures.is_empty() {
            return Ok(());
        }
        let detail: String = detail.chars().take(500).collect();
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            for d in disclosures {
                let audit = Audit {
                    action: AuditAction::Read,
                    operation,
                    entity: d.entity,
                    entity_id: d.entity_id.clone(),
                    patient: d.patient_id,
                    detail: detail.clone(),
                };
                self.audit(&mut *tx, Some(actor), audit, now).await?;
            }
            Ok(())
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Dashboard figures, computed now (callers may cache them; `computed_at` says when).
    pub async fn dashboard(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Dashboard> {
        self.guard(actor, Action::Dashboard, EntityKind::Dashboard, now).await?;
        let tz = self.config.time_zone;
        let today = schedule::local_day(tz, now.with_timezone(&tz.tz()).date_naive());
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = tx.dashboard(today, 5).await.map(|mut d| {
            d.computed_at = now;
            d
        });
        self.finish(tx, Some(actor), result, now).await
    }

    /// Audit events, newest first (admins).
    pub async fn audit_log(&self, actor: &Actor, filter: AuditFilter, page: PageRequest, now: DateTime<Utc>) -> Result<Page<AuditEvent>> {
        self.guard(actor, Action::ReadAudit, EntityKind::Audit, now).await?;
        if let (Some(f), Some(t)) = (filter.from, filter.to)
            && f > t
        {
            return Err(crate::error::Error::invalid("to", "must not be before from"));
        }
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = tx.list_audit(&filter, page).await;
        self.finish(tx, Some(actor), result, now).await
    }
}
