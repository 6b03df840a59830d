//! `kubepath fix-plan`: the fewest, least disruptive fixes that cut every chain.
//!
//! A minimum cut between the sources and the targets over the fixable edges
//! (`what_if::fix_cost`: exposures cost 3, other fixes 2, the attacker's own steps cannot be
//! cut), computed by max-flow (Edmonds-Karp) on the union of the chains' edges. Chains are
//! only the best path per (entry, target), so cutting them can reveal the next-best ones:
//! the plan applies its cut to the whole graph, searches again, adds the edges of any chain
//! that appears to the union and cuts again, until no chain remains or the rest cannot be
//! cut (every step of them is the attacker's own). Each round is one search plus a max-flow
//! on a graph of at most (chains x max_hops) edges.
//!
//! Ties: the cut nearest the targets is taken (fix the privilege, not the way in), and
//! nodes and edges are visited in id order, so the plan is deterministic.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use kubepath_engine::graph::AttackGraph;
use kubepath_engine::query::chains_between;
use kubepath_engine::search::Chain;
use kubepath_engine::vuln::Upgrade;
use kubepath_engine::what_if::{self, Fix};
use kubepath_engine::{Evidence, NodeKind};
use petgraph::graph::{EdgeIndex, NodeIndex};
use serde::Serialize;

use crate::markdown::Section;
use crate::select::Selector;

/// Most search-and-cut rounds (each adds edges to the union, so this is a safety bound).
const MAX_ROUNDS: usize = 64;

/// (from, technique, to): an edge by ids, stable across a graph and its what-if copies.
type Key = (String, &'static str, String);

/// One fix of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedFix {
    /// The edge, in the form `--assume-fixed` reads.
    pub id: String,
    pub from: String,
    pub to: String,
    pub technique: &'static str,
    pub title: &'static str,
    /// The objects and fields that make the step possible: what to change.
    pub change: Vec<Evidence>,
    pub remediation: String,
    /// 3 for an exposure, 2 otherwise.
    pub cost: u32,
    /// Ranks of the listed chains this fix removes.
    pub chains: Vec<usize>,
    /// Further chains (found after earlier fixes, hidden behind the listed ones) it removes.
    pub alternatives: usize,
    /// Workloads the attacker enters through this step (an exposure or the pod network), on
    /// the chains it cuts: patching their images is a further fix for it.
    #[serde(skip)]
    pub enters: Vec<String>,
    /// Image upgrades that remove the worst remotely exploitable finding of a workload this
    /// step leads into, beside the configuration fix (filled by [`FixPlan::add_upgrades`]).
    /// They lower the chain's likelihood rather than remove the step, so `--assume-fixed`
    /// does not apply them.
    pub upgrades: Vec<PlannedUpgrade>,
}

/// "upgrade PKG to FIXED in IMAGE" for a workload a planned fix leads into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedUpgrade {
    pub workload: String,
    pub package: String,
    pub installed: String,
    pub fixed: String,
    pub image: String,
    pub vulnerability: String,
}

impl std::fmt::Display for PlannedUpgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "upgrade {} to {} in {} ({}, {})",
            self.package, self.fixed, self.image, self.vulnerability, self.workload
        )
    }
}

/// A chain the plan cannot remove, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Remaining {
    pub chain: Chain,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FixPlan {
    pub from: String,
    pub to: String,
    /// Every chain before any fix, ranked.
    pub chains: Vec<Chain>,
    pub fixes: Vec<PlannedFix>,
    /// Chains found with every fix applied (empty when the plan is complete).
    pub remaining: Vec<Remaining>,
    /// Search-and-cut rounds run.
    pub rounds: usize,
}

impl FixPlan {
    pub fn cost(&self) -> u32 {
        self.fixes.iter().map(|f| f.cost).sum()
    }

