//! EKS bridges between the cluster and IAM, in both directions:
//! - `EKS_POD_IDENTITY`: service account -> the role of its pod identity association;
//! - `IMDS_NODE_ROLE`: node (or a pod that reaches the instance metadata service) -> the
//!   role of the node's instance profile;
//! - `EKS_ACCESS_MAP`: IAM principal -> Kubernetes user/group (aws-auth, access entries) and
//!   what its access policies allow.

use std::collections::{BTreeMap, BTreeSet};

use crate::aws::{
    Arn, Decision, PolicySetResult, PrincipalKind, Request, RequestContext, RequestPrincipal,
};
use crate::graph::{AttackGraph, Edge, Evidence, id};
use crate::index::Index;
use crate::rbac::Identity;
use crate::snapshot::{
    AccessEntry, AssociatedAccessPolicy, AwsAuthMapping, PodIdentityAssociation,
};
use crate::techniques::node::IMDS_NODE_ROLE;
use crate::techniques::rbac::{blocks_node_takeover, pod_security_evidence};

use super::{CONDITIONAL_FACTOR, EKS_ACCESS_MAP, EKS_POD_IDENTITY, credential_holder_edges};

/// The service principal of the EKS Pod Identity Agent's credentials.
const PODS_EKS: &str = "pods.eks.amazonaws.com";
const GROUP_MASTERS: &str = "system:masters";
const GROUP_NODES: &str = "system:nodes";
const AWS_AUTH: &str = "ConfigMap/kube-system/aws-auth";
/// Pods on the pod network reach IMDS only if the hop limit allows; not stated by the user,
/// the EKS managed node group default (IMDSv2, hop limit 2) is assumed.
const IMDS_ASSUMED_LIKELIHOOD: f64 = 0.6;
/// The node holds the instance profile's credentials outright.
const NODE_ROLE_LIKELIHOOD: f64 = 0.9;
/// Create-pods power from an access policy (as `RBAC_CREATE_WORKLOAD`).
const CREATE_WORKLOAD_LIKELIHOOD: f64 = 0.9;
/// Secret reads from an access policy (as `RBAC_READ_SECRETS`).
const READ_SECRETS_LIKELIHOOD: f64 = 0.9;

pub(super) fn edges(ix: &Index, g: &mut AttackGraph) {
    pod_identity_edges(ix, g);
    node_role_edges(ix, g);
    access_map_edges(ix, g);
}

/// Which inputs authenticate IAM principals, per `accessConfig.authenticationMode`. Unknown
/// mode: whichever inputs the snapshot has count.
struct Modes {
    config_map: bool,
    api: bool,
}

fn modes(ix: &Index) -> Modes {
    match ix
        .snapshot
        .facts
        .authentication_mode
        .as_deref()
        .map(|m| m.trim().to_ascii_uppercase())
        .as_deref()
    {
        Some("CONFIG_MAP") => Modes {
            config_map: true,
            api: false,
        },
        Some("API") => Modes {
            config_map: false,
            api: true,
        },
        _ => Modes {
            config_map: true,
            api: true,
        },
    }
}

fn mode_evidence(ix: &Index, what: &str) -> Option<Evidence> {
    ix.snapshot.facts.authentication_mode.as_ref().map(|m| {
        Evidence::new(
            "aws eks describe-cluster",
            "cluster.accessConfig.authenticationMode",
            format!("{m}: {what} authenticate IAM principals"),
        )
    })
}

/// Whether an object of cluster `name` belongs to the cluster analysed (unknown names match).
fn same_cluster(ix: &Index, name: &str) -> bool {
    name.is_empty()
        || ix
            .snapshot
            .facts
            .cluster_name
            .as_deref()
            .is_none_or(|c| c.is_empty() || c == name)
}

