//! Stage 4, place: which nodes a DaemonSet's pod should run on, by the DaemonSet
//! controller's own rule (`NodeShouldRunDaemonPod` in pkg/controller/daemon):
//!
//! 1. the controller builds the pod it would create: the template plus the tolerations it
//!    adds to every daemon pod ([`controller_tolerations`]);
//! 2. a template `nodeName` other than this node: neither run nor keep running;
//! 3. node selection (`nodeSelector` and required node affinity, see [`selection`]) fails:
//!    neither run nor keep running;
//! 4. a NoSchedule or NoExecute taint that no toleration tolerates: do not start a pod;
//!    keep a running one unless one of those taints is NoExecute;
//! 5. otherwise run.
//!
//! `spec.unschedulable` and node readiness are not read: cordoned and NotReady nodes carry
//! taints that the controller's own tolerations cover. PreferNoSchedule taints and
//! preferred affinity never decide.

pub mod explain;

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{NodeSelectorTerm, PodSpec, Toleration};

use crate::objects::{Node, Taint};
use crate::selector::{self as selection, NodeFacts};

/// The taint effects that decide placement.
const NO_SCHEDULE: &str = "NoSchedule";
const NO_EXECUTE: &str = "NoExecute";

/// Where a toleration of a daemon pod comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Written in the pod template.
    Template,
    /// Added by the DaemonSet controller to every daemon pod.
    Controller,
}

/// The pod the controller would create for a DaemonSet, as placement sees it.
#[derive(Debug)]
pub struct DaemonPodTemplate<'a> {
    /// The template's pod spec.
    pub spec: &'a PodSpec,
    /// The template's tolerations, then the controller's, as the controller leaves them.
    pub tolerations: Vec<(Toleration, Origin)>,
    /// The template's tolerations the controller replaced with its own (see
    /// [`DaemonPodTemplate::from_spec`]).
    pub replaced: Vec<Toleration>,
}

/// `MatchToleration` (k8s.io/api/core/v1/toleration.go): the same key, operator, value and
/// effect, compared as written (an absent field is the empty string).
fn same_toleration(a: &Toleration, b: &Toleration) -> bool {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    text(&a.key) == text(&b.key)
        && text(&a.operator) == text(&b.operator)
        && text(&a.value) == text(&b.value)
        && text(&a.effect) == text(&b.effect)
}

/// The tolerations `AddOrUpdateDaemonPodTolerations` puts on every daemon pod
/// (pkg/controller/daemon/util/daemonset_util.go), all with operator Exists: a daemon
/// keeps running through node trouble and on cordoned nodes.
pub fn controller_tolerations(host_network: bool) -> Vec<Toleration> {
    let mut added = vec![
        ("node.kubernetes.io/not-ready", NO_EXECUTE),
        ("node.kubernetes.io/unreachable", NO_EXECUTE),
        ("node.kubernetes.io/disk-pressure", NO_SCHEDULE),
        ("node.kubernetes.io/memory-pressure", NO_SCHEDULE),
        ("node.kubernetes.io/pid-pressure", NO_SCHEDULE),
        ("node.kubernetes.io/unschedulable", NO_SCHEDULE),
    ];
    if host_network {
        added.push(("node.kubernetes.io/network-unavailable", NO_SCHEDULE));
    }
    added
        .into_iter()
        .map(|(key, effect)| Toleration {
            key: Some(key.to_string()),
            operator: Some("Exists".to_string()),
            effect: Some(effect.to_string()),
            ..Toleration::default()
        })
        .collect()
}

/// `ToleratesTaint` (k8s.io/api/core/v1/toleration.go): the effect matches (or the
/// toleration has none), the key matches (or the toleration has none), and the operator
/// is Exists, or Equal (the default) with the same value. Any other operator tolerates
/// nothing: newer servers may accept Gt/Lt behind a feature gate, which this reading of
/// the rule does not.
pub fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    let effect = toleration.effect.as_deref().unwrap_or_default();
    let key = toleration.key.as_deref().unwrap_or_default();
    if !effect.is_empty() && effect != taint.effect {
        return false;
    }
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match toleration.operator.as_deref().unwrap_or_default() {
        "" | "Equal" => toleration.value.as_deref().unwrap_or_default() == taint.value,
        "Exists" => true,
        _ => false,
    }
}

/// Whether a taint takes part in the decision at all.
pub fn decides(taint: &Taint) -> bool {
    taint.effect == NO_SCHEDULE || taint.effect == NO_EXECUTE
}

