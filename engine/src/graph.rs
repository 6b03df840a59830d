//! The attack graph: nodes with stable ids, edges that are one attacker step each.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use serde::Serialize;

use crate::snapshot::Source;
use crate::techniques::Technique;

/// What a node stands for. The id prefix (before the first `:`) names it in DESIGN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    Internet,
    ClusterAdmin,
    Network,
    Service,
    Ingress,
    Gateway,
    Workload,
    Node,
    ServiceAccount,
    User,
    Group,
    Secret,
    AwsRole,
    AwsUser,
    AwsAdmin,
    GcpSa,
    GcpAdmin,
    AzureIdentity,
    AzureAdmin,
}

impl NodeKind {
    /// The kind of a node id, read from its prefix.
    pub fn of_id(id: &str) -> Option<NodeKind> {
        let prefix = id.split(':').next().unwrap_or(id);
        Some(match prefix {
            "internet" => NodeKind::Internet,
            "cluster-admin" => NodeKind::ClusterAdmin,
            "network" => NodeKind::Network,
            "service" => NodeKind::Service,
            "ingress" => NodeKind::Ingress,
            "gateway" => NodeKind::Gateway,
            "workload" => NodeKind::Workload,
            "node" => NodeKind::Node,
            "sa" => NodeKind::ServiceAccount,
            "user" => NodeKind::User,
            "group" => NodeKind::Group,
            "secret" => NodeKind::Secret,
            "aws-role" => NodeKind::AwsRole,
            "aws-user" => NodeKind::AwsUser,
            "aws-admin" => NodeKind::AwsAdmin,
            "gcp-sa" => NodeKind::GcpSa,
            "gcp-admin" => NodeKind::GcpAdmin,
            "azure-identity" => NodeKind::AzureIdentity,
            "azure-admin" => NodeKind::AzureAdmin,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Internet => "internet",
            NodeKind::ClusterAdmin => "cluster-admin",
            NodeKind::Network => "network",
            NodeKind::Service => "service",
            NodeKind::Ingress => "ingress",
            NodeKind::Gateway => "gateway",
            NodeKind::Workload => "workload",
            NodeKind::Node => "node",
            NodeKind::ServiceAccount => "sa",
            NodeKind::User => "user",
            NodeKind::Group => "group",
            NodeKind::Secret => "secret",
            NodeKind::AwsRole => "aws-role",
            NodeKind::AwsUser => "aws-user",
            NodeKind::AwsAdmin => "aws-admin",
            NodeKind::GcpSa => "gcp-sa",
            NodeKind::GcpAdmin => "gcp-admin",
            NodeKind::AzureIdentity => "azure-identity",
            NodeKind::AzureAdmin => "azure-admin",
        }
    }

    /// Sinks a chain can end at, and how bad reaching them is (DESIGN.md: score = impact x
    /// product of likelihoods).
    pub fn impact(self) -> Option<f64> {
        match self {
            NodeKind::ClusterAdmin
            | NodeKind::AwsAdmin
            | NodeKind::GcpAdmin
            | NodeKind::AzureAdmin => Some(1.0),
            _ => None,
        }
    }
}

/// Node ids, built in one place so every module spells them the same way.
pub mod id {
    pub const INTERNET: &str = "internet";
    pub const CLUSTER_ADMIN: &str = "cluster-admin";
    pub const ANY_NODE: &str = "node:*";
    /// The flat pod network: every workload whose egress reaches arbitrary pods steps into
    /// it, and it steps into every workload arbitrary pods can connect to.
    pub const NETWORK_CLUSTER: &str = "network:cluster";

