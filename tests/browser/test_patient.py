"""The patient portal (web/js/roles/patient.js): find a doctor, a week of free slots, booking with a
reason, one's appointments (and cancelling one), prescriptions, invoices, documents (download),
one's own record (with the API's field errors beside their fields), and the refusal of another
patient's records, which the audit log records."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import random
import time
import urllib.request
import uuid
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from conftest import (
    PASSWORD,
    TIME_ZONE,
    Server,
    check_accessibility,
    choose,
    click,
    field,
    heading,
    screenshot,
    sign_in,
    text_appears,
    type_into,
    wait,
)

ZONE = ZoneInfo(TIME_ZONE)
STRANGE = "strange@demo.hms"  # the demo's neurosurgeon, the only doctor of that specialization


# ---- helpers ----


def ok(result: tuple[int, dict | None], expected: int = 200) -> dict:
    status, body = result
    assert status == expected, (status, body)
    return body


def me(server: Server, token: str) -> dict:
    return ok(server.api("GET", "/api/patients/me", token))


def doctor_by_email(server: Server, email: str) -> dict:
    doctors = ok(server.api("GET", "/api/doctors?page_size=100"))["items"]
    return next(d for d in doctors if d["email"] == email)


def instant(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))


def week_slots(server: Server, doctor_id: str, monday: dt.date) -> list[dict]:
    """The doctor's free slots in the hospital-local week starting on `monday`, from the API."""
    start = dt.datetime.combine(monday, dt.time(0, 0), ZONE).astimezone(dt.timezone.utc)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0, 0), ZONE).astimezone(dt.timezone.utc)
    q = f"from={start.isoformat().replace('+00:00', 'Z')}&to={end.isoformat().replace('+00:00', 'Z')}"
    return ok(server.api("GET", f"/api/doctors/{doctor_id}/slots?{q}"))






def shown_week(driver: WebDriver) -> dt.date:
    """The Monday of the week the doctor's page shows (its first day's heading id)."""
    first = wait(driver).until(lambda d: d.execute_script("return document.querySelector('.week .day h3')?.id"))
    return dt.date.fromisoformat(first.removeprefix("day-"))


def shown_slots(driver: WebDriver) -> set[dt.datetime]:
    starts = driver.execute_script("return [...document.querySelectorAll('.week button.slot')].map(b => b.dataset.start)")
    return {instant(s) for s in starts}


def main_el(driver: WebDriver):
    return driver.find_element(By.TAG_NAME, "main")


def multipart(server: Server, path: str, token: str, fields: dict[str, str], file_name: str, content: bytes, content_type: str) -> tuple[int, dict]:
    """A multipart/form-data POST (server.api sends JSON only)."""
    boundary = f"----hms-test-{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    req = urllib.request.Request(server.base + path, data=b"".join(parts), method="POST")
    req.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    req.add_header("Accept", "application/json")
    req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


# ---- the tests ----


