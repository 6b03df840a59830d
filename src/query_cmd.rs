//! The query subcommands (paths, reach, who-can, explain, chokepoints, fix-plan, diff) and
//! `--assume-fixed`: resolved settings and the wiring of collectors -> engine -> queries.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use kubepath_collectors::files::FileOptions;
use kubepath_engine::search::{Options, Severity, analyze_graph};
use kubepath_engine::what_if::{self, Fix};
use kubepath_engine::{Analysis, Snapshot};
use kubepath_queries::diff::DiffFailOn;
use kubepath_queries::select::Selector;
use kubepath_queries::table::TableStyle;
use kubepath_queries::{chokepoints, diff, fix_plan, query};

use crate::cli::{self, Command, FixPlanFormat, QueryArgs, QueryFormat, WhatIfArgs};
use crate::config::{Input, input, table_style};
use crate::{EXIT_FAIL_ON, EXIT_OK, emit, load, pretty};

/// `--assume-fixed` and `--assume-fixed-file`, resolved.
#[derive(Debug, Default)]
pub struct WhatIf {
    fixes: Vec<Fix>,
    files: Vec<PathBuf>,
}

impl WhatIf {
    pub fn resolve(args: WhatIfArgs) -> WhatIf {
        WhatIf {
            fixes: args.assume_fixed,
            files: args.assume_fixed_file,
        }
    }

    /// The fixes from the flags, then from each file in order.
    fn fixes(&self) -> Result<Vec<Fix>> {
        let mut out = self.fixes.clone();
        for f in &self.files {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("reading --assume-fixed-file {}", f.display()))?;
            for (i, line) in text.lines().enumerate() {
                let line = line.split('#').next().unwrap_or("").trim();
                if line.is_empty() {
                    continue;
                }
                out.push(
                    Fix::parse(line)
                        .map_err(|e| anyhow::anyhow!("{} line {}: {e}", f.display(), i + 1))?,
                );
            }
        }
        Ok(out)
    }

    /// Build the graph of one snapshot with the fixes applied, and the warnings; a fix that
    /// removes nothing is an error (a typo would otherwise pass silently).
    fn graph(&self, snapshot: &Snapshot) -> Result<Built> {
        let fixes = self.fixes()?;
        let (built, counts) = graphs(snapshot, &fixes);
        unmatched(&fixes, &[counts])?;
        Ok(built)
    }

    /// The scan with the fixes applied.
    pub fn analyze(&self, snapshot: &Snapshot, options: &Options) -> Result<Analysis> {
        let (g, warnings) = crate::timings::stage("graph", || self.graph(snapshot))?;
        Ok(crate::timings::stage("search", || {
            analyze_graph(g, warnings, options).with_coverage(snapshot)
        }))
    }
}

type Built = (kubepath_engine::AttackGraph, Vec<kubepath_engine::Warning>);

/// The snapshot's graph with `fixes` removed, and how many edges each fix removed.
fn graphs(snapshot: &Snapshot, fixes: &[Fix]) -> (Built, Vec<usize>) {
    let (g, engine_warnings) = kubepath_engine::build_graph(snapshot);
    let mut warnings = snapshot.warnings.clone();
    warnings.extend(engine_warnings);
    if fixes.is_empty() {
        return ((g, warnings), Vec::new());
    }
    let (fixed, counts) = what_if::apply(&g, fixes);
    let removed: usize = counts.iter().sum();
    eprintln!(
        "kubepath: assuming {} fixes: {removed} steps removed",
        fixes.len()
    );
    ((fixed, warnings), counts)
}

/// Error when some fix removed nothing in every graph it was applied to.
fn unmatched(fixes: &[Fix], counts: &[Vec<usize>]) -> Result<()> {
    let missing: Vec<String> = fixes
        .iter()
        .enumerate()
        .filter(|(i, _)| counts.iter().all(|c| c.get(*i).copied().unwrap_or(0) == 0))
        .map(|(_, f)| format!("  - {f}"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "--assume-fixed matches no step of the graph (check the spelling against \
             `kubepath fix-plan` or `kubepath graph` output):\n{}",
            missing.join("\n")
        );
    }
    Ok(())
}

enum Kind {
    Paths {
        from: Selector,
        to: Selector,
        top: usize,
    },
    Reach {
        from: Selector,
    },
    WhoCan {
        to: Selector,
    },
    Explain {
        id: String,
    },
    Chokepoints {
        top: usize,
    },
    FixPlan {
        from: Selector,
        to: Selector,
        format: FixPlanFormat,
    },
    Diff {
        old: PathBuf,
        new: PathBuf,
        fail_on: Option<DiffFailOn>,
    },
}

