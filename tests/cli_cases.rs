//! Data-driven cases of the command line, one folder per case under tests/data/cli
//! (help, flags, `render` and `schema` on the shipped examples), tests/data/plan (`plan`
//! and `explain`), tests/data/diff and tests/data/lint:
//!
//! - `cmd`: the arguments, one line, split on whitespace;
//! - `cwd` (optional): where the command runs, a path relative to the repository root
//!   (`.` for the root itself, so `examples/` is the shipped one); without it the command
//!   runs in the case folder;
//! - `stdin` (optional): what the command reads on standard input (`-` as a PATH, or
//!   `--state -`);
//! - the input files the arguments name;
//! - `stdout`, `stderr`, `code`: what the command prints and its exit code, byte for byte.
//!
//! Every plan printed with `--format json` is checked against schemas/plan.schema.json,
//! every lint report against schemas/lint.schema.json, every SARIF log against the
//! official SARIF 2.1.0 schema, every JUnit report is read back by an XML reader and its
//! counts checked, every GitLab Code Quality report is checked against
//! schemas/gitlab-code-quality.schema.json (fingerprints unique), and the output of
//! `schema` and `render -o json` must parse as JSON. `EVERYNODE_BLESS=1 cargo test --test cli_cases` rewrites
//! the expectations (the one bless variable of the suite, read in tests/common); review
//! them as a diff.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::path::{Path, PathBuf};

mod common;

fn run_cases(folder: &str, at_least: usize) {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = repository.join("tests/data").join(folder);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|_| panic!("{} exists", root.display()))
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.join("cmd").is_file())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= at_least,
        "expected the case folders under {}",
        root.display()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy();
        let cmd = std::fs::read_to_string(case.join("cmd")).expect("readable cmd");
        let args: Vec<&str> = cmd.split_whitespace().collect();
        let stdin = std::fs::read(case.join("stdin")).unwrap_or_default();
        let dir = match std::fs::read_to_string(case.join("cwd")) {
            Ok(cwd) => repository.join(cwd.trim()),
            Err(_) => case.clone(),
        };
        assert!(dir.is_dir(), "{name}: no directory {}", dir.display());
        let (code, stdout, stderr) = common::everynode_with_stdin(&dir, &args, &stdin);
        if code == 101 || stderr.contains("panicked") {
            failures.push(format!("{name}: the binary panicked\n{stderr}"));
            continue;
        }
        common::check_expectation(&case.join("code"), &format!("{code}\n"), &mut failures);
        common::check_expectation(&case.join("stdout"), &stdout, &mut failures);
        common::check_expectation(&case.join("stderr"), &stderr, &mut failures);
        match (
            args.first().copied(),
            cmd.contains("--format json"),
            cmd.contains("--format sarif"),
        ) {
            (Some("plan"), true, _) if code != 2 => {
                common::validated_plan(&stdout);
            }
            (Some("lint"), true, _) if !stdout.is_empty() => {
                common::validated(&stdout, "schemas/lint.schema.json");
            }
            (Some("lint"), _, true) if !stdout.is_empty() => {
                common::validated(&stdout, "tests/data/schemas/sarif-schema-2.1.0.json");
            }
            (Some("coverage"), true, _) if code != 2 => {
                common::validated(&stdout, "schemas/coverage.schema.json");
            }
            _ => {}
        }
        // `schema` and `render -o json` print JSON: the bytes must parse (a snapshot tool
        // that rewrites backslashes once let a non-JSON expectation through).
        let prints_json = match args.first().copied() {
            Some("schema") => true,
            Some("render") => args
                .windows(2)
                .any(|w| matches!(w[0], "-o" | "--output") && w[1] == "json"),
            _ => false,
        };
        if code == 0
            && prints_json
            && let Err(e) = serde_json::from_str::<serde_json::Value>(&stdout)
        {
            failures.push(format!("{name}: stdout is not JSON ({e})"));
        }
        if args.first() == Some(&"lint")
            && cmd.contains("--format junit")
            && let Err(problem) = common::junit_counts(&stdout)
        {
            failures.push(format!("{name}: {problem}"));
        }
        if args.first() == Some(&"lint") && cmd.contains("--format gitlab") {
            common::validated_code_quality(&stdout);
        }
        if cmd.contains("--format markdown")
            && code != 2
            && let Err(problem) = common::markdown_checked(&stdout)
        {
            failures.push(format!("{name}: {problem}"));
        }
        if code == 2 && args.first() == Some(&"plan") && !stdout.is_empty() {
            failures.push(format!("{name}: a failed run printed to stdout"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn plan_and_explain_cases() {
    run_cases("plan", 20);
}

#[test]
fn diff_cases() {
    run_cases("diff", 7);
}

#[test]
fn lint_cases() {
    run_cases("lint", 30);
}

#[test]
fn coverage_cases() {
    run_cases("coverage", 8);
}

#[test]
fn cli_cases() {
    run_cases("cli", 9);
}
