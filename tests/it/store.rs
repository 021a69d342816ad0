//! Persistence: exact round trips, constraints in the database, atomic workflows, migrations.

use chrono::{Duration, NaiveTime, Weekday};
use hms::ports::TxMode;
use hms::{
    AppointmentFilter, AppointmentStatus, AvailabilityRule, Currency, DoctorUpdate, ErrorKind, ExceptionInput, Hospital, InvoiceInput,
    LineInput, Notification, NotificationId, NotificationKind, PageRequest, Role,
};
use rust_decimal::Decimal;

use crate::common::*;

on_both!(
    money_is_exact_and_instants_utc,
    the_database_refuses_overlaps,
    a_failed_workflow_leaves_no_trace,
    slots_follow_the_clock_change,
    exceptions_and_bad_input,
    pages_and_filters,
    queued_writes_and_combined_reads
);

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

async fn money_is_exact_and_instants_utc(h: Hospital) {
    let admin = admin(&h).await;
    let (du, dr) = doctor(&h, 1).await;
    let (_, pt) = patient(&h, 1).await;
    let doc = h
        .update_doctor(&dr, du.id.as_doctor(), DoctorUpdate { consultation_fee: Some(d("1234567.89")), ..Default::default() }, None, now())
        .await
        .unwrap();
    assert_eq!(doc.consultation_fee.amount.to_string(), "1234567.89");
    assert_eq!(h.doctor(None, du.id.as_doctor()).await.unwrap().consultation_fee.amount.to_string(), "1234567.89");
    let slots = open_mornings(&h, &dr).await;
    let a = h.book(&pt, booking(&dr, None, &slots[0]), now()).await.unwrap();
    let stored = h.appointment(&admin, a.id, now()).await.unwrap();
    assert_eq!(stored.starts_at, a.starts_at);
    assert_eq!(stored.starts_at.to_rfc3339(), "2030-01-07T09:00:00+00:00");
    h.confirm(&admin, a.id, now()).await.unwrap();
    let kwd = InvoiceInput {
        appointment_id: a.id,
        lines: Some(vec![
            LineInput { description: "Consultation".into(), quantity: 1, unit_price: d("10.125") },
            LineInput { description: "ECG".into(), quantity: 3, unit_price: d("0.333") },
        ]),
        tax_rate: d("5"),
        discount: d("0.001"),
        currency: Some("kwd".into()),
    };
    let inv = h.issue_invoice(&admin, kwd, now()).await.unwrap();
    // 10.125 + 0.999 = 11.124; 5 % = 0.5562 → 0.556; − 0.001 = 11.679
    assert_eq!((inv.subtotal.to_string(), inv.tax.to_string(), inv.total.to_string()), ("11.124".into(), "0.556".into(), "11.679".into()));
    let back = h.invoice(&admin, inv.id, now()).await.unwrap();
    assert_eq!(back, inv, "an invoice reads back exactly as written");
    assert_eq!(back.currency, Currency::parse("KWD").unwrap());
    h.pay_invoice(&admin, inv.id, hms::PaymentMethod::Insurance, None, now()).await.unwrap();
    let dash = h.dashboard(&admin, now()).await.unwrap();
    assert_eq!(dash.revenue[0].to_string(), "11.679 KWD");
}

