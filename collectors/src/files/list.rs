//! The fast path for the largest inputs, `kubectl get KIND -A -o json` Lists: items stay
//! raw JSON text and the bulk kinds are decoded straight into the model
//! ([`ingest::add_object_text`]); every other item takes the ordinary `Value` path. The
//! result (objects, order, stats, warnings) is the same as reading the file as a `Value`.

use std::path::Path;

use kubepath_engine::Source;
use kubepath_engine::ingest;
use rayon::prelude::*;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;

use super::Loader;

/// A whole file holding one List object. `apiVersion` is required: with it, no other
/// recogniser (gcloud, az, aws, eks, facts) claims the document, so it is read as a List.
#[derive(Deserialize)]
struct ListDocument<'a> {
    #[serde(rename = "apiVersion")]
    api_version: Option<IgnoredAny>,
    kind: Option<String>,
    #[serde(borrow)]
    items: Option<Vec<&'a RawValue>>,
}

/// List items decoded together: enough to keep both cores busy, few enough that the
/// whole decoded objects of one chunk stay small beside the file's text.
const DECODE_CHUNK: usize = 4096;

impl Loader<'_> {
    /// Read `text` (a `.json` file) if it is one List object whose items are objects;
    /// `false` (nothing done) otherwise.
    pub(super) fn json_list(&mut self, path: &Path, text: &str) -> bool {
        let Ok(doc) = serde_json::from_str::<ListDocument<'_>>(text) else {
            return false;
        };
        let (Some(_), Some(kind), Some(items)) = (doc.api_version, doc.kind, doc.items) else {
            return false;
        };
        if !kind.ends_with("List") || !items.iter().all(|i| i.get().starts_with('{')) {
            return false;
        }
        self.stats.files += 1;
        self.stats.documents += 1;
        let namespace = self.namespace_for(path);
        // The List's own first line: where a reader finds every item (as the Value path says).
        let line = 1 + text
            .get(..text.len() - text.trim_start().len())
            .unwrap_or("")
            .matches('\n')
            .count();
        self.line = Some(line);
        let source = Source {
            file: path.display().to_string(),
            document: 0,
            line: Some(line),
        };
        // Items are decoded in parallel (the bulk of a large estate's time), then added in
        // their order, so the snapshot is the same as a sequential read. In chunks: a Pod
        // replica is trimmed as it is added (`ingest::add_decoded`), so only one chunk of
        // whole decoded Pods is held at a time.
        for (c, chunk) in items.chunks(DECODE_CHUNK).enumerate() {
            let drafts: Vec<_> = chunk
                .par_iter()
                .map(|item| ingest::decode_object_text(item.get(), &namespace, &source))
                .collect();
            // Which Pods are replicas (their controller already has a Pod, earlier in the
            // snapshot or in this chunk) is decided in item order; their specs are then
            // decoded in parallel, a replica's only for `nodeName`.
            let mut owners_here = std::collections::HashSet::new();
            let replica: Vec<bool> = drafts
                .iter()
                .map(|d| match d {
                    Some((ingest::DecodedObject::Pod(p), ..)) => p.owner().is_some_and(|k| {
                        self.snap.replica_owners.contains(&k) || !owners_here.insert(k)
                    }),
                    _ => false,
                })
                .collect();
            let decoded: Vec<_> = drafts
                .into_par_iter()
                .zip(replica.par_iter().copied())
                .map(|(d, replica)| {
                    let (object_model, kind, object) = d?;
                    let object_model = match object_model {
                        ingest::DecodedObject::Pod(p) => {
                            ingest::DecodedObject::Workload(p.finish(replica)?)
                        }
                        other => other,
                    };
                    Some((object_model, kind, object))
                })
                .collect();
            for (j, (item, mut decoded)) in chunk.iter().zip(decoded).enumerate() {
                // A replica whose owner's first Pod could not be read after all stands for
                // the owner: it is decoded again, whole.
                if replica[j]
                    && let Some((ingest::DecodedObject::Workload(w), ..)) = &decoded
                    && ingest::owner_key(&w.meta)
                        .is_some_and(|k| !self.snap.replica_owners.contains(&k))
                {
                    decoded = ingest::decode_object_text(item.get(), &namespace, &source).and_then(
                        |(o, kind, object)| match o {
                            ingest::DecodedObject::Pod(p) => Some((
                                ingest::DecodedObject::Workload(p.finish(false)?),
                                kind,
                                object,
                            )),
                            other => Some((other, kind, object)),
                        },
                    );
                }
                if let Some((object_model, kind, object)) = decoded
                    && ingest::add_decoded(&mut self.snap, object_model)
                {
                    *self.stats.objects.entry(kind).or_default() += 1;
                    self.note_duplicate(object, source.clone());
                    continue;
                }
                let i = c * DECODE_CHUNK + j;
                match serde_json::from_str::<Value>(item.get()) {
                    Ok(value) => self.item(path, 0, value, &namespace, &format!(".items[{i}]")),
                    // Unreachable: RawValue holds valid JSON. Said, not panicked.
                    Err(e) => self.warn(path, Some(0), format!("invalid JSON: {e}")),
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use crate::files::{FileOptions, load_paths};

    /// Pods (one without a namespace), a Deployment, a Service, a ServiceAccount, a Role
    /// (not a bulk kind), a Pod with a wrong field type (an error naming the field) and one
    /// with only `generateName`.
    const LIST: &str = r#"{"apiVersion": "v1", "kind": "List", "items": [
      {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p1", "namespace": "a", "labels": {"app": "x"}},
       "spec": {"serviceAccountName": "s", "containers": [{"name": "c", "securityContext": {"privileged": true}}]}},
      {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p2"}, "spec": {"containers": [{"name": "c"}]}},
      {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "a"},
       "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "x"}}, "template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c"}]}}}},
      {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc", "namespace": "a"}, "spec": {"type": "LoadBalancer", "selector": {"app": "x"}}},
      {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "s", "namespace": "a"}, "automountServiceAccountToken": false},
      {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r", "namespace": "a"}, "rules": []},
      {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad", "namespace": "a"}, "spec": {"containers": "nope"}},
      {"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "gen-"}, "spec": {}},
      {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "a"}}
    ]}"#;

    #[test]
    fn replicas_keep_their_node_and_the_first_readable_pod_stands_for_the_owner() {
        let pod = |name: &str, node: &str, containers: &str| {
            format!(
                r#"{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "{name}", "namespace": "a",
                  "ownerReferences": [{{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "controller": true}}]}},
                  "spec": {{"nodeName": "{node}", "containers": {containers}}}}}"#
            )
        };
        let whole = r#"[{"name": "c", "securityContext": {"privileged": true}}]"#;
        let list = format!(
            r#"{{"apiVersion": "v1", "kind": "List", "items": [{}, {}, {}]}}"#,
            pod("broken", "n0", r#""nope""#),
            pod("first", "n1", whole),
            pod("second", "n2", whole)
        );
        let root = std::env::temp_dir().join(format!("kubepath-replicas-{}", std::process::id()));
        fs::create_dir_all(&root).expect("temp folder");
        fs::write(root.join("pods.json"), list).expect("write");
        let loaded = load_paths(std::slice::from_ref(&root), &FileOptions::default());
        let _ = fs::remove_dir_all(&root);
        let (snap, _) = loaded.expect("loads");
        let by_name = |n: &str| snap.workloads.iter().find(|w| w.meta.name == n);
        assert!(by_name("broken").is_none());
        assert!(
            snap.warnings
                .iter()
                .any(|w| w.to_string().contains("spec.containers")),
            "{:?}",
            snap.warnings
        );
        let first = by_name("first").expect("read");
        assert_eq!(first.pod_spec.containers.len(), 1, "stands for the owner");
        let second = by_name("second").expect("read");
        assert!(second.pod_spec.containers.is_empty(), "a replica");
        assert_eq!(second.pod_spec.node_name.as_deref(), Some("n2"));
    }

    #[test]
    fn a_json_list_reads_as_the_value_path_reads_it() {
        let root = std::env::temp_dir().join(format!("kubepath-list-{}", std::process::id()));
        let (fast, slow) = (root.join("fast"), root.join("slow"));
        for d in [&fast, &slow] {
            fs::create_dir_all(d).expect("temp folder");
        }
        // A `.json` name takes the List fast path; without an extension the file is
        // sniffed and read as `Value`s.
        fs::write(fast.join("objects.json"), LIST).expect("write");
        fs::write(slow.join("objects"), LIST).expect("write");
        let read = |dir: &std::path::Path| {
            let (snap, stats) =
                load_paths(&[dir.to_path_buf()], &FileOptions::default()).expect("loads");
            let text = format!("{snap:?} {stats:?}");
            text.replace(&dir.join("objects.json").display().to_string(), "FILE")
                .replace(&dir.join("objects").display().to_string(), "FILE")
        };
        let (a, b) = (read(&fast), read(&slow));
        let _ = fs::remove_dir_all(&root);
        assert!(a.contains(r#"field: Some("spec.containers")"#), "{a}");
        assert!(a.contains("gen-<generated>"), "{a}");
        assert_eq!(a, b);
    }
}
