//! The pre-commit hook, run by the real pre-commit framework: a temporary git repository
//! configured with this repository's `everynode-lint-system` hook (as `repo: local`, the
//! way `language: system` hooks are tested without publishing), a broken description
//! staged, and `git commit` must be refused with the finding printed; once the description
//! is fixed, the commit goes through. pre-commit comes from PyPI, installed into
//! target/pre-commit-venv on first use (CI's machine reaches PyPI).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The pre-commit executable: on PATH, or installed into a virtualenv under target/.
fn pre_commit() -> PathBuf {
    if Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return PathBuf::from("pre-commit");
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-venv");
    let bin = venv.join("bin/pre-commit");
    if !bin.exists() {
        let ok = |o: Output| {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        };
        ok(Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .output()
            .expect("python3 is installed (pre-commit is a Python tool)"));
        ok(Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "pre-commit"])
            .output()
            .expect("pip runs"));
    }
    bin
}

fn run(dir: &Path, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> (bool, String) {
    let everynode_dir = Path::new(env!("CARGO_BIN_EXE_everynode"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(everynode_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", dir)
        .env("PRE_COMMIT_HOME", dir.join(".pre-commit-cache"))
        .env("NO_COLOR", "1")
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("the program runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn the_pre_commit_hook_refuses_a_broken_description() {
    let hooks: serde_json::Value = serde_yaml::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
        )
        .unwrap(),
    )
    .unwrap();
    let hook = hooks
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "everynode-lint-system")
        .expect("the hooks file has everynode-lint-system")
        .clone();
    assert_eq!(hook["language"], "system");
    let config = serde_json::json!({"repos": [{"repo": "local", "hooks": [hook]}]});

    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    std::fs::write(
        dir.join(".pre-commit-config.yaml"),
        serde_yaml::to_string(&config).unwrap(),
    )
    .unwrap();
    let broken = "daemon \"agent\" {\n    namespace \"ops\"\n    image \"example.com/agent:1.0\"\n    requests cpu=\"50m\" memory=\"64Mi\"\n    port \"Metrics_Port\" 9100\n}\n";
    std::fs::write(dir.join("agent.kdl"), broken).unwrap();
    let pre_commit = pre_commit();
    assert!(run(dir, "git", &["init", "-q"]).0);
    let (installed, text) = run(dir, &pre_commit, &["install"]);
    assert!(installed, "{text}");
    assert!(run(dir, "git", &["add", "."]).0);

    let (committed, text) = run(dir, "git", &["commit", "-q", "-m", "add the agent"]);
    assert!(!committed, "the commit went through:\n{text}");
    assert!(
        text.contains("everynode lint") && text.contains("Failed"),
        "{text}"
    );
    assert!(
        text.contains("invalid_port") && text.contains("agent.kdl:5:"),
        "{text}"
    );

    std::fs::write(
        dir.join("agent.kdl"),
        broken.replace("Metrics_Port", "metrics"),
    )
    .unwrap();
    assert!(run(dir, "git", &["add", "."]).0);
    let (committed, text) = run(dir, "git", &["commit", "-q", "-m", "add the agent"]);
    assert!(committed, "{text}");
    assert!(text.contains("Passed"), "{text}");
}
