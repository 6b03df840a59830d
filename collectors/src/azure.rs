//! The `az` CLI's JSON (`-o json`) for Azure RBAC, managed identities and AKS, recognised by
//! content (each output is a list of objects, or one object for `show`):
//! - `az role assignment list --all`: items with `principalId`, `roleDefinitionId`, `scope`;
//! - `az role definition list`: items with `roleName` and `permissions`;
//! - `az identity list` / `show`: `type` `Microsoft.ManagedIdentity/userAssignedIdentities`
//!   (or `clientId` + `principalId` and such an id);
//! - `az identity federated-credential list` / `show`: `issuer`, `subject` and an id under
//!   `/federatedIdentityCredentials/`;
//! - `az aks show` (or `az aks list`): `type` `Microsoft.ContainerService/ManagedClusters` or
//!   such an id.
//!
//! Kubernetes objects (with `apiVersion`) are never taken for these.

use std::collections::BTreeMap;
use std::path::Path;

use kubepath_engine::snapshot::{
    AksCluster, FederatedCredential, ManagedIdentity, RoleAssignment, RoleDefinition,
};
use kubepath_engine::{Snapshot, Source, Warning};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Which `az` command printed an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Doc {
    RoleAssignment,
    RoleDefinition,
    Identity,
    FederatedCredential,
    AksCluster,
}

impl Doc {
    fn command(self) -> &'static str {
        match self {
            Doc::RoleAssignment => "az role assignment list",
            Doc::RoleDefinition => "az role definition list",
            Doc::Identity => "az identity list",
            Doc::FederatedCredential => "az identity federated-credential list",
            Doc::AksCluster => "az aks show",
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Doc::RoleAssignment => "AzureRoleAssignment",
            Doc::RoleDefinition => "AzureRoleDefinition",
            Doc::Identity => "AzureManagedIdentity",
            Doc::FederatedCredential => "AzureFederatedCredential",
            Doc::AksCluster => "AksCluster",
        }
    }
}

fn text<'v>(obj: &'v serde_json::Map<String, Value>, key: &str) -> Option<&'v str> {
    obj.get(key).and_then(Value::as_str)
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_ascii_lowercase().contains(needle)
}

/// What one object is, if it is an `az` output item.
fn recognise_item(value: &Value) -> Option<Doc> {
    let obj = value.as_object()?;
    if obj.contains_key("apiVersion") {
        return None;
    }
    let type_ = text(obj, "type").unwrap_or("").to_ascii_lowercase();
    let id = text(obj, "id").unwrap_or("");
    if text(obj, "principalId").is_some()
        && text(obj, "roleDefinitionId").is_some()
        && text(obj, "scope").is_some()
    {
        return Some(Doc::RoleAssignment);
    }
    if text(obj, "roleName").is_some() && obj.get("permissions").is_some_and(Value::is_array) {
        return Some(Doc::RoleDefinition);
    }
    if type_ == "microsoft.managedidentity/userassignedidentities/federatedidentitycredentials"
        || (text(obj, "issuer").is_some()
            && text(obj, "subject").is_some()
            && contains_ci(id, "/federatedidentitycredentials/"))
    {
        return Some(Doc::FederatedCredential);
    }
    if type_ == "microsoft.managedidentity/userassignedidentities"
        || (text(obj, "clientId").is_some()
            && text(obj, "principalId").is_some()
            && contains_ci(id, "/userassignedidentities/"))
    {
        return Some(Doc::Identity);
    }
    if type_ == "microsoft.containerservice/managedclusters"
        || contains_ci(id, "/providers/microsoft.containerservice/managedclusters/")
    {
        return Some(Doc::AksCluster);
    }
    None
}

/// Whether a document is `az` output: one recognised object, or a list whose items all are.
pub(crate) fn recognise(value: &Value) -> Option<Doc> {
    match value {
        Value::Array(items) => {
            let first = recognise_item(items.first()?)?;
            items
                .iter()
                .all(|i| recognise_item(i).is_some())
                .then_some(first)
        }
        _ => recognise_item(value),
    }
}

fn decode<T: DeserializeOwned>(v: Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize::<_, T>(v)
        .map_err(|e| (e.path().to_string(), e.inner().to_string()))
}

