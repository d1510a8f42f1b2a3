//! Coverage as people read it (a matrix of daemons by pools, what needs attention, the
//! daemon tax of each pool), as Markdown for a pull request, and as JSON.

use std::collections::BTreeMap;
use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use everynode_core::coverage::pools::UNREGISTERED;
use everynode_core::coverage::{Cell, Coverage, PoolCoverage, Reach};

use super::markdown::{code, html};
use super::plan::Paint;

/// The coverage document, pretty-printed, fields in the order of DESIGN.md.
pub fn json(coverage: &Coverage) -> String {
    let mut text = serde_json::to_string_pretty(coverage).unwrap_or_default();
    text.push('\n');
    text
}

/// `default`, `some: gpu`, `BLOCKED`: what runs of a daemon on a pool, `-` for nothing.
fn cell_text(cells: &[&Cell]) -> String {
    if cells.is_empty() {
        return "-".to_string();
    }
    let words: Vec<String> = cells
        .iter()
        .map(|c| {
            let class = c.class.as_deref().unwrap_or("yes");
            match c.coverage {
                Reach::All => class.to_string(),
                Reach::Some => format!("some: {class}"),
                Reach::Blocked => "BLOCKED".to_string(),
                Reach::None => "-".to_string(),
            }
        })
        .collect();
    words.join(", ")
}

/// The matrix: a row per daemon, a column per pool.
fn matrix(coverage: &Coverage) -> (Vec<String>, Vec<Vec<String>>) {
    let daemons = &coverage.daemons;
    let header: Vec<String> = std::iter::once("DAEMON".to_string())
        .chain(coverage.pools.iter().map(pool_heading))
        .collect();
    // Each pool's cells by daemon, grouped once: a lookup per table cell, not a scan.
    let by_daemon: Vec<BTreeMap<&str, Vec<&Cell>>> = coverage
        .pools
        .iter()
        .map(|p| {
            let mut cells: BTreeMap<&str, Vec<&Cell>> = BTreeMap::new();
            for c in &p.daemonsets {
                cells.entry(&c.daemon).or_default().push(c);
            }
            cells
        })
        .collect();
    let rows = daemons
        .iter()
        .map(|d| {
            std::iter::once(d.to_string())
                .chain(
                    by_daemon
                        .iter()
                        .map(|cells| cell_text(cells.get(d.as_str()).map_or(&[], Vec::as_slice))),
                )
                .collect()
        })
        .collect();
    (header, rows)
}

/// `gpu (NodePool)`, `system (3 nodes, 1 cordoned)`.
fn pool_heading(p: &PoolCoverage) -> String {
    match p.nodes {
        None => format!("{} (NodePool)", p.name),
        Some(n) => {
            let mut parts = vec![super::count(n, "node")];
            if p.cordoned > 0 {
                parts.push(format!("{} cordoned", p.cordoned));
            }
            if p.not_ready > 0 {
                parts.push(format!("{} NotReady", p.not_ready));
            }
            format!("{} ({})", p.name, parts.join(", "))
        }
    }
}

/// `cpu 350m, memory 448Mi, pods 4`.
fn quantities(map: &BTreeMap<String, String>) -> String {
    let list: Vec<String> = map.iter().map(|(r, q)| format!("{r} {q}")).collect();
    if list.is_empty() {
        "-".to_string()
    } else {
        list.join(", ")
    }
}

