//! A plan as people read it (a table a person takes in at a glance, then the placements
//! that need attention, grouped by reason) and as JSON.

use std::collections::BTreeMap;
use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use everynode_core::compare::rollout::{duration, time_bound};
use everynode_core::compare::{Action, Change, Plan, Rollout, Stall};
use everynode_core::diagnostic::{Code, Severity};

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
    let counts = counts(plan);
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
    let mut current = "";
    for ((daemonset, action, reason), nodes) in &groups(plan) {
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
    rollouts(plan, &names, &paint, &mut out);
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

/// Per DaemonSet (`namespace/name`): how many placements have each action.
fn counts(plan: &Plan) -> BTreeMap<&str, [usize; 5]> {
    let mut counts: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for p in &plan.placements {
        counts.entry(&p.daemonset).or_default()[action_index(p.action)] += 1;
    }
    counts
}

/// The placements that need attention, grouped by DaemonSet, action and reason: every
/// change, and the keeps that adopt or release a pod.
type Groups<'p> = BTreeMap<(&'p str, Action, &'p str), Vec<&'p str>>;

fn groups(plan: &Plan) -> Groups<'_> {
    let mut groups = Groups::new();
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
    groups
}

/// The Markdown form, for a pull-request comment or a step summary: the summary table
/// first, then per DaemonSet with something to see, its placements and rollout folded in a
/// `<details>` block; bounded to [`super::markdown::LIMIT`].
pub fn markdown(plan: &Plan) -> String {
    use super::markdown::escape;
    let s = &plan.summary;
    let mut head = format!(
        "## everynode plan\n\n**{} to create, {} to update, {} to delete, {} blocked, {} to keep.**\n\n",
        s.create, s.update, s.delete, s.blocked, s.keep
    );
    if plan.daemonsets.is_empty() {
        head.push_str("No DaemonSets to plan.\n");
        return head;
    }
    head.push_str(
        "| DaemonSet | change | desired | create | update | delete | blocked | keep | rollout stalls |\n",
    );
    head.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    let counts = counts(plan);
    for d in &plan.daemonsets {
        let name = format!("{}/{}", d.namespace, d.name);
        let c = counts.get(name.as_str()).copied().unwrap_or_default();
        let change = match d.change {
            Change::Unchanged => "unchanged".to_string(),
            other => format!("**{}**", other.as_str()),
        };
        let stalls: Vec<String> = d
            .rollout
            .iter()
            .flat_map(|r| &r.stalls)
            .map(|s| format!("{} `{}`", stall_mark(&s.code), s.code))
            .collect();
        let _ = writeln!(
            head,
            "| {} | {change} | {} | {} | {} | {} | {} | {} | {} |",
            super::markdown::cell_code(&name),
            d.desired,
            c[action_index(Action::Create)],
            c[action_index(Action::Update)],
            c[action_index(Action::Delete)],
            c[action_index(Action::Blocked)],
            c[action_index(Action::Keep)],
            stalls.join(" "),
        );
    }
    let groups = groups(plan);
    let mut sections = Vec::new();
    for d in &plan.daemonsets {
        let name = format!("{}/{}", d.namespace, d.name);
        let mine: Vec<_> = groups.iter().filter(|((n, ..), _)| *n == name).collect();
        if mine.is_empty() && d.rollout.is_none() {
            continue;
        }
        let mut lines = Vec::new();
        for ((_, action, reason), nodes) in mine {
            let shown: Vec<String> = nodes
                .iter()
                .take(NODES_SHOWN)
                .map(|n| super::markdown::code(n))
                .collect();
            let more = nodes.len().saturating_sub(NODES_SHOWN);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            lines.push(format!(
                "- **{}** on {}: {}<br>{}{more}\n",
                action.as_str(),
                super::count(nodes.len(), "node"),
                escape(reason),
                shown.join(", ")
            ));
        }
        if let Some(r) = &d.rollout {
            lines.push("\n**Rollout**\n\n".to_string());
            for line in rollout_lines(r, d.change) {
                lines.push(format!("- {}\n", escape(&line)));
            }
            if let Some(lost) = lost_line(r) {
                lines.push(format!("- {}\n", escape(&lost)));
            }
            for stall in &r.stalls {
                lines.push(format!(
                    "- {} `{}`: {}{}\n",
                    stall_mark(&stall.code),
                    stall.code,
                    escape(&stall.message),
                    escape(&stall_nodes(stall))
                ));
            }
        }
        sections.push(super::markdown::Section {
            open: format!(
                "\n<details><summary><code>{}</code>: {}</summary>\n\n",
                super::markdown::html(&name),
                d.change.as_str()
            ),
            lines,
            close: "\n</details>\n".to_string(),
            item: "line",
        });
    }
    super::markdown::bounded(
        head,
        sections,
        super::markdown::LIMIT,
        "DaemonSet",
        "`--format json` has everything",
    )
}

