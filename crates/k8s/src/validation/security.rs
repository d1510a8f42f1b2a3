//! Pod and container security contexts, sysctls, host namespaces, `spec.os` and the
//! Windows rules (`validatePodSpecSecurityContext`, `ValidateSecurityContext`,
//! `validateSysctls`, `validateHostUsers`, `validateOS`, `validateWindows`, `validateLinux`,
//! `validateWindowsHostProcessPod` in pkg/apis/core/validation/validation.go), and the
//! deprecated seccomp and AppArmor annotations of the template
//! (`ValidateSeccompPodAnnotations`, `ValidateAppArmorPodAnnotations`,
//! `validateSeccompAnnotationsAndFields`, `validateAppArmorAnnotationsAndFieldsMatchOnCreate`).
//!
//! The API server validates its internal form, where the host namespace fields of the pod
//! (`hostNetwork`, `hostPID`, `hostIPC`, `hostUsers`, `shareProcessNamespace`) live in the
//! pod security context and that context always exists; the rules below read them from the
//! pod spec. Privileged containers are allowed (every common distribution allows them), so
//! `privileged: true` and HostProcess containers are not rejected for it. Ephemeral
//! containers are not walked: a template may not have any (that rule is checked with the
//! containers).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    AppArmorProfile, Container, PodSpec, SeccompProfile, SecurityContext,
    WindowsSecurityContextOptions,
};

use super::{Reason, Violations, container_lists, pointer, unsupported};
use crate::apimachinery as primitives;

/// The largest user or group ID (`maxUserID`, `maxGroupID` of apimachinery's validation).
const MAX_ID: i64 = 2_147_483_647;

/// Every rule of this part for `pod`, whose pointer is `at`.
pub(crate) fn security(v: &mut Violations, pod: &PodSpec, at: &str) {
    pod_security_context(v, pod, at);
    host_users(v, pod, at);
    let host_users = pod.host_users != Some(false);
    for (field, containers) in container_lists(pod) {
        for (i, c) in containers.iter().enumerate() {
            if let Some(sc) = &c.security_context {
                let c_at = pointer(&pointer(at, field), i);
                container_security_context(v, sc, &pointer(&c_at, "securityContext"), host_users);
            }
        }
    }
    windows_host_process(v, pod, at);
    os(v, pod, at);
}

/// `IsValidUserID` / `IsValidGroupID`: an ID is within 0..=2147483647.
fn id(v: &mut Violations, value: Option<i64>, at: &str, what: &str) {
    if let Some(n) = value
        && !(0..=MAX_ID).contains(&n)
    {
        v.push(
            Reason::InvalidSecurityContext,
            at,
            format!("{what} {n} must be between 0 and {MAX_ID}, inclusive"),
            "user and group IDs are between 0 and 2147483647",
        );
    }
}

/// `validatePodSpecSecurityContext` and `validateSysctls`.
fn pod_security_context(v: &mut Violations, pod: &PodSpec, at: &str) {
    let sc_at = pointer(at, "securityContext");
    // shareProcessNamespace lives in the (internal) pod security context.
    if pod.share_process_namespace == Some(true) && pod.host_pid == Some(true) {
        v.push(
            Reason::InvalidSecurityContext,
            &pointer(at, "shareProcessNamespace"),
            "ShareProcessNamespace and HostPID cannot both be enabled".into(),
            "a pod shares the host's process namespace (hostPID) or its own (shareProcessNamespace), not both",
        );
    }
    let Some(sc) = &pod.security_context else {
        return;
    };
    id(v, sc.fs_group, &pointer(&sc_at, "fsGroup"), "fsGroup");
    id(
        v,
        sc.run_as_user,
        &pointer(&sc_at, "runAsUser"),
        "runAsUser",
    );
    id(
        v,
        sc.run_as_group,
        &pointer(&sc_at, "runAsGroup"),
        "runAsGroup",
    );
    for (i, gid) in sc.supplemental_groups.iter().flatten().enumerate() {
        let g_at = pointer(&pointer(&sc_at, "supplementalGroups"), i);
        id(v, Some(*gid), &g_at, "supplemental group");
    }
    if let Some(sysctls) = &sc.sysctls {
        self::sysctls(v, pod, sysctls, &pointer(&sc_at, "sysctls"));
    }
    // validateFSGroupChangePolicy
    if let Some(policy) = &sc.fs_group_change_policy {
        const VALID: &[&str] = &["Always", "OnRootMismatch"];
        if !VALID.contains(&policy.as_str()) {
            v.push(
                Reason::InvalidSecurityContext,
                &pointer(&sc_at, "fsGroupChangePolicy"),
                unsupported(policy, VALID),
                "use Always or OnRootMismatch",
            );
        }
    }
    if let Some(profile) = &sc.seccomp_profile {
        seccomp_profile(v, profile, &pointer(&sc_at, "seccompProfile"));
    }
    if let Some(options) = &sc.windows_options {
        windows_options(v, options, &pointer(&sc_at, "windowsOptions"));
    }
    if let Some(profile) = &sc.app_armor_profile {
        app_armor_profile(v, profile, &pointer(&sc_at, "appArmorProfile"));
    }
    // validateSupplementalGroupsPolicy (SupplementalGroupsPolicy is beta and on in 1.33,
    // so the field is kept and checked).
    if let Some(policy) = &sc.supplemental_groups_policy {
        const VALID: &[&str] = &["Merge", "Strict"];
        if !VALID.contains(&policy.as_str()) {
            v.push(
                Reason::InvalidSecurityContext,
                &pointer(&sc_at, "supplementalGroupsPolicy"),
                unsupported(policy, VALID),
                "use Merge or Strict",
            );
        }
    }
    // validateSELinuxChangePolicy: the SELinuxChangePolicy gate is on in 1.33 (the field
    // is kept), SELinuxMount is off, so only Recursive is allowed
    // (AllowOnlyRecursiveSELinuxChangePolicy).
    if let Some(policy) = &sc.se_linux_change_policy
        && policy != "Recursive"
    {
        v.push(
            Reason::InvalidSecurityContext,
            &pointer(&sc_at, "seLinuxChangePolicy"),
            unsupported(policy, &["Recursive"]),
            "Kubernetes 1.33 accepts only Recursive (MountOption needs the SELinuxMount feature gate)",
        );
    }
}

