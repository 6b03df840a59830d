//! The EKS cluster: `describe-cluster` (OIDC issuer, authentication mode), pod identity
//! associations (list, then describe each for its role) and access entries (list, describe
//! each, their access policies), in the aws CLI's output shapes.

use aws_sdk_eks::Client;
use aws_sdk_eks::primitives::{DateTime, DateTimeFormat};
use aws_sdk_eks::types::{AccessEntry, AssociatedAccessPolicy, Cluster, PodIdentityAssociation};
use kubepath_engine::snapshot::CoverageGap;
use serde_json::{Value, json};

use super::{ItemFailures, SOURCE, gap, json_file};
use crate::live::Collection;

pub const CLUSTER_FILE: &str = "eks-cluster.json";
pub const POD_IDENTITY_FILE: &str = "eks-pod-identity-associations.json";
pub const ACCESS_ENTRIES_FILE: &str = "eks-access-entries.json";

/// A `nextToken` loop that never ends is a broken endpoint.
const MAX_PAGES: usize = 10_000;

pub(super) async fn collect(client: &Client, name: Option<&str>, out: &mut Collection) {
    let name = match name {
        Some(n) => n.to_string(),
        None => match only_cluster(client, out).await {
            Some(n) => n,
            None => return,
        },
    };
    match client.describe_cluster().name(&name).send().await {
        Ok(r) => {
            if let Some(c) = r.cluster() {
                facts(c, out);
                out.files
                    .push(json_file(CLUSTER_FILE, &[json!({"cluster": cluster(c)})]));
            }
        }
        Err(e) => out.gaps.push(gap(
            "eks:DescribeCluster",
            &e,
            &format!("cluster {name}'s OIDC issuer (IRSA trust) and authentication mode"),
        )),
    }
    pod_identities(client, &name, out).await;
    access_entries(client, &name, out).await;
}

/// The region's only cluster; several or none is not a guess kubepath makes.
async fn only_cluster(client: &Client, out: &mut Collection) -> Option<String> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        match client
            .list_clusters()
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(r) => {
                names.extend(r.clusters().iter().cloned());
                match r.next_token() {
                    Some(t) if !t.is_empty() && token.as_deref() != Some(t) => {
                        token = Some(t.to_string())
                    }
                    _ => break,
                }
            }
            Err(e) => {
                out.gaps.push(gap(
                    "eks:ListClusters",
                    &e,
                    "the EKS cluster (name it with --cluster-name): its OIDC issuer, access entries and pod identity associations",
                ));
                return None;
            }
        }
    }
    match names.as_slice() {
        [one] => Some(one.clone()),
        [] => None,
        many => {
            out.gaps.push(CoverageGap {
                source: SOURCE.into(),
                what: "eks:ListClusters".into(),
                namespace: None,
                reason: format!(
                    "{} clusters in the region ({}); which one is not guessed",
                    many.len(),
                    many.join(", ")
                ),
                may_hide: "the EKS cluster (name it with --cluster-name): its OIDC issuer, access entries and pod identity associations".into(),
            });
            None
        }
    }
}

fn facts(c: &Cluster, out: &mut Collection) {
    let f = &mut out.facts;
    f.provider = Some("eks".into());
    f.cluster_name = c.name().map(str::to_string);
    f.cluster_arn = c.arn().map(str::to_string);
    f.oidc_issuer = c
        .identity()
        .and_then(|i| i.oidc())
        .and_then(|o| o.issuer())
        .map(str::to_string);
    f.authentication_mode = c
        .access_config()
        .and_then(|a| a.authentication_mode())
        .map(|m| m.as_str().to_string());
    if f.account.is_none() {
        f.account = c
            .arn()
            .and_then(|a| a.split(':').nth(4))
            .map(str::to_string);
    }
}

fn date(d: Option<&DateTime>) -> Option<String> {
    d.and_then(|d| d.fmt(DateTimeFormat::DateTime).ok())
}

/// Insert the fields that are present (the CLI omits absent ones).
fn object(fields: Vec<(&str, Option<Value>)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect(),
    )
}

fn s(v: Option<&str>) -> Option<Value> {
    v.map(|v| Value::String(v.into()))
}

pub(crate) fn cluster(c: &Cluster) -> Value {
    let oidc = c
        .identity()
        .and_then(|i| i.oidc())
        .map(|o| object(vec![("issuer", s(o.issuer()))]));
    let access = c.access_config().map(|a| {
        object(vec![
            (
                "bootstrapClusterCreatorAdminPermissions",
                a.bootstrap_cluster_creator_admin_permissions()
                    .map(Value::from),
            ),
            (
                "authenticationMode",
                s(a.authentication_mode().map(|m| m.as_str())),
            ),
        ])
    });
    object(vec![
        ("name", s(c.name())),
        ("arn", s(c.arn())),
        ("createdAt", date(c.created_at()).map(Value::from)),
        ("version", s(c.version())),
        ("endpoint", s(c.endpoint())),
        ("roleArn", s(c.role_arn())),
        ("identity", oidc.map(|o| json!({"oidc": o}))),
        ("status", s(c.status().map(|x| x.as_str()))),
        ("platformVersion", s(c.platform_version())),
        ("accessConfig", access),
    ])
}

