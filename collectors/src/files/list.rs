//! The fast path for the largest inputs, `kubectl get KIND -A -o json` Lists: items stay
//! raw JSON text and the bulk kinds are decoded straight into the model
//! ([`ingest::decode_object_text`]); every other item takes the ordinary `Value` path. The
//! result (objects, order, stats, warnings) is the same as reading the file as a `Value`.

use std::collections::HashSet;
use std::path::Path;
use std::sync::mpsc::{SyncSender, sync_channel};

use kubepath_engine::Source;
use kubepath_engine::ingest;
use rayon::prelude::*;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::Loader;

/// What the scan of a file found at its top level, beside the items it streamed: the
/// fields a List needs. The same checks as deserializing the whole file as
/// `{apiVersion: Option<_>, kind: Option<String>, items: Option<Vec<&RawValue>>}` (a known
/// key twice is an error; `null` is absent; other keys are ignored).
#[derive(Default)]
struct Scanned {
    api_version: bool,
    kind: Option<String>,
    items: bool,
    /// Whether every item is an object.
    all_objects: bool,
}

type Chunk<'t> = Vec<&'t RawValue>;

/// The top-level object of a List file: its items are sent in chunks as they are read.
struct Top<'c, 't> {
    tx: &'c SyncSender<Chunk<'t>>,
}

impl<'de> Visitor<'de> for Top<'_, 'de> {
    type Value = Scanned;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a List object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Scanned, M::Error> {
        let mut out = Scanned::default();
        let (mut api_version, mut kind, mut items) = (false, false, false);
        while let Some(Key(key)) = map.next_key()? {
            let seen = match key.as_ref() {
                "apiVersion" => &mut api_version,
                "kind" => &mut kind,
                "items" => &mut items,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if std::mem::replace(seen, true) {
                return Err(serde::de::Error::custom(format!("duplicate field `{key}`")));
            }
            match key.as_ref() {
                "apiVersion" => out.api_version = map.next_value::<Option<IgnoredAny>>()?.is_some(),
                "kind" => out.kind = map.next_value()?,
                _ => {
                    if let Some(all) = map.next_value_seed(Items { tx: self.tx })? {
                        out.items = true;
                        out.all_objects = all;
                    }
                }
            }
        }
        Ok(out)
    }
}

#[derive(Deserialize)]
struct Key<'a>(#[serde(borrow)] std::borrow::Cow<'a, str>);

/// `items`: `null`, or an array whose elements are sent in chunks; the value says whether
/// every element is an object.
struct Items<'c, 't> {
    tx: &'c SyncSender<Chunk<'t>>,
}

impl<'de> DeserializeSeed<'de> for Items<'_, 'de> {
    type Value = Option<bool>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<bool>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for Items<'_, 'de> {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of items")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Option<bool>, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<bool>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<bool>, D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<bool>, A::Error> {
        let mut all = true;
        let mut chunk = Vec::with_capacity(DECODE_CHUNK);
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            all &= item.get().starts_with('{');
            chunk.push(item);
            if chunk.len() == DECODE_CHUNK {
                // A receiver that stopped listening needs no more; the scan still checks the
                // rest of the file.
                let _ = self.tx.send(std::mem::replace(
                    &mut chunk,
                    Vec::with_capacity(DECODE_CHUNK),
                ));
            }
        }
        if !chunk.is_empty() {
            let _ = self.tx.send(chunk);
        }
        Ok(Some(all))
    }
}

/// The 1-based line of the first token of a file's text (after a byte order mark).
pub(super) fn first_line(bytes: &[u8]) -> usize {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    1 + bytes
        .iter()
        .take_while(|b| b.is_ascii_whitespace())
        .filter(|&&b| b == b'\n')
        .count()
}

/// Whether a file's text begins as `kubectl get -o json` writes a List: an object whose
/// first key is `apiVersion`, `kind` or `items`. Only a guess, to spare a file of another
/// shape (an IAM dump) the scan, and a large one a compaction and a second read; the scan
/// decides, and a List of another order is read by the general path, to the same effect.
pub(super) fn starts_like_a_list(bytes: &[u8]) -> bool {
    starts_with_key(bytes, &["apiVersion", "kind", "items"])
}