/// `IsValidSysctlName`: dot- or slash-separated segments of lowercase letters, digits,
/// '-' and '_' (starting and ending with a letter or digit), at most 253 characters.
fn valid_sysctl_name(name: &str) -> bool {
    const MAX: usize = 253;
    name.len() <= MAX
        && name.split(['.', '/']).all(|segment| {
            let b = segment.as_bytes();
            let edge = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
            match (b.first(), b.last()) {
                (Some(first), Some(last)) => {
                    edge(first)
                        && edge(last)
                        && b.iter().all(|c| edge(c) || *c == b'-' || *c == b'_')
                }
                _ => false,
            }
        })
}

/// The kernel namespace a sysctl belongs to (`GetNamespace` of
/// component-helpers/node/util/sysctl, after `NormalizeName`): "net" for the network
/// namespace, "ipc" for the IPC namespace, None when unknown.
fn sysctl_namespace(name: &str) -> Option<&'static str> {
    // NormalizeName: a name whose first separator is '/' has '.' and '/' swapped.
    let normalized: String = if name
        .find(['.', '/'])
        .is_some_and(|i| name[i..].starts_with('/'))
    {
        name.chars()
            .map(|c| match c {
                '.' => '/',
                '/' => '.',
                c => c,
            })
            .collect()
    } else {
        name.to_string()
    };
    let name = normalized.split('*').next().unwrap_or_default();
    const IPC: &[&str] = &[
        "kernel.sem",
        "kernel.shmall",
        "kernel.shmmax",
        "kernel.shmmni",
        "kernel.shm_rmid_forced",
        "kernel.shm",
        "kernel.msgmax",
        "kernel.msgmnb",
        "kernel.msgmni",
        "kernel.msg",
    ];
    if IPC.contains(&name) || name.starts_with("fs.mqueue.") {
        Some("ipc")
    } else if name.starts_with("net.") {
        Some("net")
    } else {
        None
    }
}

/// `validateSysctls` and `ValidateHostSysctl` (AllowNamespacedSysctlsForHostNetAndHostIPC
/// is only granted to an update of an object that already had such a sysctl).
fn sysctls(
    v: &mut Violations,
    pod: &PodSpec,
    sysctls: &[k8s_openapi::api::core::v1::Sysctl],
    at: &str,
) {
    let mut seen = std::collections::BTreeSet::new();
    for (i, s) in sysctls.iter().enumerate() {
        let n_at = pointer(&pointer(at, i), "name");
        let name = s.name.as_str();
        if name.is_empty() {
            v.push(
                Reason::InvalidSecurityContext,
                &n_at,
                "a sysctl name is required".into(),
                "name the kernel parameter, such as net.core.somaxconn",
            );
        } else if !valid_sysctl_name(name) {
            v.push(
                Reason::InvalidSecurityContext,
                &n_at,
                format!("sysctl {name:?} must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"),
                "a sysctl name is lowercase segments separated by '.' or '/', such as net.ipv4.ip_forward",
            );
        } else if seen.contains(name) {
            v.push(
                Reason::InvalidSecurityContext,
                &n_at,
                format!("duplicate sysctl {name:?}"),
                "set each sysctl once",
            );
        }
        match sysctl_namespace(name) {
            Some("net") if pod.host_network == Some(true) => v.push(
                Reason::InvalidSecurityContext,
                &n_at,
                format!("sysctl {name:?} may not be specified when 'hostNetwork' is true"),
                "a pod on the host network shares the host's network sysctls: set them on the node, or drop hostNetwork",
            ),
            Some("ipc") if pod.host_ipc == Some(true) => v.push(
                Reason::InvalidSecurityContext,
                &n_at,
                format!("sysctl {name:?} may not be specified when 'hostIPC' is true"),
                "a pod in the host's IPC namespace shares its IPC sysctls: set them on the node, or drop hostIPC",
            ),
            _ => {}
        }
        seen.insert(name);
    }
}

