//! Node selection as the scheduler's node-affinity plugin and the DaemonSet controller
//! evaluate it (component-helpers `scheduling/corev1/nodeaffinity/nodeaffinity.go`,
//! apimachinery `labels/selector.go`): `nodeSelector` AND the required node-affinity terms
//! (ORed; expressions and fields in a term ANDed). A term that fails to parse matches
//! nothing, while other terms still can.
//!
//! One requirement type, [`Requirement`], serves every reader: an API
//! `NodeSelectorRequirement` is checked by `labels.NewRequirement`'s rules
//! ([`Requirement::check`]); a requirement evaluates against node labels
//! ([`Requirement::holds`], `Requirement.Matches`), negates exactly where Kubernetes'
//! matching allows ([`Requirement::negate`]), and a conjunction of them simplifies key by
//! key ([`simplify`]), which decides statically whether two
//! node selections can hold on one node ([`overlap`]).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PodSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::{Deserialize, Serialize};

use crate::apimachinery;

/// The node selector operators of Kubernetes.
// In: the label has one of the values; NotIn: it is absent or has none of them; Exists /
// DoesNotExist: it is present / absent; Gt / Lt: it is an integer greater / less than the
// one value. (Plain comments: doc comments on the variants would change the published
// JSON Schema of descriptions, which reuses this enum.)
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub enum Operator {
    #[default]
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

impl Operator {
    /// Every operator, in the API's order (`core/v1` `NodeSelectorOperator` constants).
    pub const ALL: [Operator; 6] = [
        Operator::In,
        Operator::NotIn,
        Operator::Exists,
        Operator::DoesNotExist,
        Operator::Gt,
        Operator::Lt,
    ];

    /// The operator as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
            Operator::Gt => "Gt",
            Operator::Lt => "Lt",
        }
    }

    /// The operator the API spells `s`, or `None` for one it does not know.
    pub fn parse(s: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|op| op.as_str() == s)
    }

    /// What is wrong with this many values for the operator, if anything: the one rule
    /// every reader of a node selector requirement applies (`labels.NewRequirement`;
    /// `validateNodeSelectorRequirement` in pkg/apis/core/validation/validation.go).
    /// `values` is only read for Gt/Lt, whose one value must be an integer.
    pub fn values_problem(self, values: &[String]) -> Option<ValuesProblem> {
        let n = values.len();
        match self {
            Operator::In | Operator::NotIn if n == 0 => Some(ValuesProblem::Missing),
            Operator::Exists | Operator::DoesNotExist if n > 0 => Some(ValuesProblem::Unexpected),
            Operator::Gt | Operator::Lt if n != 1 => Some(ValuesProblem::NotOne),
            Operator::Gt | Operator::Lt if values[0].parse::<i64>().is_err() => {
                Some(ValuesProblem::NotInteger)
            }
            _ => None,
        }
    }
}

/// How a requirement's values fail its operator (see [`Operator::values_problem`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValuesProblem {
    /// In/NotIn without values.
    Missing,
    /// Exists/DoesNotExist with values.
    Unexpected,
    /// Gt/Lt without exactly one value.
    NotOne,
    /// Gt/Lt whose value is not a 64-bit integer.
    NotInteger,
}

/// A node selector requirement (`key operator values`), parsed: the operator known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// A node label key (or, in [`node_selection`], [`NODE_NAME`] for the node's name).
    pub key: String,
    /// How the label is compared.
    pub operator: Operator,
    /// The values, as the operator needs them (see [`Operator::values_problem`]).
    pub values: Vec<String>,
}

/// A conjunction of requirements: every one must hold.
pub type Term = Vec<Requirement>;

impl Requirement {
    /// Checks a `matchExpressions` entry as the label selector parser does before it
    /// accepts it (`labels.NewRequirement`, reached through
    /// `nodeaffinity.nodeSelectorRequirementsAsSelector`): a qualified key, a known
    /// operator, values as the operator needs, each a label value. Returns the operator;
    /// `Err` carries the reason, for explain and lint. Borrowing, not building a
    /// [`Requirement`], keeps placement free of allocation per node.
    pub fn check(r: &NodeSelectorRequirement) -> Result<Operator, String> {
        apimachinery::label_key(&r.key).map_err(|e| format!("key {:?}: {e}", r.key))?;
        let values = r.values.as_deref().unwrap_or_default();
        let Some(operator) = Operator::parse(&r.operator) else {
            return Err(format!("{:?} is not a node selector operator", r.operator));
        };
        match operator.values_problem(values) {
            Some(ValuesProblem::Missing) => {
                return Err(format!("operator {} needs at least one value", r.operator));
            }
            Some(ValuesProblem::Unexpected) => {
                return Err(format!("operator {} takes no values", r.operator));
            }
            Some(ValuesProblem::NotOne) => {
                return Err(format!("operator {} needs exactly one value", r.operator));
            }
            Some(ValuesProblem::NotInteger) => {
                return Err(format!(
                    "value {:?} of {} is not an integer",
                    values[0], r.operator
                ));
            }
            None => {}
        }
        for v in values {
            apimachinery::label_value(v).map_err(|e| format!("value {v:?}: {e}"))?;
        }
        Ok(operator)
    }

