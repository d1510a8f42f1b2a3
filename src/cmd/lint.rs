//! `everynode lint`: the CI step and the pre-commit hook. Findings go to standard output
//! in the chosen format (human findings to standard error, like a compiler's); the exit
//! code says whether any error (or, with --deny-warnings, any warning) remains.

use std::path::Path;

use crate::report;
use everynode_core::diagnostic::{Code, Diagnostic, Severity};
use everynode_core::lint::{self, Config, Linted};
use everynode_core::source::SourceFile;

use crate::args::{LintArgs, LintFormat};
use crate::input::{is_state_source, read_inputs_except, read_state, relative_to_cwd};
use crate::terminal::{colour, print_stdout, stderr_width};
use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

/// Problems that mean the job could not be done (exit 2): input that cannot be read or
/// parsed, rather than input that breaks a rule.
const UNREADABLE: &[Code] = &[
    Code::io_error,
    Code::not_text,
    Code::file_too_large,
    Code::kdl_syntax,
    Code::yaml_syntax,
    Code::nesting_too_deep,
    Code::invalid_config,
];

pub fn run(args: &LintArgs) -> u8 {
    let config = match config(args.config.as_deref()) {
        Ok(config) => config,
        Err(problems) => return failed(problems, args.format),
    };
    let cluster = if args.state.is_empty() {
        None
    } else {
        match read_state(&args.state) {
            Ok(cluster) => Some(cluster),
            Err(problem) => return failed(vec![problem], args.format),
        }
    };
    let recording = is_state_source(&args.state);
    let (files, read_problems) =
        read_inputs_except(&args.paths, &|f| config.excludes(f) || recording(f));
    let inputs = lint::Inputs::new(&files);
    let mut linted = lint::lint(&inputs, cluster.as_ref(), &config);
    if !read_problems.is_empty() {
        let mut all = read_problems;
        all.append(&mut linted.findings);
        linted.findings = everynode_core::diagnostic::sorted(all);
    }
    print(&linted, args.format);
    let code = if linted.findings.iter().any(|d| UNREADABLE.contains(&d.code)) {
        EXIT_ERROR
    } else if linted.findings.iter().any(|d| {
        d.severity == Severity::Error || (args.deny_warnings && d.severity == Severity::Warning)
    }) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    // The process ends next, and the OS takes the memory back at once: freeing the
    // compiled repository piece by piece would be a tenth of a pre-commit run.
    std::mem::forget((inputs, files, cluster, linted));
    code
}

/// The job could not be done (exit 2): the problems, in the format asked for, so a CI
/// step that reads JSON or SARIF still gets a report saying why.
fn failed(problems: Vec<Diagnostic>, format: LintFormat) -> u8 {
    let linted = Linted {
        findings: problems,
        ..Linted::default()
    };
    print(&linted, format);
    EXIT_ERROR
}

fn print(linted: &Linted, format: LintFormat) {
    match format {
        LintFormat::Json => print_stdout(&report::lint::json(linted)),
        LintFormat::Sarif => print_stdout(&report::lint::sarif(linted)),
        LintFormat::Github => print_stdout(&report::lint::github(linted)),
        LintFormat::Junit => print_stdout(&report::junit::junit(linted)),
        LintFormat::Gitlab => print_stdout(&report::code_quality::code_quality(linted)),
        LintFormat::Markdown => print_stdout(&report::lint::markdown(linted)),
        LintFormat::Human => {
            let stderr = std::io::stderr();
            let text = report::lint::human(linted, colour(&stderr), stderr_width(&stderr));
            let _ = std::io::Write::write_all(&mut stderr.lock(), text.as_bytes());
        }
    }
}

/// The configuration: the file named, else `.everynode.yaml` in the current directory
/// when there is one, else none. `plan` reads it too, for `lint.slowRolloutWaves`.
pub fn config(named: Option<&Path>) -> Result<Config, Vec<Diagnostic>> {
    let path = match named {
        Some(path) => path,
        None if Path::new(lint::suppress::CONFIG_FILE).is_file() => {
            Path::new(lint::suppress::CONFIG_FILE)
        }
        None => return Ok(Config::default()),
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        let file = SourceFile::new(path, "");
        vec![
            Diagnostic::new(
                Code::invalid_config,
                format!("cannot read the configuration {}: {e}", file.name()),
            )
            .in_file(&file)
            .with_help("check the path given to --config (without it, lint reads .everynode.yaml when present)"),
        ]
    })?;
    Config::parse(&SourceFile::new(path, text), &relative_to_cwd)
}
