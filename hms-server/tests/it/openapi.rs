//! The OpenAPI document: valid OpenAPI 3, every endpoint, every operation documented.

use reqwest::StatusCode;

use crate::common::*;

const ENDPOINTS: &[(&str, &str)] = &[
    ("post", "/api/auth/register"),
    ("post", "/api/auth/login"),
    ("post", "/api/auth/refresh"),
    ("post", "/api/auth/logout"),
    ("get", "/api/auth/profile"),
    ("patch", "/api/auth/profile"),
    ("post", "/api/users"),
    ("get", "/api/users"),
    ("patch", "/api/users/{id}"),
    ("get", "/api/doctors"),
    ("get", "/api/doctors/{id}"),
    ("get", "/api/doctors/me"),
    ("patch", "/api/doctors/me"),
    ("get", "/api/doctors/{id}/availability"),
    ("put", "/api/doctors/me/availability"),
    ("post", "/api/doctors/me/exceptions"),
    ("patch", "/api/doctors/{id}"),
    ("put", "/api/doctors/{id}/availability"),
    ("post", "/api/doctors/{id}/exceptions"),
    ("get", "/api/doctors/{id}/slots"),
    ("get", "/api/patients"),
    ("post", "/api/patients"),
    ("get", "/api/patients/{id}"),
    ("patch", "/api/patients/{id}"),
    ("get", "/api/patients/me"),
    ("patch", "/api/patients/me"),
    ("post", "/api/appointments"),
    ("get", "/api/appointments"),
    ("get", "/api/appointments/{id}"),
    ("post", "/api/appointments/{id}/confirm"),
    ("post", "/api/appointments/{id}/reject"),
    ("post", "/api/appointments/{id}/cancel"),
    ("post", "/api/appointments/{id}/complete"),
    ("post", "/api/appointments/{id}/no-show"),
    ("post", "/api/patients/{id}/notes"),
    ("get", "/api/patients/{id}/notes"),
    ("post", "/api/patients/{id}/documents"),
    ("get", "/api/patients/{id}/documents"),
    ("get", "/api/documents/{id}"),
    ("get", "/api/documents/{id}/content"),
    ("post", "/api/prescriptions"),
    ("get", "/api/prescriptions"),
    ("get", "/api/prescriptions/{id}"),
    ("put", "/api/prescriptions/{id}"),
    ("post", "/api/prescriptions/{id}/analysis"),
    ("get", "/api/prescriptions/{id}/analysis"),
    ("post", "/api/invoices"),
    ("get", "/api/invoices"),
    ("get", "/api/invoices/{id}"),
    ("post", "/api/invoices/{id}/pay"),
    ("post", "/api/invoices/{id}/cancel"),
    ("get", "/api/notifications"),
    ("post", "/api/notifications/{id}/read"),
    ("post", "/api/notifications/read-all"),
    ("get", "/api/dashboard"),
    ("get", "/api/audit"),
    ("get", "/healthz"),
    ("get", "/readyz"),
];

/// Whether an operation's 200 answer documents an `ETag` header (header names are case-insensitive).
fn documents_etag(op: &serde_json::Value) -> bool {
    op["responses"]["200"]["headers"].as_object().is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("etag")))
}

/// The changes that honour `If-Match`.
const CONDITIONAL: &[(&str, &str)] = &[
    ("patch", "/api/auth/profile"),
    ("patch", "/api/users/{id}"),
    ("patch", "/api/doctors/me"),
    ("patch", "/api/doctors/{id}"),
    ("patch", "/api/patients/me"),
    ("patch", "/api/patients/{id}"),
    ("post", "/api/appointments/{id}/confirm"),
    ("post", "/api/appointments/{id}/reject"),
    ("post", "/api/appointments/{id}/cancel"),
    ("post", "/api/appointments/{id}/complete"),
    ("post", "/api/appointments/{id}/no-show"),
    ("put", "/api/prescriptions/{id}"),
    ("post", "/api/invoices/{id}/pay"),
    ("post", "/api/invoices/{id}/cancel"),
];

/// The reads of one record that can be edited, which answer with its `ETag`.
const TAGGED_READS: &[(&str, &str)] = &[
    ("get", "/api/auth/profile"),
    ("get", "/api/doctors/me"),
    ("get", "/api/doctors/{id}"),
    ("get", "/api/patients/me"),
    ("get", "/api/patients/{id}"),
    ("get", "/api/appointments/{id}"),
    ("get", "/api/prescriptions/{id}"),
    ("get", "/api/invoices/{id}"),
];

#[tokio::test]
async fn the_document_lists_and_describes_every_endpoint() {
    let s = TestServer::start(hms_store::testing::TempDatabase::sqlite(), std::time::Duration::from_secs(900)).await;
    let resp = s.client.get(format!("{}/openapi.json", s.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    let doc: openapiv3::OpenAPI = serde_json::from_str(&text).expect("a valid OpenAPI 3 document");
    assert!(doc.openapi.starts_with("3."));
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut operations = 0;
    for (method, path) in ENDPOINTS {
        let op = &raw["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not in the document");
        operations += 1;
        assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{method} {path} has no summary");
        assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path} has no tag");
        let responses = op["responses"].as_object().unwrap();
        if PUBLIC.contains(&(*method, *path)) {
            assert!(op.get("security").is_none_or(|s| s.as_array().is_some_and(|a| a.is_empty())), "{method} {path} should be public");
        } else {
            assert!(op["security"].as_array().is_some_and(|s| !s.is_empty()), "{method} {path} has no security requirement");
            assert!(responses.contains_key("401"), "{method} {path} does not document 401");
        }
        if !path.starts_with("/health") && !path.starts_with("/ready") {
            for status in ["404", "409", "422", "500"] {
                assert!(responses.contains_key(status), "{method} {path} does not document {status}");
            }
        }
    }
    assert_eq!(operations, ENDPOINTS.len());
    // Every change of a record that can be edited takes `If-Match` and documents 412; the answers
    // about such a record document their `ETag`.
    for (method, path) in CONDITIONAL {
        let op = &raw["paths"][path][method];
        let params = op["parameters"].as_array().unwrap_or_else(|| panic!("{method} {path} has no parameters"));
        assert!(
            params.iter().any(|p| p["name"] == "If-Match" && p["in"] == "header" && p["required"] != true),
            "{method} {path} does not take an optional If-Match header"
        );
        assert!(op["responses"]["412"].is_object(), "{method} {path} does not document 412");
        assert!(documents_etag(op), "{method} {path} does not document its ETag");
    }
    for (method, path) in TAGGED_READS {
        assert!(documents_etag(&raw["paths"][path][method]), "{method} {path} does not document its ETag");
    }
    let docs = s.client.get(format!("{}/docs", s.base)).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"));
    s.stop().await;
}