    /// The requirement as the API writes it.
    pub fn to_api(&self) -> NodeSelectorRequirement {
        NodeSelectorRequirement {
            key: self.key.clone(),
            operator: self.operator.as_str().to_string(),
            values: (!self.values.is_empty()).then(|| self.values.clone()),
        }
    }

    /// Whether the requirement holds on these labels (`Requirement.Matches`).
    pub fn holds(&self, labels: &BTreeMap<String, String>) -> bool {
        holds(&self.key, self.operator, &self.values, labels)
    }

    /// Whether the requirement holds on a node whose label of this key has `value` (`None`:
    /// the node has no such label), as [`Requirement::holds`] decides it.
    pub fn holds_value(&self, value: Option<&str>) -> bool {
        value_holds(self.operator, &self.values, value)
    }

    /// The requirement prepared for many questions: see [`Matcher`].
    pub fn matcher(&self) -> Matcher<'_> {
        Matcher {
            requirement: self,
            values: self.values.iter().map(String::as_str).collect(),
        }
    }

    /// The exact negation under Kubernetes' matching rules, if one exists: `In` ↔ `NotIn`
    /// (NotIn also matches nodes without the label, as the negation must) and `Exists` ↔
    /// `DoesNotExist`. `Gt`/`Lt` have none: a node whose label is not an integer matches
    /// neither `Gt 5` nor `Lt 6`.
    pub fn negate(&self) -> Option<Requirement> {
        let operator = match self.operator {
            Operator::In => Operator::NotIn,
            Operator::NotIn => Operator::In,
            Operator::Exists => Operator::DoesNotExist,
            Operator::DoesNotExist => Operator::Exists,
            Operator::Gt | Operator::Lt => return None,
        };
        Some(Requirement {
            key: self.key.clone(),
            operator,
            values: self.values.clone(),
        })
    }
}

/// A requirement asked about many values (coverage asks about every value a long `NotIn`
/// names): its values hashed once, so a question costs the same however long the list.
/// Answers as [`Requirement::holds_value`] does.
pub struct Matcher<'a> {
    requirement: &'a Requirement,
    values: std::collections::HashSet<&'a str>,
}

impl Matcher<'_> {
    /// [`Requirement::holds_value`].
    pub fn holds_value(&self, value: Option<&str>) -> bool {
        let r = self.requirement;
        decide(r.operator, &r.values, value, |l| self.values.contains(l))
    }
}

/// `Requirement.Matches` of apimachinery `labels/selector.go`: In needs the label with
/// one of the values, NotIn its absence or another value, Gt/Lt an integer label
/// compared with the one integer value (anything else does not match).
fn holds(
    key: &str,
    operator: Operator,
    values: &[String],
    labels: &BTreeMap<String, String>,
) -> bool {
    value_holds(operator, values, labels.get(key).map(String::as_str))
}

/// [`holds`] on the one label the requirement reads.
fn value_holds(operator: Operator, values: &[String], label: Option<&str>) -> bool {
    decide(operator, values, label, |l| values.iter().any(|v| v == l))
}

/// [`value_holds`], with `named(label)` saying whether `values` holds the label.
fn decide(
    operator: Operator,
    values: &[String],
    label: Option<&str>,
    named: impl Fn(&str) -> bool,
) -> bool {
    match operator {
        Operator::In => label.is_some_and(&named),
        Operator::NotIn => label.is_none_or(|l| !named(l)),
        Operator::Exists => label.is_some(),
        Operator::DoesNotExist => label.is_none(),
        Operator::Gt | Operator::Lt => {
            let (Some(label), Some(bound)) = (label, values.first()) else {
                return false;
            };
            let (Ok(label), Ok(bound)) = (label.parse::<i64>(), bound.parse::<i64>()) else {
                return false;
            };
            if operator == Operator::Gt {
                label > bound
            } else {
                label < bound
            }
        }
    }
}

