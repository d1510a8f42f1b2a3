//! The DaemonSet controller's bookkeeping of its pods (pkg/controller/daemon): which pods
//! a DaemonSet claims (`getDaemonPods` in `daemon_controller.go`, `ClaimPods` and
//! `ClaimObject` in pkg/controller/controller_ref_manager.go: its own pods its selector
//! still selects, orphans it adopts, owned pods it releases) and whether a pod runs the
//! current template (`IsPodUpdated` in `util/daemonset_util.go`, by the
//! `pod-template-generation` label or the `controller-revision-hash` of the newest
//! ControllerRevision).

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::objects::{Cluster, DaemonPod, LiveDaemonSet, TEMPLATE_GENERATION};
use crate::selector::label_selector_matches;

/// The daemon pods of the state, found by their controller, and the orphans (pods no
/// controller owns): what the controller's `getDaemonPods`
/// (pkg/controller/daemon/daemon_controller.go) lists, every pod of the DaemonSet's
/// namespace, and claims from.
pub struct PodIndex<'c> {
    by_uid: HashMap<&'c str, Vec<&'c DaemonPod>>,
    by_name: HashMap<(&'c str, &'c str), Vec<&'c DaemonPod>>,
    /// Pods without a controller reference, by namespace.
    orphans: HashMap<&'c str, Vec<&'c DaemonPod>>,
}

/// What the claiming of one DaemonSet's controller decides (`ClaimPods`), by node (a pod
/// with no node yet is under the empty name).
#[derive(Debug, Default)]
pub struct Claims<'c> {
    /// The pods the controller owns once it has claimed: those whose controller
    /// reference names it and whose labels its selector selects, and the orphans it
    /// adopts (their `owner` is `None`). Pods being deleted that it owns are included.
    pub claimed: BTreeMap<&'c str, Vec<&'c DaemonPod>>,
    /// The pods whose controller reference names it but whose labels its selector no
    /// longer selects: the controller releases them (`ReleasePod` removes the reference)
    /// and they keep running, owned by no one.
    pub released: BTreeMap<&'c str, Vec<&'c DaemonPod>>,
}

/// The DaemonSet whose controller claims: the live one when the state has it (its
/// controller does the claiming), else the one to create.
struct Claimant<'d> {
    uid: Option<&'d str>,
    selector: Option<&'d LabelSelector>,
    /// `metadata.deletionTimestamp` is set: it releases and adopts nothing.
    deleting: bool,
}

impl<'d> Claimant<'d> {
    fn of(live: Option<&'d LiveDaemonSet>, desired: &'d DaemonSet) -> Claimant<'d> {
        let daemonset = live.map_or(desired, |l| &l.daemonset);
        Claimant {
            uid: live.and_then(|l| l.uid.as_deref()),
            selector: daemonset.spec.as_ref().map(|s| &s.selector),
            deleting: daemonset.metadata.deletion_timestamp.is_some(),
        }
    }

    /// `ClaimPods`' match: the selector selects the pod's labels.
    fn selects(&self, pod: &DaemonPod) -> bool {
        self.selector
            .is_some_and(|s| label_selector_matches(s, &pod.labels))
    }
}

/// What `ClaimObject` decides for one pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Owned, and the selector selects it: the DaemonSet's pod.
    Owned,
    /// An orphan the selector selects: adopted (`AdoptPod`), the DaemonSet's pod.
    Adopted,
    /// Owned, but the selector no longer selects it: released (`ReleasePod`).
    Released,
    /// Not the DaemonSet's, and left alone: another controller owns it, it is an orphan
    /// the selector does not select or that is being deleted, or the DaemonSet is being
    /// deleted and so adopts and releases nothing.
    Ignored,
}

/// `ClaimObject` (pkg/controller/controller_ref_manager.go) for one pod of the
/// DaemonSet's namespace: `owned` says whether its controller reference names the
/// DaemonSet (another controller's pod is `Ignored`), `selected` whether the DaemonSet's
/// selector selects its labels, `deleting` whether the DaemonSet is being deleted (its
/// `RecheckDeletionTimestamp`, the `canAdoptFunc` of `getDaemonPods`, refuses every
/// adoption then, and a DaemonSet being deleted releases nothing either).
pub fn claim_object(pod: &DaemonPod, owned: bool, selected: bool, deleting: bool) -> Claim {
    match pod.owner {
        // Owned by someone else: ignored.
        Some(_) if !owned => Claim::Ignored,
        // Owned and selected: claimed even while the DaemonSet is being deleted, since
        // that takes no action.
        Some(_) if selected => Claim::Owned,
        Some(_) if deleting => Claim::Ignored,
        Some(_) => Claim::Released,
        // An orphan: adopted unless the DaemonSet is being deleted, the selector does
        // not select it, or the pod itself is being deleted. (`ClaimObject` also skips
        // an orphan of another namespace; the index lists the DaemonSet's namespace only.)
        None if deleting || !selected || pod.terminating => Claim::Ignored,
        None => Claim::Adopted,
    }
}

