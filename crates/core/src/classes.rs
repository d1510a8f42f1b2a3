//! Class semantics: a node belongs to the first class whose matches hold. Each class is
//! compiled into node-affinity terms (ORed; expressions in a term ANDed) made of its own
//! matches, the daemon's `nodes`, and the negation of every earlier class, so the classes
//! of one daemon are disjoint by construction. Shared by validate (which reports the
//! problems) and expand (which writes the terms).
//!
//! A class with a written selection (`node-selector` or `node-affinity`, no `match`; what
//! `import` makes of DaemonSets that already select disjoint nodes) is placed exactly
//! where its selection says: it is no catch-all, it gets no earlier class's negation and
//! gives none to later classes, so its DaemonSet's selection renders back unchanged. Its
//! disjointness from the other classes is lint's `daemon_overlap` to check.

pub use everynode_k8s::selector::Term;
use everynode_k8s::selector::simplify;

use crate::model::{Class, NodeMatch};

/// More terms than this make an affinity nobody can review; the compiler refuses.
pub const MAX_TERMS: usize = 64;

/// Why a class cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassProblem {
    /// The class at this index has no `match` and is not last.
    CatchAllNotLast { catch_all: usize },
    /// Earlier classes (and `nodes`) leave no node for this class.
    Unreachable,
    /// An earlier class holds a Gt/Lt match, which has no exact negation.
    InexactNegation { class: usize, requirement: usize },
    /// The negations multiply into more than [`MAX_TERMS`] terms.
    TooManyTerms(usize),
}

/// The terms of every class of a daemon (or of the daemon itself when it has no class),
/// in order. `Ok(vec![vec![]])` means "every node": write no affinity at all.
pub fn compile(nodes: &[NodeMatch], classes: &[Class]) -> Vec<Result<Vec<Term>, ClassProblem>> {
    if classes.is_empty() {
        return vec![Ok(vec![
            simplify(nodes.iter().map(NodeMatch::requirement).collect()).unwrap_or_default(),
        ])];
    }
    (0..classes.len())
        .map(|k| class_terms(nodes, classes, k))
        .collect()
}

/// Whether the class selects its nodes by a written selection rather than by `match`.
pub fn written_selection(class: &Class) -> bool {
    class.matches.is_empty()
        && (!class.settings.node_selector.is_empty() || class.settings.node_affinity.is_some())
}

