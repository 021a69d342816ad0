//! The permission policy: DOMAIN's table, in one place, consulted by every workflow.
//!
//! A workflow names the [`Action`] and how the record relates to the actor ([`Relation`]);
//! [`decide`] answers with the [`Scope`] granted or a [`Denial`]. Roles without any grant for
//! an action are refused outright (forbidden); roles granted only their own records are refused
//! another's record as "not found", so that a refusal never reveals whether the record exists —
//! except for records anyone may read (doctors' profiles and availability), whose existence is no
//! secret: another's is refused outright.

use crate::ids::{DoctorId, PatientId, SessionId, UserId};
use crate::user::Role;

/// An authenticated user acting on hms. Built by [`crate::Hospital`] from an active account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    id: UserId,
    role: Role,
    session: Option<SessionId>,
    enrolment_only: bool,
}

impl Actor {
    /// An actor for an account already authenticated by the caller (a verified token, a login).
    /// The hospital's workflows re-check that the account exists and is active where it matters.
    pub fn new(id: UserId, role: Role) -> Self {
        Self { id, role, session: None, enrolment_only: false }
    }

    /// The same actor, acting through `session` (the session it signed in with).
    pub fn in_session(mut self, session: SessionId) -> Self {
        self.session = Some(session);
        self
    }

    /// The session this actor acts through, when known.
    pub fn session(&self) -> Option<SessionId> {
        self.session
    }

    /// Whether this actor signed in only to enrol a second factor (its role requires one and it
    /// has none yet): every workflow but enrolment, sign-out and its own sessions refuses it.
    pub fn enrolment_only(&self) -> bool {
        self.enrolment_only
    }

    /// The same actor, limited to enrolling a second factor.
    pub fn limited_to_enrolment(mut self) -> Self {
        self.enrolment_only = true;
        self
    }

    /// The acting user's id.
    pub fn id(&self) -> UserId {
        self.id
    }

    /// The acting user's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// This actor's doctor id, if the actor is a doctor.
    pub fn doctor_id(&self) -> Option<DoctorId> {
        (self.role == Role::Doctor).then(|| self.id.as_doctor())
    }

    /// This actor's patient id, if the actor is a patient.
    pub fn patient_id(&self) -> Option<PatientId> {
        (self.role == Role::Patient).then(|| self.id.as_patient())
    }
}

crate::code_enum! {
    /// Everything the policy decides on.
    pub enum Action {
        /// List or read doctors' public profiles.
        ReadDoctors = "doctor.read",
        /// Edit a doctor profile or availability.
        EditDoctor = "doctor.edit",
        /// List or read patients.
        ReadPatient = "patient.read",
        /// Edit a patient profile.
        EditPatient = "patient.edit",
        /// Register a patient at the desk.
        RegisterPatient = "patient.register",
        /// Read appointments.
        ReadAppointment = "appointment.read",
        /// Book an appointment.
        Book = "appointment.book",
        /// Confirm an appointment.
        Confirm = "appointment.confirm",
        /// Reject an appointment.
        Reject = "appointment.reject",
        /// Cancel an appointment.
        Cancel = "appointment.cancel",
        /// Mark an appointment completed.
        Complete = "appointment.complete",
        /// Mark an appointment as a no-show.
        NoShow = "appointment.no_show",
        /// Write a clinical note.
        WriteClinicalNote = "note.write_clinical",
        /// Write a nursing note.
        WriteNursingNote = "note.write_nursing",
        /// Read visit notes and documents.
        ReadRecords = "record.read",
        /// Upload a document.
        UploadDocument = "document.upload",
        /// Write or edit a prescription.
        WritePrescription = "prescription.write",
        /// Read prescriptions.
        ReadPrescription = "prescription.read",
        /// Ask for or read an AI analysis of a prescription.
        AnalyzePrescription = "prescription.analyze",
        /// Create or cancel invoices, record payments.
        ManageInvoices = "invoice.manage",
        /// Read invoices.
        ReadInvoice = "invoice.read",
        /// Read and mark one's notifications.
        Notifications = "notification.use",
        /// Read the dashboard.
        Dashboard = "dashboard.read",
        /// Read the audit log.
        ReadAudit = "audit.read",
        /// Create staff, list users, activate and deactivate accounts.
        AdminUsers = "user.admin",
        /// Export the hospital's records in bulk (for analytics).
        BulkExport = "data.export",
    }
}

/// How the record acted on relates to the actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// The actor's own record (for a doctor: their schedule, their appointments and those appointments' patients).
    Own,
    /// Someone else's record.
    Other,
}

/// What a grant covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Everything the action touches.
    Full,
    /// Patients' demographic details only, never the clinical ones.
    Demographics,
}

