//! The rest of `ValidatePodSpec`: DNS policy and config, host aliases, affinity, topology
//! spread, readiness and scheduling gates, the names of classes, accounts and hosts,
//! preemption, ephemeral containers (pkg/apis/core/validation/validation.go), and the pod
//! template annotations `ValidatePodSpecificAnnotations` checks.
//!
//! The options are those of a DaemonSet created on a default 1.33 cluster
//! (`GetValidationOptionsFromPodTemplate` without an old object): label selectors are
//! checked strictly, DNS search domains relaxed (RelaxedDNSSearchValidation, beta and on),
//! the pod deletion cost checked (PodDeletionCost, beta and on).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv6Addr;

use k8s_openapi::api::core::v1::{
    PodAffinityTerm, PodSpec, Toleration, TopologySpreadConstraint, WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::{Reason, Violations, pointer, toleration_problems, unsupported};
use crate::apimachinery as primitives;

/// `MaxDNSNameservers`: libc reads at most three name servers.
const MAX_DNS_NAMESERVERS: usize = 3;
/// `MaxDNSSearchPaths` (ExpandedDNSConfig, GA since 1.28).
const MAX_DNS_SEARCH_PATHS: usize = 32;
/// `MaxDNSSearchListChars` (ExpandedDNSConfig, GA since 1.28).
const MAX_DNS_SEARCH_LIST_CHARS: usize = 2048;

/// Every rule of this part for `pod`, whose pointer is `at`.
pub(crate) fn pod(v: &mut Violations, pod: &PodSpec, at: &str) {
    ephemeral_containers(v, pod, at);
    dns_policy(v, pod, at);
    dns_config(v, pod, at);
    host_aliases(v, pod, at);
    names(v, pod, at);
    policies(v, pod, at);
    gates(v, pod, at);
    topology_spread(v, pod, at);
    affinity(v, pod, at);
}

/// `ValidatePodTemplateSpec`: "ephemeral containers not allowed in pod template" (they
/// are added to a running pod through its `ephemeralcontainers` subresource).
fn ephemeral_containers(v: &mut Violations, pod: &PodSpec, at: &str) {
    if pod
        .ephemeral_containers
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        v.push(
            Reason::InvalidField,
            &pointer(at, "ephemeralContainers"),
            "ephemeral containers not allowed in pod template".into(),
            "remove ephemeralContainers: they are added to a running pod (kubectl debug)",
        );
    }
}

/// `validateDNSPolicy`: an empty policy is defaulted to ClusterFirst before.
fn dns_policy(v: &mut Violations, pod: &PodSpec, at: &str) {
    const POLICIES: [&str; 4] = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
    if let Some(policy) = pod.dns_policy.as_deref()
        && !policy.is_empty()
        && !POLICIES.contains(&policy)
    {
        v.push(
            Reason::InvalidDns,
            &pointer(at, "dnsPolicy"),
            unsupported(policy, &POLICIES),
            "use ClusterFirst, ClusterFirstWithHostNet, Default or None",
        );
    }
}