/// Whether `bytes` begin (after a byte order mark and blanks) with an object whose first
/// key is one of `keys`.
pub(super) fn starts_with_key(bytes: &[u8], keys: &[&str]) -> bool {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let rest = bytes.trim_ascii_start();
    let Some(rest) = rest.strip_prefix(b"{") else {
        return false;
    };
    let Some(rest) = rest.trim_ascii_start().strip_prefix(b"\"") else {
        return false;
    };
    keys.iter().any(|key| {
        rest.strip_prefix(key.as_bytes())
            .is_some_and(|r| r.starts_with(b"\""))
    })
}

/// Scan `text` as one JSON object, sending its `items` in chunks; `None` when it is not
/// one well-formed JSON object.
fn scan<'t>(text: &'t str, tx: SyncSender<Chunk<'t>>) -> Option<Scanned> {
    let mut de = serde_json::Deserializer::from_str(text);
    let scanned = de.deserialize_map(Top { tx: &tx }).ok()?;
    de.end().ok()?;
    Some(scanned)
}

/// List items decoded together: enough to keep both cores busy, few enough that the
/// whole decoded objects of one chunk stay small beside the file's text.
const DECODE_CHUNK: usize = 4096;

/// One chunk of items and, for each, the object decoded (or `None`: the `Value` path
/// decides).
type DecodedChunk<'t> = (
    Chunk<'t>,
    Vec<Option<(ingest::DecodedObject, String, String)>>,
);

