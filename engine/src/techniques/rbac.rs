//! RBAC: what a Kubernetes identity can do with its permissions.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::graph::{AttackGraph, Evidence, id};
use crate::index::Index;
use crate::rbac::{GROUP_AUTHENTICATED, Grant, Identity, Scope};
use crate::techniques::technique;

technique!(
    RBAC_POD_EXEC,
    "Identity can exec into pods",
    Some("T1609"),
    0.95,
    "Remove create on pods/exec from the role, or scope it to a namespace without sensitive workloads."
);
technique!(
    RBAC_POD_ATTACH,
    "Identity can attach to pods",
    Some("T1609"),
    0.9,
    "Remove create on pods/attach from the role."
);
technique!(
    RBAC_EPHEMERAL_CONTAINER,
    "Identity can add ephemeral containers to pods",
    Some("T1609"),
    0.9,
    "Remove update/patch on pods/ephemeralcontainers from the role."
);
technique!(
    RBAC_CREATE_WORKLOAD,
    "Identity can create pods (directly or via a controller)",
    Some("T1610"),
    0.9,
    "Remove create on pods and pod controllers from the role, or enforce the restricted Pod Security Standard in the namespace."
);
technique!(
    RBAC_PATCH_WORKLOAD,
    "Identity can modify pods or pod controllers",
    Some("T1610"),
    0.85,
    "Remove update/patch on pods and pod controllers from the role."
);
technique!(
    RBAC_READ_SECRETS,
    "Identity can read Secrets",
    Some("T1552.007"),
    0.9,
    "Remove get/list/watch on secrets from the role, or restrict it with resourceNames."
);
technique!(
    RBAC_TOKEN_REQUEST,
    "Identity can mint tokens for service accounts",
    Some("T1528"),
    0.95,
    "Remove create on serviceaccounts/token from the role."
);
technique!(
    RBAC_IMPERSONATE,
    "Identity can impersonate users, groups or service accounts",
    Some("T1078"),
    0.95,
    "Remove the impersonate verb from the role."
);
technique!(
    RBAC_BIND,
    "Identity can bind roles it does not hold",
    Some("T1098"),
    0.9,
    "Remove the bind verb on roles/clusterroles from the role."
);
technique!(
    RBAC_ESCALATE,
    "Identity can escalate roles beyond its own permissions",
    Some("T1098"),
    0.9,
    "Remove the escalate verb on roles/clusterroles from the role."
);
technique!(
    RBAC_CSR_APPROVE,
    "Identity can approve certificate signing requests",
    Some("T1649"),
    0.7,
    "Remove approve on certificatesigningrequests/approval and update on signers from the role."
);
technique!(
    RBAC_NODES_PROXY,
    "Identity can reach the kubelet API through nodes/proxy",
    Some("T1609"),
    0.85,
    "Remove get/create on nodes/proxy from the role."
);
technique!(
    RBAC_WEBHOOK_WRITE,
    "Identity can register admission webhooks",
    Some("T1546"),
    0.7,
    "Remove create/update/patch on mutating and validating webhook configurations from the role."
);
technique!(
    RBAC_AWS_AUTH_WRITE,
    "Identity can edit the aws-auth ConfigMap",
    Some("T1098"),
    0.9,
    "Remove update/patch on configmaps in kube-system (or resourceNames aws-auth); migrate to EKS access entries."
);
technique!(
    RBAC_CLUSTER_ADMIN,
    "Identity holds every permission on every resource",
    Some("T1078"),
    1.0,
    "Bind a role with only the verbs and resources the identity needs instead of a wildcard role."
);
technique!(
    MEMBER_OF,
    "Identity is a member of a group",
    None,
    1.0,
    "Remove the bindings that grant this group permissions it should not have."
);

/// The kinds whose `create` runs a pod spec of the creator's choosing: Pods and every built-in
/// pod controller.
const POD_CREATORS: &[(&str, &str)] = &[
    ("", "pods"),
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("", "replicationcontrollers"),
];

/// `get` on pods/exec allows exec only through the WebSocket upgrade, and only on API
/// servers before Kubernetes 1.35 (which require `create`): possible, not certain.
const GET_EXEC_LIKELIHOOD: f64 = 0.6;

const PSA_ENFORCE: &str = "pod-security.kubernetes.io/enforce";

