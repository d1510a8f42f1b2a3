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

pub fn human(differences: &[Difference], colour: bool) -> String {
    let paint = Paint { colour };
    let mut out = String::new();
    for d in differences {
        let key = format!("{}/{}", d.namespace, d.name);
        let note = match d.kind {
            Kind::Create => "not in the state: created",
            Kind::Update => "updated",
            Kind::Recreate => {
                "spec.selector changes, and it is immutable: deleted and created again"
            }
            Kind::Prune => "managed by everynode and no longer rendered: deleted",
        };
        out.push_str(&paint.bold(&format!("{} {key} ({}): {note}", d.kind.as_str(), d.source)));
        out.push('\n');
        let live = d.live.as_ref().map(yaml_document).unwrap_or_default();
        let rendered = d.rendered.as_ref().map(yaml_document).unwrap_or_default();
        let diff = TextDiff::from_lines(&live, &rendered);
        let text = diff
            .unified_diff()
            .context_radius(CONTEXT)
            .header(&format!("live/{key}"), &format!("rendered/{key}"))
            .to_string();
        for line in text.lines() {
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
