//! Selectors: which graph nodes a query starts from or aims at.
//!
//! A selector is a comma-separated union of terms. A term is a name (`internet`,
//! `cluster-admin`, `cloud-admin` = any `aws-admin:`/`gcp-admin:`/`azure-admin:` sink, `admin` =
//! cluster-admin or a cloud admin), `kind:KIND` (every node of a kind: `kind:secret`,
//! `kind:sa`, ...), or a node id pattern `KIND:GLOB` over DESIGN.md's ids, where `*` matches
//! any run of characters (`/` and `:` included) and `?` one: `workload:prod/*`,
//! `sa:*/default`, `aws-role:*Admin*`. Matching is case-sensitive, as ids are.

use kubepath_engine::aws::glob;
use kubepath_engine::graph::{AttackGraph, NodeKind};
use petgraph::graph::NodeIndex;

/// Every node kind, by the name ids and `kind:` use.
const KINDS: [NodeKind; 19] = [
    NodeKind::Internet,
    NodeKind::ClusterAdmin,
    NodeKind::Network,
    NodeKind::Service,
    NodeKind::Ingress,
    NodeKind::Gateway,
    NodeKind::Workload,
    NodeKind::Node,
    NodeKind::ServiceAccount,
    NodeKind::User,
    NodeKind::Group,
    NodeKind::Secret,
    NodeKind::AwsRole,
    NodeKind::AwsUser,
    NodeKind::AwsAdmin,
    NodeKind::GcpSa,
    NodeKind::GcpAdmin,
    NodeKind::AzureIdentity,
    NodeKind::AzureAdmin,
];

fn kind_names() -> String {
    KINDS
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Kinds(Vec<NodeKind>),
    /// A glob over whole node ids, of nodes of this kind.
    Id(NodeKind, String),
}

/// A parsed selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    text: String,
    terms: Vec<Term>,
}

/// Why a selector cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorError(pub String);

impl std::fmt::Display for SelectorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SelectorError {}