    /// Attach the image upgrades of the workloads each fix leads into; `upgrade` gives a
    /// workload's (`kubepath_engine::vuln::upgrade_for` over the snapshot's index).
    pub fn add_upgrades(&mut self, upgrade: impl Fn(&str) -> Option<Upgrade>) {
        for f in &mut self.fixes {
            f.upgrades = f
                .enters
                .iter()
                .filter_map(|w| {
                    let u = upgrade(w)?;
                    Some(PlannedUpgrade {
                        workload: w.clone(),
                        package: u.package,
                        installed: u.installed,
                        fixed: u.fixed,
                        image: u.image,
                        vulnerability: u.vulnerability,
                    })
                })
                .collect();
        }
    }

    /// The fixes as `what_if` fixes (for `--assume-fixed`).
    pub fn as_fixes(&self) -> Vec<Fix> {
        self.fixes
            .iter()
            .filter_map(|f| Fix::parse(&f.id).ok())
            .collect()
    }
}

fn key_of(g: &AttackGraph, e: EdgeIndex) -> Option<Key> {
    let (a, b) = g.graph.edge_endpoints(e)?;
    Some((
        g.node_id(a).to_string(),
        g.graph[e].technique.id,
        g.node_id(b).to_string(),
    ))
}

fn step_keys(c: &Chain) -> impl Iterator<Item = Key> + '_ {
    c.steps
        .iter()
        .map(|s| (s.from.clone(), s.technique, s.to.clone()))
}

/// Identity of a chain across rounds.
fn chain_key(c: &Chain) -> Vec<String> {
    c.steps
        .iter()
        .map(|s| format!("{} -[{}]-> {}", s.from, s.technique, s.to))
        .collect()
}

