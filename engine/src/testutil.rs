//! Test helpers: snapshots from inline YAML manifests.
#![allow(dead_code)] // helpers used by technique tests as they land

use crate::graph::AttackGraph;
use crate::ingest::snapshot_from_values;
use crate::snapshot::Snapshot;

/// A snapshot of multi-document YAML; objects without a namespace go to `default`.
/// Panics on bad YAML or on an object the model rejects: test fixtures must be valid.
pub fn snapshot(yaml: &str) -> Snapshot {
    let docs: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(yaml).expect("test fixture is valid YAML");
    let (snap, errors) = snapshot_from_values(docs, "default");
    assert!(errors.is_empty(), "test fixture rejected: {errors:?}");
    snap
}

/// The attack graph of multi-document YAML.
pub fn graph(yaml: &str) -> AttackGraph {
    crate::build_graph(&snapshot(yaml)).0
}
