//! Azure: from Kubernetes identities into Azure managed identities (AKS Workload Identity,
//! the node identities IMDS serves), and within Azure RBAC to subscription admin.
//!
//! - `AKS_WORKLOAD_IDENTITY`: who holds (or can mint) a token that a federated identity
//!   credential of a user-assigned managed identity trusts -> that identity.
//! - `IMDS_NODE_ROLE`: nodes, and pods that reach the instance metadata service, -> the
//!   kubelet identity and the add-on identities assigned to the node VMs.
//! - `AZURE_FEDERATED_CREDENTIAL_WRITE`: identity allowed to write federated credentials on
//!   a managed identity -> that identity.
//! - `AZURE_ADMIN`: identity allowed `Microsoft.Authorization/roleAssignments/write` at a
//!   subscription (or above) -> `azure-admin:SUBSCRIPTION`.

use std::collections::{BTreeMap, BTreeSet};

use crate::azure::{
    AzureIdentity, CLIENT_ID_ANNOTATION, Coverage, FEDERATED_CREDENTIAL_WRITE, Grant, IdentityKind,
    ROLE_ASSIGNMENT_WRITE, TOKEN_EXCHANGE_AUDIENCE, USE_LABEL, cluster_object, subscription_of,
};
use crate::graph::{AttackGraph, Evidence, id};
use crate::index::{Index, WorkloadNode};
use crate::snapshot::{FederatedCredential, ServiceAccount};
use crate::techniques::aws::credential_holder_edges;
use crate::techniques::node::IMDS_NODE_ROLE;
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

/// An ABAC condition on the assignment may exclude what the step needs.
const CONDITIONAL_FACTOR: f64 = 0.6;
/// A management group assignment whose place above the subscription is assumed.
const ASSUMED_SCOPE_FACTOR: f64 = 0.9;
/// The cluster's OIDC issuer is not known, so a credential's issuer was not checked.
const UNCHECKED_ISSUER_FACTOR: f64 = 0.6;
/// Workload identity to an identity the service account's annotation does not name: the
/// token is good for every identity whose credential trusts the subject; the attacker names
/// the client id instead of the SDK.
const OTHER_IDENTITY_LIKELIHOOD: f64 = 0.9;
/// A workload that mounts a projected token with the credential's audience itself.
const MOUNTED_TOKEN_LIKELIHOOD: f64 = 0.9;
/// The node holds the credentials of the identities assigned to its VM.
const NODE_IDENTITY_LIKELIHOOD: f64 = 0.9;
/// The instance metadata service's IPv4 address.
const IMDS_ADDRESS: &str = "169.254.169.254";

#[cfg(test)]
mod tests;

pub fn edges(ix: &Index, g: &mut AttackGraph) {
    if ix.azure.api.is_empty() {
        return;
    }
    admin_edges(ix, g);
    federated_credential_write_edges(ix, g);
    workload_identity_edges(ix, g);
    node_identity_edges(ix, g);
}

fn grant_factor(gr: &Grant<'_>) -> f64 {
    let mut f = 1.0;
    if gr.conditional() {
        f *= CONDITIONAL_FACTOR;
    }
    if gr.coverage == Coverage::AssumedAbove {
        f *= ASSUMED_SCOPE_FACTOR;
    }
    f
}

fn remove_assignment(gr: &Grant<'_>, who: &AzureIdentity) -> String {
    format!(
        "remove role assignment {} ({} at {}) from {}",
        if gr.assignment.id.is_empty() {
            "(no id)"
        } else {
            gr.assignment.id.as_str()
        },
        gr.role.role_name,
        gr.assignment.scope,
        who.label()
    )
}

// ---------------------------------------------------------------------------------------
// AZURE_ADMIN

/// The subscriptions an identity is admin of, with the deciding grants (best first).
fn admin_grants<'a>(ix: &'a Index<'a>, who: usize) -> BTreeMap<&'a str, Vec<Grant<'a>>> {
    let az = &ix.azure;
    let mut out = BTreeMap::new();
    for sub in &az.subscriptions {
        let grants = az.grants(who, ROLE_ASSIGNMENT_WRITE, &format!("/subscriptions/{sub}"));
        if !grants.is_empty() {
            out.insert(sub.as_str(), grants);
        }
    }
    out
}

