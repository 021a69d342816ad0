"""The front desk's portal: find and register a patient, book on their behalf, issue an invoice,
record its payment, cancel another."""

from __future__ import annotations

import datetime
import time
import urllib.parse

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import (
    check_accessibility,
    choose,
    click,
    field,
    heading,
    main,
    screenshot,
    sign_in,
    text_appears,
    type_into,
    wait,
)






def iso(t: datetime.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def first_doctor(server) -> dict:
    status, page = server.api("GET", "/api/doctors?accepting=true")
    assert status == 200 and page["items"], page
    return page["items"][0]


def invoiceable_appointment(server, desk: str, patient_id: str, doctor_id: str, skip: int = 0) -> dict:
    """A confirmed appointment of the patient, booked and confirmed through the API."""
    now = datetime.datetime.now(datetime.timezone.utc)
    query = urllib.parse.urlencode({"from": iso(now), "to": iso(now + datetime.timedelta(days=28))})
    status, slots = server.api("GET", f"/api/doctors/{doctor_id}/slots?{query}")
    assert status == 200 and len(slots) > skip, slots
    # Take a slot from the far end so it does not clash with what the browser books.
    slot = slots[-1 - skip]
    status, appt = server.api(
        "POST", "/api/appointments", desk, {"doctor_id": doctor_id, "patient_id": patient_id, "starts_at": slot["start"], "reason": "set-up visit"}
    )
    assert status == 201, appt
    status, appt = server.api("POST", f"/api/appointments/{appt['id']}/confirm", desk, {})
    assert status == 200 and appt["status"] == "confirmed", appt
    return appt


def test_the_desk_registers_a_patient_books_for_them_and_bills_them(server, browser):
    desk = server.token("receptionist")
    doctor = first_doctor(server)
    sign_in(browser, server, "receptionist")
    heading(browser, "Front desk")
    assert "#/desk" in browser.current_url
    text_appears(browser, "Ada Lovelace")
    check_accessibility(browser, "desk home")
    screenshot(browser, "reception-home")

    # Find a demo patient.
    type_into(browser, "Name or e-mail", "lovelace")
    click(browser, "Search", main(browser))
    wait(browser).until(lambda d: "search=lovelace" in d.current_url)
    text_appears(browser, "Patients matching")
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "main table tbody tr"))
    # The rows of the search's own table (the page also lists today's appointments).
    results = browser.find_element(By.XPATH, "//main//table[caption[starts-with(normalize-space(.), 'Patients matching')]]")
    names = [r.text for r in results.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert any("Ada Lovelace" in n for n in names) and not any("Alan Turing" in n for n in names), names

    # Register a patient at the desk: a bad e-mail and a short password are refused beside their fields.
    click(browser, "Register a new patient")
    heading(browser, "Register a patient")
    check_accessibility(browser, "register a patient")
    # Names hold letters only: a unique one from the clock's digits.
    name = "Desk " + "".join("abcdefghij"[int(c)] for c in str(int(time.time() * 1000) % 10**6)).capitalize()
    email = f"desk-{int(time.time() * 1000)}@example.org"
    type_into(browser, "Full name", name)
    type_into(browser, "E-mail address", "not-an-address")
    type_into(browser, "Initial password", "short")
    type_into(browser, "Emergency contact", "Mary Desk, 555 0100")
    choose(browser, "Sex", "Female")
    click(browser, "Register the patient")
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".field-error"))
    email_input = field(browser, "E-mail address")
    assert email_input.get_attribute("aria-invalid") == "true"
    assert email_input.get_attribute("value") == "not-an-address"
    email_box = email_input.find_element(By.XPATH, "./ancestor::div[contains(@class, 'field')]")
    assert email_box.find_elements(By.CSS_SELECTOR, ".field-error"), "the e-mail's error is not beside it"
    password_box = field(browser, "Initial password").find_element(By.XPATH, "./ancestor::div[contains(@class, 'field')]")
    assert "10" in password_box.find_element(By.CSS_SELECTOR, ".field-error").text
    check_accessibility(browser, "register a patient: errors")
    type_into(browser, "E-mail address", email)
    type_into(browser, "Initial password", "a-long-desk-password-1")
    click(browser, "Register the patient")
    heading(browser, name)
    check_accessibility(browser, "desk patient")
    patient_id = browser.current_url.rsplit("/", 1)[-1]
    status, patient = server.api("GET", f"/api/patients/{patient_id}", desk)
    assert status == 200, patient
    assert patient["email"] == email and patient["full_name"] == name
    assert patient["sex"] == "female" and patient["emergency_contact"] == "Mary Desk, 555 0100"
    assert patient["clinical"] is None  # the desk sees demographics only
    status, _ = server.api("POST", "/api/auth/login", body={"email": email, "password": "a-long-desk-password-1"})
    assert status == 200

    # Edit the demographics the desk may edit.
    browser.find_element(By.XPATH, "//summary[normalize-space(.)='Edit the details']").click()
    details = browser.find_element(By.CSS_SELECTOR, "details.edit")
    type_into(browser, "Phone", "+1 555 0199", details)
    check_accessibility(browser, "desk patient: editing")
    click(browser, "Save the details", details)
    wait(browser).until(lambda d: server.api("GET", f"/api/patients/{patient_id}", desk)[1]["version"] == 2)
    status, patient = server.api("GET", f"/api/patients/{patient_id}", desk)
    assert patient["phone"].replace(" ", "") == "+15550199", patient  # the API may normalise it
    text_appears(browser, patient["phone"])

    # Book on the patient's behalf.
    click(browser, "Book an appointment for this patient")
    heading(browser, "Book an appointment")
    Select(field(browser, "Doctor")).select_by_value(doctor["id"])
    click(browser, "Show free times")
    wait(browser).until(lambda d: f"doctor={doctor['id']}" in d.current_url)
    for _ in range(4):
        wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".week .day"))
        if browser.find_elements(By.CSS_SELECTOR, "button.slot"):
            break
        click(browser, "Next week")
        time.sleep(0.3)
    slot = browser.find_elements(By.CSS_SELECTOR, "button.slot")[0]
    slot.click()
    assert slot.get_attribute("aria-pressed") == "true"
    text_appears(browser, "Chosen:")
    check_accessibility(browser, "book for a patient")
    type_into(browser, "Reason for the visit", "sore shoulder")
    click(browser, "Book the appointment")
    heading(browser, name)
    status, page = server.api("GET", f"/api/appointments?patient_id={patient_id}", desk)
    assert status == 200 and page["total"] == 1, page
    booked = page["items"][0]
    assert booked["patient_id"] == patient_id and booked["doctor_id"] == doctor["id"]
    assert booked["reason"] == "sore shoulder"
    text_appears(browser, "sore shoulder")

    # Confirmed through the API (these pages do not confirm bookings), then the desk invoices it.
    status, _ = server.api("POST", f"/api/appointments/{booked['id']}/confirm", desk, {})
    assert status == 200
    browser.refresh()
    heading(browser, name)
    click(browser, "Issue an invoice")
    heading(browser, "Issue an invoice")
    check_accessibility(browser, "issue an invoice")
    type_into(browser, "Unit price", "twelve")
    click(browser, "Issue the invoice")
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".field-error"))
    price = field(browser, "Unit price")
    assert price.get_attribute("aria-invalid") == "true" and price.get_attribute("value") == "twelve"
    check_accessibility(browser, "issue an invoice: errors")
    type_into(browser, "Unit price", "99.95")
    click(browser, "Add a line")
    descriptions = browser.find_elements(By.CSS_SELECTOR, "[data-key='description']")
    assert len(descriptions) == 2
    descriptions[1].send_keys("Dressing")
    quantity = browser.find_elements(By.CSS_SELECTOR, "[data-key='quantity']")[1]
    quantity.clear()
    quantity.send_keys("2")
    browser.find_elements(By.CSS_SELECTOR, "[data-key='unit_price']")[1].send_keys("3.10")
    type_into(browser, "Tax rate", "5")
    click(browser, "Issue the invoice")
    title = WebDriverWait(browser, 15, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: (t := d.find_element(By.CSS_SELECTOR, "main h1").text).startswith("Invoice INV-") and t
    )
    invoice_id = browser.current_url.rsplit("/", 1)[-1]
    status, invoice = server.api("GET", f"/api/invoices/{invoice_id}", desk)
    assert status == 200, invoice
    assert title == f"Invoice {invoice['number']}"
    # 99.95 + 2 × 3.10 = 106.15; 5 % tax = 5.3075, rounded half away from zero to 5.31.
    assert invoice["appointment_id"] == booked["id"] and invoice["currency"] == doctor["consultation_fee"]["currency"]
    assert (invoice["subtotal"], invoice["tax"], invoice["total"]) == ("106.15", "5.31", "111.46"), invoice
    assert invoice["status"] == "pending"
    text_appears(browser, f"111.46 {invoice['currency']}")
    check_accessibility(browser, "invoice: pending")

    # Record its payment.
    text_appears(browser, "Amount due")
    choose(browser, "Payment method", "Card")
    click(browser, "Record the payment")
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "main .status-paid"))
    status, invoice = server.api("GET", f"/api/invoices/{invoice_id}", desk)
    assert invoice["status"] == "paid" and invoice["payment_method"] == "card", invoice
    assert not browser.find_elements(By.XPATH, "//button[starts-with(normalize-space(.), 'Record the payment')]")
    check_accessibility(browser, "invoice: paid")


