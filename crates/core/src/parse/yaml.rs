//! YAML and JSON input: descriptions in their YAML form (validated against the published
//! JSON Schema first, so every problem gets a position) and plain DaemonSet manifests.

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::{self, Daemon};
use crate::parse::{ParsedDaemon, ParsedManifest, yaml11};
use crate::source::{SourceFile, SpanMap, pointer};

/// The API groups whose `kind: DaemonSet` everynode reads.
pub const DAEMONSET_API_VERSIONS: &[&str] = &["apps/v1", "apps/v1beta2", "extensions/v1beta1"];

/// Parses one YAML or JSON file, which may hold several documents.
pub fn parse(file: &Arc<SourceFile>) -> (Vec<ParsedDaemon>, Vec<ParsedManifest>, Vec<Diagnostic>) {
    let mut daemons = Vec::new();
    let mut manifests = Vec::new();
    let mut diagnostics = Vec::new();
    let (documents, problem) = documents(file);
    diagnostics.extend(problem);
    if !diagnostics.is_empty() {
        return (daemons, manifests, diagnostics);
    }
    for yaml11::Document { value, spans } in documents {
        let kind = value.get("kind").and_then(Value::as_str);
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        match kind {
            Some(model::KIND) if api_version.starts_with("everynode.dev/") => {
                let (daemon, problems) = description(file, value, &spans);
                diagnostics.extend(problems);
                if let Some(daemon) = daemon {
                    daemons.push(ParsedDaemon {
                        daemon,
                        spans,
                        file: file.clone(),
                    });
                }
            }
            Some("DaemonSet") => manifests.push(ParsedManifest {
                object: value,
                spans,
                file: file.clone(),
            }),
            // A `List` as `render -o json` prints it (or a `DaemonSetList`): its DaemonSets
            // are manifests. Items with a uid were read from a cluster (a recording, which
            // --state reads).
            Some("List" | "DaemonSetList") => {
                let items = value.get("items").and_then(Value::as_array);
                for (i, item) in items.into_iter().flatten().enumerate() {
                    let recorded = item.pointer("/metadata/uid").is_some();
                    // A DaemonSetList's items may leave their kind out, as the API does.
                    let kind = item.get("kind").and_then(Value::as_str);
                    let daemonset = kind == Some("DaemonSet")
                        || (kind.is_none() && value["kind"] == "DaemonSetList");
                    if daemonset && !recorded {
                        let mut object = item.clone();
                        object["kind"] = Value::String("DaemonSet".into());
                        if object.get("apiVersion").is_none() {
                            object["apiVersion"] = value["apiVersion"].clone();
                        }
                        manifests.push(ParsedManifest {
                            object,
                            spans: spans.subtree(&pointer("/items", i)),
                            file: file.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    (daemons, manifests, diagnostics)
}

/// Every document of the file as the JSON kubectl sends (YAML 1.1, `yaml11`), with the
/// position of each value.
fn documents(file: &Arc<SourceFile>) -> (Vec<yaml11::Document>, Option<Diagnostic>) {
    match yaml11::documents(&file.text) {
        Ok(documents) => (documents, None),
        Err(problem) => (
            Vec::new(),
            Some(
                Diagnostic::new(
                    Code::yaml_syntax,
                    format!("malformed YAML: {}", problem.message),
                )
                .at(file, (problem.offset, 0), "here")
                .with_help(problem.help),
            ),
        ),
    }
}

/// Validates a YAML description against the published schema, then reads it.
fn description(
    file: &Arc<SourceFile>,
    value: Value,
    spans: &SpanMap,
) -> (Option<Daemon>, Vec<Diagnostic>) {
    let problems: Vec<Diagnostic> = schema_validator()
        .iter_errors(&value)
        .map(|error| schema_problem(file, spans, &error))
        .collect();
    if !problems.is_empty() {
        return (None, problems);
    }
    match serde_json::from_value::<Daemon>(value) {
        Ok(daemon) => (Some(daemon), problems),
        Err(error) => (
            None,
            vec![
                Diagnostic::new(
                    Code::schema_violation,
                    format!("the description does not match the model: {error}"),
                )
                .at(
                    file,
                    spans.get("").unwrap_or_else(|| (0, 0).into()),
                    "in this document",
                ),
            ],
        ),
    }
}

fn schema_problem(
    file: &Arc<SourceFile>,
    spans: &SpanMap,
    error: &jsonschema::ValidationError,
) -> Diagnostic {
    let at = error.instance_path().as_str().to_string();
    let span = spans.get(&at).unwrap_or_else(|| (0, 0).into());
    if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } =
        error.kind()
    {
        let name = unexpected.first().cloned().unwrap_or_default();
        let span = spans.get_exact(&pointer(&at, &name)).unwrap_or(span);
        let help = match did_you_mean(&name, property_names().iter().map(String::as_str)) {
            Some(best) => format!("did you mean `{best}`?"),
            None => "see `everynode schema` for the fields a description takes".into(),
        };
        return Diagnostic::new(Code::unknown_property, format!("unknown field `{name}`"))
            .at(file, span, "unknown field")
            .with_help(help);
    }
    let field = if at.is_empty() {
        "the document".to_string()
    } else {
        format!("`{}`", at.trim_start_matches('/').replace('/', "."))
    };
    if let Some(mut reading) = yaml11::mistyped(&file.text, spans.get_exact(&at), error.instance())
    {
        reading.description = true;
        return Diagnostic::new(
            Code::schema_violation,
            reading.message(&field, &error.to_string()),
        )
        .at(file, span, reading.label())
        .with_help(reading.help(&error.to_string()));
    }
    Diagnostic::new(Code::schema_violation, format!("{field}: {error}"))
        .at(file, span, "does not follow the schema")
        .with_help("see `everynode schema` for the shape of a description")
}

fn schema_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::validator_for(&crate::schema::daemon_schema())
            .unwrap_or_else(|error| panic!("the generated description schema is invalid: {error}"))
    })
}

/// Every property name the description schema knows, for "did you mean".
fn property_names() -> &'static Vec<String> {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        fn collect(value: &Value, names: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::Object(properties)) = map.get("properties") {
                        names.extend(properties.keys().cloned());
                    }
                    map.values().for_each(|v| collect(v, names));
                }
                Value::Array(items) => items.iter().for_each(|v| collect(v, names)),
                _ => {}
            }
        }
        let mut names = Vec::new();
        collect(&crate::schema::daemon_schema(), &mut names);
        names.sort();
        names.dedup();
        names
    })
}