/// The graph node of an IAM principal named by ARN, and the loaded principal's index.
///
/// `no_path`: the ARN is matched as aws-auth does: the authenticator compares against the
/// caller's canonical ARN `arn:P:iam::ACCT:role/NAME`, which carries no IAM path, so
/// `role/NAME` matches a role `/x/y/NAME` and an ARN written with a path matches nothing
/// (`None`). Otherwise (access entries, associations) the ARN is the role's own, path and all.
fn principal_node(ix: &Index, arn: &str, no_path: bool) -> Option<(String, Option<usize>)> {
    let arn = arn.trim();
    let aws = &ix.aws;
    let parsed = Arn::parse(arn).ok();
    let role_name = parsed
        .filter(|a| a.service == "iam")
        .and_then(|a| a.resource.strip_prefix("role/"));
    if let Some(name) = role_name {
        let a = parsed?;
        if no_path && name.contains('/') {
            return None;
        }
        let found = aws.principal(arn).or_else(|| {
            aws.principals.iter().position(|p| {
                p.kind == PrincipalKind::Role
                    && p.account == a.account
                    && p.partition == a.partition
                    && p.name == name.rsplit('/').next().unwrap_or(name)
                    && (no_path || !name.contains('/'))
            })
        });
        return Some(
            match found.and_then(|i| aws.principals.get(i).map(|p| (i, p))) {
                Some((i, p)) => (p.node_id(), Some(i)),
                None => (id::aws_role(arn), None),
            },
        );
    }
    match aws
        .principal(arn)
        .and_then(|i| aws.principals.get(i).map(|p| (i, p)))
    {
        Some((i, p)) => Some((p.node_id(), Some(i))),
        None if parsed.is_some_and(|a| a.resource.starts_with("user/")) => {
            Some((id::aws_user(arn), None))
        }
        None => Some((id::aws_role(arn), None)),
    }
}

// ---------------------------------------------------------------------------------------
// EKS Pod Identity

/// `EKS_POD_IDENTITY`: `sa:NS/NAME -> aws-role:ARN` for each association whose role's trust
/// lets `pods.eks.amazonaws.com` call `sts:AssumeRole` and `sts:TagSession` with the
/// session tags the agent sets; and `workload -> role` for pods without an API token.
fn pod_identity_edges(ix: &Index, g: &mut AttackGraph) {
    let mut workloads_of: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, w) in ix.workloads.iter().enumerate() {
        workloads_of
            .entry((w.namespace, w.spec.pod_spec.service_account()))
            .or_default()
            .push(i);
    }
    for a in &ix.snapshot.eks.pod_identity_associations {
        let Some(role_arn) = a
            .role_arn
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        else {
            continue;
        };
        if !same_cluster(ix, &a.cluster_name) {
            continue;
        }
        let Some(edge) = pod_identity_edge(ix, a, role_arn) else {
            continue;
        };
        let Some((role_node, _)) = principal_node(ix, role_arn, false) else {
            continue;
        };
        let workloads = workloads_of
            .get(&(a.namespace.as_str(), a.service_account.as_str()))
            .cloned()
            .unwrap_or_default();
        credential_holder_edges(
            ix,
            &workloads,
            "an EKS Pod Identity association hands the role's credentials to its pods (the agent at 169.254.170.23)",
            &role_node,
            &edge,
            g,
        );
        g.add_edge(
            &id::service_account(&a.namespace, &a.service_account),
            &role_node,
            edge,
        );
    }
}

/// The cluster ARN: from the facts, or from the association's own ARN
/// (`arn:aws:eks:R:A:podidentityassociation/CLUSTER/ID`).
fn cluster_arn(ix: &Index, a: &PodIdentityAssociation) -> Option<String> {
    if let Some(c) = ix.snapshot.facts.cluster_arn.as_ref() {
        return Some(c.clone());
    }
    let arn = Arn::parse(a.association_arn.as_deref()?).ok()?;
    let cluster = arn
        .resource
        .strip_prefix("podidentityassociation/")?
        .split('/')
        .next()?;
    Some(format!(
        "arn:{}:eks:{}:{}:cluster/{cluster}",
        arn.partition, arn.region, arn.account
    ))
}

fn association_object(a: &PodIdentityAssociation) -> String {
    match &a.association_arn {
        Some(arn) => arn.clone(),
        None => format!(
            "PodIdentityAssociation/{}/{}/{}",
            a.cluster_name, a.namespace, a.service_account
        ),
    }
}

