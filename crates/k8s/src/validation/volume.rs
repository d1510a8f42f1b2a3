//! Volumes and every volume source (`ValidateVolumes`, `validateVolumeSource` and the
//! per-source functions in pkg/apis/core/validation/validation.go).

use k8s_openapi::api::core::v1::PodSpec;

use super::Violations;

/// Every rule of this part for `pod`, whose pointer is `at`.
pub(crate) fn volumes(_v: &mut Violations, _pod: &PodSpec, _at: &str) {}
