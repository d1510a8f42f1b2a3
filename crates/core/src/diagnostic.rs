//! Diagnostics: every problem with the input is a value, collected and reported together.
//!
//! One registry (`codes!`) names every problem: the same snake_case string is the miette
//! code, the JSON `code` and the SARIF `ruleId`, and the README's table is generated from it.

use std::fmt;
use std::sync::Arc;

use miette::{LabeledSpan, MietteSpanContents, SourceCode, SpanContents};

use everynode_k8s::validation::Reason;

use crate::source::{SourceFile, Span};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($($name:ident: $severity:ident, $summary:literal;)*) => {
        /// Every problem everynode reports, by its stable name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[allow(non_camel_case_types)]
        pub enum Code { $($name,)* }

        impl Code {
            pub const ALL: &[Code] = &[$(Code::$name,)*];

            /// The stable name: miette code, JSON `code`, SARIF `ruleId`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => stringify!($name),)* }
            }

            /// The severity this problem has unless configured otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $(Code::$name => Severity::$severity,)* }
            }

            /// One line on what the problem is, for documentation and SARIF rules.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$name => $summary,)* }
            }
        }
    };
}

codes! {
    // Reading input.
    io_error: Error, "a file or directory could not be read";
    not_text: Error, "a file is not UTF-8 text";
    file_too_large: Error, "a file under PATH is larger than everynode reads";
    kdl_syntax: Error, "the KDL is malformed";
    yaml_syntax: Error, "the YAML or JSON is malformed";
    nesting_too_deep: Error, "a document nests deeper than any description needs";
    // The description language.
    unknown_node: Error, "a KDL node that the description language does not have";
    unknown_property: Error, "a property or field that the node does not take";
    wrong_type: Error, "a value of the wrong type";
    missing_value: Error, "a required argument or field is missing";
    unexpected_argument: Error, "more arguments than the node takes";
    duplicate_setting: Error, "a setting given twice where only one is allowed";
    schema_violation: Error, "a YAML description or a DaemonSet manifest does not follow its JSON Schema";
    invalid_patch: Error, "a patch is not a YAML mapping or breaks the DaemonSet";
    // everynode's own rules.
    duplicate_daemon: Error, "two daemons with the same namespace and name";
    duplicate_class: Error, "two classes of one daemon with the same name";
    catch_all_not_last: Error, "a class without match comes before other classes";
    unreachable_class: Error, "a class can never match because earlier classes cover it";
    inexact_negation: Error, "a Gt/Lt class is followed by classes that would need its exact negation";
    too_many_terms: Error, "the generated node affinity would have too many terms";
    conflicting_volume: Error, "two mounts give one volume name different sources";
    missing_image: Error, "a container has no image";
    // What the API server rejects.
    invalid_name: Error, "a name is not a valid DNS-1123 name";
    invalid_label: Error, "a label key or value is not valid";
    invalid_quantity: Error, "a resource quantity is not valid";
    invalid_resource_name: Error, "a resource name is not valid";
    invalid_port: Error, "a port number or name is not valid";
    duplicate_port: Error, "two ports of one container share a name";
    duplicate_container: Error, "two containers share a name";
    requests_exceed_limits: Error, "a resource request is larger than its limit";
    invalid_env: Error, "an environment variable is not valid";
    invalid_toleration: Error, "a toleration is not valid";
    invalid_node_selector: Error, "a node selector requirement is not valid";
    invalid_update_strategy: Error, "the update strategy is not valid";
    invalid_probe: Error, "a probe or lifecycle handler is not valid";
    invalid_volume: Error, "a volume or one of its sources is not valid";
    invalid_volume_mount: Error, "a volume mount or device is not valid";
    invalid_security_context: Error, "a security context, sysctl or host namespace setting is not valid";
    invalid_os: Error, "spec.os or a Windows rule is broken";
    invalid_dns: Error, "the DNS policy, DNS config or a host alias is not valid";
    invalid_resources: Error, "resources break a rule beyond their syntax (hugepages, extended resources)";
    invalid_scheduling: Error, "topology spread, pod affinity, scheduling or readiness gates are not valid";
    invalid_field: Error, "a field has a value the API server rejects";
    selector_mismatch: Error, "the selector does not match the template labels";
    // Commands.
    unknown_daemon: Error, "--daemon names no daemon in the descriptions";
    no_descriptions: Warning, "no description was found under the given paths";
    // The cluster state.
    invalid_state: Error, "a --state source is not what kubectl get prints";
    no_nodes: Warning, "the state holds no Node objects";
    unknown_template_node: Warning, "a pod template's spec.nodeName names no node of the state";
    orphan_selector_overlap: Warning, "an orphan pod of the state that two DaemonSets' selectors select: whichever controller syncs first adopts it";
    released_pods: Warning, "pods a DaemonSet owns that its selector no longer selects: released, they keep running, owned by no one";
    live_cluster: Error, "the live cluster cannot be read (kubeconfig, network, credentials, permissions)";
    duplicate_daemonset: Error, "two DaemonSets to plan share a namespace and name";
    unknown_daemonset: Error, "explain or import names a DaemonSet that is not among its inputs";
    unknown_node_name: Error, "explain names a node that is not in the state";
    not_compared: Warning, "diff cannot compare a field the DaemonSet API everynode knows (Kubernetes 1.33) lacks";
    removed_api_version: Warning, "a DaemonSet manifest uses an API version that Kubernetes removed";
    // import.
    not_importable: Error, "import cannot take a DaemonSet: a removed API version, or one the API server would reject";
    import_skipped: Warning, "import leaves out a DaemonSet something else manages (the addon manager, an owner, an operator)";
    import_patch: Warning, "an imported DaemonSet has fields the language has no place for: they are kept in a patch";
    import_shared_selector: Warning, "DaemonSets imported as one daemon share one pod selector, which import keeps";
    // lint: quality and the rules across objects.
    missing_requests: Warning, "a container requests no cpu or no memory";
    image_latest: Warning, "an image has no tag, or the tag latest";
    dead_node_selection: Warning, "a node affinity requirement the API server accepts but no node can ever satisfy";
    selector_overlap: Error, "two DaemonSets in a namespace can select the same pods";
    daemon_overlap: Error, "two DaemonSets of one daemon can both run on one node";
    host_port_collision: Error, "two DaemonSets that can share a node take the same host port";
    unreachable_nodes: Warning, "nodes a DaemonSet selects carry a taint it does not tolerate";
    two_copies: Error, "a node of the state would run two pods of one daemon";
    requests_exceed_allocatable: Error, "the daemon pods of a node request more than it can allocate";
    surge_host_port: Error, "maxSurge with a host port: the surge pod cannot start beside the old one, so the rollout stalls";
    surge_no_room: Error, "maxSurge where a node cannot fit a second copy of the pod beside what its pods request";
    slow_rollout: Warning, "a rolling update that takes more waves than the configured limit";
    rollout_stuck: Warning, "a rollout of the recording is stuck now: new pods not available use the whole budget";
    invalid_config: Error, "the lint configuration file is malformed";
    invalid_node_pool: Error, "a --node-pool file is not a Karpenter NodePool (karpenter.sh/v1) or Nodes, or is malformed";
    undecided_requirement: Warning, "a NodePool requirement uses an operator everynode does not model: coverage on its key is not decided";
    unknown_rule: Warning, "an everynode:allow comment names a rule everynode does not have";
}

