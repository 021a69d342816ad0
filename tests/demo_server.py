"""A real `hms-server` on a fresh SQLite database with the demo hospital, for the Python suites
that drive it over HTTP (tests/browser, tests/fhir)."""

from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

ROOT = pathlib.Path(__file__).resolve().parents[1]
SERVER = os.environ.get("HMS_SERVER_BIN", str(ROOT / "target" / "debug" / "hms-server"))
# The password of every demo account.
PASSWORD = "demo-password-2026"
# The demo accounts by role.
LOGINS = {
    "admin": "admin@demo.hms",
    "receptionist": "desk@demo.hms",
    "nurse": "nurse@demo.hms",
    "doctor": "house@demo.hms",
    "doctor2": "grey@demo.hms",
    "patient": "alan@demo.hms",
    "patient2": "ada@demo.hms",
}


def request(url: str, method: str = "GET", token: str | None = None, body: dict | None = None, headers: dict | None = None):
    """One HTTP request: (status, the JSON body or None, the response headers)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            raw = res.read()
            return res.status, (json.loads(raw) if raw else None), res.headers
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (json.loads(raw) if raw else None), e.headers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def demo_server(tmp: pathlib.Path, time_zone: str, *args: str) -> Iterator[tuple[str, pathlib.Path, pathlib.Path]]:
    """Starts the server (with `serve` options `args`) and yields (base URL, database, log)."""
    assert pathlib.Path(SERVER).exists(), f"{SERVER} is missing: build it with cargo build -p hms-server"
    port = _free_port()
    database = tmp / "hms.db"
    log = tmp / "server.log"
    env = dict(os.environ, HMS_TIMEZONE=time_zone, RUST_LOG=os.environ.get("RUST_LOG", "warn"))
    env.pop("DATABASE_URL", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [SERVER, "serve", "--database", f"sqlite:{database}", "--demo", "--bind", f"127.0.0.1:{port}", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as res:
                if res.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError(f"hms-server did not start:\n{log.read_text()}")
        time.sleep(0.2)
    try:
        yield base, database, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