/// Whether a `matchExpressions` entry parses ([`Requirement::check`]) and holds on these
/// labels: what a term of required node affinity asks of each expression.
pub fn expression_holds(r: &NodeSelectorRequirement, labels: &BTreeMap<String, String>) -> bool {
    Requirement::check(r).is_ok_and(|operator| {
        holds(
            &r.key,
            operator,
            r.values.as_deref().unwrap_or_default(),
            labels,
        )
    })
}

/// The pod's required node affinity (`requiredDuringSchedulingIgnoredDuringExecution`),
/// if it has one.
pub fn required_node_affinity(pod: &PodSpec) -> Option<&NodeSelector> {
    pod.affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()
}

/// The node facts node selection reads.
#[derive(Debug, Clone, Copy)]
pub struct NodeFacts<'a> {
    /// `metadata.name`, which `matchFields` reads.
    pub name: &'a str,
    /// `metadata.labels`.
    pub labels: &'a BTreeMap<String, String>,
}

/// Whether a pod with this spec may be placed on the node by its selection alone
/// (taints are a separate question): `nodeaffinity.GetRequiredNodeAffinity(pod).Match`
/// (component-helpers `scheduling/corev1/nodeaffinity/nodeaffinity.go`).
pub fn matches(spec: &PodSpec, node: NodeFacts<'_>) -> bool {
    node_selector_matches(spec.node_selector.as_ref(), node)
        && required_affinity_matches(spec, node)
}

/// `spec.nodeSelector`: every key present on the node with exactly that value (the
/// `labels.SelectorFromSet` half of `RequiredNodeAffinity.Match`).
pub fn node_selector_matches(
    selector: Option<&BTreeMap<String, String>>,
    node: NodeFacts<'_>,
) -> bool {
    selector.is_none_or(|selector| selector.iter().all(|(k, v)| node.labels.get(k) == Some(v)))
}

/// The required node-affinity terms, ORed (`LazyErrorNodeSelector.Match` over
/// `nodeSelectorTerms`); no affinity matches every node.
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
/// so does a term with a requirement that fails to parse (`nodeSelectorTerm.match` in
/// nodeaffinity.go).
pub fn term_matches(term: &NodeSelectorTerm, node: NodeFacts<'_>) -> bool {
    let expressions = term.match_expressions.as_deref().unwrap_or_default();
    let fields = term.match_fields.as_deref().unwrap_or_default();
    if expressions.is_empty() && fields.is_empty() {
        return false;
    }
    expressions.iter().all(|r| expression_holds(r, node.labels))
        && fields
            .iter()
            .all(|r| field_requirement_holds(r, node.name) == Some(true))
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
            // A label selector knows only the set operators (`LabelSelectorAsSelector`).
            Operator::parse(&e.operator)
                .filter(|op| !matches!(op, Operator::Gt | Operator::Lt))
                .is_some_and(|op| {
                    holds(&e.key, op, e.values.as_deref().unwrap_or_default(), labels)
                })
        })
}

// ---------------------------------------------------------------------------
// Reasoning about selections without nodes
// ---------------------------------------------------------------------------

/// Rewrites a term into an equivalent, shorter one, one key at a time, or `None` when no
/// node can satisfy it. Keys keep the order they first appear in; Gt/Lt are kept as given.
pub fn simplify(term: Term) -> Option<Term> {
    let mut keys: Vec<&str> = Vec::new();
    for requirement in &term {
        if !keys.contains(&requirement.key.as_str()) {
            keys.push(&requirement.key);
        }
    }
    let mut out = Vec::new();
    for key in keys {
        let of_key: Vec<&Requirement> = term.iter().filter(|r| r.key == key).collect();
        let has = |op: Operator| of_key.iter().any(|r| r.operator == op);
        let numeric: Vec<Requirement> = of_key
            .iter()
            .filter(|r| matches!(r.operator, Operator::Gt | Operator::Lt))
            .map(|r| (*r).clone())
            .collect();
        let not_in: Vec<&String> = of_key
            .iter()
            .filter(|r| r.operator == Operator::NotIn)
            .flat_map(|r| &r.values)
            .collect();
        let make = |operator: Operator, values: Vec<String>| Requirement {
            key: key.to_string(),
            operator,
            values,
        };
        if has(Operator::DoesNotExist) {
            if has(Operator::In) || has(Operator::Exists) || !numeric.is_empty() {
                return None;
            }
            out.push(make(Operator::DoesNotExist, Vec::new()));
            continue;
        }
        if has(Operator::In) {
            let mut sets = of_key.iter().filter(|r| r.operator == Operator::In);
            let first = sets.next().map(|r| r.values.clone()).unwrap_or_default();
            let allowed: Vec<String> = first
                .into_iter()
                .filter(|v| !not_in.contains(&v))
                .filter(|v| {
                    of_key
                        .iter()
                        .filter(|r| r.operator == Operator::In)
                        .all(|r| r.values.contains(v))
                })
                .fold(Vec::new(), |mut acc, v| {
                    if !acc.contains(&v) {
                        acc.push(v);
                    }
                    acc
                });
            if allowed.is_empty() {
                return None;
            }
            out.push(make(Operator::In, allowed));
        } else {
            if has(Operator::Exists) {
                out.push(make(Operator::Exists, Vec::new()));
            }
            if !not_in.is_empty() {
                let mut values: Vec<String> = Vec::new();
                for v in not_in {
                    if !values.contains(v) {
                        values.push(v.clone());
                    }
                }
                out.push(make(Operator::NotIn, values));
            }
        }
        out.extend(numeric);
    }
    Some(out)
}

