//! YAML and JSON input: descriptions in their YAML form (validated against the published
//! JSON Schema first, so every problem gets a position) and plain DaemonSet manifests.

use std::sync::{Arc, OnceLock};

use saphyr_parser::{Event, Parser};
use serde::Deserialize;
use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::{self, Daemon};
use crate::parse::{ParsedDaemon, ParsedManifest};
use crate::source::{SourceFile, Span, SpanMap, pointer};

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
    let positions = positions(file);
    for (index, value) in documents.into_iter().enumerate() {
        let spans = positions.get(index).cloned().unwrap_or_default();
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

/// Every document of the file as JSON values (empty documents are skipped).
fn documents(file: &Arc<SourceFile>) -> (Vec<Value>, Option<Diagnostic>) {
    let mut values = Vec::new();
    // Merge keys (`<<: *defaults`) are applied as kubectl applies them; only files that
    // use them pay for the detour through the YAML value.
    let merges = file.text.contains("<<");
    for document in serde_yaml::Deserializer::from_str(&file.text) {
        let value = if merges {
            serde_yaml::Value::deserialize(document).and_then(|mut yaml| {
                yaml.apply_merge()?;
                serde_json::to_value(yaml).map_err(serde::de::Error::custom)
            })
        } else {
            Value::deserialize(document)
        };
        match value {
            Ok(value) => values.push(value),
            Err(error) => {
                let offset = error
                    .location()
                    .map_or(0, |l| file.offset_of(l.line(), l.column()));
                let message = error.to_string();
                let message = message
                    .split(" at line ")
                    .next()
                    .unwrap_or(&message)
                    .to_string();
                return (
                    values,
                    Some(
                        Diagnostic::new(Code::yaml_syntax, format!("malformed YAML: {message}"))
                            .at(file, (offset, 0), "here")
                            .with_help("check the indentation and quoting around this point"),
                    ),
                );
            }
        }
    }
    (values, None)
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

/// One open collection while walking the YAML events.
enum Frame {
    Map {
        at: String,
        key: Option<(String, Span)>,
    },
    Seq {
        at: String,
        next: usize,
    },
}

/// The position of every value of every document, keyed by JSON pointer. Scalars point
/// at the value; mappings and sequences inside a mapping point at their key.
pub fn positions(file: &SourceFile) -> Vec<SpanMap> {
    let text = &file.text;
    // saphyr counts characters; spans are byte offsets.
    let char_to_byte: Option<Vec<usize>> = if text.is_ascii() {
        None
    } else {
        Some(
            text.char_indices()
                .map(|(b, _)| b)
                .chain(std::iter::once(text.len()))
                .collect(),
        )
    };
    let byte = |index: usize| match &char_to_byte {
        None => index.min(text.len()),
        Some(table) => table.get(index).copied().unwrap_or(text.len()),
    };
    let mut documents = Vec::new();
    let mut spans = SpanMap::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut in_document = false;
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else { break };
        let start = byte(span.start.index());
        let end = byte(span.end.index()).max(start);
        let here: Span = (start, end - start).into();
        match event {
            Event::DocumentStart(_) => {
                in_document = true;
                spans = SpanMap::default();
                stack.clear();
            }
            Event::DocumentEnd => {
                if in_document {
                    documents.push(std::mem::take(&mut spans));
                }
                in_document = false;
            }
            Event::Scalar(value, ..) => {
                if let Some(Frame::Map {
                    key: key @ None, ..
                }) = stack.last_mut()
                {
                    *key = Some((value.to_string(), here));
                } else {
                    let (at, key_span) = next_pointer(&mut stack);
                    if let Some(key_span) = key_span {
                        spans.insert_key(at.clone(), key_span);
                    }
                    spans.insert(at, here);
                }
            }
            Event::Alias(_) => {
                let at = next_pointer(&mut stack);
                spans.insert(at.0, here);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let (at, key_span) = next_pointer(&mut stack);
                if let Some(key_span) = key_span {
                    spans.insert_key(at.clone(), key_span);
                }
                spans.insert(at.clone(), key_span.unwrap_or_else(|| (start, 1).into()));
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Map { at, key: None }
                } else {
                    Frame::Seq { at, next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            _ => {}
        }
    }
    documents
}

/// The pointer of the value that comes next in the innermost collection, and the span of
/// its key when it is a mapping value.
fn next_pointer(stack: &mut [Frame]) -> (String, Option<Span>) {
    match stack.last_mut() {
        None => (String::new(), None),
        Some(Frame::Seq { at, next }) => {
            *next += 1;
            (pointer(at, *next - 1), None)
        }
        Some(Frame::Map { at, key }) => match key.take() {
            Some((name, span)) => (pointer(at, name), Some(span)),
            None => (pointer(at, "?"), None),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_follow_json_pointers() {
        let file = SourceFile::new("a.yaml", "a: 1\nb:\n  - x\n  - {c: d}\n---\ne: f\n");
        let docs = positions(&file);
        assert_eq!(docs.len(), 2);
        let at = |d: usize, p: &str| file.line_column(docs[d].get_exact(p).unwrap().offset());
        assert_eq!(at(0, "/a"), (1, 4));
        assert_eq!(at(0, "/b"), (2, 1));
        assert_eq!(at(0, "/b/0"), (3, 5));
        assert_eq!(at(0, "/b/1/c"), (4, 9));
        assert_eq!(at(1, "/e"), (6, 4));
        let key = |d: usize, p: &str| file.line_column(docs[d].key(p).unwrap().offset());
        assert_eq!(key(0, "/a"), (1, 1));
        assert_eq!(key(0, "/b/1/c"), (4, 6));
        assert_eq!(
            key(0, "/b/0"),
            (3, 5),
            "a sequence item has no key: its value"
        );
    }
}
