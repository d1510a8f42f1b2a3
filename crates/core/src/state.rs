//! The cluster as recorded: what `kubectl get nodes,daemonsets,pods -A -o json|yaml`
//! prints (a `List` of any kinds, typed lists like `NodeList`, single objects,
//! multi-document YAML), read into the few facts placement needs.
//!
//! A recording of a large cluster is hundreds of megabytes, nearly all of it pods. So each
//! object is deserialized straight into small structs as the bytes stream past: no
//! intermediate JSON tree, and pods another kind of controller owns are dropped on the
//! spot (orphans, with no controller, are kept: a DaemonSet may adopt them). Only
//! DaemonSets, a handful, are kept whole (plan compares their templates). kubectl writes
//! `apiVersion` and `kind` first, which lets each object pick its struct before reading
//! the rest; an object that names its kind late is buffered and read again.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, StringDeserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};
use serde_json::{Map, Value};

use crate::diagnostic::{Code, Diagnostic};
use crate::parse::yaml11;
use crate::source::SourceFile;
use everynode_k8s::apimachinery::Quantity;
use everynode_k8s::objects::{
    Cluster, ControllerRevision, DaemonPod, LiveDaemonSet, Node, Owner, Taint, live_daemonset,
};

/// Reads state sources one after another; later sources replace objects of the same
/// kind, namespace and name that earlier ones gave.
#[derive(Default)]
pub struct Loader {
    nodes: HashMap<String, Node>,
    daemonsets: HashMap<(String, String), LiveDaemonSet>,
    /// In the order read; `finish` keeps the last of each namespace and name. A list, not
    /// a map keyed by copies of both: pods are most of a recording.
    pods: Vec<DaemonPod>,
    revisions: HashMap<(String, String), ControllerRevision>,
}

impl Loader {
    /// Reads one source: JSON when its name ends in `.json` or its first character is
    /// `{` or `[`, YAML (any number of documents) otherwise.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let mut reading = Reading {
            loader: self,
            source: name,
            trail: Vec::new(),
            failed_kind: None,
        };
        let json = name.ends_with(".json")
            || bytes
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .is_some_and(|b| matches!(b, b'{' | b'['));
        if json {
            let mut deserializer = serde_json::Deserializer::from_slice(bytes);
            let result = ObjectSeed {
                reading: &mut reading,
                default_kind: None,
                deferred: None,
            }
            .deserialize(&mut deserializer)
            .and_then(|()| deserializer.end());
            result.map_err(|e| {
                let (line, column) = (e.line(), e.column());
                reading.problem(name, bytes, &e.to_string(), line, column)
            })
        } else {
            let text = std::str::from_utf8(bytes).map_err(|e| {
                let prefix = String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned();
                let (line, column) =
                    SourceFile::new(name, prefix.as_str()).line_column(prefix.len());
                not_state(name, &prefix, "the file is not UTF-8 text", line, column)
            })?;
            // YAML as kubectl reads it (YAML 1.1 scalars, `parse::yaml11`), streamed.
            let mut stream = yaml11::Stream::from_text(text);
            let streamed = (|| {
                while stream.next_document()? {
                    ObjectSeed {
                        reading: &mut reading,
                        default_kind: None,
                        deferred: None,
                    }
                    .deserialize(&mut stream)?;
                    stream.end_document()?;
                }
                Ok(())
            })();
            let result = match streamed {
                // A merge key (`<<`, never in what kubectl prints) needs the whole tree:
                // read every document again from it (a source read twice gives the same
                // objects, and later ones replace earlier ones).
                Err(yaml11::Error {
                    needs_tree: true, ..
                }) => match yaml11::documents(text) {
                    Ok(documents) => documents.into_iter().try_for_each(|document| {
                        ObjectSeed {
                            reading: &mut reading,
                            default_kind: None,
                            deferred: None,
                        }
                        .deserialize(document.value)
                        .map_err(|e| de::Error::custom(e.to_string()))
                    }),
                    Err(problem) => {
                        let (line, column) =
                            SourceFile::new(name, text).line_column(problem.offset);
                        Err(yaml11::Error {
                            message: problem.message,
                            location: Some((line, column)),
                            index: None,
                            path: None,
                            needs_tree: false,
                        })
                    }
                },
                other => other,
            };
            result.map_err(|e: yaml11::Error| {
                let (line, column) = e.location.unwrap_or((0, 0));
                // The `items[i]` the object's name already gives are not repeated.
                let path: Vec<&str> = e.path.as_deref().unwrap_or("").split('.').collect();
                let inside = path
                    .iter()
                    .position(|p| !(p.starts_with("items[") && p.ends_with(']')))
                    .unwrap_or(path.len());
                let message = match path[inside..].join(".") {
                    path if path.is_empty() => e.message,
                    path => format!("{path}: {}", e.message),
                };
                reading.problem(name, bytes, &message, line, column)
            })
        }
    }

    /// Everything read, in a stable order.
    pub fn finish(self) -> Cluster {
        let mut nodes: Vec<Node> = self.nodes.into_values().collect();
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        let mut daemonsets: Vec<LiveDaemonSet> = self.daemonsets.into_values().collect();
        daemonsets.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let mut pods = self.pods;
        // Latest first, a stable sort, then dedup (which keeps the first of equals): the
        // last source to give a pod wins, as for every other kind.
        pods.reverse();
        pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        pods.dedup_by(|later, first| {
            (&later.namespace, &later.name) == (&first.namespace, &first.name)
        });
        let mut revisions: Vec<ControllerRevision> = self.revisions.into_values().collect();
        revisions.sort_by(|a, b| {
            (&a.namespace, &a.owner.name, a.revision).cmp(&(
                &b.namespace,
                &b.owner.name,
                b.revision,
            ))
        });
        Cluster {
            nodes,
            daemonsets,
            pods,
            revisions,
        }
    }
}