/// Plan the fixes that cut every chain from `from` to `to` in `g`.
pub fn plan(g: &AttackGraph, from: &Selector, to: &Selector, max_hops: usize) -> FixPlan {
    let sources = from.select(g);
    let targets = to.select(g);
    let edges: BTreeMap<Key, EdgeIndex> = g
        .graph
        .edge_indices()
        .filter_map(|e| Some((key_of(g, e)?, e)))
        .collect();
    let cost = |k: &Key| -> Option<u32> {
        let kind = NodeKind::of_id(&k.0)?;
        what_if::fix_cost(k.1, kind)
    };
    let original = chains_between(g, &sources, &targets, max_hops);
    let mut seen: Vec<Chain> = Vec::new();
    let mut seen_keys: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut union: BTreeSet<Key> = BTreeSet::new();
    let mut forced: BTreeSet<Key> = BTreeSet::new();
    let mut unfixable: BTreeMap<Vec<String>, Remaining> = BTreeMap::new();
    let mut cut: BTreeSet<Key> = BTreeSet::new();
    let mut now = original.clone();
    let mut rounds = 0;
    let mut leftover: Vec<Remaining> = Vec::new();
    loop {
        // Chains with no fixable step are set aside; the rest feed the cut.
        let mut fresh = Vec::new();
        for c in now {
            let k = chain_key(&c);
            if unfixable.contains_key(&k) {
                continue;
            }
            if c.steps
                .iter()
                .all(|s| cost(&(s.from.clone(), s.technique, s.to.clone())).is_none())
            {
                let techniques: Vec<&str> = c.steps.iter().map(|s| s.technique).collect();
                let reason = format!(
                    "no step can be fixed by changing an object ({}); the fix lies outside the graph",
                    techniques.join(", ")
                );
                unfixable.insert(k, Remaining { chain: c, reason });
                continue;
            }
            fresh.push(c);
        }
        if fresh.is_empty() {
            break;
        }
        if rounds >= MAX_ROUNDS {
            leftover = fresh
                .into_iter()
                .map(|chain| Remaining {
                    chain,
                    reason: format!("still open after {MAX_ROUNDS} rounds of cutting"),
                })
                .collect();
            break;
        }
        rounds += 1;
        let before = union.len() + forced.len();
        for c in &fresh {
            union.extend(step_keys(c));
            if seen_keys.insert(chain_key(c)) {
                seen.push(c.clone());
            }
        }
        if union.len() + forced.len() == before {
            // Every edge of these chains is already in the union, yet the cut missed them
            // (they pass an uncuttable piece of the union): cut each at its cheapest step.
            for c in &fresh {
                let best = step_keys(c)
                    .filter_map(|k| cost(&k).map(|w| (w, k)))
                    .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
                if let Some((_, k)) = best {
                    forced.insert(k);
                }
            }
        }
        cut = min_cut(
            &union,
            &sources_ids(g, &sources),
            &sources_ids(g, &targets),
            &cost,
        );
        cut.extend(forced.iter().cloned());
        let fixes: Vec<Fix> = cut
            .iter()
            .map(|(a, t, b)| Fix::Edge {
                from: a.clone(),
                technique: (*t).to_string(),
                to: b.clone(),
            })
            .collect();
        let (fixed, _) = what_if::apply(g, &fixes);
        // `apply` keeps node indices, so the selections still hold.
        now = chains_between(&fixed, &sources, &targets, max_hops);
    }
    let mut remaining: Vec<Remaining> = unfixable.into_values().collect();
    remaining.extend(leftover);
    remaining.sort_by(|a, b| b.chain.score.total_cmp(&a.chain.score));

    let original_keys: Vec<BTreeSet<Key>> =
        original.iter().map(|c| step_keys(c).collect()).collect();
    let alt: Vec<BTreeSet<Key>> = seen
        .iter()
        .filter(|c| !original.iter().any(|o| chain_key(o) == chain_key(c)))
        .map(|c| step_keys(c).collect())
        .collect();
    let mut fixes: Vec<PlannedFix> = cut
        .iter()
        .filter_map(|k| {
            let &e = edges.get(k)?;
            let edge = &g.graph[e];
            Some(PlannedFix {
                id: what_if::edge_id(g, e),
                from: k.0.clone(),
                to: k.2.clone(),
                technique: edge.technique.id,
                title: edge.technique.title,
                change: edge.evidence.clone(),
                remediation: edge.remediation.clone(),
                cost: cost(k).unwrap_or(0),
                chains: original
                    .iter()
                    .zip(&original_keys)
                    .filter(|(_, ks)| ks.contains(k))
                    .map(|(c, _)| c.rank)
                    .collect(),
                alternatives: alt.iter().filter(|ks| ks.contains(k)).count(),
                enters: entered_workloads(&seen, k),
                upgrades: Vec::new(),
            })
        })
        .collect();
    fixes.sort_by(|a, b| {
        b.chains
            .len()
            .cmp(&a.chains.len())
            .then(b.alternatives.cmp(&a.alternatives))
            .then_with(|| a.id.cmp(&b.id))
    });
    FixPlan {
        from: from.to_string(),
        to: to.to_string(),
        chains: original,
        fixes,
        remaining,
        rounds,
    }
}

/// Whether a step is part of the way into a workload: an exposure, the exploit of the
/// exposed application, a Service's selection, or the flat pod network.
fn entry_step(technique: &str) -> bool {
    technique.starts_with("EXPOSED_")
        || matches!(
            technique,
            "APP_COMPROMISE" | "SERVICE_SELECTS" | "LATERAL_NETWORK"
        )
}

/// The workloads the attacker enters through entry step `k` on `chains`: on each chain
/// holding it, the first workload reached from it by entry steps only. Empty for fixes
/// that are not on the way in (a binding, a pod setting).
fn entered_workloads(chains: &[Chain], k: &Key) -> Vec<String> {
    if !entry_step(k.1) {
        return Vec::new();
    }
    let mut out = BTreeSet::new();
    for c in chains {
        let Some(at) = c
            .steps
            .iter()
            .position(|s| s.technique == k.1 && s.from == k.0 && s.to == k.2)
        else {
            continue;
        };
        for s in &c.steps[at..] {
            if !entry_step(s.technique) {
                break;
            }
            if NodeKind::of_id(&s.to) == Some(NodeKind::Workload) {
                out.insert(s.to.clone());
                break;
            }
        }
    }
    out.into_iter().collect()
}

