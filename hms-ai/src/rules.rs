//! The shipped rule pack: drugs, classes, interacting pairs, dose limits, allergy cross-matches and
//! drug-condition rules, read from the TOML files under `rules/` (embedded at compile time) and
//! checked when loaded, so that a rule naming a drug or class that does not exist, or a rule
//! without a source, stops the analyzer from starting rather than silently never firing.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use hms_core::{Route, Severity};
use serde::Deserialize;

use crate::error::Error;

const DRUGS: &str = include_str!("../rules/drugs.toml");
const CLASSES: &str = include_str!("../rules/classes.toml");
const INTERACTIONS: &str = include_str!("../rules/interactions.toml");
const DOSES: &str = include_str!("../rules/doses.toml");
const ALLERGIES: &str = include_str!("../rules/allergies.toml");
const CONDITIONS: &str = include_str!("../rules/conditions.toml");
const GENERAL: &str = include_str!("../rules/general.toml");

/// Index of a drug in [`RulePack::drugs`].
pub type DrugIx = usize;
/// Index of a class in [`RulePack::classes`].
pub type ClassIx = usize;

/// A drug or a class, as a rule names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    same_ingredient: SameIngredient,
    drug_names: HashMap<String, DrugIx>,
    class_names: HashMap<String, ClassIx>,
    longest_name: usize,
}

/// Lower-case, with every run of characters other than letters and digits made one space.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

