//! Reading a FHIR search's query string: the parameters each resource takes (the same table the
//! CapabilityStatement is written from), their values, prefixes and modifiers, and the result
//! parameters (`_count`, `_page`, `_sort`, `_include`, `_summary`).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use uuid::Uuid;

use super::Outcome;

/// A search parameter a resource takes.
pub struct Param {
    /// Its name.
    pub name: &'static str,
    /// Its FHIR type (`token`, `string`, `date`, `reference`).
    pub kind: &'static str,
    /// What it matches, for the CapabilityStatement.
    pub doc: &'static str,
}

/// What a resource type offers.
pub struct Spec {
    /// The type's name.
    pub kind: &'static str,
    /// Its search parameters (`_id` included).
    pub params: &'static [Param],
    /// The values `_include` takes.
    pub includes: &'static [&'static str],
    /// The values `_sort` takes (each also with `-` for descending).
    pub sorts: &'static [&'static str],
    /// Whether it is written through FHIR too (create, and its status by update or patch).
    pub writes: bool,
    /// Whether it is searched (a `Binary` is only read, through its `DocumentReference`).
    pub search: bool,
}

const fn p(name: &'static str, kind: &'static str, doc: &'static str) -> Param {
    Param { name, kind, doc }
}

/// Every resource type served, and what each offers.
pub const SPECS: &[Spec] = &[
    Spec {
        kind: "Patient",
        params: &[
            p("_id", "token", "hms's patient id"),
            p("identifier", "token", "urn:ietf:rfc:3986|urn:uuid:<id>, or urn:hms:email|<address> (exact)"),
            p("name", "string", "any part of the name or e-mail address, ignoring case"),
            p("birthdate", "date", "the date of birth (eq only)"),
        ],
        includes: &[],
        sorts: &[],
        writes: false,
        search: true,
    },
    Spec {
        kind: "Practitioner",
        params: &[
            p("_id", "token", "hms's doctor id"),
            p("identifier", "token", "urn:ietf:rfc:3986|urn:uuid:<id>, or urn:hms:license-number|<number> (exact)"),
            p("name", "string", "any part of the name, ignoring case"),
        ],
        includes: &[],
        sorts: &[],
        writes: false,
        search: true,
    },
    Spec {
        kind: "PractitionerRole",
        params: &[
            p("_id", "token", "hms's doctor id"),
            p("practitioner", "reference", "the doctor (Practitioner/<id>)"),
            p("specialty", "token", "the specialization, ignoring case"),
            p("active", "token", "true: doctors taking bookings; false: those who are not"),
        ],
        includes: &["PractitionerRole:practitioner"],
        sorts: &[],
        writes: false,
        search: true,
    },
    Spec {
        kind: "Schedule",
        params: &[
            p("_id", "token", "hms's doctor id"),
            p("actor", "reference", "the doctor (Practitioner/<id>)"),
            p("active", "token", "true: doctors taking bookings; false: those who are not"),
        ],
        includes: &[],
        sorts: &[],
        writes: false,
        search: true,
    },
    Spec {
        kind: "Slot",
        params: &[
            p("schedule", "reference", "the doctor's schedule (Schedule/<id>); this or schedule.actor is required"),
            p("schedule.actor", "reference", "the doctor whose schedule (Practitioner/<id>)"),
            p("start", "date", "the start, with ge, gt, le, lt or eq; without a lower bound, from now; at most 62 days, 7 when open-ended"),
            p("status", "token", "free (the only slots served: a taken time is not a slot)"),
        ],
        includes: &[],
        sorts: &[],
        writes: false,
        search: true,
    },
    Spec {
        kind: "Appointment",
        params: &[
            p("_id", "token", "hms's appointment id"),
            p("patient", "reference", "the patient (Patient/<id>)"),
            p("practitioner", "reference", "the doctor (Practitioner/<id>)"),
            p("actor", "reference", "the patient or the doctor (Patient/<id> or Practitioner/<id>)"),
            p("status", "token", "proposed, booked, fulfilled, cancelled, noshow (comma-separated: any of them)"),
            p("date", "date", "the start, with eq, ge, gt, le or lt; a date without a time is a day in the hospital's time zone"),
            p("_lastUpdated", "date", "the last change, with eq, ge, gt, le or lt"),
        ],
        includes: &["Appointment:patient", "Appointment:practitioner", "Appointment:actor"],
        sorts: &["date", "_lastUpdated"],
        writes: true,
        search: true,
    },
    Spec {
        kind: "MedicationRequest",
        params: &[
            p("_id", "token", "<prescription id>-<n>: the n-th medication of a prescription"),
            p("patient", "reference", "the patient (Patient/<id>)"),
            p("requester", "reference", "the doctor who prescribed (Practitioner/<id>)"),
        ],
        includes: &["MedicationRequest:patient", "MedicationRequest:requester"],
        sorts: &[],
        writes: false,
        search: true,
    },
    Spec {
        kind: "DocumentReference",
        params: &[
            p("_id", "token", "hms's document id"),
            p("patient", "reference", "the patient (Patient/<id>); required, except for a patient's own"),
        ],
        includes: &[],
        sorts: &[],
        writes: false,
        search: true,
    },
    Spec { kind: "Binary", params: &[], includes: &[], sorts: &[], writes: false, search: false },
    Spec {
        kind: "Invoice",
        params: &[
            p("_id", "token", "hms's invoice id"),
            p("patient", "reference", "the patient (Patient/<id>)"),
            p("status", "token", "issued (to pay), balanced (paid) or cancelled"),
        ],
        includes: &[],
        sorts: &[],
        writes: false,
        search: true,
    },
    Spec {
        kind: "AuditEvent",
        params: &[
            p("_id", "token", "hms's audit event id"),
            p("patient", "reference", "the patient concerned (Patient/<id>)"),
            p("agent", "reference", "who acted (Practitioner/<id>, Patient/<id>, or an account id)"),
            p("date", "date", "when, with eq, ge, gt, le or lt"),
        ],
        includes: &[],
        sorts: &[],
        writes: false,
        search: true,
    },
];

