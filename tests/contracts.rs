//! Contracts the outside world relies on: the committed schema, the examples being real
//! DaemonSets the API server accepts, YAML and KDL meaning the same, and bad files.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::path::{Path, PathBuf};
use std::sync::Arc;

mod common;

use common::everynode;
use everynode_core::source::SourceFile;
use k8s_openapi::api::apps::v1::DaemonSet;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The inputs under `dir`, found as the binary finds them.
fn read_tree(dir: &Path) -> Vec<Arc<SourceFile>> {
    let mut files = Vec::new();
    for path in common::walk(dir) {
        if everynode_core::parse::is_input(&path) {
            let text = std::fs::read_to_string(&path).unwrap();
            files.push(SourceFile::new(path.strip_prefix(root()).unwrap(), text));
        }
    }
    files
}

/// Every published schema is the one the code generates, and `everynode schema KIND`
/// prints it. `EVERYNODE_BLESS=1` rewrites them.
#[test]
fn the_committed_schemas_are_current() {
    let schemas = [
        ("daemon", everynode::schema::daemon_schema()),
        ("plan", everynode::schema::plan_schema()),
        ("lint", everynode::schema::lint_schema()),
        ("coverage", everynode::schema::coverage_schema()),
    ];
    for (kind, schema) in schemas {
        let path = root().join(format!("schemas/{kind}.schema.json"));
        let generated = everynode::schema::to_text(&schema);
        if common::blessing() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "schemas/{kind}.schema.json is out of date: run `everynode schema {kind} > schemas/{kind}.schema.json`"
        );
        let (code, stdout, _) = everynode(&root(), &["schema", kind]);
        assert_eq!((code, stdout), (0, generated));
    }
}

#[test]
fn every_example_renders_to_daemonsets_the_api_server_accepts() {
    let files = read_tree(&root().join("examples"));
    assert!(files.len() >= 5, "examples/ holds the shipped daemons");
    let compiled = everynode_core::compile(&files);
    let problems: Vec<String> = compiled
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.location().unwrap_or_default(), d.message))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let schema = everynode::schema::daemonset_schema_strict();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(compiled.rendered.len() >= 10);
    for rendered in &compiled.rendered {
        let errors: Vec<String> = validator
            .iter_errors(&rendered.object)
            .map(|e| format!("{}: {e}", e.instance_path().as_str()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} fails the DaemonSet schema: {errors:#?}",
            rendered.name
        );
        let ds: DaemonSet = serde_json::from_value(rendered.object.clone()).unwrap();
        let violations = everynode_k8s::validation::validate(&ds);
        assert!(violations.is_empty(), "{}: {violations:#?}", rendered.name);
    }
}

#[test]
fn the_strict_daemonset_schema_rejects_unknown_and_mistyped_fields() {
    let validator =
        jsonschema::validator_for(&everynode::schema::daemonset_schema_strict()).unwrap();
    let mut object = serde_json::json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "x"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}},
        "spec": {"containers": [{"name": "x", "image": "x"}]}}}});
    assert!(validator.is_valid(&object));
    object["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always".into();
    assert!(!validator.is_valid(&object));
    object["spec"]["template"]["spec"]["containers"][0] =
        serde_json::json!({"name": "x", "image": 5});
    assert!(!validator.is_valid(&object));
}

