//! Path search and ranking.
//!
//! A chain's score is impact(target) x the product of its steps' likelihoods (DESIGN.md).
//! The best chain within a hop budget is found by dynamic programming over hop layers
//! (a max-product Bellman-Ford bounded by `max_hops`): O(max_hops x edges) per target, never
//! an enumeration of paths. Chains are made distinct by their entry workload: for every
//! workload the internet can compromise and every sink, the best chain through that entry is
//! kept, so the top N are N different ways in, not N variants of one.

use std::collections::BTreeMap;

use petgraph::Direction;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Serialize;

use crate::graph::{AttackGraph, Evidence, NodeKind, id};
use crate::snapshot::{Snapshot, Warning};

/// Search settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Longest chain, in steps.
    pub max_hops: usize,
    /// How many chains to return (all of them are counted in the summary).
    pub top: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_hops: 8,
            top: 10,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Severity bands of a chain score (documented in README.md).
    pub fn of_score(score: f64) -> Severity {
        if score >= 0.4 {
            Severity::Critical
        } else if score >= 0.2 {
            Severity::High
        } else if score >= 0.05 {
            Severity::Medium
        } else {
            Severity::Low
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

/// One step of a chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub from: String,
    pub to: String,
    pub technique: &'static str,
    pub title: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack: Option<&'static str>,
    pub likelihood: f64,
    pub evidence: Vec<Evidence>,
    /// Further facts for this step that were not kept (see `graph::MAX_EVIDENCE`).
    pub evidence_omitted: usize,
    pub remediation: String,
}

impl Step {
    /// A step of `technique` from `from` to `to` with likelihood 1 and no evidence, title or
    /// remediation: for synthetic chains (tests, embedders building a chain by hand).
    pub fn new(from: impl Into<String>, technique: &'static str, to: impl Into<String>) -> Step {
        Step {
            from: from.into(),
            to: to.into(),
            technique,
            title: "",
            attack: None,
            likelihood: 1.0,
            evidence: Vec::new(),
            evidence_omitted: 0,
            remediation: String::new(),
        }
    }
}

/// One attack chain from a source to a sink.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chain {
    pub rank: usize,
    pub score: f64,
    pub severity: Severity,
    pub source: String,
    pub target: String,
    pub steps: Vec<Step>,
}

impl Chain {
    /// The node ids along the chain, source first.
    pub fn nodes(&self) -> Vec<&str> {
        let mut v = vec![self.source.as_str()];
        v.extend(self.steps.iter().map(|s| s.to.as_str()));
        v
    }
}

/// Counts for the report header.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub nodes: usize,
    pub edges: usize,
    pub workloads: usize,
    /// Distinct chains found (before `top` cut the list).
    pub chains: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    /// Sinks reached by at least one chain.
    pub targets: Vec<String>,
    /// Workloads with an image no scan report covers; `None` when no report was given.
    /// (Renderers place it; see `engine::vuln`.)
    #[serde(skip)]
    pub not_covered_by_scan: Option<Vec<String>>,
}

/// The result of analysing one snapshot.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub graph: AttackGraph,
    pub chains: Vec<Chain>,
    pub summary: Summary,
    /// The collectors' warnings followed by the engine's, sorted.
    pub warnings: Vec<Warning>,
    /// What a live collection could not see (the snapshot's gaps, sorted).
    pub coverage: Vec<crate::snapshot::CoverageGap>,
}

impl Analysis {
    /// State what the snapshot says about its own coverage: the gaps its collection met
    /// (sorted) and the workloads no vulnerability report covers.
    pub fn with_coverage(mut self, snapshot: &Snapshot) -> Analysis {
        self.summary.not_covered_by_scan = crate::vuln::not_covered(snapshot);
        self.coverage = snapshot.coverage.clone();
        self.coverage.sort();
        self.coverage.dedup();
        self
    }

    /// The worst severity of any chain found (not only the top N).
    pub fn worst_severity(&self) -> Option<Severity> {
        self.summary.by_severity.keys().next_back().copied()
    }
}

/// Build the graph and find the ranked chains from `internet` to every admin sink.
pub fn analyze(snapshot: &Snapshot, options: &Options) -> Analysis {
    let (graph, engine_warnings) = crate::build_graph(snapshot);
    let mut warnings = snapshot.warnings.clone();
    warnings.extend(engine_warnings);
    analyze_graph(graph, warnings, options).with_coverage(snapshot)
}

