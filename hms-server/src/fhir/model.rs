//! The FHIR R4 (4.0.1) data types and resources hms emits, as typed serde structs.
//!
//! Only the elements hms fills are modelled; every one is optional in the specification unless
//! the type says otherwise, and absent values are left out of the JSON (FHIR forbids `null` and
//! empty arrays). The names follow the specification's JSON names.

use serde::Serialize;
use serde_json::Value;

/// `Meta`: the version and the last change of a resource.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// The version (hms's optimistic-concurrency version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// When the record last changed (an instant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
}

/// `Coding`: a code from a code system.
#[derive(Debug, Clone, Serialize)]
pub struct Coding {
    /// The code system's URI.
    pub system: String,
    /// The code.
    pub code: String,
    /// Its human-readable name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// `CodeableConcept`: codes and/or text.
#[derive(Debug, Clone, Serialize, Default)]
pub struct CodeableConcept {
    /// Codes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    /// Plain text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl CodeableConcept {
    /// A concept given by its text alone.
    pub fn text(text: impl Into<String>) -> Self {
        Self { coding: Vec::new(), text: Some(text.into()) }
    }
}

/// `Identifier`: a business identifier within a system.
#[derive(Debug, Clone, Serialize)]
pub struct Identifier {
    /// `official`, `usual`, `secondary`…
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<&'static str>,
    /// The namespace of the value.
    pub system: String,
    /// The value.
    pub value: String,
}

/// `HumanName`.
#[derive(Debug, Clone, Serialize)]
pub struct HumanName {
    /// `official`, `usual`…
    #[serde(rename = "use")]
    pub use_: &'static str,
    /// The whole name as written (hms keeps a person's name as one text and does not guess which
    /// part is the family name).
    pub text: String,
}

/// `ContactPoint`: a phone number or an e-mail address.
#[derive(Debug, Clone, Serialize)]
pub struct ContactPoint {
    /// `phone` or `email`.
    pub system: &'static str,
    /// The number or address.
    pub value: String,
    /// `home`, `work`…
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<&'static str>,
}

/// `Address`, as one text.
#[derive(Debug, Clone, Serialize)]
pub struct Address {
    /// The address as written.
    pub text: String,
}

/// `Patient.contact`: a person to contact.
#[derive(Debug, Clone, Serialize)]
pub struct PatientContact {
    /// Why they are a contact.
    pub relationship: Vec<CodeableConcept>,
    /// Who they are (and how to reach them), as written.
    pub name: HumanName,
}

/// `Reference`: a link to another resource (`Type/id`).
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    /// `Type/id`.
    pub reference: String,
    /// The referred resource's name, for display.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Reference {
    /// A reference to `kind`/`id`.
    pub fn to(kind: &str, id: impl std::fmt::Display) -> Self {
        Self { reference: format!("{kind}/{id}"), display: None }
    }
}

/// `Money`: an amount in a currency. FHIR's JSON writes a decimal as a number: amounts of a
/// hospital's size (under 2^53 minor units) are exact as such.
#[derive(Debug, Clone, Serialize)]
pub struct Money {
    /// The amount.
    pub value: f64,
    /// The ISO 4217 code.
    pub currency: String,
}

/// `Extension`: an element the base resource lacks, named by URL.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    /// What the extension means (a StructureDefinition URL).
    pub url: String,
    /// A money value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_money: Option<Money>,
    /// A yes/no value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_boolean: Option<bool>,
    /// An integer value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
}

/// `Appointment.participant`.
#[derive(Debug, Clone, Serialize)]
pub struct Participant {
    /// Who takes part.
    pub actor: Reference,
    /// `required`.
    pub required: &'static str,
    /// `accepted`, `needs-action`, `declined`…
    pub status: &'static str,
}

/// `Narrative`: the human-readable summary every resource should have (XHTML).
#[derive(Debug, Clone, Serialize)]
pub struct Narrative {
    /// `generated`: made from the structured data alone.
    pub status: &'static str,
    /// A `<div>` in the XHTML namespace.
    pub div: String,
}

