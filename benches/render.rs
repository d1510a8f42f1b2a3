//! Render benchmark: a generated fleet of 50 daemons x 3 classes (150 DaemonSets), timed
//! through the release binary, process start included, against `everynode --version`
//! (process start alone) in the same run. Target: under 50 ms wall.
//!
//! Run: `cargo bench --bench render`

use std::process::Command;
use std::time::Duration;

mod common;
use common::{RUNS, fleet, ms, time};

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
    let median = |t: &[Duration]| t[t.len() / 2];
    println!(
        "render bench: {DAEMONS} daemons x 3 classes = {count} DaemonSets, {RUNS} runs each, wall time incl. process start"
    );
    println!("| command | min ms | median ms | median / process start |");
    println!("| --- | --- | --- | --- |");
    for (name, t) in [
        ("everynode --version (process start)", &start),
        ("everynode render .", &render),
        ("everynode render . --out DIR --check", &check),
    ] {
        println!(
            "| {name} | {:.1} | {:.1} | {:.1}x |",
            ms(t[0]),
            ms(median(t)),
            ms(median(t)) / ms(median(&start))
        );
    }
    let target = Duration::from_millis(50);
    println!(
        "target: render median under {} ms: {}",
        target.as_millis(),
        if median(&render) < target {
            "met"
        } else {
            "NOT MET"
        }
    );
}