fn sources_ids(g: &AttackGraph, v: &[NodeIndex]) -> BTreeSet<String> {
    v.iter().map(|&n| g.node_id(n).to_string()).collect()
}

/// A minimum-cost set of fixable edges of `union` separating every source from every target
/// (Edmonds-Karp on a super-source/super-sink network; unfixable edges are uncuttable).
/// Of the minimum cuts, the one nearest the targets.
fn min_cut(
    union: &BTreeSet<Key>,
    sources: &BTreeSet<String>,
    targets: &BTreeSet<String>,
    cost: &dyn Fn(&Key) -> Option<u32>,
) -> BTreeSet<Key> {
    let mut flow = Network::default();
    let inf: u64 = union.iter().filter_map(cost).map(u64::from).sum::<u64>() + 1;
    let s = flow.node("\u{0}source");
    let t = flow.node("\u{10FFFF}sink");
    let mut arcs: Vec<(usize, Key)> = Vec::new();
    for k in union {
        let (a, b) = (flow.node(&k.0), flow.node(&k.2));
        let cap = cost(k).map(u64::from).unwrap_or(inf);
        arcs.push((flow.arc(a, b, cap), k.clone()));
    }
    for id in sources {
        if let Some(&n) = flow.ids.get(id.as_str()) {
            flow.arc(s, n, inf);
        }
    }
    for id in targets {
        if let Some(&n) = flow.ids.get(id.as_str()) {
            flow.arc(n, t, inf);
        }
    }
    flow.max_flow(s, t);
    let sink_side = flow.reaching(t);
    arcs.into_iter()
        .filter(|(arc, k)| {
            let (from, to) = (flow.arcs[*arc].from, flow.arcs[*arc].to);
            !sink_side[from] && sink_side[to] && cost(k).is_some()
        })
        .map(|(_, k)| k)
        .collect()
}

#[derive(Debug, Clone)]
struct Arc {
    from: usize,
    to: usize,
    cap: u64,
}

/// A flow network: arcs in pairs (forward at even index, its residual twin next).
#[derive(Debug, Default)]
struct Network {
    ids: BTreeMap<String, usize>,
    adj: Vec<Vec<usize>>,
    arcs: Vec<Arc>,
}

impl Network {
    fn node(&mut self, id: &str) -> usize {
        if let Some(&n) = self.ids.get(id) {
            return n;
        }
        let n = self.adj.len();
        self.adj.push(Vec::new());
        self.ids.insert(id.to_string(), n);
        n
    }

    fn arc(&mut self, from: usize, to: usize, cap: u64) -> usize {
        let i = self.arcs.len();
        self.arcs.push(Arc { from, to, cap });
        self.arcs.push(Arc {
            from: to,
            to: from,
            cap: 0,
        });
        self.adj[from].push(i);
        self.adj[to].push(i + 1);
        i
    }

    /// Edmonds-Karp: shortest augmenting paths by BFS, O(V x E^2).
    fn max_flow(&mut self, s: usize, t: usize) -> u64 {
        let mut total = 0u64;
        loop {
            let mut prev: Vec<Option<usize>> = vec![None; self.adj.len()];
            let mut seen = vec![false; self.adj.len()];
            seen[s] = true;
            let mut queue = VecDeque::from([s]);
            while let Some(u) = queue.pop_front() {
                for &a in &self.adj[u] {
                    let arc = &self.arcs[a];
                    if arc.cap > 0 && !seen[arc.to] {
                        seen[arc.to] = true;
                        prev[arc.to] = Some(a);
                        queue.push_back(arc.to);
                    }
                }
            }
            if !seen[t] {
                return total;
            }
            let mut push = u64::MAX;
            let mut v = t;
            while let Some(a) = prev[v] {
                push = push.min(self.arcs[a].cap);
                v = self.arcs[a].from;
            }
            let mut v = t;
            while let Some(a) = prev[v] {
                self.arcs[a].cap -= push;
                self.arcs[a ^ 1].cap += push;
                v = self.arcs[a].from;
            }
            total = total.saturating_add(push);
        }
    }

