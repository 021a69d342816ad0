//! Availability: a doctor's weekly rules in the hospital's time zone, exceptions, and the slots they give.
//!
//! Rules are read in local wall time, but slots are cut in absolute time: a window runs from the
//! instant its local start time happens to the instant its local end time happens on that date,
//! and slots of the rule's length are laid from its start. So a window that spans a
//! daylight-saving change has exactly as many slots as it has real time for — one hour fewer on
//! the spring-forward night, one more on the fall-back night — and no slot is ever ambiguous.
//! A local time that does not exist (inside the spring gap) is taken as the instant the gap ends;
//! an ambiguous start is its earlier instant, an ambiguous end its later one.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _, Utc, Weekday};
use chrono_tz::Tz;

use crate::error::{Error, FieldError, Result, Validator};
use crate::ids::{DoctorId, ExceptionId};
use crate::values::TimeZone;

/// The longest span one free-slot query may cover.
pub const MAX_SLOT_QUERY_DAYS: i64 = 62;

/// One weekly availability rule: on `weekday`, from `start` to `end` local time, in slots of `slot_minutes`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct AvailabilityRule {
    /// The day of the week (ISO: Monday is 1).
    #[cfg_attr(feature = "utoipa", schema(value_type = String, example = "Mon"))]
    pub weekday: Weekday,
    /// Local start time of the window.
    #[cfg_attr(feature = "utoipa", schema(value_type = String, example = "09:00:00"))]
    pub start: NaiveTime,
    /// Local end time of the window (after `start`; windows do not cross midnight).
    #[cfg_attr(feature = "utoipa", schema(value_type = String, example = "17:00:00"))]
    pub end: NaiveTime,
    /// Length of each slot in minutes (5 to 480).
    pub slot_minutes: u16,
    /// First date the rule applies (inclusive), if bounded.
    pub valid_from: Option<NaiveDate>,
    /// Last date the rule applies (inclusive), if bounded.
    pub valid_until: Option<NaiveDate>,
}

impl AvailabilityRule {
    fn applies_on(&self, date: NaiveDate) -> bool {
        date.weekday() == self.weekday && self.valid_from.is_none_or(|f| date >= f) && self.valid_until.is_none_or(|u| date <= u)
    }

    fn dates_overlap(&self, other: &AvailabilityRule) -> bool {
        let a0 = self.valid_from.unwrap_or(NaiveDate::MIN);
        let a1 = self.valid_until.unwrap_or(NaiveDate::MAX);
        let b0 = other.valid_from.unwrap_or(NaiveDate::MIN);
        let b1 = other.valid_until.unwrap_or(NaiveDate::MAX);
        a0 <= b1 && b0 <= a1
    }

    fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut v = Validator::new();
        v.ensure(self.start < self.end, "end", "must be after start");
        v.ensure((5..=480).contains(&self.slot_minutes), "slot_minutes", "must be between 5 and 480");
        if self.start < self.end && (5..=480).contains(&self.slot_minutes) {
            let window = (self.end - self.start).num_minutes();
            v.ensure(window >= i64::from(self.slot_minutes), "slot_minutes", "must fit in the window at least once");
        }
        if let (Some(f), Some(u)) = (self.valid_from, self.valid_until) {
            v.ensure(f <= u, "valid_until", "must not be before valid_from");
        }
        let errors = v.into_errors();
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// Checks a doctor's full set of weekly rules: each valid, at most 100, no two overlapping on one weekday.
pub fn validate_rules(rules: &[AvailabilityRule]) -> Result<()> {
    let mut v = Validator::new();
    v.ensure(rules.len() <= 100, "rules", "must have at most 100 entries");
    for (i, r) in rules.iter().enumerate() {
        v.check_all(&format!("rules[{i}]"), r.check());
    }
    for (i, a) in rules.iter().enumerate() {
        for b in &rules[..i] {
            if a.weekday == b.weekday && a.dates_overlap(b) && a.start < b.end && b.start < a.end {
                v.push(&format!("rules[{i}]"), "overlaps another rule on the same weekday");
                break;
            }
        }
    }
    v.finish()
}

/// A time off: no slot that overlaps `[starts_at, ends_at)` is offered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct AvailabilityException {
    /// The exception's id.
    pub id: ExceptionId,
    /// The doctor it belongs to.
    pub doctor_id: DoctorId,
    /// Start of the time off (inclusive).
    pub starts_at: DateTime<Utc>,
    /// End of the time off (exclusive).
    pub ends_at: DateTime<Utc>,
    /// Why, e.g. `conference`.
    pub reason: String,
}

