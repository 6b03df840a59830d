//! The EKS API's own objects, as the aws CLI prints them: pod identity associations
//! (`aws eks list-pod-identity-associations`, `describe-pod-identity-association`) and
//! access entries (`list-access-entries`, `describe-access-entry`,
//! `list-associated-access-policies`). Recognised by their top-level keys.

use kubepath_engine::Source;
use kubepath_engine::snapshot::{
    AccessEntry, AssociatedAccessPolicy, EksApi, PodIdentityAssociation,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Which `aws eks` command printed a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Doc {
    ListPodIdentityAssociations,
    DescribePodIdentityAssociation,
    ListAccessEntries,
    DescribeAccessEntry,
    ListAssociatedAccessPolicies,
}

impl Doc {
    /// The command, for warnings.
    pub(crate) fn command(self) -> &'static str {
        match self {
            Doc::ListPodIdentityAssociations => "aws eks list-pod-identity-associations",
            Doc::DescribePodIdentityAssociation => "aws eks describe-pod-identity-association",
            Doc::ListAccessEntries => "aws eks list-access-entries",
            Doc::DescribeAccessEntry => "aws eks describe-access-entry",
            Doc::ListAssociatedAccessPolicies => "aws eks list-associated-access-policies",
        }
    }
}

/// The command that printed `value`, if it is one of those above.
pub(crate) fn recognise(value: &Value) -> Option<Doc> {
    let obj = value.as_object()?;
    if obj.contains_key("kind") {
        return None;
    }
    if obj.get("associations").is_some_and(Value::is_array) {
        Some(Doc::ListPodIdentityAssociations)
    } else if obj.get("association").is_some_and(Value::is_object) {
        Some(Doc::DescribePodIdentityAssociation)
    } else if obj.get("accessEntries").is_some_and(Value::is_array) {
        Some(Doc::ListAccessEntries)
    } else if obj.get("accessEntry").is_some_and(Value::is_object) {
        Some(Doc::DescribeAccessEntry)
    } else if obj.contains_key("associatedAccessPolicies") {
        Some(Doc::ListAssociatedAccessPolicies)
    } else {
        None
    }
}

/// A problem with one field of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub field: String,
    pub message: String,
}

fn decode<T: DeserializeOwned>(v: Value, field: &str) -> Result<T, FieldError> {
    serde_path_to_error::deserialize::<_, T>(v).map_err(|e| {
        let path = e.path().to_string();
        FieldError {
            field: if path == "." {
                field.to_string()
            } else {
                format!("{field}.{path}")
            },
            message: e.inner().to_string(),
        }
    })
}

fn missing(field: String, what: &str) -> FieldError {
    FieldError {
        field,
        message: format!("{what} is missing or empty; entry skipped"),
    }
}

