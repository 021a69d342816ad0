//! A FHIR R4 (4.0.1) interface under `/fhir/R4`: hms's records read and searched as FHIR
//! resources, in `application/fhir+json`, with the API's bearer tokens.
//!
//! Like the rest of the server it is an adapter: each interaction parses the request, calls one
//! core workflow with the caller, and maps the answer (`map.rs`) or the error (an
//! `OperationOutcome`). Who may read what is the core's decision, so a patient reading another
//! patient's records gets the same 404 here as from `/api`, and the same audit event.
//!
//! The parameters each resource takes are one table (`search::SPECS`): the searches check
//! against it and the CapabilityStatement is written from it, so the statement lists exactly what
//! is supported.

pub mod export;
pub mod map;
pub mod model;
pub mod search;

use chrono::{DateTime, Utc};
use hms_core::ports::AppointmentOrder;
use hms_core::{Actor, AppointmentFilter, DoctorFilter, EntityKind, Error, ErrorKind, Page, PageRequest, PatientFilter};
use poem::http::{Method, StatusCode, header};
use poem::{Request, Response};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use search::{Search, Spec};

/// Where the interface is served.
pub const BASE: &str = "/fhir/R4";
/// How many days of slots a search without an upper bound covers.
const OPEN_SLOT_WINDOW_DAYS: i64 = 7;
/// The media type of every answer.
pub const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

/// An error answer: an HTTP status and the `OperationOutcome` issue saying why.
#[derive(Debug)]
pub struct Outcome {
    status: StatusCode,
    issue: model::Issue,
}

impl Outcome {
    fn new(status: StatusCode, code: &'static str, diagnostics: impl Into<String>) -> Self {
        Self { status, issue: model::Issue { severity: "error", code, diagnostics: diagnostics.into(), expression: Vec::new() } }
    }

    /// A bad search parameter (400).
    pub fn invalid(param: &str, message: impl Into<String>) -> Self {
        let mut o = Self::new(StatusCode::BAD_REQUEST, "invalid", format!("{param}: {}", message.into()));
        o.issue.expression.push(param.to_string());
        o
    }

    /// A format the server does not answer in (406).
    pub fn not_acceptable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_ACCEPTABLE, "not-supported", message)
    }

    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", message)
    }

    /// The answer.
    pub fn response(self) -> Response {
        let mut response = fhir_json(self.status, &model::OperationOutcome { issue: vec![self.issue] });
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<Error> for Outcome {
    fn from(e: Error) -> Self {
        let kind = e.kind();
        let status = StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (code, text) = match kind {
            ErrorKind::Invalid => {
                let fields = e.field_errors();
                let mut o = Self::new(
                    status,
                    "invalid",
                    fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "),
                );
                o.issue.expression = fields.into_iter().map(|f| f.field).collect();
                return o;
            }
            ErrorKind::NotFound => ("not-found", e.to_string()),
            ErrorKind::Conflict => ("conflict", e.to_string()),
            ErrorKind::Forbidden => ("forbidden", "you are not allowed to do this".to_string()),
            ErrorKind::Unauthenticated => ("login", e.to_string()),
            ErrorKind::PreconditionFailed => ("conflict", e.to_string()),
            ErrorKind::Throttled => ("throttled", e.to_string()),
            ErrorKind::Unavailable => ("transient", e.to_string()),
            ErrorKind::Internal => {
                tracing::error!(error = %e, "internal error");
                ("exception", "an internal error occurred; it has been logged".to_string())
            }
        };
        Self::new(status, code, text)
    }
}

type Answer = Result<Response, Outcome>;

fn fhir_json(status: StatusCode, body: &impl Serialize) -> Response {
    let text = serde_json::to_string(body).expect("a FHIR resource serializes");
    Response::builder().status(status).content_type(FHIR_JSON).body(text)
}

/// Serves every request under [`BASE`].
pub async fn endpoint(mut req: Request) -> Response {
    let body = req.take_body();
    match answer(&req, body).await {
        Ok(response) => response,
        Err(outcome) => outcome.response(),
    }
}

/// What each path takes, for a 405's `Allow`.
fn allowed(segments: &[&str]) -> &'static str {
    match segments {
        ["Appointment"] => "GET, HEAD, POST",
        ["Appointment", _] => "GET, HEAD, PUT, PATCH",
        ["$export-status", _] => "GET, HEAD, DELETE",
        // A kick-off starts a job: never on HEAD.
        ["$export"] | ["Patient", "$export"] => "GET",
        _ => "GET, HEAD",
    }
}

