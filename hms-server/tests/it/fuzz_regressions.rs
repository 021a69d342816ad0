//! What schema-driven fuzzing (scripts/fuzz-api.sh) found: answers that contradicted the OpenAPI
//! document, and input the document rules out that the server took.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

async fn document(s: &TestServer) -> Value {
    s.client.get(format!("{}/openapi.json", s.base)).send().await.unwrap().json().await.unwrap()
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    &doc["components"]["schemas"][name]
}

#[tokio::test]
async fn the_document_says_what_the_server_does() {
    let s = TestServer::start(hms_store::testing::TempDatabase::sqlite(), std::time::Duration::from_secs(900)).await;
    let doc = document(&s).await;

    // A problem without field errors leaves `errors` out, so the document must not require it.
    let (status, body) = s.get("/api/appointments", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.get("errors").is_none(), "{body}");
    let required = schema(&doc, "Problem")["required"].as_array().unwrap();
    assert!(!required.contains(&json!("errors")), "{required:?}");

    // Unset optional fields are answered as null, so they are documented nullable.
    let (_, health) = s.get("/healthz", None).await;
    assert!(health["database"].is_null(), "{health}");
    for (name, field) in
        [("Health", "database"), ("User", "phone"), ("Patient", "clinical"), ("Rule", "valid_from"), ("Invoice", "paid_at")]
    {
        assert_eq!(schema(&doc, name)["properties"][field]["nullable"], true, "{name}.{field}");
    }

    // A body without a content type is refused with 415, which every operation documents.
    let resp = s.client.post(format!("{}/api/auth/login", s.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(resp.headers()["content-type"].as_bytes().starts_with(b"application/problem+json"));
    for (method, path) in [("post", "/api/auth/login"), ("post", "/api/appointments"), ("patch", "/api/auth/profile")] {
        assert!(doc["paths"][path][method]["responses"].get("415").is_some(), "{method} {path}");
    }

    // A method a path does not take is a 405 naming the ones it does (RFC 9110).
    let resp = s.client.request(reqwest::Method::TRACE, format!("{}/api/doctors/me", s.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers()["allow"], "GET, HEAD, PATCH");
    let resp = s.client.delete(format!("{}/api/doctors/0190f7a0-0000-7000-8000-000000000000", s.base)).send().await.unwrap();
    assert_eq!(resp.headers()["allow"], "GET, HEAD, PATCH");

    // Bodies that refuse unknown fields say so; dates use the standard format.
    for name in ["RegisterRequest", "ProfileUpdate", "PatientPatch", "BookRequest", "InvoiceRequest"] {
        assert_eq!(schema(&doc, name)["additionalProperties"], false, "{name}");
    }
    let upload = &doc["paths"]["/api/patients/{id}/documents"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"];
    assert_eq!(upload["additionalProperties"], false);
    assert_eq!(schema(&doc, "PatientPatch")["properties"]["date_of_birth"]["format"], "date");
    assert!(!doc.to_string().contains("naive-date"));

    // The bounds the core enforces on numbers, and the roles each kind of account may have.
    let page = doc["paths"]["/api/doctors"]["get"]["parameters"].as_array().unwrap();
    let param = |name: &str| &page.iter().find(|p| p["name"] == name).unwrap()["schema"];
    assert_eq!((param("page")["minimum"].as_f64(), param("page")["maximum"].as_f64()), (Some(1.0), Some(1_000_000.0)));
    assert_eq!((param("page_size")["minimum"].as_f64(), param("page_size")["maximum"].as_f64()), (Some(1.0), Some(100.0)));
    assert_eq!(schema(&doc, "Line")["properties"]["quantity"]["maximum"], 1000.0);
    assert_eq!(schema(&doc, "Medication")["properties"]["duration_days"]["maximum"], 365.0);
    assert_eq!(schema(&doc, "Rule")["properties"]["slot_minutes"]["minimum"], 5.0);
    assert_eq!(schema(&doc, "DoctorDetails")["properties"]["years_of_experience"]["maximum"], 80.0);
    assert_eq!(schema(&doc, "RegisterRole")["enum"], json!(["doctor", "patient"]));
    assert_eq!(schema(&doc, "StaffRole")["enum"], json!(["admin", "doctor", "nurse", "receptionist"]));
    s.stop().await;
}

on_both!(input_the_document_rules_out_is_refused);

async fn input_the_document_rules_out_is_refused(s: &TestServer) {
    let admin = s.admin().await;
    let (dr, _) = s.doctor(1).await;
    let (p1, p1_id) = s.patient(1).await;

    // poem-openapi's parser turns a number or a boolean sent for a string into its text: the
    // fuzzer's `{"full_name": false}` renamed the account "false".
    let (status, body) = s.patch("/api/auth/profile", Some(&p1), json!({"full_name": false})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("full_name"), "{body}");
    let (status, body) = s.patch("/api/patients/me", Some(&p1), json!({"medical_history": 12})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = s
        .put(
            "/api/doctors/me/availability",
            Some(&dr),
            json!({"rules": [{"weekday": "monday", "start": 9, "end": "17:00", "slot_minutes": 30}]}),
        )
        .await;
    assert_eq!((status, body["detail"].as_str().unwrap().contains("rules[0].start")), (StatusCode::BAD_REQUEST, true), "{body}");
    let (_, me) = s.get("/api/auth/profile", Some(&p1)).await;
    assert_ne!(me["full_name"], "false");
    // null is documented for optional fields and means "unchanged", as an absent field does.
    let (status, after) = s.patch("/api/auth/profile", Some(&p1), json!({"full_name": null})).await;
    assert_eq!((status, &after["full_name"]), (StatusCode::OK, &me["full_name"]));

    // Numbers outside the documented bounds and roles outside the documented enums are malformed.
    for path in ["/api/doctors?page=0", "/api/doctors?page_size=101", "/api/doctors?page_size=9674659797560"] {
        let (status, body) = s.get(path, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
    }
    let rule = json!({"rules": [{"weekday": "monday", "start": "09:00", "end": "17:00", "slot_minutes": 481}]});
    let (status, _) = s.put("/api/doctors/me/availability", Some(&dr), rule).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = s.patch("/api/doctors/me", Some(&dr), json!({"years_of_experience": -1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = s
        .post("/api/auth/register", None, json!({"email": "m@example.org", "password": PASSWORD, "full_name": "Mallory", "role": "nurse"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = s
        .post("/api/users", Some(&admin), json!({"email": "p@example.org", "password": PASSWORD, "full_name": "Pat", "role": "patient"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // An upload with a part the document does not name is refused, not stored.
    let form = reqwest::multipart::Form::new()
        .text("kind", "other")
        .text("comment", "not a field")
        .part("file", reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name("a.txt").mime_str("text/plain").unwrap());
    let (status, body) = s.multipart(&format!("/api/patients/{p1_id}/documents"), Some(&admin), form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, docs) = s.get(&format!("/api/patients/{p1_id}/documents"), Some(&admin)).await;
    assert_eq!(docs["total"], 0);
}