async fn the_database_refuses_overlaps(h: Hospital) {
    let (_, dr) = doctor(&h, 1).await;
    let (_, p1) = patient(&h, 1).await;
    let (_, p2) = patient(&h, 2).await;
    let slots = open_mornings(&h, &dr).await;
    let a = h.book(&p1, booking(&dr, None, &slots[0]), now()).await.unwrap();
    // Past the workflow's own checks, straight at the storage port: the database itself refuses.
    let mut clash = a.clone();
    clash.id = hms::AppointmentId::new();
    clash.patient_id = p2.id().as_patient();
    clash.starts_at = a.starts_at + Duration::minutes(10);
    clash.ends_at = a.ends_at + Duration::minutes(10);
    // The insert is queued with the transaction's other writes: the refusal comes with the
    // next statement (here, the commit), and nothing is committed.
    let mut tx = h.store().begin(TxMode::Write).await.unwrap();
    tx.insert_appointment(&clash).await.unwrap();
    let e = tx.commit().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e:?}");
    assert_eq!(e.to_string(), "this slot is already booked");
    let mut tx = h.store().begin(TxMode::Read).await.unwrap();
    assert_eq!(tx.appointment(clash.id).await.unwrap(), None, "nothing of a refused transaction is kept");
    tx.rollback().await.unwrap();
    // The same patient twice at one time, with another doctor.
    let mut twice = a.clone();
    twice.id = hms::AppointmentId::new();
    twice.doctor_id = doctor(&h, 2).await.0.id.as_doctor();
    // Refused at the next statement of the transaction, a read here.
    let mut tx = h.store().begin(TxMode::Write).await.unwrap();
    tx.insert_appointment(&twice).await.unwrap();
    let e = tx.appointment(twice.id).await.unwrap_err();
    assert_eq!((e.kind(), e.to_string()), (ErrorKind::Conflict, "the patient has another appointment at that time".into()));
    tx.rollback().await.unwrap();
    // An appointment of the longest kind, 8 hours from the evening before, overlaps one early
    // the next morning: the check looks back across the day's boundary.
    let mut evening = a.clone();
    evening.id = hms::AppointmentId::new();
    evening.patient_id = p2.id().as_patient();
    evening.starts_at = a.starts_at - Duration::hours(13);
    evening.ends_at = evening.starts_at + Duration::hours(8);
    let mut early = evening.clone();
    early.id = hms::AppointmentId::new();
    early.patient_id = p1.id().as_patient();
    early.starts_at = evening.ends_at - Duration::minutes(30);
    early.ends_at = evening.ends_at;
    let mut tx = h.store().begin(TxMode::Write).await.unwrap();
    tx.insert_appointment(&evening).await.unwrap();
    tx.insert_appointment(&early).await.unwrap();
    let e = tx.commit().await.unwrap_err();
    assert_eq!((e.kind(), e.to_string()), (ErrorKind::Conflict, "this slot is already booked".into()), "{e:?}");
    // An update names the version it replaces (its own, less one): one decided on another
    // version is refused, whatever the caller.
    let mut tx = h.store().begin(TxMode::Write).await.unwrap();
    let mut cancelled = a.clone();
    cancelled.status = AppointmentStatus::Cancelled;
    let e = tx.update_appointment(&cancelled).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "version {} does not replace version {}", cancelled.version, a.version);
    drop(tx);
    // A cancelled appointment no longer holds its slot in the database either.
    let mut tx = h.store().begin(TxMode::Write).await.unwrap();
    cancelled.version += 1;
    tx.update_appointment(&cancelled).await.unwrap();
    tx.insert_appointment(&clash).await.unwrap();
    tx.commit().await.expect("the slot is free once the first is cancelled");
}

async fn a_failed_workflow_leaves_no_trace(h: Hospital) {
    let admin = admin(&h).await;
    let (_, dr) = doctor(&h, 1).await;
    let (pu, pt) = patient(&h, 1).await;
    let slots = open_mornings(&h, &dr).await;
    let a1 = h.book(&pt, booking(&dr, None, &slots[0]), now()).await.unwrap();
    let a2 = h.book(&pt, booking(&dr, None, &slots[1]), now()).await.unwrap();
    h.confirm(&admin, a1.id, now()).await.unwrap();
    h.confirm(&admin, a2.id, now()).await.unwrap();
    let invoice = |id| InvoiceInput { appointment_id: id, lines: None, tax_rate: Decimal::ZERO, discount: Decimal::ZERO, currency: None };
    assert_eq!(h.issue_invoice(&admin, invoice(a1.id), now()).await.unwrap().number, "INV-2030-000001");
    let notes_before = h.notifications(&pt, false, PageRequest::default()).await.unwrap().total;
    let emails_before = h.emails_due(now(), 1000).await.unwrap().len();
    // The second invoice for one appointment fails on the database's constraint, after the
    // workflow has already drawn an invoice number: the number must be given back.
    let e = h.issue_invoice(&admin, invoice(a1.id), now()).await.unwrap_err();
    assert_eq!((e.kind(), e.to_string()), (ErrorKind::Conflict, "this appointment already has an invoice".into()));
    assert_eq!(h.issue_invoice(&admin, invoice(a2.id), now()).await.unwrap().number, "INV-2030-000002", "no number was lost");
    assert_eq!(
        h.notifications(&pt, false, PageRequest::default()).await.unwrap().total,
        notes_before + 1,
        "only the good invoice told the patient"
    );
    assert_eq!(h.emails_due(now(), 1000).await.unwrap().len(), emails_before + 1);
    // A booking that fails after validation (the slot is taken) leaves nothing behind.
    let before = h.list_appointments(&admin, AppointmentFilter::default(), PageRequest::default(), now()).await.unwrap().total;
    let audit_before = h.audit_log(&admin, Default::default(), PageRequest::default(), now()).await.unwrap().total;
    let (_, p2) = patient(&h, 2).await;
    let audit_before = audit_before + 1; // the registration of patient 2
    assert_eq!(h.book(&p2, booking(&dr, None, &slots[0]), now()).await.unwrap_err().kind(), ErrorKind::Conflict);
    assert_eq!(h.list_appointments(&admin, AppointmentFilter::default(), PageRequest::default(), now()).await.unwrap().total, before);
    assert_eq!(h.notifications(&p2, false, PageRequest::default()).await.unwrap().total, 0);
    let audit_after = h.audit_log(&admin, Default::default(), PageRequest::default(), now()).await.unwrap().total;
    assert_eq!(audit_after, audit_before, "a failed booking is not recorded as done");
    let _ = pu;
}

