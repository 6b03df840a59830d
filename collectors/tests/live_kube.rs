//! The live Kubernetes collector against the test API server (TLS, bearer token, the real
//! list protocol) serving the shared corpus: kubeconfig file -> kube client -> collector ->
//! snapshot folder -> offline reader and engine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kubepath_collectors::live::kube::{KubeOptions, Limits, collect};
use kubepath_collectors::live::{Collection, write_snapshot};
use kubepath_collectors::{FileOptions, load_paths};
use kubepath_engine::Snapshot;
use kubepath_engine::search::Options;
use kubepath_testsupport::{ApiServer, load_objects};
use serde_json::{Value, json};

const MARKER: &str = "kubepath-secret-marker-7f3a";
const MARKER_B64: &str = "a3ViZXBhdGgtc2VjcmV0LW1hcmtlci03ZjNh";
const ISSUER: &str = "https://oidc.eks.eu-west-1.amazonaws.com/id/TESTCLUSTER";

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kubepath-live-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create a temp dir");
    d
}

/// Secrets with values in every place a value can hide.
fn seeded_secrets() -> Vec<Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
               "metadata": {"name": "db", "namespace": "default",
                 "annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                   format!("{{\"data\":{{\"password\":\"{MARKER_B64}\"}}}}")}},
               "data": {"password": MARKER_B64}, "stringData": {"password": MARKER}}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
               "metadata": {"name": "deployer-token", "namespace": "default",
                 "annotations": {"kubernetes.io/service-account.name": "deployer"}},
               "data": {"token": MARKER_B64}}),
    ]
}

fn server() -> ApiServer {
    let mut objects = load_objects(&corpus());
    assert!(
        objects.len() > 200,
        "the corpus at {} holds {} servable objects",
        corpus().display(),
        objects.len()
    );
    objects.extend(seeded_secrets());
    let s = ApiServer::start(objects);
    s.set_issuer(ISSUER);
    s
}

fn options(kubeconfig: &Path) -> KubeOptions {
    KubeOptions {
        kubeconfig: Some(kubeconfig.to_path_buf()),
        page_size: 7,
        limits: Limits {
            qps: 0.0,
            ..Limits::default()
        },
        ..KubeOptions::default()
    }
}

async fn collect_into(server: &ApiServer, name: &str) -> (Collection, PathBuf) {
    let dir = temp(name);
    let kubeconfig = server.write_kubeconfig(&dir);
    let c = collect(&options(&kubeconfig)).await;
    assert_eq!(c.skipped, None);
    let out = dir.join("snapshot");
    write_snapshot(&out, &[&c]).expect("the snapshot is written");
    (c, out)
}

fn load(dir: &Path) -> Snapshot {
    load_paths(&[dir.to_path_buf()], &FileOptions::default())
        .expect("the snapshot is read")
        .0
}

/// The server's objects as one offline `List` file, with the same facts file.
fn offline(server: &ApiServer, name: &str) -> Snapshot {
    let dir = temp(name);
    let list = json!({"apiVersion": "v1", "kind": "List", "items": server.objects()});
    std::fs::write(dir.join("objects.json"), list.to_string()).unwrap();
    std::fs::write(
        dir.join("kubepath.yaml"),
        format!("apiVersion: kubepath.dev/v1\nkind: Facts\noidcIssuer: {ISSUER}\n"),
    )
    .unwrap();
    load(&dir)
}

