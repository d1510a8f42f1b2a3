//! Compute resources: resource names, quantities, requests against limits, hugepages and
//! extended resources (`validateResourceRequirements`, `validateContainerResourceName`,
//! `ValidateResourceQuantityValue`, `validateResourceQuantityHugePageValue`,
//! `validateOverhead` in pkg/apis/core/validation/validation.go, with the helpers of
//! pkg/apis/core/helper/helpers.go).
//!
//! What a DaemonSet's template does not get, and so is not checked here: requests
//! defaulted from limits (`SetDefaults_Pod` does that for pods only, so a template may
//! give an extended resource or hugepages a limit without a request), pod-level
//! `spec.resources` (the PodLevelResources gate is off in 1.33 and the API server drops
//! the field) and `resources.claims` (DynamicResourceAllocation is off in 1.33 and the
//! field is dropped).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as ApiQuantity;

use super::{Reason, Violations, container_lists, pointer};
use crate::apimachinery::{self as primitives, Quantity};

/// Names measured in whole numbers besides extended resources (`integerResources` of
/// `IsIntegerResourceName`); none is a container resource, so a container using one is
/// also told its name is wrong, as upstream does.
const INTEGER_RESOURCES: &[&str] = &[
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
];

/// Every rule of the resources of the containers and init containers of `pod`, and of
/// its `overhead`.
pub(crate) fn resources(v: &mut Violations, pod: &PodSpec, at: &str) {
    for (field, containers) in container_lists(pod) {
        for (i, c) in containers.iter().enumerate() {
            let Some(resources) = &c.resources else {
                continue;
            };
            let r_at = pointer(&pointer(&pointer(at, field), i), "resources");
            requirements(
                v,
                Lists {
                    requests: resources.requests.as_ref(),
                    requests_at: &pointer(&r_at, "requests"),
                    limits: resources.limits.as_ref(),
                    limits_at: &pointer(&r_at, "limits"),
                    limits_name: "limits",
                },
                &r_at,
            );
        }
    }
    // validateOverhead: the overhead is checked as the limits of a container.
    if let Some(overhead) = &pod.overhead {
        let o_at = pointer(at, "overhead");
        requirements(
            v,
            Lists {
                requests: None,
                requests_at: &o_at,
                limits: Some(overhead),
                limits_at: &o_at,
                limits_name: "overhead",
            },
            &o_at,
        );
    }
}

/// The requests and limits of one `ResourceRequirements` and where their entries are.
struct Lists<'a> {
    requests: Option<&'a BTreeMap<String, ApiQuantity>>,
    requests_at: &'a str,
    limits: Option<&'a BTreeMap<String, ApiQuantity>>,
    limits_at: &'a str,
    /// What the limits are called in messages: `limits`, or `overhead`.
    limits_name: &'a str,
}

/// `validateResourceRequirements` with `validateContainerResourceName`, for the
/// requirements whose pointer is `at`.
fn requirements(v: &mut Violations, lists: Lists<'_>, at: &str) {
    let mut limits = BTreeMap::new();
    // Limits first, as upstream reports them.
    for (resource, quantity) in lists.limits.into_iter().flatten() {
        let q_at = pointer(lists.limits_at, resource);
        if let Some(q) = entry(v, lists.limits_name, resource, quantity, &q_at) {
            limits.insert(resource.as_str(), (q, quantity));
        }
    }
    for (resource, quantity) in lists.requests.into_iter().flatten() {
        let q_at = pointer(lists.requests_at, resource);
        let Some(request) = entry(v, "requests", resource, quantity, &q_at) else {
            continue;
        };
        let overcommit = primitives::overcommit_allowed(resource);
        match limits.get(resource.as_str()) {
            Some((limit, given)) if !overcommit && request != *limit => v.push(
                Reason::InvalidResources,
                &q_at,
                format!(
                    "{} must be equal to {resource} limit of {}",
                    shown(&quantity.0),
                    shown(&given.0)
                ),
                "hugepages and extended resources cannot be overcommitted: give the request the limit's value, or leave the request out",
            ),
            Some((limit, _)) if request > *limit => v.push(
                Reason::RequestsExceedLimits,
                &q_at,
                format!(
                    "{resource} request {request} must be less than or equal to the limit {limit}"
                ),
                "raise the limit or lower the request",
            ),
            Some(_) => {}
            None if !overcommit => v.push(
                Reason::InvalidResources,
                &q_at,
                format!("Limit must be set for non overcommitable resources: {resource} has a request and no limit"),
                "give the resource a limit equal to its request (a limit alone is enough: the request defaults to it)",
            ),
            None => {}
        }
    }
    let names = || {
        lists
            .limits
            .into_iter()
            .chain(lists.requests)
            .flat_map(BTreeMap::keys)
    };
    let hugepages = names().any(|n| n.starts_with("hugepages-"));
    let cpu_or_memory = names().any(|n| n == "cpu" || n == "memory");
    if hugepages && !cpu_or_memory {
        v.push(
            Reason::InvalidResources,
            at,
            "HugePages require cpu or memory".into(),
            "request (or limit) cpu or memory beside the hugepages",
        );
    }
}

