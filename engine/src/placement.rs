//! Where a workload's pods can run: the scheduler's node predicates, evaluated against the
//! snapshot's Node objects.
//!
//! A pod goes to a node when `spec.nodeName` names it (then to that node only: the scheduler
//! is bypassed), else when the node passes these filters of the default scheduler:
//! - `nodeSelector`: every entry equals one of the node's labels;
//! - `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`: one of the
//!   `nodeSelectorTerms` matches (terms are ORed, the requirements of a term ANDed; labels
//!   through `matchExpressions`, the node's name through `matchFields` on `metadata.name`);
//! - taints: every taint with effect `NoSchedule` or `NoExecute` is tolerated
//!   (`PreferNoSchedule` only steers).
//!
//! DaemonSet pods run on every node that passes the same filters, with the tolerations the
//! DaemonSet controller adds to every daemon pod; every pod also carries the two `NoExecute`
//! tolerations of the DefaultTolerationSeconds admission plugin.
//!
//! Cost: nodes are grouped by the facts the filters read (the labels any workload selects on,
//! and the scheduling taints), workloads by their constraints, and each (constraint class,
//! node group) pair is evaluated once. Classes that name single nodes
//! (`kubernetes.io/hostname`, `matchFields`) are evaluated node by node.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::index::WorkloadNode;
use crate::snapshot::{
    Node, NodeSelector, NodeSelectorOperator, NodeSelectorRequirement, PodSpec, Snapshot,
    Toleration, Warning, WorkloadKind,
};

/// A workload that may be scheduled on more nodes than this is placed on `node:*` ("some
/// node") rather than on each node, so that the graph stays linear in the workloads.
pub const MAX_NODES_PER_WORKLOAD: usize = 64;

/// The well-known label whose value is the node's own name: selecting on it pins a pod.
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";
/// The one node field `matchFields` may select on.
pub const NAME_FIELD: &str = "metadata.name";

const NO_SCHEDULE: &str = "NoSchedule";
const NO_EXECUTE: &str = "NoExecute";
const NOT_READY: &str = "node.kubernetes.io/not-ready";
const UNREACHABLE: &str = "node.kubernetes.io/unreachable";

/// Tolerations the DaemonSet controller adds to every daemon pod (`(key, effect)`, operator
/// Exists), from `pkg/controller/daemon/util.AddOrUpdateDaemonPodTolerations`.
const DAEMON_TOLERATIONS: &[(&str, &str)] = &[
    (NOT_READY, NO_EXECUTE),
    (UNREACHABLE, NO_EXECUTE),
    ("node.kubernetes.io/disk-pressure", NO_SCHEDULE),
    ("node.kubernetes.io/memory-pressure", NO_SCHEDULE),
    ("node.kubernetes.io/pid-pressure", NO_SCHEDULE),
    ("node.kubernetes.io/unschedulable", NO_SCHEDULE),
];
/// Added as well to daemon pods on the host network.
const DAEMON_HOST_NETWORK_TOLERATION: (&str, &str) =
    ("node.kubernetes.io/network-unavailable", NO_SCHEDULE);

/// Why a node selector of a pod spec is invalid. The API server rejects such a pod; the
/// scheduler ignores an invalid term, so it is treated as matching no node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AffinityError {
    #[error(
        "unknown operator {operator:?} (expected In, NotIn, Exists, DoesNotExist, Gt or Lt); the term matches no node"
    )]
    UnknownOperator { operator: String },
    #[error("operator {operator} needs a non-empty values list; the term matches no node")]
    MissingValues { operator: String },
    #[error("operator {operator} takes no values; the term matches no node")]
    UnexpectedValues { operator: String },
    #[error("operator {operator} needs exactly one integer value; the term matches no node")]
    NotOneInteger { operator: String },
    #[error(
        "key {key:?} is not a node field the API supports (only metadata.name); the term matches no node"
    )]
    UnknownField { key: String },
    #[error(
        "operator {operator} on a node field needs exactly one value and must be In or NotIn; the term matches no node"
    )]
    FieldRequirement { operator: String },
}

/// What the scheduler's filters read of a node.
#[derive(Debug, Clone, Copy)]
pub struct NodeView<'a> {
    pub name: &'a str,
    pub labels: &'a BTreeMap<String, String>,
    /// `spec.taints` (a taint has the key, value and effect fields of a toleration).
    pub taints: &'a [Toleration],
}

