//! Kubernetes RBAC authorization, evaluated the way the API server's RBAC authorizer does.
//!
//! Built once per snapshot: every binding's `roleRef` is resolved (Role in the binding's
//! namespace, or ClusterRole, with the default ClusterRoles of [`builtin`] known unless the
//! snapshot defines the name), aggregated ClusterRoles are expanded, and bindings are indexed
//! by subject, so a question about one identity only looks at that identity's bindings and
//! those of its groups. Rules are never copied: grants point into the snapshot.
//!
//! Matching follows `k8s.io/api/rbac/v1` helpers (`VerbMatches`, `APIGroupMatches`,
//! `ResourceMatches`, `ResourceNameMatches`, `NonResourceURLMatches`) and the authorizer's
//! `appliesToUser`.

pub mod builtin;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use crate::graph::{Evidence, id};
use crate::snapshot::{PolicyRule, Role, RoleBinding, Snapshot, Subject, Warning};

const SA_USER_PREFIX: &str = "system:serviceaccount:";
pub const GROUP_SERVICE_ACCOUNTS: &str = "system:serviceaccounts";
pub const GROUP_AUTHENTICATED: &str = "system:authenticated";

/// Who a request is made as: a binding subject, or an identity that inherits groups' grants.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Identity {
    ServiceAccount { ns: String, name: String },
    User(String),
    Group(String),
}

impl Identity {
    pub fn service_account(ns: &str, name: &str) -> Self {
        Identity::ServiceAccount {
            ns: ns.to_string(),
            name: name.to_string(),
        }
    }

    /// The identity of a user name: `system:serviceaccount:NS:NAME` is that service account
    /// (as the API server's service-account authenticator names it), anything else a user.
    pub fn from_username(name: &str) -> Self {
        match name
            .strip_prefix(SA_USER_PREFIX)
            .and_then(|rest| rest.split_once(':'))
        {
            Some((ns, sa)) if !ns.is_empty() && !sa.is_empty() && !sa.contains(':') => {
                Identity::service_account(ns, sa)
            }
            _ => Identity::User(name.to_string()),
        }
    }

    /// The attack-graph node of this identity (`sa:NS/NAME`, `user:NAME`, `group:NAME`).
    pub fn node_id(&self) -> String {
        match self {
            Identity::ServiceAccount { ns, name } => id::service_account(ns, name),
            Identity::User(n) => id::user(n),
            Identity::Group(n) => id::group(n),
        }
    }

    /// The groups the authenticators always put this identity in. A service account is in
    /// `system:serviceaccounts`, `system:serviceaccounts:NS` and `system:authenticated`; any
    /// authenticated user in `system:authenticated`. Other group memberships of a user come
    /// from the identity provider and are not known here.
    pub fn implicit_groups(&self) -> Vec<String> {
        match self {
            Identity::ServiceAccount { ns, .. } => vec![
                GROUP_SERVICE_ACCOUNTS.to_string(),
                format!("{GROUP_SERVICE_ACCOUNTS}:{ns}"),
                GROUP_AUTHENTICATED.to_string(),
            ],
            Identity::User(_) => vec![GROUP_AUTHENTICATED.to_string()],
            Identity::Group(_) => Vec::new(),
        }
    }
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Identity::ServiceAccount { ns, name } => write!(f, "ServiceAccount {ns}/{name}"),
            Identity::User(n) => write!(f, "User {n}"),
            Identity::Group(n) => write!(f, "Group {n}"),
        }
    }
}

/// Where a grant applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Every namespace and the cluster-scoped resources (a ClusterRoleBinding).
    Cluster,
    /// One namespace (a RoleBinding, even to a ClusterRole).
    Namespace(String),
}

