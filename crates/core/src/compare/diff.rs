//! What `diff` compares: each DaemonSet that should exist against the one in the state,
//! both normalized (`normalize`: server-set fields dropped, the API server's defaults
//! applied, quantities canonical), so only real changes remain.

use serde_json::Value;

use everynode_k8s::defaults::normalize_typed;
use everynode_k8s::objects::Cluster;
use everynode_k8s::validation::unknown_fields;

use crate::compare::{Desired, live_of, pruned};
use crate::diagnostic::{Code, Diagnostic};

/// What applying does to a DaemonSet that differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Not in the state.
    Create,
    /// In the state, different.
    Update,
    /// `spec.selector` differs: immutable, so the DaemonSet is deleted and created again.
    Recreate,
    /// In the state, managed by everynode, no longer rendered.
    Prune,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Create => "create",
            Kind::Update => "update",
            Kind::Recreate => "recreate",
            Kind::Prune => "prune",
        }
    }
}

/// One DaemonSet that differs: both sides normalized (`None` where a side is absent).
#[derive(Debug, Clone)]
pub struct Difference {
    pub namespace: String,
    pub name: String,
    pub kind: Kind,
    /// Where the rendered side comes from (`file:line:column`), or the state file.
    pub source: String,
    pub live: Option<Value>,
    pub rendered: Option<Value>,
}

/// Every DaemonSet whose normalized rendered and live forms differ, by namespace and name.
pub fn differences(desired: &[Desired], cluster: &Cluster) -> Vec<Difference> {
    let mut out = Vec::new();
    for want in desired {
        let rendered = normalize_typed(&want.daemonset);
        let live = live_of(want, cluster).map(|l| normalize_typed(&l.daemonset));
        let kind = match &live {
            None => Kind::Create,
            Some(live) if *live == rendered => continue,
            Some(live) if live["spec"]["selector"] != rendered["spec"]["selector"] => {
                Kind::Recreate
            }
            Some(_) => Kind::Update,
        };
        out.push(Difference {
            namespace: want.namespace.clone(),
            name: want.name.clone(),
            kind,
            source: want.source.clone(),
            live,
            rendered: Some(rendered),
        });
    }
    for live in pruned(desired, cluster) {
        out.push(Difference {
            namespace: live.namespace.clone(),
            name: live.name.clone(),
            kind: Kind::Prune,
            source: live.source.clone(),
            live: Some(normalize_typed(&live.daemonset)),
            rendered: None,
        });
    }
    out.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    out
}

/// A warning for each field that `differences` cannot see: one the typed DaemonSet lacks,
/// in a rendered or written DaemonSet or in the live one it is compared with. Without it,
/// a change to such a field (a typo, or a field newer than Kubernetes 1.33) would pass as
/// no change.
pub fn not_compared(desired: &[Desired], cluster: &Cluster) -> Vec<Diagnostic> {
    let help = "check the spelling against `kubectl explain daemonset`; a field added after Kubernetes 1.33 is not compared by this everynode";
    let mut out = Vec::new();
    for want in desired {
        for field in unknown_fields(&want.object, &want.daemonset) {
            out.push(
                Diagnostic::new(
                    Code::not_compared,
                    format!(
                        "{}/{}: {field} is not a DaemonSet field everynode knows; not compared",
                        want.namespace, want.name
                    ),
                )
                .at(&want.file, want.key_span_of(&field), "unknown field")
                .with_help(help),
            );
        }
        if let Some(live) = live_of(want, cluster) {
            for field in unknown_fields(&live.object, &live.daemonset) {
                out.push(
                    Diagnostic::new(
                        Code::not_compared,
                        format!(
                            "{}/{} in {}: {field} is not a DaemonSet field everynode knows; not compared",
                            live.namespace, live.name, live.source
                        ),
                    )
                    .with_help(help),
                );
            }
        }
    }
    out
}
