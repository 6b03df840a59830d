//! `IMDS_NODE_ROLE` on GKE: the node's Google service account.
//!
//! Every process on a GKE node can ask the Compute Engine metadata server
//! (169.254.169.254) for the node service account's token. Pods reach it too unless the
//! node runs the GKE metadata server (`workloadMetadataConfig.mode: GKE_METADATA`, the
//! default for new node pools of a Workload Identity cluster), which answers pods with their
//! own identity instead; host-network pods bypass it. With Node objects in the input, a
//! node without the label `iam.gke.io/gke-metadata-server-enabled` runs no GKE metadata
//! server, whatever the describe says. The token is limited to the node pool's OAuth
//! scopes: without `cloud-platform` it cannot call IAM or Resource Manager, so the step is
//! much less likely to lead anywhere. `imds.podsCanReach: false` in `kubepath.yaml` and
//! egress NetworkPolicies that exclude 169.254.169.254 keep pod-network pods away.

use std::collections::{BTreeSet, HashMap};

use crate::gcp::{METADATA_SERVER_LABEL, NODE_POOL_LABEL, NodePool};
use crate::graph::{AttackGraph, Evidence, id};
use crate::index::{Index, WorkloadNode};
use crate::snapshot::Node;
use crate::techniques::node::IMDS_NODE_ROLE;

/// The node holds its service account's token outright.
const NODE_LIKELIHOOD: f64 = 0.9;
/// The token's OAuth scopes do not include `cloud-platform`.
const LIMITED_SCOPES_FACTOR: f64 = 0.3;
const METADATA_ADDRESS: &str = "169.254.169.254";

pub(super) fn edges(ix: &Index, g: &mut AttackGraph) {
    let pools: Vec<&NodePool<'_>> = ix
        .gcp
        .node_pools
        .iter()
        .filter(|p| p.service_account.is_some())
        .collect();
    if pools.is_empty() {
        return;
    }
    let nodes: HashMap<&str, &Node> = ix
        .snapshot
        .nodes
        .iter()
        .map(|n| (n.metadata.name.as_str(), n))
        .collect();
    // Nodes -> the account of their pool (every pool's when the node names none).
    let mut node_ids: BTreeSet<String> = nodes.keys().map(|n| id::node(n)).collect();
    for w in &ix.workloads {
        node_ids.extend(w.node_ids());
    }
    node_ids.insert(id::ANY_NODE.to_string());
    for nid in &node_ids {
        let name = nid.strip_prefix("node:").filter(|n| *n != "*");
        for p in pools_of(name.and_then(|n| nodes.get(n).copied()), &pools, None) {
            let Some(sa) = &p.service_account else {
                continue;
            };
            let mut evidence = vec![pool_account_evidence(p)];
            evidence.push(Evidence::new(
                nid.clone(),
                "",
                "the node's metadata server (169.254.169.254) serves the node service account's token to any process on the host",
            ));
            let likelihood = NODE_LIKELIHOOD * scope_factor(p, &mut evidence);
            g.add_edge(
                nid,
                &id::gcp_sa(sa),
                IMDS_NODE_ROLE.edge_with(likelihood, evidence, node_fix(p)),
            );
        }
    }

    let imds = crate::netpol::Cidr::parse(METADATA_ADDRESS);
    for w in &ix.workloads {
        let host_network = w.spec.pod_spec.host_network;
        let blocked = !host_network
            && imds.is_some_and(|a| {
                !ix.netpol
                    .egress(w, crate::netpol::Peer::Address(a))
                    .admits()
            });
        // `imds.podsCanReach: false` in kubepath.yaml: the pod network cannot reach it.
        let stated_unreachable = ix.snapshot.facts.imds.pods_can_reach == Some(false);
        if blocked || (stated_unreachable && !host_network) {
            continue;
        }
        let selected = w
            .spec
            .pod_spec
            .node_selector
            .get(NODE_POOL_LABEL)
            .map(String::as_str);
        for nid in w.node_ids() {
            let node = nid
                .strip_prefix("node:")
                .filter(|n| *n != "*")
                .and_then(|n| nodes.get(n).copied());
            for p in pools_of(node, &pools, selected) {
                let Some(sa) = &p.service_account else {
                    continue;
                };
                let Some(why) = exposure(w, node, p) else {
                    continue;
                };
                let mut evidence = vec![why, pool_account_evidence(p)];
                let likelihood = IMDS_NODE_ROLE.likelihood * scope_factor(p, &mut evidence);
                g.add_edge(
                    &w.id,
                    &id::gcp_sa(sa),
                    IMDS_NODE_ROLE.edge_with(likelihood, evidence, workload_fix(w, p)),
                );
            }
        }
    }
}

