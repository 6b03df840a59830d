use crate::graph::AttackGraph;
use crate::testutil::{graph, snapshot};

fn binding(kind: &str, ns: Option<&str>, role_kind: &str, role: &str, subject: &str) -> String {
    let ns = ns.map(|n| format!(", namespace: {n}")).unwrap_or_default();
    format!(
        "kind: {kind}\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {{name: b-{role}{ns}}}\n\
         roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {role_kind}, name: {role}}}\n\
         subjects:\n- {subject}\n"
    )
}

fn role(kind: &str, name: &str, ns: Option<&str>, rules: &str) -> String {
    let ns = ns.map(|n| format!(", namespace: {n}")).unwrap_or_default();
    format!(
        "kind: {kind}\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {{name: {name}{ns}}}\nrules:\n{rules}"
    )
}

const SA_X: &str = "{kind: ServiceAccount, name: x, namespace: ops}";

#[test]
fn clusterrolebinding_to_cluster_admin_reaches_cluster_admin() {
    let g = graph(&binding(
        "ClusterRoleBinding",
        None,
        "ClusterRole",
        "cluster-admin",
        SA_X,
    ));
    assert!(g.has_edge("sa:ops/x", "cluster-admin", "RBAC_CLUSTER_ADMIN"));
    // The default role cannot be narrowed, so the fix is the binding.
    let (_, _, e) = g
        .edges_of("RBAC_CLUSTER_ADMIN")
        .into_iter()
        .find(|(from, _, _)| *from == "sa:ops/x")
        .expect("edge asserted above");
    assert!(
        e.remediation
            .starts_with("Remove ServiceAccount ops/x from ClusterRoleBinding/b-cluster-admin"),
        "{}",
        e.remediation
    );
}

#[test]
fn rolebinding_to_cluster_admin_is_not_cluster_admin() {
    let g = graph(&binding(
        "RoleBinding",
        Some("ops"),
        "ClusterRole",
        "cluster-admin",
        SA_X,
    ));
    assert!(!g.has_edge("sa:ops/x", "cluster-admin", "RBAC_CLUSTER_ADMIN"));
    // ...but it does own its namespace.
    assert!(g.has_edge("sa:ops/x", "secret:ops/*", "RBAC_READ_SECRETS"));
}

#[test]
fn wildcard_on_one_group_only_is_not_cluster_admin() {
    let yaml = [
        role(
            "ClusterRole",
            "core-all",
            None,
            "- {apiGroups: [\"\"], resources: [\"*\"], verbs: [\"*\"]}\n",
        ),
        binding("ClusterRoleBinding", None, "ClusterRole", "core-all", SA_X),
    ]
    .join("---\n");
    let g = graph(&yaml);
    assert!(!g.has_edge("sa:ops/x", "cluster-admin", "RBAC_CLUSTER_ADMIN"));
    assert!(g.has_edge("sa:ops/x", "secret:*/*", "RBAC_READ_SECRETS"));
}

const SECRETS: &str = "kind: Secret\napiVersion: v1\nmetadata: {name: db, namespace: app}\n---\n\
    kind: Secret\napiVersion: v1\nmetadata: {name: tls, namespace: app}\n---\n\
    kind: Secret\napiVersion: v1\nmetadata: {name: other, namespace: web}\n";

#[test]
fn list_secrets_in_namespace_reads_every_secret_there() {
    let yaml = [
        SECRETS.to_string(),
        role(
            "Role",
            "r",
            Some("app"),
            "- {apiGroups: [\"\"], resources: [secrets], verbs: [list]}\n",
        ),
        binding("RoleBinding", Some("app"), "Role", "r", SA_X),
    ]
    .join("---\n");
    let g = graph(&yaml);
    for s in ["secret:app/db", "secret:app/tls", "secret:app/*"] {
        assert!(g.has_edge("sa:ops/x", s, "RBAC_READ_SECRETS"), "{s}");
    }
    assert!(!g.has_edge("sa:ops/x", "secret:web/other", "RBAC_READ_SECRETS"));
    let e = &g.edges_of("RBAC_READ_SECRETS")[0].2;
    assert!(
        e.remediation.contains("Role/app/r rules[0]"),
        "{}",
        e.remediation
    );
    assert!(
        e.remediation.contains("RoleBinding/app/b-r"),
        "{}",
        e.remediation
    );
}

#[test]
fn resource_names_limit_secret_reads_to_the_named_secrets() {
    let yaml = [
        SECRETS.to_string(),
        role(
            "Role",
            "r",
            Some("app"),
            "- {apiGroups: [\"\"], resources: [secrets], verbs: [get], resourceNames: [db, gone]}\n",
        ),
        binding("RoleBinding", Some("app"), "Role", "r", SA_X),
    ]
    .join("---\n");
    let g = graph(&yaml);
    assert!(g.has_edge("sa:ops/x", "secret:app/db", "RBAC_READ_SECRETS"));
    assert!(g.has_edge("sa:ops/x", "secret:app/gone", "RBAC_READ_SECRETS"));
    assert!(!g.has_edge("sa:ops/x", "secret:app/tls", "RBAC_READ_SECRETS"));
    assert!(!g.has_edge("sa:ops/x", "secret:app/*", "RBAC_READ_SECRETS"));
}

#[test]
fn view_role_reads_no_secrets() {
    let yaml = [
        SECRETS.to_string(),
        binding("ClusterRoleBinding", None, "ClusterRole", "view", SA_X),
    ]
    .join("---\n");
    let g = graph(&yaml);
    assert!(g.edges_of("RBAC_READ_SECRETS").is_empty());
}

