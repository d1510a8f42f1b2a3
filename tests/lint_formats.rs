//! `lint --format junit` and `--format gitlab` read back as their consumers read them:
//! the JUnit report by a strict XML reader (roxmltree), the Code Quality report against
//! the schema written from GitLab's documentation. The byte-for-byte expectations are
//! data cases (tests/data/lint/format-junit*, format-gitlab*, stdin-format-junit); these
//! tests check what a reporter would see.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::path::{Path, PathBuf};

mod common;

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lint")
        .join(name)
}

#[test]
fn junit_counts_names_and_awkward_messages() {
    let (code, xml, stderr) =
        common::everynode(&case("format-junit"), &["lint", ".", "--format", "junit"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(common::junit_counts(&xml), Ok((4, 3, 1)));
    let document = roxmltree::Document::parse(&xml).unwrap();
    let suites: Vec<&str> = document
        .root_element()
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.attribute("name").unwrap())
        .collect();
    assert_eq!(
        suites,
        ["image_latest", "invalid_label", "missing_requests"]
    );
    let cases: Vec<roxmltree::Node> = document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    // The label value holds every character XML escapes; read back, it is the same text.
    let awkward = cases
        .iter()
        .find(|c| c.attribute("classname") == Some("everynode.invalid_label"))
        .unwrap();
    assert_eq!(awkward.attribute("file"), Some("awkward.yaml"));
    assert_eq!(awkward.attribute("line"), Some("8"));
    let name = awkward.attribute("name").unwrap();
    assert!(
        name.starts_with(r#"awkward.yaml:8:11: metadata.labels[team]: label value "a<b&c\"d'e>""#),
        "{name}"
    );
    let failure = awkward
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(failure.attribute("type"), Some("invalid_label"));
    assert!(
        failure
            .attribute("message")
            .unwrap()
            .contains(r#""a<b&c\"d'e>""#)
    );
    let text = failure.text().unwrap();
    assert!(
        text.starts_with(r#"awkward.yaml:8:11: error[invalid_label]: metadata.labels[team]: label value "a<b&c\"d'e>""#),
        "{text}"
    );
    assert!(
        text.contains("\nhelp: a label value is at most 63 characters"),
        "{text}"
    );
    // The suppressed finding is a skipped test case that says what suppressed it.
    let skipped: Vec<&roxmltree::Node> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("skipped")))
        .collect();
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0]
            .attribute("name")
            .unwrap()
            .starts_with("suppressed.yaml:17:16: ")
    );
    let said = skipped[0]
        .children()
        .find(|n| n.has_tag_name("skipped"))
        .unwrap();
    assert_eq!(said.attribute("message"), Some("suppressed by comment"));
}

#[test]
fn a_clean_junit_report_has_one_passing_test() {
    let (code, xml, _) = common::everynode(
        &case("format-junit-clean"),
        &["lint", ".", "--format", "junit"],
    );
    assert_eq!(code, 0);
    assert_eq!(common::junit_counts(&xml), Ok((1, 0, 0)));
}

#[test]
fn junit_from_standard_input_names_it() {
    let stdin = std::fs::read(case("stdin-format-junit").join("stdin")).unwrap();
    let (code, xml, _) = common::everynode_with_stdin(
        &case("stdin-format-junit"),
        &["lint", "-", "--format", "junit"],
        &stdin,
    );
    assert_eq!(code, 0);
    let document = roxmltree::Document::parse(&xml).unwrap();
    for case in document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
    {
        assert_eq!(case.attribute("file"), Some("<stdin>"));
        assert!(case.attribute("name").unwrap().starts_with("<stdin>:"));
    }
}

#[test]
fn gitlab_fingerprints_are_stable_and_unique() {
    let dir = case("format-gitlab");
    let (code, first, _) = common::everynode(&dir, &["lint", ".", "--format", "gitlab"]);
    assert_eq!(code, 1);
    let report = common::validated_code_quality(&first);
    let issues = report.as_array().unwrap();
    assert_eq!(issues.len(), 3);
    let severities: Vec<&str> = issues
        .iter()
        .map(|i| i["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["major", "minor", "minor"]);
    assert_eq!(issues[0]["check_name"], "invalid_label");
    assert_eq!(issues[0]["location"]["path"], "awkward.yaml");
    assert_eq!(issues[0]["location"]["lines"]["begin"], 8);
    // Another run, and the files named another way (an absolute path under the current
    // directory): the same report.
    let (_, second, _) = common::everynode(&dir, &["lint", ".", "--format", "gitlab"]);
    assert_eq!(first, second);
    let absolute = dir.join("awkward.yaml");
    let (_, named, _) = common::everynode(
        &dir,
        &[
            "lint",
            absolute.to_str().unwrap(),
            "suppressed.yaml",
            "--format",
            "gitlab",
        ],
    );
    assert_eq!(first, named);
}
