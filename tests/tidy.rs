//! Tidy: the layering of LAYERS.md, enforced. Every module of every crate imports only
//! modules at its own rank or below, every crate only the crates below it, and every
//! module file is in the table, so the table cannot go stale in silence.
//!
//! The checker reads source text, not the compiler's view: a small lexer drops comments
//! and string literals, then every path that starts with `crate::`, `self::`/`super::`
//! (resolved against the file's module and its inline `mod`s) or a crate's name is
//! mapped to the top-level module it names. Test modules are checked like the rest.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

// The table.

#[derive(Debug)]
struct Layers {
    /// Bottom to top.
    crates: Vec<Crate>,
}

#[derive(Debug)]
struct Crate {
    rank: usize,
    package: String,
    /// The source directory, from the repository root: `crates/core/src`.
    src: String,
    /// The name other crates use it by: `everynode_core`.
    used_as: String,
    /// Files relative to `src` that declare the modules: `lib.rs`, `main.rs`.
    roots: Vec<String>,
    /// Module name → rank.
    modules: BTreeMap<String, usize>,
}

/// LAYERS.md's tables: one `## Crates` table, then one table per crate under a heading
/// whose first word is the crate's package name.
fn parse_layers(text: &str) -> Result<Layers, String> {
    let mut tables: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    let mut heading = String::new();
    let mut in_table = false;
    for line in text.lines() {
        let line = line.trim();
        if let Some(h) = line.strip_prefix("## ") {
            heading = h.replace('`', "");
            in_table = false;
        } else if line.starts_with('|') {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().replace('`', ""))
                .collect();
            if cells.iter().all(|c| c.chars().all(|ch| "-: ".contains(ch))) {
                continue;
            }
            if !in_table {
                tables.push((heading.clone(), Vec::new()));
                in_table = true;
            }
            tables.last_mut().unwrap().1.push(cells);
        } else {
            in_table = false;
        }
    }

    let column = |rows: &[Vec<String>], name: &str, heading: &str| -> Result<usize, String> {
        rows.first()
            .and_then(|header| header.iter().position(|h| h.eq_ignore_ascii_case(name)))
            .ok_or_else(|| format!("LAYERS.md: the table under `{heading}` has no {name} column"))
    };
    let ranks = |rows: &[Vec<String>], at: usize, heading: &str| -> Result<Vec<usize>, String> {
        let mut ranks = Vec::new();
        for row in &rows[1..] {
            let rank: usize = row.get(at).and_then(|r| r.parse().ok()).ok_or_else(|| {
                format!(
                    "LAYERS.md: `{}` under `{heading}`: no rank",
                    row.join(" | ")
                )
            })?;
            if ranks.last().is_some_and(|&last| rank <= last) {
                return Err(format!(
                    "LAYERS.md: ranks under `{heading}` must increase row by row"
                ));
            }
            ranks.push(rank);
        }
        Ok(ranks)
    };

    let (heading, rows) = tables
        .iter()
        .find(|(h, _)| h.starts_with("Crates"))
        .ok_or("LAYERS.md: no `## Crates` table")?;
    let rank_at = column(rows, "Rank", heading)?;
    let crate_at = column(rows, "Crate", heading)?;
    let src_at = column(rows, "Source", heading)?;
    let used_at = column(rows, "Used as", heading)?;
    let roots_at = column(rows, "Roots", heading)?;
    let mut crates = Vec::new();
    for (row, rank) in rows[1..].iter().zip(ranks(rows, rank_at, heading)?) {
        let cell = |at: usize| row.get(at).cloned().unwrap_or_default();
        crates.push(Crate {
            rank,
            package: cell(crate_at),
            src: cell(src_at),
            used_as: cell(used_at),
            roots: cell(roots_at)
                .split(',')
                .map(|r| r.trim().to_string())
                .collect(),
            modules: BTreeMap::new(),
        });
    }

    for krate in &mut crates {
        let (heading, rows) = tables
            .iter()
            .find(|(h, _)| {
                h.split_whitespace().next().map(|w| w.trim_end_matches(':')) == Some(&krate.package)
            })
            .ok_or_else(|| format!("LAYERS.md: no table for {}", krate.package))?;
        let rank_at = column(rows, "Rank", heading)?;
        let modules_at = column(rows, "Modules", heading)?;
        for (row, rank) in rows[1..].iter().zip(ranks(rows, rank_at, heading)?) {
            for module in row.get(modules_at).into_iter().flat_map(|m| m.split(',')) {
                let module = module.trim().to_string();
                if krate.modules.insert(module.clone(), rank).is_some() {
                    return Err(format!(
                        "LAYERS.md: {} lists `{module}` twice",
                        krate.package
                    ));
                }
            }
        }
    }
    Ok(Layers { crates })
}