fn pod_identity_edge(ix: &Index, a: &PodIdentityAssociation, role_arn: &str) -> Option<Edge> {
    let aws = &ix.aws;
    let object = association_object(a);
    let mut evidence = vec![
        Evidence::new(
            &object,
            format!("{}.roleArn", a.field),
            format!(
                "pods of ServiceAccount {}/{} in cluster {} get the credentials of {role_arn}",
                a.namespace, a.service_account, a.cluster_name
            ),
        )
        .at(&a.source),
    ];
    let remediation = format!(
        "Delete pod identity association {object} (aws eks delete-pod-identity-association) or point it at a less privileged role than {role_arn}."
    );
    let Some(p) = principal_node(ix, role_arn, false).and_then(|(_, i)| i) else {
        // The role is not in the IAM snapshot: its trust cannot be checked.
        if !ix.snapshot.aws.is_empty() {
            return None;
        }
        evidence.push(Evidence::new(
            role_arn,
            "AssumeRolePolicyDocument",
            "no IAM data in the snapshot: the trust policy was not checked",
        ));
        return Some(EKS_POD_IDENTITY.edge_with(
            EKS_POD_IDENTITY.likelihood * CONDITIONAL_FACTOR,
            evidence,
            remediation,
        ));
    };
    let cluster_arn = cluster_arn(ix, a);
    let mut ctx = RequestContext::closed()
        .unknown_under("aws:")
        .with(
            "aws:RequestTag/kubernetes-namespace",
            [a.namespace.as_str()],
        )
        .with(
            "aws:RequestTag/kubernetes-service-account",
            [a.service_account.as_str()],
        );
    if !a.cluster_name.is_empty() {
        ctx = ctx.with("aws:RequestTag/eks-cluster-name", [a.cluster_name.as_str()]);
    }
    if let Some(c) = &cluster_arn {
        ctx = ctx
            .with("aws:RequestTag/eks-cluster-arn", [c.as_str()])
            .with("aws:SourceArn", [c.as_str()]);
        if let Some(acct) = Arn::parse(c).ok().map(|x| x.account) {
            ctx = ctx.with("aws:SourceAccount", [acct]);
        }
    }
    let mut decision = Decision::Allow;
    let mut results: Vec<PolicySetResult<'_>> = Vec::new();
    for action in ["sts:AssumeRole", "sts:TagSession"] {
        let req = Request {
            action,
            resource: Some(role_arn),
            principal: Some(RequestPrincipal {
                kind: "Service",
                id: PODS_EKS,
            }),
            context: &ctx,
        };
        let r = aws.evaluate_trust(p, &req)?;
        decision = decision.min(r.decision());
        results.push(r);
    }
    if !decision.is_possible() {
        return None;
    }
    for r in &results {
        let allowing = if r.allows.is_empty() {
            &r.conditional_allows
        } else {
            &r.allows
        };
        for m in allowing {
            let e = m.evidence();
            for x in e {
                if !evidence.contains(&x) {
                    evidence.push(x);
                }
            }
        }
        for d in &r.conditional_denies {
            for mut x in d.evidence() {
                x.detail = format!(
                    "conditional Deny, does not apply unless its conditions hold: {}",
                    x.detail
                );
                if !evidence.contains(&x) {
                    evidence.push(x);
                }
            }
        }
    }
    let likelihood = if decision == Decision::ConditionalAllow {
        EKS_POD_IDENTITY.likelihood * CONDITIONAL_FACTOR
    } else {
        EKS_POD_IDENTITY.likelihood
    };
    Some(EKS_POD_IDENTITY.edge_with(likelihood, evidence, remediation))
}

// ---------------------------------------------------------------------------------------
// Node roles through the instance metadata service

/// One role of the nodes' instance profiles, and why it is one.
struct NodeRole {
    node: String,
    evidence: Evidence,
}

