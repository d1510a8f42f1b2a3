//! Stage 2, validate: everything the API server would reject in the fields everynode
//! writes, with the same meaning, plus everynode's own rules (classes, merges). Problems
//! point at the description's own values. Nothing here changes the model.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use everynode_k8s::apimachinery as primitives;
use everynode_k8s::selector::ValuesProblem;
use everynode_k8s::validation as daemonset;

use crate::classes::{self, ClassProblem};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Container, ContainerSettings, IntOrPercent, Mount, NodeMatch, Settings};
use crate::parse::ParsedDaemon;
use crate::source::{SourceFile, SpanMap, pointer};

/// Validates every description, and the set of them (duplicates across files).
pub fn validate(daemons: &[ParsedDaemon]) -> Vec<Diagnostic> {
    // Each description alone, on every core (the diagnostics are sorted for reporting, so
    // their order here does not show).
    let mut diagnostics: Vec<Diagnostic> = crate::parallel::on_every_core(
        daemons,
        16,
        |_| 1,
        |part| {
            let mut out = Vec::new();
            for parsed in part {
                Check {
                    file: parsed.file.clone(),
                    spans: &parsed.spans,
                    out: &mut out,
                }
                .daemon(parsed);
            }
            out
        },
    )
    .into_iter()
    .flatten()
    .collect();
    let mut seen: BTreeMap<(String, String), &ParsedDaemon> = BTreeMap::new();
    for parsed in daemons {
        let mut check = Check {
            file: parsed.file.clone(),
            spans: &parsed.spans,
            out: &mut diagnostics,
        };
        let key = (namespace_of(parsed), parsed.daemon.metadata.name.clone());
        if let Some(first) = seen.get(&key) {
            let where_first = first.file.location(
                first
                    .spans
                    .get("/metadata/name")
                    .unwrap_or_else(|| (0, 0).into()),
            );
            check.error(
                Code::duplicate_daemon,
                format!("daemon `{}` is described twice in namespace `{}`", key.1, key.0),
                "/metadata/name",
                "described again here",
                format!("it is first described at {where_first}: keep one, or give this one another name or namespace"),
            );
        } else {
            seen.insert(key, parsed);
        }
    }
    diagnostics
}

/// The namespace a daemon's DaemonSets go to.
pub fn namespace_of(parsed: &ParsedDaemon) -> String {
    parsed
        .daemon
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".into())
}

/// The longest DaemonSet name everynode generates: a DNS-1123 label, because the name is
/// also written as the `app.kubernetes.io/instance` label value.
pub const MAX_DAEMONSET_NAME: usize = 63;

/// Labels everynode writes itself; a description may not set them.
const RESERVED_LABELS: &[&str] = &[
    crate::model::LABEL_NAME,
    crate::model::LABEL_INSTANCE,
    crate::model::LABEL_MANAGED_BY,
    crate::model::LABEL_DAEMON,
    crate::model::LABEL_CLASS,
];

struct Check<'a> {
    file: Arc<SourceFile>,
    spans: &'a SpanMap,
    out: &'a mut Vec<Diagnostic>,
}

