//! Concurrency, on both backends: many tasks booking one slot, and every workflow that reads a
//! record and writes it back run by many tasks at once on one record — each change is kept (none
//! is overwritten by a change decided on an older copy), revisions are distinct, and no racer
//! gets anything but its answer or a conflict.

use std::sync::Arc;

use chrono::Duration;
use hms::{
    AppointmentFilter, DoctorUpdate, ErrorKind, Hospital, InvoiceInput, InvoiceStatus, PageRequest, PatientUpdate, PaymentMethod,
    ProfileUpdate, Role,
};
use rust_decimal::Decimal;

use crate::common::*;

on_both!(
    thirty_two_bookings_of_one_slot_one_wins,
    concurrent_prescription_edits_each_make_a_revision,
    concurrent_edits_of_a_patient_keep_every_field,
    concurrent_edits_of_a_doctor_keep_every_field,
    concurrent_account_changes_keep_every_change,
    concurrent_payments_and_cancellations_of_an_invoice_one_wins,
    a_change_that_expects_a_version_is_made_only_at_that_version,
    concurrent_replacements_of_a_doctors_week_keep_one_whole,
    concurrent_delivery_reports_of_an_email_are_all_counted
);

/// One racer's work.
type Job<T> = futures::future::BoxFuture<'static, hms::Result<T>>;

fn job<T>(work: impl std::future::Future<Output = hms::Result<T>> + Send + 'static) -> Job<T> {
    Box::pin(work)
}

/// Runs the jobs at once (released together by a barrier) and returns their results in order.
async fn all_at_once<T: Send + 'static>(jobs: Vec<Job<T>>) -> Vec<hms::Result<T>> {
    let start = Arc::new(tokio::sync::Barrier::new(jobs.len()));
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|job| {
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                job.await
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("the task ran"));
    }
    out
}

/// A confirmed appointment of doctor 1 with patient 1, and the instant during it.
async fn a_visit(h: &Hospital) -> (hms::Actor, hms::Actor, hms::Appointment, chrono::DateTime<chrono::Utc>) {
    let (_, dr) = doctor(h, 1).await;
    let (_, pt) = patient(h, 1).await;
    let slot = open_mornings(h, &dr).await[0];
    let appt = h.book(&pt, booking(&dr, None, &slot), now()).await.expect("a booking");
    let appt = h.confirm(&dr, appt.id, now()).await.expect("confirmed");
    let during = appt.starts_at + Duration::minutes(5);
    (dr, pt, appt, during)
}

async fn concurrent_prescription_edits_each_make_a_revision(h: Hospital) {
    let (dr, _, appt, during) = a_visit(&h).await;
    let rx = h.write_prescription(&dr, appt.id, prescription_input(1), during).await.expect("a prescription");
    let jobs = (2..=17u16)
        .map(|days| {
            let h = h.clone();
            job(async move { h.edit_prescription(&dr, rx.id, prescription_input(days), None, during).await })
        })
        .collect();
    let edits: Vec<_> = all_at_once(jobs).await.into_iter().map(|r| r.expect("every edit is accepted")).collect();
    let mut revisions: Vec<u32> = edits.iter().map(|p| p.revision).collect();
    revisions.sort_unstable();
    assert_eq!(revisions, (2..=17).collect::<Vec<_>>(), "each edit made a revision of its own");
    let last = edits.iter().max_by_key(|p| p.revision).unwrap();
    let stored = h.prescription(&dr, rx.id, during).await.unwrap();
    assert_eq!(stored.revision, 17);
    assert_eq!(stored.medications, last.medications, "the prescription is the last accepted edit");
}

