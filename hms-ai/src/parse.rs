//! Reading a medication's strength (`500 mg`, `2 x 500 mg`, `5/325 mg`, `10 ml of 250 mg/5 ml`) and
//! frequency (`twice daily`, `BID`, `q6h`, `every 4-6 hours`, `at night`, `once weekly`) as written.
//!
//! The parsers are deliberately conservative: what they do not recognise, or what reads two ways,
//! is an error that the checks report as missing information. A dose is never guessed. Where a
//! range is written (`1-2 tablets`, `every 4-6 hours`) the largest amount is taken, because the
//! checks compare it with a maximum.

use std::sync::LazyLock;

use regex::Regex;

/// One administration's amount of each ingredient, in milligrams.
#[derive(Debug, Clone, PartialEq)]
pub struct Strength {
    /// Milligrams per administration, one per ingredient in the order written (`5/325 mg` gives two).
    pub mg: Vec<f64>,
}

/// Why a strength could not be read as milligrams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrengthError {
    /// The dose depends on body weight or surface area (`10 mg/kg`).
    WeightBased,
    /// The amount is not a mass (`5 ml`, `2 puffs`, `1000 units`, `1 tablet`).
    NotAMass,
    /// The text is not understood.
    Unreadable,
}

impl std::fmt::Display for StrengthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StrengthError::WeightBased => "is weight- or area-based, and the weight is not recorded",
            StrengthError::NotAMass => "is not an amount in mg, g or mcg",
            StrengthError::Unreadable => "is not understood",
        })
    }
}

/// How often a medication is given, at most.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frequency {
    /// The most administrations in 24 hours (weekly dosing gives a fraction).
    pub per_day: f64,
    /// Whether it is given only as needed (with the maximum above).
    pub as_needed: bool,
}

/// Why a frequency could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrequencyError {
    /// As needed, with no interval or maximum number of doses.
    AsNeededWithoutMaximum,
    /// Two different frequencies are written (`bid or tid`).
    Ambiguous,
    /// The text is not understood.
    Unreadable,
}

impl std::fmt::Display for FrequencyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FrequencyError::AsNeededWithoutMaximum => "is as needed without an interval or a maximum number of doses a day",
            FrequencyError::Ambiguous => "names more than one frequency",
            FrequencyError::Unreadable => "is not understood",
        })
    }
}

const NUMBER: &str = r"(\d+(?:\.\d+)?|\.\d+)";

fn number(text: &str) -> Option<f64> {
    let v: f64 = text.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

fn mass_unit(unit: &str) -> Option<f64> {
    match unit {
        "mg" | "milligram" | "milligrams" | "mgs" => Some(1.0),
        "g" | "gm" | "gram" | "grams" | "gms" => Some(1000.0),
        "mcg" | "µg" | "μg" | "ug" | "microgram" | "micrograms" => Some(0.001),
        "ng" | "nanogram" | "nanograms" => Some(0.000_001),
        _ => None,
    }
}

fn word_number(word: &str) -> Option<f64> {
    let n = match word {
        "once" | "one" | "a" | "an" => 1,
        "twice" | "two" => 2,
        "thrice" | "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        _ => return number(word),
    };
    Some(f64::from(n))
}

static THOUSANDS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d),(\d{3})\b").expect("a valid pattern"));
static WEIGHT_BASED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:/|\bper\s+)(?:kg|m2|m²|kilo)|\bkg\b|\bmg/m").expect("a valid pattern"));
static VOLUME_OF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^{NUMBER}\s*ml\s*(?:of\s*)?\(?\s*{NUMBER}\s*([a-zµμ]+)\s*(?:/|per|in)\s*{NUMBER}?\s*ml\s*\)?$"))
        .expect("a valid pattern")
});
static COUNT_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^{NUMBER}(?:\s*(?:-|to|or)\s*{NUMBER})?\s*(?:x|×|\*|tablets?|tabs?|capsules?|caps?|caplets?|sachets?|suppositor(?:y|ies))\s*(?:of\s+|each\s+|\(\s*)?"
    ))
    .expect("a valid pattern")
});
static COUNT_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\s*(?:x|×|\*)\s*{NUMBER}(?:\s*(?:tablets?|tabs?|capsules?|caps?|doses?))?\s*\)?$")).expect("a valid pattern")
});
static PART: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!(r"^{NUMBER}\s*([a-zµμ]+)?$")).expect("a valid pattern"));
static TRAILING_FORM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s*(?:\(?\s*(?:each|per\s+(?:tablet|tab|capsule|cap|dose))\s*\)?|tablets?|tabs?|capsules?|caps?|caplets?|oral|dose|\))$")
        .expect("a valid pattern")
});