/// `validateHostUsers`: a pod in its own user namespace (`hostUsers: false`) does not
/// share the host's network, PID or IPC namespace.
fn host_users(v: &mut Violations, pod: &PodSpec, at: &str) {
    if pod.host_users != Some(false) {
        return;
    }
    for (field, set) in [
        ("hostNetwork", pod.host_network),
        ("hostPID", pod.host_pid),
        ("hostIPC", pod.host_ipc),
    ] {
        if set == Some(true) {
            v.push(
                Reason::InvalidSecurityContext,
                &pointer(at, field),
                format!("{field} is forbidden when `pod.Spec.HostUsers` is false"),
                "a pod with hostUsers: false cannot share the host's network, PID or IPC namespace",
            );
        }
    }
}

/// `ValidateSecurityContext`: one container's security context. `host_users` is false
/// when the pod sets `hostUsers: false`.
fn container_security_context(
    v: &mut Violations,
    sc: &SecurityContext,
    at: &str,
    host_users: bool,
) {
    id(v, sc.run_as_user, &pointer(at, "runAsUser"), "runAsUser");
    id(v, sc.run_as_group, &pointer(at, "runAsGroup"), "runAsGroup");
    // ValidateProcMountType (ProcMountType is beta and on in 1.33).
    if let Some(mount) = &sc.proc_mount {
        let m_at = pointer(at, "procMount");
        const VALID: &[&str] = &["Default", "Unmasked"];
        if !VALID.contains(&mount.as_str()) {
            v.push(
                Reason::InvalidSecurityContext,
                &m_at,
                unsupported(mount, VALID),
                "use Default or Unmasked",
            );
        }
        if host_users && mount == "Unmasked" {
            v.push(
                Reason::InvalidSecurityContext,
                &m_at,
                "`hostUsers` must be false to use `Unmasked`".into(),
                "an unmasked /proc needs the pod in its own user namespace: set spec.hostUsers: false",
            );
        }
    }
    if let Some(profile) = &sc.seccomp_profile {
        seccomp_profile(v, profile, &pointer(at, "seccompProfile"));
    }
    if sc.allow_privilege_escalation == Some(false) {
        if sc.privileged == Some(true) {
            v.push(
                Reason::InvalidSecurityContext,
                &pointer(at, "allowPrivilegeEscalation"),
                "cannot set `allowPrivilegeEscalation` to false and `privileged` to true".into(),
                "a privileged container can always escalate: drop one of the two",
            );
        }
        let add = sc.capabilities.as_ref().and_then(|c| c.add.as_deref());
        for (i, cap) in add.unwrap_or_default().iter().enumerate() {
            if cap == "CAP_SYS_ADMIN" {
                v.push(
                    Reason::InvalidSecurityContext,
                    &pointer(&pointer(&pointer(at, "capabilities"), "add"), i),
                    "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN".into(),
                    "CAP_SYS_ADMIN allows escalation: drop it or allowPrivilegeEscalation: false",
                );
            }
        }
    }
    if let Some(options) = &sc.windows_options {
        windows_options(v, options, &pointer(at, "windowsOptions"));
    }
    if let Some(profile) = &sc.app_armor_profile {
        app_armor_profile(v, profile, &pointer(at, "appArmorProfile"));
    }
}

/// `validateSeccompProfileField` and `validateSeccompProfileType`.
fn seccomp_profile(v: &mut Violations, profile: &SeccompProfile, at: &str) {
    const TYPES: &[&str] = &["Localhost", "RuntimeDefault", "Unconfined"];
    let help = "use type RuntimeDefault, Unconfined, or Localhost with a localhostProfile";
    let t_at = pointer(at, "type");
    let l_at = pointer(at, "localhostProfile");
    match profile.type_.as_str() {
        "" => v.push(
            Reason::InvalidSecurityContext,
            &t_at,
            "type is required when seccompProfile is set".into(),
            help,
        ),
        t if !TYPES.contains(&t) => v.push(
            Reason::InvalidSecurityContext,
            &t_at,
            unsupported(t, TYPES),
            help,
        ),
        _ => {}
    }
    match (&profile.localhost_profile, profile.type_ == "Localhost") {
        (None, true) => v.push(
            Reason::InvalidSecurityContext,
            &l_at,
            "localhostProfile must be set when seccomp type is Localhost".into(),
            "name the profile file, relative to the kubelet's seccomp directory",
        ),
        (Some(path), true) => {
            for problem in primitives::local_descending_path(path) {
                v.push(
                    Reason::InvalidSecurityContext,
                    &l_at,
                    format!("localhostProfile {path:?} {problem}"),
                    "the profile path is relative to the kubelet's seccomp directory",
                );
            }
        }
        (Some(_), false) => v.push(
            Reason::InvalidSecurityContext,
            &l_at,
            "can only be set when seccomp type is Localhost".into(),
            "remove localhostProfile, or use type Localhost",
        ),
        (None, false) => {}
    }
}

