//! IAM policy documents: parsing from JSON and matching one statement against a request.
//!
//! Documents are parsed from `serde_json::Value` by hand rather than derived, so that every
//! shape IAM accepts (a lone statement or a list, a string or a list of strings, bare
//! booleans in conditions) is read, and every shape it rejects gets a message that names
//! the statement and element.

use std::collections::BTreeMap;

use serde_json::Value;

use super::condition::{Condition, RequestContext, Truth};
use super::glob;

/// The policy language version that enables `${...}` policy variables.
const VERSION_2012: &str = "2012-10-17";

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action` / `Resource` / ... (`Match`) or their inverted `Not...` form (`Not`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Patterns {
    Match(Vec<String>),
    Not(Vec<String>),
}

impl Patterns {
    pub fn values(&self) -> &[String] {
        match self {
            Patterns::Match(v) | Patterns::Not(v) => v,
        }
    }
    pub fn is_not(&self) -> bool {
        matches!(self, Patterns::Not(_))
    }
}

/// `Principal` / `NotPrincipal`: `"*"`, or principal type (`AWS`, `Federated`, `Service`,
/// `CanonicalUser`) to identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalSet {
    Any,
    Map(BTreeMap<String, Vec<String>>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    /// As written; matching uses `action_lower`.
    pub action: Patterns,
    /// The action patterns lower-cased once, since actions match case-insensitively.
    action_lower: Vec<String>,
    pub resource: Option<Patterns>,
    pub principal: Option<(bool, PrincipalSet)>,
    pub conditions: Vec<Condition>,
    /// Whether `${...}` policy variables are substituted (document Version 2012-10-17).
    pub variables: bool,
}

/// A principal making a request, as trust policies name it: (`Federated`, provider ARN),
/// (`AWS`, role or user ARN), (`Service`, `ec2.amazonaws.com`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestPrincipal<'r> {
    pub kind: &'r str,
    pub id: &'r str,
}

/// One request to authorize: an action on a resource by a principal, with what is known of
/// the request context.
#[derive(Debug, Clone, Copy)]
pub struct Request<'r> {
    pub action: &'r str,
    /// `None` for trust policies, whose resource is the role itself.
    pub resource: Option<&'r str>,
    /// Set for resource-based and trust policies; identity policies name no principal.
    pub principal: Option<RequestPrincipal<'r>>,
    pub context: &'r RequestContext,
}

/// Whether a statement applies to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applies {
    Yes,
    No,
    /// Action, resource and principal match, but some conditions cannot be decided from
    /// what is known of the request; each entry says which, in words.
    Conditional(Vec<String>),
}

impl PolicyDocument {
    /// Parse a decoded JSON policy document.
    pub fn from_value(v: &Value) -> Result<PolicyDocument, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| format!("policy document is {}, not an object", kind_of(v)))?;
        let version = opt_string(obj.get("Version"), "Version")?;
        let id = opt_string(obj.get("Id"), "Id")?;
        let variables = version.as_deref() == Some(VERSION_2012);
        let statements = match obj.get("Statement") {
            None => return Err("policy document has no Statement".into()),
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    Statement::from_value(s, variables).map_err(|e| format!("Statement[{i}]: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(s) => {
                vec![Statement::from_value(s, variables).map_err(|e| format!("Statement: {e}"))?]
            }
        };
        Ok(PolicyDocument {
            version,
            id,
            statements,
        })
    }
}

impl Statement {
    pub fn from_value(v: &Value, variables: bool) -> Result<Statement, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| format!("statement is {}, not an object", kind_of(v)))?;
        let sid = opt_string(obj.get("Sid"), "Sid")?;
        let effect = match obj.get("Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            Some(other) => return Err(format!("Effect {other:?} is neither Allow nor Deny")),
            None => return Err("no Effect".into()),
        };
        let action = pair(obj, "Action", "NotAction")?.ok_or("neither Action nor NotAction")?;
        let action_lower = action
            .values()
            .iter()
            .map(|a| a.to_ascii_lowercase())
            .collect();
        let resource = pair(obj, "Resource", "NotResource")?;
        let principal = match (obj.get("Principal"), obj.get("NotPrincipal")) {
            (Some(_), Some(_)) => return Err("both Principal and NotPrincipal".into()),
            (Some(p), None) => Some((
                false,
                principal_set(p).map_err(|e| format!("Principal: {e}"))?,
            )),
            (None, Some(p)) => Some((
                true,
                principal_set(p).map_err(|e| format!("NotPrincipal: {e}"))?,
            )),
            (None, None) => None,
        };
        let conditions = match obj.get("Condition") {
            None | Some(Value::Null) => Vec::new(),
            Some(c) => Condition::parse_block(c).map_err(|e| format!("Condition: {e}"))?,
        };
        Ok(Statement {
            sid,
            effect,
            action,
            action_lower,
            resource,
            principal,
            conditions,
            variables,
        })
    }

    /// Whether the statement's action element covers `action` (case-insensitive globs;
    /// inverted for `NotAction`).
    pub fn matches_action(&self, action: &str) -> bool {
        self.matches_action_lowercase(&action.to_ascii_lowercase())
    }

    /// [`Statement::matches_action`] for an action already in lower case (hot loops).
    pub fn matches_action_lowercase(&self, action: &str) -> bool {
        let any = self.action_lower.iter().any(|p| glob::matches(p, action));
        any != self.action.is_not()
    }

    /// Whether the resource element covers `resource` (case-sensitive globs, with policy
    /// variables from the context). A statement without one (trust policies) covers all.
    pub fn matches_resource(&self, resource: Option<&str>, ctx: &RequestContext) -> Truth {
        let (Some(patterns), Some(resource)) = (&self.resource, resource) else {
            return Truth::True;
        };
        let mut any = Truth::False;
        for p in patterns.values() {
            let t = match ctx.substitute(p, self.variables) {
                Some(p) => Truth::from(glob::matches(&p, resource)),
                None => Truth::Unknown,
            };
            any = any.or(t);
        }
        if patterns.is_not() { any.not() } else { any }
    }

    /// Whether the principal element covers the request's principal. Identity policies
    /// (no principal in the request) are not checked; a statement without a principal
    /// never matches a request that names one.
    pub fn matches_principal(&self, principal: Option<RequestPrincipal<'_>>) -> bool {
        let Some(rp) = principal else {
            return true;
        };
        let Some((negated, set)) = &self.principal else {
            return false;
        };
        let hit = match set {
            PrincipalSet::Any => true,
            PrincipalSet::Map(m) => m
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(rp.kind))
                .flat_map(|(_, ids)| ids)
                .any(|id| principal_id_matches(rp.kind, id, rp.id)),
        };
        hit != *negated
    }

    /// Whether the statement applies to the request, and if only maybe, why.
    pub fn applies(&self, req: &Request<'_>) -> Applies {
        if !self.matches_action(req.action) || !self.matches_principal(req.principal) {
            return Applies::No;
        }
        let mut unresolved = Vec::new();
        match self.matches_resource(req.resource, req.context) {
            Truth::False => return Applies::No,
            Truth::Unknown => unresolved.push(format!(
                "resource pattern uses a policy variable not known for this request: {}",
                self.resource
                    .as_ref()
                    .map(|p| p.values().join(", "))
                    .unwrap_or_default()
            )),
            Truth::True => {}
        }
        for c in &self.conditions {
            match c.evaluate(req.context, self.variables) {
                Truth::False => return Applies::No,
                Truth::Unknown => unresolved.push(c.describe()),
                Truth::True => {}
            }
        }
        if unresolved.is_empty() {
            Applies::Yes
        } else {
            Applies::Conditional(unresolved)
        }
    }

    /// Whether this is an Allow of every action on every resource (`Action` `*` or `*:*`,
    /// `Resource` `*`), conditions aside.
    pub fn allows_everything(&self) -> bool {
        let all_actions = match &self.action {
            Patterns::Match(v) => v.iter().any(|p| {
                glob::matches_everything(p)
                    || p.split_once(':').is_some_and(|(s, a)| {
                        glob::matches_everything(s) && glob::matches_everything(a)
                    })
            }),
            Patterns::Not(_) => false,
        };
        let all_resources = matches!(&self.resource,
            Some(Patterns::Match(v)) if v.iter().any(|p| glob::matches_everything(p)));
        self.effect == Effect::Allow && all_actions && all_resources
    }

    /// A short description for evidence: `Allow iam:* on *`.
    pub fn summary(&self) -> String {
        let effect = match self.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        let list = |p: &Patterns| {
            let not = if p.is_not() { "all but " } else { "" };
            format!("{not}{}", p.values().join(","))
        };
        let mut s = format!("{effect} {}", list(&self.action));
        if let Some(r) = &self.resource {
            s.push_str(&format!(" on {}", list(r)));
        }
        if let Some((neg, p)) = &self.principal {
            let who = match p {
                PrincipalSet::Any => "*".to_string(),
                PrincipalSet::Map(m) => m
                    .iter()
                    .map(|(k, v)| format!("{k} {}", v.join(",")))
                    .collect::<Vec<_>>()
                    .join("; "),
            };
            s.push_str(&format!(
                " {} {who}",
                if *neg {
                    "for all principals but"
                } else {
                    "for"
                }
            ));
        }
        if !self.conditions.is_empty() {
            let conds: Vec<String> = self.conditions.iter().map(Condition::describe).collect();
            s.push_str(&format!(" when {}", conds.join(" and ")));
        }
        s
    }
}

/// Principal identifiers: `*` matches anyone of the type; an AWS account id or its `root`
/// ARN stands for every principal of that account.
fn principal_id_matches(kind: &str, pattern: &str, id: &str) -> bool {
    if pattern == "*" || pattern == id {
        return true;
    }
    if kind.eq_ignore_ascii_case("AWS") {
        let account_of = |s: &str| s.split(':').nth(4).map(str::to_string);
        let pattern_account = if pattern.len() == 12 && pattern.bytes().all(|b| b.is_ascii_digit())
        {
            Some(pattern.to_string())
        } else if pattern.ends_with(":root") {
            account_of(pattern)
        } else {
            None
        };
        return pattern_account.is_some() && pattern_account == account_of(id);
    }
    false
}

fn pair(
    obj: &serde_json::Map<String, Value>,
    key: &str,
    not_key: &str,
) -> Result<Option<Patterns>, String> {
    match (obj.get(key), obj.get(not_key)) {
        (Some(_), Some(_)) => Err(format!("both {key} and {not_key}")),
        (Some(v), None) => Ok(Some(Patterns::Match(
            strings(v).map_err(|e| format!("{key}: {e}"))?,
        ))),
        (None, Some(v)) => Ok(Some(Patterns::Not(
            strings(v).map_err(|e| format!("{not_key}: {e}"))?,
        ))),
        (None, None) => Ok(None),
    }
}

fn principal_set(v: &Value) -> Result<PrincipalSet, String> {
    match v {
        Value::String(s) if s == "*" => Ok(PrincipalSet::Any),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| {
                strings(v)
                    .map(|ids| (k.clone(), ids))
                    .map_err(|e| format!("{k}: {e}"))
            })
            .collect::<Result<BTreeMap<_, _>, _>>()
            .map(PrincipalSet::Map),
        other => Err(format!("{} is neither \"*\" nor a map", kind_of(other))),
    }
}

/// A string or a list of strings.
pub(crate) fn strings(v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("list holds {}, not a string", kind_of(i)))
            })
            .collect(),
        other => Err(format!("{} is neither a string nor a list", kind_of(other))),
    }
}

fn opt_string(v: Option<&Value>, what: &str) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("{what} is {}, not a string", kind_of(other))),
    }
}

pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stmt(v: Value) -> Statement {
        Statement::from_value(&v, true).unwrap()
    }

    #[test]
    fn single_statement_object_and_string_elements_are_accepted() {
        let d = PolicyDocument::from_value(&json!({
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        }))
        .unwrap();
        assert_eq!(d.statements.len(), 1);
        assert_eq!(
            d.statements[0].action,
            Patterns::Match(vec!["s3:GetObject".into()])
        );
    }

    #[test]
    fn invalid_statements_are_rejected_with_their_index() {
        let err = PolicyDocument::from_value(&json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Maybe", "Action": "*", "Resource": "*"}
        ]}))
        .unwrap_err();
        assert!(err.starts_with("Statement[1]: Effect"), "{err}");
        assert!(
            Statement::from_value(
                &json!({"Effect": "Allow", "Action": "*", "NotAction": "x"}),
                true
            )
            .is_err()
        );
        assert!(Statement::from_value(&json!({"Effect": "Allow", "Resource": "*"}), true).is_err());
    }

    #[test]
    fn action_globs_are_case_insensitive_with_star_and_question_mark() {
        let s = stmt(
            json!({"Effect": "Allow", "Action": ["IAM:Put*", "s3:Get?bject"], "Resource": "*"}),
        );
        assert!(s.matches_action("iam:PutRolePolicy"));
        assert!(s.matches_action("iam:putuserpolicy"));
        assert!(s.matches_action("S3:GETOBJECT"));
        assert!(!s.matches_action("s3:GetObjectAcl"));
        assert!(!s.matches_action("iam:AttachRolePolicy"));
    }

    #[test]
    fn not_action_and_not_resource_invert_the_match() {
        let ctx = RequestContext::default();
        let s = stmt(
            json!({"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"}),
        );
        assert!(!s.matches_action("iam:CreateUser"));
        assert!(s.matches_action("s3:GetObject"));
        assert_eq!(
            s.matches_resource(Some("arn:aws:s3:::secret/a"), &ctx),
            Truth::False
        );
        assert_eq!(
            s.matches_resource(Some("arn:aws:s3:::public/a"), &ctx),
            Truth::True
        );
    }

    #[test]
    fn resource_globs_are_case_sensitive() {
        let ctx = RequestContext::default();
        let s =
            stmt(json!({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:iam::*:role/App*"}));
        assert_eq!(
            s.matches_resource(Some("arn:aws:iam::1:role/AppX"), &ctx),
            Truth::True
        );
        assert_eq!(
            s.matches_resource(Some("arn:aws:iam::1:role/appx"), &ctx),
            Truth::False
        );
    }

    #[test]
    fn allow_everything_requires_star_action_and_star_resource() {
        assert!(
            stmt(json!({"Effect": "Allow", "Action": "*", "Resource": "*"})).allows_everything()
        );
        assert!(
            stmt(json!({"Effect": "Allow", "Action": "*:*", "Resource": ["x", "*"]}))
                .allows_everything()
        );
        assert!(
            !stmt(json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
                .allows_everything()
        );
        assert!(
            !stmt(json!({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}))
                .allows_everything()
        );
        assert!(
            !stmt(json!({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::*"}))
                .allows_everything()
        );
        assert!(
            !stmt(json!({"Effect": "Deny", "Action": "*", "Resource": "*"})).allows_everything()
        );
    }

    #[test]
    fn principal_matching_covers_star_account_root_and_not_principal() {
        let req = |kind, id| Some(RequestPrincipal { kind, id });
        let s = stmt(json!({"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}));
        assert!(s.matches_principal(req("AWS", "arn:aws:iam::111122223333:role/x")));
        assert!(!s.matches_principal(req("AWS", "arn:aws:iam::999999999999:role/x")));
        assert!(!s.matches_principal(req("Federated", "arn:aws:iam::111122223333:root")));
        let any = stmt(json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": "*"}));
        assert!(any.matches_principal(req("Service", "ec2.amazonaws.com")));
        let not = stmt(
            json!({"Effect": "Deny", "Action": "*", "NotPrincipal": {"Service": "ec2.amazonaws.com"}}),
        );
        assert!(!not.matches_principal(req("Service", "ec2.amazonaws.com")));
        assert!(not.matches_principal(req("Service", "lambda.amazonaws.com")));
    }
}
