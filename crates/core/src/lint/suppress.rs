//! Silencing a finding where it is intended: an inline comment naming the rule, on the
//! finding's line or the line above it (`# everynode:allow image_latest` in YAML,
//! `// everynode:allow missing_requests` in KDL), or a repository-wide entry in the
//! configuration file:
//!
//! ```yaml
//! # .everynode.yaml
//! lint:
//!   allow:
//!     - rule: missing_requests          # everywhere
//!       reason: requests are set by a LimitRange
//!     - rule: image_latest
//!       paths: [vendor/]               # only for files under these path prefixes
//!   exclude: [charts/agent/templates/] # not read at all (Helm templates are not YAML)
//!   slowRolloutWaves: 100              # slow_rollout beyond this many waves
//! ```
//!
//! Paths name files or folders (whole segments), relative to the current directory as the
//! PATHs name the files.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use crate::compare::SLOW_ROLLOUT_WAVES;
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::SourceFile;

/// The marker of an inline suppression.
pub const MARKER: &str = "everynode:allow";

/// The configuration file `lint` reads from the current directory when present.
pub const CONFIG_FILE: &str = ".everynode.yaml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    lint: LintSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LintSection {
    #[serde(default)]
    allow: Vec<AllowEntry>,
    #[serde(default)]
    exclude: Vec<String>,
    /// `slow_rollout` warns beyond this many waves.
    #[serde(default, rename = "slowRolloutWaves")]
    slow_rollout_waves: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowEntry {
    rule: String,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// One repository-wide allowance.
#[derive(Debug, Clone)]
pub struct Allow {
    pub rule: Code,
    /// Path prefixes; empty means every file.
    pub paths: Vec<String>,
    /// Why, as the file says; reported with what it silences.
    pub reason: Option<String>,
}

/// The configuration: where it came from, and what it allows.
#[derive(Debug, Clone)]
pub struct Config {
    pub source: Option<String>,
    pub allow: Vec<Allow>,
    /// Path prefixes lint does not read.
    pub exclude: Vec<String>,
    /// How many waves a rollout may take before `slow_rollout` warns
    /// (`lint.slowRolloutWaves`, [`SLOW_ROLLOUT_WAVES`] when the file leaves it out).
    pub slow_rollout_waves: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            source: None,
            allow: Vec::new(),
            exclude: Vec::new(),
            slow_rollout_waves: SLOW_ROLLOUT_WAVES,
        }
    }
}

