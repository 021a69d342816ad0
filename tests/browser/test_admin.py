"""The admin portal (web/js/roles/admin.js): the dashboard's charts (SVG with text alternatives)
against GET /api/dashboard and their change after a booking, staff accounts (create with a field
error shown beside its field, deactivate), a doctor's profile and availability (weekly hours, time
off), and the audit log's filters against GET /api/audit."""

from __future__ import annotations

import datetime as dt
import random
import re
import string
import time
import uuid
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from conftest import (
    LOGINS,
    PASSWORD,
    TIME_ZONE,
    Server,
    check_accessibility,
    choose,
    click,
    field,
    screenshot,
    sign_in,
    text_appears,
    type_into,
)
from conftest import heading, main, until

ZONE = ZoneInfo(TIME_ZONE)


# ---- helpers ----


def ok(result: tuple[int, dict | None], expected: int = 200) -> dict:
    status, body = result
    assert status == expected, (status, body)
    return body


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def letters(n: int = 6) -> str:
    """A random word, for names (which take letters only)."""
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n)).capitalize()


def money(m: dict) -> str:
    """What format.money shows: the amount as written, digits grouped, then the currency."""
    whole, _, fraction = m["amount"].partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-')):,}"
    return f"{sign}{grouped}{'.' + fraction if fraction else ''} {m['currency']}"


def admin_id(server: Server, token: str) -> str:
    admins = ok(server.api("GET", "/api/users?role=admin&page_size=100", token))["items"]
    return next(u["id"] for u in admins if u["email"] == LOGINS["admin"])


def new_doctor(server: Server, token: str) -> dict:
    """A doctor of this test's own, with weekday hours, so no other test's bookings get in the way."""
    email = f"{unique('doc')}@test.hms"
    user = ok(
        server.api(
            "POST",
            "/api/users",
            token,
            {
                "role": "doctor",
                "full_name": f"Test Doctor {letters()}",
                "email": email,
                "password": PASSWORD,
                "doctor": {"specialization": "Dermatology", "license_number": unique("LIC"), "consultation_fee": "80.00", "bio": "Skin."},
            },
        ),
        201,
    )
    rules = [{"weekday": d, "start": "09:00", "end": "17:00", "slot_minutes": 30} for d in ("monday", "tuesday", "wednesday", "thursday", "friday")]
    ok(server.api("PUT", f"/api/doctors/{user['id']}/availability", token, {"rules": rules}))
    return user


def new_patient_token(server: Server) -> str:
    email = f"{unique('pat')}@test.hms"
    status, body = server.api("POST", "/api/auth/register", body={"email": email, "password": PASSWORD, "full_name": "Test Patient", "role": "patient"})
    assert status in (200, 201), (status, body)
    return server.token(email)


def book(server: Server, doctor_id: str) -> dict:
    """Books a free slot of the doctor as a new patient; answers the appointment."""
    token = new_patient_token(server)
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    end = start + dt.timedelta(days=14)
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    slots = ok(server.api("GET", f"/api/doctors/{doctor_id}/slots?from={iso(start)}&to={iso(end)}", token))
    assert slots, "the new doctor has no free slot"
    return ok(server.api("POST", "/api/appointments", token, {"doctor_id": doctor_id, "starts_at": slots[0]["start"], "reason": "check-up"}), 201)


def set_value(driver: WebDriver, el: WebElement, value: str) -> None:
    """Sets a date or time input (their typing order depends on the browser's locale)."""
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        el,
        value,
    )








def list_loaded(driver: WebDriver) -> None:
    """Waits until the page's self-loading list has drawn (its pager or its count is shown)."""
    until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "main .list") and not d.find_elements(By.CSS_SELECTOR, "main .list[aria-busy]") and "Loading…" not in d.find_element(By.CSS_SELECTOR, "main .list").text)


def shown_total(driver: WebDriver) -> int:
    """The total a list's pager shows (`N in all`), or 0 when the list says nothing matches."""
    text = driver.find_element(By.CSS_SELECTOR, "main .list").text
    m = re.search(r"(\d+) in all", text)
    return int(m.group(1)) if m else 0