#[test]
fn cluster_wide_secret_read_reaches_every_secret_and_the_wildcard() {
    let yaml = [
        SECRETS.to_string(),
        role(
            "ClusterRole",
            "r",
            None,
            "- {apiGroups: [\"\"], resources: [secrets], verbs: [watch]}\n",
        ),
        binding("ClusterRoleBinding", None, "ClusterRole", "r", SA_X),
    ]
    .join("---\n");
    let g = graph(&yaml);
    for s in ["secret:app/db", "secret:web/other", "secret:*/*"] {
        assert!(g.has_edge("sa:ops/x", s, "RBAC_READ_SECRETS"), "{s}");
    }
}

const CREATE_DEPLOYMENTS: &str =
    "- {apiGroups: [apps], resources: [deployments], verbs: [create]}\n";

#[test]
fn create_deployments_reaches_every_service_account_of_the_namespace_and_a_node() {
    let yaml = [
        "kind: ServiceAccount\napiVersion: v1\nmetadata: {name: deployer, namespace: app}\n"
            .to_string(),
        role("Role", "r", Some("app"), CREATE_DEPLOYMENTS),
        binding("RoleBinding", Some("app"), "Role", "r", SA_X),
    ]
    .join("---\n");
    let g = graph(&yaml);
    assert!(g.has_edge("sa:ops/x", "sa:app/deployer", "RBAC_CREATE_WORKLOAD"));
    assert!(g.has_edge("sa:ops/x", "sa:app/default", "RBAC_CREATE_WORKLOAD"));
    assert!(g.has_edge("sa:ops/x", "node:*", "RBAC_CREATE_WORKLOAD"));
    assert!(!g.has_edge("sa:ops/x", "sa:ops/default", "RBAC_CREATE_WORKLOAD"));
    let (_, _, e) = g.edges_of("RBAC_CREATE_WORKLOAD")[0];
    assert!(
        e.evidence[0]
            .detail
            .contains("allows create apps/deployments"),
        "{:?}",
        e.evidence
    );
}

#[test]
fn restricted_pod_security_blocks_the_node_edge_but_not_the_service_accounts() {
    let yaml = [
        "kind: Namespace\napiVersion: v1\nmetadata: {name: app, labels: {pod-security.kubernetes.io/enforce: restricted}}\n".to_string(),
        role("Role", "r", Some("app"), "- {apiGroups: [\"\"], resources: [pods], verbs: [create]}\n"),
        binding("RoleBinding", Some("app"), "Role", "r", SA_X),
    ]
    .join("---\n");
    let g = graph(&yaml);
    assert!(g.has_edge("sa:ops/x", "sa:app/default", "RBAC_CREATE_WORKLOAD"));
    assert!(!g.has_edge("sa:ops/x", "node:*", "RBAC_CREATE_WORKLOAD"));
}

#[test]
fn create_with_resource_names_or_other_verbs_creates_no_workload() {
    let yaml = [
        role(
            "Role",
            "r",
            Some("app"),
            "- {apiGroups: [\"\"], resources: [pods], verbs: [create], resourceNames: [p]}\n\
             - {apiGroups: [apps], resources: [deployments], verbs: [get, list, patch]}\n",
        ),
        binding("RoleBinding", Some("app"), "Role", "r", SA_X),
    ]
    .join("---\n");
    let g = graph(&yaml);
    assert!(g.edges_of("RBAC_CREATE_WORKLOAD").is_empty());
}

const PODS: &str = "kind: Pod\napiVersion: v1\nmetadata: {name: api, namespace: app}\nspec: {containers: [{name: c}]}\n---\n\
    kind: Pod\napiVersion: v1\nmetadata: {name: db, namespace: app}\nspec: {containers: [{name: c}]}\n---\n\
    kind: Pod\napiVersion: v1\nmetadata: {name: far, namespace: web}\nspec: {containers: [{name: c}]}\n";

#[test]
fn create_pods_exec_reaches_workloads_in_scope() {
    let yaml = [
        PODS.to_string(),
        role(
            "Role",
            "r",
            Some("app"),
            "- {apiGroups: [\"\"], resources: [pods/exec], verbs: [create]}\n",
        ),
        binding("RoleBinding", Some("app"), "Role", "r", SA_X),
    ]
    .join("---\n");
    let g = graph(&yaml);
    assert!(g.has_edge("sa:ops/x", "workload:app/Pod/api", "RBAC_POD_EXEC"));
    assert!(g.has_edge("sa:ops/x", "workload:app/Pod/db", "RBAC_POD_EXEC"));
    assert!(!g.has_edge("sa:ops/x", "workload:web/Pod/far", "RBAC_POD_EXEC"));
}

#[test]
fn pods_exec_resource_names_restrict_to_named_pods() {
    let yaml = [
        PODS.to_string(),
        role(
            "ClusterRole",
            "r",
            None,
            "- {apiGroups: [\"\"], resources: [pods/exec], verbs: [create], resourceNames: [db]}\n",
        ),
        binding("ClusterRoleBinding", None, "ClusterRole", "r", SA_X),
    ]
    .join("---\n");
    let g = graph(&yaml);
    assert!(g.has_edge("sa:ops/x", "workload:app/Pod/db", "RBAC_POD_EXEC"));
    assert!(!g.has_edge("sa:ops/x", "workload:app/Pod/api", "RBAC_POD_EXEC"));
}

