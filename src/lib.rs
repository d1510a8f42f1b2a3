//! everynode: a compiler for node daemons on Kubernetes.
//!
//! The pipeline, one module per stage, data flowing one way:
//! [`parse`] → [`validate`] → [`expand`] → [`place`] → [`compare`] → [`report`], with the
//! cluster's side read by [`state`].
//! No stage does I/O, prints or exits: the binary owns files, flags and exit codes.

pub mod classes;
pub mod compare;
pub mod diagnostic;
pub mod expand;
pub mod lint;
pub mod model;
pub mod parse;
pub mod place;
pub mod report;
pub mod schema;
pub mod source;
pub mod state;
pub mod validate;

use std::sync::Arc;

use diagnostic::Diagnostic;
use expand::Rendered;
use source::SourceFile;

/// The result of compiling descriptions: the DaemonSets, or why not.
#[derive(Debug, Default)]
pub struct Compiled {
    pub parsed: parse::Parsed,
    pub rendered: Vec<Rendered>,
    /// Every problem, sorted; any error means `rendered` must not be emitted.
    pub diagnostics: Vec<Diagnostic>,
}

/// parse → validate → expand, stopping before expand when the descriptions are invalid.
pub fn compile(files: &[Arc<SourceFile>]) -> Compiled {
    let mut parsed = parse::parse(files);
    let mut diagnostics = std::mem::take(&mut parsed.diagnostics);
    diagnostics.extend(validate::validate(&parsed.daemons));
    let mut rendered = Vec::new();
    if !diagnostic::has_errors(&diagnostics) {
        let (expanded, problems) = expand::expand(&parsed.daemons);
        rendered = expanded;
        diagnostics.extend(problems);
    }
    Compiled {
        parsed,
        rendered,
        diagnostics: diagnostic::sorted(diagnostics),
    }
}
