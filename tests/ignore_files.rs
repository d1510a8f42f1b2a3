//! The one input walker, through the binary: `.gitignore` and `.ignore` files of the tree
//! are honoured (with or without git), nothing from outside the tree is (the parents'
//! ignore files, `.git/info/exclude`, the user's global gitignore), files named on the
//! command line are read even when ignored, and `--state` directories are walked the same
//! way. Every ignored file here holds invalid content, so reading one fails the run; the
//! same trees without the ignore file fail, which shows each check can fail.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::path::Path;
use std::process::Command;

mod common;

use common::everynode;

/// A valid description: a published example.
const VALID: &str = include_str!("../examples/node-exporter.kdl");
/// Not YAML: an unclosed flow sequence.
const BAD_YAML: &str = "apiVersion: apps/v1\nkind: [DaemonSet\n";
/// Not KDL: an unclosed children block.
const BAD_KDL: &str = "daemon \"broken\" {\n    image \"x\"\n";

/// `repo/` holding the valid description, `node_modules/x.yaml` and `build/y.kdl` (both
/// invalid), and the ignore file `ignore_file` listing them when it is given.
fn tree(root: &Path, ignore_file: Option<&str>) {
    let repo = root.join("repo");
    std::fs::create_dir_all(repo.join("node_modules")).unwrap();
    std::fs::create_dir_all(repo.join("build")).unwrap();
    std::fs::write(repo.join("node-exporter.kdl"), VALID).unwrap();
    std::fs::write(repo.join("node_modules/x.yaml"), BAD_YAML).unwrap();
    std::fs::write(repo.join("build/y.kdl"), BAD_KDL).unwrap();
    if let Some(name) = ignore_file {
        std::fs::write(repo.join(name), "node_modules/\nbuild/\n").unwrap();
    }
}

/// Output that names neither ignored file.
fn mentions_ignored(output: &str) -> bool {
    ["node_modules", "x.yaml", "build", "y.kdl"]
        .iter()
        .any(|name| output.contains(name))
}

/// What `render` prints for the valid description alone.
fn render_of_valid_alone() -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("repo")).unwrap();
    std::fs::write(dir.path().join("repo/node-exporter.kdl"), VALID).unwrap();
    let (code, stdout, stderr) = everynode(dir.path(), &["render", "repo"]);
    assert_eq!(code, 0, "{stderr}");
    stdout
}

fn lint_and_render_skip_the_ignored_files(ignore_file: &str) {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), Some(ignore_file));
    assert!(
        !dir.path().join(".git").exists() && !dir.path().join("repo/.git").exists(),
        "no git repository"
    );

    let (code, stdout, stderr) = everynode(dir.path(), &["lint", "repo"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!mentions_ignored(&stdout) && !mentions_ignored(&stderr));
    assert!(stderr.contains("in 1 file"), "{stderr}");

    let (code, stdout, stderr) = everynode(dir.path(), &["render", "repo"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!mentions_ignored(&stdout) && !mentions_ignored(&stderr));
    assert_eq!(stdout, render_of_valid_alone());
}

#[test]
fn a_gitignore_hides_its_files_without_a_git_repository() {
    lint_and_render_skip_the_ignored_files(".gitignore");
}

#[test]
fn a_dot_ignore_file_hides_its_files() {
    lint_and_render_skip_the_ignored_files(".ignore");
}

#[test]
fn without_an_ignore_file_the_invalid_files_are_read_and_fail() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), None);
    let (code, stdout, stderr) = everynode(dir.path(), &["lint", "repo"]);
    assert_ne!(code, 0, "{stdout}{stderr}");
    assert!(
        stderr.contains("x.yaml") && stderr.contains("y.kdl"),
        "{stderr}"
    );
    let (code, _, stderr) = everynode(dir.path(), &["render", "repo"]);
    assert_ne!(code, 0, "{stderr}");
    assert!(
        stderr.contains("x.yaml") && stderr.contains("y.kdl"),
        "{stderr}"
    );
}

