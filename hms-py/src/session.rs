//! `Session`: the workflows of the library, acting as one signed-in user.
//!
//! Each method maps its keyword arguments to one core workflow; the core checks the permission
//! policy, validates the input and audits, exactly as for every other front end.

use chrono::NaiveDate;
use hms_core as core;
use hms_core::Actor;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::convert::{Amount, Id, Instant, ToPy, at, code, member, opt_code, opt_id};
use crate::hospital::{page_request, registration};
use crate::records::{
    PyAppointment, PyAvailability, PyAvailabilityException, PyAvailabilityRule, PyDashboard, PyDoctor, PyDoctorDetails, PyDocument,
    PyInvoice, PyInvoiceLine, PyMedication, PyNotification, PyPage, PyPatient, PyPatientDetails, PyPrescription, PyPrescriptionAnalysis,
    PyUser, PyVisitNote,
};
use crate::run;

/// A user acting on the hospital: every workflow, checked against that user's role and records.
/// Get one from `Hospital.login` or `Hospital.as_user`; it may be shared between threads.
#[pyclass(module = "hms", name = "Session", frozen)]
pub struct PySession {
    hospital: core::Hospital,
    actor: Actor,
}

impl PySession {
    /// A session of `actor` on `hospital`.
    pub fn new(hospital: core::Hospital, actor: Actor) -> Self {
        Self { hospital, actor }
    }

    /// One lifecycle step on an appointment.
    fn step(
        &self,
        py: Python<'_>,
        appointment_id: Id,
        step: core::Transition,
        reason: Option<String>,
        expected_version: Option<u32>,
        now: Option<Instant>,
    ) -> PyResult<PyAppointment> {
        let id = appointment_id.get();
        run(py, self.hospital.transition(&self.actor, id, step, reason, expected(&expected_version), at(now))).map(PyAppointment)
    }
}

/// The versions a change expects its record at, as the core takes them: the one given, if any.
fn expected(version: &Option<u32>) -> Option<&[u32]> {
    version.as_ref().map(std::slice::from_ref)
}

/// A prescription's content as the core takes it.
fn prescription_input(
    diagnosis: String,
    medications: Vec<PyRef<'_, PyMedication>>,
    instructions: String,
    follow_up: Option<NaiveDate>,
) -> core::PrescriptionInput {
    core::PrescriptionInput { diagnosis, medications: medications.iter().map(|m| m.input()).collect(), instructions, follow_up }
}

