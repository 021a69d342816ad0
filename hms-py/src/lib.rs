//! hms-py: the Python module of hms, compiled as `hms._hms` and wrapped by the `hms` package.
//!
//! The module is a thin translation of the core: each Python method maps its keyword arguments
//! to one `Hospital` workflow and converts the answer to Python-native values. It holds no rule
//! of its own. Every call releases the GIL while the core works on a shared multi-threaded tokio
//! runtime, so Python threads run in parallel and one `Hospital` may be shared between them.
//! Core errors become exception classes in one place (`errors.rs`).

#![warn(missing_docs)]

mod convert;
mod errors;
mod hospital;
mod records;
mod session;

use std::future::Future;
use std::sync::OnceLock;

use pyo3::prelude::*;

/// The runtime every call runs on: shared by all threads and hospitals of the process.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("hms-runtime")
            .enable_all()
            .build()
            .expect("the tokio runtime of the hms module starts")
    })
}

/// Runs one core call to completion with the GIL released, and maps its error to an exception.
fn run<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    F: Future<Output = hms_core::Result<T>> + Send,
    T: Send,
{
    py.detach(|| runtime().block_on(work)).map_err(|e| errors::to_py(py, e))
}

/// The compiled module `hms._hms`; the `hms` package re-exports its public names.
#[pymodule]
fn _hms(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    convert::register_enums(m)?;
    records::register(m)?;
    m.add_class::<hospital::PyHospital>()?;
    m.add_class::<session::PySession>()?;
    Ok(())
}
