//! E-mail: a real SMTP conversation with a sink on 127.0.0.1; each message arrives once.

use std::sync::{Arc, Mutex};

use hms_server::mail::{Mailer, dispatch_once};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

fn count(messages: &Arc<Mutex<Vec<String>>>, to: &str, subject: &str) -> usize {
    messages.lock().unwrap().iter().filter(|m| m.contains(&format!("To: {to}")) && m.contains(&format!("Subject: {subject}"))).count()
}

async fn booking_and_reminder_mail(s: &TestServer) {
    let (port, messages) = smtp_sink().await;
    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{port}"), "hms <no-reply@hms.localhost>").unwrap();
    let (dr, dr_id) = s.doctor(1).await;
    let (p1, _) = s.patient(1).await;
    // A slot tomorrow, so that the reminder is due today.
    let tomorrow = (s.now() + chrono::Duration::days(1)).date_naive().to_string();
    let slot = s.slots(&dr_id).await.into_iter().find(|x| x.starts_with(&tomorrow)).expect("a slot tomorrow");
    let (status, a) = s.post("/api/appointments", Some(&p1), json!({"doctor_id": dr_id, "starts_at": slot})).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let a_id = a["id"].as_str().unwrap();
    assert_eq!(dispatch_once(&s.hospital, &mailer).await.unwrap(), 2, "the patient and the doctor");
    assert_eq!(dispatch_once(&s.hospital, &mailer).await.unwrap(), 0, "nothing twice");
    assert_eq!(count(&messages, "patient1@example.org", "Appointment booked"), 1);
    assert_eq!(count(&messages, "doctor1@example.org", "Appointment booked"), 1);

    s.post(&format!("/api/appointments/{a_id}/confirm"), Some(&dr), json!({})).await;
    dispatch_once(&s.hospital, &mailer).await.unwrap();
    assert_eq!(count(&messages, "patient1@example.org", "Appointment confirmed"), 1);

    assert_eq!(s.hospital.queue_reminders(s.now()).await.unwrap(), 1);
    assert_eq!(s.hospital.queue_reminders(s.now()).await.unwrap(), 0);
    dispatch_once(&s.hospital, &mailer).await.unwrap();
    dispatch_once(&s.hospital, &mailer).await.unwrap();
    assert_eq!(count(&messages, "patient1@example.org", "Appointment reminder"), 1);
    assert_eq!(messages.lock().unwrap().len(), 4);
    assert!(s.hospital.emails_due(s.now() + chrono::Duration::days(1), 100).await.unwrap().is_empty(), "all sent, none left");
}

async fn a_dead_smtp_server_keeps_mail_queued(s: &TestServer) {
    let (dr, dr_id) = s.doctor(1).await;
    let _ = dr;
    let (p1, _) = s.patient(1).await;
    let slot = s.slots(&dr_id).await[0].clone();
    s.post("/api/appointments", Some(&p1), json!({"doctor_id": dr_id, "starts_at": slot})).await;
    // Nothing listens on this port.
    let port = { std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port() };
    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{port}"), "hms <no-reply@hms.localhost>").unwrap();
    assert_eq!(dispatch_once(&s.hospital, &mailer).await.unwrap(), 0);
    let later = s.now() + chrono::Duration::minutes(10);
    let queued = s.hospital.emails_due(later, 100).await.unwrap();
    assert_eq!(queued.len(), 2, "failed e-mails wait for their retry");
    assert!(queued.iter().all(|e| e.attempts == 1 && e.last_error.is_some()));
}

on_both!(booking_and_reminder_mail, a_dead_smtp_server_keeps_mail_queued);