impl Config {
    /// Reads a configuration file; problems come with their position. `relative` makes an
    /// absolute configured path relative to the current directory when it lies under it
    /// (the binary's answer: the core does no I/O).
    pub fn parse(
        file: &Arc<SourceFile>,
        relative: &dyn Fn(&Path) -> Option<String>,
    ) -> Result<Config, Vec<Diagnostic>> {
        let parsed: ConfigFile = serde_yaml::from_str(&file.text).map_err(|e| {
            let span = e
                .location()
                .map_or(0, |l| file.offset_of(l.line(), l.column()));
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message);
            vec![
                Diagnostic::new(
                    Code::invalid_config,
                    format!("cannot read {}: {message}", file.name()),
                )
                .at(file, (span, 0), "here")
                .with_help(
                    "the file holds `lint: {allow: [{rule: RULE, paths: [PREFIX], reason: TEXT}], exclude: [PREFIX], slowRolloutWaves: N}`",
                ),
            ]
        })?;
        let mut problems = Vec::new();
        let mut allow = Vec::new();
        for entry in parsed.lint.allow {
            match Code::ALL.iter().find(|c| c.as_str() == entry.rule) {
                Some(rule) => allow.push(Allow {
                    rule: *rule,
                    paths: entry.paths.iter().map(|p| prefix(p, relative)).collect(),
                    reason: entry.reason,
                }),
                None => {
                    let offset = file.text.find(&entry.rule).unwrap_or(0);
                    let names = Code::ALL.iter().map(|c| c.as_str());
                    let help = match did_you_mean(&entry.rule, names) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => {
                            "the rules are listed in the README and in `--format sarif`".to_string()
                        }
                    };
                    problems.push(
                        Diagnostic::new(
                            Code::invalid_config,
                            format!("`{}` is not a rule everynode has", entry.rule),
                        )
                        .at(file, (offset, entry.rule.len()), "unknown rule")
                        .with_help(help),
                    );
                }
            }
        }
        if parsed.lint.slow_rollout_waves == Some(0) {
            let offset = file.text.find("slowRolloutWaves").unwrap_or(0);
            problems.push(
                Diagnostic::new(
                    Code::invalid_config,
                    "lint.slowRolloutWaves is 0: every rollout would be slow".to_string(),
                )
                .at(file, (offset, "slowRolloutWaves".len()), "here")
                .with_help(
                    "give the number of waves beyond which a rollout is slow (100 when left out)",
                ),
            );
        }
        if problems.is_empty() {
            Ok(Config {
                source: Some(file.name().to_string()),
                allow,
                exclude: parsed
                    .lint
                    .exclude
                    .iter()
                    .map(|p| prefix(p, relative))
                    .collect(),
                slow_rollout_waves: parsed.lint.slow_rollout_waves.unwrap_or(SLOW_ROLLOUT_WAVES),
            })
        } else {
            Err(problems)
        }
    }

    /// Whether lint leaves this file unread.
    pub fn excludes(&self, file: &SourceFile) -> bool {
        !self.exclude.is_empty() && under(&file.repository_name(), &self.exclude)
    }

    /// Why a finding is silenced, if it is: the inline comment or the configuration file.
    /// A comment covers its own line and the next; placed just before a KDL `daemon` or
    /// at the head of a YAML document, it covers every finding in that daemon or document.
    /// `commented` says whether the finding's file holds an `everynode:allow` comment at
    /// all (see [`has_comments`]): most do not, and then none is looked for.
    pub fn silences(&self, finding: &Diagnostic, commented: bool) -> Option<String> {
        if let (true, Some(file), Some((line, _))) =
            (commented, &finding.file, finding.line_column())
        {
            let lines: Vec<&str> = file.text.lines().collect();
            let index = line.saturating_sub(1);
            let near = [index.checked_sub(1), Some(index)];
            let head = comments_around(&lines, item_start(&lines, index));
            if near
                .into_iter()
                .flatten()
                .chain(head)
                .filter_map(|i| lines.get(i))
                .any(|text| names_rule(text, finding.code))
            {
                return Some("comment".to_string());
            }
        }
        let path = finding.file.as_ref().map(|f| f.repository_name());
        self.allow
            .iter()
            .find(|a| {
                a.rule == finding.code
                    && (a.paths.is_empty() || path.as_deref().is_some_and(|p| under(p, &a.paths)))
            })
            .map(|a| {
                let source = self.source.as_deref().unwrap_or(CONFIG_FILE);
                match &a.reason {
                    Some(reason) => format!("{source}: {reason}"),
                    None => source.to_string(),
                }
            })
    }
}

/// A configured path as file names are compared with it: no leading `./`, and an
/// absolute path under the current directory made relative to it.
fn prefix(configured: &str, relative: &dyn Fn(&Path) -> Option<String>) -> String {
    let path = Path::new(configured);
    if path.is_absolute()
        && let Some(relative) = relative(path)
    {
        return relative;
    }
    configured.trim_start_matches("./").to_string()
}

/// Whether `path` is one of the files or lies in one of the folders named: whole path
/// segments, so `vendor` covers `vendor/a.yaml` but not `vendor-b/a.yaml`.
fn under(path: &str, prefixes: &[String]) -> bool {
    prefixes.iter().any(|p| {
        let p = p.trim_end_matches('/');
        p.is_empty()
            || p == "."
            || path == p
            || path
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Inline comments that name a rule everynode does not have: the words of the list right
/// after the marker (`everynode:allow a, b`), which would otherwise silence nothing
/// without a word.
pub fn unknown_rules(file: &Arc<SourceFile>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (offset, _) in file.text.match_indices(MARKER) {
        let after = offset + MARKER.len();
        let rest = &file.text[after..];
        let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let mut at = after;
        let mut words = Vec::new();
        // The list: the first word, then each word after one that ends in a comma.
        let mut more = true;
        for word in line.split_inclusive(char::is_whitespace) {
            let start = at;
            at += word.len();
            let trimmed = word.trim();
            if trimmed.is_empty() {
                continue;
            }
            if !more {
                break;
            }
            more = trimmed.ends_with(',');
            for name in trimmed.split(',').filter(|n| !n.is_empty()) {
                let column = start + word.find(name).unwrap_or(0);
                words.push((name, column));
            }
        }
        if words.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::unknown_rule,
                    "this everynode:allow comment names no rule: it silences nothing",
                )
                .at(file, (offset, MARKER.len()), "no rule after it")
                .with_help(
                    "name the rule, as the finding shows it: `everynode:allow image_latest`",
                ),
            );
        }
        for (name, offset) in words {
            if Code::ALL.iter().any(|c| c.as_str() == name) {
                continue;
            }
            let names = Code::ALL.iter().map(|c| c.as_str());
            let help = match did_you_mean(name, names) {
                Some(best) => format!("did you mean `{best}`?"),
                None => "the rules are listed in the README and in `--format sarif`".to_string(),
            };
            out.push(
                Diagnostic::new(
                    Code::unknown_rule,
                    format!("`{name}` is not a rule everynode has: this comment silences nothing"),
                )
                .at(file, (offset, name.len()), "unknown rule")
                .with_help(help),
            );
        }
    }
    out
}

