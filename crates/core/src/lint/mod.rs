//! `lint`: every finding about a repository of descriptions and plain DaemonSet
//! manifests. It gathers what compiling finds (descriptions), checks manifests as the API
//! server and a strict schema would, adds quality rules (requests, image tags), the rules
//! only a view of several objects can have (selector, daemon and host-port overlaps), and,
//! given a recorded cluster, the rules that need nodes. Then it sets aside what inline
//! comments and the configuration file silence.

mod dead;
pub mod suppress;

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use everynode_k8s::apimachinery::Quantity;
use everynode_k8s::objects::{Cluster, container_request, template_request};
use everynode_k8s::placement::DaemonPodTemplate;
use everynode_k8s::selector::{self, label_selector_matches};
use everynode_k8s::validation;

use crate::compare::{self, Action, Desired};
use crate::diagnostic::{self, Code, Diagnostic, Severity, count};
use crate::pipeline::{self, Compiled};
use crate::source::{SourceFile, pointer};
pub use suppress::Config;

/// A finding set aside, and what silenced it.
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub finding: Diagnostic,
    /// `comment`, or the configuration file (with the reason it gives).
    pub by: String,
}

/// What lint found.
#[derive(Debug, Default)]
pub struct Linted {
    /// Sorted by file, position and rule.
    pub findings: Vec<Diagnostic>,
    pub suppressed: Vec<Suppressed>,
    /// How many files were read.
    pub files: usize,
}

/// How many nodes a finding names before it says "and N more".
const NODES_NAMED: usize = 3;

/// What lint reads: the files compiled, and the DaemonSets that should exist with the
/// problems found making them. Owned by the caller, which may end the process without
/// freeing them piece by piece.
pub struct Inputs {
    pub files: Vec<Arc<SourceFile>>,
    pub compiled: Compiled,
    pub desired: Vec<Desired>,
    problems: Vec<Diagnostic>,
}

impl Inputs {
    pub fn new(files: &[Arc<SourceFile>]) -> Inputs {
        let mut compiled = pipeline::compile(files);
        let rendered = std::mem::take(&mut compiled.rendered);
        let (desired, problems) = compare::desired(rendered, &compiled.parsed.manifests);
        Inputs {
            files: files.to_vec(),
            compiled,
            desired,
            problems,
        }
    }
}

/// Lints the inputs; `cluster` adds the rules that need nodes.
pub fn lint(inputs: &Inputs, cluster: Option<&Cluster>, config: &Config) -> Linted {
    let (compiled, desired) = (&inputs.compiled, &inputs.desired[..]);
    let mut findings = compiled.diagnostics.clone();
    let schema_failures = manifest_schema(&compiled.parsed.manifests, &mut findings);
    for problem in &inputs.problems {
        let mut problem = problem.clone();
        match problem.code {
            // Plan reads a removed version as what it converts to; no cluster serving a
            // supported Kubernetes version accepts it, so for lint it is an error.
            Code::removed_api_version => {
                problem.severity = Severity::Error;
                problem.help = Some(
                    "change apiVersion to apps/v1 (and give the DaemonSet a spec.selector)"
                        .to_string(),
                );
            }
            // The strict schema above says all of these, and the unknown fields too.
            Code::schema_violation => continue,
            // A manifest the strict schema already refused would say the same again.
            Code::invalid_field
                if problem.message.starts_with("not a valid DaemonSet")
                    && problem
                        .file
                        .as_ref()
                        .is_some_and(|f| schema_failures.contains(&f.name())) =>
            {
                continue;
            }
            _ => {}
        }
        findings.push(problem);
    }
    for file in &inputs.files {
        findings.extend(suppress::unknown_rules(file));
    }
    for d in desired {
        images_and_requests(d, &mut findings);
    }
    for d in desired {
        dead::dead_node_selections(d, &mut findings);
        surge_host_port(d, &mut findings);
    }
    overlaps(desired, &mut findings);
    if let Some(cluster) = cluster {
        on_nodes(desired, cluster, config.slow_rollout_waves, &mut findings);
    }
    let mut linted = Linted {
        files: inputs.files.len(),
        ..Linted::default()
    };
    let mut commented: BTreeMap<String, bool> = BTreeMap::new();
    for finding in diagnostic::sorted(findings) {
        let has = finding.file.as_ref().is_some_and(|file| {
            *commented
                .entry(file.name())
                .or_insert_with(|| suppress::has_comments(file))
        });
        match config.silences(&finding, has) {
            Some(by) => linted.suppressed.push(Suppressed { finding, by }),
            None => linted.findings.push(finding),
        }
    }
    linted
}

