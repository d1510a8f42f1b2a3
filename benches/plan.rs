//! Plan benchmark: a generated cluster as one `kubectl get nodes,daemonsets,pods -A -o json`
//! file, at 500 and at 5,000 nodes (the largest cluster Kubernetes supports), with
//! realistic node pools, 20 live DaemonSets rendered from 8 descriptions, their daemon pods
//! (about 13 per node) and the pods of ordinary Deployments beside them.
//!
//! For each size, in one run:
//! - `read + deserialize`: the time this code needs just to read the file and deserialize it
//!   into the minimal structs placement uses (`state::Loader`), in process;
//! - `everynode plan --format json`: the release binary end to end (process start, read,
//!   compile, place, compare, print), wall time and peak resident memory (measured by a
//!   small launcher process: see `run_plan`).
//!
//! Targets (issue 3): plan wall at most 1.5x the deserialize time, peak memory under 1.5x
//! the file size, cost linear in nodes x DaemonSets + pods.
//!
//! Run: `cargo bench --bench plan` (or `cargo bench --bench plan -- 500` for one size;
//! `EVERYNODE_BENCH_DIR=DIR` keeps the generated files)
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use everynode_core::source::SourceFile;
use everynode_core::state::Loader;
use everynode_k8s::objects::{Node, Taint};
use everynode_k8s::placement::DaemonPodTemplate;
use serde_json::{Value, json};

/// Runs per measurement; the fastest counts (the least disturbed by the machine).
const RUNS: usize = 5;

/// A class: name, label key, label value (empty for the catch-all, which comes last).
type Class = (&'static str, &'static str, &'static str);

/// The daemons: name, namespace, classes (none: one DaemonSet named after the daemon),
/// tolerations. Thirteen descriptions, 20 DaemonSets, so a node runs about 13 daemon pods.
const DAEMONS: &[(&str, &str, &[Class], &str)] = &[
    (
        "node-exporter",
        "monitoring",
        &[
            ("gpu", "nvidia.com/gpu.present", "true"),
            ("arm", "kubernetes.io/arch", "arm64"),
            ("default", "", ""),
        ],
        r#"tolerate operator="Exists""#,
    ),
    (
        "log-agent",
        "logging",
        &[
            ("windows", "kubernetes.io/os", "windows"),
            ("default", "", ""),
        ],
        r#"tolerate "nvidia.com/gpu" operator="Exists" effect="NoSchedule"
    tolerate "spot" operator="Exists" effect="NoSchedule""#,
    ),
    (
        "csi-node",
        "kube-system",
        &[
            ("windows", "kubernetes.io/os", "windows"),
            ("default", "", ""),
        ],
        r#"tolerate operator="Exists" effect="NoSchedule""#,
    ),
    (
        "gpu-device-plugin",
        "kube-system",
        &[
            ("a100", "gpu-model", "a100"),
            ("default", "nvidia.com/gpu.present", "true"),
        ],
        r#"tolerate "nvidia.com/gpu" operator="Exists" effect="NoSchedule""#,
    ),
    (
        "security-agent",
        "security",
        &[("high-memory", "pool", "highmem"), ("default", "", "")],
        r#"tolerate "spot" operator="Exists" effect="NoSchedule""#,
    ),
    (
        "kube-proxy",
        "kube-system",
        &[
            ("windows", "kubernetes.io/os", "windows"),
            ("linux", "kubernetes.io/os", "linux"),
        ],
        r#"tolerate operator="Exists""#,
    ),
    (
        "cni-agent",
        "kube-system",
        &[],
        r#"tolerate operator="Exists""#,
    ),
    (
        "dns-cache",
        "kube-system",
        &[],
        r#"tolerate "CriticalAddonsOnly" operator="Exists""#,
    ),
    (
        "node-problem-detector",
        "kube-system",
        &[],
        r#"tolerate operator="Exists""#,
    ),
    (
        "image-prefetch",
        "platform",
        &[],
        r#"tolerate "spot" operator="Exists" effect="NoSchedule""#,
    ),
    ("falco", "security", &[], r#"tolerate operator="Exists""#),
    (
        "kured",
        "kube-system",
        &[],
        r#"tolerate "spot" operator="Exists" effect="NoSchedule""#,
    ),
    (
        "otel-collector",
        "monitoring",
        &[],
        r#"tolerate operator="Exists""#,
    ),
];

/// Node pools: name prefix, share in percent, labels, taints.
struct Pool {
    name: &'static str,
    percent: usize,
    labels: &'static [(&'static str, &'static str)],
    taints: &'static [(&'static str, &'static str, &'static str)],
    instance_type: &'static str,
}

