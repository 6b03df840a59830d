//! What the collectors could not see. A live collection that met a 403 on a kind (or an
//! `AccessDenied` on a cloud call) still yields a snapshot; the gap travels with it so that
//! every report can say what its silence may hide.

use serde::{Deserialize, Serialize};

/// One thing a collector could not read.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CoverageGap {
    /// Where the collector looked: `kubernetes`, `aws`, `gcp` or `azure`.
    pub source: String,
    /// What could not be read, in the source's own words: `rbac.authorization.k8s.io/v1
    /// RoleBinding`, `iam:GetAccountAuthorizationDetails`.
    pub what: String,
    /// The namespace, when the gap covers one namespace only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Why: the status and message the API returned.
    pub reason: String,
    /// What the gap may hide, for the reader of a report ("bindings that grant
    /// cluster-admin would not be seen").
    pub may_hide: String,
}
