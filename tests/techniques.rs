//! One data-driven test over `tests/fixtures/<TECHNIQUE>/{positive,negative}.yaml`.
//!
//! Each fixture is a minimal, realistic set of manifests (and AWS documents) whose first line
//! says which edge of the folder's technique it is about:
//!
//! ```text
//! # expect: FROM -> TO
//! # One sentence on what makes the edge exist (positive) or not (negative).
//! ```
//!
//! `positive.yaml` must produce that edge, `negative.yaml` must not. The negative names the
//! same edge as the positive (so a typo cannot make it pass vacuously) and differs from it by
//! the one precondition that flips. Every failure of every fixture is collected and reported
//! in one assertion, so one run shows everything.

use std::fs;
use std::path::{Path, PathBuf};

use kubepath_collectors::{FileOptions, load_paths};
use kubepath_engine::{CATALOG, NodeKind, build_graph};

/// Techniques that must have fixtures (more folders are welcome, fewer are not).
const REQUIRED: &[&str] = &[
    "EXPOSED_LOADBALANCER",
    "EXPOSED_NODEPORT",
    "EXPOSED_INGRESS",
    "SERVICE_SELECTS",
    "APP_COMPROMISE",
    "POD_SA_TOKEN",
    "MEMBER_OF",
    "RBAC_CLUSTER_ADMIN",
    "RBAC_READ_SECRETS",
    "RBAC_CREATE_WORKLOAD",
    "RBAC_POD_EXEC",
    "ESCAPE_PRIVILEGED",
    "ESCAPE_HOSTPATH_WRITE",
    "NODE_STEALS_TOKENS",
    "IRSA_ASSUME",
    "AWS_ADMIN",
];

const FILES: [(&str, bool); 2] = [("positive.yaml", true), ("negative.yaml", false)];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The edge a fixture is about, from its `# expect: FROM -> TO` first line, which must be
/// followed by a comment line explaining it.
fn expected_edge(text: &str) -> Result<(String, String), String> {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let edge = first
        .strip_prefix("# expect:")
        .ok_or_else(|| format!("first line must be `# expect: FROM -> TO`, found {first:?}"))?;
    let (from, to) = edge
        .split_once(" -> ")
        .ok_or_else(|| format!("`# expect:` line has no ` -> `: {first:?}"))?;
    let (from, to) = (from.trim(), to.trim());
    for id in [from, to] {
        if NodeKind::of_id(id).is_none() {
            return Err(format!("`{id}` is not a node id (unknown prefix)"));
        }
    }
    let why = lines.next().unwrap_or_default();
    if why.strip_prefix('#').is_none_or(|w| w.trim().is_empty()) {
        return Err(format!(
            "second line must be a comment saying why the edge exists or not, found {why:?}"
        ));
    }
    Ok((from.to_string(), to.to_string()))
}

/// Load one fixture and check its expectation; the failures, each one line.
fn check_fixture(
    technique: &str,
    path: &Path,
    positive: bool,
) -> Result<(String, String), Vec<String>> {
    let text = fs::read_to_string(path).map_err(|e| vec![format!("cannot read: {e}")])?;
    let (from, to) = expected_edge(&text).map_err(|e| vec![e])?;
    let (snapshot, _) = load_paths(&[path.to_path_buf()], &FileOptions::default())
        .map_err(|e| vec![format!("does not load: {e}")])?;
    let mut failures: Vec<String> = snapshot
        .warnings
        .iter()
        .map(|w| format!("collector warning: {w}"))
        .collect();
    let (g, engine_warnings) = build_graph(&snapshot);
    failures.extend(
        engine_warnings
            .iter()
            .map(|w| format!("engine warning: {w}")),
    );
    let present = g.has_edge(&from, &to, technique);
    if present != positive {
        let found = g
            .edges_of(technique)
            .iter()
            .map(|(f, t, _)| format!("{f} -> {t}"))
            .collect::<Vec<_>>();
        failures.push(format!(
            "expected {technique} edge {from} -> {to} to {}; {technique} edges found: {found:?}",
            if positive { "exist" } else { "be absent" },
        ));
    }
    if failures.is_empty() {
        Ok((from, to))
    } else {
        Err(failures)
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        out.push(entry.map_err(|e| format!("{}: {e}", dir.display()))?.path());
    }
    out.sort();
    Ok(out)
}

#[test]
fn every_technique_fixture_holds() {
    let root = fixtures_dir();
    let mut failures: Vec<String> = Vec::new();
    let mut fail = |at: &str, why: String| failures.push(format!("{at}: {why}"));

    let dirs = match sorted_entries(&root) {
        Ok(d) => d,
        Err(e) => panic!("cannot list fixtures: {e}"),
    };
    let mut seen: Vec<String> = Vec::new();
    let mut checked = 0;
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !dir.is_dir() {
            fail(&name, "not a technique folder".into());
            continue;
        }
        seen.push(name.clone());
        let Some(technique) = CATALOG.iter().find(|t| t.id == name) else {
            fail(&name, "folder name is not a technique id in CATALOG".into());
            continue;
        };
        match sorted_entries(&dir) {
            Ok(files) => {
                for f in files {
                    let file = f.file_name().unwrap_or_default().to_string_lossy();
                    if !FILES.iter().any(|(n, _)| *n == file) {
                        fail(&format!("{name}/{file}"), "unexpected file".into());
                    }
                }
            }
            Err(e) => fail(&name, e),
        }
        let mut edges = Vec::new();
        for (file, positive) in FILES {
            let at = format!("{name}/{file}");
            let path = dir.join(file);
            if !path.is_file() {
                fail(&at, "missing".into());
                continue;
            }
            checked += 1;
            match check_fixture(technique.id, &path, positive) {
                Ok(edge) => edges.push(edge),
                Err(why) => why.into_iter().for_each(|w| fail(&at, w)),
            }
        }
        if let [pos, neg] = edges.as_slice()
            && pos != neg
        {
            fail(
                &name,
                format!(
                    "negative.yaml must expect the same edge as positive.yaml ({} -> {}), not {} -> {}",
                    pos.0, pos.1, neg.0, neg.1
                ),
            );
        }
    }
    for required in REQUIRED {
        if !seen.iter().any(|s| s == required) {
            fail(required, "no fixture folder".into());
        }
    }

    assert!(
        failures.is_empty(),
        "{} failure(s) in {checked} fixture(s) under {}:\n  {}",
        failures.len(),
        root.display(),
        failures.join("\n  ")
    );
}
