//! The deterministic checks: pure functions of a prescription, the patient's recorded allergies
//! and conditions, the patient's age and the [`RulePack`]. They need no network and always run.
//!
//! Each finding names the medications as the prescriber wrote them, says why it matters and what
//! to do, and carries the source of the rule that produced it. What a check cannot read (a drug the
//! pack does not know, a strength or frequency it cannot parse) is reported as missing information,
//! never guessed.

use chrono::NaiveDate;
use hms_core::{AnalysisSubject, Finding, FindingCategory, Medication, Route, Severity};

use crate::parse::{Frequency, FrequencyError, Strength, StrengthError, parse_frequency, parse_strength};
use crate::rules::{DrugIx, MaxDose, Period, RulePack, Target, normalize};

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
        }
    }
}

/// Runs every check on `subject` as of `today`, most severe findings first.
pub fn check_subject(pack: &RulePack, subject: &AnalysisSubject, today: NaiveDate) -> Vec<Finding> {
    check(pack, &CheckInput::from_subject(subject, today))
}

/// Runs every check, most severe findings first.
pub fn check(pack: &RulePack, input: &CheckInput<'_>) -> Vec<Finding> {
    run(pack, input)
        .into_iter()
        .map(|c| {
            tracing::debug!(rule = %c.rule, severity = %c.finding.severity, "deterministic finding");
            c.finding
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
    if generics.is_empty() || (generics.len() == 1 && normalize(&written) == normalize(generics[0])) {
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
    Finding { category, severity, medications, rationale, suggested_action: action.into(), source: source.map(str::to_string) }
}

fn mg(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() { "0".into() } else { s.to_string() }
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
            Med { m, drugs, ingredients, systemic: m.route != Route::Topical }
        })
        .collect();
    let mut out = Vec::new();
    unknown_drugs(&meds, &mut out);
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
    interactions(pack, &meds, &mut out);
    contraindications(pack, &meds, input.conditions, &mut out);
    doses(pack, &meds, input.age, &mut out);
    durations(pack, &meds, &mut out);
    // Most severe first; the order of the checks above breaks ties.
    out.sort_by_key(|c| std::cmp::Reverse(c.finding.severity));
    out
}

fn unknown_drugs(meds: &[Med<'_>], out: &mut Vec<Checked>) {
    for med in meds.iter().filter(|m| m.drugs.is_empty()) {
        out.push(Checked {
            rule: "missing:unknown-drug".into(),
            finding: finding(
                FindingCategory::MissingInformation,
                Severity::Info,
                vec![med.name()],
                format!(
                    "{} is not in the rule pack, so its class, interactions, allergy matches and dose limit were not checked",
                    med.name()
                ),
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

fn interactions(pack: &RulePack, meds: &[Med<'_>], out: &mut Vec<Checked>) {
    for (i, x) in meds.iter().enumerate() {
        for y in meds.iter().skip(i + 1) {
            if !x.systemic || !y.systemic {
                continue;
            }
            let mut best: Option<&crate::rules::Interaction> = None;
            for rule in pack.interactions() {
                let hit = (x.has(pack, rule.a) && y.has(pack, rule.b)) || (x.has(pack, rule.b) && y.has(pack, rule.a));
                if hit && best.is_none_or(|b| rule.severity > b.severity) {
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

fn contraindications(pack: &RulePack, meds: &[Med<'_>], conditions: &[String], out: &mut Vec<Checked>) {
    for recorded in conditions {
        let found = pack.find_conditions(recorded);
        for rule in pack.contraindications().iter().filter(|r| found.contains(&r.condition)) {
            for med in meds.iter().filter(|m| m.systemic && m.has(pack, rule.drug)) {
                out.push(Checked {
                    rule: format!("contraindication:{}", rule.id),
                    finding: finding(
                        FindingCategory::Contraindication,
                        rule.severity,
                        vec![med.name()],
                        format!("Recorded condition \"{}\": {}: {}", recorded.trim(), label(pack, med), rule.rationale),
                        rule.action.clone(),
                        Some(&rule.source),
                    ),
                });
            }
        }
    }
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
        let pos = med.ingredients.iter().position(|&i| i == ingredient).unwrap_or(0);
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
