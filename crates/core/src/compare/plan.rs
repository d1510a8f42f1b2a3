//! The plan: per DaemonSet, create, update, recreate, delete or unchanged; per
//! (DaemonSet, node), the pod's fate and why.
//!
//! Pods belong to a DaemonSet as its controller claims them (`everynode_k8s::controller`,
//! `ClaimPods`): its own, through their controller ownerReference in the same namespace
//! (by uid when the state has the live DaemonSet, else by name) while its selector selects
//! them, and the orphans of its namespace (no controller) that its selector selects and
//! that are not being deleted, which it adopts. An owned pod the selector no longer
//! selects is released and keeps running, owned by no one. A pod is out of date when its
//! `pod-template-generation` (or `controller-revision-hash`) is not the DaemonSet's current
//! one, or when the rendered template differs from the live one.

use std::collections::HashMap;
use std::fmt::Write;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::model::{LABEL_CLASS, LABEL_DAEMON};
use everynode_k8s::controller::{Currency, PodIndex};
use everynode_k8s::defaults;
use everynode_k8s::objects::{Cluster, DaemonPod, LiveDaemonSet, Node};
use everynode_k8s::placement::{DaemonPodTemplate, Origin, Verdict};
use everynode_k8s::selector::label_selector_matches;

use super::desired::{Desired, pruned};
use super::rollout::{self, Rollout, RolloutNode};

/// The API version of the plan document.
pub const PLAN_API_VERSION: &str = "everynode.dev/v1alpha1";

/// The plan document (DESIGN.md, "The plan, as JSON"); its schema is
/// `schemas/plan.schema.json`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields, title = "everynode plan")]
pub struct Plan {
    /// Always `everynode.dev/v1alpha1`.
    pub api_version: String,
    /// Always `Plan`.
    pub kind: String,
    pub summary: Summary,
    /// By namespace and name.
    pub daemonsets: Vec<DaemonSetPlan>,
    /// By DaemonSet, then node.
    pub placements: Vec<Placement>,
    /// Whether applying changes anything (`plan --exit-code`): a DaemonSet is created,
    /// updated, recreated or deleted, or a pod is created, updated, deleted, or replaced
    /// by one a taint keeps off. A `blocked` node where no pod runs is not a change: it
    /// stays so however often the plan is applied.
    #[serde(skip)]
    #[schemars(skip)]
    pub changes: bool,
}

/// How many placements have each action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub keep: usize,
    pub blocked: usize,
}

/// What happens to one DaemonSet.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DaemonSetPlan {
    pub namespace: String,
    pub name: String,
    /// The daemon it is rendered from; null for a plain manifest.
    pub daemon: Option<String>,
    /// The class it is rendered for; null for a plain manifest or a daemon without classes.
    pub class: Option<String>,
    /// `file:line:column` of its description or manifest; the state source for a
    /// DaemonSet to prune.
    pub source: String,
    pub change: Change,
    /// How many nodes should run its pod.
    pub desired: usize,
    /// What applying does over time, when pods are to be replaced; null otherwise.
    pub rollout: Option<Rollout>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Not in the state.
    Create,
    /// In the state, and different.
    Update,
    /// In the state with another `spec.selector`, which is immutable: delete, then create.
    Recreate,
    /// In the state, managed by everynode, and no longer rendered.
    Delete,
    Unchanged,
}

/// The fate of the pod of one DaemonSet on one node.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Placement {
    /// `namespace/name`.
    pub daemonset: String,
    pub node: String,
    pub action: Action,
    pub reason: String,
    /// A `keep` a reviewer should still see: the DaemonSet adopts an orphan here (its
    /// verdict may rest on the generation label alone), or releases a pod that keeps
    /// running. Not in the JSON, whose readers have the reason.
    #[serde(skip)]
    #[schemars(skip)]
    pub notable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A pod should run here and none does.
    Create,
    /// A pod runs here, should keep running, and its template is current.
    Keep,
    /// A pod runs here and should keep running, but its template is out of date.
    Update,
    /// A pod runs here and should not.
    Delete,
    /// Node selection matches, but a taint the pod does not tolerate keeps a new pod off.
    Blocked,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Keep => "keep",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Blocked => "blocked",
        }
    }
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Update => "update",
            Change::Recreate => "recreate",
            Change::Delete => "delete",
            Change::Unchanged => "unchanged",
        }
    }
}

