//! Billing: issuing invoices for appointments, payments and cancellations.

use chrono::{DateTime, Datelike, Utc};
use rust_decimal::Decimal;

use crate::audit::AuditAction;
use crate::billing::{Invoice, InvoiceLine, InvoiceStatus, PaymentMethod, compute_totals, invoice_number};
use crate::error::{Error, Result, Validator};
use crate::hospital::{Audit, Hospital, authorize, refuse, relation};
use crate::ids::{AppointmentId, EntityKind, InvoiceId};
use crate::money::Currency;
use crate::notification::NotificationKind;
use crate::page::{Page, PageRequest};
use crate::policy::{Action, Actor, Denial};
use crate::ports::{InvoiceFilter, Tx, TxMode};

/// One invoice line as entered.
#[derive(Debug, Clone)]
pub struct LineInput {
    /// What is charged.
    pub description: String,
    /// How many.
    pub quantity: u32,
    /// Price of one.
    pub unit_price: Decimal,
}

/// A new invoice for an appointment.
#[derive(Debug, Clone)]
pub struct InvoiceInput {
    /// The appointment billed (confirmed, completed or no-show).
    pub appointment_id: AppointmentId,
    /// The lines; by default one line for the doctor's consultation fee.
    pub lines: Option<Vec<LineInput>>,
    /// Tax rate in percent (0 to 100).
    pub tax_rate: Decimal,
    /// Discount amount.
    pub discount: Decimal,
    /// Currency; by default the doctor's fee's.
    pub currency: Option<String>,
}

