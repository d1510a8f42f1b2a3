//! The form in which the API server stores a DaemonSet and reads it back, field by field
//! from each field's Go declaration (the table `fields.tsv` beside this file, checked
//! against k8s-openapi's v1_33 schema by the tests below).
//!
//! The API server decodes a request into the Go types, stores the object as protobuf and
//! answers `get` through the same Go types' JSON tags (`encoding/json`). What comes back:
//!
//! - `null` is unset (every field);
//! - a value (not pointer) scalar with `omitempty` and its zero value (`readOnly: false`,
//!   `hostPort: 0`, `priorityClassName: ""`) is absent; one without `omitempty` is always
//!   written, as its zero value when it was not given (`Sysctl.value: ""` stays);
//! - a pointer keeps its zero value (`runAsUser: 0`, `privileged: false`,
//!   `hostPath.type: ""`): it is a value, not an absence;
//! - an empty slice or map is absent: protobuf has no empty repeated field, so `[]` and `{}`
//!   are stored as nil, which `omitempty` drops (and which is written as `null`, unset,
//!   where the tag has no `omitempty`);
//! - a value struct is never omitted (`encoding/json` ignores `omitempty` on structs):
//!   `resources: {limits: {}, requests: {}}` comes back as `resources: {}`, and an absent
//!   one as `{}`; quantities (`resource.Quantity`) are written in their canonical form, a
//!   zero one as `"0"`; a zero `metav1.Time` is written as `null`;
//! - the `+default=` markers of k8s.io/api, which defaulter-gen turns into
//!   `if x == "" { x = default }` (value fields: the zero value is defaulted like an absent
//!   one) and `if x == nil { x = &default }` (pointers) in
//!   pkg/apis/apps/v1/zz_generated.defaults.go (`SetObjectDefaults_DaemonSet`): a gRPC
//!   probe's `service` reads back as `""`, a container port's `protocol` as `TCP`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::apimachinery;

/// The table of fields, one line per field of each Go type under a DaemonSet.
const FIELDS: &str = include_str!("fields.tsv");

/// The type a DaemonSet object is, in the table's names.
pub const DAEMONSET: &str = "apps/v1.DaemonSet";

/// A scalar's JSON kind, for its zero value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// A Go string (any named string type): zero `""`.
    String,
    /// A Go integer: zero `0`.
    Integer,
    /// A Go bool: zero `false`.
    Boolean,
    /// `resource.Quantity`: zero `"0"`, written canonical.
    Quantity,
    /// `intstr.IntOrString`: zero `0`.
    IntOrString,
    /// `metav1.Time`: zero written as `null`.
    Time,
    /// `metav1.FieldsV1`: raw JSON, kept.
    Raw,
}

/// What one field's declaration stores (the `shape` column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A value (not pointer) scalar.
    Value(Scalar),
    /// A pointer to a scalar.
    Pointer(Scalar),
    /// A value struct of the named type.
    Struct(String),
    /// A pointer to a struct of the named type.
    PointerStruct(String),
    /// A slice of scalars.
    Slice(Scalar),
    /// A slice of structs of the named type.
    SliceOfStructs(String),
    /// A map from string to scalars.
    Map(Scalar),
}

/// One row of the table: a field of a Go type.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The Go type holding the field (`core/v1.Container`).
    pub owner: String,
    /// The JSON name.
    pub name: String,
    /// The Go declaration as written (`*int64`, `[]Container`).
    pub go: String,
    /// What the declaration stores.
    pub shape: Shape,
    /// Whether the json tag has `omitempty`.
    pub omitempty: bool,
    /// The `+default=` marker's value.
    pub default: Option<Value>,
}

fn scalar(word: &str) -> Option<Scalar> {
    Some(match word {
        "string" => Scalar::String,
        "integer" => Scalar::Integer,
        "boolean" => Scalar::Boolean,
        "quantity" => Scalar::Quantity,
        "int-or-string" => Scalar::IntOrString,
        "time" => Scalar::Time,
        "raw" => Scalar::Raw,
        _ => return None,
    })
}

