//! Exposure: how the internet reaches a workload, and the entry step itself.

use crate::graph::AttackGraph;
use crate::index::Index;
use crate::techniques::technique;

technique!(
    EXPOSED_LOADBALANCER,
    "Service exposed through a cloud load balancer",
    Some("T1190"),
    0.9,
    "Make the Service internal (type ClusterIP behind an authenticated ingress, or an internal load balancer) or restrict spec.loadBalancerSourceRanges."
);
technique!(
    EXPOSED_NODEPORT,
    "Service exposed on every node's port",
    Some("T1190"),
    0.6,
    "Use type ClusterIP, or block the NodePort range at the node security group / firewall."
);
technique!(
    EXPOSED_INGRESS,
    "Ingress routes internet traffic to a Service",
    Some("T1190"),
    0.9,
    "Remove the Ingress rule or put authentication in front of the backend."
);
technique!(
    EXPOSED_HOSTPORT,
    "Container bound to a port on the node",
    Some("T1190"),
    0.5,
    "Remove hostPort from the container ports."
);
technique!(
    SERVICE_SELECTS,
    "Service routes to the workload's pods",
    None,
    1.0,
    "Narrow the Service selector so it matches only the intended pods."
);
technique!(
    APP_COMPROMISE,
    "Internet-facing application is exploited",
    Some("T1190"),
    0.5,
    "Patch and harden the exposed application; put a WAF or authentication in front of it; run it with the least privilege."
);
technique!(
    LATERAL_NETWORK,
    "Flat pod network reaches other workloads",
    Some("T1210"),
    0.2,
    "Add NetworkPolicies that deny ingress by default and allow only the callers each workload needs."
);

pub fn edges(_ix: &Index, _g: &mut AttackGraph) {}
