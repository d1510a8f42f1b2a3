//! The API server's validation of a Node on create (`ValidateNode` in
//! pkg/apis/core/validation/validation.go; `nodeStrategy.Validate` in
//! pkg/registry/core/node/strategy.go runs nothing else on create), for the Nodes a user
//! writes by hand to describe a pool that does not exist yet, and the taint rule
//! (`validateNodeTaints`) a Karpenter NodePool's taints meet once they are on its nodes.
//!
//! Checked: the name, namespace, labels and annotations (`ValidateObjectMeta` with
//! `ValidateNodeName`), `spec.taints` (`validateNodeTaints`) and every quantity of
//! `status.capacity` and `status.allocatable` (`ValidateNodeResources`). Not checked, since
//! no rule of placement reads them and a recording never carries them wrong: owner
//! references, finalizers and managed fields, `spec.podCIDRs` (`IsValidCIDR`), and the
//! legacy `scheduler.alpha.kubernetes.io/taints` annotation.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Reason, Violation, Violations, pointer, resources};
use crate::apimachinery as primitives;
use crate::objects::Taint;

/// The effects a taint may have (`validateTaintEffect`), in upstream's order.
const TAINT_EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// Everything `ValidateNode` would reject in `node`, a Node object as read from YAML or
/// JSON. Labels, annotations and taint fields that are not strings are left to the reader
/// that checks kinds; a quantity written as a bare number (`cpu: 8`) is read as its text,
/// as `resource.Quantity`'s JSON decoder reads it, and one of any other kind is refused
/// here. Each violation's
/// `at` is a JSON pointer into `node`; the taints' are under `/spec/taints`, where
/// upstream's field path says `metadata.taints` (it builds the path from `metadata`).
pub fn validate_node(node: &Value) -> Vec<Violation> {
    let mut v = Violations::default();
    let generate_name = node
        .pointer("/metadata/generateName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match node.pointer("/metadata/name").and_then(Value::as_str) {
        // The API server makes a name of the prefix (`ValidateObjectMeta` checks the
        // prefix as a name, a trailing '-' allowed).
        None | Some("") if !generate_name.is_empty() => {
            if let Err(e) = primitives::dns1123_subdomain(generate_name.trim_end_matches('-')) {
                v.push(
                    Reason::InvalidName,
                    "/metadata/generateName",
                    format!("generateName {generate_name:?} {e}"),
                    "a Node name is a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'",
                );
            }
        }
        None | Some("") => v.push(
            Reason::InvalidName,
            "/metadata/name",
            "name or generateName is required".into(),
            "give the Node a metadata.name",
        ),
        // ValidateNodeName is NameIsDNSSubdomain.
        Some(name) => {
            if let Err(e) = primitives::dns1123_subdomain(name) {
                v.push(
                    Reason::InvalidName,
                    "/metadata/name",
                    format!("name {name:?} {e}"),
                    "a Node name is a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'",
                );
            }
        }
    }
    // ValidateObjectMeta with requiresNamespace false: a Node is cluster-scoped.
    if let Some(ns) = node.pointer("/metadata/namespace").and_then(Value::as_str)
        && !ns.is_empty()
    {
        v.push(
            Reason::InvalidField,
            "/metadata/namespace",
            "not allowed on this type".into(),
            "leave metadata.namespace out: a Node belongs to no namespace",
        );
    }
    let strings = |at: &str| -> Option<BTreeMap<String, String>> {
        let map = node.pointer(at)?.as_object()?;
        Some(
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect(),
        )
    };
    v.labels(strings("/metadata/labels").as_ref(), "/metadata/labels");
    v.annotations(
        strings("/metadata/annotations").as_ref(),
        "/metadata/annotations",
    );
    if let Some(items) = node.pointer("/spec/taints").and_then(Value::as_array) {
        let taints: Vec<Taint> = items.iter().map(Taint::read).collect();
        v.0.extend(node_taints(&taints, "/spec/taints"));
    }
    // ValidateNodeResources: every quantity, whatever its name (the names are not checked).
    for field in ["capacity", "allocatable"] {
        let at = pointer("/status", field);
        let Some(list) = node.pointer(&at).and_then(Value::as_object) else {
            continue;
        };
        for (resource, quantity) in list {
            let text = match quantity {
                Value::String(text) => text.clone(),
                Value::Number(n) => n.to_string(),
                other => {
                    v.push(
                        Reason::InvalidQuantity,
                        &pointer(&at, resource),
                        format!("{resource} {field} {other} is not a quantity"),
                        "write a number with an optional suffix: 100m, 0.5, 64Mi, 1Gi",
                    );
                    continue;
                }
            };
            resources::quantity_value(&mut v, field, resource, &text, &pointer(&at, resource));
        }
    }
    v.0
}