#[test]
fn get_pods_exec_is_exec_with_lower_likelihood() {
    let yaml = [
        PODS.to_string(),
        role(
            "Role",
            "r",
            Some("app"),
            "- {apiGroups: [\"\"], resources: [pods/exec], verbs: [get]}\n",
        ),
        binding("RoleBinding", Some("app"), "Role", "r", SA_X),
    ]
    .join("---\n");
    let g = graph(&yaml);
    let edges = g.edges_of("RBAC_POD_EXEC");
    assert_eq!(edges.len(), 2);
    assert!(edges[0].2.likelihood < super::RBAC_POD_EXEC.likelihood);
    assert!(edges[0].2.evidence[0].detail.contains("1.35"));
}

#[test]
fn pods_permission_without_exec_subresource_is_not_exec() {
    let yaml = [
        PODS.to_string(),
        role(
            "Role",
            "r",
            Some("app"),
            "- {apiGroups: [\"\"], resources: [pods], verbs: [\"*\"]}\n",
        ),
        binding("RoleBinding", Some("app"), "Role", "r", SA_X),
    ]
    .join("---\n");
    let g = graph(&yaml);
    assert!(g.edges_of("RBAC_POD_EXEC").is_empty());
}

#[test]
fn service_accounts_are_members_of_their_namespace_group_when_it_holds_grants() {
    let yaml = [
        "kind: ServiceAccount\napiVersion: v1\nmetadata: {name: web, namespace: ci}\n---\n\
         kind: ServiceAccount\napiVersion: v1\nmetadata: {name: web, namespace: prod}\n"
            .to_string(),
        binding(
            "ClusterRoleBinding",
            None,
            "ClusterRole",
            "cluster-admin",
            "{kind: Group, name: \"system:serviceaccounts:ci\", apiGroup: rbac.authorization.k8s.io}",
        ),
    ]
    .join("---\n");
    let g = graph(&yaml);
    assert!(g.has_edge(
        "group:system:serviceaccounts:ci",
        "cluster-admin",
        "RBAC_CLUSTER_ADMIN"
    ));
    assert!(g.has_edge("sa:ci/web", "group:system:serviceaccounts:ci", "MEMBER_OF"));
    assert!(g.has_edge(
        "sa:ci/default",
        "group:system:serviceaccounts:ci",
        "MEMBER_OF"
    ));
    assert!(!g.has_edge(
        "sa:prod/web",
        "group:system:serviceaccounts:ci",
        "MEMBER_OF"
    ));
    // Grants through a group are not repeated on the member.
    assert!(!g.has_edge("sa:ci/web", "cluster-admin", "RBAC_CLUSTER_ADMIN"));
}

#[test]
fn default_system_masters_binding_only_reaches_cluster_admin() {
    let g = graph(SECRETS);
    assert!(g.has_edge(
        "group:system:masters",
        "cluster-admin",
        "RBAC_CLUSTER_ADMIN"
    ));
    assert!(g.techniques_from("group:system:masters") == ["RBAC_CLUSTER_ADMIN"]);
    assert!(g.edges_of("RBAC_READ_SECRETS").is_empty());
}

#[test]
fn no_member_of_edge_to_a_group_that_leads_nowhere() {
    let yaml = [
        "kind: ServiceAccount\napiVersion: v1\nmetadata: {name: web, namespace: ci}\n".to_string(),
        binding(
            "ClusterRoleBinding",
            None,
            "ClusterRole",
            "view",
            "{kind: Group, name: \"system:authenticated\"}",
        ),
        binding(
            "ClusterRoleBinding",
            None,
            "ClusterRole",
            "edit",
            "{kind: User, name: alice}",
        ),
    ]
    .join("---\n");
    let g = graph(&yaml);
    assert!(g.edges_of("MEMBER_OF").is_empty());
}

// ---- Helpers for the techniques below ----

/// A role with one rule, bound to `sa:ops/x`: a Role + RoleBinding in `ns`, or (ns `None`) a
/// ClusterRole + ClusterRoleBinding.
fn grant(ns: Option<&str>, rules: &str) -> String {
    match ns {
        Some(n) => [
            role("Role", "r", Some(n), rules),
            binding("RoleBinding", Some(n), "Role", "r", SA_X),
        ]
        .join("---\n"),
        None => [
            role("ClusterRole", "r", None, rules),
            binding("ClusterRoleBinding", None, "ClusterRole", "r", SA_X),
        ]
        .join("---\n"),
    }
}

fn graph_of(parts: &[&str]) -> AttackGraph {
    graph(&parts.join("---\n"))
}

fn edge<'g>(g: &'g AttackGraph, from: &str, to: &str, t: &str) -> &'g crate::graph::Edge {
    g.edges_of(t)
        .into_iter()
        .find(|(f, d, _)| *f == from && *d == to)
        .map(|(_, _, e)| e)
        .unwrap_or_else(|| panic!("no {t} edge {from} -> {to}"))
}

fn rule(groups: &str, resources: &str, verbs: &str) -> String {
    format!("- {{apiGroups: [{groups}], resources: [{resources}], verbs: [{verbs}]}}\n")
}

fn named_rule(groups: &str, resources: &str, verbs: &str, names: &str) -> String {
    format!(
        "- {{apiGroups: [{groups}], resources: [{resources}], verbs: [{verbs}], resourceNames: [{names}]}}\n"
    )
}

