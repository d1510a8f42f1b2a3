//! A DaemonSet as the API server would store it, so that a rendered DaemonSet and the one
//! read back from a cluster compare equal unless something real differs:
//!
//! - server-set fields go: status, uid, resourceVersion, generation, creationTimestamp,
//!   managedFields, selfLink, and the annotations the server and kubectl write;
//! - the defaults of pkg/apis/apps/v1/defaults.go and pkg/apis/core/v1/defaults.go are
//!   applied (on both sides: applying a default twice changes nothing);
//! - quantities take their canonical form (`1024Mi` is `1Gi`, `0.5` is `500m`), requests
//!   and limits rounded up to a thousandth as the server rounds them;
//! - then [`stored`]: every field as its Go declaration stores it (`omitempty` zero values
//!   and empty lists and maps absent, pointers' zero values kept, value structs always
//!   present, `null` unset, the `+default=` markers applied), from the table of every
//!   DaemonSet field in `defaults/fields.tsv`.

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetUpdateStrategy, RollingUpdateDaemonSet};
use k8s_openapi::api::core::v1::{
    Container, DownwardAPIVolumeFile, EmptyDirVolumeSource, EnvVar, HTTPGetAction,
    LifecycleHandler, PodSecurityContext, PodSpec, Probe, ResourceFieldSelector,
    ResourceRequirements, Volume,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use crate::apimachinery;
use crate::objects::TEMPLATE_GENERATION;

pub mod stored;

/// Annotations a server or kubectl writes on a DaemonSet.
pub const SERVER_ANNOTATIONS: &[&str] = &[
    TEMPLATE_GENERATION,
    "kubectl.kubernetes.io/last-applied-configuration",
];

/// The file mode the API server gives projected, config-map, secret and downward-API
/// volumes (0644).
const DEFAULT_MODE: i32 = 0o644;

/// The normalized form of a DaemonSet object (any of the apiVersions everynode reads):
/// the API server's defaults applied (`SetDefaults_DaemonSet` in
/// pkg/apis/apps/v1/defaults.go, `SetDefaults_PodSpec`, `SetDefaults_Container`, … in
/// pkg/apis/core/v1/defaults.go) and quantities in their canonical form.
/// An object that is not a DaemonSet at all comes back with only its status dropped.
pub fn normalize(object: &Value) -> Value {
    let mut typed = object.clone();
    typed["apiVersion"] = Value::String("apps/v1".into());
    typed["kind"] = Value::String("DaemonSet".into());
    match serde_json::from_value::<DaemonSet>(typed) {
        Ok(daemonset) => stored_value(normalized(daemonset)),
        Err(_) => {
            let mut object = object.clone();
            if let Some(fields) = object.as_object_mut() {
                fields.remove("status");
            }
            object
        }
    }
}

/// The normalized form of a DaemonSet already typed (desired and live DaemonSets carry
/// theirs): the same as [`normalize`] of its object, without reading the object again.
/// The typed defaults of [`normalized`], then the [`stored::stored_form`] of the result,
/// without `status` (which the server writes, not the manifest).
pub fn normalize_typed(daemonset: &DaemonSet) -> Value {
    stored_value(normalized(daemonset.clone()))
}

/// A normalized DaemonSet as JSON in its stored form, without `status`.
fn stored_value(daemonset: DaemonSet) -> Value {
    let mut value = serde_json::to_value(daemonset).unwrap_or(Value::Null);
    stored::stored_form(&mut value);
    if let Some(fields) = value.as_object_mut() {
        fields.remove("status");
    }
    value
}

/// The normalized typed DaemonSet.
pub fn normalized(mut daemonset: DaemonSet) -> DaemonSet {
    daemonset.status = None;
    strip_metadata(&mut daemonset.metadata);
    // A manifest without a namespace lands in `default` (as plan reads it).
    default_to(&mut daemonset.metadata.namespace, "default");
    if let Some(spec) = daemonset.spec.as_mut() {
        spec.revision_history_limit.get_or_insert(10);
        let strategy = spec
            .update_strategy
            .get_or_insert_with(DaemonSetUpdateStrategy::default);
        default_to(&mut strategy.type_, "RollingUpdate");
        if strategy.type_.as_deref() == Some("RollingUpdate") {
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
    default_to(&mut spec.dns_policy, "ClusterFirst");
    default_to(&mut spec.restart_policy, "Always");
    spec.termination_grace_period_seconds.get_or_insert(30);
    default_to(&mut spec.scheduler_name, "default-scheduler");
    spec.security_context
        .get_or_insert_with(PodSecurityContext::default);
    // The v1 API keeps one service account and writes it under both names: the
    // deprecated `serviceAccount` alias and `serviceAccountName`, whichever was given.
    // When both are given and differ, the server keeps serviceAccountName.
    if spec
        .service_account_name
        .as_deref()
        .is_none_or(str::is_empty)
    {
        spec.service_account_name.clone_from(&spec.service_account);
    }
    spec.service_account.clone_from(&spec.service_account_name);
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
    default_to(&mut container.image_pull_policy, policy);
    default_to(
        &mut container.termination_message_path,
        "/dev/termination-log",
    );
    default_to(&mut container.termination_message_policy, "File");
    let resources = container
        .resources
        .get_or_insert_with(ResourceRequirements::default);
    for list in [resources.requests.as_mut(), resources.limits.as_mut()]
        .into_iter()
        .flatten()
    {
        for quantity in list.values_mut() {
            *quantity = canonical_quantity(quantity, true);
        }
    }
    for port in container.ports.iter_mut().flatten() {
        default_to(&mut port.protocol, "TCP");
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
}

/// A defaulted string field: Go's defaulting tests `== ""`, so an empty string given
/// explicitly takes the default as an absent one does.
fn default_to(field: &mut Option<String>, value: &str) {
    if field.as_deref().is_none_or(str::is_empty) {
        *field = Some(value.to_string());
    }
}

/// `imagePullPolicy` defaults to Always when the image's tag is `latest`, which an image
/// with neither tag nor digest has implicitly; IfNotPresent otherwise (upstream reads the
/// tag with `parsers.ParseImageName`, so `app:latest@sha256:…` still pulls always).
pub fn pulls_always(image: &str) -> bool {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    // A tag follows the last `:` after the last `/` (a `:` before it is a registry port).
    let last = name.rsplit('/').next().unwrap_or(name);
    match last.split_once(':') {
        Some((_, tag)) => tag == "latest",
        None => digest.is_none(),
    }
}

/// A quantity as the server returns it: canonical, and for requests and limits (a
/// ResourceList) rounded up to a thousandth first.
fn canonical_quantity(quantity: &Quantity, resource_list: bool) -> Quantity {
    match apimachinery::Quantity::parse(quantity.0.trim()) {
        Ok(parsed) if resource_list => Quantity(parsed.round_up_milli().canonical()),
        Ok(parsed) => Quantity(parsed.canonical()),
        Err(_) => quantity.clone(),
    }
}

fn env_var(env: &mut EnvVar) {
    if let Some(from) = env.value_from.as_mut() {
        if let Some(field) = from.field_ref.as_mut() {
            default_to(&mut field.api_version, "v1");
        }
        if let Some(resource) = from.resource_field_ref.as_mut() {
            resource_divisor(resource);
        }
    }
}

/// `divisor` is a plain (not pointer) Quantity in the Go type, so the server always
/// writes it, as "0" when it was not given.
fn resource_divisor(resource: &mut ResourceFieldSelector) {
    let divisor = resource.divisor.get_or_insert_with(|| Quantity("0".into()));
    *divisor = canonical_quantity(divisor, false);
}

/// Both kinds of downward-API item (volume files, projected files): the field's API
/// version and the resource's divisor take their defaults.
fn downward_items(items: Option<&mut Vec<DownwardAPIVolumeFile>>) {
    for item in items.into_iter().flatten() {
        if let Some(field) = item.field_ref.as_mut() {
            default_to(&mut field.api_version, "v1");
        }
        if let Some(resource) = item.resource_field_ref.as_mut() {
            resource_divisor(resource);
        }
    }
}

/// `SetDefaults_Probe` (pkg/apis/core/v1/defaults.go) tests each field `== 0`: they are
/// value (not pointer) `int32` fields, so an explicit 0 is defaulted like an absent one.
fn probe(probe: &mut Probe) {
    for (field, default) in [
        (&mut probe.timeout_seconds, 1),
        (&mut probe.period_seconds, 10),
        (&mut probe.success_threshold, 1),
        (&mut probe.failure_threshold, 3),
    ] {
        if field.is_none_or(|v| v == 0) {
            *field = Some(default);
        }
    }
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
    default_to(&mut http.path, "/");
    default_to(&mut http.scheme, "HTTP");
}

fn volume(volume: &mut Volume) {
    // A volume that names no source is an emptyDir (SetDefaults_Volume).
    let no_source = serde_json::to_value(&*volume)
        .ok()
        .and_then(|v| {
            v.as_object()
                .map(|fields| fields.keys().all(|k| k == "name"))
        })
        .unwrap_or(false);
    if no_source {
        volume.empty_dir = Some(EmptyDirVolumeSource::default());
    }
    if let Some(limit) = volume
        .empty_dir
        .as_mut()
        .and_then(|e| e.size_limit.as_mut())
    {
        *limit = canonical_quantity(limit, false);
    }
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
        downward_items(downward.items.as_mut());
    }
    if let Some(projected) = volume.projected.as_mut() {
        projected.default_mode.get_or_insert(DEFAULT_MODE);
        for source in projected.sources.iter_mut().flatten() {
            if let Some(token) = source.service_account_token.as_mut() {
                token.expiration_seconds.get_or_insert(3600);
            }
            if let Some(downward) = source.downward_api.as_mut() {
                downward_items(downward.items.as_mut());
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
        assert!(pulls_always("nginx:latest@sha256:abc"));
        assert!(!pulls_always("registry:5000/nginx:1.25@sha256:abc"));
        assert!(!pulls_always("registry:5000/nginx@sha256:abc"));
    }

    /// Each default as upstream's SetDefaults_* writes it (pkg/apis/core/v1/defaults.go).
    #[test]
    fn the_servers_defaults_are_applied() {
        let object = serde_json::json!({
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "a"},
            "spec": {
                "selector": {"matchLabels": {"app": "a"}},
                "template": {
                    "metadata": {"labels": {"app": "a"}},
                    "spec": {
                        "serviceAccount": "agent",
                        "containers": [{
                            "name": "a", "image": "a:latest@sha256:0",
                            "livenessProbe": {"httpGet": {"port": 80}},
                            "lifecycle": {"preStop": {"httpGet": {"port": 80}}},
                            "env": [{"name": "M", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1024Ki"}}},
                                    {"name": "C", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}}]
                        }],
                        "volumes": [
                            {"name": "scratch"},
                            {"name": "cache", "emptyDir": {"sizeLimit": "1024Mi"}},
                            {"name": "info", "downwardAPI": {"items": [{"path": "cpu", "resourceFieldRef": {"resource": "limits.cpu"}}]}}
                        ]
                    }
                }
            }
        });
        let n = normalize(&object);
        let pod = &n["spec"]["template"]["spec"];
        let c = &pod["containers"][0];
        assert_eq!(pod["serviceAccountName"], "agent");
        assert_eq!(c["imagePullPolicy"], "Always");
        assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/");
        assert_eq!(c["livenessProbe"]["httpGet"]["scheme"], "HTTP");
        assert_eq!(c["lifecycle"]["preStop"]["httpGet"]["path"], "/");
        assert_eq!(
            c["env"][0]["valueFrom"]["resourceFieldRef"]["divisor"],
            "1Mi"
        );
        assert_eq!(c["env"][1]["valueFrom"]["resourceFieldRef"]["divisor"], "0");
        assert_eq!(pod["volumes"][0]["emptyDir"], serde_json::json!({}));
        assert_eq!(pod["volumes"][1]["emptyDir"]["sizeLimit"], "1Gi");
        let item = &pod["volumes"][2]["downwardAPI"]["items"][0];
        assert_eq!(item["resourceFieldRef"]["divisor"], "0");
        // Applying the defaults twice changes nothing.
        assert_eq!(normalize(&n), n);
    }

    fn daemonset(pod: Value) -> Value {
        serde_json::json!({
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "a", "namespace": "ops"},
            "spec": {"selector": {"matchLabels": {"app": "a"}},
                "template": {"metadata": {"labels": {"app": "a"}}, "spec": pod}}
        })
    }

    /// `SetDefaults_Probe` defaults a field that is `== 0`: an explicit 0 like an absent one.
    #[test]
    fn explicit_zero_probe_fields_take_their_defaults() {
        let zeros = daemonset(
            serde_json::json!({"containers": [{"name": "a", "image": "a:1",
            "livenessProbe": {"tcpSocket": {"port": 80}, "timeoutSeconds": 0,
                "periodSeconds": 0, "successThreshold": 0, "failureThreshold": 0}}]}),
        );
        let absent = daemonset(
            serde_json::json!({"containers": [{"name": "a", "image": "a:1",
            "livenessProbe": {"tcpSocket": {"port": 80}}}]}),
        );
        assert_eq!(normalize(&zeros), normalize(&absent));
        let probe =
            &normalize(&absent)["spec"]["template"]["spec"]["containers"][0]["livenessProbe"];
        assert_eq!(
            (&probe["timeoutSeconds"], &probe["periodSeconds"]),
            (&Value::from(1), &Value::from(10))
        );
        assert_eq!(
            (&probe["successThreshold"], &probe["failureThreshold"]),
            (&Value::from(1), &Value::from(3))
        );
    }

    /// What a chart writes and the server does not store compares equal; a pointer's zero
    /// value, which the server keeps, does not.
    #[test]
    fn the_stored_form_is_compared() {
        let plain = daemonset(serde_json::json!({"containers": [{"name": "a", "image": "a:1"}]}));
        let noisy = daemonset(serde_json::json!({
            "tolerations": [], "nodeSelector": {}, "hostNetwork": false, "affinity": null,
            "containers": [{"name": "a", "image": "a:1", "args": [], "env": [], "stdin": false,
                "resources": {"limits": {}, "requests": {}}}]}));
        assert_eq!(normalize(&noisy), normalize(&plain));
        let pointer = daemonset(
            serde_json::json!({"containers": [{"name": "a", "image": "a:1",
            "securityContext": {"runAsNonRoot": false}}]}),
        );
        assert_ne!(normalize(&pointer), normalize(&plain));
        // The typed path gives the same answer as the object path.
        let typed: DaemonSet = serde_json::from_value(noisy).unwrap();
        assert_eq!(normalize_typed(&typed), normalize(&plain));
    }

    /// A hostPort equal to its containerPort under hostNetwork (copied by servers before
    /// 1.28) counts as absent; any other hostPort is compared.
    #[test]
    fn a_copied_host_port_under_host_network_is_absent() {
        let port = |host: Option<i32>| {
            let mut p = serde_json::json!({"containerPort": 9100});
            if let Some(h) = host {
                p["hostPort"] = Value::from(h);
            }
            normalize(&daemonset(serde_json::json!({"hostNetwork": true,
                "containers": [{"name": "a", "image": "a:1", "ports": [p]}]})))
        };
        assert_eq!(port(Some(9100)), port(None));
        assert_eq!(port(Some(0)), port(None));
    }
}
