//! RBAC_BIND and RBAC_ESCALATE: permissions an identity can give itself by writing RBAC
//! objects.
//!
//! Both are evaluated by asking what a role would give if it were bound in a scope: the
//! role's rules become synthetic grants ([`crate::rbac::Rbac::role_grants`]) and the same
//! technique functions that evaluate an identity's own grants run over them
//! ([`super::single_permission_steps`]). Every step found becomes an RBAC_BIND (or
//! RBAC_ESCALATE) step to the same target, its likelihood the product of both. Results are
//! cached per (role, scope), so a role many identities may bind is evaluated once. A role
//! that is `*` on `*` cluster-wide gives only its `cluster-admin` step, which subsumes the
//! rest. Binding and escalating are not applied again to the bound role's own permissions
//! (one level deep).

use std::collections::BTreeMap;

use super::*;
use crate::rbac::builtin;

/// What a role would give if bound in a scope (cached).
fn role_steps(
    ix: &Index,
    known: &Known,
    cache: &mut Cache,
    role: RoleId,
    scope: &Scope,
) -> Arc<Vec<Step>> {
    cache
        .entry((role, scope.clone()))
        .or_insert_with(|| {
            let p = Perms {
                ix,
                known,
                holder: Holder::Role(role, scope.clone()),
                skip: HashSet::new(),
            };
            let mut steps = Vec::new();
            cluster_admin(&p, &mut steps);
            if steps.is_empty() {
                single_permission_steps(&p, &mut steps);
            }
            Arc::new(steps)
        })
        .clone()
}

/// Which roles a grant to write bindings lets the holder bind: with `create` (which names no
/// object) any role; with only `update`/`patch` (a binding's `roleRef` is immutable, its
/// subjects are not) the roles of the existing bindings it may change.
enum Choice {
    Any,
    Only(BTreeSet<RoleId>),
}

/// The role choices a binding-write grant gives for bindings of `cluster_binding` kind in
/// `ns` (RoleBindings) or cluster-wide (ClusterRoleBindings), for roles of `cluster_role` kind.
fn write_choice(
    ix: &Index,
    w: &Grant<'_>,
    cluster_binding: bool,
    ns: &str,
    cluster_role: bool,
) -> Choice {
    if verb_matches(w.rule, "create") && w.resource_names.is_empty() {
        return Choice::Any;
    }
    let existing = ix.snapshot.bindings.iter().chain(builtin::BINDINGS.iter());
    let refs = existing
        .filter(|b| b.cluster == cluster_binding && (cluster_binding || b.metadata.ns() == ns))
        .filter(|b| w.resource_names.is_empty() || w.resource_names.contains(&b.metadata.name))
        .filter(|b| (b.role_ref.kind == "ClusterRole") == cluster_role)
        .filter_map(|b| ix.rbac.role_id(cluster_role, ns, &b.role_ref.name))
        .collect();
    Choice::Only(refs)
}

/// The roles a write grant and a bind grant together let the holder bind.
fn bindable(
    ix: &Index,
    w: &Grant<'_>,
    b: &Grant<'_>,
    cluster_binding: bool,
    ns: &str,
    cluster_role: bool,
) -> Vec<RoleId> {
    let rbac = &ix.rbac;
    let by_bind: Option<BTreeSet<RoleId>> = (!b.resource_names.is_empty()).then(|| {
        b.resource_names
            .iter()
            .filter_map(|n| rbac.role_id(cluster_role, ns, n))
            .collect()
    });
    match (
        write_choice(ix, w, cluster_binding, ns, cluster_role),
        by_bind,
    ) {
        (Choice::Any, None) if cluster_role => {
            // Any ClusterRole: `cluster-admin` exists in every cluster and gives the most.
            rbac.role_id(true, "", "cluster-admin")
                .into_iter()
                .collect()
        }
        (Choice::Any, None) => rbac.roles_in(ns),
        (Choice::Any, Some(named)) => named.into_iter().collect(),
        (Choice::Only(refs), None) => refs.into_iter().collect(),
        (Choice::Only(refs), Some(named)) => refs.intersection(&named).copied().collect(),
    }
}

