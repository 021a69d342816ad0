"""Shared fixtures: a fresh hospital per test on SQLite (a temporary file) and, when
``DATABASE_URL`` is set, on PostgreSQL (a database of its own, made and dropped with ``psql``),
plus the people of a small clinic."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

import hms

# Second factors and password reset seal secrets with a key from the environment.
os.environ.setdefault("HMS_SECRET_KEY", "5e" * 32)

#: A Monday morning in January (London time is UTC then), before any slot of the day.
NOW = datetime(2030, 1, 7, 8, 0, tzinfo=timezone.utc)
PASSWORD = "a sound test passphrase"


def _psql(admin_url: str, sql: str) -> None:
    subprocess.run(["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, capture_output=True)


class PostgresDatabase:
    """A database of its own beside ``DATABASE_URL``, dropped by ``drop``."""

    def __init__(self, admin_url: str) -> None:
        if shutil.which("psql") is None:
            raise RuntimeError("the PostgreSQL tests need psql on the PATH")
        self.admin_url = admin_url
        self.name = f"hms_py_{uuid.uuid4().hex}"
        _psql(admin_url, f'create database "{self.name}"')
        parts = urlsplit(admin_url)
        self.url = urlunsplit((parts.scheme, parts.netloc, f"/{self.name}", parts.query, parts.fragment))

    def drop(self) -> None:
        _psql(self.admin_url, f'drop database if exists "{self.name}" with (force)')


def _backends() -> list[str]:
    return ["sqlite", "postgres"]


@pytest.fixture(params=_backends())
def hospital(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[hms.Hospital]:
    """A hospital in London time with cheap password hashing, on a fresh database."""
    if request.param == "sqlite":
        # A plain path names a SQLite file.
        yield hms.Hospital.open(tmp_path / "hms.db", time_zone="Europe/London", fast_password_hashing=True)
        return
    admin_url = os.environ.get("DATABASE_URL")
    if not admin_url:
        if os.environ.get("HMS_REQUIRE_POSTGRES"):
            pytest.fail("HMS_REQUIRE_POSTGRES is set but DATABASE_URL is not")
        pytest.skip("the PostgreSQL half needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)")
    db = PostgresDatabase(admin_url)
    try:
        yield hms.Hospital.open(
            db.url,
            time_zone="Europe/London",
            fast_password_hashing=True,
        )
    finally:
        db.drop()


@dataclass
class Clinic:
    """A small clinic: an admin, a receptionist, a nurse, a doctor with weekday mornings, two patients."""

    hospital: hms.Hospital
    admin: hms.Session
    desk: hms.Session
    nurse: hms.Session
    doctor: hms.Session
    doctor_id: uuid.UUID
    patient: hms.Session
    patient_id: uuid.UUID
    other: hms.Session
    other_id: uuid.UUID
    slots: list[hms.Slot]


def register_patient(hospital: hms.Hospital, n: int) -> hms.User:
    """Registers patient number `n`, allergic to penicillin."""
    return hospital.register(
        email=f"patient{n}@example.org",
        password=PASSWORD,
        full_name=f"Patient {'abcdefghij'[n]}",
        role=hms.Role.PATIENT,
        patient=hms.PatientDetails(allergies=["penicillin"], blood_group="O+", date_of_birth=NOW.date().replace(year=1980)),
        now=NOW,
    )


def mornings() -> list[hms.AvailabilityRule]:
    """Weekday mornings, 09:00-12:00 local time, in 30-minute slots."""
    days = [hms.Weekday.MONDAY, hms.Weekday.TUESDAY, hms.Weekday.WEDNESDAY, hms.Weekday.THURSDAY, hms.Weekday.FRIDAY]
    return [hms.AvailabilityRule(weekday=d, start=time(9), end=time(12), slot_minutes=30) for d in days]


@pytest.fixture
def clinic(hospital: hms.Hospital) -> Clinic:
    return build_clinic(hospital)


def build_clinic(hospital: hms.Hospital) -> Clinic:
    """An admin, a front desk, a nurse, a doctor with weekday mornings, and two patients."""
    admin_user = hospital.bootstrap_admin(email="admin@example.org", password=PASSWORD, full_name="Ada Admin", now=NOW)
    admin = hospital.as_user(admin_user.id)
    desk_user = admin.create_staff(
        email="desk@example.org", password=PASSWORD, full_name="Desk Person", role=hms.Role.RECEPTIONIST, now=NOW
    )
    nurse_user = admin.create_staff(email="nurse@example.org", password=PASSWORD, full_name="Nurse Person", role="nurse", now=NOW)
    doctor_user = hospital.register(
        email="doctor@example.org",
        password=PASSWORD,
        full_name="Gregory House",
        role=hms.Role.DOCTOR,
        doctor=hms.DoctorDetails(
            specialization="Diagnostic Medicine",
            license_number="LIC-00001",
            years_of_experience=20,
            consultation_fee=Decimal("150.50"),
        ),
        now=NOW,
    )
    doctor = hospital.login("doctor@example.org", PASSWORD, now=NOW)
    doctor.set_availability(doctor_user.id, mornings(), now=NOW)
    patient_user = register_patient(hospital, 1)
    other_user = register_patient(hospital, 2)
    slots = hospital.free_slots(doctor_user.id, from_=NOW, to=NOW + timedelta(days=7), now=NOW)
    return Clinic(
        hospital=hospital,
        admin=admin,
        desk=hospital.as_user(desk_user.id),
        nurse=hospital.as_user(nurse_user.id),
        doctor=doctor,
        doctor_id=doctor_user.id,
        patient=hospital.login("patient1@example.org", PASSWORD, now=NOW),
        patient_id=patient_user.id,
        other=hospital.as_user(other_user.id),
        other_id=other_user.id,
        slots=slots,
    )
