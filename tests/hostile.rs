//! The `kubepath` binary on hostile input (issue 9). Every case is generated into a fresh
//! temp folder beside a valid manifest with a known chain (`valid.yaml`: internet ->
//! `service:shop/web` -> `workload:shop/Pod/web` -> `sa:shop/web` -> `cluster-admin`), and
//! asserts: no panic; the run ends within a bound and stays under a peak RSS (measured by
//! `/usr/bin/time`); the warning names the file (and document, object, field where one
//! applies); the exit code is 0 (2 only when nothing at all could be analysed); and the
//! valid chain beside the bad input is still reported.
//!
//! External programs (`/usr/bin/time`, `timeout`, `setpriv`, `mkfifo`) are provisioned by
//! `.ci/test`; a missing one fails the test naming it.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

const VALID: &str = "\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  serviceAccountName: web
  containers: [{name: app, image: nginx}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: web-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: web, namespace: shop}]
";

/// A temp folder removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("kubepath-hostile-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp folder");
        Scratch(dir)
    }
    /// A scratch folder holding `valid.yaml`.
    fn with_valid(name: &str) -> Scratch {
        let s = Scratch::new(name);
        s.write("valid.yaml", VALID);
        s
    }
    fn path(&self) -> &Path {
        &self.0
    }
    fn write(&self, rel: &str, body: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("parent folder");
        }
        std::fs::write(&p, body).expect("write scratch file");
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tool(path: &str) -> &str {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: run the tests through .ci/test, which installs it"
    );
    path
}

/// One run of the binary, with its wall time and peak RSS.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    secs: f64,
    rss_mb: f64,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr: {}", self.stderr))
    }
    fn warnings(&self) -> Vec<Value> {
        self.json()["warnings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// Run `prefix... kubepath args...` under `timeout` and `/usr/bin/time`.
fn run_with(prefix: &[&str], bin: &Path, args: &[OsString], limit_secs: u64) -> Run {
    let stats = std::env::temp_dir().join(format!(
        "kubepath-hostile-time-{}-{}",
        std::process::id(),
        args.len() as u64 * 1_000_003 + limit_secs + rand_suffix()
    ));
    let mut cmd = Command::new(tool("/usr/bin/timeout"));
    cmd.arg("--kill-after=5")
        .arg(limit_secs.to_string())
        .arg(tool("/usr/bin/time"))
        .arg("-f")
        .arg("%e %M")
        .arg("-o")
        .arg(&stats);
    cmd.args(prefix).arg(bin).args(args).env("NO_COLOR", "1");
    let out = cmd.output().expect("timeout/time/kubepath run");
    let measured = std::fs::read_to_string(&stats).unwrap_or_default();
    let _ = std::fs::remove_file(&stats);
    // `time` prints "Command exited with non-zero status N" before the figures.
    let last = measured.lines().last().unwrap_or("").to_string();
    let mut it = last.split_whitespace();
    let secs = it.next().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN);
    let rss_kb: f64 = it.next().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN);
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        secs,
        rss_mb: rss_kb / 1024.0,
    };
    assert_ne!(
        run.code,
        Some(124),
        "timed out after {limit_secs} s: {}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("overflow"),
        "kubepath panicked: {}",
        run.stderr
    );
    run
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kubepath"))
}

/// `kubepath scan PATH --format json`, bounded in time and memory.
fn scan(path: &Path, limit_secs: u64, rss_limit_mb: f64) -> Run {
    let args = vec![
        OsString::from("scan"),
        path.as_os_str().to_owned(),
        "--format".into(),
        "json".into(),
    ];
    let run = run_with(&[], &bin(), &args, limit_secs);
    assert!(
        run.secs < limit_secs as f64,
        "took {} s (bound {limit_secs} s)",
        run.secs
    );
    assert!(
        run.rss_mb < rss_limit_mb,
        "peak RSS {:.0} MB (bound {rss_limit_mb} MB)",
        run.rss_mb
    );
    run
}

/// Exit 0 and the valid file's internet -> cluster-admin chain is reported.
fn assert_valid_chain_survives(run: &Run) {
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let doc = run.json();
    let found = doc["paths"].as_array().is_some_and(|paths| {
        paths.iter().any(|p| {
            p["source"] == "internet"
                && p["target"] == "cluster-admin"
                && p["nodes"]
                    .as_array()
                    .is_some_and(|n| n.iter().any(|n| n == "sa:shop/web"))
        })
    });
    assert!(found, "the valid chain is missing: {}", doc["paths"]);
}

