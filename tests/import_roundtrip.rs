//! `import` round trips, for every real DaemonSet of the corpus (tests/data/corpus/
//! daemonsets), through the binary:
//!
//! - the imported description, rendered, is the source as the API server stores it
//!   (`everynode_k8s::defaults::normalize`), but for the two labels of ownership
//!   everynode puts on the DaemonSet's metadata; no corpus DaemonSet needs a `patch`;
//! - its KDL and YAML forms render byte for byte the same;
//! - `plan` against a cluster running the source (as the server returns it: defaults
//!   applied, uid, status; its pods on every node it places, at template generation 1)
//!   creates, recreates and updates nothing: applying it restarts no pod; and importing
//!   that recorded DaemonSet (`import --state`) renders the same DaemonSet;
//! - the addon manager's DaemonSets are left out unless named, and the removed
//!   extensions/v1beta1 one is refused with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

mod common;

const CLUSTER: &str =
    "tests/data/corpus/clusters/aks-system-pool-criticaladdonsonly-plus-userpool-nodes.json";

fn corpus() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus/daemonsets");
    let mut files: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}

/// The first DaemonSet of a manifest file.
fn source_of(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    for document in serde_yaml::Deserializer::from_str(&text) {
        let value = Value::deserialize(document).unwrap();
        if value["kind"] == "DaemonSet" {
            return value;
        }
    }
    panic!("{}: no DaemonSet", path.display());
}

use serde::Deserialize;

/// The import's arguments: the addon manager's DaemonSets are named to be taken.
fn import_args(source: &Value) -> Vec<String> {
    let mut args = vec!["import".to_string(), "source.yaml".to_string()];
    if source["metadata"]["labels"]["addonmanager.kubernetes.io/mode"].is_string() {
        let namespace = source["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default");
        let name = source["metadata"]["name"].as_str().unwrap();
        args.push("--daemonset".into());
        args.push(format!("{namespace}/{name}"));
    }
    args
}

fn run(dir: &Path, args: &[String]) -> (i32, String, String) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    common::everynode(dir, &args)
}

/// The stored form without the marks of ownership on the DaemonSet: everynode's daemon
/// and class labels and the managed-by label.
fn stored_without_ownership(object: &Value) -> Value {
    let mut stored = everynode_k8s::defaults::normalize(object);
    if let Some(labels) = stored
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove("everynode.dev/daemon");
        labels.remove("everynode.dev/class");
        labels.remove("app.kubernetes.io/managed-by");
        if labels.is_empty() {
            stored["metadata"].as_object_mut().unwrap().remove("labels");
        }
    }
    stored
}

#[test]
fn every_corpus_daemonset_imports_and_renders_back() {
    let mut failures = Vec::new();
    let mut imported = 0;
    for path in corpus() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let source = source_of(&path);
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(&path, dir.path().join("source.yaml")).unwrap();
        let args = import_args(&source);
        let (code, kdl, stderr) = run(dir.path(), &args);
        if source["apiVersion"] == "extensions/v1beta1" {
            if code != 2
                || !stderr.contains("not_importable")
                || !stderr.contains("extensions/v1beta1")
            {
                failures.push(format!("{name}: expected a refusal, got {code}\n{stderr}"));
            }
            continue;
        }
        if code != 0 || stderr.contains("import_patch") {
            failures.push(format!("{name}: import exit {code}\n{stderr}"));
            continue;
        }
        imported += 1;
        std::fs::write(dir.path().join("d.kdl"), &kdl).unwrap();
        let mut yaml_args = args.clone();
        yaml_args.extend(["-o".into(), "yaml".into()]);
        let (_, yaml, _) = run(dir.path(), &yaml_args);
        let yaml_dir = dir.path().join("yaml");
        std::fs::create_dir(&yaml_dir).unwrap();
        std::fs::write(yaml_dir.join("d.yaml"), &yaml).unwrap();
        let (code, rendered, stderr) = run(
            dir.path(),
            &["render".into(), "d.kdl".into(), "-o".into(), "json".into()],
        );
        if code != 0 {
            failures.push(format!(
                "{name}: render of the KDL exit {code}\n{stderr}\n{kdl}"
            ));
            continue;
        }
        let (_, rendered_yaml, stderr) = run(
            dir.path(),
            &[
                "render".into(),
                "yaml/d.yaml".into(),
                "-o".into(),
                "json".into(),
            ],
        );
        if rendered_yaml != rendered {
            failures.push(format!(
                "{name}: the YAML form renders otherwise\n{stderr}\n{yaml}"
            ));
        }
        let list: Value = serde_json::from_str(&rendered).unwrap();
        let object = &list["items"][0];
        // managed-by changes hands (Helm's DaemonSets say Helm): gone on both sides.
        if stored_without_ownership(object) != stored_without_ownership(&source) {
            failures.push(format!(
                "{name}: rendered is not the source as stored\nrendered: {}\nsource: {}",
                serde_json::to_string(&everynode_k8s::defaults::normalize(object)).unwrap(),
                serde_json::to_string(&everynode_k8s::defaults::normalize(&source)).unwrap()
            ));
            continue;
        }
        if let Err(problem) = plans_nothing(dir.path(), &source) {
            failures.push(format!("{name}: {problem}"));
        }
    }
    assert!(imported >= 24, "only {imported} corpus DaemonSets imported");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Plans the description against a cluster that runs the source: its pods, current, on
