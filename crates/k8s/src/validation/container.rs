//! The containers of a pod, init containers and sidecars included: names, images, ports,
//! host ports, probes, lifecycle handlers, env and envFrom, pull and termination message
//! policies, resize policies (`validateContainers`, `validateInitContainers`,
//! `validateContainerCommon` in pkg/apis/core/validation/validation.go). Volume mounts
//! and devices are in [`super::volume`], resources in [`super::resources`] and security
//! contexts in [`super::security`].
//!
//! The rules judge the object as the API server sees it after defaulting: an empty or
//! absent `protocol`, `imagePullPolicy`, `terminationMessagePolicy`, probe threshold,
//! timeout or period, `httpGet.path` or `httpGet.scheme`, or `fieldRef.apiVersion` is
//! given its default first, so it is never an error.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{
    Container, EnvFromSource, EnvVar, ExecAction, GRPCAction, HTTPGetAction, Lifecycle,
    LifecycleHandler, PodSpec, Probe, SleepAction, TCPSocketAction,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Reason, Violations, container_lists, downward, pointer, unsupported};
use crate::apimachinery as primitives;

/// What the pod gives every container's rules.
struct PodContext {
    /// `terminationGracePeriodSeconds`, defaulted to 30: the bound of a sleep action.
    grace_period: i64,
    /// `hostNetwork: true`.
    host_network: bool,
    /// `restartPolicy: Never` (which the DaemonSet rules reject on their own).
    restart_never: bool,
}

/// Every rule of the containers and init containers of `pod`, whose pointer is `at`.
pub(crate) fn containers(v: &mut Violations, pod: &PodSpec, at: &str) {
    let ctx = PodContext {
        // `SetDefaults_PodSpec` gives the template 30 seconds when it names none.
        grace_period: pod.termination_grace_period_seconds.unwrap_or(30),
        host_network: pod.host_network == Some(true),
        restart_never: pod.restart_policy.as_deref() == Some("Never"),
    };
    let mut names = BTreeSet::new();
    for (field, containers) in container_lists(pod) {
        let init = field == "initContainers";
        let mut regular = Vec::new();
        for (i, c) in containers.iter().enumerate() {
            let c_at = pointer(&pointer(at, field), i);
            // `validateContainers` and `validateInitContainers`: names are unique across
            // regular and init containers.
            if !names.insert(c.name.clone()) {
                v.push(
                    Reason::DuplicateContainer,
                    &pointer(&c_at, "name"),
                    format!("duplicate container name {:?}", c.name),
                    "give each container, init containers included, its own name",
                );
            }
            container(v, c, &c_at, &ctx);
            if init {
                init_container(v, c, &c_at, &ctx);
                // Init containers run one by one: each is checked for host port
                // conflicts on its own (`checkHostPortConflicts` per init container).
                host_port_conflicts(v, &[(c_at, c)]);
            } else {
                regular_container(v, c, &c_at, &ctx);
                regular.push((c_at, c));
            }
        }
        // `validateContainers`: host ports are unique across all regular containers.
        host_port_conflicts(v, &regular);
    }
}

/// `validateContainerCommon`: what every container, init or not, must satisfy.
fn container(v: &mut Violations, c: &Container, at: &str, ctx: &PodContext) {
    if c.name.is_empty() {
        v.push(
            Reason::InvalidName,
            &pointer(at, "name"),
            "required value: a container needs a name".into(),
            "give the container a name: a DNS-1123 label",
        );
    } else if let Err(e) = primitives::dns1123_label(&c.name) {
        v.push(
            Reason::InvalidName,
            &pointer(at, "name"),
            format!("container name {:?} {e}", c.name),
            "a container name is a DNS-1123 label",
        );
    }
    if c.image.as_deref().is_none_or(str::is_empty) {
        v.push(
            Reason::MissingImage,
            &pointer(at, "image"),
            format!("container {:?} has no image", c.name),
            "give the container an image",
        );
    }
    // `SetDefaults_Container` gives an empty policy "File" first.
    if let Some(policy) = c.termination_message_policy.as_deref()
        && !policy.is_empty()
        && !matches!(policy, "File" | "FallbackToLogsOnError")
    {
        v.push(
            Reason::InvalidField,
            &pointer(at, "terminationMessagePolicy"),
            unsupported(policy, &["File", "FallbackToLogsOnError"]),
            "use File or FallbackToLogsOnError",
        );
    }
    ports(v, c, at);
    for (i, e) in c.env.iter().flatten().enumerate() {
        env_var(v, e, &pointer(&pointer(at, "env"), i));
    }
    let from_at = pointer(at, "envFrom");
    for (i, e) in c.env_from.iter().flatten().enumerate() {
        env_from(v, e, &from_at, i);
    }
    pull_policy(
        v,
        c.image_pull_policy.as_deref(),
        &pointer(at, "imagePullPolicy"),
    );
    resize_policy(v, c, &pointer(at, "resizePolicy"), ctx.restart_never);
}