/// Checks every plain manifest against the DaemonSet JSON Schema with unknown fields
/// refused (as `kubeconform --strict` does). Returns the files that failed.
fn manifest_schema(
    manifests: &[crate::parse::ParsedManifest],
    findings: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut failed = Vec::new();
    for manifest in manifests {
        let problems = compare::schema_problems(manifest, true);
        if !problems.is_empty() {
            failed.push(manifest.file.name());
            findings.extend(problems);
        }
    }
    failed
}

/// Every container (init containers too) requests cpu and memory, and names an image by
/// a tag other than `latest`, or by digest.
fn images_and_requests(d: &Desired, findings: &mut Vec<Diagnostic>) {
    let Some(spec) = d
        .daemonset
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
    else {
        return;
    };
    for (list, containers) in validation::container_lists(spec) {
        for (i, container) in containers.iter().enumerate() {
            let at = pointer(&pointer("/spec/template/spec", list), i);
            // A pod gets its limits as requests where it names none (SetDefaults_Pod).
            let missing: Vec<&str> = ["cpu", "memory"]
                .into_iter()
                .filter(|r| container_request(container, r).is_none())
                .collect();
            if !missing.is_empty() {
                findings.push(
                    Diagnostic::new(
                        Code::missing_requests,
                        format!(
                            "{}: container {} requests no {}",
                            key(d),
                            container.name,
                            missing.join(" and no ")
                        ),
                    )
                    .at(&d.file, d.span_of(&format!("{at}/resources")), "no requests")
                    .with_help("a daemon pod without requests is scheduled as if free and is evicted first under pressure: set resources.requests.cpu and .memory"),
                );
            }
            if let Some(image) = &container.image
                && let Some(why) = loose_image(image)
            {
                findings.push(
                    Diagnostic::new(
                        Code::image_latest,
                        format!("{}: container {} image {image} {why}", key(d), container.name),
                    )
                    .at(&d.file, d.span_of(&format!("{at}/image")), "no fixed version")
                    .with_help("pin a version tag (or a digest), so every node runs the same build and a rollout is a change you can see"),
                );
            }
        }
    }
}

/// Why an image reference names no fixed version, if it does not.
fn loose_image(image: &str) -> Option<&'static str> {
    if image.contains('@') {
        return None; // a digest
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => Some("has no tag, which means latest"),
        Some((_, "latest")) => Some("is tagged latest"),
        Some(_) => None,
    }
}

fn key(d: &Desired) -> String {
    format!("{}/{}", d.namespace, d.name)
}

/// Whether `a`'s selector selects the pods `b` creates (its template's labels).
fn selects_pods_of(a: &Desired, b: &Desired) -> bool {
    let selector = a.daemonset.spec.as_ref().map(|s| &s.selector);
    let labels = b
        .daemonset
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.labels.as_ref());
    match (selector, labels) {
        (Some(selector), Some(labels)) => label_selector_matches(selector, labels),
        _ => false,
    }
}

fn pod_spec(d: &Desired) -> Option<&PodSpec> {
    d.daemonset.spec.as_ref()?.template.spec.as_ref()
}

