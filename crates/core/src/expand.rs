//! Stage 3, expand: one DaemonSet per (daemon, class), with node affinity that makes the
//! classes of a daemon disjoint (see `classes`), then each patch applied last. Runs only on
//! descriptions that validated; what the patches break is checked here with the API
//! server's DaemonSet rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy, RollingUpdateDaemonSet,
};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Deserialize;
use serde_json::Value;

use crate::classes::{self, Term};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    ContainerSettings, LABEL_CLASS, LABEL_DAEMON, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_NAME,
    MANAGER, Mount, Settings,
};
use crate::parse::ParsedDaemon;
use crate::source::{SourceFile, Span, SpanMap, pointer};
use crate::validate::{self, volume_name};
use everynode_k8s::validation as daemonset;

/// A generated DaemonSet and where it came from.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub namespace: String,
    pub name: String,
    pub daemon: String,
    /// `None` for a daemon without classes.
    pub class: Option<String>,
    pub file: Arc<SourceFile>,
    /// The daemon's or class's declaration.
    pub span: Span,
    /// The DaemonSet, patches applied, as the API object (keys sorted).
    pub object: Value,
    /// The same, typed; `None` when a patch made it something no DaemonSet can be
    /// (reported).
    pub daemonset: Option<DaemonSet>,
    /// Where the description wrote its containers' image, resources and ports, by the
    /// DaemonSet's JSON pointer (see `provenance`).
    pub fields: SpanMap,
}

impl Rendered {
    /// `file:line:column` of the daemon or class that produced this DaemonSet.
    pub fn source(&self) -> String {
        self.file.location(self.span)
    }
}

