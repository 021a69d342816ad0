//! The OpenAPI document as served: poem-openapi's, completed with what its derive macros cannot
//! say, so that a client (or a fuzzer) reading it sends what the server takes.
//!
//! - Request bodies that refuse unknown fields (`#[oai(deny_unknown_fields)]`, every multipart
//!   body) say `additionalProperties: false`.
//! - Dates use the standard `date` format instead of poem-openapi's own `naive-date`.
//!
//! It also answers which methods a path takes, for the `Allow` header of a 405, and checks the
//! JSON types of request bodies against it.

use serde_json::Value;

/// The request bodies that refuse unknown fields: the structs of `dto.rs` marked
/// `#[oai(deny_unknown_fields)]` (a test keeps this list and that file in step).
pub const CLOSED_BODIES: &[&str] = &[
    "RegisterRequest",
    "NewPatientRequest",
    "ProfileUpdate",
    "StaffRequest",
    "UserPatch",
    "DoctorPatch",
    "PatientPatch",
    "Egfr",
    "BookRequest",
    "NoteRequest",
    "PrescriptionRequest",
    "PrescriptionEdit",
    "InvoiceRequest",
    "SecondFactorLogin",
    "CodeRequest",
    "PasswordResetRequest",
    "PasswordResetConfirm",
    "PasswordChange",
];

/// Completes the document poem-openapi generated (`spec`, JSON).
pub fn complete(spec: &str) -> Value {
    let mut doc: Value = serde_json::from_str(spec).expect("poem-openapi writes valid JSON");
    standard_formats(&mut doc);
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for name in CLOSED_BODIES {
            let schema =
                schemas.get_mut(*name).and_then(Value::as_object_mut).unwrap_or_else(|| panic!("no schema {name} in the document"));
            schema.insert("additionalProperties".into(), Value::Bool(false));
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for operation in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|p| p.values_mut()) {
            if let Some(schema) = operation.pointer_mut("/requestBody/content/multipart~1form-data/schema").and_then(Value::as_object_mut) {
                schema.insert("additionalProperties".into(), Value::Bool(false));
            }
        }
    }
    doc
}

/// Replaces poem-openapi's `naive-date` format with the standard `date`.
fn standard_formats(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("format").and_then(Value::as_str) == Some("naive-date") {
                map.insert("format".into(), Value::String("date".into()));
            }
            map.values_mut().for_each(standard_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(standard_formats),
        _ => {}
    }
}

/// A method of a path and the schema of its JSON request body.
type Method = (String, Option<Value>);

/// The operations of a document: for each path, the methods it takes and the schema of each
/// one's JSON request body. Answers `Allow` for a 405 and checks the JSON types of request bodies.
#[derive(Debug, Clone, Default)]
pub struct Operations {
    paths: Vec<(Vec<String>, Vec<Method>)>,
    /// Each path as the document writes it, in the order of `paths` (shared, for metric labels).
    templates: Vec<std::sync::Arc<str>>,
    schemas: serde_json::Map<String, Value>,
}

impl Operations {
    /// The operations of `doc`.
    pub fn of(doc: &Value) -> Self {
        let (mut paths, mut templates) = (Vec::new(), Vec::new());
        for (path, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
            let mut methods: Vec<Method> = item
                .as_object()
                .into_iter()
                .flatten()
                .map(|(method, operation)| {
                    let body = operation.pointer("/requestBody/content").and_then(Value::as_object).and_then(|content| {
                        content.iter().find(|(media, _)| media.starts_with("application/json")).and_then(|(_, m)| m.get("schema")).cloned()
                    });
                    (method.to_ascii_uppercase(), body)
                })
                .collect();
            if methods.iter().any(|(m, _)| m == "GET") {
                methods.push(("HEAD".into(), None));
            }
            methods.sort_by(|a, b| a.0.cmp(&b.0));
            paths.push((segments(path).map(str::to_string).collect(), methods));
            templates.push(std::sync::Arc::from(path.as_str()));
        }
        let schemas = doc.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
        Self { paths, templates, schemas }
    }

    /// The methods of the document's path that `path` is, most specific first: a literal segment
    /// wins over a parameter, as in the router (`/api/doctors/me` is not `/api/doctors/{id}`).
    fn find(&self, path: &str) -> Option<&[Method]> {
        self.find_path(path).map(|i| self.paths[i].1.as_slice())
    }

    /// The index in `paths` of the document's path that `path` is.
    fn find_path(&self, path: &str) -> Option<usize> {
        let wanted: Vec<&str> = segments(path).collect();
        self.paths
            .iter()
            .enumerate()
            .filter(|(_, (template, _))| {
                template.len() == wanted.len()
                    && template.iter().zip(&wanted).all(|(t, w)| t == w || (t.starts_with('{') && t.ends_with('}') && !w.is_empty()))
            })
            .max_by_key(|(_, (template, _))| template.iter().filter(|t| !t.starts_with('{')).count())
            .map(|(i, _)| i)
    }

    /// The document's path that `path` is, as written there (`/api/appointments/{id}/confirm`).
    pub fn template(&self, path: &str) -> Option<std::sync::Arc<str>> {
        self.find_path(path).map(|i| self.templates[i].clone())
    }