/// Host ports a pod takes on its node: (port, protocol). With hostNetwork every container
/// port is a host port.
fn host_ports(spec: &PodSpec) -> Vec<(i32, String)> {
    let host_network = spec.host_network == Some(true);
    let mut ports: Vec<(i32, String)> = spec
        .containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .filter_map(|p| {
            let port = p
                .host_port
                .filter(|&h| h > 0)
                .or(host_network.then_some(p.container_port))?;
            Some((port, p.protocol.clone().unwrap_or_else(|| "TCP".into())))
        })
        .collect();
    ports.sort();
    ports.dedup();
    ports
}

/// The JSON pointer of the container port that takes `port`/`protocol` on the node.
fn host_port_at(d: &Desired, port: i32, protocol: &str) -> String {
    let Some(spec) = pod_spec(d) else {
        return "/spec/template/spec".into();
    };
    let host_network = spec.host_network == Some(true);
    for (i, container) in spec.containers.iter().enumerate() {
        for (j, p) in container.ports.iter().flatten().enumerate() {
            let taken = p
                .host_port
                .filter(|&h| h > 0)
                .or(host_network.then_some(p.container_port));
            if taken == Some(port) && p.protocol.as_deref().unwrap_or("TCP") == protocol {
                return format!("/spec/template/spec/containers/{i}/ports/{j}");
            }
        }
    }
    "/spec/template/spec/containers".into()
}

/// What two DaemonSets have in common that makes their node selections matter.
#[derive(Default)]
struct Shared {
    /// They run one daemon.
    daemon: bool,
    /// The host ports (port, protocol) both take.
    host_ports: Vec<(i32, String)>,
}

/// The rules across objects. Node selections are compared only for the pairs that could
/// matter, two DaemonSets of one daemon or two that take one host port, so a repository
/// of hundreds of DaemonSets is not compared pair by pair.
fn overlaps(desired: &[Desired], findings: &mut Vec<Diagnostic>) {
    // Selectors: within a namespace, does one select the other's pods?
    let mut by_namespace: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in desired.iter().enumerate() {
        by_namespace.entry(&d.namespace).or_default().push(i);
    }
    for members in by_namespace.values() {
        for (x, &j) in members.iter().enumerate() {
            for &i in &members[..x] {
                let (a, b) = (&desired[i], &desired[j]);
                if a.name == b.name {
                    continue; // duplicate_daemonset says it
                }
                // Two controllers fight when one's selector selects the other's pods.
                if selects_pods_of(a, b) || selects_pods_of(b, a) {
                    findings.push(
                        Diagnostic::new(
                            Code::selector_overlap,
                            format!("{} and {} ({}) select each other's pods", key(b), key(a), a.source),
                        )
                        .at(&b.file, b.span_of("/spec/selector"), "selects another DaemonSet's pods")
                        .with_help("two controllers that select one pod fight over it: give each DaemonSet's pods a label the other's selector excludes"),
                    );
                }
            }
        }
    }
    // The pairs whose node selections matter, and why.
    let mut by_daemon: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut by_port: BTreeMap<(i32, String), Vec<usize>> = BTreeMap::new();
    for (i, d) in desired.iter().enumerate() {
        if let Some(name) = d.daemon_name() {
            by_daemon.entry(name).or_default().push(i);
        }
        for port in pod_spec(d).map(host_ports).unwrap_or_default() {
            by_port.entry(port).or_default().push(i);
        }
    }
    let mut pairs: BTreeMap<(usize, usize), Shared> = BTreeMap::new();
    let mut pairs_of = |members: &[usize], f: &mut dyn FnMut(&mut Shared)| {
        for (x, &j) in members.iter().enumerate() {
            for &i in &members[..x] {
                let same = (&desired[i].namespace, &desired[i].name)
                    == (&desired[j].namespace, &desired[j].name);
                if !same {
                    f(pairs.entry((i.min(j), i.max(j))).or_default());
                }
            }
        }
    };
    for members in by_daemon.values() {
        pairs_of(members, &mut |p| p.daemon = true);
    }
    for (port, members) in &by_port {
        pairs_of(members, &mut |p| p.host_ports.push(port.clone()));
    }
    let mut selections: BTreeMap<usize, Vec<selector::Term>> = BTreeMap::new();
    let mut selection = |i: usize| {
        selections
            .entry(i)
            .or_insert_with(|| {
                pod_spec(&desired[i])
                    .map(selector::node_selection)
                    .unwrap_or_default()
            })
            .clone()
    };
    for (
        (i, j),
        Shared {
            daemon: same_daemon,
            host_ports: ports,
        },
    ) in pairs
    {
        let (a, b) = (&desired[i], &desired[j]);
        if !selector::overlap(&selection(i), &selection(j)) {
            continue;
        }
        if same_daemon {
            findings.push(
                Diagnostic::new(
                    Code::daemon_overlap,
                    format!(
                        "{} and {} ({}) both run daemon {}, and some node matches both",
                        key(b),
                        key(a),
                        a.source,
                        a.daemon_name().unwrap_or_default()
                    ),
                )
                .at(&b.file, b.span_of("/spec/template/spec"), "can share a node with another copy")
                .with_help("make their node selections disjoint (one class per hardware kind), or the node runs two copies"),
            );
        }
        for (port, protocol) in ports {
            findings.push(
                Diagnostic::new(
                    Code::host_port_collision,
                    format!(
                        "{} and {} ({}) both take host port {port}/{protocol}, and some node matches both",
                        key(b),
                        key(a),
                        a.source
                    ),
                )
                .at(&b.file, b.span_of(&host_port_at(b, port, &protocol)), "host port taken twice")
                .with_help("the second pod on such a node cannot start: move one port, or make the node selections disjoint"),
            );
        }
    }
}