/// `validatePodDNSConfig`, with the relaxed search-domain rule of
/// RelaxedDNSSearchValidation (beta, on by default in 1.33).
fn dns_config(v: &mut Violations, pod: &PodSpec, at: &str) {
    let c_at = pointer(at, "dnsConfig");
    if pod.dns_policy.as_deref() == Some("None") {
        let Some(config) = &pod.dns_config else {
            // Upstream names spec.dnsConfig, which is absent: point at the policy.
            v.push(
                Reason::InvalidDns,
                &pointer(at, "dnsPolicy"),
                "must provide `dnsConfig` when `dnsPolicy` is None".into(),
                "add dnsConfig with at least one nameserver, or use another dnsPolicy",
            );
            return;
        };
        if config.nameservers.as_ref().is_none_or(Vec::is_empty) {
            v.push(
                Reason::InvalidDns,
                &pointer(&c_at, "nameservers"),
                "must provide at least one DNS nameserver when `dnsPolicy` is None".into(),
                "add a nameserver IP address to dnsConfig.nameservers",
            );
            return;
        }
    }
    let Some(config) = &pod.dns_config else {
        return;
    };
    let nameservers = config.nameservers.as_deref().unwrap_or_default();
    let n_at = pointer(&c_at, "nameservers");
    if nameservers.len() > MAX_DNS_NAMESERVERS {
        v.push(
            Reason::InvalidDns,
            &n_at,
            format!("must not have more than {MAX_DNS_NAMESERVERS} nameservers"),
            "libc reads at most three name servers: keep three",
        );
    }
    for (i, ns) in nameservers.iter().enumerate() {
        if !is_ip(ns) {
            v.push(
                Reason::InvalidDns,
                &pointer(&n_at, i),
                format!("nameserver {ns:?} {IP_MESSAGE}"),
                "a nameserver is an IPv4 or IPv6 address",
            );
        }
    }
    let searches = config.searches.as_deref().unwrap_or_default();
    let s_at = pointer(&c_at, "searches");
    if searches.len() > MAX_DNS_SEARCH_PATHS {
        v.push(
            Reason::InvalidDns,
            &s_at,
            format!("must not have more than {MAX_DNS_SEARCH_PATHS} search paths"),
            "keep at most 32 search domains",
        );
    }
    let chars = searches.iter().map(String::len).sum::<usize>() + searches.len().saturating_sub(1);
    if chars > MAX_DNS_SEARCH_LIST_CHARS {
        v.push(
            Reason::InvalidDns,
            &s_at,
            format!(
                "must not have more than {MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list"
            ),
            "shorten the search list",
        );
    }
    for (i, search) in searches.iter().enumerate() {
        if search == "." {
            continue;
        }
        let domain = search.strip_suffix('.').unwrap_or(search);
        if let Err(e) = dns1123_subdomain_with_underscore(domain) {
            v.push(
                Reason::InvalidDns,
                &pointer(&s_at, i),
                format!("search domain {domain:?} {e}"),
                "a search domain is a DNS name: lowercase letters, digits, '-', '_' and '.'",
            );
        }
    }
    for (i, option) in config.options.iter().flatten().enumerate() {
        if option.name.as_deref().is_none_or(str::is_empty) {
            v.push(
                Reason::InvalidDns,
                &pointer(&pointer(&c_at, "options"), i),
                "option name must not be empty".into(),
                "give the resolver option a name (ndots, timeout, ...)",
            );
        }
    }
}

/// `IsValidIP`'s message.
const IP_MESSAGE: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

/// `IsValidIP` (apimachinery/pkg/util/validation/ip.go): what `netutils.ParseIPSloppy`
/// accepts, which is Go's IP parser before 1.17: IPv4 octets may have leading zeros
/// (`010.0.0.1`). StrictIPCIDRValidation, which would refuse them, is alpha and off in
/// 1.33.
fn is_ip(s: &str) -> bool {
    if !s.contains(':') {
        return ipv4_sloppy(s).is_some();
    }
    if s.parse::<Ipv6Addr>().is_ok() {
        return true;
    }
    // An embedded IPv4 address with leading zeros (`::ffff:010.0.0.1`).
    match s.rsplit_once(':') {
        Some((head, tail)) if tail.contains('.') => ipv4_sloppy(tail).is_some_and(|o| {
            format!("{head}:{}.{}.{}.{}", o[0], o[1], o[2], o[3])
                .parse::<Ipv6Addr>()
                .is_ok()
        }),
        _ => false,
    }
}

/// `parseIPv4` of k8s.io/utils/net: four dot-separated decimal numbers up to 255, leading
/// zeros allowed.
fn ipv4_sloppy(s: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = s.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits = part.trim_start_matches('0');
        if digits.len() > 3 {
            return None;
        }
        *octet = if digits.is_empty() {
            0
        } else {
            digits.parse::<u8>().ok()?
        };
    }
    parts.next().is_none().then_some(octets)
}

