//! The KDL 2.0 form of a description, lowered by hand into the model so that every value
//! keeps its span. Lowering never stops at the first problem: it reports every problem of
//! the file and keeps what it could read.

use std::collections::BTreeMap;
use std::sync::Arc;

use kdl::{KdlDocument, KdlEntry, KdlNode, KdlValue};

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::{
    API_VERSION, Class, Container, ContainerSettings, Daemon, DaemonMetadata, DaemonSpec, EmptyDir,
    EnvVar, IntOrPercent, KIND, Mount, NodeMatch, Operator, Port, Settings, Toleration, Update,
};
use crate::parse::ParsedDaemon;
use crate::source::{SourceFile, Span, SpanMap, pointer};

mod object;

/// Nodes every container (the main one included) takes.
const CONTAINER_NODES: &[&str] = &[
    "image",
    "image-pull-policy",
    "command",
    "args",
    "env",
    "port",
    "requests",
    "limits",
    "host-path",
    "config-map",
    "secret",
    "empty-dir",
    "privileged",
    "run-as-user",
    "run-as-non-root",
    "read-only-root-filesystem",
    "allow-privilege-escalation",
    "capabilities-add",
    "capabilities-drop",
    "mount",
    "security-context",
    "liveness-probe",
    "readiness-probe",
    "startup-probe",
    "lifecycle",
    "termination-message-policy",
    "termination-message-path",
    "env-from",
    "working-dir",
    "tty",
    "stdin",
];

/// Nodes a daemon and a class take besides the container ones.
const POD_NODES: &[&str] = &[
    "labels",
    "annotations",
    "container",
    "init-container",
    "host-network",
    "host-pid",
    "host-ipc",
    "dns-policy",
    "service-account",
    "priority-class",
    "termination-grace-period",
    "tolerate",
    "update",
    "patch",
    "pod-labels",
    "daemonset-labels",
    "daemonset-annotations",
    "daemonset-name",
    "selector",
    "container-name",
    "node-selector",
    "pod-security-context",
    "image-pull-secrets",
    "runtime-class",
    "automount-service-account-token",
    "dns-config",
    "volume",
    "template-name",
    "node-affinity",
];

const DAEMON_ONLY_NODES: &[&str] = &["namespace", "nodes", "class"];
const CLASS_ONLY_NODES: &[&str] = &["match"];

/// Where a settings block sits, which decides the nodes it may hold.
#[derive(Clone, Copy, PartialEq)]
enum Scope {
    Daemon,
    Class,
}

/// Lowers one KDL file into its daemons.
pub fn parse(file: &Arc<SourceFile>) -> (Vec<ParsedDaemon>, Vec<Diagnostic>) {
    let mut lower = Lower {
        file: file.clone(),
        diagnostics: Vec::new(),
        spans: SpanMap::default(),
    };
    let document = match KdlDocument::parse(&file.text) {
        Ok(document) => document,
        Err(error) => {
            // KDL 1 habits at their tokens, then the crate's errors once per position.
            let diagnostics = super::kdl1::diagnose(file, &error.diagnostics);
            return (Vec::new(), diagnostics);
        }
    };
    let mut daemons = Vec::new();
    for node in document.nodes() {
        if node.name().value() == "daemon" {
            lower.spans = SpanMap::default();
            if let Some(daemon) = lower.daemon(node) {
                daemons.push(ParsedDaemon {
                    daemon,
                    spans: std::mem::take(&mut lower.spans),
                    file: file.clone(),
                });
            }
        } else {
            lower.unknown_node(node, &["daemon"], "at the top level");
        }
    }
    if document.nodes().is_empty() {
        lower.diagnostics.push(
            Diagnostic::new(Code::missing_value, "the description holds no daemon")
                .at(file, (0, 0), "empty file")
                .with_help("describe a daemon: daemon \"NAME\" { image \"…\" }"),
        );
    }
    (daemons, lower.diagnostics)
}

/// A message as ours are written: its first letter lowercase, no final period.
pub(super) fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first
            .to_lowercase()
            .chain(chars)
            .collect::<String>()
            .trim_end_matches('.')
            .to_string(),
        None => String::new(),
    }
}

struct Lower {
    file: Arc<SourceFile>,
    diagnostics: Vec<Diagnostic>,
    spans: SpanMap,
}

/// The entries of a node, split into arguments and properties, after their shape was
/// checked against what the node takes.
struct Entries<'a> {
    args: Vec<&'a KdlEntry>,
    props: BTreeMap<&'a str, &'a KdlEntry>,
}

impl<'a> Entries<'a> {
    fn prop(&self, name: &str) -> Option<&'a KdlEntry> {
        self.props.get(name).copied()
    }
}

impl Lower {
    fn error(
        &mut self,
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diagnostics.push(
            Diagnostic::new(code, message)
                .at(&self.file, span, label)
                .with_help(help),
        );
    }

    fn unknown_node(&mut self, node: &KdlNode, allowed: &[&str], place: &str) {
        let name = node.name().value();
        let help = match (name, place) {
            ("match", "in a daemon") => {
                "put it inside `nodes { … }` to limit the whole daemon, or inside a `class`"
                    .to_string()
            }
            ("nodes" | "class" | "namespace", "in a class") => {
                format!("only a daemon takes `{name}`: move it out of the class")
            }
            _ => match did_you_mean(name, allowed.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("{place} these nodes are allowed: {}", allowed.join(", ")),
            },
        };
        let mut message = format!("unknown node `{name}` {place}");
        if CLASS_ONLY_NODES.contains(&name) || DAEMON_ONLY_NODES.contains(&name) {
            message = format!("`{name}` is not allowed {place}");
        }
        self.error(
            Code::unknown_node,
            message,
            node.name().span(),
            "not a node of the description language",
            help,
        );
    }

