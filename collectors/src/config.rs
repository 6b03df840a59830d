//! `kubepath.yaml`: facts about the estate that no object carries (cluster name, provider,
//! OIDC issuer, account, node roles, instance metadata reachability). Recognised by
//! `apiVersion: kubepath.dev/v1` with `kind: Facts`, or by the file name `kubepath.yaml`
//! (`.yml`); the keys are top-level in both forms.

use kubepath_engine::snapshot::{CoverageGap, Facts, Imds};
use serde::Deserialize;
use serde_json::Value;

pub(crate) const API_VERSION: &str = "kubepath.dev/v1";
pub(crate) const KIND: &str = "Facts";
pub(crate) const FILE_NAMES: [&str; 2] = ["kubepath.yaml", "kubepath.yml"];
pub(crate) const OBJECT: &str = "kubepath.yaml";

/// Whether a document is a `kubepath.dev/v1` `Facts` object.
pub(crate) fn is_facts(value: &Value) -> bool {
    value.get("apiVersion").and_then(Value::as_str) == Some(API_VERSION)
        && value.get("kind").and_then(Value::as_str) == Some(KIND)
}

/// The facts a `kubepath.yaml` states; unset keys leave what other inputs say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct FactsFile {
    cluster_name: Option<String>,
    provider: Option<String>,
    oidc_issuer: Option<String>,
    account: Option<String>,
    cluster_arn: Option<String>,
    authentication_mode: Option<String>,
    node_role_arns: Option<Vec<String>>,
    imds: Option<Imds>,
    region: Option<String>,
    kubernetes_version: Option<String>,
    /// What a live collection could not see (`kubepath collect` writes it).
    coverage: Option<Vec<CoverageGap>>,
    /// The live collection's bookkeeping (the files it wrote); not a fact.
    collection: Option<serde_json::Value>,
}

const KEYS: [&str; 14] = [
    "apiVersion",
    "kind",
    "clusterName",
    "provider",
    "oidcIssuer",
    "account",
    "clusterArn",
    "authenticationMode",
    "nodeRoleArns",
    "imds",
    "region",
    "kubernetesVersion",
    "coverage",
    "collection",
];

impl FactsFile {
    /// The coverage gaps the file records (they go to `Snapshot::coverage`).
    pub(crate) fn take_coverage(&mut self) -> Vec<CoverageGap> {
        self.coverage.take().unwrap_or_default()
    }

    /// The stated facts win over those read from other inputs (`describe-cluster`).
    pub(crate) fn apply(self, facts: &mut Facts) {
        let set = |dst: &mut Option<String>, v: Option<String>| {
            if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
                *dst = Some(v.trim().to_string());
            }
        };
        set(&mut facts.cluster_name, self.cluster_name);
        set(
            &mut facts.provider,
            self.provider.map(|p| p.to_ascii_lowercase()),
        );
        set(&mut facts.oidc_issuer, self.oidc_issuer);
        set(&mut facts.account, self.account);
        set(&mut facts.cluster_arn, self.cluster_arn);
        set(&mut facts.region, self.region);
        set(&mut facts.kubernetes_version, self.kubernetes_version);
        set(
            &mut facts.authentication_mode,
            self.authentication_mode.map(|m| m.to_ascii_uppercase()),
        );
        if let Some(roles) = self.node_role_arns {
            for r in roles {
                let r = r.trim().to_string();
                if !r.is_empty() && !facts.node_role_arns.contains(&r) {
                    facts.node_role_arns.push(r);
                }
            }
        }
        if let Some(imds) = self.imds
            && imds.pods_can_reach.is_some()
        {
            facts.imds = imds;
        }
    }
}

/// A problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub field: String,
    pub message: String,
}

/// Parse a facts document. A wrongly typed field voids the document (reported); unknown
/// keys are reported (likely typos) and ignored.
pub(crate) fn parse(value: Value) -> (Option<FactsFile>, Vec<FieldError>) {
    let mut errors = Vec::new();
    let Some(obj) = value.as_object() else {
        errors.push(FieldError {
            field: String::new(),
            message: "kubepath.yaml must be a map of facts".into(),
        });
        return (None, errors);
    };
    for k in obj.keys().filter(|k| !KEYS.contains(&k.as_str())) {
        errors.push(FieldError {
            field: k.clone(),
            message: format!("unknown fact, ignored (known: {})", KEYS[2..].join(", ")),
        });
    }
    match serde_path_to_error::deserialize::<_, FactsFile>(value) {
        Ok(f) => (Some(f), errors),
        Err(e) => {
            errors.push(FieldError {
                field: e.path().to_string(),
                message: format!("{}; the file's facts are ignored", e.inner()),
            });
            (None, errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn facts_are_read_and_win_over_describe_cluster() {
        let v = json!({"apiVersion": "kubepath.dev/v1", "kind": "Facts", "clusterName": "c",
            "provider": "EKS", "nodeRoleArns": ["arn:aws:iam::1:role/nodes"],
            "imds": {"podsCanReach": false}, "authenticationMode": "api"});
        assert!(is_facts(&v));
        let (f, errors) = parse(v);
        assert_eq!(errors, []);
        let mut facts = Facts {
            cluster_name: Some("old".into()),
            ..Facts::default()
        };
        f.expect("parsed").apply(&mut facts);
        assert_eq!(facts.cluster_name.as_deref(), Some("c"));
        assert_eq!(facts.provider.as_deref(), Some("eks"));
        assert_eq!(facts.authentication_mode.as_deref(), Some("API"));
        assert_eq!(facts.node_role_arns, ["arn:aws:iam::1:role/nodes"]);
        assert_eq!(facts.imds.pods_can_reach, Some(false));
    }

    #[test]
    fn collected_facts_and_coverage_are_read_back() {
        let v = json!({"apiVersion": "kubepath.dev/v1", "kind": "Facts", "region": "eu-west-1",
            "kubernetesVersion": "v1.35.1", "collection": {"files": ["kubernetes/pods.json"]},
            "coverage": [{"source": "kubernetes", "what": "rbac.authorization.k8s.io/v1 RoleBinding",
                          "namespace": "a", "reason": "403 Forbidden", "mayHide": "grants"}]});
        let (f, errors) = parse(v);
        assert_eq!(errors, []);
        let mut f = f.expect("parsed");
        let gaps = f.take_coverage();
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].namespace.as_deref(), Some("a"));
        assert_eq!(gaps[0].may_hide, "grants");
        let mut facts = Facts::default();
        f.apply(&mut facts);
        assert_eq!(facts.region.as_deref(), Some("eu-west-1"));
        assert_eq!(facts.kubernetes_version.as_deref(), Some("v1.35.1"));
    }

    #[test]
    fn wrong_type_and_unknown_keys_name_the_field() {
        let (f, errors) = parse(json!({"imds": {"podsCanReach": "no"}, "nodeRoles": []}));
        assert!(f.is_none());
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["nodeRoles", "imds.podsCanReach"]);
    }
}
