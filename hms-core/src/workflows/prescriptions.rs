//! Prescriptions: writing and editing on one's own appointments, reading, and stored analyses.

use chrono::{DateTime, NaiveDate, Utc};

use crate::appointment::{Appointment, AppointmentStatus};
use crate::audit::AuditAction;
use crate::error::{Error, Result, Validator};
use crate::hospital::{Audit, Hospital, authorize, refuse, relation};
use crate::ids::{AnalysisId, AppointmentId, EntityKind, PrescriptionId};
use crate::notification::NotificationKind;
use crate::page::{Page, PageRequest};
use crate::policy::{Action, Actor, Denial};
use crate::ports::{PrescriptionFilter, Tx, TxMode};
use crate::prescription::{
    ANALYSIS_DISCLAIMER, AnalysisSubject, Medication, MedicationOrder, NewAnalysis, Prescription, PrescriptionAnalysis, Route,
};
use crate::values::{optional_text, required_text};

/// One medication as entered.
#[derive(Debug, Clone)]
pub struct MedicationInput {
    /// Drug name.
    pub name: String,
    /// Strength or dose, e.g. `500 mg`.
    pub strength: String,
    /// Route.
    pub route: Route,
    /// Frequency, e.g. `twice daily`.
    pub frequency: String,
    /// Duration in days.
    pub duration_days: u16,
    /// Instructions.
    pub instructions: String,
}

/// A prescription's content, as entered for a new one or an edit.
#[derive(Debug, Clone)]
pub struct PrescriptionInput {
    /// Diagnosis.
    pub diagnosis: String,
    /// At least one medication.
    pub medications: Vec<MedicationInput>,
    /// General instructions.
    pub instructions: String,
    /// Follow-up date, not before the appointment.
    pub follow_up: Option<NaiveDate>,
}

struct ParsedContent {
    diagnosis: String,
    medications: Vec<Medication>,
    instructions: String,
    follow_up: Option<NaiveDate>,
}

fn parse_content(input: &PrescriptionInput) -> Result<ParsedContent> {
    let mut v = Validator::new();
    let diagnosis = v.check("diagnosis", required_text(&input.diagnosis, 2000));
    let instructions = v.check("instructions", optional_text(&input.instructions, 4000));
    v.ensure(!input.medications.is_empty(), "medications", "must have at least one medication");
    v.ensure(input.medications.len() <= 30, "medications", "must have at most 30 medications");
    let mut medications = Vec::with_capacity(input.medications.len());
    for (i, m) in input.medications.iter().enumerate() {
        if let Some(m) = v.check_all(
            &format!("medications[{i}]"),
            Medication::parse(&m.name, &m.strength, m.route, &m.frequency, m.duration_days, &m.instructions),
        ) {
            medications.push(m);
        }
    }
    v.finish()?;
    Ok(ParsedContent {
        diagnosis: diagnosis.unwrap_or_default(),
        medications,
        instructions: instructions.unwrap_or_default(),
        follow_up: input.follow_up,
    })
}

impl Hospital {
    fn check_follow_up(&self, content: &ParsedContent, appointment: &Appointment) -> Result<()> {
        if let Some(f) = content.follow_up {
            let day = appointment.starts_at.with_timezone(&self.config.time_zone.tz()).date_naive();
            if f < day {
                return Err(Error::rule("follow_up", "must not be before the appointment"));
            }
        }
        Ok(())
    }

