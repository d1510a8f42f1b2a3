//! The everynode binary: flags, files, exit codes and printing, over the library.

mod cli;
mod cmd;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