/// `surge_host_port`: a DaemonSet that surges (`AllowsSurge`) and takes a host port, or
/// uses the host network with a container port. The surge pod is bound to the node of the
/// old pod, which still holds the port, so it never starts; once maxSurge nodes wait for
/// theirs the rollout stops (kubernetes/kubernetes#106417, never fixed upstream, and the
/// API server accepts the combination). Needs no cluster.
fn surge_host_port(d: &Desired, findings: &mut Vec<Diagnostic>) {
    let Some(spec) = d.daemonset.spec.as_ref() else {
        return;
    };
    let strategy = spec.update_strategy.as_ref();
    if !everynode_k8s::rollout::allows_surge(strategy) {
        return;
    }
    let Some(port) = spec
        .template
        .spec
        .as_ref()
        .and_then(compare::rollout::host_port)
    else {
        return;
    };
    let surge = strategy
        .and_then(|s| s.rolling_update.as_ref())
        .and_then(|r| r.max_surge.as_ref())
        .map(|v| match v {
            IntOrString::Int(n) => n.to_string(),
            IntOrString::String(p) => p.clone(),
        })
        .unwrap_or_default();
    findings.push(
        Diagnostic::new(
            Code::surge_host_port,
            format!("{}: {}", key(d), compare::rollout::surge_host_port_message(&surge, &port)),
        )
        .at(&d.file, d.span_of(STRATEGY), "maxSurge here")
        .with_help("use maxSurge 0 with maxUnavailable (the old pod goes first and frees the port), or drop the host port"),
    );
}

/// Where lint reports a rollout's findings: the update strategy.
const STRATEGY: &str = "/spec/updateStrategy/rollingUpdate/maxSurge";

