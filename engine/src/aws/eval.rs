//! Evaluation of a request over sets of policies, with the statements that decided it.

use crate::graph::Evidence;
use crate::snapshot::Source;

use super::policy::{Applies, Effect, PolicyDocument, Request, Statement};

/// A policy document and where it came from, for evidence.
#[derive(Debug, Clone)]
pub struct PolicySource<'a> {
    pub name: &'a str,
    /// Set for managed policies.
    pub arn: Option<&'a str>,
    /// The evidence object: the policy ARN (managed) or the owner's ARN (inline, trust).
    pub object: String,
    /// Path of the document inside the object (`RolePolicyList[0].PolicyDocument`,
    /// `PolicyVersionList[1].Document`, `AssumeRolePolicyDocument`).
    pub field: String,
    pub source: &'a Source,
    pub document: &'a PolicyDocument,
}

impl PolicySource<'_> {
    /// `managed policy ARN` or `inline policy NAME`.
    pub fn label(&self) -> String {
        match self.arn {
            Some(arn) => format!("managed policy {arn}"),
            None if self.field == "AssumeRolePolicyDocument" => "trust policy".to_string(),
            None => format!("inline policy {}", self.name),
        }
    }

    pub fn statement_field(&self, index: usize) -> String {
        format!("{}.Statement[{index}]", self.field)
    }
}

/// How a policy reaches a principal: directly (inline), attached, or through a group.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Index into `AwsIndex::policies`.
    pub policy: usize,
    /// The attachment facts (`AttachedManagedPolicies[0]`, `GroupList[1]`), for evidence.
    pub via: Vec<Evidence>,
}

/// One statement that matched a request.
#[derive(Debug, Clone)]
pub struct StatementMatch<'p> {
    pub policy: &'p PolicySource<'p>,
    pub via: &'p [Evidence],
    pub index: usize,
    pub statement: &'p Statement,
    /// Conditions that could not be decided, in words (empty: it applies outright).
    pub unresolved: Vec<String>,
}

impl StatementMatch<'_> {
    /// The attachment evidence, then the statement itself.
    pub fn evidence(&self) -> Vec<Evidence> {
        let mut v = self.via.to_vec();
        let mut detail = format!("{}: {}", self.policy.label(), self.statement.summary());
        if let Some(sid) = &self.statement.sid {
            detail = format!("{detail} (Sid {sid})");
        }
        if !self.unresolved.is_empty() {
            detail.push_str(&format!(
                "; undecided for this request: {}",
                self.unresolved.join("; ")
            ));
        }
        v.push(
            Evidence::new(
                self.policy.object.clone(),
                self.policy.statement_field(self.index),
                detail,
            )
            .at(self.policy.source),
        );
        v
    }

    /// `POLICY Statement[i]`, for remediation text.
    pub fn locator(&self) -> String {
        format!(
            "{} of {} ({})",
            self.policy.statement_field(self.index),
            self.policy.object,
            self.policy.label()
        )
    }
}

/// The outcome of a request, weakest first so that `min` combines policy types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    ExplicitDeny,
    ImplicitDeny,
    /// Allowed only if conditions the engine could not decide hold: possible, less likely.
    ConditionalAllow,
    Allow,
}

impl Decision {
    pub fn is_possible(self) -> bool {
        self >= Decision::ConditionalAllow
    }
}

/// The statements of one set of policies (identity, boundary, trust) that match a request.
#[derive(Debug, Clone, Default)]
pub struct PolicySetResult<'p> {
    pub allows: Vec<StatementMatch<'p>>,
    pub conditional_allows: Vec<StatementMatch<'p>>,
    pub denies: Vec<StatementMatch<'p>>,
    /// Denies whose conditions are undecided: they do not deny, but are noted.
    pub conditional_denies: Vec<StatementMatch<'p>>,
}

impl<'p> PolicySetResult<'p> {
    pub fn evaluate(
        policies: impl IntoIterator<Item = (&'p PolicySource<'p>, &'p [Evidence])>,
        req: &Request<'_>,
    ) -> Self {
        let mut r = PolicySetResult::default();
        for (policy, via) in policies {
            for (index, statement) in policy.document.statements.iter().enumerate() {
                let (applies, unresolved) = match statement.applies(req) {
                    Applies::No => continue,
                    Applies::Yes => (true, Vec::new()),
                    Applies::Conditional(u) => (false, u),
                };
                let m = StatementMatch {
                    policy,
                    via,
                    index,
                    statement,
                    unresolved,
                };
                match (statement.effect, applies) {
                    (Effect::Allow, true) => r.allows.push(m),
                    (Effect::Allow, false) => r.conditional_allows.push(m),
                    (Effect::Deny, true) => r.denies.push(m),
                    (Effect::Deny, false) => r.conditional_denies.push(m),
                }
            }
        }
        r
    }

    pub fn decision(&self) -> Decision {
        if !self.denies.is_empty() {
            Decision::ExplicitDeny
        } else if !self.allows.is_empty() {
            Decision::Allow
        } else if !self.conditional_allows.is_empty() {
            Decision::ConditionalAllow
        } else {
            Decision::ImplicitDeny
        }
    }
}

/// What the permissions boundary said.
#[derive(Debug, Clone)]
pub enum BoundaryResult<'p> {
    Evaluated(PolicySetResult<'p>),
    /// The boundary policy's document is not in the snapshot (its ARN): the request is
    /// possible but not certain.
    Unresolved(&'p str),
}

impl BoundaryResult<'_> {
    pub fn decision(&self) -> Decision {
        match self {
            BoundaryResult::Evaluated(r) => r.decision(),
            BoundaryResult::Unresolved(_) => Decision::ConditionalAllow,
        }
    }
}

/// A principal's decision for one request: identity policies, then the boundary.
#[derive(Debug, Clone)]
pub struct Evaluation<'p> {
    pub decision: Decision,
    pub identity: PolicySetResult<'p>,
    pub boundary: Option<BoundaryResult<'p>>,
}

impl<'p> Evaluation<'p> {
    /// Explicit Deny anywhere wins; otherwise the identity policies must allow and so must
    /// the boundary; the weaker of the two is the answer.
    pub fn combine(identity: PolicySetResult<'p>, boundary: Option<BoundaryResult<'p>>) -> Self {
        let id = identity.decision();
        let decision = match &boundary {
            None => id,
            Some(b) => {
                let bd = b.decision();
                if id == Decision::ExplicitDeny || bd == Decision::ExplicitDeny {
                    Decision::ExplicitDeny
                } else {
                    id.min(bd)
                }
            }
        };
        Evaluation {
            decision,
            identity,
            boundary,
        }
    }
}
