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

/// A principal's decision for one request: identity policies, the boundary, and the
/// service control policies when any were given.
#[derive(Debug, Clone)]
pub struct Evaluation<'p> {
    pub decision: Decision,
    pub identity: PolicySetResult<'p>,
    pub boundary: Option<BoundaryResult<'p>>,
    /// The service control policies, as one set (any Deny wins, some Allow is needed).
    pub scp: Option<PolicySetResult<'p>>,
}

impl<'p> Evaluation<'p> {
    /// Explicit Deny anywhere wins; otherwise the identity policies must allow and so must
    /// the boundary; the weaker of the two is the answer.
    pub fn combine(identity: PolicySetResult<'p>, boundary: Option<BoundaryResult<'p>>) -> Self {
        Self::combine_all(identity, boundary, None)
    }

    /// As [`Evaluation::combine`], with the service control policies as a third limit.
    pub fn combine_all(
        identity: PolicySetResult<'p>,
        boundary: Option<BoundaryResult<'p>>,
        scp: Option<PolicySetResult<'p>>,
    ) -> Self {
        let mut parts = vec![identity.decision()];
        if let Some(b) = &boundary {
            parts.push(b.decision());
        }
        if let Some(s) = &scp {
            parts.push(s.decision());
        }
        let decision = if parts.contains(&Decision::ExplicitDeny) {
            Decision::ExplicitDeny
        } else {
            parts.into_iter().min().unwrap_or(Decision::ImplicitDeny)
        };
        Evaluation {
            decision,
            identity,
            boundary,
            scp,
        }
    }

    /// Denies whose conditions could not be decided, from every policy set.
    pub fn conditional_denies(&self) -> impl Iterator<Item = &StatementMatch<'p>> {
        let boundary = match &self.boundary {
            Some(BoundaryResult::Evaluated(r)) => Some(r),
            _ => None,
        };
        self.identity
            .conditional_denies
            .iter()
            .chain(boundary.into_iter().flat_map(|b| &b.conditional_denies))
            .chain(self.scp.iter().flat_map(|s| &s.conditional_denies))
    }

    /// Possible but not certain: an Allow rests on undecided conditions (or an unknown
    /// boundary), or a Deny might apply.
    pub fn uncertain(&self) -> bool {
        self.decision == Decision::ConditionalAllow || self.conditional_denies().next().is_some()
    }

    /// The statements that make the request possible (identity Allow, boundary Allow, SCP
    /// Allow), then the Denies that might apply, marked as such.
    pub fn evidence(&self) -> Vec<Evidence> {
        fn allowing<'a, 'p>(r: &'a PolicySetResult<'p>) -> &'a [StatementMatch<'p>] {
            if r.allows.is_empty() {
                &r.conditional_allows
            } else {
                &r.allows
            }
        }
        let mut ev: Vec<Evidence> = allowing(&self.identity)
            .iter()
            .flat_map(StatementMatch::evidence)
            .collect();
        match &self.boundary {
            Some(BoundaryResult::Evaluated(b)) => {
                if let Some(m) = allowing(b).first() {
                    let mut e = m.evidence();
                    if let Some(last) = e.last_mut() {
                        last.detail = format!("permissions boundary allows it: {}", last.detail);
                    }
                    ev.extend(e);
                }
            }
            Some(BoundaryResult::Unresolved(arn)) => ev.push(Evidence::new(
                arn.to_string(),
                "",
                "permissions boundary not in the snapshot: possible only if it allows this",
            )),
            None => {}
        }
        if let Some(s) = &self.scp
            && let Some(m) = allowing(s).first()
        {
            let mut e = m.evidence();
            if let Some(last) = e.last_mut() {
                last.detail = format!("service control policy allows it: {}", last.detail);
            }
            ev.extend(e);
        }
        for d in self.conditional_denies() {
            let mut e = d.evidence();
            if let Some(last) = e.last_mut() {
                last.detail = format!(
                    "conditional Deny, applies only if its conditions hold: {}",
                    last.detail
                );
            }
            ev.extend(e);
        }
        ev
    }
}
