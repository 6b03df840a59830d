//! Node: what an attacker on a node can take.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::graph::{AttackGraph, Evidence, id};
use crate::index::{Index, WorkloadNode};
use crate::placement::{Constraints, MAX_NODES_PER_WORKLOAD, NodeView, Schedulable};
use crate::rbac::{Identity, binding_object};
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

/// Likelihood that a node holds the token of a pod that runs there: one bound to it
/// (`spec.nodeName`), a DaemonSet's, or one whose constraints fit that node only.
const ON_NODE_LIKELIHOOD: f64 = 0.9;
/// Likelihood that a node holds the token of a pod that may merely be scheduled there (or,
/// for `node:*`, of a pod whose placement is unknown): it may run elsewhere.
const SCHEDULABLE_LIKELIHOOD: f64 = 0.5;

const SYSTEM_NODES: &str = "system:nodes";

pub fn edges(ix: &Index, g: &mut AttackGraph) {
    steals_tokens(ix, g);
    node_identity(ix, g);
}

/// The concrete nodes of the snapshot: its Node objects and every node a Pod is bound to.
fn concrete_nodes<'a>(ix: &Index<'a>) -> BTreeSet<&'a str> {
    let mut names: BTreeSet<&'a str> = ix
        .placement
        .nodes
        .iter()
        .map(|n| n.metadata.name.as_str())
        .collect();
    for w in &ix.workloads {
        names.extend(w.placement.placed.iter().copied());
    }
    names
}

