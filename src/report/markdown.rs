//! GitHub-flavoured Markdown shared by every `--format markdown`: escaping, and the bound on
//! size (GitHub refuses a comment over 65,536 characters).

/// GitHub refuses a comment over this many characters: every document stops before it,
/// counting what it left out.
pub const LIMIT: usize = 65_536;

/// Inline text with the characters Markdown would read as markup escaped, and HTML tags
/// neutralized, so a message shows as written.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `head` and then as many `sections` as fit within `limit` characters, with a last line
/// counting the sections left out (`noun`, singular) and saying where the whole is
/// (`whole`: "`--format json` has everything"). A head longer than the limit is cut at a
/// line. The result is never longer than `limit`.
pub fn bounded(
    head: String,
    sections: Vec<String>,
    limit: usize,
    noun: &str,
    whole: &str,
) -> String {
    // Room for the closing note, however many are left out.
    const NOTE: usize = 200;
    let budget = limit.saturating_sub(NOTE);
    let mut out = head;
    if out.len() > budget {
        // At a line before the budget (a line break is one byte, so this is a character
        // boundary too).
        let cut = out.as_bytes()[..budget]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let rows = out[cut..].lines().filter(|l| l.starts_with('|')).count();
        out.truncate(cut);
        out.push_str(&format!(
            "\n_The table is cut here: {rows} more rows, and the details of {}, left out; a comment holds at most {limit} characters; {whole}._\n",
            super::count(sections.len(), noun)
        ));
        return out;
    }
    let total = sections.len();
    let mut shown = 0;
    for section in sections {
        if out.len() + section.len() > budget {
            break;
        }
        out.push_str(&section);
        shown += 1;
    }
    if shown < total {
        out.push_str(&format!(
            "\n_{} left out: a comment holds at most {limit} characters; {whole}._\n",
            more(total - shown, noun)
        ));
    }
    out
}

/// `1 more pool`, `3 more pools`.
fn more(n: usize, noun: &str) -> String {
    let nouns = if n == 1 {
        noun.to_string()
    } else {
        format!("{noun}s")
    };
    format!("{n} more {nouns}")
}

/// Text as a code span that stays one: fenced with more backticks than any run inside, on
/// one line (a line break in a name would end a list item or an HTML block).
pub fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(run + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// [`code`] for a table cell: `|` escaped, which GitHub's tables read even in a code
/// span (and nothing else does).
pub fn cell_code(text: &str) -> String {
    code(text).replace('|', "\\|")
}

/// Text inside an HTML element (`<summary>`): `&`, `<` and `>` as entities, on one line.
pub fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_fits_and_counts_what_it_left_out() {
        let sections: Vec<String> = (0..100)
            .map(|i| format!("section {i} {}\n", "x".repeat(90)))
            .collect();
        let text = bounded("# head\n".to_string(), sections, 2_000, "pool", "see all");
        assert!(text.len() <= 2_000);
        assert!(text.contains("more pools left out"), "{text}");
        // A cut inside a character of several bytes would panic.
        let wide = format!("| {} |\n", "é".repeat(40)).repeat(100);
        assert!(bounded(wide, Vec::new(), 2_001, "pool", "see all").len() <= 2_001);
        let head = "row\n".repeat(1_000);
        assert!(bounded(head, Vec::new(), 2_000, "pool", "see all").len() <= 2_000);
    }

    #[test]
    fn code_spans_hold_backticks_and_pipes() {
        assert_eq!(code("a`b|c"), "``a`b|c``");
        assert_eq!(cell_code("a`b|c"), "``a`b\\|c``");
        assert_eq!(html("x\n\n# y"), "x  # y");
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(escape("a*b_<c>|`d`"), "a\\*b\\_&lt;c&gt;\\|\\`d\\`");
    }
}
