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

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;
use std::sync::Arc;

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
    pod_request,
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
    /// One copy of each pod label set and owner: thousands of pods share a few.
    shared: Shared,
    /// The latest timestamp read so far (`Cluster::now`).
    now: Option<i64>,
    /// Every pod bound to a node and not finished, with what it requests; `finish` keeps
    /// the last of each namespace and name and sums them per node (`Cluster::requested`).
    requesting: Vec<Requesting>,
}

/// A pod's requests on its node.
struct Requesting {
    namespace: String,
    name: String,
    node: String,
    /// `cpu` and `memory`, as `objects::pod_request` counts them.
    requests: Vec<(&'static str, Quantity)>,
}

/// The resources `Cluster::requested` sums: those the state keeps of a node's allocatable.
const REQUESTED: [&str; 2] = ["cpu", "memory"];

/// The pods' label sets and owners read so far, each held once.
#[derive(Default)]
struct Shared {
    labels: HashSet<Arc<BTreeMap<String, String>>>,
    owners: HashSet<Arc<Owner>>,
}

impl Shared {
    fn labels(&mut self, labels: BTreeMap<String, String>) -> Arc<BTreeMap<String, String>> {
        intern(&mut self.labels, labels)
    }

    fn owner(&mut self, owner: Owner) -> Arc<Owner> {
        intern(&mut self.owners, owner)
    }
}

/// The shared copy of `value`, added to `set` the first time it is seen.
fn intern<T: Eq + std::hash::Hash>(set: &mut HashSet<Arc<T>>, value: T) -> Arc<T> {
    if let Some(shared) = set.get(&value) {
        return shared.clone();
    }
    let shared = Arc::new(value);
    set.insert(shared.clone());
    shared
}

impl Loader {
    /// Reads one source: JSON when its name ends in `.json` or its first character is
    /// `{` or `[`, YAML (any number of documents) otherwise.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
        let mut reading = Reading::new(self, name);
        if is_json(name, bytes) {
            let mut deserializer = serde_json::Deserializer::from_slice(bytes);
            read_json(&mut reading, &mut deserializer)
                .map_err(|e| reading.json_problem(&e).diagnostic(name, bytes))
        } else {
            let text = std::str::from_utf8(bytes)
                .map_err(|e| Invalid::not_utf8(e.valid_up_to()).diagnostic(name, bytes))?;
            // YAML as kubectl reads it (YAML 1.1 scalars, `parse::yaml11`), streamed.
            let streamed = read_yaml(&mut reading, &mut yaml11::Stream::from_text(text));
            let result = match streamed {
                // A merge key (`<<`, never in what kubectl prints) needs the whole tree:
                // read every document again from it (a source read twice gives the same
                // objects, and later ones replace earlier ones).
                Err(yaml11::Error {
                    needs_tree: true, ..
                }) => match yaml11::documents(text) {
                    Ok(documents) => documents.into_iter().try_for_each(|document| {
                        // The streamed reading stopped inside an object: start afresh.
                        reading.trail.clear();
                        reading.failed_kind = None;
                        let read = ObjectSeed {
                            reading: &mut reading,
                            default_kind: None,
                            deferred: None,
                        }
                        .deserialize(document.value);
                        // The tree has no positions of its own: the problem is placed at
                        // the object that failed, from the document's positions.
                        read.map_err(|e: serde_json::Error| {
                            let object: String = reading
                                .trail
                                .iter()
                                .map(|i| format!("/items/{i}"))
                                .collect();
                            let location = document
                                .spans
                                .get(&object)
                                .map(|span| SourceFile::new(name, text).line_column(span.offset()));
                            yaml11::Error {
                                message: e.to_string(),
                                location,
                                index: None,
                                path: None,
                                needs_tree: false,
                            }
                        })
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
            result.map_err(|e| reading.yaml_problem(e).diagnostic(name, bytes))
        }
    }

    /// Reads one source from `reader`, as [`Loader::add`] reads its bytes, holding a
    /// buffer and one object's text at a time: a recording of hundreds of megabytes costs
    /// the objects kept, not its size (BENCHMARKS.md). Decides between JSON and YAML on
    /// the name and the first character that is not white space, like `add`. JSON is cut
    /// at its items' boundaries and each item read from memory (`read_json_stream`);
    /// YAML streams through `yaml11::Stream`.
    ///
    /// # Errors
    ///
    /// [`Unreadable::Io`] when the reader fails; [`Unreadable::Invalid`] when YAML is not
    /// a recording, with the position, which [`Invalid::diagnostic`] turns into a
    /// diagnostic given the source's bytes read again (the core does no I/O); and
    /// [`Unreadable::NeedsText`] when the source must be read whole with
    /// [`Loader::add`]: JSON that is malformed or not a recording (`add` gives the
    /// diagnostic, with its snippet, or reads what the splitter did not take), and YAML with a merge key (`<<`,
    /// which kubectl never prints). Objects already read are read again and replaced, so
    /// nothing is counted twice.
    pub fn add_reader(&mut self, name: &str, reader: impl Read) -> Result<(), Unreadable> {
        // Read until the first character that is not white space, then given again in
        // front of the rest: leading lines count for the positions of errors.
        let mut reader = reader;
        let mut start = Vec::new();
        let mut block = [0; 8192];
        // A byte-order mark (editors on Windows write one) is not content, as for PATH
        // files: it goes before the decision between JSON and YAML.
        let mut bom_checked = false;
        while !start.iter().any(|b: &u8| !b.is_ascii_whitespace()) {
            let read = match reader.read(&mut block) {
                Ok(0) => break,
                Ok(read) => read,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Unreadable::Io(e)),
            };
            start.extend_from_slice(&block[..read]);
            if !bom_checked && start.len() >= 3 {
                bom_checked = true;
                if start.starts_with(BOM) {
                    start.drain(..BOM.len());
                }
            }
        }
        let json = is_json(name, &start);
        // serde_json reads byte by byte: fast only from a `BufReader` itself.
        let reader =
            BufReader::with_capacity(READ_BUFFER, std::io::Cursor::new(start).chain(reader));
        let mut reading = Reading::new(self, name);
        if json {
            read_json_stream(&mut reading, reader)
        } else {
            let failure = Rc::new(RefCell::new(None));
            let chars = Utf8Chars {
                reader,
                chunk: String::new(),
                at: 0,
                carry: Vec::new(),
                consumed: 0,
                failure: Rc::clone(&failure),
            };
            let mut stream = yaml11::Stream::new(saphyr_parser::Parser::new_from_iter(chars));
            let result = read_yaml(&mut reading, &mut stream);
            // The text ended early where it could not be read: that is the problem, not
            // what the parser made of the end.
            match failure.borrow_mut().take() {
                Some(Failure::Io(e)) => return Err(Unreadable::Io(e)),
                Some(Failure::NotUtf8(offset)) => {
                    return Err(Unreadable::Invalid(Invalid::not_utf8(offset)));
                }
                None => {}
            }
            match result {
                Ok(()) => Ok(()),
                Err(yaml11::Error {
                    needs_tree: true, ..
                }) => Err(Unreadable::NeedsText),
                Err(e) => Err(Unreadable::Invalid(reading.yaml_problem(e))),
            }
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
            now: self.now,
            requested: requested(self.requesting),
        }
    }
}

/// Sums the pods' requests per node, each pod once (the last source to give it).
fn requested(mut pods: Vec<Requesting>) -> BTreeMap<String, BTreeMap<String, Quantity>> {
    pods.reverse();
    pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    pods.dedup_by(|later, first| {
        (&later.namespace, &later.name) == (&first.namespace, &first.name)
    });
    let mut sums: BTreeMap<String, BTreeMap<String, Quantity>> = BTreeMap::new();
    for pod in pods {
        let on = sums.entry(pod.node).or_default();
        for (resource, q) in pod.requests {
            on.entry(resource.to_string())
                .and_modify(|sum| *sum = sum.add(&q))
                .or_insert(q);
        }
    }
    sums
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

impl<'l, 's> Reading<'l, 's> {
    fn new(loader: &'l mut Loader, source: &'s str) -> Self {
        Reading {
            loader,
            source,
            trail: Vec::new(),
            failed_kind: None,
        }
    }

    /// A failed read: the message without its own position, prefixed with which object.
    fn problem(&self, message: &str, line: usize, column: usize) -> Invalid {
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
        Invalid {
            message: format!("{object}: {message}"),
            line,
            column,
            text_ends: None,
        }
    }

    fn json_problem(&self, e: &serde_json::Error) -> Invalid {
        self.problem(&e.to_string(), e.line(), e.column())
    }

    fn yaml_problem(&self, e: yaml11::Error) -> Invalid {
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
        self.problem(&message, line, column)
    }
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How much of a source [`Loader::add_reader`] reads at a time, in bytes.
const READ_BUFFER: usize = 256 * 1024;

/// JSON when the name says so or the text starts (after white space) with `{` or `[`.
fn is_json(name: &str, bytes: &[u8]) -> bool {
    name.ends_with(".json")
        || bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| matches!(b, b'{' | b'['))
}

/// Reads a JSON source, whole: one object or list, then nothing but white space.
fn read_json<'de, R: serde_json::de::Read<'de>>(
    reading: &mut Reading,
    deserializer: &mut serde_json::Deserializer<R>,
) -> Result<(), serde_json::Error> {
    ObjectSeed {
        reading,
        default_kind: None,
        deferred: None,
    }
    .deserialize(&mut *deserializer)?;
    deserializer.end()
}

/// Reads every document of a YAML stream; stops with `needs_tree` at a merge key.
fn read_yaml<T: saphyr_parser::Input>(
    reading: &mut Reading,
    stream: &mut yaml11::Stream<'_, T>,
) -> Result<(), yaml11::Error> {
    while stream.next_document()? {
        ObjectSeed {
            reading: &mut *reading,
            default_kind: None,
            deferred: None,
        }
        .deserialize(&mut *stream)?;
        stream.end_document()?;
    }
    Ok(())
}

/// Where [`read_json_stream`] is in the top-level object.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    /// Before `items`: the bytes are kept (a list's `apiVersion`, `kind`, `metadata`).
    Header,
    /// In `items`, between two items: only white space and one `,` may come.
    Between { after_item: bool },
    /// In an item: its bytes are kept until it closes, then it is read.
    Item,
    /// After `items`: the bytes are kept, up to the object's end.
    Trailer,
    /// After the object: only white space may come.
    Done,
}

/// Reads a JSON source that is one object with `items`, as kubectl prints a list, at the
/// speed of reading from memory while holding one item at a time: the bytes are cut at
/// the items' boundaries (strings, escapes and nesting tracked) and each item is read
/// from its own slice. The list's other fields (`kind` may come after `items`) are read
/// apart, and items that name no kind wait for it as `read_late_kind` does.
///
/// One object without `items` is kept whole and read. Anything else (a top level that is
/// not an object, a list whose `kind` is not a list's) and any problem (malformed JSON,
/// an object that is not a recording) gives [`Unreadable::NeedsText`]: [`Loader::add`] reads the whole text again and gives
/// the same objects, or the diagnostic with its position, exactly as for the bytes.
fn read_json_stream<R: Read>(
    reading: &mut Reading,
    mut reader: BufReader<R>,
) -> Result<(), Unreadable> {
    let retry = |_| Unreadable::NeedsText;
    let mut part = Part::Header;
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut header: Vec<u8> = Vec::new();
    let mut trailer: Vec<u8> = Vec::new();
    let mut item: Vec<u8> = Vec::new();
    // Known once the fields before `items` are read: whether they name the kind, and
    // the kind of the items when the list is typed.
    let mut kind_known = false;
    let mut item_kind: Option<String> = None;
    let mut deferred: Vec<(usize, Value)> = Vec::new();
    let mut index = 0;
    // Braces open in the item being read.
    let mut item_depth = 0usize;
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Unreadable::Io(e)),
        };
        if buffer.is_empty() {
            break;
        }
        let length = buffer.len();
        // Where the bytes of the item being read start in this buffer.
        let mut kept_from = 0;
        let mut i = 0;
        while i < length {
            if part == Part::Item {
                let Some(at) =
                    item_end(&buffer[i..], &mut item_depth, &mut in_string, &mut escaped)
                else {
                    break; // the item goes on in the next buffer
                };
                i += at;
                item.extend_from_slice(&buffer[kept_from..=i]);
                reading.trail.push(index);
                let mut deserializer = serde_json::Deserializer::from_slice(&item);
                ObjectSeed {
                    reading: &mut *reading,
                    default_kind: item_kind.as_deref(),
                    deferred: (!kind_known).then_some(&mut deferred),
                }
                .deserialize(&mut deserializer)
                .and_then(|()| deserializer.end())
                .map_err(retry)?;
                reading.trail.pop();
                item.clear();
                index += 1;
                part = Part::Between { after_item: true };
                i += 1;
                continue;
            }
            let byte = buffer[i];
            if in_string {
                match part {
                    Part::Header => header.push(byte),
                    Part::Trailer => trailer.push(byte),
                    _ => {}
                }
                if escaped {
                    escaped = false;
                } else if byte == b'\\' {
                    escaped = true;
                } else if byte == b'"' {
                    in_string = false;
                }
                i += 1;
                continue;
            }
            match part {
                Part::Between { after_item } => match byte {
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    b',' if after_item => part = Part::Between { after_item: false },
                    // Not after a comma: `[{…},]` is not JSON.
                    b']' if after_item || index == 0 => {
                        depth -= 1;
                        part = Part::Trailer;
                        i += 1;
                        continue;
                    }
                    b'{' if !after_item => {
                        part = Part::Item;
                        kept_from = i;
                        item_depth = 1;
                        i += 1;
                        continue;
                    }
                    _ => return Err(Unreadable::NeedsText),
                },
                Part::Done => {
                    if !byte.is_ascii_whitespace() {
                        return Err(Unreadable::NeedsText);
                    }
                }
                Part::Header | Part::Item | Part::Trailer => match byte {
                    b'"' => in_string = true,
                    b'{' | b'[' => {
                        depth += 1;
                        if part == Part::Header
                            && depth == 2
                            && byte == b'['
                            && let Some(cut) = items_key(&header)
                        {
                            // The fields before `items`, as an object of their own.
                            header.truncate(cut);
                            while header.last().is_some_and(|b| b.is_ascii_whitespace()) {
                                header.pop();
                            }
                            if header.last() == Some(&b',') {
                                header.pop();
                            }
                            header.push(b'}');
                            let fields: Map<String, Value> =
                                serde_json::from_slice(&header).map_err(retry)?;
                            (kind_known, item_kind) = list_kind(&fields)?;
                            part = Part::Between { after_item: false };
                            i += 1;
                            continue;
                        }
                    }
                    b'}' | b']' => {
                        if depth == 0 {
                            return Err(Unreadable::NeedsText);
                        }
                        depth -= 1;
                        if depth == 0 {
                            if part == Part::Header {
                                // No `items`: one object, read whole.
                                header.push(byte);
                                let mut deserializer =
                                    serde_json::Deserializer::from_slice(&header);
                                read_json(reading, &mut deserializer).map_err(retry)?;
                            } else {
                                trailer.push(byte);
                            }
                            part = Part::Done;
                        }
                    }
                    _ => {}
                },
            }
            match part {
                Part::Header => header.push(byte),
                Part::Trailer if depth > 0 => trailer.push(byte),
                _ => {}
            }
            i += 1;
        }
        if part == Part::Item {
            item.extend_from_slice(&buffer[kept_from..]);
        }
        reader.consume(length);
    }
    if part != Part::Done {
        return Err(Unreadable::NeedsText);
    }
    if trailer.is_empty() {
        return Ok(()); // one object without `items`, read above
    }
    // The fields after `items`: the list's kind, when it comes late (kubectl's order).
    let rest = trailer
        .trim_ascii_start()
        .strip_prefix(b",")
        .unwrap_or(&trailer);
    let mut after = b"{".to_vec();
    after.extend_from_slice(rest);
    let fields: Map<String, Value> = serde_json::from_slice(&after).map_err(retry)?;
    if fields.contains_key("items") {
        return Err(Unreadable::NeedsText);
    }
    if kind_known {
        return Ok(());
    }
    let (_, item_kind) = list_kind(&fields)?;
    for (index, item) in deferred {
        reading.trail.push(index);
        ObjectSeed {
            reading: &mut *reading,
            default_kind: item_kind.as_deref(),
            deferred: None,
        }
        .deserialize(item)
        .map_err(retry)?;
        reading.trail.pop();
    }
    Ok(())
}