/// The warning about `file` (by file name) at `document`, whose message contains `needle`.
fn warning_about(run: &Run, file: &str, document: Option<u64>, needle: &str) -> Value {
    let ws = run.warnings();
    ws.iter()
        .find(|w| {
            w["file"].as_str().is_some_and(|f| f.ends_with(file))
                && (document.is_none() || w["document"].as_u64() == document)
                && w["message"]
                    .as_str()
                    .is_some_and(|m| m.to_lowercase().contains(&needle.to_lowercase()))
        })
        .cloned()
        .unwrap_or_else(|| {
            panic!("no warning about {file} document {document:?} containing {needle:?}: {ws:#?}")
        })
}

fn object_count(run: &Run, kind: &str) -> u64 {
    run.json()["summary"]["input"]["objects"][kind]
        .as_u64()
        .unwrap_or(0)
}

const FAST: u64 = 60;
const SMALL_MB: f64 = 512.0;

#[test]
fn malformed_yaml_warns_with_file_and_document_and_keeps_the_other_documents() {
    let s = Scratch::with_valid("malformed-yaml");
    s.write(
        "bad.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: shop}\n---\n\
         apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: [broken, namespace: shop\n---\n\
         apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: c, namespace: shop}\n  - : :\n",
    );
    let run = scan(s.path(), FAST, SMALL_MB);
    assert_valid_chain_survives(&run);
    warning_about(&run, "bad.yaml", Some(1), "invalid YAML");
    warning_about(&run, "bad.yaml", Some(2), "invalid YAML");
    // valid.yaml's account and the first document of bad.yaml.
    assert_eq!(object_count(&run, "ServiceAccount"), 2);
}

#[test]
fn malformed_and_truncated_json_and_yaml_warn_and_keep_the_rest() {
    let s = Scratch::with_valid("truncated");
    s.write(
        "bad.json",
        r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "#,
    );
    let full = serde_json::to_string(&json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x", "namespace": "shop"}}
    ]}))
    .expect("json");
    s.write("cut.json", &full[..full.len() / 2]);
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: cut, namespace: shop}\nspec:\n  containers: [{name: app, image: ngi";
    s.write("cut.yaml", yaml);
    let run = scan(s.path(), FAST, SMALL_MB);
    assert_valid_chain_survives(&run);
    warning_about(&run, "bad.json", Some(0), "invalid JSON");
    warning_about(&run, "cut.json", Some(0), "invalid JSON");
    warning_about(&run, "cut.yaml", Some(0), "invalid YAML");
}

#[test]
fn binary_and_invalid_utf8_files_warn_by_name() {
    let s = Scratch::with_valid("binary");
    s.write("bin.yaml", b"apiVersion: v1\n\0\x01\x02kind: Pod\n");
    s.write(
        "latin1.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n",
    );
    // Not a manifest by name: skipped without a warning.
    s.write("blob.bin", [0u8, 159, 146, 150, 255, 0, 1]);
    let run = scan(s.path(), FAST, SMALL_MB);
    assert_valid_chain_survives(&run);
    warning_about(&run, "bin.yaml", None, "binary");
    warning_about(&run, "latin1.yaml", None, "UTF-8");
    assert!(
        !run.stdout.contains("blob.bin"),
        "a non-manifest is skipped quietly"
    );
}

#[test]
fn empty_files_and_folders_warn_and_nothing_at_all_is_exit_2() {
    let s = Scratch::with_valid("empty");
    s.write("empty.yaml", "");
    s.write("blank.json", "  \n\n");
    std::fs::create_dir_all(s.path().join("nothing-here")).expect("folder");
    let run = scan(s.path(), FAST, SMALL_MB);
    assert_valid_chain_survives(&run);
    warning_about(&run, "empty.yaml", None, "empty");
    warning_about(&run, "blank.json", None, "empty");

    // Only empty input: nothing could be analysed.
    let e = Scratch::new("only-empty");
    std::fs::create_dir_all(e.path().join("sub")).expect("folder");
    let run = scan(e.path(), FAST, SMALL_MB);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains(&e.path().display().to_string()),
        "{}",
        run.stderr
    );
    e.write("empty.yaml", "");
    let run = scan(e.path(), FAST, SMALL_MB);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("empty.yaml"), "{}", run.stderr);
}

