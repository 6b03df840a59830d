//! BloodHound CE OpenGraph JSON: the attack graph as nodes (`id`, `kinds`, `properties`) and
//! edges (`start`/`end` by id, `kind` = the technique id), so BloodHound can load it
//! (File Ingest) and its pathfinding and Cypher run over kubepath's graph.
//!
//! Node kinds are prefixed `KP` so they never merge with BloodHound's own `User`, `Group`,
//! ... Property values are strings, numbers, booleans or arrays of strings, as OpenGraph
//! requires (no nested objects).

use std::collections::BTreeSet;

use kubepath_engine::graph::{AttackGraph, NodeKind};
use kubepath_engine::search::Chain;
use serde_json::{Value, json};

use crate::round4;

/// `metadata.source_kind`: BloodHound adds it to every node of the file.
pub const SOURCE_KIND: &str = "Kubepath";

/// The OpenGraph node kind of a kubepath node kind.
pub fn node_kind(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Internet => "KPInternet",
        NodeKind::ClusterAdmin => "KPClusterAdmin",
        NodeKind::Network => "KPNetwork",
        NodeKind::Service => "KPService",
        NodeKind::Ingress => "KPIngress",
        NodeKind::Gateway => "KPGateway",
        NodeKind::Workload => "KPWorkload",
        NodeKind::Node => "KPNode",
        NodeKind::ServiceAccount => "KPServiceAccount",
        NodeKind::User => "KPUser",
        NodeKind::Group => "KPGroup",
        NodeKind::Secret => "KPSecret",
        NodeKind::AwsRole => "KPAwsRole",
        NodeKind::AwsUser => "KPAwsUser",
        NodeKind::AwsAdmin => "KPAwsAdmin",
        NodeKind::GcpSa => "KPGcpServiceAccount",
        NodeKind::GcpAdmin => "KPGcpAdmin",
        NodeKind::AzureIdentity => "KPAzureIdentity",
        NodeKind::AzureAdmin => "KPAzureAdmin",
    }
}

/// The graph as an OpenGraph document; nodes and steps on `chains` carry `on_chain: true`
/// (and sinks `admin: true`), so BloodHound queries can start from them.
pub fn graph(g: &AttackGraph, chains: &[Chain]) -> Value {
    let chain_nodes: BTreeSet<&str> = chains.iter().flat_map(|c| c.nodes()).collect();
    let chain_steps: BTreeSet<(&str, &str, &str)> = chains
        .iter()
        .flat_map(|c| c.steps.iter())
        .map(|s| (s.from.as_str(), s.to.as_str(), s.technique))
        .collect();
    let mut nodes: Vec<&kubepath_engine::Node> = g.graph.node_weights().collect();
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    let nodes: Vec<Value> = nodes
        .into_iter()
        .map(|n| {
            let mut props = json!({
                "name": n.id,
                "displayname": n.id,
                "objectid": n.id,
                "kubepath_kind": n.kind.as_str(),
                "admin": n.kind.impact().is_some(),
                "on_chain": chain_nodes.contains(n.id.as_str()),
            });
            if let Some((key, title)) = crate::dot::cluster_of(&n.id) {
                props["scope"] = json!(key);
                props["scope_title"] = json!(title);
            }
            json!({"id": n.id, "kinds": [node_kind(n.kind)], "properties": props})
        })
        .collect();
    let mut edges: Vec<(&str, &str, Value)> = g
        .graph
        .edge_indices()
        .filter_map(|e| {
            let (a, b) = g.graph.edge_endpoints(e)?;
            let edge = &g.graph[e];
            let (from, to) = (g.node_id(a), g.node_id(b));
            let evidence: Vec<String> = edge.evidence.iter().map(|ev| ev.to_string()).collect();
            let files: Vec<String> = edge
                .evidence
                .iter()
                .filter_map(|ev| {
                    let f = ev.file.as_deref()?;
                    Some(match ev.line {
                        Some(l) => format!("{f}:{l}"),
                        None => f.to_string(),
                    })
                })
                .collect();
            let mut props = json!({
                "technique": edge.technique.id,
                "title": edge.technique.title,
                "likelihood": round4(edge.likelihood),
                "evidence": evidence,
                "files": files,
                "remediation": edge.remediation,
                "on_chain": chain_steps.contains(&(from, to, edge.technique.id)),
            });
            if let Some(a) = edge.technique.attack {
                props["attack"] = json!(a);
            }
            let value = json!({
                "start": {"value": from, "match_by": "id"},
                "end": {"value": to, "match_by": "id"},
                "kind": edge.technique.id,
                "properties": props,
            });
            Some((from, to, value))
        })
        .collect();
    edges.sort_by(|a, b| (a.0, a.1, a.2["kind"].as_str()).cmp(&(b.0, b.1, b.2["kind"].as_str())));
    json!({
        "metadata": {"source_kind": SOURCE_KIND},
        "graph": {
            "nodes": nodes,
            "edges": edges.into_iter().map(|(_, _, v)| v).collect::<Vec<_>>(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_round_trip_as_json_strings() {
        let hostile = "sa:x\"},{\"id\":\"evil\"}\n</script>";
        let mut g = AttackGraph::new();
        let t = kubepath_engine::techniques::by_id("POD_SA_TOKEN").expect("catalog has it");
        let ev = vec![kubepath_engine::Evidence::new("Pod/x", "", "y")];
        g.add_edge("workload:ns/Pod/a", hostile, t.edge(ev, "fix"));
        let text = serde_json::to_string(&graph(&g, &[])).unwrap_or_default();
        let back: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let nodes = back["graph"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(nodes.len(), 2, "no node was injected: {text}");
        assert!(nodes.iter().any(|n| n["id"] == hostile));
        assert_eq!(back["graph"]["edges"][0]["end"]["value"], hostile);
        assert_eq!(nodes[0]["kinds"][0], "KPServiceAccount");
    }
}
