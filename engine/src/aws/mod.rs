//! AWS IAM: the account model (`aws iam get-account-authorization-details`), policy
//! documents, and the evaluation of requests over a principal's policies.
//!
//! - [`model`]: the serde model of the dump (documents as objects or URL-encoded strings).
//! - [`policy`] / [`condition`] / [`glob`] / [`arn`]: the policy language.
//! - [`eval`]: deciding a request over sets of policies, with the deciding statements.
//! - [`AwsIndex`]: every role and user of every loaded account with its resolved identity
//!   policies, boundary and trust policy; `evaluate`, `admin`, and the web-identity index
//!   the IRSA technique reads.

pub mod actions;
pub mod arn;
pub mod condition;
pub mod eval;
pub mod glob;
pub mod model;
pub mod policy;
pub mod trust;

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

pub use arn::Arn;
pub use condition::{Condition, RequestContext, Truth};
pub use eval::{
    Attachment, BoundaryResult, Decision, Evaluation, PolicySetResult, PolicySource, StatementMatch,
};
pub use model::{
    AttachedPolicy, AuthorizationDetails, Document, GroupDetail, InlinePolicy, InstanceProfile,
    ManagedPolicyDetail, OrganizationsPolicy, OrganizationsPolicyBody, PermissionsBoundary,
    PolicySummary, PolicyVersion, RoleDetail, Tag, UserDetail,
};
pub use policy::{
    Applies, Effect, Patterns, PolicyDocument, PrincipalSet, Request, RequestPrincipal, Statement,
};
pub use trust::TrustIndex;

use crate::graph::{Evidence, id};
use crate::snapshot::{Snapshot, Source, Warning};

/// The service-account annotation that names the IRSA role.
pub const IRSA_ROLE_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
/// The service-account annotation that overrides the token audience.
pub const IRSA_AUDIENCE_ANNOTATION: &str = "eks.amazonaws.com/audience";
/// The audience EKS's pod identity webhook requests by default.
pub const STS_AUDIENCE: &str = "sts.amazonaws.com";
pub const ASSUME_ROLE_WITH_WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";

/// AWS managed policies whose documents are known even when a dump does not carry them
/// (`Policies` only lists what the caller asked for). Matched by name under
/// `arn:PARTITION:iam::aws:policy/`.
static BUILTIN_POLICIES: LazyLock<Vec<(&'static str, PolicyDocument)>> = LazyLock::new(|| {
    let admin = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    });
    PolicyDocument::from_value(&admin)
        .map(|d| vec![("AdministratorAccess", d)])
        .unwrap_or_default()
});
/// The policy an escalating principal would write for itself: `*` on `*`.
static GRANTED_POLICY: LazyLock<Option<PolicyDocument>> = LazyLock::new(|| {
    PolicyDocument::from_value(&serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    }))
    .ok()
});
static BUILTIN_SOURCE: Source = Source {
    file: String::new(),
    document: 0,
    line: None,
};

/// IAM writes and role assumption: an explicit Deny of any of them means a principal that
/// is otherwise allowed `*` cannot take over the account, so it is not admin.
const ADMIN_PROBES: &[(&str, &str)] = &[
    ("iam:AttachRolePolicy", "role"),
    ("iam:PutRolePolicy", "role"),
    ("iam:UpdateAssumeRolePolicy", "role"),
    ("iam:CreateRole", "role"),
    ("iam:PassRole", "role"),
    ("sts:AssumeRole", "role"),
    ("iam:AttachUserPolicy", "user"),
    ("iam:PutUserPolicy", "user"),
    ("iam:CreateUser", "user"),
    ("iam:CreateAccessKey", "user"),
    ("iam:CreateLoginProfile", "user"),
    ("iam:AttachGroupPolicy", "group"),
    ("iam:PutGroupPolicy", "group"),
    ("iam:AddUserToGroup", "group"),
    ("iam:CreatePolicyVersion", "policy"),
    ("iam:SetDefaultPolicyVersion", "policy"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKind {
    Role,
    User,
}

#[derive(Debug, Clone)]
pub enum BoundaryRef<'a> {
    Policy(Attachment),
    /// The boundary's ARN, whose document is not in the snapshot.
    Unresolved(&'a str),
}

/// A role or user with everything that decides what it may do.
#[derive(Debug, Clone)]
pub struct Principal<'a> {
    pub kind: PrincipalKind,
    pub arn: &'a str,
    pub name: &'a str,
    pub partition: &'a str,
    pub account: &'a str,
    pub source: &'a Source,
    /// `RoleDetailList[3]` / `UserDetailList[0]` in its file.
    pub field: String,
    /// Inline, attached managed, and (users) their groups' policies.
    pub identity: Vec<Attachment>,
    pub boundary: Option<BoundaryRef<'a>>,
    /// The trust policy (roles), an index into `AwsIndex::policies`.
    pub trust: Option<usize>,
    pub tags: &'a [Tag],
    /// The user's groups: indexes into `AwsIndex::groups`.
    pub groups: Vec<usize>,
    /// The role's instance profiles.
    pub instance_profiles: &'a [InstanceProfile],
}

/// An IAM group: not a graph node (a user's group policies are its own), but the target of
/// group escalation primitives.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    pub arn: &'a str,
    pub name: &'a str,
    pub account: &'a str,
    pub source: &'a Source,
    /// `GroupDetailList[2]`.
    pub field: String,
    pub policies: Vec<Attachment>,
    /// Indexes into `AwsIndex::principals`.
    pub members: Vec<usize>,
}