/// `IsDNS1123SubdomainWithUnderscore` (apimachinery/pkg/util/validation): a subdomain
/// whose labels may start with '_' and hold '_' inside, at most 253 characters.
fn dns1123_subdomain_with_underscore(s: &str) -> Result<(), String> {
    const FMT: &str = r"_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*";
    let label = |l: &str| {
        let l = l.strip_prefix('_').unwrap_or(l);
        let b = l.as_bytes();
        let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        match (b.first(), b.last()) {
            (Some(first), Some(last)) => {
                alnum(first)
                    && alnum(last)
                    && b.iter().all(|c| alnum(c) || *c == b'-' || *c == b'_')
            }
            _ => false,
        }
    };
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push("must be no more than 253 characters".to_string());
    }
    if !s.split('.').all(label) {
        errs.push(format!(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{FMT}')"
        ));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

/// `ValidateHostAliases`: each IP is an IP address, each hostname a DNS subdomain.
fn host_aliases(v: &mut Violations, pod: &PodSpec, at: &str) {
    for (i, alias) in pod.host_aliases.iter().flatten().enumerate() {
        let a_at = pointer(&pointer(at, "hostAliases"), i);
        if !is_ip(&alias.ip) {
            v.push(
                Reason::InvalidDns,
                &pointer(&a_at, "ip"),
                format!("ip {:?} {IP_MESSAGE}", alias.ip),
                "a host alias maps an IP address to host names: give an IPv4 or IPv6 address",
            );
        }
        for (j, host) in alias.hostnames.iter().flatten().enumerate() {
            if let Err(e) = primitives::dns1123_subdomain(host) {
                v.push(
                    Reason::InvalidDns,
                    &pointer(&pointer(&a_at, "hostnames"), j),
                    format!("hostname {host:?} {e}"),
                    "a host name is a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'",
                );
            }
        }
    }
}

/// The names `ValidatePodSpec` checks: service account (`ValidateServiceAccountName`),
/// node (`ValidateNodeName`), priority class (`ValidatePriorityClassName`) and runtime
/// class (`ValidateRuntimeClassName`) are DNS subdomains; hostname and subdomain DNS labels.
/// Go reads an empty string as unset, except for the runtime class, a pointer.
fn names(v: &mut Violations, pod: &PodSpec, at: &str) {
    // The v1 API's deprecated `serviceAccount` stands for serviceAccountName when that
    // is empty (Convert_v1_PodSpec_To_core_PodSpec).
    let account = [
        ("serviceAccountName", &pod.service_account_name),
        ("serviceAccount", &pod.service_account),
    ]
    .into_iter()
    .find_map(|(field, value)| {
        value
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| (field, s))
    });
    let subdomains = [
        (
            account,
            "service account name",
            "a service account name is a DNS-1123 subdomain",
        ),
        (
            pod.node_name
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| ("nodeName", s)),
            "node name",
            "a node name is a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'",
        ),
        (
            pod.priority_class_name
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| ("priorityClassName", s)),
            "priority class name",
            "a PriorityClass name is a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'",
        ),
        (
            pod.runtime_class_name
                .as_deref()
                .map(|s| ("runtimeClassName", s)),
            "runtime class name",
            "a RuntimeClass name is a DNS-1123 subdomain; remove runtimeClassName to use the default runtime",
        ),
    ];
    for (found, what, help) in subdomains {
        if let Some((field, name)) = found
            && let Err(e) = primitives::dns1123_subdomain(name)
        {
            v.push(
                Reason::InvalidName,
                &pointer(at, field),
                format!("{what} {name:?} {e}"),
                help,
            );
        }
    }
    for (field, value) in [("hostname", &pod.hostname), ("subdomain", &pod.subdomain)] {
        if let Some(name) = value.as_deref().filter(|s| !s.is_empty())
            && let Err(e) = primitives::dns1123_label(name)
        {
            v.push(
                Reason::InvalidName,
                &pointer(at, field),
                format!("{field} {name:?} {e}"),
                "a hostname or subdomain is a DNS-1123 label: lowercase letters, digits and '-'",
            );
        }
    }
}

