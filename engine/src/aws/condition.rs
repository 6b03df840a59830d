//! The `Condition` element: operators, the request context they read, and three-valued
//! evaluation. The engine rarely knows the whole request context, so a condition is
//! `Unknown` when it depends on something not known; callers turn that into "possible,
//! lower likelihood" rather than dropping or granting the statement.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::glob;
use super::policy::kind_of;

/// Three-valued truth for statements whose conditions the engine cannot decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl From<bool> for Truth {
    fn from(b: bool) -> Self {
        if b { Truth::True } else { Truth::False }
    }
}

impl Truth {
    pub fn and(self, o: Truth) -> Truth {
        match (self, o) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }
    pub fn or(self, o: Truth) -> Truth {
        match (self, o) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// What is known of a request's context keys. Keys are case-insensitive, as in IAM.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    values: BTreeMap<String, Vec<String>>,
    /// How to read a key that has no value: `None` = every such key is unknown (the
    /// default: the engine rarely sees a whole request); `Some(prefixes)` = only keys under
    /// these lower-case prefixes are unknown, every other key is known to be absent.
    unknown_prefixes: Option<BTreeSet<String>>,
    /// Lower-case prefixes under which a key without a value is known to be absent, even in
    /// an otherwise unknown context (`aws:principaltag/`: the principal's tags are all known).
    absent_prefixes: BTreeSet<String>,
}

/// A key's state in a request context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'c> {
    Present(&'c [String]),
    Absent,
    Unknown,
}

impl RequestContext {
    /// A context where nothing is known: every condition is undecided.
    pub fn unknown() -> Self {
        Self::default()
    }

    /// A context where keys not set (and not under an `unknown_under` prefix) are absent.
    pub fn closed() -> Self {
        RequestContext {
            values: BTreeMap::new(),
            unknown_prefixes: Some(BTreeSet::new()),
            absent_prefixes: BTreeSet::new(),
        }
    }

    pub fn with(mut self, key: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.values.insert(
            key.to_ascii_lowercase(),
            values.into_iter().map(Into::into).collect(),
        );
        self
    }

    /// Keys under this prefix that have no value are unknown rather than absent.
    pub fn unknown_under(mut self, prefix: &str) -> Self {
        if let Some(p) = &mut self.unknown_prefixes {
            p.insert(prefix.to_ascii_lowercase());
        }
        self
    }

    /// Keys under this prefix that have no value are absent, even in an unknown context:
    /// the context holds every value under it (a principal's tags).
    pub fn absent_under(mut self, prefix: &str) -> Self {
        self.absent_prefixes.insert(prefix.to_ascii_lowercase());
        self
    }

    /// Set (or replace) one key.
    pub fn set(&mut self, key: &str, values: impl IntoIterator<Item = impl Into<String>>) {
        self.values.insert(
            key.to_ascii_lowercase(),
            values.into_iter().map(Into::into).collect(),
        );
    }

    pub fn get(&self, key: &str) -> Lookup<'_> {
        let key = key.to_ascii_lowercase();
        if let Some(v) = self.values.get(&key) {
            return Lookup::Present(v);
        }
        if self
            .absent_prefixes
            .iter()
            .any(|p| key.starts_with(p.as_str()))
        {
            return Lookup::Absent;
        }
        match &self.unknown_prefixes {
            None => Lookup::Unknown,
            Some(p) if p.iter().any(|p| key.starts_with(p.as_str())) => Lookup::Unknown,
            Some(_) => Lookup::Absent,
        }
    }

    /// Substitute `${key}` policy variables (documents of Version 2012-10-17). `None` when
    /// a variable is not known, or is one of the `${*}` / `${?}` / `${$}` escapes, which
    /// would need literal wildcards (rare; reported as undecided rather than guessed).
    pub fn substitute(&self, pattern: &str, enabled: bool) -> Option<String> {
        if !enabled || !pattern.contains("${") {
            return Some(pattern.to_string());
        }
        let mut out = String::with_capacity(pattern.len());
        let mut rest = pattern;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}')?;
            let inner = after[..end].trim();
            let (key, default) = match inner.split_once(',') {
                Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\'').to_string())),
                None => (inner, None),
            };
            match (self.get(key), default) {
                (Lookup::Present([v]), _) => out.push_str(v),
                (Lookup::Absent, Some(d)) => out.push_str(&d),
                _ => return None,
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

/// The operators the engine evaluates. Anything else is `Unsupported`: a statement that
/// uses it is conditional (never silently granted, never silently dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorKind {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    Bool,
    Null,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Unsupported,
}

