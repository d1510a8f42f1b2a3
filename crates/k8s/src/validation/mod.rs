//! The API server's validation of a DaemonSet object (pkg/apis/apps/validation,
//! pkg/apis/core/validation), on the typed object. Every violation carries the JSON
//! pointer of the offending field, so the caller can point at its source: a YAML position
//! for a plain manifest, the description (or its patch) for a rendered one, and
//! [`field_path`] names it as the API server does.
//!
//! One file per part of `ValidatePodSpec`: [`container`] (containers, init containers and
//! sidecars, probes, lifecycle handlers, ports, env, mounts and devices), [`volume`]
//! (volumes and every volume source), [`pod`] (DNS, host aliases, scheduling, names of
//! classes, gates, topology spread), [`security`] (pod and container security contexts,
//! sysctls, host namespaces, OS and Windows rules) and [`resources`] (quantities,
//! hugepages, extended resources). Beside them, [`node`]: `ValidateNode`, for the Nodes a
//! user writes to describe a pool, and the taint rule a NodePool's taints meet. `rules/` beside this crate's source is the table of every
//! rule, one file per part: its upstream function, where it is here, its test case and the
//! version or feature gate it depends on (Kubernetes 1.33 with its default gates).

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{Container, NodeSelectorRequirement, NodeSelectorTerm, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use crate::apimachinery as primitives;
use crate::selector::{self, Operator, ValuesProblem};

pub mod container;
pub mod downward;
pub mod node;
pub mod pod;
pub mod resources;
pub mod security;
pub mod volume;

/// The kind of a violation: which family of upstream rules rejects the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// Two containers share a name.
    DuplicateContainer,
    /// Two ports of one container share a name.
    DuplicatePort,
    /// A field has a value the API server rejects.
    InvalidField,
    /// A label key or value is not valid.
    InvalidLabel,
    /// A name is not a valid DNS-1123 name.
    InvalidName,
    /// A node selector requirement is not valid.
    InvalidNodeSelector,
    /// A port number or name is not valid.
    InvalidPort,
    /// A resource quantity is not valid.
    InvalidQuantity,
    /// A resource name is not valid.
    InvalidResourceName,
    /// A toleration is not valid.
    InvalidToleration,
    /// The update strategy is not valid.
    InvalidUpdateStrategy,
    /// A probe or a lifecycle handler is not valid.
    InvalidProbe,
    /// A volume or one of its sources is not valid.
    InvalidVolume,
    /// A volume mount or device is not valid.
    InvalidVolumeMount,
    /// An environment variable or `envFrom` source is not valid.
    InvalidEnv,
    /// A pod or container security context, a sysctl or a host namespace is not valid.
    InvalidSecurityContext,
    /// `spec.os` or a Windows rule is broken.
    InvalidOs,
    /// The DNS policy, DNS config or a host alias is not valid.
    InvalidDns,
    /// Resources break a rule beyond their syntax (hugepages, extended resources).
    InvalidResources,
    /// Topology spread, pod affinity, scheduling or readiness gates are not valid.
    InvalidScheduling,
    /// A container has no image.
    MissingImage,
    /// A required field is missing.
    MissingValue,
    /// A resource request is larger than its limit.
    RequestsExceedLimits,
    /// The selector is empty, invalid, or does not match the template labels.
    SelectorMismatch,
}

/// One thing the API server would reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Which family of rules rejects it.
    pub reason: Reason,
    /// JSON pointer of the field (`/spec/template/spec/containers/0/ports/1/name`).
    pub at: String,
    /// What is wrong, in upstream's words where upstream has them (lowercase, no period).
    pub message: String,
    /// How to fix it, in one line.
    pub help: &'static str,
    /// The problem is the key at `at` (a label or annotation key), not its value.
    pub key: bool,
}

/// The JSON pointer of `segment` under `parent` (RFC 6901: `~` and `/` escaped), the
/// field path every [`Violation`] carries (`/spec/template/spec/containers/0/name`).
pub fn pointer(parent: &str, segment: impl std::fmt::Display) -> String {
    let segment = segment.to_string().replace('~', "~0").replace('/', "~1");
    format!("{parent}/{segment}")
}