pub fn edges(ix: &Index, g: &mut AttackGraph) {
    for who in ix.rbac.identities() {
        let from = who.node_id();
        cluster_admin(ix, g, who, &from);
        // A default binding (system:masters -> cluster-admin) exists in every cluster; its
        // one edge says all, and fanning it out to every secret and pod would bloat every graph.
        if ix.rbac.only_default_bindings(who) {
            continue;
        }
        read_secrets(ix, g, who, &from);
        create_workload(ix, g, who, &from);
        pod_exec(ix, g, who, &from);
    }
    // Last, so that it can link only to groups that lead somewhere.
    member_of(ix, g);
}

/// Only direct grants are used per identity: grants through a group are edges of the group
/// node, which members reach through `MEMBER_OF`, so a chain is not listed twice.
fn cluster_admin(ix: &Index, g: &mut AttackGraph, who: &Identity, from: &str) {
    let grants: Vec<Grant<'_>> = ix
        .rbac
        .direct_grants(who, "*", "*", "*")
        .into_iter()
        .filter(|gr| gr.scope == Scope::Cluster && gr.resource_names.is_empty())
        .collect();
    let Some(first) = grants.first() else {
        return;
    };
    let remediation = fix(
        first,
        who,
        "the wildcard rule",
        "; grant only the verbs and resources it needs instead",
    );
    let evidence = grants.into_iter().map(|gr| gr.evidence).collect();
    g.add_edge(
        from,
        id::CLUSTER_ADMIN,
        RBAC_CLUSTER_ADMIN.edge(evidence, remediation),
    );
}

/// The remediation sentence for a grant: the rule to change and where it is bound, or, for
/// a default role (which cannot be narrowed), the binding to change.
fn fix(grant: &Grant<'_>, who: &Identity, permission: &str, narrow: &str) -> String {
    let binding = crate::rbac::binding_object(grant.binding);
    if grant.is_default_binding() {
        format!(
            "Map no identity to {who}: the Kubernetes default {binding} gives it {}.",
            crate::rbac::role_object(grant.role)
        )
    } else if grant.is_default_role() {
        format!(
            "Remove {who} from {binding}, which binds the default {} (defaults cannot be narrowed); bind a role without {permission} instead.",
            crate::rbac::role_object(grant.role)
        )
    } else {
        format!(
            "Remove {permission} from {} (bound to {who} by {binding}){narrow}.",
            grant.rule_location()
        )
    }
}

/// get, list and watch all return secret values.
fn read_secrets(ix: &Index, g: &mut AttackGraph, who: &Identity, from: &str) {
    let mut seen = HashSet::new();
    for verb in ["get", "list", "watch"] {
        for grant in ix.rbac.direct_grants(who, verb, "", "secrets") {
            if !seen.insert(grant.key()) {
                continue;
            }
            let remediation = fix(
                &grant,
                who,
                "get/list/watch on secrets",
                ", or restrict it with resourceNames to the secrets it needs",
            );
            for to in secret_targets(ix, &grant) {
                g.add_edge(
                    from,
                    &to,
                    RBAC_READ_SECRETS.edge(vec![grant.evidence.clone()], remediation.clone()),
                );
            }
        }
    }
}

/// The secrets a grant reads: those in scope in the snapshot, plus a wildcard node for the
/// grant itself (`secret:NS/*`, `secret:*/*`); with resourceNames only the named ones (named
/// secrets are targets even when the snapshot does not hold them).
fn secret_targets(ix: &Index, grant: &Grant<'_>) -> BTreeSet<String> {
    let names = grant.resource_names;
    let mut out = BTreeSet::new();
    match &grant.scope {
        Scope::Namespace(ns) if names.is_empty() => {
            for s in ix.secrets_by_ns.get(ns.as_str()).into_iter().flatten() {
                out.insert(id::secret(ns, &s.metadata.name));
            }
            out.insert(id::secret(ns, "*"));
        }
        Scope::Namespace(ns) => {
            out.extend(names.iter().map(|n| id::secret(ns, n)));
        }
        Scope::Cluster => {
            for (ns, secrets) in &ix.secrets_by_ns {
                for s in secrets {
                    if names.is_empty() || names.contains(&s.metadata.name) {
                        out.insert(id::secret(ns, &s.metadata.name));
                    }
                }
            }
            if names.is_empty() {
                out.insert(id::secret("*", "*"));
            } else {
                out.extend(names.iter().map(|n| id::secret("*", n)));
            }
        }
    }
    out
}

