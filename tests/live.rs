//! `--live` against an API server started here on 127.0.0.1: it serves recorded objects on
//! the Kubernetes REST paths as typed lists, two objects a page (so every list is paged
//! through `continue`), and records every request. plan, diff, explain and import must print
//! exactly what they print with `--state` on the same objects, and every request must be
//! a GET. Then the ways a live read fails: refused credentials, a forbidden list, an
//! unreachable server, a context the kubeconfig lacks.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// How the fake API server answers.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Serve,
    /// Like Serve, but each page of pods takes 1.1 s.
    SlowPods,
    Unauthorized,
    ForbidPods,
    /// Like Serve, but a continue token is always too old (410 Expired).
    ExpireContinue,
}

const PAGE: usize = 2;

/// (path, list kind, apiVersion, item kind)
const LISTS: &[(&str, &str, &str, &str)] = &[
    ("/api/v1/nodes", "NodeList", "v1", "Node"),
    (
        "/apis/apps/v1/daemonsets",
        "DaemonSetList",
        "apps/v1",
        "DaemonSet",
    ),
    ("/api/v1/pods", "PodList", "v1", "Pod"),
    (
        "/apis/apps/v1/controllerrevisions",
        "ControllerRevisionList",
        "apps/v1",
        "ControllerRevision",
    ),
];

struct Server {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

fn serve(objects: Vec<Value>, mode: Mode) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let objects = Arc::new(objects);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (seen, objects) = (seen.clone(), objects.clone());
            std::thread::spawn(move || connection(stream, &objects, mode, &seen));
        }
    });
    Server { port, requests }
}

/// Answers requests on one connection until the client closes it (keep-alive).
fn connection(stream: TcpStream, objects: &[Value], mode: Mode, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut parts = line.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        seen.lock().unwrap().push(format!("{method} {target}"));
        let (status, answer) = respond(method, target, objects, mode);
        let text = answer.to_string();
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        );
    }
}

fn status(code: u16, reason: &str, message: &str) -> (String, Value) {
    (
        format!("{code} {reason}"),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": message, "reason": reason, "code": code}),
    )
}

fn respond(method: &str, target: &str, objects: &[Value], mode: Mode) -> (String, Value) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if mode == Mode::Unauthorized {
        return status(401, "Unauthorized", "Unauthorized");
    }
    if mode == Mode::ExpireContinue && query.contains("continue=") {
        return status(
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result.",
        );
    }
    if mode == Mode::ForbidPods && path == "/api/v1/pods" {
        return status(
            403,
            "Forbidden",
            "pods is forbidden: User \"ci\" cannot list resource \"pods\" in API group \"\" at the cluster scope",
        );
    }
    let Some((_, list_kind, api_version, kind)) = LISTS.iter().find(|(p, ..)| *p == path) else {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        );
    };
    if method != "GET" {
        return status(405, "MethodNotAllowed", "read-only test server");
    }
    if mode == Mode::SlowPods && path == "/api/v1/pods" {
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    let start: usize = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("continue="))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let all: Vec<Value> = objects
        .iter()
        .filter(|o| o["kind"] == *kind)
        .map(|o| {
            let mut item = o.clone();
            let fields = item.as_object_mut().unwrap();
            fields.remove("kind");
            fields.remove("apiVersion");
            item
        })
        .collect();
    let end = (start + PAGE).min(all.len());
    let mut metadata = json!({"resourceVersion": "4242"});
    if end < all.len() {
        metadata["continue"] = json!(end.to_string());
    }
    (
        "200 OK".to_string(),
        json!({"kind": list_kind, "apiVersion": api_version, "metadata": metadata,
               "items": all[start..end]}),
    )
}

fn kubeconfig(dir: &Path, port: u16) -> std::path::PathBuf {
    kubeconfig_with(dir, port, "    token: not-a-secret\n")
}

