//! `everynode import`: existing DaemonSets as descriptions, on standard output or one
//! file per daemon under `--out DIR`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use everynode_core::diagnostic::{self, Code, Diagnostic, did_you_mean};
use everynode_core::import::{self, Imported, Skipped};
use everynode_core::parse::yaml11;
use everynode_core::source::{SourceFile, Span, SpanMap, display_path};

use crate::args::{ImportArgs, ImportFormat, StateArgs};
use crate::input::{read_cluster, read_inputs};
use crate::output::{fs_problem, namespaced_path, write_all};
use crate::terminal::{print_diagnostics, print_stdout};
use crate::{EXIT_ERROR, EXIT_OK};

/// The first line of every file `import --out` writes: a later import may replace such a
/// file, and never one without it.
pub const IMPORTED_MARKER: &str = "imported by everynode";

/// One DaemonSet found, and where.
struct Found {
    object: Value,
    /// The file and the object's position, for a manifest; `None` for a cluster's.
    at: Option<(Arc<SourceFile>, Span)>,
    /// The positions inside the object, for a manifest.
    spans: SpanMap,
    origin: String,
}

pub fn run(args: &ImportArgs) -> u8 {
    let (found, mut diagnostics) = match sources(args) {
        Ok(found) => found,
        Err(problem) => {
            print_diagnostics(&[problem]);
            return EXIT_ERROR;
        }
    };
    // Later sources replace earlier ones of the same namespace and name.
    let mut by_key: BTreeMap<(String, String), Found> = BTreeMap::new();
    for f in found {
        let namespace = f.object["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_string();
        let name = f.object["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if let Some(earlier) = by_key.insert((namespace.clone(), name.clone()), f) {
            diagnostics.push(
                Diagnostic::new(
                    Code::import_skipped,
                    format!("{namespace}/{name} is given twice: the later one is imported, not the one of {}", earlier.origin),
                )
                .with_help("give each DaemonSet once, or pick one with --daemonset"),
            );
        }
    }
    let named: Vec<(String, String)> = args
        .daemonset
        .iter()
        .filter_map(|n| match n.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() => {
                Some((ns.to_string(), name.to_string()))
            }
            _ => {
                diagnostics.push(
                    Diagnostic::new(
                        Code::unknown_daemonset,
                        format!("--daemonset {n:?} is not NAMESPACE/NAME"),
                    )
                    .with_help(
                        "name the DaemonSet with its namespace: --daemonset kube-system/aws-node",
                    ),
                );
                None
            }
        })
        .collect();
    for (ns, name) in &named {
        if !by_key.contains_key(&(ns.clone(), name.clone())) {
            let known: Vec<String> = by_key.keys().map(|(n, d)| format!("{n}/{d}")).collect();
            let help = match did_you_mean(&format!("{ns}/{name}"), known.iter().map(String::as_str))
            {
                Some(best) => format!("did you mean `{best}`?"),
                None if known.is_empty() => "the inputs hold no DaemonSet".to_string(),
                None => format!("the DaemonSets are: {}", known.join(", ")),
            };
            diagnostics.push(
                Diagnostic::new(
                    Code::unknown_daemonset,
                    format!("no DaemonSet {ns}/{name} in the inputs"),
                )
                .with_help(help),
            );
        }
    }
    let mut imported: Vec<Imported> = Vec::new();
    let chosen: Vec<(&(String, String), &Found, bool)> = by_key
        .iter()
        .map(|(key, f)| (key, f, named.contains(key)))
        .filter(|(_, _, is_named)| named.is_empty() || *is_named)
        .collect();
    // Each import renders and normalizes its DaemonSet several times: on every core,
    // results in input order.
    let results: Vec<_> = everynode_core::parallel::on_every_core(
        &chosen,
        4,
        |_| 1,
        |part| {
            part.iter()
                .map(|(_, f, is_named)| import::import(&f.object, *is_named))
                .collect::<Vec<_>>()
        },
    )
    .into_iter()
    .flatten()
    .collect();
    for ((key, f, _), result) in chosen.into_iter().zip(results) {
        match result {
            Ok(done) => {
                if done.daemon.spec.settings.patch.is_some() {
                    let mut d = Diagnostic::new(
                        Code::import_patch,
                        format!("{}/{}: {}", key.0, key.1, done.notes.last().cloned().unwrap_or_default()),
                    )
                    .with_help("the fields stay in the description's patch; everything else is in the language");
                    if let Some((file, span)) = &f.at {
                        d = d.at(file, *span, "this DaemonSet");
                    }
                    diagnostics.push(d);
                }
                imported.push(done);
            }
            Err(Skipped::Rejected(problems)) => {
                for (pointer, message) in problems {
                    let mut d = Diagnostic::new(
                        Code::not_importable,
                        format!("{}/{} ({}): {message}", key.0, key.1, f.origin),
                    )
                    .with_help("the API server rejects this DaemonSet: fix it, or leave it out with --daemonset for the others");
                    if let Some((file, span)) = &f.at {
                        d = d.at(
                            file,
                            f.spans.get(&pointer).unwrap_or(*span),
                            "the API server rejects this",
                        );
                    }
                    diagnostics.push(d);
                }
            }
            Err(skipped) => {
                let code = match skipped {
                    Skipped::Managed(_) => Code::import_skipped,
                    _ => Code::not_importable,
                };
                let mut d = Diagnostic::new(
                    code,
                    format!("{}/{} ({}): {}", key.0, key.1, f.origin, skipped.reason()),
                );
                d = match skipped {
                    Skipped::Managed(_) => d.with_help(format!(
                        "name it to import it anyway: --daemonset {}/{}",
                        key.0, key.1
                    )),
                    _ => d.with_help(
                        "fix the DaemonSet, or leave it out with --daemonset for the others",
                    ),
                };
                if let Some((file, span)) = &f.at {
                    d = d.at(file, *span, "this DaemonSet");
                }
                diagnostics.push(d);
            }
        }
    }
    if imported.is_empty() && !diagnostic::has_errors(&diagnostics) {
        diagnostics.push(
            Diagnostic::new(Code::no_descriptions, "no DaemonSet to import")
                .with_help("import reads DaemonSet manifests, `kubectl get ds -o json|yaml` output, --state recordings or --live"),
        );
        if let Some(last) = diagnostics.last_mut() {
            last.severity = diagnostic::Severity::Error;
        }
    }
    if diagnostic::has_errors(&diagnostics) {
        print_diagnostics(&diagnostic::sorted(diagnostics));
        return EXIT_ERROR;
    }
    // Variants of one daemon become one description with a class each.
    let imported = import::group::group(imported);
    for i in imported.iter().filter(|i| i.shared_selector) {
        diagnostics.push(
            Diagnostic::new(
                Code::import_shared_selector,
                format!(
                    "{}/{}: the DaemonSets {} share one pod selector, so each controller sees the other's pods as its own",
                    i.namespace,
                    i.name,
                    i.grouped.join(", ")
                ),
            )
            .with_help("the selector is kept (changing it recreates the DaemonSet); give each class its own `selector` and pod label, then recreate them one at a time with --cascade=orphan"),
        );
    }
    // Writing a description walks its schema: on every core too, in order.
    let texts: Vec<String> = everynode_core::parallel::on_every_core(
        &imported,
        4,
        |_| 1,
        |part| {
            part.iter()
                .map(|i| text(i, args.output))
                .collect::<Vec<_>>()
        },
    )
    .into_iter()
    .flatten()
    .collect();
    let written = match &args.out {
        Some(dir) => write_out(dir, &imported, &texts, args.output),
        None => {
            let separator = match args.output {
                ImportFormat::Kdl => "\n",
                ImportFormat::Yaml => "---\n",
            };
            print_stdout(&texts.join(separator));
            Ok(())
        }
    };
    if let Err(problem) = written {
        diagnostics.push(problem);
    }
    print_diagnostics(&diagnostic::sorted(diagnostics.clone()));
    if diagnostic::has_errors(&diagnostics) {
        EXIT_ERROR
    } else {
        EXIT_OK
    }
}

