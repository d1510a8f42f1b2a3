//! The published JSON Schemas, generated from the types they describe (`schemas/`).

use serde_json::Value;

pub use everynode_core::schema::{daemon_schema, daemonset_schema_strict};

/// The JSON Schema of the plan document `plan --format json` prints.
pub fn plan_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(everynode_core::compare::Plan))
        .unwrap_or(Value::Null)
}

/// The JSON Schema of the document `coverage --format json` prints.
pub fn coverage_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(everynode_core::coverage::Coverage))
        .unwrap_or(Value::Null)
}

/// The JSON Schema of the report `lint --format json` prints.
pub fn lint_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(crate::report::lint::LintReport))
        .unwrap_or(Value::Null)
}

/// A schema as committed under `schemas/`: pretty JSON with a final newline.
pub fn to_text(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}
