//! `import`: an existing DaemonSet as a description that renders it back.
//!
//! For each DaemonSet (a manifest, or an object read from a cluster):
//!
//! 1. refuse what cannot be imported: a removed API version, and (unless named) a
//!    DaemonSet something else manages: the addon manager, an owner, an operator;
//! 2. drop what the server writes (status, uid, resourceVersion, the last-applied and
//!    template-generation annotations) and every field equal to the server's default:
//!    a field is dropped when the DaemonSet without it is stored the same
//!    (`everynode_k8s::defaults::normalize`, the rule `diff` compares by), so the
//!    description is as short as a person would write it;
//! 3. write the description: the DaemonSet's name, selector and pod labels kept (so
//!    applying it restarts no pod), each field in the language's own terms;
//! 4. render it and compare with the source as stored: whatever the language cannot say
//!    is left in a `patch`, named in a note, so the round trip holds for every input.

pub mod group;
pub mod kdl;

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::model::{
    self, API_VERSION, ContainerSettings, Daemon, DaemonMetadata, DaemonSpec, IntOrPercent,
    LABEL_MANAGED_BY, Mount, NodeMatch, Settings, Update,
};
use crate::parse::ParsedDaemon;
use crate::source::{SourceFile, SpanMap};
use everynode_k8s::defaults;
use everynode_k8s::selector::Operator;

/// A DaemonSet made a description.
#[derive(Debug, Clone)]
pub struct Imported {
    pub namespace: String,
    /// The DaemonSet's name, which the daemon takes.
    pub name: String,
    pub daemon: Daemon,
    /// What a reader of the description should know, one line each: the fields left
    /// to `patch`, the labels replaced.
    pub notes: Vec<String>,
    /// The DaemonSet as imported (server fields and defaults gone); for a group, its
    /// first member.
    pub source: DaemonSet,
    /// The DaemonSets a grouped description stands for ([`group::group`]); empty for one.
    pub grouped: Vec<String>,
    /// Whether the grouped DaemonSets share one pod selector (kept: changing it means
    /// recreating them), which `import` warns about.
    pub shared_selector: bool,
}

/// Why a DaemonSet is not imported.
#[derive(Debug, Clone, PartialEq)]
pub enum Skipped {
    /// Its API version is gone from the server (the reason says since when and what to do).
    Removed(String),
    /// Something else manages it; `--daemonset` takes it anyway.
    Managed(String),
    /// It is not a DaemonSet the API server would take.
    Invalid(String),
    /// The API server's rules reject it: each field (a JSON pointer into the object) and
    /// what is wrong there (`everynode_k8s::validation::validate`).
    Rejected(Vec<(String, String)>),
}

impl Skipped {
    /// The reason, in words.
    pub fn reason(&self) -> &str {
        match self {
            Skipped::Removed(why) | Skipped::Managed(why) | Skipped::Invalid(why) => why,
            Skipped::Rejected(_) => "the API server would reject it",
        }
    }
}

/// Annotations the server or kubectl write, never a person.
const WRITTEN_BY_SERVER: &[&str] = &[
    "deprecated.daemonset.template.generation",
    "kubectl.kubernetes.io/last-applied-configuration",
];

