//! The downward API's selectors, shared by environment variables (`valueFrom`) and
//! downward-API volume files: `validateObjectFieldSelector` and
//! `validateContainerResourceFieldSelector` in pkg/apis/core/validation/validation.go, with
//! the conversion `ConvertDownwardAPIFieldLabel` (pkg/apis/core/pods/helpers.go) applies
//! first.

use k8s_openapi::api::core::v1::{ObjectFieldSelector, ResourceFieldSelector};

use super::{Reason, Violations, pointer, unsupported};
use crate::apimachinery::{self as primitives, Quantity};

/// The fields an environment variable may take from its pod
/// (`validEnvDownwardAPIFieldPathExpressions`), besides a label or annotation by key.
pub const ENV_FIELD_PATHS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// The fields a downward-API volume file may show
/// (`validVolumeDownwardAPIFieldPathExpressions`): the pod's metadata only.
pub const VOLUME_FIELD_PATHS: &[&str] = &[
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
];

/// The field labels `ConvertDownwardAPIFieldLabel` converts for apiVersion v1 (and
/// `spec.host`, its old name of `spec.nodeName`); any other fails the conversion.
const CONVERTIBLE: &[&str] = &[
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.serviceAccountName",
    "spec.schedulerName",
    "status.phase",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
    "spec.host",
];

/// The resources a resourceFieldRef may name (`validContainerResourceFieldPathExpressions`),
/// besides `requests.hugepages-SIZE` and `limits.hugepages-SIZE`.
const RESOURCE_FIELD_PATHS: &[&str] = &[
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
];

/// `fieldpath.SplitMaybeSubscriptedPath`: `metadata.labels['app']` is
/// (`metadata.labels`, `app`).
fn split_subscript(path: &str) -> Option<(&str, &str)> {
    let inner = path.strip_suffix("']")?;
    let (head, subscript) = inner.split_once("['")?;
    (!head.is_empty()).then_some((head, subscript))
}

/// `validateObjectFieldSelector` after `ConvertDownwardAPIFieldLabel`: the selector `f` at
/// `at` names a field of `allowed` ([`ENV_FIELD_PATHS`] or [`VOLUME_FIELD_PATHS`]) or a
/// label or annotation by a valid key; problems are of `reason`, with `help` for a field
/// outside `allowed`.
pub(crate) fn field_ref(
    v: &mut Violations,
    f: &ObjectFieldSelector,
    at: &str,
    allowed: &[&str],
    reason: Reason,
    help: &'static str,
) {
    let path_at = pointer(at, "fieldPath");
    // `SetDefaults_ObjectFieldSelector` gives an empty apiVersion "v1".
    let version = (f.api_version.as_deref())
        .filter(|s| !s.is_empty())
        .unwrap_or("v1");
    let path = f.field_path.as_str();
    if path.is_empty() {
        v.push(
            reason,
            &path_at,
            "required value: a fieldRef needs a fieldPath".into(),
            help,
        );
        return;
    }
    let conversion = if version != "v1" {
        Err(format!("unsupported pod version: {version}"))
    } else if let Some((head, _)) = split_subscript(path) {
        if matches!(head, "metadata.annotations" | "metadata.labels") {
            Ok(())
        } else {
            Err(format!("field label does not support subscript: {path}"))
        }
    } else if CONVERTIBLE.contains(&path) {
        Ok(())
    } else {
        Err(format!("field label not supported: {path}"))
    };
    if let Err(e) = conversion {
        v.push(
            reason,
            &path_at,
            format!("{path:?}: error converting fieldPath: {e}"),
            help,
        );
        return;
    }
    let path = if path == "spec.host" {
        "spec.nodeName"
    } else {
        path
    };
    if let Some((head, subscript)) = split_subscript(path) {
        // Annotation keys are lower-cased before they are checked, label keys are not.
        let key = if head == "metadata.annotations" {
            subscript.to_lowercase()
        } else {
            subscript.to_string()
        };
        // Upstream names the selector itself here, not its fieldPath.
        if let Err(e) = primitives::label_key(&key) {
            v.push(
                reason,
                at,
                format!("{subscript:?}: {e}"),
                "the key in brackets is a label or annotation key",
            );
        }
    } else if !allowed.contains(&path) {
        v.push(reason, &path_at, unsupported(path, allowed), help);
    }
}

