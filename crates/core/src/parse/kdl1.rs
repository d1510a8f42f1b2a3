//! What to report when a `.kdl` file does not parse as KDL 2.0. Most people who know KDL
//! know version 1, and the kdl crate reports its habits as generic syntax errors, often
//! twice or over several lines. [`diagnose`] scans the text with a small lexer that knows
//! strings and comments, reports each KDL 1 habit at its exact token with the KDL 2.0
//! spelling as the fix, reports an unclosed block once, and falls back to the kdl crate's
//! own diagnostics, one per position, for anything no habit explains.
//!
//! The habits: bare `true`/`false`/`null` (KDL 2.0: `#true`, `#false`, `#null`), unquoted
//! values that start with a digit (`cpu=100m`: KDL 2.0 reads those as numbers), `r"…"` and
//! `r#"…"#` raw strings (KDL 2.0: `#"…"#`), and `/-` where KDL 2.0 does not take it (before
//! a property's value alone, between a type annotation and its value, before nothing, or a
//! commented-out children block followed by arguments).

use std::sync::Arc;

use kdl::KdlDiagnostic;

use crate::diagnostic::{Code, Diagnostic};
use crate::source::SourceFile;

/// The help of a kdl crate diagnostic that comes without one.
const SYNTAX_HELP: &str =
    "check the KDL 2.0 syntax: strings in double quotes, booleans as #true/#false, children in { }";

/// The diagnostics of a KDL file that failed to parse: its KDL 1 habits and unclosed or
/// stray braces, then those of `problems` (the kdl crate's) that none of them explains,
/// at most one per position.
pub(super) fn diagnose(file: &Arc<SourceFile>, problems: &[KdlDiagnostic]) -> Vec<Diagnostic> {
    let mut findings = scan(&file.text);
    let mut seen = Vec::new();
    findings.retain(|f| {
        let new = !seen.contains(&f.span);
        seen.push(f.span);
        new
    });
    let mut taken: Vec<(usize, usize)> = findings
        .iter()
        .flat_map(|f| f.covers.iter().copied().chain([f.span]))
        .collect();
    let mut diagnostics: Vec<Diagnostic> = findings
        .into_iter()
        .map(|f| {
            Diagnostic::new(Code::kdl_syntax, f.message)
                .at(file, (f.span.0, f.span.1 - f.span.0), f.label)
                .with_help(f.help)
        })
        .collect();
    let mut problems: Vec<&KdlDiagnostic> = problems.iter().collect();
    problems.sort_by_key(|p| (p.span.offset(), p.span.len()));
    let len = file.text.len();
    for problem in problems {
        let start = problem.span.offset().min(len);
        let span = (start, (start + problem.span.len()).min(len));
        if taken.iter().any(|&t| touches(t, span)) {
            continue;
        }
        taken.push(span);
        let message = problem.message.as_deref().unwrap_or("malformed KDL");
        diagnostics.push(
            Diagnostic::new(Code::kdl_syntax, super::kdl::lowercase_first(message))
                .at(
                    file,
                    (span.0, span.1 - span.0),
                    problem.label.as_deref().unwrap_or("here"),
                )
                .with_help(problem.help.as_deref().unwrap_or(SYNTAX_HELP)),
        );
    }
    diagnostics
}

