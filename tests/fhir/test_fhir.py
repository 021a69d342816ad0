"""Every resource hms's FHIR interface emits parses with a FHIR client's models and round-trips;
searches page through `next` links to exactly `total`; refusals hold."""

from __future__ import annotations

import datetime
import importlib
import json
import time
import urllib.request

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

TYPES = [
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
    "AuditEvent",
]
SEARCHED = [t for t in TYPES if t != "Binary"]


def model(resource_type: str):
    """The R4B model class of a resource type."""
    return getattr(importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}"), resource_type)


def normalized(value):
    """JSON with every date-time read as an instant, so that `...:00Z` and `...:00.000Z` compare equal."""
    if isinstance(value, dict):
        return {k: normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalized(v) for v in value]
    if isinstance(value, str) and len(value) > 10 and value[4:5] == "-" and "T" in value:
        try:
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


def parses_and_round_trips(resource: dict):
    """The resource parses as its R4B model, and the model writes back the same resource."""
    parsed = model(resource["resourceType"]).model_validate(resource)
    again = parsed.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert normalized(again) == normalized(resource), resource["resourceType"]
    return parsed


def pages(server, path: str, token: str) -> tuple[list[dict], list[dict], int]:
    """Every page of a search through its `next` links: (matched, included, total)."""
    status, page = server.fhir(path, token)
    assert status == 200, page
    total = page["total"]
    matched, included = [], []
    while True:
        Bundle.model_validate(page)
        assert page["total"] == total
        for entry in page.get("entry", []):
            parses_and_round_trips(entry["resource"])
            (matched if entry["search"]["mode"] == "match" else included).append(entry["resource"])
        nxt = [link["url"] for link in page["link"] if link["relation"] == "next"]
        if not nxt:
            return matched, included, total
        status, page = server.fhir(nxt[0], token)
        assert status == 200, page


def test_the_capability_statement_parses_and_lists_what_is_served(server):
    status, cap = server.fhir("/metadata")
    assert status == 200
    parses_and_round_trips(cap)
    CapabilityStatement.model_validate(cap)
    assert [r["type"] for r in cap["rest"][0]["resource"]] == TYPES


@pytest.mark.parametrize("resource_type", SEARCHED)
def test_every_resource_of_the_demo_parses_and_round_trips(server, resource_type):
    admin = server.token("admin")
    include = {"Appointment": "&_include=Appointment:actor", "PractitionerRole": "&_include=PractitionerRole:practitioner"}
    if resource_type == "Slot":
        _, doctors = server.fhir("/Practitioner?_count=1", admin)
        include["Slot"] = f"&schedule=Schedule/{doctors['entry'][0]['resource']['id']}"
    if resource_type == "AuditEvent":
        # Reading the log adds to it (each search is accounted for): page through a fixed past.
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        include["AuditEvent"] = f"&date=lt{now}"
    if resource_type == "DocumentReference":
        # The demo's documents are those of its first visit's patient.
        _, orders = server.fhir("/MedicationRequest?_count=1", admin)
        include["DocumentReference"] = f"&{orders['entry'][0]['resource']['subject']['reference'].replace('Patient/', 'patient=Patient/')}"
    matched, included, total = pages(server, f"/{resource_type}?_count=2{include.get(resource_type, '')}", admin)
    assert total > 0 and len(matched) == total
    assert len({r["id"] for r in matched}) == total, "no resource twice across pages"
    if resource_type in ("Appointment", "PractitionerRole"):
        assert included, "the references are included"
    # Each one read alone is the same resource.
    for resource in matched[:3]:
        status, alone = server.fhir(f"/{resource_type}/{resource['id']}", admin)
        assert status == 200
        assert alone == resource


def test_paging_reaches_exactly_the_total_and_back(server):
    admin = server.token("admin")
    matched, _, total = pages(server, "/Appointment?_count=1&_sort=-date", admin)
    assert len(matched) == total
    starts = [a["start"] for a in matched]
    assert starts == sorted(starts, reverse=True)
    status, last = server.fhir(f"/Appointment?_count=1&_page={total}", admin)
    previous = [link["url"] for link in last["link"] if link["relation"] == "previous"]
    assert previous and not [link for link in last["link"] if link["relation"] == "next"]
    status, before = server.fhir(previous[0], admin)
    assert before["entry"][0]["resource"]["id"] == matched[total - 2]["id"]
    status, count = server.fhir("/Appointment?_summary=count", admin)
    assert count["total"] == total and "entry" not in count
    Bundle.model_validate(count)


