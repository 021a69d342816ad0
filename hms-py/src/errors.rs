//! The exception classes of the Python module, and the one place core errors become them.
//!
//! Every exception derives from `HmsError`, so a script can catch everything hms raises at once.
//! The classes mirror the core's [`ErrorKind`]: a caller reacts to the kind, never to a message.

use hms_core::{Error, ErrorKind};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use pyo3::{PyTypeInfo, intern};

pyo3::create_exception!(hms, HmsError, PyException, "The base class of every error hms raises");
pyo3::create_exception!(
    hms,
    ValidationError,
    HmsError,
    "The input was malformed or broke a rule; `errors` lists each field and what is wrong with it"
);
pyo3::create_exception!(hms, NotFoundError, HmsError, "The record does not exist, or the acting user may not know that it does");
pyo3::create_exception!(hms, ConflictError, HmsError, "The request clashes with the current state, e.g. a slot already taken");
pyo3::create_exception!(
    hms,
    PreconditionFailedError,
    ConflictError,
    "The record changed since it was read: it is no longer at the version the change expected; `current_version` says where it is"
);
pyo3::create_exception!(hms, PermissionDeniedError, HmsError, "The acting user is not allowed to do this");
pyo3::create_exception!(hms, UnauthenticatedError, HmsError, "The credentials are wrong, or the account is missing or inactive");
pyo3::create_exception!(
    hms,
    ThrottledError,
    HmsError,
    "Too many failed sign-ins for this account; `retry_after` says how many seconds to wait"
);
pyo3::create_exception!(hms, UnavailableError, HmsError, "A dependency such as the database is unavailable");
pyo3::create_exception!(hms, AiUnavailableError, UnavailableError, "Prescription analysis is unavailable: no analyzer is configured");

/// What the core says when a hospital has no prescription analyzer.
const ANALYSIS_UNAVAILABLE: &str = "prescription analysis";

/// Turns a core error into the Python exception of its kind.
pub fn to_py(py: Python<'_>, error: Error) -> PyErr {
    let message = error.to_string();
    match error.kind() {
        ErrorKind::Invalid => validation_error(py, &error, message),
        ErrorKind::NotFound => NotFoundError::new_err(message),
        ErrorKind::Conflict => ConflictError::new_err(message),
        ErrorKind::PreconditionFailed => {
            let current = match &error {
                Error::PreconditionFailed { current, .. } => *current,
                _ => 0,
            };
            with_attribute::<PreconditionFailedError>(py, message, intern!(py, "current_version"), current)
        }
        ErrorKind::Forbidden => PermissionDeniedError::new_err(message),
        ErrorKind::Unauthenticated => UnauthenticatedError::new_err(message),
        ErrorKind::Throttled => {
            with_attribute::<ThrottledError>(py, message, intern!(py, "retry_after"), error.retry_after_secs().unwrap_or(1))
        }
        ErrorKind::Unavailable => match &error {
            Error::Unavailable(what) if what.starts_with(ANALYSIS_UNAVAILABLE) => AiUnavailableError::new_err(message),
            _ => UnavailableError::new_err(message),
        },
        ErrorKind::Internal => HmsError::new_err(message),
    }
}

/// A `ValidationError` whose `errors` attribute lists `{"field": …, "message": …}` dicts.
fn validation_error(py: Python<'_>, error: &Error, message: String) -> PyErr {
    let fields = error.field_errors().into_iter().map(|f| {
        let d = PyDict::new(py);
        d.set_item(intern!(py, "field"), f.field)?;
        d.set_item(intern!(py, "message"), f.message)?;
        Ok(d)
    });
    match fields.collect::<PyResult<Vec<_>>>().and_then(|ds| PyList::new(py, ds)) {
        Ok(list) => with_attribute::<ValidationError>(py, message, intern!(py, "errors"), list),
        Err(e) => e,
    }
}

/// An exception of class `E` with `message` and one more attribute, built at once: setting an
/// attribute on a lazily built `PyErr` makes pyo3 normalise it, releasing and retaking the GIL.
fn with_attribute<'py, E: PyTypeInfo>(
    py: Python<'py>,
    message: String,
    name: &Bound<'py, PyString>,
    value: impl IntoPyObject<'py>,
) -> PyErr {
    let built = py.get_type::<E>().call1((message,)).and_then(|exception| {
        exception.setattr(name, value)?;
        Ok(exception)
    });
    match built {
        Ok(exception) => PyErr::from_value(exception),
        Err(e) => e,
    }
}

/// One invalid field, as a `ValidationError`: for input the Python layer checks itself.
pub fn invalid(py: Python<'_>, field: &str, error: hms_core::FieldError) -> PyErr {
    to_py(py, Error::Invalid(vec![error.under(field)]))
}

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("HmsError", py.get_type::<HmsError>())?;
    m.add("ValidationError", py.get_type::<ValidationError>())?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("ConflictError", py.get_type::<ConflictError>())?;
    m.add("PreconditionFailedError", py.get_type::<PreconditionFailedError>())?;
    m.add("PermissionDeniedError", py.get_type::<PermissionDeniedError>())?;
    m.add("UnauthenticatedError", py.get_type::<UnauthenticatedError>())?;
    m.add("ThrottledError", py.get_type::<ThrottledError>())?;
    m.add("UnavailableError", py.get_type::<UnavailableError>())?;
    m.add("AiUnavailableError", py.get_type::<AiUnavailableError>())?;
    Ok(())
}