async fn concurrent_edits_of_a_patient_keep_every_field(h: Hospital) {
    let admin = admin(&h).await;
    let (pu, _) = patient(&h, 1).await;
    let id = pu.id.as_patient();
    let updates = vec![
        PatientUpdate { full_name: Some("Grace Hopper".into()), ..Default::default() },
        PatientUpdate { phone: Some(Some("+44 20 7946 0958".into())), ..Default::default() },
        PatientUpdate { address: Some("1 Harbour Street".into()), ..Default::default() },
        PatientUpdate { emergency_contact: Some("Ada, +44 20 7946 0000".into()), ..Default::default() },
        PatientUpdate { blood_group: Some("AB-".into()), ..Default::default() },
        PatientUpdate { allergies: Some(vec!["latex".into()]), ..Default::default() },
        PatientUpdate { conditions: Some(vec!["gout".into()]), ..Default::default() },
        PatientUpdate { medical_history: Some("appendectomy 1990".into()), ..Default::default() },
    ];
    let mut jobs: Vec<Job<()>> = updates
        .into_iter()
        .map(|u| {
            let h = h.clone();
            job(async move { h.update_patient(&admin, id, u, None, now()).await.map(drop) })
        })
        .collect();
    let h2 = h.clone();
    jobs.push(job(async move { h2.set_user_active(&admin, pu.id, false, None, now()).await.map(drop) }));
    for r in all_at_once(jobs).await {
        r.expect("every change is accepted");
    }
    let p = h.patient(&admin, id, now()).await.unwrap();
    let c = p.clinical.expect("the admin reads the clinical part");
    assert_eq!(p.full_name.as_str(), "Grace Hopper");
    assert_eq!(p.phone.map(|x| x.as_str().to_string()).as_deref(), Some("+442079460958"));
    assert_eq!((p.address.as_str(), p.emergency_contact.as_str()), ("1 Harbour Street", "Ada, +44 20 7946 0000"));
    assert_eq!(c.blood_group.as_str(), "AB-");
    assert_eq!(
        (c.allergies, c.conditions, c.medical_history.as_str()),
        (vec!["latex".to_string()], vec!["gout".to_string()], "appendectomy 1990")
    );
    assert!(!p.active, "the deactivation is not undone by an edit that read the account before it");
}

async fn concurrent_edits_of_a_doctor_keep_every_field(h: Hospital) {
    let admin = admin(&h).await;
    let (du, _) = doctor(&h, 1).await;
    let id = du.id.as_doctor();
    let updates = vec![
        DoctorUpdate { specialization: Some("Nephrology".into()), ..Default::default() },
        DoctorUpdate { years_of_experience: Some(31), ..Default::default() },
        DoctorUpdate { consultation_fee: Some(Decimal::new(12345, 2)), ..Default::default() },
        DoctorUpdate { bio: Some("Kidneys, mostly".into()), ..Default::default() },
        DoctorUpdate { accepting_appointments: Some(false), ..Default::default() },
    ];
    let jobs = updates
        .into_iter()
        .map(|u| {
            let h = h.clone();
            job(async move { h.update_doctor(&admin, id, u, None, now()).await })
        })
        .collect();
    for r in all_at_once(jobs).await {
        r.expect("every change is accepted");
    }
    let d = h.doctor(Some(&admin), id).await.unwrap();
    assert_eq!((d.specialization.as_str(), d.years_of_experience, d.bio.as_str()), ("Nephrology", 31, "Kidneys, mostly"));
    assert_eq!(d.consultation_fee.amount, Decimal::new(12345, 2));
    assert!(!d.accepting_appointments);
}

async fn concurrent_account_changes_keep_every_change(h: Hospital) {
    let (pu, pt) = patient(&h, 1).await;
    let (h1, h2, h3) = (h.clone(), h.clone(), h.clone());
    let jobs: Vec<Job<()>> = vec![
        job(async move {
            h1.update_profile(&pt, ProfileUpdate { full_name: Some("Alan M. Turing".into()), phone: None }, None, now()).await.map(drop)
        }),
        job(async move {
            h2.update_profile(&pt, ProfileUpdate { full_name: None, phone: Some(Some("+44 161 496 0000".into())) }, None, now())
                .await
                .map(drop)
        }),
        job(async move { h3.change_password(&pt, "a sound test passphrase", "another sound passphrase", now()).await }),
    ];
    for r in all_at_once(jobs).await {
        r.expect("every change is accepted");
    }
    let u = h.login(pu.email.as_str(), "another sound passphrase", now()).await.expect("the new password holds");
    assert_eq!(u.full_name.as_str(), "Alan M. Turing");
    assert_eq!(u.phone.map(|x| x.as_str().to_string()).as_deref(), Some("+441614960000"));
}

