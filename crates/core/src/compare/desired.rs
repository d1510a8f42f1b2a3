//! The DaemonSets that should exist: rendered from descriptions, or plain manifests
//! checked with the API server's rules; and the live DaemonSet each corresponds to.

use std::sync::Arc;

use jsonschema::error::ValidationErrorKind;

use k8s_openapi::api::apps::v1::DaemonSet;
use serde::Deserialize;
use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::expand::Rendered;
use crate::model::{LABEL_MANAGED_BY, LABEL_NAME, MANAGER};
use crate::parse::ParsedManifest;
use crate::parse::yaml::DAEMONSET_API_VERSIONS;
use crate::parse::yaml11;
use crate::source::{SourceFile, Span, SpanMap, pointer};
use everynode_k8s::objects::{Cluster, LiveDaemonSet};
use everynode_k8s::validation as daemonset;

/// A DaemonSet that should exist.
#[derive(Debug, Clone)]
pub struct Desired {
    pub namespace: String,
    pub name: String,
    /// `None` for a plain manifest.
    pub daemon: Option<String>,
    pub class: Option<String>,
    /// `file:line:column` of the description, class or manifest.
    pub source: String,
    /// The file of the description or manifest.
    pub file: Arc<SourceFile>,
    /// The daemon's or class's declaration, or the manifest's first line.
    pub span: Span,
    /// Positions of its fields by JSON pointer: a manifest's own, or for a rendered
    /// DaemonSet where the description wrote its containers (`expand::provenance`).
    pub fields: SpanMap,
    /// The object as rendered or written.
    pub object: Value,
    pub daemonset: DaemonSet,
}

impl Desired {
    /// The daemon it runs: its `app.kubernetes.io/name` label (on the DaemonSet, else on
    /// the pod template), which every DaemonSet of a compiled daemon carries and a
    /// manifest may. DaemonSets of one daemon must never both run on a node.
    pub fn daemon_name(&self) -> Option<&str> {
        let own = self
            .daemonset
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(LABEL_NAME));
        let pods = self
            .daemonset
            .spec
            .as_ref()
            .and_then(|s| s.template.metadata.as_ref())
            .and_then(|m| m.labels.as_ref())
            .and_then(|l| l.get(LABEL_NAME));
        own.or(pods).map(String::as_str)
    }

    /// Where a problem with the field at a JSON pointer is shown: the manifest's span of
    /// the field (or its nearest ancestor), else the declaration.
    pub fn span_of(&self, pointer: &str) -> Span {
        self.fields.get(pointer).unwrap_or(self.span)
    }

    /// As [`Desired::span_of`], but at the key that names the field when the file
    /// records it (YAML): for problems with the field's name rather than its value.
    pub fn key_span_of(&self, pointer: &str) -> Span {
        self.fields.key(pointer).unwrap_or(self.span)
    }
}

/// Everything that should exist: the rendered DaemonSets (taken, not copied: nothing
/// reads them after this) and the plain manifests, by namespace and name. Manifests are
/// checked with the API server's rules here, since nothing else has checked them; a
/// removed apiVersion is a warning (the manifest is planned as the apps/v1 object it
/// converts to).
pub fn desired(
    rendered: Vec<Rendered>,
    manifests: &[ParsedManifest],
) -> (Vec<Desired>, Vec<Diagnostic>) {
    let mut desired = Vec::with_capacity(rendered.len() + manifests.len());
    let mut diagnostics = Vec::new();
    for rendered in rendered {
        let source = rendered.source();
        let span = rendered.file.first_line(rendered.span);
        if let Some(daemonset) = rendered.daemonset {
            desired.push(Desired {
                namespace: rendered.namespace,
                name: rendered.name,
                daemon: Some(rendered.daemon),
                class: rendered.class,
                source,
                file: rendered.file,
                span,
                fields: rendered.fields,
                object: rendered.object,
                daemonset,
            });
        }
    }
    // Manifests are checked on every core: typed deserialization and the API server's
    // rules are most of what a repository of vendored manifests costs.
    let checked = crate::parallel::on_every_core(
        manifests,
        16,
        |_| 1,
        |part| part.iter().map(manifest_daemonset).collect::<Vec<_>>(),
    );
    for result in checked.into_iter().flatten() {
        match result {
            Ok((item, warnings)) => {
                desired.push(item);
                diagnostics.extend(warnings);
            }
            Err(problems) => diagnostics.extend(problems),
        }
    }
    desired.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    for pair in desired.windows(2) {
        if (&pair[0].namespace, &pair[0].name) == (&pair[1].namespace, &pair[1].name) {
            diagnostics.push(
                Diagnostic::new(
                    Code::duplicate_daemonset,
                    format!(
                        "two DaemonSets are named {}/{}: {} and {}",
                        pair[0].namespace, pair[0].name, pair[0].source, pair[1].source
                    ),
                )
                .at(&pair[1].file, pair[1].span, "a second DaemonSet of this name")
                .with_help("a namespace holds one DaemonSet of a name: rename one, or remove the copy from the PATHs"),
            );
        }
    }
    (desired, diagnostics)
}