def test_find_a_doctor_book_a_free_slot_see_it_and_cancel_it(server, browser):
    patient = server.token("patient")
    record = me(server, patient)
    strange = doctor_by_email(server, STRANGE)

    sign_in(browser, server, "patient")
    heading(browser, f"Welcome, {record['full_name']}")
    assert browser.current_url.endswith("#/patient")
    text_appears(browser, "Upcoming appointments")
    check_accessibility(browser, "patient home")
    screenshot(browser, "patient-home")

    # Find a doctor by specialization.
    click(browser, "Find a doctor", browser.find_element(By.ID, "nav"))
    heading(browser, "Find a doctor")
    check_accessibility(browser, "find a doctor")
    choose(browser, "Specialization", "Neurosurgery")
    click(browser, "Search", main_el(browser))
    wait(browser).until(lambda d: "specialization=Neurosurgery" in d.current_url)
    text_appears(browser, "Dr Stephen Strange")
    results = main_el(browser).find_element(By.CSS_SELECTOR, ".list table").text
    assert "Dr Gregory House" not in results and "Dr Meredith Grey" not in results
    assert "250.00 USD" in results  # the fee, as the API wrote it
    click(browser, "Dr Stephen Strange", main_el(browser))

    # A week of free slots: exactly the API's, at the hospital's local times.
    heading(browser, "Dr Stephen Strange")
    check_accessibility(browser, "doctor's week of slots")
    monday = shown_week(browser)
    assert monday.weekday() == 0
    expected = {instant(s["start"]) for s in week_slots(server, strange["id"], monday)}
    assert expected, "the demo doctor has free slots in the week shown"
    assert shown_slots(browser) == expected
    first = browser.find_element(By.CSS_SELECTOR, ".week button.slot")
    assert first.text == instant(first.get_attribute("data-start")).astimezone(ZONE).strftime("%H:%M")

    # Next week and back.
    click(browser, "Next week", main_el(browser))
    wait(browser).until(lambda d: shown_week(d) == monday + dt.timedelta(days=7))
    assert shown_slots(browser) == {instant(s["start"]) for s in week_slots(server, strange["id"], monday + dt.timedelta(days=7))}
    click(browser, "Previous week", main_el(browser))
    wait(browser).until(lambda d: shown_week(d) == monday)

    # Pick a slot, give a reason, book.
    buttons = browser.find_elements(By.CSS_SELECTOR, ".week button.slot")
    slot = random.choice(buttons[len(buttons) // 2 :])
    start = slot.get_attribute("data-start")
    slot.click()
    assert slot.get_attribute("aria-pressed") == "true"
    reason = f"Recurring headaches {uuid.uuid4().hex[:8]}"
    type_into(browser, "Reason for the visit", reason)
    check_accessibility(browser, "booking a slot")
    click(browser, "Book the appointment")
    wait(browser).until(lambda d: "#/patient/appointments/" in d.current_url)
    appointment_id = browser.current_url.rsplit("/", 1)[1]
    text_appears(browser, reason)
    text_appears(browser, "Pending")
    check_accessibility(browser, "appointment")

    booked = ok(server.api("GET", f"/api/appointments/{appointment_id}", patient))
    assert booked["reason"] == reason
    assert booked["status"] == "pending"
    assert booked["doctor_id"] == strange["id"]
    assert booked["patient_id"] == record["id"]
    assert instant(booked["starts_at"]) == instant(start)

    # It is in the list of one's appointments; cancel it there, with a reason.
    click(browser, "Appointments", browser.find_element(By.ID, "nav"))
    heading(browser, "My appointments")
    text_appears(browser, reason)
    check_accessibility(browser, "my appointments")
    row = browser.find_element(By.XPATH, f"//main//tr[td[normalize-space(.)={json.dumps(reason)}]]")
    assert "Pending" in row.text
    row.find_element(By.TAG_NAME, "summary").click()
    type_into(browser, "Reason for cancelling", "Feeling better", within=row)
    check_accessibility(browser, "cancelling an appointment")
    click(browser, "Cancel the appointment", row)
    wait(browser).until(
        lambda d: "Cancelled" in d.find_element(By.XPATH, f"//main//tr[td[normalize-space(.)={json.dumps(reason)}]]").text
    )
    cancelled = ok(server.api("GET", f"/api/appointments/{appointment_id}", patient))
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancellation_reason"] == "Feeling better"


def test_a_slot_taken_meanwhile_shows_the_api_refusal(server, browser):
    strange = doctor_by_email(server, STRANGE)
    other = server.token("patient2")

    sign_in(browser, server, "patient")
    browser.get(server.url(f"/patient/doctors/{strange['id']}"))
    heading(browser, "Dr Stephen Strange")
    slot = random.choice(browser.find_elements(By.CSS_SELECTOR, ".week button.slot"))
    start = slot.get_attribute("data-start")
    slot.click()
    type_into(browser, "Reason for the visit", "Check-up")

    # Someone else takes the slot while the page is open.
    taken = ok(server.api("POST", "/api/appointments", other, {"doctor_id": strange["id"], "starts_at": start, "reason": "mine"}), 201)
    status, refusal = server.api("POST", "/api/appointments", other, {"doctor_id": strange["id"], "starts_at": start, "reason": "again"})
    assert status == 409
    try:
        click(browser, "Book the appointment")
        wait(browser).until(lambda d: refusal["detail"] in d.find_element(By.CSS_SELECTOR, "main form .alert").text)
        assert "#/patient/doctors/" in browser.current_url
        # What was typed stays, and the week is drawn again without the taken slot.
        assert field(browser, "Reason for the visit").get_attribute("value") == "Check-up"
        wait(browser).until(lambda d: instant(start) not in shown_slots(d))
        check_accessibility(browser, "booking refused")
    finally:
        server.api("POST", f"/api/appointments/{taken['id']}/cancel", other, {"reason": "test done"})


def test_prescriptions_invoices_and_documents(server, browser, tmp_path):
    # The demo patient with a prescription and an invoice, as the API says.
    who, token = None, None
    for candidate in ("patient", "patient2"):
        t = server.token(candidate)
        if ok(server.api("GET", "/api/prescriptions", t))["total"] and ok(server.api("GET", "/api/invoices", t))["total"]:
            who, token = candidate, t
            break
    assert who, "a demo patient has a prescription and an invoice"
    record = me(server, token)
    rx = ok(server.api("GET", "/api/prescriptions", token))["items"][0]
    invoice = ok(server.api("GET", "/api/invoices", token))["items"][0]

    # A document from their doctor, uploaded through the API.
    content = f"Full blood count: normal ({uuid.uuid4().hex[:6]})\n".encode()
    file_name = f"blood-count-{uuid.uuid4().hex[:6]}.txt"
    document = ok(
        multipart(server, f"/api/patients/{record['id']}/documents", server.token("doctor"), {"kind": "lab", "description": "Blood count"}, file_name, content, "text/plain"),
        201,
    )

    sign_in(browser, server, who)

    # Prescriptions: the list, then one with its medicines as the API structures them.
    click(browser, "Prescriptions", browser.find_element(By.ID, "nav"))
    heading(browser, "Prescriptions")
    text_appears(browser, rx["diagnosis"])
    check_accessibility(browser, "prescriptions")
    main_el(browser).find_element(By.CSS_SELECTOR, f"a[href='#/patient/prescriptions/{rx['id']}']").click()
    heading(browser, f"Prescription: {rx['diagnosis']}")
    table = main_el(browser).find_element(By.XPATH, ".//table[caption[normalize-space(.)='Medicines prescribed']]")
    for m in rx["medications"]:
        row = table.find_element(By.XPATH, f".//tr[td[normalize-space(.)={json.dumps(m['name'])}]]").text
        assert m["strength"] in row and m["frequency"] in row and f"{m['duration_days']} day" in row
    check_accessibility(browser, "prescription")

    # Invoices: the list, then one with its lines and totals.
    click(browser, "Invoices", browser.find_element(By.ID, "nav"))
    heading(browser, "Invoices")
    text_appears(browser, invoice["number"])
    check_accessibility(browser, "invoices")
    click(browser, invoice["number"], main_el(browser))
    heading(browser, f"Invoice {invoice['number']}")
    page = main_el(browser).text
    for line in invoice["lines"]:
        assert line["description"] in page
    for amount in ("subtotal", "tax", "total"):
        assert f"{invoice[amount]} {invoice['currency']}" in page
    assert invoice["status"].capitalize() in page
    check_accessibility(browser, "invoice")

    # Documents: listed, and downloaded with the bytes that were uploaded.
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    click(browser, "Documents", browser.find_element(By.ID, "nav"))
    heading(browser, "Documents")
    text_appears(browser, file_name)
    check_accessibility(browser, "documents")
    row = browser.find_element(By.XPATH, f"//main//tr[td[normalize-space(.)={json.dumps(file_name)}]]")
    assert "Lab" in row.text and "Blood count" in row.text
    click(browser, "Download", row)
    target = pathlib.Path(tmp_path) / file_name
    deadline = time.time() + 15
    while not (target.exists() and target.read_bytes() == content) and time.time() < deadline:
        time.sleep(0.2)
    assert target.exists() and target.read_bytes() == content
    # The download is audited.
    audit = ok(server.api("GET", f"/api/audit?actor_id={record['id']}&page_size=100", server.token("admin")))["items"]
    assert any(e["entity_id"] == document["id"] and e["operation"] == "document.download" and e["outcome"] == "success" for e in audit)


def test_editing_ones_record_with_field_errors_beside_their_fields(server, browser):
    # A patient of one's own, so that the demo patients' records stay as other tests expect them.
    email = f"patient-{uuid.uuid4().hex[:10]}@example.org"
    ok(server.api("POST", "/api/auth/register", body={"email": email, "password": PASSWORD, "full_name": "Rosalind Franklin", "role": "patient"}), 201)
    token = server.token(email)

    sign_in(browser, server, email)
    heading(browser, "Welcome, Rosalind Franklin")
    click(browser, "My record", browser.find_element(By.ID, "nav"))
    heading(browser, "My health record")
    check_accessibility(browser, "my record")

    type_into(browser, "Allergies", "peanuts\nlatex")
    type_into(browser, "Emergency contact", "Maurice, +1 555 0100")
    click(browser, "Save my record")
    text_appears(browser, "Your changes are saved.")
    saved = me(server, token)
    assert saved["clinical"]["allergies"] == ["peanuts", "latex"]
    assert saved["emergency_contact"] == "Maurice, +1 555 0100"
    assert field(browser, "Allergies").get_attribute("value") == "peanuts\nlatex"

    # Values the API refuses: its messages show beside their fields, and what was typed stays.
    long_allergy = "x" * 150
    type_into(browser, "Phone", "call me maybe")
    type_into(browser, "Allergies", f"peanuts\nlatex\n{long_allergy}")
    click(browser, "Save my record")
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".field-error"))
    phone = field(browser, "Phone")
    assert phone.get_attribute("aria-invalid") == "true"
    assert phone.get_attribute("value") == "call me maybe"
    phone_error = phone.find_element(By.XPATH, "./ancestor::div[contains(@class,'field')][1]//p[contains(@class,'field-error')]")
    assert "digits" in phone_error.text  # the API's own message
    assert phone_error.get_attribute("id") in phone.get_attribute("aria-describedby")
    allergies = field(browser, "Allergies")
    assert allergies.get_attribute("aria-invalid") == "true"
    allergy_error = allergies.find_element(By.XPATH, "./ancestor::div[contains(@class,'field')][1]//p[contains(@class,'field-error')]")
    assert "entry 3" in allergy_error.text and "100" in allergy_error.text
    assert allergies.get_attribute("value").endswith(long_allergy)
    check_accessibility(browser, "my record with errors")
    unchanged = me(server, token)
    assert unchanged["phone"] is None and unchanged["clinical"]["allergies"] == ["peanuts", "latex"]