/// The value of the namespace's Pod Security `enforce` label, if the Namespace is known.
pub fn pod_security_level<'a>(ix: &Index<'a>, ns: &str) -> Option<&'a str> {
    ix.namespace_objects
        .get(ns)
        .and_then(|n| n.metadata.labels.get(PSA_ENFORCE))
        .map(String::as_str)
}

/// Whether Pod Security admission rejects privileged pods in the namespace: `baseline` and
/// `restricted` both forbid privileged containers, host namespaces and hostPath volumes, so a
/// pod created there cannot take over its node.
pub(crate) fn blocks_node_takeover(ix: &Index, ns: &str) -> bool {
    matches!(pod_security_level(ix, ns), Some("baseline" | "restricted"))
}

pub(crate) fn pod_security_evidence(ix: &Index, ns: &str) -> Evidence {
    let object = format!("Namespace/{ns}");
    let field = format!("metadata.labels[\"{PSA_ENFORCE}\"]");
    match ix.namespace_objects.get(ns) {
        Some(n) => {
            let detail = match n.metadata.labels.get(PSA_ENFORCE) {
                Some(v) => format!("{v}: privileged pods are admitted"),
                None => "unset: privileged pods are admitted".to_string(),
            };
            Evidence::new(object, field, detail).at(&n.source)
        }
        None => Evidence::new(
            object,
            field,
            "Namespace not in the snapshot: no Pod Security enforcement known",
        ),
    }
}

/// create on pods or any pod controller -> every service account of the namespace (the pod
/// may name any of them and mounts its token) and -> a node (a privileged pod).
fn create_workload(ix: &Index, g: &mut AttackGraph, who: &Identity, from: &str) {
    let mut by_scope: BTreeMap<Scope, Vec<(Grant<'_>, String)>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for &(group, resource) in POD_CREATORS {
        for grant in ix.rbac.direct_grants(who, "create", group, resource) {
            // A create request names no object, so a resourceNames rule never allows it.
            if !grant.resource_names.is_empty() || !seen.insert(grant.key()) {
                continue;
            }
            let what = if group.is_empty() {
                resource.to_string()
            } else {
                format!("{group}/{resource}")
            };
            by_scope
                .entry(grant.scope.clone())
                .or_default()
                .push((grant, what));
        }
    }
    for (scope, grants) in by_scope {
        let Some((first, first_what)) = grants.first() else {
            continue;
        };
        let evidence: Vec<Evidence> = grants
            .iter()
            .map(|(gr, what)| {
                let mut e = gr.evidence.clone();
                e.detail = format!("{} (allows create {what})", e.detail);
                e
            })
            .collect();
        let remediation = fix(
            first,
            who,
            &format!("create on {first_what} (and other pod controllers)"),
            "",
        );
        let namespaces: Vec<&str> = match &scope {
            Scope::Namespace(ns) => vec![ns.as_str()],
            Scope::Cluster => ix.namespaces.iter().copied().collect(),
        };
        for ns in &namespaces {
            for sa in ix.service_accounts_in(ns) {
                let to = id::service_account(ns, sa);
                if to != from {
                    g.add_edge(
                        from,
                        &to,
                        RBAC_CREATE_WORKLOAD.edge(evidence.clone(), remediation.clone()),
                    );
                }
            }
        }
        // Cluster-wide create also reaches default and kube-system, which every cluster has.
        let mut candidates = namespaces;
        if scope == Scope::Cluster {
            candidates.extend(["default", "kube-system"]);
            candidates.sort_unstable();
            candidates.dedup();
        }
        // No node edge where Pod Security enforces baseline or restricted: those reject the
        // privileged pod that would take over the node.
        if let Some(open) = candidates
            .into_iter()
            .find(|ns| !blocks_node_takeover(ix, ns))
        {
            let mut ev = evidence;
            ev.push(pod_security_evidence(ix, open));
            g.add_edge(
                from,
                id::ANY_NODE,
                RBAC_CREATE_WORKLOAD.edge(
                    ev,
                    format!(
                        "{remediation} Or label Namespace/{open} {PSA_ENFORCE}=baseline (or restricted)."
                    ),
                ),
            );
        }
    }
}