/// The index of the brace that closes the item being read, if `bytes` holds it; the
/// state (`depth`: braces open, strings, escapes) carried from one buffer to the next.
/// Only braces count: the item is an object, and brackets balance inside a valid one
/// (an invalid one fails when it is read).
fn item_end(
    bytes: &[u8],
    depth: &mut usize,
    in_string: &mut bool,
    escaped: &mut bool,
) -> Option<usize> {
    let mut i = 0;
    loop {
        if *escaped {
            if i >= bytes.len() {
                return None;
            }
            *escaped = false;
            i += 1;
        } else if *in_string {
            let at = i + memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
            if bytes[at] == b'\\' {
                *escaped = true;
            } else {
                *in_string = false;
            }
            i = at + 1;
        } else {
            let at = i + memchr::memchr3(b'"', b'{', b'}', bytes.get(i..)?)?;
            match bytes[at] {
                b'"' => *in_string = true,
                b'{' => *depth += 1,
                _ => {
                    *depth -= 1;
                    if *depth == 0 {
                        return Some(at);
                    }
                }
            }
            i = at + 1;
        }
    }
}

/// Where the key `items` starts when `header` (the top-level object so far, up to the
/// `[` just met) ends with `{` or `,`, then `"items"`, then `:`.
fn items_key(header: &[u8]) -> Option<usize> {
    let before = header.trim_ascii_end().strip_suffix(b":")?;
    let before = before.trim_ascii_end().strip_suffix(b"\"items\"")?;
    before
        .trim_ascii_end()
        .last()
        .is_some_and(|b| matches!(b, b'{' | b','))
        .then_some(before.len())
}