#[test]
fn alias_bomb_fails_fast_in_bounded_memory() {
    let s = Scratch::with_valid("alias-bomb");
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol, namespace: shop}\ndata:\n  a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..=12 {
        let p = i - 1;
        writeln!(
            bomb,
            "  a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]"
        )
        .expect("string");
    }
    s.write("bomb.yaml", bomb);
    let run = scan(s.path(), FAST, SMALL_MB);
    assert_valid_chain_survives(&run);
    warning_about(&run, "bomb.yaml", Some(0), "");
}

#[test]
fn hundred_thousand_levels_of_nesting_warn_without_overflowing_the_stack() {
    let s = Scratch::with_valid("deep");
    let n = 100_000;
    s.write("deep-seq.yaml", "[".repeat(n) + &"]".repeat(n));
    s.write("deep-map.yaml", "{a: ".repeat(n) + "1" + &"}".repeat(n));
    s.write("deep.json", "[".repeat(n) + &"]".repeat(n));
    s.write(
        "deep-object.json",
        "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"spec\":".repeat(n) + "1" + &"}".repeat(n),
    );
    let mut block =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n");
    for _ in 0..2_000 {
        block.push_str("- ");
    }
    block.push_str("x\n");
    s.write("deep-block.yaml", block);
    let run = scan(s.path(), FAST, SMALL_MB);
    assert_valid_chain_survives(&run);
    for f in [
        "deep-seq.yaml",
        "deep-map.yaml",
        "deep.json",
        "deep-object.json",
        "deep-block.yaml",
    ] {
        warning_about(&run, f, Some(0), "");
    }
}

