//! Appointments and their lifecycle: a closed state machine with time rules.
//!
//! ```text
//! pending ──confirm──▶ confirmed ──complete──▶ completed
//!    │  └──reject──▶ rejected         │ └──no-show──▶ no_show
//!    └──cancel──▶ cancelled ◀──cancel─┘
//! ```
//! Who may take each step is the policy's business ([`crate::policy`]); when, and from where,
//! is this module's.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::{AppointmentId, DoctorId, PatientId, UserId};

crate::code_enum! {
    /// Where an appointment stands.
    pub enum AppointmentStatus {
        /// Booked, waiting for the doctor or front desk to confirm.
        Pending = "pending",
        /// Confirmed.
        Confirmed = "confirmed",
        /// Took place.
        Completed = "completed",
        /// Called off before its end.
        Cancelled = "cancelled",
        /// Declined by the doctor.
        Rejected = "rejected",
        /// The patient did not come.
        NoShow = "no_show",
    }
}

impl AppointmentStatus {
    /// Whether the appointment holds its slot (pending or confirmed).
    pub fn is_active(self) -> bool {
        matches!(self, AppointmentStatus::Pending | AppointmentStatus::Confirmed)
    }

    /// Whether no further step is possible.
    pub fn is_final(self) -> bool {
        !self.is_active()
    }

    /// Whether an invoice may be issued for it (confirmed, completed or no-show).
    pub fn is_billable(self) -> bool {
        matches!(self, AppointmentStatus::Confirmed | AppointmentStatus::Completed | AppointmentStatus::NoShow)
    }
}

crate::code_enum! {
    /// A step of the lifecycle.
    pub enum Transition {
        /// pending → confirmed.
        Confirm = "confirm",
        /// pending → rejected.
        Reject = "reject",
        /// pending or confirmed → cancelled, before the end.
        Cancel = "cancel",
        /// confirmed → completed, at or after the start.
        Complete = "complete",
        /// confirmed → no_show, at or after the start.
        NoShow = "no_show",
    }
}

impl Transition {
    /// The status this step leads to from `from`, if the step exists there.
    pub fn target(self, from: AppointmentStatus) -> Option<AppointmentStatus> {
        use AppointmentStatus as S;
        match (from, self) {
            (S::Pending, Transition::Confirm) => Some(S::Confirmed),
            (S::Pending, Transition::Reject) => Some(S::Rejected),
            (S::Pending | S::Confirmed, Transition::Cancel) => Some(S::Cancelled),
            (S::Confirmed, Transition::Complete) => Some(S::Completed),
            (S::Confirmed, Transition::NoShow) => Some(S::NoShow),
            _ => None,
        }
    }
}

/// An appointment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Appointment {
    /// The appointment's id.
    pub id: AppointmentId,
    /// The doctor.
    pub doctor_id: DoctorId,
    /// The patient.
    pub patient_id: PatientId,
    /// Start (inclusive).
    pub starts_at: DateTime<Utc>,
    /// End (exclusive).
    pub ends_at: DateTime<Utc>,
    /// Where it stands.
    pub status: AppointmentStatus,
    /// Why the patient comes.
    pub reason: String,
    /// Notes made when booking.
    pub notes: String,
    /// Who booked it.
    pub booked_by: UserId,
    /// Why it was cancelled or rejected.
    pub cancellation_reason: Option<String>,
    /// When the day-before reminder was queued, once.
    pub reminder_queued_at: Option<DateTime<Utc>>,
    /// When it was booked.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Which version of the appointment this is: 1 when made, one more at each change. A change
    /// may say which version it was decided on (`If-Match`), and is refused when that is gone.
    pub version: u32,
}