/// One source being read: where in it we are, for error messages.
struct Reading<'l, 's> {
    loader: &'l mut Loader,
    source: &'s str,
    /// The `items` indexes leading to the object being read.
    trail: Vec<usize>,
    /// The kind of the innermost object that failed, once one has.
    failed_kind: Option<String>,
}

impl Reading<'_, '_> {
    /// A diagnostic for a failed read: the serde message without its own position,
    /// which object, and the position as a snippet.
    fn problem(
        &self,
        name: &str,
        bytes: &[u8],
        message: &str,
        line: usize,
        column: usize,
    ) -> Diagnostic {
        let message = message.split(" at line ").next().unwrap_or(message);
        let object = match (&self.failed_kind, self.trail.is_empty()) {
            (Some(kind), true) => format!("the {kind} object"),
            (None, true) => "the document".to_string(),
            (kind, false) => {
                let path: String = self
                    .trail
                    .iter()
                    .map(|i| format!("items[{i}]"))
                    .collect::<Vec<_>>()
                    .join(".");
                match kind {
                    Some(kind) => format!("the {kind} at {path}"),
                    None => format!("the object at {path}"),
                }
            }
        };
        let text = String::from_utf8_lossy(bytes);
        not_state(name, &text, &format!("{object}: {message}"), line, column)
    }
}

fn not_state(name: &str, text: &str, message: &str, line: usize, column: usize) -> Diagnostic {
    let file = SourceFile::new(name, text);
    let offset = if line == 0 {
        0
    } else {
        file.offset_of(line, column.max(1))
    };
    Diagnostic::new(Code::invalid_state, format!("cannot read the state: {message}"))
        .at(&file, (offset, 0), "here")
        .with_help("--state reads what `kubectl get nodes,daemonsets,pods -A -o json` (or `-o yaml`) prints: record it again, or fix the object")
}

