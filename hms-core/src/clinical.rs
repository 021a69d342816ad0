//! Clinical records: append-only visit notes and document metadata (the bytes live in a blob store).

use chrono::{DateTime, Utc};

use crate::error::FieldError;
use crate::ids::{AppointmentId, DocumentId, NoteId, PatientId, UserId};

crate::code_enum! {
    /// Who a note is written by and for.
    pub enum NoteKind {
        /// A doctor's clinical note.
        Clinical = "clinical",
        /// A nurse's note.
        Nursing = "nursing",
    }
}

/// A visit note. Notes are never edited: a correction is a new note pointing at the one it corrects.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct VisitNote {
    /// The note's id.
    pub id: NoteId,
    /// The patient it is about.
    pub patient_id: PatientId,
    /// The appointment it belongs to, if any.
    pub appointment_id: Option<AppointmentId>,
    /// Who wrote it.
    pub author_id: UserId,
    /// Clinical or nursing.
    pub kind: NoteKind,
    /// The text.
    pub text: String,
    /// The note this one corrects, if any.
    pub corrects: Option<NoteId>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

crate::code_enum! {
    /// What a document is.
    pub enum DocumentKind {
        /// A laboratory result.
        Lab = "lab",
        /// An imaging scan.
        Scan = "scan",
        /// A prescription document.
        Prescription = "prescription",
        /// Anything else.
        Other = "other",
    }
}

/// The content types a document may have.
pub const ALLOWED_CONTENT_TYPES: &[&str] = &["application/pdf", "image/png", "image/jpeg", "image/tiff", "text/plain", "application/dicom"];

/// The largest document hms accepts by default, in bytes (20 MiB).
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 20 * 1024 * 1024;

/// Checks a file name: 1–255 characters, no path separators or control characters.
pub fn parse_file_name(input: &str) -> Result<String, FieldError> {
    let s = input.trim();
    if s.is_empty() || s.chars().count() > 255 {
        return Err(FieldError::new("", "must be 1 to 255 characters"));
    }
    if s.contains(['/', '\\']) || s.chars().any(char::is_control) || s == "." || s == ".." {
        return Err(FieldError::new("", "must be a plain file name without a path"));
    }
    Ok(s.to_string())
}

/// A document's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Document {
    /// The document's id.
    pub id: DocumentId,
    /// The patient it belongs to.
    pub patient_id: PatientId,
    /// The appointment it belongs to, if any.
    pub appointment_id: Option<AppointmentId>,
    /// What it is.
    pub kind: DocumentKind,
    /// The uploaded file's name.
    pub file_name: String,
    /// Its content type (from the allow-list).
    pub content_type: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// Lower-case hex SHA-256 of the bytes; the blob store's key.
    pub sha256: String,
    /// A description.
    pub description: String,
    /// Who uploaded it.
    pub uploaded_by: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
}