impl Check<'_> {
    fn error(
        &mut self,
        code: Code,
        message: impl Into<String>,
        at: &str,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        let span = self.spans.get(at).unwrap_or_else(|| (0, 0).into());
        self.out.push(
            Diagnostic::new(code, message)
                .at(&self.file, span, label)
                .with_help(help),
        );
    }

    /// An error with the key at `at` (a label or annotation key), placed at the key where
    /// the file records it (YAML), else at the entry.
    fn key_error(&mut self, code: Code, message: String, at: &str, help: &str) {
        let span = (self.spans.key(at))
            .or_else(|| self.spans.get(at))
            .unwrap_or_else(|| (0, 0).into());
        self.out.push(
            Diagnostic::new(code, message)
                .at(&self.file, span, "invalid")
                .with_help(help),
        );
    }

    fn checked(
        &mut self,
        result: Result<(), String>,
        code: Code,
        what: &str,
        at: &str,
        help: &str,
    ) {
        if let Err(problem) = result {
            self.error(code, format!("{what} {problem}"), at, "invalid", help);
        }
    }

    fn daemon(&mut self, parsed: &ParsedDaemon) {
        let daemon = &parsed.daemon;
        let name = &daemon.metadata.name;
        self.checked(
            primitives::dns1123_label(name),
            Code::invalid_name,
            &format!("daemon name {name:?}"),
            "/metadata/name",
            "use lowercase letters, digits and '-', at most 63 characters",
        );
        if let Some(ns) = &daemon.metadata.namespace {
            self.checked(
                primitives::dns1123_label(ns),
                Code::invalid_name,
                &format!("namespace {ns:?}"),
                "/metadata/namespace",
                "a namespace is a DNS-1123 label: lowercase letters, digits and '-'",
            );
        }
        self.node_matches(&daemon.spec.nodes, "/spec/nodes");
        self.settings(&daemon.spec.settings, "/spec");
        let classes = &daemon.spec.classes;
        // A written node affinity replaces the compiled one: nothing may compile into it.
        let written_affinity = daemon.spec.settings.node_affinity.is_some()
            || classes.iter().any(|c| c.settings.node_affinity.is_some());
        let compiled =
            !daemon.spec.nodes.is_empty() || classes.iter().any(|c| !c.matches.is_empty());
        if written_affinity && compiled {
            self.error(
                Code::invalid_field,
                "node-affinity is written as is, and cannot be combined with `nodes` or a class's `match`",
                "/spec",
                "both here",
                "keep one way of selecting nodes: the written node-affinity, or nodes and match",
            );
        }
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, class) in classes.iter().enumerate() {
            let at = pointer("/spec/classes", i);
            let name_at = pointer(&at, "name");
            if let Some(first) = names.insert(&class.name, i) {
                self.error(
                    Code::duplicate_class,
                    format!("class `{}` is defined twice", class.name),
                    &name_at,
                    "defined again here",
                    format!(
                        "class {} already has this name: rename or merge them",
                        first + 1
                    ),
                );
            }
            match primitives::dns1123_label(&class.name) {
                Err(problem) => self.error(
                    Code::invalid_name,
                    format!("class name {:?} {problem}", class.name),
                    &name_at,
                    "invalid",
                    "use lowercase letters, digits and '-'",
                ),
                Ok(()) => {
                    let generated = format!("{name}-{}", class.name);
                    if generated.len() > MAX_DAEMONSET_NAME {
                        self.error(Code::invalid_name, format!("the DaemonSet name `{generated}` is {} characters, more than {MAX_DAEMONSET_NAME}", generated.len()), &name_at, "the name DAEMON-CLASS is too long", format!("shorten the daemon or class name by {} characters", generated.len() - MAX_DAEMONSET_NAME));
                    }
                }
            }
            self.node_matches(&class.matches, &pointer(&at, "match"));
            self.settings(&class.settings, &at);
        }
        if self
            .out
            .iter()
            .any(|d| d.code == Code::invalid_node_selector)
        {
            return; // class analysis needs well-formed matches
        }
        for (i, compiled) in classes::compile(&daemon.spec.nodes, classes)
            .into_iter()
            .enumerate()
        {
            let at = if classes.is_empty() {
                "/metadata/name".to_string()
            } else {
                pointer("/spec/classes", i)
            };
            let this = classes.get(i).map(|c| c.name.as_str()).unwrap_or(name);
            match compiled {
                Ok(_) => {}
                Err(ClassProblem::CatchAllNotLast { catch_all }) => {
                    let other = &classes[catch_all].name;
                    self.error(Code::catch_all_not_last, format!("class `{other}` has no `match`, so it takes every node and class `{this}` after it can never match"), &pointer(&pointer("/spec/classes", catch_all), "name"), "catch-all class", format!("move class `{other}` to the end: the first class that matches a node claims it"));
                }
                Err(ClassProblem::Unreachable) => self.error(Code::unreachable_class, format!("class `{this}` can never match: earlier classes (or `nodes`) cover every node it matches"), &at, "unreachable class", "move it before the class that covers it, narrow that class, or remove this one"),
                Err(ClassProblem::InexactNegation { class, requirement }) => {
                    let other = &classes[class];
                    let m = &other.matches[requirement];
                    self.error(Code::inexact_negation, format!("class `{}` matches `{} {} {}`, which has no exact negation, so class `{this}` after it can't exclude its nodes", other.name, m.key, m.operator.as_str(), m.values.join(" ")), &pointer(&pointer(&pointer("/spec/classes", class), "match"), requirement), "Gt/Lt can't be negated", format!("a node whose label is not an integer matches neither `Gt` nor `Lt`: move class `{}` after `{this}` (last is best), or use In with the values you mean", other.name));
                }
                Err(ClassProblem::TooManyTerms(n)) => self.error(Code::too_many_terms, format!("class `{this}` would need {n} node-affinity terms (more than {})", classes::MAX_TERMS), &at, "too many terms", "earlier classes with many `match` lines multiply: label those nodes with one label and match that instead"),
            }
        }
        let daemon_image = daemon.spec.settings.main.image.is_some()
            || classes.iter().any(|c| c.settings.main.image.is_some());
        if classes.is_empty() {
            self.merged(&daemon.spec.settings, "/spec", name, daemon_image);
        } else {
            for (i, class) in classes.iter().enumerate() {
                self.merged(
                    &daemon.spec.settings.merge(&class.settings),
                    &pointer("/spec/classes", i),
                    name,
                    daemon_image,
                );
            }
        }
    }

    fn node_matches(&mut self, matches: &[NodeMatch], at: &str) {
        for (i, m) in matches.iter().enumerate() {
            let m_at = pointer(at, i);
            let key_at = pointer(&m_at, "key");
            self.checked(primitives::label_key(&m.key), Code::invalid_node_selector, &format!("node label key {:?}", m.key), &key_at, "a label key is an optional DNS prefix and '/', then a name of at most 63 characters");
            let problem = m.operator.values_problem(&m.values).map(|p| match p {
                ValuesProblem::Missing => "needs at least one value",
                ValuesProblem::Unexpected => "takes no values",
                ValuesProblem::NotOne => "needs exactly one value",
                ValuesProblem::NotInteger => "needs an integer value",
            });
            if let Some(problem) = problem {
                self.error(Code::invalid_node_selector, format!("`{}` {problem}", m.operator.as_str()), &m_at, "invalid requirement", "match \"KEY\" \"V1\" \"V2\" (In), match \"KEY\" op=\"Exists\", match \"KEY\" op=\"Gt\" \"8\"");
            }
            for (j, v) in m.values.iter().enumerate() {
                self.checked(primitives::label_value(v), Code::invalid_node_selector, &format!("value {v:?}"), &pointer(&pointer(&m_at, "values"), j), "node label values are at most 63 characters of letters, digits, '-', '_' and '.', alphanumeric at both ends");
            }
        }
    }

    /// The rules of one settings block, as written.
    fn settings(&mut self, s: &Settings, at: &str) {
        for (key, value) in &s.labels {
            let k_at = pointer(&pointer(at, "labels"), key);
            if let Err(problem) = primitives::label_key(key) {
                self.key_error(Code::invalid_label, format!("label key {key:?} {problem}"), &k_at, "a label key is an optional DNS prefix and '/', then a name of at most 63 characters");
            }
            self.checked(primitives::label_value(value), Code::invalid_label, &format!("label value {value:?}"), &k_at, "a label value is at most 63 characters of letters, digits, '-', '_' and '.', alphanumeric at both ends");
        }
        for key in s.labels.keys() {
            if RESERVED_LABELS.contains(&key.as_str()) {
                self.error(Code::invalid_label, format!("label `{key}` is written by everynode"), &pointer(&pointer(at, "labels"), key), "reserved", "everynode sets app.kubernetes.io/name, instance and managed-by, and everynode.dev/daemon and class itself: remove this label");
            }
        }
        // `ValidateAnnotations` lower-cases a key before it checks it.
        for key in s.annotations.keys() {
            if let Err(problem) = primitives::label_key(&key.to_lowercase()) {
                self.key_error(
                    Code::invalid_label,
                    format!("annotation key {key:?} {problem}"),
                    &pointer(&pointer(at, "annotations"), key),
                    "an annotation key is an optional DNS prefix and '/', then a name of at most 63 characters",
                );
            }
        }
        self.container(&s.main, at);
        for (field, list) in [
            ("containers", &s.containers),
            ("initContainers", &s.init_containers),
        ] {
            for (i, c) in list.iter().enumerate() {
                let c_at = pointer(&pointer(at, field), i);
                self.checked(
                    primitives::dns1123_label(&c.name),
                    Code::invalid_name,
                    &format!("container name {:?}", c.name),
                    &pointer(&c_at, "name"),
                    "use lowercase letters, digits and '-', at most 63 characters",
                );
                self.container(&c.settings, &c_at);
            }
        }
        self.one_of(
            s.dns_policy.as_deref(),
            &["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"],
            "DNS policy",
            &pointer(at, "dnsPolicy"),
        );
        if let Some(sa) = &s.service_account {
            self.checked(
                primitives::dns1123_subdomain(sa),
                Code::invalid_name,
                &format!("service account {sa:?}"),
                &pointer(at, "serviceAccount"),
                "a service account name is a DNS-1123 subdomain",
            );
        }
        if let Some(pc) = &s.priority_class {
            self.checked(
                primitives::dns1123_subdomain(pc),
                Code::invalid_name,
                &format!("priority class {pc:?}"),
                &pointer(at, "priorityClass"),
                "a priority class name is a DNS-1123 subdomain",
            );
        }
        // No rule for terminationGracePeriodSeconds: ValidatePodSpec has none for a
        // template (a Pod's negative value is raised to 1 by its create strategy).
        for (i, t) in s.tolerations.iter().enumerate() {
            let t_at = pointer(&pointer(at, "tolerations"), i);
            for (_, problem) in daemonset::toleration_problems(
                t.key.as_deref(),
                effective_toleration_operator(t),
                t.value.as_deref(),
                t.effect.as_deref(),
                t.toleration_seconds,
            ) {
                self.error(Code::invalid_toleration, problem, &t_at, "invalid toleration", "tolerate \"KEY\" effect=\"NoSchedule\" (any value), or tolerate \"KEY\" value=\"V\" effect=\"NoExecute\" seconds=300");
            }
        }
        if let Some(update) = &s.update {
            let u_at = pointer(at, "update");
            self.one_of(
                update.strategy.as_deref(),
                &["RollingUpdate", "OnDelete"],
                "update strategy",
                &pointer(&u_at, "strategy"),
            );
            for (value, field) in [
                (&update.max_unavailable, "maxUnavailable"),
                (&update.max_surge, "maxSurge"),
            ] {
                // The Go type is an int32 IntOrString: a larger integer is no value of it.
                if let Some(crate::model::IntOrPercent::Int(i)) = value
                    && i32::try_from(*i).is_err()
                {
                    self.beyond_int32(field, &pointer(&u_at, field));
                    continue;
                }
                if let Some(value) = value
                    && let Err(problem) = daemonset::int_or_percent(&to_int_or_string(value))
                {
                    self.error(
                        Code::invalid_update_strategy,
                        format!("{field} {problem}"),
                        &pointer(&u_at, field),
                        "invalid",
                        "give a non-negative integer or a percentage such as \"10%\"",
                    );
                }
            }
            for (value, field) in [
                (update.min_ready_seconds, "minReadySeconds"),
                (update.revision_history_limit, "revisionHistoryLimit"),
            ] {
                if value.is_some_and(|v| v < 0) {
                    self.error(
                        Code::invalid_update_strategy,
                        format!("{field} must be greater than or equal to 0"),
                        &pointer(&u_at, field),
                        "negative",
                        "give 0 or more",
                    );
                } else if value.is_some_and(|v| i32::try_from(v).is_err()) {
                    self.beyond_int32(field, &pointer(&u_at, field));
                }
            }
        }
    }

    /// A value larger than the int32 the DaemonSet's Go type holds (apps/v1
    /// `DaemonSetSpec`): the API server could not even decode it.
    fn beyond_int32(&mut self, field: &str, at: &str) {
        self.error(
            Code::invalid_update_strategy,
            format!(
                "{field} is beyond an int32 ({}), the type the API stores it in",
                i32::MAX
            ),
            at,
            "too large",
            format!("give at most {}", i32::MAX),
        );
    }

    fn one_of(&mut self, value: Option<&str>, allowed: &[&str], what: &str, at: &str) {
        if let Some(value) = value
            && !allowed.contains(&value)
        {
            let help = match crate::diagnostic::did_you_mean(value, allowed.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("use one of: {}", allowed.join(", ")),
            };
            self.error(
                Code::invalid_field,
                format!("unsupported {what} {value:?}"),
                at,
                "not supported",
                help,
            );
        }
    }

    fn container(&mut self, c: &ContainerSettings, at: &str) {
        self.one_of(
            c.image_pull_policy.as_deref(),
            &["Always", "IfNotPresent", "Never"],
            "image pull policy",
            &pointer(at, "imagePullPolicy"),
        );
        for (i, env) in c.env.iter().enumerate() {
            let e_at = pointer(&pointer(at, "env"), i);
            self.checked(
                primitives::env_var_name(&env.name),
                Code::invalid_env,
                &format!("environment variable name {:?}", env.name),
                &pointer(&e_at, "name"),
                "use printable ASCII characters without '='",
            );
            let sources = [
                env.value.is_some(),
                env.field.is_some(),
                env.secret.is_some(),
                env.config_map.is_some(),
            ];
            let count = sources.iter().filter(|s| **s).count();
            if count > 1 {
                self.error(
                    Code::invalid_env,
                    format!(
                        "environment variable `{}` has more than one source",
                        env.name
                    ),
                    &e_at,
                    "several sources",
                    "give exactly one of a value, field=, secret= or config-map=",
                );
            }
            if (env.secret.is_some() || env.config_map.is_some()) != env.key.is_some() {
                self.error(Code::invalid_env, format!("environment variable `{}`: `key` goes with `secret` or `config-map`, and they need it", env.name), &e_at, "key and source disagree", "env \"NAME\" secret=\"SECRET\" key=\"KEY\"");
            }
        }
        let mut port_names = BTreeSet::new();
        for (i, p) in c.ports.iter().enumerate() {
            let p_at = pointer(&pointer(at, "ports"), i);
            self.checked(
                primitives::port_number(p.container_port),
                Code::invalid_port,
                "container port",
                &pointer(&p_at, "containerPort"),
                "a port number is 1 to 65535",
            );
            if let Some(host) = p.host_port {
                self.checked(
                    primitives::host_port_number(host),
                    Code::invalid_port,
                    "host port",
                    &pointer(&p_at, "hostPort"),
                    "a host port is 1 to 65535",
                );
            }
            if let Some(name) = &p.name {
                self.checked(primitives::port_name(name), Code::invalid_port, &format!("port name {name:?}"), &pointer(&p_at, "name"), "a port name has at most 15 lowercase letters, digits and '-', with at least one letter");
                if !port_names.insert(name) {
                    self.error(
                        Code::duplicate_port,
                        format!("port name `{name}` is used twice in one container"),
                        &pointer(&p_at, "name"),
                        "used again here",
                        "give each port its own name",
                    );
                }
            }
            self.one_of(
                p.protocol.as_deref(),
                &["TCP", "UDP", "SCTP"],
                "protocol",
                &pointer(&p_at, "protocol"),
            );
        }
        for (field, map) in [("requests", &c.requests), ("limits", &c.limits)] {
            for (resource, quantity) in map {
                let q_at = pointer(&pointer(at, field), resource);
                self.checked(primitives::resource_name(resource), Code::invalid_resource_name, &format!("resource name {resource:?}"), &q_at, "use cpu, memory, ephemeral-storage, hugepages-SIZE or a DOMAIN/NAME extended resource");
                if let Err(problem) = primitives::Quantity::parse(quantity.trim()) {
                    self.error(
                        Code::invalid_quantity,
                        format!(
                            "{resource} {field} {quantity:?} is not a quantity{}",
                            quantity_reason(&problem)
                        ),
                        &q_at,
                        "not a quantity",
                        "write a number with an optional suffix: 100m, 0.5, 64Mi, 1Gi, 2",
                    );
                }
            }
        }
        for (i, m) in c.mounts.iter().enumerate() {
            self.mount(m, &pointer(&pointer(at, "mounts"), i));
        }
    }

    fn mount(&mut self, m: &Mount, at: &str) {
        let sources = [
            m.host_path.is_some(),
            m.config_map.is_some(),
            m.secret.is_some(),
            m.empty_dir.is_some(),
        ];
        // No source: the mount names one of `volumes` (the API server checks that it
        // exists, as for any volumeMount).
        let count = sources.iter().filter(|s| **s).count();
        if count > 1 || (count == 0 && m.name.is_none()) {
            self.error(
                Code::invalid_field,
                "a mount needs one of hostPath, configMap, secret, emptyDir, or the name of one of `volumes`",
                at,
                "no single volume source",
                "say what the volume is (hostPath, configMap, secret or emptyDir), or name a volume declared in `volumes`",
            );
        }
        if m.mount_path.is_empty() {
            self.error(
                Code::missing_value,
                "the mount path is empty",
                &pointer(at, "mountPath"),
                "empty",
                "say where the volume appears in the container",
            );
        }
        if let Some(name) = &m.name {
            self.checked(
                primitives::dns1123_label(name),
                Code::invalid_name,
                &format!("volume name {name:?}"),
                &pointer(at, "name"),
                "a volume name is a DNS-1123 label",
            );
        }
        // validateHostPathVolumeSource: a path is required and may not climb out with
        // `..`; it need not be absolute (Windows named pipes such as `\\.\pipe\x`).
        if let Some(path) = &m.host_path {
            if path.is_empty() {
                self.error(
                    Code::missing_value,
                    "the host path is empty",
                    &pointer(at, "hostPath"),
                    "empty",
                    "give the path on the node",
                );
            } else if primitives::has_backsteps(path) {
                self.error(
                    Code::invalid_field,
                    format!("host path `{path}` must not contain '..'"),
                    &pointer(at, "hostPath"),
                    "climbs out",
                    "write the path without '..' segments",
                );
            }
        }
        self.one_of(
            m.host_path_type.as_deref(),
            &[
                "",
                "DirectoryOrCreate",
                "Directory",
                "FileOrCreate",
                "File",
                "Socket",
                "CharDevice",
                "BlockDevice",
            ],
            "hostPath type",
            &pointer(at, "type"),
        );
        self.one_of(
            m.mount_propagation.as_deref(),
            &["None", "HostToContainer", "Bidirectional"],
            "mount propagation",
            &pointer(at, "mountPropagation"),
        );
        if let Some(size) = m.empty_dir.as_ref().and_then(|e| e.size_limit.as_ref())
            && let Err(problem) = primitives::Quantity::parse(size.trim())
        {
            self.error(
                Code::invalid_quantity,
                format!(
                    "size limit {size:?} is not a quantity{}",
                    quantity_reason(&problem)
                ),
                &pointer(at, "emptyDir/sizeLimit"),
                "not a quantity",
                "write a size such as 1Gi",
            );
        }
    }

    /// Rules that only the merged settings of a class can break.
    fn merged(&mut self, s: &Settings, at: &str, daemon: &str, daemon_image: bool) {
        let main = Container {
            name: daemon.to_string(),
            settings: s.main.clone(),
        };
        let mut names: BTreeSet<&str> = BTreeSet::new();
        let all: Vec<(&Container, String)> = std::iter::once((&main, at.to_string()))
            .chain(
                s.containers
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c, pointer(&pointer(at, "containers"), i))),
            )
            .chain(
                s.init_containers
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c, pointer(&pointer(at, "initContainers"), i))),
            )
            .collect();
        for (c, c_at) in &all {
            if !names.insert(&c.name) {
                self.error(Code::duplicate_container, format!("two containers are named `{}`", c.name), &pointer(c_at, "name"), "used again here", format!("the main container is named after the daemon (`{daemon}`): give each container its own name"));
            }
            if c.settings.image.as_deref().is_none_or(str::is_empty) {
                let what = if c.name == daemon && c_at == at {
                    "the main container".to_string()
                } else {
                    format!("container `{}`", c.name)
                };
                // When neither the daemon nor any class gives the main container an image,
                // say so once, at the daemon, rather than once per class.
                let main = c.name == daemon && c_at == at;
                let blame = if main && !daemon_image {
                    "/metadata/name"
                } else {
                    c_at.as_str()
                };
                self.error(
                    Code::missing_image,
                    format!("{what} has no image"),
                    blame,
                    "no image",
                    "add: image \"REGISTRY/IMAGE:TAG\"",
                );
            }
        }
        if let Some(u) = &s.update {
            let zero = |v: &Option<IntOrPercent>| {
                v.as_ref().is_none_or(|v| {
                    matches!(daemonset::int_or_percent(&to_int_or_string(v)), Ok(0))
                })
            };
            let unavailable_zero = u
                .max_unavailable
                .as_ref()
                .is_some_and(|v| matches!(daemonset::int_or_percent(&to_int_or_string(v)), Ok(0)));
            if u.strategy.as_deref() != Some("OnDelete") {
                if unavailable_zero && zero(&u.max_surge) {
                    self.error(Code::invalid_update_strategy, "maxUnavailable cannot be 0 when maxSurge is 0", &pointer(at, "update"), "no progress possible", "allow one unavailable pod (max-unavailable=1), or surge (max-surge=1 max-unavailable=0)");
                } else if !zero(&u.max_surge) && !(unavailable_zero) {
                    self.error(Code::invalid_update_strategy, "maxSurge may not be set when maxUnavailable is non-zero (maxUnavailable defaults to 1)", &pointer(at, "update"), "both non-zero", "to surge, also set max-unavailable=0");
                }
            }
        }
        let mut volumes: BTreeMap<String, (Mount, String)> = BTreeMap::new();
        for (c, c_at) in &all {
            for (i, m) in c.settings.mounts.iter().enumerate() {
                let name = volume_name(m);
                let m_at = pointer(&pointer(c_at, "mounts"), i);
                match volumes.get(&name) {
                    Some((first, first_at)) if !same_volume(first, m) => {
                        let first_at = self
                            .file
                            .location(self.spans.get(first_at).unwrap_or_else(|| (0, 0).into()));
                        self.error(
                            Code::conflicting_volume,
                            format!("volume `{name}` is given two different sources"),
                            &m_at,
                            "another source under the same name",
                            format!(
                                "the first is at {first_at}: give one of them its own name=\"…\""
                            ),
                        );
                    }
                    Some(_) => {}
                    None => {
                        volumes.insert(name, (m.clone(), m_at));
                    }
                }
            }
        }
    }
}

