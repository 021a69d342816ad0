"""The permission policy as Python sees it: refusals are typed, hide others' records, and are audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

import hms

from conftest import NOW, Clinic


def prescribed(clinic: Clinic) -> hms.Prescription:
    """A confirmed appointment of the first patient, with a prescription."""
    appointment = clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start, now=NOW)
    clinic.doctor.confirm(appointment.id, now=NOW)
    medication = hms.Medication(name="paracetamol", strength="500 mg", route="oral", frequency="every 6 hours", duration_days=3)
    return clinic.doctor.write_prescription(appointment.id, diagnosis="Tension headache", medications=[medication], now=NOW)


def test_a_patient_cannot_read_another_patients_prescription(clinic: Clinic) -> None:
    prescription = prescribed(clinic)
    assert clinic.patient.prescription(prescription.id, now=NOW) == prescription

    with pytest.raises(hms.NotFoundError) as another:
        clinic.other.prescription(prescription.id, now=NOW)
    with pytest.raises(hms.NotFoundError) as missing:
        clinic.other.prescription("00000000-0000-7000-8000-000000000000", now=NOW)
    assert str(another.value) == str(missing.value), "a refusal does not reveal that the record exists"

    assert clinic.other.list_prescriptions().total == 0
    with pytest.raises(hms.NotFoundError):
        clinic.other.list_prescriptions(patient_id=clinic.patient_id)
    with pytest.raises(hms.NotFoundError):
        clinic.other.patient(clinic.patient_id, now=NOW)
    with pytest.raises(hms.NotFoundError):
        clinic.other.notes(clinic.patient_id, now=NOW)

    refused = clinic.admin.audit_log(actor_id=clinic.other_id, action=hms.AuditAction.REFUSED, per_page=100)
    assert refused.total == 4, "every refusal is in the audit log"
    assert {e.outcome for e in refused} == {hms.AuditOutcome.REFUSED}
    assert any(e.operation == "prescription.read" and e.entity_id == str(prescription.id) for e in refused)


def test_roles_without_a_grant_are_refused_outright(clinic: Clinic) -> None:
    prescription = prescribed(clinic)
    with pytest.raises(hms.PermissionDeniedError):
        clinic.patient.issue_invoice(prescription.appointment_id, now=NOW)
    with pytest.raises(hms.PermissionDeniedError):
        clinic.desk.prescription(prescription.id, now=NOW)
    with pytest.raises(hms.PermissionDeniedError):
        clinic.doctor.audit_log()
    with pytest.raises(hms.PermissionDeniedError):
        clinic.nurse.write_note(clinic.patient_id, kind=hms.NoteKind.CLINICAL, text="not mine to write", now=NOW)


def test_only_the_appointments_doctor_prescribes(clinic: Clinic) -> None:
    appointment = clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start, now=NOW)
    clinic.doctor.confirm(appointment.id, now=NOW)
    other_doctor = clinic.admin.create_staff(
        email="doctor2@example.org",
        password="a sound test passphrase",
        full_name="Other Doctor",
        role=hms.Role.DOCTOR,
        doctor=hms.DoctorDetails(specialization="Dermatology", license_number="LIC-00002", consultation_fee=100),
        now=NOW,
    )
    session = clinic.hospital.as_user(other_doctor.id)
    medication = hms.Medication(name="paracetamol", strength="500 mg", route="oral", frequency="daily", duration_days=1)
    with pytest.raises(hms.NotFoundError):
        session.write_prescription(appointment.id, diagnosis="x", medications=[medication], now=NOW)
    with pytest.raises(hms.NotFoundError):
        session.confirm(appointment.id, now=NOW)


def test_a_patient_cancels_only_before_the_start(clinic: Clinic) -> None:
    appointment = clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start, now=NOW)
    with pytest.raises(hms.NotFoundError):
        clinic.other.cancel(appointment.id, now=NOW)
    with pytest.raises(hms.PermissionDeniedError):
        clinic.patient.cancel(appointment.id, now=clinic.slots[0].start + timedelta(minutes=1))
