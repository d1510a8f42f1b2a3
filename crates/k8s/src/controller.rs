//! The DaemonSet controller's bookkeeping of its pods (pkg/controller/daemon): which pods
//! a DaemonSet claims (`ClaimPods` through `controller_ref_manager.go`) and whether a pod
//! runs the current template (`IsPodUpdated` in `util/daemonset_util.go`, by the
//! `pod-template-generation` label or the `controller-revision-hash` of the newest
//! ControllerRevision).

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::apps::v1::DaemonSet;

use crate::objects::{Cluster, DaemonPod, LiveDaemonSet, TEMPLATE_GENERATION};
use crate::selector::label_selector_matches;

/// The daemon pods of the state, found by their controller: the index the controller's
/// `getDaemonPods` (pkg/controller/daemon/daemon_controller.go) lists and claims from.
pub struct PodIndex<'c> {
    by_uid: HashMap<&'c str, Vec<&'c DaemonPod>>,
    by_name: HashMap<(&'c str, &'c str), Vec<&'c DaemonPod>>,
}

impl<'c> PodIndex<'c> {
    /// Indexes the daemon pods of a cluster by their controller's uid and name.
    pub fn new(pods: &'c [DaemonPod]) -> Self {
        let mut by_uid: HashMap<&str, Vec<&DaemonPod>> = HashMap::new();
        let mut by_name: HashMap<(&str, &str), Vec<&DaemonPod>> = HashMap::new();
        for pod in pods {
            if !pod.owner.uid.is_empty() {
                by_uid.entry(&pod.owner.uid).or_default().push(pod);
            }
            by_name
                .entry((&pod.namespace, &pod.owner.name))
                .or_default()
                .push(pod);
        }
        PodIndex { by_uid, by_name }
    }

    /// The pods a DaemonSet's controller claims, by node (`ClaimPods`): its controller
    /// reference names the DaemonSet (by uid when the state has the live DaemonSet, else
    /// by name) and the selector still selects the pod's labels; an owned pod the
    /// selector no longer selects is released, so it is not the DaemonSet's. The
    /// selector is the live DaemonSet's when there is one: its controller does the
    /// claiming. Pods being deleted are included (see `decide`). A pod with no node yet is
    /// under the empty name.
    pub fn claimed(
        &self,
        namespace: &str,
        name: &str,
        live: Option<&LiveDaemonSet>,
        desired: &DaemonSet,
    ) -> BTreeMap<&'c str, Vec<&'c DaemonPod>> {
        let pods = match live.and_then(|l| l.uid.as_deref()) {
            Some(uid) => self.by_uid.get(uid),
            None => self.by_name.get(&(namespace, name)),
        };
        let selector = live
            .map_or(desired, |l| &l.daemonset)
            .spec
            .as_ref()
            .map(|s| &s.selector);
        let mut by_node: BTreeMap<&str, Vec<&DaemonPod>> = BTreeMap::new();
        for pod in pods.into_iter().flatten() {
            if pod.namespace == namespace
                && selector.is_some_and(|s| label_selector_matches(s, &pod.labels))
            {
                by_node
                    .entry(pod.node.as_deref().unwrap_or_default())
                    .or_default()
                    .push(pod);
            }
        }
        by_node
    }
}

/// What decides whether a running pod is current.
pub struct Currency {
    /// Why every pod is out of date, when the template itself changes.
    template_changed: Option<String>,
    generation: Option<String>,
    hash: Option<String>,
}

impl Currency {
    /// The currency of a DaemonSet's pods: `template_changed` says why none is current
    /// when the template itself changes (the caller compares templates); otherwise the
    /// live DaemonSet's template generation annotation and its newest
    /// ControllerRevision's hash decide.
    pub fn new(
        template_changed: Option<String>,
        live: Option<&LiveDaemonSet>,
        cluster: &Cluster,
    ) -> Currency {
        Currency {
            template_changed,
            generation: live.and_then(template_generation),
            hash: live.and_then(|l| current_hash(l, cluster)),
        }
    }

    /// Why this pod is out of date, or `None` when it is current (`IsPodUpdated`: its
    /// generation label or its revision hash is the current one).
    pub fn outdated(&self, pod: &DaemonPod) -> Option<String> {
        if let Some(why) = &self.template_changed {
            return Some(why.clone());
        }
        let generation_matches =
            self.generation.is_some() && pod.template_generation() == self.generation.as_deref();
        let hash_matches = self.hash.is_some() && pod.revision_hash() == self.hash.as_deref();
        if generation_matches || hash_matches {
            return None;
        }
        Some(
            match (
                &self.generation,
                pod.template_generation(),
                &self.hash,
                pod.revision_hash(),
            ) {
                (Some(current), Some(generation), _, _) => {
                    format!("pod-template-generation {generation} is not the current {current}")
                }
                (_, _, Some(current), Some(hash)) => {
                    format!("controller-revision-hash {hash} is not the current {current}")
                }
                (Some(current), None, _, _) => {
                    format!("the pod has no pod-template-generation label (current: {current})")
                }
                (None, _, Some(current), None) => {
                    format!("the pod has no controller-revision-hash label (current: {current})")
                }
                (None, _, None, _) => "neither the live DaemonSet's template generation nor \
                    its ControllerRevisions are in the state, so no pod can be shown current"
                    .to_string(),
            },
        )
    }

    /// Why a current pod is current.
    pub fn current(&self, pod: &DaemonPod) -> String {
        match (pod.template_generation(), self.generation.as_deref()) {
            (Some(generation), Some(current)) if generation == current => {
                format!("the pod runs the current template (generation {generation})")
            }
            _ => format!(
                "the pod runs the current template (revision {})",
                pod.revision_hash().unwrap_or_default()
            ),
        }
    }
}

/// The live DaemonSet's `deprecated.daemonset.template.generation` annotation.
fn template_generation(live: &LiveDaemonSet) -> Option<String> {
    live.daemonset
        .metadata
        .annotations
        .as_ref()?
        .get(TEMPLATE_GENERATION)
        .cloned()
}

/// The hash of the DaemonSet's newest ControllerRevision, when the state has them.
fn current_hash(live: &LiveDaemonSet, cluster: &Cluster) -> Option<String> {
    cluster
        .revisions
        .iter()
        .filter(|r| {
            r.namespace == live.namespace
                && match live.uid.as_deref() {
                    Some(uid) => r.owner.uid == uid,
                    None => r.owner.name == live.name,
                }
        })
        .max_by_key(|r| r.revision)
        .and_then(|r| r.hash.clone())
}