def chart(driver: WebDriver, name: str) -> dict[str, str]:
    """A chart's numbers as its text alternative gives them: key -> shown text, after checking
    that the SVG is labelled by a title and a description that exist and say something."""
    figure = driver.find_element(By.CSS_SELECTOR, f'figure[data-chart="{name}"]')
    graphic = figure.find_element(By.CSS_SELECTOR, "svg")
    assert graphic.get_attribute("role") == "img"
    ids = graphic.get_attribute("aria-labelledby").split()
    assert len(ids) == 2, ids
    title = driver.find_element(By.ID, ids[0])
    desc = driver.find_element(By.ID, ids[1])
    assert title.tag_name == "title" and title.get_attribute("textContent").strip()
    assert desc.tag_name == "desc" and desc.get_attribute("textContent").strip()
    rows = {}
    for tr in figure.find_elements(By.CSS_SELECTOR, "table tbody tr"):
        rows[tr.get_attribute("data-key")] = tr.find_element(By.TAG_NAME, "td").get_attribute("textContent").strip()
    bars = {g.get_attribute("data-key"): g.get_attribute("data-value") for g in graphic.find_elements(By.CSS_SELECTOR, "g.bar-row")}
    assert set(bars) == set(rows), (bars, rows)
    assert desc.get_attribute("textContent").count(":") == len(rows)
    return rows


def status_counts(driver: WebDriver) -> dict[str, str]:
    return chart(driver, "status")


# ---- the dashboard ----


def test_dashboard_charts_match_the_api(browser: WebDriver, server: Server) -> None:
    sign_in(browser, server, "admin")
    heading(browser, "Dashboard")
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'figure[data-chart="status"] svg'))
    d = ok(server.api("GET", "/api/dashboard", server.token("admin")))

    assert status_counts(browser) == {s["status"]: str(s["count"]) for s in d["appointments_by_status"]}
    if d["busiest_doctors"]:
        assert chart(browser, "doctors") == {x["doctor_id"]: str(x["appointments"]) for x in d["busiest_doctors"]}
    for m in d["revenue"]:
        assert chart(browser, f"revenue-{m['currency']}")["paid"] == money(m)
    for m in d["pending"]:
        assert chart(browser, f"revenue-{m['currency']}")["pending"] == money(m)
    # One chart per currency: amounts in different currencies never share an axis.
    currencies = {m["currency"] for m in d["revenue"] + d["pending"]}
    assert len(browser.find_elements(By.CSS_SELECTOR, 'figure[data-chart^="revenue-"] svg')) == len(currencies)
    for key, value in (("doctors", d["doctors"]), ("patients", d["patients"]), ("today", d["today_appointments"])):
        assert browser.find_element(By.CSS_SELECTOR, f'dd[data-stat="{key}"]').text == str(value)

    check_accessibility(browser, "admin dashboard")
    screenshot(browser, "admin-home")


def test_dashboard_shows_a_new_booking(browser: WebDriver, server: Server) -> None:
    token = server.token("admin")
    doctor = new_doctor(server, token)
    sign_in(browser, server, "admin")
    heading(browser, "Dashboard")
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'figure[data-chart="status"] svg'))
    before = int(status_counts(browser)["pending"])

    book(server, doctor["id"])
    # The server keeps the figures for --dashboard-ttl seconds (300 by default): the change shows
    # once they are computed again. A test server started with a short TTL shows it at once.
    deadline = dt.datetime.now() + dt.timedelta(seconds=6)
    while True:
        d = ok(server.api("GET", "/api/dashboard", token))
        pending = next(s["count"] for s in d["appointments_by_status"] if s["status"] == "pending")
        if pending > before or dt.datetime.now() > deadline:
            break
        time.sleep(0.3)
    if pending == before:
        pytest.skip(f"the dashboard is cached (computed at {d['computed_at']}): start the test server with --dashboard-ttl 0 to see it change")
    assert pending == before + 1

    click(browser, "Refresh", main(browser))
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'figure[data-chart="status"] tr[data-key="pending"]') and status_counts(d)["pending"] == str(pending))
    assert chart(browser, "doctors").get(doctor["id"]) == "1", "the new doctor's one booking is among the busiest doctors"


# ---- staff accounts ----