impl Narrative {
    /// A generated narrative of one line of text (escaped).
    pub fn line(text: &str) -> Self {
        let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        Self { status: "generated", div: format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{escaped}</div>") }
    }
}

/// `Patient`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "resourceType", rename = "Patient")]
pub struct Patient {
    /// hms's patient id.
    pub id: String,
    /// Version and last change.
    pub meta: Meta,
    /// hms's id and the e-mail address.
    pub identifier: Vec<Identifier>,
    /// Whether the account is active.
    pub active: bool,
    /// The name.
    pub name: Vec<HumanName>,
    /// Phone and e-mail.
    pub telecom: Vec<ContactPoint>,
    /// `male`, `female`, `other`, `unknown`.
    pub gender: &'static str,
    /// The date of birth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// The address.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
    /// The emergency contact.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<PatientContact>,
}

/// `Practitioner`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "resourceType", rename = "Practitioner")]
pub struct Practitioner {
    /// hms's doctor id.
    pub id: String,
    /// Version and last change.
    pub meta: Meta,
    /// hms's id, the licence number and the e-mail address.
    pub identifier: Vec<Identifier>,
    /// Whether the account is active.
    pub active: bool,
    /// The name.
    pub name: Vec<HumanName>,
    /// The e-mail address.
    pub telecom: Vec<ContactPoint>,
}

/// `PractitionerRole`: the doctor's work at the hospital.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "resourceType", rename = "PractitionerRole")]
pub struct PractitionerRole {
    /// hms's doctor id.
    pub id: String,
    /// Version and last change.
    pub meta: Meta,
    /// The consultation fee, whether the doctor takes bookings, and years of experience.
    pub extension: Vec<Extension>,
    /// hms's id.
    pub identifier: Vec<Identifier>,
    /// Whether the doctor's account is active.
    pub active: bool,
    /// The doctor.
    pub practitioner: Reference,
    /// The specialization.
    pub specialty: Vec<CodeableConcept>,
}

/// `Appointment`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "resourceType", rename = "Appointment")]
pub struct Appointment {
    /// hms's appointment id.
    pub id: String,
    /// Version and last change.
    pub meta: Meta,
    /// A one-line summary.
    pub text: Narrative,
    /// hms's id.
    pub identifier: Vec<Identifier>,
    /// `proposed`, `booked`, `fulfilled`, `cancelled`, `noshow`.
    pub status: &'static str,
    /// Why it was cancelled or rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelation_reason: Option<CodeableConcept>,
    /// The reason the patient gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The start.
    pub start: String,
    /// The end.
    pub end: String,
    /// The length in minutes.
    pub minutes_duration: i64,
    /// When it was booked.
    pub created: String,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The patient and the doctor.
    pub participant: Vec<Participant>,
}

/// `OperationOutcome.issue`.
#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    /// `fatal`, `error`, `warning`, `information`.
    pub severity: &'static str,
    /// The issue type code (`not-found`, `forbidden`, `invalid`, `conflict`…).
    pub code: &'static str,
    /// What happened, in words.
    pub diagnostics: String,
    /// The elements or parameters at fault.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expression: Vec<String>,
}

/// `OperationOutcome`: the body of every error.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "resourceType", rename = "OperationOutcome")]
pub struct OperationOutcome {
    /// The issues.
    pub issue: Vec<Issue>,
}

/// `Bundle.link`.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// `self`, `next`, `previous`, `first`, `last`.
    pub relation: &'static str,
    /// The URL.
    pub url: String,
}

/// `Bundle.entry.search`.
#[derive(Debug, Clone, Serialize)]
pub struct EntrySearch {
    /// `match` (answers the search) or `include` (named by `_include`) or `outcome`.
    pub mode: &'static str,
}

/// `Bundle.entry`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The resource's absolute URL.
    pub full_url: String,
    /// The resource.
    pub resource: Value,
    /// Why it is in the answer.
    pub search: EntrySearch,
}

/// `Bundle` of type `searchset`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "resourceType", rename = "Bundle")]
pub struct Bundle {
    /// `searchset`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// How many resources match the search (over every page).
    pub total: u64,
    /// This page and its neighbours.
    pub link: Vec<Link>,
    /// The resources of this page.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<Entry>,
}

