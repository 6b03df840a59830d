//! RBAC: what a Kubernetes identity can do with its permissions.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::graph::{AttackGraph, Edge, Evidence, id};
use crate::index::{Index, WorkloadNode};
use crate::rbac::{
    GROUP_AUTHENTICATED, Grant, Identity, RoleId, Scope, binding_object, role_object, verb_matches,
};
use crate::snapshot::WorkloadKind;
use crate::techniques::identity::{mounted_token, pod_template_path};
use crate::techniques::{Technique, technique};

mod escalation;
use escalation::{bind, escalate};

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

/// The controllers whose pod template may be changed after creation (a Job's is immutable),
/// with the kind of their workload nodes.
const MUTABLE_TEMPLATES: &[(&str, &str, WorkloadKind)] = &[
    ("apps", "deployments", WorkloadKind::Deployment),
    ("apps", "daemonsets", WorkloadKind::DaemonSet),
    ("apps", "statefulsets", WorkloadKind::StatefulSet),
    ("apps", "replicasets", WorkloadKind::ReplicaSet),
    ("batch", "cronjobs", WorkloadKind::CronJob),
    (
        "",
        "replicationcontrollers",
        WorkloadKind::ReplicationController,
    ),
];

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
const CERTIFICATES_GROUP: &str = "certificates.k8s.io";
const ADMISSION_GROUP: &str = "admissionregistration.k8s.io";

/// `get` on pods/exec (or pods/attach) allows it only through the WebSocket upgrade, and only
/// on API servers before Kubernetes 1.35 (which require `create`): possible, not certain.
const GET_EXEC_LIKELIHOOD: f64 = 0.6;
/// Impersonating any user: some user of the cluster is its administrator, but which one is
/// not known from RBAC alone.
const IMPERSONATE_ANY_USER_LIKELIHOOD: f64 = 0.8;
/// Impersonate-Group needs an Impersonate-User header, so group impersonation alone needs
/// impersonate on some user or service account as well.
const IMPERSONATE_GROUP_ONLY_LIKELIHOOD: f64 = 0.5;
/// A CSR for a signer other than `kubernetes.io/kube-apiserver-client`: a custom or legacy
/// signer may or may not issue client certificates the API server trusts.
const CSR_OTHER_SIGNER_LIKELIHOOD: f64 = 0.35;
/// A validating webhook only sees objects (Secrets and tokens among them); a mutating one
/// changes every pod.
const WEBHOOK_VALIDATING_LIKELIHOOD: f64 = 0.4;
/// aws-auth only matters on EKS, and the attacker also needs an AWS identity to map.
const AWS_AUTH_NOT_EKS_LIKELIHOOD: f64 = 0.6;

const PSA_ENFORCE: &str = "pod-security.kubernetes.io/enforce";

/// Where techniques read permissions from.
#[derive(Clone)]
enum Holder<'s> {
    /// The bindings that name this identity itself: grants through a group are edges of the
    /// group node, which members reach through `MEMBER_OF`, so a chain is not listed twice.
    Identity(&'s Identity),
    /// A role as it would be bound in a scope: what RBAC_BIND and RBAC_ESCALATE would give.
    Role(RoleId, Scope),
    /// The `cluster-admin` node: every permission cluster-wide. Its steps are what any holder
    /// of `*` on `*` may do, so each such holder has one RBAC_CLUSTER_ADMIN edge instead of a
    /// fan-out to every workload and service account (see [`edges`]).
    ClusterAdmin,
}

/// One holder's permissions, and how to word the fix of one of its grants.
struct Perms<'s, 'a> {
    ix: &'s Index<'a>,
    known: &'s Known,
    holder: Holder<'s>,
    /// Grants left out (by [`Grant::key`]): an identity's cluster-wide `*` on `*` rules,
    /// whose steps are those of the `cluster-admin` node it reaches.
    skip: HashSet<GrantKey>,
}

type GrantKey = (
    *const crate::snapshot::RoleBinding,
    *const crate::snapshot::Role,
    usize,
);

/// Lookups every holder's evaluation reads, built once per graph.
struct Known {
    /// `sa:NS/NAME` of the service accounts of each namespace: those in the snapshot,
    /// `default` (every namespace has it), and those bindings name (they exist, or the binding
    /// would be pointless).
    service_accounts: BTreeMap<String, BTreeSet<String>>,
    /// `node:NAME` of every node the snapshot names (Node objects, Pods' `nodeName`).
    nodes: BTreeSet<String>,
}

impl Known {
    fn new(ix: &Index) -> Self {
        let mut service_accounts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for ns in &ix.namespaces {
            service_accounts.insert(
                ns.to_string(),
                ix.service_accounts_in(ns)
                    .into_iter()
                    .map(|n| id::service_account(ns, n))
                    .collect(),
            );
        }
        for who in ix.rbac.identities() {
            if let Identity::ServiceAccount { ns, name } = who {
                service_accounts
                    .entry(ns.clone())
                    .or_default()
                    .insert(id::service_account(ns, name));
            }
        }
        let nodes = ix
            .snapshot
            .nodes
            .iter()
            .filter(|n| !n.metadata.name.is_empty())
            .map(|n| id::node(&n.metadata.name))
            .chain(
                ix.workloads
                    .iter()
                    .flat_map(|w| w.node_ids())
                    .filter(|n| n != id::ANY_NODE),
            )
            .collect();
        Known {
            service_accounts,
            nodes,
        }
    }

