//! `coverage`: which daemon runs on which node pool, the pools that would miss one, and the
//! daemon pods' requests every node of a pool pays (DESIGN.md, "Coverage, as JSON").
//!
//! For pools of existing nodes the answer is placement itself (`NodeShouldRunDaemonPod` on
//! every node). For a Karpenter NodePool, which describes many possible nodes, it is decided
//! statically, as `daemon_overlap` decides overlaps: each key a DaemonSet's selection reads
//! is either fixed by the pool, left to the instance within the pool's requirements, or
//! absent; a requirement then holds on every node of the pool, on some, or on none. No node
//! is invented.

pub mod pools;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::Serialize;

use everynode_k8s::apimachinery::Quantity;
use everynode_k8s::objects::{Node, Taint, template_request};
use everynode_k8s::placement::{DaemonPodTemplate, decides};
use everynode_k8s::selector::{self, Matcher, NODE_NAME, Operator, Requirement, Term};
use k8s_openapi::api::core::v1::PodSpec;

use crate::compare::Desired;
use crate::diagnostic::count;
use pools::{Members, NodeTemplate, Pool};

/// The API version of the coverage document.
pub const COVERAGE_API_VERSION: &str = "everynode.dev/v1alpha1";

/// The coverage document; its schema is `schemas/coverage.schema.json`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields, title = "everynode coverage")]
pub struct Coverage {
    /// Always `everynode.dev/v1alpha1`.
    pub api_version: String,
    /// Always `Coverage`.
    pub kind: String,
    /// The recording's pools, then the `--node-pool` ones, each by name.
    pub pools: Vec<PoolCoverage>,
    /// Every daemon (`app.kubernetes.io/name`, else the DaemonSet's `namespace/name`), by
    /// name: the matrix has a row for each, also one that reaches no pool.
    #[serde(skip)]
    #[schemars(skip)]
    pub daemons: Vec<String>,
}

/// One pool and what runs there.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PoolCoverage {
    pub name: String,
    /// `file:line:column` of a NodePool, the node file, or the recording.
    pub source: String,
    /// `Nodes` (a recording's or a node file's) or `NodePool`.
    pub kind: String,
    /// How many nodes; null for a NodePool.
    pub nodes: Option<usize>,
    /// DaemonSets that run on all or some of its nodes, or are blocked there; by
    /// namespace and name.
    pub daemonsets: Vec<Cell>,
    /// The most a node of the pool pays in daemon pods: per daemon the largest request of
    /// its DaemonSets that run there, summed; `pods` is the number of daemons. Canonical
    /// quantities (cpu in cores or millicores, memory in bytes with a suffix).
    pub requests: BTreeMap<String, String>,
    /// The smallest allocatable among the pool's nodes of cpu, memory, pods and the
    /// resources the daemon pods request (those every node offers); null for a NodePool.
    pub allocatable: Option<BTreeMap<String, String>>,
    /// Cordoned nodes (placement still runs daemon pods there).
    #[serde(skip)]
    #[schemars(skip)]
    pub cordoned: usize,
    /// NotReady nodes (the not-ready taint keeps new daemon pods off).
    #[serde(skip)]
    #[schemars(skip)]
    pub not_ready: usize,
    /// DaemonSets that reach no node of the pool only because their selection reads a
    /// label its nodes lack when they start (one an agent adds later): worth a look,
    /// though no cell.
    #[serde(skip)]
    #[schemars(skip)]
    pub missed: Vec<Cell>,
    /// What a person must look at beside the `blocked` cells, in words (two copies of a
    /// daemon on a node, a tax that does not fit): each, like a blocked cell, makes the exit
    /// code 1.
    #[serde(skip)]
    #[schemars(skip)]
    pub attention: Vec<String>,
}

/// One DaemonSet on one pool.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Cell {
    /// `namespace/name`.
    pub daemonset: String,
    pub coverage: Reach,
    pub reason: String,
    /// The daemon (`app.kubernetes.io/name`; a plain DaemonSet without it is its own), for
    /// the matrix.
    #[serde(skip)]
    #[schemars(skip)]
    pub daemon: String,
    /// The class, when the DaemonSet is one.
    #[serde(skip)]
    #[schemars(skip)]
    pub class: Option<String>,
}

