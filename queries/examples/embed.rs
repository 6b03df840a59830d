//! Embedding kubepath as a library: objects in, ranked chains and a report out.
//! Run: `cargo run -p kubepath-queries --example embed`

use kubepath_engine::{Options, analyze, ingest::snapshot_from_values};
use serde_json::json;

fn main() {
    // Any decoded Kubernetes objects (from your own client, a cache, a test...).
    let objects = vec![
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 443}]}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"template": {"metadata": {"labels": {"app": "web"}},
                        "spec": {"serviceAccountName": "web", "containers": [{"name": "app", "image": "web:1"}]}}}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "web-admin"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
               "subjects": [{"kind": "ServiceAccount", "name": "web", "namespace": "shop"}]}),
    ];
    let (snapshot, _errors) = snapshot_from_values(objects, "default");
    let analysis = analyze(&snapshot, &Options::default());
    for chain in &analysis.chains {
        println!(
            "{} {:.2}: {}",
            chain.severity.as_str(),
            chain.score,
            chain.nodes().join(" -> ")
        );
    }
    // Or any report the CLI prints: Markdown here.
    print!(
        "{}",
        kubepath_queries::markdown::scan(&analysis, &Default::default(), &[])
    );
}
