//! `lint --format junit`: the findings as JUnit XML, the test-report format Jenkins'
//! `junit` step, GitLab's `artifacts:reports:junit` and GitHub Actions' test reporters
//! read.
//!
//! One `<testsuite>` per rule, not per file: a rule is what a reporter should show as a
//! test. Jenkins splits a test's `classname` at its dots into package and class, so
//! `everynode.missing_requests` groups under `everynode`, one class per rule (a file name
//! there, `agent.kdl`, would split into the package `agent` and the class `kdl`); GitLab
//! and the GitHub reporters list the suites by name, so the rules a change breaks are
//! the headings; and a test's history (Jenkins' "failing since", GitLab's recent
//! failures) is keyed by suite, class and name, which a rule keeps across runs. Each
//! finding is a `<testcase>` named by its position and message, with the `file` and
//! `line` attributes the GitHub reporters annotate, and a `<failure>` (`message` the
//! finding's, `type` its rule, the text `file:line:column: severity[rule]: message` and
//! the help): warnings fail their test case too, so they are seen. A suppressed finding
//! is a test case with `<skipped>`, saying what suppressed it. A run without findings is
//! one passing test case, `everynode.lint`: Jenkins' `junit` step fails a report that
//! holds no test at all.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use everynode_core::diagnostic::{Diagnostic, Severity};
use everynode_core::lint::Linted;

/// The name of a finding's place: its `file:line:column`, or the cluster's.
fn place(d: &Diagnostic) -> String {
    match (&d.file, d.line_column()) {
        (Some(file), Some((line, column))) => {
            format!("{}:{line}:{column}", file.repository_name())
        }
        (Some(file), None) => file.repository_name(),
        (None, _) => "the cluster (--state)".to_string(),
    }
}

/// One test case: a finding, or a suppressed finding with what suppressed it.
struct Case<'a> {
    finding: &'a Diagnostic,
    suppressed_by: Option<&'a str>,
}

/// `--format junit`.
pub fn junit(linted: &Linted) -> String {
    let mut by_rule: std::collections::BTreeMap<&str, Vec<Case>> = Default::default();
    for d in &linted.findings {
        by_rule.entry(d.code.as_str()).or_default().push(Case {
            finding: d,
            suppressed_by: None,
        });
    }
    for s in &linted.suppressed {
        by_rule
            .entry(s.finding.code.as_str())
            .or_default()
            .push(Case {
                finding: &s.finding,
                suppressed_by: Some(&s.by),
            });
    }
    let failures = linted.findings.len();
    let skipped = linted.suppressed.len();
    let tests = (failures + skipped).max(1);
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into memory cannot fail: the result is ignored.
    let _ = write(&mut writer, &by_rule, linted, [tests, failures, skipped]);
    let mut text = String::from_utf8_lossy(&writer.into_inner()).into_owned();
    text.push('\n');
    text
}

fn write(
    writer: &mut Writer<Vec<u8>>,
    by_rule: &std::collections::BTreeMap<&str, Vec<Case>>,
    linted: &Linted,
    [tests, failures, skipped]: [usize; 3],
) -> std::io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer
        .create_element("testsuites")
        .with_attributes([
            ("name", "everynode lint"),
            ("tests", &tests.to_string()),
            ("failures", &failures.to_string()),
            ("errors", "0"),
            ("skipped", &skipped.to_string()),
        ])
        .write_inner_content(|writer| {
            if by_rule.is_empty() {
                return clean_run(writer, linted.files);
            }
            for (rule, cases) in by_rule {
                let failed = cases.iter().filter(|c| c.suppressed_by.is_none()).count();
                writer
                    .create_element("testsuite")
                    .with_attributes([
                        ("name", *rule),
                        ("tests", &cases.len().to_string()),
                        ("failures", &failed.to_string()),
                        ("errors", "0"),
                        ("skipped", &(cases.len() - failed).to_string()),
                    ])
                    .write_inner_content(|writer| {
                        cases
                            .iter()
                            .try_for_each(|case| test_case(writer, rule, case))
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

/// The one passing test case of a run without findings.
fn clean_run(writer: &mut Writer<Vec<u8>>, files: usize) -> std::io::Result<()> {
    writer
        .create_element("testsuite")
        .with_attributes([
            ("name", "everynode"),
            ("tests", "1"),
            ("failures", "0"),
            ("errors", "0"),
            ("skipped", "0"),
        ])
        .write_inner_content(|writer| {
            writer
                .create_element("testcase")
                .with_attributes([("name", "lint"), ("classname", "everynode")])
                .write_inner_content(|writer| {
                    let said = format!("{}: no findings", super::count(files, "file"));
                    writer
                        .create_element("system-out")
                        .write_text_content(BytesText::new(&said))?;
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}

fn test_case(writer: &mut Writer<Vec<u8>>, rule: &str, case: &Case) -> std::io::Result<()> {
    let d = case.finding;
    // A file name may hold what XML cannot, as a message may.
    let place = xml_text(&place(d));
    let message = xml_text(&d.message);
    let name = format!("{place}: {message}");
    let classname = format!("everynode.{rule}");
    let mut attributes = vec![("name", name.clone()), ("classname", classname)];
    if let Some(file) = &d.file {
        attributes.push(("file", xml_text(&file.repository_name())));
        if let Some((line, _)) = d.line_column() {
            attributes.push(("line", line.to_string()));
        }
    }
    let element = writer
        .create_element("testcase")
        .with_attributes(attributes.iter().map(|(k, v)| (*k, v.as_str())));
    match case.suppressed_by {
        Some(by) => {
            element.write_inner_content(|writer| {
                let said = xml_text(&format!("suppressed by {by}"));
                writer
                    .create_element("skipped")
                    .with_attribute(("message", said.as_str()))
                    .write_empty()?;
                Ok(())
            })?;
        }
        None => {
            element.write_inner_content(|writer| {
                let severity = match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                let mut text = format!("{place}: {severity}[{rule}]: {}", d.message);
                if let Some(help) = &d.help {
                    text.push_str("\nhelp: ");
                    text.push_str(help);
                }
                writer
                    .create_element("failure")
                    .with_attributes([("message", message.as_str()), ("type", rule)])
                    .write_text_content(BytesText::new(&xml_text(&text)))?;
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// Text XML 1.0 can hold: the control characters it has no place for (a finding may
/// quote input, and input may hold an escape character) are written as `\u{1b}`. The
/// writer escapes `<`, `>`, `&` and quotes.
fn xml_text(text: &str) -> String {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    };
    if text.chars().all(allowed) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if allowed(c) {
                c.to_string()
            } else {
                format!("\\u{{{:x}}}", c as u32)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_spelled_out() {
        assert_eq!(xml_text("a\u{1b}[1mb\tc"), "a\\u{1b}[1mb\tc");
        assert_eq!(xml_text("<&\"'"), "<&\"'");
    }
}