/// One query command, resolved.
pub struct Query {
    kind: Kind,
    input: Input,
    format: QueryFormat,
    max_hops: usize,
    what_if: WhatIf,
    table: TableStyle,
}

impl Query {
    /// Resolve a query subcommand (`scan` and `graph` are not queries).
    pub fn resolve(command: Command) -> Query {
        let common = |q: QueryArgs, kind: Kind| Query {
            kind,
            input: input(q.input),
            format: q.format,
            max_hops: usize::from(q.max_hops),
            what_if: WhatIf::resolve(q.what_if),
            table: table_style(),
        };
        match command {
            Command::Paths(a) => common(
                a.query,
                Kind::Paths {
                    from: a.from,
                    to: a.to,
                    top: a.top,
                },
            ),
            Command::Reach(a) => common(a.query, Kind::Reach { from: a.from }),
            Command::WhoCan(a) => common(a.query, Kind::WhoCan { to: a.reach }),
            Command::Explain(a) => common(a.query, Kind::Explain { id: a.id }),
            Command::Chokepoints(a) => common(a.query, Kind::Chokepoints { top: a.top }),
            Command::FixPlan(a) => Query {
                kind: Kind::FixPlan {
                    from: a.from,
                    to: a.to,
                    format: a.format,
                },
                input: input(a.input),
                // Unused: `Kind::FixPlan` carries its own format.
                format: QueryFormat::Table,
                max_hops: usize::from(a.max_hops),
                what_if: WhatIf::resolve(a.what_if),
                table: table_style(),
            },
            Command::Diff(a) => Query {
                kind: Kind::Diff {
                    old: a.old.clone(),
                    new: a.new.clone(),
                    fail_on: a.fail_on.map(|f| match f {
                        cli::DiffFailOn::New => DiffFailOn::New,
                        cli::DiffFailOn::Low => DiffFailOn::Severity(Severity::Low),
                        cli::DiffFailOn::Medium => DiffFailOn::Severity(Severity::Medium),
                        cli::DiffFailOn::High => DiffFailOn::Severity(Severity::High),
                        cli::DiffFailOn::Critical => DiffFailOn::Severity(Severity::Critical),
                    }),
                },
                input: Input {
                    paths: vec![a.old, a.new],
                    files: FileOptions {
                        default_namespace: a.namespace,
                    },
                    live: None,
                },
                format: a.format,
                max_hops: usize::from(a.max_hops),
                what_if: WhatIf::resolve(a.what_if),
                table: table_style(),
            },
            // `Config::resolve` handles these itself.
            Command::Scan(_)
            | Command::Graph(_)
            | Command::Collect(_)
            | Command::Completions(_)
            | Command::Man => {
                unreachable!("scan, graph, collect, completions and man are not queries")
            }
        }
    }

    /// Every chain, none cut off by `--top`.
    fn options(&self) -> Options {
        Options {
            max_hops: self.max_hops,
            top: usize::MAX,
        }
    }

    pub fn run(self) -> Result<u8> {
        if let Kind::Diff { old, new, fail_on } = &self.kind {
            return self.diff(old, new, *fail_on);
        }
        let (snapshot, _) = load(&self.input)?;
        let (g, warnings) = self.what_if.graph(&snapshot)?;
        let json = matches!(self.format, QueryFormat::Json);
        let h = self.max_hops;
        let style = &self.table;
        let text = match &self.kind {
            Kind::Paths { from, to, top } => {
                note_empty(&g, &[from, to]);
                let chains = query::paths(&g, from, to, h);
                if json {
                    pretty(&query::paths_json(&chains, from, to, *top))?
                } else {
                    query::paths_table(&chains, from, to, *top, style)
                }
            }
            Kind::Reach { from } => {
                note_empty(&g, &[from]);
                let chains = query::reach(&g, from, h);
                if json {
                    pretty(&query::reach_json(&chains, from))?
                } else {
                    query::reach_table(&chains, from, style)
                }
            }
            Kind::WhoCan { to } => {
                note_empty(&g, &[to]);
                let chains = query::who_can(&g, to, h);
                if json {
                    pretty(&query::who_can_json(&chains, to))?
                } else {
                    query::who_can_table(&chains, to, style)
                }
            }
            Kind::Explain { id } => {
                let analysis = analyze_graph(g, warnings, &self.options());
                let x = query::explain(&analysis.graph, &analysis.chains, id, h)
                    .map_err(anyhow::Error::msg)?;
                if json {
                    pretty(&query::explain_json(&x))?
                } else {
                    query::explain_table(&x, style)
                }
            }
            Kind::Chokepoints { top } => {
                let analysis = analyze_graph(g, warnings, &self.options());
                let c = chokepoints::chokepoints(&analysis.chains, *top);
                if json {
                    pretty(&chokepoints::json(&c))?
                } else {
                    chokepoints::table(&c, style)
                }
            }
            Kind::FixPlan { from, to, format } => {
                note_empty(&g, &[from, to]);
                let plan = plan_with_upgrades(&snapshot, &g, from, to, h);
                match format {
                    FixPlanFormat::Json => pretty(&fix_plan::json(&plan))?,
                    FixPlanFormat::Table => fix_plan::table(&plan, style),
                    FixPlanFormat::Markdown => {
                        kubepath_queries::markdown::document(&[fix_plan::section(
                            &plan,
                            &format!("kubepath fix plan: {from} to {to}"),
                        )])
                    }
                    FixPlanFormat::Html => kubepath_queries::html::document(
                        &format!("kubepath fix plan: {from} to {to}"),
                        &[fix_plan::section(&plan, "Fixes")],
                    ),
                }
            }
            Kind::Diff { .. } => String::new(),
        };
        emit(&(text.trim_end().to_string() + "\n"))?;
        Ok(EXIT_OK)
    }

