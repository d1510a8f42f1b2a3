//! Diff benchmark: 150 rendered DaemonSets (the render bench's 50 daemons x 3 classes)
//! against a recorded state holding them (the rendered List, as a cluster would return
//! it), so every DaemonSet is normalized on both sides and compared; timed through the
//! release binary, process start included. Target (issue 5): under 100 ms.
//!
//! Run: `cargo bench --bench diff`
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::process::Command;
use std::time::Duration;

mod common;
use common::{fleet, report, time};

const DAEMONS: usize = 50;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let descriptions = dir.path().join("daemons");
    std::fs::create_dir_all(&descriptions).unwrap();
    fleet(&descriptions, DAEMONS);
    let rendered = Command::new(env!("CARGO_BIN_EXE_everynode"))
        .args(["render", "daemons", "-o", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(rendered.status.success());
    std::fs::write(dir.path().join("state.json"), &rendered.stdout).unwrap();
    let start = time(&["--version"], dir.path());
    let output = Command::new(env!("CARGO_BIN_EXE_everynode"))
        .args(["diff", "daemons", "--state", "state.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let diff = time(&["diff", "daemons", "--state", "state.json"], dir.path());
    report(
        &format!(
            "diff bench: {} DaemonSets against a state holding them",
            DAEMONS * 3
        ),
        &start,
        &[("everynode diff daemons --state state.json", &diff)],
        Duration::from_millis(100),
    );
}
