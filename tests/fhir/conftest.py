"""The FHIR interface of a real `hms-server` (the binary the test command built) on a fresh
SQLite database with the demo hospital, read by a FHIR client's models: PyPI's `fhir.resources`
(its R4B models, which match R4 for every resource hms serves)."""

from __future__ import annotations

import pathlib
import sys
from dataclasses import dataclass

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from demo_server import LOGINS, PASSWORD, demo_server, request  # noqa: E402



@dataclass
class Server:
    base: str

    def call(self, method: str, url: str, token: str | None = None, body: dict | None = None, headers: dict | None = None):
        """One request: (status, JSON body, headers). `url` is absolute, or a path under the server."""
        return request(url if url.startswith("http") else self.base + url, method, token, body, headers)

    def fhir(self, path_or_url: str, token: str | None = None, headers: dict | None = None) -> tuple[int, dict]:
        """A FHIR GET (`path_or_url` under /fhir/R4, or a link the server gave)."""
        url = path_or_url if path_or_url.startswith("http") else f"{self.base}/fhir/R4{path_or_url}"
        status, body, answered = self.call("GET", url, token, headers=headers)
        assert answered.get("Content-Type") == "application/fhir+json; charset=utf-8", answered
        return status, body

    def token(self, who: str) -> str:
        status, body, _ = self.call("POST", "/api/auth/login", body={"email": LOGINS.get(who, who), "password": PASSWORD})
        assert status == 200, body
        return body["access_token"]


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    with demo_server(tmp_path_factory.mktemp("hms"), "America/New_York") as (base, _, _):
        yield Server(base=base)