impl Scope {
    /// Whether a request in `namespace` (`None` = a cluster-scoped resource) is in scope.
    pub fn covers(&self, namespace: Option<&str>) -> bool {
        match self {
            Scope::Cluster => true,
            Scope::Namespace(ns) => namespace == Some(ns.as_str()),
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::Cluster => write!(f, "cluster-wide"),
            Scope::Namespace(ns) => write!(f, "in namespace {ns}"),
        }
    }
}

/// One rule, reached through one binding, that allows a verb on a resource.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    pub scope: Scope,
    /// The rule's `resourceNames`: empty means any object; otherwise only these.
    pub resource_names: &'a [String],
    /// The group the identity is in that the binding names, when the grant is not direct.
    pub via_group: Option<String>,
    /// The binding that grants the rule; `None` for a role evaluated as it would be bound
    /// ([`Rbac::role_grants`]), which no binding grants yet.
    pub binding: Option<&'a RoleBinding>,
    /// The role the binding's `roleRef` names.
    pub role: &'a Role,
    /// The role whose `rules[rule_index]` is the rule: `role` itself, or for an aggregated
    /// ClusterRole the ClusterRole the rule was aggregated from.
    pub rule_role: &'a Role,
    pub rule_index: usize,
    pub rule: &'a PolicyRule,
    /// `ClusterRoleBinding/x` `roleRef -> ClusterRole/x rules[0]`: `get,patch on */* cluster-wide`.
    pub evidence: Evidence,
}

impl<'a> Grant<'a> {
    /// `ClusterRole/x rules[0]`, or for an aggregated rule `ClusterRole/src rules[2]
    /// (aggregated into ClusterRole/x)`: the place to change the rule.
    pub fn rule_location(&self) -> String {
        let own = format!("{} rules[{}]", role_object(self.rule_role), self.rule_index);
        if std::ptr::eq(self.rule_role, self.role) {
            own
        } else {
            format!("{own} (aggregated into {})", role_object(self.role))
        }
    }

    /// `ClusterRole/x rules[0] (bound by ClusterRoleBinding/y)`, for remediation text.
    pub fn remediation_target(&self) -> String {
        let Some(binding) = self.binding else {
            return self.rule_location();
        };
        let mut s = format!(
            "{} (bound by {}",
            self.rule_location(),
            binding_object(binding)
        );
        if let Some(g) = &self.via_group {
            s.push_str(&format!(" to group {g}"));
        }
        s.push(')');
        s
    }

    /// Whether the binding is a Kubernetes default (not in the snapshot).
    pub fn is_default_binding(&self) -> bool {
        self.binding.is_some_and(builtin::is_builtin_binding)
    }

    /// Whether the rule is in a default role (not in the snapshot), which cannot be narrowed
    /// (the API server reconciles the defaults at start-up).
    pub fn is_default_role(&self) -> bool {
        builtin::is_builtin_role(self.rule_role)
    }

    /// Identity of the (binding, rule) pair, to merge the same grant found by several requests.
    pub fn key(&self) -> (*const RoleBinding, *const Role, usize) {
        let binding = self
            .binding
            .map_or(std::ptr::null(), |b| b as *const RoleBinding);
        (binding, self.rule_role, self.rule_index)
    }
}

/// `ClusterRole/NAME` or `Role/NS/NAME`.
pub fn role_object(role: &Role) -> String {
    if role.cluster {
        format!("ClusterRole/{}", role.metadata.name)
    } else {
        format!("Role/{}/{}", role.metadata.ns(), role.metadata.name)
    }
}

/// `ClusterRoleBinding/NAME` or `RoleBinding/NS/NAME`.
pub fn binding_object(binding: &RoleBinding) -> String {
    if binding.cluster {
        format!("ClusterRoleBinding/{}", binding.metadata.name)
    } else {
        format!(
            "RoleBinding/{}/{}",
            binding.metadata.ns(),
            binding.metadata.name
        )
    }
}

/// One rule of a resolved role, pointing into the role that holds it.
#[derive(Debug, Clone, Copy)]
struct RuleRef<'a> {
    role: &'a Role,
    index: usize,
    rule: &'a PolicyRule,
}