async fn answer(req: &Request, body: poem::Body) -> Answer {
    let state = req.data::<AppState>().expect("the application state is added to every request");
    let path = req.uri().path();
    let rest = path.strip_prefix(BASE).unwrap_or(path).trim_matches('/');
    let segments: Vec<&str> = if rest.is_empty() { Vec::new() } else { rest.split('/').collect() };
    let method = req.method().clone();
    let allow = allowed(&segments);
    if !allow.split(", ").any(|m| m == method.as_str()) {
        let mut response = Outcome::new(StatusCode::METHOD_NOT_ALLOWED, "not-supported", "this interaction is not supported").response();
        response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static(allow));
        return Ok(response);
    }
    let base = base_url(req, state);
    if segments == ["metadata"] {
        return Ok(fhir_json(StatusCode::OK, &capability_statement(&base)));
    }
    let Some(caller) = crate::auth::optional_caller(req, state).await else {
        return Err(Outcome::new(StatusCode::UNAUTHORIZED, "login", "sign in first: a valid bearer token is required"));
    };
    let actor = caller.actor;
    let ctx = Context { state, actor: &actor, base: &base, now: state.now() };
    match segments.as_slice() {
        ["$export"] => return ctx.kick_off(req, export::SYSTEM_TYPES).await,
        ["Patient", "$export"] => return ctx.kick_off(req, export::PATIENT_TYPES).await,
        ["$export-status", id] => return ctx.export_status(id, method == Method::DELETE).await,
        ["$export-file", id, name] => return ctx.export_file(id, name).await,
        _ => {}
    }
    let spec = match segments.first() {
        Some(kind) => search::spec(kind).ok_or_else(|| Outcome::not_found(format!("this server does not serve \"{kind}\" resources")))?,
        None => return Err(Outcome::not_found("name a resource type: GET /fhir/R4/<type>")),
    };
    if method == Method::POST || method == Method::PUT || method == Method::PATCH {
        let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let bytes = body
            .into_bytes()
            .await
            .map_err(|_| Outcome::new(StatusCode::BAD_REQUEST, "structure", "the request body could not be read"))?;
        let json = read_json(&content_type, &bytes, method == Method::PATCH)?;
        let if_match = req.headers().get(header::IF_MATCH).and_then(|v| v.to_str().ok());
        return match segments.as_slice() {
            [_] => ctx.book(json).await,
            [_, id] => ctx.change_status(id, json, method == Method::PATCH, if_match).await,
            _ => Err(Outcome::not_found("no such resource")),
        };
    }
    match segments.as_slice() {
        ["Binary", id] => {
            let wants_fhir =
                req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/fhir+json"));
            ctx.binary(id, wants_fhir).await
        }
        [_, id] => {
            let resource = ctx.read(spec.kind, id).await?;
            ctx.disclosed("fhir.read", &format!("{}/{id}", spec.kind), [&resource].into_iter()).await?;
            Ok(read_answer(resource))
        }
        [_] if !spec.search => {
            Err(Outcome::new(StatusCode::METHOD_NOT_ALLOWED, "not-supported", format!("{} is read by id, not searched", spec.kind)))
        }
        [_] => {
            let lenient = req
                .headers()
                .get_all("prefer")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.split([',', ';']).any(|p| p.trim().eq_ignore_ascii_case("handling=lenient")));
            let search = Search::parse(spec, req.uri().query().unwrap_or_default(), lenient)?;
            let bundle = ctx.search(spec, &search).await?;
            let asked = bundle.link.first().map(|l| l.url.trim_start_matches(ctx.base)).unwrap_or(spec.kind).to_string();
            ctx.disclosed("fhir.search", &asked, bundle.entry.iter().map(|e| &e.resource)).await?;
            Ok(fhir_json(StatusCode::OK, &bundle))
        }
        _ => Err(Outcome::not_found("no such resource")),
    }
}

/// A request body: FHIR JSON (or plain JSON) for a create or an update, a JSON Patch for a patch.
fn read_json(content_type: &str, bytes: &[u8], patch: bool) -> Result<Value, Outcome> {
    let media = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let takes: &[&str] = if patch { &["application/json-patch+json"] } else { &["application/fhir+json", "application/json"] };
    if !takes.contains(&media.as_str()) {
        return Err(Outcome::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "not-supported", format!("send the body as {}", takes.join(" or "))));
    }
    serde_json::from_slice(bytes).map_err(|e| Outcome::new(StatusCode::BAD_REQUEST, "structure", format!("the body is not JSON: {e}")))
}

/// An invalid resource in a request body (422, naming the element).
fn unprocessable(element: &str, message: impl Into<String>) -> Outcome {
    let mut o = Outcome::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", format!("{element}: {}", message.into()));
    o.issue.expression.push(element.to_string());
    o
}

/// The versions an `If-Match` names: FHIR's weak tags (`W/"3"`) or strong ones; `*` is any.
fn if_match_versions(header: Option<&str>) -> Option<Vec<u32>> {
    let header = header?;
    let mut versions = Vec::new();
    for tag in header.split(',').map(str::trim) {
        if tag == "*" {
            return None;
        }
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        if let Some(v) = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).and_then(|t| t.parse().ok()) {
            versions.push(v);
        }
    }
    Some(versions)
}

/// A written appointment's answer: the resource, its version as the `ETag`, and (created) its `Location`.
fn written(status: StatusCode, resource: &model::Appointment, base: &str) -> Response {
    let mut response = read_answer(to_value(resource));
    response.set_status(status);
    if status == StatusCode::CREATED
        && let Ok(value) = header::HeaderValue::from_str(&format!("{base}/Appointment/{}", resource.id))
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A read's answer, with the version as a weak `ETag` and the last change as `Last-Modified`.
fn read_answer(resource: Value) -> Response {
    let mut response = fhir_json(StatusCode::OK, &resource);
    let meta = &resource["meta"];
    if let Some(v) = meta["versionId"].as_str()
        && let Ok(value) = header::HeaderValue::from_str(&format!("W/\"{v}\""))
    {
        response.headers_mut().insert(header::ETAG, value);
    }
    if let Some(t) = meta["lastUpdated"].as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        && let Ok(value) = header::HeaderValue::from_str(&t.with_timezone(&Utc).format("%a, %d %b %Y %H:%M:%S GMT").to_string())
    {
        response.headers_mut().insert(header::LAST_MODIFIED, value);
    }
    response
}

/// The interface's absolute address as the client reached it (for `fullUrl` and links).
fn base_url(req: &Request, state: &AppState) -> String {
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let forwarded_https =
        req.headers().get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let scheme = if state.https_only || forwarded_https { "https" } else { "http" };
    format!("{scheme}://{host}{BASE}")
}

/// One request's caller and surroundings.
struct Context<'a> {
    state: &'a AppState,
    actor: &'a Actor,
    base: &'a str,
    now: DateTime<Utc>,
}

pub(crate) fn to_value(resource: impl Serialize) -> Value {
    serde_json::to_value(resource).expect("a FHIR resource serializes")
}

/// An id in a read's path: one that cannot be hms's is simply not found.
fn path_id(kind: &str, id: &str) -> Result<Uuid, Outcome> {
    id.parse().map_err(|_| Outcome::not_found(format!("no {kind} has the id \"{id}\"")))
}

