//! The checks rule by rule: every rule of the pack fires on a prescription made for it, and the
//! cases a hospital pharmacist expects caught first give the severities written here (not read
//! back from the pack), so a wrong rule file fails a test.

use hms_core::{FindingCategory, Medication, Route, Severity};

use super::{CheckInput, Checked, run};
use crate::rules::{DrugIx, RulePack, Target};

fn pack() -> &'static RulePack {
    RulePack::shipped().expect("the shipped rule pack loads")
}

fn med(name: &str, strength: &str, frequency: &str) -> Medication {
    Medication {
        name: name.into(),
        strength: strength.into(),
        route: Route::Oral,
        frequency: frequency.into(),
        duration_days: 7,
        instructions: String::new(),
    }
}

fn routed(mut m: Medication, route: Route) -> Medication {
    m.route = route;
    m
}

fn plain(name: &str) -> Medication {
    med(name, "1 mg", "once daily")
}

struct Case {
    meds: Vec<Medication>,
    allergies: Option<Vec<String>>,
    conditions: Vec<String>,
    age: Option<u32>,
}

impl Case {
    fn new(meds: Vec<Medication>) -> Self {
        Case { meds, allergies: Some(Vec::new()), conditions: Vec::new(), age: Some(45) }
    }

    fn allergic_to(mut self, allergies: &[&str]) -> Self {
        self.allergies = Some(allergies.iter().map(|s| s.to_string()).collect());
        self
    }

    fn with_conditions(mut self, conditions: &[&str]) -> Self {
        self.conditions = conditions.iter().map(|s| s.to_string()).collect();
        self
    }

    fn aged(mut self, age: Option<u32>) -> Self {
        self.age = age;
        self
    }

    fn run(&self) -> Vec<Checked> {
        let input = CheckInput {
            medications: &self.meds,
            allergies: self.allergies.as_deref(),
            conditions: &self.conditions,
            age: self.age,
            pregnancy_noted_on: None,
            egfr: None,
            today: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date"),
        };
        run(pack(), &input)
    }
}

fn only(found: &[Checked], category: FindingCategory) -> Vec<&Checked> {
    found.iter().filter(|c| c.finding.category == category).collect()
}

fn one(found: &[Checked], category: FindingCategory) -> &Checked {
    let of = only(found, category);
    assert_eq!(of.len(), 1, "one {category} finding expected in {found:#?}");
    of[0]
}

/// Single drugs a target covers.
fn members(target: Target) -> Vec<DrugIx> {
    let p = pack();
    (0..p.drugs().len()).filter(|&d| p.drugs()[d].ingredients == [d] && p.covers(target, d)).collect()
}

fn name(d: DrugIx) -> String {
    pack().drugs()[d].name.clone()
}

// ---- every rule fires -----------------------------------------------------------------------

#[test]
fn every_interaction_rule_fires() {
    let mut silent = Vec::new();
    for rule in pack().interactions() {
        let key = format!("interaction:{}", rule.id);
        let fired = members(rule.a).into_iter().any(|a| {
            members(rule.b).into_iter().filter(|&b| b != a).any(|b| {
                let found = Case::new(vec![plain(&name(a)), plain(&name(b))]).aged(Some(rule.min_age.unwrap_or(45))).run();
                found
                    .iter()
                    .any(|c| c.rule == key && c.finding.severity == rule.severity && c.finding.source.as_deref() == Some(&rule.source))
            })
        });
        if !fired {
            silent.push(rule.id.clone());
        }
    }
    assert!(silent.is_empty(), "interaction rules that never fire: {silent:?}");
}

#[test]
fn every_class_duplicate_rule_fires() {
    let mut silent = Vec::new();
    for (cx, class) in pack().classes().iter().enumerate() {
        if class.duplicate.is_none() {
            continue;
        }
        let m = members(Target::Class(cx));
        assert!(m.len() >= 2, "class {} has two members to duplicate", class.id);
        let found = Case::new(vec![plain(&name(m[0])), plain(&name(m[1]))]).run();
        if !found.iter().any(|c| c.rule == format!("class-duplicate:{}", class.id)) {
            silent.push(class.id.clone());
        }
    }
    assert!(silent.is_empty(), "duplicate rules that never fire: {silent:?}");
}

