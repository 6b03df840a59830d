//! Writing collections out as a snapshot folder that `kubepath scan DIR` reads.
//!
//! Order makes an interrupted collection visible: first the marker
//! [`INCOMPLETE_MARKER`], then every file (each written to a temporary name in its folder
//! and renamed, so no file is ever half-written), then `kubepath.yaml` (facts, coverage and
//! the list of files written), and last the marker is removed. A folder that still has the
//! marker is reported by the reader as an incomplete collection.

use std::fs;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use kubepath_engine::snapshot::{CoverageGap, Facts};
use serde_json::{Map, Value, json};

use super::Collection;

/// Present while a collection is being written (and after one was interrupted).
pub const INCOMPLETE_MARKER: &str = "kubepath.incomplete";
/// The facts, coverage and bookkeeping of a collection; written last.
pub const FACTS_FILE: &str = "kubepath.yaml";

/// Why a snapshot could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{0} is not empty and holds no kubepath collection: choose an empty or new folder \
         (kubepath replaces only its own earlier collections)"
    )]
    NotACollection(String),
    #[error(
        "a collector produced the file name {0:?}, which is not a relative path inside the folder"
    )]
    BadName(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Write `collections` into `dir` (created when missing). Returns the files written,
/// relative to `dir`, `kubepath.yaml` last.
pub fn write_snapshot(dir: &Path, collections: &[&Collection]) -> Result<Vec<String>, WriteError> {
    fs::create_dir_all(dir).map_err(io(dir))?;
    let previous = previous_collection(dir)?;
    for c in collections {
        for f in &c.files {
            if !is_safe_name(&f.name) || f.name == FACTS_FILE || f.name == INCOMPLETE_MARKER {
                return Err(WriteError::BadName(f.name.clone()));
            }
        }
    }
    let marker = dir.join(INCOMPLETE_MARKER);
    write_atomic(
        &marker,
        b"kubepath collect is writing this folder, or was interrupted while writing it: \
          the snapshot is incomplete until this file is gone.\n",
    )?;
    // The earlier collection's files go, so a kind no longer collected leaves no stale file.
    for name in previous.iter().filter(|n| is_safe_name(n)) {
        let p = dir.join(name);
        match fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&p)(e)),
            _ => {}
        }
    }
    let mut written = Vec::new();
    for c in collections {
        for f in &c.files {
            let path = dir.join(&f.name);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(io(parent))?;
            }
            write_atomic(&path, &f.bytes)?;
            written.push(f.name.clone());
        }
    }
    written.sort();
    let facts = facts_document(collections, &written);
    write_atomic(&dir.join(FACTS_FILE), facts.as_bytes())?;
    written.push(FACTS_FILE.to_string());
    fs::remove_file(&marker).map_err(io(&marker))?;
    sync_dir(dir);
    Ok(written)
}

/// The files an earlier collection in `dir` wrote; an error when `dir` holds something
/// else (kubepath never deletes what it did not write).
fn previous_collection(dir: &Path) -> Result<Vec<String>, WriteError> {
    let mut entries = fs::read_dir(dir).map_err(io(dir))?.peekable();
    if entries.peek().is_none() {
        return Ok(Vec::new());
    }
    let facts = fs::read_to_string(dir.join(FACTS_FILE)).ok();
    let files: Option<Vec<String>> = facts
        .as_deref()
        .and_then(|t| serde_saphyr::from_str::<Value>(t).ok())
        .and_then(|v| {
            v.pointer("/collection/files")?.as_array().map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
        });
    match files {
        Some(f) => Ok(f),
        // An interrupted collection: its files cannot be told apart, but the folder is ours.
        None if dir.join(INCOMPLETE_MARKER).exists() => Ok(Vec::new()),
        None => Err(WriteError::NotACollection(dir.display().to_string())),
    }
}

fn is_safe_name(name: &str) -> bool {
    let p = Path::new(name);
    !name.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)))
}

/// Write to a temporary file beside `path`, flush it to disk, then rename it over `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Hidden, so an interrupted write is never read as input.
    let tmp: PathBuf = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io(path)(e));
    }
    Ok(())
}

/// Make the renames durable (best effort: not every platform can open a folder).
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The facts of several collections merged: the first collector to state a fact wins
/// (each collector states different facts).
pub fn merge_facts(collections: &[&Collection]) -> Facts {
    let mut out = Facts::default();
    for c in collections {
        let f = &c.facts;
        let fill = |dst: &mut Option<String>, src: &Option<String>| {
            if dst.is_none() {
                dst.clone_from(src);
            }
        };
        fill(&mut out.cluster_name, &f.cluster_name);
        fill(&mut out.provider, &f.provider);
        fill(&mut out.oidc_issuer, &f.oidc_issuer);
        fill(&mut out.account, &f.account);
        fill(&mut out.cluster_arn, &f.cluster_arn);
        fill(&mut out.authentication_mode, &f.authentication_mode);
        fill(&mut out.region, &f.region);
        fill(&mut out.kubernetes_version, &f.kubernetes_version);
        for r in &f.node_role_arns {
            if !out.node_role_arns.contains(r) {
                out.node_role_arns.push(r.clone());
            }
        }
        if out.imds.pods_can_reach.is_none() {
            out.imds = f.imds.clone();
        }
    }
    out
}

/// Every collection's gaps, sorted.
pub fn merge_gaps(collections: &[&Collection]) -> Vec<CoverageGap> {
    let mut gaps: Vec<CoverageGap> = collections
        .iter()
        .flat_map(|c| c.gaps.iter().cloned())
        .collect();
    gaps.sort();
    gaps.dedup();
    gaps
}

