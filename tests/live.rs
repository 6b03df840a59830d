//! The binary's live commands against the test API server: `kubepath collect` writes a
//! snapshot that `kubepath scan DIR` reads with the coverage gaps stated, and `scan --live`
//! finds the same chains.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kubepath_testsupport::{ApiServer, b64, load_objects};
use moto::{ACCOUNT, Moto};

#[path = "../collectors/tests/support/moto.rs"]
mod moto;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kubepath-cli-live-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create a temp dir");
    d
}

fn kubepath(args: &[&str], home: &Path) -> Output {
    kubepath_with(args, home, &[])
}

/// Run the binary with nothing of the machine's cluster or cloud configuration: no
/// kubeconfig, no AWS keys, profiles or instance metadata (only what `env` sets).
fn kubepath_with(args: &[&str], home: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubepath"));
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("no-aws-credentials"),
        );
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args)
        .current_dir(root())
        // No kubeconfig or cluster of the machine running the tests may leak in.
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .env("HOME", home)
        .env("COLUMNS", "100")
        .output()
        .expect("the kubepath binary runs")
}

fn json_out(out: &Output) -> Value {
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

/// Each chain as (source, target, nodes, techniques): what must not depend on where the
/// snapshot was written.
fn chains(scan: &Value) -> Vec<String> {
    scan["paths"]
        .as_array()
        .expect("paths")
        .iter()
        .map(|p| {
            let techniques: Vec<&str> = p["steps"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["technique"].as_str())
                .collect();
            format!(
                "{} {} {} {:?}",
                p["score"], p["source"], p["nodes"], techniques
            )
        })
        .collect()
}

/// A secret value planted in the test API server (as is, and base64 as `data` holds it).
const MARKER: &str = "KPMARKER-live-secret-value";

/// Secrets (an opaque one with `kubectl apply`'s annotation copying its data, a token) and
/// a ConfigMap with a password, all carrying the marker.
fn secret_markers() -> Vec<Value> {
    let data = b64(MARKER);
    let last_applied =
        serde_json::json!({"data": {"password": data}, "stringData": {"p": MARKER}}).to_string();
    vec![
        serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "default",
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_applied}},
            "type": "Opaque", "data": {"password": data}, "stringData": {"p": MARKER}}),
        serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "legacy-token", "namespace": "default",
                "annotations": {"kubernetes.io/service-account.name": "default"}},
            "type": "kubernetes.io/service-account-token", "data": {"token": data}}),
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "app-config", "namespace": "default"},
            "data": {"DB_PASSWORD": MARKER}}),
    ]
}

fn assert_no_marker(what: &str, text: &str) {
    for needle in [MARKER.to_string(), b64(MARKER)] {
        assert!(!text.contains(&needle), "{what} leaks {needle:?}");
    }
}

fn assert_collected_files_hold_no_marker(dir: &Path) {
    let mut stack = vec![dir.to_path_buf()];
    let mut files = 0;
    let mut seen_secret = false;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)
            .expect("read the snapshot folder")
            .flatten()
        {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files += 1;
                let bytes = std::fs::read(&p).expect("read a collected file");
                let text = String::from_utf8_lossy(&bytes);
                assert_no_marker(&p.display().to_string(), &text);
                seen_secret |= text.contains("legacy-token");
            }
        }
    }
    assert!(files > 5, "the snapshot holds {files} files");
    // The planted objects were collected (as metadata), so their values' absence means something.
    assert!(
        seen_secret,
        "the planted token Secret is in no collected file"
    );
}

#[test]
fn collect_writes_a_snapshot_whose_scan_states_the_gaps_and_matches_scan_live() {
    let corpus = root().join("../shared/corpus");
    let mut objects = load_objects(&corpus);
    objects.extend(secret_markers());
    let server = ApiServer::start(objects);
    server.forbid("rolebindings");
    let work = temp("collect");
    let kubeconfig = server.write_kubeconfig(&work);
    let kc = kubeconfig.to_str().unwrap();
    let out = work.join("snap");
    let out_s = out.to_str().unwrap();

    let collected = kubepath(&["collect", "--out", out_s, "--kubeconfig", kc], &work);
    assert_eq!(
        collected.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&collected.stderr)
    );
    let stderr = String::from_utf8_lossy(&collected.stderr);
    assert_no_marker("collect stderr", &stderr);
    assert_no_marker(
        "collect stdout",
        &String::from_utf8_lossy(&collected.stdout),
    );
    assert_collected_files_hold_no_marker(&out);
    assert!(
        stderr.contains("not visible: rbac.authorization.k8s.io/v1 RoleBinding"),
        "{stderr}"
    );
    assert!(out.join("kubernetes/pods.json").is_file());
    assert!(out.join("kubepath.yaml").is_file());
    assert!(!out.join("kubepath.incomplete").exists());

    let scan = json_out(&kubepath(&["scan", out_s, "--format", "json"], &work));
    let gaps = scan["summary"]["coverage"]
        .as_array()
        .expect("summary.coverage");
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0]["what"], "rbac.authorization.k8s.io/v1 RoleBinding");
    assert!(
        gaps[0]["may_hide"]
            .as_str()
            .unwrap()
            .contains("no RoleBindings were visible")
    );
    assert!(!chains(&scan).is_empty());

    let table = kubepath(&["scan", out_s], &work);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("Coverage gaps (1)"), "{text}");
    assert!(
        text.contains("may hide: no RoleBindings were visible"),
        "{text}"
    );

    let live = json_out(&kubepath(
        &[
            "scan",
            "--live",
            "--kubeconfig",
            kc,
            "--quiet",
            "--format",
            "json",
        ],
        &work,
    ));
    assert_eq!(chains(&live), chains(&scan));
    assert_no_marker("scan --live", &live.to_string());
    assert_eq!(live["summary"]["coverage"], scan["summary"]["coverage"]);
    assert_eq!(live["summary"]["edges"], scan["summary"]["edges"]);
    let _ = std::fs::remove_dir_all(&work);
}

