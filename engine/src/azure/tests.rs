//! Azure RBAC semantics: action patterns, notActions, scopes, role resolution.

use serde_json::json;

use super::*;
use crate::snapshot::{ManagedIdentity, Snapshot};

#[test]
fn action_patterns_match_with_wildcards_case_insensitively() {
    assert!(action_matches("*", ROLE_ASSIGNMENT_WRITE));
    assert!(action_matches(
        "Microsoft.Authorization/*",
        ROLE_ASSIGNMENT_WRITE
    ));
    assert!(action_matches(
        "microsoft.authorization/*/write",
        ROLE_ASSIGNMENT_WRITE
    ));
    assert!(action_matches(
        "*/read",
        "Microsoft.Compute/virtualMachines/read"
    ));
    assert!(!action_matches("*/read", ROLE_ASSIGNMENT_WRITE));
    assert!(!action_matches(
        "Microsoft.Authorization/roleAssignments/read",
        ROLE_ASSIGNMENT_WRITE
    ));
    assert!(action_matches(
        "Microsoft.ManagedIdentity/userAssignedIdentities/*",
        FEDERATED_CREDENTIAL_WRITE
    ));
    assert!(!action_matches(
        "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
        FEDERATED_CREDENTIAL_WRITE
    ));
}

fn builtin(name: &str) -> &'static RoleDefinition {
    BUILTIN_ROLES
        .iter()
        .find(|r| r.role_name == name)
        .expect("built-in role in the table")
}

#[test]
fn contributor_not_actions_subtract_role_assignment_writes() {
    assert!(role_allows(builtin("Owner"), ROLE_ASSIGNMENT_WRITE).is_some());
    assert!(role_allows(builtin("Contributor"), ROLE_ASSIGNMENT_WRITE).is_none());
    assert!(role_allows(builtin("Contributor"), FEDERATED_CREDENTIAL_WRITE).is_some());
    assert!(role_allows(builtin("User Access Administrator"), ROLE_ASSIGNMENT_WRITE).is_some());
    assert!(
        role_allows(
            builtin("Role Based Access Control Administrator"),
            ROLE_ASSIGNMENT_WRITE
        )
        .is_some()
    );
    assert!(
        role_allows(
            builtin("Managed Identity Contributor"),
            FEDERATED_CREDENTIAL_WRITE
        )
        .is_some()
    );
    assert!(
        role_allows(
            builtin("Managed Identity Operator"),
            FEDERATED_CREDENTIAL_WRITE
        )
        .is_none()
    );
    assert!(role_allows(builtin("Reader"), FEDERATED_CREDENTIAL_WRITE).is_none());
}

#[test]
fn not_actions_only_subtract_within_their_own_permission_block() {
    let r: RoleDefinition = serde_json::from_value(json!({
    "name": "g", "roleName": "two-blocks",
    "permissions": [
        {"actions": ["*"], "notActions": ["Microsoft.Authorization/*"]},
        {"actions": ["Microsoft.Authorization/roleAssignments/write"], "notActions": []}
    ]}))
    .unwrap();
    assert_eq!(
        role_allows(&r, ROLE_ASSIGNMENT_WRITE).map(|a| a.permission),
        Some(1)
    );
}

fn index_with(assignments: serde_json::Value) -> (Snapshot, Vec<Warning>) {
    let mut s = Snapshot::default();
    let m: ManagedIdentity = serde_json::from_value(json!({
        "id": "/subscriptions/s1/resourcegroups/rg-a/providers/Microsoft.ManagedIdentity/userAssignedIdentities/app",
        "name": "app", "clientId": "C1", "principalId": "P1", "tenantId": "t"}))
    .unwrap();
    s.azure.identities.push(m);
    s.azure.role_assignments = serde_json::from_value(assignments).unwrap();
    (s, Vec::new())
}

#[test]
fn a_subscription_scope_covers_its_resource_groups_and_not_other_subscriptions() {
    let (s, mut w) = index_with(json!([]));
    let az = AzureIndex::new(&s, &mut w);
    let rg = "/subscriptions/s1/resourceGroups/rg-a";
    assert_eq!(az.covers("/subscriptions/S1", rg), Some(Coverage::Contains));
    assert_eq!(az.covers(rg, "/subscriptions/s1"), None);
    assert_eq!(az.covers("/subscriptions/s1", "/subscriptions/s10"), None);
    assert_eq!(az.covers("/", rg), Some(Coverage::Contains));
    assert_eq!(
        az.covers(
            "/providers/Microsoft.Management/managementGroups/platform",
            rg
        ),
        Some(Coverage::AssumedAbove)
    );
    // The tenant root group is named after the tenant.
    assert_eq!(
        az.covers("/providers/Microsoft.Management/managementGroups/t", rg),
        Some(Coverage::Contains)
    );
    assert_eq!(
        az.identities_under("/subscriptions/s1/resourceGroups/RG-A")
            .len(),
        1
    );
    assert_eq!(
        az.identities_under("/subscriptions/s1/resourceGroups/rg-b")
            .len(),
        0
    );
}

#[test]
fn assignments_resolve_roles_by_guid_then_name_and_unknown_roles_are_warned() {
    let (s, mut w) = index_with(json!([
        {"id": "a1", "principalId": "p1", "roleDefinitionId": "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "scope": "/subscriptions/s1"},
        {"id": "a2", "principalId": "P1", "roleDefinitionId": "", "roleDefinitionName": "Reader", "scope": "/subscriptions/s1"},
        {"id": "a3", "principalId": "P1", "roleDefinitionId": "/x/unknown", "scope": "/subscriptions/s1"},
        {"id": "a4", "principalId": "someone-else", "roleDefinitionId": "/x/unknown", "scope": "/subscriptions/s1"}
    ]));
    let az = AzureIndex::new(&s, &mut w);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].object.as_deref(), Some("a3"));
    let g = az.grants(0, ROLE_ASSIGNMENT_WRITE, "/subscriptions/s1");
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].role.role_name, "Owner");
}
