//! Integration tests of hms-ai: the AI client against an OpenAI-compatible stub server on
//! 127.0.0.1 (never the internet), the analyzer, and the analysis workflow through the core.

mod analyzer;
mod cases;
mod common;
mod hospital;
mod llm;
mod local_model;
mod stub;
