//! A plan as people read it (a table a person takes in at a glance, then the placements
//! that need attention, grouped by reason) and as JSON.

use std::collections::BTreeMap;
use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use everynode_core::compare::{Action, Change, Plan};

/// How many node names a group of placements lists before it says "and N more".
const NODES_SHOWN: usize = 5;

/// The plan document, pretty-printed, fields in the order of DESIGN.md.
pub fn json(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(plan).unwrap_or_default();
    text.push('\n');
    text
}

/// Paints text when colour is on.
pub struct Paint {
    pub colour: bool,
}

impl Paint {
    pub fn style(&self, text: &str, style: Style) -> String {
        if self.colour {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    pub fn action(&self, action: Action) -> String {
        let colour = match action {
            Action::Create => AnsiColor::Green,
            Action::Keep => AnsiColor::BrightBlack,
            Action::Update => AnsiColor::Yellow,
            Action::Delete => AnsiColor::Red,
            Action::Blocked => AnsiColor::Magenta,
        };
        self.style(action.as_str(), Style::new().fg_color(Some(colour.into())))
    }

    pub fn change(&self, change: Change) -> String {
        let colour = match change {
            Change::Create => AnsiColor::Green,
            Change::Update => AnsiColor::Yellow,
            Change::Recreate | Change::Delete => AnsiColor::Red,
            Change::Unchanged => AnsiColor::BrightBlack,
        };
        self.style(change.as_str(), Style::new().fg_color(Some(colour.into())))
    }

    pub fn bold(&self, text: &str) -> String {
        self.style(text, Style::new().bold())
    }
}

/// The human form of a plan.
pub fn human(plan: &Plan, colour: bool) -> String {
    let paint = Paint { colour };
    let mut out = String::new();
    if plan.daemonsets.is_empty() {
        out.push_str("No DaemonSets to plan.\n");
        return out;
    }
    // Per DaemonSet: counts of each action.
    let mut counts: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for p in &plan.placements {
        counts.entry(&p.daemonset).or_default()[action_index(p.action)] += 1;
    }
    let names: Vec<String> = plan
        .daemonsets
        .iter()
        .map(|d| format!("{}/{}", d.namespace, d.name))
        .collect();
    let width = names
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max("DAEMONSET".len());
    let header = format!(
        "{:<width$}  {:<9}  {:>7}  {:>6}  {:>6}  {:>6}  {:>7}  {:>6}",
        "DAEMONSET", "CHANGE", "DESIRED", "CREATE", "UPDATE", "DELETE", "BLOCKED", "KEEP"
    );
    let _ = writeln!(out, "{}", paint.bold(&header));
    for (daemonset, name) in plan.daemonsets.iter().zip(&names) {
        let c = counts.get(name.as_str()).copied().unwrap_or_default();
        let change = format!("{:<9}", daemonset.change.as_str());
        let change = change.replacen(
            daemonset.change.as_str(),
            &paint.change(daemonset.change),
            1,
        );
        let _ = writeln!(
            out,
            "{name:<width$}  {change}  {:>7}  {:>6}  {:>6}  {:>6}  {:>7}  {:>6}",
            daemonset.desired,
            c[action_index(Action::Create)],
            c[action_index(Action::Update)],
            c[action_index(Action::Delete)],
            c[action_index(Action::Blocked)],
            c[action_index(Action::Keep)],
        );
    }
    // The placements that need attention, grouped by DaemonSet, action and reason: every
    // change, and the keeps that adopt or release a pod.
    let mut groups: BTreeMap<(&str, Action, &str), Vec<&str>> = BTreeMap::new();
    for p in plan
        .placements
        .iter()
        .filter(|p| p.action != Action::Keep || p.notable)
    {
        groups
            .entry((&p.daemonset, p.action, &p.reason))
            .or_default()
            .push(&p.node);
    }
    let mut current = "";
    for ((daemonset, action, reason), nodes) in &groups {
        if *daemonset != current {
            let _ = write!(out, "\n{}\n", paint.bold(daemonset));
            current = daemonset;
        }
        let _ = writeln!(
            out,
            "  {} on {}: {reason}",
            paint.action(*action),
            super::count(nodes.len(), "node")
        );
        let shown: Vec<&str> = nodes.iter().take(NODES_SHOWN).copied().collect();
        let more = nodes.len().saturating_sub(NODES_SHOWN);
        let _ = write!(out, "    {}", shown.join(", "));
        if more > 0 {
            let _ = write!(out, " and {more} more (--format json lists every one)");
        }
        out.push('\n');
    }
    let s = &plan.summary;
    let _ = write!(
        out,
        "\nPlan: {} to create, {} to update, {} to delete, {} blocked, {} to keep.\n",
        s.create, s.update, s.delete, s.blocked, s.keep
    );
    out
}

fn action_index(action: Action) -> usize {
    match action {
        Action::Create => 0,
        Action::Update => 1,
        Action::Delete => 2,
        Action::Blocked => 3,
        Action::Keep => 4,
    }
}
