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

pub mod map;
pub mod model;
pub mod search;

use chrono::{DateTime, Utc};
use hms_core::{Actor, AppointmentFilter, DoctorFilter, Error, ErrorKind, Page, PageRequest, PatientFilter};
use poem::http::{Method, StatusCode, header};
use poem::{Request, Response};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use search::{Search, Spec};

/// Where the interface is served.
pub const BASE: &str = "/fhir/R4";
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
pub async fn endpoint(req: Request) -> Response {
    match answer(&req).await {
        Ok(response) => response,
        Err(outcome) => outcome.response(),
    }
}

async fn answer(req: &Request) -> Answer {
    let state = req.data::<AppState>().expect("the application state is added to every request");
    let path = req.uri().path();
    let rest = path.strip_prefix(BASE).unwrap_or(path).trim_matches('/');
    let segments: Vec<&str> = if rest.is_empty() { Vec::new() } else { rest.split('/').collect() };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut response = Outcome::new(StatusCode::METHOD_NOT_ALLOWED, "not-supported", "this interaction is not supported").response();
        response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
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
    let spec = match segments.first() {
        Some(kind) => search::spec(kind).ok_or_else(|| Outcome::not_found(format!("this server does not serve \"{kind}\" resources")))?,
        None => return Err(Outcome::not_found("name a resource type: GET /fhir/R4/<type>")),
    };
    let ctx = Context { state, actor: &actor, base: &base, now: state.now() };
    match segments.as_slice() {
        [_, id] => {
            let resource = ctx.read(spec.kind, id).await?;
            Ok(read_answer(resource))
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
            Ok(fhir_json(StatusCode::OK, &bundle))
        }
        _ => Err(Outcome::not_found("no such resource")),
    }
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

fn to_value(resource: impl Serialize) -> Value {
    serde_json::to_value(resource).expect("a FHIR resource serializes")
}

/// An id in a read's path: one that cannot be hms's is simply not found.
fn path_id(kind: &str, id: &str) -> Result<Uuid, Outcome> {
    id.parse().map_err(|_| Outcome::not_found(format!("no {kind} has the id \"{id}\"")))
}

impl Context<'_> {
    async fn read(&self, kind: &str, id: &str) -> Result<Value, Outcome> {
        let id = path_id(kind, id)?;
        let h = &self.state.hospital;
        Ok(match kind {
            "Patient" => to_value(map::patient(&h.patient(self.actor, id.into(), self.now).await?)),
            "Practitioner" => to_value(map::practitioner(&h.doctor(Some(self.actor), id.into()).await?)),
            "PractitionerRole" => to_value(map::practitioner_role(&h.doctor(Some(self.actor), id.into()).await?)),
            "Appointment" => to_value(map::appointment(&h.appointment(self.actor, id.into(), self.now).await?)),
            _ => return Err(Outcome::not_found(format!("this server does not serve \"{kind}\" resources"))),
        })
    }

    /// A resource named by `_id` (or an identifier holding hms's id), as a page of one or none:
    /// what the caller may not read is not there.
    async fn by_id(&self, kind: &str, id: Uuid) -> Result<Page<Value>, Outcome> {
        match self.read(kind, &id.to_string()).await {
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
                Some(search::reference_id("_id", v, spec.kind).map_err(|_| Outcome::invalid("_id", format!("\"{v}\" is not an id")))?)
            }
            None => None,
        };
        let mut includes: Vec<Value> = Vec::new();
        let found: Page<Value> = match (spec.kind, only_id) {
            (kind, Some(id)) => self.by_id(kind, id).await?,
            ("Patient", None) => {
                let mut filter = PatientFilter { doctor_id: None, search: s.one("name")?.map(str::to_string), ..Default::default() };
                if let Some(value) = s.one("identifier")? {
                    match search::token(value) {
                        (Some(map::ID_SYSTEM) | None, v) if v.starts_with("urn:uuid:") => {
                            if s.params.len() > 1 {
                                return Err(Outcome::invalid("identifier", "hms's id is answered alone"));
                            }
                            let id = v["urn:uuid:".len()..].parse().map_err(|_| Outcome::invalid("identifier", "names no id"))?;
                            return self.bundle(spec, s, self.by_id("Patient", id).await?, Vec::new());
                        }
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
                    match search::token(value) {
                        (Some(map::ID_SYSTEM) | None, v) if v.starts_with("urn:uuid:") => {
                            if s.params.len() > 1 {
                                return Err(Outcome::invalid("identifier", "hms's id is answered alone"));
                            }
                            let id = v["urn:uuid:".len()..].parse().map_err(|_| Outcome::invalid("identifier", "names no id"))?;
                            return self.bundle(spec, s, self.by_id(spec.kind, id).await?, Vec::new());
                        }
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
                    let found = self.by_id(spec.kind, id).await?;
                    if s.includes.iter().any(|i| i == "PractitionerRole:practitioner")
                        && let Some(first) = found.items.first()
                    {
                        includes.push(self.read("Practitioner", first["id"].as_str().unwrap_or_default()).await?);
                    }
                    return self.bundle(spec, s, found, includes);
                }
                filter.specialization = s.one("specialty")?.map(|v| search::token(v).1.to_string());
                filter.accepting = match s.one("active")? {
                    None => None,
                    Some("true") => Some(true),
                    Some("false") => Some(false),
                    Some(_) => return Err(Outcome::invalid("active", "is true or false")),
                };
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
                // Each included resource is read as the caller, through the same checks as a
                // read of its own: what the caller may not read is left out.
                for id in patients {
                    match h.patient(self.actor, id, self.now).await {
                        Ok(p) => includes.push(to_value(map::patient(&p))),
                        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Forbidden) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                for id in doctors {
                    match h.doctor(Some(self.actor), id).await {
                        Ok(d) => includes.push(to_value(map::practitioner(&d))),
                        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Forbidden) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                found.map(|a| to_value(map::appointment(&a)))
            }
            (kind, None) => return Err(Outcome::not_found(format!("this server does not search \"{kind}\" resources"))),
        };
        self.bundle(spec, s, found, includes)
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
        filter.newest_first = matches!(&s.sort, Some((key, true)) if key == "date");
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

/// When what the CapabilityStatement says last changed.
const STATEMENT_DATE: &str = "2026-12-06";

/// The CapabilityStatement: what this server does, from the same table the searches check.
pub fn capability_statement(base: &str) -> Value {
    let resources: Vec<Value> = search::SPECS
        .iter()
        .map(|spec| {
            let mut resource = json!({
                "type": spec.kind,
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "versioning": "versioned",
                "readHistory": false,
                "searchParam": spec.params.iter().map(|p| json!({
                    "name": p.name,
                    "type": p.kind,
                    "documentation": p.doc,
                })).collect::<Vec<_>>(),
            });
            // FHIR has no empty arrays.
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
        }],
    })
}
