//! A DaemonSet as the API server would store it, so that a rendered DaemonSet and the one
//! read back from a cluster compare equal unless something real differs:
//!
//! - server-set fields go: status, uid, resourceVersion, generation, creationTimestamp,
//!   managedFields, selfLink, and the annotations the server and kubectl write;
//! - the defaults of pkg/apis/apps/v1/defaults.go and pkg/apis/core/v1/defaults.go are
//!   applied (on both sides: applying a default twice changes nothing);
//! - quantities take their canonical form (`1024Mi` is `1Gi`, `0.5` is `500m`);
//! - Go's `omitempty` zero values (`hostNetwork: false`, `minReadySeconds: 0`) go.

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetUpdateStrategy, RollingUpdateDaemonSet};
use k8s_openapi::api::core::v1::{
    Container, EnvVar, HTTPGetAction, LifecycleHandler, PodSecurityContext, PodSpec, Probe,
    ResourceRequirements, Volume,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use crate::state::TEMPLATE_GENERATION;
use crate::validate::primitives;

/// Annotations a server or kubectl writes on a DaemonSet.
pub const SERVER_ANNOTATIONS: &[&str] = &[
    TEMPLATE_GENERATION,
    "kubectl.kubernetes.io/last-applied-configuration",
];

/// The file mode the API server gives projected, config-map, secret and downward-API
/// volumes (0644).
const DEFAULT_MODE: i32 = 0o644;

/// The normalized form of a DaemonSet object (any of the apiVersions everynode reads).
/// An object that is not a DaemonSet at all comes back with only its status dropped.
pub fn normalize(object: &Value) -> Value {
    let mut typed = object.clone();
    typed["apiVersion"] = Value::String("apps/v1".into());
    typed["kind"] = Value::String("DaemonSet".into());
    match serde_json::from_value::<DaemonSet>(typed) {
        Ok(daemonset) => serde_json::to_value(normalized(daemonset)).unwrap_or(Value::Null),
        Err(_) => {
            let mut object = object.clone();
            if let Some(fields) = object.as_object_mut() {
                fields.remove("status");
            }
            object
        }
    }
}

/// The normalized typed DaemonSet.
pub fn normalized(mut daemonset: DaemonSet) -> DaemonSet {
    daemonset.status = None;
    strip_metadata(&mut daemonset.metadata);
    // A manifest without a namespace lands in `default` (as plan reads it).
    daemonset
        .metadata
        .namespace
        .get_or_insert_with(|| "default".into());
    if let Some(spec) = daemonset.spec.as_mut() {
        spec.revision_history_limit.get_or_insert(10);
        if spec.min_ready_seconds == Some(0) {
            spec.min_ready_seconds = None;
        }
        let strategy = spec
            .update_strategy
            .get_or_insert_with(DaemonSetUpdateStrategy::default);
        let kind = strategy.type_.get_or_insert_with(|| "RollingUpdate".into());
        if kind == "RollingUpdate" {
            let rolling = strategy
                .rolling_update
                .get_or_insert_with(RollingUpdateDaemonSet::default);
            rolling.max_unavailable.get_or_insert(IntOrString::Int(1));
            rolling.max_surge.get_or_insert(IntOrString::Int(0));
        }
        if let Some(metadata) = spec.template.metadata.as_mut() {
            strip_metadata(metadata);
        }
        if let Some(pod) = spec.template.spec.as_mut() {
            pod_spec(pod);
        }
    }
    daemonset
}

fn strip_metadata(metadata: &mut ObjectMeta) {
    // Finalizers are a set to the API: their order means nothing.
    if let Some(finalizers) = metadata.finalizers.as_mut() {
        finalizers.sort();
        finalizers.dedup();
    }
    metadata.uid = None;
    metadata.resource_version = None;
    metadata.generation = None;
    metadata.creation_timestamp = None;
    metadata.managed_fields = None;
    metadata.self_link = None;
    if let Some(annotations) = metadata.annotations.as_mut() {
        annotations.retain(|k, _| !SERVER_ANNOTATIONS.contains(&k.as_str()));
    }
    if metadata.annotations.as_ref().is_some_and(|a| a.is_empty()) {
        metadata.annotations = None;
    }
    if metadata.labels.as_ref().is_some_and(|l| l.is_empty()) {
        metadata.labels = None;
    }
}

fn pod_spec(spec: &mut PodSpec) {
    spec.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
    spec.restart_policy.get_or_insert_with(|| "Always".into());
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.scheduler_name
        .get_or_insert_with(|| "default-scheduler".into());
    spec.security_context
        .get_or_insert_with(PodSecurityContext::default);
    // The v1 API writes the deprecated `serviceAccount` alias of `serviceAccountName`.
    if spec.service_account.is_none() {
        spec.service_account.clone_from(&spec.service_account_name);
    }
    for flag in [
        &mut spec.host_network,
        &mut spec.host_pid,
        &mut spec.host_ipc,
    ] {
        if *flag == Some(false) {
            *flag = None;
        }
    }
    let host_network = spec.host_network == Some(true);
    for container in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        self::container(container, host_network);
    }
    for volume in spec.volumes.iter_mut().flatten() {
        self::volume(volume);
    }
}