/// The whole `collect`: the cluster from the test API server and the account from a real
/// moto server in one run, written as one snapshot whose scan sees both sides.
#[test]
fn collect_reads_the_cluster_and_the_aws_account_into_one_snapshot() {
    let corpus = root().join("../shared/corpus/ingress-nginx");
    let server = ApiServer::start(load_objects(&corpus));
    let moto = Moto::start(&[]);
    let user_arn = format!("arn:aws:iam::{ACCOUNT}:user/ci-deployer");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(async {
            let iam = moto.iam();
            iam.create_user()
                .user_name("ci-deployer")
                .send()
                .await
                .expect("create user");
            // The planted escalation: the user may write its own inline policy.
            let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": user_arn}]});
            iam.put_user_policy()
                .user_name("ci-deployer")
                .policy_name("self-service")
                .policy_document(doc.to_string())
                .send()
                .await
                .expect("put user policy");
        });
    let work = temp("both");
    std::fs::write(
        work.join("aws-config"),
        "[profile moto]\nregion = us-east-1\n",
    )
    .expect("aws config");
    std::fs::write(
        work.join("aws-credentials"),
        "[moto]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .expect("aws credentials");
    let env = [
        ("AWS_CONFIG_FILE", work.join("aws-config")),
        ("AWS_SHARED_CREDENTIALS_FILE", work.join("aws-credentials")),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.to_str().unwrap())).collect();
    let kubeconfig = server.write_kubeconfig(&work);
    let out = work.join("snap");
    let out_s = out.to_str().unwrap();
    let collected = kubepath_with(
        &[
            "collect",
            "--out",
            out_s,
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--aws-profile",
            "moto",
            "--aws-endpoint-url",
            &moto.endpoint,
        ],
        &work,
        &env,
    );
    let stderr = String::from_utf8_lossy(&collected.stderr);
    assert_eq!(collected.status.code(), Some(0), "{stderr}");
    assert!(out.join("kubernetes/pods.json").is_file(), "{stderr}");
    assert!(
        out.join("aws/iam-authorization-details.json").is_file(),
        "{stderr}"
    );
    let facts = std::fs::read_to_string(out.join("kubepath.yaml")).expect("kubepath.yaml");
    assert!(facts.contains(ACCOUNT), "{facts}");

    let graph = json_out(&kubepath(&["graph", out_s, "--format", "json"], &work));
    let edges = graph["edges"].as_array().expect("edges");
    let admin = format!("aws-admin:{ACCOUNT}");
    let from = format!("aws-user:{user_arn}");
    assert!(
        edges
            .iter()
            .any(|e| e["from"] == from.as_str() && e["to"] == admin.as_str()),
        "no escalation edge from {from} to {admin}"
    );
    assert!(
        graph["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .any(|n| n["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("workload:ingress-nginx/"))),
        "the cluster side is missing"
    );
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn collect_without_any_cluster_says_skipped_and_exits_2() {
    let work = temp("nocluster");
    let out = work.join("snap");
    let r = kubepath(&["collect", "--out", out.to_str().unwrap()], &work);
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(stderr.contains("nothing collected"), "{stderr}");
    assert!(stderr.contains("kubernetes:"), "{stderr}");
    assert!(!out.join("kubepath.yaml").exists());

    let r = kubepath(
        &[
            "collect",
            "--out",
            out.to_str().unwrap(),
            "--no-kubernetes",
            "--no-aws",
        ],
        &work,
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("--no-kubernetes"));
    let _ = std::fs::remove_dir_all(&work);
}