    fn diff(&self, old: &PathBuf, new: &PathBuf, fail_on: Option<DiffFailOn>) -> Result<u8> {
        let one = |p: &PathBuf| Input {
            paths: vec![p.clone()],
            files: self.input.files.clone(),
            live: None,
        };
        let (old_snap, _) = load(&one(old))?;
        let (new_snap, _) = load(&one(new))?;
        let fixes = self.what_if.fixes()?;
        let (old_g, old_counts) = graphs(&old_snap, &fixes);
        let (new_g, new_counts) = graphs(&new_snap, &fixes);
        if !fixes.is_empty() {
            unmatched(&fixes, &[old_counts, new_counts])?;
        }
        let old_a = analyze_graph(old_g.0, old_g.1, &self.options());
        let new_a = analyze_graph(new_g.0, new_g.1, &self.options());
        let d = diff::diff(&old_a.chains, &new_a.chains);
        let text = match self.format {
            QueryFormat::Json => pretty(&diff::json(&d))?,
            QueryFormat::Table => diff::table(&d, &self.table),
        };
        emit(&(text.trim_end().to_string() + "\n"))?;
        Ok(if fail_on.is_some_and(|f| d.fails(f)) {
            EXIT_FAIL_ON
        } else {
            EXIT_OK
        })
    }
}

/// The fix plan over `g` (the snapshot's graph, what-if fixes applied), with the image
/// upgrades of the workloads its entry fixes lead into.
pub fn plan_with_upgrades(
    snapshot: &Snapshot,
    g: &kubepath_engine::AttackGraph,
    from: &Selector,
    to: &Selector,
    max_hops: usize,
) -> fix_plan::FixPlan {
    let mut plan = fix_plan::plan(g, from, to, max_hops);
    if plan.fixes.iter().any(|f| !f.enters.is_empty()) {
        let ix = kubepath_engine::Index::new(snapshot);
        plan.add_upgrades(|w| kubepath_engine::vuln::upgrade_for(&ix, w));
    }
    plan
}

/// The "Fix plan" section of the scan's Markdown and HTML reports: the scan's chains
/// (internet to the admin sinks) over its graph.
pub fn scan_fix_plan(
    snapshot: &Snapshot,
    g: &kubepath_engine::AttackGraph,
    max_hops: usize,
) -> Result<kubepath_queries::markdown::Section> {
    let from = Selector::parse("internet").map_err(|e| anyhow::anyhow!("{e}"))?;
    let to = Selector::parse("admin").map_err(|e| anyhow::anyhow!("{e}"))?;
    let plan = plan_with_upgrades(snapshot, g, &from, &to, max_hops);
    Ok(fix_plan::section(&plan, "Fix plan"))
}

/// Say on stderr when a selector matches no node of this graph (not an error: a snapshot
/// without, say, cloud inputs simply has no cloud admin).
fn note_empty(g: &kubepath_engine::AttackGraph, selectors: &[&Selector]) {
    for s in selectors {
        if s.select(g).is_empty() {
            eprintln!("kubepath: note: selector `{s}` matches no node of this graph");
        }
    }
}