const POOLS: &[Pool] = &[
    Pool {
        name: "system",
        percent: 2,
        labels: &[("pool", "system"), ("kubernetes.azure.com/mode", "system")],
        taints: &[("CriticalAddonsOnly", "true", "NoSchedule")],
        instance_type: "Standard_D4s_v5",
    },
    Pool {
        name: "general",
        percent: 55,
        labels: &[("pool", "general")],
        taints: &[],
        instance_type: "Standard_D16s_v5",
    },
    Pool {
        name: "arm",
        percent: 15,
        labels: &[("pool", "arm"), ("kubernetes.io/arch", "arm64")],
        taints: &[],
        instance_type: "Standard_D16ps_v5",
    },
    Pool {
        name: "gpu",
        percent: 8,
        labels: &[
            ("pool", "gpu"),
            ("nvidia.com/gpu.present", "true"),
            ("gpu-model", "a100"),
        ],
        taints: &[("nvidia.com/gpu", "present", "NoSchedule")],
        instance_type: "Standard_ND96asr_v4",
    },
    Pool {
        name: "t4",
        percent: 3,
        labels: &[
            ("pool", "t4"),
            ("nvidia.com/gpu.present", "true"),
            ("gpu-model", "t4"),
        ],
        taints: &[("nvidia.com/gpu", "present", "NoSchedule")],
        instance_type: "Standard_NC16as_T4_v3",
    },
    Pool {
        name: "highmem",
        percent: 7,
        labels: &[("pool", "highmem")],
        taints: &[],
        instance_type: "Standard_E32s_v5",
    },
    Pool {
        name: "spot",
        percent: 6,
        labels: &[
            ("pool", "spot"),
            ("kubernetes.azure.com/scalesetpriority", "spot"),
        ],
        taints: &[("spot", "true", "NoSchedule")],
        instance_type: "Standard_D8s_v5",
    },
    Pool {
        name: "win",
        percent: 4,
        labels: &[("pool", "win"), ("kubernetes.io/os", "windows")],
        taints: &[],
        instance_type: "Standard_D8s_v5",
    },
];

fn descriptions(dir: &Path) {
    for (d, (name, namespace, classes, tolerations)) in DAEMONS.iter().enumerate() {
        let mut text = format!(
            r#"daemon "{name}" {{
    namespace "{namespace}"
    image "registry.example.com/platform/{name}:v2.{d}.1"
    args "--node=$(NODE_NAME)" "--listen=:{port}" "--log-level=info"
    env "NODE_NAME" field="spec.nodeName"
    port "metrics" {port} host=#true
    requests cpu="50m" memory="64Mi"
    limits memory="256Mi"
    host-path "/var/log" mount="/var/log" read-only=#true
    host-path "/proc" mount="/host/proc" read-only=#true
    {tolerations}
    update max-unavailable="10%"
"#,
            port = 9100 + d
        );
        for (class, key, value) in *classes {
            if key.is_empty() {
                text.push_str(&format!("    class \"{class}\"\n"));
            } else {
                text.push_str(&format!(
                    "    class \"{class}\" {{\n        match \"{key}\" \"{value}\"\n    }}\n"
                ));
            }
        }
        text.push_str("}\n");
        std::fs::write(dir.join(format!("{name}.kdl")), text).unwrap();
    }
}

