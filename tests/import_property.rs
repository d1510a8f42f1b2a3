//! Property: for a random DaemonSet within the language (containers with images, args,
//! env, ports, requests; probes; host-path volumes and mounts; tolerations; a node
//! selector; an update strategy), `import` then render, through the KDL text the import
//! writes, gives the DaemonSet back as the API server stores it, without a patch.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use proptest::prelude::*;
use serde_json::{Value, json};

use everynode_core::import;
use everynode_core::source::SourceFile;
use everynode_k8s::defaults::normalize;

fn label_value() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,6}"
}

fn container(index: usize) -> impl Strategy<Value = Value> {
    (
        "[a-z]{1,6}",
        0u32..20,
        prop::collection::vec("--[a-z]{1,8}", 0..3),
        prop::collection::btree_map("[A-Z]{1,6}", prop_oneof![
            label_value().prop_map(|v| json!({"value": v})),
            Just(json!({"valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}})),
        ], 0..3),
        prop::collection::btree_set(1u16..60000, 0..3),
        (1u32..500, 1u32..512),
        prop::option::of((1i32..60, "/[a-z]{1,8}")),
    )
        .prop_map(move |(name, version, args, env, ports, (cpu, memory), probe)| {
            let mut c = json!({
                "name": format!("{name}{index}"),
                "image": format!("example.com/{name}:1.{version}"),
                "resources": {"requests": {"cpu": format!("{cpu}m"), "memory": format!("{memory}Mi")}},
            });
            if !args.is_empty() {
                c["args"] = json!(args);
            }
            if !env.is_empty() {
                c["env"] = Value::Array(
                    env.into_iter()
                        .map(|(k, mut v)| {
                            v["name"] = json!(k);
                            v
                        })
                        .collect(),
                );
            }
            if !ports.is_empty() {
                c["ports"] = Value::Array(ports.iter().map(|p| json!({"containerPort": p})).collect());
            }
            if let Some((period, path)) = probe {
                c["livenessProbe"] = json!({"httpGet": {"path": path, "port": 8080}, "periodSeconds": period});
            }
            c
        })
}

fn daemonset() -> impl Strategy<Value = Value> {
    (
        "[a-z]{1,8}(-[a-z0-9]{1,4})?",
        prop::option::of("[a-z]{1,8}"),
        prop::collection::vec(any::<bool>(), 1..4).prop_flat_map(|containers| {
            containers
                .iter()
                .enumerate()
                .map(|(i, _)| container(i))
                .collect::<Vec<_>>()
        }),
        prop::collection::btree_map("[a-z]{1,6}", label_value(), 0..3),
        prop::collection::vec(("[a-z]{1,6}(\\.[a-z]{1,4})?/[a-z]{1,6}", prop::sample::select(vec!["NoSchedule", "NoExecute"]), any::<bool>()), 0..3),
        prop::collection::btree_map("[a-z]{1,4}\\.io/[a-z]{1,6}", label_value(), 0..3),
        prop::option::of((1i32..5, 0i32..600)),
        prop::collection::btree_set("/[a-z]{1,6}", 0..3),
        prop::option::of(any::<bool>()),
    )
        .prop_map(
            |(name, namespace, containers, labels, tolerations, node_selector, update, paths, host_network)| {
                let mut pod_labels = labels.clone();
                pod_labels.insert("app".into(), name.clone());
                let mut containers = containers;
                let volumes: Vec<Value> = paths
                    .iter()
                    .enumerate()
                    .map(|(i, p)| json!({"name": format!("v{i}"), "hostPath": {"path": p}}))
                    .collect();
                if !volumes.is_empty() {
                    containers[0]["volumeMounts"] = Value::Array(
                        paths
                            .iter()
                            .enumerate()
                            .map(|(i, p)| json!({"name": format!("v{i}"), "mountPath": format!("/host{p}"), "readOnly": true}))
                            .collect(),
                    );
                }
                let mut pod = json!({"containers": containers});
                if !volumes.is_empty() {
                    pod["volumes"] = Value::Array(volumes);
                }
                if !tolerations.is_empty() {
                    pod["tolerations"] = Value::Array(
                        tolerations
                            .into_iter()
                            .map(|(key, effect, exists)| {
                                if exists {
                                    json!({"key": key, "operator": "Exists", "effect": effect})
                                } else {
                                    json!({"key": key, "operator": "Equal", "value": "x", "effect": effect})
                                }
                            })
                            .collect(),
                    );
                }
                if !node_selector.is_empty() {
                    pod["nodeSelector"] = json!(node_selector);
                }
                if let Some(host_network) = host_network {
                    pod["hostNetwork"] = json!(host_network);
                }
                let mut spec = json!({
                    "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": pod_labels}, "spec": pod},
                });
                if let Some((max_unavailable, min_ready)) = update {
                    spec["updateStrategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": max_unavailable}});
                    spec["minReadySeconds"] = json!(min_ready);
                }
                let mut metadata = json!({"name": name, "labels": labels});
                if let Some(namespace) = namespace {
                    metadata["namespace"] = json!(namespace);
                }
                json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": metadata, "spec": spec})
            },
        )
}

/// The stored form without everynode's marks of ownership.
fn stored(object: &Value) -> Value {
    let mut stored = normalize(object);
    if let Some(labels) = stored
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove("everynode.dev/daemon");
        labels.remove("app.kubernetes.io/managed-by");
        if labels.is_empty() {
            stored["metadata"].as_object_mut().unwrap().remove("labels");
        }
    }
    stored
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn import_then_render_is_the_identity(source in daemonset()) {
        let imported = import::import(&source, false).expect("imports");
        prop_assert!(imported.daemon.spec.settings.patch.is_none(), "a patch: {:?}", imported.notes);
        let text = import::kdl::write(&imported.daemon, &imported.notes);
        let compiled = everynode_core::compile(&[SourceFile::new("d.kdl", text.clone())]);
        prop_assert!(
            !everynode_core::diagnostic::has_errors(&compiled.diagnostics),
            "{:?}\n{text}",
            compiled.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
        let rendered = &compiled.rendered[0].object;
        prop_assert_eq!(stored(rendered), stored(&source), "{}", text);
    }
}
