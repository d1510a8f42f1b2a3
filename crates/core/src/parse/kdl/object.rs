//! Kubernetes API objects written as KDL nodes, read by the object's own JSON Schema
//! (k8s-openapi's, for Kubernetes 1.33), so that every field of a probe, a lifecycle
//! hook, a security context, a DNS config or a volume is in the language without a rule
//! of its own. One mapping, both ways (the writer is `import`'s):
//!
//! - a field is named in kebab-case (`initial-delay-seconds` is `initialDelaySeconds`;
//!   the API's own camelCase is accepted too);
//! - a scalar field is a property (`http-get path="/healthz" port=9808`) or a child
//!   node with one argument (`period-seconds 10`);
//! - an object field is a child node whose properties and children are its fields;
//! - a list of scalars is one child node's arguments (`command "sh" "-c" "…"`);
//! - a list of objects is the child node repeated, one per item
//!   (`items key="a" path="a"` twice);
//! - a map of strings (`nodeSelector`, `volumeAttributes`) is a node's properties;
//! - an object with a `name` field may give it as the first argument.

use kdl::{KdlEntry, KdlNode, KdlValue};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::Lower;
use crate::diagnostic::{Code, did_you_mean};
use crate::parse::kdl_names::{Shape, camel, kebab, resolve, schema_of, shape};
use crate::source::pointer;

impl Lower {
    /// Reads `node` as a `T` by its schema; each problem is reported at its entry or
    /// node, and `None` returned.
    pub(super) fn object<T: JsonSchema + DeserializeOwned>(
        &mut self,
        node: &KdlNode,
        at: &str,
    ) -> Option<T> {
        let root = schema_of::<T>();
        let before = self.diagnostics.len();
        let value = self.object_value(node, root, root, at);
        if self.diagnostics.len() > before {
            return None;
        }
        match serde_json::from_value(value) {
            Ok(object) => Some(object),
            Err(error) => {
                self.error(
                    Code::wrong_type,
                    format!(
                        "`{}` is not a valid {}: {error}",
                        node.name().value(),
                        T::schema_name()
                    ),
                    node.span(),
                    "here",
                    "see `kubectl explain` for the fields of this object",
                );
                None
            }
        }
    }

