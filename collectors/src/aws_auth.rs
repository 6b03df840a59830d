//! The EKS `kube-system/aws-auth` ConfigMap: IAM roles and users mapped to Kubernetes
//! users and groups. Its maps are YAML text inside the ConfigMap's `data`.

use kubepath_engine::Source;
use kubepath_engine::snapshot::{AwsAuth, AwsAuthMapping};
use serde_json::Value;

use crate::yaml::parse_embedded;

pub(crate) const OBJECT: &str = "ConfigMap/kube-system/aws-auth";

/// Whether a (namespace-defaulted) object is the aws-auth ConfigMap.
pub(crate) fn is_aws_auth(value: &Value) -> bool {
    let meta = value.get("metadata");
    value.get("kind").and_then(Value::as_str) == Some("ConfigMap")
        && meta.and_then(|m| m.get("name")).and_then(Value::as_str) == Some("aws-auth")
        && meta
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
            == Some("kube-system")
}

/// A problem with one field of the ConfigMap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub field: String,
    pub message: String,
}

/// Parse the ConfigMap's maps. A bad map is reported and left empty; the others are kept.
pub(crate) fn parse(value: &Value, source: Source) -> (AwsAuth, Vec<FieldError>) {
    let mut errors = Vec::new();
    let data = value.get("data");
    let mut text = |key: &str| -> Option<String> {
        match data.and_then(|d| d.get(key)) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                errors.push(FieldError {
                    field: format!("data.{key}"),
                    message: "must be a string holding YAML".into(),
                });
                None
            }
        }
    };
    let roles = text("mapRoles");
    let users = text("mapUsers");
    let accounts = text("mapAccounts");
    let mut auth = AwsAuth {
        source,
        ..AwsAuth::default()
    };
    auth.map_roles = mappings(roles.as_deref(), "data.mapRoles", &mut errors);
    auth.map_users = mappings(users.as_deref(), "data.mapUsers", &mut errors);
    if let Some(text) = accounts {
        match parse_embedded::<Value>(&text) {
            Ok(Value::Null) => {}
            Ok(Value::Array(items)) => {
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Value::String(s) => auth.map_accounts.push(s),
                        // Account ids are often written unquoted and read as numbers.
                        Value::Number(n) => auth.map_accounts.push(n.to_string()),
                        _ => errors.push(FieldError {
                            field: format!("data.mapAccounts[{i}]"),
                            message: "must be an account id".into(),
                        }),
                    }
                }
            }
            Ok(_) => errors.push(FieldError {
                field: "data.mapAccounts".into(),
                message: "must be a YAML list of account ids".into(),
            }),
            Err(e) => errors.push(FieldError {
                field: "data.mapAccounts".into(),
                message: format!("invalid YAML: {e}"),
            }),
        }
    }
    (auth, errors)
}

fn mappings(text: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Vec<AwsAuthMapping> {
    let Some(text) = text else {
        return Vec::new();
    };
    let value = match parse_embedded::<Value>(text) {
        Ok(Value::Null) => return Vec::new(),
        Ok(v) => v,
        Err(e) => {
            errors.push(FieldError {
                field: field.into(),
                message: format!("invalid YAML: {e}"),
            });
            return Vec::new();
        }
    };
    let Value::Array(items) = value else {
        errors.push(FieldError {
            field: field.into(),
            message: "must be a YAML list of mappings".into(),
        });
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match serde_path_to_error::deserialize::<_, AwsAuthMapping>(item) {
            Ok(m) if m.arn.is_empty() => errors.push(FieldError {
                field: format!("{field}[{i}]"),
                message: "has no rolearn/userarn".into(),
            }),
            Ok(m) => out.push(m),
            Err(e) => {
                let path = e.path().to_string();
                let at = if path == "." {
                    format!("{field}[{i}]")
                } else {
                    format!("{field}[{i}].{path}")
                };
                errors.push(FieldError {
                    field: at,
                    message: e.inner().to_string(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn roles_users_and_accounts_are_read() {
        let cm = json!({"kind":"ConfigMap","metadata":{"name":"aws-auth","namespace":"kube-system"},
            "data":{
            "mapRoles":"- rolearn: arn:aws:iam::111122223333:role/nodes\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n",
            "mapUsers":"- userarn: arn:aws:iam::111122223333:user/alice\n  username: alice\n  groups: [system:masters]\n",
            "mapAccounts":"- \"111122223333\"\n- 444455556666\n"}});
        assert!(is_aws_auth(&cm));
        let (auth, errors) = parse(&cm, Source::default());
        assert_eq!(errors, []);
        assert_eq!(auth.map_roles.len(), 1);
        assert_eq!(
            auth.map_roles[0].arn,
            "arn:aws:iam::111122223333:role/nodes"
        );
        assert_eq!(
            auth.map_roles[0].groups,
            ["system:bootstrappers", "system:nodes"]
        );
        assert_eq!(auth.map_users[0].username.as_deref(), Some("alice"));
        assert_eq!(auth.map_users[0].groups, ["system:masters"]);
        assert_eq!(auth.map_accounts, ["111122223333", "444455556666"]);
    }

    #[test]
    fn malformed_map_roles_is_reported_and_users_still_read() {
        let cm = json!({"kind":"ConfigMap","metadata":{"name":"aws-auth","namespace":"kube-system"},
            "data":{"mapRoles":"- rolearn: [unclosed\n", "mapUsers":"- userarn: arn:aws:iam::1:user/u\n"}});
        let (auth, errors) = parse(&cm, Source::default());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "data.mapRoles");
        assert!(auth.map_roles.is_empty());
        assert_eq!(auth.map_users.len(), 1);
    }

    #[test]
    fn wrong_entry_shape_names_the_entry() {
        let cm = json!({"data":{"mapRoles":"- rolearn: a\n  groups: nope\n- username: x\n"}});
        let (_, errors) = parse(&cm, Source::default());
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["data.mapRoles[0].groups", "data.mapRoles[1]"]);
    }

    #[test]
    fn other_configmaps_are_not_aws_auth() {
        let cm = json!({"kind":"ConfigMap","metadata":{"name":"aws-auth","namespace":"default"}});
        assert!(!is_aws_auth(&cm));
    }
}
