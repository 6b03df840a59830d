//! Azure objects as the `az` CLI prints them (`-o json`): role assignments and role
//! definitions (Azure RBAC), user-assigned managed identities and their federated identity
//! credentials, and the AKS cluster (`az aks show`). Every field is defaulted, and `null`
//! (which `az` prints for unset fields) reads as the default.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::Source;

/// `null` reads as the type's default (az prints `null` for unset strings and lists).
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Everything the `az` outputs said about the estate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AzureApi {
    pub role_assignments: Vec<RoleAssignment>,
    pub role_definitions: Vec<RoleDefinition>,
    pub identities: Vec<ManagedIdentity>,
    pub federated_credentials: Vec<FederatedCredential>,
    pub clusters: Vec<AksCluster>,
}

impl AzureApi {
    /// The AKS cluster analysed: the one named `cluster_name` (`kubepath.yaml`
    /// `clusterName`), else the first one read.
    pub fn cluster(&self, cluster_name: Option<&str>) -> Option<&AksCluster> {
        cluster_name
            .and_then(|n| self.clusters.iter().find(|c| c.name == n))
            .or_else(|| self.clusters.first())
    }

    pub fn is_empty(&self) -> bool {
        self.role_assignments.is_empty()
            && self.role_definitions.is_empty()
            && self.identities.is_empty()
            && self.federated_credentials.is_empty()
            && self.clusters.is_empty()
    }
}

/// One item of `az role assignment list --all -o json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleAssignment {
    #[serde(deserialize_with = "nullable")]
    pub id: String,
    /// The object id of the user, group or service principal (a managed identity's
    /// `principalId`).
    #[serde(deserialize_with = "nullable")]
    pub principal_id: String,
    #[serde(deserialize_with = "nullable")]
    pub principal_type: String,
    #[serde(deserialize_with = "nullable")]
    pub principal_name: String,
    /// `/subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/GUID` (or without
    /// the subscription).
    #[serde(deserialize_with = "nullable")]
    pub role_definition_id: String,
    #[serde(deserialize_with = "nullable")]
    pub role_definition_name: String,
    /// `/`, `/providers/Microsoft.Management/managementGroups/X`, `/subscriptions/S`,
    /// `/subscriptions/S/resourceGroups/RG`, or a resource id.
    #[serde(deserialize_with = "nullable")]
    pub scope: String,
    /// An ABAC condition restricting the assignment.
    pub condition: Option<String>,
    pub condition_version: Option<String>,
    #[serde(skip)]
    pub source: Source,
    /// Where in the document (`[3]`), for evidence.
    #[serde(skip)]
    pub field: String,
}

/// One item of `az role definition list -o json` (custom and built-in roles).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleDefinition {
    #[serde(deserialize_with = "nullable")]
    pub id: String,
    /// The role's GUID.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub role_name: String,
    /// `BuiltInRole` or `CustomRole`.
    #[serde(deserialize_with = "nullable")]
    pub role_type: String,
    #[serde(deserialize_with = "nullable")]
    pub permissions: Vec<Permission>,
    #[serde(deserialize_with = "nullable")]
    pub assignable_scopes: Vec<String>,
    #[serde(skip)]
    pub source: Source,
    #[serde(skip)]
    pub field: String,
}

/// One permission block of a role definition: what it allows is `actions` minus
/// `notActions` (control plane), `dataActions` minus `notDataActions` (data plane).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Permission {
    #[serde(deserialize_with = "nullable")]
    pub actions: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub not_actions: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub data_actions: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub not_data_actions: Vec<String>,
}

/// One item of `az identity list -o json`: a user-assigned managed identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ManagedIdentity {
    /// `/subscriptions/S/resourcegroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME`.
    #[serde(deserialize_with = "nullable")]
    pub id: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub client_id: String,
    /// The object id of its service principal (what role assignments name).
    #[serde(deserialize_with = "nullable")]
    pub principal_id: String,
    #[serde(deserialize_with = "nullable")]
    pub tenant_id: String,
    #[serde(deserialize_with = "nullable")]
    pub resource_group: String,
    #[serde(deserialize_with = "nullable")]
    pub location: String,
    #[serde(skip)]
    pub source: Source,
    #[serde(skip)]
    pub field: String,
}

