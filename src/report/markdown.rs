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
/// counting the sections left out (`noun`, singular). A head longer than the limit is cut at
/// a line. The result is never longer than `limit`.
pub fn bounded(head: String, sections: Vec<String>, limit: usize, noun: &str) -> String {
    // Room for the closing note, however many are left out.
    const NOTE: usize = 200;
    let budget = limit.saturating_sub(NOTE);
    let mut out = head;
    if out.len() > budget {
        let cut = out[..budget].rfind('\n').map_or(0, |i| i + 1);
        out.truncate(cut);
        out.push_str("\n_The table is cut here: it is longer than a comment can be; `--format json` has everything._\n");
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
        let left = total - shown;
        let nouns = if left == 1 {
            noun.to_string()
        } else {
            format!("{noun}s")
        };
        out.push_str(&format!(
            "\n_{left} more {nouns} left out: a comment holds at most {limit} characters; `--format json` has everything._\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_fits_and_counts_what_it_left_out() {
        let sections: Vec<String> = (0..100)
            .map(|i| format!("section {i} {}\n", "x".repeat(90)))
            .collect();
        let text = bounded("# head\n".to_string(), sections, 2_000, "pool");
        assert!(text.len() <= 2_000);
        assert!(text.contains("more pools left out"), "{text}");
        let head = "row\n".repeat(1_000);
        assert!(bounded(head, Vec::new(), 2_000, "pool").len() <= 2_000);
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(escape("a*b_<c>|`d`"), "a\\*b\\_&lt;c&gt;\\|\\`d\\`");
    }
}
