//! Command-line flags: one registry (clap derive) that feeds parsing, help and errors.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "everynode",
    version,
    about = "A compiler for node daemons on Kubernetes: one description per daemon, one DaemonSet per hardware class"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Compile descriptions into DaemonSets: print them, or write them to a directory.
    Render(RenderArgs),
    /// Check descriptions and DaemonSet manifests: the API server's rules, a strict
    /// schema, requests and image tags, overlaps between DaemonSets, and with --state the
    /// nodes.
    Lint(LintArgs),
    /// Show which node gains, keeps, updates or loses which daemon pod, against a
    /// recorded cluster.
    Plan(PlanArgs),
    /// Show, like kubectl diff, how each rendered DaemonSet differs from the one in a
    /// recorded cluster, after normalizing both sides.
    Diff(DiffArgs),
    /// Explain why a DaemonSet's pod does or does not belong on a node.
    Explain(ExplainArgs),
    /// Print the JSON Schema of the YAML form of a description, of the plan document, of
    /// lint's JSON report, or of the coverage document.
    Schema(SchemaArgs),
    /// Make descriptions of existing DaemonSets (manifests, a recording, or the live
    /// cluster) that render them back unchanged: same name, selector and pod template.
    Import(ImportArgs),
    /// Show which daemon reaches which node pool (existing, or a Karpenter NodePool not
    /// created yet), what blocks it, and what each node of a pool pays in daemon pods.
    Coverage(CoverageArgs),
    /// Print the shell completion script for SHELL (source it, or install it where the
    /// shell looks for completions).
    Completions(CompletionsArgs),
}

impl Command {
    /// The arguments of this command given `-`, by name, once per `-`: standard input can
    /// be read by one of them only.
    pub fn stdin_readers(&self) -> Vec<&'static str> {
        let dashes = |paths: &[PathBuf], name: &'static str| {
            paths
                .iter()
                .filter(|p| p.as_os_str() == "-")
                .map(move |_| name)
                .collect::<Vec<_>>()
        };
        let (paths, state, path_name): (&[PathBuf], &[PathBuf], _) = match self {
            Command::Render(a) => (&a.paths, &[], "PATH"),
            Command::Lint(a) => (&a.paths, &a.state, "PATH"),
            Command::Plan(a) => (&a.paths, &a.state.state, "PATH"),
            Command::Diff(a) => (&a.paths, &a.state.state, "PATH"),
            Command::Explain(a) => (&a.paths, &a.state.state, "--path"),
            Command::Import(a) => (&a.paths, &a.state, "PATH"),
            Command::Coverage(a) => (&a.paths, &a.state, "PATH"),
            Command::Schema(_) | Command::Completions(_) => (&[], &[], "PATH"),
        };
        let mut readers = dashes(paths, path_name);
        readers.extend(dashes(state, "--state"));
        if let Command::Coverage(a) = self {
            readers.extend(dashes(&a.node_pool, "--node-pool"));
        }
        readers
    }
}

/// Coverage needs pools: existing ones (`--state`, `--live`), hypothetical ones
/// (`--node-pool`), or both; the usage error names all three.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("pools").args(["state", "live", "node_pool"]).required(true).multiple(true)))]
pub struct CoverageArgs {
    /// Descriptions and DaemonSet manifests: files or directories (walked recursively;
    /// hidden, target/ and what the .gitignore and .ignore files list skipped), or - for
    /// YAML on standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// The recorded cluster whose nodes make the existing pools (`kubectl get nodes -o
    /// json|yaml`): files, directories of them, or - for standard input. Every word after
    /// --state is a source, so put PATHs before it.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub state: Vec<PathBuf>,
    /// Read the nodes of the kubeconfig's cluster instead, read-only (list and get only).
    #[arg(long, conflicts_with = "state")]
    pub live: bool,
    /// With --live: the kubeconfig context to use [default: the current one].
    #[arg(long, value_name = "NAME", conflicts_with = "state")]
    pub context: Option<String>,
    /// A pool that does not exist yet: a YAML file of Karpenter NodePools (karpenter.sh/v1)
    /// or of Nodes as `kubectl get node -o yaml` prints them, or - for standard input. One
    /// file per flag: repeat it for more (`--node-pool a.yaml --node-pool b.yaml`).
    #[arg(long = "node-pool", value_name = "FILE")]
    pub node_pool: Vec<PathBuf>,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = CoverageFormat::Human)]
    pub format: CoverageFormat,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CoverageFormat {
    Human,
    Json,
    Markdown,
}