async fn slots_follow_the_clock_change(h: Hospital) {
    let (du, dr) = doctor(&h, 1).await;
    let (_, pt) = patient(&h, 1).await;
    // London falls back on Sunday 2030-10-27: a Sunday rule 00:00–04:00 has five real hours.
    let rule = AvailabilityRule {
        weekday: Weekday::Sun,
        start: NaiveTime::from_hms_opt(0, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
        slot_minutes: 60,
        valid_from: None,
        valid_until: None,
    };
    h.set_availability(&dr, du.id.as_doctor(), vec![rule], now()).await.unwrap();
    let from = "2030-10-26T12:00:00Z".parse().unwrap();
    let to = "2030-10-27T12:00:00Z".parse().unwrap();
    let slots = h.free_slots(du.id.as_doctor(), from, to, now()).await.unwrap();
    let starts: Vec<String> = slots.iter().map(|s| s.start.to_rfc3339()).collect();
    assert_eq!(
        starts,
        [
            "2030-10-26T23:00:00+00:00",
            "2030-10-27T00:00:00+00:00",
            "2030-10-27T01:00:00+00:00",
            "2030-10-27T02:00:00+00:00",
            "2030-10-27T03:00:00+00:00"
        ]
    );
    // Both 01:00s of that night are bookable, and they are different appointments.
    let a = h.book(&pt, booking(&dr, None, &slots[1]), now()).await.unwrap();
    let b = h.book(&pt, booking(&dr, None, &slots[2]), now()).await.unwrap();
    assert_ne!(a.starts_at, b.starts_at);
    // A start that is not on a slot is refused with the field named.
    let mut off = booking(&dr, None, &slots[3]);
    off.starts_at += Duration::minutes(15);
    assert_eq!(h.book(&pt, off, now()).await.unwrap_err().field_errors()[0].field, "starts_at");
}

async fn exceptions_and_bad_input(h: Hospital) {
    let admin = admin(&h).await;
    let (du, dr) = doctor(&h, 1).await;
    let (_, dr2) = doctor(&h, 2).await;
    let (_, pt) = patient(&h, 1).await;
    let slots = open_mornings(&h, &dr).await;
    // Tuesday off.
    let tuesday = slots.iter().find(|s| s.start.date_naive() == (now() + Duration::days(1)).date_naive()).unwrap();
    let (start, end) = hms::schedule::local_day(h.config().time_zone, tuesday.start.date_naive());
    let off = h
        .add_exception(&dr, du.id.as_doctor(), ExceptionInput { starts_at: start, ends_at: end, reason: "conference".into() }, now())
        .await
        .unwrap();
    let after = h.free_slots(du.id.as_doctor(), now(), now() + Duration::days(7), now()).await.unwrap();
    assert_eq!(after.len(), slots.len() - 6);
    assert_eq!(h.book(&pt, booking(&dr, None, tuesday), now()).await.unwrap_err().kind(), ErrorKind::Invalid);
    // Time off is removed by its doctor (another doctor may not; under another doctor's id it
    // is not found), and its slots are free again; removed twice, it is not found.
    assert_eq!(h.remove_exception(&dr2, du.id.as_doctor(), off.id, now()).await.unwrap_err().kind(), ErrorKind::Forbidden);
    assert_eq!(h.remove_exception(&dr2, dr2.id().as_doctor(), off.id, now()).await.unwrap_err().kind(), ErrorKind::NotFound);
    h.remove_exception(&dr, du.id.as_doctor(), off.id, now()).await.unwrap();
    assert_eq!(h.free_slots(du.id.as_doctor(), now(), now() + Duration::days(7), now()).await.unwrap().len(), slots.len());
    assert_eq!(h.remove_exception(&admin, du.id.as_doctor(), off.id, now()).await.unwrap_err().kind(), ErrorKind::NotFound);
    h.add_exception(&dr, du.id.as_doctor(), ExceptionInput { starts_at: start, ends_at: end, reason: "conference".into() }, now())
        .await
        .unwrap();
    assert_eq!(h.book(&pt, booking(&dr, None, tuesday), now()).await.unwrap_err().kind(), ErrorKind::Invalid);
    // Another doctor cannot change this one's availability; it is public, so the refusal is open.
    assert_eq!(h.set_availability(&dr2, du.id.as_doctor(), vec![], now()).await.unwrap_err().kind(), ErrorKind::Forbidden);
    // Invalid rules are refused whole, with the field named; nothing changes.
    let mut bad = mornings();
    bad[1].end = bad[1].start;
    let e = h.set_availability(&dr, du.id.as_doctor(), bad, now()).await.unwrap_err();
    assert_eq!(e.field_errors()[0].field, "rules[1].end");
    assert_eq!(h.availability(du.id.as_doctor(), now()).await.unwrap().rules, mornings());
    // A doctor who stops accepting gets no bookings and shows no slots.
    h.update_doctor(&admin, du.id.as_doctor(), DoctorUpdate { accepting_appointments: Some(false), ..Default::default() }, None, now())
        .await
        .unwrap();
    assert!(h.free_slots(du.id.as_doctor(), now(), now() + Duration::days(7), now()).await.unwrap().is_empty());
    assert_eq!(h.book(&pt, booking(&dr, None, &slots[0]), now()).await.unwrap_err().field_errors()[0].field, "doctor_id");
    // Booking in the past, bad slot windows, bad pages.
    let mut past = booking(&dr, None, &slots[0]);
    past.starts_at = now() - Duration::hours(1);
    assert_eq!(h.book(&pt, past, now()).await.unwrap_err().field_errors()[0].field, "starts_at");
    assert_eq!(h.free_slots(du.id.as_doctor(), now(), now() - Duration::days(1), now()).await.unwrap_err().field_errors()[0].field, "to");
    assert_eq!(h.free_slots(du.id.as_doctor(), now(), now() + Duration::days(90), now()).await.unwrap_err().field_errors()[0].field, "to");
    assert_eq!(PageRequest::new(1, 1000).unwrap_err().field_errors()[0].field, "per_page");
    let _ = Role::Admin;
}

async fn pages_and_filters(h: Hospital) {
    let admin = admin(&h).await;
    for n in 0..5 {
        doctor(&h, n).await;
    }
    let page = h.list_doctors(None, Default::default(), PageRequest::new(2, 2).unwrap()).await.unwrap();
    assert_eq!((page.total, page.items.len(), page.page, page.per_page), (5, 2, 2, 2));
    let cardio = h
        .list_doctors(None, hms::DoctorFilter { specialization: Some("cardiology".into()), ..Default::default() }, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(cardio.total, 3);
    let users = h
        .list_users(&admin, hms::UserFilter { role: Some(Role::Doctor), ..Default::default() }, PageRequest::default(), now())
        .await
        .unwrap();
    assert_eq!(users.total, 5);
    let (_, p) = patient(&h, 7).await;
    let found = h
        .list_patients(&admin, hms::PatientFilter { search: Some("PATIENT H".into()), ..Default::default() }, PageRequest::default(), now())
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].id, p.id().as_patient());
    let none = h
        .list_patients(&admin, hms::PatientFilter { search: Some("%".into()), ..Default::default() }, PageRequest::default(), now())
        .await
        .unwrap();
    assert_eq!(none.total, 0, "wildcards are matched literally");
}

