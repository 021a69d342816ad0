//! The shipped rule pack: drugs and their names, classes and their members, interacting pairs,
//! dose limits, allergy cross-matches, drug-condition rules, and the patient-context rules (age,
//! pregnancy, kidney function), read from every TOML file under `rules/` (embedded at compile
//! time; see `rules/README.md` for the tables) and checked when loaded, so that a rule naming a
//! drug or class that does not exist, a class member that does not resolve, a duplicate pair or a
//! rule without a source stops the analyzer from starting rather than silently never firing.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use hms_core::{Route, Severity};
use serde::Deserialize;

use crate::error::Error;

mod files {
    include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));
}

/// Every file of the shipped pack: its path under `rules/` and its text.
pub fn shipped_files() -> &'static [(&'static str, &'static str)] {
    files::FILES
}

/// Index of a drug in [`RulePack::drugs`].
pub type DrugIx = usize;
/// Index of a class in [`RulePack::classes`].
pub type ClassIx = usize;

/// A drug or a class, as a rule names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// One drug.
    Drug(DrugIx),
    /// Every drug of a class.
    Class(ClassIx),
}

/// A drug (or a combination product) of the pack.
#[derive(Debug, Clone)]
pub struct Drug {
    /// Generic name, used in findings.
    pub name: String,
    /// Other names it may be written as (normalised).
    pub aliases: Vec<String>,
    /// The classes it belongs to (for a combination, its components' classes).
    pub classes: Vec<ClassIx>,
    /// The active ingredients: the components of a combination, else the drug itself.
    pub ingredients: Vec<DrugIx>,
    /// Where its identity comes from.
    pub source: String,
}

/// What a class says about an allergy to one of its members.
#[derive(Debug, Clone)]
pub struct ClassAllergy {
    /// How serious giving another member is.
    pub severity: Severity,
    /// Why.
    pub rationale: String,
    /// Where the rule comes from.
    pub source: String,
}

/// What a class says about two of its members in one prescription.
#[derive(Debug, Clone)]
pub struct ClassDuplicate {
    /// How serious.
    pub severity: Severity,
    /// Why.
    pub rationale: String,
    /// What to do.
    pub action: String,
    /// Where the rule comes from.
    pub source: String,
}

/// A drug class.
#[derive(Debug, Clone)]
pub struct DrugClass {
    /// Identifier (plural, e.g. `penicillins`).
    pub id: String,
    /// How records may name the whole class (normalised).
    pub aliases: Vec<String>,
    /// Where the membership comes from.
    pub source: String,
    /// Allergy to one member means allergy to all, when set.
    pub allergy: Option<ClassAllergy>,
    /// Two different members are a problem, when set.
    pub duplicate: Option<ClassDuplicate>,
}

/// A clinically major interacting pair.
#[derive(Debug, Clone)]
pub struct Interaction {
    /// Stable identifier.
    pub id: String,
    /// One side.
    pub a: Target,
    /// The other side.
    pub b: Target,
    /// How serious.
    pub severity: Severity,
    /// Why they interact.
    pub mechanism: String,
    /// What to do.
    pub management: String,
    /// Where the rule comes from.
    pub source: String,
    /// The rule applies from this age (when the age is known), e.g. a Beers pair.
    pub min_age: Option<u32>,
}

/// The period a dose limit is counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// 24 hours.
    Day,
    /// Seven days.
    Week,
}

/// A maximum dose of one drug over a period.
#[derive(Debug, Clone)]
pub struct MaxDose {
    /// The drug (doses of every medication containing it add up).
    pub drug: DrugIx,
    /// The routes whose doses count.
    pub routes: Vec<Route>,
    /// The most milligrams in the period.
    pub max_mg: f64,
    /// The period.
    pub per: Period,
    /// The limit applies from this age (when the age is known).
    pub min_age: Option<u32>,
    /// How serious exceeding it is.
    pub severity: Severity,
    /// What else to consider.
    pub note: Option<String>,
    /// Where the limit comes from.
    pub source: String,
}

/// A longest course of one drug.
#[derive(Debug, Clone)]
pub struct MaxDuration {
    /// The drug.
    pub drug: DrugIx,
    /// The most days.
    pub days: u16,
    /// How serious exceeding it is.
    pub severity: Severity,
    /// Where the limit comes from.
    pub source: String,
}

/// An allergy cross-match beyond a class's own members.
#[derive(Debug, Clone)]
pub struct CrossReactivity {
    /// What the patient is allergic to.
    pub allergy: Target,
    /// What may cross-react.
    pub matches: Target,
    /// How serious giving it is.
    pub severity: Severity,
    /// Why.
    pub rationale: String,
    /// What to do.
    pub action: String,
    /// Where the rule comes from.
    pub source: String,
}

/// A condition and how records name it.
#[derive(Debug, Clone)]
pub struct Condition {
    /// Identifier.
    pub id: String,
    /// Names (normalised), matched as whole words.
    pub aliases: Vec<String>,
    /// Whether a past episode counts ("history of falls"); otherwise a historical mention does not match.
    pub history_counts: bool,
}

/// A drug or class unsuitable for a condition.
#[derive(Debug, Clone)]
pub struct Contraindication {
    /// Stable identifier.
    pub id: String,
    /// The drug or class.
    pub drug: Target,
    /// Index into [`RulePack::conditions`].
    pub condition: usize,
    /// How serious.
    pub severity: Severity,
    /// Why.
    pub rationale: String,
    /// What to do.
    pub action: String,
    /// Where the rule comes from.
    pub source: String,
    /// The rule applies from this age (when the age is known), e.g. a Beers drug-disease pair.
    pub min_age: Option<u32>,
}

/// A drug or class to avoid from an age (AGS Beers Criteria).
#[derive(Debug, Clone)]
pub struct ElderlyRule {
    /// Stable identifier.
    pub id: String,
    /// The drug or class.
    pub drug: Target,
    /// The rule applies from this age (when the age is known).
    pub min_age: u32,
    /// Only above this total daily dose in mg (a single drug only).
    pub above_mg: Option<f64>,
    /// Only for courses longer than this many days.
    pub longer_than_days: Option<u16>,
    /// How serious.
    pub severity: Severity,
    /// Why.
    pub rationale: String,
    /// What to do.
    pub action: String,
    /// Where the rule comes from.
    pub source: String,
}

/// Too many medications of some classes together, from an age (e.g. three or more CNS-active drugs).
#[derive(Debug, Clone)]
pub struct ElderlyCount {
    /// Stable identifier.
    pub id: String,
    /// The drugs and classes that count.
    pub targets: Vec<Target>,
    /// How many distinct medications make a finding.
    pub at_least: usize,
    /// The rule applies from this age (when the age is known).
    pub min_age: u32,
    /// How serious.
    pub severity: Severity,
    /// Why.
    pub rationale: String,
    /// What to do.
    pub action: String,
    /// Where the rule comes from.
    pub source: String,
}

/// A drug or class to avoid in pregnancy.
#[derive(Debug, Clone)]
pub struct PregnancyRule {
    /// Stable identifier.
    pub id: String,
    /// The drug or class.
    pub drug: Target,
    /// How serious.
    pub severity: Severity,
    /// Why.
    pub rationale: String,
    /// What to do.
    pub action: String,
    /// Where the rule comes from.
    pub source: String,
}

/// A limit by kidney function: below an eGFR (and at or above another), the drug is to be avoided,
/// or its daily dose is limited.
#[derive(Debug, Clone)]
pub struct RenalRule {
    /// Stable identifier.
    pub id: String,
    /// The drug or class (a single drug when there is a dose limit).
    pub drug: Target,
    /// Applies when the eGFR is below this (mL/min/1.73 m²).
    pub egfr_below: f64,
    /// And at or above this.
    pub egfr_at_least: Option<f64>,
    /// The most milligrams a day in this band; without it the drug itself is flagged.
    pub max_mg: Option<f64>,
    /// How serious.
    pub severity: Severity,
    /// Why.
    pub rationale: String,
    /// What to do.
    pub action: String,
    /// Where the rule comes from.
    pub source: String,
}

/// The rule for one ingredient in two medications.
#[derive(Debug, Clone)]
pub struct SameIngredient {
    /// How serious.
    pub severity: Severity,
    /// Why.
    pub rationale: String,
    /// What to do.
    pub action: String,
    /// Where the rule comes from.
    pub source: String,
}

