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
