//! The workload technique families on real public manifests (`shared/corpus`).

use std::path::{Path, PathBuf};

use kubepath_engine::{AttackGraph, build_graph, ingest::snapshot_from_values};

fn corpus() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"))
}

/// The attack graph of the YAML files, all loaded together (objects without a namespace go
/// to `default`).
fn graph_of(files: &[PathBuf]) -> AttackGraph {
    let mut docs: Vec<serde_json::Value> = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f)
            .unwrap_or_else(|e| panic!("corpus file {} unreadable: {e}", f.display()));
        let parsed: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text)
            .unwrap_or_else(|e| panic!("corpus file {} is not YAML: {e}", f.display()));
        docs.extend(parsed);
    }
    let (snapshot, errors) = snapshot_from_values(docs, "default");
    assert!(errors.is_empty(), "corpus rejected: {errors:?}");
    build_graph(&snapshot).0
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("corpus folder {} unreadable: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

fn pod_name(file: &Path) -> String {
    file.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn badpods_privileged_pods_escape_and_nothing_allowed_pods_do_not() {
    let files = yaml_files(&corpus().join("badpods"));
    assert_eq!(files.len(), 16, "badPods has 16 pod manifests");
    let g = graph_of(&files);
    let mut privileged = 0;
    let mut nothing_allowed = 0;
    for f in &files {
        let name = pod_name(f);
        let workload = format!("workload:default/Pod/{name}");
        let escapes: Vec<&str> = g
            .techniques_from(&workload)
            .into_iter()
            .filter(|t| t.starts_with("ESCAPE_"))
            .collect();
        if name.starts_with("priv-") || name.starts_with("everything-allowed-") {
            privileged += 1;
            assert!(
                g.has_edge(&workload, "node:*", "ESCAPE_PRIVILEGED"),
                "{name} should escape as privileged, has {escapes:?}"
            );
        }
        if name.starts_with("nothing-allowed-") {
            nothing_allowed += 1;
            assert!(escapes.is_empty(), "{name} has escapes {escapes:?}");
        }
    }
    assert_eq!((privileged, nothing_allowed), (6, 2));
    // everything-allowed and hostpath mount the node's root read-write.
    assert!(g.has_edge(
        "workload:default/Pod/everything-allowed-exec-pod",
        "node:*",
        "ESCAPE_HOSTPATH_WRITE"
    ));
    assert!(g.has_edge(
        "workload:default/Pod/hostpath-exec-pod",
        "node:*",
        "ESCAPE_HOSTPATH_WRITE"
    ));
}

#[test]
fn ingress_nginx_controller_load_balancer_is_exposed_and_compromises_the_controller() {
    let g = graph_of(&[corpus().join("ingress-nginx/deploy.yaml")]);
    let svc = "service:ingress-nginx/ingress-nginx-controller";
    assert!(g.has_edge("internet", svc, "EXPOSED_LOADBALANCER"));
    let controller = "workload:ingress-nginx/Deployment/ingress-nginx-controller";
    assert!(g.has_edge(svc, controller, "APP_COMPROMISE"));
    // The admission webhook Service is ClusterIP: it only selects the same pods.
    let admission = "service:ingress-nginx/ingress-nginx-controller-admission";
    assert!(!g.has_edge("internet", admission, "EXPOSED_LOADBALANCER"));
    assert!(g.has_edge(admission, controller, "SERVICE_SELECTS"));
    assert!(g.has_edge(controller, "sa:ingress-nginx/ingress-nginx", "POD_SA_TOKEN"));
}

#[test]
fn kube_prometheus_pod_automount_setting_overrides_the_service_account() {
    let dir = corpus().join("kube-prometheus");
    let g = graph_of(&[
        dir.join("nodeExporter-daemonset.yaml"),
        dir.join("nodeExporter-serviceAccount.yaml"),
        dir.join("grafana-deployment.yaml"),
        dir.join("grafana-serviceAccount.yaml"),
    ]);
    // node-exporter: the ServiceAccount says false, the pod spec says true, the pod wins.
    let node_exporter = "workload:monitoring/DaemonSet/node-exporter";
    let sa = "sa:monitoring/node-exporter";
    assert!(g.has_edge(node_exporter, sa, "POD_SA_TOKEN"));
    let edges = g.edges_of("POD_SA_TOKEN");
    let edge = edges
        .iter()
        .find(|e| e.0 == node_exporter)
        .map(|e| e.2)
        .expect("node-exporter has a POD_SA_TOKEN edge");
    assert!(edge.evidence[0].detail.contains(
        "true (overrides ServiceAccount/monitoring/node-exporter automountServiceAccountToken: false)"
    ));
    // A DaemonSet's token is on every node.
    assert!(g.has_edge("node:*", sa, "NODE_STEALS_TOKENS"));
    // grafana turns the token off in both places.
    assert!(!g.has_edge(
        "workload:monitoring/Deployment/grafana",
        "sa:monitoring/grafana",
        "POD_SA_TOKEN"
    ));
    // node-exporter mounts the node's root read-only: no write escape.
    assert!(!g.has_edge(node_exporter, "node:*", "ESCAPE_HOSTPATH_WRITE"));
}