impl Context<'_> {
    async fn read(&self, kind: &str, id: &str) -> Result<Value, Outcome> {
        let h = &self.state.hospital;
        if kind == "MedicationRequest" {
            let gone = || Outcome::not_found(format!("no MedicationRequest has the id \"{id}\""));
            let (prescription, index) = map::parse_medication_request_id(id).ok_or_else(gone)?;
            let prescription = h.prescription(self.actor, prescription, self.now).await?;
            if index >= prescription.medications.len() {
                return Err(gone());
            }
            return Ok(to_value(map::medication_request(&hms_core::MedicationOrder { prescription, index })));
        }
        if kind == "Slot" {
            // A slot is free time, named by its doctor and start: it exists while it is free.
            let gone = || Outcome::not_found(format!("no free Slot has the id \"{id}\""));
            let (doctor, start) = map::parse_slot_id(id).ok_or_else(gone)?;
            // Slots are at most a day long: the day from the start holds it whole, if it is free.
            let free = self.state.hospital.free_slots(doctor, start, start + chrono::Duration::days(1), self.now).await;
            let free = match free {
                Err(e) if e.kind() == ErrorKind::NotFound => return Err(gone()),
                other => other?,
            };
            let slot = free.iter().find(|s| s.start == start).ok_or_else(gone)?;
            return Ok(to_value(map::slot(doctor, slot)));
        }
        let id = path_id(kind, id)?;
        Ok(match kind {
            "Patient" => to_value(map::patient(&h.patient(self.actor, id.into(), self.now).await?)),
            "Practitioner" => to_value(map::practitioner(&h.doctor(Some(self.actor), id.into()).await?)),
            "PractitionerRole" => to_value(map::practitioner_role(&h.doctor(Some(self.actor), id.into()).await?)),
            "Appointment" => to_value(map::appointment(&h.appointment(self.actor, id.into(), self.now).await?)),
            "DocumentReference" => to_value(map::document_reference(&h.document(self.actor, id.into(), self.now).await?, self.base)),
            "Invoice" => to_value(map::invoice(&h.invoice(self.actor, id.into(), self.now).await?)),
            "AuditEvent" => {
                let filter = hms_core::AuditFilter { id: Some(id.into()), ..Default::default() };
                let found = h.audit_log(self.actor, filter, PageRequest::default(), self.now).await?;
                let event = found.items.first().ok_or_else(|| Outcome::not_found(format!("no AuditEvent has the id \"{id}\"")))?;
                to_value(map::audit_event(event))
            }
            "Schedule" => {
                let doctor = h.doctor(Some(self.actor), id.into()).await?;
                let availability = h.availability(doctor.id, self.now).await?;
                to_value(map::schedule(&doctor, Some(&availability)))
            }
            _ => return Err(Outcome::not_found(format!("this server does not serve \"{kind}\" resources"))),
        })
    }

    /// A resource named by `_id` (or an identifier holding hms's id), as a page of one or none:
    /// what the caller may not read is not there.
    async fn by_id(&self, kind: &str, id: &str) -> Result<Page<Value>, Outcome> {
        match self.read(kind, id).await {
            Ok(resource) => Ok(Page::new(vec![resource], PageRequest::default(), 1)),
            Err(o) if o.status == StatusCode::NOT_FOUND => Ok(Page::new(Vec::new(), PageRequest::default(), 0)),
            Err(o) => Err(o),
        }
    }

    async fn search(&self, spec: &Spec, s: &Search) -> Result<model::Bundle, Outcome> {
        let page = PageRequest::new(s.page, s.count).map_err(|_| Outcome::invalid("_count", "is out of range"))?;
        // `_summary=count` still runs the search, for its total, on the smallest page.
        let page = if s.count_only { PageRequest::new(1, 1).expect("a valid page") } else { page };
        let h = &self.state.hospital;
        let only_id = match s.one("_id")? {
            Some(v) => {
                if s.params.len() > 1 {
                    return Err(Outcome::invalid("_id", "is answered alone: combine it with no other search parameter"));
                }
                Some(v.rsplit('/').next().unwrap_or(v).to_string())
            }
            None => None,
        };
        let mut includes: Vec<Value> = Vec::new();
        let found: Page<Value> = match (spec.kind, only_id) {
            (kind, Some(id)) => self.by_id(kind, &id).await?,
            ("Patient", None) => {
                let mut filter = PatientFilter { doctor_id: None, search: s.one("name")?.map(str::to_string), ..Default::default() };
                if let Some(value) = s.one("identifier")? {
                    if let Some(id) = hms_id(s, value)? {
                        return self.bundle(spec, s, self.by_id(spec.kind, &id.to_string()).await?, Vec::new());
                    }
                    match search::token(value) {
                        (Some(map::EMAIL_SYSTEM) | None, v) => filter.email = Some(v.to_string()),
                        (Some(system), _) => {
                            return Err(Outcome::invalid("identifier", format!("patients have no identifiers of the system {system}")));
                        }
                    }
                }
                if let Some(value) = s.one("birthdate")? {
                    let (prefix, start, _) = search::date("birthdate", value, self.state.hospital.config().time_zone.tz())?;
                    if prefix != search::Prefix::Eq || value.trim_start_matches("eq").len() != 10 {
                        return Err(Outcome::invalid("birthdate", "takes one day (YYYY-MM-DD), without a prefix other than eq"));
                    }
                    filter.born_on = Some(start.with_timezone(&self.state.hospital.config().time_zone.tz()).date_naive());
                }
                h.list_patients(self.actor, filter, page, self.now).await?.map(|p| to_value(map::patient(&p)))
            }
            ("Practitioner" | "PractitionerRole", None) => {
                let mut filter = DoctorFilter { name: s.one("name")?.map(str::to_string), ..Default::default() };
                if let Some(value) = s.one("identifier")? {
                    if let Some(id) = hms_id(s, value)? {
                        return self.bundle(spec, s, self.by_id(spec.kind, &id.to_string()).await?, Vec::new());
                    }
                    match search::token(value) {
                        (Some(map::LICENSE_SYSTEM) | None, v) => filter.license_number = Some(v.to_string()),
                        (Some(system), _) => {
                            return Err(Outcome::invalid("identifier", format!("doctors have no identifiers of the system {system}")));
                        }
                    }
                }
                if let Some(v) = s.one("practitioner")? {
                    if s.params.len() > 1 {
                        return Err(Outcome::invalid("practitioner", "is answered alone: combine it with no other search parameter"));
                    }
                    let id = search::reference_id("practitioner", v, "Practitioner")?;
                    let found = self.by_id(spec.kind, &id.to_string()).await?;
                    if s.includes.iter().any(|i| i == "PractitionerRole:practitioner")
                        && let Some(first) = found.items.first()
                    {
                        includes.push(self.read("Practitioner", first["id"].as_str().unwrap_or_default()).await?);
                    }
                    return self.bundle(spec, s, found, includes);
                }
                filter.specialization = s.one("specialty")?.map(|v| search::token(v).1.to_string());
                filter.accepting = boolean(s, "active")?;
                let doctors = h.list_doctors(Some(self.actor), filter, page).await?;
                if spec.kind == "PractitionerRole" {
                    if s.includes.iter().any(|i| i == "PractitionerRole:practitioner") {
                        includes.extend(doctors.items.iter().map(|d| to_value(map::practitioner(d))));
                    }
                    doctors.map(|d| to_value(map::practitioner_role(&d)))
                } else {
                    doctors.map(|d| to_value(map::practitioner(&d)))
                }
            }
            ("Schedule", None) => {
                if let Some(v) = s.one("actor")? {
                    if s.params.len() > 1 {
                        return Err(Outcome::invalid("actor", "is answered alone: combine it with no other search parameter"));
                    }
                    let id = search::reference_id("actor", v, "Practitioner")?;
                    return self.bundle(spec, s, self.by_id("Schedule", &id.to_string()).await?, Vec::new());
                }
                let accepting = boolean(s, "active")?;
                let doctors = h.list_doctors(Some(self.actor), DoctorFilter { accepting, ..Default::default() }, page).await?;
                let mut schedules = Vec::with_capacity(doctors.items.len());
                for d in &doctors.items {
                    let availability = h.availability(d.id, self.now).await?;
                    schedules.push(to_value(map::schedule(d, Some(&availability))));
                }
                Page { items: schedules, page: doctors.page, per_page: doctors.per_page, total: doctors.total }
            }
            ("Slot", None) => self.slots(s, page).await?,
            ("MedicationRequest", None) => {
                let mut filter = hms_core::PrescriptionFilter::default();
                if let Some(v) = s.one("patient")? {
                    filter.patient_id = Some(search::reference_id("patient", v, "Patient")?.into());
                }
                if let Some(v) = s.one("requester")? {
                    filter.doctor_id = Some(search::reference_id("requester", v, "Practitioner")?.into());
                }
                let found = h.list_medication_orders(self.actor, filter, page, self.now).await?;
                let wants = |name: &str| s.includes.iter().any(|i| i == name);
                let patients: Vec<_> = if wants("MedicationRequest:patient") {
                    found.items.iter().map(|o| o.prescription.patient_id).collect()
                } else {
                    Vec::new()
                };
                let doctors: Vec<_> = if wants("MedicationRequest:requester") {
                    found.items.iter().map(|o| o.prescription.doctor_id).collect()
                } else {
                    Vec::new()
                };
                includes = self.included(patients, doctors).await?;
                found.map(|o| to_value(map::medication_request(&o)))
            }
            ("DocumentReference", None) => {
                let patient = match (s.one("patient")?, self.actor.patient_id()) {
                    (Some(v), _) => search::reference_id("patient", v, "Patient")?.into(),
                    (None, Some(me)) => me,
                    (None, None) => return Err(Outcome::invalid("patient", "is required: whose documents?")),
                };
                h.documents(self.actor, patient, page, self.now).await?.map(|d| to_value(map::document_reference(&d, self.base)))
            }
            ("Invoice", None) => {
                let mut filter = hms_core::InvoiceFilter::default();
                if let Some(v) = s.one("patient")? {
                    filter.patient_id = Some(search::reference_id("patient", v, "Patient")?.into());
                }
                if let Some(v) = s.one("status")? {
                    let status = hms_core::InvoiceStatus::ALL.iter().copied().find(|st| map::invoice_status(*st) == v);
                    match status {
                        Some(st) => filter.status = Some(st),
                        None if matches!(v, "draft" | "entered-in-error") => {
                            return self.bundle(spec, s, Page::new(Vec::new(), page, 0), Vec::new());
                        }
                        None => return Err(Outcome::invalid("status", format!("\"{v}\" is not an invoice status of FHIR R4"))),
                    }
                }
                h.list_invoices(self.actor, filter, page, self.now).await?.map(|i| to_value(map::invoice(&i)))
            }
            ("AuditEvent", None) => {
                let mut filter = hms_core::AuditFilter::default();
                if let Some(v) = s.one("patient")? {
                    filter.patient_id = Some(search::reference_id("patient", v, "Patient")?.into());
                }
                if let Some(v) = s.one("agent")? {
                    let id = v.rsplit('/').next().unwrap_or(v);
                    filter.actor_id =
                        Some(id.parse::<Uuid>().map_err(|_| Outcome::invalid("agent", format!("\"{v}\" names no account")))?.into());
                }
                let tz = self.state.hospital.config().time_zone.tz();
                for v in s.all("date") {
                    let (prefix, start, end) = search::date("date", v, tz)?;
                    search::narrow(&mut filter.from, &mut filter.to, prefix, start, end);
                }
                h.audit_log(self.actor, filter, page, self.now).await?.map(|e| to_value(map::audit_event(&e)))
            }
            ("Appointment", None) => {
                let Some(filter) = self.appointment_filter(s)? else {
                    return self.bundle(spec, s, Page::new(Vec::new(), page, 0), Vec::new());
                };
                let found = h.list_appointments(self.actor, filter, page, self.now).await?;
                let (mut patients, mut doctors) = (Vec::new(), Vec::new());
                for include in &s.includes {
                    for a in &found.items {
                        if matches!(include.as_str(), "Appointment:patient" | "Appointment:actor") && !patients.contains(&a.patient_id) {
                            patients.push(a.patient_id);
                        }
                        if matches!(include.as_str(), "Appointment:practitioner" | "Appointment:actor") && !doctors.contains(&a.doctor_id) {
                            doctors.push(a.doctor_id);
                        }
                    }
                }
                includes = self.included(patients, doctors).await?;
                found.map(|a| to_value(map::appointment(&a)))
            }
            (kind, None) => return Err(Outcome::not_found(format!("this server does not search \"{kind}\" resources"))),
        };
        self.bundle(spec, s, found, includes)
    }

    /// Books an appointment (`POST /Appointment`) through the core's booking: the doctor from a
    /// `Practitioner` participant or the `slot`, the start from `start` or the slot, the patient
    /// from a `Patient` participant (a patient booking for themself may leave it out).
    async fn book(&self, body: Value) -> Answer {
        if body["resourceType"] != "Appointment" {
            return Err(unprocessable("resourceType", "must be Appointment"));
        }
        if let Some(status) = body.get("status")
            && !matches!(status.as_str(), Some("proposed" | "pending" | "booked"))
        {
            return Err(unprocessable("status", "a new appointment is proposed (it is booked once the doctor confirms it)"));
        }
        let text = |element: &str| -> Result<String, Outcome> {
            match body.get(element) {
                None => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(unprocessable(element, "must be a string")),
            }
        };
        let (reason, notes) = (text("description")?, text("comment")?);
        let (mut doctor, mut patient, mut start) = (None, None, None);
        let references = |element: &str, path: &str| -> Vec<(String, String)> {
            body[element]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p.pointer(path).and_then(Value::as_str))
                .map(|r| (element.to_string(), r.to_string()))
                .collect()
        };
        for (element, reference) in references("participant", "/actor/reference").into_iter().chain(references("slot", "/reference")) {
            let tail = reference.rsplit('/').take(2).collect::<Vec<_>>();
            let (kind, id) = match tail.as_slice() {
                [id, kind] => (*kind, *id),
                _ => return Err(unprocessable(&element, format!("\"{reference}\" is not a reference (Type/id)"))),
            };
            match kind {
                "Patient" => patient = Some(path_id("Patient", id).map_err(|_| unprocessable(&element, "names no patient id"))?.into()),
                "Practitioner" | "PractitionerRole" | "Schedule" => {
                    doctor = Some(path_id(kind, id).map_err(|_| unprocessable(&element, "names no doctor id"))?.into())
                }
                "Slot" => {
                    let (d, s) = map::parse_slot_id(id).ok_or_else(|| unprocessable(&element, format!("\"{id}\" is not a slot id")))?;
                    if doctor.is_some_and(|known| known != d) {
                        return Err(unprocessable("slot", "is not a slot of the practitioner named"));
                    }
                    doctor = Some(d);
                    start = Some(s);
                }
                _ => return Err(unprocessable(&element, format!("{kind} is not a participant hms books"))),
            }
        }
        if let Some(s) = body.get("start") {
            let given = s
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .ok_or_else(|| unprocessable("start", "must be an instant with its time zone"))?
                .with_timezone(&Utc);
            if !search::plausible(given) {
                return Err(unprocessable("start", "is not a plausible instant"));
            }
            if start.is_some_and(|slot| slot != given) {
                return Err(unprocessable("start", "is not the start of the slot named"));
            }
            start = Some(given);
        }
        let doctor = doctor.ok_or_else(|| unprocessable("participant", "name the doctor (Practitioner/<id>) or a slot"))?;
        let starts_at = start.ok_or_else(|| unprocessable("start", "is required (or name a slot)"))?;
        let input = hms_core::BookingInput { doctor_id: doctor, patient_id: patient, starts_at, reason, notes };
        let appointment = self.state.hospital.book(self.actor, input, self.now).await?;
        Ok(written(StatusCode::CREATED, &map::appointment(&appointment), self.base))
    }

    /// Changes an appointment's status (`PUT` of the resource with another status, or `PATCH`
    /// replacing `/status`) by the lifecycle step that leads there; the core decides whether the
    /// caller may take it.
    async fn change_status(&self, id: &str, body: Value, patch: bool, if_match: Option<&str>) -> Answer {
        let id: hms_core::AppointmentId = path_id("Appointment", id)?.into();
        let current = self.state.hospital.appointment(self.actor, id, self.now).await?;
        let (wanted, reason) = if patch {
            let ops = body.as_array().ok_or_else(|| unprocessable("patch", "must be a JSON Patch (an array of operations)"))?;
            let (mut wanted, mut reason) = (None, None);
            for op in ops {
                let (kind, path) = (op["op"].as_str().unwrap_or_default(), op["path"].as_str().unwrap_or_default());
                match (kind, path) {
                    ("replace" | "add", "/status") => wanted = op["value"].as_str().map(str::to_string),
                    ("replace" | "add", "/cancelationReason") => reason = Some(op["value"].clone()),
                    _ => return Err(unprocessable("patch", format!("{kind} {path}: only the status (and cancelationReason) can change"))),
                }
            }
            (wanted.ok_or_else(|| unprocessable("patch", "replace /status with the new status"))?, reason)
        } else {
            if body["resourceType"] != "Appointment" || body["id"].as_str() != Some(current.id.to_string().as_str()) {
                return Err(unprocessable("id", "the body is not this appointment"));
            }
            // Only the status (and the reason for a cancellation) change by an update: every other
            // element sent must be as it is (instants compared as instants).
            let was = to_value(map::appointment(&current));
            let instant = |v: &Value| v.as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc));
            for (element, value) in body.as_object().into_iter().flatten() {
                let same = match element.as_str() {
                    "resourceType" | "id" | "meta" | "text" | "status" | "cancelationReason" => true,
                    "start" | "end" | "created" => instant(value).is_some() && instant(value) == instant(&was[element]),
                    _ => value == &was[element],
                };
                if !same {
                    return Err(unprocessable(element, "cannot change by an update: only the status (and cancelationReason) can"));
                }
            }
            let wanted = body["status"].as_str().ok_or_else(|| unprocessable("status", "is required"))?.to_string();
            (wanted, body.get("cancelationReason").cloned())
        };
        let reason_text = reason.as_ref().and_then(|r| r["text"].as_str()).map(str::to_string);
        let named_step = reason.as_ref().and_then(|r| {
            r["coding"].as_array()?.iter().find(|c| c["system"] == map::STEP_SYSTEM).and_then(|c| c["code"].as_str()).map(str::to_string)
        });
        let expected = if_match_versions(if_match);
        if map::appointment_status(current.status) == wanted && named_step.is_none() {
            // Already so: nothing to change, if it is still the version the caller read.
            Error::expect_version(EntityKind::Appointment, current.version, expected.as_deref())?;
            return Ok(written(StatusCode::OK, &map::appointment(&current), self.base));
        }
        let step = map::step_toward(current.status, &wanted, named_step.as_deref()).ok_or_else(|| {
            unprocessable("status", format!("no step leads from {} to {wanted}", map::appointment_status(current.status)))
        })?;
        let changed = self.state.hospital.transition(self.actor, id, step, reason_text, expected.as_deref(), self.now).await?;
        Ok(written(StatusCode::OK, &map::appointment(&changed), self.base))
    }

    /// Keeps the account of what an answer shows (`record_disclosures`): one audit event for each
    /// patient whose data it holds, or one for the answer if it holds none.
    async fn disclosed<'v>(&self, operation: &'static str, asked: &str, shown: impl Iterator<Item = &'v Value>) -> Result<(), Outcome> {
        let mut disclosures: Vec<hms_core::Disclosure> = Vec::new();
        let mut last: Option<hms_core::Disclosure> = None;
        let mut count = 0;
        for resource in shown {
            count += 1;
            let d = disclosure(resource);
            if d.patient_id.is_some() && !disclosures.iter().any(|known| known.patient_id == d.patient_id) {
                disclosures.push(hms_core::Disclosure { entity_id: None, ..d.clone() });
            }
            last = Some(d);
        }
        match last {
            // One record: it is named.
            Some(d) if count == 1 => disclosures = vec![d],
            _ if disclosures.is_empty() => {
                let kind = asked.trim_start_matches('/').split(['/', '?']).next().unwrap_or_default();
                disclosures.push(hms_core::Disclosure { entity: entity_of(kind), entity_id: None, patient_id: None });
            }
            _ => {}
        }
        let detail = format!("{asked} ({count} shown)");
        self.state.hospital.record_disclosures(self.actor, operation, &detail, &disclosures, self.now).await?;
        Ok(())
    }

    /// The patients and doctors a page refers to, for `_include`: each read as the caller,
    /// through the same checks as a read of its own, so what the caller may not read is left out.
    async fn included(&self, mut patients: Vec<hms_core::PatientId>, mut doctors: Vec<hms_core::DoctorId>) -> Result<Vec<Value>, Outcome> {
        let h = &self.state.hospital;
        let (mut seen_p, mut seen_d) = (std::collections::HashSet::new(), std::collections::HashSet::new());
        patients.retain(|p| seen_p.insert(*p));
        doctors.retain(|d| seen_d.insert(*d));
        let mut found = Vec::new();
        for id in patients {
            match h.patient(self.actor, id, self.now).await {
                Ok(p) => found.push(to_value(map::patient(&p))),
                Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Forbidden) => {}
                Err(e) => return Err(e.into()),
            }
        }
        for id in doctors {
            match h.doctor(Some(self.actor), id).await {
                Ok(d) => found.push(to_value(map::practitioner(&d))),
                Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Forbidden) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(found)
    }

    /// A document's bytes (`Binary/<id>`), as they were uploaded, or as a `Binary` resource
    /// for a client that asks for FHIR JSON; read through the core, which audits it.
    async fn binary(&self, id: &str, wants_fhir: bool) -> Answer {
        let id = path_id("Binary", id)?;
        let (document, bytes) = self.state.hospital.document_content(self.actor, id.into(), self.now).await?;
        let shown = hms_core::Disclosure {
            entity: EntityKind::Document,
            entity_id: Some(document.id.to_string()),
            patient_id: Some(document.patient_id),
        };
        self.state.hospital.record_disclosures(self.actor, "fhir.read", &format!("Binary/{}", document.id), &[shown], self.now).await?;
        if wants_fhir {
            use base64::Engine;
            let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
            return Ok(fhir_json(
                StatusCode::OK,
                &model::Binary { id: document.id.to_string(), content_type: document.content_type, data },
            ));
        }
        let content_type =
            header::HeaderValue::from_str(&document.content_type).unwrap_or(header::HeaderValue::from_static("application/octet-stream"));
        let mut response = Response::builder().status(StatusCode::OK).body(bytes);
        response.headers_mut().insert(header::CONTENT_TYPE, content_type);
        response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, header::HeaderValue::from_static("nosniff"));
        // Downloaded, never shown in the page of whoever follows the link.
        let name: String = document.file_name.chars().filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\' || *c == ' ').collect();
        if let Ok(value) = header::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
        }
        Ok(response)
    }

    /// Kicks off a bulk export (`$export`, `Patient/$export`) of `offered` (or the `_type`s
    /// named among them): 202 with the status URL in `Content-Location`.
    async fn kick_off(&self, req: &Request, offered: &[&'static str]) -> Answer {
        let asks_async = req
            .headers()
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split([',', ';']).any(|p| p.trim().eq_ignore_ascii_case("respond-async")));
        if !asks_async {
            return Err(Outcome::invalid("Prefer", "an export answers asynchronously: send Prefer: respond-async"));
        }
        let (mut named, mut since): (Vec<&'static str>, _) = (Vec::new(), None);
        for (name, value) in search::form_urlencoded(req.uri().query().unwrap_or_default()) {
            match name.as_str() {
                "_type" => {
                    for t in value.split(',').map(str::trim) {
                        let known = offered.iter().find(|o| **o == t).ok_or_else(|| {
                            Outcome::invalid("_type", format!("\"{t}\" is not exported here; the types are {}", offered.join(", ")))
                        })?;
                        if !named.contains(known) {
                            named.push(*known);
                        }
                    }
                }
                "_since" => {
                    let t = DateTime::parse_from_rfc3339(&value)
                        .map_err(|_| Outcome::invalid("_since", "must be an instant with its time zone"))?;
                    since = Some(t.with_timezone(&Utc));
                }
                "_outputFormat" => {
                    if !matches!(value.as_str(), "application/fhir+ndjson" | "application/ndjson" | "ndjson") {
                        return Err(Outcome::invalid("_outputFormat", "this server writes application/fhir+ndjson"));
                    }
                }
                other => return Err(Outcome::invalid(other, "an export takes _type, _since and _outputFormat")),
            }
        }
        let types = if named.is_empty() { offered.to_vec() } else { named };
        let request = format!("{}{}", self.base.trim_end_matches(BASE), req.uri());
        self.state.hospital.begin_export(self.actor, &request, self.now).await?;
        let job = self
            .state
            .exports
            .start(self.state.hospital.clone(), *self.actor, export::Order { types, since, request, base: self.base.to_string() }, self.now)
            .map_err(|e| Outcome::from(Error::internal(format!("the export folder: {e}"))))?;
        let mut response = Response::builder().status(StatusCode::ACCEPTED).finish();
        if let Ok(value) = header::HeaderValue::from_str(&format!("{}/$export-status/{}", self.base, job.id)) {
            response.headers_mut().insert(header::CONTENT_LOCATION, value);
        }
        Ok(response)
    }

    /// An export job, for an admin (the core's export permission), or not found.
    async fn export_job(&self, id: &str) -> Result<std::sync::Arc<export::Job>, Outcome> {
        self.state.hospital.ensure_may(self.actor, hms_core::Action::BulkExport, EntityKind::Audit, self.now).await?;
        id.parse().ok().and_then(|id| self.state.exports.get(id)).ok_or_else(|| Outcome::not_found("no such export"))
    }

    /// An export's status: 202 with `X-Progress` while it runs, the manifest once it is written;
    /// `DELETE` ends it and removes its files.
    async fn export_status(&self, id: &str, delete: bool) -> Answer {
        let job = self.export_job(id).await?;
        if delete {
            self.state.exports.remove(job.id);
            return Ok(Response::builder().status(StatusCode::ACCEPTED).finish());
        }
        let state = job.state.lock().expect("the job's state").clone();
        match state {
            export::State::Running => {
                let mut response = Response::builder().status(StatusCode::ACCEPTED).finish();
                if let Ok(value) = header::HeaderValue::from_str(&job.progress()) {
                    response.headers_mut().insert("x-progress", value);
                }
                response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
                Ok(response)
            }
            export::State::Done(outputs) => {
                let body = export::manifest(&job, &outputs, self.base);
                Ok(Response::builder().status(StatusCode::OK).content_type("application/json").body(body.to_string()))
            }
            export::State::Failed(why) => {
                Err(Outcome::new(StatusCode::INTERNAL_SERVER_ERROR, "exception", format!("the export failed: {why}")))
            }
        }
    }

    /// One NDJSON file of a finished export, streamed from disk.
    async fn export_file(&self, id: &str, name: &str) -> Answer {
        let job = self.export_job(id).await?;
        let path = job.file(name).ok_or_else(|| Outcome::not_found("no such file in this export"))?;
        let file = tokio::fs::File::open(&path).await.map_err(|_| Outcome::not_found("the file is gone"))?;
        Ok(Response::builder().status(StatusCode::OK).content_type("application/fhir+ndjson").body(poem::Body::from_async_read(file)))
    }

    /// A doctor's free slots in the window the search names, one page of them.
    async fn slots(&self, s: &Search, page: PageRequest) -> Result<Page<Value>, Outcome> {
        let doctor: hms_core::DoctorId = match (s.one("schedule")?, s.one("schedule.actor")?) {
            (Some(v), None) => search::reference_id("schedule", v, "Schedule")?.into(),
            (None, Some(v)) => search::reference_id("schedule.actor", v, "Practitioner")?.into(),
            _ => {
                return Err(Outcome::invalid(
                    "schedule",
                    "name the slots' schedule (schedule=Schedule/<id> or schedule.actor=Practitioner/<id>)",
                ));
            }
        };
        let (mut from, mut to) = (None, None);
        for v in s.all("start") {
            let (prefix, start, end) = search::date("start", v, self.state.hospital.config().time_zone.tz())?;
            search::narrow(&mut from, &mut to, prefix, start, end);
        }
        let from = from.unwrap_or(self.now).max(self.now);
        let to = to.unwrap_or(from + chrono::Duration::days(OPEN_SLOT_WINDOW_DAYS));
        let nothing = Page::new(Vec::new(), page, 0);
        if to <= from || s.one("status")?.is_some_and(|v| !v.split(',').any(|c| c.trim() == "free")) {
            return Ok(nothing);
        }
        if to - from > chrono::Duration::days(hms_core::schedule::MAX_SLOT_QUERY_DAYS) {
            return Err(Outcome::invalid(
                "start",
                format!("names more than {} days: narrow it with ge and lt", hms_core::schedule::MAX_SLOT_QUERY_DAYS),
            ));
        }
        let free = match self.state.hospital.free_slots(doctor, from, to, self.now).await {
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(nothing),
            other => other?,
        };
        let total = free.len() as u64;
        let skip = (page.page() as usize - 1) * page.per_page() as usize;
        let items = free.iter().skip(skip).take(page.per_page() as usize).map(|slot| to_value(map::slot(doctor, slot))).collect();
        Ok(Page::new(items, page, total))
    }

    /// The appointment filter of a search; none when nothing can match.
    fn appointment_filter(&self, s: &Search) -> Result<Option<AppointmentFilter>, Outcome> {
        let mut filter = AppointmentFilter::default();
        if let Some(v) = s.one("patient")? {
            filter.patient_id = Some(search::reference_id("patient", v, "Patient")?.into());
        }
        if let Some(v) = s.one("practitioner")? {
            filter.doctor_id = Some(search::reference_id("practitioner", v, "Practitioner")?.into());
        }
        if let Some(v) = s.one("actor")? {
            if v.contains("Practitioner/") {
                filter.doctor_id = Some(search::reference_id("actor", v, "Practitioner")?.into());
            } else {
                filter.patient_id = Some(search::reference_id("actor", v, "Patient")?.into());
            }
        }
        if let Some(v) = s.one("status")? {
            let mut statuses = Vec::new();
            for code in v.split(',') {
                let of = map::statuses_of(code.trim())
                    .ok_or_else(|| Outcome::invalid("status", format!("\"{code}\" is not an appointment status of FHIR R4")))?;
                statuses.extend_from_slice(of);
            }
            if statuses.is_empty() {
                // Only statuses hms never uses.
                return Ok(None);
            }
            filter.statuses = statuses;
        }
        let tz = self.state.hospital.config().time_zone.tz();
        for v in s.all("date") {
            let (prefix, start, end) = search::date("date", v, tz)?;
            search::narrow(&mut filter.from, &mut filter.to, prefix, start, end);
        }
        for v in s.all("_lastUpdated") {
            let (prefix, start, end) = search::date("_lastUpdated", v, tz)?;
            search::narrow(&mut filter.changed_from, &mut filter.changed_to, prefix, start, end);
        }
        filter.order = match s.sort.as_ref().map(|(key, descending)| (key.as_str(), *descending)) {
            Some(("date", true)) => AppointmentOrder::StartDescending,
            Some(("_lastUpdated", false)) => AppointmentOrder::Changed,
            Some(("_lastUpdated", true)) => AppointmentOrder::ChangedDescending,
            _ => AppointmentOrder::Start,
        };
        Ok(Some(filter))
    }

    /// A `searchset` Bundle of one page, with `total` and links to its neighbours.
    fn bundle(&self, spec: &Spec, s: &Search, found: Page<Value>, includes: Vec<Value>) -> Result<model::Bundle, Outcome> {
        let total = found.total;
        let query = |page: Option<u32>| {
            let mut parts: Vec<String> = s.applied.iter().map(|(n, v)| format!("{}={}", search::encode(n), search::encode(v))).collect();
            if let Some(p) = page {
                if !s.applied.iter().any(|(n, _)| n == "_count") {
                    parts.push(format!("_count={}", s.count));
                }
                parts.push(format!("_page={p}"));
            }
            let q = parts.join("&");
            if q.is_empty() { format!("{}/{}", self.base, spec.kind) } else { format!("{}/{}?{q}", self.base, spec.kind) }
        };
        let mut link = vec![model::Link { relation: "self", url: query(if s.page > 1 { Some(s.page) } else { None }) }];
        if !s.count_only {
            let pages = total.div_ceil(u64::from(s.count)).max(1) as u32;
            link.push(model::Link { relation: "first", url: query(Some(1)) });
            if s.page > 1 {
                link.push(model::Link { relation: "previous", url: query(Some((s.page - 1).min(pages))) });
            }
            if u64::from(s.page) * u64::from(s.count) < total {
                link.push(model::Link { relation: "next", url: query(Some(s.page + 1)) });
            }
            link.push(model::Link { relation: "last", url: query(Some(pages)) });
        }
        let entry = |resource: Value, mode| {
            let full_url = format!(
                "{}/{}/{}",
                self.base,
                resource["resourceType"].as_str().unwrap_or_default(),
                resource["id"].as_str().unwrap_or_default()
            );
            model::Entry { full_url, resource, search: model::EntrySearch { mode } }
        };
        let mut entries: Vec<model::Entry> = Vec::new();
        if !s.count_only {
            entries.extend(found.items.into_iter().map(|r| entry(r, "match")));
            entries.extend(includes.into_iter().map(|r| entry(r, "include")));
        }
        Ok(model::Bundle { kind: "searchset", total, link, entry: entries })
    }
}

