"""The clinical record's pregnancy and eGFR: recorded, read, cleared, refused when wrong, and read
by the analysis of a prescription."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest

import hms

from conftest import NOW, Clinic


def test_pregnancy_and_egfr_are_recorded_cleared_and_checked(clinic: Clinic) -> None:
    clinical = clinic.admin.patient(clinic.patient_id, now=NOW).clinical
    assert clinical is not None
    assert (clinical.pregnancy_noted_on, clinical.egfr, clinical.egfr_measured_on) == (None, None, None)

    today = NOW.date()
    with pytest.raises(hms.ValidationError) as bad:
        clinic.admin.update_patient(clinic.patient_id, egfr=0, egfr_measured_on=today, now=NOW)
    assert bad.value.errors[0]["field"] == "egfr.value"
    with pytest.raises(ValueError, match="together"):
        clinic.admin.update_patient(clinic.patient_id, egfr=40, now=NOW)

    patient = clinic.admin.update_patient(
        clinic.patient_id, pregnancy_noted_on=today - timedelta(days=20), egfr=24, egfr_measured_on=today - timedelta(days=2), now=NOW
    )
    assert patient.clinical is not None
    assert patient.clinical.pregnancy_noted_on == today - timedelta(days=20)
    assert (patient.clinical.egfr, patient.clinical.egfr_measured_on) == (24, today - timedelta(days=2))
    assert isinstance(patient.clinical.egfr_measured_on, datetime.date)

    appointment = clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start, now=NOW)
    clinic.doctor.confirm(appointment.id, now=NOW)
    during = appointment.starts_at + timedelta(minutes=5)
    medications = [
        hms.Medication(name="Glucophage", strength="500 mg", route="oral", frequency="twice daily", duration_days=30),
        hms.Medication(name="Warfarin", strength="5 mg", route="oral", frequency="once daily", duration_days=30),
    ]
    rx = clinic.doctor.write_prescription(appointment.id, diagnosis="Type 2 diabetes", medications=medications, now=during)
    checks = clinic.doctor.analyze_prescription(rx.id, now=during).checks
    assert all(f.rule for f in checks), "every deterministic finding names its rule"
    assert any(f.resolved == ["metformin"] for f in checks if f.medications == ["Glucophage"])
    critical = {(f.medications[0], f.category) for f in checks if f.severity == hms.Severity.CRITICAL}
    assert ("Glucophage", hms.FindingCategory.CONTRAINDICATION) in critical, checks
    assert ("Warfarin", hms.FindingCategory.CONTRAINDICATION) in critical, checks

    cleared = clinic.admin.update_patient(clinic.patient_id, clear_pregnancy=True, clear_egfr=True, now=NOW).clinical
    assert cleared is not None
    assert (cleared.pregnancy_noted_on, cleared.egfr) == (None, None)
