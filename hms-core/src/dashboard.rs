//! Dashboard figures for admins.

use chrono::{DateTime, Utc};

use crate::appointment::AppointmentStatus;
use crate::ids::DoctorId;
use crate::money::Money;
use crate::values::PersonName;

/// How many appointments are in one status.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct StatusCount {
    /// The status.
    pub status: AppointmentStatus,
    /// How many appointments are in it.
    pub count: u64,
}

/// A doctor and how many active or completed appointments they have.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct DoctorLoad {
    /// The doctor.
    pub doctor_id: DoctorId,
    /// The doctor's name.
    pub full_name: PersonName,
    /// Appointments that are pending, confirmed or completed.
    pub appointments: u64,
}

/// The admin dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Dashboard {
    /// When these figures were computed (a cached answer says so).
    pub computed_at: DateTime<Utc>,
    /// Active doctors.
    pub doctors: u64,
    /// Active patients.
    pub patients: u64,
    /// Appointments per status (every status, zero included).
    pub appointments_by_status: Vec<StatusCount>,
    /// Appointments starting today (in the hospital's time zone) that are not cancelled or rejected.
    pub today_appointments: u64,
    /// Sum of paid invoice totals, per currency.
    pub revenue: Vec<Money>,
    /// Sum of pending invoice totals, per currency.
    pub pending: Vec<Money>,
    /// The doctors with the most appointments, busiest first.
    pub busiest_doctors: Vec<DoctorLoad>,
}