/// The ROLLOUT section: per DaemonSet with pods to replace, how the controller will get
/// there (budget, waves, the time bound), where the recording stands, the nodes it takes
/// the daemon from, and the stalls.
fn rollouts(plan: &Plan, names: &[String], paint: &Paint, out: &mut String) {
    let rolling: Vec<(&String, &Rollout, Change)> = plan
        .daemonsets
        .iter()
        .zip(names)
        .filter_map(|(d, name)| Some((name, d.rollout.as_ref()?, d.change)))
        .collect();
    if rolling.is_empty() {
        return;
    }
    let width = rolling.iter().map(|(n, ..)| n.len()).max().unwrap_or(0);
    let _ = write!(out, "\n{}\n", paint.bold("ROLLOUT"));
    for (name, r, change) in rolling {
        let pad = " ".repeat(width + 2);
        let mut lines = rollout_lines(r, change);
        lines.extend(lost_line(r));
        for stall in &r.stalls {
            let code = paint.style(
                &stall.code,
                Style::new().fg_color(Some(AnsiColor::Red.into())),
            );
            lines.push(format!("{code}: {}{}", stall.message, stall_nodes(stall)));
        }
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                let _ = writeln!(out, "{name:<width$}  {line}");
            } else {
                let _ = writeln!(out, "{pad}{line}");
            }
        }
    }
}

/// `removes the daemon from 2 nodes …: a, b`, when the rollout loses nodes.
fn lost_line(r: &Rollout) -> Option<String> {
    if r.lost.is_empty() {
        return None;
    }
    Some(format!(
        "removes the daemon from {} it should no longer run on (an untolerated NoSchedule taint kept the old pod): {}",
        super::count(r.lost.len(), "node"),
        some_nodes(&r.lost)
    ))
}

/// ` (nodes: a, b and 3 more)`, or nothing for a stall of every node.
fn stall_nodes(stall: &Stall) -> String {
    if stall.nodes.is_empty() {
        String::new()
    } else {
        format!(" (nodes: {})", some_nodes(&stall.nodes))
    }
}

/// `a, b, c, d, e and 3 more`.
fn some_nodes(nodes: &[String]) -> String {
    let shown: Vec<&str> = nodes.iter().take(NODES_SHOWN).map(String::as_str).collect();
    match nodes.len().saturating_sub(NODES_SHOWN) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// `:x:` for a stall that is an error (the rollout stops), `:warning:` for a warning.
fn stall_mark(code: &str) -> &'static str {
    match Code::ALL.iter().find(|c| c.as_str() == code) {
        Some(c) if c.default_severity() == Severity::Error => ":x:",
        _ => ":warning:",
    }
}

/// The budget and waves of one rollout, then the recording's progress.
fn rollout_lines(r: &Rollout, change: Change) -> Vec<String> {
    let pods = |n: usize| super::count(n, "pod");
    let mut lines = Vec::new();
    if let Some(adopted) = r.recreate {
        lines.push(format!(
            "recreate  deleting the DaemonSet deletes its {} (kubectl's default cascade), then the new one creates one on each of {}: each node runs no copy until its new pod is ready{}",
            pods(r.to_update),
            super::count(r.desired, "node"),
            if r.min_ready_seconds > 0 {
                format!(" and {} more (minReadySeconds)", duration(r.min_ready_seconds))
            } else {
                String::new()
            }
        ));
        lines.push(if adopted {
            "with --cascade=orphan the old pods keep running and the new selector selects them: the new DaemonSet adopts them and replaces them by its update strategy, with no gap".to_string()
        } else {
            "with --cascade=orphan the old pods keep running but the new selector does not select them: each node runs two copies until they are deleted by hand".to_string()
        });
        return lines;
    }
    debug_assert!(change != Change::Recreate);
    if r.strategy == "OnDelete" {
        lines.push(format!(
            "OnDelete       {} {} the old template until each is deleted",
            pods(r.to_update),
            if r.to_update == 1 { "keeps" } else { "keep" }
        ));
    } else {
        // A percentage is of the desired nodes; an integer is the budget itself.
        let of = if r.budget_from.ends_with('%') {
            format!("{} of {}", r.budget_from, r.desired)
        } else {
            r.budget_from.clone()
        };
        let (at_a_time, how) = if r.max_surge > 0 {
            (
                r.max_surge,
                format!("maxSurge {of}: each new pod starts beside the old one"),
            )
        } else {
            (r.max_unavailable, format!("maxUnavailable {of}"))
        };
        lines.push(format!(
            "RollingUpdate  {} to update, {at_a_time} at a time ({how})",
            pods(r.to_update)
        ));
        let waves = super::count(r.waves.len(), "wave");
        lines.push(format!(
            "{waves}; {}",
            time_bound(r.min_seconds, r.min_ready_seconds)
        ));
    }
    if r.updated > 0 || r.unavailable_now > 0 {
        lines.push(format!(
            "now: {} updated, {} available, {} unavailable of {} desired",
            r.updated, r.available, r.unavailable_now, r.desired
        ));
    }
    lines
}