fn class_terms(
    nodes: &[NodeMatch],
    classes: &[Class],
    k: usize,
) -> Result<Vec<Term>, ClassProblem> {
    if written_selection(&classes[k]) {
        // The written selection is the whole of it: no compiled affinity.
        return Ok(vec![
            simplify(nodes.iter().map(NodeMatch::requirement).collect()).unwrap_or_default(),
        ]);
    }
    let own: Term = nodes
        .iter()
        .chain(&classes[k].matches)
        .map(NodeMatch::requirement)
        .collect();
    let mut terms: Vec<Term> = simplify(own).into_iter().collect();
    for (j, earlier) in classes[..k].iter().enumerate() {
        if written_selection(earlier) {
            continue;
        }
        if earlier.matches.is_empty() {
            return Err(ClassProblem::CatchAllNotLast { catch_all: j });
        }
        let mut negations = Vec::new();
        for (r, requirement) in earlier.matches.iter().enumerate() {
            match requirement.requirement().negate() {
                Some(negation) => negations.push(negation),
                None => {
                    return Err(ClassProblem::InexactNegation {
                        class: j,
                        requirement: r,
                    });
                }
            }
        }
        let mut next: Vec<Term> = Vec::new();
        for term in &terms {
            for negation in &negations {
                let mut candidate = term.clone();
                candidate.push(negation.clone());
                if let Some(candidate) = simplify(candidate)
                    && !next.contains(&candidate)
                {
                    next.push(candidate);
                }
            }
        }
        // A term that holds every requirement of another term adds no node: drop it.
        let subsumed = |t: &Term| {
            next.iter()
                .any(|o| o != t && o.len() < t.len() && o.iter().all(|r| t.contains(r)))
        };
        let next: Vec<Term> = next.iter().filter(|t| !subsumed(t)).cloned().collect();
        if next.len() > MAX_TERMS {
            return Err(ClassProblem::TooManyTerms(next.len()));
        }
        terms = next;
    }
    if terms.is_empty() {
        return Err(ClassProblem::Unreachable);
    }
    Ok(terms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Operator;
    use everynode_k8s::selector::Requirement;

    fn m(key: &str, operator: Operator, values: &[&str]) -> NodeMatch {
        NodeMatch {
            key: key.into(),
            operator,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn r(key: &str, operator: Operator, values: &[&str]) -> Requirement {
        m(key, operator, values).requirement()
    }

    fn class(name: &str, matches: Vec<NodeMatch>) -> Class {
        Class {
            name: name.into(),
            matches,
            ..Class::default()
        }
    }

    #[test]
    fn later_classes_exclude_earlier_ones() {
        let classes = vec![
            class("gpu", vec![m("gpu", Operator::In, &["true"])]),
            class("arm", vec![m("arch", Operator::In, &["arm64"])]),
            class("default", vec![]),
        ];
        let compiled = compile(&[], &classes);
        assert_eq!(
            compiled[0],
            Ok(vec![vec![r("gpu", Operator::In, &["true"])]])
        );
        assert_eq!(
            compiled[1],
            Ok(vec![vec![
                r("arch", Operator::In, &["arm64"]),
                r("gpu", Operator::NotIn, &["true"])
            ]])
        );
        assert_eq!(
            compiled[2],
            Ok(vec![vec![
                r("gpu", Operator::NotIn, &["true"]),
                r("arch", Operator::NotIn, &["arm64"])
            ]])
        );
    }

    #[test]
    fn a_conjunction_negates_into_several_terms() {
        let classes = vec![
            class(
                "a",
                vec![m("x", Operator::In, &["1"]), m("y", Operator::Exists, &[])],
            ),
            class("rest", vec![]),
        ];
        assert_eq!(
            compile(&[], &classes)[1],
            Ok(vec![
                vec![r("x", Operator::NotIn, &["1"])],
                vec![r("y", Operator::DoesNotExist, &[])]
            ])
        );
    }

    #[test]
    fn problems_are_reported() {
        let catch_all_first = vec![
            class("all", vec![]),
            class("gpu", vec![m("gpu", Operator::Exists, &[])]),
        ];
        assert_eq!(
            compile(&[], &catch_all_first)[1],
            Err(ClassProblem::CatchAllNotLast { catch_all: 0 })
        );
        let shadowed = vec![
            class("a", vec![m("x", Operator::In, &["1", "2"])]),
            class("b", vec![m("x", Operator::In, &["2"])]),
        ];
        assert_eq!(compile(&[], &shadowed)[1], Err(ClassProblem::Unreachable));
        let numeric = vec![
            class("big", vec![m("cpus", Operator::Gt, &["64"])]),
            class("rest", vec![]),
        ];
        assert_eq!(
            compile(&[], &numeric)[1],
            Err(ClassProblem::InexactNegation {
                class: 0,
                requirement: 0
            })
        );
    }

    #[test]
    fn a_written_selection_is_neither_a_catch_all_nor_negated() {
        let mut linux = Class {
            name: "linux".into(),
            ..Class::default()
        };
        linux
            .settings
            .node_selector
            .insert("kubernetes.io/os".into(), "linux".into());
        let mut windows = linux.clone();
        windows.name = "windows".into();
        windows
            .settings
            .node_selector
            .insert("kubernetes.io/os".into(), "windows".into());
        let gpu = Class {
            name: "gpu".into(),
            matches: vec![NodeMatch {
                key: "gpu".into(),
                operator: everynode_k8s::selector::Operator::Exists,
                values: vec![],
            }],
            ..Class::default()
        };
        let compiled = compile(&[], &[linux, windows, gpu]);
        // No compiled affinity for the written classes, and the class after them is
        // not negated by them.
        assert_eq!(compiled[0], Ok(vec![vec![]]));
        assert_eq!(compiled[1], Ok(vec![vec![]]));
        assert_eq!(compiled[2].as_ref().map(Vec::len), Ok(1));
    }
}
