//! EKS API objects that are not Kubernetes objects: pod identity associations, access
//! entries and their access policies (the `aws eks ...` CLI's JSON), and the facts about
//! instance metadata that no object carries.

use serde::{Deserialize, Serialize};

use super::Source;

/// What `aws eks list-/describe-pod-identity-association(s)` and `list-access-entries`,
/// `describe-access-entry`, `list-associated-access-policies` returned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EksApi {
    pub pod_identity_associations: Vec<PodIdentityAssociation>,
    pub access_entries: Vec<AccessEntry>,
    pub access_policies: Vec<AssociatedAccessPolicy>,
}

/// One EKS Pod Identity association: pods of `namespace/serviceAccount` get `roleArn`'s
/// credentials from the EKS Pod Identity Agent. The `list` output carries no role; only
/// `describe` does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodIdentityAssociation {
    pub cluster_name: String,
    pub namespace: String,
    pub service_account: String,
    pub role_arn: Option<String>,
    pub association_arn: Option<String>,
    pub association_id: Option<String>,
    /// Cross-account target role (the agent chains from `roleArn` into it).
    pub target_role_arn: Option<String>,
    #[serde(skip)]
    pub source: Source,
    /// Where in the document (`association`, `associations[2]`), for evidence.
    #[serde(skip)]
    pub field: String,
}

/// One access entry: an IAM principal authenticated by the cluster, with its Kubernetes
/// user name and groups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AccessEntry {
    pub cluster_name: String,
    pub principal_arn: String,
    pub kubernetes_groups: Vec<String>,
    pub username: Option<String>,
    /// `STANDARD`, `EC2_LINUX`, `EC2_WINDOWS`, `FARGATE_LINUX`, `EC2`, `HYBRID_LINUX`.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    #[serde(skip)]
    pub source: Source,
    #[serde(skip)]
    pub field: String,
}

impl AccessEntry {
    /// Whether the entry is for the IAM role of EC2 nodes (the role of their instance profile).
    pub fn is_node_entry(&self) -> bool {
        matches!(
            self.type_.as_deref(),
            Some("EC2_LINUX" | "EC2_WINDOWS" | "EC2" | "HYBRID_LINUX")
        )
    }
}

/// One access policy associated with an access entry's principal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AssociatedAccessPolicy {
    pub cluster_name: String,
    pub principal_arn: String,
    pub policy_arn: String,
    pub access_scope: AccessScope,
    #[serde(skip)]
    pub source: Source,
    #[serde(skip)]
    pub field: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AccessScope {
    /// `cluster` or `namespace`.
    #[serde(rename = "type")]
    pub type_: String,
    pub namespaces: Vec<String>,
}

/// Whether pods can reach the instance metadata service (`imds` in `kubepath.yaml`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Imds {
    /// `None`: not said; EKS managed node groups default to IMDSv2 with a hop limit of 2,
    /// which pods on the pod network can reach.
    pub pods_can_reach: Option<bool>,
}