/// hms's own id, if an `identifier` value names it (`urn:ietf:rfc:3986|urn:uuid:<id>`, or the URN
/// alone); such a search is answered alone, like `_id`.
fn hms_id(s: &Search, value: &str) -> Result<Option<Uuid>, Outcome> {
    match search::token(value) {
        (Some(map::ID_SYSTEM) | None, v) if v.starts_with("urn:uuid:") => {
            if s.params.len() > 1 {
                return Err(Outcome::invalid("identifier", "hms's id is answered alone"));
            }
            let id = v["urn:uuid:".len()..].parse().map_err(|_| Outcome::invalid("identifier", "names no id"))?;
            Ok(Some(id))
        }
        _ => Ok(None),
    }
}

/// A `token` parameter of `true` or `false`.
fn boolean(s: &Search, name: &str) -> Result<Option<bool>, Outcome> {
    match s.one(name)? {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(Outcome::invalid(name, "is true or false")),
    }
}

/// The kind of hms record a resource type shows.
fn entity_of(kind: &str) -> EntityKind {
    match kind {
        "Patient" => EntityKind::Patient,
        "Appointment" => EntityKind::Appointment,
        "MedicationRequest" => EntityKind::Prescription,
        "DocumentReference" | "Binary" => EntityKind::Document,
        "Invoice" => EntityKind::Invoice,
        "AuditEvent" => EntityKind::Audit,
        "Schedule" | "Slot" => EntityKind::Availability,
        _ => EntityKind::Doctor,
    }
}

