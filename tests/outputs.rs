//! The report formats end to end: snapshots of each on `samples/eks-demo`, the DOT text
//! parsed back by graphviz-rust, SARIF validated against the official SARIF 2.1.0 schema,
//! the `kubepath/v1` JSON of all six samples against `docs/kubepath-v1.schema.json`, SVG
//! through graphviz and HTML rendered by a headless chromium (both installed by `.ci/test`;
//! these tests fail, never skip, without them), `--output`, completions, man page and the
//! kubectl plugin name.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const SAMPLES: [&str; 6] = [
    "eks-demo",
    "hardened",
    "gke-demo",
    "gke-hardened",
    "aks-demo",
    "aks-hardened",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(bin: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("the kubepath binary runs")
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kubepath"))
}

/// stdout of a successful run (0, or 3 for --fail-on) as text.
fn stdout(args: &[&str]) -> String {
    stdout_env(args, &[])
}

fn stdout_env(args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = run(&bin(), args, envs);
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "kubepath {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&stdout(args)).expect("one JSON document")
}

/// Fail (never skip) when a tool `.ci/test` provides is missing.
fn require_tool(name: &str, package: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()));
    assert!(
        found,
        "`{name}` is not on PATH: run the tests with `.ci/test`, which installs the Debian package `{package}`"
    );
}

fn validator(schema_file: &str) -> (boon::Schemas, boon::SchemaIndex) {
    let path = root().join(schema_file);
    let text = std::fs::read_to_string(&path).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    let id = schema["$id"]
        .as_str()
        .map_or_else(|| format!("file://{}", path.display()), str::to_string);
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler
        .add_resource(&id, schema)
        .expect("schema resource is added");
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile(&id, &mut schemas)
        .unwrap_or_else(|e| panic!("{schema_file} compiles: {e:#}"));
    (schemas, index)
}

fn assert_valid(schemas: &boon::Schemas, index: boon::SchemaIndex, doc: &Value, what: &str) {
    if let Err(e) = schemas.validate(doc, index) {
        panic!("{what} does not validate: {e:#}");
    }
}

// ---------- snapshots ----------

#[test]
fn eks_demo_dot_snapshot() {
    insta::assert_snapshot!(stdout(&["scan", "samples/eks-demo", "--format", "dot"]));
}

#[test]
fn eks_demo_sarif_snapshot() {
    insta::assert_snapshot!(stdout(&["scan", "samples/eks-demo", "--format", "sarif"]));
}

#[test]
fn eks_demo_markdown_snapshot() {
    insta::assert_snapshot!(stdout(&[
        "scan",
        "samples/eks-demo",
        "--format",
        "markdown"
    ]));
}

#[test]
fn eks_demo_html_snapshot_without_graphviz() {
    // Without `dot` the page says so inline; the SVG itself depends on graphviz's version.
    insta::assert_snapshot!(stdout_env(
        &["scan", "samples/eks-demo", "--format", "html"],
        &[("KUBEPATH_DOT", "/nonexistent/dot")]
    ));
}

#[test]
fn eks_demo_bloodhound_snapshot() {
    insta::assert_snapshot!(stdout(&[
        "scan",
        "samples/eks-demo",
        "--format",
        "bloodhound"
    ]));
}

#[test]
fn eks_demo_cypher_snapshot() {
    insta::assert_snapshot!(stdout(&["scan", "samples/eks-demo", "--format", "cypher"]));
}

#[test]
fn every_format_is_deterministic() {
    for f in ["dot", "sarif", "markdown", "bloodhound", "cypher"] {
        let a = stdout(&["scan", "samples/eks-demo", "--format", f]);
        let b = stdout(&["scan", "samples/eks-demo", "--format", f]);
        assert_eq!(a, b, "--format {f} differs between two runs");
    }
}

// ---------- dot ----------