/// Imports one DaemonSet object (apps/v1, as a manifest or as `kubectl get -o json`
/// prints it). `named` says the user asked for it by name, which takes it even when
/// something else manages it.
pub fn import(object: &Value, named: bool) -> Result<Imported, Skipped> {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    match api_version {
        "apps/v1" => {}
        // Removed in 1.16 (kubernetes.io/blog/2019/07/18/api-deprecations-in-1-16).
        "extensions/v1beta1" | "apps/v1beta1" | "apps/v1beta2" => {
            return Err(Skipped::Removed(format!(
                "{api_version} DaemonSets were removed in Kubernetes 1.16: convert it to apps/v1 (kubectl convert, or set apiVersion: apps/v1 and a spec.selector), then import it"
            )));
        }
        other => {
            return Err(Skipped::Invalid(format!(
                "apiVersion {other:?} is not apps/v1"
            )));
        }
    }
    if !named && let Some(manager) = managed_by_another(object) {
        return Err(Skipped::Managed(manager));
    }
    let source = without_server_fields(object);
    let typed = DaemonSet::deserialize(&source)
        .map_err(|e| Skipped::Invalid(format!("not a valid DaemonSet: {e}")))?;
    let name = typed.metadata.name.clone().unwrap_or_default();
    if name.is_empty() {
        return Err(Skipped::Invalid("metadata.name is missing".into()));
    }
    // A field the DaemonSet API does not have: kubectl's strict field validation refuses
    // it, and the typed form would drop it silently.
    let unknown = everynode_k8s::validation::unknown_fields(&source, &typed);
    if !unknown.is_empty() {
        return Err(Skipped::Rejected(
            unknown
                .into_iter()
                .map(|at| {
                    let path = everynode_k8s::validation::field_path(&at);
                    (at, format!("{path}: not a field of an apps/v1 DaemonSet (kubectl's strict field validation refuses it)"))
                })
                .collect(),
        ));
    }
    // What the API server rejects cannot be taken over: say each problem where it is.
    let violations = everynode_k8s::validation::validate(&typed);
    if !violations.is_empty() {
        return Err(Skipped::Rejected(
            violations
                .into_iter()
                .map(|v| {
                    let path = everynode_k8s::validation::field_path(&v.at);
                    (v.at, format!("{path}: {}", v.message))
                })
                .collect(),
        ));
    }
    let namespace = typed
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".into());
    // `normalize(&source)`, without reading the object again.
    let stored = defaults::normalize_typed(&typed);
    let short = without_defaults(&source, &stored);
    let short_typed = DaemonSet::deserialize(&short)
        .map_err(|e| Skipped::Invalid(format!("not a valid DaemonSet: {e}")))?;
    // A daemon's name is a DNS-1123 label; a DaemonSet's may hold dots: the daemon takes
    // the name with dashes, and the DaemonSet keeps its own.
    let daemon_name = label_prefix(&name.replace('.', "-"), 63);
    let mut daemon = describe(&short_typed, &daemon_name, &namespace);
    if daemon_name != name {
        daemon.spec.settings.daemonset_name = Some(name.clone());
    }
    let mut notes = Vec::new();
    if typed.metadata.namespace.is_none() {
        notes.push("the manifest names no namespace: the description uses `default`, as kubectl apply without -n does; add `namespace` if it is installed elsewhere (helm template leaves it out)".to_string());
    }
    if let Some(mode) = typed
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("addonmanager.kubernetes.io/mode"))
    {
        notes.push(format!(
            "addonmanager.kubernetes.io/mode: {mode} is kept: the addon manager still manages the DaemonSet while it has this label"
        ));
    }
    if let Some(manager) = typed
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(LABEL_MANAGED_BY))
        .filter(|m| *m != model::MANAGER)
    {
        notes.push(format!(
            "{LABEL_MANAGED_BY}: {manager} becomes {} once applied",
            model::MANAGER
        ));
    }
    // What the language did not say, as a merge patch over the rendering.
    let rendered = render(&daemon).ok_or_else(|| {
        Skipped::Invalid("the description made of it does not render".to_string())
    })?;
    let patch = residual(&defaults::normalize(&rendered), &stored);
    if let Some(patch) = patch {
        let mut fields = Vec::new();
        leaf_paths(&patch, String::new(), &mut fields);
        notes.push(format!(
            "patch: the language has no place for {}",
            fields.join(", ")
        ));
        daemon.spec.settings.patch = Some(patch);
    }
    Ok(Imported {
        namespace,
        name,
        daemon,
        notes,
        source: short_typed,
        grouped: Vec::new(),
        shared_selector: false,
    })
}

/// At most `max` characters of a DNS-1123 label, without a trailing dash.
fn label_prefix(name: &str, max: usize) -> String {
    let cut: String = name.chars().take(max).collect();
    cut.trim_end_matches('-').to_string()
}

