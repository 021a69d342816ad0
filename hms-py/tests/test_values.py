"""Python-native values: instants, dates, money, ids, enums, records and pages, both ways."""

from __future__ import annotations

import pickle
import uuid
import zoneinfo
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal

import pytest

import hms

from conftest import NOW, PASSWORD, Clinic


def test_instants_round_trip_as_utc(clinic: Clinic) -> None:
    slot = clinic.slots[0]
    plus_two = timezone(timedelta(hours=2))
    local = slot.start.astimezone(plus_two)
    assert local.tzinfo is plus_two and local.hour == 11
    appointment = clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=local, now=NOW.astimezone(plus_two))
    assert appointment.starts_at == slot.start and appointment.starts_at.tzinfo == timezone.utc
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=30)
    stored = clinic.admin.appointment(appointment.id, now=NOW)
    assert stored == appointment, "what was written reads back the same, to the microsecond"

    precise = NOW + timedelta(microseconds=123456)
    note = clinic.doctor.write_note(clinic.patient_id, text="seen", now=precise)
    assert clinic.doctor.notes(clinic.patient_id)[0].created_at == precise

    default_now = clinic.patient.profile().created_at
    assert default_now.tzinfo == timezone.utc
    assert note.created_at.microsecond == 123456


def test_instants_in_any_zone_are_read_exactly(hospital: hms.Hospital) -> None:
    try:
        new_york: tzinfo = zoneinfo.ZoneInfo("America/New_York")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no time zone database")
    utc = timezone.utc
    cases = [  # a list: two of these are equal as datetimes, differing only in `fold`
        (
            datetime(2030, 1, 7, 9, 0, 0, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            datetime(2030, 1, 7, 3, 30, 0, 123456, utc),
        ),
        (datetime(2030, 1, 7, 9, 0, tzinfo=timezone(timedelta(hours=-11, seconds=59))), datetime(2030, 1, 7, 19, 59, 1, tzinfo=utc)),
        (datetime(2021, 11, 7, 1, 30, tzinfo=new_york), datetime(2021, 11, 7, 5, 30, tzinfo=utc)),
        (datetime(2021, 11, 7, 1, 30, fold=1, tzinfo=new_york), datetime(2021, 11, 7, 6, 30, tzinfo=utc)),
        (datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=utc), datetime(1969, 12, 31, 23, 59, 59, 999999, utc)),
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=-3))), datetime(1, 1, 1, 3, tzinfo=utc)),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=3))), datetime(9999, 12, 31, 20, 59, 59, 999999, utc)),
    ]
    for i, (given, expected) in enumerate(cases):
        user = hospital.register(email=f"zone{i}@example.org", password=PASSWORD, full_name="Zone", role="patient", now=given)
        assert (user.created_at, user.created_at.tzinfo) == (expected, utc), given
    with pytest.raises(OverflowError):
        hospital.register(
            email="early@example.org",
            password=PASSWORD,
            full_name="Early",
            role="patient",
            now=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=3))),
        )


def test_the_default_clock_is_now(hospital: hms.Hospital) -> None:
    before = datetime.now(timezone.utc)
    user = hospital.register(email="clock@example.org", password="a sound test passphrase", full_name="Clock Person", role="patient")
    after = datetime.now(timezone.utc)
    assert before - timedelta(seconds=1) <= user.created_at <= after + timedelta(seconds=1)
    assert hospital.as_user(user.id).profile() == user, "the default clock keeps the database's precision"


def test_dates_round_trip(clinic: Clinic) -> None:
    record = clinic.admin.update_patient(clinic.patient_id, date_of_birth=date(1912, 6, 23), now=NOW)
    assert record.date_of_birth == date(1912, 6, 23)
    assert clinic.patient.patient(clinic.patient_id, now=NOW).date_of_birth == date(1912, 6, 23)
    assert clinic.admin.update_patient(clinic.patient_id, clear_date_of_birth=True, now=NOW).date_of_birth is None
    rule = hms.AvailabilityRule(weekday="sat", start=time(10), end=time(11, 30), slot_minutes=45, valid_from=date(2030, 1, 1))
    availability = clinic.doctor.set_availability(clinic.doctor_id, [rule], now=NOW)
    assert availability.rules == [rule]
    assert (rule.weekday, rule.start, rule.end, rule.valid_from, rule.valid_until) == (
        hms.Weekday.SATURDAY,
        time(10),
        time(11, 30),
        date(2030, 1, 1),
        None,
    )


