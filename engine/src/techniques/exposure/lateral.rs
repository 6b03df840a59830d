//! LATERAL_NETWORK: the flat pod network, through one `network:cluster` node so that edges
//! stay O(workloads).
//!
//! - `workload -> network:cluster` (likelihood 1.0) when the workload's egress may reach
//!   arbitrary pods: no NetworkPolicy isolates its egress, or an egress rule admits every pod.
//! - `network:cluster -> workload` (the technique's likelihood) when the workload serves
//!   something (a Service selects it, or a container declares ports) and arbitrary pods may
//!   connect to it: no NetworkPolicy isolates its ingress, or an ingress rule admits every pod.
//!
//! Narrower rules (same namespace only, named pods) are not modelled as lateral steps: the
//! one `network:cluster` node stands for "any pod to any pod".

use super::*;

/// Likelihood of stepping into the pod network: a compromised pod can always open sockets.
const EGRESS_LIKELIHOOD: f64 = 1.0;

/// Why a workload listens: a Service that selects it (first by object name), or declared
/// container ports.
fn serves(selected: &BTreeMap<&str, Evidence>, w: &WorkloadNode) -> Option<Evidence> {
    if let Some(ev) = selected.get(w.id.as_str()) {
        return Some(ev.clone());
    }
    let base = pod_spec_path(w);
    w.spec
        .pod_spec
        .containers
        .iter()
        .enumerate()
        .find(|(_, c)| !c.ports.is_empty())
        .map(|(i, c)| {
            let ports: Vec<String> = c
                .ports
                .iter()
                .map(|p| {
                    format!(
                        "{}/{}",
                        p.container_port.map_or("?".into(), |n| n.to_string()),
                        p.protocol.as_deref().unwrap_or("TCP")
                    )
                })
                .collect();
            Evidence::new(
                w.object(),
                format!("{base}.containers[{i}].ports"),
                ports.join(", "),
            )
            .at(&w.spec.source)
        })
}