impl OperatorKind {
    fn parse(s: &str) -> OperatorKind {
        match s {
            "StringEquals" => OperatorKind::StringEquals,
            "StringNotEquals" => OperatorKind::StringNotEquals,
            "StringEqualsIgnoreCase" => OperatorKind::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => OperatorKind::StringNotEqualsIgnoreCase,
            "StringLike" => OperatorKind::StringLike,
            "StringNotLike" => OperatorKind::StringNotLike,
            "Bool" => OperatorKind::Bool,
            "Null" => OperatorKind::Null,
            "ArnEquals" => OperatorKind::ArnEquals,
            "ArnLike" => OperatorKind::ArnLike,
            "ArnNotEquals" => OperatorKind::ArnNotEquals,
            "ArnNotLike" => OperatorKind::ArnNotLike,
            _ => OperatorKind::Unsupported,
        }
    }

    fn negated(self) -> bool {
        matches!(
            self,
            OperatorKind::StringNotEquals
                | OperatorKind::StringNotEqualsIgnoreCase
                | OperatorKind::StringNotLike
                | OperatorKind::ArnNotEquals
                | OperatorKind::ArnNotLike
        )
    }

    /// Whether one context value matches one policy value, for the positive form of the
    /// operator.
    fn value_matches(self, policy: &str, value: &str) -> bool {
        match self {
            OperatorKind::StringEquals | OperatorKind::StringNotEquals => policy == value,
            OperatorKind::StringEqualsIgnoreCase | OperatorKind::StringNotEqualsIgnoreCase => {
                policy.to_lowercase() == value.to_lowercase()
            }
            OperatorKind::StringLike | OperatorKind::StringNotLike => glob::matches(policy, value),
            OperatorKind::Bool => policy.eq_ignore_ascii_case(value),
            // ArnEquals and ArnLike behave the same in IAM: each of the six colon-separated
            // parts is matched on its own, with wildcards.
            OperatorKind::ArnEquals
            | OperatorKind::ArnLike
            | OperatorKind::ArnNotEquals
            | OperatorKind::ArnNotLike => {
                let p: Vec<&str> = policy.splitn(6, ':').collect();
                let v: Vec<&str> = value.splitn(6, ':').collect();
                p.len() == 6 && v.len() == 6 && p.iter().zip(&v).all(|(p, v)| glob::matches(p, v))
            }
            OperatorKind::Null | OperatorKind::Unsupported => false,
        }
    }
}

/// One `operator: {key: values}` entry of a Condition block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// As written (`ForAnyValue:StringLikeIfExists`).
    pub operator: String,
    pub set: Option<SetQualifier>,
    pub kind: OperatorKind,
    pub if_exists: bool,
    pub key: String,
    pub values: Vec<String>,
}

impl Condition {
    /// Parse a whole `Condition` element into one entry per (operator, key).
    pub fn parse_block(v: &Value) -> Result<Vec<Condition>, String> {
        let ops = v
            .as_object()
            .ok_or_else(|| format!("{} is not a map of operators", kind_of(v)))?;
        let mut out = Vec::new();
        for (op, keys) in ops {
            let keys = keys
                .as_object()
                .ok_or_else(|| format!("{op}: {} is not a map of keys", kind_of(keys)))?;
            for (key, values) in keys {
                let values = condition_values(values).map_err(|e| format!("{op}.{key}: {e}"))?;
                out.push(Condition::new(op, key, values));
            }
        }
        Ok(out)
    }