    /// Nodes that reach `t` in the residual network.
    fn reaching(&self, t: usize) -> Vec<bool> {
        let mut seen = vec![false; self.adj.len()];
        seen[t] = true;
        let mut queue = VecDeque::from([t]);
        while let Some(v) = queue.pop_front() {
            // An arc u -> v with residual capacity lets u reach v; its twin sits in adj[v].
            for &a in &self.adj[v] {
                let back = &self.arcs[a ^ 1];
                if back.cap > 0 && !seen[back.from] {
                    seen[back.from] = true;
                    queue.push_back(back.from);
                }
            }
        }
        seen
    }
}

fn ranks(v: &[usize]) -> String {
    v.iter()
        .map(|r| format!("#{r}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `fix-plan` table: each fix with what to change, why, and the chains it removes; then
/// the re-analysis with every fix applied.
pub fn table(p: &FixPlan, style: &crate::table::TableStyle) -> String {
    use crate::table::wrap;
    use std::fmt::Write as _;
    let width = style.width.max(60);
    let mut out = String::new();
    if p.chains.is_empty() {
        let _ = writeln!(
            out,
            "No chain from {} to {} within the hop limit: nothing to fix.",
            p.from, p.to
        );
        return out;
    }
    let _ = writeln!(
        out,
        "Fix plan for {} chains from {} to {}: {} fixes (cost {}, {} rounds of search and cut)",
        p.chains.len(),
        p.from,
        p.to,
        p.fixes.len(),
        p.cost(),
        p.rounds
    );
    for (i, f) in p.fixes.iter().enumerate() {
        out.push('\n');
        // Unwrapped, so it can be copied to --assume-fixed.
        let _ = writeln!(out, "{:>2}. {}", i + 1, f.id);
        for ev in &f.change {
            wrap(
                &mut out,
                "    change: ",
                "            ",
                &crate::query::evidence_line(ev),
                width,
            );
        }
        wrap(&mut out, "    fix: ", "         ", &f.remediation, width);
        for u in &f.upgrades {
            wrap(
                &mut out,
                "    also: ",
                "          ",
                &upgrade_line(u),
                width,
            );
        }
        wrap(
            &mut out,
            "    removes: ",
            "             ",
            &removes_line(f),
            width,
        );
    }
    out.push('\n');
    if p.remaining.is_empty() {
        let _ = writeln!(
            out,
            "With these fixes applied, the search finds no chain from {} to {}.",
            p.from, p.to
        );
    } else {
        let _ = writeln!(
            out,
            "With these fixes applied, {} chains remain:",
            p.remaining.len()
        );
        for r in &p.remaining {
            wrap(
                &mut out,
                "  - ",
                "    ",
                &format!("{} ({})", r.chain.nodes().join(" -> "), r.reason),
                width,
            );
        }
    }
    if !p.fixes.is_empty() {
        let _ = writeln!(
            out,
            "What-if: pass each fix above to --assume-fixed, or save them one a line for \
             --assume-fixed-file."
        );
    }
    out
}

fn upgrade_line(u: &PlannedUpgrade) -> String {
    // Only the worst finding is named: others (fixed in later versions) may remain.
    format!(
        "upgrade {} to {} in {} (from {}): removes {}, the worst remotely exploitable finding of {}",
        u.package, u.fixed, u.image, u.installed, u.vulnerability, u.workload
    )
}

fn removes_line(f: &PlannedFix) -> String {
    let mut removes = format!("{} chains", f.chains.len());
    if !f.chains.is_empty() {
        removes.push_str(&format!(" ({})", ranks(&f.chains)));
    }
    if f.alternatives > 0 {
        removes.push_str(&format!(
            " and {} hidden alternative chains",
            f.alternatives
        ));
    }
    removes
}

/// The plan as a report section: the Markdown and HTML reports of `scan` and
/// `fix-plan --format markdown|html`. Each fix is an item (its id, as `--assume-fixed`
/// reads it) with what to change, the remediation, any image upgrade and the chains removed.
pub fn section(p: &FixPlan, title: &str) -> Section {
    let mut sec = Section {
        title: title.to_string(),
        code_items: true,
        ..Section::default()
    };
    if p.chains.is_empty() {
        sec.paragraphs.push(format!(
            "No chain from {} to {} within the hop limit: nothing to fix.",
            p.from, p.to
        ));
        return sec;
    }
    sec.paragraphs.push(format!(
        "{} fixes (cost {}) for the {} chains from {} to {}, the fix removing the most chains first.",
        p.fixes.len(),
        p.cost(),
        p.chains.len(),
        p.from,
        p.to
    ));
    if p.remaining.is_empty() {
        sec.paragraphs.push(format!(
            "With these fixes applied, the search finds no chain from {} to {}.",
            p.from, p.to
        ));
    } else {
        sec.paragraphs.push(format!(
            "With these fixes applied, {} chains remain:",
            p.remaining.len()
        ));
        for r in &p.remaining {
            sec.paragraphs
                .push(format!("{} ({})", r.chain.nodes().join(" -> "), r.reason));
        }
    }
    if !p.fixes.is_empty() {
        sec.paragraphs.push(
            "What-if: pass each fix below to --assume-fixed to see the chains that remain."
                .to_string(),
        );
    }
    for f in &p.fixes {
        sec.items.push(f.id.clone());
        let mut details: Vec<String> = f
            .change
            .iter()
            .map(|ev| format!("change: {}", crate::query::evidence_line(ev)))
            .collect();
        details.push(format!("fix: {}", f.remediation));
        details.extend(
            f.upgrades
                .iter()
                .map(|u| format!("also: {}", upgrade_line(u))),
        );
        details.push(format!("removes: {}", removes_line(f)));
        sec.details.push(details);
    }
    sec
}

#[derive(Serialize)]
struct RemainingOut<'a> {
    path: crate::json::PathOut<'a>,
    reason: &'a str,
}

#[derive(Serialize)]
struct PlanDocument<'a> {
    schema: &'static str,
    query: &'static str,
    from: &'a str,
    to: &'a str,
    /// Chains before any fix.
    chains: usize,
    cost: u32,
    rounds: usize,
    fixes: &'a [PlannedFix],
    /// Chains the search still finds with every fix applied, each with why.
    remaining: Vec<RemainingOut<'a>>,
}

/// The `fix-plan` JSON document.
pub fn json(p: &FixPlan) -> serde_json::Value {
    let doc = PlanDocument {
        schema: crate::SCHEMA,
        query: "fix-plan",
        from: &p.from,
        to: &p.to,
        chains: p.chains.len(),
        cost: p.cost(),
        rounds: p.rounds,
        fixes: &p.fixes,
        remaining: p
            .remaining
            .iter()
            .map(|r| RemainingOut {
                path: crate::json::path(&r.chain),
                reason: &r.reason,
            })
            .collect(),
    };
    serde_json::to_value(doc).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(a: &str, t: &'static str, b: &str) -> Key {
        (a.to_string(), t, b.to_string())
    }

    fn cost(k: &Key) -> Option<u32> {
        what_if::fix_cost(k.1, NodeKind::of_id(&k.0)?)
    }

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn one_shared_fix_beats_one_per_chain() {
        // Two ways in, both through one service account's binding.
        let union: BTreeSet<Key> = [
            k("internet", "EXPOSED_LOADBALANCER", "service:a/x"),
            k("internet", "EXPOSED_LOADBALANCER", "service:a/y"),
            k("service:a/x", "APP_COMPROMISE", "workload:a/Deployment/x"),
            k("service:a/y", "APP_COMPROMISE", "workload:a/Deployment/y"),
            k("workload:a/Deployment/x", "POD_SA_TOKEN", "sa:a/s"),
            k("workload:a/Deployment/y", "POD_SA_TOKEN", "sa:a/s"),
            k("sa:a/s", "RBAC_CLUSTER_ADMIN", "cluster-admin"),
        ]
        .into_iter()
        .collect();
        let cut = min_cut(&union, &set(&["internet"]), &set(&["cluster-admin"]), &cost);
        assert_eq!(
            cut.into_iter().collect::<Vec<_>>(),
            vec![k("sa:a/s", "RBAC_CLUSTER_ADMIN", "cluster-admin")]
        );
    }

    #[test]
    fn the_attackers_own_steps_are_never_cut() {
        let union: BTreeSet<Key> = [
            k("internet", "EXPOSED_LOADBALANCER", "service:a/x"),
            k("service:a/x", "APP_COMPROMISE", "workload:a/Deployment/x"),
            k("workload:a/Deployment/x", "ESCAPE_PRIVILEGED", "node:*"),
            k("node:*", "NODE_STEALS_TOKENS", "sa:a/s"),
            k("sa:a/s", "RBAC_CLUSTER_ADMIN", "cluster-admin"),
        ]
        .into_iter()
        .collect();
        let cut = min_cut(&union, &set(&["internet"]), &set(&["cluster-admin"]), &cost);
        assert_eq!(cut.len(), 1);
        assert!(cut.iter().all(|k| cost(k).is_some()));
        // Nearest the target among equal costs.
        assert!(cut.contains(&k("sa:a/s", "RBAC_CLUSTER_ADMIN", "cluster-admin")));
    }

    fn chain(hops: &[(&str, &'static str, &str)]) -> Chain {
        Chain {
            rank: 1,
            score: 0.5,
            severity: kubepath_engine::Severity::High,
            source: hops[0].0.to_string(),
            target: hops[hops.len() - 1].2.to_string(),
            steps: hops
                .iter()
                .map(|&(from, technique, to)| kubepath_engine::Step::new(from, technique, to))
                .collect(),
        }
    }

    #[test]
    fn an_entry_fix_leads_into_the_first_workload_after_it_and_no_other() {
        let c = chain(&[
            ("internet", "EXPOSED_INGRESS", "ingress:a/i"),
            ("ingress:a/i", "EXPOSED_INGRESS", "service:a/web"),
            (
                "service:a/web",
                "APP_COMPROMISE",
                "workload:a/Deployment/web",
            ),
            (
                "workload:a/Deployment/web",
                "LATERAL_NETWORK",
                "network:cluster",
            ),
            (
                "network:cluster",
                "LATERAL_NETWORK",
                "workload:b/StatefulSet/db",
            ),
            ("workload:b/StatefulSet/db", "POD_SA_TOKEN", "sa:b/db"),
            ("sa:b/db", "RBAC_CLUSTER_ADMIN", "cluster-admin"),
        ]);
        let chains = [c];
        assert_eq!(
            entered_workloads(&chains, &k("internet", "EXPOSED_INGRESS", "ingress:a/i")),
            vec!["workload:a/Deployment/web"]
        );
        assert_eq!(
            entered_workloads(
                &chains,
                &k(
                    "workload:a/Deployment/web",
                    "LATERAL_NETWORK",
                    "network:cluster"
                )
            ),
            vec!["workload:b/StatefulSet/db"]
        );
        // Not on the way in, or not on the chain: no workload.
        assert!(
            entered_workloads(
                &chains,
                &k("sa:b/db", "RBAC_CLUSTER_ADMIN", "cluster-admin")
            )
            .is_empty()
        );
        assert!(
            entered_workloads(
                &chains,
                &k("internet", "EXPOSED_LOADBALANCER", "service:c/x")
            )
            .is_empty()
        );
    }

    #[test]
    fn max_flow_of_a_diamond() {
        let mut n = Network::default();
        let (s, a, b, t) = (n.node("s"), n.node("a"), n.node("b"), n.node("t"));
        n.arc(s, a, 3);
        n.arc(s, b, 2);
        n.arc(a, b, 1);
        n.arc(a, t, 2);
        n.arc(b, t, 3);
        assert_eq!(n.max_flow(s, t), 5);
    }
}
