//! `/api/doctors`: public profiles, one's own profile, availability and free slots.

use chrono::{DateTime, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use uuid::Uuid;

use super::{Created, Tag, created};
use crate::AppState;
use crate::auth::{BearerAuth, optional_caller};
use crate::dto::{Availability, AvailabilityRequest, Doctor, DoctorPatch, Exception, ExceptionRequest, Page, Slot, decimal, page};
use crate::error::{ApiError, ApiResult};

/// Doctors.
pub struct DoctorsApi;

fn availability(state: &AppState, a: hms_core::Availability) -> Availability {
    Availability {
        time_zone: state.hospital.config().time_zone.to_string(),
        rules: a.rules.into_iter().map(Into::into).collect(),
        exceptions: a.exceptions.into_iter().map(Into::into).collect(),
    }
}

fn my_doctor_id(auth: &BearerAuth) -> ApiResult<hms_core::DoctorId> {
    auth.0.actor.doctor_id().ok_or_else(|| hms_core::Error::not_found(hms_core::EntityKind::Doctor).into())
}

#[OpenApi(prefix_path = "/api/doctors", tag = "Tag::Doctors")]
impl DoctorsApi {
    /// List doctors
    ///
    /// Open to anonymous callers. Filter by specialization and whether they accept bookings.
    #[oai(path = "/", method = "get")]
    async fn list(
        &self,
        req: &Request,
        state: Data<&AppState>,
        specialization: Query<Option<String>>,
        accepting: Query<Option<bool>>,
        #[oai(name = "page", validator(minimum(value = "1"), maximum(value = "1000000")))] p: Query<Option<u32>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Doctor>>> {
        let caller = optional_caller(req, &state).await;
        let filter = hms_core::DoctorFilter { specialization: specialization.0, accepting: accepting.0, include_inactive: false };
        let list = state.hospital.list_doctors(caller.as_ref().map(|c| &c.actor), filter, page(p.0, page_size.0)?).await?;
        Ok(Json(Page::from_core(list, Into::into)))
    }

    /// One's own doctor profile
    #[oai(path = "/me", method = "get")]
    async fn me(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<Doctor>> {
        let id = my_doctor_id(&auth)?;
        Ok(Json(state.hospital.doctor(Some(&auth.0.actor), id).await?.into()))
    }

    /// Edit one's own doctor profile
    #[oai(path = "/me", method = "patch")]
    async fn patch_me(&self, state: Data<&AppState>, auth: BearerAuth, body: Json<DoctorPatch>) -> ApiResult<Json<Doctor>> {
        let id = my_doctor_id(&auth)?;
        let b = body.0;
        let update = hms_core::DoctorUpdate {
            specialization: b.specialization,
            years_of_experience: b.years_of_experience,
            consultation_fee: b.consultation_fee.as_deref().map(|f| decimal("consultation_fee", f)).transpose()?,
            bio: b.bio,
            accepting_appointments: b.accepting_appointments,
        };
        Ok(Json(state.hospital.update_doctor(&auth.0.actor, id, update, state.now()).await?.into()))
    }

    /// Replace one's own weekly availability
    ///
    /// Rules are read in the hospital's time zone. Existing bookings are kept.
    #[oai(path = "/me/availability", method = "put")]
    async fn put_availability(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<AvailabilityRequest>,
    ) -> ApiResult<Json<Availability>> {
        let id = my_doctor_id(&auth)?;
        let rules = body.0.rules.into_iter().enumerate().map(|(i, r)| r.into_core(i)).collect::<Result<Vec<_>, ApiError>>()?;
        let a = state.hospital.set_availability(&auth.0.actor, id, rules, state.now()).await?;
        Ok(Json(availability(&state, a)))
    }

    /// Add time off to one's own availability
    #[oai(path = "/me/exceptions", method = "post")]
    async fn add_exception(&self, state: Data<&AppState>, auth: BearerAuth, body: Json<ExceptionRequest>) -> ApiResult<Created<Exception>> {
        let id = my_doctor_id(&auth)?;
        let b = body.0;
        let input = hms_core::ExceptionInput { starts_at: b.starts_at, ends_at: b.ends_at, reason: b.reason };
        let exception = state.hospital.add_exception(&auth.0.actor, id, input, state.now()).await?;
        Ok(created(exception.into(), format!("/api/doctors/{id}/availability")))
    }

    /// One doctor's public profile
    #[oai(path = "/:id", method = "get")]
    async fn get(&self, req: &Request, state: Data<&AppState>, id: Path<Uuid>) -> ApiResult<Json<Doctor>> {
        let caller = optional_caller(req, &state).await;
        Ok(Json(state.hospital.doctor(caller.as_ref().map(|c| &c.actor), id.0.into()).await?.into()))
    }

    /// A doctor's weekly availability and exceptions
    #[oai(path = "/:id/availability", method = "get")]
    async fn get_availability(&self, state: Data<&AppState>, id: Path<Uuid>) -> ApiResult<Json<Availability>> {
        let a = state.hospital.availability(id.0.into(), state.now()).await?;
        Ok(Json(availability(&state, a)))
    }

    /// A doctor's free slots between two instants
    ///
    /// At most 62 days; only slots that start in the future.
    #[oai(path = "/:id/slots", method = "get")]
    async fn slots(
        &self,
        state: Data<&AppState>,
        id: Path<Uuid>,
        from: Query<DateTime<Utc>>,
        to: Query<DateTime<Utc>>,
    ) -> ApiResult<Json<Vec<Slot>>> {
        let slots = state.hospital.free_slots(id.0.into(), from.0, to.0, state.now()).await?;
        Ok(Json(slots.into_iter().map(|s| Slot { start: s.start, end: s.end }).collect()))
    }
}
