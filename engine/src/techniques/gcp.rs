//! Google Cloud: GKE Workload Identity and GCP IAM (edges arrive with the GKE issue).

use crate::techniques::technique;

technique!(
    GKE_WORKLOAD_IDENTITY,
    "Kubernetes service account acts as a Google service account",
    Some("T1550.001"),
    0.95,
    "Remove the roles/iam.workloadIdentityUser grant or the iam.gke.io/gcp-service-account annotation."
);
technique!(
    GCP_IMPERSONATE,
    "Google service account can impersonate another",
    Some("T1078.004"),
    0.85,
    "Remove token-creator, key-admin and actAs grants that are not needed."
);
technique!(
    GCP_ADMIN,
    "Google identity is effectively project owner",
    Some("T1078.004"),
    1.0,
    "Replace owner/IAM-admin roles with least-privilege roles."
);
