//! Render benchmark: a generated fleet of 50 daemons x 3 classes (150 DaemonSets), timed
//! through the release binary, process start included, against `everynode --version`
//! (process start alone) in the same run. Target: under 50 ms wall.
//!
//! Run: `cargo bench --bench render`
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::process::Command;
use std::time::Duration;

mod common;
use common::{fleet, report, time};

const DAEMONS: usize = 50;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    fleet(dir.path(), DAEMONS);
    let documents = Command::new(env!("CARGO_BIN_EXE_everynode"))
        .args(["render", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let count = String::from_utf8_lossy(&documents.stdout)
        .matches("kind: DaemonSet")
        .count();
    assert_eq!(count, DAEMONS * 3);
    let start = time(&["--version"], dir.path());
    let render = time(&["render", "."], dir.path());
    let check_dir = dir.path().join("out");
    time(
        &["render", ".", "--out", check_dir.to_str().unwrap()],
        dir.path(),
    );
    let check = time(
        &[
            "render",
            ".",
            "--out",
            check_dir.to_str().unwrap(),
            "--check",
        ],
        dir.path(),
    );
    report(
        &format!("render bench: {DAEMONS} daemons x 3 classes = {count} DaemonSets"),
        &start,
        &[
            ("everynode render .", &render),
            ("everynode render . --out DIR --check", &check),
        ],
        Duration::from_millis(50),
    );
}