/// Reads one object (or list of objects) into the loader.
struct ObjectSeed<'r, 'l, 's, 'k, 'd> {
    reading: &'r mut Reading<'l, 's>,
    /// The kind of a typed list's items, which the API server leaves out of each item.
    default_kind: Option<&'k str>,
    /// Where an item goes that names no kind before its other fields while its list's
    /// kind is not known yet (see `read_late_kind`): kept, with its index, until it is.
    deferred: Option<&'d mut Vec<(usize, Value)>>,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_, '_, '_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_, '_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes object or list (a mapping with `kind`)")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(()) // an empty YAML document
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut kind: Option<String> = None;
        let mut api_version: Option<String> = None;
        let mut first_other = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "kind" => kind = Some(map.next_value()?),
                "apiVersion" => api_version = Some(map.next_value()?),
                _ => {
                    first_other = Some(key);
                    break;
                }
            }
        }
        let kind = kind.or(self.default_kind.map(str::to_string));
        let rest = Resume {
            first: first_other,
            map,
        };
        let result = match (kind.as_deref(), self.deferred) {
            (Some(kind), _) => read_kind(self.reading, kind, api_version, rest),
            (None, Some(deferred)) => {
                let mut item = Value::deserialize(MapAccessDeserializer::new(rest))?;
                if let (Some(api_version), Some(fields)) = (api_version, item.as_object_mut()) {
                    fields.insert("apiVersion".into(), Value::String(api_version));
                }
                let index = self.reading.trail.last().copied().unwrap_or_default();
                deferred.push((index, item));
                Ok(())
            }
            (None, None) => read_late_kind(self.reading, api_version, rest),
        };
        if result.is_err() && self.reading.failed_kind.is_none() {
            self.reading.failed_kind = kind;
        }
        result
    }
}

/// Reads the rest of an object whose kind is known.
fn read_kind<'de, A: MapAccess<'de>>(
    reading: &mut Reading,
    kind: &str,
    api_version: Option<String>,
    mut rest: A,
) -> Result<(), A::Error> {
    match kind {
        "Node" => {
            let node = NodeWire::deserialize(MapAccessDeserializer::new(rest))?.into_node();
            reading.loader.nodes.insert(node.name.clone(), node);
        }
        "Pod" => {
            if let Some(pod) =
                PodWire::deserialize(MapAccessDeserializer::new(rest))?.into_daemon_pod()
            {
                reading.loader.pods.push(pod);
            }
        }
        "ControllerRevision" => {
            if let Some(revision) =
                RevisionWire::deserialize(MapAccessDeserializer::new(rest))?.into_revision()
            {
                let key = (
                    revision.namespace.clone(),
                    format!("{}/{}", revision.owner.name, revision.revision),
                );
                reading.loader.revisions.insert(key, revision);
            }
        }
        "DaemonSet" => {
            let mut fields = Map::new();
            fields.insert(
                "apiVersion".into(),
                api_version.map_or(Value::Null, Value::String),
            );
            fields.insert("kind".into(), Value::String(kind.to_string()));
            let Value::Object(rest) = Value::deserialize(MapAccessDeserializer::new(rest))? else {
                return Err(de::Error::custom("expected a mapping"));
            };
            fields.extend(rest);
            let live =
                live_daemonset(Value::Object(fields), reading.source).map_err(de::Error::custom)?;
            reading
                .loader
                .daemonsets
                .insert((live.namespace.clone(), live.name.clone()), live);
        }
        list if list.ends_with("List") => {
            let item_kind = list.strip_suffix("List").filter(|k| !k.is_empty());
            while let Some(key) = rest.next_key::<String>()? {
                if key == "items" {
                    rest.next_value_seed(ItemsSeed {
                        reading: &mut *reading,
                        default_kind: item_kind,
                        deferred: None,
                    })?;
                } else {
                    rest.next_value::<IgnoredAny>()?;
                }
            }
        }
        _ => {
            IgnoredAny::deserialize(MapAccessDeserializer::new(rest))?; // a kind placement does not use
        }
    }
    Ok(())
}