impl Principal<'_> {
    pub fn node_id(&self) -> String {
        match self.kind {
            PrincipalKind::Role => id::aws_role(self.arn),
            PrincipalKind::User => id::aws_user(self.arn),
        }
    }
}

/// Why a principal is account admin.
#[derive(Debug, Clone)]
pub struct AdminGrant<'p> {
    /// Identity statements that allow `*` on `*` (the unconditional ones when there are).
    pub grants: Vec<StatementMatch<'p>>,
    /// The boundary statement that allows `*` on `*`, when there is a boundary.
    pub boundary: Option<StatementMatch<'p>>,
    /// A boundary whose document is not in the snapshot (its ARN).
    pub boundary_unresolved: Option<&'p str>,
    /// Denies of takeover actions whose conditions are undecided.
    pub conditional_denies: Vec<StatementMatch<'p>>,
    /// Admin only if undecided conditions hold (or the boundary is unknown).
    pub conditional: bool,
}

/// An OIDC provider a trust policy federates with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OidcProvider {
    pub arn: String,
    /// `oidc.eks.REGION.amazonaws.com/id/ID`: the issuer URL without `https://`, which is
    /// also the prefix of its condition keys (`ISSUER:sub`, `ISSUER:aud`).
    pub issuer: String,
    /// The trust names no provider (`Principal: "*"` or `Federated: "*"`); the provider
    /// was inferred from the cluster's issuer or the trust's condition keys.
    pub wildcard: bool,
}

/// A role whose trust policy may allow `sts:AssumeRoleWithWebIdentity`.
#[derive(Debug, Clone)]
pub struct WebIdentityRole {
    /// Index into `AwsIndex::principals`.
    pub principal: usize,
    pub providers: Vec<OidcProvider>,
    /// The only `sub` values any allowing statement admits (every such statement has a
    /// plain `StringEquals` on `...:sub`); `None` when a statement is broader.
    pub exact_subs: Option<BTreeSet<String>>,
}

pub struct AwsIndex<'a> {
    pub snapshot: &'a Snapshot,
    /// Every readable policy document: managed (default version), inline, boundary, trust.
    pub policies: Vec<PolicySource<'a>>,
    /// Every role and user with a valid ARN, in file order.
    pub principals: Vec<Principal<'a>>,
    principal_by_arn: HashMap<&'a str, usize>,
    pub web_identity: Vec<WebIdentityRole>,
    web_identity_by_sub: HashMap<String, Vec<usize>>,
    web_identity_broad: Vec<usize>,
    pub groups: Vec<Group<'a>>,
    /// Service control policies: indexes into `policies`. Empty: none were given, and
    /// nothing is limited by them.
    pub scps: Vec<usize>,
    /// Managed policies by ARN, with their versions (`SetDefaultPolicyVersion`).
    pub managed: HashMap<&'a str, &'a ManagedPolicyDetail>,
    /// Per principal: the tracked actions (`actions::TRACKED`) an identity Allow names.
    action_masks: Vec<u128>,
    /// Roles by the principals and services their trust names.
    pub trust_index: TrustIndex,
    /// [`GRANTED_POLICY`] (in `policies`), the `*`-on-`*` policy an escalation writes.
    granted: Option<Attachment>,
}

/// A warning about an object of an AWS dump.
fn warning(src: &Source, object: &str, field: String, message: String) -> Warning {
    Warning {
        file: src.file.clone(),
        document: (!src.file.is_empty()).then_some(src.document),
        object: Some(object.to_string()),
        field: Some(field),
        message,
    }
}

/// Strip `https://` and a trailing `/` from an OIDC issuer URL.
pub fn normalize_issuer(issuer: &str) -> &str {
    let i = issuer.trim();
    let i = i.strip_prefix("https://").unwrap_or(i);
    i.trim_end_matches('/')
}

/// Builds the index, one account file at a time.
struct Builder<'a> {
    policies: Vec<PolicySource<'a>>,
    managed_by_arn: HashMap<&'a str, usize>,
    builtin_by_arn: HashMap<&'a str, usize>,
    unresolved_reported: BTreeSet<(&'a str, &'a str)>,
    warnings: Vec<Warning>,
}

impl<'a> Builder<'a> {
    /// Add a document, or warn that it cannot be read.
    fn document(
        &mut self,
        doc: Option<&'a Document>,
        meta: (&'a str, Option<&'a str>, String, String),
        src: &'a Source,
        warn_field: String,
    ) -> Option<usize> {
        let (name, arn, object, field) = meta;
        let doc = doc?;
        match &doc.parsed {
            Ok(d) => {
                self.policies.push(PolicySource {
                    name,
                    arn,
                    object,
                    field,
                    source: src,
                    document: d,
                });
                Some(self.policies.len() - 1)
            }
            Err(e) => {
                self.warnings.push(warning(
                    src,
                    &object,
                    warn_field,
                    format!("policy document cannot be read, so it is ignored: {e}"),
                ));
                None
            }
        }
    }

