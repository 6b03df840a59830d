//! What-if analysis: the graph as it would be with some steps fixed.
//!
//! A fix names either one edge, `FROM -[TECHNIQUE]-> TO` (the form fix plans print), or an
//! object, `Kind/namespace/name`, `Kind/name` or an ARN (a `*` glob is allowed): every edge
//! whose evidence rests on that object goes, i.e. an evidence item names it as its object or
//! its field refers to it (`roleRef -> ClusterRole/NAME`). Removing is all a fix does: the
//! engine cannot know what the object would say instead, and a fixed object grants nothing.
//!
//! Fixability: which steps a defender can remove by changing one object (a binding, a pod
//! setting, a trust condition, an exposure), and how disruptive that is (`fix_cost`).

use petgraph::graph::EdgeIndex;

use crate::graph::{AttackGraph, Edge, NodeKind};

/// One assumed fix.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fix {
    /// Exactly one step.
    Edge {
        from: String,
        technique: String,
        to: String,
    },
    /// Every step whose evidence rests on this object (glob with `*`/`?`).
    Object(String),
}

/// A fix string that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixError {
    #[error("empty fix")]
    Empty,
    #[error(
        "fix `{0}`: an edge is written `FROM -[TECHNIQUE]-> TO` (e.g. `sa:ns/name -[RBAC_CLUSTER_ADMIN]-> cluster-admin`)"
    )]
    BadEdge(String),
    #[error("fix `{0}`: unknown technique `{1}` (see the technique catalog)")]
    UnknownTechnique(String, String),
}

impl Fix {
    /// Read a fix: an edge when it contains `-[`, else an object.
    pub fn parse(s: &str) -> Result<Fix, FixError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(FixError::Empty);
        }
        let Some((from, rest)) = s.split_once("-[") else {
            return Ok(Fix::Object(s.to_string()));
        };
        let Some((technique, to)) = rest.split_once("]->") else {
            return Err(FixError::BadEdge(s.to_string()));
        };
        let (from, technique, to) = (from.trim(), technique.trim(), to.trim());
        if from.is_empty() || to.is_empty() || technique.is_empty() {
            return Err(FixError::BadEdge(s.to_string()));
        }
        if crate::techniques::by_id(technique).is_none() {
            return Err(FixError::UnknownTechnique(
                s.to_string(),
                technique.to_string(),
            ));
        }
        Ok(Fix::Edge {
            from: from.to_string(),
            technique: technique.to_string(),
            to: to.to_string(),
        })
    }
}

impl std::fmt::Display for Fix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fix::Edge {
                from,
                technique,
                to,
            } => write!(f, "{from} -[{technique}]-> {to}"),
            Fix::Object(o) => f.write_str(o),
        }
    }
}

/// The id of one edge in the form `Fix::parse` reads back.
pub fn edge_id(g: &AttackGraph, e: EdgeIndex) -> String {
    match g.graph.edge_endpoints(e) {
        Some((a, b)) => format!(
            "{} -[{}]-> {}",
            g.node_id(a),
            g.graph[e].technique.id,
            g.node_id(b)
        ),
        None => String::new(),
    }
}

/// Whether the fix removes this edge.
pub fn removes(fix: &Fix, g: &AttackGraph, e: EdgeIndex) -> bool {
    let Some((a, b)) = g.graph.edge_endpoints(e) else {
        return false;
    };
    let edge = &g.graph[e];
    match fix {
        Fix::Edge {
            from,
            technique,
            to,
        } => edge.technique.id == technique && g.node_id(a) == from && g.node_id(b) == to,
        Fix::Object(object) => rests_on(edge, object),
    }
}

/// Whether any evidence of the edge names `object` (its object, or a whole token of its field).
fn rests_on(edge: &Edge, object: &str) -> bool {
    let glob = object.contains(['*', '?']);
    edge.evidence.iter().any(|ev| {
        if glob {
            crate::aws::glob::matches(object, &ev.object)
        } else {
            ev.object == object || mentions(&ev.field, object)
        }
    })
}

/// `text` contains `object` not followed by more of a name (`ClusterRole/a` is not in
/// `ClusterRole/ab`) and not preceded by one.
fn mentions(text: &str, object: &str) -> bool {
    let is_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':');
    text.match_indices(object).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + object.len()..].chars().next();
        !before.is_some_and(is_name) && !after.is_some_and(is_name)
    })
}

/// The graph with the fixed edges removed (node ids and indices unchanged), and for each fix
/// how many edges it removed (0 means it matched nothing here).
pub fn apply(g: &AttackGraph, fixes: &[Fix]) -> (AttackGraph, Vec<usize>) {
    let mut counts = vec![0usize; fixes.len()];
    let mut out = AttackGraph::new();
    for n in g.graph.node_indices() {
        out.node(g.node_id(n));
    }
    for e in g.graph.edge_indices() {
        let mut removed = false;
        for (i, f) in fixes.iter().enumerate() {
            if removes(f, g, e) {
                counts[i] += 1;
                removed = true;
            }
        }
        if removed {
            continue;
        }
        if let Some((a, b)) = g.graph.edge_endpoints(e) {
            out.add_edge(g.node_id(a), g.node_id(b), g.graph[e].clone());
        }
    }
    (out, counts)
}

