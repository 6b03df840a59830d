//! The Kubernetes collector: connects like kubectl (`--kubeconfig`, `--context`,
//! `KUBECONFIG`, `~/.kube/config`, in-cluster; exec credential plugins through the kube
//! crate), lists every kind the offline ingest reads across all namespaces, and hands back
//! one `kubectl`-style `List` JSON per kind plus the facts and coverage gaps it met.
//!
//! - Pagination: `limit` + `continue`; a 410 Expired restarts that list from the start.
//! - A 403 on a kind is not fatal: a namespaced kind is then tried namespace by namespace,
//!   and whatever stays forbidden becomes a [`CoverageGap`] saying what it may hide.
//! - Secrets are listed as metadata only (their values are never requested), once more per
//!   Secret type the analysis reads with a `type=` field selector (the metadata-only list
//!   has no `type`); only name, namespace, labels, owners and the type are written.

mod client;
pub mod resources;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use futures::future::join_all;
use indicatif::{ProgressBar, ProgressStyle};
use kubepath_engine::snapshot::{CoverageGap, Facts};
use serde_json::{Map, Value, json};

pub use client::Limits;
use client::{Api, ApiError, JSON, METADATA_ONLY};
use resources::{AWS_AUTH, GATEWAY_GROUP, RESOURCES, Resource, SECRET_TYPES};

use super::{CollectedFile, Collection};

const SOURCE: &str = "kubernetes";
/// Times one list is restarted after 410 Expired before it is given up as a gap.
const MAX_RESTARTS: u32 = 3;

/// How to reach the cluster and how hard to press it.
#[derive(Debug, Clone, PartialEq)]
pub struct KubeOptions {
    /// `--kubeconfig`: this file only (else `KUBECONFIG`, `~/.kube/config`, in-cluster).
    pub kubeconfig: Option<PathBuf>,
    /// `--context`: a context of the kubeconfig (else its current context).
    pub context: Option<String>,
    /// Objects per page (`limit`).
    pub page_size: u32,
    pub limits: Limits,
    /// Progress on stderr (the caller decides: a terminal and not `--quiet`).
    pub progress: bool,
}

impl Default for KubeOptions {
    fn default() -> Self {
        KubeOptions {
            kubeconfig: None,
            context: None,
            page_size: 500,
            limits: Limits::default(),
            progress: false,
        }
    }
}

/// Collect the cluster. Never fails: what could not be done is in `skipped` (nothing could
/// be read) or `gaps` (some kinds or namespaces could not).
pub async fn collect(opts: &KubeOptions) -> Collection {
    let mut config = match connect(opts).await {
        Ok(c) => c,
        Err(reason) => {
            return Collection {
                skipped: Some(reason),
                ..Collection::default()
            };
        }
    };
    config.read_timeout = Some(opts.limits.timeout);
    let server = config.cluster_url.to_string();
    let client = match kube::Client::try_from(config) {
        Ok(c) => c,
        Err(e) => {
            return Collection {
                skipped: Some(format!("cannot build a client for {server}: {e}")),
                ..Collection::default()
            };
        }
    };
    let api = Api::new(client, opts.limits.clone());
    let mut run = Run {
        api: &api,
        page_size: opts.page_size.max(1),
        progress: progress_bar(opts.progress),
    };
    run.collect(&server).await
}

/// The kube client configuration, found the way kubectl finds it.
async fn connect(opts: &KubeOptions) -> Result<kube::Config, String> {
    let options = kube::config::KubeConfigOptions {
        context: opts.context.clone(),
        ..Default::default()
    };
    if let Some(path) = &opts.kubeconfig {
        let kc = kube::config::Kubeconfig::read_from(path)
            .map_err(|e| format!("cannot read the kubeconfig {}: {e}", path.display()))?;
        return kube::Config::from_custom_kubeconfig(kc, &options)
            .await
            .map_err(|e| format!("kubeconfig {}: {e}", path.display()));
    }
    match kube::Config::from_kubeconfig(&options).await {
        Ok(c) => Ok(c),
        // A named context must come from a kubeconfig: no in-cluster fallback for it.
        Err(e) if opts.context.is_some() => Err(format!("kubeconfig: {e}")),
        Err(kubeconfig_error) => kube::Config::incluster().map_err(|incluster| {
            format!("no kubeconfig ({kubeconfig_error}) and not running in a cluster ({incluster})")
        }),
    }
}

