//! A hospital's whole day through the library, on both backends.

use chrono::Duration;
use hms::{
    AppointmentFilter, AppointmentStatus, AuditAction, AuditFilter, DocumentInput, DocumentKind, ErrorKind, Hospital, InvoiceInput,
    InvoiceStatus, NoteInput, NoteKind, NotificationKind, PageRequest, PaymentMethod, Role,
};
use rust_decimal::Decimal;

use crate::common::*;

on_both!(whole_day, reminders_go_out_once, outbox_retries_then_gives_up, cancelled_slot_can_be_booked_again, accounts_approval_and_no_show);

async fn whole_day(h: Hospital) {
    let admin = admin(&h).await;
    let desk = staff(&h, &admin, Role::Receptionist, 1).await;
    let nurse = staff(&h, &admin, Role::Nurse, 1).await;
    let (_, dr) = doctor(&h, 1).await;
    let (pu, pt) = patient(&h, 1).await;
    let slots = open_mornings(&h, &dr).await;
    assert_eq!(slots.len(), 30, "five mornings of six slots");

    // Book, and the slot is gone from the free list.
    let appt = h.book(&pt, booking(&dr, None, &slots[0]), now()).await.expect("the patient books");
    assert_eq!(appt.status, AppointmentStatus::Pending);
    assert_eq!(appt.ends_at - appt.starts_at, Duration::minutes(30));
    let free = h.free_slots(dr.id().as_doctor(), now(), now() + Duration::days(7), now()).await.unwrap();
    assert_eq!(free.len(), 29);
    assert!(!free.contains(&slots[0]));

    let appt = h.confirm(&desk, appt.id, now()).await.expect("the front desk confirms");
    assert_eq!(appt.status, AppointmentStatus::Confirmed);
    // Completing before the start is refused by the lifecycle.
    assert_eq!(h.complete(&dr, appt.id, now()).await.unwrap_err().kind(), ErrorKind::Conflict);

    let during = appt.starts_at + Duration::minutes(5);
    let note = h
        .write_note(
            &dr,
            pu.id.as_patient(),
            NoteInput { kind: NoteKind::Clinical, appointment_id: Some(appt.id), text: "Crackles at the left base".into(), corrects: None },
            during,
        )
        .await
        .expect("the doctor writes a clinical note");
    let nursing = h
        .write_note(
            &nurse,
            pu.id.as_patient(),
            NoteInput { kind: NoteKind::Nursing, appointment_id: None, text: "SpO2 95 %".into(), corrects: Some(note.id) },
            during,
        )
        .await
        .expect("the nurse writes a nursing note");
    assert_eq!(nursing.corrects, Some(note.id));
    let notes = h.notes(&pt, pu.id.as_patient(), PageRequest::default(), during).await.expect("the patient reads their notes");
    assert_eq!(notes.total, 2);

    let doc = h
        .attach_document(
            &dr,
            pu.id.as_patient(),
            DocumentInput {
                kind: DocumentKind::Lab,
                appointment_id: Some(appt.id),
                file_name: "crp.pdf".into(),
                content_type: "application/pdf".into(),
                description: "CRP".into(),
                bytes: b"%PDF-1.4 crp 87".to_vec(),
            },
            during,
        )
        .await
        .expect("the doctor uploads a lab result");
    assert_eq!(doc.sha256.len(), 64);
    let (meta, bytes) = h.document_content(&pt, doc.id, during).await.expect("the patient downloads it");
    assert_eq!(meta.id, doc.id);
    assert_eq!(bytes, b"%PDF-1.4 crp 87");

    let rx = h.write_prescription(&dr, appt.id, prescription_input(7), during).await.expect("the doctor prescribes");
    assert_eq!(rx.revision, 1);
    assert_eq!(h.write_prescription(&dr, appt.id, prescription_input(7), during).await.unwrap_err().kind(), ErrorKind::Conflict);
    let mut edited = prescription_input(7);
    edited.medications[0].duration_days = 10;
    let rx2 = h.edit_prescription(&dr, rx.id, edited, None, during).await.expect("the doctor edits");
    assert_eq!(rx2.revision, 2);
    assert_eq!(h.prescription(&pt, rx.id, during).await.unwrap().medications[0].duration_days, 10);

    let appt = h.complete(&dr, appt.id, during).await.expect("the doctor completes");
    assert_eq!(appt.status, AppointmentStatus::Completed);
    assert_eq!(h.cancel(&admin, appt.id, None, during).await.unwrap_err().kind(), ErrorKind::Conflict, "completed is final");

    let inv = h
        .issue_invoice(
            &desk,
            InvoiceInput {
                appointment_id: appt.id,
                lines: None,
                tax_rate: Decimal::new(75, 1),
                discount: Decimal::new(500, 2),
                currency: None,
            },
            during,
        )
        .await
        .expect("the front desk invoices");
    // 150.50 + 7.5 % (11.2875 → 11.29) − 5.00 = 156.79
    assert_eq!((inv.subtotal.to_string(), inv.tax.to_string(), inv.total.to_string()), ("150.50".into(), "11.29".into(), "156.79".into()));
    assert_eq!(inv.number, "INV-2030-000001");
    assert_eq!(h.invoice(&pt, inv.id, during).await.unwrap().total, inv.total, "the patient reads their invoice");
    let paid = h.pay_invoice(&desk, inv.id, PaymentMethod::Card, None, during).await.expect("payment is recorded");
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!(h.cancel_invoice(&admin, inv.id, None, during).await.unwrap_err().kind(), ErrorKind::Conflict, "paid is final");
    assert_eq!(h.invoice(&admin, inv.id, during).await.unwrap().payment_method, Some(PaymentMethod::Card));

    let notifications = h.notifications(&pt, false, PageRequest::default()).await.unwrap();
    let kinds: Vec<_> = notifications.items.iter().map(|n| n.kind).collect();
    for k in [
        NotificationKind::AppointmentBooked,
        NotificationKind::AppointmentConfirmed,
        NotificationKind::PrescriptionReady,
        NotificationKind::InvoiceIssued,
        NotificationKind::InvoicePaid,
    ] {
        assert!(kinds.contains(&k), "missing {k}");
    }
    let first = notifications.items[0].id;
    assert!(h.mark_notification_read(&pt, first, during).await.unwrap().read_at.is_some());
    assert_eq!(h.mark_all_notifications_read(&pt, during).await.unwrap(), notifications.total - 1);
    assert_eq!(h.notifications(&pt, true, PageRequest::default()).await.unwrap().total, 0);

    let dash = h.dashboard(&admin, during).await.expect("the admin reads the dashboard");
    assert_eq!((dash.doctors, dash.patients, dash.today_appointments), (1, 1, 1));
    assert_eq!(dash.revenue.len(), 1);
    assert_eq!(dash.revenue[0].to_string(), "156.79 USD");
    assert!(dash.pending.is_empty());
    assert_eq!(dash.appointments_by_status.iter().find(|s| s.status == AppointmentStatus::Completed).unwrap().count, 1);
    assert_eq!(dash.busiest_doctors[0].doctor_id, dr.id().as_doctor());
    assert_eq!(dash.computed_at, during);

    let audit = h
        .audit_log(
            &admin,
            AuditFilter { patient_id: Some(pu.id.as_patient()), ..Default::default() },
            PageRequest::new(1, 100).unwrap(),
            during,
        )
        .await
        .unwrap();
    let actions: Vec<_> = audit.items.iter().map(|e| e.operation.as_str()).collect();
    for op in [
        "appointment.book",
        "appointment.confirm",
        "note.write",
        "document.upload",
        "document.download",
        "prescription.write",
        "invoice.issue",
        "invoice.pay",
    ] {
        assert!(actions.contains(&op), "no audit event for {op}: {actions:?}");
    }
    let logins = h
        .audit_log(&admin, AuditFilter { action: Some(AuditAction::Login), ..Default::default() }, PageRequest::default(), during)
        .await
        .unwrap();
    assert_eq!(logins.total, 0);
    h.login("patient1@example.org", "a sound test passphrase", during).await.expect("the patient signs in");
    assert_eq!(h.login("PATIENT1@example.org", "wrong", during).await.unwrap_err().kind(), ErrorKind::Unauthenticated);
    assert_eq!(h.login("nobody@example.org", "wrong", during).await.unwrap_err().kind(), ErrorKind::Unauthenticated);
    let failed = h
        .audit_log(&admin, AuditFilter { action: Some(AuditAction::FailedLogin), ..Default::default() }, PageRequest::default(), during)
        .await
        .unwrap();
    assert_eq!(failed.total, 2);

    // Lists and filters.
    let mine = h.list_appointments(&pt, AppointmentFilter::default(), PageRequest::default(), during).await.unwrap();
    assert_eq!(mine.total, 1);
    let done = h
        .list_appointments(
            &desk,
            AppointmentFilter { statuses: vec![AppointmentStatus::Completed], ..Default::default() },
            PageRequest::default(),
            during,
        )
        .await
        .unwrap();
    assert_eq!(done.total, 1);
    let pending = h
        .list_appointments(
            &desk,
            AppointmentFilter { statuses: vec![AppointmentStatus::Pending], ..Default::default() },
            PageRequest::default(),
            during,
        )
        .await
        .unwrap();
    assert_eq!(pending.total, 0);
}