    /// The policy an attached ARN names: from any loaded account's `Policies`, else a
    /// known AWS managed policy; warns (once per file and ARN) when neither.
    fn managed(
        &mut self,
        arn: &'a str,
        src: &'a Source,
        owner: &str,
        field: String,
    ) -> Option<usize> {
        if let Some(&i) = self.managed_by_arn.get(arn) {
            return Some(i);
        }
        if let Some(&i) = self.builtin_by_arn.get(arn) {
            return Some(i);
        }
        let builtin = Arn::parse_iam(arn, "policy").ok().and_then(|a| {
            (a.account == "aws")
                .then(|| BUILTIN_POLICIES.iter().find(|(n, _)| a.resource_id() == *n))
                .flatten()
        });
        if let Some((name, doc)) = builtin {
            self.policies.push(PolicySource {
                name,
                arn: Some(arn),
                object: arn.to_string(),
                field: "PolicyVersionList[default].Document".to_string(),
                source: &BUILTIN_SOURCE,
                document: doc,
            });
            let i = self.policies.len() - 1;
            self.builtin_by_arn.insert(arn, i);
            return Some(i);
        }
        if self.unresolved_reported.insert((src.file.as_str(), arn)) {
            self.warnings.push(warning(
                src,
                owner,
                field,
                format!(
                    "managed policy {arn} is attached but its document is not in the snapshot's Policies list: its permissions are not evaluated"
                ),
            ));
        }
        None
    }
}

impl<'a> AwsIndex<'a> {
    pub fn new(snapshot: &'a Snapshot, warnings: &mut Vec<Warning>) -> Self {
        let mut b = Builder {
            policies: Vec::new(),
            managed_by_arn: HashMap::new(),
            builtin_by_arn: HashMap::new(),
            unresolved_reported: BTreeSet::new(),
            warnings: Vec::new(),
        };
        // Managed policies first, from every account, so attachments resolve across files.
        for details in &snapshot.aws {
            let src = &details.source;
            for (pi, p) in details.policies.iter().enumerate() {
                let field = format!("Policies[{pi}]");
                if let Err(e) = Arn::parse_iam(&p.arn, "policy") {
                    b.warnings
                        .push(warning(src, &p.policy_name, format!("{field}.Arn"), e.0));
                    continue;
                }
                if b.managed_by_arn.contains_key(p.arn.as_str()) {
                    continue;
                }
                let Some((vi, version)) = p.default_version() else {
                    b.warnings.push(warning(
                        src,
                        &p.arn,
                        format!("{field}.PolicyVersionList"),
                        "managed policy has no default version document: its permissions are not evaluated".into(),
                    ));
                    continue;
                };
                let doc_field = format!("PolicyVersionList[{vi}].Document");
                if let Some(i) = b.document(
                    version.document.as_ref(),
                    (
                        &p.policy_name,
                        Some(&p.arn),
                        p.arn.clone(),
                        doc_field.clone(),
                    ),
                    src,
                    format!("{field}.{doc_field}"),
                ) {
                    b.managed_by_arn.insert(&p.arn, i);
                }
            }
        }

        let mut managed = HashMap::new();
        for details in &snapshot.aws {
            for p in &details.policies {
                managed.entry(p.arn.as_str()).or_insert(p);
            }
        }

        let mut principals = Vec::new();
        let mut groups = Vec::new();
        for details in &snapshot.aws {
            index_account(&mut b, details, &mut principals, &mut groups);
        }

        let mut scps = Vec::new();
        for scp in &snapshot.scps {
            let summary = &scp.policy.policy_summary;
            let object = if summary.arn.is_empty() {
                format!("organizations policy {}", summary.name)
            } else {
                summary.arn.clone()
            };
            if !scp.is_scp() {
                b.warnings.push(warning(
                    &scp.source,
                    &object,
                    "Policy.PolicySummary.Type".into(),
                    format!(
                        "organizations policy of type {} is not a service control policy: ignored",
                        summary.kind.as_deref().unwrap_or_default()
                    ),
                ));
                continue;
            }
            if scp.policy.content.is_none() {
                b.warnings.push(warning(
                    &scp.source,
                    &object,
                    "Policy.Content".into(),
                    "service control policy has no Content: ignored".into(),
                ));
                continue;
            }
            if let Some(i) = b.document(
                scp.policy.content.as_ref(),
                (&summary.name, None, object.clone(), "Policy.Content".into()),
                &scp.source,
                "Policy.Content".into(),
            ) {
                scps.push(i);
            }
        }
        let granted = GRANTED_POLICY.as_ref().map(|doc| {
            b.policies.push(PolicySource {
                name: "written by the escalation",
                arn: None,
                object: "policy written by the escalating principal".into(),
                field: String::new(),
                source: &BUILTIN_SOURCE,
                document: doc,
            });
            b.policies.len() - 1
        });

        let mut principal_by_arn = HashMap::new();
        for (i, p) in principals.iter().enumerate() {
            principal_by_arn.entry(p.arn).or_insert(i);
        }

        let mut policy_masks: Vec<Option<u128>> = vec![None; b.policies.len()];
        let action_masks = principals
            .iter()
            .map(|p| {
                p.identity.iter().fold(0u128, |acc, a| {
                    let m = match policy_masks.get(a.policy).copied().flatten() {
                        Some(m) => m,
                        None => {
                            let m = b
                                .policies
                                .get(a.policy)
                                .map(|ps| actions::allow_mask(ps.document))
                                .unwrap_or(0);
                            if let Some(slot) = policy_masks.get_mut(a.policy) {
                                *slot = Some(m);
                            }
                            m
                        }
                    };
                    acc | m
                })
            })
            .collect();
        let mut trust_index = TrustIndex::default();
        for (i, p) in principals.iter().enumerate() {
            if let Some(doc) = p.trust.and_then(|t| b.policies.get(t)) {
                trust_index.add(i, doc.document);
            }
        }

        let mut ix = AwsIndex {
            snapshot,
            policies: b.policies,
            principals,
            principal_by_arn,
            web_identity: Vec::new(),
            web_identity_by_sub: HashMap::new(),
            web_identity_broad: Vec::new(),
            groups,
            scps,
            managed,
            action_masks,
            trust_index,
            granted: granted.map(|policy| Attachment {
                policy,
                via: Vec::new(),
            }),
        };
        ix.index_web_identity();
        warnings.append(&mut b.warnings);
        ix.check_irsa_annotations(warnings);
        ix
    }