/// The plan's rollout stalls that need the nodes (`surge_no_room`, `slow_rollout`,
/// `rollout_stuck`), as findings at the update strategy; `surge_host_port` is lint's own
/// rule above.
fn rollout_stalls(desired: &[Desired], plan: &compare::Plan, findings: &mut Vec<Diagnostic>) {
    for d in desired {
        let Some(rollout) = plan
            .daemonsets
            .iter()
            .find(|p| p.namespace == d.namespace && p.name == d.name)
            .and_then(|p| p.rollout.as_ref())
        else {
            continue;
        };
        for stall in &rollout.stalls {
            let Some(code) = Code::ALL.iter().find(|c| c.as_str() == stall.code) else {
                continue;
            };
            if *code == Code::surge_host_port {
                continue;
            }
            let nodes: Vec<&str> = stall.nodes.iter().map(String::as_str).collect();
            let on = if nodes.is_empty() {
                String::new()
            } else {
                format!(" ({})", named(&nodes))
            };
            let help = match code {
                Code::slow_rollout => {
                    "raise maxUnavailable (a percentage scales with the nodes), or use maxSurge; the limit is lint.slowRolloutWaves in .everynode.yaml"
                }
                Code::rollout_stuck => {
                    "look at why the new pods are not ready on those nodes (kubectl describe pod); the rollout goes on once they are"
                }
                _ => {
                    "lower the pod's requests, or use maxSurge 0 with maxUnavailable so that the old pod goes first"
                }
            };
            findings.push(
                Diagnostic::new(*code, format!("{}: {}{on}", key(d), stall.message))
                    .at(&d.file, d.span_of(STRATEGY), "the update strategy")
                    .with_help(help),
            );
        }
    }
}