/// every node the source places; nothing may be created, recreated or updated.
fn plans_nothing(dir: &Path, source: &Value) -> Result<(), String> {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    let nodes: Value =
        serde_json::from_str(&std::fs::read_to_string(repository.join(CLUSTER)).unwrap()).unwrap();
    std::fs::write(
        dir.join("nodes.json"),
        serde_json::to_string(&nodes).unwrap(),
    )
    .unwrap();
    let (_, placed, stderr) = run(
        dir,
        &[
            "plan",
            "source.yaml",
            "--state",
            "nodes.json",
            "--format",
            "json",
        ]
        .map(String::from),
    );
    let placed: Value = serde_json::from_str(&placed).map_err(|e| format!("{e}: {stderr}"))?;
    // As the API server returns it: its defaults applied, its own fields written.
    let mut live = everynode_k8s::defaults::normalize(source);
    live["metadata"]["uid"] = json!("uid-source");
    live["metadata"]["resourceVersion"] = json!("4711");
    live["metadata"]["creationTimestamp"] = json!("2026-11-01T00:00:00Z");
    live["status"] = json!({"currentNumberScheduled": 1, "desiredNumberScheduled": 1, "numberReady": 1, "observedGeneration": 1});
    live["metadata"]["generation"] = json!(1);
    live["metadata"]["annotations"]["deprecated.daemonset.template.generation"] = json!("1");
    let namespace = live["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default")
        .to_string();
    let name = live["metadata"]["name"].as_str().unwrap().to_string();
    let mut items = nodes["items"].as_array().unwrap().clone();
    items.push(live.clone());
    let mut labels = live["spec"]["template"]["metadata"]["labels"].clone();
    labels["pod-template-generation"] = json!("1");
    for (i, p) in placed["placements"].as_array().unwrap().iter().enumerate() {
        if p["action"] != "create" {
            continue;
        }
        items.push(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": format!("{name}-{i}"), "namespace": namespace, "labels": labels,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": name,
                                     "uid": "uid-source", "controller": true}]
            },
            "spec": {"nodeName": p["node"]},
            "status": {"phase": "Running"}
        }));
    }
    let state = json!({"apiVersion": "v1", "kind": "List", "items": items});
    std::fs::write(
        dir.join("state.json"),
        serde_json::to_string(&state).unwrap(),
    )
    .unwrap();
    // Imported from the recording, it is the description the manifest gave.
    let named = format!("{namespace}/{name}");
    let (code, from_state, stderr) = run(
        dir,
        &["import", "--state", "state.json", "--daemonset", &named].map(String::from),
    );
    // (Its quantities in the server's canonical form, `1Gi` for `1024Mi`: the same.)
    if code != 0 {
        return Err(format!("import --state exit {code}: {stderr}"));
    }
    std::fs::create_dir_all(dir.join("from-state")).unwrap();
    std::fs::write(dir.join("from-state/d.kdl"), &from_state).unwrap();
    let (_, rendered, stderr) = run(
        dir,
        &["render", "from-state/d.kdl", "-o", "json"].map(String::from),
    );
    let rendered: Value = serde_json::from_str(&rendered).map_err(|e| format!("{e}: {stderr}"))?;
    if stored_without_ownership(&rendered["items"][0]) != stored_without_ownership(source) {
        return Err(format!("import --state renders otherwise:\n{from_state}"));
    }
    let (_, plan, stderr) = run(
        dir,
        &["plan", "d.kdl", "--state", "state.json", "--format", "json"].map(String::from),
    );
    let plan: Value = serde_json::from_str(&plan).map_err(|e| format!("{e}: {stderr}"))?;
    for daemonset in plan["daemonsets"].as_array().unwrap() {
        if daemonset["change"] == "recreate" || daemonset["change"] == "create" {
            return Err(format!("plan would {} the DaemonSet", daemonset["change"]));
        }
    }
    let moved: Vec<&Value> = plan["placements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["action"] == "create" || p["action"] == "update")
        .collect();
    if moved.is_empty() {
        Ok(())
    } else {
        Err(format!("plan would touch pods: {moved:?}"))
    }
}

