//! `explain` as people read it: the verdict first, then every check with the node's
//! actual values, so "why is (or isn't) this daemon on that node" has one answer.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use crate::report::count;
use crate::report::plan::Paint;
use everynode_core::compare::explain::Facts;
use everynode_k8s::placement::Origin;
use everynode_k8s::placement::explain::{Requirement, node_has};

/// The human form of explain's facts.
pub fn human(facts: &Facts, colour: bool) -> String {
    let paint = Paint { colour };
    let ok = |holds: bool| {
        let (text, colour) = if holds {
            ("ok", AnsiColor::Green)
        } else {
            ("fails", AnsiColor::Red)
        };
        paint.style(text, Style::new().fg_color(Some(colour.into())))
    };
    let verdict = &facts.explanation.verdict;
    let node = facts.node;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} on node {}",
        paint.bold(&facts.daemonset),
        paint.bold(&node.name)
    );
    let _ = writeln!(out, "  from {}", facts.source);
    let answer = match (verdict.should_run, verdict.should_continue_running) {
        (true, _) => "a daemon pod belongs here",
        (false, true) => "no new daemon pod starts here, but a running one stays",
        (false, false) => "no daemon pod belongs here",
    };
    let _ = writeln!(
        out,
        "  verdict: {answer} (should run: {}, should keep running: {})",
        yes(verdict.should_run),
        yes(verdict.should_continue_running)
    );
    match &facts.placement {
        Some(p) => {
            let _ = writeln!(out, "  plan: {}: {}", paint.action(p.action), p.reason);
        }
        None if facts.pods.is_empty() => {
            let _ = writeln!(out, "  plan: nothing (no pod runs here and none should)");
        }
        // Only a DaemonSet that is in the state alone, not managed by everynode, has pods
        // the plan does not cover.
        None => {
            let _ = writeln!(
                out,
                "  plan: not planned: the DaemonSet is in the state only, and not managed by everynode"
            );
        }
    }

    let state = match (node.ready, node.unschedulable) {
        (Some(false), _) => "NotReady",
        (_, true) => "cordoned",
        (Some(true), false) => "Ready",
        (None, false) => "readiness not recorded",
    };
    let _ = writeln!(
        out,
        "\nnode {}: {state}, {}, {}",
        node.name,
        count(node.labels.len(), "label"),
        count(node.taints.len(), "taint")
    );

    let e = &facts.explanation;
    let _ = writeln!(out, "\n{}", paint.bold("node selection"));
    match &e.node_name {
        Some(name) => {
            let _ = writeln!(out, "  nodeName {name}  {}", ok(verdict.fits_node_name));
        }
        None => {
            let _ = writeln!(out, "  nodeName: not set");
        }
    }
    if e.node_selector.is_empty() {
        let _ = writeln!(out, "  nodeSelector: none");
    }
    for r in &e.node_selector {
        let _ = writeln!(
            out,
            "  nodeSelector {}  ({})  {}",
            r.text,
            node_has(r),
            ok(r.holds)
        );
    }
    match &e.terms {
        None => {
            let _ = writeln!(out, "  required node affinity: none");
        }
        Some(terms) => {
            let _ = writeln!(
                out,
                "  required node affinity: {} term{} (any one must match)",
                terms.len(),
                if terms.len() == 1 { "" } else { "s" }
            );
            for (i, term) in terms.iter().enumerate() {
                let _ = writeln!(out, "    term {}  {}", i + 1, ok(term.holds));
                if term.requirements.is_empty() {
                    let _ = writeln!(out, "      (empty: matches no node)");
                }
                for r in &term.requirements {
                    let _ = writeln!(out, "      {}", requirement(r, &ok));
                }
            }
        }
    }
    if !facts.classes.is_empty() {
        let claimed: Vec<&str> = facts
            .classes
            .iter()
            .filter(|(_, c)| *c)
            .map(|(n, _)| n.as_str())
            .collect();
        let all: Vec<&str> = facts.classes.iter().map(|(n, _)| n.as_str()).collect();
        let _ = match claimed.as_slice() {
            [] => writeln!(
                out,
                "  class: no class of this daemon claims the node (classes: {})",
                all.join(", ")
            ),
            [one] => writeln!(
                out,
                "  class: {one} claims the node (the daemon's classes: {})",
                all.join(", ")
            ),
            many => writeln!(
                out,
                "  class: {} all claim the node: the classes overlap",
                many.join(", ")
            ),
        };
    }

    let _ = writeln!(out, "\n{}", paint.bold("taints"));
    if e.taints.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for check in &e.taints {
        let taint = check.taint.to_string();
        let line = match (&check.tolerated_by, check.decides) {
            (_, false) => format!("{taint}  does not decide placement"),
            (Some((toleration, Origin::Template)), true) => {
                format!(
                    "{taint}  tolerated by the template's {toleration}  {}",
                    ok(true)
                )
            }
            (Some((toleration, Origin::Controller)), true) => match &check.replaced {
                Some(replaced) => format!(
                    "{taint}  tolerated by {toleration}, which the DaemonSet controller puts in place of the template's {replaced}: that limit never applies  {}",
                    ok(true)
                ),
                None => format!(
                    "{taint}  tolerated by {toleration}, which the DaemonSet controller adds  {}",
                    ok(true)
                ),
            },
            (None, true) if check.taint.effect == "NoExecute" => {
                format!(
                    "{taint}  not tolerated: keeps new pods off and evicts running ones  {}",
                    ok(false)
                )
            }
            (None, true) => format!(
                "{taint}  not tolerated: keeps new pods off; a running pod stays  {}",
                ok(false)
            ),
        };
        let _ = writeln!(out, "  {line}");
        if let Some((toleration, why)) = &check.nearest_miss {
            let _ = writeln!(
                out,
                "    the nearest toleration, {toleration}, misses: {why}"
            );
        }
        for unknown in &check.unknown_operators {
            let _ = writeln!(
                out,
                "    the toleration {unknown} has an operator this rule does not know (Gt/Lt need a v1.35+ feature gate): it tolerates nothing"
            );
        }
    }

    let _ = writeln!(out, "\n{}", paint.bold("daemon pods on the node"));
    if facts.pods.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for pod in &facts.pods {
        let mut notes = Vec::new();
        if pod.owner.is_none() {
            notes.push("an orphan the DaemonSet adopts".to_string());
        }
        if let Some(generation) = pod.template_generation() {
            notes.push(format!("pod-template-generation {generation}"));
        }
        if let Some(hash) = pod.revision_hash() {
            notes.push(format!("controller-revision-hash {hash}"));
        }
        if let Some(phase) = &pod.phase {
            notes.push(phase.clone());
        }
        if pod.terminating {
            notes.push("terminating".into());
        }
        let _ = writeln!(out, "  {} ({})", pod.name, notes.join(", "));
    }
    out
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn requirement(r: &Requirement, ok: &dyn Fn(bool) -> String) -> String {
    match &r.invalid {
        Some(why) => format!("{}  can never match: {why}  {}", r.text, ok(false)),
        None => format!("{}  ({})  {}", r.text, node_has(r), ok(r.holds)),
    }
}
