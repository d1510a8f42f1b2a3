//! Property: for random classes and random node label sets, exactly one of a daemon's
//! DaemonSets selects each node the daemon targets, and it is the first class whose
//! matches hold. Selection is judged with the node-affinity rules of Kubernetes
//! (`place::selection`, which reproduces component-helpers' nodeaffinity), and the
//! expected class by evaluating each class's own requirements on the node, not by the
//! compiler's generated terms.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::collections::BTreeMap;

use everynode_core::model::{
    Class, Daemon, DaemonMetadata, DaemonSpec, NodeMatch, Operator, Settings,
};
use everynode_core::parse::ParsedDaemon;
use everynode_core::source::{SourceFile, SpanMap};
use everynode_k8s::selector::{self as selection, NodeFacts};
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::NodeSelectorRequirement;
use proptest::prelude::*;

const KEYS: [&str; 3] = ["example.com/a", "example.com/b", "example.com/c"];
const VALUES: [&str; 5] = ["x", "y", "z", "1", "5"];

fn requirement(numeric: bool) -> impl Strategy<Value = NodeMatch> {
    let ops: Vec<Operator> = if numeric {
        Operator::ALL.to_vec()
    } else {
        vec![
            Operator::In,
            Operator::NotIn,
            Operator::Exists,
            Operator::DoesNotExist,
        ]
    };
    (
        0..KEYS.len(),
        prop::sample::select(ops),
        prop::collection::vec(0..3usize, 1..3),
        0..2usize,
    )
        .prop_map(|(key, operator, values, number)| NodeMatch {
            key: KEYS[key].into(),
            operator,
            values: match operator {
                Operator::Exists | Operator::DoesNotExist => vec![],
                Operator::Gt | Operator::Lt => vec![["1", "4"][number].into()],
                _ => values.into_iter().map(|v| VALUES[v].to_string()).collect(),
            },
        })
}

/// Up to four classes; only the last may use Gt/Lt (anywhere else is a compile error)
/// or have no match at all.
fn daemon() -> impl Strategy<Value = Daemon> {
    (
        prop::collection::vec(requirement(false), 0..2),
        prop::collection::vec(prop::collection::vec(requirement(false), 1..3), 0..3),
        prop::collection::vec(requirement(true), 0..3),
    )
        .prop_map(|(nodes, earlier, last)| {
            let mut classes: Vec<Class> = earlier
                .into_iter()
                .enumerate()
                .map(|(i, matches)| Class {
                    name: format!("c{i}"),
                    matches,
                    ..Class::default()
                })
                .collect();
            classes.push(Class {
                name: "last".into(),
                matches: last,
                ..Class::default()
            });
            let mut settings = Settings::default();
            settings.main.image = Some("example.com/agent:1".into());
            Daemon {
                api_version: everynode_core::model::API_VERSION.into(),
                kind: everynode_core::model::KIND.into(),
                metadata: DaemonMetadata {
                    name: "agent".into(),
                    namespace: None,
                },
                spec: DaemonSpec {
                    nodes,
                    classes,
                    settings,
                },
            }
        })
}

fn node_labels() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(
        prop::sample::select(KEYS.to_vec()),
        prop::sample::select(VALUES.to_vec()),
        0..4,
    )
    .prop_map(|m| {
        m.into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    })
}

fn holds(requirements: &[NodeMatch], labels: &BTreeMap<String, String>) -> bool {
    requirements.iter().all(|m| {
        let r = NodeSelectorRequirement {
            key: m.key.clone(),
            operator: m.operator.as_str().into(),
            values: Some(m.values.clone()),
        };
        selection::expression_holds(&r, labels)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn each_targeted_node_is_selected_by_exactly_its_first_matching_class(
        daemon in daemon(),
        nodes in prop::collection::vec(node_labels(), 1..24),
    ) {
        let parsed = ParsedDaemon { daemon: daemon.clone(), spans: SpanMap::default(), file: SourceFile::new("p.kdl", "") };
        let problems = everynode_core::validate::validate(std::slice::from_ref(&parsed));
        let classes = &daemon.spec.classes;
        let first_match = |labels: &BTreeMap<String, String>| {
            holds(&daemon.spec.nodes, labels)
                .then(|| classes.iter().position(|c| holds(&c.matches, labels)))
                .flatten()
        };
        if !problems.is_empty() {
            // The only problem random classes can have: a class that no node can reach.
            for p in &problems {
                prop_assert_eq!(p.code, everynode_core::diagnostic::Code::unreachable_class, "{}", p.message);
            }
            return Ok(());
        }
        let (rendered, problems) = everynode_core::expand::expand(&[parsed]);
        prop_assert!(problems.is_empty());
        prop_assert_eq!(rendered.len(), classes.len());
        let specs: Vec<(String, _)> = rendered
            .iter()
            .map(|r| {
                let ds: DaemonSet = serde_json::from_value(r.object.clone()).unwrap();
                (r.class.clone().unwrap(), ds.spec.unwrap().template.spec.unwrap())
            })
            .collect();
        for (i, labels) in nodes.iter().enumerate() {
            let name = format!("node-{i}");
            let node = NodeFacts { name: &name, labels };
            let selecting: Vec<&str> = specs
                .iter()
                .filter(|(_, spec)| selection::matches(spec, node))
                .map(|(class, _)| class.as_str())
                .collect();
            let expected: Vec<&str> = first_match(labels).map(|k| classes[k].name.as_str()).into_iter().collect();
            prop_assert_eq!(selecting, expected, "node labels {:?}", labels);
        }
    }
}
