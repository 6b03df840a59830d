use super::*;
use crate::testutil;

fn eval(yaml: &str, check: impl FnOnce(&Rbac<'_>, &[Warning])) {
    let snap = testutil::snapshot(yaml);
    let mut warnings = Vec::new();
    let rbac = Rbac::new(&snap, &mut warnings);
    check(&rbac, &warnings);
}

fn sa(ns: &str, name: &str) -> Identity {
    Identity::service_account(ns, name)
}

const SECRET_READER: &str = r#"
kind: Role
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: reader, namespace: app}
rules:
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [db-password]
  verbs: [get, list]
---
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: reader, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: ServiceAccount, name: web}
"#;

#[test]
fn resource_names_allow_the_named_get_but_not_list() {
    eval(SECRET_READER, |r, w| {
        assert!(w.is_empty(), "{w:?}");
        let web = sa("app", "web");
        assert!(r.allows(&web, "get", "", "secrets", Some("app"), Some("db-password")));
        assert!(!r.allows(&web, "get", "", "secrets", Some("app"), Some("other")));
        assert!(!r.allows(&web, "list", "", "secrets", Some("app"), None));
        let g = r.grants(&web, "get", "", "secrets");
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].resource_names, ["db-password".to_string()]);
    });
}

#[test]
fn service_account_subject_without_namespace_is_in_the_bindings_namespace() {
    eval(SECRET_READER, |r, _| {
        assert!(r.is_bound(&sa("app", "web")));
        assert!(!r.is_bound(&sa("default", "web")));
        assert!(!r.allows(
            &sa("default", "web"),
            "get",
            "",
            "secrets",
            Some("app"),
            Some("db-password")
        ));
    });
}

#[test]
fn service_account_subject_without_namespace_in_cluster_binding_is_ignored_with_warning() {
    eval(
        r#"
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: broken}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: ServiceAccount, name: web}
"#,
        |r, w| {
            assert!(!r.is_bound(&sa("default", "web")));
            assert!(
                !r.identities()
                    .iter()
                    .any(|i| matches!(i, Identity::ServiceAccount { .. }))
            );
            assert!(
                w.iter()
                    .any(|w| w.object.as_deref() == Some("ClusterRoleBinding/broken")
                        && w.field.as_deref() == Some("subjects[0]")),
                "{w:?}"
            );
        },
    );
}

#[test]
fn missing_role_warns_naming_binding_and_role_and_grants_nothing() {
    eval(
        r#"
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: b, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ghost}
subjects:
- {kind: User, name: alice}
"#,
        |r, w| {
            assert!(!r.is_bound(&Identity::User("alice".into())));
            assert_eq!(w.len(), 1, "{w:?}");
            assert_eq!(w[0].object.as_deref(), Some("RoleBinding/app/b"));
            assert!(w[0].message.contains("Role/app/ghost"), "{}", w[0].message);
        },
    );
}

#[test]
fn rolebinding_to_clusterrole_is_scoped_to_its_namespace() {
    eval(
        r#"
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: secret-admin}
rules:
- {apiGroups: [""], resources: [secrets], verbs: ["*"]}
---
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: b, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-admin}
subjects:
- {kind: User, name: alice}
"#,
        |r, _| {
            let alice = Identity::User("alice".into());
            assert!(r.allows(&alice, "list", "", "secrets", Some("team"), None));
            assert!(!r.allows(&alice, "list", "", "secrets", Some("kube-system"), None));
            let g = r.grants(&alice, "get", "", "secrets");
            assert_eq!(g[0].scope, Scope::Namespace("team".into()));
            assert_eq!(g[0].evidence.object, "RoleBinding/team/b");
            assert_eq!(
                g[0].evidence.field,
                "roleRef -> ClusterRole/secret-admin rules[0]"
            );
            assert_eq!(g[0].evidence.detail, "* on core/secrets in namespace team");
        },
    );
}

#[test]
fn clusterrolebinding_grants_every_namespace_and_cluster_scope() {
    eval(
        r#"
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: ServiceAccount, name: ops, namespace: tools}
"#,
        |r, _| {
            let ops = sa("tools", "ops");
            assert!(r.allows(&ops, "delete", "", "nodes", None, Some("n1")));
            assert!(r.allows(&ops, "create", "", "pods/exec", Some("x"), Some("p")));
            assert!(r.allows_non_resource(&ops, "get", "/metrics"));
            let g = r.grants(&ops, "*", "*", "*");
            assert_eq!(g.len(), 1);
            assert_eq!(g[0].scope, Scope::Cluster);
            assert!(g[0].evidence.detail.contains("Kubernetes default role"));
        },
    );
}