    /// The service accounts of a namespace (at least `default`).
    fn service_accounts_of(&self, ns: &str) -> BTreeSet<String> {
        match self.service_accounts.get(ns) {
            Some(v) => v.clone(),
            None => BTreeSet::from([id::service_account(ns, "default")]),
        }
    }
}

impl<'s, 'a> Perms<'s, 'a> {
    /// Rules that allow `verb` on `resource`: the identity's direct grants, or the role's rules.
    fn grants(&self, verb: &str, group: &str, resource: &str) -> Vec<Grant<'a>> {
        let mut v = match &self.holder {
            Holder::Identity(who) => self.ix.rbac.direct_grants(who, verb, group, resource),
            Holder::Role(role, scope) => self
                .ix
                .rbac
                .role_grants(*role, scope, verb, group, resource),
            Holder::ClusterAdmin => every_permission().into_iter().collect(),
        };
        self.unskipped(&mut v);
        v
    }

    fn unskipped(&self, v: &mut Vec<Grant<'a>>) {
        if !self.skip.is_empty() {
            v.retain(|g| !self.skip.contains(&g.key()));
        }
    }

    /// Like `grants`, for one of several permissions a technique needs together: the
    /// identity's groups count too, so a permission held directly combines with one held
    /// through `system:authenticated`. Callers require one part to be direct (else the group
    /// node has the edge), see [`any_direct`].
    fn grants_with_groups(&self, verb: &str, group: &str, resource: &str) -> Vec<Grant<'a>> {
        match &self.holder {
            Holder::Identity(who) => {
                let mut v = self.ix.rbac.grants(who, verb, group, resource);
                self.unskipped(&mut v);
                v
            }
            Holder::Role(..) | Holder::ClusterAdmin => self.grants(verb, group, resource),
        }
    }

    /// Grants for several verbs on one resource, each rule once.
    fn grants_any_verb(&self, verbs: &[&str], group: &str, resource: &str) -> Vec<Grant<'a>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for verb in verbs {
            for gr in self.grants_with_groups(verb, group, resource) {
                if seen.insert(gr.key()) {
                    out.push(gr);
                }
            }
        }
        out
    }

    /// The remediation sentence for a grant: the rule to change and where it is bound, or, for
    /// a default role (which cannot be narrowed), the binding to change.
    fn fix(&self, grant: &Grant<'_>, permission: &str, narrow: &str) -> String {
        if matches!(self.holder, Holder::ClusterAdmin) {
            return format!(
                "Cut the steps into cluster-admin: holding every permission includes {permission}."
            );
        }
        let Holder::Identity(who) = &self.holder else {
            return format!(
                "Remove {permission} from {}{narrow}.",
                grant.rule_location()
            );
        };
        let Some(binding) = grant.binding.map(binding_object) else {
            return format!(
                "Remove {permission} from {}{narrow}.",
                grant.rule_location()
            );
        };
        if grant.is_default_binding() {
            format!(
                "Map no identity to {who}: the Kubernetes default {binding} gives it {}.",
                role_object(grant.role)
            )
        } else if grant.is_default_role() {
            format!(
                "Remove {who} from {binding}, which binds the default {} (defaults cannot be narrowed); bind a role without {permission} instead.",
                role_object(grant.role)
            )
        } else {
            let via = grant
                .via_group
                .as_ref()
                .map(|g| format!(" through group {g}"))
                .unwrap_or_default();
            format!(
                "Remove {permission} from {} (bound to {who}{via} by {binding}){narrow}.",
                grant.rule_location()
            )
        }
    }
}

/// The cluster-wide grants (what cluster-scoped resources need).
fn cluster_wide<'a>(v: Vec<Grant<'a>>) -> Vec<Grant<'a>> {
    v.into_iter()
        .filter(|g| g.scope == Scope::Cluster)
        .collect()
}

