//! Stage 1, parse: descriptions (KDL, YAML) and plain DaemonSet manifests into typed
//! values that remember where every value came from. Parsing never stops at the first
//! problem and never fails as a whole: it returns what it could read and the diagnostics.

mod kdl;
mod kdl1;
pub mod kdl_names;
pub mod yaml;
pub mod yaml11;

use std::sync::Arc;

use crate::diagnostic::{Code, Diagnostic};
use crate::model::Daemon;
use crate::source::{SourceFile, SpanMap};

/// A description, with the position of each of its values.
#[derive(Debug, Clone)]
pub struct ParsedDaemon {
    pub daemon: Daemon,
    /// Positions keyed by the JSON pointer of the YAML form (`/spec/classes/0/name`).
    pub spans: SpanMap,
    pub file: Arc<SourceFile>,
}

/// A plain DaemonSet manifest found beside the descriptions (Helm, Kustomize, by hand).
#[derive(Debug, Clone)]
pub struct ParsedManifest {
    pub object: serde_json::Value,
    pub spans: SpanMap,
    pub file: Arc<SourceFile>,
}

/// Everything read from the PATHs of a command.
#[derive(Debug, Default)]
pub struct Parsed {
    pub daemons: Vec<ParsedDaemon>,
    pub manifests: Vec<ParsedManifest>,
    pub diagnostics: Vec<Diagnostic>,
}

/// How deep any description or manifest may nest. Real ones stay under 20 levels; the
/// limit keeps a hostile file from exhausting the stack of a recursive parser.
pub const MAX_DEPTH: usize = 64;

/// Whether a path names a file the parse stage reads.
pub fn is_input(path: &std::path::Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("kdl" | "yaml" | "yml" | "json")
    )
}

/// Parses every file: `.kdl` as descriptions, `.yaml`/`.yml`/`.json` as descriptions
/// (`kind: Daemon`) or DaemonSet manifests; documents of other kinds are skipped. Files
/// are parsed on every core (KDL parsing dominates a render); the result keeps the order
/// of `files`, so it does not depend on scheduling.
pub fn parse(files: &[Arc<SourceFile>]) -> Parsed {
    let mut parsed = Parsed::default();
    // KDL takes several times longer per byte than YAML to parse: weigh it so.
    let weight = |f: &Arc<SourceFile>| {
        let kdl = f.path.extension().is_some_and(|e| e == "kdl");
        f.text.len() * if kdl { 4 } else { 1 }
    };
    for part in crate::parallel::on_every_core(files, 8, weight, parse_files) {
        parsed.daemons.extend(part.daemons);
        parsed.manifests.extend(part.manifests);
        parsed.diagnostics.extend(part.diagnostics);
    }
    parsed
}

fn parse_files(files: &[Arc<SourceFile>]) -> Parsed {
    let mut parsed = Parsed::default();
    for file in files {
        if let Some(problem) = too_deep(file) {
            parsed.diagnostics.push(problem);
            continue;
        }
        if file.path.extension().is_some_and(|e| e == "kdl") {
            let (daemons, diagnostics) = kdl::parse(file);
            parsed.daemons.extend(daemons);
            parsed.diagnostics.extend(diagnostics);
        } else {
            let (daemons, manifests, diagnostics) = yaml::parse(file);
            parsed.daemons.extend(daemons);
            parsed.manifests.extend(manifests);
            parsed.diagnostics.extend(diagnostics);
        }
    }
    parsed
}

/// Finds brackets nested deeper than [`MAX_DEPTH`] (`{` in KDL, `{`/`[` in YAML flow
/// style and JSON), outside strings and comments, before any recursive parser sees them.
fn too_deep(file: &Arc<SourceFile>) -> Option<Diagnostic> {
    let text = file.text.as_bytes();
    let kdl = file.path.extension().is_some_and(|e| e == "kdl");
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'"' => {
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' if !kdl => {
                while i < text.len() && text[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if kdl && text.get(i + 1) == Some(&b'/') => {
                while i < text.len() && text[i] != b'\n' {
                    i += 1;
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(
                        Diagnostic::new(Code::nesting_too_deep, format!("the document nests deeper than {MAX_DEPTH} levels"))
                            .at(file, (i, 1), "too deep")
                            .with_help("descriptions and manifests never need this depth: check for a generated or corrupted file"),
                    );
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}