#[test]
fn dot_output_parses_back_with_graphviz_rust() {
    for cmd in ["scan", "graph"] {
        for sample in ["samples/eks-demo", "samples/gke-demo", "samples/aks-demo"] {
            let text = stdout(&[cmd, sample, "--format", "dot"]);
            let parsed = graphviz_rust::parse(&text);
            assert!(parsed.is_ok(), "{cmd} {sample}: {parsed:?}");
        }
    }
}

#[test]
fn dot_scan_highlights_chain_steps_with_technique_and_likelihood_labels_in_clusters() {
    let text = stdout(&["scan", "samples/eks-demo", "--format", "dot"]);
    assert!(text.contains("subgraph \"cluster ns payments\""), "{text}");
    assert!(text.contains("label=\"AWS account 111122223333\""));
    assert!(
        text.contains(
            "\"internet\" -> \"service:payments/checkout-api\" [label=\"EXPOSED_LOADBALANCER\\n0.90\" color=\"#dc2626\""
        ),
        "{text}"
    );
}

#[test]
fn svg_is_rendered_by_graphviz() {
    require_tool("dot", "graphviz");
    let svg = stdout(&["scan", "samples/eks-demo", "--format", "svg"]);
    assert!(svg.contains("<svg"), "{svg}");
    assert!(svg.contains("EXPOSED_LOADBALANCER"));
    // graphviz writes each node id as the node's SVG title.
    assert!(svg.contains("<title>internet</title>"), "{svg}");
}

#[test]
fn svg_without_graphviz_is_a_clear_error_naming_the_package() {
    let out = run(
        &bin(),
        &["scan", "samples/eks-demo", "--format", "svg"],
        &[("KUBEPATH_DOT", "/nonexistent/dot")],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("apt-get install graphviz"), "{err}");
}

// ---------- sarif ----------

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let (schemas, index) = validator("tests/schemas/sarif-schema-2.1.0.json");
    for sample in SAMPLES {
        let doc = json(&["scan", &format!("samples/{sample}"), "--format", "sarif"]);
        assert_valid(&schemas, index, &doc, &format!("SARIF of {sample}"));
    }
}

#[test]
fn sarif_schema_rejects_a_broken_log() {
    let (schemas, index) = validator("tests/schemas/sarif-schema-2.1.0.json");
    let mut doc = json(&["scan", "samples/eks-demo", "--format", "sarif"]);
    doc["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(schemas.validate(&doc, index).is_err());
}

#[test]
fn sarif_has_one_rule_per_technique_and_one_result_per_chain_located_at_the_manifest_line() {
    let doc = json(&["scan", "samples/eks-demo", "--format", "sarif"]);
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), kubepath_engine::CATALOG.len());
    let lb = rules
        .iter()
        .find(|r| r["id"] == "EXPOSED_LOADBALANCER")
        .expect("a rule per technique");
    let help = lb["help"]["text"].as_str().unwrap_or("");
    assert!(
        help.contains("Remediation:") && help.contains("T1190"),
        "{help}"
    );
    let results = run["results"].as_array().expect("results");
    let scan = json(&["scan", "samples/eks-demo", "--format", "json"]);
    assert_eq!(results.len(), scan["paths"].as_array().map_or(0, Vec::len));
    let first = &results[0];
    assert_eq!(first["level"], "error");
    // The rule is the first chain's first fixable step: its exposure.
    let step = &scan["paths"][0]["steps"][0];
    assert_eq!(first["ruleId"], step["technique"]);
    let object = step["evidence"][0]["object"]
        .as_str()
        .expect("evidence object");
    let mut parts = object.split('/');
    let (kind, name) = (parts.next().unwrap_or(""), parts.next_back().unwrap_or(""));
    let loc = &first["locations"][0]["physicalLocation"];
    let file = loc["artifactLocation"]["uri"].as_str().expect("uri");
    let line = loc["region"]["startLine"].as_u64().expect("startLine") as usize;
    // The line starts the Service's document: its name follows before the next document.
    let text = std::fs::read_to_string(root().join(file)).expect("located file");
    let doc_lines: Vec<&str> = text
        .lines()
        .skip(line - 1)
        .take_while(|l| !l.starts_with("---"))
        .collect();
    assert!(doc_lines[0].starts_with("apiVersion:"), "{doc_lines:?}");
    assert!(
        doc_lines.contains(&format!("kind: {kind}").as_str()),
        "{doc_lines:?}"
    );
    assert!(
        doc_lines.contains(&format!("  name: {name}").as_str()),
        "{doc_lines:?}"
    );
}

