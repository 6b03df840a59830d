//! AWS: from Kubernetes identities into IAM, and within IAM to account admin.

use std::collections::BTreeMap;

use crate::aws::{
    ASSUME_ROLE_WITH_WEB_IDENTITY, AdminGrant, Decision, IRSA_AUDIENCE_ANNOTATION,
    IRSA_ROLE_ANNOTATION, OidcProvider, Principal, PrincipalKind, Request, RequestContext,
    RequestPrincipal, STS_AUDIENCE, StatementMatch, WebIdentityRole, condition::OperatorKind,
    normalize_issuer,
};
use crate::graph::{AttackGraph, Evidence, id};
use crate::index::Index;
use crate::snapshot::ServiceAccount;
use crate::techniques::identity::Minters;
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

/// How much less likely a step is when it rests on conditions the engine cannot decide.
const CONDITIONAL_FACTOR: f64 = 0.6;
/// IRSA where a workload mounts an sts-audience token itself, without the annotation.
const MOUNTED_TOKEN_IRSA_LIKELIHOOD: f64 = 0.9;
/// IRSA to a role the SA's annotation does not name: the webhook's token is good for any
/// role whose trust admits the SA; the attacker names the role instead of the SDK.
const OTHER_ROLE_IRSA_LIKELIHOOD: f64 = 0.9;

mod eks;

mod privesc;

pub fn edges(ix: &Index, g: &mut AttackGraph) {
    let minters = if reads_minters(ix) {
        crate::techniques::identity::token_minters(g)
    } else {
        Minters::new()
    };
    edges_but_privesc(ix, &minters, g);
    privesc::edges(ix, g);
}

/// Every AWS edge but the IAM privilege escalations, which [`privesc_graph`] computes.
/// `minters` is [`token_minters`](crate::techniques::identity::token_minters) of the graph
/// with the RBAC edges, read only when [`reads_minters`].
pub(crate) fn edges_but_privesc(ix: &Index, minters: &Minters, g: &mut AttackGraph) {
    admin_edges(ix, g);
    irsa_edges(ix, minters, g);
    eks::edges(ix, g);
}

/// Whether [`edges_but_privesc`] reads its `minters`: only IRSA does, when some role
/// trusts a web identity.
pub(crate) fn reads_minters(ix: &Index) -> bool {
    !ix.aws.web_identity.is_empty()
}

/// The IAM privilege escalations in a graph of their own: they read only the index, so
/// [`crate::build_graph`] computes them beside the other families and absorbs them after
/// [`edges_but_privesc`], where [`edges`] adds them.
pub(crate) fn privesc_graph(ix: &Index) -> AttackGraph {
    let mut g = AttackGraph::new();
    privesc::edges(ix, &mut g);
    g
}

