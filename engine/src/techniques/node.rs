//! Node: what an attacker on a node can take.

use crate::graph::AttackGraph;
use crate::index::Index;
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

pub fn edges(_ix: &Index, _g: &mut AttackGraph) {}
