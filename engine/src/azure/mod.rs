//! Azure RBAC: role assignments at scopes, role definitions (the snapshot's and the built-in
//! excerpt in [`builtin`]), and the managed identities they are given to.
//!
//! Semantics, as Azure Resource Manager authorizes a control-plane request:
//! - An assignment at a scope applies to the scope and everything below it: `/` (root) >
//!   management group > `/subscriptions/S` > `/subscriptions/S/resourceGroups/RG` >
//!   resource ids under it. Ids are compared case-insensitively, at `/` boundaries. The
//!   management group tree is not in any input, so a management group assignment is taken to
//!   cover every subscription of the snapshot (`az role assignment list --all
//!   --include-inherited` lists it because it does), flagged as assumed unless the group is
//!   the tenant root group (named after the tenant id).
//! - A role allows an action when one permission block has an `actions` pattern matching it
//!   and no `notActions` pattern of the same block does (patterns: `*` matches any run of
//!   characters, `/` included; case-insensitive). Roles add up; there is no deny here (deny
//!   assignments are not in `az role assignment list`).
//! - An assignment with an ABAC `condition` may allow less than its role: it is a possible
//!   grant, kept with a lower likelihood and the condition in evidence, never dropped.

pub mod builtin;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::graph::Evidence;
use crate::snapshot::{AzureApi, RoleAssignment, RoleDefinition, Snapshot, Warning};

pub use builtin::BUILTIN_ROLES;

/// Writing a role assignment at a scope lets the caller make itself Owner there.
pub const ROLE_ASSIGNMENT_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";
/// Adding a federated credential to a managed identity lets the caller's own token act as it.
pub const FEDERATED_CREDENTIAL_WRITE: &str =
    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write";
/// The audience of the token the workload identity webhook projects.
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";
/// The service-account annotation naming the managed identity (a hint for the SDKs).
pub const CLIENT_ID_ANNOTATION: &str = "azure.workload.identity/client-id";
/// The pod label that makes the workload identity webhook project the token.
pub const USE_LABEL: &str = "azure.workload.identity/use";

/// Whether an Azure action pattern (`*`, `Microsoft.Authorization/*/Write`, `*/read`) matches
/// an action, case-insensitively.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob(
        pattern.trim().to_ascii_lowercase().as_bytes(),
        action.to_ascii_lowercase().as_bytes(),
    )
}

/// `*`-only glob, iterative with one backtrack point (linear in practice).
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// The permission block and pattern of a role that allow an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed<'a> {
    pub permission: usize,
    pub pattern: &'a str,
}

/// Whether a role definition allows a control-plane action: an `actions` pattern of one
/// block matches and no `notActions` pattern of that block does.
pub fn role_allows<'a>(role: &'a RoleDefinition, action: &str) -> Option<Allowed<'a>> {
    role.permissions.iter().enumerate().find_map(|(i, p)| {
        if p.not_actions.iter().any(|n| action_matches(n, action)) {
            return None;
        }
        p.actions
            .iter()
            .find(|a| action_matches(a, action))
            .map(|a| Allowed {
                permission: i,
                pattern: a.as_str(),
            })
    })
}

/// A scope or resource id, lower-cased, without a trailing `/` (root stays `/`).
pub fn normalize_scope(s: &str) -> String {
    let t = s.trim().to_ascii_lowercase();
    let t = t.trim_end_matches('/');
    if t.is_empty() {
        "/".to_string()
    } else {
        t.to_string()
    }
}

/// The subscription id in a scope or resource id (`/subscriptions/S/...`), as written.
pub fn subscription_of(id: &str) -> Option<&str> {
    let mut parts = id.split('/').filter(|p| !p.is_empty());
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case("subscriptions") {
            return parts.next();
        }
    }
    None
}

