//! parse → validate → expand in one call: what render, plan, diff and lint start from.

use std::ops::Range;
use std::sync::Arc;

use crate::diagnostic::{self, Diagnostic, Severity};
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

/// parse → validate → expand, every problem of every daemon in one run (any error still
/// means nothing may be emitted).
pub fn compile(files: &[Arc<SourceFile>]) -> Compiled {
    let mut parsed = parse::parse(files);
    let mut diagnostics = std::mem::take(&mut parsed.diagnostics);
    diagnostics.extend(validate::validate(&parsed.daemons));
    // Every daemon is expanded, even one with errors of its own, so what the API server
    // would reject in it is reported in the same run. Of a daemon with errors, a problem
    // is kept only where it points at a setting the description's own rules have not
    // flagged: one placed at the daemon's or a class's declaration may be an echo of them
    // (a missing image is said once).
    let (rendered, problems) = expand::expand(&parsed.daemons);
    let flagged: Vec<(Arc<SourceFile>, Range<usize>)> = (diagnostics.iter())
        .filter(|d| d.severity == Severity::Error)
        .filter_map(|d| Some((d.file.clone()?, range(d.span?))))
        .collect();
    let echoes: Vec<(Arc<SourceFile>, Range<usize>)> = (parsed.daemons.iter())
        .filter(|daemon| {
            let whole = daemon.spans.get_exact("").map(range);
            flagged.iter().any(|(file, r)| {
                Arc::ptr_eq(file, &daemon.file)
                    && whole.as_ref().is_none_or(|w| w.contains(&r.start))
            })
        })
        .flat_map(|daemon| {
            let classes =
                (0..daemon.daemon.spec.classes.len()).map(|i| format!("/spec/classes/{i}"));
            std::iter::once(String::new())
                .chain(classes)
                .filter_map(|at| daemon.spans.get_exact(&at))
                .map(|span| (daemon.file.clone(), range(span)))
                .collect::<Vec<_>>()
        })
        .collect();
    diagnostics.extend(problems.into_iter().filter(|p| {
        let (Some(file), Some(span)) = (&p.file, p.span) else {
            return true;
        };
        let here = range(span);
        let overlaps = flagged
            .iter()
            .any(|(f, r)| Arc::ptr_eq(f, file) && r.start < here.end && here.start < r.end);
        let echo = echoes
            .iter()
            .any(|(f, r)| Arc::ptr_eq(f, file) && *r == here);
        !overlaps && !echo
    }));
    Compiled {
        parsed,
        rendered,
        diagnostics: diagnostic::sorted(diagnostics),
    }
}

/// The bytes a span covers (at least one).
fn range(span: crate::source::Span) -> Range<usize> {
    span.offset()..span.offset() + span.len().max(1)
}
