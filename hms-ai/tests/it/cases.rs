//! The project's own sourced test set (`tests/cases/*.toml`): prescriptions with the findings the
//! checks must give (the ONC high-priority interactions across class members and brand names, the
//! Beers, pregnancy and kidney rules on each side of each threshold) and common safe prescriptions
//! that must raise nothing high or critical. Every case is run, and every failure is reported.

use std::path::PathBuf;

use chrono::NaiveDate;
use hms_ai::checks::{CheckInput, check};
use hms_ai::rules::RulePack;
use hms_core::{Egfr, Finding, FindingCategory, Medication, Route, Severity};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    source: String,
    medications: Vec<Med>,
    age: Option<u32>,
    #[serde(default)]
    pregnant: bool,
    egfr: Option<u16>,
    #[serde(default)]
    conditions: Vec<String>,
    #[serde(default)]
    allergies: Vec<String>,
    max_severity: Option<String>,
    #[serde(default)]
    expect: Vec<Expect>,
    #[serde(default)]
    absent: Vec<Absent>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Med {
    Name(String),
    Full {
        name: String,
        #[serde(default)]
        strength: String,
        #[serde(default)]
        frequency: String,
        route: Option<String>,
        days: Option<u16>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    category: String,
    severity: String,
    #[serde(default)]
    medications: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Absent {
    category: String,
    #[serde(default)]
    medications: Vec<String>,
    min_severity: Option<String>,
}

/// The day the cases are checked on.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date")
}

struct Loaded {
    file: String,
    case: Case,
}

fn load() -> Vec<Loaded> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/cases exists")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("a readable case file");
        let file: File = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_name().expect("a file name").to_string_lossy().into_owned();
        out.extend(file.case.into_iter().map(|case| Loaded { file: name.clone(), case }));
    }
    out
}

fn medication(m: &Med) -> Medication {
    let (name, strength, frequency, route, days) = match m {
        Med::Name(n) => (n.clone(), String::new(), String::new(), None, None),
        Med::Full { name, strength, frequency, route, days } => (name.clone(), strength.clone(), frequency.clone(), route.clone(), *days),
    };
    Medication {
        name,
        strength,
        route: route.map_or(Route::Oral, |r| r.parse().unwrap_or_else(|_| panic!("route `{r}`"))),
        frequency,
        duration_days: days.unwrap_or(7),
        instructions: String::new(),
    }
}

fn severity(s: &str) -> Severity {
    s.parse().unwrap_or_else(|_| panic!("severity `{s}`"))
}

fn category(s: &str) -> FindingCategory {
    s.parse().unwrap_or_else(|_| panic!("category `{s}`"))
}

fn names(f: &Finding, meds: &[String]) -> bool {
    meds.iter().all(|m| f.medications.iter().any(|n| n.trim() == m.trim()))
}

/// The findings of one case, and what is wrong with them.
fn run(c: &Case) -> (Vec<Finding>, Vec<String>) {
    let meds: Vec<Medication> = c.medications.iter().map(medication).collect();
    let input = CheckInput {
        medications: &meds,
        allergies: Some(&c.allergies),
        conditions: &c.conditions,
        age: c.age,
        pregnancy_noted_on: c.pregnant.then(|| today() - chrono::Duration::days(60)),
        egfr: c.egfr.map(|value| Egfr { value, measured_on: today() - chrono::Duration::days(10) }),
        today: today(),
    };
    let findings = check(RulePack::shipped().expect("the shipped pack loads"), &input);
    let mut wrong = Vec::new();
    assert!(c.source.trim().len() >= 8, "case {}: every case names its source", c.id);
    for e in &c.expect {
        let (cat, sev) = (category(&e.category), severity(&e.severity));
        if !findings.iter().any(|f| f.category == cat && f.severity >= sev && names(f, &e.medications)) {
            wrong.push(format!("expected {} at least {} naming {:?}", e.category, e.severity, e.medications));
        }
    }
    for a in &c.absent {
        let cat = category(&a.category);
        let min = a.min_severity.as_deref().map_or(Severity::Low, severity);
        if let Some(f) = findings.iter().find(|f| f.category == cat && f.severity >= min && names(f, &a.medications)) {
            wrong.push(format!("unexpected {} {}: {}", f.category, f.severity, f.rationale));
        }
    }
    if let Some(max) = c.max_severity.as_deref().map(severity) {
        for f in findings.iter().filter(|f| f.severity > max) {
            wrong.push(format!("above {max}: {} {}: {}", f.category, f.severity, f.rationale));
        }
    }
    (findings, wrong)
}

#[test]
fn every_case_of_the_sourced_set_gives_its_findings() {
    let cases = load();
    assert!(!cases.is_empty());
    let mut ids = std::collections::HashSet::new();
    let mut failures = Vec::new();
    for l in &cases {
        assert!(ids.insert(l.case.id.clone()), "case id {} is used twice", l.case.id);
        let (_, wrong) = run(&l.case);
        for w in wrong {
            failures.push(format!("{} {}: {w}", l.file, l.case.id));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn the_set_covers_what_it_must() {
    let cases = load();
    let count = |file: &str| cases.iter().filter(|l| l.file == file).count();
    let safe = cases.iter().filter(|l| l.case.max_severity.as_deref() == Some("moderate")).count();
    assert!(safe >= 40, "{safe} safe prescriptions");
    assert!(count("high_priority.toml") >= 45, "{} high-priority cases", count("high_priority.toml"));
    assert!(count("context.toml") >= 40, "{} patient-context cases", count("context.toml"));
}
