//! hms-ai: prescription analysis behind the core's `PrescriptionAnalyzer` port.
//!
//! An analysis has two halves with different trust. The [`checks`] are deterministic: the
//! [`rules`] pack shipped inside the crate (every rule with its source, loaded and cross-checked
//! at start) is applied to the prescription, the patient's allergies, conditions, age, pregnancy
//! and eGFR, with
//! strengths and frequencies read by the conservative [`parse`]rs; they need no network and always
//! run. The [`llm`] review is optional and untrusted: it sees only a [`deid`]entified payload whose
//! type cannot carry an identity, its answer is validated whole or rejected, and any failure
//! becomes a reason stored next to the deterministic findings, never an error. That is why the
//! [`Analyzer`] is infallible once built, as the port requires, while building it (reading the
//! rules and the environment) can fail loudly at start.
//!
//! A server builds one with [`Analyzer::from_env`] and hands it to `Hospital::with_analyzer`.

#![warn(missing_docs)]

mod analyzer;
pub mod checks;
pub mod deid;
mod error;
pub mod llm;
pub mod parse;
pub mod rules;

pub use analyzer::{Analyzer, NOT_CONFIGURED};
pub use error::{Error, ReviewError};
pub use llm::{AiConfig, JsonMode, LlmClient};
