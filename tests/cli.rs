//! End-to-end tests of the `kubepath` binary on the bundled samples and the shared corpus.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus(sub: &str) -> String {
    root()
        .join("../shared/corpus")
        .join(sub)
        .to_string_lossy()
        .into_owned()
}

fn kubepath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubepath"))
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100")
        .output()
        .expect("the kubepath binary runs")
}

fn json(args: &[&str]) -> Value {
    let out = kubepath(args);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(3),
        "kubepath {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

fn has_edge(graph: &Value, from: &str, to: &str, technique: &str) -> bool {
    graph["edges"].as_array().is_some_and(|edges| {
        edges
            .iter()
            .any(|e| e["from"] == from && e["to"] == to && e["technique"] == technique)
    })
}

#[test]
fn eks_demo_has_an_internet_to_aws_admin_chain_with_explained_steps() {
    let doc = json(&["scan", "samples/eks-demo", "--format", "json"]);
    assert_eq!(doc["schema"], "kubepath/v1");
    let paths = doc["paths"].as_array().expect("paths");
    let aws = paths
        .iter()
        .find(|p| {
            p["source"] == "internet"
                && p["target"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("aws-admin:"))
        })
        .expect("an internet -> aws-admin chain");
    for step in aws["steps"].as_array().expect("steps") {
        assert!(step["technique"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(
            step["evidence"].as_array().is_some_and(|e| !e.is_empty()),
            "{step}"
        );
        assert!(step["remediation"].as_str().is_some_and(|r| !r.is_empty()));
    }
    assert!(
        paths
            .iter()
            .any(|p| p["source"] == "internet" && p["target"] == "cluster-admin")
    );
}

#[test]
fn fail_on_low_exits_3_on_eks_demo_and_0_on_hardened() {
    assert_eq!(
        kubepath(&["scan", "samples/eks-demo", "--fail-on", "low"])
            .status
            .code(),
        Some(3)
    );
    let hardened = kubepath(&["scan", "samples/hardened", "--fail-on", "low"]);
    assert_eq!(
        hardened.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&hardened.stdout)
    );
}

#[test]
fn hardened_has_no_chain() {
    let doc = json(&["scan", "samples/hardened", "--format", "json"]);
    assert_eq!(doc["paths"].as_array().map(Vec::len), Some(0));
    assert_eq!(doc["summary"]["chains"], 0);
}

#[test]
fn missing_path_is_an_input_error() {
    let out = kubepath(&["scan", "does/not/exist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does/not/exist"));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    assert_eq!(
        kubepath(&["scan", "samples/eks-demo", "--bogus"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn table_and_json_of_eks_demo_are_stable() {
    let table = kubepath(&["scan", "samples/eks-demo"]);
    insta::assert_snapshot!("eks_demo_table", String::from_utf8_lossy(&table.stdout));
    let doc = json(&["scan", "samples/eks-demo", "--format", "json"]);
    insta::assert_json_snapshot!("eks_demo_json", doc);
}

#[test]
fn table_fits_100_columns_except_long_ids() {
    let out = kubepath(&["scan", "samples/eks-demo"]);
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if line.chars().count() > 100 {
            // Only an unbreakable token (an id or ARN) may overflow.
            let longest = line
                .split(' ')
                .map(|w| w.chars().count())
                .max()
                .unwrap_or(0);
            assert!(longest > 60, "line over 100 columns: {line}");
        }
    }
}

#[test]
fn corpus_argo_cd_application_controller_is_cluster_admin() {
    let g = json(&["graph", &corpus("argo-cd"), "--namespace", "argocd"]);
    assert!(has_edge(
        &g,
        "sa:argocd/argocd-application-controller",
        "cluster-admin",
        "RBAC_CLUSTER_ADMIN"
    ));
}

#[test]
fn corpus_ingress_nginx_controller_is_an_internet_load_balancer() {
    let g = json(&["graph", &corpus("ingress-nginx")]);
    assert!(has_edge(
        &g,
        "internet",
        "service:ingress-nginx/ingress-nginx-controller",
        "EXPOSED_LOADBALANCER"
    ));
}

#[test]
fn corpus_prometheus_operator_reads_secrets_cluster_wide() {
    let g = json(&["graph", &corpus("kube-prometheus")]);
    assert!(has_edge(
        &g,
        "sa:monitoring/prometheus-operator",
        "secret:*/*",
        "RBAC_READ_SECRETS"
    ));
}

#[test]
fn corpus_badpods_privileged_escapes_and_nothing_allowed_does_not() {
    let g = json(&["graph", &corpus("badpods")]);
    let edges = g["edges"].as_array().expect("edges");
    let escapes_from = |w: &str| {
        edges.iter().any(|e| {
            e["from"] == w
                && e["technique"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("ESCAPE_"))
        })
    };
    assert!(has_edge(
        &g,
        "workload:default/Pod/priv-exec-pod",
        "node:*",
        "ESCAPE_PRIVILEGED"
    ));
    assert!(escapes_from(
        "workload:default/Pod/everything-allowed-exec-pod"
    ));
    assert!(!escapes_from(
        "workload:default/Pod/nothing-allowed-exec-pod"
    ));
}

#[test]
fn corpus_loads_without_errors() {
    let folders: Vec<String> = std::fs::read_dir(root().join("../shared/corpus"))
        .expect("../shared/corpus beside the checkout")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir() && e.file_name() != "variants")
        .map(|e| e.path().to_string_lossy().into_owned())
        .collect();
    assert!(folders.len() >= 10);
    let mut args = vec!["scan", "--format", "json", "--namespace", "default"];
    args.extend(folders.iter().map(String::as_str));
    let doc = json(&args);
    let warnings = doc["warnings"].as_array().expect("warnings");
    for w in warnings {
        let msg = w["message"].as_str().unwrap_or("");
        // The corpus README documents one real overlap: metrics-server and prometheus-adapter
        // both define this ClusterRole (a real cluster runs one of them).
        let known_overlap = w["object"] == "ClusterRole/system:aggregated-metrics-reader";
        assert!(
            msg.starts_with("skipped ") || known_overlap,
            "unexpected warning: {w}"
        );
    }
    assert!(
        doc["summary"]["input"]["objects"]["Deployment"]
            .as_u64()
            .unwrap_or(0)
            > 20
    );
}

#[test]
fn output_does_not_depend_on_the_order_of_inputs() {
    let parts = ["iam", "live", "manifests", "eks"].map(|p| format!("samples/eks-demo/{p}"));
    let mut forward = vec!["scan", "--format", "json"];
    forward.extend(parts.iter().map(String::as_str));
    let mut backward = vec!["scan", "--format", "json"];
    backward.extend(parts.iter().rev().map(String::as_str));
    let (a, b) = (json(&forward), json(&backward));
    assert_eq!(a["paths"], b["paths"]);
    assert_eq!(a["summary"], b["summary"]);
    assert!(!a["paths"].as_array().is_some_and(Vec::is_empty));
}

#[test]
fn graph_json_is_byte_for_byte_repeatable() {
    let a = kubepath(&["graph", "samples/eks-demo"]);
    let b = kubepath(&["graph", "samples/eks-demo"]);
    assert_eq!(a.stdout, b.stdout);
    let g: Value = serde_json::from_slice(&a.stdout).expect("graph JSON");
    assert_eq!(g["schema"], "kubepath/v1");
    // Every edge carries the contract's fields.
    for e in g["edges"].as_array().expect("edges") {
        for k in ["from", "to", "technique", "likelihood", "evidence"] {
            assert!(!e[k].is_null(), "edge without {k}: {e}");
        }
    }
}

#[test]
fn eks_demo_bridges_iam_and_the_cluster_in_both_directions() {
    let g = json(&["graph", "samples/eks-demo", "--format", "json"]);
    let role = |n: &str| format!("aws-role:arn:aws:iam::111122223333:role/{n}");
    // Back into the cluster: the release role is mapped to system:masters in aws-auth.
    assert!(has_edge(
        &g,
        &role("shop-release"),
        "cluster-admin",
        "EKS_ACCESS_MAP"
    ));
    // Out of it: pod identity, and the node role through IMDS.
    assert!(has_edge(
        &g,
        "sa:monitoring/prometheus-k8s",
        &role("workloads/prometheus-amp-writer"),
        "EKS_POD_IDENTITY"
    ));
    assert!(has_edge(
        &g,
        "workload:shop/Deployment/storefront",
        &role("shop-prod-eks-node"),
        "IMDS_NODE_ROLE"
    ));
    // An access entry's namespace-scoped Edit policy creates pods in `shop` only.
    assert!(has_edge(
        &g,
        &role("github-actions-deploy"),
        "sa:shop/storefront",
        "EKS_ACCESS_MAP"
    ));
    assert!(!has_edge(
        &g,
        &role("github-actions-deploy"),
        "sa:payments/checkout-api",
        "EKS_ACCESS_MAP"
    ));
    // The hardened estate says pods cannot reach IMDS and maps the release role to a
    // namespaced group.
    let h = json(&["graph", "samples/hardened", "--format", "json"]);
    assert!(!has_edge(
        &h,
        "workload:shop/Deployment/storefront",
        &role("shop-prod-eks-node"),
        "IMDS_NODE_ROLE"
    ));
    assert!(!has_edge(
        &h,
        &role("shop-release"),
        "cluster-admin",
        "EKS_ACCESS_MAP"
    ));
}

#[test]
fn corpus_kubernetes_goat_nodeport_is_exposed_and_superadmin_is_cluster_admin() {
    let g = json(&["graph", &corpus("kubernetes-goat")]);
    assert!(has_edge(
        &g,
        "internet",
        "service:default/internal-proxy-info-app-service",
        "EXPOSED_NODEPORT"
    ));
    assert!(has_edge(
        &g,
        "service:default/internal-proxy-info-app-service",
        "workload:default/Deployment/internal-proxy-deployment",
        "APP_COMPROMISE"
    ));
    assert!(has_edge(
        &g,
        "sa:kube-system/superadmin",
        "cluster-admin",
        "RBAC_CLUSTER_ADMIN"
    ));
    for w in ["docker-bench-security", "health-check-deployment"] {
        let kind = if w == "docker-bench-security" {
            "DaemonSet"
        } else {
            "Deployment"
        };
        let from = format!("workload:default/{kind}/{w}");
        let socket = g["edges"].as_array().is_some_and(|edges| {
            edges
                .iter()
                .any(|e| e["from"] == from.as_str() && e["technique"] == "ESCAPE_RUNTIME_SOCKET")
        });
        assert!(socket, "{from} mounts a container runtime socket");
    }
}

#[test]
fn corpus_as_one_cluster_has_the_lateral_chain_through_the_goat_socket_pod() {
    // Every main folder loaded together (argo-cd objects land in `default` here). The chain
    // documented in docs/corpus-results.md: the public ingress-nginx controller reaches the
    // flat pod network, the privileged health-check pod (containerd socket) escapes to a node,
    // the node holds prometheus-operator's token, whose ClusterRole creates StatefulSets in any
    // namespace, so it runs a pod as kube-system/superadmin, bound to cluster-admin.
    let folders: Vec<String> = std::fs::read_dir(root().join("../shared/corpus"))
        .expect("../shared/corpus beside the checkout")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir() && e.file_name() != "variants")
        .map(|e| e.path().to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["scan", "--format", "json"];
    args.extend(folders.iter().map(String::as_str));
    let doc = json(&args);
    let paths = doc["paths"].as_array().expect("paths");
    let hit = paths.iter().any(|p| {
        let nodes: Vec<&str> = p["nodes"]
            .as_array()
            .map_or(Vec::new(), |n| n.iter().filter_map(Value::as_str).collect());
        nodes.first() == Some(&"internet")
            && nodes.contains(&"workload:default/Deployment/health-check-deployment")
            && nodes.contains(&"sa:kube-system/superadmin")
            && nodes.last() == Some(&"cluster-admin")
    });
    assert!(
        hit,
        "{}",
        serde_json::to_string_pretty(paths).unwrap_or_default()
    );
}

#[test]
fn gke_demo_reaches_gcp_admin_from_the_internet_and_gke_hardened_does_not() {
    let doc = json(&["scan", "samples/gke-demo", "--format", "json"]);
    assert_eq!(
        doc["warnings"].as_array().map(Vec::len),
        Some(0),
        "{}",
        doc["warnings"]
    );
    let paths = doc["paths"].as_array().expect("paths");
    let gcp: Vec<&Value> = paths
        .iter()
        .filter(|p| {
            p["source"] == "internet"
                && p["target"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("gcp-admin:"))
        })
        .collect();
    assert!(!gcp.is_empty(), "no internet -> gcp-admin chain");
    let techniques: Vec<&str> = gcp
        .iter()
        .flat_map(|p| p["steps"].as_array().into_iter().flatten())
        .filter_map(|s| s["technique"].as_str())
        .collect();
    for t in [
        "GKE_WORKLOAD_IDENTITY",
        "GCP_IMPERSONATE",
        "GCP_ADMIN",
        "IMDS_NODE_ROLE",
    ] {
        assert!(techniques.contains(&t), "{t} not on a gcp-admin chain");
    }
    for step in gcp
        .iter()
        .flat_map(|p| p["steps"].as_array().into_iter().flatten())
    {
        assert!(
            step["evidence"].as_array().is_some_and(|e| !e.is_empty()),
            "{step}"
        );
        assert!(step["remediation"].as_str().is_some_and(|r| !r.is_empty()));
    }

    let hardened = json(&["scan", "samples/gke-hardened", "--format", "json"]);
    assert_eq!(hardened["paths"].as_array().map(Vec::len), Some(0));
    assert_eq!(hardened["summary"]["chains"], 0);
    assert_eq!(hardened["warnings"].as_array().map(Vec::len), Some(0));
    // The Workload Identity bindings themselves remain: only the escalations are gone.
    let g = json(&["graph", "samples/gke-hardened", "--format", "json"]);
    assert!(has_edge(
        &g,
        "sa:shop/storefront",
        "gcp-sa:storefront@shop-prod-4821.iam.gserviceaccount.com",
        "GKE_WORKLOAD_IDENTITY"
    ));
}

#[test]
fn aks_demo_has_an_internet_to_azure_admin_chain_and_aks_hardened_has_none() {
    let doc = json(&["scan", "samples/aks-demo", "--format", "json"]);
    assert_eq!(
        doc["warnings"],
        serde_json::json!([]),
        "{}",
        doc["warnings"]
    );
    let paths = doc["paths"].as_array().expect("paths");
    let chain = paths
        .iter()
        .find(|p| {
            p["source"] == "internet"
                && p["target"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("azure-admin:"))
        })
        .expect("an internet -> azure-admin chain");
    let techniques: Vec<&str> = chain["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["technique"].as_str())
        .collect();
    for t in [
        "AKS_WORKLOAD_IDENTITY",
        "AZURE_FEDERATED_CREDENTIAL_WRITE",
        "AZURE_ADMIN",
    ] {
        assert!(techniques.contains(&t), "{techniques:?}");
    }
    let g = json(&["graph", "samples/aks-demo", "--format", "json"]);
    assert!(
        g["edges"]
            .as_array()
            .is_some_and(|edges| edges.iter().any(|e| {
                e["technique"] == "IMDS_NODE_ROLE"
                    && e["from"] == "node:*"
                    && e["to"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("azure-identity:"))
            }))
    );

    let hardened = json(&["scan", "samples/aks-hardened", "--format", "json"]);
    assert_eq!(hardened["warnings"], serde_json::json!([]));
    assert_eq!(
        hardened["paths"],
        serde_json::json!([]),
        "{}",
        hardened["paths"]
    );
}

/// A copy of `samples/eks-demo` in a fresh temporary folder, with or without its scan reports.
fn eks_demo_copy(with_scans: bool, tag: &str) -> PathBuf {
    fn copy(from: &std::path::Path, to: &std::path::Path, skip: &str) {
        std::fs::create_dir_all(to).expect("create the copy");
        for entry in std::fs::read_dir(from).expect("read the sample") {
            let entry = entry.expect("sample entry");
            let (src, dst) = (entry.path(), to.join(entry.file_name()));
            if entry.file_name() == skip {
                continue;
            }
            if src.is_dir() {
                copy(&src, &dst, skip);
            } else {
                std::fs::copy(&src, &dst).expect("copy a sample file");
            }
        }
    }
    let dir = std::env::temp_dir().join(format!("kubepath-vuln-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy(
        &root().join("samples/eks-demo"),
        &dir,
        if with_scans { "" } else { "scans" },
    );
    dir
}

/// Entry workload (the first `workload:` node) and target of each listed chain.
fn chain_entries(doc: &Value) -> Vec<(String, String)> {
    doc["paths"]
        .as_array()
        .expect("paths")
        .iter()
        .map(|p| {
            let entry = p["nodes"]
                .as_array()
                .and_then(|n| {
                    n.iter()
                        .find_map(|n| n.as_str().filter(|s| s.starts_with("workload:")))
                })
                .unwrap_or_default();
            (
                entry.to_string(),
                p["target"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_critical_network_cve_ranks_its_workloads_chains_first_and_without_scans_nothing_changes() {
    let without = eks_demo_copy(false, "without");
    let doc = json(&[
        "scan",
        without.to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    // The ranking of the sample before vulnerability context existed (partner-webhooks ->
    // aws-admin through cluster-admin's token minting since cluster-admin is a hub).
    let before: Vec<(String, String)> = [
        ("workload:payments/Deployment/checkout-api", "cluster-admin"),
        (
            "workload:shop/Deployment/storefront",
            "aws-admin:111122223333",
        ),
        (
            "workload:payments/Deployment/checkout-api",
            "aws-admin:111122223333",
        ),
        ("workload:ci/StatefulSet/jenkins", "cluster-admin"),
        ("workload:ci/StatefulSet/jenkins", "aws-admin:111122223333"),
        ("workload:shop/Deployment/storefront", "cluster-admin"),
        (
            "workload:payments/Deployment/partner-webhooks",
            "cluster-admin",
        ),
        (
            "workload:payments/Deployment/partner-webhooks",
            "aws-admin:111122223333",
        ),
        (
            "workload:ingress-nginx/Deployment/ingress-nginx-controller",
            "cluster-admin",
        ),
        (
            "workload:ingress-nginx/Deployment/ingress-nginx-controller",
            "aws-admin:111122223333",
        ),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(chain_entries(&doc), before);
    assert!(doc["summary"].get("not_covered_by_scan").is_none());
    assert!(!doc.to_string().contains("CVE-"));

    let with = eks_demo_copy(true, "with");
    let doc = json(&[
        "scan",
        with.to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    let entries = chain_entries(&doc);
    let storefront = "workload:shop/Deployment/storefront";
    let n = entries.iter().filter(|(e, _)| e == storefront).count();
    assert_eq!(n, 2, "{entries:?}");
    assert!(
        entries[..n].iter().all(|(e, _)| e == storefront),
        "{entries:?}"
    );
    for p in &doc["paths"].as_array().expect("paths")[..n] {
        let entry = p["steps"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["technique"] == "APP_COMPROMISE"))
            .expect("an entry step");
        assert_eq!(entry["likelihood"], 0.95);
        let named = entry["evidence"].as_array().is_some_and(|ev| {
            ev.iter().any(|e| {
                e["detail"].as_str().is_some_and(|d| {
                    d.starts_with("CVE-2021-44228 (critical, network, KEV) in org.apache.logging.log4j:log4j-core 2.14.1, fixed in 2.15.0")
                }) && e["file"].as_str().is_some_and(|f| f.ends_with("trivy-storefront.json"))
            })
        });
        assert!(named, "{entry}");
        assert!(entry["remediation"].as_str().is_some_and(|r| r.starts_with(
            "Upgrade org.apache.logging.log4j:log4j-core to 2.15.0 in 111122223333.dkr.ecr.us-east-1.amazonaws.com/shop/storefront:4.18.2"
        )));
    }
    let uncovered = doc["summary"]["not_covered_by_scan"]
        .as_array()
        .expect("listed");
    assert!(
        uncovered
            .iter()
            .any(|w| w == "workload:ci/StatefulSet/jenkins")
    );
    assert!(!uncovered.iter().any(|w| w == storefront));
    let _ = std::fs::remove_dir_all(without);
    let _ = std::fs::remove_dir_all(with);
}

#[test]
fn hardened_with_the_same_scan_reports_still_has_no_chain() {
    assert!(
        root()
            .join("samples/hardened/scans/trivy-storefront.json")
            .is_file()
    );
    let doc = json(&["scan", "samples/hardened", "--format", "json"]);
    assert_eq!(doc["summary"]["chains"], 0);
    assert!(doc["summary"]["not_covered_by_scan"].is_array());
}
