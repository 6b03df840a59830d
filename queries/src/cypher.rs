//! A Cypher script that loads the attack graph into Neo4j (or any openCypher database):
//! `MERGE` statements, batched with `UNWIND` so large estates load in few round trips.
//! Run it with `cypher-shell -f graph.cypher`. Re-running it updates rather than duplicates.
//!
//! Nodes are `(:KubepathNode {id})` plus a label for their kind (`:Workload`, ...);
//! each step is a relationship whose type is the technique id. Every string is a quoted
//! Cypher literal and every label or type a backtick-quoted name, so no id can break out.

use std::fmt::Write as _;

use kubepath_engine::graph::{AttackGraph, NodeKind};
use kubepath_engine::search::Chain;
use std::collections::BTreeSet;

use crate::round4;

/// Rows per `UNWIND` statement.
const BATCH: usize = 500;

/// A Cypher string literal (single-quoted; backslash, quote and control characters escaped).
///
/// ```
/// assert_eq!(kubepath_queries::cypher::string("it's"), r"'it\'s'");
/// ```
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A backtick-quoted label, relationship type or property name.
pub fn name(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

fn list(items: &[String]) -> String {
    let v: Vec<String> = items.iter().map(|s| string(s)).collect();
    format!("[{}]", v.join(", "))
}

/// The Neo4j label of a kubepath node kind.
pub fn label(kind: NodeKind) -> &'static str {
    let k = crate::bloodhound::node_kind(kind);
    k.strip_prefix("KP").unwrap_or(k)
}

/// The script for the whole graph; steps of `chains` get `on_chain: true`.
pub fn graph(g: &AttackGraph, chains: &[Chain]) -> String {
    let chain_steps: BTreeSet<(&str, &str, &str)> = chains
        .iter()
        .flat_map(|c| c.steps.iter())
        .map(|s| (s.from.as_str(), s.to.as_str(), s.technique))
        .collect();
    let mut out = String::from(
        "// kubepath attack graph (kubepath/v1). Load: cypher-shell -f FILE\n\
         CREATE CONSTRAINT kubepath_node_id IF NOT EXISTS FOR (n:KubepathNode) REQUIRE n.id IS UNIQUE;\n",
    );
    // Nodes, grouped by kind (a label cannot be a parameter).
    let mut nodes: Vec<&kubepath_engine::Node> = g.graph.node_weights().collect();
    nodes.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
    for group in nodes.chunk_by(|a, b| a.kind == b.kind) {
        let kind = group[0].kind;
        for batch in group.chunks(BATCH) {
            let rows: Vec<String> = batch.iter().map(|n| string(&n.id)).collect();
            let _ = writeln!(
                out,
                "UNWIND [{}] AS id MERGE (n:KubepathNode {{id: id}}) SET n:{}, n.kind = {}, n.admin = {};",
                rows.join(", "),
                name(label(kind)),
                string(kind.as_str()),
                kind.impact().is_some()
            );
        }
    }
    // Edges, grouped by technique (the relationship type).
    let mut edges: Vec<(&str, &str, &kubepath_engine::Edge)> = g
        .graph
        .edge_indices()
        .filter_map(|e| {
            let (a, b) = g.graph.edge_endpoints(e)?;
            Some((g.node_id(a), g.node_id(b), &g.graph[e]))
        })
        .collect();
    edges.sort_by(|a, b| (a.2.technique.id, a.0, a.1).cmp(&(b.2.technique.id, b.0, b.1)));
    for group in edges.chunk_by(|a, b| a.2.technique.id == b.2.technique.id) {
        let technique = group[0].2.technique;
        for batch in group.chunks(BATCH) {
            let rows: Vec<String> = batch
                .iter()
                .map(|(from, to, e)| {
                    let evidence: Vec<String> = e.evidence.iter().map(|ev| ev.to_string()).collect();
                    format!(
                        "{{from: {}, to: {}, likelihood: {}, evidence: {}, remediation: {}, on_chain: {}}}",
                        string(from),
                        string(to),
                        round4(e.likelihood),
                        list(&evidence),
                        string(&e.remediation),
                        chain_steps.contains(&(*from, *to, technique.id))
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "UNWIND [{}] AS r MATCH (a:KubepathNode {{id: r.from}}), (b:KubepathNode {{id: r.to}}) \
                 MERGE (a)-[e:{}]->(b) SET e.technique = {}, e.title = {}, e.attack = {}, \
                 e.likelihood = r.likelihood, e.evidence = r.evidence, e.remediation = r.remediation, \
                 e.on_chain = r.on_chain;",
                rows.join(",\n  "),
                name(technique.id),
                string(technique.id),
                string(technique.title),
                technique.attack.map_or("null".to_string(), string)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The string literals of a script, decoded, and the text outside them.
    fn split_literals(script: &str) -> (Vec<String>, String) {
        let (mut lits, mut outside) = (Vec::new(), String::new());
        let mut chars = script.chars();
        while let Some(c) = chars.next() {
            if c != '\'' {
                outside.push(c);
                continue;
            }
            let mut lit = String::new();
            loop {
                match chars.next() {
                    Some('\\') => match chars.next() {
                        Some('n') => lit.push('\n'),
                        Some('r') => lit.push('\r'),
                        Some('t') => lit.push('\t'),
                        Some('u') => {
                            let hex: String = chars.by_ref().take(4).collect();
                            let c = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                            lit.push(c.unwrap_or('?'));
                        }
                        Some(c) => lit.push(c),
                        None => break,
                    },
                    Some('\'') | None => break,
                    Some(c) => lit.push(c),
                }
            }
            lits.push(lit);
        }
        (lits, outside)
    }

    #[test]
    fn hostile_ids_stay_inside_their_string_literals() {
        let hostile = "sa:x'}) DETACH DELETE n //\\'\n`y";
        let mut g = AttackGraph::new();
        let t = kubepath_engine::techniques::by_id("POD_SA_TOKEN").expect("catalog has it");
        let ev = vec![kubepath_engine::Evidence::new("Pod/x'y", "", "DROP ' \\")];
        g.add_edge("workload:ns/Pod/a'b", hostile, t.edge(ev, "fix ' it"));
        let script = graph(&g, &[]);
        let (lits, outside) = split_literals(&script);
        assert!(lits.iter().any(|l| l == hostile), "{script}");
        assert!(lits.iter().any(|l| l == "workload:ns/Pod/a'b"));
        assert!(!outside.contains("DETACH"), "{outside}");
        assert!(!outside.contains("DROP"), "{outside}");
    }

    #[test]
    fn strings_escape_quotes_backslashes_and_controls() {
        assert_eq!(string("a'b\\c\nd\u{1}"), "'a\\'b\\\\c\\nd\\u0001'");
        assert_eq!(name("a`b"), "`a``b`");
    }
}