def test_the_desk_lists_invoices_and_cancels_one(server, browser):
    desk = server.token("receptionist")
    doctor = first_doctor(server)
    status, page = server.api("GET", "/api/patients?search=ada@demo.hms", desk)
    ada = page["items"][0]
    appt = invoiceable_appointment(server, desk, ada["id"], doctor["id"], skip=1)
    status, invoice = server.api("POST", "/api/invoices", desk, {"appointment_id": appt["id"]})
    assert status == 201, invoice

    sign_in(browser, server, "receptionist")
    click(browser, "Invoices", browser.find_element(By.ID, "nav"))
    heading(browser, "Invoices")
    check_accessibility(browser, "invoices")
    choose(browser, "Status", "Pending")
    click(browser, "Filter")
    wait(browser).until(lambda d: "status=pending" in d.current_url)
    text_appears(browser, "Pending invoices")
    text_appears(browser, invoice["number"])
    statuses = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "main table tbody .status")]
    assert statuses and all(s == "Pending" for s in statuses), statuses
    click(browser, invoice["number"])
    heading(browser, f"Invoice {invoice['number']}")
    text_appears(browser, "Ada Lovelace")
    click(browser, "Cancel the invoice")
    click(browser, "Keep it")
    status, still = server.api("GET", f"/api/invoices/{invoice['id']}", desk)
    assert still["status"] == "pending"
    click(browser, "Cancel the invoice")
    check_accessibility(browser, "invoice: confirm cancel")
    click(browser, "Yes, cancel it")
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "main .status-cancelled"))
    status, cancelled = server.api("GET", f"/api/invoices/{invoice['id']}", desk)
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"], cancelled
    text_appears(browser, "Cancelled")
    assert not browser.find_elements(By.XPATH, "//button[starts-with(normalize-space(.), 'Cancel the invoice')]")
    check_accessibility(browser, "invoice: cancelled")

    # The patient's page links the cancelled invoice and offers to issue a new one.
    click(browser, "Ada Lovelace")
    heading(browser, "Ada Lovelace")
    text_appears(browser, cancelled["number"])