async fn reminders_go_out_once(h: Hospital) {
    let admin = admin(&h).await;
    let (_, dr) = doctor(&h, 1).await;
    let (_, pt) = patient(&h, 1).await;
    let slots = open_mornings(&h, &dr).await;
    // Monday's slots are today; Tuesday's are tomorrow.
    let tuesday = slots.iter().find(|s| s.start.date_naive() == (now() + Duration::days(1)).date_naive()).unwrap();
    let a = h.book(&pt, booking(&dr, None, tuesday), now()).await.unwrap();
    assert_eq!(h.queue_reminders(now()).await.unwrap(), 0, "a pending appointment gets no reminder");
    h.confirm(&admin, a.id, now()).await.unwrap();
    let emails_before = h.emails_due(now(), 100).await.unwrap().len();
    assert_eq!(h.queue_reminders(now()).await.unwrap(), 1);
    assert_eq!(h.queue_reminders(now() + Duration::hours(1)).await.unwrap(), 0, "once each");
    let emails = h.emails_due(now(), 100).await.unwrap();
    assert_eq!(emails.len(), emails_before + 1);
    assert!(emails.iter().any(|e| e.subject == "Appointment reminder" && e.to.as_str() == "patient1@example.org"));
    let kinds: Vec<_> = h.notifications(&pt, false, PageRequest::default()).await.unwrap().items.into_iter().map(|n| n.kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == NotificationKind::AppointmentReminder).count(), 1);
}

