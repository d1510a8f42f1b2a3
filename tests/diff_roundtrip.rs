//! Normalization, checked in reverse: every DaemonSet rendered from examples/ and every
//! DaemonSet manifest of the corpus is "applied" by a stand-in for the API server written
//! here from pkg/apis/apps/v1/defaults.go and pkg/apis/core/v1/defaults.go (server-set
//! metadata, status, the defaults of every field a DaemonSet and its pod template get,
//! quantities as the server echoes them), then read back as the state: `diff` must find
//! nothing. Changing one field of the read-back object must give exactly one hunk.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::path::{Path, PathBuf};
use std::sync::Arc;

mod common;

use everynode_core::compare::{self, Desired, diff::differences};
use everynode_core::source::SourceFile;
use everynode_k8s::apimachinery::Quantity;
use serde_json::{Map, Value, json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The inputs under `dir`, found as the binary finds them.
fn read_tree(dir: &Path) -> Vec<Arc<SourceFile>> {
    common::walk(dir)
        .into_iter()
        .filter(|path| everynode_core::parse::is_input(path))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            SourceFile::new(path.strip_prefix(root()).unwrap(), text)
        })
        .collect()
}

/// The DaemonSets of the examples, of the corpus (each corpus file on its own: two of
/// them share a name), and a manifest that leaves every defaulted field unset.
fn everything() -> Vec<Desired> {
    let mut all = Vec::new();
    let examples = everynode_core::compile(&read_tree(&root().join("examples")));
    let (desired, _) = compare::desired(examples.rendered, &examples.parsed.manifests);
    all.extend(desired);
    let corpus = read_tree(&root().join("tests/data/corpus/daemonsets"));
    let every_default = read_tree(&root().join("tests/data/normalize"));
    for file in corpus.into_iter().chain(every_default) {
        let compiled = everynode_core::compile(&[file]);
        let (desired, _) = compare::desired(compiled.rendered, &compiled.parsed.manifests);
        all.extend(desired);
    }
    assert!(all.len() >= 40, "{} DaemonSets", all.len());
    all
}

/// Go's defaulting: a field that is absent or the empty string takes the default.
fn set_default(map: &mut Value, key: &str, value: Value) {
    if let Some(fields) = map.as_object_mut() {
        let slot = fields.entry(key).or_insert(Value::Null);
        if slot.is_null() || *slot == json!("") {
            *slot = value;
        }
    }
}

/// What encoding/json's `omitempty` does to the plain string fields of the object: an
/// empty one is not written. The maps of strings (labels, annotations, selectors) keep
/// theirs, and so do the few `*string` fields, where "" is a value (hostPath.type).
fn omit_empty_strings(v: &mut Value, in_string_map: bool) {
    match v {
        Value::Object(fields) => {
            if !in_string_map {
                fields.retain(|k, x| *x != json!("") || k == "type");
            }
            for (k, x) in fields.iter_mut() {
                let map = matches!(
                    k.as_str(),
                    "labels" | "annotations" | "matchLabels" | "nodeSelector"
                );
                omit_empty_strings(x, map);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| omit_empty_strings(x, false)),
        _ => {}
    }
}

/// What the server echoes for a quantity in requests or limits.
fn served_quantity(q: &mut Value) {
    if let Some(text) = q.as_str() {
        *q = Value::String(Quantity::server_string(text, true).unwrap_or_else(|_| text.into()));
    }
}

fn served_container(c: &mut Value, host_network: bool) {
    // parsers.ParseImageName: the tag, else "latest" when there is no digest either.
    let image = c["image"].as_str().unwrap_or_default().to_string();
    let (reference, digest) = match image.split_once('@') {
        Some((r, d)) => (r.to_string(), Some(d.to_string())),
        None => (image.clone(), None),
    };
    let after_slash = reference.rsplit('/').next().unwrap_or_default();
    let tag = match (after_slash.split_once(':'), digest) {
        (Some((_, t)), _) => t.to_string(),
        (None, None) => "latest".to_string(),
        (None, Some(_)) => String::new(),
    };
    let policy = if tag == "latest" {
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
            if let Some(r) = e.pointer_mut("/valueFrom/resourceFieldRef") {
                served_resource_ref(r);
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
            if let Some(get) = p.pointer_mut("/httpGet") {
                served_http_get(get);
            }
        }
    }
    for hook in ["postStart", "preStop"] {
        if let Some(get) = c.pointer_mut(&format!("/lifecycle/{hook}/httpGet")) {
            served_http_get(get);
        }
    }
    for flag in ["stdin", "tty"] {
        // omitempty: a false flag is not written back.
        if c[flag] == json!(false) {
            c.as_object_mut().unwrap().remove(flag);
        }
    }
}

fn served_http_get(get: &mut Value) {
    if get.is_object() {
        set_default(get, "path", json!("/"));
        set_default(get, "scheme", json!("HTTP"));
    }
}

/// `divisor` is not a pointer in the Go type: always written, "0" when unset.
fn served_resource_ref(r: &mut Value) {
    if r.is_object() {
        set_default(r, "divisor", json!("0"));
        served_plain_quantity(&mut r["divisor"]);
    }
}

fn served_downward_items(items: &mut Value) {
    for item in items.as_array_mut().into_iter().flatten() {
        if item["fieldRef"].is_object() {
            set_default(&mut item["fieldRef"], "apiVersion", json!("v1"));
        }
        if let Some(r) = item.pointer_mut("/resourceFieldRef") {
            served_resource_ref(r);
        }
    }
}

/// A quantity outside a ResourceList: re-encoded, not rounded.
fn served_plain_quantity(q: &mut Value) {
    if let Some(text) = q.as_str() {
        *q = Value::String(Quantity::server_string(text, false).unwrap_or_else(|_| text.into()));
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
    omit_empty_strings(&mut o, false);
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
    // One service account, written under both of its names; serviceAccountName wins.
    let account = pod["serviceAccountName"]
        .as_str()
        .filter(|a| !a.is_empty())
        .or(pod["serviceAccount"].as_str())
        .map(str::to_string);
    if let Some(account) = account {
        pod["serviceAccount"] = json!(account);
        pod["serviceAccountName"] = json!(account);
    }
    for flag in ["hostNetwork", "hostPID", "hostIPC"] {
        if pod[flag] == json!(false) {
            pod.as_object_mut().unwrap().remove(flag);
        }
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
            if v.as_object().is_some_and(|o| o.len() == 1) {
                v["emptyDir"] = json!({});
            }
            if let Some(limit) = v.pointer_mut("/emptyDir/sizeLimit") {
                served_plain_quantity(limit);
            }
            for source in ["configMap", "secret", "projected", "downwardAPI"] {
                if v[source].is_object() {
                    set_default(&mut v[source], "defaultMode", json!(420));
                }
            }
            if let Some(items) = v.pointer_mut("/downwardAPI/items") {
                served_downward_items(items);
            }
            if let Some(sources) = v
                .pointer_mut("/projected/sources")
                .and_then(Value::as_array_mut)
            {
                for source in sources {
                    if source["serviceAccountToken"].is_object() {
                        let token = &mut source["serviceAccountToken"];
                        set_default(token, "expirationSeconds", json!(3600));
                    }
                    if let Some(items) = source.pointer_mut("/downwardAPI/items") {
                        served_downward_items(items);
                    }
                }
            }
        }
    }
    o
}

/// The state holding one live DaemonSet.
fn state(live: &Value) -> everynode_k8s::objects::Cluster {
    let mut loader = everynode_core::state::Loader::default();
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
