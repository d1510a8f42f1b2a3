//! Node selection as the scheduler's node-affinity plugin and the DaemonSet controller
//! evaluate it (component-helpers `nodeaffinity.go`, apimachinery `selector.go`):
//! `nodeSelector` AND the required node-affinity terms (ORed; expressions and fields in a
//! term ANDed). A term that fails to parse matches nothing, while other terms still can.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{NodeSelectorRequirement, NodeSelectorTerm, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::validate::daemonset::required_node_affinity;
use crate::validate::primitives;

/// The node facts node selection reads.
#[derive(Debug, Clone, Copy)]
pub struct NodeFacts<'a> {
    pub name: &'a str,
    pub labels: &'a BTreeMap<String, String>,
}

/// Whether a pod with this spec may be placed on the node by its selection alone
/// (taints are a separate question).
pub fn matches(spec: &PodSpec, node: NodeFacts<'_>) -> bool {
    node_selector_matches(spec.node_selector.as_ref(), node)
        && required_affinity_matches(spec, node)
}

/// `spec.nodeSelector`: every key present on the node with exactly that value.
pub fn node_selector_matches(
    selector: Option<&BTreeMap<String, String>>,
    node: NodeFacts<'_>,
) -> bool {
    selector.is_none_or(|selector| selector.iter().all(|(k, v)| node.labels.get(k) == Some(v)))
}

/// The required node-affinity terms; no affinity matches every node.
pub fn required_affinity_matches(spec: &PodSpec, node: NodeFacts<'_>) -> bool {
    let required = required_node_affinity(spec);
    match required {
        None => true,
        Some(selector) => selector
            .node_selector_terms
            .iter()
            .any(|term| term_matches(term, node)),
    }
}

/// One term: all expressions and fields hold; a term with neither matches nothing, and
/// so does a term with a requirement that fails to parse.
pub fn term_matches(term: &NodeSelectorTerm, node: NodeFacts<'_>) -> bool {
    let expressions = term.match_expressions.as_deref().unwrap_or_default();
    let fields = term.match_fields.as_deref().unwrap_or_default();
    if expressions.is_empty() && fields.is_empty() {
        return false;
    }
    expressions
        .iter()
        .all(|r| label_requirement(r) == Ok(true) && expression_holds(r, node.labels))
        && fields
            .iter()
            .all(|r| field_requirement_holds(r, node.name) == Some(true))
}

/// Whether a requirement parses as the label selector parser would accept it
/// (`NewRequirement`); `Err` carries the reason, for explain and lint.
pub fn label_requirement(r: &NodeSelectorRequirement) -> Result<bool, String> {
    primitives::label_key(&r.key).map_err(|e| format!("key {:?}: {e}", r.key))?;
    let values = r.values.as_deref().unwrap_or_default();
    match r.operator.as_str() {
        "In" | "NotIn" if values.is_empty() => {
            Err(format!("operator {} needs at least one value", r.operator))
        }
        "Exists" | "DoesNotExist" if !values.is_empty() => {
            Err(format!("operator {} takes no values", r.operator))
        }
        "Gt" | "Lt" => {
            if values.len() != 1 {
                return Err(format!("operator {} needs exactly one value", r.operator));
            }
            values[0].parse::<i64>().map_err(|_| {
                format!("value {:?} of {} is not an integer", values[0], r.operator)
            })?;
            primitives::label_value(&values[0])
                .map_err(|e| format!("value {:?}: {e}", values[0]))?;
            Ok(true)
        }
        "In" | "NotIn" | "Exists" | "DoesNotExist" => {
            for v in values {
                primitives::label_value(v).map_err(|e| format!("value {v:?}: {e}"))?;
            }
            Ok(true)
        }
        other => Err(format!("{other:?} is not a node selector operator")),
    }
}

/// Evaluates a requirement that parsed (see [`label_requirement`]) against node labels.
pub fn expression_holds(r: &NodeSelectorRequirement, labels: &BTreeMap<String, String>) -> bool {
    let values = r.values.as_deref().unwrap_or_default();
    let label = labels.get(&r.key);
    match r.operator.as_str() {
        "In" => label.is_some_and(|l| values.contains(l)),
        "NotIn" => label.is_none_or(|l| !values.contains(l)),
        "Exists" => label.is_some(),
        "DoesNotExist" => label.is_none(),
        "Gt" | "Lt" => {
            let (Some(label), Some(bound)) = (label, values.first()) else {
                return false;
            };
            let (Ok(label), Ok(bound)) = (label.parse::<i64>(), bound.parse::<i64>()) else {
                return false;
            };
            if r.operator == "Gt" {
                label > bound
            } else {
                label < bound
            }
        }
        _ => false,
    }
}

/// `matchFields`: only `metadata.name`, only In/NotIn with exactly one value; anything
/// else fails to parse (`None`) and the term matches nothing.
pub fn field_requirement_holds(r: &NodeSelectorRequirement, node_name: &str) -> Option<bool> {
    let values = r.values.as_deref().unwrap_or_default();
    if r.key != "metadata.name" || values.len() != 1 {
        return None;
    }
    match r.operator.as_str() {
        "In" => Some(values[0] == node_name),
        "NotIn" => Some(values[0] != node_name),
        _ => None,
    }
}

/// Whether a label selector (`spec.selector` of a DaemonSet) selects these labels:
/// matchLabels and matchExpressions ANDed (apimachinery `LabelSelectorAsSelector`). An
/// empty selector selects nothing, as for a DaemonSet, and an expression with an
/// operator the API does not know makes the whole selector select nothing.
pub fn label_selector_matches(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let match_labels = selector.match_labels.as_ref();
    let expressions = selector.match_expressions.as_deref().unwrap_or_default();
    if match_labels.is_none_or(BTreeMap::is_empty) && expressions.is_empty() {
        return false;
    }
    match_labels
        .into_iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v))
        && expressions.iter().all(|e| {
            let values = e.values.as_deref().unwrap_or_default();
            let label = labels.get(&e.key);
            match e.operator.as_str() {
                "In" => label.is_some_and(|l| values.contains(l)),
                "NotIn" => label.is_none_or(|l| !values.contains(l)),
                "Exists" => label.is_some(),
                "DoesNotExist" => label.is_none(),
                _ => false,
            }
        })
}