/// One item of `az identity federated-credential list --identity-name I -g RG -o json`. The
/// identity it belongs to is the parent in `id`
/// (`.../userAssignedIdentities/I/federatedIdentityCredentials/NAME`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FederatedCredential {
    #[serde(deserialize_with = "nullable")]
    pub id: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub issuer: String,
    #[serde(deserialize_with = "nullable")]
    pub subject: String,
    #[serde(deserialize_with = "nullable")]
    pub audiences: Vec<String>,
    #[serde(skip)]
    pub source: Source,
    #[serde(skip)]
    pub field: String,
}

impl FederatedCredential {
    /// The resource id of the managed identity that holds the credential.
    pub fn identity_id(&self) -> Option<&str> {
        let lower = self.id.to_ascii_lowercase();
        let at = lower.find("/federatedidentitycredentials/")?;
        self.id.get(..at)
    }
}

/// `az aks show -o json` (one item of `az aks list`): the facts the analysis reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AksCluster {
    /// `/subscriptions/S/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/NAME`.
    #[serde(deserialize_with = "nullable")]
    pub id: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub resource_group: String,
    #[serde(deserialize_with = "nullable")]
    pub node_resource_group: String,
    pub oidc_issuer_profile: Option<OidcIssuerProfile>,
    pub security_profile: Option<SecurityProfile>,
    /// `kubeletidentity`: the identity of the nodes' kubelet (assigned to the node VMs).
    #[serde(deserialize_with = "nullable")]
    pub identity_profile: BTreeMap<String, Option<IdentityRef>>,
    #[serde(deserialize_with = "nullable")]
    pub addon_profiles: BTreeMap<String, Option<AddonProfile>>,
    #[serde(skip)]
    pub source: Source,
    #[serde(skip)]
    pub field: String,
}

impl AksCluster {
    pub fn issuer_url(&self) -> Option<&str> {
        self.oidc_issuer_profile
            .as_ref()
            .and_then(|p| p.issuer_url.as_deref())
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }

    /// `securityProfile.workloadIdentity.enabled` (`az aks show` prints no
    /// `workloadIdentity` when it is off).
    pub fn workload_identity_enabled(&self) -> bool {
        self.security_profile
            .as_ref()
            .and_then(|s| s.workload_identity.as_ref())
            .and_then(|w| w.enabled)
            .unwrap_or(false)
    }

    /// The kubelet identity (`identityProfile.kubeletidentity`).
    pub fn kubelet_identity(&self) -> Option<&IdentityRef> {
        self.identity_profile
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("kubeletidentity"))
            .and_then(|(_, v)| v.as_ref())
    }

    /// The subscription of the cluster, from its id.
    pub fn subscription(&self) -> Option<&str> {
        let mut parts = self.id.split('/').filter(|p| !p.is_empty());
        while let Some(p) = parts.next() {
            if p.eq_ignore_ascii_case("subscriptions") {
                return parts.next();
            }
        }
        None
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OidcIssuerProfile {
    pub enabled: Option<bool>,
    pub issuer_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecurityProfile {
    pub workload_identity: Option<WorkloadIdentityProfile>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadIdentityProfile {
    pub enabled: Option<bool>,
}

/// A user-assigned identity as AKS names it (`kubeletidentity`, an add-on's `identity`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IdentityRef {
    #[serde(deserialize_with = "nullable")]
    pub client_id: String,
    #[serde(deserialize_with = "nullable")]
    pub object_id: String,
    #[serde(deserialize_with = "nullable")]
    pub resource_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AddonProfile {
    pub enabled: Option<bool>,
    pub identity: Option<IdentityRef>,
}
