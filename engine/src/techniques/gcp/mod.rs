//! Google Cloud: from Kubernetes service accounts into GCP IAM (GKE Workload Identity, the
//! node's service account), and within IAM to project owner.
//!
//! - `GKE_WORKLOAD_IDENTITY`: `sa:NS/NAME` -> `gcp-sa:EMAIL` when a binding gives the
//!   service account's federated identity (`serviceAccount:POOL[NS/NAME]`,
//!   `principal://.../subject/ns/NS/sa/NAME`, `principalSet://.../namespace/NS`, the
//!   cluster's or the whole pool's principal set) a token permission on the Google account
//!   (`roles/iam.workloadIdentityUser` on the account or its project); and `sa` ->
//!   `gcp-admin:PROJECT` when the federated identity itself controls the project's policy.
//! - `GCP_IMPERSONATE`: `gcp-sa` -> `gcp-sa` (token creation, key creation, the account's
//!   setIamPolicy, actAs + a create permission).
//! - `GCP_ADMIN`: `gcp-sa` -> `gcp-admin:PROJECT` (setIamPolicy on the project or above it,
//!   or iam.roles.update on a custom role it holds).
//! - `IMDS_NODE_ROLE` (GKE): node pools without the GKE metadata server (see [`node`]).

use std::collections::BTreeMap;

use crate::gcp::{AdminGrant, AdminHow, GSA_ANNOTATION, GcpIndex, Held, Impersonation, Primitive};
use crate::graph::{AttackGraph, Edge, Evidence, id};
use crate::index::Index;
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

mod node;

/// How much less likely a step is when it rests on an IAM condition the engine does not
/// evaluate.
const CONDITIONAL_FACTOR: f64 = 0.6;
/// The Kubernetes service account is annotated with another Google account: the attacker
/// asks for this one's token itself instead of the metadata server.
const OTHER_ACCOUNT_LIKELIHOOD: f64 = 0.9;
/// Impersonation likelihood by primitive.
const TOKEN_LIKELIHOOD: f64 = 0.9;
const KEY_LIKELIHOOD: f64 = 0.85;
const SET_POLICY_LIKELIHOOD: f64 = 0.8;
const ACT_AS_LIKELIHOOD: f64 = 0.75;
/// Admin through updating a custom role the identity holds.
const ROLE_UPDATE_LIKELIHOOD: f64 = 0.9;

pub fn edges(ix: &Index, g: &mut AttackGraph) {
    let gcp = &ix.gcp;
    if gcp.is_empty() {
        return;
    }
    google_account_edges(gcp, g);
    workload_identity_edges(ix, g);
    node::edges(ix, g);
}

fn factor(conditional: bool) -> f64 {
    if conditional { CONDITIONAL_FACTOR } else { 1.0 }
}

/// `GCP_ADMIN` and `GCP_IMPERSONATE` from every Google service account the inputs name.
/// Project-level grants make an edge to each account of the project: O(impersonators x
/// accounts), which stays small as few accounts hold project-wide token or key powers.
fn google_account_edges(gcp: &GcpIndex, g: &mut AttackGraph) {
    for (email, sa) in &gcp.service_accounts {
        if sa.disabled {
            continue;
        }
        let held = gcp.holdings(&GcpIndex::gsa_members(email));
        if held.is_empty() {
            continue;
        }
        let from = id::gcp_sa(email);
        for project in gcp.admin_candidates(&held) {
            if let Some(a) = gcp.admin(&held, project) {
                g.add_edge(
                    &from,
                    &id::gcp_admin(project),
                    admin_edge(gcp, &GCP_ADMIN, &a, project, Vec::new()),
                );
            }
        }
        for target in gcp.impersonation_candidates(&held) {
            if target == email || gcp.service_accounts.get(target).is_some_and(|t| t.disabled) {
                continue;
            }
            let ways = gcp.impersonations(&held, target);
            if let Some(e) = impersonation_edge(gcp, &GCP_IMPERSONATE, &ways, Vec::new(), 1.0) {
                g.add_edge(&from, &id::gcp_sa(target), e);
            }
        }
    }
}