/// create on pods/exec -> every workload in scope (only the named Pods with resourceNames).
/// `get` on pods/exec also works on API servers before 1.35, with a lower likelihood.
fn pod_exec(ix: &Index, g: &mut AttackGraph, who: &Identity, from: &str) {
    let mut reached: HashSet<String> = HashSet::new();
    for verb in ["create", "get"] {
        let mut now = Vec::new();
        for grant in ix.rbac.direct_grants(who, verb, "", "pods/exec") {
            let mut ev = grant.evidence.clone();
            if verb == "get" {
                ev.detail.push_str(
                    " (get on pods/exec allows exec through a WebSocket upgrade on clusters before Kubernetes 1.35)",
                );
            }
            let remediation = fix(
                &grant,
                who,
                &format!("{verb} on pods/exec"),
                ", or scope it to a namespace without sensitive workloads",
            );
            let workloads: Vec<&crate::index::WorkloadNode<'_>> = match &grant.scope {
                Scope::Namespace(ns) => ix.workloads_in(ns).collect(),
                Scope::Cluster => ix.workloads.iter().collect(),
            };
            for w in workloads {
                let names = grant.resource_names;
                let named = names.is_empty()
                    || (w.spec.kind() == crate::snapshot::WorkloadKind::Pod
                        && names.contains(&w.spec.meta.name))
                    || w.pods.iter().any(|p| names.contains(&p.meta.name));
                if !named || (verb == "get" && reached.contains(&w.id)) {
                    continue;
                }
                let edge = if verb == "get" {
                    RBAC_POD_EXEC.edge_with(
                        GET_EXEC_LIKELIHOOD,
                        vec![ev.clone()],
                        remediation.clone(),
                    )
                } else {
                    RBAC_POD_EXEC.edge(vec![ev.clone()], remediation.clone())
                };
                g.add_edge(from, &w.id, edge);
                now.push(w.id.clone());
            }
        }
        reached.extend(now);
    }
}

/// Implicit group membership: service accounts are in `system:serviceaccounts`,
/// `system:serviceaccounts:NS` and `system:authenticated`; users in `system:authenticated`.
/// Only groups whose node already leads somewhere get members, so no edge is a dead end.
fn member_of(ix: &Index, g: &mut AttackGraph) {
    let useful: BTreeSet<&str> = ix
        .rbac
        .identities()
        .into_iter()
        .filter_map(|i| match i {
            Identity::Group(name) => Some(name.as_str()),
            _ => None,
        })
        .filter(|name| !g.techniques_from(&id::group(name)).is_empty())
        .collect();
    if useful.is_empty() {
        return;
    }
    let mut members: BTreeSet<Identity> = BTreeSet::new();
    for ns in &ix.namespaces {
        for sa in ix.service_accounts_in(ns) {
            members.insert(Identity::service_account(ns, sa));
        }
    }
    members.extend(
        ix.rbac
            .identities()
            .into_iter()
            .filter(|i| !matches!(i, Identity::Group(_)))
            .cloned(),
    );
    // Users that aws-auth maps IAM principals to are authenticated users too.
    if let Some(auth) = &ix.snapshot.aws_auth {
        for m in auth.map_roles.iter().chain(&auth.map_users) {
            if let Some(u) = m
                .username
                .as_deref()
                .filter(|u| !u.is_empty() && !u.contains("{{"))
            {
                members.insert(Identity::from_username(u));
            }
        }
    }
    for who in &members {
        for group in who.implicit_groups() {
            if !useful.contains(group.as_str()) {
                continue;
            }
            let evidence = match who {
                Identity::ServiceAccount { ns, name } => {
                    let ev = Evidence::new(
                        format!("ServiceAccount/{ns}/{name}"),
                        "",
                        format!("every service account of namespace {ns} is in group {group}"),
                    );
                    match ix.service_account(ns, name) {
                        Some(sa) => ev.at(&sa.source),
                        None => ev,
                    }
                }
                _ => Evidence::new(
                    format!("User/{}", who.node_id().trim_start_matches("user:")),
                    "",
                    format!("every authenticated user is in group {GROUP_AUTHENTICATED}"),
                ),
            };
            let remediation = format!(
                "Membership of {group} is implicit and cannot be removed: remove or narrow the bindings that grant group {group} permissions."
            );
            g.add_edge(
                &who.node_id(),
                &id::group(&group),
                MEMBER_OF.edge(vec![evidence], remediation),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::graph;

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
            "kind: ServiceAccount\napiVersion: v1\nmetadata: {name: web, namespace: ci}\n"
                .to_string(),
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
}
