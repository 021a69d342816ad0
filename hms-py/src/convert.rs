//! Values between Python and the core: instants, dates, money, ids and code sets.
//!
//! Instants cross as timezone-aware `datetime.datetime` in UTC (any aware datetime is accepted and
//! converted), dates as `datetime.date`, money as `decimal.Decimal` (never a float), ids as
//! `uuid.UUID` (a string in UUID form is accepted too), and closed code sets as `enum.Enum`
//! classes built from the core's own code lists, so the two can never drift apart. Each enum
//! mixes in `str`, so a member compares equal to its code and a plain string is accepted as input.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use hms_core as core;
use hms_core::FieldError;
use pyo3::IntoPyObjectExt;
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyString, PyTuple, PyType};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::errors;

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static EPOCH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UUID: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn utc(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    UTC.get_or_try_init(py, || Ok::<_, PyErr>(py.import("datetime")?.getattr("timezone")?.getattr("utc")?.unbind())).map(|u| u.bind(py))
}

/// The current instant, at the microsecond precision the database and `datetime` keep.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// An instant given from Python: a timezone-aware `datetime.datetime`, in any zone.
#[derive(Debug, Clone, Copy)]
pub struct Instant(pub DateTime<Utc>);

/// 1970-01-01T00:00:00Z as a `datetime.datetime`: instants are read as their distance from it.
fn epoch(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    EPOCH
        .get_or_try_init(py, || {
            let datetime = DATETIME.import(py, "datetime", "datetime")?;
            Ok::<_, PyErr>(datetime.call1((1970, 1, 1, 0, 0, 0, 0, utc(py)?))?.unbind())
        })
        .map(|e| e.bind(py))
}

impl<'a, 'py> FromPyObject<'a, 'py> for Instant {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        if !obj.is_instance(DATETIME.import(py, "datetime", "datetime")?)? {
            return Err(PyTypeError::new_err(format!("expected a timezone-aware datetime.datetime, got {}", obj.get_type().name()?)));
        }
        // An aware datetime minus the epoch is its exact distance from it, whatever its zone: one
        // subtraction and three fields of the `timedelta`. Converting it to UTC and reading the
        // result's seven fields costs five times as much, the stable ABI having no datetime C API.
        // A naive datetime cannot be subtracted from an aware one.
        let since_epoch = match obj.sub(epoch(py)?) {
            Ok(delta) => delta,
            Err(_) if obj.call_method0("utcoffset")?.is_none() => {
                return Err(PyTypeError::new_err("expected a timezone-aware datetime.datetime, got a naive one"));
            }
            Err(e) => return Err(e),
        };
        let days: i64 = since_epoch.getattr(intern!(py, "days"))?.extract()?;
        let seconds: i64 = since_epoch.getattr(intern!(py, "seconds"))?.extract()?;
        let micros: u32 = since_epoch.getattr(intern!(py, "microseconds"))?.extract()?;
        // In UTC it must still be a `datetime` (years 1 to 9999), as `astimezone` would require.
        DateTime::from_timestamp(days * 86_400 + seconds, micros * 1_000)
            .filter(|t| (1..=9999).contains(&t.year()))
            .map(Instant)
            .ok_or_else(|| PyOverflowError::new_err("date value out of range"))
    }
}

/// `now` as given, or the current instant.
pub fn at(now: Option<Instant>) -> DateTime<Utc> {
    now.map_or_else(self::now, |i| i.0)
}

/// An amount of money or a rate: a `decimal.Decimal` or an `int`, never a `float`.
#[derive(Debug, Clone, Copy)]
pub struct Amount(pub Decimal);

impl<'a, 'py> FromPyObject<'a, 'py> for Amount {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        let is_int = obj.is_instance_of::<pyo3::types::PyInt>() && !obj.is_instance_of::<pyo3::types::PyBool>();
        if is_int || obj.is_instance(DECIMAL.import(py, "decimal", "Decimal")?)? {
            let value: Decimal = obj.extract().map_err(|_| PyValueError::new_err("expected a finite decimal number within range"))?;
            Ok(Amount(value))
        } else {
            Err(PyTypeError::new_err(format!(
                "expected a decimal.Decimal or an int (money is never a float), got {}",
                obj.get_type().name()?
            )))
        }
    }
}

/// An id given from Python: a `uuid.UUID`, or a string in UUID form.
#[derive(Debug, Clone, Copy)]
pub struct Id(pub Uuid);

impl<'a, 'py> FromPyObject<'a, 'py> for Id {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        if obj.is_instance(UUID.import(py, "uuid", "UUID")?)? {
            return Ok(Id(obj.extract()?));
        }
        if let Ok(s) = obj.cast::<PyString>() {
            let s = s.to_cow()?;
            return Uuid::parse_str(s.trim()).map(Id).map_err(|_| PyValueError::new_err(format!("{s:?} is not a valid id")));
        }
        Err(PyTypeError::new_err(format!("expected a uuid.UUID or a str, got {}", obj.get_type().name()?)))
    }
}