/// The management group a scope names, if it is one.
fn management_group(scope: &str) -> Option<&str> {
    let lower = scope.to_ascii_lowercase();
    let prefix = "/providers/microsoft.management/managementgroups/";
    lower
        .starts_with(prefix)
        .then(|| scope.trim().get(prefix.len()..))
        .flatten()
        .map(|r| r.trim_end_matches('/'))
        .filter(|r| !r.is_empty() && !r.contains('/'))
}

/// How an assignment's scope covers a target id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Coverage {
    /// A management group whose place above the target is not known.
    AssumedAbove,
    /// The scope is the target or one of its ancestors.
    Contains,
}

/// What kind of identity a graph node stands for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum IdentityKind {
    /// A user-assigned managed identity (`az identity list`).
    UserAssigned,
    /// The AKS cluster's kubelet identity, assigned to the node VMs.
    Kubelet,
    /// An AKS add-on's identity (`addonProfiles.NAME.identity`), assigned to the node VMs.
    Addon(String),
}

/// One managed identity with its ids.
#[derive(Debug, Clone)]
pub struct AzureIdentity {
    pub client_id: String,
    /// Object id of its service principal, lower-cased (what assignments name).
    pub principal_id: Option<String>,
    /// Its resource id, as written.
    pub resource_id: Option<String>,
    pub name: String,
    pub kinds: BTreeSet<IdentityKind>,
    /// Where it is described (the `az identity list` item or the `az aks show` field).
    pub evidence: Evidence,
}

impl AzureIdentity {
    pub fn node_id(&self) -> String {
        crate::graph::id::azure_identity(&self.client_id)
    }

    /// `name (client id)`, for evidence.
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            format!("managed identity {}", self.client_id)
        } else {
            format!("managed identity {} ({})", self.name, self.client_id)
        }
    }
}

/// One assignment that gives an identity an action over a target.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    pub assignment: &'a RoleAssignment,
    pub role: &'a RoleDefinition,
    pub allowed: Allowed<'a>,
    pub coverage: Coverage,
}

impl Grant<'_> {
    /// The assignment carries an ABAC condition.
    pub fn conditional(&self) -> bool {
        self.assignment
            .condition
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty())
    }

    /// Both uncertainties at once: the condition, and an assumed management group.
    pub fn certain(&self) -> bool {
        !self.conditional() && self.coverage == Coverage::Contains
    }

    pub fn evidence(&self, action: &str) -> Vec<Evidence> {
        let a = self.assignment;
        let object = if a.id.is_empty() {
            format!("RoleAssignment/{}", a.principal_id)
        } else {
            a.id.clone()
        };
        let role_kind = if self.role.source.file.is_empty() {
            "built-in"
        } else {
            "definition"
        };
        let mut ev = vec![
            Evidence::new(
                &object,
                format!("{}.roleDefinitionName", a.field),
                format!(
                    "{} ({role_kind}: permissions[{}].actions \"{}\" allows {action}, no notActions excludes it) at scope {}",
                    self.role.role_name, self.allowed.permission, self.allowed.pattern, a.scope
                ),
            )
            .at(&a.source),
        ];
        if self.role.role_type.eq_ignore_ascii_case("CustomRole")
            && !self.role.source.file.is_empty()
        {
            ev.push(
                Evidence::new(
                    &self.role.id,
                    format!(
                        "{}.permissions[{}]",
                        self.role.field, self.allowed.permission
                    ),
                    format!("custom role {}", self.role.role_name),
                )
                .at(&self.role.source),
            );
        }
        if let Some(c) = a.condition.as_deref().filter(|c| !c.trim().is_empty()) {
            ev.push(
                Evidence::new(
                    &object,
                    format!("{}.condition", a.field),
                    format!(
                        "ABAC condition, not evaluated (the step is possible, not certain): {}",
                        c.trim()
                    ),
                )
                .at(&a.source),
            );
        }
        if self.coverage == Coverage::AssumedAbove {
            ev.push(
                Evidence::new(
                    &object,
                    format!("{}.scope", a.field),
                    "a management group: the hierarchy is not in the input, so it is assumed to contain the target's subscription",
                )
                .at(&a.source),
            );
        }
        ev
    }
}