/// A node as `kubectl get nodes -o json` prints it: labels, taints, and the status a real
/// kubelet reports (addresses, capacity, conditions, node info, cached images), which is
/// most of a node's bytes.
fn node(i: usize, pool: &Pool) -> (Value, Node) {
    let name = format!("aks-{}-{:08}-vmss{:06x}", pool.name, 31_415_926 + i % 7, i);
    let mut labels = serde_json::Map::new();
    for (k, v) in [
        ("kubernetes.io/os", "linux"),
        ("kubernetes.io/arch", "amd64"),
        ("beta.kubernetes.io/os", "linux"),
        ("beta.kubernetes.io/arch", "amd64"),
        ("node.kubernetes.io/instance-type", pool.instance_type),
        ("beta.kubernetes.io/instance-type", pool.instance_type),
        ("topology.kubernetes.io/region", "westeurope"),
        ("failure-domain.beta.kubernetes.io/region", "westeurope"),
        ("kubernetes.azure.com/agentpool", pool.name),
        (
            "kubernetes.azure.com/cluster",
            "MC_platform_prod_westeurope",
        ),
        (
            "kubernetes.azure.com/node-image-version",
            "AKSUbuntu-2204gen2containerd-202410.27.0",
        ),
        ("kubernetes.azure.com/os-sku", "Ubuntu"),
        ("kubernetes.azure.com/role", "agent"),
        (
            "node.kubernetes.io/exclude-from-external-load-balancers",
            "false",
        ),
        ("storageprofile", "managed"),
        ("storagetier", "Premium_LRS"),
    ] {
        labels.insert(k.into(), v.into());
    }
    let zone = format!("westeurope-{}", i % 3 + 1);
    labels.insert("topology.kubernetes.io/zone".into(), zone.clone().into());
    labels.insert("failure-domain.beta.kubernetes.io/zone".into(), zone.into());
    labels.insert("kubernetes.io/hostname".into(), name.clone().into());
    for (k, v) in pool.labels {
        labels.insert((*k).into(), (*v).into());
    }
    // A few nodes are cordoned or NotReady, as in any large fleet.
    let cordoned = i.is_multiple_of(97);
    let not_ready = i.is_multiple_of(211);
    let mut taints: Vec<Taint> = pool
        .taints
        .iter()
        .map(|(key, value, effect)| Taint {
            key: (*key).into(),
            value: (*value).into(),
            effect: (*effect).into(),
        })
        .collect();
    if cordoned {
        taints.push(Taint {
            key: "node.kubernetes.io/unschedulable".into(),
            value: String::new(),
            effect: "NoSchedule".into(),
        });
    }
    if not_ready {
        for effect in ["NoSchedule", "NoExecute"] {
            taints.push(Taint {
                key: "node.kubernetes.io/not-ready".into(),
                value: String::new(),
                effect: effect.into(),
            });
        }
    }
    let condition = |kind: &str, status: &str, reason: &str| {
        json!({"type": kind, "status": status, "reason": reason,
               "message": format!("kubelet reports {kind} is {status}"),
               "lastHeartbeatTime": "2026-11-20T09:14:02Z",
               "lastTransitionTime": "2026-10-02T17:40:11Z"})
    };
    let images: Vec<Value> = (0..12)
        .map(|n| {
            json!({"names": [
                format!("mcr.microsoft.com/oss/kubernetes/component-{n}@sha256:{:064x}", n * 7919 + 13),
                format!("mcr.microsoft.com/oss/kubernetes/component-{n}:v1.{n}.3"),
            ], "sizeBytes": 20_000_000 + n * 1_234_567})
        })
        .collect();
    let object = json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": format!("{:08x}-1f2e-4d3c-8b4a-{:012x}", i, i * 31),
            "resourceVersion": (1_000_000 + i).to_string(),
            "creationTimestamp": "2026-10-02T17:39:48Z",
            "labels": labels,
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                "csi.volume.kubernetes.io/nodeid": format!("{{\"disk.csi.azure.com\":\"{name}\",\"file.csi.azure.com\":\"{name}\"}}"),
            },
        },
        "spec": {
            "podCIDR": format!("10.{}.{}.0/24", 64 + i / 256, i % 256),
            "podCIDRs": [format!("10.{}.{}.0/24", 64 + i / 256, i % 256)],
            "providerID": format!("azure:///subscriptions/0f1e2d3c/resourceGroups/mc_platform/providers/Microsoft.Compute/virtualMachineScaleSets/aks-{}/virtualMachines/{i}", pool.name),
            "taints": taints,
            "unschedulable": cordoned,
        },
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": format!("10.240.{}.{}", i / 256, i % 256)},
                {"type": "Hostname", "address": name},
            ],
            "allocatable": {"cpu": "15820m", "ephemeral-storage": "119703055367", "memory": "57682536Ki", "pods": "110"},
            "capacity": {"cpu": "16", "ephemeral-storage": "129886128Ki", "memory": "65842280Ki", "pods": "110"},
            "conditions": [
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID"),
                condition("Ready", if not_ready { "Unknown" } else { "True" }, "KubeletReady"),
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": images,
            "nodeInfo": {
                "architecture": labels_arch(pool), "bootID": format!("{:032x}", i * 104_729),
                "containerRuntimeVersion": "containerd://1.7.22-1", "kernelVersion": "5.15.0-1073-azure",
                "kubeProxyVersion": "v1.30.5", "kubeletVersion": "v1.30.5",
                "machineID": format!("{:032x}", i * 7_919), "operatingSystem": "linux",
                "osImage": "Ubuntu 22.04.5 LTS", "systemUUID": format!("{:08x}-aaaa-bbbb-cccc-{:012x}", i, i),
            },
        },
    });
    let node = Node {
        name: object["metadata"]["name"].as_str().unwrap().into(),
        labels: object["metadata"]["labels"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().into()))
            .collect(),
        taints,
        unschedulable: cordoned,
        ready: Some(!not_ready),
        allocatable: Default::default(),
    };
    (object, node)
}