/// Reads a `shape` column.
pub fn parse_shape(text: &str) -> Result<Shape, String> {
    let bad = || format!("unknown shape {text:?}");
    if let Some(rest) = text.strip_prefix("[]") {
        return match rest.strip_prefix("object:") {
            Some(name) => Ok(Shape::SliceOfStructs(name.to_string())),
            None => scalar(rest).map(Shape::Slice).ok_or_else(bad),
        };
    }
    if let Some(rest) = text.strip_prefix("map:") {
        return scalar(rest).map(Shape::Map).ok_or_else(bad);
    }
    let (pointer, rest) = match text.strip_prefix('*') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    match (rest.strip_prefix("object:"), pointer) {
        (Some(name), true) => Ok(Shape::PointerStruct(name.to_string())),
        (Some(name), false) => Ok(Shape::Struct(name.to_string())),
        (None, true) => scalar(rest).map(Shape::Pointer).ok_or_else(bad),
        (None, false) => scalar(rest).map(Shape::Value).ok_or_else(bad),
    }
}

/// Reads the table: every row, or the first malformed one (line number, 1-based, and why).
pub fn parse_table(text: &str) -> Result<Vec<Field>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let at = |why: String| format!("fields.tsv:{}: {why}", i + 1);
        let columns: Vec<&str> = line.split('\t').collect();
        let [owner, name, go, shape, omitempty, default] = columns.as_slice() else {
            return Err(at(format!("{} columns, not 6", columns.len())));
        };
        let shape = parse_shape(shape).map_err(at)?;
        let omitempty = match *omitempty {
            "omitempty" => true,
            "-" => false,
            other => return Err(at(format!("omitempty column {other:?}"))),
        };
        let default = match *default {
            "-" => None,
            json => {
                Some(serde_json::from_str(json).map_err(|e| at(format!("default {json:?}: {e}")))?)
            }
        };
        out.push(Field {
            owner: owner.to_string(),
            name: name.to_string(),
            go: go.to_string(),
            shape,
            omitempty,
            default,
        });
    }
    Ok(out)
}

/// The table by owner type, parsed once. The table is part of the source and checked by
/// the tests; were it ever malformed, the stored form would change nothing.
fn table() -> &'static HashMap<String, Vec<Field>> {
    static TABLE: OnceLock<HashMap<String, Vec<Field>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut by_owner: HashMap<String, Vec<Field>> = HashMap::new();
        for field in parse_table(FIELDS).unwrap_or_default() {
            by_owner.entry(field.owner.clone()).or_default().push(field);
        }
        by_owner
    })
}

/// Every row of the table.
pub fn fields() -> impl Iterator<Item = &'static Field> {
    table().values().flatten()
}

/// `object`, a JSON DaemonSet, in the form the API server stores and returns: the rules of
/// the module documentation applied to every field the table knows, recursively. Fields it
/// does not know are left as they are.
pub fn stored_form(object: &mut Value) {
    if let Value::Object(fields) = object {
        store_struct(fields, DAEMONSET);
    }
}

fn store_struct(fields: &mut Map<String, Value>, owner: &str) {
    let Some(rows) = table().get(owner) else {
        return;
    };
    for row in rows {
        // A field present is stored in its place (most are kept: no removal and
        // insertion, no new key); one absent only when it is written anyway.
        match fields.get_mut(&row.name) {
            Some(slot) => match store_field(Some(slot.take()), row) {
                Some(value) => *slot = value,
                None => {
                    fields.remove(&row.name);
                }
            },
            None => {
                if let Some(value) = store_field(None, row) {
                    fields.insert(row.name.clone(), value);
                }
            }
        }
    }
}

