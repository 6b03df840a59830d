//! Offline ingest: Kubernetes manifests, `kubectl get -o json|yaml` dumps and AWS
//! `get-account-authorization-details` JSON, from files and folders, into a [`Snapshot`].
//!
//! Documents are recognised by content, not file name. Bad input becomes a [`Warning`] in
//! the snapshot and the rest is still read; only a missing path, or nothing to read at
//! all, is an error.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use kubepath_engine::aws::{AuthorizationDetails, OrganizationsPolicy};
use kubepath_engine::ingest::{self, Added};
use kubepath_engine::{Snapshot, Source, Warning};
use serde_json::Value;

use crate::aws_auth;
use crate::azure;
use crate::config;
use crate::eks;
use crate::gcp;
use crate::vuln;
use crate::yaml;

mod compact;
mod list;
mod read;

/// How to read the files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileOptions {
    /// Namespace for namespaced objects that name none and have no kustomization
    /// `namespace:` beside them (`--namespace`, like `kubectl apply -n`). `None`: `default`.
    pub default_namespace: Option<String>,
}

/// What was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// Files read as input (manifests and AWS documents).
    pub files: usize,
    /// Non-empty documents met in those files (a `List` is one document).
    pub documents: usize,
    /// Objects added to the snapshot, by kind.
    pub objects: BTreeMap<String, usize>,
    /// Objects of kinds the analysis does not use, by kind.
    pub skipped_kinds: BTreeMap<String, usize>,
    /// Files that were not Kubernetes or AWS documents (READMEs, scripts, binaries).
    pub skipped_files: usize,
}

/// Why nothing could be analysed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: no such file or directory", path.display())]
    NotFound { path: PathBuf },
    #[error("no input paths given")]
    NoPaths,
    #[error("nothing could be read from {paths}: {reason}")]
    NothingRead { paths: String, reason: String },
}

/// Read every path (a file, or a folder read recursively) into one snapshot.
pub fn load_paths(
    paths: &[PathBuf],
    opts: &FileOptions,
) -> Result<(Snapshot, LoadStats), LoadError> {
    // The YAML parser recurses once per nesting level; a thread of our own gives it a
    // known stack whatever thread the caller runs on (test threads get 2 MiB).
    let spawned = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("kubepath-load".into())
            .stack_size(yaml::STACK_SIZE)
            .spawn_scoped(scope, || load_on_this_thread(paths, opts))
            .map(|handle| handle.join())
    });
    match spawned {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        // No thread to be had: read here, on the caller's stack.
        Err(_) => load_on_this_thread(paths, opts),
    }
}

fn load_on_this_thread(
    paths: &[PathBuf],
    opts: &FileOptions,
) -> Result<(Snapshot, LoadStats), LoadError> {
    if paths.is_empty() {
        return Err(LoadError::NoPaths);
    }
    for p in paths {
        // `exists` follows symlinks, so a dangling link counts as missing.
        if !p.exists() {
            return Err(LoadError::NotFound { path: p.clone() });
        }
    }
    let mut loader = Loader {
        opts,
        snap: Snapshot::default(),
        stats: LoadStats::default(),
        seen_dirs: HashSet::new(),
        seen_files: HashSet::new(),
        kustomize_ns: HashMap::new(),
        unreadable: 0,
        facts_files: Vec::new(),
        line: None,
        seen_objects: foldhash::HashMap::default(),
        seen_sources: Vec::new(),
        skipped_first: BTreeMap::new(),
    };
    for p in paths {
        loader.visit(p, true);
    }
    loader.finish_eks();
    let Loader {
        mut snap,
        stats,
        unreadable,
        skipped_first,
        ..
    } = loader;
    if stats.files == 0 {
        let paths = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let reason = if unreadable > 0 {
            format!(
                "{unreadable} file(s) or folder(s) could not be read and {} file(s) hold no Kubernetes or AWS documents",
                stats.skipped_files
            )
        } else {
            format!(
                "no Kubernetes or AWS documents found ({} other file(s) skipped)",
                stats.skipped_files
            )
        };
        // The warnings say which file was what (empty, binary, unreadable, malformed).
        let mut reason = reason;
        for w in &snap.warnings {
            reason.push_str(&format!("\n  - {w}"));
        }
        return Err(LoadError::NothingRead { paths, reason });
    }
    if let Some(w) = skipped_kinds_warning(&stats.skipped_kinds, &skipped_first) {
        snap.warnings.push(w);
    }
    Ok((snap, stats))
}

