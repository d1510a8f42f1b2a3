//! The cluster objects placement reads, reduced to the facts the DaemonSet controller and
//! the scheduler's node-affinity helper use: nodes (labels, taints, readiness, allocatable),
//! DaemonSets whole, daemon pods (controller, node, labels) and ControllerRevisions.
//!
//! Upstream: `k8s.io/api/core/v1` (`Node`, `Taint`, `Pod`), `k8s.io/api/apps/v1`
//! (`DaemonSet`, `ControllerRevision`), and the labels and annotation the DaemonSet
//! controller writes (`pkg/controller/daemon`, `apps/v1` `DefaultDaemonSetUniqueLabelKey`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{Container, PodSpec};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::apimachinery::Quantity;

/// The label a daemon pod carries with its DaemonSet's template generation.
pub const POD_TEMPLATE_GENERATION: &str = "pod-template-generation";
/// The label a daemon pod (and a ControllerRevision) carries with the template's hash.
pub const CONTROLLER_REVISION_HASH: &str = "controller-revision-hash";
/// The annotation holding a DaemonSet's current template generation.
pub const TEMPLATE_GENERATION: &str = "deprecated.daemonset.template.generation";

/// Everything read from the `--state` sources.
#[derive(Debug, Default)]
pub struct Cluster {
    /// By name.
    pub nodes: Vec<Node>,
    /// By namespace and name.
    pub daemonsets: Vec<LiveDaemonSet>,
    /// Only pods whose controller is a DaemonSet, and orphans (pods with no controller,
    /// which a DaemonSet may adopt); by namespace and name.
    pub pods: Vec<DaemonPod>,
    /// Only revisions whose controller is a DaemonSet.
    pub revisions: Vec<ControllerRevision>,
    /// "Now" for the recording, in seconds since the Unix epoch: the latest timestamp it
    /// holds (creation times, condition transitions, node heartbeats), never the clock, so
    /// that a plan of one recording is the same on every run. `None` when it has none.
    /// Pod availability (`IsPodAvailable`) is decided against it.
    pub now: Option<i64>,
    /// What the pods bound to each node request (`cpu`, `memory`), summed over every pod
    /// of the recording that is not Succeeded or Failed, daemon pods or not: what the
    /// scheduler already counts against the node's allocatable. By node name.
    pub requested: BTreeMap<String, BTreeMap<String, Quantity>>,
}

impl Cluster {
    /// The node of this name (the nodes are sorted by name).
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes
            .binary_search_by(|n| n.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.nodes[i])
    }
}

/// A node: its name, labels, taints and whether it is cordoned or ready.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `spec.taints`.
    pub taints: Vec<Taint>,
    /// `spec.unschedulable` (cordoned); the controller reads the taint, not this.
    pub unschedulable: bool,
    /// The `Ready` condition: `Some(true)` ready, `Some(false)` not ready or unknown,
    /// `None` when the recording has no conditions.
    pub ready: Option<bool>,
    /// `status.allocatable`, parsed: cpu, memory, pods and extended resources (what lint
    /// and coverage sum requests against).
    pub allocatable: BTreeMap<String, Quantity>,
}

/// A node taint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Taint {
    /// The taint's key.
    pub key: String,
    /// Its value, empty when it has none.
    #[serde(default)]
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

impl Taint {
    /// A taint as far as it can be read from `value`: each of key, value and effect that
    /// is not a string is empty, so that validation (`validation::node::node_taints`) says
    /// every problem of it, a missing effect among them, rather than one.
    pub fn read(value: &Value) -> Taint {
        let field = |name: &str| {
            value
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Taint {
            key: field("key"),
            value: field("value"),
            effect: field("effect"),
        }
    }
}

impl fmt::Display for Taint {
    /// `key=value:Effect`, or `key:Effect` without a value, as kubectl writes taints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}:{}", self.key, self.effect)
        } else {
            write!(f, "{}={}:{}", self.key, self.value, self.effect)
        }
    }
}

/// A DaemonSet found in the state, whole.
#[derive(Debug, Clone)]
pub struct LiveDaemonSet {
    /// `metadata.namespace` (`default` when the recording leaves it out).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid`: a recorded object has one, a manifest does not.
    pub uid: Option<String>,
    /// The object as recorded.
    pub object: Value,
    /// The same object as the typed API value.
    pub daemonset: DaemonSet,
    /// Which `--state` source it came from.
    pub source: String,
}

/// The controller of a pod or revision, from its ownerReferences.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
pub struct Owner {
    /// The owner's kind (`DaemonSet`).
    pub kind: String,
    /// The owner's name.
    pub name: String,
    /// The owner's uid (empty when the recording leaves it out).
    #[serde(default)]
    pub uid: String,
    /// Whether this reference is the controller reference.
    #[serde(default)]
    pub controller: Option<bool>,
}