    pub fn principal(&self, arn: &str) -> Option<usize> {
        self.principal_by_arn.get(arn).copied()
    }

    /// Every account a loaded dump describes, sorted.
    pub fn accounts(&self) -> BTreeSet<&'a str> {
        self.principals.iter().map(|p| p.account).collect()
    }

    fn sources<'s>(
        &'s self,
        attachments: impl IntoIterator<Item = &'s Attachment>,
    ) -> impl Iterator<Item = (&'s PolicySource<'s>, &'s [Evidence])> {
        attachments
            .into_iter()
            .filter_map(|a| self.policies.get(a.policy).map(|p| (p, a.via.as_slice())))
    }

    fn boundary_result<'s>(
        &'s self,
        p: &'s Principal<'a>,
        req: &Request<'_>,
    ) -> Option<BoundaryResult<'s>> {
        Some(match p.boundary.as_ref()? {
            BoundaryRef::Policy(a) => {
                BoundaryResult::Evaluated(PolicySetResult::evaluate(self.sources([a]), req))
            }
            BoundaryRef::Unresolved(arn) => BoundaryResult::Unresolved(arn),
        })
    }

    /// Whether principal `p` may make the request, under its identity policies, its
    /// permissions boundary and the service control policies.
    pub fn evaluate(&self, p: usize, req: &Request<'_>) -> Option<Evaluation<'_>> {
        let principal = self.principals.get(p)?;
        let identity = PolicySetResult::evaluate(self.sources(&principal.identity), req);
        let boundary = self.boundary_result(principal, req);
        Some(Evaluation::combine_all(
            identity,
            boundary,
            self.evaluate_scps(req),
        ))
    }

    /// The service control policies' answer (`None`: none were given).
    pub fn evaluate_scps(&self, req: &Request<'_>) -> Option<PolicySetResult<'_>> {
        if self.scps.is_empty() {
            return None;
        }
        let sources = self
            .scps
            .iter()
            .filter_map(|&i| self.policies.get(i))
            .map(|p| (p, &[][..]));
        Some(PolicySetResult::evaluate(sources, req))
    }

    /// Whether some identity Allow of principal `p` names `action` (resources and
    /// conditions aside): a cheap filter before [`AwsIndex::evaluate`]. Actions outside
    /// [`actions::TRACKED`] always pass.
    pub fn may(&self, p: usize, action: &str) -> bool {
        match actions::bit(action) {
            Some(bit) => self.action_masks.get(p).is_some_and(|m| m & bit != 0),
            None => true,
        }
    }

    /// The resources principal `p`'s identity Allows of `action` name, when every such
    /// statement names literal ARNs (no wildcard, variable or `NotResource`): the only
    /// possible targets, found by lookup instead of a scan. `None`: any resource may match.
    pub fn literal_resources(&self, p: usize, action: &str) -> Option<Vec<&'a str>> {
        let principal = self.principals.get(p)?;
        let action = action.to_ascii_lowercase();
        let mut out = Vec::new();
        for a in &principal.identity {
            let doc = self.policies.get(a.policy)?.document;
            for s in &doc.statements {
                if s.effect != Effect::Allow || !s.matches_action_lowercase(&action) {
                    continue;
                }
                match &s.resource {
                    Some(Patterns::Match(v))
                        if v.iter()
                            .all(|r| !r.contains(['*', '?']) && !r.contains("${")) =>
                    {
                        out.extend(v.iter().map(String::as_str));
                    }
                    _ => return None,
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    /// Of `candidates` (sorted principal indexes), those principal `p` might act on with
    /// `action`: the literal resources it names when it names only those, else all.
    pub fn narrow_targets(&self, p: usize, action: &str, candidates: Vec<usize>) -> Vec<usize> {
        match self.literal_resources(p, action) {
            Some(arns) if arns.len() < candidates.len() => {
                let mut v: Vec<usize> = arns
                    .iter()
                    .filter_map(|a| self.principal(a))
                    .filter(|i| candidates.binary_search(i).is_ok())
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            }
            _ => candidates,
        }
    }

    /// What is known of a request principal `p` makes: `aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username` (users) and every
    /// `aws:PrincipalTag/KEY` (a tag it lacks is absent). Everything else is unknown.
    pub fn principal_context(&self, p: usize) -> RequestContext {
        let mut ctx = RequestContext::unknown().absent_under("aws:principaltag/");
        let Some(pr) = self.principals.get(p) else {
            return ctx;
        };
        ctx.set("aws:PrincipalArn", [pr.arn]);
        ctx.set("aws:PrincipalAccount", [pr.account]);
        ctx.set("aws:PrincipalIsAWSService", ["false"]);
        match pr.kind {
            PrincipalKind::Role => ctx.set("aws:PrincipalType", ["AssumedRole"]),
            PrincipalKind::User => {
                ctx.set("aws:PrincipalType", ["User"]);
                ctx.set("aws:username", [pr.name]);
            }
        }
        for t in pr.tags {
            ctx.set(&format!("aws:PrincipalTag/{}", t.key), [t.value.as_str()]);
        }
        ctx
    }

    /// `ctx` plus the tags of the target role or user as `aws:ResourceTag/KEY` (a tag it
    /// lacks is absent).
    pub fn with_resource_tags(&self, mut ctx: RequestContext, target: usize) -> RequestContext {
        let Some(t) = self.principals.get(target) else {
            return ctx;
        };
        ctx = ctx.absent_under("aws:resourcetag/");
        for tag in t.tags {
            ctx.set(
                &format!("aws:ResourceTag/{}", tag.key),
                [tag.value.as_str()],
            );
        }
        ctx
    }

    /// The statements of role `p`'s trust policy that match the request (`None`: the role
    /// has no readable trust policy).
    pub fn evaluate_trust(&self, p: usize, req: &Request<'_>) -> Option<PolicySetResult<'_>> {
        let trust = self.principals.get(p)?.trust?;
        let policy = self.policies.get(trust)?;
        Some(PolicySetResult::evaluate([(policy, &[][..])], req))
    }

    /// Whether principal `p` is account admin: an identity statement allows `*` on `*`,
    /// the boundary (if any) does too, and no unconditional Deny blocks an IAM write or
    /// role assumption.
    pub fn admin(&self, p: usize) -> Option<AdminGrant<'_>> {
        let principal = self.principals.get(p)?;
        self.admin_with(
            principal,
            principal.identity.iter(),
            principal.boundary.as_ref(),
        )
    }

    /// Whether principal `p` would be account admin after writing itself a `*`-on-`*`
    /// policy: its boundary (unless lifted), its existing Denies and the service control
    /// policies still apply.
    pub fn admin_after_grant(&self, p: usize, lift_boundary: bool) -> Option<AdminGrant<'_>> {
        let principal = self.principals.get(p)?;
        let granted = self.granted.as_ref()?;
        let written = self.policies.get(granted.policy)?;
        let boundary = if lift_boundary {
            None
        } else {
            principal.boundary.as_ref()
        };
        let identity = principal.identity.iter().chain([granted]);
        self.admin_with(principal, identity, boundary).map(|mut g| {
            // The written policy is no statement of the snapshot: keep only the facts.
            g.grants.retain(|m| !std::ptr::eq(m.policy, written));
            g
        })
    }

    /// Whether user `p` would be account admin as a member of group `g`.
    pub fn admin_in_group(&self, p: usize, g: usize) -> Option<AdminGrant<'_>> {
        let principal = self.principals.get(p)?;
        let group = self.groups.get(g)?;
        let identity = principal.identity.iter().chain(&group.policies);
        self.admin_with(principal, identity, principal.boundary.as_ref())
    }

    fn admin_with<'s>(
        &'s self,
        principal: &'s Principal<'a>,
        identity: impl Iterator<Item = &'s Attachment> + Clone,
        principal_boundary: Option<&'s BoundaryRef<'a>>,
    ) -> Option<AdminGrant<'s>> {
        let unknown = RequestContext::unknown();
        let (sure, maybe) = allow_all(self.sources(identity.clone()), &unknown);
        let mut conditional = sure.is_empty();
        let grants = if sure.is_empty() { maybe } else { sure };
        if grants.is_empty() {
            return None;
        }

        let mut boundary = None;
        let mut boundary_unresolved = None;
        let mut all_policies: Vec<&Attachment> = identity.collect();
        match principal_boundary {
            None => {}
            Some(BoundaryRef::Unresolved(arn)) => {
                conditional = true;
                boundary_unresolved = Some(*arn);
            }
            Some(BoundaryRef::Policy(a)) => {
                let (mut sure, mut maybe) = allow_all(self.sources([a]), &unknown);
                if sure.is_empty() {
                    conditional = true;
                }
                boundary = Some(if sure.is_empty() {
                    maybe.pop()?
                } else {
                    sure.remove(0)
                });
                all_policies.push(a);
            }
        }

        let mut conditional_denies: Vec<StatementMatch<'_>> = Vec::new();
        for (action, kind) in ADMIN_PROBES {
            let resource = format!(
                "arn:{}:iam::{}:{kind}/kubepath-probe",
                principal.partition, principal.account
            );
            let req = Request {
                action,
                resource: Some(&resource),
                principal: None,
                context: &unknown,
            };
            let r = PolicySetResult::evaluate(self.sources(all_policies.iter().copied()), &req);
            if !r.denies.is_empty() {
                return None;
            }
            if let Some(scp) = self.evaluate_scps(&req) {
                match scp.decision() {
                    Decision::ExplicitDeny | Decision::ImplicitDeny => return None,
                    Decision::ConditionalAllow => conditional = true,
                    Decision::Allow => {}
                }
                for d in scp.conditional_denies {
                    let seen = conditional_denies
                        .iter()
                        .any(|c| std::ptr::eq(c.policy, d.policy) && c.index == d.index);
                    if !seen {
                        conditional_denies.push(d);
                    }
                }
            }
            for d in r.conditional_denies {
                let seen = conditional_denies
                    .iter()
                    .any(|c| std::ptr::eq(c.policy, d.policy) && c.index == d.index);
                if !seen {
                    conditional_denies.push(d);
                }
            }
        }
        Some(AdminGrant {
            grants,
            boundary,
            boundary_unresolved,
            conditional_denies,
            conditional,
        })
    }

    /// Roles whose trust may admit a web-identity token with this `sub`: those indexed
    /// under it, plus those whose trust does not pin `sub` exactly. Sorted, deduplicated.
    pub fn web_identity_candidates(&self, sub: &str) -> Vec<&WebIdentityRole> {
        let mut v: Vec<usize> = self
            .web_identity_by_sub
            .get(sub)
            .into_iter()
            .flatten()
            .chain(&self.web_identity_broad)
            .copied()
            .collect();
        v.sort_unstable();
        v.dedup();
        v.into_iter()
            .filter_map(|i| self.web_identity.get(i))
            .collect()
    }

    fn index_web_identity(&mut self) {
        let facts_issuer = self
            .snapshot
            .facts
            .oidc_issuer
            .as_deref()
            .map(normalize_issuer)
            .filter(|i| !i.is_empty());
        for (pi, p) in self.principals.iter().enumerate() {
            let Some(trust) = p.trust.and_then(|t| self.policies.get(t)) else {
                continue;
            };
            let allowing: Vec<&Statement> = trust
                .document
                .statements
                .iter()
                .filter(|s| {
                    s.effect == Effect::Allow && s.matches_action(ASSUME_ROLE_WITH_WEB_IDENTITY)
                })
                .collect();
            if allowing.is_empty() {
                continue;
            }
            let mut providers = BTreeSet::new();
            let mut exact: Option<BTreeSet<String>> = Some(BTreeSet::new());
            for s in &allowing {
                let federated: Vec<&String> = match &s.principal {
                    Some((false, PrincipalSet::Map(m))) => m
                        .iter()
                        .filter(|(k, _)| k.eq_ignore_ascii_case("Federated"))
                        .flat_map(|(_, v)| v)
                        .collect(),
                    _ => Vec::new(),
                };
                let wildcard = match &s.principal {
                    Some((false, PrincipalSet::Any)) | Some((true, _)) => true,
                    _ => federated.iter().any(|f| f.as_str() == "*"),
                };
                for f in federated {
                    if let Ok(a) = Arn::parse_iam(f, "oidc-provider") {
                        providers.insert(OidcProvider {
                            arn: f.clone(),
                            issuer: a.resource_id().to_string(),
                            wildcard: false,
                        });
                    }
                }
                if wildcard {
                    // No provider named: the cluster's issuer if known, else the issuers
                    // the conditions name (`ISSUER:sub`).
                    let issuers: BTreeSet<String> = match facts_issuer {
                        Some(i) => [i.to_string()].into(),
                        None => s
                            .conditions
                            .iter()
                            .filter_map(|c| c.key.rsplit_once(':'))
                            .filter(|(iss, k)| {
                                iss.contains('.')
                                    && ["sub", "aud"].contains(&k.to_ascii_lowercase().as_str())
                            })
                            .map(|(iss, _)| iss.to_string())
                            .collect(),
                    };
                    for issuer in issuers {
                        providers.insert(OidcProvider {
                            arn: format!(
                                "arn:{}:iam::{}:oidc-provider/{issuer}",
                                p.partition, p.account
                            ),
                            issuer,
                            wildcard: true,
                        });
                    }
                }
                let subs: Vec<&Condition> = s
                    .conditions
                    .iter()
                    .filter(|c| {
                        c.kind == condition::OperatorKind::StringEquals
                            && c.set.is_none()
                            && !c.if_exists
                            && c.key.to_ascii_lowercase().ends_with(":sub")
                            && c.values.iter().all(|v| !v.contains("${"))
                    })
                    .collect();
                match (&mut exact, subs.is_empty()) {
                    (Some(set), false) => {
                        set.extend(subs.iter().flat_map(|c| c.values.iter().cloned()));
                    }
                    _ => exact = None,
                }
            }
            if providers.is_empty() {
                continue;
            }
            let wi = self.web_identity.len();
            match &exact {
                Some(set) => {
                    for sub in set {
                        self.web_identity_by_sub
                            .entry(sub.clone())
                            .or_default()
                            .push(wi);
                    }
                }
                None => self.web_identity_broad.push(wi),
            }
            self.web_identity.push(WebIdentityRole {
                principal: pi,
                providers: providers.into_iter().collect(),
                exact_subs: exact,
            });
        }
    }

    /// IRSA annotations that name a role no loaded account has: the path cannot be
    /// evaluated, which the user should know (only said when some IAM data was loaded).
    fn check_irsa_annotations(&self, warnings: &mut Vec<Warning>) {
        if self.snapshot.aws.is_empty() {
            return;
        }
        for sa in &self.snapshot.service_accounts {
            let Some(arn) = sa.metadata.annotations.get(IRSA_ROLE_ANNOTATION) else {
                continue;
            };
            let object = format!("ServiceAccount/{}/{}", sa.metadata.ns(), sa.metadata.name);
            let field = format!("metadata.annotations[\"{IRSA_ROLE_ANNOTATION}\"]");
            let message = match Arn::parse_iam(arn.trim(), "role") {
                Err(e) => format!("invalid IAM role ARN: {e}"),
                Ok(_) if self.principal(arn.trim()).is_none() => {
                    format!("role ARN not in the IAM snapshot: {arn} (IRSA to it is not evaluated)")
                }
                Ok(_) => continue,
            };
            warnings.push(warning(&sa.source, &object, field, message));
        }
    }
}

