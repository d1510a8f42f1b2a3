//! Node pools: the nodes of a recording grouped as their cloud groups them, and pools that do
//! not exist yet, given as Nodes or as a Karpenter `NodePool` (karpenter.sh/v1).
//!
//! A NodePool describes many possible nodes. What such a node carries when it starts is
//! its template labels, the labels its requirements fix (a single `In` value), and the
//! labels Karpenter writes itself (the pool's name, and the well-known labels of the
//! instance it launches: os, arch, instance type, zone, capacity type, …, each within what
//! the requirements allow). Any other label is absent: one that an agent such as GPU
//! feature discovery adds later is not there when the node starts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::Value;

use everynode_k8s::apimachinery;
use everynode_k8s::objects::{Node, Taint};
use everynode_k8s::selector::{Operator, Requirement, ValuesProblem};
use everynode_k8s::validation;

use crate::diagnostic::{Code, Diagnostic};
use crate::parse::yaml11;
use crate::source::{SourceFile, Span};

/// The labels that name a node's pool, in the order they are looked for: Karpenter, EKS
/// managed node groups, eksctl, AKS (two spellings), GKE.
pub const POOL_LABELS: [&str; 6] = [
    "karpenter.sh/nodepool",
    "eks.amazonaws.com/nodegroup",
    "alpha.eksctl.io/nodegroup-name",
    "kubernetes.azure.com/agentpool",
    "agentpool",
    "cloud.google.com/gke-nodepool",
];

/// The labels every node Karpenter launches carries, with a value the instance decides
/// (within the NodePool's requirements) unless the pool fixes it: Karpenter's
/// `WellKnownLabels` (sigs.k8s.io/karpenter pkg/apis/v1/labels.go) and the kubelet's
/// `kubernetes.io/hostname`. Their `node.kubernetes.io/windows-build` is left out: only a
/// Windows instance has it, so a NodePool's requirements must say it to decide on it.
pub const KARPENTER_WELL_KNOWN: [&str; 8] = [
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "kubernetes.io/hostname",
    "node.kubernetes.io/instance-type",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "karpenter.sh/capacity-type",
    "karpenter.sh/nodepool",
];

/// The AWS provider's instance labels every instance type carries (the generated
/// instance-types page of karpenter-provider-aws, website/content/en/*/concepts/
/// instance-types.md, lists them for every type); the GPU, accelerator, local NVMe and
/// bandwidth labels only some types carry.
const AWS_EVERY_INSTANCE: [&str; 6] = [
    "karpenter.k8s.aws/instance-category",
    "karpenter.k8s.aws/instance-cpu",
    "karpenter.k8s.aws/instance-family",
    "karpenter.k8s.aws/instance-generation",
    "karpenter.k8s.aws/instance-memory",
    "karpenter.k8s.aws/instance-size",
];

/// The cloud a NodePool's nodes run in, from its `nodeClassRef.group`: which provider's
/// instance labels they carry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Provider {
    /// `karpenter.k8s.aws`: EC2 instances.
    Aws,
    /// `karpenter.azure.com`: Azure VMs.
    Azure,
    /// Another NodeClass group: either provider's labels may be there.
    #[default]
    Unknown,
}

impl Provider {
    /// The provider of a NodeClass API group.
    pub fn of_group(group: &str) -> Self {
        match group {
            "karpenter.k8s.aws" => Provider::Aws,
            "karpenter.azure.com" => Provider::Azure,
            _ => Provider::Unknown,
        }
    }

    fn may_be(self, other: Provider) -> bool {
        self == other || self == Provider::Unknown
    }
}

/// `node.kubernetes.io/instance-type`.
const INSTANCE_TYPE: &str = "node.kubernetes.io/instance-type";
const AWS_CATEGORY: &str = "karpenter.k8s.aws/instance-category";
const AWS_FAMILY: &str = "karpenter.k8s.aws/instance-family";
const AWS_GENERATION: &str = "karpenter.k8s.aws/instance-generation";
const AWS_SIZE: &str = "karpenter.k8s.aws/instance-size";

