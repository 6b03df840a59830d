//! Lookups over a snapshot, built once and shared by every technique module.
//!
//! The index also decides which workloads are graph nodes: a Pod owned by a controller that
//! is also in the snapshot is folded into that controller, and replicas of one controller
//! are one node, so that chains are not listed once per replica.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::aws::AwsIndex;
use crate::gcp::GcpIndex;
use crate::graph::id;
use crate::netpol::NetPolicies;
use crate::placement::{Placement, Schedulable, WorkloadPlacement};
use crate::rbac::Rbac;
use crate::snapshot::{
    Namespace, Secret, Service, ServiceAccount, Snapshot, Warning, Workload, WorkloadKind,
};

/// One workload node: a controller (with its template) or a bare Pod, and every Pod folded
/// into it.
#[derive(Debug, Clone)]
pub struct WorkloadNode<'a> {
    pub id: String,
    pub namespace: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    /// The object whose pod spec stands for the node (the controller's template, or a Pod).
    pub spec: &'a Workload,
    /// Pods of this workload present in the snapshot (for placement: `spec.nodeName`).
    pub pods: Vec<&'a Workload>,
    /// Where its pods run or can run (see `crate::placement`).
    pub placement: WorkloadPlacement<'a>,
}

impl WorkloadNode<'_> {
    /// `Kind/namespace/name` of the object, for evidence.
    pub fn object(&self) -> String {
        format!(
            "{}/{}/{}",
            self.spec.kind().as_str(),
            self.namespace,
            self.spec.meta.name
        )
    }

    /// The node ids the workload's pods run on or can be scheduled on: the nodes its pods
    /// are bound to (`spec.nodeName`); unless that pins them, also the known Nodes they fit
    /// (see `crate::placement`). `node:*` ("some node") when the snapshot has no Node
    /// objects, when more than
    /// [`MAX_NODES_PER_WORKLOAD`](crate::placement::MAX_NODES_PER_WORKLOAD) fit, or when
    /// none fits (an autoscaler may add one). Empty for a DaemonSet that fits no known Node:
    /// it has no pods.
    pub fn node_ids(&self) -> Vec<String> {
        let p = &self.placement;
        let mut names: BTreeSet<&str> = p.placed.iter().copied().collect();
        let mut some_node = false;
        let mut nowhere = false;
        if !p.pinned {
            match &p.schedulable {
                Schedulable::Nodes(list) if !list.is_empty() => names.extend(list.iter()),
                Schedulable::Nodes(_) if p.daemon => nowhere = true,
                _ => some_node = true,
            }
        }
        let mut out: Vec<String> = names.into_iter().map(id::node).collect();
        if some_node || (out.is_empty() && !nowhere) {
            out.push(id::ANY_NODE.to_string());
        }
        out
    }
}

pub struct Index<'a> {
    pub snapshot: &'a Snapshot,
    pub workloads: Vec<WorkloadNode<'a>>,
    pub workloads_by_ns: BTreeMap<&'a str, Vec<usize>>,
    pub service_accounts: HashMap<(&'a str, &'a str), &'a ServiceAccount>,
    /// Names of the ServiceAccount objects of each namespace (a lookup per namespace would
    /// otherwise scan every service account: namespaces x accounts on a large estate).
    service_account_names_by_ns: HashMap<&'a str, Vec<&'a str>>,
    pub services_by_ns: BTreeMap<&'a str, Vec<&'a Service>>,
    pub secrets_by_ns: BTreeMap<&'a str, Vec<&'a Secret>>,
    pub namespace_objects: HashMap<&'a str, &'a Namespace>,
    /// Every namespace any object lives in or any Namespace object names, sorted.
    pub namespaces: BTreeSet<&'a str>,
    pub rbac: Rbac<'a>,
    pub aws: AwsIndex<'a>,
    pub gcp: GcpIndex<'a>,
    /// Azure RBAC and managed identities (`engine::azure`).
    pub azure: crate::azure::AzureIndex<'a>,
    /// The Node objects and the node groups placement was evaluated on.
    pub placement: Placement<'a>,
    /// NetworkPolicy semantics (`engine::netpol`).
    pub netpol: NetPolicies<'a>,
    /// Problems the engine found in the snapshot (the collectors' warnings are separate).
    pub warnings: Vec<Warning>,
    /// Vulnerability scans matched to workloads (`engine::vuln`).
    pub vuln: crate::vuln::VulnIndex<'a>,
}