/// Search and rank an already built graph (e.g. one with assumed fixes applied, see
/// `what_if`); `warnings` are the collectors' and the engine's.
pub fn analyze_graph(
    graph: AttackGraph,
    mut warnings: Vec<Warning>,
    options: &Options,
) -> Analysis {
    let found = found_chains(&graph, options.max_hops);
    let mut summary = Summary {
        nodes: graph.graph.node_count(),
        edges: graph.graph.edge_count(),
        workloads: graph
            .graph
            .node_weights()
            .filter(|n| n.kind == NodeKind::Workload)
            .count(),
        chains: found.len(),
        ..Summary::default()
    };
    for f in &found {
        *summary
            .by_severity
            .entry(Severity::of_score(f.score))
            .or_default() += 1;
        let target = graph.node_id(f.sink);
        if !summary.targets.iter().any(|t| t == target) {
            summary.targets.push(target.to_string());
        }
    }
    summary.targets.sort();
    let chains = written(&graph, found, options.top);
    warnings.sort();
    warnings.dedup();
    Analysis {
        graph,
        chains,
        summary,
        warnings,
        coverage: Vec::new(),
    }
}

/// Whether a step is an entry into a workload from outside the cluster.
pub(crate) fn is_entry(technique: &str) -> bool {
    matches!(technique, "APP_COMPROMISE" | "EXPOSED_HOSTPORT")
}

/// The best prefixes from `internet` into each entry. Prefixes end at the first workload: a
/// chain's entry is the workload the attacker lands on from the internet, so each (entry,
/// sink) pair is one distinct way in (a prefix through another workload is that workload's
/// chain, not this one's).
pub(crate) fn entry_prefixes(
    g: &AttackGraph,
    arcs: &Arcs,
    internet: NodeIndex,
    max_hops: usize,
) -> Layers {
    Layers::compute_through(g, arcs, &[internet], max_hops, Direction::Outgoing, |n| {
        g.graph[n].kind != NodeKind::Workload
    })
}

/// The workloads an entry step (from outside the cluster) lands on, by node id.
pub(crate) fn entry_workloads(g: &AttackGraph) -> Vec<NodeIndex> {
    let mut entries: Vec<NodeIndex> = g
        .graph
        .edge_references()
        .filter(|e| is_entry(e.weight().technique.id))
        .map(|e| e.target())
        .collect();
    entries.sort_by(|a, b| g.node_id(*a).cmp(g.node_id(*b)));
    entries.dedup();
    entries
}

/// Every distinct chain from `internet` to an admin sink within `max_hops`, ranked.
pub fn internet_chains(g: &AttackGraph, max_hops: usize) -> Vec<Chain> {
    top_internet_chains(g, max_hops, usize::MAX)
}

/// The best `top` of [`internet_chains`], as it ranks them, writing out only those.
pub fn top_internet_chains(g: &AttackGraph, max_hops: usize, top: usize) -> Vec<Chain> {
    written(g, found_chains(g, max_hops), top)
}