impl Appointment {
    /// Takes lifecycle step `step` at `now`, checking that it exists from the current status and
    /// that its time rule holds; `reason` is kept for cancellations and rejections.
    pub fn apply(&mut self, step: Transition, reason: Option<String>, now: DateTime<Utc>) -> Result<()> {
        let Some(next) = step.target(self.status) else {
            return Err(Error::conflict(format!("an appointment that is {} cannot take the step {}", self.status, step)));
        };
        match step {
            Transition::Complete | Transition::NoShow if now < self.starts_at => {
                return Err(Error::conflict(format!("{step} is possible only once the appointment has started")));
            }
            Transition::Cancel if now >= self.ends_at => {
                return Err(Error::conflict("an appointment can be cancelled only before it ends"));
            }
            Transition::Confirm | Transition::Reject if now >= self.ends_at => {
                return Err(Error::conflict(format!("{step} is possible only before the appointment ends")));
            }
            _ => {}
        }
        if matches!(step, Transition::Cancel | Transition::Reject) {
            self.cancellation_reason = reason.filter(|r| !r.trim().is_empty());
        }
        self.status = next;
        self.updated_at = now;
        self.version += 1;
        Ok(())
    }

    /// Whether the appointment has started at `now`.
    pub fn has_started(&self, now: DateTime<Utc>) -> bool {
        now >= self.starts_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    fn appt(status: AppointmentStatus) -> Appointment {
        let start: DateTime<Utc> = "2026-05-01T09:00:00Z".parse().unwrap();
        Appointment {
            id: AppointmentId::new(),
            doctor_id: DoctorId::new(),
            patient_id: PatientId::new(),
            starts_at: start,
            ends_at: start + Duration::minutes(30),
            status,
            reason: String::new(),
            notes: String::new(),
            booked_by: UserId::new(),
            cancellation_reason: None,
            reminder_queued_at: None,
            created_at: start - Duration::days(3),
            updated_at: start - Duration::days(3),
            version: 1,
        }
    }

    #[test]
    fn the_diagram_and_nothing_else() {
        use AppointmentStatus as S;
        let mut edges = vec![];
        for &from in S::ALL {
            for &t in Transition::ALL {
                if let Some(to) = t.target(from) {
                    edges.push((from, t, to));
                }
            }
        }
        assert_eq!(
            edges,
            vec![
                (S::Pending, Transition::Confirm, S::Confirmed),
                (S::Pending, Transition::Reject, S::Rejected),
                (S::Pending, Transition::Cancel, S::Cancelled),
                (S::Confirmed, Transition::Cancel, S::Cancelled),
                (S::Confirmed, Transition::Complete, S::Completed),
                (S::Confirmed, Transition::NoShow, S::NoShow),
            ]
        );
    }

    #[test]
    fn time_rules() {
        let a = appt(AppointmentStatus::Confirmed);
        let before = a.starts_at - Duration::minutes(1);
        let during = a.starts_at + Duration::minutes(10);
        let after = a.ends_at;
        assert_eq!(a.clone().apply(Transition::Complete, None, before).unwrap_err().kind(), crate::ErrorKind::Conflict);
        assert!(a.clone().apply(Transition::Complete, None, during).is_ok());
        assert!(a.clone().apply(Transition::NoShow, None, after).is_ok());
        assert!(a.clone().apply(Transition::Cancel, None, during).is_ok());
        assert!(a.clone().apply(Transition::Cancel, None, after).is_err());
        let mut c = a.clone();
        c.apply(Transition::Cancel, Some("ill".into()), before).unwrap();
        assert_eq!(c.status, AppointmentStatus::Cancelled);
        assert_eq!(c.cancellation_reason.as_deref(), Some("ill"));
    }

    proptest! {
        #[test]
        fn no_path_leaves_a_final_status_or_reaches_an_undrawn_one(
            steps in prop::collection::vec((0usize..5, -120i64..120), 0..12)
        ) {
            let mut a = appt(AppointmentStatus::Pending);
            for (i, minutes) in steps {
                let before = a.status;
                let now = a.starts_at + Duration::minutes(minutes);
                let t = Transition::ALL[i];
                match a.apply(t, None, now) {
                    Ok(()) => {
                        prop_assert!(before.is_active(), "left final status {before}");
                        prop_assert_eq!(Some(a.status), t.target(before));
                    }
                    Err(e) => {
                        prop_assert_eq!(a.status, before, "a refused step changed the status");
                        prop_assert_eq!(e.kind(), crate::ErrorKind::Conflict);
                    }
                }
            }
        }
    }
}
