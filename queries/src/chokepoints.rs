//! `kubepath chokepoints`: the nodes, edges and objects that the most chains go through.
//!
//! Counted over every chain found (not only the listed top N), each chain counting once per
//! item; a chain's own source and target are left out of the node counts (every chain has
//! them). O(chains x max_hops x evidence).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use kubepath_engine::search::Chain;
use serde::Serialize;
use serde_json::Value;

use crate::SCHEMA;
use crate::table::{TableStyle, wrap};

/// One choke point and the chains through it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    pub id: String,
    /// How many chains go through it.
    pub count: usize,
    /// Their ranks.
    pub chains: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chokepoints {
    /// Chains counted.
    pub chains: usize,
    /// Graph nodes (`sa:...`, `node:...`), most chains first.
    pub nodes: Vec<Count>,
    /// Edges, as `FROM -[TECHNIQUE]-> TO` (what `--assume-fixed` reads).
    pub edges: Vec<Count>,
    /// Objects named by the steps' evidence (`ClusterRoleBinding/x`, an ARN).
    pub objects: Vec<Count>,
}

fn ranked(map: BTreeMap<String, BTreeSet<usize>>, top: usize) -> Vec<Count> {
    let mut v: Vec<Count> = map
        .into_iter()
        .map(|(id, ranks)| Count {
            id,
            count: ranks.len(),
            chains: ranks.into_iter().collect(),
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
    v.truncate(top);
    v
}

/// The `top` choke points of each sort over `chains`.
pub fn chokepoints(chains: &[Chain], top: usize) -> Chokepoints {
    let mut nodes: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let mut edges: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let mut objects: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for c in chains {
        for s in &c.steps {
            if s.to != c.target {
                nodes.entry(s.to.clone()).or_default().insert(c.rank);
            }
            let id = format!("{} -[{}]-> {}", s.from, s.technique, s.to);
            edges.entry(id).or_default().insert(c.rank);
            for ev in &s.evidence {
                objects.entry(ev.object.clone()).or_default().insert(c.rank);
            }
        }
    }
    Chokepoints {
        chains: chains.len(),
        nodes: ranked(nodes, top),
        edges: ranked(edges, top),
        objects: ranked(objects, top),
    }
}

fn ranks(v: &[usize]) -> String {
    v.iter()
        .map(|r| format!("#{r}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `chokepoints` table.
pub fn table(c: &Chokepoints, style: &TableStyle) -> String {
    let width = style.width.max(60);
    let mut out = String::new();
    let _ = writeln!(out, "Choke points of {} chains", c.chains);
    for (title, list) in [
        ("Nodes", &c.nodes),
        ("Edges", &c.edges),
        ("Objects", &c.objects),
    ] {
        let _ = writeln!(out, "\n{title} (chains through it):");
        if list.is_empty() {
            let _ = writeln!(out, "  none");
        }
        for item in list {
            wrap(
                &mut out,
                &format!("  {:>4}  ", item.count),
                "        ",
                &format!("{}  [{}]", item.id, ranks(&item.chains)),
                width,
            );
        }
    }
    out
}

/// The `chokepoints` JSON document.
pub fn json(c: &Chokepoints) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("schema".into(), SCHEMA.into());
        o.insert("query".into(), "chokepoints".into());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubepath_engine::search::{Severity, Step};

    fn chain(rank: usize, nodes: &[&str]) -> Chain {
        Chain {
            rank,
            score: 0.5,
            severity: Severity::Critical,
            source: nodes[0].into(),
            target: nodes[nodes.len() - 1].into(),
            steps: nodes
                .windows(2)
                .map(|w| Step::new(w[0], "POD_SA_TOKEN", w[1]))
                .collect(),
        }
    }

    #[test]
    fn shared_steps_count_once_per_chain_and_lead() {
        let chains = [
            chain(1, &["internet", "a", "s", "cluster-admin"]),
            chain(2, &["internet", "b", "s", "cluster-admin"]),
        ];
        let c = chokepoints(&chains, 10);
        assert_eq!(c.nodes[0].id, "s");
        assert_eq!(c.nodes[0].chains, vec![1, 2]);
        assert!(c.nodes.iter().all(|n| n.id != "cluster-admin"));
        assert_eq!(c.edges[0].id, "s -[POD_SA_TOKEN]-> cluster-admin");
        assert_eq!(c.edges[0].count, 2);
        assert_eq!(c.edges[1].count, 1);
    }
}
