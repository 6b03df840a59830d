//! The technique catalog. Every id in DESIGN.md is a `Technique` value in the module of its
//! family; `CATALOG` lists them all. Ids are a public contract: add, never rename.
//!
//! Each family module also has `pub fn edges(ix: &Index, g: &mut AttackGraph)`, which adds
//! every step of its techniques whose preconditions hold in the snapshot.

use serde::Serialize;

use crate::graph::{Edge, Evidence};

pub mod aws;
pub mod azure;
pub mod escape;
pub mod exposure;
pub mod gcp;
pub mod identity;
pub mod node;
pub mod rbac;

/// One attacker technique: a stable id, what it is, how likely it is by default, how to fix it.
#[derive(Debug, PartialEq, Serialize)]
pub struct Technique {
    pub id: &'static str,
    pub title: &'static str,
    /// MITRE ATT&CK technique id, where one fits.
    pub attack: Option<&'static str>,
    /// Default likelihood in (0, 1]; an edge may set its own from the evidence.
    pub likelihood: f64,
    /// Default remediation; edges name the exact object and field to change.
    pub remediation: &'static str,
}

impl Technique {
    /// An edge of this technique with its default likelihood.
    pub fn edge(&'static self, evidence: Vec<Evidence>, remediation: impl Into<String>) -> Edge {
        Edge {
            technique: self,
            likelihood: self.likelihood,
            evidence,
            evidence_omitted: 0,
            remediation: remediation.into(),
        }
    }

    /// An edge of this technique with a likelihood of its own.
    pub fn edge_with(
        &'static self,
        likelihood: f64,
        evidence: Vec<Evidence>,
        remediation: impl Into<String>,
    ) -> Edge {
        Edge {
            technique: self,
            likelihood: likelihood.clamp(f64::MIN_POSITIVE, 1.0),
            evidence,
            evidence_omitted: 0,
            remediation: remediation.into(),
        }
    }
}

/// Every technique in the catalog, in DESIGN.md order.
pub static CATALOG: &[&Technique] = &[
    &exposure::EXPOSED_LOADBALANCER,
    &exposure::EXPOSED_NODEPORT,
    &exposure::EXPOSED_INGRESS,
    &exposure::EXPOSED_HOSTPORT,
    &exposure::SERVICE_SELECTS,
    &exposure::APP_COMPROMISE,
    &exposure::LATERAL_NETWORK,
    &identity::POD_SA_TOKEN,
    &identity::POD_MOUNTS_SECRET,
    &identity::SECRET_SA_TOKEN,
    &identity::SHARED_PROCESS_NS,
    &escape::ESCAPE_PRIVILEGED,
    &escape::ESCAPE_NSENTER,
    &escape::ESCAPE_SYS_MODULE,
    &escape::ESCAPE_SYS_PTRACE,
    &escape::ESCAPE_SYS_ADMIN,
    &escape::ESCAPE_DAC_READ_SEARCH,
    &escape::ESCAPE_HOSTPATH_WRITE,
    &escape::ESCAPE_HOSTPATH_READ,
    &escape::ESCAPE_CORE_PATTERN,
    &escape::ESCAPE_VAR_LOG,
    &escape::ESCAPE_RUNTIME_SOCKET,
    &escape::HOST_NETWORK,
    &escape::HOST_PID,
    &escape::HOST_IPC,
    &node::NODE_STEALS_TOKENS,
    &node::NODE_IDENTITY,
    &node::IMDS_NODE_ROLE,
    &rbac::RBAC_POD_EXEC,
    &rbac::RBAC_POD_ATTACH,
    &rbac::RBAC_EPHEMERAL_CONTAINER,
    &rbac::RBAC_CREATE_WORKLOAD,
    &rbac::RBAC_PATCH_WORKLOAD,
    &rbac::RBAC_READ_SECRETS,
    &rbac::RBAC_TOKEN_REQUEST,
    &rbac::RBAC_IMPERSONATE,
    &rbac::RBAC_BIND,
    &rbac::RBAC_ESCALATE,
    &rbac::RBAC_CSR_APPROVE,
    &rbac::RBAC_NODES_PROXY,
    &rbac::RBAC_WEBHOOK_WRITE,
    &rbac::RBAC_AWS_AUTH_WRITE,
    &rbac::RBAC_CLUSTER_ADMIN,
    &rbac::MEMBER_OF,
    &aws::IRSA_ASSUME,
    &aws::EKS_POD_IDENTITY,
    &aws::AWS_ASSUME_ROLE,
    &aws::AWS_PRIVESC,
    &aws::AWS_ADMIN,
    &aws::EKS_ACCESS_MAP,
    &gcp::GKE_WORKLOAD_IDENTITY,
    &gcp::GCP_IMPERSONATE,
    &gcp::GCP_ADMIN,
    &azure::AKS_WORKLOAD_IDENTITY,
    &azure::AZURE_FEDERATED_CREDENTIAL_WRITE,
    &azure::AZURE_ADMIN,
];

/// The technique with this id.
pub fn by_id(id: &str) -> Option<&'static Technique> {
    CATALOG.iter().copied().find(|t| t.id == id)
}

/// Shorthand for the catalog's `const` definitions.
macro_rules! technique {
    ($name:ident, $title:expr, $attack:expr, $likelihood:expr, $remediation:expr $(,)?) => {
        pub static $name: $crate::techniques::Technique = $crate::techniques::Technique {
            id: stringify!($name),
            title: $title,
            attack: $attack,
            likelihood: $likelihood,
            remediation: $remediation,
        };
    };
}
pub(crate) use technique;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn technique_ids_are_unique() {
        let mut ids: Vec<_> = CATALOG.iter().map(|t| t.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len());
    }

    /// The catalog is DESIGN.md's, id for id (the ids are a public contract).
    #[test]
    fn catalog_matches_design_md() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/DESIGN.md");
        let design =
            std::fs::read_to_string(path).expect("../shared/DESIGN.md beside the checkout");
        let start = design
            .find("## Technique catalog")
            .expect("catalog section");
        let end = design[start..]
            .find("Semantics to get right")
            .map_or(design.len(), |e| start + e);
        let mut documented: Vec<&str> = design[start..end]
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|w| w.len() > 3 && w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .collect();
        documented.sort_unstable();
        documented.dedup();
        let mut ours: Vec<&str> = CATALOG.iter().map(|t| t.id).collect();
        ours.sort_unstable();
        assert_eq!(ours, documented);
    }

    #[test]
    fn likelihoods_are_in_unit_interval() {
        for t in CATALOG {
            assert!(t.likelihood > 0.0 && t.likelihood <= 1.0, "{}", t.id);
        }
    }
}
