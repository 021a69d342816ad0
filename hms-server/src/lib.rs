//! The HTTP server for hms.
