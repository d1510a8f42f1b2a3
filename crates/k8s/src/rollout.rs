//! The rolling update, as the DaemonSet controller drives it: the budget it resolves, the
//! pods it deletes and creates in each sync, and where it stops.
//!
//! Upstream: pkg/controller/daemon/update.go (`rollingUpdate`, `updatedDesiredNodeCounts`,
//! `findUpdatedPodsOnNode`), pkg/controller/daemon/daemon_controller.go
//! (`podsShouldBeOnNode`, the part of `manage` that runs on every node),
//! pkg/controller/daemon/util/daemonset_util.go (`UnavailableCount`, `SurgeCount`,
//! `AllowsSurge`), k8s.io/apimachinery util/intstr (`GetScaledValueFromIntOrPercent`) and
//! pkg/api/v1/pod/util.go (`IsPodAvailable`).
//!
//! [`simulate`] replays the controller's syncs on a multiset of nodes: which node falls in
//! which wave the controller leaves to Go's map order, so nodes of one kind are
//! interchangeable and are taken in the order given (by name, as the plan gives them).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::DaemonSetUpdateStrategy;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::objects::DaemonPod;

/// The controller's resolved budget for one DaemonSet: how many desired nodes may be
/// without an available pod, and how many may run a second (new) pod, at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// `maxUnavailable` resolved against the desired nodes, in pods.
    pub max_unavailable: i64,
    /// `maxSurge` resolved against the desired nodes, in pods.
    pub max_surge: i64,
}

/// `GetScaledValueFromIntOrPercent(value, total, roundUp=true)`: an integer as it is (no
/// clamping to `total`), `"p%"` as ceil(p × total / 100).
///
/// # Errors
/// A string without `%`, or whose number does not parse, as upstream refuses it ("invalid
/// value for IntOrString: invalid type: string is not a percentage").
pub fn scaled(value: &IntOrString, total: i64) -> Result<i64, String> {
    match value {
        IntOrString::Int(n) => Ok(i64::from(*n)),
        IntOrString::String(text) => {
            let percent = text
                .strip_suffix('%')
                .and_then(|p| p.parse::<i64>().ok())
                .ok_or_else(|| format!("invalid value {text:?}: not an integer or a percentage"))?;
            // ceil(p·N/100) in integer arithmetic; p·N is exact, as upstream's float is for
            // any realistic size.
            Ok((percent.saturating_mul(total) + 99).div_euclid(100))
        }
    }
}

/// The strategy type, `RollingUpdate` when the object leaves it out (the API server's
/// default, `SetDefaults_DaemonSet`).
pub fn strategy_type(strategy: Option<&DaemonSetUpdateStrategy>) -> &str {
    strategy
        .and_then(|s| s.type_.as_deref())
        .unwrap_or("RollingUpdate")
}

/// `updatedDesiredNodeCounts`: `UnavailableCount` and `SurgeCount` for `desired` nodes,
/// with maxUnavailable forced to 1 when both are 0 and anything is desired ("defaulting
/// to accepting unavailability"). Both are 0 for `OnDelete`. Fields the object leaves out
/// take the server's defaults (maxUnavailable 1, maxSurge 0).
///
/// # Errors
/// A value [`scaled`] refuses; upstream's controller then fails the sync.
pub fn budget(strategy: Option<&DaemonSetUpdateStrategy>, desired: i64) -> Result<Budget, String> {
    if strategy_type(strategy) != "RollingUpdate" {
        return Ok(Budget {
            max_unavailable: 0,
            max_surge: 0,
        });
    }
    let rolling = strategy.and_then(|s| s.rolling_update.as_ref());
    let max_unavailable = match rolling.and_then(|r| r.max_unavailable.as_ref()) {
        Some(value) => scaled(value, desired)?,
        None => 1,
    };
    let max_surge = match rolling.and_then(|r| r.max_surge.as_ref()) {
        Some(value) => scaled(value, desired)?,
        None => 0,
    };
    Ok(Budget {
        max_unavailable: if desired > 0 && max_unavailable == 0 && max_surge == 0 {
            1
        } else {
            max_unavailable
        },
        max_surge,
    })
}