/// The AWS instance labels a value of `key` decides, as Karpenter's AWS provider derives
/// them from the instance type's name (`computeRequirements` in
/// aws/karpenter-provider-aws pkg/providers/instancetype/types.go): the category is the
/// leading letters and the generation the digits after them (and after a `-NNtb`), as
/// `(^[a-z]+)(\-[0-9]+tb)?([0-9]+).*\.` matches the name; the family and size are the
/// name's two parts around its one `.`. From an instance type (`g5.xlarge`: category g,
/// generation 5, family g5, size xlarge), or from a family (`g5`: category g, generation
/// 5). Empty for another key, or a name of another form (another cloud's).
pub fn implied_labels(key: &str, value: &str) -> Vec<(&'static str, String)> {
    let name = match key {
        INSTANCE_TYPE => value.to_string(),
        // A family is the part of a name before its `.`.
        AWS_FAMILY => format!("{value}.x"),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    let letters = name.bytes().take_while(u8::is_ascii_lowercase).count();
    let mut rest = &name[letters..];
    if let Some(after) = rest.strip_prefix('-') {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with("tb") {
            rest = &after[digits + 2..];
        }
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if letters > 0 && digits > 0 && rest[digits..].contains('.') {
        out.push((AWS_CATEGORY, name[..letters].to_string()));
        out.push((AWS_GENERATION, rest[..digits].to_string()));
    }
    if key == INSTANCE_TYPE
        && let Some((family, size)) = value.split_once('.')
        && !size.contains('.')
    {
        out.push((AWS_FAMILY, family.to_string()));
        out.push((AWS_SIZE, size.to_string()));
    }
    out
}

impl NodeTemplate {
    /// Whether every node the pool launches carries this label: the well-known ones, and
    /// on EC2 the instance labels every instance type has (`karpenter.k8s.aws/instance-family`, …).
    pub fn always_present(&self, key: &str) -> bool {
        KARPENTER_WELL_KNOWN.contains(&key)
            || (self.provider.may_be(Provider::Aws) && AWS_EVERY_INSTANCE.contains(&key))
    }

    /// Whether the pool's cloud writes this label on the instances that have what it says
    /// (`karpenter.k8s.aws/instance-gpu-count` on GPU instances): present with any value
    /// the requirements allow, or absent, on a node of a pool that leaves it open. Another
    /// cloud's instance labels are never there.
    pub fn instance_label(&self, key: &str) -> bool {
        (self.provider.may_be(Provider::Aws) && key.starts_with("karpenter.k8s.aws/"))
            || (self.provider.may_be(Provider::Azure) && key.starts_with("karpenter.azure.com/"))
    }

    /// Whether a node of the pool may carry `key=value`: its fixed label, if any, is that
    /// value, and the requirements on the key allow it.
    pub fn allows(&self, key: &str, value: &str) -> bool {
        self.labels.get(key).is_none_or(|fixed| fixed == value)
            && self
                .constrained
                .get(key)
                .is_none_or(|on_key| on_key.iter().all(|r| r.holds_value(Some(value))))
    }

    /// Whether an instance of the pool may have the value `value` on `key` as far as its
    /// cloud's names go: on EC2 an instance type is `family.size` and implies the labels
    /// [`implied_labels`] gives (`g5.xlarge` is not an instance of a pool kept to
    /// categories c, m and r); on Azure an instance type is a VM size, `Standard_…` or
    /// `Basic_…` (the corpus's AKS nodes write `Standard_D4s_v3`, and `standard_nd40rs_v2`
    /// in lower case), so `m5.large` is none.
    pub fn allows_implied(&self, key: &str, value: &str) -> bool {
        match self.provider {
            Provider::Unknown => true,
            Provider::Aws => {
                (key != INSTANCE_TYPE || value.contains('.'))
                    && implied_labels(key, value)
                        .iter()
                        .all(|(implied, v)| self.allows(implied, v))
            }
            Provider::Azure => {
                let lower = value.to_ascii_lowercase();
                key != INSTANCE_TYPE
                    || lower.starts_with("standard_")
                    || lower.starts_with("basic_")
            }
        }
    }
}

/// Labels Karpenter adds once the node has joined (`karpenter.sh/registered`) and its
/// startup taints are gone (`karpenter.sh/initialized`).
pub const KARPENTER_JOINED: [&str; 2] = ["karpenter.sh/registered", "karpenter.sh/initialized"];

/// The taint Karpenter puts on a node until it registers (`UnregisteredNoExecuteTaint`,
/// NoExecute, sigs.k8s.io/karpenter pkg/apis/v1/taints.go).
pub const UNREGISTERED: &str = "karpenter.sh/unregistered";

/// A pool: nodes that exist, or the nodes a NodePool may launch.
#[derive(Debug, Clone)]
pub struct Pool {
    /// The pool label's value, the NodePool's name, or what distinguishes the nodes.
    pub name: String,
    /// Where it comes from: `file:line:column` of a NodePool, or the recording.
    pub source: String,
    pub members: Members,
}

/// What a pool is made of.
#[derive(Debug, Clone)]
pub enum Members {
    /// Nodes of a recording or a node file.
    Nodes(Vec<Node>),
    /// The nodes a NodePool may launch.
    Template(NodeTemplate),
}

/// The nodes a NodePool may launch, as far as placement can tell them apart.
#[derive(Debug, Clone, Default)]
pub struct NodeTemplate {
    /// Labels every node of the pool carries with this value.
    pub labels: BTreeMap<String, String>,
    /// Labels every node carries, with a value the pool does not fix, constrained by the
    /// requirements on that key (all of them hold).
    pub constrained: BTreeMap<String, Vec<Requirement>>,
    /// `spec.template.spec.taints`.
    pub taints: Vec<Taint>,
    /// `spec.template.spec.startupTaints`: gone once the node is initialized.
    pub startup_taints: Vec<Taint>,
    /// Keys whose requirements everynode cannot decide (an operator it does not model).
    pub undecided: BTreeSet<String>,
    /// The cloud of its NodeClass: on EC2 an instance type's name implies its other
    /// instance labels ([`implied_labels`]), and another cloud's labels are absent.
    pub provider: Provider,
}

impl Pool {
    /// `NodePool` or `Nodes` (DESIGN.md, "Coverage, as JSON").
    pub fn kind(&self) -> &'static str {
        match self.members {
            Members::Nodes(_) => "Nodes",
            Members::Template(_) => "NodePool",
        }
    }
}

/// The pools of a recording: nodes grouped by the first pool label they carry
/// ([`POOL_LABELS`]); nodes with none group by the labels `read` (the keys any DaemonSet's
/// node selection reads) and their lasting taints, named after what sets the groups apart.
/// By name.
pub fn recorded(nodes: &[Node], read: &BTreeSet<String>, source: &str) -> Vec<Pool> {
    let signature = |node: &Node| -> Vec<String> {
        let mut parts: Vec<String> = node
            .labels
            .iter()
            .filter(|(k, _)| read.contains(*k))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.extend(
            node.taints
                .iter()
                .filter(|t| lasting(t))
                .map(|t| t.to_string()),
        );
        parts
    };
    // An empty value names no pool.
    let pool_of = |node: &Node| {
        POOL_LABELS
            .iter()
            .find_map(|l| node.labels.get(*l).filter(|v| !v.is_empty()))
            .cloned()
    };
    // What every unlabelled node shares says nothing about which group a node is in.
    let mut shared: Option<BTreeSet<String>> = None;
    for node in nodes.iter().filter(|n| pool_of(n).is_none()) {
        let mine: BTreeSet<String> = signature(node).into_iter().collect();
        shared = Some(match shared {
            None => mine,
            Some(s) => s.intersection(&mine).cloned().collect(),
        });
    }
    let shared = shared.unwrap_or_default();
    let mut by_name: BTreeMap<String, Vec<Node>> = BTreeMap::new();
    for node in nodes {
        let name = pool_of(node).unwrap_or_else(|| {
            let apart: Vec<String> = signature(node)
                .into_iter()
                .filter(|p| !shared.contains(p))
                .collect();
            if apart.is_empty() {
                "(no pool label)".to_string()
            } else {
                format!("({})", apart.join(", "))
            }
        });
        by_name.entry(name).or_default().push(node.clone());
    }
    by_name
        .into_iter()
        .map(|(name, nodes)| Pool {
            name,
            source: source.to_string(),
            members: Members::Nodes(nodes),
        })
        .collect()
}

/// A taint that describes the node, not a passing condition: the node lifecycle
/// controller's `node.kubernetes.io/*` taints (not-ready, unreachable, pressure,
/// unschedulable, …) and Karpenter's `karpenter.sh/*` ones come and go on any node.
fn lasting(taint: &Taint) -> bool {
    !(taint.key.starts_with("node.kubernetes.io/") || taint.key.starts_with("karpenter.sh/"))
}

/// What a pool source holds before the DaemonSets are known: NodePools (each a pool) and
/// Nodes, which [`Found::pools`] groups as a recording's.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// The file's name, or the recording's: names the pools of its Nodes.
    pub source: String,
    pub node_pools: Vec<Pool>,
    pub nodes: Vec<Node>,
    /// Where each Node of a pool file is (`file:line:column` of its name): a Node given
    /// twice, in one file or two, is one Node to the API server.
    pub node_at: BTreeMap<String, String>,
}

impl Found {
    /// The NodePools, then the Nodes grouped as [`recorded`] groups a recording's, with
    /// `read` the keys the DaemonSets' selections read.
    pub fn pools(self, read: &BTreeSet<String>) -> Vec<Pool> {
        let mut pools = self.node_pools;
        pools.extend(recorded(&self.nodes, read, &self.source));
        pools
    }
}

