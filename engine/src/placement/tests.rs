use super::*;
use crate::index::Index;
use crate::snapshot::{NodeSpec, ObjectMeta, Workload};
use crate::testutil::snapshot;

/// Three nodes: `a` (pool=general, cpu=4), `b` (pool=gpu, cpu=16, tainted gpu=true:NoSchedule),
/// `c` (pool=general, cpu=8, spot=yes).
const NODES: &str = "
kind: Node
metadata: {name: a, labels: {kubernetes.io/hostname: a, pool: general, cpu: '4'}}
---
kind: Node
metadata: {name: b, labels: {kubernetes.io/hostname: b, pool: gpu, cpu: '16'}}
spec: {taints: [{key: gpu, value: 'true', effect: NoSchedule}]}
---
kind: Node
metadata: {name: c, labels: {kubernetes.io/hostname: c, pool: general, cpu: '8', spot: 'yes'}}
";

/// The node ids of the workload named `name` in `NODES` plus `yaml`.
fn placed(yaml: &str, name: &str) -> Vec<String> {
    let snap = snapshot(&format!("{NODES}---\n{yaml}"));
    let ix = Index::new(&snap);
    let w = ix.workloads.iter().find(|w| w.name == name);
    w.expect("workload in fixture").node_ids()
}

fn deployment(spec: &str) -> String {
    format!(
        "kind: Deployment\nmetadata: {{name: w}}\nspec:\n  template:\n    spec:\n{}      containers: [{{name: c}}]\n",
        spec.lines()
            .map(|l| format!("      {l}\n"))
            .collect::<String>()
    )
}

fn affinity(expressions: &str) -> String {
    deployment(&format!(
        "affinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n      nodeSelectorTerms:\n{}",
        expressions
            .lines()
            .map(|l| format!("      {l}\n"))
            .collect::<String>()
    ))
}

#[test]
fn unconstrained_pods_fit_every_untainted_node() {
    assert_eq!(placed(&deployment(""), "w"), ["node:a", "node:c"]);
}

#[test]
fn node_selector_match_places_pods_on_matching_nodes_only() {
    assert_eq!(
        placed(&deployment("nodeSelector: {spot: 'yes'}"), "w"),
        ["node:c"]
    );
}

#[test]
fn node_selector_mismatch_fits_no_known_node() {
    // No known node fits: the pods would run on a node the input lacks (an autoscaler's).
    assert_eq!(
        placed(&deployment("nodeSelector: {pool: arm}"), "w"),
        ["node:*"]
    );
    assert_eq!(
        placed(
            &deployment("nodeSelector: {pool: general, spot: 'no'}"),
            "w"
        ),
        ["node:*"]
    );
}

#[test]
fn affinity_in_selects_nodes_with_one_of_the_values() {
    let w = affinity("- matchExpressions: [{key: cpu, operator: In, values: ['8', '16']}]");
    assert_eq!(placed(&w, "w"), ["node:c"]);
    let w = affinity("- matchExpressions: [{key: cpu, operator: In, values: ['2']}]");
    assert_eq!(placed(&w, "w"), ["node:*"]);
}

#[test]
fn affinity_not_in_matches_nodes_without_the_label_too() {
    let w = affinity("- matchExpressions: [{key: spot, operator: NotIn, values: ['yes']}]");
    assert_eq!(placed(&w, "w"), ["node:a"]);
}

#[test]
fn affinity_exists_and_does_not_exist_test_the_key() {
    let w = affinity("- matchExpressions: [{key: spot, operator: Exists}]");
    assert_eq!(placed(&w, "w"), ["node:c"]);
    let w = affinity("- matchExpressions: [{key: spot, operator: DoesNotExist}]");
    assert_eq!(placed(&w, "w"), ["node:a"]);
}

#[test]
fn affinity_gt_and_lt_compare_integers() {
    let w = affinity("- matchExpressions: [{key: cpu, operator: Gt, values: ['4']}]");
    assert_eq!(placed(&w, "w"), ["node:c"]);
    let w = affinity("- matchExpressions: [{key: cpu, operator: Lt, values: ['5']}]");
    assert_eq!(placed(&w, "w"), ["node:a"]);
    // A label that is not an integer never matches Gt or Lt.
    let w = affinity("- matchExpressions: [{key: pool, operator: Gt, values: ['0']}]");
    assert_eq!(placed(&w, "w"), ["node:*"]);
}