/// The edge for one admin grant.
fn admin_edge(
    gcp: &GcpIndex,
    technique: &'static crate::techniques::Technique,
    a: &AdminGrant<'_>,
    project: &str,
    mut evidence: Vec<Evidence>,
) -> Edge {
    let via: Vec<&Held<'_>> = a
        .grants
        .iter()
        .flat_map(|g| g.via.iter().copied())
        .collect();
    let (base, what) = match &a.how {
        AdminHow::SetIamPolicy(p) => (
            1.0,
            format!("{p}: it can grant itself roles/owner on project {project}"),
        ),
        AdminHow::UpdateOwnRole(r) => (
            ROLE_UPDATE_LIKELIHOOD,
            format!(
                "iam.roles.update on {r}, a custom role it holds on project {project}: it can add resourcemanager.projects.setIamPolicy to it"
            ),
        ),
    };
    for (i, h) in via.iter().enumerate() {
        let mut e = gcp.evidence(h);
        if i == 0 {
            e.detail = format!("{}: {what}", e.detail);
        }
        evidence.push(e);
    }
    let fixes: Vec<String> = via.iter().map(|h| gcp.remove_binding(h)).collect();
    technique.edge_with(
        technique.likelihood * base * factor(a.conditional()),
        evidence,
        format!(
            "{}; grant least-privilege roles instead of owner or IAM admin.",
            capitalize(&fixes.join("; "))
        ),
    )
}