/// Why another tool owns the DaemonSet, if one does: the addon manager's mode label, an
/// owner reference, or a managed-by label naming something other than Helm or everynode.
fn managed_by_another(object: &Value) -> Option<String> {
    let labels = &object["metadata"]["labels"];
    if let Some(mode) = labels["addonmanager.kubernetes.io/mode"].as_str() {
        return Some(format!(
            "the addon manager manages it (addonmanager.kubernetes.io/mode: {mode}) and would undo any change"
        ));
    }
    if let Some(owner) = object["metadata"]["ownerReferences"]
        .as_array()
        .and_then(|owners| owners.first())
    {
        return Some(format!(
            "{} {} owns it",
            owner["kind"].as_str().unwrap_or("an object"),
            owner["name"].as_str().unwrap_or_default()
        ));
    }
    match labels[LABEL_MANAGED_BY].as_str() {
        Some(manager) if manager != "Helm" && manager != model::MANAGER => Some(format!(
            "{manager} manages it ({LABEL_MANAGED_BY}: {manager})"
        )),
        _ => None,
    }
}

/// The object without what the server writes: status, and metadata but for the name,
/// namespace, labels and the annotations a person wrote.
fn without_server_fields(object: &Value) -> Value {
    let mut out = object.clone();
    if let Some(fields) = out.as_object_mut() {
        fields.remove("status");
        fields.insert("apiVersion".into(), "apps/v1".into());
        fields.insert("kind".into(), "DaemonSet".into());
    }
    if let Some(metadata) = out.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata
            .retain(|k, _| matches!(k.as_str(), "name" | "namespace" | "labels" | "annotations"));
        if let Some(annotations) = metadata
            .get_mut("annotations")
            .and_then(Value::as_object_mut)
        {
            annotations.retain(|k, _| !WRITTEN_BY_SERVER.contains(&k.as_str()));
        }
    }
    if let Some(metadata) = out
        .pointer_mut("/spec/template/metadata")
        .and_then(Value::as_object_mut)
    {
        metadata.retain(|k, _| matches!(k.as_str(), "name" | "labels" | "annotations"));
    }
    out
}

/// `source` without each field the server would fill in the same way: a field goes when
/// the object without it is stored as `stored` (its own stored form). The fields tried
/// are those holding a value the server defaults some field to ([`default_like`]), then
/// the objects and lists left empty ([`without_fields`] decides each set).
fn without_defaults(source: &Value, stored: &Value) -> Value {
    let mut paths = Vec::new();
    leaves(&source["spec"], "/spec".to_string(), &mut paths);
    paths.retain(|path| source.pointer(path).is_some_and(default_like));
    let current = without_fields(source, stored, &paths);
    // Empty containers left behind (`securityContext: {}`).
    let mut empties = Vec::new();
    empty_fields(&current["spec"], "/spec".to_string(), &mut empties);
    // `emptyDir: {}` stays: the server would default a volume without a source to it,
    // but a reader should see what the volume is.
    empties.retain(|path| !path.ends_with("/emptyDir"));
    // Innermost first.
    empties.reverse();
    without_fields(&current, stored, &empties)
}

/// `object` without those of the fields at `paths` that the server fills in the same way:
/// the object without them is still stored as `stored`.
///
/// All go at once when that holds (the usual case). Otherwise the object without any of
/// them, normalized once, tells which field is stored differently without it: its
/// stored value (at the same pointer: normalizing keeps every path under `spec`) is not
/// `stored`'s. The others go, and one more normalization checks the result, so the
/// round trip holds whatever the verdicts. Only when that check fails (removals that
/// affect each other's fields, as `hostNetwork` decides whether a `hostPort` is stored)
/// is each field tried on its own, in order; deciding every field that way would cost a
/// normalization of the whole object per field.
fn without_fields(object: &Value, stored: &Value, paths: &[String]) -> Value {
    if paths.is_empty() {
        return object.clone();
    }
    let mut all = object.clone();
    for path in paths {
        remove(&mut all, path);
    }
    let all_stored = defaults::normalize(&all);
    if all_stored == *stored {
        return all;
    }
    let mut trial = object.clone();
    for path in paths {
        if stored.pointer(path) == all_stored.pointer(path) {
            remove(&mut trial, path);
        }
    }
    if defaults::normalize(&trial) == *stored {
        return trial;
    }
    let mut current = object.clone();
    for path in paths {
        let mut trial = current.clone();
        if remove(&mut trial, path) && defaults::normalize(&trial) == *stored {
            current = trial;
        }
    }
    current
}

