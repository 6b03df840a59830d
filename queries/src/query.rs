//! Named queries over the attack graph: `paths`, `reach`, `who-can`, `explain`, each with a
//! table and a `kubepath/v1` JSON rendering.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use kubepath_engine::graph::AttackGraph;
use kubepath_engine::query::{chains_between, reachable_from, reaching};
use kubepath_engine::search::Chain;
use kubepath_engine::what_if::{self, Fix};
use kubepath_engine::{Edge, Evidence, NodeKind};
use serde::Serialize;
use serde_json::Value;

use crate::json::{PathOut, path};
use crate::select::Selector;
use crate::table::{TableStyle, chain as chain_table, wrap};
use crate::{SCHEMA, round4};

/// `kubepath paths`: the best chains from `from` to `to`, ranked like the scan.
pub fn paths(g: &AttackGraph, from: &Selector, to: &Selector, max_hops: usize) -> Vec<Chain> {
    chains_between(g, &from.select(g), &to.select(g), max_hops)
}

/// `kubepath reach`: every node `from` reaches, with its best chain.
pub fn reach(g: &AttackGraph, from: &Selector, max_hops: usize) -> Vec<Chain> {
    reachable_from(g, &from.select(g), max_hops)
}

/// `kubepath who-can --reach`: every node that reaches `to`, with its best chain.
pub fn who_can(g: &AttackGraph, to: &Selector, max_hops: usize) -> Vec<Chain> {
    reaching(g, &to.select(g), max_hops)
}

fn kind_of(id: &str) -> &'static str {
    NodeKind::of_id(id).map(NodeKind::as_str).unwrap_or("?")
}

/// The `paths` table.
pub fn paths_table(
    chains: &[Chain],
    from: &Selector,
    to: &Selector,
    top: usize,
    style: &TableStyle,
) -> String {
    let width = style.width.max(60);
    let mut out = String::new();
    if chains.is_empty() {
        let _ = writeln!(out, "No chain from {from} to {to} within the hop limit.");
        return out;
    }
    let _ = writeln!(
        out,
        "{} chains from {from} to {to}, showing the top {}",
        chains.len(),
        chains.len().min(top)
    );
    for c in chains.iter().take(top) {
        out.push('\n');
        chain_table(&mut out, c, style.color, width);
    }
    out
}

#[derive(Serialize)]
struct PathsDocument<'a> {
    schema: &'static str,
    query: &'static str,
    from: &'a str,
    to: &'a str,
    /// All chains found (the list holds at most `--top`).
    chains: usize,
    paths: Vec<PathOut<'a>>,
}

/// The `paths` JSON document.
pub fn paths_json(chains: &[Chain], from: &Selector, to: &Selector, top: usize) -> Value {
    let doc = PathsDocument {
        schema: SCHEMA,
        query: "paths",
        from: from.as_str(),
        to: to.as_str(),
        chains: chains.len(),
        paths: chains.iter().take(top).map(path).collect(),
    };
    serde_json::to_value(doc).unwrap_or(Value::Null)
}

/// Reached (or reaching) nodes grouped by kind, each with its chain; `far` picks the node
/// the row is about (the chain's target for reach, its source for who-can).
fn grouped_table(out: &mut String, chains: &[Chain], far: fn(&Chain) -> &str, style: &TableStyle) {
    let width = style.width.max(60);
    let mut by_kind: BTreeMap<&str, Vec<&Chain>> = BTreeMap::new();
    for c in chains {
        by_kind.entry(kind_of(far(c))).or_default().push(c);
    }
    for (kind, mut list) in by_kind {
        list.sort_by(|a, b| b.score.total_cmp(&a.score).then(far(a).cmp(far(b))));
        let _ = writeln!(out, "\n{kind} ({})", list.len());
        for c in list {
            let _ = writeln!(out, "  {:.3}  {}", c.score, far(c));
            wrap(
                out,
                "         via ",
                "             ",
                &c.nodes().join(" -> "),
                width,
            );
        }
    }
}

