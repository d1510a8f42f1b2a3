//! `everynode completions SHELL`: the shell's completion script, generated from the one
//! registry of flags (`args`), so it names every command and flag the parser takes.

use clap::CommandFactory;

use crate::EXIT_OK;
use crate::args::{Cli, CompletionsArgs};
use crate::terminal::print_stdout;

pub fn run(args: &CompletionsArgs) -> u8 {
    print_stdout(&script(args.shell));
    EXIT_OK
}

/// The completion script for `shell`.
pub fn script(shell: clap_complete::Shell) -> String {
    let mut command = Cli::command();
    let mut bytes = Vec::new();
    clap_complete::generate(shell, &mut command, "everynode", &mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}
