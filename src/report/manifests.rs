//! Rendered DaemonSets as YAML documents or a kubectl-style JSON `List`.

use serde_json::{Value, json};

use everynode_core::expand::Rendered;
use everynode_core::parse::yaml11;

/// One YAML document: keys sorted, as `kubectl get -o yaml` prints them, and every string
/// kubectl would read as a boolean or a number (YAML 1.1: `yes`, `on`, `1_000`) quoted,
/// as go-yaml quotes them.
pub fn yaml_document(object: &Value) -> String {
    let text = serde_yaml::to_string(object).unwrap_or_default();
    yaml11::quote_for_kubectl(&text).into_owned()
}

/// Multi-document YAML, one DaemonSet a document, in the given (sorted) order.
pub fn yaml_stream(rendered: &[Rendered]) -> String {
    rendered
        .iter()
        .map(|r| format!("---\n{}", yaml_document(&r.object)))
        .collect()
}

/// A `v1` `List` of the DaemonSets, as `kubectl get -o json` prints several objects.
pub fn json_list(rendered: &[Rendered]) -> String {
    let items: Vec<&Value> = rendered.iter().map(|r| &r.object).collect();
    let list = json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items});
    let mut text = serde_json::to_string_pretty(&list).unwrap_or_default();
    text.push('\n');
    text
}