/// Whether a DaemonSet's controller adopts this orphan of its namespace (`claim_object`
/// is `Adopted`): the claimant is the live DaemonSet when there is one, else the one to
/// create.
pub fn adopts(live: Option<&LiveDaemonSet>, desired: &DaemonSet, orphan: &DaemonPod) -> bool {
    let claimant = Claimant::of(live, desired);
    claim_object(orphan, true, claimant.selects(orphan), claimant.deleting) == Claim::Adopted
}

impl<'c> PodIndex<'c> {
    /// Indexes the pods of a cluster by their controller's uid and name, and the
    /// orphans by namespace.
    pub fn new(pods: &'c [DaemonPod]) -> Self {
        let mut by_uid: HashMap<&str, Vec<&DaemonPod>> = HashMap::new();
        let mut by_name: HashMap<(&str, &str), Vec<&DaemonPod>> = HashMap::new();
        let mut orphans: HashMap<&str, Vec<&DaemonPod>> = HashMap::new();
        for pod in pods {
            let Some(owner) = &pod.owner else {
                orphans.entry(&pod.namespace).or_default().push(pod);
                continue;
            };
            if !owner.uid.is_empty() {
                by_uid.entry(&owner.uid).or_default().push(pod);
            }
            by_name
                .entry((&pod.namespace, &owner.name))
                .or_default()
                .push(pod);
        }
        PodIndex {
            by_uid,
            by_name,
            orphans,
        }
    }

    /// The orphans of a namespace: pods no controller owns.
    pub fn orphans(&self, namespace: &str) -> &[&'c DaemonPod] {
        self.orphans.get(namespace).map_or(&[], Vec::as_slice)
    }

    /// The claiming of a DaemonSet's controller (`getDaemonPods`: `ClaimPods` over the
    /// pods of its namespace, `claim_object` for each). The claimant is the live
    /// DaemonSet when there is one (its controller claims; its selector, its uid, its
    /// deletion), else the DaemonSet to create. A pod's controller reference names the
    /// DaemonSet by uid when the state has the live DaemonSet's uid, else by name (a
    /// recording without the DaemonSet, or without uids).
    pub fn claim(
        &self,
        namespace: &str,
        name: &str,
        live: Option<&LiveDaemonSet>,
        desired: &DaemonSet,
    ) -> Claims<'c> {
        let claimant = Claimant::of(live, desired);
        let owned = match claimant.uid {
            Some(uid) => self.by_uid.get(uid),
            None => self.by_name.get(&(namespace, name)),
        };
        let owned = owned
            .into_iter()
            .flatten()
            .filter(|p| p.namespace == namespace);
        let mut claims = Claims::default();
        for pod in owned.chain(self.orphans(namespace)) {
            let node = pod.node.as_deref().unwrap_or_default();
            let to = match claim_object(pod, true, claimant.selects(pod), claimant.deleting) {
                Claim::Owned | Claim::Adopted => &mut claims.claimed,
                Claim::Released => &mut claims.released,
                Claim::Ignored => continue,
            };
            to.entry(node).or_default().push(pod);
        }
        claims
    }

    /// The pods a DaemonSet's controller owns once it has claimed, by node: `claim`'s
    /// `claimed`.
    pub fn claimed(
        &self,
        namespace: &str,
        name: &str,
        live: Option<&LiveDaemonSet>,
        desired: &DaemonSet,
    ) -> BTreeMap<&'c str, Vec<&'c DaemonPod>> {
        self.claim(namespace, name, live, desired).claimed
    }
}

/// What decides whether a running pod is current.
pub struct Currency {
    /// Why every pod is out of date, when the template itself changes.
    template_changed: Option<String>,
    generation: Option<String>,
    hash: Option<String>,
    /// When the DaemonSet is not in the state: the template generation it is created
    /// with, by which `IsPodUpdated` judges the orphans it adopts.
    created: Option<String>,
}