pub(crate) fn association(a: &PodIdentityAssociation) -> Value {
    object(vec![
        ("clusterName", s(a.cluster_name())),
        ("namespace", s(a.namespace())),
        ("serviceAccount", s(a.service_account())),
        ("roleArn", s(a.role_arn())),
        ("associationArn", s(a.association_arn())),
        ("associationId", s(a.association_id())),
        ("targetRoleArn", s(a.target_role_arn())),
        ("createdAt", date(a.created_at()).map(Value::from)),
        ("modifiedAt", date(a.modified_at()).map(Value::from)),
        ("ownerArn", s(a.owner_arn())),
    ])
}

pub(crate) fn access_entry(e: &AccessEntry) -> Value {
    object(vec![
        ("clusterName", s(e.cluster_name())),
        ("principalArn", s(e.principal_arn())),
        ("kubernetesGroups", Some(e.kubernetes_groups().into())),
        ("accessEntryArn", s(e.access_entry_arn())),
        ("createdAt", date(e.created_at()).map(Value::from)),
        ("modifiedAt", date(e.modified_at()).map(Value::from)),
        ("username", s(e.username())),
        ("type", s(e.r#type())),
    ])
}

pub(crate) fn access_policy(p: &AssociatedAccessPolicy) -> Value {
    let scope = p.access_scope().map(|sc| {
        object(vec![
            ("type", s(sc.r#type().map(|t| t.as_str()))),
            ("namespaces", Some(sc.namespaces().into())),
        ])
    });
    object(vec![
        ("policyArn", s(p.policy_arn())),
        ("accessScope", scope),
        ("associatedAt", date(p.associated_at()).map(Value::from)),
        ("modifiedAt", date(p.modified_at()).map(Value::from)),
    ])
}

const PIA_HIDES: &str = "the IAM roles pods get through EKS Pod Identity (their AWS steps)";

async fn pod_identities(client: &Client, cluster: &str, out: &mut Collection) {
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let r = client
            .list_pod_identity_associations()
            .cluster_name(cluster)
            .set_next_token(token.clone())
            .send()
            .await;
        match r {
            Ok(r) => {
                listed.extend(r.associations().iter().cloned());
                match r.next_token() {
                    Some(t) if !t.is_empty() && token.as_deref() != Some(t) => {
                        token = Some(t.to_string())
                    }
                    _ => break,
                }
            }
            Err(e) => {
                out.gaps
                    .push(gap("eks:ListPodIdentityAssociations", &e, PIA_HIDES));
                return;
            }
        }
    }
    // The list output first: an association whose describe fails stays visible (the reader
    // warns that its role is unknown) instead of vanishing.
    let list_doc = json!({"associations": listed.iter().map(|a| object(vec![
        ("clusterName", s(a.cluster_name())),
        ("namespace", s(a.namespace())),
        ("serviceAccount", s(a.service_account())),
        ("associationArn", s(a.association_arn())),
        ("associationId", s(a.association_id())),
        ("ownerArn", s(a.owner_arn())),
    ])).collect::<Vec<_>>()});
    let mut docs = vec![list_doc];
    let mut failed = ItemFailures::default();
    for a in &listed {
        let Some(id) = a.association_id() else {
            continue;
        };
        match client
            .describe_pod_identity_association()
            .cluster_name(cluster)
            .association_id(id)
            .send()
            .await
        {
            Ok(d) => {
                if let Some(assoc) = d.association() {
                    docs.push(json!({"association": association(assoc)}));
                }
            }
            Err(e) => failed.push(
                format!(
                    "{}/{}",
                    a.namespace().unwrap_or("?"),
                    a.service_account().unwrap_or("?")
                ),
                &e,
            ),
        }
    }
    out.gaps.extend(failed.into_gap(
        "eks:DescribePodIdentityAssociation",
        "the IAM role of these service accounts' pod identity associations",
    ));
    out.files.push(json_file(POD_IDENTITY_FILE, &docs));
}

const ENTRIES_HIDE: &str = "IAM principals given Kubernetes access by EKS access entries (their groups and access policies, e.g. cluster-admin)";

async fn access_entries(client: &Client, cluster: &str, out: &mut Collection) {
    let mut arns: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let r = client
            .list_access_entries()
            .cluster_name(cluster)
            .set_next_token(token.clone())
            .send()
            .await;
        match r {
            Ok(r) => {
                arns.extend(r.access_entries().iter().cloned());
                match r.next_token() {
                    Some(t) if !t.is_empty() && token.as_deref() != Some(t) => {
                        token = Some(t.to_string())
                    }
                    _ => break,
                }
            }
            Err(e) => {
                out.gaps
                    .push(gap("eks:ListAccessEntries", &e, ENTRIES_HIDE));
                return;
            }
        }
    }
    let mut docs = vec![json!({"accessEntries": arns})];
    let mut describe_failed = ItemFailures::default();
    let mut policies_failed = ItemFailures::default();
    for arn in &arns {
        match client
            .describe_access_entry()
            .cluster_name(cluster)
            .principal_arn(arn)
            .send()
            .await
        {
            Ok(d) => {
                if let Some(e) = d.access_entry() {
                    docs.push(json!({"accessEntry": access_entry(e)}));
                }
            }
            Err(e) => describe_failed.push(arn.clone(), &e),
        }
        let mut policies = Vec::new();
        let mut token: Option<String> = None;
        let mut ok = true;
        for _ in 0..MAX_PAGES {
            let r = client
                .list_associated_access_policies()
                .cluster_name(cluster)
                .principal_arn(arn)
                .set_next_token(token.clone())
                .send()
                .await;
            match r {
                Ok(r) => {
                    policies.extend(r.associated_access_policies().iter().map(access_policy));
                    match r.next_token() {
                        Some(t) if !t.is_empty() && token.as_deref() != Some(t) => {
                            token = Some(t.to_string())
                        }
                        _ => break,
                    }
                }
                Err(e) => {
                    policies_failed.push(arn.clone(), &e);
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            docs.push(json!({
                "clusterName": cluster,
                "principalArn": arn,
                "associatedAccessPolicies": policies,
            }));
        }
    }
    out.gaps.extend(describe_failed.into_gap(
        "eks:DescribeAccessEntry",
        "the Kubernetes user name and groups of these access entries",
    ));
    out.gaps.extend(policies_failed.into_gap(
        "eks:ListAssociatedAccessPolicies",
        "the EKS access policies (e.g. AmazonEKSClusterAdminPolicy) of these access entries",
    ));
    out.files.push(json_file(ACCESS_ENTRIES_FILE, &docs));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eks::{finish, read, recognise};
    use aws_sdk_eks::types::{AccessScope, AccessScopeType};
    use kubepath_engine::Source;
    use kubepath_engine::snapshot::EksApi;

    /// Read documents the way the offline reader does (recognise, read, merge).
    fn read_back(docs: Vec<Value>) -> EksApi {
        let mut api = EksApi::default();
        for d in docs {
            let kind = recognise(&d).unwrap_or_else(|| panic!("not recognised: {d}"));
            let errors = read(kind, d, &Source::default(), &mut api);
            assert!(
                errors.is_empty(),
                "{:?}",
                errors.first().map(|e| &e.message)
            );
        }
        let unresolved = finish(&mut api);
        assert!(unresolved.is_empty());
        api
    }

    #[test]
    fn written_pod_identity_and_access_entry_documents_read_back() {
        let assoc = PodIdentityAssociation::builder()
            .cluster_name("demo")
            .namespace("shop")
            .service_account("app")
            .role_arn("arn:aws:iam::1:role/app")
            .association_id("a-1")
            .build();
        let entry = AccessEntry::builder()
            .cluster_name("demo")
            .principal_arn("arn:aws:iam::1:role/ops")
            .kubernetes_groups("ops")
            .username("ops")
            .r#type("STANDARD")
            .build();
        let policy = AssociatedAccessPolicy::builder()
            .policy_arn("arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy")
            .access_scope(
                AccessScope::builder()
                    .r#type(AccessScopeType::Namespace)
                    .namespaces("shop")
                    .build(),
            )
            .build();
        let api = read_back(vec![
            json!({"associations": [{"clusterName": "demo", "namespace": "shop",
                "serviceAccount": "app", "associationId": "a-1"}]}),
            json!({"association": association(&assoc)}),
            json!({"accessEntries": ["arn:aws:iam::1:role/ops"]}),
            json!({"accessEntry": access_entry(&entry)}),
            json!({"clusterName": "demo", "principalArn": "arn:aws:iam::1:role/ops",
                "associatedAccessPolicies": [access_policy(&policy)]}),
        ]);
        assert_eq!(api.pod_identity_associations.len(), 1);
        let a = &api.pod_identity_associations[0];
        assert_eq!(a.role_arn.as_deref(), Some("arn:aws:iam::1:role/app"));
        assert_eq!(
            (a.namespace.as_str(), a.service_account.as_str()),
            ("shop", "app")
        );
        assert_eq!(api.access_entries.len(), 1);
        assert_eq!(api.access_entries[0].kubernetes_groups, ["ops"]);
        assert_eq!(api.access_entries[0].type_.as_deref(), Some("STANDARD"));
        assert_eq!(api.access_policies.len(), 1);
        assert_eq!(api.access_policies[0].access_scope.type_, "namespace");
        assert_eq!(api.access_policies[0].access_scope.namespaces, ["shop"]);
    }
}