/// Reads a `--node-pool` file: Karpenter NodePools, or Nodes as `kubectl get node -o yaml`
/// prints them. It does not depend on the descriptions, so it can be read while they
/// compile. Problems name the file, line and column.
pub fn from_file(file: &Arc<SourceFile>) -> (Found, Vec<Diagnostic>) {
    let mut found = Found {
        source: file.name(),
        ..Found::default()
    };
    let documents = match yaml11::documents(&file.text) {
        Ok(documents) => documents,
        Err(problem) => {
            return (
                found,
                vec![
                    Diagnostic::new(
                        Code::invalid_node_pool,
                        format!("{} is not YAML: {}", file.name(), problem.message),
                    )
                    .at(file, (problem.offset, 0), "here")
                    .with_help(problem.help),
                ],
            );
        }
    };
    let mut problems = Vec::new();
    let mut node_classes = 0;

    for document in &documents {
        // The API server leaves the kind and apiVersion out of a typed list's items (a
        // `NodeList` as the API returns it): they are the list's.
        let typed_list = |item: &Value| -> Value {
            let mut item = item.clone();
            let list_kind = document.value.get("kind").and_then(Value::as_str);
            if let (Some(kind), Value::Object(fields)) = (
                list_kind
                    .and_then(|k| k.strip_suffix("List"))
                    .filter(|k| !k.is_empty()),
                &mut item,
            ) {
                if !fields.contains_key("kind") {
                    fields.insert("kind".into(), Value::String(kind.to_string()));
                }
                if let Some(api) = document
                    .value
                    .get("apiVersion")
                    .filter(|_| !fields.contains_key("apiVersion"))
                {
                    fields.insert("apiVersion".into(), api.clone());
                }
            }
            item
        };
        let items: Vec<(String, Value)> = match document.value.get("kind").and_then(Value::as_str) {
            Some(list) if list.ends_with("List") => document.value["items"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, v)| (format!("/items/{i}"), typed_list(v)))
                .collect(),
            _ if document.value.is_null() => Vec::new(),
            _ => vec![(String::new(), document.value.clone())],
        };
        for (at, object) in &items {
            let (at, object) = (at.clone(), object);
            let span = document.spans.get(&at).unwrap_or((0, 0).into());
            let problem = |message: String, pointer: &str, help: &str| {
                Diagnostic::new(Code::invalid_node_pool, message)
                    .at(file, span_in(document, &at, pointer), "here")
                    .with_help(help.to_string())
            };
            let kind = object
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let api = object
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match (kind, api) {
                ("NodePool", "karpenter.sh/v1") => {
                    let (pool, mut wrong) = node_pool(object, &at, document, file);
                    found.node_pools.extend(pool);
                    problems.append(&mut wrong);
                }
                ("NodePool", other) => problems.push(problem(
                    format!("NodePool apiVersion {other:?} is not karpenter.sh/v1"),
                    "/apiVersion",
                    "write the NodePool as karpenter.sh/v1 (Karpenter 1.0 and later); older versions (v1beta1) convert with Karpenter's own migration guide",
                )),
                // The NodeClass a NodePool refers to (Karpenter's getting-started files put
                // both in one file): nothing in it decides which daemon runs.
                (class, api)
                    if class.ends_with("NodeClass")
                        && (api.starts_with("karpenter.k8s.aws/")
                            || api.starts_with("karpenter.azure.com/")) =>
                {
                    node_classes += 1;
                }
                ("Node", "v1") => {
                    let (node, mut wrong) = hand_written_node(object, &at, document, file);
                    if let Some(node) = node {
                        // Two Nodes of one name are one Node to the API server.
                        let here = document
                            .spans
                            .get(&format!("{at}/metadata/name"))
                            .unwrap_or(span);
                        match found.node_at.get(&node.name) {
                            Some(first) => problems.push(problem(
                                format!("a second Node named {} (the first is at {first})", node.name),
                                "/metadata/name",
                                "give each Node its own name",
                            )),
                            None => {
                                found.node_at.insert(node.name.clone(), file.location(here));
                                found.nodes.push(node);
                            }
                        }
                    }
                    problems.append(&mut wrong);
                }
                _ => problems.push(problem(
                    format!(
                        "a node pool file holds NodePools (karpenter.sh/v1) or Nodes (v1); this is kind {kind:?}, apiVersion {api:?}"
                    ),
                    "/kind",
                    "give Karpenter NodePools, or Nodes as `kubectl get node -o yaml` prints them",
                )),
            }
        }
    }
    if found.node_pools.is_empty() && found.nodes.is_empty() && problems.is_empty() {
        problems.push(
            Diagnostic::new(
                Code::invalid_node_pool,
                format!(
                    "{} holds no NodePool and no Node{}",
                    file.name(),
                    if node_classes > 0 { " (a NodeClass is skipped: it decides no daemon's placement)" } else { "" }
                ),
            )
                .at(file, (0, 0), "this file")
                .with_help("a node pool file holds Karpenter NodePools (karpenter.sh/v1) or Nodes as `kubectl get node -o yaml` prints them"),
        );
    }
    (found, problems)
}

/// Nodes of one name in two pool files: the API server would hold one of them.
pub fn duplicate_nodes(found: &[Found]) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, at) in found.iter().flat_map(|f| &f.node_at) {
        if let Some(first) = seen.insert(name, at) {
            problems.push(
                Diagnostic::new(
                    Code::invalid_node_pool,
                    format!("two Nodes are named {name}: at {first} and at {at}"),
                )
                .with_help("give each Node its own name: the API server holds one Node of a name"),
            );
        }
    }
    problems
}

/// Two pools of one kind and name (a NodePool given twice, or two files of one pool's
/// nodes): one column would hide the other.
pub fn duplicate_names(pools: &[Pool]) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    let mut problems = Vec::new();
    for pool in pools {
        if let Some(first) = seen.insert((pool.kind(), &pool.name), &pool.source) {
            problems.push(
                Diagnostic::new(
                    Code::invalid_node_pool,
                    format!(
                        "two {} are named {}: {first} and {}",
                        if pool.kind() == "Nodes" { "pools of Nodes" } else { "NodePools" },
                        pool.name,
                        pool.source
                    ),
                )
                .with_help(if pool.kind() == "Nodes" {
                    "nodes of two sources fall in one pool of this name: give each --node-pool file once, put nodes of one pool in one file, or give them a pool label (karpenter.sh/nodepool, …) that tells them apart"
                } else {
                    "give each --node-pool file once, and each NodePool its own name"
                }),
            );
        }
    }
    problems
}

/// Where the field at `pointer` within the object at `at` is written, or the object when
/// the field is not (a missing field is reported at its object).
fn span_in(document: &yaml11::Document, at: &str, pointer: &str) -> Span {
    document
        .spans
        .get(&format!("{at}{pointer}"))
        .or_else(|| document.spans.get(at))
        .unwrap_or((0, 0).into())
}

/// A Node written into a `--node-pool` file: its fields of the kinds the API has
/// ([`NODE`]), then what `ValidateNode` refuses, each at its line; the Node as a recording
/// reads it when nothing is wrong.
fn hand_written_node(
    object: &Value,
    at: &str,
    document: &yaml11::Document,
    file: &Arc<SourceFile>,
) -> (Option<Node>, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("(no name)")
        .to_string();
    let diagnostic = |pointer: &str, message: String, help: &str| {
        let span = span_in(document, at, pointer);
        Diagnostic::new(Code::invalid_node_pool, format!("Node {name}: {message}"))
            .at(file, span, "here")
            .with_help(help.to_string())
    };
    check_shape(
        object,
        "",
        "a Node",
        &NODE,
        &mut |pointer, message, help| {
            problems.push(diagnostic(pointer, message, help));
        },
    );
    // What the API server would refuse is refused here too: this Node stands for the
    // nodes of a pool, and a taint or allocatable no node can carry would decide the
    // matrix wrong.
    for v in validation::node::validate_node(object) {
        let message = format!("{}: {}", validation::field_path(&v.at), v.message);
        let mut refused = diagnostic(&v.at, message, v.help);
        // A label key's problem is shown at the key.
        if v.key
            && let Some(span) = document.spans.key(&format!("{at}{}", v.at))
        {
            refused = refused.at(file, span, "here");
        }
        problems.push(refused);
    }
    let named = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    if !named && object.pointer("/metadata/generateName").is_some() {
        problems.push(diagnostic(
            "/metadata",
            "a Node of a pool file needs metadata.name (generateName is for the API server to complete)".to_string(),
            "name the Node: everynode places pods by node name",
        ));
    }
    if !problems.is_empty() {
        return (None, problems);
    }
    match node(object) {
        Ok(node) => (Some(node), problems),
        Err(message) => (
            None,
            vec![diagnostic(
                "",
                format!("not a Node: {message}"),
                "a Node as `kubectl get node NAME -o yaml` prints it",
            )],
        ),
    }
}

/// A Node object, as the recording reads it.
fn node(object: &Value) -> Result<Node, String> {
    let mut loader = crate::state::Loader::default();
    let text = serde_json::to_string(object).map_err(|e| e.to_string())?;
    loader
        .add("node", text.as_bytes())
        .map_err(|d| d.message.clone())?;
    loader
        .finish()
        .nodes
        .pop()
        .ok_or_else(|| "no metadata.name".to_string())
}