    pub fn service(ns: &str, name: &str) -> String {
        format!("service:{ns}/{name}")
    }
    pub fn ingress(ns: &str, name: &str) -> String {
        format!("ingress:{ns}/{name}")
    }
    /// A Gateway API `Gateway`.
    pub fn gateway(ns: &str, name: &str) -> String {
        format!("gateway:{ns}/{name}")
    }
    pub fn workload(ns: &str, kind: &str, name: &str) -> String {
        format!("workload:{ns}/{kind}/{name}")
    }
    pub fn node(name: &str) -> String {
        format!("node:{name}")
    }
    pub fn service_account(ns: &str, name: &str) -> String {
        format!("sa:{ns}/{name}")
    }
    pub fn user(name: &str) -> String {
        format!("user:{name}")
    }
    pub fn group(name: &str) -> String {
        format!("group:{name}")
    }
    /// `secret:NS/NAME`; `name` `*` means "any secret in NS", `ns` `*` any namespace.
    pub fn secret(ns: &str, name: &str) -> String {
        format!("secret:{ns}/{name}")
    }
    pub fn aws_role(arn: &str) -> String {
        format!("aws-role:{arn}")
    }
    pub fn aws_user(arn: &str) -> String {
        format!("aws-user:{arn}")
    }
    pub fn aws_admin(account: &str) -> String {
        format!("aws-admin:{account}")
    }
    /// A Google service account, by email.
    pub fn gcp_sa(email: &str) -> String {
        format!("gcp-sa:{email}")
    }
    /// Owner-equivalent control of a Google Cloud project, by project id.
    pub fn gcp_admin(project: &str) -> String {
        format!("gcp-admin:{project}")
    }
    /// An Azure managed identity, by its client (application) id.
    pub fn azure_identity(client_id: &str) -> String {
        format!("azure-identity:{client_id}")
    }
    pub fn azure_admin(subscription: &str) -> String {
        format!("azure-admin:{subscription}")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
}

/// One fact that makes a step possible: the object, the field, and what it says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Evidence {
    /// `Kind/namespace/name` or `Kind/name` (cluster-scoped), or an ARN for cloud objects.
    pub object: String,
    /// The field path inside the object (`spec.containers[0].securityContext.privileged`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub field: String,
    /// What the field says, in words (`true`, `get,list secrets in all namespaces`).
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<usize>,
    /// 1-based line where the object's document starts in `file`, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl Evidence {
    pub fn new(
        object: impl Into<String>,
        field: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Evidence {
            object: object.into(),
            field: field.into(),
            detail: detail.into(),
            file: None,
            document: None,
            line: None,
        }
    }

    /// Attach where the object was read from (nothing when it came from no file).
    pub fn at(mut self, source: &Source) -> Self {
        if !source.file.is_empty() {
            self.file = Some(source.file.clone());
            self.document = Some(source.document);
            self.line = source.line;
        }
        self
    }
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.object)?;
        if !self.field.is_empty() {
            write!(f, " {}", self.field)?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// One attacker step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    #[serde(serialize_with = "ser_technique")]
    pub technique: &'static Technique,
    pub likelihood: f64,
    pub evidence: Vec<Evidence>,
    /// Facts left out of `evidence` once it held [`MAX_EVIDENCE`] (e.g. the hundreds of
    /// workloads sharing one service account on `node:*`), counted so reports can say so.
    #[serde(skip_serializing_if = "is_zero")]
    pub evidence_omitted: usize,
    pub remediation: String,
}

/// Most facts kept on one edge; merging stays linear however many objects repeat a step.
pub const MAX_EVIDENCE: usize = 24;

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn ser_technique<S: serde::Serializer>(t: &&'static Technique, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.id)
}

/// The attack graph. Node ids are unique; parallel edges between two nodes are allowed only
/// for different techniques (the builder merges evidence of the same technique).
#[derive(Debug, Default, Clone)]
pub struct AttackGraph {
    pub graph: DiGraph<Node, Edge>,
    ids: HashMap<String, NodeIndex, foldhash::fast::RandomState>,
    edge_keys:
        HashMap<(NodeIndex, NodeIndex, &'static str), EdgeIndex, foldhash::fast::RandomState>,
}

impl AttackGraph {
    pub fn new() -> Self {
        Self::default()
    }

    /// The node with this id, created if absent. Ids with an unknown prefix are a bug in a
    /// technique module, so they are rejected loudly in debug builds and filed under `Network`.
    pub fn node(&mut self, id: &str) -> NodeIndex {
        if let Some(&ix) = self.ids.get(id) {
            return ix;
        }
        let kind = NodeKind::of_id(id);
        debug_assert!(kind.is_some(), "node id with unknown prefix: {id}");
        let ix = self.graph.add_node(Node {
            id: id.to_string(),
            kind: kind.unwrap_or(NodeKind::Network),
        });
        self.ids.insert(id.to_string(), ix);
        ix
    }

    pub fn find(&self, id: &str) -> Option<NodeIndex> {
        self.ids.get(id).copied()
    }

    /// Add one step. A second step of the same technique between the same nodes keeps the
    /// higher likelihood and the union of the evidence, so every fact stays visible.
    pub fn add_edge(&mut self, from: &str, to: &str, edge: Edge) -> EdgeIndex {
        let a = self.node(from);
        let b = self.node(to);
        let key = (a, b, edge.technique.id);
        if let Some(&ex) = self.edge_keys.get(&key) {
            let existing = &mut self.graph[ex];
            if edge.likelihood > existing.likelihood {
                existing.likelihood = edge.likelihood;
                existing.remediation = edge.remediation;
            }
            existing.evidence_omitted += edge.evidence_omitted;
            for ev in edge.evidence {
                if existing.evidence.len() >= MAX_EVIDENCE {
                    existing.evidence_omitted += 1;
                } else if !existing.evidence.contains(&ev) {
                    existing.evidence.push(ev);
                }
            }
            return ex;
        }
        let mut edge = edge;
        if edge.evidence.len() > MAX_EVIDENCE {
            edge.evidence_omitted += edge.evidence.len() - MAX_EVIDENCE;
            edge.evidence.truncate(MAX_EVIDENCE);
        }
        let ex = self.graph.add_edge(a, b, edge);
        self.edge_keys.insert(key, ex);
        ex
    }