/// A role a binding refers to, with its effective rules (aggregation expanded).
#[derive(Debug)]
struct ResolvedRole<'a> {
    role: &'a Role,
    rules: Vec<RuleRef<'a>>,
}

/// One binding of one subject.
#[derive(Debug, Clone, Copy)]
struct Bound<'a> {
    binding: &'a RoleBinding,
    role: usize,
}

/// A rule that matched a request, before it is dressed up as a [`Grant`].
struct Match<'r, 'a> {
    bound: &'r Bound<'a>,
    rule: &'r RuleRef<'a>,
    via_group: Option<&'r str>,
}

/// A role of the snapshot (or a default one), resolved: see [`Rbac::role_id`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoleId(usize);

/// A role bound to an identity (directly or through one of its implicit groups).
#[derive(Debug, Clone)]
pub struct BoundRole<'a> {
    pub role: RoleId,
    pub scope: Scope,
    pub binding: &'a RoleBinding,
    pub via_group: Option<String>,
}

/// A pseudo-role holding every permission: what an identity that may write any rule into a
/// role bound to it ([`Rbac::any_permission`]) can give itself.
static ANY_PERMISSION: LazyLock<Role> = LazyLock::new(|| Role {
    metadata: crate::snapshot::ObjectMeta {
        name: "(any permission)".into(),
        ..Default::default()
    },
    rules: vec![PolicyRule {
        api_groups: vec!["*".into()],
        resources: vec!["*".into()],
        verbs: vec!["*".into()],
        ..PolicyRule::default()
    }],
    aggregation_rule: None,
    cluster: true,
    source: Default::default(),
});

/// The RBAC state of a snapshot.
#[derive(Debug)]
pub struct Rbac<'a> {
    /// Every role of the snapshot and every default role, resolved (aggregation expanded),
    /// then [`ANY_PERMISSION`] last.
    roles: Vec<ResolvedRole<'a>>,
    /// `(cluster, namespace ("" for ClusterRoles), name)` -> index in `roles`.
    role_index: HashMap<(bool, &'a str, &'a str), usize>,
    by_subject: HashMap<Identity, Vec<Bound<'a>>>,
}