async fn concurrent_payments_and_cancellations_of_an_invoice_one_wins(h: Hospital) {
    let admin = admin(&h).await;
    let desk = staff(&h, &admin, Role::Receptionist, 1).await;
    let (dr, _, appt, during) = a_visit(&h).await;
    h.complete(&dr, appt.id, during).await.expect("completed");
    let input = InvoiceInput { appointment_id: appt.id, lines: None, tax_rate: Decimal::ZERO, discount: Decimal::ZERO, currency: None };
    let inv = h.issue_invoice(&desk, input, during).await.expect("an invoice");
    let jobs = (0..16)
        .map(|i| {
            let h = h.clone();
            job(async move {
                if i % 2 == 0 {
                    h.pay_invoice(&desk, inv.id, PaymentMethod::Card, None, during).await
                } else {
                    h.cancel_invoice(&desk, inv.id, None, during).await
                }
            })
        })
        .collect();
    let mut winners = Vec::new();
    for r in all_at_once(jobs).await {
        match r {
            Ok(i) => winners.push(i.status),
            Err(e) => assert_eq!(e.kind(), ErrorKind::Conflict, "a losing racer gets a conflict, never {e:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "one payment or cancellation wins: {winners:?}");
    let stored = h.invoice(&desk, inv.id, during).await.unwrap();
    assert_eq!(stored.status, winners[0]);
    match stored.status {
        InvoiceStatus::Paid => assert!(stored.paid_at.is_some() && stored.cancelled_at.is_none()),
        InvoiceStatus::Cancelled => assert!(stored.cancelled_at.is_some() && stored.paid_at.is_none()),
        other => panic!("the invoice ended {other}"),
    }
}

async fn thirty_two_bookings_of_one_slot_one_wins(h: Hospital) {
    let admin = admin(&h).await;
    let desk = staff(&h, &admin, Role::Receptionist, 1).await;
    let (_, dr) = doctor(&h, 1).await;
    let mut patients = Vec::new();
    for n in 0..32 {
        patients.push(patient(&h, n).await.1);
    }
    let slot = open_mornings(&h, &dr).await[2];
    let start = Arc::new(tokio::sync::Barrier::new(32));
    let mut tasks = Vec::new();
    for (i, p) in patients.iter().enumerate() {
        let (h, start, dr, p, desk) = (h.clone(), start.clone(), dr, *p, desk);
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            // Half book for themselves, half through the front desk.
            let actor = if i % 2 == 0 { p } else { desk };
            h.book(&actor, booking(&dr, Some(&p), &slot), now()).await
        }));
    }
    let mut won = 0;
    let mut lost = 0;
    for t in tasks {
        match t.await.expect("the task ran") {
            Ok(_) => won += 1,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Conflict, "a losing racer gets a conflict, never {e:?}");
                lost += 1;
            }
        }
    }
    assert_eq!((won, lost), (1, 31));
    let all = h.list_appointments(&admin, AppointmentFilter::default(), PageRequest::default(), now()).await.unwrap();
    assert_eq!(all.total, 1, "exactly one appointment holds the slot");
    let emails = h.emails_due(now(), 1000).await.unwrap();
    assert_eq!(emails.len(), 2, "only the winner's booking told anyone");
}

/// The Rust API's optimistic concurrency: a change given the versions it expects is made only
/// while the record is at one of them; otherwise it fails with `PreconditionFailed`, naming the
/// current version, and changes nothing. Without an expectation, a change is made as always.
async fn a_change_that_expects_a_version_is_made_only_at_that_version(h: Hospital) {
    let admin = admin(&h).await;
    let desk = staff(&h, &admin, Role::Receptionist, 1).await;
    let (dr, pt, appt, during) = a_visit(&h).await;
    let stale = |e: hms::Error, current: u32| {
        assert_eq!(e.kind(), ErrorKind::PreconditionFailed, "{e:?}");
        assert!(matches!(e, hms::Error::PreconditionFailed { current: c, .. } if c == current), "{e:?}");
    };
    assert_eq!(appt.version, 2, "booked at 1, confirmed at 2");

    let rx = h.write_prescription(&dr, appt.id, prescription_input(3), during).await.unwrap();
    let rx = h.edit_prescription(&dr, rx.id, prescription_input(4), Some(&[1]), during).await.expect("at revision 1");
    assert_eq!(rx.revision, 2);
    stale(h.edit_prescription(&dr, rx.id, prescription_input(5), Some(&[1]), during).await.unwrap_err(), 2);
    assert_eq!(h.prescription(&dr, rx.id, during).await.unwrap().medications[0].duration_days, 4, "the refused edit changed nothing");
    stale(h.edit_prescription(&dr, rx.id, prescription_input(5), Some(&[]), during).await.unwrap_err(), 2);
    assert_eq!(h.edit_prescription(&dr, rx.id, prescription_input(5), Some(&[7, 2]), during).await.unwrap().revision, 3);

    let id = pt.id().as_patient();
    let p =
        h.update_patient(&admin, id, PatientUpdate { address: Some("1 Elm Row".into()), ..Default::default() }, Some(&[1]), now()).await;
    assert_eq!(p.unwrap().version, 2);
    stale(
        h.update_patient(&admin, id, PatientUpdate { address: Some("x".into()), ..Default::default() }, Some(&[1]), now())
            .await
            .unwrap_err(),
        2,
    );
    assert_eq!(h.patient(&admin, id, now()).await.unwrap().address, "1 Elm Row");

    let d = dr.id().as_doctor();
    stale(
        h.update_doctor(&admin, d, DoctorUpdate { bio: Some("x".into()), ..Default::default() }, Some(&[2]), now()).await.unwrap_err(),
        1,
    );
    assert_eq!(
        h.update_doctor(&admin, d, DoctorUpdate { bio: Some("y".into()), ..Default::default() }, Some(&[1]), now()).await.unwrap().version,
        2
    );
    let u = h.update_profile(&dr, ProfileUpdate { full_name: Some("Doctor Q".into()), phone: None }, Some(&[1]), now()).await.unwrap();
    assert_eq!(u.version, 2);
    stale(
        h.update_profile(&dr, ProfileUpdate { full_name: Some("Doctor R".into()), phone: None }, Some(&[1]), now()).await.unwrap_err(),
        2,
    );

    stale(h.transition(&dr, appt.id, hms::Transition::Complete, None, Some(&[1]), during).await.unwrap_err(), 2);
    let done = h.transition(&dr, appt.id, hms::Transition::Complete, None, Some(&[2]), during).await.unwrap();
    assert_eq!((done.status, done.version), (hms::AppointmentStatus::Completed, 3));

    let input = InvoiceInput { appointment_id: appt.id, lines: None, tax_rate: Decimal::ZERO, discount: Decimal::ZERO, currency: None };
    let inv = h.issue_invoice(&desk, input, during).await.unwrap();
    stale(h.pay_invoice(&desk, inv.id, PaymentMethod::Cash, Some(&[2]), during).await.unwrap_err(), 1);
    stale(h.cancel_invoice(&desk, inv.id, Some(&[2]), during).await.unwrap_err(), 1);
    assert_eq!(h.invoice(&desk, inv.id, during).await.unwrap().status, InvoiceStatus::Pending);
    let paid = h.pay_invoice(&desk, inv.id, PaymentMethod::Cash, None, during).await.unwrap();
    assert_eq!((paid.status, paid.version), (InvoiceStatus::Paid, 2));
}

