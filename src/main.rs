//! The everynode binary: flags, files, exit codes and printing, over the library.

mod cli;
mod cmd;

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::run()
}
