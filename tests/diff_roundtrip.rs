//! Normalization, checked in reverse: every DaemonSet rendered from examples/ and every
//! DaemonSet manifest of the corpus is "applied" by a stand-in for the API server written
//! here from pkg/apis/apps/v1/defaults.go and pkg/apis/core/v1/defaults.go (server-set
//! metadata, status, the defaults of every field a DaemonSet and its pod template get,
//! quantities as the server echoes them), then read back as the state: `diff` must find
//! nothing. Changing one field of the read-back object must give exactly one hunk.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use everynode::compare::{self, Desired, diff::differences};
use everynode::source::SourceFile;
use everynode::validate::primitives::Quantity;
use serde_json::{Map, Value, json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_tree(dir: &Path) -> Vec<Arc<SourceFile>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file() && everynode::parse::is_input(e.path()))
        .map(|e| {
            let text = std::fs::read_to_string(e.path()).unwrap();
            SourceFile::new(e.path().strip_prefix(root()).unwrap(), text)
        })
        .collect()
}

/// The DaemonSets of the examples and of the corpus (each corpus file on its own: two
/// of them share a name).
fn everything() -> Vec<Desired> {
    let mut all = Vec::new();
    let examples = everynode::compile(&read_tree(&root().join("examples")));
    let (desired, _) = compare::desired(examples.rendered, &examples.parsed.manifests);
    all.extend(desired);
    for file in read_tree(&root().join("tests/data/corpus/daemonsets")) {
        let compiled = everynode::compile(&[file]);
        let (desired, _) = compare::desired(compiled.rendered, &compiled.parsed.manifests);
        all.extend(desired);
    }
    assert!(all.len() >= 40, "{} DaemonSets", all.len());
    all
}

fn set_default(map: &mut Value, key: &str, value: Value) {
    if let Some(fields) = map.as_object_mut() {
        fields.entry(key).or_insert(value);
    }
}

/// What the server echoes for a quantity in requests or limits.
fn served_quantity(q: &mut Value) {
    if let Some(text) = q.as_str() {
        *q = Value::String(Quantity::server_string(text, true).unwrap_or_else(|_| text.into()));
    }
}

