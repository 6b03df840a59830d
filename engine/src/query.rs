//! Graph questions beyond the scan: best chains between any two node sets, everything a set
//! reaches (blast radius) and everything that reaches a set.
//!
//! All of them reuse the search's hop-layered dynamic programme (`search::Layers`), never an
//! enumeration of paths: `reachable_from` and `reaching` are one multi-root pass,
//! O(max_hops x edges); `chains_between` is one pass per node of the smaller side,
//! O(min(sources, targets) x max_hops x edges), plus the scan's per-entry join when the
//! internet is a source.

use petgraph::Direction;
use petgraph::graph::NodeIndex;

use crate::graph::{AttackGraph, id};
use crate::search::{Arcs, Chain, Layers, best_split, entry_workloads, impact, make_chain, rank};

fn sorted(g: &AttackGraph, nodes: &[NodeIndex]) -> Vec<NodeIndex> {
    let mut v = nodes.to_vec();
    v.sort_by(|a, b| g.node_id(*a).cmp(g.node_id(*b)));
    v.dedup();
    v
}

/// The best chain from each source to each target within `max_hops`, ranked like the scan.
///
/// From `internet` chains are kept per (entry workload, target), as the scan does, so
/// `chains_between(internet, admin sinks)` is the scan's list; from any other source, one
/// chain per (source, target) pair.
pub fn chains_between(
    g: &AttackGraph,
    sources: &[NodeIndex],
    targets: &[NodeIndex],
    max_hops: usize,
) -> Vec<Chain> {
    let targets = sorted(g, targets);
    let mut sources = sorted(g, sources);
    let mut chains = Vec::new();
    let internet = g.find(id::INTERNET);
    if let Some(inet) = internet.filter(|i| sources.contains(i)) {
        sources.retain(|&s| s != inet);
        chains.extend(internet_chains_to(g, inet, &targets, max_hops));
    }
    let arcs = Arcs::of(g);
    if sources.len() <= targets.len() {
        for &s in &sources {
            let layers = Layers::compute(g, &arcs, s, max_hops, Direction::Outgoing);
            for &t in targets.iter().filter(|&&t| t != s) {
                if let Some(mut path) = layers.path(g, t, max_hops) {
                    path.reverse(); // forward layers walk back from the target
                    chains.push(make_chain(g, s, t, impact(g, t), &path));
                }
            }
        }
    } else {
        for &t in &targets {
            let layers = Layers::compute(g, &arcs, t, max_hops, Direction::Incoming);
            for &s in sources.iter().filter(|&&s| s != t) {
                if let Some(path) = layers.path(g, s, max_hops) {
                    chains.push(make_chain(g, s, t, impact(g, t), &path));
                }
            }
        }
    }
    rank(&mut chains);
    chains
}

/// The scan's search towards chosen targets: per entry workload, the best chain to each.
fn internet_chains_to(
    g: &AttackGraph,
    internet: NodeIndex,
    targets: &[NodeIndex],
    max_hops: usize,
) -> Vec<Chain> {
    let arcs = Arcs::of(g);
    let forward = crate::search::entry_prefixes(g, &arcs, internet, max_hops);
    let entries = entry_workloads(g);
    let mut chains = Vec::new();
    for &t in targets.iter().filter(|&&t| t != internet) {
        let backward = Layers::compute(g, &arcs, t, max_hops, Direction::Incoming);
        for &entry in &entries {
            if let Some(path) = best_split(g, &forward, &backward, entry, max_hops) {
                chains.push(make_chain(g, internet, t, impact(g, t), &path));
            }
        }
    }
    chains
}

/// Every node some source reaches within `max_hops` (sources excluded), each with its best
/// chain from the nearest-in-likelihood source; ordered by node id.
pub fn reachable_from(g: &AttackGraph, sources: &[NodeIndex], max_hops: usize) -> Vec<Chain> {
    let sources = sorted(g, sources);
    let layers = Layers::compute_from(g, &Arcs::of(g), &sources, max_hops, Direction::Outgoing);
    let mut out = Vec::new();
    for v in sorted(g, &g.graph.node_indices().collect::<Vec<_>>()) {
        if sources.contains(&v) || layers.value(max_hops, v) <= 0.0 {
            continue;
        }
        let Some(mut path) = layers.path(g, v, max_hops) else {
            continue;
        };
        path.reverse();
        let Some(src) = path
            .first()
            .and_then(|&e| g.graph.edge_endpoints(e))
            .map(|(a, _)| a)
        else {
            continue;
        };
        out.push(make_chain(g, src, v, impact(g, v), &path));
    }
    out
}