/// Read one recognised document into `api`. Bad entries are reported and skipped; the
/// others are kept.
pub(crate) fn read(doc: Doc, value: Value, source: &Source, api: &mut EksApi) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let Value::Object(mut obj) = value else {
        return errors;
    };
    match doc {
        Doc::ListPodIdentityAssociations | Doc::DescribePodIdentityAssociation => {
            let items: Vec<(String, Value)> = match obj.remove("associations") {
                Some(Value::Array(items)) => items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (format!("associations[{i}]"), v))
                    .collect(),
                _ => obj
                    .remove("association")
                    .map(|v| ("association".to_string(), v))
                    .into_iter()
                    .collect(),
            };
            for (field, v) in items {
                match decode::<PodIdentityAssociation>(v, &field) {
                    Ok(a) if a.namespace.is_empty() || a.service_account.is_empty() => {
                        errors.push(missing(field, "namespace or serviceAccount"));
                    }
                    Ok(mut a) => {
                        a.source = source.clone();
                        a.field = field;
                        api.pod_identity_associations.push(a);
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
        Doc::ListAccessEntries => {
            let Some(Value::Array(items)) = obj.remove("accessEntries") else {
                return errors;
            };
            for (i, v) in items.into_iter().enumerate() {
                let field = format!("accessEntries[{i}]");
                match v {
                    Value::String(arn) if !arn.trim().is_empty() => {
                        api.access_entries.push(AccessEntry {
                            principal_arn: arn.trim().to_string(),
                            source: source.clone(),
                            field,
                            ..AccessEntry::default()
                        });
                    }
                    _ => errors.push(FieldError {
                        field,
                        message: "must be a principal ARN (a non-empty string); skipped".into(),
                    }),
                }
            }
        }
        Doc::DescribeAccessEntry => {
            let Some(v) = obj.remove("accessEntry") else {
                return errors;
            };
            match decode::<AccessEntry>(v, "accessEntry") {
                Ok(e) if e.principal_arn.trim().is_empty() => {
                    errors.push(missing("accessEntry.principalArn".into(), "principalArn"));
                }
                Ok(mut e) => {
                    e.source = source.clone();
                    e.field = "accessEntry".into();
                    api.access_entries.push(e);
                }
                Err(e) => errors.push(e),
            }
        }
        Doc::ListAssociatedAccessPolicies => {
            let text = |obj: &serde_json::Map<String, Value>, k: &str| {
                obj.get(k)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .unwrap_or_default()
                    .to_string()
            };
            let cluster = text(&obj, "clusterName");
            let principal = text(&obj, "principalArn");
            if principal.is_empty() {
                errors.push(missing("principalArn".into(), "principalArn"));
                return errors;
            }
            let items = match obj.remove("associatedAccessPolicies") {
                Some(Value::Array(items)) => items,
                _ => {
                    errors.push(FieldError {
                        field: "associatedAccessPolicies".into(),
                        message: "must be a list; skipped".into(),
                    });
                    return errors;
                }
            };
            for (i, v) in items.into_iter().enumerate() {
                let field = format!("associatedAccessPolicies[{i}]");
                match decode::<AssociatedAccessPolicy>(v, &field) {
                    Ok(p) if p.policy_arn.trim().is_empty() => {
                        errors.push(missing(format!("{field}.policyArn"), "policyArn"));
                    }
                    Ok(mut p) => {
                        p.cluster_name = cluster.clone();
                        p.principal_arn = principal.clone();
                        p.source = source.clone();
                        p.field = field;
                        api.access_policies.push(p);
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
    }
    errors
}

/// An entry that only a `list` command produced and no `describe` completed: the
/// association whose role is not known, with its source and field.
pub(crate) struct Unresolved {
    pub source: Source,
    pub field: String,
    pub message: String,
}

/// Merge `list` and `describe` outputs once every file is read: a described association or
/// entry replaces its listed twin; listed associations with no role are reported (their
/// role is only in `describe` output) and dropped. Sorted for deterministic output.
pub(crate) fn finish(api: &mut EksApi) -> Vec<Unresolved> {
    let mut out = Vec::new();
    let described: Vec<PodIdentityAssociation> = api
        .pod_identity_associations
        .iter()
        .filter(|a| a.role_arn.is_some())
        .cloned()
        .collect();
    let same = |a: &PodIdentityAssociation, b: &PodIdentityAssociation| {
        (a.association_id.is_some() && a.association_id == b.association_id)
            || (a.cluster_name == b.cluster_name
                && a.namespace == b.namespace
                && a.service_account == b.service_account)
    };
    for a in &api.pod_identity_associations {
        if a.role_arn.is_none() && !described.iter().any(|d| same(a, d)) {
            out.push(Unresolved {
                source: a.source.clone(),
                field: a.field.clone(),
                message: format!(
                    "pod identity association for {}/{} lists no role: add `aws eks describe-pod-identity-association --association-id {}` output to evaluate it",
                    a.namespace,
                    a.service_account,
                    a.association_id.as_deref().unwrap_or("ID")
                ),
            });
        }
    }
    api.pod_identity_associations = described;
    api.pod_identity_associations.sort_by(|a, b| {
        (
            &a.cluster_name,
            &a.namespace,
            &a.service_account,
            &a.role_arn,
        )
            .cmp(&(
                &b.cluster_name,
                &b.namespace,
                &b.service_account,
                &b.role_arn,
            ))
    });
    api.pod_identity_associations
        .dedup_by(|a, b| same(a, b) && a.role_arn == b.role_arn);

    // Access entries: a described entry (type, groups) beats a listed ARN.
    let mut entries = std::mem::take(&mut api.access_entries);
    entries.sort_by(|a, b| {
        (&a.principal_arn, a.type_.is_none(), &a.cluster_name).cmp(&(
            &b.principal_arn,
            b.type_.is_none(),
            &b.cluster_name,
        ))
    });
    entries.dedup_by(|later, first| later.principal_arn == first.principal_arn);
    api.access_entries = entries;
    api.access_policies.sort_by(|a, b| {
        (&a.principal_arn, &a.policy_arn, &a.field).cmp(&(
            &b.principal_arn,
            &b.policy_arn,
            &b.field,
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read_one(v: Value) -> (EksApi, Vec<FieldError>) {
        let mut api = EksApi::default();
        let doc = recognise(&v).expect("recognised");
        let errors = read(doc, v, &Source::default(), &mut api);
        (api, errors)
    }

    #[test]
    fn describe_pod_identity_association_is_read_with_its_role() {
        let (api, errors) = read_one(json!({"association": {
            "clusterName": "c", "namespace": "shop", "serviceAccount": "app",
            "roleArn": "arn:aws:iam::1:role/r", "associationArn": "arn:aws:eks:us-east-1:1:podidentityassociation/c/a-1",
            "associationId": "a-1", "tags": {}, "createdAt": "2025-01-01T00:00:00Z"}}));
        assert_eq!(errors, []);
        let a = &api.pod_identity_associations[0];
        assert_eq!(
            (a.namespace.as_str(), a.service_account.as_str()),
            ("shop", "app")
        );
        assert_eq!(a.role_arn.as_deref(), Some("arn:aws:iam::1:role/r"));
        assert_eq!(a.field, "association");
    }

    #[test]
    fn listed_association_without_describe_is_reported() {
        let (mut api, errors) = read_one(json!({"associations": [
            {"clusterName": "c", "namespace": "shop", "serviceAccount": "app", "associationId": "a-1"},
            {"clusterName": "c", "namespace": "", "serviceAccount": "x"}]}));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "associations[1]");
        let unresolved = finish(&mut api);
        assert_eq!(unresolved.len(), 1);
        assert!(
            unresolved[0].message.contains("a-1"),
            "{}",
            unresolved[0].message
        );
        assert!(api.pod_identity_associations.is_empty());
    }

    #[test]
    fn access_entries_policies_and_malformed_fields() {
        let (api, errors) = read_one(json!({"accessEntry": {"clusterName": "c",
            "principalArn": "arn:aws:iam::1:role/admin", "kubernetesGroups": ["ops"],
            "username": "admin", "type": "STANDARD"}}));
        assert_eq!(errors, []);
        assert_eq!(api.access_entries[0].kubernetes_groups, ["ops"]);
        let (api, errors) = read_one(
            json!({"clusterName": "c", "principalArn": "arn:aws:iam::1:role/admin",
            "associatedAccessPolicies": [
                {"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy",
                 "accessScope": {"type": "namespace", "namespaces": ["shop"]}},
                {"policyArn": "x", "accessScope": {"type": "namespace", "namespaces": "shop"}}]}),
        );
        assert_eq!(api.access_policies.len(), 1);
        assert_eq!(api.access_policies[0].access_scope.namespaces, ["shop"]);
        assert_eq!(
            api.access_policies[0].principal_arn,
            "arn:aws:iam::1:role/admin"
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].field,
            "associatedAccessPolicies[1].accessScope.namespaces"
        );
        let (api, errors) = read_one(json!({"accessEntries": ["arn:aws:iam::1:role/a", 7]}));
        assert_eq!(api.access_entries.len(), 1);
        assert_eq!(errors[0].field, "accessEntries[1]");
    }

    #[test]
    fn described_entry_replaces_its_listed_twin() {
        let mut api = EksApi::default();
        for v in [
            json!({"accessEntries": ["arn:aws:iam::1:role/nodes"]}),
            json!({"accessEntry": {"principalArn": "arn:aws:iam::1:role/nodes", "type": "EC2_LINUX"}}),
        ] {
            let d = recognise(&v).expect("recognised");
            read(d, v, &Source::default(), &mut api);
        }
        finish(&mut api);
        assert_eq!(api.access_entries.len(), 1);
        assert!(api.access_entries[0].is_node_entry());
    }
}
