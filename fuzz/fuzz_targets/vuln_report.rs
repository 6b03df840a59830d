//! Bytes -> a vulnerability report (Trivy image or cluster report, Grype, CISA KEV) read
//! into a snapshot beside one exposed workload -> the whole analysis. The first line is
//! the workload's image reference (so image normalisation and matching are fuzzed too);
//! the rest is the JSON report. Any panic is a finding, as is a step whose likelihood
//! leaves (0, 1] or an entry step whose evidence names no finding when the report matched.
#![no_main]

use std::path::Path;

use kubepath_engine::ingest::snapshot_from_values;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fn estate(image: &str) -> Vec<Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}},
                                     "spec": {"containers": [
                                         {"name": "app", "image": image},
                                         {"name": "sidecar", "image": "nginx:1.25"}]}}}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": "b"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
               "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "shop"}]}),
    ]
}

fuzz_target!(|data: &[u8]| {
    let (image, report) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b""[..], data),
    };
    let image = String::from_utf8_lossy(image);
    let Ok(value) = serde_json::from_slice::<Value>(report) else {
        return;
    };
    let (mut snapshot, _) = snapshot_from_values(estate(&image), "default");
    if !kubepath_collectors::read_vuln_report(&mut snapshot, Path::new("report.json"), &value) {
        return;
    }
    let analysis = kubepath_engine::analyze(&snapshot, &kubepath_engine::Options::default());
    for chain in &analysis.chains {
        for pair in chain.steps.windows(2) {
            assert_eq!(pair[0].to, pair[1].from, "chain steps do not join");
        }
        for s in &chain.steps {
            assert!(
                s.likelihood > 0.0 && s.likelihood <= 1.0,
                "{} has likelihood {}",
                s.technique,
                s.likelihood
            );
        }
    }
    let ix = kubepath_engine::Index::new(&snapshot);
    for w in &ix.workloads {
        if let Some(u) = kubepath_engine::vuln::upgrade_for(&ix, &w.id) {
            assert!(!u.fixed.is_empty() && !u.package.is_empty(), "{u:?}");
        }
    }
});