#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// DaemonSet manifests, or what `kubectl get ds -o json|yaml` printed: files,
    /// directories of them, or - for standard input.
    pub paths: Vec<PathBuf>,
    /// Import the DaemonSets of a recorded cluster (`kubectl get … -o json|yaml`).
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with = "live")]
    pub state: Vec<PathBuf>,
    /// Import the DaemonSets of the kubeconfig's cluster, read-only (list and get only).
    #[arg(long)]
    pub live: bool,
    /// With --live: the kubeconfig context to use [default: the current one].
    #[arg(long, value_name = "NAME", conflicts_with = "state")]
    pub context: Option<String>,
    /// Only this DaemonSet, NAMESPACE/NAME (repeatable); takes it even when something
    /// else manages it.
    #[arg(long, value_name = "NAMESPACE/NAME")]
    pub daemonset: Vec<String>,
    /// The form of the descriptions.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ImportFormat::Kdl)]
    pub output: ImportFormat,
    /// Write one file per daemon, DIR/NAMESPACE/DAEMON.kdl (or .yaml), replacing only
    /// files an earlier import wrote.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ImportFormat {
    Kdl,
    Yaml,
}

/// Where the cluster's state comes from: a recording, or the live cluster.
#[derive(clap::Args)]
pub struct StateArgs {
    /// What `kubectl get nodes,daemonsets,pods -A -o json|yaml` printed: files,
    /// directories of them, or - for standard input. Several sources merge; every word
    /// after --state is a source, so put PATHs before it.
    #[arg(long, value_name = "FILE", num_args = 1.., required_unless_present = "live")]
    pub state: Vec<PathBuf>,
    /// Read the cluster of the kubeconfig instead, read-only (list and get only).
    #[arg(long, conflicts_with = "state")]
    pub live: bool,
    /// With --live: the kubeconfig context to use [default: the current one].
    // `requires = "live"` cannot see a flag's absence (its default counts as present), so
    // the rule is said the other way round: no --context beside --state.
    #[arg(long, value_name = "NAME", conflicts_with = "state")]
    pub context: Option<String>,
}

#[derive(clap::Args)]
pub struct LintArgs {
    /// Descriptions and DaemonSet manifests: files or directories (walked recursively;
    /// hidden, target/ and what the .gitignore and .ignore files list skipped), or - for
    /// YAML on standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    pub format: LintFormat,
    /// Exit 1 on warnings too, not only on errors.
    #[arg(long)]
    pub deny_warnings: bool,
    /// A recorded cluster (as for plan): adds the rules that need nodes. Every word after
    /// --state is a source, so put PATHs before it.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub state: Vec<PathBuf>,
    /// The configuration file that allows rules repository-wide [default: .everynode.yaml
    /// when present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LintFormat {
    Human,
    Json,
    Sarif,
    Github,
    /// JUnit XML, for the test reports of Jenkins, GitLab and GitHub Actions.
    Junit,
    /// GitLab Code Quality JSON (artifacts:reports:codequality).
    Gitlab,
    /// GitHub-flavoured Markdown, for a pull-request comment or a step summary.
    Markdown,
}

#[derive(clap::Args)]
pub struct PlanArgs {
    /// Descriptions and DaemonSet manifests: files or directories (walked recursively;
    /// hidden, target/ and what the .gitignore and .ignore files list skipped), or - for
    /// YAML on standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub state: StateArgs,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Exit 1 when the plan changes anything.
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(clap::Args)]
pub struct DiffArgs {
    /// Descriptions and DaemonSet manifests (as for plan).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub state: StateArgs,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    Human,
    /// GitHub-flavoured Markdown, for a pull-request comment or a step summary.
    Markdown,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum PlanFormat {
    Human,
    Json,
    /// GitHub-flavoured Markdown, for a pull-request comment or a step summary.
    Markdown,
}

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// The DaemonSet: NAMESPACE/NAME, or NAME when one namespace has it.
    pub daemonset: String,
    /// The node to explain.
    #[arg(long, value_name = "NODE")]
    pub node: String,
    /// Descriptions and DaemonSet manifests (as for plan).
    #[arg(long = "path", value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(clap::Args)]
pub struct SchemaArgs {
    /// Which schema: the description's YAML form, the plan document, or lint's report.
    #[arg(value_enum, default_value_t = SchemaKind::Daemon)]
    pub kind: SchemaKind,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SchemaKind {
    Daemon,
    Plan,
    Lint,
    Coverage,
}

#[derive(clap::Args)]
pub struct RenderArgs {
    /// Description files or directories (walked recursively; hidden, target/ and what the
    /// .gitignore and .ignore files list skipped), or - for YAML on standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format on standard output.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Yaml)]
    pub output: Format,
    /// Write one file per DaemonSet, DIR/NAMESPACE/NAME.yaml, and remove the ones it wrote
    /// before that are no longer rendered.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// With --out: write nothing, exit 1 if DIR is not what render would write.
    #[arg(long, requires = "out")]
    pub check: bool,
    /// Only the DaemonSets of this daemon, every merge applied (not with --out, which
    /// would prune every other daemon's files).
    #[arg(long, value_name = "NAME", conflicts_with = "out")]
    pub daemon: Option<String>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}