    pub fn new(operator: &str, key: &str, values: Vec<String>) -> Condition {
        let (set, rest) = if let Some(r) = operator.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else if let Some(r) = operator.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else {
            (None, operator)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let mut kind = OperatorKind::parse(base);
        // Null takes no IfExists or set qualifier; a policy that adds one is not understood.
        if kind == OperatorKind::Null && (if_exists || set.is_some()) {
            kind = OperatorKind::Unsupported;
        }
        Condition {
            operator: operator.to_string(),
            set,
            kind,
            if_exists,
            key: key.to_string(),
            values,
        }
    }

    /// `StringEquals oidc.example/id/X:sub = system:serviceaccount:a:b`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} = {}",
            self.operator,
            self.key,
            self.values.join(" | ")
        )
    }

    /// Evaluate against a context. `variables`: substitute `${...}` in policy values.
    pub fn evaluate(&self, ctx: &RequestContext, variables: bool) -> Truth {
        if self.kind == OperatorKind::Unsupported {
            return Truth::Unknown;
        }
        let lookup = ctx.get(&self.key);
        if self.kind == OperatorKind::Null {
            let want_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return match lookup {
                Lookup::Unknown => Truth::Unknown,
                Lookup::Absent => Truth::from(want_absent),
                Lookup::Present(_) => Truth::from(!want_absent),
            };
        }
        let present = match lookup {
            Lookup::Unknown => return Truth::Unknown,
            Lookup::Absent => {
                return Truth::from(
                    self.if_exists
                        || self.set == Some(SetQualifier::ForAllValues)
                        || (self.set.is_none() && self.kind.negated()),
                );
            }
            Lookup::Present(v) => v,
        };
        let mut policy = Vec::with_capacity(self.values.len());
        for v in &self.values {
            match ctx.substitute(v, variables) {
                Some(p) => policy.push(p),
                None => return Truth::Unknown,
            }
        }
        // One context value satisfies the operator: the positive forms need any policy
        // value to match (OR), the negated forms need none to match (NOR).
        let one = |value: &String| {
            let hit = policy.iter().any(|p| self.kind.value_matches(p, value));
            hit != self.kind.negated()
        };
        Truth::from(match self.set {
            Some(SetQualifier::ForAllValues) => present.iter().all(one),
            Some(SetQualifier::ForAnyValue) => present.iter().any(one),
            // A single-valued key: positive forms need a match among the values,
            // negated forms need no value to match.
            None if self.kind.negated() => present.iter().all(one),
            None => present.iter().any(one),
        })
    }
}