/// Reads an object that did not name its kind before its other fields. kubectl prints a
/// List that way (`apiVersion`, `items`, `kind`, `metadata`: keys in order), so `items`
/// stream as they come: an item that names its kind is read at once, one that does not
/// waits for the list's kind. Any other field is kept until the kind is known, then the
/// object is read again with it; without `kind` or `items`, it is not an object kubectl
/// prints and is skipped like unknown kinds.
fn read_late_kind<'de, A: MapAccess<'de>>(
    reading: &mut Reading,
    api_version: Option<String>,
    mut rest: A,
) -> Result<(), A::Error> {
    let mut fields = Map::new();
    let mut deferred = Vec::new();
    let mut list = false;
    while let Some(key) = rest.next_key::<String>()? {
        if key == "items" {
            list = true;
            rest.next_value_seed(ItemsSeed {
                reading: &mut *reading,
                default_kind: None,
                deferred: Some(&mut deferred),
            })?;
        } else {
            let value: Value = rest.next_value()?;
            fields.insert(key, value);
        }
    }
    let kind = match fields.remove("kind") {
        Some(Value::String(kind)) => Some(kind),
        _ => None,
    };
    let wrap = |e: serde_json::Error| de::Error::custom(e.to_string());
    if list {
        let item_kind = kind
            .as_deref()
            .and_then(|k| k.strip_suffix("List"))
            .filter(|k| !k.is_empty());
        for (index, item) in deferred {
            // Left on the trail when reading fails: the diagnostic names the item.
            reading.trail.push(index);
            let seed = ObjectSeed {
                reading: &mut *reading,
                default_kind: item_kind,
                deferred: None,
            };
            seed.deserialize(item).map_err(wrap)?;
            reading.trail.pop();
        }
        return Ok(());
    }
    let Some(kind) = kind else {
        return Ok(());
    };
    if let Some(api_version) = api_version {
        fields.insert("apiVersion".into(), Value::String(api_version));
    }
    let seed = ObjectSeed {
        reading,
        default_kind: Some(&kind),
        deferred: None,
    };
    seed.deserialize(Value::Object(fields)).map_err(wrap)
}

/// The `items` of a list, each an object read into the loader.
struct ItemsSeed<'r, 'l, 's, 'k, 'd> {
    reading: &'r mut Reading<'l, 's>,
    default_kind: Option<&'k str>,
    /// See `ObjectSeed::deferred`.
    deferred: Option<&'d mut Vec<(usize, Value)>>,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_, '_, '_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_, '_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of Kubernetes objects")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(()) // `items: null`, as an empty list prints
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            self.reading.trail.push(index);
            let seed = ObjectSeed {
                reading: &mut *self.reading,
                default_kind: self.default_kind,
                deferred: self.deferred.as_deref_mut(),
            };
            if seq.next_element_seed(seed)?.is_none() {
                self.reading.trail.pop();
                return Ok(());
            }
            self.reading.trail.pop();
            index += 1;
        }
    }
}

/// A map whose first key was already read: yields that key again, then the rest.
struct Resume<A> {
    first: Option<String>,
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Resume<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.first.take() {
            Some(key) => {
                let key: StringDeserializer<A::Error> = key.into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

// The minimal wire structs: only the fields placement reads; serde skips the rest.

#[derive(Deserialize)]
struct NodeWire {
    metadata: NameAndLabels,
    #[serde(default)]
    spec: NodeSpecWire,
    #[serde(default)]
    status: NodeStatusWire,
}

#[derive(Deserialize)]
struct NameAndLabels {
    name: String,
    #[serde(default, deserialize_with = "label_map")]
    labels: BTreeMap<String, String>,
}

/// Labels as the API stores them: string keys, string values. kubectl reads an unquoted
/// `tier: 3` as a number and `gpu: yes` as a boolean (YAML 1.1), which the API server
/// rejects (`kubectl get -o yaml` quotes such values); the state refuses them too, so a
/// hand-edited recording cannot mean something no cluster holds.
fn label_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    struct Text(String);
    impl<'de> Deserialize<'de> for Text {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Strict;
            impl Visitor<'_> for Strict {
                type Value = Text;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a string (a label is text: quote it)")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                    Ok(Text(v.to_owned()))
                }
            }
            d.deserialize_any(Strict)
        }
    }
    let map = Option::<BTreeMap<Text, Text>>::deserialize(d)?;
    Ok(map.into_iter().flatten().map(|(k, v)| (k.0, v.0)).collect())
}