fn kind_word(p: &Principal<'_>) -> &'static str {
    match p.kind {
        PrincipalKind::Role => "role",
        PrincipalKind::User => "user",
    }
}

/// `AWS_ADMIN`: roles and users allowed `*` on `*` -> `aws-admin:ACCOUNT`.
fn admin_edges(ix: &Index, g: &mut AttackGraph) {
    let aws = &ix.aws;
    for (i, p) in aws.principals.iter().enumerate() {
        let Some(grant) = aws.admin(i) else {
            continue;
        };
        let likelihood = if grant.conditional {
            AWS_ADMIN.likelihood * CONDITIONAL_FACTOR
        } else {
            AWS_ADMIN.likelihood
        };
        let edge = AWS_ADMIN.edge_with(
            likelihood,
            admin_evidence(p, &grant),
            admin_remediation(p, &grant),
        );
        g.add_edge(&p.node_id(), &id::aws_admin(p.account), edge);
    }
}

fn admin_evidence(p: &Principal<'_>, grant: &AdminGrant<'_>) -> Vec<Evidence> {
    let mut ev: Vec<Evidence> = grant
        .grants
        .iter()
        .flat_map(StatementMatch::evidence)
        .collect();
    if let Some(b) = &grant.boundary {
        ev.extend(b.evidence());
    }
    if let Some(arn) = grant.boundary_unresolved {
        ev.push(
            Evidence::new(
                p.arn,
                "PermissionsBoundary.PermissionsBoundaryArn",
                format!("permissions boundary {arn} is not in the snapshot: admin only if it allows everything"),
            )
            .at(p.source),
        );
    }
    for d in &grant.conditional_denies {
        let mut e = d.evidence();
        if let Some(last) = e.last_mut() {
            last.detail = format!(
                "conditional Deny, does not apply unless its conditions hold: {}",
                last.detail
            );
        }
        ev.extend(e);
    }
    ev
}

fn admin_remediation(p: &Principal<'_>, grant: &AdminGrant<'_>) -> String {
    let kind = kind_word(p);
    let fixes: Vec<String> = grant
        .grants
        .iter()
        .map(|m| match m.policy.arn {
            Some(arn) => match m.via.last() {
                Some(v) if v.object != p.arn => format!(
                    "detach {arn} from {} ({}), or remove {} from that group",
                    v.object, v.field, p.arn
                ),
                Some(v) => format!("detach {arn} from {kind} {} ({})", p.arn, v.field),
                None => format!("detach {arn} from {kind} {}", p.arn),
            },
            None => format!(
                "narrow {} of {} (inline policy {})",
                m.policy.statement_field(m.index),
                m.policy.object,
                m.policy.name
            ),
        })
        .collect();
    format!(
        "{}; replace it with least-privilege permissions, or give {kind} {} a permissions boundary that does not allow iam:* writes or sts:AssumeRole.",
        capitalize(&fixes.join("; ")),
        p.arn
    )
}

/// `a, b, c and 4 more`.
fn listed(items: &[String], max: usize) -> String {
    let mut s = items
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        s.push_str(&format!(" and {} more", items.len() - max));
    }
    s
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// What the cluster says about one service account, for IRSA.
#[derive(Default)]
struct SaFacts<'a> {
    object: Option<&'a ServiceAccount>,
    role_hint: Option<&'a str>,
    audience: Option<&'a str>,
    /// Workloads running as the SA that mount a projected token with the STS audience:
    /// (object, field of the projection).
    mounts_sts_token: Vec<(String, String)>,
    /// Indexes into `ix.workloads` of the workloads running as the SA.
    workloads: Vec<usize>,
}

/// Every service account that exists or that a workload runs as, deduplicated, sorted.
fn service_accounts<'a>(ix: &Index<'a>) -> BTreeMap<(&'a str, &'a str), SaFacts<'a>> {
    let mut out: BTreeMap<(&str, &str), SaFacts<'_>> = BTreeMap::new();
    for sa in &ix.snapshot.service_accounts {
        let f = out
            .entry((sa.metadata.ns(), sa.metadata.name.as_str()))
            .or_default();
        f.object = Some(sa);
        f.role_hint = sa
            .metadata
            .annotations
            .get(IRSA_ROLE_ANNOTATION)
            .map(|s| s.trim());
        f.audience = sa
            .metadata
            .annotations
            .get(IRSA_AUDIENCE_ANNOTATION)
            .map(|s| s.trim());
    }
    for (i, w) in ix.workloads.iter().enumerate() {
        let spec = &w.spec.pod_spec;
        let f = out
            .entry((w.namespace, spec.service_account()))
            .or_default();
        f.workloads.push(i);
        let audience = f.audience.unwrap_or(STS_AUDIENCE);
        let spec_path = crate::techniques::identity::pod_spec_path(w);
        let mounted = spec.volumes.iter().enumerate().find_map(|(vi, v)| {
            let p = v.projected.as_ref()?;
            p.sources.iter().enumerate().find_map(|(si, s)| {
                (s.service_account_token
                    .as_ref()
                    .and_then(|t| t.audience.as_deref())
                    == Some(audience))
                .then(|| {
                    format!("{spec_path}.volumes[{vi}].projected.sources[{si}].serviceAccountToken")
                })
            })
        });
        if let Some(field) = mounted {
            f.mounts_sts_token.push((w.object(), field));
        }
    }
    out
}