/// The whole rule pack, validated, with its name indexes.
#[derive(Debug)]
pub struct RulePack {
    drugs: Vec<Drug>,
    classes: Vec<DrugClass>,
    interactions: Vec<Interaction>,
    max_doses: Vec<MaxDose>,
    max_durations: Vec<MaxDuration>,
    cross_reactivity: Vec<CrossReactivity>,
    conditions: Vec<Condition>,
    contraindications: Vec<Contraindication>,
    elderly: Vec<ElderlyRule>,
    elderly_counts: Vec<ElderlyCount>,
    pregnancy: Vec<PregnancyRule>,
    renal: Vec<RenalRule>,
    same_ingredient: SameIngredient,
    drug_names: HashMap<String, DrugIx>,
    class_names: HashMap<String, ClassIx>,
    class_sizes: Vec<usize>,
    longest_name: usize,
}

/// Lower-case, with every run of characters other than letters and digits made one space, and
/// letters and digits that touch set apart (`500mg` is `500 mg`, `B12` is `b 12`).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut last: Option<char> = None;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if let Some(l) = last
                && l.is_alphanumeric()
                && l.is_numeric() != c.is_numeric()
            {
                out.push(' ');
            }
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        last = Some(c);
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

// ---- the files as written -------------------------------------------------------------------