/// Every node that reaches some target within `max_hops` (targets excluded), each with its
/// best chain to one of them; ordered by node id.
pub fn reaching(g: &AttackGraph, targets: &[NodeIndex], max_hops: usize) -> Vec<Chain> {
    let targets = sorted(g, targets);
    let layers = Layers::compute_from(g, &Arcs::of(g), &targets, max_hops, Direction::Incoming);
    let mut out = Vec::new();
    for v in sorted(g, &g.graph.node_indices().collect::<Vec<_>>()) {
        if targets.contains(&v) || layers.value(max_hops, v) <= 0.0 {
            continue;
        }
        let Some(path) = layers.path(g, v, max_hops) else {
            continue;
        };
        let Some(dst) = path
            .last()
            .and_then(|&e| g.graph.edge_endpoints(e))
            .map(|(_, b)| b)
        else {
            continue;
        };
        out.push(make_chain(g, v, dst, impact(g, dst), &path));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::internet_chains;
    use crate::techniques::{Technique, exposure, identity, rbac};

    fn step(g: &mut AttackGraph, from: &str, to: &str, t: &'static Technique, l: f64) {
        g.add_edge(from, to, t.edge_with(l, Vec::new(), "fix"));
    }

    fn demo() -> AttackGraph {
        let mut g = AttackGraph::new();
        let lb = &exposure::EXPOSED_LOADBALANCER;
        step(&mut g, "internet", "service:a/web", lb, 0.9);
        step(
            &mut g,
            "service:a/web",
            "workload:a/Deployment/web",
            &exposure::APP_COMPROMISE,
            0.5,
        );
        step(
            &mut g,
            "workload:a/Deployment/web",
            "sa:a/web",
            &identity::POD_SA_TOKEN,
            1.0,
        );
        step(
            &mut g,
            "sa:a/web",
            "secret:a/db",
            &rbac::RBAC_READ_SECRETS,
            0.9,
        );
        step(
            &mut g,
            "sa:a/web",
            "cluster-admin",
            &rbac::RBAC_CLUSTER_ADMIN,
            1.0,
        );
        g
    }

    fn ix(g: &AttackGraph, id: &str) -> NodeIndex {
        g.find(id).expect("node in the test graph")
    }

    #[test]
    fn internet_to_admin_is_the_scan() {
        let g = demo();
        let chains = chains_between(&g, &[ix(&g, "internet")], &[ix(&g, "cluster-admin")], 8);
        assert_eq!(chains, internet_chains(&g, 8));
    }

    #[test]
    fn chains_between_any_nodes_both_directions_agree() {
        let g = demo();
        let few_sources = chains_between(
            &g,
            &[ix(&g, "workload:a/Deployment/web")],
            &[ix(&g, "secret:a/db"), ix(&g, "cluster-admin")],
            8,
        );
        assert_eq!(few_sources.len(), 2);
        assert_eq!(few_sources[0].target, "cluster-admin");
        let few_targets = chains_between(
            &g,
            &[ix(&g, "workload:a/Deployment/web"), ix(&g, "sa:a/web")],
            &[ix(&g, "secret:a/db")],
            8,
        );
        assert_eq!(few_targets.len(), 2);
        assert!((few_targets[0].score - 0.9).abs() < 1e-9);
    }

    #[test]
    fn reach_and_reverse_reach() {
        let g = demo();
        let reach = reachable_from(&g, &[ix(&g, "workload:a/Deployment/web")], 8);
        let ids: Vec<&str> = reach.iter().map(|c| c.target.as_str()).collect();
        assert_eq!(ids, vec!["cluster-admin", "sa:a/web", "secret:a/db"]);
        let who = reaching(&g, &[ix(&g, "secret:a/db")], 8);
        let ids: Vec<&str> = who.iter().map(|c| c.source.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "internet",
                "sa:a/web",
                "service:a/web",
                "workload:a/Deployment/web"
            ]
        );
        assert!(who.iter().all(|c| c.target == "secret:a/db"));
        // The hop budget bounds both.
        assert_eq!(reaching(&g, &[ix(&g, "secret:a/db")], 1).len(), 1);
    }
}
