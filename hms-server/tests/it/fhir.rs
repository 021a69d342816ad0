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
    assert_eq!(
        kinds,
        [
            "Patient",
            "Practitioner",
            "PractitionerRole",
            "Schedule",
            "Slot",
            "Appointment",
            "MedicationRequest",
            "DocumentReference",
            "Binary",
            "Invoice",
            "AuditEvent"
        ]
    );

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
    s.advance(chrono::Duration::minutes(1));
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
    // A doctor does not read another doctor's appointment either.
    let (status, _) = fhir(s, &format!("/Appointment/{}", booked[2]), Some(&d1_token)).await;
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
    // By last change: the rejection came last.
    let (status, latest) = fhir(s, "/Appointment?_sort=-_lastUpdated&_count=1", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(latest["entry"][0]["resource"]["id"], booked[1].as_str());
    let changed = latest["entry"][0]["resource"]["meta"]["lastUpdated"].as_str().unwrap().to_string();
    let (recent, _, _) = all_pages(s, &format!("/Appointment?_lastUpdated=ge{changed}"), &admin).await;
    assert_eq!(ids(&recent), vec![booked[1].clone()]);
    let (earlier_changes, _, _) = all_pages(s, &format!("/Appointment?_lastUpdated=lt{changed}&_sort=_lastUpdated"), &admin).await;
    assert_eq!(earlier_changes.len(), 4);
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
    // Instants outside the years a record can name are refused, not computed with.
    let (status, _) = fhir(s, "/Appointment?date=ge9999-12-31T23:59:59Z", Some(&admin)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = fhir(s, &format!("/Slot/{d1}-8210266876799"), Some(&admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A patient's own search answers its terms too: another's address finds nothing.
    let (_, _, total) = all_pages(s, "/Patient?identifier=urn:hms:email|patient2@example.org", &p1_token).await;
    assert_eq!(total, 0);
    let (_, _, total) = all_pages(s, "/Patient?birthdate=1980-05-17", &p1_token).await;
    assert_eq!(total, 1);
    let resp = s.client.delete(format!("{}/fhir/R4/Patient/{p1}", s.base)).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// A FHIR write: the status, the body and the response headers.
async fn fhir_write(
    s: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
    content_type: &str,
    body: Value,
    if_match: Option<&str>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut req = s
        .client
        .request(method, format!("{}/fhir/R4{path}", s.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body.to_string());
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    let resp = req.send().await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let body: Value = resp.json().await.unwrap();
    if !status.is_success() {
        assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
    }
    (status, body, headers)
}

/// A JSON Patch of an appointment through FHIR.
async fn patch_appointment(
    s: &TestServer,
    id: &str,
    token: &str,
    patch: Value,
    if_match: Option<&str>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    fhir_write(s, reqwest::Method::PATCH, &format!("/Appointment/{id}"), token, "application/json-patch+json", patch, if_match).await
}

async fn fhir_booking(s: &TestServer) {
    let admin = s.admin().await;
    let (d1_token, d1) = s.doctor(1).await;
    let (p1_token, p1) = s.patient(1).await;
    let (p2_token, _) = s.patient(2).await;
    let desk = s.staff(&admin, hms_core::Role::Receptionist, 1).await;

    // The doctor's schedule and its free slots, as the API lists them.
    let (status, schedule) = fhir(s, &format!("/Schedule/{d1}"), Some(&p1_token)).await;
    assert_eq!(status, StatusCode::OK, "{schedule}");
    assert_eq!(schedule["actor"][0]["reference"], format!("Practitioner/{d1}"));
    assert!(schedule["comment"].as_str().unwrap().contains("30-minute slots"));
    let api_slots = s.slots(&d1).await;
    let to = (s.now() + chrono::Duration::days(3)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (slots, _, total) =
        all_pages(s, &format!("/Slot?schedule=Schedule/{d1}&status=free&start=lt{}&_count=50", to.replace('+', "%2B")), &p1_token).await;
    assert_eq!(total as usize, api_slots.len());
    let starts: Vec<String> = slots.iter().map(|sl| sl["start"].as_str().unwrap().to_string()).collect();
    let api_starts: Vec<String> = api_slots
        .iter()
        .map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .collect();
    assert_eq!(starts, api_starts);
    let (status, _) = fhir(s, "/Slot?status=free", Some(&p1_token)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a slot search names its schedule");
    let (by_doctor, _, _) =
        all_pages(s, &format!("/Slot?schedule.actor=Practitioner/{d1}&start=lt{}&_count=50", to.replace('+', "%2B")), &p1_token).await;
    assert_eq!(by_doctor, slots, "the schedule named by its doctor");

    // A patient books the first slot by naming it; the answer is the proposed appointment.
    let slot = &slots[0];
    let (status, read_slot) = fhir(s, &format!("/Slot/{}", slot["id"].as_str().unwrap()), Some(&p1_token)).await;
    assert_eq!((status, &read_slot), (StatusCode::OK, slot));
    let booking = json!({
        "resourceType": "Appointment",
        "status": "proposed",
        "slot": [{"reference": format!("Slot/{}", slot["id"].as_str().unwrap())}],
        "participant": [{"actor": {"reference": format!("Practitioner/{d1}")}, "status": "needs-action"}],
        "description": "a cough",
    });
    let (status, created, headers) =
        fhir_write(s, reqwest::Method::POST, "/Appointment", &p1_token, "application/fhir+json", booking.clone(), None).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(headers["location"], format!("{}/fhir/R4/Appointment/{id}", s.base));
    assert_eq!(headers["etag"], "W/\"1\"");
    assert_eq!(created["status"], "proposed");
    assert_eq!(created["start"], slot["start"]);
    assert_eq!(created["description"], "a cough");
    assert!(created["participant"].as_array().unwrap().iter().any(|p| p["actor"]["reference"] == format!("Patient/{p1}")));
    // The slot is no longer free; booking it again is a conflict.
    let (status, _) = fhir(s, &format!("/Slot/{}", slot["id"].as_str().unwrap()), Some(&p1_token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, outcome, _) =
        fhir_write(s, reqwest::Method::POST, "/Appointment", &p2_token, "application/fhir+json", booking, None).await;
    assert_eq!((status, outcome["issue"][0]["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{outcome}");
    // The same through /api.
    let (status, body) = s.get(&format!("/api/appointments/{id}"), Some(&p1_token)).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("pending")));

    // Bad bookings change nothing: no doctor, a start that is no slot, a foreign resource, a bad type.
    for (bad, expected) in [
        (json!({"resourceType": "Appointment", "start": slots[1]["start"]}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"resourceType": "Appointment", "start": "2020-01-01T00:00:00Z", "participant": [{"actor": {"reference": format!("Practitioner/{d1}")}}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"resourceType": "Patient"}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"resourceType": "Appointment", "status": "fulfilled", "start": slots[1]["start"], "participant": [{"actor": {"reference": format!("Practitioner/{d1}")}}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, outcome, _) =
            fhir_write(s, reqwest::Method::POST, "/Appointment", &p1_token, "application/fhir+json", bad.clone(), None).await;
        assert_eq!(status, expected, "{bad}: {outcome}");
    }
    let (status, _, _) = fhir_write(s, reqwest::Method::POST, "/Appointment", &p1_token, "text/plain", json!({}), None).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (_, _, total) = all_pages(s, "/Appointment", &admin).await;
    assert_eq!(total, 1, "only the one booking was made");

    // The desk books for a patient by start and practitioner.
    let (status, second, _) = fhir_write(
        s,
        reqwest::Method::POST,
        "/Appointment",
        &desk,
        "application/json",
        json!({"resourceType": "Appointment", "start": slots[2]["start"], "participant": [
            {"actor": {"reference": format!("Patient/{p1}")}}, {"actor": {"reference": format!("Practitioner/{d1}")}}]}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");

    // The lifecycle through FHIR: the doctor confirms by PATCH (with the version), a stale
    // version is refused, the patient may not complete it, the doctor cancels the second by PUT.
    let confirm = json!([{"op": "replace", "path": "/status", "value": "booked"}]);
    let (status, outcome, _) = patch_appointment(s, &id, &p1_token, confirm.clone(), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a patient does not confirm: {outcome}");
    let (status, confirmed, headers) = patch_appointment(s, &id, &d1_token, confirm.clone(), Some("W/\"1\"")).await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["status"], "booked");
    assert_eq!(headers["etag"], "W/\"2\"");
    let (status, _, _) =
        patch_appointment(s, &id, &d1_token, json!([{"op": "replace", "path": "/status", "value": "noshow"}]), Some("W/\"1\"")).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "a stale version");
    let (status, outcome, _) =
        patch_appointment(s, &id, &d1_token, json!([{"op": "replace", "path": "/status", "value": "proposed"}]), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "no step leads back: {outcome}");
    let second_id = second["id"].as_str().unwrap();
    let mut put = second.clone();
    put["status"] = json!("cancelled");
    put["cancelationReason"] = json!({"text": "the doctor is away"});
    let (status, cancelled, _) =
        fhir_write(s, reqwest::Method::PUT, &format!("/Appointment/{second_id}"), &d1_token, "application/fhir+json", put.clone(), None)
            .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancelationReason"]["text"], "the doctor is away");
    let (status, body) = s.get(&format!("/api/appointments/{second_id}"), Some(&admin)).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("cancelled")));
    // A PUT may not move the appointment, nor change anything but its status.
    let mut moved = confirmed.clone();
    moved["start"] = slots[3]["start"].clone();
    let (status, _, _) =
        fhir_write(s, reqwest::Method::PUT, &format!("/Appointment/{id}"), &d1_token, "application/fhir+json", moved, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut described = confirmed.clone();
    described["description"] = json!("something else");
    let (status, _, _) =
        fhir_write(s, reqwest::Method::PUT, &format!("/Appointment/{id}"), &d1_token, "application/fhir+json", described, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut same = confirmed.clone();
    same["start"] = json!(confirmed["start"].as_str().unwrap().replace('Z', "+00:00"));
    let (status, _, _) =
        fhir_write(s, reqwest::Method::PUT, &format!("/Appointment/{id}"), &d1_token, "application/fhir+json", same, Some("W/\"2\"")).await;
    assert_eq!(status, StatusCode::OK, "the same instant written otherwise is no change");
    // Nothing to change is still checked against the version; a patch's tests are not skipped.
    let (status, _, _) = patch_appointment(s, &id, &d1_token, confirm.clone(), Some("W/\"1\"")).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let tested = json!([{"op": "test", "path": "/status", "value": "proposed"}, {"op": "replace", "path": "/status", "value": "noshow"}]);
    let (status, _, _) = patch_appointment(s, &id, &d1_token, tested, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A pending appointment rejected by naming the step.
    let (status, third, _) = fhir_write(
        s,
        reqwest::Method::POST,
        "/Appointment",
        &p1_token,
        "application/fhir+json",
        json!({"resourceType": "Appointment", "slot": [{"reference": format!("Slot/{}", slots[4]["id"].as_str().unwrap())}]}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{third}");
    let reject = json!([{"op": "replace", "path": "/status", "value": "cancelled"},
        {"op": "add", "path": "/cancelationReason", "value": {"coding": [{"system": "urn:hms:appointment-step", "code": "reject"}], "text": "not my field"}}]);
    let (status, rejected, _) = patch_appointment(s, third["id"].as_str().unwrap(), &d1_token, reject, None).await;
    assert_eq!(status, StatusCode::OK, "{rejected}");
    assert_eq!(rejected["cancelationReason"]["text"], "rejected by the doctor: not my field");
}

/// Sixty-four bookings of one slot at once through FHIR: one is created, the rest are conflicts.
async fn fhir_booking_race(s: &TestServer) {
    let (_, d1) = s.doctor(1).await;
    let mut patients = Vec::new();
    for n in 0..64 {
        patients.push(s.patient(100 + n).await.0);
    }
    let start = s.slots(&d1).await[0].clone();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(patients.len()));
    let mut tasks = tokio::task::JoinSet::new();
    for token in patients {
        let (client, url, barrier) = (s.client.clone(), format!("{}/fhir/R4/Appointment", s.base), barrier.clone());
        let body =
            json!({"resourceType": "Appointment", "start": start, "participant": [{"actor": {"reference": format!("Practitioner/{d1}")}}]});
        tasks.spawn(async move {
            barrier.wait().await;
            let resp = client
                .post(url)
                .bearer_auth(token)
                .header("content-type", "application/fhir+json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let body: Value = resp.json().await.unwrap();
            (status, body)
        });
    }
    let answers = tasks.join_all().await;
    let created = answers.iter().filter(|(st, _)| *st == StatusCode::CREATED).count();
    let conflicts: Vec<&Value> = answers.iter().filter(|(st, _)| *st == StatusCode::CONFLICT).map(|(_, b)| b).collect();
    assert_eq!((created, conflicts.len()), (1, 63), "{answers:?}");
    assert!(conflicts.iter().all(|o| o["resourceType"] == "OperationOutcome" && o["issue"][0]["code"] == "conflict"));
}

/// Prescriptions as MedicationRequests (one per medication), documents and their bytes, invoices
/// and the audit log, each under the API's permissions.
async fn fhir_records(s: &TestServer) {
    let admin = s.admin().await;
    let (dr, dr_id) = s.doctor(1).await;
    let (other_dr, _) = s.doctor(2).await;
    let (p1, p1_id) = s.patient(1).await;
    let (p2, _) = s.patient(2).await;
    let desk = s.staff(&admin, hms_core::Role::Receptionist, 1).await;
    let slot = s.slots(&dr_id).await[0].clone();
    let (status, a) = s.post("/api/appointments", Some(&p1), json!({"doctor_id": dr_id, "starts_at": slot})).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let a_id = a["id"].as_str().unwrap().to_string();
    let (status, _) = s.post(&format!("/api/appointments/{a_id}/confirm"), Some(&dr), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let start = chrono::DateTime::parse_from_rfc3339(&slot).unwrap().with_timezone(&chrono::Utc);
    s.advance(start - s.now() + chrono::Duration::minutes(10));
    let (status, rx) = s
        .post(
            "/api/prescriptions",
            Some(&dr),
            json!({"appointment_id": a_id, "diagnosis": "Community-acquired pneumonia", "instructions": "Rest",
                   "medications": [
                       {"name": "amoxicillin", "strength": "500 mg", "route": "oral", "frequency": "three times daily", "duration_days": 7, "instructions": "with food"},
                       {"name": "paracetamol", "strength": "1 g", "route": "oral", "frequency": "every 6 hours as needed, max 4 doses a day", "duration_days": 3},
                       {"name": "salbutamol", "strength": "2 puffs", "route": "inhaled", "frequency": "as directed", "duration_days": 5}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rx}");
    let rx_id = rx["id"].as_str().unwrap().to_string();
    let form = reqwest::multipart::Form::new().text("kind", "lab").text("appointment_id", a_id.clone()).part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.4 x-ray".to_vec()).file_name("chest.pdf").mime_str("application/pdf").unwrap(),
    );
    let (status, doc) = s.multipart(&format!("/api/patients/{p1_id}/documents"), Some(&dr), form).await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let doc_id = doc["id"].as_str().unwrap().to_string();
    let (status, _) = s.post(&format!("/api/appointments/{a_id}/complete"), Some(&dr), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, inv) = s.post("/api/invoices", Some(&desk), json!({"appointment_id": a_id, "tax_rate": "10"})).await;
    assert_eq!(status, StatusCode::CREATED, "{inv}");
    let inv_id = inv["id"].as_str().unwrap().to_string();

    // One MedicationRequest per medication, sharing the prescription as their group.
    let (orders, included, total) = all_pages(s, "/MedicationRequest?_count=2&_include=MedicationRequest:requester", &p1).await;
    assert_eq!(total, 3);
    assert_eq!(ids(&orders), vec![format!("{rx_id}-1"), format!("{rx_id}-2"), format!("{rx_id}-3")]);
    let mut requesters = ids(&included);
    requesters.dedup();
    assert_eq!(requesters, vec![dr_id.clone()], "each page includes the doctor its entries name");
    assert!(orders.iter().all(|o| o["groupIdentifier"]["value"] == format!("urn:uuid:{rx_id}")));
    assert!(
        orders
            .iter()
            .all(|o| o["subject"]["reference"] == format!("Patient/{p1_id}")
                && o["requester"]["reference"] == format!("Practitioner/{dr_id}"))
    );
    let amoxicillin = orders.iter().find(|o| o["id"] == format!("{rx_id}-1")).unwrap();
    let dosage = &amoxicillin["dosageInstruction"][0];
    assert_eq!(
        dosage["doseAndRate"][0]["doseQuantity"],
        json!({"value": 500.0, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"})
    );
    assert_eq!(dosage["timing"]["repeat"]["frequency"], 3);
    assert_eq!(dosage["timing"]["repeat"]["period"], 1.0);
    assert_eq!(dosage["timing"]["repeat"]["periodUnit"], "d");
    assert_eq!(dosage["route"]["coding"][0]["code"], "26643006");
    assert_eq!(dosage["patientInstruction"], "with food");
    assert_eq!(amoxicillin["reasonCode"][0]["text"], "Community-acquired pneumonia");
    let paracetamol = orders.iter().find(|o| o["id"] == format!("{rx_id}-2")).unwrap();
    assert_eq!(paracetamol["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"], 1000.0);
    assert_eq!(paracetamol["dosageInstruction"][0]["asNeededBoolean"], true);
    let salbutamol = orders.iter().find(|o| o["id"] == format!("{rx_id}-3")).unwrap();
    assert!(salbutamol["dosageInstruction"][0].get("doseAndRate").is_none(), "two puffs are not a mass");
    assert_eq!(salbutamol["dosageInstruction"][0]["timing"]["code"]["text"], "as directed");
    let (status, read) = fhir(s, &format!("/MedicationRequest/{rx_id}-2"), Some(&p1)).await;
    assert_eq!((status, &read), (StatusCode::OK, paracetamol));
    for missing in [format!("{rx_id}-4"), format!("{rx_id}-0"), "x-1".to_string()] {
        let (status, _) = fhir(s, &format!("/MedicationRequest/{missing}"), Some(&p1)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
    // Another patient and another doctor see none of it.
    for token in [&p2, &other_dr] {
        let (status, _) = fhir(s, &format!("/MedicationRequest/{rx_id}-1"), Some(token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, _, total) = all_pages(s, "/MedicationRequest", token).await;
        assert_eq!(total, 0);
    }
    let (status, _) = fhir(s, &format!("/MedicationRequest?patient=Patient/{p1_id}"), Some(&p2)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A doctor who never saw the patient reads none of their clinical resources.
    for path in
        [format!("/Patient/{p1_id}"), format!("/DocumentReference/{doc_id}"), format!("/Binary/{doc_id}"), format!("/Appointment/{a_id}")]
    {
        let (status, _) = fhir(s, &path, Some(&other_dr)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = fhir(s, &format!("/DocumentReference?patient=Patient/{p1_id}"), Some(&other_dr)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Their own doctor does.
    let (status, _) = fhir(s, &format!("/Patient/{p1_id}"), Some(&dr)).await;
    assert_eq!(status, StatusCode::OK);

    // The document, and its bytes through Binary.
    let (docs, _, total) = all_pages(s, "/DocumentReference", &p1).await;
    assert_eq!((total, ids(&docs)), (1, vec![doc_id.clone()]));
    let attachment = &docs[0]["content"][0]["attachment"];
    assert_eq!(attachment["url"], format!("{}/fhir/R4/Binary/{doc_id}", s.base));
    assert_eq!(attachment["contentType"], "application/pdf");
    assert_eq!(docs[0]["context"]["related"][0]["reference"], format!("Appointment/{a_id}"));
    let raw = s.client.get(attachment["url"].as_str().unwrap()).bearer_auth(&p1).send().await.unwrap();
    assert_eq!(raw.status(), StatusCode::OK);
    assert_eq!(raw.headers()["content-type"], "application/pdf");
    assert!(raw.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(raw.bytes().await.unwrap().as_ref(), b"%PDF-1.4 x-ray");
    let as_fhir =
        s.client.get(attachment["url"].as_str().unwrap()).bearer_auth(&p1).header("accept", "application/fhir+json").send().await.unwrap();
    let binary: Value = as_fhir.json().await.unwrap();
    assert_eq!((binary["resourceType"].as_str(), binary["data"].as_str()), (Some("Binary"), Some("JVBERi0xLjQgeC1yYXk=")));
    let (status, _) = fhir(s, &format!("/Binary/{doc_id}"), Some(&p2)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = fhir(s, "/DocumentReference", Some(&admin)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "whose documents?");
    let (status, _) = fhir(s, "/Binary", Some(&p1)).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);

    // The invoice: issued, then balanced once paid.
    let (status, invoice) = fhir(s, &format!("/Invoice/{inv_id}"), Some(&p1)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(invoice["status"], "issued");
    assert_eq!(invoice["totalNet"], json!({"value": 150.5, "currency": "USD"}));
    assert_eq!(invoice["totalGross"]["value"], 165.55);
    assert_eq!(invoice["lineItem"][0]["priceComponent"][0]["amount"]["value"], 150.5);
    let tax = invoice["totalPriceComponent"].as_array().unwrap().iter().find(|c| c["type"] == "tax").unwrap();
    assert_eq!((tax["factor"].as_f64(), tax["amount"]["value"].as_f64()), (Some(0.1), Some(15.05)), "10 %: a factor of 0.1");
    let (status, _) = s.post(&format!("/api/invoices/{inv_id}/pay"), Some(&desk), json!({"method": "card"})).await;
    assert_eq!(status, StatusCode::OK);
    let (paid, _, _) = all_pages(s, "/Invoice?status=balanced", &p1).await;
    assert_eq!(ids(&paid), vec![inv_id.clone()]);
    let (_, _, total) = all_pages(s, "/Invoice?status=issued", &admin).await;
    assert_eq!(total, 0);
    let (status, _) = fhir(s, &format!("/Invoice/{inv_id}"), Some(&p2)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The audit log: admins only; the reads above are in it.
    let (events, _, total) = all_pages(s, &format!("/AuditEvent?patient=Patient/{p1_id}&_count=100"), &admin).await;
    assert!(total > 0);
    let subtypes: Vec<&str> = events.iter().map(|e| e["subtype"][0]["code"].as_str().unwrap()).collect();
    assert!(subtypes.contains(&"prescription.read"), "{subtypes:?}");
    assert!(subtypes.contains(&"document.download"), "{subtypes:?}");
    // Every FHIR read and search that showed this patient's data is accounted for, by whom.
    for (operation, asked) in [
        ("fhir.search", "/MedicationRequest?_count=2"),
        ("fhir.read", "MedicationRequest/"),
        ("fhir.read", "Binary/"),
        ("fhir.search", "/DocumentReference"),
    ] {
        assert!(
            events.iter().any(|e| e["subtype"][0]["code"] == operation
                && e["outcomeDesc"].as_str().unwrap_or_default().contains(asked)
                && e["agent"][0]["who"]["reference"] == format!("Patient/{p1_id}")),
            "{operation} {asked}: {subtypes:?}"
        );
    }
    let one = &events[0];
    let (status, read) = fhir(s, &format!("/AuditEvent/{}", one["id"].as_str().unwrap()), Some(&admin)).await;
    assert_eq!((status, &read), (StatusCode::OK, one));
    let (status, _) = fhir(s, "/AuditEvent", Some(&dr)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Polls an export's status until it is written; returns the manifest.
async fn finished_export(s: &TestServer, status_url: &str, admin: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let resp = s.client.get(status_url).bearer_auth(admin).send().await.unwrap();
        match resp.status() {
            StatusCode::ACCEPTED => {
                let progress = resp.headers()["x-progress"].to_str().unwrap().to_string();
                assert!(progress.contains('%'), "{progress}");
                assert!(std::time::Instant::now() < deadline, "the export did not finish");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            StatusCode::OK => return resp.json().await.unwrap(),
            other => panic!("an export's status: {other}: {}", resp.text().await.unwrap()),
        }
    }
}

/// Bulk export: kick-off, status, NDJSON files whose lines each parse and match the searches.
async fn fhir_export(s: &TestServer) {
    let admin = s.admin().await;
    let (dr, dr_id) = s.doctor(1).await;
    let mut appointments = 0;
    for n in 0..5 {
        let (p, _) = s.patient(n).await;
        let slot = s.slots(&dr_id).await[0].clone();
        let (status, _) = s.post("/api/appointments", Some(&p), json!({"doctor_id": dr_id, "starts_at": slot})).await;
        assert_eq!(status, StatusCode::CREATED);
        appointments += 1;
    }
    let kick_off = |token: String, path: &'static str, prefer: bool| {
        let mut req = s.client.get(format!("{}/fhir/R4{path}", s.base)).bearer_auth(token);
        if prefer {
            req = req.header("prefer", "respond-async");
        }
        req.send()
    };
    // Admins only; asynchronous only.
    let refused = kick_off(dr.clone(), "/$export", true).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let sync = kick_off(admin.clone(), "/$export", false).await.unwrap();
    assert_eq!(sync.status(), StatusCode::BAD_REQUEST);

    let started = kick_off(admin.clone(), "/$export", true).await.unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let status_url = started.headers()["content-location"].to_str().unwrap().to_string();
    assert!(status_url.starts_with(&format!("{}/fhir/R4/$export-status/", s.base)), "{status_url}");
    let manifest = finished_export(s, &status_url, &admin).await;
    assert_eq!(manifest["requiresAccessToken"], true);
    let mut counts = std::collections::BTreeMap::new();
    for output in manifest["output"].as_array().unwrap() {
        let kind = output["type"].as_str().unwrap().to_string();
        let url = output["url"].as_str().unwrap();
        let refused = s.client.get(url).bearer_auth(&dr).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "the files are the admins' too");
        let resp = s.client.get(url).bearer_auth(&admin).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "application/fhir+ndjson");
        let text = resp.text().await.unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("each line is one JSON resource")).collect();
        assert!(lines.iter().all(|r| r["resourceType"] == kind.as_str()), "{kind}");
        assert_eq!(lines.len() as u64, output["count"].as_u64().unwrap(), "{kind}");
        counts.insert(kind, lines.len());
    }
    assert_eq!(counts.get("Appointment"), Some(&appointments));
    assert_eq!(counts.get("Patient"), Some(&5));
    assert_eq!(counts.get("Practitioner"), Some(&1));
    assert_eq!(counts.get("PractitionerRole"), Some(&1));
    // The export is in the audit log.
    let (_, audit) = s.get("/api/audit?action=export", Some(&admin)).await;
    assert!(audit["items"].as_array().unwrap().iter().any(|e| e["operation"] == "data.export"), "{audit}");
    // Deleting it removes it.
    let deleted = s.client.delete(&status_url).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::ACCEPTED);
    let gone = s.client.get(&status_url).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    // The patient compartment, one type, and nothing changed since a later instant.
    let started = kick_off(admin.clone(), "/Patient/$export?_type=Appointment,Patient", true).await.unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let manifest = finished_export(s, started.headers()["content-location"].to_str().unwrap(), &admin).await;
    let kinds: Vec<&str> = manifest["output"].as_array().unwrap().iter().map(|o| o["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Appointment", "Patient"]);
    let later = (s.now() + chrono::Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let started = s
        .client
        .get(format!("{}/fhir/R4/$export?_since={}", s.base, later.replace('+', "%2B")))
        .bearer_auth(&admin)
        .header("prefer", "respond-async")
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let manifest = finished_export(s, started.headers()["content-location"].to_str().unwrap(), &admin).await;
    assert_eq!(manifest["output"], json!([]));
    let practitioner_only = kick_off(admin.clone(), "/Patient/$export?_type=Practitioner", true).await.unwrap();
    assert_eq!(practitioner_only.status(), StatusCode::BAD_REQUEST, "not in the patient compartment");
    // A type named twice is written once; a kick-off is never a HEAD.
    let twice = kick_off(admin.clone(), "/$export?_type=Patient,Patient&_type=Patient", true).await.unwrap();
    let manifest = finished_export(s, twice.headers()["content-location"].to_str().unwrap(), &admin).await;
    assert_eq!(manifest["output"].as_array().unwrap().len(), 1);
    let head =
        s.client.head(format!("{}/fhir/R4/$export", s.base)).bearer_auth(&admin).header("prefer", "respond-async").send().await.unwrap();
    assert_eq!(head.status(), StatusCode::METHOD_NOT_ALLOWED);
}

on_both!(fhir_interface, fhir_booking, fhir_booking_race, fhir_records, fhir_export);