    /// Add every edge of `other`, in its order, as [`AttackGraph::add_edge`] would have added
    /// them here (merging as it does): a family computed into a graph of its own, beside the
    /// others, then joins this one.
    pub fn absorb(&mut self, other: AttackGraph) {
        let (nodes, edges) = other.graph.into_nodes_edges();
        for e in edges {
            let (Some(a), Some(b)) = (nodes.get(e.source().index()), nodes.get(e.target().index()))
            else {
                continue;
            };
            self.add_edge(&a.weight.id, &b.weight.id, e.weight);
        }
    }

    pub fn node_id(&self, ix: NodeIndex) -> &str {
        &self.graph[ix].id
    }

    /// Edges of one technique, as (from id, to id, edge), in a deterministic order.
    pub fn edges_of(&self, technique: &str) -> Vec<(&str, &str, &Edge)> {
        let mut v: Vec<_> = self
            .graph
            .edge_indices()
            .filter_map(|e| {
                let (a, b) = self.graph.edge_endpoints(e)?;
                let edge = &self.graph[e];
                (edge.technique.id == technique).then(|| (self.node_id(a), self.node_id(b), edge))
            })
            .collect();
        v.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
        v
    }

    /// Whether a step of `technique` goes from `from` to `to`.
    pub fn has_edge(&self, from: &str, to: &str, technique: &str) -> bool {
        match (self.find(from), self.find(to)) {
            (Some(a), Some(b)) => self
                .edge_keys
                .contains_key(&(a, b, technique_key(technique))),
            _ => false,
        }
    }

    /// Every technique id on an edge leaving `from`.
    pub fn techniques_from(&self, from: &str) -> Vec<&'static str> {
        let Some(a) = self.find(from) else {
            return Vec::new();
        };
        let mut v: Vec<_> = self
            .graph
            .edges(a)
            .map(|e| e.weight().technique.id)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// Map a technique id string to the `'static` key the edge map uses.
fn technique_key(id: &str) -> &'static str {
    crate::techniques::by_id(id).map(|t| t.id).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::techniques::node::NODE_STEALS_TOKENS;

    fn fact(i: usize) -> Evidence {
        Evidence::new(format!("Deployment/ns/w{i}"), "spec", "x")
    }

    #[test]
    fn merging_a_step_unions_evidence_up_to_the_cap_and_counts_the_rest() {
        let mut g = AttackGraph::new();
        for i in 0..MAX_EVIDENCE + 10 {
            let e = NODE_STEALS_TOKENS.edge_with(0.5, vec![fact(i)], "fix");
            g.add_edge("node:*", "sa:ns/default", e);
        }
        // The same fact again adds nothing below the cap.
        g.add_edge(
            "node:*",
            "sa:ns/x",
            NODE_STEALS_TOKENS.edge(vec![fact(0)], "fix"),
        );
        g.add_edge(
            "node:*",
            "sa:ns/x",
            NODE_STEALS_TOKENS.edge(vec![fact(0)], "fix"),
        );
        let edges = g.edges_of("NODE_STEALS_TOKENS");
        assert_eq!(edges.len(), 2);
        let merged = edges
            .iter()
            .find(|(_, to, _)| *to == "sa:ns/default")
            .map(|e| e.2);
        let merged = merged.expect("merged edge");
        assert_eq!(merged.evidence.len(), MAX_EVIDENCE);
        assert_eq!(merged.evidence_omitted, 10);
        let single = edges
            .iter()
            .find(|(_, to, _)| *to == "sa:ns/x")
            .map(|e| e.2);
        assert_eq!(single.map(|e| e.evidence.len()), Some(1));
    }

    #[test]
    fn merging_keeps_the_higher_likelihood() {
        let mut g = AttackGraph::new();
        g.add_edge(
            "node:*",
            "sa:a/b",
            NODE_STEALS_TOKENS.edge_with(0.5, vec![], "low"),
        );
        g.add_edge(
            "node:*",
            "sa:a/b",
            NODE_STEALS_TOKENS.edge_with(0.9, vec![], "high"),
        );
        let (_, _, e) = g.edges_of("NODE_STEALS_TOKENS")[0];
        assert_eq!(e.likelihood, 0.9);
        assert_eq!(e.remediation, "high");
    }
}
