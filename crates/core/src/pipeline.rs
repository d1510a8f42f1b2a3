//! parse → validate → expand in one call: what render, plan, diff and lint start from.

use std::sync::Arc;

use crate::diagnostic::{self, Diagnostic};
use crate::expand::{self, Rendered};
use crate::source::SourceFile;
use crate::{parse, validate};

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
