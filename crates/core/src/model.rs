//! The description model: one `Daemon`, its settings and its classes.
//!
//! This is the YAML form of a description (`apiVersion: everynode.dev/v1alpha1`,
//! `kind: Daemon`) and the value the KDL form is lowered into, so both formats mean exactly
//! the same thing. The published JSON Schema (`everynode schema`) is generated from these
//! types. Source positions are not stored here: they live beside the model in a
//! [`crate::source::SpanMap`] keyed by the JSON pointer of each value.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use everynode_k8s::selector::Requirement;

/// Label keys everynode writes on every DaemonSet and pod it generates.
pub const LABEL_NAME: &str = "app.kubernetes.io/name";
pub const LABEL_INSTANCE: &str = "app.kubernetes.io/instance";
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const LABEL_DAEMON: &str = "everynode.dev/daemon";
pub const LABEL_CLASS: &str = "everynode.dev/class";
pub const MANAGER: &str = "everynode";

/// The `apiVersion` of a description.
pub const API_VERSION: &str = "everynode.dev/v1alpha1";
/// The `kind` of a description.
pub const KIND: &str = "Daemon";

/// One daemon, described once for every hardware class of node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields, title = "everynode Daemon")]
pub struct Daemon {
    /// Always `everynode.dev/v1alpha1`.
    #[schemars(regex(pattern = r"^everynode\.dev/v1alpha1$"))]
    pub api_version: String,
    /// Always `Daemon`.
    #[schemars(regex(pattern = r"^Daemon$"))]
    pub kind: String,
    pub metadata: DaemonMetadata,
    pub spec: DaemonSpec,
}

/// Name and namespace of the daemon; every generated DaemonSet lives in that namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct DaemonMetadata {
    /// The daemon's name: a DNS-1123 label; DaemonSets are named `NAME-CLASS`.
    pub name: String,
    /// Namespace of the generated DaemonSets (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// What the daemon runs, where, and its classes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct DaemonSpec {
    /// Node selection that ANDs into every class: the nodes this daemon targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodeMatch>,
    /// Hardware classes, in order: a node belongs to the first class whose matches hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<Class>,
    #[serde(flatten)]
    pub settings: Settings,
}

/// A hardware class: its node matches and the settings that merge over the daemon's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Class {
    /// The class name, a DNS-1123 label; the DaemonSet is named `DAEMON-CLASS`.
    pub name: String,
    /// Node selector requirements, ANDed; none means "every remaining node".
    #[serde(default, rename = "match", skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<NodeMatch>,
    #[serde(flatten)]
    pub settings: Settings,
}