/// The spec of a resource type, if it is served.
pub fn spec(kind: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.kind == kind)
}

/// The result parameters every search takes.
const RESULT_PARAMS: &[&str] = &["_count", "_page", "_sort", "_include", "_summary", "_format"];

/// The largest page.
pub const MAX_COUNT: u32 = hms_core::page::MAX_PER_PAGE;
/// The page size when `_count` is not given.
pub const DEFAULT_COUNT: u32 = 20;

/// A search's parameters, checked against the resource's table.
pub struct Search {
    /// The search parameters, in the order given (name, value), result parameters excluded.
    pub params: Vec<(String, String)>,
    /// Page size.
    pub count: u32,
    /// Page, from 1.
    pub page: u32,
    /// `_summary=count`: the total alone.
    pub count_only: bool,
    /// `_sort`: the key and whether it is descending.
    pub sort: Option<(String, bool)>,
    /// `_include` values.
    pub includes: Vec<String>,
    /// What was applied, to write the `self` link from.
    pub applied: Vec<(String, String)>,
}

impl Search {
    /// Reads `query` (the raw query string) for `spec`. Unknown parameters are refused, or
    /// ignored (and left out of `applied`) when the client asked for lenient handling.
    pub fn parse(spec: &Spec, query: &str, lenient: bool) -> Result<Self, Outcome> {
        let mut s = Search {
            params: Vec::new(),
            count: DEFAULT_COUNT,
            page: 1,
            count_only: false,
            sort: None,
            includes: Vec::new(),
            applied: Vec::new(),
        };
        for (name, value) in form_urlencoded(query) {
            let base = name.split(':').next().unwrap_or_default();
            let known = spec.params.iter().any(|p| p.name == base) || RESULT_PARAMS.contains(&base);
            if !known {
                if lenient {
                    continue;
                }
                return Err(Outcome::invalid(
                    &name,
                    format!(
                        "{} has no search parameter \"{name}\"; it takes {}",
                        spec.kind,
                        spec.params.iter().map(|p| p.name).chain(RESULT_PARAMS.iter().copied()).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            if name.contains(':') && name != "_include" {
                // No modifiers (`:exact`, `:missing`, …) are supported.
                if lenient {
                    continue;
                }
                return Err(Outcome::invalid(&name, format!("the modifier of \"{name}\" is not supported")));
            }
            match base {
                "_count" => {
                    let n: u32 = value.parse().map_err(|_| Outcome::invalid("_count", "must be a whole number"))?;
                    if n == 0 {
                        s.count_only = true;
                    } else {
                        s.count = n.min(MAX_COUNT);
                    }
                }
                "_page" => {
                    s.page = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=1_000_000).contains(n))
                        .ok_or_else(|| Outcome::invalid("_page", "must be a whole number from 1"))?
                }
                "_summary" => match value.as_str() {
                    "count" => s.count_only = true,
                    "false" => {}
                    _ => return Err(Outcome::invalid("_summary", "only _summary=count (or false) is supported")),
                },
                "_format" => match value.as_str() {
                    "json" | "application/fhir+json" | "application/json" => {}
                    _ => return Err(Outcome::not_acceptable("this server answers in JSON only (_format=json)")),
                },
                "_sort" => {
                    let (key, descending) = match value.strip_prefix('-') {
                        Some(k) => (k, true),
                        None => (value.as_str(), false),
                    };
                    if !spec.sorts.contains(&key) {
                        return Err(Outcome::invalid(
                            "_sort",
                            format!(
                                "{} sorts by {}",
                                spec.kind,
                                if spec.sorts.is_empty() { "nothing".into() } else { spec.sorts.join(", ") }
                            ),
                        ));
                    }
                    s.sort = Some((key.to_string(), descending));
                }
                "_include" => {
                    if !spec.includes.contains(&value.as_str()) {
                        return Err(Outcome::invalid(
                            "_include",
                            format!(
                                "{} includes {}",
                                spec.kind,
                                if spec.includes.is_empty() { "nothing".into() } else { spec.includes.join(", ") }
                            ),
                        ));
                    }
                    s.includes.push(value.clone());
                }
                _ => s.params.push((name.clone(), value.clone())),
            }
            if base != "_page" {
                s.applied.push((name, value));
            }
        }
        Ok(s)
    }

    /// The values given for `name`.
    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.params.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The one value of `name`, if given; given twice, it is refused (hms matches one value).
    pub fn one(&self, name: &str) -> Result<Option<&str>, Outcome> {
        let mut values = self.all(name);
        let first = values.next();
        if values.next().is_some() {
            return Err(Outcome::invalid(name, format!("\"{name}\" may be given once")));
        }
        Ok(first)
    }
}

/// The (name, value) pairs of a query string, percent-decoded (`+` is a space).
pub fn form_urlencoded(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(n), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    percent_encoding::percent_decode_str(&s).decode_utf8_lossy().into_owned()
}

/// Encodes a query-string component.
pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY).to_string()
}

