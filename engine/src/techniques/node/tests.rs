use crate::graph::AttackGraph;
use crate::testutil::graph;

fn likelihood(g: &AttackGraph, from: &str, to: &str, technique: &str) -> Option<f64> {
    g.edges_of(technique)
        .iter()
        .find(|e| e.0 == from && e.1 == to)
        .map(|e| e.2.likelihood)
}

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
---
kind: Node
metadata: {name: ip-10-0-0-1}
",
    );
    assert!(g.edges_of("NODE_STEALS_TOKENS").is_empty());
}

#[test]
fn without_node_objects_unplaced_tokens_are_on_some_node_with_lower_likelihood() {
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
kind: Pod
metadata: {name: other}
spec:
  nodeName: ip-10-0-0-1
  automountServiceAccountToken: false
  containers: [{name: c, image: c}]
",
    );
    let edges = g.edges_of("NODE_STEALS_TOKENS");
    assert_eq!(
        edges.len(),
        1,
        "no edge from concrete nodes when placement is unknown"
    );
    assert_eq!((edges[0].0, edges[0].1), ("node:*", "sa:prod/api"));
    assert_eq!(edges[0].2.likelihood, 0.5);
}

#[test]
fn without_node_objects_daemonset_tokens_are_on_every_node() {
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
kind: Pod
metadata: {name: other}
spec:
  nodeName: ip-10-0-0-2
  automountServiceAccountToken: false
  containers: [{name: c, image: c}]
",
    );
    for node in ["node:*", "node:ip-10-0-0-2"] {
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

const TWO_NODES: &str = "
kind: Node
metadata: {name: a, labels: {pool: general}}
---
kind: Node
metadata: {name: b, labels: {pool: general}}
---
kind: Node
metadata: {name: gpu, labels: {pool: gpu}}
spec: {taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}
";

#[test]
fn node_steals_tokens_placed_there_likelier_than_schedulable_there() {
    let g = graph(&format!(
        "{TWO_NODES}
---
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec: {{template: {{spec: {{serviceAccountName: web, containers: [{{name: c}}]}}}}}}
---
kind: Pod
metadata: {{name: job, namespace: shop}}
spec: {{nodeName: a, serviceAccountName: job, containers: [{{name: c}}]}}
"
    ));
    // Merely schedulable on a and b.
    for node in ["node:a", "node:b"] {
        assert_eq!(
            likelihood(&g, node, "sa:shop/web", "NODE_STEALS_TOKENS"),
            Some(0.5),
            "{node}"
        );
    }
    // Placed on a.
    assert_eq!(
        likelihood(&g, "node:a", "sa:shop/job", "NODE_STEALS_TOKENS"),
        Some(0.9)
    );
    assert!(!g.has_edge("node:b", "sa:shop/job", "NODE_STEALS_TOKENS"));
    // The tainted node holds neither.
    assert!(!g.has_edge("node:gpu", "sa:shop/web", "NODE_STEALS_TOKENS"));
    // Some node may hold the schedulable one's, not the bound one's.
    assert_eq!(
        likelihood(&g, "node:*", "sa:shop/web", "NODE_STEALS_TOKENS"),
        Some(0.5)
    );
    assert!(!g.has_edge("node:*", "sa:shop/job", "NODE_STEALS_TOKENS"));
    let ev = g
        .edges_of("NODE_STEALS_TOKENS")
        .into_iter()
        .find(|e| e.0 == "node:b" && e.1 == "sa:shop/web")
        .map(|e| e.2.evidence.clone())
        .unwrap_or_default();
    assert!(
        ev.iter()
            .any(|e| e.object == "Deployment/shop/web" && e.detail.contains("Node/b")),
        "{ev:?}"
    );
}

#[test]
fn tolerating_workload_tokens_are_on_the_dedicated_node() {
    let g = graph(&format!(
        "{TWO_NODES}
---
kind: Deployment
metadata: {{name: train, namespace: ml}}
spec:
  template:
    spec:
      nodeSelector: {{pool: gpu}}
      tolerations: [{{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}}]
      containers: [{{name: c}}]
"
    ));
    // The only node it fits: it runs there.
    assert_eq!(
        likelihood(&g, "node:gpu", "sa:ml/default", "NODE_STEALS_TOKENS"),
        Some(0.9)
    );
    assert!(!g.has_edge("node:a", "sa:ml/default", "NODE_STEALS_TOKENS"));
}

#[test]
fn daemonset_tokens_are_on_every_node_it_fits() {
    let g = graph(&format!(
        "{TWO_NODES}
---
kind: Node
metadata: {{name: cordoned}}
spec: {{taints: [{{key: node.kubernetes.io/unschedulable, effect: NoSchedule}}]}}
---
kind: DaemonSet
metadata: {{name: agent, namespace: kube-system}}
spec: {{template: {{spec: {{serviceAccountName: agent, containers: [{{name: c}}]}}}}}}
"
    ));
    for node in ["node:a", "node:b", "node:cordoned"] {
        assert_eq!(
            likelihood(&g, node, "sa:kube-system/agent", "NODE_STEALS_TOKENS"),
            Some(0.9),
            "{node}"
        );
    }
    assert!(!g.has_edge("node:gpu", "sa:kube-system/agent", "NODE_STEALS_TOKENS"));
    // Not on every node: "some node" holds it only maybe.
    assert_eq!(
        likelihood(&g, "node:*", "sa:kube-system/agent", "NODE_STEALS_TOKENS"),
        Some(0.5)
    );
}

#[test]
fn escape_goes_to_the_nodes_the_workload_fits() {
    let g = graph(&format!(
        "{TWO_NODES}
---
kind: Deployment
metadata: {{name: debug, namespace: ops}}
spec:
  template:
    spec:
      containers: [{{name: c, securityContext: {{privileged: true}}}}]
"
    ));
    assert!(g.has_edge(
        "workload:ops/Deployment/debug",
        "node:a",
        "ESCAPE_PRIVILEGED"
    ));
    assert!(g.has_edge(
        "workload:ops/Deployment/debug",
        "node:b",
        "ESCAPE_PRIVILEGED"
    ));
    assert!(!g.has_edge(
        "workload:ops/Deployment/debug",
        "node:gpu",
        "ESCAPE_PRIVILEGED"
    ));
    assert!(!g.has_edge(
        "workload:ops/Deployment/debug",
        "node:*",
        "ESCAPE_PRIVILEGED"
    ));
}

/// Nodes `n000`.. of one untainted group (more than the cap) and one tainted node.
fn many_nodes() -> String {
    let mut s = String::new();
    for i in 0..=crate::placement::MAX_NODES_PER_WORKLOAD {
        s.push_str(&format!("---\nkind: Node\nmetadata: {{name: n{i:03}}}\n"));
    }
    s.push_str("---\nkind: Node\nmetadata: {name: tainted}\nspec: {taints: [{key: dedicated, effect: NoExecute}]}\n");
    s
}

#[test]
fn wide_workload_tokens_hang_off_some_node_reached_from_the_nodes_it_fits() {
    let g = graph(&format!(
        "{}---
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec: {{template: {{spec: {{containers: [{{name: c}}]}}}}}}
",
        many_nodes()
    ));
    assert_eq!(
        likelihood(&g, "node:*", "sa:shop/default", "NODE_STEALS_TOKENS"),
        Some(0.5)
    );
    assert!(!g.has_edge("node:n000", "sa:shop/default", "NODE_STEALS_TOKENS"));
    assert_eq!(
        likelihood(&g, "node:n000", "node:*", "NODE_STEALS_TOKENS"),
        Some(1.0)
    );
    // The tainted node cannot host it, so it does not reach node:*.
    assert!(!g.has_edge("node:tainted", "node:*", "NODE_STEALS_TOKENS"));
    // Edges stay linear: one per node plus one for the token.
    assert_eq!(
        g.edges_of("NODE_STEALS_TOKENS").len(),
        crate::placement::MAX_NODES_PER_WORKLOAD + 2
    );
}

#[test]
fn no_link_to_some_node_without_wide_workloads() {
    let g = graph(&format!(
        "{}---
kind: Pod
metadata: {{name: p, namespace: shop}}
spec: {{nodeName: n001, containers: [{{name: c}}]}}
",
        many_nodes()
    ));
    assert!(
        g.edges_of("NODE_STEALS_TOKENS")
            .iter()
            .all(|e| e.1 != "node:*")
    );
}

const NODES_BINDING: &str = "
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: nodes-read-secrets}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: system:nodes}]
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: secret-reader}
rules: [{apiGroups: [''], resources: [secrets], verbs: [get, list]}]
---
kind: Node
metadata: {name: a}
";