/// `AllowsSurge`: `SurgeCount(ds, 1) > 0`, so any positive percentage enables surge, on
/// any number of nodes. Needs no cluster.
pub fn allows_surge(strategy: Option<&DaemonSetUpdateStrategy>) -> bool {
    budget(strategy, 1).is_ok_and(|b| b.max_surge > 0)
}

/// `IsPodAvailable`: the pod is Ready, and either `min_ready_seconds` is 0 or it has been
/// Ready since strictly before `now − min_ready_seconds` (seconds since the Unix epoch).
/// Without a `now` (a recording with no timestamps) a Ready pod counts as available.
pub fn available(pod: &DaemonPod, min_ready_seconds: i64, now: Option<i64>) -> bool {
    pod.ready
        && (min_ready_seconds <= 0
            || match (pod.ready_since, now) {
                (Some(since), Some(now)) => since.saturating_add(min_ready_seconds) < now,
                (None, Some(_)) => false,
                (_, None) => true,
            })
}

/// How far a pod is from counting as available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Readiness {
    /// Created by the sync being replayed, not yet Ready. Like `Unready`, except that it
    /// is not what the recording shows, so it never makes a rollout stuck now.
    Starting,
    /// Not Ready (starting, or failing its probe).
    Unready,
    /// Ready for less than `minReadySeconds`.
    Ready,
    /// `IsPodAvailable`.
    Available,
}

/// A running daemon pod on a node, as one sync sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pod {
    /// It runs the current template (`IsPodUpdated`).
    pub current: bool,
    /// How available it is now.
    pub readiness: Readiness,
}

/// A node in the rollout: one where the daemon pod should run, or should keep running,
/// with the pods running there (not being deleted, not Failed or Succeeded, which the
/// controller deletes before it looks at the rest) in the controller's keep order
/// (`podByCreationTimestampAndPhase`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodePods {
    /// `shouldRun`; `false` means the node keeps a running pod only because an
    /// untolerated `NoSchedule` taint does not evict it (`shouldContinueRunning`).
    pub should_run: bool,
    /// The pods, the one the controller keeps first.
    pub pods: Vec<Pod>,
}

/// One sync: what `manage` and then `rollingUpdate` do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sync {
    /// Pods created (`manage` on empty nodes, `rollingUpdate`'s surge pods).
    pub created: usize,
    /// Pods deleted (`manage`'s extras and replaced old pods, `rollingUpdate`'s).
    pub deleted: usize,
    /// What the rolling update itself did: old pods deleted without surge, new pods
    /// created with surge. A wave, when not 0.
    pub wave: usize,
    /// Of the wave, old pods deleted where the daemon should no longer run: nothing
    /// replaces them, so nothing is waited for.
    pub lost: usize,
}

/// The whole rollout, sync by sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rollout {
    /// Every sync that changed something, in order.
    pub syncs: Vec<Sync>,
    /// The non-zero waves: per sync, the old pods deleted (without surge) or the new pods
    /// created (with surge).
    pub waves: Vec<usize>,
    /// How many of the waves replace a pod, so that the next one waits for new pods to
    /// become available (a wave of lost pods only does not): the waves × minReadySeconds
    /// bound counts these.
    pub waits: usize,
    /// Indexes of the nodes whose pod the rollout deletes and does not replace (they
    /// should no longer run it).
    pub lost: Vec<usize>,
    /// Indexes of nodes that still run an old pod when the syncs stop changing anything.
    pub left: Vec<usize>,
    /// In the first sync, pods not yet available hold the whole budget while old pods wait
    /// (`rollout_stuck`): the rollout is stuck now.
    pub stuck: bool,
}

/// A node between syncs once `manage` has run: at most one old and one new pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Kind {
    should_run: bool,
    old: Option<Readiness>,
    new: Option<Readiness>,
}

