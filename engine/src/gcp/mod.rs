//! Google Cloud IAM: who holds which permission on which project or service account.
//!
//! - [`roles`]: the predefined roles, by the permissions that matter (an excerpt).
//! - [`GcpIndex`]: every loaded allow policy with its scope resolved (project, folder,
//!   organization, service account), bindings indexed by member, the service accounts and
//!   projects the inputs name, custom roles, and the GKE workload identity pools.
//! - [`GcpIndex::grant`]: whether an actor's bindings give a permission on a target, with the
//!   bindings that do; [`GcpIndex::admin`] and [`GcpIndex::impersonations`] build on it.
//!
//! Semantics: a binding on a project applies to the project and everything in it (its
//! service accounts); a binding on a service account only to that account. Folder and
//! organization policies apply to every loaded project (the inputs do not say which project
//! sits under which folder; the evidence says so). IAM conditions (CEL) are not evaluated:
//! a binding with a condition is a *possible* grant (lower likelihood, named in evidence),
//! never dropped. Deny policies and group membership are not modelled.

pub mod roles;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::graph::Evidence;
use crate::snapshot::{
    GcpBinding, GcpIamPolicy, GcpResource, GcpRole, GkeCluster, Snapshot, Source, Warning,
};
use roles::Predefined;

/// The Kubernetes service account annotation naming the Google service account GKE's
/// metadata server hands out tokens for.
pub const GSA_ANNOTATION: &str = "iam.gke.io/gcp-service-account";
/// Node label set on nodes that run the GKE metadata server.
pub const METADATA_SERVER_LABEL: &str = "iam.gke.io/gke-metadata-server-enabled";
/// Node label naming the node pool.
pub const NODE_POOL_LABEL: &str = "cloud.google.com/gke-nodepool";
/// The OAuth scope that lets a token call every Google API.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Where a policy applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Project(String),
    Folder(String),
    Organization(String),
    ServiceAccount(String),
}

impl Scope {
    /// The resource name, for evidence (`projects/P`, `organizations/N`, ...).
    pub fn object(&self) -> String {
        match self {
            Scope::Project(p) => format!("projects/{p}"),
            Scope::Folder(f) => format!("folders/{f}"),
            Scope::Organization(o) => format!("organizations/{o}"),
            Scope::ServiceAccount(e) => format!("serviceAccounts/{e}"),
        }
    }

    fn is_ancestor(&self) -> bool {
        matches!(self, Scope::Folder(_) | Scope::Organization(_))
    }
}

/// What a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'t> {
    Project(&'t str),
    ServiceAccount(&'t str),
    /// A custom role, by name (`projects/P/roles/X`, `organizations/N/roles/X`).
    Role(&'t str),
}

/// A loaded policy and where it applies.
#[derive(Debug, Clone)]
pub struct ScopedPolicy<'a> {
    pub scope: Scope,
    pub policy: &'a GcpIamPolicy,
    /// Why the scope was inferred, when the output did not name it.
    pub inferred: Option<String>,
}

/// What a role grants.
#[derive(Debug, Clone, Copy)]
pub enum RolePerms<'a> {
    Predefined(Predefined),
    Custom(&'a GcpRole),
    /// A predefined role outside the excerpt, or a custom role not in the snapshot.
    Unknown,
}

impl RolePerms<'_> {
    pub fn grants(&self, permission: &str) -> bool {
        match self {
            RolePerms::Predefined(p) => p.grants(permission),
            RolePerms::Custom(r) => r
                .included_permissions
                .iter()
                .flatten()
                .any(|p| p == permission),
            RolePerms::Unknown => false,
        }
    }
}

/// One binding an actor is a member of.
#[derive(Debug, Clone)]
pub struct Held<'a> {
    pub policy: usize,
    pub binding_index: usize,
    pub binding: &'a GcpBinding,
    /// The member string as written in the policy.
    pub member: &'a str,
    pub role: RolePerms<'a>,
}

/// The bindings that give a permission on a target.
#[derive(Debug, Clone)]
pub struct Grant<'h> {
    /// Every giving binding has a condition (the grant is possible, not certain).
    pub conditional: bool,
    /// Unconditional bindings first.
    pub via: Vec<&'h Held<'h>>,
}

/// How an actor controls a project's IAM policy.
#[derive(Debug, Clone)]
pub enum AdminHow<'a> {
    /// `setIamPolicy` on the project, or on a folder or organization above it.
    SetIamPolicy(&'static str),
    /// `iam.roles.update` on a custom role the actor holds on the project: it can add any
    /// permission to its own role.
    UpdateOwnRole(&'a str),
}

#[derive(Debug, Clone)]
pub struct AdminGrant<'h> {
    pub how: AdminHow<'h>,
    pub grants: Vec<Grant<'h>>,
}

impl AdminGrant<'_> {
    pub fn conditional(&self) -> bool {
        self.grants.iter().any(|g| g.conditional)
    }
}

