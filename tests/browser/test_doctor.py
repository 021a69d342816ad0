"""The doctor's portal (roles/doctor.js and the shared chart.js), as the demo doctor house@demo.hms:
the day and the week, an appointment's lifecycle, a patient's chart (visit note, document upload),
a prescription with structured medications and its analysis, and one's availability.

Bookings are made through the API as the demo patients first; each result the browser produces is
checked through the API as well as on the page."""

from __future__ import annotations

import datetime as dt
import random
import string
import time
import uuid
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from conftest import (
    PASSWORD,
    TIME_ZONE,
    check_accessibility,
    click,
    field,
    heading,
    main,
    screenshot,
    sign_in,
    text_appears,
    type_into,
    until,
)

ZONE = ZoneInfo(TIME_ZONE)


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def parse(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def local(s: str) -> dt.datetime:
    return parse(s).astimezone(ZONE)


def ok(result: tuple[int, dict | None], *codes: int) -> dict:
    status, body = result
    assert status in (codes or (200, 201)), (status, body)
    return body


class World:
    """What the tests share: tokens, the doctor, and the bookings made for them."""

    def __init__(self, server):
        self.server = server
        self.doctor = server.token("doctor")
        self.me = ok(server.api("GET", "/api/doctors/me", self.doctor))
        # Patients of these tests' own, so that no other test's bookings or records are in the way.
        tag = "".join(random.choices(string.ascii_lowercase, k=8))  # names take letters only
        self.grace_name, self.grace_email = f"Grace {tag.capitalize()} Hopper", f"grace-{tag}@example.test"
        self.grace, self.grace_id = self.register(self.grace_name, self.grace_email, ["penicillin"], ["atrial fibrillation"])
        self.edsger, _ = self.register(f"Edsger {tag.capitalize()} Dijkstra", f"edsger-{tag}@example.test", [], [])
        self.started = None  # a confirmed appointment of Grace's that starts within two minutes

    def register(self, name: str, email: str, allergies: list[str], conditions: list[str]) -> tuple[str, str]:
        """A new patient account with a clinical record; answers its token and id."""
        details = {"date_of_birth": "1980-12-09", "sex": "female", "allergies": allergies, "conditions": conditions}
        body = {"email": email, "password": PASSWORD, "full_name": name, "role": "patient", "patient": details}
        ok(self.server.api("POST", "/api/auth/register", None, body), 201)
        token = self.server.token(email)
        return token, ok(self.server.api("GET", "/api/patients/me", token))["id"]

    def api(self, method: str, path: str, token: str | None = None, body: dict | None = None, *codes: int) -> dict:
        return ok(self.server.api(method, path, token or self.doctor, body), *codes)

    def free_slots(self, start: dt.datetime, days: int) -> list[dict]:
        q = f"from={iso(start)}&to={iso(start + dt.timedelta(days=days))}".replace("+", "%2B")
        return self.api("GET", f"/api/doctors/{self.me['id']}/slots?{q}")

    def book(self, token: str, starts_at: str, reason: str) -> dict:
        return self.api("POST", "/api/appointments", token, {"doctor_id": self.me["id"], "starts_at": starts_at, "reason": reason}, 201)

    def book_one_starting_soon(self) -> None:
        """A confirmed appointment that starts in about a minute, to complete once it has begun.

        Slots are offered only in the future, so the doctor's weekly rules are replaced for a
        moment by one five-minute rule that opens at the next minute, and put back at once."""
        now = dt.datetime.now(ZONE)
        # The next whole minute at least 15 s away: time enough to book it before it starts.
        opens = (now + dt.timedelta(seconds=15)).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        closes = opens + dt.timedelta(minutes=10)
        if closes.date() != now.date():
            return  # too close to midnight for a window that does not cross it
        saved = self.api("GET", f"/api/doctors/{self.me['id']}/availability")["rules"]
        rule = {
            "weekday": opens.strftime("%A").lower(),
            "start": opens.strftime("%H:%M"),
            "end": closes.strftime("%H:%M"),
            "slot_minutes": 5,
            "valid_from": opens.date().isoformat(),
            "valid_until": opens.date().isoformat(),
        }
        try:
            self.api("PUT", "/api/doctors/me/availability", None, {"rules": [rule]})
            slots = self.free_slots(now, 1)
            if slots:
                self.started = self.book(self.grace, slots[0]["start"], "follow-up, soon")
        finally:
            self.api("PUT", "/api/doctors/me/availability", None, {"rules": saved})
        if self.started:
            self.started = self.api("POST", f"/api/appointments/{self.started['id']}/confirm")


@pytest.fixture(scope="module")
def world(server) -> World:
    w = World(server)
    w.book_one_starting_soon()
    return w






def go(driver, server, path: str) -> None:
    driver.get(server.url(path))




def fieldset(driver, legend: str) -> WebElement:
    return until(driver, lambda d: d.find_element(By.XPATH, f"//fieldset[legend[normalize-space()='{legend}']]"))


def error_beside(driver, control: WebElement) -> str:
    """The field error shown in the same field box as `control`."""
    box = control.find_element(By.XPATH, "./ancestor::div[contains(concat(' ', @class, ' '), ' field ')][1]")
    err = until(driver, lambda d: box.find_element(By.CSS_SELECTOR, ".field-error"))
    assert control.get_attribute("aria-invalid") == "true"
    return err.text


def test_day_week_and_an_appointments_lifecycle(server, browser, world):
    # Two pending bookings in the future: one to confirm, one to reject.
    slots = world.free_slots(dt.datetime.now(ZONE) + dt.timedelta(hours=2), 20)
    assert len(slots) >= 2, slots
    first = world.book(world.grace, slots[0]["start"], "headache for a week")
    second = world.book(world.edsger, slots[1]["start"], "second opinion")
    day = local(first["starts_at"]).date().isoformat()

    sign_in(browser, server, "doctor")
    heading(browser, "Today")
    # The bookings waiting for an answer are listed on the home page whatever their day.
    text_appears(browser, "Waiting for your confirmation")
    text_appears(browser, "headache for a week")
    if world.started:
        text_appears(browser, "follow-up, soon")
    check_accessibility(browser, "doctor home")
    screenshot(browser, "doctor-home")

    # The day of the booking, in the hospital's zone, grouped by status.
    go(browser, server, f"/doctor?day={day}")
    until(browser, lambda d: d.find_element(By.CSS_SELECTOR, "main h1").text != "Today" or day == dt.datetime.now(ZONE).date().isoformat())
    start_local = local(first["starts_at"]).strftime("%H:%M")
    pending = until(browser, lambda d: d.find_element(By.XPATH, "//section[h2[starts-with(normalize-space(), 'Pending')]]"))
    assert start_local in pending.text and world.grace_name in pending.text, pending.text
    check_accessibility(browser, "doctor day")
    click(browser, "Next day")
    text_appears(browser, "your appointments")
    assert f"day={(dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()}" in browser.current_url

    # The week holding it, and the weeks around it.
    go(browser, server, f"/doctor/week?start={day}")
    monday = dt.date.fromisoformat(day) - dt.timedelta(days=dt.date.fromisoformat(day).weekday())
    heading(browser, f"Week of {monday.day} {monday.strftime('%b %Y')}")
    text_appears(browser, world.grace_name)
    check_accessibility(browser, "doctor week")
    click(browser, "Next week")
    nxt = monday + dt.timedelta(days=7)
    heading(browser, f"Week of {nxt.day} {nxt.strftime('%b %Y')}")
    click(browser, "Previous week")
    heading(browser, f"Week of {monday.day} {monday.strftime('%b %Y')}")

    # The appointment: completing it before it starts is refused by the API, and said so.
    go(browser, server, f"/doctor?day={day}")
    click(browser, start_local, main(browser))
    until(browser, lambda d: d.find_element(By.CSS_SELECTOR, "main h1").text.startswith("Appointment on"))
    assert first["id"] in browser.current_url
    text_appears(browser, "headache for a week")
    # Pending: the steps offered are the API's (confirm, reject), not completing.
    assert world.api("GET", f"/api/appointments/{first['id']}")["next_steps"] == ["confirm", "reject", "cancel"]
    assert not [b for b in main(browser).find_elements(By.TAG_NAME, "button") if b.text.startswith("Complete")]
    click(browser, "Confirm")
    until(browser, lambda d: d.find_element(By.CSS_SELECTOR, "main .status").text == "Confirmed")
    assert world.api("GET", f"/api/appointments/{first['id']}")["status"] == "confirmed"
    # Confirmed: completing is offered, and before the visit starts the API refuses it, and says so.
    click(browser, "Complete")
    text_appears(browser, "complete is possible only once the appointment has started")
    check_accessibility(browser, "doctor appointment with a refusal")
    assert world.api("GET", f"/api/appointments/{first['id']}")["status"] == "confirmed"

    # Rejecting the other one, with a reason the patient will read.
    go(browser, server, f"/doctor/appointments/{second['id']}")
    text_appears(browser, "second opinion")
    type_into(browser, "Reason for rejecting", "Please see a cardiologist first.")
    click(browser, "Reject", browser.find_element(By.CSS_SELECTOR, "main form"))
    until(browser, lambda d: d.find_element(By.CSS_SELECTOR, "main .status").text == "Rejected")
    text_appears(browser, "Please see a cardiologist first.")
    rejected = world.api("GET", f"/api/appointments/{second['id']}")
    assert rejected["status"] == "rejected" and rejected["cancellation_reason"] == "Please see a cardiologist first."
    check_accessibility(browser, "doctor rejected appointment")

    # Someone else's (or a missing) record is not found.
    go(browser, server, f"/doctor/appointments/{uuid.uuid4()}")
    heading(browser, "Not found")
    world.confirmed = first


def test_chart_visit_note_and_document(server, browser, world, tmp_path):
    sign_in(browser, server, "doctor")
    go(browser, server, "/doctor/patients")
    heading(browser, "Patients")
    check_accessibility(browser, "doctor patients")
    type_into(browser, "Search by name or e-mail", world.grace_name)
    click(browser, "Search", main(browser))
    until(browser, lambda d: "search=Grace" in d.current_url)
    text_appears(browser, "Patients matching")
    click(browser, world.grace_name, main(browser).find_element(By.TAG_NAME, "table"))
    heading(browser, world.grace_name)
    assert world.grace_id in browser.current_url
    text_appears(browser, "penicillin")  # her allergy and condition, as registered
    text_appears(browser, "atrial fibrillation")
    text_appears(browser, "9 Dec 1980")
    text_appears(browser, "eGFR")
    check_accessibility(browser, "doctor chart")

    # A visit note.
    note = f"Reports a week of headaches; no red flags. {uuid.uuid4().hex[:8]}"
    type_into(browser, "Clinical note", note)
    click(browser, "Save the note")
    until(browser, lambda d: note in d.find_element(By.CSS_SELECTOR, "ol.chart-notes").text)
    notes = world.api("GET", f"/api/patients/{world.grace_id}/notes")["items"]
    mine = [n for n in notes if n["text"] == note]
    assert mine and mine[0]["kind"] == "clinical" and mine[0]["author_id"] == world.me["id"], notes
    # Notes are never edited: a correction is a new note that names the one it corrects.
    click(browser, "Correct this note", main(browser).find_element(By.CSS_SELECTOR, "ol.chart-notes li"))
    text_appears(browser, "This note corrects the note of")
    type_into(browser, "Clinical note", "Correction: the headaches began two weeks ago.")
    click(browser, "Save the note")
    until(browser, lambda d: "Correction: the headaches" in d.find_element(By.CSS_SELECTOR, "ol.chart-notes").text)
    notes = world.api("GET", f"/api/patients/{world.grace_id}/notes")["items"]
    assert [n["corrects"] for n in notes if n["text"].startswith("Correction:")] == [mine[0]["id"]], notes

    # A document: a small text file through the file input.
    path = tmp_path / f"lab-{uuid.uuid4().hex[:6]}.txt"
    path.write_text("Full blood count: within normal limits.\n")
    field(browser, "File").send_keys(str(path))
    type_into(browser, "Description", "Blood count")
    Select(field(browser, "Kind", browser.find_element(By.XPATH, "//section[h2='Documents']"))).select_by_visible_text("Lab")
    click(browser, "Upload")
    text_appears(browser, path.name)
    docs = world.api("GET", f"/api/patients/{world.grace_id}/documents")["items"]
    doc = [d for d in docs if d["file_name"] == path.name]
    assert doc and doc[0]["kind"] == "lab" and doc[0]["description"] == "Blood count" and doc[0]["size_bytes"] == path.stat().st_size, docs
    check_accessibility(browser, "doctor chart after upload")

    # A chart the doctor may not see is "Not found".
    go(browser, server, f"/doctor/patients/{uuid.uuid4()}")
    heading(browser, "Not found")


def fill_medication(driver, number: int, name: str, strength: str, frequency: str, days: str) -> None:
    box = fieldset(driver, f"Medication {number}")
    type_into(driver, "Name", name, box)
    type_into(driver, "Strength", strength, box)
    type_into(driver, "Frequency", frequency, box)
    type_into(driver, "Duration (days)", days, box)


def test_prescription_with_interacting_medications_and_its_analysis(server, browser, world):
    appointment = getattr(world, "confirmed", None)
    if appointment is None:  # run alone: a confirmed appointment of Grace's, made here
        slot = world.free_slots(dt.datetime.now(ZONE) + dt.timedelta(hours=2), 20)[0]
        appointment = world.book(world.grace, slot["start"], "headache for a week")
        world.api("POST", f"/api/appointments/{appointment['id']}/confirm")

    sign_in(browser, server, "doctor")
    # Without a patient, the page asks for one of one's patients first.
    go(browser, server, "/doctor/prescriptions/new")
    heading(browser, "New prescription")
    check_accessibility(browser, "doctor new prescription: the patient")
    Select(field(browser, "Patient")).select_by_visible_text(f"{world.grace_name} ({world.grace_email})")
    click(browser, "Continue")
    until(browser, lambda d: f"patient={world.grace_id}" in d.current_url)
    text_appears(browser, f"For {world.grace_name}.")

    go(browser, server, f"/doctor/appointments/{appointment['id']}")
    click(browser, "Write a prescription for this appointment")
    heading(browser, "New prescription")
    type_into(browser, "Diagnosis", "Atrial fibrillation with recent stent")
    fill_medication(browser, 1, "warfarin", "5 mg", "once daily", "30")
    click(browser, "Add a medication")
    fill_medication(browser, 2, "aspirin", "7" * 61, "once daily", "30")
    click(browser, "Write the prescription")
    # The API refuses the second medication's strength: the error is shown beside that field.
    strength = field(browser, "Strength", fieldset(browser, "Medication 2"))
    assert "at most 60 characters" in error_beside(browser, strength)
    assert field(browser, "Name", fieldset(browser, "Medication 1")).get_attribute("value") == "warfarin"  # kept
    check_accessibility(browser, "doctor new prescription with errors")
    type_into(browser, "Strength", "75 mg", fieldset(browser, "Medication 2"))
    click(browser, "Write the prescription")
    until(browser, lambda d: d.find_element(By.CSS_SELECTOR, "main h1").text == f"Prescription for {world.grace_name}")
    rx_id = browser.current_url.rsplit("/", 1)[-1]
    rx = world.api("GET", f"/api/prescriptions/{rx_id}")
    assert rx["appointment_id"] == appointment["id"]
    assert [(m["name"], m["strength"], m["route"], m["duration_days"]) for m in rx["medications"]] == [
        ("warfarin", "5 mg", "oral", 30),
        ("aspirin", "75 mg", "oral", 30),
    ]
    text_appears(browser, "This prescription has not been analysed yet.")

    # The analysis: a high-severity interaction naming both, with its action and source.
    click(browser, "Analyse the prescription")
    until(browser, lambda d: d.find_element(By.CSS_SELECTOR, "main .dr-analysis .disclaimer"))
    text_appears(browser, "Safety checks (")
    analysis = world.api("GET", f"/api/prescriptions/{rx_id}/analysis")
    high = [f for f in analysis["checks"] if f["severity"] in ("high", "critical") and {"warfarin", "aspirin"} <= set(f["medications"])]
    assert high, analysis["checks"]
    box = main(browser).find_element(By.CSS_SELECTOR, ".dr-analysis")
    assert box.find_element(By.CSS_SELECTOR, ".disclaimer").text == analysis["disclaimer"]
    finding = box.find_element(By.CSS_SELECTOR, f".dr-finding.sev-{high[0]['severity']}")
    assert "warfarin" in finding.text and "aspirin" in finding.text
    assert high[0]["suggested_action"] in finding.text and high[0]["source"] in finding.text
    assert "Suggested action" in finding.text and "Source" in finding.text
    assert finding.find_element(By.CSS_SELECTOR, ".status").text == high[0]["severity"].capitalize()
    # No AI endpoint is configured: the review is unavailable, and why is said.
    assert analysis["review"] is None and analysis["review_unavailable_reason"]
    assert f"The AI review is unavailable: {analysis['review_unavailable_reason']}" in box.text
    check_accessibility(browser, "doctor prescription with its analysis")

    # Editing: a lower dose and a different diagnosis text; the revision grows.
    type_into(browser, "Diagnosis", "Atrial fibrillation; coronary stent in March")
    type_into(browser, "Strength", "2.5 mg", fieldset(browser, "Medication 1"))
    click(browser, "Save the changes")
    text_appears(browser, "coronary stent in March")
    edited = world.api("GET", f"/api/prescriptions/{rx_id}")
    assert edited["revision"] == 2 and edited["diagnosis"] == "Atrial fibrillation; coronary stent in March"
    assert edited["medications"][0]["strength"] == "2.5 mg" and len(edited["medications"]) == 2
    # The stored analysis is of the earlier revision, and the page says so.
    text_appears(browser, "This analysis is of revision 1")
    # A medication row removed and a duration that is no number: shown beside the field.
    click(browser, "Remove this medication", fieldset(browser, "Medication 2"))
    assert not browser.find_elements(By.XPATH, "//fieldset[legend[normalize-space()='Medication 2']]")
    type_into(browser, "Duration (days)", "a month", fieldset(browser, "Medication 1"))
    click(browser, "Save the changes")
    assert "whole number" in error_beside(browser, field(browser, "Duration (days)", fieldset(browser, "Medication 1")))
    assert world.api("GET", f"/api/prescriptions/{rx_id}")["revision"] == 2


def test_availability_rules_and_time_off(server, browser, world):
    saved = world.api("GET", f"/api/doctors/{world.me['id']}/availability")["rules"]
    sign_in(browser, server, "doctor")
    try:
        go(browser, server, "/doctor/availability")
        heading(browser, "Availability")
        check_accessibility(browser, "doctor availability")

        # Time off far ahead, so that no other test's booking is in the way.
        start = dt.date.today() + dt.timedelta(days=200)
        reason = f"Conference {uuid.uuid4().hex[:6]}"
        off = browser.find_element(By.XPATH, "//section[h2='Time off']")
        for label, value in (("From (date)", start), ("Until (date)", start + dt.timedelta(days=2))):
            el = field(browser, label, off)
            browser.execute_script("arguments[0].value = arguments[1]", el, value.isoformat())
        type_into(browser, "Reason", reason, off)
        click(browser, "Add the time off")
        text_appears(browser, reason)
        exceptions = world.api("GET", f"/api/doctors/{world.me['id']}/availability")["exceptions"]
        mine = [x for x in exceptions if x["reason"] == reason]
        assert mine and local(mine[0]["starts_at"]).date() == start and local(mine[0]["starts_at"]).strftime("%H:%M") == "00:00", exceptions
        assert local(mine[0]["ends_at"]).date() == start + dt.timedelta(days=2)
        # Removed again from its row: gone from the API's availability too.
        row = browser.find_element(By.XPATH, f"//section[h2='Time off']//tr[td[contains(., {reason!r})]]")
        click(browser, "Remove", row)
        until(browser, lambda d: reason not in d.find_element(By.TAG_NAME, "main").text)
        exceptions = world.api("GET", f"/api/doctors/{world.me['id']}/availability")["exceptions"]
        assert not [x for x in exceptions if x["reason"] == reason], exceptions

        # A new weekly rule: on Sundays, from 10:00 to 12:00, in 20-minute slots.
        click(browser, "Add a rule")
        n = len(saved) + 1
        rule = fieldset(browser, f"Rule {n}")
        Select(field(browser, "Weekday", rule)).select_by_visible_text("Sunday")
        for label, value in (("Start", "10:00"), ("End", "09:00")):
            el = field(browser, label, rule)
            browser.execute_script("arguments[0].value = arguments[1]", el, value)
        type_into(browser, "Slot minutes", "20", rule)
        click(browser, "Save the weekly rules")
        # The API refuses an end before the start: the error is beside that rule's end.
        assert error_beside(browser, field(browser, "End", fieldset(browser, f"Rule {n}")))
        check_accessibility(browser, "doctor availability with errors")
        browser.execute_script("arguments[0].value = arguments[1]", field(browser, "End", fieldset(browser, f"Rule {n}")), "12:00")
        click(browser, "Save the weekly rules")
        until(browser, 
            lambda d: any(r["weekday"] == "sunday" for r in world.api("GET", f"/api/doctors/{world.me['id']}/availability")["rules"])
        )
        rules = world.api("GET", f"/api/doctors/{world.me['id']}/availability")["rules"]
        sunday = [r for r in rules if r["weekday"] == "sunday"]
        assert sunday == [{"weekday": "sunday", "start": "10:00", "end": "12:00", "slot_minutes": 20, "valid_from": None, "valid_until": None}], rules
        assert len(rules) == len(saved) + 1
    finally:
        world.api("PUT", "/api/doctors/me/availability", None, {"rules": saved})


def test_completing_an_appointment_once_it_has_started(server, browser, world):
    if not world.started:
        pytest.skip("too close to midnight in the hospital's zone for a short appointment today")
    appointment = world.started
    sign_in(browser, server, "doctor")
    # It is one of today's, confirmed.
    heading(browser, "Today")
    confirmed = until(browser, lambda d: d.find_element(By.XPATH, "//section[h2[starts-with(normalize-space(), 'Confirmed')]]"))
    assert local(appointment["starts_at"]).strftime("%H:%M") in confirmed.text
    wait_s = (parse(appointment["starts_at"]) - dt.datetime.now(dt.timezone.utc)).total_seconds() + 1
    if wait_s > 0:
        time.sleep(wait_s)
    go(browser, server, f"/doctor/appointments/{appointment['id']}")
    text_appears(browser, "follow-up, soon")
    click(browser, "Complete")
    until(browser, lambda d: d.find_element(By.CSS_SELECTOR, "main .status").text == "Completed")
    assert world.api("GET", f"/api/appointments/{appointment['id']}")["status"] == "completed"
    text_appears(browser, "This appointment is completed.")
    check_accessibility(browser, "doctor completed appointment")