/// One DaemonSet to build: its class (none for a daemon without classes), the merged
/// settings, the patches to apply in order with their pointers, and the class's pointer.
type Variant<'a> = (Option<&'a str>, Settings, Vec<(&'a Value, String)>, String);

/// Expands validated descriptions, sorted by namespace and name; daemons are expanded
/// on every core.
pub fn expand(daemons: &[ParsedDaemon]) -> (Vec<Rendered>, Vec<Diagnostic>) {
    let mut rendered = Vec::new();
    let mut diagnostics = Vec::new();
    for (mut r, mut d) in crate::parallel::on_every_core(daemons, 16, |_| 1, expand_part) {
        rendered.append(&mut r);
        diagnostics.append(&mut d);
    }
    rendered.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    (rendered, diagnostics)
}

fn expand_part(daemons: &[ParsedDaemon]) -> (Vec<Rendered>, Vec<Diagnostic>) {
    let mut rendered = Vec::new();
    let mut diagnostics = Vec::new();
    for parsed in daemons {
        let daemon = &parsed.daemon;
        let compiled = classes::compile(&daemon.spec.nodes, &daemon.spec.classes);
        let daemon_patch = || {
            daemon
                .spec
                .settings
                .patch
                .iter()
                .map(|p| (p, "/spec/patch".to_string()))
        };
        let variants: Vec<Variant> = if daemon.spec.classes.is_empty() {
            vec![(
                None,
                daemon.spec.settings.clone(),
                daemon_patch().collect(),
                String::new(),
            )]
        } else {
            daemon
                .spec
                .classes
                .iter()
                .enumerate()
                .map(|(i, class)| {
                    let at = pointer("/spec/classes", i);
                    let class_patch = class
                        .settings
                        .patch
                        .iter()
                        .map(|p| (p, pointer(&at, "patch")));
                    let patches = daemon_patch().chain(class_patch).collect();
                    (
                        Some(class.name.as_str()),
                        daemon.spec.settings.merge(&class.settings),
                        patches,
                        at,
                    )
                })
                .collect()
        };
        let mut reported = std::collections::BTreeSet::new();
        for ((class, settings, patches, at), terms) in variants.into_iter().zip(compiled) {
            let Ok(terms) = terms else { continue }; // reported by validate
            let namespace = validate::namespace_of(parsed);
            let name = match (&settings.daemonset_name, class) {
                (Some(kept), _) => kept.clone(),
                (None, Some(class)) => format!("{}-{class}", daemon.metadata.name),
                (None, None) => daemon.metadata.name.clone(),
            };
            let span_of = |p: &str| parsed.spans.get(p).unwrap_or_else(|| (0, 0).into());
            let ds = daemon_set(
                &daemon.metadata.name,
                class,
                &name,
                &namespace,
                &settings,
                &terms,
            );
            let mut object = serde_json::to_value(&ds).unwrap_or(Value::Null);
            for (patch, _) in &patches {
                json_patch::merge(&mut object, patch);
            }
            // A patch may change any field but what makes the object a DaemonSet.
            if !patches.is_empty()
                && (object["apiVersion"] != "apps/v1" || object["kind"] != "DaemonSet")
            {
                diagnostics.push(
                    Diagnostic::new(
                        Code::invalid_patch,
                        format!("after the patch, `{name}` is no longer an apps/v1 DaemonSet (apiVersion {}, kind {})", object["apiVersion"], object["kind"]),
                    )
                    .at(&parsed.file, span_of(&patches.last().map(|(_, at)| at.clone()).unwrap_or_default()), "this patch")
                    .with_help("leave apiVersion and kind out of the patch: everynode writes them"),
                );
                continue;
            }
            let blame = patches
                .last()
                .map_or_else(|| at.clone(), |(_, p)| p.clone());
            let blame_span = span_of(&blame);
            // Where a field of the patched DaemonSet is written: inside the last patch
            // that writes it (its positions are the DaemonSet's own pointers under the
            // patch's), or nowhere when no patch does.
            let in_patch = |pointer: &str| {
                patches
                    .iter()
                    .rev()
                    .find(|(patch, _)| writes(patch, pointer))
                    .map(|(_, at)| format!("{at}{pointer}"))
            };
            // Without patches the typed DaemonSet is the one just built; with them, the
            // patched object is read back.
            let read_back = if patches.is_empty() {
                Ok(ds)
            } else {
                DaemonSet::deserialize(&object)
            };
            let mut violations = Vec::new();
            let typed = match read_back {
                Err(error) => {
                    // Each field of the wrong type by its path, as the schema finds them
                    // (a YAML 1.1 `on` where a string belongs); serde's first error only
                    // where the schema finds nothing.
                    let mistyped: Vec<(String, Span)> = crate::schema::daemonset_validator()
                        .map(|(_, validator)| {
                            validator
                                .iter_errors(&object)
                                .filter(|e| !matches!(e.kind(), jsonschema::error::ValidationErrorKind::AdditionalProperties { .. }))
                                .map(|e| {
                                    let pointer = e.instance_path().as_str();
                                    (format!("{}: {e}", daemonset::field_path(pointer)), in_patch(pointer).map_or(blame_span, |p| span_of(&p)))
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let problems = if mistyped.is_empty() {
                        vec![(error.to_string(), blame_span)]
                    } else {
                        mistyped
                    };
                    for (problem, span) in problems {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::invalid_patch,
                                format!(
                                    "after the patch, `{name}` is no longer a valid DaemonSet: {problem}"
                                ),
                            )
                            .at(&parsed.file, span, "this patch")
                            .with_help(
                                "check the types the patch sets: quote a value YAML 1.1 reads as a boolean or a number (on, yes, 0644) where a string belongs",
                            ),
                        );
                    }
                    None
                }
                Ok(patched) => {
                    // The typed read-back drops what the DaemonSet has no field for; the
                    // API server (strict field validation, kubectl's default) refuses it.
                    if !patches.is_empty() {
                        for field in daemonset::unknown_fields(&object, &patched) {
                            let span = in_patch(&field)
                                .and_then(|p| parsed.spans.key(&p))
                                .unwrap_or(blame_span);
                            diagnostics.push(
                                Diagnostic::new(
                                    Code::invalid_patch,
                                    format!("after the patch, `{name}` has {field}, which is not a DaemonSet field"),
                                )
                                .at(&parsed.file, span, "this patch")
                                .with_help("check the field's name and place against `kubectl explain daemonset`"),
                            );
                        }
                    }
                    violations = daemonset::validate(&patched);
                    Some(patched)
                }
            };
            let class_settings = class
                .and_then(|name| daemon.spec.classes.iter().find(|c| c.name == name))
                .map(|c| (at.as_str(), &c.settings));
            let fields = typed
                .as_ref()
                .and_then(|d| d.spec.as_ref()?.template.spec.as_ref())
                .map(|pod| provenance(parsed, class_settings, pod))
                .unwrap_or_default();
            // What the API server would reject, where the description wrote it when no
            // patch is to blame; said once for a setting every class inherits.
            for violation in violations {
                let (span, label) = match in_patch(&violation.at) {
                    Some(inside) => (span_of(&inside), "after this patch"),
                    None => (
                        fields.get(&violation.at).unwrap_or(blame_span),
                        "the API server rejects this",
                    ),
                };
                let path = daemonset::field_path(&violation.at);
                if !reported.insert((span, path.clone(), violation.message.clone())) {
                    continue;
                }
                diagnostics.push(
                    Diagnostic::new(
                        violation.reason.into(),
                        format!("`{name}`: {path}: {}", violation.message),
                    )
                    .at(&parsed.file, span, label)
                    .with_help(violation.help),
                );
            }
            rendered.push(Rendered {
                namespace,
                name,
                daemon: daemon.metadata.name.clone(),
                class: class.map(str::to_string),
                file: parsed.file.clone(),
                span: span_of(if at.is_empty() { "" } else { &at }),
                object,
                daemonset: typed,
                fields,
            });
        }
    }
    (rendered, diagnostics)
}

/// Whether a merge patch writes the field at `at`: it sets the field itself, or replaces
/// a value above it whole (a list, or a scalar; RFC 7386 merges only objects).
fn writes(patch: &Value, at: &str) -> bool {
    let mut here = String::new();
    if !patch.is_object() {
        return true;
    }
    for segment in at.split('/').skip(1) {
        here.push('/');
        here.push_str(segment);
        match patch.pointer(&here) {
            None => return false,
            Some(Value::Object(_)) => {}
            Some(_) => return true,
        }
    }
    true
}

/// Where a rendered DaemonSet's containers were written in the description: each
/// container's image, resources and ports, from the class when it sets them, else from
/// the daemon, keyed by the DaemonSet's JSON pointer. A finding about a rendered
/// DaemonSet (an untagged image, missing requests, a host port taken twice) then points at
/// the line to change, where an inline `everynode:allow` comment can also sit.
/// Whether a layer's container settings set a field.
type SetBy = fn(&ContainerSettings) -> bool;

fn provenance(
    parsed: &ParsedDaemon,
    class: Option<(&str, &Settings)>,
    pod: &core::PodSpec,
) -> SpanMap {
    let daemon = &parsed.daemon;
    let layers: Vec<(&str, &Settings)> = std::iter::once(("/spec", &daemon.spec.settings))
        .chain(class)
        .collect();
    let mut fields = SpanMap::default();
    // The main container: named by `container-name` (the class's first), else after the
    // daemon.
    let main_name = class
        .and_then(|(_, s)| s.container_name.clone())
        .or_else(|| daemon.spec.settings.container_name.clone())
        .unwrap_or_else(|| daemon.metadata.name.clone());
    for (list, containers) in daemonset::container_lists(pod) {
        for (i, container) in containers.iter().enumerate() {
            // This container's settings in each layer that has it, daemon first.
            let sources: Vec<(String, &ContainerSettings)> = layers
                .iter()
                .filter_map(|&(base, settings)| {
                    if list == "containers" && container.name == main_name {
                        return Some((base.to_string(), &settings.main));
                    }
                    let named = if list == "containers" {
                        &settings.containers
                    } else {
                        &settings.init_containers
                    };
                    let j = named.iter().position(|c| c.name == container.name)?;
                    Some((pointer(&pointer(base, list), j), &named[j].settings))
                })
                .collect();
            let at = pointer(&pointer("/spec/template/spec", list), i);
            let last_setting = |set: fn(&ContainerSettings) -> bool, field: &str| {
                sources
                    .iter()
                    .rev()
                    .find(|(_, c)| set(c))
                    .map(|(base, _)| pointer(base, field))
            };
            // Kubernetes objects written whole (a probe, a security context): every
            // field inside where the layer that set the object wrote it.
            let objects: [(&str, SetBy); 5] = [
                ("livenessProbe", |c| c.liveness_probe.is_some()),
                ("readinessProbe", |c| c.readiness_probe.is_some()),
                ("startupProbe", |c| c.startup_probe.is_some()),
                ("lifecycle", |c| c.lifecycle.is_some()),
                ("securityContext", |c| c.security_context.is_some()),
            ];
            for (field, set) in objects {
                if let Some(written) = last_setting(set, field) {
                    let inside = parsed.spans.subtree(&written);
                    fields.extend_under(&format!("{at}/{field}"), &inside, Some);
                    if let Some(span) = parsed.spans.get_exact(&written) {
                        fields.insert(format!("{at}/{field}"), span);
                    }
                }
            }
            let mut record = |field: &str, written: Option<String>| {
                if let Some(span) = written.and_then(|w| parsed.spans.get_exact(&w)) {
                    fields.insert(format!("{at}{field}"), span);
                }
            };
            // A sidecar's own declaration, where the daemon first names it.
            if container.name != main_name {
                record("", sources.first().map(|(base, _)| base.clone()));
            }
            let requests = last_setting(|c| !c.requests.is_empty(), "requests");
            let limits = last_setting(|c| !c.limits.is_empty(), "limits");
            record("/image", last_setting(|c| c.image.is_some(), "image"));
            record("/resources", requests.clone().or_else(|| limits.clone()));
            record("/resources/requests", requests);
            record("/resources/limits", limits);
            // Each resource where the layer that set it last wrote it (a class may set
            // memory and leave cpu to the daemon).
            let lists = container.resources.as_ref().map(|r| {
                [
                    ("requests", r.requests.as_ref()),
                    ("limits", r.limits.as_ref()),
                ]
            });
            for (field, list) in lists.into_iter().flatten() {
                for resource in list.into_iter().flat_map(|l| l.keys()) {
                    let set = |c: &ContainerSettings| {
                        let map = if field == "requests" {
                            &c.requests
                        } else {
                            &c.limits
                        };
                        map.contains_key(resource)
                    };
                    let written = sources
                        .iter()
                        .rev()
                        .find(|(_, c)| set(c))
                        .map(|(base, _)| pointer(&pointer(base, field), resource));
                    record(&pointer(&format!("/resources/{field}"), resource), written);
                }
            }
            // Ports append, daemon's first, as `Settings::merge` appends them.
            let written = sources.iter().flat_map(|(base, c)| {
                (0..c.ports.len()).map(move |k| pointer(&pointer(base, "ports"), k))
            });
            for (p, port) in written.enumerate() {
                record(&format!("/ports/{p}"), Some(port));
            }
            // Mounts append the same way; each is also where its volume was declared.
            let mut volume_spans = Vec::new();
            let written = sources.iter().flat_map(|(base, c)| {
                (c.mounts.iter().enumerate())
                    .map(move |(k, m)| (pointer(&pointer(base, "mounts"), k), m))
            });
            for (m, (mount, settings)) in written.enumerate() {
                let volume = validate::volume_name(settings);
                if let Some(v) = pod.volumes.iter().flatten().position(|v| v.name == volume) {
                    let at = pointer("/spec/template/spec/volumes", v);
                    if let Some(span) = parsed.spans.get_exact(&mount) {
                        volume_spans.push((at, span));
                    }
                }
                record(&format!("/volumeMounts/{m}"), Some(mount));
            }
            // A variable is where the last layer that sets it (by name) wrote it.
            for (e, var) in container.env.iter().flatten().enumerate() {
                let written = sources.iter().rev().find_map(|(base, c)| {
                    let k = c.env.iter().position(|v| v.name == var.name)?;
                    Some(pointer(&pointer(base, "env"), k))
                });
                record(&format!("/env/{e}"), written);
            }
            // The security context's fields, each from the last layer that sets it.
            for (field, written) in [
                (
                    "privileged",
                    last_setting(|c| c.privileged.is_some(), "privileged"),
                ),
                (
                    "runAsUser",
                    last_setting(|c| c.run_as_user.is_some(), "runAsUser"),
                ),
                (
                    "runAsNonRoot",
                    last_setting(|c| c.run_as_non_root.is_some(), "runAsNonRoot"),
                ),
                (
                    "allowPrivilegeEscalation",
                    last_setting(
                        |c| c.allow_privilege_escalation.is_some(),
                        "allowPrivilegeEscalation",
                    ),
                ),
                (
                    "capabilities/add",
                    last_setting(|c| !c.capabilities_add.is_empty(), "capabilitiesAdd"),
                ),
                (
                    "capabilities/drop",
                    last_setting(|c| !c.capabilities_drop.is_empty(), "capabilitiesDrop"),
                ),
            ] {
                record(&format!("/securityContext/{field}"), written);
            }
            for (at, span) in volume_spans {
                if fields.get_exact(&at).is_none() {
                    fields.insert(at, span);
                }
            }
        }
    }
    // The pod's own settings, each from the last layer that sets it.
    let last = |set: fn(&Settings) -> bool, field: &str| {
        (layers.iter().rev())
            .find(|(_, s)| set(s))
            .and_then(|(base, _)| parsed.spans.get_exact(&pointer(base, field)))
    };
    let pod_at = "/spec/template/spec";
    for (field, span) in [
        (
            "hostNetwork",
            last(|s| s.host_network.is_some(), "hostNetwork"),
        ),
        ("hostPID", last(|s| s.host_pid.is_some(), "hostPID")),
        ("hostIPC", last(|s| s.host_ipc.is_some(), "hostIPC")),
        ("dnsPolicy", last(|s| s.dns_policy.is_some(), "dnsPolicy")),
        (
            "serviceAccountName",
            last(|s| s.service_account.is_some(), "serviceAccount"),
        ),
        (
            "priorityClassName",
            last(|s| s.priority_class.is_some(), "priorityClass"),
        ),
        (
            "terminationGracePeriodSeconds",
            last(
                |s| s.termination_grace_period_seconds.is_some(),
                "terminationGracePeriodSeconds",
            ),
        ),
    ] {
        if let Some(span) = span {
            fields.insert(pointer(pod_at, field), span);
        }
    }
    // The update strategy, where the last layer that sets it wrote it (the rollout's
    // findings point there); its budget fields where they were written.
    if let Some((base, _)) = layers.iter().rev().find(|(_, s)| s.update.is_some()) {
        let update = pointer(base, "update");
        if let Some(span) = parsed.spans.get_exact(&update) {
            fields.insert("/spec/updateStrategy".to_string(), span);
        }
        for field in ["maxSurge", "maxUnavailable"] {
            if let Some(span) = parsed.spans.get_exact(&pointer(&update, field)) {
                fields.insert(format!("/spec/updateStrategy/rollingUpdate/{field}"), span);
            }
        }
    }
    // Tolerations append, daemon's first.
    let written = layers.iter().flat_map(|(base, s)| {
        (0..s.tolerations.len()).map(move |k| pointer(&pointer(base, "tolerations"), k))
    });
    for (t, toleration) in written.enumerate() {
        if let Some(span) = parsed.spans.get_exact(&toleration) {
            fields.insert(pointer(&pointer(pod_at, "tolerations"), t), span);
        }
    }
    fields
}

fn daemon_set(
    daemon: &str,
    class: Option<&str>,
    name: &str,
    namespace: &str,
    s: &Settings,
    terms: &[Term],
) -> DaemonSet {
    let mut own = BTreeMap::from([(LABEL_DAEMON.to_string(), daemon.to_string())]);
    if let Some(class) = class {
        own.insert(LABEL_CLASS.to_string(), class.to_string());
    }
    let mut labels = s.labels.clone();
    // A DaemonSet taken over in place (a kept selector) gains only the marks of
    // ownership; a new one is also named by the recommended labels.
    if s.selector.is_empty() {
        labels.insert(LABEL_NAME.into(), daemon.into());
        labels.insert(LABEL_INSTANCE.into(), name.into());
    }
    labels.extend(own.clone());
    labels.insert(LABEL_MANAGED_BY.into(), MANAGER.into());
    // A kept selector (a DaemonSet taken over in place) leaves the pod template as it
    // was: its labels are the description's, everynode's own go on the DaemonSet only.
    let (selector, mut pod_labels) = if s.selector.is_empty() {
        (own.clone(), labels.clone())
    } else {
        let mut pod_labels = s.labels.clone();
        pod_labels.extend(s.selector.clone());
        (s.selector.clone(), pod_labels)
    };
    // The DaemonSet's own labels stay as they are, but everynode's marks of ownership
    // always hold.
    labels.extend(s.daemonset_labels.clone());
    labels.extend(own);
    labels.insert(LABEL_MANAGED_BY.into(), MANAGER.into());
    pod_labels.extend(s.pod_labels.clone());

    let mut volumes: Vec<core::Volume> = s.volumes.clone();
    let main = s.container_name.as_deref().unwrap_or(daemon);
    let mut containers = vec![container(main, &s.main, &mut volumes)];
    containers.extend(
        s.containers
            .iter()
            .map(|c| container(&c.name, &c.settings, &mut volumes)),
    );
    let init_containers: Vec<core::Container> = s
        .init_containers
        .iter()
        .map(|c| container(&c.name, &c.settings, &mut volumes))
        .collect();

    let update = s.update.clone().unwrap_or_default();
    let update_strategy = (update.strategy.is_some()
        || update.max_unavailable.is_some()
        || update.max_surge.is_some())
    .then(|| {
        let rolling = update.strategy.as_deref() != Some("OnDelete")
            && (update.max_unavailable.is_some() || update.max_surge.is_some());
        DaemonSetUpdateStrategy {
            type_: Some(
                update
                    .strategy
                    .clone()
                    .unwrap_or_else(|| "RollingUpdate".into()),
            ),
            rolling_update: rolling.then(|| RollingUpdateDaemonSet {
                max_unavailable: update
                    .max_unavailable
                    .as_ref()
                    .map(validate::to_int_or_string),
                max_surge: update.max_surge.as_ref().map(validate::to_int_or_string),
            }),
        }
    });

    DaemonSet {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some(namespace.into()),
            labels: Some(labels),
            annotations: (!s.daemonset_annotations.is_empty())
                .then(|| s.daemonset_annotations.clone()),
            ..ObjectMeta::default()
        },
        spec: Some(DaemonSetSpec {
            selector: LabelSelector {
                match_labels: Some(selector),
                match_expressions: None,
            },
            min_ready_seconds: update.min_ready_seconds.map(clamp_i32),
            revision_history_limit: update.revision_history_limit.map(clamp_i32),
            update_strategy,
            template: core::PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    name: s.template_name.clone(),
                    labels: Some(pod_labels),
                    annotations: (!s.annotations.is_empty()).then(|| s.annotations.clone()),
                    ..ObjectMeta::default()
                }),
                spec: Some(core::PodSpec {
                    containers,
                    init_containers: (!init_containers.is_empty()).then_some(init_containers),
                    volumes: (!volumes.is_empty()).then_some(volumes),
                    host_network: s.host_network,
                    host_pid: s.host_pid,
                    host_ipc: s.host_ipc,
                    dns_policy: s.dns_policy.clone(),
                    service_account_name: s.service_account.clone(),
                    priority_class_name: s.priority_class.clone(),
                    termination_grace_period_seconds: s.termination_grace_period_seconds,
                    tolerations: (!s.tolerations.is_empty())
                        .then(|| s.tolerations.iter().map(toleration).collect()),
                    affinity: match &s.node_affinity {
                        Some(written) => Some(core::Affinity {
                            node_affinity: Some(written.clone()),
                            ..core::Affinity::default()
                        }),
                        None => affinity(terms),
                    },
                    node_selector: (!s.node_selector.is_empty()).then(|| s.node_selector.clone()),
                    security_context: s.pod_security_context.clone(),
                    image_pull_secrets: (!s.image_pull_secrets.is_empty()).then(|| {
                        s.image_pull_secrets
                            .iter()
                            .map(|name| core::LocalObjectReference { name: name.clone() })
                            .collect()
                    }),
                    runtime_class_name: s.runtime_class_name.clone(),
                    automount_service_account_token: s.automount_service_account_token,
                    dns_config: s.dns_config.clone(),
                    ..core::PodSpec::default()
                }),
            },
        }),
        status: None,
    }
}

