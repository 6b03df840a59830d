//! Node: what an attacker on a node can take.

use std::collections::BTreeSet;

use crate::graph::{AttackGraph, Evidence, id};
use crate::index::{Index, WorkloadNode};
use crate::snapshot::WorkloadKind;
use crate::techniques::identity::{MountedToken, mounted_token, pod_spec_path, pod_template_path};
use crate::techniques::technique;

technique!(
    NODE_STEALS_TOKENS,
    "Node holds the tokens of the pods it runs",
    Some("T1528"),
    0.9,
    "Isolate privileged workloads on dedicated nodes (taints and tolerations); do not automount tokens that pods do not use."
);
technique!(
    NODE_IDENTITY,
    "Node credentials act as system:node",
    Some("T1078"),
    0.9,
    "Keep the NodeRestriction admission plugin on; do not bind extra roles to system:nodes."
);
technique!(
    IMDS_NODE_ROLE,
    "Instance metadata service hands out the node's cloud role",
    Some("T1552.005"),
    0.8,
    "Require IMDSv2 with a hop limit of 1 (or block the metadata endpoint with a NetworkPolicy) and keep the node role minimal."
);

/// Likelihood that a node holds the token of a pod that runs there (or of a DaemonSet, which
/// runs on every node).
const ON_NODE_LIKELIHOOD: f64 = 0.9;
/// Likelihood that "some node" holds the token of a pod whose placement is unknown: the
/// compromised node may not be the one the pod runs on.
const PLACEMENT_UNKNOWN_LIKELIHOOD: f64 = 0.5;

/// `node -> sa` for every workload whose token is mounted: the kubelet writes the token to
/// the node's disk, so whoever controls the node reads it.
///
/// Concrete `node:NAME`s get the tokens of the Pods placed on them (`spec.nodeName`) and of
/// every DaemonSet; `node:*` ("some node, placement unknown") gets every token, DaemonSets
/// with a high and the rest with a lower likelihood. The work is O(workloads + nodes x
/// DaemonSets): no other workload is paired with every node.
pub fn edges(ix: &Index, g: &mut AttackGraph) {
    let mut concrete: BTreeSet<String> = ix
        .snapshot
        .nodes
        .iter()
        .filter(|n| !n.metadata.name.is_empty())
        .map(|n| id::node(&n.metadata.name))
        .collect();
    let mut daemonsets = Vec::new();
    for w in &ix.workloads {
        let nodes = w.node_ids();
        concrete.extend(nodes.iter().filter(|n| *n != id::ANY_NODE).cloned());
        let Some(token) = mounted_token(ix, w) else {
            continue;
        };
        let obj = w.object();
        if w.spec.kind() == WorkloadKind::DaemonSet {
            daemonsets.push((w, token));
            continue;
        }
        for node in &nodes {
            let (likelihood, placement) = if node == id::ANY_NODE {
                (
                    PLACEMENT_UNKNOWN_LIKELIHOOD,
                    vec![Evidence::new(
                        &obj,
                        format!("{}.nodeName", pod_spec_path(w)),
                        "unset: its pods run on some node, which may not be the compromised one",
                    )
                    .at(&w.spec.source)],
                )
            } else {
                (ON_NODE_LIKELIHOOD, placed_on(w, node))
            };
            let mut evidence = placement;
            evidence.extend(token.evidence.iter().cloned());
            g.add_edge(
                node,
                &token.service_account,
                NODE_STEALS_TOKENS.edge_with(likelihood, evidence, remediation(&obj, &token)),
            );
        }
    }
    for (w, token) in daemonsets {
        let obj = w.object();
        let mut evidence = vec![
            Evidence::new(&obj, "kind", "DaemonSet: a pod on every node it tolerates")
                .at(&w.spec.source),
        ];
        evidence.extend(token.evidence.iter().cloned());
        let edge =
            NODE_STEALS_TOKENS.edge_with(ON_NODE_LIKELIHOOD, evidence, remediation(&obj, &token));
        for node in concrete.iter().map(String::as_str).chain([id::ANY_NODE]) {
            g.add_edge(node, &token.service_account, edge.clone());
        }
    }
}

