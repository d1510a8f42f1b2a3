//! Snapshot cases of the command line (trycmd): each tests/cli/*.toml names a command,
//! its exit code, and its expected stdout/stderr beside it. `TRYCMD=overwrite cargo test
//! --test cli` rewrites the snapshots; review them as a diff.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

#[test]
fn cli_snapshots() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .case("tests/cli/*.toml");
}