fn clamp_i32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX })
}

/// Required node affinity from the class terms; none when the terms select every node
/// (a single empty term, which Kubernetes would read as "no node").
fn affinity(terms: &[Term]) -> Option<core::Affinity> {
    if terms.iter().all(Vec::is_empty) {
        return None;
    }
    let node_selector_terms = terms
        .iter()
        .map(|term| core::NodeSelectorTerm {
            match_expressions: Some(
                term.iter()
                    .map(|m| core::NodeSelectorRequirement {
                        key: m.key.clone(),
                        operator: m.operator.as_str().into(),
                        values: (!m.values.is_empty()).then(|| m.values.clone()),
                    })
                    .collect(),
            ),
            match_fields: None,
        })
        .collect();
    Some(core::Affinity {
        node_affinity: Some(core::NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(core::NodeSelector {
                node_selector_terms,
            }),
            preferred_during_scheduling_ignored_during_execution: None,
        }),
        ..core::Affinity::default()
    })
}

fn toleration(t: &crate::model::Toleration) -> core::Toleration {
    core::Toleration {
        key: t.key.clone(),
        operator: validate::effective_toleration_operator(t).map(str::to_string),
        value: t.value.clone(),
        effect: t.effect.clone(),
        toleration_seconds: t.toleration_seconds,
    }
}