impl<'a> From<&'a Node> for NodeView<'a> {
    fn from(n: &'a Node) -> Self {
        NodeView {
            name: &n.metadata.name,
            labels: &n.metadata.labels,
            taints: &n.spec.taints,
        }
    }
}

fn s(o: &Option<String>) -> &str {
    o.as_deref().unwrap_or("")
}

/// Whether a taint keeps pods that do not tolerate it off the node.
pub fn is_scheduling_taint(taint: &Toleration) -> bool {
    matches!(s(&taint.effect), NO_SCHEDULE | NO_EXECUTE)
}

/// Whether a toleration tolerates a taint (`k8s.io/api/core/v1.Toleration.ToleratesTaint`):
/// an empty effect matches every effect, an empty key every key (with `Exists`, the
/// toleration of everything); `Exists` ignores the value, `Equal` (or no operator) needs it
/// equal.
pub fn tolerates(toleration: &Toleration, taint: &Toleration) -> bool {
    let effect = s(&toleration.effect);
    if !effect.is_empty() && effect != s(&taint.effect) {
        return false;
    }
    let key = s(&toleration.key);
    if !key.is_empty() && key != s(&taint.key) {
        return false;
    }
    match s(&toleration.operator) {
        "" | "Equal" => s(&toleration.value) == s(&taint.value),
        "Exists" => true,
        _ => false,
    }
}

fn exists_toleration(key: &str, effect: &str) -> Toleration {
    Toleration {
        key: Some(key.to_string()),
        operator: Some("Exists".to_string()),
        value: None,
        effect: Some(effect.to_string()),
    }
}

/// The tolerations a pod of this spec carries once admitted: its own, the DefaultTolerationSeconds
/// plugin's `NoExecute` tolerations of not-ready and unreachable nodes (unless it tolerates
/// those already), and for a daemon pod those the DaemonSet controller adds.
pub fn effective_tolerations(spec: &PodSpec, daemon: bool) -> Vec<Toleration> {
    let mut out = spec.tolerations.clone();
    for key in [NOT_READY, UNREACHABLE] {
        let has = spec.tolerations.iter().any(|t| {
            (s(&t.key) == key || s(&t.key).is_empty())
                && (s(&t.effect) == NO_EXECUTE || s(&t.effect).is_empty())
        });
        if !has {
            out.push(exists_toleration(key, NO_EXECUTE));
        }
    }
    if daemon {
        for (key, effect) in DAEMON_TOLERATIONS {
            out.push(exists_toleration(key, effect));
        }
        if spec.host_network {
            let (key, effect) = DAEMON_HOST_NETWORK_TOLERATION;
            out.push(exists_toleration(key, effect));
        }
    }
    out
}

/// One requirement on node labels, checked for validity.
#[derive(Debug, Clone)]
enum LabelReq<'s> {
    In(&'s str, &'s [String]),
    NotIn(&'s str, &'s [String]),
    Exists(&'s str),
    DoesNotExist(&'s str),
    Gt(&'s str, i64),
    Lt(&'s str, i64),
}

impl LabelReq<'_> {
    fn key(&self) -> &str {
        match self {
            LabelReq::In(k, _)
            | LabelReq::NotIn(k, _)
            | LabelReq::Exists(k)
            | LabelReq::DoesNotExist(k)
            | LabelReq::Gt(k, _)
            | LabelReq::Lt(k, _) => k,
        }
    }

    /// `k8s.io/apimachinery/pkg/labels.Requirement.Matches`.
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let number = |k: &str| labels.get(k).and_then(|v| v.parse::<i64>().ok());
        match self {
            LabelReq::In(k, vals) => labels.get(*k).is_some_and(|v| vals.contains(v)),
            LabelReq::NotIn(k, vals) => !labels.get(*k).is_some_and(|v| vals.contains(v)),
            LabelReq::Exists(k) => labels.contains_key(*k),
            LabelReq::DoesNotExist(k) => !labels.contains_key(*k),
            LabelReq::Gt(k, n) => number(k).is_some_and(|v| v > *n),
            LabelReq::Lt(k, n) => number(k).is_some_and(|v| v < *n),
        }
    }
}

fn label_requirement(r: &NodeSelectorRequirement) -> Result<LabelReq<'_>, AffinityError> {
    let op = || r.operator.as_str().to_string();
    let key = r.key.as_str();
    Ok(match &r.operator {
        NodeSelectorOperator::In | NodeSelectorOperator::NotIn => {
            if r.values.is_empty() {
                return Err(AffinityError::MissingValues { operator: op() });
            }
            if r.operator == NodeSelectorOperator::In {
                LabelReq::In(key, &r.values)
            } else {
                LabelReq::NotIn(key, &r.values)
            }
        }
        NodeSelectorOperator::Exists | NodeSelectorOperator::DoesNotExist => {
            if !r.values.is_empty() {
                return Err(AffinityError::UnexpectedValues { operator: op() });
            }
            if r.operator == NodeSelectorOperator::Exists {
                LabelReq::Exists(key)
            } else {
                LabelReq::DoesNotExist(key)
            }
        }
        NodeSelectorOperator::Gt | NodeSelectorOperator::Lt => {
            let n = match r.values.as_slice() {
                [v] => v.trim().parse::<i64>().ok(),
                _ => None,
            };
            let Some(n) = n else {
                return Err(AffinityError::NotOneInteger { operator: op() });
            };
            if r.operator == NodeSelectorOperator::Gt {
                LabelReq::Gt(key, n)
            } else {
                LabelReq::Lt(key, n)
            }
        }
        NodeSelectorOperator::Other(o) => {
            return Err(AffinityError::UnknownOperator {
                operator: o.clone(),
            });
        }
    })
}