/// `IRSA_ASSUME`: who holds (or can mint) a web-identity token that an IAM role's trust
/// admits.
///
/// The trust says which `sub`s may assume the role; the cluster decides who holds a token
/// with that `sub` and the STS audience:
/// - pods of a service account annotated `eks.amazonaws.com/role-arn` (any role: the webhook
///   mounts a token for the SA, and the token is good for every role whose trust admits the
///   SA): `sa -> role`, and `workload -> role` for those pods that hold no API token;
/// - workloads that mount a projected token with the STS audience: `workload -> role`;
/// - identities that can mint a token for the SA (`RBAC_TOKEN_REQUEST` or
///   `RBAC_CREATE_WORKLOAD` edges into `sa:`): `minter -> role` when the SA's pods carry no
///   STS token. A pod of such an SA holds only an API-audience token, so `sa:` (reached
///   through `POD_SA_TOKEN`) does not lead to the role.
fn irsa_edges(ix: &Index, minters: &Minters, g: &mut AttackGraph) {
    let aws = &ix.aws;
    if !reads_minters(ix) {
        return;
    }
    let facts_issuer = ix
        .snapshot
        .facts
        .oidc_issuer
        .as_deref()
        .map(normalize_issuer)
        .filter(|i| !i.is_empty());
    let mut sas = service_accounts(ix);
    for sa in minters.keys() {
        if let Some((ns, name)) = sa.strip_prefix("sa:").and_then(|s| s.split_once('/')) {
            sas.entry((ns, name)).or_default();
        }
    }
    let mut found: Vec<(Irsa, &SaFacts<'_>)> = Vec::new();
    for ((ns, name), facts) in &sas {
        let sub = format!("system:serviceaccount:{ns}:{name}");
        for wi in aws.web_identity_candidates(&sub) {
            if let Some(i) = irsa_edge(ix, wi, ns, name, &sub, facts, facts_issuer) {
                found.push((i, facts));
            }
        }
    }
    // A trust that admits several service accounts is a finding of its own: say so on each.
    let mut admitted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, _) in &found {
        admitted
            .entry(i.to.clone())
            .or_default()
            .push(i.sa_label.clone());
    }
    for (mut i, facts) in found {
        if let Some(all) = admitted.get(&i.to).filter(|a| a.len() > 1) {
            i.edge.evidence.push(Evidence::new(
                i.role_arn.clone(),
                i.statement_field.clone(),
                format!(
                    "the trust admits {} service accounts of this cluster ({}): a broad :sub pattern",
                    all.len(),
                    listed(all, 8)
                ),
            ));
        }
        if facts.role_hint.is_some() {
            webhook_token_edges(ix, facts, &i.to, &i.edge, g);
            g.add_edge(&i.from, &i.to, i.edge);
            continue;
        }
        for (w, field) in &facts.mounts_sts_token {
            let mut e = i.edge.clone();
            e.evidence.push(Evidence::new(
                w.clone(),
                field.clone(),
                format!("mounts a projected service account token with audience {}: a web-identity token for {}", i.audience, i.sa_label),
            ));
            e.likelihood = (e.likelihood * MOUNTED_TOKEN_IRSA_LIKELIHOOD / IRSA_ASSUME.likelihood)
                .clamp(f64::MIN_POSITIVE, 1.0);
            if let Some(node) = facts
                .workloads
                .iter()
                .filter_map(|&k| ix.workloads.get(k))
                .find(|n| &n.object() == w)
            {
                g.add_edge(&node.id, &i.to, e);
            }
        }
        for (minter, mint) in minters.get(&i.from).into_iter().flatten() {
            let mut evidence = mint.evidence.clone();
            evidence.push(Evidence::new(
                format!("ServiceAccount/{}", i.sa_label),
                format!("metadata.annotations[\"{IRSA_ROLE_ANNOTATION}\"]"),
                format!(
                    "unset: the pods of {} carry no {}-audience token, but {minter} can mint one ({}) and assume the role with it",
                    i.sa_label, i.audience, mint.technique.id
                ),
            ));
            evidence.extend(i.edge.evidence.iter().cloned());
            let edge = IRSA_ASSUME.edge_with(
                mint.likelihood * i.edge.likelihood,
                evidence,
                i.edge.remediation.clone(),
            );
            g.add_edge(minter, &i.to, edge);
        }
    }
}