/// Compares what should exist with the cluster; `slow_waves` is the number of waves
/// beyond which a rollout is `slow_rollout` ([`rollout::SLOW_ROLLOUT_WAVES`] unless the
/// configuration says otherwise).
pub fn plan(desired: &[Desired], cluster: &Cluster, slow_waves: usize) -> Plan {
    let pods = PodIndex::new(&cluster.pods);
    let live: HashMap<(&str, &str), &LiveDaemonSet> = cluster
        .daemonsets
        .iter()
        .map(|l| ((l.namespace.as_str(), l.name.as_str()), l))
        .collect();
    let mut daemonsets = Vec::new();
    let mut placements = Vec::new();
    let mut pods_lost = false;
    for want in desired {
        let live = live
            .get(&(want.namespace.as_str(), want.name.as_str()))
            .copied();
        let (plan, mut placed, lost) = plan_desired(want, live, cluster, &pods, slow_waves);
        pods_lost |= lost;
        daemonsets.push(plan);
        placements.append(&mut placed);
    }
    for live in pruned(desired, cluster) {
        let (plan, mut placed) = plan_prune(live, &pods);
        daemonsets.push(plan);
        placements.append(&mut placed);
    }
    daemonsets.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    placements.sort_by(|a, b| (&a.daemonset, &a.node).cmp(&(&b.daemonset, &b.node)));
    let mut summary = Summary::default();
    for p in &placements {
        *match p.action {
            Action::Create => &mut summary.create,
            Action::Keep => &mut summary.keep,
            Action::Update => &mut summary.update,
            Action::Delete => &mut summary.delete,
            Action::Blocked => &mut summary.blocked,
        } += 1;
    }
    let changes = pods_lost
        || daemonsets.iter().any(|d| d.change != Change::Unchanged)
        || daemonsets
            .iter()
            .any(|d| d.rollout.as_ref().is_some_and(|r| !r.stalls.is_empty()))
        || placements
            .iter()
            .any(|p| matches!(p.action, Action::Create | Action::Update | Action::Delete));
    Plan {
        api_version: PLAN_API_VERSION.to_string(),
        kind: "Plan".to_string(),
        summary,
        daemonsets,
        placements,
        changes,
    }
}

fn plan_desired(
    want: &Desired,
    live: Option<&LiveDaemonSet>,
    cluster: &Cluster,
    pods: &PodIndex,
    slow_waves: usize,
) -> (DaemonSetPlan, Vec<Placement>, bool) {
    let key = format!("{}/{}", want.namespace, want.name);
    let wanted = defaults::normalize_typed(&want.daemonset);
    let (change, outdated) = match live {
        None => (
            Change::Create,
            Some(
                "the DaemonSet is not in the state, so this pod's template cannot be current"
                    .to_string(),
            ),
        ),
        Some(live) => {
            let current = defaults::normalize_typed(&live.daemonset);
            let part = |v: &Value, field: &str| v["spec"][field].clone();
            if part(&wanted, "selector") != part(&current, "selector") {
                (
                    Change::Recreate,
                    Some("spec.selector changes, and it is immutable: the DaemonSet is deleted and created again, and this pod with it".to_string()),
                )
            } else if part(&wanted, "template") != part(&current, "template") {
                (Change::Update, Some("the pod template changes".to_string()))
            } else if comparable(&wanted) != comparable(&current) {
                (Change::Update, None)
            } else {
                (Change::Unchanged, None)
            }
        }
    };
    let currency = Currency::new(outdated, live, &want.daemonset, cluster);
    let daemonset_plan = |desired, rollout| DaemonSetPlan {
        namespace: want.namespace.clone(),
        name: want.name.clone(),
        daemon: want.daemon.clone(),
        class: want.class.clone(),
        source: want.source.clone(),
        change,
        desired,
        rollout,
    };
    let Some(template) = DaemonPodTemplate::new(&want.daemonset) else {
        return (daemonset_plan(0, None), Vec::new(), false);
    };
    let on_delete = want
        .daemonset
        .spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.type_.as_deref())
        == Some("OnDelete")
        && change != Change::Recreate;
    let selection = match (&want.class, template.selects_nodes()) {
        (Some(class), _) => format!("matches class {class}"),
        (None, true) => "matches the node selection".to_string(),
        (None, false) => "every node matches".to_string(),
    };
    let claims = pods.claim(&want.namespace, &want.name, live, &want.daemonset);
    let (mut by_node, mut released) = (claims.claimed, claims.released);
    let mut placements = Vec::new();
    let mut desired = 0;
    // An out-of-date pod on a node whose taints keep its replacement off.
    let mut pods_lost = false;
    let mut rolling = Vec::new();
    // For a recreate: pods of the old DaemonSet that the new selector does not select, so
    // that orphaning them leaves two copies.
    let new_selector = want.daemonset.spec.as_ref().map(|s| &s.selector);
    let mut unselected = false;
    for node in &cluster.nodes {
        let verdict = template.evaluate(node);
        desired += usize::from(verdict.should_run);
        let here = by_node.remove(node.name.as_str()).unwrap_or_default();
        let let_go = released.remove(node.name.as_str()).unwrap_or_default();
        unselected |= here
            .iter()
            .chain(&let_go)
            .any(|p| new_selector.is_some_and(|s| !label_selector_matches(s, &p.labels)));
        if verdict.should_continue_running {
            rolling.push(RolloutNode {
                node,
                should_run: verdict.should_run,
                pods: running_pods(&here)
                    .into_iter()
                    .map(|p| (p, currency.outdated(p).is_none()))
                    .collect(),
            });
        }
        if let Some((action, mut reason)) = decide(
            &template, node, &verdict, &here, &currency, &selection, on_delete,
        ) {
            pods_lost |= action == Action::Blocked && here.iter().any(|p| !p.terminating);
            reason.push_str(&released_words(&let_go));
            placements.push(Placement {
                daemonset: key.clone(),
                node: node.name.clone(),
                action,
                reason,
                notable: !let_go.is_empty() || here.iter().any(|p| p.owner.is_none()),
            });
        }
    }
    for (node, pods) in by_node {
        if pods.iter().all(|p| p.terminating) {
            continue;
        }
        let mut reason = if node.is_empty() {
            "the pod has no node, and names none in its node affinity".to_string()
        } else {
            "the node is not in the state".to_string()
        };
        reason.insert_str(0, &adopted_words(&pods, ", then deletes it"));
        reason.push_str(&released_words(&released.remove(node).unwrap_or_default()));
        placements.push(Placement {
            daemonset: key.clone(),
            node: node.to_string(),
            action: Action::Delete,
            reason,
            notable: true,
        });
    }
    let recreate = (change == Change::Recreate).then_some(!unselected);
    let rollout = rollout::rollout(&want.daemonset, &rolling, cluster, slow_waves, recreate);
    (daemonset_plan(desired, rollout), placements, pods_lost)
}

