//! RBAC: what a Kubernetes identity can do with its permissions.

use crate::graph::AttackGraph;
use crate::index::Index;
use crate::techniques::technique;

technique!(
    RBAC_POD_EXEC,
    "Identity can exec into pods",
    Some("T1609"),
    0.95,
    "Remove create on pods/exec from the role, or scope it to a namespace without sensitive workloads."
);
technique!(
    RBAC_POD_ATTACH,
    "Identity can attach to pods",
    Some("T1609"),
    0.9,
    "Remove create on pods/attach from the role."
);
technique!(
    RBAC_EPHEMERAL_CONTAINER,
    "Identity can add ephemeral containers to pods",
    Some("T1609"),
    0.9,
    "Remove update/patch on pods/ephemeralcontainers from the role."
);
technique!(
    RBAC_CREATE_WORKLOAD,
    "Identity can create pods (directly or via a controller)",
    Some("T1610"),
    0.9,
    "Remove create on pods and pod controllers from the role, or enforce the restricted Pod Security Standard in the namespace."
);
technique!(
    RBAC_PATCH_WORKLOAD,
    "Identity can modify pods or pod controllers",
    Some("T1610"),
    0.85,
    "Remove update/patch on pods and pod controllers from the role."
);
technique!(
    RBAC_READ_SECRETS,
    "Identity can read Secrets",
    Some("T1552.007"),
    0.9,
    "Remove get/list/watch on secrets from the role, or restrict it with resourceNames."
);
technique!(
    RBAC_TOKEN_REQUEST,
    "Identity can mint tokens for service accounts",
    Some("T1528"),
    0.95,
    "Remove create on serviceaccounts/token from the role."
);
technique!(
    RBAC_IMPERSONATE,
    "Identity can impersonate users, groups or service accounts",
    Some("T1078"),
    0.95,
    "Remove the impersonate verb from the role."
);
technique!(
    RBAC_BIND,
    "Identity can bind roles it does not hold",
    Some("T1098"),
    0.9,
    "Remove the bind verb on roles/clusterroles from the role."
);
technique!(
    RBAC_ESCALATE,
    "Identity can escalate roles beyond its own permissions",
    Some("T1098"),
    0.9,
    "Remove the escalate verb on roles/clusterroles from the role."
);
technique!(
    RBAC_CSR_APPROVE,
    "Identity can approve certificate signing requests",
    Some("T1649"),
    0.7,
    "Remove approve on certificatesigningrequests/approval and update on signers from the role."
);
technique!(
    RBAC_NODES_PROXY,
    "Identity can reach the kubelet API through nodes/proxy",
    Some("T1609"),
    0.85,
    "Remove get/create on nodes/proxy from the role."
);
technique!(
    RBAC_WEBHOOK_WRITE,
    "Identity can register admission webhooks",
    Some("T1546"),
    0.7,
    "Remove create/update/patch on mutating and validating webhook configurations from the role."
);
technique!(
    RBAC_AWS_AUTH_WRITE,
    "Identity can edit the aws-auth ConfigMap",
    Some("T1098"),
    0.9,
    "Remove update/patch on configmaps in kube-system (or resourceNames aws-auth); migrate to EKS access entries."
);
technique!(
    RBAC_CLUSTER_ADMIN,
    "Identity holds every permission on every resource",
    Some("T1078"),
    1.0,
    "Bind a role with only the verbs and resources the identity needs instead of a wildcard role."
);
technique!(
    MEMBER_OF,
    "Identity is a member of a group",
    None,
    1.0,
    "Remove the bindings that grant this group permissions it should not have."
);

pub fn edges(_ix: &Index, _g: &mut AttackGraph) {}