/// Why the policy refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Denial {
    /// The role may never do this: refuse openly (forbidden).
    Forbidden,
    /// The role may do this to its own records only, and this one is another's: answer as if it did not exist.
    Hidden,
}

/// The grant a role holds for an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    None,
    Own,
    All,
    Demographics,
}

fn grant(role: Role, action: Action) -> Grant {
    use Action as A;
    use Grant::{All, Demographics, None, Own};
    use Role::{Admin, Doctor, Nurse, Patient, Receptionist};
    match (action, role) {
        (A::ReadDoctors, _) => All,
        (A::EditDoctor, Admin) => All,
        (A::EditDoctor, Doctor) => Own,
        (A::ReadPatient, Admin | Nurse) => All,
        (A::ReadPatient, Receptionist) => Demographics,
        (A::ReadPatient, Doctor | Patient) => Own,
        (A::EditPatient, Admin) => All,
        (A::EditPatient, Receptionist) => Demographics,
        (A::EditPatient, Patient) => Own,
        (A::RegisterPatient, Admin | Receptionist) => All,
        (A::ReadAppointment, Admin | Nurse | Receptionist) => All,
        (A::ReadAppointment, Doctor | Patient) => Own,
        (A::Book, Admin | Receptionist) => All,
        (A::Book, Patient) => Own,
        (A::Confirm, Admin | Receptionist) => All,
        (A::Confirm, Doctor) => Own,
        (A::Reject, Admin) => All,
        (A::Reject, Doctor) => Own,
        (A::Cancel, Admin | Receptionist) => All,
        (A::Cancel, Doctor | Patient) => Own,
        (A::Complete, Admin) => All,
        (A::Complete, Doctor) => Own,
        (A::NoShow, Admin | Receptionist) => All,
        (A::NoShow, Doctor) => Own,
        (A::WriteClinicalNote, Admin) => All,
        (A::WriteClinicalNote, Doctor) => Own,
        (A::WriteNursingNote, Admin | Nurse) => All,
        (A::ReadRecords, Admin | Nurse) => All,
        (A::ReadRecords, Doctor | Patient) => Own,
        (A::UploadDocument, Admin | Nurse | Receptionist) => All,
        (A::UploadDocument, Doctor | Patient) => Own,
        (A::WritePrescription, Doctor) => Own,
        (A::ReadPrescription, Admin | Nurse) => All,
        (A::ReadPrescription, Doctor | Patient) => Own,
        (A::AnalyzePrescription, Admin) => All,
        (A::AnalyzePrescription, Doctor) => Own,
        (A::ManageInvoices, Admin | Receptionist) => All,
        (A::ReadInvoice, Admin | Receptionist) => All,
        (A::ReadInvoice, Patient) => Own,
        (A::Notifications, _) => Own,
        (A::Dashboard | A::ReadAudit | A::AdminUsers | A::BulkExport, Admin) => All,
        _ => None,
    }
}

/// Whether `action` acts on records every caller may read anyway (doctors' public profiles and
/// availability): refusing another's then hides nothing, so the refusal is open.
fn on_public_records(action: Action) -> bool {
    matches!(action, Action::EditDoctor)
}

/// Decides whether `role` may take `action` on a record related to it as `relation`.
pub fn decide(role: Role, action: Action, relation: Relation) -> Result<Scope, Denial> {
    match (grant(role, action), relation) {
        (Grant::All, _) => Ok(Scope::Full),
        (Grant::Demographics, _) => Ok(Scope::Demographics),
        (Grant::Own, Relation::Own) => Ok(Scope::Full),
        (Grant::Own, Relation::Other) if on_public_records(action) => Err(Denial::Forbidden),
        (Grant::Own, Relation::Other) => Err(Denial::Hidden),
        (Grant::None, _) => Err(Denial::Forbidden),
    }
}

/// Whether `role` holds any grant at all for `action` (the first check, before looking a record up).
pub fn may_ever(role: Role, action: Action) -> bool {
    grant(role, action) != Grant::None
}

