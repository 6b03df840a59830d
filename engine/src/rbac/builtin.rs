//! The default roles (and the one default binding) every cluster has, which manifests bind
//! to without defining: the user-facing roles of the Kubernetes bootstrap policy
//! (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy`) and the system roles add-ons commonly
//! bind (auth-delegator, kubelet-api-admin, extension-apiserver-authentication-reader). `admin`, `edit` and `view` are
//! aggregated, as upstream: their rules come from `system:aggregate-to-*` and from any other
//! ClusterRole carrying the aggregation labels; `view` feeds `edit` and `edit` feeds `admin`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::snapshot::{
    AggregationRule, LabelSelector, ObjectMeta, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};

pub const AGGREGATE_TO_ADMIN: &str = "rbac.authorization.k8s.io/aggregate-to-admin";
pub const AGGREGATE_TO_EDIT: &str = "rbac.authorization.k8s.io/aggregate-to-edit";
pub const AGGREGATE_TO_VIEW: &str = "rbac.authorization.k8s.io/aggregate-to-view";

const RW: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const RO: &[&str] = &["get", "list", "watch"];
const ALL: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
    PolicyRule {
        api_groups: s(groups),
        resources: s(resources),
        verbs: s(verbs),
        ..PolicyRule::default()
    }
}

fn cluster_role(
    name: &str,
    labels: &[&str],
    aggregate_from: Option<&str>,
    rules: Vec<PolicyRule>,
) -> Role {
    Role {
        metadata: ObjectMeta {
            name: name.to_string(),
            labels: labels
                .iter()
                .map(|l| (l.to_string(), "true".to_string()))
                .collect(),
            ..ObjectMeta::default()
        },
        rules,
        aggregation_rule: aggregate_from.map(|label| AggregationRule {
            cluster_role_selectors: vec![LabelSelector {
                match_labels: BTreeMap::from([(label.to_string(), "true".to_string())]),
                match_expressions: Vec::new(),
            }],
        }),
        cluster: true,
        source: Default::default(),
    }
}

