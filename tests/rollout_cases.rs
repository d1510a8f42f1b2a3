//! The upstream rolling-update tests (pkg/controller/daemon/update_test.go, and the
//! budget table `TestGetUnavailableNumbers`), rewritten as data under tests/data/rollout:
//! one folder per upstream test, `input.yaml` holding the strategy and the nodes with their
//! pods, `expected.yaml` what `everynode_k8s::rollout` gives: the budget, every sync's
//! creates and deletes, the waves, the nodes lost and left, and whether it is stuck now.
//! tests/data/rollout/README.md says how the upstream syncs map to these.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::fmt::Write;
use std::path::Path;

use everynode_k8s::rollout::{self, NodePods, Pod, Readiness};
use k8s_openapi::api::apps::v1::DaemonSetUpdateStrategy;
use serde::Deserialize;

mod common;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Input {
    strategy: Option<DaemonSetUpdateStrategy>,
    /// The best case (every pod becomes available between syncs), or never.
    new_pods_become_available: bool,
    nodes: Vec<Nodes>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Nodes {
    #[serde(default = "one")]
    count: usize,
    #[serde(default = "yes")]
    should_run: bool,
    /// `old` or `new`, then `:unready` or `:ready` (ready, not yet for minReadySeconds);
    /// available without a suffix. In the controller's keep order.
    #[serde(default)]
    pods: Vec<String>,
}

fn one() -> usize {
    1
}

fn yes() -> bool {
    true
}

fn pod(text: &str) -> Pod {
    let (which, readiness) = text.split_once(':').unwrap_or((text, "available"));
    Pod {
        current: match which {
            "new" => true,
            "old" => false,
            other => panic!("pod {other:?} is neither old nor new"),
        },
        readiness: match readiness {
            "available" => Readiness::Available,
            "ready" => Readiness::Ready,
            "unready" => Readiness::Unready,
            other => panic!("readiness {other:?}"),
        },
    }
}

fn run(input: &Input) -> String {
    let nodes: Vec<NodePods> = input
        .nodes
        .iter()
        .flat_map(|n| {
            let pods: Vec<Pod> = n.pods.iter().map(|p| pod(p)).collect();
            std::iter::repeat_n(
                NodePods {
                    should_run: n.should_run,
                    pods,
                },
                n.count,
            )
        })
        .collect();
    let desired = nodes.iter().filter(|n| n.should_run).count();
    let mut out = format!("desired: {desired}\n");
    let budget = match rollout::budget(input.strategy.as_ref(), desired as i64) {
        Ok(budget) => budget,
        Err(e) => return format!("{out}error: {e}\n"),
    };
    let _ = writeln!(
        out,
        "maxUnavailable: {}\nmaxSurge: {}",
        budget.max_unavailable, budget.max_surge
    );
    if rollout::strategy_type(input.strategy.as_ref()) == "OnDelete" {
        return format!("{out}# OnDelete: rollingUpdate does not run\n");
    }
    let r = rollout::simulate(&nodes, budget, input.new_pods_become_available);
    out.push_str("# per sync: [created, deleted]\nsyncs:\n");
    for s in &r.syncs {
        let _ = writeln!(out, "  - [{}, {}]", s.created, s.deleted);
    }
    let _ = writeln!(out, "waves: {:?}", r.waves);
    let _ = writeln!(out, "lost: {:?}", r.lost);
    let _ = writeln!(out, "left: {:?}", r.left);
    let _ = writeln!(out, "stuck: {}", r.stuck);
    out
}

#[test]
fn upstream_rolling_update_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rollout");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/data/rollout exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("input.yaml").is_file())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 15,
        "expected the cases under {}",
        root.display()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let text = std::fs::read_to_string(case.join("input.yaml")).unwrap();
        let input: Input =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        common::check_expectation(&case.join("expected.yaml"), &run(&input), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