/// How much of a pool a DaemonSet reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    /// Every node of the pool runs it.
    All,
    /// Some nodes do: the reason names the requirement that splits them.
    Some,
    /// Its selection leaves the pool out.
    None,
    /// Its selection takes the pool in, a taint keeps it off.
    Blocked,
}

impl Reach {
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::All => "all",
            Reach::Some => "some",
            Reach::None => "none",
            Reach::Blocked => "blocked",
        }
    }
}

impl Coverage {
    /// Whether any cell or pool needs a person (exit code 1): a daemon whose own selection
    /// takes a pool in but a taint blocks it, a node that could run two DaemonSets of one
    /// daemon, a tax that does not fit the allocatable.
    pub fn needs_attention(&self) -> bool {
        self.pools.iter().any(|p| p.needs_attention())
    }
}

impl PoolCoverage {
    /// How many things in this pool need a person.
    pub fn attention_count(&self) -> usize {
        self.attention.len()
            + self
                .daemonsets
                .iter()
                .filter(|c| c.coverage == Reach::Blocked)
                .count()
    }

    /// Whether anything in this pool needs a person.
    pub fn needs_attention(&self) -> bool {
        self.attention_count() > 0
    }
}

/// The keys the DaemonSets' node selections read: what tells unlabelled nodes apart.
pub fn read_keys(desired: &[Desired]) -> BTreeSet<String> {
    desired
        .iter()
        .filter_map(|d| d.daemonset.spec.as_ref()?.template.spec.as_ref())
        .flat_map(selector::node_selection)
        .flatten()
        .map(|r| r.key)
        .filter(|k| k != NODE_NAME)
        .collect()
}

/// A DaemonSet as coverage reads it, worked out once for every pool.
struct Prepared<'d> {
    /// `namespace/name`.
    key: String,
    /// `app.kubernetes.io/name`, else `namespace/name`.
    daemon: String,
    class: Option<String>,
    /// Its node selection as ORed terms (`selector::node_selection`).
    terms: Vec<Term>,
    template: DaemonPodTemplate<'d>,
    /// What one pod requests, per resource (cpu, memory, extended).
    requests: BTreeMap<String, Quantity>,
    /// The other DaemonSets of its daemon whose selections can both hold on one node
    /// (`selector::overlap`), by index: the same for every NodePool, so decided once.
    overlapping: Vec<usize>,
    /// Which of the distinct node selections (`terms`) of all DaemonSets this is: a
    /// fleet's classes repeat a few selections over every daemon, so a NodePool decides
    /// each distinct selection once.
    selection: usize,
}

impl<'d> Prepared<'d> {
    fn new(d: &'d Desired) -> Option<Self> {
        let spec = d.daemonset.spec.as_ref()?.template.spec.as_ref()?;
        Some(Prepared {
            key: format!("{}/{}", d.namespace, d.name),
            daemon: d
                .daemon_name()
                .map_or_else(|| format!("{}/{}", d.namespace, d.name), str::to_string),
            class: d.class.clone(),
            terms: selector::node_selection(spec),
            template: DaemonPodTemplate::from_spec(spec),
            requests: resources(spec)
                .into_iter()
                .filter_map(|r| Some((r.clone(), template_request(spec, &r)?)))
                .collect(),
            overlapping: Vec::new(),
            selection: 0,
        })
    }
}

