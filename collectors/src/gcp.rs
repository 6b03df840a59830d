//! Google Cloud documents, as `gcloud ... --format=json` prints them, recognised by content:
//!
//! - IAM allow policies: `gcloud projects|organizations get-iam-policy`,
//!   `gcloud resource-manager folders get-iam-policy`, `gcloud iam service-accounts
//!   get-iam-policy` (`{"bindings": [...], "etag", "version"}`). The output does not name
//!   the resource, so: a file named `EMAIL.json` or `EMAIL.iam-policy.json` is that service
//!   account's policy; any other raw policy is a project's, whose project the engine infers
//!   (the only project the other inputs name). The wrapper
//!   `{"project"|"organization"|"folder"|"serviceAccount": ID, "policy": {...}}` names it
//!   outright, and so do `gcloud asset search-all-iam-policies` results
//!   (`{"resource": "//cloudresourcemanager.googleapis.com/projects/P", "policy": {...}}`).
//! - `gcloud iam service-accounts list|describe` (`email`, `name: projects/P/serviceAccounts/EMAIL`).
//! - `gcloud iam roles describe|list` (custom roles: `name: projects/P/roles/R`, `includedPermissions`).
//! - `gcloud projects describe|list` (`projectId`, `projectNumber`).
//! - `gcloud container clusters describe|list` (`selfLink`, `workloadIdentityConfig`, `nodePools`).

use std::collections::BTreeMap;
use std::path::Path;

use kubepath_engine::snapshot::{
    GcpIamPolicy, GcpProject, GcpResource, GcpRole, GcpServiceAccount, GkeCluster,
};
use kubepath_engine::{Snapshot, Source, Warning};
use serde::de::DeserializeOwned;
use serde_json::Value;

const WRAPPER_KEYS: [&str; 4] = ["project", "organization", "folder", "serviceAccount"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Policy,
    Wrapped,
    ServiceAccount,
    Role,
    Project,
    Cluster,
}

fn is_object_without_kind(v: &Value) -> bool {
    v.is_object() && v.get("kind").is_none() && v.get("apiVersion").is_none()
}

fn text<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

fn is_policy(v: &Value) -> bool {
    if !is_object_without_kind(v) {
        return false;
    }
    let bindings = v
        .get("bindings")
        .and_then(Value::as_array)
        .is_some_and(|b| {
            b.iter()
                .all(|x| x.get("role").is_some() && x.get("members").is_some())
        });
    let empty = v.get("bindings").is_none()
        && v.get("etag").is_some_and(Value::is_string)
        && v.as_object().is_some_and(|o| {
            o.keys()
                .all(|k| matches!(k.as_str(), "etag" | "version" | "auditConfigs"))
        });
    bindings || empty
}

fn item(v: &Value) -> Option<Item> {
    if !is_object_without_kind(v) {
        return None;
    }
    if v.get("policy").is_some_and(is_policy)
        && (WRAPPER_KEYS
            .iter()
            .any(|k| v.get(*k).is_some_and(Value::is_string))
            || text(v, "resource").is_some())
    {
        return Some(Item::Wrapped);
    }
    if is_policy(v) {
        return Some(Item::Policy);
    }
    if text(v, "email").is_some()
        && text(v, "name")
            .is_some_and(|n| n.starts_with("projects/") && n.contains("/serviceAccounts/"))
    {
        return Some(Item::ServiceAccount);
    }
    if text(v, "name").is_some_and(is_custom_role_name)
        && (v.get("includedPermissions").is_some()
            || v.get("stage").is_some()
            || v.get("etag").is_some())
    {
        return Some(Item::Role);
    }
    if text(v, "projectId").is_some()
        && (v.get("projectNumber").is_some() || v.get("lifecycleState").is_some())
    {
        return Some(Item::Project);
    }
    let self_link = text(v, "selfLink")
        .is_some_and(|l| l.contains("container.googleapis.com") && l.contains("/clusters/"));
    if self_link
        || (v.get("nodePools").is_some_and(Value::is_array)
            && (v.get("currentMasterVersion").is_some() || v.get("endpoint").is_some()))
    {
        return Some(Item::Cluster);
    }
    None
}

fn is_custom_role_name(n: &str) -> bool {
    let parts: Vec<&str> = n.split('/').collect();
    matches!(
        parts.as_slice(),
        ["projects" | "organizations", _, "roles", _]
    )
}

/// Whether a document is a `gcloud` output this module reads (an object, or a non-empty
/// array of them).
pub(crate) fn recognise(value: &Value) -> bool {
    match value {
        Value::Array(items) => !items.is_empty() && items.iter().all(|i| item(i).is_some()),
        v => item(v).is_some(),
    }
}

/// Read one recognised document into the snapshot.
pub(crate) fn read(
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
    let mut r = Reader {
        snap,
        objects,
        file,
        source,
    };
    match value {
        Value::Array(items) => {
            for (i, v) in items.into_iter().enumerate() {
                r.item(v, &format!("[{i}]"));
            }
        }
        v => r.item(v, ""),
    }
}

