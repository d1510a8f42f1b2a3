//! End to end on real inputs: every DaemonSet manifest in tests/data/corpus/daemonsets
//! planned against every recorded node list in tests/data/corpus/clusters, compared line
//! by line with tests/data/corpus/reviewed-placements.txt, which was written by reviewing
//! each manifest's node selection and tolerations against each node's labels and taints
//! by hand (its header says how, and names the cases that matter most: the GPU node
//! tainted `sku=gpu:NoSchedule`, the kubeadm control plane, the CriticalAddonsOnly system
//! pool and the Windows pool).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

mod common;

/// The two datadog-agent manifests define one name; they are planned in separate runs.
const PLANNED_ALONE: &str = "datadog-agent-extensions-v1beta1.yaml";

/// (cluster file, daemonset file) → [(namespace/name, node, action)].
type Reviewed = BTreeMap<(String, String), Vec<(String, String, String)>>;

fn reviewed(corpus: &Path) -> Reviewed {
    let text = std::fs::read_to_string(corpus.join("reviewed-placements.txt"))
        .expect("tests/data/corpus/reviewed-placements.txt");
    let mut reviewed = Reviewed::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [cluster, file, daemonset, node, action] = fields[..] else {
            panic!(
                "reviewed-placements.txt:{}: five fields expected: {line}",
                i + 1
            );
        };
        assert!(
            ["create", "blocked", "none"].contains(&action),
            "reviewed-placements.txt:{}: unknown action {action}",
            i + 1
        );
        reviewed
            .entry((cluster.to_string(), file.to_string()))
            .or_default()
            .push((daemonset.to_string(), node.to_string(), action.to_string()));
    }
    reviewed
}

/// Plans `files` against `cluster`: (daemonset file, namespace/name, node) → action.
fn plan(
    corpus: &Path,
    cluster: &str,
    files: &[&str],
) -> BTreeMap<(String, String, String), String> {
    let mut args = vec!["plan".to_string()];
    args.extend(files.iter().map(|f| format!("daemonsets/{f}")));
    args.extend([
        "--state".into(),
        format!("clusters/{cluster}"),
        "--format".into(),
        "json".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = common::everynode(corpus, &args);
    assert_eq!(code, 0, "{cluster}: {stderr}");
    let plan = common::validated_plan(&stdout);
    let mut file_of = BTreeMap::new();
    for ds in plan["daemonsets"].as_array().unwrap() {
        let key = format!(
            "{}/{}",
            ds["namespace"].as_str().unwrap(),
            ds["name"].as_str().unwrap()
        );
        let source = ds["source"].as_str().unwrap();
        let file = source
            .trim_start_matches("daemonsets/")
            .split(':')
            .next()
            .unwrap();
        file_of.insert(key, file.to_string());
    }
    plan["placements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let daemonset = p["daemonset"].as_str().unwrap().to_string();
            let file = file_of[&daemonset].clone();
            let node = p["node"].as_str().unwrap().to_string();
            (
                (file, daemonset, node),
                p["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn corpus_daemonsets_land_where_the_hand_review_says() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus");
    let reviewed = reviewed(&corpus);
    let files: BTreeSet<String> = common::walk(&corpus.join("daemonsets"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let clusters: BTreeSet<&str> = reviewed.keys().map(|(c, _)| c.as_str()).collect();
    for must in [
        "aks-gpu-node-sku-gpu-tainted.json",
        "kubeadm-v1.21-oneke-nodes-from-rspec.json",
        "aks-system-pool-criticaladdonsonly-plus-userpool-nodes.json",
        "synthetic-aks-windows-pool-nodes.json",
    ] {
        assert!(clusters.contains(must), "the review covers {must}");
    }
    let mut failures = Vec::new();
    let mut compared = 0;
    for cluster in &clusters {
        let together: Vec<&str> = files
            .iter()
            .map(String::as_str)
            .filter(|f| *f != PLANNED_ALONE)
            .collect();
        let mut actual = plan(&corpus, cluster, &together);
        actual.extend(plan(&corpus, cluster, &[PLANNED_ALONE]));
        for file in &files {
            let Some(lines) = reviewed.get(&(cluster.to_string(), file.clone())) else {
                failures.push(format!("{cluster} × {file}: not reviewed"));
                continue;
            };
            for (daemonset, node, want) in lines {
                let key = (file.clone(), daemonset.clone(), node.clone());
                let got = actual.remove(&key).unwrap_or_else(|| "none".to_string());
                compared += 1;
                if &got != want {
                    failures.push(format!(
                        "{cluster} {file} {daemonset} {node}: reviewed {want}, planned {got}"
                    ));
                }
            }
        }
        // Every placement the plan makes was reviewed: nothing lands on a node the review
        // does not list.
        for ((file, daemonset, node), action) in actual {
            failures.push(format!(
                "{cluster} {file} {daemonset} {node}: planned {action}, not in the review"
            ));
        }
    }
    assert!(compared > 2000, "only {compared} placements compared");
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every recording loads as it is, including the pod lists that hold no nodes.
#[test]
fn every_corpus_cluster_recording_loads() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus");
    let mut loader = everynode_core::state::Loader::default();
    let names: Vec<_> = common::walk(&corpus.join("clusters"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert!(names.len() >= 11);
    for path in &names {
        let bytes = std::fs::read(path).unwrap();
        loader
            .add(&path.file_name().unwrap().to_string_lossy(), &bytes)
            .unwrap_or_else(|d| panic!("{}: {}", path.display(), d.message));
    }
    let cluster = loader.finish();
    assert!(cluster.nodes.len() > 100, "{} nodes", cluster.nodes.len());
    assert!(
        cluster.pods.iter().any(|p| p.namespace == "kube-system"
            && p.owner
                .as_ref()
                .is_some_and(|o| o.name == "csi-azuredisk-node")),
        "the DaemonSet-owned pods of the AKS recording are read"
    );
}