/// The coverage of `pools` by the DaemonSets that should exist.
pub fn coverage(desired: &[Desired], pools: &[Pool]) -> Coverage {
    let mut prepared: Vec<Prepared> = desired.iter().filter_map(Prepared::new).collect();
    prepared.sort_by(|a, b| a.key.cmp(&b.key));
    for i in 0..prepared.len() {
        let overlapping: Vec<usize> = (0..prepared.len())
            .filter(|&j| {
                j != i
                    && prepared[j].daemon == prepared[i].daemon
                    && selector::overlap(&prepared[i].terms, &prepared[j].terms)
            })
            .collect();
        prepared[i].overlapping = overlapping;
    }
    // Distinct selections, each by the first DaemonSet that has it.
    let mut firsts: Vec<usize> = Vec::new();
    for i in 0..prepared.len() {
        let id = match firsts
            .iter()
            .position(|&f| prepared[f].terms == prepared[i].terms)
        {
            Some(id) => id,
            None => {
                firsts.push(i);
                firsts.len() - 1
            }
        };
        prepared[i].selection = id;
    }
    let selections = firsts.len();
    // Pools are independent: on every core, results in input order.
    let mut pools: Vec<PoolCoverage> = crate::parallel::on_every_core(
        pools,
        8,
        |_| 1,
        |part| {
            part.iter()
                .map(|p| pool_coverage(&prepared, selections, p))
                .collect::<Vec<_>>()
        },
    )
    .into_iter()
    .flatten()
    .collect();
    // The recording's pools first, then the hypothetical ones; each by name.
    pools.sort_by(|a, b| (a.kind != "Nodes", &a.name).cmp(&(b.kind != "Nodes", &b.name)));
    let mut daemons: Vec<String> = prepared.iter().map(|p| p.daemon.clone()).collect();
    daemons.sort_unstable();
    daemons.dedup();
    Coverage {
        api_version: COVERAGE_API_VERSION.to_string(),
        kind: "Coverage".to_string(),
        pools,
        daemons,
    }
}

/// One pool's cells, requests and what needs a person; `selections` is how many distinct
/// node selections `prepared` has (`Prepared::selection`).
fn pool_coverage(prepared: &[Prepared], selections: usize, pool: &Pool) -> PoolCoverage {
    // A NodePool's answer to each distinct selection, decided when first needed.
    let mut decided: Vec<Option<(Reach, String)>> = vec![None; selections];
    let mut cells = Vec::new();
    // Indexes into `prepared` of the cells, in order.
    let mut reaching = Vec::new();
    let mut missed = Vec::new();
    let mut attention = Vec::new();
    for (i, d) in prepared.iter().enumerate() {
        let (reach, reason) = match &pool.members {
            Members::Nodes(nodes) => on_nodes(d, nodes),
            Members::Template(template) => {
                let selected =
                    decided[d.selection].get_or_insert_with(|| selection_reach(&d.terms, template));
                on_template(d, template, selected)
            }
        };
        let cell = Cell {
            daemonset: d.key.clone(),
            coverage: reach,
            reason,
            daemon: d.daemon.clone(),
            class: d.class.clone(),
        };
        if reach == Reach::Some && cell.reason.contains(TAINT_KEEPS) {
            attention.push(format!("{}: {}", cell.daemonset, cell.reason));
        }
        if reach == Reach::None {
            if cell.reason.contains(ABSENT) {
                missed.push(cell);
            }
            continue;
        }
        cells.push(cell);
        reaching.push(i);
    }
    attention.extend(two_copies(prepared, pool, &cells, &reaching));
    let (requests, daemons) = tax(prepared, &cells, &reaching);
    let mut requests_text: BTreeMap<String, String> = requests
        .iter()
        .map(|(r, q)| (r.clone(), q.to_string()))
        .collect();
    requests_text.insert("pods".to_string(), daemons.to_string());
    let (nodes, allocatable, cordoned, not_ready) = match &pool.members {
        Members::Nodes(nodes) => {
            let smallest = smallest_allocatable(nodes);
            for (resource, q) in &requests {
                match smallest.get(resource) {
                    Some(a) if q > a => attention.push(format!(
                        "the daemon pods of a node request {q} {resource}, more than the {a} its smallest node can allocate"
                    )),
                    // cpu and memory a recording may leave out; an extended resource a
                    // node does not offer keeps the pod Pending.
                    None if !matches!(resource.as_str(), "cpu" | "memory") => attention.push(format!(
                        "the daemon pods request {q} {resource}, which not every node of the pool offers: they stay Pending there"
                    )),
                    _ => {}
                }
            }
            if let Some(pods) = smallest.get("pods")
                && Quantity::parse(&daemons.to_string()).is_ok_and(|d| d > *pods)
            {
                attention.push(format!(
                    "{daemons} daemon pods per node, more than the {pods} pods its smallest node can run"
                ));
            }
            (
                Some(nodes.len()),
                // What the tax is compared with: cpu, memory, pods, and what is requested.
                Some(
                    smallest
                        .iter()
                        .filter(|(r, _)| {
                            matches!(r.as_str(), "cpu" | "memory" | "pods")
                                || requests.contains_key(*r)
                        })
                        .map(|(r, q)| (r.clone(), q.to_string()))
                        .collect(),
                ),
                nodes.iter().filter(|n| n.unschedulable).count(),
                nodes.iter().filter(|n| n.ready == Some(false)).count(),
            )
        }
        Members::Template(_) => (None, None, 0, 0),
    };
    PoolCoverage {
        name: pool.name.clone(),
        source: pool.source.clone(),
        kind: pool.kind().to_string(),
        nodes,
        daemonsets: cells,
        requests: requests_text,
        allocatable,
        cordoned,
        not_ready,
        attention,
        missed,
    }
}

