//! Invoices: lines, tax and discount with exact decimal arithmetic, and the pending → paid | cancelled lifecycle.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::error::{Error, FieldError, Result, Validator};
use crate::ids::{AppointmentId, InvoiceId, PatientId, UserId};
use crate::money::{Currency, Money};
use crate::values::required_text;

crate::code_enum! {
    /// Where an invoice stands.
    pub enum InvoiceStatus {
        /// Issued, not yet paid.
        Pending = "pending",
        /// Paid; never edited again.
        Paid = "paid",
        /// Withdrawn before payment.
        Cancelled = "cancelled",
    }
}

crate::code_enum! {
    /// How an invoice was paid.
    pub enum PaymentMethod {
        /// Cash at the desk.
        Cash = "cash",
        /// Card.
        Card = "card",
        /// Online payment.
        Online = "online",
        /// An insurer.
        Insurance = "insurance",
    }
}

/// The most lines one invoice may have.
pub const MAX_LINES: usize = 50;
/// The largest quantity on one line.
pub const MAX_QUANTITY: u32 = 1000;

/// One invoice line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct InvoiceLine {
    /// What is charged.
    pub description: String,
    /// How many (1 to 1000).
    pub quantity: u32,
    /// Price of one, non-negative, in the invoice's currency.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub unit_price: Decimal,
}

impl InvoiceLine {
    /// Checks a line against the invoice's currency.
    pub fn parse(description: &str, quantity: u32, unit_price: Decimal, currency: Currency) -> Result<Self, Vec<FieldError>> {
        let mut v = Validator::new();
        let description = v.check("description", required_text(description, 200));
        v.ensure((1..=MAX_QUANTITY).contains(&quantity), "quantity", "must be between 1 and 1000");
        let price = v.check("unit_price", Money::price(unit_price, currency));
        match (description, price) {
            (Some(description), Some(price)) if v.is_ok() => Ok(Self { description, quantity, unit_price: price.amount }),
            _ => Err(v.into_errors()),
        }
    }

    /// Quantity × unit price, exact.
    pub fn amount(&self) -> Decimal {
        Decimal::from(self.quantity) * self.unit_price
    }
}

/// Derived invoice amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    /// Sum of the lines.
    pub subtotal: Decimal,
    /// Subtotal × rate, rounded to the currency's minor unit, half away from zero.
    pub tax: Decimal,
    /// Subtotal + tax − discount; never negative.
    pub total: Decimal,
}

/// Computes an invoice's totals, refusing a tax rate outside 0–100 %, a negative discount, or a
/// discount larger than subtotal + tax.
pub fn compute_totals(lines: &[InvoiceLine], tax_rate: Decimal, discount: Decimal, currency: Currency) -> Result<Totals> {
    let mut v = Validator::new();
    v.ensure(!lines.is_empty(), "lines", "must have at least one line");
    v.ensure(lines.len() <= MAX_LINES, "lines", "must have at most 50 lines");
    v.ensure(tax_rate >= Decimal::ZERO && tax_rate <= Decimal::ONE_HUNDRED, "tax_rate", "must be between 0 and 100");
    v.ensure(tax_rate.normalize().scale() <= 4, "tax_rate", "must have at most 4 decimal places");
    v.check("discount", Money::price(discount, currency));
    v.finish()?;
    let subtotal = currency.round(lines.iter().map(InvoiceLine::amount).sum());
    let tax = currency.round(subtotal * tax_rate / Decimal::ONE_HUNDRED);
    let discount = currency.round(discount);
    let total = subtotal + tax - discount;
    if total < Decimal::ZERO {
        return Err(Error::invalid("discount", "must not exceed the subtotal plus tax"));
    }
    Ok(Totals { subtotal, tax, total: currency.round(total) })
}

/// An invoice as stored (at most one per appointment).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Invoice {
    /// The invoice's id.
    pub id: InvoiceId,
    /// Its readable number, e.g. `INV-2026-000123`.
    pub number: String,
    /// The appointment billed.
    pub appointment_id: AppointmentId,
    /// The patient billed.
    pub patient_id: PatientId,
    /// The lines.
    pub lines: Vec<InvoiceLine>,
    /// The currency of every amount.
    pub currency: Currency,
    /// Tax rate in percent.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub tax_rate: Decimal,
    /// Discount amount.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub discount: Decimal,
    /// Sum of the lines.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub subtotal: Decimal,
    /// Tax.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub tax: Decimal,
    /// Total due.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub total: Decimal,
    /// Where it stands.
    pub status: InvoiceStatus,
    /// How it was paid.
    pub payment_method: Option<PaymentMethod>,
    /// When it was paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Who issued it.
    pub issued_by: UserId,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Which version of the invoice this is: 1 when made, one more at each change. A change
    /// may say which version it was decided on (`If-Match`), and is refused when that is gone.
    pub version: u32,
}

impl Invoice {
    /// The total as money.
    pub fn total_money(&self) -> Money {
        Money { amount: self.total, currency: self.currency }
    }

    /// Records payment: only a pending invoice can be paid.
    pub fn pay(&mut self, method: PaymentMethod, now: DateTime<Utc>) -> Result<()> {
        if self.status != InvoiceStatus::Pending {
            return Err(Error::conflict(format!("a {} invoice cannot be paid", self.status)));
        }
        self.status = InvoiceStatus::Paid;
        self.payment_method = Some(method);
        self.paid_at = Some(now);
        self.updated_at = now;
        self.version += 1;
        Ok(())
    }