/// A kubeconfig whose user is `user` (YAML lines under `user:`).
fn kubeconfig_with(dir: &Path, port: u16, user: &str) -> std::path::PathBuf {
    let path = dir.join("kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\n\
         clusters:\n- name: test\n  cluster:\n    server: http://127.0.0.1:{port}\n\
         users:\n- name: ci\n  user:\n{user}\
         contexts:\n- name: test\n  context:\n    cluster: test\n    user: ci\n\
         - name: staging\n  context:\n    cluster: test\n    user: ci\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn everynode(dir: &Path, kubeconfig: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_everynode"))
        .current_dir(dir)
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A recorded case: its DaemonSet manifest and the objects of its state.
fn recorded() -> (tempfile::TempDir, Vec<Value>) {
    let case =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plan/update-by-template-generation");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(case.join("tool.yaml"), dir.path().join("tool.yaml")).unwrap();
    std::fs::copy(case.join("state.yaml"), dir.path().join("state.yaml")).unwrap();
    let text = std::fs::read_to_string(case.join("state.yaml")).unwrap();
    let objects: Vec<Value> = serde_yaml::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    assert!(
        objects.len() > 2 * PAGE,
        "the case has enough objects to page"
    );
    (dir, objects)
}

#[test]
fn live_answers_what_the_recording_answers_and_only_reads() {
    let (dir, objects) = recorded();
    let server = serve(objects, Mode::Serve);
    let config = kubeconfig(dir.path(), server.port);
    for args in [
        vec!["plan", "tool.yaml", "--format", "json"],
        vec!["plan", "tool.yaml"],
        vec!["diff", "tool.yaml"],
        vec!["import"],
        vec![
            "explain",
            "ops/tool",
            "--node",
            "cpu-1",
            "--path",
            "tool.yaml",
        ],
    ] {
        let mut recorded = args.clone();
        recorded.extend(["--state", "state.yaml"]);
        let mut live = args.clone();
        live.extend(["--live", "--context", "staging"]);
        let from_file = everynode(dir.path(), &config, &recorded);
        let from_server = everynode(dir.path(), &config, &live);
        assert_eq!(from_server, from_file, "{args:?}");
        assert!(from_file.0 != 2, "{args:?}: {}", from_file.2);
    }
    let requests = server.requests.lock().unwrap().clone();
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| r.starts_with("GET ")),
        "{requests:#?}"
    );
    assert!(
        requests.iter().any(|r| r.contains("continue=")),
        "the lists were paged: {requests:#?}"
    );
}

#[test]
fn live_failures_are_clear_errors() {
    let (dir, objects) = recorded();
    let unauthorized = serve(objects.clone(), Mode::Unauthorized);
    let forbidden = serve(objects.clone(), Mode::ForbidPods);
    let expiring = serve(objects, Mode::ExpireContinue);
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let cases = [
        (
            unauthorized.port,
            None,
            "refused the credentials (401 Unauthorized)",
        ),
        (forbidden.port, None, "listing pods"),
        (closed_port, None, "Connection refused"),
        (expiring.port, None, "410 Gone: the continue token expired"),
        (
            forbidden.port,
            Some("prod"),
            "the kubeconfig's contexts are: test, staging",
        ),
    ];
    let exec = "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: /nonexistent/everynode-test-credential-plugin\n";
    let cases = cases.map(|(port, context, expected)| (port, context, expected, None));
    let cases =
        cases
            .into_iter()
            .chain([(forbidden.port, None, "cannot get credentials", Some(exec))]);
    for (port, context, expected, user) in cases {
        let config = match user {
            Some(user) => kubeconfig_with(dir.path(), port, user),
            None => kubeconfig(dir.path(), port),
        };
        let mut args = vec!["plan", "tool.yaml", "--live"];
        if let Some(context) = context {
            args.extend(["--context", context]);
        }
        let (code, stdout, stderr) = everynode(dir.path(), &config, &args);
        assert_eq!(code, 2, "{expected}: {stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains(expected),
            "expected {expected:?} in:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_slow_list_reports_progress_on_stderr() {
    let (dir, objects) = recorded();
    let server = serve(objects, Mode::SlowPods);
    let config = kubeconfig(dir.path(), server.port);
    let (code, stdout, stderr) = everynode(dir.path(), &config, &["plan", "tool.yaml", "--live"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("ops/tool"), "{stdout}");
    assert!(stderr.contains("reading pods: "), "{stderr}");
    assert!(!stdout.contains("reading"), "progress goes to stderr only");
}