fn progress_bar(enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(RESOURCES.len() as u64 + 1);
    if let Ok(style) = ProgressStyle::with_template("kubernetes {bar:30} {pos}/{len} kinds  {msg}")
    {
        bar.set_style(style);
    }
    bar
}

struct Run<'a> {
    api: &'a Api,
    page_size: u32,
    progress: ProgressBar,
}

/// What one kind's collection produced.
struct KindResult {
    file: Option<CollectedFile>,
    gaps: Vec<CoverageGap>,
    /// The items written (Nodes and Namespaces are read back for facts and fallbacks).
    items: Vec<Value>,
}

impl Run<'_> {
    async fn collect(&mut self, server: &str) -> Collection {
        let mut out = Collection::default();
        // The version answers for everyone (system:public-info-viewer), so a failure here
        // means the server cannot be reached or refuses these credentials: nothing else
        // would work either.
        match self.api.get("/version", JSON).await {
            Ok(v) => {
                out.facts.kubernetes_version = v
                    .get("gitVersion")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            }
            Err(e) if e.code() == Some(403) => {}
            Err(e) => {
                self.progress.finish_and_clear();
                out.skipped = Some(format!("cannot reach the API server at {server}: {e}"));
                return out;
            }
        }
        match self
            .api
            .get("/.well-known/openid-configuration", JSON)
            .await
        {
            Ok(v) => {
                out.facts.oidc_issuer = v
                    .get("issuer")
                    .and_then(Value::as_str)
                    .filter(|i| !i.is_empty())
                    .map(str::to_string)
            }
            Err(e) if e.code() == Some(404) => {}
            Err(e) => out.gaps.push(CoverageGap {
                source: SOURCE.into(),
                what: "/.well-known/openid-configuration".into(),
                namespace: None,
                reason: e.to_string(),
                may_hide: "the cluster's OIDC issuer: IRSA trust policies are accepted for \
                           any OIDC provider"
                    .into(),
            }),
        }
        self.progress.inc(1);

        let gateway_versions = self.gateway_versions(&mut out.gaps).await;
        let version_of = |r: &Resource| -> Option<&'static str> {
            if r.group == GATEWAY_GROUP {
                gateway_versions.get(r.plural).copied()
            } else {
                r.versions.first().copied()
            }
        };

        // Namespaces first: a kind forbidden cluster-wide is then tried per namespace.
        let (ns_res, rest) = RESOURCES.split_at(1);
        let mut namespaces: Option<Vec<String>> = None;
        let mut results = Vec::new();
        for r in ns_res {
            let Some(v) = version_of(r) else { continue };
            let res = self.kind(r, v, None).await;
            if res.gaps.is_empty() {
                namespaces = Some(
                    res.items
                        .iter()
                        .filter_map(|o| o.pointer("/metadata/name").and_then(Value::as_str))
                        .map(str::to_string)
                        .collect(),
                );
            }
            results.push(res);
        }
        let ns = namespaces.as_deref();
        let rest: Vec<_> = rest
            .iter()
            .filter_map(|r| version_of(r).map(|v| (r, v)))
            .collect();
        results.extend(join_all(rest.iter().map(|(r, v)| self.kind(r, v, ns))).await);

        let mut nodes = Vec::new();
        for r in results {
            if let Some(f) = &r.file
                && f.name.ends_with("/nodes.json")
            {
                nodes = r.items;
            }
            out.files.extend(r.file);
            out.gaps.extend(r.gaps);
        }
        node_facts(&nodes, &mut out.facts);
        issuer_facts(&mut out.facts);
        self.aws_auth(&mut out).await;
        self.progress.finish_and_clear();
        out.files.sort_by(|a, b| a.name.cmp(&b.name));
        out.gaps.sort();
        out
    }

    /// Which version of each Gateway API kind the server serves (none when the CRDs are
    /// not installed: nothing to collect, not a gap).
    async fn gateway_versions(
        &self,
        gaps: &mut Vec<CoverageGap>,
    ) -> BTreeMap<&'static str, &'static str> {
        let mut chosen = BTreeMap::new();
        let group = match self.api.get(&format!("/apis/{GATEWAY_GROUP}"), JSON).await {
            Ok(g) => g,
            Err(e) if e.code() == Some(404) => return chosen,
            Err(e) => {
                gaps.push(CoverageGap {
                    source: SOURCE.into(),
                    what: format!("{GATEWAY_GROUP} (discovery)"),
                    namespace: None,
                    reason: e.to_string(),
                    may_hide: "internet exposure through the Gateway API would not be seen".into(),
                });
                return chosen;
            }
        };
        let served: BTreeSet<String> = group
            .get("versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.get("version").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        let mut resources_by_version: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        let wanted: BTreeSet<&'static str> = RESOURCES
            .iter()
            .filter(|r| r.group == GATEWAY_GROUP)
            .flat_map(|r| r.versions.iter().copied())
            .filter(|v| served.contains(*v))
            .collect();
        for v in wanted {
            if let Ok(list) = self
                .api
                .get(&format!("/apis/{GATEWAY_GROUP}/{v}"), JSON)
                .await
            {
                let names = list
                    .get("resources")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.get("name").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect();
                resources_by_version.insert(v, names);
            }
        }
        for r in RESOURCES.iter().filter(|r| r.group == GATEWAY_GROUP) {
            if let Some(v) = r.versions.iter().find(|v| {
                resources_by_version
                    .get(**v)
                    .is_some_and(|names| names.contains(r.plural))
            }) {
                chosen.insert(r.plural, *v);
            }
        }
        chosen
    }

    /// One kind: cluster-wide, else (namespaced kinds, on 403) namespace by namespace.
    async fn kind(&self, r: &Resource, version: &str, namespaces: Option<&[String]>) -> KindResult {
        let gap = |namespace: Option<&str>, e: &ApiError| CoverageGap {
            source: SOURCE.into(),
            what: r.describe(version),
            namespace: namespace.map(str::to_string),
            reason: e.to_string(),
            may_hide: match namespace {
                Some(ns) => format!("in namespace {ns}: {}", r.may_hide),
                None => r.may_hide.to_string(),
            },
        };
        let mut gaps = Vec::new();
        let items = match self.list_kind(r, version, None).await {
            Ok(items) => items,
            Err(e) if e.code() == Some(403) && r.namespaced && namespaces.is_some() => {
                let mut items = Vec::new();
                let mut forbidden = Vec::new();
                for ns in namespaces.unwrap_or_default() {
                    match self.list_kind(r, version, Some(ns)).await {
                        Ok(i) => items.extend(i),
                        Err(e) => forbidden.push((ns.as_str(), e)),
                    }
                }
                let all = namespaces.is_some_and(|n| forbidden.len() == n.len());
                if all {
                    gaps.push(gap(None, &e));
                } else {
                    gaps.extend(forbidden.iter().map(|(ns, e)| gap(Some(ns), e)));
                }
                if all {
                    self.progress.inc(1);
                    return KindResult {
                        file: None,
                        gaps,
                        items: Vec::new(),
                    };
                }
                items
            }
            // The kind is not served by this cluster (an API removed or not installed).
            Err(e) if e.code() == Some(404) => {
                self.progress.inc(1);
                return KindResult {
                    file: None,
                    gaps,
                    items: Vec::new(),
                };
            }
            Err(e) => {
                gaps.push(gap(None, &e));
                self.progress.inc(1);
                return KindResult {
                    file: None,
                    gaps,
                    items: Vec::new(),
                };
            }
        };
        let mut items = items;
        items.sort_by_key(|o| {
            (
                o.pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                o.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            )
        });
        let list = json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
                          "items": items});
        self.progress.inc(1);
        KindResult {
            file: Some(CollectedFile {
                name: format!("kubernetes/{}.json", r.plural),
                bytes: pretty(&list),
            }),
            gaps,
            items: list
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// Every object of one kind in one scope, each with `apiVersion` and `kind` set.
    async fn list_kind(
        &self,
        r: &Resource,
        version: &str,
        namespace: Option<&str>,
    ) -> Result<Vec<Value>, ApiError> {
        let path = r.path(version, namespace);
        let api_version = r.api_version(version);
        if r.kind != "Secret" {
            let items = self.list(&path, "", JSON, r.plural).await?;
            return Ok(items
                .into_iter()
                .map(|o| lean(o, &api_version, r.kind))
                .collect());
        }
        let metas = self.list(&path, "", METADATA_ONLY, r.plural).await?;
        let mut types: BTreeMap<(String, String), &str> = BTreeMap::new();
        for t in SECRET_TYPES {
            let selector = format!("fieldSelector={}", encode(&format!("type={t}")));
            for o in self.list(&path, &selector, METADATA_ONLY, r.plural).await? {
                types.insert(identity(&o), t);
            }
        }
        Ok(metas
            .into_iter()
            .map(|o| {
                let t = types.get(&identity(&o)).copied();
                secret_metadata(&o, t)
            })
            .collect())
    }

    /// A paginated list; restarted from the beginning on 410 Expired.
    async fn list(
        &self,
        path: &str,
        extra_query: &str,
        accept: &str,
        label: &str,
    ) -> Result<Vec<Value>, ApiError> {
        let mut restarts = 0;
        'restart: loop {
            let mut items = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let mut query = format!("limit={}", self.page_size);
                if let Some(t) = &token {
                    query.push_str("&continue=");
                    query.push_str(&encode(t));
                }
                if !extra_query.is_empty() {
                    query.push('&');
                    query.push_str(extra_query);
                }
                let page = match self.api.get(&format!("{path}?{query}"), accept).await {
                    Ok(p) => p,
                    Err(e) if e.code() == Some(410) && restarts < MAX_RESTARTS => {
                        restarts += 1;
                        continue 'restart;
                    }
                    Err(e) => return Err(e),
                };
                let Some(Value::Array(page_items)) = page.get("items").cloned() else {
                    return Err(ApiError::Transport(format!(
                        "{path}: the answer is not a list (no items)"
                    )));
                };
                items.extend(page_items);
                self.progress
                    .set_message(format!("{label}: {}", items.len()));
                token = page
                    .pointer("/metadata/continue")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string);
                if token.is_none() {
                    return Ok(items);
                }
            }
        }
    }

    /// The `kube-system/aws-auth` ConfigMap (EKS), its role and user maps only.
    async fn aws_auth(&self, out: &mut Collection) {
        let (ns, name) = AWS_AUTH;
        match self
            .api
            .get(&format!("/api/v1/namespaces/{ns}/configmaps/{name}"), JSON)
            .await
        {
            Ok(cm) => {
                let data: Map<String, Value> = cm
                    .get("data")
                    .and_then(Value::as_object)
                    .map(|d| {
                        d.iter()
                            .filter(|(k, _)| {
                                matches!(k.as_str(), "mapRoles" | "mapUsers" | "mapAccounts")
                            })
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                let obj = json!({"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": name, "namespace": ns}, "data": data});
                out.files.push(CollectedFile {
                    name: "kubernetes/configmap-aws-auth.json".into(),
                    bytes: pretty(&obj),
                });
            }
            Err(e) if e.code() == Some(404) => {}
            // Only EKS has an aws-auth map; elsewhere a denial hides nothing.
            Err(_) if matches!(out.facts.provider.as_deref(), Some("gke" | "aks")) => {}
            Err(e) => out.gaps.push(CoverageGap {
                source: SOURCE.into(),
                what: format!("v1 ConfigMap {ns}/{name}"),
                namespace: Some(ns.into()),
                reason: e.to_string(),
                may_hide: "on EKS, IAM roles and users mapped to Kubernetes groups (such as \
                           system:masters) would not be seen"
                    .into(),
            }),
        }
    }
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(v).unwrap_or_default();
    b.push(b'\n');
    b
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn identity(o: &Value) -> (String, String) {
    let get = |k: &str| {
        o.pointer(&format!("/metadata/{k}"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (get("namespace"), get("name"))
}

/// An object as the offline reader wants it: `apiVersion` and `kind` set (list items omit
/// them), and the bulk no analysis reads dropped (managed fields, the last-applied copy).
fn lean(mut o: Value, api_version: &str, kind: &str) -> Value {
    if let Some(m) = o.as_object_mut() {
        m.insert("apiVersion".into(), Value::String(api_version.into()));
        m.insert("kind".into(), Value::String(kind.into()));
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
            if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
                a.remove("kubectl.kubernetes.io/last-applied-configuration");
            }
        }
    }
    o
}

/// A Secret from its metadata only: name, namespace, uid, labels, annotations (less the
/// last-applied copy, which holds the values of an applied Secret), owners and `type`.
/// Built field by field, so nothing else the server sent can reach the file.
fn secret_metadata(o: &Value, secret_type: Option<&str>) -> Value {
    let mut meta = Map::new();
    for key in ["name", "namespace", "uid", "labels", "ownerReferences"] {
        if let Some(v) = o.pointer(&format!("/metadata/{key}")) {
            meta.insert(key.into(), v.clone());
        }
    }
    if let Some(Value::Object(a)) = o.pointer("/metadata/annotations") {
        let kept: Map<String, Value> = a
            .iter()
            .filter(|(k, _)| *k != "kubectl.kubernetes.io/last-applied-configuration")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        meta.insert("annotations".into(), Value::Object(kept));
    }
    let mut s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta});
    if let Some(t) = secret_type {
        s["type"] = Value::String(t.into());
    }
    s
}

