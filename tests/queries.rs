//! End-to-end tests of the query commands: paths, reach, who-can, explain, chokepoints,
//! fix-plan, diff and `--assume-fixed`, on the bundled samples.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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

fn ok_json(args: &[&str]) -> Value {
    let out = kubepath(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "kubepath {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` is a list"))
}

const DEMOS: [(&str, &str); 3] = [
    ("samples/hardened", "samples/eks-demo"),
    ("samples/gke-hardened", "samples/gke-demo"),
    ("samples/aks-hardened", "samples/aks-demo"),
];

/// The fix plan's ids, applied with `--assume-fixed`, leave the scan with no chain.
#[test]
fn fix_plan_fixes_applied_as_what_if_leave_no_chain() {
    for (_, demo) in DEMOS {
        let plan = ok_json(&["fix-plan", demo, "--format", "json"]);
        assert!(plan["chains"].as_u64().is_some_and(|n| n > 0), "{demo}");
        assert!(list(&plan, "remaining").is_empty(), "{demo}: {plan:#}");
        let fixes = list(&plan, "fixes");
        assert!(!fixes.is_empty(), "{demo}");
        let mut args = vec!["scan", demo, "--format", "json"];
        for f in fixes {
            args.push("--assume-fixed");
            args.push(f["id"].as_str().expect("fix id"));
        }
        let scan = ok_json(&args);
        assert_eq!(scan["summary"]["chains"], 0, "{demo}: {scan:#}");
        // Without the fixes there are chains: the what-if did the work.
        let before = ok_json(&["scan", demo, "--format", "json"]);
        assert_eq!(before["summary"]["chains"], plan["chains"], "{demo}");
    }
}

#[test]
fn every_fix_removes_chains_and_names_what_to_change() {
    let plan = ok_json(&["fix-plan", "samples/eks-demo", "--format", "json"]);
    let fixes = list(&plan, "fixes");
    let mut last = usize::MAX;
    for f in fixes {
        let removed = list(f, "chains").len() + f["alternatives"].as_u64().unwrap_or(0) as usize;
        assert!(removed > 0, "{f:#}");
        assert!(!list(f, "change").is_empty(), "{f:#}");
        assert_ne!(f["technique"], "APP_COMPROMISE");
        assert!(!f["remediation"].as_str().unwrap_or("").is_empty());
        let n = list(f, "chains").len();
        assert!(n <= last, "fixes ordered by chains removed");
        last = n;
    }
}