/// The Azure side of a snapshot, indexed.
pub struct AzureIndex<'a> {
    pub api: &'a AzureApi,
    pub identities: Vec<AzureIdentity>,
    by_client: HashMap<String, usize>,
    by_principal: HashMap<String, usize>,
    by_resource: HashMap<String, usize>,
    roles: HashMap<String, &'a RoleDefinition>,
    roles_by_name: HashMap<String, &'a RoleDefinition>,
    /// Assignments by identity index.
    assignments: BTreeMap<usize, Vec<&'a RoleAssignment>>,
    /// Every subscription the inputs name.
    pub subscriptions: BTreeSet<String>,
    tenants: BTreeSet<String>,
    /// Normalised scope prefix (subscription, resource group, the id itself) -> identities
    /// whose resource id is at or below it.
    under: HashMap<String, Vec<usize>>,
}

impl<'a> AzureIndex<'a> {
    pub fn new(snapshot: &'a Snapshot, warnings: &mut Vec<Warning>) -> Self {
        let api = &snapshot.azure;
        let mut ix = AzureIndex {
            api,
            identities: Vec::new(),
            by_client: HashMap::new(),
            by_principal: HashMap::new(),
            by_resource: HashMap::new(),
            roles: HashMap::new(),
            roles_by_name: HashMap::new(),
            assignments: BTreeMap::new(),
            subscriptions: BTreeSet::new(),
            tenants: BTreeSet::new(),
            under: HashMap::new(),
        };
        for r in BUILTIN_ROLES.iter().chain(api.role_definitions.iter()) {
            let guid = r.name.trim().to_ascii_lowercase();
            if !guid.is_empty() {
                ix.roles.insert(guid, r);
            }
            let name = r.role_name.trim().to_ascii_lowercase();
            if !name.is_empty() {
                ix.roles_by_name.insert(name, r);
            }
        }
        for m in &api.identities {
            let evidence = Evidence::new(
                &m.id,
                format!("{}.clientId", m.field),
                format!(
                    "user-assigned managed identity {} (client id {}, principal id {})",
                    m.name, m.client_id, m.principal_id
                ),
            )
            .at(&m.source);
            ix.add_identity(
                &m.client_id,
                &m.principal_id,
                &m.id,
                &m.name,
                IdentityKind::UserAssigned,
                evidence,
            );
            if !m.tenant_id.trim().is_empty() {
                ix.tenants.insert(m.tenant_id.trim().to_ascii_lowercase());
            }
        }
        if let Some(c) = api.cluster(snapshot.facts.cluster_name.as_deref()) {
            if let Some(k) = c.kubelet_identity() {
                let evidence = Evidence::new(
                    cluster_object(c),
                    format!("{}identityProfile.kubeletidentity", field_prefix(&c.field)),
                    format!(
                        "the kubelet identity (client id {}): assigned to the node VMs",
                        k.client_id
                    ),
                )
                .at(&c.source);
                ix.add_identity(
                    &k.client_id,
                    &k.object_id,
                    &k.resource_id,
                    resource_name(&k.resource_id),
                    IdentityKind::Kubelet,
                    evidence,
                );
            }
            for (name, addon) in &c.addon_profiles {
                let Some(addon) = addon.as_ref().filter(|a| a.enabled != Some(false)) else {
                    continue;
                };
                let Some(k) = &addon.identity else { continue };
                let evidence = Evidence::new(
                    cluster_object(c),
                    format!("{}addonProfiles.{name}.identity", field_prefix(&c.field)),
                    format!(
                        "the {name} add-on's identity (client id {}): assigned to the node VMs",
                        k.client_id
                    ),
                )
                .at(&c.source);
                ix.add_identity(
                    &k.client_id,
                    &k.object_id,
                    &k.resource_id,
                    resource_name(&k.resource_id),
                    IdentityKind::Addon(name.clone()),
                    evidence,
                );
            }
            if let Some(s) = c.subscription() {
                ix.subscriptions.insert(s.to_ascii_lowercase());
            }
        }
        for a in &api.role_assignments {
            if let Some(s) = subscription_of(&a.scope) {
                ix.subscriptions.insert(s.to_ascii_lowercase());
            }
            let Some(&who) = ix
                .by_principal
                .get(&a.principal_id.trim().to_ascii_lowercase())
            else {
                continue;
            };
            if ix.role_of(a).is_none() {
                warnings.push(Warning {
                    file: a.source.file.clone(),
                    document: Some(a.source.document),
                    object: Some(a.id.clone()),
                    field: Some(format!("{}.roleDefinitionId", a.field)),
                    message: format!(
                        "role definition {} ({}) is neither in `az role definition list` output nor a known built-in role: its permissions are not evaluated",
                        a.role_definition_id, a.role_definition_name
                    ),
                });
                continue;
            }
            ix.assignments.entry(who).or_default().push(a);
        }
        for (i, id) in ix.identities.iter().enumerate() {
            if let Some(r) = &id.resource_id {
                if let Some(s) = subscription_of(r) {
                    ix.subscriptions.insert(s.to_ascii_lowercase());
                }
                for prefix in scope_prefixes(r) {
                    ix.under.entry(prefix).or_default().push(i);
                }
            }
        }
        ix
    }

