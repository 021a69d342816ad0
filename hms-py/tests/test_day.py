"""A whole day at the clinic, end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta, timezone
from decimal import Decimal

import pytest

import hms

from conftest import NOW, PASSWORD, Clinic


def test_the_day(clinic: Clinic) -> None:
    h, admin, desk, nurse, doctor, patient = clinic.hospital, clinic.admin, clinic.desk, clinic.nurse, clinic.doctor, clinic.patient

    # The public directory and the doctor's week.
    listed = h.list_doctors(specialization="diagnostic medicine")
    assert listed.total == 1 and listed[0].full_name == "Gregory House"
    assert h.doctor(clinic.doctor_id).consultation_fee == listed[0].consultation_fee
    availability = h.availability(clinic.doctor_id, now=NOW)
    assert len(availability.rules) == 5 and availability.exceptions == []
    assert len(clinic.slots) == 30, "five mornings of six slots"
    first = clinic.slots[0]
    assert first.start == NOW.replace(hour=9) and first.end - first.start == timedelta(minutes=30)

    # Time off on Tuesday removes its slots.
    tuesday = NOW.replace(hour=0) + timedelta(days=1)
    off = doctor.add_exception(clinic.doctor_id, starts_at=tuesday, ends_at=tuesday + timedelta(days=1), reason="conference", now=NOW)
    assert off.reason == "conference" and off.doctor_id == clinic.doctor_id
    assert len(h.free_slots(clinic.doctor_id, from_=NOW, to=NOW + timedelta(days=7), now=NOW)) == 24
    # Removed, its slots are free again; removed twice, it is not found.
    doctor.remove_exception(clinic.doctor_id, off.id, now=NOW)
    assert len(h.free_slots(clinic.doctor_id, from_=NOW, to=NOW + timedelta(days=7), now=NOW)) == 30
    with pytest.raises(hms.NotFoundError):
        doctor.remove_exception(clinic.doctor_id, off.id, now=NOW)
    off = doctor.add_exception(clinic.doctor_id, starts_at=tuesday, ends_at=tuesday + timedelta(days=1), reason="conference", now=NOW)

    # The patient books the first slot; the front desk books the other patient on the second.
    appointment = patient.book(doctor_id=clinic.doctor_id, starts_at=first.start, reason="headache", now=NOW)
    assert appointment.status == hms.AppointmentStatus.PENDING
    assert (appointment.patient_id, appointment.booked_by) == (clinic.patient_id, clinic.patient_id)
    second = desk.book(doctor_id=clinic.doctor_id, patient_id=clinic.other_id, starts_at=clinic.slots[1].start, now=NOW)
    assert len(h.free_slots(clinic.doctor_id, from_=NOW, to=NOW + timedelta(days=7), now=NOW)) == 22

    # The doctor confirms the first and rejects the second; the other patient's slot is free again.
    appointment = doctor.confirm(appointment.id, now=NOW)
    assert appointment.status == "confirmed"
    rejected = doctor.reject(second.id, reason="fully booked", now=NOW)
    assert (rejected.status, rejected.cancellation_reason) == (hms.AppointmentStatus.REJECTED, "fully booked")
    mine = patient.list_appointments()
    assert [a.id for a in mine] == [appointment.id]
    assert doctor.list_appointments(status=hms.AppointmentStatus.CONFIRMED).total == 1

    # The visit: a nursing note, a clinical note and its correction, a lab result.
    during = first.start + timedelta(minutes=10)
    nursing = nurse.write_note(clinic.patient_id, kind=hms.NoteKind.NURSING, text="BP 120/80", appointment_id=appointment.id, now=during)
    note = doctor.write_note(clinic.patient_id, text="Tension headache", appointment_id=appointment.id, now=during)
    fix = doctor.write_note(clinic.patient_id, text="Tension-type headache", corrects=note.id, now=during)
    assert (nursing.kind, note.kind, fix.corrects) == (hms.NoteKind.NURSING, hms.NoteKind.CLINICAL, note.id)
    assert {n.id for n in patient.notes(clinic.patient_id)} == {nursing.id, note.id, fix.id}
    document = doctor.attach_document(
        clinic.patient_id,
        kind=hms.DocumentKind.LAB,
        file_name="bloods.txt",
        content_type="text/plain",
        content=b"Hb 14.2 g/dL",
        description="Full blood count",
        now=during,
    )
    assert document.size_bytes == 12 and len(document.sha256) == 64
    meta, content = patient.document_content(document.id, now=during)
    assert (meta, content) == (document, b"Hb 14.2 g/dL")
    assert patient.documents(clinic.patient_id)[0] == doctor.document(document.id)

    # The prescription, then an edit that grows the revision.
    paracetamol = hms.Medication(name="paracetamol", strength="500 mg", route=hms.Route.ORAL, frequency="every 6 hours", duration_days=3)
    prescription = doctor.write_prescription(
        appointment.id, diagnosis="Tension headache", medications=[paracetamol], follow_up=(NOW + timedelta(days=14)).date(), now=during
    )
    assert prescription.revision == 1 and prescription.medications == [paracetamol]
    ibuprofen = hms.Medication(name="ibuprofen", strength="400 mg", route="oral", frequency="twice daily", duration_days=5, instructions="with food")
    prescription = doctor.edit_prescription(
        prescription.id, diagnosis="Tension headache", medications=[paracetamol, ibuprofen], instructions="Rest", now=during
    )
    assert prescription.revision == 2 and prescription.follow_up is None
    assert patient.prescription(prescription.id, now=during) == prescription
    assert [p.id for p in patient.list_prescriptions()] == [prescription.id]
    assert doctor.latest_analysis(prescription.id, now=during) is None
    analysis = doctor.analyze_prescription(prescription.id, now=during)
    assert analysis.prescription_revision == 2 and analysis.outcome == hms.AnalysisOutcome.CHECKS_ONLY
    assert "does not replace" in analysis.disclaimer
    assert doctor.analyze_prescription(prescription.id, now=during).id == analysis.id, "unchanged: the stored analysis"
    assert doctor.latest_analysis(prescription.id, now=during) == analysis

    appointment = doctor.complete(appointment.id, now=during)
    assert appointment.status == hms.AppointmentStatus.COMPLETED

    # Billing: two lines, 8.25 % tax and a discount, exactly; then payment by card.
    invoice = desk.issue_invoice(
        appointment.id,
        lines=[
            hms.InvoiceLine(description="Consultation", unit_price=Decimal("150.50")),
            hms.InvoiceLine(description="Blood test", unit_price=Decimal("19.99"), quantity=3),
        ],
        tax_rate=Decimal("8.25"),
        discount=Decimal("10"),
        now=during,
    )
    assert (invoice.subtotal, invoice.tax, invoice.discount, invoice.total) == (
        Decimal("210.47"),
        Decimal("17.36"),
        Decimal("10.00"),
        Decimal("217.83"),
    )
    assert invoice.currency == "USD" and invoice.status == hms.InvoiceStatus.PENDING
    assert patient.list_invoices()[0] == invoice
    invoice = desk.pay_invoice(invoice.id, method=hms.PaymentMethod.CARD, now=during)
    assert (invoice.status, invoice.payment_method, invoice.paid_at) == (hms.InvoiceStatus.PAID, hms.PaymentMethod.CARD, during)
    with pytest.raises(hms.ConflictError):
        desk.cancel_invoice(invoice.id, now=during)

    # Notifications: booked, confirmed, prescription ready, invoice issued, invoice paid.
    notifications = patient.notifications()
    assert [n.kind for n in notifications] == [
        hms.NotificationKind.INVOICE_PAID,
        hms.NotificationKind.INVOICE_ISSUED,
        hms.NotificationKind.PRESCRIPTION_READY,
        hms.NotificationKind.APPOINTMENT_CONFIRMED,
        hms.NotificationKind.APPOINTMENT_BOOKED,
    ]
    read = patient.mark_notification_read(notifications[0].id, now=during)
    assert read.read_at == during
    assert patient.mark_all_notifications_read(now=during) == 4
    assert patient.notifications(unread_only=True).total == 0
    assert h.emails_due(now=during), "e-mails wait in the outbox"

    # The admin's view: dashboard and audit log.
    dashboard = admin.dashboard(now=during)
    assert (dashboard.doctors, dashboard.patients, dashboard.today_appointments) == (1, 2, 1)
    assert [str(m) for m in dashboard.revenue] == ["217.83 USD"]
    assert {c.status: c.count for c in dashboard.appointments_by_status}[hms.AppointmentStatus.COMPLETED] == 1
    reads = admin.audit_log(patient_id=clinic.patient_id, action=hms.AuditAction.READ, per_page=100)
    assert any(e.operation == "prescription.read" and e.actor_id == clinic.patient_id for e in reads)
    assert all(e.patient_id == clinic.patient_id for e in reads)


def test_accounts_and_profiles(clinic: Clinic) -> None:
    h, admin, desk, patient = clinic.hospital, clinic.admin, clinic.desk, clinic.patient
    me = patient.profile()
    assert (me.id, me.role, me.email) == (clinic.patient_id, hms.Role.PATIENT, "patient1@example.org")
    assert (patient.user_id, patient.role) == (clinic.patient_id, hms.Role.PATIENT)
    me = patient.update_profile(full_name="Patient Renamed", phone="+44 20 7946 0000", now=NOW)
    assert (me.full_name, me.phone) == ("Patient Renamed", "+442079460000")
    assert patient.update_profile(phone="", now=NOW).phone is None

    patient.change_password(current_password=PASSWORD, new_password="another sound passphrase", now=NOW)
    with pytest.raises(hms.UnauthenticatedError):
        h.login("patient1@example.org", PASSWORD, now=NOW)
    assert h.login("patient1@example.org", "another sound passphrase", now=NOW).user_id == clinic.patient_id

    walk_in = desk.register_patient(email="walkin@example.org", password=PASSWORD, full_name="Walk In", now=NOW)
    assert walk_in.role == hms.Role.PATIENT
    record = desk.patient(walk_in.id, now=NOW)
    assert record.clinical is None, "the front desk sees demographics only"
    record = admin.update_patient(walk_in.id, blood_group=hms.BloodGroup.AB_NEG, allergies=["latex"], sex="female", now=NOW)
    assert record.clinical is not None and (record.clinical.blood_group, record.clinical.allergies) == (hms.BloodGroup.AB_NEG, ["latex"])
    assert record.sex == hms.Sex.FEMALE
    assert desk.list_patients(search="walk").total == 1
    assert clinic.doctor.list_patients().total == 0, "a doctor lists only their own patients"

    users = admin.list_users(role=hms.Role.PATIENT, per_page=10)
    assert users.total == 3 and users.per_page == 10
    off = admin.set_user_active(walk_in.id, active=False, now=NOW)
    assert not off.active
    with pytest.raises(hms.UnauthenticatedError):
        h.as_user(walk_in.id)

    doctor = clinic.doctor.update_doctor(clinic.doctor_id, consultation_fee=Decimal("175"), accepting_appointments=False, now=NOW)
    assert doctor.consultation_fee == h.doctor(clinic.doctor_id).consultation_fee
    assert (doctor.consultation_fee.amount, doctor.consultation_fee.currency) == (Decimal("175.00"), "USD")
    assert h.free_slots(clinic.doctor_id, from_=NOW, to=NOW + timedelta(days=7), now=NOW) == []


def test_lifecycle_and_reminders(clinic: Clinic) -> None:
    h, doctor, patient = clinic.hospital, clinic.doctor, clinic.patient
    tuesday_slot = next(s for s in clinic.slots if s.start.weekday() == 1)
    appointment = patient.book(doctor_id=clinic.doctor_id, starts_at=tuesday_slot.start, now=NOW)
    doctor.confirm(appointment.id, now=NOW)
    assert h.queue_reminders(now=NOW) == 1
    assert h.queue_reminders(now=NOW) == 0, "each appointment is reminded once"
    reminded = patient.appointment(appointment.id, now=NOW)
    assert reminded.reminder_queued_at == NOW

    later = tuesday_slot.start + timedelta(minutes=5)
    assert doctor.no_show(appointment.id, now=later).status == hms.AppointmentStatus.NO_SHOW
    other = patient.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start, now=NOW)
    cancelled = patient.cancel(other.id, reason="feeling better", now=NOW)
    assert (cancelled.status, cancelled.cancellation_reason) == (hms.AppointmentStatus.CANCELLED, "feeling better")
    with pytest.raises(hms.ConflictError):
        doctor.confirm(other.id, now=NOW)

    claimed = h.claim_emails(limit=5, lease=timedelta(minutes=1), now=NOW)
    rest = h.claim_emails(now=NOW)
    assert len(claimed) == 5 and rest, "seven e-mails wait: two per booking, a confirmation, a reminder, a cancellation"
    assert not {e.id for e in claimed} & {e.id for e in rest}, "a claimed e-mail is not claimed twice"
    assert h.claim_emails(now=NOW) == []
    sent = h.email_sent(claimed[0].id, now=NOW)
    assert sent.sent_at == NOW and sent.attempts == 1
    failed = h.email_failed(claimed[1].id, error="mailbox full", now=NOW)
    assert failed.last_error == "mailbox full" and failed.next_attempt_at is not None and failed.next_attempt_at > NOW


def test_instants_are_utc(clinic: Clinic) -> None:
    appointment = clinic.patient.book(doctor_id=clinic.doctor_id, starts_at=clinic.slots[0].start, now=NOW)
    assert appointment.starts_at.tzinfo == timezone.utc
    assert appointment.created_at == NOW
