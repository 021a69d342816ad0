//! Clinical records: append-only visit notes and documents.

use chrono::{DateTime, Utc};

use crate::audit::AuditAction;
use crate::clinical::{ALLOWED_CONTENT_TYPES, Document, DocumentKind, NoteKind, VisitNote, parse_file_name};
use crate::error::{Error, Result, Validator};
use crate::hospital::{Audit, Hospital};
use crate::ids::{AppointmentId, DocumentId, EntityKind, NoteId, PatientId};
use crate::page::{Page, PageRequest};
use crate::policy::{Action, Actor};
use crate::ports::{Tx, TxMode};
use crate::values::{optional_text, required_text};

/// A new visit note.
#[derive(Debug, Clone)]
pub struct NoteInput {
    /// Clinical (doctors) or nursing (nurses).
    pub kind: NoteKind,
    /// The appointment it belongs to, if any (must be the patient's).
    pub appointment_id: Option<AppointmentId>,
    /// The text.
    pub text: String,
    /// The note this one corrects, if any (must be the patient's).
    pub corrects: Option<NoteId>,
}

/// A new document.
#[derive(Debug, Clone)]
pub struct DocumentInput {
    /// What it is.
    pub kind: DocumentKind,
    /// The appointment it belongs to, if any (must be the patient's).
    pub appointment_id: Option<AppointmentId>,
    /// The file's name.
    pub file_name: String,
    /// Its content type.
    pub content_type: String,
    /// A description.
    pub description: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl Hospital {
    async fn check_appointment_of(&self, tx: &mut dyn Tx, patient: PatientId, appointment: Option<AppointmentId>) -> Result<()> {
        if let Some(id) = appointment {
            match tx.appointment(id).await? {
                Some(a) if a.patient_id == patient => {}
                _ => return Err(Error::invalid("appointment_id", "is not an appointment of this patient")),
            }
        }
        Ok(())
    }

    /// Writes a visit note: clinical notes by admins and the patient's doctors, nursing notes by nurses and admins.
    pub async fn write_note(&self, actor: &Actor, patient: PatientId, input: NoteInput, now: DateTime<Utc>) -> Result<VisitNote> {
        let action = match input.kind {
            NoteKind::Clinical => Action::WriteClinicalNote,
            NoteKind::Nursing => Action::WriteNursingNote,
        };
        self.guard(actor, action, EntityKind::Note, now).await?;
        let text = required_text(&input.text, 20_000).map_err(|e| Error::Invalid(vec![e.under("text")]))?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            self.authorize_patient(&mut *tx, actor, action, EntityKind::Note, patient).await?;
            self.check_appointment_of(&mut *tx, patient, input.appointment_id).await?;
            if let Some(c) = input.corrects {
                match tx.note(c).await? {
                    Some(n) if n.patient_id == patient => {}
                    _ => return Err(Error::invalid("corrects", "is not a note of this patient")),
                }
            }
            let note = VisitNote {
                id: NoteId::new(),
                patient_id: patient,
                appointment_id: input.appointment_id,
                author_id: actor.id(),
                kind: input.kind,
                text,
                corrects: input.corrects,
                created_at: now,
            };
            tx.insert_note(&note).await?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Create, "note.write", EntityKind::Note, note.id).patient(patient),
                now,
            )
            .await?;
            Ok(note)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// A patient's visit notes, newest first; the read is audited.
    pub async fn notes(&self, actor: &Actor, patient: PatientId, page: PageRequest, now: DateTime<Utc>) -> Result<Page<VisitNote>> {
        self.guard(actor, Action::ReadRecords, EntityKind::Note, now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            self.authorize_patient(&mut *tx, actor, Action::ReadRecords, EntityKind::Note, patient).await?;
            let notes = tx.list_notes(patient, page).await?;
            self.audit(&mut *tx, Some(actor), Audit::new(AuditAction::Read, "note.list", EntityKind::Note, patient).patient(patient), now)
                .await?;
            Ok(notes)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Attaches a document to a patient's record. The bytes go to the blob store (content addressed,
    /// so a retry stores nothing twice); the metadata is written in one transaction.
    pub async fn attach_document(&self, actor: &Actor, patient: PatientId, input: DocumentInput, now: DateTime<Utc>) -> Result<Document> {
        self.guard(actor, Action::UploadDocument, EntityKind::Document, now).await?;
        let mut v = Validator::new();
        let file_name = v.check("file_name", parse_file_name(&input.file_name));
        let content_type = input.content_type.trim().to_ascii_lowercase();
        let content_type = content_type.split(';').next().unwrap_or_default().trim().to_string();
        v.ensure(
            ALLOWED_CONTENT_TYPES.contains(&content_type.as_str()),
            "content_type",
            "must be one of: application/pdf, image/png, image/jpeg, image/tiff, text/plain, application/dicom",
        );
        v.ensure(!input.bytes.is_empty(), "file", "must not be empty");
        v.ensure(
            input.bytes.len() as u64 <= self.config.max_document_bytes,
            "file",
            &format!("must be at most {} bytes", self.config.max_document_bytes),
        );
        let description = v.check("description", optional_text(&input.description, 1000));
        v.finish()?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            // Access is checked before any byte is stored.
            self.authorize_patient(&mut *tx, actor, Action::UploadDocument, EntityKind::Document, patient).await?;
            self.check_appointment_of(&mut *tx, patient, input.appointment_id).await?;
            let sha256 = self.blobs.put(&input.bytes).await?;
            let document = Document {
                id: DocumentId::new(),
                patient_id: patient,
                appointment_id: input.appointment_id,
                kind: input.kind,
                file_name: file_name.unwrap_or_default(),
                content_type,
                size_bytes: input.bytes.len() as u64,
                sha256,
                description: description.unwrap_or_default(),
                uploaded_by: actor.id(),
                created_at: now,
            };
            tx.insert_document(&document).await?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Create, "document.upload", EntityKind::Document, document.id).patient(patient),
                now,
            )
            .await?;
            Ok(document)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// A patient's documents (metadata), newest first; the read is audited.
    pub async fn documents(&self, actor: &Actor, patient: PatientId, page: PageRequest, now: DateTime<Utc>) -> Result<Page<Document>> {
        self.guard(actor, Action::ReadRecords, EntityKind::Document, now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            self.authorize_patient(&mut *tx, actor, Action::ReadRecords, EntityKind::Document, patient).await?;
            let docs = tx.list_documents(patient, page).await?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Read, "document.list", EntityKind::Document, patient).patient(patient),
                now,
            )
            .await?;
            Ok(docs)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    async fn load_document(&self, tx: &mut dyn Tx, actor: &Actor, id: DocumentId) -> Result<Document> {
        let document = tx.document(id).await?.ok_or(Error::not_found(EntityKind::Document))?;
        self.authorize_patient(tx, actor, Action::ReadRecords, EntityKind::Document, document.patient_id).await?;
        Ok(document)
    }

    /// One document's metadata.
    pub async fn document(&self, actor: &Actor, id: DocumentId, now: DateTime<Utc>) -> Result<Document> {
        self.guard(actor, Action::ReadRecords, EntityKind::Document, now).await?;
        let mut tx = self.begin(TxMode::Read).await?;
        let result = self.load_document(&mut *tx, actor, id).await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// One document's metadata and bytes; the download is audited.
    pub async fn document_content(&self, actor: &Actor, id: DocumentId, now: DateTime<Utc>) -> Result<(Document, Vec<u8>)> {
        self.guard(actor, Action::ReadRecords, EntityKind::Document, now).await?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let document = self.load_document(&mut *tx, actor, id).await?;
            let bytes = self
                .blobs
                .get(&document.sha256)
                .await?
                .ok_or_else(|| Error::internal(format!("the bytes of document {id} are missing from the blob store")))?;
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Export, "document.download", EntityKind::Document, id).patient(document.patient_id),
                now,
            )
            .await?;
            Ok((document, bytes))
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }
}
