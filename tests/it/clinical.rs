//! The clinical record's pregnancy and kidney function: recorded, read back, cleared, validated,
//! and kept through a booking (which reads the patient with the doctor's schedule), on both backends.

use hms::{Egfr, ErrorKind, PatientUpdate};

use crate::common::{admin, doctor, now, on_both, open_mornings, patient};

on_both!(pregnancy_and_egfr_are_recorded_read_and_cleared);

async fn pregnancy_and_egfr_are_recorded_read_and_cleared(h: hms::Hospital) {
    let admin = admin(&h).await;
    let (pu, pt) = patient(&h, 1).await;
    let id = pu.id.as_patient();
    let clinical = h.patient(&pt, id, now()).await.unwrap().clinical.unwrap();
    assert_eq!((clinical.pregnancy_noted_on, clinical.egfr), (None, None), "neither is recorded at registration");

    let day = now().date_naive() - chrono::Duration::days(30);
    let egfr = Egfr { value: 42, measured_on: now().date_naive() - chrono::Duration::days(3) };
    let update = PatientUpdate { pregnancy_noted_on: Some(Some(day)), egfr: Some(Some(egfr)), ..Default::default() };
    let p = h.update_patient(&admin, id, update, Some(&[1]), now()).await.unwrap();
    assert_eq!(p.version, 2);
    let read = h.patient(&pt, id, now()).await.unwrap().clinical.unwrap();
    assert_eq!((read.pregnancy_noted_on, read.egfr), (Some(day), Some(egfr)));

    // Bad values name their field and change nothing.
    let tomorrow = now().date_naive() + chrono::Duration::days(1);
    for (update, field) in [
        (PatientUpdate { egfr: Some(Some(Egfr { value: 0, ..egfr })), ..Default::default() }, "egfr.value"),
        (PatientUpdate { egfr: Some(Some(Egfr { value: 251, ..egfr })), ..Default::default() }, "egfr.value"),
        (PatientUpdate { egfr: Some(Some(Egfr { measured_on: tomorrow, ..egfr })), ..Default::default() }, "egfr.measured_on"),
        (PatientUpdate { pregnancy_noted_on: Some(Some(tomorrow)), ..Default::default() }, "pregnancy_noted_on"),
    ] {
        let e = h.update_patient(&admin, id, update, None, now()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid);
        assert_eq!(e.field_errors()[0].field, field);
    }
    assert_eq!(h.patient(&admin, id, now()).await.unwrap().version, 2, "nothing changed");

    // A booking reads the patient beside the doctor's schedule; the record comes through whole.
    let (_, dr) = doctor(&h, 1).await;
    let slots = open_mornings(&h, &dr).await;
    let booking = hms::BookingInput {
        doctor_id: dr.id().as_doctor(),
        patient_id: None,
        starts_at: slots[0].start,
        reason: "check-up".into(),
        notes: String::new(),
    };
    h.book(&pt, booking, now()).await.unwrap();
    assert_eq!(h.patient(&pt, id, now()).await.unwrap().clinical.unwrap().egfr, Some(egfr));

    // Absent fields stay; `Some(None)` clears.
    let p =
        h.update_patient(&pt, id, PatientUpdate { address: Some("2 Low Road".into()), ..Default::default() }, None, now()).await.unwrap();
    assert_eq!(p.clinical.unwrap().egfr, Some(egfr));
    let cleared = PatientUpdate { pregnancy_noted_on: Some(None), egfr: Some(None), ..Default::default() };
    let c = h.update_patient(&pt, id, cleared, None, now()).await.unwrap().clinical.unwrap();
    assert_eq!((c.pregnancy_noted_on, c.egfr), (None, None));
}
