//! AI prescription analysis for hms: deterministic checks and an LLM review behind the core's analyzer port.