// ---- the files as written -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DrugsFile {
    drug: Vec<RawDrug>,
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
struct ClassesFile {
    class: Vec<RawClass>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClass {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
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
struct InteractionsFile {
    interaction: Vec<RawInteraction>,
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DosesFile {
    max_dose: Vec<RawMaxDose>,
    #[serde(default)]
    max_duration: Vec<RawMaxDuration>,
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
struct AllergiesFile {
    cross_reactivity: Vec<RawCross>,
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
struct ConditionsFile {
    condition: Vec<RawCondition>,
    contraindication: Vec<RawContraindication>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    id: String,
    aliases: Vec<String>,
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GeneralFile {
    same_ingredient: RawSameIngredient,
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

fn parse_file<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<T, Error> {
    toml::from_str(text).map_err(|e| Error::Rules(format!("{file}: {e}")))
}

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
}

impl RulePack {
    /// The pack shipped with this crate, loaded and checked once; the same error on every call when invalid.
    pub fn shipped() -> Result<&'static RulePack, Error> {
        static PACK: OnceLock<Result<RulePack, String>> = OnceLock::new();
        match PACK.get_or_init(|| {
            RulePack::from_sources(DRUGS, CLASSES, INTERACTIONS, DOSES, ALLERGIES, CONDITIONS, GENERAL).map_err(|e| e.to_string())
        }) {
            Ok(pack) => Ok(pack),
            Err(e) => Err(Error::Rules(e.clone())),
        }
    }

    /// Loads and checks a pack from the text of its seven files.
    pub fn from_sources(
        drugs: &str,
        classes: &str,
        interactions: &str,
        doses: &str,
        allergies: &str,
        conditions: &str,
        general: &str,
    ) -> Result<RulePack, Error> {
        let drugs: DrugsFile = parse_file("drugs.toml", drugs)?;
        let classes: ClassesFile = parse_file("classes.toml", classes)?;
        let interactions: InteractionsFile = parse_file("interactions.toml", interactions)?;
        let doses: DosesFile = parse_file("doses.toml", doses)?;
        let allergies: AllergiesFile = parse_file("allergies.toml", allergies)?;
        let conditions: ConditionsFile = parse_file("conditions.toml", conditions)?;
        let general: GeneralFile = parse_file("general.toml", general)?;
        let mut p = Problems(Vec::new());

        // Classes first: drugs refer to them.
        let mut class_ids: HashMap<String, ClassIx> = HashMap::new();
        let mut class_names: HashMap<String, ClassIx> = HashMap::new();
        let mut out_classes = Vec::with_capacity(classes.class.len());
        for (ix, c) in classes.class.into_iter().enumerate() {
            let what = format!("class {}", c.id);
            p.text(&what, "source", &c.source);
            if class_ids.insert(c.id.clone(), ix).is_some() {
                p.0.push(format!("{what}: defined twice"));
            }
            let aliases: Vec<String> = c.aliases.iter().map(|a| normalize(a)).filter(|a| !a.is_empty()).collect();
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
            out_classes.push(DrugClass { id: c.id, aliases, source: c.source, allergy, duplicate });
        }

        // Drugs: names and aliases first, then classes and components.
        let mut drug_names: HashMap<String, DrugIx> = HashMap::new();
        for (ix, d) in drugs.drug.iter().enumerate() {
            for name in std::iter::once(&d.name).chain(&d.aliases) {
                let n = normalize(name);
                if n.is_empty() {
                    p.0.push(format!("drug {}: an empty name or alias", d.name));
                } else if let Some(other) = drug_names.insert(n.clone(), ix)
                    && other != ix
                {
                    p.0.push(format!("drug {}: name `{n}` is also used by drug {}", d.name, drugs.drug[other].name));
                }
                if class_ids.contains_key(&n) {
                    p.0.push(format!("drug {}: name `{n}` is also a class id", d.name));
                }
            }
        }
        let mut out_drugs = Vec::with_capacity(drugs.drug.len());
        for (ix, d) in drugs.drug.iter().enumerate() {
            let what = format!("drug {}", d.name);
            p.text(&what, "source", &d.source);
            let mut classes = Vec::new();
            for c in &d.classes {
                match class_ids.get(c) {
                    Some(&cx) => classes.push(cx),
                    None => p.0.push(format!("{what}: unknown class `{c}`")),
                }
            }
            let mut ingredients = Vec::new();
            for c in &d.components {
                match drug_names.get(&normalize(c)) {
                    Some(&cx) if drugs.drug[cx].components.is_empty() && cx != ix => ingredients.push(cx),
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
            let aliases = d.aliases.iter().map(|a| normalize(a)).collect();
            out_drugs.push(Drug { name: d.name.clone(), aliases, classes, ingredients, source: d.source.clone() });
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
            } else if let Some(&dx) = drug_names.get(&normalize(name)) {
                Some(Target::Drug(dx))
            } else {
                p.0.push(format!("{what}: `{name}` is neither a drug nor a class"));
                None
            }
        };

        let mut seen_ids = HashSet::new();
        let mut out_interactions = Vec::new();
        for r in interactions.interaction {
            let what = format!("interaction {}", r.id);
            if !seen_ids.insert(r.id.clone()) {
                p.0.push(format!("{what}: id used twice"));
            }
            p.text(&what, "mechanism", &r.mechanism);
            p.text(&what, "management", &r.management);
            p.text(&what, "source", &r.source);
            let severity = p.severity(&what, &r.severity);
            if let (Some(a), Some(b)) = (target(&mut p, &what, &r.a), target(&mut p, &what, &r.b)) {
                out_interactions.push(Interaction {
                    id: r.id,
                    a,
                    b,
                    severity,
                    mechanism: r.mechanism,
                    management: r.management,
                    source: r.source,
                });
            }
        }

        let single_drug = |p: &mut Problems, what: &str, name: &str| -> Option<DrugIx> {
            match drug_names.get(&normalize(name)) {
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

        let mut out_doses = Vec::new();
        for r in doses.max_dose {
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
        for r in doses.max_duration {
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
        for r in allergies.cross_reactivity {
            let what = format!("cross_reactivity {} -> {}", r.allergy, r.matches);
            p.text(&what, "rationale", &r.rationale);
            p.text(&what, "action", &r.action);
            p.text(&what, "source", &r.source);
            let severity = p.severity(&what, &r.severity);
            if let (Some(allergy), Some(matches)) = (target(&mut p, &what, &r.allergy), target(&mut p, &what, &r.matches)) {
                out_cross.push(CrossReactivity { allergy, matches, severity, rationale: r.rationale, action: r.action, source: r.source });
            }
        }

        let mut out_conditions = Vec::new();
        let mut condition_ids = HashMap::new();
        for c in conditions.condition {
            if condition_ids.insert(c.id.clone(), out_conditions.len()).is_some() {
                p.0.push(format!("condition {}: defined twice", c.id));
            }
            let aliases: Vec<String> = c.aliases.iter().map(|a| normalize(a)).filter(|a| !a.is_empty()).collect();
            if aliases.is_empty() {
                p.0.push(format!("condition {}: needs at least one alias", c.id));
            }
            out_conditions.push(Condition { id: c.id, aliases });
        }
        let mut out_contra = Vec::new();
        for r in conditions.contraindication {
            let what = format!("contraindication {}", r.id);
            if !seen_ids.insert(r.id.clone()) {
                p.0.push(format!("{what}: id used twice"));
            }
            p.text(&what, "rationale", &r.rationale);
            p.text(&what, "action", &r.action);
            p.text(&what, "source", &r.source);
            let severity = p.severity(&what, &r.severity);
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
                });
            }
        }

        let g = general.same_ingredient;
        p.text("same_ingredient", "rationale", &g.rationale);
        p.text("same_ingredient", "action", &g.action);
        p.text("same_ingredient", "source", &g.source);
        let same_ingredient = SameIngredient {
            severity: p.severity("same_ingredient", &g.severity),
            rationale: g.rationale,
            action: g.action,
            source: g.source,
        };

        if !p.0.is_empty() {
            return Err(Error::Rules(p.0.join("; ")));
        }
        let longest_name = drug_names.keys().chain(class_names.keys()).map(|n| n.split(' ').count()).max().unwrap_or(1);
        Ok(RulePack {
            drugs: out_drugs,
            classes: out_classes,
            interactions: out_interactions,
            max_doses: out_doses,
            max_durations: out_durations,
            cross_reactivity: out_cross,
            conditions: out_conditions,
            contraindications: out_contra,
            same_ingredient,
            drug_names,
            class_names,
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

    /// The same-ingredient rule.
    pub fn same_ingredient(&self) -> &SameIngredient {
        &self.same_ingredient
    }

    /// The drug with this exact (normalised) name or alias.
    pub fn drug_named(&self, name: &str) -> Option<DrugIx> {
        self.drug_names.get(&normalize(name)).copied()
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
        self.scan(text, false).into_iter().filter_map(|t| if let Target::Drug(d) = t { Some(d) } else { None }).collect()
    }

    /// The drugs and classes named in an allergy record such as `penicillin (rash)` or `ACE inhibitor angioedema`;
    /// a class name wins over a drug name of the same words.
    pub fn find_allergens(&self, text: &str) -> Vec<Target> {
        self.scan(text, true)
    }

    fn scan(&self, text: &str, with_classes: bool) -> Vec<Target> {
        let norm = normalize(text);
        let words: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
        let mut found = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let mut matched = 0;
            for len in (1..=self.longest_name.min(words.len() - i)).rev() {
                let phrase = words[i..i + len].join(" ");
                let hit = if with_classes {
                    self.class_names
                        .get(&phrase)
                        .map(|&c| Target::Class(c))
                        .or_else(|| self.drug_names.get(&phrase).map(|&d| Target::Drug(d)))
                } else {
                    self.drug_names.get(&phrase).map(|&d| Target::Drug(d))
                };
                if let Some(t) = hit {
                    if !found.contains(&t) {
                        found.push(t);
                    }
                    matched = len;
                    break;
                }
            }
            i += matched.max(1);
        }
        found
    }

    /// The conditions a recorded condition text names (whole words, without case).
    pub fn find_conditions(&self, text: &str) -> Vec<usize> {
        let padded = format!(" {} ", normalize(text));
        self.conditions
            .iter()
            .enumerate()
            .filter(|(_, c)| c.aliases.iter().any(|a| padded.contains(&format!(" {a} "))))
            .map(|(i, _)| i)
            .collect()
    }
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
        assert_eq!(name("paracetamol and codeine"), ["acetaminophen", "codeine"]);
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

    #[test]
    fn a_rule_naming_an_unknown_drug_or_lacking_a_source_stops_loading() {
        let bad_interactions = r#"
[[interaction]]
id = "x"
a = "warfarin"
b = "unobtainium"
severity = "high"
mechanism = "m"
management = "m"
source = ""
"#;
        let err = RulePack::from_sources(DRUGS, CLASSES, bad_interactions, DOSES, ALLERGIES, CONDITIONS, GENERAL).unwrap_err().to_string();
        assert!(err.contains("`unobtainium` is neither a drug nor a class"), "{err}");
        assert!(err.contains("source is empty"), "{err}");
        let bad_severity = GENERAL.replace("severity = \"high\"", "severity = \"severe\"");
        let err =
            RulePack::from_sources(DRUGS, CLASSES, INTERACTIONS, DOSES, ALLERGIES, CONDITIONS, &bad_severity).unwrap_err().to_string();
        assert!(err.contains("`severe` is not one of"), "{err}");
    }

    #[test]
    fn normalize_folds_case_and_punctuation() {
        assert_eq!(normalize("  Co-Amoxiclav 625mg / tab. "), "co amoxiclav 625mg tab");
        assert_eq!(normalize("---"), "");
    }
}