/// Whether the list's fields name its kind, and the kind of its items (`NodeList`:
/// `Node`; `List`: none), as `read_kind` and `read_late_kind` take them. A kind that is
/// not a list's is left to [`Loader::add`].
fn list_kind(fields: &Map<String, Value>) -> Result<(bool, Option<String>), Unreadable> {
    match fields.get("kind") {
        None => Ok((false, None)),
        Some(Value::String(kind)) if kind.ends_with("List") => Ok((
            true,
            kind.strip_suffix("List")
                .filter(|k| !k.is_empty())
                .map(str::to_string),
        )),
        Some(_) => Err(Unreadable::NeedsText),
    }
}

/// Why [`Loader::add_reader`] could not read a source.
#[derive(Debug)]
pub enum Unreadable {
    /// The reader failed.
    Io(std::io::Error),
    /// The YAML is not a recording.
    Invalid(Invalid),
    /// Read the whole text and give it to [`Loader::add`]: malformed JSON (for its
    /// diagnostic), JSON the item splitter does not take, YAML with a merge key.
    NeedsText,
}

/// A source that is not a recording: what is wrong, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    message: String,
    /// 1-based line and column (in characters); line 0 when unknown.
    line: usize,
    column: usize,
    /// For text that is not UTF-8: the length in bytes of the part that is.
    text_ends: Option<usize>,
}