/// A plain manifest as a desired DaemonSet, or why it cannot be one.
fn manifest_daemonset(
    manifest: &ParsedManifest,
) -> Result<(Desired, Vec<Diagnostic>), Vec<Diagnostic>> {
    let file = &manifest.file;
    let at = |pointer: &str| manifest.spans.get(pointer).unwrap_or_else(|| (0, 0).into());
    let api_version = manifest.object["apiVersion"].as_str().unwrap_or_default();
    let mut warnings = Vec::new();
    let mut object = manifest.object.clone();
    match api_version {
        "apps/v1" => {}
        "extensions/v1beta1" | "apps/v1beta2" => {
            warnings.push(
                Diagnostic::new(
                    Code::removed_api_version,
                    format!("{api_version} DaemonSets were removed in Kubernetes 1.16"),
                )
                .at(file, at("/apiVersion"), "removed API version")
                .with_help("planned as the apps/v1 DaemonSet it converts to; change apiVersion to apps/v1 (and give it a spec.selector) before applying"),
            );
            // extensions/v1beta1 defaulted a missing selector to the template's labels.
            if api_version == "extensions/v1beta1" && object["spec"].get("selector").is_none() {
                let labels = object["spec"]["template"]["metadata"]["labels"].clone();
                object["spec"]["selector"] = serde_json::json!({ "matchLabels": labels });
            }
        }
        other => {
            return Err(vec![
                Diagnostic::new(
                    Code::invalid_field,
                    format!("a DaemonSet with apiVersion {other:?} is not one Kubernetes serves"),
                )
                .at(file, at("/apiVersion"), "here")
                .with_help(format!(
                    "use apps/v1 (everynode reads {})",
                    DAEMONSET_API_VERSIONS.join(", ")
                )),
            ]);
        }
    }
    object["apiVersion"] = Value::String("apps/v1".into());
    read_nulls(&mut object);
    let daemonset = match DaemonSet::deserialize(&object) {
        Ok(daemonset) => daemonset,
        Err(e) => {
            // Each field of the wrong type at its own position, as lint says them; serde's
            // first error only where the schema finds nothing. The API server's rules are
            // still checked on the rest: the mistyped fields taken out, the object is read
            // again, so one mistake does not hide the others.
            let errors = schema_errors(manifest, false);
            if errors.is_empty() {
                return Err(with_warnings(vec![
                    Diagnostic::new(Code::invalid_field, format!("not a valid DaemonSet: {e}"))
                        .at(file, at(""), "this manifest")
                        .with_help("check the field names and types against the DaemonSet API (kubectl explain daemonset.spec)"),
                ], &warnings));
            }
            let mut rest = object.clone();
            let removed: Vec<String> = errors.iter().map(|(at, _)| at.clone()).collect();
            for at in removed.iter().rev() {
                remove(&mut rest, at);
            }
            let mut problems: Vec<Diagnostic> = errors.into_iter().map(|(_, d)| d).collect();
            if let Ok(daemonset) = DaemonSet::deserialize(&rest) {
                let violations = daemonset::validate(&daemonset).into_iter().filter(|v| {
                    !removed
                        .iter()
                        .any(|r| v.at == *r || v.at.starts_with(&format!("{r}/")))
                });
                problems.extend(violation_diagnostics(manifest, violations));
            }
            return Err(with_warnings(problems, &warnings));
        }
    };
    let mut violations = daemonset::validate(&daemonset);
    // The typed form reads a missing selector as an empty one; the server's check for an
    // empty selector (`ValidateDaemonSetSpec`) does not apply to a nil one, which fails
    // only as matching nothing. Say what is wrong: there is no selector.
    if object["spec"].get("selector").is_none_or(Value::is_null) {
        for v in &mut violations {
            if v.at == "/spec/selector" {
                v.message = "the DaemonSet has no selector (the API server says \"`selector` does not match template `labels`\")".into();
                v.help = "add spec.selector.matchLabels with the labels of spec.template.metadata.labels (apps/v1 requires it)";
            }
        }
    }
    if !violations.is_empty() {
        return Err(with_warnings(
            violation_diagnostics(manifest, violations),
            &warnings,
        ));
    }
    let metadata = &daemonset.metadata;
    Ok((
        Desired {
            namespace: metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".into()),
            name: metadata.name.clone().unwrap_or_default(),
            daemon: None,
            class: None,
            source: file.location(at("")),
            file: file.clone(),
            span: at(""),
            fields: manifest.spans.clone(),
            // The apps/v1 object it converts to, which is what a cluster stores.
            object,
            daemonset,
        },
        warnings,
    ))
}