/// The rules on one entry of requests or limits: its name (`validateContainerResourceName`),
/// its quantity ([`quantity_value`]) and, for hugepages, its size
/// (`validateResourceQuantityHugePageValue`). The parsed quantity, when it parses.
fn entry(
    v: &mut Violations,
    field: &str,
    resource: &str,
    quantity: &ApiQuantity,
    at: &str,
) -> Option<Quantity> {
    if let Err(e) = primitives::resource_name(resource) {
        v.push(
            Reason::InvalidResourceName,
            at,
            format!("resource name {resource:?} {e}"),
            "use cpu, memory, ephemeral-storage, hugepages-SIZE or DOMAIN/NAME",
        );
    }
    let q = quantity_value(v, field, resource, &quantity.0, at)?;
    // validateResourceQuantityHugePageValue (AllowIndivisibleHugePagesValues is only
    // granted to an update of an object that already had such a value).
    if resource.starts_with("hugepages-") && !hugepage_divisible(resource, &q) {
        v.push(
            Reason::InvalidResources,
            at,
            format!(
                "{} is not positive integer multiple of {resource}",
                shown(&quantity.0)
            ),
            "give a whole number of pages: a multiple of the page size in the resource name",
        );
    }
    Some(q)
}

/// `ValidateResourceQuantityValue` on the quantity `text` of `resource` in the list
/// `field` (`requests`, `limits`, `overhead`, `capacity`, `allocatable`): it parses
/// (`ParseQuantity`), is not negative (`ValidateNonnegativeQuantity`) and, for a resource
/// counted in whole units (`IsIntegerResourceName`: pods and the like, and every extended
/// resource), is whole. The parsed quantity, when it parses.
pub(crate) fn quantity_value(
    v: &mut Violations,
    field: &str,
    resource: &str,
    text: &str,
    at: &str,
) -> Option<Quantity> {
    let q = match Quantity::parse(text.trim()) {
        Ok(q) => q,
        Err(e) => {
            v.push(
                Reason::InvalidQuantity,
                at,
                format!("{resource} {field} {text:?} is not a quantity: {e}"),
                "write a number with an optional suffix: 100m, 0.5, 64Mi, 1Gi",
            );
            return None;
        }
    };
    // ValidateNonnegativeQuantity
    if q.signum() < 0 {
        v.push(
            Reason::InvalidQuantity,
            at,
            format!(
                "{resource} {field} {} must be greater than or equal to 0",
                shown(text)
            ),
            "a resource quantity cannot be negative",
        );
    }
    // IsIntegerResourceName: extended resources count whole devices.
    let integer =
        INTEGER_RESOURCES.contains(&resource) || primitives::is_extended_resource_name(resource);
    if integer && !milli_value_is_whole(&q) {
        v.push(
            Reason::InvalidResources,
            at,
            format!("{resource} {field} {} must be an integer", shown(text)),
            if INTEGER_RESOURCES.contains(&resource) {
                "this resource counts whole objects: give a whole number such as 110"
            } else {
                "an extended resource counts whole devices: give a whole number such as 1"
            },
        );
    }
    Some(q)
}