/// How disruptive removing this step is, in fix units, or `None` when no object change
/// removes the step itself (the fix is elsewhere on the chain): the attacker's exploit of an
/// exposed application, a Service selecting its own pods, group membership, a node holding
/// the tokens of its pods or its own identity, what cluster-admin (every permission) allows.
///
/// Exposures cost 3, every other fix 2: taking a service off the internet is the most
/// disruptive change, yet one exposure fix is preferred over two inner fixes.
pub fn fix_cost(technique: &str, from: NodeKind) -> Option<u32> {
    match technique {
        "APP_COMPROMISE" | "SERVICE_SELECTS" | "MEMBER_OF" | "NODE_STEALS_TOKENS"
        | "NODE_IDENTITY" => None,
        // A node reaching its own cloud role is inherent; a pod reaching it is a setting.
        "IMDS_NODE_ROLE" if from == NodeKind::Node => None,
        // What cluster-admin may do is inherent to holding every permission: the fix is on
        // the steps into it.
        _ if from == NodeKind::ClusterAdmin => None,
        t if t.starts_with("EXPOSED_") => Some(3),
        _ => Some(2),
    }
}

/// Whether a fix plan may remove this edge.
pub fn fixable(g: &AttackGraph, e: EdgeIndex) -> Option<u32> {
    let (a, _) = g.graph.edge_endpoints(e)?;
    fix_cost(g.graph[e].technique.id, g.graph[a].kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Evidence;
    use crate::techniques::{identity, rbac};

    fn graph() -> AttackGraph {
        let mut g = AttackGraph::new();
        g.add_edge(
            "workload:a/Deployment/web",
            "sa:a/web",
            identity::POD_SA_TOKEN.edge(
                vec![Evidence::new(
                    "Deployment/a/web",
                    "spec.template.spec.automountServiceAccountToken",
                    "unset",
                )],
                "fix",
            ),
        );
        g.add_edge(
            "sa:a/web",
            "cluster-admin",
            rbac::RBAC_CLUSTER_ADMIN.edge(
                vec![Evidence::new(
                    "ClusterRoleBinding/web",
                    "roleRef -> ClusterRole/web-admin rules[0]",
                    "* on */*",
                )],
                "fix",
            ),
        );
        g
    }

    #[test]
    fn edge_fix_round_trips_through_its_id() {
        let g = graph();
        for e in g.graph.edge_indices() {
            let fix = Fix::parse(&edge_id(&g, e)).expect("own id parses");
            assert!(removes(&fix, &g, e));
            assert_eq!(fix.to_string(), edge_id(&g, e));
        }
    }

    #[test]
    fn steps_out_of_cluster_admin_are_not_fixes() {
        // The hub's steps are what every permission allows; the same technique from an
        // identity is a grant that can be narrowed.
        assert_eq!(fix_cost("RBAC_POD_EXEC", NodeKind::ClusterAdmin), None);
        assert_eq!(fix_cost("RBAC_POD_EXEC", NodeKind::ServiceAccount), Some(2));
        assert_eq!(fix_cost("EXPOSED_INGRESS", NodeKind::Internet), Some(3));
    }

    #[test]
    fn bad_fixes_are_clear_errors() {
        assert_eq!(Fix::parse("  "), Err(FixError::Empty));
        assert!(matches!(
            Fix::parse("a -[RBAC_CLUSTER_ADMIN b"),
            Err(FixError::BadEdge(_))
        ));
        assert!(matches!(
            Fix::parse("a -[NOPE]-> b"),
            Err(FixError::UnknownTechnique(_, _))
        ));
    }

    #[test]
    fn object_fix_removes_edges_whose_evidence_names_it() {
        let g = graph();
        let (fixed, counts) = apply(&g, &[Fix::Object("ClusterRole/web-admin".into())]);
        assert_eq!(counts, vec![1]);
        assert!(!fixed.has_edge("sa:a/web", "cluster-admin", "RBAC_CLUSTER_ADMIN"));
        assert!(fixed.has_edge("workload:a/Deployment/web", "sa:a/web", "POD_SA_TOKEN"));
        // A name that only starts like the object is another object.
        let (_, counts) = apply(&g, &[Fix::Object("ClusterRole/web".into())]);
        assert_eq!(counts, vec![0]);
        let (fixed, counts) = apply(&g, &[Fix::Object("Deployment/a/*".into())]);
        assert_eq!(counts, vec![1]);
        assert!(!fixed.has_edge("workload:a/Deployment/web", "sa:a/web", "POD_SA_TOKEN"));
        assert_eq!(fixed.graph.node_count(), g.graph.node_count());
    }

    #[test]
    fn the_attackers_exploit_is_not_a_fix_but_the_exposure_is() {
        assert_eq!(fix_cost("APP_COMPROMISE", NodeKind::Service), None);
        assert_eq!(
            fix_cost("EXPOSED_LOADBALANCER", NodeKind::Internet),
            Some(3)
        );
        assert_eq!(fix_cost("IMDS_NODE_ROLE", NodeKind::Node), None);
        assert_eq!(fix_cost("IMDS_NODE_ROLE", NodeKind::Workload), Some(2));
        assert_eq!(fix_cost("POD_SA_TOKEN", NodeKind::Workload), Some(2));
    }
}
