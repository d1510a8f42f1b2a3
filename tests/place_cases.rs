//! The upstream Kubernetes tests of the DaemonSet controller's placement
//! (`NodeShouldRunDaemonPod`, its taint, toleration and node-affinity cases, and the sync
//! tests that check which nodes get, keep or lose a pod), rewritten as data under
//! tests/data/place: one folder per upstream test and subcase, holding the DaemonSet, the
//! recorded cluster and the expected action on every node (`expect.txt`, where `none`
//! means no placement at all). tests/data/place/README.md maps each folder to its
//! upstream source. A case whose DaemonSet the API server now refuses on create holds a
//! file `rejected` naming the rule instead: `plan` must exit 2 with that rule.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;

#[test]
fn upstream_placement_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/place");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/data/place exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.join("expect.txt").is_file())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 40,
        "expected the case folders under {}",
        root.display()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy();
        let expect = std::fs::read_to_string(case.join("expect.txt")).unwrap();
        let expected: BTreeMap<&str, &str> = expect
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (node, action) = l.split_once(' ').expect("`<node> <action>`");
                (node, action.trim())
            })
            .collect();
        assert!(!expected.is_empty(), "{name}: expect.txt names no node");
        let (code, stdout, stderr) = common::everynode(
            case,
            &[
                "plan",
                "daemonset.yaml",
                "--state",
                "state.yaml",
                "--format",
                "json",
            ],
        );
        if let Ok(rule) = std::fs::read_to_string(case.join("rejected")) {
            if code != 2 || !stderr.contains(rule.trim()) {
                failures.push(format!(
                    "{name}: expected exit 2 with {}, got {code}\n{stderr}",
                    rule.trim()
                ));
            }
            continue;
        }
        if code != 0 {
            failures.push(format!("{name}: exit {code}\n{stderr}"));
            continue;
        }
        let plan = common::validated_plan(&stdout);
        let mut actual: BTreeMap<String, (String, String)> = BTreeMap::new();
        for p in plan["placements"].as_array().unwrap() {
            let node = p["node"].as_str().unwrap().to_string();
            let action = p["action"].as_str().unwrap().to_string();
            let reason = p["reason"].as_str().unwrap().to_string();
            if actual.insert(node.clone(), (action, reason)).is_some() {
                failures.push(format!("{name}: two placements on {node}"));
            }
        }
        for (node, want) in &expected {
            let (got, reason) = actual
                .remove(*node)
                .unwrap_or_else(|| ("none".into(), String::new()));
            if got != *want {
                failures.push(format!(
                    "{name}: {node}: expected {want}, planned {got} ({reason})"
                ));
            }
        }
        for (node, (action, _)) in actual {
            failures.push(format!(
                "{name}: {node}: planned {action}, but expect.txt does not name the node"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
