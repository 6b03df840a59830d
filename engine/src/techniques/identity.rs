//! Workload identity: what credentials a compromised workload holds.

use crate::graph::AttackGraph;
use crate::index::Index;
use crate::techniques::technique;

technique!(
    POD_SA_TOKEN,
    "Pod has its service account token mounted",
    Some("T1528"),
    1.0,
    "Set automountServiceAccountToken: false on the pod spec (or the ServiceAccount) when the workload does not call the Kubernetes API."
);
technique!(
    POD_MOUNTS_SECRET,
    "Pod mounts a Secret",
    Some("T1552.007"),
    1.0,
    "Mount only the secrets the workload needs; prefer short-lived credentials."
);
technique!(
    SECRET_SA_TOKEN,
    "Secret holds a legacy service account token",
    Some("T1528"),
    1.0,
    "Delete legacy kubernetes.io/service-account-token Secrets; use projected, bound tokens."
);
technique!(
    SHARED_PROCESS_NS,
    "Pod shares one process namespace between its containers",
    Some("T1055"),
    0.7,
    "Remove shareProcessNamespace: true from the pod spec."
);

pub fn edges(_ix: &Index, _g: &mut AttackGraph) {}