/// Whether a value is one the API server defaults some DaemonSet field to
/// (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go, the `+default` markers):
/// only such fields can be left out. A default missed here only makes the description
/// longer; `normalize` decides every removal.
fn default_like(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(_) => true,
        Value::Number(n) => matches!(n.as_i64(), Some(0 | 1 | 3 | 10 | 30 | 420)),
        Value::String(s) => matches!(
            s.as_str(),
            "" | "File"
                | "/dev/termination-log"
                | "IfNotPresent"
                | "Always"
                | "ClusterFirst"
                | "default-scheduler"
                | "TCP"
                | "HTTP"
                | "RollingUpdate"
                | "v1"
                | "1"
                | "0"
                | "25%"
        ),
        _ => false,
    }
}

/// The JSON pointers of the scalar fields of objects under `value` (list items' fields
/// included; list items themselves are never removed).
fn leaves(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{at}/{}", escape(k));
                match v {
                    Value::Object(_) | Value::Array(_) => leaves(v, here, out),
                    _ => out.push(here),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if item.is_object() {
                    leaves(item, format!("{at}/{i}"), out);
                }
            }
        }
        _ => {}
    }
}

/// The pointers of the empty objects and lists that are fields of objects, outermost
/// first.
fn empty_fields(value: &Value, at: String, out: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (escape(k), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => return,
    };
    for (key, child) in children {
        let here = format!("{at}/{key}");
        let empty = match child {
            Value::Object(m) => m.is_empty(),
            Value::Array(a) => a.is_empty(),
            _ => false,
        };
        if empty && value.is_object() {
            out.push(here.clone());
        }
        empty_fields(child, here, out);
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Removes the object field at `pointer`; whether there was one.
fn remove(value: &mut Value, pointer: &str) -> bool {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return false;
    };
    let key = key.replace("~1", "/").replace("~0", "~");
    value
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .is_some_and(|map| map.remove(&key).is_some())
}

/// Renders a description alone, as `render` would.
fn render(daemon: &Daemon) -> Option<Value> {
    let parsed = ParsedDaemon {
        daemon: daemon.clone(),
        spans: SpanMap::default(),
        file: SourceFile::new("import", ""),
    };
    let (rendered, _) = crate::expand::expand(&[parsed]);
    rendered.into_iter().next().map(|r| r.object)
}

/// The merge patch (RFC 7386) that turns the rendering into the source, both as stored,
/// for `spec` and the metadata a description writes: `None` when they agree. The labels
/// everynode adds to the DaemonSet's metadata are its own and not undone.
fn residual(rendered: &Value, source: &Value) -> Option<Value> {
    let mut patch = Map::new();
    if let Some(spec) = merge_diff(&rendered["spec"], &source["spec"]) {
        patch.insert("spec".into(), spec);
    }
    let annotations = merge_diff(
        &rendered["metadata"]["annotations"],
        &source["metadata"]["annotations"],
    );
    if let Some(annotations) = annotations {
        patch.insert(
            "metadata".into(),
            serde_json::json!({ "annotations": annotations }),
        );
    }
    (!patch.is_empty()).then_some(Value::Object(patch))
}

/// The merge patch from `from` to `to`: objects field by field, anything else whole.
fn merge_diff(from: &Value, to: &Value) -> Option<Value> {
    if from == to {
        return None;
    }
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            let mut out = Map::new();
            for (k, v) in b {
                if let Some(d) = merge_diff(a.get(k).unwrap_or(&Value::Null), v) {
                    out.insert(k.clone(), d);
                }
            }
            for k in a.keys().filter(|k| !b.contains_key(*k)) {
                out.insert(k.clone(), Value::Null);
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        _ => Some(to.clone()),
    }
}

/// The dotted paths of a patch's leaves (`spec.template.spec.os`).
fn leaf_paths(patch: &Value, at: String, out: &mut Vec<String>) {
    match patch {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let here = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                leaf_paths(v, here, out);
            }
        }
        _ => out.push(at),
    }
}

