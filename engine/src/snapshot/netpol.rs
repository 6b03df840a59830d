//! NetworkPolicy (`networking.k8s.io/v1`): the fields reachability depends on.
//! Ports are kept only to show them in evidence; reachability ignores them.

use serde::{Deserialize, Serialize};

use super::LabelSelector;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkPolicySpec {
    /// The pods the policy applies to; empty selects every pod of the namespace.
    pub pod_selector: LabelSelector,
    /// `Ingress`, `Egress`. Empty means the API server's default: `Ingress`, plus `Egress`
    /// when the policy has egress rules.
    pub policy_types: Vec<String>,
    pub ingress: Vec<NetworkPolicyIngressRule>,
    pub egress: Vec<NetworkPolicyEgressRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkPolicyIngressRule {
    /// Empty: every source.
    pub from: Vec<NetworkPolicyPeer>,
    pub ports: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkPolicyEgressRule {
    /// Empty: every destination.
    pub to: Vec<NetworkPolicyPeer>,
    pub ports: Vec<serde_json::Value>,
}

/// One peer: pods (`podSelector`, in the policy's namespace unless `namespaceSelector` is
/// set; both set means both must match) or an address range (`ipBlock`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkPolicyPeer {
    pub pod_selector: Option<LabelSelector>,
    pub namespace_selector: Option<LabelSelector>,
    pub ip_block: Option<IpBlock>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IpBlock {
    pub cidr: String,
    pub except: Vec<String>,
}