#[pymethods]
impl PySession {
    /// The acting user's id.
    #[getter]
    fn user_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.actor.id().to_py(py)
    }

    /// The acting user's role.
    #[getter]
    fn role<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        member(self.actor.role()).to_py(py)
    }

    fn __repr__(&self) -> String {
        format!("Session(user_id={}, role={})", self.actor.id(), self.actor.role())
    }

    // Accounts.

    /// The acting user's own account.
    fn profile(&self, py: Python<'_>) -> PyResult<PyUser> {
        run(py, self.hospital.profile(&self.actor)).map(PyUser)
    }

    /// Edits the acting user's own name and phone (an empty phone removes it); the role is not editable.
    #[pyo3(signature = (*, full_name = None, phone = None, expected_version = None, now = None))]
    fn update_profile(
        &self,
        py: Python<'_>,
        full_name: Option<String>,
        phone: Option<String>,
        expected_version: Option<u32>,
        now: Option<Instant>,
    ) -> PyResult<PyUser> {
        let update = core::ProfileUpdate { full_name, phone: phone.map(Some) };
        run(py, self.hospital.update_profile(&self.actor, update, expected(&expected_version), at(now))).map(PyUser)
    }

    /// The acting user's second factor: on or off, recovery codes left, whether the role requires one.
    fn second_factor(&self, py: Python<'_>) -> PyResult<crate::records::PySecondFactorStatus> {
        run(py, self.hospital.second_factor_status(&self.actor)).map(crate::records::PySecondFactorStatus)
    }

    /// Begins enrolling a second factor: a new authenticator key, shown once.
    #[pyo3(signature = (*, now = None))]
    fn begin_second_factor(&self, py: Python<'_>, now: Option<Instant>) -> PyResult<crate::records::PyEnrolment> {
        run(py, self.hospital.begin_second_factor(&self.actor, at(now))).map(crate::records::PyEnrolment)
    }

    /// Confirms the enrolment with the authenticator's first code; returns ten recovery codes, shown once.
    #[pyo3(signature = (code, *, now = None))]
    fn confirm_second_factor(&self, py: Python<'_>, code: &str, now: Option<Instant>) -> PyResult<Vec<String>> {
        run(py, self.hospital.confirm_second_factor(&self.actor, code, at(now)))
    }

    /// Turns the second factor off, with a current code or a recovery code.
    #[pyo3(signature = (code, *, now = None))]
    fn disable_second_factor(&self, py: Python<'_>, code: &str, now: Option<Instant>) -> PyResult<()> {
        run(py, self.hospital.disable_second_factor(&self.actor, code, at(now)))
    }

    /// The acting user's live sign-in sessions (made over HTTP), newest first.
    #[pyo3(signature = (*, now = None))]
    fn sessions(&self, py: Python<'_>, now: Option<Instant>) -> PyResult<Vec<crate::records::PySessionInfo>> {
        let sessions = run(py, self.hospital.list_sessions(&self.actor, at(now)))?;
        Ok(sessions.into_iter().map(crate::records::PySessionInfo).collect())
    }

    /// Ends one of the acting user's sessions.
    #[pyo3(signature = (session_id, *, now = None))]
    fn end_session(&self, py: Python<'_>, session_id: Id, now: Option<Instant>) -> PyResult<()> {
        run(py, self.hospital.end_session(&self.actor, core::SessionId::from_uuid(session_id.0), at(now)))
    }

    /// Ends every session of an account and returns how many (admins).
    #[pyo3(signature = (user_id, *, now = None))]
    fn end_user_sessions(&self, py: Python<'_>, user_id: Id, now: Option<Instant>) -> PyResult<u64> {
        run(py, self.hospital.end_user_sessions(&self.actor, user_id.get(), at(now)))
    }

    /// Forces a password reset for an account (admins): its sessions end and its user is e-mailed
    /// a reset link, which the admin never sees.
    #[pyo3(signature = (user_id, *, now = None))]
    fn force_password_reset(&self, py: Python<'_>, user_id: Id, now: Option<Instant>) -> PyResult<()> {
        run(py, self.hospital.force_password_reset(&self.actor, user_id.get(), at(now)))
    }

    /// Changes the acting user's own password, after checking the current one.
    #[pyo3(signature = (*, current_password, new_password, now = None))]
    fn change_password(&self, py: Python<'_>, current_password: &str, new_password: &str, now: Option<Instant>) -> PyResult<()> {
        run(py, self.hospital.change_password(&self.actor, current_password, new_password, at(now)))
    }

    /// Creates a staff account: admin, doctor (with `doctor` details), nurse or receptionist. Admins only.
    #[pyo3(signature = (*, email, password, full_name, role, phone = None, doctor = None, now = None))]
    #[allow(clippy::too_many_arguments)]
    fn create_staff(
        &self,
        py: Python<'_>,
        email: String,
        password: String,
        full_name: String,
        role: &str,
        phone: Option<String>,
        doctor: Option<PyRef<'_, PyDoctorDetails>>,
        now: Option<Instant>,
    ) -> PyResult<PyUser> {
        let role = code(py, "role", role)?;
        let input = registration(email, password, full_name, phone, Some(role), doctor, None);
        run(py, self.hospital.create_staff(&self.actor, input, at(now))).map(PyUser)
    }

    /// Registers a patient at the front desk (receptionists and admins).
    #[pyo3(signature = (*, email, password, full_name, phone = None, patient = None, now = None))]
    #[allow(clippy::too_many_arguments)]
    fn register_patient(
        &self,
        py: Python<'_>,
        email: String,
        password: String,
        full_name: String,
        phone: Option<String>,
        patient: Option<PyRef<'_, PyPatientDetails>>,
        now: Option<Instant>,
    ) -> PyResult<PyUser> {
        let input = registration(email, password, full_name, phone, Some(core::Role::Patient), None, patient);
        run(py, self.hospital.register_patient(&self.actor, input, at(now))).map(PyUser)
    }

    /// Lists accounts (admins).
    #[pyo3(signature = (*, role = None, active = None, page = 1, per_page = 20, now = None))]
    fn list_users(
        &self,
        py: Python<'_>,
        role: Option<&str>,
        active: Option<bool>,
        page: u32,
        per_page: u32,
        now: Option<Instant>,
    ) -> PyResult<PyPage> {
        let filter = core::UserFilter { role: opt_code(py, "role", role)?, active };
        let page = run(py, self.hospital.list_users(&self.actor, filter, page_request(py, page, per_page)?, at(now)))?;
        PyPage::of(py, page)
    }

    /// Activates or deactivates an account (admins; never their own).
    #[pyo3(signature = (user_id, *, active, expected_version = None, now = None))]
    fn set_user_active(
        &self,
        py: Python<'_>,
        user_id: Id,
        active: bool,
        expected_version: Option<u32>,
        now: Option<Instant>,
    ) -> PyResult<PyUser> {
        run(py, self.hospital.set_user_active(&self.actor, user_id.get(), active, expected(&expected_version), at(now))).map(PyUser)
    }

    // Doctors and availability.

    /// Doctors' public profiles; admins may include inactive doctors.
    #[pyo3(signature = (*, specialization = None, accepting = None, include_inactive = false, page = 1, per_page = 20))]
    fn list_doctors(
        &self,
        py: Python<'_>,
        specialization: Option<String>,
        accepting: Option<bool>,
        include_inactive: bool,
        page: u32,
        per_page: u32,
    ) -> PyResult<PyPage> {
        let filter = core::DoctorFilter { specialization, accepting, include_inactive, ..Default::default() };
        let page = run(py, self.hospital.list_doctors(Some(&self.actor), filter, page_request(py, page, per_page)?))?;
        PyPage::of(py, page)
    }

    /// One doctor's profile (an inactive one for admins and the doctor themself).
    fn doctor(&self, py: Python<'_>, doctor_id: Id) -> PyResult<PyDoctor> {
        run(py, self.hospital.doctor(Some(&self.actor), doctor_id.get())).map(PyDoctor)
    }

    /// Edits a doctor profile (admins, or the doctor); left-out fields stay as they are.
    #[pyo3(signature = (
        doctor_id,
        *,
        specialization = None,
        years_of_experience = None,
        consultation_fee = None,
        bio = None,
        accepting_appointments = None,
        expected_version = None,
        now = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn update_doctor(
        &self,
        py: Python<'_>,
        doctor_id: Id,
        specialization: Option<String>,
        years_of_experience: Option<u16>,
        consultation_fee: Option<Amount>,
        bio: Option<String>,
        accepting_appointments: Option<bool>,
        expected_version: Option<u32>,
        now: Option<Instant>,
    ) -> PyResult<PyDoctor> {
        let update = core::DoctorUpdate {
            specialization,
            years_of_experience,
            consultation_fee: consultation_fee.map(|a| a.0),
            bio,
            accepting_appointments,
        };
        run(py, self.hospital.update_doctor(&self.actor, doctor_id.get(), update, expected(&expected_version), at(now))).map(PyDoctor)
    }

    /// Replaces a doctor's weekly rules (admins, or the doctor); existing bookings are kept.
    #[pyo3(signature = (doctor_id, rules, *, now = None))]
    fn set_availability(
        &self,
        py: Python<'_>,
        doctor_id: Id,
        rules: Vec<PyRef<'_, PyAvailabilityRule>>,
        now: Option<Instant>,
    ) -> PyResult<PyAvailability> {
        let rules = rules.iter().map(|r| r.0.clone()).collect();
        run(py, self.hospital.set_availability(&self.actor, doctor_id.get(), rules, at(now))).map(PyAvailability)
    }

    /// Adds time off `[starts_at, ends_at)` to a doctor's availability (admins, or the doctor).
    #[pyo3(signature = (doctor_id, *, starts_at, ends_at, reason = String::new(), now = None))]
    fn add_exception(
        &self,
        py: Python<'_>,
        doctor_id: Id,
        starts_at: Instant,
        ends_at: Instant,
        reason: String,
        now: Option<Instant>,
    ) -> PyResult<PyAvailabilityException> {
        let input = core::ExceptionInput { starts_at: starts_at.0, ends_at: ends_at.0, reason };
        run(py, self.hospital.add_exception(&self.actor, doctor_id.get(), input, at(now))).map(PyAvailabilityException)
    }

    /// Removes time off from a doctor's availability (admins, or the doctor); its slots are free
    /// again.
    #[pyo3(signature = (doctor_id, exception_id, *, now = None))]
    fn remove_exception(&self, py: Python<'_>, doctor_id: Id, exception_id: Id, now: Option<Instant>) -> PyResult<()> {
        run(py, self.hospital.remove_exception(&self.actor, doctor_id.get(), exception_id.get(), at(now)))
    }

    // Patients.

    /// Lists patients: all for admins, nurses and the front desk (demographics only), a doctor's
    /// own patients, or the patient themself.
    #[pyo3(signature = (*, search = None, doctor_id = None, page = 1, per_page = 20, now = None))]
    fn list_patients(
        &self,
        py: Python<'_>,
        search: Option<String>,
        doctor_id: Option<Id>,
        page: u32,
        per_page: u32,
        now: Option<Instant>,
    ) -> PyResult<PyPage> {
        let filter = core::PatientFilter { doctor_id: opt_id(doctor_id), search, ..Default::default() };
        let page = run(py, self.hospital.list_patients(&self.actor, filter, page_request(py, page, per_page)?, at(now)))?;
        PyPage::of(py, page)
    }

    /// One patient's record; the read is audited.
    #[pyo3(signature = (patient_id, *, now = None))]
    fn patient(&self, py: Python<'_>, patient_id: Id, now: Option<Instant>) -> PyResult<PyPatient> {
        run(py, self.hospital.patient(&self.actor, patient_id.get(), at(now))).map(PyPatient)
    }

    /// Edits a patient profile; left-out fields stay as they are, an empty phone removes it and
    /// `clear_date_of_birth` removes the date of birth. `pregnancy_noted_on` records the day the
    /// patient was found pregnant (`clear_pregnancy` records that she is not); `egfr` with
    /// `egfr_measured_on` records the latest kidney function (`clear_egfr` removes it).
    #[pyo3(signature = (
        patient_id,
        *,
        full_name = None,
        phone = None,
        date_of_birth = None,
        clear_date_of_birth = false,
        sex = None,
        address = None,
        emergency_contact = None,
        blood_group = None,
        allergies = None,
        conditions = None,
        medical_history = None,
        pregnancy_noted_on = None,
        clear_pregnancy = false,
        egfr = None,
        egfr_measured_on = None,
        clear_egfr = false,
        expected_version = None,
        now = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn update_patient(
        &self,
        py: Python<'_>,
        patient_id: Id,
        full_name: Option<String>,
        phone: Option<String>,
        date_of_birth: Option<NaiveDate>,
        clear_date_of_birth: bool,
        sex: Option<&str>,
        address: Option<String>,
        emergency_contact: Option<String>,
        blood_group: Option<String>,
        allergies: Option<Vec<String>>,
        conditions: Option<Vec<String>>,
        medical_history: Option<String>,
        pregnancy_noted_on: Option<NaiveDate>,
        clear_pregnancy: bool,
        egfr: Option<u16>,
        egfr_measured_on: Option<NaiveDate>,
        clear_egfr: bool,
        expected_version: Option<u32>,
        now: Option<Instant>,
    ) -> PyResult<PyPatient> {
        let egfr = match (egfr, egfr_measured_on, clear_egfr) {
            (None, None, true) => Some(None),
            (Some(value), Some(measured_on), false) => Some(Some(core::Egfr { value, measured_on })),
            (None, None, false) => None,
            _ => {
                return Err(pyo3::exceptions::PyValueError::new_err("give egfr and egfr_measured_on together, or clear_egfr=True alone"));
            }
        };
        let update = core::PatientUpdate {
            full_name,
            phone: phone.map(Some),
            date_of_birth: if clear_date_of_birth { Some(None) } else { date_of_birth.map(Some) },
            sex: opt_code(py, "sex", sex)?,
            address,
            emergency_contact,
            blood_group,
            allergies,
            conditions,
            medical_history,
            pregnancy_noted_on: if clear_pregnancy { Some(None) } else { pregnancy_noted_on.map(Some) },
            egfr,
        };
        run(py, self.hospital.update_patient(&self.actor, patient_id.get(), update, expected(&expected_version), at(now))).map(PyPatient)
    }

    // Appointments.

    /// Books the free slot starting at `starts_at` with a doctor. A patient books for themself
    /// (leave out `patient_id`); admins and the front desk name the patient.
    #[pyo3(signature = (*, doctor_id, starts_at, patient_id = None, reason = String::new(), notes = String::new(), now = None))]
    #[allow(clippy::too_many_arguments)]
    fn book(
        &self,
        py: Python<'_>,
        doctor_id: Id,
        starts_at: Instant,
        patient_id: Option<Id>,
        reason: String,
        notes: String,
        now: Option<Instant>,
    ) -> PyResult<PyAppointment> {
        let input =
            core::BookingInput { doctor_id: doctor_id.get(), patient_id: opt_id(patient_id), starts_at: starts_at.0, reason, notes };
        run(py, self.hospital.book(&self.actor, input, at(now))).map(PyAppointment)
    }

    /// One appointment.
    #[pyo3(signature = (appointment_id, *, now = None))]
    fn appointment(&self, py: Python<'_>, appointment_id: Id, now: Option<Instant>) -> PyResult<PyAppointment> {
        run(py, self.hospital.appointment(&self.actor, appointment_id.get(), at(now))).map(PyAppointment)
    }

    /// Lists appointments by start time (`from_` inclusive, `to` exclusive); doctors and patients
    /// see only their own.
    #[pyo3(signature = (*, status = None, doctor_id = None, patient_id = None, from_ = None, to = None, page = 1, per_page = 20, now = None))]
    #[allow(clippy::too_many_arguments)]
    fn list_appointments(
        &self,
        py: Python<'_>,
        status: Option<&str>,
        doctor_id: Option<Id>,
        patient_id: Option<Id>,
        from_: Option<Instant>,
        to: Option<Instant>,
        page: u32,
        per_page: u32,
        now: Option<Instant>,
    ) -> PyResult<PyPage> {
        let filter = core::AppointmentFilter {
            statuses: opt_code(py, "status", status)?.into_iter().collect(),
            doctor_id: opt_id(doctor_id),
            patient_id: opt_id(patient_id),
            from: from_.map(|i| i.0),
            to: to.map(|i| i.0),
            ..Default::default()
        };
        let page = run(py, self.hospital.list_appointments(&self.actor, filter, page_request(py, page, per_page)?, at(now)))?;
        PyPage::of(py, page)
    }

    /// pending → confirmed.
    #[pyo3(signature = (appointment_id, *, expected_version = None, now = None))]
    fn confirm(&self, py: Python<'_>, appointment_id: Id, expected_version: Option<u32>, now: Option<Instant>) -> PyResult<PyAppointment> {
        self.step(py, appointment_id, core::Transition::Confirm, None, expected_version, now)
    }

    /// pending → rejected, with an optional reason.
    #[pyo3(signature = (appointment_id, *, reason = None, expected_version = None, now = None))]
    fn reject(
        &self,
        py: Python<'_>,
        appointment_id: Id,
        reason: Option<String>,
        expected_version: Option<u32>,
        now: Option<Instant>,
    ) -> PyResult<PyAppointment> {
        self.step(py, appointment_id, core::Transition::Reject, reason, expected_version, now)
    }

    /// pending or confirmed → cancelled, with an optional reason; frees the slot at once.
    #[pyo3(signature = (appointment_id, *, reason = None, expected_version = None, now = None))]
    fn cancel(
        &self,
        py: Python<'_>,
        appointment_id: Id,
        reason: Option<String>,
        expected_version: Option<u32>,
        now: Option<Instant>,
    ) -> PyResult<PyAppointment> {
        self.step(py, appointment_id, core::Transition::Cancel, reason, expected_version, now)
    }

    /// confirmed → completed, once the appointment has started.
    #[pyo3(signature = (appointment_id, *, expected_version = None, now = None))]
    fn complete(&self, py: Python<'_>, appointment_id: Id, expected_version: Option<u32>, now: Option<Instant>) -> PyResult<PyAppointment> {
        self.step(py, appointment_id, core::Transition::Complete, None, expected_version, now)
    }

    /// confirmed → no_show, once the appointment has started.
    #[pyo3(signature = (appointment_id, *, expected_version = None, now = None))]
    fn no_show(&self, py: Python<'_>, appointment_id: Id, expected_version: Option<u32>, now: Option<Instant>) -> PyResult<PyAppointment> {
        self.step(py, appointment_id, core::Transition::NoShow, None, expected_version, now)
    }

    // Clinical records.

    /// Writes a visit note on a patient's record: clinical notes by doctors and admins, nursing
    /// notes by nurses and admins. A correction names the note it `corrects`.
    #[pyo3(signature = (patient_id, *, text, kind = "clinical", appointment_id = None, corrects = None, now = None))]
    #[allow(clippy::too_many_arguments)]
    fn write_note(
        &self,
        py: Python<'_>,
        patient_id: Id,
        text: String,
        kind: &str,
        appointment_id: Option<Id>,
        corrects: Option<Id>,
        now: Option<Instant>,
    ) -> PyResult<PyVisitNote> {
        let input =
            core::NoteInput { kind: code(py, "kind", kind)?, appointment_id: opt_id(appointment_id), text, corrects: opt_id(corrects) };
        run(py, self.hospital.write_note(&self.actor, patient_id.get(), input, at(now))).map(PyVisitNote)
    }

    /// A patient's visit notes, newest first; the read is audited.
    #[pyo3(signature = (patient_id, *, page = 1, per_page = 20, now = None))]
    fn notes(&self, py: Python<'_>, patient_id: Id, page: u32, per_page: u32, now: Option<Instant>) -> PyResult<PyPage> {
        let page = run(py, self.hospital.notes(&self.actor, patient_id.get(), page_request(py, page, per_page)?, at(now)))?;
        PyPage::of(py, page)
    }

    /// Attaches a document (its bytes in `content`) to a patient's record.
    #[pyo3(signature = (patient_id, *, kind, file_name, content_type, content, description = String::new(), appointment_id = None, now = None))]
    #[allow(clippy::too_many_arguments)]
    fn attach_document(
        &self,
        py: Python<'_>,
        patient_id: Id,
        kind: &str,
        file_name: String,
        content_type: String,
        content: Vec<u8>,
        description: String,
        appointment_id: Option<Id>,
        now: Option<Instant>,
    ) -> PyResult<PyDocument> {
        let input = core::DocumentInput {
            kind: code(py, "kind", kind)?,
            appointment_id: opt_id(appointment_id),
            file_name,
            content_type,
            description,
            bytes: content,
        };
        run(py, self.hospital.attach_document(&self.actor, patient_id.get(), input, at(now))).map(PyDocument)
    }

    /// A patient's documents (metadata), newest first; the read is audited.
    #[pyo3(signature = (patient_id, *, page = 1, per_page = 20, now = None))]
    fn documents(&self, py: Python<'_>, patient_id: Id, page: u32, per_page: u32, now: Option<Instant>) -> PyResult<PyPage> {
        let page = run(py, self.hospital.documents(&self.actor, patient_id.get(), page_request(py, page, per_page)?, at(now)))?;
        PyPage::of(py, page)
    }

    /// One document's metadata.
    #[pyo3(signature = (document_id, *, now = None))]
    fn document(&self, py: Python<'_>, document_id: Id, now: Option<Instant>) -> PyResult<PyDocument> {
        run(py, self.hospital.document(&self.actor, document_id.get(), at(now))).map(PyDocument)
    }

    /// One document's metadata and bytes, as `(document, content)`; the download is audited.
    #[pyo3(signature = (document_id, *, now = None))]
    fn document_content<'py>(&self, py: Python<'py>, document_id: Id, now: Option<Instant>) -> PyResult<Bound<'py, PyTuple>> {
        let (document, bytes) = run(py, self.hospital.document_content(&self.actor, document_id.get(), at(now)))?;
        let document = Bound::new(py, PyDocument(document))?.into_any();
        PyTuple::new(py, [document, PyBytes::new(py, &bytes).into_any()])
    }

    // Prescriptions.

    /// Writes the prescription of a confirmed or completed appointment (that appointment's doctor only).
    #[pyo3(signature = (appointment_id, *, diagnosis, medications, instructions = String::new(), follow_up = None, now = None))]
    #[allow(clippy::too_many_arguments)]
    fn write_prescription(
        &self,
        py: Python<'_>,
        appointment_id: Id,
        diagnosis: String,
        medications: Vec<PyRef<'_, PyMedication>>,
        instructions: String,
        follow_up: Option<NaiveDate>,
        now: Option<Instant>,
    ) -> PyResult<PyPrescription> {
        let input = prescription_input(diagnosis, medications, instructions, follow_up);
        run(py, self.hospital.write_prescription(&self.actor, appointment_id.get(), input, at(now))).map(PyPrescription)
    }

    /// Replaces a prescription's content (its doctor only); the revision grows by one.
    #[pyo3(signature = (
        prescription_id,
        *,
        diagnosis,
        medications,
        instructions = String::new(),
        follow_up = None,
        expected_revision = None,
        now = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn edit_prescription(
        &self,
        py: Python<'_>,
        prescription_id: Id,
        diagnosis: String,
        medications: Vec<PyRef<'_, PyMedication>>,
        instructions: String,
        follow_up: Option<NaiveDate>,
        expected_revision: Option<u32>,
        now: Option<Instant>,
    ) -> PyResult<PyPrescription> {
        let input = prescription_input(diagnosis, medications, instructions, follow_up);
        run(py, self.hospital.edit_prescription(&self.actor, prescription_id.get(), input, expected(&expected_revision), at(now)))
            .map(PyPrescription)
    }

    /// One prescription; the read is audited.
    #[pyo3(signature = (prescription_id, *, now = None))]
    fn prescription(&self, py: Python<'_>, prescription_id: Id, now: Option<Instant>) -> PyResult<PyPrescription> {
        run(py, self.hospital.prescription(&self.actor, prescription_id.get(), at(now))).map(PyPrescription)
    }

    /// Lists prescriptions, newest first; doctors and patients see only their own.
    #[pyo3(signature = (*, doctor_id = None, patient_id = None, page = 1, per_page = 20, now = None))]
    fn list_prescriptions(
        &self,
        py: Python<'_>,
        doctor_id: Option<Id>,
        patient_id: Option<Id>,
        page: u32,
        per_page: u32,
        now: Option<Instant>,
    ) -> PyResult<PyPage> {
        let filter = core::PrescriptionFilter { doctor_id: opt_id(doctor_id), patient_id: opt_id(patient_id) };
        let page = run(py, self.hospital.list_prescriptions(&self.actor, filter, page_request(py, page, per_page)?, at(now)))?;
        PyPage::of(py, page)
    }

    /// Analyses a prescription with the hospital's analyzer (its doctor or an admin); an
    /// unchanged prescription is answered from the newest stored analysis unless `fresh`.
    /// Raises `AiUnavailableError` when the hospital has no analyzer.
    #[pyo3(signature = (prescription_id, *, fresh = false, now = None))]
    fn analyze_prescription(
        &self,
        py: Python<'_>,
        prescription_id: Id,
        fresh: bool,
        now: Option<Instant>,
    ) -> PyResult<PyPrescriptionAnalysis> {
        run(py, self.hospital.analyze_prescription(&self.actor, prescription_id.get(), fresh, at(now))).map(PyPrescriptionAnalysis)
    }

    /// The newest stored analysis of a prescription, or None.
    #[pyo3(signature = (prescription_id, *, now = None))]
    fn latest_analysis(&self, py: Python<'_>, prescription_id: Id, now: Option<Instant>) -> PyResult<Option<PyPrescriptionAnalysis>> {
        let analysis = run(py, self.hospital.latest_analysis(&self.actor, prescription_id.get(), at(now)))?;
        Ok(analysis.map(PyPrescriptionAnalysis))
    }

    // Billing.

    /// Issues the invoice of a confirmed, completed or no-show appointment (admins and the front
    /// desk). Without `lines`, one line bills the doctor's consultation fee.
    #[pyo3(signature = (appointment_id, *, lines = None, tax_rate = None, discount = None, currency = None, now = None))]
    #[allow(clippy::too_many_arguments)]
    fn issue_invoice(
        &self,
        py: Python<'_>,
        appointment_id: Id,
        lines: Option<Vec<PyRef<'_, PyInvoiceLine>>>,
        tax_rate: Option<Amount>,
        discount: Option<Amount>,
        currency: Option<String>,
        now: Option<Instant>,
    ) -> PyResult<PyInvoice> {
        let input = core::InvoiceInput {
            appointment_id: appointment_id.get(),
            lines: lines.map(|ls| ls.iter().map(|l| l.input()).collect()),
            tax_rate: tax_rate.map_or(rust_decimal::Decimal::ZERO, |a| a.0),
            discount: discount.map_or(rust_decimal::Decimal::ZERO, |a| a.0),
            currency,
        };
        run(py, self.hospital.issue_invoice(&self.actor, input, at(now))).map(PyInvoice)
    }

    /// One invoice: admins and the front desk, or the patient billed.
    #[pyo3(signature = (invoice_id, *, now = None))]
    fn invoice(&self, py: Python<'_>, invoice_id: Id, now: Option<Instant>) -> PyResult<PyInvoice> {
        run(py, self.hospital.invoice(&self.actor, invoice_id.get(), at(now))).map(PyInvoice)
    }

    /// Lists invoices, newest first; a patient sees only their own.
    #[pyo3(signature = (*, status = None, patient_id = None, page = 1, per_page = 20, now = None))]
    fn list_invoices(
        &self,
        py: Python<'_>,
        status: Option<&str>,
        patient_id: Option<Id>,
        page: u32,
        per_page: u32,
        now: Option<Instant>,
    ) -> PyResult<PyPage> {
        let filter = core::InvoiceFilter { status: opt_code(py, "status", status)?, patient_id: opt_id(patient_id) };
        let page = run(py, self.hospital.list_invoices(&self.actor, filter, page_request(py, page, per_page)?, at(now)))?;
        PyPage::of(py, page)
    }

    /// Records the payment of a pending invoice.
    #[pyo3(signature = (invoice_id, *, method, expected_version = None, now = None))]
    fn pay_invoice(
        &self,
        py: Python<'_>,
        invoice_id: Id,
        method: &str,
        expected_version: Option<u32>,
        now: Option<Instant>,
    ) -> PyResult<PyInvoice> {
        let method = code(py, "method", method)?;
        run(py, self.hospital.pay_invoice(&self.actor, invoice_id.get(), method, expected(&expected_version), at(now))).map(PyInvoice)
    }

    /// Cancels a pending invoice; a paid one is never changed.
    #[pyo3(signature = (invoice_id, *, expected_version = None, now = None))]
    fn cancel_invoice(&self, py: Python<'_>, invoice_id: Id, expected_version: Option<u32>, now: Option<Instant>) -> PyResult<PyInvoice> {
        run(py, self.hospital.cancel_invoice(&self.actor, invoice_id.get(), expected(&expected_version), at(now))).map(PyInvoice)
    }

    // Notifications.

    /// The acting user's notifications, newest first.
    #[pyo3(signature = (*, unread_only = false, page = 1, per_page = 20))]
    fn notifications(&self, py: Python<'_>, unread_only: bool, page: u32, per_page: u32) -> PyResult<PyPage> {
        let page = run(py, self.hospital.notifications(&self.actor, unread_only, page_request(py, page, per_page)?))?;
        PyPage::of(py, page)
    }

    /// Marks one of the acting user's notifications read.
    #[pyo3(signature = (notification_id, *, now = None))]
    fn mark_notification_read(&self, py: Python<'_>, notification_id: Id, now: Option<Instant>) -> PyResult<PyNotification> {
        run(py, self.hospital.mark_notification_read(&self.actor, notification_id.get(), at(now))).map(PyNotification)
    }

    /// Marks all the acting user's notifications read; returns how many were unread.
    #[pyo3(signature = (*, now = None))]
    fn mark_all_notifications_read(&self, py: Python<'_>, now: Option<Instant>) -> PyResult<u64> {
        run(py, self.hospital.mark_all_notifications_read(&self.actor, at(now)))
    }

    // Admin.

    /// The dashboard's figures, computed now (admins).
    #[pyo3(signature = (*, now = None))]
    fn dashboard(&self, py: Python<'_>, now: Option<Instant>) -> PyResult<PyDashboard> {
        run(py, self.hospital.dashboard(&self.actor, at(now))).map(PyDashboard)
    }

    /// Audit events, newest first (admins); `from_` inclusive, `to` exclusive.
    #[pyo3(signature = (*, patient_id = None, actor_id = None, action = None, from_ = None, to = None, page = 1, per_page = 20, now = None))]
    #[allow(clippy::too_many_arguments)]
    fn audit_log(
        &self,
        py: Python<'_>,
        patient_id: Option<Id>,
        actor_id: Option<Id>,
        action: Option<&str>,
        from_: Option<Instant>,
        to: Option<Instant>,
        page: u32,
        per_page: u32,
        now: Option<Instant>,
    ) -> PyResult<PyPage> {
        let filter = core::AuditFilter {
            patient_id: opt_id(patient_id),
            actor_id: opt_id(actor_id),
            from: from_.map(|i| i.0),
            to: to.map(|i| i.0),
            action: opt_code(py, "action", action)?,
            id: None,
        };
        let page = run(py, self.hospital.audit_log(&self.actor, filter, page_request(py, page, per_page)?, at(now)))?;
        PyPage::of(py, page)
    }
}
