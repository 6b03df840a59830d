//! `kubepath diff OLD NEW`: the chains a change adds, removes and alters.
//!
//! A chain is identified by (source, entry workload, target): the scan keeps one chain per
//! entry and sink, so the same key in both snapshots is "the same way in to the same
//! prize". It changed when its score, severity or steps differ. O(chains) after the scans.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use kubepath_engine::search::{Chain, Severity};
use serde::Serialize;
use serde_json::Value;

use crate::json::{PathOut, path};
use crate::table::{TableStyle, chain as chain_table, paint, wrap};
use crate::{SCHEMA, round4};

/// When `diff` exits with status 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffFailOn {
    /// Any chain was added.
    New,
    /// An added chain, or a changed chain whose score rose, has this severity or worse.
    Severity(Severity),
}

/// One chain present in both, with what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    pub old: Chain,
    pub new: Chain,
    /// `score 0.450 -> 0.300`, `severity critical -> high`, `steps ...`.
    pub what: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChainDiff {
    pub added: Vec<Chain>,
    pub removed: Vec<Chain>,
    pub changed: Vec<Changed>,
    pub unchanged: usize,
}

type Key = (String, String, String);

fn key(c: &Chain) -> Key {
    let entry = c
        .steps
        .iter()
        .find(|s| matches!(s.technique, "APP_COMPROMISE" | "EXPOSED_HOSTPORT"))
        .map(|s| s.to.clone())
        .unwrap_or_default();
    (c.source.clone(), entry, c.target.clone())
}

fn steps(c: &Chain) -> Vec<String> {
    c.steps
        .iter()
        .map(|s| format!("{} -[{}]-> {}", s.from, s.technique, s.to))
        .collect()
}

/// Compare every chain of two analyses (pass them all, not only the top N).
pub fn diff(old: &[Chain], new: &[Chain]) -> ChainDiff {
    let olds: BTreeMap<Key, &Chain> = old.iter().map(|c| (key(c), c)).collect();
    let news: BTreeMap<Key, &Chain> = new.iter().map(|c| (key(c), c)).collect();
    let mut d = ChainDiff::default();
    for (k, n) in &news {
        let Some(o) = olds.get(k) else {
            d.added.push((*n).clone());
            continue;
        };
        let mut what = Vec::new();
        if round4(o.score) != round4(n.score) {
            what.push(format!("score {:.3} -> {:.3}", o.score, n.score));
        }
        if o.severity != n.severity {
            what.push(format!(
                "severity {} -> {}",
                o.severity.as_str(),
                n.severity.as_str()
            ));
        }
        if steps(o) != steps(n) {
            what.push(format!(
                "steps {} -> {}: {}",
                o.steps.len(),
                n.steps.len(),
                n.nodes().join(" -> ")
            ));
        }
        if what.is_empty() {
            d.unchanged += 1;
        } else {
            d.changed.push(Changed {
                old: (*o).clone(),
                new: (*n).clone(),
                what,
            });
        }
    }
    d.removed = olds
        .iter()
        .filter(|(k, _)| !news.contains_key(*k))
        .map(|(_, c)| (*c).clone())
        .collect();
    let by_rank = |a: &Chain, b: &Chain| a.rank.cmp(&b.rank);
    d.added.sort_by(by_rank);
    d.removed.sort_by(by_rank);
    d.changed.sort_by(|a, b| by_rank(&a.new, &b.new));
    d
}

impl ChainDiff {
    /// Whether the threshold is met (exit status 3).
    pub fn fails(&self, on: DiffFailOn) -> bool {
        match on {
            DiffFailOn::New => !self.added.is_empty(),
            DiffFailOn::Severity(t) => {
                self.added.iter().any(|c| c.severity >= t)
                    || self
                        .changed
                        .iter()
                        .any(|c| c.new.severity >= t && c.new.score > c.old.score * (1.0 + 1e-9))
            }
        }
    }
}

