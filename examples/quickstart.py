"""A day at a small hospital, on an in-memory SQLite database: run with
`python examples/quickstart.py` once the `hms` package is installed (`pip install ./hms-py`).

The same day as `examples/quickstart.rs`, from Python.
"""

from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

import hms


def main() -> None:
    hospital = hms.Hospital.open("sqlite::memory:", time_zone="Europe/London")
    now = datetime.now(timezone.utc)
    print(f"hospital open on {hospital.backend}")

    # The first admin comes from the bootstrap path.
    admin_user = hospital.bootstrap_admin(
        email="admin@example.org",
        password="a long secret passphrase",
        full_name="Ada Admin",
        now=now,
    )
    admin = hospital.as_user(admin_user.id)
    print("admin created")

    # A doctor and a patient register themselves.
    doctor = hospital.register(
        email="grace.hopper@example.org",
        password="correct horse battery staple",
        full_name="Grace Hopper",
        role=hms.Role.DOCTOR,
        doctor=hms.DoctorDetails(
            specialization="Cardiology",
            license_number="GMC-1234567",
            years_of_experience=12,
            consultation_fee=Decimal("120.00"),
            currency="GBP",
            bio="Heart rhythm clinic",
        ),
        now=now,
    )
    patient = hospital.register(
        email="alan@example.org",
        password="a different long passphrase",
        full_name="Alan Turing",
        role=hms.Role.PATIENT,
        patient=hms.PatientDetails(allergies=["penicillin"]),
        now=now,
    )
    dr = hospital.login("grace.hopper@example.org", "correct horse battery staple", now=now)
    pt = hospital.as_user(patient.id)
    print(f"registered Dr. {doctor.full_name} and patient {patient.full_name}")

    # The doctor opens weekday mornings, 09:00-12:00 London time, in 30-minute slots.
    weekdays = [hms.Weekday.MONDAY, hms.Weekday.TUESDAY, hms.Weekday.WEDNESDAY, hms.Weekday.THURSDAY, hms.Weekday.FRIDAY]
    rules = [hms.AvailabilityRule(weekday=day, start=time(9), end=time(12), slot_minutes=30) for day in weekdays]
    dr.set_availability(doctor.id, rules, now=now)
    slots = hospital.free_slots(doctor.id, from_=now, to=now + timedelta(days=7), now=now)
    print(f"{len(slots)} free slots this week; the first starts {slots[0].start}")

    # The patient books the first slot; the doctor confirms it.
    slot = slots[0]
    appointment = pt.book(doctor_id=doctor.id, starts_at=slot.start, reason="palpitations", now=now)
    print(f"booked appointment {appointment.id} ({appointment.status})")
    appointment = dr.confirm(appointment.id, now=now)
    print(f"appointment {appointment.status}")

    # The visit happens: from here on the clock is ten minutes into the appointment.
    during = slot.start + timedelta(minutes=10)
    prescription = dr.write_prescription(
        appointment.id,
        diagnosis="Paroxysmal atrial fibrillation",
        medications=[
            hms.Medication(
                name="bisoprolol",
                strength="2.5 mg",
                route=hms.Route.ORAL,
                frequency="once daily",
                duration_days=30,
                instructions="in the morning",
            )
        ],
        instructions="Avoid caffeine",
        follow_up=(slot.start + timedelta(days=30)).date(),
        now=during,
    )
    print(f"prescribed {len(prescription.medications)} medication(s)")
    appointment = dr.complete(appointment.id, now=during)
    print(f"appointment {appointment.status}")

    # The front desk bills the consultation at 20 % VAT and takes payment by card.
    invoice = admin.issue_invoice(appointment.id, tax_rate=Decimal(20), now=during)
    print(f"invoice {invoice.number}: subtotal {invoice.subtotal} + tax {invoice.tax} = {invoice.total} {invoice.currency}")
    invoice = admin.pay_invoice(invoice.id, method=hms.PaymentMethod.CARD, now=during)
    print(f"invoice {invoice.number} is {invoice.status}")

    notifications = pt.notifications()
    print(f"the patient has {notifications.total} notifications")

    dashboard = admin.dashboard(now=during)
    revenue = ", ".join(str(m) for m in dashboard.revenue)
    print(f"dashboard: {dashboard.doctors} doctors, {dashboard.patients} patients, revenue {revenue}")
    print(f"today is {during.strftime('%a')}")


if __name__ == "__main__":
    main()
