//! `--format markdown` stays within a GitHub comment (65,536 characters) however large the
//! result, and says how much it left out: a coverage of 2,000 NodePools, through the
//! binary, read back by the CommonMark reader the CLI cases use.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::fmt::Write;

mod common;

#[test]
fn a_coverage_of_thousands_of_pools_is_cut_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("agent.kdl"),
        "daemon \"agent\" {\n    namespace \"ops\"\n    image \"example.com/agent:1.0.0\"\n    requests cpu=\"10m\" memory=\"16Mi\"\n}\n",
    )
    .unwrap();
    let mut pools = String::new();
    for i in 0..2_000 {
        let _ = write!(
            pools,
            "---\napiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata:\n  name: pool-{i:04}\nspec:\n  template:\n    spec:\n      nodeClassRef: {{group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}}\n      requirements: []\n      taints: [{{key: dedicated, value: pool-{i}, effect: NoSchedule}}]\n"
        );
    }
    // A file name of characters of several bytes, in every pool's source: a cut inside
    // one would show.
    std::fs::write(dir.path().join("pööls.yaml"), pools).unwrap();
    let (code, stdout, stderr) = common::everynode(
        dir.path(),
        &[
            "coverage",
            "agent.kdl",
            "--node-pool",
            "pööls.yaml",
            "--format",
            "markdown",
        ],
    );
    assert_eq!(code, 1, "every pool blocks the agent: {stderr}");
    assert!(
        stdout.chars().count() <= 65_536,
        "{} characters",
        stdout.chars().count()
    );
    assert!(stdout.contains("left out"), "no count of what was cut");
    common::markdown_checked(&stdout).unwrap();
}

/// One file with more findings than a comment holds (a whole chart piped in): its first
/// findings are shown, the rest counted, and the `<details>` block still closed.
#[test]
fn one_file_with_too_many_findings_is_cut_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mut chart = String::new();
    for i in 0..400 {
        // `:latest` and no requests: two warnings each.
        let _ = write!(
            chart,
            "---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent-{i:03}\n  namespace: ops\nspec:\n  selector: {{matchLabels: {{app: agent-{i:03}}}}}\n  template:\n    metadata: {{labels: {{app: agent-{i:03}}}}}\n    spec:\n      containers:\n        - {{name: agent, image: \"example.com/agent-{i:03}:latest\"}}\n"
        );
    }
    let (code, stdout, stderr) = common::everynode_with_stdin(
        dir.path(),
        &["lint", "-", "--format", "markdown"],
        chart.as_bytes(),
    );
    assert_eq!(code, 0, "warnings only: {stderr}");
    assert!(stdout.chars().count() <= 65_536);
    assert!(stdout.contains("agent-000"), "the first findings are shown");
    assert!(!stdout.contains("agent-399"), "the last ones are not");
    assert!(stdout.contains("This file is cut here:"), "{stdout}");
    assert!(stdout.contains("more findings left out"), "{stdout}");
    assert_eq!(
        stdout.matches("<details>").count(),
        stdout.matches("</details>").count()
    );
    common::markdown_checked(&stdout).unwrap();
}