/// The `diff` table: counts, then each added chain in full, changed and removed ones briefly.
pub fn table(d: &ChainDiff, style: &TableStyle) -> String {
    let width = style.width.max(60);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} added, {} removed, {} changed, {} unchanged chains",
        d.added.len(),
        d.removed.len(),
        d.changed.len(),
        d.unchanged
    );
    if !d.added.is_empty() {
        let _ = writeln!(out, "\nAdded:");
        for c in &d.added {
            out.push('\n');
            chain_table(&mut out, c, style.color, width);
        }
    }
    if !d.changed.is_empty() {
        let _ = writeln!(out, "\nChanged:");
        for c in &d.changed {
            let head = format!(
                "#{:<3} {:<8}  {}",
                c.new.rank,
                c.new.severity.as_str().to_uppercase(),
                c.new.nodes().join(" -> ")
            );
            wrap(
                &mut out,
                "  ",
                "       ",
                &paint(c.new.severity, &head, style.color),
                width,
            );
            for w in &c.what {
                wrap(&mut out, "       ", "         ", w, width);
            }
        }
    }
    if !d.removed.is_empty() {
        let _ = writeln!(out, "\nRemoved:");
        for c in &d.removed {
            wrap(
                &mut out,
                "  ",
                "       ",
                &format!(
                    "(was #{} {}, score {:.3}) {}",
                    c.rank,
                    c.severity.as_str(),
                    c.score,
                    c.nodes().join(" -> ")
                ),
                width,
            );
        }
    }
    out
}

#[derive(Serialize)]
struct ChangedOut<'a> {
    old: PathOut<'a>,
    new: PathOut<'a>,
    what: &'a [String],
}

#[derive(Serialize)]
struct DiffDocument<'a> {
    schema: &'static str,
    query: &'static str,
    summary: BTreeMap<&'static str, usize>,
    added: Vec<PathOut<'a>>,
    removed: Vec<PathOut<'a>>,
    changed: Vec<ChangedOut<'a>>,
}

/// The `diff` JSON document.
pub fn json(d: &ChainDiff) -> Value {
    let doc = DiffDocument {
        schema: SCHEMA,
        query: "diff",
        summary: BTreeMap::from([
            ("added", d.added.len()),
            ("removed", d.removed.len()),
            ("changed", d.changed.len()),
            ("unchanged", d.unchanged),
        ]),
        added: d.added.iter().map(path).collect(),
        removed: d.removed.iter().map(path).collect(),
        changed: d
            .changed
            .iter()
            .map(|c| ChangedOut {
                old: path(&c.old),
                new: path(&c.new),
                what: &c.what,
            })
            .collect(),
    };
    serde_json::to_value(doc).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubepath_engine::search::Step;

    fn chain(rank: usize, score: f64, nodes: &[&str]) -> Chain {
        Chain {
            rank,
            score,
            severity: Severity::of_score(score),
            source: nodes[0].into(),
            target: nodes[nodes.len() - 1].into(),
            steps: nodes
                .windows(2)
                .enumerate()
                .map(|(i, w)| {
                    let technique = if i == 1 {
                        "APP_COMPROMISE"
                    } else {
                        "POD_SA_TOKEN"
                    };
                    Step::new(w[0], technique, w[1])
                })
                .collect(),
        }
    }

    #[test]
    fn added_removed_changed_by_entry_and_target() {
        let a = chain(1, 0.45, &["internet", "svc", "wa", "cluster-admin"]);
        let b = chain(2, 0.3, &["internet", "svc", "wb", "cluster-admin"]);
        let b2 = chain(1, 0.1, &["internet", "svc", "wb", "sa", "cluster-admin"]);
        let c = chain(2, 0.05, &["internet", "svc", "wc", "cluster-admin"]);
        let d = diff(&[a.clone(), b], &[b2, c]);
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.added[0].nodes()[2], "wc");
        assert_eq!(d.removed.len(), 1);
        assert_eq!(d.removed[0].nodes()[2], "wa");
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].what.len(), 3, "{:?}", d.changed[0].what);
        assert!(d.fails(DiffFailOn::New));
        assert!(!d.fails(DiffFailOn::Severity(Severity::High)));
        assert!(d.fails(DiffFailOn::Severity(Severity::Medium)));
        let same = diff(std::slice::from_ref(&a), std::slice::from_ref(&a));
        assert_eq!(same.unchanged, 1);
        assert!(!same.fails(DiffFailOn::New));
        assert!(!same.fails(DiffFailOn::Severity(Severity::Low)));
    }
}