/// A transaction's queued writes are seen by its own later reads and kept only if it commits; the
/// reads made in one statement answer what their separate reads answer.
async fn queued_writes_and_combined_reads(h: Hospital) {
    let (du, dr) = doctor(&h, 1).await;
    let (pu, _) = patient(&h, 1).await;
    let note = |message: &str| booked_note(pu.id, message);
    let mut tx = h.store().begin(TxMode::Write).await.unwrap();
    tx.insert_notifications(&[note("first")]).await.unwrap();
    tx.insert_notifications(&[note("second"), note("third")]).await.unwrap();
    assert_eq!(messages(&mut *tx, pu.id).await, ["first", "second", "third"], "queued writes are read back inside the transaction");
    tx.insert_notifications(&[note("fourth")]).await.unwrap();
    tx.rollback().await.unwrap();
    let mut tx = h.store().begin(TxMode::Statement).await.unwrap();
    assert!(messages(&mut *tx, pu.id).await.is_empty(), "rolled back: none kept");
    tx.rollback().await.unwrap();
    // Dropped unfinished (a cancelled request): nothing is kept, and the next writer gets in.
    let mut tx = h.store().begin(TxMode::Write).await.unwrap();
    tx.insert_notifications(&[note("dropped")]).await.unwrap();
    assert_eq!(messages(&mut *tx, pu.id).await, ["dropped"]);
    drop(tx);
    let mut tx = h.store().begin(TxMode::Write).await.unwrap();
    tx.insert_notifications(&[note("kept")]).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = h.store().begin(TxMode::Statement).await.unwrap();
    assert_eq!(messages(&mut *tx, pu.id).await, ["kept"]);
    tx.rollback().await.unwrap();

    // A doctor's schedule in one statement: the doctor, the rules in order, the exceptions that
    // end after `since` by start.
    let id = du.id.as_doctor();
    open_mornings(&h, &dr).await;
    for (days, reason) in [(3, "later"), (1, "sooner"), (-2, "over")] {
        let starts_at = now() + Duration::days(days);
        h.add_exception(
            &dr,
            id,
            ExceptionInput { starts_at, ends_at: starts_at + Duration::hours(2), reason: reason.into() },
            now() - Duration::days(5),
        )
        .await
        .unwrap();
    }
    let mut tx = h.store().begin(TxMode::Statement).await.unwrap();
    let (doctor, schedule) = tx.doctor_schedule(id, now()).await.unwrap().expect("the doctor");
    assert_eq!(doctor, tx.doctor(id).await.unwrap().unwrap());
    assert_eq!(schedule, tx.availability(id, now()).await.unwrap());
    assert_eq!(schedule.rules, mornings());
    assert_eq!(schedule.exceptions.iter().map(|e| e.reason.as_str()).collect::<Vec<_>>(), ["sooner", "later"]);
    assert!(schedule.exceptions.iter().all(|e| e.doctor_id == id));
    assert_eq!(tx.doctor_schedule(hms::DoctorId::new(), now()).await.unwrap(), None, "no such doctor");
    // What a booking reads, in one statement: the patient as `patient` reads them, the doctor's
    // schedule as above; either may be missing.
    let pid = pu.id.as_patient();
    let alone = tx.patient(pid).await.unwrap().expect("the patient");
    let both = tx.booking_parties(pid, id, now()).await.unwrap();
    assert_eq!(both, (Some(alone.clone()), Some((doctor.clone(), schedule.clone()))));
    assert_eq!(tx.booking_parties(hms::PatientId::new(), id, now()).await.unwrap(), (None, Some((doctor, schedule))));
    assert_eq!(tx.booking_parties(pid, hms::DoctorId::new(), now()).await.unwrap(), (Some(alone), None));
    tx.rollback().await.unwrap();
}

