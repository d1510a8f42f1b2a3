//! The API server's rules for a DaemonSet and its pod template, one case file per rule
//! and boundary under tests/data/validation/AREA/, checked through the binary.
//!
//! A case is a DaemonSet manifest. Each error the API server would report is marked on
//! the line everynode must point at, by a trailing comment:
//!
//! ```yaml
//!           successThreshold: 2   # expect: invalid_probe spec.template.spec.containers[0].livenessProbe.successThreshold
//! ```
//!
//! `lint FILE --format json` must report exactly the marked errors (rule, line, and a
//! message that starts with the API server's field path); a case without marks must lint
//! without errors (warnings such as `missing_requests` are not its business). `diff FILE`
//! against an empty cluster must refuse a failing case (exit 2) and point at the same
//! lines. Every case is listed in the table of rules (crates/k8s/rules/*.md), and every
//! case the table names exists.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

mod common;

/// One expected error: line (1-based), rule, field path.
type Expected = (usize, String, String);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/validation")
}

/// Every case, or with `EVERYNODE_CASES=AREA` only those of tests/data/validation/AREA.
fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = common::walk(&root())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    cases.sort();
    cases
}

fn expected(text: &str) -> BTreeSet<Expected> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        for mark in line.split("# expect:").skip(1) {
            let mut words = mark.split_whitespace();
            let rule = words.next().expect("a rule after `# expect:`").to_string();
            let path = words
                .next()
                .expect("a field path after the rule")
                .to_string();
            out.insert((i + 1, rule, path));
        }
    }
    out
}

/// The errors of a lint report, as (line, rule, message).
fn errors(report: &serde_json::Value) -> Vec<(usize, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0) as usize,
                f["rule"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn check(case: &Path, empty_state: &Path) -> Vec<String> {
    let name = case.strip_prefix(root()).unwrap().display().to_string();
    let text = std::fs::read_to_string(case).expect("readable case");
    let want = expected(&text);
    let dir = case.parent().unwrap();
    let file = case.file_name().unwrap().to_str().unwrap();
    let mut failures = Vec::new();

    let (code, stdout, stderr) = common::everynode(dir, &["lint", file, "--format", "json"]);
    if code == 101 || stderr.contains("panicked") {
        return vec![format!("{name}: lint panicked\n{stderr}")];
    }
    let report = common::validated(&stdout, "schemas/lint.schema.json");
    let got = errors(&report);
    let mut matched = vec![false; got.len()];
    for (line, rule, path) in &want {
        let found = got
            .iter()
            .position(|(l, r, m)| l == line && r == rule && m.starts_with(&format!("{path}: ")));
        match found {
            Some(i) => matched[i] = true,
            None => failures.push(format!(
                "{name}:{line}: expected {rule} at {path}, lint reported {got:#?}"
            )),
        }
    }
    for ((line, rule, message), matched) in got.iter().zip(&matched) {
        if !matched && !want.iter().any(|(l, r, _)| l == line && r == rule) {
            failures.push(format!("{name}:{line}: unexpected {rule}: {message}"));
        }
    }
    let want_code = if want.is_empty() { [0, 1] } else { [1, 1] };
    if !want_code.contains(&code) {
        failures.push(format!("{name}: lint exited {code}"));
    }

    if !want.is_empty() {
        let state = empty_state.to_str().unwrap();
        let (code, _, stderr) = common::everynode(dir, &["diff", file, "--state", state]);
        if code != 2 {
            failures.push(format!("{name}: diff exited {code}, not 2\n{stderr}"));
        }
        for (line, rule, _) in &want {
            let at = format!("{file}:{line}:");
            if !stderr.contains(&at) || !stderr.contains(rule.as_str()) {
                failures.push(format!(
                    "{name}: diff does not report {rule} at {at}\n{stderr}"
                ));
            }
        }
    }
    failures
}

#[test]
fn every_case_reports_exactly_its_marked_errors() {
    let mut cases = cases();
    assert!(cases.len() >= 300, "the validation cases exist");
    if let Ok(area) = std::env::var("EVERYNODE_CASES") {
        cases.retain(|c| c.starts_with(root().join(&area)));
    }
    let state = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        state.path(),
        r#"{"apiVersion":"v1","kind":"List","items":[]}"#,
    )
    .unwrap();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = cases
            .chunks(cases.len().div_ceil(4))
            .map(|part| {
                let state = state.path();
                scope.spawn(move || {
                    part.iter()
                        .flat_map(|c| check(c, state))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The table's rows: (upstream, everynode column, case column).
fn table() -> Vec<(String, String, String)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/k8s/rules");
    let mut text = String::new();
    for file in common::walk(&folder) {
        if file.extension().is_some_and(|e| e == "md") {
            text += &std::fs::read_to_string(file).expect("readable table");
        }
    }
    text.lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            assert_eq!(cells.len(), 5, "a table row has 5 cells: {l}");
            (
                cells[0].to_string(),
                cells[2].to_string(),
                cells[3].to_string(),
            )
        })
        .collect()
}

#[test]
fn the_table_names_every_case_and_every_case_exists() {
    let rows = table();
    assert!(rows.len() >= 250, "the table has its rows");
    let mut named = BTreeSet::new();
    for (upstream, code, cell) in &rows {
        check_code(upstream, code);
        if cell.starts_with("not checked:") {
            continue;
        }
        assert!(!cell.is_empty(), "{upstream}: a case or `not checked: why`");
        for case in cell.split(", ") {
            let case = case.trim_matches('`');
            assert!(
                root().join(case).is_file(),
                "{upstream}: the table names {case}, which is not under tests/data/validation"
            );
            named.insert(case.to_string());
        }
    }
    for case in cases() {
        let relative = case
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .replace('\\', "/");
        assert!(
            named.contains(&relative),
            "tests/data/validation/{relative} is in no row of crates/k8s/rules/"
        );
    }
}

/// Each function the table names (`validation::volume::mounts`,
/// `validation::Violations::labels`, `validation::container::Handler::validate`,
/// `apimachinery::resource_name`) is defined where the
/// name says, so the table cannot point at code that moved or was renamed.
fn check_code(upstream: &str, cell: &str) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/k8s/src");
    for name in cell.split('`').skip(1).step_by(2) {
        let parts: Vec<&str> = name.split("::").collect();
        let file = match parts[..] {
            ["validation", "Violations", _] | ["validation", _] => "validation/mod.rs".to_string(),
            ["validation", module, _] | ["validation", module, _, _] => {
                format!("validation/{module}.rs")
            }
            ["apimachinery", _] => "apimachinery.rs".to_string(),
            _ => panic!("{upstream}: the table names `{name}`, not a function of the k8s crate"),
        };
        let function = parts[parts.len() - 1];
        let text = std::fs::read_to_string(source.join(&file))
            .unwrap_or_else(|_| panic!("{upstream}: `{name}`: no crates/k8s/src/{file}"));
        assert!(
            text.contains(&format!("fn {function}(")) || text.contains(&format!("fn {function}<")),
            "{upstream}: the table names `{name}`, which crates/k8s/src/{file} does not define"
        );
    }
}