#[test]
fn wildcards_match_verbs_groups_resources_and_any_subresource() {
    eval(
        r#"
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: wild}
rules:
- {apiGroups: ["*"], resources: ["deployments"], verbs: ["*"]}
- {apiGroups: [""], resources: ["*/exec"], verbs: [create]}
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: wild}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: wild}
subjects:
- {kind: Group, name: devs}
"#,
        |r, _| {
            let devs = Identity::Group("devs".into());
            assert!(r.allows(&devs, "patch", "apps", "deployments", Some("a"), None));
            assert!(r.allows(&devs, "escalate", "whatever.io", "deployments", None, None));
            assert!(!r.allows(&devs, "get", "apps", "deployments/scale", Some("a"), None));
            assert!(r.allows(&devs, "create", "", "pods/exec", Some("a"), Some("p")));
            assert!(r.allows(&devs, "create", "", "nodes/exec", None, None));
            assert!(!r.allows(&devs, "create", "", "pods", Some("a"), None));
            assert!(!r.allows(&devs, "create", "", "pods/attach", Some("a"), None));
            assert!(!r.allows(&devs, "get", "", "exec", Some("a"), None));
        },
    );
}

#[test]
fn rule_for_pods_does_not_cover_pods_exec() {
    eval(
        r#"
kind: Role
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: pods, namespace: a}
rules:
- {apiGroups: [""], resources: [pods], verbs: ["*"]}
---
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: pods, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pods}
subjects:
- {kind: User, name: bob}
"#,
        |r, _| {
            let bob = Identity::User("bob".into());
            assert!(r.allows(&bob, "create", "", "pods", Some("a"), None));
            assert!(!r.allows(&bob, "create", "", "pods/exec", Some("a"), Some("p")));
            assert!(r.grants(&bob, "create", "", "pods/exec").is_empty());
        },
    );
}

#[test]
fn group_subjects_apply_to_service_accounts_of_the_namespace() {
    eval(
        r#"
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: pod-creator}
rules:
- {apiGroups: [""], resources: [pods], verbs: [create]}
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: ci-sas}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-creator}
subjects:
- {kind: Group, name: "system:serviceaccounts:ci", apiGroup: rbac.authorization.k8s.io}
"#,
        |r, _| {
            let builder = sa("ci", "builder");
            assert!(r.allows(&builder, "create", "", "pods", Some("prod"), None));
            assert!(!r.allows(
                &sa("web", "builder"),
                "create",
                "",
                "pods",
                Some("prod"),
                None
            ));
            // Users are not service accounts.
            assert!(!r.allows(
                &Identity::User("ci".into()),
                "create",
                "",
                "pods",
                Some("prod"),
                None
            ));
            let g = r.grants(&builder, "create", "", "pods");
            assert_eq!(g[0].via_group.as_deref(), Some("system:serviceaccounts:ci"));
            assert!(
                g[0].evidence
                    .detail
                    .ends_with("(via group system:serviceaccounts:ci)")
            );
            assert!(r.direct_grants(&builder, "create", "", "pods").is_empty());
        },
    );
}

#[test]
fn authenticated_group_applies_to_users_and_service_accounts() {
    eval(
        r#"
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: everyone-views}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: Group, name: "system:authenticated"}
"#,
        |r, _| {
            for who in [sa("a", "b"), Identity::User("carol".into())] {
                assert!(r.allows(&who, "list", "", "pods", Some("x"), None), "{who}");
            }
        },
    );
}

#[test]
fn user_subject_with_service_account_name_is_that_service_account() {
    eval(
        r#"
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: User, name: "system:serviceaccount:mon:agent"}
"#,
        |r, _| {
            assert!(r.is_bound(&sa("mon", "agent")));
            assert!(r.allows(&sa("mon", "agent"), "get", "", "pods", Some("x"), Some("p")));
            assert_eq!(sa("mon", "agent").node_id(), "sa:mon/agent");
        },
    );
}