fn labels_arch(pool: &Pool) -> &'static str {
    pool.labels
        .iter()
        .find(|(k, _)| *k == "kubernetes.io/arch")
        .map_or("amd64", |(_, v)| v)
}

/// A pod as `kubectl get -o json` prints it (managedFields hidden, kubectl's default):
/// the controller's labels, owner and node affinity, the template's containers, the
/// tolerations the controller adds, and a kubelet status.
fn pod(
    name: String,
    namespace: &str,
    owner: (&str, &str, &str),
    node: &str,
    template: &Value,
    labels: Value,
) -> Value {
    let (kind, owner_name, owner_uid) = owner;
    let mut spec = template["spec"].clone();
    spec["nodeName"] = node.into();
    spec["affinity"] = json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}}});
    let mut tolerations = spec["tolerations"].as_array().cloned().unwrap_or_default();
    for (key, effect) in [
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
    ] {
        tolerations.push(json!({"key": key, "operator": "Exists", "effect": effect}));
    }
    spec["tolerations"] = tolerations.into();
    let container = spec["containers"][0]["name"]
        .as_str()
        .unwrap_or("main")
        .to_string();
    let conditions: Vec<Value> = [
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    .iter()
    .map(|t| json!({"type": t, "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-02T08:21:41Z"}))
    .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "generateName": format!("{owner_name}-"),
            "namespace": namespace,
            "uid": format!("{:08x}-5a6b-4c7d-8e9f-{:012x}", name.len() * 65_537, name.len() * 131),
            "resourceVersion": "48151623",
            "creationTimestamp": "2026-11-02T08:21:37Z",
            "labels": labels,
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": kind, "name": owner_name,
                                  "uid": owner_uid, "controller": true, "blockOwnerDeletion": true}],
        },
        "spec": spec,
        "status": {
            "phase": "Running",
            "conditions": conditions,
            "hostIP": "10.240.3.17",
            "podIP": "10.240.3.17",
            "podIPs": [{"ip": "10.240.3.17"}],
            "startTime": "2026-11-02T08:21:37Z",
            "qosClass": "Burstable",
            "containerStatuses": [{
                "name": container, "ready": true, "restartCount": 0, "started": true,
                "image": template["spec"]["containers"][0]["image"].clone(),
                "imageID": format!("registry.example.com/platform@sha256:{:064x}", owner_name.len() * 977),
                "containerID": format!("containerd://{:064x}", name.len() * 1_000_003),
                "lastState": {},
                "state": {"running": {"startedAt": "2026-11-02T08:21:40Z"}},
            }],
        },
    })
}

struct Generated {
    bytes: u64,
    daemonsets: usize,
    daemon_pods: usize,
    other_pods: usize,
}