/// Every distinct chain from `internet` to an admin sink within `max_hops`, ranked.
fn found_chains(g: &AttackGraph, max_hops: usize) -> Vec<Found> {
    let Some(internet) = g.find(id::INTERNET) else {
        return Vec::new();
    };
    use rayon::prelude::*;
    // Two passes over the graph's edges, one per core.
    let (arcs, entries) = rayon::join(|| Arcs::of(g), || entry_workloads(g));
    let forward = entry_prefixes(g, &arcs, internet, max_hops);
    let mut sinks: Vec<NodeIndex> = g
        .graph
        .node_indices()
        .filter(|&n| g.graph[n].kind.impact().is_some())
        .collect();
    sinks.sort_by(|a, b| g.node_id(*a).cmp(g.node_id(*b)));

    // Sinks, and the entries of each, are independent searches: run them in parallel and
    // rank the union, which `rank_found` orders totally (the result does not depend on the
    // schedule).
    let mut found: Vec<Found> = sinks
        .par_iter()
        .flat_map(|&sink| {
            let worth = impact(g, sink);
            let backward = Layers::compute(g, &arcs, sink, max_hops, Direction::Incoming);
            entries
                .par_iter()
                .filter_map(|&entry| {
                    let path = best_split(g, &forward, &backward, entry, max_hops)?;
                    Some(Found::new(g, internet, sink, worth, path))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    rank_found(g, &mut found);
    found
}

/// The weight of a chain ending at `n`: its kind's impact, 1 where it has none (a query's
/// own target).
pub(crate) fn impact(g: &AttackGraph, n: NodeIndex) -> f64 {
    g.graph[n].kind.impact().unwrap_or(1.0)
}

/// A chain found and ranked but not yet written out as a [`Chain`] (which copies every
/// step's evidence): a scan lists only its best few.
pub(crate) struct Found {
    source: NodeIndex,
    sink: NodeIndex,
    path: Vec<EdgeIndex>,
    /// As [`make_chain`] computes it.
    score: f64,
}

impl Found {
    fn new(
        g: &AttackGraph,
        source: NodeIndex,
        sink: NodeIndex,
        impact: f64,
        path: Vec<EdgeIndex>,
    ) -> Found {
        let mut score = impact;
        for &e in &path {
            if g.graph.edge_endpoints(e).is_some() {
                score *= g.graph[e].likelihood;
            }
        }
        Found {
            source,
            sink,
            path,
            score,
        }
    }

    /// The node ids along the chain, source first ([`Chain::nodes`]).
    fn nodes<'g>(&self, g: &'g AttackGraph) -> impl Iterator<Item = &'g str> {
        std::iter::once(g.node_id(self.source)).chain(
            self.path
                .iter()
                .filter_map(|&e| g.graph.edge_endpoints(e))
                .map(|(_, b)| g.node_id(b)),
        )
    }

    fn steps(&self, g: &AttackGraph) -> usize {
        self.path
            .iter()
            .filter(|&&e| g.graph.edge_endpoints(e).is_some())
            .count()
    }
}

/// [`rank`]'s order, on chains not yet written out.
fn rank_found(g: &AttackGraph, found: &mut [Found]) {
    found.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then(x.steps(g).cmp(&y.steps(g)))
            .then_with(|| x.nodes(g).cmp(y.nodes(g)))
    });
}

/// The first `top` of ranked chains, written out and numbered from 1.
fn written(g: &AttackGraph, found: Vec<Found>, top: usize) -> Vec<Chain> {
    found
        .into_iter()
        .take(top)
        .enumerate()
        .map(|(i, f)| Chain {
            rank: i + 1,
            ..make_chain(g, f.source, f.sink, impact(g, f.sink), &f.path)
        })
        .collect()
}

/// The best chain from `from` to `to` within `max_hops`, if any (for queries).
pub fn best_chain(g: &AttackGraph, from: &str, to: &str, max_hops: usize) -> Option<Chain> {
    let (a, b) = (g.find(from)?, g.find(to)?);
    let layers = Layers::compute(g, &Arcs::of(g), b, max_hops, Direction::Incoming);
    let path = layers.path(g, a, max_hops)?;
    Some(make_chain(g, a, b, impact(g, b), &path))
}

/// Sort by score (desc), then fewer steps, then ids; number from 1.
pub(crate) fn rank(chains: &mut [Chain]) {
    chains.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then(x.steps.len().cmp(&y.steps.len()))
            .then_with(|| x.nodes().cmp(&y.nodes()))
    });
    for (i, c) in chains.iter_mut().enumerate() {
        c.rank = i + 1;
    }
}