/// Provider and region from the Nodes: `spec.providerID` (`aws:///`, `gce://`,
/// `azure://`) and the topology labels.
fn node_facts(nodes: &[Value], facts: &mut Facts) {
    for n in nodes {
        let id = n
            .pointer("/spec/providerID")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let provider = match id.split_once("://").map(|(s, _)| s) {
            Some("aws") => Some("eks"),
            Some("gce") => Some("gke"),
            Some("azure") => Some("aks"),
            _ => None,
        };
        if facts.provider.is_none()
            && let Some(p) = provider
        {
            facts.provider = Some(p.into());
        }
        if facts.region.is_none() {
            let label = |k: &str| {
                n.pointer("/metadata/labels")
                    .and_then(|l| l.get(k))
                    .and_then(Value::as_str)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            };
            facts.region = label("topology.kubernetes.io/region")
                .or_else(|| label("failure-domain.beta.kubernetes.io/region"));
        }
    }
}

/// Provider and region from the OIDC issuer when the Nodes did not say
/// (`https://oidc.eks.REGION.amazonaws.com/id/...`, `container.googleapis.com`,
/// `REGION.oic.prod-aks.azure.com`).
fn issuer_facts(facts: &mut Facts) {
    let Some(issuer) = facts.oidc_issuer.clone() else {
        return;
    };
    let host = issuer
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let (provider, region) = if let Some(rest) = host.strip_prefix("oidc.eks.") {
        (
            "eks",
            rest.strip_suffix(".amazonaws.com").map(str::to_string),
        )
    } else if host == "container.googleapis.com" {
        // .../projects/P/locations/L/clusters/C
        let parts: Vec<&str> = issuer.split('/').collect();
        let loc = parts
            .iter()
            .position(|p| *p == "locations")
            .and_then(|i| parts.get(i + 1))
            .map(|l| l.to_string());
        ("gke", loc)
    } else if let Some((region, _)) = host.split_once(".oic.prod-aks.azure.com") {
        ("aks", Some(region.to_string()))
    } else {
        return;
    };
    if facts.provider.is_none() {
        facts.provider = Some(provider.into());
    }
    if facts.region.is_none() {
        facts.region = region;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_metadata_keeps_type_and_drops_values_and_last_applied() {
        let o = json!({"metadata": {"name": "s", "namespace": "a",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"k\":\"SECRET\"}}",
                            "kubernetes.io/service-account.name": "sa"},
            "managedFields": [{"fieldsV1": {"f:data": {"f:k": {}}}}]},
            "data": {"k": "SECRET"}, "stringData": {"k": "SECRET"}});
        let s = secret_metadata(&o, Some("kubernetes.io/service-account-token"));
        let text = s.to_string();
        assert!(!text.contains("SECRET"), "{text}");
        assert!(!text.contains("managedFields"), "{text}");
        assert_eq!(s["type"], "kubernetes.io/service-account-token");
        assert_eq!(
            s["metadata"]["annotations"]["kubernetes.io/service-account.name"],
            "sa"
        );
    }

    #[test]
    fn provider_and_region_come_from_nodes_then_the_issuer() {
        let mut f = Facts::default();
        node_facts(
            &[
                json!({"metadata": {"labels": {"topology.kubernetes.io/region": "eu-west-1"}},
                     "spec": {"providerID": "aws:///eu-west-1a/i-0abc"}}),
            ],
            &mut f,
        );
        assert_eq!(f.provider.as_deref(), Some("eks"));
        assert_eq!(f.region.as_deref(), Some("eu-west-1"));

        let mut f = Facts {
            oidc_issuer: Some(
                "https://container.googleapis.com/v1/projects/p/locations/europe-west1/clusters/c"
                    .into(),
            ),
            ..Facts::default()
        };
        issuer_facts(&mut f);
        assert_eq!(f.provider.as_deref(), Some("gke"));
        assert_eq!(f.region.as_deref(), Some("europe-west1"));

        let mut f = Facts {
            oidc_issuer: Some("https://oidc.eks.us-east-2.amazonaws.com/id/ABC".into()),
            ..Facts::default()
        };
        issuer_facts(&mut f);
        assert_eq!(
            (f.provider.as_deref(), f.region.as_deref()),
            (Some("eks"), Some("us-east-2"))
        );
    }
}