/// The description of a DaemonSet (its defaults already gone): one daemon, no classes,
/// with the name, selector and pod labels kept.
fn describe(ds: &DaemonSet, name: &str, namespace: &str) -> Daemon {
    let mut settings = Settings::default();
    let metadata = &ds.metadata;
    settings.daemonset_labels = metadata
        .labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| {
            k != LABEL_MANAGED_BY && k != model::LABEL_DAEMON && k != model::LABEL_CLASS
        })
        .collect();
    settings.daemonset_annotations = metadata.annotations.clone().unwrap_or_default();
    let spec = ds.spec.clone().unwrap_or_default();
    settings.selector = spec.selector.match_labels.clone().unwrap_or_default();
    settings.update = update(&spec);
    let template = spec.template;
    if let Some(meta) = &template.metadata {
        settings.template_name = meta.name.clone();
        settings.pod_labels = meta.labels.clone().unwrap_or_default();
        settings.annotations = meta.annotations.clone().unwrap_or_default();
    }
    let pod = template.spec.unwrap_or_default();
    let mut nodes = Vec::new();
    pod_settings(&pod, name, &mut settings, &mut nodes);
    Daemon {
        api_version: API_VERSION.into(),
        kind: model::KIND.into(),
        metadata: DaemonMetadata {
            name: name.into(),
            namespace: (namespace != "default").then(|| namespace.to_string()),
        },
        spec: DaemonSpec {
            nodes,
            classes: Vec::new(),
            settings,
        },
    }
}

/// `updateStrategy`, `minReadySeconds` and `revisionHistoryLimit`.
fn update(spec: &k8s_openapi::api::apps::v1::DaemonSetSpec) -> Option<Update> {
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    let rolling = strategy.rolling_update.unwrap_or_default();
    let percent = |v: Option<IntOrString>| {
        v.map(|v| match v {
            IntOrString::Int(i) => IntOrPercent::Int(i64::from(i)),
            IntOrString::String(s) => IntOrPercent::String(s),
        })
    };
    let update = Update {
        strategy: strategy.type_,
        max_unavailable: percent(rolling.max_unavailable),
        max_surge: percent(rolling.max_surge),
        min_ready_seconds: spec.min_ready_seconds.map(i64::from),
        revision_history_limit: spec.revision_history_limit.map(i64::from),
    };
    (update != Update::default()).then_some(update)
}

/// The pod's settings; the required node affinity, when it is one term of expressions,
/// becomes the daemon's `nodes`.
fn pod_settings(pod: &core::PodSpec, daemon: &str, s: &mut Settings, nodes: &mut Vec<NodeMatch>) {
    let mut containers = pod.containers.iter();
    if let Some(main) = containers.next() {
        if main.name != daemon {
            s.container_name = Some(main.name.clone());
        }
        s.main = container_settings(main);
    }
    s.containers = containers.map(named_container).collect();
    s.init_containers = pod
        .init_containers
        .iter()
        .flatten()
        .map(named_container)
        .collect();
    s.host_network = pod.host_network;
    s.host_pid = pod.host_pid;
    s.host_ipc = pod.host_ipc;
    s.dns_policy = pod.dns_policy.clone();
    s.service_account = pod.service_account_name.clone();
    s.priority_class = pod.priority_class_name.clone();
    s.termination_grace_period_seconds = pod.termination_grace_period_seconds;
    s.tolerations = pod
        .tolerations
        .iter()
        .flatten()
        .map(|t| model::Toleration {
            key: t.key.clone(),
            operator: t.operator.clone(),
            // No operator and no value is Equal to the empty value, not everynode's
            // shorthand for Exists: say the empty value.
            value: match (&t.operator, &t.value) {
                (None, None) => Some(String::new()),
                _ => t.value.clone(),
            },
            effect: t.effect.clone(),
            toleration_seconds: t.toleration_seconds,
        })
        .collect();
    s.node_selector = pod.node_selector.clone().unwrap_or_default();
    s.pod_security_context = pod.security_context.clone();
    s.image_pull_secrets = pod
        .image_pull_secrets
        .iter()
        .flatten()
        .map(|r| r.name.clone())
        .collect();
    s.runtime_class_name = pod.runtime_class_name.clone();
    s.automount_service_account_token = pod.automount_service_account_token;
    s.dns_config = pod.dns_config.clone();
    s.volumes = pod.volumes.clone().unwrap_or_default();
    // One term of expressions is the daemon's `nodes`; any other node affinity is kept
    // as written.
    match single_term(pod) {
        Some(term) => *nodes = term,
        None => s.node_affinity = pod.affinity.as_ref().and_then(|a| a.node_affinity.clone()),
    }
}