/// Real apps/v1 manifests are accepted by real clusters: a false error here is a bug in
/// the API-server rules.
#[test]
fn corpus_apps_v1_daemonsets_pass_the_api_server_rules() {
    let files = read_tree(&root().join("tests/data/corpus/daemonsets"));
    let parsed = everynode_core::parse::parse(&files);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let mut checked = 0;
    for manifest in &parsed.manifests {
        if manifest.object["apiVersion"] != "apps/v1" {
            continue;
        }
        let ds: DaemonSet = serde_json::from_value(manifest.object.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", manifest.file.name()));
        let violations = everynode_k8s::validation::validate(&ds);
        assert!(
            violations.is_empty(),
            "{}: {violations:#?}",
            manifest.file.name()
        );
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} apps/v1 DaemonSets found");
}

#[test]
fn the_yaml_form_means_what_the_kdl_form_means() {
    let cases = root().join("tests/data/render");
    let kdl = std::fs::read_to_string(cases.join("classes-first-match-wins/stdout.yaml")).unwrap();
    let yaml = std::fs::read_to_string(cases.join("yaml-form/stdout.yaml")).unwrap();
    assert!(!kdl.is_empty());
    assert_eq!(kdl, yaml);
}

#[test]
fn binary_and_oversized_files_are_refused_with_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let mut garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    garbage[..12].copy_from_slice(b"daemon \"x\" {");
    std::fs::write(dir.path().join("garbage.kdl"), &garbage).unwrap();
    let big = "// padding\n".repeat(1024 * 1024); // 11 MiB
    std::fs::write(dir.path().join("big.kdl"), big).unwrap();
    for (file, what) in [
        ("garbage.kdl", "is not UTF-8 text"),
        ("big.kdl", "more than the"),
    ] {
        let (code, stdout, stderr) = everynode(dir.path(), &["render", file, "--out", "out"]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.contains(what), "{stderr}");
        assert!(stderr.contains(&format!("─[{file}:1:")), "{stderr}");
        assert!(!dir.path().join("out").exists());
    }
}

#[test]
fn output_is_the_same_for_any_order_of_inputs() {
    let examples = root().join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut args = vec!["render".to_string()];
    args.extend(names.iter().cloned());
    let forward: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut reversed = vec!["render"];
    reversed.extend(names.iter().rev().map(String::as_str));
    let first = everynode(&examples, &forward);
    let second = everynode(&examples, &reversed);
    assert_eq!(first.0, 0, "{}", first.2);
    assert_eq!(first, second);
}

mod parser_robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parsing_arbitrary_text_never_panics(text in "\\PC{0,200}", kdl in any::<bool>()) {
            let name = if kdl { "x.kdl" } else { "x.yaml" };
            let _ = everynode_core::compile(&[SourceFile::new(name, text)]);
        }

        #[test]
        fn parsing_kdl_shaped_text_never_panics(parts in prop::collection::vec(prop::sample::select(vec![
            "daemon", "\"x\"", "{", "}", "class", "match", "\"k\"", "op=\"Gt\"", "1", "image", "port", "#true",
            "\n", "patch", "\"\"\"\n a: [\n\"\"\"", "requests", "cpu=\"1\"", "nodes", "update", "max-surge=0",
        ]), 0..40)) {
            let text = parts.join(" ");
            let _ = everynode_core::compile(&[SourceFile::new("x.kdl", text)]);
        }
    }
}

/// The pods of the cluster recordings ran on real clusters (AKS system and GPU pools):
/// each pod's spec and annotations, as the template of a DaemonSet, must pass the
/// API-server rules. They carry what the server defaults and writes (projected
/// service-account volumes, `terminationMessagePolicy`, `enableServiceLinks`, the
/// controller's `matchFields` affinity), which hand-written manifests rarely do.
#[test]
fn recorded_pod_specs_pass_the_api_server_rules() {
    let mut checked = 0;
    for name in [
        "aks-kube-system-pods-daemonset-pods.json",
        "aks-gpu-pods-with-daemonset-pods.json",
    ] {
        let path = root().join("tests/data/corpus/clusters").join(name);
        let recording: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for pod in recording["items"].as_array().unwrap() {
            // A DaemonSet's pods always restart: a Job's pod is no template for one.
            if pod["spec"]["restartPolicy"] != "Always" {
                continue;
            }
            let object = serde_json::json!({
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "metadata": {"name": "recorded", "namespace": "kube-system"},
                "spec": {
                    "selector": {"matchLabels": {"corpus": "pod"}},
                    "template": {
                        "metadata": {
                            "labels": {"corpus": "pod"},
                            "annotations": pod["metadata"]["annotations"],
                        },
                        "spec": pod["spec"],
                    },
                },
            });
            let ds: DaemonSet = serde_json::from_value(object).unwrap();
            let violations = everynode_k8s::validation::validate(&ds);
            assert!(
                violations.is_empty(),
                "{name}: pod {}: {violations:#?}",
                pod["metadata"]["name"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} recorded pods checked");
}
