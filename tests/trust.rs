//! Trust (issue 9): secret values never appear in any output, warning or error, and offline
//! commands make no network connection.
//!
//! A new output format is one line in `FORMATS` (and `GRAPH_FORMATS`).

use kubepath_testsupport::b64;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every `scan` output format today (png is svg's drawing, in binary: its text is svg's).
const FORMATS: &[&str] = &[
    "table",
    "json",
    "dot",
    "svg",
    "sarif",
    "markdown",
    "html",
    "bloodhound",
    "cypher",
];
/// Every `graph` output format today.
const GRAPH_FORMATS: &[&str] = &["json", "dot", "bloodhound", "cypher"];
/// The query commands, each in every format it has (evidence, remediation and fix plans
/// quote objects too).
const QUERIES: &[&[&str]] = &[
    &["fix-plan", "--format", "table"],
    &["fix-plan", "--format", "json"],
    &["fix-plan", "--format", "markdown"],
    &["fix-plan", "--format", "html"],
    &["paths", "--format", "json"],
    &["reach", "--format", "json"],
    &["who-can", "--reach", "kind:secret", "--format", "json"],
    &["explain", "1", "--format", "table"],
    &["explain", "1", "--format", "json"],
    &["chokepoints", "--format", "json"],
];

/// Marker values planted in Secrets and ConfigMaps; none may be printed anywhere.
const MARKERS: &[&str] = &[
    "KPMARKER-data-b64",
    "KPMARKER-stringdata-plain",
    "KPMARKER-configmap-password",
    "KPMARKER-awsauth-secret",
    "KPMARKER-broken-doc",
    "KPMARKER-annotation-token",
];

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The eks-demo sample plus Secrets and ConfigMaps carrying the markers (valid, broken, and
/// with wrong types, so that error paths are exercised too).
fn seeded(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("kubepath-trust-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let copy = Command::new("cp")
        .arg("-r")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/eks-demo"))
        .arg(&dir)
        .status()
        .expect("cp");
    assert!(copy.success());
    let secrets = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: db, namespace: shop}}\ntype: Opaque\n\
         data: {{password: {data}}}\nstringData: {{token: KPMARKER-stringdata-plain}}\n---\n\
         apiVersion: v1\nkind: Secret\nmetadata:\n  name: legacy\n  namespace: shop\n  annotations:\n    \
         kubernetes.io/service-account.name: web\n    note: KPMARKER-annotation-token\n\
         type: kubernetes.io/service-account-token\ndata: {{token: {data}}}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app-config, namespace: shop}}\n\
         data: {{DB_PASSWORD: KPMARKER-configmap-password}}\n---\n\
         apiVersion: v1\nkind: Secret\nmetadata: {{name: broken, namespace: shop}}\n\
         data: {{password: [KPMARKER-broken-doc\n---\n\
         apiVersion: v1\nkind: Secret\nmetadata: {{name: wrongtype, namespace: shop}}\n\
         data: KPMARKER-data-b64\ntype: [KPMARKER-broken-doc]\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: aws-auth, namespace: kube-system}}\n\
         data:\n  mapRoles: \"- rolearn: KPMARKER-awsauth-secret\\n  groups: [[\"\n",
        data = b64("KPMARKER-data-b64"),
    );
    std::fs::write(dir.join("manifests/zz-secrets.yaml"), secrets).expect("write");
    // A JSON dump that breaks right after a secret value.
    std::fs::write(
        dir.join("live/zz-broken-secret.json"),
        r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x","namespace":"shop"},"data":{"k":"KPMARKER-broken-doc""#,
    )
    .expect("write");
    Scratch(dir)
}

fn kubepath(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubepath"))
        .args(args)
        .arg(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("kubepath runs")
}

fn assert_no_marker(what: &str, text: &str) {
    for m in MARKERS {
        // The base64 form of a marker is as much a leak as the marker.
        for needle in [m.to_string(), b64(m)] {
            assert!(!text.contains(&needle), "{what} leaks {needle:?}");
        }
    }
}

#[test]
fn secret_values_never_appear_in_any_output_warning_or_error() {
    let s = seeded("leaks");
    let mut runs = Vec::new();
    for f in FORMATS {
        runs.push((
            format!("scan --format {f}"),
            kubepath(&["scan", "--format", f], &s.0),
        ));
    }
    for f in GRAPH_FORMATS {
        runs.push((
            format!("graph --format {f}"),
            kubepath(&["graph", "--format", f], &s.0),
        ));
    }
    for q in QUERIES {
        runs.push((q.join(" "), kubepath(q, &s.0)));
    }
    for (what, out) in &runs {
        assert!(
            matches!(out.status.code(), Some(0 | 3)),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_no_marker(
            &format!("{what} stdout"),
            &String::from_utf8_lossy(&out.stdout),
        );
        assert_no_marker(
            &format!("{what} stderr"),
            &String::from_utf8_lossy(&out.stderr),
        );
    }
    // The seeded objects were read (so their absence from the output means something).
    let json = String::from_utf8_lossy(&runs[1].1.stdout).into_owned();
    assert_eq!(runs[1].0, "scan --format json");
    assert!(
        json.contains("zz-secrets.yaml"),
        "the seeded file produced warnings"
    );
    assert!(json.contains("zz-broken-secret.json"));

    // The error path: nothing but broken secrets.
    let only = std::env::temp_dir().join(format!("kubepath-trust-only-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&only);
    let _ = std::fs::copy(s.0.join("live/zz-broken-secret.json"), only.join("s.json"));
    let out = kubepath(&["scan"], &only);
    let _ = std::fs::remove_dir_all(&only);
    assert_eq!(out.status.code(), Some(2));
    assert_no_marker("error message", &String::from_utf8_lossy(&out.stderr));
}

/// `strace -f` records every socket the process and its threads create or connect; an
/// offline scan must create none of the IPv4/IPv6 families (AF_UNIX, e.g. for the name
/// service, would be tolerated but is not expected either).
#[test]
fn offline_commands_make_no_network_connections() {
    let strace = "/usr/bin/strace";
    assert!(
        Path::new(strace).exists(),
        "{strace} is missing: run the tests through .ci/test, which installs it"
    );
    let s = seeded("network");
    let log = s.0.join("strace.log");
    for args in [
        &["scan", "--format", "json"][..],
        &["graph", "--format", "json"][..],
    ] {
        let out = Command::new(strace)
            .args([
                "-f",
                "-qq",
                "-e",
                "trace=socket,connect,sendto,sendmsg",
                "-o",
            ])
            .arg(&log)
            .arg(env!("CARGO_BIN_EXE_kubepath"))
            .args(args)
            .arg(&s.0)
            .output()
            .expect("strace runs");
        assert!(
            matches!(out.status.code(), Some(0 | 3)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let trace = std::fs::read_to_string(&log).expect("strace log");
        for line in trace.lines() {
            assert!(
                !(line.contains("AF_INET") || line.contains("AF_INET6")),
                "{args:?} opened a network socket: {line}"
            );
            assert!(!line.contains("connect("), "{args:?} connected: {line}");
        }
    }
}