/// A way to act as a service account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Primitive {
    /// A Token Creator permission (`getAccessToken`, `signJwt`, `signBlob`,
    /// `implicitDelegation`).
    Token(&'static str),
    /// `iam.serviceAccountKeys.create`: a long-lived key.
    Key,
    /// `iam.serviceAccounts.setIamPolicy`: grant itself Token Creator first.
    SetPolicy,
    /// `iam.serviceAccounts.actAs` and a create permission: run code as the account.
    ActAsCreate(&'static str, &'static str),
}

impl Primitive {
    pub fn describe(self) -> String {
        match self {
            Primitive::Token(p) => p.to_string(),
            Primitive::Key => roles::KEYS_CREATE.to_string(),
            Primitive::SetPolicy => format!(
                "{} (it can grant itself roles/iam.serviceAccountTokenCreator)",
                roles::SA_SET_IAM_POLICY
            ),
            Primitive::ActAsCreate(create, what) => format!(
                "{} + {create} (create {what} that runs as the account)",
                roles::ACT_AS
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Impersonation<'h> {
    pub primitive: Primitive,
    pub grants: Vec<Grant<'h>>,
}

impl Impersonation<'_> {
    pub fn conditional(&self) -> bool {
        self.grants.iter().any(|g| g.conditional)
    }
}

/// A Google service account the inputs name.
#[derive(Debug, Clone)]
pub struct Gsa {
    pub email: String,
    pub project: Option<String>,
    pub disabled: bool,
    /// The account lives in a customer project (not a Google-managed service agent), so
    /// project-level grants cover it.
    pub user_managed: bool,
}

/// A GKE workload identity pool the scanned cluster's service accounts federate into.
#[derive(Debug, Clone)]
pub struct Pool {
    /// `PROJECT.svc.id.goog`.
    pub name: String,
    pub project: String,
    /// The cluster's resource URL (`https://container.googleapis.com/v1/projects/P/locations/L/clusters/C`).
    pub cluster_url: Option<String>,
    pub evidence: Evidence,
}

/// A node pool from `gcloud container clusters describe`.
#[derive(Debug, Clone)]
pub struct NodePool<'a> {
    pub cluster: &'a GkeCluster,
    pub name: String,
    /// `nodePools[i].config` (or `nodeConfig`), for evidence.
    pub field: String,
    /// The node service account's email; `None` when it is the default compute account of
    /// a project whose number is unknown.
    pub service_account: Option<String>,
    pub default_account: bool,
    /// `workloadMetadataConfig.mode` as written, if any.
    pub mode: Option<String>,
    /// Pods on these nodes reach the node's credentials (no GKE metadata server).
    pub exposed: bool,
    pub scopes: Vec<String>,
}

impl NodePool<'_> {
    /// Whether the node's token may call every API (`cloud-platform` scope).
    pub fn full_scope(&self) -> bool {
        self.scopes.iter().any(|s| {
            s == CLOUD_PLATFORM_SCOPE
                || s == "cloud-platform"
                || s.ends_with("/auth/cloud-platform")
        })
    }
}

pub struct GcpIndex<'a> {
    pub policies: Vec<ScopedPolicy<'a>>,
    /// Canonical member -> (policy, binding) indexes.
    members: HashMap<String, Vec<(usize, usize)>>,
    /// Every project the inputs name, with its number where known.
    pub projects: BTreeMap<String, Option<String>>,
    /// Every Google service account the inputs name, by lowercase email.
    pub service_accounts: BTreeMap<String, Gsa>,
    pub custom_roles: HashMap<&'a str, &'a GcpRole>,
    pub pools: Vec<Pool>,
    pub node_pools: Vec<NodePool<'a>>,
    /// Whether the snapshot has a cluster describe saying Workload Identity is off.
    pub workload_identity_disabled: Option<Evidence>,
}

