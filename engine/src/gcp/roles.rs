//! Predefined roles, by the permissions that matter to the attack paths.
//!
//! This is an **excerpt**: each role lists only the permissions the techniques test
//! ([`RELEVANT`]); the rest of a role's permissions (reading buckets, writing logs) are left
//! out. A predefined role not in the table grants none of the relevant permissions. Custom
//! roles are evaluated by their `includedPermissions`.

/// Every permission the GCP techniques ask about.
pub const RELEVANT: &[&str] = &[
    GET_ACCESS_TOKEN,
    SIGN_BLOB,
    SIGN_JWT,
    IMPLICIT_DELEGATION,
    KEYS_CREATE,
    ACT_AS,
    SA_SET_IAM_POLICY,
    PROJECTS_SET_IAM_POLICY,
    FOLDERS_SET_IAM_POLICY,
    ORGANIZATIONS_SET_IAM_POLICY,
    ROLES_UPDATE,
    COMPUTE_INSTANCES_CREATE,
    FUNCTIONS_CREATE,
    RUN_SERVICES_CREATE,
    BUILDS_CREATE,
    DEPLOYMENTS_CREATE,
];

pub const GET_ACCESS_TOKEN: &str = "iam.serviceAccounts.getAccessToken";
pub const SIGN_BLOB: &str = "iam.serviceAccounts.signBlob";
pub const SIGN_JWT: &str = "iam.serviceAccounts.signJwt";
pub const IMPLICIT_DELEGATION: &str = "iam.serviceAccounts.implicitDelegation";
pub const KEYS_CREATE: &str = "iam.serviceAccountKeys.create";
pub const ACT_AS: &str = "iam.serviceAccounts.actAs";
pub const SA_SET_IAM_POLICY: &str = "iam.serviceAccounts.setIamPolicy";
pub const PROJECTS_SET_IAM_POLICY: &str = "resourcemanager.projects.setIamPolicy";
pub const FOLDERS_SET_IAM_POLICY: &str = "resourcemanager.folders.setIamPolicy";
pub const ORGANIZATIONS_SET_IAM_POLICY: &str = "resourcemanager.organizations.setIamPolicy";
pub const ROLES_UPDATE: &str = "iam.roles.update";
pub const COMPUTE_INSTANCES_CREATE: &str = "compute.instances.create";
pub const FUNCTIONS_CREATE: &str = "cloudfunctions.functions.create";
pub const RUN_SERVICES_CREATE: &str = "run.services.create";
pub const BUILDS_CREATE: &str = "cloudbuild.builds.create";
pub const DEPLOYMENTS_CREATE: &str = "deploymentmanager.deployments.create";

/// Permissions that mint credentials of a service account directly (the Service Account
/// Token Creator's): an access token, a signed JWT or blob (a self-signed assertion), or a
/// delegation chain through it.
pub const TOKEN_PERMISSIONS: &[&str] =
    &[GET_ACCESS_TOKEN, SIGN_JWT, SIGN_BLOB, IMPLICIT_DELEGATION];

/// Create permissions that, with `iam.serviceAccounts.actAs` on a service account, run code
/// as it: the new resource gets the account's credentials from its metadata server.
pub const CREATE_AS: &[(&str, &str)] = &[
    (COMPUTE_INSTANCES_CREATE, "a Compute Engine instance"),
    (FUNCTIONS_CREATE, "a Cloud Function"),
    (RUN_SERVICES_CREATE, "a Cloud Run service"),
    (BUILDS_CREATE, "a Cloud Build build"),
    (DEPLOYMENTS_CREATE, "a Deployment Manager deployment"),
];

/// What a predefined role grants of [`RELEVANT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Predefined {
    /// Every permission (`roles/owner`).
    All,
    Some(&'static [&'static str]),
}