/// `ValidateAppArmorProfileField`.
fn app_armor_profile(v: &mut Violations, profile: &AppArmorProfile, at: &str) {
    const TYPES: &[&str] = &["Localhost", "RuntimeDefault", "Unconfined"];
    /// PATH_MAX - 1.
    const MAX_LOCALHOST_PROFILE: usize = 4095;
    let l_at = pointer(at, "localhostProfile");
    match profile.type_.as_str() {
        "Localhost" => match &profile.localhost_profile {
            None => v.push(
                Reason::InvalidSecurityContext,
                &l_at,
                "localhostProfile must be set when AppArmor type is Localhost".into(),
                "name the AppArmor profile loaded on the node",
            ),
            Some(name) => {
                let trimmed = name.trim();
                if trimmed != name {
                    v.push(
                        Reason::InvalidSecurityContext,
                        &l_at,
                        format!("localhostProfile {name:?} must not be padded with whitespace"),
                        "remove the spaces around the profile name",
                    );
                } else if trimmed.is_empty() {
                    v.push(
                        Reason::InvalidSecurityContext,
                        &l_at,
                        "localhostProfile must be set when AppArmor type is Localhost".into(),
                        "name the AppArmor profile loaded on the node",
                    );
                }
                if name.len() > MAX_LOCALHOST_PROFILE {
                    v.push(
                        Reason::InvalidSecurityContext,
                        &l_at,
                        format!("localhostProfile must have at most {MAX_LOCALHOST_PROFILE} bytes"),
                        "shorten the profile name",
                    );
                }
            }
        },
        "RuntimeDefault" | "Unconfined" => {
            if profile.localhost_profile.is_some() {
                v.push(
                    Reason::InvalidSecurityContext,
                    &l_at,
                    "can only be set when AppArmor type is Localhost".into(),
                    "remove localhostProfile, or use type Localhost",
                );
            }
        }
        "" => v.push(
            Reason::InvalidSecurityContext,
            &pointer(at, "type"),
            "type is required when appArmorProfile is set".into(),
            "use type RuntimeDefault, Unconfined, or Localhost with a localhostProfile",
        ),
        other => v.push(
            Reason::InvalidSecurityContext,
            &pointer(at, "type"),
            unsupported(other, TYPES),
            "use type RuntimeDefault, Unconfined, or Localhost with a localhostProfile",
        ),
    }
}

/// `validNetBiosRegex`: 1 to 15 characters, none of `\ / : * ? " < > |`, not starting
/// with a dot.
fn netbios_domain(domain: &str) -> bool {
    const BAD: &[char] = &['\\', '/', ':', '*', '?', '"', '<', '>', '|'];
    let count = domain.chars().count();
    (1..=15).contains(&count)
        && !domain.starts_with('.')
        && !domain.chars().any(|c| BAD.contains(&c))
}

/// `validWindowsUserDomainDNSRegex`: dot-separated labels of 1 to 63 letters, digits and
/// '-', not starting or ending with '-'.
fn dns_domain(domain: &str) -> bool {
    domain.split('.').all(|label| {
        let b = label.as_bytes();
        (1..=63).contains(&b.len())
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    })
}

/// The messages of `validateWindowsSecurityContextOptions` for a `runAsUserName`.
fn run_as_user_name(name: &str) -> Vec<String> {
    const MAX_DOMAIN: usize = 256;
    const MAX_USER: usize = 104;
    if name.is_empty() {
        return vec!["runAsUserName cannot be an empty string".into()];
    }
    if name.chars().any(|c| c.is_ascii_control()) {
        return vec!["runAsUserName cannot contain control characters".into()];
    }
    let parts: Vec<&str> = name.split('\\').collect();
    let (domain, user) = match parts[..] {
        [user] => (None, user),
        [domain, user] => (Some(domain), user),
        _ => return vec!["runAsUserName cannot contain more than one backslash".into()],
    };
    let mut out = Vec::new();
    if let Some(domain) = domain {
        if domain.len() >= MAX_DOMAIN {
            out.push(format!(
                "runAsUserName's Domain length must be under {MAX_DOMAIN} characters"
            ));
        }
        if !(netbios_domain(domain) || dns_domain(domain)) {
            out.push("runAsUserName's Domain doesn't match the NetBios nor the DNS format".into());
        }
    }
    if user.is_empty() {
        out.push("runAsUserName's User cannot be empty".into());
    } else if user.len() > MAX_USER {
        out.push(format!(
            "runAsUserName's User length must not be longer than {MAX_USER} characters"
        ));
    }
    if !user.is_empty() && user.chars().all(|c| c == '.' || c == ' ') {
        out.push("runAsUserName's User cannot contain only periods or spaces".into());
    }
    if user.chars().any(|c| "\"/\\:;|=,+*?<>@[]".contains(c)) {
        out.push(
            "runAsUserName's User cannot contain the following characters: \"/\\:;|=,+*?<>@[]"
                .into(),
        );
    }
    out
}