/// Whether two byte ranges overlap or meet: the kdl crate reports one error at a token
/// and again just after it (an unclosed block at its `{` and from the next byte on).
fn touches(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// One problem the scan found.
#[derive(Debug)]
struct Finding {
    /// Byte range shown.
    span: (usize, usize),
    message: String,
    label: String,
    help: String,
    /// Other ranges whose kdl crate diagnostics this finding explains.
    covers: Vec<(usize, usize)>,
}

impl Finding {
    fn new(span: (usize, usize), message: String, label: &str, help: String) -> Finding {
        Finding {
            span,
            message,
            label: label.to_string(),
            help,
            covers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A bare identifier or number.
    Word,
    /// A quoted, multi-line or KDL 2.0 raw string.
    Str,
    /// A KDL 1 raw string, `r"…"` or `r#"…"#`, with its number of `#`.
    Kdl1Raw(usize),
    /// `#true`, `#null`, `#inf` …
    Keyword,
    /// `(type)`
    Annotation,
    Equals,
    Open,
    Close,
    Semicolon,
    Newline,
    Slashdash,
    /// Anything else: the kdl crate reports it.
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// The tokens of a text, skipping whitespace, comments and line continuations. `cut`
/// says the lexer stopped at an unterminated string, comment or raw string, so the
/// braces after it are unknown.
struct Lexed {
    tokens: Vec<Token>,
    cut: bool,
}

fn is_newline(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{85}' | '\u{c}' | '\u{2028}' | '\u{2029}'
    )
}

fn is_space(c: char) -> bool {
    !is_newline(c) && (c.is_whitespace() || c == '\u{feff}')
}

fn is_identifier_char(c: char) -> bool {
    !is_space(c) && !is_newline(c) && !"\\/(){};[]\"#=".contains(c)
}

fn lex(text: &str) -> Lexed {
    let bytes = text.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) {
        let start = i;
        let mut push = |kind, end| tokens.push(Token { kind, start, end });
        match c {
            _ if is_space(c) => i += c.len_utf8(),
            '\r' if at(i + 1) == Some(b'\n') => {
                push(Kind::Newline, i + 2);
                i += 2;
            }
            _ if is_newline(c) => {
                i += c.len_utf8();
                push(Kind::Newline, i);
            }
            '\\' => i = skip_line_continuation(text, i + 1),
            '/' if at(i + 1) == Some(b'/') => {
                i = text[i..].find(is_newline).map_or(text.len(), |n| i + n);
            }
            '/' if at(i + 1) == Some(b'*') => match skip_block_comment(bytes, i) {
                Some(end) => i = end,
                None => return Lexed { tokens, cut: true },
            },
            '/' if at(i + 1) == Some(b'-') => {
                push(Kind::Slashdash, i + 2);
                i += 2;
            }
            '"' => match quoted_end(text, i) {
                Some(end) => {
                    push(Kind::Str, end);
                    i = end;
                }
                None => return Lexed { tokens, cut: true },
            },
            '#' => {
                let hashes = bytes[i..].iter().take_while(|&&b| b == b'#').count();
                if at(i + hashes) == Some(b'"') {
                    match raw_end(text, i + hashes, hashes, false) {
                        Some(end) => {
                            push(Kind::Str, end);
                            i = end;
                        }
                        None => return Lexed { tokens, cut: true },
                    }
                } else {
                    let end = word_end(text, i + 1);
                    push(Kind::Keyword, end);
                    i = end;
                }
            }
            'r' if kdl1_raw_hashes(bytes, i).is_some() => {
                let hashes = kdl1_raw_hashes(bytes, i).unwrap_or_default();
                match raw_end(text, i + 1 + hashes, hashes, true) {
                    Some(end) => {
                        push(Kind::Kdl1Raw(hashes), end);
                        i = end;
                    }
                    None => {
                        push(Kind::Kdl1Raw(hashes), text.len());
                        return Lexed { tokens, cut: true };
                    }
                }
            }
            '(' => {
                let line_end = text[i..].find(is_newline).map_or(text.len(), |n| i + n);
                match text[i..line_end].find(')') {
                    Some(n) if !text[i..i + n].contains('"') => {
                        push(Kind::Annotation, i + n + 1);
                        i += n + 1;
                    }
                    _ => {
                        push(Kind::Other, i + 1);
                        i += 1;
                    }
                }
            }
            '=' | '{' | '}' | ';' => {
                let kind = match c {
                    '=' => Kind::Equals,
                    '{' => Kind::Open,
                    '}' => Kind::Close,
                    _ => Kind::Semicolon,
                };
                push(kind, i + 1);
                i += 1;
            }
            _ if is_identifier_char(c) => {
                let end = word_end(text, i);
                push(Kind::Word, end);
                i = end;
            }
            _ => {
                push(Kind::Other, i + c.len_utf8());
                i += c.len_utf8();
            }
        }
    }
    Lexed { tokens, cut: false }
}

/// After a `\` outside strings: spaces, an optional `//` comment and one newline.
fn skip_line_continuation(text: &str, mut i: usize) -> usize {
    while let Some(c) = text[i..].chars().next().filter(|&c| is_space(c)) {
        i += c.len_utf8();
    }
    if text[i..].starts_with("//") {
        i = text[i..].find(is_newline).map_or(text.len(), |n| i + n);
    }
    if text[i..].starts_with("\r\n") {
        i + 2
    } else {
        match text[i..].chars().next() {
            Some(c) if is_newline(c) => i + c.len_utf8(),
            _ => i,
        }
    }
}

/// The end of a `/* … */` comment starting at `i` (they nest), if it ends.
fn skip_block_comment(bytes: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                i += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The end of the quoted string (single-line or `"""` multi-line) starting at `i`; none
/// when it does not end (a single-line one at a newline, as KDL 2.0 reads it).
fn quoted_end(text: &str, i: usize) -> Option<usize> {
    let multi = text[i..].starts_with("\"\"\"");
    let mut j = i + if multi { 3 } else { 1 };
    while let Some(c) = text[j..].chars().next() {
        match c {
            '\\' => {
                j += 1;
                // A whitespace escape swallows all whitespace and newlines after it.
                let mut skipped = false;
                while let Some(w) = text[j..]
                    .chars()
                    .next()
                    .filter(|&w| is_space(w) || is_newline(w))
                {
                    j += w.len_utf8();
                    skipped = true;
                }
                if !skipped {
                    j += text[j..].chars().next().map_or(0, char::len_utf8);
                }
            }
            '"' if multi && text[j..].starts_with("\"\"\"") => return Some(j + 3),
            '"' if !multi => return Some(j + 1),
            _ if !multi && is_newline(c) => return None,
            _ => j += c.len_utf8(),
        }
    }
    None
}

/// The end of a raw string whose opening `"` is at `quote`, closed by `"` and `hashes`
/// `#`. KDL 2.0's single-line raw strings end at a newline; KDL 1's span lines.
fn raw_end(text: &str, quote: usize, hashes: usize, kdl1: bool) -> Option<usize> {
    let multi = !kdl1 && text[quote..].starts_with("\"\"\"");
    let closing = format!(
        "{}{}",
        if multi { "\"\"\"" } else { "\"" },
        "#".repeat(hashes)
    );
    let body = quote + if multi { 3 } else { 1 };
    let end = body + text[body..].find(&closing)? + closing.len();
    if !kdl1 && !multi && text[body..end].contains(is_newline) {
        return None;
    }
    Some(end)
}

/// `r` at `i` starting a KDL 1 raw string: the number of `#` before its `"`.
fn kdl1_raw_hashes(bytes: &[u8], i: usize) -> Option<usize> {
    let hashes = bytes
        .get(i + 1..)?
        .iter()
        .take_while(|&&b| b == b'#')
        .count();
    (bytes.get(i + 1 + hashes) == Some(&b'"')).then_some(hashes)
}

fn word_end(text: &str, i: usize) -> usize {
    text[i..]
        .find(|c: char| !is_identifier_char(c))
        .map_or(text.len(), |n| i + n)
}

/// Whether a bare word is a KDL 2.0 number: decimal, `0x`, `0o` or `0b`, with `_`.
fn is_number(word: &str) -> bool {
    let digits = |s: &str, radix: u32| {
        s.starts_with(|c: char| c.is_digit(radix))
            && s.chars().all(|c| c == '_' || c.is_digit(radix))
    };
    let unsigned = word.strip_prefix(['+', '-']).unwrap_or(word);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unsigned.strip_prefix(prefix) {
            return digits(rest, radix);
        }
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(n) => (&unsigned[..n], Some(&unsigned[n + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => digits(whole, 10) && digits(fraction, 10),
        None => digits(mantissa, 10),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e), 10));
    mantissa_ok && exponent_ok
}

/// Whether KDL 2.0 reads a bare word as a number (and fails): it starts with a digit,
/// or a sign or `.` then a digit.
fn looks_numeric(word: &str) -> bool {
    let unsigned = word.strip_prefix(['+', '-']).unwrap_or(word);
    let unsigned = unsigned.strip_prefix('.').unwrap_or(unsigned);
    unsigned.starts_with(|c: char| c.is_ascii_digit())
}

/// An open `{`: its token, and the name of the node it belongs to.
struct Open {
    token: usize,
    node: Option<(usize, usize)>,
}

/// A closed block: the tokens of its `{` and `}`, and the name of its node.
type Pair = (usize, usize, Option<(usize, usize)>);

/// Finds the KDL 1 habits and unbalanced braces of a text.
fn scan(text: &str) -> Vec<Finding> {
    let Lexed { tokens, cut } = lex(text);
    let source = |t: &Token| &text[t.start..t.end];
    let mut findings = Vec::new();
    let mut expect_node = true;
    let mut after_children: Option<usize> = None;
    let mut slashdash: Option<usize> = None;
    let mut node: Option<(usize, usize)> = None;
    let mut stack: Vec<Open> = Vec::new();
    let mut pairs: Vec<Pair> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| tokens[p]);
        if let Kind::Kdl1Raw(hashes) = token.kind {
            findings.push(kdl1_raw(text, token, hashes));
        }
        match token.kind {
            Kind::Newline => {
                if slashdash.is_none() {
                    expect_node = true;
                    after_children = None;
                }
            }
            Kind::Semicolon => {
                if let Some(s) = slashdash.take() {
                    findings.push(slashdash_before_nothing(&tokens[s]));
                }
                expect_node = true;
                after_children = None;
            }
            Kind::Slashdash => {
                match previous {
                    Some(p) if p.kind == Kind::Equals && !expect_node => {
                        findings.push(slashdash_in_property(text, &tokens, i));
                    }
                    Some(p) if p.kind == Kind::Annotation && p.end == token.start => {
                        findings.push(Finding::new(
                            (token.start, token.end),
                            "`/-` between a type annotation and its value".into(),
                            "inside the value",
                            format!("put `/-` first: write /-{}", source(&p)),
                        ));
                    }
                    _ => {}
                }
                slashdash = Some(i);
            }
            Kind::Open => {
                slashdash = None;
                stack.push(Open { token: i, node });
                expect_node = true;
                after_children = None;
            }
            Kind::Close => {
                if let Some(s) = slashdash.take() {
                    findings.push(slashdash_before_nothing(&tokens[s]));
                }
                match stack.pop() {
                    Some(open) => {
                        pairs.push((open.token, i, open.node));
                        node = open.node;
                        after_children = Some(open.token);
                    }
                    None => findings.push(Finding::new(
                        (token.start, token.end),
                        "`}` closes no block".into(),
                        "no block is open here",
                        "remove it, or open the block it closes with `{`".into(),
                    )),
                }
                expect_node = false;
            }
            Kind::Equals => {}
            _ if expect_node => {
                if token.kind != Kind::Annotation {
                    node = Some((token.start, token.end));
                    expect_node = false;
                    after_children = None;
                }
                slashdash = None;
            }
            _ => {
                if let Some(open) = after_children.take() {
                    findings.push(entry_after_children(text, &tokens, open, token));
                }
                if token.kind != Kind::Annotation {
                    slashdash = None;
                }
                let is_key = tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Equals);
                if token.kind == Kind::Word && !is_key {
                    // What the fix writes before the value: `cpu=`, or the node's name
                    // when the value is its first argument.
                    let before = match property_key(&tokens, i) {
                        Some(key) => format!("{}=", source(&key)),
                        None => match (previous, node) {
                            (Some(p), Some(n)) if (p.start, p.end) == n => {
                                format!("{} ", source(&p))
                            }
                            _ => String::new(),
                        },
                    };
                    findings.extend(bare_value(text, token, &before));
                }
            }
        }
    }
    if let Some(s) = slashdash {
        findings.push(slashdash_before_nothing(&tokens[s]));
    }
    if !cut {
        for open in &stack {
            findings.push(unclosed(text, &tokens, open, &pairs));
        }
    }
    findings
}