#[test]
fn every_class_allergy_rule_fires() {
    let mut silent = Vec::new();
    for (cx, class) in pack().classes().iter().enumerate() {
        let Some(policy) = &class.allergy else { continue };
        let m = members(Target::Class(cx));
        let hit = m.len() < 2 || {
            let found = Case::new(vec![plain(&name(m[1]))]).allergic_to(&[&name(m[0])]).run();
            found.iter().any(|c| c.rule == format!("allergy:class:{}", class.id) && c.finding.severity == policy.severity)
        };
        // The class named in the record matches every member directly.
        let named = Case::new(vec![plain(&name(m[m.len() - 1]))]).allergic_to(&[&class.aliases[0]]).run();
        let direct = named.iter().any(|c| c.rule == "allergy:direct" && c.finding.severity == Severity::Critical);
        if !hit || !direct {
            silent.push(class.id.clone());
        }
    }
    assert!(silent.is_empty(), "class allergy rules that never fire: {silent:?}");
}

#[test]
fn every_cross_reactivity_rule_fires() {
    let p = pack();
    let mut silent = Vec::new();
    for rule in p.cross_reactivity() {
        let allergy = match rule.allergy {
            Target::Class(c) => p.classes()[c].aliases[0].clone(),
            Target::Drug(d) => name(d),
        };
        let key = format!("cross:{}->{}", p.target_name(rule.allergy), p.target_name(rule.matches));
        let fired = members(rule.matches).into_iter().any(|d| {
            let found = Case::new(vec![plain(&name(d))]).allergic_to(&[&allergy]).run();
            found.iter().any(|c| c.rule == key && c.finding.severity == rule.severity)
        });
        if !fired {
            silent.push(key);
        }
    }
    assert!(silent.is_empty(), "cross-reactivity rules that never fire: {silent:?}");
}

#[test]
fn every_contraindication_rule_fires() {
    let p = pack();
    let mut silent = Vec::new();
    for rule in p.contraindications() {
        let condition = &p.conditions()[rule.condition].aliases[0];
        let d = members(rule.drug)[0];
        let found = Case::new(vec![plain(&name(d))]).with_conditions(&[condition]).aged(Some(rule.min_age.unwrap_or(45))).run();
        if !found.iter().any(|c| c.rule == format!("contraindication:{}", rule.id) && c.finding.severity == rule.severity) {
            silent.push(rule.id.clone());
        }
    }
    assert!(silent.is_empty(), "contraindication rules that never fire: {silent:?}");
}

#[test]
fn every_dose_limit_fires_above_the_limit_and_not_at_it() {
    let p = pack();
    let mut wrong = Vec::new();
    for rule in p.max_doses() {
        let drug = name(rule.drug);
        let route = rule.routes[0];
        let age = rule.min_age.map_or(Some(40), |a| Some(a + 5));
        let freq = match rule.per {
            crate::rules::Period::Day => "once daily",
            crate::rules::Period::Week => "once weekly",
        };
        let key = format!("dose:{}:{}", drug, super::mg(rule.max_mg));
        let at = Case::new(vec![routed(med(&drug, &format!("{} mg", rule.max_mg), freq), route)]).aged(age).run();
        let above = Case::new(vec![routed(med(&drug, &format!("{} mg", rule.max_mg * 1.5), freq), route)]).aged(age).run();
        let at_fired = at.iter().any(|c| c.rule.starts_with("dose:"));
        let above_fired = above.iter().any(|c| c.rule == key && c.finding.severity == rule.severity);
        if at_fired || !above_fired {
            wrong.push(format!("{key} (at the limit: {at_fired}, above: {above_fired})"));
        }
    }
    assert!(wrong.is_empty(), "dose limits that misfire: {wrong:?}");
}

#[test]
fn every_course_limit_fires() {
    for rule in pack().max_durations() {
        let mut m = plain(&name(rule.drug));
        m.duration_days = rule.days;
        assert!(only(&Case::new(vec![m.clone()]).run(), FindingCategory::Dose).is_empty());
        m.duration_days = rule.days + 1;
        let found = Case::new(vec![m]).run();
        assert!(found.iter().any(|c| c.rule == format!("duration:{}", name(rule.drug))), "{found:#?}");
    }
}

// ---- what a pharmacist expects caught first ---------------------------------------------------

