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

/// Runs `work` on contiguous chunks of `items`, one chunk per core when there are at
/// least `min` items (else on this thread), the chunks of about equal total `weight`, and
/// returns the chunks' results in order, so what comes out does not depend on scheduling.
pub(crate) fn on_every_core<T: Sync, R: Send>(
    items: &[T],
    min: usize,
    weight: impl Fn(&T) -> usize,
    work: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    if workers < 2 || items.len() < min {
        return vec![work(items)];
    }
    let total: usize = items.iter().map(&weight).sum();
    let share = total.div_ceil(workers).max(1);
    let mut chunks = Vec::with_capacity(workers);
    let (mut start, mut sum) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        sum += weight(item);
        if sum >= share && chunks.len() + 1 < workers {
            chunks.push(&items[start..=i]);
            (start, sum) = (i + 1, 0);
        }
    }
    if start < items.len() {
        chunks.push(&items[start..]);
    }
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|part| scope.spawn(move || work(part)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}
