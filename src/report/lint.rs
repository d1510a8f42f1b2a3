//! lint's findings in the four formats: human (rustc-like snippets, grouped by file),
//! JSON (the `LintReport` of `schemas/lint.schema.json`), SARIF 2.1.0, and GitHub Actions
//! workflow commands.

use anstyle::Style;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

use everynode_core::diagnostic::{Code, Diagnostic, Severity};
use everynode_core::lint::Linted;

/// `lint --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields, title = "everynode lint report")]
pub struct LintReport {
    /// Always `everynode.dev/v1alpha1`.
    pub api_version: String,
    /// Always `LintReport`.
    pub kind: String,
    pub summary: LintSummary,
    /// By file, position and rule.
    pub findings: Vec<Finding>,
    /// Findings an inline comment or the configuration file silenced.
    pub suppressed: Vec<SuppressedFinding>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct LintSummary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub suppressed: usize,
}

/// One finding.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Finding {
    /// The stable rule id (`everynode schema` and the README list them).
    pub rule: String,
    pub severity: FindingSeverity,
    pub message: String,
    pub help: Option<String>,
    /// `null` for a finding about the cluster rather than a file.
    pub file: Option<String>,
    /// 1-based.
    pub line: Option<usize>,
    /// 1-based, in characters.
    pub column: Option<usize>,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    Error,
    Warning,
}

/// A silenced finding and what silenced it.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct SuppressedFinding {
    pub finding: Finding,
    /// `comment`, or the configuration file and the reason it gives.
    pub suppressed_by: String,
}

fn finding(d: &Diagnostic) -> Finding {
    let position = d.line_column();
    Finding {
        rule: d.code.as_str().to_string(),
        severity: match d.severity {
            Severity::Error => FindingSeverity::Error,
            Severity::Warning => FindingSeverity::Warning,
        },
        message: d.message.clone(),
        help: d.help.clone(),
        file: d.file.as_ref().map(|f| f.name()),
        line: position.map(|(l, _)| l),
        column: position.map(|(_, c)| c),
    }
}

/// The report as a value.
pub fn report(linted: &Linted) -> LintReport {
    let count = |s: Severity| linted.findings.iter().filter(|d| d.severity == s).count();
    LintReport {
        api_version: everynode_core::compare::PLAN_API_VERSION.to_string(),
        kind: "LintReport".to_string(),
        summary: LintSummary {
            files: linted.files,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            suppressed: linted.suppressed.len(),
        },
        findings: linted.findings.iter().map(finding).collect(),
        suppressed: linted
            .suppressed
            .iter()
            .map(|s| SuppressedFinding {
                finding: finding(&s.finding),
                suppressed_by: s.by.clone(),
            })
            .collect(),
    }
}

/// `--format json`.
pub fn json(linted: &Linted) -> String {
    let mut text = serde_json::to_string_pretty(&report(linted)).unwrap_or_default();
    text.push('\n');
    text
}

/// `--format markdown`: a table of the findings per rule first, then the findings of each
/// file folded in a `<details>` block; bounded as a pull-request comment must be.
pub fn markdown(linted: &Linted) -> String {
    use super::markdown::escape;
    let report = report(linted);
    let s = &report.summary;
    let mut head = format!(
        "## everynode lint\n\n**{} in {}, {} suppressed.**\n\n",
        [
            super::count(s.errors, "error"),
            super::count(s.warnings, "warning")
        ]
        .join(", "),
        super::count(s.files, "file"),
        s.suppressed
    );
    if report.findings.is_empty() {
        head.push_str("No findings.\n");
        return head;
    }
    let mut rules: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    for f in &report.findings {
        let severity = match f.severity {
            FindingSeverity::Error => "error",
            FindingSeverity::Warning => "warning",
        };
        *rules.entry((f.rule.as_str(), severity)).or_default() += 1;
    }
    head.push_str("| rule | severity | findings |\n| --- | --- | ---: |\n");
    for ((rule, severity), n) in &rules {
        head.push_str(&format!("| `{rule}` | {severity} | {n} |\n"));
    }
    let mut by_file: std::collections::BTreeMap<&str, Vec<&Finding>> = Default::default();
    for f in &report.findings {
        by_file
            .entry(f.file.as_deref().unwrap_or("(the cluster)"))
            .or_default()
            .push(f);
    }
    let sections = by_file
        .into_iter()
        .map(|(file, findings)| {
            let mut section = super::markdown::Section {
                open: format!(
                    "\n<details><summary><code>{}</code>: {}</summary>\n\n",
                    super::markdown::html(file),
                    super::count(findings.len(), "finding")
                ),
                lines: Vec::new(),
                close: "\n</details>\n".to_string(),
                item: "finding",
            };
            for f in findings {
                let at = match (f.line, f.column) {
                    (Some(l), Some(c)) => format!("{l}:{c} "),
                    _ => String::new(),
                };
                let mark = match f.severity {
                    FindingSeverity::Error => ":x:",
                    FindingSeverity::Warning => ":warning:",
                };
                let mut line = format!("- {mark} {at}`{}`: {}", f.rule, escape(&f.message));
                if let Some(help) = &f.help {
                    line.push_str(&format!("<br>_{}_", escape(help)));
                }
                line.push('\n');
                section.lines.push(line);
            }
            section
        })
        .collect();
    super::markdown::bounded(
        head,
        sections,
        super::markdown::LIMIT,
        "file",
        "`--format json` has everything",
    )
}