const QUERY: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b':').remove(b'/').remove(b'|');

/// An id given to a token parameter (`_id`) or a reference parameter (`Patient/<id>`, a URL
/// ending so, or the id alone).
pub fn reference_id(param: &str, value: &str, kind: &str) -> Result<Uuid, Outcome> {
    let tail = match value.rsplit_once(&format!("{kind}/")) {
        Some((_, id)) => id,
        None if value.contains('/') => {
            return Err(Outcome::invalid(param, format!("must name a {kind} (\"{kind}/<id>\")")));
        }
        None => value,
    };
    tail.parse().map_err(|_| Outcome::invalid(param, format!("\"{value}\" names no {kind} id")))
}

/// A `token` value: `system|code`, `|code` (no system) or `code` (any system).
pub fn token(value: &str) -> (Option<&str>, &str) {
    match value.split_once('|') {
        Some((system, code)) => (Some(system), code),
        None => (None, value),
    }
}

/// Whether an instant lies in the years a hospital's records can name (1900 to 2999), so that
/// arithmetic on it (a day later, the hospital's zone) cannot leave chrono's range.
pub fn plausible(t: DateTime<Utc>) -> bool {
    (1900..3000).contains(&chrono::Datelike::year(&t))
}

/// The comparison of a date parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// Within the value's range.
    Eq,
    /// At or after its start.
    Ge,
    /// After its end.
    Gt,
    /// Before its start.
    Lt,
    /// Before its end.
    Le,
}

/// A date parameter's value: the prefix and the range of instants the value stands for
/// (`[start, end)`: a day, a month or a year is read in the hospital's time zone).
pub fn date(param: &str, value: &str, tz: chrono_tz::Tz) -> Result<(Prefix, DateTime<Utc>, DateTime<Utc>), Outcome> {
    let (prefix, rest) = match value.get(..2) {
        Some("eq") => (Prefix::Eq, &value[2..]),
        Some("ge") => (Prefix::Ge, &value[2..]),
        Some("gt") => (Prefix::Gt, &value[2..]),
        Some("lt") => (Prefix::Lt, &value[2..]),
        Some("le") => (Prefix::Le, &value[2..]),
        Some("ne" | "sa" | "eb" | "ap") => {
            return Err(Outcome::invalid(param, "the prefixes ne, sa, eb and ap are not supported (eq, ge, gt, le, lt are)"));
        }
        _ => (Prefix::Eq, value),
    };
    let bad = || Outcome::invalid(param, format!("\"{rest}\" is not a FHIR date or dateTime"));
    let local = |d: NaiveDate| tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight")).earliest().map(|t| t.with_timezone(&Utc));
    let second = |t: DateTime<Utc>| t.checked_add_signed(Duration::seconds(1)).ok_or_else(bad);
    let (start, end) = if let Ok(t) = DateTime::parse_from_rfc3339(rest) {
        let t = t.with_timezone(&Utc);
        // An instant to the second stands for that second.
        (t, second(t)?)
    } else if let Ok(t) = NaiveDateTime::parse_from_str(rest, "%Y-%m-%dT%H:%M:%S") {
        // FHIR asks for a zone with a time; without one, the hospital's is meant.
        let t = tz.from_local_datetime(&t).earliest().ok_or_else(bad)?.with_timezone(&Utc);
        (t, second(t)?)
    } else {
        let (first, next) = match rest.len() {
            10 => {
                let d = NaiveDate::parse_from_str(rest, "%Y-%m-%d").map_err(|_| bad())?;
                (d, d.succ_opt().ok_or_else(bad)?)
            }
            7 => {
                let d = NaiveDate::parse_from_str(&format!("{rest}-01"), "%Y-%m-%d").map_err(|_| bad())?;
                (d, d.checked_add_months(chrono::Months::new(1)).ok_or_else(bad)?)
            }
            4 => {
                let d = NaiveDate::parse_from_str(&format!("{rest}-01-01"), "%Y-%m-%d").map_err(|_| bad())?;
                (d, d.checked_add_months(chrono::Months::new(12)).ok_or_else(bad)?)
            }
            _ => return Err(bad()),
        };
        (local(first).ok_or_else(bad)?, local(next).ok_or_else(bad)?)
    };
    if !plausible(start) || !plausible(end) {
        return Err(Outcome::invalid(param, format!("\"{rest}\" is not between the years 1900 and 2999")));
    }
    Ok((prefix, start, end))
}