impl Id {
    /// The id as one of the core's id types.
    pub fn get<T: From<Uuid>>(self) -> T {
        T::from(self.0)
    }
}

/// An optional id, converted to one of the core's id types.
pub fn opt_id<T: From<Uuid>>(id: Option<Id>) -> Option<T> {
    id.map(Id::get)
}

/// A closed code set exposed to Python as an `enum.Enum` subclass of `str`.
pub trait PyEnum: Copy + 'static {
    /// The Python class name.
    const NAME: &'static str;
    /// The Python class docstring.
    const DOC: &'static str;
    /// Every code, in declaration order.
    fn codes() -> Vec<&'static str>;
    /// This value's code.
    fn code(self) -> &'static str;
    /// Parses a code (as the core does, case-insensitively).
    fn parse(code: &str) -> Result<Self, FieldError>;
    /// Where the Python class is kept once built.
    fn cell() -> &'static PyOnceLock<Py<PyType>>;
}

/// A member name for a code: `no_show` → `NO_SHOW`, `AB+` → `AB_POS`.
fn member_name(code: &str) -> String {
    code.to_ascii_uppercase().replace('+', "_POS").replace('-', "_NEG")
}

/// The Python enum class of `T`, built on first use.
pub fn enum_class<T: PyEnum>(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    T::cell()
        .get_or_try_init(py, || {
            let base = py.import("enum")?.getattr("Enum")?;
            let meta = base.get_type();
            let bases = PyTuple::new(py, [py.get_type::<PyString>().into_any(), base])?;
            let namespace = meta.call_method1("__prepare__", (T::NAME, &bases))?;
            namespace.set_item("__module__", "hms")?;
            namespace.set_item("__qualname__", T::NAME)?;
            namespace.set_item("__doc__", T::DOC)?;
            for code in T::codes() {
                namespace.set_item(member_name(code), code)?;
            }
            // `str(member)` and f-strings give the code, on every Python version.
            namespace.set_item("__str__", py.get_type::<PyString>().getattr("__str__")?)?;
            let class = meta.call1((T::NAME, bases, namespace))?;
            Ok::<_, PyErr>(class.cast_into::<PyType>()?.unbind())
        })
        .map(|c| c.bind(py))
}

/// Parses a code given for `field` (an enum member or its string), or raises a `ValidationError`.
pub fn code<T: PyEnum>(py: Python<'_>, field: &str, value: &str) -> PyResult<T> {
    T::parse(value).map_err(|e| errors::invalid(py, field, e))
}

/// Parses an optional code given for `field`.
pub fn opt_code<T: PyEnum>(py: Python<'_>, field: &str, value: Option<&str>) -> PyResult<Option<T>> {
    value.map(|v| code(py, field, v)).transpose()
}

macro_rules! code_sets {
    ($($name:ident($ty:ty) $doc:literal;)*) => {
        $(
            impl PyEnum for $ty {
                const NAME: &'static str = stringify!($name);
                const DOC: &'static str = $doc;
                fn codes() -> Vec<&'static str> {
                    <$ty>::ALL.iter().map(|v| v.as_str()).collect()
                }
                fn code(self) -> &'static str {
                    self.as_str()
                }
                fn parse(code: &str) -> Result<Self, FieldError> {
                    code.parse()
                }
                fn cell() -> &'static PyOnceLock<Py<PyType>> {
                    static CELL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
                    &CELL
                }
            }
        )*

        /// Adds every enum class to the module.
        pub fn register_enums(m: &Bound<'_, PyModule>) -> PyResult<()> {
            let py = m.py();
            $(m.add(stringify!($name), enum_class::<$ty>(py)?)?;)*
            m.add("Weekday", enum_class::<Weekday>(py)?)?;
            Ok(())
        }
    };
}