const CORE: &str = "\"\"";

const APP_SA: &str =
    "kind: ServiceAccount\napiVersion: v1\nmetadata: {name: deployer, namespace: app}\n";

const DEPLOYMENT: &str = "kind: Deployment\napiVersion: apps/v1\nmetadata: {name: web, namespace: app}\n\
    spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {serviceAccountName: deployer, containers: [{name: c}]}}}\n";

// ---- RBAC_READ_SECRETS ----

#[test]
fn get_secrets_reaches_known_secrets_but_not_the_wildcard() {
    let g = graph_of(&[SECRETS, &grant(Some("app"), &rule(CORE, "secrets", "get"))]);
    assert!(g.has_edge("sa:ops/x", "secret:app/db", "RBAC_READ_SECRETS"));
    assert!(g.has_edge("sa:ops/x", "secret:app/tls", "RBAC_READ_SECRETS"));
    assert!(!g.has_edge("sa:ops/x", "secret:app/*", "RBAC_READ_SECRETS"));
}

#[test]
fn cluster_wide_get_secrets_does_not_reach_the_cluster_wildcard() {
    let g = graph_of(&[SECRETS, &grant(None, &rule(CORE, "secrets", "get"))]);
    assert!(g.has_edge("sa:ops/x", "secret:web/other", "RBAC_READ_SECRETS"));
    assert!(!g.has_edge("sa:ops/x", "secret:*/*", "RBAC_READ_SECRETS"));
}

// ---- RBAC_POD_ATTACH / RBAC_EPHEMERAL_CONTAINER ----

#[test]
fn create_pods_attach_reaches_workloads_in_its_namespace_only() {
    let g = graph_of(&[
        PODS,
        &grant(Some("app"), &rule(CORE, "pods/attach", "create")),
    ]);
    assert!(g.has_edge("sa:ops/x", "workload:app/Pod/api", "RBAC_POD_ATTACH"));
    assert!(!g.has_edge("sa:ops/x", "workload:web/Pod/far", "RBAC_POD_ATTACH"));
    assert!(g.edges_of("RBAC_POD_EXEC").is_empty());
}

#[test]
fn pods_attach_resource_names_restrict_to_named_pods() {
    let g = graph_of(&[
        PODS,
        &grant(
            Some("app"),
            &named_rule(CORE, "pods/attach", "create", "db"),
        ),
    ]);
    assert!(g.has_edge("sa:ops/x", "workload:app/Pod/db", "RBAC_POD_ATTACH"));
    assert!(!g.has_edge("sa:ops/x", "workload:app/Pod/api", "RBAC_POD_ATTACH"));
}

#[test]
fn patch_ephemeral_containers_reaches_workloads() {
    let g = graph_of(&[
        PODS,
        &grant(None, &rule(CORE, "pods/ephemeralcontainers", "patch")),
    ]);
    assert!(g.has_edge(
        "sa:ops/x",
        "workload:app/Pod/api",
        "RBAC_EPHEMERAL_CONTAINER"
    ));
    assert!(g.has_edge(
        "sa:ops/x",
        "workload:web/Pod/far",
        "RBAC_EPHEMERAL_CONTAINER"
    ));
}

#[test]
fn get_ephemeral_containers_adds_none() {
    let g = graph_of(&[
        PODS,
        &grant(None, &rule(CORE, "pods/ephemeralcontainers", "get, list")),
    ]);
    assert!(g.edges_of("RBAC_EPHEMERAL_CONTAINER").is_empty());
}

// ---- RBAC_PATCH_WORKLOAD ----

#[test]
fn patch_deployments_reaches_every_service_account_of_the_namespace_and_a_node() {
    let g = graph_of(&[
        APP_SA,
        DEPLOYMENT,
        &grant(Some("app"), &rule("apps", "deployments", "patch")),
    ]);
    assert!(g.has_edge("sa:ops/x", "sa:app/deployer", "RBAC_PATCH_WORKLOAD"));
    assert!(g.has_edge("sa:ops/x", "sa:app/default", "RBAC_PATCH_WORKLOAD"));
    assert!(g.has_edge("sa:ops/x", "node:*", "RBAC_PATCH_WORKLOAD"));
    let e = edge(&g, "sa:ops/x", "sa:app/default", "RBAC_PATCH_WORKLOAD");
    assert!(
        e.evidence
            .iter()
            .any(|ev| ev.object == "Deployment/app/web"),
        "{:?}",
        e.evidence
    );
}

#[test]
fn get_deployments_patches_nothing() {
    let g = graph_of(&[
        APP_SA,
        DEPLOYMENT,
        &grant(
            Some("app"),
            &rule("apps", "deployments", "get, list, watch"),
        ),
    ]);
    assert!(g.edges_of("RBAC_PATCH_WORKLOAD").is_empty());
}

#[test]
fn patch_deployments_resource_names_restrict_to_the_named_deployment() {
    let named = |n: &str| {
        graph_of(&[
            APP_SA,
            DEPLOYMENT,
            &grant(Some("app"), &named_rule("apps", "deployments", "update", n)),
        ])
    };
    assert!(named("web").has_edge("sa:ops/x", "sa:app/deployer", "RBAC_PATCH_WORKLOAD"));
    assert!(named("other").edges_of("RBAC_PATCH_WORKLOAD").is_empty());
}