/// A manifest's problems with the warnings found before them (a removed API version is
/// still worth saying when the manifest fails for another reason).
fn with_warnings(mut problems: Vec<Diagnostic>, warnings: &[Diagnostic]) -> Vec<Diagnostic> {
    problems.extend(warnings.iter().cloned());
    problems
}

/// Where a plain manifest breaks the DaemonSet JSON Schema, each problem at its own
/// position, in the apps/v1 shape everything converts to (an extensions/v1beta1
/// manifest without a selector fails here: apps/v1 requires one). With `unknown_fields`
/// a field the schema does not have is a problem too (as `kubeconform --strict` and the
/// API server's strict field validation refuse it); without, only values of the wrong
/// type or shape are.
pub fn schema_problems(manifest: &ParsedManifest, unknown_fields: bool) -> Vec<Diagnostic> {
    schema_errors(manifest, unknown_fields)
        .into_iter()
        .map(|(_, d)| d)
        .collect()
}

/// [`schema_problems`], each with the JSON pointer of the field it is about; numbers out of
/// their Go type's range included.
fn schema_errors(manifest: &ParsedManifest, unknown_fields: bool) -> Vec<(String, Diagnostic)> {
    let mut findings = Vec::new();
    let Some((schema, validator)) = crate::schema::daemonset_validator() else {
        return findings;
    };
    let mut object = manifest.object.clone();
    object["apiVersion"] = Value::String("apps/v1".into());
    read_nulls(&mut object);
    for error in validator.iter_errors(&object) {
        let at = error.instance_path().as_str().to_string();
        let shown = match daemonset::field_path(&at) {
            path if path.is_empty() => "the DaemonSet".to_string(),
            path => path,
        };
        if let ValidationErrorKind::AdditionalProperties { unexpected } = error.kind() {
            if !unknown_fields {
                continue;
            }
            // Said at each unknown key, with the known field it most resembles.
            let parent = error.schema_path().as_str();
            let parent = parent
                .strip_suffix("/additionalProperties")
                .unwrap_or(parent);
            let known = schema
                .pointer(&format!("{parent}/properties"))
                .and_then(Value::as_object);
            for name in unexpected {
                let field = pointer(&at, name);
                let span = manifest.spans.key(&field).unwrap_or_else(|| (0, 0).into());
                let help = known
                    .and_then(|k| did_you_mean(name, k.keys().map(String::as_str)))
                    .map_or_else(
                        || "remove it, or check its place: `kubectl explain daemonset.spec` lists the fields".to_string(),
                        |best| format!("did you mean `{best}`?"),
                    );
                findings.push((
                    field,
                    Diagnostic::new(
                        Code::schema_violation,
                        format!("{shown}: `{name}` is not a field here"),
                    )
                    .at(&manifest.file, span, "unknown field")
                    .with_help(help),
                ));
            }
            continue;
        }
        let span = manifest.spans.get(&at).unwrap_or_else(|| (0, 0).into());
        // A plain `yes` or `.5` where other values belong: say how kubectl reads it.
        let exact = manifest.spans.get_exact(&at);
        if let Some(reading) = yaml11::mistyped(&manifest.file.text, exact, error.instance()) {
            findings.push((
                at,
                Diagnostic::new(
                    Code::schema_violation,
                    reading.message(&shown, &error.to_string()),
                )
                .at(&manifest.file, span, reading.label())
                .with_help(reading.help(&error.to_string())),
            ));
            continue;
        }
        findings.push((
            at,
            Diagnostic::new(Code::schema_violation, format!("{shown}: {error}"))
                .at(&manifest.file, span, "not in the DaemonSet schema")
                .with_help(
                    "check the field's name and type: `kubectl explain daemonset.spec` lists them",
                ),
        ));
    }
    // A number the schema already refused (a fraction where an integer belongs) is said
    // once.
    let beyond: Vec<(String, Diagnostic)> = out_of_range(manifest)
        .into_iter()
        .filter(|(at, _)| !findings.iter().any(|(seen, _)| seen == at))
        .collect();
    findings.extend(beyond);
    findings
}