/// The human form.
pub fn human(coverage: &Coverage, colour: bool) -> String {
    let paint = Paint { colour };
    let mut out = String::new();
    if coverage.pools.is_empty() {
        out.push_str("No node pools.\n");
        return out;
    }
    let (header, rows) = matrix(coverage);
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            std::iter::once(&header[i])
                .chain(rows.iter().map(|r| &r[i]))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let _ = writeln!(out, "{}", paint.bold(&line(&header)));
    for row in &rows {
        let text = line(row);
        let text = text.replace(
            "BLOCKED",
            &paint.style(
                "BLOCKED",
                Style::new().fg_color(Some(AnsiColor::Magenta.into())),
            ),
        );
        let _ = writeln!(out, "{text}");
    }
    for pool in &coverage.pools {
        let _ = write!(out, "\n{} ({})\n", paint.bold(&pool.name), pool.source);
        for cell in pool.daemonsets.iter().filter(|c| worth_saying(pool, c)) {
            let word = match cell.coverage {
                Reach::Blocked => paint.style(
                    "blocked",
                    Style::new().fg_color(Some(AnsiColor::Red.into())),
                ),
                other => other.as_str().to_string(),
            };
            let _ = writeln!(out, "  {word} {}: {}", cell.daemonset, cell.reason);
        }
        for cell in &pool.missed {
            let _ = writeln!(out, "  none {}: {}", cell.daemonset, cell.reason);
        }
        if pool.kind == "NodePool" {
            let _ = writeln!(
                out,
                "  (a daemon that does not tolerate {UNREGISTERED} starts once Karpenter registers the node and removes it)"
            );
        }
        let _ = writeln!(out, "  {}", tax_line(pool));
        for why in &pool.attention {
            let mark = paint.style(
                "attention",
                Style::new().fg_color(Some(AnsiColor::Red.into())),
            );
            let _ = writeln!(out, "  {mark}: {why}");
        }
    }
    let count: usize = coverage.pools.iter().map(|p| p.attention_count()).sum();
    let _ = write!(
        out,
        "\nCoverage: {} , {} to look at.\n",
        super::count(coverage.pools.len(), "pool"),
        count
    );
    out.replace(" ,", ",")
}

/// The Markdown form: the matrix first, then per pool the details folded in `<details>`.
pub fn markdown(coverage: &Coverage) -> String {
    let mut out = String::from("## everynode coverage\n\n");
    let attention: usize = coverage.pools.iter().map(|p| p.attention_count()).sum();
    let _ = writeln!(
        out,
        "{} , {} to look at.\n",
        super::count(coverage.pools.len(), "pool"),
        attention
    );
    let (header, rows) = matrix(coverage);
    let _ = writeln!(
        out,
        "| {} |",
        header
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(out, "|{}", " --- |".repeat(header.len()));
    for row in &rows {
        let _ = writeln!(
            out,
            "| {} |",
            row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        );
    }
    let mut sections = Vec::new();
    for pool in &coverage.pools {
        let mut lines = Vec::new();
        // What needs a person and the tax first: a cut keeps them.
        for why in &pool.attention {
            lines.push(format!("- **attention**: {}\n", inline(why)));
        }
        lines.push(format!("- {}\n", inline(&tax_line(pool))));
        for c in &pool.missed {
            lines.push(format!(
                "- none {}: {}\n",
                code(&c.daemonset),
                inline(&c.reason)
            ));
        }
        for c in pool.daemonsets.iter().filter(|c| worth_saying(pool, c)) {
            let word = match c.coverage {
                Reach::Blocked => "**blocked**",
                other => other.as_str(),
            };
            lines.push(format!(
                "- {word} {}: {}\n",
                code(&c.daemonset),
                inline(&c.reason)
            ));
        }
        sections.push(super::markdown::Section {
            open: format!(
                "\n<details><summary>{} ({})</summary>\n\n",
                html(&pool.name),
                html(&pool.source)
            ),
            lines,
            close: "\n</details>\n".to_string(),
            item: "line",
        });
    }
    super::markdown::bounded(
        out.replace(" ,", ","),
        sections,
        super::markdown::LIMIT,
        "pool",
        "`--format json` has everything",
    )
}

/// `daemon pods per node: cpu 350m, memory 448Mi, pods 4 (allocatable of its smallest
/// node: …)`.
fn tax_line(pool: &PoolCoverage) -> String {
    let allocatable = pool
        .allocatable
        .as_ref()
        .map_or_else(|| "unknown (a NodePool)".to_string(), quantities);
    format!(
        "daemon pods per node: {} (allocatable of its smallest node: {allocatable})",
        quantities(&pool.requests)
    )
}

/// A cell whose reason the details show: not every node of the pool, or every node but
/// only once a startup taint is gone.
fn worth_saying(pool: &PoolCoverage, cell: &Cell) -> bool {
    (cell.coverage != Reach::All || cell.reason.contains("starts once"))
        // Said once, as what needs attention.
        && !pool
            .attention
            .contains(&format!("{}: {}", cell.daemonset, cell.reason))
}

/// Text for a table cell: no markup, pipes or line breaks.
fn cell(text: &str) -> String {
    super::markdown::escape(text)
}

/// Inline Markdown text with its special characters escaped.
fn inline(text: &str) -> String {
    super::markdown::escape(text)
}