    /// The methods `path` takes, e.g. `GET, HEAD, PATCH`, if it is one of the document's paths.
    pub fn allowed(&self, path: &str) -> Option<String> {
        self.find(path).map(|methods| methods.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>().join(", "))
    }

    /// Checks the JSON types of a request body against the operation's schema (`type`,
    /// `nullable`, `$ref`, `allOf`, `properties`, `items`): the parser would take a number or a
    /// boolean where the document says string and keep it as text. Everything else (required
    /// fields, formats, enums, bounds, unknown fields) is the parser's. `Err` names the field.
    pub fn check_body(&self, method: &str, path: &str, body: &Value) -> Result<(), String> {
        let schema = self.find(path).and_then(|methods| methods.iter().find(|(m, _)| m == method)).and_then(|(_, schema)| schema.as_ref());
        match schema {
            Some(schema) => self.check(schema, body, "body"),
            None => Ok(()),
        }
    }

    fn check(&self, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
        if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
            return Ok(());
        }
        if let Some(name) = schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/")) {
            return match self.schemas.get(name) {
                Some(schema) => self.check(schema, value, at),
                None => Ok(()),
            };
        }
        for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            self.check(part, value, at)?;
        }
        let Some(ty) = schema.get("type").and_then(Value::as_str) else {
            return Ok(());
        };
        let fits = match ty {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => true,
        };
        if !fits {
            let article = if ty.starts_with(['a', 'i', 'o']) { "an" } else { "a" };
            return Err(format!("{at}: must be {article} {ty}"));
        }
        if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
            for (i, v) in values.iter().enumerate() {
                self.check(items, v, &format!("{at}[{i}]"))?;
            }
        }
        if let (Some(properties), Some(fields)) = (schema.get("properties").and_then(Value::as_object), value.as_object()) {
            for (name, v) in fields {
                if let Some(property) = properties.get(name) {
                    let at = if at == "body" { name.clone() } else { format!("{at}.{name}") };
                    self.check(property, v, &at)?;
                }
            }
        }
        Ok(())
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_end_matches('/').split('/').skip(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closed_bodies_are_the_structs_that_deny_unknown_fields() {
        let source = include_str!("dto.rs");
        let mut denying: Vec<&str> = source
            .split("#[oai(deny_unknown_fields)]")
            .skip(1)
            .map(|rest| rest.split("pub struct ").nth(1).and_then(|s| s.split([' ', '{', '<']).next()).expect("a struct follows"))
            .collect();
        denying.sort_unstable();
        let mut listed = CLOSED_BODIES.to_vec();
        listed.sort_unstable();
        assert_eq!(denying, listed);
    }

    #[test]
    fn the_served_document_is_completed() {
        let doc = complete(&crate::openapi().spec());
        for name in CLOSED_BODIES {
            assert_eq!(doc["components"]["schemas"][name]["additionalProperties"], false, "{name}");
        }
        assert!(!doc.to_string().contains("naive-date"));
        let upload = &doc["paths"]["/api/patients/{id}/documents"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"];
        assert_eq!(upload["additionalProperties"], false);
    }

    #[test]
    fn allowed_methods_prefer_literal_segments() {
        let ops = Operations::of(&complete(&crate::openapi().spec()));
        assert_eq!(ops.allowed("/api/doctors/me").as_deref(), Some("GET, HEAD, PATCH"));
        assert_eq!(ops.allowed("/api/doctors/0190f7a0-0000-7000-8000-000000000000").as_deref(), Some("GET, HEAD, PATCH"));
        assert_eq!(ops.allowed("/api/appointments/").as_deref(), Some("GET, HEAD, POST"));
        assert_eq!(ops.allowed("/healthz").as_deref(), Some("GET, HEAD"));
        assert_eq!(ops.allowed("/api/nothing"), None);
    }

    #[test]
    fn body_types_are_checked_through_references() {
        let ops = Operations::of(&complete(&crate::openapi().spec()));
        let check = |method: &str, path: &str, body: serde_json::Value| ops.check_body(method, path, &body);
        assert_eq!(check("PATCH", "/api/auth/profile", serde_json::json!({"full_name": false})), Err("full_name: must be a string".into()));
        assert_eq!(check("PATCH", "/api/auth/profile", serde_json::json!({"full_name": null, "phone": "1"})), Ok(()));
        let rx = serde_json::json!({"diagnosis": "x", "medications": [{"name": 5}]});
        assert_eq!(check("PUT", "/api/prescriptions/x", rx), Err("medications[0].name: must be a string".into()));
        let register = serde_json::json!({"email": "a", "password": "b", "full_name": "c", "role": "doctor", "doctor": {"bio": 1}});
        assert_eq!(check("POST", "/api/auth/register", register), Err("doctor.bio: must be a string".into()));
        assert_eq!(
            check("POST", "/api/invoices", serde_json::json!({"lines": [{"quantity": 1.5}]})),
            Err("lines[0].quantity: must be an integer".into())
        );
        assert_eq!(check("GET", "/api/doctors", serde_json::json!(1)), Ok(()));
    }
}