/// A doctor's weekly rules and exceptions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Availability {
    /// The weekly rules.
    pub rules: Vec<AvailabilityRule>,
    /// The exceptions (time off).
    pub exceptions: Vec<AvailabilityException>,
}

/// A bookable interval, half-open: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Slot {
    /// Start instant (UTC).
    pub start: DateTime<Utc>,
    /// End instant (UTC).
    pub end: DateTime<Utc>,
}

impl Slot {
    /// Whether two half-open intervals share any instant.
    pub fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        self.start < end && start < self.end
    }
}

/// The instant a local wall time names; `earliest` picks between the two readings of an ambiguous time.
fn resolve(tz: Tz, local: NaiveDateTime, earliest: bool) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(if earliest { a } else { b }.with_timezone(&Utc)),
        LocalResult::None => {
            // Inside a gap: walk forward to the first local time that exists (gaps are at most a few hours).
            let mut probe = local;
            for _ in 0..(24 * 60) {
                probe += Duration::minutes(1);
                match tz.from_local_datetime(&probe) {
                    LocalResult::Single(t) => return Some(t.with_timezone(&Utc)),
                    LocalResult::Ambiguous(a, _) => return Some(a.with_timezone(&Utc)),
                    LocalResult::None => {}
                }
            }
            None
        }
    }
}