/// The step a workload gets straight to a role when its pods hold the role's credentials
/// but no Kubernetes API token (so the chain cannot go through `sa:`): the EKS pod identity
/// webhook (IRSA) or the EKS Pod Identity Agent hand the credentials to every pod of the
/// service account, whatever `automountServiceAccountToken` says. Turning automount off must
/// not look like a fix.
pub(crate) fn credential_holder_edges(
    ix: &Index,
    workloads: &[usize],
    why: &str,
    role: &str,
    sa_edge: &crate::graph::Edge,
    g: &mut AttackGraph,
) {
    for &i in workloads {
        let Some(w) = ix.workloads.get(i) else {
            continue;
        };
        if crate::techniques::identity::mounted_token(ix, w).is_some() {
            continue; // reached through the sa node already
        }
        let mut evidence = vec![
            Evidence::new(
                w.object(),
                "",
                format!(
                    "runs as ServiceAccount/{}/{}: {why}, although no Kubernetes API token is mounted",
                    w.namespace,
                    w.spec.pod_spec.service_account()
                ),
            )
            .at(&w.spec.source),
        ];
        evidence.extend(sa_edge.evidence.iter().cloned());
        let edge =
            sa_edge
                .technique
                .edge_with(sa_edge.likelihood, evidence, sa_edge.remediation.clone());
        g.add_edge(&w.id, role, edge);
    }
}

fn webhook_token_edges(
    ix: &Index,
    facts: &SaFacts<'_>,
    role: &str,
    sa_edge: &crate::graph::Edge,
    g: &mut AttackGraph,
) {
    let why = format!(
        "the ServiceAccount is annotated {IRSA_ROLE_ANNOTATION}, so the EKS pod identity webhook mounts a web-identity token into its pods"
    );
    credential_holder_edges(ix, &facts.workloads, &why, role, sa_edge, g);
}

/// One admitting trust for one service account.
struct Irsa {
    from: String,
    to: String,
    role_arn: String,
    statement_field: String,
    sa_label: String,
    audience: String,
    edge: crate::graph::Edge,
}