impl<'a> Index<'a> {
    pub fn new(snapshot: &'a Snapshot) -> Self {
        let mut services_by_ns: BTreeMap<&str, Vec<&Service>> = BTreeMap::new();
        for s in &snapshot.services {
            services_by_ns.entry(s.metadata.ns()).or_default().push(s);
        }
        // Workload grouping and placement beside the RBAC and cloud indexes: they read
        // disjoint parts of the snapshot, and on a 100,000-pod estate each half takes about
        // 0.1 s. Warnings keep the order of a sequential build (workloads first).
        let ((workloads, placement, mut warnings), (rbac, aws, gcp, azure, netpol, rest)) =
            rayon::join(
                || {
                    let mut warnings = Vec::new();
                    let mut workloads = group_workloads(&snapshot.workloads);
                    let placement = Placement::new(snapshot, &mut workloads, &mut warnings);
                    (workloads, placement, warnings)
                },
                || {
                    let mut warnings = Vec::new();
                    warn_missing_ingress_backends(snapshot, &services_by_ns, &mut warnings);
                    let rbac = Rbac::new(snapshot, &mut warnings);
                    let aws = AwsIndex::new(snapshot, &mut warnings);
                    let gcp = GcpIndex::new(snapshot, &mut warnings);
                    let azure = crate::azure::AzureIndex::new(snapshot, &mut warnings);
                    let netpol = NetPolicies::new(snapshot, &mut warnings);
                    (rbac, aws, gcp, azure, netpol, warnings)
                },
            );
        warnings.extend(rest);
        let mut workloads_by_ns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, w) in workloads.iter().enumerate() {
            workloads_by_ns.entry(w.namespace).or_default().push(i);
        }
        let service_accounts = snapshot
            .service_accounts
            .iter()
            .map(|sa| ((sa.metadata.ns(), sa.metadata.name.as_str()), sa))
            .collect();
        let mut service_account_names_by_ns: HashMap<&str, Vec<&str>> = HashMap::new();
        for sa in &snapshot.service_accounts {
            service_account_names_by_ns
                .entry(sa.metadata.ns())
                .or_default()
                .push(sa.metadata.name.as_str());
        }
        let mut secrets_by_ns: BTreeMap<&str, Vec<&Secret>> = BTreeMap::new();
        for s in &snapshot.secrets {
            secrets_by_ns.entry(s.metadata.ns()).or_default().push(s);
        }
        let namespace_objects: HashMap<&str, &Namespace> = snapshot
            .namespaces
            .iter()
            .map(|n| (n.metadata.name.as_str(), n))
            .collect();
        let mut namespaces: BTreeSet<&str> = namespace_objects.keys().copied().collect();
        namespaces.extend(workloads_by_ns.keys().copied());
        namespaces.extend(services_by_ns.keys().copied());
        namespaces.extend(secrets_by_ns.keys().copied());
        namespaces.extend(snapshot.service_accounts.iter().map(|s| s.metadata.ns()));
        namespaces.extend(
            snapshot
                .bindings
                .iter()
                .filter(|b| !b.cluster)
                .map(|b| b.metadata.ns()),
        );
        Index {
            snapshot,
            workloads,
            workloads_by_ns,
            service_accounts,
            service_account_names_by_ns,
            services_by_ns,
            secrets_by_ns,
            namespace_objects,
            namespaces,
            rbac,
            aws,
            gcp,
            azure,
            placement,
            netpol,
            warnings,
            vuln: crate::vuln::VulnIndex::new(snapshot),
        }
    }

    pub fn service_account(&self, ns: &str, name: &str) -> Option<&'a ServiceAccount> {
        self.service_accounts.get(&(ns, name)).copied()
    }

    /// Service accounts that exist in a namespace: those in the snapshot, those a workload
    /// runs as (a manifest set often omits the ServiceAccount object), plus `default`, which
    /// the API server creates in every namespace.
    pub fn service_accounts_in(&self, ns: &str) -> Vec<&str> {
        let mut names: BTreeSet<&str> = self
            .service_account_names_by_ns
            .get(ns)
            .into_iter()
            .flatten()
            .copied()
            .collect();
        names.extend(
            self.workloads_in(ns)
                .map(|w| w.spec.pod_spec.service_account()),
        );
        names.insert("default");
        names.into_iter().collect()
    }

    pub fn workloads_in(&self, ns: &str) -> impl Iterator<Item = &WorkloadNode<'a>> {
        self.workloads_by_ns
            .get(ns)
            .into_iter()
            .flatten()
            .map(|&i| &self.workloads[i])
    }
}