impl<'a> GcpIndex<'a> {
    pub fn new(snapshot: &'a Snapshot, warnings: &mut Vec<Warning>) -> Self {
        let gcp = &snapshot.gcp;
        let mut projects: BTreeMap<String, Option<String>> = BTreeMap::new();
        let add_project =
            |projects: &mut BTreeMap<String, Option<String>>, id: &str, number: Option<&str>| {
                let id = id.trim();
                // A project number (asset search results name projects by number) is mapped to
                // its id below, once numbers are known.
                if id.is_empty() || id.chars().all(|c| c.is_ascii_digit()) {
                    return;
                }
                let e = projects.entry(id.to_string()).or_default();
                if e.is_none() {
                    *e = number.map(str::to_string);
                }
            };
        for p in &gcp.projects {
            add_project(&mut projects, &p.project_id, p.project_number.as_deref());
        }
        for c in &gcp.clusters {
            if let Some(p) = cluster_project(c) {
                add_project(&mut projects, &p, None);
            }
        }
        for sa in &gcp.service_accounts {
            if let Some(p) = sa
                .project_id
                .clone()
                .or_else(|| sa.name.split('/').nth(1).map(str::to_string))
                .filter(|p| p != "-")
            {
                let number = default_compute_number(&sa.email);
                add_project(&mut projects, &p, number);
            }
        }
        for r in &gcp.roles {
            if let Some(p) = r
                .name
                .strip_prefix("projects/")
                .and_then(|r| r.split('/').next())
            {
                add_project(&mut projects, p, None);
            }
        }
        for pol in &gcp.policies {
            if let GcpResource::Project(p) = &pol.resource {
                add_project(&mut projects, p, None);
            }
        }
        if let Some(a) = snapshot
            .facts
            .account
            .as_deref()
            .filter(|a| is_project_id(a))
        {
            add_project(&mut projects, a, None);
        }

        // Scopes of the policies; an unnamed project policy belongs to the only project the
        // other inputs name, else to the only project its members' accounts live in.
        let named: Vec<String> = projects.keys().cloned().collect();
        let mut policies = Vec::new();
        for pol in &gcp.policies {
            let (scope, inferred) = match &pol.resource {
                GcpResource::Project(p) => (Scope::Project(p.clone()), None),
                GcpResource::Folder(f) => (Scope::Folder(f.clone()), None),
                GcpResource::Organization(o) => (Scope::Organization(o.clone()), None),
                GcpResource::ServiceAccount(e) => {
                    (Scope::ServiceAccount(e.trim().to_ascii_lowercase()), None)
                }
                GcpResource::UnnamedProject => match infer_project(pol, &named) {
                    Ok((p, why)) => (Scope::Project(p), Some(why)),
                    Err(why) => {
                        warnings.push(Warning {
                            file: pol.source.file.clone(),
                            document: Some(pol.source.document),
                            object: Some("gcloud projects get-iam-policy".into()),
                            field: None,
                            message: format!("{why}; the policy is ignored. Wrap it as {{\"project\": \"PROJECT\", \"policy\": ...}} or state the project as `account:` in kubepath.yaml"),
                        });
                        continue;
                    }
                },
            };
            if let Scope::Project(p) = &scope {
                add_project(&mut projects, p, None);
            }
            policies.push(ScopedPolicy {
                scope,
                policy: pol,
                inferred,
            });
        }
        // Project numbers from the service agents a project's own policy names.
        for sp in &policies {
            let Scope::Project(p) = &sp.scope else {
                continue;
            };
            if projects.get(p).is_some_and(Option::is_some) {
                continue;
            }
            let numbers: BTreeSet<&str> = sp
                .policy
                .bindings
                .iter()
                .flat_map(|b| &b.members)
                .filter_map(|m| m.strip_prefix("serviceAccount:"))
                .filter_map(service_agent_number)
                .collect();
            if let [only] = numbers.into_iter().collect::<Vec<_>>().as_slice() {
                projects.insert(p.clone(), Some(only.to_string()));
            }
        }
        let by_number: HashMap<String, String> = projects
            .iter()
            .filter_map(|(id, n)| n.as_ref().map(|n| (n.clone(), id.clone())))
            .collect();
        for sp in &mut policies {
            if let Scope::Project(p) = &sp.scope
                && let Some(id) = by_number.get(p)
            {
                sp.scope = Scope::Project(id.clone());
            }
        }

        // Members index.
        let mut members: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (pi, sp) in policies.iter().enumerate() {
            for (bi, b) in sp.policy.bindings.iter().enumerate() {
                for m in &b.members {
                    members
                        .entry(canonical_member(m))
                        .or_default()
                        .push((pi, bi));
                }
            }
        }

        // Custom roles.
        let mut custom_roles: HashMap<&str, &GcpRole> = HashMap::new();
        for r in gcp.roles.iter().filter(|r| !r.deleted) {
            custom_roles.insert(r.name.as_str(), r);
        }
        let mut unknown_roles: BTreeMap<&str, &Source> = BTreeMap::new();
        for sp in &policies {
            for b in &sp.policy.bindings {
                if is_custom_role(&b.role) {
                    match custom_roles.get(b.role.as_str()) {
                        None => {
                            unknown_roles.entry(&b.role).or_insert(&sp.policy.source);
                        }
                        Some(r) if r.included_permissions.is_none() => {
                            unknown_roles.entry(&b.role).or_insert(&r.source);
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        for (role, source) in unknown_roles {
            warnings.push(Warning {
                file: source.file.clone(),
                document: Some(source.document),
                object: Some(role.to_string()),
                field: Some("includedPermissions".into()),
                message: "a binding grants this custom role but its permissions are not in the input (add `gcloud iam roles describe ROLE --format=json`); the binding is taken to grant nothing".into(),
            });
        }

        // Service accounts.
        let mut service_accounts: BTreeMap<String, Gsa> = BTreeMap::new();
        let project_of = |email: &str| -> Option<String> { project_of_email(email, &by_number) };
        let add_sa = |sas: &mut BTreeMap<String, Gsa>,
                      email: &str,
                      project: Option<String>,
                      disabled: bool| {
            let email = email.trim().to_ascii_lowercase();
            if !email.contains('@') || email.contains(".svc.id.goog") {
                return;
            }
            let project = project.or_else(|| project_of(&email));
            let user_managed = is_user_managed(&email);
            let e = sas.entry(email.clone()).or_insert(Gsa {
                email,
                project: None,
                disabled: false,
                user_managed,
            });
            if e.project.is_none() {
                e.project = project;
            }
            e.disabled |= disabled;
        };
        for sa in &gcp.service_accounts {
            let project = sa.project_id.clone().filter(|p| !p.is_empty());
            add_sa(&mut service_accounts, &sa.email, project, sa.disabled);
        }
        for sp in &policies {
            if let Scope::ServiceAccount(e) = &sp.scope {
                add_sa(&mut service_accounts, e, None, false);
            }
            for m in sp.policy.bindings.iter().flat_map(|b| &b.members) {
                if let Some(e) = m.strip_prefix("serviceAccount:") {
                    add_sa(&mut service_accounts, e, None, false);
                }
            }
        }
        for sa in &snapshot.service_accounts {
            if let Some(e) = sa.metadata.annotations.get(GSA_ANNOTATION) {
                add_sa(&mut service_accounts, e, None, false);
            }
        }

        // Pools and node pools.
        let mut pools = Vec::new();
        let mut node_pools = Vec::new();
        let mut workload_identity_disabled = None;
        for c in &gcp.clusters {
            let project = cluster_project(c);
            let url = cluster_url(c);
            let object = format!("GkeCluster/{}", c.name);
            match c
                .workload_identity_config
                .as_ref()
                .and_then(|w| w.workload_pool.as_deref())
                .filter(|p| !p.is_empty())
            {
                Some(pool) => {
                    let pool_project = pool.strip_suffix(".svc.id.goog").unwrap_or(pool);
                    pools.push(Pool {
                        name: pool.to_ascii_lowercase(),
                        project: pool_project.to_string(),
                        cluster_url: url.clone(),
                        evidence: Evidence::new(
                            object.clone(),
                            "workloadIdentityConfig.workloadPool",
                            format!("{pool}: the cluster's service accounts federate into this pool as {pool}[NAMESPACE/NAME], the same identity for that namespace and name in every cluster of the pool's project"),
                        )
                        .at(&c.source),
                    });
                }
                None => {
                    workload_identity_disabled.get_or_insert(
                        Evidence::new(
                            object.clone(),
                            "workloadIdentityConfig",
                            "unset: Workload Identity Federation for GKE is off, Kubernetes service accounts have no Google identity",
                        )
                        .at(&c.source),
                    );
                }
            }
            let wi_on = c
                .workload_identity_config
                .as_ref()
                .and_then(|w| w.workload_pool.as_deref())
                .is_some_and(|p| !p.is_empty());
            let mut configs: Vec<(String, String, &crate::snapshot::GkeNodeConfig)> = c
                .node_pools
                .iter()
                .enumerate()
                .filter_map(|(i, np)| {
                    np.config
                        .as_ref()
                        .map(|cfg| (np.name.clone(), format!("nodePools[{i}].config"), cfg))
                })
                .collect();
            if configs.is_empty()
                && let Some(cfg) = &c.node_config
            {
                configs.push(("default-pool".into(), "nodeConfig".into(), cfg));
            }
            for (name, field, cfg) in configs {
                let written = cfg
                    .service_account
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty() && *s != "default");
                let default_account = written.is_none();
                let service_account = match written {
                    Some(e) => Some(e.to_ascii_lowercase()),
                    None => project
                        .as_ref()
                        .and_then(|p| projects.get(p).cloned().flatten())
                        .map(|n| format!("{n}-compute@developer.gserviceaccount.com")),
                };
                let mode = cfg
                    .workload_metadata_config
                    .as_ref()
                    .and_then(|m| m.mode.clone().or(m.node_metadata.clone()));
                let exposed = match mode.as_deref() {
                    Some("GKE_METADATA" | "GKE_METADATA_SERVER") => false,
                    Some(_) => true,
                    // New node pools of a Workload Identity cluster default to GKE_METADATA.
                    None => !wi_on,
                };
                if let Some(e) = &service_account {
                    add_sa(&mut service_accounts, e, None, false);
                } else {
                    warnings.push(Warning {
                        file: c.source.file.clone(),
                        document: Some(c.source.document),
                        object: Some(object.clone()),
                        field: Some(format!("{field}.serviceAccount")),
                        message: "the nodes run as the project's default compute service account, whose email needs the project number: add `gcloud projects describe PROJECT --format=json` or `gcloud iam service-accounts list --format=json`".into(),
                    });
                }
                node_pools.push(NodePool {
                    cluster: c,
                    name,
                    field,
                    service_account,
                    default_account,
                    mode,
                    exposed,
                    scopes: cfg.oauth_scopes.clone(),
                });
            }
        }
        if gcp.clusters.is_empty() && !policies.is_empty() {
            // No cluster describe: assume the cluster federates into the pool of the only
            // project, which is what GKE names it.
            if let [only] = projects.keys().collect::<Vec<_>>().as_slice() {
                let name = format!("{only}.svc.id.goog");
                pools.push(Pool {
                    evidence: Evidence::new(
                        format!("projects/{only}"),
                        "",
                        format!("assumed: the cluster's workload identity pool is {name} (no `gcloud container clusters describe` in the input); the same namespace and name in every cluster of the project is the same identity"),
                    ),
                    name,
                    project: (*only).clone(),
                    cluster_url: None,
                });
            }
        }
        GcpIndex {
            policies,
            members,
            projects,
            service_accounts,
            custom_roles,
            pools,
            node_pools,
            workload_identity_disabled,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.policies.is_empty() && self.node_pools.is_empty()
    }

    /// The member keys of a Google service account.
    pub fn gsa_members(email: &str) -> Vec<String> {
        vec![
            format!("serviceaccount:{}", email.to_ascii_lowercase()),
            "allauthenticatedusers".into(),
            "allusers".into(),
        ]
    }

    /// The member keys of a Kubernetes service account of the scanned cluster(s), in every
    /// pool it federates into.
    pub fn ksa_members(&self, ns: &str, name: &str) -> Vec<String> {
        let mut out = vec!["allusers".to_string()];
        for p in &self.pools {
            let pool = &p.name;
            out.push(format!("wi:{pool}:subject:{ns}/{name}"));
            out.push(format!("wi:{pool}:namespace:{ns}"));
            out.push(format!("wi:{pool}:*"));
            if let Some(url) = &p.cluster_url {
                out.push(format!("wi:{pool}:cluster:{url}"));
            }
        }
        out
    }

    /// Every binding whose members include one of `keys`.
    pub fn holdings(&self, keys: &[String]) -> Vec<Held<'a>> {
        let mut refs: BTreeSet<(usize, usize, &str)> = BTreeSet::new();
        for k in keys {
            for &(p, b) in self.members.get(k).into_iter().flatten() {
                refs.insert((p, b, k.as_str()));
            }
        }
        let mut out = Vec::new();
        let mut seen: BTreeSet<(usize, usize)> = BTreeSet::new();
        for (p, b, key) in refs {
            if !seen.insert((p, b)) {
                continue;
            }
            let Some(sp) = self.policies.get(p) else {
                continue;
            };
            let Some(binding) = sp.policy.bindings.get(b) else {
                continue;
            };
            let member = binding
                .members
                .iter()
                .find(|m| canonical_member(m) == key)
                .map_or("", String::as_str);
            out.push(Held {
                policy: p,
                binding_index: b,
                binding,
                member,
                role: self.role(&binding.role),
            });
        }
        out
    }

    pub fn role(&self, role: &str) -> RolePerms<'a> {
        if is_custom_role(role) {
            return self
                .custom_roles
                .get(role)
                .map_or(RolePerms::Unknown, |r| RolePerms::Custom(r));
        }
        roles::predefined(role).map_or(RolePerms::Unknown, RolePerms::Predefined)
    }

    pub fn scope(&self, h: &Held<'_>) -> Option<&Scope> {
        self.policies.get(h.policy).map(|p| &p.scope)
    }

    /// Whether a binding at `scope` applies to `target`.
    fn covers(&self, scope: &Scope, target: Target<'_>) -> bool {
        match target {
            Target::Project(p) => match scope {
                Scope::Project(q) => q == p,
                s => s.is_ancestor(),
            },
            Target::ServiceAccount(e) => match scope {
                Scope::ServiceAccount(x) => x.eq_ignore_ascii_case(e),
                Scope::Project(q) => self
                    .service_accounts
                    .get(&e.to_ascii_lowercase())
                    .is_some_and(|s| s.user_managed && s.project.as_deref() == Some(q)),
                s => {
                    s.is_ancestor()
                        && self
                            .service_accounts
                            .get(&e.to_ascii_lowercase())
                            .is_some_and(|s| s.user_managed)
                }
            },
            Target::Role(name) => {
                if let Some(rest) = name.strip_prefix("projects/") {
                    let p = rest.split('/').next().unwrap_or("");
                    match scope {
                        Scope::Project(q) => q == p,
                        s => s.is_ancestor(),
                    }
                } else if let Some(rest) = name.strip_prefix("organizations/") {
                    let o = rest.split('/').next().unwrap_or("");
                    matches!(scope, Scope::Organization(x) if x == o)
                } else {
                    false
                }
            }
        }
    }

    /// The bindings among `held` that give `permission` on `target`; `None` if none does.
    pub fn grant<'h>(
        &self,
        held: &'h [Held<'h>],
        permission: &str,
        target: Target<'_>,
    ) -> Option<Grant<'h>> {
        self.grant_where(held, permission, target, |_| true)
    }

