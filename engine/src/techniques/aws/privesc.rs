//! Within IAM: role assumption (`AWS_ASSUME_ROLE`), principals that can grant themselves
//! anything (`AWS_ADMIN`), and the escalation primitives that reach another principal or
//! the account (`AWS_PRIVESC`).
//!
//! Every check is a full evaluation ([`AwsIndex::evaluate`]: explicit Deny, identity,
//! boundary, SCPs, conditions) of one request the primitive needs, with the principal's
//! ARN, account and tags (and the target's tags) in the context. The walk stays near-linear:
//! a principal's action mask skips every primitive it cannot possibly use, role assumption
//! and service roles come from the trust index, and an unconditional admin of an account
//! gets no edges to that account's principals (it already controls all of them).

use std::collections::HashMap;

use crate::aws::{
    AwsIndex, Decision, Evaluation, PolicyDocument, Principal, PrincipalKind, PrincipalSet,
    Request, RequestContext, RequestPrincipal, arn::Arn, policy::Effect, trust::ASSUME_ROLE,
};
use crate::graph::{AttackGraph, Evidence, id};
use crate::index::Index;

use super::{AWS_ADMIN, AWS_ASSUME_ROLE, AWS_PRIVESC, CONDITIONAL_FACTOR};

/// Primitives that act on resources the snapshot does not list (instances, dev
/// endpoints): the target is any role that could be behind one.
const UNSEEN_RESOURCE_FACTOR: f64 = 0.5;
/// The name the engine gives a resource an escalation would create (sentinel ARNs).
const NEW: &str = "kubepath-new";

pub fn edges(ix: &Index, g: &mut AttackGraph) {
    let aws = &ix.aws;
    if aws.principals.is_empty() {
        return;
    }
    let w = Walk::new(ix);
    let mut admin_of: Vec<bool> = Vec::with_capacity(aws.principals.len());
    for i in 0..aws.principals.len() {
        let full = aws.admin(i).is_some_and(|a| !a.conditional);
        let self_grant = if full { false } else { w.self_grant(i, g) };
        admin_of.push(full || self_grant);
    }
    for i in 0..aws.principals.len() {
        let ctx = aws.principal_context(i);
        let admin = admin_of.get(i).copied().unwrap_or(false);
        let mut usable = w.assume(i, admin, &ctx, g);
        if !admin {
            usable.extend(w.principal_takeovers(i, &ctx, g));
            w.write_policies_of_usable(i, &ctx, &usable, g);
            w.add_user_to_group(i, &ctx, g);
        }
        w.pass_role(i, &ctx, admin, g);
        w.unseen_resources(i, &ctx, admin, g);
        w.eks_access_entry(i, &ctx, g);
    }
}

/// One request the primitive needs, and the evaluation that allows it.
struct Granted<'e> {
    action: &'static str,
    resource: String,
    eval: Evaluation<'e>,
}

/// An escalation found: its name, the requests it needs, and extra facts.
struct Step<'e> {
    primitive: String,
    checks: Vec<Granted<'e>>,
    notes: Vec<Evidence>,
    factor: f64,
}

impl<'e> Step<'e> {
    fn new(primitive: impl Into<String>, checks: Vec<Granted<'e>>) -> Self {
        Step {
            primitive: primitive.into(),
            checks,
            notes: Vec::new(),
            factor: 1.0,
        }
    }

    fn uncertain(&self) -> bool {
        self.checks.iter().any(|c| c.eval.uncertain())
    }

    fn likelihood(&self, base: f64) -> f64 {
        let mut l = base * self.factor;
        if self.uncertain() {
            l *= CONDITIONAL_FACTOR;
        }
        l
    }

    fn evidence(&self, p: &Principal<'_>) -> Vec<Evidence> {
        let needs: Vec<String> = self
            .checks
            .iter()
            .map(|c| format!("{} on {}", c.action, c.resource))
            .collect();
        let mut ev = vec![
            Evidence::new(
                p.arn,
                "",
                format!("primitive {}: allowed {}", self.primitive, needs.join(", ")),
            )
            .at(p.source),
        ];
        for c in &self.checks {
            for e in c.eval.evidence() {
                if !ev.contains(&e) {
                    ev.push(e);
                }
            }
        }
        ev.extend(self.notes.iter().cloned());
        ev
    }

    /// Remove the first statement that allows the first request.
    fn remediation(&self, p: &Principal<'_>, target: &str) -> String {
        let first = self.checks.first().and_then(|c| {
            let r = &c.eval.identity;
            r.allows
                .first()
                .or(r.conditional_allows.first())
                .map(|m| (c, m.locator()))
        });
        match first {
            Some((c, loc)) => format!(
                "Remove {} (on {}) from {}: {loc}; or deny it with a permissions boundary so {} cannot {}.",
                c.action, c.resource, p.arn, p.arn, target
            ),
            None => format!(
                "Remove the IAM permissions of {} that allow {}.",
                p.arn, self.primitive
            ),
        }
    }
}