/// `node -> sa` for every workload whose token is mounted: the kubelet writes the token to
/// the node's disk, so whoever controls the node reads it.
///
/// - `node:NAME` gets the tokens of the Pods bound to it (`spec.nodeName`, 0.9), of the
///   DaemonSets that fit it (0.9), and of the workloads that may be scheduled on it (0.5; 0.9
///   when it is the only node they fit), as `crate::placement` decides.
/// - `node:*` ("some node") gets the token of every workload whose pods are not all bound
///   to nodes: 0.9 for a DaemonSet that runs on every node, else 0.5.
/// - A workload that fits more than `MAX_NODES_PER_WORKLOAD` nodes has its token only on
///   `node:*`; each node it fits gets one `node:NAME -> node:*` step instead, so the graph
///   stays linear. Through that step such a node also reaches the other tokens of `node:*`
///   (an over-approximation); a node that no such workload fits (a dedicated, tainted node
///   group) does not.
/// - Without Node objects, placement is unknown: templates are on `node:*` only, and
///   DaemonSets on every concrete node too.
fn steals_tokens(ix: &Index, g: &mut AttackGraph) {
    let nodes_known = !ix.placement.nodes.is_empty();
    let concrete = concrete_nodes(ix);
    // Wide workloads with a token, by the constraint class whose nodes they fit.
    let mut wide: BTreeMap<usize, Vec<&WorkloadNode>> = BTreeMap::new();
    for w in &ix.workloads {
        let Some(token) = mounted_token(ix, w) else {
            continue;
        };
        let obj = w.object();
        let p = &w.placement;
        let edge = |likelihood: f64, placement: Vec<Evidence>| {
            let mut evidence = placement;
            evidence.extend(token.evidence.iter().cloned());
            NODE_STEALS_TOKENS.edge_with(likelihood, evidence, remediation(&obj, &token))
        };
        let mut on_node = placed_on(w);
        for name in &p.placed {
            g.add_edge(
                &id::node(name),
                &token.service_account,
                edge(ON_NODE_LIKELIHOOD, on_node.remove(name).unwrap_or_default()),
            );
        }
        if p.pinned {
            continue;
        }
        match &p.schedulable {
            Schedulable::Unknown if p.daemon => {
                let ev = vec![
                    Evidence::new(&obj, "kind", "DaemonSet: a pod on every node it tolerates")
                        .at(&w.spec.source),
                ];
                // `placed` is sorted: a binary search, not a scan per node.
                for node in concrete
                    .iter()
                    .filter(|n| p.placed.binary_search(n).is_err())
                {
                    g.add_edge(
                        &id::node(node),
                        &token.service_account,
                        edge(ON_NODE_LIKELIHOOD, ev.clone()),
                    );
                }
                g.add_edge(
                    id::ANY_NODE,
                    &token.service_account,
                    edge(ON_NODE_LIKELIHOOD, ev),
                );
            }
            Schedulable::Unknown => {
                let detail = if nodes_known {
                    "unset: its pods run on some node, which may not be the compromised one"
                } else {
                    "unset, and the input has no Node objects: its pods run on some node, which may not be the compromised one"
                };
                let ev = vec![
                    Evidence::new(&obj, format!("{}.nodeName", pod_spec_path(w)), detail)
                        .at(&w.spec.source),
                ];
                g.add_edge(
                    id::ANY_NODE,
                    &token.service_account,
                    edge(SCHEDULABLE_LIKELIHOOD, ev),
                );
            }
            // A DaemonSet that fits no known node has no pods.
            Schedulable::Nodes(list) if list.is_empty() && p.daemon => {}
            Schedulable::Nodes(list) => {
                let (constraints, _) = Constraints::new(&w.spec.pod_spec, p.daemon);
                let sure = p.daemon || list.len() == 1;
                let likelihood = if sure {
                    ON_NODE_LIKELIHOOD
                } else {
                    SCHEDULABLE_LIKELIHOOD
                };
                for name in list.iter().filter(|n| p.placed.binary_search(n).is_err()) {
                    let Some(node) = ix.placement.node(name) else {
                        continue;
                    };
                    let how = if p.daemon {
                        "DaemonSet: a pod on every node it fits"
                    } else if list.len() == 1 {
                        "the only known node its pods fit"
                    } else {
                        "its pods may be scheduled there"
                    };
                    let ev = vec![
                        Evidence::new(
                            &obj,
                            pod_spec_path(w),
                            format!(
                                "{how}: Node/{name}: {}",
                                constraints.describe_fit(NodeView::from(node))
                            ),
                        )
                        .at(&w.spec.source),
                    ];
                    g.add_edge(
                        &id::node(name),
                        &token.service_account,
                        edge(likelihood, ev),
                    );
                }
                let detail = if list.is_empty() {
                    format!(
                        "its pods fit none of the {} known nodes (nodeSelector, required node affinity, taints): they would run on a node not in the input",
                        ix.placement.nodes.len()
                    )
                } else {
                    format!(
                        "its pods run on one of {} of the {} known nodes",
                        list.len(),
                        ix.placement.nodes.len()
                    )
                };
                let ev = vec![Evidence::new(&obj, pod_spec_path(w), detail).at(&w.spec.source)];
                let everywhere = p.daemon && list.len() == ix.placement.nodes.len();
                let likelihood = if everywhere {
                    ON_NODE_LIKELIHOOD
                } else {
                    SCHEDULABLE_LIKELIHOOD
                };
                g.add_edge(id::ANY_NODE, &token.service_account, edge(likelihood, ev));
            }
            Schedulable::Many { count, all } => {
                let likelihood = if p.daemon && *all {
                    ON_NODE_LIKELIHOOD
                } else {
                    SCHEDULABLE_LIKELIHOOD
                };
                let what = if p.daemon { "runs" } else { "may be scheduled" };
                let ev = vec![
                    Evidence::new(
                        &obj,
                        pod_spec_path(w),
                        format!(
                            "its pods {what} on {count} of the {} known nodes (more than {MAX_NODES_PER_WORKLOAD}: modelled as node:*)",
                            ix.placement.nodes.len()
                        ),
                    )
                    .at(&w.spec.source),
                ];
                g.add_edge(id::ANY_NODE, &token.service_account, edge(likelihood, ev));
                if let Some(class) = p.class {
                    wide.entry(class).or_default().push(w);
                }
            }
        }
    }
    link_nodes_to_any_node(ix, g, &wide);
}

