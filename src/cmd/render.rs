//! `everynode render`: print the DaemonSets, or keep a directory of them up to date.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::report::manifests;
use everynode_core::diagnostic::{self, Code, Diagnostic, Severity, did_you_mean};
use everynode_core::expand::Rendered;
use everynode_core::source::display_path;

use crate::args::{Format, RenderArgs};
use crate::input::{GENERATED_MARKER, is_generated, read_inputs};
use crate::output::{fs_problem, namespaced_path, write_all};
use crate::terminal::{print_diagnostics, print_stdout};
use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

pub fn run(args: &RenderArgs) -> u8 {
    let (files, mut diagnostics) = read_inputs(&args.paths);
    let compiled = everynode_core::compile(&files);
    diagnostics.extend(compiled.diagnostics);
    let mut rendered = compiled.rendered;
    if let Some(daemon) = &args.daemon {
        rendered.retain(|r| &r.daemon == daemon);
        if rendered.is_empty() && !diagnostic::has_errors(&diagnostics) {
            let names: Vec<&str> = compiled
                .parsed
                .daemons
                .iter()
                .map(|d| d.daemon.metadata.name.as_str())
                .collect();
            let help = match did_you_mean(daemon, names.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None if names.is_empty() => {
                    "no daemon is described under the given paths".to_string()
                }
                None => format!("the daemons are: {}", names.join(", ")),
            };
            diagnostics.push(
                Diagnostic::new(Code::unknown_daemon, format!("no daemon named `{daemon}`"))
                    .with_help(help),
            );
        }
    }
    if compiled.parsed.daemons.is_empty() && !diagnostic::has_errors(&diagnostics) {
        let skipped = compiled.parsed.manifests.len();
        let help = if skipped > 0 {
            format!(
                "render compiles descriptions (.kdl, or YAML with kind: Daemon); the {skipped} plain DaemonSet manifest(s) found take part in lint and plan instead"
            )
        } else {
            "render reads .kdl files and YAML files with apiVersion: everynode.dev/v1alpha1, kind: Daemon".to_string()
        };
        let mut nothing = Diagnostic::new(
            Code::no_descriptions,
            "no daemon description found: nothing to render",
        )
        .with_help(help);
        if let Some(dir) = &args.out {
            // Rendering nothing into DIR would prune every file there: an ignore file or
            // a mistyped PATH must not empty the directory of manifests.
            nothing.severity = Severity::Error;
            nothing.message = format!(
                "no daemon description found: {} is left as it is",
                display_path(dir)
            );
        }
        diagnostics.push(nothing);
    }
    let diagnostics = diagnostic::sorted(diagnostics);
    print_diagnostics(&diagnostics);
    if diagnostic::has_errors(&diagnostics) {
        return EXIT_ERROR;
    }
    match &args.out {
        None => {
            print_stdout(&match args.output {
                Format::Yaml => manifests::yaml_stream(&rendered),
                Format::Json => manifests::json_list(&rendered),
            });
            EXIT_OK
        }
        Some(dir) => match output_dir(dir, &rendered, args.check) {
            Ok(code) => code,
            Err(problem) => {
                print_diagnostics(&[problem]);
                EXIT_ERROR
            }
        },
    }
}

/// The files `--out DIR` should hold: relative path → content.
fn desired_files(rendered: &[Rendered]) -> Result<BTreeMap<PathBuf, String>, Diagnostic> {
    let mut files = BTreeMap::new();
    for r in rendered {
        let relative = namespaced_path(&r.namespace, &format!("{}.yaml", r.name))?;
        let header = format!(
            "{GENERATED_MARKER} from {}; do not edit. Change the description and run `everynode render --out`.\n",
            r.file.name()
        );
        files.insert(relative, header + &manifests::yaml_document(&r.object));
    }
    Ok(files)
}

