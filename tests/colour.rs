//! Colour and width through the binary. In a pipe: colour only under CLICOLOR_FORCE (set,
//! not empty, not 0) and never under NO_COLOR, which wins; the width is always 100. On a
//! pseudo-terminal: colour unless TERM=dumb, and the width is COLUMNS, else the
//! terminal's own. (The decisions are unit-tested in src/terminal.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::path::Path;
use std::process::{Command, Stdio};

/// A description that does not parse: lint prints a file header and miette reports
/// whose help is wider than 100 columns, so it wraps.
const BROKEN: &str = "daemon \"broken\" {\n    image \"x:1\"\n    requests cpu=\"1m\" memory=\"1Mi\"\n    update surge=1\n}\n";
/// The help of the KDL syntax error, whole.
/// A help line longer than a pipe's 100 columns and shorter than a wide terminal's.
const HELP: &str = "`update` takes these properties: max-unavailable, max-surge, min-ready-seconds, revision-history-limit";

const VARIABLES: [&str; 5] = ["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR", "COLUMNS", "TERM"];

/// A directory with the broken description, a valid one and a cluster to plan against.
fn inputs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.kdl"), BROKEN).unwrap();
    std::fs::write(
        dir.path().join("node-exporter.kdl"),
        include_str!("../examples/node-exporter.kdl"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cluster.json"),
        include_str!("data/plan/create-fresh-cluster/cluster.json"),
    )
    .unwrap();
    dir
}

/// The binary in `dir` with exactly the colour and width variables `env` gives (none
/// inherited), stdout and stderr piped: (stdout, stderr).
fn piped(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_everynode"));
    command.current_dir(dir).args(args).stdin(Stdio::null());
    for name in VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let output = command.output().unwrap();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// lint's report (standard error) and plan's table (standard output), piped.
fn lint_and_plan(env: &[(&str, &str)]) -> (String, String) {
    let dir = inputs();
    let (_, lint) = piped(dir.path(), &["lint", "broken.kdl"], env);
    let (plan, _) = piped(
        dir.path(),
        &["plan", "node-exporter.kdl", "--state", "cluster.json"],
        env,
    );
    (lint, plan)
}

#[test]
fn clicolor_force_colours_a_pipe() {
    let (lint, plan) = lint_and_plan(&[("CLICOLOR_FORCE", "1")]);
    assert!(
        lint.starts_with("\x1b[1m── broken.kdl: 1 error\x1b[0m\n"),
        "{lint:?}"
    );
    assert!(plan.contains("\x1b["), "{plan:?}");
    assert!(plan.contains("create"), "{plan:?}");
}

#[test]
fn no_color_wins_over_clicolor_force() {
    let (lint, plan) = lint_and_plan(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]);
    assert!(
        !lint.contains('\x1b') && !plan.contains('\x1b'),
        "{lint:?}{plan:?}"
    );
    assert!(lint.starts_with("── broken.kdl: 1 error\n"), "{lint:?}");
}

#[test]
fn clicolor_force_zero_or_empty_and_a_plain_pipe_get_no_colour() {
    for env in [
        &[("CLICOLOR_FORCE", "0")][..],
        &[("CLICOLOR_FORCE", "")][..],
        &[][..],
    ] {
        let (lint, plan) = lint_and_plan(env);
        assert!(!lint.contains('\x1b') && !plan.contains('\x1b'), "{env:?}");
        assert!(lint.starts_with("── broken.kdl: 1 error\n"), "{lint:?}");
    }
}

/// In a pipe the width is 100 whatever COLUMNS says, as before: the help wraps there.
#[test]
fn a_pipe_is_100_columns_wide_whatever_columns_says() {
    let dir = inputs();
    let (_, plain) = piped(dir.path(), &["lint", "broken.kdl"], &[]);
    let (_, wide) = piped(dir.path(), &["lint", "broken.kdl"], &[("COLUMNS", "200")]);
    let (_, narrow) = piped(dir.path(), &["lint", "broken.kdl"], &[("COLUMNS", "40")]);
    assert_eq!(plain, wide);
    assert_eq!(plain, narrow);
    assert!(!plain.contains(HELP), "{plain}");
    assert!(plain.lines().all(|l| l.chars().count() <= 100), "{plain}");
}

#[cfg(unix)]
mod on_a_terminal {
    use super::*;
    use std::io::Read;
    use std::os::fd::{FromRawFd, OwnedFd};