/// One description as text.
fn text(imported: &Imported, format: ImportFormat) -> String {
    match format {
        ImportFormat::Kdl => import::kdl::write(&imported.daemon, &imported.notes),
        ImportFormat::Yaml => {
            let mut out: String = imported.notes.iter().map(|n| format!("# {n}\n")).collect();
            // Quoted where YAML 1.1 would read text as a boolean or number, as render does.
            let daemon = serde_json::to_value(&imported.daemon).unwrap_or_default();
            out.push_str(&crate::report::manifests::yaml_document(&daemon));
            out
        }
    }
}

/// Every DaemonSet of the PATHs and of --state or --live.
fn sources(args: &ImportArgs) -> Result<(Vec<Found>, Vec<Diagnostic>), Diagnostic> {
    if args.paths.is_empty() && args.state.is_empty() && !args.live {
        // An error (exit 2), not the warning no_descriptions is elsewhere: nothing asked.
        let mut nothing = Diagnostic::new(Code::no_descriptions, "nothing to import: no PATH, --state or --live")
            .with_help("everynode import daemonset.yaml, kubectl get ds -A -o json | everynode import -, or everynode import --state cluster.json");
        nothing.severity = diagnostic::Severity::Error;
        return Err(nothing);
    }
    let mut found = Vec::new();
    let mut diagnostics = Vec::new();
    // `-` among the PATHs is standard input, a source named `<stdin>`.
    let (files, problems) = read_inputs(&args.paths);
    diagnostics.extend(problems);
    // KDL files are descriptions already: not DaemonSets to import.
    let files: Vec<_> = files
        .into_iter()
        .filter(|f| f.path.extension().is_none_or(|e| e != "kdl"))
        .collect();
    // Reading YAML is most of an import of many files: on every core, results in order.
    let read = everynode_core::parallel::on_every_core(
        &files,
        2,
        |f| f.text.len(),
        |part| {
            part.iter()
                .map(|f| yaml11::documents(&f.text))
                .collect::<Vec<_>>()
        },
    );
    for (file, documents) in files.into_iter().zip(read.into_iter().flatten()) {
        match documents {
            Ok(documents) => {
                for document in documents {
                    let mut objects = Vec::new();
                    daemonsets(&document.value, String::new(), &mut objects);
                    for (pointer, object) in objects {
                        let span = document
                            .spans
                            .get(&pointer)
                            .unwrap_or_else(|| (0, 0).into());
                        found.push(Found {
                            object,
                            origin: file.location(span),
                            at: Some((file.clone(), span)),
                            spans: document.spans.subtree(&pointer),
                        });
                    }
                }
            }
            Err(problem) => diagnostics.push(
                Diagnostic::new(Code::yaml_syntax, problem.message)
                    .at(&file, (problem.offset, 0), "here")
                    .with_help(
                        "import reads DaemonSet manifests and `kubectl get -o json|yaml` output",
                    ),
            ),
        }
    }
    if !args.state.is_empty() || args.live {
        let state = StateArgs {
            state: args.state.clone(),
            live: args.live,
            context: args.context.clone(),
        };
        let cluster = read_cluster(&state)?;
        for live in cluster.daemonsets {
            // The items of a typed list (what --live reads from /apis/apps/v1) carry no
            // apiVersion or kind of their own.
            let mut object = live.object;
            if object["apiVersion"].is_null() {
                object["apiVersion"] = "apps/v1".into();
            }
            if object["kind"].is_null() {
                object["kind"] = "DaemonSet".into();
            }
            found.push(Found {
                object,
                at: None,
                spans: SpanMap::default(),
                origin: live.source,
            });
        }
    }
    Ok((found, diagnostics))
}

