//! `everynode plan`: what applying the descriptions and manifests would do to each node.

use crate::report;
use everynode_core::compare::{self, Desired};
use everynode_core::diagnostic::{self, Code, Diagnostic};
use everynode_k8s::objects::Cluster;

use crate::args::{PlanArgs, PlanFormat, StateArgs};
use crate::input::{is_state_source, read_cluster, read_inputs_except};
use crate::terminal::{colour, print_diagnostics, print_stdout};
use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

pub fn run(args: &PlanArgs) -> u8 {
    // The rollout's `slow_rollout` limit is lint's, from the same file.
    let config = match super::lint::config(None) {
        Ok(config) => config,
        Err(problems) => {
            print_diagnostics(&problems);
            return EXIT_ERROR;
        }
    };
    let Some((desired, cluster)) = inputs(&args.paths, &args.state, true) else {
        return EXIT_ERROR;
    };
    let plan = compare::plan(&desired, &cluster, config.slow_rollout_waves);
    let text = match args.format {
        PlanFormat::Json => report::plan::json(&plan),
        PlanFormat::Human => report::plan::human(&plan, colour(&std::io::stdout())),
        PlanFormat::Markdown => report::plan::markdown(&plan),
    };
    print_stdout(&text);
    let code = if args.exit_code && plan.changes {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    // The process ends next: freeing a 5,000-node state piece by piece would cost a tenth
    // of the run (BENCHMARKS.md), and the OS takes the memory back at once.
    std::mem::forget((desired, cluster, plan));
    code
}

/// The DaemonSets that should exist (descriptions compiled, manifests checked) under the
/// PATHs, except the files `skip` names (the state's own), with the diagnostics found;
/// `None`, with them printed, when any is an error. `what` names the command in the
/// message for no input at all.
pub fn described(
    paths: &[std::path::PathBuf],
    skip: &dyn Fn(&everynode_core::source::SourceFile) -> bool,
    what: &str,
) -> Option<(Vec<Desired>, Vec<Diagnostic>)> {
    let (files, mut diagnostics) = read_inputs_except(paths, skip);
    let compiled = everynode_core::compile(&files);
    diagnostics.extend(compiled.diagnostics.iter().cloned());
    let (desired, problems) = compare::desired(compiled.rendered, &compiled.parsed.manifests);
    diagnostics.extend(problems);
    if desired.is_empty() && !diagnostic::has_errors(&diagnostics) {
        diagnostics.push(
            Diagnostic::new(Code::no_descriptions, format!("no description or DaemonSet manifest found: nothing to {what}"))
                .with_help("everynode reads .kdl descriptions, YAML descriptions (kind: Daemon) and DaemonSet manifests under the PATHs"),
        );
    }
    if diagnostic::has_errors(&diagnostics) {
        print_diagnostics(&diagnostic::sorted(diagnostics));
        return None;
    }
    Some((desired, diagnostics))
}

/// What plan, explain and diff read: the DaemonSets that should exist (descriptions
/// compiled, manifests checked) and the cluster state. Prints the diagnostics; `None`
/// when any is an error. A command that `places` pods warns when the state has no nodes.
pub fn inputs(
    paths: &[std::path::PathBuf],
    state: &StateArgs,
    places: bool,
) -> Option<(Vec<Desired>, Cluster)> {
    let (desired, mut diagnostics) = described(paths, &is_state_source(&state.state), "plan")?;
    let cluster = match read_cluster(state) {
        Ok(cluster) => cluster,
        Err(problem) => {
            diagnostics.push(problem);
            print_diagnostics(&diagnostic::sorted(diagnostics));
            return None;
        }
    };
    // diff compares objects and places nothing: no nodes is no problem there.
    if places && cluster.nodes.is_empty() {
        diagnostics.push(no_nodes("no pod can be placed"));
    }
    if places {
        diagnostics.extend(compare::unknown_template_nodes(&desired, &cluster));
        diagnostics.extend(compare::claim_warnings(&desired, &cluster));
    }
    print_diagnostics(&diagnostic::sorted(diagnostics));
    Some((desired, cluster))
}

/// The warning for a state without Node objects (a recording of pods or DaemonSets only,
/// or the wrong file), saying what it leaves undone (`consequence`).
pub fn no_nodes(consequence: &str) -> Diagnostic {
    Diagnostic::new(
        Code::no_nodes,
        format!("the state holds no Node objects: {consequence}"),
    )
    .with_help("record nodes too: kubectl get nodes,daemonsets,pods -A -o json > cluster.json")
}
