//! Doctors: public profiles, profile edits, availability, exceptions and free slots.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::audit::AuditAction;
use crate::error::{Error, Result, Validator};
use crate::hospital::{Audit, Hospital, authorize, relation};
use crate::ids::{DoctorId, EntityKind, ExceptionId};
use crate::money::Money;
use crate::page::{Page, PageRequest};
use crate::policy::{self, Action, Actor};
use crate::ports::{DoctorFilter, Tx, TxMode};
use crate::profile::Doctor;
use crate::schedule::{self, Availability, AvailabilityException, AvailabilityRule, Slot};
use crate::values::{optional_text, required_text};

/// Changes to a doctor profile; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct DoctorUpdate {
    /// Specialization.
    pub specialization: Option<String>,
    /// Years of experience.
    pub years_of_experience: Option<u16>,
    /// Consultation fee (in the fee's current currency).
    pub consultation_fee: Option<Decimal>,
    /// Biography.
    pub bio: Option<String>,
    /// Whether the doctor takes new bookings.
    pub accepting_appointments: Option<bool>,
}

/// A new exception (time off).
#[derive(Debug, Clone)]
pub struct ExceptionInput {
    /// Start (inclusive).
    pub starts_at: DateTime<Utc>,
    /// End (exclusive).
    pub ends_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

impl Hospital {
    pub(crate) async fn load_doctor(&self, tx: &mut dyn Tx, id: DoctorId) -> Result<Doctor> {
        tx.doctor(id).await?.ok_or(Error::not_found(EntityKind::Doctor))
    }

    /// Lists doctors' public profiles; open to anonymous callers. Inactive doctors are listed for admins only.
    pub async fn list_doctors(&self, actor: Option<&Actor>, mut filter: DoctorFilter, page: PageRequest) -> Result<Page<Doctor>> {
        // An actor limited to enrolment sees what anyone sees.
        let actor = actor.filter(|a| !a.enrolment_only());
        if !actor.is_some_and(|a| policy::covers_all(a.role(), Action::EditDoctor)) {
            filter.include_inactive = false;
        }
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = tx.list_doctors(&filter, page).await;
        tx.rollback().await?;
        result
    }

    /// One doctor's public profile; open to anonymous callers.
    pub async fn doctor(&self, actor: Option<&Actor>, id: DoctorId) -> Result<Doctor> {
        let actor = actor.filter(|a| !a.enrolment_only());
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = self.load_doctor(&mut *tx, id).await;
        tx.rollback().await?;
        let doctor = result?;
        if !doctor.active && !actor.is_some_and(|a| policy::covers_all(a.role(), Action::EditDoctor) || a.id() == doctor.id.into()) {
            return Err(Error::not_found(EntityKind::Doctor));
        }
        Ok(doctor)
    }

