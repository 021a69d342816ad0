//! `Hospital`: opening a database, registration, signing in, and the calls open to anyone.

use std::path::PathBuf;
use std::sync::Arc;

use hms_core as core;
use hms_core::{HospitalConfig, PasswordCost};
use hms_store::Location;
use pyo3::prelude::*;

use crate::convert::{Id, Instant, at, code};
use crate::errors;
use crate::records::{PyAvailability, PyDoctor, PyDoctorDetails, PyOutgoingEmail, PyPage, PyPatientDetails, PySlot, PyUser};
use crate::run;
use crate::session::PySession;

/// A new account's details as the core takes them.
#[allow(clippy::too_many_arguments)]
pub fn registration(
    email: String,
    password: String,
    full_name: String,
    phone: Option<String>,
    role: Option<core::Role>,
    doctor: Option<PyRef<'_, PyDoctorDetails>>,
    patient: Option<PyRef<'_, PyPatientDetails>>,
) -> core::Registration {
    core::Registration { email, password, full_name, phone, role, doctor: doctor.map(|d| d.input()), patient: patient.map(|p| p.input()) }
}

/// A page request, checked by the core.
pub fn page_request(py: Python<'_>, page: u32, per_page: u32) -> PyResult<core::PageRequest> {
    core::PageRequest::new(page, per_page).map_err(|e| errors::to_py(py, e))
}

/// A hospital: one database (SQLite or PostgreSQL) and its document store, shared by every
/// thread. Open one with `Hospital.open(url)`; act as a user through `login` or `as_user`.
#[pyclass(module = "hms", name = "Hospital", frozen)]
pub struct PyHospital {
    pub(crate) hospital: core::Hospital,
}

