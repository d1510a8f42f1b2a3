//! Render benchmark: a generated fleet of 50 daemons x 3 classes (150 DaemonSets), timed
//! through the release binary, process start included, against `everynode --version`
//! (process start alone) in the same run. Target: under 50 ms wall.
//!
//! Run: `cargo bench --bench render`

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const DAEMONS: usize = 50;
const RUNS: usize = 30;

fn fleet(dir: &Path) {
    for d in 0..DAEMONS {
        let text = format!(
            r#"daemon "agent-{d:02}" {{
    namespace "team-{team}"
    labels team="team-{team}"
    image "registry.example.com/agents/agent-{d:02}:v1.{d}.0"
    args "--listen=:{port}" "--node=$(NODE_NAME)" "--log-level=info"
    env "NODE_NAME" field="spec.nodeName"
    port "metrics" {port} host=#true
    requests cpu="50m" memory="64Mi"
    limits memory="128Mi"
    host-path "/var/log" mount="/var/log" read-only=#true
    host-path "/proc" mount="/host/proc" read-only=#true
    tolerate "node-role.kubernetes.io/control-plane" effect="NoSchedule"
    nodes {{
        match "kubernetes.io/os" "linux"
    }}
    update max-unavailable="10%"
    class "gpu" {{
        match "nvidia.com/gpu.present" "true"
        match "node.kubernetes.io/instance-type" "p4d.24xlarge" "g5.12xlarge"
        tolerate "nvidia.com/gpu" effect="NoSchedule"
        requests cpu="100m" memory="128Mi"
        limits memory="256Mi"
    }}
    class "arm" {{
        match "kubernetes.io/arch" "arm64"
        image "registry.example.com/agents/agent-{d:02}:v1.{d}.0-arm64"
    }}
    class "default"
}}
"#,
            team = d % 7,
            port = 9100 + d,
        );
        std::fs::write(dir.join(format!("agent-{d:02}.kdl")), text).unwrap();
    }
}

fn time(args: &[&str], dir: &Path) -> Vec<Duration> {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_everynode"))
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        times.push(start.elapsed());
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    times.sort();
    times
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    fleet(dir.path());
    let documents = Command::new(env!("CARGO_BIN_EXE_everynode"))
        .args(["render", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let count = String::from_utf8_lossy(&documents.stdout)
        .matches("kind: DaemonSet")
        .count();
    assert_eq!(count, DAEMONS * 3);
    let start = time(&["--version"], dir.path());
    let render = time(&["render", "."], dir.path());
    let check_dir = dir.path().join("out");
    time(
        &["render", ".", "--out", check_dir.to_str().unwrap()],
        dir.path(),
    );
    let check = time(
        &[
            "render",
            ".",
            "--out",
            check_dir.to_str().unwrap(),
            "--check",
        ],
        dir.path(),
    );
    let median = |t: &[Duration]| t[t.len() / 2];
    println!(
        "render bench: {DAEMONS} daemons x 3 classes = {count} DaemonSets, {RUNS} runs each, wall time incl. process start"
    );
    println!("| command | min ms | median ms | median / process start |");
    println!("| --- | --- | --- | --- |");
    for (name, t) in [
        ("everynode --version (process start)", &start),
        ("everynode render .", &render),
        ("everynode render . --out DIR --check", &check),
    ] {
        println!(
            "| {name} | {:.1} | {:.1} | {:.1}x |",
            ms(t[0]),
            ms(median(t)),
            ms(median(t)) / ms(median(&start))
        );
    }
    let target = Duration::from_millis(50);
    println!(
        "target: render median under {} ms: {}",
        target.as_millis(),
        if median(&render) < target {
            "met"
        } else {
            "NOT MET"
        }
    );
}
