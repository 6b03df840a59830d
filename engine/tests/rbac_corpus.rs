//! RBAC techniques on real public manifests (`shared/corpus`, beside the checkout).

use std::path::{Path, PathBuf};

use kubepath_engine::ingest::snapshot_from_values;
use kubepath_engine::{AttackGraph, build_graph};

fn corpus(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus")).join(rel)
}

fn docs(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("corpus file {} is readable: {e}", path.display()));
    serde_saphyr::from_multiple(&text)
        .unwrap_or_else(|e| panic!("corpus file {} is valid YAML: {e}", path.display()))
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("corpus folder {} is readable: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

fn graph_of(files: &[PathBuf], default_ns: &str) -> AttackGraph {
    let values: Vec<serde_json::Value> = files.iter().flat_map(|f| docs(f)).collect();
    let (snap, errors) = snapshot_from_values(values, default_ns);
    assert!(errors.is_empty(), "corpus objects rejected: {errors:?}");
    let (g, warnings) = build_graph(&snap);
    assert!(
        !warnings
            .iter()
            .any(|w| w.message.contains("not in the snapshot")),
        "unexpected missing roles: {warnings:?}"
    );
    g
}

#[test]
fn argocd_application_controller_is_cluster_admin() {
    let g = graph_of(&[corpus("argo-cd/install.yaml")], "argocd");
    assert!(g.has_edge(
        "sa:argocd/argocd-application-controller",
        "cluster-admin",
        "RBAC_CLUSTER_ADMIN"
    ));
    // argocd-server has get,patch on */* cluster-wide: reads every secret, but is not admin.
    assert!(g.has_edge("sa:argocd/argocd-server", "secret:*/*", "RBAC_READ_SECRETS"));
    assert!(!g.has_edge(
        "sa:argocd/argocd-server",
        "cluster-admin",
        "RBAC_CLUSTER_ADMIN"
    ));
}

#[test]
fn prometheus_operator_reads_every_secret() {
    let mut files = Vec::new();
    yaml_files(&corpus("kube-prometheus"), &mut files);
    let g = graph_of(&files, "default");
    assert!(g.has_edge(
        "sa:monitoring/prometheus-operator",
        "secret:*/*",
        "RBAC_READ_SECRETS"
    ));
    // prometheus-k8s gets only get on configmaps etc. in its namespaces, no secrets.
    assert!(!g.has_edge(
        "sa:monitoring/prometheus-k8s",
        "secret:*/*",
        "RBAC_READ_SECRETS"
    ));
}