/// How the API server prints a quantity it rejects (`Quantity.String()` after
/// `SetDefaults_ResourceList` rounded it up to a milli).
fn shown(text: &str) -> String {
    Quantity::server_string(text, true).unwrap_or_else(|_| text.to_string())
}

/// A quantity's exact value, `mantissa * 10^exp10 * 2^exp2`, read back from its
/// canonical form (an integer, then an SI suffix, a binary suffix or `e<n>`).
struct Exact {
    mantissa: u128,
    exp10: i64,
    exp2: u32,
}

fn exact(q: &Quantity) -> Option<Exact> {
    let text = q.canonical();
    let text = text.trim_start_matches('-');
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let mantissa = text[..end].parse().ok()?;
    let (exp10, exp2) = match &text[end..] {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        other => (other.strip_prefix('e')?.parse().ok()?, 0),
    };
    Some(Exact {
        mantissa,
        exp10,
        exp2,
    })
}

/// The magnitude rounded up to a whole multiple of `10^scale` (upstream's
/// `ScaledValue`, which rounds up), counted in those units; `None` when it does not
/// fit.
fn scaled_value(e: &Exact, scale: i64) -> Option<u128> {
    let n = e.mantissa.checked_mul(1u128.checked_shl(e.exp2)?)?;
    let shift = e.exp10 - scale;
    if shift >= 0 {
        n.checked_mul(10u128.checked_pow(u32::try_from(shift).ok()?)?)
    } else {
        match u32::try_from(-shift)
            .ok()
            .and_then(|d| 10u128.checked_pow(d))
        {
            Some(p) => Some(n / p + u128::from(!n.is_multiple_of(p))),
            // Smaller than one unit: rounds up to one.
            None => Some(u128::from(n != 0)),
        }
    }
}

/// `value.MilliValue() % 1000 == 0`, the integer test of `ValidateResourceQuantityValue`
/// (so, as upstream, 0.9995 passes: it rounds up to 1000m). A value too large to scale
/// is taken as whole.
fn milli_value_is_whole(q: &Quantity) -> bool {
    match exact(q).and_then(|e| scaled_value(&e, -3)) {
        Some(milli) => milli.is_multiple_of(1000),
        None => true,
    }
}

/// `IsHugePageResourceValueDivisible`: the page size in the name parses, is positive and
/// whole, and the value is a multiple of it.
fn hugepage_divisible(resource: &str, q: &Quantity) -> bool {
    let Some(page) = resource
        .strip_prefix("hugepages-")
        .and_then(|size| Quantity::parse(size).ok())
    else {
        return false;
    };
    if page.signum() <= 0 || !milli_value_is_whole(&page) {
        return false;
    }
    let page = exact(&page).and_then(|e| scaled_value(&e, 0));
    let value = exact(q).and_then(|e| scaled_value(&e, 0));
    match (value, page) {
        (Some(value), Some(page)) if page > 0 => value.is_multiple_of(page),
        // Beyond what everynode scales: upstream's int64 arithmetic, left unjudged.
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        match Quantity::parse(s) {
            Ok(q) => q,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn whole_milli_values() {
        for s in ["1", "2k", "1Ki", "0.5Ki", "1e3", "0", "0.9999", "3000m"] {
            assert!(milli_value_is_whole(&q(s)), "{s}");
        }
        for s in ["0.5", "1500m", "1.001", "1e-4", "1n"] {
            assert!(!milli_value_is_whole(&q(s)), "{s}");
        }
    }

    #[test]
    fn hugepage_sizes() {
        assert!(hugepage_divisible("hugepages-2Mi", &q("4Mi")));
        assert!(hugepage_divisible("hugepages-1Gi", &q("2Gi")));
        assert!(hugepage_divisible("hugepages-2Mi", &q("0")));
        assert!(!hugepage_divisible("hugepages-2Mi", &q("3Mi")));
        assert!(!hugepage_divisible("hugepages-2Mi", &q("1Mi")));
        assert!(!hugepage_divisible("hugepages-x", &q("2Mi")));
        assert!(!hugepage_divisible("hugepages-0", &q("2Mi")));
        assert!(!hugepage_divisible("hugepages-1.5", &q("3")));
    }
}
