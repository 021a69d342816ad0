//! The FHIR R4 interface over HTTP: reads and searches as each role, paging through `next`
//! links, `_include`, `_summary=count`, the refusals of the API (404 for what the caller may not
//! see, audited) and errors as OperationOutcome resources.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

/// A FHIR GET: the status and the body, checked to be FHIR JSON (an OperationOutcome when it is
/// an error).
async fn fhir(s: &TestServer, path_or_url: &str, token: Option<&str>) -> (StatusCode, Value) {
    let url = if path_or_url.starts_with("http") { path_or_url.to_string() } else { format!("{}/fhir/R4{path_or_url}", s.base) };
    let mut req = s.client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    assert_eq!(resp.headers()["content-type"], "application/fhir+json; charset=utf-8", "{path_or_url}");
    let body: Value = resp.json().await.unwrap();
    if !status.is_success() {
        assert_eq!(body["resourceType"], "OperationOutcome", "{path_or_url}: {body}");
        assert_eq!(body["issue"][0]["severity"], "error");
    }
    (status, body)
}

/// Every page of a search, following `next` links; returns the resources of mode `match`, the
/// included ones, and the `total` every page stated.
async fn all_pages(s: &TestServer, path: &str, token: &str) -> (Vec<Value>, Vec<Value>, u64) {
    let (status, first) = fhir(s, path, Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {first}");
    let total = first["total"].as_u64().expect("a total");
    let (mut matched, mut included) = (Vec::new(), Vec::new());
    let mut page = first;
    loop {
        assert_eq!(page["resourceType"], "Bundle");
        assert_eq!(page["type"], "searchset");
        assert_eq!(page["total"].as_u64(), Some(total), "every page states the same total");
        for e in page["entry"].as_array().into_iter().flatten() {
            let r = e["resource"].clone();
            assert_eq!(e["fullUrl"], format!("{}/fhir/R4/{}/{}", s.base, r["resourceType"].as_str().unwrap(), r["id"].as_str().unwrap()));
            match e["search"]["mode"].as_str() {
                Some("match") => matched.push(r),
                Some("include") => included.push(r),
                other => panic!("an entry's search mode: {other:?}"),
            }
        }
        let next =
            page["link"].as_array().unwrap().iter().find(|l| l["relation"] == "next").map(|l| l["url"].as_str().unwrap().to_string());
        let Some(next) = next else { break };
        let (status, body) = fhir(s, &next, Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{next}: {body}");
        page = body;
    }
    (matched, included, total)
}

fn ids(resources: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = resources.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids
}

async fn fhir_interface(s: &TestServer) {
    // The CapabilityStatement is public and names what is served.
    let (status, cap) = fhir(s, "/metadata", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cap["resourceType"], "CapabilityStatement");
    assert_eq!(cap["fhirVersion"], "4.0.1");
    let kinds: Vec<&str> = cap["rest"][0]["resource"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Patient", "Practitioner", "PractitionerRole", "Appointment"]);

    // Everything else needs a bearer token.
    let resp = s.client.get(format!("{}/fhir/R4/Patient", s.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");

    let admin = s.admin().await;
    let (d1_token, d1) = s.doctor(1).await;
    let (_, d2) = s.doctor(2).await;
    let (p1_token, p1) = s.patient(1).await;
    let (p2_token, p2) = s.patient(2).await;
    let mut booked = Vec::new();
    for (token, doctor, n) in [(&p1_token, &d1, 0), (&p1_token, &d1, 2), (&p1_token, &d2, 4), (&p2_token, &d1, 6), (&p2_token, &d2, 8)] {
        let slot = s.slots(doctor).await[n].clone();
        let (status, body) =
            s.post("/api/appointments", Some(token), json!({"doctor_id": doctor, "starts_at": slot, "reason": "a check-up"})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        booked.push(body["id"].as_str().unwrap().to_string());
    }
    // One confirmed, one rejected (FHIR: booked; cancelled with its reason).
    let (status, _) = s.post(&format!("/api/appointments/{}/confirm", booked[0]), Some(&d1_token), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = s.post(&format!("/api/appointments/{}/reject", booked[1]), Some(&d1_token), json!({"reason": "away"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A patient reads their own Patient, with its version as the ETag.
    let resp = s.client.get(format!("{}/fhir/R4/Patient/{p1}", s.base)).bearer_auth(&p1_token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["etag"], "W/\"1\"");
    let me: Value = resp.json().await.unwrap();
    assert_eq!(me["resourceType"], "Patient");
    assert_eq!(me["birthDate"], "1980-05-17");
    assert_eq!(me["identifier"][0], json!({"use": "official", "system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{p1}")}));
    assert_eq!(me["identifier"][1]["system"], "urn:hms:email");
    assert_eq!(me["identifier"][1]["value"], "patient1@example.org");
    // …and not another patient's, nor their appointments: not found, as through /api.
    let (status, outcome) = fhir(s, &format!("/Patient/{p2}"), Some(&p1_token)).await;
    assert_eq!((status, outcome["issue"][0]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not-found")));
    let (status, _) = fhir(s, &format!("/Appointment/{}", booked[3]), Some(&p1_token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = fhir(s, &format!("/Appointment?patient=Patient/{p2}"), Some(&p1_token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = fhir(s, "/Patient/not-an-id", Some(&p1_token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The refusals are in the audit log; so is the read.
    let (status, audit) = s.get(&format!("/api/audit?actor_id={p1}&page_size=100"), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let operations: Vec<(&str, &str)> =
        audit["items"].as_array().unwrap().iter().map(|e| (e["operation"].as_str().unwrap(), e["outcome"].as_str().unwrap())).collect();
    assert!(operations.contains(&("patient.read", "success")), "{operations:?}");
    assert!(operations.iter().filter(|(_, o)| *o == "refused").count() >= 3, "{operations:?}");

    // A patient's searches hold their own records only.
    let (matched, _, total) = all_pages(s, "/Patient", &p1_token).await;
    assert_eq!((ids(&matched), total), (vec![p1.clone()], 1));
    let (matched, included, total) = all_pages(s, "/Appointment?_include=Appointment:actor&_count=2", &p1_token).await;
    assert_eq!(total, 3);
    assert_eq!(ids(&matched), ids(&booked[..3].iter().map(|id| json!({"id": id})).collect::<Vec<_>>()));
    let mut included_kinds: Vec<(String, String)> =
        included.iter().map(|r| (r["resourceType"].as_str().unwrap().to_string(), r["id"].as_str().unwrap().to_string())).collect();
    included_kinds.sort();
    let mut expected =
        vec![("Patient".to_string(), p1.clone()), ("Practitioner".to_string(), d1.clone()), ("Practitioner".to_string(), d2.clone())];
    expected.sort();
    // Each page includes what its own entries refer to.
    included_kinds.dedup();
    assert_eq!(included_kinds, expected);

    // A doctor searches their own appointments; statuses map to FHIR's.
    let (matched, _, total) = all_pages(s, "/Appointment", &d1_token).await;
    assert_eq!(total, 3);
    let status_of = |id: &str| matched.iter().find(|a| a["id"] == id).unwrap()["status"].as_str().unwrap().to_string();
    assert_eq!(status_of(&booked[0]), "booked");
    assert_eq!(status_of(&booked[1]), "cancelled");
    assert_eq!(status_of(&booked[3]), "proposed");
    let rejected = matched.iter().find(|a| a["id"] == booked[1].as_str()).unwrap();
    assert_eq!(rejected["cancelationReason"]["text"], "rejected by the doctor: away");
    let (matched, _, _) = all_pages(s, "/Appointment?status=cancelled", &d1_token).await;
    assert_eq!(ids(&matched), vec![booked[1].clone()]);
    let (matched, _, _) = all_pages(s, "/Appointment?status=proposed,booked", &d1_token).await;
    assert_eq!(matched.len(), 2);
    let (_, _, total) = all_pages(s, "/Appointment?status=waitlist", &d1_token).await;
    assert_eq!(total, 0);

    // The admin pages through every appointment one at a time, to exactly `total`.
    let (matched, _, total) = all_pages(s, "/Appointment?_count=1", &admin).await;
    assert_eq!((matched.len() as u64, total), (5, 5));
    assert_eq!(ids(&matched), {
        let mut b = booked.clone();
        b.sort();
        b
    });
    // Sorted by start, both ways.
    let starts = |m: &[Value]| m.iter().map(|a| a["start"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let (ascending, _, _) = all_pages(s, "/Appointment?_sort=date", &admin).await;
    let (descending, _, _) = all_pages(s, "/Appointment?_sort=-date", &admin).await;
    let mut sorted = starts(&ascending);
    sorted.sort();
    assert_eq!(starts(&ascending), sorted);
    sorted.reverse();
    assert_eq!(starts(&descending), sorted);
    // Dates with prefixes: from the third start on, and before it.
    let third = sorted[2].clone();
    let (later, _, _) = all_pages(s, &format!("/Appointment?date=ge{third}"), &admin).await;
    let (earlier, _, _) = all_pages(s, &format!("/Appointment?date=lt{third}"), &admin).await;
    assert_eq!((later.len(), earlier.len()), (3, 2));
    assert!(later.iter().all(|a| a["start"].as_str().unwrap() >= third.as_str()));
    // The total alone.
    let (status, count) = fhir(s, &format!("/Appointment?practitioner=Practitioner/{d2}&_summary=count"), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(count["total"], 2);
    assert!(count.get("entry").is_none());

    // Patients by identifier and birth date; doctors by licence and specialty.
    let (matched, _, _) = all_pages(s, "/Patient?identifier=urn:hms:email|PATIENT2@example.org", &admin).await;
    assert_eq!(ids(&matched), vec![p2.clone()]);
    let (matched, _, _) = all_pages(s, &format!("/Patient?identifier=urn:ietf:rfc:3986|urn:uuid:{p1}"), &admin).await;
    assert_eq!(ids(&matched), vec![p1.clone()]);
    let (_, _, total) = all_pages(s, "/Patient?birthdate=1980-05-17", &admin).await;
    assert_eq!(total, 2);
    let (_, _, total) = all_pages(s, "/Patient?birthdate=1980-05-18", &admin).await;
    assert_eq!(total, 0);
    let (matched, _, _) = all_pages(s, "/Practitioner?identifier=urn:hms:license-number|LIC-0002", &p1_token).await;
    assert_eq!(ids(&matched), vec![d2.clone()]);
    let (matched, included, total) =
        all_pages(s, "/PractitionerRole?specialty=cardiology&_include=PractitionerRole:practitioner", &p1_token).await;
    assert_eq!(total, 2);
    assert_eq!(ids(&included), ids(&matched));
    let fee = matched[0]["extension"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["url"] == "urn:hms:fhir:StructureDefinition:consultation-fee")
        .unwrap();
    assert_eq!(fee["valueMoney"], json!({"value": 150.5, "currency": "USD"}));

    // Unknown parameters are refused, or ignored when asked to be lenient.
    let (status, outcome) = fhir(s, "/Patient?nickname=x", Some(&admin)).await;
    assert_eq!((status, outcome["issue"][0]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid")));
    let resp = s
        .client
        .get(format!("{}/fhir/R4/Patient?nickname=x", s.base))
        .bearer_auth(&admin)
        .header("prefer", "handling=lenient")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let lenient: Value = resp.json().await.unwrap();
    assert_eq!(lenient["total"], 2);
    let self_link = lenient["link"].as_array().unwrap().iter().find(|l| l["relation"] == "self").unwrap()["url"].as_str().unwrap();
    assert!(!self_link.contains("nickname"), "the self link shows only what was applied: {self_link}");
    for bad in [
        "/Appointment?date=ap2026-01-01",
        "/Appointment?status=done",
        "/Appointment?_sort=reason",
        "/Patient?_include=Patient:x",
        "/Appointment?patient=Practitioner/x",
    ] {
        let (status, _) = fhir(s, bad, Some(&admin)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let (status, _) = fhir(s, "/Observation", Some(&admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let resp = s.client.delete(format!("{}/fhir/R4/Patient/{p1}", s.base)).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
}

on_both!(fhir_interface);
