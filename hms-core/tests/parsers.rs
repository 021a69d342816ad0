//! Input fuzzing of the core's parsers: arbitrary input never panics, every rejection is a typed
//! error that names a field and says what is wrong, and accepted values are within their rules.

use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use hms_core::billing::{InvoiceLine, compute_totals};
use hms_core::clinical::parse_file_name;
use hms_core::prescription::Medication;
use hms_core::schedule::{check_slot_query, free_slots, rule_slot_at, slots_on, validate_rules};
use hms_core::user::Password;
use hms_core::{
    AppointmentStatus, Availability, AvailabilityRule, BloodGroup, Currency, DocumentKind, Email, ErrorKind, FieldError, InvoiceStatus,
    LicenseNumber, Money, NoteKind, PageRequest, PaymentMethod, PersonName, Phone, Role, Route, Sex, TimeZone,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// A rejection must say what is wrong (the field may be empty: the caller places it).
fn typed(e: &FieldError) -> Result<(), TestCaseError> {
    prop_assert!(!e.message.trim().is_empty(), "a rejection without a message: {e:?}");
    prop_assert!(!e.message.ends_with('.'), "messages have no trailing period: {e:?}");
    Ok(())
}

fn typed_all(errors: &[FieldError]) -> Result<(), TestCaseError> {
    prop_assert!(!errors.is_empty(), "a rejection without field errors");
    for e in errors {
        typed(e)?;
        prop_assert!(!e.field.is_empty(), "a field error without a field: {e:?}");
    }
    Ok(())
}

fn typed_error(e: &hms_core::Error) -> Result<(), TestCaseError> {
    prop_assert_eq!(e.kind(), ErrorKind::Invalid, "{:?}", e);
    typed_all(&e.field_errors())
}

/// Text with the characters that break parsers: controls, quotes, separators, non-ASCII.
fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,80}",
        ".{0,300}",
        "[ \t\r\n\0\"'\\\\/;:,.@+#%_-]{0,20}",
        "[0-9]{0,30}(\\.[0-9]{0,30})?",
        Just(String::new()),
        Just("\u{feff}\u{202e}\u{0}".to_string()),
    ]
}

fn decimal() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0u32..=28, any::<bool>()).prop_map(|(m, scale, negative)| {
        let mut d = Decimal::new(m, scale);
        d.set_sign_negative(negative);
        d
    })
}

fn weekday() -> impl Strategy<Value = Weekday> {
    (0u8..7).prop_map(|n| Weekday::try_from(n).unwrap())
}

fn time() -> impl Strategy<Value = NaiveTime> {
    (0u32..24, 0u32..60, 0u32..60).prop_map(|(h, m, s)| NaiveTime::from_hms_opt(h, m, s).unwrap())
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (-200_000i64..200_000).prop_map(|d| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(d / 100))
}

/// Rules of any shape, and (as often) well-formed ones, so that slot cutting is exercised too.
fn rule() -> impl Strategy<Value = AvailabilityRule> {
    prop_oneof![any_rule(), sound_rule()]
}

fn sound_rule() -> impl Strategy<Value = AvailabilityRule> {
    (weekday(), 0u32..23, prop::sample::select(vec![0u32, 15, 30, 45]), prop::sample::select(vec![5u16, 10, 15, 20, 30, 45, 60]), 1u32..24)
        .prop_map(|(weekday, h, m, slot_minutes, n)| {
            let start = NaiveTime::from_hms_opt(h, m, 0).unwrap();
            let minutes = (i64::from(slot_minutes) * i64::from(n)).min(i64::from(23 * 60 + 59 - (h * 60 + m)));
            let end = start + Duration::minutes(minutes.max(1));
            AvailabilityRule { weekday, start, end, slot_minutes, valid_from: None, valid_until: None }
        })
}

fn any_rule() -> impl Strategy<Value = AvailabilityRule> {
    (weekday(), time(), time(), any::<u16>(), proptest::option::of(date()), proptest::option::of(date())).prop_map(
        |(weekday, start, end, slot_minutes, valid_from, valid_until)| AvailabilityRule {
            weekday,
            start,
            end,
            slot_minutes,
            valid_from,
            valid_until,
        },
    )
}