#[test]
fn patch_deployments_in_another_namespace_reaches_nothing_here() {
    let g = graph_of(&[
        APP_SA,
        DEPLOYMENT,
        &grant(Some("web"), &rule("apps", "deployments", "patch")),
    ]);
    assert!(g.edges_of("RBAC_PATCH_WORKLOAD").is_empty());
}

#[test]
fn baseline_pod_security_blocks_the_patch_node_edge() {
    let ns = "kind: Namespace\napiVersion: v1\nmetadata: {name: app, labels: {pod-security.kubernetes.io/enforce: baseline}}\n";
    let g = graph_of(&[
        ns,
        APP_SA,
        DEPLOYMENT,
        &grant(Some("app"), &rule("apps", "deployments", "patch")),
    ]);
    assert!(g.has_edge("sa:ops/x", "sa:app/deployer", "RBAC_PATCH_WORKLOAD"));
    assert!(!g.has_edge("sa:ops/x", "node:*", "RBAC_PATCH_WORKLOAD"));
}

#[test]
fn patch_jobs_cannot_change_an_immutable_template() {
    let job = "kind: Job\napiVersion: batch/v1\nmetadata: {name: j, namespace: app}\n\
        spec: {template: {spec: {containers: [{name: c}], restartPolicy: Never}}}\n";
    let g = graph_of(&[job, &grant(Some("app"), &rule("batch", "jobs", "patch"))]);
    assert!(g.edges_of("RBAC_PATCH_WORKLOAD").is_empty());
}

#[test]
fn patch_pods_reaches_the_pod_and_its_own_service_account_only() {
    let pod = "kind: Pod\napiVersion: v1\nmetadata: {name: api, namespace: app}\n\
        spec: {serviceAccountName: deployer, containers: [{name: c}]}\n";
    let g = graph_of(&[
        APP_SA,
        pod,
        &grant(Some("app"), &rule(CORE, "pods", "patch")),
    ]);
    assert!(g.has_edge("sa:ops/x", "workload:app/Pod/api", "RBAC_PATCH_WORKLOAD"));
    assert!(g.has_edge("sa:ops/x", "sa:app/deployer", "RBAC_PATCH_WORKLOAD"));
    assert!(!g.has_edge("sa:ops/x", "sa:app/default", "RBAC_PATCH_WORKLOAD"));
    assert!(!g.has_edge("sa:ops/x", "node:*", "RBAC_PATCH_WORKLOAD"));
}

// ---- RBAC_TOKEN_REQUEST ----

#[test]
fn create_token_reaches_every_service_account_of_the_namespace() {
    let g = graph_of(&[
        APP_SA,
        &grant(Some("app"), &rule(CORE, "serviceaccounts/token", "create")),
    ]);
    assert!(g.has_edge("sa:ops/x", "sa:app/deployer", "RBAC_TOKEN_REQUEST"));
    assert!(g.has_edge("sa:ops/x", "sa:app/default", "RBAC_TOKEN_REQUEST"));
}

#[test]
fn create_token_resource_names_restrict_to_named_service_accounts() {
    let g = graph_of(&[
        APP_SA,
        &grant(
            Some("app"),
            &named_rule(CORE, "serviceaccounts/token", "create", "deployer"),
        ),
    ]);
    assert!(g.has_edge("sa:ops/x", "sa:app/deployer", "RBAC_TOKEN_REQUEST"));
    assert!(!g.has_edge("sa:ops/x", "sa:app/default", "RBAC_TOKEN_REQUEST"));
}

#[test]
fn get_token_or_create_serviceaccounts_mints_nothing() {
    let g = graph_of(&[
        APP_SA,
        &grant(
            Some("app"),
            &format!(
                "{}{}",
                rule(CORE, "serviceaccounts/token", "get"),
                rule(CORE, "serviceaccounts", "create")
            ),
        ),
    ]);
    assert!(g.edges_of("RBAC_TOKEN_REQUEST").is_empty());
}

// ---- RBAC_IMPERSONATE ----

#[test]
fn unrestricted_impersonate_of_users_and_groups_is_cluster_admin() {
    let g = graph_of(&[&grant(None, &rule(CORE, "users, groups", "impersonate"))]);
    let e = edge(&g, "sa:ops/x", "cluster-admin", "RBAC_IMPERSONATE");
    assert_eq!(e.likelihood, super::RBAC_IMPERSONATE.likelihood);
    assert!(
        e.evidence
            .iter()
            .any(|ev| ev.detail.contains("system:masters")),
        "{:?}",
        e.evidence
    );
}

#[test]
fn impersonate_named_identities_reaches_them() {
    let rules = format!(
        "{}{}",
        named_rule(CORE, "users", "impersonate", "alice"),
        named_rule(CORE, "groups", "impersonate", "\"system:masters\"")
    );
    let g = graph_of(&[&grant(None, &rules)]);
    assert!(g.has_edge("sa:ops/x", "user:alice", "RBAC_IMPERSONATE"));
    assert!(g.has_edge("sa:ops/x", "group:system:masters", "RBAC_IMPERSONATE"));
    assert!(!g.has_edge("sa:ops/x", "cluster-admin", "RBAC_IMPERSONATE"));
}

#[test]
fn impersonate_service_accounts_is_scoped_to_the_namespace() {
    let g = graph_of(&[
        APP_SA,
        "kind: ServiceAccount\napiVersion: v1\nmetadata: {name: other, namespace: web}\n",
        &grant(Some("app"), &rule(CORE, "serviceaccounts", "impersonate")),
    ]);
    assert!(g.has_edge("sa:ops/x", "sa:app/deployer", "RBAC_IMPERSONATE"));
    assert!(!g.has_edge("sa:ops/x", "sa:web/other", "RBAC_IMPERSONATE"));
}