/// The default roles: ClusterRoles, and one kube-system Role (`cluster: false`).
pub static ROLES: LazyLock<Vec<Role>> = LazyLock::new(|| {
    vec![
        cluster_role("admin", &[], Some(AGGREGATE_TO_ADMIN), Vec::new()),
        cluster_role(
            "cluster-admin",
            &[],
            None,
            vec![
                rule(&["*"], &["*"], &["*"]),
                PolicyRule {
                    non_resource_urls: vec!["*".into()],
                    verbs: vec!["*".into()],
                    ..PolicyRule::default()
                },
            ],
        ),
        cluster_role(
            "edit",
            &[AGGREGATE_TO_ADMIN],
            Some(AGGREGATE_TO_EDIT),
            Vec::new(),
        ),
        cluster_role(
            "system:aggregate-to-admin",
            &[AGGREGATE_TO_ADMIN],
            None,
            vec![
                rule(
                    &["authorization.k8s.io"],
                    &["localsubjectaccessreviews"],
                    &["create"],
                ),
                rule(
                    &["rbac.authorization.k8s.io"],
                    &["rolebindings", "roles"],
                    ALL,
                ),
            ],
        ),
        cluster_role(
            "system:aggregate-to-edit",
            &[AGGREGATE_TO_EDIT],
            None,
            vec![
                rule(
                    &[""],
                    &[
                        "pods/attach",
                        "pods/exec",
                        "pods/portforward",
                        "pods/proxy",
                        "secrets",
                        "services/proxy",
                    ],
                    RO,
                ),
                rule(&[""], &["serviceaccounts"], &["impersonate"]),
                rule(
                    &[""],
                    &[
                        "pods",
                        "pods/attach",
                        "pods/exec",
                        "pods/portforward",
                        "pods/proxy",
                    ],
                    RW,
                ),
                rule(&[""], &["pods/eviction"], &["create"]),
                rule(
                    &[""],
                    &[
                        "configmaps",
                        "events",
                        "persistentvolumeclaims",
                        "replicationcontrollers",
                        "replicationcontrollers/scale",
                        "secrets",
                        "serviceaccounts",
                        "services",
                        "services/proxy",
                    ],
                    RW,
                ),
                rule(&[""], &["serviceaccounts/token"], &["create"]),
                rule(
                    &["apps"],
                    &[
                        "daemonsets",
                        "deployments",
                        "deployments/rollback",
                        "deployments/scale",
                        "replicasets",
                        "replicasets/scale",
                        "statefulsets",
                        "statefulsets/scale",
                    ],
                    RW,
                ),
                rule(&["autoscaling"], &["horizontalpodautoscalers"], RW),
                rule(&["batch"], &["cronjobs", "jobs"], RW),
                rule(
                    &["extensions"],
                    &[
                        "daemonsets",
                        "deployments",
                        "deployments/rollback",
                        "deployments/scale",
                        "ingresses",
                        "networkpolicies",
                        "replicasets",
                        "replicasets/scale",
                        "replicationcontrollers/scale",
                    ],
                    RW,
                ),
                rule(&["policy"], &["poddisruptionbudgets"], RW),
                rule(
                    &["networking.k8s.io"],
                    &["ingresses", "networkpolicies"],
                    RW,
                ),
                rule(&["coordination.k8s.io"], &["leases"], ALL),
            ],
        ),
        cluster_role(
            "system:auth-delegator",
            &[],
            None,
            vec![
                rule(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
                rule(
                    &["authorization.k8s.io"],
                    &["subjectaccessreviews"],
                    &["create"],
                ),
            ],
        ),
        cluster_role(
            "system:kubelet-api-admin",
            &[],
            None,
            vec![
                rule(&[""], &["nodes"], RO),
                rule(&[""], &["nodes"], &["proxy"]),
                rule(
                    &[""],
                    &["nodes/log", "nodes/metrics", "nodes/proxy", "nodes/stats"],
                    &["*"],
                ),
            ],
        ),
        // Namespaced default (kube-system), bound by every aggregated API server.
        Role {
            metadata: ObjectMeta {
                name: "extension-apiserver-authentication-reader".into(),
                namespace: Some("kube-system".into()),
                ..ObjectMeta::default()
            },
            rules: vec![PolicyRule {
                resource_names: vec!["extension-apiserver-authentication".into()],
                ..rule(&[""], &["configmaps"], RO)
            }],
            aggregation_rule: None,
            cluster: false,
            source: Default::default(),
        },
        cluster_role(
            "system:aggregate-to-view",
            &[AGGREGATE_TO_VIEW],
            None,
            vec![
                rule(
                    &[""],
                    &[
                        "configmaps",
                        "endpoints",
                        "persistentvolumeclaims",
                        "persistentvolumeclaims/status",
                        "pods",
                        "replicationcontrollers",
                        "replicationcontrollers/scale",
                        "serviceaccounts",
                        "services",
                        "services/status",
                    ],
                    RO,
                ),
                rule(
                    &[""],
                    &[
                        "bindings",
                        "events",
                        "limitranges",
                        "namespaces/status",
                        "pods/log",
                        "pods/status",
                        "replicationcontrollers/status",
                        "resourcequotas",
                        "resourcequotas/status",
                    ],
                    RO,
                ),
                rule(&[""], &["namespaces"], RO),
                rule(&["discovery.k8s.io"], &["endpointslices"], RO),
                rule(
                    &["apps"],
                    &[
                        "controllerrevisions",
                        "daemonsets",
                        "daemonsets/status",
                        "deployments",
                        "deployments/scale",
                        "deployments/status",
                        "replicasets",
                        "replicasets/scale",
                        "replicasets/status",
                        "statefulsets",
                        "statefulsets/scale",
                        "statefulsets/status",
                    ],
                    RO,
                ),
                rule(
                    &["autoscaling"],
                    &[
                        "horizontalpodautoscalers",
                        "horizontalpodautoscalers/status",
                    ],
                    RO,
                ),
                rule(
                    &["batch"],
                    &["cronjobs", "cronjobs/status", "jobs", "jobs/status"],
                    RO,
                ),
                rule(
                    &["extensions"],
                    &[
                        "daemonsets",
                        "daemonsets/status",
                        "deployments",
                        "deployments/scale",
                        "deployments/status",
                        "ingresses",
                        "ingresses/status",
                        "networkpolicies",
                        "replicasets",
                        "replicasets/scale",
                        "replicasets/status",
                        "replicationcontrollers/scale",
                    ],
                    RO,
                ),
                rule(
                    &["policy"],
                    &["poddisruptionbudgets", "poddisruptionbudgets/status"],
                    RO,
                ),
                rule(
                    &["networking.k8s.io"],
                    &["ingresses", "ingresses/status", "networkpolicies"],
                    RO,
                ),
            ],
        ),
        cluster_role(
            "view",
            &[AGGREGATE_TO_EDIT],
            Some(AGGREGATE_TO_VIEW),
            Vec::new(),
        ),
    ]
});

/// The default ClusterRoleBinding that makes `system:masters` cluster-admin. (The API server
/// also short-circuits that group before RBAC; the binding expresses the same fact.)
pub static BINDINGS: LazyLock<Vec<RoleBinding>> = LazyLock::new(|| {
    vec![RoleBinding {
        metadata: ObjectMeta {
            name: "cluster-admin".into(),
            ..ObjectMeta::default()
        },
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "ClusterRole".into(),
            name: "cluster-admin".into(),
        },
        subjects: vec![Subject {
            kind: "Group".into(),
            name: "system:masters".into(),
            namespace: None,
            api_group: Some("rbac.authorization.k8s.io".into()),
        }],
        cluster: true,
        source: Default::default(),
    }]
});

/// Whether a role is one of the defaults above (not from the snapshot).
pub fn is_builtin_role(role: &Role) -> bool {
    ROLES.as_ptr_range().contains(&(role as *const Role))
}

/// Whether a binding is one of the defaults above (not from the snapshot).
pub fn is_builtin_binding(binding: &RoleBinding) -> bool {
    BINDINGS
        .as_ptr_range()
        .contains(&(binding as *const RoleBinding))
}