/// `validateNodeTaints`: each taint's key is a label key (a qualified name, so not empty),
/// its value a label value, its effect one of NoSchedule, PreferNoSchedule and NoExecute,
/// and no two taints share a key and an effect. `at` is the pointer of the list; each
/// violation points at a taint's field, or at the taint given twice.
pub fn node_taints(taints: &[Taint], at: &str) -> Vec<Violation> {
    let mut v = Violations::default();
    let mut seen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (i, taint) in taints.iter().enumerate() {
        let t_at = pointer(at, i);
        if taint.key.is_empty() {
            // IsQualifiedName refuses it as an empty name part; said plainly.
            v.push(
                Reason::InvalidLabel,
                &pointer(&t_at, "key"),
                "a taint has an empty key: the key is required".into(),
                "give the taint a key, such as nvidia.com/gpu or dedicated",
            );
        } else if let Err(e) = primitives::label_key(&taint.key) {
            v.push(
                Reason::InvalidLabel,
                &pointer(&t_at, "key"),
                format!("taint key {:?} {e}", taint.key),
                "a taint key is an optional DNS prefix and '/', then a name of letters, digits, '-', '_' and '.'",
            );
        }
        if let Err(e) = primitives::label_value(&taint.value) {
            v.push(
                Reason::InvalidLabel,
                &pointer(&t_at, "value"),
                format!("taint value {:?} {e}", taint.value),
                "a taint value is at most 63 characters of letters, digits, '-', '_' and '.'",
            );
        }
        match taint.effect.as_str() {
            "" => v.push(
                Reason::InvalidField,
                &pointer(&t_at, "effect"),
                format!("taint {:?} has no effect: effect is required", taint.key),
                "give the taint an effect: NoSchedule, PreferNoSchedule or NoExecute",
            ),
            effect if !TAINT_EFFECTS.contains(&effect) => v.push(
                Reason::InvalidField,
                &pointer(&t_at, "effect"),
                format!(
                    "taint effect {effect:?}: unsupported value, supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""
                ),
                "a taint's effect is NoSchedule, PreferNoSchedule or NoExecute (the case matters)",
            ),
            _ => {}
        }
        // Upstream checks a repeated taint's fields too, then reports it as a duplicate.
        if let Some(first) = seen.insert((&taint.key, &taint.effect), i) {
            v.push(
                Reason::InvalidField,
                &t_at,
                format!(
                    "taints must be unique by key and effect pair: {taint} repeats the key and effect of taint {first}"
                ),
                "give each key one taint per effect: remove one of the two, or change its effect",
            );
        }
    }
    v.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str, value: &str, effect: &str) -> Taint {
        Taint {
            key: key.into(),
            value: value.into(),
            effect: effect.into(),
        }
    }

    fn fields(violations: &[Violation]) -> Vec<&str> {
        violations.iter().map(|v| v.at.as_str()).collect()
    }

    /// Each rule of `validateNodeTaints`, broken and at its edge.
    #[test]
    fn taints_follow_validate_node_taints() {
        let cases: [(&[Taint], &[&str]); 6] = [
            (&[taint("dedicated", "gpu", "NoSchedule")], &[]),
            (&[taint("", "", "NoSchedule")], &["/t/0/key"]),
            (&[taint("k", "a b", "NoExecute")], &["/t/0/value"]),
            (&[taint("k", "", "")], &["/t/0/effect"]),
            (&[taint("k", "", "noschedule")], &["/t/0/effect"]),
            // The same key and effect twice, whatever the value; another effect is fine.
            (
                &[
                    taint("k", "a", "NoSchedule"),
                    taint("k", "b", "NoExecute"),
                    taint("k", "c", "NoSchedule"),
                ],
                &["/t/2"],
            ),
        ];
        for (taints, want) in cases {
            assert_eq!(fields(&node_taints(taints, "/t")), want, "{taints:?}");
        }
    }

    #[test]
    fn a_node_is_validated_as_on_create() {
        let node = serde_json::json!({
            "metadata": {"name": "Node_1", "namespace": "default",
                         "labels": {"gpu": "a b", "ok": "yes"}},
            "spec": {"taints": [{"key": "k", "effect": "Sometimes"}]},
            "status": {"allocatable": {"cpu": "-1", "pods": "1.5", "memory": 16, "nvidia.com/gpu": "x"},
                       "capacity": {"cpu": "3.5"}},
        });
        assert_eq!(
            fields(&validate_node(&node)),
            [
                "/metadata/name",
                "/metadata/namespace",
                "/metadata/labels/gpu",
                "/spec/taints/0/effect",
                "/status/allocatable/cpu",
                "/status/allocatable/nvidia.com~1gpu",
                "/status/allocatable/pods",
            ]
        );
    }
}