#[test]
fn a_single_200_mb_json_dump_is_read_in_bounded_time_and_memory() {
    let s = Scratch::with_valid("big");
    let item = serde_json::to_string(&json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cm", "namespace": "shop"}, "data": {"k": "x".repeat(900)}}))
    .expect("json");
    let n = 200 * 1024 * 1024 / (item.len() + 1) + 1;
    let mut body = String::with_capacity(200 * 1024 * 1024 + 4096);
    body.push_str(r#"{"apiVersion":"v1","kind":"List","items":["#);
    for i in 0..n {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&item);
    }
    body.push_str("]}");
    let path = s.write("big.json", &body);
    drop(body);
    assert!(std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) >= 200 * 1024 * 1024);
    // Debug build, two shared cores: generous bounds (about 16 s and 850 MB measured).
    let run = scan(s.path(), 300, 2_500.0);
    assert_valid_chain_survives(&run);
    assert!(
        run.warnings().iter().any(|w| w["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("ConfigMap ({n},")))),
        "every item of the big List is read: {:?}",
        run.warnings()
    );
}

#[test]
fn a_20_mb_yaml_stream_is_read_in_bounded_time() {
    let s = Scratch::with_valid("big-yaml");
    let doc = format!(
        "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n  namespace: other\n  annotations:\n    a: {}\n",
        "y".repeat(4000)
    );
    let n = 20 * 1024 * 1024 / doc.len();
    s.write("big.yaml", doc.repeat(n));
    let run = scan(s.path(), 300, 2_000.0);
    assert_valid_chain_survives(&run);
    assert_eq!(object_count(&run, "ServiceAccount"), n as u64 + 1);
}

#[test]
fn very_long_strings_are_analysed() {
    let s = Scratch::with_valid("long-strings");
    let long = "z".repeat(8 * 1024 * 1024);
    s.write(
        "long.yaml",
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: long\n  namespace: shop\n  annotations: {{note: \"{long}\"}}\n  labels: {{app: web}}\nspec:\n  containers: [{{name: app, image: \"nginx:{}\"}}]\n",
            "1".repeat(1024 * 1024)
        ),
    );
    let run = scan(s.path(), FAST, 1_500.0);
    assert_valid_chain_survives(&run);
    assert_eq!(object_count(&run, "Pod"), 2);
}

#[test]
fn wrong_types_for_known_fields_name_object_and_field() {
    let s = Scratch::with_valid("wrong-types");
    s.write(
        "wrong.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: wrong, namespace: shop}\nspec:\n  containers: nginx\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: {verbs: '*'}\n---\n\
         apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: shop}\nspec: {type: LoadBalancer, selector: [app, web]}\n",
    );
    let run = scan(s.path(), FAST, SMALL_MB);
    assert_valid_chain_survives(&run);
    let w = warning_about(&run, "wrong.yaml", Some(0), "");
    assert_eq!(w["object"], "Pod/shop/wrong");
    assert_eq!(w["field"], "spec.containers");
    let w = warning_about(&run, "wrong.yaml", Some(1), "");
    assert_eq!(w["object"], "ClusterRole/r");
    assert_eq!(w["field"], "rules");
    let w = warning_about(&run, "wrong.yaml", Some(2), "");
    assert_eq!(w["field"], "spec.selector");
}

#[test]
fn unknown_kinds_and_foreign_api_groups_are_skipped_and_named() {
    let s = Scratch::with_valid("unknown-kinds");
    s.write(
        "crds.yaml",
        "apiVersion: example.com/v1\nkind: Frobnicator\nmetadata: {name: f}\n---\n\
         # Crossplane's AWS Role: not a Kubernetes Role.\n\
         apiVersion: iam.aws.upbound.io/v1beta1\nkind: Role\nmetadata: {name: r}\nspec: {forProvider: {assumeRolePolicy: x}}\n---\n\
         apiVersion: example.com/v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec: {containers: [{name: c, image: x, securityContext: {privileged: true}}]}\n",
    );
    let run = scan(s.path(), FAST, SMALL_MB);
    assert_valid_chain_survives(&run);
    let summary = run
        .warnings()
        .into_iter()
        .find(|w| {
            w["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("skipped "))
        })
        .expect("the skipped-kinds warning");
    let m = summary["message"].as_str().unwrap_or("");
    for needle in [
        "Frobnicator",
        "Role (iam.aws.upbound.io)",
        "Pod (example.com)",
        "crds.yaml",
    ] {
        assert!(m.contains(needle), "{needle:?} not in {m:?}");
    }
    assert_eq!(object_count(&run, "Role"), 0);
    assert_eq!(object_count(&run, "Pod"), 1);
}

#[test]
fn duplicate_objects_are_warned_naming_both_files() {
    let s = Scratch::with_valid("duplicates");
    s.write(
        "zz-again.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: shop}\n",
    );
    let run = scan(s.path(), FAST, SMALL_MB);
    assert_valid_chain_survives(&run);
    let w = warning_about(&run, "zz-again.yaml", Some(0), "duplicate");
    assert_eq!(w["object"], "ServiceAccount/shop/web");
    assert!(
        w["message"]
            .as_str()
            .is_some_and(|m| m.contains("valid.yaml")),
        "{w}"
    );
}

#[test]
fn objects_missing_name_warn_and_missing_namespace_defaults() {
    let s = Scratch::with_valid("missing-name");
    s.write(
        "nameless.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {namespace: shop}\nspec: {containers: [{name: a, image: x}]}\n---\n\
         apiVersion: v1\nkind: ServiceAccount\nmetadata: {}\n---\n\
         apiVersion: v1\nkind: Pod\nmetadata: {name: nons}\nspec: {containers: [{name: a, image: x}]}\n",
    );
    let run = scan(s.path(), FAST, SMALL_MB);
    assert_valid_chain_survives(&run);
    let w = warning_about(&run, "nameless.yaml", Some(0), "missing");
    assert_eq!(w["field"], "metadata.name");
    let w = warning_about(&run, "nameless.yaml", Some(1), "missing");
    assert_eq!(w["field"], "metadata.name");
    assert_eq!(object_count(&run, "Pod"), 2);
}

#[test]
fn invalid_label_selectors_name_the_object_and_field() {
    let s = Scratch::with_valid("selectors");
    s.write(
        "selectors.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\n\
         spec:\n  podSelector: {matchExpressions: [{key: app, operator: Frob, values: [a]}]}\n  policyTypes: [Ingress]\n---\n\
         apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np2, namespace: shop}\n\
         spec:\n  podSelector: {matchExpressions: [{key: app, operator: In}]}\n  policyTypes: [Ingress]\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: agg}\n\
         aggregationRule: {clusterRoleSelectors: [{matchExpressions: [{key: x, operator: Exists, values: [z]}]}]}\n",
    );
    let run = scan(s.path(), FAST, SMALL_MB);
    // The broken policies are ignored (the API server rejects them), so the chain stays.
    assert_valid_chain_survives(&run);
    let w = warning_about(&run, "selectors.yaml", Some(0), "Frob");
    assert_eq!(w["object"], "NetworkPolicy/shop/np");
    assert_eq!(w["field"], "spec.podSelector");
    let w = warning_about(&run, "selectors.yaml", Some(1), "values");
    assert_eq!(w["object"], "NetworkPolicy/shop/np2");
    let w = warning_about(&run, "selectors.yaml", Some(2), "values");
    assert_eq!(w["object"], "ClusterRole/agg");
}

/// An authorization-details dump with hostile policy documents.
fn hostile_iam() -> Value {
    let account = "111122223333";
    let role = |name: &str, trust: Value, policies: Vec<Value>| {
        json!({"RoleName": name, "Arn": format!("arn:aws:iam::{account}:role/{name}"),
               "Path": "/", "RoleId": name, "AssumeRolePolicyDocument": trust,
               "RolePolicyList": policies, "AttachedManagedPolicies": [], "Tags": []})
    };
    let trust_of = |other: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": format!("arn:aws:iam::{account}:role/{other}")}}]})
    };
    let inline = |name: &str, doc: Value| json!({"PolicyName": name, "PolicyDocument": doc});
    let assume_any = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "sts:AssumeRole", "Resource": "*"}]});
    let many: Vec<Value> = (0..10_000)
        .map(|i| json!({"Effect": if i % 2 == 0 { "Allow" } else { "Deny" },
                         "Action": format!("s3:Get{i}*"), "Resource": format!("arn:aws:s3:::b{i}/*")}))
        .collect();
    let stars = format!("iam:{}", "*a".repeat(5_000));
    let mut invalid_arn = role("invalid-arn", trust_of("cycle-a"), vec![]);
    invalid_arn["Arn"] = json!("arn:aws:iam:not-an-account:role/invalid-arn");
    json!({
        "UserDetailList": [],
        "GroupDetailList": [],
        "Policies": [],
        "RoleDetailList": [
            // A trust cycle: a <-> b.
            role("cycle-a", trust_of("cycle-b"), vec![inline("assume", assume_any.clone())]),
            role("cycle-b", trust_of("cycle-a"), vec![inline("assume", assume_any.clone())]),
            role("bad-json", json!("%7B%22Version%22%3A%222012-10-17%22%2C"), vec![]),
            role("bad-encoding", json!("%ZZ%7B"), vec![]),
            role("unknown-keys", json!({"Version": "2012-10-17", "Frob": 1,
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Bogus": true}]}), vec![]),
            role("many-statements", trust_of("cycle-a"),
                 vec![inline("many", json!({"Version": "2012-10-17", "Statement": many}))]),
            role("wildcards", trust_of("cycle-a"), vec![inline("stars", json!({"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": [stars.clone(), "iam:*?*?*?*?*?*?*?*?*?*?*P*a*s*s*"],
                               "Resource": format!("arn:aws:iam::*:{}", "*?".repeat(3_000))}]}))]),
            invalid_arn,
        ],
    })
}

#[test]
fn hostile_iam_documents_warn_and_the_rest_is_analysed() {
    let s = Scratch::with_valid("iam");
    s.write(
        "iam.json",
        serde_json::to_string_pretty(&hostile_iam()).expect("json"),
    );
    let run = scan(s.path(), 120, 1_000.0);
    assert_valid_chain_survives(&run);
    let ws = run.warnings();
    let about = |role: &str| {
        ws.iter()
            .find(|w| {
                w["file"].as_str().is_some_and(|f| f.ends_with("iam.json"))
                    && (w["object"].as_str().is_some_and(|o| o.contains(role))
                        || w["message"].as_str().is_some_and(|m| m.contains(role)))
            })
            .unwrap_or_else(|| panic!("no warning about {role}: {ws:#?}"))
            .clone()
    };
    for bad in ["bad-json", "bad-encoding", "invalid-arn"] {
        let w = about(bad);
        assert!(w["message"].as_str().is_some_and(|m| !m.is_empty()), "{w}");
    }
    // The cycle is two edges, and the search still ends.
    let graph = graph_json(s.path());
    let arn = |n: &str| format!("aws-role:arn:aws:iam::111122223333:role/{n}");
    let edge = |from: &str, to: &str| {
        graph["edges"]
            .as_array()
            .is_some_and(|es| es.iter().any(|e| e["from"] == from && e["to"] == to))
    };
    assert!(edge(&arn("cycle-a"), &arn("cycle-b")), "a -> b");
    assert!(edge(&arn("cycle-b"), &arn("cycle-a")), "b -> a");
}

fn graph_json(path: &Path) -> Value {
    let args = vec![
        OsString::from("graph"),
        path.as_os_str().to_owned(),
        "--format".into(),
        "json".into(),
    ];
    let run = run_with(&[], &bin(), &args, 120);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    run.json()
}

#[test]
fn symlink_loops_are_cut_and_reported() {
    let s = Scratch::with_valid("symlinks");
    std::fs::create_dir_all(s.path().join("a/b")).expect("folders");
    std::os::unix::fs::symlink(s.path(), s.path().join("a/b/up")).expect("symlink");
    std::os::unix::fs::symlink("self.yaml", s.path().join("self.yaml")).expect("symlink");
    let run = scan(s.path(), FAST, SMALL_MB);
    assert_valid_chain_survives(&run);
    warning_about(&run, "up", None, "symlink loop");
    warning_about(&run, "self.yaml", None, "cannot read");
}

/// Tests run as root, for whom permission bits do not stop a read. The binary is run as
/// `nobody` with `setpriv` (real and effective ids dropped, groups cleared), so an unreadable
/// file and an unlistable folder are refused by the kernel exactly as for a normal user.
#[test]
fn unreadable_files_and_folders_warn_when_run_unprivileged() {
    let s = Scratch::with_valid("unreadable");
    let secret = s.write("locked.yaml", VALID.replace("web", "locked"));
    std::fs::create_dir_all(s.path().join("closed")).expect("folder");
    s.write("closed/inside.yaml", VALID);
    use std::os::unix::fs::PermissionsExt as _;
    let set = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    set(s.path(), 0o755);
    set(&s.path().join("valid.yaml"), 0o644);
    set(&secret, 0o000);
    set(&s.path().join("closed"), 0o000);
    // The test binary's folder may not be reachable by nobody: run a copy from the scratch.
    let copy = s.path().join(".kubepath");
    std::fs::copy(bin(), &copy).expect("copy binary");
    set(&copy, 0o755);
    let args = vec![
        OsString::from("scan"),
        s.path().as_os_str().to_owned(),
        "--format".into(),
        "json".into(),
    ];
    let run = run_with(
        &[
            tool("/usr/bin/setpriv"),
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ],
        &copy,
        &args,
        FAST,
    );
    assert_valid_chain_survives(&run);
    warning_about(&run, "locked.yaml", None, "permission denied");
    warning_about(&run, "closed", None, "permission denied");
    let locked = run.json()["paths"]
        .as_array()
        .is_some_and(|p| p.iter().any(|p| p.to_string().contains("sa:shop/locked")));
    assert!(!locked, "an unreadable file cannot have been read");
}

/// A FIFO named like a manifest: reading it would block forever; it is not a regular file.
#[test]
fn fifos_named_like_manifests_do_not_hang_the_scan() {
    let s = Scratch::with_valid("fifo");
    let fifo = s.path().join("pipe.yaml");
    let status = Command::new(tool("/usr/bin/mkfifo"))
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let run = scan(s.path(), FAST, SMALL_MB);
    assert_valid_chain_survives(&run);
    // Given directly, it is named.
    let args = vec![
        OsString::from("scan"),
        s.path().join("valid.yaml").into_os_string(),
        fifo.into_os_string(),
        "--format".into(),
        "json".into(),
    ];
    let run = run_with(&[], &bin(), &args, FAST);
    assert_valid_chain_survives(&run);
    warning_about(&run, "pipe.yaml", None, "not a regular file");
}