/// One warning for all objects of unused kinds, most frequent first, each with the first
/// file that holds one (so that a mistyped `kind` or `apiVersion` can be found).
fn skipped_kinds_warning(
    skipped: &BTreeMap<String, usize>,
    first: &BTreeMap<String, String>,
) -> Option<Warning> {
    let total: usize = skipped.values().sum();
    if total == 0 {
        return None;
    }
    let mut kinds: Vec<(&String, &usize)> = skipped.iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let list = kinds
        .iter()
        .map(|(k, n)| match first.get(*k) {
            Some(at) => format!("{k} ({n}, first in {at})"),
            None => format!("{k} ({n})"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    Some(Warning {
        file: String::new(),
        document: None,
        object: None,
        field: None,
        message: format!("skipped {total} objects of kinds the analysis does not use: {list}"),
    })
}

/// How a file's text is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Yaml,
    Json,
}

struct Loader<'o> {
    opts: &'o FileOptions,
    snap: Snapshot,
    stats: LoadStats,
    /// Canonical folders already walked: stops symlink loops.
    seen_dirs: HashSet<PathBuf>,
    /// Canonical files already read: a file given twice (or linked) is read once.
    seen_files: HashSet<PathBuf>,
    /// Namespace set by the kustomization file of each folder (`None`: no file or no
    /// `namespace:`).
    kustomize_ns: HashMap<PathBuf, Option<String>>,
    unreadable: usize,
    /// `kubepath.yaml` facts, applied after every file is read so that they win whatever
    /// the order.
    facts_files: Vec<config::FactsFile>,
    /// 1-based line where the document being read starts (for `Source::line`).
    line: Option<usize>,
    /// `Kind/namespace/name` of every object added, with where (an index into
    /// `seen_sources`, and the document): a second definition is warned about (both are
    /// analysed; which one a cluster holds depends on apply order).
    seen_objects: foldhash::HashMap<String, (usize, usize)>,
    /// The files of `seen_objects`, each once (a List's items share one).
    seen_sources: Vec<String>,
    /// The first `file (document N)` holding each skipped kind.
    skipped_first: BTreeMap<String, String>,
}

const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

impl Loader<'_> {
    fn warn(&mut self, file: &Path, document: Option<usize>, message: impl Into<String>) {
        self.snap.warnings.push(Warning {
            file: file.display().to_string(),
            document,
            object: None,
            field: None,
            message: message.into(),
        });
    }

    /// `path` is shown as the user spelled it (joined with names below it).
    fn visit(&mut self, path: &Path, given: bool) {
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.unreadable += 1;
                self.warn(path, None, format!("cannot read: {e}"));
                return;
            }
        };
        if meta.is_dir() {
            self.visit_dir(path);
        } else if meta.is_file() {
            self.visit_file(path);
        } else if given {
            self.warn(path, None, "not a regular file or folder; skipped");
        }
    }

    fn visit_dir(&mut self, dir: &Path) {
        match fs::canonicalize(dir) {
            Ok(real) => {
                if !self.seen_dirs.insert(real) {
                    self.warn(
                        dir,
                        None,
                        "folder already read through another path (symlink loop?); skipped",
                    );
                    return;
                }
            }
            Err(e) => {
                self.unreadable += 1;
                self.warn(dir, None, format!("cannot read folder: {e}"));
                return;
            }
        }
        let entries = match fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                self.unreadable += 1;
                self.warn(dir, None, format!("cannot read folder: {e}"));
                return;
            }
        };
        let mut names = Vec::new();
        for entry in entries {
            match entry {
                Ok(e) => names.push(e.file_name()),
                Err(e) => {
                    self.unreadable += 1;
                    self.warn(dir, None, format!("cannot list folder entry: {e}"));
                }
            }
        }
        // Sorted so that object order, and with it every report, is deterministic.
        names.sort();
        for name in names {
            // Hidden entries (.git, editor state) are never manifests of the estate.
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            self.visit(&dir.join(name), false);
        }
    }

    fn visit_file(&mut self, path: &Path) {
        if let Ok(real) = fs::canonicalize(path)
            && !self.seen_files.insert(real)
        {
            return;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name == crate::live::INCOMPLETE_MARKER {
            return self.interrupted_collection(path);
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let declared = match ext.as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ if KUSTOMIZATION_FILES.contains(&name.as_str()) => Some(Format::Yaml),
            _ => None,
        };
        let special = KUSTOMIZATION_FILES.contains(&name.as_str())
            || config::FILE_NAMES.contains(&name.as_str());
        // Set when a large file was read as a List and is not one.
        let mut list_tried = false;
        if declared == Some(Format::Json) && !special {
            match self.compacted_list(path) {
                Some(true) => return,
                Some(false) => list_tried = true,
                None => {}
            }
        }
        let Some(whole) = self.read_text(path, declared.is_some()) else {
            return;
        };
        let text = whole.strip_prefix('\u{feff}').unwrap_or(&whole);
        let (format, sniffed) = match declared {
            Some(f) => (f, false),
            None => match sniff(text) {
                Some(f) => (f, true),
                None => {
                    self.stats.skipped_files += 1;
                    return;
                }
            },
        };
        if format == Format::Json
            && !sniffed
            && !special
            && !list_tried
            && list::starts_like_a_list(text.as_bytes())
            && self.json_list(path, text, list::first_line(text.as_bytes()))
        {
            return;
        }
        if format == Format::Json && !sniffed && !special && self.aws_text(path, text) {
            return;
        }
        let docs = match format {
            Format::Yaml => yaml_documents(text),
            Format::Json => json_documents(text),
        };
        if sniffed
            && !docs
                .iter()
                .any(|(_, _, d)| d.as_ref().is_ok_and(is_recognised))
        {
            self.stats.skipped_files += 1;
            return;
        }
        self.stats.files += 1;
        let is_kustomization = KUSTOMIZATION_FILES.contains(&name.as_str());
        let is_facts_file = config::FILE_NAMES.contains(&name.as_str());
        if docs.is_empty() {
            self.warn(path, None, "no documents in file");
            return;
        }
        let namespace = self.namespace_for(path);
        for (index, line, doc) in docs {
            self.line = Some(line);
            match doc {
                Err(message) => self.warn(path, Some(index), message),
                Ok(Value::Null) => {}
                Ok(value) => {
                    self.stats.documents += 1;
                    if is_kustomization && value.get("kind").is_none() {
                        // kustomize config, not a cluster object (its namespace is read apart).
                        continue;
                    }
                    if is_facts_file && value.get("kind").is_none() {
                        self.facts(path, index, value);
                        continue;
                    }
                    self.document(path, index, value, &namespace);
                }
            }
        }
    }

    /// The text of `path`, or `None` when it cannot be read, or is empty, binary or not
    /// UTF-8. Problems with files that are not manifests by name (`declared`) are not the
    /// user's concern: those are counted as skipped, not warned about.
    fn read_text(&mut self, path: &Path, declared: bool) -> Option<String> {
        let read::Read { bytes, has_nul } = match read::read(path) {
            Ok(r) => r,
            Err(e) => {
                self.unreadable += 1;
                self.warn(path, None, format!("cannot read: {e}"));
                return None;
            }
        };
        let problem = if bytes.iter().all(u8::is_ascii_whitespace) {
            "empty file".to_string()
        } else if has_nul {
            "binary file (contains NUL bytes); skipped".to_string()
        } else {
            match String::from_utf8(bytes) {
                Ok(text) => return Some(text),
                Err(e) => format!(
                    "not UTF-8 text (invalid byte at offset {}); skipped",
                    e.utf8_error().valid_up_to()
                ),
            }
        };
        if declared {
            self.warn(path, None, problem);
        } else {
            self.stats.skipped_files += 1;
        }
        None
    }

    /// Read a large `.json` file that begins as a List does as one ([`Loader::json_list`]),
    /// from its compacted text (`compact.rs`): `Some(true)` when it is one, `Some(false)`
    /// when it is not, `None` when not tried (small, of another shape, or unreadable, binary
    /// or not UTF-8: the ordinary read says which).
    fn compacted_list(&mut self, path: &Path) -> Option<bool> {
        if fs::metadata(path).ok()?.len() < compact::MIN_LEN {
            return None;
        }
        let mut head = Vec::with_capacity(4096);
        fs::File::open(path)
            .ok()?
            .take(4096)
            .read_to_end(&mut head)
            .ok()?;
        if !list::starts_like_a_list(&head) {
            return None;
        }
        // Where the List begins in the file as written (compaction joins leading lines).
        let line = list::first_line(&head);
        let bytes = compact::read_compacted(path).ok()??;
        let text = std::str::from_utf8(&bytes).ok()?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Some(self.json_list(path, text, line))
    }

    /// The `namespace:` of the kustomization beside `file`, if any (after `namespace_for`
    /// has read it).
    fn kustomize_namespace(&self, file: &Path) -> Option<String> {
        let dir = file.parent().unwrap_or(Path::new(""));
        self.kustomize_ns.get(dir).cloned().flatten()
    }

    /// The namespace for objects in `file` that name none.
    fn namespace_for(&mut self, file: &Path) -> String {
        let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
        if !self.kustomize_ns.contains_key(&dir) {
            let ns = self.read_kustomization_namespace(&dir);
            self.kustomize_ns.insert(dir.clone(), ns);
        }
        self.kustomize_ns
            .get(&dir)
            .cloned()
            .flatten()
            .or_else(|| self.opts.default_namespace.clone())
            .unwrap_or_else(|| "default".to_string())
    }

    fn read_kustomization_namespace(&mut self, dir: &Path) -> Option<String> {
        let file = KUSTOMIZATION_FILES
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())?;
        // Read errors are reported when the file itself is visited.
        let text = fs::read_to_string(&file).ok()?;
        yaml_documents(&text)
            .into_iter()
            .filter_map(|(_, _, d)| d.ok())
            .find_map(|v| {
                v.get("namespace")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            })
    }

    fn document(&mut self, file: &Path, index: usize, value: Value, namespace: &str) {
        match value {
            v if gcp::recognise(&v) => {
                gcp::read(&mut self.snap, &mut self.stats.objects, file, index, v)
            }
            _ if azure::recognise(&value).is_some() => {
                azure::load(&mut self.snap, &mut self.stats.objects, file, index, value)
            }
            Value::Array(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    self.item(file, index, item, namespace, &format!("[{i}]"));
                }
            }
            Value::Object(_) if is_aws_document(&value) => self.aws(file, index, value),
            Value::Object(_) if is_eks_cluster(&value) => self.eks_cluster(file, index, &value),
            Value::Object(_) if config::is_facts(&value) => self.facts(file, index, value),
            Value::Object(_) if eks::recognise(&value).is_some() => self.eks(file, index, value),
            Value::Object(_) if OrganizationsPolicy::looks_like(&value) => {
                self.scp(file, index, value)
            }
            Value::Object(_) if vuln::recognise(&value).is_some() => {
                vuln::load(&mut self.snap, &mut self.stats.objects, file, index, &value)
            }
            Value::Object(_) => self.item(file, index, value, namespace, ""),
            _ => self.warn(
                file,
                Some(index),
                "unrecognised document: neither a Kubernetes object nor an AWS document",
            ),
        }
    }

    /// One object or list; `at` locates it inside the document (`[3]` in an array).
    fn item(&mut self, file: &Path, index: usize, mut value: Value, namespace: &str, at: &str) {
        let kind = match value.get("kind") {
            Some(Value::String(k)) => k.clone(),
            _ => {
                let message = if is_aws_document(&value) {
                    // An AWS document inside an array: read it as well.
                    return self.aws(file, index, value);
                } else if value.is_object() && value.get("kind").is_some() {
                    "kind must be a string".to_string()
                } else {
                    "unrecognised document: neither a Kubernetes object nor an AWS document"
                        .to_string()
                };
                self.snap.warnings.push(Warning {
                    file: file.display().to_string(),
                    document: Some(index),
                    object: None,
                    field: (!at.is_empty()).then(|| at.to_string()),
                    message,
                });
                return;
            }
        };
        if kind == "Kustomization" {
            return;
        }
        if kind.ends_with("List") && value.get("items").is_some_and(Value::is_array) {
            let items = match value.get_mut("items").map(Value::take) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            for (i, it) in items.into_iter().enumerate() {
                if it.is_object() {
                    self.item(file, index, it, namespace, &format!("{at}.items[{i}]"));
                } else {
                    self.snap.warnings.push(Warning {
                        file: file.display().to_string(),
                        document: Some(index),
                        object: Some(format!("{kind}/-")),
                        field: Some(format!("items[{i}]")),
                        message: "list item is not an object".into(),
                    });
                }
            }
            return;
        }
        let is_binding = matches!(kind.as_str(), "RoleBinding" | "ClusterRoleBinding");
        if let Some(ns) = self.kustomize_namespace(file).filter(|_| is_binding) {
            fill_subject_namespaces(&mut value, &ns);
        }
        ingest::set_default_namespace(&mut value, namespace);
        let source = Source {
            file: file.display().to_string(),
            document: index,
            line: self.line,
        };
        if aws_auth::is_aws_auth(&value) {
            return self.aws_auth(&value, source);
        }
        // Objects named by the server (`generateName`) are never duplicates of each other.
        let named = value
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty());
        let object = named.then(|| ingest::describe(&value));
        match ingest::add_object(&mut self.snap, value, source.clone()) {
            Ok(Added::Object) => {
                *self.stats.objects.entry(kind).or_default() += 1;
                if let Some(object) = object {
                    self.note_duplicate(object, &source);
                }
            }
            Ok(Added::UnsupportedKind(k)) => {
                self.skipped_first
                    .entry(k.clone())
                    .or_insert_with(|| format!("{} (document {index})", source.file));
                *self.stats.skipped_kinds.entry(k).or_default() += 1
            }
            Err(e) => self.snap.warnings.push(Warning {
                file: file.display().to_string(),
                document: Some(index),
                object: Some(e.object),
                field: Some(e.field),
                message: e.message,
            }),
        }
    }

    fn note_duplicate(&mut self, object: String, source: &Source) {
        use std::collections::hash_map::Entry;
        match self.seen_objects.entry(object) {
            Entry::Occupied(first) => {
                let (file, document) = *first.get();
                let object = first.key().clone();
                let message = format!(
                    "duplicate object: {object} is also defined in {} (document {document}); both \
                     are analysed",
                    self.seen_sources.get(file).map_or("", String::as_str),
                );
                self.snap.warnings.push(Warning {
                    file: source.file.clone(),
                    document: Some(source.document),
                    object: Some(object),
                    field: None,
                    message,
                });
            }
            Entry::Vacant(v) => {
                if self.seen_sources.last() != Some(&source.file) {
                    self.seen_sources.push(source.file.clone());
                }
                v.insert((self.seen_sources.len() - 1, source.document));
            }
        }
    }

    fn aws_auth(&mut self, value: &Value, source: Source) {
        if let Some(first) = &self.snap.aws_auth {
            let message = format!(
                "duplicate aws-auth ConfigMap; the one in {} (document {}) is used",
                first.source.file, first.source.document
            );
            self.snap.warnings.push(Warning {
                file: source.file.clone(),
                document: Some(source.document),
                object: Some(aws_auth::OBJECT.into()),
                field: None,
                message,
            });
            return;
        }
        let (auth, errors) = aws_auth::parse(value, source.clone());
        for e in errors {
            self.snap.warnings.push(Warning {
                file: source.file.clone(),
                document: Some(source.document),
                object: Some(aws_auth::OBJECT.into()),
                field: Some(e.field),
                message: e.message,
            });
        }
        self.snap.aws_auth = Some(auth);
        *self
            .stats
            .objects
            .entry("ConfigMap".to_string())
            .or_default() += 1;
    }

    /// Facts from `aws eks describe-cluster`: the cluster's name, account and OIDC issuer
    /// (which IRSA trust policies must name). A second cluster with another issuer is a
    /// warning: one snapshot is one cluster.
    fn eks_cluster(&mut self, file: &Path, index: usize, value: &Value) {
        let cluster = &value["cluster"];
        let text = |v: &Value| v.as_str().map(str::to_string);
        let issuer = text(&cluster["identity"]["oidc"]["issuer"]);
        let facts = &mut self.snap.facts;
        if let (Some(old), Some(new)) = (&facts.oidc_issuer, &issuer)
            && old != new
        {
            let message = format!(
                "a second EKS cluster (OIDC issuer {new}) in one snapshot; keeping {old}: scan one cluster at a time"
            );
            return self.warn(file, Some(index), message);
        }
        facts.provider = Some("eks".into());
        facts.cluster_name = text(&cluster["name"]).or(facts.cluster_name.take());
        facts.oidc_issuer = issuer.or(facts.oidc_issuer.take());
        facts.authentication_mode = text(&cluster["accessConfig"]["authenticationMode"])
            .or(facts.authentication_mode.take());
        facts.cluster_arn = text(&cluster["arn"]).or(facts.cluster_arn.take());
        facts.account = text(&cluster["arn"])
            .and_then(|a| a.split(':').nth(4).map(str::to_string))
            .or(facts.account.take());
        *self
            .stats
            .objects
            .entry("EksCluster".to_string())
            .or_default() += 1;
    }

    /// A `kubepath.yaml` facts document.
    fn facts(&mut self, file: &Path, index: usize, value: Value) {
        let (facts, errors) = config::parse(value);
        for e in errors {
            self.snap.warnings.push(Warning {
                file: file.display().to_string(),
                document: Some(index),
                object: Some(config::OBJECT.into()),
                field: (!e.field.is_empty()).then_some(e.field),
                message: e.message,
            });
        }
        if let Some(f) = facts {
            self.facts_files.push(f);
            *self.stats.objects.entry("Facts".to_string()).or_default() += 1;
        }
    }

    /// The marker `kubepath collect` leaves while it writes: the collection in this folder
    /// was interrupted (or is still being written), so any kind may be missing.
    fn interrupted_collection(&mut self, marker: &Path) {
        let folder = marker
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        self.warn(
            marker,
            None,
            "this folder holds an incomplete live collection (kubepath collect was interrupted \
             or is still writing): run kubepath collect again",
        );
        self.snap
            .coverage
            .push(kubepath_engine::snapshot::CoverageGap {
                source: "kubepath".into(),
                what: format!("the collection in {folder}"),
                namespace: None,
                reason: format!("incomplete: {} is present", marker.display()),
                may_hide: "anything: kinds not yet written when the collection stopped are missing"
                    .into(),
            });
    }

    /// `aws eks` pod identity and access entry documents.
    fn eks(&mut self, file: &Path, index: usize, value: Value) {
        let Some(doc) = eks::recognise(&value) else {
            return;
        };
        let source = Source {
            file: file.display().to_string(),
            document: index,
            line: self.line,
        };
        for e in eks::read(doc, value, &source, &mut self.snap.eks) {
            self.snap.warnings.push(Warning {
                file: source.file.clone(),
                document: Some(index),
                object: Some(doc.command().into()),
                field: Some(e.field),
                message: e.message,
            });
        }
        *self.stats.objects.entry("EksApi".to_string()).or_default() += 1;
    }

    /// Once every file is read: merge list/describe outputs, apply `kubepath.yaml`.
    fn finish_eks(&mut self) {
        for u in eks::finish(&mut self.snap.eks) {
            self.snap.warnings.push(Warning {
                file: u.source.file,
                document: Some(u.source.document),
                object: Some(eks::Doc::ListPodIdentityAssociations.command().into()),
                field: Some(u.field),
                message: u.message,
            });
        }
        for mut f in std::mem::take(&mut self.facts_files) {
            self.snap.coverage.extend(f.take_coverage());
            f.apply(&mut self.snap.facts);
        }
        self.snap.coverage.sort();
        self.snap.coverage.dedup();
    }

    /// `aws organizations describe-policy` output: a service control policy.
    fn scp(&mut self, file: &Path, index: usize, value: Value) {
        match serde_path_to_error::deserialize::<_, OrganizationsPolicy>(value) {
            Ok(mut p) => {
                p.source = Source {
                    file: file.display().to_string(),
                    document: index,
                    line: self.line,
                };
                self.snap.scps.push(p);
                *self
                    .stats
                    .objects
                    .entry("AwsOrganizationsPolicy".to_string())
                    .or_default() += 1;
            }
            Err(e) => self.snap.warnings.push(Warning {
                file: file.display().to_string(),
                document: Some(index),
                object: Some("aws organizations describe-policy".into()),
                field: Some(e.path().to_string()),
                message: e.inner().to_string(),
            }),
        }
    }

    /// A file that is one `get-account-authorization-details` document, read straight into
    /// its model: the general path builds a `Value` first, which doubled the time on 10,000
    /// principals (and ran with every other core idle). `false` (nothing done) when the
    /// file is not one, or may not be: then the general path reads it, and says what is
    /// wrong. (A document with a top-level `kind` is not one; any `"kind"` sends it there.)
    fn aws_text(&mut self, file: &Path, text: &str) -> bool {
        if !list::starts_with_key(text.as_bytes(), &AWS_KEYS)
            || memchr::memmem::find(text.as_bytes(), b"\"kind\"").is_some()
        {
            return false;
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let Ok(details) = serde_path_to_error::deserialize::<_, AuthorizationDetails>(&mut de)
        else {
            return false;
        };
        if de.end().is_err() {
            return false;
        }
        self.stats.files += 1;
        self.stats.documents += 1;
        self.line = Some(list::first_line(text.as_bytes()));
        self.aws_details(file, 0, details);
        true
    }

    fn aws_details(&mut self, file: &Path, index: usize, mut details: AuthorizationDetails) {
        details.source = Source {
            file: file.display().to_string(),
            document: index,
            line: self.line,
        };
        self.snap.aws.push(details);
        *self
            .stats
            .objects
            .entry("AwsAuthorizationDetails".to_string())
            .or_default() += 1;
    }

    fn aws(&mut self, file: &Path, index: usize, value: Value) {
        match serde_path_to_error::deserialize::<_, AuthorizationDetails>(value) {
            Ok(details) => self.aws_details(file, index, details),
            Err(e) => self.snap.warnings.push(Warning {
                file: file.display().to_string(),
                document: Some(index),
                object: Some("aws get-account-authorization-details".into()),
                field: Some(e.path().to_string()),
                message: e.inner().to_string(),
            }),
        }
    }
}

