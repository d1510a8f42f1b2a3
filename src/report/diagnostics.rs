//! Diagnostics as people read them: miette's graphical report, with or without colour.

use miette::{GraphicalReportHandler, GraphicalTheme};

use everynode_core::diagnostic::Diagnostic;

/// Renders diagnostics one after another. `width` fixes wrapping so output is the same on
/// every terminal; `colour` adds ANSI styles.
pub fn render(diagnostics: &[Diagnostic], colour: bool, width: usize) -> String {
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    for (i, diagnostic) in diagnostics.iter().enumerate() {
        // A blank line between two reports, as rustc leaves one.
        if i > 0 {
            out.push('\n');
        }
        if diagnostic.span.is_none()
            && let Some(location) = diagnostic.location()
        {
            out.push_str(&format!("{location}: "));
        }
        if handler.render_report(&mut out, diagnostic).is_err() {
            out.push_str(&format!("{}: {}\n", diagnostic.code, diagnostic.message));
        }
    }
    out
}