/// Writes the descriptions and `cluster.json` for `nodes` nodes into `dir`.
fn generate(dir: &Path, nodes: usize) -> Generated {
    let daemons = dir.join("daemons");
    std::fs::create_dir_all(&daemons).unwrap();
    descriptions(&daemons);
    let files: Vec<_> = DAEMONS
        .iter()
        .map(|(name, ..)| {
            let path = daemons.join(format!("{name}.kdl"));
            SourceFile::new(&path, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    let compiled = everynode_core::compile(&files);
    assert!(
        compiled.diagnostics.is_empty(),
        "{:#?}",
        compiled.diagnostics
    );
    let (desired, problems) =
        everynode_core::compare::desired(compiled.rendered, &compiled.parsed.manifests);
    assert!(
        problems.is_empty() && desired.len() == 20,
        "{} DaemonSets",
        desired.len()
    );

    let path = dir.join("cluster.json");
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).unwrap());
    let mut write = |value: &Value, first: bool| {
        out.write_all(if first { b"\n        " } else { b",\n        " })
            .unwrap();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut out,
            serde_json::ser::PrettyFormatter::with_indent(b"    "),
        );
        serde::Serialize::serialize(value, &mut ser).unwrap();
    };
    // kubectl's List: {"apiVersion": "v1", "items": [...], "kind": "List", ...}
    let mut first = true;
    let mut placed = Vec::with_capacity(nodes);
    let total: usize = POOLS.iter().map(|p| p.percent).sum();
    let mut i = 0;
    for pool in POOLS {
        let count = (nodes * pool.percent).div_ceil(total);
        for _ in 0..count {
            if i == nodes {
                break;
            }
            let (object, node) = node(i, pool);
            write(&object, first);
            first = false;
            placed.push(node);
            i += 1;
        }
    }
    let mut daemon_pods = 0;
    for (d, want) in desired.iter().enumerate() {
        let uid = format!("{d:08x}-d5e7-4a11-9c3b-0242ac120002");
        let mut live = want.object.clone();
        live["metadata"]["uid"] = uid.clone().into();
        live["metadata"]["generation"] = 3.into();
        live["metadata"]["resourceVersion"] = "48151000".into();
        live["metadata"]["annotations"]["deprecated.daemonset.template.generation"] = "3".into();
        live["status"] = json!({"currentNumberScheduled": 0, "desiredNumberScheduled": 0, "numberMisscheduled": 0, "numberReady": 0, "observedGeneration": 3});
        write(&live, false);
        let template = DaemonPodTemplate::new(&want.daemonset).unwrap();
        let selector = want.object["spec"]["selector"]["matchLabels"].clone();
        for (n, node) in placed.iter().enumerate() {
            if !template.evaluate(node).should_run {
                continue;
            }
            // One pod in fifty still runs the previous template: a rollout in progress.
            let generation = if (n + d) % 50 == 0 { "2" } else { "3" };
            let mut labels = selector.clone();
            labels["pod-template-generation"] = generation.into();
            labels["controller-revision-hash"] =
                format!("{:010x}", d * 7 + generation.len()).into();
            let name = format!("{}-{:05x}", want.name, n * 31 + d);
            let object = pod(
                name,
                &want.namespace,
                ("DaemonSet", &want.name, &uid),
                &node.name,
                &want.object["spec"]["template"],
                labels,
            );
            write(&object, false);
            daemon_pods += 1;
        }
    }
    // Ordinary workload pods: skipped by the loader, but read like everything else.
    let web = json!({"spec": {"containers": [{"name": "web", "image": "registry.example.com/shop/web:4.12.0",
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}}}]}});
    let other_pods = nodes;
    for n in 0..other_pods {
        let node = &placed[n * 7 % placed.len()].name;
        let object = pod(
            format!("web-7d9c8b6f5-{n:05x}"),
            "shop",
            (
                "ReplicaSet",
                "web-7d9c8b6f5",
                "77777777-0000-4000-8000-000000000007",
            ),
            node,
            &web,
            json!({"app": "web", "pod-template-hash": "7d9c8b6f5"}),
        );
        write(&object, false);
    }
    out.write_all(b"\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n")
        .unwrap();
    out.flush().unwrap();
    drop(out);
    // Prepend the opening now that the items are written: rewrite is cheap next to
    // generation, and keeps `write` simple.
    let body = std::fs::read(&path).unwrap();
    let mut file = BufWriter::new(std::fs::File::create(&path).unwrap());
    file.write_all(b"{\n    \"apiVersion\": \"v1\",\n    \"items\": [")
        .unwrap();
    file.write_all(&body).unwrap();
    file.flush().unwrap();
    Generated {
        bytes: std::fs::metadata(&path).unwrap().len(),
        daemonsets: desired.len(),
        daemon_pods,
        other_pods,
    }
}