/// The edge for the ways to act as `target`, best first; `None` when there is none.
/// `scale` multiplies the best way's likelihood.
fn impersonation_edge(
    gcp: &GcpIndex,
    technique: &'static crate::techniques::Technique,
    ways: &[Impersonation<'_>],
    mut evidence: Vec<Evidence>,
    scale: f64,
) -> Option<Edge> {
    let best = ways.first()?;
    let base = match best.primitive {
        Primitive::Token(_) => TOKEN_LIKELIHOOD,
        Primitive::Key => KEY_LIKELIHOOD,
        Primitive::SetPolicy => SET_POLICY_LIKELIHOOD,
        Primitive::ActAsCreate(..) => ACT_AS_LIKELIHOOD,
    };
    // One fact per binding, naming every way it opens.
    let mut facts: Vec<(&Held<'_>, Vec<String>)> = Vec::new();
    for w in ways {
        for h in w.grants.iter().flat_map(|g| g.via.iter().copied()) {
            let how = w.primitive.describe();
            match facts
                .iter_mut()
                .find(|(x, _)| (x.policy, x.binding_index) == (h.policy, h.binding_index))
            {
                Some((_, hows)) if hows.contains(&how) => {}
                Some((_, hows)) => hows.push(how),
                None => facts.push((h, vec![how])),
            }
        }
    }
    let mut fixes: Vec<String> = Vec::new();
    for (h, hows) in &facts {
        let mut e = gcp.evidence(h);
        e.detail = format!("{}: {}", e.detail, hows.join("; "));
        evidence.push(e);
        fixes.push(gcp.remove_binding(h));
    }
    Some(technique.edge_with(
        base * scale * factor(best.conditional()),
        evidence,
        format!("{}.", capitalize(&fixes.join("; "))),
    ))
}

/// `GKE_WORKLOAD_IDENTITY`: Kubernetes service accounts whose federated identity holds a
/// token permission on a Google account (or controls a project), with `GCP_IMPERSONATE` for
/// its other impersonation powers. Pods of such a service account on nodes with the GKE
/// metadata server get the identity's token whatever `automountServiceAccountToken` says, so
/// workloads without an API token get the step themselves.
fn workload_identity_edges(ix: &Index, g: &mut AttackGraph) {
    let gcp = &ix.gcp;
    if gcp.pools.is_empty() {
        return;
    }
    // Every service account that exists, that a workload runs as, and `default`.
    let mut ksas: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for sa in &ix.snapshot.service_accounts {
        ksas.entry((sa.metadata.ns(), sa.metadata.name.as_str()))
            .or_default();
    }
    for ns in &ix.namespaces {
        ksas.entry((ns, "default")).or_default();
    }
    for (i, w) in ix.workloads.iter().enumerate() {
        ksas.entry((w.namespace, w.spec.pod_spec.service_account()))
            .or_default()
            .push(i);
    }
    let metadata_server = gcp.node_pools.is_empty() || gcp.node_pools.iter().any(|p| !p.exposed);
    for ((ns, name), workloads) in ksas {
        let held = gcp.holdings(&gcp.ksa_members(ns, name));
        if held.is_empty() {
            continue;
        }
        let from = id::service_account(ns, name);
        let sa_object = ix.service_account(ns, name);
        let annotation = sa_object
            .and_then(|s| s.metadata.annotations.get(GSA_ANNOTATION))
            .map(|a| a.trim().to_ascii_lowercase());
        let pool_evidence: Vec<Evidence> = gcp.pools.iter().map(|p| p.evidence.clone()).collect();
        let holders: Vec<usize> = workloads
            .into_iter()
            .filter(|&i| {
                ix.workloads
                    .get(i)
                    .is_some_and(|w| !w.spec.pod_spec.host_network)
            })
            .collect();
        let why = format!(
            "GKE's metadata server hands the pods the federated token of ServiceAccount/{ns}/{name}"
        );
        let emit = |g: &mut AttackGraph, to: &str, edge: Edge| {
            if metadata_server {
                crate::techniques::aws::credential_holder_edges(ix, &holders, &why, to, &edge, g);
            }
            g.add_edge(&from, to, edge);
        };
        for project in gcp.admin_candidates(&held) {
            if let Some(a) = gcp.admin(&held, project) {
                let edge = admin_edge(
                    gcp,
                    &GKE_WORKLOAD_IDENTITY,
                    &a,
                    project,
                    pool_evidence.clone(),
                );
                emit(g, &id::gcp_admin(project), edge);
            }
        }
        for target in gcp.impersonation_candidates(&held) {
            if gcp.service_accounts.get(target).is_some_and(|t| t.disabled) {
                continue;
            }
            let ways = gcp.impersonations(&held, target);
            let (token, other): (Vec<_>, Vec<_>) = ways
                .into_iter()
                .partition(|w| matches!(w.primitive, Primitive::Token(_)));
            let mut evidence = pool_evidence.clone();
            let sa_ev = |detail: String| {
                let e = Evidence::new(
                    format!("ServiceAccount/{ns}/{name}"),
                    format!("metadata.annotations[\"{GSA_ANNOTATION}\"]"),
                    detail,
                );
                match sa_object {
                    Some(s) => e.at(&s.source),
                    None => e,
                }
            };
            let scale = match annotation.as_deref() {
                Some(a) if a == target => {
                    evidence.push(sa_ev(format!(
                        "{target}: the metadata server hands the pods this account's tokens"
                    )));
                    1.0
                }
                Some(other) => {
                    evidence.push(sa_ev(format!("{other}: the pods get that account's tokens, but the grant lets the service account's identity mint tokens for {target} too")));
                    OTHER_ACCOUNT_LIKELIHOOD / GKE_WORKLOAD_IDENTITY.likelihood
                }
                None => 1.0,
            };
            if let Some(mut e) =
                impersonation_edge(gcp, &GKE_WORKLOAD_IDENTITY, &token, evidence.clone(), scale)
            {
                e.likelihood = (e.likelihood / TOKEN_LIKELIHOOD * GKE_WORKLOAD_IDENTITY.likelihood)
                    .clamp(f64::MIN_POSITIVE, 1.0);
                emit(g, &id::gcp_sa(target), e);
            }
            if let Some(e) =
                impersonation_edge(gcp, &GCP_IMPERSONATE, &other, pool_evidence.clone(), 1.0)
            {
                emit(g, &id::gcp_sa(target), e);
            }
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