/// The pods the controller counts as running on a node, in the order it keeps them
/// (`podByCreationTimestampAndPhase`): not being deleted, not Failed or Succeeded (which
/// `podsShouldBeOnNode` deletes before it looks at the rest).
fn running_pods<'p>(here: &[&'p DaemonPod]) -> Vec<&'p DaemonPod> {
    let mut running: Vec<&DaemonPod> = here
        .iter()
        .copied()
        .filter(|p| !p.terminating && !matches!(p.phase.as_deref(), Some("Failed" | "Succeeded")))
        .collect();
    running.sort_by(|a, b| a.keep_order().cmp(&b.keep_order()));
    running
}

/// The pair's action and reason, or `None` when nothing runs and nothing should.
fn decide(
    template: &DaemonPodTemplate,
    node: &Node,
    verdict: &Verdict,
    here: &[&DaemonPod],
    currency: &Currency,
    selection: &str,
    on_delete: bool,
) -> Option<(Action, String)> {
    // The controller leaves pods being deleted alone, but while one is there it creates
    // no new pod (`podsShouldBeOnNode`: a pod exists); the plan shows where that ends.
    let (leaving, here): (Vec<&DaemonPod>, Vec<&DaemonPod>) =
        here.iter().partition(|p| p.terminating);
    // `podsShouldBeOnNode`: a Failed pod is deleted (and replaced, after a backoff), and
    // so is a Succeeded one; only the others count as running.
    let running = running_pods(&here);
    let failed = here
        .iter()
        .filter(|p| p.phase.as_deref() == Some("Failed"))
        .count();
    let succeeded = here.len() - running.len() - failed;
    if !verdict.should_continue_running {
        if here.is_empty() {
            return (verdict.fits_node_name && verdict.fits_selection)
                .then(|| (Action::Blocked, blocked_reason(selection, verdict)));
        }
        let why = match template.explain(node).selection_failure() {
            Some(why) => format!("the node no longer matches: {why}"),
            None => format!(
                "taint {} is not tolerated and evicts the pod",
                verdict
                    .untolerated
                    .iter()
                    .find(|t| t.effect == "NoExecute")
                    .map_or_else(String::new, |t| t.to_string())
            ),
        };
        return Some((
            Action::Delete,
            format!("{}{why}", adopted_words(&here, ", then deletes it")),
        ));
    }
    let Some(pod) = running.first() else {
        if !verdict.should_run {
            return Some((Action::Blocked, blocked_reason(selection, verdict)));
        }
        let mut reason = format!("{selection}{}", tolerated_words(verdict));
        if failed > 0 {
            reason.push_str("; replaces a failed pod");
        }
        if succeeded > 0 {
            reason
                .push_str("; replaces a pod that exited (Succeeded), which the controller deletes");
        }
        if let Some(pod) = leaving.first() {
            let _ = write!(reason, "; once the terminating pod {} is gone", pod.name);
        }
        return Some((Action::Create, reason));
    };
    let extra = if running.len() > 1 {
        format!(
            "; {} pods run here, and the controller deletes all but the oldest",
            running.len()
        )
    } else {
        String::new()
    };
    let adopted = adopted_words(&[pod], "");
    match currency.outdated(pod) {
        None => Some((
            Action::Keep,
            format!("{adopted}{}{extra}", currency.current(pod)),
        )),
        Some(why) if !verdict.should_run && !on_delete => Some((
            Action::Blocked,
            format!(
                "{adopted}{why}; the old pod is replaced, but {} keeps the new one off{extra}",
                untolerated_words(verdict)
            ),
        )),
        Some(why) if on_delete => Some((
            Action::Update,
            format!(
                "{adopted}{why}; updateStrategy OnDelete: replaced when someone deletes the pod{extra}"
            ),
        )),
        Some(why) => Some((Action::Update, format!("{adopted}{why}{extra}"))),
    }
}