/// Every slot the rules give on one local date, in order, before exceptions and bookings.
pub fn slots_on(rules: &[AvailabilityRule], tz: TimeZone, date: NaiveDate) -> Vec<Slot> {
    let tz = tz.tz();
    let mut out = Vec::new();
    for rule in rules.iter().filter(|r| r.applies_on(date)) {
        let (Some(open), Some(close)) = (resolve(tz, date.and_time(rule.start), true), resolve(tz, date.and_time(rule.end), false)) else {
            continue;
        };
        let len = Duration::minutes(i64::from(rule.slot_minutes));
        let mut start = open;
        while start + len <= close {
            out.push(Slot { start, end: start + len });
            start += len;
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The free slots in `[from, to)` after `now`: from the rules, less exceptions and the `taken` intervals.
pub fn free_slots(
    availability: &Availability,
    tz: TimeZone,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    taken: &[(DateTime<Utc>, DateTime<Utc>)],
) -> Vec<Slot> {
    let first = from.with_timezone(&tz.tz()).date_naive() - Duration::days(1);
    let last = to.with_timezone(&tz.tz()).date_naive() + Duration::days(1);
    let mut out = Vec::new();
    let mut date = first;
    while date <= last {
        for slot in slots_on(&availability.rules, tz, date) {
            if slot.start >= from
                && slot.end <= to
                && slot.start > now
                && !availability.exceptions.iter().any(|e| slot.overlaps(e.starts_at, e.ends_at))
                && !taken.iter().any(|(s, e)| slot.overlaps(*s, *e))
            {
                out.push(slot);
            }
        }
        date += Duration::days(1);
    }
    out.sort();
    out.dedup();
    out
}

/// Checks a free-slot query's bounds: `from` before `to`, at most [`MAX_SLOT_QUERY_DAYS`] apart.
pub fn check_slot_query(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<()> {
    if from >= to {
        return Err(Error::invalid("to", "must be after from"));
    }
    if to - from > Duration::days(MAX_SLOT_QUERY_DAYS) {
        return Err(Error::invalid("to", format!("must be at most {MAX_SLOT_QUERY_DAYS} days after from")));
    }
    Ok(())
}

/// The slot the rules give that starts exactly at `start`, if any (ignoring bookings and exceptions).
pub fn rule_slot_at(rules: &[AvailabilityRule], tz: TimeZone, start: DateTime<Utc>) -> Option<Slot> {
    let date = start.with_timezone(&tz.tz()).date_naive();
    [date - Duration::days(1), date, date + Duration::days(1)]
        .into_iter()
        .find_map(|d| slots_on(rules, tz, d).into_iter().find(|s| s.start == start))
}

/// The UTC interval of one whole local day, for building day-long exceptions.
pub fn local_day(tz: TimeZone, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = resolve(tz.tz(), date.and_time(NaiveTime::MIN), true).unwrap_or_else(|| date.and_time(NaiveTime::MIN).and_utc());
    let next = date + Duration::days(1);
    let end = resolve(tz.tz(), next.and_time(NaiveTime::MIN), true).unwrap_or_else(|| next.and_time(NaiveTime::MIN).and_utc());
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn rule(weekday: Weekday, start: NaiveTime, end: NaiveTime, minutes: u16) -> AvailabilityRule {
        AvailabilityRule { weekday, start, end, slot_minutes: minutes, valid_from: None, valid_until: None }
    }

    fn london() -> TimeZone {
        TimeZone::parse("Europe/London").unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_ordinary_day_gives_its_slots_in_local_time() {
        let rules = [rule(Weekday::Mon, t(9, 0), t(12, 0), 30)];
        let slots = slots_on(&rules, london(), d(2026, 1, 5));
        assert_eq!(slots.len(), 6);
        assert_eq!(slots[0].start.to_rfc3339(), "2026-01-05T09:00:00+00:00");
        // In summer the same local 09:00 is 08:00 UTC.
        let summer = slots_on(&rules, london(), d(2026, 7, 6));
        assert_eq!(summer[0].start.to_rfc3339(), "2026-07-06T08:00:00+00:00");
        assert!(slots_on(&rules, london(), d(2026, 1, 6)).is_empty(), "Tuesday has no rule");
    }

    #[test]
    fn spring_forward_loses_exactly_the_missing_hour() {
        // 2026-03-29: London clocks go from 01:00 to 02:00.
        let rules = [rule(Weekday::Sun, t(0, 0), t(4, 0), 30)];
        let slots = slots_on(&rules, london(), d(2026, 3, 29));
        assert_eq!(slots.len(), 6, "four wall-clock hours are three real hours");
        for w in slots.windows(2) {
            assert_eq!(w[0].end, w[1].start, "slots are contiguous");
        }
        assert_eq!(slots.last().unwrap().end.to_rfc3339(), "2026-03-29T03:00:00+00:00");
    }

    #[test]
    fn fall_back_gains_exactly_the_repeated_hour() {
        // 2026-10-25: London clocks go from 02:00 back to 01:00.
        let rules = [rule(Weekday::Sun, t(0, 0), t(4, 0), 30)];
        let slots = slots_on(&rules, london(), d(2026, 10, 25));
        assert_eq!(slots.len(), 10, "four wall-clock hours are five real hours");
        let mut starts: Vec<_> = slots.iter().map(|s| s.start).collect();
        starts.dedup();
        assert_eq!(starts.len(), 10, "no slot is doubled");
        // A window that starts inside the repeated hour starts at its first occurrence.
        let rules = [rule(Weekday::Sun, t(1, 30), t(2, 0), 30)];
        let slots = slots_on(&rules, london(), d(2026, 10, 25));
        assert_eq!(slots[0].start.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        assert_eq!(slots.len(), 3, "01:30 BST to 02:00 GMT is ninety minutes");
    }

    #[test]
    fn a_window_starting_in_the_gap_starts_when_the_gap_ends() {
        let rules = [rule(Weekday::Sun, t(1, 30), t(3, 0), 30)];
        let slots = slots_on(&rules, london(), d(2026, 3, 29));
        assert_eq!(slots[0].start.to_rfc3339(), "2026-03-29T01:00:00+00:00");
        assert_eq!(slots.len(), 2);
    }

    #[test]
    fn exceptions_bookings_bounds_and_now_remove_slots() {
        let tz = london();
        let a = Availability {
            rules: vec![rule(Weekday::Mon, t(9, 0), t(11, 0), 30)],
            exceptions: vec![AvailabilityException {
                id: ExceptionId::new(),
                doctor_id: DoctorId::new(),
                starts_at: "2026-01-12T00:00:00Z".parse().unwrap(),
                ends_at: "2026-01-13T00:00:00Z".parse().unwrap(),
                reason: "leave".into(),
            }],
        };
        let from = "2026-01-05T00:00:00Z".parse().unwrap();
        let to = "2026-01-20T00:00:00Z".parse().unwrap();
        let now = "2026-01-01T00:00:00Z".parse().unwrap();
        let all = free_slots(&a, tz, from, to, now, &[]);
        assert_eq!(all.len(), 8, "two Mondays of four slots; the third is off");
        let taken = [(all[1].start, all[1].end)];
        let some = free_slots(&a, tz, from, to, now, &taken);
        assert_eq!(some.len(), 7);
        assert!(!some.contains(&all[1]));
        let later = free_slots(&a, tz, from, to, all[2].start, &[]);
        assert_eq!(later.len(), 5, "slots that have started are gone");
        let bounded = AvailabilityRule { valid_until: Some(d(2026, 1, 5)), ..a.rules[0].clone() };
        let b = Availability { rules: vec![bounded], exceptions: vec![] };
        assert_eq!(free_slots(&b, tz, from, to, now, &[]).len(), 4);
    }

    #[test]
    fn rule_validation_names_the_field() {
        let bad = [rule(Weekday::Mon, t(10, 0), t(9, 0), 30)];
        let e = validate_rules(&bad).unwrap_err();
        assert_eq!(e.field_errors()[0].field, "rules[0].end");
        let overlap = [rule(Weekday::Mon, t(9, 0), t(12, 0), 30), rule(Weekday::Mon, t(11, 0), t(13, 0), 30)];
        assert_eq!(validate_rules(&overlap).unwrap_err().field_errors()[0].field, "rules[1]");
        let ok = [rule(Weekday::Mon, t(9, 0), t(12, 0), 30), rule(Weekday::Mon, t(12, 0), t(13, 0), 30)];
        assert!(validate_rules(&ok).is_ok());
        assert!(check_slot_query("2026-01-02T00:00:00Z".parse().unwrap(), "2026-01-01T00:00:00Z".parse().unwrap()).is_err());
    }

    proptest! {
        #[test]
        fn slots_never_overlap_and_cover_exactly_the_window(
            day in 0i64..730, h0 in 0u32..23, span in 1u32..8, minutes in prop::sample::select(vec![10u16, 15, 20, 30, 45, 60]),
            zone in prop::sample::select(vec!["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]),
        ) {
            let tz = TimeZone::parse(zone).unwrap();
            let date = d(2026, 1, 1) + Duration::days(day);
            let end_h = (h0 + span).min(23);
            prop_assume!(end_h > h0);
            let r = rule(date.weekday(), t(h0, 0), t(end_h, 0), minutes);
            let slots = slots_on(std::slice::from_ref(&r), tz, date);
            for w in slots.windows(2) {
                prop_assert!(w[0].end <= w[1].start);
            }
            for s in &slots {
                prop_assert_eq!((s.end - s.start).num_minutes(), i64::from(minutes));
                prop_assert_eq!(rule_slot_at(std::slice::from_ref(&r), tz, s.start), Some(*s));
            }
            let open = resolve(tz.tz(), date.and_time(r.start), true).unwrap();
            let close = resolve(tz.tz(), date.and_time(r.end), false).unwrap();
            let real = (close - open).num_minutes();
            prop_assert_eq!(slots.len() as i64, real / i64::from(minutes));
        }
    }
}
