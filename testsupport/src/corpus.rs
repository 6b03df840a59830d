//! Reading manifests for the test server to serve: every YAML/JSON document under a folder,
//! `List`s unwrapped, namespaced objects without a namespace put in `default` (as
//! `kubectl apply` would), later duplicates of one object replacing earlier ones (an API
//! server holds one object per name).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::resources::resource_of;

/// The objects of every manifest under `root` that the server serves (kinds in
/// [`crate::RESOURCES`]), sorted by (kind, namespace, name).
pub fn load_objects(root: &Path) -> Vec<Value> {
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    let mut by_id: BTreeMap<(String, String, String), Value> = BTreeMap::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for doc in documents(&text) {
            add(doc, &mut by_id);
        }
    }
    by_id.into_values().collect()
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        {
            out.push(p);
        }
    }
}

fn documents(text: &str) -> Vec<Value> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return vec![v];
    }
    // One document at a time, so one the parser rejects does not hide the others.
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in text.lines().chain(std::iter::once("---")) {
        if line.starts_with("---") {
            if let Ok(v) = serde_saphyr::from_str::<Value>(&current) {
                docs.push(v);
            }
            current.clear();
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    docs
}

fn add(doc: Value, by_id: &mut BTreeMap<(String, String, String), Value>) {
    let kind = doc
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let kind = kind.as_str();
    if kind == "List" || kind.ends_with("List") {
        if let Some(Value::Array(items)) = doc.get("items") {
            for i in items.clone() {
                add(i, by_id);
            }
        }
        return;
    }
    let api_version = doc
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(res) = resource_of(&api_version, kind) else {
        return;
    };
    let mut doc = doc;
    let Some(meta) = doc.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let Some(name) = meta.get("name").and_then(Value::as_str).map(str::to_string) else {
        return;
    };
    let ns = if res.namespaced {
        let ns = meta
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_string();
        meta.insert("namespace".into(), Value::String(ns.clone()));
        ns
    } else {
        meta.remove("namespace");
        String::new()
    };
    by_id.insert((kind.to_string(), ns, name), doc);
}