/// The line where the item holding line `index` starts: the KDL `daemon` node, or the
/// YAML document, that encloses it.
fn item_start(lines: &[&str], index: usize) -> usize {
    for i in (0..=index.min(lines.len().saturating_sub(1))).rev() {
        let line = lines[i];
        if line.starts_with("daemon ") || line.starts_with("daemon\t") {
            return i;
        }
        if line.trim_end() == "---" {
            return i + 1;
        }
    }
    0
}

/// The comment lines right above `start` and at the head of the item from `start` on.
fn comments_around(lines: &[&str], start: usize) -> Vec<usize> {
    let is_comment = |i: usize| {
        lines.get(i).is_some_and(|l| {
            let t = l.trim_start();
            t.starts_with('#') || t.starts_with("//")
        })
    };
    let above = (0..start).rev().take_while(|&i| is_comment(i));
    let below = (start..lines.len()).take_while(|&i| is_comment(i));
    above.chain(below).collect()
}

/// Whether a file holds an `everynode:allow` comment anywhere: computed once per file,
/// it spares reading the lines around every finding of the files that have none.
pub fn has_comments(file: &SourceFile) -> bool {
    file.text.contains(MARKER)
}

/// Whether a line carries the marker followed by the rule's name.
fn names_rule(line: &str, rule: Code) -> bool {
    line.split(MARKER).skip(1).any(|rest| {
        rest.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
            .take_while(|w| Code::ALL.iter().any(|c| c.as_str() == *w))
            .any(|w| w == rule.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_names_rules() {
        assert!(names_rule(
            "  # everynode:allow image_latest",
            Code::image_latest
        ));
        assert!(names_rule(
            "image: x # everynode:allow missing_requests, image_latest",
            Code::image_latest
        ));
        assert!(!names_rule(
            "# everynode:allow missing_requests",
            Code::image_latest
        ));
        assert!(!names_rule("# image_latest", Code::image_latest));
    }

    #[test]
    fn inline_comments_naming_no_rule_are_found() {
        let file = SourceFile::new(
            "a.yaml",
            "# everynode:allow image_latest, missing-requests -- a reason, with words\nx: 1 # everynode:allow imagelatest\ny: 2 # everynode:allow\n",
        );
        let found = unknown_rules(&file);
        let names: Vec<(String, (usize, usize))> = found
            .iter()
            .map(|d| {
                let name = d.message.split('`').nth(1).unwrap_or_default().to_string();
                (name, d.line_column().unwrap())
            })
            .collect();
        assert_eq!(
            names,
            [
                ("missing-requests".to_string(), (1, 33)),
                ("imagelatest".to_string(), (2, 24)),
                (String::new(), (3, 8)),
            ]
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("did you mean `missing_requests`?")
        );
    }

    #[test]
    fn config_entries_need_known_rules() {
        let file = SourceFile::new(
            ".everynode.yaml",
            "lint:\n  allow:\n    - rule: image_lates\n",
        );
        let problems = Config::parse(&file, &|_| None).unwrap_err();
        assert_eq!(problems[0].code, Code::invalid_config);
        assert!(
            problems[0]
                .help
                .as_deref()
                .unwrap()
                .contains("image_latest")
        );
        let file = SourceFile::new(
            ".everynode.yaml",
            "lint:\n  allow:\n    - rule: image_latest\n      paths: [vendor/]\n",
        );
        let config = Config::parse(&file, &|_| None).unwrap();
        let finding = |name: &str| {
            Diagnostic::new(Code::image_latest, "x").at(
                &SourceFile::new(name, "a: b\n"),
                (0, 1),
                "x",
            )
        };
        assert!(config.silences(&finding("vendor/a.yaml"), true).is_some());
        assert!(config.silences(&finding("./vendor/a.yaml"), true).is_some());
        assert!(config.silences(&finding("daemons/a.yaml"), true).is_none());
        assert!(config.silences(&finding("vendor-b/a.yaml"), true).is_none());
        // A PATH given as an absolute path is compared by its name in the repository,
        // which the binary finds.
        let absolute = SourceFile::in_repository(
            "/work/repo/vendor/a.yaml",
            "a: b\n",
            Some("vendor/a.yaml".into()),
        );
        let finding = Diagnostic::new(Code::image_latest, "x").at(&absolute, (0, 1), "x");
        assert!(config.silences(&finding, true).is_some());
    }
}