/// `Period`: a span of time.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// The start.
    pub start: String,
    /// The end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// `Schedule`: a doctor's bookable time.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "resourceType", rename = "Schedule")]
pub struct Schedule {
    /// hms's doctor id.
    pub id: String,
    /// hms's id.
    pub identifier: Vec<Identifier>,
    /// Whether the doctor takes bookings.
    pub active: bool,
    /// The specialization.
    pub specialty: Vec<CodeableConcept>,
    /// The doctor, as a person and in their role.
    pub actor: Vec<Reference>,
    /// The weekly hours, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `Slot`: a free time to book.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "resourceType", rename = "Slot")]
pub struct Slot {
    /// The doctor's id and the start (`<doctor>-<unix seconds>`).
    pub id: String,
    /// The doctor's schedule.
    pub schedule: Reference,
    /// `free`.
    pub status: &'static str,
    /// The start.
    pub start: String,
    /// The end.
    pub end: String,
}

/// `Quantity`: a measured amount, in UCUM units where it has them.
#[derive(Debug, Clone, Serialize)]
pub struct Quantity {
    /// The amount.
    pub value: f64,
    /// The unit, for people.
    pub unit: String,
    /// `http://unitsofmeasure.org`.
    pub system: &'static str,
    /// The UCUM code.
    pub code: String,
}

impl Quantity {
    /// An amount in a UCUM unit.
    pub fn ucum(value: f64, unit: &str, code: &str) -> Self {
        Self { value, unit: unit.into(), system: "http://unitsofmeasure.org", code: code.into() }
    }
}

/// `Annotation`: a note.
#[derive(Debug, Clone, Serialize)]
pub struct Annotation {
    /// The note.
    pub text: String,
}

/// `Timing.repeat`.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Repeat {
    /// How long the course lasts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bounds_duration: Option<Quantity>,
    /// Administrations per period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency: Option<u32>,
    /// The period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<f64>,
    /// Its unit (`h`, `d`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_unit: Option<&'static str>,
}

/// `Timing`.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    /// When it repeats.
    pub repeat: Repeat,
    /// The frequency as written.
    pub code: CodeableConcept,
}

/// `Dosage.doseAndRate`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DoseAndRate {
    /// The amount per administration.
    pub dose_quantity: Quantity,
}

/// `Dosage`: how a medication is taken.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dosage {
    /// The whole instruction in words.
    pub text: String,
    /// What the patient is told.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_instruction: Option<String>,
    /// When, where it could be read.
    pub timing: Timing,
    /// Only as needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_needed_boolean: Option<bool>,
    /// The route.
    pub route: CodeableConcept,
    /// The dose, where the strength is one amount of a mass.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dose_and_rate: Vec<DoseAndRate>,
}

/// `MedicationRequest.dispenseRequest`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DispenseRequest {
    /// For how long.
    pub expected_supply_duration: Quantity,
}

/// `MedicationRequest`: one medication of a prescription.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "resourceType", rename = "MedicationRequest")]
pub struct MedicationRequest {
    /// The prescription's id and the medication's place in it (`<prescription>-<n>`, from 1).
    pub id: String,
    /// The prescription's revision and last change.
    pub meta: Meta,
    /// The same, as an identifier.
    pub identifier: Vec<Identifier>,
    /// `active`.
    pub status: &'static str,
    /// `order`.
    pub intent: &'static str,
    /// The medication as written.
    pub medication_codeable_concept: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// The visit it was written at.
    pub supporting_information: Vec<Reference>,
    /// When it was written.
    pub authored_on: String,
    /// The doctor.
    pub requester: Reference,
    /// The diagnosis.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reason_code: Vec<CodeableConcept>,
    /// The prescription: every medication of it shares this.
    pub group_identifier: Identifier,
    /// The prescription's general instructions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    /// How to take it.
    pub dosage_instruction: Vec<Dosage>,
    /// For how many days.
    pub dispense_request: DispenseRequest,
}

/// `Attachment`: where a document's bytes are.
#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    /// Its media type.
    #[serde(rename = "contentType")]
    pub content_type: String,
    /// Where to read it (the `Binary`, under the same permissions).
    pub url: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its file name.
    pub title: String,
    /// When it was uploaded.
    pub creation: String,
}