impl Loader<'_> {
    /// Read `text` (a `.json` file) if it is one List object whose items are objects;
    /// `false` (nothing done) otherwise.
    ///
    /// The file is scanned on a thread of its own while the items it has found are decoded
    /// in parallel (the bulk of a large estate's time); whether the file is a List at all
    /// is known only at its end (`kubectl` writes `kind` after `items`), so the decoded
    /// items are added, in their order, once the scan says so. The snapshot is the same as
    /// a sequential read's.
    /// `line` is the List's own first line in the file ([`first_line`]): where a reader
    /// finds every item (as the Value path says).
    pub(super) fn json_list(&mut self, path: &Path, text: &str, line: usize) -> bool {
        let namespace = self.namespace_for(path);
        let source = Source {
            file: path.display().to_string(),
            document: 0,
            line: Some(line),
        };
        let replica_owners = &self.snap.replica_owners;
        let (scanned, chunks) = std::thread::scope(|s| {
            let (tx, rx) = sync_channel::<Chunk<'_>>(2);
            let scanner = s.spawn(move || scan(text, tx));
            // Which Pods are replicas (their controller already has a Pod, earlier in the
            // snapshot or in this file) is decided in item order; a replica then keeps only
            // its `nodeName` (before the next chunk is read, so that at most one chunk of
            // replicas' whole specs is held).
            let mut owners_here = HashSet::new();
            let mut chunks: Vec<DecodedChunk<'_>> = Vec::new();
            for chunk in rx {
                let drafts: Vec<_> = chunk
                    .par_iter()
                    .map(|item| ingest::decode_object_text(item.get(), &namespace, &source))
                    .collect();
                let replica: Vec<bool> = drafts
                    .iter()
                    .map(|d| match d {
                        Some((ingest::DecodedObject::Pod(p), ..)) => p
                            .owner()
                            .is_some_and(|k| replica_owners.contains(&k) || !owners_here.insert(k)),
                        _ => false,
                    })
                    .collect();
                let decoded: Vec<_> = drafts
                    .into_par_iter()
                    .zip(replica)
                    .map(|(d, replica)| {
                        let (object_model, kind, object) = d?;
                        let object_model = match object_model {
                            ingest::DecodedObject::Pod(p) => {
                                ingest::DecodedObject::Workload(p.finish(replica))
                            }
                            other => other,
                        };
                        Some((object_model, kind, object))
                    })
                    .collect();
                chunks.push((chunk, decoded));
            }
            (scanner.join().ok().flatten(), chunks)
        });
        let Some(Scanned {
            api_version: true,
            kind: Some(kind),
            items: true,
            all_objects: true,
        }) = scanned
        else {
            return false;
        };
        if !kind.ends_with("List") {
            return false;
        }
        self.stats.files += 1;
        self.stats.documents += 1;
        self.line = Some(line);
        // Room for them all at once: growing past a hundred thousand workloads moved them
        // (and faulted in pages) at each doubling, on one thread.
        let workloads = chunks
            .iter()
            .flat_map(|(_, decoded)| decoded)
            .filter(|d| matches!(d, Some((ingest::DecodedObject::Workload(_), ..))))
            .count();
        self.snap.workloads.reserve(workloads);
        let mut i = 0;
        for (chunk, decoded) in chunks {
            for (item, decoded) in chunk.into_iter().zip(decoded) {
                if let Some((object_model, kind, object)) = decoded {
                    ingest::add_decoded(&mut self.snap, object_model);
                    *self.stats.objects.entry(kind).or_default() += 1;
                    self.note_duplicate(object, &source);
                } else {
                    match serde_json::from_str::<Value>(item.get()) {
                        Ok(value) => self.item(path, 0, value, &namespace, &format!(".items[{i}]")),
                        // Unreachable: RawValue holds valid JSON. Said, not panicked.
                        Err(e) => self.warn(path, Some(0), format!("invalid JSON: {e}")),
                    }
                }
                i += 1;
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

    /// What reading `dir` gives, as text, its `objects` or `objects.json` named `FILE`.
    fn snapshot_text(dir: &std::path::Path) -> String {
        let (snap, stats) =
            load_paths(&[dir.to_path_buf()], &FileOptions::default()).expect("loads");
        let text = format!("{snap:?} {stats:?}");
        text.replace(&dir.join("objects.json").display().to_string(), "FILE")
            .replace(&dir.join("objects").display().to_string(), "FILE")
    }

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
            r#"{{"apiVersion": "v1", "kind": "List", "items": [{}, {}, {}, {}]}}"#,
            pod("broken", "n0", r#""nope""#),
            pod("first", "n1", whole),
            pod("second", "n2", whole),
            // A replica's spec is checked as well (as reading the file as a Value does).
            pod("broken-replica", "n3", r#"[{"name": 7}]"#)
        );
        let root = std::env::temp_dir().join(format!("kubepath-replicas-{}", std::process::id()));
        fs::create_dir_all(&root).expect("temp folder");
        fs::write(root.join("pods.json"), list).expect("write");
        let loaded = load_paths(std::slice::from_ref(&root), &FileOptions::default());
        let _ = fs::remove_dir_all(&root);
        let (snap, _) = loaded.expect("loads");
        let by_name = |n: &str| snap.workloads.iter().find(|w| w.meta.name == n);
        assert!(by_name("broken").is_none());
        assert!(by_name("broken-replica").is_none());
        let warned = |object: &str, field: &str| {
            snap.warnings.iter().any(|w| {
                w.object.as_deref() == Some(object)
                    && w.field.as_deref().is_some_and(|f| f.starts_with(field))
            })
        };
        assert!(
            warned("Pod/a/broken", "spec.containers"),
            "{:?}",
            snap.warnings
        );
        assert!(
            warned("Pod/a/broken-replica", "spec.containers[0].name"),
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
    fn a_list_of_several_chunks_reads_in_order_and_names_a_late_bad_item() {
        let n = super::DECODE_CHUNK + 10;
        let items: Vec<String> = (0..n)
            .map(|i| {
                // The first Pod of another owner, in the second chunk, with a wrong type.
                let (containers, owner) = if i == n - 2 {
                    (r#""nope""#, "other")
                } else {
                    (r#"[{"name": "c"}]"#, "rs")
                };
                format!(
                    r#"{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "p{i}", "namespace": "a",
                      "ownerReferences": [{{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "{owner}", "controller": true}}]}},
                      "spec": {{"nodeName": "n{i}", "containers": {containers}}}}}"#
                )
            })
            .collect();
        // `kind` after `items`, as kubectl writes it.
        let list = format!(
            r#"{{"apiVersion": "v1", "items": [{}], "kind": "List", "metadata": {{}}}}"#,
            items.join(",")
        );
        let not_a_list = list.replace(r#""kind": "List""#, r#""kind": "Bundle""#);
        let root = std::env::temp_dir().join(format!("kubepath-chunks-{}", std::process::id()));
        fs::create_dir_all(root.join("list")).expect("temp folder");
        fs::create_dir_all(root.join("other")).expect("temp folder");
        fs::write(root.join("list/pods.json"), &list).expect("write");
        fs::write(root.join("other/pods.json"), &not_a_list).expect("write");
        let read = |d: &str| load_paths(&[root.join(d)], &FileOptions::default());
        let (list_read, other_read) = (read("list"), read("other"));
        let _ = fs::remove_dir_all(&root);
        let (snap, stats) = list_read.expect("loads");
        assert_eq!(stats.objects.get("Pod"), Some(&(n - 1)));
        let names: Vec<&str> = snap
            .workloads
            .iter()
            .map(|w| w.meta.name.as_str())
            .collect();
        let expected: Vec<String> = (0..n)
            .filter(|&i| i != n - 2)
            .map(|i| format!("p{i}"))
            .collect();
        assert_eq!(names, expected);
        assert_eq!(snap.workloads[0].pod_spec.containers.len(), 1);
        let last = snap.workloads.last().expect("read");
        assert!(last.pod_spec.containers.is_empty(), "a replica");
        assert_eq!(last.pod_spec.node_name, Some(format!("n{}", n - 1)));
        let bad = format!("Pod/a/p{}", n - 2);
        assert!(
            snap.warnings
                .iter()
                .any(|w| w.object.as_deref() == Some(bad.as_str())
                    && w.field.as_deref() == Some("spec.containers")),
            "{:?}",
            snap.warnings
        );
        // Another kind: not a List, so its items are not read as objects.
        let other = other_read.map(|(s, _)| s.workloads.len());
        assert!(matches!(other, Ok(0) | Err(_)), "{other:?}");
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
        let (a, b) = (snapshot_text(&fast), snapshot_text(&slow));
        let _ = fs::remove_dir_all(&root);
        assert!(a.contains(r#"field: Some("spec.containers")"#), "{a}");
        assert!(a.contains("gen-<generated>"), "{a}");
        assert_eq!(a, b);
    }

    #[test]
    fn a_large_list_is_read_compacted_and_still_reports_places_in_the_file_as_written() {
        let root = std::env::temp_dir().join(format!("kubepath-big-{}", std::process::id()));
        let (fast, slow, cut) = (root.join("fast"), root.join("slow"), root.join("cut"));
        for d in [&fast, &slow, &cut] {
            fs::create_dir_all(d).expect("temp folder");
        }
        // Three blank lines, then the List with more indentation than the compaction
        // threshold between its items: it is compacted before it is read.
        let padding = "\n        ".repeat(crate::files::compact::MIN_LEN as usize / 8);
        let big = format!(
            "\n\n\n{}",
            LIST.replacen("},\n", &format!("}},{padding}"), 1)
        );
        assert!(big.len() as u64 > crate::files::compact::MIN_LEN);
        fs::write(fast.join("objects.json"), &big).expect("write");
        fs::write(slow.join("objects"), &big).expect("write");
        // Cut short: not JSON, so it is read again as written and the error says where.
        let lines = big.lines().count();
        fs::write(cut.join("objects.json"), &big[..big.len() - 3]).expect("write");
        let (a, b, c) = (
            snapshot_text(&fast),
            snapshot_text(&slow),
            snapshot_text(&cut),
        );
        let _ = fs::remove_dir_all(&root);
        assert!(a.contains(r#"field: Some("spec.containers")"#), "{a}");
        assert!(
            a.contains("line: Some(4)"),
            "the List's line in the file: {a}"
        );
        assert_eq!(a, b);
        // p1 is a Pod of the List: read from the whole file, not from the cut one.
        assert!(a.contains(r#"name: "p1""#), "{a}");
        assert!(
            !c.contains(r#"name: "p1""#),
            "nothing read from text that is not JSON"
        );
        assert!(
            c.contains(&format!("line {lines}")),
            "{}",
            &c[..c.len().min(2000)]
        );
    }
}