/// A `matchFields` requirement: `metadata.name` In / NotIn one value.
fn field_requirement(r: &NodeSelectorRequirement) -> Result<(bool, &str), AffinityError> {
    if r.key != NAME_FIELD {
        return Err(AffinityError::UnknownField { key: r.key.clone() });
    }
    match (&r.operator, r.values.as_slice()) {
        (NodeSelectorOperator::In, [v]) => Ok((true, v)),
        (NodeSelectorOperator::NotIn, [v]) => Ok((false, v)),
        _ => Err(AffinityError::FieldRequirement {
            operator: r.operator.as_str().to_string(),
        }),
    }
}

#[derive(Debug, Clone)]
struct Term<'s> {
    index: usize,
    labels: Vec<LabelReq<'s>>,
    /// `(in, name)`: the node's name must (not) be `name`.
    names: Vec<(bool, &'s str)>,
}

impl Term<'_> {
    fn matches(&self, node: NodeView) -> bool {
        self.labels.iter().all(|r| r.matches(node.labels))
            && self
                .names
                .iter()
                .all(|(inside, name)| (node.name == *name) == *inside)
    }
}

/// A required node selector, with invalid and empty terms dropped (they match no node,
/// `k8s.io/component-helpers/scheduling/corev1/nodeaffinity`).
#[derive(Debug, Clone)]
pub struct CompiledNodeSelector<'s> {
    terms: Vec<Term<'s>>,
}

impl<'s> CompiledNodeSelector<'s> {
    /// The selector and the problems of its terms, each with its field path below the
    /// selector (`nodeSelectorTerms[0].matchExpressions[1]`).
    pub fn new(sel: &'s NodeSelector) -> (Self, Vec<(String, AffinityError)>) {
        let mut terms = Vec::new();
        let mut errors = Vec::new();
        for (index, term) in sel.node_selector_terms.iter().enumerate() {
            let mut t = Term {
                index,
                labels: Vec::new(),
                names: Vec::new(),
            };
            let mut ok = true;
            for (j, r) in term.match_expressions.iter().enumerate() {
                match label_requirement(r) {
                    Ok(req) => t.labels.push(req),
                    Err(e) => {
                        ok = false;
                        errors.push((
                            format!("nodeSelectorTerms[{index}].matchExpressions[{j}]"),
                            e,
                        ));
                    }
                }
            }
            for (j, r) in term.match_fields.iter().enumerate() {
                match field_requirement(r) {
                    Ok(req) => t.names.push(req),
                    Err(e) => {
                        ok = false;
                        errors.push((format!("nodeSelectorTerms[{index}].matchFields[{j}]"), e));
                    }
                }
            }
            if ok && !(t.labels.is_empty() && t.names.is_empty()) {
                terms.push(t);
            }
        }
        (CompiledNodeSelector { terms }, errors)
    }

    /// The index of the first term the node matches.
    pub fn matching_term(&self, node: NodeView) -> Option<usize> {
        self.terms.iter().find(|t| t.matches(node)).map(|t| t.index)
    }

    pub fn matches(&self, node: NodeView) -> bool {
        self.matching_term(node).is_some()
    }

    fn label_keys(&self) -> impl Iterator<Item = &str> {
        self.terms
            .iter()
            .flat_map(|t| t.labels.iter().map(LabelReq::key))
    }