/// The decision of a set of service control policies alone (no SCPs: nothing is limited).
/// [`AwsIndex::evaluate`] applies the snapshot's SCPs itself; this is for callers holding
/// documents from elsewhere.
pub fn scp_decision(scps: &[PolicyDocument], req: &Request<'_>) -> Decision {
    if scps.is_empty() {
        return Decision::Allow;
    }
    let sources: Vec<PolicySource<'_>> = scps
        .iter()
        .map(|d| PolicySource {
            name: "service control policy",
            arn: None,
            object: String::new(),
            field: String::new(),
            source: &BUILTIN_SOURCE,
            document: d,
        })
        .collect();
    PolicySetResult::evaluate(sources.iter().map(|s| (s, &[][..])), req).decision()
}

/// The statements that allow `*` on `*`: (unconditional, conditional).
fn allow_all<'s>(
    policies: impl Iterator<Item = (&'s PolicySource<'s>, &'s [Evidence])>,
    unknown: &RequestContext,
) -> (Vec<StatementMatch<'s>>, Vec<StatementMatch<'s>>) {
    let mut sure = Vec::new();
    let mut maybe = Vec::new();
    for (policy, via) in policies {
        for (index, statement) in policy.document.statements.iter().enumerate() {
            if !statement.allows_everything() {
                continue;
            }
            let unresolved: Vec<String> = statement
                .conditions
                .iter()
                .filter(|c| c.evaluate(unknown, statement.variables) != Truth::True)
                .map(Condition::describe)
                .collect();
            let m = StatementMatch {
                policy,
                via,
                index,
                statement,
                unresolved,
            };
            if m.unresolved.is_empty() {
                sure.push(m);
            } else {
                maybe.push(m);
            }
        }
    }
    (sure, maybe)
}