/// Condition values: a string, a boolean or a number, or a list of those.
fn condition_values(v: &Value) -> Result<Vec<String>, String> {
    fn scalar(v: &Value) -> Result<String, String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(format!(
                "{} is not a string, boolean or number",
                kind_of(other)
            )),
        }
    }
    match v {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => Ok(vec![scalar(other)?]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(op: &str, key: &str, values: &[&str]) -> Condition {
        Condition::new(op, key, values.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn string_operators_match_exactly_by_glob_and_ignoring_case() {
        let ctx = RequestContext::closed().with("k", ["Shop"]);
        assert_eq!(
            c("StringEquals", "K", &["Shop"]).evaluate(&ctx, true),
            Truth::True
        );
        assert_eq!(
            c("StringEquals", "k", &["shop"]).evaluate(&ctx, true),
            Truth::False
        );
        assert_eq!(
            c("StringEqualsIgnoreCase", "k", &["shop"]).evaluate(&ctx, true),
            Truth::True
        );
        assert_eq!(
            c("StringLike", "k", &["S*p"]).evaluate(&ctx, true),
            Truth::True
        );
        assert_eq!(
            c("StringNotLike", "k", &["S*p"]).evaluate(&ctx, true),
            Truth::False
        );
        assert_eq!(
            c("StringNotEquals", "k", &["a", "b"]).evaluate(&ctx, true),
            Truth::True
        );
        assert_eq!(
            c("StringNotEquals", "k", &["a", "Shop"]).evaluate(&ctx, true),
            Truth::False
        );
    }

    #[test]
    fn absent_key_is_false_except_negated_if_exists_and_for_all_values() {
        let ctx = RequestContext::closed();
        assert_eq!(
            c("StringEquals", "k", &["x"]).evaluate(&ctx, true),
            Truth::False
        );
        assert_eq!(
            c("StringNotEquals", "k", &["x"]).evaluate(&ctx, true),
            Truth::True
        );
        assert_eq!(
            c("StringEqualsIfExists", "k", &["x"]).evaluate(&ctx, true),
            Truth::True
        );
        assert_eq!(
            c("ForAllValues:StringEquals", "k", &["x"]).evaluate(&ctx, true),
            Truth::True
        );
        assert_eq!(
            c("ForAnyValue:StringEquals", "k", &["x"]).evaluate(&ctx, true),
            Truth::False
        );
        assert_eq!(c("Null", "k", &["true"]).evaluate(&ctx, true), Truth::True);
        assert_eq!(
            c("Null", "k", &["false"]).evaluate(&ctx, true),
            Truth::False
        );
    }

    #[test]
    fn unknown_key_or_unsupported_operator_is_undecided() {
        let open = RequestContext::unknown();
        assert_eq!(
            c("StringEquals", "aws:SourceVpc", &["v"]).evaluate(&open, true),
            Truth::Unknown
        );
        assert_eq!(
            c("StringEqualsIfExists", "k", &["v"]).evaluate(&open, true),
            Truth::Unknown
        );
        let ctx = RequestContext::closed().with("aws:SourceIp", ["10.0.0.1"]);
        assert_eq!(
            c("IpAddress", "aws:SourceIp", &["10.0.0.0/8"]).evaluate(&ctx, true),
            Truth::Unknown
        );
        assert_eq!(
            c("NullIfExists", "aws:SourceIp", &["true"]).evaluate(&ctx, true),
            Truth::Unknown
        );
        let partly = RequestContext::closed().unknown_under("aws:");
        assert_eq!(
            c("StringEquals", "aws:PrincipalTag/x", &["v"]).evaluate(&partly, true),
            Truth::Unknown
        );
        assert_eq!(
            c("StringEquals", "other:x", &["v"]).evaluate(&partly, true),
            Truth::False
        );
    }

    #[test]
    fn set_qualifiers_quantify_over_multi_valued_keys() {
        let ctx = RequestContext::closed().with("aws:TagKeys", ["a", "b"]);
        assert_eq!(
            c("ForAllValues:StringEquals", "aws:TagKeys", &["a", "b", "c"]).evaluate(&ctx, true),
            Truth::True
        );
        assert_eq!(
            c("ForAllValues:StringEquals", "aws:TagKeys", &["a"]).evaluate(&ctx, true),
            Truth::False
        );
        assert_eq!(
            c("ForAnyValue:StringEquals", "aws:TagKeys", &["b", "z"]).evaluate(&ctx, true),
            Truth::True
        );
        assert_eq!(
            c("ForAnyValue:StringLike", "aws:TagKeys", &["z*"]).evaluate(&ctx, true),
            Truth::False
        );
    }

    #[test]
    fn bool_and_arn_operators() {
        let ctx = RequestContext::closed()
            .with("aws:SecureTransport", ["true"])
            .with("aws:SourceArn", ["arn:aws:s3:::bucket/key"]);
        assert_eq!(
            c("Bool", "aws:SecureTransport", &["True"]).evaluate(&ctx, true),
            Truth::True
        );
        assert_eq!(
            c("Bool", "aws:SecureTransport", &["false"]).evaluate(&ctx, true),
            Truth::False
        );
        assert_eq!(
            c("ArnLike", "aws:SourceArn", &["arn:aws:s3:::bucket/*"]).evaluate(&ctx, true),
            Truth::True
        );
        assert_eq!(
            c("ArnEquals", "aws:SourceArn", &["arn:aws:s3:::other/*"]).evaluate(&ctx, true),
            Truth::False
        );
        assert_eq!(
            c("ArnNotLike", "aws:SourceArn", &["arn:aws:s3:::other/*"]).evaluate(&ctx, true),
            Truth::True
        );
        assert_eq!(
            c("ArnLike", "aws:SourceArn", &["bucket*"]).evaluate(&ctx, true),
            Truth::False
        );
    }

    #[test]
    fn policy_variables_are_substituted_or_undecided() {
        let ctx = RequestContext::closed().with("aws:username", ["alice"]);
        assert_eq!(
            ctx.substitute("home/${aws:username}/*", true).as_deref(),
            Some("home/alice/*")
        );
        assert_eq!(
            ctx.substitute("home/${aws:username}/*", false).as_deref(),
            Some("home/${aws:username}/*")
        );
        assert_eq!(
            ctx.substitute("${aws:userid, 'none'}", true).as_deref(),
            Some("none")
        );
        assert_eq!(
            RequestContext::unknown().substitute("${aws:username}", true),
            None
        );
        assert_eq!(ctx.substitute("${*}", true), None);
    }
}
