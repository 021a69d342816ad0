//! Bulk export: every record of a kind, read in batches walked by id, for analytics.
//!
//! An export reads the whole hospital, so it is for admins alone (`Action::BulkExport`) and is
//! audited once when it begins. Batches are bounded, and each starts after the last id of the one
//! before (ids are time-ordered UUIDs): an export of any size holds one batch at a time and never
//! rescans what it has read.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::appointment::Appointment;
use crate::audit::AuditAction;
use crate::billing::Invoice;
use crate::clinical::Document;
use crate::error::{Error, Result};
use crate::hospital::{Audit, Hospital};
use crate::ids::EntityKind;
use crate::policy::{Action, Actor};
use crate::ports::TxMode;
use crate::prescription::Prescription;
use crate::profile::{Doctor, Patient};

/// The largest batch.
pub const MAX_EXPORT_BATCH: u32 = 5_000;

crate::code_enum! {
    /// A kind of record an export reads.
    pub enum ExportKind {
        /// Patients (with their clinical details).
        Patient = "patient",
        /// Doctors.
        Doctor = "doctor",
        /// Appointments.
        Appointment = "appointment",
        /// Prescriptions.
        Prescription = "prescription",
        /// Documents (their descriptions; the bytes are read one by one).
        Document = "document",
        /// Invoices.
        Invoice = "invoice",
    }
}

/// One batch of an export, in id order.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportBatch {
    /// Patients.
    Patients(Vec<Patient>),
    /// Doctors.
    Doctors(Vec<Doctor>),
    /// Appointments.
    Appointments(Vec<Appointment>),
    /// Prescriptions.
    Prescriptions(Vec<Prescription>),
    /// Documents.
    Documents(Vec<Document>),
    /// Invoices.
    Invoices(Vec<Invoice>),
}

impl ExportBatch {
    /// How many records it holds.
    pub fn len(&self) -> usize {
        match self {
            ExportBatch::Patients(v) => v.len(),
            ExportBatch::Doctors(v) => v.len(),
            ExportBatch::Appointments(v) => v.len(),
            ExportBatch::Prescriptions(v) => v.len(),
            ExportBatch::Documents(v) => v.len(),
            ExportBatch::Invoices(v) => v.len(),
        }
    }

    /// Whether it holds none (the export of its kind is done).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The id the next batch starts after.
    pub fn last_id(&self) -> Option<Uuid> {
        match self {
            ExportBatch::Patients(v) => v.last().map(|r| r.id.as_uuid()),
            ExportBatch::Doctors(v) => v.last().map(|r| r.id.as_uuid()),
            ExportBatch::Appointments(v) => v.last().map(|r| r.id.as_uuid()),
            ExportBatch::Prescriptions(v) => v.last().map(|r| r.id.as_uuid()),
            ExportBatch::Documents(v) => v.last().map(|r| r.id.as_uuid()),
            ExportBatch::Invoices(v) => v.last().map(|r| r.id.as_uuid()),
        }
    }
}

impl Hospital {
    /// Begins an export of `what` (in words, for the audit log): admins only; audited.
    pub async fn begin_export(&self, actor: &Actor, what: &str, now: DateTime<Utc>) -> Result<()> {
        self.guard(actor, Action::BulkExport, EntityKind::Audit, now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let audit = Audit {
            action: AuditAction::Export,
            operation: "data.export",
            entity: EntityKind::Audit,
            entity_id: None,
            patient: None,
            detail: what.chars().take(500).collect(),
        };
        let result = self.audit(&mut *tx, Some(actor), audit, now).await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// The records of `kind` after the id `after` (from the first without it), changed at or
    /// after `since` if given, at most `limit` of them, in id order: admins only.
    pub async fn export_batch(
        &self,
        actor: &Actor,
        kind: ExportKind,
        after: Option<Uuid>,
        since: Option<DateTime<Utc>>,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<ExportBatch> {
        self.guard(actor, Action::BulkExport, EntityKind::Audit, now).await?;
        if limit == 0 || limit > MAX_EXPORT_BATCH {
            return Err(Error::invalid("limit", format!("must be from 1 to {MAX_EXPORT_BATCH}")));
        }
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = tx.export_batch(kind, after.unwrap_or(Uuid::nil()), since, limit).await;
        self.finish(tx, Some(actor), result, now).await
    }
}