/// Best prefix `internet -> entry` joined to the best suffix `entry -> sink` within the
/// hop budget, as a list of edges; `None` when no simple path joins them.
pub(crate) fn best_split(
    g: &AttackGraph,
    forward: &Layers,
    backward: &Layers,
    entry: NodeIndex,
    max_hops: usize,
) -> Option<Vec<EdgeIndex>> {
    let mut best: Option<(f64, usize, Vec<EdgeIndex>)> = None;
    for h1 in 1..max_hops {
        let p = forward.value(h1, entry);
        if p <= 0.0 || (h1 > 1 && p <= forward.value(h1 - 1, entry)) {
            continue; // no prefix of exactly this budget improves on a shorter one
        }
        let h2 = max_hops - h1;
        let s = backward.value(h2, entry);
        if s <= 0.0 {
            continue;
        }
        let score = p * s;
        let better = match &best {
            None => true,
            Some((b, _, _)) => score > *b * (1.0 + 1e-12),
        };
        if !better {
            continue;
        }
        // A budget whose best walk cannot be rebuilt, or joins into a non-simple path, is
        // skipped; the other budgets are still tried.
        let (Some(mut prefix), Some(suffix)) =
            (forward.path(g, entry, h1), backward.path(g, entry, h2))
        else {
            continue;
        };
        prefix.reverse(); // forward layers walk back from entry to internet
        let mut seen = std::collections::HashSet::new();
        let mut ok = true;
        for &e in prefix.iter().chain(suffix.iter()) {
            if let Some((a, _)) = g.graph.edge_endpoints(e) {
                ok &= seen.insert(a);
            }
        }
        if !ok {
            continue;
        }
        let hops = prefix.len() + suffix.len();
        prefix.extend(suffix);
        best = Some((score, hops, prefix));
    }
    best.map(|(_, _, p)| p)
}

pub(crate) fn make_chain(
    g: &AttackGraph,
    source: NodeIndex,
    sink: NodeIndex,
    impact: f64,
    path: &[EdgeIndex],
) -> Chain {
    let mut score = impact;
    let steps = path
        .iter()
        .filter_map(|&e| {
            let (a, b) = g.graph.edge_endpoints(e)?;
            let edge = &g.graph[e];
            score *= edge.likelihood;
            Some(Step {
                from: g.node_id(a).to_string(),
                to: g.node_id(b).to_string(),
                technique: edge.technique.id,
                title: edge.technique.title,
                attack: edge.technique.attack,
                likelihood: edge.likelihood,
                evidence: edge.evidence.clone(),
                evidence_omitted: edge.evidence_omitted,
                remediation: edge.remediation.clone(),
            })
        })
        .collect();
    Chain {
        rank: 0,
        score,
        severity: Severity::of_score(score),
        source: g.node_id(source).to_string(),
        target: g.node_id(sink).to_string(),
        steps,
    }
}

/// What a walk reads of each edge (source, target, id, likelihood), in the graph's edge
/// order: built once per search and read once per layer, it stays in cache where the graph's
/// edges, which carry their evidence, would not.
pub(crate) struct Arcs(Vec<(NodeIndex, NodeIndex, EdgeIndex, f64)>);

impl Arcs {
    pub(crate) fn of(g: &AttackGraph) -> Arcs {
        Arcs(
            g.graph
                .edge_references()
                .map(|e| (e.source(), e.target(), e.id(), e.weight().likelihood))
                .collect(),
        )
    }
}

/// Best-product values by hop budget from (or to) one root node.
///
/// `value(h, v)` is the best product of likelihoods over paths of at most `h` steps between
/// the root and `v`; `via(h, v)` the first edge of such a path, taken from `v`'s side.
/// Improvements must be strict, so a cycle (product <= 1) is never taken and ties keep the
/// fewer-step path; equal values at one budget are broken by the smaller neighbour id, so
/// the result does not depend on the order edges were added.
pub(crate) struct Layers {
    n: usize,
    value: Vec<f64>,
    via: Vec<Option<EdgeIndex>>,
    direction: Direction,
}

impl Layers {
    pub(crate) fn compute(
        g: &AttackGraph,
        arcs: &Arcs,
        root: NodeIndex,
        max_hops: usize,
        direction: Direction,
    ) -> Layers {
        Layers::compute_from(g, arcs, &[root], max_hops, direction)
    }

    /// Like `compute` from several roots at once (each at value 1): the best path from (or
    /// to) any of them, in the same O(max_hops x edges).
    pub(crate) fn compute_from(
        g: &AttackGraph,
        arcs: &Arcs,
        roots: &[NodeIndex],
        max_hops: usize,
        direction: Direction,
    ) -> Layers {
        Layers::compute_through(g, arcs, roots, max_hops, direction, |_| true)
    }