#[test]
fn a_nested_gitignore_applies_below_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), None);
    let repo = dir.path().join("repo");
    std::fs::write(repo.join("node_modules/.gitignore"), "*.yaml\n").unwrap();
    std::fs::write(repo.join("build/.gitignore"), "y.kdl\n").unwrap();
    let (code, stdout, stderr) = everynode(dir.path(), &["lint", "repo"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!mentions_ignored(&stderr), "{stderr}");
}

#[test]
fn a_file_named_on_the_command_line_is_read_even_when_ignored() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), Some(".gitignore"));
    let (code, _, stderr) = everynode(dir.path(), &["lint", "repo/node_modules/x.yaml"]);
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("x.yaml"), "{stderr}");
    let (code, _, stderr) = everynode(dir.path(), &["render", "repo", "repo/build/y.kdl"]);
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("y.kdl"), "{stderr}");
    assert!(!stderr.contains("x.yaml"), "{stderr}");
}

/// Outside a git repository only the tree's own ignore files count: a `.gitignore` above
/// the directory walked does not, so a run gives the same result wherever the tree lies.
#[test]
fn ignore_files_above_the_walked_directory_do_not_apply_outside_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), None);
    std::fs::write(dir.path().join(".gitignore"), "node_modules/\nbuild/\n").unwrap();
    let (code, _, stderr) = everynode(dir.path(), &["lint", "repo"]);
    assert_ne!(code, 0, "{stderr}");
    assert!(
        stderr.contains("x.yaml") && stderr.contains("y.kdl"),
        "{stderr}"
    );
}

/// Inside a git repository the ignore files from the repository's top down to the
/// walked directory apply, as git applies them: `lint repo` from the top skips what the
/// top-level `.gitignore` lists, anchored patterns included, and so does a run from a
/// subdirectory naming the tree by an absolute path.
#[test]
fn a_repository_s_parent_ignore_files_apply() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), None);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join(".gitignore"),
        "node_modules/\n/repo/build/\n",
    )
    .unwrap();
    let (code, stdout, stderr) = everynode(dir.path(), &["render", "repo"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, render_of_valid_alone());
    let absolute = dir.path().join("repo").canonicalize().unwrap();
    let (code, _, stderr) = everynode(
        &dir.path().join("repo/build"),
        &["lint", absolute.to_str().unwrap()],
    );
    assert!(!mentions_ignored(&stderr), "{stderr}");
    assert_ne!(code, 2, "{stderr}");
}

/// Neither `.git/info/exclude` nor the user's global gitignore (found through HOME and
/// XDG_CONFIG_HOME) is read: both depend on the clone or the machine.
#[test]
fn git_exclude_and_the_global_gitignore_do_not_apply() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), None);
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join(".git/info")).unwrap();
    std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(repo.join(".git/info/exclude"), "node_modules/\n").unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".config/git")).unwrap();
    std::fs::write(home.join(".config/git/ignore"), "build/\n").unwrap();
    std::fs::write(
        home.join(".gitconfig"),
        format!(
            "[core]\n\texcludesFile = {}\n",
            home.join(".config/git/ignore").display()
        ),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_everynode"))
        .current_dir(dir.path())
        .args(["lint", "repo"])
        .env("NO_COLOR", "1")
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("x.yaml") && stderr.contains("y.kdl"),
        "{stderr}"
    );
}

/// A `--state` directory is walked by the same walker: its ignored files are not read.
#[test]
fn a_state_directory_honours_its_ignore_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("node-exporter.kdl"), VALID).unwrap();
    std::fs::create_dir_all(root.join("state/old")).unwrap();
    std::fs::write(
        root.join("state/cluster.json"),
        include_str!("data/plan/create-fresh-cluster/cluster.json"),
    )
    .unwrap();
    std::fs::write(
        root.join("state/old/broken.json"),
        "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [}\n",
    )
    .unwrap();

    let (code, _, stderr) = everynode(root, &["plan", "node-exporter.kdl", "--state", "state"]);
    assert_eq!(
        code, 2,
        "without an ignore file the broken recording is read"
    );
    assert!(stderr.contains("broken.json"), "{stderr}");

    std::fs::write(root.join("state/.gitignore"), "old/\n").unwrap();
    let (code, stdout, stderr) =
        everynode(root, &["plan", "node-exporter.kdl", "--state", "state"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("broken.json"), "{stderr}");
    assert!(
        stdout.contains("monitoring/node-exporter-default"),
        "{stdout}"
    );
}