impl<'a> Rbac<'a> {
    pub fn new(snapshot: &'a Snapshot, warnings: &mut Vec<Warning>) -> Self {
        let mut namespaced: HashMap<(&'a str, &'a str), &'a Role> = HashMap::new();
        let mut cluster: BTreeMap<&'a str, &'a Role> = BTreeMap::new();
        for role in &snapshot.roles {
            let name = role.metadata.name.as_str();
            let dup = if role.cluster {
                cluster.insert(name, role).is_some()
            } else {
                namespaced
                    .insert((role.metadata.ns(), name), role)
                    .is_some()
            };
            if dup {
                warnings.push(warning(
                    &role.source,
                    role_object(role),
                    None,
                    "defined more than once; the last definition is used".into(),
                ));
            }
        }
        // The defaults exist in every cluster; a snapshot's own definition replaces them.
        let roles: &'a [Role] = &builtin::ROLES;
        for role in roles {
            let name = role.metadata.name.as_str();
            if role.cluster {
                cluster.entry(name).or_insert(role);
            } else {
                namespaced.entry((role.metadata.ns(), name)).or_insert(role);
            }
        }
        let selects = aggregation_edges(&cluster, warnings);

        let mut rbac = Rbac {
            roles: Vec::new(),
            role_index: HashMap::new(),
            by_subject: HashMap::new(),
        };
        // Every role is resolved, bound or not: RBAC_BIND asks what an unbound role would give.
        for (&name, &role) in &cluster {
            rbac.role_index.insert((true, "", name), rbac.roles.len());
            rbac.roles.push(ResolvedRole {
                role,
                rules: aggregated_rules(role, &selects),
            });
        }
        let mut ns_roles: Vec<(&(&'a str, &'a str), &&'a Role)> = namespaced.iter().collect();
        ns_roles.sort_by_key(|(k, _)| **k);
        for (&(ns, name), &role) in ns_roles {
            rbac.role_index.insert((false, ns, name), rbac.roles.len());
            rbac.roles.push(ResolvedRole {
                role,
                rules: own_rules(role).collect(),
            });
        }
        let any: &'a Role = &ANY_PERMISSION;
        rbac.roles.push(ResolvedRole {
            role: any,
            rules: own_rules(any).collect(),
        });
        let mut bindings: Vec<&'a RoleBinding> = snapshot.bindings.iter().collect();
        let defaults: &'a [RoleBinding] = &builtin::BINDINGS;
        for b in defaults {
            let overridden = snapshot
                .bindings
                .iter()
                .any(|s| s.cluster && s.metadata.name == b.metadata.name);
            if !overridden {
                bindings.push(b);
            }
        }
        for binding in bindings {
            let ns = binding.metadata.ns();
            let rr = &binding.role_ref;
            let role = match rr.kind.as_str() {
                "ClusterRole" => cluster.get(rr.name.as_str()).copied(),
                // A ClusterRoleBinding cannot grant a namespaced Role (the API rejects it).
                "Role" if binding.cluster => {
                    warnings.push(binding_warning(
                        binding,
                        "roleRef.kind",
                        "a ClusterRoleBinding can only refer to a ClusterRole; the binding grants nothing"
                            .into(),
                    ));
                    continue;
                }
                "Role" => namespaced.get(&(ns, rr.name.as_str())).copied(),
                other => {
                    warnings.push(binding_warning(
                        binding,
                        "roleRef.kind",
                        format!(
                            "unsupported roleRef kind {other:?} (expected Role or ClusterRole); the binding grants nothing"
                        ),
                    ));
                    continue;
                }
            };
            let Some(role) = role else {
                let missing = if rr.kind == "Role" {
                    format!("Role/{ns}/{}", rr.name)
                } else {
                    format!("ClusterRole/{}", rr.name)
                };
                warnings.push(binding_warning(
                    binding,
                    "roleRef",
                    format!(
                        "refers to {missing}, which is not in the snapshot; the binding grants nothing"
                    ),
                ));
                continue;
            };
            let key = if role.cluster {
                (true, "", role.metadata.name.as_str())
            } else {
                (false, role.metadata.ns(), role.metadata.name.as_str())
            };
            let Some(&slot) = rbac.role_index.get(&key) else {
                continue; // every role was resolved above
            };
            for (i, subject) in binding.subjects.iter().enumerate() {
                match subject_identity(binding, subject) {
                    Ok(who) => {
                        let list = rbac.by_subject.entry(who).or_default();
                        // A subject listed twice in one binding is one grant.
                        if !list.iter().any(|b| std::ptr::eq(b.binding, binding)) {
                            list.push(Bound {
                                binding,
                                role: slot,
                            });
                        }
                    }
                    Err(msg) => {
                        warnings.push(binding_warning(binding, &format!("subjects[{i}]"), msg))
                    }
                }
            }
        }
        rbac
    }

    /// Every identity that is a subject of a binding whose role exists, sorted.
    pub fn identities(&self) -> Vec<&Identity> {
        let mut v: Vec<&Identity> = self.by_subject.keys().collect();
        v.sort();
        v
    }

    /// Whether every binding that names this identity is a Kubernetes default (not in the
    /// snapshot), as for `system:masters` unless the snapshot binds it too.
    pub fn only_default_bindings(&self, who: &Identity) -> bool {
        self.by_subject
            .get(who)
            .is_some_and(|v| v.iter().all(|b| builtin::is_builtin_binding(b.binding)))
    }

    /// Whether any binding names this identity directly.
    pub fn is_bound(&self, who: &Identity) -> bool {
        self.by_subject.contains_key(who)
    }

    /// The role named by a `roleRef`-like triple: a ClusterRole (`cluster`, `ns` ignored) or
    /// the Role `ns/name`. Default roles are known; a snapshot's definition wins.
    pub fn role_id(&self, cluster: bool, ns: &str, name: &str) -> Option<RoleId> {
        let ns = if cluster { "" } else { ns };
        self.role_index
            .get(&(cluster, ns, name))
            .copied()
            .map(RoleId)
    }

    /// The Roles (namespaced) of one namespace, by name.
    pub fn roles_in(&self, ns: &str) -> Vec<RoleId> {
        let mut v: Vec<(&str, RoleId)> = self
            .role_index
            .iter()
            .filter(|((cluster, n, _), _)| !cluster && *n == ns)
            .map(|((_, _, name), &i)| (*name, RoleId(i)))
            .collect();
        v.sort();
        v.into_iter().map(|(_, id)| id).collect()
    }

    /// A pseudo-role with every permission (`*` on `*`), for "may give itself any permission".
    pub fn any_permission(&self) -> RoleId {
        RoleId(self.roles.len() - 1)
    }

    pub fn role(&self, id: RoleId) -> &'a Role {
        self.roles[id.0].role
    }

