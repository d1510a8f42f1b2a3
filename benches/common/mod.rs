//! What the process-level benches share: the generated fleet of descriptions, and timing
//! the release binary as a user runs it (process start included).
#![allow(dead_code)] // each bench uses part of it

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs per timed command.
pub const RUNS: usize = 30;

/// Writes `daemons` KDL descriptions, each with 3 classes (two matching on two labels),
/// host paths, ports, env and tolerations: agent-00.kdl, agent-01.kdl, …
pub fn fleet(dir: &Path, daemons: usize) {
    for d in 0..daemons {
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

/// Runs the release binary `RUNS` times in `dir`; the wall times, sorted.
pub fn time(args: &[&str], dir: &Path) -> Vec<Duration> {
    time_exiting(args, dir, &[0])
}

/// As [`time`], for a command whose exit code is one of `codes` (coverage exits 1 when a
/// pool needs a look).
pub fn time_exiting(args: &[&str], dir: &Path, codes: &[i32]) -> Vec<Duration> {
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
            output.status.code().is_some_and(|c| codes.contains(&c)),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    times.sort();
    times
}

/// Milliseconds, for the tables.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Prints the table of timed commands, each against process start (`--version`, timed in
/// the same run), then whether the first command's median is under `target`.
pub fn report(what: &str, start: &[Duration], rows: &[(&str, &[Duration])], target: Duration) {
    let median = |t: &[Duration]| t[t.len() / 2];
    println!("{what}, {RUNS} runs each, wall time incl. process start");
    println!("| command | min ms | median ms | median / process start |");
    println!("| --- | --- | --- | --- |");
    let start_row = ("everynode --version (process start)", start);
    for (name, t) in std::iter::once(&start_row).chain(rows) {
        println!(
            "| {name} | {:.1} | {:.1} | {:.1}x |",
            ms(t[0]),
            ms(median(t)),
            ms(median(t)) / ms(median(start))
        );
    }
    let (name, first) = rows[0];
    println!(
        "target: {name} median under {} ms: {}",
        target.as_millis(),
        if median(first) < target {
            "met"
        } else {
            "NOT MET"
        }
    );
}
