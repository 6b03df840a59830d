//! Graphviz DOT: the chains (`scan`) or the whole graph (`graph`), built as a graphviz-rust
//! [`Graph`] and printed. Namespaces and cloud accounts are clusters; chain edges are drawn
//! thick and red; labels say the technique and its likelihood.
//!
//! Rendering to SVG or PNG runs graphviz's `dot`, which is I/O, so the binary does it.

use std::collections::{BTreeMap, BTreeSet};

use graphviz_rust::dot_structures::{
    Attribute, Edge as DotEdge, EdgeTy, Graph, GraphAttributes, Id, Node as DotNode, NodeId, Stmt,
    Subgraph, Vertex,
};
use graphviz_rust::printer::{DotPrinter, PrinterContext};
use kubepath_engine::graph::{AttackGraph, NodeKind};
use kubepath_engine::search::Chain;

use crate::Analysis;

/// A DOT string literal: quotes and backslashes escaped, line breaks made DOT's `\n`, so
/// any id (even a hostile one) stays one token.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn q(s: &str) -> Id {
    Id::Escaped(quote(s))
}

fn attr(k: &str, v: &str) -> Attribute {
    Attribute(Id::Plain(k.to_string()), q(v))
}

/// A label with DOT line breaks between `lines` (each escaped on its own).
fn label(lines: &[&str]) -> Attribute {
    let body: Vec<String> = lines
        .iter()
        .map(|l| {
            let s = quote(l);
            s[1..s.len() - 1].to_string()
        })
        .collect();
    Attribute(
        Id::Plain("label".into()),
        Id::Escaped(format!("\"{}\"", body.join("\\n"))),
    )
}

/// The cluster a node belongs to: `(cluster key, cluster title)`.
pub fn cluster_of(id: &str) -> Option<(String, String)> {
    let (prefix, rest) = id.split_once(':')?;
    match prefix {
        "service" | "ingress" | "gateway" | "workload" | "sa" | "secret" => {
            let ns = rest.split('/').next().filter(|ns| !ns.is_empty())?;
            Some((format!("ns {ns}"), format!("namespace {ns}")))
        }
        "aws-admin" => Some((format!("aws {rest}"), format!("AWS account {rest}"))),
        "aws-role" | "aws-user" => {
            // arn:PARTITION:iam::ACCOUNT:role/NAME
            let account = rest.split(':').nth(4).filter(|a| !a.is_empty())?;
            Some((format!("aws {account}"), format!("AWS account {account}")))
        }
        "gcp-admin" => Some((format!("gcp {rest}"), format!("GCP project {rest}"))),
        "gcp-sa" => {
            // NAME@PROJECT.iam.gserviceaccount.com; other domains say no project.
            let project = rest
                .rsplit_once('@')
                .and_then(|(_, d)| d.strip_suffix(".iam.gserviceaccount.com"))?;
            Some((format!("gcp {project}"), format!("GCP project {project}")))
        }
        "azure-admin" => Some((
            format!("azure {rest}"),
            format!("Azure subscription {rest}"),
        )),
        _ => None,
    }
}

fn node_style(kind: Option<NodeKind>) -> (&'static str, &'static str) {
    match kind {
        Some(NodeKind::Internet) => ("ellipse", "#fde2e2"),
        Some(k) if k.impact().is_some() => ("doubleoctagon", "#f8b4b4"),
        Some(NodeKind::Workload) => ("box", "#dbeafe"),
        Some(NodeKind::Node) => ("box3d", "#e5e7eb"),
        Some(
            NodeKind::ServiceAccount
            | NodeKind::User
            | NodeKind::Group
            | NodeKind::AwsRole
            | NodeKind::AwsUser
            | NodeKind::GcpSa
            | NodeKind::AzureIdentity,
        ) => ("component", "#fef3c7"),
        Some(NodeKind::Secret) => ("note", "#ede9fe"),
        _ => ("box", "#f3f4f6"),
    }
}

