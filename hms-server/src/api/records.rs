//! Clinical records: `/api/patients/{id}/notes`, `/api/patients/{id}/documents`, `/api/documents/{id}`.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Attachment, AttachmentType, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{Multipart, OpenApi};
use uuid::Uuid;

use super::{Created, Tag, created};
use crate::AppState;
use crate::auth::BearerAuth;
use crate::dto::{Document, DocumentKind, Note, NoteRequest, Page, page};
use crate::error::{ApiError, ApiResult};

/// Visit notes and documents.
pub struct RecordsApi;

/// A document upload; other parts are refused.
#[derive(Debug, Multipart)]
#[oai(deny_unknown_fields)]
pub struct DocumentUpload {
    /// What it is.
    kind: DocumentKind,
    /// The appointment it belongs to.
    appointment_id: Option<Uuid>,
    /// A description.
    description: Option<String>,
    /// The file (PDF, PNG, JPEG, TIFF, plain text or DICOM).
    file: Upload,
}

#[OpenApi(tag = "Tag::ClinicalRecords")]
impl RecordsApi {
    /// Write a visit note
    ///
    /// Clinical notes by the patient's doctors and admins; nursing notes by nurses and admins. Notes are never edited: a correction is a new note.
    #[oai(path = "/api/patients/:id/notes", method = "post")]
    async fn write_note(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<NoteRequest>,
    ) -> ApiResult<Created<Note>> {
        let b = body.0;
        let input = hms_core::NoteInput {
            kind: b.kind.into(),
            appointment_id: b.appointment_id.map(Into::into),
            text: b.text,
            corrects: b.corrects.map(Into::into),
        };
        let note = state.hospital.write_note(&auth.0.actor, id.0.into(), input, state.now()).await?;
        Ok(created(note.into(), format!("/api/patients/{}/notes", id.0)))
    }

    /// A patient's visit notes
    #[oai(path = "/api/patients/:id/notes", method = "get")]
    async fn notes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "page", validator(minimum(value = "1"), maximum(value = "1000000")))] p: Query<Option<u32>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Note>>> {
        let list = state.hospital.notes(&auth.0.actor, id.0.into(), page(p.0, page_size.0)?, state.now()).await?;
        Ok(Json(Page::from_core(list, Into::into)))
    }

    /// Upload a document to a patient's record
    #[oai(path = "/api/patients/:id/documents", method = "post")]
    async fn upload(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<Uuid>, body: DocumentUpload) -> ApiResult<Created<Document>> {
        let file_name = body.file.file_name().unwrap_or("document").to_string();
        let content_type = body.file.content_type().unwrap_or("application/octet-stream").to_string();
        let bytes = body.file.into_vec().await.map_err(|_| ApiError::invalid("file", "could not be read"))?;
        let input = hms_core::DocumentInput {
            kind: body.kind.into(),
            appointment_id: body.appointment_id.map(Into::into),
            file_name,
            content_type,
            description: body.description.unwrap_or_default(),
            bytes,
        };
        let document = state.hospital.attach_document(&auth.0.actor, id.0.into(), input, state.now()).await?;
        let location = format!("/api/documents/{}", document.id);
        Ok(created(document.into(), location))
    }

    /// A patient's documents
    #[oai(path = "/api/patients/:id/documents", method = "get")]
    async fn documents(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "page", validator(minimum(value = "1"), maximum(value = "1000000")))] p: Query<Option<u32>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Document>>> {
        let list = state.hospital.documents(&auth.0.actor, id.0.into(), page(p.0, page_size.0)?, state.now()).await?;
        Ok(Json(Page::from_core(list, Into::into)))
    }

    /// One document's metadata
    #[oai(path = "/api/documents/:id", method = "get")]
    async fn document(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Json<Document>> {
        Ok(Json(state.hospital.document(&auth.0.actor, id.0.into(), state.now()).await?.into()))
    }

    /// Download a document
    ///
    /// The bytes, as an attachment; the download is audited.
    #[oai(path = "/api/documents/:id/content", method = "get")]
    async fn content(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Attachment<Vec<u8>>> {
        let (doc, bytes) = state.hospital.document_content(&auth.0.actor, id.0.into(), state.now()).await?;
        Ok(Attachment::new(bytes).attachment_type(AttachmentType::Attachment).filename(doc.file_name))
    }
}
