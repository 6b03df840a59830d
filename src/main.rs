//! `kubepath`: a thin command line over the kubepath libraries (see ARCHITECTURE.md).

mod cli;
mod config;
mod live;
mod query_cmd;
mod report;
mod timings;

// A large estate is millions of small allocations from two threads; mimalloc serves them
// markedly faster than the system allocator (benches/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::CommandFactory as _;
use kubepath_collectors::files::{LoadStats, load_paths};
use kubepath_engine::Snapshot;
use kubepath_queries::InputSummary;

use crate::cli::{Cli, GraphFormat, ScanFormat};
use crate::config::{Config, Input};

/// Documented exit codes.
pub(crate) const EXIT_OK: u8 = 0;
const EXIT_INPUT_ERROR: u8 = 2;
pub(crate) const EXIT_FAIL_ON: u8 = 3;

fn main() -> ExitCode {
    let cli = report::parse_cli(); // usage errors exit with status 2 here
    match run(Config::resolve(cli.command)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("kubepath: error: {e:#}");
            ExitCode::from(EXIT_INPUT_ERROR)
        }
    }
}

fn run(config: Config) -> Result<u8> {
    match config {
        Config::Scan {
            input,
            search,
            format,
            table,
            fail_on,
            output,
            what_if,
        } => {
            let (snapshot, summary) = timings::stage("read", || load(&input))?;
            let analysis = what_if.analyze(&snapshot, &search)?;
            let text = timings::stage("render", || -> Result<Vec<u8>> {
                Ok(match format {
                    ScanFormat::Table => {
                        kubepath_queries::table::scan(&analysis, &summary, &table).into_bytes()
                    }
                    ScanFormat::Json => {
                        (pretty(&kubepath_queries::json::scan(&analysis, &summary))? + "\n")
                            .into_bytes()
                    }
                    other => {
                        // Markdown and HTML reports end with the fix plan, over the same graph.
                        let extra = match other {
                            ScanFormat::Markdown | ScanFormat::Html
                                if !analysis.chains.is_empty() =>
                            {
                                vec![query_cmd::scan_fix_plan(
                                    &snapshot,
                                    &analysis.graph,
                                    search.max_hops,
                                )?]
                            }
                            _ => Vec::new(),
                        };
                        report::scan(other, &analysis, &summary, &extra)?
                    }
                })
            })?;
            timings::stage("write", || report::emit_to(output.as_deref(), &text))?;
            let failed = fail_on
                .zip(analysis.worst_severity())
                .is_some_and(|(threshold, worst)| worst >= threshold);
            // The process exits next: freeing a large estate's millions of allocations one by
            // one would cost a tenth of the run.
            std::mem::forget((analysis, snapshot));
            Ok(if failed { EXIT_FAIL_ON } else { EXIT_OK })
        }
        Config::Graph {
            input,
            format,
            output,
        } => {
            let (snapshot, _) = load(&input)?;
            let (graph, mut warnings) = kubepath_engine::build_graph(&snapshot);
            warnings.extend(snapshot.warnings.iter().cloned());
            warnings.sort();
            let text = match format {
                GraphFormat::Json => {
                    (pretty(&kubepath_queries::json::graph(&graph, &warnings))? + "\n").into_bytes()
                }
                other => report::graph(other, &graph)?,
            };
            report::emit_to(output.as_deref(), &text)?;
            std::mem::forget((graph, snapshot)); // as for scan: the process exits next
            Ok(EXIT_OK)
        }
        Config::Completions(shell) => {
            let mut buf = Vec::new();
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "kubepath", &mut buf);
            emit(&String::from_utf8_lossy(&buf))?;
            Ok(EXIT_OK)
        }
        Config::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut buf)
                .context("rendering the man page")?;
            emit(&String::from_utf8_lossy(&buf))?;
            Ok(EXIT_OK)
        }
        Config::Query(query) => query.run(),
        Config::Collect { out, live } => Ok(if live::collect_into(&out, &live)? {
            EXIT_OK
        } else {
            EXIT_INPUT_ERROR
        }),
    }
}

/// Read the inputs; an error when nothing at all could be analysed.
pub(crate) fn load(input: &Input) -> Result<(Snapshot, InputSummary)> {
    // `--live`: collect into a temporary folder and read it like any other (removed after).
    let collected = input.live.as_ref().map(live::collect_to_temp).transpose()?;
    let paths = match &collected {
        Some(t) => vec![t.path().to_path_buf()],
        None => input.paths.clone(),
    };
    let (snapshot, stats) = load_paths(&paths, &input.files)?;
    let summary = input_summary(&stats);
    if summary.objects.is_empty() && snapshot.aws.is_empty() {
        let mut msg = format!(
            "no Kubernetes or AWS objects could be read from {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        for w in &snapshot.warnings {
            msg.push_str(&format!("\n  - {w}"));
        }
        anyhow::bail!(msg);
    }
    Ok((snapshot, summary))
}

fn input_summary(stats: &LoadStats) -> InputSummary {
    InputSummary {
        files: stats.files,
        documents: stats.documents,
        objects: stats.objects.clone(),
    }
}

pub(crate) fn pretty(v: &serde_json::Value) -> Result<String> {
    serde_json::to_string_pretty(v).context("rendering JSON")
}

/// Write to stdout; a closed pipe (`kubepath scan ... | head`) is not an error.
pub(crate) fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing to stdout"),
    }
}