#[test]
fn the_addon_managers_daemonsets_are_left_out_unless_named() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/corpus/daemonsets/kubernetes-addon-calico-node-daemonset.yaml");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&path, dir.path().join("source.yaml")).unwrap();
    let (code, stdout, stderr) = common::everynode(dir.path(), &["import", "source.yaml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("import_skipped") && stderr.contains("addon manager"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--daemonset kube-system/calico-node"),
        "{stderr}"
    );
}

#[test]
fn out_writes_a_file_per_daemon_and_replaces_only_its_own() {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for name in ["kured-ds.yaml", "falco-daemonset.yaml"] {
        std::fs::copy(
            repository.join("tests/data/corpus/daemonsets").join(name),
            dir.path().join(name),
        )
        .unwrap();
    }
    let args = [
        "import",
        "kured-ds.yaml",
        "falco-daemonset.yaml",
        "--out",
        "daemons",
    ];
    let (code, stdout, stderr) = common::everynode(dir.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let kured = dir.path().join("daemons/kube-system/kured.kdl");
    let falco = dir.path().join("daemons/default/falco.kdl");
    let first = std::fs::read_to_string(&kured).unwrap();
    assert!(first.starts_with("// imported by everynode"), "{first}");
    assert!(falco.is_file());
    // The imported directory is a set of descriptions `render` takes as they are.
    let (code, _, stderr) = common::everynode(dir.path(), &["render", "daemons"]);
    assert_eq!(code, 0, "{stderr}");
    // A second import replaces its own files with the same bytes.
    let (code, _, stderr) = common::everynode(dir.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(&kured).unwrap(), first);
    // Once edited (the marker removed), the file is the user's: nothing is written.
    let edited = first.lines().skip(1).collect::<Vec<_>>().join("\n");
    std::fs::write(&kured, &edited).unwrap();
    std::fs::remove_file(&falco).unwrap();
    let (code, _, stderr) = common::everynode(dir.path(), &args);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("import did not write this file"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&kured).unwrap(), edited);
    assert!(!falco.exists(), "a refused import writes nothing");
}

/// Imports `files` (copied from the corpus or written) together and renders the result:
/// the description's text and the rendered DaemonSets by name.
fn import_together(files: &[(&str, String)]) -> (String, BTreeMap<String, Value>) {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["import".to_string()];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
        args.push(name.to_string());
    }
    let (code, kdl, stderr) = run(dir.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(dir.path().join("d.kdl"), &kdl).unwrap();
    let (code, rendered, stderr) =
        common::everynode(dir.path(), &["render", "d.kdl", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}\n{kdl}");
    let list: Value = serde_json::from_str(&rendered).unwrap();
    let by_name = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["metadata"]["name"].as_str().unwrap().to_string(),
                o.clone(),
            )
        })
        .collect();
    (kdl, by_name)
}

fn corpus_text(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/corpus/daemonsets")
            .join(name),
    )
    .unwrap()
}

#[test]
fn variants_of_one_daemon_become_its_classes_and_render_back() {
    for (linux, windows, daemon) in [
        (
            "aws-ebs-csi-node.yaml",
            "aws-ebs-csi-node-windows.yaml",
            "ebs-csi-node",
        ),
        (
            "gcp-pd-csi-node-linux.yaml",
            "gcp-pd-csi-node-windows.yaml",
            "csi-gce-pd-node",
        ),
    ] {
        let files = [(linux, corpus_text(linux)), (windows, corpus_text(windows))];
        let (kdl, rendered) = import_together(&files);
        assert_eq!(
            kdl.matches("\ndaemon ").count() + usize::from(kdl.starts_with("daemon ")),
            1,
            "{kdl}"
        );
        assert!(kdl.contains(&format!("daemon \"{daemon}\" {{")), "{kdl}");
        assert!(
            kdl.contains("class \"linux\" {") && kdl.contains("class \"windows\" {"),
            "{kdl}"
        );
        for (file, _) in &files {
            let source = source_of(
                &Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/data/corpus/daemonsets")
                    .join(file),
            );
            let name = source["metadata"]["name"].as_str().unwrap();
            let object = rendered
                .get(name)
                .unwrap_or_else(|| panic!("{name} not rendered: {kdl}"));
            assert_eq!(
                stored_without_ownership(object),
                stored_without_ownership(&source),
                "{file}\n{kdl}"
            );
        }
    }
}

