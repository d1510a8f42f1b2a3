//! `lint --format gitlab`: the findings as a GitLab Code Quality report
//! (`artifacts:reports:codequality`), the subset of the Code Climate issue format GitLab
//! reads: a JSON array of issues, each with `description`, `check_name`, `fingerprint`,
//! `severity` and `location.path` with `location.lines.begin`.
//! `schemas/gitlab-code-quality.schema.json` is that format as GitLab documents it, and a
//! test holds the output to it.
//!
//! - `severity`: an error is `major`, a warning `minor`. GitLab orders its merge-request
//!   widget by severity; `critical` and `blocker` are left to tools that find crashes and
//!   vulnerabilities, and an everynode error (the API server would refuse the object, two
//!   DaemonSets would take one node) is a defect of the change, which is what `major` means
//!   in Code Climate's scale.
//! - `fingerprint`: GitLab compares the reports of the source and target branches by
//!   fingerprint, so it must be the same on every run and machine and differ between
//!   findings: the SHA-256 of the rule, path and message (never Rust's hasher,
//!   randomized per process), not the line, so a finding that moves when lines are added
//!   above it keeps its identity; for a finding identical to an earlier one of the
//!   report, its count too.
//! - `location.path` is relative to the repository (no `./`), as GitLab wants it; a
//!   finding about the cluster (`--state`) rather than a file has the path `<cluster>`.
//! - Suppressed findings are left out: GitLab has no place for them.
//! - The help goes in `content.body`, the Code Climate field for an issue's explanation.

use serde::Serialize;

use everynode_core::diagnostic::Severity;
use everynode_core::lint::Linted;

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Content>,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

#[derive(Serialize)]
struct Content {
    body: String,
}

/// The path of a finding that is about the cluster rather than a file.
const CLUSTER_PATH: &str = "<cluster>";

/// `--format gitlab`.
pub fn code_quality(linted: &Linted) -> String {
    let mut seen = std::collections::HashMap::new();
    let issues: Vec<Issue> = linted
        .findings
        .iter()
        .map(|d| {
            let path = d
                .file
                .as_ref()
                .map_or_else(|| CLUSTER_PATH.to_string(), |f| f.repository_name());
            let (line, _) = d.line_column().unwrap_or((1, 1));
            // Rule, file and message, not the line: a finding that moves when lines are
            // added above it stays the same issue in GitLab's merge-request widget.
            let key = format!("{}\0{path}\0{}", d.code.as_str(), d.message);
            let occurrence = seen.entry(key.clone()).or_insert(0usize);
            let hashed = if *occurrence == 0 {
                key
            } else {
                format!("{key}\0{occurrence}")
            };
            *occurrence += 1;
            Issue {
                description: d.message.clone(),
                check_name: d.code.as_str(),
                fingerprint: fingerprint(&hashed),
                severity: match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                },
                location: Location {
                    path,
                    lines: Lines { begin: line },
                },
                content: d.help.as_ref().map(|help| Content { body: help.clone() }),
            }
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_default();
    text.push('\n');
    text
}

/// The lowercase hexadecimal SHA-256 of `text`.
fn fingerprint(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use everynode_core::diagnostic::{Code, Diagnostic};
    use everynode_core::source::SourceFile;

    /// A finding that moves down a line is the same issue to GitLab.
    #[test]
    fn a_finding_that_moves_keeps_its_fingerprint() {
        let at = |text: &str| {
            let file = SourceFile::new("a.yaml", text);
            let offset = text.find("kind").unwrap();
            let linted = Linted {
                findings: vec![Diagnostic::new(Code::image_latest, "tagged latest").at(
                    &file,
                    (offset, 4),
                    "here",
                )],
                ..Linted::default()
            };
            let v: serde_json::Value = serde_json::from_str(&code_quality(&linted)).unwrap();
            v[0]["fingerprint"].as_str().unwrap().to_string()
        };
        assert_eq!(
            at("kind: DaemonSet\n"),
            at("# a comment\nkind: DaemonSet\n")
        );
    }

    /// Two findings alike in rule, place and message (two containers of one name, say)
    /// are two issues with two fingerprints; the first keeps the one it has alone.
    #[test]
    fn identical_findings_get_distinct_fingerprints() {
        let file = SourceFile::new("a.yaml", "kind: DaemonSet\n");
        let finding =
            Diagnostic::new(Code::image_latest, "tagged latest").at(&file, (0, 4), "here");
        let alone = Linted {
            findings: vec![finding.clone()],
            ..Linted::default()
        };
        let twice = Linted {
            findings: vec![finding.clone(), finding],
            ..Linted::default()
        };
        let prints = |linted: &Linted| -> Vec<String> {
            let issues: serde_json::Value =
                serde_json::from_str(&code_quality(linted)).unwrap_or_default();
            issues
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| i["fingerprint"].as_str().unwrap_or_default().to_string())
                .collect()
        };
        let (alone, twice) = (prints(&alone), prints(&twice));
        assert_eq!(twice.len(), 2);
        assert_ne!(twice[0], twice[1]);
        assert_eq!(alone[0], twice[0]);
    }

    /// The fingerprint is SHA-256, the same on every machine: the digest of "abc" from
    /// FIPS 180-2.
    #[test]
    fn the_fingerprint_is_sha256() {
        assert_eq!(
            fingerprint("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