/// A pod's containers and init containers, each list with its field name: what every
/// rule about containers walks.
pub fn container_lists(pod: &PodSpec) -> [(&'static str, &[Container]); 2] {
    [
        ("containers", &pod.containers[..]),
        (
            "initContainers",
            pod.init_containers.as_deref().unwrap_or_default(),
        ),
    ]
}

/// Everything `ValidateDaemonSet` would reject in this object.
pub fn validate(ds: &DaemonSet) -> Vec<Violation> {
    let mut v = Violations::default();
    let name = ds.metadata.name.as_deref().unwrap_or("");
    if name.is_empty() {
        v.push(
            Reason::InvalidName,
            "/metadata/name",
            "name is required".into(),
            "give the DaemonSet a metadata.name",
        );
    } else if let Err(e) = primitives::dns1123_subdomain(name) {
        v.push(
            Reason::InvalidName,
            "/metadata/name",
            format!("name {name:?} {e}"),
            "a DaemonSet name is a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'",
        );
    }
    if let Some(ns) = &ds.metadata.namespace
        && let Err(e) = primitives::dns1123_label(ns)
    {
        v.push(
            Reason::InvalidName,
            "/metadata/namespace",
            format!("namespace {ns:?} {e}"),
            "a namespace is a DNS-1123 label",
        );
    }
    v.labels(ds.metadata.labels.as_ref(), "/metadata/labels");
    v.annotations(ds.metadata.annotations.as_ref(), "/metadata/annotations");
    let Some(spec) = &ds.spec else {
        v.push(
            Reason::InvalidField,
            "/spec",
            "spec is required".into(),
            "a DaemonSet needs a spec with a selector and a template",
        );
        return v.0;
    };
    let template_labels = spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    v.labels(Some(&template_labels), "/spec/template/metadata/labels");
    v.selector(&spec.selector, &template_labels);
    if let Some(n) = spec.min_ready_seconds
        && n < 0
    {
        v.push(
            Reason::InvalidField,
            "/spec/minReadySeconds",
            "minReadySeconds must be greater than or equal to 0".into(),
            "give 0 or more",
        );
    }
    if let Some(n) = spec.revision_history_limit
        && n < 0
    {
        v.push(
            Reason::InvalidField,
            "/spec/revisionHistoryLimit",
            "revisionHistoryLimit must be greater than or equal to 0".into(),
            "give 0 or more",
        );
    }
    if let Some(strategy) = &spec.update_strategy {
        // SetDefaults_DaemonSet: an empty type is RollingUpdate before validation.
        let kind = match strategy.type_.as_deref() {
            None | Some("") => "RollingUpdate",
            Some(kind) => kind,
        };
        match kind {
            "OnDelete" => {}
            "RollingUpdate" => {
                let ru = strategy.rolling_update.clone().unwrap_or_default();
                let mut values = Vec::new();
                for (field, value, default) in [
                    ("maxUnavailable", ru.max_unavailable, 1),
                    ("maxSurge", ru.max_surge, 0),
                ] {
                    let at = format!("/spec/updateStrategy/rollingUpdate/{field}");
                    let value = value.unwrap_or(IntOrString::Int(default));
                    match int_or_percent(&value) {
                        Ok(n) => values.push(n),
                        Err(e) => {
                            v.push(
                                Reason::InvalidUpdateStrategy,
                                &at,
                                format!("{field} {e}"),
                                "give a non-negative integer or a percentage such as \"10%\"",
                            );
                            values.push(lenient_value(&value));
                        }
                    }
                }
                if values[0] != 0 && values[1] != 0 {
                    v.push(Reason::InvalidUpdateStrategy, "/spec/updateStrategy/rollingUpdate/maxSurge", "maxSurge may not be set when maxUnavailable is non-zero (maxUnavailable defaults to 1)".into(), "to surge, also set maxUnavailable: 0");
                } else if values[0] == 0 && values[1] == 0 {
                    v.push(Reason::InvalidUpdateStrategy, "/spec/updateStrategy/rollingUpdate/maxUnavailable", "maxUnavailable cannot be 0 when maxSurge is 0".into(), "allow one unavailable pod (maxUnavailable: 1), or surge (maxSurge: 1, maxUnavailable: 0)");
                }
            }
            other => v.push(
                Reason::InvalidUpdateStrategy,
                "/spec/updateStrategy/type",
                format!("unsupported update strategy {other:?}"),
                "use RollingUpdate or OnDelete",
            ),
        }
    }
    v.annotations(
        spec.template
            .metadata
            .as_ref()
            .and_then(|m| m.annotations.as_ref()),
        "/spec/template/metadata/annotations",
    );
    match &spec.template.spec {
        Some(pod) => {
            v.pod(pod);
            let annotations =
                (spec.template.metadata.as_ref()).and_then(|m| m.annotations.as_ref());
            pod::template_annotations(
                &mut v,
                annotations,
                pod,
                "/spec/template/metadata/annotations",
            );
            security::template_annotations(
                &mut v,
                annotations,
                pod,
                "/spec/template/metadata/annotations",
                "/spec/template/spec",
            );
        }
        None => v.push(
            Reason::InvalidField,
            "/spec/template/spec",
            "the pod template has no spec".into(),
            "give the template a spec with containers",
        ),
    }
    v.0
}

/// The message of upstream's `field.NotSupported` (lower-cased, as every message here):
/// `unsupported value "X": supported values: "A", "B"`.
pub(crate) fn unsupported(value: &str, supported: &[&str]) -> String {
    let list: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
    format!(
        "unsupported value {value:?}: supported values: {}",
        list.join(", ")
    )
}

/// Upstream's message for values that do not fit the operator
/// (`validateNodeSelectorRequirement`, `ValidateLabelSelectorRequirement`).
fn values_message(operator: Operator, values: &[String]) -> Option<String> {
    let message = match operator.values_problem(values)? {
        ValuesProblem::Missing => "values must be specified when `operator` is 'In' or 'NotIn'",
        ValuesProblem::Unexpected => {
            "values may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
        }
        ValuesProblem::NotOne => "must be specified single value when `operator` is 'Lt' or 'Gt'",
        // The API server stores a non-integer Gt/Lt value; the requirement then fails to
        // parse when matched, and its term matches no node.
        ValuesProblem::NotInteger => return None,
    };
    Some(message.to_string())
}

/// The API server's name for the field at a JSON pointer, as its error messages print it
/// (`field.Path.String()`): `/spec/template/spec/containers/0/livenessProbe` is
/// `spec.template.spec.containers[0].livenessProbe`, and a key of a map such as labels or
/// resource limits is in brackets (`metadata.labels[app]`).
pub fn field_path(pointer: &str) -> String {
    // Fields whose value is a map: the next segment is a key, not a field.
    const MAPS: &[&str] = &[
        "labels",
        "annotations",
        "nodeSelector",
        "matchLabels",
        "limits",
        "requests",
        "overhead",
        "capacity",
        "allocatable",
        "options",
        "volumeAttributes",
    ];
    let mut out = String::new();
    let mut parent_is_map = false;
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        let index = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
        if index || parent_is_map {
            out.push('[');
            out.push_str(&segment);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
        parent_is_map = !index && !parent_is_map && MAPS.contains(&segment.as_str());
    }
    out
}

/// The violations found so far: what every part of the validation appends to.
#[derive(Default)]
pub(crate) struct Violations(Vec<Violation>);

impl Violations {
    pub(crate) fn push(&mut self, reason: Reason, at: &str, message: String, help: &'static str) {
        self.0.push(Violation {
            reason,
            at: at.to_string(),
            message,
            help,
            key: false,
        });
    }

    /// A problem with the key at `at` rather than with its value.
    pub(crate) fn push_key(
        &mut self,
        reason: Reason,
        at: &str,
        message: String,
        help: &'static str,
    ) {
        self.push(reason, at, message, help);
        if let Some(last) = self.0.last_mut() {
            last.key = true;
        }
    }

    /// `ValidateAnnotations` (apimachinery/pkg/api/validation/objectmeta.go): each key,
    /// lower-cased first, is a qualified name, and keys and values together are at most
    /// 256 KiB (`TotalAnnotationSizeLimitB`).
    fn annotations(
        &mut self,
        annotations: Option<&std::collections::BTreeMap<String, String>>,
        at: &str,
    ) {
        const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;
        let Some(annotations) = annotations else {
            return;
        };
        for key in annotations.keys() {
            if let Err(e) = primitives::label_key(&key.to_lowercase()) {
                self.push_key(
                    Reason::InvalidLabel,
                    &pointer(at, key),
                    format!("annotation key {key:?} {e}"),
                    "an annotation key is an optional DNS prefix and '/', then a name of at most 63 characters",
                );
            }
        }
        let size: usize = annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
        if size > TOTAL_ANNOTATION_SIZE_LIMIT {
            self.push(
                Reason::InvalidLabel,
                at,
                format!("annotations are {size} bytes, must have at most {TOTAL_ANNOTATION_SIZE_LIMIT} bytes"),
                "move large data into a ConfigMap",
            );
        }
    }

    fn labels(&mut self, labels: Option<&std::collections::BTreeMap<String, String>>, at: &str) {
        for (key, value) in labels.into_iter().flatten() {
            let k_at = pointer(at, key);
            if let Err(e) = primitives::label_key(key) {
                self.push_key(Reason::InvalidLabel, &k_at, format!("label key {key:?} {e}"), "a label key is an optional DNS prefix and '/', then a name of at most 63 characters");
            }
            if let Err(e) = primitives::label_value(value) {
                self.push(
                    Reason::InvalidLabel,
                    &k_at,
                    format!("label value {value:?} {e}"),
                    "a label value is at most 63 characters of letters, digits, '-', '_' and '.'",
                );
            }
        }
    }

    /// `ValidateLabelSelector` (apimachinery meta/v1/validation) with
    /// `AllowInvalidLabelValueInSelector` off, as on create: matchLabels are labels; each
    /// expression has a set operator with values that fit it (a problem of `reason`), a
    /// label key and label values. Returns whether the selector is valid, which is when
    /// `LabelSelectorAsSelector` converts it.
    pub(crate) fn label_selector(
        &mut self,
        selector: &LabelSelector,
        at: &str,
        reason: Reason,
    ) -> bool {
        let before = self.0.len();
        self.labels(selector.match_labels.as_ref(), &pointer(at, "matchLabels"));
        for (i, e) in selector.match_expressions.iter().flatten().enumerate() {
            let e_at = pointer(&pointer(at, "matchExpressions"), i);
            let values = e.values.as_deref().unwrap_or_default();
            match Operator::parse(&e.operator) {
                Some(
                    op @ (Operator::In
                    | Operator::NotIn
                    | Operator::Exists
                    | Operator::DoesNotExist),
                ) => {
                    if let Some(problem) = values_message(op, values) {
                        self.push(
                            reason,
                            &pointer(&e_at, "values"),
                            problem,
                            "use In or NotIn with values, Exists or DoesNotExist without",
                        );
                    }
                }
                _ => self.push(
                    reason,
                    &pointer(&e_at, "operator"),
                    format!("{:?} is not a valid selector operator", e.operator),
                    "a label selector takes In, NotIn, Exists or DoesNotExist",
                ),
            }
            if let Err(problem) = primitives::label_key(&e.key) {
                self.push(
                    Reason::InvalidLabel,
                    &pointer(&e_at, "key"),
                    format!("key {:?} {problem}", e.key),
                    "a label key is an optional DNS prefix and '/', then a name of at most 63 characters",
                );
            }
            for (j, value) in values.iter().enumerate() {
                if let Err(problem) = primitives::label_value(value) {
                    self.push(
                        Reason::InvalidLabel,
                        &pointer(&pointer(&e_at, "values"), j),
                        format!("value {value:?} {problem}"),
                        "a label value is at most 63 characters of letters, digits, '-', '_' and '.'",
                    );
                }
            }
        }
        self.0.len() == before
    }

    fn selector(
        &mut self,
        selector: &LabelSelector,
        template: &std::collections::BTreeMap<String, String>,
    ) {
        let labels = selector.match_labels.clone().unwrap_or_default();
        let expressions = selector.match_expressions.clone().unwrap_or_default();
        if labels.is_empty() && expressions.is_empty() {
            self.push(
                Reason::SelectorMismatch,
                "/spec/selector",
                "empty selector is invalid for daemonset".into(),
                "select the pods by the labels of spec.template.metadata.labels",
            );
            return;
        }
        // A selector that does not convert (`LabelSelectorAsSelector`) is not compared
        // with the template: its own errors say enough.
        if !self.label_selector(selector, "/spec/selector", Reason::SelectorMismatch) {
            return;
        }
        let matches = selector::label_selector_matches(selector, template);
        if !matches {
            self.push(
                Reason::SelectorMismatch,
                "/spec/template/metadata/labels",
                "`selector` does not match template `labels`".into(),
                "give the pod template every label the selector asks for",
            );
        }
    }

    fn pod(&mut self, pod: &PodSpec) {
        let at = "/spec/template/spec";
        // SetDefaults_PodSpec: an empty restartPolicy is Always before validation.
        if let Some(policy) = &pod.restart_policy
            && !matches!(policy.as_str(), "" | "Always")
        {
            self.push(
                Reason::InvalidField,
                &pointer(at, "restartPolicy"),
                format!("unsupported restartPolicy {policy:?}: a DaemonSet's pods always restart"),
                "remove restartPolicy or set it to Always",
            );
        }
        if pod.active_deadline_seconds.is_some() {
            self.push(
                Reason::InvalidField,
                &pointer(at, "activeDeadlineSeconds"),
                "activeDeadlineSeconds in DaemonSet is not supported".into(),
                "remove activeDeadlineSeconds",
            );
        }
        if pod.containers.is_empty() {
            self.push(
                Reason::MissingValue,
                &pointer(at, "containers"),
                "the pod template has no containers".into(),
                "add a container with a name and an image",
            );
        }
        container::containers(self, pod, at);
        resources::resources(self, pod, at);
        volume::volumes(self, pod, at);
        security::security(self, pod, at);
        pod::pod(self, pod, at);
        if let Some(selector) = &pod.node_selector {
            self.labels(Some(selector), &pointer(at, "nodeSelector"));
        }
        for (i, t) in pod.tolerations.iter().flatten().enumerate() {
            for (field, problem) in toleration_problems(
                t.key.as_deref(),
                t.operator.as_deref(),
                t.value.as_deref(),
                t.effect.as_deref(),
                t.toleration_seconds,
            ) {
                let t_at = pointer(&pointer(at, "tolerations"), i);
                self.push(Reason::InvalidToleration, &pointer(&t_at, field), problem, "see the Kubernetes toleration rules: Exists takes no value, tolerationSeconds goes with NoExecute");
            }
        }
        let required = selector::required_node_affinity(pod);
        if let Some(required) = required {
            let r_at = "/spec/template/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms";
            if required.node_selector_terms.is_empty() {
                self.push(
                    Reason::InvalidNodeSelector,
                    r_at,
                    "must have at least one node selector term".into(),
                    "add a term, or remove the required node affinity",
                );
            }
            for (i, term) in required.node_selector_terms.iter().enumerate() {
                self.node_selector_term(term, &pointer(r_at, i), true);
            }
        }
    }

    /// `ValidateNodeSelectorTerm`: each expression's operator, values count and key
    /// (`ValidateNodeSelectorRequirement`), and for a required term (`required`) each
    /// value a label value: since Kubernetes 1.32 (kubernetes/kubernetes#128212) a
    /// create refuses what the scheduler's parser would refuse, unless the old object
    /// already had such values (`AllowInvalidLabelValueInRequiredNodeAffinity`, false
    /// on create); preferred terms keep their values unchecked. Each matchFields
    /// requirement names one node (`ValidateNodeFieldSelectorRequirement`).
    pub(crate) fn node_selector_term(&mut self, term: &NodeSelectorTerm, at: &str, required: bool) {
        for (j, e) in term.match_expressions.iter().flatten().enumerate() {
            let e_at = pointer(&pointer(at, "matchExpressions"), j);
            self.node_requirement(e, &e_at);
            if required {
                for (k, value) in e.values.iter().flatten().enumerate() {
                    if let Err(problem) = primitives::label_value(value) {
                        self.push(
                            Reason::InvalidNodeSelector,
                            &pointer(&pointer(&e_at, "values"), k),
                            format!("value {value:?} {problem}"),
                            "a node label value is at most 63 characters of letters, digits, '-', '_' and '.'",
                        );
                    }
                }
            }
        }
        for (j, f) in term.match_fields.iter().flatten().enumerate() {
            self.node_field_requirement(f, &pointer(&pointer(at, "matchFields"), j));
        }
    }

    /// `ValidateNodeFieldSelectorRequirement`: In or NotIn with exactly one value, the key
    /// `metadata.name`, and each value a node name (`ValidateNodeName`, a DNS-1123
    /// subdomain).
    fn node_field_requirement(&mut self, f: &NodeSelectorRequirement, at: &str) {
        let values = f.values.as_deref().unwrap_or_default();
        if !matches!(f.operator.as_str(), "In" | "NotIn") {
            self.push(
                Reason::InvalidNodeSelector,
                &pointer(at, "operator"),
                format!("{:?} is not a valid selector operator", f.operator),
                "use matchFields with In or NotIn and one node name",
            );
        } else if values.len() != 1 {
            self.push(
                Reason::InvalidNodeSelector,
                &pointer(at, "values"),
                "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"
                    .into(),
                "use matchFields with In or NotIn and one node name",
            );
        }
        if f.key != "metadata.name" {
            self.push(
                Reason::InvalidNodeSelector,
                &pointer(at, "key"),
                format!("{:?} is not a valid field selector key", f.key),
                "matchFields supports only metadata.name",
            );
            return;
        }
        for (i, value) in values.iter().enumerate() {
            if let Err(problem) = primitives::dns1123_subdomain(value) {
                self.push(
                    Reason::InvalidNodeSelector,
                    &pointer(&pointer(at, "values"), i),
                    format!("node name {value:?} {problem}"),
                    "a node name is a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'",
                );
            }
        }
    }

    fn node_requirement(&mut self, e: &NodeSelectorRequirement, at: &str) {
        // `validateNodeSelectorRequirement`.
        let problem = match Operator::parse(&e.operator) {
            Some(op) => values_message(op, e.values.as_deref().unwrap_or_default()),
            None => Some(format!("{:?} is not a valid selector operator", e.operator)),
        };
        if let Some(problem) = problem {
            self.push(
                Reason::InvalidNodeSelector,
                at,
                problem,
                "In/NotIn take values, Exists/DoesNotExist none, Gt/Lt exactly one integer",
            );
        }
        if let Err(e2) = primitives::label_key(&e.key) {
            self.push(
                Reason::InvalidNodeSelector,
                &pointer(at, "key"),
                format!("key {:?} {e2}", e.key),
                "a node label key is a qualified name",
            );
        }
    }
}

/// `ValidatePositiveIntOrPercent` and `IsNotMoreThan100Percent`: the scaled number
/// (the percent number for percentages) or why it is invalid.
pub fn int_or_percent(value: &IntOrString) -> Result<i64, String> {
    match value {
        IntOrString::Int(n) if *n < 0 => Err("must be greater than or equal to 0".into()),
        IntOrString::Int(n) => Ok(i64::from(*n)),
        IntOrString::String(s) => {
            let digits = s
                .strip_suffix('%')
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
            match digits.map(str::parse::<i64>) {
                Some(Ok(n)) if n > 100 => Err("must not be greater than 100%".into()),
                Some(Ok(n)) => Ok(n),
                _ => Err(format!(
                    "{s:?} is not a valid percent: a percent is a number followed by '%' (e.g. '1%' or '93%')"
                )),
            }
        }
    }
}

/// The value upstream uses for the both-zero rule when a value failed validation:
/// `Atoi` of the string, 0 when that fails.
fn lenient_value(value: &IntOrString) -> i64 {
    match value {
        IntOrString::Int(n) => i64::from(*n),
        IntOrString::String(s) => s.trim_end_matches('%').parse().unwrap_or(0),
    }
}

/// `ValidateTolerations` for one toleration: each problem with the field upstream names
/// (`key`, `operator` or `effect`).
pub fn toleration_problems(
    key: Option<&str>,
    operator: Option<&str>,
    value: Option<&str>,
    effect: Option<&str>,
    seconds: Option<i64>,
) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    let key = key.unwrap_or("");
    let value = value.unwrap_or("");
    if !key.is_empty()
        && let Err(e) = primitives::label_key(key)
    {
        problems.push(("key", format!("toleration key {key:?} {e}")));
    }
    if key.is_empty() && operator != Some("Exists") {
        problems.push(("operator", "operator must be Exists when `key` is empty, which means \"match all values and all keys\"".into()));
    }
    if seconds.is_some() && effect != Some("NoExecute") {
        problems.push((
            "effect",
            "effect must be 'NoExecute' when `tolerationSeconds` is set".into(),
        ));
    }
    match operator {
        None | Some("Equal") | Some("") => {
            if let Err(e) = primitives::label_value(value) {
                // Upstream names the operator here (`field.Invalid(idxPath.Child("operator"),
                // toleration.Value, …)`), not the value.
                problems.push(("operator", format!("toleration value {value:?} {e}")));
            }
        }
        Some("Exists") if !value.is_empty() => problems.push((
            "operator",
            "value must be empty when `operator` is 'Exists'".into(),
        )),
        Some("Exists") => {}
        Some(other) => problems.push((
            "operator",
            format!("unsupported toleration operator {other:?}: use Equal or Exists"),
        )),
    }
    if let Some(effect) = effect
        && !effect.is_empty()
        && !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute")
    {
        problems.push((
            "effect",
            format!(
                "unsupported taint effect {effect:?}: use NoSchedule, PreferNoSchedule or NoExecute"
            ),
        ));
    }
    problems
}

