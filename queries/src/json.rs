//! The `kubepath/v1` JSON documents (DESIGN.md "Output contract"; fields only grow).

use kubepath_engine::graph::AttackGraph;
use kubepath_engine::search::{Chain, Summary};
use kubepath_engine::{Evidence, Warning};
use serde::Serialize;
use serde_json::Value;

use crate::{Analysis, InputSummary, SCHEMA, round4};

#[derive(Serialize)]
struct ScanDocument<'a> {
    schema: &'static str,
    summary: SummaryOut<'a>,
    paths: Vec<PathOut<'a>>,
    warnings: Vec<WarningOut<'a>>,
}

#[derive(Serialize)]
struct SummaryOut<'a> {
    #[serde(flatten)]
    engine: &'a Summary,
    /// Chains listed in `paths` (at most `--top`).
    listed: usize,
    input: &'a InputSummary,
}

#[derive(Serialize)]
pub(crate) struct PathOut<'a> {
    rank: usize,
    score: f64,
    severity: &'static str,
    source: &'a str,
    target: &'a str,
    /// The chain's node ids, source first.
    nodes: Vec<&'a str>,
    steps: Vec<StepOut<'a>>,
    /// How `score` was made: impact x each step's likelihood.
    score_explanation: crate::rank::ScoreExplanation,
}

#[derive(Serialize)]
struct StepOut<'a> {
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
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
pub(crate) struct WarningOut<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    document: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    message: &'a str,
}

pub(crate) fn warning(w: &Warning) -> WarningOut<'_> {
    WarningOut {
        file: &w.file,
        document: w.document,
        object: w.object.as_deref(),
        field: w.field.as_deref(),
        message: &w.message,
    }
}

pub(crate) fn path(c: &Chain) -> PathOut<'_> {
    PathOut {
        rank: c.rank,
        score: round4(c.score),
        severity: c.severity.as_str(),
        source: &c.source,
        target: &c.target,
        nodes: c.nodes(),
        steps: c
            .steps
            .iter()
            .map(|s| StepOut {
                from: &s.from,
                to: &s.to,
                technique: s.technique,
                title: s.title,
                attack: s.attack,
                likelihood: round4(s.likelihood),
                evidence: &s.evidence,
                evidence_omitted: s.evidence_omitted,
                remediation: &s.remediation,
            })
            .collect(),
        score_explanation: crate::rank::ScoreExplanation::of(c),
    }
}

/// The `kubepath scan --format json` document.
pub fn scan(analysis: &Analysis, input: &InputSummary) -> Value {
    let doc = ScanDocument {
        schema: SCHEMA,
        summary: SummaryOut {
            engine: &analysis.summary,
            listed: analysis.chains.len(),
            input,
        },
        paths: analysis.chains.iter().map(path).collect(),
        warnings: analysis.warnings.iter().map(warning).collect(),
    };
    serde_json::to_value(doc).unwrap_or(Value::Null)
}

#[derive(Serialize)]
struct GraphDocument<'a> {
    schema: &'static str,
    nodes: Vec<NodeOut<'a>>,
    edges: Vec<EdgeOut<'a>>,
    warnings: Vec<WarningOut<'a>>,
}

#[derive(Serialize)]
struct NodeOut<'a> {
    id: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct EdgeOut<'a> {
    from: &'a str,
    to: &'a str,
    technique: &'static str,
    likelihood: f64,
    evidence: &'a [Evidence],
    #[serde(skip_serializing_if = "is_zero")]
    evidence_omitted: usize,
    remediation: &'a str,
}

/// The `kubepath graph --format json` document: every node and edge, sorted by id.
pub fn graph(g: &AttackGraph, warnings: &[Warning]) -> Value {
    let mut nodes: Vec<NodeOut<'_>> = g
        .graph
        .node_weights()
        .map(|n| NodeOut {
            id: &n.id,
            kind: n.kind.as_str(),
        })
        .collect();
    nodes.sort_by(|a, b| a.id.cmp(b.id));
    let mut edges: Vec<EdgeOut<'_>> = g
        .graph
        .edge_indices()
        .filter_map(|e| {
            let (a, b) = g.graph.edge_endpoints(e)?;
            let edge = &g.graph[e];
            Some(EdgeOut {
                from: g.node_id(a),
                to: g.node_id(b),
                technique: edge.technique.id,
                likelihood: round4(edge.likelihood),
                evidence: &edge.evidence,
                evidence_omitted: edge.evidence_omitted,
                remediation: &edge.remediation,
            })
        })
        .collect();
    edges.sort_by(|a, b| (a.from, a.to, a.technique).cmp(&(b.from, b.to, b.technique)));
    let doc = GraphDocument {
        schema: SCHEMA,
        nodes,
        edges,
        warnings: warnings.iter().map(warning).collect(),
    };
    serde_json::to_value(doc).unwrap_or(Value::Null)
}