/// On SQLite, a write transaction that finishes while others wait for the writer hands its open
/// database transaction on and is committed with them: its `commit` returns only once the group's
/// `COMMIT` has, a member that rolls back or is dropped unfinished takes only its own work back,
/// and a member that fails at its last writes leaves the others' work whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_writers_that_wait_are_committed_together() {
    let db = hms::store::testing::TempDatabase::sqlite();
    let store = hms::store::SqliteStore::connect(&db.url, 4).await.unwrap();
    store.migrate().await.unwrap();
    let blobs = std::sync::Arc::new(hms::store::MemoryBlobStore::default());
    let h = Hospital::new(std::sync::Arc::new(store.clone()), blobs, config());
    let (pu, _) = patient(&h, 1).await;
    let note = |message: &str| booked_note(pu.id, message);
    let kept = || async {
        let mut tx = h.store().begin(TxMode::Statement).await.unwrap();
        let seen = messages(&mut *tx, pu.id).await;
        tx.rollback().await.unwrap();
        seen
    };
    let queue = || queue_writer(&h, &store);

    // A commits while B waits: A's commit waits for the group, which B ends by rolling back.
    let mut a = h.store().begin(TxMode::Write).await.unwrap();
    a.insert_notifications(&[note("a")]).await.unwrap();
    let b = queue().await;
    let a_commits = tokio::spawn(a.commit());
    let mut b = b.await.unwrap();
    assert!(!a_commits.is_finished(), "A's commit waits for its group");
    assert!(kept().await.is_empty(), "nothing of the group is visible before it commits");
    b.insert_notifications(&[note("b")]).await.unwrap();
    assert_eq!(messages(&mut *b, pu.id).await, ["a", "b"], "a member sees the work of the members before it");
    b.rollback().await.unwrap();
    a_commits.await.unwrap().expect("A is committed with the group");
    assert_eq!(kept().await, ["a"], "B's rollback took back B's work only");

    // D, E and F wait while C commits. D is dropped unfinished, E fails at its last write (a
    // second notification with C's id), F commits the group: of D and E nothing is kept, and C's
    // commit returns only when the group is done.
    let mut c = h.store().begin(TxMode::Write).await.unwrap();
    let c_note = note("c");
    c.insert_notifications(std::slice::from_ref(&c_note)).await.unwrap();
    let (d, e, f) = (queue().await, queue().await, queue().await);
    let c_commits = tokio::spawn(c.commit());
    let mut d = d.await.unwrap();
    d.insert_notifications(&[note("d")]).await.unwrap();
    drop(d);
    let mut e = e.await.unwrap();
    assert!(!c_commits.is_finished(), "C's commit waits for its group");
    assert_eq!(messages(&mut *e, pu.id).await, ["a", "c"], "the dropped member's work was taken back before the next one began");
    e.insert_notifications(&[note("e"), Notification { message: "e again".into(), ..c_note.clone() }]).await.unwrap();
    assert_eq!(e.commit().await.unwrap_err().kind(), ErrorKind::Conflict, "E's last writes fail at its commit");
    let mut f = f.await.unwrap();
    f.insert_notifications(&[note("f")]).await.unwrap();
    assert!(!c_commits.is_finished(), "C's commit waits for its group");
    f.commit().await.expect("the last member commits the group");
    c_commits.await.unwrap().expect("C is committed with the group");
    assert_eq!(kept().await, ["a", "c", "f"]);

    // Alone, a writer commits at once, as a transaction of its own.
    let mut g = h.store().begin(TxMode::Write).await.unwrap();
    g.insert_notifications(&[note("g")]).await.unwrap();
    g.commit().await.unwrap();
    assert_eq!(kept().await, ["a", "c", "f", "g"]);
    drop(h);
    drop(store);
    db.cleanup().await;
}