/// Settings of a daemon or a class. A class's settings merge over the daemon's:
/// scalars replace, maps merge by key, lists append, containers merge by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Labels on the DaemonSet and its pods.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Labels on the pods only (the pod template), beside `labels`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pod_labels: BTreeMap<String, String>,
    /// Labels on the DaemonSet only, beside `labels`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub daemonset_labels: BTreeMap<String, String>,
    /// Annotations on the DaemonSet object itself.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub daemonset_annotations: BTreeMap<String, String>,
    /// The DaemonSet's name, kept from an existing DaemonSet (default `DAEMON-CLASS`, or
    /// `DAEMON` without classes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daemonset_name: Option<String>,
    /// The DaemonSet's `spec.selector.matchLabels`, kept from an existing DaemonSet: the
    /// selector is immutable, so taking a DaemonSet over in place keeps it. With a
    /// selector everynode's own labels go on the DaemonSet's metadata only, never into
    /// the pod template, so applying changes no pod; the pods carry the selector's labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selector: BTreeMap<String, String>,
    /// The pod template's `metadata.name`, kept from an existing DaemonSet (the server
    /// ignores it for pods, but it is part of the template: changing it rolls every pod).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_name: Option<String>,
    /// The pod's node affinity as written, kept from an existing DaemonSet whose
    /// selection `nodes` and `match` cannot say (several terms, matchFields, preferred
    /// terms). With it, the daemon takes neither `nodes` nor classes with `match`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_affinity: Option<core::NodeAffinity>,
    /// The main container's name (default: the daemon's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    /// The pod's `nodeSelector`, as written; ANDed with the node affinity of the
    /// classes (`nodes` and `match`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// The pod's `securityContext` (fsGroup, runAsUser, sysctls, …), as the API writes
    /// it; a class's replaces the daemon's whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_security_context: Option<core::PodSecurityContext>,
    /// Names of the secrets the kubelet pulls images with (`imagePullSecrets`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<String>,
    /// `runtimeClassName` (`nvidia` for GPU daemons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_class_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
    /// `dnsConfig`, as the API writes it; a class's replaces the daemon's whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_config: Option<core::PodDNSConfig>,
    /// Volumes of any kind (projected, CSI, downwardAPI, config maps with `items`, …), as
    /// the API writes them; a mount names one by `name` without a source of its own.
    /// A class's volume replaces the daemon's of the same name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<core::Volume>,
    /// Annotations on the pods (the pod template).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// The main container, named after the daemon.
    #[serde(flatten)]
    pub main: ContainerSettings,
    /// More containers; a class's container merges into the daemon's of the same name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<Container>,
    /// Init containers, merged by name like `containers`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_containers: Vec<Container>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_network: Option<bool>,
    #[serde(default, rename = "hostPID", skip_serializing_if = "Option::is_none")]
    pub host_pid: Option<bool>,
    #[serde(default, rename = "hostIPC", skip_serializing_if = "Option::is_none")]
    pub host_ipc: Option<bool>,
    /// `ClusterFirst`, `ClusterFirstWithHostNet`, `Default` or `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_policy: Option<String>,
    /// The pod's service account (`serviceAccountName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    /// The pod's `priorityClassName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_grace_period_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<Update>,
    /// A JSON merge patch (RFC 7386) applied to the rendered DaemonSet, last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<serde_json::Value>,
}

/// The fields of one container (the main container's live directly in `Settings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// `Always`, `IfNotPresent` or `Never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<String>,
    /// The entrypoint; replaces, never appends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Arguments; a class's append to the daemon's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    /// Resource requests by resource name, as quantities (`cpu: 100m`, or a number:
    /// `cpu: 1`, as the API server takes it).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[serde(deserialize_with = "number_text::map")]
    #[schemars(with = "BTreeMap<String, number_text::Text>")]
    pub requests: BTreeMap<String, String>,
    /// Resource limits by resource name, as quantities (`memory: 128Mi`, or a number).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[serde(deserialize_with = "number_text::map")]
    #[schemars(with = "BTreeMap<String, number_text::Text>")]
    pub limits: BTreeMap<String, String>,
    /// Volumes and where they are mounted in this container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_user: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_non_root: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_root_filesystem: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_privilege_escalation: Option<bool>,
    /// Linux capabilities to add (`NET_ADMIN`, `SYS_ADMIN`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities_add: Vec<String>,
    /// Linux capabilities to drop (`ALL`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities_drop: Vec<String>,
    /// The rest of the container's `securityContext` (seccompProfile, seLinuxOptions,
    /// windowsOptions, runAsGroup, …), as the API writes it; the fields above are
    /// written over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<core::SecurityContext>,
    /// `livenessProbe`, as the API writes it; a class's replaces the daemon's whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<core::Probe>,
    /// `readinessProbe`; a class's replaces the daemon's whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<core::Probe>,
    /// `startupProbe`; a class's replaces the daemon's whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_probe: Option<core::Probe>,
    /// `lifecycle` (postStart and preStop hooks); a class's replaces the daemon's whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<core::Lifecycle>,
    /// `File` (default) or `FallbackToLogsOnError`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_message_policy: Option<String>,
    /// Where the container writes its termination message (default
    /// `/dev/termination-log`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_message_path: Option<String>,
    /// `envFrom`: every key of config maps and secrets as variables; a class's append.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_from: Vec<core::EnvFromSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tty: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<bool>,
}