fn irsa_edge(
    ix: &Index,
    wi: &WebIdentityRole,
    ns: &str,
    name: &str,
    sub: &str,
    facts: &SaFacts<'_>,
    facts_issuer: Option<&str>,
) -> Option<Irsa> {
    let aws = &ix.aws;
    let role = aws.principals.get(wi.principal)?;
    let audience = facts.audience.unwrap_or(STS_AUDIENCE);
    // The best admitting provider: an unconditional Allow beats a conditional one.
    let mut best: Option<(Decision, &OidcProvider, crate::aws::PolicySetResult<'_>)> = None;
    for provider in &wi.providers {
        if facts_issuer.is_some_and(|i| !i.eq_ignore_ascii_case(&provider.issuer)) {
            continue;
        }
        let issuer = &provider.issuer;
        // What the token says is known; other keys under the issuer, aws: and sts: are
        // unknown; any other key is absent from a web-identity request.
        let ctx = RequestContext::closed()
            .with(&format!("{issuer}:sub"), [sub])
            .with(&format!("{issuer}:aud"), [audience])
            .unknown_under(&format!("{issuer}:"))
            .unknown_under("aws:")
            .unknown_under("sts:");
        let req = Request {
            action: ASSUME_ROLE_WITH_WEB_IDENTITY,
            resource: Some(role.arn),
            principal: Some(RequestPrincipal {
                kind: "Federated",
                id: &provider.arn,
            }),
            context: &ctx,
        };
        let r = aws.evaluate_trust(wi.principal, &req)?;
        let d = r.decision();
        if d.is_possible() && best.as_ref().is_none_or(|(bd, _, _)| d > *bd) {
            best = Some((d, provider, r));
        }
    }
    let (decision, provider, result) = best?;
    let allowing = if decision == Decision::Allow {
        &result.allows
    } else {
        &result.conditional_allows
    };
    let stmt = allowing.first()?;

    let annotated = facts.role_hint == Some(role.arn);
    let mut likelihood = if annotated || facts.role_hint.is_none() {
        IRSA_ASSUME.likelihood
    } else {
        OTHER_ROLE_IRSA_LIKELIHOOD
    };
    if decision == Decision::ConditionalAllow {
        likelihood *= CONDITIONAL_FACTOR;
    }

    let sa_object = format!("ServiceAccount/{ns}/{name}");
    let annotation_field = format!("metadata.annotations[\"{IRSA_ROLE_ANNOTATION}\"]");
    let sa_ev = |field: &str, detail: String| {
        let e = Evidence::new(sa_object.clone(), field, detail);
        match facts.object {
            Some(sa) => e.at(&sa.source),
            None => e,
        }
    };
    let mut ev: Vec<Evidence> = Vec::new();
    for m in allowing {
        ev.extend(m.evidence());
    }
    let sub_conditions: Vec<_> = stmt
        .statement
        .conditions
        .iter()
        .filter(|c| c.key.to_ascii_lowercase().ends_with(":sub"))
        .collect();
    if sub_conditions.is_empty() {
        ev.push(
            Evidence::new(
                role.arn,
                stmt.policy.statement_field(stmt.index),
                format!(
                    "no :sub condition: every service account of every cluster using OIDC provider {} can assume this role",
                    provider.arn
                ),
            )
            .at(stmt.policy.source),
        );
    }
    if provider.wildcard {
        ev.push(
            Evidence::new(
                role.arn,
                stmt.policy.statement_field(stmt.index),
                format!("the trust names no OIDC provider (Principal \"*\"): any federated token is accepted, including issuer {}", provider.issuer),
            )
            .at(stmt.policy.source),
        );
    }
    if facts_issuer.is_none() {
        ev.push(Evidence::new(
            role.arn,
            format!("{}.Principal.Federated", stmt.policy.statement_field(stmt.index)),
            format!(
                "the cluster's OIDC issuer is not known (facts.oidcIssuer unset): provider {} was not checked against this cluster",
                provider.arn
            ),
        ));
    }
    for d in &result.conditional_denies {
        let mut e = d.evidence();
        if let Some(last) = e.last_mut() {
            last.detail = format!(
                "conditional Deny, does not apply unless its conditions hold: {}",
                last.detail
            );
        }
        ev.extend(e);
    }
    match facts.role_hint {
        Some(_) if annotated => ev.push(sa_ev(&annotation_field, role.arn.to_string())),
        Some(other) => ev.push(sa_ev(
            &annotation_field,
            format!(
                "{other}: the webhook mounts a {audience}-audience token for this service account, and the token is good for every role whose trust admits it, this one included"
            ),
        )),
        None => {}
    }

    let where_ = stmt.policy.statement_field(stmt.index);
    let issuer = &provider.issuer;
    let remediation = if sub_conditions.is_empty() {
        format!(
            "In the trust policy of role {}, {where_}: add a StringEquals condition on {issuer}:sub naming only the service account that needs the role, and {issuer}:aud = {STS_AUDIENCE}.",
            role.arn
        )
    } else if sub_conditions.iter().any(|c| {
        c.kind != OperatorKind::StringEquals || c.values.iter().any(|v| v.contains(['*', '?']))
    }) {
        format!(
            "In the trust policy of role {}, {where_}: replace the broad {issuer}:sub condition ({}) with StringEquals on the exact service account(s) that need the role.",
            role.arn,
            sub_conditions
                .iter()
                .map(|c| c.describe())
                .collect::<Vec<_>>()
                .join("; ")
        )
    } else {
        format!(
            "If {sub} should not hold role {}, remove it from the {issuer}:sub condition of its trust policy {where_}; otherwise reduce the role's permissions.",
            role.arn
        )
    };
    Some(Irsa {
        from: id::service_account(ns, name),
        to: id::aws_role(role.arn),
        role_arn: role.arn.to_string(),
        statement_field: where_,
        sa_label: format!("{ns}/{name}"),
        audience: audience.to_string(),
        edge: IRSA_ASSUME.edge_with(likelihood, ev, remediation),
    })
}

#[cfg(test)]
mod tests;