/// The key of the property whose value is the token at `i` (`key=value`,
/// `key=(type)value`).
fn property_key(tokens: &[Token], i: usize) -> Option<Token> {
    let mut j = i.checked_sub(1)?;
    if tokens[j].kind == Kind::Annotation {
        j = j.checked_sub(1)?;
    }
    (tokens[j].kind == Kind::Equals)
        .then(|| j.checked_sub(1).map(|k| tokens[k]))
        .flatten()
}

/// `true`, `false`, `null` (and `inf`, `-inf`, `nan`) without `#`, and unquoted values
/// that KDL 2.0 reads as broken numbers.
fn bare_value(text: &str, token: &Token, before: &str) -> Option<Finding> {
    let word = &text[token.start..token.end];
    let span = (token.start, token.end);
    let write = |value: String| format!("{before}{value}");
    match word {
        "true" | "false" | "null" => {
            let what = if word == "null" { "null" } else { "booleans" };
            Some(Finding::new(
                span,
                format!("`{word}` without `#` is KDL 1 syntax"),
                &format!("KDL 1 {}", if word == "null" { "null" } else { "boolean" }),
                format!(
                    "KDL 2.0 writes {what} with a `#`: write {}",
                    write(format!("#{word}"))
                ),
            ))
        }
        "inf" | "-inf" | "nan" => Some(Finding::new(
            span,
            format!("`{word}` without `#` is not a KDL 2.0 value"),
            "keyword without `#`",
            format!(
                "write {} for the number, or {} for the text",
                write(format!("#{word}")),
                write(format!("\"{word}\""))
            ),
        )),
        _ if looks_numeric(word) && !is_number(word) => Some(Finding::new(
            span,
            format!("unquoted value `{word}` is not a number"),
            "read as a number, and not one",
            format!(
                "quote a value that starts with a digit: write {}",
                write(format!("\"{word}\""))
            ),
        )),
        _ => None,
    }
}

