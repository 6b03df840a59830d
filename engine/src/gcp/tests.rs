use serde_json::{Value, json};

use super::*;
use crate::snapshot::Snapshot;

fn snapshot(gcp: Value) -> Snapshot {
    Snapshot {
        gcp: serde_json::from_value(gcp).expect("test GCP model is valid"),
        ..Snapshot::default()
    }
}

#[test]
fn workload_identity_members_have_one_spelling() {
    let legacy = canonical_member("serviceAccount:p-123456.svc.id.goog[shop/web]");
    let principal = canonical_member(
        "principal://iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/p-123456.svc.id.goog/subject/ns/shop/sa/web",
    );
    assert_eq!(legacy, principal);
    assert_eq!(legacy, "wi:p-123456.svc.id.goog:subject:shop/web");
    assert_eq!(
        canonical_member(
            "principalSet://iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/p-123456.svc.id.goog/namespace/shop"
        ),
        "wi:p-123456.svc.id.goog:namespace:shop"
    );
    assert_eq!(
        canonical_member("serviceAccount:CI@P-123456.iam.gserviceaccount.com"),
        "serviceaccount:ci@p-123456.iam.gserviceaccount.com"
    );
}

#[test]
fn unnamed_project_policy_takes_the_only_project_of_the_input() {
    let s = snapshot(json!({
        "policies": [{"resource": "unnamedProject", "bindings": [{"role": "roles/owner", "members": ["user:a@example.com"]}]}],
        "clusters": [{"name": "c", "selfLink": "https://container.googleapis.com/v1/projects/shop-prod-4821/locations/x/clusters/c"}]}));
    let mut warnings = Vec::new();
    let ix = GcpIndex::new(&s, &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        ix.policies[0].scope,
        Scope::Project("shop-prod-4821".into())
    );
    assert!(ix.policies[0].inferred.is_some());
}

#[test]
fn unnamed_project_policy_with_several_projects_is_a_warning() {
    let s = snapshot(json!({
        "policies": [{"resource": "unnamedProject", "bindings": []}],
        "projects": [{"projectId": "alpha-123456"}, {"projectId": "beta-123456"}]}));
    let mut warnings = Vec::new();
    let ix = GcpIndex::new(&s, &mut warnings);
    assert!(ix.policies.is_empty());
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].message.contains("alpha-123456"));
}

#[test]
fn unnamed_project_policy_falls_back_to_its_members_project() {
    let s = snapshot(json!({
        "policies": [{"resource": "unnamedProject", "bindings": [{"role": "roles/editor",
            "members": ["serviceAccount:ci@shop-prod-4821.iam.gserviceaccount.com",
                        "serviceAccount:service-42@gcp-sa-artifactregistry.iam.gserviceaccount.com"]}]}]}));
    let mut warnings = Vec::new();
    let ix = GcpIndex::new(&s, &mut warnings);
    assert_eq!(
        ix.policies[0].scope,
        Scope::Project("shop-prod-4821".into())
    );
    // The service agent's number names the project too.
    assert_eq!(
        ix.projects.get("shop-prod-4821"),
        Some(&Some("42".to_string()))
    );
}

#[test]
fn default_node_account_needs_the_project_number() {
    let cluster = json!({"name": "c", "selfLink": "https://container.googleapis.com/v1/projects/shop-prod-4821/locations/x/clusters/c",
        "nodePools": [{"name": "np", "config": {"serviceAccount": "default"}}]});
    let s = snapshot(json!({"clusters": [cluster.clone()]}));
    let mut warnings = Vec::new();
    let ix = GcpIndex::new(&s, &mut warnings);
    assert_eq!(ix.node_pools[0].service_account, None);
    assert_eq!(warnings.len(), 1);
    let s = snapshot(
        json!({"clusters": [cluster], "projects": [{"projectId": "shop-prod-4821", "projectNumber": "42"}]}),
    );
    let mut warnings = Vec::new();
    let ix = GcpIndex::new(&s, &mut warnings);
    assert_eq!(
        ix.node_pools[0].service_account.as_deref(),
        Some("42-compute@developer.gserviceaccount.com")
    );
    // No mode and no Workload Identity: the pods see the node's metadata server.
    assert!(ix.node_pools[0].exposed);
}

#[test]
fn project_grants_cover_the_projects_accounts_and_account_grants_only_that_account() {
    let s = snapshot(json!({"policies": [
        {"resource": {"project": "shop-prod-4821"}, "bindings": [{"role": "roles/iam.serviceAccountTokenCreator", "members": ["serviceAccount:a@shop-prod-4821.iam.gserviceaccount.com"]}]},
        {"resource": {"serviceAccount": "x@other-123456.iam.gserviceaccount.com"}, "bindings": [{"role": "roles/iam.serviceAccountUser", "members": ["serviceAccount:a@shop-prod-4821.iam.gserviceaccount.com"]}]},
        {"resource": {"project": "other-123456"}, "bindings": [{"role": "roles/viewer", "members": ["serviceAccount:y@other-123456.iam.gserviceaccount.com", "serviceAccount:b@shop-prod-4821.iam.gserviceaccount.com"]}]}]}));
    let mut warnings = Vec::new();
    let ix = GcpIndex::new(&s, &mut warnings);
    let held = ix.holdings(&GcpIndex::gsa_members(
        "a@shop-prod-4821.iam.gserviceaccount.com",
    ));
    let cands = ix.impersonation_candidates(&held);
    assert!(cands.contains("b@shop-prod-4821.iam.gserviceaccount.com"));
    assert!(cands.contains("x@other-123456.iam.gserviceaccount.com"));
    assert!(!cands.contains("y@other-123456.iam.gserviceaccount.com"));
    assert!(
        ix.grant(
            &held,
            roles::GET_ACCESS_TOKEN,
            Target::ServiceAccount("y@other-123456.iam.gserviceaccount.com")
        )
        .is_none()
    );
    // actAs without a create permission is no impersonation.
    assert!(
        ix.impersonations(&held, "x@other-123456.iam.gserviceaccount.com")
            .is_empty()
    );
}

#[test]
fn unknown_custom_role_is_a_warning_and_grants_nothing() {
    let s = snapshot(
        json!({"policies": [{"resource": {"project": "shop-prod-4821"}, "bindings": [
        {"role": "projects/shop-prod-4821/roles/mystery", "members": ["serviceAccount:a@shop-prod-4821.iam.gserviceaccount.com"]}]}]}),
    );
    let mut warnings = Vec::new();
    let ix = GcpIndex::new(&s, &mut warnings);
    assert_eq!(warnings.len(), 1);
    let held = ix.holdings(&GcpIndex::gsa_members(
        "a@shop-prod-4821.iam.gserviceaccount.com",
    ));
    assert!(ix.admin(&held, "shop-prod-4821").is_none());
}