struct Reader<'s> {
    snap: &'s mut Snapshot,
    objects: &'s mut BTreeMap<String, usize>,
    file: &'s Path,
    source: Source,
}

impl Reader<'_> {
    fn warn(&mut self, object: &str, field: String, message: String) {
        self.snap.warnings.push(Warning {
            file: self.source.file.clone(),
            document: Some(self.source.document),
            object: Some(object.to_string()),
            field: (!field.is_empty()).then_some(field),
            message,
        });
    }

    fn count(&mut self, kind: &str) {
        *self.objects.entry(kind.to_string()).or_default() += 1;
    }

    fn decode<T: DeserializeOwned>(&mut self, v: Value, object: &str, at: &str) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(v) {
            Ok(t) => Some(t),
            Err(e) => {
                let path = e.path().to_string();
                let field = match (at.is_empty(), path == ".") {
                    (true, _) => path,
                    (false, true) => at.to_string(),
                    (false, false) => format!("{at}.{path}"),
                };
                self.warn(object, field, e.inner().to_string());
                None
            }
        }
    }

    fn item(&mut self, v: Value, at: &str) {
        let Some(kind) = item(&v) else {
            return self.warn(
                "gcloud",
                at.to_string(),
                "not a gcloud document this tool reads; skipped".into(),
            );
        };
        match kind {
            Item::Policy => {
                let resource = match service_account_file(self.file) {
                    Some(email) => GcpResource::ServiceAccount(email),
                    None => GcpResource::UnnamedProject,
                };
                self.policy(v, resource, at.to_string());
            }
            Item::Wrapped => {
                let Some(resource) = wrapped_resource(&v) else {
                    // A policy of another kind of resource (a bucket, a topic): not read.
                    return;
                };
                let field = if at.is_empty() {
                    "policy".to_string()
                } else {
                    format!("{at}.policy")
                };
                let policy = v.get("policy").cloned().unwrap_or(Value::Null);
                self.policy(policy, resource, field);
            }
            Item::ServiceAccount => {
                if let Some(mut sa) =
                    self.decode::<GcpServiceAccount>(v, "gcloud iam service-accounts", at)
                {
                    sa.field = at.to_string();
                    sa.source = self.source.clone();
                    self.snap.gcp.service_accounts.push(sa);
                    self.count("GcpServiceAccount");
                }
            }
            Item::Role => {
                if let Some(mut role) = self.decode::<GcpRole>(v, "gcloud iam roles", at) {
                    role.field = at.to_string();
                    role.source = self.source.clone();
                    self.snap.gcp.roles.push(role);
                    self.count("GcpRole");
                }
            }
            Item::Project => {
                let mut v = v;
                // projectNumber is a string in gcloud's JSON, a number in some exports.
                if let Some(n) = v.get("projectNumber").and_then(Value::as_u64)
                    && let Some(o) = v.as_object_mut()
                {
                    o.insert("projectNumber".into(), Value::String(n.to_string()));
                }
                if let Some(mut p) = self.decode::<GcpProject>(v, "gcloud projects describe", at) {
                    p.source = self.source.clone();
                    self.snap.gcp.projects.push(p);
                    self.count("GcpProject");
                }
            }
            Item::Cluster => {
                if let Some(mut c) =
                    self.decode::<GkeCluster>(v, "gcloud container clusters describe", at)
                {
                    c.source = self.source.clone();
                    self.snap.gcp.clusters.push(c);
                    self.count("GkeCluster");
                }
            }
        }
    }

    fn policy(&mut self, v: Value, resource: GcpResource, field: String) {
        #[derive(serde::Deserialize)]
        struct Raw {
            #[serde(default)]
            bindings: Vec<kubepath_engine::snapshot::GcpBinding>,
        }
        let object = "gcloud get-iam-policy";
        let at = field.clone();
        if let Some(raw) = self.decode::<Raw>(v, object, &at) {
            self.snap.gcp.policies.push(GcpIamPolicy {
                resource,
                bindings: raw.bindings,
                field,
                source: self.source.clone(),
            });
            self.count("GcpIamPolicy");
        }
    }
}

/// The service account a raw policy file is named for: `EMAIL.json`,
/// `EMAIL.iam-policy.json` (or `.yaml`).
fn service_account_file(file: &Path) -> Option<String> {
    let name = file.file_name()?.to_string_lossy().into_owned();
    let stem = [".json", ".yaml", ".yml"]
        .iter()
        .find_map(|e| name.strip_suffix(e))
        .unwrap_or(&name);
    let stem = stem.strip_suffix(".iam-policy").unwrap_or(stem);
    let (local, domain) = stem.split_once('@')?;
    (!local.is_empty() && domain.contains('.')).then(|| stem.to_ascii_lowercase())
}