/// The fields of `object` that its typed form `typed` lost, as JSON pointers: fields the
/// DaemonSet API of Kubernetes 1.33 (everynode's k8s-openapi) does not have, misspelled
/// or newer. Normalizing goes through the typed form, so these take no part in a diff.
pub fn unknown_fields(object: &Value, typed: &DaemonSet) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(known) = serde_json::to_value(typed) {
        lost(object, &known, &mut Vec::new(), &mut out);
    }
    out
}

/// Walks `given` beside `kept`; `path` holds the segments down to here, joined into a
/// pointer only for a field that was lost (most objects have none).
fn lost(given: &Value, kept: &Value, path: &mut Vec<String>, out: &mut Vec<String>) {
    let here = |path: &[String], last: &str| {
        path.iter()
            .map(String::as_str)
            .chain([last])
            .fold(String::new(), |at, segment| pointer(&at, segment))
    };
    match (given, kept) {
        (Value::Object(given), Value::Object(kept)) => {
            for (key, value) in given {
                match kept.get(key) {
                    // `null` is unset, as the server reads it.
                    None if !value.is_null() => out.push(here(path, key)),
                    None => {}
                    Some(kept) if value.is_object() || value.is_array() => {
                        path.push(key.clone());
                        lost(value, kept, path, out);
                        path.pop();
                    }
                    Some(_) => {}
                }
            }
        }
        (Value::Array(given), Value::Array(kept)) => {
            for (i, (value, kept)) in given.iter().zip(kept).enumerate() {
                if value.is_object() || value.is_array() {
                    path.push(i.to_string());
                    lost(value, kept, path, out);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TotalAnnotationSizeLimitB`: a case file this large would not be read by anyone.
    #[test]
    fn annotations_over_256_kib_are_refused() {
        let mut ds: DaemonSet = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "agent", "annotations": {"big": "x".repeat(256 * 1024 - 3)}},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                "template": {"metadata": {"labels": {"app": "agent"}},
                    "spec": {"containers": [{"name": "agent", "image": "agent:1"}]}}}
        }))
        .unwrap_or_default();
        assert!(validate(&ds).is_empty(), "exactly 256 KiB is allowed");
        if let Some(annotations) = ds.metadata.annotations.as_mut() {
            annotations.insert("b".into(), String::new());
        }
        let violations = validate(&ds);
        assert_eq!(violations.len(), 1, "{violations:#?}");
        assert_eq!(violations[0].at, "/metadata/annotations");
    }
}
