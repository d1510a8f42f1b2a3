//! lint on real manifests: the whole tests/data/corpus/daemonsets folder, as published by
//! well-known projects. Real clusters accept the apps/v1 ones, so an error from the
//! API-server rules (or the strict schema) on them is a bug; the extensions/v1beta1
//! Datadog manifest must fail for its apiVersion (read as the apps/v1 object it converts
//! to, its missing selector defaulted from the template's labels as extensions/v1beta1
//! did). The SARIF log
//! of the run validates against the official OASIS SARIF 2.1.0 schema. (SchemaStore's
//! rtm.5 draft holds a `pattern` that is not a valid regular expression, which the
//! jsonschema crate refuses to compile, so it is not used.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::path::Path;

mod common;

/// Rules that say "the API server would reject this".
const API_SERVER_RULES: &[&str] = &[
    "invalid_name",
    "invalid_label",
    "invalid_quantity",
    "invalid_resource_name",
    "invalid_port",
    "duplicate_port",
    "duplicate_container",
    "requests_exceed_limits",
    "invalid_env",
    "invalid_toleration",
    "invalid_node_selector",
    "invalid_update_strategy",
    "invalid_field",
    "selector_mismatch",
    "invalid_probe",
    "invalid_volume",
    "invalid_volume_mount",
    "invalid_security_context",
    "invalid_os",
    "invalid_dns",
    "invalid_resources",
    "invalid_scheduling",
    "schema_violation",
    "removed_api_version",
];

const LEGACY: &str = "daemonsets/datadog-agent-extensions-v1beta1.yaml";

fn corpus() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus")
}

#[test]
fn the_corpus_lints_as_real_clusters_judge_it() {
    let (code, stdout, stderr) =
        common::everynode(&corpus(), &["lint", "daemonsets", "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let report = common::validated(&stdout, "schemas/lint.schema.json");
    let findings = report["findings"].as_array().unwrap();
    let of = |file: &str| -> Vec<(String, String, String)> {
        findings
            .iter()
            .filter(|f| f["file"] == file)
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["severity"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let legacy = of(LEGACY);
    assert!(
        legacy
            .iter()
            .any(|(rule, severity, _)| rule == "removed_api_version" && severity == "error"),
        "{legacy:#?}"
    );
    let files: Vec<String> = common::walk(&corpus().join("daemonsets"))
        .iter()
        .map(|p| format!("daemonsets/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    assert!(files.len() >= 25);
    for file in files.iter().filter(|f| *f != LEGACY) {
        let false_errors: Vec<_> = of(file)
            .into_iter()
            .filter(|(rule, severity, _)| {
                severity == "error" && API_SERVER_RULES.contains(&rule.as_str())
            })
            .collect();
        assert!(false_errors.is_empty(), "{file}: {false_errors:#?}");
    }
}

#[test]
fn the_sarif_log_of_the_corpus_is_valid_sarif() {
    let (code, stdout, stderr) =
        common::everynode(&corpus(), &["lint", "daemonsets", "--format", "sarif"]);
    assert_eq!(code, 1, "{stderr}");
    let log = common::validated(&stdout, "tests/data/schemas/sarif-schema-2.1.0.json");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() > 10);
    for result in results {
        let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert!(
            uri.as_str().is_some_and(|u| u.starts_with("daemonsets/")),
            "{result}"
        );
        let rule = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            log["runs"][0]["tool"]["driver"]["rules"][rule]["id"],
            result["ruleId"]
        );
    }
}

#[test]
fn the_shipped_examples_have_no_lint_error() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, stderr) = common::everynode(root, &["lint", "examples", "--format", "json"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let report = common::validated(&stdout, "schemas/lint.schema.json");
    assert_eq!(report["summary"]["errors"], 0);
}