#[test]
fn assume_fixed_reads_a_file_and_rejects_what_matches_nothing() {
    let dir = std::env::temp_dir().join(format!("kubepath-fixes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let plan = ok_json(&["fix-plan", "samples/eks-demo", "--format", "json"]);
    let ids: Vec<&str> = list(&plan, "fixes")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    let file = dir.join("fixes.txt");
    std::fs::write(&file, format!("# the plan\n{}\n", ids.join("\n"))).expect("write");
    let file = file.to_string_lossy().into_owned();
    let scan = ok_json(&[
        "scan",
        "samples/eks-demo",
        "--format",
        "json",
        "--assume-fixed-file",
        &file,
    ]);
    assert_eq!(scan["summary"]["chains"], 0);

    let out = kubepath(&[
        "scan",
        "samples/eks-demo",
        "--assume-fixed",
        "ClusterRoleBinding/no-such-binding",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-binding"));
    let out = kubepath(&[
        "scan",
        "samples/eks-demo",
        "--assume-fixed",
        "a -[NOT_A_TECHNIQUE]-> b",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOT_A_TECHNIQUE"));
}

#[test]
fn assume_fixed_object_removes_the_steps_resting_on_it() {
    let edge = "sa:payments/checkout-api -[RBAC_CLUSTER_ADMIN]-> cluster-admin";
    let before = ok_json(&[
        "paths",
        "samples/eks-demo",
        "--format",
        "json",
        "--top",
        "100",
    ]);
    let uses = |doc: &Value| {
        list(doc, "paths").iter().any(|p| {
            list(p, "steps").iter().any(|s| {
                s["technique"] == "RBAC_CLUSTER_ADMIN" && s["from"] == "sa:payments/checkout-api"
            })
        })
    };
    assert!(
        uses(&before),
        "the demo binds checkout-api to a wildcard role"
    );
    let after = ok_json(&[
        "paths",
        "samples/eks-demo",
        "--format",
        "json",
        "--top",
        "100",
        "--assume-fixed",
        "ClusterRole/ci-deployer",
    ]);
    assert!(!uses(&after), "{edge} rests on ClusterRole/ci-deployer");
}

#[test]
fn diff_fails_on_new_chains_only_in_the_direction_that_adds_them() {
    for (hardened, demo) in DEMOS {
        let out = kubepath(&["diff", hardened, demo, "--fail-on", "new"]);
        assert_eq!(out.status.code(), Some(3), "{hardened} -> {demo}");
        let out = kubepath(&["diff", demo, hardened, "--fail-on", "new"]);
        assert_eq!(out.status.code(), Some(0), "{demo} -> {hardened}");
        let out = kubepath(&["diff", demo, demo, "--fail-on", "low"]);
        assert_eq!(out.status.code(), Some(0), "{demo} against itself");
    }
    let d = ok_json(&[
        "diff",
        "samples/hardened",
        "samples/eks-demo",
        "--format",
        "json",
    ]);
    let scan = ok_json(&["scan", "samples/eks-demo", "--format", "json"]);
    assert_eq!(d["summary"]["added"], scan["summary"]["chains"]);
    assert_eq!(d["summary"]["removed"], 0);
    let out = kubepath(&[
        "diff",
        "samples/hardened",
        "samples/eks-demo",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn default_paths_are_the_scan() {
    let paths = ok_json(&[
        "paths",
        "samples/eks-demo",
        "--format",
        "json",
        "--top",
        "100",
    ]);
    let scan = ok_json(&[
        "scan",
        "samples/eks-demo",
        "--format",
        "json",
        "--top",
        "100",
    ]);
    assert_eq!(paths["paths"], scan["paths"]);
}

#[test]
fn selectors_pick_sources_and_targets() {
    // Positive: a namespace glob as source, a service account glob as target.
    let doc = ok_json(&[
        "paths",
        "samples/eks-demo",
        "--format",
        "json",
        "--from",
        "workload:shop/*",
        "--to",
        "cloud-admin",
    ]);
    let paths = list(&doc, "paths");
    assert!(!paths.is_empty());
    for p in paths {
        assert!(
            p["source"]
                .as_str()
                .is_some_and(|s| s.starts_with("workload:shop/"))
        );
        assert!(
            p["target"]
                .as_str()
                .is_some_and(|s| s.starts_with("aws-admin:"))
        );
    }
    // Negative: no cloud admin is reached from a namespace that does not exist.
    let doc = ok_json(&[
        "paths",
        "samples/eks-demo",
        "--format",
        "json",
        "--from",
        "workload:no-such-ns/*",
    ]);
    assert!(list(&doc, "paths").is_empty());
    // cluster-admin only.
    let doc = ok_json(&[
        "paths",
        "samples/eks-demo",
        "--format",
        "json",
        "--to",
        "cluster-admin",
        "--top",
        "100",
    ]);
    assert!(
        list(&doc, "paths")
            .iter()
            .all(|p| p["target"] == "cluster-admin")
    );
    // Bad selectors are usage errors naming the problem.
    for (bad, says) in [("prod/*", "not a selector"), ("kind:pod", "unknown kind")] {
        let out = kubepath(&["paths", "samples/eks-demo", "--to", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{bad}");
    }
}

#[test]
fn reach_and_who_can_agree() {
    let reach = ok_json(&[
        "reach",
        "samples/eks-demo",
        "--format",
        "json",
        "--from",
        "workload:shop/Deployment/storefront",
    ]);
    let reached: Vec<&str> = list(&reach, "nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert!(reached.contains(&"aws-admin:111122223333"));
    assert!(!reached.contains(&"workload:shop/Deployment/storefront"));
    let who = ok_json(&[
        "who-can",
        "samples/eks-demo",
        "--format",
        "json",
        "--reach",
        "aws-admin:*",
    ]);
    let sources: Vec<&str> = list(&who, "nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert!(sources.contains(&"workload:shop/Deployment/storefront"));
    assert!(sources.contains(&"internet"));
    for n in list(&who, "nodes") {
        assert_eq!(n["path"]["source"], n["id"]);
        assert!(
            n["path"]["target"]
                .as_str()
                .is_some_and(|t| t.starts_with("aws-admin:"))
        );
    }
}

#[test]
fn explain_a_rank_a_pair_and_an_edge() {
    let scan = ok_json(&["scan", "samples/eks-demo", "--format", "json"]);
    let x = ok_json(&["explain", "2", "samples/eks-demo", "--format", "json"]);
    assert_eq!(x["path"], scan["paths"][1]);
    let pair = format!(
        "{}->{}",
        "internet",
        scan["paths"][0]["target"].as_str().unwrap_or("")
    );
    let x = ok_json(&["explain", &pair, "samples/eks-demo", "--format", "json"]);
    assert_eq!(x["path"]["score"], scan["paths"][0]["score"]);
    let edge = "sa:payments/checkout-api -[RBAC_CLUSTER_ADMIN]-> cluster-admin";
    let x = ok_json(&["explain", edge, "samples/eks-demo", "--format", "json"]);
    assert_eq!(x["edge"]["id"], edge);
    assert_eq!(x["edge"]["attack"], "T1078");
    assert!(
        x["edge"]["evidence"][0]["file"]
            .as_str()
            .is_some_and(|f| f.ends_with(".yaml"))
    );
    let out = kubepath(&["explain", "99", "samples/eks-demo"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_chain_explains_its_score() {
    let scan = ok_json(&["scan", "samples/eks-demo", "--format", "json"]);
    for p in list(&scan, "paths") {
        let e = &p["score_explanation"];
        let product = e["impact"].as_f64().unwrap_or(0.0)
            * list(e, "likelihoods")
                .iter()
                .filter_map(Value::as_f64)
                .product::<f64>();
        let score = p["score"].as_f64().unwrap_or(-1.0);
        assert!((product - score).abs() < 1e-3, "{p:#}");
    }
    let out = kubepath(&["scan", "samples/eks-demo"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("score = impact 1.00 (cluster-admin) x 0.90")
    );
}

#[test]
fn chokepoints_count_chains() {
    let c = ok_json(&["chokepoints", "samples/eks-demo", "--format", "json"]);
    let scan = ok_json(&[
        "scan",
        "samples/eks-demo",
        "--format",
        "json",
        "--top",
        "100",
    ]);
    assert_eq!(c["chains"], scan["summary"]["chains"]);
    let edges = list(&c, "edges");
    let top = &edges[0];
    // The top edge's count is the number of chains that take it.
    let id = top["id"].as_str().unwrap_or("");
    let n = list(&scan, "paths")
        .iter()
        .filter(|p| {
            list(p, "steps").iter().any(|s| {
                format!(
                    "{} -[{}]-> {}",
                    s["from"].as_str().unwrap_or(""),
                    s["technique"].as_str().unwrap_or(""),
                    s["to"].as_str().unwrap_or("")
                ) == id
            })
        })
        .count();
    assert_eq!(top["count"].as_u64(), Some(n as u64));
    assert!(
        edges
            .windows(2)
            .all(|w| w[0]["count"].as_u64() >= w[1]["count"].as_u64())
    );
}

#[test]
fn query_output_is_deterministic() {
    for args in [
        vec!["fix-plan", "samples/eks-demo"],
        vec!["chokepoints", "samples/eks-demo", "--format", "json"],
        vec!["reach", "samples/eks-demo", "--from", "kind:sa"],
        vec![
            "diff",
            "samples/hardened",
            "samples/eks-demo",
            "--format",
            "json",
        ],
    ] {
        let a = kubepath(&args);
        let b = kubepath(&args);
        assert_eq!(a.stdout, b.stdout, "{args:?}");
        assert!(!a.stdout.is_empty());
    }
}

fn ok_text(args: &[&str]) -> String {
    let out = kubepath(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "kubepath {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Issue 10: the fix cutting the storefront's way in also proposes the image upgrade that
/// removes its Log4Shell finding (from `scans/trivy-storefront.json`); no other fix does,
/// and without the scans no fix does.
#[test]
fn fix_plan_proposes_the_image_upgrade_beside_the_entry_fix() {
    // Chains into the storefront itself: the entry step is the cut, and it leads into the
    // workload whose image the Trivy report finds log4shell in.
    let storefront = "workload:shop/Deployment/storefront";
    let plan = ok_json(&[
        "fix-plan",
        "samples/eks-demo",
        "--to",
        storefront,
        "--format",
        "json",
    ]);
    let with: Vec<&Value> = list(&plan, "fixes")
        .iter()
        .filter(|f| !list(f, "upgrades").is_empty())
        .collect();
    assert_eq!(with.len(), 1, "{plan:#}");
    let fix = with[0];
    assert_eq!(fix["to"], "service:shop/storefront", "{fix:#}");
    assert!(fix["technique"].as_str().unwrap().starts_with("EXPOSED_"));
    let u = &list(fix, "upgrades")[0];
    assert_eq!(u["workload"], "workload:shop/Deployment/storefront");
    assert_eq!(u["package"], "org.apache.logging.log4j:log4j-core");
    assert_eq!(u["installed"], "2.14.1");
    assert_eq!(u["fixed"], "2.15.0");
    assert_eq!(u["vulnerability"], "CVE-2021-44228");
    assert_eq!(
        u["image"],
        "111122223333.dkr.ecr.us-east-1.amazonaws.com/shop/storefront:4.18.2"
    );
    let table = ok_text(&["fix-plan", "samples/eks-demo", "--to", storefront]);
    assert!(
        table.contains("also: upgrade org.apache.logging.log4j:log4j-core to 2.15.0 in"),
        "{table}"
    );
    let md = ok_text(&[
        "fix-plan",
        "samples/eks-demo",
        "--to",
        storefront,
        "--format",
        "markdown",
    ]);
    assert!(
        md.contains("   - also: upgrade org.apache.logging.log4j:log4j-core to 2.15.0 in"),
        "{md}"
    );

    let unscanned = [
        "samples/eks-demo/manifests",
        "samples/eks-demo/live",
        "samples/eks-demo/iam",
        "samples/eks-demo/eks",
        "samples/eks-demo/kubepath.yaml",
    ];
    let mut args = vec!["fix-plan", "--to", storefront, "--format", "json"];
    args.extend(unscanned);
    let plan = ok_json(&args);
    assert!(!list(&plan, "fixes").is_empty());
    for f in list(&plan, "fixes") {
        assert!(list(f, "upgrades").is_empty(), "{f:#}");
    }
    assert!(
        !ok_text(&{
            let mut a = vec!["fix-plan", "--to", storefront];
            a.extend(unscanned);
            a
        })
        .contains("also: upgrade")
    );
}

/// `fix-plan --format markdown|html` list the same fixes as the JSON, in order, each as
/// code to copy to `--assume-fixed`; the scan's Markdown and HTML reports end with them.
#[test]
fn fix_plan_renders_as_markdown_and_html_and_ends_the_scan_reports() {
    let plan = ok_json(&["fix-plan", "samples/eks-demo", "--format", "json"]);
    let ids: Vec<&str> = list(&plan, "fixes")
        .iter()
        .map(|f| f["id"].as_str().expect("fix id"))
        .collect();
    let md = ok_text(&["fix-plan", "samples/eks-demo", "--format", "markdown"]);
    let html = ok_text(&["fix-plan", "samples/eks-demo", "--format", "html"]);
    let scan_md = ok_text(&["scan", "samples/eks-demo", "--format", "markdown"]);
    let scan_html = kubepath_html_without_graphviz();
    assert!(
        md.starts_with("## kubepath fix plan: internet to admin\n"),
        "{md}"
    );
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    let section_md = scan_md
        .split_once("\n### Fix plan\n")
        .map(|(_, s)| s)
        .expect("the scan's Markdown has a Fix plan section");
    let section_html = scan_html
        .split_once("<h2>Fix plan</h2>")
        .map(|(_, s)| s)
        .expect("the scan's HTML has a Fix plan section");
    for text in [&md, &section_md.to_string()] {
        let mut at = 0;
        for (i, id) in ids.iter().enumerate() {
            let item = format!("{}. `{id}`", i + 1);
            let pos = text[at..]
                .find(&item)
                .unwrap_or_else(|| panic!("{item} in {text}"));
            at += pos + item.len();
        }
        assert!(text.contains("the search finds no chain from internet to admin"));
    }
    for text in [&html, &section_html.to_string()] {
        for id in &ids {
            let escaped = id.replace('>', "&gt;");
            assert!(
                text.contains(&format!("<li><code>{escaped}</code><ul>")),
                "{id}"
            );
        }
    }
    // A report with no chain has no plan to show.
    let hardened = ok_text(&["scan", "samples/hardened", "--format", "markdown"]);
    assert!(!hardened.contains("Fix plan"), "{hardened}");
}

fn kubepath_html_without_graphviz() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kubepath"))
        .args(["scan", "samples/eks-demo", "--format", "html"])
        .current_dir(root())
        .env("KUBEPATH_DOT", "/nonexistent/dot")
        .output()
        .expect("the kubepath binary runs");
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Evidence read from files says `file:line` in `explain` and the scan table (the line the
/// object's document starts on); a fact from a document without a known line (a scan
/// report) keeps `file #document`.
#[test]
fn explain_and_the_table_locate_evidence_by_file_and_line() {
    let edge = "sa:payments/checkout-api -[RBAC_CLUSTER_ADMIN]-> cluster-admin";
    let x = ok_json(&["explain", edge, "samples/eks-demo", "--format", "json"]);
    let ev = &x["edge"]["evidence"][0];
    let file = ev["file"].as_str().expect("evidence file");
    let line = ev["line"].as_u64().expect("evidence line");
    assert!(line > 1, "{ev}");
    // The manifest's document really starts there.
    let text = std::fs::read_to_string(root().join(file)).expect("the evidence file");
    let at: Vec<&str> = text.lines().collect();
    assert!(
        at[line as usize - 2] == "---" || at[line as usize - 1].starts_with("apiVersion"),
        "line {line} of {file}: {:?}",
        at.get(line as usize - 1)
    );
    let located = format!("({file}:{line})");
    let table = ok_text(&["explain", edge, "samples/eks-demo"]);
    assert!(table.contains(&located), "{table}");

    let chain = ok_text(&["explain", "1", "samples/eks-demo"]);
    assert!(
        chain.contains("(samples/eks-demo/scans/trivy-storefront.json #0)"),
        "{chain}"
    );
    assert!(
        chain.contains("(samples/eks-demo/manifests/shop.yaml:"),
        "{chain}"
    );
    assert!(!chain.contains("shop.yaml #"), "{chain}");
    let scan = ok_text(&["scan", "samples/eks-demo"]);
    assert!(scan.contains(&located.replace(')', "")), "{scan}");
}
