//! The rollout of one DaemonSet in the plan: the controller's budget and waves
//! (`everynode_k8s::rollout`), where the recording stands, the nodes the rollout takes the
//! daemon from, and the stalls that can be decided before applying (DESIGN.md, "Rollout,
//! in the plan").

use schemars::JsonSchema;
use serde::Serialize;

use everynode_k8s::objects::{Cluster, DaemonPod, Node, template_request};
use everynode_k8s::rollout::{self, Budget, NodePods, Pod, Readiness};
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::diagnostic::Code;

/// How many waves a rollout may take before `slow_rollout` warns, unless the
/// configuration says otherwise (`lint.slowRolloutWaves` in `.everynode.yaml`).
pub const SLOW_ROLLOUT_WAVES: usize = 100;

/// What applying the DaemonSet does over time (DESIGN.md, "Rollout, in the plan").
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Rollout {
    /// `RollingUpdate` or `OnDelete`.
    pub strategy: String,
    /// The controller's resolved integer for `desired` (0 for OnDelete).
    pub max_unavailable: i64,
    /// The controller's resolved integer for `desired` (0 for OnDelete).
    pub max_surge: i64,
    /// `spec.minReadySeconds`, in seconds.
    pub min_ready_seconds: i64,
    /// Nodes where the pod should run (`desiredNumberScheduled`).
    pub desired: usize,
    /// Old pods on nodes that should run the daemon: the pods to replace.
    pub to_update: usize,
    /// Desired nodes whose pod already runs the current template.
    pub updated: usize,
    /// Desired nodes whose pod is available now (`IsPodAvailable` at the recording's
    /// latest timestamp).
    pub available: usize,
    /// What counts against the budget now: desired nodes with no available pod.
    pub unavailable_now: usize,
    /// Per sync, assuming every new pod becomes available: old pods deleted (without
    /// surge) or new pods created (with surge). Empty for OnDelete.
    pub waves: Vec<usize>,
    /// The lower bound on the time, in seconds: waves × minReadySeconds (each pod's own
    /// start and readiness add to it).
    pub min_seconds: i64,
    /// Nodes whose daemon pod the rollout deletes without a replacement: they keep an old
    /// pod only because an untolerated NoSchedule taint does not evict it.
    pub lost: Vec<String>,
    /// The stall findings.
    pub stalls: Vec<Stall>,
    /// The raw `maxUnavailable` or `maxSurge` the budget came from (`10%`), for people.
    #[serde(skip)]
    #[schemars(skip)]
    pub budget_from: String,
    /// For a DaemonSet deleted and created again (its selector changes): whether the new
    /// selector selects the old pods, so that pods orphaned by `--cascade=orphan` are
    /// adopted. `None` for a rollout in place.
    #[serde(skip)]
    #[schemars(skip)]
    pub recreate: Option<bool>,
}

/// A reason the rollout will stop, or has stopped.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Stall {
    /// `surge_host_port`, `surge_no_room`, `slow_rollout` or `rollout_stuck`.
    pub code: String,
    pub message: String,
    /// The nodes it concerns; empty when it concerns every node.
    pub nodes: Vec<String>,
}

/// One node of the rollout, as the plan gathers it.
pub struct RolloutNode<'c> {
    pub node: &'c Node,
    pub should_run: bool,
    /// Running pods (not being deleted, not Failed or Succeeded) in the controller's keep
    /// order, each with whether it runs the current template.
    pub pods: Vec<(&'c DaemonPod, bool)>,
}