#[test]
fn affinity_terms_are_ored_and_requirements_anded() {
    let w = affinity(
        "- matchExpressions: [{key: pool, operator: In, values: [general]}, {key: cpu, operator: Lt, values: ['5']}]
- matchExpressions: [{key: spot, operator: Exists}]",
    );
    assert_eq!(placed(&w, "w"), ["node:a", "node:c"]);
    let w = affinity(
        "- matchExpressions: [{key: pool, operator: In, values: [general]}, {key: cpu, operator: Gt, values: ['100']}]",
    );
    assert_eq!(placed(&w, "w"), ["node:*"]);
}

#[test]
fn affinity_match_fields_select_the_node_by_name() {
    let w = affinity("- matchFields: [{key: metadata.name, operator: In, values: [c]}]");
    assert_eq!(placed(&w, "w"), ["node:c"]);
    let w = affinity("- matchFields: [{key: metadata.name, operator: NotIn, values: [c]}]");
    assert_eq!(placed(&w, "w"), ["node:a"]);
    let w = affinity("- matchFields: [{key: metadata.name, operator: In, values: [zz]}]");
    assert_eq!(placed(&w, "w"), ["node:*"]);
}

#[test]
fn hostname_label_selects_one_node() {
    assert_eq!(
        placed(
            &deployment("nodeSelector: {kubernetes.io/hostname: a}"),
            "w"
        ),
        ["node:a"]
    );
}

#[test]
fn invalid_affinity_term_matches_no_node_and_is_warned() {
    let yaml = format!(
        "{NODES}---\n{}",
        affinity(
            "- matchExpressions: [{key: pool, operator: Like, values: [general]}]
- matchExpressions: [{key: spot, operator: Exists}]"
        )
    );
    let snap = snapshot(&yaml);
    let ix = Index::new(&snap);
    // The valid second term still places the pods.
    assert_eq!(ix.workloads[0].node_ids(), ["node:c"]);
    let w = ix
        .warnings
        .iter()
        .find(|w| w.object.as_deref() == Some("Deployment/default/w"))
        .expect("a warning about the invalid term");
    assert_eq!(
        w.field.as_deref(),
        Some(
            "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]"
        )
    );
    assert!(w.message.contains("Like"), "{}", w.message);
}

#[test]
fn empty_affinity_term_matches_no_node() {
    let w = affinity("- {}");
    assert_eq!(placed(&w, "w"), ["node:*"]);
}

#[test]
fn taint_no_schedule_keeps_pods_that_do_not_tolerate_it_off() {
    let w = deployment("nodeSelector: {pool: gpu}");
    assert_eq!(placed(&w, "w"), ["node:*"]);
}

#[test]
fn taint_no_schedule_tolerated_by_equal_toleration() {
    let w = deployment(
        "nodeSelector: {pool: gpu}\ntolerations: [{key: gpu, operator: Equal, value: 'true', effect: NoSchedule}]",
    );
    assert_eq!(placed(&w, "w"), ["node:b"]);
    // The wrong value does not tolerate it.
    let w = deployment(
        "nodeSelector: {pool: gpu}\ntolerations: [{key: gpu, operator: Equal, value: 'false', effect: NoSchedule}]",
    );
    assert_eq!(placed(&w, "w"), ["node:*"]);
}

#[test]
fn empty_key_exists_toleration_tolerates_every_taint() {
    let w = deployment("tolerations: [{operator: Exists}]");
    assert_eq!(placed(&w, "w"), ["node:a", "node:b", "node:c"]);
}

fn taint(key: &str, value: Option<&str>, effect: &str) -> Toleration {
    Toleration {
        key: Some(key.into()),
        operator: None,
        value: value.map(String::from),
        effect: Some(effect.into()),
    }
}

fn toleration(key: &str, operator: &str, value: Option<&str>, effect: &str) -> Toleration {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Toleration {
        key: opt(key),
        operator: opt(operator),
        value: value.map(String::from),
        effect: opt(effect),
    }
}

#[test]
fn toleration_matching_follows_tolerates_taint() {
    let t = taint("dedicated", Some("db"), "NoExecute");
    // An empty effect matches every effect.
    assert!(tolerates(&toleration("dedicated", "Exists", None, ""), &t));
    assert!(!tolerates(
        &toleration("dedicated", "Exists", None, "NoSchedule"),
        &t
    ));
    // Equal (or no operator) compares the value.
    assert!(tolerates(&toleration("dedicated", "", Some("db"), ""), &t));
    assert!(!tolerates(
        &toleration("dedicated", "Equal", Some("web"), ""),
        &t
    ));
    assert!(!tolerates(&toleration("other", "Exists", None, ""), &t));
    // Unknown operators tolerate nothing.
    assert!(!tolerates(
        &toleration("dedicated", "Like", Some("db"), ""),
        &t
    ));
    assert!(tolerates(&toleration("", "Exists", None, ""), &t));
}