#[pymethods]
impl PyHospital {
    /// Opens the hospital at `url`, applying pending migrations. `url` is a database URL —
    /// `postgres://…`, `sqlite::memory:`, `sqlite:///hospital.db` (relative to the working
    /// directory, as SQLAlchemy reads three slashes), `sqlite:////var/lib/hms/hospital.db`
    /// (absolute, four slashes) — or the path of a SQLite file as a `str` or `pathlib.Path`.
    /// Document bytes go to the directory `blob_dir`, or to the object store `blob_url`
    /// (`s3://bucket/prefix`, with the `AWS_*` variables), or by default into the database itself
    /// on PostgreSQL, beside a SQLite file (`hospital-blobs/`), in memory for an in-memory database.
    /// Commits to SQLite are flushed to the disk before they return (`sqlite_synchronous="full"`);
    /// `"normal"` trades the last commits before a power cut for speed. `fast_password_hashing` is
    /// for test suites only. With `analysis` (the default) prescriptions can be analysed:
    /// deterministic checks always, plus an AI review when `GROQ_API_KEY` or `HMS_AI_BASE_URL`
    /// is set in the environment. Second factors and password reset by e-mail need the key
    /// `HMS_SECRET_KEY` (64 hexadecimal digits) from the environment; `require_second_factor`
    /// names the roles that must sign in with one.
    #[staticmethod]
    #[pyo3(signature = (
        url,
        *,
        time_zone = "UTC",
        currency = "USD",
        doctor_approval_required = false,
        fast_password_hashing = false,
        max_document_bytes = None,
        blob_dir = None,
        blob_url = None,
        sqlite_synchronous = "full",
        analysis = true,
        require_second_factor = Vec::new(),
    ))]
    #[allow(clippy::too_many_arguments)]
    fn open(
        py: Python<'_>,
        url: &Bound<'_, PyAny>,
        time_zone: &str,
        currency: &str,
        doctor_approval_required: bool,
        fast_password_hashing: bool,
        max_document_bytes: Option<u64>,
        blob_dir: Option<PathBuf>,
        blob_url: Option<String>,
        sqlite_synchronous: &str,
        analysis: bool,
        require_second_factor: Vec<String>,
    ) -> PyResult<Self> {
        let location = match url.extract::<String>() {
            Ok(url) => Location::parse(&url),
            // Not a str: a path-like object names a SQLite file as it is.
            Err(_) => Ok(Location::sqlite_file(url.extract::<PathBuf>()?)),
        }
        .map_err(|e| errors::to_py(py, e))?;
        let defaults = HospitalConfig::default();
        let config = HospitalConfig {
            time_zone: core::TimeZone::parse(time_zone).map_err(|e| errors::invalid(py, "time_zone", e))?,
            currency: core::Currency::parse(currency).map_err(|e| errors::invalid(py, "currency", e))?,
            doctor_approval_required,
            password_cost: if fast_password_hashing { PasswordCost::fast_for_tests() } else { PasswordCost::default() },
            max_document_bytes: max_document_bytes.unwrap_or(defaults.max_document_bytes),
            sqlite_synchronous: sqlite_synchronous.parse().map_err(|e| errors::invalid(py, "sqlite_synchronous", e))?,
            second_factor_roles: require_second_factor
                .iter()
                .map(|r| r.parse::<core::Role>().map_err(|e| errors::invalid(py, "require_second_factor", e)))
                .collect::<PyResult<_>>()?,
            secret_key: match std::env::var("HMS_SECRET_KEY") {
                Ok(k) => Some(core::SecretKey::parse(&k).map_err(|e| errors::to_py(py, e))?),
                Err(_) => None,
            },
            ..defaults
        };
        let analyzer = if analysis {
            Some(hms_ai::Analyzer::from_env().map_err(|e| errors::HmsError::new_err(format!("the AI settings: {e}")))?)
        } else {
            None
        };
        let hospital = run(py, async move {
            let blobs = hms_store::Blobs::from_settings(blob_dir, blob_url)?;
            let hospital = hms_store::open_location(&location, &blobs, config).await?;
            Ok(match analyzer {
                Some(a) => hospital.with_analyzer(Arc::new(a)),
                None => hospital,
            })
        })?;
        Ok(Self { hospital })
    }

    /// The database backend: `sqlite` or `postgres`.
    #[getter]
    fn backend(&self) -> &'static str {
        self.hospital.store().backend()
    }

    /// The hospital's IANA time zone, in which availability rules are read.
    #[getter]
    fn time_zone(&self) -> &'static str {
        self.hospital.config().time_zone.name()
    }

    /// The hospital's ISO 4217 currency.
    #[getter]
    fn currency(&self) -> &'static str {
        self.hospital.config().currency.code()
    }

    /// Checks that the database answers.
    fn ping(&self, py: Python<'_>) -> PyResult<()> {
        run(py, self.hospital.ping())
    }

    /// Public self-registration of a doctor or a patient. A doctor gives `doctor` details; a
    /// patient may give `patient` details.
    #[pyo3(signature = (*, email, password, full_name, role, phone = None, doctor = None, patient = None, now = None))]
    #[allow(clippy::too_many_arguments)]
    fn register(
        &self,
        py: Python<'_>,
        email: String,
        password: String,
        full_name: String,
        role: &str,
        phone: Option<String>,
        doctor: Option<PyRef<'_, PyDoctorDetails>>,
        patient: Option<PyRef<'_, PyPatientDetails>>,
        now: Option<Instant>,
    ) -> PyResult<PyUser> {
        let role = code(py, "role", role)?;
        let input = registration(email, password, full_name, phone, Some(role), doctor, patient);
        run(py, self.hospital.register(input, at(now))).map(PyUser)
    }

    /// Creates the first admin: for trusted setup code only, never on behalf of a visitor.
    #[pyo3(signature = (*, email, password, full_name, phone = None, now = None))]
    fn bootstrap_admin(
        &self,
        py: Python<'_>,
        email: String,
        password: String,
        full_name: String,
        phone: Option<String>,
        now: Option<Instant>,
    ) -> PyResult<PyUser> {
        let input = registration(email, password, full_name, phone, None, None, None);
        run(py, self.hospital.bootstrap_admin(input, at(now))).map(PyUser)
    }

    /// Signs in with an e-mail address and password (and `code`, the current code of the
    /// account's authenticator or one of its recovery codes, when it has a second factor) and
    /// returns a session acting as that user. Raises `UnauthenticatedError` for a wrong password
    /// or code or an inactive account, and `ThrottledError` after too many failed attempts. An
    /// account whose role requires a second factor it lacks gets a session that may only enrol one.
    #[pyo3(signature = (email, password, *, code = None, now = None))]
    fn login(&self, py: Python<'_>, email: &str, password: &str, code: Option<&str>, now: Option<Instant>) -> PyResult<PySession> {
        let actor = run(py, self.hospital.login_actor(email, password, code, at(now)))?;
        Ok(PySession::new(self.hospital.clone(), actor))
    }

    /// "Forgot password": queues a single-use reset link to `email` if an active account has that
    /// address, and returns the same (nothing) either way. Throttled like sign-ins.
    #[pyo3(signature = (email, *, now = None))]
    fn request_password_reset(&self, py: Python<'_>, email: &str, now: Option<Instant>) -> PyResult<()> {
        run(py, self.hospital.request_password_reset(email, None, at(now)))
    }

    /// Sets a new password with the token of a reset e-mail: once, before it expires, and not after
    /// the password changed another way. Every session of the account ends.
    #[pyo3(signature = (token, new_password, *, now = None))]
    fn reset_password(&self, py: Python<'_>, token: &str, new_password: &str, now: Option<Instant>) -> PyResult<()> {
        run(py, self.hospital.reset_password(token, new_password, at(now)))
    }

    /// A session acting as the user `user_id`, without a password: for trusted scripts only.
    /// The account must exist and be active.
    fn as_user(&self, py: Python<'_>, user_id: Id) -> PyResult<PySession> {
        let actor = run(py, self.hospital.actor(user_id.get()))?;
        Ok(PySession::new(self.hospital.clone(), actor))
    }

    /// Active doctors' public profiles.
    #[pyo3(signature = (*, specialization = None, accepting = None, page = 1, per_page = 20))]
    fn list_doctors(
        &self,
        py: Python<'_>,
        specialization: Option<String>,
        accepting: Option<bool>,
        page: u32,
        per_page: u32,
    ) -> PyResult<PyPage> {
        let filter = core::DoctorFilter { specialization, accepting, ..Default::default() };
        let page = run(py, self.hospital.list_doctors(None, filter, page_request(py, page, per_page)?))?;
        PyPage::of(py, page)
    }

    /// One active doctor's public profile.
    fn doctor(&self, py: Python<'_>, doctor_id: Id) -> PyResult<PyDoctor> {
        run(py, self.hospital.doctor(None, doctor_id.get())).map(PyDoctor)
    }

    /// A doctor's weekly rules and current exceptions.
    #[pyo3(signature = (doctor_id, *, now = None))]
    fn availability(&self, py: Python<'_>, doctor_id: Id, now: Option<Instant>) -> PyResult<PyAvailability> {
        run(py, self.hospital.availability(doctor_id.get(), at(now))).map(PyAvailability)
    }

    /// The doctor's free slots in `[from_, to)` that start after `now`.
    #[pyo3(signature = (doctor_id, *, from_, to, now = None))]
    fn free_slots(&self, py: Python<'_>, doctor_id: Id, from_: Instant, to: Instant, now: Option<Instant>) -> PyResult<Vec<PySlot>> {
        let slots = run(py, self.hospital.free_slots(doctor_id.get(), from_.0, to.0, at(now)))?;
        Ok(slots.into_iter().map(PySlot).collect())
    }

    /// Queues a reminder for each confirmed appointment of tomorrow (in the hospital's time zone)
    /// that has none yet, and returns how many were queued. A system job: trusted code only.
    #[pyo3(signature = (*, now = None))]
    fn queue_reminders(&self, py: Python<'_>, now: Option<Instant>) -> PyResult<u64> {
        run(py, self.hospital.queue_reminders(at(now)))
    }

    /// E-mails due for delivery: a dispatcher's job, trusted code only.
    #[pyo3(signature = (*, limit = 100, now = None))]
    fn emails_due(&self, py: Python<'_>, limit: u32, now: Option<Instant>) -> PyResult<Vec<PyOutgoingEmail>> {
        let emails = run(py, self.hospital.emails_due(at(now), limit))?;
        Ok(emails.into_iter().map(PyOutgoingEmail).collect())
    }

    /// Claims due e-mails for one dispatcher: none of them is due again before `now + lease`
    /// (five minutes by default), so two dispatchers never send the same e-mail at once.
    #[pyo3(signature = (*, limit = 100, lease = None, now = None))]
    fn claim_emails(
        &self,
        py: Python<'_>,
        limit: u32,
        lease: Option<chrono::Duration>,
        now: Option<Instant>,
    ) -> PyResult<Vec<PyOutgoingEmail>> {
        let lease = lease.unwrap_or_else(|| chrono::Duration::minutes(5));
        let emails = run(py, self.hospital.claim_emails(at(now), limit, lease))?;
        Ok(emails.into_iter().map(PyOutgoingEmail).collect())
    }

    /// Records a delivered e-mail.
    #[pyo3(signature = (email_id, *, now = None))]
    fn email_sent(&self, py: Python<'_>, email_id: Id, now: Option<Instant>) -> PyResult<PyOutgoingEmail> {
        run(py, self.hospital.email_sent(email_id.get(), at(now))).map(PyOutgoingEmail)
    }

    /// Records a failed delivery; the next attempt waits longer each time.
    #[pyo3(signature = (email_id, *, error, now = None))]
    fn email_failed(&self, py: Python<'_>, email_id: Id, error: &str, now: Option<Instant>) -> PyResult<PyOutgoingEmail> {
        run(py, self.hospital.email_failed(email_id.get(), error, at(now))).map(PyOutgoingEmail)
    }

    fn __repr__(&self) -> String {
        let config = self.hospital.config();
        format!(
            "Hospital(backend='{}', time_zone='{}', currency='{}')",
            self.hospital.store().backend(),
            config.time_zone.name(),
            config.currency.code()
        )
    }
}