/// A service that runs code as a role passed to it, and the calls that make it do so.
struct ServiceRoute {
    name: &'static str,
    service: &'static str,
    /// Alternatives, each a set of actions that together launch the code.
    alternatives: &'static [&'static [&'static str]],
    /// EC2 runs roles through instance profiles.
    instance_profile: bool,
}

const ROUTES: &[ServiceRoute] = &[
    ServiceRoute {
        name: "PassRole+EC2 RunInstances",
        service: "ec2.amazonaws.com",
        alternatives: &[&["ec2:RunInstances"]],
        instance_profile: true,
    },
    ServiceRoute {
        name: "PassRole+AutoScaling",
        service: "ec2.amazonaws.com",
        alternatives: &[
            &[
                "autoscaling:CreateLaunchConfiguration",
                "autoscaling:CreateAutoScalingGroup",
            ],
            &[
                "ec2:CreateLaunchTemplate",
                "autoscaling:CreateAutoScalingGroup",
            ],
        ],
        instance_profile: true,
    },
    ServiceRoute {
        name: "PassRole+Lambda",
        service: "lambda.amazonaws.com",
        alternatives: &[
            &["lambda:CreateFunction", "lambda:InvokeFunction"],
            &["lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
        ],
        instance_profile: false,
    },
    ServiceRoute {
        name: "PassRole+CloudFormation",
        service: "cloudformation.amazonaws.com",
        alternatives: &[
            &["cloudformation:CreateStack"],
            &["cloudformation:UpdateStack"],
            &[
                "cloudformation:CreateChangeSet",
                "cloudformation:ExecuteChangeSet",
            ],
        ],
        instance_profile: false,
    },
    ServiceRoute {
        name: "PassRole+CodeBuild",
        service: "codebuild.amazonaws.com",
        alternatives: &[&["codebuild:CreateProject", "codebuild:StartBuild"]],
        instance_profile: false,
    },
    ServiceRoute {
        name: "PassRole+SageMaker",
        service: "sagemaker.amazonaws.com",
        alternatives: &[
            &["sagemaker:CreateNotebookInstance"],
            &["sagemaker:CreateTrainingJob"],
            &["sagemaker:CreateProcessingJob"],
        ],
        instance_profile: false,
    },
    ServiceRoute {
        name: "PassRole+Glue CreateDevEndpoint",
        service: "glue.amazonaws.com",
        alternatives: &[&["glue:CreateDevEndpoint"]],
        instance_profile: false,
    },
    ServiceRoute {
        name: "PassRole+DataPipeline",
        service: "datapipeline.amazonaws.com",
        alternatives: &[&[
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
        ]],
        instance_profile: false,
    },
    ServiceRoute {
        name: "PassRole+ECS",
        service: "ecs-tasks.amazonaws.com",
        alternatives: &[
            &["ecs:RegisterTaskDefinition", "ecs:RunTask"],
            &["ecs:RegisterTaskDefinition", "ecs:StartTask"],
            &["ecs:RegisterTaskDefinition", "ecs:CreateService"],
        ],
        instance_profile: false,
    },
    ServiceRoute {
        name: "PassRole+EKS CreatePodIdentityAssociation",
        service: "pods.eks.amazonaws.com",
        alternatives: &[&["eks:CreatePodIdentityAssociation"]],
        instance_profile: false,
    },
];

struct Walk<'i, 'a> {
    ix: &'i Index<'a>,
    aws: &'i AwsIndex<'a>,
    users_by_account: HashMap<&'a str, Vec<usize>>,
    roles_by_account: HashMap<&'a str, Vec<usize>>,
    groups_by_account: HashMap<&'a str, Vec<usize>>,
    region: String,
}

impl<'i, 'a> Walk<'i, 'a> {
    fn new(ix: &'i Index<'a>) -> Self {
        let aws = &ix.aws;
        let mut users_by_account: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut roles_by_account: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in aws.principals.iter().enumerate() {
            match p.kind {
                PrincipalKind::User => users_by_account.entry(p.account).or_default().push(i),
                PrincipalKind::Role => roles_by_account.entry(p.account).or_default().push(i),
            }
        }
        let mut groups_by_account: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, g) in aws.groups.iter().enumerate() {
            groups_by_account.entry(g.account).or_default().push(i);
        }
        // `oidc.eks.REGION.amazonaws.com/id/X`: the cluster's region, used in the ARNs of
        // resources an escalation would create.
        let region = ix
            .snapshot
            .facts
            .oidc_issuer
            .as_deref()
            .and_then(|i| {
                let host = crate::aws::normalize_issuer(i).split('/').next()?;
                let mut parts = host.split('.');
                (parts.next() == Some("oidc") && parts.next() == Some("eks"))
                    .then(|| parts.next())
                    .flatten()
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "us-east-1".to_string());
        Walk {
            ix,
            aws,
            users_by_account,
            roles_by_account,
            groups_by_account,
            region,
        }
    }

    fn principal(&self, i: usize) -> Option<&'i Principal<'a>> {
        self.aws.principals.get(i)
    }

    /// Whether principal `p` may make the request (possibly: conditions may be undecided).
    fn allowed(
        &self,
        p: usize,
        action: &'static str,
        resource: &str,
        ctx: &RequestContext,
    ) -> Option<Granted<'i>> {
        if !self.aws.may(p, action) {
            return None;
        }
        let req = Request {
            action,
            resource: Some(resource),
            principal: None,
            context: ctx,
        };
        let eval = self.aws.evaluate(p, &req)?;
        eval.decision.is_possible().then(|| Granted {
            action,
            resource: resource.to_string(),
            eval,
        })
    }

    /// The first of `actions` allowed on `resource`.
    fn any_allowed(
        &self,
        p: usize,
        actions: &[&'static str],
        resource: &str,
        ctx: &RequestContext,
    ) -> Option<Granted<'i>> {
        actions
            .iter()
            .find_map(|a| self.allowed(p, a, resource, ctx))
    }

    /// The context of a request by `p` that names `iam:PolicyARN` /
    /// `iam:PermissionsBoundary` as the AWS managed AdministratorAccess policy, as an
    /// escalation would.
    fn with_admin_policy(&self, p: &Principal<'_>, ctx: &RequestContext) -> RequestContext {
        let admin = format!("arn:{}:iam::aws:policy/AdministratorAccess", p.partition);
        let mut c = ctx.clone();
        c.set("iam:PolicyARN", [admin.as_str()]);
        c.set("iam:PermissionsBoundary", [admin.as_str()]);
        c
    }

    /// The requests that let `actor` write a `*` policy into principal `target`'s identity:
    /// Put/Attach on the principal (or a group of it), or a new or older default version of
    /// a customer managed policy attached to it. The first that works, by primitive name.
    fn policy_write(
        &self,
        actor: usize,
        target: usize,
        ctx: &RequestContext,
    ) -> Option<(String, Vec<Granted<'i>>)> {
        let t = self.principal(target)?;
        let tctx = self.with_admin_policy(t, &self.aws.with_resource_tags(ctx.clone(), target));
        let (put, attach) = match t.kind {
            PrincipalKind::Role => ("iam:PutRolePolicy", "iam:AttachRolePolicy"),
            PrincipalKind::User => ("iam:PutUserPolicy", "iam:AttachUserPolicy"),
        };
        for action in [put, attach] {
            if let Some(g) = self.allowed(actor, action, t.arn, &tctx) {
                return Some((action.trim_start_matches("iam:").to_string(), vec![g]));
            }
        }
        let gctx = self.with_admin_policy(t, ctx);
        for &gi in &t.groups {
            let Some(group) = self.aws.groups.get(gi) else {
                continue;
            };
            for action in ["iam:PutGroupPolicy", "iam:AttachGroupPolicy"] {
                if let Some(g) = self.allowed(actor, action, group.arn, &gctx) {
                    return Some((
                        format!(
                            "{} on group {}",
                            action.trim_start_matches("iam:"),
                            group.name
                        ),
                        vec![g],
                    ));
                }
            }
        }
        self.managed_policy_write(actor, &t.identity, ctx)
    }

    /// CreatePolicyVersion (a new default version) or SetDefaultPolicyVersion (to an
    /// existing version that grants admin) on a customer managed policy among `attached`.
    /// AWS managed policies (`arn:...:iam::aws:policy/...`) cannot be changed.
    fn managed_policy_write(
        &self,
        actor: usize,
        attached: &[crate::aws::Attachment],
        ctx: &RequestContext,
    ) -> Option<(String, Vec<Granted<'i>>)> {
        for a in attached {
            let Some(arn) = self.aws.policies.get(a.policy).and_then(|p| p.arn) else {
                continue;
            };
            if Arn::parse_iam(arn, "policy").is_ok_and(|x| x.account == "aws") {
                continue;
            }
            if let Some(g) = self.allowed(actor, "iam:CreatePolicyVersion", arn, ctx) {
                return Some((format!("CreatePolicyVersion on {arn}"), vec![g]));
            }
            let admin_version = self.aws.managed.get(arn).is_some_and(|m| {
                m.policy_version_list.iter().any(|v| {
                    !v.is_default_version
                        && m.default_version_id.as_deref() != Some(v.version_id.as_str())
                        && v.document
                            .as_ref()
                            .and_then(|d| d.policy())
                            .is_some_and(grants_admin)
                })
            });
            if admin_version
                && let Some(g) = self.allowed(actor, "iam:SetDefaultPolicyVersion", arn, ctx)
            {
                return Some((
                    format!("SetDefaultPolicyVersion on {arn} (a non-default version allows *)"),
                    vec![g],
                ));
            }
        }
        None
    }

    /// `AWS_ADMIN` by writing its own policies. Returns whether it is admin for certain.
    fn self_grant(&self, i: usize, g: &mut AttackGraph) -> bool {
        let aws = self.aws;
        let Some(p) = self.principal(i) else {
            return false;
        };
        let ctx = aws.principal_context(i);
        let Some((primitive, checks)) = self.policy_write(i, i, &ctx) else {
            return false;
        };
        let mut step = Step::new(primitive, checks);
        let grant = match aws.admin_after_grant(i, false) {
            Some(grant) => grant,
            None => {
                // A boundary limits the written policy: lifting or replacing it first also
                // works.
                let Some((lift, lift_checks)) = self.boundary_lift(i, &ctx) else {
                    return false;
                };
                let Some(grant) = aws.admin_after_grant(i, true) else {
                    return false;
                };
                step.primitive = format!("{} after {lift}", step.primitive);
                step.checks.extend(lift_checks);
                grant
            }
        };
        if grant.conditional {
            step.factor *= CONDITIONAL_FACTOR;
        }
        for d in &grant.conditional_denies {
            step.notes.extend(d.evidence().into_iter().map(|mut e| {
                e.detail = format!(
                    "conditional Deny, applies only if its conditions hold: {}",
                    e.detail
                );
                e
            }));
        }
        let certain = !grant.conditional && !step.uncertain();
        let edge = AWS_ADMIN.edge_with(
            step.likelihood(AWS_ADMIN.likelihood),
            step.evidence(p),
            step.remediation(p, "write its own policies"),
        );
        g.add_edge(&p.node_id(), &id::aws_admin(p.account), edge);
        certain
    }

    /// Removing or replacing the principal's own permissions boundary.
    fn boundary_lift(&self, i: usize, ctx: &RequestContext) -> Option<(String, Vec<Granted<'i>>)> {
        let p = self.principal(i)?;
        p.boundary.as_ref()?;
        let (delete, put) = match p.kind {
            PrincipalKind::Role => (
                "iam:DeleteRolePermissionsBoundary",
                "iam:PutRolePermissionsBoundary",
            ),
            PrincipalKind::User => (
                "iam:DeleteUserPermissionsBoundary",
                "iam:PutUserPermissionsBoundary",
            ),
        };
        let tctx = self.with_admin_policy(p, &self.aws.with_resource_tags(ctx.clone(), i));
        for action in [delete, put] {
            if let Some(g) = self.allowed(i, action, p.arn, &tctx) {
                return Some((action.trim_start_matches("iam:").to_string(), vec![g]));
            }
        }
        if let Some(crate::aws::BoundaryRef::Policy(b)) = &p.boundary {
            return self
                .managed_policy_write(i, std::slice::from_ref(b), ctx)
                .map(|(n, c)| (format!("{n} (the permissions boundary)"), c));
        }
        None
    }

    /// `AWS_ASSUME_ROLE` from principal `i`: returns the roles it can assume.
    fn assume(
        &self,
        i: usize,
        admin: bool,
        ctx: &RequestContext,
        g: &mut AttackGraph,
    ) -> Vec<usize> {
        let aws = self.aws;
        let mut out = Vec::new();
        let Some(p) = self.principal(i) else {
            return out;
        };
        let may = aws.may(i, ASSUME_ROLE);
        let named = aws.trust_index.named(p.arn);
        let candidates = if may {
            // The roles its identity Allows name, when it names them literally (plus those
            // whose trust names it), else every role whose trust may admit it.
            let all = aws.trust_index.assume_candidates(p.arn, p.account);
            let mut v = aws.narrow_targets(i, ASSUME_ROLE, all);
            v.extend_from_slice(named);
            v.sort_unstable();
            v.dedup();
            v
        } else {
            // Without an identity Allow only a same-account trust naming it can admit it.
            let mut v = named.to_vec();
            v.sort_unstable();
            v.dedup();
            v
        };
        for r in candidates {
            if r == i {
                continue;
            }
            let Some(role) = self.principal(r) else {
                continue;
            };
            if admin && role.account == p.account {
                continue; // an admin of the account controls its roles already
            }
            let req = Request {
                action: ASSUME_ROLE,
                resource: Some(role.arn),
                principal: Some(RequestPrincipal {
                    kind: "AWS",
                    id: p.arn,
                }),
                context: ctx,
            };
            let Some(trust) = aws.evaluate_trust(r, &req) else {
                continue;
            };
            if !trust.decision().is_possible() {
                continue;
            }
            let rctx = aws.with_resource_tags(ctx.clone(), r);
            let ident_req = Request {
                resource: Some(role.arn),
                principal: None,
                context: &rctx,
                ..req
            };
            let Some(identity) = aws.evaluate(i, &ident_req) else {
                continue;
            };
            let trusted_by_name = role.account == p.account
                && trust
                    .allows
                    .iter()
                    .chain(&trust.conditional_allows)
                    .any(|m| names_exactly(m.statement, p.arn));
            let mut notes = Vec::new();
            let ok = match identity.decision {
                Decision::Allow | Decision::ConditionalAllow => true,
                // The same account's trust naming the principal itself is enough: no
                // identity Allow is needed (an explicit Deny still wins).
                Decision::ImplicitDeny if trusted_by_name => {
                    notes.push(Evidence::new(
                        p.arn,
                        "",
                        format!(
                            "no identity policy allows sts:AssumeRole, but the trust policy of {} (same account) names {} itself, which is enough",
                            role.arn, p.arn
                        ),
                    ).at(p.source));
                    true
                }
                _ => false,
            };
            if !ok {
                continue;
            }
            let trust_uncertain = trust.decision() == Decision::ConditionalAllow
                || !trust.conditional_denies.is_empty();
            let mut likelihood = AWS_ASSUME_ROLE.likelihood;
            if identity.uncertain() || trust_uncertain {
                likelihood *= CONDITIONAL_FACTOR;
            }
            let mut ev = vec![
                Evidence::new(p.arn, "", format!("sts:AssumeRole on {}", role.arn)).at(p.source),
            ];
            if identity.decision.is_possible() {
                ev.extend(identity.evidence());
            }
            let allowing = if trust.allows.is_empty() {
                &trust.conditional_allows
            } else {
                &trust.allows
            };
            for m in allowing {
                ev.extend(m.evidence());
            }
            for d in &trust.conditional_denies {
                let mut e = d.evidence();
                if let Some(last) = e.last_mut() {
                    last.detail = format!(
                        "conditional Deny, applies only if its conditions hold: {}",
                        last.detail
                    );
                }
                ev.extend(e);
            }
            ev.extend(notes);
            let remediation = match allowing.first() {
                Some(m) => format!(
                    "If {} should not assume {}, narrow {} (which admits it), or deny sts:AssumeRole on that role in its policies.",
                    p.arn,
                    role.arn,
                    m.locator()
                ),
                None => AWS_ASSUME_ROLE.remediation.to_string(),
            };
            g.add_edge(
                &p.node_id(),
                &role.node_id(),
                AWS_ASSUME_ROLE.edge_with(likelihood, ev, remediation),
            );
            out.push(r);
        }
        out
    }

    /// `AWS_PRIVESC` to other principals of its account: CreateAccessKey,
    /// Create/UpdateLoginProfile (users), UpdateAssumeRolePolicy (roles). Returns them.
    fn principal_takeovers(
        &self,
        i: usize,
        ctx: &RequestContext,
        g: &mut AttackGraph,
    ) -> Vec<usize> {
        let mut out = Vec::new();
        let Some(p) = self.principal(i) else {
            return out;
        };
        let aws = self.aws;
        let user_actions = [
            "iam:CreateAccessKey",
            "iam:CreateLoginProfile",
            "iam:UpdateLoginProfile",
        ];
        let users: &[usize] = self
            .users_by_account
            .get(p.account)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for action in user_actions {
            if !aws.may(i, action) {
                continue;
            }
            for u in aws.narrow_targets(i, action, users.to_vec()) {
                let Some(user) = self.principal(u) else {
                    continue;
                };
                if u == i {
                    continue;
                }
                let uctx = aws.with_resource_tags(ctx.clone(), u);
                let Some(granted) = self.allowed(i, action, user.arn, &uctx) else {
                    continue;
                };
                let mut step = Step::new(action.trim_start_matches("iam:"), vec![granted]);
                if action != "iam:CreateAccessKey" {
                    step.notes.push(Evidence::new(
                        user.arn,
                        "",
                        "console password: CreateLoginProfile works only if the user has none, UpdateLoginProfile only if it has one (not in the snapshot)",
                    ));
                }
                self.privesc_edge(p, &user.node_id(), &step, g);
                out.push(u);
            }
        }
        if aws.may(i, "iam:UpdateAssumeRolePolicy") {
            let roles = self
                .roles_by_account
                .get(p.account)
                .cloned()
                .unwrap_or_default();
            for r in aws.narrow_targets(i, "iam:UpdateAssumeRolePolicy", roles) {
                let Some(role) = self.principal(r) else {
                    continue;
                };
                if r == i {
                    continue;
                }
                let rctx = aws.with_resource_tags(ctx.clone(), r);
                let Some(granted) = self.allowed(i, "iam:UpdateAssumeRolePolicy", role.arn, &rctx)
                else {
                    continue;
                };
                // A rewritten trust naming the principal needs no identity Allow of
                // sts:AssumeRole in the same account, unless one explicitly denies it;
                // then a web identity from an OIDC provider it creates still works.
                let deny = aws
                    .evaluate(
                        i,
                        &Request {
                            action: ASSUME_ROLE,
                            resource: Some(role.arn),
                            principal: None,
                            context: &rctx,
                        },
                    )
                    .is_some_and(|e| e.decision == Decision::ExplicitDeny);
                let step = if deny {
                    let Some(oidc) = self.allowed(
                        i,
                        "iam:CreateOpenIDConnectProvider",
                        &format!("arn:{}:iam::{}:oidc-provider/{NEW}", p.partition, p.account),
                        ctx,
                    ) else {
                        continue;
                    };
                    Step::new(
                        "CreateOpenIDConnectProvider+UpdateAssumeRolePolicy",
                        vec![oidc, granted],
                    )
                } else {
                    Step::new("UpdateAssumeRolePolicy", vec![granted])
                };
                self.privesc_edge(p, &role.node_id(), &step, g);
                out.push(r);
            }
        }
        out
    }

    /// `AWS_PRIVESC` -> account admin: writing a `*` policy into a principal it can use.
    fn write_policies_of_usable(
        &self,
        i: usize,
        ctx: &RequestContext,
        usable: &[usize],
        g: &mut AttackGraph,
    ) {
        let Some(p) = self.principal(i) else {
            return;
        };
        let mut seen = std::collections::BTreeSet::new();
        for &t in usable {
            if t == i || !seen.insert(t) {
                continue;
            }
            let Some(target) = self.principal(t) else {
                continue;
            };
            let Some((primitive, checks)) = self.policy_write(i, t, ctx) else {
                continue;
            };
            let Some(grant) = self.aws.admin_after_grant(t, false) else {
                continue;
            };
            let mut step = Step::new(format!("{primitive} on {}", target.arn), checks);
            step.notes.push(
                Evidence::new(
                    target.arn,
                    "",
                    format!(
                        "{} can then act as this {} (see its AWS_ASSUME_ROLE / AWS_PRIVESC step)",
                        p.arn,
                        kind(target)
                    ),
                )
                .at(target.source),
            );
            if grant.conditional {
                step.factor *= CONDITIONAL_FACTOR;
            }
            self.privesc_edge(p, &id::aws_admin(target.account), &step, g);
        }
    }

    /// `AWS_PRIVESC` -> account admin: a user adding itself to a group whose policies make
    /// it admin.
    fn add_user_to_group(&self, i: usize, ctx: &RequestContext, g: &mut AttackGraph) {
        let aws = self.aws;
        let Some(p) = self.principal(i) else {
            return;
        };
        if p.kind != PrincipalKind::User || !aws.may(i, "iam:AddUserToGroup") {
            return;
        }
        for &gi in self.groups_by_account.get(p.account).into_iter().flatten() {
            if p.groups.contains(&gi) {
                continue;
            }
            let Some(group) = aws.groups.get(gi) else {
                continue;
            };
            let Some(granted) = self.allowed(i, "iam:AddUserToGroup", group.arn, ctx) else {
                continue;
            };
            let Some(grant) = aws.admin_in_group(i, gi) else {
                continue;
            };
            let mut step = Step::new(format!("AddUserToGroup {}", group.name), vec![granted]);
            if grant.conditional {
                step.factor *= CONDITIONAL_FACTOR;
            }
            for m in &grant.grants {
                step.notes.extend(m.evidence());
            }
            self.privesc_edge(p, &id::aws_admin(p.account), &step, g);
        }
    }

    /// `AWS_PRIVESC` via iam:PassRole to a service that runs code as the role.
    fn pass_role(&self, i: usize, ctx: &RequestContext, admin: bool, g: &mut AttackGraph) {
        let aws = self.aws;
        let Some(p) = self.principal(i) else {
            return;
        };
        if !aws.may(i, "iam:PassRole") {
            return;
        }
        for route in ROUTES {
            let launch = route.alternatives.iter().find_map(|alt| {
                alt.iter()
                    .map(|a| self.allowed(i, a, &self.sentinel(a, p), ctx))
                    .collect::<Option<Vec<_>>>()
            });
            let Some(launch) = launch else {
                continue;
            };
            for r in aws.trust_index.service_candidates(route.service) {
                let Some(role) = self.principal(r) else {
                    continue;
                };
                if r == i || (admin && role.account == p.account) {
                    continue;
                }
                if !self.service_trusts(r, route.service) {
                    continue;
                }
                let mut pctx = aws.with_resource_tags(ctx.clone(), r);
                pctx.set("iam:PassedToService", [route.service]);
                let Some(pass) = self.allowed(i, "iam:PassRole", role.arn, &pctx) else {
                    continue;
                };
                let mut checks: Vec<Granted<'i>> = Vec::new();
                checks.push(pass);
                checks.extend(launch.iter().map(|c| Granted {
                    action: c.action,
                    resource: c.resource.clone(),
                    eval: c.eval.clone(),
                }));
                let mut name = route.name.to_string();
                if route.instance_profile {
                    if role.instance_profiles.is_empty() {
                        let ip = format!(
                            "arn:{}:iam::{}:instance-profile/{NEW}",
                            p.partition, p.account
                        );
                        let Some(c1) = self.allowed(i, "iam:CreateInstanceProfile", &ip, ctx)
                        else {
                            continue;
                        };
                        let Some(c2) = self.allowed(i, "iam:AddRoleToInstanceProfile", &ip, ctx)
                        else {
                            continue;
                        };
                        checks.push(c1);
                        checks.push(c2);
                        name.push_str("+CreateInstanceProfile+AddRoleToInstanceProfile");
                    } else {
                        let names: Vec<&str> = role
                            .instance_profiles
                            .iter()
                            .map(|ip| ip.instance_profile_name.as_str())
                            .collect();
                        let mut step_note = Evidence::new(
                            role.arn,
                            "InstanceProfileList",
                            format!("instance profile(s) {}", names.join(", ")),
                        )
                        .at(role.source);
                        step_note.detail =
                            format!("{} carry the role to an instance", step_note.detail);
                        let mut step = Step::new(name.clone(), checks);
                        step.notes.push(step_note);
                        self.privesc_edge(p, &role.node_id(), &step, g);
                        continue;
                    }
                }
                let step = Step::new(name, checks);
                self.privesc_edge(p, &role.node_id(), &step, g);
            }
        }
    }

    /// Primitives on resources the snapshot does not list: SSM on instances (-> roles with
    /// an instance profile trusting EC2) and Glue UpdateDevEndpoint (-> roles trusting
    /// Glue). Lower likelihood: such an instance or endpoint may not exist.
    /// (lambda:UpdateFunctionCode needs the function's role, and functions are not in the
    /// snapshot: no step.)
    fn unseen_resources(&self, i: usize, ctx: &RequestContext, admin: bool, g: &mut AttackGraph) {
        let Some(p) = self.principal(i) else {
            return;
        };
        let routes: [(&str, &str, &[&'static str], bool, &str); 2] = [
            (
                "SSM on instances",
                "ec2.amazonaws.com",
                &["ssm:SendCommand", "ssm:StartSession"],
                true,
                "the instances are not in the snapshot: any instance running with this role's instance profile (assumed to exist) can be commanded",
            ),
            (
                "Glue UpdateDevEndpoint",
                "glue.amazonaws.com",
                &["glue:UpdateDevEndpoint"],
                false,
                "dev endpoints are not in the snapshot: one running as this role is assumed to exist",
            ),
        ];
        for (name, service, actions, needs_profile, note) in routes {
            let Some(first) = actions.first() else {
                continue;
            };
            let Some(granted) = self.any_allowed(i, actions, &self.sentinel(first, p), ctx) else {
                continue;
            };
            for r in self.aws.trust_index.service_candidates(service) {
                let Some(role) = self.principal(r) else {
                    continue;
                };
                // Same account only (an admin of it controls its roles already).
                if r == i
                    || role.account != p.account
                    || admin
                    || (needs_profile && role.instance_profiles.is_empty())
                    || !self.service_trusts(r, service)
                {
                    continue;
                }
                let mut step = Step::new(
                    name,
                    vec![Granted {
                        action: granted.action,
                        resource: granted.resource.clone(),
                        eval: granted.eval.clone(),
                    }],
                );
                step.factor = UNSEEN_RESOURCE_FACTOR;
                step.notes
                    .push(Evidence::new(role.arn, "", note).at(role.source));
                self.privesc_edge(p, &role.node_id(), &step, g);
            }
        }
    }

    /// `AWS_PRIVESC` -> `cluster-admin`: an access entry for itself with the cluster admin
    /// access policy, on this snapshot's EKS cluster (or any cluster).
    fn eks_access_entry(&self, i: usize, ctx: &RequestContext, g: &mut AttackGraph) {
        let facts = &self.ix.snapshot.facts;
        let eks = facts.provider.as_deref() == Some("eks")
            || facts
                .oidc_issuer
                .as_deref()
                .is_some_and(|i| i.contains(".eks."));
        let Some(p) = self.principal(i) else {
            return;
        };
        if !eks || facts.account.as_deref().is_some_and(|a| a != p.account) {
            return;
        }
        let cluster = self.cluster_arn(p);
        let Some(create) = self.allowed(i, "eks:CreateAccessEntry", &cluster, ctx) else {
            return;
        };
        let mut actx = ctx.clone();
        let policy = format!(
            "arn:{}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            p.partition
        );
        actx.set("eks:policyArn", [policy.as_str()]);
        let Some(assoc) = self.allowed(i, "eks:AssociateAccessPolicy", &cluster, &actx) else {
            return;
        };
        let mut step = Step::new(
            "EKS CreateAccessEntry+AssociateAccessPolicy (AmazonEKSClusterAdminPolicy)",
            vec![create, assoc],
        );
        step.notes.push(Evidence::new(
            cluster.clone(),
            "",
            "works if the cluster's authentication mode includes the EKS API (access entries)",
        ));
        self.privesc_edge(p, id::CLUSTER_ADMIN, &step, g);
    }

    /// The cluster's ARN as far as the facts tell; unknown parts are `*`-only matches.
    fn cluster_arn(&self, p: &Principal<'_>) -> String {
        let facts = &self.ix.snapshot.facts;
        format!(
            "arn:{}:eks:{}:{}:cluster/{}",
            p.partition,
            self.region,
            facts.account.as_deref().unwrap_or(p.account),
            facts.cluster_name.as_deref().unwrap_or(NEW)
        )
    }

    /// The ARN of a resource the escalation would create or act on for this action.
    fn sentinel(&self, action: &str, p: &Principal<'_>) -> String {
        let (service, _) = action.split_once(':').unwrap_or((action, ""));
        let typ = match action {
            "ec2:RunInstances" | "ssm:SendCommand" | "ssm:StartSession" => "instance/",
            "ec2:CreateLaunchTemplate" => "launch-template/",
            "autoscaling:CreateLaunchConfiguration" => {
                "launchConfiguration:*:launchConfigurationName/"
            }
            "autoscaling:CreateAutoScalingGroup" => "autoScalingGroup:*:autoScalingGroupName/",
            "lambda:CreateFunction"
            | "lambda:InvokeFunction"
            | "lambda:CreateEventSourceMapping" => "function:",
            "cloudformation:CreateStack"
            | "cloudformation:UpdateStack"
            | "cloudformation:CreateChangeSet"
            | "cloudformation:ExecuteChangeSet" => "stack/",
            "codebuild:CreateProject" | "codebuild:StartBuild" => "project/",
            "sagemaker:CreateNotebookInstance" => "notebook-instance/",
            "sagemaker:CreateTrainingJob" => "training-job/",
            "sagemaker:CreateProcessingJob" => "processing-job/",
            "glue:CreateDevEndpoint" | "glue:UpdateDevEndpoint" => "devEndpoint/",
            "datapipeline:CreatePipeline" | "datapipeline:PutPipelineDefinition" => "pipeline/",
            "ecs:RegisterTaskDefinition" | "ecs:RunTask" | "ecs:StartTask" => "task-definition/",
            "ecs:CreateService" => "service/",
            "eks:CreatePodIdentityAssociation" => return self.cluster_arn(p),
            _ => "",
        };
        format!(
            "arn:{}:{service}:{}:{}:{typ}{NEW}",
            p.partition, self.region, p.account
        )
    }

    /// Whether role `r`'s trust admits the service principal for `sts:AssumeRole`.
    fn service_trusts(&self, r: usize, service: &str) -> bool {
        let ctx = RequestContext::unknown();
        let req = Request {
            action: ASSUME_ROLE,
            resource: self.principal(r).map(|p| p.arn),
            principal: Some(RequestPrincipal {
                kind: "Service",
                id: service,
            }),
            context: &ctx,
        };
        self.aws
            .evaluate_trust(r, &req)
            .is_some_and(|t| t.decision().is_possible())
    }

    fn privesc_edge(&self, p: &Principal<'_>, to: &str, step: &Step<'_>, g: &mut AttackGraph) {
        let edge = AWS_PRIVESC.edge_with(
            step.likelihood(AWS_PRIVESC.likelihood),
            step.evidence(p),
            step.remediation(p, &format!("use {}", step.primitive)),
        );
        g.add_edge(&p.node_id(), to, edge);
    }
}

fn kind(p: &Principal<'_>) -> &'static str {
    match p.kind {
        PrincipalKind::Role => "role",
        PrincipalKind::User => "user",
    }
}

/// Whether the statement's `Principal` names this ARN itself (not an account or `*`).
fn names_exactly(s: &crate::aws::Statement, arn: &str) -> bool {
    match &s.principal {
        Some((false, PrincipalSet::Map(m))) => m
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("AWS"))
            .flat_map(|(_, v)| v)
            .any(|v| v == arn),
        _ => false,
    }
}

/// Whether a policy version grants admin: `*` on `*`, or every IAM write (`iam:*`) on `*`,
/// unconditionally.
fn grants_admin(doc: &PolicyDocument) -> bool {
    doc.statements.iter().any(|s| {
        s.effect == Effect::Allow
            && s.conditions.is_empty()
            && (s.allows_everything()
                || (s.matches_action("iam:PutRolePolicy")
                    && s.matches_action("iam:PutUserPolicy")
                    && s.matches_action("iam:AttachRolePolicy")
                    && s.matches_resource(Some("*"), &RequestContext::unknown())
                        == crate::aws::Truth::True))
    })
}

#[cfg(test)]
mod tests;