def test_create_and_deactivate_a_staff_account(browser: WebDriver, server: Server) -> None:
    token = server.token("admin")
    email = f"{unique('nurse')}@test.hms"
    name = f"Nora {letters()}"
    sign_in(browser, server, "admin")
    browser.get(server.url("/admin/users"))
    heading(browser, "Staff accounts")
    list_loaded(browser)
    check_accessibility(browser, "admin staff accounts")

    new = browser.find_element(By.CSS_SELECTOR, "main form.admin-form")  # the list's filters have a "Role" too

    # A doctor's details are asked only for a doctor.
    assert not field(browser, "Specialization", new).is_displayed()
    choose(browser, "Role", "Doctor", new)
    assert field(browser, "Specialization", new).is_displayed()
    choose(browser, "Role", "Nurse", new)
    assert not field(browser, "Specialization", new).is_displayed()

    # A weak password: the API's field error shows beside the password, what was typed stays.
    type_into(browser, "Full name", name, new)
    type_into(browser, "E-mail address", email, new)
    password = type_into(browser, "Initial password", "short", new)
    click(browser, "Create the account", new)
    box = password.find_element(By.XPATH, "./ancestor::div[contains(@class, 'field')][1]")
    until(browser, lambda d: box.find_elements(By.CSS_SELECTOR, ".field-error"))
    assert "10 characters" in box.find_element(By.CSS_SELECTOR, ".field-error").text
    assert password.get_attribute("aria-invalid") == "true"
    assert field(browser, "E-mail address", new).get_attribute("value") == email
    check_accessibility(browser, "admin staff account form with a field error")

    type_into(browser, "Initial password", "a-long-enough-password", new)
    click(browser, "Create the account", new)
    until(browser, lambda d: field(d, "E-mail address", new).get_attribute("value") == "")  # the form starts over
    nurses = ok(server.api("GET", "/api/users?role=nurse&page_size=100", token))["items"]
    created = next(u for u in nurses if u["email"] == email)
    assert created["full_name"] == name and created["active"]
    assert server.api("POST", "/api/auth/login", body={"email": email, "password": "a-long-enough-password"})[0] == 200

    # The same e-mail again: the API's refusal is shown on the form.
    type_into(browser, "Full name", name, new)
    type_into(browser, "E-mail address", email, new)
    type_into(browser, "Initial password", "a-long-enough-password", new)
    click(browser, "Create the account", new)
    until(browser, lambda d: "already exists" in new.find_element(By.CSS_SELECTOR, ".form-errors").text)

    # Deactivate it (asked first), from the list of nurses.
    browser.get(server.url("/admin/users?role=nurse"))
    heading(browser, "Staff accounts")
    list_loaded(browser)
    row_xpath = f"//main//tr[td[normalize-space()={email!r}]]"
    row = until(browser, lambda d: d.find_element(By.XPATH, row_xpath))
    click(browser, "Deactivate", row)
    click(browser, "Yes, deactivate", browser.find_element(By.XPATH, row_xpath))
    until(browser, lambda d: "Inactive" in d.find_element(By.XPATH, row_xpath).text)
    nurses = ok(server.api("GET", "/api/users?role=nurse&active=false&page_size=100", token))["items"]
    assert any(u["email"] == email and not u["active"] for u in nurses)
    status, _ = server.api("POST", "/api/auth/login", body={"email": email, "password": "a-long-enough-password"})
    assert status in (401, 403), status

    # And back.
    click(browser, "Reactivate", browser.find_element(By.XPATH, row_xpath))
    until(browser, lambda d: "Active" in d.find_element(By.XPATH, row_xpath).text and "Inactive" not in d.find_element(By.XPATH, row_xpath).text)
    assert server.api("POST", "/api/auth/login", body={"email": email, "password": "a-long-enough-password"})[0] == 200


# ---- doctors ----


