//! The Python module for hms.
