//! Exposure and NetworkPolicy semantics on real public manifests (`shared/corpus`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kubepath_engine::netpol::{Peer, Verdict};
use kubepath_engine::{Index, Snapshot, build_graph, ingest::snapshot_from_values};

fn corpus() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"))
}

/// The YAML files of corpus folders (sorted), loaded together.
fn snapshot_of(dirs: &[&str], files: &[&str]) -> Snapshot {
    let mut paths: Vec<PathBuf> = Vec::new();
    for d in dirs {
        let dir = corpus().join(d);
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("corpus folder {} unreadable: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        found.sort();
        paths.extend(found);
    }
    paths.extend(files.iter().map(|f| corpus().join(f)));
    let mut docs: Vec<serde_json::Value> = Vec::new();
    for f in &paths {
        docs.extend(parse(f));
    }
    let (snapshot, errors) = snapshot_from_values(docs, "default");
    assert!(errors.is_empty(), "corpus rejected: {errors:?}");
    snapshot
}

fn parse(f: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(f)
        .unwrap_or_else(|e| panic!("corpus file {} unreadable: {e}", f.display()));
    serde_saphyr::from_multiple(&text)
        .unwrap_or_else(|e| panic!("corpus file {} is not YAML: {e}", f.display()))
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// kube-prometheus's grafana NetworkPolicy admits only pods labelled
/// `app.kubernetes.io/name: prometheus` of `monitoring` (on port 3000, which reachability
/// ignores), and isolates grafana's egress with a rule (`- {}`) that admits everything.
#[test]
fn kube_prometheus_grafana_admits_only_prometheus_pods() {
    let snap = snapshot_of(&["kube-prometheus"], &[]);
    assert_eq!(snap.network_policies.len(), 8);
    let ix = Index::new(&snap);
    let netpol_warnings: Vec<_> = ix
        .warnings
        .iter()
        .filter(|w| {
            w.object
                .as_deref()
                .is_some_and(|o| o.starts_with("NetworkPolicy/"))
        })
        .collect();
    assert!(netpol_warnings.is_empty(), "{netpol_warnings:?}");

    let grafana = ix
        .workloads
        .iter()
        .find(|w| w.id == "workload:monitoring/Deployment/grafana");
    let grafana = grafana.expect("grafana Deployment");
    // The Prometheus pods (made by the operator from the Prometheus resource) carry this label.
    let prometheus = labels(&[
        ("app.kubernetes.io/name", "prometheus"),
        ("app.kubernetes.io/instance", "k8s"),
    ]);
    let from_prometheus = ix.netpol.ingress(
        grafana,
        Peer::Pod {
            namespace: "monitoring",
            labels: &prometheus,
        },
    );
    let Verdict::Allowed(why) = from_prometheus else {
        panic!("grafana must admit prometheus: {from_prometheus:?}");
    };
    assert!(
        why.iter()
            .any(|e| e.object == "NetworkPolicy/monitoring/grafana"
                && e.field == "spec.ingress[0].from[0]")
    );
    // The same labels in another namespace, or another app in monitoring, are refused.
    assert!(
        !ix.netpol
            .ingress(
                grafana,
                Peer::Pod {
                    namespace: "default",
                    labels: &prometheus,
                },
            )
            .admits()
    );
    let blackbox = labels(&[("app.kubernetes.io/name", "blackbox-exporter")]);
    assert!(
        !ix.netpol
            .ingress(
                grafana,
                Peer::Pod {
                    namespace: "monitoring",
                    labels: &blackbox,
                },
            )
            .admits()
    );
    assert!(!ix.netpol.ingress(grafana, Peer::AnyPod).admits());
    assert!(ix.netpol.egress(grafana, Peer::AnyPod).admits());

    let (g, _) = build_graph(&snap);
    let grafana_id = "workload:monitoring/Deployment/grafana";
    assert!(!g.has_edge("network:cluster", grafana_id, "LATERAL_NETWORK"));
    assert!(g.has_edge(grafana_id, "network:cluster", "LATERAL_NETWORK"));
    // node-exporter runs on the host network, where NetworkPolicy does not apply.
    assert!(g.has_edge(
        "network:cluster",
        "workload:monitoring/DaemonSet/node-exporter",
        "LATERAL_NETWORK"
    ));
}

/// The Dashboard v3 Ingress (class `nginx`) is reached through the ingress-nginx controller:
/// IngressClass `nginx` names `k8s.io/ingress-nginx`, the controller's args carry
/// `--controller-class=k8s.io/ingress-nginx`, and its NLB Service is internet-facing.
#[test]
fn dashboard_ingress_is_internet_facing_through_the_ingress_nginx_load_balancer() {
    let with_controller = snapshot_of(
        &["ingress-nginx"],
        &["variants/kubernetes-dashboard/kubernetes-dashboard-v3-single-yaml.yaml"],
    );
    let (g, _) = build_graph(&with_controller);
    assert!(g.has_edge(
        "internet",
        "service:ingress-nginx/ingress-nginx-controller",
        "EXPOSED_LOADBALANCER"
    ));
    let ingress = "ingress:kubernetes-dashboard/kubernetes-dashboard";
    let edges = g.edges_of("EXPOSED_INGRESS");
    let entry = edges
        .iter()
        .find(|(f, t, _)| *f == "internet" && *t == ingress);
    let entry = entry.expect("internet -> dashboard ingress");
    assert_eq!(entry.2.likelihood, 0.9);
    assert!(entry.2.evidence.iter().any(|e| e.object
        == "Service/ingress-nginx/ingress-nginx-controller"
        && e.field == "spec.type"));
    assert!(entry.2.evidence.iter().any(|e| e.object
        == "Deployment/ingress-nginx/ingress-nginx-controller"
        && e.detail == "--controller-class=k8s.io/ingress-nginx"));
    assert!(g.has_edge(
        ingress,
        "service:kubernetes-dashboard/kubernetes-dashboard-web",
        "EXPOSED_INGRESS"
    ));

    // The Dashboard alone (a shift-left scan of its manifests): the controller is not in
    // the input, so the Ingress is assumed internet-facing with a lower likelihood.
    let alone = snapshot_of(
        &[],
        &["variants/kubernetes-dashboard/kubernetes-dashboard-v3-single-yaml.yaml"],
    );
    let (g, _) = build_graph(&alone);
    let edges = g.edges_of("EXPOSED_INGRESS");
    let entry = edges
        .iter()
        .find(|(f, t, _)| *f == "internet" && *t == ingress);
    let entry = entry.expect("assumed internet-facing");
    assert!(entry.2.likelihood < 0.9);
    assert!(entry.2.evidence.iter().any(|e| {
        e.detail
            .contains("controller not in the input; assumed internet-facing")
    }));
}

/// Argo CD's argocd-server policy has one rule with no `from` (`ingress: [{}]`): every
/// source, so the server stays reachable from any pod; its repo-server admits only named
/// Argo CD pods plus every namespace on the metrics port (8084), which is "any pod".
#[test]
fn argo_cd_policies_evaluate_with_their_real_semantics() {
    let snap = snapshot_of(&["argo-cd"], &[]);
    let ix = Index::new(&snap);
    let find = |id: &str| ix.workloads.iter().find(|w| w.id == id);
    let server = find("workload:default/Deployment/argocd-server").expect("argocd-server");
    assert!(matches!(
        ix.netpol.ingress(server, Peer::AnyPod),
        Verdict::Allowed(_)
    ));
    let redis = find("workload:default/Deployment/argocd-redis").expect("argocd-redis");
    assert!(!ix.netpol.ingress(redis, Peer::AnyPod).admits());
    let app_controller = labels(&[("app.kubernetes.io/name", "argocd-application-controller")]);
    assert!(
        ix.netpol
            .ingress(
                redis,
                Peer::Pod {
                    namespace: "default",
                    labels: &app_controller,
                },
            )
            .admits()
    );
    let repo = find("workload:default/Deployment/argocd-repo-server").expect("repo-server");
    assert!(ix.netpol.ingress(repo, Peer::AnyPod).admits());
}