/// Files under DIR that render wrote before (their first line is the marker).
fn generated_files(dir: &Path) -> Result<BTreeMap<PathBuf, String>, Diagnostic> {
    let mut files = BTreeMap::new();
    if !dir.exists() {
        return Ok(files);
    }
    for entry in walkdir::WalkDir::new(dir)
        .min_depth(2)
        .max_depth(2)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(entry) => entry,
            // Another run's temporary file, renamed or removed while DIR was listed: not
            // a file of DIR any more.
            Err(e)
                if e.io_error()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound) =>
            {
                continue;
            }
            Err(e) => return Err(fs_problem(dir, "read", e)),
        };
        if !entry.file_type().is_file() || entry.path().extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if is_generated(&text) {
            let relative = entry
                .path()
                .strip_prefix(dir)
                .map_err(|e| fs_problem(entry.path(), "read", e))?
                .to_path_buf();
            files.insert(relative, text);
        }
    }
    Ok(files)
}

/// Brings DIR in line with the rendered DaemonSets, or with `check` only says whether it
/// is. Everything is decided before anything is written; each write is a temporary file
/// renamed into place, and only files with the marker line are ever replaced or removed.
fn output_dir(dir: &Path, rendered: &[Rendered], check: bool) -> Result<u8, Diagnostic> {
    if dir.exists() && !dir.is_dir() {
        return Err(
            fs_problem(dir, "write into", "it is not a directory").with_help(
                "--out names a directory (created when missing) that holds one file per DaemonSet",
            ),
        );
    }
    let desired = desired_files(rendered)?;
    let existing = generated_files(dir)?;
    let mut stale = Vec::new();
    for (relative, content) in &desired {
        let target = dir.join(relative);
        if let Some(parent) = target.parent()
            && let Ok(metadata) = parent.symlink_metadata()
        {
            if metadata.file_type().is_symlink() {
                return Err(fs_problem(
                    parent,
                    "write into",
                    "it is a symbolic link, and everynode writes only inside the output directory",
                ));
            }
            if !metadata.is_dir() {
                return Err(fs_problem(parent, "write into", "it is not a directory")
                    .with_help("move the file away: --out DIR holds a directory per namespace"));
            }
        }
        match existing.get(relative) {
            Some(old) if old == content => {}
            Some(_) => stale.push(format!("stale: {}", display_path(&target))),
            // Generated since DIR was listed (another run writing into it): ours to replace.
            None if std::fs::read_to_string(&target).is_ok_and(|text| is_generated(&text)) => {
                stale.push(format!("stale: {}", display_path(&target)));
            }
            None if target.exists() => {
                return Err(fs_problem(&target, "replace", "everynode did not write this file (its first line is not the generated marker)")
                    .with_help("move the file away, or choose another --out directory"));
            }
            None => stale.push(format!("missing: {}", display_path(&target))),
        }
    }
    for relative in existing.keys().filter(|r| !desired.contains_key(*r)) {
        stale.push(format!(
            "no longer rendered: {}",
            display_path(&dir.join(relative))
        ));
    }
    if check {
        if stale.is_empty() {
            return Ok(EXIT_OK);
        }
        let mut message = format!(
            "{} is out of date; run `everynode render --out {}`:\n",
            display_path(dir),
            display_path(dir)
        );
        for line in &stale {
            message.push_str(&format!("  {line}\n"));
        }
        eprint!("{message}");
        return Ok(EXIT_FINDINGS);
    }
    let changed: Vec<(PathBuf, &str)> = desired
        .iter()
        .filter(|(relative, content)| existing.get(*relative) != Some(*content))
        .map(|(relative, content)| (dir.join(relative), content.as_str()))
        .collect();
    write_all(dir, &changed)?;
    for relative in existing.keys().filter(|r| !desired.contains_key(*r)) {
        let target = dir.join(relative);
        std::fs::remove_file(&target).map_err(|e| fs_problem(&target, "remove", e))?;
        if let Some(parent) = target.parent() {
            let _ = std::fs::remove_dir(parent); // only succeeds when empty
        }
    }
    Ok(EXIT_OK)
}