/// A named extra container or init container.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Container {
    /// The container name, a DNS-1123 label, unique in the pod.
    pub name: String,
    #[serde(flatten)]
    pub settings: ContainerSettings,
}

/// An environment variable: a literal `value`, a pod `field`, or a key of a secret or
/// config map.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct EnvVar {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A pod field path such as `spec.nodeName` or `status.hostIP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A secret's name; `key` names the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// A config map's name; `key` names the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// With `secret` or `configMap`: the pod starts even when the key is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

/// A container port, optionally exposed on the node (`hostPort`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Port {
    /// An IANA service name: at most 15 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub container_port: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<i64>,
    /// `TCP` (default), `UDP` or `SCTP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// A volume and its mount in one container. Exactly one of `hostPath`, `configMap`,
/// `secret`, `emptyDir` says what the volume is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Mount {
    /// The volume name; derived from the source when absent (`/var/log` → `var-log`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_path: Option<String>,
    /// The hostPath type: `Directory`, `DirectoryOrCreate`, `File`, `Socket`, ….
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub host_path_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// An emptyDir volume; `Memory` for a tmpfs, empty for node disk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_dir: Option<EmptyDir>,
    /// Where the volume appears in the container.
    pub mount_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// `None`, `HostToContainer` or `Bidirectional` (CSI drivers need the last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_propagation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
}

/// The settings of an emptyDir volume.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct EmptyDir {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
    /// A quantity (`1Gi`), or a number of bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "number_text::option")]
    #[schemars(with = "Option<number_text::Text>")]
    pub size_limit: Option<String>,
}

/// A toleration, as in a pod spec. Without `operator` and `value` everynode writes
/// `operator: Exists`: tolerating a taint key whatever its value is what people mean.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Toleration {
    /// The taint key; absent with `operator: Exists` tolerates every taint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `Exists` or `Equal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`; absent matches every effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

/// A node selector requirement: `key operator values`, as in node affinity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct NodeMatch {
    /// A node label key.
    pub key: String,
    #[serde(default)]
    pub operator: Operator,
    /// Label values; a number stands for its decimal text (`Gt` compares integers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "number_text::list")]
    #[schemars(with = "Vec<number_text::Text>")]
    pub values: Vec<String>,
}

/// The node selector operators of Kubernetes, as the API spells them.
pub use everynode_k8s::selector::Operator;

impl NodeMatch {
    /// The match as a Kubernetes node selector requirement, for the class compiler.
    pub fn requirement(&self) -> Requirement {
        Requirement {
            key: self.key.clone(),
            operator: self.operator,
            values: self.values.clone(),
        }
    }
}

/// How the DaemonSet replaces its pods.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Update {
    /// `RollingUpdate` (default) or `OnDelete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// An integer or a percentage such as `10%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrPercent>,
    /// An integer or a percentage such as `10%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<IntOrPercent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ready_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i64>,
}

/// An integer or a string such as `"25%"`, as Kubernetes' IntOrString.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum IntOrPercent {
    Int(i64),
    String(String),
}

// How a class's settings merge over its daemon's. The README's merge table describes these
// functions; keep the two in step.

fn merge_map(
    base: &BTreeMap<String, String>,
    over: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut merged = base.clone();
    merged.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
    merged
}

fn append<T: Clone>(base: &[T], over: &[T]) -> Vec<T> {
    base.iter().chain(over).cloned().collect()
}

/// Containers merge by name: a class's container of an existing name merges into it,
/// others are appended.
fn merge_containers(base: &[Container], over: &[Container]) -> Vec<Container> {
    let mut merged = base.to_vec();
    for container in over {
        match merged.iter_mut().find(|c| c.name == container.name) {
            Some(existing) => existing.settings = existing.settings.merge(&container.settings),
            None => merged.push(container.clone()),
        }
    }
    merged
}

