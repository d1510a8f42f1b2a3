//! Stage 6, report: turning results into text. Pure functions from values to strings.

pub mod diagnostics;
pub mod diff;
pub mod explain;
pub mod lint;
pub mod manifests;
pub mod plan;

/// `1 node`, `3 nodes`: a count with its noun.
pub(crate) fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