/// `ValidatePreemptionPolicy`, and `ValidatePodSpec`'s range of activeDeadlineSeconds
/// (a DaemonSet forbids it anyway).
fn policies(v: &mut Violations, pod: &PodSpec, at: &str) {
    const PREEMPTION: [&str; 2] = ["PreemptLowerPriority", "Never"];
    match pod.preemption_policy.as_deref() {
        Some("") => v.push(
            Reason::InvalidField,
            &pointer(at, "preemptionPolicy"),
            "preemptionPolicy must not be empty".into(),
            "use PreemptLowerPriority or Never, or remove preemptionPolicy",
        ),
        Some(policy) if !PREEMPTION.contains(&policy) => v.push(
            Reason::InvalidField,
            &pointer(at, "preemptionPolicy"),
            unsupported(policy, &PREEMPTION),
            "use PreemptLowerPriority or Never",
        ),
        _ => {}
    }
    if let Some(seconds) = pod.active_deadline_seconds
        && !(1..=i64::from(i32::MAX)).contains(&seconds)
    {
        v.push(
            Reason::InvalidField,
            &pointer(at, "activeDeadlineSeconds"),
            "must be between 1 and 2147483647, inclusive".into(),
            "remove activeDeadlineSeconds",
        );
    }
}

/// `validateReadinessGates` (each condition type a qualified name) and
/// `validateSchedulingGates` (each name a qualified name, no name twice).
fn gates(v: &mut Violations, pod: &PodSpec, at: &str) {
    for (i, gate) in pod.readiness_gates.iter().flatten().enumerate() {
        if let Err(e) = primitives::label_key(&gate.condition_type) {
            v.push(
                Reason::InvalidScheduling,
                &pointer(&pointer(&pointer(at, "readinessGates"), i), "conditionType"),
                format!("condition type {:?} {e}", gate.condition_type),
                "a readiness gate's conditionType is a qualified name such as example.com/ready",
            );
        }
    }
    let mut seen = BTreeSet::new();
    for (i, gate) in pod.scheduling_gates.iter().flatten().enumerate() {
        let g_at = pointer(&pointer(at, "schedulingGates"), i);
        if let Err(e) = primitives::label_key(&gate.name) {
            v.push(
                Reason::InvalidScheduling,
                &g_at,
                format!("scheduling gate {:?} {e}", gate.name),
                "a scheduling gate's name is a qualified name such as example.com/wait",
            );
        }
        if !seen.insert(gate.name.as_str()) {
            v.push(
                Reason::InvalidScheduling,
                &g_at,
                format!("duplicate value {:?}", gate.name),
                "give each scheduling gate once",
            );
        }
    }
}

/// The keys a label selector names, in matchLabels and in matchExpressions.
fn selector_keys(selector: &LabelSelector) -> BTreeSet<&str> {
    let labels = selector
        .match_labels
        .iter()
        .flatten()
        .map(|(k, _)| k.as_str());
    let expressions = selector
        .match_expressions
        .iter()
        .flatten()
        .map(|e| e.key.as_str());
    labels.chain(expressions).collect()
}

/// `validateTopologySpreadConstraints` and the functions it calls.
fn topology_spread(v: &mut Violations, pod: &PodSpec, at: &str) {
    let constraints = pod
        .topology_spread_constraints
        .as_deref()
        .unwrap_or_default();
    for (i, c) in constraints.iter().enumerate() {
        let c_at = pointer(&pointer(at, "topologySpreadConstraints"), i);
        spread_constraint(v, c, &c_at);
        // `ValidateSpreadConstraintNotRepeat`: upstream names the first of the two
        // ({topologyKey, whenUnsatisfiable} of the earlier one); here the repeat is shown.
        if let Some(first) = constraints[..i].iter().position(|o| {
            o.topology_key == c.topology_key && o.when_unsatisfiable == c.when_unsatisfiable
        }) {
            v.push(
                Reason::InvalidScheduling,
                &pointer(&c_at, "topologyKey"),
                format!(
                    "duplicate value \"{{{}, {}}}\": constraint {first} has the same topologyKey and whenUnsatisfiable",
                    c.topology_key, c.when_unsatisfiable
                ),
                "merge the two constraints: one topologyKey and whenUnsatisfiable pair each",
            );
        }
    }
}

