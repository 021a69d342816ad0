//! Background jobs: the e-mail dispatcher (SMTP, from the core's outbox) and the daily reminders.

use std::time::Duration;

use hms_core::Hospital;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::task::JoinHandle;

use crate::Shutdown;

/// An SMTP connection and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `url` (`smtp://host:port` in clear, `smtps://…` or `smtp://…?tls=required` with TLS;
    /// user and password may be in the URL) sending as `from`.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.timeout(Some(Duration::from_secs(20))).build();
        Ok(Self { transport, from: from.parse()? })
    }

    async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let message = Message::builder().from(self.from.clone()).to(to.parse()?).subject(subject).body(body.to_string())?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// Delivers the e-mails due now; returns how many were sent. Each is claimed first, sent, then
/// marked sent (or failed, to be retried later with backoff).
pub async fn dispatch_once(hospital: &Hospital, mailer: &Mailer) -> hms_core::Result<usize> {
    let claimed = hospital.claim_emails(chrono::Utc::now(), 50, chrono::Duration::minutes(5)).await?;
    let (mut sent, mut failed) = (0, 0);
    for email in claimed {
        match mailer.send(email.to.as_str(), &email.subject, &email.body).await {
            Ok(()) => {
                hospital.email_sent(email.id, chrono::Utc::now()).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(email = %email.id, error = %e, "e-mail delivery failed; will retry");
                hospital.email_failed(email.id, &e.to_string(), chrono::Utc::now()).await?;
                failed += 1;
            }
        }
    }
    crate::metrics::emails(sent, failed);
    Ok(sent)
}

/// Runs the dispatcher every `every` until `shutdown`, then one last pass.
pub fn spawn_dispatcher(hospital: Hospital, mailer: Mailer, every: Duration, mut shutdown: Shutdown) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = dispatch_once(&hospital, &mailer).await {
                tracing::warn!(error = %e, "e-mail dispatch pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => break,
            }
        }
        if let Err(e) = dispatch_once(&hospital, &mailer).await {
            tracing::warn!(error = %e, "final e-mail dispatch pass failed");
        }
    })
}

/// Queues reminders for tomorrow's confirmed appointments every `every` (each is reminded once,
/// so running often is harmless) until `shutdown`.
pub fn spawn_reminders(hospital: Hospital, every: Duration, mut shutdown: Shutdown) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match hospital.queue_reminders(chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminders = n, "queued appointment reminders"),
                Err(e) => tracing::warn!(error = %e, "queuing reminders failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => break,
            }
        }
    })
}
