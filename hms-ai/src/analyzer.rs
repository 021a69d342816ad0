//! The analyzer the core calls through its `PrescriptionAnalyzer` port.

use std::time::Instant;

use async_trait::async_trait;
use chrono::NaiveDate;
use hms_core::ports::PrescriptionAnalyzer;
use hms_core::{AnalysisOutcome, AnalysisSubject, NewAnalysis};

use crate::checks::check_subject;
use crate::deid::DeidentifiedPayload;
use crate::error::Error;
use crate::llm::{AiConfig, LlmClient};
use crate::rules::RulePack;

/// The reason stored when no endpoint is configured.
pub const NOT_CONFIGURED: &str = "no AI endpoint is configured; the deterministic checks ran alone";

/// Runs the deterministic checks always, and the LLM review when an endpoint is configured.
#[derive(Debug)]
pub struct Analyzer {
    rules: &'static RulePack,
    llm: Option<LlmClient>,
}

impl Analyzer {
    /// An analyzer with the shipped rules and, when `config` is given, the LLM review.
    pub fn new(config: Option<AiConfig>) -> Result<Self, Error> {
        let rules = RulePack::shipped()?;
        let llm = config.map(LlmClient::new).transpose()?;
        Ok(Analyzer { rules, llm })
    }

    /// An analyzer configured from the environment (see [`AiConfig::from_env`]); checks only when
    /// no endpoint is configured.
    pub fn from_env() -> Result<Self, Error> {
        Self::new(AiConfig::from_env()?)
    }

    /// The rule pack in use.
    pub fn rules(&self) -> &RulePack {
        self.rules
    }

    /// The model asked, when the LLM review is configured.
    pub fn model(&self) -> Option<&str> {
        self.llm.as_ref().map(|c| c.config().model.as_str())
    }
}

#[async_trait]
impl PrescriptionAnalyzer for Analyzer {
    async fn analyze(&self, subject: &AnalysisSubject, today: NaiveDate) -> NewAnalysis {
        let started = Instant::now();
        let checks = check_subject(self.rules, subject, today);
        let mut analysis = NewAnalysis {
            prescription_revision: subject.prescription.revision,
            content_sha256: subject.content_sha256(),
            checks,
            review: None,
            review_unavailable_reason: Some(NOT_CONFIGURED.to_string()),
            outcome: AnalysisOutcome::ChecksOnly,
            model: None,
            payload_sha256: None,
            latency_ms: 0,
        };
        if let Some(llm) = &self.llm {
            let payload = DeidentifiedPayload::new(subject, today, &analysis.checks);
            analysis.model = Some(llm.config().model.clone());
            analysis.payload_sha256 = Some(payload.sha256());
            match llm.review(&payload).await {
                Ok(review) => {
                    analysis.review = Some(review);
                    analysis.review_unavailable_reason = None;
                    analysis.outcome = AnalysisOutcome::Complete;
                }
                Err(e) => {
                    tracing::warn!(error = %e, model = %llm.config().model, "AI review unavailable");
                    analysis.review_unavailable_reason = Some(e.to_string());
                    analysis.outcome = AnalysisOutcome::AiUnavailable;
                }
            }
        }
        analysis.latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        tracing::info!(
            outcome = %analysis.outcome,
            findings = analysis.checks.len(),
            latency_ms = analysis.latency_ms,
            sha256 = analysis.payload_sha256.as_deref().unwrap_or("-"),
            "prescription analysed"
        );
        analysis
    }
}
