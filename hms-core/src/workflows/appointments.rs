//! Appointments: booking on a free slot, reading, the lifecycle steps, and day-before reminders.

use chrono::{DateTime, Duration, Utc};

use crate::appointment::{Appointment, Transition};
use crate::audit::AuditAction;
use crate::error::{Error, Result, Validator};
use crate::hospital::{Audit, Hospital, authorize, refuse, relation};
use crate::ids::{AppointmentId, DoctorId, EntityKind, PatientId};
use crate::notification::NotificationKind;
use crate::page::{Page, PageRequest};
use crate::policy::{Action, Actor, Denial};
use crate::ports::{AppointmentFilter, Tx, TxMode};
use crate::schedule;
use crate::values::optional_text;

/// A booking request: the doctor, the patient, and the start of one of the doctor's free slots.
#[derive(Debug, Clone)]
pub struct BookingInput {
    /// The doctor.
    pub doctor_id: DoctorId,
    /// The patient; a patient booking for themself may leave it out.
    pub patient_id: Option<PatientId>,
    /// The start of a free slot; the slot gives the end.
    pub starts_at: DateTime<Utc>,
    /// Why the patient comes.
    pub reason: String,
    /// Notes.
    pub notes: String,
}

fn step_action(step: Transition) -> Action {
    match step {
        Transition::Confirm => Action::Confirm,
        Transition::Reject => Action::Reject,
        Transition::Cancel => Action::Cancel,
        Transition::Complete => Action::Complete,
        Transition::NoShow => Action::NoShow,
    }
}

fn is_own(actor: &Actor, a: &Appointment) -> bool {
    actor.doctor_id() == Some(a.doctor_id) || actor.patient_id() == Some(a.patient_id)
}

impl Hospital {
    /// A local rendering of an instant in the hospital's time zone, for messages.
    pub(crate) fn local_time(&self, at: DateTime<Utc>) -> String {
        let tz = self.config.time_zone;
        format!("{} ({})", at.with_timezone(&tz.tz()).format("%Y-%m-%d %H:%M"), tz)
    }

    /// Books an appointment on a free slot. Patients book for themselves; admins and the front desk for anyone.
    pub async fn book(&self, actor: &Actor, input: BookingInput, now: DateTime<Utc>) -> Result<Appointment> {
        self.guard(actor, Action::Book, EntityKind::Appointment, now).await?;
        let mut v = Validator::new();
        let reason = v.check("reason", optional_text(&input.reason, 500));
        let notes = v.check("notes", optional_text(&input.notes, 2000));
        v.ensure(input.starts_at > now, "starts_at", "must be in the future");
        let patient_id = match (actor.patient_id(), input.patient_id) {
            (Some(me), None) => Some(me),
            (_, Some(p)) => Some(p),
            (None, None) => {
                v.push("patient_id", "is required");
                None
            }
        };
        v.finish()?;
        let patient_id = patient_id.expect("checked above");
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            authorize(
                actor,
                Action::Book,
                relation(actor.patient_id() == Some(patient_id)),
                EntityKind::Patient,
                patient_id,
                Some(patient_id),
            )?;
            let (patient, schedule) = tx.booking_parties(patient_id, input.doctor_id, input.starts_at).await?;
            let patient = patient.ok_or(Error::not_found(EntityKind::Patient))?;
            if !patient.active {
                return Err(Error::rule("patient_id", "the patient's account is not active"));
            }
            let (doctor, availability) = schedule.ok_or(Error::not_found(EntityKind::Doctor))?;
            if !doctor.active || !doctor.accepting_appointments {
                return Err(Error::rule("doctor_id", "the doctor is not accepting appointments"));
            }
            let slot = schedule::rule_slot_at(&availability.rules, self.config.time_zone, input.starts_at)
                .ok_or_else(|| Error::rule("starts_at", "is not the start of one of the doctor's slots"))?;
            if availability.exceptions.iter().any(|e| slot.overlaps(e.starts_at, e.ends_at)) {
                return Err(Error::rule("starts_at", "the doctor is not available then"));
            }
            // The database refuses an overlap with the doctor's or the patient's active
            // appointments (a constraint, so that it holds across processes), with a conflict.
            let appointment = Appointment {
                id: AppointmentId::new(),
                doctor_id: doctor.id,
                patient_id,
                starts_at: slot.start,
                ends_at: slot.end,
                status: crate::appointment::AppointmentStatus::Pending,
                reason: reason.unwrap_or_default(),
                notes: notes.unwrap_or_default(),
                booked_by: actor.id(),
                cancellation_reason: None,
                reminder_queued_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            tx.insert_appointment(&appointment).await?;
            let when = self.local_time(slot.start);
            let to_patient = format!("Your appointment with Dr. {} on {when} is booked and waits for confirmation", doctor.full_name);
            let to_doctor = format!("{} booked an appointment with you on {when}", patient.full_name);
            self.notify_all(
                &mut *tx,
                &[
                    (patient_id.into(), &patient.email, NotificationKind::AppointmentBooked, &to_patient),
                    (doctor.id.into(), &doctor.email, NotificationKind::AppointmentBooked, &to_doctor),
                ],
                now,
            )
            .await?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Create, "appointment.book", EntityKind::Appointment, appointment.id).patient(patient_id),
                now,
            )
            .await?;
            Ok(appointment)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    async fn load_appointment(&self, tx: &mut dyn Tx, actor: &Actor, action: Action, id: AppointmentId) -> Result<Appointment> {
        let appointment = tx.appointment(id).await?.ok_or(Error::not_found(EntityKind::Appointment))?;
        authorize(actor, action, relation(is_own(actor, &appointment)), EntityKind::Appointment, id, Some(appointment.patient_id))?;
        Ok(appointment)
    }

