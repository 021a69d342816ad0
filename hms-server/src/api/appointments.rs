//! `/api/appointments`: booking and the lifecycle.

use chrono::{DateTime, Utc};
use hms_core::Transition;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use uuid::Uuid;

use super::{Created, Tag, Tagged, created_versioned, tagged};
use crate::AppState;
use crate::auth::BearerAuth;
use crate::dto::{Appointment, AppointmentStatus, BookRequest, Page, ReasonRequest, page};
use crate::error::ApiResult;

/// Appointments.
pub struct AppointmentsApi;

async fn step(
    state: &AppState,
    auth: &BearerAuth,
    id: Uuid,
    step: Transition,
    reason: Option<String>,
    expected: &Header<Option<String>>,
) -> ApiResult<Tagged<Appointment>> {
    let expected = super::expected(expected);
    let appointment = state.hospital.transition(&auth.0.actor, id.into(), step, reason, expected.as_deref(), state.now()).await?;
    Ok(tagged(appointment))
}

#[OpenApi(prefix_path = "/api/appointments", tag = "Tag::Appointments")]
impl AppointmentsApi {
    /// Book an appointment
    ///
    /// `starts_at` must be the start of one of the doctor's free slots. A slot already taken answers 409.
    #[oai(path = "/", method = "post")]
    async fn book(&self, state: Data<&AppState>, auth: BearerAuth, body: Json<BookRequest>) -> ApiResult<Created<Appointment>> {
        let b = body.0;
        let input = hms_core::BookingInput {
            doctor_id: b.doctor_id.into(),
            patient_id: b.patient_id.map(Into::into),
            starts_at: b.starts_at,
            reason: b.reason,
            notes: b.notes,
        };
        let appointment = state.hospital.book(&auth.0.actor, input, state.now()).await?;
        let location = format!("/api/appointments/{}", appointment.id);
        Ok(created_versioned(appointment, location))
    }

    /// List appointments
    ///
    /// Doctors and patients see their own; staff who handle bookings see all.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        status: Query<Option<AppointmentStatus>>,
        doctor_id: Query<Option<Uuid>>,
        patient_id: Query<Option<Uuid>>,
        from: Query<Option<DateTime<Utc>>>,
        to: Query<Option<DateTime<Utc>>>,
        #[oai(name = "page", validator(minimum(value = "1"), maximum(value = "1000000")))] p: Query<Option<u32>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Appointment>>> {
        let filter = hms_core::AppointmentFilter {
            statuses: status.0.map(Into::into).into_iter().collect(),
            doctor_id: doctor_id.0.map(Into::into),
            patient_id: patient_id.0.map(Into::into),
            from: from.0,
            to: to.0,
            ..Default::default()
        };
        let list = state.hospital.list_appointments(&auth.0.actor, filter, page(p.0, page_size.0)?, state.now()).await?;
        Ok(Json(Page::from_core(list, Into::into)))
    }

    /// One appointment
    #[oai(path = "/:id", method = "get")]
    async fn get(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Tagged<Appointment>> {
        let appointment = state.hospital.appointment(&auth.0.actor, id.0.into(), state.now()).await?;
        Ok(tagged(appointment))
    }

    /// Confirm a pending appointment
    #[oai(path = "/:id/confirm", method = "post")]
    async fn confirm(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<Appointment>> {
        step(&state, &auth, id.0, Transition::Confirm, None, &if_match_header).await
    }

    /// Reject a pending appointment
    #[oai(path = "/:id/reject", method = "post")]
    async fn reject(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<ReasonRequest>,
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<Appointment>> {
        step(&state, &auth, id.0, Transition::Reject, body.0.reason, &if_match_header).await
    }

    /// Cancel an appointment
    ///
    /// Before it ends; a patient only before it starts (later, the patient is refused). The slot is free again at once.
    #[oai(path = "/:id/cancel", method = "post")]
    async fn cancel(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<ReasonRequest>,
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<Appointment>> {
        step(&state, &auth, id.0, Transition::Cancel, body.0.reason, &if_match_header).await
    }

    /// Mark a confirmed appointment completed
    ///
    /// Only once it has started.
    #[oai(path = "/:id/complete", method = "post")]
    async fn complete(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<Appointment>> {
        step(&state, &auth, id.0, Transition::Complete, None, &if_match_header).await
    }

    /// Mark a confirmed appointment as a no-show
    ///
    /// Only once it has started.
    #[oai(path = "/:id/no-show", method = "post")]
    async fn no_show(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<Appointment>> {
        step(&state, &auth, id.0, Transition::NoShow, None, &if_match_header).await
    }
}