/// Quantities as the API reads them: a string, or a JSON number (`resource.Quantity`'s
/// `UnmarshalJSON` takes both), so an unquoted `cpu: 8` (a number to kubectl) is 8 cores.
fn quantity_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    struct Text(String);
    impl<'de> Deserialize<'de> for Text {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Quantity;
            impl Visitor<'_> for Quantity {
                type Value = Text;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a quantity (a string or a number)")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                    Ok(Text(v.to_owned()))
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                    Ok(Text(v.to_string()))
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                    Ok(Text(v.to_string()))
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                    Ok(Text(v.to_string()))
                }
            }
            d.deserialize_any(Quantity)
        }
    }
    let map = Option::<BTreeMap<String, Text>>::deserialize(d)?;
    Ok(map.into_iter().flatten().map(|(k, v)| (k, v.0)).collect())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct NodeSpecWire {
    #[serde(default)]
    taints: Vec<Taint>,
    #[serde(default)]
    unschedulable: bool,
}

#[derive(Deserialize, Default)]
struct NodeStatusWire {
    #[serde(default)]
    conditions: Vec<ConditionWire>,
    #[serde(default, deserialize_with = "quantity_map")]
    allocatable: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct ConditionWire {
    #[serde(rename = "type")]
    kind: String,
    status: String,
}

impl NodeWire {
    fn into_node(self) -> Node {
        let ready = self
            .status
            .conditions
            .iter()
            .find(|c| c.kind == "Ready")
            .map(|c| c.status == "True");
        Node {
            name: self.metadata.name,
            labels: self.metadata.labels,
            taints: self.spec.taints,
            unschedulable: self.spec.unschedulable,
            ready,
            allocatable: self
                .status
                .allocatable
                .into_iter()
                .filter(|(resource, _)| resource == "cpu" || resource == "memory")
                .filter_map(|(resource, q)| Some((resource, Quantity::parse(&q).ok()?)))
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct PodWire {
    metadata: PodMetaWire,
    #[serde(default)]
    spec: PodSpecWire,
    #[serde(default)]
    status: PodStatusWire,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodMetaWire {
    name: String,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default, deserialize_with = "label_map")]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    owner_references: Vec<Owner>,
    #[serde(default)]
    deletion_timestamp: Option<IgnoredAny>,
}

/// The label of a ControllerRevision that names its template hash; other labels are
/// skipped unread.
#[derive(Deserialize, Default)]
struct RevisionLabels {
    #[serde(rename = "controller-revision-hash")]
    revision_hash: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PodSpecWire {
    node_name: Option<String>,
    affinity: Option<AffinityWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AffinityWire {
    node_affinity: Option<NodeAffinityWire>,
}

#[derive(Deserialize)]
struct NodeAffinityWire {
    #[serde(rename = "requiredDuringSchedulingIgnoredDuringExecution")]
    required: Option<NodeSelectorWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NodeSelectorWire {
    #[serde(default)]
    node_selector_terms: Vec<TermWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TermWire {
    #[serde(default)]
    match_fields: Vec<FieldWire>,
}

#[derive(Deserialize)]
struct FieldWire {
    key: String,
    operator: String,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Deserialize, Default)]
struct PodStatusWire {
    phase: Option<String>,
}

impl PodWire {
    /// The pod, when a DaemonSet controls it or nothing does (an orphan a DaemonSet may
    /// adopt, `ClaimObject`); `None` for a pod another kind of controller owns.
    fn into_daemon_pod(self) -> Option<DaemonPod> {
        let owner = match controller_of(self.metadata.owner_references) {
            Some(owner) if owner.kind == "DaemonSet" => Some(owner),
            Some(_) => return None,
            None => None,
        };
        let node = self
            .spec
            .node_name
            .filter(|n| !n.is_empty())
            .or_else(|| target_node_from_affinity(self.spec.affinity?));
        Some(DaemonPod {
            namespace: self.metadata.namespace.unwrap_or_else(|| "default".into()),
            name: self.metadata.name,
            owner,
            node,
            labels: self.metadata.labels,
            terminating: self.metadata.deletion_timestamp.is_some(),
            phase: self.status.phase,
        })
    }
}

/// The node an unbound daemon pod is meant for: the first `matchFields` requirement
/// `metadata.name In [node]` of its required node affinity (the controller's
/// `GetTargetNodeName`).
fn target_node_from_affinity(affinity: AffinityWire) -> Option<String> {
    let terms = affinity.node_affinity?.required?.node_selector_terms;
    let field = terms
        .into_iter()
        .flat_map(|t| t.match_fields)
        .find(|f| f.key == "metadata.name" && f.operator == "In")?;
    match <[String; 1]>::try_from(field.values) {
        Ok([node]) => Some(node),
        Err(_) => None,
    }
}

/// The controller reference: the first with `controller: true` (apimachinery
/// `metav1.GetControllerOf`).
fn controller_of(owners: Vec<Owner>) -> Option<Owner> {
    owners.into_iter().find(|o| o.controller == Some(true))
}

/// The controller reference, when the controller is a DaemonSet.
fn controller_daemonset(owners: Vec<Owner>) -> Option<Owner> {
    controller_of(owners).filter(|o| o.kind == "DaemonSet")
}

#[derive(Deserialize)]
struct RevisionWire {
    metadata: RevisionMetaWire,
    #[serde(default)]
    revision: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevisionMetaWire {
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    labels: RevisionLabels,
    #[serde(default)]
    owner_references: Vec<Owner>,
}

impl RevisionWire {
    fn into_revision(self) -> Option<ControllerRevision> {
        Some(ControllerRevision {
            owner: controller_daemonset(self.metadata.owner_references)?,
            namespace: self.metadata.namespace.unwrap_or_else(|| "default".into()),
            revision: self.revision,
            hash: self.metadata.labels.revision_hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(phase: &str) -> String {
        format!(
            r#"{{"kind": "Pod", "apiVersion": "v1", "metadata": {{"name": "agent-x", "namespace": "ops",
               "labels": {{"app": "agent"}},
               "ownerReferences": [{{"kind": "DaemonSet", "name": "agent", "uid": "u1", "controller": true}}]}},
               "spec": {{"nodeName": "n1"}}, "status": {{"phase": "{phase}"}}}}"#
        )
    }

    #[test]
    fn a_later_source_replaces_an_object_of_the_same_name() {
        let mut loader = Loader::default();
        loader.add("a.json", pod("Pending").as_bytes()).unwrap();
        loader.add("b.json", pod("Running").as_bytes()).unwrap();
        loader.add("c.json", pod("Failed").as_bytes()).unwrap();
        let cluster = loader.finish();
        assert_eq!(cluster.pods.len(), 1);
        assert_eq!(cluster.pods[0].phase.as_deref(), Some("Failed"));
        assert_eq!(cluster.pods[0].labels["app"], "agent");
    }

    #[test]
    fn orphans_are_kept_and_pods_of_other_controllers_dropped() {
        let text = r#"{"kind": "List", "apiVersion": "v1", "items": [
            {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "orphan", "namespace": "ops",
             "ownerReferences": [{"kind": "Node", "name": "n1", "uid": "n"}]}},
            {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "replica", "namespace": "ops",
             "ownerReferences": [{"kind": "ReplicaSet", "name": "r", "uid": "r", "controller": true}]}},
            {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "daemon", "namespace": "ops",
             "ownerReferences": [{"kind": "DaemonSet", "name": "d", "uid": "d", "controller": true}]}}
        ]}"#;
        let mut loader = Loader::default();
        loader.add("pods.json", text.as_bytes()).unwrap();
        let cluster = loader.finish();
        let pods: Vec<(&str, Option<&str>)> = cluster
            .pods
            .iter()
            .map(|p| (p.name.as_str(), p.owner.as_ref().map(|o| o.name.as_str())))
            .collect();
        // A reference without `controller: true` leaves the pod an orphan.
        assert_eq!(pods, [("daemon", Some("d")), ("orphan", None)]);
    }