    /// Checks that `node` has between `min` and `max` arguments and only the named
    /// properties, and no children unless `children` is true.
    fn entries<'a>(
        &mut self,
        node: &'a KdlNode,
        min: usize,
        max: usize,
        props: &[&str],
        children: bool,
    ) -> Entries<'a> {
        let name = node.name().value();
        let mut entries = Entries {
            args: Vec::new(),
            props: BTreeMap::new(),
        };
        for entry in node.entries() {
            match entry.name() {
                None => {
                    if entries.args.len() >= max {
                        let takes = match max {
                            0 => "no arguments".to_string(),
                            1 => "one argument".to_string(),
                            n => format!("at most {n} arguments"),
                        };
                        self.error(
                            Code::unexpected_argument,
                            format!("`{name}` takes {takes}"),
                            entry.span(),
                            "unexpected argument",
                            format!(
                                "remove it, or give it as one of the properties: {}",
                                list_or_none(props)
                            ),
                        );
                    } else {
                        entries.args.push(entry);
                    }
                }
                Some(key) => {
                    let key_name = key.value();
                    if props.contains(&key_name) {
                        if entries.props.insert(key_name, entry).is_some() {
                            self.error(
                                Code::duplicate_setting,
                                format!("property `{key_name}` is given twice"),
                                entry.span(),
                                "given again here",
                                "keep one of them",
                            );
                        }
                    } else {
                        let help = match did_you_mean(key_name, props.iter().copied()) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => {
                                format!("`{name}` takes these properties: {}", list_or_none(props))
                            }
                        };
                        self.error(
                            Code::unknown_property,
                            format!("`{name}` has no property `{key_name}`"),
                            key.span(),
                            "unknown property",
                            help,
                        );
                    }
                }
            }
        }
        if entries.args.len() < min {
            let wants = if min == 1 {
                "an argument".to_string()
            } else {
                format!("{min} arguments")
            };
            self.error(
                Code::missing_value,
                format!("`{name}` needs {wants}"),
                node.span(),
                "missing argument",
                node_usage(name),
            );
        }
        if !children && let Some(block) = node.children() {
            self.error(
                Code::unexpected_argument,
                format!("`{name}` takes no children block"),
                block.span(),
                "unexpected block",
                "remove the { … } block",
            );
        }
        entries
    }

    fn type_error(&mut self, entry: &KdlEntry, expected: &str) {
        let found = type_name(entry.value());
        self.error(
            Code::wrong_type,
            format!("expected {expected}, found {found}"),
            entry.span(),
            format!("this is {found}"),
            match expected {
                "a string" => "put the value in double quotes".to_string(),
                "a boolean" => "write #true or #false".to_string(),
                _ => format!("give {expected} here"),
            },
        );
    }

    fn string(&mut self, entry: &KdlEntry, at: &str) -> Option<String> {
        self.spans.insert(at, entry.span());
        match entry.value() {
            KdlValue::String(s) => Some(s.clone()),
            _ => {
                self.type_error(entry, "a string");
                None
            }
        }
    }

    /// A string, or a number written as its decimal text (quantities, match values).
    fn string_or_number(&mut self, entry: &KdlEntry, at: &str) -> Option<String> {
        self.spans.insert(at, entry.span());
        match entry.value() {
            KdlValue::String(s) => Some(s.clone()),
            KdlValue::Integer(i) => Some(i.to_string()),
            KdlValue::Float(f) => Some(f.to_string()),
            _ => {
                self.type_error(entry, "a string or a number");
                None
            }
        }
    }

    fn integer(&mut self, entry: &KdlEntry, at: &str) -> Option<i64> {
        self.spans.insert(at, entry.span());
        match entry.value() {
            KdlValue::Integer(i) => match i64::try_from(*i) {
                Ok(i) => Some(i),
                Err(_) => {
                    self.error(
                        Code::wrong_type,
                        "integer out of range",
                        entry.span(),
                        "too large",
                        "give a 64-bit integer",
                    );
                    None
                }
            },
            _ => {
                self.type_error(entry, "an integer");
                None
            }
        }
    }

    fn boolean(&mut self, entry: &KdlEntry, at: &str) -> Option<bool> {
        self.spans.insert(at, entry.span());
        match entry.value() {
            KdlValue::Bool(b) => Some(*b),
            _ => {
                self.type_error(entry, "a boolean");
                None
            }
        }
    }

    /// A flag node: `host-network` alone or `host-network #true|#false`.
    fn flag(&mut self, node: &KdlNode, at: &str) -> Option<bool> {
        let e = self.entries(node, 0, 1, &[], false);
        self.spans.insert(at, node.span());
        match e.args.first() {
            Some(entry) => self.boolean(entry, at),
            None => Some(true),
        }
    }

    fn string_arg(&mut self, node: &KdlNode, at: &str) -> Option<String> {
        let e = self.entries(node, 1, 1, &[], false);
        self.spans.insert(at, node.span());
        e.args.first().and_then(|entry| self.string(entry, at))
    }

    fn integer_arg(&mut self, node: &KdlNode, at: &str) -> Option<i64> {
        let e = self.entries(node, 1, 1, &[], false);
        self.spans.insert(at, node.span());
        e.args.first().and_then(|entry| self.integer(entry, at))
    }

    fn string_args(&mut self, node: &KdlNode, at: &str, start: usize) -> Vec<String> {
        let e = self.entries(node, 1, usize::MAX, &[], false);
        e.args
            .iter()
            .enumerate()
            .filter_map(|(i, entry)| self.string(entry, &pointer(at, start + i)))
            .collect()
    }

    /// Sets a scalar setting once; a second node of the same name is an error.
    fn set_once<T>(&mut self, slot: &mut Option<T>, value: Option<T>, node: &KdlNode) {
        if slot.is_some() {
            let name = node.name().value();
            self.error(
                Code::duplicate_setting,
                format!("`{name}` is given twice"),
                node.span(),
                "given again here",
                format!("keep one `{name}`; a class can override the daemon's"),
            );
        }
        if value.is_some() {
            *slot = value;
        }
    }

    fn daemon(&mut self, node: &KdlNode) -> Option<Daemon> {
        let e = self.entries(node, 1, 1, &[], true);
        self.spans.insert("", node.span());
        self.spans.insert("/metadata", node.span());
        let name = e
            .args
            .first()
            .and_then(|entry| self.string(entry, "/metadata/name"));
        let mut metadata = DaemonMetadata {
            name: name.clone().unwrap_or_default(),
            namespace: None,
        };
        let mut spec = DaemonSpec::default();
        let Some(children) = node.children() else {
            self.error(
                Code::missing_value,
                "the daemon has no body",
                node.span(),
                "no { … } block",
                "add at least: daemon \"NAME\" { image \"REGISTRY/IMAGE:TAG\" }",
            );
            return None;
        };
        self.spans.insert("/spec", children.span());
        let mut classes_seen = 0;
        for child in children.nodes() {
            match child.name().value() {
                "namespace" => {
                    let value = self.string_arg(child, "/metadata/namespace");
                    self.set_once(&mut metadata.namespace, value, child);
                }
                "nodes" => {
                    self.entries(child, 0, 0, &[], true);
                    match child.children() {
                        Some(block) => {
                            for m in block.nodes() {
                                if m.name().value() == "match" {
                                    let at = pointer("/spec/nodes", spec.nodes.len());
                                    if let Some(matched) = self.node_match(m, &at) {
                                        spec.nodes.push(matched);
                                    }
                                } else {
                                    self.unknown_node(m, &["match"], "inside `nodes`");
                                }
                            }
                        }
                        None => self.error(
                            Code::missing_value,
                            "`nodes` needs a block of `match` lines",
                            child.span(),
                            "no { … } block",
                            "nodes { match \"kubernetes.io/os\" \"linux\" }",
                        ),
                    }
                }
                "class" => {
                    let at = pointer("/spec/classes", classes_seen);
                    classes_seen += 1;
                    if let Some(class) = self.class(child, &at) {
                        spec.classes.push(class);
                    }
                }
                _ => self.setting(child, &mut spec.settings, "/spec", Scope::Daemon),
            }
        }
        Some(Daemon {
            api_version: API_VERSION.into(),
            kind: KIND.into(),
            metadata,
            spec,
        })
        .filter(|_| name.is_some())
    }

    fn class(&mut self, node: &KdlNode, at: &str) -> Option<Class> {
        let e = self.entries(node, 1, 1, &[], true);
        self.spans.insert(at, node.span());
        let name = e
            .args
            .first()
            .and_then(|entry| self.string(entry, &pointer(at, "name")))?;
        let mut class = Class {
            name,
            ..Class::default()
        };
        if let Some(children) = node.children() {
            for child in children.nodes() {
                if child.name().value() == "match" {
                    let m_at = pointer(&pointer(at, "match"), class.matches.len());
                    if let Some(m) = self.node_match(child, &m_at) {
                        class.matches.push(m);
                    }
                } else {
                    self.setting(child, &mut class.settings, at, Scope::Class);
                }
            }
        }
        Some(class)
    }

    /// `match "KEY" "V1" "V2"` or `match "KEY" op="Exists"`.
    fn node_match(&mut self, node: &KdlNode, at: &str) -> Option<NodeMatch> {
        let e = self.entries(node, 1, usize::MAX, &["op"], false);
        self.spans.insert(at, node.span());
        let key = self.string(e.args.first()?, &pointer(at, "key"))?;
        let operator = match e.prop("op") {
            Some(entry) => {
                let text = self.string(entry, &pointer(at, "operator"))?;
                match Operator::parse(&text) {
                    Some(op) => op,
                    None => {
                        let names: Vec<&str> = Operator::ALL.iter().map(|o| o.as_str()).collect();
                        let help = match did_you_mean(&text, names.iter().copied()) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => format!("use one of {}", names.join(", ")),
                        };
                        self.error(
                            Code::invalid_node_selector,
                            format!("unknown operator `{text}`"),
                            entry.span(),
                            "not a node selector operator",
                            help,
                        );
                        return None;
                    }
                }
            }
            None => Operator::In,
        };
        let values_at = pointer(at, "values");
        let values = e.args[1..]
            .iter()
            .enumerate()
            .filter_map(|(i, entry)| self.string_or_number(entry, &pointer(&values_at, i)))
            .collect();
        Some(NodeMatch {
            key,
            operator,
            values,
        })
    }

    /// One node of a daemon's or class's body.
    fn setting(&mut self, node: &KdlNode, settings: &mut Settings, at: &str, scope: Scope) {
        let name = node.name().value();
        match name {
            "labels" => self.string_map(node, &mut settings.labels, &pointer(at, "labels")),
            "annotations" => {
                self.string_map(node, &mut settings.annotations, &pointer(at, "annotations"))
            }
            "container" | "init-container" => {
                let (list, field) = if name == "container" {
                    (&mut settings.containers, "containers")
                } else {
                    (&mut settings.init_containers, "initContainers")
                };
                let c_at = pointer(&pointer(at, field), list.len());
                if let Some(container) = self.container(node, &c_at) {
                    list.push(container);
                }
            }
            "host-network" => {
                let v = self.flag(node, &pointer(at, "hostNetwork"));
                self.set_once(&mut settings.host_network, v, node);
            }
            "host-pid" => {
                let v = self.flag(node, &pointer(at, "hostPID"));
                self.set_once(&mut settings.host_pid, v, node);
            }
            "host-ipc" => {
                let v = self.flag(node, &pointer(at, "hostIPC"));
                self.set_once(&mut settings.host_ipc, v, node);
            }
            "dns-policy" => {
                let v = self.string_arg(node, &pointer(at, "dnsPolicy"));
                self.set_once(&mut settings.dns_policy, v, node);
            }
            "service-account" => {
                let v = self.string_arg(node, &pointer(at, "serviceAccount"));
                self.set_once(&mut settings.service_account, v, node);
            }
            "priority-class" => {
                let v = self.string_arg(node, &pointer(at, "priorityClass"));
                self.set_once(&mut settings.priority_class, v, node);
            }
            "termination-grace-period" => {
                let v = self.integer_arg(node, &pointer(at, "terminationGracePeriodSeconds"));
                self.set_once(&mut settings.termination_grace_period_seconds, v, node);
            }
            "tolerate" => {
                let t_at = pointer(&pointer(at, "tolerations"), settings.tolerations.len());
                if let Some(t) = self.toleration(node, &t_at) {
                    settings.tolerations.push(t);
                }
            }
            "update" => {
                let v = self.update(node, &pointer(at, "update"));
                self.set_once(&mut settings.update, v, node);
            }
            "patch" => {
                let v = self.patch(node, &pointer(at, "patch"));
                self.set_once(&mut settings.patch, v, node);
            }
            "pod-labels" => {
                self.string_map(node, &mut settings.pod_labels, &pointer(at, "podLabels"))
            }
            "daemonset-labels" => self.string_map(
                node,
                &mut settings.daemonset_labels,
                &pointer(at, "daemonsetLabels"),
            ),
            "daemonset-annotations" => self.string_map(
                node,
                &mut settings.daemonset_annotations,
                &pointer(at, "daemonsetAnnotations"),
            ),
            "selector" => self.string_map(node, &mut settings.selector, &pointer(at, "selector")),
            "node-selector" => self.string_map(
                node,
                &mut settings.node_selector,
                &pointer(at, "nodeSelector"),
            ),
            "daemonset-name" => {
                let v = self.string_arg(node, &pointer(at, "daemonsetName"));
                self.set_once(&mut settings.daemonset_name, v, node);
            }
            "template-name" => {
                let v = self.string_arg(node, &pointer(at, "templateName"));
                self.set_once(&mut settings.template_name, v, node);
            }
            "node-affinity" => {
                let v = self.object(node, &pointer(at, "nodeAffinity"));
                self.set_once(&mut settings.node_affinity, v, node);
            }
            "container-name" => {
                let v = self.string_arg(node, &pointer(at, "containerName"));
                self.set_once(&mut settings.container_name, v, node);
            }
            "runtime-class" => {
                let v = self.string_arg(node, &pointer(at, "runtimeClassName"));
                self.set_once(&mut settings.runtime_class_name, v, node);
            }
            "automount-service-account-token" => {
                let v = self.flag(node, &pointer(at, "automountServiceAccountToken"));
                self.set_once(&mut settings.automount_service_account_token, v, node);
            }
            "image-pull-secrets" => {
                let start = settings.image_pull_secrets.len();
                let v = self.string_args(node, &pointer(at, "imagePullSecrets"), start);
                settings.image_pull_secrets.extend(v);
            }
            "pod-security-context" => {
                let v = self.object(node, &pointer(at, "podSecurityContext"));
                self.set_once(&mut settings.pod_security_context, v, node);
            }
            "dns-config" => {
                let v = self.object(node, &pointer(at, "dnsConfig"));
                self.set_once(&mut settings.dns_config, v, node);
            }
            "volume" => {
                let v_at = pointer(&pointer(at, "volumes"), settings.volumes.len());
                if let Some(v) = self.object(node, &v_at) {
                    settings.volumes.push(v);
                }
            }
            _ if CONTAINER_NODES.contains(&name) => {
                self.container_setting(node, &mut settings.main, at)
            }
            _ => {
                let (place, own) = match scope {
                    Scope::Daemon => ("in a daemon", DAEMON_ONLY_NODES),
                    Scope::Class => ("in a class", CLASS_ONLY_NODES),
                };
                let allowed: Vec<&str> = CONTAINER_NODES
                    .iter()
                    .chain(POD_NODES)
                    .chain(own)
                    .copied()
                    .collect();
                self.unknown_node(node, &allowed, place);
            }
        }
    }

    fn container(&mut self, node: &KdlNode, at: &str) -> Option<Container> {
        let e = self.entries(node, 1, 1, &[], true);
        self.spans.insert(at, node.span());
        let name = self.string(e.args.first()?, &pointer(at, "name"))?;
        let mut container = Container {
            name,
            settings: ContainerSettings::default(),
        };
        if let Some(children) = node.children() {
            for child in children.nodes() {
                if CONTAINER_NODES.contains(&child.name().value()) {
                    self.container_setting(child, &mut container.settings, at);
                } else {
                    self.unknown_node(child, CONTAINER_NODES, "in a container");
                }
            }
        }
        Some(container)
    }

    fn container_setting(&mut self, node: &KdlNode, c: &mut ContainerSettings, at: &str) {
        let name = node.name().value();
        match name {
            "image" => {
                let v = self.string_arg(node, &pointer(at, "image"));
                self.set_once(&mut c.image, v, node);
            }
            "image-pull-policy" => {
                let v = self.string_arg(node, &pointer(at, "imagePullPolicy"));
                self.set_once(&mut c.image_pull_policy, v, node);
            }
            "command" => {
                let v = self.string_args(node, &pointer(at, "command"), 0);
                self.set_once(&mut c.command, Some(v), node);
            }
            "args" => {
                let start = c.args.len();
                let v = self.string_args(node, &pointer(at, "args"), start);
                c.args.extend(v);
            }
            "env" => {
                let e_at = pointer(&pointer(at, "env"), c.env.len());
                if let Some(v) = self.env(node, &e_at) {
                    c.env.push(v);
                }
            }
            "port" => {
                let p_at = pointer(&pointer(at, "ports"), c.ports.len());
                if let Some(v) = self.port(node, &p_at) {
                    c.ports.push(v);
                }
            }
            "requests" => self.resources(node, &mut c.requests, &pointer(at, "requests")),
            "limits" => self.resources(node, &mut c.limits, &pointer(at, "limits")),
            "security-context" => {
                let v = self.object(node, &pointer(at, "securityContext"));
                self.set_once(&mut c.security_context, v, node);
            }
            "liveness-probe" => {
                let v = self.object(node, &pointer(at, "livenessProbe"));
                self.set_once(&mut c.liveness_probe, v, node);
            }
            "readiness-probe" => {
                let v = self.object(node, &pointer(at, "readinessProbe"));
                self.set_once(&mut c.readiness_probe, v, node);
            }
            "startup-probe" => {
                let v = self.object(node, &pointer(at, "startupProbe"));
                self.set_once(&mut c.startup_probe, v, node);
            }
            "lifecycle" => {
                let v = self.object(node, &pointer(at, "lifecycle"));
                self.set_once(&mut c.lifecycle, v, node);
            }
            "env-from" => {
                let e_at = pointer(&pointer(at, "envFrom"), c.env_from.len());
                if let Some(v) = self.object(node, &e_at) {
                    c.env_from.push(v);
                }
            }
            "termination-message-policy" => {
                let v = self.string_arg(node, &pointer(at, "terminationMessagePolicy"));
                self.set_once(&mut c.termination_message_policy, v, node);
            }
            "termination-message-path" => {
                let v = self.string_arg(node, &pointer(at, "terminationMessagePath"));
                self.set_once(&mut c.termination_message_path, v, node);
            }
            "working-dir" => {
                let v = self.string_arg(node, &pointer(at, "workingDir"));
                self.set_once(&mut c.working_dir, v, node);
            }
            "tty" => {
                let v = self.flag(node, &pointer(at, "tty"));
                self.set_once(&mut c.tty, v, node);
            }
            "stdin" => {
                let v = self.flag(node, &pointer(at, "stdin"));
                self.set_once(&mut c.stdin, v, node);
            }
            "host-path" | "config-map" | "secret" | "empty-dir" | "mount" => {
                let m_at = pointer(&pointer(at, "mounts"), c.mounts.len());
                if let Some(v) = self.mount(node, &m_at) {
                    c.mounts.push(v);
                }
            }
            "privileged" => {
                let v = self.flag(node, &pointer(at, "privileged"));
                self.set_once(&mut c.privileged, v, node);
            }
            "run-as-user" => {
                let v = self.integer_arg(node, &pointer(at, "runAsUser"));
                self.set_once(&mut c.run_as_user, v, node);
            }
            "run-as-non-root" => {
                let v = self.flag(node, &pointer(at, "runAsNonRoot"));
                self.set_once(&mut c.run_as_non_root, v, node);
            }
            "read-only-root-filesystem" => {
                let v = self.flag(node, &pointer(at, "readOnlyRootFilesystem"));
                self.set_once(&mut c.read_only_root_filesystem, v, node);
            }
            "allow-privilege-escalation" => {
                let v = self.flag(node, &pointer(at, "allowPrivilegeEscalation"));
                self.set_once(&mut c.allow_privilege_escalation, v, node);
            }
            "capabilities-add" => {
                let start = c.capabilities_add.len();
                let v = self.string_args(node, &pointer(at, "capabilitiesAdd"), start);
                c.capabilities_add.extend(v);
            }
            "capabilities-drop" => {
                let start = c.capabilities_drop.len();
                let v = self.string_args(node, &pointer(at, "capabilitiesDrop"), start);
                c.capabilities_drop.extend(v);
            }
            _ => unreachable!("container_setting is called only for CONTAINER_NODES"),
        }
    }

    /// `labels team="x" "app.kubernetes.io/part-of"="y"`: properties only.
    fn string_map(&mut self, node: &KdlNode, map: &mut BTreeMap<String, String>, at: &str) {
        self.spans.insert(at, node.span());
        self.map_entries(node, map, at, Self::string);
    }

    /// `requests cpu="100m" memory="64Mi" "nvidia.com/gpu"=1`.
    fn resources(&mut self, node: &KdlNode, map: &mut BTreeMap<String, String>, at: &str) {
        self.spans.insert(at, node.span());
        self.map_entries(node, map, at, Self::string_or_number);
    }

    fn map_entries(
        &mut self,
        node: &KdlNode,
        map: &mut BTreeMap<String, String>,
        at: &str,
        read: fn(&mut Self, &KdlEntry, &str) -> Option<String>,
    ) {
        let name = node.name().value();
        if let Some(block) = node.children() {
            self.error(
                Code::unexpected_argument,
                format!("`{name}` takes no children block"),
                block.span(),
                "unexpected block",
                format!("write the entries as properties: {name} key=\"value\""),
            );
        }
        if node.entries().is_empty() {
            self.error(
                Code::missing_value,
                format!("`{name}` has no entries"),
                node.span(),
                "empty",
                format!("write {name} key=\"value\" …"),
            );
        }
        for entry in node.entries() {
            let Some(key) = entry.name() else {
                self.error(
                    Code::unexpected_argument,
                    format!("`{name}` takes only key=value properties"),
                    entry.span(),
                    "an argument, not a property",
                    format!("write it as key=value: {name} \"example.com/key\"=\"value\""),
                );
                continue;
            };
            let key = key.value().to_string();
            if let Some(value) = read(self, entry, &pointer(at, &key))
                && map.insert(key.clone(), value).is_some()
            {
                self.error(
                    Code::duplicate_setting,
                    format!("`{key}` is given twice"),
                    entry.span(),
                    "given again here",
                    "keep one of them",
                );
            }
        }
    }

    /// `env "NAME" "value"`, `env "NAME" field="spec.nodeName"`,
    /// `env "NAME" secret="S" key="K"`, `env "NAME" config-map="C" key="K" optional=#true`.
    fn env(&mut self, node: &KdlNode, at: &str) -> Option<EnvVar> {
        let e = self.entries(
            node,
            1,
            2,
            &["field", "secret", "config-map", "key", "optional"],
            false,
        );
        self.spans.insert(at, node.span());
        let name = self.string(e.args.first()?, &pointer(at, "name"))?;
        let mut env = EnvVar {
            name,
            ..EnvVar::default()
        };
        if let Some(v) = e.args.get(1) {
            env.value = self.string(v, &pointer(at, "value"));
        }
        if let Some(v) = e.prop("field") {
            env.field = self.string(v, &pointer(at, "field"));
        }
        if let Some(v) = e.prop("secret") {
            env.secret = self.string(v, &pointer(at, "secret"));
        }
        if let Some(v) = e.prop("config-map") {
            env.config_map = self.string(v, &pointer(at, "configMap"));
        }
        if let Some(v) = e.prop("key") {
            env.key = self.string(v, &pointer(at, "key"));
        }
        if let Some(v) = e.prop("optional") {
            env.optional = self.boolean(v, &pointer(at, "optional"));
        }
        Some(env)
    }

    /// `port "metrics" 9100 host=#true protocol="UDP"`, or `port 9100`.
    fn port(&mut self, node: &KdlNode, at: &str) -> Option<Port> {
        let e = self.entries(node, 1, 2, &["host", "protocol"], false);
        self.spans.insert(at, node.span());
        let mut port = Port::default();
        let number = match (e.args.first(), e.args.get(1)) {
            (Some(first), None) => first,
            (Some(first), Some(second)) => {
                port.name = self.string(first, &pointer(at, "name"));
                second
            }
            _ => return None,
        };
        port.container_port = self.integer(number, &pointer(at, "containerPort"))?;
        if let Some(host) = e.prop("host") {
            let host_at = pointer(at, "hostPort");
            self.spans.insert(&host_at, host.span());
            port.host_port = match host.value() {
                KdlValue::Bool(true) => Some(port.container_port),
                KdlValue::Bool(false) => None,
                _ => self.integer(host, &host_at),
            };
        }
        if let Some(p) = e.prop("protocol") {
            port.protocol = self.string(p, &pointer(at, "protocol"));
        }
        Some(port)
    }

    /// `host-path "/var/log" mount="/var/log" read-only=#true`, `config-map "NAME" mount=…`,
    /// `secret "NAME" mount=…`, `empty-dir "NAME" mount=… medium="Memory"`.
    fn mount(&mut self, node: &KdlNode, at: &str) -> Option<Mount> {
        let kind = node.name().value();
        let props: &[&str] = match kind {
            "host-path" => &[
                "mount",
                "name",
                "type",
                "read-only",
                "propagation",
                "sub-path",
            ],
            "empty-dir" => &[
                "mount",
                "medium",
                "size-limit",
                "read-only",
                "propagation",
                "sub-path",
            ],
            "mount" => &["mount", "read-only", "propagation", "sub-path"],
            _ => &["mount", "name", "read-only", "propagation", "sub-path"],
        };
        let e = self.entries(node, 1, 1, props, false);
        self.spans.insert(at, node.span());
        let mut mount = Mount::default();
        let source = e.args.first()?;
        match kind {
            "host-path" => mount.host_path = self.string(source, &pointer(at, "hostPath")),
            "config-map" => mount.config_map = self.string(source, &pointer(at, "configMap")),
            "secret" => mount.secret = self.string(source, &pointer(at, "secret")),
            // `mount "VOLUME" mount="/path"`: a volume of `volumes`, by name.
            "mount" => mount.name = self.string(source, &pointer(at, "name")),
            _ => {
                mount.name = self.string(source, &pointer(at, "name"));
                mount.empty_dir = Some(EmptyDir {
                    medium: e
                        .prop("medium")
                        .and_then(|v| self.string(v, &pointer(at, "emptyDir/medium"))),
                    size_limit: e
                        .prop("size-limit")
                        .and_then(|v| self.string_or_number(v, &pointer(at, "emptyDir/sizeLimit"))),
                });
            }
        }
        match e.prop("mount") {
            Some(v) => mount.mount_path = self.string(v, &pointer(at, "mountPath"))?,
            None => {
                self.error(
                    Code::missing_value,
                    format!("`{kind}` needs mount=\"PATH\""),
                    node.span(),
                    "no mount path",
                    format!(
                        "say where the volume appears in the container: {kind} … mount=\"/path\""
                    ),
                );
                return None;
            }
        }
        if let Some(v) = e.prop("name") {
            mount.name = self.string(v, &pointer(at, "name"));
        }
        if let Some(v) = e.prop("type") {
            mount.host_path_type = self.string(v, &pointer(at, "type"));
        }
        if let Some(v) = e.prop("read-only") {
            mount.read_only = self.boolean(v, &pointer(at, "readOnly"));
        }
        if let Some(v) = e.prop("propagation") {
            mount.mount_propagation = self.string(v, &pointer(at, "mountPropagation"));
        }
        if let Some(v) = e.prop("sub-path") {
            mount.sub_path = self.string(v, &pointer(at, "subPath"));
        }
        Some(mount)
    }

    /// `tolerate "KEY" value="V" operator="Equal" effect="NoSchedule" seconds=300`, or
    /// `tolerate operator="Exists"` for every taint.
    fn toleration(&mut self, node: &KdlNode, at: &str) -> Option<Toleration> {
        let e = self.entries(
            node,
            0,
            1,
            &["value", "operator", "effect", "seconds"],
            false,
        );
        self.spans.insert(at, node.span());
        let mut t = Toleration::default();
        if let Some(key) = e.args.first() {
            t.key = self.string(key, &pointer(at, "key"));
        }
        if let Some(v) = e.prop("value") {
            t.value = self.string(v, &pointer(at, "value"));
        }
        if let Some(v) = e.prop("operator") {
            t.operator = self.string(v, &pointer(at, "operator"));
        }
        if let Some(v) = e.prop("effect") {
            t.effect = self.string(v, &pointer(at, "effect"));
        }
        if let Some(v) = e.prop("seconds") {
            t.toleration_seconds = self.integer(v, &pointer(at, "tolerationSeconds"));
        }
        if t.key.is_none() && t.operator.is_none() {
            self.error(Code::missing_value, "`tolerate` needs a taint key or operator=\"Exists\"", node.span(), "tolerates nothing", "name the taint key (tolerate \"nvidia.com/gpu\"), or tolerate every taint with tolerate operator=\"Exists\"");
        }
        Some(t)
    }

    /// `update max-unavailable="10%" max-surge=0 min-ready-seconds=30`, or `update "OnDelete"`.
    fn update(&mut self, node: &KdlNode, at: &str) -> Option<Update> {
        let e = self.entries(
            node,
            0,
            1,
            &[
                "max-unavailable",
                "max-surge",
                "min-ready-seconds",
                "revision-history-limit",
            ],
            false,
        );
        self.spans.insert(at, node.span());
        let mut update = Update::default();
        if let Some(v) = e.args.first() {
            update.strategy = self.string(v, &pointer(at, "strategy"));
        }
        for (prop, field) in [
            ("max-unavailable", "maxUnavailable"),
            ("max-surge", "maxSurge"),
        ] {
            let Some(entry) = e.prop(prop) else { continue };
            let p = pointer(at, field);
            self.spans.insert(&p, entry.span());
            let value = match entry.value() {
                KdlValue::String(s) => Some(IntOrPercent::String(s.clone())),
                KdlValue::Integer(_) => self.integer(entry, &p).map(IntOrPercent::Int),
                _ => {
                    self.type_error(entry, "an integer or a percentage string");
                    None
                }
            };
            if prop == "max-surge" {
                update.max_surge = value;
            } else {
                update.max_unavailable = value;
            }
        }
        if let Some(v) = e.prop("min-ready-seconds") {
            update.min_ready_seconds = self.integer(v, &pointer(at, "minReadySeconds"));
        }
        if let Some(v) = e.prop("revision-history-limit") {
            update.revision_history_limit = self.integer(v, &pointer(at, "revisionHistoryLimit"));
        }
        Some(update)
    }

    /// Records where each field inside a patch's YAML is written in the KDL file, so a
    /// finding about a field the patch sets points at that field's line, not at the
    /// patch. The string's value is its source lines with the closing quotes' indentation
    /// removed (KDL 2.0 multi-line strings), so each value line is the end of its source
    /// line; a line that is not (an escape sequence changed it) leaves the string's
    /// fields at the patch itself.
    fn patch_positions(&mut self, entry: &KdlEntry, text: &str, at: &str) {
        let Ok(documents) = crate::parse::yaml11::documents(text) else {
            return;
        };
        let Some(document) = documents.first() else {
            return;
        };
        let source = &self.file.text;
        let start = entry.span().offset();
        let written = &source[start..(start + entry.span().len()).min(source.len())];
        // The offset in the file of each value line's start.
        let mut line_starts = Vec::new();
        let mut value_offset = 0;
        if let [only] = text.split('\n').collect::<Vec<_>>().as_slice() {
            // A one-line string: its text as written, inside the quotes.
            let Some(found) = written.find(only) else {
                return;
            };
            line_starts.push((0, start + found));
        } else {
            // A multi-line string: value line i is on the (i + 1)th line after the opening.
            let mut source_lines = written.split('\n').scan(start, |offset, line| {
                let here = *offset;
                *offset += line.len() + 1;
                Some((here, line))
            });
            source_lines.next();
            for line in text.split('\n') {
                let Some((offset, written_line)) = source_lines.next() else {
                    return;
                };
                let written_line = written_line.trim_end_matches('\r');
                if !line.is_empty() {
                    if !written_line.ends_with(line) {
                        return;
                    }
                    line_starts.push((value_offset, offset + written_line.len() - line.len()));
                }
                value_offset += line.len() + 1;
            }
        }
        let place = |span: Span| {
            let (value_start, file_start) = line_starts
                .iter()
                .rev()
                .find(|(value_start, _)| *value_start <= span.offset())?;
            Some(Span::from((
                file_start + span.offset() - value_start,
                span.len(),
            )))
        };
        self.spans.extend_under(at, &document.spans, place);
    }

    /// `patch """ YAML """`: a JSON merge patch written as YAML.
    fn patch(&mut self, node: &KdlNode, at: &str) -> Option<serde_json::Value> {
        let e = self.entries(node, 1, 1, &[], false);
        self.spans.insert(at, node.span());
        let entry = e.args.first()?;
        let text = self.string(entry, at)?;
        // YAML as kubectl reads it (YAML 1.1 scalars), like every YAML input.
        match crate::parse::yaml11::value(&text) {
            Ok(value @ serde_json::Value::Object(_)) => {
                self.patch_positions(entry, &text, at);
                Some(value)
            }
            Ok(_) => {
                self.error(Code::invalid_patch, "the patch is not a YAML mapping", entry.span(), "not a mapping", "write the fields to change as a mapping, e.g. patch \"\"\"\\n  spec:\\n    minReadySeconds: 5\\n  \"\"\"");
                None
            }
            Err(problem) => {
                let message = lowercase_first(&problem.message);
                // In a patch, most syntax problems are the dedent of the string.
                let help = if problem.help == crate::parse::yaml11::SYNTAX_HELP {
                    "check the indentation inside the \"\"\" string: every line is dedented by the closing quotes' indentation"
                } else {
                    problem.help
                };
                self.error(
                    Code::invalid_patch,
                    format!("the patch is not valid YAML: {message}"),
                    entry.span(),
                    "malformed YAML",
                    help,
                );
                None
            }
        }
    }
}