/// The answer for one (DaemonSet, node) pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict<'n> {
    /// A new daemon pod should be created here if none runs.
    pub should_run: bool,
    /// A daemon pod already running here should stay.
    pub should_continue_running: bool,
    /// The template's `nodeName`, when set, names this node.
    pub fits_node_name: bool,
    /// `nodeSelector` and required node affinity hold.
    pub fits_selection: bool,
    /// NoSchedule and NoExecute taints no toleration tolerates.
    pub untolerated: Vec<&'n Taint>,
    /// NoSchedule and NoExecute taints that are tolerated, with the origin of the first
    /// toleration that does it.
    pub tolerated: Vec<(&'n Taint, Origin)>,
}

impl<'a> DaemonPodTemplate<'a> {
    /// The pod the controller builds from a DaemonSet's template.
    pub fn new(daemonset: &'a DaemonSet) -> Option<Self> {
        let spec = daemonset.spec.as_ref()?.template.spec.as_ref()?;
        Some(Self::from_spec(spec))
    }

    /// The pod the controller would create from this pod spec: its tolerations with
    /// [`controller_tolerations`] added as `AddOrUpdateDaemonPodTolerations` adds them
    /// (pkg/controller/daemon/util/daemonset_util.go, each through
    /// `AddOrUpdateTolerationInPodSpec` of pkg/apis/core/v1/helper/helpers.go): a
    /// template toleration that matches one of them (`MatchToleration`: same key,
    /// operator, value and effect) is replaced by it, unless one is identical, and the
    /// others are appended. A replaced toleration loses its `tolerationSeconds`.
    pub fn from_spec(spec: &'a PodSpec) -> Self {
        let mut tolerations: Vec<(Toleration, Origin)> = spec
            .tolerations
            .iter()
            .flatten()
            .map(|t| (t.clone(), Origin::Template))
            .collect();
        let mut replaced = Vec::new();
        for added in controller_tolerations(spec.host_network == Some(true)) {
            let matching: Vec<usize> = (0..tolerations.len())
                .filter(|&i| same_toleration(&tolerations[i].0, &added))
                .collect();
            if matching.is_empty() {
                tolerations.push((added, Origin::Controller));
            } else if matching.iter().all(|&i| tolerations[i].0 != added) {
                for i in matching {
                    let old =
                        std::mem::replace(&mut tolerations[i], (added.clone(), Origin::Controller));
                    replaced.push(old.0);
                }
            }
        }
        DaemonPodTemplate {
            spec,
            tolerations,
            replaced,
        }
    }

    /// `NodeShouldRunDaemonPod` for this node.
    pub fn evaluate<'n>(&self, node: &'n Node) -> Verdict<'n> {
        let facts = NodeFacts {
            name: &node.name,
            labels: &node.labels,
        };
        let fits_node_name = self.fits_node_name(node);
        let fits_selection = selection::matches(self.spec, facts);
        let mut untolerated = Vec::new();
        let mut tolerated = Vec::new();
        for taint in node.taints.iter().filter(|t| decides(t)) {
            match self.tolerated_by(taint) {
                Some(origin) => tolerated.push((taint, origin)),
                None => untolerated.push(taint),
            }
        }
        let fits = fits_node_name && fits_selection;
        Verdict {
            should_run: fits && untolerated.is_empty(),
            should_continue_running: fits && untolerated.iter().all(|t| t.effect != NO_EXECUTE),
            fits_node_name,
            fits_selection,
            untolerated,
            tolerated,
        }
    }

    /// An empty template `nodeName` fits every node.
    pub fn fits_node_name(&self, node: &Node) -> bool {
        self.spec
            .node_name
            .as_deref()
            .is_none_or(|n| n.is_empty() || n == node.name)
    }

    /// The origin of the first toleration that tolerates the taint.
    pub fn tolerated_by(&self, taint: &Taint) -> Option<Origin> {
        self.tolerations
            .iter()
            .find(|(t, _)| tolerates(t, taint))
            .map(|(_, origin)| *origin)
    }

    /// Whether the template selects nodes at all (by nodeName, nodeSelector or required
    /// affinity), for wording reasons.
    pub fn selects_nodes(&self) -> bool {
        self.spec
            .node_name
            .as_deref()
            .is_some_and(|n| !n.is_empty())
            || self
                .spec
                .node_selector
                .as_ref()
                .is_some_and(|s| !s.is_empty())
            || self.required_terms().is_some()
    }

    /// The required node-affinity terms, if the template has any.
    pub fn required_terms(&self) -> Option<&'a [NodeSelectorTerm]> {
        let required = self
            .spec
            .affinity
            .as_ref()?
            .node_affinity
            .as_ref()?
            .required_during_scheduling_ignored_during_execution
            .as_ref()?;
        Some(&required.node_selector_terms)
    }
}
