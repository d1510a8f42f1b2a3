//! Helpers shared by the integration tests.
// Each test binary compiles this module and uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// Runs the everynode binary in `dir` without colour: (exit code, stdout, stderr).
pub fn everynode(dir: &Path, args: &[&str]) -> (i32, String, String) {
    everynode_with_stdin(dir, args, &[])
}

/// Runs the everynode binary in `dir` without colour, feeding `stdin` to it.
pub fn everynode_with_stdin(dir: &Path, args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_everynode"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the everynode binary runs");
    let mut input = child.stdin.take().expect("piped stdin");
    let stdin = stdin.to_vec();
    // A separate thread writes, so a child that stops reading cannot deadlock the test.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let output = child
        .wait_with_output()
        .expect("the everynode binary finishes");
    writer.join().expect("the stdin writer finishes");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The files under `dir` as the binary finds them (its one walker: ignore files, hidden
/// entries and `target` directories skipped), in name order.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    everynode::input::walk(dir)
        .map(|path| path.unwrap_or_else(|d| panic!("{}", d.message)))
        .collect()
}

/// Parses a plan printed by `--format json` and checks it against the committed
/// schemas/plan.schema.json, so every test that produces a plan also tests the contract.
pub fn validated_plan(stdout: &str) -> serde_json::Value {
    validated(stdout, "schemas/plan.schema.json")
}

/// Parses a JSON document and checks it against a schema of the repository (a path from
/// its root); panics with every violation.
pub fn validated(stdout: &str, schema: &str) -> serde_json::Value {
    static VALIDATORS: Mutex<BTreeMap<String, Arc<jsonschema::Validator>>> =
        Mutex::new(BTreeMap::new());
    let validator = VALIDATORS
        .lock()
        .unwrap()
        .entry(schema.to_string())
        .or_insert_with(|| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(schema);
            let text = std::fs::read_to_string(&path).expect("the schema is committed");
            let schema = serde_json::from_str(&text).expect("the schema is JSON");
            Arc::new(jsonschema::validator_for(&schema).expect("the schema compiles"))
        })
        .clone();
    let document: serde_json::Value =
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"));
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| format!("{}: {e}", e.instance_path().as_str()))
        .collect();
    assert!(
        errors.is_empty(),
        "the document breaks {schema}: {errors:#?}"
    );
    document
}

/// Whether this run rewrites expectations instead of checking them: `EVERYNODE_BLESS=1`,
/// the suite's one bless variable (empty or `0` checks, as when it is unset).
pub fn blessing() -> bool {
    std::env::var("EVERYNODE_BLESS").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Compares an output with the expectation file of a data-driven case, adding a unified
/// diff to `failures` when they differ; `EVERYNODE_BLESS=1` rewrites the file instead.
pub fn check_expectation(expected: &Path, actual: &str, failures: &mut Vec<String>) {
    if blessing() {
        std::fs::write(expected, actual).expect("write expectation");
        return;
    }
    let want = std::fs::read_to_string(expected).unwrap_or_default();
    if want != actual {
        let diff = similar::TextDiff::from_lines(&want, actual);
        failures.push(format!(
            "{} differs:\n{}",
            expected.display(),
            diff.unified_diff().header("expected", "actual")
        ));
    }
}