/// `kubepath.yaml`: the merged facts (only those known), the coverage gaps, what was
/// skipped and the files written.
fn facts_document(collections: &[&Collection], files: &[String]) -> String {
    let mut doc = Map::new();
    doc.insert("apiVersion".into(), json!(crate::config::API_VERSION));
    doc.insert("kind".into(), json!(crate::config::KIND));
    if let Ok(Value::Object(facts)) = serde_json::to_value(merge_facts(collections)) {
        for (k, v) in facts {
            let empty = match &v {
                Value::Null => true,
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.values().all(Value::is_null),
                _ => false,
            };
            if !empty {
                doc.insert(k, v);
            }
        }
    }
    let gaps = merge_gaps(collections);
    if !gaps.is_empty() {
        doc.insert(
            "coverage".into(),
            serde_json::to_value(gaps).unwrap_or(Value::Null),
        );
    }
    let skipped: Vec<&str> = collections
        .iter()
        .filter_map(|c| c.skipped.as_deref())
        .collect();
    let mut collection = Map::new();
    collection.insert("complete".into(), json!(true));
    if !skipped.is_empty() {
        collection.insert("skipped".into(), json!(skipped));
    }
    collection.insert("files".into(), json!(files));
    doc.insert("collection".into(), Value::Object(collection));
    let header = "# Written by `kubepath collect`: the facts and coverage of a live collection.\n";
    match serde_saphyr::to_string(&Value::Object(doc.clone())) {
        Ok(yaml) => format!("{header}{yaml}"),
        // JSON is YAML too.
        Err(_) => format!(
            "{header}{}\n",
            serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::CollectedFile;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("kubepath-write-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    fn collection(files: &[(&str, &str)]) -> Collection {
        Collection {
            files: files
                .iter()
                .map(|(n, b)| CollectedFile {
                    name: n.to_string(),
                    bytes: b.as_bytes().to_vec(),
                })
                .collect(),
            gaps: vec![CoverageGap {
                source: "kubernetes".into(),
                what: "v1 Secret".into(),
                namespace: None,
                reason: "403 Forbidden".into(),
                may_hide: "tokens".into(),
            }],
            facts: Facts {
                provider: Some("eks".into()),
                ..Facts::default()
            },
            skipped: None,
        }
    }

    #[test]
    fn a_complete_write_leaves_no_marker_and_lists_its_files() {
        let d = temp_dir("complete");
        let c = collection(&[("kubernetes/pods.json", "{}")]);
        let written = write_snapshot(&d, &[&c]).unwrap();
        assert_eq!(written, ["kubernetes/pods.json", "kubepath.yaml"]);
        assert!(!d.join(INCOMPLETE_MARKER).exists());
        let facts = fs::read_to_string(d.join(FACTS_FILE)).unwrap();
        assert!(facts.contains("provider: eks"), "{facts}");
        assert!(facts.contains("mayHide: tokens"), "{facts}");
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_new_collection_replaces_the_old_ones_files_only() {
        let d = temp_dir("replace");
        write_snapshot(&d, &[&collection(&[("kubernetes/old.json", "{}")])]).unwrap();
        fs::write(d.join("notes.txt"), "mine").unwrap();
        write_snapshot(&d, &[&collection(&[("kubernetes/new.json", "{}")])]).unwrap();
        assert!(!d.join("kubernetes/old.json").exists());
        assert!(d.join("kubernetes/new.json").exists());
        assert!(d.join("notes.txt").exists());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_foreign_folder_and_escaping_names_are_refused() {
        let d = temp_dir("foreign");
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("important.yaml"), "x: 1").unwrap();
        let c = collection(&[("kubernetes/pods.json", "{}")]);
        assert!(matches!(
            write_snapshot(&d, &[&c]),
            Err(WriteError::NotACollection(_))
        ));
        let e = temp_dir("escape");
        let c = collection(&[("../evil.json", "{}")]);
        assert!(matches!(
            write_snapshot(&e, &[&c]),
            Err(WriteError::BadName(_))
        ));
        assert!(!e.join(INCOMPLETE_MARKER).exists());
        fs::remove_dir_all(&d).unwrap();
        let _ = fs::remove_dir_all(&e);
    }

    #[test]
    fn an_interrupted_collection_is_reported_by_the_reader() {
        let d = temp_dir("interrupted");
        write_snapshot(&d, &[&collection(&[("kubernetes/pods.json", r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"a"},"spec":{"containers":[{"name":"c","image":"i"}]}}]}"#)])]).unwrap();
        // As if killed before the end: the marker is back (written first by the next run).
        fs::write(d.join(INCOMPLETE_MARKER), "x").unwrap();
        let (snap, _) =
            crate::load_paths(std::slice::from_ref(&d), &crate::FileOptions::default()).unwrap();
        assert!(
            snap.coverage
                .iter()
                .any(|g| g.source == "kubepath" && g.reason.contains(INCOMPLETE_MARKER)),
            "{:?}",
            snap.coverage
        );
        assert!(
            snap.warnings
                .iter()
                .any(|w| w.message.contains("incomplete live collection"))
        );
        // The gaps recorded by the collection are read back too.
        assert!(snap.coverage.iter().any(|g| g.what == "v1 Secret"));
        assert_eq!(snap.facts.provider.as_deref(), Some("eks"));
        fs::remove_dir_all(&d).unwrap();
    }
}