/// `validateContainers`, for one regular container: its lifecycle and probes, no
/// `restartPolicy`, and with `hostNetwork` a host port equal to the container port
/// (`validatePodHostNetworkDeps`).
fn regular_container(v: &mut Violations, c: &Container, at: &str, ctx: &PodContext) {
    probes_and_lifecycle(v, c, at, ctx.grace_period);
    if c.restart_policy.is_some() {
        v.push(
            Reason::InvalidField,
            &pointer(at, "restartPolicy"),
            "may not be set for non-init containers".into(),
            "remove restartPolicy: only an init container can be a sidecar (restartPolicy: Always)",
        );
    }
    if ctx.host_network {
        // `validatePodHostNetworkDeps`: in a template a host port of 0 (unset) is
        // accepted; any other must equal the container port. Regular containers only.
        for (i, p) in c.ports.iter().flatten().enumerate() {
            if let Some(host) = p.host_port
                && host != 0
                && host != p.container_port
            {
                v.push(
                    Reason::InvalidPort,
                    &pointer(&pointer(&pointer(at, "ports"), i), "hostPort"),
                    format!("{host} must match `containerPort` when `hostNetwork` is true"),
                    "with hostNetwork the container listens on the node: use the same number for both",
                );
            }
        }
    }
}

/// `validateInitContainers`, for one init container: `restartPolicy` is Always (a
/// sidecar) or unset; only a sidecar may have a lifecycle or probes.
fn init_container(v: &mut Violations, c: &Container, at: &str, ctx: &PodContext) {
    let sidecar = match c.restart_policy.as_deref() {
        None => false,
        Some("Always") => true,
        // `validateInitContainerRestartPolicy`: Kubernetes 1.33 knows only Always.
        Some(other) => {
            v.push(
                Reason::InvalidField,
                &pointer(at, "restartPolicy"),
                unsupported(other, &["Always"]),
                "use restartPolicy: Always for a sidecar, or remove it for a plain init container",
            );
            false
        }
    };
    if sidecar {
        probes_and_lifecycle(v, c, at, ctx.grace_period);
        return;
    }
    let fields = [
        ("lifecycle", c.lifecycle.is_some()),
        ("livenessProbe", c.liveness_probe.is_some()),
        ("readinessProbe", c.readiness_probe.is_some()),
        ("startupProbe", c.startup_probe.is_some()),
    ];
    for (field, set) in fields {
        if set {
            v.push(
                Reason::InvalidProbe,
                &pointer(at, field),
                "may not be set for init containers without restartPolicy=Always".into(),
                "remove it, or make the init container a sidecar with restartPolicy: Always",
            );
        }
    }
}

/// The lifecycle and the three probes of a regular container or a sidecar.
fn probes_and_lifecycle(v: &mut Violations, c: &Container, at: &str, grace_period: i64) {
    if let Some(l) = &c.lifecycle {
        lifecycle(v, l, &pointer(at, "lifecycle"), grace_period);
    }
    let probes = [
        ("livenessProbe", &c.liveness_probe),
        ("readinessProbe", &c.readiness_probe),
        ("startupProbe", &c.startup_probe),
    ];
    for (field, p) in probes {
        if let Some(p) = p {
            probe(v, p, field, &pointer(at, field));
        }
    }
}

