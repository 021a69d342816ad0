"""End-to-end tests of the portal in a real browser.

A real `hms-server` (the binary the test command built) runs on a fresh SQLite database with the
demo hospital; Debian's Chromium is driven over WebDriver (chromedriver). Every test gets a new
browser, so no cookie or page state carries over; the server and its data are shared, so tests
make what they need (a new booking, a new patient) instead of counting on the demo's.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import time
from dataclasses import dataclass

import pytest
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from demo_server import LOGINS, PASSWORD, ROOT, demo_server, request  # noqa: E402

SHOTS = ROOT / "target" / "browser-screenshots"
# Not UTC, so that a page showing instants in the wrong zone is caught.
TIME_ZONE = "America/New_York"
WAIT = 15



@dataclass
class Server:
    base: str
    database: pathlib.Path
    log: pathlib.Path

    def url(self, hash_path: str = "/") -> str:
        return f"{self.base}/#{hash_path}"

    def api(self, method: str, path: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict | None]:
        """A direct API call, for setting up and for checking what the browser did."""
        status, answer, _ = request(self.base + path, method, token, body)
        return status, answer

    def token(self, who: str) -> str:
        status, body = self.api("POST", "/api/auth/login", body={"email": LOGINS.get(who, who), "password": PASSWORD})
        assert status == 200, body
        return body["access_token"]


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    # The dashboard uncached, so that a change shows at once.
    with demo_server(tmp_path_factory.mktemp("hms"), TIME_ZONE, "--dashboard-ttl", "0") as (base, database, log):
        yield Server(base=base, database=database, log=log)


def _chrome() -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("HMS_CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900", "--lang=en-GB"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("HMS_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver


# Console lines that are not the page's fault: a refused API call is logged by the browser itself.
_EXPECTED_CONSOLE = ("Failed to load resource",)


@pytest.fixture
def browser() -> WebDriver:
    driver = _chrome()
    yield driver
    problems = [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and not any(x in e["message"] for x in _EXPECTED_CONSOLE)
    ]
    driver.quit()
    # A script error or a blocked inline script/style (CSP) fails the test that caused it.
    assert not problems, "the browser's console has errors:\n" + "\n".join(problems)


# ---- helpers for the tests ----


def wait(driver: WebDriver, timeout: float = WAIT) -> WebDriverWait:
    """A wait that looks again when the page redraws what it was reading."""
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


def until(driver: WebDriver, condition, timeout: float = WAIT):
    """Waits for `condition` (a function of the driver), looking again across redraws."""
    return wait(driver, timeout).until(condition)


def main(driver: WebDriver) -> WebElement:
    """The page's main area."""
    return driver.find_element(By.TAG_NAME, "main")


def heading(driver: WebDriver, text: str, timeout: float = WAIT) -> WebElement:
    """Waits until the page's heading (h1) is `text`."""
    try:
        wait(driver, timeout).until(lambda d: d.find_element(By.CSS_SELECTOR, "main h1").text.strip() == text)
    except TimeoutException:
        shown = driver.execute_script("return document.querySelector('main h1')?.textContent")
        raise AssertionError(f"expected the heading {text!r}, the page shows {shown!r}: {driver.current_url}")
    return driver.find_element(By.CSS_SELECTOR, "main h1")


def field(driver: WebDriver, label: str, within: WebElement | None = None) -> WebElement:
    """The form control whose label starts with `label`."""
    root = within or driver
    xpath = f".//label[starts-with(normalize-space(.), {json.dumps(label, ensure_ascii=False)})]"
    el = wait(driver).until(lambda d: root.find_element(By.XPATH, xpath))
    return driver.find_element(By.ID, el.get_attribute("for"))


def type_into(driver: WebDriver, label: str, text: str, within: WebElement | None = None) -> WebElement:
    el = field(driver, label, within)
    el.clear()
    el.send_keys(text)
    return el


def choose(driver: WebDriver, label: str, option_text: str, within: WebElement | None = None) -> None:
    from selenium.webdriver.support.ui import Select

    Select(field(driver, label, within)).select_by_visible_text(option_text)


def click(driver: WebDriver, text: str, within: WebElement | None = None) -> WebElement:
    """Clicks the first enabled button or link whose text starts with `text`."""
    root = within or driver
    xpath = f".//*[self::button or self::a][starts-with(normalize-space(.), {json.dumps(text, ensure_ascii=False)})]"

    def ready(_):
        for el in root.find_elements(By.XPATH, xpath):
            if el.is_displayed() and el.is_enabled():
                return el
        return False

    try:
        el = wait(driver).until(ready)
    except TimeoutException:
        raise AssertionError(f"no button or link {text!r} on {driver.current_url}")
    el.click()
    return el


def text_appears(driver: WebDriver, text: str, timeout: float = WAIT) -> None:
    try:
        wait(driver, timeout).until(lambda d: text in d.find_element(By.TAG_NAME, "main").text)
    except TimeoutException:
        raise AssertionError(f"{text!r} did not appear on {driver.current_url}; the page says:\n{driver.find_element(By.TAG_NAME, 'main').text}")


def sign_in(driver: WebDriver, server: Server, who: str, password: str = PASSWORD) -> None:
    """Signs in through the sign-in page as a demo role (or an e-mail address)."""
    driver.get(server.url("/signin"))
    heading(driver, "Sign in")
    type_into(driver, "E-mail address", LOGINS.get(who, who))
    type_into(driver, "Password", password)
    click(driver, "Sign in", driver.find_element(By.TAG_NAME, "main"))
    wait(driver).until(lambda d: "/signin" not in d.current_url and d.find_elements(By.CSS_SELECTOR, "#account button"))


def check_accessibility(driver: WebDriver, page: str) -> None:
    """axe-core on the page as shown: no serious or critical violation."""
    axe = Axe(driver)
    axe.inject()
    results = axe.run(options={"resultTypes": ["violations"]})
    bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{page}: " + "; ".join(f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad)


def screenshot(driver: WebDriver, name: str) -> None:
    """The page at a phone's width and a desktop's, under target/browser-screenshots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 1280):
        driver.set_window_size(width, 900)
        time.sleep(0.2)
        height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 2400)")
        driver.set_window_size(width, max(600, height))
        time.sleep(0.2)
        driver.save_screenshot(str(SHOTS / f"{name}-{width}.png"))
        # Nothing wider than the screen: no sideways scrolling of the page itself.
        overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{name} is {overflow}px wider than a {width}px screen"
    driver.set_window_size(1280, 900)