/// The rollout of `daemonset` over `nodes` (those that should run its pod, or should keep
/// running one), with "now" the recording's latest timestamp; `None` when nothing is to
/// be replaced. `slow_waves` is the `slow_rollout` limit. `recreate` is set when the
/// DaemonSet is deleted and created again (see [`Rollout::recreate`]): then every old pod
/// goes at once, with the DaemonSet, and nodes that should no longer run it get none.
pub fn rollout(
    daemonset: &DaemonSet,
    nodes: &[RolloutNode],
    cluster: &Cluster,
    slow_waves: usize,
    recreate: Option<bool>,
) -> Option<Rollout> {
    let now = cluster.now;
    let spec = daemonset.spec.as_ref()?;
    let min_ready = i64::from(spec.min_ready_seconds.unwrap_or(0));
    let strategy = spec.update_strategy.as_ref();
    let desired = nodes.iter().filter(|n| n.should_run).count();
    let readiness = |pod: &DaemonPod| match (pod.ready, rollout::available(pod, min_ready, now)) {
        (_, true) => Readiness::Available,
        (true, false) => Readiness::Ready,
        (false, false) => Readiness::Unready,
    };
    let kept: Vec<NodePods> = nodes
        .iter()
        .map(|n| NodePods {
            should_run: n.should_run,
            pods: n
                .pods
                .iter()
                .map(|(pod, current)| Pod {
                    current: *current,
                    readiness: readiness(pod),
                })
                .collect(),
        })
        .collect();
    let first = |n: &NodePods| n.pods.first().copied();
    let old_here = |n: &NodePods| n.pods.iter().any(|p| !p.current);
    let to_update = kept.iter().filter(|n| n.should_run && old_here(n)).count();
    let keeping: Vec<&str> = nodes
        .iter()
        .zip(&kept)
        .filter(|(_, k)| !k.should_run && old_here(k))
        .map(|(n, _)| n.node.name.as_str())
        .collect();
    if to_update == 0 && keeping.is_empty() {
        return None;
    }
    let on_desired = |f: &dyn Fn(&Pod) -> bool| {
        kept.iter()
            .filter(|n| n.should_run && first(n).is_some_and(|p| f(&p)))
            .count()
    };
    let updated = on_desired(&|p| p.current);
    let available = on_desired(&|p| p.readiness == Readiness::Available);
    let kind = rollout::strategy_type(strategy).to_string();
    let mut plan = Rollout {
        strategy: kind.clone(),
        max_unavailable: 0,
        max_surge: 0,
        min_ready_seconds: min_ready,
        desired,
        to_update,
        updated,
        available,
        unavailable_now: desired - available,
        waves: Vec::new(),
        min_seconds: 0,
        lost: Vec::new(),
        stalls: Vec::new(),
        budget_from: String::new(),
        recreate,
    };
    if kind != "RollingUpdate" && recreate.is_none() {
        return Some(plan);
    }
    let Budget {
        max_unavailable,
        max_surge,
    } = rollout::budget(strategy, desired as i64).ok()?;
    let rolling = strategy.and_then(|s| s.rolling_update.as_ref());
    let raw = if max_surge > 0 {
        rolling.and_then(|r| r.max_surge.as_ref())
    } else {
        rolling.and_then(|r| r.max_unavailable.as_ref())
    };
    plan.budget_from = match raw {
        Some(IntOrString::String(p)) => p.clone(),
        Some(IntOrString::Int(n)) => n.to_string(),
        None => "1".to_string(),
    };
    if max_surge == 0 && max_unavailable > 0 && scaled_zero(raw, desired) {
        plan.budget_from
            .push_str(", which the controller raises to 1 when maxSurge is 0 too");
    }
    plan.max_unavailable = max_unavailable;
    plan.max_surge = max_surge;
    let budget = Budget {
        max_unavailable,
        max_surge,
    };
    if recreate.is_some() {
        // The garbage collector deletes the old pods with the DaemonSet (kubectl's default
        // cascade), and the new DaemonSet creates its pods: one wave, whatever the strategy.
        plan.waves = vec![to_update];
        plan.min_seconds = min_ready;
        plan.lost = keeping.iter().map(|n| n.to_string()).collect();
        return Some(plan);
    }
    let best = rollout::simulate(&kept, budget, true);
    plan.waves = best.waves;
    plan.min_seconds = best.waits as i64 * min_ready;
    plan.lost = best
        .lost
        .iter()
        .map(|&i| nodes[i].node.name.clone())
        .collect();
    if let Some(spec) = spec.template.spec.as_ref()
        && max_surge > 0
        && let Some(port) = host_port(spec)
    {
        plan.stalls.push(Stall {
            code: Code::surge_host_port.as_str().to_string(),
            message: surge_host_port_message(&max_surge.to_string(), &port),
            nodes: Vec::new(),
        });
    }
    if max_surge > 0
        && let Some(template) = spec.template.spec.as_ref()
        && let Some(stall) = surge_no_room(template, nodes, &kept, cluster, max_surge)
    {
        plan.stalls.push(stall);
    }
    if plan.waves.len() > slow_waves {
        plan.stalls.push(Stall {
            code: Code::slow_rollout.as_str().to_string(),
            message: format!(
                "{} of at most {} (more than {slow_waves}); {}",
                crate::diagnostic::count(plan.waves.len(), "wave"),
                crate::diagnostic::count(plan.waves.iter().max().copied().unwrap_or(0), "pod"),
                time_bound(plan.min_seconds, min_ready)
            ),
            nodes: Vec::new(),
        });
    }
    if best.stuck {
        let waiting: Vec<String> = nodes
            .iter()
            .zip(&kept)
            .filter(|(_, k)| {
                k.pods
                    .iter()
                    .any(|p| p.current && p.readiness != Readiness::Available)
            })
            .map(|(n, _)| n.node.name.clone())
            .collect();
        let held = if max_surge > 0 {
            format!("maxSurge {max_surge}")
        } else {
            format!("maxUnavailable {max_unavailable}")
        };
        plan.stalls.push(Stall {
            code: Code::rollout_stuck.as_str().to_string(),
            message: format!(
                "stuck now: {} not yet available {} the whole budget ({held}), and {} {} for it",
                crate::diagnostic::count(waiting.len(), "new pod"),
                if waiting.len() == 1 { "uses" } else { "use" },
                crate::diagnostic::count(to_update, "old pod"),
                if to_update == 1 { "waits" } else { "wait" },
            ),
            nodes: waiting,
        });
    }
    Some(plan)
}

