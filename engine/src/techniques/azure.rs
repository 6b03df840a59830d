//! Azure: AKS Workload Identity and Azure RBAC (edges arrive with the AKS issue).

use crate::techniques::technique;

technique!(
    AKS_WORKLOAD_IDENTITY,
    "Kubernetes service account acts as an Azure managed identity",
    Some("T1550.001"),
    0.95,
    "Remove the federated identity credential or narrow its subject."
);
technique!(
    AZURE_FEDERATED_CREDENTIAL_WRITE,
    "Identity can add federated credentials to a managed identity",
    Some("T1098.001"),
    0.85,
    "Remove Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write from the role."
);
technique!(
    AZURE_ADMIN,
    "Azure identity is effectively subscription owner",
    Some("T1078.004"),
    1.0,
    "Replace Owner / User Access Administrator assignments with least-privilege roles."
);