type Kinds = BTreeMap<Kind, Vec<usize>>;

/// Replays the controller's syncs from `nodes` until they change nothing: each sync runs
/// `manage` (create on empty desired nodes, delete extras, and with surge the old pod once
/// the new one is available or the old one is not Ready) and then `rollingUpdate` with
/// `budget` (update.go), the way upstream's update_test.go drives the controller. Between
/// syncs, when `new_pods_become_available`, every pod becomes available (the best case,
/// which gives the waves); otherwise nothing changes (the new pods never become Ready,
/// which shows where the rollout stalls). `desired` is `desiredNumberScheduled`.
///
/// Upstream caps creates and deletes at 250 per sync (`BurstReplicas`) and creates in
/// slow-start batches; those split a wave over several syncs within the same
/// minReadySeconds, so the waves here are budget rounds, not API calls.
pub fn simulate(nodes: &[NodePods], budget: Budget, new_pods_become_available: bool) -> Rollout {
    let surge = budget.max_surge > 0;
    let desired = nodes.iter().filter(|n| n.should_run).count();
    let mut rollout = Rollout::default();
    let mut kinds = Kinds::new();
    let mut first = Sync::default();
    for (i, node) in nodes.iter().enumerate() {
        let (kind, sync) = first_manage(node, surge);
        first.created += sync.created;
        first.deleted += sync.deleted;
        if kind.old.is_some() || kind.new.is_some() || kind.should_run {
            kinds.entry(kind).or_default().push(i);
        }
    }
    // A bound on the syncs: every two syncs replace at least one pod, or stop.
    let limit = 4 * nodes.len() + 8;
    for round in 0..limit {
        let mut sync = if round == 0 {
            first
        } else {
            manage(&mut kinds, surge)
        };
        let stuck = if surge {
            surge_pass(&mut kinds, budget, desired, &mut sync, &mut rollout.lost)
        } else {
            unavailable_pass(&mut kinds, budget, &mut sync, &mut rollout.lost)
        };
        if round == 0 {
            rollout.stuck = stuck;
        }
        // Nodes emptied by this sync get their new pod in the next one, before anything
        // becomes available: the controller recreates at once, readiness takes time.
        let recreating = kinds
            .keys()
            .any(|k| k.should_run && k.old.is_none() && k.new.is_none());
        let changed = !recreating && new_pods_become_available && become_available(&mut kinds);
        if sync == Sync::default() {
            if !recreating && !changed {
                break;
            }
            continue;
        }
        if sync.wave > 0 {
            rollout.waves.push(sync.wave);
            rollout.waits += usize::from(sync.wave > sync.lost);
        }
        rollout.syncs.push(sync);
    }
    rollout.lost.sort_unstable();
    rollout.left = kinds
        .iter()
        .filter(|(k, _)| k.old.is_some())
        .flat_map(|(_, nodes)| nodes.iter().copied())
        .collect();
    rollout.left.sort_unstable();
    rollout
}

/// `podsShouldBeOnNode` on a node's pods as recorded: extras deleted (without surge all
/// but the first; with surge all but the oldest new and the oldest old), the old pod of a
/// pair deleted when it is not Ready or the new one is available, a pod created on an
/// empty desired node.
fn first_manage(node: &NodePods, surge: bool) -> (Kind, Sync) {
    let mut sync = Sync::default();
    let (old, new) = if surge {
        let old = node.pods.iter().find(|p| !p.current).map(|p| p.readiness);
        let new = node.pods.iter().find(|p| p.current).map(|p| p.readiness);
        sync.deleted = node.pods.len() - usize::from(old.is_some()) - usize::from(new.is_some());
        (old, new)
    } else {
        sync.deleted = node.pods.len().saturating_sub(1);
        match node.pods.first() {
            Some(p) if p.current => (None, Some(p.readiness)),
            Some(p) => (Some(p.readiness), None),
            None => (None, None),
        }
    };
    let mut kind = Kind {
        should_run: node.should_run,
        old,
        new,
    };
    let mut one = Kinds::from([(kind, vec![0])]);
    let settled = manage(&mut one, surge);
    sync.created += settled.created;
    sync.deleted += settled.deleted;
    if let Some((k, _)) = one.into_iter().next() {
        kind = k;
    }
    (kind, sync)
}