/// `surge_no_room`: the nodes that are to get a surge pod (an old pod runs there, and the
/// daemon should run) where the new pod's requests (`objects::template_request`) do not fit
/// beside what the node's pods already request, the old daemon pod included, within its
/// `status.allocatable`. The scheduler's NodeResourcesFit filter
/// (pkg/scheduler/framework/plugins/noderesources/fit.go `fitsRequest`) then leaves the
/// surge pod Pending, and the rollout waits for it like for #106417.
fn surge_no_room(
    template: &PodSpec,
    nodes: &[RolloutNode],
    kept: &[NodePods],
    cluster: &Cluster,
    max_surge: i64,
) -> Option<Stall> {
    let mut full = Vec::new();
    let mut first = None;
    for (n, k) in nodes.iter().zip(kept) {
        if !k.should_run || !k.pods.iter().any(|p| !p.current) {
            continue;
        }
        let requested = cluster.requested.get(&n.node.name);
        for resource in ["cpu", "memory"] {
            let (Some(new), Some(allocatable)) = (
                template_request(template, resource),
                n.node.allocatable.get(resource),
            ) else {
                continue;
            };
            let used = requested.and_then(|r| r.get(resource));
            let total = used.map_or(new, |u| u.add(&new));
            if total > *allocatable {
                first.get_or_insert_with(|| {
                    format!(
                        "on {}: {} {resource} requested + {new} > {allocatable} allocatable",
                        n.node.name,
                        used.map_or_else(|| "0".to_string(), |u| u.to_string()),
                    )
                });
                full.push(n.node.name.clone());
                break;
            }
        }
    }
    let example = first?;
    Some(Stall {
        code: Code::surge_no_room.as_str().to_string(),
        message: format!(
            "maxSurge {max_surge}: the new pod does not fit beside what the pods of {} already request ({example}); it stays Pending there, and the rollout stops once {max_surge} such {}",
            crate::diagnostic::count(full.len(), "node"),
            if max_surge == 1 {
                "node waits"
            } else {
                "nodes wait"
            }
        ),
        nodes: full,
    })
}

/// A budget value that resolves to 0 for `desired` nodes.
fn scaled_zero(raw: Option<&IntOrString>, desired: usize) -> bool {
    raw.is_some_and(|v| rollout::scaled(v, desired as i64) == Ok(0))
}

/// `maxSurge N with hostPort P: ...` for `surge_host_port`; `max_surge` as resolved, or as
/// written (`25%`) where no nodes resolve it.
pub fn surge_host_port_message(max_surge: &str, port: &str) -> String {
    let after = match max_surge.strip_suffix('%') {
        Some(percent) => format!("maxSurge ({percent}% of the desired nodes, rounded up) new pods"),
        None => match max_surge.parse::<usize>() {
            Ok(n) => crate::diagnostic::count(n, "new pod"),
            Err(_) => format!("{max_surge} new pods"),
        },
    };
    format!(
        "maxSurge {max_surge} with {port}: the new pod cannot start beside the old one on any node \
         (kubernetes/kubernetes#106417), so the rollout stops after {after}"
    )
}

/// The first host port the pod takes, as `hostPort 443` (or `hostNetwork with port 9100`):
/// a surge pod needs it while the old pod still holds it on the same node.
pub fn host_port(spec: &PodSpec) -> Option<String> {
    let host_network = spec.host_network == Some(true);
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .flat_map(|c| c.ports.iter().flatten())
        .find_map(|p| match p.host_port {
            Some(port) if port > 0 => Some(format!("hostPort {port}")),
            _ if host_network => Some(format!(
                "hostNetwork and container port {}",
                p.container_port
            )),
            _ => None,
        })
}

/// `at least 5 min with minReadySeconds 30` for a bound of `seconds`, or what bounds a
/// rollout without minReadySeconds.
pub fn time_bound(seconds: i64, min_ready_seconds: i64) -> String {
    if min_ready_seconds <= 0 {
        return "no lower bound on the time without minReadySeconds: each wave lasts as long as its pods take to start and become ready".to_string();
    }
    format!(
        "at least {} with minReadySeconds {min_ready_seconds}, plus each pod's own start and readiness time",
        duration(seconds)
    )
}

/// `45 s`, `5 min`, `2 h 5 min`, `3 d 4 h`.
pub fn duration(seconds: i64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds % 86_400 / 3_600,
        seconds % 3_600 / 60,
        seconds % 60,
    );
    match (d, h, m, s) {
        (0, 0, 0, s) => format!("{s} s"),
        (0, 0, m, 0) => format!("{m} min"),
        (0, 0, m, s) => format!("{m} min {s} s"),
        (0, h, 0, _) => format!("{h} h"),
        (0, h, m, _) => format!("{h} h {m} min"),
        (d, 0, _, _) => format!("{d} d"),
        (d, h, _, _) => format!("{d} d {h} h"),
    }
}