fn served_container(c: &mut Value, host_network: bool) {
    let image = c["image"].as_str().unwrap_or_default().to_string();
    let last = image.rsplit('/').next().unwrap_or_default();
    let tag = if image.contains('@') {
        Some("digest")
    } else {
        last.split_once(':').map(|(_, t)| t)
    };
    let policy = if matches!(tag, None | Some("latest")) {
        "Always"
    } else {
        "IfNotPresent"
    };
    set_default(c, "imagePullPolicy", json!(policy));
    set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
    set_default(c, "terminationMessagePolicy", json!("File"));
    set_default(c, "resources", json!({}));
    for kind in ["requests", "limits"] {
        if let Some(map) = c["resources"][kind].as_object_mut() {
            map.values_mut().for_each(served_quantity);
        }
    }
    if let Some(ports) = c["ports"].as_array_mut() {
        for p in ports {
            set_default(p, "protocol", json!("TCP"));
            if host_network {
                let port = p["containerPort"].clone();
                set_default(p, "hostPort", port);
            }
        }
    }
    if let Some(env) = c["env"].as_array_mut() {
        for e in env {
            if e["valueFrom"]["fieldRef"].is_object() {
                set_default(&mut e["valueFrom"]["fieldRef"], "apiVersion", json!("v1"));
            }
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if c[probe].is_object() {
            let p = &mut c[probe];
            set_default(p, "timeoutSeconds", json!(1));
            set_default(p, "periodSeconds", json!(10));
            set_default(p, "successThreshold", json!(1));
            set_default(p, "failureThreshold", json!(3));
            if p["httpGet"].is_object() {
                set_default(&mut p["httpGet"], "scheme", json!("HTTP"));
            }
        }
    }
}

/// The object as the API server stores and returns it.
fn served(object: &Value) -> Value {
    let mut o = object.clone();
    o["apiVersion"] = json!("apps/v1");
    let meta = &mut o["metadata"];
    set_default(meta, "namespace", json!("default"));
    meta["uid"] = json!("2f1b8f9e-6d4c-4b7a-9c1e-5a3d2b1c0f9e");
    meta["resourceVersion"] = json!("981234");
    meta["generation"] = json!(1);
    meta["creationTimestamp"] = json!("2026-11-01T10:00:00Z");
    meta["managedFields"] = json!([{"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "apps/v1"}]);
    let applied = serde_json::to_string(object).unwrap();
    let annotations = meta["annotations"].as_object().cloned().unwrap_or_default();
    let mut annotations: Map<String, Value> = annotations;
    annotations.insert(
        "deprecated.daemonset.template.generation".into(),
        json!("1"),
    );
    annotations.insert(
        "kubectl.kubernetes.io/last-applied-configuration".into(),
        json!(applied),
    );
    meta["annotations"] = Value::Object(annotations);
    o["status"] = json!({"currentNumberScheduled": 3, "desiredNumberScheduled": 3, "numberMisscheduled": 0, "numberReady": 3, "observedGeneration": 1});
    let spec = &mut o["spec"];
    set_default(spec, "revisionHistoryLimit", json!(10));
    set_default(spec, "updateStrategy", json!({"type": "RollingUpdate"}));
    if spec["updateStrategy"]["type"] == "RollingUpdate" {
        set_default(&mut spec["updateStrategy"], "rollingUpdate", json!({}));
        let rolling = &mut spec["updateStrategy"]["rollingUpdate"];
        set_default(rolling, "maxUnavailable", json!(1));
        set_default(rolling, "maxSurge", json!(0));
    }
    let pod = &mut spec["template"]["spec"];
    set_default(pod, "dnsPolicy", json!("ClusterFirst"));
    set_default(pod, "restartPolicy", json!("Always"));
    set_default(pod, "schedulerName", json!("default-scheduler"));
    set_default(pod, "securityContext", json!({}));
    set_default(pod, "terminationGracePeriodSeconds", json!(30));
    if let Some(account) = pod["serviceAccountName"].as_str().map(str::to_string) {
        set_default(pod, "serviceAccount", json!(account));
    }
    let host_network = pod["hostNetwork"] == json!(true);
    for list in ["containers", "initContainers"] {
        if let Some(containers) = pod[list].as_array_mut() {
            containers
                .iter_mut()
                .for_each(|c| served_container(c, host_network));
        }
    }
    if let Some(volumes) = pod["volumes"].as_array_mut() {
        for v in volumes {
            if v["hostPath"].is_object() {
                set_default(&mut v["hostPath"], "type", json!(""));
            }
            for source in ["configMap", "secret", "projected", "downwardAPI"] {
                if v[source].is_object() {
                    set_default(&mut v[source], "defaultMode", json!(420));
                }
            }
        }
    }
    o
}

/// The state holding one live DaemonSet.
fn state(live: &Value) -> everynode::state::Cluster {
    let mut loader = everynode::state::Loader::default();
    loader
        .add("live.json", serde_json::to_string(live).unwrap().as_bytes())
        .unwrap();
    loader.finish()
}

#[test]
fn what_the_server_returns_shows_no_difference() {
    let mut failures = Vec::new();
    for want in everything() {
        let live = served(&want.object);
        let found = differences(std::slice::from_ref(&want), &state(&live));
        if !found.is_empty() {
            failures.push(format!(
                "{}/{} ({}):\n{}",
                want.namespace,
                want.name,
                want.source,
                everynode::report::diff::human(&found, false)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn one_changed_field_is_one_hunk() {
    for want in everything() {
        let mut live = served(&want.object);
        let image = &mut live["spec"]["template"]["spec"]["containers"][0]["image"];
        *image = json!(format!("{}-changed", image.as_str().unwrap()));
        let found = differences(std::slice::from_ref(&want), &state(&live));
        assert_eq!(found.len(), 1, "{}/{}", want.namespace, want.name);
        let text = everynode::report::diff::human(&found, false);
        assert_eq!(text.matches("\n@@ ").count(), 1, "{text}");
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("-  ") || l.starts_with("+  "))
                .count(),
            2,
            "{text}"
        );
    }
}