fn dot_node(id: &str) -> DotNode {
    let kind = NodeKind::of_id(id);
    let (shape, fill) = node_style(kind);
    let lines: Vec<&str> = match id.split_once(':') {
        // The cluster box names the account; the ARN's resource part names the principal.
        Some((k @ ("aws-role" | "aws-user"), arn)) => {
            vec![k, arn.rsplit_once(':').map_or(arn, |(_, r)| r)]
        }
        Some((k, rest)) => vec![k, rest],
        None => vec![id],
    };
    DotNode::new(
        NodeId(q(id), None),
        vec![label(&lines), attr("shape", shape), attr("fillcolor", fill)],
    )
}

/// One edge to draw.
struct Drawn<'a> {
    from: &'a str,
    to: &'a str,
    technique: &'a str,
    likelihood: f64,
    on_chain: bool,
}

fn dot_edge(e: &Drawn<'_>) -> DotEdge {
    let like = format!("{:.2}", e.likelihood);
    let mut attributes = vec![label(&[e.technique, &like])];
    if e.on_chain {
        attributes.push(attr("color", "#dc2626"));
        attributes.push(attr("fontcolor", "#991b1b"));
        attributes.push(attr("penwidth", "2.5"));
    } else {
        attributes.push(attr("color", "#9ca3af"));
        attributes.push(attr("fontcolor", "#6b7280"));
        attributes.push(attr("style", "dashed"));
    }
    DotEdge {
        ty: EdgeTy::Pair(
            Vertex::N(NodeId(q(e.from), None)),
            Vertex::N(NodeId(q(e.to), None)),
        ),
        attributes,
    }
}