/// `adopts the orphan pod: ` / `adopts 2 orphan pods: `, for the orphans among the pods
/// (`AdoptPod`), or nothing; `then` says what follows the adoption, if anything. Without
/// their names, so that the human output groups the nodes of a DaemonSet created again
/// over its orphans.
fn adopted_words(pods: &[&DaemonPod], then: &str) -> String {
    match pods.iter().filter(|p| p.owner.is_none()).count() {
        0 => String::new(),
        1 => format!("adopts the orphan pod{then}: "),
        n => format!("adopts {n} orphan pods{then}: "),
    }
}

/// `; pod a is released ...`, for the pods the controller releases on the node
/// (`ReleasePod`), or nothing.
fn released_words(pods: &[&DaemonPod]) -> String {
    let names: Vec<&str> = pods.iter().map(|p| p.name.as_str()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => format!(
            "; pod {one} is released (the selector no longer selects its labels) and keeps running, owned by no one"
        ),
        _ => format!(
            "; pods {} are released (the selector no longer selects their labels) and keep running, owned by no one",
            names.join(", ")
        ),
    }
}

fn blocked_reason(selection: &str, verdict: &Verdict) -> String {
    format!(
        "{selection}, but {} keeps the pod off",
        untolerated_words(verdict)
    )
}

/// `taint a:NoSchedule is not tolerated` / `taints a, b are not tolerated`.
fn untolerated_words(verdict: &Verdict) -> String {
    let list: Vec<String> = verdict.untolerated.iter().map(|t| t.to_string()).collect();
    match list.as_slice() {
        [one] => format!("untolerated taint {one}"),
        _ => format!("untolerated taints {}", list.join(", ")),
    }
}

/// `; tolerates a:NoSchedule, b:NoExecute (the controller's toleration)`.
fn tolerated_words(verdict: &Verdict) -> String {
    if verdict.tolerated.is_empty() {
        return String::new();
    }
    let list: Vec<String> = verdict
        .tolerated
        .iter()
        .map(|(taint, origin)| match origin {
            Origin::Template => taint.to_string(),
            Origin::Controller => format!("{taint} (the controller's toleration)"),
        })
        .collect();
    format!("; tolerates {}", list.join(", "))
}

fn plan_prune(live: &LiveDaemonSet, pods: &PodIndex) -> (DaemonSetPlan, Vec<Placement>) {
    let labels = live.daemonset.metadata.labels.clone().unwrap_or_default();
    let key = format!("{}/{}", live.namespace, live.name);
    // Deleting the DaemonSet deletes the pods it owns (the garbage collector follows
    // their ownerReferences); orphans it has not adopted stay.
    let placements = pods
        .claimed(&live.namespace, &live.name, Some(live), &live.daemonset)
        .into_iter()
        .filter(|(_, pods)| pods.iter().any(|p| !p.terminating && p.owner.is_some()))
        .map(|(node, _)| Placement {
            daemonset: key.clone(),
            node: node.to_string(),
            action: Action::Delete,
            reason:
                "the DaemonSet is managed by everynode and no longer rendered: pruned with its pods"
                    .to_string(),
            notable: true,
        })
        .collect();
    (
        DaemonSetPlan {
            namespace: live.namespace.clone(),
            name: live.name.clone(),
            daemon: labels.get(LABEL_DAEMON).cloned(),
            class: labels.get(LABEL_CLASS).cloned(),
            source: live.source.clone(),
            change: Change::Delete,
            desired: 0,
            rollout: None,
        },
        placements,
    )
}

/// The parts of a normalized DaemonSet a change to which is an update: labels,
/// annotations and spec.
fn comparable(object: &Value) -> [Value; 3] {
    [
        object["metadata"]["labels"].clone(),
        object["metadata"]["annotations"].clone(),
        object["spec"].clone(),
    ]
}