/// One constraint of `validateTopologySpreadConstraints`.
fn spread_constraint(v: &mut Violations, c: &TopologySpreadConstraint, at: &str) {
    const ACTIONS: [&str; 2] = ["DoNotSchedule", "ScheduleAnyway"];
    const POLICIES: [&str; 2] = ["Honor", "Ignore"];
    if c.max_skew <= 0 {
        v.push(
            Reason::InvalidScheduling,
            &pointer(at, "maxSkew"),
            "maxSkew must be greater than zero".into(),
            "maxSkew is the largest allowed difference in pod counts: 1 or more",
        );
    }
    if c.topology_key.is_empty() {
        v.push(
            Reason::InvalidScheduling,
            &pointer(at, "topologyKey"),
            "topologyKey can not be empty".into(),
            "name the node label to spread over, such as topology.kubernetes.io/zone",
        );
    }
    if !ACTIONS.contains(&c.when_unsatisfiable.as_str()) {
        v.push(
            Reason::InvalidScheduling,
            &pointer(at, "whenUnsatisfiable"),
            unsupported(&c.when_unsatisfiable, &ACTIONS),
            "use DoNotSchedule or ScheduleAnyway",
        );
    }
    // `validateMinDomains` (MinDomainsInPodTopologySpread, GA since 1.30).
    if let Some(min) = c.min_domains {
        let m_at = pointer(at, "minDomains");
        if min <= 0 {
            v.push(
                Reason::InvalidScheduling,
                &m_at,
                "minDomains must be greater than zero".into(),
                "give 1 or more, or remove minDomains",
            );
        }
        if c.when_unsatisfiable != "DoNotSchedule" {
            v.push(
                Reason::InvalidScheduling,
                &m_at,
                format!(
                    "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {}",
                    c.when_unsatisfiable
                ),
                "use whenUnsatisfiable: DoNotSchedule with minDomains, or remove minDomains",
            );
        }
    }
    // `validateNodeInclusionPolicy` (NodeInclusionPolicyInPodTopologySpread, GA in 1.33).
    for (field, policy) in [
        ("nodeAffinityPolicy", &c.node_affinity_policy),
        ("nodeTaintsPolicy", &c.node_taints_policy),
    ] {
        if let Some(policy) = policy.as_deref()
            && !POLICIES.contains(&policy)
        {
            v.push(
                Reason::InvalidScheduling,
                &pointer(at, field),
                unsupported(policy, &POLICIES),
                "use Honor or Ignore",
            );
        }
    }
    // `validateMatchLabelKeysInTopologySpread` (MatchLabelKeysInPodTopologySpread, beta
    // and on since 1.27).
    let keys = c.match_label_keys.as_deref().unwrap_or_default();
    let k_at = pointer(at, "matchLabelKeys");
    if !keys.is_empty() && c.label_selector.is_none() {
        v.push(
            Reason::InvalidScheduling,
            &k_at,
            "matchLabelKeys must not be specified when labelSelector is not set".into(),
            "add a labelSelector, or remove matchLabelKeys",
        );
    }
    let selector_keys = c
        .label_selector
        .as_ref()
        .map(selector_keys)
        .unwrap_or_default();
    for (i, key) in keys.iter().enumerate() {
        if let Err(e) = primitives::label_key(key) {
            v.push(
                Reason::InvalidScheduling,
                &pointer(&k_at, i),
                format!("label key {key:?} {e}"),
                "a label key is an optional DNS prefix and '/', then a name of at most 63 characters",
            );
        }
        if selector_keys.contains(key.as_str()) {
            v.push(
                Reason::InvalidScheduling,
                &pointer(&k_at, i),
                format!("{key:?} exists in both matchLabelKeys and labelSelector"),
                "name a key either in matchLabelKeys or in the labelSelector",
            );
        }
    }
    if let Some(selector) = &c.label_selector {
        v.label_selector(
            selector,
            &pointer(at, "labelSelector"),
            Reason::InvalidScheduling,
        );
    }
}