fn list_or_none(props: &[&str]) -> String {
    if props.is_empty() {
        "none".into()
    } else {
        props.join(", ")
    }
}

fn type_name(value: &KdlValue) -> &'static str {
    match value {
        KdlValue::String(_) => "a string",
        KdlValue::Integer(_) => "an integer",
        KdlValue::Float(_) => "a float",
        KdlValue::Bool(_) => "a boolean",
        KdlValue::Null => "#null",
    }
}

/// How a node is written, for the help line of a missing argument.
fn node_usage(name: &str) -> String {
    let usage = match name {
        "daemon" => "daemon \"NAME\" { … }",
        "class" => "class \"NAME\" { match \"KEY\" \"VALUE\" }",
        "container" => "container \"NAME\" { image \"…\" }",
        "init-container" => "init-container \"NAME\" { image \"…\" }",
        "match" => "match \"KEY\" \"VALUE\" …, or match \"KEY\" op=\"Exists\"",
        "env" => "env \"NAME\" \"VALUE\", or env \"NAME\" field=\"spec.nodeName\"",
        "port" => "port \"NAME\" NUMBER host=#true",
        "host-path" => "host-path \"/var/log\" mount=\"/var/log\" read-only=#true",
        "config-map" => "config-map \"NAME\" mount=\"/etc/config\"",
        "secret" => "secret \"NAME\" mount=\"/etc/secret\"",
        "empty-dir" => "empty-dir \"NAME\" mount=\"/tmp\"",
        "patch" => "patch \"\"\" YAML \"\"\"",
        "args" | "command" | "capabilities-add" | "capabilities-drop" => "give one or more strings",
        _ => "give a value",
    };
    format!("write it as: {usage}")
}
