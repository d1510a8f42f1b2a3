//! The names and shapes by which a Kubernetes object is written in KDL, shared by the
//! reader (`parse::kdl`) and the writer (`import::kdl`): fields in kebab-case, and what
//! the object's JSON Schema (k8s-openapi's, Kubernetes 1.33) says each field holds.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use schemars::JsonSchema;
use serde_json::{Map, Value};

/// `initialDelaySeconds` from `initial-delay-seconds`; a name without a dash is kept.
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `initial-delay-seconds` from `initialDelaySeconds`: the inverse of [`camel`].
pub fn kebab(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The JSON Schema of `T`, with its definitions; generated once per type and process
/// (a Volume's holds every volume source: generating it per volume was most of import's
/// time).
pub fn schema_of<T: JsonSchema>() -> &'static Value {
    static SCHEMAS: OnceLock<Mutex<HashMap<String, &'static Value>>> = OnceLock::new();
    let schemas = SCHEMAS.get_or_init(Default::default);
    let name = T::schema_id().into_owned();
    let mut schemas = schemas
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    schemas.entry(name).or_insert_with(|| {
        let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null);
        Box::leak(Box::new(schema))
    })
}

/// `schema` with a `$ref` into the root's `$defs` followed.
pub fn resolve<'s>(schema: &'s Value, root: &'s Value) -> &'s Value {
    let mut schema = schema;
    while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/$defs/");
        match root.get("$defs").and_then(|defs| defs.get(name)) {
            Some(target) => schema = target,
            None => break,
        }
    }
    schema
}

/// What a schema describes, as far as the mapping goes.
pub enum Shape<'s> {
    /// An object with named fields.
    Object(&'s Map<String, Value>),
    /// A map from any key to values of one schema.
    Map(&'s Value),
    /// A list of items of one schema.
    List(&'s Value),
    /// A string, number, boolean, or an int-or-string.
    Scalar,
}

/// The shape of a (resolved) schema.
pub fn shape<'s>(schema: &'s Value, root: &'s Value) -> Shape<'s> {
    let schema = resolve(schema, root);
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        return Shape::Object(properties);
    }
    if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        return Shape::Map(values);
    }
    if let Some(items) = schema.get("items") {
        return Shape::List(items);
    }
    Shape::Scalar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_go_both_ways() {
        for (kebab_name, camel_name) in [
            ("initial-delay-seconds", "initialDelaySeconds"),
            ("se-linux-options", "seLinuxOptions"),
            ("http-get", "httpGet"),
            ("path", "path"),
        ] {
            assert_eq!(camel(kebab_name), camel_name);
            assert_eq!(kebab(camel_name), kebab_name);
        }
        // The API's own spelling reads the same.
        assert_eq!(camel("initialDelaySeconds"), "initialDelaySeconds");
    }
}