/// A pod whose controller is a DaemonSet, or an orphan: a pod with no controller
/// reference at all, which a DaemonSet whose selector selects it adopts (`ClaimPods`).
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonPod {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// The DaemonSet that controls it; `None` for an orphan (no ownerReference with
    /// `controller: true`, `metav1.GetControllerOf`).
    ///
    /// Shared: the pods of one DaemonSet name the same owner, and a recording of
    /// thousands of nodes holds one copy (BENCHMARKS.md, plan's memory).
    pub owner: Option<Arc<Owner>>,
    /// `spec.nodeName`, or for a pod not yet bound, the node its required
    /// `matchFields metadata.name In [node]` term names (the controller's own rule).
    pub node: Option<String>,
    /// Its labels: the DaemonSet's selector must still select them for the pod to count
    /// as the DaemonSet's (the controller releases a pod whose labels no longer match,
    /// and adopts an orphan whose labels match).
    ///
    /// Shared between pods with the same labels (a DaemonSet's pods of one revision
    /// differ in none), so that memory follows the DaemonSets, not the nodes.
    pub labels: Arc<BTreeMap<String, String>>,
    /// Being deleted (`metadata.deletionTimestamp` set): the controller ignores it, and
    /// never adopts it.
    pub terminating: bool,
    /// `status.phase`.
    pub phase: Option<String>,
    /// `metadata.creationTimestamp` as recorded (RFC 3339 in UTC, as the API writes it,
    /// so it orders as text).
    pub created: Option<String>,
    /// `spec.nodeName` is set (the pod is bound), not only named by its affinity.
    pub scheduled: bool,
    /// Its `Ready` condition is `True` (`podutil.IsPodReady`), or the recording holds no
    /// condition at all for it (then nothing says it is not).
    pub ready: bool,
    /// When the `Ready` condition last changed (`lastTransitionTime`), in seconds since
    /// the Unix epoch; with `minReadySeconds` it decides availability.
    pub ready_since: Option<i64>,
}

impl DaemonPod {
    /// The order in which the controller keeps one of several pods on a node and deletes
    /// the rest (`podByCreationTimestampAndPhase` in pkg/controller/daemon): bound pods
    /// first, then the oldest, then by name.
    pub fn keep_order(&self) -> (bool, Option<&str>, &str) {
        (!self.scheduled, self.created.as_deref(), &self.name)
    }

    /// The `pod-template-generation` label the controller writes.
    pub fn template_generation(&self) -> Option<&str> {
        self.labels.get(POD_TEMPLATE_GENERATION).map(String::as_str)
    }

    /// The `controller-revision-hash` label the controller writes.
    pub fn revision_hash(&self) -> Option<&str> {
        self.labels
            .get(CONTROLLER_REVISION_HASH)
            .map(String::as_str)
    }
}

/// A ControllerRevision of a DaemonSet: which template hash is its current one.
#[derive(Debug, Clone, PartialEq)]
pub struct ControllerRevision {
    /// `metadata.namespace`.
    pub namespace: String,
    /// The DaemonSet that controls it.
    pub owner: Owner,
    /// `revision`: the newest is the current one.
    pub revision: i64,
    /// Its `controller-revision-hash` label.
    pub hash: Option<String>,
}

/// What one pod requests of a resource, as the scheduler counts it (k8s.io/component-helpers
/// resource/helpers.go `PodRequests`, without pod-level resources, an alpha feature): the
/// containers and the sidecars (init containers with `restartPolicy: Always`, which keep
/// running) together, or an init container with the sidecars started before it, whichever
/// is more; plus the pod's `overhead`. `init` gives each init container's request and
/// whether it is a sidecar, in order; `None` where a container requests none.
pub fn pod_request(
    init: impl IntoIterator<Item = (Option<Quantity>, bool)>,
    containers: impl IntoIterator<Item = Option<Quantity>>,
    overhead: Option<Quantity>,
) -> Option<Quantity> {
    let add = |a: Option<Quantity>, b: Quantity| Some(a.map_or(b, |a| a.add(&b)));
    let (mut sidecars, mut init_peak) = (None, None);
    for (request, sidecar) in init {
        let Some(q) = request else {
            continue;
        };
        let running = add(sidecars, q);
        if sidecar {
            sidecars = running;
        }
        init_peak = init_peak.max(running);
    }
    let containers = containers.into_iter().flatten().fold(None, add);
    let steady = match (containers, sidecars) {
        (Some(c), Some(s)) => Some(c.add(&s)),
        (c, s) => c.or(s),
    };
    let total = steady.max(init_peak);
    match (total, overhead) {
        (Some(t), Some(o)) => Some(t.add(&o)),
        (t, o) => t.or(o),
    }
}

/// What a container requests of a resource: its request, else its limit (the API server
/// defaults requests to limits, `SetDefaults_Pod`); `None` when it gives neither, or the
/// quantity does not parse.
pub fn container_request(container: &Container, resource: &str) -> Option<Quantity> {
    let resources = container.resources.as_ref()?;
    [resources.requests.as_ref(), resources.limits.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|list| list.get(resource))
        .and_then(|q| Quantity::parse(&q.0).ok())
}

/// What one pod of a template requests of a resource ([`pod_request`]).
pub fn template_request(spec: &PodSpec, resource: &str) -> Option<Quantity> {
    let init = spec.init_containers.iter().flatten().map(|c| {
        (
            container_request(c, resource),
            c.restart_policy.as_deref() == Some("Always"),
        )
    });
    let containers = spec
        .containers
        .iter()
        .map(|c| container_request(c, resource));
    let overhead = spec
        .overhead
        .as_ref()
        .and_then(|o| o.get(resource))
        .and_then(|q| Quantity::parse(&q.0).ok());
    pod_request(init, containers, overhead)
}

/// A DaemonSet from the state as the typed API value. Recordings from old clusters may say
/// `extensions/v1beta1` or `apps/v1beta2`; their shape is the same for what is read here.
pub fn live_daemonset(object: Value, source: &str) -> Result<LiveDaemonSet, String> {
    let mut typed = object.clone();
    typed["apiVersion"] = Value::String("apps/v1".into());
    let daemonset: DaemonSet = serde_json::from_value(typed).map_err(|e| e.to_string())?;
    let metadata = &daemonset.metadata;
    let name = metadata.name.clone().ok_or("metadata.name is missing")?;
    Ok(LiveDaemonSet {
        namespace: metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into()),
        name,
        uid: metadata.uid.clone(),
        object,
        daemonset,
        source: source.to_string(),
    })
}