fn node_roles(ix: &Index) -> Vec<NodeRole> {
    let modes = modes(ix);
    let mut out: BTreeMap<String, NodeRole> = BTreeMap::new();
    for (i, arn) in ix.snapshot.facts.node_role_arns.iter().enumerate() {
        if let Some((node, _)) = principal_node(ix, arn, false) {
            out.entry(node.clone()).or_insert(NodeRole {
                node,
                evidence: Evidence::new(
                    "kubepath.yaml",
                    format!("nodeRoleArns[{i}]"),
                    format!("{arn} is the IAM role of the nodes' instance profile"),
                ),
            });
        }
    }
    if modes.config_map
        && let Some(auth) = &ix.snapshot.aws_auth
    {
        for (i, m) in auth.map_roles.iter().enumerate() {
            if !m.groups.iter().any(|g| g == GROUP_NODES) {
                continue;
            }
            if let Some((node, _)) = principal_node(ix, &m.arn, true) {
                out.entry(node.clone()).or_insert(NodeRole {
                    node,
                    evidence: Evidence::new(
                        AWS_AUTH,
                        format!("data.mapRoles[{i}]"),
                        format!("{} is mapped to group {GROUP_NODES}: a node role", m.arn),
                    )
                    .at(&auth.source),
                });
            }
        }
    }
    if modes.api {
        for e in &ix.snapshot.eks.access_entries {
            if !e.is_node_entry() || !same_cluster(ix, &e.cluster_name) {
                continue;
            }
            if let Some((node, _)) = principal_node(ix, &e.principal_arn, false) {
                out.entry(node.clone()).or_insert(NodeRole {
                    node,
                    evidence: Evidence::new(
                        format!("AccessEntry/{}", e.principal_arn),
                        format!("{}.type", e.field),
                        format!(
                            "{}: the role of EC2 nodes' instance profile",
                            e.type_.as_deref().unwrap_or("")
                        ),
                    )
                    .at(&e.source),
                });
            }
        }
    }
    out.into_values().collect()
}

/// The instance metadata service's IPv4 address.
const IMDS_ADDRESS: &str = "169.254.169.254";