#[test]
fn builtin_view_excludes_secrets_and_edit_includes_them() {
    eval(
        r#"
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: v, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: User, name: viewer}
---
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: e, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {kind: User, name: editor}
---
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: ad, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
subjects:
- {kind: User, name: admin}
"#,
        |r, w| {
            assert!(w.is_empty(), "{w:?}");
            let viewer = Identity::User("viewer".into());
            let editor = Identity::User("editor".into());
            let admin = Identity::User("admin".into());
            assert!(r.allows(&viewer, "list", "", "pods", Some("a"), None));
            assert!(!r.allows(&viewer, "get", "", "secrets", Some("a"), Some("s")));
            assert!(!r.allows(&viewer, "create", "", "pods/exec", Some("a"), Some("p")));
            for who in [&editor, &admin] {
                assert!(r.allows(who, "get", "", "secrets", Some("a"), Some("s")));
                assert!(r.allows(who, "create", "", "pods/exec", Some("a"), Some("p")));
                assert!(r.allows(who, "patch", "apps", "deployments", Some("a"), Some("d")));
                // view's rules flow into edit and admin through aggregation.
                assert!(r.allows(who, "list", "", "pods", Some("a"), None));
            }
            assert!(!r.allows(
                &editor,
                "create",
                "rbac.authorization.k8s.io",
                "rolebindings",
                Some("a"),
                None
            ));
            assert!(r.allows(
                &admin,
                "create",
                "rbac.authorization.k8s.io",
                "rolebindings",
                Some("a"),
                None
            ));
            let g = r.grants(&editor, "get", "", "secrets");
            assert_eq!(
                g[0].evidence.field,
                "roleRef -> ClusterRole/edit <- ClusterRole/system:aggregate-to-edit rules[0]"
            );
        },
    );
}

#[test]
fn labelled_clusterrole_aggregates_into_builtin_admin_edit_view() {
    eval(
        r#"
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  name: crd-viewer
  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
rules:
- {apiGroups: [example.io], resources: [widgets], verbs: [get]}
---
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: ad, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
subjects:
- {kind: User, name: admin}
"#,
        |r, _| {
            let admin = Identity::User("admin".into());
            // crd-viewer -> view -> edit -> admin, transitively.
            assert!(r.allows(&admin, "get", "example.io", "widgets", Some("a"), Some("w")));
            let g = r.grants(&admin, "get", "example.io", "widgets");
            assert_eq!(
                g[0].rule_location(),
                "ClusterRole/crd-viewer rules[0] (aggregated into ClusterRole/admin)"
            );
        },
    );
}

#[test]
fn aggregation_is_transitive_includes_own_rules_and_survives_cycles() {
    eval(
        r#"
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: top, labels: {tier: c}}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {tier: a}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get]}
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: middle, labels: {tier: a}}
aggregationRule:
  clusterRoleSelectors:
  - matchExpressions:
    - {key: tier, operator: In, values: [b, c]}
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: leaf, labels: {tier: b}}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [list]}
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: unrelated, labels: {tier: z}}
rules:
- {apiGroups: [""], resources: [nodes], verbs: [list]}
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: top}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: top}
subjects:
- {kind: User, name: u}
"#,
        |r, w| {
            assert!(w.is_empty(), "{w:?}");
            let u = Identity::User("u".into());
            assert!(r.allows(&u, "get", "", "configmaps", Some("x"), Some("c")));
            assert!(r.allows(&u, "list", "", "secrets", Some("x"), None));
            assert!(!r.allows(&u, "list", "", "nodes", None, None));
        },
    );
}

#[test]
fn invalid_aggregation_selector_warns_and_aggregates_nothing() {
    eval(
        r#"
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: agg}
aggregationRule:
  clusterRoleSelectors:
  - matchExpressions:
    - {key: tier, operator: Like}
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: leaf, labels: {tier: b}}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [list]}
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: agg}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: agg}
subjects:
- {kind: User, name: u}
"#,
        |r, w| {
            assert_eq!(w.len(), 1, "{w:?}");
            assert_eq!(w[0].object.as_deref(), Some("ClusterRole/agg"));
            assert_eq!(
                w[0].field.as_deref(),
                Some("aggregationRule.clusterRoleSelectors[0]")
            );
            assert!(!r.allows(
                &Identity::User("u".into()),
                "list",
                "",
                "secrets",
                None,
                None
            ));
        },
    );
}

