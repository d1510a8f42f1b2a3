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

/// A GitLab Code Quality report (`lint --format gitlab`), checked against the schema
/// written from GitLab's documentation, with every fingerprint unique (GitLab keeps one
/// issue per fingerprint).
pub fn validated_code_quality(stdout: &str) -> serde_json::Value {
    let report = validated(stdout, "schemas/gitlab-code-quality.schema.json");
    let issues = report.as_array().expect("an array of issues");
    let fingerprints: std::collections::BTreeSet<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().expect("a fingerprint"))
        .collect();
    assert_eq!(
        fingerprints.len(),
        issues.len(),
        "two issues share a fingerprint:\n{stdout}"
    );
    report
}

/// The counts of a JUnit report (`lint --format junit`) read back by a strict XML reader
/// (roxmltree, not the writer's crate): (tests, failures, skipped) of the `<testsuites>`,
/// checked against the `<testsuite>` counts and the test cases each holds.
pub fn junit_counts(xml: &str) -> Result<(usize, usize, usize), String> {
    let document = roxmltree::Document::parse(xml).map_err(|e| format!("not XML: {e}"))?;
    let root = document.root_element();
    if root.tag_name().name() != "testsuites" {
        return Err(format!("the root is <{}>", root.tag_name().name()));
    }
    let number = |node: roxmltree::Node, name: &str| -> Result<usize, String> {
        node.attribute(name)
            .ok_or(format!("<{}> has no {name}", node.tag_name().name()))?
            .parse()
            .map_err(|e| format!("{name}: {e}"))
    };
    let mut totals = (0, 0, 0);
    for suite in root.children().filter(|n| n.is_element()) {
        if suite.tag_name().name() != "testsuite" || suite.attribute("name").is_none() {
            return Err("a child of <testsuites> is not a named <testsuite>".to_string());
        }
        let cases: Vec<_> = suite.children().filter(|n| n.is_element()).collect();
        let with = |tag: &str| {
            cases
                .iter()
                .filter(|c| c.children().any(|n| n.has_tag_name(tag)))
                .count()
        };
        let counted = (cases.len(), with("failure"), with("skipped"));
        let said = (
            number(suite, "tests")?,
            number(suite, "failures")?,
            number(suite, "skipped")?,
        );
        if counted != said || number(suite, "errors")? != with("error") {
            return Err(format!(
                "suite {:?} says {said:?} (tests, failures, skipped) and holds {counted:?}",
                suite.attribute("name")
            ));
        }
        for case in &cases {
            if !case.has_tag_name("testcase")
                || case.attribute("name").is_none()
                || case.attribute("classname").is_none()
            {
                return Err("a test case without name or classname".to_string());
            }
        }
        totals = (
            totals.0 + counted.0,
            totals.1 + counted.1,
            totals.2 + counted.2,
        );
    }
    let said = (
        number(root, "tests")?,
        number(root, "failures")?,
        number(root, "skipped")?,
    );
    if said != totals {
        return Err(format!(
            "<testsuites> says {said:?} and its suites hold {totals:?}"
        ));
    }
    Ok(totals)
}

/// Checks a `--format markdown` document as GitHub would take it: within a comment's
/// 65,536 characters, and read by a CommonMark parser (with GitHub's tables) into HTML
/// whose tables and `<details>` blocks are whole.
pub fn markdown_checked(text: &str) -> Result<(), String> {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    if text.chars().count() > 65_536 {
        return Err(format!(
            "markdown of {} characters is over GitHub's limit",
            text.chars().count()
        ));
    }
    let mut tables = 0;
    let mut html = String::new();
    let events: Vec<Event> = Parser::new_ext(text, Options::ENABLE_TABLES).collect();
    for event in &events {
        if let Event::Start(Tag::Table(_)) = event {
            tables += 1;
        }
    }
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    if tables == 0 && !text.contains("Nothing") && !text.contains("No ") {
        return Err("markdown has no table".to_string());
    }
    if html.matches("<details>").count() != html.matches("</details>").count() {
        return Err("unbalanced <details> blocks".to_string());
    }
    Ok(())
}
