//! Class semantics: a node belongs to the first class whose matches hold. Each class is
//! compiled into node-affinity terms (ORed; expressions in a term ANDed) made of its own
//! matches, the daemon's `nodes`, and the negation of every earlier class, so the classes
//! of one daemon are disjoint by construction. Shared by validate (which reports the
//! problems) and expand (which writes the terms).

use crate::model::{Class, NodeMatch, Operator};

/// More terms than this make an affinity nobody can review; the compiler refuses.
pub const MAX_TERMS: usize = 64;

/// A term: node selector requirements that must all hold.
pub type Term = Vec<NodeMatch>;

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
        return vec![Ok(vec![simplify(nodes.to_vec()).unwrap_or_default()])];
    }
    (0..classes.len())
        .map(|k| class_terms(nodes, classes, k))
        .collect()
}

fn class_terms(
    nodes: &[NodeMatch],
    classes: &[Class],
    k: usize,
) -> Result<Vec<Term>, ClassProblem> {
    let own: Term = nodes.iter().chain(&classes[k].matches).cloned().collect();
    let mut terms: Vec<Term> = simplify(own).into_iter().collect();
    for (j, earlier) in classes[..k].iter().enumerate() {
        if earlier.matches.is_empty() {
            return Err(ClassProblem::CatchAllNotLast { catch_all: j });
        }
        let mut negations = Vec::new();
        for (r, requirement) in earlier.matches.iter().enumerate() {
            match negate(requirement) {
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

/// The exact negation of a requirement under Kubernetes' matching rules, if one exists:
/// `In` ↔ `NotIn` (NotIn also matches nodes without the label, as the negation must) and
/// `Exists` ↔ `DoesNotExist`. `Gt`/`Lt` have none: a node whose label is not an integer
/// matches neither `Gt 5` nor `Lt 6`.
pub fn negate(requirement: &NodeMatch) -> Option<NodeMatch> {
    let operator = match requirement.operator {
        Operator::In => Operator::NotIn,
        Operator::NotIn => Operator::In,
        Operator::Exists => Operator::DoesNotExist,
        Operator::DoesNotExist => Operator::Exists,
        Operator::Gt | Operator::Lt => return None,
    };
    Some(NodeMatch {
        key: requirement.key.clone(),
        operator,
        values: requirement.values.clone(),
    })
}

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
        let of_key: Vec<&NodeMatch> = term.iter().filter(|r| r.key == key).collect();
        let has = |op: Operator| of_key.iter().any(|r| r.operator == op);
        let numeric: Vec<NodeMatch> = of_key
            .iter()
            .filter(|r| matches!(r.operator, Operator::Gt | Operator::Lt))
            .map(|r| (*r).clone())
            .collect();
        let not_in: Vec<&String> = of_key
            .iter()
            .filter(|r| r.operator == Operator::NotIn)
            .flat_map(|r| &r.values)
            .collect();
        let make = |operator: Operator, values: Vec<String>| NodeMatch {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn m(key: &str, operator: Operator, values: &[&str]) -> NodeMatch {
        NodeMatch {
            key: key.into(),
            operator,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
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
            Ok(vec![vec![m("gpu", Operator::In, &["true"])]])
        );
        assert_eq!(
            compiled[1],
            Ok(vec![vec![
                m("arch", Operator::In, &["arm64"]),
                m("gpu", Operator::NotIn, &["true"])
            ]])
        );
        assert_eq!(
            compiled[2],
            Ok(vec![vec![
                m("gpu", Operator::NotIn, &["true"]),
                m("arch", Operator::NotIn, &["arm64"])
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
                vec![m("x", Operator::NotIn, &["1"])],
                vec![m("y", Operator::DoesNotExist, &[])]
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
    fn simplify_narrows_in_sets() {
        let term = vec![
            m("x", Operator::In, &["a", "b"]),
            m("x", Operator::NotIn, &["b"]),
            m("x", Operator::Exists, &[]),
        ];
        assert_eq!(simplify(term), Some(vec![m("x", Operator::In, &["a"])]));
        assert_eq!(
            simplify(vec![
                m("x", Operator::Exists, &[]),
                m("x", Operator::DoesNotExist, &[])
            ]),
            None
        );
    }
}