#[test]
fn nitrate_with_pde5_inhibitor_is_critical() {
    let found = Case::new(vec![plain("Sildenafil"), plain("Isosorbide mononitrate")]).run();
    let f = &one(&found, FindingCategory::Interaction).finding;
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.medications, ["Sildenafil", "Isosorbide mononitrate"]);
    assert!(f.source.as_deref().unwrap().contains("Viagra"));
    assert!(f.rationale.contains("hypotension"));
    // Brand names are recognised too.
    let brands = Case::new(vec![plain("Viagra"), plain("GTN spray")]).run();
    assert_eq!(one(&brands, FindingCategory::Interaction).finding.severity, Severity::Critical);
}

#[test]
fn anticoagulants_with_nsaids_or_antiplatelets_bleed() {
    let found = Case::new(vec![plain("warfarin"), plain("ibuprofen")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::High);
    let found = Case::new(vec![plain("Eliquis"), plain("clopidogrel")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::High);
    let found = Case::new(vec![plain("warfarin"), plain("fluconazole")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::High);
    let found = Case::new(vec![plain("warfarin"), plain("Bactrim DS")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::High);
}

#[test]
fn statins_with_cyp3a4_inhibitors() {
    let found = Case::new(vec![plain("simvastatin"), plain("clarithromycin")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::Critical);
    let found = Case::new(vec![plain("atorvastatin"), plain("clarithromycin")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::Moderate);
    let found = Case::new(vec![plain("simvastatin"), plain("azithromycin")]).run();
    assert!(only(&found, FindingCategory::Interaction).is_empty(), "azithromycin does not inhibit CYP3A4: {found:#?}");
    let found = Case::new(vec![plain("simvastatin"), plain("gemfibrozil")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::Critical, "the most severe rule wins");
}

#[test]
fn serotonergic_combinations() {
    let found = Case::new(vec![plain("sertraline"), plain("phenelzine")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::Critical);
    let found = Case::new(vec![plain("tramadol"), plain("sertraline")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::Moderate);
    let found = Case::new(vec![plain("tramadol"), plain("selegiline")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::Critical);
    let found = Case::new(vec![plain("Prozac"), plain("Zoloft")]).run();
    assert_eq!(one(&found, FindingCategory::DuplicateTherapy).finding.severity, Severity::High);
}

#[test]
fn renin_angiotensin_and_potassium() {
    // A mineralocorticoid antagonist with an ACE inhibitor is heart-failure treatment: watched, not avoided.
    let found = Case::new(vec![plain("lisinopril"), plain("spironolactone")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::Moderate);
    let found = Case::new(vec![plain("lisinopril"), plain("amiloride")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::High);
    let found = Case::new(vec![plain("ramipril"), plain("losartan")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::High);
    let found = Case::new(vec![plain("amiloride"), plain("potassium chloride")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::High);
}

#[test]
fn opioids_with_benzodiazepines() {
    let found = Case::new(vec![plain("oxycodone"), plain("diazepam")]).run();
    let f = &one(&found, FindingCategory::Interaction).finding;
    assert_eq!(f.severity, Severity::High);
    assert!(f.source.as_deref().unwrap().contains("2016"));
}

#[test]
fn penicillin_allergy() {
    let found = Case::new(vec![plain("Amoxicillin")]).allergic_to(&["Penicillin (anaphylaxis)"]).run();
    let f = &one(&found, FindingCategory::Allergy).finding;
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.rationale.contains("Penicillin (anaphylaxis)"), "{}", f.rationale);
    let found = Case::new(vec![plain("Keflex")]).allergic_to(&["penicillin"]).run();
    assert_eq!(one(&found, FindingCategory::Allergy).finding.severity, Severity::Moderate);
    let found = Case::new(vec![plain("meropenem")]).allergic_to(&["penicillin"]).run();
    assert_eq!(one(&found, FindingCategory::Allergy).finding.severity, Severity::Low);
    let found = Case::new(vec![plain("azithromycin")]).allergic_to(&["penicillin"]).run();
    assert!(only(&found, FindingCategory::Allergy).is_empty());
    // An allergy to one penicillin covers the others, and the penicillin inside a combination.
    let found = Case::new(vec![plain("ampicillin")]).allergic_to(&["amoxicillin"]).run();
    assert_eq!(one(&found, FindingCategory::Allergy).finding.severity, Severity::High);
    let found = Case::new(vec![plain("Augmentin")]).allergic_to(&["amoxicillin"]).run();
    assert_eq!(one(&found, FindingCategory::Allergy).finding.severity, Severity::Critical);
}

#[test]
fn other_class_allergies() {
    let found = Case::new(vec![plain("Bactrim")]).allergic_to(&["Sulfa"]).run();
    assert_eq!(one(&found, FindingCategory::Allergy).finding.severity, Severity::Critical);
    let found = Case::new(vec![plain("ibuprofen")]).allergic_to(&["aspirin"]).run();
    assert_eq!(one(&found, FindingCategory::Allergy).finding.severity, Severity::High);
    let found = Case::new(vec![plain("enalapril")]).allergic_to(&["lisinopril (angioedema)"]).run();
    assert_eq!(one(&found, FindingCategory::Allergy).finding.severity, Severity::Critical);
    let found = Case::new(vec![plain("ibuprofen")]).allergic_to(&["latex", "peanuts"]).run();
    assert!(only(&found, FindingCategory::Allergy).is_empty());
}

#[test]
fn hidden_acetaminophen_adds_up() {
    let found =
        Case::new(vec![med("Percocet", "5/325 mg", "every 4 hours as needed"), med("Paracetamol", "1 g", "four times daily")]).run();
    let dup = one(&found, FindingCategory::DuplicateTherapy);
    assert_eq!(dup.rule, "same-ingredient");
    assert_eq!(dup.finding.severity, Severity::High);
    let dose = &one(&found, FindingCategory::Dose).finding;
    assert_eq!(dose.severity, Severity::High);
    assert_eq!(dose.medications, ["Percocet", "Paracetamol"]);
    assert!(dose.rationale.contains("5950 mg a day"), "{}", dose.rationale);
    assert!(dose.rationale.contains("4000 mg"), "{}", dose.rationale);
}

#[test]
fn daily_doses() {
    let over = Case::new(vec![med("Tylenol", "1 g", "q4h")]).run();
    assert!(one(&over, FindingCategory::Dose).finding.rationale.contains("6000 mg a day"));
    for (strength, frequency) in [("1 g", "four times daily"), ("2 x 500 mg", "every 6 hours"), ("500 mg", "every 4-6 hours")] {
        let ok = Case::new(vec![med("paracetamol", strength, frequency)]).run();
        assert!(only(&ok, FindingCategory::Dose).is_empty(), "{strength} {frequency}: {ok:#?}");
        assert!(only(&ok, FindingCategory::MissingInformation).is_empty(), "{strength} {frequency}: {ok:#?}");
    }
    let found = Case::new(vec![med("ibuprofen", "800 mg", "every 4 hours")]).run();
    assert_eq!(one(&found, FindingCategory::Dose).finding.severity, Severity::High);
    let found = Case::new(vec![med("simvastatin", "80 mg", "at night")]).run();
    assert_eq!(one(&found, FindingCategory::Dose).finding.severity, Severity::Moderate);
    // A combination whose parts are written out is checked part by part.
    let ok = Case::new(vec![med("paracetamol and codeine", "500/30 mg", "q6h")]).run();
    assert!(only(&ok, FindingCategory::Dose).is_empty() && only(&ok, FindingCategory::MissingInformation).is_empty(), "{ok:#?}");
}

#[test]
fn intravenous_and_oral_acetaminophen_add_up_but_topical_routes_do_not() {
    let found = Case::new(vec![routed(med("Ofirmev", "1 g", "every 6 hours"), Route::Iv), med("co-codamol", "2 x 30/500 mg", "qid")]).run();
    assert!(one(&found, FindingCategory::Dose).finding.rationale.contains("8000 mg a day"));
    let found = Case::new(vec![routed(med("diclofenac gel", "50 mg", "four times daily"), Route::Topical), plain("ibuprofen")]).run();
    assert!(only(&found, FindingCategory::DuplicateTherapy).is_empty(), "{found:#?}");
    assert!(only(&found, FindingCategory::Dose).is_empty(), "{found:#?}");
}

#[test]
fn methotrexate_daily_instead_of_weekly_is_critical() {
    let found = Case::new(vec![med("methotrexate", "7.5 mg", "daily")]).run();
    let f = &one(&found, FindingCategory::Dose).finding;
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.rationale.contains("52.5 mg a week"), "{}", f.rationale);
    let ok = Case::new(vec![med("methotrexate", "7.5 mg", "once weekly")]).run();
    assert!(only(&ok, FindingCategory::Dose).is_empty());
}

#[test]
fn citalopram_limit_depends_on_age() {
    let drug = || vec![med("citalopram", "40 mg", "once daily")];
    let old = Case::new(drug()).aged(Some(70)).run();
    let f = &one(&old, FindingCategory::Dose).finding;
    assert_eq!(f.severity, Severity::High);
    assert!(f.rationale.contains("maximum of 20 mg"), "{}", f.rationale);
    assert!(only(&Case::new(drug()).aged(Some(40)).run(), FindingCategory::Dose).is_empty());
    assert!(only(&Case::new(drug()).aged(None).run(), FindingCategory::Dose).is_empty());
    let much = Case::new(vec![med("citalopram", "60 mg", "once daily")]).aged(Some(70)).run();
    assert!(one(&much, FindingCategory::Dose).finding.rationale.contains("maximum of 20 mg"), "the strictest limit is reported once");
}

#[test]
fn what_cannot_be_read_is_missing_information() {
    let found = Case::new(vec![plain("Unobtainium")]).run();
    let f = &one(&found, FindingCategory::MissingInformation).finding;
    assert_eq!((f.severity, f.medications.as_slice()), (Severity::Info, ["Unobtainium".to_string()].as_slice()));

    for (strength, frequency, why) in [
        ("5 ml", "four times daily", "is not an amount"),
        ("15 mg/kg", "q6h", "weight"),
        ("500 mg", "as needed", "without an interval"),
        ("500 mg", "bid or tid", "more than one frequency"),
        ("500 mg", "see chart", "not understood"),
    ] {
        let found = Case::new(vec![med("paracetamol", strength, frequency)]).run();
        let f = &one(&found, FindingCategory::MissingInformation).finding;
        assert_eq!(f.severity, Severity::Low);
        assert!(f.rationale.contains(why), "{strength} {frequency}: {}", f.rationale);
        assert!(only(&found, FindingCategory::Dose).is_empty());
    }
    // A combination needs each part's amount.
    let found = Case::new(vec![med("co-codamol", "500 mg", "qid")]).run();
    assert!(one(&found, FindingCategory::MissingInformation).finding.rationale.contains("each of its ingredients"));
    // No limit, nothing to miss.
    let found = Case::new(vec![med("warfarin", "as per INR", "as directed")]).run();
    assert!(found.is_empty(), "{found:#?}");
    // No clinical record: allergy and condition checks could not run.
    let mut case = Case::new(vec![plain("ibuprofen")]);
    case.allergies = None;
    assert_eq!(one(&case.run(), FindingCategory::MissingInformation).rule, "missing:clinical");
}

#[test]
fn ketorolac_course_longer_than_five_days() {
    let mut m = med("Toradol", "10 mg", "every 6 hours");
    m.duration_days = 7;
    let found = Case::new(vec![m]).run();
    let f = &one(&found, FindingCategory::Dose).finding;
    assert_eq!(f.severity, Severity::High);
    assert!(f.rationale.contains("5 days"));
}

#[test]
fn conditions() {
    let found = Case::new(vec![plain("propranolol")]).with_conditions(&["Asthma"]).run();
    assert_eq!(one(&found, FindingCategory::Contraindication).finding.severity, Severity::High);
    let found = Case::new(vec![plain("lisinopril")]).with_conditions(&["pregnant (20 weeks)"]).run();
    assert_eq!(one(&found, FindingCategory::Contraindication).finding.severity, Severity::Critical);
    let found = Case::new(vec![plain("naproxen")]).with_conditions(&["History of duodenal ulcer"]).run();
    assert_eq!(one(&found, FindingCategory::Contraindication).finding.severity, Severity::High);
    let found = Case::new(vec![plain("bisoprolol")]).with_conditions(&["asthma"]).run();
    assert!(only(&found, FindingCategory::Contraindication).is_empty());
}

#[test]
fn duplicates() {
    let found = Case::new(vec![plain("ibuprofen"), plain("Naprosyn")]).run();
    let f = one(&found, FindingCategory::DuplicateTherapy);
    assert_eq!((f.rule.as_str(), f.finding.severity), ("class-duplicate:nsaids", Severity::High));
    let found = Case::new(vec![plain("Lipitor"), plain("atorvastatin")]).run();
    assert_eq!(one(&found, FindingCategory::DuplicateTherapy).rule, "same-ingredient");
    // Dual antiplatelet therapy is usually intended: not a duplicate.
    let found = Case::new(vec![plain("aspirin"), plain("clopidogrel")]).run();
    assert!(only(&found, FindingCategory::DuplicateTherapy).is_empty());
    let found = Case::new(vec![plain("Percocet"), plain("tramadol")]).run();
    assert_eq!(one(&found, FindingCategory::DuplicateTherapy).rule, "class-duplicate:opioids");
}

#[test]
fn findings_come_most_severe_first_and_name_a_source() {
    let found =
        Case::new(vec![plain("ibuprofen"), plain("Unobtainium"), plain("warfarin"), plain("naproxen")]).allergic_to(&["penicillin"]).run();
    let severities: Vec<Severity> = found.iter().map(|c| c.finding.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(severities, sorted);
    assert!(found.len() >= 4, "{found:#?}");
    assert!(
        found.iter().filter(|c| c.finding.category != FindingCategory::MissingInformation).all(|c| c.finding.source.is_some()),
        "{found:#?}"
    );
}

#[test]
fn a_clean_prescription_has_no_findings() {
    let found = Case::new(vec![med("amoxicillin", "500 mg", "three times daily"), med("paracetamol", "1 g", "qds prn")])
        .allergic_to(&["latex"])
        .with_conditions(&["asthma"])
        .run();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_same_drug_twice_is_a_duplicate_not_an_interaction() {
    // Amiodarone is in the QT class, whose members interact with each other.
    let found = Case::new(vec![plain("amiodarone"), plain("Cordarone")]).run();
    assert!(only(&found, FindingCategory::Interaction).is_empty(), "{found:#?}");
    assert_eq!(one(&found, FindingCategory::DuplicateTherapy).rule, "same-ingredient");
    let found = Case::new(vec![plain("amiodarone"), plain("sotalol")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::High);
}

#[test]
fn a_narrower_rule_speaks_for_a_pair_at_the_same_severity() {
    // Pimozide with clarithromycin matches pimozide with macrolides and pimozide with every strong
    // CYP3A4 inhibitor, both critical: the macrolide rule says more about this pair.
    let found = Case::new(vec![plain("pimozide"), plain("clarithromycin")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).rule, "interaction:pimozide-macrolide");
}

#[test]
fn findings_name_their_rule_and_what_each_medication_was_read_as() {
    let meds = vec![med("Augmentin 625", "500/125 mg", "twice daily"), med("Zorbafix", "5 mg", "once daily")];
    let allergies = vec!["penicillin".to_string()];
    let input = CheckInput {
        medications: &meds,
        allergies: Some(&allergies),
        conditions: &[],
        age: Some(40),
        pregnancy_noted_on: None,
        egfr: None,
        today: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date"),
    };
    let found = super::check(pack(), &input);
    let allergy = found.iter().find(|f| f.category == FindingCategory::Allergy).expect("the penicillin allergy");
    assert_eq!(allergy.rule.as_deref(), Some("allergy:direct"));
    assert_eq!(allergy.medications, ["Augmentin 625"]);
    assert_eq!(allergy.resolved, ["amoxicillin + clavulanate"]);
    let unknown = found.iter().find(|f| f.medications == ["Zorbafix"]).expect("the unknown drug");
    assert_eq!((unknown.rule.as_deref(), unknown.resolved.as_slice()), (Some("missing:unknown-drug"), &[String::new()][..]));
}

#[test]
fn eye_drops_and_creams_act_where_they_are_put() {
    // Moxifloxacin and ondansetron are both known to prolong the QT interval when taken by mouth.
    let drops = routed(med("Moxifloxacin 0.5% eye drops", "1 drop", "three times daily"), Route::Other);
    let found = Case::new(vec![drops, plain("ondansetron")]).run();
    assert!(only(&found, FindingCategory::Interaction).is_empty(), "{found:#?}");
    let found = Case::new(vec![plain("moxifloxacin"), plain("ondansetron")]).run();
    assert_eq!(one(&found, FindingCategory::Interaction).finding.severity, Severity::High);
}