/// `r"…"` or `r#"…"#`: KDL 2.0 drops the `r` and needs at least one `#`.
fn kdl1_raw(text: &str, token: &Token, hashes: usize) -> Finding {
    let body_start = (token.start + 2 + hashes).min(token.end);
    let body_end = token.end.saturating_sub(1 + hashes).max(body_start);
    // An unterminated one (cut at the end of the text) has no closing to strip.
    let body = text.get(body_start..body_end).unwrap_or("…");
    let hashes = "#".repeat(hashes.max(1));
    let help = if body.contains(is_newline) {
        format!(
            "KDL 2.0 drops the `r` and writes raw text over several lines between {hashes}\"\"\" and \"\"\"{hashes}, each on its own line"
        )
    } else {
        format!(
            "KDL 2.0 drops the `r` and needs at least one `#`: write {hashes}\"{body}\"{hashes}"
        )
    };
    Finding::new(
        (token.start, token.end),
        "`r\"…\"` raw strings are KDL 1 syntax".into(),
        "KDL 1 raw string",
        help,
    )
}

/// `key=/-value`: KDL 2.0 comments out whole entries only.
fn slashdash_in_property(text: &str, tokens: &[Token], i: usize) -> Finding {
    let key = i
        .checked_sub(2)
        .map(|k| &text[tokens[k].start..tokens[k].end]);
    let value = tokens
        .get(i + 1)
        .filter(|t| t.kind != Kind::Newline)
        .map_or("…", |t| &text[t.start..t.end]);
    Finding::new(
        (tokens[i].start, tokens[i].end),
        "`/-` inside a property".into(),
        "comments out the value alone",
        format!(
            "KDL 2.0 comments out a whole property: write /-{}={value}",
            key.unwrap_or("key")
        ),
    )
}

