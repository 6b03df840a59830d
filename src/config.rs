//! Settings resolved from the command line and the environment. The engine, collectors and
//! renderers receive these values, never clap types.

use std::io::IsTerminal;
use std::path::PathBuf;

use kubepath_collectors::files::FileOptions;
use kubepath_engine::search::{Options, Severity};
use kubepath_queries::table::TableStyle;

use crate::cli::{Command, FailOn, GraphFormat, InputArgs, LiveArgs, ScanArgs, ScanFormat};

pub struct Input {
    pub paths: Vec<PathBuf>,
    pub files: FileOptions,
    /// `--live`: collect first, then read what was collected.
    pub live: Option<Live>,
}

/// What to collect live, and how.
pub struct Live {
    /// `None` with `--no-kubernetes`.
    pub kube: Option<kubepath_collectors::live::kube::KubeOptions>,
    /// `None` with `--no-aws`.
    pub aws: Option<kubepath_collectors::live::aws::AwsOptions>,
    /// Progress and the collection summary on stderr.
    pub quiet: bool,
}

pub enum Config {
    Scan {
        input: Input,
        search: Options,
        format: ScanFormat,
        table: TableStyle,
        fail_on: Option<Severity>,
        output: Option<PathBuf>,
        what_if: crate::query_cmd::WhatIf,
    },
    Graph {
        input: Input,
        format: GraphFormat,
        output: Option<PathBuf>,
    },
    Completions(clap_complete::Shell),
    Man,
    /// paths, reach, who-can, explain, chokepoints, fix-plan, diff.
    Query(crate::query_cmd::Query),
    Collect {
        out: PathBuf,
        live: Live,
    },
}

impl Config {
    pub fn resolve(command: Command) -> Config {
        match command {
            Command::Scan(args) => scan(args),
            Command::Graph(args) => Config::Graph {
                input: input(args.input),
                format: args.format,
                output: args.out.output,
            },
            Command::Collect(args) => Config::Collect {
                out: args.out,
                live: live(args.live),
            },
            Command::Completions(args) => Config::Completions(args.shell),
            Command::Man => Config::Man,
            other => Config::Query(crate::query_cmd::Query::resolve(other)),
        }
    }
}

fn live(args: LiveArgs) -> Live {
    use kubepath_collectors::live::kube::{KubeOptions, Limits};
    let progress = !args.quiet && std::io::stderr().is_terminal();
    Live {
        kube: (!args.no_kubernetes).then(|| KubeOptions {
            kubeconfig: args.kubeconfig,
            context: args.context,
            limits: Limits {
                qps: args.qps.max(0.0),
                concurrency: usize::from(args.concurrency),
                timeout: std::time::Duration::from_secs(args.request_timeout),
                ..Limits::default()
            },
            progress,
            ..KubeOptions::default()
        }),
        aws: (!args.no_aws).then(|| kubepath_collectors::live::aws::AwsOptions {
            profile: args.aws_profile,
            region: args.aws_region,
            endpoint_url: args.aws_endpoint_url,
            cluster_name: args.cluster_name,
            ..Default::default()
        }),
        quiet: args.quiet,
    }
}

pub(crate) fn input(args: InputArgs) -> Input {
    Input {
        paths: args.paths,
        files: FileOptions {
            default_namespace: args.namespace,
        },
        live: args.live.then(|| live(args.live_args)),
    }
}

fn scan(args: ScanArgs) -> Config {
    let stdout_tty = std::io::stdout().is_terminal();
    // NO_COLOR (https://no-color.org): any non-empty value disables colour.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&w| w > 0)
        .unwrap_or(100);
    // Colour only for a terminal: never into a file.
    let stdout_tty = stdout_tty && args.out.output.is_none();
    let what_if = crate::query_cmd::WhatIf::resolve(args.what_if);
    Config::Scan {
        output: args.out.output,
        what_if,
        input: input(args.input),
        search: Options {
            max_hops: usize::from(args.max_hops),
            top: args.top,
        },
        format: args.format,
        table: TableStyle {
            width,
            color: stdout_tty && !no_color,
            ..TableStyle::default()
        },
        fail_on: args.fail_on.map(|f| match f {
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
            FailOn::Critical => Severity::Critical,
        }),
    }
}

/// The table style every command uses: width from `COLUMNS`, colour on a terminal unless
/// `NO_COLOR` is set.
pub(crate) fn table_style() -> TableStyle {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&w| w > 0)
        .unwrap_or(100);
    TableStyle {
        width,
        color: std::io::stdout().is_terminal() && !no_color,
        ..TableStyle::default()
    }
}