    fn names_nodes(&self) -> bool {
        self.terms.iter().any(|t| !t.names.is_empty())
    }
}

/// The scheduling constraints of one pod spec.
#[derive(Debug, Clone)]
pub struct Constraints<'s> {
    pub node_selector: &'s BTreeMap<String, String>,
    /// `None`: no required node affinity.
    pub affinity: Option<CompiledNodeSelector<'s>>,
    pub tolerations: Vec<Toleration>,
}

impl<'s> Constraints<'s> {
    /// The constraints of a pod spec (`daemon`: a DaemonSet's template), and the problems of
    /// its required node affinity (field paths below `requiredDuringScheduling...`).
    pub fn new(spec: &'s PodSpec, daemon: bool) -> (Self, Vec<(String, AffinityError)>) {
        let required = spec
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|n| n.required.as_ref());
        let (affinity, errors) = match required {
            Some(sel) => {
                let (c, e) = CompiledNodeSelector::new(sel);
                (Some(c), e)
            }
            None => (None, Vec::new()),
        };
        let c = Constraints {
            node_selector: &spec.node_selector,
            affinity,
            tolerations: effective_tolerations(spec, daemon),
        };
        (c, errors)
    }

    /// Whether the constraints can only be decided node by node: they select on the
    /// hostname label or on the node's name.
    fn names_nodes(&self) -> bool {
        self.node_selector.contains_key(HOSTNAME_LABEL)
            || self
                .affinity
                .as_ref()
                .is_some_and(|a| a.names_nodes() || a.label_keys().any(|k| k == HOSTNAME_LABEL))
    }

    fn label_keys(&self) -> impl Iterator<Item = &str> {
        self.node_selector
            .keys()
            .map(String::as_str)
            .chain(self.affinity.iter().flat_map(|a| a.label_keys()))
    }

    pub fn node_selector_matches(&self, node: NodeView) -> bool {
        self.node_selector
            .iter()
            .all(|(k, v)| node.labels.get(k) == Some(v))
    }

    pub fn affinity_matches(&self, node: NodeView) -> bool {
        self.affinity.as_ref().is_none_or(|a| a.matches(node))
    }

    /// The first `NoSchedule`/`NoExecute` taint of the node no toleration tolerates.
    pub fn untolerated_taint<'n>(&self, node: NodeView<'n>) -> Option<&'n Toleration> {
        node.taints.iter().find(|taint| {
            is_scheduling_taint(taint) && !self.tolerations.iter().any(|t| tolerates(t, taint))
        })
    }

    /// Whether the scheduler may put a pod with these constraints on the node.
    pub fn fits(&self, node: NodeView) -> bool {
        self.node_selector_matches(node)
            && self.affinity_matches(node)
            && self.untolerated_taint(node).is_none()
    }

    /// Why the node fits, in words, for evidence (call only when it fits).
    pub fn describe_fit(&self, node: NodeView) -> String {
        let mut parts = Vec::new();
        if !self.node_selector.is_empty() {
            let sel: Vec<String> = self
                .node_selector
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            parts.push(format!("its labels match nodeSelector {}", sel.join(",")));
        }
        if let Some(i) = self.affinity.as_ref().and_then(|a| a.matching_term(node)) {
            parts.push(format!(
                "it matches required node affinity nodeSelectorTerms[{i}]"
            ));
        }
        let taints: Vec<String> = node
            .taints
            .iter()
            .filter(|t| is_scheduling_taint(t))
            .map(taint_text)
            .collect();
        if !taints.is_empty() {
            parts.push(format!("its taints {} are tolerated", taints.join(", ")));
        }
        if parts.is_empty() {
            "no nodeSelector, required node affinity or taint keeps the pods off it".to_string()
        } else {
            parts.join("; ")
        }
    }
}

/// `key=value:Effect`, as `kubectl taint` writes a taint.
pub fn taint_text(t: &Toleration) -> String {
    let value = s(&t.value);
    if value.is_empty() {
        format!("{}:{}", s(&t.key), s(&t.effect))
    } else {
        format!("{}={value}:{}", s(&t.key), s(&t.effect))
    }
}