    /// Every role bound to `who`, directly or through its implicit groups, with the scope
    /// of the binding. Sorted by binding.
    pub fn bound_roles(&self, who: &Identity) -> Vec<BoundRole<'a>> {
        let mut out = Vec::new();
        for (key, via) in self.keys(who, true) {
            for b in self.by_subject.get(&key).into_iter().flatten() {
                out.push(BoundRole {
                    role: RoleId(b.role),
                    scope: scope_of(b.binding),
                    binding: b.binding,
                    via_group: via.clone(),
                });
            }
        }
        out.sort_by(|a, b| {
            (binding_object(a.binding), &a.via_group)
                .cmp(&(binding_object(b.binding), &b.via_group))
        });
        out
    }

    /// Every rule of `role` that would allow `verb` on `resource` in `api_group` if the role
    /// were bound in `scope` (a RoleBinding: `Scope::Namespace`; a ClusterRoleBinding:
    /// `Scope::Cluster`). The grants name no binding; their evidence is the role's rule.
    pub fn role_grants(
        &self,
        id: RoleId,
        scope: &Scope,
        verb: &str,
        api_group: &str,
        resource: &str,
    ) -> Vec<Grant<'a>> {
        let resolved = &self.roles[id.0];
        let sub = resource.split_once('/').map_or("", |(_, s)| s);
        resolved
            .rules
            .iter()
            .filter(|r| rule_matches(r.rule, verb, api_group, resource, sub))
            .map(|r| {
                let mut field = String::new();
                if !std::ptr::eq(resolved.role, r.role) {
                    field.push_str(&format!("<- {} ", role_object(r.role)));
                }
                field.push_str(&format!("rules[{}]", r.index));
                let detail = format!("{} if bound {scope}", describe_rule(r.rule));
                Grant {
                    scope: scope.clone(),
                    resource_names: &r.rule.resource_names,
                    via_group: None,
                    binding: None,
                    role: resolved.role,
                    rule_role: r.role,
                    rule_index: r.index,
                    rule: r.rule,
                    evidence: Evidence::new(role_object(resolved.role), field, detail)
                        .at(&resolved.role.source),
                }
            })
            .collect()
    }

    /// Every rule that allows `verb` on `resource` (`pods`, or `pods/exec` for a subresource)
    /// in `api_group` (`""` for core) to `who`, directly or through its implicit groups,
    /// whatever the object name (see [`Grant::resource_names`]). Sorted by binding and rule.
    pub fn grants(
        &self,
        who: &Identity,
        verb: &str,
        api_group: &str,
        resource: &str,
    ) -> Vec<Grant<'a>> {
        self.collect(who, true, verb, api_group, resource)
    }

    /// Like [`Rbac::grants`], but only through bindings that name `who` itself (not its
    /// groups): the attack graph reaches group grants through `MEMBER_OF` edges instead.
    pub fn direct_grants(
        &self,
        who: &Identity,
        verb: &str,
        api_group: &str,
        resource: &str,
    ) -> Vec<Grant<'a>> {
        self.collect(who, false, verb, api_group, resource)
    }

    /// Whether `who` may `verb` the `resource` named `name` (`None` for list/create/...) in
    /// `namespace` (`None` for cluster-scoped resources), as the RBAC authorizer decides.
    pub fn allows(
        &self,
        who: &Identity,
        verb: &str,
        api_group: &str,
        resource: &str,
        namespace: Option<&str>,
        name: Option<&str>,
    ) -> bool {
        let mut allowed = false;
        self.each_match(who, true, verb, api_group, resource, &mut |m| {
            if !allowed
                && scope_of(m.bound.binding).covers(namespace)
                && resource_name_matches(m.rule.rule, name)
            {
                allowed = true;
            }
        });
        allowed
    }

    /// Whether `who` may `verb` the non-resource URL `path` (`/metrics`, `/healthz`). Only
    /// ClusterRoleBindings grant non-resource URLs.
    pub fn allows_non_resource(&self, who: &Identity, verb: &str, path: &str) -> bool {
        self.keys(who, true).iter().any(|(key, _)| {
            self.by_subject.get(key).into_iter().flatten().any(|b| {
                b.binding.cluster
                    && self.roles[b.role].rules.iter().any(|r| {
                        verb_matches(r.rule, verb) && non_resource_url_matches(r.rule, path)
                    })
            })
        })
    }

    /// The subject keys to look up for `who`: itself, then its implicit groups.
    fn keys(&self, who: &Identity, with_groups: bool) -> Vec<(Identity, Option<String>)> {
        let mut keys = vec![(who.clone(), None)];
        if with_groups {
            for g in who.implicit_groups() {
                keys.push((Identity::Group(g.clone()), Some(g)));
            }
        }
        keys
    }

    fn each_match(
        &self,
        who: &Identity,
        with_groups: bool,
        verb: &str,
        api_group: &str,
        resource: &str,
        f: &mut dyn FnMut(Match<'_, 'a>),
    ) {
        let sub = resource.split_once('/').map_or("", |(_, s)| s);
        for (key, via) in self.keys(who, with_groups) {
            for bound in self.by_subject.get(&key).into_iter().flatten() {
                for rule in &self.roles[bound.role].rules {
                    if rule_matches(rule.rule, verb, api_group, resource, sub) {
                        f(Match {
                            bound,
                            rule,
                            via_group: via.as_deref(),
                        });
                    }
                }
            }
        }
    }

    fn collect(
        &self,
        who: &Identity,
        with_groups: bool,
        verb: &str,
        api_group: &str,
        resource: &str,
    ) -> Vec<Grant<'a>> {
        let mut out = Vec::new();
        self.each_match(who, with_groups, verb, api_group, resource, &mut |m| {
            out.push(self.grant(m));
        });
        out.sort_by(|a, b| {
            (&a.evidence.object, &a.evidence.field).cmp(&(&b.evidence.object, &b.evidence.field))
        });
        out
    }

    fn grant(&self, m: Match<'_, 'a>) -> Grant<'a> {
        let binding = m.bound.binding;
        let role = self.roles[m.bound.role].role;
        let scope = scope_of(binding);
        let mut field = format!("roleRef -> {}", role_object(role));
        if !std::ptr::eq(role, m.rule.role) {
            field.push_str(&format!(" <- {}", role_object(m.rule.role)));
        }
        field.push_str(&format!(" rules[{}]", m.rule.index));
        let mut detail = format!("{} {scope}", describe_rule(m.rule.rule));
        if let Some(g) = m.via_group {
            detail.push_str(&format!(" (via group {g})"));
        }
        if builtin::is_builtin_binding(binding) {
            detail.push_str(" (Kubernetes default binding)");
        } else if builtin::is_builtin_role(m.rule.role) {
            detail.push_str(" (Kubernetes default role)");
        }
        Grant {
            scope,
            resource_names: &m.rule.rule.resource_names,
            via_group: m.via_group.map(str::to_string),
            binding: Some(binding),
            role,
            rule_role: m.rule.role,
            rule_index: m.rule.index,
            rule: m.rule.rule,
            evidence: Evidence::new(binding_object(binding), field, detail).at(&binding.source),
        }
    }
}