/// The required node affinity as `nodes` matches, when it is exactly one term of
/// expressions with operators the language has and nothing else is in the affinity.
fn single_term(pod: &core::PodSpec) -> Option<Vec<NodeMatch>> {
    let affinity = pod.affinity.as_ref()?;
    if affinity.pod_affinity.is_some() || affinity.pod_anti_affinity.is_some() {
        return None;
    }
    let node = affinity.node_affinity.as_ref()?;
    if node
        .preferred_during_scheduling_ignored_during_execution
        .is_some()
    {
        return None;
    }
    let [term] = node
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms
        .as_slice()
    else {
        return None;
    };
    if term.match_fields.as_ref().is_some_and(|f| !f.is_empty()) {
        return None;
    }
    term.match_expressions
        .iter()
        .flatten()
        .map(|r| {
            Some(NodeMatch {
                key: r.key.clone(),
                operator: Operator::parse(&r.operator)?,
                values: r.values.clone().unwrap_or_default(),
            })
        })
        .collect()
}

fn named_container(c: &core::Container) -> model::Container {
    model::Container {
        name: c.name.clone(),
        settings: container_settings(c),
    }
}

/// A container's settings; its volume mounts name the pod's volumes.
fn container_settings(c: &core::Container) -> ContainerSettings {
    let quantities = |map: Option<
        &BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>,
    >| {
        map.into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.0.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    let resources = c.resources.clone().unwrap_or_default();
    ContainerSettings {
        image: c.image.clone(),
        image_pull_policy: c.image_pull_policy.clone(),
        command: c.command.clone(),
        args: c.args.clone().unwrap_or_default(),
        env: c.env.iter().flatten().filter_map(env_var).collect(),
        ports: c
            .ports
            .iter()
            .flatten()
            .map(|p| model::Port {
                name: p.name.clone(),
                container_port: i64::from(p.container_port),
                host_port: p.host_port.map(i64::from),
                protocol: p.protocol.clone(),
            })
            .collect(),
        requests: quantities(resources.requests.as_ref()),
        limits: quantities(resources.limits.as_ref()),
        mounts: c
            .volume_mounts
            .iter()
            .flatten()
            .map(|m| Mount {
                name: Some(m.name.clone()),
                mount_path: m.mount_path.clone(),
                read_only: m.read_only,
                mount_propagation: m.mount_propagation.clone(),
                sub_path: m.sub_path.clone(),
                ..Mount::default()
            })
            .collect(),
        security_context: c.security_context.clone(),
        liveness_probe: c.liveness_probe.clone(),
        readiness_probe: c.readiness_probe.clone(),
        startup_probe: c.startup_probe.clone(),
        lifecycle: c.lifecycle.clone(),
        termination_message_policy: c.termination_message_policy.clone(),
        termination_message_path: c.termination_message_path.clone(),
        env_from: c.env_from.clone().unwrap_or_default(),
        working_dir: c.working_dir.clone(),
        tty: c.tty,
        stdin: c.stdin,
        ..ContainerSettings::default()
    }
}

/// An environment variable the language can say (a value, a pod field, a key of a
/// secret or config map); others are left to the patch.
fn env_var(e: &core::EnvVar) -> Option<model::EnvVar> {
    let mut var = model::EnvVar {
        name: e.name.clone(),
        value: e.value.clone(),
        ..model::EnvVar::default()
    };
    let Some(from) = &e.value_from else {
        return Some(var);
    };
    if let Some(field) = &from.field_ref {
        var.field = Some(field.field_path.clone());
    } else if let Some(secret) = &from.secret_key_ref {
        var.secret = Some(secret.name.clone());
        var.key = Some(secret.key.clone());
        var.optional = secret.optional;
    } else if let Some(map) = &from.config_map_key_ref {
        var.config_map = Some(map.name.clone());
        var.key = Some(map.key.clone());
        var.optional = map.optional;
    } else {
        return None;
    }
    Some(var)
}