/// Evidence that the workload's pods run on `node` (`node:NAME`).
fn placed_on(w: &WorkloadNode, node: &str) -> Vec<Evidence> {
    let name = node.strip_prefix("node:").unwrap_or(node);
    std::iter::once(w.spec)
        .chain(w.pods.iter().copied())
        .filter(|p| p.pod_spec.node_name.as_deref() == Some(name))
        .map(|p| {
            Evidence::new(
                format!("{}/{}/{}", p.kind().as_str(), p.meta.ns(), p.meta.name),
                format!("{}spec.nodeName", pod_template_path(p.kind())),
                name,
            )
            .at(&p.source)
        })
        .collect()
}

fn remediation(obj: &str, token: &MountedToken) -> String {
    format!(
        "{} Or run {obj} on dedicated nodes (taints and tolerations) that untrusted workloads cannot reach.",
        token.remediation
    )
}

#[cfg(test)]
mod tests {
    use crate::testutil::graph;

    #[test]
    fn node_steals_tokens_of_pods_placed_on_it() {
        let g = graph(
            "
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: prod}
spec:
  nodeName: ip-10-0-0-1
  serviceAccountName: api
  containers: [{name: api, image: api}]
",
        );
        assert!(g.has_edge("node:ip-10-0-0-1", "sa:prod/api", "NODE_STEALS_TOKENS"));
        // Placement is known, so "some node" does not get it.
        assert!(!g.has_edge("node:*", "sa:prod/api", "NODE_STEALS_TOKENS"));
        let edges = g.edges_of("NODE_STEALS_TOKENS");
        let edge = edges[0].2;
        assert_eq!(edge.likelihood, 0.9);
        assert!(edge.evidence.iter().any(|e| e.object == "Pod/prod/api"
            && e.field == "spec.nodeName"
            && e.detail == "ip-10-0-0-1"));
    }

    #[test]
    fn node_steals_no_token_that_is_not_mounted() {
        let g = graph(
            "
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: prod}
spec:
  nodeName: ip-10-0-0-1
  serviceAccountName: api
  automountServiceAccountToken: false
  containers: [{name: api, image: api}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: prod}
spec:
  template:
    spec:
      automountServiceAccountToken: false
      containers: [{name: agent, image: agent}]
",
        );
        assert!(g.edges_of("NODE_STEALS_TOKENS").is_empty());
    }

    #[test]
    fn unplaced_workload_tokens_are_on_some_node_with_lower_likelihood() {
        let g = graph(
            "
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  template:
    spec:
      serviceAccountName: api
      containers: [{name: api, image: api}]
---
apiVersion: v1
kind: Node
metadata: {name: ip-10-0-0-1}
",
        );
        let edges = g.edges_of("NODE_STEALS_TOKENS");
        assert_eq!(
            edges.len(),
            1,
            "no edge from concrete nodes for unplaced pods"
        );
        assert_eq!((edges[0].0, edges[0].1), ("node:*", "sa:prod/api"));
        assert_eq!(edges[0].2.likelihood, 0.5);
    }

    #[test]
    fn daemonset_tokens_are_on_every_node() {
        let g = graph(
            "
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  template:
    spec:
      serviceAccountName: agent
      containers: [{name: agent, image: agent}]
---
apiVersion: v1
kind: Node
metadata: {name: ip-10-0-0-1}
---
apiVersion: v1
kind: Pod
metadata: {name: other}
spec:
  nodeName: ip-10-0-0-2
  automountServiceAccountToken: false
  containers: [{name: c, image: c}]
",
        );
        for node in ["node:*", "node:ip-10-0-0-1", "node:ip-10-0-0-2"] {
            assert!(
                g.has_edge(node, "sa:kube-system/agent", "NODE_STEALS_TOKENS"),
                "{node}"
            );
        }
        assert!(
            g.edges_of("NODE_STEALS_TOKENS")
                .iter()
                .all(|e| e.2.likelihood == 0.9)
        );
    }
}