    /// The JSON value of `node` read as an object of `schema`.
    fn object_value(&mut self, node: &KdlNode, schema: &Value, root: &Value, at: &str) -> Value {
        self.spans.insert(at, node.span());
        let name = node.name().value().to_string();
        let mut out = Map::new();
        match shape(schema, root) {
            Shape::Object(fields) => {
                let known: Vec<String> = fields.keys().map(|k| kebab(k)).collect();
                for (i, entry) in node.entries().iter().enumerate() {
                    // An object with a `name` may give it as its first argument
                    // (`volume "plugin-dir" { … }`, `config-map-ref "settings"`).
                    if i == 0
                        && entry.name().is_none()
                        && let Some(name_schema) = fields.get("name")
                    {
                        if let Some(value) =
                            self.scalar(entry, name_schema, root, &pointer(at, "name"))
                        {
                            out.insert("name".into(), value);
                        }
                        continue;
                    }
                    let Some(key) = entry.name() else {
                        self.error(
                            Code::unexpected_argument,
                            format!(
                                "`{name}` takes its fields as properties or children, not arguments"
                            ),
                            entry.span(),
                            "unexpected argument",
                            format!("name the field: one of {}", known.join(", ")),
                        );
                        continue;
                    };
                    let field = camel(key.value());
                    let Some(field_schema) = fields.get(&field) else {
                        self.unknown_field(&name, key.value(), key.span(), &known);
                        continue;
                    };
                    if let Some(value) =
                        self.scalar(entry, field_schema, root, &pointer(at, &field))
                    {
                        out.insert(field, value);
                    }
                }
                for child in node.children().map(|c| c.nodes()).unwrap_or_default() {
                    let field = camel(child.name().value());
                    let Some(field_schema) = fields.get(&field) else {
                        self.unknown_field(
                            &name,
                            child.name().value(),
                            child.name().span(),
                            &known,
                        );
                        continue;
                    };
                    let field_at = pointer(at, &field);
                    match shape(field_schema, root) {
                        Shape::List(items) => {
                            let list = out.entry(field).or_insert_with(|| Value::Array(Vec::new()));
                            let Value::Array(list) = list else { continue };
                            match shape(items, root) {
                                Shape::Object(_) | Shape::Map(_) => {
                                    let item_at = pointer(&field_at, list.len());
                                    list.push(self.object_value(child, items, root, &item_at));
                                }
                                Shape::List(_) | Shape::Scalar => {
                                    for entry in child.entries() {
                                        let item_at = pointer(&field_at, list.len());
                                        if let Some(v) = self.scalar(entry, items, root, &item_at) {
                                            list.push(v);
                                        }
                                    }
                                }
                            }
                        }
                        Shape::Object(_) | Shape::Map(_) => {
                            let value = self.object_value(child, field_schema, root, &field_at);
                            if out.insert(field, value).is_some() {
                                self.given_twice(child);
                            }
                        }
                        Shape::Scalar => {
                            let e = self.entries(child, 1, 1, &[], false);
                            let value = e.args.first().and_then(|entry| {
                                self.scalar(entry, field_schema, root, &field_at)
                            });
                            if let Some(value) = value
                                && out.insert(field, value).is_some()
                            {
                                self.given_twice(child);
                            }
                        }
                    }
                }
            }
            Shape::Map(values) => {
                for entry in node.entries() {
                    let Some(key) = entry.name() else {
                        self.error(
                            Code::unexpected_argument,
                            format!("`{name}` takes KEY=VALUE properties"),
                            entry.span(),
                            "unexpected argument",
                            "write each entry as key=\"value\"",
                        );
                        continue;
                    };
                    let key = key.value().to_string();
                    if let Some(value) = self.scalar(entry, values, root, &pointer(at, &key)) {
                        out.insert(key, value);
                    }
                }
            }
            Shape::List(_) | Shape::Scalar => {
                self.error(
                    Code::wrong_type,
                    format!("`{name}` is not an object"),
                    node.span(),
                    "here",
                    "give the value as an argument",
                );
            }
        }
        Value::Object(out)
    }

    /// One scalar of `schema` from a KDL value.
    fn scalar(
        &mut self,
        entry: &KdlEntry,
        schema: &Value,
        root: &Value,
        at: &str,
    ) -> Option<Value> {
        self.spans.insert(at, entry.span());
        let schema = resolve(schema, root);
        let int_or_string = schema.get("x-kubernetes-int-or-string").is_some();
        let kind = schema
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let value = entry.value();
        let expected = match (kind, value) {
            (_, KdlValue::String(s)) if int_or_string || kind == "string" => {
                return Some(Value::String(s.clone()));
            }
            (_, KdlValue::Integer(i)) if int_or_string || matches!(kind, "integer" | "number") => {
                return i64::try_from(*i).ok().map(Value::from);
            }
            ("number", KdlValue::Float(f)) => {
                return serde_json::Number::from_f64(*f).map(Value::Number);
            }
            ("boolean", KdlValue::Bool(b)) => return Some(Value::Bool(*b)),
            _ if int_or_string => "a string or an integer",
            ("integer", _) => "an integer",
            ("number", _) => "a number",
            ("boolean", _) => "a boolean",
            ("string", _) => "a string",
            _ => "an object (a child node)",
        };
        self.type_error(entry, expected);
        None
    }

    fn unknown_field(
        &mut self,
        object: &str,
        field: &str,
        span: crate::source::Span,
        known: &[String],
    ) {
        let help = match did_you_mean(field, known.iter().map(String::as_str)) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("`{object}` has these fields: {}", known.join(", ")),
        };
        self.error(
            Code::unknown_property,
            format!("`{object}` has no field `{field}`"),
            span,
            "unknown field",
            help,
        );
    }

    fn given_twice(&mut self, node: &KdlNode) {
        self.error(
            Code::duplicate_setting,
            format!("`{}` is given twice", node.name().value()),
            node.span(),
            "given again here",
            "keep one of them",
        );
    }
}