/// Whether `role`'s grant for `action` covers every record, not only its own.
pub fn covers_all(role: Role, action: Action) -> bool {
    matches!(grant(role, action), Grant::All | Grant::Demographics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Relation::{Other, Own};
    use Role::{Admin, Doctor, Nurse, Patient, Receptionist};

    /// DOMAIN's table, written out cell by cell: (action, role, own, other), where each cell is
    /// `A` allowed in full, `D` demographics only, `-` refused openly, `H` refused as not found.
    const TABLE: &[(Action, Role, char, char)] = &[
        (Action::ReadDoctors, Admin, 'A', 'A'),
        (Action::ReadDoctors, Doctor, 'A', 'A'),
        (Action::ReadDoctors, Nurse, 'A', 'A'),
        (Action::ReadDoctors, Receptionist, 'A', 'A'),
        (Action::ReadDoctors, Patient, 'A', 'A'),
        (Action::EditDoctor, Admin, 'A', 'A'),
        (Action::EditDoctor, Doctor, 'A', '-'),
        (Action::EditDoctor, Nurse, '-', '-'),
        (Action::EditDoctor, Receptionist, '-', '-'),
        (Action::EditDoctor, Patient, '-', '-'),
        (Action::ReadPatient, Admin, 'A', 'A'),
        (Action::ReadPatient, Doctor, 'A', 'H'),
        (Action::ReadPatient, Nurse, 'A', 'A'),
        (Action::ReadPatient, Receptionist, 'D', 'D'),
        (Action::ReadPatient, Patient, 'A', 'H'),
        (Action::EditPatient, Admin, 'A', 'A'),
        (Action::EditPatient, Doctor, '-', '-'),
        (Action::EditPatient, Nurse, '-', '-'),
        (Action::EditPatient, Receptionist, 'D', 'D'),
        (Action::EditPatient, Patient, 'A', 'H'),
        (Action::RegisterPatient, Admin, 'A', 'A'),
        (Action::RegisterPatient, Doctor, '-', '-'),
        (Action::RegisterPatient, Nurse, '-', '-'),
        (Action::RegisterPatient, Receptionist, 'A', 'A'),
        (Action::RegisterPatient, Patient, '-', '-'),
        (Action::ReadAppointment, Admin, 'A', 'A'),
        (Action::ReadAppointment, Doctor, 'A', 'H'),
        (Action::ReadAppointment, Nurse, 'A', 'A'),
        (Action::ReadAppointment, Receptionist, 'A', 'A'),
        (Action::ReadAppointment, Patient, 'A', 'H'),
        (Action::Book, Admin, 'A', 'A'),
        (Action::Book, Doctor, '-', '-'),
        (Action::Book, Nurse, '-', '-'),
        (Action::Book, Receptionist, 'A', 'A'),
        (Action::Book, Patient, 'A', 'H'),
        (Action::Confirm, Admin, 'A', 'A'),
        (Action::Confirm, Doctor, 'A', 'H'),
        (Action::Confirm, Nurse, '-', '-'),
        (Action::Confirm, Receptionist, 'A', 'A'),
        (Action::Confirm, Patient, '-', '-'),
        (Action::Reject, Admin, 'A', 'A'),
        (Action::Reject, Doctor, 'A', 'H'),
        (Action::Reject, Nurse, '-', '-'),
        (Action::Reject, Receptionist, '-', '-'),
        (Action::Reject, Patient, '-', '-'),
        (Action::Cancel, Admin, 'A', 'A'),
        (Action::Cancel, Doctor, 'A', 'H'),
        (Action::Cancel, Nurse, '-', '-'),
        (Action::Cancel, Receptionist, 'A', 'A'),
        (Action::Cancel, Patient, 'A', 'H'),
        (Action::Complete, Admin, 'A', 'A'),
        (Action::Complete, Doctor, 'A', 'H'),
        (Action::Complete, Nurse, '-', '-'),
        (Action::Complete, Receptionist, '-', '-'),
        (Action::Complete, Patient, '-', '-'),
        (Action::NoShow, Admin, 'A', 'A'),
        (Action::NoShow, Doctor, 'A', 'H'),
        (Action::NoShow, Nurse, '-', '-'),
        (Action::NoShow, Receptionist, 'A', 'A'),
        (Action::NoShow, Patient, '-', '-'),
        (Action::WriteClinicalNote, Admin, 'A', 'A'),
        (Action::WriteClinicalNote, Doctor, 'A', 'H'),
        (Action::WriteClinicalNote, Nurse, '-', '-'),
        (Action::WriteClinicalNote, Receptionist, '-', '-'),
        (Action::WriteClinicalNote, Patient, '-', '-'),
        (Action::WriteNursingNote, Admin, 'A', 'A'),
        (Action::WriteNursingNote, Doctor, '-', '-'),
        (Action::WriteNursingNote, Nurse, 'A', 'A'),
        (Action::WriteNursingNote, Receptionist, '-', '-'),
        (Action::WriteNursingNote, Patient, '-', '-'),
        (Action::ReadRecords, Admin, 'A', 'A'),
        (Action::ReadRecords, Doctor, 'A', 'H'),
        (Action::ReadRecords, Nurse, 'A', 'A'),
        (Action::ReadRecords, Receptionist, '-', '-'),
        (Action::ReadRecords, Patient, 'A', 'H'),
        (Action::UploadDocument, Admin, 'A', 'A'),
        (Action::UploadDocument, Doctor, 'A', 'H'),
        (Action::UploadDocument, Nurse, 'A', 'A'),
        (Action::UploadDocument, Receptionist, 'A', 'A'),
        (Action::UploadDocument, Patient, 'A', 'H'),
        (Action::WritePrescription, Admin, '-', '-'),
        (Action::WritePrescription, Doctor, 'A', 'H'),
        (Action::WritePrescription, Nurse, '-', '-'),
        (Action::WritePrescription, Receptionist, '-', '-'),
        (Action::WritePrescription, Patient, '-', '-'),
        (Action::ReadPrescription, Admin, 'A', 'A'),
        (Action::ReadPrescription, Doctor, 'A', 'H'),
        (Action::ReadPrescription, Nurse, 'A', 'A'),
        (Action::ReadPrescription, Receptionist, '-', '-'),
        (Action::ReadPrescription, Patient, 'A', 'H'),
        (Action::AnalyzePrescription, Admin, 'A', 'A'),
        (Action::AnalyzePrescription, Doctor, 'A', 'H'),
        (Action::AnalyzePrescription, Nurse, '-', '-'),
        (Action::AnalyzePrescription, Receptionist, '-', '-'),
        (Action::AnalyzePrescription, Patient, '-', '-'),
        (Action::ManageInvoices, Admin, 'A', 'A'),
        (Action::ManageInvoices, Doctor, '-', '-'),
        (Action::ManageInvoices, Nurse, '-', '-'),
        (Action::ManageInvoices, Receptionist, 'A', 'A'),
        (Action::ManageInvoices, Patient, '-', '-'),
        (Action::ReadInvoice, Admin, 'A', 'A'),
        (Action::ReadInvoice, Doctor, '-', '-'),
        (Action::ReadInvoice, Nurse, '-', '-'),
        (Action::ReadInvoice, Receptionist, 'A', 'A'),
        (Action::ReadInvoice, Patient, 'A', 'H'),
        (Action::Notifications, Admin, 'A', 'H'),
        (Action::Notifications, Doctor, 'A', 'H'),
        (Action::Notifications, Nurse, 'A', 'H'),
        (Action::Notifications, Receptionist, 'A', 'H'),
        (Action::Notifications, Patient, 'A', 'H'),
        (Action::Dashboard, Admin, 'A', 'A'),
        (Action::Dashboard, Doctor, '-', '-'),
        (Action::Dashboard, Nurse, '-', '-'),
        (Action::Dashboard, Receptionist, '-', '-'),
        (Action::Dashboard, Patient, '-', '-'),
        (Action::ReadAudit, Admin, 'A', 'A'),
        (Action::ReadAudit, Doctor, '-', '-'),
        (Action::ReadAudit, Nurse, '-', '-'),
        (Action::ReadAudit, Receptionist, '-', '-'),
        (Action::ReadAudit, Patient, '-', '-'),
        (Action::AdminUsers, Admin, 'A', 'A'),
        (Action::AdminUsers, Doctor, '-', '-'),
        (Action::AdminUsers, Nurse, '-', '-'),
        (Action::AdminUsers, Receptionist, '-', '-'),
        (Action::AdminUsers, Patient, '-', '-'),
        (Action::BulkExport, Admin, 'A', 'A'),
        (Action::BulkExport, Doctor, '-', '-'),
        (Action::BulkExport, Nurse, '-', '-'),
        (Action::BulkExport, Receptionist, '-', '-'),
        (Action::BulkExport, Patient, '-', '-'),
    ];

    fn cell(r: Result<Scope, Denial>) -> char {
        match r {
            Ok(Scope::Full) => 'A',
            Ok(Scope::Demographics) => 'D',
            Err(Denial::Forbidden) => '-',
            Err(Denial::Hidden) => 'H',
        }
    }

    #[test]
    fn every_action_role_and_relation_matches_the_table() {
        assert_eq!(TABLE.len(), Action::ALL.len() * Role::ALL.len(), "the table covers every action × role");
        for &action in Action::ALL {
            for &role in Role::ALL {
                let row = TABLE.iter().find(|r| r.0 == action && r.1 == role);
                let (_, _, own, other) = row.unwrap_or_else(|| panic!("no row for {action} × {role}"));
                assert_eq!(cell(decide(role, action, Own)), *own, "{action} × {role} × own");
                assert_eq!(cell(decide(role, action, Other)), *other, "{action} × {role} × other");
                assert_eq!(may_ever(role, action), *own != '-');
            }
        }
    }

    #[test]
    fn nobody_but_admins_reaches_admin_actions() {
        for &role in Role::ALL {
            for action in [Action::Dashboard, Action::ReadAudit, Action::AdminUsers, Action::BulkExport] {
                assert_eq!(decide(role, action, Own).is_ok(), role == Admin);
            }
        }
    }
}