impl Hospital {
    /// Issues the invoice of an appointment (admins and the front desk).
    pub async fn issue_invoice(&self, actor: &Actor, input: InvoiceInput, now: DateTime<Utc>) -> Result<Invoice> {
        self.guard(actor, Action::ManageInvoices, EntityKind::Invoice, now).await?;
        let currency = match &input.currency {
            Some(c) => Some(Currency::parse(c).map_err(|e| Error::Invalid(vec![e.under("currency")]))?),
            None => None,
        };
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let appointment = tx.appointment(input.appointment_id).await?.ok_or(Error::not_found(EntityKind::Appointment))?;
            if !appointment.status.is_billable() {
                return Err(Error::rule("appointment_id", "only a confirmed, completed or no-show appointment can be invoiced"));
            }
            let doctor = self.load_doctor(&mut *tx, appointment.doctor_id).await?;
            let currency = currency.unwrap_or(doctor.consultation_fee.currency);
            let lines = match &input.lines {
                None => {
                    if currency != doctor.consultation_fee.currency {
                        return Err(Error::invalid("currency", "must match the doctor's fee when the default line is used"));
                    }
                    vec![InvoiceLine {
                        description: format!("Consultation with Dr. {}", doctor.full_name),
                        quantity: 1,
                        unit_price: doctor.consultation_fee.amount,
                    }]
                }
                Some(lines) => {
                    let mut v = Validator::new();
                    let parsed: Vec<InvoiceLine> = lines
                        .iter()
                        .enumerate()
                        .filter_map(|(i, l)| {
                            v.check_all(&format!("lines[{i}]"), InvoiceLine::parse(&l.description, l.quantity, l.unit_price, currency))
                        })
                        .collect();
                    v.finish()?;
                    parsed
                }
            };
            let totals = compute_totals(&lines, input.tax_rate, input.discount, currency)?;
            let year = now.with_timezone(&self.config.time_zone.tz()).year();
            let sequence = tx.next_invoice_sequence(year).await?;
            let invoice = Invoice {
                id: InvoiceId::new(),
                number: invoice_number(year, sequence),
                appointment_id: appointment.id,
                patient_id: appointment.patient_id,
                lines,
                currency,
                tax_rate: input.tax_rate.normalize(),
                discount: currency.round(input.discount),
                subtotal: totals.subtotal,
                tax: totals.tax,
                total: totals.total,
                status: InvoiceStatus::Pending,
                payment_method: None,
                paid_at: None,
                cancelled_at: None,
                issued_by: actor.id(),
                created_at: now,
                updated_at: now,
                version: 1,
            };
            tx.insert_invoice(&invoice).await?;
            let patient = tx.user(appointment.patient_id.into()).await?.ok_or(Error::not_found(EntityKind::Patient))?;
            let text = format!("Invoice {} for {} is due", invoice.number, invoice.total_money());
            self.notify(&mut *tx, patient.id, &patient.email, NotificationKind::InvoiceIssued, &text, now).await?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Create, "invoice.issue", EntityKind::Invoice, invoice.id)
                    .patient(invoice.patient_id)
                    .detail(invoice.number.clone()),
                now,
            )
            .await?;
            Ok(invoice)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    async fn load_invoice(&self, tx: &mut dyn Tx, actor: &Actor, action: Action, id: InvoiceId) -> Result<Invoice> {
        let invoice = tx.invoice(id).await?.ok_or(Error::not_found(EntityKind::Invoice))?;
        authorize(
            actor,
            action,
            relation(actor.patient_id() == Some(invoice.patient_id)),
            EntityKind::Invoice,
            id,
            Some(invoice.patient_id),
        )?;
        Ok(invoice)
    }

    /// One invoice: admins and the front desk, or the patient billed.
    pub async fn invoice(&self, actor: &Actor, id: InvoiceId, now: DateTime<Utc>) -> Result<Invoice> {
        self.guard(actor, Action::ReadInvoice, EntityKind::Invoice, now).await?;
        let mut tx = self.begin(TxMode::Read).await?;
        let result = self.load_invoice(&mut *tx, actor, Action::ReadInvoice, id).await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Lists invoices, newest first; a patient sees only their own.
    pub async fn list_invoices(
        &self,
        actor: &Actor,
        mut filter: InvoiceFilter,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<Page<Invoice>> {
        self.guard(actor, Action::ReadInvoice, EntityKind::Invoice, now).await?;
        if let Some(me) = actor.patient_id() {
            match filter.patient_id {
                Some(p) if p != me => {
                    let error = refuse(Denial::Hidden, Action::ReadInvoice, EntityKind::Patient, Some(p.to_string()), Some(p));
                    return self.refused(actor, error, now).await;
                }
                _ => filter.patient_id = Some(me),
            }
        }
        let mut tx = self.begin(TxMode::Read).await?;
        let result = tx.list_invoices(&filter, page).await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Records the payment of a pending invoice. With `expected`, only while the invoice is at one
    /// of those versions.
    pub async fn pay_invoice(
        &self,
        actor: &Actor,
        id: InvoiceId,
        method: PaymentMethod,
        expected: Option<&[u32]>,
        now: DateTime<Utc>,
    ) -> Result<Invoice> {
        self.guard(actor, Action::ManageInvoices, EntityKind::Invoice, now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let mut invoice = self.load_invoice(&mut *tx, actor, Action::ManageInvoices, id).await?;
            Error::expect_version(EntityKind::Invoice, invoice.version, expected)?;
            invoice.pay(method, now)?;
            tx.update_invoice(&invoice).await?;
            let patient = tx.user(invoice.patient_id.into()).await?.ok_or(Error::not_found(EntityKind::Patient))?;
            let text = format!("Invoice {} was paid ({})", invoice.number, method);
            self.notify(&mut *tx, patient.id, &patient.email, NotificationKind::InvoicePaid, &text, now).await?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Update, "invoice.pay", EntityKind::Invoice, id).patient(invoice.patient_id).detail(method.as_str()),
                now,
            )
            .await?;
            Ok(invoice)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Cancels a pending invoice; a paid one is never changed. With `expected`, only while the
    /// invoice is at one of those versions.
    pub async fn cancel_invoice(&self, actor: &Actor, id: InvoiceId, expected: Option<&[u32]>, now: DateTime<Utc>) -> Result<Invoice> {
        self.guard(actor, Action::ManageInvoices, EntityKind::Invoice, now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let mut invoice = self.load_invoice(&mut *tx, actor, Action::ManageInvoices, id).await?;
            Error::expect_version(EntityKind::Invoice, invoice.version, expected)?;
            invoice.cancel(now)?;
            tx.update_invoice(&invoice).await?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Update, "invoice.cancel", EntityKind::Invoice, id).patient(invoice.patient_id),
                now,
            )
            .await?;
            Ok(invoice)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }
}