/// `AZURE_ADMIN`: an identity that may write role assignments at a subscription (Owner,
/// User Access Administrator, Role Based Access Control Administrator, or a custom role with
/// `roleAssignments/write` or `*`, at the subscription or above) can make itself Owner.
fn admin_edges(ix: &Index, g: &mut AttackGraph) {
    let az = &ix.azure;
    for who in az.assigned() {
        let Some(identity) = az.identities.get(who) else {
            continue;
        };
        for (sub, grants) in admin_grants(ix, who) {
            let Some(best) = grants.first() else { continue };
            let likelihood = AZURE_ADMIN.likelihood * grant_factor(best);
            let mut evidence = vec![identity.evidence.clone()];
            for gr in grants.iter().take(4) {
                evidence.extend(gr.evidence(ROLE_ASSIGNMENT_WRITE));
            }
            let fixes: Vec<String> = grants
                .iter()
                .map(|gr| remove_assignment(gr, identity))
                .collect();
            let remediation = format!(
                "{}; grant least-privilege roles instead (without {ROLE_ASSIGNMENT_WRITE} at subscription scope), or constrain a Role Based Access Control Administrator assignment with a condition on the roles it may assign.",
                capitalize(&fixes.join("; "))
            );
            g.add_edge(
                &identity.node_id(),
                &id::azure_admin(sub),
                AZURE_ADMIN.edge_with(likelihood, evidence, remediation),
            );
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

// ---------------------------------------------------------------------------------------
// AZURE_FEDERATED_CREDENTIAL_WRITE

/// `AZURE_FEDERATED_CREDENTIAL_WRITE`: an identity allowed to write federated credentials on
/// a user-assigned managed identity (Owner, Contributor, Managed Identity Contributor, a
/// custom role) adds one trusting an issuer it controls and acts as that identity. Targets
/// come from the scope index (the identities at or below each granting assignment's scope),
/// so the cost is the number of edges. An identity that is already certain admin of the
/// target's subscription gets no such edge (it controls everything there already).
fn federated_credential_write_edges(ix: &Index, g: &mut AttackGraph) {
    let az = &ix.azure;
    for who in az.assigned() {
        let Some(identity) = az.identities.get(who) else {
            continue;
        };
        let grants = az.grants_anywhere(who, FEDERATED_CREDENTIAL_WRITE);
        if grants.is_empty() {
            continue;
        }
        let admin_of: BTreeSet<&str> = admin_grants(ix, who)
            .into_iter()
            .filter(|(_, gs)| gs.iter().any(Grant::certain))
            .map(|(s, _)| s)
            .collect();
        for gr in &grants {
            for t in az.identities_under(&gr.assignment.scope) {
                let Some(target) = az.identities.get(t).filter(|_| t != who) else {
                    continue;
                };
                let Some(resource) = target.resource_id.as_deref() else {
                    continue;
                };
                let sub = subscription_of(resource).map(str::to_ascii_lowercase);
                if sub.as_deref().is_some_and(|s| admin_of.contains(s)) {
                    continue;
                }
                let mut evidence = vec![identity.evidence.clone()];
                evidence.extend(gr.evidence(FEDERATED_CREDENTIAL_WRITE));
                evidence.push(Evidence::new(
                    resource,
                    "",
                    format!(
                        "{} is within that scope: a federated credential added to it (an issuer and subject the caller controls) lets the caller's own token act as it",
                        target.label()
                    ),
                ));
                let remediation = format!(
                    "{}, or use a role without {FEDERATED_CREDENTIAL_WRITE} (Contributor and Managed Identity Contributor include it), or move {} out of the assignment's scope.",
                    capitalize(&remove_assignment(gr, identity)),
                    target.label()
                );
                g.add_edge(
                    &identity.node_id(),
                    &target.node_id(),
                    AZURE_FEDERATED_CREDENTIAL_WRITE.edge_with(
                        AZURE_FEDERATED_CREDENTIAL_WRITE.likelihood * grant_factor(gr),
                        evidence,
                        remediation,
                    ),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// AKS_WORKLOAD_IDENTITY

/// What the AKS cluster says: its issuer, and whether the webhook runs.
struct ClusterFacts {
    issuer: Option<String>,
    issuer_evidence: Option<Evidence>,
    /// `Some(false)`: `az aks show` says workload identity is off; `None`: no `az aks show`.
    webhook: Option<bool>,
    webhook_evidence: Option<Evidence>,
}

fn cluster_facts(ix: &Index) -> ClusterFacts {
    match ix
        .azure
        .api
        .cluster(ix.snapshot.facts.cluster_name.as_deref())
    {
        Some(c) => {
            let object = cluster_object(c);
            let prefix = if c.field.is_empty() {
                String::new()
            } else {
                format!("{}.", c.field)
            };
            let issuer = c
                .issuer_url()
                .map(str::to_string)
                .or_else(|| ix.snapshot.facts.oidc_issuer.clone());
            let on = c.workload_identity_enabled();
            ClusterFacts {
                issuer_evidence: issuer.as_ref().map(|i| {
                    Evidence::new(
                        &object,
                        format!("{prefix}oidcIssuerProfile.issuerUrl"),
                        format!("{i}: the issuer of this cluster's service account tokens"),
                    )
                    .at(&c.source)
                }),
                issuer,
                webhook: Some(on),
                webhook_evidence: Some(
                    Evidence::new(
                        &object,
                        format!("{prefix}securityProfile.workloadIdentity.enabled"),
                        if on {
                            "true: the workload identity webhook projects tokens into labelled pods"
                        } else {
                            "not enabled: no webhook projects tokens; only pods mounting one themselves, or identities that can mint one, hold it"
                        },
                    )
                    .at(&c.source),
                ),
            }
        }
        None => ClusterFacts {
            issuer: ix.snapshot.facts.oidc_issuer.clone(),
            issuer_evidence: ix.snapshot.facts.oidc_issuer.as_ref().map(|i| {
                Evidence::new(
                    "kubepath.yaml",
                    "oidcIssuer",
                    format!("{i}: the issuer of this cluster's service account tokens"),
                )
            }),
            webhook: None,
            webhook_evidence: None,
        },
    }
}

/// One service account's workloads, for workload identity.
#[derive(Default)]
struct SaFacts<'a> {
    object: Option<&'a ServiceAccount>,
    client_hint: Option<&'a str>,
    workloads: Vec<usize>,
}

fn service_accounts<'a>(ix: &Index<'a>) -> BTreeMap<(&'a str, &'a str), SaFacts<'a>> {
    let mut out: BTreeMap<(&str, &str), SaFacts<'_>> = BTreeMap::new();
    for sa in &ix.snapshot.service_accounts {
        let f = out
            .entry((sa.metadata.ns(), sa.metadata.name.as_str()))
            .or_default();
        f.object = Some(sa);
        f.client_hint = sa
            .metadata
            .annotations
            .get(CLIENT_ID_ANNOTATION)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty());
    }
    for (i, w) in ix.workloads.iter().enumerate() {
        out.entry((w.namespace, w.spec.pod_spec.service_account()))
            .or_default()
            .workloads
            .push(i);
    }
    out
}

/// Why a workload's pods hold a token with the audience a credential needs, if they do.
fn carries_token(
    w: &WorkloadNode,
    webhook: Option<bool>,
    audiences: &[String],
) -> Option<(Evidence, f64)> {
    let spec_path = crate::techniques::identity::pod_spec_path(w);
    let labelled = w.spec.pod_labels().get(USE_LABEL).map(|v| v.trim()) == Some("true");
    if labelled && webhook != Some(false) && audiences.iter().any(|a| a == TOKEN_EXCHANGE_AUDIENCE)
    {
        let detail = match webhook {
            Some(true) => format!(
                "\"true\": the workload identity webhook projects a token with audience {TOKEN_EXCHANGE_AUDIENCE} into the pods"
            ),
            _ => format!(
                "\"true\": the workload identity webhook (assumed enabled: no `az aks show` in the input) projects a token with audience {TOKEN_EXCHANGE_AUDIENCE} into the pods"
            ),
        };
        return Some((
            Evidence::new(
                w.object(),
                format!(
                    "{}[\"{USE_LABEL}\"]",
                    crate::techniques::identity::pod_labels_path(w)
                ),
                detail,
            )
            .at(&w.spec.source),
            1.0,
        ));
    }
    w.spec
        .pod_spec
        .volumes
        .iter()
        .enumerate()
        .find_map(|(vi, v)| {
            let p = v.projected.as_ref()?;
            p.sources.iter().enumerate().find_map(|(si, s)| {
                let aud = s.service_account_token.as_ref()?.audience.as_deref()?;
                audiences.iter().any(|a| a == aud).then(|| {
                    Evidence::new(
                        w.object(),
                        format!(
                            "{spec_path}.volumes[{vi}].projected.sources[{si}].serviceAccountToken"
                        ),
                        format!("a projected service account token with audience {aud}"),
                    )
                    .at(&w.spec.source)
                })
            })
        })
        .map(|e| {
            (
                e,
                MOUNTED_TOKEN_LIKELIHOOD / AKS_WORKLOAD_IDENTITY.likelihood,
            )
        })
}

fn credential_evidence(c: &FederatedCredential) -> Evidence {
    Evidence::new(
        &c.id,
        format!("{}.subject", c.field),
        format!(
            "issuer {}, subject {}, audiences [{}]",
            c.issuer.trim(),
            c.subject.trim(),
            c.audiences.join(", ")
        ),
    )
    .at(&c.source)
}

/// `AKS_WORKLOAD_IDENTITY`.
///
/// A federated identity credential on a user-assigned managed identity authorizes the
/// exchange: its issuer must be this cluster's OIDC issuer, its subject exactly
/// `system:serviceaccount:NS:NAME`, and the token's audience one of its audiences. The
/// `azure.workload.identity/client-id` annotation only tells the SDK which identity to ask
/// for. Who holds such a token:
/// - pods labelled `azure.workload.identity/use: "true"` (the webhook projects a token with
///   audience `api://AzureADTokenExchange`), or mounting a projected token with one of the
///   credential's audiences themselves;
/// - identities that can mint a token for the service account (`RBAC_TOKEN_REQUEST`,
///   `RBAC_CREATE_WORKLOAD` edges into `sa:`), with any audience.
///
/// When every workload of the service account carries the token, `sa -> identity` (a pod,
/// its node and a pod creator all hold it) plus `workload -> identity` for pods without an
/// API token; otherwise `workload -> identity` for the carriers and `minter -> identity`.
fn workload_identity_edges(ix: &Index, g: &mut AttackGraph) {
    let az = &ix.azure;
    if az.api.federated_credentials.is_empty() {
        return;
    }
    let cluster = cluster_facts(ix);
    // Credentials by subject (only service account subjects can be this cluster's).
    let mut by_subject: BTreeMap<&str, Vec<&FederatedCredential>> = BTreeMap::new();
    for c in &az.api.federated_credentials {
        let s = c.subject.trim();
        if s.starts_with("system:serviceaccount:") {
            by_subject.entry(s).or_default().push(c);
        }
    }
    let minters = crate::techniques::identity::token_minters(g);
    let mut sas = service_accounts(ix);
    for sa in minters.keys() {
        if let Some((ns, name)) = sa.strip_prefix("sa:").and_then(|s| s.split_once('/')) {
            sas.entry((ns, name)).or_default();
        }
    }
    for ((ns, name), facts) in &sas {
        let subject = format!("system:serviceaccount:{ns}:{name}");
        let Some(creds) = by_subject.get(subject.as_str()) else {
            continue;
        };
        let sa_node = id::service_account(ns, name);
        for c in creds {
            let issuer_ok = match &cluster.issuer {
                Some(i) => c.issuer.trim() == i.trim(),
                None => true,
            };
            if !issuer_ok {
                continue; // another cluster's (or another provider's) credential
            }
            let Some(t) = c.identity_id().and_then(|r| az.identity_by_resource(r)) else {
                continue;
            };
            let Some(target) = az.identities.get(t) else {
                continue;
            };
            let mut likelihood = AKS_WORKLOAD_IDENTITY.likelihood;
            let mut evidence = vec![credential_evidence(c), target.evidence.clone()];
            match &cluster.issuer_evidence {
                Some(e) => evidence.push(e.clone()),
                None => {
                    likelihood *= UNCHECKED_ISSUER_FACTOR;
                    evidence.push(Evidence::new(
                        &c.id,
                        format!("{}.issuer", c.field),
                        "the cluster's OIDC issuer is not known (no `az aks show`, facts.oidcIssuer unset): the credential's issuer was not checked against this cluster",
                    ).at(&c.source));
                }
            }
            let sa_object = format!("ServiceAccount/{ns}/{name}");
            let annotation = format!("metadata.annotations[\"{CLIENT_ID_ANNOTATION}\"]");
            match facts.client_hint {
                Some(hint) if hint.eq_ignore_ascii_case(&target.client_id) => {
                    let e = Evidence::new(&sa_object, &annotation, hint);
                    evidence.push(match facts.object {
                        Some(sa) => e.at(&sa.source),
                        None => e,
                    });
                }
                Some(hint) => {
                    likelihood *= OTHER_IDENTITY_LIKELIHOOD / AKS_WORKLOAD_IDENTITY.likelihood;
                    let e = Evidence::new(
                        &sa_object,
                        &annotation,
                        format!(
                            "{hint}: the SDK asks for that identity, but the token is good for every identity whose credential trusts {subject}, this one included"
                        ),
                    );
                    evidence.push(match facts.object {
                        Some(sa) => e.at(&sa.source),
                        None => e,
                    });
                }
                None => {}
            }
            let remediation = format!(
                "Delete federated credential {} from {} (az identity federated-credential delete), or point its subject at the one service account that needs the identity and reduce the identity's role assignments.",
                c.name,
                target.label()
            );
            let base = AKS_WORKLOAD_IDENTITY.edge_with(likelihood, evidence, remediation);
            let carriers: Vec<(usize, Evidence, f64)> = facts
                .workloads
                .iter()
                .filter_map(|&i| {
                    let w = ix.workloads.get(i)?;
                    carries_token(w, cluster.webhook, &c.audiences).map(|(e, f)| (i, e, f))
                })
                .collect();
            let all_carry = !facts.workloads.is_empty() && carriers.len() == facts.workloads.len();
            if all_carry {
                let mut edge = base.clone();
                if let Some(e) = &cluster.webhook_evidence {
                    edge.evidence.push(e.clone());
                }
                for (_, e, _) in carriers.iter().take(4) {
                    edge.evidence.push(e.clone());
                }
                let why = format!(
                    "its pods hold a token for {subject} with an audience the credential accepts"
                );
                let holders: Vec<usize> = carriers.iter().map(|(i, _, _)| *i).collect();
                credential_holder_edges(ix, &holders, &why, &target.node_id(), &edge, g);
                g.add_edge(&sa_node, &target.node_id(), edge);
                continue;
            }
            for (i, e, f) in &carriers {
                let Some(w) = ix.workloads.get(*i) else {
                    continue;
                };
                let mut edge = base.clone();
                edge.likelihood = (edge.likelihood * f).clamp(f64::MIN_POSITIVE, 1.0);
                edge.evidence.insert(0, e.clone());
                if let Some(we) = &cluster.webhook_evidence {
                    edge.evidence.push(we.clone());
                }
                g.add_edge(&w.id, &target.node_id(), edge);
            }
            if c.audiences.iter().all(|a| a.trim().is_empty()) {
                continue;
            }
            for (minter, mint) in minters.get(&sa_node).into_iter().flatten() {
                let mut evidence = mint.evidence.clone();
                evidence.push(Evidence::new(
                    &sa_object,
                    "",
                    format!(
                        "{} of its pods carry a token the credential accepts, but {minter} can mint one for {subject} with audience {} ({})",
                        if carriers.is_empty() { "none" } else { "not all" },
                        c.audiences.first().map(String::as_str).unwrap_or(""),
                        mint.technique.id
                    ),
                ));
                evidence.extend(base.evidence.iter().cloned());
                g.add_edge(
                    minter,
                    &target.node_id(),
                    AKS_WORKLOAD_IDENTITY.edge_with(
                        mint.likelihood * base.likelihood,
                        evidence,
                        base.remediation.clone(),
                    ),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// IMDS_NODE_ROLE on AKS

/// `IMDS_NODE_ROLE`: every node -> the kubelet identity and the add-on identities AKS
/// assigns to the node VMs (IMDS at 169.254.169.254 hands their tokens to any process on
/// the host, `client_id` choosing which); workloads -> them when their pods reach IMDS. AKS
/// does not block IMDS from pods (no hop limit, no default policy), so pods reach it unless
/// `imds.podsCanReach: false` says otherwise or an egress NetworkPolicy excludes the address;
/// host-network pods always do.
fn node_identity_edges(ix: &Index, g: &mut AttackGraph) {
    let az = &ix.azure;
    let node_identities: Vec<&AzureIdentity> = az
        .identities
        .iter()
        .filter(|i| {
            i.kinds
                .iter()
                .any(|k| matches!(k, IdentityKind::Kubelet | IdentityKind::Addon(_)))
        })
        .collect();
    if node_identities.is_empty() {
        return;
    }
    let mut nodes: BTreeSet<String> = ix
        .snapshot
        .nodes
        .iter()
        .filter(|n| !n.metadata.name.is_empty())
        .map(|n| id::node(&n.metadata.name))
        .collect();
    for w in &ix.workloads {
        nodes.extend(w.node_ids());
    }
    nodes.insert(id::ANY_NODE.to_string());
    for ni in &node_identities {
        let evidence = vec![
            ni.evidence.clone(),
            Evidence::new(
                ni.node_id(),
                "",
                "IMDS (169.254.169.254) serves the token of every identity assigned to the node VM to any process on the host",
            ),
        ];
        let edge = IMDS_NODE_ROLE.edge_with(
            NODE_IDENTITY_LIKELIHOOD,
            evidence,
            format!(
                "Keep the role assignments of {} minimal (AcrPull on the registry); give workloads their own identities through workload identity.",
                ni.label()
            ),
        );
        for n in &nodes {
            g.add_edge(n, &ni.node_id(), edge.clone());
        }
    }
    let pods_can_reach = ix.snapshot.facts.imds.pods_can_reach;
    let imds_address = crate::netpol::Cidr::parse(IMDS_ADDRESS);
    for w in &ix.workloads {
        let spec_path = crate::techniques::identity::pod_spec_path(w);
        let host_network = w.spec.pod_spec.host_network;
        let blocked = !host_network
            && imds_address.is_some_and(|a| {
                !ix.netpol
                    .egress(w, crate::netpol::Peer::Address(a))
                    .admits()
            });
        if blocked || (!host_network && pods_can_reach == Some(false)) {
            continue;
        }
        let why = if host_network {
            Evidence::new(
                w.object(),
                format!("{spec_path}.hostNetwork"),
                "true: the pods share the node's network namespace and reach IMDS",
            )
            .at(&w.spec.source)
        } else if pods_can_reach == Some(true) {
            Evidence::new(
                "kubepath.yaml",
                "imds.podsCanReach",
                "true: pods on the pod network reach the instance metadata service",
            )
        } else {
            Evidence::new(
                "kubepath.yaml",
                "imds.podsCanReach",
                "not stated: AKS does not block the instance metadata service from pods (set imds.podsCanReach: false if a policy blocks 169.254.169.254)",
            )
        };
        let fix = format!(
            "Block egress to 169.254.169.254/32 from {} with a NetworkPolicy (or a cluster-wide Cilium/Calico policy), and keep the node identities' role assignments minimal.",
            w.object()
        );
        for ni in &node_identities {
            g.add_edge(
                &w.id,
                &ni.node_id(),
                IMDS_NODE_ROLE.edge_with(
                    IMDS_NODE_ROLE.likelihood,
                    vec![why.clone(), ni.evidence.clone()],
                    fix.clone(),
                ),
            );
        }
    }
}