/// `node:NAME -> node:*` for every node a wide workload (one placed on `node:*` because it
/// fits too many nodes) fits.
fn link_nodes_to_any_node(
    ix: &Index,
    g: &mut AttackGraph,
    wide: &BTreeMap<usize, Vec<&WorkloadNode>>,
) {
    let mut on_node: BTreeMap<&str, Vec<&WorkloadNode>> = BTreeMap::new();
    for workloads in wide.values() {
        let Some(first) = workloads.first() else {
            continue;
        };
        for name in ix.placement.fitting_nodes(&first.placement) {
            on_node
                .entry(name)
                .or_default()
                .extend(workloads.iter().copied());
        }
    }
    for (name, mut workloads) in on_node {
        workloads.sort_by(|a, b| a.id.cmp(&b.id));
        let named: Vec<String> = workloads.iter().take(3).map(|w| w.object()).collect();
        let more = workloads.len().saturating_sub(named.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let mut ev = Evidence::new(
            format!("Node/{name}"),
            "",
            format!(
                "{}{more} may be scheduled here, among more than {MAX_NODES_PER_WORKLOAD} nodes: their tokens are modelled at node:*",
                named.join(", ")
            ),
        );
        if let Some(node) = ix.placement.node(name) {
            ev = ev.at(&node.source);
        }
        g.add_edge(
            &id::node(name),
            id::ANY_NODE,
            NODE_STEALS_TOKENS.edge_with(
                1.0,
                vec![ev],
                format!(
                    "Keep sensitive workloads off Node/{name}: taint its node group and give only trusted workloads the toleration."
                ),
            ),
        );
    }
}

/// `node -> user:system:node:NAME` and `node -> group:system:nodes`: the kubelet's client
/// credentials on the node authenticate as `system:node:NAME` in group `system:nodes`. The
/// step exists only when a binding names that user or group (otherwise it leads nowhere: the
/// Node authorizer and the NodeRestriction admission plugin confine the kubelet to the
/// objects of its own pods, which the node already holds).
fn node_identity(ix: &Index, g: &mut AttackGraph) {
    let group = Identity::Group(SYSTEM_NODES.to_string());
    let group_bindings = bindings_naming(ix, &group);
    let group_bound = ix.rbac.is_bound(&group);
    let node_restriction = "the kubelet's credentials on the node authenticate as system:node:NAME in group system:nodes; the Node authorizer and the NodeRestriction admission plugin limit what they do by themselves to the node's own Node object and to the pods bound to it (and their secrets), so only the bindings below add to it";
    let fix = |who: &Identity, bindings: &[Evidence]| {
        let objs: Vec<&str> = bindings.iter().map(|e| e.object.as_str()).collect();
        format!(
            "Remove {who} from {}: the Node authorizer already gives kubelets what they need; keep the NodeRestriction admission plugin on.",
            objs.join(", ")
        )
    };
    let add = |g: &mut AttackGraph,
               from: &str,
               node_ev: Evidence,
               who: &Identity,
               bindings: &[Evidence]| {
        let mut evidence = vec![node_ev];
        evidence.extend(bindings.iter().cloned());
        g.add_edge(
            from,
            &who.node_id(),
            NODE_IDENTITY.edge(evidence, fix(who, bindings)),
        );
    };
    for name in concrete_nodes(ix) {
        let mut node_ev = Evidence::new(format!("Node/{name}"), "", node_restriction);
        if let Some(node) = ix.placement.node(name) {
            node_ev = node_ev.at(&node.source);
        }
        let user = Identity::User(format!("system:node:{name}"));
        if ix.rbac.is_bound(&user) {
            let bindings = bindings_naming(ix, &user);
            add(g, &id::node(name), node_ev.clone(), &user, &bindings);
        }
        if group_bound {
            add(g, &id::node(name), node_ev, &group, &group_bindings);
        }
    }
    if group_bound {
        let node_ev = Evidence::new("Node/*", "", node_restriction);
        add(g, id::ANY_NODE, node_ev, &group, &group_bindings);
    }
}

/// Evidence of every binding in the snapshot that names the user or group.
fn bindings_naming(ix: &Index, who: &Identity) -> Vec<Evidence> {
    let (kind, name) = match who {
        Identity::User(n) => ("User", n.as_str()),
        Identity::Group(n) => ("Group", n.as_str()),
        Identity::ServiceAccount { .. } => return Vec::new(),
    };
    let mut out = Vec::new();
    for b in &ix.snapshot.bindings {
        for (i, subject) in b.subjects.iter().enumerate() {
            if subject.kind == kind && subject.name == name {
                out.push(
                    Evidence::new(
                        binding_object(b),
                        format!("subjects[{i}]"),
                        format!("{kind} {name} -> {}/{}", b.role_ref.kind, b.role_ref.name),
                    )
                    .at(&b.source),
                );
            }
        }
    }
    out
}

/// Evidence that the workload's pods run on each node they are bound to, by node name (one
/// pass over the pods: a DaemonSet has a pod on each of thousands of nodes).
fn placed_on<'w>(w: &WorkloadNode<'w>) -> HashMap<&'w str, Vec<Evidence>> {
    let mut out: HashMap<&str, Vec<Evidence>> = HashMap::new();
    for p in std::iter::once(w.spec).chain(w.pods.iter().copied()) {
        let Some(name) = p.pod_spec.node_name.as_deref() else {
            continue;
        };
        out.entry(name).or_default().push(
            Evidence::new(
                format!("{}/{}/{}", p.kind().as_str(), p.meta.ns(), p.meta.name),
                format!("{}spec.nodeName", pod_template_path(p.kind())),
                name,
            )
            .at(&p.source),
        );
    }
    out
}

fn remediation(obj: &str, token: &MountedToken) -> String {
    format!(
        "{} Or run {obj} on dedicated nodes (taints and tolerations) that untrusted workloads cannot reach.",
        token.remediation
    )
}

#[cfg(test)]
mod tests;
