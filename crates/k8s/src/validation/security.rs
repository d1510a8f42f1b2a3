//! Pod and container security contexts, sysctls, host namespaces, `spec.os` and the
//! Windows rules (`validatePodSpecSecurityContext`, `ValidateSecurityContext`,
//! `validateSysctls`, `validateWindows`, `validateLinux`, `validateWindowsHostProcessPod`
//! in pkg/apis/core/validation/validation.go).

use k8s_openapi::api::core::v1::PodSpec;

use super::Violations;

/// Every rule of this part for `pod`, whose pointer is `at`.
pub(crate) fn security(_v: &mut Violations, _pod: &PodSpec, _at: &str) {}
