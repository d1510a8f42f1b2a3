//! Why a daemon pod does or does not belong on a node: every check of
//! `NodeShouldRunDaemonPod` spelled out with the node's actual values, for `explain` and
//! for the reasons of a plan. The verdict itself always comes from
//! [`DaemonPodTemplate::evaluate`]; this module only lists the evidence.

use k8s_openapi::api::core::v1::{NodeSelectorRequirement, Toleration};

use super::{DaemonPodTemplate, Origin, Verdict, decides, selection, tolerates};
use crate::objects::{Node, Taint};

/// The evidence for one (DaemonSet, node) pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation<'n> {
    /// What [`DaemonPodTemplate::evaluate`] decides.
    pub verdict: Verdict<'n>,
    /// The template's `nodeName`, when it sets one.
    pub node_name: Option<String>,
    /// One entry per `nodeSelector` key.
    pub node_selector: Vec<Requirement>,
    /// The required node-affinity terms; `None` when the template has none.
    pub terms: Option<Vec<Term>>,
    /// Every taint of the node.
    pub taints: Vec<TaintCheck<'n>>,
}

/// One requirement of a node selection: what is required, what the node has, whether it
/// holds, and why it cannot hold when it fails to parse.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// The requirement as one line (`key In [a, b]`, `gpu=true`).
    pub text: String,
    /// The node's value of the label (or its name, for matchFields).
    pub node_value: Option<String>,
    /// Whether the node satisfies it.
    pub holds: bool,
    /// The requirement does not parse, so its whole term matches nothing.
    pub invalid: Option<String>,
}

/// A required node-affinity term: its requirements (expressions, then fields).
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Whether every requirement holds (and the term is not empty).
    pub holds: bool,
    /// Its requirements, in order.
    pub requirements: Vec<Requirement>,
}

/// A node taint against the pod's tolerations.
#[derive(Debug, Clone, PartialEq)]
pub struct TaintCheck<'n> {
    /// The node's taint.
    pub taint: &'n Taint,
    /// NoSchedule or NoExecute: the only effects that decide placement.
    pub decides: bool,
    /// The first toleration that tolerates it, as text, and where it comes from.
    pub tolerated_by: Option<(String, Origin)>,
    /// Tolerations with an operator this rule does not know (Gt/Lt of newer servers)
    /// that name this taint's key: they tolerate nothing here.
    pub unknown_operators: Vec<String>,
    /// When the controller's own toleration tolerates the taint in place of a template
    /// toleration it replaced: that template toleration, as text with its
    /// `tolerationSeconds` (which no longer applies).
    pub replaced: Option<String>,
    /// When no toleration tolerates the taint: the template toleration for its key that
    /// comes nearest, and why it misses (another effect, another value).
    pub nearest_miss: Option<(String, String)>,
}

impl DaemonPodTemplate<'_> {
    /// Every check for this node, with the verdict.
    pub fn explain<'n>(&self, node: &'n Node) -> Explanation<'n> {
        let node_selector = self
            .spec
            .node_selector
            .iter()
            .flatten()
            .map(|(key, want)| {
                let has = node.labels.get(key);
                Requirement {
                    text: format!("{key}={want}"),
                    node_value: has.cloned(),
                    holds: has == Some(want),
                    invalid: None,
                }
            })
            .collect();
        let facts = selection::NodeFacts {
            name: &node.name,
            labels: &node.labels,
        };
        let terms = self.required_terms().map(|terms| {
            terms
                .iter()
                .map(|term| Term {
                    holds: selection::term_matches(term, facts),
                    requirements: term
                        .match_expressions
                        .iter()
                        .flatten()
                        .map(|r| expression(r, node))
                        .chain(term.match_fields.iter().flatten().map(|r| field(r, node)))
                        .collect(),
                })
                .collect()
        });
        let taints = node
            .taints
            .iter()
            .map(|taint| TaintCheck {
                taint,
                decides: decides(taint),
                tolerated_by: self
                    .tolerations
                    .iter()
                    .find(|(t, _)| tolerates(t, taint))
                    .map(|(t, origin)| (toleration_text(t), *origin)),
                replaced: self.tolerated_by(taint).and_then(|origin| {
                    let replaced = self.replaced.iter().find(|t| {
                        origin == Origin::Controller
                            && t.key.as_deref() == Some(taint.key.as_str())
                            && t.effect.as_deref() == Some(taint.effect.as_str())
                    })?;
                    Some(toleration_text(replaced))
                }),
                nearest_miss: match self.tolerated_by(taint) {
                    Some(_) => None,
                    None => self.nearest_miss(taint),
                },
                unknown_operators: self
                    .tolerations
                    .iter()
                    .filter(|(t, _)| {
                        !matches!(t.operator.as_deref(), None | Some("" | "Equal" | "Exists"))
                            && t.key
                                .as_deref()
                                .is_none_or(|k| k.is_empty() || k == taint.key)
                    })
                    .map(|(t, _)| toleration_text(t))
                    .collect(),
            })
            .collect();
        Explanation {
            verdict: self.evaluate(node),
            node_name: self.spec.node_name.clone().filter(|n| !n.is_empty()),
            node_selector,
            terms,
            taints,
        }
    }
}

