"""Opening a hospital: every form of database URL means what the README's table says, a plain
path or ``pathlib.Path`` names a SQLite file, bad settings raise ``ValidationError``, and the
README's Python example runs as printed."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

import hms

README = Path(__file__).resolve().parents[2] / "README.md"
PASSWORD = "a long passphrase"


def register(h: hms.Hospital, email: str) -> None:
    h.register(email=email, password=PASSWORD, full_name="Alan Turing", role="patient")


def test_three_slashes_and_a_plain_path_name_one_file_in_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    register(hms.Hospital.open("sqlite:///hospital.db", fast_password_hashing=True, analysis=False), "alan@example.org")
    assert (tmp_path / "hospital.db").is_file()
    assert (tmp_path / "hospital-blobs").is_dir()
    for same in ("hospital.db", "sqlite://hospital.db", "sqlite:hospital.db", Path("hospital.db"), tmp_path / "hospital.db"):
        h = hms.Hospital.open(same, fast_password_hashing=True, analysis=False)
        assert h.login("alan@example.org", PASSWORD).role == hms.Role.PATIENT, same


def test_four_slashes_name_an_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    absolute = tmp_path / "abs.db"
    register(hms.Hospital.open(f"sqlite:///{absolute}", fast_password_hashing=True, analysis=False), "ada@example.org")
    assert absolute.is_file()
    assert list(elsewhere.iterdir()) == []


def test_three_slashes_before_an_existing_absolute_file_are_refused_not_made_anew(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    absolute = tmp_path / "records.db"
    hms.Hospital.open(absolute, analysis=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(hms.ValidationError, match="four slashes") as refused:
        hms.Hospital.open(f"sqlite://{absolute}", analysis=False)
    assert [e["field"] for e in refused.value.errors] == ["database_url"]
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("url", ["mysql://localhost/hms", "", "sqlite://"])
def test_a_url_of_no_known_form_is_refused(url: str) -> None:
    with pytest.raises(hms.ValidationError) as refused:
        hms.Hospital.open(url, analysis=False)
    assert [e["field"] for e in refused.value.errors] == ["database_url"]


def test_sqlite_synchronous_takes_full_or_normal(tmp_path: Path) -> None:
    hms.Hospital.open(tmp_path / "normal.db", sqlite_synchronous="normal", analysis=False).ping()
    hms.Hospital.open(tmp_path / "full.db", sqlite_synchronous="full", analysis=False).ping()
    with pytest.raises(hms.ValidationError) as refused:
        hms.Hospital.open(tmp_path / "x.db", sqlite_synchronous="sometimes", analysis=False)  # type: ignore[arg-type]
    assert [e["field"] for e in refused.value.errors] == ["sqlite_synchronous"]
    assert not (tmp_path / "x.db").exists()


def test_the_readmes_python_example_runs_as_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"^```python\n(.*?)^```$", README.read_text(), flags=re.S | re.M)
    assert blocks, "README.md has a Python example"
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        scope: dict[str, object] = {}
        exec(compile(block, str(README), "exec"), scope)
    assert (tmp_path / "hospital.db").is_file()
    assert scope["mine"].items == []  # type: ignore[attr-defined]


def test_a_missing_postgres_database_is_named() -> None:
    admin_url = os.environ.get("DATABASE_URL")
    if not admin_url:
        pytest.skip("needs DATABASE_URL")
    parts = urlsplit(admin_url)
    name = f"hms_missing_{uuid.uuid4().hex}"
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    with pytest.raises(hms.ValidationError) as missing:
        hms.Hospital.open(url, analysis=False)
    message = str(missing.value)
    assert f'"{name}", which does not exist' in message
    assert "createdb -h " in message and "hms-server migrate --create-database" in message