/// Narrows `[from, to)` by one date parameter on an instant.
pub fn narrow(from: &mut Option<DateTime<Utc>>, to: &mut Option<DateTime<Utc>>, prefix: Prefix, start: DateTime<Utc>, end: DateTime<Utc>) {
    let (lo, hi) = match prefix {
        Prefix::Eq => (Some(start), Some(end)),
        Prefix::Ge => (Some(start), None),
        Prefix::Gt => (Some(end), None),
        Prefix::Lt => (None, Some(start)),
        Prefix::Le => (None, Some(end)),
    };
    if let Some(lo) = lo {
        *from = Some(from.map_or(lo, |f| f.max(lo)));
    }
    if let Some(hi) = hi {
        *to = Some(to.map_or(hi, |t| t.min(hi)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_read_in_the_hospital_zone_and_prefixes_bound_it() {
        let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
        let (p, start, end) = date("date", "ge2026-12-07", tz).unwrap();
        assert_eq!(p, Prefix::Ge);
        assert_eq!(instant(start), "2026-12-07T05:00:00Z");
        assert_eq!(instant(end), "2026-12-08T05:00:00Z");
        let (mut from, mut to) = (None, None);
        narrow(&mut from, &mut to, p, start, end);
        let (p, start, end) = date("date", "lt2026-12-09T12:00:00Z", tz).unwrap();
        narrow(&mut from, &mut to, p, start, end);
        assert_eq!((from.map(instant), to.map(instant)), (Some("2026-12-07T05:00:00Z".into()), Some("2026-12-09T12:00:00Z".into())));
        assert!(date("date", "ap2026-12-07", tz).is_err());
        assert!(date("date", "2026-13-07", tz).is_err());
        assert!(date("date", "ge9999-12-31T23:59:59Z", tz).is_err(), "beyond the years a record names");
        assert!(date("date", "0001", tz).is_err());
        let (_, start, end) = date("date", "2026-02", tz).unwrap();
        assert_eq!((instant(start), instant(end)), ("2026-02-01T05:00:00Z".into(), "2026-03-01T05:00:00Z".into()));
    }

    fn instant(t: DateTime<Utc>) -> String {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    #[test]
    fn references_name_their_type() {
        let id = Uuid::now_v7();
        for v in [id.to_string(), format!("Patient/{id}"), format!("http://h/fhir/R4/Patient/{id}")] {
            assert_eq!(reference_id("patient", &v, "Patient").unwrap(), id);
        }
        assert!(reference_id("patient", &format!("Practitioner/{id}"), "Patient").is_err());
        assert!(reference_id("patient", "Patient/x", "Patient").is_err());
    }

    #[test]
    fn unknown_parameters_are_refused_unless_lenient() {
        let spec = spec("Patient").unwrap();
        assert!(Search::parse(spec, "nickname=x", false).is_err());
        let s = Search::parse(spec, "nickname=x&name=ann&_count=5&_page=2", true).unwrap();
        assert_eq!(s.params, vec![("name".to_string(), "ann".to_string())]);
        assert_eq!((s.count, s.page), (5, 2));
        assert_eq!(s.applied, vec![("name".to_string(), "ann".to_string()), ("_count".to_string(), "5".to_string())]);
        assert!(Search::parse(spec, "name:exact=x", false).is_err());
        assert!(Search::parse(spec, "_sort=date", false).is_err());
        assert!(Search::parse(spec, "_count=x", false).is_err());
        assert!(Search::parse(spec, "_count=0", false).unwrap().count_only);
    }
}