/// The node pools a node may belong to: its `cloud.google.com/gke-nodepool` label's, else
/// every pool (the input does not say); `selected` narrows to a pool a nodeSelector names.
fn pools_of<'p, 'a>(
    node: Option<&Node>,
    pools: &'p [&'p NodePool<'a>],
    selected: Option<&str>,
) -> Vec<&'p NodePool<'a>> {
    let label = node
        .and_then(|n| n.metadata.labels.get(NODE_POOL_LABEL))
        .map(String::as_str);
    pools
        .iter()
        .copied()
        .filter(|p| label.is_none_or(|l| l == p.name))
        .filter(|p| selected.is_none_or(|s| s == p.name))
        .collect()
}

/// Why the pods of `w` on `node` (of pool `p`) reach the node's credentials, if they do.
fn exposure(w: &WorkloadNode<'_>, node: Option<&Node>, p: &NodePool<'_>) -> Option<Evidence> {
    let spec_path = crate::techniques::identity::pod_spec_path(w);
    if w.spec.pod_spec.host_network {
        return Some(
            Evidence::new(
                w.object(),
                format!("{spec_path}.hostNetwork"),
                "true: host-network pods bypass the GKE metadata server and reach the node's metadata server",
            )
            .at(&w.spec.source),
        );
    }
    if let Some(n) = node {
        let enabled = n
            .metadata
            .labels
            .get(METADATA_SERVER_LABEL)
            .is_some_and(|v| v == "true");
        return (!enabled).then(|| {
            Evidence::new(
                format!("Node/{}", n.metadata.name),
                format!("metadata.labels[\"{METADATA_SERVER_LABEL}\"]"),
                "absent: the node runs no GKE metadata server, so pods reach the node's metadata server and its service account token",
            )
            .at(&n.source)
        });
    }
    if !p.exposed {
        return None;
    }
    let detail = match p.mode.as_deref() {
        Some(m) => format!("{m}: pods reach the Compute Engine metadata server, which serves the node service account's token"),
        None => "unset, and the cluster has no Workload Identity: pods reach the Compute Engine metadata server, which serves the node service account's token".into(),
    };
    Some(
        Evidence::new(
            format!("GkeCluster/{}", p.cluster.name),
            format!("{}.workloadMetadataConfig.mode", p.field),
            format!("node pool {}: {detail}", p.name),
        )
        .at(&p.cluster.source),
    )
}

fn pool_account_evidence(p: &NodePool<'_>) -> Evidence {
    let sa = p.service_account.as_deref().unwrap_or("");
    let detail = if p.default_account {
        format!(
            "node pool {}: unset or `default`, the project's Compute Engine default service account {sa}",
            p.name
        )
    } else {
        format!("node pool {}: {sa}", p.name)
    };
    Evidence::new(
        format!("GkeCluster/{}", p.cluster.name),
        format!("{}.serviceAccount", p.field),
        detail,
    )
    .at(&p.cluster.source)
}

/// 1, or less when the token's scopes keep it from IAM and Resource Manager.
fn scope_factor(p: &NodePool<'_>, evidence: &mut Vec<Evidence>) -> f64 {
    if p.full_scope() {
        return 1.0;
    }
    evidence.push(
        Evidence::new(
            format!("GkeCluster/{}", p.cluster.name),
            format!("{}.oauthScopes", p.field),
            format!(
                "{}: no cloud-platform scope, the token cannot call IAM or Resource Manager APIs",
                if p.scopes.is_empty() {
                    "none".to_string()
                } else {
                    p.scopes.join(", ")
                }
            ),
        )
        .at(&p.cluster.source),
    );
    LIMITED_SCOPES_FACTOR
}

fn node_fix(p: &NodePool<'_>) -> String {
    format!(
        "Run node pool {} as a dedicated least-privilege service account (roles/container.defaultNodeServiceAccount), not {}.",
        p.name,
        if p.default_account {
            "the Compute Engine default account (which holds roles/editor by default)"
        } else {
            "one with broad roles"
        }
    )
}

fn workload_fix(w: &WorkloadNode<'_>, p: &NodePool<'_>) -> String {
    let spec_path = crate::techniques::identity::pod_spec_path(w);
    if w.spec.pod_spec.host_network {
        return format!(
            "Remove {spec_path}.hostNetwork from {}, and run node pool {} as a least-privilege service account.",
            w.object(),
            p.name
        );
    }
    format!(
        "Enable the GKE metadata server on node pool {} (gcloud container node-pools update {} --cluster={} --workload-metadata=GKE_METADATA), or block 169.254.169.254 with an egress NetworkPolicy; run the nodes as a least-privilege service account.",
        p.name, p.name, p.cluster.name
    )
}