// ---------- kubepath/v1 JSON schema ----------

#[test]
fn json_documents_of_all_samples_validate_against_the_kubepath_v1_schema() {
    let (schemas, index) = validator("docs/kubepath-v1.schema.json");
    for sample in SAMPLES {
        let path = format!("samples/{sample}");
        let scan = json(&["scan", &path, "--format", "json", "--top", "50"]);
        assert_valid(&schemas, index, &scan, &format!("scan of {sample}"));
        let graph = json(&["graph", &path, "--format", "json"]);
        assert_valid(&schemas, index, &graph, &format!("graph of {sample}"));
    }
}

#[test]
fn kubepath_v1_schema_rejects_a_wrong_document() {
    let (schemas, index) = validator("docs/kubepath-v1.schema.json");
    let mut scan = json(&["scan", "samples/eks-demo", "--format", "json"]);
    scan["paths"][0]["severity"] = "severe".into();
    assert!(schemas.validate(&scan, index).is_err());
}

// ---------- html ----------

#[test]
fn html_is_self_contained_with_inline_svg() {
    require_tool("dot", "graphviz");
    let page = stdout(&["scan", "samples/eks-demo", "--format", "html"]);
    assert!(page.contains("<svg"), "no inline SVG");
    for external in ["src=", "href=", "@import", "url("] {
        assert!(
            !page.contains(external),
            "the page refers to an external asset ({external})"
        );
    }
}