/// The table: `(role, relevant permissions)`.
static PREDEFINED: &[(&str, Predefined)] = &[
    ("roles/owner", Predefined::All),
    // Editor: every create and actAs, service account keys; no setIamPolicy, no role admin,
    // no token creation.
    (
        "roles/editor",
        Predefined::Some(&[
            ACT_AS,
            KEYS_CREATE,
            COMPUTE_INSTANCES_CREATE,
            FUNCTIONS_CREATE,
            RUN_SERVICES_CREATE,
            BUILDS_CREATE,
            DEPLOYMENTS_CREATE,
        ]),
    ),
    ("roles/viewer", Predefined::Some(&[])),
    ("roles/browser", Predefined::Some(&[])),
    (
        "roles/iam.serviceAccountTokenCreator",
        Predefined::Some(&[GET_ACCESS_TOKEN, SIGN_BLOB, SIGN_JWT, IMPLICIT_DELEGATION]),
    ),
    (
        "roles/iam.serviceAccountKeyAdmin",
        Predefined::Some(&[KEYS_CREATE]),
    ),
    ("roles/iam.serviceAccountUser", Predefined::Some(&[ACT_AS])),
    (
        "roles/iam.workloadIdentityUser",
        Predefined::Some(&[GET_ACCESS_TOKEN]),
    ),
    (
        "roles/iam.serviceAccountAdmin",
        Predefined::Some(&[SA_SET_IAM_POLICY]),
    ),
    (
        "roles/resourcemanager.projectIamAdmin",
        Predefined::Some(&[PROJECTS_SET_IAM_POLICY]),
    ),
    (
        "roles/resourcemanager.folderIamAdmin",
        Predefined::Some(&[FOLDERS_SET_IAM_POLICY]),
    ),
    (
        "roles/resourcemanager.folderAdmin",
        Predefined::Some(&[FOLDERS_SET_IAM_POLICY, PROJECTS_SET_IAM_POLICY]),
    ),
    (
        "roles/resourcemanager.organizationAdmin",
        Predefined::Some(&[
            ORGANIZATIONS_SET_IAM_POLICY,
            FOLDERS_SET_IAM_POLICY,
            PROJECTS_SET_IAM_POLICY,
        ]),
    ),
    (
        "roles/iam.securityAdmin",
        Predefined::Some(&[
            PROJECTS_SET_IAM_POLICY,
            FOLDERS_SET_IAM_POLICY,
            ORGANIZATIONS_SET_IAM_POLICY,
            SA_SET_IAM_POLICY,
        ]),
    ),
    ("roles/iam.roleAdmin", Predefined::Some(&[ROLES_UPDATE])),
    (
        "roles/iam.organizationRoleAdmin",
        Predefined::Some(&[ROLES_UPDATE]),
    ),
    (
        "roles/compute.admin",
        Predefined::Some(&[COMPUTE_INSTANCES_CREATE]),
    ),
    (
        "roles/compute.instanceAdmin",
        Predefined::Some(&[COMPUTE_INSTANCES_CREATE]),
    ),
    (
        "roles/compute.instanceAdmin.v1",
        Predefined::Some(&[COMPUTE_INSTANCES_CREATE]),
    ),
    (
        "roles/cloudfunctions.developer",
        Predefined::Some(&[FUNCTIONS_CREATE]),
    ),
    (
        "roles/cloudfunctions.admin",
        Predefined::Some(&[FUNCTIONS_CREATE]),
    ),
    ("roles/run.admin", Predefined::Some(&[RUN_SERVICES_CREATE])),
    (
        "roles/run.developer",
        Predefined::Some(&[RUN_SERVICES_CREATE]),
    ),
    (
        "roles/cloudbuild.builds.editor",
        Predefined::Some(&[BUILDS_CREATE]),
    ),
    (
        "roles/deploymentmanager.editor",
        Predefined::Some(&[DEPLOYMENTS_CREATE]),
    ),
    // GKE roles give Kubernetes API access (not modelled as a GCP -> cluster step yet) and
    // none of the IAM permissions above.
    ("roles/container.admin", Predefined::Some(&[])),
    ("roles/container.developer", Predefined::Some(&[])),
];

/// The relevant permissions of a predefined role; `None` for a role not in the table
/// (which grants none of them, as far as this excerpt knows).
pub fn predefined(role: &str) -> Option<Predefined> {
    PREDEFINED
        .iter()
        .find(|(name, _)| *name == role)
        .map(|(_, p)| *p)
}

impl Predefined {
    pub fn grants(self, permission: &str) -> bool {
        match self {
            Predefined::All => true,
            Predefined::Some(list) => list.contains(&permission),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_permission_is_relevant() {
        for (role, p) in PREDEFINED {
            if let Predefined::Some(list) = p {
                for perm in *list {
                    assert!(RELEVANT.contains(perm), "{role}: {perm}");
                }
            }
        }
    }

    #[test]
    fn editor_cannot_set_iam_policy_but_can_act_as() {
        let editor = predefined("roles/editor").expect("in the table");
        assert!(!editor.grants(PROJECTS_SET_IAM_POLICY));
        assert!(editor.grants(ACT_AS));
        assert!(predefined("roles/owner").is_some_and(|o| o.grants(PROJECTS_SET_IAM_POLICY)));
    }
}