/// An Ingress backend that names a Service the snapshot lacks routes nowhere we can see.
fn warn_missing_ingress_backends(
    snapshot: &Snapshot,
    services_by_ns: &BTreeMap<&str, Vec<&Service>>,
    warnings: &mut Vec<Warning>,
) {
    for ing in &snapshot.ingresses {
        let ns = ing.metadata.ns();
        let known = |name: &str| {
            services_by_ns
                .get(ns)
                .is_some_and(|v| v.iter().any(|s| s.metadata.name == name))
        };
        let default = ing
            .spec
            .default_backend
            .iter()
            .map(|b| ("spec.defaultBackend".to_string(), b));
        let rules = ing.spec.rules.iter().enumerate().flat_map(|(i, r)| {
            r.http.iter().flat_map(move |h| {
                h.paths.iter().enumerate().map(move |(j, p)| {
                    (
                        format!("spec.rules[{i}].http.paths[{j}].backend"),
                        &p.backend,
                    )
                })
            })
        });
        for (field, backend) in default.chain(rules) {
            if let Some(name) = backend.service_name().filter(|n| !known(n)) {
                warnings.push(Warning {
                    file: ing.source.file.clone(),
                    document: Some(ing.source.document),
                    object: Some(format!("Ingress/{ns}/{}", ing.metadata.name)),
                    field: Some(field),
                    message: format!(
                        "backend Service {ns}/{name} is not in the input; chains through it cannot be followed"
                    ),
                });
            }
        }
    }
}

/// Fold Pods into their controllers and controllers into theirs, and merge replicas.
pub(crate) fn group_workloads(all: &[Workload]) -> Vec<WorkloadNode<'_>> {
    let present: HashMap<(&str, &str, &str), &Workload> = all
        .iter()
        .map(|w| ((w.meta.ns(), w.kind().as_str(), w.meta.name.as_str()), w))
        .collect();
    let mut nodes: BTreeMap<(&str, &str, &str), WorkloadNode<'_>> = BTreeMap::new();
    for w in all {
        let ns = w.meta.ns();
        let (kind, name) = top_owner(w, &present);
        let is_self = kind == w.kind().as_str() && name == w.meta.name;
        let node = nodes
            .entry((ns, kind, name))
            .or_insert_with(|| WorkloadNode {
                id: id::workload(ns, kind, name),
                namespace: ns,
                kind,
                name,
                spec: w,
                pods: Vec::new(),
                placement: WorkloadPlacement::default(),
            });
        // The controller's own template is a better representative than one of its Pods.
        if is_self || (node.spec.kind() == WorkloadKind::Pod && w.kind() != WorkloadKind::Pod) {
            node.spec = w;
        }
        if w.kind() == WorkloadKind::Pod && !is_self {
            node.pods.push(w);
        }
    }
    nodes.into_values().collect()
}

/// The (kind, name) of the workload node an object belongs to: its top-most controller in
/// the snapshot; else the controller named in `ownerReferences` (so replicas of an absent
/// ReplicaSet are one node); else the object itself. A ReplicaSet made by a Deployment is
/// also recognised by name, as the Deployment controller names it `DEPLOYMENT-HASH` and the
/// Pods carry the `pod-template-hash` label.
fn top_owner<'a>(
    w: &'a Workload,
    present: &HashMap<(&str, &str, &str), &'a Workload>,
) -> (&'a str, &'a str) {
    let ns = w.meta.ns();
    let hash = w.meta.labels.get("pod-template-hash");
    let mut cur = w;
    // Ownership is at most Pod -> ReplicaSet -> Deployment or Pod -> Job -> CronJob; the
    // bound also stops ownership cycles in hostile input.
    for _ in 0..4 {
        let Some(o) = cur
            .meta
            .controller()
            .filter(|o| WorkloadKind::from_kind(&o.kind).is_some() && !o.name.is_empty())
        else {
            break;
        };
        if let Some(&owner) = present.get(&(ns, o.kind.as_str(), o.name.as_str())) {
            cur = owner;
            continue;
        }
        let hash = hash.or(cur.meta.labels.get("pod-template-hash"));
        let deployment = hash
            .filter(|_| o.kind == "ReplicaSet")
            .and_then(|h| o.name.strip_suffix(h.as_str()))
            .and_then(|s| s.strip_suffix('-'))
            .and_then(|dep| present.get(&(ns, "Deployment", dep)));
        if let Some(&d) = deployment {
            cur = d;
            continue;
        }
        return (o.kind.as_str(), o.name.as_str());
    }
    (cur.kind().as_str(), cur.meta.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::snapshot;

    const DEPLOYMENT: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c}]}
