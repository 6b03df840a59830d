//! EXPOSED_HOSTPORT: a container bound to a port of its node (`ports[].hostPort`, or any
//! declared port of a `hostNetwork` pod) is reached by whoever reaches the node's address,
//! with no Service in between. The step goes straight from `internet` to the workload, so it
//! is itself the entry step: its likelihood is reaching the node port (nodes need public
//! addresses and an open security group) times the application being exploitable, the
//! likelihood APP_COMPROMISE carries on the Service path.

use crate::graph::{AttackGraph, Evidence, id};
use crate::index::{Index, WorkloadNode};
use crate::netpol::Peer;
use crate::techniques::identity::pod_spec_path;

use super::{APP_COMPROMISE, EXPOSED_HOSTPORT};

pub(super) fn edges(ix: &Index, g: &mut AttackGraph) {
    for w in &ix.workloads {
        if let Some((evidence, fields)) = host_ports(w) {
            // NetworkPolicy applies to hostPort traffic (it is DNAT-ed to the pod); it does
            // not apply to host-network pods, which `netpol` already treats as open.
            let verdict = ix.netpol.ingress(w, Peer::Internet);
            if !verdict.admits() {
                continue;
            }
            let scans = ix.vuln.exposure(w);
            let app = scans.likelihood(APP_COMPROMISE.likelihood);
            let likelihood = EXPOSED_HOSTPORT.likelihood * app;
            let mut evidence = evidence;
            evidence.push(Evidence::new(
                w.object(),
                "",
                format!(
                    "reachable on every node address it runs on where nodes have public IPs and the security group allows the port; the application is assumed exploitable ({}: {})",
                    APP_COMPROMISE.id,
                    (app * 1e4).round() / 1e4
                ),
            ));
            evidence.extend(scans.evidence(&w.object()));
            let remediation = scans.remediation(format!(
                "Remove {} from {} (publish the port through a Service instead), or block the port at the node security group.",
                fields.join(", "),
                w.object()
            ));
            g.add_edge(
                id::INTERNET,
                &w.id,
                EXPOSED_HOSTPORT.edge_with(likelihood, evidence, remediation),
            );
        }
    }
}

/// The node ports a workload's containers bind, as evidence, and the fields to remove.
fn host_ports(w: &WorkloadNode<'_>) -> Option<(Vec<Evidence>, Vec<String>)> {
    let spec = &w.spec.pod_spec;
    let base = pod_spec_path(w);
    let mut evidence = Vec::new();
    let mut fields = Vec::new();
    // Init containers finish before the pod serves; ephemeral containers cannot have ports.
    for (ci, c) in spec.containers.iter().enumerate() {
        for (pi, p) in c.ports.iter().enumerate() {
            let port = match (p.host_port.filter(|&h| h > 0), spec.host_network) {
                (Some(h), _) => Some((h, "hostPort")),
                (None, true) => p
                    .container_port
                    .filter(|&c| c > 0)
                    .map(|c| (c, "containerPort")),
                (None, false) => None,
            };
            let Some((number, key)) = port else {
                continue;
            };
            let field = format!("{base}.containers[{ci}].ports[{pi}].{key}");
            let proto = p.protocol.as_deref().unwrap_or("TCP");
            let detail = if spec.host_network {
                format!(
                    "{number}/{proto} on the node's own network (hostNetwork: true), container {:?}",
                    c.name
                )
            } else {
                format!("{number}/{proto} bound on the node, container {:?}", c.name)
            };
            evidence.push(Evidence::new(w.object(), &field, detail).at(&w.spec.source));
            fields.push(if spec.host_network {
                format!("{base}.hostNetwork")
            } else {
                field
            });
        }
    }
    fields.dedup();
    (!evidence.is_empty()).then_some((evidence, fields))
}

#[cfg(test)]
mod tests {
    use crate::testutil::graph;

    const POD: &str = "
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec:
  template:
    metadata: {labels: {app: agent}}
    spec:
      HOSTNET
      containers:
        - name: agent
          ports: [{containerPort: 9100, PORT}]
";

    fn g(hostnet: &str, port: &str) -> crate::graph::AttackGraph {
        graph(&POD.replace("HOSTNET", hostnet).replace("PORT", port))
    }

    #[test]
    fn host_port_is_an_entry_from_the_internet() {
        let g = g("", "hostPort: 9100");
        assert!(g.has_edge(
            "internet",
            "workload:ops/DaemonSet/agent",
            "EXPOSED_HOSTPORT"
        ));
        let (_, _, e) = g.edges_of("EXPOSED_HOSTPORT")[0];
        assert!((e.likelihood - 0.25).abs() < 1e-9);
        assert!(
            e.evidence[0]
                .field
                .ends_with("containers[0].ports[0].hostPort")
        );
    }

    #[test]
    fn container_port_without_host_port_is_not_exposed() {
        let g = g("", "protocol: TCP");
        assert!(g.edges_of("EXPOSED_HOSTPORT").is_empty());
    }

    #[test]
    fn host_network_pod_exposes_its_declared_ports() {
        let g = g("hostNetwork: true", "protocol: TCP");
        assert!(g.has_edge(
            "internet",
            "workload:ops/DaemonSet/agent",
            "EXPOSED_HOSTPORT"
        ));
    }

    #[test]
    fn policy_refusing_internet_clients_cuts_the_host_port() {
        let yaml = POD.replace("HOSTNET", "").replace("PORT", "hostPort: 9100")
            + "---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-vpc, namespace: ops}
spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}]}]
";
        assert!(graph(&yaml).edges_of("EXPOSED_HOSTPORT").is_empty());
    }
}