fn counts(s: &Snapshot) -> BTreeMap<&'static str, usize> {
    BTreeMap::from([
        ("workloads", s.workloads.len()),
        ("service_accounts", s.service_accounts.len()),
        ("roles", s.roles.len()),
        ("bindings", s.bindings.len()),
        ("services", s.services.len()),
        ("ingresses", s.ingresses.len()),
        ("nodes", s.nodes.len()),
        ("namespaces", s.namespaces.len()),
        ("secrets", s.secrets.len()),
        ("network_policies", s.network_policies.len()),
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn complete_collection_across_pages_with_a_410_mid_list_gives_the_offline_findings() {
    let server = server();
    server.expire_next_continue("clusterroles");
    server.expire_next_continue("pods");
    let (c, dir) = collect_into(&server, "complete").await;
    assert_eq!(c.gaps, [], "no gap expected");
    assert_eq!(c.facts.oidc_issuer.as_deref(), Some(ISSUER));
    assert_eq!(c.facts.kubernetes_version.as_deref(), Some("v1.35.0-test"));

    let reqs = server.requests();
    let expired: Vec<_> = reqs.iter().filter(|r| r.status == 410).collect();
    assert_eq!(expired.len(), 2, "two lists were expired mid-way");
    // Each expired list started over: a first page (no continue token) after the 410.
    for e in &expired {
        let i = reqs.iter().position(|r| r == *e).unwrap();
        assert!(
            reqs[i..]
                .iter()
                .any(|r| r.path == e.path && !r.query.contains("continue=") && r.status == 200),
            "{} was not restarted",
            e.path
        );
    }
    let pages = reqs
        .iter()
        .filter(|r| r.path == "/apis/rbac.authorization.k8s.io/v1/clusterroles")
        .count();
    assert!(pages > 3, "clusterroles came in {pages} pages");

    let live = load(&dir);
    let off = offline(&server, "complete-offline");
    assert_eq!(counts(&live), counts(&off));
    assert!(live.workloads.len() > 50, "{}", live.workloads.len());

    let opts = Options::default();
    let a = kubepath_engine::analyze(&live, &opts);
    let b = kubepath_engine::analyze(&off, &opts);
    let chains = |x: &kubepath_engine::Analysis| -> Vec<(String, String, Vec<String>)> {
        x.chains
            .iter()
            .map(|c| {
                (
                    c.source.clone(),
                    c.target.clone(),
                    c.nodes().iter().map(|n| n.to_string()).collect(),
                )
            })
            .collect()
    };
    assert!(!chains(&a).is_empty(), "the corpus has chains");
    assert_eq!(chains(&a), chains(&b));
    assert_eq!(a.summary.edges, b.summary.edges);
    assert_eq!(a.summary.nodes, b.summary.nodes);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_value_is_requested_or_written() {
    let server = server();
    let (_, dir) = collect_into(&server, "secrets").await;
    let mut files = Vec::new();
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            if e.path().is_dir() {
                walk(&e.path(), out)
            } else {
                out.push(e.path())
            }
        }
    }
    walk(&dir, &mut files);
    assert!(files.len() > 10);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(
            !text.contains(MARKER),
            "{} holds a secret value",
            f.display()
        );
        assert!(
            !text.contains(MARKER_B64),
            "{} holds a secret value",
            f.display()
        );
    }
    for r in server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/secrets"))
    {
        assert!(
            r.accept.contains("as=PartialObjectMetadataList"),
            "a full Secret list was requested: {r:?}"
        );
    }
    // The type survives the metadata-only list.
    let live = load(&dir);
    let token = live
        .secrets
        .iter()
        .find(|s| s.metadata.name == "deployer-token")
        .expect("the token Secret is collected");
    assert_eq!(
        token.type_.as_deref(),
        Some("kubernetes.io/service-account-token")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn forbidden_kind_and_namespace_are_coverage_gaps() {
    let server = server();
    server.forbid("rolebindings");
    server.forbid_in_namespace("secrets", "kube-system");
    let (c, dir) = collect_into(&server, "forbidden").await;
    let rb = c
        .gaps
        .iter()
        .find(|g| g.what == "rbac.authorization.k8s.io/v1 RoleBinding")
        .expect("RoleBindings are a gap");
    assert_eq!(rb.namespace, None);
    assert!(rb.reason.starts_with("403"), "{}", rb.reason);
    assert!(rb.may_hide.contains("no RoleBindings were visible"));
    let sec = c
        .gaps
        .iter()
        .find(|g| g.what == "v1 Secret")
        .expect("Secrets in kube-system are a gap");
    assert_eq!(sec.namespace.as_deref(), Some("kube-system"));
    assert!(!dir.join("kubernetes/rolebindings.json").exists());

    // Read back into the snapshot, so every report can state them.
    let live = load(&dir);
    assert_eq!(live.coverage, c.gaps);
    assert!(live.bindings.iter().all(|b| b.cluster));
    // Secrets of the other namespaces are still collected.
    assert!(
        live.secrets
            .iter()
            .any(|s| s.metadata.name == "deployer-token")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_token_is_reported_as_skipped_not_as_an_empty_cluster() {
    let server = server();
    let dir = temp("badtoken");
    let kubeconfig = server.write_kubeconfig(&dir);
    let text = std::fs::read_to_string(&kubeconfig)
        .unwrap()
        .replace(&server.token, "wrong");
    std::fs::write(&kubeconfig, text).unwrap();
    let c = collect(&options(&kubeconfig)).await;
    let reason = c.skipped.expect("nothing could be collected");
    assert!(reason.contains("401"), "{reason}");
    assert!(c.files.is_empty());
}

/// deploy/collector-rbac.yaml grants exactly what the collector uses: every path it
/// requested is covered by a rule, and no rule grants more than get/list/watch.
#[tokio::test(flavor = "multi_thread")]
async fn collector_rbac_covers_every_request_and_grants_only_reads() {
    let server = server();
    collect_into(&server, "rbac").await;
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/collector-rbac.yaml"),
    )
    .expect("deploy/collector-rbac.yaml exists");
    let mut rules = Vec::new();
    for doc in text.split("\n---") {
        let v: Value = serde_saphyr::from_str(doc).expect("valid YAML");
        if v["kind"] == "ClusterRole" {
            rules.extend(v["rules"].as_array().cloned().unwrap_or_default());
        }
    }
    assert!(!rules.is_empty());
    let strs = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    for r in &rules {
        for verb in strs(&r["verbs"]) {
            assert!(
                ["get", "list", "watch"].contains(&verb.as_str()),
                "verb {verb} in {r}"
            );
        }
    }
    for req in server.requests() {
        let parts: Vec<&str> = req.path.trim_matches('/').split('/').collect();
        let (group, resource, verb) = match parts.as_slice() {
            ["api", _, "namespaces", _, res, _] => ("", *res, "get"),
            ["api", _, res] | ["api", _, "namespaces", _, res] => ("", *res, "list"),
            ["apis", g, _, res] | ["apis", g, _, "namespaces", _, res] => (*g, *res, "list"),
            _ => {
                let covered = rules.iter().any(|r| {
                    strs(&r["nonResourceURLs"]).iter().any(|u| {
                        u == &req.path
                            || u.strip_suffix('*').is_some_and(|p| req.path.starts_with(p))
                    }) && strs(&r["verbs"]).contains(&"get".to_string())
                });
                assert!(covered, "no rule covers {}", req.path);
                continue;
            }
        };
        let covered = rules.iter().any(|r| {
            strs(&r["apiGroups"]).contains(&group.to_string())
                && strs(&r["resources"]).contains(&resource.to_string())
                && strs(&r["verbs"]).contains(&verb.to_string())
        });
        assert!(covered, "no rule grants {verb} on {group}/{resource}");
    }
}
