//! Stage benchmarks on the bundled eks-demo sample: read, graph build, full analysis.
//! Plus a generated placement estate (100 and 1,000 nodes x as many workloads). Run with
//! `cargo bench -p kubepath-benches`.

use kubepath_collectors::files::{FileOptions, load_paths};
use kubepath_engine::search::Options;

fn main() {
    divan::main();
}

fn snapshot() -> kubepath_engine::Snapshot {
    let paths = vec![kubepath_benches::sample("eks-demo")];
    match load_paths(&paths, &FileOptions::default()) {
        Ok((snap, _)) => snap,
        Err(e) => panic!("bench input samples/eks-demo must load: {e}"),
    }
}

#[divan::bench]
fn read_files() -> kubepath_engine::Snapshot {
    snapshot()
}

#[divan::bench]
fn build_graph(bencher: divan::Bencher) {
    let snap = snapshot();
    bencher.bench(|| kubepath_engine::build_graph(divan::black_box(&snap)));
}

#[divan::bench]
fn analyze(bencher: divan::Bencher) {
    let snap = snapshot();
    let opts = Options::default();
    bencher.bench(|| kubepath_engine::analyze(divan::black_box(&snap), &opts));
}

/// A large estate for placement: `nodes` Node objects in 8 node groups (two of them
/// tainted) and `workloads` Deployments with 10 distinct sets of scheduling constraints, a
/// tenth of them privileged (so escapes reach nodes), plus 10 DaemonSets.
fn placement_estate(nodes: usize, workloads: usize) -> kubepath_engine::Snapshot {
    use std::collections::BTreeMap;

    use kubepath_engine::snapshot::{
        Container, Node, NodeSpec, ObjectMeta, PodSpec, SecurityContext, Toleration, Workload,
        WorkloadKind,
    };

    let mut snap = kubepath_engine::Snapshot::default();
    for i in 0..nodes {
        let group = i % 8;
        let labels = BTreeMap::from([
            ("kubernetes.io/hostname".to_string(), format!("node-{i:05}")),
            ("pool".to_string(), format!("pool-{group}")),
            (
                "topology.kubernetes.io/zone".to_string(),
                format!("z{}", i % 3),
            ),
        ]);
        let taints = if group >= 6 {
            vec![Toleration {
                key: Some("dedicated".into()),
                value: Some(format!("pool-{group}")),
                effect: Some("NoSchedule".into()),
                operator: None,
            }]
        } else {
            Vec::new()
        };
        snap.nodes.push(Node {
            metadata: ObjectMeta {
                name: format!("node-{i:05}"),
                labels,
                ..ObjectMeta::default()
            },
            spec: NodeSpec {
                provider_id: None,
                taints,
            },
            source: Default::default(),
        });
    }
    let workload = |name: String, kind: WorkloadKind, spec: PodSpec| Workload {
        kind: Some(kind),
        meta: ObjectMeta {
            name,
            namespace: Some("apps".into()),
            ..ObjectMeta::default()
        },
        pod_spec: spec,
        ..Workload::default()
    };
    for i in 0..workloads {
        let class = i % 10;
        let mut spec = PodSpec {
            service_account_name: Some(format!("sa-{}", i % 50)),
            containers: vec![Container {
                name: "c".into(),
                security_context: (i % 10 == 3).then(|| SecurityContext {
                    privileged: Some(true),
                    ..SecurityContext::default()
                }),
                ..Container::default()
            }],
            ..PodSpec::default()
        };
        if class < 8 {
            spec.node_selector = BTreeMap::from([("pool".to_string(), format!("pool-{class}"))]);
        }
        if class == 6 || class == 7 {
            spec.tolerations = vec![Toleration {
                key: Some("dedicated".into()),
                operator: Some("Exists".into()),
                ..Toleration::default()
            }];
        }
        snap.workloads
            .push(workload(format!("w{i:05}"), WorkloadKind::Deployment, spec));
    }
    for i in 0..10 {
        let spec = PodSpec {
            service_account_name: Some(format!("agent-{i}")),
            containers: vec![Container {
                name: "c".into(),
                ..Container::default()
            }],
            ..PodSpec::default()
        };
        snap.workloads.push(workload(
            format!("agent-{i}"),
            WorkloadKind::DaemonSet,
            spec,
        ));
    }
    snap
}

/// Graph build of 1,000 nodes x 1,000 workloads: placement is evaluated per (constraint
/// class, node group), and edges stay linear in the workloads.
#[divan::bench(args = [100, 1000])]
fn build_graph_placement_estate(bencher: divan::Bencher, n: usize) {
    let snap = placement_estate(n, n);
    bencher.bench(|| kubepath_engine::build_graph(divan::black_box(&snap)));
}
