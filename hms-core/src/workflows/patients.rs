//! Patients: lists, records and profile edits, with demographics-only access for the front desk.

use chrono::{DateTime, NaiveDate, Utc};

use crate::audit::AuditAction;
use crate::error::{Error, Result, Validator};
use crate::hospital::{Audit, Hospital, authorize, refuse, relation};
use crate::ids::{EntityKind, PatientId};
use crate::page::{Page, PageRequest};
use crate::policy::{Action, Actor, Denial, Scope};
use crate::ports::{PatientFilter, Tx, TxMode};
use crate::profile::{Egfr, Patient};
use crate::values::{BloodGroup, PersonName, Phone, Sex, label_list, optional_text};

/// Changes to a patient profile; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct PatientUpdate {
    /// Full name.
    pub full_name: Option<String>,
    /// Phone; `Some(None)` removes it.
    pub phone: Option<Option<String>>,
    /// Date of birth; `Some(None)` removes it.
    pub date_of_birth: Option<Option<NaiveDate>>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Address.
    pub address: Option<String>,
    /// Emergency contact.
    pub emergency_contact: Option<String>,
    /// Blood group (clinical).
    pub blood_group: Option<String>,
    /// Allergies (clinical).
    pub allergies: Option<Vec<String>>,
    /// Known conditions (clinical).
    pub conditions: Option<Vec<String>>,
    /// Medical history (clinical).
    pub medical_history: Option<String>,
    /// The day the patient was recorded as pregnant (clinical); `Some(None)` records that she is not.
    pub pregnancy_noted_on: Option<Option<NaiveDate>>,
    /// The latest eGFR (clinical); `Some(None)` removes it.
    pub egfr: Option<Option<Egfr>>,
}

impl PatientUpdate {
    fn touches_clinical(&self) -> bool {
        self.blood_group.is_some()
            || self.allergies.is_some()
            || self.conditions.is_some()
            || self.medical_history.is_some()
            || self.pregnancy_noted_on.is_some()
            || self.egfr.is_some()
    }
}

/// Drops what a reader with `scope` may not see.
pub(crate) fn scoped(mut patient: Patient, scope: Scope) -> Patient {
    if scope == Scope::Demographics {
        patient.clinical = None;
    }
    patient
}

impl Hospital {
    /// How a patient record relates to the actor: the patient themself, or a doctor who sees them.
    pub(crate) async fn patient_relation(&self, tx: &mut dyn Tx, actor: &Actor, patient: PatientId) -> Result<crate::policy::Relation> {
        Ok(relation(match (actor.patient_id(), actor.doctor_id()) {
            (Some(p), _) => p == patient,
            (_, Some(d)) => tx.doctor_sees_patient(d, patient).await?,
            _ => false,
        }))
    }

    /// Checks `action` on patient `id`'s records: refused outright for roles without the grant,
    /// "not found" both for a missing patient and for another's record.
    pub(crate) async fn authorize_patient(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        action: Action,
        entity: EntityKind,
        id: PatientId,
    ) -> Result<(Patient, Scope)> {
        let rel = self.patient_relation(tx, actor, id).await?;
        let scope = authorize(actor, action, rel, entity, id, Some(id))?;
        let patient = tx.patient(id).await?.ok_or(Error::not_found(EntityKind::Patient))?;
        Ok((patient, scope))
    }

