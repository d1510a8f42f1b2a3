//! `diff` as people read it: a unified diff per DaemonSet (live, then rendered, both as
//! YAML rendered the same way), with a header saying what applying does; red and green on
//! a terminal.

use anstyle::{AnsiColor, Style};
use similar::TextDiff;

use crate::report::manifests::yaml_document;
use crate::report::plan::Paint;
use everynode_core::compare::diff::{Difference, Kind};

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// What applying does to the DaemonSet.
fn note(kind: Kind) -> &'static str {
    match kind {
        Kind::Create => "not in the state: created",
        Kind::Update => "updated",
        Kind::Recreate => "spec.selector changes, and it is immutable: deleted and created again",
        Kind::Prune => "managed by everynode and no longer rendered: deleted",
    }
}

/// The unified diff of the live object against the rendered one, as YAML.
fn unified(d: &Difference) -> String {
    let key = format!("{}/{}", d.namespace, d.name);
    let live = d.live.as_ref().map(yaml_document).unwrap_or_default();
    let rendered = d.rendered.as_ref().map(yaml_document).unwrap_or_default();
    TextDiff::from_lines(&live, &rendered)
        .unified_diff()
        .context_radius(CONTEXT)
        .header(&format!("live/{key}"), &format!("rendered/{key}"))
        .to_string()
}

/// The Markdown form: a table of what changes, then each diff folded in a `<details>`
/// block as a `diff` code block; bounded as a pull-request comment must be.
pub fn markdown(differences: &[Difference]) -> String {
    let mut head = String::from("## everynode diff\n\n");
    if differences.is_empty() {
        head.push_str("Nothing differs.\n");
        return head;
    }
    head.push_str("| DaemonSet | change | source |\n| --- | --- | --- |\n");
    for d in differences {
        head.push_str(&format!(
            "| {} | {} | {} |\n",
            super::markdown::cell_code(&format!("{}/{}", d.namespace, d.name)),
            super::markdown::escape(note(d.kind)),
            super::markdown::cell_code(&d.source)
        ));
    }
    let sections = differences
        .iter()
        .map(|d| {
            // A fence longer than any run of backticks in the text keeps it whole.
            let text = unified(d);
            let fence = "`".repeat(longest_backtick_run(&text).max(2) + 1);
            super::markdown::Section {
                open: format!(
                    "\n<details><summary><code>{}</code>: {}</summary>\n\n{fence}diff\n",
                    super::markdown::html(&format!("{}/{}", d.namespace, d.name)),
                    d.kind.as_str()
                ),
                lines: text.split_inclusive('\n').map(str::to_string).collect(),
                close: format!("{fence}\n\n</details>\n"),
                item: "line",
            }
        })
        .collect();
    super::markdown::bounded(
        head,
        sections,
        super::markdown::LIMIT,
        "DaemonSet",
        "`everynode diff` without `--format markdown` shows every difference",
    )
}

/// The longest run of backticks in a text.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

pub fn human(differences: &[Difference], colour: bool) -> String {
    let paint = Paint { colour };
    let mut out = String::new();
    for d in differences {
        let key = format!("{}/{}", d.namespace, d.name);
        out.push_str(&paint.bold(&format!(
            "{} {key} ({}): {}",
            d.kind.as_str(),
            d.source,
            note(d.kind)
        )));
        out.push('\n');
        for line in unified(d).lines() {
            let style = match line.as_bytes().first() {
                Some(b'+') => Some(AnsiColor::Green),
                Some(b'-') => Some(AnsiColor::Red),
                Some(b'@') => Some(AnsiColor::Cyan),
                _ => None,
            };
            let line = match style {
                Some(c) => paint.style(line, Style::new().fg_color(Some(c.into()))),
                None => line.to_string(),
            };
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}