/// Where the scheduler may put a workload's pods.
#[derive(Debug, Clone, Default)]
pub enum Schedulable<'a> {
    /// The snapshot has no Node objects: placement cannot be evaluated.
    #[default]
    Unknown,
    /// These nodes (at most [`MAX_NODES_PER_WORKLOAD`], sorted; empty when no known node fits).
    Nodes(Arc<[&'a str]>),
    /// More than [`MAX_NODES_PER_WORKLOAD`] nodes; `all` when every known node.
    Many { count: usize, all: bool },
}

/// Where one workload's pods run or can run.
#[derive(Debug, Clone, Default)]
pub struct WorkloadPlacement<'a> {
    /// Nodes its pods are bound to (`spec.nodeName` of its Pods, or of its own spec), sorted.
    pub placed: Vec<&'a str>,
    /// Whether `placed` is the whole answer: the spec names a node, or every Pod of it in the
    /// snapshot is bound to one. The scheduler then chooses nothing.
    pub pinned: bool,
    /// A DaemonSet: a pod runs on every node it fits.
    pub daemon: bool,
    /// Where the scheduler may put its (other) pods; `Unknown` when pinned.
    pub schedulable: Schedulable<'a>,
    /// Its constraint class in [`Placement`], when evaluated.
    pub class: Option<usize>,
}

/// One set of workloads with identical scheduling constraints, and the nodes they fit.
#[derive(Debug, Clone)]
struct Class<'a> {
    /// A workload of the class, whose spec stands for all.
    spec: &'a PodSpec,
    daemon: bool,
    /// Indexes into `Placement::nodes` of the nodes it fits, sorted.
    fits: Vec<usize>,
}

/// Placement over the snapshot's Node objects.
#[derive(Debug, Clone, Default)]
pub struct Placement<'a> {
    /// The Node objects, sorted by name, one per name.
    pub nodes: Vec<&'a Node>,
    /// Nodes grouped by what the scheduler's filters read: indexes into `nodes`.
    pub groups: Vec<Vec<usize>>,
    classes: Vec<Class<'a>>,
    /// Predicate evaluations made: one per (class, group), or per (class, node) for classes
    /// that select single nodes.
    pub evaluations: usize,
}

/// What the filters read of a node: the labels some class selects on, and the scheduling
/// taints (as `key=value:Effect`).
type NodeSignature<'a> = (Vec<(&'a str, &'a str)>, Vec<String>);

/// The key of a constraint class: everything the predicates read from a pod spec.
fn class_key(spec: &PodSpec, daemon: bool) -> String {
    let required = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| n.required.as_ref());
    serde_json::to_string(&(
        &spec.node_selector,
        required,
        &spec.tolerations,
        daemon,
        daemon && spec.host_network,
    ))
    .unwrap_or_default()
}

/// The field path of a workload's pod spec (`spec`, `spec.template.spec`, ...).
fn pod_spec_path(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Pod => "spec",
        WorkloadKind::CronJob => "spec.jobTemplate.spec.template.spec",
        _ => "spec.template.spec",
    }
}

