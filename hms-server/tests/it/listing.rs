//! The public doctor listing, answered from memory for a short while: the same answer as the
//! database gives, and changes made through the server show at once.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

async fn public_listing_is_cached_and_cleared_on_change(s: &TestServer) {
    let (dr, dr_id) = s.doctor(1).await;
    let (status, first) = s.get("/api/doctors?specialization=cardiology", None).await;
    assert_eq!((status, first["total"].as_u64()), (StatusCode::OK, Some(1)), "{first}");
    assert_eq!(first["items"][0]["id"], dr_id.as_str());
    let (_, again) = s.get("/api/doctors?specialization=Cardiology", None).await;
    assert_eq!(again, first, "the same query, whatever its case, has the same answer");

    // A new doctor, a changed profile and a deactivation all show at once.
    s.doctor(2).await;
    let (_, two) = s.get("/api/doctors?specialization=cardiology", None).await;
    assert_eq!(two["total"], 2, "{two}");
    let (status, _) = s.patch("/api/doctors/me", Some(&dr), json!({"specialization": "Neurology"})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, one) = s.get("/api/doctors?specialization=cardiology", None).await;
    assert_eq!(one["total"], 1, "{one}");
    let (_, neuro) = s.get("/api/doctors?specialization=neurology", None).await;
    assert_eq!(neuro["items"][0]["id"], dr_id.as_str());
    let admin = s.admin().await;
    let (status, _) = s.patch(&format!("/api/users/{dr_id}"), Some(&admin), json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, none) = s.get("/api/doctors?specialization=neurology", None).await;
    assert_eq!(none["total"], 0, "{none}");
    // A query outside the document is still refused, not cached.
    let (status, _) = s.get("/api/doctors?page_size=0", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

on_both!(public_listing_is_cached_and_cleared_on_change);