    fn grant_where<'h>(
        &self,
        held: &'h [Held<'h>],
        permission: &str,
        target: Target<'_>,
        scope_ok: impl Fn(&Scope) -> bool,
    ) -> Option<Grant<'h>> {
        let mut via: Vec<&Held<'_>> = held
            .iter()
            .filter(|h| h.role.grants(permission))
            .filter(|h| {
                self.scope(h)
                    .is_some_and(|s| scope_ok(s) && self.covers(s, target))
            })
            .collect();
        if via.is_empty() {
            return None;
        }
        via.sort_by_key(|h| h.binding.condition.is_some());
        Some(Grant {
            conditional: via.iter().all(|h| h.binding.condition.is_some()),
            via,
        })
    }

    /// How the holder of `held` controls project `project`'s IAM policy, if it does; an
    /// unconditional way is preferred.
    pub fn admin<'h>(&self, held: &'h [Held<'h>], project: &str) -> Option<AdminGrant<'h>> {
        let mut ways: Vec<AdminGrant<'h>> = Vec::new();
        let target = Target::Project(project);
        if let Some(g) = self.grant(held, roles::PROJECTS_SET_IAM_POLICY, target) {
            ways.push(AdminGrant {
                how: AdminHow::SetIamPolicy(roles::PROJECTS_SET_IAM_POLICY),
                grants: vec![g],
            });
        }
        for (perm, want) in [
            (roles::FOLDERS_SET_IAM_POLICY, "folder"),
            (roles::ORGANIZATIONS_SET_IAM_POLICY, "organization"),
        ] {
            let g = self.grant_where(held, perm, target, |s| match s {
                Scope::Folder(_) => want == "folder",
                Scope::Organization(_) => true,
                _ => false,
            });
            if let Some(g) = g {
                ways.push(AdminGrant {
                    how: AdminHow::SetIamPolicy(perm),
                    grants: vec![g],
                });
            }
        }
        // A custom role it holds on the project, which it may update.
        for h in held {
            let RolePerms::Custom(r) = h.role else {
                continue;
            };
            if !self.scope(h).is_some_and(|s| self.covers(s, target)) {
                continue;
            }
            if let Some(g) = self.grant(held, roles::ROLES_UPDATE, Target::Role(&r.name)) {
                let bound = Grant {
                    conditional: h.binding.condition.is_some(),
                    via: vec![h],
                };
                ways.push(AdminGrant {
                    how: AdminHow::UpdateOwnRole(&r.name),
                    grants: vec![g, bound],
                });
            }
        }
        ways.into_iter().min_by_key(|w| w.conditional())
    }

    /// Every way the holder of `held` can act as service account `email`, unconditional
    /// first, then in the order of [`Primitive`].
    pub fn impersonations<'h>(&self, held: &'h [Held<'h>], email: &str) -> Vec<Impersonation<'h>> {
        let target = Target::ServiceAccount(email);
        let mut out = Vec::new();
        for perm in roles::TOKEN_PERMISSIONS {
            if let Some(g) = self.grant(held, perm, target) {
                out.push(Impersonation {
                    primitive: Primitive::Token(perm),
                    grants: vec![g],
                });
            }
        }
        if let Some(g) = self.grant(held, roles::KEYS_CREATE, target) {
            out.push(Impersonation {
                primitive: Primitive::Key,
                grants: vec![g],
            });
        }
        if let Some(g) = self.grant(held, roles::SA_SET_IAM_POLICY, target) {
            out.push(Impersonation {
                primitive: Primitive::SetPolicy,
                grants: vec![g],
            });
        }
        if let Some(act) = self.grant(held, roles::ACT_AS, target) {
            let project = self
                .service_accounts
                .get(&email.to_ascii_lowercase())
                .and_then(|s| s.project.clone());
            if let Some(p) = project {
                for (create, what) in roles::CREATE_AS {
                    if let Some(g) = self.grant(held, create, Target::Project(&p)) {
                        out.push(Impersonation {
                            primitive: Primitive::ActAsCreate(create, what),
                            grants: vec![act.clone(), g],
                        });
                        break;
                    }
                }
            }
        }
        out.sort_by_key(|i| i.conditional());
        out
    }

    /// The service accounts a set of bindings could reach: those named by account-level
    /// policies, and every user-managed account of the projects (or, for folders and
    /// organizations, of every project) where a binding grants an impersonation permission.
    pub fn impersonation_candidates(&self, held: &[Held<'_>]) -> BTreeSet<&str> {
        let relevant = |h: &Held<'_>| {
            roles::TOKEN_PERMISSIONS
                .iter()
                .chain([roles::KEYS_CREATE, roles::SA_SET_IAM_POLICY, roles::ACT_AS].iter())
                .any(|p| h.role.grants(p))
        };
        let mut out = BTreeSet::new();
        for h in held.iter().filter(|h| relevant(h)) {
            match self.scope(h) {
                Some(Scope::ServiceAccount(e)) => {
                    if let Some((k, _)) = self.service_accounts.get_key_value(e) {
                        out.insert(k.as_str());
                    }
                }
                Some(Scope::Project(p)) => out.extend(
                    self.service_accounts
                        .values()
                        .filter(|s| s.user_managed && s.project.as_deref() == Some(p))
                        .map(|s| s.email.as_str()),
                ),
                Some(_) => out.extend(
                    self.service_accounts
                        .values()
                        .filter(|s| s.user_managed)
                        .map(|s| s.email.as_str()),
                ),
                None => {}
            }
        }
        out
    }

    /// The projects a set of bindings could administer (those of their scopes; every
    /// project for folder and organization bindings).
    pub fn admin_candidates(&self, held: &[Held<'_>]) -> BTreeSet<&str> {
        let mut out = BTreeSet::new();
        for h in held {
            match self.scope(h) {
                Some(Scope::Project(p)) => {
                    if let Some((k, _)) = self.projects.get_key_value(p) {
                        out.insert(k.as_str());
                    }
                }
                Some(Scope::ServiceAccount(_)) | None => {}
                Some(_) => out.extend(self.projects.keys().map(String::as_str)),
            }
        }
        out
    }

    /// Evidence for one binding an actor holds.
    pub fn evidence(&self, h: &Held<'_>) -> Evidence {
        let Some(sp) = self.policies.get(h.policy) else {
            return Evidence::new("", "", "");
        };
        let prefix = if sp.policy.field.is_empty() {
            String::new()
        } else {
            format!("{}.", sp.policy.field)
        };
        let mut detail = format!("{} granted to {}", h.binding.role, h.member);
        if let RolePerms::Custom(r) = h.role {
            let relevant: Vec<&str> = r
                .included_permissions
                .iter()
                .flatten()
                .map(String::as_str)
                .filter(|p| roles::RELEVANT.contains(p))
                .collect();
            if !relevant.is_empty() {
                detail.push_str(&format!(" (custom role with {})", relevant.join(", ")));
            }
        }
        if let Some(c) = &h.binding.condition {
            detail.push_str(&format!(
                "; only under the IAM condition {}{}, which is not evaluated: the grant is possible, not certain",
                c.title.as_deref().map(|t| format!("\"{t}\" ")).unwrap_or_default(),
                c.expression
            ));
        }
        if sp.scope.is_ancestor() {
            detail.push_str(
                "; inherited by every project and service account under it (the input does not say which projects are; all loaded ones are assumed)",
            );
        }
        if let Some(why) = &sp.inferred {
            detail.push_str(&format!(" {why}"));
        }
        Evidence::new(
            sp.scope.object(),
            format!("{prefix}bindings[{}]", h.binding_index),
            detail,
        )
        .at(&sp.policy.source)
    }

    /// A remediation sentence for one binding.
    pub fn remove_binding(&self, h: &Held<'_>) -> String {
        let Some(sp) = self.policies.get(h.policy) else {
            return String::new();
        };
        let cmd = match &sp.scope {
            Scope::Project(p) => format!("gcloud projects remove-iam-policy-binding {p}"),
            Scope::Folder(f) => {
                format!("gcloud resource-manager folders remove-iam-policy-binding {f}")
            }
            Scope::Organization(o) => {
                format!("gcloud organizations remove-iam-policy-binding {o}")
            }
            Scope::ServiceAccount(e) => {
                format!("gcloud iam service-accounts remove-iam-policy-binding {e}")
            }
        };
        format!(
            "remove {} from {} on {} ({cmd} --member='{}' --role='{}')",
            h.member,
            h.binding.role,
            sp.scope.object(),
            h.member,
            h.binding.role
        )
    }
}

/// Whether a role name is a custom role.
fn is_custom_role(role: &str) -> bool {
    role.starts_with("projects/") || role.starts_with("organizations/")
}

/// A member string in the one spelling the index uses: type prefixes and emails
/// lowercased; GKE workload identities (`serviceAccount:POOL[NS/NAME]`, `principal://...`,
/// `principalSet://...`) as `wi:POOL:...`, whatever project number the URL carries.
pub fn canonical_member(member: &str) -> String {
    let m = member.trim();
    if let Some(rest) = m.strip_prefix("serviceAccount:") {
        if let Some((pool, ksa)) = rest.split_once('[')
            && let Some((ns, name)) = ksa.strip_suffix(']').and_then(|k| k.split_once('/'))
        {
            return format!("wi:{}:subject:{ns}/{name}", pool.to_ascii_lowercase());
        }
        return format!("serviceaccount:{}", rest.to_ascii_lowercase());
    }
    for (scheme, set) in [("principal://", false), ("principalSet://", true)] {
        let Some(rest) = m.strip_prefix(scheme) else {
            continue;
        };
        let Some((_, after)) = rest.split_once("/workloadIdentityPools/") else {
            return m.to_string();
        };
        let (pool, tail) = after.split_once('/').unwrap_or((after, ""));
        let pool = pool.to_ascii_lowercase();
        if !set {
            if let Some(subject) = tail.strip_prefix("subject/") {
                let parts: Vec<&str> = subject.split('/').collect();
                if let ["ns", ns, "sa", name] = parts.as_slice() {
                    return format!("wi:{pool}:subject:{ns}/{name}");
                }
                return format!("wi:{pool}:subject-raw:{subject}");
            }
        } else if tail == "*" {
            return format!("wi:{pool}:*");
        } else if let Some(ns) = tail.strip_prefix("namespace/") {
            return format!("wi:{pool}:namespace:{ns}");
        } else if let Some(url) = tail.strip_prefix("kubernetes.cluster/") {
            return format!("wi:{pool}:cluster:{}", normalize_cluster_url(url));
        }
        return format!("wi:{pool}:other:{tail}");
    }
    match m.split_once(':') {
        Some((kind, rest)) => format!(
            "{}:{}",
            kind.to_ascii_lowercase(),
            rest.to_ascii_lowercase()
        ),
        None => m.to_ascii_lowercase(),
    }
}

/// `https://container.googleapis.com/v1/projects/P/locations/L/clusters/C`, lowercased,
/// with `zones/` read as `locations/`.
fn normalize_cluster_url(url: &str) -> String {
    url.trim()
        .trim_end_matches('/')
        .replace("/zones/", "/locations/")
        .to_ascii_lowercase()
}

/// The project of a cluster, from its `selfLink`.
pub fn cluster_project(c: &GkeCluster) -> Option<String> {
    let link = c.self_link.as_deref()?;
    let (_, rest) = link.split_once("/projects/")?;
    rest.split('/')
        .next()
        .filter(|p| !p.is_empty())
        .map(str::to_string)
}

fn cluster_url(c: &GkeCluster) -> Option<String> {
    let p = cluster_project(c)?;
    let location = c.location.as_deref().or(c.zone.as_deref())?;
    Some(normalize_cluster_url(&format!(
        "https://container.googleapis.com/v1/projects/{p}/locations/{location}/clusters/{}",
        c.name
    )))
}

/// A GCP project id: 6 to 30 lowercase letters, digits and hyphens, starting with a
/// letter (an AWS account id, all digits, is not one).
pub fn is_project_id(s: &str) -> bool {
    let s = s.trim();
    (6..=30).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.ends_with('-')
}

/// `NUMBER` of `NUMBER-compute@developer.gserviceaccount.com`.
fn default_compute_number(email: &str) -> Option<&str> {
    let local = email.strip_suffix("-compute@developer.gserviceaccount.com")?;
    local.chars().all(|c| c.is_ascii_digit()).then_some(local)
}

/// The project number a Google-created account of a project carries: the default compute
/// account, `service-N@...` service agents, `N@cloudservices`, `N@cloudbuild`.
fn service_agent_number(email: &str) -> Option<&str> {
    if let Some(n) = default_compute_number(email) {
        return Some(n);
    }
    let (local, domain) = email.split_once('@')?;
    let n = local.strip_prefix("service-").unwrap_or(local);
    let google = domain.ends_with(".gserviceaccount.com");
    (google && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())).then_some(n)
}

/// The project an account lives in, from its email.
fn project_of_email(email: &str, by_number: &HashMap<String, String>) -> Option<String> {
    let (local, domain) = email.split_once('@')?;
    if let Some(p) = domain.strip_suffix(".iam.gserviceaccount.com")
        && !p.starts_with("gcp-sa-")
    {
        return Some(p.to_string());
    }
    if let Some(p) = domain.strip_suffix(".appspot.gserviceaccount.com") {
        return Some(p.to_string());
    }
    if domain == "appspot.gserviceaccount.com" {
        return Some(local.to_string());
    }
    service_agent_number(email).and_then(|n| by_number.get(n).cloned())
}

/// Accounts in a customer project: user-managed ones, the default compute and App Engine
/// accounts. Google-managed service agents are not covered by project-level grants.
fn is_user_managed(email: &str) -> bool {
    let Some((_, domain)) = email.split_once('@') else {
        return false;
    };
    (domain.ends_with(".iam.gserviceaccount.com") && !domain.starts_with("gcp-sa-"))
        || domain == "developer.gserviceaccount.com"
        || domain.ends_with("appspot.gserviceaccount.com")
}

/// The project of a policy whose output does not name it.
fn infer_project(pol: &GcpIamPolicy, named: &[String]) -> Result<(String, String), String> {
    if let [only] = named {
        return Ok((
            only.clone(),
            format!("(the output names no project: {only} is the only one in the input)"),
        ));
    }
    if named.len() > 1 {
        return Err(format!(
            "a project IAM policy that names no project, and the input names several projects ({})",
            named.join(", ")
        ));
    }
    let from_members: BTreeSet<String> = pol
        .bindings
        .iter()
        .flat_map(|b| &b.members)
        .filter_map(|m| m.strip_prefix("serviceAccount:"))
        .filter_map(|e| e.split_once('@'))
        .filter_map(|(_, d)| d.strip_suffix(".iam.gserviceaccount.com"))
        .filter(|p| !p.starts_with("gcp-sa-"))
        .map(str::to_string)
        .collect();
    match from_members.into_iter().collect::<Vec<_>>().as_slice() {
        [only] => Ok((
            only.clone(),
            format!(
                "(the output names no project: {only} is the only one its members' accounts live in)"
            ),
        )),
        [] => {
            Err("a project IAM policy that names no project, and no other input names one".into())
        }
        several => Err(format!(
            "a project IAM policy that names no project, and its members' service accounts live in several projects ({})",
            several.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests;
