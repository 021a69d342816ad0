//! `/api/prescriptions`.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use uuid::Uuid;

use super::{Created, Tag, Tagged, created_versioned, expected, tagged};
use crate::AppState;
use crate::auth::BearerAuth;
use crate::dto::{Analysis, Page, Prescription, PrescriptionEdit, PrescriptionRequest, page};
use crate::error::ApiResult;

/// Prescriptions.
pub struct PrescriptionsApi;

#[OpenApi(prefix_path = "/api/prescriptions", tag = "Tag::Prescriptions")]
impl PrescriptionsApi {
    /// Write a prescription
    ///
    /// For a confirmed or completed appointment of the calling doctor; one per appointment.
    #[oai(path = "/", method = "post")]
    async fn write(&self, state: Data<&AppState>, auth: BearerAuth, body: Json<PrescriptionRequest>) -> ApiResult<Created<Prescription>> {
        let b = body.0;
        let appointment = b.appointment_id.into();
        let input =
            PrescriptionEdit { diagnosis: b.diagnosis, medications: b.medications, instructions: b.instructions, follow_up: b.follow_up };
        let prescription = state.hospital.write_prescription(&auth.0.actor, appointment, input.into(), state.now()).await?;
        let location = format!("/api/prescriptions/{}", prescription.id);
        Ok(created_versioned(prescription, location))
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
        #[oai(name = "page", validator(minimum(value = "1"), maximum(value = "1000000")))] p: Query<Option<u32>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Prescription>>> {
        let filter = hms_core::PrescriptionFilter { doctor_id: doctor_id.0.map(Into::into), patient_id: patient_id.0.map(Into::into) };
        let list = state.hospital.list_prescriptions(&auth.0.actor, filter, page(p.0, page_size.0)?, state.now()).await?;
        Ok(Json(Page::from_core(list, Into::into)))
    }

    /// One prescription
    #[oai(path = "/:id", method = "get")]
    async fn get(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Tagged<Prescription>> {
        let prescription = state.hospital.prescription(&auth.0.actor, id.0.into(), state.now()).await?;
        Ok(tagged(prescription))
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
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<Prescription>> {
        let expected = expected(&if_match_header);
        let prescription =
            state.hospital.edit_prescription(&auth.0.actor, id.0.into(), body.0.into(), expected.as_deref(), state.now()).await?;
        Ok(tagged(prescription))
    }

    /// Analyse a prescription
    ///
    /// Its doctor or an admin. Deterministic safety checks always run; an AI review of a
    /// de-identified copy joins them when an endpoint is configured, and its failure is reported
    /// beside the checks, never as an error. An unchanged prescription is answered from the stored
    /// analysis unless `fresh` is true. Every request is audited.
    #[oai(path = "/:id/analysis", method = "post")]
    async fn analyze(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        fresh: Query<Option<bool>>,
    ) -> ApiResult<Json<Analysis>> {
        let started = std::time::Instant::now();
        let analysed = state.hospital.analyze_prescription(&auth.0.actor, id.0.into(), fresh.0.unwrap_or(false), state.now()).await;
        crate::metrics::analysis(analysed.as_ref().map_or("error", |a| a.outcome.as_str()), started);
        Ok(Json(analysed?.into()))
    }

    /// The latest stored analysis of a prescription
    #[oai(path = "/:id/analysis", method = "get")]
    async fn latest_analysis(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<Analysis>> {
        match state.hospital.latest_analysis(&auth.0.actor, id.0.into(), state.now()).await? {
            Some(a) => Ok(Json(a.into())),
            None => Err(hms_core::Error::not_found(hms_core::EntityKind::Analysis).into()),
        }
    }
}