impl From<Reason> for Code {
    /// The code of each family of the API server's rules.
    fn from(reason: Reason) -> Code {
        match reason {
            Reason::DuplicateContainer => Code::duplicate_container,
            Reason::DuplicatePort => Code::duplicate_port,
            Reason::InvalidField => Code::invalid_field,
            Reason::InvalidLabel => Code::invalid_label,
            Reason::InvalidName => Code::invalid_name,
            Reason::InvalidNodeSelector => Code::invalid_node_selector,
            Reason::InvalidPort => Code::invalid_port,
            Reason::InvalidQuantity => Code::invalid_quantity,
            Reason::InvalidResourceName => Code::invalid_resource_name,
            Reason::InvalidToleration => Code::invalid_toleration,
            Reason::InvalidUpdateStrategy => Code::invalid_update_strategy,
            Reason::InvalidProbe => Code::invalid_probe,
            Reason::InvalidVolume => Code::invalid_volume,
            Reason::InvalidVolumeMount => Code::invalid_volume_mount,
            Reason::InvalidEnv => Code::invalid_env,
            Reason::InvalidSecurityContext => Code::invalid_security_context,
            Reason::InvalidOs => Code::invalid_os,
            Reason::InvalidDns => Code::invalid_dns,
            Reason::InvalidResources => Code::invalid_resources,
            Reason::InvalidScheduling => Code::invalid_scheduling,
            Reason::MissingImage => Code::missing_image,
            Reason::MissingValue => Code::missing_value,
            Reason::RequestsExceedLimits => Code::requests_exceed_limits,
            Reason::SelectorMismatch => Code::selector_mismatch,
        }
    }
}

/// `1 node`, `3 nodes`: a count with its noun, as messages and reports write it.
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem: what, where, and how to fix it.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub file: Option<Arc<SourceFile>>,
    pub span: Option<Span>,
    pub label: Option<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A problem with the given code at its default severity, not yet placed.
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            file: None,
            span: None,
            label: None,
            help: None,
        }
    }

    /// Places the problem in a file; `label` says what is wrong at that spot.
    pub fn at(
        mut self,
        file: &Arc<SourceFile>,
        span: impl Into<Span>,
        label: impl Into<String>,
    ) -> Self {
        self.file = Some(file.clone());
        self.span = Some(span.into());
        self.label = Some(label.into());
        self
    }

    /// Names the file without a position (I/O errors).
    pub fn in_file(mut self, file: &Arc<SourceFile>) -> Self {
        self.file = Some(file.clone());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `path:line:column` of the problem, or the path alone, or nothing.
    pub fn location(&self) -> Option<String> {
        let file = self.file.as_ref()?;
        Some(match self.span {
            Some(span) => file.location(span),
            None => file.name(),
        })
    }

    /// The 1-based line and column of the start, if the problem has a position.
    pub fn line_column(&self) -> Option<(usize, usize)> {
        Some(self.file.as_ref()?.line_column(self.span?.offset()))
    }

    /// A stable order: by file, position, code and message.
    pub fn sort_key(&self) -> (String, usize, Code, String) {
        (
            self.file.as_ref().map(|f| f.name()).unwrap_or_default(),
            self.span.map_or(0, |s| s.offset()),
            self.code,
            self.message.clone(),
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        match (&self.file, self.span) {
            (Some(file), Some(_)) => Some(file.as_ref()),
            _ => None,
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            self.label.clone(),
            span,
        ))))
    }
}

/// A source file shows its own name in the snippet header (`╭─[path:line:col]`).
impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &Span,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, miette::MietteError> {
        let contents = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name(),
            contents.data(),
            *contents.span(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        )))
    }
}

/// Diagnostics of a whole run, in a stable order with exact repeats removed (a problem
/// in a daemon's settings shows up once, not once per class).
pub fn sorted(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics.sort_by_key(Diagnostic::sort_key);
    diagnostics.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.label == b.label);
    diagnostics
}

/// Whether any of the diagnostics is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// The closest of `candidates` to a misspelt `name`, for a "did you mean" help line.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}
