"""The shell every portal shares: sign-in, the refresh cookie, sign-out, registration, password
reset, two-step sign-in and the headers and weight of what the browser downloads."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import struct
import time
import urllib.parse
import urllib.request

import pytest

from selenium.webdriver.common.by import By

from conftest import (
    LOGINS,
    PASSWORD,
    check_accessibility,
    click,
    field,
    heading,
    sign_in,
    text_appears,
    type_into,
    wait,
)


def totp(secret_base32: str, at: float | None = None) -> str:
    """The RFC 6238 code of a base32 key (SHA-1, 30 s, 6 digits), as an authenticator app makes it."""
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def test_the_portal_is_served_with_a_policy_that_runs_nothing_inline(server):
    with urllib.request.urlopen(server.base + "/") as res:
        csp = res.headers["Content-Security-Policy"]
        html = res.read().decode()
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # Nothing in the page comes from another origin.
    assert not re.search(r"(src|href)=\"(https?:)?//", html)


def test_sign_in_lands_on_the_role_home_and_a_reload_keeps_the_user_signed_in(server, browser):
    sign_in(browser, server, "patient")
    home = browser.current_url
    assert "#/patient" in home
    # The refresh token is a cookie no script can read, scoped to the refresh and logout endpoints.
    assert browser.execute_script("return document.cookie") == ""
    cookies = browser.get_cookies()
    assert cookies == [] or all(c["httpOnly"] for c in cookies)
    # Every cookie the browser holds (get_cookies sees only this page's path): the refresh token,
    # HttpOnly and SameSite=Strict, once for each endpoint that takes it.
    held = [c for c in browser.execute_cdp_cmd("Network.getAllCookies", {})["cookies"] if c["name"] == "hms_refresh"]
    assert sorted(c["path"] for c in held) == ["/api/auth/logout", "/api/auth/refresh"], held
    assert all(c["httpOnly"] and c["sameSite"] == "Strict" for c in held), held
    browser.refresh()
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#account button"))
    assert LOGINS["patient"] not in browser.find_element(By.ID, "account").text  # the name shows, not the e-mail
    assert "#/patient" in browser.current_url


def test_a_wrong_password_shows_the_api_message_and_repeated_failures_say_when_to_retry(server, browser):
    browser.get(server.url("/signin"))
    heading(browser, "Sign in")
    email = "nobody-here@demo.hms"
    for _ in range(6):
        type_into(browser, "E-mail address", email)
        type_into(browser, "Password", "not the password")
        click(browser, "Sign in", browser.find_element(By.TAG_NAME, "main"))
        wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "main .alert"))
        message = browser.find_element(By.CSS_SELECTOR, "main .alert").text
        if "Try again" in message:
            break
    assert "Try again" in message, message
    # What was typed stays.
    assert field(browser, "E-mail address").get_attribute("value") == email


def test_a_page_asked_for_before_signing_in_is_shown_after_it(server, browser):
    browser.get(server.url("/account"))
    heading(browser, "Sign in")
    type_into(browser, "E-mail address", LOGINS["nurse"])
    type_into(browser, "Password", PASSWORD)
    click(browser, "Sign in", browser.find_element(By.TAG_NAME, "main"))
    heading(browser, "Your account")


def test_sign_out_ends_the_session_on_the_server(server, browser):
    sign_in(browser, server, "patient2")
    # The session as the browser holds it: trade the cookie for a token from inside the page.
    click(browser, "Sign out")
    heading(browser, "Sign in")
    browser.refresh()
    heading(browser, "Sign in")
    ok = browser.execute_async_script(
        "const done = arguments[0];"
        "fetch('/api/auth/refresh', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'})"
        ".then(r => done(r.status))"
    )
    assert ok in (401, 422), ok


def test_registration_shows_field_errors_beside_their_fields_then_registers(server, browser):
    browser.get(server.url("/register"))
    heading(browser, "Register")
    check_accessibility(browser, "register")
    type_into(browser, "Full name", "Grace Hopper")
    type_into(browser, "E-mail address", "not-an-address")
    type_into(browser, "Password", "short")
    click(browser, "Register", browser.find_element(By.TAG_NAME, "main"))
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".field-error"))
    email = field(browser, "E-mail address")
    assert email.get_attribute("aria-invalid") == "true"
    assert email.get_attribute("value") == "not-an-address"
    check_accessibility(browser, "register with errors")
    address = f"grace-{int(time.time() * 1000)}@example.org"
    type_into(browser, "E-mail address", address)
    type_into(browser, "Password", "a-long-enough-password-1")
    click(browser, "Register", browser.find_element(By.TAG_NAME, "main"))
    heading(browser, "Registered")
    status, _ = server.api("POST", "/api/auth/login", body={"email": address, "password": "a-long-enough-password-1"})
    assert status == 200


def test_forgot_and_reset_pages(server, browser):
    browser.get(server.url("/forgot"))
    heading(browser, "Forgot password")
    check_accessibility(browser, "forgot password")
    type_into(browser, "E-mail address", "someone@example.org")
    click(browser, "Send a reset link")
    heading(browser, "Check your e-mail")
    browser.get(server.url("/reset/not-a-real-token"))
    heading(browser, "Choose a new password")
    check_accessibility(browser, "reset password")
    type_into(browser, "New password", "another-long-password-2")
    click(browser, "Set the password")
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "main .alert"))


def test_two_step_sign_in_is_set_up_from_the_qr_code_and_then_asked_for(server, browser):
    address = f"twostep-{int(time.time() * 1000)}@example.org"
    status, _ = server.api(
        "POST", "/api/auth/register", body={"email": address, "password": "two-step-password-3", "full_name": "Tess Two", "role": "patient"}
    )
    assert status == 201
    sign_in(browser, server, address, password="two-step-password-3")
    browser.get(server.url("/account"))
    heading(browser, "Your account")
    check_accessibility(browser, "account")
    click(browser, "Set up two-step sign-in")
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".qr svg path"))
    qr = browser.find_element(By.CSS_SELECTOR, ".qr svg")
    assert qr.get_attribute("role") == "img" and qr.get_attribute("aria-label")
    secret = browser.find_element(By.CSS_SELECTOR, "main code").text
    check_accessibility(browser, "account: enrolment")
    type_into(browser, "Code from the app", totp(secret))
    click(browser, "Turn on")
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "ul.codes li"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "ul.codes li")) >= 8
    click(browser, "Sign out")
    heading(browser, "Sign in")
    type_into(browser, "E-mail address", address)
    type_into(browser, "Password", "two-step-password-3")
    click(browser, "Sign in", browser.find_element(By.TAG_NAME, "main"))
    # Wait for the next 30-second step so the enrolment's code is not reused.
    text_appears(browser, "authenticator")
    check_accessibility(browser, "sign in: second step")
    time.sleep(max(0.0, 30 - time.time() % 30) + 0.5)
    type_into(browser, "Code", totp(secret))
    click(browser, "Verify")
    wait(browser).until(lambda d: "#/patient" in d.current_url)


@pytest.mark.parametrize("who", ["patient", "doctor", "nurse", "receptionist", "admin"])
def test_the_first_page_downloads_little_and_all_from_this_server(server, browser, who):
    """What a browser with nothing cached downloads to reach a portal's home page (the sign-in
    page, then the role's module): every file from this server, under 150 KB uncompressed (API
    answers not counted)."""
    sign_in(browser, server, who)
    time.sleep(1)
    entries = browser.execute_script(
        "return [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]"
        ".map(e => ({name: e.name, size: e.decodedBodySize}))"
    )
    for e in entries:
        assert urllib.parse.urlsplit(e["name"]).netloc == urllib.parse.urlsplit(server.base).netloc, e
    files = {urllib.parse.urlsplit(e["name"]).path: e["size"] for e in entries if "/api/" not in e["name"]}
    total = sum(files.values())
    print(f"first page of the {who} portal: {total} bytes in {len(files)} files: {json.dumps(files)}")
    assert total < 150 * 1024, files


def test_an_ended_session_returns_to_sign_in_and_then_to_the_page_wanted(server, browser):
    sign_in(browser, server, "nurse")
    browser.get(server.url("/account"))
    heading(browser, "Your account")
    # An admin ends every session of the nurse's account: the next call's refresh is refused.
    status, body = server.api("POST", "/api/auth/login", body={"email": LOGINS["nurse"], "password": PASSWORD})
    nurse_id = body["user"]["id"]
    status, _ = server.api("DELETE", f"/api/users/{nurse_id}/sessions", server.token("admin"))
    assert status == 200
    click(browser, "Notifications")
    heading(browser, "Sign in")
    text_appears(browser, "Please sign in to continue")
    type_into(browser, "E-mail address", LOGINS["nurse"])
    type_into(browser, "Password", PASSWORD)
    click(browser, "Sign in", browser.find_element(By.TAG_NAME, "main"))
    heading(browser, "Notifications")


def test_signing_in_and_moving_around_with_the_keyboard_alone(server, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.get(server.url("/signin"))
    heading(browser, "Sign in")
    keys = ActionChains(browser)

    def tab_to(predicate, limit=25):
        for _ in range(limit):
            keys.send_keys(Keys.TAB).perform()
            if predicate(browser.switch_to.active_element):
                return browser.switch_to.active_element
        raise AssertionError("not reachable with the Tab key")

    tab_to(lambda el: el.get_attribute("type") == "email")
    keys.send_keys(LOGINS["patient"]).perform()
    tab_to(lambda el: el.get_attribute("type") == "password")
    keys.send_keys(PASSWORD).send_keys(Keys.ENTER).perform()
    wait(browser).until(lambda d: "#/patient" in d.current_url)
    link = tab_to(lambda el: el.tag_name == "a" and el.text.strip() == "Appointments")
    assert link.is_displayed()
    keys.send_keys(Keys.ENTER).perform()
    wait(browser).until(lambda d: "#/patient/appointments" in d.current_url)
    # After a navigation, focus is on the page's content, so the next Tab starts there.
    assert browser.switch_to.active_element.get_attribute("id") == "main"


# ---- one account per tab, nothing left behind ----


def _account(server, who: str) -> dict:
    """The demo account `who` as the API describes it (its id and name)."""
    status, body = server.api("POST", "/api/auth/login", body={"email": LOGINS[who], "password": PASSWORD})
    assert status == 200, body
    return body["user"]


def _settled(driver) -> None:
    """Waits until the page has drawn everything it loads (no list busy, no "Loading…")."""
    wait(driver).until(
        lambda d: d.execute_script(
            "return !document.querySelector('[aria-busy]') && !document.querySelector('main').textContent.includes('Loading…')"
        )
    )
    time.sleep(0.5)


def test_signing_out_in_one_tab_leaves_no_page_of_the_account_in_another(server, browser):
    alan = _account(server, "patient")
    sign_in(browser, server, "patient")
    first = browser.current_window_handle
    # A second tab of the same browser: signed in by the shared cookie, on a page of the account.
    browser.switch_to.new_window("tab")
    browser.get(server.url("/patient/profile"))
    heading(browser, "My health record")
    assert alan["full_name"] in browser.find_element(By.ID, "account").text
    browser.execute_script("window.hmsTabMark = true")
    browser.switch_to.window(first)
    click(browser, "Sign out")
    heading(browser, "Sign in")
    # The other tab does nothing itself: the sign-out announced to it leaves it on the sign-in page.
    browser.switch_to.window([h for h in browser.window_handles if h != first][0])
    heading(browser, "Sign in")
    assert browser.execute_script("return window.hmsTabMark === undefined"), "the other tab was not reloaded"
    source = browser.page_source
    for gone in (alan["full_name"], alan["email"], "My health record"):
        assert gone not in source, gone


def test_after_a_sign_out_nothing_of_the_account_is_left_and_the_next_one_sees_their_own_home(server, browser):
    desk = _account(server, "receptionist")
    ada = _account(server, "patient2")
    sign_in(browser, server, "receptionist")
    heading(browser, "Front desk")
    _settled(browser)
    # What the page holds in memory (the desk's caches of patients and doctors) lives in this
    # window's scripts: a mark set here is gone only if the page was loaded afresh.
    browser.execute_script("window.hmsPageMark = true")
    click(browser, "Sign out")
    heading(browser, "Sign in")
    assert browser.execute_script("return window.hmsPageMark === undefined"), "the page was not reloaded after the sign-out"
    assert "#/signin" in browser.current_url
    text_appears(browser, "You are signed out")
    source = browser.page_source
    for gone in (desk["full_name"], "Front desk", "Register a new patient"):
        assert gone not in source, gone
    # Another account, in the same tab, lands on its own home.
    type_into(browser, "E-mail address", LOGINS["patient2"])
    type_into(browser, "Password", PASSWORD)
    click(browser, "Sign in", browser.find_element(By.TAG_NAME, "main"))
    heading(browser, f"Welcome, {ada['full_name']}")
    assert "#/patient" in browser.current_url
    assert ada["full_name"] in browser.find_element(By.ID, "account").text
    assert desk["full_name"] not in browser.page_source


@pytest.mark.parametrize(
    "who, page",
    [
        ("patient", "/patient/invoices/..%2F..%2Fusers"),
        ("receptionist", "/desk/invoices?patient=..%2F..%2Fusers"),
    ],
)
def test_an_address_whose_id_is_not_an_id_is_not_found_and_calls_nothing_else(server, browser, who, page):
    sign_in(browser, server, who)
    _settled(browser)
    browser.execute_script("performance.clearResourceTimings()")
    browser.execute_script("location.hash = arguments[0]", f"#{page}")
    heading(browser, "Not found")
    time.sleep(1)
    paths = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    paths = [urllib.parse.urlsplit(p).path for p in paths]
    # Only what every page of a signed-in user asks (the unread count, a renewed token).
    expected = {"/api/notifications", "/api/auth/refresh"}
    unexpected = [p for p in paths if p not in expected]
    assert not unexpected, f"{page} made requests to {unexpected}"


def test_a_slow_page_does_not_draw_over_a_newer_one(server, browser):
    alan = _account(server, "patient")
    sign_in(browser, server, "patient")
    heading(browser, f"Welcome, {alan['full_name']}")
    _settled(browser)
    # The invoices the home page reads answer late from now on.
    browser.execute_script(
        "const plain = window.fetch;"
        "window.fetch = (input, init) => {"
        "  const answer = plain(input, init);"
        "  return String(input).startsWith('/api/invoices') ? answer.then((r) => new Promise((ok) => setTimeout(() => ok(r), 1500))) : answer;"
        "};"
    )
    browser.execute_script("location.hash = '#/patient?again=1'")
    time.sleep(0.2)
    browser.execute_script("location.hash = '#/patient/prescriptions'")
    heading(browser, "Prescriptions")
    # The home page finishes after the prescriptions were drawn: what shows is still the page of the address.
    time.sleep(2.5)
    heading(browser, "Prescriptions", timeout=5)
    assert browser.current_url.endswith("#/patient/prescriptions")


def test_without_the_hospital_settings_nothing_is_shown_and_an_unreachable_refresh_ends_no_session(server, browser):
    alan = _account(server, "patient")
    sign_in(browser, server, "patient")
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/api/hospital"]})
    browser.refresh()
    heading(browser, "The portal cannot start")
    text_appears(browser, "could not be reached")
    assert not browser.find_elements(By.CSS_SELECTOR, "#nav a"), "pages are offered without the hospital's settings"
    check_accessibility(browser, "the portal cannot start")
    # The settings come back, but the session cannot be renewed (the network fails on the way):
    # that is no reason to sign out.
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/api/auth/refresh"]})
    click(browser, "Try again")
    time.sleep(1)
    heading(browser, "The portal cannot start")
    text_appears(browser, "could not be reached")
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    click(browser, "Try again")
    heading(browser, f"Welcome, {alan['full_name']}")


def test_a_sign_out_the_server_did_not_hear_of_still_signs_out_the_tab_and_says_so(server, browser):
    alan = _account(server, "patient")
    sign_in(browser, server, "patient")
    heading(browser, f"Welcome, {alan['full_name']}")
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/api/auth/logout"]})
    click(browser, "Sign out")
    heading(browser, "Sign in")
    text_appears(browser, "may not have reached")
    assert alan["full_name"] not in browser.page_source