/// The stored value of one field given as `value` (`None`: absent), `None` when absent
/// after the round trip.
fn store_field(value: Option<Value>, row: &Field) -> Option<Value> {
    // `null` is unset, whatever the field.
    let value = value.filter(|v| !v.is_null());
    match &row.shape {
        Shape::Value(kind) => {
            // defaulter-gen's `if x == zero { x = default }`.
            let value = match (&value, &row.default) {
                (None, Some(default)) => Some(default.clone()),
                (Some(v), Some(default)) if is_zero(*kind, v) => Some(default.clone()),
                _ => value,
            };
            match (value, *kind) {
                // A zero Time is written as `null`: unset.
                (None, Scalar::Time | Scalar::Raw) => None,
                (Some(v), Scalar::Time | Scalar::Raw) => Some(v),
                // A struct is never omitted: a zero Quantity is "0", a zero IntOrString 0.
                (None, Scalar::Quantity) => Some(Value::String("0".into())),
                (Some(v), Scalar::Quantity) => Some(canonical(v)),
                (None, Scalar::IntOrString) => Some(Value::from(0)),
                (Some(v), Scalar::IntOrString) => Some(v),
                (Some(v), kind) if row.omitempty && is_zero(kind, &v) => None,
                (None, kind) if !row.omitempty => Some(zero(kind)),
                (value, _) => value,
            }
        }
        Shape::Pointer(kind) => {
            // defaulter-gen's `if x == nil { x = &default }`.
            let value = value.or_else(|| row.default.clone());
            match (value, *kind) {
                (Some(v), Scalar::Quantity) => Some(canonical(v)),
                (value, _) => value,
            }
        }
        Shape::Struct(name) => {
            let mut value = match value {
                Some(Value::Object(fields)) => fields,
                Some(other) => return Some(other),
                None => Map::new(),
            };
            store_struct(&mut value, name);
            Some(Value::Object(value))
        }
        Shape::PointerStruct(name) => match value {
            Some(Value::Object(mut fields)) => {
                store_struct(&mut fields, name);
                Some(Value::Object(fields))
            }
            other => other,
        },
        Shape::Slice(kind) => match value {
            Some(Value::Array(items)) if items.is_empty() => None,
            Some(Value::Array(items)) if *kind == Scalar::Quantity => {
                Some(Value::Array(items.into_iter().map(canonical).collect()))
            }
            other => other,
        },
        Shape::SliceOfStructs(name) => match value {
            Some(Value::Array(items)) if items.is_empty() => None,
            Some(Value::Array(mut items)) => {
                for item in &mut items {
                    if let Value::Object(fields) = item {
                        store_struct(fields, name);
                    }
                }
                Some(Value::Array(items))
            }
            other => other,
        },
        Shape::Map(kind) => match value {
            Some(Value::Object(entries)) if entries.is_empty() => None,
            Some(Value::Object(entries)) if *kind == Scalar::Quantity => Some(Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, canonical(v)))
                    .collect(),
            )),
            other => other,
        },
    }
}

fn is_zero(kind: Scalar, value: &Value) -> bool {
    match kind {
        Scalar::String => value.as_str() == Some(""),
        Scalar::Integer => value.as_f64() == Some(0.0),
        Scalar::Boolean => value.as_bool() == Some(false),
        Scalar::IntOrString => value.as_i64() == Some(0),
        Scalar::Quantity | Scalar::Time | Scalar::Raw => false,
    }
}

fn zero(kind: Scalar) -> Value {
    match kind {
        Scalar::String => Value::String(String::new()),
        Scalar::Integer | Scalar::IntOrString => Value::from(0),
        Scalar::Boolean => Value::Bool(false),
        Scalar::Quantity => Value::String("0".into()),
        Scalar::Time | Scalar::Raw => Value::Null,
    }
}