/// The resource a wrapped policy names: an asset `resource` name (asset search results also
/// carry a `project` key, the project the resource is in), else a wrapper key.
fn wrapped_resource(v: &Value) -> Option<GcpResource> {
    if let Some(resource) = text(v, "resource") {
        let path = resource
            .strip_prefix("//")
            .and_then(|r| r.split_once('/'))
            .map_or(resource, |(_, p)| p);
        let parts: Vec<&str> = path.split('/').collect();
        return match parts.as_slice() {
            ["projects", p] => Some(GcpResource::Project(p.to_string())),
            ["organizations", o] => Some(GcpResource::Organization(o.to_string())),
            ["folders", f] => Some(GcpResource::Folder(f.to_string())),
            ["projects", _, "serviceAccounts", e] => {
                Some(GcpResource::ServiceAccount(e.to_ascii_lowercase()))
            }
            _ => None,
        };
    }
    WRAPPER_KEYS.iter().find_map(|key| {
        let id = text(v, key)?.trim();
        let id = id.rsplit('/').next().unwrap_or(id).to_string();
        Some(match *key {
            "project" => GcpResource::Project(id),
            "organization" => GcpResource::Organization(id),
            "folder" => GcpResource::Folder(id),
            _ => GcpResource::ServiceAccount(id.to_ascii_lowercase()),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn load(file: &str, v: Value) -> Snapshot {
        let mut snap = Snapshot::default();
        let mut objects = BTreeMap::new();
        assert!(recognise(&v), "{v}");
        read(&mut snap, &mut objects, Path::new(file), 0, v);
        snap
    }

    #[test]
    fn raw_policy_is_a_project_policy_unless_the_file_names_an_account() {
        let policy = json!({"bindings": [{"role": "roles/owner", "members": ["user:a@example.com"]}],
            "etag": "BwX=", "version": 1});
        let s = load("iam/project.json", policy.clone());
        assert_eq!(s.gcp.policies[0].resource, GcpResource::UnnamedProject);
        let s = load(
            "iam/ci@demo-123.iam.gserviceaccount.com.iam-policy.json",
            policy,
        );
        assert_eq!(
            s.gcp.policies[0].resource,
            GcpResource::ServiceAccount("ci@demo-123.iam.gserviceaccount.com".into())
        );
    }

    #[test]
    fn wrapped_and_asset_policies_name_their_resource() {
        let s = load(
            "x.json",
            json!({"serviceAccount": "a@p-123456.iam.gserviceaccount.com",
            "policy": {"bindings": [{"role": "roles/iam.workloadIdentityUser",
            "members": ["serviceAccount:p-123456.svc.id.goog[shop/web]"]}]}}),
        );
        assert_eq!(
            s.gcp.policies[0].resource,
            GcpResource::ServiceAccount("a@p-123456.iam.gserviceaccount.com".into())
        );
        assert_eq!(s.gcp.policies[0].field, "policy");
        let s = load(
            "x.json",
            json!([{"resource": "//cloudresourcemanager.googleapis.com/organizations/42",
            "policy": {"bindings": []}, "project": "projects/1"}]),
        );
        assert_eq!(
            s.gcp.policies[0].resource,
            GcpResource::Organization("42".into())
        );
    }

    #[test]
    fn service_account_list_roles_projects_and_clusters_are_read() {
        let s = load(
            "sa.json",
            json!([{"email": "a@p-123456.iam.gserviceaccount.com",
            "name": "projects/p-123456/serviceAccounts/a@p-123456.iam.gserviceaccount.com",
            "projectId": "p-123456", "disabled": false}]),
        );
        assert_eq!(s.gcp.service_accounts.len(), 1);
        let s = load(
            "r.json",
            json!({"name": "projects/p-123456/roles/deployer", "stage": "GA",
            "includedPermissions": ["iam.serviceAccounts.actAs"]}),
        );
        assert_eq!(
            s.gcp.roles[0]
                .included_permissions
                .as_deref()
                .map(<[String]>::len),
            Some(1)
        );
        let s = load(
            "p.json",
            json!({"projectId": "p-123456", "projectNumber": "99", "lifecycleState": "ACTIVE"}),
        );
        assert_eq!(s.gcp.projects[0].project_number.as_deref(), Some("99"));
        let s = load(
            "c.json",
            json!({"name": "prod", "selfLink":
            "https://container.googleapis.com/v1/projects/p-123456/locations/europe-west1/clusters/prod",
            "nodePools": [{"name": "default-pool", "config": {"serviceAccount": "default",
            "workloadMetadataConfig": {"mode": "GCE_METADATA"}}}]}),
        );
        assert_eq!(s.gcp.clusters[0].node_pools[0].name, "default-pool");
    }

    #[test]
    fn kubernetes_objects_and_aws_documents_are_not_gcloud() {
        assert!(!recognise(
            &json!({"kind": "RoleBinding", "apiVersion": "v1", "bindings": []})
        ));
        assert!(!recognise(&json!({"RoleDetailList": []})));
        assert!(!recognise(&json!([])));
    }

    #[test]
    fn a_malformed_binding_is_a_warning_naming_the_field() {
        let s = load(
            "p.json",
            json!({"bindings": [{"role": "roles/owner", "members": "user:x"}]}),
        );
        assert!(s.gcp.policies.is_empty());
        assert_eq!(s.warnings[0].field.as_deref(), Some("bindings[0].members"));
    }
}