/// A karpenter.sh/v1 NodePool: `metadata.name`, `spec.template.metadata.labels`,
/// `spec.template.spec.{taints, startupTaints, requirements}`; no pool when it has an
/// error, and the problems (a requirement it cannot decide is a warning).
fn node_pool(
    object: &Value,
    at: &str,
    document: &yaml11::Document,
    file: &Arc<SourceFile>,
) -> (Option<Pool>, Vec<Diagnostic>) {
    let mut warnings = Vec::new();
    let mut problems = Vec::new();
    let span_of = |pointer: &str| span_in(document, at, pointer);
    let mut problem = |pointer: &str, message: String, help: &str| {
        problems.push(
            Diagnostic::new(Code::invalid_node_pool, message)
                .at(file, span_of(pointer), "here")
                .with_help(help.to_string()),
        );
    };
    let name = match object.pointer("/metadata/name") {
        // Karpenter writes the name as the label karpenter.sh/nodepool: an object name
        // (a DNS subdomain) that is a label value too.
        Some(Value::String(name))
            if apimachinery::dns1123_subdomain(name).is_err()
                || apimachinery::label_value(name).is_err() =>
        {
            problem(
                "/metadata/name",
                format!("NodePool name {name:?} is not a DNS subdomain of at most 63 characters"),
                "name the NodePool with lowercase letters, digits, '-' and '.', at most 63 characters: Karpenter writes it as the label karpenter.sh/nodepool",
            );
            String::new()
        }
        Some(Value::String(name)) => name.clone(),
        Some(other @ (Value::Bool(_) | Value::Number(_))) => {
            problem(
                "/metadata/name",
                format!(
                    "metadata.name is {other}, not a string (YAML 1.1 reads y, no, on and numbers so)"
                ),
                "quote the name",
            );
            String::new()
        }
        _ => {
            problem(
                "/metadata",
                "the NodePool has no metadata.name".to_string(),
                "name the NodePool",
            );
            String::new()
        }
    };
    check_shape(object, "", "a NodePool", &NODE_POOL, &mut problem);
    // The schema's required fields (`required: [spec]`, `[template]`, `[spec]`,
    // `[nodeClassRef, requirements]`, and `[group, kind, name]` with the CEL rules that
    // none is empty): the outermost one missing is what to fix.
    const REQUIRED: [(&str, &str); 5] = [
        ("/spec", "a NodePool has a spec with a template"),
        (
            "/spec/template",
            "the spec has a template of the nodes it launches",
        ),
        (
            "/spec/template/spec",
            "the template has a spec with nodeClassRef and requirements",
        ),
        (
            "/spec/template/spec/nodeClassRef",
            "name the NodeClass its nodes launch from: nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}",
        ),
        (
            "/spec/template/spec/requirements",
            "give the requirements of its nodes (an empty list allows any instance): requirements: [{key: kubernetes.io/arch, operator: In, values: [amd64]}]",
        ),
    ];
    let given = |pointer: &str| object.pointer(pointer).is_some_and(|v| !v.is_null());
    for (pointer, help) in REQUIRED {
        let parent = &pointer[..pointer.rfind('/').unwrap_or(0)];
        if !given(pointer) && (parent.is_empty() || given(parent)) {
            let field = pointer.trim_start_matches('/').replace('/', ".");
            problem(
                parent,
                format!("{field} is required (Karpenter's schema refuses a NodePool without it)"),
                help,
            );
        }
    }
    if object
        .pointer("/spec/disruption")
        .is_some_and(Value::is_object)
        && !given("/spec/disruption/consolidateAfter")
    {
        problem(
            "/spec/disruption",
            "spec.disruption.consolidateAfter is required (Karpenter's schema refuses a disruption block without it)".to_string(),
            "say how long a node stays after it could be consolidated: consolidateAfter: 1m (or Never)",
        );
    }
    // A value of another kind is reported by `check_shape`.
    if let Some(Value::Object(class)) = object.pointer("/spec/template/spec/nodeClassRef") {
        for field in ["group", "kind", "name"] {
            if class
                .get(field)
                .is_none_or(|v| v.is_null() || v.as_str() == Some(""))
            {
                problem(
                    "/spec/template/spec/nodeClassRef",
                    format!(
                        "spec.template.spec.nodeClassRef.{field} is required and may not be empty"
                    ),
                    "nodeClassRef names the NodeClass by group, kind and name: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}",
                );
            }
        }
    }
    // A NodePool is cluster-scoped.
    if object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .is_some_and(|ns| !ns.is_empty())
    {
        problem(
            "/metadata/namespace",
            "metadata.namespace: a NodePool belongs to no namespace".to_string(),
            "leave metadata.namespace out",
        );
    }
    // The CRD's CEL rule on budgets: `self.all(x, has(x.schedule) == has(x.duration))`.
    let budgets = object.pointer("/spec/disruption/budgets");
    for (i, budget) in budgets
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let given = |field: &str| budget.get(field).is_some_and(|v| !v.is_null());
        if budget.is_object() && given("schedule") != given("duration") {
            problem(
                &format!("/spec/disruption/budgets/{i}"),
                format!("spec.disruption.budgets.{i}: 'schedule' must be set with 'duration'"),
                "a budget with a schedule holds for a duration from each start: give both, or neither for a budget that always holds",
            );
        }
    }
    let mut template = NodeTemplate::default();
    match object.pointer("/spec/template/metadata/labels") {
        None | Some(Value::Null) => {}
        Some(Value::Object(labels)) => {
            for (k, v) in labels {
                let at = format!("/spec/template/metadata/labels/{}", escape(k));
                if let Err(e) = apimachinery::label_key(k) {
                    problem(
                        &at,
                        format!("label key {k:?}: {e}"),
                        "a label key is a DNS subdomain prefix and a name of letters, digits, '-', '_' and '.'",
                    );
                    continue;
                }
                if let Some(why) = restricted(k, false) {
                    problem(
                        &at,
                        format!("template label {k}: {why}"),
                        "leave it out: Karpenter sets it, or refuses it",
                    );
                    continue;
                }
                match v.as_str() {
                    Some(v) if apimachinery::label_value(v).is_err() => problem(
                        &at,
                        format!("label {k} has value {v:?}, which is not a label value"),
                        "a label value is at most 63 characters of letters, digits, '-', '_' and '.'",
                    ),
                    Some(v) => {
                        template.labels.insert(k.clone(), v.to_string());
                    }
                    None => problem(
                        &format!("/spec/template/metadata/labels/{}", escape(k)),
                        format!("label {k} is not a string"),
                        "quote the value",
                    ),
                }
            }
        }
        Some(_) => problem(
            "/spec/template/metadata/labels",
            "spec.template.metadata.labels is not a mapping".to_string(),
            "labels map keys to string values",
        ),
    }
    for (field, out) in [
        ("taints", &mut template.taints),
        ("startupTaints", &mut template.startup_taints),
    ] {
        let pointer = format!("/spec/template/spec/{field}");
        let items = match object.pointer(&pointer) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(items)) => items,
            // Reported by `check_shape`.
            Some(_) => continue,
        };
        // Read as far as they go: a missing effect is one problem of several, each said
        // (`check_shape` reports an item that is not a mapping, or a field that is not a
        // string).
        let taints: Vec<Taint> = items.iter().map(Taint::read).collect();
        // Karpenter's CRD checks a taint's key, value and effect as the API server's
        // `validateNodeTaints` does, which refuses the node's taints anyway when they
        // repeat a key and effect: one rule for both.
        let well_formed = items.iter().all(|item| {
            item.as_object().is_some_and(|fields| {
                fields
                    .iter()
                    .all(|(name, v)| name == "timeAdded" || v.is_string() || v.is_null())
            })
        });
        if well_formed {
            for v in validation::node::node_taints(&taints, &pointer) {
                problem(
                    &v.at,
                    format!("{}: {}", validation::field_path(&v.at), v.message),
                    v.help,
                );
            }
        }
        out.extend(taints);
    }
    let requirements = match object.pointer("/spec/template/spec/requirements") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(items)) => items.as_slice(),
        // Reported by `check_shape`.
        Some(_) => &[][..],
    };
    // The schema's `maxItems: 100`.
    if requirements.len() > 100 {
        problem(
            "/spec/template/spec/requirements",
            format!(
                "spec.template.spec.requirements has {} items, more than the 100 Karpenter's schema allows",
                requirements.len()
            ),
            "join requirements on one key into one (In takes a list of values)",
        );
    }
    // Where each constrained key's first requirement is, for a contradiction's position.
    let mut first_at: BTreeMap<String, String> = BTreeMap::new();
    for (i, r) in requirements.iter().enumerate() {
        let pointer = format!("/spec/template/spec/requirements/{i}");
        if !r.is_object() {
            continue; // reported by `check_shape`
        }
        let key = match r.get("key") {
            Some(Value::String(key)) => key.as_str(),
            Some(other) => {
                problem(
                    &format!("{pointer}/key"),
                    format!("requirement key {other} is not a string"),
                    "quote the key",
                );
                continue;
            }
            None => "",
        };
        let operator = r
            .get("operator")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut values: Vec<String> = Vec::new();
        let mut not_strings = false;
        match r.get("values") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (j, v) in items.iter().enumerate() {
                    match v {
                        Value::String(text) => values.push(text.clone()),
                        other => {
                            not_strings = true;
                            problem(
                                &format!("{pointer}/values/{j}"),
                                format!("requirement value {other} is not a string"),
                                "quote it: a requirement's values are strings, numbers too",
                            );
                        }
                    }
                }
            }
            Some(other) => {
                not_strings = true;
                problem(
                    &format!("{pointer}/values"),
                    format!("requirement values {other} are not a list"),
                    "list the values: values: [a, b]",
                );
            }
        }
        if not_strings {
            continue;
        }
        if key.is_empty() {
            problem(
                &pointer,
                "a requirement has no key".to_string(),
                "give key, operator and values",
            );
            continue;
        }
        if let Err(e) = apimachinery::label_key(key) {
            problem(
                &format!("{pointer}/key"),
                format!("requirement key {key:?}: {e}"),
                "a requirement key is a label key",
            );
            continue;
        }
        if let Some(why) = restricted(key, true) {
            problem(
                &format!("{pointer}/key"),
                format!("requirement key {key}: {why}"),
                "leave it out: Karpenter sets it, or refuses it",
            );
            continue;
        }
        match Operator::parse(operator) {
            Some(op) if op.values_problem(&values).is_none() => {
                // The CRD's CEL rules (sigs.k8s.io/karpenter hack/validation/requirements.sh):
                // Gt and Lt take a non-negative integer, minValues at most as many values
                // as are listed.
                if matches!(op, Operator::Gt | Operator::Lt)
                    && values.first().is_some_and(|v| v.starts_with('-'))
                {
                    problem(
                        &format!("{pointer}/values"),
                        format!(
                            "requirement {key} {operator} {} takes a non-negative integer",
                            values[0]
                        ),
                        "Karpenter's requirements compare with integers from 0",
                    );
                    continue;
                }
                // minValues is an integer from 1 to 50 (the schema); with `In`, at most
                // as many as the values listed (`requirements with 'minValues' must have
                // at least that many values specified in the 'values' field`). With any
                // other operator it counts the values the instance types offer.
                match r.get("minValues") {
                    None | Some(Value::Null) => {}
                    Some(Value::Number(n))
                        if n.as_u64().is_some_and(|m| {
                            (1..=50).contains(&m)
                                && (op != Operator::In || m as usize <= values.len())
                        }) => {}
                    Some(other) => {
                        problem(
                            &format!("{pointer}/minValues"),
                            if op == Operator::In
                                && other.as_u64().is_some_and(|m| (1..=50).contains(&m))
                            {
                                format!(
                                    "requirement {key} In has minValues {other} and lists {}: at least that many values must be listed",
                                    crate::diagnostic::count(values.len(), "value")
                                )
                            } else {
                                format!(
                                    "requirement {key} has minValues {other}, which is not an integer from 1 to 50"
                                )
                            },
                            "minValues asks Karpenter for that many distinct values of the key among the instance types it may launch",
                        );
                        continue;
                    }
                }
                if let Some(bad) = values.iter().find(|v| {
                    matches!(op, Operator::In | Operator::NotIn)
                        && apimachinery::label_value(v).is_err()
                }) {
                    problem(
                        &format!("{pointer}/values"),
                        format!(
                            "requirement {key} {operator} has value {bad:?}, which is not a label value"
                        ),
                        "a label value is at most 63 characters of letters, digits, '-', '_' and '.'",
                    );
                    continue;
                }
                first_at
                    .entry(key.to_string())
                    .or_insert_with(|| pointer.clone());
                template
                    .constrained
                    .entry(key.to_string())
                    .or_default()
                    .push(Requirement {
                        key: key.to_string(),
                        operator: op,
                        values,
                    });
            }
            Some(op @ (Operator::Gt | Operator::Lt))
                if op.values_problem(&values) == Some(ValuesProblem::NotInteger) =>
            {
                problem(
                    &format!("{pointer}/values/0"),
                    format!(
                        "requirement {key} {operator} has value {:?}, which is not an integer",
                        values[0]
                    ),
                    "Gt and Lt compare the label as an integer: give one whole number from 0",
                )
            }
            Some(op) => problem(
                &format!("{pointer}/values"),
                format!(
                    "requirement {key} {operator} {}",
                    if values.is_empty() {
                        "has no values".to_string()
                    } else {
                        format!(
                            "has {}, which its operator does not take",
                            crate::diagnostic::count(values.len(), "value")
                        )
                    }
                ),
                match op {
                    Operator::In | Operator::NotIn => "In and NotIn take one value or more",
                    Operator::Exists | Operator::DoesNotExist => {
                        "Exists and DoesNotExist take no values"
                    }
                    Operator::Gt | Operator::Lt => "Gt and Lt take one integer",
                },
            ),
            None if !matches!(operator, "Gte" | "Lte") => problem(
                &format!("{pointer}/operator"),
                format!(
                    "requirement {key} has operator {operator:?}, which is not one Karpenter knows"
                ),
                "use In, NotIn, Exists, DoesNotExist, Gt, Lt, Gte or Lte",
            ),
            // Karpenter knows more operators than node affinity (Gte, Lte): everynode
            // does not guess what they allow.
            None => {
                template.undecided.insert(key.to_string());
                warnings.push(
                    Diagnostic::new(
                        Code::undecided_requirement,
                        format!(
                            "requirement {key} {operator} uses an operator everynode does not model: coverage that depends on {key} is reported as `some`, not decided"
                        ),
                    )
                    .at(file, span_of(&format!("{pointer}/operator")), "this operator")
                    .with_help("use In, NotIn, Exists, DoesNotExist, Gt or Lt to have it decided"),
                );
            }
        }
    }
    // A pool of listed instance types has only their categories, generations, families
    // and sizes (and a pool of listed families, their categories and generations): the
    // requirements the names imply, so that `instance-type In [m5.large]` is not counted
    // as a pool that may launch a GPU instance.
    template.provider = Provider::of_group(
        object
            .pointer("/spec/template/spec/nodeClassRef/group")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    );
    // Each requirement a name implied, with the one that implied it: said when the pool's
    // own requirements contradict it.
    let mut implied_by: Vec<(Requirement, String)> = Vec::new();
    for key in [INSTANCE_TYPE, AWS_FAMILY] {
        if template.provider != Provider::Aws {
            break;
        }
        let Some(source) = template
            .constrained
            .get(key)
            .and_then(|on_key| on_key.iter().find(|r| r.operator == Operator::In))
            .cloned()
        else {
            continue;
        };
        let listed = &source.values;
        let mut implied: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut every_value = BTreeMap::new();
        for value in listed {
            for (label, v) in implied_labels(key, value) {
                *every_value.entry(label).or_insert(0) += 1;
                implied.entry(label).or_default().push(v);
            }
        }
        for (label, mut values) in implied {
            // Only when every listed name implies the label: an unparsed name implies
            // nothing.
            if every_value.get(label) != Some(&listed.len()) {
                continue;
            }
            values.sort();
            values.dedup();
            let implied = Requirement {
                key: label.to_string(),
                operator: Operator::In,
                values,
            };
            implied_by.push((implied.clone(), super::describe(&source)));
            template
                .constrained
                .entry(label.to_string())
                .or_default()
                .push(implied);
            if let Some(at) = first_at.get(key).cloned() {
                first_at.entry(label.to_string()).or_insert(at);
            }
        }
    }
    // Each constrained key: a template label must meet its requirements; a single `In`
    // value they allow is fixed (Karpenter writes it as a label); requirements no value
    // meets leave the pool no node to launch, which is a mistake, not an empty column.
    // Karpenter writes the NodePool's name as karpenter.sh/nodepool: a requirement on
    // that key must allow it.
    template
        .labels
        .insert("karpenter.sh/nodepool".to_string(), name.clone());
    let constrained = std::mem::take(&mut template.constrained);
    for (key, on_key) in constrained {
        let at = first_at.get(&key).cloned().unwrap_or_default();
        let allowed: Vec<&Requirement> = on_key.iter().collect();
        let words = || {
            let mut said: Vec<String> = Vec::new();
            for r in &on_key {
                let words = match implied_by.iter().find(|(implied, _)| implied == r) {
                    Some((_, source)) => format!("{} (implied by {source})", super::describe(r)),
                    None => super::describe(r),
                };
                if !said.contains(&words) {
                    said.push(words);
                }
            }
            said.join(" and ")
        };
        if let Some(value) = template.labels.get(&key) {
            if !on_key.iter().all(|r| r.holds_value(Some(value))) {
                problem(
                    &at,
                    format!(
                        "the label {key}={value} its nodes carry does not meet the requirements {}: the NodePool can launch no node",
                        words()
                    ),
                    "make the template's labels (and the NodePool's name, for karpenter.sh/nodepool) agree with the requirements on that key",
                );
            }
            continue;
        }
        let probe = NodeTemplate {
            constrained: BTreeMap::from([(key.clone(), on_key.clone())]),
            ..NodeTemplate::default()
        };
        let values = super::representatives(&key, &allowed, &probe);
        if values.is_empty() {
            problem(
                &at,
                format!(
                    "no value of {key} meets the requirements {}: the NodePool can launch no node",
                    words()
                ),
                "make the requirements on that key agree",
            );
            continue;
        }
        match on_key
            .iter()
            .find(|r| r.operator == Operator::In && r.values.len() == 1)
        {
            Some(single)
                if values
                    .iter()
                    .all(|v| v.as_deref() == Some(single.values[0].as_str())) =>
            {
                template.labels.insert(key, single.values[0].clone());
            }
            _ => {
                template.constrained.insert(key, on_key);
            }
        }
    }
    for key in KARPENTER_JOINED {
        template.labels.insert(key.to_string(), "true".to_string());
    }
    for key in KARPENTER_WELL_KNOWN {
        if !template.labels.contains_key(key) {
            template.constrained.entry(key.to_string()).or_default();
        }
    }
    let pool = problems.is_empty().then(|| Pool {
        name,
        source: file.location(span_of("")),
        members: Members::Template(template),
    });
    problems.append(&mut warnings);
    (pool, problems)
}

