//! Coverage benchmark: 100 Karpenter NodePools against 200 DaemonSets (the bench fleet's
//! 67 daemons of three classes each, plus none: 201), decided statically, through the
//! release binary, process start included, against `everynode --version` and `render` of
//! the same daemons in the same run.
//! Target (issue 15): under 100 ms.
//!
//! Run: `cargo bench --bench coverage` (`EVERYNODE_BENCH_DIR=DIR` keeps the files)
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::fmt::Write;
use std::time::Duration;

mod common;
use common::{fleet, report, time, time_exiting};

/// One NodePool of a realistic mix: GPU pools tainted, arm, amd and mixed pools, spot
/// pools, with instance families, zones and startup taints.
fn node_pool(i: usize) -> String {
    let mut text = format!(
        "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata:\n  name: pool-{i:03}\nspec:\n  template:\n    metadata:\n      labels:\n        team: team-{}\n    spec:\n      nodeClassRef: {{group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}}\n",
        i % 7
    );
    if i.is_multiple_of(5) {
        text.push_str("      taints:\n        - {key: nvidia.com/gpu, effect: NoSchedule}\n");
    }
    if i.is_multiple_of(3) {
        text.push_str(
            "      startupTaints:\n        - {key: node.cilium.io/agent-not-ready, value: \"true\", effect: NoExecute}\n",
        );
    }
    text.push_str("      requirements:\n");
    let arch = match i % 3 {
        0 => "[amd64]",
        1 => "[arm64]",
        _ => "[amd64, arm64]",
    };
    let _ = writeln!(
        text,
        "        - {{key: kubernetes.io/arch, operator: In, values: {arch}}}"
    );
    text.push_str("        - {key: kubernetes.io/os, operator: In, values: [linux]}\n");
    let capacity = if i.is_multiple_of(2) {
        "[spot, on-demand]"
    } else {
        "[on-demand]"
    };
    let _ = writeln!(
        text,
        "        - {{key: karpenter.sh/capacity-type, operator: In, values: {capacity}}}"
    );
    let _ = writeln!(
        text,
        "        - {{key: karpenter.k8s.aws/instance-family, operator: In, values: [m6i, c6i, r6i, p4d, g5]}}\n        - {{key: karpenter.k8s.aws/instance-generation, operator: Gt, values: [\"{}\"]}}\n        - {{key: topology.kubernetes.io/zone, operator: In, values: [eu-west-1a, eu-west-1b]}}",
        // Gt 3, 4 or 5: a family of a later generation is always left (Gt 6 over these
        // families would launch nothing, which coverage refuses).
        3 + i % 3
    );
    text
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    // `EVERYNODE_BENCH_DIR=DIR` keeps the generated files there, for profiling.
    let kept = std::env::var_os("EVERYNODE_BENCH_DIR").map(std::path::PathBuf::from);
    let root = kept.as_deref().unwrap_or(dir.path());
    let daemons = root.join("daemons");
    std::fs::create_dir_all(&daemons).unwrap();
    fleet(&daemons, 67);
    let pools: Vec<String> = (0..100).map(node_pool).collect();
    std::fs::write(root.join("pools.yaml"), pools.join("---\n")).unwrap();
    let start = time(&["--version"], root);
    let json = time_exiting(
        &[
            "coverage",
            "daemons",
            "--node-pool",
            "pools.yaml",
            "--format",
            "json",
        ],
        root,
        &[0, 1],
    );
    let human = time_exiting(
        &["coverage", "daemons", "--node-pool", "pools.yaml"],
        root,
        &[0, 1],
    );
    // The descriptions' compile, which coverage shares with every command: the same
    // daemons rendered in the same run, so coverage's own share reads as a ratio.
    let render = time(&["render", "daemons"], root);
    report(
        "coverage bench: 100 NodePools x 201 DaemonSets (67 daemons, 3 classes each)",
        &start,
        &[
            ("everynode coverage … --format json", &json),
            ("everynode coverage … (the matrix)", &human),
            (
                "everynode render daemons (the compile alone, and YAML)",
                &render,
            ),
        ],
        Duration::from_millis(100),
    );
}
