//! A description written as KDL, node by node as `parse::kdl` reads it: what `import`
//! prints by default. The document is built with the `kdl` crate, which quotes and
//! escapes; Kubernetes objects (probes, security contexts, volumes) are written by their
//! schema, the inverse of the reader's mapping (`parse::kdl::object`).

use std::collections::BTreeMap;

use kdl::{KdlDocument, KdlEntry, KdlNode, KdlValue};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::model::{
    Container, ContainerSettings, Daemon, IntOrPercent, Mount, NodeMatch, Settings, Toleration,
};
use crate::parse::kdl_names::{Shape, kebab, resolve, schema_of, shape};

/// The description as KDL text, with `notes` as comments above the daemon.
pub fn write(daemon: &Daemon, notes: &[String]) -> String {
    let mut node = KdlNode::new("daemon");
    node.push(KdlEntry::new(daemon.metadata.name.clone()));
    let body = node.ensure_children();
    if let Some(namespace) = &daemon.metadata.namespace {
        body.nodes_mut()
            .push(with_arg("namespace", namespace.as_str()));
    }
    if !daemon.spec.nodes.is_empty() {
        let mut nodes = KdlNode::new("nodes");
        let block = nodes.ensure_children();
        for m in &daemon.spec.nodes {
            block.nodes_mut().push(node_match(m));
        }
        body.nodes_mut().push(nodes);
    }
    settings(&daemon.spec.settings, body);
    for class in &daemon.spec.classes {
        let mut node = with_arg("class", class.name.as_str());
        let block = node.ensure_children();
        for m in &class.matches {
            block.nodes_mut().push(node_match(m));
        }
        settings(&class.settings, block);
        body.nodes_mut().push(node);
    }
    let mut document = KdlDocument::new();
    document.nodes_mut().push(node);
    document.autoformat();
    quote_strings(&mut document);
    let mut out = String::new();
    for note in notes {
        out.push_str("// ");
        out.push_str(note);
        out.push('\n');
    }
    out.push_str(&document.to_string());
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Every string written quoted, with each character KDL 2.0 does not allow raw in a
/// quoted string (controls, direction marks, the byte-order mark, line and paragraph
/// separators) escaped: the kdl crate writes some strings bare (`-.5`, which reads back
/// as no number) and such characters raw, which the reader refuses. One spelling for
/// every string also reads the same everywhere (`port="healthz"`).
fn quote_strings(document: &mut KdlDocument) {
    for node in document.nodes_mut() {
        for entry in node.entries_mut() {
            if let KdlValue::String(text) = entry.value() {
                let repr = quoted(text);
                match entry.format_mut() {
                    Some(format) => format.value_repr = repr,
                    None => entry.set_format(kdl::KdlEntryFormat {
                        value_repr: repr,
                        leading: " ".into(),
                        ..kdl::KdlEntryFormat::default()
                    }),
                }
            }
        }
        if let Some(children) = node.children_mut() {
            quote_strings(children);
        }
    }
}

/// `text` as a KDL 2.0 quoted string.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(c, '\u{FEFF}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}'
                    | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') =>
            {
                out.push_str(&format!("\\u{{{:X}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn with_arg(name: &str, value: impl Into<KdlValue>) -> KdlNode {
    let mut node = KdlNode::new(name);
    node.push(KdlEntry::new(value));
    node
}

fn flag(body: &mut KdlDocument, name: &str, value: Option<bool>) {
    if let Some(value) = value {
        body.nodes_mut().push(with_arg(name, value));
    }
}

fn text(body: &mut KdlDocument, name: &str, value: &Option<String>) {
    if let Some(value) = value {
        body.nodes_mut().push(with_arg(name, value.as_str()));
    }
}

fn map(body: &mut KdlDocument, name: &str, map: &BTreeMap<String, String>) {
    if map.is_empty() {
        return;
    }
    let mut node = KdlNode::new(name);
    for (k, v) in map {
        node.push(KdlEntry::new_prop(k.as_str(), v.as_str()));
    }
    body.nodes_mut().push(node);
}

fn list(body: &mut KdlDocument, name: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let mut node = KdlNode::new(name);
    for item in items {
        node.push(KdlEntry::new(item.as_str()));
    }
    body.nodes_mut().push(node);
}

fn node_match(m: &NodeMatch) -> KdlNode {
    let mut node = with_arg("match", m.key.as_str());
    for value in &m.values {
        node.push(KdlEntry::new(value.as_str()));
    }
    if m.operator != crate::model::Operator::In {
        node.push(KdlEntry::new_prop("op", m.operator.as_str()));
    }
    node
}

/// A daemon's or class's settings, in the order a person reads them: what runs, then
/// where and how.
fn settings(s: &Settings, body: &mut KdlDocument) {
    text(body, "daemonset-name", &s.daemonset_name);
    map(body, "selector", &s.selector);
    map(body, "labels", &s.labels);
    map(body, "pod-labels", &s.pod_labels);
    map(body, "daemonset-labels", &s.daemonset_labels);
    map(body, "annotations", &s.annotations);
    map(body, "daemonset-annotations", &s.daemonset_annotations);
    text(body, "template-name", &s.template_name);
    text(body, "container-name", &s.container_name);
    container(&s.main, body);
    for c in &s.containers {
        body.nodes_mut().push(named("container", c));
    }
    for c in &s.init_containers {
        body.nodes_mut().push(named("init-container", c));
    }
    for volume in &s.volumes {
        body.nodes_mut().push(object("volume", volume));
    }
    flag(body, "host-network", s.host_network);
    flag(body, "host-pid", s.host_pid);
    flag(body, "host-ipc", s.host_ipc);
    text(body, "dns-policy", &s.dns_policy);
    if let Some(config) = &s.dns_config {
        body.nodes_mut().push(object("dns-config", config));
    }
    text(body, "service-account", &s.service_account);
    flag(
        body,
        "automount-service-account-token",
        s.automount_service_account_token,
    );
    list(body, "image-pull-secrets", &s.image_pull_secrets);
    text(body, "priority-class", &s.priority_class);
    text(body, "runtime-class", &s.runtime_class_name);
    if let Some(seconds) = s.termination_grace_period_seconds {
        body.nodes_mut()
            .push(with_arg("termination-grace-period", i128::from(seconds)));
    }
    if let Some(context) = &s.pod_security_context {
        body.nodes_mut()
            .push(object("pod-security-context", context));
    }
    map(body, "node-selector", &s.node_selector);
    if let Some(affinity) = &s.node_affinity {
        body.nodes_mut().push(object("node-affinity", affinity));
    }
    for t in &s.tolerations {
        body.nodes_mut().push(toleration(t));
    }
    if let Some(update) = &s.update {
        let mut node = KdlNode::new("update");
        if let Some(strategy) = &update.strategy {
            node.push(KdlEntry::new(strategy.as_str()));
        }
        for (name, value) in [
            ("max-unavailable", &update.max_unavailable),
            ("max-surge", &update.max_surge),
        ] {
            match value {
                Some(IntOrPercent::Int(i)) => node.push(KdlEntry::new_prop(name, i128::from(*i))),
                Some(IntOrPercent::String(s)) => node.push(KdlEntry::new_prop(name, s.as_str())),
                None => {}
            }
        }
        for (name, value) in [
            ("min-ready-seconds", update.min_ready_seconds),
            ("revision-history-limit", update.revision_history_limit),
        ] {
            if let Some(value) = value {
                node.push(KdlEntry::new_prop(name, i128::from(value)));
            }
        }
        body.nodes_mut().push(node);
    }
    if let Some(patch) = &s.patch {
        // Read back as YAML 1.1: text that would read as a boolean or number is quoted.
        let yaml = serde_yaml::to_string(patch).unwrap_or_default();
        let yaml = crate::parse::yaml11::quote_for_kubectl(&yaml).into_owned();
        body.nodes_mut().push(with_arg("patch", yaml));
    }
}

fn named(kind: &str, c: &Container) -> KdlNode {
    let mut node = with_arg(kind, c.name.as_str());
    container(&c.settings, node.ensure_children());
    node
}

fn container(c: &ContainerSettings, body: &mut KdlDocument) {
    text(body, "image", &c.image);
    text(body, "image-pull-policy", &c.image_pull_policy);
    if let Some(command) = &c.command {
        let mut node = KdlNode::new("command");
        for part in command {
            node.push(KdlEntry::new(part.as_str()));
        }
        body.nodes_mut().push(node);
    }
    list(body, "args", &c.args);
    for e in &c.env {
        let mut node = with_arg("env", e.name.as_str());
        if let Some(value) = &e.value {
            node.push(KdlEntry::new(value.as_str()));
        }
        for (name, value) in [
            ("field", &e.field),
            ("secret", &e.secret),
            ("config-map", &e.config_map),
            ("key", &e.key),
        ] {
            if let Some(value) = value {
                node.push(KdlEntry::new_prop(name, value.as_str()));
            }
        }
        if let Some(optional) = e.optional {
            node.push(KdlEntry::new_prop("optional", optional));
        }
        body.nodes_mut().push(node);
    }
    for e in &c.env_from {
        body.nodes_mut().push(object("env-from", e));
    }
    for p in &c.ports {
        let mut node = KdlNode::new("port");
        if let Some(name) = &p.name {
            node.push(KdlEntry::new(name.as_str()));
        }
        node.push(KdlEntry::new(i128::from(p.container_port)));
        if let Some(host) = p.host_port {
            if host == p.container_port {
                node.push(KdlEntry::new_prop("host", true));
            } else {
                node.push(KdlEntry::new_prop("host", i128::from(host)));
            }
        }
        if let Some(protocol) = &p.protocol {
            node.push(KdlEntry::new_prop("protocol", protocol.as_str()));
        }
        body.nodes_mut().push(node);
    }
    map(body, "requests", &c.requests);
    map(body, "limits", &c.limits);
    for m in &c.mounts {
        body.nodes_mut().push(mount(m));
    }
    flag(body, "privileged", c.privileged);
    if let Some(user) = c.run_as_user {
        body.nodes_mut()
            .push(with_arg("run-as-user", i128::from(user)));
    }
    flag(body, "run-as-non-root", c.run_as_non_root);
    flag(
        body,
        "read-only-root-filesystem",
        c.read_only_root_filesystem,
    );
    flag(
        body,
        "allow-privilege-escalation",
        c.allow_privilege_escalation,
    );
    list(body, "capabilities-add", &c.capabilities_add);
    list(body, "capabilities-drop", &c.capabilities_drop);
    if let Some(context) = &c.security_context {
        body.nodes_mut().push(object("security-context", context));
    }
    for (name, probe) in [
        ("liveness-probe", &c.liveness_probe),
        ("readiness-probe", &c.readiness_probe),
        ("startup-probe", &c.startup_probe),
    ] {
        if let Some(probe) = probe {
            body.nodes_mut().push(object(name, probe));
        }
    }
    if let Some(lifecycle) = &c.lifecycle {
        body.nodes_mut().push(object("lifecycle", lifecycle));
    }
    text(
        body,
        "termination-message-policy",
        &c.termination_message_policy,
    );
    text(
        body,
        "termination-message-path",
        &c.termination_message_path,
    );
    text(body, "working-dir", &c.working_dir);
    flag(body, "tty", c.tty);
    flag(body, "stdin", c.stdin);
}

/// A mount: by its source (`host-path`, `config-map`, `secret`, `empty-dir`), or naming a
/// volume of `volumes` (`mount`).
fn mount(m: &Mount) -> KdlNode {
    let mut node = if let Some(path) = &m.host_path {
        let mut node = with_arg("host-path", path.as_str());
        if let Some(name) = &m.name {
            node.push(KdlEntry::new_prop("name", name.as_str()));
        }
        if let Some(kind) = &m.host_path_type {
            node.push(KdlEntry::new_prop("type", kind.as_str()));
        }
        node
    } else if let Some(source) = m
        .config_map
        .as_ref()
        .map(|c| ("config-map", c))
        .or(m.secret.as_ref().map(|s| ("secret", s)))
    {
        let mut node = with_arg(source.0, source.1.as_str());
        if let Some(name) = &m.name {
            node.push(KdlEntry::new_prop("name", name.as_str()));
        }
        node
    } else if let Some(dir) = &m.empty_dir {
        let mut node = with_arg("empty-dir", m.name.clone().unwrap_or_default());
        if let Some(medium) = &dir.medium {
            node.push(KdlEntry::new_prop("medium", medium.as_str()));
        }
        if let Some(limit) = &dir.size_limit {
            node.push(KdlEntry::new_prop("size-limit", limit.as_str()));
        }
        node
    } else {
        with_arg("mount", m.name.clone().unwrap_or_default())
    };
    node.push(KdlEntry::new_prop("mount", m.mount_path.as_str()));
    if let Some(read_only) = m.read_only {
        node.push(KdlEntry::new_prop("read-only", read_only));
    }
    if let Some(propagation) = &m.mount_propagation {
        node.push(KdlEntry::new_prop("propagation", propagation.as_str()));
    }
    if let Some(sub_path) = &m.sub_path {
        node.push(KdlEntry::new_prop("sub-path", sub_path.as_str()));
    }
    node
}

fn toleration(t: &Toleration) -> KdlNode {
    let mut node = KdlNode::new("tolerate");
    if let Some(key) = &t.key {
        node.push(KdlEntry::new(key.as_str()));
    }
    for (name, value) in [
        ("value", &t.value),
        ("operator", &t.operator),
        ("effect", &t.effect),
    ] {
        if let Some(value) = value {
            node.push(KdlEntry::new_prop(name, value.as_str()));
        }
    }
    if let Some(seconds) = t.toleration_seconds {
        node.push(KdlEntry::new_prop("seconds", i128::from(seconds)));
    }
    node
}

/// A Kubernetes object as a node, by its schema: scalars as properties (a `name` as the
/// first argument), objects as child nodes, lists of scalars as one child's arguments,
/// lists of objects as the child repeated.
fn object<T: Serialize + JsonSchema>(name: &str, value: &T) -> KdlNode {
    let root = schema_of::<T>();
    let json = serde_json::to_value(value).unwrap_or(Value::Null);
    object_node(name, &json, root, root)
}

fn object_node(name: &str, value: &Value, schema: &Value, root: &Value) -> KdlNode {
    let mut node = KdlNode::new(name);
    let Value::Object(fields) = value else {
        return node;
    };
    let field_schemas = match shape(schema, root) {
        Shape::Object(fields) => Some(fields),
        _ => None,
    };
    if let Some(Value::String(object_name)) = fields.get("name")
        && field_schemas.is_some()
    {
        node.push(KdlEntry::new(object_name.as_str()));
    }
    for (field, value) in fields {
        if field == "name" && field_schemas.is_some() && value.is_string() {
            continue;
        }
        let field_schema = field_schemas
            .and_then(|f| f.get(field))
            .map(|s| resolve(s, root))
            .unwrap_or(&Value::Null);
        // A map's keys are written as they are; an object's fields in kebab-case.
        let key = if field_schemas.is_some() {
            kebab(field)
        } else {
            field.clone()
        };
        match value {
            Value::Object(_) => {
                let child = object_node(&key, value, field_schema, root);
                node.ensure_children().nodes_mut().push(child);
            }
            Value::Array(items) => {
                let item_schema = field_schema.get("items").unwrap_or(&Value::Null);
                if items.iter().all(|i| !i.is_object()) {
                    let mut child = KdlNode::new(key.as_str());
                    for item in items {
                        if let Some(v) = scalar(item) {
                            child.push(KdlEntry::new(v));
                        }
                    }
                    node.ensure_children().nodes_mut().push(child);
                } else {
                    for item in items {
                        let child = object_node(&key, item, item_schema, root);
                        node.ensure_children().nodes_mut().push(child);
                    }
                }
            }
            _ => {
                if let Some(v) = scalar(value) {
                    node.push(KdlEntry::new_prop(key.as_str(), v));
                }
            }
        }
    }
    node
}

fn scalar(value: &Value) -> Option<KdlValue> {
    match value {
        Value::String(s) => Some(KdlValue::String(s.clone())),
        Value::Bool(b) => Some(KdlValue::Bool(*b)),
        Value::Number(n) => n
            .as_i64()
            .map(|i| KdlValue::Integer(i128::from(i)))
            .or_else(|| n.as_f64().map(KdlValue::Float)),
        _ => None,
    }
}
