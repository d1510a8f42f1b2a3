//! Can two node selections hold on one node? Decided statically, without nodes: a node
//! selection (nodeName, nodeSelector, required node affinity) becomes terms of
//! requirements (ORed terms, ANDed requirements), and two selections overlap when some
//! term of one and some term of the other can both hold, which
//! `classes::simplify` decides key by key (the same reasoning that makes a daemon's
//! classes disjoint).

use k8s_openapi::api::core::v1::{NodeSelectorRequirement, PodSpec};

use crate::classes::{Term, simplify};
use crate::model::{NodeMatch, Operator};
use crate::validate::daemonset::required_node_affinity;

/// `matchFields` and `nodeName` constrain the node's name, which no label can spell: a
/// key with `:` is not a valid label key, so it never meets a real one.
const NODE_NAME: &str = "field:metadata.name";

/// The nodes a pod template may run on, as terms. An empty list selects no node.
pub fn node_selection(spec: &PodSpec) -> Vec<Term> {
    let mut base: Term = spec
        .node_selector
        .iter()
        .flatten()
        .map(|(k, v)| requirement(k, Operator::In, std::slice::from_ref(v)))
        .collect();
    if let Some(name) = &spec.node_name {
        base.push(requirement(
            NODE_NAME,
            Operator::In,
            std::slice::from_ref(name),
        ));
    }
    let required = required_node_affinity(spec);
    let Some(required) = required else {
        return vec![base];
    };
    required
        .node_selector_terms
        .iter()
        .filter_map(|term| {
            // An empty term matches no node.
            if term
                .match_expressions
                .as_deref()
                .unwrap_or_default()
                .is_empty()
                && term.match_fields.as_deref().unwrap_or_default().is_empty()
            {
                return None;
            }
            let mut out = base.clone();
            for e in term.match_expressions.iter().flatten() {
                out.push(converted(&e.key, e)?);
            }
            for f in term.match_fields.iter().flatten() {
                // Only metadata.name is a field selector the scheduler knows.
                if f.key != "metadata.name" {
                    return None;
                }
                out.push(converted(NODE_NAME, f)?);
            }
            Some(out)
        })
        .collect()
}

/// Whether some term of `a` and some term of `b` can hold on one node.
pub fn overlap(a: &[Term], b: &[Term]) -> bool {
    a.iter().any(|ta| {
        b.iter().any(|tb| {
            let mut both = ta.clone();
            both.extend(tb.iter().cloned());
            simplify(both).is_some()
        })
    })
}

fn requirement(key: &str, operator: Operator, values: &[String]) -> NodeMatch {
    NodeMatch {
        key: key.to_string(),
        operator,
        values: values.to_vec(),
    }
}

/// A node selector requirement as a description's match, or `None` for an operator the
/// scheduler does not know (the term then matches nothing).
fn converted(key: &str, r: &NodeSelectorRequirement) -> Option<NodeMatch> {
    let operator = Operator::parse(&r.operator)?;
    Some(requirement(
        key,
        operator,
        r.values.as_deref().unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> PodSpec {
        let mut json = json;
        json["containers"] = serde_json::json!([{"name": "x"}]);
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn disjoint_and_overlapping_node_selections() {
        let gpu = node_selection(&spec(serde_json::json!({"nodeSelector": {"gpu": "true"}})));
        let not_gpu = node_selection(&spec(serde_json::json!({"affinity": {"nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "gpu", "operator": "NotIn", "values": ["true"]}]}]}}}})));
        let arm = node_selection(&spec(
            serde_json::json!({"nodeSelector": {"arch": "arm64"}}),
        ));
        let everywhere = node_selection(&spec(serde_json::json!({})));
        assert!(!overlap(&gpu, &not_gpu));
        assert!(overlap(&gpu, &arm));
        assert!(overlap(&everywhere, &not_gpu));
        let pinned = node_selection(&spec(serde_json::json!({"nodeName": "n1"})));
        let other = node_selection(&spec(serde_json::json!({"affinity": {"nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n2"]}]}]}}}})));
        assert!(!overlap(&pinned, &other));
        let empty_term = node_selection(&spec(serde_json::json!({"affinity": {"nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{}]}}}})));
        assert!(!overlap(&empty_term, &everywhere));
    }
}