code_sets! {
    Role(core::Role) "The one role a user has";
    AppointmentStatus(core::AppointmentStatus) "Where an appointment stands";
    InvoiceStatus(core::InvoiceStatus) "Where an invoice stands";
    PaymentMethod(core::PaymentMethod) "How an invoice was paid";
    NoteKind(core::NoteKind) "Who a visit note is written by and for";
    DocumentKind(core::DocumentKind) "What a document is";
    Route(core::Route) "How a medication is given";
    Severity(core::Severity) "How serious a finding is";
    FindingCategory(core::FindingCategory) "What a finding is about";
    AnalysisOutcome(core::AnalysisOutcome) "How a prescription analysis ended";
    NotificationKind(core::NotificationKind) "What a notification is about";
    AuditAction(core::AuditAction) "What an audited action did";
    AuditOutcome(core::AuditOutcome) "How an audited action ended";
    EntityKind(core::EntityKind) "The kind of record an audit event concerns";
    Sex(core::Sex) "Sex as recorded for clinical purposes";
    BloodGroup(core::BloodGroup) "An ABO/Rh blood group, or unknown";
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

impl PyEnum for Weekday {
    const NAME: &'static str = "Weekday";
    const DOC: &'static str = "A day of the week, as availability rules name it";
    fn codes() -> Vec<&'static str> {
        WEEKDAYS.iter().map(|(c, _)| *c).collect()
    }
    fn code(self) -> &'static str {
        WEEKDAYS.iter().find(|(_, d)| *d == self).map_or("monday", |(c, _)| c)
    }
    fn parse(code: &str) -> Result<Self, FieldError> {
        let t = code.trim();
        WEEKDAYS
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(t) || c[..3].eq_ignore_ascii_case(t))
            .map(|(_, d)| *d)
            .ok_or_else(|| FieldError::new("", "must be a day of the week such as monday"))
    }
    fn cell() -> &'static PyOnceLock<Py<PyType>> {
        static CELL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        &CELL
    }
}

/// A core value as a Python object.
pub trait ToPy {
    /// Converts to a new Python object.
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
}

macro_rules! to_py_via_into {
    ($($ty:ty),*) => {$(
        impl ToPy for $ty {
            fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.clone().into_bound_py_any(py)
            }
        }
    )*};
}

to_py_via_into!(String, bool, u16, u32, u64, Decimal, DateTime<Utc>, NaiveDate, NaiveTime, Uuid);

macro_rules! to_py_as_str {
    ($($ty:ty),*) => {$(
        impl ToPy for $ty {
            fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                Ok(PyString::new(py, self.as_ref()).into_any())
            }
        }
    )*};
}

to_py_as_str!(core::Email, core::PersonName, core::Phone, core::LicenseNumber);

impl ToPy for core::Currency {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyString::new(py, self.code()).into_any())
    }
}

macro_rules! to_py_ids {
    ($($ty:ty),*) => {$(
        impl ToPy for $ty {
            fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.as_uuid().to_py(py)
            }
        }
    )*};
}

to_py_ids!(
    core::UserId,
    core::DoctorId,
    core::PatientId,
    core::AppointmentId,
    core::ExceptionId,
    core::NoteId,
    core::DocumentId,
    core::PrescriptionId,
    core::AnalysisId,
    core::InvoiceId,
    core::NotificationId,
    core::EmailId,
    core::AuditId,
    core::SessionId
);

/// Enum values become members of their Python enum class.
pub struct Member<T>(pub T);

impl<T: PyEnum> ToPy for Member<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_class::<T>(py)?.call1((self.0.code(),))
    }
}

impl<T: ToPy> ToPy for Option<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(v) => v.to_py(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

impl<T: ToPy> ToPy for Vec<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items = self.iter().map(|v| v.to_py(py)).collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.into_any())
    }
}

/// An enum value (or an optional or list of them) as Python enum members.
pub fn member<T: PyEnum>(value: T) -> Member<T> {
    Member(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_are_python_identifiers() {
        assert_eq!(member_name("no_show"), "NO_SHOW");
        assert_eq!(member_name("AB+"), "AB_POS");
        assert_eq!(member_name("O-"), "O_NEG");
        for code in <core::BloodGroup as PyEnum>::codes().into_iter().chain(<core::AuditAction as PyEnum>::codes()) {
            let name = member_name(code);
            assert!(name.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{name}");
        }
    }

    #[test]
    fn code_sets_come_from_the_core() {
        assert_eq!(<core::AppointmentStatus as PyEnum>::codes(), ["pending", "confirmed", "completed", "cancelled", "rejected", "no_show"]);
        assert_eq!(<core::Role as PyEnum>::parse("Receptionist").unwrap(), core::Role::Receptionist);
        assert!(<core::Role as PyEnum>::parse("wizard").is_err());
    }

    #[test]
    fn weekdays_round_trip_by_full_or_short_name() {
        for (code, day) in WEEKDAYS {
            assert_eq!(day.code(), code);
            assert_eq!(Weekday::parse(code).unwrap(), day);
            assert_eq!(Weekday::parse(&code[..3].to_uppercase()).unwrap(), day);
        }
        assert!(Weekday::parse("someday").is_err());
    }

    #[test]
    fn the_default_clock_keeps_microseconds() {
        let now = now();
        assert_eq!(now.timestamp_subsec_nanos() % 1000, 0);
    }
}