    /// Lists patients: all of them for admins, nurses and the front desk (demographics only), a
    /// doctor's own patients, or the patient themself.
    pub async fn list_patients(
        &self,
        actor: &Actor,
        mut filter: PatientFilter,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<Page<Patient>> {
        self.guard(actor, Action::ReadPatient, EntityKind::Patient, now).await?;
        if let Some(d) = actor.doctor_id() {
            filter.doctor_id = Some(d);
        }
        let mut tx = self.begin(TxMode::Read).await?;
        let result = async {
            if let Some(p) = actor.patient_id() {
                // Their own record, if it answers the rest of the filter.
                let me = tx.patient(p).await?.into_iter().filter(|p| filter.admits(p)).collect::<Vec<_>>();
                let total = me.len() as u64;
                return Ok(Page::new(if page.page() == 1 { me } else { vec![] }, page, total));
            }
            // A doctor's list is filtered to their own patients above, so every row is "own" to them.
            let scope = authorize(actor, Action::ReadPatient, crate::policy::Relation::Own, EntityKind::Patient, "*", None)?;
            Ok(tx.list_patients(&filter, page).await?.map(|p| scoped(p, scope)))
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// One patient's record; the read is audited.
    pub async fn patient(&self, actor: &Actor, id: PatientId, now: DateTime<Utc>) -> Result<Patient> {
        self.guard(actor, Action::ReadPatient, EntityKind::Patient, now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let (patient, scope) = self.authorize_patient(&mut *tx, actor, Action::ReadPatient, EntityKind::Patient, id).await?;
            self.audit(&mut *tx, Some(actor), Audit::new(AuditAction::Read, "patient.read", EntityKind::Patient, id).patient(id), now)
                .await?;
            Ok(scoped(patient, scope))
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Edits a patient profile: admins all of it, the patient their own, the front desk demographics
    /// only. With `expected`, only while the profile is at one of those versions.
    pub async fn update_patient(
        &self,
        actor: &Actor,
        id: PatientId,
        update: PatientUpdate,
        expected: Option<&[u32]>,
        now: DateTime<Utc>,
    ) -> Result<Patient> {
        self.guard(actor, Action::EditPatient, EntityKind::Patient, now).await?;
        let mut v = Validator::new();
        let name = update.full_name.as_deref().map(|n| v.check("full_name", PersonName::parse(n)));
        let phone = update.phone.as_ref().map(|p| match p.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => v.check("phone", Phone::parse(p)).map(Some),
            _ => Some(None),
        });
        if let Some(Some(dob)) = update.date_of_birth {
            v.ensure(dob <= now.date_naive(), "date_of_birth", "must not be in the future");
        }
        let address = update.address.as_deref().map(|s| v.check("address", optional_text(s, 500)));
        let emergency = update.emergency_contact.as_deref().map(|s| v.check("emergency_contact", optional_text(s, 200)));
        let blood = update.blood_group.as_deref().map(|s| v.check("blood_group", BloodGroup::parse(s)));
        let allergies = update.allergies.as_deref().map(|s| v.check("allergies", label_list(s)));
        let conditions = update.conditions.as_deref().map(|s| v.check("conditions", label_list(s)));
        let history = update.medical_history.as_deref().map(|s| v.check("medical_history", optional_text(s, 20_000)));
        if let Some(Some(day)) = update.pregnancy_noted_on {
            v.ensure(day <= now.date_naive(), "pregnancy_noted_on", "must not be in the future");
        }
        if let Some(Some(egfr)) = update.egfr {
            v.ensure((1..=250).contains(&egfr.value), "egfr.value", "must be between 1 and 250 mL/min/1.73 m²");
            v.ensure(egfr.measured_on <= now.date_naive(), "egfr.measured_on", "must not be in the future");
        }
        v.finish()?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let (mut patient, scope) = self.authorize_patient(&mut *tx, actor, Action::EditPatient, EntityKind::Patient, id).await?;
            if scope == Scope::Demographics && update.touches_clinical() {
                return Err(refuse(Denial::Forbidden, Action::EditPatient, EntityKind::Patient, Some(id.to_string()), Some(id)));
            }
            Error::expect_version(EntityKind::Patient, patient.version, expected)?;
            let mut user = tx.user(id.into()).await?.ok_or(Error::not_found(EntityKind::Patient))?;
            if let Some(Some(n)) = name {
                user.full_name = n.clone();
                patient.full_name = n;
            }
            if let Some(Some(p)) = phone {
                user.phone = p.clone();
                patient.phone = p;
            }
            if let Some(d) = update.date_of_birth {
                patient.date_of_birth = d;
            }
            if let Some(s) = update.sex {
                patient.sex = s;
            }
            if let Some(Some(a)) = address {
                patient.address = a;
            }
            if let Some(Some(e)) = emergency {
                patient.emergency_contact = e;
            }
            let clinical = patient.clinical.get_or_insert_with(Default::default);
            if let Some(Some(b)) = blood {
                clinical.blood_group = b;
            }
            if let Some(Some(a)) = allergies {
                clinical.allergies = a;
            }
            if let Some(Some(c)) = conditions {
                clinical.conditions = c;
            }
            if let Some(Some(h)) = history {
                clinical.medical_history = h;
            }
            if let Some(day) = update.pregnancy_noted_on {
                clinical.pregnancy_noted_on = day;
            }
            if let Some(egfr) = update.egfr {
                clinical.egfr = egfr;
            }
            user.touch(now);
            patient.touch(now);
            tx.update_user(&user).await?;
            tx.update_patient(&patient).await?;
            self.audit(&mut *tx, Some(actor), Audit::new(AuditAction::Update, "patient.update", EntityKind::Patient, id).patient(id), now)
                .await?;
            Ok(scoped(patient, scope))
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }
}