def test_money_round_trips_exactly(clinic: Clinic) -> None:
    fee = clinic.hospital.doctor(clinic.doctor_id).consultation_fee
    assert fee.amount == Decimal("150.50") and str(fee.amount) == "150.50" and fee.currency == "USD"
    assert isinstance(fee.amount, Decimal) and str(fee) == "150.50 USD"
    updated = clinic.doctor.update_doctor(clinic.doctor_id, consultation_fee=Decimal("0.10"), now=NOW)
    assert str(updated.consultation_fee.amount) == "0.10"
    updated = clinic.doctor.update_doctor(clinic.doctor_id, consultation_fee=99, now=NOW)
    assert str(updated.consultation_fee.amount) == "99.00"

    appointment = clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start, now=NOW)
    clinic.doctor.confirm(appointment.id, now=NOW)
    invoice = clinic.desk.issue_invoice(
        appointment.id,
        lines=[hms.InvoiceLine(description="Tiny", unit_price=Decimal("0.01"), quantity=333)],
        tax_rate=Decimal("0.15"),
        now=NOW,
    )
    # 3.33 at 0.15 % is 0.004995: it rounds half away from zero to 0.00, exactly, never via a float.
    assert (invoice.subtotal, invoice.tax, invoice.total) == (Decimal("3.33"), Decimal("0.00"), Decimal("3.33"))
    assert invoice.tax_rate == Decimal("0.15") and invoice.lines[0].unit_price == Decimal("0.01")
    assert clinic.desk.invoice(invoice.id, now=NOW) == invoice


def test_money_is_never_a_float() -> None:
    with pytest.raises(TypeError):
        hms.InvoiceLine(description="x", unit_price=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hms.DoctorDetails(specialization="x", license_number="LIC-1", consultation_fee="12.00")  # type: ignore[arg-type]
    assert hms.InvoiceLine(description="x", unit_price=2).unit_price == Decimal(2)


def test_ids_are_uuids_and_accept_strings(clinic: Clinic) -> None:
    assert isinstance(clinic.doctor_id, uuid.UUID)
    by_string = clinic.hospital.doctor(str(clinic.doctor_id))
    assert by_string.id == clinic.doctor_id
    assert clinic.hospital.as_user(str(clinic.patient_id)).user_id == clinic.patient_id


def test_enums_are_strings_too() -> None:
    status: str = hms.AppointmentStatus.NO_SHOW
    assert status == "no_show" and str(hms.AppointmentStatus.NO_SHOW) == "no_show"
    assert f"{hms.Role.ADMIN}" == "admin" and hms.Role("admin") is hms.Role.ADMIN
    assert hms.BloodGroup("AB-") is hms.BloodGroup.AB_NEG
    assert [d.value for d in hms.Weekday][:2] == ["monday", "tuesday"]
    assert pickle.loads(pickle.dumps(hms.PaymentMethod.CARD)) is hms.PaymentMethod.CARD
    assert hms.Role.__module__ == "hms"


def test_records_are_immutable_values(clinic: Clinic) -> None:
    a = hms.Medication(name="x", strength="1 mg", route="oral", frequency="daily", duration_days=1)
    b = hms.Medication(name="x", strength="1 mg", route=hms.Route.ORAL, frequency="daily", duration_days=1, instructions="")
    assert a == b and a != hms.Medication(name="y", strength="1 mg", route="oral", frequency="daily", duration_days=1)
    assert a != "x"
    with pytest.raises(AttributeError):
        a.name = "y"  # type: ignore[misc]
    assert repr(a) == (
        "Medication(name='x', strength='1 mg', route=<Route.ORAL: 'oral'>, frequency='daily', duration_days=1, instructions='')"
    )
    doctor = clinic.hospital.doctor(clinic.doctor_id)
    assert repr(doctor).startswith(f"Doctor(id=UUID('{clinic.doctor_id}'), full_name='Gregory House'")
    assert "consultation_fee=Money(amount=Decimal('150.50'), currency='USD')" in repr(doctor)
    with pytest.raises(TypeError):
        hash(doctor)
    with pytest.raises(TypeError):
        hms.Appointment()


def test_pages_behave_like_lists(clinic: Clinic) -> None:
    page = clinic.admin.list_users(per_page=2, page=2)
    assert (page.page, page.per_page, page.total) == (2, 2, 6)
    assert len(page) == 2 and len(page.items) == 2 and list(page) == page.items
    assert page[0] == page.items[0] and page[-1] == page.items[1] and page[0:1] == page.items[:1]
    with pytest.raises(IndexError):
        page[2]
    page.items.clear()
    assert len(page.items) == 2, "items is a new list each time"
    assert repr(page).startswith("Page(page=2, per_page=2, total=6, items=[User(")
    assert hms.Page[hms.User] is hms.Page


def test_hospital_settings(tmp_path: object) -> None:
    hospital = hms.Hospital.open("sqlite::memory:", time_zone="Asia/Tokyo", currency="jpy")
    assert (hospital.backend, hospital.time_zone, hospital.currency) == ("sqlite", "Asia/Tokyo", "JPY")
    assert repr(hospital) == "Hospital(backend='sqlite', time_zone='Asia/Tokyo', currency='JPY')"
    hospital.ping()