impl Invalid {
    fn not_utf8(valid_up_to: usize) -> Self {
        Invalid {
            message: "the file is not UTF-8 text".into(),
            line: 0,
            column: 0,
            text_ends: Some(valid_up_to),
        }
    }

    /// What is wrong, with which object, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The 1-based line and column (in characters) of the problem; the line is 0 when
    /// the position is not known, and both are 0 for text that is not UTF-8.
    pub fn position(&self) -> (usize, usize) {
        (self.line, self.column)
    }

    /// The diagnostic (`invalid_state`), its snippet cut from `bytes`: the source named
    /// `name`, as read again (at least up to the problem and its next line). The same
    /// diagnostic [`Loader::add`] gives for those bytes.
    pub fn diagnostic(&self, name: &str, bytes: &[u8]) -> Diagnostic {
        match self.text_ends {
            Some(valid) => {
                let prefix = String::from_utf8_lossy(&bytes[..valid.min(bytes.len())]);
                let (line, column) =
                    SourceFile::new(name, prefix.as_ref()).line_column(prefix.len());
                not_state(name, &prefix, &self.message, line, column)
            }
            None => {
                let text = String::from_utf8_lossy(bytes);
                not_state(name, &text, &self.message, self.line, self.column)
            }
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (line {}, column {})",
            self.message, self.line, self.column
        )
    }
}

