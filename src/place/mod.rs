//! Stage 4, place: which node should run which daemon pod, with the DaemonSet
//! controller's own rules (k8s-semantics.md).

pub mod selection;