/// `manage` on nodes already down to one old and one new pod.
fn manage(kinds: &mut Kinds, surge: bool) -> Sync {
    let mut sync = Sync::default();
    let before = std::mem::take(kinds);
    for (mut kind, nodes) in before {
        match (kind.old, kind.new) {
            (None, None) if kind.should_run => {
                sync.created += nodes.len();
                kind.new = Some(Readiness::Starting);
            }
            (Some(old), Some(new)) => {
                let replace_old = if surge {
                    matches!(old, Readiness::Unready | Readiness::Starting)
                        || new == Readiness::Available
                } else {
                    // Without surge the controller keeps the first pod of the keep order
                    // (the older, the old one) and deletes the other.
                    kind.new = None;
                    sync.deleted += nodes.len();
                    false
                };
                if replace_old {
                    kind.old = None;
                    sync.deleted += nodes.len();
                }
            }
            _ => {}
        }
        if kind.old.is_some() || kind.new.is_some() || kind.should_run {
            kinds.entry(kind).or_default().extend(nodes);
        }
    }
    sync
}

/// Moves up to `count` nodes from `kind` to `to` (or off the map), first in the order
/// given; returns the nodes moved.
fn take(kinds: &mut Kinds, kind: Kind, count: usize, to: Option<Kind>) -> Vec<usize> {
    let Some(nodes) = kinds.get_mut(&kind) else {
        return Vec::new();
    };
    let moved: Vec<usize> = nodes.drain(..count.min(nodes.len())).collect();
    if nodes.is_empty() {
        kinds.remove(&kind);
    }
    if let Some(to) = to
        && !moved.is_empty()
    {
        kinds.entry(to).or_default().extend(&moved);
    }
    moved
}

/// The non-surge branch of `rollingUpdate`: desired nodes without an available pod count
/// against maxUnavailable; old pods that are not available are always deleted; available
/// old pods are deleted while budget remains (nodes that should run first, then those that
/// keep a pod only through a NoSchedule taint: the controller's own order is random).
/// Returns whether pods not yet available hold the whole budget while old pods wait.
fn unavailable_pass(
    kinds: &mut Kinds,
    budget: Budget,
    sync: &mut Sync,
    lost: &mut Vec<usize>,
) -> bool {
    let mut unavailable = 0i64;
    let mut waiting_on_new = false;
    let mut forced = Vec::new();
    let mut candidates = Vec::new();
    for (kind, nodes) in kinds.iter() {
        let n = nodes.len() as i64;
        match (kind.old, kind.new) {
            (None, None) | (Some(_), Some(_)) => unavailable += n,
            (None, Some(new)) => {
                if new != Readiness::Available {
                    unavailable += n;
                    // Ready and waiting out minReadySeconds is progress, not a stall.
                    waiting_on_new |= new == Readiness::Unready;
                }
            }
            (Some(Readiness::Available), None) => candidates.push(*kind),
            (Some(_), None) => {
                unavailable += n;
                forced.push(*kind);
            }
        }
    }
    // Nodes that keep the daemon are replaced before nodes that lose it.
    candidates.sort_by_key(|k| !k.should_run);
    let mut remaining = usize::try_from(budget.max_unavailable - unavailable).unwrap_or(0);
    let stuck = remaining == 0 && waiting_on_new && !candidates.is_empty();
    let forced = forced.into_iter().map(|k| (k, usize::MAX));
    for (kind, bound) in forced.chain(candidates.into_iter().map(|k| (k, 0))) {
        let count = if bound == 0 { remaining } else { bound };
        let to = kind.should_run.then_some(Kind { old: None, ..kind });
        let moved = take(kinds, kind, count, to);
        if bound == 0 {
            remaining -= moved.len();
        }
        sync.deleted += moved.len();
        sync.wave += moved.len();
        if !kind.should_run {
            sync.lost += moved.len();
            lost.extend(moved);
        }
    }
    stuck
}

