//! Money: an exact decimal amount with an ISO 4217 currency. Never a float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::FieldError;

/// The ISO 4217 currencies hms accepts, with their minor units (digits after the decimal point).
const CURRENCIES: &[(&str, u32)] = &[
    ("AED", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("BDT", 2),
    ("BHD", 3),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EGP", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("GHS", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("LKR", 2),
    ("MAD", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("NGN", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("QAR", 2),
    ("RON", 2),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TND", 3),
    ("TRY", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("VND", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("ZAR", 2),
];

/// An ISO 4217 currency known to hms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "utoipa", schema(value_type = String, example = "USD"))]
pub struct Currency(u8);

impl Currency {
    /// The US dollar.
    pub const USD: Currency = Currency(53);

    /// Parses a three-letter ISO 4217 code (case-insensitive).
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let code = input.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .position(|(c, _)| *c == code)
            .map(|i| Currency(i as u8))
            .ok_or_else(|| FieldError::new("", "must be a supported ISO 4217 currency code such as USD"))
    }

    /// The three-letter code.
    pub fn code(self) -> &'static str {
        CURRENCIES[self.0 as usize].0
    }

    /// Digits after the decimal point in the currency's minor unit (2 for USD, 0 for JPY, 3 for KWD).
    pub fn minor_units(self) -> u32 {
        CURRENCIES[self.0 as usize].1
    }

    /// Rounds `amount` to this currency's minor unit, half away from zero.
    pub fn round(self, amount: Decimal) -> Decimal {
        let mut r = amount.round_dp_with_strategy(self.minor_units(), RoundingStrategy::MidpointAwayFromZero);
        r.rescale(self.minor_units());
        r
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Currency {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_string()
    }
}

/// The largest amount hms accepts for one price (one billion in any currency).
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// An exact amount of money in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Money {
    /// The amount, scaled to the currency's minor unit.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    #[cfg_attr(feature = "utoipa", schema(value_type = String, example = "120.00"))]
    pub amount: Decimal,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// A non-negative price: at most the currency's minor-unit digits, at most [`MAX_AMOUNT`].
    pub fn price(amount: Decimal, currency: Currency) -> Result<Self, FieldError> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(FieldError::new("", "must not be negative"));
        }
        if amount > MAX_AMOUNT {
            return Err(FieldError::new("", "is too large"));
        }
        if amount.normalize().scale() > currency.minor_units() {
            return Err(FieldError::new("", format!("must have at most {} decimal places for {}", currency.minor_units(), currency)));
        }
        let mut amount = amount.abs();
        amount.rescale(currency.minor_units());
        Ok(Self { amount, currency })
    }

    /// Parses a decimal string such as `"120.50"` as a price in `currency`.
    pub fn parse_price(amount: &str, currency: Currency) -> Result<Self, FieldError> {
        let d = Decimal::from_str_exact(amount.trim()).map_err(|_| FieldError::new("", "must be a decimal number such as 120.50"))?;
        Self::price(d, currency)
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        let mut amount = Decimal::ZERO;
        amount.rescale(currency.minor_units());
        Self { amount, currency }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros_free::dec;

    mod rust_decimal_macros_free {
        macro_rules! dec {
            ($s:literal) => {
                rust_decimal::Decimal::from_str_exact(stringify!($s)).unwrap()
            };
        }
        pub(crate) use dec;
    }

    #[test]
    fn currencies_and_minor_units() {
        assert_eq!(Currency::USD.code(), "USD");
        assert_eq!(Currency::parse("jpy").unwrap().minor_units(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().minor_units(), 3);
        assert!(Currency::parse("XYZ").is_err());
    }

    #[test]
    fn rounding_is_half_away_from_zero_at_the_minor_unit() {
        let usd = Currency::USD;
        assert_eq!(usd.round(dec!(2.345)).to_string(), "2.35");
        assert_eq!(usd.round(dec!(2.335)).to_string(), "2.34");
        assert_eq!(usd.round(dec!(-2.345)).to_string(), "-2.35");
        assert_eq!(usd.round(dec!(2)).to_string(), "2.00");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.round(dec!(10.5)).to_string(), "11");
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(kwd.round(dec!(1.0005)).to_string(), "1.001");
    }

    #[test]
    fn prices_are_exact_and_non_negative() {
        assert_eq!(Money::parse_price("120.5", Currency::USD).unwrap().amount.to_string(), "120.50");
        assert!(Money::parse_price("-1", Currency::USD).is_err());
        assert!(Money::parse_price("1.005", Currency::USD).is_err());
        assert!(Money::parse_price("1.5", Currency::parse("JPY").unwrap()).is_err());
        assert!(Money::parse_price("abc", Currency::USD).is_err());
        assert!(Money::parse_price("1e3", Currency::USD).is_err());
        assert!(Money::parse_price("10000000000", Currency::USD).is_err());
    }
}