/// How an adopted orphan reads as current when only its generation label matches.
fn whatever_template(generation: &str) -> String {
    let again = if generation == "1" {
        " (a DaemonSet created again starts at template generation 1)"
    } else {
        ""
    };
    format!("so the controller counts it current whatever its template{again}")
}

impl Currency {
    /// The currency of a DaemonSet's pods: `template_changed` says why none is current
    /// when the template itself changes (the caller compares templates); otherwise the
    /// live DaemonSet's template generation annotation and its newest
    /// ControllerRevision's hash decide. Without a live DaemonSet, the orphans it adopts
    /// are judged against the DaemonSet to create (`desired`): its template generation
    /// is 1, or its `deprecated.daemonset.template.generation` annotation.
    pub fn new(
        template_changed: Option<String>,
        live: Option<&LiveDaemonSet>,
        desired: &DaemonSet,
        cluster: &Cluster,
    ) -> Currency {
        Currency {
            template_changed,
            generation: live.and_then(template_generation),
            hash: live.and_then(|l| current_hash(l, cluster)),
            created: live
                .is_none()
                .then(|| created_generation(desired).to_string()),
        }
    }

    /// Why this pod is out of date, or `None` when it is current (`IsPodUpdated`: its
    /// generation label or its revision hash is the current one).
    pub fn outdated(&self, pod: &DaemonPod) -> Option<String> {
        if pod.owner.is_none()
            && let Some(start) = &self.created
        {
            // IsPodUpdated against a DaemonSet not created yet: its template generation
            // is known, its ControllerRevision's hash (of the template) is not.
            return match pod.template_generation() {
                Some(generation) if generation == start => None,
                generation => {
                    let label = match generation {
                        Some(generation) => {
                            format!("pod-template-generation {generation} is not {start}")
                        }
                        None => {
                            format!("the pod has no pod-template-generation label to match {start}")
                        }
                    };
                    let hash = match pod.revision_hash() {
                        Some(hash) => format!(
                            "; it stays only if its controller-revision-hash {hash} is the new \
                             template's hash (an unchanged template hashes the same), known once \
                             the DaemonSet exists"
                        ),
                        None => String::new(),
                    };
                    Some(format!(
                        "{label}, the template generation the DaemonSet is created with{hash}"
                    ))
                }
            };
        }
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

    /// Why a current pod is current. For an adopted orphan current by its
    /// `pod-template-generation` label alone, that label was written by another
    /// DaemonSet: it says nothing of the template, and the reason says so.
    pub fn current(&self, pod: &DaemonPod) -> String {
        let adopted = pod.owner.is_none();
        if adopted && let Some(start) = &self.created {
            return format!(
                "its pod-template-generation {start} is the template generation the \
                 DaemonSet is created with, {}",
                whatever_template(start)
            );
        }
        let hash_matches = self.hash.is_some() && pod.revision_hash() == self.hash.as_deref();
        match (pod.template_generation(), self.generation.as_deref()) {
            (Some(generation), Some(current))
                if generation == current && adopted && !hash_matches =>
            {
                format!(
                    "its pod-template-generation {generation} is the DaemonSet's template \
                     generation, {}",
                    whatever_template(generation)
                )
            }
            (Some(generation), Some(current)) if generation == current && !adopted => {
                format!("the pod runs the current template (generation {generation})")
            }
            _ => format!(
                "the pod runs the current template (revision {})",
                pod.revision_hash().unwrap_or_default()
            ),
        }
    }
}

/// The template generation the API server gives a DaemonSet it creates: its
/// `deprecated.daemonset.template.generation` annotation (`Convert_v1_DaemonSet_To_apps_DaemonSet`
/// in pkg/apis/apps/v1/conversion.go reads it into `spec.templateGeneration`), raised to 1
/// when below (`PrepareForCreate` in pkg/registry/apps/daemonset/strategy.go).
pub fn created_generation(desired: &DaemonSet) -> i64 {
    desired
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(TEMPLATE_GENERATION))
        .and_then(|g| g.parse::<i64>().ok())
        .map_or(1, |g| g.max(1))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::{Owner, live_daemonset};
    use serde_json::json;
    use std::sync::Arc;

    const UID: &str = "123";