/// The `reach` table: reached nodes by kind, likeliest first, each with its chain.
pub fn reach_table(chains: &[Chain], from: &Selector, style: &TableStyle) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} nodes reachable from {from} within the hop limit",
        chains.len()
    );
    grouped_table(&mut out, chains, |c| c.target.as_str(), style);
    out
}

/// The `who-can` table: nodes that reach the selection, by kind, each with its chain.
pub fn who_can_table(chains: &[Chain], to: &Selector, style: &TableStyle) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} nodes can reach {to} within the hop limit",
        chains.len()
    );
    grouped_table(&mut out, chains, |c| c.source.as_str(), style);
    out
}

#[derive(Serialize)]
struct Reached<'a> {
    id: &'a str,
    kind: &'static str,
    score: f64,
    path: PathOut<'a>,
}

#[derive(Serialize)]
struct ReachDocument<'a> {
    schema: &'static str,
    query: &'static str,
    selector: &'a str,
    /// Node count by kind.
    by_kind: BTreeMap<&'static str, usize>,
    nodes: Vec<Reached<'a>>,
}

fn grouped_json(
    query: &'static str,
    selector: &Selector,
    chains: &[Chain],
    far: fn(&Chain) -> &str,
) -> Value {
    let mut by_kind = BTreeMap::new();
    let mut nodes: Vec<Reached<'_>> = chains
        .iter()
        .map(|c| {
            let id = far(c);
            *by_kind.entry(kind_of(id)).or_default() += 1;
            Reached {
                id,
                kind: kind_of(id),
                score: round4(c.score),
                path: path(c),
            }
        })
        .collect();
    nodes.sort_by(|a, b| (a.kind, a.id).cmp(&(b.kind, b.id)));
    let doc = ReachDocument {
        schema: SCHEMA,
        query,
        selector: selector.as_str(),
        by_kind,
        nodes,
    };
    serde_json::to_value(doc).unwrap_or(Value::Null)
}

/// The `reach` JSON document (`nodes[].id` is the reached node).
pub fn reach_json(chains: &[Chain], from: &Selector) -> Value {
    grouped_json("reach", from, chains, |c| c.target.as_str())
}

/// The `who-can` JSON document (`nodes[].id` is the node that can reach the selection).
pub fn who_can_json(chains: &[Chain], to: &Selector) -> Value {
    grouped_json("who-can", to, chains, |c| c.source.as_str())
}

/// What `explain` shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Explained {
    Chain(Chain),
    Edge {
        id: String,
        from: String,
        to: String,
        edge: Edge,
        /// The fix cost when a fix plan may cut it.
        fixable: Option<u32>,
    },
}

/// Resolve an `explain` id: a chain rank of `ranked` (the scan's chains), `FROM->TO` (the
/// best chain between two selectors), or an edge `FROM -[TECHNIQUE]-> TO`.
pub fn explain(
    g: &AttackGraph,
    ranked: &[Chain],
    id: &str,
    max_hops: usize,
) -> Result<Explained, String> {
    let id = id.trim().trim_start_matches('#');
    if let Ok(rank) = id.parse::<usize>() {
        return ranked
            .iter()
            .find(|c| c.rank == rank)
            .cloned()
            .map(Explained::Chain)
            .ok_or_else(|| format!("no chain ranked {rank} (the scan found {})", ranked.len()));
    }
    if id.contains("-[") {
        let fix = Fix::parse(id).map_err(|e| e.to_string())?;
        let e = g
            .graph
            .edge_indices()
            .find(|&e| what_if::removes(&fix, g, e))
            .ok_or_else(|| format!("no edge `{id}` in the graph"))?;
        let (a, b) = g
            .graph
            .edge_endpoints(e)
            .ok_or_else(|| format!("no edge `{id}` in the graph"))?;
        return Ok(Explained::Edge {
            id: what_if::edge_id(g, e),
            from: g.node_id(a).to_string(),
            to: g.node_id(b).to_string(),
            edge: g.graph[e].clone(),
            fixable: what_if::fixable(g, e),
        });
    }
    if let Some((from, to)) = id.split_once("->") {
        let from = Selector::parse(from.trim()).map_err(|e| e.to_string())?;
        let to = Selector::parse(to.trim()).map_err(|e| e.to_string())?;
        return paths(g, &from, &to, max_hops)
            .into_iter()
            .next()
            .map(Explained::Chain)
            .ok_or_else(|| format!("no chain from {from} to {to} within the hop limit"));
    }
    Err(format!(
        "`{id}` is not a chain or an edge: give a rank from the scan (`3`), `FROM->TO`, or \
         `FROM -[TECHNIQUE]-> TO`"
    ))
}