/// The fields of a karpenter.sh/v1 NodePool and the kind of each value, as the CRD's
/// schema gives them (sigs.k8s.io/karpenter pkg/apis/crds/karpenter.sh_nodepools.yaml,
/// generated from pkg/apis/v1 nodepool.go and nodeclaim.go: `NodePoolSpec`, `Disruption`,
/// `Budget`, `NodeClaimTemplate`, `NodeClaimSpec`, `NodeClassReference`): the API server
/// prunes a field the schema does not know and refuses a value of the wrong kind, so a
/// misspelt field would be lost silently and a wrong value refused at apply. The fields
/// everynode reads (labels, taints, requirements) are checked where they are read.
enum Shape {
    /// A mapping with these fields.
    Map(&'static [(&'static str, Shape)]),
    /// A mapping of any keys to values of this shape (`limits`, `annotations`).
    Entries(&'static Shape),
    /// A list of these.
    List(&'static Shape),
    /// A string (`type: string`).
    Text,
    /// An integer from the first bound to the second, both included (`minimum`, `maximum`).
    Integer(i64, i64),
    /// One of these strings (`enum`).
    OneOf(&'static [&'static str]),
    /// A string the CRD's `pattern` admits, told by the function; the words say what it
    /// admits, for the message.
    Pattern(fn(&str) -> bool, &'static str),
    /// A resource quantity of a custom resource (`x-kubernetes-int-or-string` with the
    /// Quantity pattern): an integer, or a string that parses as a quantity.
    IntOrQuantity,
    /// `true` or `false`.
    Bool,
    /// Anything (read and checked elsewhere, or not read at all).
    Any,
}

/// A `metav1.Time` (`format: date-time`): RFC 3339, as the API server's decoder reads it.
const TIME: Shape = Shape::Pattern(
    |t| crate::state::seconds(t).is_some(),
    "an RFC 3339 time, like 2026-11-30T21:41:14Z",
);

const TAINT: Shape = Shape::Map(&[
    ("key", Shape::Text),
    ("value", Shape::Text),
    ("effect", Shape::Text),
    ("timeAdded", TIME),
]);

/// `^(([0-9]+(s|m|h))+|Never)$` (`expireAfter`, `consolidateAfter`) when `never`, else
/// `^([0-9]+(s|m|h))+$` (`terminationGracePeriod`): one or more numbers, each with a unit.
fn karpenter_duration(text: &str, never: bool) -> bool {
    if never && text == "Never" {
        return true;
    }
    let mut digits = 0;
    for c in text.chars() {
        match c {
            '0'..='9' => digits += 1,
            's' | 'm' | 'h' if digits > 0 => digits = 0,
            _ => return false,
        }
    }
    !text.is_empty() && digits == 0
}

/// A budget's `nodes`: `^((100|[0-9]{1,2})%|[0-9]+)$`, a count or a percentage up to 100%.
fn budget_nodes(text: &str) -> bool {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match text.strip_suffix('%') {
        Some(percent) => (all_digits(percent) && percent.len() <= 2) || percent == "100",
        None => all_digits(text),
    }
}

/// A budget's `duration`: `^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$`, hours or minutes
/// or hours then minutes, with an optional `0s` (as Go prints a duration).
fn budget_duration(text: &str) -> bool {
    let text = text.strip_suffix("0s").unwrap_or(text);
    let number_then = |s: &str, unit: char| {
        s.strip_suffix(unit)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    number_then(text, 'h')
        || number_then(text, 'm')
        || text
            .split_once('h')
            .is_some_and(|(h, m)| number_then(&format!("{h}h"), 'h') && number_then(m, 'm'))
}

/// A budget's `schedule`: a cron macro (`@daily`, …) or five fields, as the CRD's pattern
/// `^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\s(.+)\s(.+)\s(.+)\s(.+))$`
/// admits.
fn budget_schedule(text: &str) -> bool {
    const MACROS: [&str; 7] = [
        "@annually",
        "@yearly",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
    ];
    MACROS.iter().any(|m| text.starts_with(m)) || text.split_whitespace().count() >= 5
}

const NODE_POOL: Shape = Shape::Map(&[
    ("apiVersion", Shape::Any),
    ("kind", Shape::Any),
    ("metadata", Shape::Any),
    ("status", Shape::Any),
    (
        "spec",
        Shape::Map(&[
            (
                "disruption",
                Shape::Map(&[
                    (
                        "consolidateAfter",
                        Shape::Pattern(
                            |t| karpenter_duration(t, true),
                            "a duration of numbers with units s, m and h (30s, 1h30m) or Never",
                        ),
                    ),
                    (
                        "consolidationPolicy",
                        Shape::OneOf(&["WhenEmpty", "WhenEmptyOrUnderutilized"]),
                    ),
                    (
                        "consolidateWhen",
                        Shape::OneOf(&[
                            "WhenEmpty",
                            "WhenEmptyOrUnderutilized",
                            "WhenCostJustifiesDisruption",
                        ]),
                    ),
                    ("decisionRatioThreshold", Shape::Any),
                    (
                        "budgets",
                        Shape::List(&Shape::Map(&[
                            (
                                "nodes",
                                Shape::Pattern(
                                    budget_nodes,
                                    "a number of nodes (5) or a percentage up to 100% (10%)",
                                ),
                            ),
                            (
                                "schedule",
                                Shape::Pattern(
                                    budget_schedule,
                                    "a cron schedule of five fields (0 9 * * mon-fri) or a macro (@daily)",
                                ),
                            ),
                            (
                                "duration",
                                Shape::Pattern(
                                    budget_duration,
                                    "a duration in hours and minutes (8h, 30m, 1h30m)",
                                ),
                            ),
                            (
                                "reasons",
                                Shape::List(&Shape::OneOf(&["Underutilized", "Empty", "Drifted"])),
                            ),
                        ])),
                    ),
                ]),
            ),
            ("limits", Shape::Entries(&Shape::IntOrQuantity)),
            ("weight", Shape::Integer(1, 100)),
            ("replicas", Shape::Integer(0, i64::MAX)),
            (
                "template",
                Shape::Map(&[
                    (
                        "metadata",
                        Shape::Map(&[
                            ("labels", Shape::Any),
                            ("annotations", Shape::Entries(&Shape::Text)),
                        ]),
                    ),
                    (
                        "spec",
                        Shape::Map(&[
                            ("taints", Shape::List(&TAINT)),
                            ("startupTaints", Shape::List(&TAINT)),
                            (
                                "requirements",
                                Shape::List(&Shape::Map(&[
                                    ("key", Shape::Any),
                                    ("operator", Shape::Any),
                                    ("values", Shape::Any),
                                    ("minValues", Shape::Any),
                                ])),
                            ),
                            (
                                "nodeClassRef",
                                Shape::Map(&[
                                    (
                                        "group",
                                        Shape::Pattern(
                                            |g| !g.contains('/'),
                                            "an API group without a version or '/' (karpenter.k8s.aws)",
                                        ),
                                    ),
                                    ("kind", Shape::Text),
                                    ("name", Shape::Text),
                                ]),
                            ),
                            (
                                "expireAfter",
                                Shape::Pattern(
                                    |t| karpenter_duration(t, true),
                                    "a duration of numbers with units s, m and h (720h, 1h30m) or Never",
                                ),
                            ),
                            (
                                "terminationGracePeriod",
                                Shape::Pattern(
                                    |t| karpenter_duration(t, false),
                                    "a duration of numbers with units s, m and h (48h, 1h30m)",
                                ),
                            ),
                        ]),
                    ),
                ]),
            ),
        ]),
    ),
]);

/// A taint of a Node: strings (`core/v1` `Taint`).
const NODE_TAINT: Shape = Shape::Map(&[
    ("key", Shape::Text),
    ("value", Shape::Text),
    ("effect", Shape::Text),
    ("timeAdded", TIME),
]);

/// The fields of a Node (`core/v1` `Node`, `ObjectMeta`, `NodeSpec`, `NodeStatus`), with
/// the kinds of those placement reads; the API server drops a field it does not know, so
/// a misspelt `taint:` would leave the pool untainted in silence.
const NODE: Shape = Shape::Map(&[
    ("apiVersion", Shape::Any),
    ("kind", Shape::Any),
    (
        "metadata",
        Shape::Map(&[
            ("name", Shape::Text),
            ("generateName", Shape::Text),
            ("namespace", Shape::Text),
            ("selfLink", Shape::Any),
            ("uid", Shape::Any),
            ("resourceVersion", Shape::Any),
            ("generation", Shape::Any),
            ("creationTimestamp", Shape::Any),
            ("deletionTimestamp", Shape::Any),
            ("deletionGracePeriodSeconds", Shape::Any),
            ("labels", Shape::Entries(&Shape::Text)),
            ("annotations", Shape::Entries(&Shape::Text)),
            ("ownerReferences", Shape::Any),
            ("finalizers", Shape::Any),
            ("managedFields", Shape::Any),
        ]),
    ),
    (
        "spec",
        Shape::Map(&[
            ("podCIDR", Shape::Any),
            ("podCIDRs", Shape::Any),
            ("providerID", Shape::Any),
            ("unschedulable", Shape::Bool),
            ("taints", Shape::List(&NODE_TAINT)),
            ("configSource", Shape::Any),
            ("externalID", Shape::Any),
        ]),
    ),
    (
        "status",
        Shape::Map(&[
            // Their quantities are checked by `validate_node`.
            ("capacity", Shape::Entries(&Shape::Any)),
            ("allocatable", Shape::Entries(&Shape::Any)),
            ("phase", Shape::Any),
            (
                "conditions",
                Shape::List(&Shape::Map(&[
                    ("type", Shape::Text),
                    ("status", Shape::Text),
                    ("lastHeartbeatTime", Shape::Any),
                    ("lastTransitionTime", Shape::Any),
                    ("reason", Shape::Any),
                    ("message", Shape::Any),
                ])),
            ),
            ("addresses", Shape::Any),
            ("daemonEndpoints", Shape::Any),
            ("nodeInfo", Shape::Any),
            ("images", Shape::Any),
            ("volumesInUse", Shape::Any),
            ("volumesAttached", Shape::Any),
            ("config", Shape::Any),
            ("runtimeHandlers", Shape::Any),
            ("features", Shape::Any),
        ]),
    ),
]);

/// Reports, at `at` within the object, a value of the wrong kind (a mapping, list, string,
/// integer, one of an enum's strings, a string of a pattern, a quantity where `shape` wants
/// one; null is an absent field) and a field `shape` does not know, naming the fields it
/// does.
fn check_shape(
    value: &Value,
    at: &str,
    object: &str,
    shape: &Shape,
    problem: &mut impl FnMut(&str, String, &str),
) {
    let field = || {
        at.trim_start_matches('/')
            .split('/')
            .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
            .collect::<Vec<_>>()
            .join(".")
    };
    // How YAML 1.1 (kubectl's) read an unquoted scalar that was meant as a string.
    let read_as = |value: &Value| match value {
        Value::Bool(_) => " (YAML 1.1 reads yes, no, on, off, y and n as booleans: quote it)",
        Value::Number(_) => " (quote it to make it a string)",
        _ => "",
    };
    match (shape, value) {
        (Shape::Any, _) | (_, Value::Null) => {}
        (Shape::Map(fields), Value::Object(map)) => {
            for (name, inner) in map {
                let here = format!("{at}/{}", escape(name));
                match fields.iter().find(|(known, _)| known == name) {
                    Some((_, shape)) => check_shape(inner, &here, object, shape, problem),
                    None => {
                        let known: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
                        let help =
                            match crate::diagnostic::did_you_mean(name, known.iter().copied()) {
                                Some(near) => {
                                    format!("did you mean {near}? Known here: {}", known.join(", "))
                                }
                                None => format!("known here: {}", known.join(", ")),
                            };
                        problem(
                            &here,
                            format!(
                                "{} has no field {name:?}",
                                if at.is_empty() {
                                    object.to_string()
                                } else {
                                    field()
                                }
                            ),
                            &help,
                        );
                    }
                }
            }
        }
        (Shape::Entries(item), Value::Object(map)) => {
            for (name, inner) in map {
                check_shape(
                    inner,
                    &format!("{at}/{}", escape(name)),
                    object,
                    item,
                    problem,
                );
            }
        }
        (Shape::List(item), Value::Array(items)) => {
            for (i, inner) in items.iter().enumerate() {
                check_shape(inner, &format!("{at}/{i}"), object, item, problem);
            }
        }
        (Shape::Text, Value::String(_)) | (Shape::Bool, Value::Bool(_)) => {}
        (Shape::IntOrQuantity, Value::Number(n)) if n.is_i64() || n.is_u64() => {}
        (Shape::Integer(min, max), Value::Number(n))
            if n.as_i64().is_some_and(|n| (*min..=*max).contains(&n)) => {}
        (Shape::OneOf(allowed), Value::String(text)) if allowed.contains(&text.as_str()) => {}
        (Shape::Pattern(admits, _), Value::String(text)) if admits(text) => {}
        (Shape::IntOrQuantity, Value::String(text))
            if everynode_k8s::apimachinery::Quantity::parse(text.trim()).is_ok() => {}
        (Shape::Map(_) | Shape::Entries(_), _) => problem(
            at,
            format!("{} is not a mapping", field()),
            "write it as a mapping of its fields",
        ),
        (Shape::List(_), _) => problem(
            at,
            format!("{} is not a list", field()),
            "write it as a list",
        ),
        (Shape::Text, _) => problem(
            at,
            format!("{} is {value}, not a string{}", field(), read_as(value)),
            "write it as a string",
        ),
        (Shape::Integer(min, max), _) => problem(
            at,
            format!("{} is {value}, not an integer from {min} to {max}", field()),
            &if *max == i64::MAX {
                format!("give a whole number of at least {min}")
            } else {
                format!("give a whole number from {min} to {max}")
            },
        ),
        (Shape::OneOf(allowed), _) => {
            let given = value
                .as_str()
                .map_or(value.to_string(), |t| format!("{t:?}"));
            let help = match value
                .as_str()
                .and_then(|t| crate::diagnostic::did_you_mean(t, allowed.iter().copied()))
            {
                Some(near) => format!("did you mean {near}? One of: {}", allowed.join(", ")),
                None => format!("one of: {}", allowed.join(", ")),
            };
            problem(
                at,
                format!(
                    "{} is {given}{}, not one of its values",
                    field(),
                    read_as(value)
                ),
                &help,
            );
        }
        (Shape::Pattern(_, admits), _) => problem(
            at,
            format!(
                "{} is {}{}, which the API server refuses (the schema's format)",
                field(),
                value
                    .as_str()
                    .map_or(value.to_string(), |t| format!("{t:?}")),
                read_as(value)
            ),
            &format!("give {admits}"),
        ),
        (Shape::Bool, _) => problem(
            at,
            format!("{} is {value}, not true or false", field()),
            "write true or false, unquoted",
        ),
        (Shape::IntOrQuantity, _) => problem(
            at,
            format!(
                "{} is {}, not a quantity",
                field(),
                value
                    .as_str()
                    .map_or(value.to_string(), |t| format!("{t:?}"))
            ),
            "write a whole number or a quantity string: 1000, \"100\", \"64Gi\", \"500m\"",
        ),
    }
}

/// Why Karpenter refuses a label key in a NodePool's template labels (`requirement`:
/// false) or requirements (true), if it does: the CEL rules its CRD carries
/// (sigs.k8s.io/karpenter hack/validation/labels.sh and requirements.sh): the domain
/// karpenter.sh except karpenter.sh/capacity-type (and karpenter.sh/nodepool in a
/// requirement), karpenter.sh/nodepool as a template label, kubernetes.io/hostname.
fn restricted(key: &str, requirement: bool) -> Option<&'static str> {
    let domain = key.split_once('/').map_or("", |(d, _)| d);
    match key {
        "kubernetes.io/hostname" => Some("the label kubernetes.io/hostname is restricted"),
        "karpenter.sh/capacity-type" => None,
        "karpenter.sh/nodepool" if requirement => None,
        "karpenter.sh/nodepool" => Some(
            "the label karpenter.sh/nodepool is restricted: Karpenter writes the NodePool's name there",
        ),
        _ if domain == "karpenter.sh" || domain.ends_with(".karpenter.sh") => {
            Some("the label domain karpenter.sh is restricted")
        }
        _ => None,
    }
}

/// A JSON pointer segment.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names of each form Karpenter's AWS provider meets, and of other clouds'.
    #[test]
    fn instance_names_imply_the_labels_karpenter_derives() {
        let implied = |key: &str, value: &str| -> Vec<String> {
            implied_labels(key, value)
                .into_iter()
                .map(|(k, v)| {
                    format!(
                        "{}={v}",
                        k.trim_start_matches("karpenter.k8s.aws/instance-")
                    )
                })
                .collect()
        };
        for (name, want) in [
            (
                "m5.large",
                &["category=m", "generation=5", "family=m5", "size=large"][..],
            ),
            (
                "g4dn.xlarge",
                &["category=g", "generation=4", "family=g4dn", "size=xlarge"],
            ),
            (
                "u-6tb1.metal",
                &["category=u", "generation=1", "family=u-6tb1", "size=metal"],
            ),
            (
                "m7i-flex.large",
                &[
                    "category=m",
                    "generation=7",
                    "family=m7i-flex",
                    "size=large",
                ],
            ),
            ("Standard_D4s_v3", &[]),
            ("n2-standard-4", &[]),
            ("a.b.c", &[]),
        ] {
            assert_eq!(implied(INSTANCE_TYPE, name), want, "{name}");
        }
        assert_eq!(implied(AWS_FAMILY, "p4d"), ["category=p", "generation=4"]);
        assert!(implied(AWS_CATEGORY, "g").is_empty());
    }

    /// The CRD's patterns, admitted and refused at their edges.
    #[test]
    fn patterns_admit_what_the_crd_admits() {
        for (text, never, admitted) in [
            ("720h", true, true),
            ("1h30m10s", false, true),
            ("Never", true, true),
            ("Never", false, false),
            ("", true, false),
            ("h", true, false),
            ("10", true, false),
            ("2d", true, false),
            ("1.5h", true, false),
        ] {
            assert_eq!(karpenter_duration(text, never), admitted, "{text}");
        }
        for (text, admitted) in [
            ("0", true),
            ("250", true),
            ("10%", true),
            ("100%", true),
            ("0%", true),
            ("101%", false),
            ("150%", false),
            ("%", false),
            ("-1", false),
            ("", false),
        ] {
            assert_eq!(budget_nodes(text), admitted, "{text}");
        }
        for (text, admitted) in [
            ("8h", true),
            ("30m", true),
            ("1h30m", true),
            ("1h30m0s", true),
            ("30s", false),
            ("1h30", false),
            ("h30m", false),
            ("", false),
        ] {
            assert_eq!(budget_duration(text), admitted, "{text}");
        }
        for (text, admitted) in [
            ("@daily", true),
            ("0 9 * * mon-fri", true),
            ("0 9 * *", false),
            ("daily", false),
        ] {
            assert_eq!(budget_schedule(text), admitted, "{text}");
        }
    }
}
