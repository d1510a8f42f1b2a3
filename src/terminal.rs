//! The terminal: standard output that tolerates a closed pipe, whether a stream gets
//! colour, and how wide it is.

use std::io::{IsTerminal, Write};

use everynode_core::diagnostic::Diagnostic;

use crate::report;

/// Prints to standard output; a closed pipe (`| head`) is not an error.
pub fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Whether a stream gets colour: a terminal, and NO_COLOR unset or empty.
pub fn colour(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Prints diagnostics on standard error, coloured only on a terminal without NO_COLOR.
pub fn print_diagnostics(diagnostics: &[Diagnostic]) {
    if diagnostics.is_empty() {
        return;
    }
    let stderr = std::io::stderr();
    let colour = colour(&stderr);
    let width = if stderr.is_terminal() {
        terminal_width()
    } else {
        100
    };
    let text = report::diagnostics::render(diagnostics, colour, width);
    let _ = stderr.lock().write_all(text.as_bytes());
}

pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}