    /// Edits a doctor profile (admins, or the doctor). With `expected`, only while the profile is
    /// at one of those versions.
    pub async fn update_doctor(
        &self,
        actor: &Actor,
        id: DoctorId,
        update: DoctorUpdate,
        expected: Option<&[u32]>,
        now: DateTime<Utc>,
    ) -> Result<Doctor> {
        self.guard(actor, Action::EditDoctor, EntityKind::Doctor, now).await?;
        let mut v = Validator::new();
        let specialization = update.specialization.as_deref().map(|s| v.check("specialization", required_text(s, 100)));
        let bio = update.bio.as_deref().map(|s| v.check("bio", optional_text(s, 2000)));
        if let Some(y) = update.years_of_experience {
            v.ensure(y <= 80, "years_of_experience", "must be at most 80");
        }
        v.finish()?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            authorize(actor, Action::EditDoctor, relation(actor.doctor_id() == Some(id)), EntityKind::Doctor, id, None)?;
            let mut doctor = self.load_doctor(&mut *tx, id).await?;
            Error::expect_version(EntityKind::Doctor, doctor.version, expected)?;
            if let Some(Some(s)) = specialization {
                doctor.specialization = s;
            }
            if let Some(Some(b)) = bio {
                doctor.bio = b;
            }
            if let Some(y) = update.years_of_experience {
                doctor.years_of_experience = y;
            }
            if let Some(fee) = update.consultation_fee {
                doctor.consultation_fee =
                    Money::price(fee, doctor.consultation_fee.currency).map_err(|e| Error::Invalid(vec![e.under("consultation_fee")]))?;
            }
            if let Some(a) = update.accepting_appointments {
                doctor.accepting_appointments = a;
            }
            doctor.touch(now);
            tx.update_doctor(&doctor).await?;
            self.audit(&mut *tx, Some(actor), Audit::new(AuditAction::Update, "doctor.update", EntityKind::Doctor, id), now).await?;
            Ok(doctor)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// A doctor's weekly rules and current exceptions; open to anonymous callers.
    pub async fn availability(&self, id: DoctorId, now: DateTime<Utc>) -> Result<Availability> {
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = tx.doctor_schedule(id, now).await;
        tx.rollback().await?;
        result?.map(|(_, availability)| availability).ok_or(Error::not_found(EntityKind::Doctor))
    }

    /// Replaces a doctor's weekly rules (admins, or the doctor). Existing bookings are kept.
    pub async fn set_availability(
        &self,
        actor: &Actor,
        id: DoctorId,
        rules: Vec<AvailabilityRule>,
        now: DateTime<Utc>,
    ) -> Result<Availability> {
        self.guard(actor, Action::EditDoctor, EntityKind::Availability, now).await?;
        schedule::validate_rules(&rules)?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            authorize(actor, Action::EditDoctor, relation(actor.doctor_id() == Some(id)), EntityKind::Availability, id, None)?;
            self.load_doctor(&mut *tx, id).await?;
            tx.replace_rules(id, &rules).await?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Update, "availability.set", EntityKind::Availability, id).detail(format!("{} rules", rules.len())),
                now,
            )
            .await?;
            tx.availability(id, now).await
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Adds time off to a doctor's availability (admins, or the doctor).
    pub async fn add_exception(
        &self,
        actor: &Actor,
        id: DoctorId,
        input: ExceptionInput,
        now: DateTime<Utc>,
    ) -> Result<AvailabilityException> {
        self.guard(actor, Action::EditDoctor, EntityKind::Availability, now).await?;
        let mut v = Validator::new();
        v.ensure(input.starts_at < input.ends_at, "ends_at", "must be after starts_at");
        v.ensure(input.ends_at - input.starts_at <= chrono::Duration::days(366), "ends_at", "must be within a year of starts_at");
        let reason = v.check("reason", optional_text(&input.reason, 200));
        v.finish()?;
        let exception = AvailabilityException {
            id: ExceptionId::new(),
            doctor_id: id,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            reason: reason.unwrap_or_default(),
        };
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            authorize(actor, Action::EditDoctor, relation(actor.doctor_id() == Some(id)), EntityKind::Availability, id, None)?;
            self.load_doctor(&mut *tx, id).await?;
            tx.insert_exception(&exception).await?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Create, "availability.add_exception", EntityKind::Availability, exception.id),
                now,
            )
            .await?;
            Ok(exception)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Removes time off from a doctor's availability (admins, or the doctor): its slots are free
    /// again. An exception the doctor does not have is not found.
    pub async fn remove_exception(&self, actor: &Actor, id: DoctorId, exception: ExceptionId, now: DateTime<Utc>) -> Result<()> {
        self.guard(actor, Action::EditDoctor, EntityKind::Availability, now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            authorize(actor, Action::EditDoctor, relation(actor.doctor_id() == Some(id)), EntityKind::Availability, id, None)?;
            self.load_doctor(&mut *tx, id).await?;
            if !tx.delete_exception(id, exception).await? {
                return Err(Error::not_found(EntityKind::Availability));
            }
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Delete, "availability.remove_exception", EntityKind::Availability, exception),
                now,
            )
            .await
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// The doctor's free slots in `[from, to)` that start after `now`; open to anonymous callers.
    pub async fn free_slots(&self, id: DoctorId, from: DateTime<Utc>, to: DateTime<Utc>, now: DateTime<Utc>) -> Result<Vec<Slot>> {
        schedule::check_slot_query(from, to)?;
        // The schedule and the booked times are read by two statements, not in one snapshot: a
        // slot booked between them is refused when it is booked, as any taken slot is.
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = async {
            let (doctor, availability) = tx.doctor_schedule(id, from).await?.ok_or(Error::not_found(EntityKind::Doctor))?;
            if !doctor.active || !doctor.accepting_appointments {
                return Ok(Vec::new());
            }
            let taken = tx.doctor_busy(id, from, to).await?;
            Ok(schedule::free_slots(&availability, self.config.time_zone, from, to, now, &taken))
        }
        .await;
        tx.rollback().await?;
        result
    }
}