";

    fn pod(name: &str, owner_kind: &str, owner: &str, node: &str) -> String {
        format!(
            "---
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: shop
  labels: {{app: web, pod-template-hash: 7d9f8}}
  ownerReferences: [{{apiVersion: apps/v1, kind: {owner_kind}, name: {owner}, controller: true}}]
spec: {{nodeName: {node}, containers: [{{name: c}}]}}
"
        )
    }

    fn ids(snap: &Snapshot) -> Vec<String> {
        Index::new(snap)
            .workloads
            .into_iter()
            .map(|w| w.id)
            .collect()
    }

    #[test]
    fn pods_of_a_present_deployment_fold_into_it_through_the_replicaset_name() {
        let yaml = format!(
            "{DEPLOYMENT}{}{}",
            pod("web-7d9f8-a", "ReplicaSet", "web-7d9f8", "n1"),
            pod("web-7d9f8-b", "ReplicaSet", "web-7d9f8", "n2")
        );
        let snap = snapshot(&yaml);
        assert_eq!(ids(&snap), vec!["workload:shop/Deployment/web"]);
        let ix = Index::new(&snap);
        assert_eq!(ix.workloads[0].pods.len(), 2);
        assert_eq!(ix.workloads[0].spec.kind(), WorkloadKind::Deployment);
        // Live placement wins over "the template could run anywhere".
        assert_eq!(ix.workloads[0].node_ids(), vec!["node:n1", "node:n2"]);
    }

    #[test]
    fn replicas_of_an_absent_controller_are_one_node() {
        let yaml = format!(
            "{}{}",
            pod("api-5c-a", "ReplicaSet", "api-5c", "n1"),
            pod("api-5c-b", "ReplicaSet", "api-5c", "n1")
        );
        let snap = snapshot(&yaml);
        assert_eq!(ids(&snap), vec!["workload:shop/ReplicaSet/api-5c"]);
        assert_eq!(Index::new(&snap).workloads[0].node_ids(), vec!["node:n1"]);
    }

    #[test]
    fn a_bare_pod_is_its_own_node_and_escapes_to_its_node() {
        let snap = snapshot(
            "kind: Pod\nmetadata: {name: p}\nspec: {nodeName: n9, containers: [{name: c}]}\n",
        );
        let ix = Index::new(&snap);
        assert_eq!(ix.workloads[0].id, "workload:default/Pod/p");
        assert_eq!(ix.workloads[0].node_ids(), vec!["node:n9"]);
    }

    #[test]
    fn ownership_cycles_terminate() {
        let yaml = "
kind: ReplicaSet
metadata: {name: a, ownerReferences: [{kind: ReplicaSet, name: b, controller: true}]}
---
kind: ReplicaSet
metadata: {name: b, ownerReferences: [{kind: ReplicaSet, name: a, controller: true}]}
";
        let snap = snapshot(yaml);
        assert!(!ids(&snap).is_empty());
    }

    #[test]
    fn ingress_backend_naming_an_absent_service_is_warned_with_its_field() {
        let snap = snapshot(
            "kind: Ingress\napiVersion: extensions/v1beta1\nmetadata: {name: i}\nspec: {backend: {serviceName: gone, servicePort: 80}}\n",
        );
        let ix = Index::new(&snap);
        let w = ix
            .warnings
            .iter()
            .find(|w| w.object.as_deref() == Some("Ingress/default/i"));
        let w = w.expect("a warning about the missing backend");
        assert_eq!(w.field.as_deref(), Some("spec.defaultBackend"));
        assert!(w.message.contains("default/gone"));
    }

    #[test]
    fn service_accounts_named_only_by_workloads_exist_in_their_namespace() {
        let snap = snapshot(
            "kind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {template: {spec: {serviceAccountName: web, containers: [{name: c}]}}}\n",
        );
        let ix = Index::new(&snap);
        assert_eq!(ix.service_accounts_in("shop"), vec!["default", "web"]);
        assert_eq!(ix.service_accounts_in("other"), vec!["default"]);
    }
}
