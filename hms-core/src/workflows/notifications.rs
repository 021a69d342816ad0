//! Notifications and the e-mail outbox.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::hospital::{Hospital, authorize, relation};
use crate::ids::{EmailId, EntityKind, NotificationId, UserId};
use crate::notification::{MAX_EMAIL_ATTEMPTS, Notification, NotificationKind, OutgoingEmail};
use crate::page::{Page, PageRequest};
use crate::policy::{Action, Actor};
use crate::ports::{Tx, TxMode};
use crate::values::Email;

fn subject(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::AppointmentBooked => "Appointment booked",
        NotificationKind::AppointmentConfirmed => "Appointment confirmed",
        NotificationKind::AppointmentRejected => "Appointment declined",
        NotificationKind::AppointmentCancelled => "Appointment cancelled",
        NotificationKind::AppointmentReminder => "Appointment reminder",
        NotificationKind::PrescriptionReady => "Your prescription is ready",
        NotificationKind::InvoiceIssued => "Invoice issued",
        NotificationKind::InvoicePaid => "Invoice paid",
        NotificationKind::AccountChanged => "Your account",
    }
}

impl Hospital {
    /// Records a notification for `recipient` and, for e-mail-worthy kinds, queues an e-mail, inside `tx`.
    pub(crate) async fn notify(
        &self,
        tx: &mut dyn Tx,
        recipient: UserId,
        email: &Email,
        kind: NotificationKind,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.notify_all(tx, &[(recipient, email, kind, message)], now).await
    }

    /// Records several notifications (and their e-mails) with one statement each, inside `tx`.
    pub(crate) async fn notify_all(
        &self,
        tx: &mut dyn Tx,
        items: &[(UserId, &Email, NotificationKind, &str)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let notifications: Vec<Notification> = items
            .iter()
            .map(|(recipient, _, kind, message)| Notification {
                id: NotificationId::new(),
                recipient_id: *recipient,
                kind: *kind,
                message: message.to_string(),
                created_at: now,
                read_at: None,
            })
            .collect();
        tx.insert_notifications(&notifications).await?;
        let emails: Vec<OutgoingEmail> = items
            .iter()
            .filter(|(_, _, kind, _)| kind.emails())
            .map(|(_, to, kind, message)| {
                OutgoingEmail::new(
                    to,
                    subject(*kind),
                    format!("{message}.\n\nThis message was sent by the hospital's appointment system."),
                    now,
                )
            })
            .collect();
        if !emails.is_empty() {
            tx.insert_emails(&emails).await?;
        }
        Ok(())
    }

    /// The actor's notifications, newest first.
    pub async fn notifications(&self, actor: &Actor, unread_only: bool, page: PageRequest) -> Result<Page<Notification>> {
        crate::hospital::full_access(actor)?;
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = tx.list_notifications(actor.id(), unread_only, page).await;
        tx.rollback().await?;
        result
    }

    /// Marks one of the actor's notifications read (another's answers "not found").
    pub async fn mark_notification_read(&self, actor: &Actor, id: NotificationId, now: DateTime<Utc>) -> Result<Notification> {
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let mut n = tx.notification(id).await?.ok_or(Error::not_found(EntityKind::Notification))?;
            authorize(actor, Action::Notifications, relation(n.recipient_id == actor.id()), EntityKind::Notification, id, None)?;
            if tx.mark_notification_read(id, now).await? {
                n.read_at = Some(now);
            }
            Ok(n)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Marks all the actor's notifications read; returns how many were unread.
    pub async fn mark_all_notifications_read(&self, actor: &Actor, now: DateTime<Utc>) -> Result<u64> {
        crate::hospital::full_access(actor)?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = tx.mark_all_notifications_read(actor.id(), now).await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// E-mails due for delivery at `now` (a dispatcher's job: trusted code only).
    pub async fn emails_due(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<OutgoingEmail>> {
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = tx.emails_due(now, limit.clamp(1, 1000)).await;
        tx.rollback().await?;
        result
    }

    /// How many e-mails of the outbox are not sent yet (for the operator's metrics: trusted code only).
    pub async fn unsent_emails(&self) -> Result<u64> {
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = tx.unsent_emails().await;
        tx.rollback().await?;
        result
    }

    /// Claims e-mails due at `now` for one dispatcher: they are not due again before `now + lease`,
    /// so two dispatchers (in one or several processes) never send the same e-mail at once.
    /// Waiting "forgot password" requests are worked through first, so that their e-mails go in
    /// the same pass.
    pub async fn claim_emails(&self, now: DateTime<Utc>, limit: u32, lease: chrono::Duration) -> Result<Vec<OutgoingEmail>> {
        // Without the key no reset e-mail can be sealed: the requests wait for a process that has it.
        if self.config.secret_key.is_some() {
            self.process_reset_requests(now).await?;
        }
        let mut tx = self.begin(TxMode::Write).await?;
        let result = tx.claim_emails(now, now + lease, limit.clamp(1, 1000)).await;
        let mut claimed = self.finish(tx, None, result, now).await?;
        // Secrets travel sealed in the outbox; the mail server is handed them open.
        for email in &mut claimed {
            email.body = self.open_sealed(&email.body);
        }
        Ok(claimed)
    }

    /// Records a delivered e-mail.
    pub async fn email_sent(&self, id: EmailId, now: DateTime<Utc>) -> Result<OutgoingEmail> {
        self.update_email(id, now, None).await
    }

    /// Records a failed delivery: the next attempt waits longer each time, and after
    /// [`MAX_EMAIL_ATTEMPTS`] the e-mail is given up (kept, with its last error).
    pub async fn email_failed(&self, id: EmailId, error: &str, now: DateTime<Utc>) -> Result<OutgoingEmail> {
        self.update_email(id, now, Some(error)).await
    }

    async fn update_email(&self, id: EmailId, now: DateTime<Utc>, error: Option<&str>) -> Result<OutgoingEmail> {
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let mut email = tx.email(id).await?.ok_or(Error::not_found(EntityKind::Notification))?;
            email.attempts += 1;
            match error {
                None => {
                    email.sent_at = Some(now);
                    email.next_attempt_at = None;
                    email.last_error = None;
                }
                Some(e) => {
                    email.last_error = Some(e.chars().take(500).collect());
                    email.next_attempt_at = (email.attempts < MAX_EMAIL_ATTEMPTS).then(|| now + OutgoingEmail::backoff(email.attempts));
                }
            }
            tx.update_email(&email).await?;
            Ok(email)
        }
        .await;
        self.finish(tx, None, result, now).await
    }
}