/// The surge branch of `rollingUpdate`: a node whose old pod is not available gets a new
/// pod at once (or, where it should no longer run, loses the old one); other old nodes get
/// one while fewer than maxSurge new pods wait to become available; the old pod goes when
/// the new one is available; an available old pod where the daemon should no longer run
/// goes only while more pods are available than desired. Returns whether new pods not yet
/// available hold the whole surge budget while old pods wait.
fn surge_pass(
    kinds: &mut Kinds,
    budget: Budget,
    desired: usize,
    sync: &mut Sync,
    lost: &mut Vec<usize>,
) -> bool {
    let mut surging = 0i64;
    let mut recorded_surging = false;
    let mut available = 0i64;
    let mut moves: Vec<(Kind, usize, Option<Kind>, bool)> = Vec::new();
    let mut candidates = Vec::new();
    let mut leaving = Vec::new();
    for (kind, nodes) in kinds.iter() {
        let n = nodes.len();
        let counted = kind.old.or(kind.new);
        if counted == Some(Readiness::Available) {
            available += n as i64;
        }
        match (kind.old, kind.new) {
            (None, _) => {}
            (Some(old), None) if old != Readiness::Available => {
                if kind.should_run {
                    let to = Kind {
                        new: Some(Readiness::Starting),
                        ..*kind
                    };
                    moves.push((*kind, n, Some(to), true));
                } else {
                    moves.push((*kind, n, None, false));
                }
            }
            (Some(_), None) => {
                if kind.should_run {
                    candidates.push(*kind);
                } else {
                    leaving.push(*kind);
                }
            }
            (Some(_), Some(new)) => {
                if new == Readiness::Available {
                    let to = Kind { old: None, ..*kind };
                    moves.push((*kind, n, Some(to), false));
                } else {
                    surging += n as i64;
                    recorded_surging |= new == Readiness::Unready;
                }
            }
        }
    }
    let waiting: usize = candidates.iter().map(|k| kinds[k].len()).sum();
    let mut remaining = usize::try_from(budget.max_surge - surging)
        .unwrap_or(0)
        .min(waiting);
    let stuck = remaining == 0 && waiting > 0 && recorded_surging;
    for (kind, count, to, creates) in moves {
        let moved = take(kinds, kind, count, to);
        if creates {
            sync.created += moved.len();
            sync.wave += moved.len();
        } else {
            sync.deleted += moved.len();
            if to.is_none() {
                lost.extend(moved);
            }
        }
    }
    for kind in candidates {
        let to = Kind {
            new: Some(Readiness::Starting),
            ..kind
        };
        let moved = take(kinds, kind, remaining, Some(to));
        remaining -= moved.len();
        sync.created += moved.len();
        sync.wave += moved.len();
    }
    let mut deletable = usize::try_from(available - desired as i64).unwrap_or(0);
    for kind in leaving {
        let moved = take(kinds, kind, deletable, None);
        deletable -= moved.len();
        sync.deleted += moved.len();
        lost.extend(moved);
    }
    stuck
}

/// Between syncs, in the best case: every pod becomes available. Returns whether any
/// pod changed.
fn become_available(kinds: &mut Kinds) -> bool {
    let ready = |r: Option<Readiness>| r.map(|_| Readiness::Available);
    let before = std::mem::take(kinds);
    let mut changed = false;
    for (kind, nodes) in before {
        let to = Kind {
            old: ready(kind.old),
            new: ready(kind.new),
            ..kind
        };
        changed |= to != kind;
        kinds.entry(to).or_default().extend(nodes);
    }
    changed
}