#[test]
fn impersonate_users_through_a_rolebinding_grants_nothing() {
    // Users are cluster-scoped: a RoleBinding cannot grant them.
    let g = graph_of(&[&grant(
        Some("app"),
        &rule(CORE, "users, groups", "impersonate"),
    )]);
    assert!(g.edges_of("RBAC_IMPERSONATE").is_empty());
}

#[test]
fn other_verbs_on_users_do_not_impersonate() {
    let g = graph_of(&[&grant(None, &rule(CORE, "users, groups", "get, list"))]);
    assert!(g.edges_of("RBAC_IMPERSONATE").is_empty());
}

// ---- RBAC_BIND ----

const BIND_CLUSTER_ROLES: &str =
    "- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}\n";

#[test]
fn create_clusterrolebindings_and_bind_any_clusterrole_is_cluster_admin() {
    let rules = format!(
        "{}{BIND_CLUSTER_ROLES}",
        rule("rbac.authorization.k8s.io", "clusterrolebindings", "create")
    );
    let g = graph_of(&[&grant(None, &rules)]);
    let e = edge(&g, "sa:ops/x", "cluster-admin", "RBAC_BIND");
    assert!(
        e.evidence
            .iter()
            .any(|ev| ev.detail.contains("ClusterRole/cluster-admin may be bound")),
        "{:?}",
        e.evidence
    );
}

#[test]
fn creating_bindings_without_bind_is_not_bind() {
    let rules = rule(
        "rbac.authorization.k8s.io",
        "clusterrolebindings, rolebindings",
        "create, update, patch",
    );
    let g = graph_of(&[&grant(None, &rules)]);
    assert!(g.edges_of("RBAC_BIND").is_empty());
}

#[test]
fn bind_without_creating_bindings_is_not_bind() {
    let g = graph_of(&[&grant(None, BIND_CLUSTER_ROLES)]);
    assert!(g.edges_of("RBAC_BIND").is_empty());
}

#[test]
fn binding_edit_in_a_namespace_gives_what_edit_gives_there() {
    let rules = format!(
        "{}{}",
        rule("rbac.authorization.k8s.io", "rolebindings", "create"),
        named_rule("rbac.authorization.k8s.io", "clusterroles", "bind", "edit")
    );
    let g = graph_of(&[APP_SA, PODS, SECRETS, &grant(Some("app"), &rules)]);
    // edit creates pods and deployments, execs into pods and reads secrets in `app`.
    assert!(g.has_edge("sa:ops/x", "sa:app/deployer", "RBAC_BIND"));
    assert!(g.has_edge("sa:ops/x", "node:*", "RBAC_BIND"));
    assert!(g.has_edge("sa:ops/x", "workload:app/Pod/api", "RBAC_BIND"));
    assert!(g.has_edge("sa:ops/x", "secret:app/*", "RBAC_BIND"));
    assert!(!g.has_edge("sa:ops/x", "cluster-admin", "RBAC_BIND"));
    assert!(!g.has_edge("sa:ops/x", "workload:web/Pod/far", "RBAC_BIND"));
    let e = edge(&g, "sa:ops/x", "sa:app/deployer", "RBAC_BIND");
    assert!(
        e.evidence
            .iter()
            .any(|ev| ev.detail.contains("RBAC_CREATE_WORKLOAD")),
        "{:?}",
        e.evidence
    );
    assert!(e.likelihood < super::RBAC_BIND.likelihood);
}

#[test]
fn bind_restricted_to_view_gives_nothing() {
    let rules = format!(
        "{}{}",
        rule("rbac.authorization.k8s.io", "rolebindings", "create"),
        named_rule("rbac.authorization.k8s.io", "clusterroles", "bind", "view")
    );
    let g = graph_of(&[APP_SA, PODS, SECRETS, &grant(Some("app"), &rules)]);
    assert!(g.edges_of("RBAC_BIND").is_empty());
}

#[test]
fn update_only_rolebindings_bind_only_the_roles_existing_bindings_name() {
    let existing = binding(
        "RoleBinding",
        Some("app"),
        "ClusterRole",
        "view",
        "{kind: User, name: bob}",
    );
    let rules = format!(
        "{}{BIND_CLUSTER_ROLES}",
        rule("rbac.authorization.k8s.io", "rolebindings", "update, patch")
    );
    let g = graph_of(&[APP_SA, SECRETS, &existing, &grant(Some("app"), &rules)]);
    // Only `view` is bound in `app`, and view gives nothing to take.
    assert!(g.edges_of("RBAC_BIND").is_empty());
    // With create, any ClusterRole (cluster-admin in the namespace) may be bound.
    let rules = format!(
        "{}{BIND_CLUSTER_ROLES}",
        rule("rbac.authorization.k8s.io", "rolebindings", "create")
    );
    let g = graph_of(&[APP_SA, SECRETS, &existing, &grant(Some("app"), &rules)]);
    assert!(g.has_edge("sa:ops/x", "sa:app/deployer", "RBAC_BIND"));
    assert!(!g.has_edge("sa:ops/x", "cluster-admin", "RBAC_BIND"));
}