fn container(container: &mut Container, host_network: bool) {
    let policy = if pulls_always(container.image.as_deref().unwrap_or_default()) {
        "Always"
    } else {
        "IfNotPresent"
    };
    container
        .image_pull_policy
        .get_or_insert_with(|| policy.into());
    container
        .termination_message_path
        .get_or_insert_with(|| "/dev/termination-log".into());
    container
        .termination_message_policy
        .get_or_insert_with(|| "File".into());
    let resources = container
        .resources
        .get_or_insert_with(ResourceRequirements::default);
    for list in [resources.requests.as_mut(), resources.limits.as_mut()]
        .into_iter()
        .flatten()
    {
        for quantity in list.values_mut() {
            *quantity = canonical_quantity(quantity);
        }
    }
    for port in container.ports.iter_mut().flatten() {
        port.protocol.get_or_insert_with(|| "TCP".into());
        // Older servers copied containerPort into hostPort for hostNetwork pods; newer
        // ones leave templates alone. With hostNetwork the two must be equal anyway.
        if host_network && port.host_port == Some(port.container_port) {
            port.host_port = None;
        }
    }
    for env in container.env.iter_mut().flatten() {
        env_var(env);
    }
    for probe in [
        container.liveness_probe.as_mut(),
        container.readiness_probe.as_mut(),
        container.startup_probe.as_mut(),
    ]
    .into_iter()
    .flatten()
    {
        self::probe(probe);
    }
    if let Some(lifecycle) = container.lifecycle.as_mut() {
        for handler in [lifecycle.post_start.as_mut(), lifecycle.pre_stop.as_mut()]
            .into_iter()
            .flatten()
        {
            handler_defaults(handler);
        }
    }
    if container.stdin == Some(false) {
        container.stdin = None;
    }
    if container.tty == Some(false) {
        container.tty = None;
    }
}

/// `imagePullPolicy` defaults to Always for an image tagged `latest` or not tagged (and
/// not pinned by digest), IfNotPresent otherwise.
pub fn pulls_always(image: &str) -> bool {
    if image.contains('@') {
        return false;
    }
    let name = image.rsplit('/').next().unwrap_or(image);
    match name.split_once(':') {
        Some((_, tag)) => tag == "latest",
        None => true,
    }
}

/// A request or limit as the server stores it: rounded up to a thousandth, canonical.
fn canonical_quantity(quantity: &Quantity) -> Quantity {
    match primitives::Quantity::parse(quantity.0.trim()) {
        Ok(parsed) => Quantity(parsed.round_up_milli().canonical()),
        Err(_) => quantity.clone(),
    }
}

fn env_var(env: &mut EnvVar) {
    if let Some(field) = env.value_from.as_mut().and_then(|v| v.field_ref.as_mut()) {
        field.api_version.get_or_insert_with(|| "v1".into());
    }
}

fn probe(probe: &mut Probe) {
    probe.timeout_seconds.get_or_insert(1);
    probe.period_seconds.get_or_insert(10);
    probe.success_threshold.get_or_insert(1);
    probe.failure_threshold.get_or_insert(3);
    if let Some(http) = probe.http_get.as_mut() {
        http_get(http);
    }
}

fn handler_defaults(handler: &mut LifecycleHandler) {
    if let Some(http) = handler.http_get.as_mut() {
        http_get(http);
    }
}

fn http_get(http: &mut HTTPGetAction) {
    http.scheme.get_or_insert_with(|| "HTTP".into());
}

fn volume(volume: &mut Volume) {
    if let Some(host_path) = volume.host_path.as_mut() {
        host_path.type_.get_or_insert_with(String::new);
    }
    if let Some(config_map) = volume.config_map.as_mut() {
        config_map.default_mode.get_or_insert(DEFAULT_MODE);
    }
    if let Some(secret) = volume.secret.as_mut() {
        secret.default_mode.get_or_insert(DEFAULT_MODE);
    }
    if let Some(downward) = volume.downward_api.as_mut() {
        downward.default_mode.get_or_insert(DEFAULT_MODE);
        for item in downward.items.iter_mut().flatten() {
            if let Some(field) = item.field_ref.as_mut() {
                field.api_version.get_or_insert_with(|| "v1".into());
            }
        }
    }
    if let Some(projected) = volume.projected.as_mut() {
        projected.default_mode.get_or_insert(DEFAULT_MODE);
        for source in projected.sources.iter_mut().flatten() {
            if let Some(token) = source.service_account_token.as_mut() {
                token.expiration_seconds.get_or_insert(3600);
            }
            if let Some(downward) = source.downward_api.as_mut() {
                for item in downward.items.iter_mut().flatten() {
                    if let Some(field) = item.field_ref.as_mut() {
                        field.api_version.get_or_insert_with(|| "v1".into());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_pull_policy_follows_the_tag() {
        assert!(pulls_always("nginx"));
        assert!(pulls_always("nginx:latest"));
        assert!(pulls_always("registry:5000/team/nginx"));
        assert!(!pulls_always("registry:5000/team/nginx:1.25"));
        assert!(!pulls_always("nginx@sha256:abc"));
    }
}