    /// The controller of upstream's tests: a DaemonSet of namespace `default`, uid 123,
    /// selecting `type=production`.
    fn controller(deleting: bool) -> LiveDaemonSet {
        let mut object = json!({
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "ds", "namespace": "default", "uid": UID},
            "spec": {
                "selector": {"matchLabels": {"type": "production"}},
                "template": {"metadata": {"labels": {"type": "production"}},
                             "spec": {"containers": [{"name": "c", "image": "foo/bar"}]}}
            }
        });
        if deleting {
            object["metadata"]["deletionTimestamp"] = json!("2026-11-20T10:00:00Z");
        }
        live_daemonset(object, "test").unwrap()
    }

    fn pod(name: &str, label: &str, owner: Option<&str>) -> DaemonPod {
        DaemonPod {
            namespace: "default".into(),
            name: name.into(),
            owner: owner.map(|uid| {
                Arc::new(Owner {
                    kind: "DaemonSet".into(),
                    name: if uid == UID { "ds" } else { "other" }.into(),
                    uid: uid.into(),
                    controller: Some(true),
                })
            }),
            node: Some("node-0".into()),
            labels: Arc::new([("type".to_string(), label.to_string())].into()),
            terminating: false,
            phase: Some("Running".into()),
            created: None,
            scheduled: true,
            ready: true,
            ready_since: None,
        }
    }

    fn deleted(mut pod: DaemonPod) -> DaemonPod {
        pod.terminating = true;
        pod
    }

    fn names<'p>(by_node: BTreeMap<&str, Vec<&'p DaemonPod>>) -> Vec<&'p str> {
        let mut names: Vec<&str> = by_node
            .into_values()
            .flatten()
            .map(|p| p.name.as_str())
            .collect();
        names.sort();
        names
    }

    /// (claimed, released) pod names, each sorted.
    fn claim(pods: &[DaemonPod], deleting: bool) -> (Vec<&str>, Vec<&str>) {
        let live = controller(deleting);
        let claims = PodIndex::new(pods).claim("default", "ds", Some(&live), &live.daemonset);
        (names(claims.claimed), names(claims.released))
    }

    /// Upstream's `TestClaimPods` (pkg/controller/controller_ref_manager_test.go), case by
    /// case; its cluster-scoped controller case has no DaemonSet counterpart.
    #[test]
    fn claim_pods_as_upstream() {
        let production = "production";
        let testing = "testing";
        // Claim pods with correct label.
        let pods = [pod("pod1", production, None), pod("pod2", testing, None)];
        assert_eq!(claim(&pods, false), (vec!["pod1"], vec![]));
        // Controller marked for deletion can not claim pods.
        let pods = [pod("pod1", production, None), pod("pod2", production, None)];
        assert_eq!(claim(&pods, true), (vec![], vec![]));
        // Controller marked for deletion can not claim new pods.
        let pods = [
            pod("pod1", production, Some(UID)),
            pod("pod2", production, None),
        ];
        assert_eq!(claim(&pods, true), (vec!["pod1"], vec![]));
        // Controller can not claim pods owned by another controller.
        let pods = [
            pod("pod1", production, Some(UID)),
            pod("pod2", production, Some("AAAAA")),
        ];
        assert_eq!(claim(&pods, false), (vec!["pod1"], vec![]));
        // Controller releases claimed pods when selector doesn't match.
        let pods = [
            pod("pod1", production, Some(UID)),
            pod("pod2", testing, Some(UID)),
        ];
        assert_eq!(claim(&pods, false), (vec!["pod1"], vec!["pod2"]));
        // ... unless it is being deleted: then it releases nothing.
        assert_eq!(claim(&pods, true), (vec!["pod1"], vec![]));
        // Controller does not claim orphaned pods marked for deletion.
        let pods = [
            deleted(pod("pod1", production, Some(UID))),
            deleted(pod("pod2", production, None)),
        ];
        assert_eq!(claim(&pods, false), (vec!["pod1"], vec![]));
        // Controller claims or release pods according to selector with finalizers.
        let pods = [
            pod("pod1", production, Some(UID)),
            pod("pod2", testing, Some(UID)),
            pod("pod3", production, None),
        ];
        assert_eq!(claim(&pods, false), (vec!["pod1", "pod3"], vec!["pod2"]));
        // Controller does not claim pods of different namespace.
        let mut other = pod("pod2", production, None);
        other.namespace = "fakens".into();
        let pods = [pod("pod1", production, None), other];
        assert_eq!(claim(&pods, false), (vec!["pod1"], vec![]));
    }

    /// `claim_object` decision by decision (`ClaimObject`).
    #[test]
    fn claim_object_decides_as_upstream() {
        let owned = pod("p", "production", Some(UID));
        let orphan = pod("p", "production", None);
        assert_eq!(claim_object(&owned, false, true, false), Claim::Ignored);
        assert_eq!(claim_object(&owned, true, true, true), Claim::Owned);
        assert_eq!(claim_object(&owned, true, false, false), Claim::Released);
        assert_eq!(claim_object(&owned, true, false, true), Claim::Ignored);
        assert_eq!(claim_object(&orphan, true, true, false), Claim::Adopted);
        assert_eq!(claim_object(&orphan, true, false, false), Claim::Ignored);
        assert_eq!(claim_object(&orphan, true, true, true), Claim::Ignored);
        assert_eq!(
            claim_object(&deleted(orphan), true, true, false),
            Claim::Ignored
        );
    }

    /// Upstream's `TestGetNodesToDaemonPods` (pkg/controller/daemon/daemon_controller_test.go),
    /// "include deleted terminal pods": what `getDaemonPods` claims, grouped by node. (Its
    /// other case leaves out pods both terminal and deleted, which plan does itself.)
    #[test]
    fn nodes_to_daemon_pods_as_upstream() {
        let on = |mut p: DaemonPod, node: &str| {
            p.node = Some(node.into());
            p
        };
        let phase = |mut p: DaemonPod, phase: &str| {
            p.phase = Some(phase.into());
            p
        };
        let (matching, other) = ("production", "testing");
        let pods = [
            on(pod("matching-owned-0", matching, Some(UID)), "node-0"),
            on(pod("matching-orphan-0", matching, None), "node-0"),
            on(pod("matching-owned-1", matching, Some(UID)), "node-1"),
            on(pod("matching-orphan-1", matching, None), "node-1"),
            on(
                phase(
                    pod("matching-owned-succeeded-pod-0", matching, Some(UID)),
                    "Succeeded",
                ),
                "node-0",
            ),
            on(
                deleted(phase(
                    pod("matching-owned-failed-deleted-pod-1", matching, Some(UID)),
                    "Failed",
                )),
                "node-1",
            ),
            // Ignored: released, not selected, another's.
            on(pod("non-matching-owned-0", other, Some(UID)), "node-0"),
            on(pod("non-matching-orphan-1", other, None), "node-1"),
            on(
                pod("matching-owned-by-other-0", matching, Some("AAAAA")),
                "node-0",
            ),
        ];
        let live = controller(false);
        let claims = PodIndex::new(&pods).claim("default", "ds", Some(&live), &live.daemonset);
        let on_node = |node: &str| -> Vec<&str> {
            let mut names: Vec<&str> = claims.claimed[node]
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            names.sort();
            names
        };
        assert_eq!(
            on_node("node-0"),
            [
                "matching-orphan-0",
                "matching-owned-0",
                "matching-owned-succeeded-pod-0"
            ]
        );
        assert_eq!(
            on_node("node-1"),
            [
                "matching-orphan-1",
                "matching-owned-1",
                "matching-owned-failed-deleted-pod-1"
            ]
        );
        assert_eq!(claims.claimed.len(), 2);
        let released: Vec<&str> = claims
            .released
            .values()
            .flatten()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(released, ["non-matching-owned-0"]);
    }

    /// `IsPodUpdated` for orphans a DaemonSet to create adopts: the template generation it
    /// is created with decides; generation 1 counts whatever the template.
    #[test]
    fn adopted_orphans_are_current_by_the_created_generation() {
        let desired = controller(false).daemonset;
        let currency = Currency::new(
            Some("not in the state".into()),
            None,
            &desired,
            &Cluster::default(),
        );
        let mut orphan = pod("p", "production", None);
        Arc::make_mut(&mut orphan.labels)
            .insert(crate::objects::POD_TEMPLATE_GENERATION.into(), "1".into());
        assert_eq!(currency.outdated(&orphan), None);
        assert!(currency.current(&orphan).contains("whatever its template"));
        Arc::make_mut(&mut orphan.labels)
            .insert(crate::objects::POD_TEMPLATE_GENERATION.into(), "3".into());
        assert!(currency.outdated(&orphan).unwrap().contains("3 is not 1"));
        // A pod the DaemonSet owns (by name, without a live DaemonSet) is judged as before.
        let owned = pod("q", "production", Some(UID));
        assert_eq!(
            currency.outdated(&owned).as_deref(),
            Some("not in the state")
        );
        // The annotation sets the template generation a DaemonSet is created with.
        let mut annotated = desired.clone();
        annotated.metadata.annotations =
            Some([(TEMPLATE_GENERATION.to_string(), "3".to_string())].into());
        assert_eq!(created_generation(&annotated), 3);
        assert_eq!(created_generation(&desired), 1);
    }
}