/// Index the roles and users of one account file.
fn index_account<'a>(
    b: &mut Builder<'a>,
    details: &'a AuthorizationDetails,
    principals: &mut Vec<Principal<'a>>,
    all_groups: &mut Vec<Group<'a>>,
) {
    let src = &details.source;
    // Groups: their policies, by name, for the users that list them.
    let mut groups: HashMap<&str, (usize, Vec<Attachment>)> = HashMap::new();
    let mut group_index: HashMap<&str, usize> = HashMap::new();
    for (gi, g) in details.group_detail_list.iter().enumerate() {
        let gfield = format!("GroupDetailList[{gi}]");
        let mut atts = Vec::new();
        attach_inline(
            b,
            src,
            &g.arn,
            &gfield,
            "GroupPolicyList",
            &g.group_policy_list,
            &mut atts,
        );
        for (k, ap) in g.attached_managed_policies.iter().enumerate() {
            let f = format!("AttachedManagedPolicies[{k}]");
            if let Some(i) = b.managed(&ap.policy_arn, src, &g.arn, format!("{gfield}.{f}")) {
                let via =
                    Evidence::new(g.arn.clone(), f, format!("attaches {}", ap.policy_arn)).at(src);
                atts.push(Attachment {
                    policy: i,
                    via: vec![via],
                });
            }
        }
        group_index.insert(&g.group_name, all_groups.len());
        all_groups.push(Group {
            arn: &g.arn,
            name: &g.group_name,
            account: Arn::parse_iam(&g.arn, "group")
                .map(|a| a.account)
                .unwrap_or_default(),
            source: src,
            field: gfield.clone(),
            policies: atts.clone(),
            members: Vec::new(),
        });
        groups.insert(&g.group_name, (gi, atts));
    }

    for (ri, r) in details.role_detail_list.iter().enumerate() {
        let field = format!("RoleDetailList[{ri}]");
        let Some(arn) = valid_arn(b, src, &r.arn, "role", &r.role_name, &field) else {
            continue;
        };
        let mut identity = Vec::new();
        attach_inline(
            b,
            src,
            &r.arn,
            &field,
            "RolePolicyList",
            &r.role_policy_list,
            &mut identity,
        );
        attach_managed(
            b,
            src,
            &r.arn,
            &field,
            &r.attached_managed_policies,
            &mut identity,
        );
        let boundary = boundary(b, src, &r.arn, &field, r.permissions_boundary.as_ref());
        let trust = b.document(
            r.assume_role_policy_document.as_ref(),
            (
                &r.role_name,
                None,
                r.arn.clone(),
                "AssumeRolePolicyDocument".into(),
            ),
            src,
            format!("{field}.AssumeRolePolicyDocument"),
        );
        principals.push(Principal {
            kind: PrincipalKind::Role,
            arn: &r.arn,
            name: &r.role_name,
            partition: arn.partition,
            account: arn.account,
            source: src,
            field,
            identity,
            boundary,
            trust,
            tags: &r.tags,
            groups: Vec::new(),
            instance_profiles: &r.instance_profile_list,
        });
    }

    for (ui, u) in details.user_detail_list.iter().enumerate() {
        let field = format!("UserDetailList[{ui}]");
        let Some(arn) = valid_arn(b, src, &u.arn, "user", &u.user_name, &field) else {
            continue;
        };
        let mut identity = Vec::new();
        let mut member_of = Vec::new();
        attach_inline(
            b,
            src,
            &u.arn,
            &field,
            "UserPolicyList",
            &u.user_policy_list,
            &mut identity,
        );
        attach_managed(
            b,
            src,
            &u.arn,
            &field,
            &u.attached_managed_policies,
            &mut identity,
        );
        for (k, gname) in u.group_list.iter().enumerate() {
            let Some((gi, atts)) = groups.get(gname.as_str()) else {
                b.warnings.push(warning(
                    src,
                    &u.arn,
                    format!("{field}.GroupList[{k}]"),
                    format!(
                        "group {gname:?} is not in GroupDetailList: its policies are not evaluated"
                    ),
                ));
                continue;
            };
            if let Some(&global) = group_index.get(gname.as_str()) {
                member_of.push(global);
            }
            let member = Evidence::new(
                u.arn.clone(),
                format!("GroupList[{k}]"),
                format!("member of group {gname} (GroupDetailList[{gi}])"),
            )
            .at(src);
            for a in atts {
                let mut via = vec![member.clone()];
                via.extend(a.via.iter().cloned());
                identity.push(Attachment {
                    policy: a.policy,
                    via,
                });
            }
        }
        let boundary = boundary(b, src, &u.arn, &field, u.permissions_boundary.as_ref());
        principals.push(Principal {
            kind: PrincipalKind::User,
            arn: &u.arn,
            name: &u.user_name,
            partition: arn.partition,
            account: arn.account,
            source: src,
            field,
            identity,
            boundary,
            trust: None,
            tags: &u.tags,
            groups: member_of.clone(),
            instance_profiles: &[],
        });
        let pi = principals.len() - 1;
        for g in member_of {
            if let Some(group) = all_groups.get_mut(g) {
                group.members.push(pi);
            }
        }
    }
}