impl Settings {
    /// This daemon's settings with a class's merged over them: scalars replace, maps
    /// merge by key, lists append, containers merge by name. `patch` is not merged: the
    /// daemon's patch and then the class's are applied one after the other.
    pub fn merge(&self, over: &Settings) -> Settings {
        Settings {
            labels: merge_map(&self.labels, &over.labels),
            annotations: merge_map(&self.annotations, &over.annotations),
            pod_labels: merge_map(&self.pod_labels, &over.pod_labels),
            daemonset_labels: merge_map(&self.daemonset_labels, &over.daemonset_labels),
            daemonset_annotations: merge_map(
                &self.daemonset_annotations,
                &over.daemonset_annotations,
            ),
            daemonset_name: over
                .daemonset_name
                .clone()
                .or_else(|| self.daemonset_name.clone()),
            // One selector, whole: a class's replaces the daemon's.
            selector: if over.selector.is_empty() {
                self.selector.clone()
            } else {
                over.selector.clone()
            },
            template_name: over
                .template_name
                .clone()
                .or_else(|| self.template_name.clone()),
            node_affinity: over
                .node_affinity
                .clone()
                .or_else(|| self.node_affinity.clone()),
            container_name: over
                .container_name
                .clone()
                .or_else(|| self.container_name.clone()),
            node_selector: merge_map(&self.node_selector, &over.node_selector),
            pod_security_context: over
                .pod_security_context
                .clone()
                .or_else(|| self.pod_security_context.clone()),
            image_pull_secrets: append(&self.image_pull_secrets, &over.image_pull_secrets),
            runtime_class_name: over
                .runtime_class_name
                .clone()
                .or_else(|| self.runtime_class_name.clone()),
            automount_service_account_token: over
                .automount_service_account_token
                .or(self.automount_service_account_token),
            dns_config: over.dns_config.clone().or_else(|| self.dns_config.clone()),
            volumes: {
                let mut volumes: Vec<core::Volume> = self
                    .volumes
                    .iter()
                    .filter(|v| !over.volumes.iter().any(|o| o.name == v.name))
                    .cloned()
                    .collect();
                volumes.extend(over.volumes.iter().cloned());
                volumes
            },
            main: self.main.merge(&over.main),
            containers: merge_containers(&self.containers, &over.containers),
            init_containers: merge_containers(&self.init_containers, &over.init_containers),
            host_network: over.host_network.or(self.host_network),
            host_pid: over.host_pid.or(self.host_pid),
            host_ipc: over.host_ipc.or(self.host_ipc),
            dns_policy: over.dns_policy.clone().or_else(|| self.dns_policy.clone()),
            service_account: over
                .service_account
                .clone()
                .or_else(|| self.service_account.clone()),
            priority_class: over
                .priority_class
                .clone()
                .or_else(|| self.priority_class.clone()),
            termination_grace_period_seconds: over
                .termination_grace_period_seconds
                .or(self.termination_grace_period_seconds),
            tolerations: append(&self.tolerations, &over.tolerations),
            update: match (&self.update, &over.update) {
                (Some(base), Some(over)) => Some(base.merge(over)),
                (base, over) => over.clone().or_else(|| base.clone()),
            },
            patch: None,
        }
    }
}