#[test]
fn snapshot_definition_overrides_builtin_role() {
    eval(
        r#"
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: edit}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get]}
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: e}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {kind: User, name: u}
"#,
        |r, _| {
            let u = Identity::User("u".into());
            assert!(r.allows(&u, "get", "", "configmaps", Some("a"), Some("c")));
            assert!(!r.allows(&u, "get", "", "secrets", Some("a"), Some("s")));
        },
    );
}

#[test]
fn system_masters_is_cluster_admin_by_default() {
    eval("", |r, _| {
        let masters = Identity::Group("system:masters".into());
        assert!(r.allows(&masters, "delete", "", "namespaces", None, Some("x")));
        assert!(!r.allows(
            &Identity::User("nobody".into()),
            "get",
            "",
            "pods",
            Some("a"),
            None
        ));
    });
}

#[test]
fn clusterrolebinding_to_role_and_unknown_subject_kind_warn() {
    eval(
        r#"
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: bad}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: x}
subjects:
- {kind: User, name: u}
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: odd}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: Robot, name: r2}
"#,
        |r, w| {
            assert_eq!(w.len(), 2, "{w:?}");
            assert!(!r.is_bound(&Identity::User("u".into())));
        },
    );
}

#[test]
fn builtin_kube_system_role_resolves_for_rolebindings_there() {
    eval(
        r#"
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: auth-reader, namespace: kube-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader}
subjects:
- {kind: ServiceAccount, name: metrics-server, namespace: kube-system}
"#,
        |r, w| {
            assert!(w.is_empty(), "{w:?}");
            let ms = sa("kube-system", "metrics-server");
            let cm = Some("extension-apiserver-authentication");
            assert!(r.allows(&ms, "get", "", "configmaps", Some("kube-system"), cm));
            assert!(!r.allows(&ms, "get", "", "configmaps", Some("kube-system"), Some("x")));
        },
    );
}

const UNBOUND_AND_BOUND: &str = r#"
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: unbound}
rules:
- {apiGroups: [""], resources: [pods], verbs: [create]}
---
kind: Role
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: local, namespace: app}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [db]}
---
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: local, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: local}
subjects:
- {kind: Group, name: "system:serviceaccounts:app"}
"#;

#[test]
fn unbound_roles_are_resolved_and_evaluated_as_they_would_be_bound() {
    eval(UNBOUND_AND_BOUND, |r, _| {
        let id = r
            .role_id(true, "ignored", "unbound")
            .expect("ClusterRole resolved");
        let ns = Scope::Namespace("web".into());
        let g = r.role_grants(id, &ns, "create", "", "pods");
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].scope, ns);
        assert!(g[0].binding.is_none());
        assert_eq!(g[0].evidence.object, "ClusterRole/unbound");
        assert!(g[0].evidence.detail.contains("if bound in namespace web"));
        assert!(r.role_grants(id, &ns, "get", "", "pods").is_empty());
        // Default roles are known too; namespaced Roles by namespace.
        assert!(r.role_id(true, "", "cluster-admin").is_some());
        assert_eq!(r.roles_in("app").len(), 1);
        assert!(r.roles_in("web").is_empty());
        assert!(r.role_id(false, "web", "local").is_none());
    });
}

#[test]
fn bound_roles_include_those_of_implicit_groups_with_their_scope() {
    eval(UNBOUND_AND_BOUND, |r, _| {
        let bound = r.bound_roles(&sa("app", "web"));
        assert_eq!(bound.len(), 1);
        assert_eq!(bound[0].scope, Scope::Namespace("app".into()));
        assert_eq!(
            bound[0].via_group.as_deref(),
            Some("system:serviceaccounts:app")
        );
        assert_eq!(r.role(bound[0].role).metadata.name, "local");
        assert!(r.bound_roles(&sa("web", "web")).is_empty());
    });
}

#[test]
fn any_permission_role_allows_everything_in_its_scope() {
    eval(UNBOUND_AND_BOUND, |r, _| {
        let any = r.any_permission();
        let ns = Scope::Namespace("app".into());
        for (verb, group, res) in [
            ("create", "", "pods"),
            ("escalate", "rbac.authorization.k8s.io", "roles"),
            ("get", "", "pods/exec"),
        ] {
            assert_eq!(
                r.role_grants(any, &ns, verb, group, res).len(),
                1,
                "{verb} {res}"
            );
        }
    });
}