/// Reads a strength such as `500 mg`, `1 g`, `62.5 mcg`, `2 x 500 mg`, `1-2 tablets of 500 mg`,
/// `5/325 mg` (a combination) or `10 ml of 250 mg/5 ml`.
pub fn parse_strength(text: &str) -> Result<Strength, StrengthError> {
    let lower = text.trim().to_lowercase().replace('×', "x");
    let s = THOUSANDS.replace_all(&lower, "$1$2").into_owned();
    if s.is_empty() || s.len() > 200 {
        return Err(StrengthError::Unreadable);
    }
    if WEIGHT_BASED.is_match(&s) {
        return Err(StrengthError::WeightBased);
    }
    if let Some(c) = VOLUME_OF.captures(&s) {
        let volume = number(&c[1]).ok_or(StrengthError::Unreadable)?;
        let amount = number(&c[2]).ok_or(StrengthError::Unreadable)?;
        let factor = mass_unit(&c[3]).ok_or(StrengthError::NotAMass)?;
        let per = match c.get(4) {
            Some(m) => number(m.as_str()).ok_or(StrengthError::Unreadable)?,
            None => 1.0,
        };
        if per <= 0.0 {
            return Err(StrengthError::Unreadable);
        }
        return Ok(Strength { mg: vec![volume * amount * factor / per] });
    }

    let mut rest = s.as_str();
    let mut count = 1.0;
    if let Some(c) = COUNT_PREFIX.captures(rest) {
        let low = number(&c[1]).ok_or(StrengthError::Unreadable)?;
        count = c.get(2).and_then(|m| number(m.as_str())).map_or(low, |high| high.max(low));
        rest = &rest[c.get(0).map_or(0, |m| m.end())..];
    }
    let mut rest = rest.trim().to_string();
    if let Some(c) = COUNT_SUFFIX.captures(&rest) {
        count *= number(&c[1]).ok_or(StrengthError::Unreadable)?;
        let cut = c.get(0).map_or(rest.len(), |m| m.start());
        rest.truncate(cut);
    }
    loop {
        let trimmed = TRAILING_FORM.replace(rest.trim(), "").into_owned();
        if trimmed == rest.trim() {
            break;
        }
        rest = trimmed;
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(StrengthError::NotAMass);
    }

    // `5/325 mg`, `5 mg/325 mg`, `500 mg`: parts separated by `/` or `+`; a part without a unit takes the last unit.
    let parts: Vec<&str> = rest.split(['/', '+']).map(str::trim).collect();
    let mut amounts = Vec::with_capacity(parts.len());
    let mut units = Vec::with_capacity(parts.len());
    for part in &parts {
        let c = PART.captures(part).ok_or(StrengthError::Unreadable)?;
        amounts.push(number(&c[1]).ok_or(StrengthError::Unreadable)?);
        units.push(c.get(2).map(|m| m.as_str().to_string()));
    }
    let last_unit = units.last().cloned().flatten().ok_or(StrengthError::NotAMass)?;
    let mut mg = Vec::with_capacity(amounts.len());
    for (amount, unit) in amounts.into_iter().zip(units) {
        let unit = unit.unwrap_or_else(|| last_unit.clone());
        let factor = mass_unit(&unit).ok_or(if is_word(&unit) { StrengthError::NotAMass } else { StrengthError::Unreadable })?;
        mg.push(amount * factor * count);
    }
    Ok(Strength { mg })
}

fn is_word(unit: &str) -> bool {
    matches!(
        unit,
        "ml" | "l"
            | "units"
            | "unit"
            | "iu"
            | "u"
            | "puff"
            | "puffs"
            | "drop"
            | "drops"
            | "tablet"
            | "tablets"
            | "tab"
            | "tabs"
            | "capsule"
            | "capsules"
            | "cap"
            | "caps"
            | "mmol"
            | "meq"
            | "patch"
            | "sachet"
            | "spray"
            | "sprays"
            | "application"
    )
}