/// The DaemonSets of a document: itself, or the items of a List (`kubectl get -o json`).
fn daemonsets(value: &Value, at: String, out: &mut Vec<(String, Value)>) {
    match value["kind"].as_str() {
        Some("DaemonSet") => out.push((at, value.clone())),
        Some("List" | "DaemonSetList") => {
            for (i, item) in value["items"].as_array().into_iter().flatten().enumerate() {
                let mut item = item.clone();
                if item["kind"].is_null() && value["kind"] == "DaemonSetList" {
                    item["kind"] = "DaemonSet".into();
                    if item["apiVersion"].is_null() {
                        item["apiVersion"] = value["apiVersion"].clone();
                    }
                }
                daemonsets(&item, format!("{at}/items/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Writes DIR/NAMESPACE/DAEMON.kdl (or .yaml) for each description, replacing only
/// files an earlier import wrote; nothing is written when any file is refused.
fn write_out(
    dir: &std::path::Path,
    imported: &[Imported],
    texts: &[String],
    format: ImportFormat,
) -> Result<(), Diagnostic> {
    if dir.exists() && !dir.is_dir() {
        return Err(fs_problem(dir, "write into", "it is not a directory"));
    }
    let (extension, comment) = match format {
        ImportFormat::Kdl => ("kdl", "//"),
        ImportFormat::Yaml => ("yaml", "#"),
    };
    let mut files = Vec::new();
    for (i, text) in imported.iter().zip(texts) {
        let relative = namespaced_path(&i.namespace, &format!("{}.{extension}", i.name))?;
        let target = dir.join(&relative);
        if let Some(parent) = target.parent()
            && parent
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Err(fs_problem(
                parent,
                "write into",
                "it is a symbolic link, and everynode writes only inside the output directory",
            ));
        }
        if let Ok(old) = std::fs::read_to_string(&target)
            && !old.starts_with(&format!("{comment} {IMPORTED_MARKER}:"))
        {
            return Err(fs_problem(&target, "replace", "import did not write this file (its first line is not the import marker)")
                .with_help("an edited description is yours: move it away to import again, or choose another --out directory"));
        } else if target.symlink_metadata().is_ok_and(|m| !m.is_file()) {
            return Err(fs_problem(&target, "replace", "it is not a regular file"));
        }
        let header = format!(
            "{comment} {IMPORTED_MARKER}: a later import replaces this file; remove this line to keep your edits\n"
        );
        files.push((target, header + text));
    }
    let writes: Vec<(PathBuf, &str)> = files.iter().map(|(t, c)| (t.clone(), c.as_str())).collect();
    write_all(dir, &writes)?;
    // Said on standard error: standard output stays empty for scripts.
    for (target, _) in &writes {
        eprintln!("wrote {}", display_path(target));
    }
    Ok(())
}