    /// One appointment: staff who handle bookings see any; doctors and patients their own.
    pub async fn appointment(&self, actor: &Actor, id: AppointmentId, now: DateTime<Utc>) -> Result<Appointment> {
        self.guard(actor, Action::ReadAppointment, EntityKind::Appointment, now).await?;
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = self.load_appointment(&mut *tx, actor, Action::ReadAppointment, id).await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Lists appointments by start time; doctors and patients see only their own.
    pub async fn list_appointments(
        &self,
        actor: &Actor,
        mut filter: AppointmentFilter,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<Page<Appointment>> {
        self.guard(actor, Action::ReadAppointment, EntityKind::Appointment, now).await?;
        let denied = |entity, id: String| refuse(Denial::Hidden, Action::ReadAppointment, entity, Some(id), None);
        if let Some(me) = actor.doctor_id() {
            match filter.doctor_id {
                Some(d) if d != me => return self.refused(actor, denied(EntityKind::Doctor, d.to_string()), now).await,
                _ => filter.doctor_id = Some(me),
            }
        }
        if let Some(me) = actor.patient_id() {
            match filter.patient_id {
                Some(p) if p != me => return self.refused(actor, denied(EntityKind::Patient, p.to_string()), now).await,
                _ => filter.patient_id = Some(me),
            }
        }
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = tx.list_appointments(&filter, page).await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Takes one lifecycle step on an appointment, as the policy and the lifecycle allow. With
    /// `expected`, only while the appointment is at one of those versions.
    pub async fn transition(
        &self,
        actor: &Actor,
        id: AppointmentId,
        step: Transition,
        reason: Option<String>,
        expected: Option<&[u32]>,
        now: DateTime<Utc>,
    ) -> Result<Appointment> {
        let action = step_action(step);
        self.guard(actor, action, EntityKind::Appointment, now).await?;
        let reason = match reason {
            Some(r) => Some(optional_text(&r, 500).map_err(|e| Error::Invalid(vec![e.under("reason")]))?),
            None => None,
        };
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let mut appointment = self.load_appointment(&mut *tx, actor, action, id).await?;
            if actor.patient_id().is_some() && step == Transition::Cancel && appointment.has_started(now) {
                // DOMAIN grants a patient "cancel: own, before it starts": once it has started the
                // patient holds no grant, so this is a refusal (and audited), not a state conflict.
                return Err(refuse(Denial::Forbidden, action, EntityKind::Appointment, Some(id.to_string()), Some(appointment.patient_id)));
            }
            Error::expect_version(EntityKind::Appointment, appointment.version, expected)?;
            appointment.apply(step, reason, now)?;
            tx.update_appointment(&appointment).await?;
            let doctor = self.load_doctor(&mut *tx, appointment.doctor_id).await?;
            let patient_user = tx.user(appointment.patient_id.into()).await?.ok_or(Error::not_found(EntityKind::Patient))?;
            let when = self.local_time(appointment.starts_at);
            let message = |what: &str| format!("Your appointment with Dr. {} on {when} was {what}", doctor.full_name);
            match step {
                Transition::Confirm => {
                    self.notify(
                        &mut *tx,
                        patient_user.id,
                        &patient_user.email,
                        NotificationKind::AppointmentConfirmed,
                        &message("confirmed"),
                        now,
                    )
                    .await?
                }
                Transition::Reject => {
                    self.notify(
                        &mut *tx,
                        patient_user.id,
                        &patient_user.email,
                        NotificationKind::AppointmentRejected,
                        &message("declined"),
                        now,
                    )
                    .await?
                }
                Transition::Cancel => {
                    if actor.id() != patient_user.id {
                        self.notify(
                            &mut *tx,
                            patient_user.id,
                            &patient_user.email,
                            NotificationKind::AppointmentCancelled,
                            &message("cancelled"),
                            now,
                        )
                        .await?;
                    }
                    if actor.id() != doctor.id.into() {
                        let text = format!("The appointment with {} on {when} was cancelled", patient_user.full_name);
                        self.notify(&mut *tx, doctor.id.into(), &doctor.email, NotificationKind::AppointmentCancelled, &text, now).await?;
                    }
                }
                Transition::Complete | Transition::NoShow => {}
            }
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Update, action.as_str(), EntityKind::Appointment, id)
                    .patient(appointment.patient_id)
                    .detail(step.as_str()),
                now,
            )
            .await?;
            Ok(appointment)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// pending → confirmed.
    pub async fn confirm(&self, actor: &Actor, id: AppointmentId, now: DateTime<Utc>) -> Result<Appointment> {
        self.transition(actor, id, Transition::Confirm, None, None, now).await
    }

    /// pending → rejected, with a reason.
    pub async fn reject(&self, actor: &Actor, id: AppointmentId, reason: Option<String>, now: DateTime<Utc>) -> Result<Appointment> {
        self.transition(actor, id, Transition::Reject, reason, None, now).await
    }

    /// pending or confirmed → cancelled, with a reason; frees the slot at once.
    pub async fn cancel(&self, actor: &Actor, id: AppointmentId, reason: Option<String>, now: DateTime<Utc>) -> Result<Appointment> {
        self.transition(actor, id, Transition::Cancel, reason, None, now).await
    }

    /// confirmed → completed, once it has started.
    pub async fn complete(&self, actor: &Actor, id: AppointmentId, now: DateTime<Utc>) -> Result<Appointment> {
        self.transition(actor, id, Transition::Complete, None, None, now).await
    }

    /// confirmed → no_show, once it has started.
    pub async fn no_show(&self, actor: &Actor, id: AppointmentId, now: DateTime<Utc>) -> Result<Appointment> {
        self.transition(actor, id, Transition::NoShow, None, None, now).await
    }

    /// Queues a reminder (notification and e-mail) for each confirmed appointment of tomorrow, in the
    /// hospital's time zone, that has none yet. Safe to run as often as wanted: each appointment is
    /// reminded once. A system job: trusted code only. Returns how many reminders were queued.
    pub async fn queue_reminders(&self, now: DateTime<Utc>) -> Result<u64> {
        let tz = self.config.time_zone;
        let tomorrow = now.with_timezone(&tz.tz()).date_naive() + Duration::days(1);
        let (from, to) = schedule::local_day(tz, tomorrow);
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let due = tx.reminders_due(from, to).await?;
            for mut appointment in due.iter().cloned() {
                let doctor = self.load_doctor(&mut *tx, appointment.doctor_id).await?;
                let patient = tx.user(appointment.patient_id.into()).await?.ok_or(Error::not_found(EntityKind::Patient))?;
                let text = format!(
                    "Reminder: your appointment with Dr. {} is tomorrow, {}",
                    doctor.full_name,
                    self.local_time(appointment.starts_at)
                );
                self.notify(&mut *tx, patient.id, &patient.email, NotificationKind::AppointmentReminder, &text, now).await?;
                appointment.reminder_queued_at = Some(now);
                appointment.version += 1;
                tx.update_appointment(&appointment).await?;
            }
            Ok(due.len() as u64)
        }
        .await;
        self.finish(tx, None, result, now).await
    }
}
