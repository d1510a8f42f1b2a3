//! The entry point: parse the flags, run the command, exit with its code.

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::cmd;
use crate::{EXIT_ERROR, EXIT_OK};

/// Runs everynode with the process's arguments and returns its exit code (DESIGN.md:
/// 0 clean, 1 findings or differences, 2 invalid input or failure).
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            let code = if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_OK
            };
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Render(args) => cmd::render::run(&args),
        Command::Lint(args) => cmd::lint::run(&args),
        Command::Plan(args) => cmd::plan::run(&args),
        Command::Diff(args) => cmd::diff::run(&args),
        Command::Explain(args) => cmd::explain::run(&args),
        Command::Schema(args) => cmd::schema::run(&args),
        Command::Import(args) => cmd::import::run(&args),
    };
    ExitCode::from(code)
}
