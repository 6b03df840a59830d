//! The command line, as clap sees it. Nothing here does work: `Config::resolve` turns these
//! raw arguments into the settings the rest of the program uses.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "kubepath",
    version,
    about = "Attack paths from the internet to cluster-admin and cloud admin in managed Kubernetes",
    long_about = "kubepath reads Kubernetes manifests or `kubectl get -o json` dumps and \
                  `aws iam get-account-authorization-details` JSON, builds an attack graph and \
                  prints the ranked chains an attacker could walk from the internet to \
                  cluster-admin or AWS account admin, with the evidence and the fix for each step.\n\n\
                  Exit codes: 0 success, 2 usage or input error, 3 a chain at or above --fail-on exists."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find and rank attack chains in files or folders of manifests and cloud dumps.
    Scan(ScanArgs),
    /// Print the whole attack graph: every node and every edge, on a chain or not.
    Graph(GraphArgs),
    /// Print a shell completion script (e.g. `kubepath completions bash > /etc/bash_completion.d/kubepath`).
    Completions(CompletionsArgs),
    /// Print the man page (roff), e.g. `kubepath man > kubepath.1`.
    Man,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Where a report goes.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Write the report to FILE instead of stdout (atomically: a reader never sees half a file).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files or folders (read recursively) of YAML/JSON: Kubernetes objects, Lists,
    /// multi-document YAML, and AWS IAM authorization details.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Namespace for namespaced objects that name none and have no kustomization.yaml
    /// namespace beside them (as `kubectl apply -n NS` would). Default: `default`.
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,

    /// How many chains to list (all are counted).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,

    /// Longest chain to look for, in steps.
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub max_hops: u16,

    /// Exit with status 3 when any chain has this severity or worse.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,

    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = GraphFormat::Json)]
    pub format: GraphFormat,

    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Table,
    Json,
    /// Graphviz DOT of the listed chains.
    Dot,
    /// SVG of the chains (needs graphviz's `dot`).
    Svg,
    /// PNG of the chains (needs graphviz's `dot`).
    Png,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// Markdown, for pull-request comments.
    Markdown,
    /// One self-contained HTML page.
    Html,
    /// BloodHound CE OpenGraph JSON of the whole graph.
    Bloodhound,
    /// A Cypher script (MERGE) loading the whole graph into Neo4j.
    Cypher,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Json,
    /// Graphviz DOT of every node and edge.
    Dot,
    /// SVG (needs graphviz's `dot`).
    Svg,
    /// PNG (needs graphviz's `dot`).
    Png,
    /// BloodHound CE OpenGraph JSON.
    Bloodhound,
    /// A Cypher script (MERGE) for Neo4j.
    Cypher,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Low,
    Medium,
    High,
    Critical,
}