/// A quantity as `Quantity.MarshalJSON` writes it: canonical (`1024Mi` is `1Gi`, the number
/// `1` the string `"1"`). One that does not parse is left as it is (validation reports it).
fn canonical(value: Value) -> Value {
    let text = match &value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return value,
    };
    match apimachinery::Quantity::parse(&text) {
        Ok(parsed) => Value::String(parsed.canonical()),
        Err(_) => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::DaemonSet;
    use k8s_openapi::schemars::SchemaGenerator;
    use std::collections::{BTreeMap, BTreeSet};

    /// The table's type name for a schema definition name, and back.
    fn table_name(schema_name: &str) -> Option<String> {
        for (prefix, group) in [
            ("io.k8s.api.core.v1.", "core/v1."),
            ("io.k8s.api.apps.v1.", "apps/v1."),
            ("io.k8s.apimachinery.pkg.apis.meta.v1.", "meta/v1."),
        ] {
            if let Some(name) = schema_name.strip_prefix(prefix) {
                return Some(format!("{group}{name}"));
            }
        }
        None
    }

    /// The leaf types the schema defines without properties, as the table's scalars.
    fn leaf(schema_name: &str) -> Option<Scalar> {
        Some(match schema_name {
            "io.k8s.apimachinery.pkg.api.resource.Quantity" => Scalar::Quantity,
            "io.k8s.apimachinery.pkg.util.intstr.IntOrString" => Scalar::IntOrString,
            "io.k8s.apimachinery.pkg.apis.meta.v1.Time" => Scalar::Time,
            "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1" => Scalar::Raw,
            _ => return None,
        })
    }

    /// What a schema property says a field is, in the table's words: `Err` for a form no
    /// shape describes.
    enum Seen {
        Scalar(Scalar),
        Struct(String),
        Slice(Box<Seen>),
        Map(Box<Seen>),
    }

    fn seen(property: &Value) -> Result<Seen, String> {
        if let Some(reference) = property.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/$defs/");
            if let Some(scalar) = leaf(name) {
                return Ok(Seen::Scalar(scalar));
            }
            return table_name(name)
                .map(Seen::Struct)
                .ok_or_else(|| format!("unknown type {name}"));
        }
        match property.get("type").and_then(Value::as_str) {
            Some("string") => Ok(Seen::Scalar(Scalar::String)),
            Some("integer") => Ok(Seen::Scalar(Scalar::Integer)),
            Some("boolean") => Ok(Seen::Scalar(Scalar::Boolean)),
            Some("array") => Ok(Seen::Slice(Box::new(seen(&property["items"])?))),
            Some("object") => Ok(Seen::Map(Box::new(seen(
                &property["additionalProperties"],
            )?))),
            _ => Err(format!("unknown property form {property}")),
        }
    }

    /// Whether `shape` stores what the schema property `seen` describes.
    fn agrees(shape: &Shape, seen: &Seen) -> bool {
        match (shape, seen) {
            (Shape::Value(a) | Shape::Pointer(a), Seen::Scalar(b)) => a == b,
            (Shape::Struct(a) | Shape::PointerStruct(a), Seen::Struct(b)) => a == b,
            (Shape::Slice(a), Seen::Slice(item)) => matches!(&**item, Seen::Scalar(b) if a == b),
            (Shape::SliceOfStructs(a), Seen::Slice(item)) => {
                matches!(&**item, Seen::Struct(b) if a == b)
            }
            (Shape::Map(a), Seen::Map(value)) => matches!(&**value, Seen::Scalar(b) if a == b),
            _ => false,
        }
    }

    /// Whether the shape is the one the Go declaration spells: a pointer, a slice or a map
    /// exactly when the declaration is one.
    fn spelled(field: &Field) -> bool {
        let go = field.go.as_str();
        let map = go.starts_with("map[") || go == "ResourceList";
        match &field.shape {
            Shape::Pointer(_) | Shape::PointerStruct(_) => go.starts_with('*'),
            Shape::Slice(_) | Shape::SliceOfStructs(_) => go.starts_with("[]"),
            Shape::Map(_) => map,
            Shape::Value(_) | Shape::Struct(_) => {
                !go.starts_with('*') && !go.starts_with("[]") && !map
            }
        }
    }

    /// Every field of the v1_33 DaemonSet schema (k8s-openapi's JSON Schema, every type
    /// under the DaemonSet) has exactly one row whose shape agrees with the field's type,
    /// and every row names a field of the schema.
    #[test]
    fn the_table_is_the_daemonset_schema() {
        let rows = parse_table(FIELDS).unwrap();
        let schema = SchemaGenerator::default().into_root_schema_for::<DaemonSet>();
        let schema = serde_json::to_value(&schema).unwrap();
        let mut types: BTreeMap<String, &Value> = BTreeMap::new();
        types.insert(DAEMONSET.to_string(), &schema);
        for (name, definition) in schema["$defs"].as_object().unwrap() {
            if definition.get("properties").is_some() {
                let name = table_name(name).unwrap_or_else(|| panic!("unmapped type {name}"));
                types.insert(name, definition);
            } else {
                assert!(
                    leaf(name).is_some(),
                    "{name} has no properties and no shape"
                );
            }
        }
        let mut problems = Vec::new();
        let mut in_schema = BTreeSet::new();
        for (owner, definition) in &types {
            for (name, property) in definition["properties"].as_object().unwrap() {
                in_schema.insert((owner.clone(), name.clone()));
                let matching: Vec<&Field> = rows
                    .iter()
                    .filter(|r| &r.owner == owner && &r.name == name)
                    .collect();
                match (matching.as_slice(), seen(property)) {
                    ([], _) => problems.push(format!("{owner}.{name}: no row")),
                    ([row], Ok(seen)) if agrees(&row.shape, &seen) => {}
                    ([row], Ok(_)) => problems.push(format!(
                        "{owner}.{name}: shape {:?} is not the schema's {property}",
                        row.shape
                    )),
                    ([_], Err(e)) => problems.push(format!("{owner}.{name}: {e}")),
                    _ => problems.push(format!("{owner}.{name}: {} rows", matching.len())),
                }
            }
        }
        for row in &rows {
            if !in_schema.contains(&(row.owner.clone(), row.name.clone())) {
                problems.push(format!("{}.{}: a row for no field", row.owner, row.name));
            }
            if !spelled(row) {
                problems.push(format!(
                    "{}.{}: shape {:?} is not what `{}` declares",
                    row.owner, row.name, row.shape, row.go
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// Each default is of its field's kind.
    #[test]
    fn defaults_are_of_their_fields_kind() {
        for field in parse_table(FIELDS).unwrap() {
            if let Some(default) = &field.default {
                let fits = match field.shape {
                    Shape::Value(Scalar::String) | Shape::Pointer(Scalar::String) => {
                        default.is_string()
                    }
                    Shape::Value(Scalar::Boolean) | Shape::Pointer(Scalar::Boolean) => {
                        default.is_boolean()
                    }
                    Shape::Value(Scalar::Integer) | Shape::Pointer(Scalar::Integer) => {
                        default.is_i64()
                    }
                    _ => false,
                };
                assert!(fits, "{}.{}: default {default}", field.owner, field.name);
            }
        }
    }

    fn stored(value: Value) -> Value {
        let mut value = value;
        stored_form(&mut value);
        value
    }

    fn template(pod: Value) -> Value {
        serde_json::json!({"spec": {"template": {"spec": pod}}})
    }

    /// The pod spec of a stored template.
    fn pod(value: Value) -> Value {
        stored(template(value))["spec"]["template"]["spec"].clone()
    }

    #[test]
    fn empty_lists_and_maps_are_absent() {
        let p = pod(serde_json::json!({
            "tolerations": [], "nodeSelector": {}, "imagePullSecrets": [],
            "containers": [{"name": "a", "args": [], "env": [],
                "securityContext": {"capabilities": {"drop": []}},
                "resources": {"limits": {}, "requests": {}}}],
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                {"nodeSelectorTerms": [{"matchExpressions": []}]}}}
        }));
        assert_eq!(
            p,
            serde_json::json!({
                "containers": [{"name": "a", "securityContext": {"capabilities": {}},
                    "resources": {}}],
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                    {"nodeSelectorTerms": [{}]}}}
            })
        );
    }

    #[test]
    fn zero_values_go_where_omitempty_and_stay_behind_pointers() {
        let p = pod(serde_json::json!({
            "hostNetwork": false, "priorityClassName": "",
            "securityContext": {"runAsUser": 0, "runAsNonRoot": false},
            "containers": [{"name": "a", "image": "a",
                "ports": [{"containerPort": 80, "hostPort": 0}],
                "volumeMounts": [{"name": "v", "mountPath": "/v", "readOnly": false}],
                "livenessProbe": {"initialDelaySeconds": 0, "exec": {"command": ["true"]}},
                "securityContext": {"privileged": false}}],
            "volumes": [{"name": "v", "hostPath": {"path": "/v", "type": ""}}]
        }));
        assert_eq!(p["securityContext"]["runAsUser"], 0);
        assert_eq!(p["securityContext"]["runAsNonRoot"], false);
        assert_eq!(p["containers"][0]["securityContext"]["privileged"], false);
        assert_eq!(p["volumes"][0]["hostPath"]["type"], "");
        assert!(p.get("hostNetwork").is_none());
        assert!(p.get("priorityClassName").is_none());
        let c = &p["containers"][0];
        assert_eq!(
            c["ports"][0],
            serde_json::json!({"containerPort": 80, "protocol": "TCP"})
        );
        assert!(c["volumeMounts"][0].get("readOnly").is_none());
        assert!(c["livenessProbe"].get("initialDelaySeconds").is_none());
    }

    #[test]
    fn values_without_omitempty_are_always_written() {
        let p = pod(serde_json::json!({
            "containers": [{"name": "a", "livenessProbe": {"httpGet": {}}}],
            "securityContext": {"sysctls": [{"name": "net.core.somaxconn", "value": ""}]}
        }));
        assert_eq!(p["securityContext"]["sysctls"][0]["value"], "");
        assert_eq!(p["containers"][0]["livenessProbe"]["httpGet"]["port"], 0);
        // A struct is never omitted.
        assert_eq!(p["containers"][0]["resources"], serde_json::json!({}));
        let whole = stored(serde_json::json!({"spec": {}}));
        assert_eq!(whole["spec"]["template"]["metadata"], serde_json::json!({}));
    }

    #[test]
    fn null_is_unset() {
        let whole = stored(serde_json::json!({
            "metadata": {"name": "a", "creationTimestamp": null, "labels": null},
            "spec": {"template": {"metadata": {"creationTimestamp": null},
                "spec": {"containers": [{"name": "a", "args": null,
                    "securityContext": {"runAsUser": null}}]}}}
        }));
        assert_eq!(whole["metadata"], serde_json::json!({"name": "a"}));
        assert_eq!(
            whole["spec"]["template"]["spec"]["containers"][0],
            serde_json::json!({"name": "a", "resources": {}, "securityContext": {}})
        );
    }

    #[test]
    fn default_markers_apply() {
        let p = pod(serde_json::json!({
            "containers": [{"name": "a", "readinessProbe": {"grpc": {"port": 9000}},
                "envFrom": [{"configMapRef": {"name": ""}}]}],
            "volumes": [{"name": "d", "azureDisk": {"diskName": "d", "diskURI": "u"}},
                        {"name": "i", "iscsi": {"targetPortal": "t", "iqn": "q", "lun": 0, "iscsiInterface": ""}}]
        }));
        assert_eq!(p["containers"][0]["readinessProbe"]["grpc"]["service"], "");
        // `name` defaults to "", which omitempty then drops.
        assert_eq!(
            p["containers"][0]["envFrom"][0]["configMapRef"],
            serde_json::json!({})
        );
        assert_eq!(
            p["volumes"][0]["azureDisk"],
            serde_json::json!({"diskName": "d", "diskURI": "u", "cachingMode": "ReadWrite",
                "fsType": "ext4", "readOnly": false, "kind": "Shared"})
        );
        assert_eq!(p["volumes"][1]["iscsi"]["iscsiInterface"], "default");
        assert_eq!(p["volumes"][1]["iscsi"]["lun"], 0);
    }

    #[test]
    fn quantities_are_canonical_and_numbers_equal_their_strings() {
        let p = pod(serde_json::json!({
            "containers": [{"name": "a", "resources": {"requests": {"cpu": 1, "memory": "1024Mi"},
                "limits": {"cpu": 0.5}}}],
            "volumes": [{"name": "v", "emptyDir": {"sizeLimit": "2048Mi"}}]
        }));
        assert_eq!(
            p["containers"][0]["resources"],
            serde_json::json!({"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "500m"}})
        );
        assert_eq!(p["volumes"][0]["emptyDir"]["sizeLimit"], "2Gi");
    }

    #[test]
    fn the_stored_form_is_stable() {
        let p = template(serde_json::json!({
            "containers": [{"name": "a", "ports": [{"containerPort": 1}],
                "readinessProbe": {"grpc": {"port": 1}}}],
            "tolerations": [{"operator": "Exists"}]
        }));
        let once = stored(p);
        assert_eq!(stored(once.clone()), once);
    }
}