/// A role the holder can bind in a scope, and the grants that allow it.
struct Candidate<'a> {
    evidence: Vec<Evidence>,
    bind_grant: Grant<'a>,
}

/// create/update/patch on rolebindings or clusterrolebindings + `bind` on roles or
/// clusterroles -> what each role it may bind would give it (see the module docs).
/// A ClusterRoleBinding needs both grants cluster-wide; a RoleBinding in a namespace needs
/// both to cover that namespace (`bind` on clusterroles in a RoleBinding's namespace lets it
/// bind a ClusterRole there). resourceNames on `bind` restrict which roles.
pub(super) fn bind(p: &Perms<'_, '_>, who: &Identity, cache: &mut Cache, out: &mut Vec<Step>) {
    let ix = p.ix;
    let write_verbs = ["create", "update", "patch"];
    let write_rb = p.grants_any_verb(&write_verbs, RBAC_GROUP, "rolebindings");
    let write_crb: Vec<Grant<'_>> = p
        .grants_any_verb(&write_verbs, RBAC_GROUP, "clusterrolebindings")
        .into_iter()
        .filter(|g| g.scope == Scope::Cluster)
        .collect();
    let bind_roles = p.grants_with_groups("bind", RBAC_GROUP, "roles");
    let bind_cluster_roles = p.grants_with_groups("bind", RBAC_GROUP, "clusterroles");
    if (write_rb.is_empty() && write_crb.is_empty())
        || (bind_roles.is_empty() && bind_cluster_roles.is_empty())
    {
        return;
    }
    let mut candidates: BTreeMap<(RoleId, Scope), Candidate<'_>> = BTreeMap::new();
    for w in &write_crb {
        for b in bind_cluster_roles
            .iter()
            .filter(|b| b.scope == Scope::Cluster)
        {
            if any_direct(&[w, b]) {
                for role in bindable(ix, w, b, true, "", true) {
                    add(&mut candidates, role, Scope::Cluster, w, b);
                }
            }
        }
    }
    let cluster_wide_admin = candidates
        .keys()
        .any(|(role, scope)| has_cluster_admin(&role_steps(ix, p.known, cache, *role, scope)));
    if !cluster_wide_admin {
        for w in &write_rb {
            for ns in scope_namespaces(ix, &w.scope) {
                let binds = bind_roles
                    .iter()
                    .map(|b| (b, false))
                    .chain(bind_cluster_roles.iter().map(|b| (b, true)));
                for (b, cluster_role) in binds {
                    if b.scope.covers(Some(ns)) && any_direct(&[w, b]) {
                        for role in bindable(ix, w, b, false, ns, cluster_role) {
                            add(
                                &mut candidates,
                                role,
                                Scope::Namespace(ns.to_string()),
                                w,
                                b,
                            );
                        }
                    }
                }
            }
        }
    }
    for ((role, scope), c) in candidates {
        let steps = role_steps(ix, p.known, cache, role, &scope);
        let remediation = p.fix(
            &c.bind_grant,
            "bind on roles/clusterroles",
            ", or restrict it with resourceNames to roles that grant no more than the identity already holds",
        );
        let bound = format!(
            "{} may be bound to {who} {scope}",
            role_object(ix.rbac.role(role))
        );
        emit(&RBAC_BIND, &steps, &c.evidence, &bound, &remediation, out);
    }
}

fn add<'a>(
    candidates: &mut BTreeMap<(RoleId, Scope), Candidate<'a>>,
    role: RoleId,
    scope: Scope,
    w: &Grant<'a>,
    b: &Grant<'a>,
) {
    let c = candidates
        .entry((role, scope))
        .or_insert_with(|| Candidate {
            evidence: Vec::new(),
            bind_grant: b.clone(),
        });
    for e in [&w.evidence, &b.evidence] {
        if !c.evidence.contains(e) {
            c.evidence.push(e.clone());
        }
    }
}

fn has_cluster_admin(steps: &[Step]) -> bool {
    steps.iter().any(|(to, _)| to == id::CLUSTER_ADMIN)
}