/// Why [`Utf8Chars`] stopped before the end of its reader.
enum Failure {
    Io(std::io::Error),
    /// Not UTF-8 from this byte offset.
    NotUtf8(usize),
}

/// The characters of a reader's UTF-8 text, for saphyr's `BufferedInput`. Stops at the
/// first failure and leaves it in `failure`.
struct Utf8Chars<R> {
    reader: R,
    /// The decoded chunk being given out, from byte `at`.
    chunk: String,
    at: usize,
    /// The start of a character that the last read cut in two.
    carry: Vec<u8>,
    /// Bytes of the source before `chunk`.
    consumed: usize,
    failure: Rc<RefCell<Option<Failure>>>,
}

impl<R: Read> Iterator for Utf8Chars<R> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        loop {
            if let Some(c) = self.chunk[self.at..].chars().next() {
                self.at += c.len_utf8();
                return Some(c);
            }
            if self.failure.borrow().is_some() {
                return None;
            }
            self.consumed += self.chunk.len();
            self.chunk.clear();
            self.at = 0;
            let mut bytes = std::mem::take(&mut self.carry);
            let before = bytes.len();
            bytes.resize(before + READ_BUFFER, 0);
            let read = loop {
                match self.reader.read(&mut bytes[before..]) {
                    Ok(read) => break read,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        *self.failure.borrow_mut() = Some(Failure::Io(e));
                        return None;
                    }
                }
            };
            bytes.truncate(before + read);
            if bytes.is_empty() {
                return None;
            }
            let valid = match std::str::from_utf8(&bytes) {
                Ok(_) => bytes.len(),
                // A character cut by the end of this read: kept for the next.
                Err(e) if e.error_len().is_none() && read > 0 => {
                    self.carry = bytes[e.valid_up_to()..].to_vec();
                    e.valid_up_to()
                }
                Err(e) => {
                    let offset = self.consumed + e.valid_up_to();
                    *self.failure.borrow_mut() = Some(Failure::NotUtf8(offset));
                    e.valid_up_to()
                }
            };
            bytes.truncate(valid);
            self.chunk = String::from_utf8(bytes).unwrap_or_default();
        }
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
            let wire = NodeWire::deserialize(MapAccessDeserializer::new(rest))?;
            let latest = wire
                .status
                .conditions
                .iter()
                .filter_map(ConditionWire::latest);
            reading.loader.now = reading.loader.now.max(latest.max());
            let node = wire.into_node();
            reading.loader.nodes.insert(node.name.clone(), node);
        }
        "Pod" => {
            let wire = PodWire::deserialize(MapAccessDeserializer::new(rest))?;
            let created = wire
                .metadata
                .creation_timestamp
                .as_deref()
                .and_then(seconds);
            let latest = wire
                .status
                .conditions
                .iter()
                .filter_map(ConditionWire::latest);
            reading.loader.now = reading.loader.now.max(created).max(latest.max());
            if let Some(requesting) = wire.requesting() {
                reading.loader.requesting.push(requesting);
            }
            if let Some(pod) = wire.into_daemon_pod(&mut reading.loader.shared) {
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
            let created = live.daemonset.metadata.creation_timestamp.as_ref();
            reading.loader.now = reading.loader.now.max(created.map(|t| t.0.as_second()));
            reading
                .loader
                .daemonsets
                .insert((live.namespace.clone(), live.name.clone()), live);
        }
        // The commonest slip: PATHs written after `--state FILE…`, which takes them too.
        "Daemon"
            if api_version
                .as_deref()
                .is_some_and(|v| v.starts_with("everynode.dev/")) =>
        {
            return Err(de::Error::custom(
                "a daemon description is not cluster state: --state takes every argument after it up to the next flag, so write the PATHs before it (everynode plan daemons/ --state cluster.json)",
            ));
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
    #[serde(default, deserialize_with = "list_or_null")]
    conditions: Vec<ConditionWire>,
    #[serde(default, deserialize_with = "quantity_map")]
    allocatable: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConditionWire {
    #[serde(rename = "type")]
    kind: String,
    status: String,
    #[serde(default, deserialize_with = "timestamp")]
    last_transition_time: Option<i64>,
    /// Nodes only: the kubelet's last report, the most recent time a recording holds.
    #[serde(default, deserialize_with = "timestamp")]
    last_heartbeat_time: Option<i64>,
}

impl ConditionWire {
    /// The latest time the condition gives.
    fn latest(&self) -> Option<i64> {
        self.last_transition_time.max(self.last_heartbeat_time)
    }
}

/// An RFC 3339 timestamp (`metav1.Time`, as `2026-11-30T21:41:14Z`), in seconds since the
/// Unix epoch; null or absent is none. Anything else is refused, as the API server's
/// decoder refuses it (a time availability would be decided on must be a time).
fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => seconds(&text).map(Some).ok_or_else(|| {
            de::Error::custom(format!(
                "{text:?} is not a time as Kubernetes writes it (RFC 3339, like 2026-11-30T21:41:14Z)"
            ))
        }),
    }
}