fn slashdash_before_nothing(token: &Token) -> Finding {
    Finding::new(
        (token.start, token.end),
        "`/-` comments out nothing".into(),
        "nothing follows",
        "put `/-` right before the node, argument, property or children block to comment out, or remove it".into(),
    )
}

/// An argument or property after a node's children block (commented out or not).
fn entry_after_children(text: &str, tokens: &[Token], open: usize, entry: &Token) -> Finding {
    let commented = open
        .checked_sub(1)
        .is_some_and(|p| tokens[p].kind == Kind::Slashdash);
    let block = if commented {
        "`/-{ … }`"
    } else {
        "`{ … }`"
    };
    Finding::new(
        (entry.start, entry.end),
        "an argument or property after the children block".into(),
        "after the children block",
        format!(
            "a node's arguments and properties come before its children, even a block commented out with /-: move `{}` before {block}",
            &text[entry.start..entry.end]
        ),
    )
}

/// The indentation of the line holding byte `at`, and whether `at` starts the line's text.
fn indentation(text: &str, at: usize) -> (usize, bool) {
    let before = &text[..at];
    let line_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| is_newline(c))
        .map_or(0, |(n, c)| n + c.len_utf8());
    let prefix = &before[line_start..];
    let indent = prefix.len() - prefix.trim_start().len();
    (indent, prefix.trim().is_empty())
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// A `{` never closed. Counting braces blames the outermost block; when an inner block's
/// `}` sits at the indentation of an outer block, that inner block is the one missing its
/// `}`, and it is the one reported.
fn unclosed(text: &str, tokens: &[Token], open: &Open, pairs: &[Pair]) -> Finding {
    let opener = tokens[open.token];
    let misindented = pairs.iter().copied().find(|&(o, c, _)| {
        let (open_indent, _) = indentation(text, tokens[o].start);
        let (close_indent, starts_line) = indentation(text, tokens[c].start);
        o > open.token
            && starts_line
            && line_of(text, tokens[o].start) != line_of(text, tokens[c].start)
            && close_indent < open_indent
    });
    // `class "gpu"`: the node's name and its first argument when that is a string.
    let name_of = |node: Option<(usize, usize)>| {
        let Some((start, end)) = node else {
            return String::new();
        };
        let at = tokens.partition_point(|t| t.start < start);
        match tokens.get(at + 1) {
            Some(t) if t.kind == Kind::Str => text[start..t.end].to_string(),
            _ => text[start..end].to_string(),
        }
    };
    let (span, name, help) = match misindented {
        Some((o, c, node)) => {
            let name = name_of(node);
            let help = format!(
                "add its `}}`: the `}}` on line {} is indented to close an outer block",
                line_of(text, tokens[c].start)
            );
            ((tokens[o].start, tokens[o].end), name, help)
        }
        None => (
            (opener.start, opener.end),
            name_of(open.node),
            "add `}` after the block's last child".to_string(),
        ),
    };
    let message = if name.is_empty() {
        "a block is never closed".to_string()
    } else {
        format!("the `{name}` block is never closed")
    };
    let mut finding = Finding::new(span, message, "opened here, never closed", help);
    finding.covers = vec![(opener.start, opener.end + 1)];
    finding
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// (shown text, message, help) of each finding.
    fn found(text: &str) -> Vec<(String, String, String)> {
        scan(text)
            .into_iter()
            .map(|f| (text[f.span.0..f.span.1].to_string(), f.message, f.help))
            .collect()
    }

    fn diagnosed(text: &str) -> Vec<Diagnostic> {
        let file = SourceFile::new("d.kdl", text);
        let error = kdl::KdlDocument::parse(text).expect_err("the text is not KDL 2.0");
        diagnose(&file, &error.diagnostics)
    }

    #[test]
    fn scanning_any_text_never_panics() {
        let pieces = [
            "n", " ", "\n", "\r\n", "\u{2028}", "\u{85}", "é", "\"", "\"\"\"", "#", "r", "r#\"",
            "\"#", "/-", "/*", "*/", "//", "{", "}", "(", ")", "=", ";", "\\", "true", "100m",
            "    ",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..24 {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            let _ = scan(&text);
        }
    }

    #[test]
    fn bare_booleans_and_null_get_their_hash() {
        let found = found("n true x=false\nm null\n");
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].0, "true");
        assert!(found[0].2.ends_with("write n #true"), "{}", found[0].2);
        assert!(found[1].2.ends_with("write x=#false"), "{}", found[1].2);
        assert_eq!(found[2].1, "`null` without `#` is KDL 1 syntax");
        assert!(found[2].2.ends_with("write m #null"));
    }

    #[test]
    fn unquoted_quantities_are_quoted() {
        let found = found("requests cpu=100m memory=64Mi\nn 1.5Gi .5 -5Mi\n");
        let shown: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(shown, ["100m", "64Mi", "1.5Gi", ".5", "-5Mi"]);
        assert!(found[0].2.ends_with("write cpu=\"100m\""), "{}", found[0].2);
        assert!(found[2].2.ends_with("write n \"1.5Gi\""));
        assert!(found[3].2.ends_with("write \".5\""));
    }

    #[test]
    fn numbers_and_identifiers_are_not_habits() {
        let text = "n 1 -2 +3 1_000 1.5 1e3 1.5E-3 0x1F 0o17 0b1_0 m100 x=#true y=#null\n";
        assert!(found(text).is_empty(), "{:?}", found(text));
        for word in ["1.", "1e", "0x", "0xG", "1__a", "1.5.5"] {
            assert!(!is_number(word), "{word}");
        }
    }

    #[test]
    fn strings_and_comments_are_skipped() {
        let text = concat!(
            "n \"true\" \"cpu=100m\" #\"r\"x\" 100m\"# // true 100m r\"x\"\n",
            "/* null { r#\"x\"# /* nested } */ } */ m \"\"\"\n  true {\n  \"\"\"\n",
            "k \"a \\\n   b\" c\n",
        );
        assert!(found(text).is_empty(), "{:?}", found(text));
    }

    #[test]
    fn kdl1_raw_strings_lose_their_r() {
        let found = found("n r\"a\\b\" r#\"say \"hi\"\"#\n");
        assert_eq!(found[0].0, "r\"a\\b\"");
        assert!(found[0].2.ends_with("write #\"a\\b\"#"), "{}", found[0].2);
        assert_eq!(found[1].0, "r#\"say \"hi\"\"#");
        assert!(
            found[1].2.ends_with("write #\"say \"hi\"\"#"),
            "{}",
            found[1].2
        );
    }

    #[test]
    fn slashdash_where_kdl2_takes_none() {
        let found = found("n key=/-1\nm (u8)/-2\nj /-{ a } \"b\"\ni 1 /-;\nk /-");
        let shown: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(shown, ["/-", "/-", "\"b\"", "/-", "/-"]);
        assert!(found[0].2.ends_with("write /-key=1"), "{}", found[0].2);
        assert!(found[1].2.ends_with("write /-(u8)"), "{}", found[1].2);
        assert!(found[2].2.contains("before `/-{ … }`"), "{}", found[2].2);
        assert_eq!(found[3].1, "`/-` comments out nothing");
        assert_eq!(found[4].1, "`/-` comments out nothing");
    }

    #[test]
    fn slashdash_where_kdl2_takes_it() {
        let text = "/- n 1\nm \"a\" /-\"b\" /-key=1 /-{ x } { y }\nk /-\n  \"c\"\n";
        assert!(found(text).is_empty(), "{:?}", found(text));
        assert!(kdl::KdlDocument::parse(text).is_ok());
    }

    #[test]
    fn an_unclosed_block_is_reported_once() {
        let diagnostics = diagnosed("daemon \"a\" {\n    image \"x\"\n");
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(
            diagnostics[0].message,
            "the `daemon \"a\"` block is never closed"
        );
        assert_eq!(diagnostics[0].span, Some((11, 1).into()));
    }

    #[test]
    fn the_misindented_block_is_the_unclosed_one() {
        let text = "daemon \"a\" {\n    container \"b\" {\n        image \"x\"\n}\n";
        let diagnostics = diagnosed(text);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(
            diagnostics[0].message,
            "the `container \"b\"` block is never closed"
        );
        assert_eq!(diagnostics[0].line_column(), Some((2, 19)));
        assert!(diagnostics[0].help.as_deref().unwrap().contains("line 4"));
    }

    #[test]
    fn a_stray_brace_is_reported_once() {
        let diagnostics = diagnosed("n {\n  a 1\n}\n}\nm 2\n");
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].message, "`}` closes no block");
    }

    #[test]
    fn habits_replace_the_crates_diagnostics() {
        let diagnostics =
            diagnosed("daemon \"a\" {\n    requests cpu=100m\n    privileged true\n}\n");
        let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unquoted value `100m` is not a number",
                "`true` without `#` is KDL 1 syntax"
            ]
        );
    }

    #[test]
    fn other_errors_fall_back_to_the_crate_once_per_position() {
        let diagnostics = diagnosed("n { a } \"b\" \"c\n");
        assert!(!diagnostics.is_empty());
        for pair in diagnostics.windows(2) {
            let (a, b) = (pair[0].span.unwrap(), pair[1].span.unwrap());
            assert!(a.offset() + a.len() < b.offset(), "{diagnostics:?}");
        }
        let diagnostics = diagnosed("daemon \"a\" {\n    image \"x\n}\n");
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(
            diagnostics[0].message,
            "unexpected newline in single-line quoted string"
        );
    }
}