/// `matchFields` and `nodeName` constrain the node's name, which no label can spell: a
/// key with `:` is not a valid label key, so it never meets a real one.
pub const NODE_NAME: &str = "field:metadata.name";

/// The nodes a pod template may run on (nodeName, nodeSelector, required node affinity),
/// as ORed terms. An empty list selects no node.
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

/// Whether some term of `a` and some term of `b` can hold on one node, decided without
/// nodes by [`simplify`] on each pair.
pub fn overlap(a: &[Term], b: &[Term]) -> bool {
    a.iter().any(|ta| {
        b.iter().any(|tb| {
            let mut both = ta.clone();
            both.extend(tb.iter().cloned());
            simplify(both).is_some()
        })
    })
}

fn requirement(key: &str, operator: Operator, values: &[String]) -> Requirement {
    Requirement {
        key: key.to_string(),
        operator,
        values: values.to_vec(),
    }
}

/// A node selector requirement as a [`Requirement`], or `None` for an operator the
/// scheduler does not know (the term then matches nothing).
fn converted(key: &str, r: &NodeSelectorRequirement) -> Option<Requirement> {
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

    /// Upstream TestPodMatchesNodeSelectorAndAffinityTerms "Pod with an invalid value in
    /// Affinity term won't be scheduled onto the node": a NotIn value that is no label
    /// value makes the term fail to parse, so it matches nothing even on a node without
    /// the label. The API server refuses such a value on create since 1.32, but an object
    /// stored before keeps it (tests/data/place keeps the case as `rejected`).
    #[test]
    fn an_invalid_not_in_value_matches_no_node() {
        let term: NodeSelectorTerm = serde_json::from_value(serde_json::json!({
            "matchExpressions": [{"key": "foo", "operator": "NotIn", "values": ["invalid value: ___@#$%^"]}]
        }))
        .unwrap_or_default();
        let labels = BTreeMap::from([("other".to_string(), "x".to_string())]);
        let node = NodeFacts {
            name: "node-1",
            labels: &labels,
        };
        assert!(!term_matches(&term, node));
    }

    #[test]
    fn a_matcher_answers_as_the_requirement_does() {
        let values = ["5", "a", "-3"];
        for operator in Operator::ALL {
            let listed: &[&str] = if matches!(operator, Operator::Gt | Operator::Lt) {
                &["5"]
            } else if matches!(operator, Operator::In | Operator::NotIn) {
                &["a", "5"]
            } else {
                &[]
            };
            let r = requirement(
                "k",
                operator,
                &listed.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
            );
            let m = r.matcher();
            for v in values
                .iter()
                .map(|v| Some(*v))
                .chain([None, Some("6"), Some("4")])
            {
                assert_eq!(m.holds_value(v), r.holds_value(v), "{operator:?} {v:?}");
            }
        }
    }

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

    fn req(key: &str, operator: Operator, values: &[&str]) -> Requirement {
        Requirement {
            key: key.into(),
            operator,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn simplify_narrows_in_sets() {
        let term = vec![
            req("x", Operator::In, &["a", "b"]),
            req("x", Operator::NotIn, &["b"]),
            req("x", Operator::Exists, &[]),
        ];
        assert_eq!(simplify(term), Some(vec![req("x", Operator::In, &["a"])]));
        assert_eq!(
            simplify(vec![
                req("x", Operator::Exists, &[]),
                req("x", Operator::DoesNotExist, &[])
            ]),
            None
        );
    }
}