/// One `technique` step per step the role would give, with the grants that allow it first.
fn emit(
    technique: &'static Technique,
    steps: &[Step],
    grants: &[Evidence],
    what: &str,
    remediation: &str,
    out: &mut Vec<Step>,
) {
    for (to, edge) in steps {
        // The grants, then the first fact of the step it opens (the rule that allows it): the
        // rest of the step's evidence is on the role, not on what the identity can change.
        let mut evidence = grants.to_vec();
        if let Some(e) = edge.evidence.first() {
            let mut e = e.clone();
            e.detail = format!(
                "{what}; then {} ({}): {}",
                edge.technique.id, edge.technique.title, e.detail
            );
            evidence.push(e);
        }
        out.push((
            to.clone(),
            technique.edge_with(
                technique.likelihood * edge.likelihood,
                evidence,
                remediation,
            ),
        ));
    }
}

/// `escalate` + update/patch on roles or clusterroles -> any permission where a role the
/// holder can so rewrite is bound to it: a ClusterRole bound cluster-wide -> `cluster-admin`;
/// a role bound in a namespace -> everything any permission gives there (every service
/// account, a node unless Pod Security forbids privileged pods, secrets, pods). A ClusterRole
/// is cluster-scoped, so only cluster-wide grants can rewrite it; resourceNames restrict
/// which roles. Roles bound through the identity's implicit groups count (rewriting them
/// also serves the identity).
pub(super) fn escalate(p: &Perms<'_, '_>, who: &Identity, cache: &mut Cache, out: &mut Vec<Step>) {
    let ix = p.ix;
    let cluster_only = cluster_wide;
    let esc_roles = p.grants_with_groups("escalate", RBAC_GROUP, "roles");
    let esc_cluster = cluster_only(p.grants_with_groups("escalate", RBAC_GROUP, "clusterroles"));
    let upd_roles = p.grants_any_verb(&["update", "patch"], RBAC_GROUP, "roles");
    let upd_cluster =
        cluster_only(p.grants_any_verb(&["update", "patch"], RBAC_GROUP, "clusterroles"));
    if (esc_roles.is_empty() || upd_roles.is_empty())
        && (esc_cluster.is_empty() || upd_cluster.is_empty())
    {
        return;
    }
    let mut reach: BTreeMap<Scope, (Vec<Evidence>, String)> = BTreeMap::new();
    for bound in ix.rbac.bound_roles(who) {
        let role = ix.rbac.role(bound.role);
        let (escs, upds, ns) = if role.cluster {
            (&esc_cluster, &upd_cluster, None)
        } else {
            (&esc_roles, &upd_roles, Some(role.metadata.ns()))
        };
        let allows = |g: &&Grant<'_>| {
            g.scope.covers(ns)
                && (g.resource_names.is_empty() || g.resource_names.contains(&role.metadata.name))
        };
        let pair = escs
            .iter()
            .filter(allows)
            .flat_map(|e| upds.iter().filter(allows).map(move |u| (e, u)))
            .find(|(e, u)| any_direct(&[e, u]));
        let Some((e, u)) = pair else {
            continue;
        };
        let entry = reach
            .entry(bound.scope.clone())
            .or_insert_with(|| (Vec::new(), p.fix(e, "escalate on roles/clusterroles", "")));
        let via = bound
            .via_group
            .as_ref()
            .map(|g| format!(" (through group {g})"))
            .unwrap_or_default();
        let bound_ev = Evidence::new(
            binding_object(bound.binding),
            "roleRef",
            format!(
                "binds {} to {who}{via} {}: rules the identity adds to it apply there",
                role_object(role),
                bound.scope
            ),
        )
        .at(&bound.binding.source);
        for ev in [&e.evidence, &u.evidence, &bound_ev] {
            if !entry.0.contains(ev) {
                entry.0.push(ev.clone());
            }
        }
    }
    if let Some((evidence, remediation)) = reach.get(&Scope::Cluster) {
        out.push((
            id::CLUSTER_ADMIN.to_string(),
            RBAC_ESCALATE.edge(evidence.clone(), remediation.clone()),
        ));
        return;
    }
    for (scope, (evidence, remediation)) in reach {
        let steps = role_steps(ix, p.known, cache, ix.rbac.any_permission(), &scope);
        let what = format!("{who} may give itself any permission {scope}");
        emit(&RBAC_ESCALATE, &steps, &evidence, &what, &remediation, out);
    }
}