impl<'a> Placement<'a> {
    /// Evaluate every workload's placement and store it in `workloads[i].placement`.
    pub fn new(
        snapshot: &'a Snapshot,
        workloads: &mut [WorkloadNode<'a>],
        warnings: &mut Vec<Warning>,
    ) -> Self {
        let mut by_name: BTreeMap<&'a str, &'a Node> = BTreeMap::new();
        for n in &snapshot.nodes {
            if !n.metadata.name.is_empty() {
                by_name.insert(&n.metadata.name, n);
            }
        }
        let mut p = Placement {
            nodes: by_name.into_values().collect(),
            ..Placement::default()
        };

        // Placement that needs no scheduler: bound pods.
        let mut class_of: HashMap<String, usize> = HashMap::new();
        let mut pending: Vec<(usize, usize)> = Vec::new();
        for (wi, w) in workloads.iter_mut().enumerate() {
            let daemon = w.spec.kind() == WorkloadKind::DaemonSet;
            let own = w
                .spec
                .pod_spec
                .node_name
                .as_deref()
                .filter(|n| !n.is_empty());
            let mut placed: BTreeSet<&'a str> = BTreeSet::new();
            placed.extend(own);
            for pod in &w.pods {
                placed.extend(pod.pod_spec.node_name.as_deref().filter(|n| !n.is_empty()));
            }
            let pinned = own.is_some()
                || (!w.pods.is_empty()
                    && w.pods.iter().all(|pod| {
                        pod.pod_spec
                            .node_name
                            .as_deref()
                            .is_some_and(|n| !n.is_empty())
                    }));
            w.placement = WorkloadPlacement {
                placed: placed.into_iter().collect(),
                pinned,
                daemon,
                ..WorkloadPlacement::default()
            };
            if pinned {
                continue;
            }
            let workload: &'a crate::snapshot::Workload = w.spec;
            let spec = &workload.pod_spec;
            let key = class_key(spec, daemon);
            let next = p.classes.len();
            let ci = *class_of.entry(key).or_insert(next);
            if ci == next {
                p.classes.push(Class {
                    spec,
                    daemon,
                    fits: Vec::new(),
                });
            }
            pending.push((wi, ci));
        }
        if p.classes.is_empty() {
            return p;
        }

        // Compile each class once; group nodes by the labels the classes read and the taints.
        let compiled: Vec<(Constraints<'a>, Vec<(String, AffinityError)>)> = p
            .classes
            .iter()
            .map(|c| Constraints::new(c.spec, c.daemon))
            .collect();
        let mut keys: BTreeSet<&str> = BTreeSet::new();
        for (c, _) in &compiled {
            if !c.names_nodes() {
                keys.extend(c.label_keys());
            }
        }
        let mut group_of: HashMap<NodeSignature, usize> = HashMap::new();
        for (ni, node) in p.nodes.iter().enumerate() {
            let labels: Vec<(&str, &str)> = keys
                .iter()
                .filter_map(|k| node.metadata.labels.get(*k).map(|v| (*k, v.as_str())))
                .collect();
            let mut taints: Vec<String> = node
                .spec
                .taints
                .iter()
                .filter(|t| is_scheduling_taint(t))
                .map(taint_text)
                .collect();
            taints.sort_unstable();
            taints.dedup();
            let next = p.groups.len();
            let gi = *group_of.entry((labels, taints)).or_insert(next);
            if gi == next {
                p.groups.push(Vec::new());
            }
            p.groups[gi].push(ni);
        }

        for (ci, (c, _)) in compiled.iter().enumerate() {
            let mut fits = Vec::new();
            if c.names_nodes() {
                for (ni, node) in p.nodes.iter().enumerate() {
                    p.evaluations += 1;
                    if c.fits(NodeView::from(*node)) {
                        fits.push(ni);
                    }
                }
            } else {
                for group in &p.groups {
                    p.evaluations += 1;
                    if c.fits(NodeView::from(p.nodes[group[0]])) {
                        fits.extend_from_slice(group);
                    }
                }
                fits.sort_unstable();
            }
            p.classes[ci].fits = fits;
        }

        let mut named: Vec<Option<Arc<[&'a str]>>> = vec![None; p.classes.len()];
        for (wi, ci) in pending {
            let w = &mut workloads[wi];
            let fits = &p.classes[ci].fits;
            let schedulable = if p.nodes.is_empty() {
                Schedulable::Unknown
            } else if fits.len() > MAX_NODES_PER_WORKLOAD {
                Schedulable::Many {
                    count: fits.len(),
                    all: fits.len() == p.nodes.len(),
                }
            } else {
                let list = named[ci].get_or_insert_with(|| {
                    fits.iter()
                        .map(|&ni| p.nodes[ni].metadata.name.as_str())
                        .collect()
                });
                Schedulable::Nodes(Arc::clone(list))
            };
            w.placement.schedulable = schedulable;
            w.placement.class = (!p.nodes.is_empty()).then_some(ci);
            for (field, e) in &compiled[ci].1 {
                warnings.push(Warning {
                    file: w.spec.source.file.clone(),
                    document: Some(w.spec.source.document),
                    object: Some(w.object()),
                    field: Some(format!(
                        "{}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.{field}",
                        pod_spec_path(w.spec.kind())
                    )),
                    message: e.to_string(),
                });
            }
        }
        p
    }

    /// The names of the nodes a workload's constraint class fits (empty when not evaluated).
    pub fn fitting_nodes(&self, w: &WorkloadPlacement) -> impl Iterator<Item = &'a str> + '_ {
        w.class
            .and_then(|ci| self.classes.get(ci))
            .into_iter()
            .flat_map(|c| {
                c.fits
                    .iter()
                    .map(|&ni| self.nodes[ni].metadata.name.as_str())
            })
    }

    /// The Node object of this name.
    pub fn node(&self, name: &str) -> Option<&'a Node> {
        self.nodes
            .binary_search_by(|n| n.metadata.name.as_str().cmp(name))
            .ok()
            .map(|i| self.nodes[i])
    }
}

#[cfg(test)]
mod tests;
