//! The JSON Schemas the core checks input against, generated from the types they
//! describe: a description's YAML form, and a strict apps/v1 DaemonSet.

use serde_json::Value;

use crate::model::Daemon;

/// The JSON Schema of a description's YAML form.
pub fn daemon_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(Daemon)).unwrap_or(Value::Null)
}

/// The JSON Schema of an apps/v1 DaemonSet (from k8s-openapi), made strict the way
/// `kubeconform --strict` is: an object with known properties takes no others. Its
/// `required` lists go: the server reads an absent field as its zero value, and its
/// validation rules say what must be set.
pub fn daemonset_schema_strict() -> Value {
    fn strict(value: &mut Value) {
        match value {
            Value::Object(map) => {
                if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                    map.insert("additionalProperties".into(), Value::Bool(false));
                }
                // A field k8s-openapi declares required (not an Option) is one the API
                // server's decoder reads as its zero value when it is absent
                // (`imagePullSecrets: [{}]` is a LocalObjectReference named ""); what
                // the server truly requires, its validation says, with a better message.
                if map.get("required").is_some_and(Value::is_array) {
                    map.remove("required");
                }
                map.values_mut().for_each(strict);
            }
            Value::Array(items) => items.iter_mut().for_each(strict),
            _ => {}
        }
    }
    let mut schema =
        serde_json::to_value(schemars::schema_for!(k8s_openapi::api::apps::v1::DaemonSet))
            .unwrap_or(Value::Null);
    strict(&mut schema);
    schema
}

/// [`daemonset_schema_strict`] and its validator, built once per process.
pub fn daemonset_validator() -> Option<&'static (Value, jsonschema::Validator)> {
    static SCHEMA: std::sync::OnceLock<Option<(Value, jsonschema::Validator)>> =
        std::sync::OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let schema = daemonset_schema_strict();
            let validator = jsonschema::validator_for(&schema).ok()?;
            Some((schema, validator))
        })
        .as_ref()
}