/// A DaemonSet of the family `agent` selecting `pool` by its nodeSelector.
fn pool_daemonset(name: &str, pool: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {name}\n  namespace: ops\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}, app.kubernetes.io/name: agent}}\n    spec:\n      nodeSelector: {{agentpool: {pool}}}\n      containers:\n      - name: agent\n        image: {image}\n        resources: {{requests: {{cpu: 10m, memory: 16Mi}}}}\n"
    )
}

#[test]
fn three_pools_make_three_classes_and_overlapping_variants_stay_apart() {
    let files = [
        (
            "a.yaml",
            pool_daemonset("agent-cpu", "cpu", "example.com/agent:1.0"),
        ),
        (
            "b.yaml",
            pool_daemonset("agent-gpu", "gpu", "example.com/agent-gpu:1.0"),
        ),
        (
            "c.yaml",
            pool_daemonset("agent-spot", "spot", "example.com/agent:1.0"),
        ),
    ];
    let (kdl, rendered) = import_together(&files);
    assert!(kdl.contains("daemon \"agent\" {"), "{kdl}");
    for class in ["class \"cpu\" {", "class \"gpu\" {", "class \"spot\" {"] {
        assert!(kdl.contains(class), "{class}: {kdl}");
    }
    assert_eq!(rendered.len(), 3);
    for (file, text) in &files {
        let source: Value = serde_yaml::from_str(text).unwrap();
        let name = source["metadata"]["name"].as_str().unwrap();
        assert_eq!(
            stored_without_ownership(&rendered[name]),
            stored_without_ownership(&source),
            "{file}\n{kdl}"
        );
    }
    // Two variants that can both run on a node are not grouped, and say why.
    let files = [
        (
            "a.yaml",
            pool_daemonset("agent-cpu", "cpu", "example.com/agent:1.0"),
        ),
        (
            "b.yaml",
            pool_daemonset("agent-cpu-too", "cpu", "example.com/agent:1.0"),
        ),
    ];
    let (kdl, rendered) = import_together(&files);
    assert_eq!(rendered.len(), 2);
    assert!(!kdl.contains("class "), "{kdl}");
    assert!(kdl.contains("not grouped with the other variants"), "{kdl}");
}

#[test]
fn awkward_names_and_strings_render_back() {
    let long = format!("agent-{}", "x".repeat(70));
    let ds = |name: &str, extra: &str| {
        let app = &name[..name.len().min(20)];
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {name}\n  namespace: ops\n  labels: {{everynode.dev/owner: team-a}}\n  annotations: {{note: \"a\\u2028b\\u0000c\\ufeff\"}}\nspec:\n  selector:\n    matchLabels: {{app: {app}}}\n  template:\n    metadata:\n      labels: {{app: {app}}}\n    spec:\n      containers:\n      - name: main\n        image: example.com/agent:1.0\n        args: [\"-.5\", \"+.5\", \"#true\", \"\\\"q\\\"\"{extra}]\n"
        )
    };
    // `a.b` and `a-b` are one daemon name; a 76-character DaemonSet name is no label.
    let files = [
        ("a.yaml", ds("a.b", "")),
        ("b.yaml", ds("a-b", ", \"x\"")),
        ("c.yaml", ds(&long, "")),
    ];
    let (kdl, rendered) = import_together(&files);
    assert_eq!(rendered.len(), 3, "{kdl}");
    for (file, text) in &files {
        let source: Value = serde_yaml::from_str(text).unwrap();
        let name = source["metadata"]["name"].as_str().unwrap();
        let object = rendered
            .get(name)
            .unwrap_or_else(|| panic!("{name}: {kdl}"));
        assert_eq!(
            stored_without_ownership(object),
            stored_without_ownership(&source),
            "{file}\n{kdl}"
        );
    }
}