/// `validateAffinity`: preferred node affinity (`ValidatePreferredSchedulingTerms`; the
/// required terms are checked with the node selector), pod affinity and anti-affinity.
fn affinity(v: &mut Violations, pod: &PodSpec, at: &str) {
    let Some(affinity) = &pod.affinity else {
        return;
    };
    let a_at = pointer(at, "affinity");
    if let Some(node) = &affinity.node_affinity {
        let p_at = pointer(
            &pointer(&a_at, "nodeAffinity"),
            "preferredDuringSchedulingIgnoredDuringExecution",
        );
        for (i, term) in node
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .flatten()
            .enumerate()
        {
            let t_at = pointer(&p_at, i);
            weight(v, term.weight, &t_at);
            v.node_selector_term(&term.preference, &pointer(&t_at, "preference"), false);
        }
    }
    let pod_affinities = [
        (
            "podAffinity",
            affinity.pod_affinity.as_ref().map(|a| {
                (
                    &a.required_during_scheduling_ignored_during_execution,
                    &a.preferred_during_scheduling_ignored_during_execution,
                )
            }),
        ),
        (
            "podAntiAffinity",
            affinity.pod_anti_affinity.as_ref().map(|a| {
                (
                    &a.required_during_scheduling_ignored_during_execution,
                    &a.preferred_during_scheduling_ignored_during_execution,
                )
            }),
        ),
    ];
    for (field, terms) in pod_affinities {
        let Some((required, preferred)) = terms else {
            continue;
        };
        let f_at = pointer(&a_at, field);
        let r_at = pointer(&f_at, "requiredDuringSchedulingIgnoredDuringExecution");
        for (i, term) in required.iter().flatten().enumerate() {
            pod_affinity_term(v, term, &pointer(&r_at, i));
        }
        let p_at = pointer(&f_at, "preferredDuringSchedulingIgnoredDuringExecution");
        for (
            i,
            WeightedPodAffinityTerm {
                pod_affinity_term: term,
                weight: w,
            },
        ) in preferred.iter().flatten().enumerate()
        {
            let t_at = pointer(&p_at, i);
            weight(v, *w, &t_at);
            pod_affinity_term(v, term, &pointer(&t_at, "podAffinityTerm"));
        }
    }
}

/// The weight of a preferred term (`ValidatePreferredSchedulingTerms`,
/// `validateWeightedPodAffinityTerms`): 1 to 100.
fn weight(v: &mut Violations, weight: i32, at: &str) {
    if !(1..=100).contains(&weight) {
        v.push(
            Reason::InvalidScheduling,
            &pointer(at, "weight"),
            "weight must be in the range 1-100".into(),
            "give the preferred term a weight from 1 to 100",
        );
    }
}

