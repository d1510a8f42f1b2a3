//! The published JSON Schemas, generated from the types they describe.

use serde_json::Value;

use crate::model::Daemon;

/// The JSON Schema of a description's YAML form.
pub fn daemon_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(Daemon)).unwrap_or(Value::Null)
}

/// A schema as committed under `schemas/`: pretty JSON with a final newline.
pub fn to_text(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}