    /// Writes the prescription of a confirmed or completed appointment; only that appointment's doctor may.
    pub async fn write_prescription(
        &self,
        actor: &Actor,
        appointment_id: AppointmentId,
        input: PrescriptionInput,
        now: DateTime<Utc>,
    ) -> Result<Prescription> {
        self.guard(actor, Action::WritePrescription, EntityKind::Prescription, now).await?;
        let content = parse_content(&input)?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let appointment = tx.appointment(appointment_id).await?.ok_or(Error::not_found(EntityKind::Appointment))?;
            authorize(
                actor,
                Action::WritePrescription,
                relation(actor.doctor_id() == Some(appointment.doctor_id)),
                EntityKind::Appointment,
                appointment_id,
                Some(appointment.patient_id),
            )?;
            if !matches!(appointment.status, AppointmentStatus::Confirmed | AppointmentStatus::Completed) {
                return Err(Error::rule("appointment_id", "a prescription needs a confirmed or completed appointment"));
            }
            self.check_follow_up(&content, &appointment)?;
            let prescription = Prescription {
                id: PrescriptionId::new(),
                appointment_id,
                doctor_id: appointment.doctor_id,
                patient_id: appointment.patient_id,
                diagnosis: content.diagnosis,
                medications: content.medications,
                instructions: content.instructions,
                follow_up: content.follow_up,
                revision: 1,
                created_at: now,
                updated_at: now,
            };
            tx.insert_prescription(&prescription).await?;
            let patient = tx.user(appointment.patient_id.into()).await?.ok_or(Error::not_found(EntityKind::Patient))?;
            self.notify(&mut *tx, patient.id, &patient.email, NotificationKind::PrescriptionReady, "Your prescription is ready", now)
                .await?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Create, "prescription.write", EntityKind::Prescription, prescription.id)
                    .patient(prescription.patient_id),
                now,
            )
            .await?;
            Ok(prescription)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    async fn load_prescription(&self, tx: &mut dyn Tx, actor: &Actor, action: Action, id: PrescriptionId) -> Result<Prescription> {
        let p = tx.prescription(id).await?.ok_or(Error::not_found(EntityKind::Prescription))?;
        let own = actor.doctor_id() == Some(p.doctor_id) || actor.patient_id() == Some(p.patient_id);
        authorize(actor, action, relation(own), EntityKind::Prescription, id, Some(p.patient_id))?;
        Ok(p)
    }

    /// Edits a prescription (its doctor only); the revision grows by one. With `expected`, only
    /// while the prescription is at one of those revisions (else `PreconditionFailed`).
    pub async fn edit_prescription(
        &self,
        actor: &Actor,
        id: PrescriptionId,
        input: PrescriptionInput,
        expected: Option<&[u32]>,
        now: DateTime<Utc>,
    ) -> Result<Prescription> {
        self.guard(actor, Action::WritePrescription, EntityKind::Prescription, now).await?;
        let content = parse_content(&input)?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let mut p = self.load_prescription(&mut *tx, actor, Action::WritePrescription, id).await?;
            Error::expect_version(EntityKind::Prescription, p.revision, expected)?;
            let appointment = tx.appointment(p.appointment_id).await?.ok_or(Error::not_found(EntityKind::Appointment))?;
            self.check_follow_up(&content, &appointment)?;
            p.diagnosis = content.diagnosis;
            p.medications = content.medications;
            p.instructions = content.instructions;
            p.follow_up = content.follow_up;
            p.revision += 1;
            p.updated_at = now;
            tx.update_prescription(&p).await?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Update, "prescription.edit", EntityKind::Prescription, id).patient(p.patient_id),
                now,
            )
            .await?;
            Ok(p)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// One prescription; the read is audited.
    pub async fn prescription(&self, actor: &Actor, id: PrescriptionId, now: DateTime<Utc>) -> Result<Prescription> {
        self.guard(actor, Action::ReadPrescription, EntityKind::Prescription, now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let p = self.load_prescription(&mut *tx, actor, Action::ReadPrescription, id).await?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Read, "prescription.read", EntityKind::Prescription, id).patient(p.patient_id),
                now,
            )
            .await?;
            Ok(p)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Lists prescriptions, newest first; doctors and patients see only their own.
    pub async fn list_prescriptions(
        &self,
        actor: &Actor,
        filter: PrescriptionFilter,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<Page<Prescription>> {
        let filter = self.readable_prescriptions(actor, filter, now).await?;
        let mut tx = self.begin(TxMode::Read).await?;
        let result = tx.list_prescriptions(&filter, page).await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// `filter` narrowed to what `actor` may list: a doctor their own prescriptions, a patient
    /// their own (naming someone else's is refused as if they did not exist).
    async fn readable_prescriptions(
        &self,
        actor: &Actor,
        mut filter: PrescriptionFilter,
        now: DateTime<Utc>,
    ) -> Result<PrescriptionFilter> {
        self.guard(actor, Action::ReadPrescription, EntityKind::Prescription, now).await?;
        let hidden = |entity, id: String| refuse(Denial::Hidden, Action::ReadPrescription, entity, Some(id), None);
        if let Some(me) = actor.doctor_id() {
            match filter.doctor_id {
                Some(d) if d != me => return self.refused(actor, hidden(EntityKind::Doctor, d.to_string()), now).await,
                _ => filter.doctor_id = Some(me),
            }
        }
        if let Some(me) = actor.patient_id() {
            match filter.patient_id {
                Some(p) if p != me => return self.refused(actor, hidden(EntityKind::Patient, p.to_string()), now).await,
                _ => filter.patient_id = Some(me),
            }
        }
        Ok(filter)
    }

    /// The medications of the prescriptions one may read, one by one (newest prescription first,
    /// each in its written order), a page of them: what a medication order is to systems that
    /// count each medication as an order of its own. The same readers as `list_prescriptions`.
    pub async fn list_medication_orders(
        &self,
        actor: &Actor,
        filter: PrescriptionFilter,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<Page<MedicationOrder>> {
        let filter = self.readable_prescriptions(actor, filter, now).await?;
        let skip = u64::from(page.page() - 1) * u64::from(page.per_page());
        let mut tx = self.begin(TxMode::Read).await?;
        let result = tx.prescriptions_by_medication(&filter, skip, page.per_page()).await;
        let (found, total) = self.finish(tx, Some(actor), result, now).await?;
        let mut orders = Vec::new();
        for (prescription, before) in found {
            for index in 0..prescription.medications.len() {
                let n = before + index as u64;
                if n >= skip && n < skip + u64::from(page.per_page()) {
                    orders.push(MedicationOrder { prescription: prescription.clone(), index });
                }
            }
        }
        Ok(Page::new(orders, page, total))
    }

    /// The prescription and its patient, for an analyzer; only those who may ask for an analysis.
    pub async fn analysis_subject(&self, actor: &Actor, id: PrescriptionId, now: DateTime<Utc>) -> Result<AnalysisSubject> {
        self.guard(actor, Action::AnalyzePrescription, EntityKind::Prescription, now).await?;
        let mut tx = self.begin(TxMode::Read).await?;
        let result = async {
            let prescription = self.load_prescription(&mut *tx, actor, Action::AnalyzePrescription, id).await?;
            let patient = tx.patient(prescription.patient_id).await?.ok_or(Error::not_found(EntityKind::Patient))?;
            Ok(AnalysisSubject { prescription, patient })
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Stores an analysis of a prescription, with the fixed disclaimer; the request is audited.
    pub async fn store_analysis(
        &self,
        actor: &Actor,
        id: PrescriptionId,
        analysis: NewAnalysis,
        now: DateTime<Utc>,
    ) -> Result<PrescriptionAnalysis> {
        self.guard(actor, Action::AnalyzePrescription, EntityKind::Analysis, now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let p = self.load_prescription(&mut *tx, actor, Action::AnalyzePrescription, id).await?;
            if analysis.prescription_revision > p.revision || analysis.prescription_revision == 0 {
                return Err(Error::invalid("prescription_revision", "is not a revision of this prescription"));
            }
            let stored = PrescriptionAnalysis {
                id: AnalysisId::new(),
                prescription_id: id,
                prescription_revision: analysis.prescription_revision,
                requested_by: actor.id(),
                created_at: now,
                checks: analysis.checks,
                review: analysis.review,
                review_unavailable_reason: analysis.review_unavailable_reason,
                outcome: analysis.outcome,
                model: analysis.model,
                payload_sha256: analysis.payload_sha256,
                latency_ms: analysis.latency_ms,
                disclaimer: ANALYSIS_DISCLAIMER.to_string(),
                content_sha256: Some(analysis.content_sha256),
            };
            tx.insert_analysis(&stored).await?;
            let detail = format!(
                "outcome={} model={} sha256={} latency_ms={}",
                stored.outcome,
                stored.model.as_deref().unwrap_or("-"),
                stored.payload_sha256.as_deref().unwrap_or("-"),
                stored.latency_ms
            );
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::AiRequest, "prescription.analyze", EntityKind::Analysis, stored.id)
                    .patient(p.patient_id)
                    .detail(detail),
                now,
            )
            .await?;
            Ok(stored)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// The newest stored analysis of a prescription, if any.
    pub async fn latest_analysis(&self, actor: &Actor, id: PrescriptionId, now: DateTime<Utc>) -> Result<Option<PrescriptionAnalysis>> {
        self.guard(actor, Action::AnalyzePrescription, EntityKind::Analysis, now).await?;
        let mut tx = self.begin(TxMode::Read).await?;
        let result = async {
            self.load_prescription(&mut *tx, actor, Action::AnalyzePrescription, id).await?;
            tx.latest_analysis(id).await
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Analyses a prescription with the hospital's analyzer (its doctor or an admin). An unchanged
    /// prescription is answered from the newest stored analysis unless `fresh` is asked for; a new
    /// analysis is stored and audited. The analyzer runs outside any transaction.
    pub async fn analyze_prescription(
        &self,
        actor: &Actor,
        id: PrescriptionId,
        fresh: bool,
        now: DateTime<Utc>,
    ) -> Result<PrescriptionAnalysis> {
        let Some(analyzer) = self.analyzer.clone() else {
            return Err(Error::Unavailable("prescription analysis (no analyzer is configured)".into()));
        };
        let subject = self.analysis_subject(actor, id, now).await?;
        if !fresh
            && let Some(stored) = self.latest_analysis(actor, id, now).await?
            && stored.prescription_revision == subject.prescription.revision
            && stored.content_sha256 == Some(subject.content_sha256())
        {
            // Every request is audited, including one answered from the stored analysis.
            let mut tx = self.begin(TxMode::Write).await?;
            let audit = Audit::new(AuditAction::AiRequest, "prescription.analyze", EntityKind::Analysis, stored.id)
                .patient(subject.prescription.patient_id)
                .detail("answered from the stored analysis of this content");
            let result = self.audit(&mut *tx, Some(actor), audit, now).await;
            self.finish(tx, Some(actor), result, now).await?;
            return Ok(stored);
        }
        let today = now.with_timezone(&self.config.time_zone.tz()).date_naive();
        let analysis = analyzer.analyze(&subject, today).await;
        self.store_analysis(actor, id, analysis, now).await
    }
}