/// `validateLivenessProbe`, `validateReadinessProbe`, `validateStartupProbe` and
/// `validateProbe`: one handler, non-negative timings, a success threshold of 1 for
/// liveness and startup probes, a positive `terminationGracePeriodSeconds` that a
/// readiness probe may not have (ProbeTerminationGracePeriod, GA since 1.28).
fn probe(v: &mut Violations, p: &Probe, kind: &str, at: &str) {
    let handler = Handler {
        exec: p.exec.as_ref(),
        http_get: p.http_get.as_ref(),
        tcp_socket: p.tcp_socket.as_ref(),
        grpc: p.grpc.as_ref(),
        sleep: None,
        hook: false,
    };
    // A probe handler has no sleep action, so the grace period plays no part.
    handler.validate(v, at, 0);
    // `SetDefaults_Probe` turns 0 (or unset) timeouts, periods and thresholds into their
    // defaults before validation; only negative values remain to be rejected.
    let timings = [
        ("initialDelaySeconds", p.initial_delay_seconds),
        ("timeoutSeconds", p.timeout_seconds),
        ("periodSeconds", p.period_seconds),
        ("successThreshold", p.success_threshold),
        ("failureThreshold", p.failure_threshold),
    ];
    for (field, value) in timings {
        if let Some(n) = value
            && n < 0
        {
            v.push(
                Reason::InvalidProbe,
                &pointer(at, field),
                format!("{n}: must be greater than or equal to 0"),
                "give 0 or more",
            );
        }
    }
    if kind != "readinessProbe" {
        let threshold = p.success_threshold.filter(|&n| n != 0).unwrap_or(1);
        if threshold != 1 {
            v.push(
                Reason::InvalidProbe,
                &pointer(at, "successThreshold"),
                format!("{threshold}: must be 1"),
                "a liveness or startup probe succeeds once: set successThreshold to 1 or remove it",
            );
        }
    }
    if let Some(seconds) = p.termination_grace_period_seconds {
        if kind == "readinessProbe" {
            v.push(
                Reason::InvalidProbe,
                &pointer(at, "terminationGracePeriodSeconds"),
                "must not be set for readinessProbes".into(),
                "remove terminationGracePeriodSeconds: a failed readiness probe kills nothing",
            );
        } else if seconds <= 0 {
            v.push(
                Reason::InvalidProbe,
                &pointer(at, "terminationGracePeriodSeconds"),
                format!("{seconds}: must be greater than 0"),
                "give at least 1 second, or remove it to use the pod's",
            );
        }
    }
}

/// `validateLifecycle`: each hook present has exactly one valid handler.
fn lifecycle(v: &mut Violations, l: &Lifecycle, at: &str, grace_period: i64) {
    // `lifecycle.stopSignal` belongs to ContainerStopSignals, alpha (off) in 1.33: the
    // API server drops the field, so it is not judged here.
    let hooks = [("postStart", &l.post_start), ("preStop", &l.pre_stop)];
    for (field, hook) in hooks {
        if let Some(h) = hook {
            Handler::lifecycle(h).validate(v, &pointer(at, field), grace_period);
        }
    }
}

/// `commonHandler`: the actions of a probe or a lifecycle hook, in upstream's order.
struct Handler<'a> {
    exec: Option<&'a ExecAction>,
    http_get: Option<&'a HTTPGetAction>,
    tcp_socket: Option<&'a TCPSocketAction>,
    grpc: Option<&'a GRPCAction>,
    sleep: Option<&'a SleepAction>,
    /// A lifecycle hook (which has sleep and no grpc), not a probe.
    hook: bool,
}