fn valid_arn<'a>(
    b: &mut Builder<'a>,
    src: &Source,
    arn: &'a str,
    kind: &str,
    name: &str,
    field: &str,
) -> Option<Arn<'a>> {
    match Arn::parse_iam(arn, kind) {
        Ok(a) if a.account != "aws" => Some(a),
        Ok(_) => {
            b.warnings.push(warning(
                src,
                name,
                format!("{field}.Arn"),
                format!("{kind} ARN names no account: {arn:?}; skipped"),
            ));
            None
        }
        Err(e) => {
            b.warnings.push(warning(
                src,
                name,
                format!("{field}.Arn"),
                format!("{e}; {kind} skipped"),
            ));
            None
        }
    }
}

/// A principal's inline policies (`RolePolicyList`, `UserPolicyList`, `GroupPolicyList`).
fn attach_inline<'a>(
    b: &mut Builder<'a>,
    src: &'a Source,
    owner: &str,
    field: &str,
    list: &str,
    inline: &'a [InlinePolicy],
    out: &mut Vec<Attachment>,
) {
    for (k, ip) in inline.iter().enumerate() {
        let f = format!("{list}[{k}].PolicyDocument");
        let meta = (ip.policy_name.as_str(), None, owner.to_string(), f.clone());
        let warn_field = format!("{field}.{f}");
        if let Some(i) = b.document(ip.policy_document.as_ref(), meta, src, warn_field) {
            out.push(Attachment {
                policy: i,
                via: Vec::new(),
            });
        }
    }
}