    fn add_identity(
        &mut self,
        client_id: &str,
        principal_id: &str,
        resource_id: &str,
        name: &str,
        kind: IdentityKind,
        evidence: Evidence,
    ) {
        let client = client_id.trim();
        if client.is_empty() {
            return;
        }
        let key = client.to_ascii_lowercase();
        let principal = Some(principal_id.trim().to_ascii_lowercase()).filter(|p| !p.is_empty());
        let resource = Some(resource_id.trim().to_string()).filter(|r| !r.is_empty());
        let i = match self.by_client.get(&key) {
            Some(&i) => i,
            None => {
                self.identities.push(AzureIdentity {
                    client_id: key.clone(),
                    principal_id: None,
                    resource_id: None,
                    name: name.to_string(),
                    kinds: BTreeSet::new(),
                    evidence,
                });
                self.by_client.insert(key, self.identities.len() - 1);
                self.identities.len() - 1
            }
        };
        let Some(id) = self.identities.get_mut(i) else {
            return;
        };
        id.kinds.insert(kind);
        if id.principal_id.is_none() {
            id.principal_id = principal.clone();
        }
        if id.resource_id.is_none() {
            id.resource_id = resource.clone();
        }
        if id.name.is_empty() {
            id.name = name.to_string();
        }
        if let Some(p) = principal {
            self.by_principal.entry(p).or_insert(i);
        }
        if let Some(r) = resource {
            self.by_resource.entry(normalize_scope(&r)).or_insert(i);
        }
    }

    pub fn identity_by_client(&self, client_id: &str) -> Option<usize> {
        self.by_client
            .get(&client_id.trim().to_ascii_lowercase())
            .copied()
    }

    pub fn identity_by_resource(&self, resource_id: &str) -> Option<usize> {
        self.by_resource.get(&normalize_scope(resource_id)).copied()
    }

