//! The facts `explain` prints for one DaemonSet and one node: the placement evidence, the
//! class of the daemon that claims the node, the daemon pods there and the plan's action.

use everynode_k8s::controller::PodIndex;
use everynode_k8s::objects::{Cluster, DaemonPod, LiveDaemonSet, Node};
use everynode_k8s::placement::DaemonPodTemplate;
use everynode_k8s::placement::explain::Explanation;

use crate::compare::{Desired, Placement, plan};

/// Everything known about one (DaemonSet, node) pair.
#[derive(Debug)]
pub struct Facts<'c> {
    /// `namespace/name`.
    pub daemonset: String,
    /// Where the DaemonSet comes from: a description, a manifest, or the state.
    pub source: String,
    pub node: &'c Node,
    pub explanation: Explanation<'c>,
    /// For a DaemonSet rendered from a daemon with classes: each class of the daemon and
    /// whether its node selection claims this node.
    pub classes: Vec<(String, bool)>,
    /// The daemon pods of this DaemonSet on the node.
    pub pods: Vec<&'c DaemonPod>,
    /// What the plan does with the pair; `None` when nothing runs and nothing should.
    pub placement: Option<Placement>,
}

/// A DaemonSet explain can look at: one that should exist, or one in the state.
pub enum Target<'a> {
    Desired(&'a Desired),
    Live(&'a LiveDaemonSet),
}

/// Why `find` found no single DaemonSet.
#[derive(Debug, PartialEq, Eq)]
pub enum NotFound {
    /// Nothing has the name; every `namespace/name` known, sorted.
    Unknown(Vec<String>),
    /// A bare name that two namespaces hold.
    Ambiguous(String, String),
}

/// Finds `namespace/name`, or a bare name when only one namespace has it; desired
/// DaemonSets first.
pub fn find<'a>(
    desired: &'a [Desired],
    cluster: &'a Cluster,
    wanted: &str,
) -> Result<Target<'a>, NotFound> {
    let matches = |namespace: &str, name: &str| match wanted.split_once('/') {
        Some((ns, n)) => ns == namespace && n == name,
        None => wanted == name,
    };
    let candidates = desired
        .iter()
        .map(|d| (format!("{}/{}", d.namespace, d.name), Target::Desired(d)))
        .chain(
            cluster
                .daemonsets
                .iter()
                .map(|l| (format!("{}/{}", l.namespace, l.name), Target::Live(l))),
        );
    let mut names = Vec::new();
    let mut found: Option<(String, Target)> = None;
    for (key, target) in candidates {
        let (namespace, name) = key.split_once('/').unwrap_or_default();
        if matches(namespace, name) {
            match &found {
                // The desired DaemonSet comes first and hides the live one of its name.
                Some((seen, _)) if *seen == key => {}
                Some((seen, _)) => return Err(NotFound::Ambiguous(seen.clone(), key)),
                None => found = Some((key.clone(), target)),
            }
        }
        names.push(key);
    }
    if let Some((_, target)) = found {
        return Ok(target);
    }
    names.sort();
    names.dedup();
    Err(NotFound::Unknown(names))
}

/// The facts for a target on a node of the state.
pub fn facts<'c>(
    target: &Target<'c>,
    desired: &'c [Desired],
    cluster: &'c Cluster,
    node: &'c Node,
) -> Option<Facts<'c>> {
    let (namespace, name, daemonset, source) = match target {
        Target::Desired(d) => (&d.namespace, &d.name, &d.daemonset, d.source.clone()),
        Target::Live(l) => (&l.namespace, &l.name, &l.daemonset, l.source.clone()),
    };
    let template = DaemonPodTemplate::new(daemonset)?;
    let explanation = template.explain(node);
    let classes = match target {
        Target::Desired(d) if d.class.is_some() => desired
            .iter()
            .filter(|s| s.namespace == d.namespace && s.daemon == d.daemon)
            .filter_map(|s| {
                let verdict = DaemonPodTemplate::new(&s.daemonset)?.evaluate(node);
                Some((
                    s.class.clone()?,
                    verdict.fits_node_name && verdict.fits_selection,
                ))
            })
            .collect(),
        _ => Vec::new(),
    };
    let key = format!("{namespace}/{name}");
    let placement = match target {
        Target::Desired(d) => plan(std::slice::from_ref(*d), cluster, super::SLOW_ROLLOUT_WAVES)
            .placements
            .into_iter()
            .find(|p| p.daemonset == key && p.node == node.name),
        Target::Live(_) => None,
    };
    let live = match target {
        Target::Desired(d) => crate::compare::live_of(d, cluster),
        Target::Live(l) => Some(*l),
    };
    let pods = PodIndex::new(&cluster.pods)
        .claimed(namespace, name, live, daemonset)
        .remove(node.name.as_str())
        .unwrap_or_default();
    Some(Facts {
        daemonset: key,
        source,
        node,
        explanation,
        classes,
        pods,
        placement,
    })
}