fn scope_of(binding: &RoleBinding) -> Scope {
    if binding.cluster {
        Scope::Cluster
    } else {
        Scope::Namespace(binding.metadata.ns().to_string())
    }
}

/// `get,patch on */*`, `get,list on core/{secrets,configmaps} named a,b`.
pub fn describe_rule(rule: &PolicyRule) -> String {
    fn list(v: &[String], core: bool) -> String {
        let items: Vec<&str> = v
            .iter()
            .map(|s| if core && s.is_empty() { "core" } else { s })
            .collect();
        match items.as_slice() {
            [] => "(none)".to_string(),
            [one] => one.to_string(),
            many => format!("{{{}}}", many.join(",")),
        }
    }
    let mut s = format!(
        "{} on {}/{}",
        rule.verbs.join(","),
        list(&rule.api_groups, true),
        list(&rule.resources, false)
    );
    if !rule.resource_names.is_empty() {
        s.push_str(&format!(" named {}", rule.resource_names.join(",")));
    }
    s
}

/// Who a binding subject is, with the authorizer's rules: a ServiceAccount without namespace
/// is in the RoleBinding's namespace, and matches nothing in a ClusterRoleBinding.
fn subject_identity(binding: &RoleBinding, s: &Subject) -> Result<Identity, String> {
    if s.name.is_empty() {
        return Err("subject has no name; ignored".into());
    }
    match s.kind.as_str() {
        "User" => Ok(Identity::from_username(&s.name)),
        "Group" => Ok(Identity::Group(s.name.clone())),
        "ServiceAccount" => {
            let ns = s.namespace.as_deref().filter(|n| !n.is_empty());
            match ns {
                Some(ns) => Ok(Identity::service_account(ns, &s.name)),
                None if !binding.cluster => {
                    Ok(Identity::service_account(binding.metadata.ns(), &s.name))
                }
                None => Err(format!(
                    "ServiceAccount subject {:?} has no namespace, which a ClusterRoleBinding requires; ignored",
                    s.name
                )),
            }
        }
        other => Err(format!(
            "unsupported subject kind {other:?} (expected User, Group or ServiceAccount); ignored"
        )),
    }
}