#[test]
fn html_renders_in_headless_chromium_and_shows_the_chains() {
    require_tool("chromium", "chromium");
    require_tool("dot", "graphviz");
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("report.html");
    let page_arg = page.to_string_lossy().into_owned();
    let out = run(
        &bin(),
        &[
            "scan",
            "samples/eks-demo",
            "--format",
            "html",
            "--output",
            &page_arg,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let profile = dir.path().join("profile");
    let dom = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("kubepath: 10 attack chains"),
        "title missing: {dom}"
    );
    assert!(dom.contains("EXPOSED_LOADBALANCER"));
    assert!(dom.contains(
        "internet -&gt; service:payments/checkout-api -&gt; workload:payments/Deployment/checkout-api"
    ));
    assert!(dom.contains("<svg"), "the inline SVG is in the DOM");
}

// ---------- bloodhound and cypher ----------

fn is_primitive(v: &Value) -> bool {
    matches!(
        v,
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null
    )
}

#[test]
fn bloodhound_opengraph_structure_is_what_bloodhound_ingests() {
    let doc = json(&["graph", "samples/eks-demo", "--format", "bloodhound"]);
    assert_eq!(doc["metadata"]["source_kind"], "Kubepath");
    let nodes = doc["graph"]["nodes"].as_array().expect("nodes");
    let edges = doc["graph"]["edges"].as_array().expect("edges");
    let graph = json(&["graph", "samples/eks-demo", "--format", "json"]);
    assert_eq!(nodes.len(), graph["nodes"].as_array().map_or(0, Vec::len));
    assert_eq!(edges.len(), graph["edges"].as_array().map_or(0, Vec::len));
    let ids: std::collections::BTreeSet<&str> =
        nodes.iter().filter_map(|n| n["id"].as_str()).collect();
    assert_eq!(ids.len(), nodes.len(), "node ids are unique");
    for n in nodes {
        let kinds = n["kinds"].as_array().expect("kinds");
        assert!(!kinds.is_empty() && kinds.len() <= 3);
        for (k, v) in n["properties"].as_object().expect("properties") {
            let ok = is_primitive(v) || v.as_array().is_some_and(|a| a.iter().all(is_primitive));
            assert!(ok, "node property {k} is not flat: {v}");
        }
    }
    for e in edges {
        for end in ["start", "end"] {
            let v = e[end]["value"].as_str().expect("edge end value");
            assert!(ids.contains(v), "edge {end} {v} names no node");
        }
        assert!(e["kind"].as_str().is_some_and(|k| !k.is_empty()));
        for (k, v) in e["properties"].as_object().expect("properties") {
            let ok = is_primitive(v) || v.as_array().is_some_and(|a| a.iter().all(is_primitive));
            assert!(ok, "edge property {k} is not flat: {v}");
        }
    }
}

#[test]
fn scan_bloodhound_marks_the_chain_steps() {
    let doc = json(&["scan", "samples/eks-demo", "--format", "bloodhound"]);
    let edges = doc["graph"]["edges"].as_array().expect("edges");
    assert!(edges.iter().any(|e| e["start"]["value"] == "internet"
        && e["end"]["value"] == "service:payments/checkout-api"
        && e["properties"]["on_chain"] == true));
    assert!(edges.iter().any(|e| e["properties"]["on_chain"] == false));
}

#[test]
fn cypher_script_merges_every_node_and_edge() {
    let text = stdout(&["graph", "samples/eks-demo", "--format", "cypher"]);
    assert!(text.contains("CREATE CONSTRAINT kubepath_node_id"));
    assert!(text.contains("MERGE (n:KubepathNode {id: id}) SET n:`Workload`"));
    assert!(text.contains("MERGE (a)-[e:`EXPOSED_LOADBALANCER`]->(b)"));
    assert!(text.contains("'service:payments/checkout-api'"));
    let statements: Vec<&str> = text
        .split(";\n")
        .map(|s| s.trim())
        .filter(|s| s.starts_with("UNWIND"))
        .collect();
    assert!(statements.len() >= 2);
    for stmt in statements {
        assert!(stmt.contains(" MERGE "), "{stmt}");
    }
}

// ---------- --output, completions, man, kubectl plugin ----------

#[test]
fn output_file_is_written_whole_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("report.sarif");
    let file_arg = file.to_string_lossy().into_owned();
    let out = run(
        &bin(),
        &[
            "scan",
            "samples/eks-demo",
            "--format",
            "sarif",
            "-o",
            &file_arg,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&file).expect("report written");
    assert_eq!(
        written,
        stdout(&["scan", "samples/eks-demo", "--format", "sarif"])
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert_eq!(names.len(), 1, "a temporary file was left: {names:?}");
}

#[test]
fn output_into_a_missing_folder_is_an_error_with_status_2() {
    let out = run(
        &bin(),
        &[
            "scan",
            "samples/eks-demo",
            "-o",
            "/nonexistent-folder/report.txt",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent-folder/report.txt"));
}

#[test]
fn fail_on_still_exits_3_with_other_formats() {
    let out = run(
        &bin(),
        &[
            "scan",
            "samples/eks-demo",
            "--format",
            "sarif",
            "--fail-on",
            "high",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn completions_and_man_page_are_printed() {
    let bash = stdout(&["completions", "bash"]);
    assert!(
        bash.contains("_kubepath()") && bash.contains("--format"),
        "{bash}"
    );
    let zsh = stdout(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef kubepath"), "{zsh}");
    let man = stdout(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH kubepath"),
        "{man}"
    );
}

#[cfg(unix)]
#[test]
fn kubectl_plugin_name_runs_the_same_program() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plugin = dir.path().join("kubectl-kubepath");
    std::os::unix::fs::symlink(bin(), &plugin).expect("symlink");
    let help = run(&plugin, &["--help"], &[]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Usage: kubectl kubepath"), "{help}");
    let as_plugin = run(
        &plugin,
        &["scan", "samples/eks-demo", "--format", "json"],
        &[],
    );
    assert_eq!(as_plugin.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&as_plugin.stdout),
        stdout(&["scan", "samples/eks-demo", "--format", "json"])
    );
}