impl DaemonPodTemplate<'_> {
    /// The template toleration that misses `taint` by the least, and why
    /// (`Toleration.ToleratesTaint` in k8s.io/api `core/v1/toleration.go`: key, then
    /// effect, then operator and value). Searched in that order: a toleration naming the
    /// taint's key, one whose key differs only in case (keys are compared exactly), and a
    /// keyless one (which names every key, so only its effect can miss).
    fn nearest_miss(&self, taint: &Taint) -> Option<(String, String)> {
        let template = || {
            self.tolerations
                .iter()
                .filter(|(_, origin)| *origin == Origin::Template)
                .map(|(t, _)| t)
        };
        let key = |t: &&Toleration| t.key.clone().unwrap_or_default();
        if let Some(toleration) = template().find(|t| key(t) == taint.key) {
            return Some((toleration_text(toleration), miss_on_key(toleration, taint)));
        }
        if let Some(toleration) = template().find(|t| key(t).eq_ignore_ascii_case(&taint.key)) {
            let why = format!(
                "its key {:?} differs from the taint's {:?} only in case, and keys are compared exactly: write the key as the taint does",
                key(&toleration),
                taint.key
            );
            return Some((toleration_text(toleration), why));
        }
        let toleration = template().find(|t| key(t).is_empty())?;
        Some((toleration_text(toleration), miss_on_key(toleration, taint)))
    }
}

/// Why a toleration whose key matches `taint` (the same key, or none) still misses it.
fn miss_on_key(toleration: &Toleration, taint: &Taint) -> String {
    let effect = toleration.effect.as_deref().unwrap_or_default();
    let value = toleration.value.as_deref().unwrap_or_default();
    if !effect.is_empty() && effect != taint.effect {
        return format!(
            "its effect is {effect}, the taint's is {}: leave the effect out to tolerate every effect",
            taint.effect
        );
    }
    match toleration.operator.as_deref().unwrap_or_default() {
        "" | "Equal" if value.is_empty() => format!(
            "an Equal toleration without a value matches only a taint without one; this taint's value is {:?}: use operator Exists, or give the value",
            taint.value
        ),
        "" | "Equal" => format!("its value is {value:?}, the taint's is {:?}", taint.value),
        other => format!("its operator {other} tolerates nothing here"),
    }
}

impl Explanation<'_> {
    /// Why node selection fails, in one line, or `None` when it holds.
    pub fn selection_failure(&self) -> Option<String> {
        if !self.verdict.fits_node_name {
            return Some(format!(
                "the template's nodeName is {}",
                self.node_name.as_deref().unwrap_or_default()
            ));
        }
        if let Some(r) = self.node_selector.iter().find(|r| !r.holds) {
            return Some(format!("nodeSelector needs {}; {}", r.text, node_has(r)));
        }
        let terms = self.terms.as_deref().unwrap_or_default();
        if terms.is_empty() || terms.iter().any(|t| t.holds) {
            return None;
        }
        if let [term] = terms {
            return Some(match term.requirements.iter().find(|r| !r.holds) {
                Some(Requirement {
                    text,
                    invalid: Some(why),
                    ..
                }) => format!("the node-affinity requirement `{text}` can never match: {why}"),
                Some(r) => format!("node affinity needs `{}`; {}", r.text, node_has(r)),
                None => "the node-affinity term is empty and matches no node".to_string(),
            });
        }
        Some(format!(
            "none of the {} required node-affinity terms matches",
            terms.len()
        ))
    }
}

/// What the node has for a requirement, in words.
pub fn node_has(r: &Requirement) -> String {
    let key = r.text.split(['=', ' ']).next().unwrap_or_default();
    match &r.node_value {
        Some(value) if key == "metadata.name" => format!("the node is {value}"),
        Some(value) => format!("node has {key}={value}"),
        None => format!("node has no label {key}"),
    }
}

/// A requirement of a `matchExpressions` entry, evaluated against node labels.
fn expression(r: &NodeSelectorRequirement, node: &Node) -> Requirement {
    let invalid = selection::Requirement::check(r).err();
    Requirement {
        text: requirement_text(r),
        node_value: node.labels.get(&r.key).cloned(),
        holds: invalid.is_none() && selection::expression_holds(r, &node.labels),
        invalid,
    }
}

/// A requirement of a `matchFields` entry, evaluated against the node's name.
fn field(r: &NodeSelectorRequirement, node: &Node) -> Requirement {
    let result = selection::field_requirement_holds(r, &node.name);
    Requirement {
        text: requirement_text(r),
        node_value: Some(node.name.clone()),
        holds: result == Some(true),
        invalid: result.is_none().then(|| {
            "matchFields takes only metadata.name, with In or NotIn and exactly one value".into()
        }),
    }
}

fn requirement_text(r: &NodeSelectorRequirement) -> String {
    let values = r.values.as_deref().unwrap_or_default();
    if values.is_empty() {
        format!("{} {}", r.key, r.operator)
    } else {
        format!("{} {} [{}]", r.key, r.operator, values.join(", "))
    }
}

/// A toleration as one line: `key Exists`, `key=value`, `key Gt 5`, then `:Effect` or
/// `(every effect)`, then `for Ns` with tolerationSeconds; an empty key reads `every key`.
pub fn toleration_text(t: &Toleration) -> String {
    let key = t
        .key
        .as_deref()
        .filter(|k| !k.is_empty())
        .unwrap_or("every key");
    let value = t.value.as_deref().unwrap_or_default();
    let matcher = match t.operator.as_deref().unwrap_or_default() {
        "Exists" => format!("{key} Exists"),
        "" | "Equal" => format!("{key}={value}"),
        other => format!("{key} {other} {value}").trim_end().to_string(),
    };
    let text = match t.effect.as_deref().filter(|e| !e.is_empty()) {
        Some(effect) => format!("{matcher}:{effect}"),
        None => format!("{matcher} (every effect)"),
    };
    // A NoExecute toleration with seconds keeps the pod only that long after the taint
    // appears (the taint manager evicts it then).
    match t.toleration_seconds {
        Some(seconds) => format!("{text} for {seconds}s"),
        None => text,
    }
}