def test_edit_a_doctors_profile_and_availability(browser: WebDriver, server: Server) -> None:
    token = server.token("admin")
    doctor = new_doctor(server, token)
    sign_in(browser, server, "admin")
    # Inactive doctors are listed too (GET /api/doctors leaves them out).
    ok(server.api("PATCH", f"/api/users/{doctor['id']}", token, {"active": False}))
    browser.get(server.url("/admin/doctors?active=false"))
    heading(browser, "Doctors")
    list_loaded(browser)
    check_accessibility(browser, "admin doctors")
    click(browser, f"Dr {doctor['full_name']}", main(browser))
    heading(browser, f"Dr {doctor['full_name']}")
    click(browser, "Reactivate", main(browser))
    until(browser, lambda d: "Deactivate" in main(d).text)
    assert ok(server.api("GET", f"/api/doctors/{doctor['id']}", token))["active"] is True
    check_accessibility(browser, "admin doctor page")

    # The profile: an invalid fee is refused beside its field; then a valid fee and bio are saved.
    fee = type_into(browser, "Consultation fee", "abc")
    click(browser, "Save the profile", main(browser))
    box = fee.find_element(By.XPATH, "./ancestor::div[contains(@class, 'field')][1]")
    until(browser, lambda d: box.find_elements(By.CSS_SELECTOR, ".field-error"))
    check_accessibility(browser, "admin doctor profile with a field error")
    type_into(browser, "Consultation fee", "95.50")
    type_into(browser, "Biography", "Skin and hair.")
    click(browser, "Save the profile", main(browser))
    text_appears(browser, "95.50 USD")
    profile = ok(server.api("GET", f"/api/doctors/{doctor['id']}", token))
    assert profile["consultation_fee"] == {"amount": "95.50", "currency": "USD"}
    assert profile["bio"] == "Skin and hair."

    # Weekly hours: a rule without an end is refused beside that rule's field; removing one saves.
    heading(browser, f"Dr {doctor['full_name']}")
    rules = browser.find_elements(By.CSS_SELECTOR, "main fieldset.rule")
    assert len(rules) == 5
    end_time = rules[0].find_element(By.CSS_SELECTOR, '[data-key="end"]')
    set_value(browser, end_time, "")
    click(browser, "Save the weekly hours", main(browser))
    until(browser, lambda d: rules[0].find_elements(By.CSS_SELECTOR, ".field-error"))
    assert end_time.get_attribute("aria-invalid") == "true"
    check_accessibility(browser, "admin weekly hours with a field error")
    set_value(browser, end_time, "17:00")
    click(browser, "Remove", rules[4])
    click(browser, "Save the weekly hours", main(browser))
    until(browser, lambda d: "Weekly hours saved" in d.find_element(By.ID, "toast").text)
    assert len(browser.find_elements(By.CSS_SELECTOR, "main fieldset.rule")) == 4
    saved = ok(server.api("GET", f"/api/doctors/{doctor['id']}/availability", token))["rules"]
    assert sorted(r["weekday"] for r in saved) == ["monday", "thursday", "tuesday", "wednesday"]

    # Time off for a whole day, entered as the hospital's dates.
    day = (dt.datetime.now(ZONE) + dt.timedelta(days=10)).date()
    set_value(browser, field(browser, "First day"), day.isoformat())
    set_value(browser, field(browser, "Last day"), day.isoformat())
    type_into(browser, "Reason", "Conference")
    click(browser, "Add the time off", main(browser))
    text_appears(browser, "Conference")
    exceptions = ok(server.api("GET", f"/api/doctors/{doctor['id']}/availability", token))["exceptions"]
    added = next(x for x in exceptions if x["reason"] == "Conference")
    start = dt.datetime.combine(day, dt.time(0, 0), ZONE)
    assert dt.datetime.fromisoformat(added["starts_at"]) == start
    assert dt.datetime.fromisoformat(added["ends_at"]) == dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), ZONE)


# ---- the audit log ----


def test_audit_log_filters(browser: WebDriver, server: Server) -> None:
    token = server.token("admin")
    me = admin_id(server, token)
    # At least one event "create" by this admin.
    ok(server.api("POST", "/api/users", token, {"role": "receptionist", "full_name": f"Rex {letters()}", "email": f"{unique('desk')}@test.hms", "password": PASSWORD}), 201)
    sign_in(browser, server, "admin")
    browser.get(server.url("/admin/audit"))
    heading(browser, "Audit log")
    list_loaded(browser)
    check_accessibility(browser, "admin audit log")

    choose(browser, "Action", "Create")
    choose(browser, "Who acted", "Ada Admin (Admin)")
    click(browser, "Show", main(browser))
    until(browser, lambda d: "action=create" in d.current_url and f"actor={me}" in d.current_url)
    heading(browser, "Audit log")
    list_loaded(browser)
    api_page = ok(server.api("GET", f"/api/audit?action=create&actor_id={me}&page_size=25", token))
    assert api_page["total"] > 0
    assert shown_total(browser) == api_page["total"]
    rows = browser.find_elements(By.CSS_SELECTOR, "main .list tbody tr")
    assert len(rows) == len(api_page["items"])
    for tr, event in zip(rows, api_page["items"]):
        cells = tr.find_elements(By.TAG_NAME, "td")
        assert cells[1].text.startswith("Ada Admin")
        assert cells[2].text == "Create"
        assert cells[3].text == event["operation"]
    check_accessibility(browser, "admin audit log filtered")

    # Dates are the hospital's: from today (its midnight) matches the API asked from that instant.
    today = dt.datetime.now(ZONE).date()
    browser.get(server.url(f"/admin/audit?action=create&from={today.isoformat()}"))
    heading(browser, "Audit log")
    list_loaded(browser)
    since = dt.datetime.combine(today, dt.time(0, 0), ZONE).astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    api_page = ok(server.api("GET", f"/api/audit?action=create&from={since}&page_size=25", token))
    assert shown_total(browser) == api_page["total"] > 0
    browser.get(server.url("/admin/audit?action=create&to=2000-01-01"))
    heading(browser, "Audit log")
    text_appears(browser, "No event matches.")