/// `aws eks describe-cluster` output: `{"cluster": {"name", "arn", "identity": {"oidc": ...}}}`.
fn is_eks_cluster(value: &Value) -> bool {
    value.get("kind").is_none()
        && value
            .get("cluster")
            .and_then(|c| c.get("arn"))
            .and_then(Value::as_str)
            .is_some_and(|a| a.contains(":eks:"))
}

const AWS_KEYS: [&str; 4] = [
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
];

/// An `aws iam get-account-authorization-details` document, by its top-level keys.
fn is_aws_document(value: &Value) -> bool {
    value.get("kind").is_none() && AWS_KEYS.iter().any(|k| value.get(k).is_some())
}

/// Whether a parsed document is something this collector reads (used to accept files
/// whose name does not say what they are).
fn is_recognised(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(is_recognised),
        Value::Object(_) => {
            is_aws_document(value)
                || is_eks_cluster(value)
                || eks::recognise(value).is_some()
                || azure::recognise(value).is_some()
                || OrganizationsPolicy::looks_like(value)
                || gcp::recognise(value)
                || vuln::recognise(value).is_some()
                || (value.get("kind").is_some_and(Value::is_string)
                    && value.get("apiVersion").is_some_and(Value::is_string))
        }
        _ => false,
    }
}