    /// Like `compute_from`, walking on only from nodes `through` accepts (roots included);
    /// other nodes are reached but end the walk.
    pub(crate) fn compute_through(
        g: &AttackGraph,
        arcs: &Arcs,
        roots: &[NodeIndex],
        max_hops: usize,
        direction: Direction,
        through: impl Fn(NodeIndex) -> bool,
    ) -> Layers {
        let n = g.graph.node_count();
        let mut value = vec![0.0f64; n * (max_hops + 1)];
        let mut via = vec![None; n * (max_hops + 1)];
        for r in roots {
            if let Some(v) = value.get_mut(r.index()) {
                *v = 1.0;
            }
        }
        // The edges the walk may take, nearer endpoint first; those leaving a node
        // `through` refuses are never read again.
        let arcs: Vec<(NodeIndex, NodeIndex, EdgeIndex, f64)> = arcs
            .0
            .iter()
            .filter_map(|&(source, target, edge, likelihood)| {
                let (near, far) = match direction {
                    Direction::Incoming => (target, source),
                    Direction::Outgoing => (source, target),
                };
                through(near).then_some((near, far, edge, likelihood))
            })
            .collect();
        let mut settled = false;
        for h in 1..=max_hops {
            let (prev, cur) = value.split_at_mut(h * n);
            let prev = &prev[(h - 1) * n..];
            let cur = &mut cur[..n];
            cur.copy_from_slice(prev);
            let (vprev, vcur) = via.split_at_mut(h * n);
            let vcur = &mut vcur[..n];
            vcur.copy_from_slice(&vprev[(h - 1) * n..]);
            // A layer is a function of the one before: once one changes nothing, every
            // later layer is the same copy.
            if settled {
                continue;
            }
            let mut changed = false;
            // Relax every edge once per layer: `near` is the endpoint nearer the root.
            for &(near, far, edge, likelihood) in &arcs {
                let base = prev[near.index()];
                if base <= 0.0 {
                    continue;
                }
                let cand = base * likelihood;
                let slot = far.index();
                let old = cur[slot];
                let strictly = cand > old * (1.0 + 1e-12) && cand > old;
                let tie_better = !strictly
                    && (cand - old).abs() <= old * 1e-12
                    && prev[slot] < old // the current value was set in this layer
                    && vcur[slot].is_some_and(|x| {
                        let other = match direction {
                            Direction::Incoming => g.graph.edge_endpoints(x).map(|(_, b)| b),
                            Direction::Outgoing => g.graph.edge_endpoints(x).map(|(a, _)| a),
                        };
                        other.is_some_and(|o| g.node_id(near) < g.node_id(o))
                    });
                if strictly || tie_better {
                    cur[slot] = cand;
                    vcur[slot] = Some(edge);
                    changed = true;
                }
            }
            settled = !changed;
        }
        Layers {
            n,
            value,
            via,
            direction,
        }
    }

    pub(crate) fn value(&self, h: usize, v: NodeIndex) -> f64 {
        self.value
            .get(h * self.n + v.index())
            .copied()
            .unwrap_or(0.0)
    }

