//! `/api/doctors`: public profiles, one's own profile, availability and free slots.

use chrono::{DateTime, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use uuid::Uuid;

use super::{Created, Tag, Tagged, created, expected, tagged};
use crate::AppState;
use crate::auth::{BearerAuth, optional_caller};
use crate::cache::JsonBytes;
use crate::dto::{Availability, AvailabilityRequest, Doctor, DoctorPatch, Exception, ExceptionRequest, Marked, Page, Slot, decimal, page};
use crate::error::ApiResult;

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

/// The caller's own doctor id for an edit, once the policy lets the caller's role edit doctors at
/// all: a nurse's or a patient's attempt is a refusal (403, audited), not a missing profile.
async fn my_doctor_to_edit(state: &AppState, auth: &BearerAuth, entity: hms_core::EntityKind) -> ApiResult<hms_core::DoctorId> {
    state.hospital.ensure_may(&auth.0.actor, hms_core::Action::EditDoctor, entity, state.now()).await?;
    my_doctor_id(auth)
}

fn doctor_update(b: DoctorPatch) -> ApiResult<hms_core::DoctorUpdate> {
    Ok(hms_core::DoctorUpdate {
        specialization: b.specialization,
        years_of_experience: b.years_of_experience,
        consultation_fee: b.consultation_fee.as_deref().map(|f| decimal("consultation_fee", f)).transpose()?,
        bio: b.bio,
        accepting_appointments: b.accepting_appointments,
    })
}

fn availability_rules(body: AvailabilityRequest) -> ApiResult<Vec<hms_core::AvailabilityRule>> {
    body.rules.into_iter().enumerate().map(|(i, r)| r.into_core(i)).collect()
}

fn exception_input(b: ExceptionRequest) -> hms_core::ExceptionInput {
    hms_core::ExceptionInput { starts_at: b.starts_at, ends_at: b.ends_at, reason: b.reason }
}

#[OpenApi(prefix_path = "/api/doctors", tag = "Tag::Doctors")]
impl DoctorsApi {
    /// List doctors
    ///
    /// Open to anonymous callers. Filter by specialization and whether they accept bookings.
    #[oai(path = "/", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        specialization: Query<Option<String>>,
        accepting: Query<Option<bool>>,
        #[oai(name = "page", validator(minimum(value = "1"), maximum(value = "1000000")))] p: Query<Option<u32>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<Option<u32>>,
    ) -> ApiResult<JsonBytes<Page<Doctor>>> {
        // The listing is the same for every caller (inactive doctors are never listed), so a
        // page is served from its serialized answer for a short while.
        let request = page(p.0, page_size.0)?;
        let specialization = specialization.0.map(|s| s.trim().to_lowercase());
        let key = (specialization.clone(), accepting.0, request.page(), request.per_page());
        let filter = hms_core::DoctorFilter { specialization, accepting: accepting.0, ..Default::default() };
        let answer = state
            .public_doctors
            .try_get_with(key, async {
                let list = state.hospital.list_doctors(None, filter, request).await?;
                Ok::<_, hms_core::Error>(JsonBytes::new(&Page::from_core(list, Into::into)))
            })
            .await
            .map_err(|e| hms_core::Error::clone(&e))?;
        Ok(answer)
    }

    /// One's own doctor profile
    #[oai(path = "/me", method = "get")]
    async fn me(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Tagged<Doctor>> {
        let id = my_doctor_id(&auth)?;
        let doctor = state.hospital.doctor(Some(&auth.0.actor), id).await?;
        Ok(tagged(doctor))
    }

    /// Edit one's own doctor profile
    #[oai(path = "/me", method = "patch")]
    async fn patch_me(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<DoctorPatch>,
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<Doctor>> {
        let id = my_doctor_to_edit(&state, &auth, hms_core::EntityKind::Doctor).await?;
        let update = doctor_update(body.0)?;
        let expected = expected(&if_match_header);
        let doctor = state.hospital.update_doctor(&auth.0.actor, id, update, expected.as_deref(), state.now()).await?;
        state.public_doctors.invalidate_all();
        Ok(tagged(doctor))
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
        let id = my_doctor_to_edit(&state, &auth, hms_core::EntityKind::Availability).await?;
        let rules = availability_rules(body.0)?;
        let a = state.hospital.set_availability(&auth.0.actor, id, rules, state.now()).await?;
        Ok(Json(availability(&state, a)))
    }

    /// Add time off to one's own availability
    #[oai(path = "/me/exceptions", method = "post")]
    async fn add_exception(&self, state: Data<&AppState>, auth: BearerAuth, body: Json<ExceptionRequest>) -> ApiResult<Created<Exception>> {
        let id = my_doctor_to_edit(&state, &auth, hms_core::EntityKind::Availability).await?;
        let exception = state.hospital.add_exception(&auth.0.actor, id, exception_input(body.0), state.now()).await?;
        Ok(created(exception.into(), format!("/api/doctors/{id}/availability")))
    }

    /// Remove time off from one's own availability
    #[oai(path = "/me/exceptions/:exception_id", method = "delete")]
    async fn remove_exception(&self, state: Data<&AppState>, auth: BearerAuth, exception_id: Path<Uuid>) -> ApiResult<Json<Marked>> {
        let id = my_doctor_to_edit(&state, &auth, hms_core::EntityKind::Availability).await?;
        state.hospital.remove_exception(&auth.0.actor, id, hms_core::ExceptionId::from_uuid(exception_id.0), state.now()).await?;
        Ok(Json(Marked { marked: 1 }))
    }

    /// Edit a doctor's profile
    ///
    /// Admins any doctor's; a doctor their own (as `PATCH /api/doctors/me` does).
    #[oai(path = "/:id", method = "patch")]
    async fn patch(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<DoctorPatch>,
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<Doctor>> {
        let update = doctor_update(body.0)?;
        let expected = expected(&if_match_header);
        let doctor = state.hospital.update_doctor(&auth.0.actor, id.0.into(), update, expected.as_deref(), state.now()).await?;
        state.public_doctors.invalidate_all();
        Ok(tagged(doctor))
    }

    /// Replace a doctor's weekly availability
    ///
    /// Admins any doctor's; a doctor their own. Rules are read in the hospital's time zone. Existing bookings are kept.
    #[oai(path = "/:id/availability", method = "put")]
    async fn put_doctor_availability(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<AvailabilityRequest>,
    ) -> ApiResult<Json<Availability>> {
        let rules = availability_rules(body.0)?;
        let a = state.hospital.set_availability(&auth.0.actor, id.0.into(), rules, state.now()).await?;
        Ok(Json(availability(&state, a)))
    }

    /// Add time off to a doctor's availability
    ///
    /// Admins any doctor's; a doctor their own.
    #[oai(path = "/:id/exceptions", method = "post")]
    async fn add_doctor_exception(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<ExceptionRequest>,
    ) -> ApiResult<Created<Exception>> {
        let exception = state.hospital.add_exception(&auth.0.actor, id.0.into(), exception_input(body.0), state.now()).await?;
        Ok(created(exception.into(), format!("/api/doctors/{}/availability", id.0)))
    }

    /// Remove time off from a doctor's availability
    ///
    /// Admins any doctor's; a doctor their own. Its slots are free again.
    #[oai(path = "/:id/exceptions/:exception_id", method = "delete")]
    async fn remove_doctor_exception(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        exception_id: Path<Uuid>,
    ) -> ApiResult<Json<Marked>> {
        let exception = hms_core::ExceptionId::from_uuid(exception_id.0);
        state.hospital.remove_exception(&auth.0.actor, id.0.into(), exception, state.now()).await?;
        Ok(Json(Marked { marked: 1 }))
    }

    /// One doctor's public profile
    #[oai(path = "/:id", method = "get")]
    async fn get(&self, req: &Request, state: Data<&AppState>, id: Path<Uuid>) -> ApiResult<Tagged<Doctor>> {
        let caller = optional_caller(req, &state).await;
        let doctor = state.hospital.doctor(caller.as_ref().map(|c| &c.actor), id.0.into()).await?;
        Ok(tagged(doctor))
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