/// `validatePodAffinityTerm`: both selectors (`ValidatePodAffinityTermSelector`), the
/// namespaces (DNS labels), matchLabelKeys and mismatchLabelKeys
/// (`validateMatchLabelKeysAndMismatchLabelKeys`; MatchLabelKeysInPodAffinity, GA in 1.33)
/// and a topologyKey that is a qualified name.
fn pod_affinity_term(v: &mut Violations, term: &PodAffinityTerm, at: &str) {
    if let Some(selector) = &term.label_selector {
        v.label_selector(
            selector,
            &pointer(at, "labelSelector"),
            Reason::InvalidScheduling,
        );
    }
    if let Some(selector) = &term.namespace_selector {
        v.label_selector(
            selector,
            &pointer(at, "namespaceSelector"),
            Reason::InvalidScheduling,
        );
    }
    for (i, ns) in term.namespaces.iter().flatten().enumerate() {
        if let Err(e) = primitives::dns1123_label(ns) {
            v.push(
                Reason::InvalidScheduling,
                &pointer(&pointer(at, "namespaces"), i),
                format!("namespace {ns:?} {e}"),
                "a namespace is a DNS-1123 label",
            );
        }
    }
    let match_keys = term.match_label_keys.as_deref().unwrap_or_default();
    let mismatch_keys = term.mismatch_label_keys.as_deref().unwrap_or_default();
    for (field, keys) in [
        ("matchLabelKeys", match_keys),
        ("mismatchLabelKeys", mismatch_keys),
    ] {
        if keys.is_empty() {
            continue;
        }
        let k_at = pointer(at, field);
        if term.label_selector.is_none() {
            v.push(
                Reason::InvalidScheduling,
                &k_at,
                format!("{field} must not be specified when labelSelector is not set"),
                "add a labelSelector, or remove the label keys",
            );
            continue;
        }
        for (i, key) in keys.iter().enumerate() {
            if let Err(e) = primitives::label_key(key) {
                v.push(
                    Reason::InvalidScheduling,
                    &pointer(&k_at, i),
                    format!("label key {key:?} {e}"),
                    "a label key is an optional DNS prefix and '/', then a name of at most 63 characters",
                );
            }
        }
    }
    // A key of matchLabelKeys that the selector already names: upstream (which merges the
    // keys into the selector of a pod before) objects when an expression repeats a key
    // of matchLabels or of an earlier expression.
    if let Some(selector) = &term.label_selector {
        let mut named: BTreeSet<&str> = selector
            .match_labels
            .iter()
            .flatten()
            .map(|(k, _)| k.as_str())
            .collect();
        for e in selector.match_expressions.iter().flatten() {
            if named.contains(e.key.as_str())
                && let Some(i) = match_keys.iter().rposition(|k| *k == e.key)
            {
                v.push(
                    Reason::InvalidScheduling,
                    &pointer(&pointer(at, "matchLabelKeys"), i),
                    format!(
                        "{:?} exists in both matchLabelKeys and labelSelector",
                        e.key
                    ),
                    "name a key either in matchLabelKeys or in the labelSelector",
                );
            }
            named.insert(e.key.as_str());
        }
    }
    for (i, key) in match_keys.iter().enumerate() {
        if mismatch_keys.contains(key) {
            v.push(
                Reason::InvalidScheduling,
                &pointer(&pointer(at, "matchLabelKeys"), i),
                format!("{key:?} exists in both matchLabelKeys and mismatchLabelKeys"),
                "a key either matches or mismatches the incoming pod's label, not both",
            );
        }
    }
    let t_at = pointer(at, "topologyKey");
    if term.topology_key.is_empty() {
        v.push(
            Reason::InvalidScheduling,
            &t_at,
            "topologyKey can not be empty".into(),
            "name the node label that groups nodes, such as kubernetes.io/hostname",
        );
    } else if let Err(e) = primitives::label_key(&term.topology_key) {
        v.push(
            Reason::InvalidScheduling,
            &t_at,
            format!("topologyKey {:?} {e}", term.topology_key),
            "a topologyKey is a node label key",
        );
    }
}