fn zone() -> impl Strategy<Value = TimeZone> {
    prop::sample::select(vec!["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham"])
        .prop_map(|z| TimeZone::parse(z).unwrap())
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (-10_000_000_000i64..10_000_000_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: ProptestConfig::default().cases.max(512), ..ProptestConfig::default() })]

    #[test]
    fn value_types(s in nasty()) {
        for result in [
            Email::parse(&s).map(drop),
            PersonName::parse(&s).map(drop),
            Phone::parse(&s).map(drop),
            LicenseNumber::parse(&s).map(drop),
            BloodGroup::parse(&s).map(drop),
            TimeZone::parse(&s).map(drop),
            Money::parse_price(&s, Currency::USD).map(drop),
            Currency::parse(&s).map(drop),
            parse_file_name(&s).map(drop),
            Password::new(&s, None).map(drop),
        ] {
            if let Err(e) = result { typed(&e)?; }
        }
        if let Ok(e) = Email::parse(&s) { prop_assert!(e.as_str().len() <= 254 && e.as_str().contains('@')); }
        if let Ok(m) = Money::parse_price(&s, Currency::parse("JPY").unwrap()) { prop_assert!(m.amount >= Decimal::ZERO && m.amount.scale() == 0); }
        if let Ok(name) = parse_file_name(&s) { prop_assert!(!name.contains('/') && !name.contains('\\') && name != ".."); }
    }

    #[test]
    fn code_sets(s in nasty()) {
        // Closed code sets accept exactly their codes.
        prop_assert_eq!(Role::from_str(&s).is_ok(), ["admin", "doctor", "nurse", "receptionist", "patient"].contains(&s.as_str()));
        let _ = AppointmentStatus::from_str(&s);
        let _ = InvoiceStatus::from_str(&s);
        let _ = PaymentMethod::from_str(&s);
        let _ = NoteKind::from_str(&s);
        let _ = DocumentKind::from_str(&s);
        let _ = Route::from_str(&s);
        let _ = Sex::from_str(&s);
        let _ = hms_core::UserId::from_str(&s);
    }

    #[test]
    fn medications(name in nasty(), strength in nasty(), frequency in nasty(), days in any::<u16>(), instructions in nasty()) {
        match Medication::parse(&name, &strength, Route::Oral, &frequency, days, &instructions) {
            Ok(m) => prop_assert!((1..=365).contains(&m.duration_days) && !m.name.is_empty() && !m.strength.is_empty()),
            Err(errors) => typed_all(&errors)?,
        }
    }

    #[test]
    fn invoice_arithmetic(
        lines in proptest::collection::vec((nasty(), any::<u32>(), decimal()), 0..8),
        tax in decimal(),
        discount in decimal(),
        currency in prop::sample::select(vec!["USD", "JPY", "KWD"]).prop_map(|c| Currency::parse(c).unwrap()),
    ) {
        let mut parsed = Vec::new();
        for (description, quantity, price) in &lines {
            match InvoiceLine::parse(description, *quantity, *price, currency) {
                Ok(line) => parsed.push(line),
                Err(errors) => typed_all(&errors)?,
            }
        }
        match compute_totals(&parsed, tax, discount, currency) {
            Ok(t) => {
                prop_assert!(t.total >= Decimal::ZERO);
                prop_assert!(t.total.scale() <= currency.minor_units());
            }
            Err(e) => typed_error(&e)?,
        }
    }

    #[test]
    fn availability_rules(rules in proptest::collection::vec(rule(), 0..6), tz in zone(), day in date()) {
        match validate_rules(&rules) {
            Ok(()) => {
                // Valid rules always cut into well-formed, non-overlapping slots, in every zone, on any date.
                let slots = slots_on(&rules, tz, day);
                for s in &slots {
                    prop_assert!(s.start < s.end);
                    prop_assert_eq!(rule_slot_at(&rules, tz, s.start), Some(*s));
                }
                for w in slots.windows(2) { prop_assert!(w[0].end <= w[1].start); }
            }
            Err(e) => typed_error(&e)?,
        }
    }

    #[test]
    fn slot_queries(
        from in instant(),
        span in prop_oneof![-86_400i64..(40 * 86_400), any::<i32>().prop_map(i64::from)],
        rules in proptest::collection::vec(sound_rule(), 0..3),
        tz in zone(),
    ) {
        let to = from + Duration::seconds(span);
        match check_slot_query(from, to) {
            Ok(()) => {
                if validate_rules(&rules).is_ok() {
                    let availability = Availability { rules: rules.clone(), exceptions: Vec::new() };
                    let slots = free_slots(&availability, tz, from, to, from, &[]);
                    prop_assert!(slots.iter().all(|s| s.start >= from && s.end <= to));
                }
            }
            Err(e) => typed_error(&e)?,
        }
    }

    #[test]
    fn pages(page in any::<u32>(), per_page in any::<u32>()) {
        match PageRequest::new(page, per_page) {
            Ok(p) => prop_assert!(p.page() >= 1 && (1..=100).contains(&p.per_page())),
            Err(e) => typed_error(&e)?,
        }
    }
}
