"""Each exception class, raised by the core or by the Python layer, with the field that caused it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

import hms

from conftest import NOW, PASSWORD, Clinic, build_clinic


def fields(error: hms.ValidationError) -> list[str]:
    return [e["field"] for e in error.errors]


def test_every_exception_is_an_hms_error() -> None:
    for cls in (
        hms.ValidationError,
        hms.NotFoundError,
        hms.ConflictError,
        hms.PermissionDeniedError,
        hms.UnauthenticatedError,
        hms.ThrottledError,
        hms.UnavailableError,
        hms.AiUnavailableError,
    ):
        assert issubclass(cls, hms.HmsError) and issubclass(cls, Exception)
    assert issubclass(hms.AiUnavailableError, hms.UnavailableError)


def test_validation_error_lists_every_bad_field(hospital: hms.Hospital) -> None:
    with pytest.raises(hms.ValidationError) as caught:
        hospital.register(email="not-an-address", password="short", full_name="", role=hms.Role.DOCTOR, now=NOW)
    assert fields(caught.value) == ["email", "password", "full_name", "doctor"]
    assert all(isinstance(e["message"], str) and e["message"] for e in caught.value.errors)
    assert "email" in str(caught.value)

    with pytest.raises(hms.ValidationError) as caught:
        hospital.register(
            email="doc@example.org",
            password=PASSWORD,
            full_name="Doc Tor",
            role="doctor",
            doctor=hms.DoctorDetails(specialization="", license_number="x", consultation_fee=Decimal("-1")),
            now=NOW,
        )
    assert fields(caught.value) == ["doctor.specialization", "doctor.license_number", "doctor.consultation_fee"]


def test_validation_of_nested_input(clinic: Clinic) -> None:
    appointment = clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start, now=NOW)
    clinic.doctor.confirm(appointment.id, now=NOW)
    bad = hms.Medication(name="", strength="500 mg", route="oral", frequency="daily", duration_days=0)
    with pytest.raises(hms.ValidationError) as caught:
        clinic.doctor.write_prescription(appointment.id, diagnosis="x", medications=[bad], now=NOW)
    assert fields(caught.value) == ["medications[0].name", "medications[0].duration_days"]

    with pytest.raises(hms.ValidationError) as caught:
        clinic.doctor.set_availability(
            clinic.doctor_id,
            [hms.AvailabilityRule(weekday="mon", start=datetime(2030, 1, 1, 12).time(), end=datetime(2030, 1, 1, 9).time(), slot_minutes=30)],
            now=NOW,
        )
    assert fields(caught.value) == ["rules[0].end"]


def test_validation_in_the_python_layer(clinic: Clinic) -> None:
    with pytest.raises(hms.ValidationError) as caught:
        clinic.hospital.register(email="x@example.org", password=PASSWORD, full_name="X Y", role="wizard", now=NOW)
    assert fields(caught.value) == ["role"]
    with pytest.raises(hms.ValidationError) as caught:
        clinic.admin.list_users(per_page=0)
    assert fields(caught.value) == ["per_page"]
    with pytest.raises(hms.ValidationError) as caught:
        hms.PatientDetails(blood_group="C+")
    assert fields(caught.value) == ["blood_group"]
    with pytest.raises(hms.ValidationError) as caught:
        hms.AvailabilityRule(weekday="someday", start=datetime(2030, 1, 1, 9).time(), end=datetime(2030, 1, 1, 12).time(), slot_minutes=30)
    assert fields(caught.value) == ["weekday"]
    with pytest.raises(hms.ValidationError) as caught:
        hms.Hospital.open("sqlite::memory:", time_zone="Mars/Olympus")
    assert fields(caught.value) == ["time_zone"]
    with pytest.raises(hms.ValidationError) as caught:
        hms.Hospital.open("mysql://localhost/hms")
    assert fields(caught.value) == ["database_url"]


def test_rule_broken_names_its_field(clinic: Clinic) -> None:
    with pytest.raises(hms.ValidationError) as caught:
        clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=NOW - timedelta(hours=1), now=NOW)
    assert fields(caught.value) == ["starts_at"]
    with pytest.raises(hms.ValidationError) as caught:
        clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start + timedelta(minutes=7), now=NOW)
    assert fields(caught.value) == ["starts_at"]
    with pytest.raises(hms.ValidationError) as caught:
        clinic.hospital.free_slots(clinic.doctor_id, from_=NOW, to=NOW - timedelta(days=1), now=NOW)
    assert fields(caught.value) == ["to"]


def test_not_found(clinic: Clinic) -> None:
    with pytest.raises(hms.NotFoundError):
        clinic.admin.appointment(uuid.uuid4(), now=NOW)
    with pytest.raises(hms.NotFoundError):
        clinic.hospital.doctor(str(uuid.uuid4()))


def test_conflict(clinic: Clinic) -> None:
    with pytest.raises(hms.ConflictError, match="already exists"):
        clinic.hospital.register(email="PATIENT1@example.org", password=PASSWORD, full_name="Same Person", role="patient", now=NOW)
    clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start, now=NOW)
    with pytest.raises(hms.ConflictError, match="already booked"):
        clinic.other.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start, now=NOW)


def test_permission_denied(clinic: Clinic) -> None:
    with pytest.raises(hms.PermissionDeniedError):
        clinic.patient.dashboard(now=NOW)
    with pytest.raises(hms.PermissionDeniedError):
        clinic.nurse.create_staff(email="x@example.org", password=PASSWORD, full_name="X Y", role="admin", now=NOW)


def test_unauthenticated(clinic: Clinic) -> None:
    with pytest.raises(hms.UnauthenticatedError):
        clinic.hospital.login("patient1@example.org", "not the password at all", now=NOW)
    with pytest.raises(hms.UnauthenticatedError):
        clinic.hospital.login("nobody@example.org", PASSWORD, now=NOW)
    with pytest.raises(hms.UnauthenticatedError):
        clinic.hospital.as_user(uuid.uuid4())


def test_failed_logins_are_throttled_per_account(clinic: Clinic) -> None:
    for _ in range(5):
        with pytest.raises(hms.UnauthenticatedError):
            clinic.hospital.login("patient2@example.org", "not the password at all", now=NOW)
    with pytest.raises(hms.ThrottledError) as caught:
        clinic.hospital.login("patient2@example.org", PASSWORD, now=NOW)
    assert 0 < caught.value.retry_after <= 15 * 60
    # Other accounts are not affected, and the window passes.
    clinic.hospital.login("patient1@example.org", PASSWORD, now=NOW)
    clinic.hospital.login("patient2@example.org", PASSWORD, now=NOW + timedelta(minutes=16))


def test_ai_unavailable_without_an_analyzer() -> None:
    clinic = build_clinic(hms.Hospital.open("sqlite::memory:", time_zone="Europe/London", fast_password_hashing=True, analysis=False))
    appointment = clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start, now=NOW)
    clinic.doctor.confirm(appointment.id, now=NOW)
    medication = hms.Medication(name="amoxicillin", strength="500 mg", route="oral", frequency="three times daily", duration_days=7)
    prescription = clinic.doctor.write_prescription(appointment.id, diagnosis="Otitis media", medications=[medication], now=NOW)
    with pytest.raises(hms.AiUnavailableError, match="no analyzer"):
        clinic.doctor.analyze_prescription(prescription.id, fresh=True, now=NOW)


def test_wrong_python_types_are_type_errors(clinic: Clinic) -> None:
    with pytest.raises(TypeError, match="timezone-aware"):
        clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start.replace(tzinfo=None), now=NOW)
    with pytest.raises(TypeError, match="never a float"):
        clinic.doctor.update_doctor(clinic.doctor_id, consultation_fee=120.5, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        clinic.admin.appointment(12345, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a valid id"):
        clinic.admin.appointment("not-a-uuid", now=NOW)
