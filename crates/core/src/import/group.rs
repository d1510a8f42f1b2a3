//! Variants of one daemon, imported as one description: DaemonSets of one namespace
//! that are the same daemon (the same `app.kubernetes.io/name`, or the same containers
//! running the same image repositories) and whose node selections cannot both hold on
//! one node (decided without nodes, `selector::overlap`, as `daemon_overlap` decides)
//! become one daemon with a class per DaemonSet: the settings they share on the daemon,
//! the rest on each class. Each class keeps its DaemonSet's name and its selection as
//! written (`classes::written_selection`), so rendering gives every DaemonSet back.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use serde_json::{Map, Value};

use super::Imported;
use crate::model::{Class, Daemon, DaemonSpec, NodeMatch, Settings};
use everynode_k8s::selector::{node_selection, overlap};

/// What decides that DaemonSets may be variants of one daemon.
fn family(imported: &Imported) -> (String, String) {
    let template = &imported.source.spec.as_ref().map(|s| &s.template);
    let labels = template
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.as_ref());
    let name = labels
        .and_then(|l| l.get("app.kubernetes.io/name"))
        .cloned();
    let key = name.unwrap_or_else(|| {
        // The containers by name and image repository (the tag may differ by class).
        let pod = template.and_then(|t| t.spec.as_ref());
        pod.map(|p| {
            p.containers
                .iter()
                .map(|c| {
                    let image = c.image.as_deref().unwrap_or_default();
                    let repository = image.split(['@', ':']).next().unwrap_or(image);
                    format!("{}={repository}", c.name)
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
    });
    (imported.namespace.clone(), key)
}

/// Groups the variants among `imported` (in order); what cannot be grouped stays as it
/// is. A group's notes say what was grouped, and when DaemonSets of one family were not
/// (their selections overlap), why.
pub fn group(imported: Vec<Imported>) -> Vec<Imported> {
    let mut families: BTreeMap<(String, String), Vec<Imported>> = BTreeMap::new();
    let mut order = Vec::new();
    for i in imported {
        let key = family(&i);
        if !families.contains_key(&key) {
            order.push(key.clone());
        }
        families.entry(key).or_default().push(i);
    }
    let mut out = Vec::new();
    for key in order {
        let members = families.remove(&key).unwrap_or_default();
        if members.len() < 2
            || members
                .iter()
                .any(|m| m.daemon.spec.settings.patch.is_some())
        {
            out.extend(members);
            continue;
        }
        match overlapping(&members) {
            Some((a, b)) => {
                let note = format!(
                    "not grouped with the other variants of this daemon: {a} and {b} can both run on one node"
                );
                out.extend(members.into_iter().map(|mut m| {
                    m.notes.push(note.clone());
                    m
                }));
            }
            None => out.push(merged(members)),
        }
    }
    distinct_names(&mut out);
    out
}

/// Daemons of one namespace with one name (a group named like another DaemonSet, or
/// `a.b` and `a-b`): the later ones get `-2`, `-3`, … Their DaemonSets keep their names.
fn distinct_names(imported: &mut [Imported]) {
    let mut taken: std::collections::BTreeSet<(String, String)> = std::collections::BTreeSet::new();
    for i in imported.iter_mut() {
        let base = i.daemon.metadata.name.clone();
        let mut name = base.clone();
        let mut n = 2;
        while !taken.insert((i.namespace.clone(), name.clone())) {
            let suffix = format!("-{n}");
            name = format!("{}{suffix}", super::label_prefix(&base, 63 - suffix.len()));
            n += 1;
        }
        if name != base {
            if i.daemon.spec.classes.is_empty() && i.daemon.spec.settings.daemonset_name.is_none() {
                i.daemon.spec.settings.daemonset_name = Some(i.name.clone());
            }
            if i.daemon.spec.settings.container_name.is_none() {
                i.daemon.spec.settings.container_name = Some(base.clone());
            }
            i.notes.push(format!(
                "named {name}: another daemon of this namespace is {base}"
            ));
            i.daemon.metadata.name = name.clone();
            i.name = name;
        }
    }
}

/// Two members whose node selections can hold on one node, if any.
fn overlapping(members: &[Imported]) -> Option<(String, String)> {
    let selections: Vec<_> = members
        .iter()
        .map(|m| {
            m.source
                .spec
                .as_ref()
                .and_then(|s| s.template.spec.as_ref())
                .map(node_selection)
                .unwrap_or_default()
        })
        .collect();
    for i in 0..members.len() {
        for j in i + 1..members.len() {
            if overlap(&selections[i], &selections[j]) {
                return Some((members[i].name.clone(), members[j].name.clone()));
            }
        }
    }
    None
}

/// One daemon of the members: shared settings on the daemon, the rest on a class per
/// member, each with its DaemonSet's name and node selection as written.
fn merged(members: Vec<Imported>) -> Imported {
    let daemon_name = common_name(&members);
    let class_names = class_names(&members, &daemon_name);
    // Each member's settings with its selection written out (its `nodes` term becomes
    // a written node affinity) and its DaemonSet name kept.
    let settings: Vec<Value> = members
        .iter()
        .map(|m| {
            let mut s = m.daemon.spec.settings.clone();
            // The main container was named after the member's own daemon: the group's
            // name differs, so say it.
            if s.container_name.is_none() {
                s.container_name = Some(m.daemon.metadata.name.clone());
            }
            if !m.daemon.spec.nodes.is_empty() {
                s.node_affinity = Some(written_affinity(&m.daemon.spec.nodes));
            }
            s.daemonset_name = Some(m.name.clone());
            serde_json::to_value(&s).unwrap_or(Value::Null)
        })
        .collect();
    // A field every member gives the same value goes on the daemon; any other stays on
    // each class whole (the daemon then has none to merge with).
    let mut shared = Map::new();
    if let Some(Value::Object(first)) = settings.first() {
        for (field, value) in first {
            let per_class = matches!(
                field.as_str(),
                "daemonsetName" | "nodeSelector" | "nodeAffinity"
            );
            if !per_class && settings.iter().all(|s| s.get(field) == Some(value)) {
                shared.insert(field.clone(), value.clone());
            }
        }
    }
    let classes = settings
        .iter()
        .zip(&class_names)
        .map(|(s, name)| {
            let mut own = s.as_object().cloned().unwrap_or_default();
            own.retain(|field, _| !shared.contains_key(field));
            Class {
                name: name.clone(),
                matches: Vec::new(),
                settings: serde_json::from_value(Value::Object(own)).unwrap_or_default(),
            }
        })
        .collect();
    let first = &members[0];
    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    let mut notes: Vec<String> = members.iter().flat_map(|m| m.notes.clone()).collect();
    notes.dedup();
    notes.push(format!(
        "one daemon of the DaemonSets {}: their node selections cannot both hold on one node, so each is a class with its selection as written",
        names.join(", ")
    ));
    let selectors: Vec<&BTreeMap<String, String>> = members
        .iter()
        .map(|m| &m.daemon.spec.settings.selector)
        .collect();
    let shared_selector = (1..selectors.len()).any(|i| selectors[..i].contains(&selectors[i]));
    if shared_selector {
        notes.push("the DaemonSets share one pod selector, kept because changing a selector means recreating the DaemonSet; lint reports selector_overlap until they get their own".to_string());
    }
    let settings: Settings = serde_json::from_value(Value::Object(shared)).unwrap_or_default();
    Imported {
        namespace: first.namespace.clone(),
        name: daemon_name.clone(),
        daemon: Daemon {
            api_version: first.daemon.api_version.clone(),
            kind: first.daemon.kind.clone(),
            metadata: crate::model::DaemonMetadata {
                name: daemon_name,
                namespace: first.daemon.metadata.namespace.clone(),
            },
            spec: DaemonSpec {
                nodes: Vec::new(),
                classes,
                settings,
            },
        },
        notes,
        source: first.source.clone(),
        grouped: names.iter().map(|n| n.to_string()).collect(),
        shared_selector,
    }
}

/// A required node affinity of one term, as `nodes` wrote it.
fn written_affinity(nodes: &[NodeMatch]) -> core::NodeAffinity {
    core::NodeAffinity {
        required_during_scheduling_ignored_during_execution: Some(core::NodeSelector {
            node_selector_terms: vec![core::NodeSelectorTerm {
                match_expressions: Some(nodes.iter().map(|m| m.requirement().to_api()).collect()),
                match_fields: None,
            }],
        }),
        ..core::NodeAffinity::default()
    }
}

/// The daemon's name: the longest common prefix of the DaemonSets' names, cut at a dash
/// (`ebs-csi-node` of `ebs-csi-node` and `ebs-csi-node-windows`), else the first name.
fn common_name(members: &[Imported]) -> String {
    let first = members[0].daemon.metadata.name.as_str();
    let mut prefix = first.to_string();
    for m in &members[1..] {
        let name = m.daemon.metadata.name.as_str();
        let common = prefix
            .chars()
            .zip(name.chars())
            .take_while(|(a, b)| a == b)
            .count();
        prefix.truncate(common);
    }
    // A whole name, or up to the last dash of a partial one.
    let whole = members.iter().any(|m| m.daemon.metadata.name == prefix);
    let cut = if whole {
        prefix
    } else {
        match prefix.rfind('-') {
            Some(dash) => prefix[..dash].to_string(),
            None => String::new(),
        }
    };
    if cut.is_empty() {
        first.to_string()
    } else {
        cut
    }
}

/// A class name per member: the `kubernetes.io/os` each selects when that tells them
/// apart, else what its name adds to the daemon's (`windows`), else `main`.
fn class_names(members: &[Imported], daemon: &str) -> Vec<String> {
    let os: Vec<Option<String>> = members
        .iter()
        .map(|m| {
            m.daemon
                .spec
                .settings
                .node_selector
                .get("kubernetes.io/os")
                .cloned()
        })
        .collect();
    let distinct = os.iter().all(Option::is_some)
        && os.iter().collect::<std::collections::BTreeSet<_>>().len() == os.len();
    if distinct {
        return os.into_iter().map(Option::unwrap_or_default).collect();
    }
    let mut names: Vec<String> = members
        .iter()
        .map(|m| {
            let rest = m
                .daemon
                .metadata
                .name
                .strip_prefix(daemon)
                .unwrap_or_default();
            let rest = rest.trim_start_matches('-');
            if rest.is_empty() {
                "main".to_string()
            } else {
                rest.to_string()
            }
        })
        .collect();
    // Distinct, whatever the names: a repeated one takes its position.
    for i in 0..names.len() {
        if names[..i].contains(&names[i]) {
            names[i] = format!("{}-{i}", names[i]);
        }
    }
    names
}