/// Eight replacements of one doctor's weekly rules at once: each is taken, one after the other,
/// and the week that stays is exactly one of them, never a mixture.
async fn concurrent_replacements_of_a_doctors_week_keep_one_whole(h: Hospital) {
    let (du, dr) = doctor(&h, 1).await;
    let id = du.id.as_doctor();
    let weeks: Vec<Vec<hms::AvailabilityRule>> = [10u16, 15, 20, 30, 40, 45, 60, 90]
        .iter()
        .map(|&minutes| mornings().into_iter().map(|r| hms::AvailabilityRule { slot_minutes: minutes, ..r }).collect())
        .collect();
    let jobs = weeks
        .iter()
        .cloned()
        .map(|week| {
            let h = h.clone();
            job(async move { h.set_availability(&dr, id, week, now()).await })
        })
        .collect();
    for r in all_at_once(jobs).await {
        r.expect("every replacement is taken");
    }
    let kept = h.availability(id, now()).await.unwrap().rules;
    assert!(weeks.contains(&kept), "the week is one of the replacements, whole: {kept:?}");
}

/// Four reports that an e-mail was sent and four that its delivery failed, at once: every report
/// is counted (attempts 8), and the e-mail stays sent.
async fn concurrent_delivery_reports_of_an_email_are_all_counted(h: Hospital) {
    let (_, dr) = doctor(&h, 1).await;
    let (_, pt) = patient(&h, 1).await;
    let slot = open_mornings(&h, &dr).await[0];
    h.book(&pt, booking(&dr, None, &slot), now()).await.expect("a booking queues e-mails");
    let email = h.emails_due(now(), 10).await.unwrap().remove(0);
    let jobs =
        (0..8)
            .map(|i| {
                let h = h.clone();
                job(async move {
                    if i % 2 == 0 { h.email_sent(email.id, now()).await } else { h.email_failed(email.id, "timeout", now()).await }
                })
            })
            .collect();
    for r in all_at_once(jobs).await {
        r.expect("every report is taken");
    }
    let stored = h.emails_due(now() + Duration::days(30), 10).await.unwrap();
    assert!(!stored.iter().any(|e| e.id == email.id), "a sent e-mail is never due again");
    let reports = h.claim_emails(now() + Duration::days(30), 10, Duration::minutes(5)).await.unwrap();
    assert!(!reports.iter().any(|e| e.id == email.id));
    let last = h.email_sent(email.id, now()).await.unwrap();
    assert_eq!(last.attempts, 9, "eight reports and this one, none lost");
    assert!(last.sent_at.is_some());
}
