"""Optimistic concurrency from Python: records carry a ``version`` (a prescription its
``revision``); a change given ``expected_version`` (``expected_revision``) is made only while the
record is at that version, and otherwise raises ``PreconditionFailedError`` (a ``ConflictError``)
with ``current_version`` and changes nothing. Without it, a change is made as always."""

from __future__ import annotations

from datetime import timedelta

import pytest

import hms

from conftest import NOW, Clinic


def test_a_change_expecting_a_version_is_made_only_at_that_version(clinic: Clinic) -> None:
    appointment = clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start, now=NOW)
    assert appointment.version == 1
    with pytest.raises(hms.PreconditionFailedError) as stale:
        clinic.doctor.confirm(appointment.id, expected_version=2, now=NOW)
    assert stale.value.current_version == 1
    assert isinstance(stale.value, hms.ConflictError)
    assert clinic.doctor.appointment(appointment.id, now=NOW).status == hms.AppointmentStatus.PENDING
    confirmed = clinic.doctor.confirm(appointment.id, expected_version=1, now=NOW)
    assert (confirmed.status, confirmed.version) == (hms.AppointmentStatus.CONFIRMED, 2)

    during = appointment.starts_at + timedelta(minutes=5)
    medication = hms.Medication(name="ibuprofen", strength="400 mg", route="oral", frequency="twice daily", duration_days=5)
    rx = clinic.doctor.write_prescription(appointment.id, diagnosis="Back pain", medications=[medication], now=during)
    edited = clinic.doctor.edit_prescription(rx.id, diagnosis="Low back pain", medications=[medication], expected_revision=1, now=during)
    assert edited.revision == 2
    with pytest.raises(hms.PreconditionFailedError) as stale:
        clinic.doctor.edit_prescription(rx.id, diagnosis="Sciatica", medications=[medication], expected_revision=1, now=during)
    assert stale.value.current_version == 2
    assert clinic.doctor.prescription(rx.id, now=during).diagnosis == "Low back pain"

    patient = clinic.admin.update_patient(clinic.patient_id, address="1 Elm Row", expected_version=1, now=NOW)
    assert patient.version == 2
    with pytest.raises(hms.PreconditionFailedError):
        clinic.admin.update_patient(clinic.patient_id, address="elsewhere", expected_version=1, now=NOW)
    assert clinic.admin.update_patient(clinic.patient_id, address="2 Elm Row", now=NOW).version == 3

    assert clinic.doctor.update_doctor(clinic.doctor_id, bio="Diagnostics", expected_version=1, now=NOW).version == 2
    with pytest.raises(hms.PreconditionFailedError):
        clinic.admin.update_doctor(clinic.doctor_id, bio="Other", expected_version=1, now=NOW)
    # The account has a version of its own: the profile edits above changed it too.
    account = clinic.patient.profile()
    assert account.version == 3
    assert clinic.patient.update_profile(full_name="Alan M. Turing", expected_version=3, now=NOW).version == 4
    with pytest.raises(hms.PreconditionFailedError):
        clinic.patient.update_profile(full_name="Alan Turing", expected_version=3, now=NOW)

    clinic.doctor.complete(appointment.id, expected_version=2, now=during)
    invoice = clinic.desk.issue_invoice(appointment.id, now=during)
    assert invoice.version == 1
    with pytest.raises(hms.PreconditionFailedError):
        clinic.desk.pay_invoice(invoice.id, method="cash", expected_version=2, now=during)
    with pytest.raises(hms.PreconditionFailedError):
        clinic.desk.cancel_invoice(invoice.id, expected_version=2, now=during)
    paid = clinic.desk.pay_invoice(invoice.id, method="cash", expected_version=1, now=during)
    assert (paid.status, paid.version) == (hms.InvoiceStatus.PAID, 2)