/// The words of a reason that says an untolerated taint keeps the pod off some nodes of a
/// pool its selection takes in: a gap, as a blocked cell is.
const TAINT_KEEPS: &str = "untolerated taint";

/// The words of a `none` reason whose cause is a label the pool's nodes lack when they
/// start: the mistake autoscalers make, shown even though the cell is empty.
const ABSENT: &str = "do not carry";

/// Placement on every node of a pool that exists.
fn on_nodes(d: &Prepared, nodes: &[Node]) -> (Reach, String) {
    let template = &d.template;
    let mut running = 0;
    let mut off: Option<String> = None;
    // Each distinct set of untolerated taints, with the first node that has it: a pool
    // may hold nodes tainted in different ways, and each is a cause to fix.
    let mut taints_seen: Vec<(String, &str)> = Vec::new();
    for node in nodes {
        let verdict = template.evaluate(node);
        if verdict.should_run {
            running += 1;
        } else if verdict.fits_node_name && verdict.fits_selection {
            let taints: Vec<String> = verdict.untolerated.iter().map(|t| t.to_string()).collect();
            let taints = taints.join(", ");
            if !taints_seen.iter().any(|(t, _)| *t == taints) {
                taints_seen.push((taints, &node.name));
            }
        } else if off.is_none() {
            off = template
                .explain(node)
                .selection_failure()
                .map(|why| format!("not on {}: {why}", node.name));
        }
    }
    const SHOWN: usize = 3;
    let blocked = (!taints_seen.is_empty()).then(|| {
        let mut each: Vec<String> = taints_seen
            .iter()
            .take(SHOWN)
            .map(|(taints, node)| format!("untolerated taint {taints} (on {node})"))
            .collect();
        if taints_seen.len() > SHOWN {
            each.push(format!("and {} more taint sets", taints_seen.len() - SHOWN));
        }
        each.join("; ")
    });
    let total = nodes.len();
    match (running, blocked) {
        (r, _) if r == total && total > 0 => {
            (Reach::All, format!("runs on all {}", count(total, "node")))
        }
        (0, Some(why)) => (Reach::Blocked, why),
        (0, None) => (Reach::None, off.unwrap_or_default()),
        (r, blocked) => (
            Reach::Some,
            format!(
                "runs on {r} of {}; {}",
                count(total, "node"),
                blocked.or(off).unwrap_or_default()
            ),
        ),
    }
}