#[test]
fn bindable_roles_are_evaluated_once_per_role_and_scope() {
    // Two identities that may bind the same role reach the same targets.
    let rules = format!(
        "{}{BIND_CLUSTER_ROLES}",
        rule("rbac.authorization.k8s.io", "rolebindings", "create")
    );
    let yaml = [
        APP_SA.to_string(),
        role("Role", "r", Some("app"), &rules),
        binding(
            "RoleBinding",
            Some("app"),
            "Role",
            "r",
            "{kind: ServiceAccount, name: x, namespace: ops}\n- {kind: User, name: alice}",
        ),
    ]
    .join("---\n");
    let g = graph(&yaml);
    for who in ["sa:ops/x", "user:alice"] {
        assert!(g.has_edge(who, "sa:app/deployer", "RBAC_BIND"), "{who}");
    }
}

// ---- RBAC_ESCALATE ----

#[test]
fn escalate_and_update_on_own_clusterrole_is_cluster_admin() {
    let g = graph_of(&[&grant(
        None,
        &rule(
            "rbac.authorization.k8s.io",
            "clusterroles",
            "escalate, update",
        ),
    )]);
    assert!(g.has_edge("sa:ops/x", "cluster-admin", "RBAC_ESCALATE"));
}

#[test]
fn escalate_without_update_is_not_escalate() {
    let g = graph_of(&[&grant(
        None,
        &rule("rbac.authorization.k8s.io", "clusterroles", "escalate, get"),
    )]);
    assert!(g.edges_of("RBAC_ESCALATE").is_empty());
}

#[test]
fn escalate_on_a_role_in_a_namespace_owns_that_namespace_only() {
    let g = graph_of(&[
        APP_SA,
        SECRETS,
        &grant(
            Some("app"),
            &rule("rbac.authorization.k8s.io", "roles", "escalate, patch"),
        ),
    ]);
    assert!(g.has_edge("sa:ops/x", "sa:app/deployer", "RBAC_ESCALATE"));
    assert!(g.has_edge("sa:ops/x", "node:*", "RBAC_ESCALATE"));
    assert!(g.has_edge("sa:ops/x", "secret:app/db", "RBAC_ESCALATE"));
    assert!(!g.has_edge("sa:ops/x", "cluster-admin", "RBAC_ESCALATE"));
    assert!(!g.has_edge("sa:ops/x", "secret:web/other", "RBAC_ESCALATE"));
}

#[test]
fn escalate_restricted_to_a_role_not_bound_to_the_identity_gives_nothing() {
    let g = graph_of(&[&grant(
        None,
        &named_rule(
            "rbac.authorization.k8s.io",
            "clusterroles",
            "escalate, update",
            "someone-elses",
        ),
    )]);
    assert!(g.edges_of("RBAC_ESCALATE").is_empty());
}

// ---- RBAC_CSR_APPROVE ----

fn csr_rules(signer_names: Option<&str>) -> String {
    let approve = match signer_names {
        Some(n) => named_rule("certificates.k8s.io", "signers", "approve", n),
        None => rule("certificates.k8s.io", "signers", "approve"),
    };
    format!(
        "{}{}{approve}",
        rule(
            "certificates.k8s.io",
            "certificatesigningrequests",
            "create"
        ),
        rule(
            "certificates.k8s.io",
            "certificatesigningrequests/approval",
            "update"
        ),
    )
}

#[test]
fn create_and_approve_csrs_for_the_client_signer_is_cluster_admin() {
    let g = graph_of(&[&grant(
        None,
        &csr_rules(Some("kubernetes.io/kube-apiserver-client")),
    )]);
    let e = edge(&g, "sa:ops/x", "cluster-admin", "RBAC_CSR_APPROVE");
    assert_eq!(e.likelihood, super::RBAC_CSR_APPROVE.likelihood);
}

#[test]
fn csr_approval_without_approve_on_signers_is_nothing() {
    let rules = format!(
        "{}{}",
        rule(
            "certificates.k8s.io",
            "certificatesigningrequests",
            "create"
        ),
        rule(
            "certificates.k8s.io",
            "certificatesigningrequests/approval",
            "update"
        ),
    );
    let g = graph_of(&[&grant(None, &rules)]);
    assert!(g.edges_of("RBAC_CSR_APPROVE").is_empty());
}

#[test]
fn csr_signer_restricted_to_kubelet_serving_gives_no_edge() {
    let g = graph_of(&[&grant(
        None,
        &csr_rules(Some("kubernetes.io/kubelet-serving")),
    )]);
    assert!(g.edges_of("RBAC_CSR_APPROVE").is_empty());
}

#[test]
fn csr_custom_signer_is_possible_with_lower_likelihood() {
    let g = graph_of(&[&grant(None, &csr_rules(Some("example.com/internal")))]);
    let e = edge(&g, "sa:ops/x", "cluster-admin", "RBAC_CSR_APPROVE");
    assert!(e.likelihood < super::RBAC_CSR_APPROVE.likelihood);
}

// ---- RBAC_NODES_PROXY ----

const NODE_N1: &str = "kind: Node\napiVersion: v1\nmetadata: {name: n1}\n";

#[test]
fn get_nodes_proxy_reaches_every_node() {
    let g = graph_of(&[NODE_N1, &grant(None, &rule(CORE, "nodes/proxy", "get"))]);
    assert!(g.has_edge("sa:ops/x", "node:n1", "RBAC_NODES_PROXY"));
    assert!(g.has_edge("sa:ops/x", "node:*", "RBAC_NODES_PROXY"));
}

