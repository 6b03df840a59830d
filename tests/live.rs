//! The binary's live commands against the test API server: `kubepath collect` writes a
//! snapshot that `kubepath scan DIR` reads with the coverage gaps stated, and `scan --live`
//! finds the same chains.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kubepath_testsupport::{ApiServer, load_objects};
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
    Command::new(env!("CARGO_BIN_EXE_kubepath"))
        .args(args)
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

#[test]
fn collect_writes_a_snapshot_whose_scan_states_the_gaps_and_matches_scan_live() {
    let corpus = root().join("../shared/corpus");
    let server = ApiServer::start(load_objects(&corpus));
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
    assert_eq!(live["summary"]["coverage"], scan["summary"]["coverage"]);
    assert_eq!(live["summary"]["edges"], scan["summary"]["edges"]);
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
        &["collect", "--out", out.to_str().unwrap(), "--no-kubernetes"],
        &work,
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("--no-kubernetes"));
    let _ = std::fs::remove_dir_all(&work);
}