/// `validateContainerResourceFieldSelector`: the selector `r` at `at` names a resource of a
/// container (required in a volume, where no container is implied: `volume`) and a
/// divisor that fits it (`validateContainerResourceDivisor`: 1m or 1 for cpu, 1 or one
/// unit for bytes). An unparsable divisor is an `InvalidQuantity`; the rest are of `reason`.
pub(crate) fn resource_field_ref(
    v: &mut Violations,
    r: &ResourceFieldSelector,
    at: &str,
    volume: bool,
    reason: Reason,
) {
    const HELP: &str = "name limits.cpu, limits.memory, limits.ephemeral-storage, the requests of these, or requests/limits.hugepages-<size>";
    let resource = r.resource.as_str();
    let hugepages =
        resource.starts_with("requests.hugepages-") || resource.starts_with("limits.hugepages-");
    if volume && r.container_name.as_deref().unwrap_or("").is_empty() {
        v.push(
            reason,
            &pointer(at, "containerName"),
            "required value".into(),
            "a downward-API volume shows the resources of one container: name it",
        );
    } else if resource.is_empty() {
        v.push(
            reason,
            &pointer(at, "resource"),
            "required value: a resourceFieldRef needs a resource".into(),
            HELP,
        );
    } else if !RESOURCE_FIELD_PATHS.contains(&resource) && !hugepages {
        v.push(
            reason,
            &pointer(at, "resource"),
            unsupported(resource, RESOURCE_FIELD_PATHS),
            HELP,
        );
    }
    let Some(divisor) = &r.divisor else {
        return;
    };
    let d_at = pointer(at, "divisor");
    let canonical = match Quantity::parse(divisor.0.trim()) {
        Err(e) => {
            v.push(
                Reason::InvalidQuantity,
                &d_at,
                format!("divisor {:?} is not a quantity: {e}", divisor.0),
                "give a divisor such as 1, 1m, 1Mi or 1Gi",
            );
            return;
        }
        // An explicit zero is the unset divisor.
        Ok(q) if q.is_zero() => return,
        Ok(_) => Quantity::server_string(&divisor.0, false).unwrap_or_default(),
    };
    const BYTES: &[&str] = &[
        "1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei",
    ];
    let bytes = |what: &str| {
        format!(
            "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the {what}"
        )
    };
    let fits_bytes = BYTES.contains(&canonical.as_str());
    let problem = match resource {
        "limits.cpu" | "requests.cpu" if !matches!(canonical.as_str(), "1m" | "1") => {
            Some("only divisor's values 1m and 1 are supported with the cpu resource".to_string())
        }
        "limits.memory" | "requests.memory" if !fits_bytes => Some(bytes("memory resource")),
        "limits.ephemeral-storage" | "requests.ephemeral-storage" if !fits_bytes => {
            Some(bytes("local ephemeral storage resource"))
        }
        _ if hugepages && !fits_bytes => Some(bytes("hugepages resource")),
        _ => None,
    };
    if let Some(problem) = problem {
        v.push(
            reason,
            &d_at,
            format!("{:?}: {problem}", divisor.0),
            "give a divisor of 1 and a unit suffix (1m for cpu, 1Mi or 1Gi for bytes)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscripts_split_as_upstream_does() {
        assert_eq!(
            split_subscript("metadata.labels['a[b]c']"),
            Some(("metadata.labels", "a[b]c"))
        );
        assert_eq!(
            split_subscript("metadata.labels['']"),
            Some(("metadata.labels", ""))
        );
        assert_eq!(split_subscript("metadata.labels"), None);
        assert_eq!(split_subscript("['x']"), None);
    }
}