/// One file of the pack: any of the tables, each optional.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    drug: Vec<RawDrug>,
    #[serde(default)]
    names: Vec<RawNames>,
    #[serde(default)]
    class: Vec<RawClass>,
    #[serde(default)]
    interaction: Vec<RawInteraction>,
    #[serde(default)]
    max_dose: Vec<RawMaxDose>,
    #[serde(default)]
    max_duration: Vec<RawMaxDuration>,
    #[serde(default)]
    cross_reactivity: Vec<RawCross>,
    #[serde(default)]
    condition: Vec<RawCondition>,
    #[serde(default)]
    contraindication: Vec<RawContraindication>,
    #[serde(default)]
    elderly: Vec<RawElderly>,
    #[serde(default)]
    elderly_count: Vec<RawElderlyCount>,
    #[serde(default)]
    pregnancy: Vec<RawPregnancy>,
    #[serde(default)]
    renal: Vec<RawRenal>,
    same_ingredient: Option<RawSameIngredient>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDrug {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    classes: Vec<String>,
    #[serde(default)]
    components: Vec<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNames {
    drug: String,
    aliases: Vec<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClass {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    members: Vec<String>,
    source: String,
    allergy: Option<RawClassAllergy>,
    duplicate: Option<RawClassDuplicate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClassAllergy {
    severity: String,
    rationale: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClassDuplicate {
    severity: String,
    rationale: String,
    action: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInteraction {
    id: String,
    a: String,
    b: String,
    severity: String,
    mechanism: String,
    management: String,
    source: String,
    min_age: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMaxDose {
    drug: String,
    routes: Vec<String>,
    max_mg: f64,
    per: Period,
    min_age: Option<u32>,
    severity: String,
    note: Option<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMaxDuration {
    drug: String,
    days: u16,
    severity: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCross {
    allergy: String,
    matches: String,
    severity: String,
    rationale: String,
    action: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    id: String,
    aliases: Vec<String>,
    #[serde(default)]
    history_counts: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContraindication {
    id: String,
    drug: String,
    condition: String,
    severity: String,
    rationale: String,
    action: String,
    source: String,
    min_age: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawElderly {
    id: String,
    drug: String,
    min_age: u32,
    above_mg: Option<f64>,
    longer_than_days: Option<u16>,
    severity: String,
    rationale: String,
    action: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawElderlyCount {
    id: String,
    classes: Vec<String>,
    at_least: usize,
    min_age: u32,
    severity: String,
    rationale: String,
    action: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPregnancy {
    id: String,
    drug: String,
    severity: String,
    rationale: String,
    action: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRenal {
    id: String,
    drug: String,
    egfr_below: f64,
    egfr_at_least: Option<f64>,
    max_mg: Option<f64>,
    severity: String,
    rationale: String,
    action: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSameIngredient {
    severity: String,
    rationale: String,
    action: String,
    source: String,
}

// ---- loading --------------------------------------------------------------------------------

/// Collects every problem found while loading, so that one run reports them all.
struct Problems(Vec<String>);

impl Problems {
    fn text(&mut self, what: &str, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.0.push(format!("{what}: {field} is empty"));
        }
    }

    fn severity(&mut self, what: &str, value: &str) -> Severity {
        value.parse().unwrap_or_else(|_| {
            self.0.push(format!("{what}: severity `{value}` is not one of info, low, moderate, high, critical"));
            Severity::Info
        })
    }

    /// Checks the three texts every rule has, and reads its severity.
    fn rule(&mut self, what: &str, severity: &str, texts: [(&str, &str); 3]) -> Severity {
        for (field, value) in texts {
            self.text(what, field, value);
        }
        self.severity(what, severity)
    }
}

/// A drug as declared, possibly in several files (identical names merge).
struct Declared {
    name: String,
    aliases: Vec<String>,
    classes: Vec<String>,
    components: Vec<String>,
    sources: Vec<String>,
}

impl RulePack {
    /// The pack shipped with this crate, loaded and checked once; the same error on every call when invalid.
    pub fn shipped() -> Result<&'static RulePack, Error> {
        static PACK: OnceLock<Result<RulePack, String>> = OnceLock::new();
        match PACK.get_or_init(|| RulePack::from_files(shipped_files()).map_err(|e| e.to_string())) {
            Ok(pack) => Ok(pack),
            Err(e) => Err(Error::Rules(e.clone())),
        }
    }

    /// Loads and checks a pack from its files (path, text); any file may hold any of the tables.
    pub fn from_files(files: &[(&str, &str)]) -> Result<RulePack, Error> {
        let mut all = RawFile::default();
        let mut same_ingredient = None;
        let mut p = Problems(Vec::new());
        for (path, text) in files {
            let file: RawFile = toml::from_str(text).map_err(|e| Error::Rules(format!("{path}: {e}")))?;
            all.drug.extend(file.drug);
            all.names.extend(file.names);
            all.class.extend(file.class);
            all.interaction.extend(file.interaction);
            all.max_dose.extend(file.max_dose);
            all.max_duration.extend(file.max_duration);
            all.cross_reactivity.extend(file.cross_reactivity);
            all.condition.extend(file.condition);
            all.contraindication.extend(file.contraindication);
            all.elderly.extend(file.elderly);
            all.elderly_count.extend(file.elderly_count);
            all.pregnancy.extend(file.pregnancy);
            all.renal.extend(file.renal);
            if let Some(g) = file.same_ingredient {
                if same_ingredient.is_some() {
                    p.0.push(format!("{path}: [same_ingredient] is defined in more than one file"));
                }
                same_ingredient = Some(g);
            }
        }
        let Some(general) = same_ingredient else {
            return Err(Error::Rules("no file defines [same_ingredient]".into()));
        };

        // Classes first: drugs refer to them.
        let mut class_ids: HashMap<String, ClassIx> = HashMap::new();
        let mut class_names: HashMap<String, ClassIx> = HashMap::new();
        let mut out_classes = Vec::with_capacity(all.class.len());
        let mut class_members: Vec<(ClassIx, Vec<String>)> = Vec::new();
        for (ix, c) in all.class.into_iter().enumerate() {
            let what = format!("class {}", c.id);
            p.text(&what, "source", &c.source);
            if class_ids.insert(c.id.clone(), ix).is_some() {
                p.0.push(format!("{what}: defined twice"));
            }
            let aliases: Vec<String> = c.aliases.iter().map(|a| name_key(a)).filter(|a| !a.is_empty()).collect();
            for a in &aliases {
                if let Some(other) = class_names.insert(a.clone(), ix)
                    && other != ix
                {
                    p.0.push(format!("{what}: alias `{a}` is used by another class"));
                }
            }
            let allergy = c.allergy.map(|a| {
                p.text(&what, "allergy.rationale", &a.rationale);
                p.text(&what, "allergy.source", &a.source);
                ClassAllergy { severity: p.severity(&what, &a.severity), rationale: a.rationale, source: a.source }
            });
            let duplicate = c.duplicate.map(|d| {
                p.text(&what, "duplicate.rationale", &d.rationale);
                p.text(&what, "duplicate.action", &d.action);
                p.text(&what, "duplicate.source", &d.source);
                ClassDuplicate { severity: p.severity(&what, &d.severity), rationale: d.rationale, action: d.action, source: d.source }
            });
            class_members.push((ix, c.members));
            out_classes.push(DrugClass { id: c.id, aliases, source: c.source, allergy, duplicate });
        }

        // Drugs: one declaration per drug, then every name and alias. Declarations with the same
        // name merge, and so do combinations of the same ingredients under different names (the
        // later name becomes an alias).
        let mut single: HashMap<String, String> = HashMap::new();
        for d in all.drug.iter().filter(|d| d.components.is_empty()) {
            for n in std::iter::once(&d.name).chain(&d.aliases) {
                single.entry(name_key(n)).or_insert_with(|| d.name.clone());
            }
        }
        let ingredients_of = |components: &[String]| -> Vec<String> {
            let mut set: Vec<String> =
                components.iter().map(|c| single.get(&name_key(c)).cloned().unwrap_or_else(|| name_key(c))).collect();
            set.sort();
            set.dedup();
            set
        };
        let mut declared: Vec<Declared> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut by_ingredients: HashMap<Vec<String>, usize> = HashMap::new();
        for mut d in all.drug {
            let set = ingredients_of(&d.components);
            let existing = by_name.get(&d.name).copied().or_else(|| if set.is_empty() { None } else { by_ingredients.get(&set).copied() });
            match existing {
                Some(ix) => {
                    let prev = &mut declared[ix];
                    if ingredients_of(&prev.components) != set {
                        p.0.push(format!("drug {}: declared twice with different components", d.name));
                    }
                    if d.name != prev.name {
                        d.aliases.push(d.name.clone());
                        by_name.insert(d.name.clone(), ix);
                    }
                    prev.aliases.extend(d.aliases);
                    prev.classes.extend(d.classes);
                    if !prev.sources.contains(&d.source) {
                        prev.sources.push(d.source);
                    }
                }
                None => {
                    by_name.insert(d.name.clone(), declared.len());
                    if !set.is_empty() {
                        by_ingredients.insert(set, declared.len());
                    }
                    declared.push(Declared {
                        name: d.name,
                        aliases: d.aliases,
                        classes: d.classes,
                        components: d.components,
                        sources: vec![d.source],
                    });
                }
            }
        }
        let mut drug_names: HashMap<String, DrugIx> = HashMap::new();
        let add_name = |p: &mut Problems, drug_names: &mut HashMap<String, DrugIx>, declared: &[Declared], ix: DrugIx, name: &str| {
            let n = name_key(name);
            if n.is_empty() {
                p.0.push(format!("drug {}: an empty name or alias", declared[ix].name));
            } else if let Some(other) = drug_names.insert(n.clone(), ix)
                && other != ix
            {
                p.0.push(format!("drug {}: name `{n}` is also used by drug {}", declared[ix].name, declared[other].name));
            }
            if class_ids.contains_key(&n) {
                p.0.push(format!("drug {}: name `{n}` is also a class id", declared[ix].name));
            }
        };
        for (ix, d) in declared.iter().enumerate() {
            for name in std::iter::once(&d.name).chain(&d.aliases) {
                add_name(&mut p, &mut drug_names, &declared, ix, name);
            }
        }
        for n in &all.names {
            let what = format!("names for {}", n.drug);
            p.text(&what, "source", &n.source);
            match by_name.get(&n.drug).copied().or_else(|| drug_names.get(&name_key(&n.drug)).copied()) {
                Some(ix) => {
                    for a in &n.aliases {
                        add_name(&mut p, &mut drug_names, &declared, ix, a);
                        declared[ix].aliases.push(a.clone());
                    }
                }
                None => p.0.push(format!("{what}: unknown drug `{}`", n.drug)),
            }
        }
        let mut out_drugs = Vec::with_capacity(declared.len());
        for (ix, d) in declared.iter().enumerate() {
            let what = format!("drug {}", d.name);
            for s in &d.sources {
                p.text(&what, "source", s);
            }
            let mut classes = Vec::new();
            for c in &d.classes {
                match class_ids.get(c) {
                    Some(&cx) if !classes.contains(&cx) => classes.push(cx),
                    Some(_) => {}
                    None => p.0.push(format!("{what}: unknown class `{c}`")),
                }
            }
            let mut ingredients = Vec::new();
            for c in &d.components {
                match drug_names.get(&name_key(c)) {
                    Some(&cx) if declared[cx].components.is_empty() && cx != ix => ingredients.push(cx),
                    Some(_) => p.0.push(format!("{what}: component `{c}` must be a single drug")),
                    None => p.0.push(format!("{what}: unknown component `{c}`")),
                }
            }
            if !d.components.is_empty() && !d.classes.is_empty() {
                p.0.push(format!("{what}: a combination takes its classes from its components"));
            }
            if !d.components.is_empty() && ingredients.len() < 2 {
                p.0.push(format!("{what}: a combination needs at least two components"));
            }
            if ingredients.is_empty() {
                ingredients.push(ix);
            }
            let mut aliases: Vec<String> = d.aliases.iter().map(|a| name_key(a)).collect();
            aliases.sort();
            aliases.dedup();
            out_drugs.push(Drug { name: d.name.clone(), aliases, classes, ingredients, source: d.sources.join("; ") });
        }
        // Members listed on a class.
        for (cx, members) in class_members {
            for m in members {
                match drug_names.get(&name_key(&m)) {
                    Some(&dx) if out_drugs[dx].ingredients == [dx] => {
                        if !out_drugs[dx].classes.contains(&cx) {
                            out_drugs[dx].classes.push(cx);
                        }
                    }
                    Some(_) => p.0.push(format!("class {}: member `{m}` must be a single drug, not a combination", out_classes[cx].id)),
                    None => p.0.push(format!("class {}: member `{m}` is not a drug of the pack", out_classes[cx].id)),
                }
            }
        }
        // A combination belongs to its components' classes.
        for ix in 0..out_drugs.len() {
            if out_drugs[ix].ingredients != [ix] {
                let mut classes: Vec<ClassIx> = Vec::new();
                for &i in &out_drugs[ix].ingredients {
                    for &c in &out_drugs[i].classes {
                        if !classes.contains(&c) {
                            classes.push(c);
                        }
                    }
                }
                out_drugs[ix].classes = classes;
            }
        }
        for (cx, c) in out_classes.iter().enumerate() {
            if !out_drugs.iter().any(|d| d.ingredients.len() == 1 && d.classes.contains(&cx)) {
                p.0.push(format!("class {}: has no drug", c.id));
            }
        }

        let target = |p: &mut Problems, what: &str, name: &str| -> Option<Target> {
            if let Some(&cx) = class_ids.get(name) {
                Some(Target::Class(cx))
            } else if let Some(&dx) = drug_names.get(&name_key(name)) {
                Some(Target::Drug(dx))
            } else {
                p.0.push(format!("{what}: `{name}` is neither a drug nor a class"));
                None
            }
        };
        let single_drug = |p: &mut Problems, what: &str, name: &str| -> Option<DrugIx> {
            match drug_names.get(&name_key(name)) {
                Some(&dx) if out_drugs[dx].ingredients == [dx] => Some(dx),
                Some(_) => {
                    p.0.push(format!("{what}: `{name}` must be a single drug, not a combination"));
                    None
                }
                None => {
                    p.0.push(format!("{what}: unknown drug `{name}`"));
                    None
                }
            }
        };
        let mut seen_ids = HashSet::new();
        let mut new_id = |p: &mut Problems, what: &str, id: &str| {
            if id.trim().is_empty() {
                p.0.push(format!("{what}: id is empty"));
            } else if !seen_ids.insert(id.to_string()) {
                p.0.push(format!("{what}: id used twice"));
            }
        };

        let mut out_interactions = Vec::new();
        let mut pairs: HashMap<(Target, Target, Option<u32>), String> = HashMap::new();
        for r in all.interaction {
            let what = format!("interaction {}", r.id);
            new_id(&mut p, &what, &r.id);
            let severity = p.rule(&what, &r.severity, [("mechanism", &r.mechanism), ("management", &r.management), ("source", &r.source)]);
            if let (Some(a), Some(b)) = (target(&mut p, &what, &r.a), target(&mut p, &what, &r.b)) {
                let key = if a <= b { (a, b, r.min_age) } else { (b, a, r.min_age) };
                if let Some(other) = pairs.insert(key, r.id.clone()) {
                    p.0.push(format!("{what}: the pair is also interaction {other}"));
                }
                out_interactions.push(Interaction {
                    id: r.id,
                    a,
                    b,
                    severity,
                    mechanism: r.mechanism,
                    management: r.management,
                    source: r.source,
                    min_age: r.min_age,
                });
            }
        }

        let mut out_doses = Vec::new();
        for r in all.max_dose {
            let what = format!("max_dose {}", r.drug);
            p.text(&what, "source", &r.source);
            let severity = p.severity(&what, &r.severity);
            if !(r.max_mg.is_finite() && r.max_mg > 0.0) {
                p.0.push(format!("{what}: max_mg must be a positive number"));
            }
            let mut routes = Vec::new();
            for route in &r.routes {
                match route.parse::<Route>() {
                    Ok(route) => routes.push(route),
                    Err(_) => p.0.push(format!("{what}: unknown route `{route}`")),
                }
            }
            if routes.is_empty() {
                p.0.push(format!("{what}: needs at least one route"));
            }
            if let Some(drug) = single_drug(&mut p, &what, &r.drug) {
                out_doses.push(MaxDose {
                    drug,
                    routes,
                    max_mg: r.max_mg,
                    per: r.per,
                    min_age: r.min_age,
                    severity,
                    note: r.note,
                    source: r.source,
                });
            }
        }
        let mut out_durations = Vec::new();
        for r in all.max_duration {
            let what = format!("max_duration {}", r.drug);
            p.text(&what, "source", &r.source);
            let severity = p.severity(&what, &r.severity);
            if r.days == 0 {
                p.0.push(format!("{what}: days must be positive"));
            }
            if let Some(drug) = single_drug(&mut p, &what, &r.drug) {
                out_durations.push(MaxDuration { drug, days: r.days, severity, source: r.source });
            }
        }

        let mut out_cross = Vec::new();
        for r in all.cross_reactivity {
            let what = format!("cross_reactivity {} -> {}", r.allergy, r.matches);
            let severity = p.rule(&what, &r.severity, [("rationale", &r.rationale), ("action", &r.action), ("source", &r.source)]);
            if let (Some(allergy), Some(matches)) = (target(&mut p, &what, &r.allergy), target(&mut p, &what, &r.matches)) {
                out_cross.push(CrossReactivity { allergy, matches, severity, rationale: r.rationale, action: r.action, source: r.source });
            }
        }

        let mut out_conditions = Vec::new();
        let mut condition_ids = HashMap::new();
        for c in all.condition {
            if condition_ids.insert(c.id.clone(), out_conditions.len()).is_some() {
                p.0.push(format!("condition {}: defined twice", c.id));
            }
            let aliases: Vec<String> = c.aliases.iter().map(|a| normalize(a)).filter(|a| !a.is_empty()).collect();
            if aliases.is_empty() {
                p.0.push(format!("condition {}: needs at least one alias", c.id));
            }
            out_conditions.push(Condition { id: c.id, aliases, history_counts: c.history_counts });
        }
        let mut out_contra = Vec::new();
        for r in all.contraindication {
            let what = format!("contraindication {}", r.id);
            new_id(&mut p, &what, &r.id);
            let severity = p.rule(&what, &r.severity, [("rationale", &r.rationale), ("action", &r.action), ("source", &r.source)]);
            let condition = condition_ids.get(&r.condition).copied();
            if condition.is_none() {
                p.0.push(format!("{what}: unknown condition `{}`", r.condition));
            }
            if let (Some(drug), Some(condition)) = (target(&mut p, &what, &r.drug), condition) {
                out_contra.push(Contraindication {
                    id: r.id,
                    drug,
                    condition,
                    severity,
                    rationale: r.rationale,
                    action: r.action,
                    source: r.source,
                    min_age: r.min_age,
                });
            }
        }

        let mut out_elderly = Vec::new();
        for r in all.elderly {
            let what = format!("elderly {}", r.id);
            new_id(&mut p, &what, &r.id);
            let severity = p.rule(&what, &r.severity, [("rationale", &r.rationale), ("action", &r.action), ("source", &r.source)]);
            let drug = if r.above_mg.is_some() {
                if !r.above_mg.is_some_and(|mg| mg.is_finite() && mg > 0.0) {
                    p.0.push(format!("{what}: above_mg must be a positive number"));
                }
                single_drug(&mut p, &what, &r.drug).map(Target::Drug)
            } else {
                target(&mut p, &what, &r.drug)
            };
            if let Some(drug) = drug {
                out_elderly.push(ElderlyRule {
                    id: r.id,
                    drug,
                    min_age: r.min_age,
                    above_mg: r.above_mg,
                    longer_than_days: r.longer_than_days,
                    severity,
                    rationale: r.rationale,
                    action: r.action,
                    source: r.source,
                });
            }
        }
        let mut out_counts = Vec::new();
        for r in all.elderly_count {
            let what = format!("elderly_count {}", r.id);
            new_id(&mut p, &what, &r.id);
            let severity = p.rule(&what, &r.severity, [("rationale", &r.rationale), ("action", &r.action), ("source", &r.source)]);
            if r.at_least < 2 {
                p.0.push(format!("{what}: at_least must be 2 or more"));
            }
            let targets: Vec<Target> = r.classes.iter().filter_map(|c| target(&mut p, &what, c)).collect();
            if targets.is_empty() {
                p.0.push(format!("{what}: names no class"));
            }
            out_counts.push(ElderlyCount {
                id: r.id,
                targets,
                at_least: r.at_least,
                min_age: r.min_age,
                severity,
                rationale: r.rationale,
                action: r.action,
                source: r.source,
            });
        }
        let mut out_pregnancy = Vec::new();
        for r in all.pregnancy {
            let what = format!("pregnancy {}", r.id);
            new_id(&mut p, &what, &r.id);
            let severity = p.rule(&what, &r.severity, [("rationale", &r.rationale), ("action", &r.action), ("source", &r.source)]);
            if let Some(drug) = target(&mut p, &what, &r.drug) {
                out_pregnancy.push(PregnancyRule { id: r.id, drug, severity, rationale: r.rationale, action: r.action, source: r.source });
            }
        }
        let mut out_renal = Vec::new();
        for r in all.renal {
            let what = format!("renal {}", r.id);
            new_id(&mut p, &what, &r.id);
            let severity = p.rule(&what, &r.severity, [("rationale", &r.rationale), ("action", &r.action), ("source", &r.source)]);
            if !(r.egfr_below.is_finite() && r.egfr_below > 0.0) || r.egfr_at_least.is_some_and(|low| !(low >= 0.0 && low < r.egfr_below)) {
                p.0.push(format!("{what}: the eGFR band must satisfy 0 <= egfr_at_least < egfr_below"));
            }
            let drug = match r.max_mg {
                Some(mg) => {
                    if !(mg.is_finite() && mg > 0.0) {
                        p.0.push(format!("{what}: max_mg must be a positive number"));
                    }
                    single_drug(&mut p, &what, &r.drug).map(Target::Drug)
                }
                None => target(&mut p, &what, &r.drug),
            };
            if let Some(drug) = drug {
                out_renal.push(RenalRule {
                    id: r.id,
                    drug,
                    egfr_below: r.egfr_below,
                    egfr_at_least: r.egfr_at_least,
                    max_mg: r.max_mg,
                    severity,
                    rationale: r.rationale,
                    action: r.action,
                    source: r.source,
                });
            }
        }

        let severity = p.rule(
            "same_ingredient",
            &general.severity,
            [("rationale", &general.rationale), ("action", &general.action), ("source", &general.source)],
        );
        let same_ingredient = SameIngredient { severity, rationale: general.rationale, action: general.action, source: general.source };

        if !p.0.is_empty() {
            return Err(Error::Rules(p.0.join("; ")));
        }
        let longest_name = drug_names.keys().chain(class_names.keys()).map(|n| n.split(' ').count()).max().unwrap_or(1);
        let class_sizes = (0..out_classes.len())
            .map(|cx| out_drugs.iter().enumerate().filter(|(ix, d)| d.ingredients == [*ix] && d.classes.contains(&cx)).count())
            .collect();
        Ok(RulePack {
            drugs: out_drugs,
            classes: out_classes,
            interactions: out_interactions,
            max_doses: out_doses,
            max_durations: out_durations,
            cross_reactivity: out_cross,
            conditions: out_conditions,
            contraindications: out_contra,
            elderly: out_elderly,
            elderly_counts: out_counts,
            pregnancy: out_pregnancy,
            renal: out_renal,
            same_ingredient,
            drug_names,
            class_names,
            class_sizes,
            longest_name,
        })
    }

    /// Every drug.
    pub fn drugs(&self) -> &[Drug] {
        &self.drugs
    }

    /// Every class.
    pub fn classes(&self) -> &[DrugClass] {
        &self.classes
    }

    /// Every interacting pair, in file order.
    pub fn interactions(&self) -> &[Interaction] {
        &self.interactions
    }

    /// Every dose limit.
    pub fn max_doses(&self) -> &[MaxDose] {
        &self.max_doses
    }

    /// Every course-length limit.
    pub fn max_durations(&self) -> &[MaxDuration] {
        &self.max_durations
    }

    /// Every allergy cross-match.
    pub fn cross_reactivity(&self) -> &[CrossReactivity] {
        &self.cross_reactivity
    }

    /// Every condition.
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// Every drug-condition rule.
    pub fn contraindications(&self) -> &[Contraindication] {
        &self.contraindications
    }

    /// Every drug or class to avoid from an age.
    pub fn elderly(&self) -> &[ElderlyRule] {
        &self.elderly
    }

    /// Every "too many of these together" rule.
    pub fn elderly_counts(&self) -> &[ElderlyCount] {
        &self.elderly_counts
    }

    /// Every drug or class to avoid in pregnancy.
    pub fn pregnancy(&self) -> &[PregnancyRule] {
        &self.pregnancy
    }

    /// Every limit by kidney function.
    pub fn renal(&self) -> &[RenalRule] {
        &self.renal
    }

    /// What the pack knows, as Markdown: drugs and names, classes with their members, rules by kind.
    /// `cargo run -p hms-ai --example coverage` prints it; the crate's README shows it.
    pub fn coverage(&self) -> String {
        use std::fmt::Write;
        let single = self.drugs.iter().enumerate().filter(|(ix, d)| d.ingredients == [*ix]).count();
        let combinations = self.drugs.len() - single;
        let names = self.drugs.iter().map(|d| d.aliases.len()).sum::<usize>();
        let mut out = String::new();
        let _ = writeln!(out, "| what | count |\n|---|---:|");
        let _ = writeln!(out, "| drugs (single active ingredients) | {single} |");
        let _ = writeln!(out, "| combination products, split into their ingredients | {combinations} |");
        let _ = writeln!(out, "| other names: international spellings, salts, brands | {names} |");
        let _ = writeln!(out, "| names in all (every name and alias, each resolving to one drug) | {} |", self.drug_names.len());
        let _ = writeln!(out, "| classes | {} |", self.classes.len());
        let members: usize = self.classes.iter().enumerate().map(|(cx, _)| self.members(cx).len()).sum();
        let _ = writeln!(out, "| class memberships | {members} |");
        let high_priority = self.high_priority().count();
        let rows: [(&str, usize); 13] = [
            ("interacting pairs", self.interactions.iter().filter(|r| r.min_age.is_none()).count()),
            ("of which from the ONC high-priority lists", high_priority),
            ("interacting pairs from an age (Beers)", self.interactions.iter().filter(|r| r.min_age.is_some()).count()),
            ("too many of some classes together (Beers)", self.elderly_counts.len()),
            ("drugs to avoid from an age (Beers)", self.elderly.len()),
            ("drug-condition rules", self.contraindications.iter().filter(|r| r.min_age.is_none()).count()),
            ("drug-condition rules from an age (Beers)", self.contraindications.iter().filter(|r| r.min_age.is_some()).count()),
            ("conditions (with their synonyms)", self.conditions.len()),
            ("pregnancy rules", self.pregnancy.len()),
            ("kidney-function rules (eGFR bands)", self.renal.len()),
            ("maximum doses", self.max_doses.len()),
            ("longest courses", self.max_durations.len()),
            (
                "allergy rules (class-wide and cross-reactions)",
                self.cross_reactivity.len() + self.classes.iter().filter(|c| c.allergy.is_some()).count(),
            ),
        ];
        for (what, n) in rows {
            let _ = writeln!(out, "| {what} | {n} |");
        }
        let _ = writeln!(out, "\n| class | members |\n|---|---|");
        let mut classes: Vec<(usize, &DrugClass)> = self.classes.iter().enumerate().collect();
        classes.sort_by(|a, b| a.1.id.cmp(&b.1.id));
        for (cx, c) in classes {
            let mut names: Vec<&str> = self.members(cx).iter().map(|&d| self.drugs[d].name.as_str()).collect();
            names.sort_unstable();
            let _ = writeln!(out, "| {} ({}) | {} |", c.id, names.len(), names.join(", "));
        }
        out
    }

    /// The interactions of the ONC high-priority lists (their source says so).
    pub fn high_priority(&self) -> impl Iterator<Item = &Interaction> {
        self.interactions.iter().filter(|r| r.source.to_lowercase().contains("high-priority"))
    }

    /// How many single drugs a target covers: 1 for a drug, the members of a class. Of two rules
    /// for one pair at one severity, the narrower speaks (pimozide with macrolides rather than
    /// pimozide with every strong CYP3A4 inhibitor).
    pub fn breadth(&self, target: Target) -> usize {
        match target {
            Target::Drug(_) => 1,
            Target::Class(c) => self.class_sizes[c],
        }
    }

    /// Where each of `ingredients` is first named in `text` (a word index), when every one is
    /// named by one of its own names: the order a combination's strengths are written in.
    pub fn written_order(&self, text: &str, ingredients: &[DrugIx]) -> Option<Vec<usize>> {
        let words: Vec<String> = words(text).into_iter().filter(|w| !SEPARATORS.contains(&w.as_str())).collect();
        ingredients
            .iter()
            .map(|&i| {
                let d = &self.drugs[i];
                std::iter::once(name_key(&d.name))
                    .chain(d.aliases.iter().cloned())
                    .filter_map(|n| {
                        let n: Vec<&str> = n.split(' ').collect();
                        (0..words.len()).find(|&at| words[at..].iter().map(String::as_str).take(n.len()).eq(n.iter().copied()))
                    })
                    .min()
            })
            .collect()
    }

    /// The single drugs of a class.
    pub fn members(&self, class: ClassIx) -> Vec<DrugIx> {
        (0..self.drugs.len()).filter(|&d| self.drugs[d].ingredients == [d] && self.drugs[d].classes.contains(&class)).collect()
    }

    /// The same-ingredient rule.
    pub fn same_ingredient(&self) -> &SameIngredient {
        &self.same_ingredient
    }

    /// The drug with this exact (normalised) name or alias.
    pub fn drug_named(&self, name: &str) -> Option<DrugIx> {
        self.drug_names.get(&name_key(name)).copied()
    }

    /// The class with this id.
    pub fn class_id(&self, id: &str) -> Option<ClassIx> {
        self.classes.iter().position(|c| c.id == id)
    }

    /// Whether `target` covers the single drug `ingredient`.
    pub fn covers(&self, target: Target, ingredient: DrugIx) -> bool {
        match target {
            Target::Drug(d) => d == ingredient,
            Target::Class(c) => self.drugs[ingredient].classes.contains(&c),
        }
    }

    /// The name of a target, for findings.
    pub fn target_name(&self, target: Target) -> String {
        match target {
            Target::Drug(d) => self.drugs[d].name.clone(),
            Target::Class(c) => self.classes[c].id.replace('_', " "),
        }
    }

    /// The drugs named in a medication name such as `Tylenol 500 mg` or `paracetamol and codeine`,
    /// found by the longest known name at each word, left to right.
    pub fn find_drugs(&self, text: &str) -> Vec<DrugIx> {
        let words = words(text);
        let mut found = Vec::new();
        for (t, _, _) in self.scan(&words, false) {
            if let Target::Drug(d) = t
                && !found.contains(&d)
            {
                found.push(d);
            }
        }
        found
    }

    /// The drugs and classes named in an allergy record such as `penicillin (rash)` or `ACE inhibitor angioedema`;
    /// a class name wins over a drug name of the same words.
    pub fn find_allergens(&self, text: &str) -> Vec<Target> {
        let mut found = Vec::new();
        for (t, _, _) in self.scan(&words(text), true) {
            if !found.contains(&t) {
                found.push(t);
            }
        }
        found
    }

    /// The parts of a medication name (split at `/`, `+`, `&`, commas, "and", "with") in
    /// which no drug of the pack is named, other than strengths, forms and salts: `zorbafix` in
    /// `amlodipine + zorbafix`. A name naming no drug at all is one unknown part.
    pub fn unknown_parts(&self, text: &str) -> Vec<String> {
        let words = words(text);
        let spans = self.scan(&words, false);
        let mut out = Vec::new();
        let mut start = 0;
        for end in (0..=words.len()).filter(|&i| i == words.len() || SEPARATORS.contains(&words[i].as_str())) {
            let part = &words[start..end];
            let covered = spans.iter().any(|&(_, s, len)| s < end && s + len > start);
            if !covered && part.iter().any(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 3 && !FILLERS.contains(&w.as_str())) {
                out.push(part.join(" "));
            }
            start = end + 1;
        }
        out
    }

    /// Every name found in `words`: (what, first word, number of words), the longest at each word.
    fn scan(&self, words: &[String], with_classes: bool) -> Vec<(Target, usize, usize)> {
        let mut found = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let mut matched = 0;
            if SEPARATORS.contains(&words[i].as_str()) {
                i += 1;
                continue;
            }
            for len in (1..=self.longest_name.min(words.len() - i)).rev() {
                let phrase = key_of(&words[i..i + len]);
                let hit = if with_classes {
                    self.class_names
                        .get(&phrase)
                        .map(|&c| Target::Class(c))
                        .or_else(|| self.drug_names.get(&phrase).map(|&d| Target::Drug(d)))
                } else {
                    self.drug_names.get(&phrase).map(|&d| Target::Drug(d))
                };
                // A name read across a separator must be a combination's ("amoxicillin/clavulanic
                // acid"): "heparin/sodium citrate" is heparin and sodium citrate, not heparin sodium.
                let across = words[i..i + len].iter().any(|w| SEPARATORS.contains(&w.as_str()));
                let hit = hit.filter(|t| !across || matches!(t, Target::Drug(d) if self.drugs()[*d].ingredients.len() > 1));
                if let Some(t) = hit {
                    found.push((t, i, len));
                    matched = len;
                    break;
                }
            }
            i += matched.max(1);
        }
        found
    }

    /// The conditions a recorded condition text names: whole words, without case, and never a
    /// negated mention ("no asthma", "asthma ruled out", "family history of ...") nor a historical
    /// one ("history of asthma", "asthma, resolved") unless the condition's past counts.
    pub fn find_conditions(&self, text: &str) -> Vec<usize> {
        let mut found = Vec::new();
        for clause in clauses(text) {
            let words: Vec<&str> = clause.iter().map(String::as_str).collect();
            let mut at = 0;
            while at < words.len() {
                // The longest name of any condition starting here ("seizure disorder", not "seizure").
                let mut longest = 0;
                let mut named: Vec<usize> = Vec::new();
                for (ix, c) in self.conditions.iter().enumerate() {
                    for alias in &c.aliases {
                        let alias: Vec<&str> = alias.split(' ').collect();
                        if words[at..].starts_with(&alias) {
                            if alias.len() > longest {
                                longest = alias.len();
                                named.clear();
                            }
                            if alias.len() == longest && !named.contains(&ix) {
                                named.push(ix);
                            }
                        }
                    }
                }
                if longest == 0 {
                    at += 1;
                    continue;
                }
                for ix in named {
                    if !found.contains(&ix) && affirmed(&words, at, at + longest, self.conditions[ix].history_counts) {
                        found.push(ix);
                    }
                }
                at += longest;
            }
        }
        found
    }
}

/// The words of a medication name, with `/`, `+` and `&` read as "and".
fn words(text: &str) -> Vec<String> {
    let mut marked = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '/' | '+' | '&' | ',') {
            // A separator reads as "and", so that "a/b" and "a and b" are alike.
            marked.push_str(" and ");
        } else {
            marked.push(c);
        }
    }
    normalize(&marked).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// The key a drug or class name is indexed and looked up by: its words without the words that
/// join ingredients, so that `amoxicillin/clavulanic acid`, `amoxicillin + clavulanic acid` and
/// `amoxicillin clavulanic acid` are one name.
pub fn name_key(text: &str) -> String {
    key_of(&words(text))
}

fn key_of(words: &[String]) -> String {
    words.iter().filter(|w| !SEPARATORS.contains(&w.as_str())).map(String::as_str).collect::<Vec<_>>().join(" ")
}

/// Words that join the ingredients of a combination.
const SEPARATORS: &[&str] = &["and", "with", "w"];

/// Words of a medication name that are not a drug: strengths, forms, releases, salts.
const FILLERS: &[&str] = &[
    "mg",
    "mcg",
    "microgram",
    "micrograms",
    "milligram",
    "milligrams",
    "gram",
    "grams",
    "gm",
    "ml",
    "iu",
    "unit",
    "units",
    "meq",
    "mmol",
    "percent",
    "tab",
    "tabs",
    "tablet",
    "tablets",
    "cap",
    "caps",
    "capsule",
    "capsules",
    "syrup",
    "suspension",
    "susp",
    "solution",
    "soln",
    "injection",
    "inj",
    "infusion",
    "cream",
    "ointment",
    "gel",
    "lotion",
    "drops",
    "drop",
    "spray",
    "nasal",
    "inhaler",
    "inhalation",
    "nebuliser",
    "nebulizer",
    "respules",
    "patch",
    "patches",
    "sachet",
    "sachets",
    "powder",
    "granules",
    "vial",
    "ampoule",
    "ampule",
    "pen",
    "prefilled",
    "syringe",
    "suppository",
    "suppositories",
    "pessary",
    "lozenge",
    "chewable",
    "dispersible",
    "effervescent",
    "oral",
    "orally",
    "topical",
    "film",
    "coated",
    "enteric",
    "delayed",
    "extended",
    "sustained",
    "modified",
    "controlled",
    "immediate",
    "release",
    "retard",
    "depot",
    "forte",
    "mite",
    "junior",
    "paediatric",
    "pediatric",
    "adult",
    "children",
    "child",
    "infant",
    "extra",
    "strength",
    "maximum",
    "regular",
    "liquid",
    "elixir",
    "tincture",
    "ophthalmic",
    "otic",
    "eye",
    "ear",
    "vaginal",
    "rectal",
    "dermal",
    "transdermal",
    "sublingual",
    "buccal",
    "odt",
    "hydrochloride",
    "hcl",
    "hydrobromide",
    "sodium",
    "potassium",
    "calcium",
    "magnesium",
    "succinate",
    "tartrate",
    "maleate",
    "mesylate",
    "mesilate",
    "besylate",
    "besilate",
    "citrate",
    "sulfate",
    "sulphate",
    "phosphate",
    "acetate",
    "bromide",
    "chloride",
    "fumarate",
    "hydrate",
    "dihydrate",
    "trihydrate",
    "monohydrate",
    "hyclate",
    "hemihydrate",
    "lactate",
    "gluconate",
    "dipropionate",
    "propionate",
    "furoate",
    "valerate",
    "xinafoate",
    "base",
    "ethyl",
    "disodium",
    "salt",
    "generic",
    "brand",
    "er",
    "sr",
    "xr",
    "cr",
    "xl",
    "la",
    "dr",
    "ec",
    "mr",
    "ds",
    "ir",
    "cd",
    "od",
    "bd",
    "tds",
    "qds",
    "prn",
    "daily",
    "twice",
    "once",
    "the",
    "for",
    "per",
    "dose",
    "doses",
    "single",
    "double",
    "new",
    "advance",
    "advanced",
    "rapid",
    "fast",
    "duo",
    "trio",
    "kid",
    "kids",
];

/// A recorded text cut where a negation's reach ends (a semicolon, full stop, bracket, line, or
/// "but"), each part normalised, with each comma and colon kept as the word `,`: a negation
/// before a comma does not reach past it, while "asthma, resolved" still reads as resolved and
/// "Asthma: no" as denied.
fn clauses(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for part in text.split([';', '.', '(', ')', '\n']) {
        let mut current: Vec<String> = Vec::new();
        for (i, piece) in part.split([',', ':']).enumerate() {
            if i > 0 {
                current.push(",".into());
            }
            for w in normalize(piece).split(' ').filter(|w| !w.is_empty()) {
                if matches!(w, "but" | "however" | "although" | "though" | "except") {
                    out.push(std::mem::take(&mut current));
                } else {
                    current.push(w.to_string());
                }
            }
        }
        out.push(current);
    }
    out.retain(|c| c.iter().any(|w| w != ","));
    out
}

/// Phrases before a mention that deny it, or say it belongs to someone else.
const NEGATED_BEFORE: &[&str] = &[
    "no",
    "not",
    "non",
    "nil",
    "negative",
    "negative for",
    "denies",
    "denied",
    "deny",
    "without",
    "free of",
    "absence of",
    "absent",
    "never",
    "never had",
    "no history of",
    "no known",
    "no evidence of",
    "no signs of",
    "rule out",
    "ruled out",
    "r o",
    "rules out",
    "excluded",
    "family history of",
    "family history",
    "fh of",
    "fhx",
];
/// Phrases after a mention, in its clause, that deny it.
const NEGATED_AFTER: &[&str] =
    &["ruled out", "excluded", "negative", "unlikely", "absent", "denied", "not present", "not confirmed", "in family", "in the family"];
/// A whole answer after a mention that denies it ("Asthma: no", "Seizures: none").
const ANSWERED_NO: &[&str] = &["no", "none", "nil", "negative", "absent", "denied", "not known", "not present", "n"];
/// Words that end a negation's reach before a mention ("no fever and has asthma").
const TERMINATORS: &[&str] = &["has", "have", "had", "presents", "presenting", "reports", "diagnosed"];
/// Phrases before a mention that put it in the past.
const HISTORICAL_BEFORE: &[&str] = &[
    "history of",
    "h o",
    "hx of",
    "hx",
    "past",
    "previous",
    "previously",
    "prior",
    "former",
    "remote",
    "childhood",
    "resolved",
    "past history of",
];
/// Phrases after a mention that put it in the past.
const HISTORICAL_AFTER: &[&str] =
    &["resolved", "in remission", "in the past", "as a child", "in childhood", "years ago", "cured", "treated and resolved", "no longer"];

/// Whether the mention at `words[start..end]` is affirmed: not denied (a negation within six
/// words before it, back to a comma or a word such as "has"; a denial after it in its clause; or
/// an answer of "no" after it), and, unless `history_counts`, not put in the past.
fn affirmed(words: &[&str], start: usize, end: usize, history_counts: bool) -> bool {
    let stop = words[..start].iter().rposition(|w| *w == "," || TERMINATORS.contains(w)).map_or(0, |c| c + 1);
    let before = &words[stop.max(start.saturating_sub(6))..start];
    let in_clause: Vec<&str> = words[end..].iter().copied().take_while(|w| *w != ",").take(4).collect();
    let rest: Vec<&str> = words[end..].iter().copied().filter(|w| *w != ",").collect();
    let within = |window: &[&str], phrase: &str| {
        let p: Vec<&str> = phrase.split(' ').collect();
        (0..window.len()).any(|i| window[i..].starts_with(&p))
    };
    let denied = NEGATED_BEFORE.iter().any(|n| within(before, n))
        || NEGATED_AFTER.iter().any(|n| within(&in_clause, n))
        || ANSWERED_NO.iter().any(|n| rest.join(" ") == *n);
    if denied {
        return false;
    }
    let after = &rest[..rest.len().min(3)];
    history_counts || !(HISTORICAL_BEFORE.iter().any(|h| within(before, h)) || HISTORICAL_AFTER.iter().any(|h| within(after, h)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack() -> &'static RulePack {
        RulePack::shipped().expect("the shipped rule pack loads")
    }

    #[test]
    fn the_shipped_pack_loads_and_every_rule_has_a_source() {
        let p = pack();
        assert!(p.drugs().len() >= 100, "{} drugs", p.drugs().len());
        assert!(p.interactions().len() >= 40, "{} interactions", p.interactions().len());
        assert!(p.max_doses().len() >= 35, "{} dose limits", p.max_doses().len());
        assert!(p.contraindications().len() >= 10);
        assert!(p.cross_reactivity().len() >= 4);
        let mut sources: Vec<&str> = Vec::new();
        sources.extend(p.drugs().iter().map(|d| d.source.as_str()));
        sources.extend(p.classes().iter().map(|c| c.source.as_str()));
        sources.extend(p.classes().iter().filter_map(|c| c.allergy.as_ref()).map(|a| a.source.as_str()));
        sources.extend(p.classes().iter().filter_map(|c| c.duplicate.as_ref()).map(|d| d.source.as_str()));
        sources.extend(p.interactions().iter().map(|r| r.source.as_str()));
        sources.extend(p.max_doses().iter().map(|r| r.source.as_str()));
        sources.extend(p.max_durations().iter().map(|r| r.source.as_str()));
        sources.extend(p.cross_reactivity().iter().map(|r| r.source.as_str()));
        sources.extend(p.contraindications().iter().map(|r| r.source.as_str()));
        sources.push(&p.same_ingredient().source);
        assert!(sources.iter().all(|s| s.trim().len() >= 8), "every rule names its source");
    }

    #[test]
    fn the_classes_asked_for_are_there() {
        for id in [
            "penicillins",
            "cephalosporins",
            "nsaids",
            "ssris",
            "maois",
            "statins",
            "macrolides",
            "azole_antifungals",
            "nitrates",
            "pde5_inhibitors",
            "ace_inhibitors",
            "arbs",
            "potassium_sparing_diuretics",
            "anticoagulants",
            "antiplatelets",
            "opioids",
            "benzodiazepines",
        ] {
            assert!(pack().class_id(id).is_some(), "class {id}");
        }
    }

    #[test]
    fn brand_names_and_spellings_resolve_to_the_generic() {
        let p = pack();
        let name = |text: &str| p.find_drugs(text).iter().map(|&d| p.drugs()[d].name.clone()).collect::<Vec<_>>();
        assert_eq!(name("Paracetamol"), ["acetaminophen"]);
        assert_eq!(name("Tylenol Extra Strength 500 mg"), ["acetaminophen"]);
        assert_eq!(name("PANADOL"), ["acetaminophen"]);
        assert_eq!(name("Amoxycillin 500mg capsules"), ["amoxicillin"]);
        assert_eq!(name("co-amoxiclav"), ["amoxicillin-clavulanate"]);
        assert_eq!(name("Augmentin"), ["amoxicillin-clavulanate"]);
        assert_eq!(name("Amoxicillin/clavulanic acid"), ["amoxicillin-clavulanate"]);
        assert_eq!(name("Cefalexin"), ["cephalexin"]);
        assert_eq!(name("Glyceryl trinitrate spray"), ["nitroglycerin"]);
        assert_eq!(name("Frusemide"), ["furosemide"]);
        assert_eq!(name("Pethidine"), ["meperidine"]);
        assert_eq!(name("sertraline hydrochloride"), ["sertraline"]);
        assert_eq!(name("Diclofenac sodium 50 mg EC"), ["diclofenac"]);
        assert_eq!(name("Naproxen sodium"), ["naproxen sodium"]);
        assert_eq!(name("Potassium chloride ER"), ["potassium chloride"]);
        assert_eq!(name("Losartan potassium"), ["losartan"]);
        assert_eq!(name("Tylenol #3"), ["codeine-acetaminophen"]);
        assert_eq!(name("paracetamol and codeine"), ["codeine-acetaminophen"], "the combination, however it is joined");
        assert_eq!(name("Paracetamol + Codeine phosphate"), ["codeine-acetaminophen"]);
        assert_eq!(name("paracetamol, sertraline"), ["acetaminophen", "sertraline"]);
        assert!(name("unobtainium").is_empty());
    }

    #[test]
    fn combinations_take_their_components_classes() {
        let p = pack();
        let percocet = p.drug_named("Percocet").unwrap();
        let opioids = p.class_id("opioids").unwrap();
        assert!(p.drugs()[percocet].classes.contains(&opioids));
        let names: Vec<&str> = p.drugs()[percocet].ingredients.iter().map(|&i| p.drugs()[i].name.as_str()).collect();
        assert_eq!(names, ["oxycodone", "acetaminophen"]);
    }

    #[test]
    fn allergy_records_name_classes_first() {
        let p = pack();
        let penicillins = p.class_id("penicillins").unwrap();
        assert_eq!(p.find_allergens("Penicillin (anaphylaxis 2010)"), [Target::Class(penicillins)]);
        assert_eq!(p.find_allergens("sulfa drugs"), [Target::Class(p.class_id("sulfonamide_antibiotics").unwrap())]);
        assert_eq!(p.find_allergens("ACE inhibitor angioedema"), [Target::Class(p.class_id("ace_inhibitors").unwrap())]);
        assert_eq!(p.find_allergens("amoxicillin - rash"), [Target::Drug(p.drug_named("amoxicillin").unwrap())]);
        assert!(p.find_allergens("latex").is_empty());
    }

    #[test]
    fn conditions_match_whole_words() {
        let p = pack();
        let ids = |t: &str| p.find_conditions(t).into_iter().map(|i| p.conditions()[i].id.clone()).collect::<Vec<_>>();
        assert_eq!(ids("Asthma (mild, intermittent)"), ["asthma"]);
        assert_eq!(ids("CKD stage 3"), ["kidney_disease"]);
        assert_eq!(ids("Pregnant, 24 weeks"), ["pregnancy"]);
        assert!(ids("cadence").is_empty(), "`cad` inside a word is not coronary artery disease");
    }

    /// The shipped files with one replaced or added.
    fn with_file(path: &'static str, text: &'static str) -> Vec<(&'static str, &'static str)> {
        let mut files: Vec<(&str, &str)> = shipped_files().iter().filter(|(p, _)| *p != path).copied().collect();
        files.push((path, text));
        files
    }

    #[test]
    fn a_rule_naming_an_unknown_drug_or_lacking_a_source_stops_loading() {
        let bad = r#"
[[interaction]]
id = "x"
a = "warfarin"
b = "unobtainium"
severity = "high"
mechanism = "m"
management = "m"
source = ""

[[class]]
id = "imaginary_drugs"
members = ["warfarin", "zorbafix"]
source = "a source of its own"

[[renal]]
id = "y"
drug = "metformin"
egfr_below = 30
egfr_at_least = 45
severity = "severe"
rationale = "r"
action = "a"
source = "a source of its own"
"#;
        let err = RulePack::from_files(&with_file("bad.toml", bad)).unwrap_err().to_string();
        assert!(err.contains("`unobtainium` is neither a drug nor a class"), "{err}");
        assert!(err.contains("source is empty"), "{err}");
        assert!(err.contains("member `zorbafix` is not a drug of the pack"), "{err}");
        assert!(err.contains("`severe` is not one of"), "{err}");
        assert!(err.contains("egfr_at_least < egfr_below"), "{err}");
    }

    #[test]
    fn a_pair_with_two_rules_stops_loading() {
        let twice = r#"
[[interaction]]
id = "warfarin-aspirin-again"
a = "aspirin"
b = "warfarin"
severity = "moderate"
mechanism = "m"
management = "m"
source = "a source of its own"

[[interaction]]
id = "warfarin-aspirin-again-2"
a = "warfarin"
b = "aspirin"
severity = "moderate"
mechanism = "m"
management = "m"
source = "a source of its own"
"#;
        let err = RulePack::from_files(&with_file("twice.toml", twice)).unwrap_err().to_string();
        assert!(err.contains("the pair is also interaction warfarin-aspirin-again"), "{err}");
    }

    #[test]
    fn a_drug_declared_in_two_files_merges_and_a_shared_alias_does_not() {
        let more = r#"
[[drug]]
name = "warfarin"
aliases = ["warfarin sodium clathrate"]
source = "a source of its own"
"#;
        let p = RulePack::from_files(&with_file("more.toml", more)).expect("identical names merge");
        assert_eq!(p.drug_named("warfarin sodium clathrate"), p.drug_named("warfarin"));
        let clash = r#"
[[drug]]
name = "imaginarol"
aliases = ["coumadin"]
source = "a source of its own"
"#;
        let err = RulePack::from_files(&with_file("clash.toml", clash)).unwrap_err().to_string();
        assert!(err.contains("name `coumadin` is also used by drug"), "{err}");
    }

    #[test]
    fn every_rule_of_the_high_priority_file_cites_the_list() {
        let file = shipped_files().iter().find(|(p, _)| *p == "high_priority.toml").expect("the high-priority file").1;
        let rules = file.matches("[[interaction]]").count();
        assert!(rules >= 40, "{rules}");
        assert_eq!(pack().high_priority().count(), rules);
    }

    #[test]
    fn the_readme_shows_the_current_coverage() {
        let readme = include_str!("../README.md");
        let (start, end) = ("<!-- coverage -->\n", "<!-- /coverage -->");
        let from = readme.find(start).expect("the README has a coverage section") + start.len();
        let to = readme.find(end).expect("the coverage section ends");
        let coverage = pack().coverage();
        assert!(
            readme[from..to].trim() == coverage.trim(),
            "hms-ai/README.md's coverage is out of date; `cargo run -p hms-ai --example coverage` prints it:\n{coverage}"
        );
    }

    /// Single drugs whose generic name resolves to itself alone, for the resolver's properties.
    fn singles() -> Vec<DrugIx> {
        let p = pack();
        (0..p.drugs().len()).filter(|&d| p.drugs()[d].ingredients == [d] && p.find_drugs(&p.drugs()[d].name) == [d]).collect()
    }

    /// `text` with the case of each letter chosen by `mask` and runs of spaces widened.
    fn scramble(text: &str, mask: u64, wide: bool) -> String {
        let mut out = String::new();
        for (i, c) in text.chars().enumerate() {
            if c == ' ' && wide {
                out.push_str("  ");
            } else if mask >> (i % 64) & 1 == 1 {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn any_name_resolves_whatever_its_case_spacing_salt_and_strength(
            pick in proptest::prelude::any::<proptest::sample::Index>(),
            alias in proptest::prelude::any::<proptest::sample::Index>(),
            mask in proptest::prelude::any::<u64>(),
            wide in proptest::prelude::any::<bool>(),
            salt in proptest::sample::select(vec!["", " hydrochloride", " HCl", " succinate", " tartrate", " mesylate", " trihydrate", " maleate"]),
            strength in proptest::sample::select(vec!["", " 500mg", " 500 mg", " 0.5 g", " 20 MG", " 1,000 mg", " 5/325"]),
            form in proptest::sample::select(vec!["", " tablets", " tab.", " capsule", " ER", " (oral)", " syrup"]),
        ) {
            let p = pack();
            let singles = singles();
            let d = singles[pick.index(singles.len())];
            let names: Vec<&String> = std::iter::once(&p.drugs()[d].name).chain(&p.drugs()[d].aliases).collect();
            let name = names[alias.index(names.len())];
            // A salt that makes another drug's name is that drug (naproxen sodium), not noise.
            proptest::prop_assume!(p.drug_named(&format!("{name}{salt}")).is_none_or(|x| x == d));
            proptest::prop_assume!(p.find_drugs(name) == [d]);
            let written = format!("{}{salt}{strength}{form}", scramble(name, mask, wide));
            proptest::prop_assert_eq!(p.find_drugs(&written), vec![d], "{}", written);
            proptest::prop_assert!(p.unknown_parts(&written).is_empty(), "{}: {:?}", written, p.unknown_parts(&written));
        }

        #[test]
        fn two_drugs_joined_resolve_to_both_ingredients(
            a in proptest::prelude::any::<proptest::sample::Index>(),
            b in proptest::prelude::any::<proptest::sample::Index>(),
            join in proptest::sample::select(vec!["/", " / ", " + ", "+", " and ", " with ", " & ", ", "]),
            mask in proptest::prelude::any::<u64>(),
        ) {
            let p = pack();
            let singles = singles();
            let (a, b) = (singles[a.index(singles.len())], singles[b.index(singles.len())]);
            proptest::prop_assume!(a != b);
            let written = scramble(&format!("{}{join}{}", p.drugs()[a].name, p.drugs()[b].name), mask, false);
            let mut found: Vec<DrugIx> = p.find_drugs(&written).iter().flat_map(|&d| p.drugs()[d].ingredients.clone()).collect();
            found.sort_unstable();
            found.dedup();
            let mut expected = vec![a, b];
            expected.sort_unstable();
            proptest::prop_assert_eq!(found, expected, "{}", written);
        }

        #[test]
        fn an_unknown_part_of_a_combination_is_reported(
            pick in proptest::prelude::any::<proptest::sample::Index>(),
            word in "[qxz][a-z]{5,9}",
            join in proptest::sample::select(vec!["/", " + ", " and ", " with "]),
        ) {
            let p = pack();
            proptest::prop_assume!(p.find_drugs(&word).is_empty());
            let singles = singles();
            let known = &p.drugs()[singles[pick.index(singles.len())]].name;
            let written = format!("{known} 10 mg{join}{word} 5 mg");
            proptest::prop_assert_eq!(p.unknown_parts(&written), vec![format!("{word} 5 mg")]);
        }
    }

    #[test]
    fn negated_and_historical_conditions_do_not_match() {
        let p = pack();
        let ids = |t: &str| p.find_conditions(t).into_iter().map(|i| p.conditions()[i].id.clone()).collect::<Vec<_>>();
        for text in [
            "no asthma",
            "Asthma ruled out",
            "denies asthma",
            "negative for asthma",
            "family history of asthma",
            "r/o asthma",
            "No known asthma; hypertension",
        ] {
            assert!(!ids(text).contains(&"asthma".to_string()), "{text}: {:?}", ids(text));
        }
        assert!(ids("Asthma, well controlled").contains(&"asthma".to_string()));
        assert!(ids("no diabetes but asthma").contains(&"asthma".to_string()), "a negation ends at `but`");
        assert!(ids("no diabetes, asthma").contains(&"asthma".to_string()), "and at a comma");
        assert!(ids("no fever but has asthma").contains(&"asthma".to_string()));
        assert!(ids("no fever and has asthma").contains(&"asthma".to_string()), "and at `has`");
        assert!(ids("Pregnancy test negative").is_empty() && ids("negative pregnancy test").is_empty() && ids("Pregnant: No").is_empty());
        assert!(!ids("seizure disorder ruled out").contains(&"epilepsy".to_string()), "the longest name is the mention");
        assert!(ids("Hypertension; asthma").contains(&"asthma".to_string()));
        // A past mention matches only where the past is what matters.
        let current = p.conditions().iter().find(|c| !c.history_counts).expect("a condition whose past does not count");
        let past = p.conditions().iter().find(|c| c.history_counts).expect("a condition whose past counts");
        for (c, expected) in [(current, false), (past, true)] {
            let alias = &c.aliases[0];
            for text in [format!("history of {alias}"), format!("{alias}, resolved"), format!("previous {alias}")] {
                assert_eq!(ids(&text).contains(&c.id), expected, "{text}");
            }
            assert!(ids(alias).contains(&c.id), "{alias}");
            assert!(!ids(&format!("no {alias}")).contains(&c.id), "no {alias}");
        }
    }

    #[test]
    fn normalize_folds_case_and_punctuation() {
        assert_eq!(normalize("  Co-Amoxiclav 625mg / tab. "), "co amoxiclav 625 mg tab");
        assert_eq!(normalize("Amoxicillin500MG"), "amoxicillin 500 mg");
        assert_eq!(normalize("---"), "");
    }
}
