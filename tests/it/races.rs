//! Concurrency: many tasks booking one slot, on both backends.

use std::sync::Arc;

use hms::{AppointmentFilter, ErrorKind, Hospital, PageRequest, Role};

use crate::common::*;

on_both!(thirty_two_bookings_of_one_slot_one_wins);

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