impl<'a> Handler<'a> {
    /// `handlerFromLifecycle`.
    fn lifecycle(h: &'a LifecycleHandler) -> Handler<'a> {
        Handler {
            exec: h.exec.as_ref(),
            http_get: h.http_get.as_ref(),
            tcp_socket: h.tcp_socket.as_ref(),
            grpc: None,
            sleep: h.sleep.as_ref(),
            hook: true,
        }
    }

    /// `validateHandler`: exactly one action; the first is validated, every further one
    /// is forbidden at its own field.
    fn validate(&self, v: &mut Violations, at: &str, grace_period: i64) {
        let mut seen = false;
        let mut one = |v: &mut Violations, field: &str, set: bool| -> bool {
            if !set {
                return false;
            }
            if seen {
                v.push(
                    Reason::InvalidProbe,
                    &pointer(at, field),
                    "may not specify more than 1 handler type".into(),
                    if self.hook {
                        "keep one of exec, httpGet, tcpSocket and sleep"
                    } else {
                        "keep one of exec, httpGet, tcpSocket and grpc"
                    },
                );
                return false;
            }
            seen = true;
            true
        };
        if one(v, "exec", self.exec.is_some()) {
            // `validateExecAction`.
            if self
                .exec
                .and_then(|e| e.command.as_ref())
                .is_none_or(Vec::is_empty)
            {
                v.push(
                    Reason::InvalidProbe,
                    &pointer(&pointer(at, "exec"), "command"),
                    "required value: an exec action needs a command".into(),
                    "give the command to run, as a list",
                );
            }
        }
        if one(v, "httpGet", self.http_get.is_some())
            && let Some(h) = self.http_get
        {
            http_get(v, h, &pointer(at, "httpGet"));
        }
        if one(v, "tcpSocket", self.tcp_socket.is_some())
            && let Some(t) = self.tcp_socket
        {
            // `validateTCPSocketAction`.
            port_num_or_name(v, &t.port, &pointer(&pointer(at, "tcpSocket"), "port"));
        }
        if one(v, "grpc", self.grpc.is_some())
            && let Some(g) = self.grpc
        {
            // `validateGRPCAction`.
            port_num_or_name(
                v,
                &IntOrString::Int(g.port),
                &pointer(&pointer(at, "grpc"), "port"),
            );
        }
        if one(v, "sleep", self.sleep.is_some())
            && let Some(s) = self.sleep
        {
            // `validateSleepAction` with PodLifecycleSleepActionAllowZero (beta, on in
            // 1.33): 0 up to the pod's grace period.
            if s.seconds < 0 || s.seconds > grace_period {
                v.push(
                    Reason::InvalidProbe,
                    &pointer(&pointer(at, "sleep"), "seconds"),
                    format!(
                        "{}: must be non-negative and less than terminationGracePeriodSeconds ({grace_period})",
                        s.seconds
                    ),
                    "sleep at most the pod's terminationGracePeriodSeconds (30 unless set)",
                );
            }
        }
        if !seen {
            v.push(
                Reason::InvalidProbe,
                at,
                "must specify a handler type".into(),
                if self.hook {
                    "give one of exec, httpGet, tcpSocket or sleep"
                } else {
                    "give one of exec, httpGet, tcpSocket or grpc"
                },
            );
        }
    }
}

/// `validateHTTPGetAction`: a port number or name, HTTP or HTTPS, header names of
/// letters, digits and '-'. An empty path or scheme is defaulted first.
fn http_get(v: &mut Violations, h: &HTTPGetAction, at: &str) {
    port_num_or_name(v, &h.port, &pointer(at, "port"));
    if let Some(scheme) = h.scheme.as_deref()
        && !scheme.is_empty()
        && !matches!(scheme, "HTTP" | "HTTPS")
    {
        v.push(
            Reason::InvalidProbe,
            &pointer(at, "scheme"),
            unsupported(scheme, &["HTTP", "HTTPS"]),
            "use HTTP or HTTPS (upper case)",
        );
    }
    for header in h.http_headers.iter().flatten() {
        if let Err(e) = http_header_name(&header.name) {
            v.push(
                Reason::InvalidProbe,
                &pointer(at, "httpHeaders"),
                format!("header name {:?} {e}", header.name),
                "a header name has letters, digits and '-' only",
            );
        }
    }
}

/// `ValidatePortNumOrName`: a number from 1 to 65535, or an IANA service name.
fn port_num_or_name(v: &mut Violations, port: &IntOrString, at: &str) {
    let problem = match port {
        IntOrString::Int(n) => primitives::port_number(i64::from(*n))
            .err()
            .map(|e| format!("{n}: {e}")),
        IntOrString::String(name) => primitives::port_name(name)
            .err()
            .map(|e| format!("port name {name:?} {e}")),
    };
    if let Some(problem) = problem {
        v.push(
            Reason::InvalidProbe,
            at,
            problem,
            "give a port number from 1 to 65535, or the name of one of the container's ports",
        );
    }
}

/// `validateContainerPorts`: names, numbers and protocols of a container's ports.
fn ports(v: &mut Violations, c: &Container, at: &str) {
    let mut port_names = BTreeSet::new();
    for (i, p) in c.ports.iter().flatten().enumerate() {
        let p_at = pointer(&pointer(at, "ports"), i);
        if let Some(name) = p.name.as_deref().filter(|n| !n.is_empty()) {
            if let Err(e) = primitives::port_name(name) {
                v.push(Reason::InvalidPort, &pointer(&p_at, "name"), format!("port name {name:?} {e}"), "a port name has at most 15 lowercase letters, digits and '-', with at least one letter");
            } else if !port_names.insert(name.to_string()) {
                v.push(
                    Reason::DuplicatePort,
                    &pointer(&p_at, "name"),
                    format!("duplicate port name {name:?}"),
                    "give each port of a container its own name",
                );
            }
        }
        if p.container_port == 0 {
            v.push(
                Reason::InvalidPort,
                &pointer(&p_at, "containerPort"),
                "required value: a port needs its containerPort".into(),
                "give the port number the container listens on, 1 to 65535",
            );
        } else if let Err(e) = primitives::port_number(i64::from(p.container_port)) {
            v.push(
                Reason::InvalidPort,
                &pointer(&p_at, "containerPort"),
                format!("containerPort {e}"),
                "a port number is 1 to 65535",
            );
        }
        if let Some(host) = p.host_port
            && let Err(e) = primitives::host_port_number(i64::from(host))
        {
            v.push(
                Reason::InvalidPort,
                &pointer(&p_at, "hostPort"),
                format!("hostPort {e}"),
                "a host port is 1 to 65535",
            );
        }
        // `SetDefaults_ContainerPort` gives an empty protocol TCP first.
        if let Some(protocol) = p.protocol.as_deref()
            && !protocol.is_empty()
            && !matches!(protocol, "TCP" | "UDP" | "SCTP")
        {
            v.push(
                Reason::InvalidPort,
                &pointer(&p_at, "protocol"),
                unsupported(protocol, &["SCTP", "TCP", "UDP"]),
                "use TCP, UDP or SCTP (upper case)",
            );
        }
        // `hostIP` is not validated by the API server: any string is stored.
    }
}

/// `AccumulateUniqueHostPorts` / `checkHostPortConflicts`: no two ports of `containers`
/// take one host port with one protocol and one host IP. The second is reported.
fn host_port_conflicts(v: &mut Violations, containers: &[(String, &Container)]) {
    let mut taken = BTreeSet::new();
    for (c_at, c) in containers {
        for (i, p) in c.ports.iter().flatten().enumerate() {
            let Some(host) = p.host_port.filter(|&h| h != 0) else {
                continue;
            };
            let protocol = p
                .protocol
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or("TCP");
            let key = format!("{protocol}/{}/{host}", p.host_ip.as_deref().unwrap_or(""));
            if !taken.insert(key.clone()) {
                v.push(
                    Reason::InvalidPort,
                    &pointer(&pointer(&pointer(c_at, "ports"), i), "hostPort"),
                    format!("duplicate value {key:?}: host port {host}/{protocol} is already taken in this pod"),
                    "give each host port (per protocol and host IP) to one port of the pod's containers",
                );
            }
        }
    }
}

/// `ValidateEnv` for one variable: a name (RelaxedEnvironmentVariableValidation, beta and
/// on since 1.32: printable ASCII but '='), and `validateEnvVarValueFrom`.
fn env_var(v: &mut Violations, e: &EnvVar, at: &str) {
    if e.name.is_empty() {
        v.push(
            Reason::InvalidEnv,
            &pointer(at, "name"),
            "required value: an environment variable needs a name".into(),
            "give the variable a name",
        );
    } else if let Err(err) = primitives::env_var_name(&e.name) {
        v.push(
            Reason::InvalidEnv,
            &pointer(at, "name"),
            format!("name {:?}: {err}", e.name),
            "an environment variable name is printable ASCII without '='",
        );
    }
    let Some(from) = &e.value_from else {
        return;
    };
    let from_at = pointer(at, "valueFrom");
    let mut sources = 0;
    if let Some(f) = &from.field_ref {
        sources += 1;
        downward::field_ref(
            v,
            f,
            &pointer(&from_at, "fieldRef"),
            downward::ENV_FIELD_PATHS,
            Reason::InvalidEnv,
            "use metadata.name, metadata.namespace, metadata.uid, metadata.labels['KEY'], metadata.annotations['KEY'], spec.nodeName, spec.serviceAccountName, status.hostIP(s) or status.podIP(s)",
        );
    }
    if let Some(r) = &from.resource_field_ref {
        sources += 1;
        downward::resource_field_ref(
            v,
            r,
            &pointer(&from_at, "resourceFieldRef"),
            false,
            Reason::InvalidEnv,
        );
    }
    if let Some(k) = &from.config_map_key_ref {
        sources += 1;
        key_selector(v, &k.name, &k.key, &pointer(&from_at, "configMapKeyRef"));
    }
    if let Some(k) = &from.secret_key_ref {
        sources += 1;
        key_selector(v, &k.name, &k.key, &pointer(&from_at, "secretKeyRef"));
    }
    let problem = if sources == 0 {
        Some(
            "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        )
    } else if e.value.as_deref().is_some_and(|s| !s.is_empty()) {
        Some("may not be specified when `value` is not empty")
    } else if sources > 1 {
        Some("may not have more than one field specified at a time")
    } else {
        None
    };
    if let Some(problem) = problem {
        v.push(
            Reason::InvalidEnv,
            &from_at,
            problem.into(),
            "give a variable either a value or valueFrom with exactly one source",
        );
    }
}

/// `validateConfigMapKeySelector` / `validateSecretKeySelector`: the object's name is a
/// DNS subdomain, the key a config map key.
fn key_selector(v: &mut Violations, name: &str, key: &str, at: &str) {
    if let Err(e) = primitives::dns1123_subdomain(name) {
        v.push(
            Reason::InvalidEnv,
            &pointer(at, "name"),
            format!("name {name:?} {e}"),
            "name the ConfigMap or Secret: a DNS-1123 subdomain",
        );
    }
    if key.is_empty() {
        v.push(
            Reason::InvalidEnv,
            &pointer(at, "key"),
            "required value: a key selector needs a key".into(),
            "name the key of the ConfigMap or Secret",
        );
    } else if let Err(e) = config_map_key(key) {
        v.push(
            Reason::InvalidEnv,
            &pointer(at, "key"),
            format!("key {key:?} {e}"),
            "a key has letters, digits, '-', '_' and '.'",
        );
    }
}

/// `ValidateEnvFrom` for entry `i` of the list at `at`: a relaxed env var name as
/// prefix, and exactly one of configMapRef and secretRef, named by a DNS subdomain
/// (checked as a prefix, so one trailing '-' is allowed).
fn env_from(v: &mut Violations, e: &EnvFromSource, at: &str, i: usize) {
    let e_at = pointer(at, i);
    if let Some(prefix) = e.prefix.as_deref().filter(|p| !p.is_empty())
        && let Err(err) = primitives::env_var_name(prefix)
    {
        v.push(
            Reason::InvalidEnv,
            &pointer(&e_at, "prefix"),
            format!("prefix {prefix:?}: {err}"),
            "a prefix is printable ASCII without '='",
        );
    }
    let refs = [
        ("configMapRef", e.config_map_ref.as_ref().map(|r| &r.name)),
        ("secretRef", e.secret_ref.as_ref().map(|r| &r.name)),
    ];
    let mut sources = 0;
    for (field, name) in refs {
        let Some(name) = name else {
            continue;
        };
        sources += 1;
        let n_at = pointer(&pointer(&e_at, field), "name");
        if name.is_empty() {
            v.push(
                Reason::InvalidEnv,
                &n_at,
                "required value: a ConfigMap or Secret reference needs a name".into(),
                "name the ConfigMap or Secret",
            );
        } else if let Err(err) = primitives::dns1123_subdomain(&mask_trailing_dash(name)) {
            v.push(
                Reason::InvalidEnv,
                &n_at,
                format!("name {name:?} {err}"),
                "name the ConfigMap or Secret: a DNS-1123 subdomain",
            );
        }
    }
    // Upstream reports these at the list, not at the entry.
    let problem = match sources {
        0 => Some("must specify one of: `configMapRef` or `secretRef`"),
        1 => None,
        _ => Some("may not have more than one field specified at a time"),
    };
    if let Some(problem) = problem {
        v.push(
            Reason::InvalidEnv,
            at,
            format!("entry {i}: {problem}"),
            "give each envFrom entry exactly one of configMapRef and secretRef",
        );
    }
}

/// `maskTrailingDash` (apimachinery's `NameIsDNSSubdomain` with prefix): a name that
/// will have a suffix appended may end in '-'. Upstream's quirk is kept: it replaces the
/// last TWO bytes by "a" (so `a.-` passes). A lone "-" stays as it is (upstream's slice
/// would panic there).
fn mask_trailing_dash(name: &str) -> String {
    let b = name.as_bytes();
    if b.len() >= 2 && b.ends_with(b"-") {
        let mut masked = String::from_utf8_lossy(&b[..b.len() - 2]).into_owned();
        masked.push('a');
        masked
    } else {
        name.to_string()
    }
}

/// `validatePullPolicy`: Always, IfNotPresent or Never (an empty policy is defaulted).
fn pull_policy(v: &mut Violations, policy: Option<&str>, at: &str) {
    if let Some(policy) = policy
        && !policy.is_empty()
        && !matches!(policy, "Always" | "IfNotPresent" | "Never")
    {
        v.push(
            Reason::InvalidField,
            at,
            unsupported(policy, &["Always", "IfNotPresent", "Never"]),
            "use Always, IfNotPresent or Never",
        );
    }
}

/// `validateResizePolicy` (InPlacePodVerticalScaling, beta and on in 1.33, which also
/// allows it on init containers): cpu and memory each at most once, NotRequired or
/// RestartContainer, and NotRequired only when the pod never restarts.
fn resize_policy(v: &mut Violations, c: &Container, at: &str, restart_never: bool) {
    let mut seen = BTreeSet::new();
    for (i, p) in c.resize_policy.iter().flatten().enumerate() {
        let name = p.resource_name.as_str();
        if !seen.insert(name) {
            v.push(
                Reason::InvalidField,
                &pointer(at, i),
                format!("duplicate value {name:?}"),
                "give cpu and memory one resize policy each",
            );
        }
        // Upstream reports these at the list, not at the entry.
        match name {
            "cpu" | "memory" => {}
            "" => v.push(
                Reason::InvalidField,
                at,
                format!("entry {i}: required value: resourceName"),
                "name cpu or memory",
            ),
            other => v.push(
                Reason::InvalidField,
                at,
                unsupported(other, &["cpu", "memory"]),
                "a resize policy is for cpu or memory",
            ),
        }
        let policy = p.restart_policy.as_str();
        match policy {
            "NotRequired" | "RestartContainer" => {}
            "" => v.push(
                Reason::InvalidField,
                at,
                format!("entry {i}: required value: restartPolicy"),
                "use NotRequired or RestartContainer",
            ),
            other => v.push(
                Reason::InvalidField,
                at,
                unsupported(other, &["NotRequired", "RestartContainer"]),
                "use NotRequired or RestartContainer",
            ),
        }
        if restart_never && policy != "NotRequired" {
            v.push(
                Reason::InvalidField,
                at,
                format!("{policy:?}: must be 'NotRequired' when `restartPolicy` is 'Never'"),
                "use NotRequired",
            );
        }
    }
}

/// `IsConfigMapKey` (apimachinery `util/validation`): at most 253 characters of
/// `[-._a-zA-Z0-9]`, and not `.`, `..` or starting with `..`. Messages joined by "; ".
fn config_map_key(key: &str) -> Result<(), String> {
    let mut errs = Vec::new();
    if key.len() > 253 {
        errs.push("must be no more than 253 characters".to_string());
    }
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    if key.is_empty() || !key.chars().all(ok) {
        errs.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')".to_string());
    }
    if key == "." {
        errs.push("must not be '.'".to_string());
    } else if key == ".." {
        errs.push("must not be '..'".to_string());
    } else if key.starts_with("..") {
        errs.push("must not start with '..'".to_string());
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

/// `IsHTTPHeaderName` (apimachinery `util/validation`): `[-A-Za-z0-9]+`.
fn http_header_name(name: &str) -> Result<(), String> {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(())
    } else {
        Err("a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_trailing_dash_drops_two_bytes_as_upstream_does() {
        assert_eq!(mask_trailing_dash("settings-"), "settinga");
        assert_eq!(mask_trailing_dash("a.-"), "aa");
        assert_eq!(mask_trailing_dash("-"), "-");
        assert_eq!(mask_trailing_dash("plain"), "plain");
    }

    #[test]
    fn config_map_keys() {
        assert!(config_map_key(".env").is_ok());
        assert!(config_map_key("KEY_name-1.txt").is_ok());
        assert!(config_map_key("..data").is_err());
        assert!(config_map_key("..").is_err());
        assert!(config_map_key("a/b").is_err());
        assert!(config_map_key(&"k".repeat(253)).is_ok());
        assert!(config_map_key(&"k".repeat(254)).is_err());
    }

    #[test]
    fn http_header_names() {
        assert!(http_header_name("X-Header-Name").is_ok());
        assert!(http_header_name("X_Header").is_err());
        assert!(http_header_name("").is_err());
    }
}