/// `DocumentReference.content`.
#[derive(Debug, Clone, Serialize)]
pub struct Content {
    /// The document.
    pub attachment: Attachment,
}

/// `DocumentReference.context`.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentContext {
    /// The visit it belongs to.
    pub related: Vec<Reference>,
}

/// `DocumentReference`: a document in a patient's record.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "resourceType", rename = "DocumentReference")]
pub struct DocumentReference {
    /// hms's document id.
    pub id: String,
    /// Its upload.
    pub meta: Meta,
    /// hms's id, and the SHA-256 of the bytes.
    pub identifier: Vec<Identifier>,
    /// `current`.
    pub status: &'static str,
    /// The kind (lab, scan, prescription, other).
    #[serde(rename = "type")]
    pub kind: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// When it was uploaded.
    pub date: String,
    /// What it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The bytes.
    pub content: Vec<Content>,
    /// The visit, if it belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<DocumentContext>,
}

/// `Binary`: a document's bytes, when asked for as FHIR JSON.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "resourceType", rename = "Binary")]
pub struct Binary {
    /// The document's id.
    pub id: String,
    /// The media type.
    pub content_type: String,
    /// The bytes, in base64.
    pub data: String,
}

/// `Invoice.lineItem.priceComponent`.
#[derive(Debug, Clone, Serialize)]
pub struct PriceComponent {
    /// `base`, `tax`, `discount`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// A factor (the quantity, for a line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    /// The amount.
    pub amount: Money,
}

/// `Invoice.lineItem`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    /// From 1.
    pub sequence: u32,
    /// What is charged.
    pub charge_item_codeable_concept: CodeableConcept,
    /// Its price: the unit price, times the quantity.
    pub price_component: Vec<PriceComponent>,
}

/// `Invoice`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "resourceType", rename = "Invoice")]
pub struct Invoice {
    /// hms's invoice id.
    pub id: String,
    /// Version and last change.
    pub meta: Meta,
    /// hms's id and the invoice number.
    pub identifier: Vec<Identifier>,
    /// `issued`, `balanced` (paid), `cancelled`.
    pub status: &'static str,
    /// The patient.
    pub subject: Reference,
    /// When it was issued.
    pub date: String,
    /// The lines.
    pub line_item: Vec<LineItem>,
    /// Tax and discount over the whole.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub total_price_component: Vec<PriceComponent>,
    /// Before tax and discount.
    pub total_net: Money,
    /// To pay.
    pub total_gross: Money,
    /// How and when it was paid, or cancelled.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

/// `AuditEvent.agent`.
#[derive(Debug, Clone, Serialize)]
pub struct Agent {
    /// The role, in words.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    /// Who.
    pub who: Who,
    /// Whether they asked for it.
    pub requestor: bool,
}

/// A reference that may name its target by resource, by identifier, or by name alone.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Who {
    /// `Type/<id>`, where hms serves the target as a resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// hms's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    /// A name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// `AuditEvent.source`.
#[derive(Debug, Clone, Serialize)]
pub struct AuditSource {
    /// The system that recorded it.
    pub observer: Who,
}

/// `AuditEvent.entity`.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntity {
    /// What was concerned.
    pub what: Who,
    /// The kind of record, as hms names it.
    #[serde(rename = "type")]
    pub kind: Coding,
}

/// `AuditEvent`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "resourceType", rename = "AuditEvent")]
pub struct AuditEvent {
    /// hms's audit event id.
    pub id: String,
    /// A REST operation, or a sign-in.
    #[serde(rename = "type")]
    pub kind: Coding,
    /// hms's operation (`appointment.book`).
    pub subtype: Vec<Coding>,
    /// C, R, U, D or E.
    pub action: &'static str,
    /// When.
    pub recorded: String,
    /// 0 success, 4 refused, 8 failed.
    pub outcome: &'static str,
    /// What happened, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome_desc: Option<String>,
    /// Who acted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub agent: Vec<Agent>,
    /// hms.
    pub source: AuditSource,
    /// The record, and the patient it concerns.
    pub entity: Vec<AuditEntity>,
}