/// How much of a NodePool's nodes a node selection (ORed terms) takes in. Each term is
/// decided alone (for its reason); when the best of them reaches only some nodes, the
/// terms together may still reach all (`amd64` in one, `arm64` in the other, on a pool of
/// both), which [`union_reach`] decides.
fn selection_reach(terms: &[Term], pool: &NodeTemplate) -> (Reach, String) {
    let mut best: Option<(Reach, String)> = None;
    // The terms that reach part of the pool.
    let mut partial: Vec<&Term> = Vec::new();
    for term in terms {
        let answer = term_reach(term, pool);
        if answer.0 == Reach::Some {
            partial.push(term);
        }
        if best.as_ref().is_none_or(|(r, _)| answer.0 < *r) {
            best = Some(answer);
        }
    }
    match best {
        Some((Reach::Some, _)) if partial.len() > 1 => match union_reach(terms, pool) {
            Some(Reach::All) => (
                Reach::All,
                "every node of the pool matches one of its selection's terms".to_string(),
            ),
            decided => {
                // Thousands of terms are named by their first few.
                const TERMS_SHOWN: usize = 3;
                let mut each: Vec<String> = partial
                    .iter()
                    .take(TERMS_SHOWN)
                    .map(|t| t.iter().map(describe).collect::<Vec<_>>().join(" and "))
                    .collect();
                if partial.len() > TERMS_SHOWN {
                    each.push(format!(
                        "one of {} more terms holds",
                        partial.len() - TERMS_SHOWN
                    ));
                }
                let undecided = if decided.is_none() {
                    "undecided: its terms are too many to decide together, or read a key the pool leaves undecided; "
                } else {
                    ""
                };
                (
                    Reach::Some,
                    format!("{undecided}only where {}", each.join("; or where ")),
                )
            }
        },
        Some(best) => best,
        None => (Reach::None, "its node selection is empty".to_string()),
    }
}

/// The most requirement checks [`union_reach`] makes (combinations of representative
/// values times the requirements of the terms): far more than real selections need (a
/// few keys, a few values each), few enough to stay well under a second per pool.
const UNION_WORK: usize = 1 << 20;

/// Whether ORed terms together hold on every, some or no node of the pool: evaluated on
/// every combination of one representative per class of values of each key the terms
/// read ([`representatives`]), which is exact since each requirement reads one key.
/// `None` when that cannot be decided: a key the pool's requirements leave undecided, or
/// more than [`UNION_WORK`] checks.
fn union_reach(terms: &[Term], pool: &NodeTemplate) -> Option<Reach> {
    let terms: Vec<&Term> = terms.iter().collect();
    let mut keys: Vec<&str> = Vec::new();
    for r in terms.iter().copied().flatten() {
        if !keys.contains(&r.key.as_str()) {
            keys.push(&r.key);
        }
    }
    if keys.iter().any(|k| pool.undecided.contains(*k)) {
        return None;
    }
    let values: Vec<Vec<Option<Cow<str>>>> = keys
        .iter()
        .map(|key| {
            let on_key: Vec<&Requirement> = terms
                .iter()
                .copied()
                .flatten()
                .filter(|r| r.key == *key)
                .collect();
            representatives(key, &on_key, pool)
        })
        .collect();
    let checks: usize = terms.iter().map(|t| t.len()).sum();
    let combinations = values
        .iter()
        .try_fold(1usize, |n, v| n.checked_mul(v.len()))
        .filter(|&n| n.saturating_mul(checks.max(1)) <= UNION_WORK)?;
    // Each term's requirements with the index of their key.
    let indexed: Vec<Vec<(usize, &Requirement)>> = terms
        .iter()
        .map(|t| {
            t.iter()
                .map(|r| (keys.iter().position(|k| *k == r.key).unwrap_or(0), r))
                .collect()
        })
        .collect();
    let mut held = 0;
    for mut n in 0..combinations {
        // Combination `n` in mixed radix: one value per key.
        let mut chosen: Vec<Option<&str>> = Vec::with_capacity(keys.len());
        for v in &values {
            chosen.push(v[n % v.len()].as_deref());
            n /= v.len();
        }
        if indexed
            .iter()
            .any(|term| term.iter().all(|(k, r)| r.holds_value(chosen[*k])))
        {
            held += 1;
        }
    }
    Some(match held {
        0 => Reach::None,
        n if n == combinations => Reach::All,
        _ => Reach::Some,
    })
}