/// The human form: the findings of each file under its name, as diagnostics with source
/// snippets (findings about the cluster last), then a summary line.
pub fn human(linted: &Linted, colour: bool, width: usize) -> String {
    let mut groups: Vec<(Option<String>, Vec<Diagnostic>)> = Vec::new();
    for d in &linted.findings {
        let file = d.file.as_ref().map(|f| f.name());
        match groups.iter_mut().find(|(f, _)| *f == file) {
            Some((_, group)) => group.push(d.clone()),
            None => groups.push((file, vec![d.clone()])),
        }
    }
    groups.sort_by_key(|(file, _)| (file.is_none(), file.clone()));
    let mut text = String::new();
    for (file, group) in &groups {
        let errors = group
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let warnings = group.len() - errors;
        let mut counts = Vec::new();
        if errors > 0 {
            counts.push(super::count(errors, "error"));
        }
        if warnings > 0 {
            counts.push(super::count(warnings, "warning"));
        }
        let name = file.as_deref().unwrap_or("the cluster (--state)");
        let header = format!("── {name}: {}", counts.join(", "));
        let header = if colour {
            let bold = Style::new().bold();
            format!("{bold}{header}{bold:#}")
        } else {
            header
        };
        text.push_str(&header);
        text.push_str("\n\n");
        text.push_str(&super::diagnostics::render(group, colour, width));
        text.push('\n');
    }
    let r = report(linted);
    let mut summary = format!(
        "{}, {} in {}",
        super::count(r.summary.errors, "error"),
        super::count(r.summary.warnings, "warning"),
        super::count(r.summary.files, "file"),
    );
    if r.summary.suppressed > 0 {
        summary.push_str(&format!(" ({} suppressed)", r.summary.suppressed));
    }
    text.push_str(&summary);
    text.push('\n');
    text
}

/// `--format github`: one workflow command per finding, which GitHub Actions shows as an
/// annotation on the line. Messages escape `%`, CR and LF as the runner asks.
pub fn github(linted: &Linted) -> String {
    let escape = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let property = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for d in &linted.findings {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut properties = Vec::new();
        if let Some(file) = &d.file {
            properties.push(format!("file={}", property(&file.name())));
        }
        if let Some((line, column)) = d.line_column() {
            properties.push(format!("line={line},col={column}"));
        }
        properties.push(format!("title=everynode {}", property(d.code.as_str())));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{level} {}::{}\n",
            properties.join(","),
            escape(&message)
        ));
    }
    out
}

/// `--format sarif`: SARIF 2.1.0, one run, every rule everynode has with its summary, a
/// result per finding with its physical location; suppressed findings are results with
/// a `suppressions` entry, as the standard intends.
pub fn sarif(linted: &Linted) -> String {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|code| {
            json!({
                "id": code.as_str(),
                "name": code.as_str(),
                "shortDescription": {"text": code.summary()},
                "fullDescription": {"text": code.summary()},
                "help": {"text": format!("{}; every finding says how to fix it", code.summary())},
                "defaultConfiguration": {"level": level(code.default_severity())},
            })
        })
        .collect();
    let rule_index = |code: Code| {
        Code::ALL
            .iter()
            .position(|c| *c == code)
            .unwrap_or_default()
    };
    let result = |d: &Diagnostic, suppressed_by: Option<&str>| {
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let mut result = json!({
            "ruleId": d.code.as_str(),
            "ruleIndex": rule_index(d.code),
            "level": level(d.severity),
            "message": {"text": message},
        });
        if let (Some(file), Some((line, column))) = (&d.file, d.line_column()) {
            result["locations"] = json!([{
                "physicalLocation": {
                    "artifactLocation": artifact_location(&file.repository_name()),
                    "region": {"startLine": line, "startColumn": column},
                }
            }]);
        }
        if let Some(by) = suppressed_by {
            result["suppressions"] = json!([{
                "kind": if by == "comment" { "inSource" } else { "external" },
                "justification": by,
            }]);
        }
        result
    };
    let results: Vec<Value> = linted
        .findings
        .iter()
        .map(|d| result(d, None))
        .chain(
            linted
                .suppressed
                .iter()
                .map(|s| result(&s.finding, Some(&s.by))),
        )
        .collect();
    let log = json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "everynode",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A SARIF artifactLocation: a relative path as a URI reference under `%SRCROOT%`, an
/// absolute one (outside the current directory) as a `file://` URI.
fn artifact_location(path: &str) -> Value {
    if path.starts_with('/') {
        json!({"uri": format!("file://{}", uri_encoded(path))})
    } else {
        json!({"uri": uri_encoded(path), "uriBaseId": "%SRCROOT%"})
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters and `/`, byte by
/// byte of the UTF-8, so any file name makes a valid URI reference.
fn uri_encoded(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_become_uri_references() {
        assert_eq!(uri_encoded("daemons/agent.kdl"), "daemons/agent.kdl");
        assert_eq!(uri_encoded("a,b:c%d e.yaml"), "a%2Cb%3Ac%25d%20e.yaml");
        assert_eq!(uri_encoded("ü.yaml"), "%C3%BC.yaml");
        assert_eq!(
            artifact_location("/srv/a b.yaml"),
            json!({"uri": "file:///srv/a%20b.yaml"})
        );
    }

    /// The header of a file's findings is bold with colour on: the bytes the raw escape
    /// wrote before anstyle did.
    #[test]
    fn the_header_is_bold_only_with_colour() {
        let linted = Linted {
            findings: vec![Diagnostic::new(Code::io_error, "cannot read")],
            ..Linted::default()
        };
        let header = "── the cluster (--state): 1 error";
        let coloured = human(&linted, true, 100);
        assert!(
            coloured.starts_with(&format!("\x1b[1m{header}\x1b[0m\n\n")),
            "{coloured:?}"
        );
        let plain = human(&linted, false, 100);
        assert!(plain.starts_with(&format!("{header}\n\n")), "{plain:?}");
        assert!(!plain.contains('\x1b'), "{plain:?}");
    }
}
