//! Node selections the API server accepts but the scheduler and the DaemonSet controller
//! can never satisfy. `ValidateNodeSelectorRequirement` (pkg/apis/core/validation) does
//! not check that a Gt/Lt value is an integer (it checks label values on create since
//! 1.32, but an object stored before keeps them), while the selector parser the
//! controller uses (`nodeSelectorRequirementsAsSelector` in
//! component-helpers/scheduling/corev1/nodeaffinity, through `labels.NewRequirement`)
//! refuses it: such a requirement makes its whole term match no node, and when every
//! term is dead the DaemonSet runs nowhere.

use everynode_k8s::selector::{Requirement, required_node_affinity};

use crate::compare::Desired;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::pointer;

/// A warning at each requirement of a required node affinity term that can never hold
/// (at its value: Gt and Lt take exactly one), saying why and whether any term is left
/// that can.
pub fn dead_node_selections(d: &Desired, findings: &mut Vec<Diagnostic>) {
    // A description's matches are checked when it compiles (a Gt/Lt value must be an
    // integer there): only a manifest can carry one to the server.
    if d.daemon.is_some() {
        return;
    }
    let Some(pod) = (d.daemonset.spec.as_ref()).and_then(|s| s.template.spec.as_ref()) else {
        return;
    };
    let Some(required) = required_node_affinity(pod) else {
        return;
    };
    let terms = &required.node_selector_terms;
    let at = "/spec/template/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms";
    let mut dead = Vec::new();
    for (i, term) in terms.iter().enumerate() {
        for (j, e) in term.match_expressions.iter().flatten().enumerate() {
            if let Err(reason) = Requirement::check(e) {
                let e_at = pointer(&pointer(&pointer(at, i), "matchExpressions"), j);
                dead.push((i, e_at, reason));
            }
        }
    }
    let dead_terms: std::collections::BTreeSet<usize> = dead.iter().map(|(i, _, _)| *i).collect();
    let none_left = !terms.is_empty() && dead_terms.len() == terms.len();
    for (i, e_at, reason) in dead {
        let consequence = if none_left {
            format!(
                "no term can match, so {}/{} runs on no node",
                d.namespace, d.name
            )
        } else {
            format!("term {i} matches no node; the others still can")
        };
        findings.push(
            Diagnostic::new(
                Code::dead_node_selection,
                format!("this requirement can never hold ({reason}): {consequence}"),
            )
            .at(&d.file, d.span_of(&pointer(&pointer(&e_at, "values"), 0)), "never holds")
            .with_help("the API server accepts it, but the scheduler's selector parser refuses it: write an integer for Gt/Lt"),
        );
    }
}