/// The static answer for the nodes a NodePool may launch, given what the DaemonSet's
/// selection takes in (`selection_reach`): then its taints.
fn on_template(d: &Prepared, pool: &NodeTemplate, selected: &(Reach, String)) -> (Reach, String) {
    let (reach, reason) = selected.clone();
    if reach == Reach::None {
        return (reach, reason);
    }
    let template = &d.template;
    let untolerated: Vec<&Taint> = pool
        .taints
        .iter()
        .filter(|t| decides(t) && template.tolerated_by(t).is_none())
        .collect();
    if !untolerated.is_empty() {
        let list: Vec<String> = untolerated.iter().map(|t| t.to_string()).collect();
        return (
            Reach::Blocked,
            format!("untolerated taint {}", list.join(", ")),
        );
    }
    // Startup taints (and Karpenter's own until the node registers) go away once the
    // node is ready: the daemon covers the pool, later.
    let waits: Vec<String> = pool
        .startup_taints
        .iter()
        .filter(|t| decides(t) && template.tolerated_by(t).is_none())
        .map(|t| t.to_string())
        .collect();
    let mut when = Vec::new();
    if !waits.is_empty() {
        when.push(format!("startup taint {} is removed", waits.join(", ")));
    }
    let mut reason = reason;
    if !when.is_empty() {
        if !reason.is_empty() {
            reason.push_str("; ");
        }
        reason.push_str(&format!("starts once {}", when.join(" and ")));
    }
    (reach, reason)
}

/// How much of the pool one ANDed term reaches: per key, the requirements of the term on
/// that key against what the pool allows there.
fn term_reach(term: &Term, pool: &NodeTemplate) -> (Reach, String) {
    let mut keys: Vec<&str> = Vec::new();
    for r in term {
        if !keys.contains(&r.key.as_str()) {
            keys.push(&r.key);
        }
    }
    let mut split: Vec<String> = Vec::new();
    let mut undecided: Vec<&str> = Vec::new();
    for key in keys {
        let on_key: Vec<&Requirement> = term.iter().filter(|r| r.key == key).collect();
        // Said only when it decides the answer: most keys hold on every node.
        let words = || {
            on_key
                .iter()
                .map(|r| describe(r))
                .collect::<Vec<_>>()
                .join(" and ")
        };
        match key_reach(key, &on_key, pool) {
            Reach::None => {
                let why = if key == NODE_NAME {
                    "it names nodes by name, and a NodePool's nodes have names no one knows yet"
                        .to_string()
                } else if pool.labels.contains_key(key)
                    || pool.constrained.contains_key(key)
                    || pool.always_present(key)
                    || pool.instance_label(key)
                {
                    format!(
                        "its selection needs {}, which the pool's nodes never have",
                        words()
                    )
                } else if ["karpenter.k8s.aws/", "karpenter.azure.com/"]
                    .iter()
                    .any(|p| key.starts_with(p))
                {
                    format!(
                        "its selection needs {}, another cloud's instance label, which the pool's nodes never have",
                        words()
                    )
                } else {
                    format!(
                        "its selection needs {}, and the pool's nodes {ABSENT} {key} when they start (a label an agent adds later is not there yet)",
                        words()
                    )
                };
                return (Reach::None, why);
            }
            // Every key that splits the pool is named: the nodes it runs on meet them all.
            // A list of instance types is said as far as the pool can launch them.
            Reach::Some => {
                if pool.undecided.contains(key) {
                    undecided.push(key);
                }
                let launchable: Vec<Requirement> = on_key
                    .iter()
                    .map(|r| {
                        let mut r = (*r).clone();
                        if matches!(r.operator, Operator::In | Operator::NotIn) {
                            r.values.retain(|v| pool.allows_implied(key, v));
                        }
                        r
                    })
                    // A NotIn of types the pool never launches holds on all of it.
                    .filter(|r| !(r.operator == Operator::NotIn && r.values.is_empty()))
                    .collect();
                split.push(
                    launchable
                        .iter()
                        .map(describe)
                        .collect::<Vec<_>>()
                        .join(" and "),
                );
            }
            _ => {}
        }
    }
    match (split.is_empty(), undecided.first()) {
        (false, Some(key)) => (
            Reach::Some,
            format!(
                "undecided: the pool's requirement on {key} uses an operator everynode does not model; only where {}",
                split.join(" and ")
            ),
        ),
        (false, None) => (Reach::Some, format!("only where {}", split.join(" and "))),
        (true, _) => (
            Reach::All,
            "every node of the pool matches its selection".to_string(),
        ),
    }
}

