"""The nurse's portal: find a patient, read the chart, write a nursing note."""

from __future__ import annotations

import time

from selenium.webdriver.common.by import By

from conftest import (
    check_accessibility,
    click,
    field,
    heading,
    screenshot,
    sign_in,
    text_appears,
    type_into,
    wait,
)




def result_rows(driver):
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "main section table tbody tr, main section .muted"))
    return [r.text for r in driver.find_elements(By.CSS_SELECTOR, "main section:first-of-type table tbody tr")]


def test_the_nurse_finds_a_patient_reads_the_chart_and_writes_a_nursing_note(server, browser):
    nurse = server.token("nurse")
    status, me = server.api("GET", "/api/auth/profile", nurse)
    assert status == 200
    status, page = server.api("GET", "/api/patients?search=alan@demo.hms", nurse)
    alan = page["items"][0]

    sign_in(browser, server, "nurse")
    heading(browser, "Patients")
    assert "#/nurse" in browser.current_url
    text_appears(browser, "Alan Turing")
    text_appears(browser, "Today")
    check_accessibility(browser, "nurse home")
    screenshot(browser, "nurse-home")

    # Search by name: only the matching patient is listed, with the allergies a nurse may see.
    type_into(browser, "Name or e-mail", "turing")
    click(browser, "Search", browser.find_element(By.TAG_NAME, "main"))
    wait(browser).until(lambda d: "search=turing" in d.current_url)
    text_appears(browser, "Patients matching")
    rows = result_rows(browser)
    assert len(rows) == 1 and "Alan Turing" in rows[0], rows
    assert ", ".join(alan["clinical"]["allergies"]) in rows[0]
    assert field(browser, "Name or e-mail").get_attribute("value") == "turing"
    check_accessibility(browser, "nurse search results")

    # A search matching nobody says so.
    type_into(browser, "Name or e-mail", "nobody-by-this-name")
    click(browser, "Search", browser.find_element(By.TAG_NAME, "main"))
    text_appears(browser, "No patient matches this search.")

    # Open the chart.
    browser.get(server.url(f"/nurse?search={alan['email']}"))
    heading(browser, "Patients")
    results = wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "main section table"))
    click(browser, "Alan Turing", results)
    heading(browser, "Alan Turing")
    assert browser.current_url.endswith(f"#/nurse/patients/{alan['id']}")
    text_appears(browser, "Allergies")
    for allergy in alan["clinical"]["allergies"]:
        text_appears(browser, allergy)
    check_accessibility(browser, "nurse chart")

    # A nurse writes nursing notes only: no choice of kind is offered.
    assert not browser.find_elements(By.CSS_SELECTOR, "main select option[value='clinical']")
    text = f"Obs stable, BP 120/80, pulse 72 ({int(time.time() * 1000)})."
    type_into(browser, "Nursing note", text)
    click(browser, "Save the note")
    text_appears(browser, text)
    status, notes = server.api("GET", f"/api/patients/{alan['id']}/notes?page_size=100", nurse)
    assert status == 200
    mine = [n for n in notes["items"] if n["text"] == text]
    assert len(mine) == 1, notes
    assert mine[0]["kind"] == "nursing" and mine[0]["author_id"] == me["id"] and mine[0]["patient_id"] == alan["id"]
    check_accessibility(browser, "nurse chart after a note")


def test_an_unknown_chart_is_not_found(server, browser):
    sign_in(browser, server, "nurse")
    browser.get(server.url("/nurse/patients/00000000-0000-7000-8000-000000000000"))
    heading(browser, "Not found")
