//! Admin: the dashboard and the audit log.

use chrono::{DateTime, Utc};

use crate::audit::{AuditEvent, AuditFilter};
use crate::dashboard::Dashboard;
use crate::error::Result;
use crate::hospital::Hospital;
use crate::ids::EntityKind;
use crate::page::{Page, PageRequest};
use crate::policy::{Action, Actor};
use crate::ports::TxMode;
use crate::schedule;

impl Hospital {
    /// Dashboard figures, computed now (callers may cache them; `computed_at` says when).
    pub async fn dashboard(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Dashboard> {
        self.guard(actor, Action::Dashboard, EntityKind::Dashboard, now).await?;
        let tz = self.config.time_zone;
        let today = schedule::local_day(tz, now.with_timezone(&tz.tz()).date_naive());
        let mut tx = self.begin(TxMode::Read).await?;
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
