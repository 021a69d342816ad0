"""The FHIR interface of a real `hms-server` (the binary the test command built) on a fresh
SQLite database with the demo hospital, read by a FHIR client's models: PyPI's `fhir.resources`
(its R4B models, which match R4 for every resource hms serves)."""

from __future__ import annotations

import json
import pathlib
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from demo_server import PASSWORD, demo_server  # noqa: E402

LOGINS = {
    "admin": "admin@demo.hms",
    "receptionist": "desk@demo.hms",
    "nurse": "nurse@demo.hms",
    "doctor": "house@demo.hms",
    "doctor2": "grey@demo.hms",
    "patient": "alan@demo.hms",
    "patient2": "ada@demo.hms",
}


@dataclass
class Server:
    base: str

    def call(self, method: str, url: str, token: str | None = None, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict, object]:
        """One request: (status, JSON body, headers). `url` is absolute, or a path under the server."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url if url.startswith("http") else self.base + url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                return res.status, json.loads(res.read() or b"null"), res.headers
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null"), e.headers

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
