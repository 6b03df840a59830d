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

/// Why a workload listens: a Service that selects it (first by Service order), or declared
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
            selected.entry(w.id.as_str()).or_insert(matched);
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
        g.add_edge(
            id::NETWORK_CLUSTER,
            &w.id,
            LATERAL_NETWORK.edge(
                evidence,
                format!(
                    "Add a NetworkPolicy in {ns} that selects {} and admits only the callers it needs (deny other ingress).",
                    w.object()
                ),
            ),
        );
    }
}
