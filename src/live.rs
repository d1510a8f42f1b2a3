//! The live cluster as a state source: the same objects `kubectl get nodes,daemonsets,
//! pods,controllerrevisions -A -o json` would print, read page by page through the kube
//! crate (kubeconfig, its current or a named context, every auth kube supports), each page
//! fed to the same `state::Loader` a recording goes through, so `--live` and `--state`
//! give the same answers for the same objects.
//!
//! Read-only by construction: the only request this module can build is a list (a GET,
//! through `kube::core::Request::list`); nothing here creates, updates, patches or
//! deletes. At most one page of raw JSON is held at a time, beside the minimal structs.

use std::time::{Duration, Instant};

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::Request;
use kube::core::params::ListParams;
use kube::{Client, Config};
use serde::Deserialize;

use everynode_core::diagnostic::{Code, Diagnostic};
use everynode_core::state::Loader;
use everynode_k8s::objects::Cluster;

/// Objects per page.
const PAGE: u32 = 500;

/// After this long on one list, progress goes to the callback.
const PATIENCE: Duration = Duration::from_secs(1);

/// What is listed, cluster-wide.
const LISTS: &[(&str, &str)] = &[
    ("/api/v1/nodes", "nodes"),
    ("/apis/apps/v1/daemonsets", "DaemonSets"),
    ("/api/v1/pods", "pods"),
    ("/apis/apps/v1/controllerrevisions", "ControllerRevisions"),
];

/// Reads the cluster of the kubeconfig's current context, or of `context`. `progress`
/// hears about lists that take longer than a second.
pub fn read(context: Option<&str>, progress: &mut dyn FnMut(&str)) -> Result<Cluster, Diagnostic> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| problem(format!("cannot start the client: {e}"), None))?;
    runtime.block_on(read_async(context, progress))
}

async fn read_async(
    context: Option<&str>,
    progress: &mut dyn FnMut(&str),
) -> Result<Cluster, Diagnostic> {
    let options = KubeConfigOptions {
        context: context.map(str::to_string),
        ..KubeConfigOptions::default()
    };
    let config = Config::from_kubeconfig(&options).await.map_err(|e| {
        let contexts = Kubeconfig::read()
            .map(|k| {
                k.contexts
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let help = match (context, contexts.is_empty()) {
            (Some(_), false) => format!("the kubeconfig's contexts are: {contexts}"),
            _ => "point KUBECONFIG (or ~/.kube/config) at a kubeconfig, or pass --context"
                .to_string(),
        };
        problem(format!("cannot load the kubeconfig: {e}"), Some(help))
    })?;
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let client = Client::try_from(config).map_err(|e| match e {
        kube::Error::Auth(_) => failed(&e, "", &server),
        e => problem(format!("cannot build a client for {server}: {e}"), None),
    })?;
    let mut loader = Loader::default();
    for (path, what) in LISTS {
        let started = Instant::now();
        let mut token: Option<String> = None;
        let mut objects = 0;
        loop {
            let mut params = ListParams::default().limit(PAGE);
            if let Some(token) = &token {
                params = params.continue_token(token);
            }
            let request = Request::new(*path)
                .list(&params)
                .map_err(|e| problem(format!("cannot build the list of {what}: {e}"), None))?;
            let page = client
                .request_text(request)
                .await
                .map_err(|e| failed(&e, what, &server))?;
            let meta: ListPage = serde_json::from_str(&page).map_err(|e| {
                problem(
                    format!("the list of {what} from {server} is not a Kubernetes list: {e}"),
                    None,
                )
            })?;
            objects += meta.items.len();
            loader.add(&format!("{server}{path}"), page.as_bytes())?;
            if started.elapsed() > PATIENCE {
                progress(&format!("reading {what}: {objects} so far"));
            }
            token = meta.metadata.continue_token.filter(|t| !t.is_empty());
            if token.is_none() {
                break;
            }
        }
    }
    Ok(loader.finish())
}

/// What a page says about itself: how many items, and where the next page starts.
#[derive(Deserialize)]
struct ListPage {
    #[serde(default)]
    metadata: ListMeta,
    #[serde(default)]
    items: Vec<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Default)]
struct ListMeta {
    #[serde(rename = "continue")]
    continue_token: Option<String>,
}

/// An error and the errors under it, `outer: inner: innermost`: the innermost (connection
/// refused, a name that does not resolve, a certificate) is usually the one to act on.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let said = inner.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = inner.source();
    }
    text
}

fn problem(message: String, help: Option<String>) -> Diagnostic {
    let d = Diagnostic::new(Code::live_cluster, message);
    match help {
        Some(help) => d.with_help(help),
        None => d,
    }
}

/// A failed list, said the way the person at the keyboard can act on it.
fn failed(error: &kube::Error, what: &str, server: &str) -> Diagnostic {
    match error {
        kube::Error::Api(status) if status.code == 401 => problem(
            format!("the API server at {server} refused the credentials (401 Unauthorized)"),
            Some("the token or certificate of this context has expired or is wrong: log in again (for example with your cloud's get-credentials command)".to_string()),
        ),
        kube::Error::Api(status) if status.code == 403 => problem(
            format!("listing {what} at {server} is forbidden (403): {}", status.message),
            Some("everynode needs get and list on nodes, pods, daemonsets and controllerrevisions in every namespace (`kubectl auth can-i list pods -A`)".to_string()),
        ),
        kube::Error::Api(status) if status.code == 410 => problem(
            format!("the list of {what} at {server} changed too much while it was read page by page (410 Gone: the continue token expired)"),
            Some("run the command again; a cluster under heavy churn may need a quieter moment, or a recording made with kubectl".to_string()),
        ),
        kube::Error::Api(status) => problem(
            format!("the API server at {server} answered the list of {what} with {}: {}", status.code, status.message),
            None,
        ),
        kube::Error::Auth(e) => problem(
            format!("cannot get credentials for {server}: {e}"),
            Some("the context's auth (an exec plugin, a token file, a certificate) failed: run the command it names by hand, or log in again".to_string()),
        ),
        other => problem(
            format!("cannot reach the API server at {server}: {}", with_causes(other)),
            Some("check the network, a VPN, and the server of the context (`kubectl cluster-info`)".to_string()),
        ),
    }
}
