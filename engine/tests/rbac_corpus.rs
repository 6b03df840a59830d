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
    // argocd-server has get,patch,delete on */* cluster-wide: `get` reads the Secrets known
    // by name anywhere, its Role lists those of argocd; it is not admin.
    let server = "sa:argocd/argocd-server";
    assert!(g.has_edge(server, "secret:argocd/argocd-secret", "RBAC_READ_SECRETS"));
    assert!(g.has_edge(server, "secret:argocd/*", "RBAC_READ_SECRETS"));
    assert!(!g.has_edge(server, "secret:*/*", "RBAC_READ_SECRETS"));
    assert!(!g.has_edge(server, "cluster-admin", "RBAC_CLUSTER_ADMIN"));
}

#[test]
fn argocd_server_patch_everything_changes_every_workload() {
    let g = graph_of(&[corpus("argo-cd/install.yaml")], "argocd");
    let server = "sa:argocd/argocd-server";
    // patch on */* covers the StatefulSet's template: it may run as the cluster-admin
    // application controller's service account, or privileged on a node.
    assert!(g.has_edge(
        server,
        "sa:argocd/argocd-application-controller",
        "RBAC_PATCH_WORKLOAD"
    ));
    assert!(g.has_edge(server, "node:*", "RBAC_PATCH_WORKLOAD"));
    assert!(g.has_edge(
        server,
        "workload:argocd/StatefulSet/argocd-application-controller",
        "RBAC_PATCH_WORKLOAD"
    ));
    // patch on */* also covers pods/ephemeralcontainers, the webhook configurations and
    // the kube-system ConfigMaps (aws-auth); get on */* covers nodes/proxy and pods/exec.
    assert!(g.has_edge(
        server,
        "workload:argocd/Deployment/argocd-repo-server",
        "RBAC_EPHEMERAL_CONTAINER"
    ));
    assert!(g.has_edge(server, "cluster-admin", "RBAC_WEBHOOK_WRITE"));
    assert!(g.has_edge(server, "cluster-admin", "RBAC_AWS_AUTH_WRITE"));
    assert!(g.has_edge(server, "node:*", "RBAC_NODES_PROXY"));
    assert!(g.has_edge(
        server,
        "workload:argocd/Deployment/argocd-repo-server",
        "RBAC_POD_EXEC"
    ));
    // It has no bind, escalate, impersonate or token creation, and creates no CSRs.
    for t in [
        "RBAC_BIND",
        "RBAC_ESCALATE",
        "RBAC_IMPERSONATE",
        "RBAC_TOKEN_REQUEST",
        "RBAC_CSR_APPROVE",
    ] {
        assert!(!g.techniques_from(server).contains(&t), "{t}");
    }
    // The other argocd service accounts only read secrets.
    for sa in [
        "argocd-dex-server",
        "argocd-redis",
        "argocd-notifications-controller",
    ] {
        assert_eq!(
            g.techniques_from(&format!("sa:argocd/{sa}")),
            ["RBAC_READ_SECRETS"],
            "{sa}"
        );
    }
}

#[test]
fn kubernetes_goat_superadmin_is_cluster_admin_every_way() {
    let g = graph_of(
        &[corpus("kubernetes-goat/insecure-rbac-setup.yaml")],
        "default",
    );
    let sa = "sa:kube-system/superadmin";
    assert!(g.has_edge(sa, "cluster-admin", "RBAC_CLUSTER_ADMIN"));
    // `*` on `*` cluster-wide is that one edge: what it allows (RBAC_BIND, RBAC_ESCALATE,
    // RBAC_IMPERSONATE, ... into cluster-admin itself, and everything below) are the steps
    // out of the `cluster-admin` node, shared by every holder.
    assert_eq!(g.techniques_from(sa), ["RBAC_CLUSTER_ADMIN"]);
    let hub = "cluster-admin";
    assert!(g.has_edge(hub, "secret:*/*", "RBAC_READ_SECRETS"));
    assert!(g.has_edge(hub, "node:*", "RBAC_NODES_PROXY"));
    assert!(g.has_edge(hub, "node:*", "RBAC_CREATE_WORKLOAD"));
    assert!(g.has_edge(hub, sa, "RBAC_TOKEN_REQUEST"));
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