/// One container; its mounts' volumes are added to `volumes` once per name.
fn container(
    name: &str,
    c: &ContainerSettings,
    volumes: &mut Vec<core::Volume>,
) -> core::Container {
    let quantities = |map: &BTreeMap<String, String>| {
        (!map.is_empty()).then(|| {
            map.iter()
                .map(|(k, v)| (k.clone(), Quantity(v.trim().to_string())))
                .collect()
        })
    };
    let resources =
        (!c.requests.is_empty() || !c.limits.is_empty()).then(|| core::ResourceRequirements {
            requests: quantities(&c.requests),
            limits: quantities(&c.limits),
            ..core::ResourceRequirements::default()
        });
    let has_security = c.privileged.is_some()
        || c.run_as_user.is_some()
        || c.run_as_non_root.is_some()
        || c.read_only_root_filesystem.is_some()
        || c.allow_privilege_escalation.is_some()
        || !c.capabilities_add.is_empty()
        || !c.capabilities_drop.is_empty();
    // The written securityContext, with the flat fields over it.
    let security_context = (has_security || c.security_context.is_some()).then(|| {
        let base = c.security_context.clone().unwrap_or_default();
        let capabilities = (!c.capabilities_add.is_empty() || !c.capabilities_drop.is_empty())
            .then(|| core::Capabilities {
                add: (!c.capabilities_add.is_empty()).then(|| c.capabilities_add.clone()),
                drop: (!c.capabilities_drop.is_empty()).then(|| c.capabilities_drop.clone()),
            });
        core::SecurityContext {
            privileged: c.privileged.or(base.privileged),
            run_as_user: c.run_as_user.or(base.run_as_user),
            run_as_non_root: c.run_as_non_root.or(base.run_as_non_root),
            read_only_root_filesystem: c
                .read_only_root_filesystem
                .or(base.read_only_root_filesystem),
            allow_privilege_escalation: c
                .allow_privilege_escalation
                .or(base.allow_privilege_escalation),
            capabilities: capabilities.or(base.capabilities.clone()),
            ..base
        }
    });
    let mut volume_mounts = Vec::new();
    for m in &c.mounts {
        // A mount without a source of its own names a volume of `volumes`.
        let name = if has_source(m) {
            let volume = volume(m);
            if !volumes.iter().any(|v| v.name == volume.name) {
                volumes.push(volume.clone());
            }
            volume.name
        } else {
            volume_name(m)
        };
        volume_mounts.push(core::VolumeMount {
            name,
            mount_path: m.mount_path.clone(),
            read_only: m.read_only,
            mount_propagation: m.mount_propagation.clone(),
            sub_path: m.sub_path.clone(),
            ..core::VolumeMount::default()
        });
    }
    core::Container {
        name: name.into(),
        image: c.image.clone(),
        image_pull_policy: c.image_pull_policy.clone(),
        command: c.command.clone(),
        args: (!c.args.is_empty()).then(|| c.args.clone()),
        env: (!c.env.is_empty()).then(|| c.env.iter().map(env_var).collect()),
        ports: (!c.ports.is_empty()).then(|| {
            c.ports
                .iter()
                .map(|p| core::ContainerPort {
                    name: p.name.clone(),
                    container_port: clamp_i32(p.container_port),
                    host_port: p.host_port.map(clamp_i32),
                    protocol: p.protocol.clone(),
                    ..core::ContainerPort::default()
                })
                .collect()
        }),
        resources,
        security_context,
        volume_mounts: (!volume_mounts.is_empty()).then_some(volume_mounts),
        liveness_probe: c.liveness_probe.clone(),
        readiness_probe: c.readiness_probe.clone(),
        startup_probe: c.startup_probe.clone(),
        lifecycle: c.lifecycle.clone(),
        termination_message_policy: c.termination_message_policy.clone(),
        termination_message_path: c.termination_message_path.clone(),
        env_from: (!c.env_from.is_empty()).then(|| c.env_from.clone()),
        working_dir: c.working_dir.clone(),
        tty: c.tty,
        stdin: c.stdin,
        ..core::Container::default()
    }
}