#[test]
fn nodes_proxy_resource_names_restrict_to_named_nodes() {
    let g = graph_of(&[
        NODE_N1,
        &grant(None, &named_rule(CORE, "nodes/proxy", "create", "n2")),
    ]);
    assert!(g.has_edge("sa:ops/x", "node:n2", "RBAC_NODES_PROXY"));
    assert!(!g.has_edge("sa:ops/x", "node:n1", "RBAC_NODES_PROXY"));
    assert!(!g.has_edge("sa:ops/x", "node:*", "RBAC_NODES_PROXY"));
}

#[test]
fn nodes_get_without_proxy_or_through_a_rolebinding_is_nothing() {
    let g = graph_of(&[NODE_N1, &grant(None, &rule(CORE, "nodes", "get"))]);
    assert!(g.edges_of("RBAC_NODES_PROXY").is_empty());
    let g = graph_of(&[
        NODE_N1,
        &grant(Some("app"), &rule(CORE, "nodes/proxy", "get")),
    ]);
    assert!(g.edges_of("RBAC_NODES_PROXY").is_empty());
}

// ---- RBAC_WEBHOOK_WRITE ----

#[test]
fn mutating_webhook_write_is_cluster_admin_likelier_than_validating() {
    let m = graph_of(&[&grant(
        None,
        &rule(
            "admissionregistration.k8s.io",
            "mutatingwebhookconfigurations",
            "create",
        ),
    )]);
    let v = graph_of(&[&grant(
        None,
        &rule(
            "admissionregistration.k8s.io",
            "validatingwebhookconfigurations",
            "patch",
        ),
    )]);
    let lm = edge(&m, "sa:ops/x", "cluster-admin", "RBAC_WEBHOOK_WRITE").likelihood;
    let lv = edge(&v, "sa:ops/x", "cluster-admin", "RBAC_WEBHOOK_WRITE").likelihood;
    assert!(lm > lv, "{lm} > {lv}");
}

#[test]
fn reading_webhook_configurations_is_not_writing_them() {
    let g = graph_of(&[&grant(
        None,
        &rule(
            "admissionregistration.k8s.io",
            "mutatingwebhookconfigurations, validatingwebhookconfigurations",
            "get, list, watch",
        ),
    )]);
    assert!(g.edges_of("RBAC_WEBHOOK_WRITE").is_empty());
}

// ---- RBAC_AWS_AUTH_WRITE ----

#[test]
fn patch_configmaps_in_kube_system_is_cluster_admin_likelier_on_eks() {
    let yaml = grant(Some("kube-system"), &rule(CORE, "configmaps", "patch"));
    let g = graph(&yaml);
    let e = edge(&g, "sa:ops/x", "cluster-admin", "RBAC_AWS_AUTH_WRITE");
    assert_eq!(e.likelihood, super::AWS_AUTH_NOT_EKS_LIKELIHOOD);
    let mut snap = snapshot(&yaml);
    snap.facts.provider = Some("eks".into());
    let g = crate::build_graph(&snap).0;
    let e = edge(&g, "sa:ops/x", "cluster-admin", "RBAC_AWS_AUTH_WRITE");
    assert_eq!(e.likelihood, super::RBAC_AWS_AUTH_WRITE.likelihood);
}

#[test]
fn configmap_write_restricted_to_another_name_or_namespace_is_not_aws_auth() {
    let g = graph_of(&[&grant(
        Some("kube-system"),
        &named_rule(CORE, "configmaps", "update, patch", "coredns"),
    )]);
    assert!(g.edges_of("RBAC_AWS_AUTH_WRITE").is_empty());
    let g = graph_of(&[&grant(
        Some("app"),
        &rule(CORE, "configmaps", "update, patch"),
    )]);
    assert!(g.edges_of("RBAC_AWS_AUTH_WRITE").is_empty());
    let g = graph_of(&[&grant(
        Some("kube-system"),
        &named_rule(CORE, "configmaps", "patch", "aws-auth"),
    )]);
    assert!(g.has_edge("sa:ops/x", "cluster-admin", "RBAC_AWS_AUTH_WRITE"));
}

// ---- Combinations across the identity and its groups ----

#[test]
fn bind_held_directly_combines_with_binding_writes_held_by_a_group() {
    let yaml = [
        role(
            "ClusterRole",
            "writer",
            None,
            &rule("rbac.authorization.k8s.io", "clusterrolebindings", "create"),
        ),
        binding(
            "ClusterRoleBinding",
            None,
            "ClusterRole",
            "writer",
            "{kind: Group, name: \"system:serviceaccounts\"}",
        ),
        role("ClusterRole", "binder", None, BIND_CLUSTER_ROLES),
        binding("ClusterRoleBinding", None, "ClusterRole", "binder", SA_X),
    ]
    .join("---\n");
    let g = graph(&yaml);
    assert!(g.has_edge("sa:ops/x", "cluster-admin", "RBAC_BIND"));
    // The group alone cannot bind.
    assert!(g.techniques_from("group:system:serviceaccounts").is_empty());
}

#[test]
fn webhook_write_through_a_rolebinding_is_nothing() {
    // Webhook configurations are cluster-scoped: a RoleBinding cannot grant them.
    let g = graph_of(&[&grant(
        Some("app"),
        &rule(
            "admissionregistration.k8s.io",
            "mutatingwebhookconfigurations",
            "create, update, patch",
        ),
    )]);
    assert!(g.edges_of("RBAC_WEBHOOK_WRITE").is_empty());
}
