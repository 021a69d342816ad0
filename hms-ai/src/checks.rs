//! The deterministic checks: pure functions of a prescription, the patient's recorded allergies
//! and conditions, age, pregnancy and kidney function, and the [`RulePack`]. They need no network
//! and always run.
//!
//! Each finding names the medications as the prescriber wrote them, says why it matters and what
//! to do, and carries the source of the rule that produced it. What a check cannot read (a drug the
//! pack does not know, a strength or frequency it cannot parse) is reported as missing information,
//! never guessed.

use chrono::NaiveDate;
use hms_core::{AnalysisSubject, Egfr, Finding, FindingCategory, Medication, Route, Severity};

use crate::parse::{Frequency, FrequencyError, Strength, StrengthError, parse_frequency, parse_strength};
use crate::rules::{DrugIx, MaxDose, Period, RulePack, Target, name_key};

/// What the checks look at, taken from an analysis subject (or built directly).
#[derive(Debug, Clone, Copy)]
pub struct CheckInput<'a> {
    /// The prescribed medications.
    pub medications: &'a [Medication],
    /// Recorded allergies; `None` when the clinical record is not available.
    pub allergies: Option<&'a [String]>,
    /// Recorded conditions.
    pub conditions: &'a [String],
    /// Age in whole years, when the date of birth is known.
    pub age: Option<u32>,
    /// The day the patient was last recorded as pregnant.
    pub pregnancy_noted_on: Option<NaiveDate>,
    /// The latest eGFR.
    pub egfr: Option<Egfr>,
    /// The day of the analysis.
    pub today: NaiveDate,
}

/// How long a record of pregnancy is taken as current: 43 weeks.
pub const PREGNANCY_DAYS: i64 = 301;

/// `today`, `1 day ago`, `12 days ago`: findings say how old a record is without its date.
fn days_ago(days: i64) -> String {
    match days {
        i64::MIN..=0 => "today".into(),
        1 => "1 day ago".into(),
        n => format!("{n} days ago"),
    }
}

impl CheckInput<'_> {
    /// Whether the patient is recorded as pregnant, recently enough to be current.
    pub fn pregnancy_current(&self) -> bool {
        self.pregnancy_noted_on.is_some_and(|day| (0..PREGNANCY_DAYS).contains(&(self.today - day).num_days()))
    }
}

impl<'a> CheckInput<'a> {
    /// The input for `subject`, with the age taken on `today`.
    pub fn from_subject(subject: &'a AnalysisSubject, today: NaiveDate) -> Self {
        let clinical = subject.patient.clinical.as_ref();
        CheckInput {
            medications: &subject.prescription.medications,
            allergies: clinical.map(|c| c.allergies.as_slice()),
            conditions: clinical.map_or(&[], |c| c.conditions.as_slice()),
            age: subject.patient.age_on(today),
            pregnancy_noted_on: clinical.and_then(|c| c.pregnancy_noted_on),
            egfr: clinical.and_then(|c| c.egfr),
            today,
        }
    }
}

/// Runs every check on `subject` as of `today`, most severe findings first.
pub fn check_subject(pack: &RulePack, subject: &AnalysisSubject, today: NaiveDate) -> Vec<Finding> {
    check(pack, &CheckInput::from_subject(subject, today))
}

/// Runs every check, most severe findings first. Each finding names its rule and what each of
/// its medications was resolved to.
pub fn check(pack: &RulePack, input: &CheckInput<'_>) -> Vec<Finding> {
    let resolved = |written: &str| -> String {
        let ingredients: Vec<&str> = input
            .medications
            .iter()
            .find(|m| m.name.trim() == written)
            .map(|m| pack.find_drugs(&m.name).into_iter().flat_map(|d| pack.drugs()[d].ingredients.clone()).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .map(|i| pack.drugs()[i].name.as_str())
            .collect();
        let mut unique: Vec<&str> = Vec::new();
        for i in ingredients {
            if !unique.contains(&i) {
                unique.push(i);
            }
        }
        unique.join(" + ")
    };
    run(pack, input)
        .into_iter()
        .map(|c| {
            tracing::debug!(rule = %c.rule, severity = %c.finding.severity, "deterministic finding");
            let mut f = c.finding;
            f.resolved = f.medications.iter().map(|m| resolved(m)).collect();
            f.rule = Some(c.rule);
            f
        })
        .collect()
}

/// A finding with the key of the rule that produced it (for tests and logs).
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub(crate) rule: String,
    pub(crate) finding: Finding,
}