const CLOUD_ADMINS: [NodeKind; 3] = [NodeKind::AwsAdmin, NodeKind::GcpAdmin, NodeKind::AzureAdmin];

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, SelectorError> {
        let mut terms = Vec::new();
        for raw in text.split(',') {
            let t = raw.trim();
            if t.is_empty() {
                return Err(SelectorError(format!(
                    "selector `{text}`: empty term (terms are separated by commas)"
                )));
            }
            terms.push(term(text, t)?);
        }
        Ok(Selector {
            text: text.to_string(),
            terms,
        })
    }

    /// The default sinks: cluster-admin and every cloud admin.
    pub fn admin() -> Selector {
        Selector::parse("admin").unwrap_or(Selector {
            text: "admin".into(),
            terms: Vec::new(),
        })
    }

    pub fn internet() -> Selector {
        Selector {
            text: "internet".into(),
            terms: vec![Term::Kinds(vec![NodeKind::Internet])],
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the node id matches.
    pub fn matches(&self, node_id: &str) -> bool {
        let Some(kind) = NodeKind::of_id(node_id) else {
            return false;
        };
        self.terms.iter().any(|t| match t {
            Term::Kinds(ks) => ks.contains(&kind),
            Term::Id(k, pattern) => *k == kind && glob::matches(pattern, node_id),
        })
    }

    /// The matching nodes of a graph, ordered by id.
    pub fn select(&self, g: &AttackGraph) -> Vec<NodeIndex> {
        let mut v: Vec<NodeIndex> = g
            .graph
            .node_indices()
            .filter(|&n| self.matches(g.node_id(n)))
            .collect();
        v.sort_by(|a, b| g.node_id(*a).cmp(g.node_id(*b)));
        v
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for Selector {
    type Err = SelectorError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Selector::parse(s)
    }
}

fn term(text: &str, t: &str) -> Result<Term, SelectorError> {
    match t {
        "internet" => return Ok(Term::Kinds(vec![NodeKind::Internet])),
        "cluster-admin" => return Ok(Term::Kinds(vec![NodeKind::ClusterAdmin])),
        "cloud-admin" => return Ok(Term::Kinds(CLOUD_ADMINS.to_vec())),
        "admin" => {
            let mut v = vec![NodeKind::ClusterAdmin];
            v.extend(CLOUD_ADMINS);
            return Ok(Term::Kinds(v));
        }
        _ => {}
    }
    let Some((prefix, rest)) = t.split_once(':') else {
        return Err(SelectorError(format!(
            "selector `{text}`: `{t}` is not a selector; use internet, cluster-admin, \
             cloud-admin, admin, kind:KIND or a node id pattern KIND:GLOB such as \
             `workload:prod/*` or `sa:*/default` (kinds: {})",
            kind_names()
        )));
    };
    if prefix == "kind" {
        return match KINDS.iter().find(|k| k.as_str() == rest) {
            Some(&k) => Ok(Term::Kinds(vec![k])),
            None => Err(SelectorError(format!(
                "selector `{text}`: unknown kind `{rest}` (kinds: {})",
                kind_names()
            ))),
        };
    }
    match NodeKind::of_id(t) {
        Some(k) if !rest.is_empty() => Ok(Term::Id(k, t.to_string())),
        Some(_) => Err(SelectorError(format!(
            "selector `{text}`: `{t}` names no node; add a pattern after the colon (`{prefix}:*`)"
        ))),
        None => Err(SelectorError(format!(
            "selector `{text}`: unknown node kind `{prefix}` in `{t}` (kinds: {})",
            kind_names()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(s: &str) -> Selector {
        Selector::parse(s).expect("valid selector")
    }

    #[test]
    fn names_select_their_sinks() {
        assert!(sel("internet").matches("internet"));
        assert!(!sel("internet").matches("cluster-admin"));
        assert!(sel("cluster-admin").matches("cluster-admin"));
        assert!(!sel("cluster-admin").matches("aws-admin:1"));
        for id in ["aws-admin:1", "gcp-admin:p", "azure-admin:s"] {
            assert!(sel("cloud-admin").matches(id), "{id}");
            assert!(sel("admin").matches(id), "{id}");
        }
        assert!(!sel("cloud-admin").matches("cluster-admin"));
        assert!(sel("admin").matches("cluster-admin"));
        assert!(!sel("admin").matches("aws-role:arn:aws:iam::1:role/admin"));
    }

    #[test]
    fn globs_match_whole_ids_of_their_kind() {
        let s = sel("workload:prod/*");
        assert!(s.matches("workload:prod/Deployment/api"));
        assert!(!s.matches("workload:production/Deployment/api"));
        assert!(!s.matches("service:prod/api"));
        let s = sel("sa:*/default");
        assert!(s.matches("sa:shop/default"));
        assert!(!s.matches("sa:shop/default-reader"));
        let s = sel("aws-role:*Admin*");
        assert!(s.matches("aws-role:arn:aws:iam::1:role/ClusterAdmin"));
        assert!(!s.matches("aws-role:arn:aws:iam::1:role/clusteradmin"));
        assert!(!s.matches("aws-user:arn:aws:iam::1:user/Admin"));
    }

    #[test]
    fn kinds_and_unions() {
        let s = sel("kind:secret");
        assert!(s.matches("secret:a/b"));
        assert!(!s.matches("sa:a/b"));
        let s = sel("kind:sa, cluster-admin");
        assert!(s.matches("sa:a/b"));
        assert!(s.matches("cluster-admin"));
        assert!(!s.matches("secret:a/b"));
    }

    #[test]
    fn bad_selectors_are_clear_errors() {
        for (bad, says) in [
            ("prod", "is not a selector"),
            ("kind:pod", "unknown kind `pod`"),
            ("pod:prod/*", "unknown node kind `pod`"),
            ("workload:", "names no node"),
            ("internet,", "empty term"),
        ] {
            let err = Selector::parse(bad).expect_err(bad).to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