/// Read one recognised document into the snapshot; counts what was read into `objects`.
pub(crate) fn load(
    snap: &mut Snapshot,
    objects: &mut BTreeMap<String, usize>,
    file: &Path,
    index: usize,
    value: Value,
) {
    let source = Source {
        file: file.display().to_string(),
        document: index,
        line: None,
    };
    let items: Vec<(String, Value)> = match value {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("[{i}]"), v))
            .collect(),
        v => vec![(String::new(), v)],
    };
    for (field, v) in items {
        let Some(doc) = recognise_item(&v) else {
            continue;
        };
        let result = match doc {
            Doc::RoleAssignment => decode::<RoleAssignment>(v).map(|mut a| {
                a.source = source.clone();
                a.field = field.clone();
                snap.azure.role_assignments.push(a);
            }),
            Doc::RoleDefinition => decode::<RoleDefinition>(v).map(|mut r| {
                r.source = source.clone();
                r.field = field.clone();
                snap.azure.role_definitions.push(r);
            }),
            Doc::Identity => decode::<ManagedIdentity>(v).map(|mut m| {
                m.source = source.clone();
                m.field = field.clone();
                snap.azure.identities.push(m);
            }),
            Doc::FederatedCredential => decode::<FederatedCredential>(v).map(|mut c| {
                c.source = source.clone();
                c.field = field.clone();
                snap.azure.federated_credentials.push(c);
            }),
            Doc::AksCluster => decode::<AksCluster>(v).map(|mut c| {
                c.source = source.clone();
                c.field = field.clone();
                cluster_facts(snap, c);
            }),
        };
        match result {
            Ok(()) => *objects.entry(doc.kind().to_string()).or_default() += 1,
            Err((path, message)) => snap.warnings.push(Warning {
                file: source.file.clone(),
                document: Some(index),
                object: Some(doc.command().into()),
                field: Some(if field.is_empty() {
                    path
                } else {
                    format!("{field}.{path}")
                }),
                message,
            }),
        }
    }
}

/// An AKS cluster: kept, and the first one's name and OIDC issuer become the snapshot's
/// facts (unless already stated). Another cluster (`az aks list`) is kept too, with a warning:
/// one snapshot is one cluster, the one `kubepath.yaml` names (`clusterName`), else the first.
fn cluster_facts(snap: &mut Snapshot, c: AksCluster) {
    if let Some(first) = snap.azure.clusters.first()
        && first.id != c.id
    {
        snap.warnings.push(Warning {
            file: c.source.file.clone(),
            document: Some(c.source.document),
            object: Some(Doc::AksCluster.command().into()),
            field: (!c.field.is_empty()).then(|| c.field.clone()),
            message: format!(
                "another AKS cluster ({}) in one snapshot: the one kubepath.yaml names (clusterName) is analysed, else {}; scan one cluster at a time",
                c.name, first.name
            ),
        });
        snap.azure.clusters.push(c);
        return;
    }
    let facts = &mut snap.facts;
    if facts.provider.is_none() {
        facts.provider = Some("aks".into());
    }
    if facts.cluster_name.is_none() && !c.name.is_empty() {
        facts.cluster_name = Some(c.name.clone());
    }
    if facts.oidc_issuer.is_none() {
        facts.oidc_issuer = c.issuer_url().map(str::to_string);
    }
    snap.azure.clusters.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn az_outputs_are_recognised_by_content() {
        let ra = json!([{"id": "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/1",
            "principalId": "p", "roleDefinitionId": "/x/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            "scope": "/subscriptions/s", "condition": null, "principalName": null}]);
        assert_eq!(recognise(&ra), Some(Doc::RoleAssignment));
        let rd = json!([{"name": "g", "roleName": "r", "permissions": [{"actions": ["*"], "notActions": null}]}]);
        assert_eq!(recognise(&rd), Some(Doc::RoleDefinition));
        let mi = json!({"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "clientId": "c",
            "principalId": "p", "id": "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i"});
        assert_eq!(recognise(&mi), Some(Doc::Identity));
        let fc = json!([{"id": "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i/federatedIdentityCredentials/f",
            "issuer": "https://x/", "subject": "system:serviceaccount:a:b", "audiences": ["api://AzureADTokenExchange"]}]);
        assert_eq!(recognise(&fc), Some(Doc::FederatedCredential));
        let aks = json!({"id": "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/c",
            "kind": "Base", "identityProfile": null, "addonProfiles": null});
        assert_eq!(recognise(&aks), Some(Doc::AksCluster));
        let k8s = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x"}});
        assert_eq!(recognise(&k8s), None);
        assert_eq!(recognise(&json!([k8s, mi])), None);
        assert_eq!(recognise(&json!([])), None);
    }

    #[test]
    fn az_nulls_read_as_defaults_and_bad_items_are_warnings() {
        let mut snap = Snapshot::default();
        let mut objects = BTreeMap::new();
        let v = json!([
            {"principalId": "p", "roleDefinitionId": "r", "scope": "/", "principalName": null, "condition": null},
            {"principalId": "p", "roleDefinitionId": "r", "scope": "/", "principalType": 3}
        ]);
        load(&mut snap, &mut objects, Path::new("ra.json"), 0, v);
        assert_eq!(snap.azure.role_assignments.len(), 1);
        assert_eq!(snap.azure.role_assignments[0].field, "[0]");
        assert_eq!(snap.warnings.len(), 1);
        assert_eq!(snap.warnings[0].field.as_deref(), Some("[1].principalType"));
        assert_eq!(objects.get("AzureRoleAssignment"), Some(&1));
    }
}