fn own_rules(role: &Role) -> impl Iterator<Item = RuleRef<'_>> {
    role.rules
        .iter()
        .enumerate()
        .map(move |(index, rule)| RuleRef { role, index, rule })
}

/// For every ClusterRole with an `aggregationRule`, the ClusterRoles its selectors match
/// (name order). An invalid selector is reported once and matches nothing.
fn aggregation_edges<'a>(
    cluster: &BTreeMap<&'a str, &'a Role>,
    warnings: &mut Vec<Warning>,
) -> HashMap<&'a str, Vec<&'a Role>> {
    let mut edges = HashMap::new();
    for (&name, &role) in cluster {
        let Some(agg) = &role.aggregation_rule else {
            continue;
        };
        let mut matched: Vec<&'a Role> = Vec::new();
        for (i, sel) in agg.cluster_role_selectors.iter().enumerate() {
            for (&other_name, &other) in cluster {
                if other_name == name {
                    continue;
                }
                match sel.matches(&other.metadata.labels) {
                    Ok(true) => {
                        if !matched.iter().any(|m| std::ptr::eq(*m, other)) {
                            matched.push(other);
                        }
                    }
                    Ok(false) => {}
                    Err(e) => {
                        warnings.push(warning(
                            &role.source,
                            role_object(role),
                            Some(format!("aggregationRule.clusterRoleSelectors[{i}]")),
                            format!("invalid selector ({e}); it aggregates no roles"),
                        ));
                        break;
                    }
                }
            }
        }
        matched.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        edges.insert(name, matched);
    }
    edges
}