/// `kubernetes.io/arch In [arm64]`.
fn describe(r: &Requirement) -> String {
    let key = if r.key == NODE_NAME {
        "metadata.name"
    } else {
        &r.key
    };
    // A list of thousands of values is named by its first few.
    const SHOWN: usize = 8;
    let values = if r.values.len() > SHOWN {
        format!(
            "{}, and {} more",
            r.values[..SHOWN].join(", "),
            r.values.len() - SHOWN
        )
    } else {
        r.values.join(", ")
    };
    match r.operator {
        Operator::Exists | Operator::DoesNotExist => format!("{key} {}", r.operator.as_str()),
        _ => format!("{key} {} [{values}]", r.operator.as_str()),
    }
}

/// Whether requirements on one key hold for every, some or no node of the pool: decided
/// on the [`representatives`] of the values a node may carry there.
fn key_reach(key: &str, on_key: &[&Requirement], pool: &NodeTemplate) -> Reach {
    if pool.undecided.contains(key) {
        return Reach::Some;
    }
    let candidates = representatives(key, on_key, pool);
    let holds = |value: &Option<Cow<str>>| on_key.iter().all(|r| r.holds_value(value.as_deref()));
    match candidates.iter().filter(|v| holds(v)).count() {
        0 => Reach::None,
        n if n == candidates.len() => Reach::All,
        _ => Reach::Some,
    }
}

/// The values a node of the pool may carry on `key` (`None`: no such label), one
/// representative of each class the requirements `on_key` and the pool's own on that
/// key can tell apart: each value they name, each integer bound and its neighbours, a
/// value none names, and no label at all; only those the pool allows.
fn representatives<'a>(
    key: &str,
    on_key: &[&'a Requirement],
    pool: &'a NodeTemplate,
) -> Vec<Option<Cow<'a, str>>> {
    // A node a NodePool launches has a name no requirement can know: one no list names.
    if key == NODE_NAME {
        return vec![Some(Cow::Borrowed(OTHER))];
    }
    if let Some(value) = pool.labels.get(key) {
        return vec![Some(Cow::Borrowed(value))];
    }
    let allowed: &[Requirement] = match pool.constrained.get(key) {
        Some(allowed) => allowed,
        // A well-known or provider label the requirements leave open: any value (and, for
        // one only some instance types carry, none).
        None if pool.always_present(key) || pool.instance_label(key) => &[],
        // A label the pool's nodes do not carry.
        None => return vec![None],
    };
    // Integers and their neighbours matter only to Gt and Lt: most keys need none, and
    // no value is copied for them.
    let numeric = on_key
        .iter()
        .copied()
        .chain(allowed.iter())
        .any(|r| matches!(r.operator, Operator::Gt | Operator::Lt));
    let mut values: Vec<Cow<str>> = vec![Cow::Borrowed(OTHER)];
    for r in on_key.iter().copied().chain(allowed.iter()) {
        for v in &r.values {
            values.push(Cow::Borrowed(v));
            if let (true, Ok(n)) = (numeric, v.parse::<i64>()) {
                values.push(Cow::Owned(n.saturating_sub(1).to_string()));
                values.push(Cow::Owned(n.saturating_add(1).to_string()));
            }
        }
    }
    if numeric {
        values.push(Cow::Owned(i64::MIN.to_string()));
        values.push(Cow::Owned(i64::MAX.to_string()));
    }
    values.sort_unstable();
    values.dedup();
    // A well-known label (Kubernetes', Karpenter's, the cloud provider's) is on every node
    // Karpenter launches; another key the requirements constrain may be absent where they
    // allow it (NotIn, DoesNotExist), since Karpenter writes a label only for a single
    // `In` value.
    let mut candidates: Vec<Option<Cow<str>>> = values.into_iter().map(Some).collect();
    if !pool.always_present(key) {
        candidates.push(None);
    }
    // One value of each class: values every requirement (the selection's and the pool's)
    // answers alike are interchangeable. A `NotIn` of thousands of values is one class,
    // not thousands; the lists are hashed once, so this is linear in the values.
    let selection: Vec<Matcher> = on_key.iter().map(|r| r.matcher()).collect();
    let pool_side: Vec<Matcher> = allowed.iter().map(Requirement::matcher).collect();
    let mut seen: std::collections::HashSet<Vec<bool>> = std::collections::HashSet::new();
    candidates.retain(|v| {
        let v = v.as_deref();
        pool_side.iter().all(|m| m.holds_value(v))
            // An instance type (or family) the pool's other instance labels rule out.
            && v.is_none_or(|v| v == OTHER || pool.allows_implied(key, v))
            && seen.insert(selection.iter().map(|m| m.holds_value(v)).collect())
    });
    candidates
}

