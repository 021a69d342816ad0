//! Notifications for users, and the outbox of e-mails a dispatcher delivers.

use chrono::{DateTime, Duration, Utc};

use crate::ids::{EmailId, NotificationId, UserId};
use crate::values::Email;

crate::code_enum! {
    /// What a notification is about.
    pub enum NotificationKind {
        /// An appointment was booked.
        AppointmentBooked = "appointment_booked",
        /// An appointment was confirmed.
        AppointmentConfirmed = "appointment_confirmed",
        /// An appointment was rejected.
        AppointmentRejected = "appointment_rejected",
        /// An appointment was cancelled.
        AppointmentCancelled = "appointment_cancelled",
        /// An appointment is tomorrow.
        AppointmentReminder = "appointment_reminder",
        /// A prescription is ready.
        PrescriptionReady = "prescription_ready",
        /// An invoice was issued.
        InvoiceIssued = "invoice_issued",
        /// An invoice was paid.
        InvoicePaid = "invoice_paid",
        /// An account was activated or deactivated.
        AccountChanged = "account_changed",
    }
}

impl NotificationKind {
    /// Whether this kind also goes out as an e-mail.
    pub fn emails(self) -> bool {
        !matches!(self, NotificationKind::InvoicePaid | NotificationKind::AccountChanged)
    }
}

/// A notification for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Notification {
    /// The notification's id.
    pub id: NotificationId,
    /// Who it is for.
    pub recipient_id: UserId,
    /// What it is about.
    pub kind: NotificationKind,
    /// The message.
    pub message: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When the recipient read it.
    pub read_at: Option<DateTime<Utc>>,
}

/// An e-mail waiting in (or sent from) the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct OutgoingEmail {
    /// The e-mail's id.
    pub id: EmailId,
    /// The recipient's address.
    pub to: Email,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (none once sent or given up).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was delivered.
    pub sent_at: Option<DateTime<Utc>>,
    /// The last delivery error.
    pub last_error: Option<String>,
}

/// After this many failed attempts an e-mail is given up.
pub const MAX_EMAIL_ATTEMPTS: u32 = 8;

impl OutgoingEmail {
    /// A new e-mail to `to`, due at once.
    pub fn new(to: &Email, subject: &str, body: String, now: DateTime<Utc>) -> Self {
        OutgoingEmail {
            id: EmailId::new(),
            to: to.clone(),
            subject: subject.into(),
            body,
            created_at: now,
            attempts: 0,
            next_attempt_at: Some(now),
            sent_at: None,
            last_error: None,
        }
    }

    /// The wait before the next attempt after `attempts` failures: 1, 2, 4 … minutes, at most 4 hours.
    pub fn backoff(attempts: u32) -> Duration {
        Duration::minutes((1i64 << attempts.min(8)).min(240))
    }
}
