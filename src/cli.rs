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
    /// Collect the live cluster (as kubectl connects) into a snapshot folder that `scan`
    /// reads: one List JSON per kind, kubepath.yaml with facts and coverage gaps.
    Collect(CollectArgs),
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Folder to write (created; an earlier collection there is replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    #[command(flatten)]
    pub live: LiveArgs,
}

/// How to reach the live cluster (`collect`, `scan --live`, `graph --live`).
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Do not collect the Kubernetes cluster.
    #[arg(long)]
    pub no_kubernetes: bool,

    /// Kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Client-side limit on API requests per second (0: none).
    #[arg(long, default_value_t = 20.0, value_name = "N")]
    pub qps: f64,

    /// API requests in flight at once.
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    /// Per-request timeout, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,

    /// No progress on stderr (it is shown only when stderr is a terminal).
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files or folders (read recursively) of YAML/JSON: Kubernetes objects, Lists,
    /// multi-document YAML, and AWS IAM authorization details.
    #[arg(required_unless_present = "live", value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Collect the live cluster first (into a temporary folder) and analyse that, exactly
    /// as `kubepath collect --out DIR` then a run on DIR would.
    #[arg(long, conflicts_with = "paths")]
    pub live: bool,

    #[command(flatten)]
    pub live_args: LiveArgs,

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
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = GraphFormat::Json)]
    pub format: GraphFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Low,
    Medium,
    High,
    Critical,
}