/// Reads the nulls of an object as the API server's decoder (encoding/json semantics,
/// sigs.k8s.io/json) does: a null field of a struct is unset (`securityContext:` with
/// nothing after it is common and valid), while a null element of a list or value of a
/// map becomes the zero value of its type (`nodeSelector: {infra: }` stores `infra: ""`,
/// `args: [a, ~]` stores `""`). The schema says which is which.
fn read_nulls(object: &mut Value) {
    fn zero(schema: &Value, root: &Value) -> Value {
        let schema = resolved(schema, root);
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => Value::String(String::new()),
            Some("integer") => Value::from(0),
            Some("boolean") => Value::Bool(false),
            Some("object") => Value::Object(serde_json::Map::new()),
            Some("array") => Value::Array(Vec::new()),
            // IntOrString, Quantity and the like: left out, as a null field is.
            _ => Value::Null,
        }
    }
    fn walk(value: &mut Value, schema: &Value, root: &Value) {
        let schema = resolved(schema, root);
        match value {
            Value::Object(map) => {
                if let Some(fields) = schema.get("properties") {
                    map.retain(|_, v| !v.is_null());
                    for (key, v) in map.iter_mut() {
                        if let Some(sub) = fields.get(key) {
                            walk(v, sub, root);
                        }
                    }
                } else if let Some(values) =
                    schema.get("additionalProperties").filter(|a| a.is_object())
                {
                    for v in map.values_mut() {
                        if v.is_null() {
                            *v = zero(values, root);
                        }
                        walk(v, values, root);
                    }
                    map.retain(|_, v| !v.is_null());
                } else {
                    map.retain(|_, v| !v.is_null());
                }
            }
            Value::Array(items) => {
                if let Some(sub) = schema.get("items") {
                    for v in items.iter_mut() {
                        if v.is_null() {
                            *v = zero(sub, root);
                        }
                        walk(v, sub, root);
                    }
                }
            }
            _ => {}
        }
    }
    if let Some((schema, _)) = crate::schema::daemonset_validator() {
        walk(object, schema, schema);
    }
}

/// A schema with its `$ref` followed (`#/$defs/…`).
fn resolved<'s>(schema: &'s Value, root: &'s Value) -> &'s Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(target) => root
            .pointer(target.trim_start_matches('#'))
            .unwrap_or(schema),
        None => schema,
    }
}

/// A template's `spec.nodeName` that names no node of the state: `NodeShouldRunDaemonPod`
/// (pkg/controller/daemon/daemon_controller.go) runs the pod on the node it names and no
/// other, so with no such node the DaemonSet runs nowhere. Warnings at the field, for a
/// state that has nodes at all.
pub fn unknown_template_nodes(desired: &[Desired], cluster: &Cluster) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    if cluster.nodes.is_empty() {
        return warnings;
    }
    for d in desired {
        let node = (d.daemonset.spec.as_ref())
            .and_then(|s| s.template.spec.as_ref())
            .and_then(|p| p.node_name.as_deref())
            .filter(|n| !n.is_empty());
        if let Some(node) = node
            && cluster.node(node).is_none()
        {
            warnings.push(
                Diagnostic::new(
                    Code::unknown_template_node,
                    format!(
                        "{}/{}: spec.template.spec.nodeName {node:?} names no node of the state",
                        d.namespace, d.name
                    ),
                )
                .at(&d.file, d.span_of("/spec/template/spec/nodeName"), "no such node")
                .with_help("a pod bound to a node that does not exist never runs: remove nodeName (a DaemonSet places its pods itself) or name a node of the cluster"),
            );
        }
    }
    warnings
}