#[test]
fn node_identity_reaches_system_nodes_when_it_is_bound() {
    let g = graph(NODES_BINDING);
    assert!(g.has_edge("node:a", "group:system:nodes", "NODE_IDENTITY"));
    assert!(g.has_edge("node:*", "group:system:nodes", "NODE_IDENTITY"));
    // The group leads on through its binding.
    assert!(!g.techniques_from("group:system:nodes").is_empty());
    let edges = g.edges_of("NODE_IDENTITY");
    let ev = &edges[0].2.evidence;
    assert!(
        ev.iter().any(
            |e| e.object == "ClusterRoleBinding/nodes-read-secrets" && e.field == "subjects[0]"
        )
    );
    assert!(ev.iter().any(|e| e.detail.contains("NodeRestriction")));
    // No binding names the node's own user.
    assert!(!g.has_edge("node:a", "user:system:node:a", "NODE_IDENTITY"));
}

#[test]
fn node_identity_reaches_the_node_user_when_it_is_bound() {
    let g = graph(
        "
kind: ClusterRoleBinding
metadata: {name: node-a-extra}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: 'system:node:a'}]
---
kind: Node
metadata: {name: a}
---
kind: Node
metadata: {name: b}
",
    );
    assert!(g.has_edge("node:a", "user:system:node:a", "NODE_IDENTITY"));
    assert!(!g.has_edge("node:b", "user:system:node:b", "NODE_IDENTITY"));
    assert!(!g.has_edge("node:a", "group:system:nodes", "NODE_IDENTITY"));
}

#[test]
fn node_identity_is_absent_when_nothing_is_bound_to_the_node_identities() {
    let g = graph(&NODES_BINDING.replace("name: system:nodes", "name: ops"));
    assert!(g.edges_of("NODE_IDENTITY").is_empty());
}

#[test]
fn daemonset_that_fits_no_known_node_leaves_no_token_anywhere() {
    let g = graph(&format!(
        "{TWO_NODES}
---
kind: DaemonSet
metadata: {{name: win-agent, namespace: kube-system}}
spec:
  template:
    spec:
      nodeSelector: {{kubernetes.io/os: windows}}
      containers: [{{name: c, securityContext: {{privileged: true}}}}]
"
    ));
    assert!(g.edges_of("NODE_STEALS_TOKENS").is_empty());
    assert!(g.edges_of("ESCAPE_PRIVILEGED").is_empty());
}
