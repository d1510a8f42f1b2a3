//! Stage 6, report: turning results into text. Pure functions from values to strings.

pub mod diagnostics;
pub mod explain;
pub mod manifests;
pub mod plan;
