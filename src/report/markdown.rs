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

/// One folded block of a Markdown report: its opening (a `<details>` line, a fence), its
/// lines, each ending in a line break, and its closing. [`bounded`] may keep only the
/// first lines of one, so a block too long for a comment still shows its start.
pub struct Section {
    pub open: String,
    pub lines: Vec<String>,
    pub close: String,
    /// What a line is, singular, for the count of those left out (`finding`).
    pub item: &'static str,
}

impl Section {
    /// The length of the whole block, in bytes.
    fn len(&self) -> usize {
        self.open.len() + self.lines.iter().map(String::len).sum::<usize>() + self.close.len()
    }
}

/// `head` and then the `sections` within `limit` characters: every section that fits
/// whole, in order, skipping one that does not; then the first skipped one cut to its
/// first lines where any fit, saying how many it leaves out; and a last line counting the
/// sections left out (`noun`, singular) and saying where the whole is (`whole`:
/// "`--format json` has everything"). A head longer than the limit is cut at a line. The
/// result is never longer than `limit`.
pub fn bounded(
    head: String,
    sections: Vec<Section>,
    limit: usize,
    noun: &str,
    whole: &str,
) -> String {
    // Room for the closing note, however many are left out, and for the note of a cut
    // section.
    const NOTE: usize = 200;
    let budget = limit.saturating_sub(2 * NOTE);
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
    let mut room = budget - out.len();
    let mut fits = vec![false; sections.len()];
    for (fit, section) in fits.iter_mut().zip(&sections) {
        if section.len() <= room {
            *fit = true;
            room -= section.len();
        }
    }
    // The first section left out, as many of its lines as the rest of the room holds.
    let mut cut: Option<(usize, usize)> = None;
    if let Some(first) = fits.iter().position(|fit| !fit) {
        let section = &sections[first];
        let mut used = section.open.len() + section.close.len();
        let kept = section
            .lines
            .iter()
            .take_while(|line| {
                used += line.len();
                used <= room
            })
            .count();
        if kept > 0 {
            cut = Some((first, kept));
        }
    }
    let total = sections.len();
    let mut shown = 0;
    for (i, section) in sections.into_iter().enumerate() {
        if fits[i] {
            out.push_str(&section.open);
            section.lines.iter().for_each(|line| out.push_str(line));
            out.push_str(&section.close);
            shown += 1;
        } else if let Some((_, kept)) = cut.filter(|(at, _)| *at == i) {
            out.push_str(&section.open);
            section.lines[..kept]
                .iter()
                .for_each(|line| out.push_str(line));
            out.push_str(&section.close);
            out.push_str(&format!(
                "\n_This {noun} is cut here: {} left out._\n",
                more(section.lines.len() - kept, section.item)
            ));
            shown += 1;
        }
    }
    if shown < total {
        out.push_str(&format!(
            "\n_{} left out: a comment holds at most {limit} characters; {whole}._\n",
            more(total - shown, noun)
        ));
    } else if cut.is_some() {
        out.push_str(&format!(
            "\n_A comment holds at most {limit} characters; {whole}._\n"
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

    fn section(name: &str, lines: usize) -> Section {
        Section {
            open: format!("<details><summary>{name}</summary>\n\n"),
            lines: (0..lines)
                .map(|i| format!("- {name} line {i} {}\n", "x".repeat(80)))
                .collect(),
            close: "\n</details>\n".to_string(),
            item: "finding",
        }
    }

    #[test]
    fn the_result_fits_and_counts_what_it_left_out() {
        let sections: Vec<Section> = (0..100).map(|i| section(&format!("s{i}"), 1)).collect();
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
    fn a_section_too_long_is_cut_not_dropped_and_smaller_ones_still_fit() {
        // One file with many findings, then a small one: the small one whole, the large
        // one cut to its first findings, closed, with a count.
        let sections = vec![section("big", 100), section("small", 2)];
        let text = bounded("# head\n".to_string(), sections, 3_000, "file", "see all");
        assert!(text.len() <= 3_000, "{}", text.len());
        assert!(text.contains("small line 1"), "{text}");
        assert!(text.contains("big line 0"), "{text}");
        assert!(!text.contains("big line 99"), "{text}");
        assert!(text.contains("This file is cut here:"), "{text}");
        assert!(text.contains("more findings left out"), "{text}");
        assert_eq!(
            text.matches("<details>").count(),
            text.matches("</details>").count()
        );
        assert!(!text.contains("more files left out"), "{text}");
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
