//! AWS: from Kubernetes identities into IAM, and within IAM to account admin.

use crate::graph::AttackGraph;
use crate::index::Index;
use crate::techniques::technique;

technique!(
    IRSA_ASSUME,
    "Service account assumes an IAM role through IRSA (OIDC web identity)",
    Some("T1550.001"),
    0.95,
    "Pin the role's trust policy to the exact service account with a StringEquals condition on the issuer's :sub (and :aud sts.amazonaws.com)."
);
technique!(
    EKS_POD_IDENTITY,
    "Service account receives an IAM role through EKS Pod Identity",
    Some("T1550.001"),
    0.95,
    "Delete the pod identity association or point it at a less privileged role."
);
technique!(
    AWS_ASSUME_ROLE,
    "Principal can assume another IAM role",
    Some("T1078.004"),
    0.9,
    "Narrow the role's trust policy and the caller's sts:AssumeRole permission."
);
technique!(
    AWS_PRIVESC,
    "IAM principal can escalate its own privileges",
    Some("T1098"),
    0.8,
    "Remove the IAM write permission that enables the escalation, or add a permissions boundary."
);
technique!(
    AWS_ADMIN,
    "IAM principal is effectively account administrator",
    Some("T1078.004"),
    1.0,
    "Replace the administrator policy with least-privilege permissions, or add a permissions boundary."
);
technique!(
    EKS_ACCESS_MAP,
    "AWS principal is mapped to a Kubernetes user or group",
    Some("T1078.004"),
    0.95,
    "Remove the aws-auth mapping or access entry, or map the principal to a less privileged group."
);

pub fn edges(_ix: &Index, _g: &mut AttackGraph) {}