/// The rules that need the nodes: nodes a DaemonSet selects but cannot reach, nodes that
/// would run two copies of one daemon, nodes whose daemon pods request more than they can
/// allocate, and orphan pods two DaemonSets would adopt.
fn on_nodes(
    desired: &[Desired],
    cluster: &Cluster,
    slow_waves: usize,
    findings: &mut Vec<Diagnostic>,
) {
    // Orphans of the recording that two DaemonSets would adopt.
    findings.extend(compare::contested_orphans(desired, cluster));
    // A template nodeName no node of the recording has: as plan warns.
    findings.extend(compare::unknown_template_nodes(desired, cluster));
    let plan = compare::plan(desired, cluster, slow_waves);
    rollout_stalls(desired, &plan, findings);
    let mut blocked: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in &plan.placements {
        if p.action == Action::Blocked {
            blocked.entry(&p.daemonset).or_default().push(&p.node);
        }
    }
    for d in desired {
        let k = key(d);
        if let Some(nodes) = blocked.get(k.as_str()) {
            let reason = plan
                .placements
                .iter()
                .find(|p| p.daemonset == k && p.action == Action::Blocked)
                .map(|p| p.reason.clone())
                .unwrap_or_default();
            findings.push(
                Diagnostic::new(
                    Code::unreachable_nodes,
                    format!(
                        "{k} selects {} it cannot run on: {} ({reason})",
                        count(nodes.len(), "node"),
                        named(nodes)
                    ),
                )
                .at(&d.file, d.span_of("/spec/template/spec"), "taints keep it off")
                .with_help("tolerate the taint if the daemon belongs there, or exclude those nodes from its node selection"),
            );
        }
    }
    let templates: Vec<Option<DaemonPodTemplate>> = desired
        .iter()
        .map(|d| DaemonPodTemplate::new(&d.daemonset))
        .collect();
    let mut copies: BTreeMap<(usize, usize), Vec<&str>> = BTreeMap::new();
    // Nodes whose daemon pods overflow one resource, grouped by the DaemonSets running
    // there: (resource, DaemonSets) -> (node, requested, allocatable) per node.
    type Overflow<'n> = Vec<(&'n str, Quantity, Quantity)>;
    let mut overcommitted: BTreeMap<(&str, Vec<usize>), Overflow> = BTreeMap::new();
    for node in &cluster.nodes {
        let running: Vec<usize> = templates
            .iter()
            .enumerate()
            .filter(|(_, t)| t.as_ref().is_some_and(|t| t.evaluate(node).should_run))
            .map(|(i, _)| i)
            .collect();
        for (x, &j) in running.iter().enumerate() {
            for &i in &running[..x] {
                if desired[i].daemon_name().is_some()
                    && desired[i].daemon_name() == desired[j].daemon_name()
                {
                    copies.entry((i, j)).or_default().push(&node.name);
                }
            }
        }
        for resource in ["cpu", "memory"] {
            let Some(allocatable) = node.allocatable.get(resource) else {
                continue;
            };
            let total = running
                .iter()
                .filter_map(|&i| pod_request(&desired[i], resource))
                .map(|(q, _)| q)
                .reduce(|a, b| a.add(&b));
            if let Some(total) = total.filter(|t| t > allocatable) {
                overcommitted
                    .entry((resource, running.clone()))
                    .or_default()
                    .push((&node.name, total, *allocatable));
            }
        }
    }
    for ((i, j), nodes) in copies {
        let (a, b) = (&desired[i], &desired[j]);
        findings.push(
            Diagnostic::new(
                Code::two_copies,
                format!(
                    "{} and {} ({}) both run daemon {} on {}: {}",
                    key(b),
                    key(a),
                    a.source,
                    b.daemon_name().unwrap_or_default(),
                    count(nodes.len(), "node"),
                    named(&nodes)
                ),
            )
            .at(&b.file, b.span_of("/spec/template/spec"), "a second copy")
            .with_help("make their node selections disjoint, so every node runs one copy"),
        );
    }
    for ((resource, running), nodes) in overcommitted {
        // Said at the largest request among them: the one most worth lowering.
        let requests: Vec<(usize, Quantity, String)> = running
            .iter()
            .filter_map(|&i| pod_request(&desired[i], resource).map(|(q, c)| (i, q, c)))
            .collect();
        let Some((largest, _, container)) = requests.iter().max_by_key(|(_, q, _)| *q) else {
            continue;
        };
        let d = &desired[*largest];
        let (first, total, allocatable) = &nodes[0];
        let names: Vec<&str> = nodes.iter().map(|(n, ..)| *n).collect();
        let from = requests
            .iter()
            .map(|(i, q, _)| format!("{} {q}", key(&desired[*i])))
            .collect::<Vec<_>>()
            .join(", ");
        findings.push(
            Diagnostic::new(
                Code::requests_exceed_allocatable,
                format!(
                    "the daemon pods of {} request more {resource} than the node can allocate: {} (on {first}: {total} > {allocatable}, from {from})",
                    count(names.len(), "node"),
                    named(&names)
                ),
            )
            .at(
                &d.file,
                d.span_of(&pointer(container, resource)),
                "the largest request there",
            )
            .with_help("daemon pods that do not fit stay Pending: lower the requests, or give those nodes a class with smaller ones"),
        );
    }
}

/// What one pod of this DaemonSet requests of a resource, as the scheduler counts it
/// (`objects::pod_request`, `PodRequests`), with the JSON pointer of the container asking
/// the most.
fn pod_request(d: &Desired, resource: &str) -> Option<(Quantity, String)> {
    let spec = pod_spec(d)?;
    let total = template_request(spec, resource)?;
    let at = |list: &str, i: usize| format!("/spec/template/spec/{list}/{i}/resources/requests");
    let init = spec.init_containers.iter().flatten().enumerate();
    let largest = init
        .map(|(i, c)| (container_request(c, resource), at("initContainers", i)))
        .chain(
            spec.containers
                .iter()
                .enumerate()
                .map(|(i, c)| (container_request(c, resource), at("containers", i))),
        )
        .filter_map(|(q, at)| Some((q?, at)))
        .reduce(|a, b| if b.0 > a.0 { b } else { a });
    Some((total, largest?.1))
}

/// `a, b, c and 4 more`.
fn named(nodes: &[&str]) -> String {
    let shown = nodes
        .iter()
        .take(NODES_NAMED)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    match nodes.len().saturating_sub(NODES_NAMED) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}