/// An ignore file is read only when it is a regular file: a link (git refuses one too)
/// to `/dev/zero` would exhaust memory and a FIFO would block the run forever.
#[test]
fn only_regular_ignore_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), None);
    let repo = dir.path().join("repo");
    std::os::unix::fs::symlink("/dev/zero", repo.join(".ignore")).unwrap();
    let fifo = std::ffi::CString::new(repo.join(".gitignore").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let (code, _, stderr) = everynode(dir.path(), &["render", "repo"]);
    // Neither is read, so the invalid files are: the run fails on them, and returns.
    assert_eq!(code, 2, "{stderr}");
    assert!(mentions_ignored(&stderr), "{stderr}");
}

/// Hidden entries stay skipped even when an ignore file whitelists them (`/*` then
/// `!/.github/` is a common .gitignore), and braces mean themselves, as in git.
#[test]
fn negations_do_not_unhide_and_braces_are_literal() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join(".github")).unwrap();
    std::fs::write(repo.join(".github/workflow.yml"), BAD_YAML).unwrap();
    std::fs::write(repo.join("node-exporter.kdl"), VALID).unwrap();
    std::fs::write(repo.join(".gitignore"), "/*\n!/.github/\n!*.kdl\n").unwrap();
    let (code, stdout, stderr) = everynode(dir.path(), &["render", "repo"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, render_of_valid_alone());
    std::fs::write(repo.join(".gitignore"), "{node-exporter,other}.kdl\n").unwrap();
    let (code, stdout, stderr) = everynode(dir.path(), &["render", "repo"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, render_of_valid_alone());
    std::fs::write(repo.join(".gitignore"), "node-exporter.kdl\n").unwrap();
    let (_, stdout, stderr) = everynode(dir.path(), &["render", "repo"]);
    assert!(
        stdout.is_empty() && stderr.contains("no_descriptions"),
        "{stderr}"
    );
}

/// `.everynode.yaml`'s `exclude` holds for a PATH given as an absolute path under the
/// current directory, as for a relative one.
#[test]
fn exclude_applies_to_absolute_paths() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("vendor")).unwrap();
    std::fs::write(repo.join("node-exporter.kdl"), VALID).unwrap();
    std::fs::write(repo.join("vendor/x.yaml"), BAD_YAML).unwrap();
    std::fs::write(repo.join(".everynode.yaml"), "lint:\n  exclude: [vendor]\n").unwrap();
    let absolute = repo.canonicalize().unwrap();
    for path in [".", absolute.to_str().unwrap()] {
        let (code, stdout, stderr) = everynode(&repo, &["lint", path, "--format", "json"]);
        assert!(
            !stdout.contains("x.yaml") && !stderr.contains("x.yaml"),
            "{path}: {stdout}{stderr}"
        );
        assert_ne!(code, 2, "{path}: {stdout}{stderr}");
    }
    let vendor = absolute.join("vendor/x.yaml");
    let (code, stdout, _) = everynode(
        &repo,
        &["lint", vendor.to_str().unwrap(), "--format", "json"],
    );
    assert!(!stdout.contains("yaml_syntax"), "{stdout}");
    assert_ne!(code, 2);
}

/// A file reached by two spellings of its path (`repo`, `./repo`, an absolute path, the
/// file itself) is read once, not reported as a second description of its daemon.
#[test]
fn one_file_named_two_ways_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    std::fs::write(repo.join("node-exporter.kdl"), VALID).unwrap();
    let absolute = repo.canonicalize().unwrap();
    for second in [
        "./repo",
        "repo/node-exporter.kdl",
        absolute.to_str().unwrap(),
    ] {
        let (code, stdout, stderr) = everynode(dir.path(), &["render", "repo", second]);
        assert_eq!(code, 0, "{second}: {stderr}");
        assert_eq!(stdout, render_of_valid_alone(), "{second}");
    }
}