fn build(title: &str, nodes: &BTreeSet<&str>, edges: &[Drawn<'_>]) -> Graph {
    let mut stmts: Vec<Stmt> = vec![
        Stmt::GAttribute(GraphAttributes::Graph(vec![
            attr("rankdir", "LR"),
            // The newer ranker: the old one fails ("trouble in init_rank") on edges that
            // cross clusters, which ours do all the time.
            attr("newrank", "true"),
            attr("label", title),
            attr("labelloc", "t"),
            attr("fontname", "Helvetica"),
            attr("fontsize", "12"),
        ])),
        Stmt::GAttribute(GraphAttributes::Node(vec![
            attr("style", "rounded,filled"),
            attr("fontname", "Helvetica"),
            attr("fontsize", "10"),
        ])),
        Stmt::GAttribute(GraphAttributes::Edge(vec![
            attr("fontname", "Helvetica"),
            attr("fontsize", "9"),
        ])),
    ];
    let mut clusters: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for &id in nodes {
        match cluster_of(id) {
            Some(c) => clusters.entry(c).or_default().push(id),
            None => stmts.push(Stmt::Node(dot_node(id))),
        }
    }
    for ((key, title), ids) in clusters {
        let mut sub = vec![
            Stmt::Attribute(attr("label", &title)),
            Stmt::Attribute(attr("style", "rounded,dashed")),
            Stmt::Attribute(attr("color", "#6b7280")),
        ];
        sub.extend(ids.into_iter().map(|id| Stmt::Node(dot_node(id))));
        stmts.push(Stmt::Subgraph(Subgraph {
            // `cluster` prefix: graphviz draws the subgraph as a box.
            id: q(&format!("cluster {key}")),
            stmts: sub,
        }));
    }
    stmts.extend(edges.iter().map(|e| Stmt::Edge(dot_edge(e))));
    Graph::DiGraph {
        id: q("kubepath"),
        strict: false,
        stmts,
    }
}

fn print(g: &Graph) -> String {
    let mut ctx = PrinterContext::default();
    g.print(&mut ctx) + "\n"
}

/// Every edge of the graph as (from, to, technique, likelihood), sorted.
fn all_edges(g: &AttackGraph) -> Vec<(&str, &str, &'static str, f64)> {
    let mut v: Vec<_> = g
        .graph
        .edge_indices()
        .filter_map(|e| {
            let (a, b) = g.graph.edge_endpoints(e)?;
            let edge = &g.graph[e];
            Some((
                g.node_id(a),
                g.node_id(b),
                edge.technique.id,
                edge.likelihood,
            ))
        })
        .collect();
    v.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    v
}

fn chain_steps(chains: &[Chain]) -> BTreeSet<(&str, &str, &str)> {
    chains
        .iter()
        .flat_map(|c| c.steps.iter())
        .map(|s| (s.from.as_str(), s.to.as_str(), s.technique))
        .collect()
}

/// The listed chains as a graphviz [`Graph`]: their nodes and their steps, highlighted.
/// Other edges between those nodes are left out: they bury the chains (the whole graph is
/// `kubepath graph --format dot`).
pub fn scan_graph(analysis: &Analysis) -> Graph {
    let on_chain = chain_steps(&analysis.chains);
    let nodes: BTreeSet<&str> = analysis.chains.iter().flat_map(|c| c.nodes()).collect();
    let edges: Vec<Drawn<'_>> = all_edges(&analysis.graph)
        .into_iter()
        .filter(|(a, b, t, _)| on_chain.contains(&(*a, *b, *t)))
        .map(|(from, to, technique, likelihood)| Drawn {
            from,
            to,
            technique,
            likelihood,
            on_chain: true,
        })
        .collect();
    let title = if analysis.chains.is_empty() {
        "kubepath: no attack chain found".to_string()
    } else {
        format!(
            "kubepath: top {} of {} attack chains",
            analysis.chains.len(),
            analysis.summary.chains
        )
    };
    build(&title, &nodes, &edges)
}

/// `kubepath scan --format dot`.
///
/// ```
/// # use kubepath_engine::{Options, analyze, ingest::snapshot_from_values};
/// # use serde_json::json;
/// let objects = vec![
///     json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
///            "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]}}),
///     json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
///            "spec": {"containers": [{"name": "c", "image": "i", "securityContext": {"privileged": true}}]}}),
///     json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "b"},
///            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
///            "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "shop"}]}),
/// ];
/// let analysis = analyze(&snapshot_from_values(objects, "default").0, &Options::default());
/// let dot = kubepath_queries::dot::scan(&analysis);
/// assert!(dot.contains("subgraph \"cluster ns shop\""));
/// assert!(graphviz_rust::parse(&dot).is_ok());
/// ```
pub fn scan(analysis: &Analysis) -> String {
    print(&scan_graph(analysis))
}

/// The whole graph as a [`Graph`]; steps of `chains` (if any) are highlighted.
pub fn graph_graph(g: &AttackGraph, chains: &[Chain]) -> Graph {
    let on_chain = chain_steps(chains);
    let nodes: BTreeSet<&str> = g.graph.node_weights().map(|n| n.id.as_str()).collect();
    let edges: Vec<Drawn<'_>> = all_edges(g)
        .into_iter()
        .map(|(from, to, technique, likelihood)| Drawn {
            from,
            to,
            technique,
            likelihood,
            on_chain: on_chain.contains(&(from, to, technique)),
        })
        .collect();
    let title = format!(
        "kubepath: attack graph, {} nodes, {} edges",
        nodes.len(),
        edges.len()
    );
    build(&title, &nodes, &edges)
}

/// `kubepath graph --format dot`.
pub fn graph(g: &AttackGraph, chains: &[Chain]) -> String {
    print(&graph_graph(g, chains))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_quotes_backslashes_and_newlines() {
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }

    #[test]
    fn namespaced_ids_and_cloud_principals_get_clusters() {
        assert_eq!(
            cluster_of("workload:shop/Deployment/web").map(|c| c.1),
            Some("namespace shop".into())
        );
        assert_eq!(
            cluster_of("aws-role:arn:aws:iam::111122223333:role/x").map(|c| c.1),
            Some("AWS account 111122223333".into())
        );
        assert_eq!(
            cluster_of("gcp-sa:app@proj-1.iam.gserviceaccount.com").map(|c| c.1),
            Some("GCP project proj-1".into())
        );
        assert_eq!(cluster_of("internet"), None);
        assert_eq!(cluster_of("node:*"), None);
    }

    #[test]
    fn hostile_ids_print_as_dot_that_parses_back() {
        let mut g = AttackGraph::new();
        let ev = vec![kubepath_engine::Evidence::new("x", "", "y")];
        let t = kubepath_engine::techniques::by_id("POD_SA_TOKEN").expect("catalog has it");
        g.add_edge(
            "workload:n\"s/Pod/a\\\"b}",
            "sa:n\"s/x\ny",
            t.edge(ev, "fix"),
        );
        let text = graph(&g, &[]);
        let parsed = graphviz_rust::parse(&text);
        assert!(parsed.is_ok(), "{parsed:?}\n{text}");
    }
}
