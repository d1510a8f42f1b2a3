//! Lint benchmark: a repository of 200 files, 100 KDL descriptions (3 classes each) and 100
//! plain DaemonSet manifests, linted by the release binary with every rule, the ones
//! across objects included (400 DaemonSets, every pair compared). Process start included,
//! against `everynode --version` in the same run. Target: under 100 ms wall.
//!
//! Run: `cargo bench --bench lint`
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::path::Path;
use std::time::Duration;

mod common;
use common::{fleet, report, time};

const DESCRIPTIONS: usize = 100;
const MANIFESTS: usize = 100;

/// Plain manifests as Helm or Kustomize would render them: distinct selectors, a host
/// port each, a node selector on half of them.
fn manifests(dir: &Path) {
    let vendor = dir.join("vendor");
    std::fs::create_dir_all(&vendor).unwrap();
    for m in 0..MANIFESTS {
        let selector = if m % 2 == 0 {
            "      nodeSelector:\n        kubernetes.io/os: linux\n"
        } else {
            ""
        };
        let text = format!(
            r#"# Source: vendor-{m}/templates/daemonset.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: vendor-{m}
  namespace: vendor
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: vendor-{m}
  namespace: vendor
  labels:
    app.kubernetes.io/name: vendor-{m}
    app.kubernetes.io/managed-by: Helm
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: vendor-{m}
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 1
  template:
    metadata:
      labels:
        app.kubernetes.io/name: vendor-{m}
    spec:
      serviceAccountName: vendor-{m}
{selector}      tolerations:
        - operator: Exists
      containers:
        - name: agent
          image: registry.example.com/vendor/agent-{m}:3.{m}.1
          args: ["--port={port}", "--verbose"]
          ports:
            - name: metrics
              containerPort: {port}
              hostPort: {port}
          resources:
            requests:
              cpu: 20m
              memory: 32Mi
            limits:
              memory: 64Mi
          volumeMounts:
            - name: proc
              mountPath: /host/proc
              readOnly: true
      volumes:
        - name: proc
          hostPath:
            path: /proc
"#,
            port = 20000 + m,
        );
        std::fs::write(vendor.join(format!("vendor-{m:03}.yaml")), text).unwrap();
    }
}

fn main() {
    // EVERYNODE_BENCH_DIR keeps the generated repository for a look.
    let temporary = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("EVERYNODE_BENCH_DIR")
        .map_or_else(|| temporary.path().to_path_buf(), std::path::PathBuf::from);
    std::fs::create_dir_all(&dir).unwrap();
    fleet(&dir, DESCRIPTIONS);
    manifests(&dir);
    let start = time(&["--version"], &dir);
    let lint = time(&["lint", ".", "--format", "json"], &dir);
    let lint_human = time(&["lint", "."], &dir);
    report(
        &format!(
            "lint bench: {} files ({DESCRIPTIONS} descriptions x 3 classes, {MANIFESTS} manifests)",
            DESCRIPTIONS + MANIFESTS
        ),
        &start,
        &[
            ("everynode lint . --format json", &lint),
            ("everynode lint .", &lint_human),
        ],
        Duration::from_millis(100),
    );
}
