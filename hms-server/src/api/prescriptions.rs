//! `/api/prescriptions`.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use uuid::Uuid;

use super::Tag;
use crate::AppState;
use crate::auth::BearerAuth;
use crate::dto::{Page, Prescription, PrescriptionEdit, PrescriptionRequest, page};
use crate::error::ApiResult;

/// Prescriptions.
pub struct PrescriptionsApi;

#[OpenApi(prefix_path = "/api/prescriptions", tag = "Tag::Prescriptions")]
impl PrescriptionsApi {
    /// Write a prescription
    ///
    /// For a confirmed or completed appointment of the calling doctor; one per appointment.
    #[oai(path = "/", method = "post")]
    async fn write(&self, state: Data<&AppState>, auth: BearerAuth, body: Json<PrescriptionRequest>) -> ApiResult<Json<Prescription>> {
        let b = body.0;
        let appointment = b.appointment_id.into();
        let input =
            PrescriptionEdit { diagnosis: b.diagnosis, medications: b.medications, instructions: b.instructions, follow_up: b.follow_up };
        Ok(Json(state.hospital.write_prescription(&auth.0.actor, appointment, input.into(), state.now()).await?.into()))
    }

    /// List prescriptions
    ///
    /// Doctors see those they wrote, patients their own.
    #[oai(path = "/", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        doctor_id: Query<Option<Uuid>>,
        patient_id: Query<Option<Uuid>>,
        #[oai(name = "page")] p: Query<Option<u32>>,
        page_size: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Prescription>>> {
        let filter = hms_core::PrescriptionFilter { doctor_id: doctor_id.0.map(Into::into), patient_id: patient_id.0.map(Into::into) };
        let list = state.hospital.list_prescriptions(&auth.0.actor, filter, page(p.0, page_size.0)?, state.now()).await?;
        Ok(Json(Page::from_core(list, Into::into)))
    }

    /// One prescription
    #[oai(path = "/:id", method = "get")]
    async fn get(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<Prescription>> {
        Ok(Json(state.hospital.prescription(&auth.0.actor, id.0.into(), state.now()).await?.into()))
    }

    /// Edit a prescription
    ///
    /// Its doctor only; the revision grows by one.
    #[oai(path = "/:id", method = "put")]
    async fn edit(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<PrescriptionEdit>,
    ) -> ApiResult<Json<Prescription>> {
        Ok(Json(state.hospital.edit_prescription(&auth.0.actor, id.0.into(), body.0.into(), state.now()).await?.into()))
    }
}