/// The parser's reason, unless it is only the syntax regular expression (the help line
/// already shows the syntax with examples).
fn quantity_reason(problem: &str) -> String {
    if problem.contains("regular expression") {
        String::new()
    } else {
        format!(": {problem}")
    }
}

fn same_volume(a: &Mount, b: &Mount) -> bool {
    a.host_path == b.host_path
        && a.host_path_type == b.host_path_type
        && a.config_map == b.config_map
        && a.secret == b.secret
        && a.empty_dir == b.empty_dir
}

/// The volume name a mount gets: its `name`, else one derived from its source
/// (`/var/lib/kubelet` → `var-lib-kubelet`, `/` → `root`).
pub fn volume_name(m: &Mount) -> String {
    if let Some(name) = &m.name {
        return name.clone();
    }
    let source = m
        .host_path
        .as_deref()
        .or(m.config_map.as_deref())
        .or(m.secret.as_deref())
        .unwrap_or("volume");
    let mut name = String::new();
    for c in source.to_ascii_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-');
    let name = if name.is_empty() { "root" } else { name };
    name.chars()
        .take(63)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// The toleration operator everynode writes: `Exists` for a key without value.
pub fn effective_toleration_operator(t: &crate::model::Toleration) -> Option<&str> {
    match (&t.operator, &t.value) {
        (Some(op), _) => Some(op.as_str()),
        (None, None) => Some("Exists"),
        (None, Some(_)) => None,
    }
}

/// The model's integer-or-percent as Kubernetes' IntOrString.
pub fn to_int_or_string(
    v: &IntOrPercent,
) -> k8s_openapi::apimachinery::pkg::util::intstr::IntOrString {
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    match v {
        IntOrPercent::Int(i) => IntOrString::Int(i32::try_from(*i).unwrap_or(i32::MAX)),
        IntOrPercent::String(s) => IntOrString::String(s.clone()),
    }
}
