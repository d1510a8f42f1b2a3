//! Kubernetes' own rules for DaemonSets, offline, and nothing of everynode's language.
//!
//! Each module reproduces upstream code and names the function it follows:
//!
//! - [`apimachinery`]: the syntax of names, label keys and values, port names, resource
//!   names and `resource.Quantity` (k8s.io/apimachinery `util/validation`,
//!   `api/resource`).
//! - [`selector`]: node-selector requirements (parse, evaluate, negate, simplify, decide
//!   whether two selections can hold on one node) and label selectors, as the scheduler's
//!   `nodeaffinity` helper and `metav1.LabelSelectorAsSelector` read them.
//! - [`validation`]: `ValidateDaemonSet` and, under it, `ValidatePodTemplateSpec` and
//!   `ValidatePodSpec` rule by rule (the table is `rules/` beside this crate's source),
//!   reporting each violation at the JSON pointer of its field.
//! - [`defaults`]: the API server's defaulting (`pkg/apis/*/v1/defaults.go`) and the
//!   canonical form the server stores, for comparing objects.
//! - [`objects`]: the facts of Nodes, DaemonSets, daemon pods and ControllerRevisions that
//!   placement reads.
//! - [`placement`]: `NodeShouldRunDaemonPod` and the tolerations the DaemonSet controller
//!   adds (`pkg/controller/daemon`).
//! - [`controller`]: how the DaemonSet controller claims pods (`ClaimPods`) and decides
//!   that a pod runs the current template (`IsPodUpdated`).
//! - [`rollout`]: the rolling update's budget and its syncs (`rollingUpdate`,
//!   `updatedDesiredNodeCounts`, `IsPodAvailable`).
//!
//! No I/O, no printing, no spans: callers map the JSON pointers to their own positions.
//! Another Rust project can use it to simulate DaemonSet placement, as cluster-autoscaler
//! uses the controller's Go code.

#![warn(missing_docs)]

pub mod apimachinery;
pub mod controller;
pub mod defaults;
pub mod objects;
pub mod placement;
pub mod rollout;
pub mod selector;
pub mod validation;