async fn outbox_retries_then_gives_up(h: Hospital) {
    let (_, dr) = doctor(&h, 1).await;
    let (_, pt) = patient(&h, 1).await;
    let slots = open_mornings(&h, &dr).await;
    h.book(&pt, booking(&dr, None, &slots[0]), now()).await.unwrap();
    let due = h.emails_due(now(), 10).await.unwrap();
    assert_eq!(due.len(), 2, "the patient and the doctor are told");
    let sent = h.email_sent(due[0].id, now()).await.unwrap();
    assert!(sent.sent_at.is_some());
    let mut at = now();
    let mut e = h.email_failed(due[1].id, "connection refused", at).await.unwrap();
    assert_eq!(h.emails_due(at, 10).await.unwrap().len(), 0, "a failed e-mail waits before its retry");
    while let Some(next) = e.next_attempt_at {
        at = next;
        assert_eq!(h.emails_due(at, 10).await.unwrap().len(), 1);
        e = h.email_failed(e.id, "connection refused", at).await.unwrap();
    }
    assert_eq!(e.attempts, hms::notification::MAX_EMAIL_ATTEMPTS);
    assert_eq!(h.emails_due(at + Duration::days(30), 10).await.unwrap().len(), 0, "given up, but kept");
}

async fn cancelled_slot_can_be_booked_again(h: Hospital) {
    let admin = admin(&h).await;
    let (_, dr) = doctor(&h, 1).await;
    let (_, p1) = patient(&h, 1).await;
    let (_, p2) = patient(&h, 2).await;
    let slots = open_mornings(&h, &dr).await;
    let a = h.book(&p1, booking(&dr, None, &slots[3]), now()).await.unwrap();
    assert_eq!(h.book(&p2, booking(&dr, None, &slots[3]), now()).await.unwrap_err().kind(), ErrorKind::Conflict);
    h.cancel(&p1, a.id, Some("feeling better".into()), now()).await.unwrap();
    let b = h.book(&p2, booking(&dr, None, &slots[3]), now()).await.expect("a cancelled slot is free again");
    h.reject(&dr, b.id, Some("not my specialty".into()), now()).await.unwrap();
    let c = h.book(&p1, booking(&dr, None, &slots[3]), now()).await.expect("a rejected slot is free again");
    assert_eq!(c.starts_at, slots[3].start);
    let rejected = h.appointment(&admin, b.id, now()).await.unwrap();
    assert_eq!(rejected.cancellation_reason.as_deref(), Some("not my specialty"));
}

