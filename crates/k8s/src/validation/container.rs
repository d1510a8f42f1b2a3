//! The containers of a pod, init containers and sidecars included: names, images, ports,
//! probes, lifecycle handlers, env, mounts and devices (`validateContainers`,
//! `validateInitContainers`, `validateContainerCommon` in
//! pkg/apis/core/validation/validation.go).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Container, PodSpec};

use super::{Reason, Violations, container_lists, pointer};
use crate::apimachinery as primitives;

/// Every rule of the containers and init containers of `pod`, whose pointer is `at`.
pub(crate) fn containers(v: &mut Violations, pod: &PodSpec, at: &str) {
    let mut names = BTreeSet::new();
    let host_network = pod.host_network == Some(true);
    for (field, containers) in container_lists(pod) {
        for (i, c) in containers.iter().enumerate() {
            let c_at = pointer(&pointer(at, field), i);
            if !names.insert(c.name.clone()) {
                v.push(
                    Reason::DuplicateContainer,
                    &pointer(&c_at, "name"),
                    format!("duplicate container name {:?}", c.name),
                    "give each container, init containers included, its own name",
                );
            }
            container(v, c, &c_at, host_network);
        }
    }
}

fn container(v: &mut Violations, c: &Container, at: &str, host_network: bool) {
    if let Err(e) = primitives::dns1123_label(&c.name) {
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
    let mut port_names = BTreeSet::new();
    for (i, p) in c.ports.iter().flatten().enumerate() {
        let p_at = pointer(&pointer(at, "ports"), i);
        if let Err(e) = primitives::port_number(i64::from(p.container_port)) {
            v.push(
                Reason::InvalidPort,
                &pointer(&p_at, "containerPort"),
                format!("containerPort {e}"),
                "a port number is 1 to 65535",
            );
        }
        if let Some(host) = p.host_port {
            if let Err(e) = primitives::host_port_number(i64::from(host)) {
                v.push(
                    Reason::InvalidPort,
                    &pointer(&p_at, "hostPort"),
                    format!("hostPort {e}"),
                    "a host port is 1 to 65535",
                );
            } else if host_network && host != 0 && host != p.container_port {
                v.push(Reason::InvalidPort, &pointer(&p_at, "containerPort"), "must match `hostPort` when `hostNetwork` is true".into(), "with hostNetwork the container listens on the node: use the same number for both");
            }
        }
        if let Some(name) = &p.name {
            if let Err(e) = primitives::port_name(name) {
                v.push(Reason::InvalidPort, &pointer(&p_at, "name"), format!("port name {name:?} {e}"), "a port name has at most 15 lowercase letters, digits and '-', with at least one letter");
            } else if !port_names.insert(name.clone()) {
                v.push(
                    Reason::DuplicatePort,
                    &pointer(&p_at, "name"),
                    format!("duplicate port name {name:?}"),
                    "give each port of a container its own name",
                );
            }
        }
    }
}