/// Whether a mount says what its volume is (a host path, config map, secret or
/// emptyDir), rather than naming one of the `volumes`.
pub fn has_source(m: &Mount) -> bool {
    m.host_path.is_some() || m.config_map.is_some() || m.secret.is_some() || m.empty_dir.is_some()
}

fn volume(m: &Mount) -> core::Volume {
    core::Volume {
        name: volume_name(m),
        host_path: m.host_path.as_ref().map(|path| core::HostPathVolumeSource {
            path: path.clone(),
            type_: m.host_path_type.clone(),
        }),
        config_map: m
            .config_map
            .as_ref()
            .map(|name| core::ConfigMapVolumeSource {
                name: name.clone(),
                ..Default::default()
            }),
        secret: m.secret.as_ref().map(|name| core::SecretVolumeSource {
            secret_name: Some(name.clone()),
            ..Default::default()
        }),
        empty_dir: m.empty_dir.as_ref().map(|e| core::EmptyDirVolumeSource {
            medium: e.medium.clone(),
            size_limit: e
                .size_limit
                .as_ref()
                .map(|s| Quantity(s.trim().to_string())),
        }),
        ..core::Volume::default()
    }
}

fn env_var(e: &crate::model::EnvVar) -> core::EnvVar {
    let value_from = if let Some(field) = &e.field {
        Some(core::EnvVarSource {
            field_ref: Some(core::ObjectFieldSelector {
                field_path: field.clone(),
                api_version: None,
            }),
            ..Default::default()
        })
    } else if let Some(secret) = &e.secret {
        Some(core::EnvVarSource {
            secret_key_ref: Some(core::SecretKeySelector {
                name: secret.clone(),
                key: e.key.clone().unwrap_or_default(),
                optional: e.optional,
            }),
            ..Default::default()
        })
    } else {
        e.config_map.as_ref().map(|cm| core::EnvVarSource {
            config_map_key_ref: Some(core::ConfigMapKeySelector {
                name: cm.clone(),
                key: e.key.clone().unwrap_or_default(),
                optional: e.optional,
            }),
            ..Default::default()
        })
    };
    core::EnvVar {
        name: e.name.clone(),
        value: e.value.clone(),
        value_from,
    }
}
