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
    /// The best chains between two node selections (default: internet to the admin sinks).
    Paths(PathsArgs),
    /// Blast radius: every node a selection reaches, by kind, with the likeliest chain to each.
    Reach(ReachArgs),
    /// Reverse reach: every node that can reach a selection, with its likeliest chain.
    WhoCan(WhoCanArgs),
    /// One chain or one edge in full: every step, its evidence, ATT&CK id, fix and likelihood.
    Explain(ExplainArgs),
    /// The nodes, edges and objects the most chains go through.
    Chokepoints(ChokepointsArgs),
    /// The fewest fixes that cut every chain (a minimum cut), checked by searching again.
    FixPlan(FixPlanArgs),
    /// Chains added, removed and changed between two snapshots (for pull requests).
    Diff(DiffArgs),
    /// Collect the live cluster (as kubectl connects) into a snapshot folder that `scan`
    /// reads: one List JSON per kind, kubepath.yaml with facts and coverage gaps.
    Collect(CollectArgs),
    /// Print a shell completion script (e.g. `kubepath completions bash > /etc/bash_completion.d/kubepath`).
    Completions(CompletionsArgs),
    /// Print the man page (roff), e.g. `kubepath man > kubepath.1`.
    Man,
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

    /// Do not collect the AWS account (IAM, and the EKS cluster's access entries and pod
    /// identity associations).
    #[arg(long)]
    pub no_aws: bool,

    /// AWS profile, as `aws --profile` (default: AWS_PROFILE, then `default`).
    #[arg(long, value_name = "NAME")]
    pub aws_profile: Option<String>,

    /// AWS region, as `aws --region` (default: AWS_REGION, the profile, IMDS).
    #[arg(long, value_name = "REGION")]
    pub aws_region: Option<String>,

    /// Endpoint for every AWS service, as `aws --endpoint-url` (default: AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL")]
    pub aws_endpoint_url: Option<String>,

    /// The EKS cluster to describe (default: the region's only cluster).
    #[arg(long, value_name = "NAME")]
    pub cluster_name: Option<String>,

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

    #[command(flatten)]
    pub out: OutputArgs,

    #[command(flatten)]
    pub what_if: WhatIfArgs,
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

/// What-if: analyse as if some steps were fixed.
#[derive(Debug, Args, Default)]
pub struct WhatIfArgs {
    /// Analyse as if this were fixed: an edge `FROM -[TECHNIQUE]-> TO` (as fix-plan prints
    /// it) or an object (`ClusterRoleBinding/NAME`, `Deployment/NS/NAME`, an ARN; `*` globs),
    /// removing every step whose evidence rests on it. Repeatable.
    #[arg(long, value_name = "EDGE|OBJECT", value_parser = parse_fix)]
    pub assume_fixed: Vec<kubepath_engine::what_if::Fix>,

    /// A file of fixes for --assume-fixed, one a line (`#` starts a comment). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub assume_fixed_file: Vec<PathBuf>,
}

fn parse_fix(s: &str) -> Result<kubepath_engine::what_if::Fix, String> {
    kubepath_engine::what_if::Fix::parse(s).map_err(|e| e.to_string())
}

fn parse_selector(s: &str) -> Result<kubepath_queries::select::Selector, String> {
    kubepath_queries::select::Selector::parse(s).map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    Table,
    Json,
}

/// Input, output and search settings every query shares.
#[derive(Debug, Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = QueryFormat::Table)]
    pub format: QueryFormat,

    /// Longest chain to look for, in steps.
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub max_hops: u16,

    #[command(flatten)]
    pub what_if: WhatIfArgs,
}

/// Selectors: `internet`, `cluster-admin`, `cloud-admin`, `admin`, `kind:KIND`, or a node id
/// pattern `KIND:GLOB` (`workload:prod/*`, `sa:*/default`, `aws-role:*Admin*`); commas join.
#[derive(Debug, Args)]
pub struct PathsArgs {
    #[command(flatten)]
    pub query: QueryArgs,

    /// Where chains start (a selector).
    #[arg(long, value_name = "SELECTOR", default_value = "internet", value_parser = parse_selector)]
    pub from: kubepath_queries::select::Selector,

    /// Where chains end (a selector).
    #[arg(long, value_name = "SELECTOR", default_value = "admin", value_parser = parse_selector)]
    pub to: kubepath_queries::select::Selector,

    /// How many chains to list (all are counted).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct ReachArgs {
    #[command(flatten)]
    pub query: QueryArgs,

    /// Where the attacker stands (a selector, e.g. `workload:prod/*`).
    #[arg(long, value_name = "SELECTOR", default_value = "internet", value_parser = parse_selector)]
    pub from: kubepath_queries::select::Selector,
}

#[derive(Debug, Args)]
pub struct WhoCanArgs {
    #[command(flatten)]
    pub query: QueryArgs,

    /// What must not be reached (a selector, e.g. `kind:secret` or `cloud-admin`).
    #[arg(long = "reach", value_name = "SELECTOR", value_parser = parse_selector)]
    pub reach: kubepath_queries::select::Selector,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A chain: its rank in the scan (`3`) or `FROM->TO` (selectors); or an edge
    /// `FROM -[TECHNIQUE]-> TO`.
    #[arg(value_name = "ID")]
    pub id: String,

    #[command(flatten)]
    pub query: QueryArgs,
}

#[derive(Debug, Args)]
pub struct ChokepointsArgs {
    #[command(flatten)]
    pub query: QueryArgs,

    /// How many of each (nodes, edges, objects) to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct FixPlanArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FixPlanFormat::Table)]
    pub format: FixPlanFormat,

    /// Longest chain to look for, in steps.
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub max_hops: u16,

    #[command(flatten)]
    pub what_if: WhatIfArgs,

    /// Where chains start (a selector).
    #[arg(long, value_name = "SELECTOR", default_value = "internet", value_parser = parse_selector)]
    pub from: kubepath_queries::select::Selector,

    /// Where chains end (a selector).
    #[arg(long, value_name = "SELECTOR", default_value = "admin", value_parser = parse_selector)]
    pub to: kubepath_queries::select::Selector,
}

/// `fix-plan` also renders as a pull-request comment or a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FixPlanFormat {
    Table,
    Json,
    /// Markdown, for pull-request comments.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The snapshot before the change (a file or folder).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,

    /// The snapshot after the change (a file or folder).
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    /// Namespace for objects that name none (as for scan).
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = QueryFormat::Table)]
    pub format: QueryFormat,

    /// Longest chain to look for, in steps.
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub max_hops: u16,

    /// Exit with status 3 when `new`: any chain was added; or a severity: an added chain, or
    /// a changed chain whose score rose, has that severity or worse.
    #[arg(long, value_enum, value_name = "new|SEVERITY")]
    pub fail_on: Option<DiffFailOn>,

    #[command(flatten)]
    pub what_if: WhatIfArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFailOn {
    New,
    Low,
    Medium,
    High,
    Critical,
}