#[test]
fn prefer_no_schedule_taint_does_not_keep_pods_off() {
    let yaml = "
kind: Node
metadata: {name: soft}
spec: {taints: [{key: x, effect: PreferNoSchedule}]}
---
kind: Node
metadata: {name: hard}
spec: {taints: [{key: x, effect: NoExecute}]}
---
kind: Pod
metadata: {name: p}
spec: {containers: [{name: c}]}
";
    let snap = snapshot(yaml);
    assert_eq!(Index::new(&snap).workloads[0].node_ids(), ["node:soft"]);
}

#[test]
fn daemonset_runs_on_every_node_it_fits_including_tainted_ones_it_tolerates() {
    let yaml = "
kind: Node
metadata: {name: ready}
---
kind: Node
metadata: {name: cordoned}
spec: {taints: [{key: node.kubernetes.io/unschedulable, effect: NoSchedule}]}
---
kind: Node
metadata: {name: full}
spec: {taints: [{key: node.kubernetes.io/disk-pressure, effect: NoSchedule}]}
---
kind: Node
metadata: {name: gpu}
spec: {taints: [{key: gpu, value: 'true', effect: NoSchedule}]}
---
kind: Node
metadata: {name: no-net}
spec: {taints: [{key: node.kubernetes.io/network-unavailable, effect: NoSchedule}]}
---
kind: DaemonSet
metadata: {name: agent}
spec: {template: {spec: {containers: [{name: c}]}}}
---
kind: DaemonSet
metadata: {name: cni}
spec: {template: {spec: {hostNetwork: true, containers: [{name: c}]}}}
---
kind: Deployment
metadata: {name: web}
spec: {template: {spec: {containers: [{name: c}]}}}
";
    let snap = snapshot(yaml);
    let ix = Index::new(&snap);
    let of = |name: &str| {
        ix.workloads
            .iter()
            .find(|w| w.name == name)
            .expect("workload")
            .node_ids()
    };
    // The controller's own tolerations cover cordoned and pressured nodes, not custom taints.
    assert_eq!(of("agent"), ["node:cordoned", "node:full", "node:ready"]);
    // Host-network daemons also tolerate network-unavailable nodes.
    assert_eq!(
        of("cni"),
        ["node:cordoned", "node:full", "node:no-net", "node:ready"]
    );
    // A Deployment gets none of those tolerations.
    assert_eq!(of("web"), ["node:ready"]);
    assert!(
        ix.workloads
            .iter()
            .find(|w| w.name == "agent")
            .is_some_and(|w| w.placement.daemon)
    );
}

#[test]
fn node_name_pins_the_pod_whatever_its_selectors_say() {
    let w = "kind: Pod\nmetadata: {name: p}\nspec: {nodeName: b, nodeSelector: {pool: general}, containers: [{name: c}]}\n";
    assert_eq!(placed(w, "p"), ["node:b"]);
}

#[test]
fn placement_is_unknown_without_node_objects() {
    let snap = snapshot(&deployment("nodeSelector: {pool: gpu}"));
    let ix = Index::new(&snap);
    assert_eq!(ix.workloads[0].node_ids(), ["node:*"]);
    assert!(matches!(
        ix.workloads[0].placement.schedulable,
        Schedulable::Unknown
    ));
}

fn node(name: &str, pool: &str, tainted: bool) -> Node {
    let labels = BTreeMap::from([
        (HOSTNAME_LABEL.to_string(), name.to_string()),
        ("pool".to_string(), pool.to_string()),
        ("topology.kubernetes.io/zone".to_string(), "z1".to_string()),
    ]);
    Node {
        metadata: ObjectMeta {
            name: name.to_string(),
            labels,
            ..ObjectMeta::default()
        },
        spec: NodeSpec {
            provider_id: None,
            taints: if tainted {
                vec![taint("dedicated", Some(pool), "NoSchedule")]
            } else {
                Vec::new()
            },
        },
        source: Default::default(),
    }
}

fn workload(name: &str, kind: WorkloadKind, spec: PodSpec) -> Workload {
    Workload {
        kind: Some(kind),
        meta: ObjectMeta {
            name: name.to_string(),
            namespace: Some("apps".to_string()),
            ..ObjectMeta::default()
        },
        pod_spec: spec,
        ..Workload::default()
    }
}