/// A rate found in a frequency text, and which span of the text it came from.
type RateFn = fn(&regex::Captures) -> Option<f64>;

fn per_hours(c: &regex::Captures) -> Option<f64> {
    // `every 4-6 hours` is at most every 4 hours.
    let a = word_number(c.get(1)?.as_str())?;
    let b = c.get(2).and_then(|m| word_number(m.as_str())).unwrap_or(a);
    let h = a.min(b);
    (h > 0.0).then(|| 24.0 / h)
}

fn per_minutes(c: &regex::Captures) -> Option<f64> {
    let a = word_number(c.get(1)?.as_str())?;
    let b = c.get(2).and_then(|m| word_number(m.as_str())).unwrap_or(a);
    let m = a.min(b);
    (m > 0.0).then(|| 1440.0 / m)
}

fn times_per_day(c: &regex::Captures) -> Option<f64> {
    let a = word_number(c.get(1)?.as_str())?;
    let b = c.get(2).and_then(|m| word_number(m.as_str())).unwrap_or(a);
    let n = a.max(b);
    (n > 0.0).then_some(n)
}

fn times_per_week(c: &regex::Captures) -> Option<f64> {
    times_per_day(c).map(|n| n / 7.0)
}

fn every_n_days(c: &regex::Captures) -> Option<f64> {
    let n = word_number(c.get(1)?.as_str())?;
    (n > 0.0).then(|| 1.0 / n)
}

fn every_n_weeks(c: &regex::Captures) -> Option<f64> {
    let n = word_number(c.get(1)?.as_str())?;
    (n > 0.0).then(|| 1.0 / (7.0 * n))
}

const N: &str = r"(\d+(?:\.\d+)?|once|twice|thrice|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)";
const DAY: &str = r"(?:a|per|each|every|/|in|in\s+a)?\s*(?:day|daily|d|24\s*h(?:ours?|rs?)?)\b";

/// The patterns of a frequency, most specific first; each consumes the text it matched.
static PATTERNS: LazyLock<Vec<(Regex, RateFn)>> = LazyLock::new(|| {
    let p = |re: &str, f: RateFn| (Regex::new(re).expect("a valid pattern"), f);
    vec![
        // Weekly and longer.
        p(&format!(r"\bevery\s+{N}\s+weeks?\b"), every_n_weeks),
        p(r"\b(?:every\s+other\s+week|fortnightly|every\s+fortnight|biweekly)\b", |_| Some(1.0 / 14.0)),
        p(
            &format!(
                r"\b{N}(?:\s*-\s*{N})?\s*(?:(?:times|x)\s*(?:a|per|each|every|/|in\s+a)?\s*(?:week|wk)\b|(?:times|x)?\s*weekly\b|(?:a|per|each|/)\s*(?:week|wk)\b)"
            ),
            times_per_week,
        ),
        p(r"\b(?:once\s+)?(?:weekly|every\s+week|a\s+week|per\s+week|each\s+week|q\s*(?:1\s*)?wk|qw)\b", |_| Some(1.0 / 7.0)),
        // Every N days.
        p(r"\b(?:every\s+other\s+day|alternate\s+days|on\s+alternate\s+days|qod|eod)\b", |_| Some(0.5)),
        p(&format!(r"\bevery\s+{N}\s+days\b"), every_n_days),
        // Intervals in hours and minutes.
        p(&format!(r"\bevery\s+{N}(?:\s*(?:-|to|or)\s*{N})?\s*(?:hours?|hrs?|h)\b"), per_hours),
        p(r"\bq\s*(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?\s*(?:hours?|hrs?|h)\b", per_hours),
        p(r"\b(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?\s*-?\s*hourly\b", per_hours),
        p(r"\b(?:every\s+hour|hourly|qh)\b", |_| Some(24.0)),
        p(&format!(r"\bevery\s+{N}(?:\s*(?:-|to|or)\s*{N})?\s*(?:minutes?|mins?)\b"), per_minutes),
        p(r"\bq\s*(\d+)(?:\s*-\s*(\d+))?\s*(?:minutes?|mins?)\b", per_minutes),
        // Counts per day.
        p(&format!(r"\b{N}(?:\s*(?:-|to|or)\s*{N})?\s*(?:times|x)\s*{DAY}"), times_per_day),
        p(&format!(r"\b(once|twice|thrice)\s*{DAY}"), times_per_day),
        p(r"\b(?:qid|qds|q\.i\.d)\b", |_| Some(4.0)),
        p(r"\b(?:tid|tds|t\.i\.d)\b", |_| Some(3.0)),
        p(r"\b(?:bid|bd|bds|b\.i\.d|q12)\b", |_| Some(2.0)),
        p(
            r"\b(?:morning|mane|am|breakfast)\s*(?:and|&|\+|,)\s*(?:at\s+)?(?:night|evening|nocte|bedtime|pm|dinner|supper|teatime)\b",
            |_| Some(2.0),
        ),
        p(
            r"\b(?:od|qd|daily|every\s+day|each\s+day|once\s+a\s+day|a\s+day|per\s+day|mane|nocte|qam|qpm|qhs|hs|nightly|at\s+night|every\s+night|at\s+bedtime|bedtime|before\s+bed|every\s+morning|in\s+the\s+morning|each\s+morning|every\s+evening|in\s+the\s+evening|each\s+evening|at\s+breakfast)\b",
            |_| Some(1.0),
        ),
        p(r"\b(?:stat|once\s+only|single\s+dose|one\s+dose|one\s+off|once)\b", |_| Some(1.0)),
    ]
});