    /// Cancels: only a pending invoice can be cancelled; a paid one is never changed.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<()> {
        if self.status != InvoiceStatus::Pending {
            return Err(Error::conflict(format!("a {} invoice cannot be cancelled", self.status)));
        }
        self.status = InvoiceStatus::Cancelled;
        self.cancelled_at = Some(now);
        self.updated_at = now;
        self.version += 1;
        Ok(())
    }
}

/// Formats an invoice number from its year and sequence, e.g. `INV-2026-000123`.
pub fn invoice_number(year: i32, sequence: u64) -> String {
    format!("INV-{year}-{sequence:06}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    fn line(q: u32, p: &str) -> InvoiceLine {
        InvoiceLine::parse("consultation", q, d(p), Currency::USD).unwrap()
    }

    #[test]
    fn tax_rounds_half_away_from_zero() {
        // 10.50 × 5 % = 0.525 → 0.53
        let t = compute_totals(&[line(1, "10.50")], d("5"), d("0"), Currency::USD).unwrap();
        assert_eq!((t.subtotal.to_string(), t.tax.to_string(), t.total.to_string()), ("10.50".into(), "0.53".into(), "11.03".into()));
        // 3 × 33.33 = 99.99; 7.5 % = 7.49925 → 7.50
        let t = compute_totals(&[line(3, "33.33")], d("7.5"), d("10"), Currency::USD).unwrap();
        assert_eq!(t.tax.to_string(), "7.50");
        assert_eq!(t.total.to_string(), "97.49");
        let jpy = Currency::parse("JPY").unwrap();
        let l = InvoiceLine::parse("x", 1, d("105"), jpy).unwrap();
        assert_eq!(compute_totals(&[l], d("10"), d("0"), jpy).unwrap().tax.to_string(), "11");
    }

    #[test]
    fn refusals_name_their_field() {
        let e = compute_totals(&[line(1, "10")], d("0"), d("10.01"), Currency::USD).unwrap_err();
        assert_eq!(e.field_errors()[0].field, "discount");
        assert_eq!(compute_totals(&[line(1, "10")], d("101"), d("0"), Currency::USD).unwrap_err().field_errors()[0].field, "tax_rate");
        assert_eq!(compute_totals(&[line(1, "10")], d("0"), d("-1"), Currency::USD).unwrap_err().field_errors()[0].field, "discount");
        assert_eq!(compute_totals(&[], d("0"), d("0"), Currency::USD).unwrap_err().field_errors()[0].field, "lines");
        assert!(InvoiceLine::parse("x", 0, d("1"), Currency::USD).is_err());
        assert!(InvoiceLine::parse("x", 1, d("-1"), Currency::USD).is_err());
        assert!(InvoiceLine::parse("", 1, d("1"), Currency::USD).is_err());
        // A discount of exactly subtotal + tax makes a zero total, which is allowed.
        assert!(compute_totals(&[line(1, "10")], d("10"), d("11"), Currency::USD).unwrap().total.is_zero());
    }

    #[test]
    fn paid_invoices_are_final() {
        let mut inv = Invoice {
            id: InvoiceId::new(),
            number: invoice_number(2026, 123),
            appointment_id: AppointmentId::new(),
            patient_id: PatientId::new(),
            lines: vec![line(1, "10")],
            currency: Currency::USD,
            tax_rate: d("0"),
            discount: d("0"),
            subtotal: d("10.00"),
            tax: d("0.00"),
            total: d("10.00"),
            status: InvoiceStatus::Pending,
            payment_method: None,
            paid_at: None,
            cancelled_at: None,
            issued_by: UserId::new(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        };
        assert_eq!(inv.number, "INV-2026-000123");
        inv.pay(PaymentMethod::Card, Utc::now()).unwrap();
        assert!(inv.pay(PaymentMethod::Cash, Utc::now()).is_err());
        assert!(inv.cancel(Utc::now()).is_err());
        assert_eq!(inv.payment_method, Some(PaymentMethod::Card));
    }

    proptest! {
        #[test]
        fn totals_are_exact_and_never_negative(
            lines in prop::collection::vec((1u32..20, 0u64..10_000_000), 1..8),
            rate_bp in 0u32..10_000, discount_cents in 0u64..10_000_000,
        ) {
            let lines: Vec<_> = lines.iter().map(|(q, c)| line(*q, &Decimal::new(*c as i64, 2).to_string())).collect();
            let rate = Decimal::new(i64::from(rate_bp), 2);
            let discount = Decimal::new(discount_cents as i64, 2);
            let exact_sub: Decimal = lines.iter().map(|l| Decimal::from(l.quantity) * l.unit_price).sum();
            match compute_totals(&lines, rate, discount, Currency::USD) {
                Ok(t) => {
                    prop_assert!(t.total >= Decimal::ZERO);
                    prop_assert_eq!(t.subtotal, exact_sub);
                    prop_assert_eq!(t.total, t.subtotal + t.tax - discount);
                    prop_assert!((t.tax - exact_sub * rate / Decimal::ONE_HUNDRED).abs() <= d("0.005"));
                    prop_assert_eq!(t.tax.scale(), 2);
                }
                Err(e) => {
                    let fields = e.field_errors();
                    prop_assert_eq!(fields[0].field.as_str(), "discount");
                    let tax = Currency::USD.round(exact_sub * rate / Decimal::ONE_HUNDRED);
                    prop_assert!(discount > exact_sub + tax);
                }
            }
        }
    }
}
