//! Google Cloud objects, as the `gcloud ... --format=json` commands print them: IAM allow
//! policies (of projects, folders, organizations and service accounts), service accounts,
//! custom roles, projects and GKE clusters. Field names are gcloud's (camelCase), so a
//! collector deserializes the command output straight into these types; only the fields the
//! analysis reads are kept.

use serde::{Deserialize, Serialize};

use super::Source;

/// Everything read from `gcloud`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GcpApi {
    pub policies: Vec<GcpIamPolicy>,
    /// `gcloud iam service-accounts list` / `describe`.
    pub service_accounts: Vec<GcpServiceAccount>,
    /// Custom roles (`gcloud iam roles list|describe`).
    pub roles: Vec<GcpRole>,
    /// `gcloud projects describe` / `list`.
    pub projects: Vec<GcpProject>,
    /// `gcloud container clusters describe`.
    pub clusters: Vec<GkeCluster>,
}

/// Whose allow policy a [`GcpIamPolicy`] is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GcpResource {
    /// `gcloud projects get-iam-policy P`.
    Project(String),
    /// A project policy whose output names no project (the raw `get-iam-policy` output);
    /// the engine infers the project (see `engine::gcp`).
    UnnamedProject,
    /// `gcloud organizations get-iam-policy N` (the numeric id).
    Organization(String),
    /// `gcloud resource-manager folders get-iam-policy N`.
    Folder(String),
    /// `gcloud iam service-accounts get-iam-policy EMAIL`.
    ServiceAccount(String),
}

/// One IAM allow policy: `{"bindings": [...], "etag", "version"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GcpIamPolicy {
    pub resource: GcpResource,
    #[serde(default)]
    pub bindings: Vec<GcpBinding>,
    /// Where in the document the policy is (`policy`, `[3].policy`), for evidence; empty
    /// when the document is the policy.
    #[serde(skip)]
    pub field: String,
    #[serde(skip)]
    pub source: Source,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GcpBinding {
    /// `roles/NAME` (predefined), `projects/P/roles/NAME` or `organizations/N/roles/NAME`.
    pub role: String,
    /// `user:`, `serviceAccount:`, `group:`, `domain:`, `principal://`, `principalSet://`,
    /// `allUsers`, `allAuthenticatedUsers`, `deleted:...`.
    pub members: Vec<String>,
    /// An IAM condition (CEL); the engine does not evaluate CEL, so a conditional grant is
    /// "possible".
    pub condition: Option<GcpCondition>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GcpCondition {
    pub expression: String,
    pub title: Option<String>,
    pub description: Option<String>,
}

/// A Google service account (`gcloud iam service-accounts list --format=json` item).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GcpServiceAccount {
    pub email: String,
    /// `projects/P/serviceAccounts/EMAIL`.
    pub name: String,
    pub project_id: Option<String>,
    pub unique_id: Option<String>,
    pub disabled: bool,
    pub display_name: Option<String>,
    #[serde(skip)]
    pub field: String,
    #[serde(skip)]
    pub source: Source,
}

/// A custom role (`gcloud iam roles describe|list --format=json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GcpRole {
    /// `projects/P/roles/NAME` or `organizations/N/roles/NAME`.
    pub name: String,
    pub title: Option<String>,
    /// `None`: the output did not list them (`gcloud iam roles list` without `--format` of
    /// the full role); the role's permissions are then unknown.
    pub included_permissions: Option<Vec<String>>,
    pub stage: Option<String>,
    pub deleted: bool,
    #[serde(skip)]
    pub field: String,
    #[serde(skip)]
    pub source: Source,
}

/// A project (`gcloud projects describe P --format=json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GcpProject {
    pub project_id: String,
    pub project_number: Option<String>,
    pub name: Option<String>,
    #[serde(skip)]
    pub source: Source,
}

/// A GKE cluster (`gcloud container clusters describe NAME --format=json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GkeCluster {
    pub name: String,
    /// `https://container.googleapis.com/v1/projects/P/locations|zones/L/clusters/NAME`.
    pub self_link: Option<String>,
    pub location: Option<String>,
    pub zone: Option<String>,
    pub workload_identity_config: Option<WorkloadIdentityConfig>,
    /// The default node config (clusters created without explicit node pools).
    pub node_config: Option<GkeNodeConfig>,
    pub node_pools: Vec<GkeNodePool>,
    #[serde(skip)]
    pub source: Source,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadIdentityConfig {
    /// `PROJECT.svc.id.goog`.
    pub workload_pool: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GkeNodePool {
    pub name: String,
    pub config: Option<GkeNodeConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GkeNodeConfig {
    /// The nodes' Google service account; `default` (or unset): the project's Compute
    /// Engine default service account `NUMBER-compute@developer.gserviceaccount.com`.
    pub service_account: Option<String>,
    pub oauth_scopes: Vec<String>,
    pub workload_metadata_config: Option<WorkloadMetadataConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadMetadataConfig {
    /// `GKE_METADATA` (the GKE metadata server: pods see their own identity only),
    /// `GCE_METADATA` (pods see the node's), or the legacy `EXPOSE`/`SECURE`/`GKE_METADATA_SERVER`.
    pub mode: Option<String>,
    /// The v1beta1 name of the field.
    pub node_metadata: Option<String>,
}