/// Patterns used only when nothing above matched (they read as instructions next to a frequency).
static FALLBACK: LazyLock<Vec<(Regex, RateFn)>> = LazyLock::new(|| {
    vec![(
        Regex::new(r"\b(?:with|after|before)\s+(?:each\s+|every\s+)?meals?\b|\b(?:ac|pc|tid\s*ac|tid\s*pc)\b").expect("a valid pattern"),
        (|_| Some(3.0)) as RateFn,
    )]
});

static AS_NEEDED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:prn|p\s*r\s*n|as\s+needed|as\s+required|when\s+required|when\s+needed|if\s+needed|if\s+required|as\s+directed|sos|on\s+demand|for\s+pain|for\s+fever)\b")
        .expect("a valid pattern")
});

static MAXIMUM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(?:max(?:imum)?|up\s+to|not\s+more\s+than|no\s+more\s+than|not\s+to\s+exceed|at\s+most)\s*(?:of\s+)?{N}\s*(?:times|doses|x|tablets|tabs|capsules)?\s*{DAY}"
    ))
    .expect("a valid pattern")
});

/// Reads a frequency such as `once daily`, `twice a day`, `BID`, `TDS`, `q6h`, `every 8 hours`,
/// `every 4-6 hours as needed, max 4 doses a day`, `at night`, `once weekly` or `every other day`.
pub fn parse_frequency(text: &str) -> Result<Frequency, FrequencyError> {
    let lower = text.trim().to_lowercase();
    if lower.is_empty() || lower.len() > 200 {
        return Err(FrequencyError::Unreadable);
    }
    // `b.i.d.` → `bid`; `q.6.h` → `q6h`.
    let mut s = String::with_capacity(lower.len());
    let chars: Vec<char> = lower.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let between_letters = i > 0 && i + 1 < chars.len() && chars[i - 1].is_alphanumeric() && chars[i + 1].is_alphanumeric();
        if c == '.' && between_letters && !(chars[i - 1].is_ascii_digit() && chars[i + 1].is_ascii_digit()) {
            continue;
        }
        s.push(c);
    }
    let as_needed = AS_NEEDED.is_match(&s);
    let mut s = AS_NEEDED.replace_all(&s, " ").into_owned();

    if let Some(c) = MAXIMUM.captures(&s) {
        let cap = times_per_day(&c).ok_or(FrequencyError::Unreadable)?;
        return Ok(Frequency { per_day: cap, as_needed });
    }

    let mut rates: Vec<f64> = Vec::new();
    for patterns in [&*PATTERNS, &*FALLBACK] {
        if !rates.is_empty() {
            break;
        }
        for (re, rate) in patterns.iter() {
            while let Some(c) = re.captures(&s) {
                let Some(r) = rate(&c) else { return Err(FrequencyError::Unreadable) };
                rates.push(r);
                let range = c.get(0).map_or(0..0, |m| m.range());
                s.replace_range(range.clone(), &" ".repeat(range.len()));
            }
        }
    }
    match rates.as_slice() {
        [] if as_needed => Err(FrequencyError::AsNeededWithoutMaximum),
        [] => Err(FrequencyError::Unreadable),
        [first, rest @ ..] => {
            if rest.iter().any(|r| (r - first).abs() > 1e-9) {
                Err(FrequencyError::Ambiguous)
            } else if first.is_finite() && *first > 0.0 {
                Ok(Frequency { per_day: *first, as_needed })
            } else {
                Err(FrequencyError::Unreadable)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn mg(text: &str) -> Vec<f64> {
        parse_strength(text).unwrap_or_else(|e| panic!("{text:?}: {e}")).mg
    }

    fn per_day(text: &str) -> f64 {
        parse_frequency(text).unwrap_or_else(|e| panic!("{text:?}: {e}")).per_day
    }

    #[test]
    fn strengths() {
        assert_eq!(mg("500 mg"), [500.0]);
        assert_eq!(mg("500mg"), [500.0]);
        assert_eq!(mg("1 g"), [1000.0]);
        assert_eq!(mg("0.5 g"), [500.0]);
        assert_eq!(mg("1,000 mg"), [1000.0]);
        assert_eq!(mg("62.5 mcg"), [0.0625]);
        assert_eq!(mg("250 micrograms"), [0.25]);
        assert_eq!(mg("2 x 500 mg"), [1000.0]);
        assert_eq!(mg("2 × 500 mg"), [1000.0]);
        assert_eq!(mg("500 mg x 2"), [1000.0]);
        assert_eq!(mg("2 tablets of 500 mg"), [1000.0]);
        assert_eq!(mg("1-2 tablets of 500 mg"), [1000.0]);
        assert_eq!(mg("500 mg tablet"), [500.0]);
        assert_eq!(mg("5/325 mg"), [5.0, 325.0]);
        assert_eq!(mg("5 mg/325 mg"), [5.0, 325.0]);
        assert_eq!(mg("2 x 30/500 mg"), [60.0, 1000.0]);
        assert_eq!(mg("10 ml of 250 mg/5 ml"), [500.0]);
        assert_eq!(mg("10 mL (250 mg/5 mL)"), [500.0]);
        assert_eq!(mg("1.2 g"), [1200.0]);
    }

    #[test]
    fn strengths_that_are_not_read() {
        assert_eq!(parse_strength("10 mg/kg"), Err(StrengthError::WeightBased));
        assert_eq!(parse_strength("15 mg per kg"), Err(StrengthError::WeightBased));
        assert_eq!(parse_strength("5 ml"), Err(StrengthError::NotAMass));
        assert_eq!(parse_strength("1000 units"), Err(StrengthError::NotAMass));
        assert_eq!(parse_strength("2 puffs"), Err(StrengthError::NotAMass));
        assert_eq!(parse_strength("1 tablet"), Err(StrengthError::NotAMass));
        assert_eq!(parse_strength("250 mg/5 ml"), Err(StrengthError::NotAMass), "a concentration is not a dose");
        assert_eq!(parse_strength("one"), Err(StrengthError::Unreadable));
        assert_eq!(parse_strength(""), Err(StrengthError::Unreadable));
        assert_eq!(parse_strength("as per chart"), Err(StrengthError::Unreadable));
    }

    #[test]
    fn frequencies() {
        for (text, rate) in [
            ("once daily", 1.0),
            ("Once a day", 1.0),
            ("daily", 1.0),
            ("OD", 1.0),
            ("qd", 1.0),
            ("every morning", 1.0),
            ("at night", 1.0),
            ("nocte", 1.0),
            ("at bedtime", 1.0),
            ("QHS", 1.0),
            ("twice daily", 2.0),
            ("twice a day", 2.0),
            ("BID", 2.0),
            ("b.i.d.", 2.0),
            ("bd", 2.0),
            ("2 times a day", 2.0),
            ("2x daily", 2.0),
            ("morning and night", 2.0),
            ("every 12 hours", 2.0),
            ("q12h", 2.0),
            ("three times daily", 3.0),
            ("TID", 3.0),
            ("tds", 3.0),
            ("every 8 hours", 3.0),
            ("q8h", 3.0),
            ("8-hourly", 3.0),
            ("four times a day", 4.0),
            ("QID", 4.0),
            ("qds", 4.0),
            ("q6h", 4.0),
            ("every 6 hours", 4.0),
            ("q 6 h", 4.0),
            ("every 4 hours", 6.0),
            ("q4h", 6.0),
            ("every 4-6 hours", 6.0),
            ("every four hours", 6.0),
            ("q4-6h prn", 6.0),
            ("every 6 hours as needed", 4.0),
            ("every 4-6 hours as needed, max 4 doses a day", 4.0),
            ("PRN up to 3 times a day", 3.0),
            ("1-2 times daily", 2.0),
            ("twice daily with meals", 2.0),
            ("with meals", 3.0),
            ("once weekly", 1.0 / 7.0),
            ("weekly", 1.0 / 7.0),
            ("twice weekly", 2.0 / 7.0),
            ("3 times a week", 3.0 / 7.0),
            ("every other day", 0.5),
            ("every 3 days", 1.0 / 3.0),
            ("every 2 weeks", 1.0 / 14.0),
            ("stat", 1.0),
            ("once", 1.0),
            ("twice daily for 5 days", 2.0),
        ] {
            let got = per_day(text);
            assert!((got - rate).abs() < 1e-9, "{text:?}: {got} != {rate}");
        }
        assert!(parse_frequency("q6h prn").unwrap().as_needed);
        assert!(!parse_frequency("q6h").unwrap().as_needed);
    }

    #[test]
    fn frequencies_that_are_not_read() {
        assert_eq!(parse_frequency("as needed"), Err(FrequencyError::AsNeededWithoutMaximum));
        assert_eq!(parse_frequency("PRN"), Err(FrequencyError::AsNeededWithoutMaximum));
        assert_eq!(parse_frequency("bid or tid"), Err(FrequencyError::Ambiguous));
        assert_eq!(parse_frequency("see chart"), Err(FrequencyError::Unreadable));
        assert_eq!(parse_frequency(""), Err(FrequencyError::Unreadable));
        assert_eq!(parse_frequency("every 0 hours"), Err(FrequencyError::Unreadable));
    }

    proptest! {
        #[test]
        fn strength_parser_never_panics(text in ".{0,80}") {
            if let Ok(s) = parse_strength(&text) {
                prop_assert!(s.mg.iter().all(|v| v.is_finite() && *v >= 0.0));
            }
        }

        #[test]
        fn frequency_parser_never_panics(text in ".{0,80}") {
            if let Ok(f) = parse_frequency(&text) {
                prop_assert!(f.per_day.is_finite() && f.per_day > 0.0);
            }
        }

        #[test]
        fn structured_strengths_never_panic(
            count in proptest::option::of(0u32..5),
            amount in "[0-9]{0,7}(\\.[0-9]{0,3})?",
            unit in "(mg|g|mcg|ml|units|kg|/kg|)",
            second in proptest::option::of("[0-9]{1,4}"),
        ) {
            let text = format!(
                "{}{amount}{}{unit}",
                count.map(|c| format!("{c} x ")).unwrap_or_default(),
                second.map(|s| format!("/{s}")).unwrap_or_default(),
            );
            if let Ok(s) = parse_strength(&text) {
                prop_assert!(s.mg.iter().all(|v| v.is_finite() && *v >= 0.0));
            }
        }

        #[test]
        fn structured_frequencies_never_panic(
            head in "(every|q|each|max|up to|)",
            n in "[0-9]{0,6}(-[0-9]{0,3})?",
            unit in "( hours| h|h| days| weeks| minutes| times a day| times weekly|hourly|)",
            tail in "( prn| as needed| with meals|)",
        ) {
            let text = format!("{head} {n}{unit}{tail}");
            if let Ok(f) = parse_frequency(&text) {
                prop_assert!(f.per_day.is_finite() && f.per_day > 0.0);
            }
        }
    }
}
