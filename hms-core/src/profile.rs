//! Doctor and patient profiles: one per doctor or patient user.

use chrono::{DateTime, NaiveDate, Utc};

use crate::ids::{DoctorId, PatientId};
use crate::money::Money;
use crate::values::{BloodGroup, Email, LicenseNumber, PersonName, Phone, Sex};

/// A doctor's profile, joined with the name and e-mail of the doctor's account.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Doctor {
    /// The doctor's id (the same as the user id).
    pub id: DoctorId,
    /// The doctor's full name (from the account).
    pub full_name: PersonName,
    /// The doctor's e-mail address (from the account).
    pub email: Email,
    /// Whether the doctor's account is active.
    pub active: bool,
    /// Specialization, e.g. `Cardiology`.
    pub specialization: String,
    /// Unique license number.
    pub license_number: LicenseNumber,
    /// Years of experience.
    pub years_of_experience: u16,
    /// The fee for one consultation, the default line of an invoice.
    pub consultation_fee: Money,
    /// A short biography.
    pub bio: String,
    /// Whether the doctor takes new bookings.
    pub accepting_appointments: bool,
    /// When the profile was last changed.
    pub updated_at: DateTime<Utc>,
    /// Which version of the profile this is: 1 when made, one more at each change. A change
    /// may say which version it was decided on (`If-Match`), and is refused when that is gone.
    pub version: u32,
}

impl Doctor {
    /// Marks a change made at `now`: the last-changed time and the version move together.
    pub fn touch(&mut self, now: DateTime<Utc>) {
        self.updated_at = now;
        self.version += 1;
    }
}

/// A patient's demographic details, which the front desk may see and edit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Patient {
    /// The patient's id (the same as the user id).
    pub id: PatientId,
    /// Full name (from the account).
    pub full_name: PersonName,
    /// E-mail address (from the account).
    pub email: Email,
    /// Phone (from the account).
    pub phone: Option<Phone>,
    /// Whether the patient's account is active.
    pub active: bool,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Sex.
    pub sex: Sex,
    /// Postal address.
    pub address: String,
    /// Emergency contact (name and number).
    pub emergency_contact: String,
    /// Clinical details; absent when the reader may see demographics only.
    pub clinical: Option<PatientClinical>,
    /// When the profile was last changed.
    pub updated_at: DateTime<Utc>,
    /// Which version of the profile this is: 1 when made, one more at each change. A change
    /// may say which version it was decided on (`If-Match`), and is refused when that is gone.
    pub version: u32,
}

/// A patient's clinical summary: for clinicians, admins and the patient.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct PatientClinical {
    /// Blood group.
    pub blood_group: BloodGroup,
    /// Recorded allergies (e.g. `penicillin`).
    pub allergies: Vec<String>,
    /// Known conditions (e.g. `asthma`).
    pub conditions: Vec<String>,
    /// Medical history as text.
    pub medical_history: String,
    /// The day the patient was last recorded as pregnant; absent when not recorded as pregnant.
    pub pregnancy_noted_on: Option<NaiveDate>,
    /// The latest kidney function measured, when recorded.
    pub egfr: Option<Egfr>,
}

/// An estimated glomerular filtration rate and the day it was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Egfr {
    /// mL/min/1.73 m², 1 to 250.
    pub value: u16,
    /// When it was measured.
    pub measured_on: NaiveDate,
}

// The code-set macro cannot carry `#[default]`, so the default is written out.
#[allow(clippy::derivable_impls)]
impl Default for BloodGroup {
    fn default() -> Self {
        BloodGroup::Unknown
    }
}

impl Patient {
    /// Marks a change made at `now`: the last-changed time and the version move together.
    pub fn touch(&mut self, now: DateTime<Utc>) {
        self.updated_at = now;
        self.version += 1;
    }

    /// The age in whole years on `today`, when the date of birth is known.
    pub fn age_on(&self, today: NaiveDate) -> Option<u32> {
        self.date_of_birth.and_then(|dob| today.years_since(dob))
    }
}