/// `IMDS_NODE_ROLE`: every node -> each node role (the instance profile's credentials are
/// one HTTP request away on the host); workloads -> node role when their pods reach IMDS:
/// always with `hostNetwork: true`, otherwise unless `imds.podsCanReach: false`.
fn node_role_edges(ix: &Index, g: &mut AttackGraph) {
    let roles = node_roles(ix);
    if roles.is_empty() {
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
    let several = roles.len() > 1;
    for r in &roles {
        let mut detail = "the node's instance profile credentials are served by IMDS (169.254.169.254) to any process on the host".to_string();
        if several {
            detail.push_str("; the snapshot does not say which node group uses which node role");
        }
        let evidence = vec![r.evidence.clone(), Evidence::new(&r.node, "", detail)];
        let edge = IMDS_NODE_ROLE.edge_with(
            NODE_ROLE_LIKELIHOOD,
            evidence,
            format!(
                "Keep {} minimal (AmazonEKSWorkerNodePolicy and ECR read-only; give the CNI its permissions through IRSA or Pod Identity instead of the node role).",
                r.node.trim_start_matches("aws-role:")
            ),
        );
        for n in &nodes {
            g.add_edge(n, &r.node, edge.clone());
        }
    }

    let pods_can_reach = ix.snapshot.facts.imds.pods_can_reach;
    let imds_address = crate::netpol::Cidr::parse(IMDS_ADDRESS);
    for w in &ix.workloads {
        let spec_path = crate::techniques::identity::pod_spec_path(w);
        // An egress NetworkPolicy that admits no rule covering the metadata address cuts the
        // pod-network route (host-network pods are not subject to NetworkPolicy).
        let blocked = !w.spec.pod_spec.host_network
            && imds_address.is_some_and(|a| {
                !ix.netpol
                    .egress(w, crate::netpol::Peer::Address(a))
                    .admits()
            });
        if blocked {
            continue;
        }
        let (likelihood, why, fix) = if w.spec.pod_spec.host_network {
            (
                IMDS_NODE_ROLE.likelihood,
                Evidence::new(
                    w.object(),
                    format!("{spec_path}.hostNetwork"),
                    "true: the pods share the node's network namespace and reach IMDS whatever the hop limit",
                )
                .at(&w.spec.source),
                format!(
                    "Remove {spec_path}.hostNetwork from {} (host-network pods reach IMDS even with a hop limit of 1), and keep the node role minimal.",
                    w.object()
                ),
            )
        } else {
            match pods_can_reach {
                Some(false) => continue,
                Some(true) => (
                    IMDS_NODE_ROLE.likelihood,
                    Evidence::new(
                        "kubepath.yaml",
                        "imds.podsCanReach",
                        "true: pods on the pod network reach the instance metadata service",
                    ),
                    IMDS_NODE_ROLE.remediation.to_string(),
                ),
                None => (
                    IMDS_ASSUMED_LIKELIHOOD,
                    Evidence::new(
                        "kubepath.yaml",
                        "imds.podsCanReach",
                        "not stated: EKS managed node groups launch with IMDSv2 and a hop limit of 2, which pods on the pod network reach (set imds.podsCanReach: false if the launch template uses a hop limit of 1)",
                    ),
                    IMDS_NODE_ROLE.remediation.to_string(),
                ),
            }
        };
        for r in &roles {
            let evidence = vec![why.clone(), r.evidence.clone()];
            g.add_edge(
                &w.id,
                &r.node,
                IMDS_NODE_ROLE.edge_with(likelihood, evidence, fix.clone()),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// IAM principals mapped into the cluster

/// The static user name of a mapping: none when it uses a `{{...}}` template
/// (`{{EC2PrivateDNSName}}`, `{{SessionName}}`, `{{AccountID}}`), which names a different
/// user per session.
fn static_username(u: Option<&str>) -> Option<&str> {
    u.map(str::trim)
        .filter(|u| !u.is_empty() && !u.contains("{{"))
}

/// Kubernetes identities one mapping gives: `cluster-admin` for `system:masters`, the
/// groups, and the user when its name is static.
fn mapped_targets(username: Option<&str>, groups: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for grp in groups.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
        if grp == GROUP_MASTERS {
            out.push((
                id::CLUSTER_ADMIN.to_string(),
                format!("group {GROUP_MASTERS}, which the default ClusterRoleBinding cluster-admin binds"),
            ));
        } else {
            out.push((id::group(grp), format!("group {grp}")));
        }
    }
    if let Some(u) = static_username(username) {
        out.push((Identity::from_username(u).node_id(), format!("user {u}")));
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

fn mapping_detail(m: &AwsAuthMapping, matched: Option<&str>) -> String {
    let mut d = format!(
        "{} -> username {}, groups [{}]",
        m.arn,
        m.username.as_deref().unwrap_or("(none)"),
        m.groups.join(", ")
    );
    if let Some(full) = matched.filter(|f| *f != m.arn.trim()) {
        d.push_str(&format!(
            " (matches role {full}: aws-auth compares role ARNs without their IAM path)"
        ));
    }
    if m.username.as_deref().is_some_and(|u| u.contains("{{")) {
        d.push_str("; the user name is a per-session template, so only the groups are modelled");
    }
    d
}

/// `EKS_ACCESS_MAP`: from aws-auth (unless the mode is `API`) and access entries (unless it
/// is `CONFIG_MAP`). With both, a principal that has an access entry is authenticated by it
/// and its aws-auth mapping is ignored, as EKS does.
fn access_map_edges(ix: &Index, g: &mut AttackGraph) {
    let modes = modes(ix);
    let entries: Vec<&AccessEntry> = if modes.api {
        ix.snapshot
            .eks
            .access_entries
            .iter()
            .filter(|e| same_cluster(ix, &e.cluster_name))
            .collect()
    } else {
        Vec::new()
    };
    let entry_nodes: BTreeSet<String> = entries
        .iter()
        .filter_map(|e| principal_node(ix, &e.principal_arn, false).map(|(n, _)| n))
        .collect();
    if modes.config_map
        && let Some(auth) = &ix.snapshot.aws_auth
    {
        let lists = [
            ("data.mapRoles", &auth.map_roles),
            ("data.mapUsers", &auth.map_users),
        ];
        for (field, list) in lists {
            for (i, m) in list.iter().enumerate() {
                let is_role = field == "data.mapRoles";
                let Some((from, p)) = principal_node(ix, &m.arn, is_role) else {
                    continue;
                };
                if entry_nodes.contains(&from) {
                    continue;
                }
                let matched = p.and_then(|p| ix.aws.principals.get(p)).map(|p| p.arn);
                let mut evidence = vec![
                    Evidence::new(
                        AWS_AUTH,
                        format!("{field}[{i}]"),
                        mapping_detail(m, matched),
                    )
                    .at(&auth.source),
                ];
                evidence.extend(mode_evidence(ix, "the aws-auth ConfigMap's mappings"));
                for (to, what) in mapped_targets(m.username.as_deref(), &m.groups) {
                    let remediation = format!(
                        "Remove {field}[{i}] ({}) from {AWS_AUTH}, or map it to a group with fewer permissions than {what}; migrate to access entries with a scoped access policy.",
                        m.arn
                    );
                    g.add_edge(
                        &from,
                        &to,
                        EKS_ACCESS_MAP.edge(evidence.clone(), remediation),
                    );
                }
            }
        }
    }
    for e in entries {
        access_entry_edges(ix, e, g);
    }
}

fn entry_object(e: &AccessEntry) -> String {
    format!("AccessEntry/{}", e.principal_arn)
}

fn access_entry_edges(ix: &Index, e: &AccessEntry, g: &mut AttackGraph) {
    let Some((from, _)) = principal_node(ix, &e.principal_arn, false) else {
        return;
    };
    let object = entry_object(e);
    let mode = mode_evidence(ix, "access entries");
    let (username, groups): (Option<String>, Vec<String>) = if e.is_node_entry() {
        (None, vec![GROUP_NODES.to_string()])
    } else {
        // A standard entry without a user name: EKS names IAM users by their ARN, and role
        // sessions by a per-session assumed-role ARN (not a static user).
        let default_user = Arn::parse(&e.principal_arn)
            .ok()
            .filter(|a| a.resource.starts_with("user/"))
            .map(|_| e.principal_arn.clone());
        (
            e.username.clone().or(default_user),
            e.kubernetes_groups.clone(),
        )
    };
    let detail = format!(
        "type {}, username {}, kubernetesGroups [{}]",
        e.type_.as_deref().unwrap_or("STANDARD"),
        username.as_deref().unwrap_or("(per-session)"),
        groups.join(", ")
    );
    let mut evidence = vec![Evidence::new(&object, &e.field, detail).at(&e.source)];
    evidence.extend(mode.clone());
    for (to, what) in mapped_targets(username.as_deref(), &groups) {
        let remediation = format!(
            "Delete access entry {} (aws eks delete-access-entry) or remove {what} from it.",
            e.principal_arn
        );
        g.add_edge(
            &from,
            &to,
            EKS_ACCESS_MAP.edge(evidence.clone(), remediation),
        );
    }
    for p in ix
        .snapshot
        .eks
        .access_policies
        .iter()
        .filter(|p| p.principal_arn.trim() == e.principal_arn.trim())
        .filter(|p| same_cluster(ix, &p.cluster_name))
    {
        access_policy_edges(ix, &from, e, p, mode.as_ref(), g);
    }
}

/// What an EKS access policy lets its principal do, in the terms of the graph. The
/// policies mirror the Kubernetes default roles: ClusterAdmin = cluster-admin, Admin =
/// admin, Edit = edit, View = view (nothing useful), AdminView = view plus Secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Power {
    ClusterAdmin,
    /// create pods (as any SA of the scope) and read Secrets: Admin and Edit.
    Workloads,
    ReadSecrets,
    None,
}

fn power(policy_arn: &str) -> Power {
    match policy_arn.rsplit('/').next().unwrap_or("") {
        "AmazonEKSClusterAdminPolicy" => Power::ClusterAdmin,
        "AmazonEKSAdminPolicy" | "AmazonEKSEditPolicy" => Power::Workloads,
        "AmazonEKSAdminViewPolicy" => Power::ReadSecrets,
        _ => Power::None,
    }
}

fn access_policy_edges(
    ix: &Index,
    from: &str,
    e: &AccessEntry,
    p: &AssociatedAccessPolicy,
    mode: Option<&Evidence>,
    g: &mut AttackGraph,
) {
    let name = p.policy_arn.rsplit('/').next().unwrap_or(&p.policy_arn);
    let cluster_scope = p.access_scope.type_.eq_ignore_ascii_case("cluster");
    let namespaces: Vec<&str> = if cluster_scope {
        ix.namespaces.iter().copied().collect()
    } else {
        p.access_scope
            .namespaces
            .iter()
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
            .collect()
    };
    let scope = if cluster_scope {
        "cluster".to_string()
    } else {
        format!("namespaces {}", namespaces.join(", "))
    };
    let mut evidence = vec![
        Evidence::new(
            entry_object(e),
            &p.field,
            format!("{} with access scope {scope}", p.policy_arn),
        )
        .at(&p.source),
    ];
    evidence.extend(mode.cloned());
    let remediation = format!(
        "Disassociate {name} from access entry {} (aws eks disassociate-access-policy), or associate a narrower policy or namespace scope.",
        e.principal_arn
    );
    match power(&p.policy_arn) {
        Power::None => {}
        Power::ClusterAdmin if cluster_scope => {
            g.add_edge(
                from,
                id::CLUSTER_ADMIN,
                EKS_ACCESS_MAP.edge(evidence, remediation),
            );
        }
        // Cluster admin in some namespaces, like admin/edit there.
        Power::ClusterAdmin | Power::Workloads => {
            workload_edges(
                ix,
                from,
                &namespaces,
                cluster_scope,
                &evidence,
                &remediation,
                g,
            );
            secret_edges(
                ix,
                from,
                &namespaces,
                cluster_scope,
                &evidence,
                &remediation,
                g,
            );
        }
        Power::ReadSecrets => {
            secret_edges(
                ix,
                from,
                &namespaces,
                cluster_scope,
                &evidence,
                &remediation,
                g,
            );
        }
    }
}

/// As `RBAC_CREATE_WORKLOAD`: a pod created in a namespace may run as any of its service
/// accounts, and, where Pod Security does not forbid privileged pods, take over a node.
fn workload_edges(
    ix: &Index,
    from: &str,
    namespaces: &[&str],
    cluster_scope: bool,
    evidence: &[Evidence],
    remediation: &str,
    g: &mut AttackGraph,
) {
    let mut ev = evidence.to_vec();
    if let Some(last) = ev.first_mut() {
        last.detail
            .push_str(" (allows create on pods and pod controllers)");
    }
    for ns in namespaces {
        for sa in ix.service_accounts_in(ns) {
            g.add_edge(
                from,
                &id::service_account(ns, sa),
                EKS_ACCESS_MAP.edge_with(CREATE_WORKLOAD_LIKELIHOOD, ev.clone(), remediation),
            );
        }
    }
    let mut candidates: Vec<&str> = namespaces.to_vec();
    if cluster_scope {
        candidates.extend(["default", "kube-system"]);
        candidates.sort_unstable();
        candidates.dedup();
    }
    if let Some(open) = candidates
        .into_iter()
        .find(|ns| !blocks_node_takeover(ix, ns))
    {
        let mut ev = ev;
        ev.push(pod_security_evidence(ix, open));
        g.add_edge(
            from,
            id::ANY_NODE,
            EKS_ACCESS_MAP.edge_with(CREATE_WORKLOAD_LIKELIHOOD, ev, remediation),
        );
    }
}

/// As `RBAC_READ_SECRETS`: every known Secret in scope and the scope's wildcard node.
fn secret_edges(
    ix: &Index,
    from: &str,
    namespaces: &[&str],
    cluster_scope: bool,
    evidence: &[Evidence],
    remediation: &str,
    g: &mut AttackGraph,
) {
    let mut ev = evidence.to_vec();
    if let Some(first) = ev.first_mut() {
        first
            .detail
            .push_str(" (allows get, list, watch on secrets)");
    }
    let mut targets = BTreeSet::new();
    for ns in namespaces {
        for s in ix.secrets_by_ns.get(ns).into_iter().flatten() {
            targets.insert(id::secret(ns, &s.metadata.name));
        }
        if !cluster_scope {
            targets.insert(id::secret(ns, "*"));
        }
    }
    if cluster_scope {
        targets.insert(id::secret("*", "*"));
    }
    for to in targets {
        g.add_edge(
            from,
            &to,
            EKS_ACCESS_MAP.edge_with(READ_SECRETS_LIKELIHOOD, ev.clone(), remediation),
        );
    }
}

#[cfg(test)]
mod tests;