/// `validateWindowsSecurityContextOptions`.
fn windows_options(v: &mut Violations, options: &WindowsSecurityContextOptions, at: &str) {
    /// `maxGMSACredentialSpecLengthInKiB`.
    const MAX_SPEC_KIB: usize = 64;
    if let Some(name) = &options.gmsa_credential_spec_name
        && let Err(e) = primitives::dns1123_subdomain(name)
    {
        v.push(
            Reason::InvalidSecurityContext,
            &pointer(at, "gmsaCredentialSpecName"),
            format!("gmsaCredentialSpecName {name:?} {e}"),
            "name the GMSACredentialSpec resource: a DNS-1123 subdomain",
        );
    }
    if let Some(spec) = &options.gmsa_credential_spec {
        let problem = if spec.is_empty() {
            Some("gmsaCredentialSpec cannot be an empty string".to_string())
        } else if spec.len() > MAX_SPEC_KIB * 1024 {
            Some(format!(
                "gmsaCredentialSpec size must be under {MAX_SPEC_KIB} KiB"
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            v.push(
                Reason::InvalidSecurityContext,
                &pointer(at, "gmsaCredentialSpec"),
                problem,
                "give the credential spec JSON, at most 64 KiB, or remove the field",
            );
        }
    }
    if let Some(name) = &options.run_as_user_name {
        for problem in run_as_user_name(name) {
            v.push(
                Reason::InvalidSecurityContext,
                &pointer(at, "runAsUserName"),
                problem,
                "give a Windows user name, optionally DOMAIN\\USER",
            );
        }
    }
}

/// Every container of the pod (init containers first, as `VisitContainersWithPath`),
/// with its pointer.
fn all_containers<'a>(pod: &'a PodSpec, at: &str) -> Vec<(String, &'a Container)> {
    let [regular, init] = container_lists(pod);
    let mut out = Vec::new();
    for (field, containers) in [init, regular] {
        for (i, c) in containers.iter().enumerate() {
            out.push((pointer(&pointer(at, field), i), c));
        }
    }
    out
}

/// `validateWindowsHostProcessPod`: HostProcess is all or nothing, agrees between pod and
/// container, and needs the host network.
fn windows_host_process(v: &mut Violations, pod: &PodSpec, at: &str) {
    let pod_host_process = pod
        .security_context
        .as_ref()
        .and_then(|sc| sc.windows_options.as_ref())
        .and_then(|w| w.host_process);
    let mut host_process = 0;
    let mut first_other = None;
    let containers = all_containers(pod, at);
    for (c_at, c) in &containers {
        let container_host_process = c
            .security_context
            .as_ref()
            .and_then(|sc| sc.windows_options.as_ref())
            .and_then(|w| w.host_process);
        if let (Some(p), Some(c)) = (pod_host_process, container_host_process)
            && p != c
        {
            v.push(
                Reason::InvalidOs,
                &pointer(
                    &pointer(&pointer(c_at, "securityContext"), "windowsOptions"),
                    "hostProcess",
                ),
                format!("pod hostProcess value must be identical if both are specified, was {p}"),
                "give the container the pod's hostProcess, or leave it out to inherit it",
            );
        }
        if container_host_process.or(pod_host_process) == Some(true) {
            host_process += 1;
        } else if first_other.is_none() {
            first_other = Some(c_at.clone());
        }
    }
    if host_process == 0 {
        return;
    }
    if let Some(other) = first_other {
        v.push(
            Reason::InvalidOs,
            &other,
            "If pod contains any hostProcess containers then all containers must be HostProcess containers".into(),
            "set windowsOptions.hostProcess: true on the pod, or on every container",
        );
    }
    if pod.host_network != Some(true) {
        v.push(
            Reason::InvalidOs,
            &pointer(at, "hostNetwork"),
            "hostNetwork must be true if pod contains any hostProcess containers".into(),
            "set hostNetwork: true: HostProcess containers run in the host's network",
        );
    }
}

/// `validateOS`, then `validateLinux` or `validateWindows` for a valid `spec.os.name`.
fn os(v: &mut Violations, pod: &PodSpec, at: &str) {
    let Some(os) = &pod.os else {
        return;
    };
    let name_at = pointer(&pointer(at, "os"), "name");
    match os.name.as_str() {
        "" => v.push(
            Reason::InvalidOs,
            &name_at,
            "os.name cannot be empty".into(),
            "use linux or windows",
        ),
        "linux" => linux(v, pod, at),
        "windows" => windows(v, pod, at),
        other => v.push(
            Reason::InvalidOs,
            &name_at,
            unsupported(other, &["linux", "windows"]),
            "use linux or windows",
        ),
    }
}

/// `validateLinux`: no Windows options in a Linux pod.
fn linux(v: &mut Violations, pod: &PodSpec, at: &str) {
    let message = || "windows options cannot be set for a linux pod".to_string();
    let help = "remove windowsOptions, or set spec.os.name: windows";
    if pod
        .security_context
        .as_ref()
        .is_some_and(|sc| sc.windows_options.is_some())
    {
        let w_at = pointer(&pointer(at, "securityContext"), "windowsOptions");
        v.push(Reason::InvalidOs, &w_at, message(), help);
    }
    for (c_at, c) in all_containers(pod, at) {
        if c.security_context
            .as_ref()
            .is_some_and(|sc| sc.windows_options.is_some())
        {
            let w_at = pointer(&pointer(&c_at, "securityContext"), "windowsOptions");
            v.push(Reason::InvalidOs, &w_at, message(), help);
        }
    }
}

/// `validateWindows`: none of the Linux-only fields in a Windows pod.
fn windows(v: &mut Violations, pod: &PodSpec, at: &str) {
    let help = "remove the Linux-only field, or the pod's spec.os.name: windows";
    let forbid = |v: &mut Violations, f_at: String| {
        v.push(
            Reason::InvalidOs,
            &f_at,
            "cannot be set for a windows pod".into(),
            help,
        );
    };
    // Fields of the (internal) pod security context that live in the pod spec.
    for (field, set) in [
        ("hostUsers", pod.host_users.is_some()),
        ("hostPID", pod.host_pid == Some(true)),
        ("hostIPC", pod.host_ipc == Some(true)),
        (
            "shareProcessNamespace",
            pod.share_process_namespace.is_some(),
        ),
    ] {
        if set {
            forbid(v, pointer(at, field));
        }
    }
    if let Some(sc) = &pod.security_context {
        let sc_at = pointer(at, "securityContext");
        for (field, set) in [
            ("appArmorProfile", sc.app_armor_profile.is_some()),
            ("seLinuxOptions", sc.se_linux_options.is_some()),
            ("seccompProfile", sc.seccomp_profile.is_some()),
            ("fsGroup", sc.fs_group.is_some()),
            ("fsGroupChangePolicy", sc.fs_group_change_policy.is_some()),
            (
                "sysctls",
                sc.sysctls.as_ref().is_some_and(|s| !s.is_empty()),
            ),
            ("runAsUser", sc.run_as_user.is_some()),
            ("runAsGroup", sc.run_as_group.is_some()),
            ("supplementalGroups", sc.supplemental_groups.is_some()),
            (
                "supplementalGroupsPolicy",
                sc.supplemental_groups_policy.is_some(),
            ),
            ("seLinuxChangePolicy", sc.se_linux_change_policy.is_some()),
        ] {
            if set {
                forbid(v, pointer(&sc_at, field));
            }
        }
    }
    for (c_at, c) in all_containers(pod, at) {
        let Some(sc) = &c.security_context else {
            continue;
        };
        let sc_at = pointer(&c_at, "securityContext");
        for (field, set) in [
            ("appArmorProfile", sc.app_armor_profile.is_some()),
            ("seLinuxOptions", sc.se_linux_options.is_some()),
            ("seccompProfile", sc.seccomp_profile.is_some()),
            ("capabilities", sc.capabilities.is_some()),
            (
                "readOnlyRootFilesystem",
                sc.read_only_root_filesystem.is_some(),
            ),
            ("privileged", sc.privileged.is_some()),
            (
                "allowPrivilegeEscalation",
                sc.allow_privilege_escalation.is_some(),
            ),
            ("procMount", sc.proc_mount.is_some()),
            ("runAsUser", sc.run_as_user.is_some()),
            ("runAsGroup", sc.run_as_group.is_some()),
        ] {
            if set {
                forbid(v, pointer(&sc_at, field));
            }
        }
    }
}

/// The deprecated seccomp annotation of the pod and the prefix of a container's.
const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";
/// The prefix of the deprecated AppArmor annotation of a container.
const APPARMOR_CONTAINER_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// The template's deprecated seccomp and AppArmor annotations, which the API server still
/// checks for a template (`ValidatePodSpecificAnnotations` and the annotation-and-field
/// consistency checks of `ValidatePodTemplateSpec`). `annotations_at` is the pointer of the
/// template's annotations, `at` that of its pod spec.
pub(crate) fn template_annotations(
    v: &mut Violations,
    annotations: Option<&BTreeMap<String, String>>,
    pod: &PodSpec,
    annotations_at: &str,
    at: &str,
) {
    let Some(annotations) = annotations else {
        return;
    };
    let help_seccomp = "use runtime/default, unconfined or localhost/PATH (better: securityContext.seccompProfile)";
    for (key, value) in annotations {
        let a_at = pointer(annotations_at, key);
        // ValidateSeccompPodAnnotations with ValidateSeccompProfile.
        if key == SECCOMP_POD_ANNOTATION || key.starts_with(SECCOMP_CONTAINER_PREFIX) {
            match value.strip_prefix("localhost/") {
                _ if matches!(
                    value.as_str(),
                    "runtime/default" | "docker/default" | "unconfined"
                ) => {}
                Some(path) => {
                    for problem in primitives::local_descending_path(path) {
                        v.push(
                            Reason::InvalidSecurityContext,
                            &a_at,
                            format!("seccomp profile path {path:?} {problem}"),
                            help_seccomp,
                        );
                    }
                }
                None => v.push(
                    Reason::InvalidSecurityContext,
                    &a_at,
                    format!("{value:?} must be a valid seccomp profile"),
                    help_seccomp,
                ),
            }
        }
        // ValidateAppArmorPodAnnotations with ValidateAppArmorProfileFormat.
        if let Some(container) = key.strip_prefix(APPARMOR_CONTAINER_PREFIX) {
            let [regular, init] = container_lists(pod);
            let found = regular.1.iter().chain(init.1).any(|c| c.name == container);
            if !found {
                v.push_key(
                    Reason::InvalidSecurityContext,
                    &a_at,
                    format!("container {container:?} not found"),
                    "name a container of the pod after the annotation's prefix",
                );
            }
            let valid = matches!(value.as_str(), "" | "runtime/default" | "unconfined")
                || value.starts_with("localhost/");
            if !valid {
                v.push(
                    Reason::InvalidSecurityContext,
                    &a_at,
                    format!("invalid AppArmor profile name: {value:?}"),
                    "use runtime/default, unconfined or localhost/NAME (better: securityContext.appArmorProfile)",
                );
            }
        }
    }
    seccomp_annotations_match_fields(v, annotations, pod, at);
    app_armor_annotations_match_fields(v, annotations, pod, at);
}

/// `validateSeccompAnnotationsAndFieldsMatch`: the problem and the field it is at
/// (`type` or `localhostProfile`), if the annotation and the field disagree.
fn seccomp_mismatch(
    annotation: &str,
    field: &SeccompProfile,
) -> Option<(&'static str, &'static str)> {
    let type_mismatch = ("type", "seccomp type in annotation and field must match");
    match field.type_.as_str() {
        "Unconfined" if annotation != "unconfined" => Some(type_mismatch),
        "RuntimeDefault" if annotation != "runtime/default" && annotation != "docker/default" => {
            Some(type_mismatch)
        }
        "Localhost" => match annotation.strip_prefix("localhost/") {
            None => Some(type_mismatch),
            Some(path) if field.localhost_profile.as_deref() != Some(path) => Some((
                "localhostProfile",
                "seccomp profile in annotation and field must match",
            )),
            Some(_) => None,
        },
        _ => None,
    }
}

/// `validateSeccompAnnotationsAndFields`: a seccomp annotation and field both set agree.
fn seccomp_annotations_match_fields(
    v: &mut Violations,
    annotations: &BTreeMap<String, String>,
    pod: &PodSpec,
    at: &str,
) {
    let help = "remove the deprecated seccomp annotation, or make it say what the field says";
    let pod_profile = pod
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref());
    if let (Some(profile), Some(annotation)) =
        (pod_profile, annotations.get(SECCOMP_POD_ANNOTATION))
        && let Some((field, problem)) = seccomp_mismatch(annotation, profile)
    {
        let p_at = pointer(
            &pointer(&pointer(at, "securityContext"), "seccompProfile"),
            field,
        );
        v.push(Reason::InvalidSecurityContext, &p_at, problem.into(), help);
    }
    for (c_at, c) in all_containers(pod, at) {
        let profile = c
            .security_context
            .as_ref()
            .and_then(|sc| sc.seccomp_profile.as_ref());
        let annotation = annotations.get(&format!("{SECCOMP_CONTAINER_PREFIX}{}", c.name));
        if let (Some(profile), Some(annotation)) = (profile, annotation)
            && let Some((field, problem)) = seccomp_mismatch(annotation, profile)
        {
            let p_at = pointer(
                &pointer(&pointer(&c_at, "securityContext"), "seccompProfile"),
                field,
            );
            v.push(Reason::InvalidSecurityContext, &p_at, problem.into(), help);
        }
    }
}