/// Whether one of the grants is the identity's own (not through a group).
fn any_direct(grants: &[&Grant<'_>]) -> bool {
    grants.iter().any(|g| g.via_group.is_none())
}

/// One step a holder's permissions allow: the target node and the edge.
type Step = (String, Edge);

/// Per-(role, scope) results of evaluating a role as it would be bound, shared by every
/// identity that may bind or escalate to it.
type Cache = HashMap<(RoleId, Scope), Arc<Vec<Step>>>;

pub fn edges(ix: &Index, g: &mut AttackGraph) {
    add(ix, compute(ix), g);
}

/// The RBAC steps of every identity and of the `cluster-admin` hub, computed from the index
/// alone (no graph), so that [`crate::build_graph`] can run this, the costliest family,
/// beside the others; [`add`] puts them in the graph.
pub(crate) struct Computed {
    /// Per identity, in [`crate::rbac::Rbac::identities`] order: its node id, whether it
    /// holds more than the default bindings, and its steps.
    identities: Vec<(String, bool, Vec<Step>)>,
    hub: Vec<Step>,
}

pub(crate) fn compute(ix: &Index) -> Computed {
    use rayon::prelude::*;
    let known = Known::new(ix);
    let (identities, hub) = rayon::join(
        || {
            // Identities are independent; each worker keeps its own cache of bound roles
            // (results do not depend on it), and `collect` keeps the identities' order.
            ix.rbac
                .identities()
                .par_iter()
                .map_init(Cache::new, |cache, who| {
                    identity_steps(ix, &known, cache, who)
                })
                .collect::<Vec<_>>()
        },
        || {
            // Computed whether or not an identity reaches cluster-admin (known only after
            // the identities), as it runs beside them.
            let hub = Perms {
                ix,
                known: &known,
                holder: Holder::ClusterAdmin,
                skip: HashSet::new(),
            };
            let mut steps = Vec::new();
            single_permission_steps(&hub, &mut steps);
            steps
        },
    );
    Computed { identities, hub }
}

fn identity_steps(
    ix: &Index,
    known: &Known,
    cache: &mut Cache,
    who: &Identity,
) -> (String, bool, Vec<Step>) {
    let from = who.node_id();
    let mut p = Perms {
        ix,
        known,
        holder: Holder::Identity(who),
        skip: HashSet::new(),
    };
    let mut steps = Vec::new();
    cluster_admin(&p, &mut steps);
    // A default binding (system:masters -> cluster-admin) exists in every cluster; its
    // one edge says all, and fanning it out to every secret and pod would bloat every graph.
    let beyond_default = !ix.rbac.only_default_bindings(who);
    if beyond_default {
        // What `*` on `*` cluster-wide allows is the `cluster-admin` node's steps (below):
        // a holder reaches them through its RBAC_CLUSTER_ADMIN edge, so only its other
        // grants (direct or through its groups) give it steps of its own. Without this,
        // each wildcard holder had an edge per workload and service account per technique.
        p.skip = ix
            .rbac
            .grants(who, "*", "*", "*")
            .iter()
            .filter(|gr| gr.scope == Scope::Cluster && gr.resource_names.is_empty())
            .map(Grant::key)
            .collect();
        single_permission_steps(&p, &mut steps);
        bind(&p, who, cache, &mut steps);
        escalate(&p, who, cache, &mut steps);
    }
    (from, beyond_default, steps)
}

pub(crate) fn add(ix: &Index, computed: Computed, g: &mut AttackGraph) {
    let admin_reached = computed.admin_reached();
    for (from, _, steps) in computed.identities {
        for (to, edge) in steps {
            if to != from {
                g.add_edge(&from, &to, edge);
            }
        }
    }
    // The steps out of `cluster-admin`, the hub every holder of `*` on `*` (and every other
    // way into cluster-admin) continues from: what holding every permission gives, once.
    // Added only when some identity beyond the default system:masters binding reaches
    // cluster-admin (no graph otherwise leads through it, so the edges would be dead weight).
    if admin_reached {
        for (to, edge) in computed.hub {
            if to != id::CLUSTER_ADMIN {
                g.add_edge(id::CLUSTER_ADMIN, &to, edge);
            }
        }
    }
    // Last, so that it can link only to groups that lead somewhere.
    member_of(ix, g);
}

impl Computed {
    /// Whether an identity beyond the default binding (system:masters) reaches
    /// cluster-admin: [`add`] then adds the hub's steps.
    fn admin_reached(&self) -> bool {
        self.identities.iter().any(|(from, beyond_default, steps)| {
            *beyond_default
                && steps
                    .iter()
                    .any(|(to, _)| to != from && to == id::CLUSTER_ADMIN)
        })
    }

    /// [`identity::token_minters`](crate::techniques::identity::token_minters) of the graph
    /// [`add`] makes, without the graph: its token-minting edges, added in the same order
    /// and so merged the same way. `build_graph` computes the AWS family from this while
    /// [`add`] runs.
    pub(crate) fn token_minters(&self) -> crate::techniques::identity::Minters {
        let mints = |e: &Edge| {
            e.technique.id == RBAC_TOKEN_REQUEST.id || e.technique.id == RBAC_CREATE_WORKLOAD.id
        };
        let mut g = AttackGraph::new();
        for (from, _, steps) in &self.identities {
            for (to, edge) in steps {
                if to != from && mints(edge) {
                    g.add_edge(from, to, edge.clone());
                }
            }
        }
        if self.admin_reached() {
            for (to, edge) in &self.hub {
                if to != id::CLUSTER_ADMIN && mints(edge) {
                    g.add_edge(id::CLUSTER_ADMIN, to, edge.clone());
                }
            }
        }
        crate::techniques::identity::token_minters(&g)
    }
}

/// The grant the `cluster-admin` node holds: the default ClusterRole cluster-admin's `*` on
/// `*` rule, cluster-wide (the default definition, whatever a snapshot calls cluster-admin).
fn every_permission() -> Option<Grant<'static>> {
    let role = crate::rbac::builtin::ROLES
        .iter()
        .find(|r| r.cluster && r.metadata.name == "cluster-admin")?;
    let rule = role.rules.first()?;
    Some(Grant {
        scope: Scope::Cluster,
        resource_names: &[],
        via_group: None,
        binding: None,
        role,
        rule_role: role,
        rule_index: 0,
        rule,
        evidence: Evidence::new(
            "ClusterRole/cluster-admin",
            "rules[0]",
            "* on * cluster-wide: every permission, held by whoever reaches cluster-admin",
        ),
    })
}

/// Every technique a holder's own permissions give, except RBAC_CLUSTER_ADMIN (checked
/// first) and the role-writing ones (RBAC_BIND, RBAC_ESCALATE), which evaluate other roles
/// with this same function.
fn single_permission_steps(p: &Perms<'_, '_>, out: &mut Vec<Step>) {
    read_secrets(p, out);
    create_workload(p, out);
    patch_workload(p, out);
    pod_access(p, &POD_EXEC_ACCESS, out);
    pod_access(p, &POD_ATTACH_ACCESS, out);
    pod_access(p, &EPHEMERAL_ACCESS, out);
    token_request(p, out);
    impersonate(p, out);
    csr_approve(p, out);
    nodes_proxy(p, out);
    webhook_write(p, out);
    aws_auth_write(p, out);
}