    #[test]
    fn list_items_before_the_kind_are_read_with_the_list_kind() {
        // As a typed list prints with sorted keys: items first, kind later, items kindless.
        let text = r#"{"apiVersion": "v1", "items": [
            {"metadata": {"name": "n2", "labels": {"pool": "gpu"}}},
            {"kind": "Node", "metadata": {"name": "n1"}}
        ], "kind": "NodeList", "metadata": {}}"#;
        let mut loader = Loader::default();
        loader.add("nodes.json", text.as_bytes()).unwrap();
        let cluster = loader.finish();
        let names: Vec<&str> = cluster.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["n1", "n2"]);
        assert_eq!(cluster.node("n2").unwrap().labels["pool"], "gpu");
    }

    #[test]
    fn yaml_is_read_as_kubectl_reads_it() {
        // Quoted values as `kubectl get -o yaml` writes them; an unquoted quantity is a
        // number, which a Quantity takes; anchors are replayed, merge keys applied.
        let text = "kind: Node\nmetadata:\n  name: n1\n  labels: {gpu: 'yes', on: 'true'}\nstatus:\n  allocatable: {cpu: 8, memory: 0x10}\n  conditions: [{type: Ready, status: 'True'}]\n---\nbase: &l {pool: a}\nkind: Node\nmetadata:\n  name: n2\n  labels:\n    <<: *l\n";
        let mut loader = Loader::default();
        loader.add("nodes.yaml", text.as_bytes()).unwrap();
        let cluster = loader.finish();
        let n1 = cluster.node("n1").unwrap();
        assert_eq!(n1.labels["gpu"], "yes");
        assert_eq!(
            n1.labels["true"], "true",
            "the key `on` is the boolean true"
        );
        assert_eq!(n1.ready, Some(true));
        assert_eq!(n1.allocatable.len(), 2);
        assert_eq!(cluster.node("n2").unwrap().labels["pool"], "a");
        let problem = Loader::default()
            .add(
                "n.yaml",
                b"kind: Node\nmetadata:\n  name: m\n  labels: {gpu: on}\n",
            )
            .unwrap_err();
        assert!(
            problem
                .message
                .contains("metadata.labels.gpu: invalid type: boolean `true`")
                && problem
                    .message
                    .contains("kubectl reads the unquoted `on` as the boolean true"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn an_object_naming_its_kind_last_is_read_and_an_item_error_names_the_item() {
        let mut loader = Loader::default();
        loader
            .add("node.yaml", b"metadata:\n  name: n1\nkind: Node\n")
            .unwrap();
        assert_eq!(loader.finish().nodes.len(), 1);
        let text =
            r#"{"apiVersion": "v1", "items": [{"kind": "Node", "metadata": {}}], "kind": "List"}"#;
        let problem = Loader::default()
            .add("bad.json", text.as_bytes())
            .unwrap_err();
        assert!(
            problem
                .message
                .contains("the Node at items[0]: missing field `name`"),
            "{}",
            problem.message
        );
    }
}