/// Reads and deserializes the state into the structs placement uses, nothing more.
fn deserialize_only(path: &Path) -> (Duration, usize) {
    let start = Instant::now();
    let bytes = std::fs::read(path).unwrap();
    let mut loader = Loader::default();
    loader.add("cluster.json", &bytes).unwrap();
    drop(bytes);
    let cluster = loader.finish();
    let elapsed = start.elapsed();
    (elapsed, cluster.nodes.len() + cluster.pods.len())
}

/// Set in the environment of this bench started again as the launcher of `plan`.
const LAUNCHER: &str = "EVERYNODE_BENCH_LAUNCHER";

/// Runs the release binary: its wall time, and its peak resident memory in bytes. Through
/// this bench started again as a small launcher (`launch`): Linux counts in a child's
/// peak the resident memory of the process it was forked from, and this one holds the
/// generated cluster (a child of it would report hundreds of megabytes it never used).
fn run_plan(dir: &Path) -> (Duration, u64) {
    let output = Command::new(std::env::current_exe().unwrap())
        .env(LAUNCHER, "1")
        .current_dir(dir)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the launcher failed: {}",
        output.status
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let (nanos, rss) = text.trim().split_once(' ').unwrap();
    (
        Duration::from_nanos(nanos.parse().unwrap()),
        rss.parse().unwrap(),
    )
}

/// As the launcher, in the generated directory: runs `everynode plan daemons --state
/// cluster.json --format json`, output to a file, and prints its wall time (ns, process
/// start to exit) and peak RSS (bytes, `getrusage(RUSAGE_CHILDREN)`).
fn launch() {
    let out = std::fs::File::create("plan.json").unwrap();
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_everynode"))
        .args([
            "plan",
            "daemons",
            "--state",
            "cluster.json",
            "--format",
            "json",
        ])
        .stdout(out)
        .stderr(Stdio::inherit())
        .status()
        .unwrap();
    let elapsed = start.elapsed();
    assert!(status.success(), "everynode plan failed: {status}");
    // SAFETY: an all-zero rusage is a valid value of the C struct getrusage fills in, and
    // the pointer is valid for the call.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage), 0);
        usage
    };
    // Linux reports ru_maxrss in KiB.
    println!("{} {}", elapsed.as_nanos(), usage.ru_maxrss as u64 * 1024);
}

fn main() {
    if std::env::var_os(LAUNCHER).is_some() {
        return launch();
    }
    // Sizes from the command line (`cargo bench --bench plan -- 500`), else both.
    let mut sizes: Vec<usize> = std::env::args().filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![500, 5_000];
    }
    sizes.sort();
    println!(
        "| nodes | file MB | DaemonSets | daemon pods | other pods | read + deserialize ms | everynode plan ms | ratio | peak RSS MB | RSS / file | plan µs per (node x DS + pod) |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for nodes in sizes {
        // EVERYNODE_BENCH_DIR keeps the generated files for a look (one size at a time).
        let temporary = tempfile::tempdir().unwrap();
        let dir = std::env::var_os("EVERYNODE_BENCH_DIR")
            .map_or_else(|| temporary.path().to_path_buf(), std::path::PathBuf::from);
        let dir = dir.as_path();
        let generated = generate(dir, nodes);
        let path = dir.join("cluster.json");
        let mut loads = Vec::new();
        let mut plans = Vec::new();
        let mut peak = 0;
        for _ in 0..RUNS {
            let (elapsed, objects) = deserialize_only(&path);
            assert!(objects >= nodes + generated.daemon_pods);
            loads.push(elapsed);
            let (elapsed, rss) = run_plan(dir);
            plans.push(elapsed);
            peak = peak.max(rss);
        }
        let (load, plan) = (loads.iter().min().unwrap(), plans.iter().min().unwrap());
        let units = nodes * generated.daemonsets + generated.daemon_pods;
        let mb = |b: u64| b as f64 / 1e6;
        println!(
            "| {nodes} | {:.0} | {} | {} | {} | {:.0} | {:.0} | {:.2}x | {:.0} | {:.2}x | {:.2} |",
            mb(generated.bytes),
            generated.daemonsets,
            generated.daemon_pods,
            generated.other_pods,
            load.as_secs_f64() * 1e3,
            plan.as_secs_f64() * 1e3,
            plan.as_secs_f64() / load.as_secs_f64(),
            mb(peak),
            peak as f64 / generated.bytes as f64,
            plan.as_secs_f64() * 1e6 / units as f64,
        );
    }
}