pub(super) fn edges(ix: &Index, g: &mut AttackGraph) {
    let mut selected: BTreeMap<&str, Evidence> = BTreeMap::new();
    for svc in ix.services_by_ns.values().flatten() {
        for (w, matched) in selected_workloads(ix, svc) {
            // The first Service by name, whatever the input order.
            selected
                .entry(w.id.as_str())
                .and_modify(|e| {
                    if matched.object < e.object {
                        *e = matched.clone();
                    }
                })
                .or_insert(matched);
        }
    }
    for w in &ix.workloads {
        let ns = w.namespace;
        let out = match ix.netpol.egress(w, Peer::AnyPod) {
            Verdict::Open => Some(vec![
                Evidence::new(
                    w.object(),
                    "",
                    format!("no NetworkPolicy of namespace {ns} restricts its egress"),
                )
                .at(&w.spec.source),
            ]),
            Verdict::Allowed(why) => Some(why),
            Verdict::Denied(_) => None,
        };
        if let Some(evidence) = out {
            g.add_edge(
                &w.id,
                id::NETWORK_CLUSTER,
                LATERAL_NETWORK.edge_with(
                    EGRESS_LIKELIHOOD,
                    evidence,
                    format!(
                        "Add an egress NetworkPolicy in {ns} that selects {} and admits only the destinations it needs.",
                        w.object()
                    ),
                ),
            );
        }
        let Some(listens) = serves(&selected, w) else {
            continue;
        };
        let mut evidence = match ix.netpol.ingress(w, Peer::AnyPod) {
            Verdict::Open => vec![
                Evidence::new(
                    w.object(),
                    "",
                    format!("no NetworkPolicy of namespace {ns} isolates it"),
                )
                .at(&w.spec.source),
            ],
            Verdict::Allowed(why) => why,
            Verdict::Denied(_) => continue,
        };
        evidence.push(listens);
        let scans = ix.vuln.exposure(w);
        evidence.extend(scans.evidence(&w.object()));
        g.add_edge(
            id::NETWORK_CLUSTER,
            &w.id,
            LATERAL_NETWORK.edge_with(
                scans.likelihood(LATERAL_NETWORK.likelihood),
                evidence,
                scans.remediation(format!(
                    "Add a NetworkPolicy in {ns} that selects {} and admits only the callers it needs (deny other ingress).",
                    w.object()
                )),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::AttackGraph;
    use crate::testutil::graph;

    /// `shop/web` behind a ClusterIP Service, `shop/worker` with no Service or ports, and
    /// `tools/debug`: every workload can be the one compromised first.
    const PODS: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: shop}
spec:
  template:
    metadata: {labels: {app: worker}}
    spec: {containers: [{name: w, image: busybox}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: debug, namespace: tools}
spec:
  template:
    metadata: {labels: {app: debug}}
    spec: {containers: [{name: d, image: busybox, ports: [{containerPort: 9000}]}]}
";

    fn with(policies: &str) -> AttackGraph {
        graph(&format!("{PODS}---\n{policies}"))
    }

    const NET: &str = "network:cluster";
    const WEB: &str = "workload:shop/Deployment/web";
    const WORKER: &str = "workload:shop/Deployment/worker";
    const DEBUG: &str = "workload:tools/Deployment/debug";

    #[test]
    fn the_service_named_as_evidence_does_not_depend_on_input_order() {
        let svc = |name: &str| {
            format!(
                "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: shop}}\nspec: {{selector: {{app: web}}, ports: [{{port: 81}}]}}\n"
            )
        };
        let named = |g: &AttackGraph| {
            let edges = g.edges_of("LATERAL_NETWORK");
            let (_, _, e) = edges
                .iter()
                .find(|(f, t, _)| *f == NET && *t == WEB)
                .expect("network -> web");
            e.evidence
                .iter()
                .filter(|ev| ev.field == "spec.selector")
                .map(|ev| ev.object.to_string())
                .collect::<Vec<_>>()
        };
        let zeta_first = with(&format!("{}---\n{}", svc("zeta"), svc("alpha")));
        let alpha_first = with(&format!("{}---\n{}", svc("alpha"), svc("zeta")));
        assert_eq!(named(&zeta_first), vec!["Service/shop/alpha".to_string()]);
        assert_eq!(named(&alpha_first), vec!["Service/shop/alpha".to_string()]);
    }

    #[test]
    fn flat_network_reaches_serving_workloads_from_any_workload() {
        let g = with("");
        for w in [WEB, WORKER, DEBUG] {
            assert!(g.has_edge(w, NET, "LATERAL_NETWORK"), "{w} -> network");
        }
        assert!(g.has_edge(NET, WEB, "LATERAL_NETWORK"));
        assert!(
            g.has_edge(NET, DEBUG, "LATERAL_NETWORK"),
            "container ports listen"
        );
        assert!(
            !g.has_edge(NET, WORKER, "LATERAL_NETWORK"),
            "nothing listens"
        );
        let edges = g.edges_of("LATERAL_NETWORK");
        let into_web = edges.iter().find(|(f, t, _)| *f == NET && *t == WEB);
        let into_web = into_web.expect("network -> web");
        assert_eq!(into_web.2.likelihood, super::LATERAL_NETWORK.likelihood);
        assert!(
            into_web
                .2
                .evidence
                .iter()
                .any(|e| e.detail.contains("no NetworkPolicy"))
        );
        let out = edges.iter().find(|(f, t, _)| *f == WEB && *t == NET);
        assert_eq!(out.map(|e| e.2.likelihood), Some(1.0));
    }

    #[test]
    fn default_deny_ingress_isolates_the_namespace() {
        let g = with(
            "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
",
        );
        assert!(!g.has_edge(NET, WEB, "LATERAL_NETWORK"));
        assert!(g.has_edge(NET, DEBUG, "LATERAL_NETWORK"));
        // Egress is not isolated by an ingress policy.
        assert!(g.has_edge(WEB, NET, "LATERAL_NETWORK"));
    }

    #[test]
    fn ingress_rule_admitting_every_namespace_keeps_the_step() {
        let g = with(
            "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-anywhere, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{namespaceSelector: {}}]}]
",
        );
        assert!(g.has_edge(NET, WEB, "LATERAL_NETWORK"));
        // A same-namespace rule does not admit arbitrary pods.
        let g = with(
            "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: same-ns, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {}}]}]
",
        );
        assert!(!g.has_edge(NET, WEB, "LATERAL_NETWORK"));
    }

    #[test]
    fn egress_restricted_to_named_peers_leaves_no_step_into_the_network() {
        let g = with(
            "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: dns-only, namespace: tools}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10]}}]
",
        );
        assert!(!g.has_edge(DEBUG, NET, "LATERAL_NETWORK"));
        assert!(g.has_edge(WEB, NET, "LATERAL_NETWORK"));
        // The workload still accepts connections: ingress is not isolated by it.
        assert!(g.has_edge(NET, DEBUG, "LATERAL_NETWORK"));
    }
}