    /// The role an assignment names: by the GUID of its `roleDefinitionId`, else by
    /// `roleDefinitionName`.
    pub fn role_of(&self, a: &RoleAssignment) -> Option<&'a RoleDefinition> {
        let guid = a
            .role_definition_id
            .trim()
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        self.roles.get(&guid).copied().or_else(|| {
            self.roles_by_name
                .get(&a.role_definition_name.trim().to_ascii_lowercase())
                .copied()
        })
    }

    /// How `scope` covers `target` (both ids), if it does.
    pub fn covers(&self, scope: &str, target: &str) -> Option<Coverage> {
        let s = normalize_scope(scope);
        if s == "/" {
            return Some(Coverage::Contains);
        }
        if let Some(mg) = management_group(scope) {
            return Some(if self.tenants.contains(&mg.to_ascii_lowercase()) {
                Coverage::Contains
            } else {
                Coverage::AssumedAbove
            });
        }
        let t = normalize_scope(target);
        (t == s || t.strip_prefix(&s).is_some_and(|r| r.starts_with('/')))
            .then_some(Coverage::Contains)
    }

    /// The assignments that give identity `who` the action over `target`, best first.
    pub fn grants(&self, who: usize, action: &str, target: &str) -> Vec<Grant<'a>> {
        let mut out: Vec<Grant<'a>> = Vec::new();
        for &a in self.assignments.get(&who).into_iter().flatten() {
            let Some(coverage) = self.covers(&a.scope, target) else {
                continue;
            };
            let Some(role) = self.role_of(a) else {
                continue;
            };
            if let Some(allowed) = role_allows(role, action) {
                out.push(Grant {
                    assignment: a,
                    role,
                    allowed,
                    coverage,
                });
            }
        }
        out.sort_by_key(|g| (!g.certain(), g.conditional()));
        out
    }

    /// Every assignment of identity `who` whose role allows the action (at its own scope).
    pub fn grants_anywhere(&self, who: usize, action: &str) -> Vec<Grant<'a>> {
        let mut out = Vec::new();
        for &a in self.assignments.get(&who).into_iter().flatten() {
            let Some(role) = self.role_of(a) else {
                continue;
            };
            if let Some(allowed) = role_allows(role, action) {
                let coverage = if management_group(&a.scope)
                    .is_some_and(|mg| !self.tenants.contains(&mg.to_ascii_lowercase()))
                {
                    Coverage::AssumedAbove
                } else {
                    Coverage::Contains
                };
                out.push(Grant {
                    assignment: a,
                    role,
                    allowed,
                    coverage,
                });
            }
        }
        out
    }

    /// Identities with a resource id at or below `scope` (management groups and root: all).
    pub fn identities_under(&self, scope: &str) -> Vec<usize> {
        let s = normalize_scope(scope);
        if s == "/" || management_group(scope).is_some() {
            return (0..self.identities.len())
                .filter(|&i| self.identities[i].resource_id.is_some())
                .collect();
        }
        self.under.get(&s).cloned().unwrap_or_default()
    }

    /// Identities that hold at least one evaluated role assignment.
    pub fn assigned(&self) -> impl Iterator<Item = usize> + '_ {
        self.assignments.keys().copied()
    }
}

/// `/subscriptions/S`, `/subscriptions/S/resourcegroups/RG` and every deeper prefix of a
/// resource id (normalised), for the scope index.
fn scope_prefixes(id: &str) -> Vec<String> {
    let n = normalize_scope(id);
    let mut out = Vec::new();
    let mut cur = String::new();
    let parts: Vec<&str> = n.split('/').filter(|p| !p.is_empty()).collect();
    for (i, p) in parts.iter().enumerate() {
        cur.push('/');
        cur.push_str(p);
        // Prefixes ending on a name (odd positions: subscriptions/S, resourcegroups/RG,
        // providers/NS/TYPE/NAME ...) are scopes; keep them all, a few per id.
        if i % 2 == 1 || i + 1 == parts.len() {
            out.push(cur.clone());
        }
    }
    out
}

fn resource_name(id: &str) -> &str {
    id.trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
}

/// The object an AKS cluster is named by in evidence.
pub fn cluster_object(c: &crate::snapshot::AksCluster) -> String {
    if c.id.is_empty() {
        format!("ManagedCluster/{}", c.name)
    } else {
        c.id.clone()
    }
}

fn field_prefix(f: &str) -> String {
    if f.is_empty() {
        String::new()
    } else {
        format!("{f}.")
    }
}