/// Effective `*` on `*` cluster-wide (with no resourceNames).
fn cluster_admin(p: &Perms<'_, '_>, out: &mut Vec<Step>) {
    let grants: Vec<Grant<'_>> = p
        .grants("*", "*", "*")
        .into_iter()
        .filter(|gr| gr.scope == Scope::Cluster && gr.resource_names.is_empty())
        .collect();
    let Some(first) = grants.first() else {
        return;
    };
    let remediation = p.fix(
        first,
        "the wildcard rule",
        "; grant only the verbs and resources it needs instead",
    );
    let evidence = grants.into_iter().map(|gr| gr.evidence).collect();
    out.push((
        id::CLUSTER_ADMIN.to_string(),
        RBAC_CLUSTER_ADMIN.edge(evidence, remediation),
    ));
}

/// get, list and watch all return secret values. `get` needs the name, so it reaches the
/// Secrets known by name (in the snapshot, or in `resourceNames`); `list` and `watch` return
/// every Secret in scope, so they also reach the wildcard `secret:NS/*` (`secret:*/*`).
fn read_secrets(p: &Perms<'_, '_>, out: &mut Vec<Step>) {
    let mut seen = HashSet::new();
    for verb in ["get", "list", "watch"] {
        for grant in p.grants(verb, "", "secrets") {
            if !seen.insert(grant.key()) {
                continue;
            }
            let lists = verb_matches(grant.rule, "list") || verb_matches(grant.rule, "watch");
            let remediation = p.fix(
                &grant,
                "get/list/watch on secrets",
                ", or restrict it with resourceNames to the secrets it needs",
            );
            for to in secret_targets(p.ix, &grant, lists) {
                out.push((
                    to,
                    RBAC_READ_SECRETS.edge(vec![grant.evidence.clone()], remediation.clone()),
                ));
            }
        }
    }
}

