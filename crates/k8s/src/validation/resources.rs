//! Compute resources: resource names, quantities, requests against limits, hugepages and
//! extended resources (`ValidateResourceRequirements`, `validateContainerResourceName`,
//! `ValidateResourceQuantityValue` in pkg/apis/core/validation/validation.go).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec};

use super::{Reason, Violations, container_lists, pointer};
use crate::apimachinery::{self as primitives, Quantity};

/// Every rule of the resources of the containers and init containers of `pod`.
pub(crate) fn resources(v: &mut Violations, pod: &PodSpec, at: &str) {
    for (field, containers) in container_lists(pod) {
        for (i, c) in containers.iter().enumerate() {
            container(v, c, &pointer(&pointer(at, field), i));
        }
    }
}

fn container(v: &mut Violations, c: &Container, at: &str) {
    let Some(resources) = &c.resources else {
        return;
    };
    let mut parsed = BTreeMap::new();
    for (field, map) in [
        ("requests", &resources.requests),
        ("limits", &resources.limits),
    ] {
        for (resource, quantity) in map.iter().flatten() {
            let q_at = pointer(&pointer(&pointer(at, "resources"), field), resource);
            if let Err(e) = primitives::resource_name(resource) {
                v.push(
                    Reason::InvalidResourceName,
                    &q_at,
                    format!("resource name {resource:?} {e}"),
                    "use cpu, memory, ephemeral-storage, hugepages-SIZE or DOMAIN/NAME",
                );
            }
            match Quantity::parse(quantity.0.trim()) {
                Ok(q) => {
                    parsed.insert((field, resource.clone()), q);
                }
                Err(e) => v.push(
                    Reason::InvalidQuantity,
                    &q_at,
                    format!("{resource} {field} {:?} is not a quantity: {e}", quantity.0),
                    "write a number with an optional suffix: 100m, 0.5, 64Mi, 1Gi",
                ),
            }
        }
    }
    for ((field, resource), request) in &parsed {
        if *field == "requests"
            && let Some(limit) = parsed.get(&("limits", resource.clone()))
            && request > limit
        {
            v.push(
                Reason::RequestsExceedLimits,
                &pointer(&pointer(&pointer(at, "resources"), "requests"), resource),
                format!(
                    "{resource} request {request} must be less than or equal to the limit {limit}"
                ),
                "raise the limit or lower the request",
            );
        }
    }
}