/// What one resource discloses: its record, and the patient it concerns.
fn disclosure(resource: &Value) -> hms_core::Disclosure {
    let kind = resource["resourceType"].as_str().unwrap_or_default();
    let id = resource["id"].as_str().map(str::to_string);
    let patient_ref = |r: &Value| r.as_str().and_then(|r| r.strip_prefix("Patient/")).and_then(|id| id.parse::<Uuid>().ok());
    let patient = if kind == "Patient" {
        id.as_deref().and_then(|id| id.parse::<Uuid>().ok())
    } else {
        patient_ref(&resource["subject"]["reference"])
            .or_else(|| resource["participant"].as_array().into_iter().flatten().find_map(|p| patient_ref(&p["actor"]["reference"])))
            .or_else(|| resource["entity"].as_array().into_iter().flatten().find_map(|e| patient_ref(&e["what"]["reference"])))
    };
    hms_core::Disclosure { entity: entity_of(kind), entity_id: id, patient_id: patient.map(Into::into) }
}

/// When what the CapabilityStatement says last changed.
const STATEMENT_DATE: &str = "2026-12-06";

/// The CapabilityStatement: what this server does, from the same table the searches check.
pub fn capability_statement(base: &str) -> Value {
    let resources: Vec<Value> = search::SPECS
        .iter()
        .map(|spec| {
            let mut resource = json!({
                "type": spec.kind,
                "interaction": match (spec.search, spec.writes) {
                    (_, true) => json!([{"code": "read"}, {"code": "search-type"}, {"code": "create"}, {"code": "update"}, {"code": "patch"}]),
                    (true, false) => json!([{"code": "read"}, {"code": "search-type"}]),
                    (false, false) => json!([{"code": "read"}]),
                },
                "versioning": "versioned",
                "readHistory": false,
            });
            // FHIR has no empty arrays.
            if !spec.params.is_empty() {
                resource["searchParam"] =
                    spec.params.iter().map(|p| json!({"name": p.name, "type": p.kind, "documentation": p.doc})).collect();
            }
            if !spec.includes.is_empty() {
                resource["searchInclude"] = json!(spec.includes);
            }
            resource
        })
        .collect();
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": STATEMENT_DATE,
        "kind": "instance",
        "software": {"name": "hms", "version": env!("CARGO_PKG_VERSION")},
        "implementation": {"description": "hms's FHIR R4 interface", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["json", "application/fhir+json"],
        "rest": [{
            "mode": "server",
            "documentation": "Searches take _count (at most 100), _page, _summary=count and, where listed, _sort and _include. \
                              Unknown parameters are refused with 400 unless the request says Prefer: handling=lenient.",
            "security": {
                "cors": false,
                "description": "A bearer token from POST /api/auth/login; reads pass the same permission checks as /api, and are audited alike.",
            },
            "resource": resources,
            "operation": [{
                "name": "export",
                "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                "documentation": "Admins: GET $export or Patient/$export with Prefer: respond-async; _type, _since and _outputFormat (NDJSON).",
            }],
        }],
    })
}