/// On a SQLite file, what the writer commits is copied from the write-ahead log into the database
/// file in the background soon after, while the store stays open (the writer itself would not copy
/// it before the log is thousands of pages long, and readers never do).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_commits_are_checkpointed_in_the_background() {
    let db = hms::store::testing::TempDatabase::sqlite();
    let h = hms::open(&db.url, config()).await.unwrap();
    let file = db.dir.as_ref().expect("a SQLite database has a directory").join("hms.db");
    let (pu, _) = patient(&h, 7).await;
    let written = pu.email.as_str().as_bytes();
    let in_file = || std::fs::read(&file).unwrap().windows(written.len()).any(|w| w == written);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !in_file() {
        assert!(std::time::Instant::now() < deadline, "the commit did not reach the database file");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(file.with_extension("db-wal").exists(), "the store is still open, in WAL mode");
    drop(h);
    db.cleanup().await;
}

/// A SQLite store may outlive the runtime it was used in: dropped after it, outside any runtime,
/// it closes its connections (the writer keeps one between write transactions) without a panic.
#[test]
fn a_sqlite_store_is_dropped_after_its_runtime() {
    let db = hms::store::testing::TempDatabase::sqlite();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let h = rt.block_on(async {
        let h = hms::open(&db.url, config()).await.unwrap();
        patient(&h, 1).await;
        h
    });
    drop(rt);
    drop(h);
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(db.cleanup());
}