/// The `explain` table.
pub fn explain_table(x: &Explained, style: &TableStyle) -> String {
    let width = style.width.max(60);
    let mut out = String::new();
    match x {
        Explained::Chain(c) => chain_table(&mut out, c, style.color, width),
        Explained::Edge {
            id, edge, fixable, ..
        } => {
            let _ = writeln!(out, "{id}");
            let attack = edge
                .technique
                .attack
                .map(|a| format!(" [ATT&CK {a}]"))
                .unwrap_or_default();
            wrap(
                &mut out,
                "  ",
                "    ",
                &format!(
                    "{}: {}{attack}, likelihood {:.2}",
                    edge.technique.id, edge.technique.title, edge.likelihood
                ),
                width,
            );
            for ev in &edge.evidence {
                wrap(&mut out, "  why: ", "       ", &evidence_line(ev), width);
            }
            if edge.evidence_omitted > 0 {
                let _ = writeln!(out, "  ... and {} more facts", edge.evidence_omitted);
            }
            wrap(&mut out, "  fix: ", "       ", &edge.remediation, width);
            match fixable {
                Some(c) => {
                    let _ = writeln!(out, "  fixable: yes (cost {c}): --assume-fixed '{id}'");
                }
                None => wrap(
                    &mut out,
                    "  fixable: ",
                    "       ",
                    "no: this is the attacker's own step; fix a step next to it",
                    width,
                ),
            }
        }
    }
    out
}

/// `object field: detail (file:line)`, or `(file #document)` when the document's line is
/// not known (JSON Lists read by the fast path, live collections).
pub(crate) fn evidence_line(ev: &Evidence) -> String {
    match evidence_location(ev) {
        Some(loc) => format!("{ev} ({loc})"),
        None => ev.to_string(),
    }
}

/// Where a fact was read: `file:line`, `file #document`, or `None` when not from a file.
pub(crate) fn evidence_location(ev: &Evidence) -> Option<String> {
    match (&ev.file, ev.line, ev.document) {
        (Some(f), Some(l), _) => Some(format!("{f}:{l}")),
        (Some(f), None, Some(d)) => Some(format!("{f} #{d}")),
        _ => None,
    }
}

#[derive(Serialize)]
struct EdgeOut<'a> {
    id: &'a str,
    from: &'a str,
    to: &'a str,
    technique: &'static str,
    title: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    attack: Option<&'static str>,
    likelihood: f64,
    evidence: &'a [Evidence],
    #[serde(skip_serializing_if = "is_zero")]
    evidence_omitted: usize,
    remediation: &'a str,
    /// Fix cost for a fix plan, absent when the step is the attacker's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix_cost: Option<u32>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The `explain` JSON document: `{"path": ...}` for a chain, `{"edge": ...}` for an edge.
pub fn explain_json(x: &Explained) -> Value {
    let body = match x {
        Explained::Chain(c) => serde_json::json!({ "path": path(c) }),
        Explained::Edge {
            id,
            from,
            to,
            edge,
            fixable,
        } => serde_json::json!({ "edge": EdgeOut {
            id,
            from,
            to,
            technique: edge.technique.id,
            title: edge.technique.title,
            attack: edge.technique.attack,
            likelihood: round4(edge.likelihood),
            evidence: &edge.evidence,
            evidence_omitted: edge.evidence_omitted,
            remediation: &edge.remediation,
            fix_cost: *fixable,
        }}),
    };
    let mut doc = serde_json::json!({ "schema": SCHEMA, "query": "explain" });
    if let (Some(d), Value::Object(b)) = (doc.as_object_mut(), body) {
        d.extend(b);
    }
    doc
}
