//! The claiming of pods seen across DaemonSets, for plan's warnings and lint's findings
//! (`everynode_k8s::controller` decides for one DaemonSet).
//!
//! An orphan whose labels two DaemonSets' selectors select goes to whichever controller
//! syncs first: `ClaimObject` (pkg/controller/controller_ref_manager.go) adopts it with a
//! patch that sets a controller reference, and the API server refuses the second
//! (`ValidateOwnerReferences`: one controller per object), so the other DaemonSet creates a
//! pod of its own beside it. A pod its DaemonSet releases (`ReleasePod`) keeps running,
//! owned by no one, and nothing will replace or remove it.

use std::collections::BTreeMap;

use everynode_k8s::controller::{PodIndex, adopts};
use everynode_k8s::objects::{Cluster, DaemonPod, LiveDaemonSet};

use super::desired::{Desired, live_of, pruned};
use crate::diagnostic::{Code, Diagnostic, count};

/// How many pods a message names before it says "and N more".
const PODS_NAMED: usize = 3;

/// A DaemonSet that claims pods once the plan is applied.
struct Claimant<'a> {
    namespace: &'a str,
    name: &'a str,
    live: Option<&'a LiveDaemonSet>,
    /// The DaemonSet to apply, when it is one.
    desired: Option<&'a Desired>,
    /// What claims when there is no live DaemonSet.
    daemonset: &'a k8s_openapi::api::apps::v1::DaemonSet,
}

/// Everything plan says about claiming beyond the placements: orphans two DaemonSets'
/// selectors select (`orphan_selector_overlap`) and pods a DaemonSet releases
/// (`released_pods`).
pub fn claim_warnings(desired: &[Desired], cluster: &Cluster) -> Vec<Diagnostic> {
    let mut warnings = contested_orphans(desired, cluster);
    let pods = PodIndex::new(&cluster.pods);
    for d in desired {
        let released: Vec<&DaemonPod> = pods
            .claim(&d.namespace, &d.name, live_of(d, cluster), &d.daemonset)
            .released
            .into_values()
            .flatten()
            .collect();
        if released.is_empty() {
            continue;
        }
        let names: Vec<&str> = released.iter().map(|p| p.name.as_str()).collect();
        let message = match names.as_slice() {
            [one] => format!(
                "{}/{} releases pod {one}: its selector no longer selects the pod's labels, so it keeps running, owned by no one",
                d.namespace, d.name
            ),
            _ => format!(
                "{}/{} releases {}: {}; its selector no longer selects their labels, so they keep running, owned by no one",
                d.namespace,
                d.name,
                count(names.len(), "pod"),
                named(&names)
            ),
        };
        warnings.push(
            Diagnostic::new(Code::released_pods, message)
            .at(&d.file, d.span_of("/spec/selector"), "releases what it no longer selects")
            .with_help("the DaemonSet places a pod of its own where the node should run one: delete a released pod once it is not needed, or give it back labels the selector selects (the controller then adopts it again)"),
        );
    }
    warnings
}

/// The orphans (no controller, not being deleted) that two or more of the DaemonSets
/// that exist once the plan is applied would adopt, one finding per set of DaemonSets,
/// at the selector of the first DaemonSet to apply among them. DaemonSets only in the
/// state count too (they claim as well), unless the plan prunes them.
pub fn contested_orphans(desired: &[Desired], cluster: &Cluster) -> Vec<Diagnostic> {
    let mut claimants: Vec<Claimant> = desired
        .iter()
        .map(|d| Claimant {
            namespace: &d.namespace,
            name: &d.name,
            live: live_of(d, cluster),
            desired: Some(d),
            daemonset: &d.daemonset,
        })
        .collect();
    let gone = pruned(desired, cluster);
    for live in &cluster.daemonsets {
        let planned = desired
            .iter()
            .any(|d| (&d.namespace, &d.name) == (&live.namespace, &live.name));
        if !planned && !gone.iter().any(|g| std::ptr::eq(*g, live)) {
            claimants.push(Claimant {
                namespace: &live.namespace,
                name: &live.name,
                live: Some(live),
                desired: None,
                daemonset: &live.daemonset,
            });
        }
    }
    // The set of claimants (indexes, ascending) -> the orphans they all would adopt.
    let mut contested: BTreeMap<Vec<usize>, Vec<&str>> = BTreeMap::new();
    for pod in cluster.pods.iter().filter(|p| p.owner.is_none()) {
        let adopters: Vec<usize> = claimants
            .iter()
            .enumerate()
            .filter(|(_, c)| c.namespace == pod.namespace && adopts(c.live, c.daemonset, pod))
            .map(|(i, _)| i)
            .collect();
        if adopters.len() > 1 {
            contested.entry(adopters).or_default().push(&pod.name);
        }
    }
    let mut findings = Vec::new();
    for (adopters, pods) in contested {
        let Some(at) = adopters.iter().find_map(|&i| claimants[i].desired) else {
            continue;
        };
        let others: Vec<String> = adopters
            .iter()
            .map(|&i| &claimants[i])
            .filter(|c| !c.desired.is_some_and(|d| std::ptr::eq(d, at)))
            .map(|c| match (c.desired, c.live) {
                (Some(d), _) => format!("{}/{} ({})", c.namespace, c.name, d.source),
                (None, Some(live)) => {
                    format!("{}/{} (in the state, {})", c.namespace, c.name, live.source)
                }
                (None, None) => format!("{}/{}", c.namespace, c.name),
            })
            .collect();
        findings.push(
            Diagnostic::new(
                Code::orphan_selector_overlap,
                match pods.as_slice() {
                    [one] => format!(
                        "{}/{} and {} both select orphan pod {one}: whichever controller syncs first adopts it, and the other DaemonSet places a pod of its own on that node",
                        at.namespace,
                        at.name,
                        others.join(" and "),
                    ),
                    _ => format!(
                        "{}/{} and {} both select orphan pods {}: whichever controller syncs first adopts each, and the other DaemonSet places a pod of its own on its node",
                        at.namespace,
                        at.name,
                        others.join(" and "),
                        named(&pods)
                    ),
                },
            )
            .at(&at.file, at.span_of("/spec/selector"), "selects orphans another DaemonSet selects")
            .with_help("a pod has one controller: give the DaemonSets selectors that do not both select these pods, or delete the orphans"),
        );
    }
    findings
}

/// `a, b, c and 4 more`.
fn named(names: &[&str]) -> String {
    let shown = names
        .iter()
        .take(PODS_NAMED)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    match names.len().saturating_sub(PODS_NAMED) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}