/// A medication as the checks see it.
struct Med<'a> {
    m: &'a Medication,
    drugs: Vec<DrugIx>,
    ingredients: Vec<DrugIx>,
    systemic: bool,
}

impl Med<'_> {
    fn name(&self) -> String {
        self.m.name.trim().to_string()
    }

    fn has(&self, pack: &RulePack, target: Target) -> bool {
        self.ingredients.iter().any(|&i| pack.covers(target, i))
    }
}

/// `Tylenol (acetaminophen)`, or just `ibuprofen` when written by its generic name.
fn label(pack: &RulePack, med: &Med<'_>) -> String {
    let generics: Vec<&str> = med.drugs.iter().map(|&d| pack.drugs()[d].name.as_str()).collect();
    let written = med.name();
    if generics.is_empty() || (generics.len() == 1 && name_key(&written) == name_key(generics[0])) {
        written
    } else {
        format!("{written} ({})", generics.join(" + "))
    }
}

fn finding(
    category: FindingCategory,
    severity: Severity,
    medications: Vec<String>,
    rationale: String,
    action: impl Into<String>,
    source: Option<&str>,
) -> Finding {
    Finding {
        category,
        severity,
        medications,
        rationale,
        suggested_action: action.into(),
        source: source.map(str::to_string),
        rule: None,
        resolved: Vec::new(),
    }
}

fn mg(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() { "0".into() } else { s.to_string() }
}

/// Whether a medication's name says it acts where it is put (eye or ear drops, a cream or an
/// ointment), whatever route was chosen: such products do not count towards interactions,
/// doses and the patient-context rules.
fn written_as_local(name: &str) -> bool {
    let words = crate::rules::normalize(name);
    let words: Vec<&str> = words.split(' ').collect();
    let has = |w: &str| words.contains(&w);
    ["eye", "eyes", "ear", "ears", "ophthalmic", "otic", "cream", "ointment", "lotion", "shampoo", "topical", "mouthwash"]
        .iter()
        .any(|w| has(w))
        || (has("gel") && !has("oral"))
}

pub(crate) fn run(pack: &RulePack, input: &CheckInput<'_>) -> Vec<Checked> {
    let meds: Vec<Med<'_>> = input
        .medications
        .iter()
        .map(|m| {
            let drugs = pack.find_drugs(&m.name);
            let mut ingredients = Vec::new();
            for &d in &drugs {
                for &i in &pack.drugs()[d].ingredients {
                    if !ingredients.contains(&i) {
                        ingredients.push(i);
                    }
                }
            }
            Med { m, drugs, ingredients, systemic: m.route != Route::Topical && !written_as_local(&m.name) }
        })
        .collect();
    let mut out = Vec::new();
    unknown_drugs(pack, &meds, &mut out);
    same_ingredient(pack, &meds, &mut out);
    class_duplicates(pack, &meds, &mut out);
    match input.allergies {
        Some(allergies) => allergy_matches(pack, &meds, allergies, &mut out),
        None => out.push(Checked {
            rule: "missing:clinical".into(),
            finding: finding(
                FindingCategory::MissingInformation,
                Severity::Low,
                Vec::new(),
                "The patient's allergies and conditions are not available, so allergy and condition checks did not run".into(),
                "Record the patient's allergies (or that there are none known) and conditions, then analyse again",
                None,
            ),
        }),
    }
    interactions(pack, &meds, input.age, &mut out);
    contraindications(pack, &meds, input.conditions, input.age, &mut out);
    elderly(pack, &meds, input.age, &mut out);
    elderly_counts(pack, &meds, input.age, &mut out);
    pregnancy(pack, &meds, input, &mut out);
    renal(pack, &meds, input, &mut out);
    doses(pack, &meds, input.age, &mut out);
    durations(pack, &meds, &mut out);
    // Most severe first; the order of the checks above breaks ties.
    out.sort_by_key(|c| std::cmp::Reverse(c.finding.severity));
    out
}