def test_another_patients_records_are_not_found_and_the_refusal_is_audited(server, browser):
    admin = server.token("admin")
    patient = me(server, server.token("patient"))
    patient_id = patient["id"]
    other = server.token("patient2")
    other_id = me(server, other)["id"]

    # A visit of the other patient with a prescription and an invoice (the demo has none for them).
    strange = doctor_by_email(server, STRANGE)
    today = dt.datetime.now(ZONE).date()
    slots = week_slots(server, strange["id"], today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7))
    # A free time of the doctor's that the patient has not booked elsewhere (other tests book too).
    for slot in random.sample(slots, len(slots)):
        status, visit = server.api("POST", "/api/appointments", other, {"doctor_id": strange["id"], "starts_at": slot["start"], "reason": "migraine"})
        if status == 201:
            break
        assert status == 409, (status, visit)
    assert status == 201, "no free time left for the visit"
    doctor = server.token(STRANGE)
    ok(server.api("POST", f"/api/appointments/{visit['id']}/confirm", doctor, {}))
    medication = {"name": "ibuprofen", "strength": "400 mg", "route": "oral", "frequency": "as needed", "duration_days": 5}
    ok(server.api("POST", "/api/prescriptions", doctor, {"appointment_id": visit["id"], "diagnosis": "Migraine", "medications": [medication]}), 201)
    ok(server.api("POST", "/api/invoices", server.token("receptionist"), {"appointment_id": visit["id"]}), 201)

    # Their ids, as an admin finds them.
    records = {
        "appointment": ok(server.api("GET", f"/api/appointments?patient_id={other_id}", admin))["items"][0]["id"],
        "prescription": ok(server.api("GET", f"/api/prescriptions?patient_id={other_id}", admin))["items"][0]["id"],
        "invoice": ok(server.api("GET", f"/api/invoices?patient_id={other_id}", admin))["items"][0]["id"],
    }

    sign_in(browser, server, "patient")
    for kind, record_id in records.items():
        browser.get(server.url("/patient"))
        heading(browser, f"Welcome, {patient['full_name']}")
        browser.get(server.url(f"/patient/{kind}s/{record_id}"))
        heading(browser, "Not found")
        text_appears(browser, "not yours to see")
        assert "migraine" not in main_el(browser).text.lower()
    check_accessibility(browser, "another patient's record")

    # Each refused read is in the audit log: who, what, and whose record it was.
    events = ok(server.api("GET", f"/api/audit?action=refused&actor_id={patient_id}&page_size=100", admin))["items"]
    for kind, record_id in records.items():
        hits = [e for e in events if e["entity_id"] == record_id]
        assert hits, f"the refused read of the {kind} is not in the audit log"
        event = hits[0]
        assert event["entity"] == kind
        assert event["operation"] == f"{kind}.read"
        assert event["outcome"] == "refused"
        assert event["actor_role"] == "patient"
        assert event["patient_id"] == other_id