#[test]
fn more_than_the_cap_of_fitting_nodes_is_some_node() {
    let mut snap = Snapshot::default();
    for i in 0..=MAX_NODES_PER_WORKLOAD {
        snap.nodes.push(node(&format!("n{i:03}"), "general", false));
    }
    snap.workloads
        .push(workload("w", WorkloadKind::Deployment, PodSpec::default()));
    let ix = Index::new(&snap);
    assert_eq!(ix.workloads[0].node_ids(), ["node:*"]);
    assert!(matches!(
        ix.workloads[0].placement.schedulable,
        Schedulable::Many { count, all: true } if count == MAX_NODES_PER_WORKLOAD + 1
    ));
}

/// 1,000 nodes of four node groups (each node with its own hostname) and 1,000 workloads
/// with five distinct sets of constraints: each (constraint set, node group) pair is
/// evaluated once, and only the hostname-pinned workload is evaluated node by node.
#[test]
fn identical_nodes_and_identical_constraints_are_evaluated_once() {
    let mut snap = Snapshot::default();
    for i in 0..1000 {
        let (pool, tainted) = match i % 4 {
            0 => ("general", false),
            1 => ("batch", false),
            2 => ("gpu", true),
            _ => ("db", true),
        };
        snap.nodes
            .push(node(&format!("node-{i:04}"), pool, tainted));
    }
    let selector = |pool: &str| BTreeMap::from([("pool".to_string(), pool.to_string())]);
    for i in 0..1000 {
        let spec = match i % 4 {
            0 => PodSpec::default(),
            1 => PodSpec {
                node_selector: selector("batch"),
                ..PodSpec::default()
            },
            2 => PodSpec {
                node_selector: selector("gpu"),
                tolerations: vec![toleration("dedicated", "Exists", None, "")],
                ..PodSpec::default()
            },
            _ => PodSpec {
                node_selector: selector("db"),
                ..PodSpec::default()
            },
        };
        snap.workloads.push(workload(
            &format!("w{i:04}"),
            WorkloadKind::Deployment,
            spec,
        ));
    }
    snap.workloads.push(workload(
        "agent",
        WorkloadKind::DaemonSet,
        PodSpec::default(),
    ));
    snap.workloads.push(workload(
        "pinned",
        WorkloadKind::Deployment,
        PodSpec {
            node_selector: BTreeMap::from([(HOSTNAME_LABEL.to_string(), "node-0007".to_string())]),
            tolerations: vec![toleration("", "Exists", None, "")],
            ..PodSpec::default()
        },
    ));
    let ix = Index::new(&snap);
    assert_eq!(ix.placement.groups.len(), 4, "one group per node group");
    // 5 classes x 4 groups, plus the hostname-pinned class node by node.
    assert_eq!(ix.placement.evaluations, 5 * 4 + 1000);
    let of = |name: &str| {
        ix.workloads
            .iter()
            .find(|w| w.name == name)
            .expect("workload")
    };
    assert!(matches!(
        of("w0001").placement.schedulable,
        Schedulable::Many {
            count: 250,
            all: false
        }
    ));
    // The db nodes are tainted and w0003 does not tolerate it.
    assert!(matches!(&of("w0003").placement.schedulable, Schedulable::Nodes(l) if l.is_empty()));
    assert_eq!(of("pinned").node_ids(), ["node:node-0007"]);
}

#[test]
fn daemonset_that_fits_no_known_node_runs_nowhere() {
    let w = "kind: DaemonSet\nmetadata: {name: win}\nspec: {template: {spec: {nodeSelector: {kubernetes.io/os: windows}, containers: [{name: c}]}}}\n";
    assert!(placed(w, "win").is_empty());
    // A Deployment's pending pods may get a node an autoscaler adds.
    assert_eq!(
        placed(
            &deployment("nodeSelector: {kubernetes.io/os: windows}"),
            "w"
        ),
        ["node:*"]
    );
}

#[test]
fn invalid_affinity_is_warned_even_without_node_objects() {
    let snap = snapshot(&affinity(
        "- matchFields: [{key: metadata.name, operator: Exists}]",
    ));
    let ix = Index::new(&snap);
    assert_eq!(ix.workloads[0].node_ids(), ["node:*"]);
    assert!(ix.warnings.iter().any(|w| {
        w.field
            .as_deref()
            .is_some_and(|f| f.ends_with("nodeSelectorTerms[0].matchFields[0]"))
    }));
}