fn unknown_drugs(pack: &RulePack, meds: &[Med<'_>], out: &mut Vec<Checked>) {
    for med in meds {
        let rationale = if med.drugs.is_empty() {
            format!("{} is not in the rule pack, so its class, interactions, allergy matches and dose limit were not checked", med.name())
        } else {
            let unknown = pack.unknown_parts(&med.m.name);
            if unknown.is_empty() {
                continue;
            }
            format!(
                "{}: {} {} not in the rule pack, so {} not checked",
                label(pack, med),
                unknown.iter().map(|u| format!("\"{u}\"")).collect::<Vec<_>>().join(" and "),
                if unknown.len() == 1 { "is" } else { "are" },
                if unknown.len() == 1 { "it was" } else { "they were" }
            )
        };
        out.push(Checked {
            rule: "missing:unknown-drug".into(),
            finding: finding(
                FindingCategory::MissingInformation,
                Severity::Info,
                vec![med.name()],
                rationale,
                "Check this medication against a full drug-interaction reference",
                None,
            ),
        });
    }
}

fn same_ingredient(pack: &RulePack, meds: &[Med<'_>], out: &mut Vec<Checked>) {
    let rule = pack.same_ingredient();
    let mut seen: Vec<DrugIx> = Vec::new();
    for med in meds {
        for &ing in &med.ingredients {
            if seen.contains(&ing) {
                continue;
            }
            seen.push(ing);
            for systemic in [true, false] {
                let holders: Vec<&Med<'_>> = meds.iter().filter(|m| m.systemic == systemic && m.ingredients.contains(&ing)).collect();
                if holders.len() >= 2 {
                    let names: Vec<String> = holders.iter().map(|m| label(pack, m)).collect();
                    out.push(Checked {
                        rule: "same-ingredient".into(),
                        finding: finding(
                            FindingCategory::DuplicateTherapy,
                            rule.severity,
                            holders.iter().map(|m| m.name()).collect(),
                            format!("{} is in {}: {}", pack.drugs()[ing].name, names.join(" and "), rule.rationale),
                            rule.action.clone(),
                            Some(&rule.source),
                        ),
                    });
                }
            }
        }
    }
}

fn class_duplicates(pack: &RulePack, meds: &[Med<'_>], out: &mut Vec<Checked>) {
    for (cx, class) in pack.classes().iter().enumerate() {
        let Some(dup) = &class.duplicate else { continue };
        let target = Target::Class(cx);
        let holders: Vec<&Med<'_>> = meds.iter().filter(|m| m.systemic && m.has(pack, target)).collect();
        let mut distinct: Vec<DrugIx> = Vec::new();
        for m in &holders {
            for &i in &m.ingredients {
                if pack.covers(target, i) && !distinct.contains(&i) {
                    distinct.push(i);
                }
            }
        }
        if holders.len() >= 2 && distinct.len() >= 2 {
            let names: Vec<String> = holders.iter().map(|m| label(pack, m)).collect();
            out.push(Checked {
                rule: format!("class-duplicate:{}", class.id),
                finding: finding(
                    FindingCategory::DuplicateTherapy,
                    dup.severity,
                    holders.iter().map(|m| m.name()).collect(),
                    format!("{} are all {}: {}", names.join(", "), pack.target_name(target), dup.rationale),
                    dup.action.clone(),
                    Some(&dup.source),
                ),
            });
        }
    }
}

fn allergy_matches(pack: &RulePack, meds: &[Med<'_>], allergies: &[String], out: &mut Vec<Checked>) {
    for med in meds.iter().filter(|m| !m.ingredients.is_empty()) {
        let mut best: Option<Checked> = None;
        let mut consider = |c: Checked| {
            if best.as_ref().is_none_or(|b| c.finding.severity > b.finding.severity) {
                best = Some(c);
            }
        };
        for allergy in allergies {
            let recorded = allergy.trim();
            for allergen in pack.find_allergens(recorded) {
                // The allergen itself, or (for a drug) any of its ingredients.
                let direct = match allergen {
                    Target::Class(_) => med.has(pack, allergen),
                    Target::Drug(d) => pack.drugs()[d].ingredients.iter().any(|&i| med.ingredients.contains(&i)),
                };
                if direct {
                    consider(Checked {
                        rule: "allergy:direct".into(),
                        finding: finding(
                            FindingCategory::Allergy,
                            Severity::Critical,
                            vec![med.name()],
                            format!("Recorded allergy \"{recorded}\": {} is or contains {}", label(pack, med), pack.target_name(allergen)),
                            "Do not give; choose an alternative from another class, or confirm the allergy record is wrong",
                            Some("Recorded patient allergy"),
                        ),
                    });
                    continue;
                }
                // An allergy to one drug of a class whose members cross-react.
                if let Target::Drug(d) = allergen {
                    for &ing in &pack.drugs()[d].ingredients {
                        for &cx in &pack.drugs()[ing].classes {
                            let class = &pack.classes()[cx];
                            if let Some(policy) = &class.allergy
                                && med.has(pack, Target::Class(cx))
                            {
                                consider(Checked {
                                    rule: format!("allergy:class:{}", class.id),
                                    finding: finding(
                                        FindingCategory::Allergy,
                                        policy.severity,
                                        vec![med.name()],
                                        format!(
                                            "Recorded allergy \"{recorded}\" ({}), and {} is also one of the {}: {}",
                                            pack.drugs()[ing].name,
                                            label(pack, med),
                                            pack.target_name(Target::Class(cx)),
                                            policy.rationale
                                        ),
                                        "Avoid unless the allergy has been assessed as low risk; choose an alternative from another class",
                                        Some(&policy.source),
                                    ),
                                });
                            }
                        }
                    }
                }
                // Cross-reactivity with another drug or class.
                for rule in pack.cross_reactivity() {
                    let implied = allergen == rule.allergy
                        || matches!(allergen, Target::Drug(d) if pack.drugs()[d].ingredients.iter().any(|&i| pack.covers(rule.allergy, i)));
                    if implied && med.has(pack, rule.matches) {
                        consider(Checked {
                            rule: format!("cross:{}->{}", pack.target_name(rule.allergy), pack.target_name(rule.matches)),
                            finding: finding(
                                FindingCategory::Allergy,
                                rule.severity,
                                vec![med.name()],
                                format!("Recorded allergy \"{recorded}\", and {} may cross-react: {}", label(pack, med), rule.rationale),
                                rule.action.clone(),
                                Some(&rule.source),
                            ),
                        });
                    }
                }
            }
        }
        if let Some(b) = best {
            out.push(b);
        }
    }
}

/// Whether a rule that applies from `min_age` applies to a patient of `age`.
fn old_enough(min_age: Option<u32>, age: Option<u32>) -> bool {
    match (min_age, age) {
        (None, _) => true,
        (Some(min), Some(age)) => age >= min,
        (Some(_), None) => false,
    }
}

fn interactions(pack: &RulePack, meds: &[Med<'_>], age: Option<u32>, out: &mut Vec<Checked>) {
    for (i, x) in meds.iter().enumerate() {
        for y in meds.iter().skip(i + 1) {
            if !x.systemic || !y.systemic {
                continue;
            }
            let mut best: Option<&crate::rules::Interaction> = None;
            for rule in pack.interactions().iter().filter(|r| old_enough(r.min_age, age)) {
                // Two different ingredients, one on each side: the same drug twice is a duplicate, not an interaction.
                let pair = |p: &Med<'_>, q: &Med<'_>| {
                    p.ingredients.iter().any(|&i| pack.covers(rule.a, i) && q.ingredients.iter().any(|&j| j != i && pack.covers(rule.b, j)))
                };
                let hit = pair(x, y) || pair(y, x);
                let narrower = |b: &crate::rules::Interaction| {
                    rule.severity == b.severity && pack.breadth(rule.a) * pack.breadth(rule.b) < pack.breadth(b.a) * pack.breadth(b.b)
                };
                if hit && best.is_none_or(|b| rule.severity > b.severity || narrower(b)) {
                    best = Some(rule);
                }
            }
            if let Some(rule) = best {
                out.push(Checked {
                    rule: format!("interaction:{}", rule.id),
                    finding: finding(
                        FindingCategory::Interaction,
                        rule.severity,
                        vec![x.name(), y.name()],
                        format!("{} with {}: {}", label(pack, x), label(pack, y), rule.mechanism),
                        rule.management.clone(),
                        Some(&rule.source),
                    ),
                });
            }
        }
    }
}

fn contraindications(pack: &RulePack, meds: &[Med<'_>], conditions: &[String], age: Option<u32>, out: &mut Vec<Checked>) {
    // One finding per medication and condition: the most severe rule, from the first record naming it.
    let mut best: Vec<((usize, usize), Checked)> = Vec::new();
    for recorded in conditions {
        let found = pack.find_conditions(recorded);
        for rule in pack.contraindications().iter().filter(|r| found.contains(&r.condition) && old_enough(r.min_age, age)) {
            for (ix, med) in meds.iter().enumerate().filter(|(_, m)| m.systemic && m.has(pack, rule.drug)) {
                let who = match rule.min_age {
                    Some(min) => format!(" in a patient aged {min} or more"),
                    None => String::new(),
                };
                let c = Checked {
                    rule: format!("contraindication:{}", rule.id),
                    finding: finding(
                        FindingCategory::Contraindication,
                        rule.severity,
                        vec![med.name()],
                        format!("Recorded condition \"{}\"{who}: {}: {}", recorded.trim(), label(pack, med), rule.rationale),
                        rule.action.clone(),
                        Some(&rule.source),
                    ),
                };
                keep_most_severe(&mut best, (ix, rule.condition), c);
            }
        }
    }
    out.extend(best.into_iter().map(|(_, c)| c));
}

/// Keeps, for each key, the first of the most severe findings offered.
fn keep_most_severe<K: PartialEq>(best: &mut Vec<(K, Checked)>, key: K, c: Checked) {
    match best.iter_mut().find(|(k, _)| *k == key) {
        Some((_, b)) if c.finding.severity > b.finding.severity => *b = c,
        Some(_) => {}
        None => best.push((key, c)),
    }
}

/// The total daily amount of `drug` over the medications that contain it (by a systemic route),
/// with the parts it is made of, or why it cannot be known.
fn daily_total(pack: &RulePack, meds: &[Med<'_>], drug: DrugIx) -> Result<(f64, Vec<String>, Vec<String>), String> {
    let mut total = 0.0;
    let mut parts = Vec::new();
    let mut names = Vec::new();
    for med in meds.iter().filter(|m| m.systemic && m.ingredients.contains(&drug)) {
        match amount(pack, med, drug) {
            Amount::Known { mg: daily, .. } => {
                total += daily;
                parts.push(format!("{} {} mg a day", label(pack, med), mg(daily)));
                names.push(med.name());
            }
            Amount::Unknown(why) => return Err(format!("{}: {why}", label(pack, med))),
        }
    }
    Ok((total, parts, names))
}

fn elderly(pack: &RulePack, meds: &[Med<'_>], age: Option<u32>, out: &mut Vec<Checked>) {
    let Some(age) = age else { return };
    let mut best: Vec<(usize, Checked)> = Vec::new();
    for rule in pack.elderly().iter().filter(|r| age >= r.min_age) {
        for (ix, med) in meds.iter().enumerate().filter(|(_, m)| m.systemic && m.has(pack, rule.drug)) {
            let mut why = String::new();
            if let Some(days) = rule.longer_than_days {
                if med.m.duration_days <= days {
                    continue;
                }
                why = format!(" for {} days (more than {days})", med.m.duration_days);
            }
            if let (Some(limit), Target::Drug(drug)) = (rule.above_mg, rule.drug) {
                match daily_total(pack, meds, drug) {
                    Ok((total, _, _)) if total > limit * (1.0 + 1e-9) => {
                        why = format!(" at {} mg a day (more than {} mg)", mg(total), mg(limit));
                    }
                    _ => continue,
                }
            }
            let c = Checked {
                rule: format!("elderly:{}", rule.id),
                finding: finding(
                    FindingCategory::Contraindication,
                    rule.severity,
                    vec![med.name()],
                    format!("Patient aged {age}: {}{why} is to be avoided from {}: {}", label(pack, med), rule.min_age, rule.rationale),
                    rule.action.clone(),
                    Some(&rule.source),
                ),
            };
            keep_most_severe(&mut best, ix, c);
        }
    }
    out.extend(best.into_iter().map(|(_, c)| c));
}

fn elderly_counts(pack: &RulePack, meds: &[Med<'_>], age: Option<u32>, out: &mut Vec<Checked>) {
    let Some(age) = age else { return };
    for rule in pack.elderly_counts().iter().filter(|r| age >= r.min_age) {
        let holders: Vec<&Med<'_>> = meds.iter().filter(|m| m.systemic && rule.targets.iter().any(|&t| m.has(pack, t))).collect();
        if holders.len() >= rule.at_least {
            out.push(Checked {
                rule: format!("elderly-count:{}", rule.id),
                finding: finding(
                    FindingCategory::Interaction,
                    rule.severity,
                    holders.iter().map(|m| m.name()).collect(),
                    format!(
                        "Patient aged {age}: {} together ({} of {}): {}",
                        holders.iter().map(|m| label(pack, m)).collect::<Vec<_>>().join(", "),
                        holders.len(),
                        rule.targets.iter().map(|&t| pack.target_name(t)).collect::<Vec<_>>().join(", "),
                        rule.rationale
                    ),
                    rule.action.clone(),
                    Some(&rule.source),
                ),
            });
        }
    }
}

fn pregnancy(pack: &RulePack, meds: &[Med<'_>], input: &CheckInput<'_>, out: &mut Vec<Checked>) {
    let pregnancy = pack.conditions().iter().position(|c| c.id == "pregnancy");
    let from_conditions = input.conditions.iter().find(|c| pregnancy.is_some_and(|p| pack.find_conditions(c).contains(&p)));
    let recorded = input.pregnancy_noted_on.map(|day| (day, (input.today - day).num_days()));
    let why = match (recorded, from_conditions) {
        (Some((_, days)), _) if input.pregnancy_current() => format!("Recorded as pregnant {}", days_ago(days)),
        (_, Some(text)) => format!("Recorded condition \"{}\"", text.trim()),
        (Some((_, days)), None) => {
            // A record too old to be current: say so when it would matter.
            let concerned: Vec<&Med<'_>> =
                meds.iter().filter(|m| m.systemic && pack.pregnancy().iter().any(|r| m.has(pack, r.drug))).collect();
            if !concerned.is_empty() {
                out.push(Checked {
                    rule: "missing:pregnancy".into(),
                    finding: finding(
                        FindingCategory::MissingInformation,
                        Severity::Low,
                        concerned.iter().map(|m| m.name()).collect(),
                        format!(
                            "The patient was recorded as pregnant {}, more than 43 weeks ago, so the pregnancy checks of {} did not run",
                            days_ago(days),
                            concerned.iter().map(|m| label(pack, m)).collect::<Vec<_>>().join(", ")
                        ),
                        "Update the pregnancy record (clear it, or record the current pregnancy), then analyse again",
                        None,
                    ),
                });
            }
            return;
        }
        (None, None) => return,
    };
    let mut best: Vec<(usize, Checked)> = Vec::new();
    for rule in pack.pregnancy() {
        for (ix, med) in meds.iter().enumerate().filter(|(_, m)| m.systemic && m.has(pack, rule.drug)) {
            let c = Checked {
                rule: format!("pregnancy:{}", rule.id),
                finding: finding(
                    FindingCategory::Contraindication,
                    rule.severity,
                    vec![med.name()],
                    format!("{why}: {} in pregnancy: {}", label(pack, med), rule.rationale),
                    rule.action.clone(),
                    Some(&rule.source),
                ),
            };
            keep_most_severe(&mut best, ix, c);
        }
    }
    out.extend(best.into_iter().map(|(_, c)| c));
}

fn renal(pack: &RulePack, meds: &[Med<'_>], input: &CheckInput<'_>, out: &mut Vec<Checked>) {
    let Some(egfr) = input.egfr else {
        // Without a kidney function, say which drugs would need it, where it matters most.
        let kidney = pack.conditions().iter().position(|c| c.id == "kidney_disease");
        let kidney_recorded = input.conditions.iter().any(|c| kidney.is_some_and(|k| pack.find_conditions(c).contains(&k)));
        if input.age.is_some_and(|a| a >= 65) || kidney_recorded {
            let concerned: Vec<&Med<'_>> = meds.iter().filter(|m| m.systemic && pack.renal().iter().any(|r| m.has(pack, r.drug))).collect();
            if !concerned.is_empty() {
                out.push(Checked {
                    rule: "missing:egfr".into(),
                    finding: finding(
                        FindingCategory::MissingInformation,
                        Severity::Info,
                        concerned.iter().map(|m| m.name()).collect(),
                        format!(
                            "No eGFR is recorded, and {} {} limits by kidney function",
                            concerned.iter().map(|m| label(pack, m)).collect::<Vec<_>>().join(", "),
                            if concerned.len() == 1 { "has" } else { "have" }
                        ),
                        "Record the latest eGFR with its date, then analyse again",
                        None,
                    ),
                });
            }
        }
        return;
    };
    let value = f64::from(egfr.value);
    let measured = format!("eGFR {} mL/min/1.73 m² (measured {})", egfr.value, days_ago((input.today - egfr.measured_on).num_days()));
    let mut avoid: Vec<(usize, Checked)> = Vec::new();
    let mut dosed: Vec<(DrugIx, Checked)> = Vec::new();
    for rule in pack.renal().iter().filter(|r| value < r.egfr_below && r.egfr_at_least.is_none_or(|low| value >= low)) {
        let band = match rule.egfr_at_least {
            Some(low) => format!("{}-{}", mg(low), mg(rule.egfr_below)),
            None => format!("below {}", mg(rule.egfr_below)),
        };
        match (rule.max_mg, rule.drug) {
            (None, _) => {
                for (ix, med) in meds.iter().enumerate().filter(|(_, m)| m.systemic && m.has(pack, rule.drug)) {
                    let c = Checked {
                        rule: format!("renal:{}", rule.id),
                        finding: finding(
                            FindingCategory::Contraindication,
                            rule.severity,
                            vec![med.name()],
                            format!("{measured}, in the band {band}: {}: {}", label(pack, med), rule.rationale),
                            rule.action.clone(),
                            Some(&rule.source),
                        ),
                    };
                    keep_most_severe(&mut avoid, ix, c);
                }
            }
            (Some(limit), Target::Drug(drug)) => {
                if !meds.iter().any(|m| m.systemic && m.ingredients.contains(&drug)) {
                    continue;
                }
                let c = match daily_total(pack, meds, drug) {
                    Ok((total, _, _)) if total <= limit * (1.0 + 1e-9) => continue,
                    Ok((total, parts, names)) => Checked {
                        rule: format!("renal:{}", rule.id),
                        finding: finding(
                            FindingCategory::Dose,
                            rule.severity,
                            names,
                            format!(
                                "{measured}, in the band {band}: {} comes to {} mg a day ({}), above {} mg a day: {}",
                                pack.drugs()[drug].name,
                                mg(total),
                                parts.join("; "),
                                mg(limit),
                                rule.rationale
                            ),
                            rule.action.clone(),
                            Some(&rule.source),
                        ),
                    },
                    Err(why) => Checked {
                        rule: "missing:renal-dose".into(),
                        finding: finding(
                            FindingCategory::MissingInformation,
                            Severity::Low,
                            meds.iter().filter(|m| m.ingredients.contains(&drug)).map(|m| m.name()).collect(),
                            format!(
                                "{measured}: the daily dose of {} could not be checked against its limit of {} mg a day: {why}",
                                pack.drugs()[drug].name,
                                mg(limit)
                            ),
                            "Write the strength as an amount per dose with its unit and the frequency (e.g. 300 mg three times daily)",
                            Some(&rule.source),
                        ),
                    },
                };
                keep_most_severe(&mut dosed, drug, c);
            }
            (Some(_), Target::Class(_)) => unreachable!("the loader gives a dose limit to a single drug only"),
        }
    }
    out.extend(avoid.into_iter().map(|(_, c)| c));
    out.extend(dosed.into_iter().map(|(_, c)| c));
}

/// One medication's amount of one ingredient per period, or why it cannot be known.
enum Amount {
    Known { mg: f64, per_admin: f64, frequency: Frequency },
    Unknown(String),
}

fn amount(pack: &RulePack, med: &Med<'_>, ingredient: DrugIx) -> Amount {
    let strength: Result<Strength, StrengthError> = parse_strength(&med.m.strength);
    let frequency: Result<Frequency, FrequencyError> = parse_frequency(&med.m.frequency);
    let strength = match strength {
        Ok(s) => s,
        Err(e) => return Amount::Unknown(format!("the strength \"{}\" {e}", med.m.strength.trim())),
    };
    let per_admin = if strength.mg.len() == med.ingredients.len() {
        // Amounts follow the ingredients in the order the name writes them ("paracetamol and
        // codeine 500/30 mg"), else the product's own order ("Percocet 5/325 mg").
        let own = med.ingredients.iter().position(|&i| i == ingredient).unwrap_or(0);
        let pos = match pack.written_order(&med.m.name, &med.ingredients) {
            Some(at) if at.len() > 1 && at.iter().collect::<std::collections::HashSet<_>>().len() == at.len() => {
                at.iter().filter(|&&p| p < at[own]).count()
            }
            _ => own,
        };
        strength.mg[pos]
    } else if med.ingredients.len() > 1 && strength.mg.len() == 1 {
        return Amount::Unknown(format!(
            "the strength \"{}\" does not give the amount of each of its ingredients ({}), e.g. 5/325 mg",
            med.m.strength.trim(),
            med.ingredients.iter().map(|&i| pack.drugs()[i].name.as_str()).collect::<Vec<_>>().join(", ")
        ));
    } else {
        return Amount::Unknown(format!(
            "the strength \"{}\" names {} amounts for {} ingredients",
            med.m.strength.trim(),
            strength.mg.len(),
            med.ingredients.len()
        ));
    };
    match frequency {
        Ok(f) => Amount::Known { mg: per_admin * f.per_day, per_admin, frequency: f },
        Err(e) => Amount::Unknown(format!("the frequency \"{}\" {e}", med.m.frequency.trim())),
    }
}

fn doses(pack: &RulePack, meds: &[Med<'_>], age: Option<u32>, out: &mut Vec<Checked>) {
    let mut missing: Vec<(usize, String, String)> = Vec::new();
    let mut drugs: Vec<DrugIx> = pack.max_doses().iter().map(|r| r.drug).collect();
    drugs.sort_unstable();
    drugs.dedup();
    for drug in drugs {
        let mut exceeded: Vec<(&MaxDose, Checked)> = Vec::new();
        for rule in pack.max_doses().iter().filter(|r| r.drug == drug) {
            match (rule.min_age, age) {
                (Some(_), None) => continue,
                (Some(min), Some(a)) if a < min => continue,
                _ => {}
            }
            let mut total = 0.0;
            let mut parts = Vec::new();
            let mut names = Vec::new();
            for (ix, med) in meds.iter().enumerate() {
                if !rule.routes.contains(&med.m.route) || !med.ingredients.contains(&drug) {
                    continue;
                }
                match amount(pack, med, drug) {
                    Amount::Known { mg: daily, per_admin, frequency } => {
                        let in_period = match rule.per {
                            Period::Day => daily,
                            Period::Week => daily * 7.0,
                        };
                        total += in_period;
                        let how = if frequency.as_needed { " (as needed, at most)" } else { "" };
                        parts.push(format!(
                            "{}: {} mg x {} a {}{how} = {} mg",
                            label(pack, med),
                            mg(per_admin),
                            mg(match rule.per {
                                Period::Day => frequency.per_day,
                                Period::Week => frequency.per_day * 7.0,
                            }),
                            period_word(rule.per),
                            mg(in_period)
                        ));
                        names.push(med.name());
                    }
                    Amount::Unknown(why) => {
                        if !missing.iter().any(|(i, _, _)| *i == ix) {
                            missing.push((ix, why, rule.source.clone()));
                        }
                    }
                }
            }
            if total > rule.max_mg * (1.0 + 1e-9) {
                let who = match rule.min_age {
                    Some(a) => format!(" for patients aged {a} or more"),
                    None => String::new(),
                };
                let note = rule.note.as_ref().map(|n| format!(". {n}")).unwrap_or_default();
                exceeded.push((
                    rule,
                    Checked {
                        rule: format!("dose:{}:{}", pack.drugs()[drug].name, mg(rule.max_mg)),
                        finding: finding(
                            FindingCategory::Dose,
                            rule.severity,
                            names,
                            format!(
                                "{} comes to {} mg a {} ({}), above the maximum of {} mg a {}{who}{note}",
                                pack.drugs()[drug].name,
                                mg(total),
                                period_word(rule.per),
                                parts.join("; "),
                                mg(rule.max_mg),
                                period_word(rule.per)
                            ),
                            format!(
                                "Reduce the dose or frequency so that the total {} stays within {} mg a {}",
                                pack.drugs()[drug].name,
                                mg(rule.max_mg),
                                period_word(rule.per)
                            ),
                            Some(&rule.source),
                        ),
                    },
                ));
            }
        }
        // Of several limits exceeded for one drug, the most severe, then the strictest.
        exceeded.sort_by(|(a, _), (b, _)| b.severity.cmp(&a.severity).then(a.max_mg.total_cmp(&b.max_mg)));
        if let Some((_, c)) = exceeded.into_iter().next() {
            out.push(c);
        }
    }
    for (ix, why, source) in missing {
        let med = &meds[ix];
        out.push(Checked {
            rule: "missing:dose".into(),
            finding: finding(
                FindingCategory::MissingInformation,
                Severity::Low,
                vec![med.name()],
                format!("The daily dose of {} could not be checked against its maximum: {why}", label(pack, med)),
                "Write the strength as an amount per dose with its unit (e.g. 500 mg, or 5/325 mg for a combination) and the frequency as e.g. twice daily, q8h or every 6 hours as needed (max 4 doses a day)",
                Some(&source),
            ),
        });
    }
}

fn period_word(p: Period) -> &'static str {
    match p {
        Period::Day => "day",
        Period::Week => "week",
    }
}

fn durations(pack: &RulePack, meds: &[Med<'_>], out: &mut Vec<Checked>) {
    for rule in pack.max_durations() {
        for med in meds.iter().filter(|m| m.ingredients.contains(&rule.drug) && m.m.duration_days > rule.days) {
            out.push(Checked {
                rule: format!("duration:{}", pack.drugs()[rule.drug].name),
                finding: finding(
                    FindingCategory::Dose,
                    rule.severity,
                    vec![med.name()],
                    format!(
                        "{} is prescribed for {} days; the longest course is {} days",
                        label(pack, med),
                        med.m.duration_days,
                        rule.days
                    ),
                    format!("Shorten the course to at most {} days", rule.days),
                    Some(&rule.source),
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests;