    /// The edges of the best path of at most `h` steps from `v` towards the root, in walking
    /// order from `v`.
    pub(crate) fn path(&self, g: &AttackGraph, v: NodeIndex, h: usize) -> Option<Vec<EdgeIndex>> {
        let mut out = Vec::new();
        let mut cur = v;
        let mut h = h;
        loop {
            // Only the root has a value at budget 0.
            if self.value(0, cur) >= 1.0 {
                return Some(out);
            }
            if self.value(h, cur) <= 0.0 {
                return None;
            }
            // The smallest budget that gives this value: its `via` is the edge that set it.
            while h > 0 && self.value(h - 1, cur) >= self.value(h, cur) {
                h -= 1;
            }
            if h == 0 {
                return None;
            }
            let e = self.via[h * self.n + cur.index()]?;
            out.push(e);
            let (a, b) = g.graph.edge_endpoints(e)?;
            cur = match self.direction {
                Direction::Incoming => b,
                Direction::Outgoing => a,
            };
            h -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::techniques::{aws, exposure, identity, rbac};

    fn step(g: &mut AttackGraph, from: &str, to: &str, t: &'static crate::Technique, l: f64) {
        g.add_edge(from, to, t.edge_with(l, Vec::new(), "fix"));
    }

    /// `sa` assumes an IAM role (IRSA, at `likelihood`) that is admin of account 1.
    fn irsa_to_aws_admin(g: &mut AttackGraph, sa: &str, likelihood: f64) {
        let role = "aws-role:arn:aws:iam::1:role/r";
        step(g, sa, role, &aws::IRSA_ASSUME, likelihood);
        step(g, role, "aws-admin:1", &aws::AWS_ADMIN, 1.0);
    }

    /// internet -> svc -> web -> sa:web -> cluster-admin, plus a weaker detour.
    fn two_routes() -> AttackGraph {
        let mut g = AttackGraph::new();
        step(
            &mut g,
            "internet",
            "service:a/web",
            &exposure::EXPOSED_LOADBALANCER,
            0.9,
        );
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
            "cluster-admin",
            &rbac::RBAC_CLUSTER_ADMIN,
            1.0,
        );
        // Weaker: through a group.
        step(&mut g, "sa:a/web", "group:g", &rbac::MEMBER_OF, 1.0);
        step(
            &mut g,
            "group:g",
            "cluster-admin",
            &rbac::RBAC_CLUSTER_ADMIN,
            0.5,
        );
        g
    }

    #[test]
    fn best_chain_is_the_max_product_path() {
        let chains = internet_chains(&two_routes(), 8);
        assert_eq!(chains.len(), 1);
        let c = &chains[0];
        assert_eq!(
            c.nodes(),
            vec![
                "internet",
                "service:a/web",
                "workload:a/Deployment/web",
                "sa:a/web",
                "cluster-admin"
            ]
        );
        assert!((c.score - 0.45).abs() < 1e-9);
        assert_eq!(c.severity, Severity::Critical);
    }

    /// Many entries into two sinks, with equal scores of different lengths and equal
    /// scores and lengths told apart only by node ids.
    fn many_chains() -> AttackGraph {
        let mut g = AttackGraph::new();
        for (i, l) in [0.9, 0.5, 0.5, 0.5, 0.7].into_iter().enumerate() {
            let svc = format!("service:a/s{i}");
            let w = format!("workload:a/Deployment/w{i}");
            let sa = format!("sa:a/w{}", i % 3);
            step(
                &mut g,
                "internet",
                &svc,
                &exposure::EXPOSED_LOADBALANCER,
                1.0,
            );
            step(&mut g, &svc, &w, &exposure::APP_COMPROMISE, l);
            step(&mut g, &w, &sa, &identity::POD_SA_TOKEN, 1.0);
        }
        step(
            &mut g,
            "sa:a/w0",
            "cluster-admin",
            &rbac::RBAC_CLUSTER_ADMIN,
            1.0,
        );
        step(&mut g, "sa:a/w1", "group:g", &rbac::MEMBER_OF, 1.0);
        step(
            &mut g,
            "group:g",
            "cluster-admin",
            &rbac::RBAC_CLUSTER_ADMIN,
            1.0,
        );
        irsa_to_aws_admin(&mut g, "sa:a/w2", 1.0);
        g
    }

    #[test]
    fn chains_are_ranked_and_the_top_ones_are_the_first_of_them_all() {
        let g = many_chains();
        let all = internet_chains(&g, 8);
        assert_eq!(all.len(), 5, "{all:#?}");
        let mut again = all.clone();
        rank(&mut again);
        assert_eq!(again, all);
        // Equal scores (0.5): the 4 steps to cluster-admin first, though its node ids sort
        // last, then the two of 5 steps by node ids.
        let half: Vec<(usize, &str)> = all
            .iter()
            .filter(|c| (c.score - 0.5).abs() < 1e-9)
            .map(|c| (c.steps.len(), c.steps[0].to.as_str()))
            .collect();
        assert_eq!(
            half,
            vec![
                (4, "service:a/s3"),
                (5, "service:a/s1"),
                (5, "service:a/s2")
            ]
        );
        for top in [0, 1, 3, 5, 6, usize::MAX] {
            let want = &all[..top.min(all.len())];
            assert_eq!(top_internet_chains(&g, 8, top), want, "top {top}");
        }
    }

    #[test]
    fn a_scan_writes_out_its_top_chains_and_counts_them_all() {
        let g = many_chains();
        let all = internet_chains(&g, 8);
        let options = Options {
            top: 2,
            ..Options::default()
        };
        let a = analyze_graph(g, Vec::new(), &options);
        assert_eq!(a.chains, all[..2]);
        assert_eq!(a.summary.chains, 5);
        assert_eq!(a.summary.targets, vec!["aws-admin:1", "cluster-admin"]);
        let mut by_severity = BTreeMap::new();
        for c in &all {
            *by_severity.entry(c.severity).or_insert(0) += 1;
        }
        assert_eq!(a.summary.by_severity, by_severity);
    }

    #[test]
    fn hop_limit_excludes_longer_chains() {
        assert!(internet_chains(&two_routes(), 3).is_empty());
        assert_eq!(internet_chains(&two_routes(), 4).len(), 1);
    }

    #[test]
    fn equal_scores_prefer_fewer_steps() {
        let mut g = two_routes();
        // A 1.0 detour of the same score must not be chosen over the direct step.
        step(&mut g, "sa:a/web", "group:h", &rbac::MEMBER_OF, 1.0);
        step(
            &mut g,
            "group:h",
            "cluster-admin",
            &rbac::RBAC_CLUSTER_ADMIN,
            1.0,
        );
        let c = &internet_chains(&g, 8)[0];
        assert_eq!(c.steps.len(), 4);
    }

    #[test]
    fn each_entry_workload_gives_its_own_chain() {
        let mut g = two_routes();
        step(
            &mut g,
            "internet",
            "service:b/api",
            &exposure::EXPOSED_NODEPORT,
            0.6,
        );
        step(
            &mut g,
            "service:b/api",
            "workload:b/Deployment/api",
            &exposure::APP_COMPROMISE,
            0.5,
        );
        step(
            &mut g,
            "workload:b/Deployment/api",
            "sa:a/web",
            &identity::POD_SA_TOKEN,
            1.0,
        );
        let chains = internet_chains(&g, 8);
        assert_eq!(chains.len(), 2);
        assert_eq!(chains[0].rank, 1);
        assert!(chains[0].score >= chains[1].score);
        assert_eq!(chains[1].steps[1].to, "workload:b/Deployment/api");
    }

    #[test]
    fn every_sink_is_a_target() {
        let mut g = two_routes();
        irsa_to_aws_admin(&mut g, "sa:a/web", 0.95);
        let targets: Vec<_> = internet_chains(&g, 8)
            .into_iter()
            .map(|c| c.target)
            .collect();
        assert_eq!(
            targets,
            vec!["cluster-admin".to_string(), "aws-admin:1".to_string()]
        );
    }

    #[test]
    fn cycles_are_never_walked() {
        let mut g = two_routes();
        step(
            &mut g,
            "sa:a/web",
            "workload:a/Deployment/web",
            &rbac::RBAC_POD_EXEC,
            1.0,
        );
        let c = &internet_chains(&g, 8)[0];
        let nodes = c.nodes();
        let mut uniq = nodes.clone();
        uniq.sort_unstable();
        uniq.dedup();
        assert_eq!(uniq.len(), nodes.len());
    }

    #[test]
    fn result_does_not_depend_on_edge_order() {
        let forward = internet_chains(&two_routes(), 8);
        let mut g = AttackGraph::new();
        step(
            &mut g,
            "group:g",
            "cluster-admin",
            &rbac::RBAC_CLUSTER_ADMIN,
            0.5,
        );
        step(&mut g, "sa:a/web", "group:g", &rbac::MEMBER_OF, 1.0);
        step(
            &mut g,
            "sa:a/web",
            "cluster-admin",
            &rbac::RBAC_CLUSTER_ADMIN,
            1.0,
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
            "service:a/web",
            "workload:a/Deployment/web",
            &exposure::APP_COMPROMISE,
            0.5,
        );
        step(
            &mut g,
            "internet",
            "service:a/web",
            &exposure::EXPOSED_LOADBALANCER,
            0.9,
        );
        assert_eq!(internet_chains(&g, 8), forward);
    }

    #[test]
    fn no_entry_means_no_chain() {
        let mut g = AttackGraph::new();
        step(
            &mut g,
            "sa:a/web",
            "cluster-admin",
            &rbac::RBAC_CLUSTER_ADMIN,
            1.0,
        );
        assert!(internet_chains(&g, 8).is_empty());
    }

    #[test]
    fn severity_bands() {
        assert_eq!(Severity::of_score(0.45), Severity::Critical);
        assert_eq!(Severity::of_score(0.3), Severity::High);
        assert_eq!(Severity::of_score(0.1), Severity::Medium);
        assert_eq!(Severity::of_score(0.01), Severity::Low);
    }
}