/// The effective rules of a ClusterRole: its own rules and, transitively, those of every
/// ClusterRole its aggregation selectors match (as the aggregation controller converges to).
/// Each role is visited once, which also stops selector cycles.
fn aggregated_rules<'a>(
    root: &'a Role,
    selects: &HashMap<&str, Vec<&'a Role>>,
) -> Vec<RuleRef<'a>> {
    let mut seen: HashSet<*const Role> = HashSet::new();
    let mut stack = vec![root];
    let mut order = Vec::new();
    while let Some(role) = stack.pop() {
        if !seen.insert(role) {
            continue;
        }
        order.push(role);
        if role.aggregation_rule.is_some()
            && let Some(next) = selects.get(role.metadata.name.as_str())
        {
            stack.extend(next.iter().rev().copied());
        }
    }
    order.into_iter().flat_map(own_rules).collect()
}

fn warning(
    source: &crate::snapshot::Source,
    object: String,
    field: Option<String>,
    message: String,
) -> Warning {
    Warning {
        file: source.file.clone(),
        document: Some(source.document),
        object: Some(object),
        field,
        message,
    }
}

fn binding_warning(binding: &RoleBinding, field: &str, message: String) -> Warning {
    warning(
        &binding.source,
        binding_object(binding),
        Some(field.to_string()),
        message,
    )
}

/// Whether a rule allows `verb` on `combined` (`pods` or `pods/exec`, whose subresource is
/// `sub`) in `api_group`, whatever the object name.
fn rule_matches(rule: &PolicyRule, verb: &str, api_group: &str, combined: &str, sub: &str) -> bool {
    verb_matches(rule, verb)
        && api_group_matches(rule, api_group)
        && resource_matches(rule, combined, sub)
}

pub fn verb_matches(rule: &PolicyRule, verb: &str) -> bool {
    rule.verbs.iter().any(|v| v == "*" || v == verb)
}

pub fn api_group_matches(rule: &PolicyRule, group: &str) -> bool {
    rule.api_groups.iter().any(|g| g == "*" || g == group)
}

/// `combined` is `pods` or `pods/exec`; `sub` the subresource (`exec`) or empty. `*` matches
/// everything, an exact entry its own resource/subresource only, `*/sub` that subresource of
/// any resource. A rule for `pods` does not cover `pods/exec`.
pub fn resource_matches(rule: &PolicyRule, combined: &str, sub: &str) -> bool {
    rule.resources.iter().any(|r| {
        r == "*"
            || r == combined
            || (!sub.is_empty() && r.strip_prefix("*/").is_some_and(|s| s == sub))
    })
}

/// An empty `resourceNames` allows any name; otherwise the request must name one of them
/// (so a list or create, which name nothing, never matches).
pub fn resource_name_matches(rule: &PolicyRule, name: Option<&str>) -> bool {
    rule.resource_names.is_empty()
        || name.is_some_and(|n| rule.resource_names.iter().any(|r| r == n))
}

pub fn non_resource_url_matches(rule: &PolicyRule, path: &str) -> bool {
    rule.non_resource_urls.iter().any(|u| {
        u == "*"
            || u == path
            || u.strip_suffix('*')
                .is_some_and(|prefix| path.starts_with(prefix))
    })
}

#[cfg(test)]
mod tests;