/// A list the recording may write as null, which Go's decoder reads as empty.
fn list_or_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// `timestamp` of a text already read: RFC 3339 as Go's `time.Parse(time.RFC3339, …)`
/// reads it (what metav1.Time's decoder calls), so a date and time joined by `T` and no
/// leap second, which the RFC 3339 grammar allows and Go refuses.
pub fn seconds(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if !matches!(bytes.get(10), Some(b'T' | b't')) || bytes.get(17..19) == Some(b"60") {
        return None;
    }
    text.parse::<k8s_openapi::jiff::Timestamp>()
        .ok()
        .map(|t| t.as_second())
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
                // `Quantity.UnmarshalJSON` trims spaces before it parses.
                .filter_map(|(resource, q)| Some((resource, Quantity::parse(q.trim()).ok()?)))
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
    #[serde(default)]
    creation_timestamp: Option<String>,
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
    #[serde(default)]
    containers: Vec<ContainerWire>,
    #[serde(default)]
    init_containers: Vec<ContainerWire>,
    #[serde(default, deserialize_with = "quantity_map")]
    overhead: BTreeMap<String, String>,
}

/// What the scheduler reads of a container: its requests (else limits) and whether an
/// init container is a sidecar.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ContainerWire {
    #[serde(default)]
    resources: ResourcesWire,
    restart_policy: Option<String>,
}

#[derive(Deserialize, Default)]
struct ResourcesWire {
    #[serde(default, deserialize_with = "quantity_map")]
    requests: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "quantity_map")]
    limits: BTreeMap<String, String>,
}

impl ContainerWire {
    /// Its request of a resource, else its limit (`SetDefaults_Pod` copies limits into
    /// unset requests).
    fn request(&self, resource: &str) -> Option<Quantity> {
        let r = &self.resources;
        let text = r
            .requests
            .get(resource)
            .or_else(|| r.limits.get(resource))?;
        Quantity::parse(text).ok()
    }
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
    #[serde(default, deserialize_with = "list_or_null")]
    conditions: Vec<ConditionWire>,
}

impl PodWire {
    /// What the pod requests on its node, when it is bound and not finished (a Succeeded
    /// or Failed pod holds nothing the scheduler counts).
    fn requesting(&self) -> Option<Requesting> {
        let node = self.spec.node_name.as_ref().filter(|n| !n.is_empty())?;
        if matches!(self.status.phase.as_deref(), Some("Succeeded" | "Failed")) {
            return None;
        }
        let spec = &self.spec;
        let requests = REQUESTED
            .into_iter()
            .filter_map(|resource| {
                let init = spec.init_containers.iter().map(|c| {
                    (
                        c.request(resource),
                        c.restart_policy.as_deref() == Some("Always"),
                    )
                });
                let containers = spec.containers.iter().map(|c| c.request(resource));
                let overhead = spec
                    .overhead
                    .get(resource)
                    .and_then(|q| Quantity::parse(q).ok());
                Some((resource, pod_request(init, containers, overhead)?))
            })
            .collect();
        Some(Requesting {
            namespace: self
                .metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".into()),
            name: self.metadata.name.clone(),
            node: node.clone(),
            requests,
        })
    }

