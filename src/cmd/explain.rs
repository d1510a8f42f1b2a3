//! `everynode explain`: why a DaemonSet's pod does or does not belong on one node.

use crate::report;
use everynode_core::compare::explain;
use everynode_core::diagnostic::{Code, Diagnostic, did_you_mean};

use crate::args::ExplainArgs;
use crate::cmd::plan::inputs;
use crate::terminal::{colour, print_diagnostics, print_stdout};
use crate::{EXIT_ERROR, EXIT_OK};

pub fn run(args: &ExplainArgs) -> u8 {
    let Some((desired, cluster)) = inputs(&args.paths, &args.state, true) else {
        return EXIT_ERROR;
    };
    let target = match explain::find(&desired, &cluster, &args.daemonset) {
        Ok(target) => target,
        Err(explain::NotFound::Ambiguous(one, other)) => {
            print_diagnostics(&[Diagnostic::new(
                Code::unknown_daemonset,
                format!(
                    "`{}` names two DaemonSets: {one} and {other}",
                    args.daemonset
                ),
            )
            .with_help(format!("name one with its namespace, like `{one}`"))]);
            return EXIT_ERROR;
        }
        Err(explain::NotFound::Unknown(names)) => {
            let help = match did_you_mean(&args.daemonset, names.iter().map(String::as_str)) {
                Some(best) => format!("did you mean `{best}`?"),
                None if names.is_empty() => "no DaemonSet is rendered or in the state".to_string(),
                None => format!("the DaemonSets are: {}", names.join(", ")),
            };
            print_diagnostics(&[Diagnostic::new(
                Code::unknown_daemonset,
                format!(
                    "no DaemonSet `{}` is rendered from the PATHs or in the state",
                    args.daemonset
                ),
            )
            .with_help(help)]);
            return EXIT_ERROR;
        }
    };
    let Some(node) = cluster.node(&args.node) else {
        let names = cluster.nodes.iter().map(|n| n.name.as_str());
        let help = match did_you_mean(&args.node, names) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "the state holds {} nodes; `kubectl get nodes` lists their names",
                cluster.nodes.len()
            ),
        };
        print_diagnostics(&[Diagnostic::new(
            Code::unknown_node_name,
            format!("no node `{}` in the state", args.node),
        )
        .with_help(help)]);
        return EXIT_ERROR;
    };
    match explain::facts(&target, &desired, &cluster, node) {
        Some(facts) => {
            print_stdout(&report::explain::human(&facts, colour(&std::io::stdout())));
            EXIT_OK
        }
        None => {
            print_diagnostics(&[Diagnostic::new(
                Code::invalid_field,
                format!("`{}` has no pod template to place", args.daemonset),
            )]);
            EXIT_ERROR
        }
    }
}
