//! `/api/patients`: lists, records, edits; the front desk registers patients.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use uuid::Uuid;

use super::{Created, Tag, Tagged, created, expected, tagged};
use crate::AppState;
use crate::auth::BearerAuth;
use crate::dto::{NewPatientRequest, Page, Patient, PatientPatch, User, page};
use crate::error::ApiResult;

/// Patients.
pub struct PatientsApi;

fn my_patient_id(auth: &BearerAuth) -> ApiResult<hms_core::PatientId> {
    auth.0.actor.patient_id().ok_or_else(|| hms_core::Error::not_found(hms_core::EntityKind::Patient).into())
}

#[OpenApi(prefix_path = "/api/patients", tag = "Tag::Patients")]
impl PatientsApi {
    /// List patients
    ///
    /// Admins and nurses see all; the front desk sees demographics only; doctors their own patients; a patient themself.
    #[oai(path = "/", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        search: Query<Option<String>>,
        #[oai(name = "page", validator(minimum(value = "1"), maximum(value = "1000000")))] p: Query<Option<u32>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Patient>>> {
        let filter = hms_core::PatientFilter { search: search.0, ..Default::default() };
        let list = state.hospital.list_patients(&auth.0.actor, filter, page(p.0, page_size.0)?, state.now()).await?;
        Ok(Json(Page::from_core(list, Into::into)))
    }

    /// Register a patient at the front desk
    #[oai(path = "/", method = "post")]
    async fn create(&self, state: Data<&AppState>, auth: BearerAuth, body: Json<NewPatientRequest>) -> ApiResult<Created<User>> {
        let b = body.0;
        let r = hms_core::Registration {
            email: b.email,
            password: b.password,
            full_name: b.full_name,
            phone: b.phone,
            role: Some(hms_core::Role::Patient),
            doctor: None,
            patient: b.patient.map(|p| p.into_core()),
        };
        let user = state.hospital.register_patient(&auth.0.actor, r, state.now()).await?;
        let location = format!("/api/patients/{}", user.id);
        Ok(created(user.into(), location))
    }

    /// One's own patient record
    #[oai(path = "/me", method = "get")]
    async fn me(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Tagged<Patient>> {
        let id = my_patient_id(&auth)?;
        let patient = state.hospital.patient(&auth.0.actor, id, state.now()).await?;
        Ok(tagged(patient))
    }

    /// Edit one's own patient record
    #[oai(path = "/me", method = "patch")]
    async fn patch_me(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<PatientPatch>,
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<Patient>> {
        // A role that may never edit a patient (doctor, nurse) is refused (403, audited), not told it has no record.
        state.hospital.ensure_may(&auth.0.actor, hms_core::Action::EditPatient, hms_core::EntityKind::Patient, state.now()).await?;
        let id = my_patient_id(&auth)?;
        let expected = expected(&if_match_header);
        let patient = state.hospital.update_patient(&auth.0.actor, id, body.0.into(), expected.as_deref(), state.now()).await?;
        Ok(tagged(patient))
    }

    /// One patient's record
    ///
    /// Another patient's record answers 404, as a missing one does.
    #[oai(path = "/:id", method = "get")]
    async fn get(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Tagged<Patient>> {
        let patient = state.hospital.patient(&auth.0.actor, id.0.into(), state.now()).await?;
        Ok(tagged(patient))
    }

    /// Edit a patient record
    ///
    /// Admins all of it, the front desk demographics only, a patient their own.
    #[oai(path = "/:id", method = "patch")]
    async fn patch(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<PatientPatch>,
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<Patient>> {
        let expected = expected(&if_match_header);
        let patient = state.hospital.update_patient(&auth.0.actor, id.0.into(), body.0.into(), expected.as_deref(), state.now()).await?;
        Ok(tagged(patient))
    }
}
