//! Helpers shared by the integration tests.

use std::path::Path;
use std::process::Command;

/// Runs the everynode binary in `dir` without colour: (exit code, stdout, stderr).
pub fn everynode(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_everynode"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the everynode binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