/// A label value no requirement names (a control character keeps it from being a real
/// one): the class of every value the lists leave out.
const OTHER: &str = "\u{1}other";

/// A node of the pool that could run two DaemonSets of one daemon: for nodes, found on a
/// node; for a NodePool, two of its DaemonSets that reach the pool and whose selections
/// can both hold (`selector::overlap`). `reaching[i]` is the prepared DaemonSet of
/// `cells[i]`.
fn two_copies(
    prepared: &[Prepared],
    pool: &Pool,
    cells: &[Cell],
    reaching: &[usize],
) -> Vec<String> {
    let mut by_daemon: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (c, cell) in cells.iter().enumerate() {
        if cell.coverage != Reach::Blocked {
            by_daemon.entry(&cell.daemon).or_default().push(c);
        }
    }
    let mut out = Vec::new();
    for (daemon, members) in by_daemon {
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                let (a, b) = (&prepared[reaching[i]], &prepared[reaching[j]]);
                let both = match &pool.members {
                    Members::Nodes(nodes) => nodes
                        .iter()
                        .find(|n| {
                            a.template.evaluate(n).should_run && b.template.evaluate(n).should_run
                        })
                        .map(|n| format!("node {}", n.name)),
                    Members::Template(_) => a
                        .overlapping
                        .contains(&reaching[j])
                        .then(|| "a node both selections can hold on".to_string()),
                };
                if let Some(node) = both {
                    out.push(format!(
                        "{} and {} (daemon {daemon}) can both run on {node}: two copies",
                        a.key, b.key
                    ));
                }
            }
        }
    }
    out
}

/// Per resource, for each daemon the largest request among its DaemonSets that run on the
/// pool (`all` or `some`), summed over daemons; and how many daemons that is.
fn tax(
    prepared: &[Prepared],
    cells: &[Cell],
    reaching: &[usize],
) -> (BTreeMap<String, Quantity>, usize) {
    let mut per_daemon: BTreeMap<&str, BTreeMap<&str, Quantity>> = BTreeMap::new();
    for (cell, &i) in cells.iter().zip(reaching) {
        if !matches!(cell.coverage, Reach::All | Reach::Some) {
            continue;
        }
        let largest = per_daemon.entry(&cell.daemon).or_default();
        for (resource, q) in &prepared[i].requests {
            let slot = largest.entry(resource).or_insert(*q);
            if *q > *slot {
                *slot = *q;
            }
        }
    }
    let mut sum: BTreeMap<String, Quantity> = BTreeMap::new();
    for requests in per_daemon.values() {
        for (resource, q) in requests {
            sum.entry(resource.to_string())
                .and_modify(|s| *s = s.add(q))
                .or_insert(*q);
        }
    }
    (sum, per_daemon.len())
}

/// Every resource a pod spec's containers request or limit (cpu, memory, extended).
fn resources(spec: &PodSpec) -> BTreeSet<String> {
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .filter_map(|c| c.resources.as_ref())
        .flat_map(|r| r.requests.iter().chain(r.limits.iter()))
        .flat_map(|m| m.keys().cloned())
        .collect()
}

/// The smallest allocatable of each resource among the nodes: only resources every node
/// offers (a GPU pool's nodes without GPUs offer none).
fn smallest_allocatable(nodes: &[Node]) -> BTreeMap<String, Quantity> {
    let mut out: BTreeMap<String, Quantity> = match nodes.first() {
        Some(first) => first.allocatable.clone(),
        None => return BTreeMap::new(),
    };
    for node in &nodes[1..] {
        out.retain(|resource, smallest| match node.allocatable.get(resource) {
            Some(q) => {
                if q < smallest {
                    *smallest = *q;
                }
                true
            }
            None => false,
        });
    }
    out
}