/// `ValidatePodSpecificAnnotations` for the annotations of the pod template at `at`
/// (`/spec/template/metadata/annotations`): a mirror-pod annotation needs spec.nodeName,
/// the tolerations annotation holds valid tolerations (`ValidateTolerationsInPodAnnotations`)
/// and the pod deletion cost is a 32-bit integer (`GetDeletionCostFromPodAnnotations`;
/// PodDeletionCost is beta and on). The seccomp and AppArmor annotations are checked with
/// the security contexts.
pub(crate) fn template_annotations(
    v: &mut Violations,
    annotations: Option<&BTreeMap<String, String>>,
    pod: &PodSpec,
    at: &str,
) {
    const MIRROR: &str = "kubernetes.io/config.mirror";
    const TOLERATIONS: &str = "scheduler.alpha.kubernetes.io/tolerations";
    const DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";
    let Some(annotations) = annotations else {
        return;
    };
    if annotations.contains_key(MIRROR) && pod.node_name.as_deref().is_none_or(str::is_empty) {
        v.push(
            Reason::InvalidField,
            &pointer(at, MIRROR),
            "must set spec.nodeName if mirror pod annotation is set".into(),
            "remove the mirror pod annotation: only the kubelet writes it",
        );
    }
    if let Some(text) = annotations.get(TOLERATIONS).filter(|t| !t.is_empty()) {
        let t_at = pointer(at, TOLERATIONS);
        match serde_json::from_str::<Vec<Toleration>>(text) {
            Err(e) => v.push(
                Reason::InvalidToleration,
                &t_at,
                format!("not a JSON list of tolerations: {e}"),
                "move the tolerations to spec.template.spec.tolerations",
            ),
            Ok(tolerations) => {
                for t in &tolerations {
                    for (_, problem) in toleration_problems(
                        t.key.as_deref(),
                        t.operator.as_deref(),
                        t.value.as_deref(),
                        t.effect.as_deref(),
                        t.toleration_seconds,
                    ) {
                        v.push(
                            Reason::InvalidToleration,
                            &t_at,
                            problem,
                            "move the tolerations to spec.template.spec.tolerations",
                        );
                    }
                }
            }
        }
    }
    if let Some(cost) = annotations.get(DELETION_COST) {
        let first_ok = match cost.as_bytes() {
            [] => false,
            [b'0', _, ..] => false,
            [first, ..] => *first == b'-' || first.is_ascii_digit(),
        };
        if !first_ok || cost.parse::<i32>().is_err() {
            v.push(
                Reason::InvalidField,
                &pointer(at, DELETION_COST),
                format!("pod deletion cost {cost:?} must be a 32bit integer"),
                "give an integer from -2147483648 to 2147483647, without '+' or leading zeros",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_addresses_parse_as_go_parsed_them_before_1_17() {
        for ip in [
            "10.0.0.1",
            "010.000.000.001",
            "0.0.0.0",
            "255.255.255.255",
            "::",
            "::1",
            "2001:db8::ffff",
            "::ffff:10.0.0.1",
            "::ffff:010.0.0.1",
        ] {
            assert!(is_ip(ip), "{ip}");
        }
        for ip in [
            "",
            "10.0.0",
            "10.0.0.1.2",
            "10.0.0.256",
            "10.0.0.-1",
            "10.0..1",
            " 10.0.0.1",
            "0x10.0.0.1",
            "fe80::1%eth0",
            "[::1]",
            "::ffff:10.0.0.256",
            "dns.example.com",
        ] {
            assert!(!is_ip(ip), "{ip}");
        }
    }

    #[test]
    fn search_domains_may_hold_underscores() {
        for ok in [
            "a",
            "_tcp.example.com",
            "a_b.c",
            "svc.cluster.local",
            "0.example",
        ] {
            assert!(dns1123_subdomain_with_underscore(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a_",
            "_",
            "__a",
            "-a",
            "a.",
            "A.com",
            "a..b",
            &"a".repeat(254),
        ] {
            assert!(dns1123_subdomain_with_underscore(bad).is_err(), "{bad}");
        }
    }
    #[test]
    fn template_annotations_follow_validate_pod_specific_annotations() {
        let pod = PodSpec::default();
        let count = |key: &str, value: &str| {
            let annotations = BTreeMap::from([(key.to_string(), value.to_string())]);
            let mut v = Violations::default();
            template_annotations(&mut v, Some(&annotations), &pod, "/a");
            v.0.len()
        };
        const COST: &str = "controller.kubernetes.io/pod-deletion-cost";
        for ok in ["0", "-10", "10", "2147483647", "-2147483648", "-01"] {
            assert_eq!(count(COST, ok), 0, "{ok}");
        }
        for bad in ["", "+10", "010", "00", "2147483648", "1.5", "-", "ten"] {
            assert_eq!(count(COST, bad), 1, "{bad}");
        }
        assert_eq!(count("kubernetes.io/config.mirror", "x"), 1);
        const TOLERATIONS: &str = "scheduler.alpha.kubernetes.io/tolerations";
        assert_eq!(count(TOLERATIONS, ""), 0);
        assert_eq!(count(TOLERATIONS, r#"[{"operator":"Exists"}]"#), 0);
        assert_eq!(
            count(TOLERATIONS, r#"[{"operator":"Exists","value":"x"}]"#),
            1
        );
        assert_eq!(count(TOLERATIONS, "not json"), 1);
    }
}
