//! The built-in Azure roles that decide the techniques, as `az role definition list` prints
//! them (Microsoft Learn, "Azure built-in roles": General and Identity), so that an estate's
//! assignments can be evaluated without its role definition dump. A definition in the
//! snapshot (same GUID) wins. Only the control-plane `actions`/`notActions` are kept: data
//! actions never write role assignments or federated credentials.
//!
//! | role | GUID | actions | notActions |
//! | --- | --- | --- | --- |
//! | Owner | 8e3af657-… | `*` | |
//! | Contributor | b24988ac-… | `*` | `Microsoft.Authorization/*/Delete`, `Microsoft.Authorization/*/Write`, `Microsoft.Authorization/elevateAccess/Action`, Blueprint assignments, gallery sharing, Purview consents |
//! | Reader | acdd72a7-… | `*/read` | |
//! | User Access Administrator | 18d7d88d-… | `*/read`, `Microsoft.Authorization/*`, `Microsoft.Support/*` | |
//! | Role Based Access Control Administrator | f58310d9-… | `Microsoft.Authorization/roleAssignments/write`, `.../delete`, `*/read`, `Microsoft.Support/*` (usually assigned with a condition on which roles) | |
//! | Managed Identity Contributor | e40ec5ca-… | `userAssignedIdentities/{read,write,delete}`, `federatedIdentityCredentials/{read,write,delete}`, `revokeTokens/action`, reads, deployments | |
//! | Managed Identity Operator | f1a07417-… | `userAssignedIdentities/*/read`, `userAssignedIdentities/*/assign/action`, reads, deployments | |

use std::sync::LazyLock;

use crate::snapshot::{Permission, RoleDefinition};

type Row = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

const ROLES: &[Row] = &[
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", &["*"], &[]),
    (
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "Contributor",
        &["*"],
        &[
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
        ],
    ),
    (
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        "Reader",
        &["*/read"],
        &[],
    ),
    (
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "User Access Administrator",
        &["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
        &[],
    ),
    (
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "Role Based Access Control Administrator",
        &[
            "Microsoft.Authorization/roleAssignments/write",
            "Microsoft.Authorization/roleAssignments/delete",
            "*/read",
            "Microsoft.Support/*",
        ],
        &[],
    ),
    (
        "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59",
        "Managed Identity Contributor",
        &[
            "Microsoft.ManagedIdentity/userAssignedIdentities/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/write",
            "Microsoft.ManagedIdentity/userAssignedIdentities/delete",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/delete",
            "Microsoft.ManagedIdentity/userAssignedIdentities/revokeTokens/action",
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Support/*",
        ],
        &[],
    ),
    (
        "f1a07417-d97a-45cb-824c-7a7467783830",
        "Managed Identity Operator",
        &[
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Support/*",
        ],
        &[],
    ),
];

/// The built-in definitions above, in the `az` shape.
pub static BUILTIN_ROLES: LazyLock<Vec<RoleDefinition>> = LazyLock::new(|| {
    ROLES
        .iter()
        .map(|(guid, name, actions, not_actions)| RoleDefinition {
            id: format!("/providers/Microsoft.Authorization/roleDefinitions/{guid}"),
            name: (*guid).to_string(),
            role_name: (*name).to_string(),
            role_type: "BuiltInRole".into(),
            permissions: vec![Permission {
                actions: actions.iter().map(|s| s.to_string()).collect(),
                not_actions: not_actions.iter().map(|s| s.to_string()).collect(),
                ..Permission::default()
            }],
            assignable_scopes: vec!["/".into()],
            ..RoleDefinition::default()
        })
        .collect()
});