/// A synthetic hospital loads in bulk, on both backends, into a database the store then serves:
/// every doctor, patient and appointment is there (the load ends with fresh statistics and, on
/// PostgreSQL, a vacuum, which must run outside any transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hospital_loads_in_bulk() {
    let sqlite = hms::store::testing::TempDatabase::sqlite();
    bulk_loaded(&sqlite.url).await;
    sqlite.cleanup().await;
    let postgres = hms::store::testing::TempDatabase::postgres().await;
    bulk_loaded(&postgres.url).await;
    postgres.cleanup().await;
}

async fn bulk_loaded(url: &str) {
    let spec = hms::store::bulk::SyntheticHospital {
        doctors: 4,
        patients: 30,
        appointments: 200,
        now: now(),
        password_hash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
    };
    let stages = std::sync::Mutex::new(Vec::new());
    let progress = |stage: &str, done: u64, all: u64| stages.lock().unwrap().push((stage.to_string(), done, all));
    hms::store::bulk_load(url, &spec, &progress).await.expect("the load");
    assert_eq!(stages.lock().unwrap().last().cloned(), Some(("appointments".to_string(), 200, 200)), "progress reaches the end");
    let h = hms::open(url, config()).await.unwrap();
    let mut tx = h.store().begin(TxMode::Read).await.unwrap();
    let all = PageRequest::default();
    assert_eq!(tx.list_doctors(&Default::default(), all).await.unwrap().total, 4);
    assert_eq!(tx.list_patients(&Default::default(), all).await.unwrap().total, 30);
    assert_eq!(tx.list_appointments(&AppointmentFilter::default(), all).await.unwrap().total, 200);
    // The dashboard's kept figures count what was loaded.
    let figures = tx.dashboard((now(), now() + chrono::Duration::days(1)), 5).await.unwrap();
    assert_eq!((figures.doctors, figures.patients), (4, 30));
    assert_eq!(figures.appointments_by_status.iter().map(|s| s.count).sum::<u64>(), 200);
    assert_eq!(figures.busiest_doctors.len(), 4);
    tx.rollback().await.unwrap();
}

/// Begins a write transaction in a task of its own, and returns once it waits for the writer.
async fn queue_writer(h: &Hospital, store: &hms::store::SqliteStore) -> tokio::task::JoinHandle<Box<dyn hms::ports::Tx>> {
    let waiting = store.writers_waiting();
    let h = h.clone();
    let next = tokio::spawn(async move { h.store().begin(TxMode::Write).await.unwrap() });
    while store.writers_waiting() == waiting && !next.is_finished() {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    next
}

/// A notification of a booking for `recipient`, saying `message`.
fn booked_note(recipient: hms::UserId, message: &str) -> Notification {
    Notification {
        id: NotificationId::new(),
        recipient_id: recipient,
        kind: NotificationKind::AppointmentBooked,
        message: message.into(),
        created_at: now(),
        read_at: None,
    }
}

/// The messages of `recipient`'s notifications as `tx` reads them, sorted.
async fn messages(tx: &mut dyn hms::ports::Tx, recipient: hms::UserId) -> Vec<String> {
    let page = tx.list_notifications(recipient, false, PageRequest::new(1, 100).unwrap()).await.unwrap();
    let mut seen: Vec<String> = page.items.into_iter().map(|n| n.message).collect();
    seen.sort();
    seen
}
