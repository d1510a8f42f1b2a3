//! Stage 6, report: turning results into text. Pure functions from values to strings.

pub mod code_quality;
pub mod coverage;
pub mod diagnostics;
pub mod diff;
pub mod explain;
pub mod junit;
pub mod lint;
pub mod manifests;
pub mod markdown;
pub mod plan;

pub use everynode_core::diagnostic::count;