/// Numbers the schema's `type: integer` admits but the field's Go type cannot hold: beyond
/// an int32 (`format: int32`, and IntOrString's number) or an int64 (`format: int64`), or
/// written with a fraction or an exponent (`1e30`, `5.0`), which Go's JSON decoder refuses
/// for an integer field. Each at its own position, as a schema violation.
fn out_of_range(manifest: &ParsedManifest) -> Vec<(String, Diagnostic)> {
    fn walk(
        value: &Value,
        schema: &Value,
        root: &Value,
        at: &str,
        out: &mut Vec<(String, String)>,
    ) {
        let schema = match schema.get("$ref").and_then(Value::as_str) {
            Some(target) => root
                .pointer(target.trim_start_matches('#'))
                .unwrap_or(schema),
            None => schema,
        };
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    let sub = (schema.get("properties").and_then(|p| p.get(key)))
                        .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                    if let Some(sub) = sub {
                        walk(v, sub, root, &pointer(at, key), out);
                    }
                }
            }
            Value::Array(items) => {
                if let Some(sub) = schema.get("items") {
                    for (i, v) in items.iter().enumerate() {
                        walk(v, sub, root, &pointer(at, i), out);
                    }
                }
            }
            Value::Number(n) => {
                let int32 = schema.get("format").and_then(Value::as_str) == Some("int32")
                    || schema.get("x-kubernetes-int-or-string").is_some();
                let int64 = schema.get("format").and_then(Value::as_str) == Some("int64");
                let problem = match n.as_i64() {
                    _ if !int32 && !int64 => None,
                    // A whole number too large for an i64 arrives as a float.
                    None if n
                        .as_f64()
                        .is_some_and(|f| f.fract() == 0.0 && f.abs() >= 9.2e18) =>
                    {
                        Some(format!("{n} is beyond a 64-bit integer"))
                    }
                    None if n.is_f64() => Some(format!(
                        "{n} is not an integer: write it without a fraction or an exponent"
                    )),
                    None => Some(format!("{n} is beyond a 64-bit integer")),
                    Some(i) if int32 && i32::try_from(i).is_err() => Some(format!(
                        "{i} is beyond a 32-bit integer (at most 2147483647)"
                    )),
                    Some(_) => None,
                };
                if let Some(problem) = problem {
                    out.push((at.to_string(), problem));
                }
            }
            _ => {}
        }
    }
    let Some((schema, _)) = crate::schema::daemonset_validator() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    walk(&manifest.object, schema, schema, "", &mut found);
    found
        .into_iter()
        .map(|(at, problem)| {
            let span = manifest.spans.get(&at).unwrap_or_else(|| (0, 0).into());
            let diagnostic = Diagnostic::new(
                Code::schema_violation,
                format!("{}: {problem}", daemonset::field_path(&at)),
            )
            .at(&manifest.file, span, "out of range")
            .with_help("the field's Go type cannot hold this number: the API server refuses it");
            (at, diagnostic)
        })
        .collect()
}

/// What the API server would reject, each at the field's position in the manifest (at its
/// key for a problem with a key), named by the server's field path.
fn violation_diagnostics(
    manifest: &ParsedManifest,
    violations: impl IntoIterator<Item = daemonset::Violation>,
) -> Vec<Diagnostic> {
    violations
        .into_iter()
        .map(|v| {
            let span = if v.key {
                manifest.spans.key(&v.at)
            } else {
                manifest.spans.get(&v.at)
            };
            Diagnostic::new(
                v.reason.into(),
                format!("{}: {}", daemonset::field_path(&v.at), v.message),
            )
            .at(
                &manifest.file,
                span.unwrap_or_else(|| (0, 0).into()),
                "the API server rejects this",
            )
            .with_help(v.help)
        })
        .collect()
}

/// Takes the value at a JSON pointer out of `value` (a key of an object, an element of
/// an array); nothing when the pointer names nothing.
fn remove(value: &mut Value, at: &str) {
    let Some((parent, last)) = at.rsplit_once('/') else {
        return;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&last);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = last.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        _ => {}
    }
}

/// The DaemonSets of the state that everynode manages (labelled managed-by everynode)
/// and that are no longer rendered: applying deletes them.
pub fn pruned<'c>(desired: &[Desired], cluster: &'c Cluster) -> Vec<&'c LiveDaemonSet> {
    cluster
        .daemonsets
        .iter()
        .filter(|live| {
            let managed = live
                .daemonset
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(LABEL_MANAGED_BY));
            let rendered = desired
                .iter()
                .any(|d| (&d.namespace, &d.name) == (&live.namespace, &live.name));
            managed.map(String::as_str) == Some(MANAGER) && !rendered
        })
        .collect()
}

/// The live DaemonSet of the same namespace and name, if the state has it.
pub fn live_of<'c>(want: &Desired, cluster: &'c Cluster) -> Option<&'c LiveDaemonSet> {
    cluster
        .daemonsets
        .iter()
        .find(|l| (&l.namespace, &l.name) == (&want.namespace, &want.name))
}