async fn accounts_approval_and_no_show(h: Hospital) {
    let admin = admin(&h).await;
    let desk = staff(&h, &admin, Role::Receptionist, 1).await;
    // With approval required, a self-registered doctor waits for an admin.
    let strict = h.with_config(hms::HospitalConfig { doctor_approval_required: true, ..h.config().clone() });
    let (du, _) = {
        let mut r = hms::Registration {
            email: "new.doctor@example.org".into(),
            password: "a sound test passphrase".into(),
            full_name: "New Doctor".into(),
            role: Some(Role::Doctor),
            ..Default::default()
        };
        r.doctor = Some(hms::DoctorDetails {
            specialization: "Oncology".into(),
            license_number: "ONC-777".into(),
            consultation_fee: Decimal::new(100, 0),
            ..Default::default()
        });
        (strict.register(r, now()).await.unwrap(), ())
    };
    assert!(!du.active);
    assert_eq!(h.actor(du.id).await.unwrap_err().kind(), ErrorKind::Unauthenticated);
    assert_eq!(h.doctor(None, du.id.as_doctor()).await.unwrap_err().kind(), ErrorKind::NotFound, "not listed before approval");
    h.set_user_active(&admin, du.id, true, None, now()).await.unwrap();
    assert!(h.doctor(None, du.id.as_doctor()).await.unwrap().active);
    // Changing a password needs the current one, and the new one must be sound.
    let (pu, pt) = patient(&h, 1).await;
    assert_eq!(
        h.change_password(&pt, "wrong", "another sound passphrase", now()).await.unwrap_err().field_errors()[0].field,
        "current_password"
    );
    assert_eq!(
        h.change_password(&pt, "a sound test passphrase", "short", now()).await.unwrap_err().field_errors()[0].field,
        "new_password"
    );
    h.change_password(&pt, "a sound test passphrase", "another sound passphrase", now()).await.unwrap();
    assert!(h.login(pu.email.as_str(), "a sound test passphrase", now()).await.is_err());
    h.login(pu.email.as_str(), "another sound passphrase", now()).await.unwrap();
    // The front desk marks a no-show once the appointment has started, never before.
    let (_, dr) = doctor(&h, 1).await;
    let slots = open_mornings(&h, &dr).await;
    let a = h.book(&desk, booking(&dr, Some(&pt), &slots[0]), now()).await.unwrap();
    h.confirm(&dr, a.id, now()).await.unwrap();
    assert_eq!(h.no_show(&desk, a.id, now()).await.unwrap_err().kind(), ErrorKind::Conflict);
    let late = h.no_show(&desk, a.id, a.starts_at + Duration::minutes(15)).await.unwrap();
    assert_eq!(late.status, AppointmentStatus::NoShow);
    // A patient may not cancel once the appointment has started: DOMAIN grants "own, before it
    // starts", so later it is a refusal.
    let b = h.book(&pt, booking(&dr, None, &slots[1]), now()).await.unwrap();
    assert_eq!(h.cancel(&pt, b.id, None, b.starts_at + Duration::minutes(1)).await.unwrap_err().kind(), ErrorKind::Forbidden);
    assert_eq!(h.cancel(&dr, b.id, None, b.starts_at + Duration::minutes(1)).await.unwrap().status, AppointmentStatus::Cancelled);
}