    /// The pod, when a DaemonSet controls it or nothing does (an orphan a DaemonSet may
    /// adopt, `ClaimObject`); `None` for a pod another kind of controller owns.
    fn into_daemon_pod(self, shared: &mut Shared) -> Option<DaemonPod> {
        let ready = self.status.conditions.iter().find(|c| c.kind == "Ready");
        let owner = match controller_of(self.metadata.owner_references) {
            Some(owner) if owner.kind == "DaemonSet" => Some(shared.owner(owner)),
            Some(_) => return None,
            None => None,
        };
        let bound = self.spec.node_name.filter(|n| !n.is_empty());
        let scheduled = bound.is_some();
        let node = bound.or_else(|| target_node_from_affinity(self.spec.affinity?));
        Some(DaemonPod {
            namespace: self.metadata.namespace.unwrap_or_else(|| "default".into()),
            name: self.metadata.name,
            owner,
            node,
            labels: shared.labels(self.metadata.labels),
            terminating: self.metadata.deletion_timestamp.is_some(),
            phase: self.status.phase,
            created: self.metadata.creation_timestamp,
            scheduled,
            // A recording without any condition (a hand-written state, a pod whose status
            // was left out) says nothing about readiness: such a pod counts as ready, so
            // that the rollout is not planned as if every pod were failing.
            ready: ready.is_some_and(|c| c.status == "True") || self.status.conditions.is_empty(),
            ready_since: ready.and_then(|c| c.last_transition_time),
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
    fn quantities_are_trimmed_as_the_json_decoder_trims_them() {
        let mut loader = Loader::default();
        let text = r#"{"kind":"Node","metadata":{"name":"n"},"status":{"allocatable":{"cpu":" 10m","pods":"1 "}}}"#;
        loader.add("n.json", text.as_bytes()).unwrap();
        let node = loader.finish().nodes.pop().unwrap();
        assert_eq!(node.allocatable["cpu"].to_string(), "10m");
        assert_eq!(node.allocatable["pods"].to_string(), "1");
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
    fn a_condition_time_kubernetes_would_refuse_is_an_error_and_null_conditions_are_none() {
        let pod = |time: &str| {
            format!(
                "kind: Pod\nmetadata: {{name: p, namespace: a}}\nstatus:\n  conditions: [{{type: Ready, status: \"True\", lastTransitionTime: \"{time}\"}}]\n"
            )
        };
        // Go's time.Parse(time.RFC3339, …) refuses a space for T, a second 60, no zone.
        for bad in [
            "2024-01-01 00:00:00Z",
            "2024-01-01T00:00:60Z",
            "2024-01-01T00:00:00",
            "soon",
        ] {
            let mut loader = Loader::default();
            let problem = loader.add("s.yaml", pod(bad).as_bytes()).unwrap_err();
            assert!(
                problem.message.contains("is not a time"),
                "{bad}: {}",
                problem.message
            );
        }
        let mut loader = Loader::default();
        loader
            .add("s.yaml", pod("2024-01-01T00:00:00.5+01:00").as_bytes())
            .unwrap();
        let text = "kind: Pod\nmetadata: {name: p, namespace: a}\nstatus: {phase: Running, conditions: null}\n";
        loader.add("n.yaml", text.as_bytes()).unwrap();
        let cluster = loader.finish();
        // No condition at all: nothing says the pod is not ready.
        assert_eq!(cluster.pods.len(), 1);
        assert!(cluster.pods[0].ready);
    }

    #[test]
    fn requests_are_summed_per_node_once_per_pod_and_not_for_finished_pods() {
        let text = r#"
kind: Pod
metadata: {name: web, namespace: shop, creationTimestamp: "2026-01-01T00:00:00Z"}
spec:
  nodeName: n1
  initContainers:
    - {name: proxy, restartPolicy: Always, resources: {requests: {cpu: 20m}}}
    - {name: setup, resources: {requests: {cpu: "2"}}}
  containers:
    - {name: web, resources: {limits: {cpu: 900m, memory: 1Gi}}}
status:
  phase: Running
  conditions: [{type: Ready, status: "True", lastTransitionTime: "2026-01-01T00:01:00Z"}]
---
kind: Pod
metadata: {name: done, namespace: shop}
spec: {nodeName: n1, containers: [{name: job, resources: {requests: {cpu: "4"}}}]}
status: {phase: Succeeded}
"#;
        let mut loader = Loader::default();
        loader.add("a.yaml", text.as_bytes()).unwrap();
        loader.add("b.yaml", text.as_bytes()).unwrap();
        let cluster = loader.finish();
        let n1 = &cluster.requested["n1"];
        // The setup init container with the sidecar before it (2020m) is more than the
        // steady state (920m); limits stand for unset requests; the Succeeded pod and the
        // second copy of `web` count for nothing.
        assert_eq!(n1["cpu"].to_string(), "2020m");
        assert_eq!(n1["memory"].to_string(), "1Gi");
        // "Now" is the latest timestamp: the Ready transition.
        assert_eq!(cluster.now, Some(1_767_225_660));
    }

    #[test]
    fn pods_with_the_same_labels_and_owner_share_one_copy() {
        let two = format!(
            r#"{{"kind": "List", "apiVersion": "v1", "items": [{}, {}]}}"#,
            pod("Running"),
            pod("Running").replace("agent-x", "agent-y")
        );
        let mut loader = Loader::default();
        loader.add("pods.json", two.as_bytes()).unwrap();
        let cluster = loader.finish();
        let [a, b] = &cluster.pods[..] else {
            panic!("two pods: {:?}", cluster.pods)
        };
        assert!(Arc::ptr_eq(&a.labels, &b.labels));
        assert!(Arc::ptr_eq(
            a.owner.as_ref().unwrap(),
            b.owner.as_ref().unwrap()
        ));
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
        assert_eq!(n1.allocatable["memory"].to_string(), "16");
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

    /// A reader that gives one byte per read: every character and token is cut.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buffer.first_mut()) {
                (Some((byte, rest)), Some(slot)) => {
                    *slot = *byte;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn a_reader_gives_what_the_bytes_give() {
        let yaml = "\n\n# nodes\nkind: Node\nmetadata:\n  name: n\u{e9}1\n  labels: {z\u{fc}rich: 'caf\u{e9}'}\n---\nkind: Node\nmetadata: {name: n2}\n";
        let json = format!("  \n{}", pod("Running"));
        for (name, text) in [("a.yaml", yaml), ("-", json.as_str())] {
            let mut from_bytes = Loader::default();
            from_bytes.add(name, text.as_bytes()).unwrap();
            let mut from_reader = Loader::default();
            from_reader
                .add_reader(name, Trickle(text.as_bytes()))
                .unwrap();
            let (a, b) = (from_bytes.finish(), from_reader.finish());
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{name}");
        }
        // YAML errors: the same diagnostic, at the same place, once given the bytes again.
        for (name, text) in [
            (
                "bad.yaml",
                "kind: Node\nmetadata:\n  name: m\n  labels: {gpu: on}\n",
            ),
            ("bad.yml", "kind: Node\nmetadata:\n  name: m\n   x: y\n"),
        ] {
            let expected = Loader::default().add(name, text.as_bytes()).unwrap_err();
            let Err(Unreadable::Invalid(problem)) =
                Loader::default().add_reader(name, Trickle(text.as_bytes()))
            else {
                panic!("{name} should be invalid");
            };
            let got = problem.diagnostic(name, text.as_bytes());
            assert_eq!(got.message, expected.message, "{name}");
            assert_eq!(format!("{got:?}"), format!("{expected:?}"), "{name}");
        }
        // JSON the item splitter does not take, valid or not, is read again whole.
        for text in [
            "{\"kind\": \"List\", \"items\": [\n {\"kind\": \"Node\", \"metadata\": {}}]}",
            "{\"kind\": \"List\", \"items\": [}",
            "{\"kind\": \"List\", \"items\": [{\"kind\": \"Node\", \"metadata\": {\"name\": \"a\"}}",
            "{\"kind\": \"Node\", \"items\": [], \"metadata\": {\"name\": \"a\"}}",
            "[]",
            "{} {}",
            "{\"kind\": \"List\", \"items\": [{\"kind\": \"X\"},]}",
            "{\"kind\": \"List\", \"items\": [{\"kind\": \"X\"} {\"kind\": \"X\"}]}",
        ] {
            assert!(
                matches!(
                    Loader::default().add_reader("x.json", Trickle(text.as_bytes())),
                    Err(Unreadable::NeedsText)
                ),
                "{text}"
            );
        }
        // Lists in every order kubectl and the API server print them, strings holding
        // brackets, quotes and escapes: the same objects as from the bytes.
        let node = |name: &str| {
            format!(
                "{{\"metadata\": {{\"name\": \"{name}\", \"labels\": {{\"a\": \"]}}\\\"{{[\"}}}}}}"
            )
        };
        for text in [
            format!(
                "{{\"apiVersion\": \"v1\", \"items\": [{}, {{\"kind\": \"Node\", \"metadata\": {{\"name\": \"k\"}}}}], \"kind\": \"NodeList\", \"metadata\": {{}}}}",
                node("late")
            ),
            format!(
                "{{\"kind\": \"NodeList\", \"apiVersion\": \"v1\", \"metadata\": {{\"x\": [1]}},\n\"items\": [\n{},\n{}\n]\n}}\n",
                node("a"),
                node("b")
            ),
            format!(
                "{{\"apiVersion\": \"v1\", \"metadata\": {{}}, \"kind\": \"NodeList\", \"items\": [{}]}}",
                node("c")
            ),
            "{\"kind\": \"List\", \"items\": []}".to_string(),
            pod("Running"),
        ] {
            let mut from_bytes = Loader::default();
            from_bytes.add("l.json", text.as_bytes()).unwrap();
            let mut from_reader = Loader::default();
            from_reader
                .add_reader("l.json", Trickle(text.as_bytes()))
                .unwrap();
            let (a, b) = (from_bytes.finish(), from_reader.finish());
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{text}");
            let mut big = Loader::default();
            big.add_reader("l.json", text.as_bytes()).unwrap();
            assert_eq!(format!("{:?}", big.finish()), format!("{b:?}"), "{text}");
        }
        let bad = b"kind: Node\nmetadata:\n  name: caf\xe9\n";
        let Err(Unreadable::Invalid(problem)) = Loader::default().add_reader("n.yaml", &bad[..])
        else {
            panic!("not UTF-8");
        };
        assert_eq!(problem.message(), "the file is not UTF-8 text");
        let expected = Loader::default().add("n.yaml", bad).unwrap_err();
        assert_eq!(
            format!("{:?}", problem.diagnostic("n.yaml", bad)),
            format!("{expected:?}")
        );
        let merge =
            "base: &l {pool: a}\nkind: Node\nmetadata:\n  name: n2\n  labels:\n    <<: *l\n";
        assert!(matches!(
            Loader::default().add_reader("m.yaml", merge.as_bytes()),
            Err(Unreadable::NeedsText)
        ));
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