/// `validateAppArmorAnnotationsAndFieldsMatchOnCreate`: a container's AppArmor annotation
/// agrees with its profile (its own, or the pod's it inherits); Windows pods are skipped.
fn app_armor_annotations_match_fields(
    v: &mut Violations,
    annotations: &BTreeMap<String, String>,
    pod: &PodSpec,
    at: &str,
) {
    if pod.os.as_ref().is_some_and(|os| os.name == "windows") {
        return;
    }
    let help = "remove the deprecated AppArmor annotation, or make it say what the field says";
    let pod_profile = pod
        .security_context
        .as_ref()
        .and_then(|sc| sc.app_armor_profile.as_ref());
    for (c_at, c) in all_containers(pod, at) {
        let own = c
            .security_context
            .as_ref()
            .and_then(|sc| sc.app_armor_profile.as_ref());
        // The profile in force: the container's own, else the pod's. Upstream names the
        // container's field either way (`cFldPath.Child("securityContext")
        // .Child("appArmorProfile")`).
        let Some(profile) = own.or(pod_profile) else {
            continue;
        };
        let p_at = pointer(&pointer(&c_at, "securityContext"), "appArmorProfile");
        let Some(annotation) = annotations.get(&format!("{APPARMOR_CONTAINER_PREFIX}{}", c.name))
        else {
            continue;
        };
        let type_mismatch = ("type", "apparmor type in annotation and field must match");
        let mismatch = match profile.type_.as_str() {
            "Unconfined" if annotation != "unconfined" => Some(type_mismatch),
            "RuntimeDefault" if annotation != "runtime/default" => Some(type_mismatch),
            "Localhost" => match annotation.strip_prefix("localhost/") {
                None => Some(type_mismatch),
                Some(name) if profile.localhost_profile.as_deref() != Some(name) => Some((
                    "localhostProfile",
                    "apparmor profile in annotation and field must match",
                )),
                Some(_) => None,
            },
            _ => None,
        };
        if let Some((field, problem)) = mismatch {
            v.push(
                Reason::InvalidSecurityContext,
                &pointer(&p_at, field),
                problem.into(),
                help,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctl_names() {
        for good in [
            "net.ipv4.ip_forward",
            "kernel.shm_rmid_forced",
            "net/ipv4/conf/eno2.100/rp_filter",
            "a",
        ] {
            assert!(valid_sysctl_name(good), "{good}");
        }
        for bad in [
            "",
            "Net.core",
            "net..core",
            "net.core.",
            "-a",
            "a_",
            "net.*",
            "a b",
        ] {
            assert!(!valid_sysctl_name(bad), "{bad}");
        }
        assert!(!valid_sysctl_name(&"a".repeat(254)));
    }

    #[test]
    fn sysctl_namespaces() {
        assert_eq!(sysctl_namespace("net.core.somaxconn"), Some("net"));
        assert_eq!(sysctl_namespace("net/ipv4/ip_forward"), Some("net"));
        assert_eq!(sysctl_namespace("kernel.shmmax"), Some("ipc"));
        assert_eq!(sysctl_namespace("fs.mqueue.msg_max"), Some("ipc"));
        assert_eq!(sysctl_namespace("kernel.shmfoo"), None);
        assert_eq!(sysctl_namespace("vm.swappiness"), None);
        assert_eq!(sysctl_namespace("network.x"), None);
    }

    /// The (pointer, message) pairs `template_annotations` reports for a pod spec (JSON)
    /// and its annotations.
    fn annotation_findings(
        pod: serde_json::Value,
        annotations: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let pod: PodSpec = match serde_json::from_value(pod) {
            Ok(pod) => pod,
            Err(e) => panic!("{e}"),
        };
        let annotations: BTreeMap<String, String> = annotations
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut v = Violations::default();
        template_annotations(
            &mut v,
            Some(&annotations),
            &pod,
            "/spec/template/metadata/annotations",
            "/spec/template/spec",
        );
        v.0.into_iter().map(|x| (x.at, x.message)).collect()
    }

    #[test]
    fn seccomp_annotations() {
        let pod = serde_json::json!({"containers": [{"name": "agent"}]});
        let ok = annotation_findings(
            pod.clone(),
            &[
                ("seccomp.security.alpha.kubernetes.io/pod", "docker/default"),
                (
                    "container.seccomp.security.alpha.kubernetes.io/agent",
                    "localhost/profiles/a.json",
                ),
            ],
        );
        assert!(ok.is_empty(), "{ok:?}");
        let bad = annotation_findings(
            pod,
            &[
                ("seccomp.security.alpha.kubernetes.io/pod", "default"),
                (
                    "container.seccomp.security.alpha.kubernetes.io/agent",
                    "localhost/../a.json",
                ),
            ],
        );
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert_eq!(
            bad[1].0,
            "/spec/template/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod"
        );
    }

    #[test]
    fn seccomp_annotation_against_field() {
        let pod = serde_json::json!({
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "agent", "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "a.json"}}}],
        });
        let found = annotation_findings(
            pod,
            &[
                ("seccomp.security.alpha.kubernetes.io/pod", "unconfined"),
                (
                    "container.seccomp.security.alpha.kubernetes.io/agent",
                    "localhost/b.json",
                ),
            ],
        );
        let at: Vec<&str> = found.iter().map(|(at, _)| at.as_str()).collect();
        assert_eq!(
            at,
            [
                "/spec/template/spec/securityContext/seccompProfile/type",
                "/spec/template/spec/containers/0/securityContext/seccompProfile/localhostProfile",
            ]
        );
    }

    #[test]
    fn apparmor_annotations() {
        let pod = serde_json::json!({
            "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "agent"}],
        });
        let ok = annotation_findings(
            pod.clone(),
            &[(
                "container.apparmor.security.beta.kubernetes.io/agent",
                "runtime/default",
            )],
        );
        assert!(ok.is_empty(), "{ok:?}");
        let found = annotation_findings(
            pod,
            &[
                (
                    "container.apparmor.security.beta.kubernetes.io/agent",
                    "unconfined",
                ),
                (
                    "container.apparmor.security.beta.kubernetes.io/other",
                    "enforce",
                ),
            ],
        );
        let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            messages,
            [
                "container \"other\" not found",
                "invalid AppArmor profile name: \"enforce\"",
                "apparmor type in annotation and field must match",
            ]
        );
        // Upstream names the container's field even for the pod's profile.
        assert_eq!(
            found[2].0,
            "/spec/template/spec/containers/0/securityContext/appArmorProfile/type"
        );
    }

    #[test]
    fn windows_user_names() {
        assert!(run_as_user_name("ContainerAdministrator").is_empty());
        assert!(run_as_user_name("NT AUTHORITY\\NETWORK SERVICE").is_empty());
        assert!(run_as_user_name("example.com\\svc").is_empty());
        assert!(!run_as_user_name("").is_empty());
        assert!(!run_as_user_name("a\\b\\c").is_empty());
        assert!(!run_as_user_name("\\user").is_empty());
        assert!(!run_as_user_name("dom\\").is_empty());
        assert!(!run_as_user_name("..").is_empty());
        assert!(!run_as_user_name("a@b").is_empty());
        assert!(!run_as_user_name(&"u".repeat(105)).is_empty());
        assert!(!run_as_user_name("a\u{7}").is_empty());
    }
}
