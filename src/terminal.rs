//! The terminal: standard output that tolerates a closed pipe, whether a stream gets
//! colour, and how wide it is.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};

use everynode_core::diagnostic::Diagnostic;

use crate::report;

/// The width text is wrapped at when the stream is not a terminal (or its size is not
/// known): fixed, so piped output, CI logs and snapshots are the same everywhere.
pub const DEFAULT_WIDTH: usize = 100;

/// Prints to standard output; a closed pipe (`| head`) is not an error.
pub fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Whether a stream gets colour, decided by [`colour_choice`] from the environment.
pub fn colour(stream: &impl IsTerminal) -> bool {
    colour_choice(stream.is_terminal(), |name| std::env::var_os(name))
}

/// Whether a stream gets colour, by the conventions of <https://no-color.org> and
/// <https://bixense.com/clicolors>, the first rule that applies deciding:
///
/// 1. `NO_COLOR` set and not empty: no colour, whatever else is set (no-color.org: it
///    "should prevent the addition of ANSI color", and it is the user's word);
/// 2. `CLICOLOR_FORCE` set, not empty and not `0`: colour, even in a pipe or a file;
/// 3. `CLICOLOR=0`: no colour;
/// 4. otherwise colour only on a terminal, and not when `TERM=dumb`.
///
/// `env` looks a variable up, so the decision is tested without touching the process.
pub fn colour_choice(is_terminal: bool, env: impl Fn(&str) -> Option<OsString>) -> bool {
    let set = |name: &str| env(name).filter(|value| !value.is_empty());
    if set("NO_COLOR").is_some() {
        return false;
    }
    if set("CLICOLOR_FORCE").is_some_and(|value| value != "0") {
        return true;
    }
    if env("CLICOLOR").is_some_and(|value| value == "0") {
        return false;
    }
    is_terminal && env("TERM").is_none_or(|term| term != "dumb")
}

/// How wide standard error is, decided by [`width_choice`].
pub fn stderr_width(stderr: &std::io::Stderr) -> usize {
    width_choice(stderr.is_terminal(), std::env::var_os("COLUMNS"), || {
        terminal_size::terminal_size_of(stderr).map(|(width, _)| usize::from(width.0))
    })
}

/// The width to wrap a stream's text at: on a terminal, `COLUMNS` when it is a positive
/// number, else the terminal's own width (`measure`, asked only then), else
/// [`DEFAULT_WIDTH`]; not on a terminal, always [`DEFAULT_WIDTH`], so output that is
/// piped or saved does not depend on the shell it ran in.
pub fn width_choice(
    is_terminal: bool,
    columns: Option<OsString>,
    measure: impl FnOnce() -> Option<usize>,
) -> usize {
    if !is_terminal {
        return DEFAULT_WIDTH;
    }
    columns
        .and_then(|c| c.to_str()?.parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(|| measure().filter(|&w| w > 0))
        .unwrap_or(DEFAULT_WIDTH)
}

/// Prints diagnostics on standard error, coloured as [`colour`] says, wrapped at
/// [`stderr_width`].
pub fn print_diagnostics(diagnostics: &[Diagnostic]) {
    if diagnostics.is_empty() {
        return;
    }
    let stderr = std::io::stderr();
    let text = report::diagnostics::render(diagnostics, colour(&stderr), stderr_width(&stderr));
    let _ = stderr.lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An environment holding only `vars`.
    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let vars: Vec<(String, OsString)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn colour_on_a_terminal_only_by_default() {
        assert!(colour_choice(true, env(&[])));
        assert!(colour_choice(true, env(&[("TERM", "xterm-256color")])));
        assert!(!colour_choice(false, env(&[])));
        assert!(!colour_choice(false, env(&[("TERM", "xterm-256color")])));
    }

    #[test]
    fn a_dumb_terminal_gets_no_colour() {
        assert!(!colour_choice(true, env(&[("TERM", "dumb")])));
        assert!(colour_choice(
            true,
            env(&[("TERM", "dumb"), ("CLICOLOR_FORCE", "1")])
        ));
    }

    #[test]
    fn no_color_wins_over_everything() {
        for is_terminal in [true, false] {
            assert!(!colour_choice(is_terminal, env(&[("NO_COLOR", "1")])));
            assert!(!colour_choice(
                is_terminal,
                env(&[
                    ("NO_COLOR", "1"),
                    ("CLICOLOR_FORCE", "1"),
                    ("CLICOLOR", "1")
                ])
            ));
        }
        // Set but empty is unset (no-color.org).
        assert!(colour_choice(true, env(&[("NO_COLOR", "")])));
        assert!(colour_choice(
            false,
            env(&[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")])
        ));
    }

    #[test]
    fn clicolor_force_colours_a_pipe_unless_empty_or_zero() {
        assert!(colour_choice(false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(colour_choice(false, env(&[("CLICOLOR_FORCE", "yes")])));
        assert!(colour_choice(
            false,
            env(&[("CLICOLOR_FORCE", "1"), ("CLICOLOR", "0")])
        ));
        assert!(!colour_choice(false, env(&[("CLICOLOR_FORCE", "0")])));
        assert!(!colour_choice(false, env(&[("CLICOLOR_FORCE", "")])));
        assert!(colour_choice(true, env(&[("CLICOLOR_FORCE", "0")])));
    }

    #[test]
    fn clicolor_zero_turns_a_terminal_off() {
        assert!(!colour_choice(true, env(&[("CLICOLOR", "0")])));
        assert!(colour_choice(true, env(&[("CLICOLOR", "1")])));
        assert!(!colour_choice(false, env(&[("CLICOLOR", "1")])));
    }

    #[test]
    fn width_is_fixed_off_a_terminal() {
        let columns = || Some(OsString::from("60"));
        assert_eq!(width_choice(false, None, || Some(80)), DEFAULT_WIDTH);
        assert_eq!(width_choice(false, columns(), || Some(80)), DEFAULT_WIDTH);
        assert_eq!(
            width_choice(false, None, || panic!("a pipe is not measured")),
            DEFAULT_WIDTH
        );
    }

    #[test]
    fn on_a_terminal_columns_then_its_size_then_the_default() {
        let columns = |c: &str| Some(OsString::from(c));
        assert_eq!(width_choice(true, columns("60"), || Some(80)), 60);
        assert_eq!(
            width_choice(true, columns("60"), || panic!("COLUMNS is enough")),
            60
        );
        assert_eq!(width_choice(true, None, || Some(80)), 80);
        for bad in ["0", "-3", "wide", "", " 60"] {
            assert_eq!(width_choice(true, columns(bad), || Some(80)), 80, "{bad:?}");
        }
        assert_eq!(width_choice(true, None, || None), DEFAULT_WIDTH);
        assert_eq!(width_choice(true, None, || Some(0)), DEFAULT_WIDTH);
        assert_eq!(width_choice(true, columns("0"), || None), DEFAULT_WIDTH);
    }
}
