//! The report formats beyond table and JSON (`--format dot|svg|png|sarif|markdown|html|
//! bloodhound|cypher`), where the output goes (`--output FILE`, written atomically), and the
//! program's name when run as a kubectl plugin.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail};
use clap::{CommandFactory as _, FromArgMatches as _};
use kubepath_engine::AttackGraph;
use kubepath_queries::html::Figure;
use kubepath_queries::{Analysis, InputSummary};

use crate::cli::{Cli, GraphFormat, ScanFormat};

/// The kubectl plugin name: `kubectl kubepath ...` runs `kubectl-kubepath` from PATH.
pub const PLUGIN_NAME: &str = "kubectl-kubepath";

/// Parse the command line. Under the plugin name the program behaves the same; only its
/// help and usage say `kubectl kubepath`, the command the user typed.
pub fn parse_cli() -> Cli {
    let mut cmd = Cli::command();
    let invoked = std::env::args_os()
        .next()
        .map(|a| {
            Path::new(&a)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    if invoked == PLUGIN_NAME {
        cmd = cmd.bin_name("kubectl kubepath");
    }
    let matches = cmd.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// A scan report in one of the formats `main` does not render itself.
pub fn scan(
    format: ScanFormat,
    analysis: &Analysis,
    input: &InputSummary,
    extra: &[kubepath_queries::markdown::Section],
) -> Result<Vec<u8>> {
    use kubepath_queries::{bloodhound, cypher, dot, html, markdown, sarif};
    Ok(match format {
        ScanFormat::Dot => dot::scan(analysis).into_bytes(),
        ScanFormat::Svg => graphviz(&dot::scan(analysis), "svg")?,
        ScanFormat::Png => graphviz(&dot::scan(analysis), "png")?,
        ScanFormat::Sarif => json(&sarif::scan(analysis, env!("CARGO_PKG_VERSION")))?,
        ScanFormat::Markdown => markdown::scan(analysis, input, extra).into_bytes(),
        ScanFormat::Html => {
            let svg = if analysis.chains.is_empty() {
                Err("there is no chain to draw.".to_string())
            } else {
                graphviz(&dot::scan(analysis), "svg")
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .map_err(|e| format!("{e:#}"))
            };
            let figure = match &svg {
                Ok(s) => Figure::Svg(s),
                Err(why) => Figure::Unavailable(why),
            };
            html::scan(analysis, input, figure, extra).into_bytes()
        }
        ScanFormat::Bloodhound => json(&bloodhound::graph(&analysis.graph, &analysis.chains))?,
        ScanFormat::Cypher => cypher::graph(&analysis.graph, &analysis.chains).into_bytes(),
        // Rendered by `main`; kept here so every format has one answer.
        ScanFormat::Table | ScanFormat::Json => {
            bail!("internal: {format:?} is rendered by main")
        }
    })
}

/// A graph report in one of the formats `main` does not render itself.
pub fn graph(format: GraphFormat, g: &AttackGraph) -> Result<Vec<u8>> {
    use kubepath_queries::{bloodhound, cypher, dot};
    Ok(match format {
        GraphFormat::Dot => dot::graph(g, &[]).into_bytes(),
        GraphFormat::Svg => graphviz(&dot::graph(g, &[]), "svg")?,
        GraphFormat::Png => graphviz(&dot::graph(g, &[]), "png")?,
        GraphFormat::Bloodhound => json(&bloodhound::graph(g, &[]))?,
        GraphFormat::Cypher => cypher::graph(g, &[]).into_bytes(),
        GraphFormat::Json => bail!("internal: json is rendered by main"),
    })
}

fn json(v: &serde_json::Value) -> Result<Vec<u8>> {
    let mut s = serde_json::to_string_pretty(v).context("rendering JSON")?;
    s.push('\n');
    Ok(s.into_bytes())
}

/// Run graphviz's `dot -T<format>` on `dot_text`. `KUBEPATH_DOT` names another binary.
pub fn graphviz(dot_text: &str, format: &str) -> Result<Vec<u8>> {
    let program = std::env::var_os("KUBEPATH_DOT").unwrap_or_else(|| "dot".into());
    let mut child = match Command::new(&program)
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "rendering {} needs graphviz's `dot` program, which is not installed \
             (Debian/Ubuntu package `graphviz`: `apt-get install graphviz`; macOS: \
             `brew install graphviz`)",
            format.to_uppercase()
        ),
        Err(e) => {
            return Err(e).with_context(|| format!("running {}", program.to_string_lossy()));
        }
    };
    // Write on a thread: a big graph fills the pipe while `dot` already writes its output.
    let mut stdin = child.stdin.take().context("dot's stdin")?;
    let input = dot_text.as_bytes().to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().context("waiting for dot")?;
    let written = writer.join();
    if !out.status.success() {
        bail!(
            "graphviz `dot -T{format}` failed ({}): {}",
            out.status,
            // graphviz can print thousands of lines; the first few say what went wrong.
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    match written {
        Ok(Ok(())) => Ok(out.stdout),
        Ok(Err(e)) => Err(e).context("writing the graph to dot"),
        Err(_) => bail!("writing the graph to dot: the writer thread panicked"),
    }
}

/// Send the report to stdout, or to `path` atomically: written to a temporary file beside
/// it, then renamed over it, so a reader (or a failed run) never leaves half a report.
pub fn emit_to(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    let Some(path) = path else {
        let mut out = std::io::stdout().lock();
        return match out.write_all(bytes).and_then(|()| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            r => r.context("writing to stdout"),
        };
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("--output {}: not a file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.kubepath-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", path.display()));
    }
    Ok(())
}