/// The format of a file whose name does not say, if it could be a manifest or AWS dump.
/// A cheap look only; the documents must still parse and be recognised.
fn sniff(text: &str) -> Option<Format> {
    let first = text.trim_start().chars().next()?;
    if first == '{' || first == '[' {
        return Some(Format::Json);
    }
    let has_key = |key: &str| {
        text.lines()
            .any(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with(':')))
    };
    (has_key("apiVersion") && has_key("kind")).then_some(Format::Yaml)
}

/// (document index, 1-based line where it starts, parsed value).
type Parsed = Vec<(usize, usize, Result<Value, String>)>;

fn yaml_documents(text: &str) -> Parsed {
    yaml::split_documents(text)
        .into_iter()
        .map(|d| (d.index, d.content_line(), yaml::parse_document(&d)))
        .collect()
}

/// A single value, an array, or values one after another (`kubectl get -o json` output
/// of several commands). After a syntax error the rest of the file cannot be located, so
/// reading stops there.
fn json_documents(text: &str) -> Parsed {
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut index = 0;
    loop {
        // A value starts at the first non-blank byte after the previous one ended.
        let end = stream.byte_offset();
        let rest = text.get(end..).unwrap_or("");
        let start = end + (rest.len() - rest.trim_start().len());
        let line = 1 + text.get(..start).unwrap_or("").matches('\n').count();
        match stream.next() {
            None => break,
            Some(Ok(v)) => out.push((index, line, Ok(v))),
            Some(Err(e)) => {
                out.push((index, line, Err(format!("invalid JSON: {e}"))));
                break;
            }
        }
        index += 1;
    }
    out
}

/// kustomize's namespace transformer also gives ServiceAccount subjects of bindings the
/// kustomization's namespace (its name-reference pass points them at the SAs it moved), so a
/// base that leaves them empty is valid once built. Do the same for subjects that name none.
fn fill_subject_namespaces(binding: &mut Value, ns: &str) {
    let Some(subjects) = binding.get_mut("subjects").and_then(Value::as_array_mut) else {
        return;
    };
    for subject in subjects.iter_mut().filter_map(Value::as_object_mut) {
        let is_sa = subject.get("kind").and_then(Value::as_str) == Some("ServiceAccount");
        let has_ns = subject
            .get("namespace")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty());
        if is_sa && !has_ns {
            subject.insert("namespace".into(), Value::String(ns.to_string()));
        }
    }
}