def test_a_patient_reads_their_own_records_only(server):
    alan, ada = server.token("patient"), server.token("patient2")
    _, me = server.fhir("/Patient", alan)
    assert me["total"] == 1
    mine = me["entry"][0]["resource"]
    status, other = server.fhir(f"/Patient/{mine['id']}", ada)
    assert status == 404
    OperationOutcome.model_validate(other)
    assert other["issue"][0]["code"] == "not-found"
    matched, _, _ = pages(server, "/Appointment", alan)
    for appointment in matched:
        status, _ = server.fhir(f"/Appointment/{appointment['id']}", ada)
        assert status == 404
        actors = [p["actor"]["reference"] for p in appointment["participant"]]
        assert f"Patient/{mine['id']}" in actors


def test_errors_are_operation_outcomes(server):
    admin = server.token("admin")
    for path, status in [("/Patient?nickname=x", 400), ("/Observation", 404), ("/Appointment?date=xx", 400)]:
        got, body = server.fhir(path, admin)
        assert got == status, (path, body)
        OperationOutcome.model_validate(body)
    got, body = server.fhir("/Patient")
    assert got == 401
    OperationOutcome.model_validate(body)
    got, body = server.fhir("/Patient?nickname=x", admin, headers={"Prefer": "handling=lenient"})
    assert got == 200 and body["total"] > 0


def test_a_booking_through_fhir_is_an_appointment_a_client_reads(server):
    alan = server.token("patient")
    _, doctors = server.fhir("/PractitionerRole?active=true&_count=1", alan)
    doctor = doctors["entry"][0]["resource"]["practitioner"]["reference"].split("/")[1]
    _, slots = server.fhir(f"/Slot?schedule=Schedule/{doctor}&status=free&_count=1", alan)
    slot = slots["entry"][0]["resource"]
    status, created, headers = server.call(
        "POST",
        "/fhir/R4/Appointment",
        alan,
        body={"resourceType": "Appointment", "slot": [{"reference": f"Slot/{slot['id']}"}], "description": "a follow-up"},
    )
    assert status == 201, created
    appointment = parses_and_round_trips(created)
    assert appointment.status == "proposed"
    assert headers.get("Location").endswith(f"/fhir/R4/Appointment/{created['id']}")
    status, again, _ = server.call("POST", "/fhir/R4/Appointment", alan, body={"resourceType": "Appointment", "slot": [{"reference": f"Slot/{slot['id']}"}]})
    assert status == 409
    OperationOutcome.model_validate(again)


def test_a_document_s_bytes_are_its_binary(server):
    admin = server.token("admin")
    _, orders = server.fhir("/MedicationRequest?_count=1", admin)
    patient = orders["entry"][0]["resource"]["subject"]["reference"]
    _, docs = server.fhir(f"/DocumentReference?patient={patient}", admin)
    url = docs["entry"][0]["resource"]["content"][0]["attachment"]["url"]
    status, binary, _ = server.call("GET", url, admin, headers={"Accept": "application/fhir+json"})
    assert status == 200
    parses_and_round_trips(binary)


def test_every_line_of_a_bulk_export_parses(server):
    admin = server.token("admin")
    status, _, headers = server.call("GET", "/fhir/R4/$export", admin, headers={"Prefer": "respond-async"})
    assert status == 202
    status_url = headers.get("Content-Location")
    for _ in range(300):
        status, manifest, headers = server.call("GET", status_url, admin)
        if status == 200:
            break
        assert status == 202 and "%" in headers.get("X-Progress")
        time.sleep(0.1)
    assert status == 200, manifest
    assert {o["type"] for o in manifest["output"]} >= {"Patient", "Practitioner", "Appointment", "MedicationRequest", "DocumentReference", "Invoice"}
    for output in manifest["output"]:
        req = urllib.request.Request(output["url"], headers={"Authorization": f"Bearer {admin}"})
        with urllib.request.urlopen(req, timeout=60) as res:
            assert res.headers.get("Content-Type") == "application/fhir+ndjson"
            lines = [json.loads(line) for line in res.read().decode().splitlines()]
        assert len(lines) == output["count"]
        for resource in lines:
            assert resource["resourceType"] == output["type"]
            parses_and_round_trips(resource)
    status, _, _ = server.call("DELETE", status_url, admin)
    assert status == 202
