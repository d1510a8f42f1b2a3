//! The everynode binary: flags, files, exit codes and printing, over the library.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    everynode::cli::run()
}