impl ContainerSettings {
    /// A class's container settings over the daemon's; an environment variable of the
    /// same name replaces the daemon's in place, other variables are appended.
    pub fn merge(&self, over: &ContainerSettings) -> ContainerSettings {
        let mut env = self.env.clone();
        for var in &over.env {
            match env.iter_mut().find(|e| e.name == var.name) {
                Some(existing) => *existing = var.clone(),
                None => env.push(var.clone()),
            }
        }
        ContainerSettings {
            image: over.image.clone().or_else(|| self.image.clone()),
            image_pull_policy: over
                .image_pull_policy
                .clone()
                .or_else(|| self.image_pull_policy.clone()),
            command: over.command.clone().or_else(|| self.command.clone()),
            args: append(&self.args, &over.args),
            env,
            ports: append(&self.ports, &over.ports),
            requests: merge_map(&self.requests, &over.requests),
            limits: merge_map(&self.limits, &over.limits),
            mounts: append(&self.mounts, &over.mounts),
            privileged: over.privileged.or(self.privileged),
            run_as_user: over.run_as_user.or(self.run_as_user),
            run_as_non_root: over.run_as_non_root.or(self.run_as_non_root),
            read_only_root_filesystem: over
                .read_only_root_filesystem
                .or(self.read_only_root_filesystem),
            allow_privilege_escalation: over
                .allow_privilege_escalation
                .or(self.allow_privilege_escalation),
            capabilities_add: append(&self.capabilities_add, &over.capabilities_add),
            capabilities_drop: append(&self.capabilities_drop, &over.capabilities_drop),
            security_context: over
                .security_context
                .clone()
                .or_else(|| self.security_context.clone()),
            liveness_probe: over
                .liveness_probe
                .clone()
                .or_else(|| self.liveness_probe.clone()),
            readiness_probe: over
                .readiness_probe
                .clone()
                .or_else(|| self.readiness_probe.clone()),
            startup_probe: over
                .startup_probe
                .clone()
                .or_else(|| self.startup_probe.clone()),
            lifecycle: over.lifecycle.clone().or_else(|| self.lifecycle.clone()),
            termination_message_policy: over
                .termination_message_policy
                .clone()
                .or_else(|| self.termination_message_policy.clone()),
            termination_message_path: over
                .termination_message_path
                .clone()
                .or_else(|| self.termination_message_path.clone()),
            env_from: append(&self.env_from, &over.env_from),
            working_dir: over
                .working_dir
                .clone()
                .or_else(|| self.working_dir.clone()),
            tty: over.tty.or(self.tty),
            stdin: over.stdin.or(self.stdin),
        }
    }
}

impl Update {
    fn merge(&self, over: &Update) -> Update {
        Update {
            strategy: over.strategy.clone().or_else(|| self.strategy.clone()),
            max_unavailable: over
                .max_unavailable
                .clone()
                .or_else(|| self.max_unavailable.clone()),
            max_surge: over.max_surge.clone().or_else(|| self.max_surge.clone()),
            min_ready_seconds: over.min_ready_seconds.or(self.min_ready_seconds),
            revision_history_limit: over.revision_history_limit.or(self.revision_history_limit),
        }
    }
}

/// Values the YAML form may write as a string or as a number, read as text: quantities
/// (`cpu: 1` is the quantity "1", as `resource.Quantity` unmarshals a JSON number in
/// k8s.io/apimachinery `pkg/api/resource/quantity.go`, `UnmarshalJSON`) and match values.
/// The KDL reader does the same (`string_or_number` in `parse::kdl`).
mod number_text {
    use std::collections::BTreeMap;

    use schemars::JsonSchema;
    use serde::{Deserialize, Deserializer};

    /// A string, or a number kept as its decimal text.
    #[derive(Deserialize)]
    #[serde(untagged)]
    pub enum Text {
        String(String),
        Number(serde_json::Number),
    }

    /// `{"type": ["string", "number"]}`: one type list rather than `anyOf`, so that a
    /// refused value (a YAML 1.1 boolean) is said to be "not of type "string", "number""
    /// and gets the help to quote it.
    impl JsonSchema for Text {
        fn schema_name() -> std::borrow::Cow<'static, str> {
            "StringOrNumber".into()
        }

        fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
            schemars::json_schema!({"type": ["string", "number"]})
        }
    }

    impl From<Text> for String {
        fn from(text: Text) -> String {
            match text {
                Text::String(s) => s,
                Text::Number(n) => n.to_string(),
            }
        }
    }

    pub fn map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
        let map = BTreeMap::<String, Text>::deserialize(d)?;
        Ok(map.into_iter().map(|(k, v)| (k, v.into())).collect())
    }

    pub fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        Ok(Vec::<Text>::deserialize(d)?
            .into_iter()
            .map(String::from)
            .collect())
    }

    pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(Option::<Text>::deserialize(d)?.map(String::from))
    }
}