/// The secrets a grant reads: with resourceNames only the named ones (targets even when the
/// snapshot does not hold them); otherwise those in scope in the snapshot, plus, when the rule
/// lists, a wildcard node for the grant itself (`secret:NS/*`, `secret:*/*`).
fn secret_targets(ix: &Index, grant: &Grant<'_>, lists: bool) -> BTreeSet<String> {
    let names = grant.resource_names;
    let mut out = BTreeSet::new();
    match &grant.scope {
        Scope::Namespace(ns) if names.is_empty() => {
            for s in ix.secrets_by_ns.get(ns.as_str()).into_iter().flatten() {
                out.insert(id::secret(ns, &s.metadata.name));
            }
            if lists {
                out.insert(id::secret(ns, "*"));
            }
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
                if lists {
                    out.insert(id::secret("*", "*"));
                }
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

/// The node step of a pod the holder may define in one of `namespaces`: `node:*`, unless Pod
/// Security enforces baseline or restricted in all of them (those reject the privileged pod
/// that would take over the node).
fn node_step(
    ix: &Index,
    technique: &'static Technique,
    namespaces: &[&str],
    mut evidence: Vec<Evidence>,
    remediation: &str,
) -> Option<Step> {
    let open = namespaces
        .iter()
        .copied()
        .find(|ns| !blocks_node_takeover(ix, ns))?;
    evidence.push(pod_security_evidence(ix, open));
    Some((
        id::ANY_NODE.to_string(),
        technique.edge(
            evidence,
            format!(
                "{remediation} Or label Namespace/{open} {PSA_ENFORCE}=baseline (or restricted)."
            ),
        ),
    ))
}

/// The namespaces a grant covers: its own, or every known one.
fn scope_namespaces<'a>(ix: &Index<'a>, scope: &'a Scope) -> Vec<&'a str> {
    match scope {
        Scope::Namespace(ns) => vec![ns.as_str()],
        Scope::Cluster => ix.namespaces.iter().copied().collect(),
    }
}

/// `group/resource`, or `resource` for the core group.
fn qualified(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{group}/{resource}")
    }
}

/// create on pods or any pod controller -> every service account of the namespace (the pod
/// may name any of them and mounts its token) and -> a node (a privileged pod).
fn create_workload(p: &Perms<'_, '_>, out: &mut Vec<Step>) {
    let ix = p.ix;
    let mut by_scope: BTreeMap<Scope, Vec<(Grant<'_>, String)>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for &(group, resource) in POD_CREATORS {
        for grant in p.grants("create", group, resource) {
            // A create request names no object, so a resourceNames rule never allows it.
            if !grant.resource_names.is_empty() || !seen.insert(grant.key()) {
                continue;
            }
            by_scope
                .entry(grant.scope.clone())
                .or_default()
                .push((grant, qualified(group, resource)));
        }
    }
    for (scope, grants) in &by_scope {
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
        let remediation = p.fix(
            first,
            &format!("create on {first_what} (and other pod controllers)"),
            "",
        );
        let namespaces = scope_namespaces(ix, scope);
        for ns in &namespaces {
            for to in p.known.service_accounts_of(ns) {
                out.push((
                    to,
                    RBAC_CREATE_WORKLOAD.edge(evidence.clone(), remediation.clone()),
                ));
            }
        }
        // Cluster-wide create also reaches default and kube-system, which every cluster has.
        let mut candidates = namespaces;
        if *scope == Scope::Cluster {
            candidates.extend(["default", "kube-system"]);
            candidates.sort_unstable();
            candidates.dedup();
        }
        out.extend(node_step(
            ix,
            &RBAC_CREATE_WORKLOAD,
            &candidates,
            evidence,
            &remediation,
        ));
    }
}

/// Whether a grant's resourceNames (if any) name one of the workload's Pods.
fn names_pod(grant: &Grant<'_>, w: &WorkloadNode<'_>) -> bool {
    let names = grant.resource_names;
    names.is_empty()
        || (w.spec.kind() == WorkloadKind::Pod && names.contains(&w.spec.meta.name))
        || w.pods.iter().any(|p| names.contains(&p.meta.name))
}

/// The workloads a grant on pods (or a pods subresource) covers.
fn workloads_in_scope<'s, 'a>(ix: &'s Index<'a>, scope: &Scope) -> Vec<&'s WorkloadNode<'a>> {
    match scope {
        Scope::Namespace(ns) => ix.workloads_in(ns).collect(),
        Scope::Cluster => ix.workloads.iter().collect(),
    }
}

/// update/patch on pods or on a pod controller.
///
/// A Pod's `serviceAccountName` and security settings are immutable, but its container
/// images are not: patching a Pod runs the attacker's image with the Pod's own token, so the
/// step goes to the workload (and to the service account whose token it mounts). A
/// controller's pod template is mutable (a Job's is not): its pods may be made to run as any
/// service account of the namespace and privileged, so the step goes to every service account
/// of each namespace where the holder can change a controller, and to a node unless Pod
/// Security forbids privileged pods in all of them. Only controllers in the snapshot count;
/// resourceNames restrict to the named ones.
/// Facts kept on each service account's RBAC_PATCH_WORKLOAD edge of a namespace (the rest
/// are counted in `evidence_omitted`).
const SA_FANOUT_EVIDENCE: usize = 4;

fn patch_workload(p: &Perms<'_, '_>, out: &mut Vec<Step>) {
    let ix = p.ix;
    // Bare pods and the running pods of every workload.
    let mut seen = HashSet::new();
    for verb in ["patch", "update"] {
        for grant in p.grants(verb, "", "pods") {
            if !seen.insert(grant.key()) {
                continue;
            }
            let remediation = p.fix(&grant, "update/patch on pods", "");
            for w in workloads_in_scope(ix, &grant.scope) {
                if !names_pod(&grant, w) {
                    continue;
                }
                let mut ev = grant.evidence.clone();
                ev.detail.push_str(&format!(
                    " (may replace the container images of the pods of {})",
                    w.object()
                ));
                let edge = RBAC_PATCH_WORKLOAD.edge(vec![ev], remediation.clone());
                if let Some(token) = mounted_token(ix, w) {
                    let mut e = edge.clone();
                    e.evidence.extend(token.evidence.iter().cloned());
                    out.push((token.service_account.clone(), e));
                }
                out.push((w.id.clone(), edge));
            }
        }
    }
    // Controllers: grouped by namespace, so each namespace's service accounts get one edge
    // with every controller that opens them as evidence.
    let mut by_ns: BTreeMap<&str, (Vec<Evidence>, String)> = BTreeMap::new();
    let mut seen = HashSet::new();
    for &(group, resource, kind) in MUTABLE_TEMPLATES {
        for verb in ["patch", "update"] {
            for grant in p.grants(verb, group, resource) {
                if !seen.insert((grant.key(), resource)) {
                    continue;
                }
                for w in workloads_in_scope(ix, &grant.scope) {
                    let named = grant.resource_names.is_empty()
                        || grant.resource_names.iter().any(|n| n == w.name);
                    if w.spec.kind() != kind || !named {
                        continue;
                    }
                    let entry = by_ns.entry(w.namespace).or_insert_with(|| {
                        (
                            Vec::new(),
                            p.fix(
                                &grant,
                                &format!(
                                    "update/patch on {} (and other pod controllers)",
                                    qualified(group, resource)
                                ),
                                ", or enforce the baseline Pod Security Standard in the namespace",
                            ),
                        )
                    });
                    if !entry.0.contains(&grant.evidence) {
                        entry.0.push(grant.evidence.clone());
                    }
                    entry.0.push(
                        Evidence::new(
                            w.object(),
                            format!("{}spec.serviceAccountName", pod_template_path(kind)),
                            "mutable: its pods may be made to run as any service account of the namespace, privileged",
                        )
                        .at(&w.spec.source),
                    );
                }
            }
        }
    }
    for (ns, (evidence, remediation)) in by_ns {
        for to in p.known.service_accounts_of(ns) {
            // Every service account of the namespace gets the same facts, and one mutable
            // controller already makes the step true: each edge keeps the first
            // SA_FANOUT_EVIDENCE (the grant and a few controllers) and counts the rest, so a
            // namespace of hundreds of controllers and accounts is not cloned per account.
            let edge = if evidence.len() > SA_FANOUT_EVIDENCE {
                let mut e = RBAC_PATCH_WORKLOAD
                    .edge(evidence[..SA_FANOUT_EVIDENCE].to_vec(), remediation.clone());
                e.evidence_omitted = evidence.len() - SA_FANOUT_EVIDENCE;
                e
            } else {
                RBAC_PATCH_WORKLOAD.edge(evidence.clone(), remediation.clone())
            };
            out.push((to, edge));
        }
        out.extend(node_step(
            ix,
            &RBAC_PATCH_WORKLOAD,
            &[ns],
            evidence,
            &remediation,
        ));
    }
}

/// A way into running containers through a pods subresource.
struct PodAccess {
    technique: &'static Technique,
    resource: &'static str,
    /// Verbs in order of preference, with their likelihood and a caveat for the evidence.
    verbs: &'static [(&'static str, Option<f64>, &'static str)],
    narrow: &'static str,
}

static POD_EXEC_ACCESS: PodAccess = PodAccess {
    technique: &RBAC_POD_EXEC,
    resource: "pods/exec",
    verbs: &[
        ("create", None, ""),
        (
            "get",
            Some(GET_EXEC_LIKELIHOOD),
            " (get on pods/exec allows exec through a WebSocket upgrade on clusters before Kubernetes 1.35)",
        ),
    ],
    narrow: ", or scope it to a namespace without sensitive workloads",
};

static POD_ATTACH_ACCESS: PodAccess = PodAccess {
    technique: &RBAC_POD_ATTACH,
    resource: "pods/attach",
    verbs: &[
        ("create", None, ""),
        (
            "get",
            Some(GET_EXEC_LIKELIHOOD),
            " (get on pods/attach allows attach through a WebSocket upgrade on clusters before Kubernetes 1.35)",
        ),
    ],
    narrow: ", or scope it to a namespace without sensitive workloads",
};

static EPHEMERAL_ACCESS: PodAccess = PodAccess {
    technique: &RBAC_EPHEMERAL_CONTAINER,
    resource: "pods/ephemeralcontainers",
    verbs: &[
        (
            "patch",
            None,
            " (an ephemeral container shares the pod's service account token and namespaces)",
        ),
        (
            "update",
            None,
            " (an ephemeral container shares the pod's service account token and namespaces)",
        ),
    ],
    narrow: "",
};

/// exec, attach or ephemeral containers -> every workload in scope (only the named Pods with
/// resourceNames). A weaker verb only adds workloads a stronger one did not reach.
fn pod_access(p: &Perms<'_, '_>, access: &PodAccess, out: &mut Vec<Step>) {
    let mut reached: HashSet<&str> = HashSet::new();
    for &(verb, likelihood, caveat) in access.verbs {
        let mut now = Vec::new();
        for grant in p.grants(verb, "", access.resource) {
            let mut ev = grant.evidence.clone();
            ev.detail.push_str(caveat);
            let remediation = p.fix(
                &grant,
                &format!("{verb} on {}", access.resource),
                access.narrow,
            );
            for w in workloads_in_scope(p.ix, &grant.scope) {
                if !names_pod(&grant, w) || reached.contains(w.id.as_str()) {
                    continue;
                }
                let edge = match likelihood {
                    Some(l) => access
                        .technique
                        .edge_with(l, vec![ev.clone()], remediation.clone()),
                    None => access.technique.edge(vec![ev.clone()], remediation.clone()),
                };
                out.push((w.id.clone(), edge));
                now.push(w.id.as_str());
            }
        }
        reached.extend(now);
    }
}

/// create on serviceaccounts/token (the TokenRequest API) -> the service accounts in scope
/// (only the named ones with resourceNames: the request names its service account).
fn token_request(p: &Perms<'_, '_>, out: &mut Vec<Step>) {
    for grant in p.grants("create", "", "serviceaccounts/token") {
        let remediation = p.fix(
            &grant,
            "create on serviceaccounts/token",
            ", or restrict it with resourceNames to the service accounts it needs",
        );
        for to in named_service_accounts(p.ix, p.known, &grant) {
            out.push((
                to,
                RBAC_TOKEN_REQUEST.edge(vec![grant.evidence.clone()], remediation.clone()),
            ));
        }
    }
}

/// The service accounts a grant on serviceaccounts (or a subresource) covers: every one in
/// scope, or with resourceNames the named ones (in a namespace scope even if not in the
/// snapshot; cluster-wide those of the name in any known namespace).
fn named_service_accounts(ix: &Index, known: &Known, grant: &Grant<'_>) -> BTreeSet<String> {
    let names = grant.resource_names;
    match &grant.scope {
        Scope::Namespace(ns) if !names.is_empty() => {
            names.iter().map(|n| id::service_account(ns, n)).collect()
        }
        scope => scope_namespaces(ix, scope)
            .into_iter()
            .flat_map(|ns| known.service_accounts_of(ns))
            .filter(|sa| {
                names.is_empty()
                    || sa
                        .rsplit_once('/')
                        .is_some_and(|(_, n)| names.iter().any(|x| x == n))
            })
            .collect(),
    }
}

/// impersonate on users, groups (cluster-scoped) and serviceaccounts (namespaced), core group.
/// Named identities -> their nodes; any group -> `cluster-admin` (as `system:masters`); any
/// user -> `cluster-admin` with a lower likelihood (some user administers the cluster) and
/// every user the bindings name.
fn impersonate(p: &Perms<'_, '_>, out: &mut Vec<Step>) {
    let ix = p.ix;
    let users: Vec<Grant<'_>> = p
        .grants("impersonate", "", "users")
        .into_iter()
        .filter(|g| g.scope == Scope::Cluster)
        .collect();
    let groups: Vec<Grant<'_>> = p
        .grants("impersonate", "", "groups")
        .into_iter()
        .filter(|g| g.scope == Scope::Cluster)
        .collect();
    let sas = p.grants("impersonate", "", "serviceaccounts");
    let fix = |gr: &Grant<'_>, what: &str| {
        p.fix(
            gr,
            &format!("impersonate on {what}"),
            ", or restrict it with resourceNames",
        )
    };
    for gr in &users {
        let remediation = fix(gr, "users");
        if gr.resource_names.is_empty() {
            let mut ev = gr.evidence.clone();
            ev.detail.push_str(
                " (any user name, including the cluster's administrators: whoever runs kubectl as admin)",
            );
            out.push((
                id::CLUSTER_ADMIN.to_string(),
                RBAC_IMPERSONATE.edge_with(
                    IMPERSONATE_ANY_USER_LIKELIHOOD,
                    vec![ev],
                    remediation.clone(),
                ),
            ));
            for who in ix.rbac.identities() {
                if let Identity::User(name) = who {
                    out.push((
                        id::user(name),
                        RBAC_IMPERSONATE.edge(vec![gr.evidence.clone()], remediation.clone()),
                    ));
                }
            }
        } else {
            for name in gr.resource_names {
                // A service account's user name is checked against serviceaccounts instead.
                if matches!(Identity::from_username(name), Identity::User(_)) {
                    out.push((
                        id::user(name),
                        RBAC_IMPERSONATE.edge(vec![gr.evidence.clone()], remediation.clone()),
                    ));
                }
            }
        }
    }
    let can_be_someone = !users.is_empty() || !sas.is_empty();
    for gr in &groups {
        let remediation = fix(gr, "groups");
        let mut ev = gr.evidence.clone();
        let likelihood = if can_be_someone {
            RBAC_IMPERSONATE.likelihood
        } else {
            ev.detail.push_str(
                " (Impersonate-Group needs Impersonate-User: impersonate on some user or service account is also required, and this identity has none)",
            );
            IMPERSONATE_GROUP_ONLY_LIKELIHOOD
        };
        if gr.resource_names.is_empty() {
            let mut ev = ev.clone();
            ev.detail
                .push_str(" (any group, including system:masters, which is cluster-admin)");
            out.push((
                id::CLUSTER_ADMIN.to_string(),
                RBAC_IMPERSONATE.edge_with(likelihood, vec![ev], remediation.clone()),
            ));
        } else {
            for name in gr.resource_names {
                out.push((
                    id::group(name),
                    RBAC_IMPERSONATE.edge_with(likelihood, vec![ev.clone()], remediation.clone()),
                ));
            }
        }
    }
    for gr in &sas {
        let remediation = fix(gr, "serviceaccounts");
        for to in named_service_accounts(ix, p.known, gr) {
            out.push((
                to,
                RBAC_IMPERSONATE.edge(vec![gr.evidence.clone()], remediation.clone()),
            ));
        }
    }
}

/// What a CSR approver can get signed, by the signers it may approve for (`resourceNames`
/// of `approve` on `signers`; the API server also accepts `DOMAIN/*`): the likelihood of a
/// client certificate the API server trusts for any user and group, or `None`.
fn signer_client_cert(names: &[String]) -> Option<(f64, String)> {
    const CLIENT: &str = "kubernetes.io/kube-apiserver-client";
    if names.is_empty() {
        return Some((
            RBAC_CSR_APPROVE.likelihood,
            format!("any signer, including {CLIENT}"),
        ));
    }
    if let Some(n) = names
        .iter()
        .find(|n| *n == CLIENT || *n == "kubernetes.io/*")
    {
        return Some((RBAC_CSR_APPROVE.likelihood, n.clone()));
    }
    // kubelet-serving issues serving certificates; kube-apiserver-client-kubelet only
    // system:node:* client certificates: neither gives an arbitrary group.
    let other: Vec<&String> = names
        .iter()
        .filter(|n| {
            !matches!(
                n.as_str(),
                "kubernetes.io/kubelet-serving" | "kubernetes.io/kube-apiserver-client-kubelet"
            )
        })
        .collect();
    let first = other.first()?;
    Some((
        CSR_OTHER_SIGNER_LIKELIHOOD,
        format!("{first}, which may issue client certificates the API server trusts"),
    ))
}

/// create certificatesigningrequests + update certificatesigningrequests/approval + approve
/// on signers -> `cluster-admin`: a client certificate for group `system:masters`.
fn csr_approve(p: &Perms<'_, '_>, out: &mut Vec<Step>) {
    let cluster = cluster_wide;
    let create: Vec<Grant<'_>> =
        cluster(p.grants_with_groups("create", CERTIFICATES_GROUP, "certificatesigningrequests"))
            .into_iter()
            .filter(|g| g.resource_names.is_empty())
            .collect();
    let approval = cluster(p.grants_any_verb(
        &["update", "patch"],
        CERTIFICATES_GROUP,
        "certificatesigningrequests/approval",
    ));
    let approve = cluster(p.grants_with_groups("approve", CERTIFICATES_GROUP, "signers"));
    let mut best: Option<(f64, Vec<&Grant<'_>>, String)> = None;
    for c in &create {
        for a in &approval {
            for s in &approve {
                let Some((likelihood, signer)) = signer_client_cert(s.resource_names) else {
                    continue;
                };
                if !any_direct(&[c, a, s]) {
                    continue;
                }
                if best.as_ref().is_none_or(|(l, ..)| likelihood > *l) {
                    best = Some((likelihood, vec![c, a, s], signer));
                }
            }
        }
    }
    let Some((likelihood, grants, signer)) = best else {
        return;
    };
    let mut evidence: Vec<Evidence> = grants.iter().map(|g| g.evidence.clone()).collect();
    if let Some(last) = evidence.last_mut() {
        last.detail.push_str(&format!(
            " (signer {signer}: a CSR for O=system:masters, approved by itself, is a cluster-admin client certificate)"
        ));
    }
    let remediation = p.fix(
        grants[2],
        "approve on signers",
        " (and update on certificatesigningrequests/approval), or restrict it with resourceNames to signers that cannot issue client certificates",
    );
    out.push((
        id::CLUSTER_ADMIN.to_string(),
        RBAC_CSR_APPROVE.edge_with(likelihood, evidence, remediation),
    ));
}

/// get or create on nodes/proxy -> the kubelet API of the nodes it covers (`node:NAME` for
/// named nodes; every known node and `node:*` otherwise). The kubelet's `/exec` and `/run`
/// run commands in every pod of the node (GET with a WebSocket upgrade is authorized as
/// `get`), so the step goes to the node, whose NODE_STEALS_TOKENS edges hold the pods' tokens.
/// Pointing at nodes instead of every workload keeps it O(nodes) per identity.
fn nodes_proxy(p: &Perms<'_, '_>, out: &mut Vec<Step>) {
    let known = &p.known.nodes;
    let mut seen = HashSet::new();
    for verb in ["create", "get"] {
        for grant in p.grants(verb, "", "nodes/proxy") {
            if grant.scope != Scope::Cluster || !seen.insert(grant.key()) {
                continue;
            }
            let mut ev = grant.evidence.clone();
            ev.detail.push_str(
                " (the kubelet API's /exec, /run and /attach run commands in every pod of the node; a GET with a WebSocket upgrade is authorized as get)",
            );
            let remediation = p.fix(&grant, "get/create on nodes/proxy", "");
            let targets: BTreeSet<String> = if grant.resource_names.is_empty() {
                known
                    .iter()
                    .cloned()
                    .chain([id::ANY_NODE.to_string()])
                    .collect()
            } else {
                grant.resource_names.iter().map(|n| id::node(n)).collect()
            };
            for to in targets {
                out.push((
                    to,
                    RBAC_NODES_PROXY.edge(vec![ev.clone()], remediation.clone()),
                ));
            }
        }
    }
}

/// create (no resourceNames) or update/patch on mutating or validating webhook
/// configurations -> `cluster-admin`: a mutating webhook rewrites every pod created (adds a
/// privileged container, swaps the service account); a validating one only sees every
/// object sent to it (Secrets, tokens), so its likelihood is lower.
fn webhook_write(p: &Perms<'_, '_>, out: &mut Vec<Step>) {
    let mut best: Option<(f64, Grant<'_>, &str)> = None;
    for (resource, likelihood) in [
        (
            "mutatingwebhookconfigurations",
            RBAC_WEBHOOK_WRITE.likelihood,
        ),
        (
            "validatingwebhookconfigurations",
            WEBHOOK_VALIDATING_LIKELIHOOD,
        ),
    ] {
        for verb in ["create", "update", "patch"] {
            for gr in p.grants(verb, ADMISSION_GROUP, resource) {
                let usable = gr.scope == Scope::Cluster
                    && (verb != "create" || gr.resource_names.is_empty());
                if usable && best.as_ref().is_none_or(|(l, ..)| likelihood > *l) {
                    best = Some((likelihood, gr, resource));
                }
            }
        }
    }
    let Some((likelihood, gr, resource)) = best else {
        return;
    };
    let mut ev = gr.evidence.clone();
    ev.detail.push_str(if resource.starts_with("mutating") {
        " (a mutating webhook of the attacker's can rewrite every pod created: privileged containers, any service account)"
    } else {
        " (a validating webhook of the attacker's receives every object it registers for, Secrets and tokens included)"
    });
    let remediation = p.fix(&gr, &format!("create/update/patch on {resource}"), "");
    out.push((
        id::CLUSTER_ADMIN.to_string(),
        RBAC_WEBHOOK_WRITE.edge_with(likelihood, vec![ev], remediation),
    ));
}

/// Whether the snapshot says the cluster is EKS.
fn is_eks(ix: &Index) -> bool {
    let s = ix.snapshot;
    s.aws_auth.is_some()
        || s.facts
            .provider
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("eks"))
        || s.facts
            .oidc_issuer
            .as_deref()
            .is_some_and(|i| i.contains(".eks.") && i.contains("amazonaws.com"))
        || s.nodes.iter().any(|n| {
            n.spec
                .provider_id
                .as_deref()
                .is_some_and(|p| p.starts_with("aws://"))
        })
}

/// update/patch on configmaps in kube-system (unrestricted, or naming aws-auth) ->
/// `cluster-admin`: a mapping of an AWS identity the attacker holds to `system:masters`.
fn aws_auth_write(p: &Perms<'_, '_>, out: &mut Vec<Step>) {
    let mut best: Option<Grant<'_>> = None;
    for verb in ["update", "patch"] {
        for gr in p.grants(verb, "", "configmaps") {
            let names_it =
                gr.resource_names.is_empty() || gr.resource_names.iter().any(|n| n == "aws-auth");
            if gr.scope.covers(Some("kube-system")) && names_it && best.is_none() {
                best = Some(gr);
            }
        }
    }
    let Some(gr) = best else {
        return;
    };
    let eks = is_eks(p.ix);
    let mut ev = gr.evidence.clone();
    ev.detail.push_str(
        " (can add a mapRoles/mapUsers entry for an AWS identity the attacker also holds, in group system:masters)",
    );
    let mut evidence = vec![ev];
    let likelihood = if eks {
        RBAC_AWS_AUTH_WRITE.likelihood
    } else {
        evidence.push(Evidence::new(
            "ConfigMap/kube-system/aws-auth",
            "",
            "the snapshot does not say the cluster is EKS, where aws-auth maps AWS identities",
        ));
        AWS_AUTH_NOT_EKS_LIKELIHOOD
    };
    let remediation = p.fix(
        &gr,
        "update/patch on configmaps in kube-system",
        "; migrate to EKS access entries",
    );
    out.push((
        id::CLUSTER_ADMIN.to_string(),
        RBAC_AWS_AUTH_WRITE.edge_with(likelihood, evidence, remediation),
    ));
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
mod tests;
