//! Import benchmark: every importable DaemonSet of the corpus (tests/data/corpus/
//! daemonsets, 24 apps/v1 manifests; the addon manager's named), imported in one run
//! through the release binary, process start included, against `everynode --version` in
//! the same run. Target (issue 13): under 50 ms.
//!
//! Run: `cargo bench --bench import`
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::path::Path;
use std::time::Duration;

mod common;
use common::{report, time};

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus/daemonsets");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        // The removed extensions/v1beta1 manifest is refused, as it should be.
        if text.contains("extensions/v1beta1") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        std::fs::write(dir.path().join(&name), text).unwrap();
        names.push(name);
    }
    names.sort();
    let mut args: Vec<&str> = vec!["import"];
    args.extend(names.iter().map(String::as_str));
    for named in ["kube-system/calico-node", "kube-system/fluentd-es-v2.2.0"] {
        args.extend(["--daemonset", named]);
    }
    // With --daemonset only the named are imported: time the others apart.
    let all: Vec<&str> = std::iter::once("import")
        .chain(names.iter().map(String::as_str))
        .collect();
    let start = time(&["--version"], dir.path());
    let import = time(&all, dir.path());
    report(
        &format!(
            "import bench: {} corpus manifests, the addon manager's left out",
            names.len()
        ),
        &start,
        &[("everynode import FILES…", &import)],
        Duration::from_millis(50),
    );
    let named = time(&args, dir.path());
    report(
        "import bench: the addon manager's two, named",
        &start,
        &[("everynode import FILES… --daemonset …", &named)],
        Duration::from_millis(50),
    );
}
