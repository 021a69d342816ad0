"""A real `hms-server` on a fresh SQLite database with the demo hospital, for the Python suites
that drive it over HTTP (tests/browser, tests/fhir)."""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

ROOT = pathlib.Path(__file__).resolve().parents[1]
SERVER = os.environ.get("HMS_SERVER_BIN", str(ROOT / "target" / "debug" / "hms-server"))
# The password of every demo account.
PASSWORD = "demo-password-2026"


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
