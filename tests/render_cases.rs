//! Data-driven cases of `everynode render`, one folder per case under tests/data/render:
//!
//! - `in/`: the input files (the command runs as `everynode render in` in the case folder);
//! - `stdout.yaml`: the expected output of a valid case (exit 0);
//! - `stderr.txt`: the expected diagnostics of an invalid case (exit 2, nothing written
//!   with `--out` either).
//!
//! `EVERYNODE_BLESS=1 cargo test --test render_cases` rewrites the expectations; review
//! them as a diff.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::path::{Path, PathBuf};

mod common;

fn run(case: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["render", "in"];
    args.extend_from_slice(extra);
    common::everynode(case, &args)
}

#[test]
fn render_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/render");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/data/render exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.join("in").is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 10,
        "expected the case folders under {}",
        root.display()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy();
        let invalid = case.join("stderr.txt").exists();
        let (code, stdout, stderr) = run(case, &[]);
        if invalid {
            if code != 2 {
                failures.push(format!("{name}: expected exit 2, got {code}\n{stderr}"));
            }
            if !stdout.is_empty() {
                failures.push(format!("{name}: an invalid case printed output"));
            }
            common::check_expectation(&case.join("stderr.txt"), &stderr, &mut failures);
            // Every diagnostic names file:line:column.
            if !stderr.contains("─[in/") {
                failures.push(format!(
                    "{name}: the diagnostics name no in/FILE:LINE:COLUMN"
                ));
            }
            let out = tempfile::tempdir().expect("temporary directory");
            let dir = out.path().join("manifests");
            let (code, _, _) = run(case, &["--out", dir.to_str().unwrap()]);
            if code != 2 || dir.exists() {
                failures.push(format!(
                    "{name}: --out on an invalid case must exit 2 and write nothing"
                ));
            }
        } else {
            if code != 0 {
                failures.push(format!("{name}: expected exit 0, got {code}\n{stderr}"));
            }
            common::check_expectation(&case.join("stdout.yaml"), &stdout, &mut failures);
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