// The lexer: identifiers, `::` and single punctuation, each with its line. Comments,
// strings (raw, byte, C), char and byte literals are dropped; lifetimes leave their name.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

fn lex(text: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = text.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Skips a string whose opening quote is at `i` with `hashes` (a raw string) or with
    // escapes; returns the index after it.
    let skip_string = |mut i: usize, raw: Option<usize>, line: &mut usize| -> usize {
        i += 1;
        while i < c.len() {
            match c[i] {
                '\n' => *line += 1,
                '\\' if raw.is_none() => {
                    if at(i + 1) == '\n' {
                        *line += 1;
                    }
                    i += 1;
                }
                '"' => {
                    let hashes = raw.unwrap_or(0);
                    if (1..=hashes).all(|k| at(i + k) == '#') {
                        return i + 1 + hashes;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        i
    };
    let skip_char = |i: usize| -> Option<usize> {
        // `i` is the opening quote; None when it starts a lifetime or label.
        if at(i + 1) == '\\' {
            let mut j = i + 3;
            while j < c.len() && c[j] != '\'' {
                j += 1;
            }
            Some(j + 1)
        } else if at(i + 2) == '\'' {
            Some(i + 3)
        } else {
            None
        }
    };
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            i = skip_string(i, None, &mut line);
        } else if ch == '\'' {
            i = skip_char(i).unwrap_or(i + 1);
        } else if ch == ':' && at(i + 1) == ':' {
            out.push((Tok::PathSep, line));
            i += 2;
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let mut hashes = 0;
            while at(i + hashes) == '#' {
                hashes += 1;
            }
            match word.as_str() {
                "r" | "br" | "cr" if at(i + hashes) == '"' => {
                    i = skip_string(i + hashes, Some(hashes), &mut line);
                }
                "b" | "c" if at(i) == '"' => i = skip_string(i, None, &mut line),
                "b" if at(i) == '\'' => i = skip_char(i).unwrap_or(i + 1),
                "r" if hashes == 1 && (at(i + 1).is_alphabetic() || at(i + 1) == '_') => {
                    // A raw identifier: `r#type`.
                    let start = i + 1;
                    i = start;
                    while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                        i += 1;
                    }
                    out.push((Tok::Ident(c[start..i].iter().collect()), line));
                }
                _ => out.push((Tok::Ident(word), line)),
            }
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

// The paths a file names.

/// Whose root a path starts from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Base {
    /// This crate (`crate::`, `super::`, its own name).
    Own,
    /// Another crate, by its index in the table.
    Other(usize),
}

#[derive(Debug)]
struct Reference {
    line: usize,
    /// The path as written, up to the module: `crate::expand`, `super::super::lint`.
    shown: String,
    base: Base,
    /// The top-level name in that crate: a module, or an item of its root. None for a
    /// glob of the root (`use crate::*`).
    name: Option<String>,
}

fn ident(tokens: &[(Tok, usize)], i: usize) -> Option<&str> {
    match tokens.get(i) {
        Some((Tok::Ident(s), _)) => Some(s),
        _ => None,
    }
}

fn is(tokens: &[(Tok, usize)], i: usize, tok: &Tok) -> bool {
    tokens.get(i).map(|(t, _)| t) == Some(tok)
}

/// Every path in `tokens` that reaches a top-level module: `file_module` is the file's
/// module path inside its crate (`["compare", "diff"]`, empty for a root), `crate_names`
/// the names crates are used by (index = the table's order), `own` this crate's index.
fn references(
    tokens: &[(Tok, usize)],
    file_module: &[String],
    crate_names: &[&str],
    own: usize,
) -> Vec<Reference> {
    let mut refs = Vec::new();
    let mut depth = 0usize;
    // Inline modules: (name, the brace depth inside them).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut opening: Option<(usize, String)> = None;
    for i in 0..tokens.len() {
        let (tok, line) = &tokens[i];
        match tok {
            Tok::Punct('{') => {
                depth += 1;
                if let Some((at, name)) = opening.take()
                    && at == i
                {
                    inline.push((name, depth));
                }
                continue;
            }
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                continue;
            }
            Tok::Ident(w) if w == "mod" => {
                if let Some(name) = ident(tokens, i + 1) {
                    opening = Some((i + 2, name.to_string()));
                }
                continue;
            }
            _ => {}
        }
        let Some(head) = ident(tokens, i) else {
            continue;
        };
        if !is(tokens, i + 1, &Tok::PathSep) {
            continue;
        }
        let continued = i > 0 && is(tokens, i - 1, &Tok::PathSep);
        // The module path the head resolves to, the crate it is in, and where the rest starts.
        let (base, mut prefix, mut next) = match head {
            "crate" if !continued => (Base::Own, Vec::new(), i + 2),
            "self" | "super" if !continued => {
                let mut path: Vec<String> = file_module
                    .iter()
                    .cloned()
                    .chain(inline.iter().map(|(n, _)| n.clone()))
                    .collect();
                let mut j = i;
                let mut valid = true;
                while let Some(step @ ("self" | "super")) = ident(tokens, j) {
                    if !is(tokens, j + 1, &Tok::PathSep) {
                        break;
                    }
                    if step == "super" && path.pop().is_none() {
                        valid = false;
                    }
                    j += 2;
                }
                if !valid {
                    continue; // above the crate root: the compiler's business
                }
                (Base::Own, path, j)
            }
            name => match crate_names.iter().position(|c| *c == name) {
                Some(k) if k == own => (Base::Own, Vec::new(), i + 2),
                Some(k) => (Base::Other(k), Vec::new(), i + 2),
                None => continue,
            },
        };
        let shown_up_to = |end: usize| -> String {
            tokens[i..end]
                .iter()
                .map(|(t, _)| match t {
                    Tok::Ident(s) => s.as_str(),
                    Tok::PathSep => "::",
                    Tok::Punct(_) => "",
                })
                .collect()
        };
        if !prefix.is_empty() {
            refs.push(Reference {
                line: *line,
                shown: shown_up_to(next).trim_end_matches("::").to_string(),
                base,
                name: Some(prefix.swap_remove(0)),
            });
            continue;
        }
        // At a crate root: the next segment, or each element of a group, or a glob.
        match tokens.get(next).map(|(t, _)| t) {
            Some(Tok::Ident(name)) => refs.push(Reference {
                line: *line,
                shown: format!("{}{name}", shown_up_to(next)),
                base,
                name: Some(name.clone()),
            }),
            Some(Tok::Punct('*')) => refs.push(Reference {
                line: *line,
                shown: format!("{}*", shown_up_to(next)),
                base,
                name: None,
            }),
            Some(Tok::Punct('{')) => {
                let mut level = 0;
                let mut element_start = true;
                while let Some((t, l)) = tokens.get(next) {
                    match t {
                        Tok::Punct('{') => {
                            level += 1;
                            if level == 1 {
                                element_start = true;
                                next += 1;
                                continue;
                            }
                        }
                        Tok::Punct('}') => {
                            level -= 1;
                            if level == 0 {
                                break;
                            }
                        }
                        Tok::Punct(',') if level == 1 => {
                            element_start = true;
                            next += 1;
                            continue;
                        }
                        Tok::Ident(name) if level == 1 && element_start && name != "self" => {
                            refs.push(Reference {
                                line: *l,
                                shown: format!("{}{{{name}}}", shown_up_to(i + 2)),
                                base,
                                name: Some(name.clone()),
                            });
                        }
                        Tok::Punct('*') if level == 1 && element_start => refs.push(Reference {
                            line: *l,
                            shown: format!("{}{{*}}", shown_up_to(i + 2)),
                            base,
                            name: None,
                        }),
                        _ => {}
                    }
                    element_start = false;
                    next += 1;
                }
            }
            _ => {}
        }
    }
    refs
}

/// The names a root brings into the crate root from its modules, by `use` (public or
/// not: children see both): name → module. `pub use pipeline::{Compiled, compile};`
/// gives `Compiled` and `compile` → `pipeline`.
fn root_imports(
    tokens: &[(Tok, usize)],
    modules: &BTreeMap<String, usize>,
) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i].0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => depth = depth.saturating_sub(1),
            Tok::Ident(w) if w == "use" && depth == 0 => {
                let mut j = i + 1;
                if matches!(ident(tokens, j), Some("crate" | "self"))
                    && is(tokens, j + 1, &Tok::PathSep)
                {
                    j += 2;
                }
                let module = ident(tokens, j).filter(|m| modules.contains_key(*m));
                let end = (j..tokens.len())
                    .find(|&k| is(tokens, k, &Tok::Punct(';')))
                    .unwrap_or(tokens.len());
                if let Some(module) = module {
                    for k in j + 1..end {
                        let leaf = matches!(
                            tokens.get(k + 1).map(|(t, _)| t),
                            Some(Tok::Punct(',' | '}' | ';'))
                        );
                        if let Some(name) = ident(tokens, k).filter(|n| leaf && *n != "self") {
                            names.insert(name.to_string(), module.to_string());
                        }
                    }
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    names
}

// The checker.

/// Where a file sits: its crate's index and its module path inside the crate (empty for
/// a root).
fn locate(layers: &Layers, path: &str) -> Option<(usize, Vec<String>)> {
    let (k, rel) = layers
        .crates
        .iter()
        .enumerate()
        .filter_map(|(k, c)| Some((k, path.strip_prefix(&c.src)?.strip_prefix('/')?)))
        .max_by_key(|(k, _)| layers.crates[*k].src.len())?;
    if layers.crates[k].roots.iter().any(|r| r == rel) {
        return Some((k, Vec::new()));
    }
    let mut module: Vec<String> = rel.split('/').map(str::to_string).collect();
    let last = module.pop()?;
    let last = last.strip_suffix(".rs")?;
    if last != "mod" {
        module.push(last.to_string());
    }
    Some((k, module))
}

/// Every violation of `layers` in `files` ((path from the repository root, text)): one
/// line each, naming file:line, both modules and both ranks.
fn check(layers: &Layers, files: &[(String, String)]) -> Vec<String> {
    let crate_names: Vec<&str> = layers.crates.iter().map(|c| c.used_as.as_str()).collect();
    let mut problems = Vec::new();

    let mut located = Vec::new();
    for (path, text) in files {
        match locate(layers, path) {
            Some(at) => located.push((path, at, lex(text))),
            None if path.ends_with(".rs") => problems.push(format!(
                "{path}: in no crate's source directory of LAYERS.md"
            )),
            None => {}
        }
    }

    // What each crate's roots bring into its root namespace.
    let mut root_names: Vec<BTreeMap<String, String>> = vec![BTreeMap::new(); layers.crates.len()];
    for (_, (k, module), tokens) in &located {
        if module.is_empty() {
            root_names[*k].extend(root_imports(tokens, &layers.crates[*k].modules));
        }
    }
    // The module a top-level name of crate `k` stands for (None: an item of the root).
    let module_of = |k: usize, name: &str| -> Option<String> {
        if layers.crates[k].modules.contains_key(name) {
            Some(name.to_string())
        } else {
            root_names[k].get(name).cloned()
        }
    };

    let mut seen: Vec<BTreeSet<String>> = vec![BTreeSet::new(); layers.crates.len()];
    for (path, (k, module), tokens) in &located {
        let krate = &layers.crates[*k];
        let from = match module.first() {
            None => None,
            Some(m) => match krate.modules.get(m) {
                Some(&rank) => {
                    seen[*k].insert(m.clone());
                    Some((m.as_str(), rank))
                }
                None => {
                    problems.push(format!(
                        "{path}: module `{m}` of {} is not in LAYERS.md: give it a rank",
                        krate.package
                    ));
                    continue;
                }
            },
        };
        let from_shown = from.map_or("the root", |(m, _)| m);
        for r in references(tokens, module, &crate_names, *k) {
            let at = format!("{path}:{}", r.line);
            match r.base {
                Base::Other(other) => {
                    let target = &layers.crates[other];
                    if target.rank >= krate.rank {
                        let name = r.name.as_deref().unwrap_or("*");
                        let to = module_of(other, name).unwrap_or_else(|| name.to_string());
                        problems.push(format!(
                            "{at}: {}::{from_shown} (crate rank {}) imports {}::{to} (crate rank {}) \
                             through `{}`: a crate uses only the crates below it (LAYERS.md)",
                            krate.package, krate.rank, target.package, target.rank, r.shown
                        ));
                    }
                }
                Base::Own => {
                    let Some((from, from_rank)) = from else {
                        continue;
                    }; // a root uses anything
                    let Some(name) = r.name else {
                        problems.push(format!(
                            "{at}: {from} (rank {from_rank}) imports everything at the root of {} \
                             through `{}`, which hides what it imports: name the modules",
                            krate.package, r.shown
                        ));
                        continue;
                    };
                    let Some(to) = module_of(*k, &name) else {
                        continue;
                    }; // an item of the root
                    let to_rank = krate.modules.get(&to).copied().unwrap_or(0);
                    if to_rank > from_rank {
                        problems.push(format!(
                            "{at}: {from} (rank {from_rank}) imports {to} (rank {to_rank}) through \
                             `{}`: a module of {} imports only modules of its rank or below (LAYERS.md)",
                            r.shown, krate.package
                        ));
                    }
                }
            }
        }
    }

    for (k, krate) in layers.crates.iter().enumerate() {
        for module in krate.modules.keys().filter(|m| !seen[k].contains(*m)) {
            problems.push(format!(
                "LAYERS.md lists `{module}` for {}, but {}/ has no {module}.rs or {module}/mod.rs",
                krate.package, krate.src
            ));
        }
    }
    problems
}

// The real tree.

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn layers() -> Layers {
    let text = std::fs::read_to_string(root().join("LAYERS.md")).unwrap();
    parse_layers(&text).unwrap()
}

/// Every `.rs` file under each crate's source directory, paths from the repository root.
fn sources(layers: &Layers) -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    for krate in &layers.crates {
        walk(&root().join(&krate.src), &mut paths);
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root()).unwrap();
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn every_module_imports_only_downward() {
    let layers = layers();
    let files = sources(&layers);
    assert!(files.len() > 40, "the walk found {} files", files.len());
    let problems = check(&layers, &files);
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// The real tree with `line` inserted in `path` right after the module's `//!` doc (or a
/// new file of that one line), and the inserted line's number.
fn with_line(files: &[(String, String)], path: &str, line: &str) -> (Vec<(String, String)>, usize) {
    let mut files = files.to_vec();
    let Some((_, text)) = files.iter_mut().find(|(p, _)| p == path) else {
        files.push((path.to_string(), format!("{line}\n")));
        return (files, 1);
    };
    let mut lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().take_while(|l| l.starts_with("//!")).count();
    lines.insert(at, line);
    *text = lines.join("\n");
    (files, at + 1)
}

#[test]
fn back_imports_are_caught() {
    let layers = layers();
    let files = sources(&layers);
    assert!(
        check(&layers, &files).is_empty(),
        "the real tree is not clean"
    );

    // (file, line inserted, what each reported problem says after `file:line: `)
    let cases: &[(&str, &str, &[&str])] = &[
        // core
        (
            "crates/core/src/validate/mod.rs",
            "use crate::expand::LABEL_NAME;",
            &["validate (rank 8) imports expand (rank 9) through `crate::expand`"],
        ),
        (
            "crates/core/src/parse/yaml.rs",
            "use crate::lint::Config;",
            &["parse (rank 7) imports lint (rank 13)"],
        ),
        (
            "crates/core/src/parse/yaml.rs",
            "fn desired() -> crate::compare::Desired { todo!() }",
            &["parse (rank 7) imports compare (rank 12)"],
        ),
        (
            "crates/core/src/expand.rs",
            "use crate::lint::{self, Config};",
            &["expand (rank 9) imports lint (rank 13)"],
        ),
        (
            "crates/core/src/validate/mod.rs",
            "use crate::{lint::{Config, Linted}, classes};",
            &["validate (rank 8) imports lint (rank 13) through `crate::{lint}`"],
        ),
        (
            "crates/core/src/validate/merge.rs",
            "use super::super::expand::Rendered;",
            &["validate (rank 8) imports expand (rank 9) through `super::super::expand`"],
        ),
        (
            "crates/core/src/validate/mod.rs",
            "fn all() { let _ = crate::compile(&[]); }",
            &["validate (rank 8) imports pipeline (rank 10) through `crate::compile`"],
        ),
        (
            "crates/core/src/expand.rs",
            "use super::*;",
            &["expand (rank 9) imports everything at the root of everynode-core"],
        ),
        // k8s
        (
            "crates/k8s/src/validation.rs",
            "use crate::placement::DaemonPodTemplate;",
            &["validation (rank 4) imports placement (rank 5)"],
        ),
        (
            "crates/k8s/src/apimachinery.rs",
            "use crate::selector::Operator;",
            &["apimachinery (rank 1) imports selector (rank 2)"],
        ),
        // the binary
        (
            "src/cmd/render.rs",
            "use crate::cli::run;",
            &["cmd (rank 7) imports cli (rank 8)"],
        ),
        (
            "src/report/plan.rs",
            "use crate::cmd::plan::inputs;",
            &["report (rank 1) imports cmd (rank 7)"],
        ),
        (
            "src/report/mod.rs",
            "use crate::{\n    args,\n    cmd,\n};",
            &[
                "report (rank 1) imports args (rank 3)",
                "report (rank 1) imports cmd (rank 7)",
            ],
        ),
        // crates
        (
            "crates/k8s/src/objects.rs",
            "use everynode_core::model::Daemon;",
            &["everynode-k8s::objects (crate rank 1) imports everynode-core::model (crate rank 2)"],
        ),
        (
            "crates/core/src/parse/mod.rs",
            "use everynode::report;",
            &["everynode-core::parse (crate rank 2) imports everynode::report (crate rank 3)"],
        ),
    ];
    for (path, line, expected) in cases {
        let (files, at) = with_line(&files, path, line);
        let problems = check(&layers, &files);
        assert_eq!(
            problems.len(),
            expected.len(),
            "`{line}` in {path}:\n{}",
            problems.join("\n")
        );
        for (problem, expected) in problems.iter().zip(*expected) {
            let line_of = |p: &str| p.split(": ").next().unwrap().to_string();
            assert!(
                problem.contains(expected) && line_of(problem).starts_with(&format!("{path}:")),
                "`{line}` in {path}: expected `{expected}` at line {at}, got:\n{problem}"
            );
        }
        // A single-line insertion is reported at its own line.
        if !line.contains('\n') {
            assert!(
                problems[0].starts_with(&format!("{path}:{at}: ")),
                "{}",
                problems[0]
            );
        }
    }
}

#[test]
fn comments_strings_and_same_module_imports_are_not_back_imports() {
    let layers = layers();
    let files = sources(&layers);
    for (path, line) in [
        (
            "crates/core/src/parse/yaml.rs",
            "// use crate::lint::Config;",
        ),
        (
            "crates/core/src/parse/yaml.rs",
            "/* crate::lint:: /* nested */ crate::compare:: */",
        ),
        (
            "crates/core/src/parse/yaml.rs",
            r##"const S: &str = r#"crate::lint::"#;"##,
        ),
        (
            "crates/core/src/parse/yaml.rs",
            r#"const S: &str = "use crate::lint::Config;";"#,
        ),
        (
            "crates/core/src/parse/yaml.rs",
            "const C: char = '\"'; const D: &str = \"crate::lint\";",
        ),
        (
            "crates/core/src/compare/diff.rs",
            "use crate::compare::Desired;",
        ),
        ("crates/k8s/src/placement/explain.rs", "use super::Verdict;"),
        (
            "crates/k8s/src/validation.rs",
            "use crate::defaults::normalize_typed;",
        ),
        (
            "crates/k8s/src/defaults.rs",
            "use crate::validation::unknown_fields;",
        ),
        ("src/cmd/render.rs", "use crate::{EXIT_ERROR, report};"),
        ("src/cli.rs", "use everynode_core::lint;"),
        ("src/lib.rs", "pub use cli::run;"),
    ] {
        let (files, _) = with_line(&files, path, line);
        let problems = check(&layers, &files);
        assert!(
            problems.is_empty(),
            "`{line}` in {path}:\n{}",
            problems.join("\n")
        );
    }
}

#[test]
fn the_table_cannot_go_stale() {
    let layers = layers();
    let files = sources(&layers);

    let (with_new, _) = with_line(
        &files,
        "crates/core/src/cache.rs",
        "use crate::source::SourceFile;",
    );
    let problems = check(&layers, &with_new);
    assert_eq!(
        problems,
        [
            "crates/core/src/cache.rs: module `cache` of everynode-core is not in LAYERS.md: give it a rank"
        ]
    );

    let without: Vec<_> = files
        .iter()
        .filter(|(p, _)| p != "crates/core/src/state.rs")
        .cloned()
        .collect();
    let problems = check(&layers, &without);
    assert_eq!(
        problems,
        [
            "LAYERS.md lists `state` for everynode-core, but crates/core/src/ has no state.rs or state/mod.rs"
        ]
    );
}

/// The issue's `cargo tree` check, transitive dependencies included: the Kubernetes crate
/// carries nothing of the language, diagnostics, CLI or network; the core nothing of the
/// CLI or network.
#[test]
fn lower_crates_do_not_depend_on_upper_layers() {
    let forbidden: [(&str, &[&str]); 2] = [
        (
            "everynode-k8s",
            &[
                "kdl",
                "miette",
                "clap",
                "kube",
                "tokio",
                "rustls",
                "similar",
                "jsonschema",
            ],
        ),
        ("everynode-core", &["clap", "kube", "tokio", "rustls"]),
    ];
    for (package, forbidden) in forbidden {
        let output = std::process::Command::new(env!("CARGO"))
            .current_dir(root())
            .args(["tree", "-p", package, "-e", "normal", "--prefix", "none"])
            .args(["--offline", "--locked"])
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "cargo tree -p {package}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let tree = String::from_utf8_lossy(&output.stdout);
        let crates: BTreeSet<&str> = tree
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .collect();
        for name in forbidden {
            assert!(
                !crates.contains(name),
                "{package} depends on {name}, which belongs to a layer above it"
            );
        }
    }
}
