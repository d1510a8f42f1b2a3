//! The entry point: parse the flags, run the command, exit with its code.

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

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
    if let Some(message) =
        stdin_conflict(&cli.command).or_else(|| context_without_live(&cli.command))
    {
        let mut command = Cli::command();
        command.build();
        let name = subcommand_name(&cli.command);
        let error = match command.find_subcommand_mut(name) {
            Some(sub) => sub.error(ErrorKind::ArgumentConflict, message),
            None => command.error(ErrorKind::ArgumentConflict, message),
        };
        let _ = error.print();
        return ExitCode::from(EXIT_ERROR);
    }
    let code = match cli.command {
        Command::Render(args) => cmd::render::run(&args),
        Command::Lint(args) => cmd::lint::run(&args),
        Command::Plan(args) => cmd::plan::run(&args),
        Command::Diff(args) => cmd::diff::run(&args),
        Command::Explain(args) => cmd::explain::run(&args),
        Command::Schema(args) => cmd::schema::run(&args),
        Command::Import(args) => cmd::import::run(&args),
        Command::Completions(args) => cmd::completions::run(&args),
        Command::Coverage(args) => cmd::coverage::run(&args),
    };
    ExitCode::from(code)
}

/// Standard input can be read once: `-` given to two arguments (or twice to one) is a
/// usage error, said before anything is read.
fn stdin_conflict(command: &Command) -> Option<String> {
    let readers = command.stdin_readers();
    if readers.len() < 2 {
        return None;
    }
    let said = match readers.as_slice() {
        [a, b] if a == b => format!("twice, as {a}"),
        [a, b] => format!("twice, as {a} and as {b}"),
        _ => format!("{} times", readers.len()),
    };
    Some(format!(
        "standard input (-) is given {said}, but it can be read only once: pass the other input as a file"
    ))
}

/// `--context` names the kubeconfig context `--live` reads: without `--live` it would be
/// ignored, so it is a usage error (where `--state` is required otherwise, clap says so).
fn context_without_live(command: &Command) -> Option<String> {
    let (context, live) = match command {
        Command::Coverage(args) => (&args.context, args.live),
        Command::Import(args) => (&args.context, args.live),
        _ => return None,
    };
    context.as_ref().filter(|_| !live).map(|name| {
        format!("--context {name} selects the kubeconfig context of --live, which is not given: add --live, or leave --context out")
    })
}

fn subcommand_name(command: &Command) -> &'static str {
    match command {
        Command::Render(_) => "render",
        Command::Lint(_) => "lint",
        Command::Plan(_) => "plan",
        Command::Diff(_) => "diff",
        Command::Explain(_) => "explain",
        Command::Schema(_) => "schema",
        Command::Import(_) => "import",
        Command::Completions(_) => "completions",
        Command::Coverage(_) => "coverage",
    }
}