fn attach_managed<'a>(
    b: &mut Builder<'a>,
    src: &'a Source,
    owner: &str,
    field: &str,
    attached: &'a [AttachedPolicy],
    out: &mut Vec<Attachment>,
) {
    for (k, ap) in attached.iter().enumerate() {
        let f = format!("AttachedManagedPolicies[{k}]");
        if let Some(i) = b.managed(&ap.policy_arn, src, owner, format!("{field}.{f}")) {
            let via =
                Evidence::new(owner.to_string(), f, format!("attaches {}", ap.policy_arn)).at(src);
            out.push(Attachment {
                policy: i,
                via: vec![via],
            });
        }
    }
}

fn boundary<'a>(
    b: &mut Builder<'a>,
    src: &'a Source,
    owner: &str,
    field: &str,
    pb: Option<&'a PermissionsBoundary>,
) -> Option<BoundaryRef<'a>> {
    let pb = pb.filter(|pb| !pb.permissions_boundary_arn.is_empty())?;
    let arn = pb.permissions_boundary_arn.as_str();
    let f = "PermissionsBoundary.PermissionsBoundaryArn".to_string();
    Some(match b.managed(arn, src, owner, format!("{field}.{f}")) {
        Some(i) => {
            let via =
                Evidence::new(owner.to_string(), f, format!("permissions boundary {arn}")).at(src);
            BoundaryRef::Policy(Attachment {
                policy: i,
                via: vec![via],
            })
        }
        None => BoundaryRef::Unresolved(arn),
    })
}

#[cfg(test)]
mod tests;
