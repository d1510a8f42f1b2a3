//! `everynode coverage`: which daemon reaches which node pool, existing (`--state`,
//! `--live`) or not yet (`--node-pool`), and what each pool pays in daemon pods.

use std::path::PathBuf;

use everynode_core::coverage::{self, pools};
use everynode_core::diagnostic::{self, Diagnostic};

use crate::args::{CoverageArgs, CoverageFormat, StateArgs};
use crate::cmd::plan::{described, no_nodes};
use crate::input::{is_state_source, is_stdin, read_cluster, read_source, read_stdin_source};
use crate::report;
use crate::terminal::{colour, print_diagnostics, print_stdout};
use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

pub fn run(args: &CoverageArgs) -> u8 {
    let mut skipped: Vec<PathBuf> = args.state.clone();
    skipped.extend(args.node_pool.iter().cloned());
    // The pool sources do not depend on the descriptions: they are read and parsed on a
    // second thread while the descriptions compile.
    let (described, (sources, problems)) = std::thread::scope(|scope| {
        let sources = scope.spawn(|| pool_sources(args));
        let described = described(&args.paths, &is_state_source(&skipped), "cover");
        let sources = sources
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (described, sources)
    });
    let Some((desired, mut diagnostics)) = described else {
        return EXIT_ERROR;
    };
    diagnostics.extend(problems);
    diagnostics.extend(pools::duplicate_nodes(&sources));
    let read = coverage::read_keys(&desired);
    let all: Vec<pools::Pool> = sources
        .into_iter()
        .flat_map(|found| found.pools(&read))
        .collect();
    diagnostics.extend(pools::duplicate_names(&all));
    let failed = diagnostic::has_errors(&diagnostics);
    print_diagnostics(&diagnostic::sorted(diagnostics));
    if failed {
        return EXIT_ERROR;
    }
    let result = coverage::coverage(&desired, &all);
    let text = match args.format {
        CoverageFormat::Human => report::coverage::human(&result, colour(&std::io::stdout())),
        CoverageFormat::Json => report::coverage::json(&result),
        CoverageFormat::Markdown => report::coverage::markdown(&result),
    };
    print_stdout(&text);
    let code = if result.needs_attention() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    // The process ends next: the OS takes the memory back at once, where freeing every
    // cell and compiled DaemonSet piece by piece costs a few percent of the run.
    std::mem::forget((desired, all, result));
    code
}

/// The recording (`--state`, `--live`), then each `--node-pool` file, as found; with the
/// problems reading them.
fn pool_sources(args: &CoverageArgs) -> (Vec<pools::Found>, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    if !args.state.is_empty() || args.live {
        let state = StateArgs {
            state: args.state.clone(),
            live: args.live,
            context: args.context.clone(),
        };
        match read_cluster(&state) {
            Ok(cluster) if cluster.nodes.is_empty() => {
                problems.push(no_nodes("it gives no node pool"));
            }
            Ok(cluster) => found.push(pools::Found {
                source: if args.live {
                    "the live cluster".to_string()
                } else {
                    args.state
                        .iter()
                        .map(|p| everynode_core::source::display_path(p))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                nodes: cluster.nodes,
                ..pools::Found::default()
            }),
            Err(problem) => problems.push(problem),
        }
    }
    for path in &args.node_pool {
        // `-` is standard input, checked as a file is (UTF-8 text, no NUL).
        let read = if is_stdin(path) {
            read_stdin_source().map(Some)
        } else {
            read_source(path)
        };
        match read {
            Ok(Some(file)) => {
                let (pools, mut more) = pools::from_file(&file);
                found.push(pools);
                problems.append(&mut more);
            }
            Ok(None) => {}
            Err(problem) if problem.help.is_none() => problems.push(problem.with_help(
                "--node-pool takes a file of Karpenter NodePools or Nodes (a directory is not read), or - for standard input",
            )),
            Err(problem) => problems.push(problem),
        }
    }
    (found, problems)
}
