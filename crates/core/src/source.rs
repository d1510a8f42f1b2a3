//! Source files and positions: every value the pipeline reads remembers where it came from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub use everynode_k8s::validation::pointer;
pub use miette::SourceSpan as Span;

/// One input file as read, with the name diagnostics print for it.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user named it (relative paths stay relative).
    pub path: PathBuf,
    pub text: String,
    /// For an absolute path under the current directory, the path relative to it, as the
    /// binary found it (the core does no I/O): see [`SourceFile::repository_name`].
    pub repository: Option<String>,
    /// The byte offset where each line starts, built the first time a position is asked
    /// for: a file with thousands of findings is not scanned once per finding.
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            path: path.into(),
            text: text.into(),
            repository: None,
            line_starts: OnceLock::new(),
        })
    }

    /// A file named by an absolute path that lies under the current directory at
    /// `repository` (relative, `/`-separated).
    pub fn in_repository(
        path: impl Into<PathBuf>,
        text: impl Into<String>,
        repository: Option<String>,
    ) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            path: path.into(),
            text: text.into(),
            repository,
            line_starts: OnceLock::new(),
        })
    }

    /// The first line of a span: where a finding about a whole block points.
    pub fn first_line(&self, span: Span) -> Span {
        let start = span.offset().min(self.text.len());
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i)
            .min(start + span.len().max(1));
        (start, end - start).into()
    }

    /// The path as printed: forward slashes on every platform, so output is the same
    /// on every machine.
    pub fn name(&self) -> String {
        display_path(&self.path)
    }

    /// The path relative to the current directory when it lies under it (an absolute
    /// PATH on the command line), else as [`SourceFile::name`] shows it: what lint's
    /// configuration prefixes and SARIF's `%SRCROOT%` are relative to.
    pub fn repository_name(&self) -> String {
        self.repository.clone().unwrap_or_else(|| self.name())
    }

    /// The byte offset of the start of every line, the first one 0.
    pub fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let starts = self.line_starts();
        let line = starts.partition_point(|&start| start <= offset);
        let line_start = starts[line - 1];
        let column = self.text[line_start..offset].chars().count() + 1;
        (line, column)
    }

    /// The byte offset of a 1-based line and column (in characters), if it exists.
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        let mut offset = 0;
        for (i, text) in self.text.split_inclusive('\n').enumerate() {
            if i + 1 == line {
                let within: usize = text
                    .chars()
                    .take(column.saturating_sub(1))
                    .map(char::len_utf8)
                    .sum();
                return offset + within;
            }
            offset += text.len();
        }
        self.text.len()
    }

    /// `path:line:column` of a span's start, as in every diagnostic.
    pub fn location(&self, span: Span) -> String {
        let (line, column) = self.line_column(span.offset());
        format!("{}:{line}:{column}", self.name())
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A path with `/` separators and without a leading `./`; `.` for an empty one.
pub fn display_path(path: &Path) -> String {
    let text = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    let text = text.replace("//", "/");
    if text.is_empty() { ".".into() } else { text }
}

/// Where each value of a parsed document came from, keyed by its JSON pointer
/// (`/spec/classes/0/match/1/key`). A lookup falls back to the nearest ancestor, so a
/// value without a recorded position points at the object that holds it.
///
/// Cloning shares the map: a manifest's positions travel with every DaemonSet made of it.
#[derive(Debug, Clone, Default)]
pub struct SpanMap {
    spans: Arc<BTreeMap<String, Span>>,
    /// Where a mapping's key is written, for problems with the key itself (a field the
    /// schema does not know, a malformed label key); recorded for YAML.
    keys: Arc<BTreeMap<String, Span>>,
}

impl SpanMap {
    pub fn insert(&mut self, pointer: impl Into<String>, span: impl Into<Span>) {
        Arc::make_mut(&mut self.spans).insert(pointer.into(), span.into());
    }

    pub fn insert_key(&mut self, pointer: impl Into<String>, span: impl Into<Span>) {
        Arc::make_mut(&mut self.keys).insert(pointer.into(), span.into());
    }

    /// The span of the key that names the value at `pointer`, else as [`SpanMap::get`].
    pub fn key(&self, pointer: &str) -> Option<Span> {
        self.keys
            .get(pointer)
            .copied()
            .or_else(|| self.get(pointer))
    }

    /// The span of the value at `pointer`, or of its nearest recorded ancestor.
    pub fn get(&self, pointer: &str) -> Option<Span> {
        let mut pointer = pointer;
        loop {
            if let Some(span) = self.spans.get(pointer) {
                return Some(*span);
            }
            match pointer.rfind('/') {
                Some(i) => pointer = &pointer[..i],
                None => return None,
            }
        }
    }

    /// The positions under `prefix`, re-rooted there (`/items/3/spec` becomes `/spec`):
    /// an object inside a `List` keeps the positions it has in the file.
    pub fn subtree(&self, prefix: &str) -> SpanMap {
        let rebase = |map: &BTreeMap<String, Span>| -> BTreeMap<String, Span> {
            map.range(prefix.to_string()..)
                .take_while(|(k, _)| k.starts_with(prefix))
                .filter_map(|(k, span)| {
                    let rest = &k[prefix.len()..];
                    (rest.is_empty() || rest.starts_with('/')).then(|| (rest.to_string(), *span))
                })
                .collect()
        };
        SpanMap {
            spans: Arc::new(rebase(&self.spans)),
            keys: Arc::new(rebase(&self.keys)),
        }
    }

    /// Adds every position of `inner` (a value written inside another text, such as a
    /// KDL patch's YAML string) under `prefix`, each moved into this file by `place`;
    /// a position `place` cannot move (`None`) is left out, and so is the inner root:
    /// `prefix` itself stays where this file wrote it.
    pub fn extend_under(
        &mut self,
        prefix: &str,
        inner: &SpanMap,
        place: impl Fn(Span) -> Option<Span>,
    ) {
        for (map, into) in [
            (&inner.spans, &mut self.spans),
            (&inner.keys, &mut self.keys),
        ] {
            let into = Arc::make_mut(into);
            for (pointer, span) in map.iter().filter(|(pointer, _)| !pointer.is_empty()) {
                if let Some(span) = place(*span) {
                    into.insert(format!("{prefix}{pointer}"), span);
                }
            }
        }
    }

    /// The span of exactly this pointer, without falling back.
    pub fn get_exact(&self, pointer: &str) -> Option<Span> {
        self.spans.get(pointer).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let file = SourceFile::new("a.kdl", "ab\nçd e\n");
        assert_eq!(file.line_column(0), (1, 1));
        assert_eq!(file.line_column(3), (2, 1));
        assert_eq!(file.line_column(6), (2, 3));
        assert_eq!(file.offset_of(2, 3), 6);
    }

    #[test]
    fn span_lookup_falls_back_to_the_parent() {
        let mut spans = SpanMap::default();
        spans.insert("/spec", (1, 2));
        assert_eq!(spans.get("/spec/classes/0"), Some((1, 2).into()));
        assert_eq!(spans.get("/metadata"), None);
    }

    #[test]
    fn pointers_escape_slashes() {
        assert_eq!(pointer("/labels", "a/b~c"), "/labels/a~1b~0c");
    }
}