    /// Runs the binary with standard output and error on a new pseudo-terminal `columns`
    /// wide, with exactly the colour and width variables `env` gives: what the terminal
    /// showed, with the terminal's \r\n made \n again.
    fn run(dir: &Path, args: &[&str], env: &[(&str, &str)], columns: u16) -> String {
        let (mut master, mut slave) = (-1, -1);
        let size = libc::winsize {
            ws_row: 50,
            ws_col: columns,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes the two descriptors it opens; it reads `size` and nothing
        // else (the name and terminal settings are null).
        let opened = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(opened, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened and are owned by nothing else.
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };

        let mut command = Command::new(env!("CARGO_BIN_EXE_everynode"));
        command
            .current_dir(dir)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        for name in VARIABLES {
            command.env_remove(name);
        }
        command.envs(env.iter().copied());
        let mut child = command.spawn().unwrap();
        // The command holds the parent's copies of the terminal side: closing them lets
        // the read below end (EIO) once the child exits.
        drop(command);

        let mut terminal = std::fs::File::from(master);
        let mut shown = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            match terminal.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => shown.extend_from_slice(&buffer[..n]),
                Err(e) if e.raw_os_error() == Some(libc::EIO) => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => panic!("reading the terminal: {e}"),
            }
        }
        child.wait().unwrap();
        String::from_utf8_lossy(&shown).replace("\r\n", "\n")
    }

    #[test]
    fn a_terminal_gets_colour_unless_dumb_or_no_color() {
        let dir = inputs();
        let lint = ["lint", "broken.kdl"];
        let plan = ["plan", "node-exporter.kdl", "--state", "cluster.json"];
        for args in [&lint[..], &plan[..]] {
            let coloured = run(dir.path(), args, &[("TERM", "xterm")], 100);
            assert!(coloured.contains("\x1b["), "{args:?}: {coloured:?}");
            let dumb = run(dir.path(), args, &[("TERM", "dumb")], 100);
            assert!(!dumb.contains('\x1b'), "{args:?}: {dumb:?}");
            let forced = run(
                dir.path(),
                args,
                &[("TERM", "dumb"), ("CLICOLOR_FORCE", "1")],
                100,
            );
            assert!(forced.contains("\x1b["), "{args:?}: {forced:?}");
            let no_color = run(
                dir.path(),
                args,
                &[
                    ("TERM", "xterm"),
                    ("NO_COLOR", "1"),
                    ("CLICOLOR_FORCE", "1"),
                ],
                100,
            );
            assert!(!no_color.contains('\x1b'), "{args:?}: {no_color:?}");
            let clicolor_off = run(
                dir.path(),
                args,
                &[("TERM", "xterm"), ("CLICOLOR", "0")],
                100,
            );
            assert!(!clicolor_off.contains('\x1b'), "{args:?}: {clicolor_off:?}");
        }
        let lint = run(dir.path(), &lint, &[("TERM", "xterm")], 100);
        assert!(
            lint.starts_with("\x1b[1m── broken.kdl: 1 error\x1b[0m\n"),
            "{lint:?}"
        );
    }

    #[test]
    fn a_terminal_is_as_wide_as_columns_says_else_as_it_is() {
        let dir = inputs();
        let args = ["lint", "broken.kdl"];
        let plain = [("NO_COLOR", "1")];

        let narrow = run(dir.path(), &args, &plain, 60);
        assert!(!narrow.contains(HELP), "{narrow}");
        assert!(narrow.lines().all(|l| l.chars().count() <= 60), "{narrow}");
        let wide = run(dir.path(), &args, &plain, 200);
        assert!(wide.contains(HELP), "{wide}");

        // COLUMNS first: a 60-column terminal told 200, a 200-column one told 60.
        let told_wide = run(
            dir.path(),
            &args,
            &[("NO_COLOR", "1"), ("COLUMNS", "200")],
            60,
        );
        assert_eq!(told_wide, wide);
        let told_narrow = run(
            dir.path(),
            &args,
            &[("NO_COLOR", "1"), ("COLUMNS", "60")],
            200,
        );
        assert_eq!(told_narrow, narrow);
        // COLUMNS that is not a positive number is not used.
        let told_zero = run(
            dir.path(),
            &args,
            &[("NO_COLOR", "1"), ("COLUMNS", "0")],
            60,
        );
        assert_eq!(told_zero, narrow);

        // A terminal whose size is unknown (0 columns) gets 100, as a pipe does.
        let unknown = run(dir.path(), &args, &plain, 0);
        let (_, piped) = piped(dir.path(), &args, &plain);
        assert_eq!(unknown, piped);
    }
}
