//! Decoding one Kubernetes API object (already parsed into JSON) into the snapshot model.
//!
//! This is pure data conversion; collectors do the reading, splitting and namespace
//! defaulting, then call [`add_object`] per object. Errors name the field that was wrong.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::snapshot::{
    Gateway, GatewayClass, Ingress, IngressClass, LabelSelector, Namespace, NetworkPolicy, Node,
    ObjectMeta, PodSpec, ReferenceGrant, Role, RoleBinding, Route, Secret, Service, ServiceAccount,
    Snapshot, Source, Workload, WorkloadKind,
};

/// Kinds that live in a namespace (the rest that we read are cluster-scoped).
pub fn is_namespaced(kind: &str) -> bool {
    !matches!(
        kind,
        "ClusterRole"
            | "ClusterRoleBinding"
            | "Node"
            | "Namespace"
            | "IngressClass"
            | "GatewayClass"
    )
}

/// Kinds the engine models.
pub fn is_supported(kind: &str) -> bool {
    WorkloadKind::from_kind(kind).is_some()
        || matches!(
            kind,
            "ServiceAccount"
                | "Role"
                | "ClusterRole"
                | "RoleBinding"
                | "ClusterRoleBinding"
                | "Service"
                | "Ingress"
                | "Node"
                | "Namespace"
                | "Secret"
                | "NetworkPolicy"
                | "IngressClass"
                | "GatewayClass"
                | "Gateway"
                | "ReferenceGrant"
        )
        || is_route(kind)
}

/// The Gateway API route kinds (they share `parentRefs` and `rules[].backendRefs`).
pub fn is_route(kind: &str) -> bool {
    matches!(
        kind,
        "HTTPRoute" | "GRPCRoute" | "TLSRoute" | "TCPRoute" | "UDPRoute"
    )
}

/// Gateway API kinds share names with other projects' CRDs (Istio's `Gateway`): those
/// kinds are read only from `gateway.networking.k8s.io` (or when `apiVersion` is absent).
/// The same holds for every kind: Crossplane's `iam.aws.upbound.io` `Role` is not an RBAC
/// Role, so a kind is read only from the API groups that define it.
fn is_kubernetes_group(kind: &str, value: &Value) -> bool {
    let Some(version) = value.get("apiVersion").and_then(Value::as_str) else {
        return true;
    };
    // `v1` is the core group; `GROUP/VERSION` otherwise.
    let group = version.rsplit_once('/').map_or("", |(g, _)| g);
    expected_groups(kind).contains(&group)
}

/// The API groups that serve a supported kind (with the retired `extensions` group, which
/// old manifests still name).
fn expected_groups(kind: &str) -> &'static [&'static str] {
    match kind {
        "Pod"
        | "ReplicationController"
        | "ServiceAccount"
        | "Service"
        | "Node"
        | "Namespace"
        | "Secret" => &[""],
        "Deployment" | "DaemonSet" | "ReplicaSet" => &["apps", "extensions"],
        "StatefulSet" => &["apps"],
        "Job" | "CronJob" => &["batch"],
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => {
            &["rbac.authorization.k8s.io"]
        }
        "Ingress" | "NetworkPolicy" => &["networking.k8s.io", "extensions"],
        "IngressClass" => &["networking.k8s.io"],
        k if is_route(k) || matches!(k, "Gateway" | "GatewayClass" | "ReferenceGrant") => {
            &["gateway.networking.k8s.io"]
        }
        _ => &[],
    }
}

/// Why an object could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct IngestError {
    /// `Kind/namespace/name` as far as it could be read.
    pub object: String,
    /// Path of the offending field (`spec.template.spec.containers[0].ports`).
    pub field: String,
    pub message: String,
}

/// What [`add_object`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// The object is now in the snapshot.
    Object,
    /// The kind is not one the engine models (the caller counts and reports it).
    UnsupportedKind(String),
}

/// `Kind/namespace/name` (or `Kind/name`) of a raw object, for messages.
pub fn describe(value: &Value) -> String {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("?");
    let meta = value.get("metadata");
    let name = meta
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("?");
    match meta
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str)
    {
        Some(ns) if is_namespaced(kind) => format!("{kind}/{ns}/{name}"),
        _ => format!("{kind}/{name}"),
    }
}

/// Decode one object and add it to the snapshot. Secret payloads (`data`, `stringData`)
/// are dropped before decoding, so no secret value enters the model.
pub fn add_object(
    snap: &mut Snapshot,
    mut value: Value,
    source: Source,
) -> Result<Added, IngestError> {
    let kind = match value.get("kind") {
        Some(Value::String(k)) => k.clone(),
        Some(_) => return Err(err(&value, "kind", "must be a string")),
        None => return Err(err(&value, "kind", "missing")),
    };
    if !is_supported(&kind) {
        return Ok(Added::UnsupportedKind(kind));
    }
    if !is_kubernetes_group(&kind, &value) {
        // Named with its group, so that the skipped-kinds warning tells them apart.
        let group = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .and_then(|v| v.rsplit_once('/'))
            .map_or("", |(g, _)| g);
        return Ok(Added::UnsupportedKind(format!("{kind} ({group})")));
    }
    if let Some(obj) = value.as_object_mut().filter(|_| kind == "Secret") {
        obj.remove("data");
        obj.remove("stringData");
    }
    let name_ok = value
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    if !name_ok {
        // generateName objects (kubectl create) have no name until the server names them.
        let generated = value
            .get("metadata")
            .and_then(|m| m.get("generateName"))
            .and_then(Value::as_str)
            .filter(|g| !g.is_empty())
            .map(|g| format!("{g}<generated>"));
        match (
            generated,
            value.get_mut("metadata").and_then(Value::as_object_mut),
        ) {
            (Some(g), Some(meta)) => {
                meta.insert("name".into(), Value::String(g));
            }
            _ => return Err(err(&value, "metadata.name", "missing or empty")),
        }
    }
    let object = describe(&value);
    let at = |e: serde_path_to_error::Error<serde_json::Error>| IngestError {
        object: object.clone(),
        field: e.path().to_string(),
        message: e.inner().to_string(),
    };
    match kind.as_str() {
        "ServiceAccount" => {
            let mut o: ServiceAccount = decode(value).map_err(at)?;
            o.source = source;
            snap.service_accounts.push(o);
        }
        "Role" | "ClusterRole" => {
            let mut o: Role = decode(value).map_err(at)?;
            o.cluster = kind == "ClusterRole";
            o.source = source;
            snap.roles.push(o);
        }
        "RoleBinding" | "ClusterRoleBinding" => {
            let mut o: RoleBinding = decode(value).map_err(at)?;
            o.cluster = kind == "ClusterRoleBinding";
            o.source = source;
            snap.bindings.push(o);
        }
        "Service" => {
            let mut o: Service = decode(value).map_err(at)?;
            o.source = source;
            snap.services.push(o);
        }
        "Ingress" => {
            let mut o: Ingress = decode(value).map_err(at)?;
            o.source = source;
            snap.ingresses.push(o);
        }
        "Node" => {
            let mut o: Node = decode(value).map_err(at)?;
            o.source = source;
            snap.nodes.push(o);
        }
        "Namespace" => {
            let mut o: Namespace = decode(value).map_err(at)?;
            o.source = source;
            snap.namespaces.push(o);
        }
        "Secret" => {
            let mut o: Secret = decode(value).map_err(at)?;
            o.source = source;
            snap.secrets.push(o);
        }
        "NetworkPolicy" => {
            let mut o: NetworkPolicy = decode(value).map_err(at)?;
            o.source = source;
            snap.network_policies.push(o);
        }
        "IngressClass" => {
            let mut o: IngressClass = decode(value).map_err(at)?;
            o.source = source;
            snap.ingress_classes.push(o);
        }
        "GatewayClass" => {
            let mut o: GatewayClass = decode(value).map_err(at)?;
            o.source = source;
            snap.gateway_classes.push(o);
        }
        "Gateway" => {
            let mut o: Gateway = decode(value).map_err(at)?;
            o.source = source;
            snap.gateways.push(o);
        }
        "ReferenceGrant" => {
            let mut o: ReferenceGrant = decode(value).map_err(at)?;
            o.source = source;
            snap.reference_grants.push(o);
        }
        k if is_route(k) => {
            let mut o: Route = decode(value).map_err(at)?;
            o.kind = kind.clone();
            o.source = source;
            snap.routes.push(o);
        }
        _ => {
            let Some(wk) = WorkloadKind::from_kind(&kind) else {
                return Ok(Added::UnsupportedKind(kind));
            };
            let w = workload(wk, value, source).map_err(at)?;
            push_workload(snap, w);
        }
    }
    Ok(Added::Object)
}

fn decode<T: DeserializeOwned>(
    value: Value,
) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
    serde_path_to_error::deserialize(value)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TemplateMeta {
    labels: std::collections::BTreeMap<String, String>,
    annotations: std::collections::BTreeMap<String, String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PodTemplate {
    metadata: TemplateMeta,
    spec: PodSpec,
}

#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ControllerSpec {
    replicas: Option<i64>,
    selector: Option<LabelSelector>,
    template: PodTemplate,
    job_template: Option<Box<JobTemplate>>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct JobTemplate {
    spec: ControllerSpec,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PodObject {
    metadata: ObjectMeta,
    spec: PodSpec,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ControllerObject {
    metadata: ObjectMeta,
    spec: ControllerSpec,
}

fn workload(
    kind: WorkloadKind,
    value: Value,
    source: Source,
) -> Result<Workload, serde_path_to_error::Error<serde_json::Error>> {
    if kind == WorkloadKind::Pod {
        return Ok(pod_workload(kind, decode(value)?, source));
    }
    Ok(controller_workload(kind, decode(value)?, source))
}

fn pod_workload(kind: WorkloadKind, p: PodObject, source: Source) -> Workload {
    Workload {
        kind: Some(kind),
        template_labels: Default::default(),
        template_annotations: Default::default(),
        meta: p.metadata,
        pod_spec: p.spec,
        replicas: None,
        selector: None,
        source,
    }
}

fn controller_workload(kind: WorkloadKind, c: ControllerObject, source: Source) -> Workload {
    let (spec, replicas, selector) = match (kind, c.spec.job_template) {
        (WorkloadKind::CronJob, Some(jt)) => (jt.spec, None, None),
        (_, _) => {
            let replicas = c.spec.replicas;
            let selector = c.spec.selector;
            (
                ControllerSpec {
                    template: c.spec.template,
                    ..ControllerSpec::default()
                },
                replicas,
                selector,
            )
        }
    };
    Workload {
        kind: Some(kind),
        meta: c.metadata,
        template_labels: spec.template.metadata.labels,
        template_annotations: spec.template.metadata.annotations,
        pod_spec: spec.template.spec,
        replicas,
        selector,
        source,
    }
}

/// The kinds a cluster has by the thousand, decoded by [`add_object_text`].
fn is_bulk_kind(kind: &str) -> bool {
    WorkloadKind::from_kind(kind).is_some() || matches!(kind, "Service" | "ServiceAccount")
}

struct KindOnly<'a> {
    kind: Option<std::borrow::Cow<'a, str>>,
    api_version: Option<std::borrow::Cow<'a, str>>,
}

/// `kind` and `apiVersion` of one object's JSON text, reading only as far as both (the
/// first two keys of every `kubectl get -o json` item): skipping the rest of a Pod costs as
/// much as reading it. `None` when the text is not an object. (An object naming a second,
/// different `kind` after both keys is read as the first: it claims two kinds, and either
/// reading is one of them.)
fn read_head(text: &str) -> Option<KindOnly<'_>> {
    use serde::Deserializer as _;
    use serde::de::{IgnoredAny, MapAccess, Visitor};

    #[derive(serde::Deserialize)]
    struct Text<'a>(#[serde(borrow)] std::borrow::Cow<'a, str>);

    struct Head<'h, 'a>(&'h mut KindOnly<'a>);
    impl<'de, 'h> Visitor<'de> for Head<'h, 'de> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
            while let Some(Text(key)) = map.next_key()? {
                let slot = match key.as_ref() {
                    "kind" => &mut self.0.kind,
                    "apiVersion" => &mut self.0.api_version,
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                };
                *slot = map.next_value::<Option<Text<'de>>>()?.map(|t| t.0);
                if self.0.kind.is_some() && self.0.api_version.is_some() {
                    // Stop here: the deserializer then reports the unread rest as an error,
                    // which `read_head` ignores.
                    return Ok(());
                }
            }
            Ok(())
        }
    }

    let mut head = KindOnly {
        kind: None,
        api_version: None,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let done = de.deserialize_map(Head(&mut head));
    match done {
        Ok(()) => Some(head),
        Err(_) if head.kind.is_some() && head.api_version.is_some() => Some(head),
        Err(_) => None,
    }
}

/// The fast path of [`add_object`] for one object's JSON text (an item of a `kubectl get
/// -o json` List): Pods, pod controllers, Services and ServiceAccounts that name
/// themselves are decoded straight from the text, without building a `Value` tree (a
/// tenth of the time and memory). Returns the kind when the object was added; `None`
/// when it was not (another kind, no name, invalid for the model), and the caller then
/// takes [`add_object`], which decides the same way and names the field in errors.
/// `default_namespace` is what [`set_default_namespace`] would give. The kind is returned
/// with the object as [`describe`] names it (`Kind/namespace/name`).
pub fn add_object_text(
    snap: &mut Snapshot,
    text: &str,
    default_namespace: &str,
    source: &Source,
) -> Option<(String, String)> {
    let (decoded, kind, object) = decode_object_text(text, default_namespace, source)?;
    add_decoded(snap, decoded);
    Some((kind, object))
}

/// An object [`decode_object_text`] read, not yet in a snapshot.
// Unboxed: each value is moved once into the snapshot's vectors; a box would be one more
// allocation per object of the largest inputs.
#[allow(clippy::large_enum_variant)]
pub enum DecodedObject {
    Service(Service),
    ServiceAccount(ServiceAccount),
    Workload(Workload),
    /// A Pod not yet known to be a replica or not: [`PodDraft::finish`] keeps its whole
    /// spec, or only `nodeName` for a replica (see [`push_workload`]).
    Pod(PodDraft),
}

/// A Pod read whole, spec included: decoding the spec once, whole, costs less than keeping
/// it as text and reading it again (every replica for its `nodeName`), and a malformed
/// field of any Pod's spec is found here and reported by the ordinary path.
pub struct PodDraft {
    meta: ObjectMeta,
    spec: PodSpec,
    source: Source,
}

#[derive(serde::Deserialize)]
struct PodDraftObject {
    #[serde(default)]
    metadata: ObjectMeta,
    /// Absent or `null`: not a draft (the ordinary decoding decides what that means).
    #[serde(default)]
    spec: Option<PodSpec>,
}

impl PodDraft {
    /// `(namespace, kind, name)` of the controller whose Pods are replicas of each other,
    /// as [`push_workload`] keys them.
    pub fn owner(&self) -> Option<(String, String, String)> {
        owner_key(&self.meta)
    }

    /// The Pod as a workload: with its whole spec, or for a `replica` only `nodeName`.
    pub fn finish(self, replica: bool) -> Workload {
        let spec = if replica {
            PodSpec {
                node_name: self.spec.node_name,
                ..PodSpec::default()
            }
        } else {
            self.spec
        };
        let p = PodObject {
            metadata: self.meta,
            spec,
        };
        pod_workload(WorkloadKind::Pod, p, self.source)
    }
}

/// Add what [`decode_object_text`] read, as [`add_object_text`] would have.
pub fn add_decoded(snap: &mut Snapshot, decoded: DecodedObject) {
    match decoded {
        DecodedObject::Service(o) => snap.services.push(o),
        DecodedObject::ServiceAccount(o) => snap.service_accounts.push(o),
        DecodedObject::Workload(w) => push_workload(snap, w),
        DecodedObject::Pod(draft) => {
            let replica = draft
                .owner()
                .is_some_and(|k| snap.replica_owners.contains(&k));
            push_workload(snap, draft.finish(replica));
        }
    }
}

/// `(namespace, kind, name)` of the workload controller of a Pod (by its metadata), the key
/// of [`Snapshot::replica_owners`].
pub fn owner_key(meta: &ObjectMeta) -> Option<(String, String, String)> {
    let owner = meta
        .controller()
        .filter(|o| WorkloadKind::from_kind(&o.kind).is_some() && !o.name.is_empty())?;
    Some((
        meta.ns().to_string(),
        owner.kind.clone(),
        owner.name.clone(),
    ))
}

/// Add a workload. A Pod whose controller already has a Pod in the snapshot is a replica:
/// only its metadata, kind, source and `spec.nodeName` are kept, as the analysis reads no
/// more of it (its controller's template, or the controller's first Pod when the
/// controller is absent, stands for every replica; see `index::group_workloads`). On a
/// large estate the replicas' specs were most of the memory.
fn push_workload(snap: &mut Snapshot, mut w: Workload) {
    if w.kind() == WorkloadKind::Pod
        && let Some(key) = owner_key(&w.meta)
    {
        if snap.replica_owners.contains(&key) {
            let node_name = w.pod_spec.node_name.take();
            w.pod_spec = PodSpec {
                node_name,
                ..PodSpec::default()
            };
        } else {
            snap.replica_owners.insert(key);
        }
    }
    snap.workloads.push(w);
}

/// The decoding half of [`add_object_text`], touching no snapshot, so that the items of a
/// List can be decoded in parallel and then added in their order: the object, its kind, and
/// `Kind/namespace/name`.
pub fn decode_object_text(
    text: &str,
    default_namespace: &str,
    source: &Source,
) -> Option<(DecodedObject, String, String)> {
    let head = read_head(text)?;
    let kind = head.kind?;
    if !is_bulk_kind(&kind) {
        return None;
    }
    // Another project's kind of the same name takes the ordinary path, which skips it.
    if let Some(version) = head.api_version.as_deref() {
        let group = version.rsplit_once('/').map_or("", |(g, _)| g);
        if !expected_groups(&kind).contains(&group) {
            return None;
        }
    }
    let mut object = String::new();
    let fix_meta = |meta: &mut ObjectMeta| {
        if meta.name.is_empty() {
            return false;
        }
        if meta.namespace.as_deref().is_none_or(str::is_empty) {
            meta.namespace = Some(default_namespace.to_string());
        }
        true
    };
    let mut named = |meta: &ObjectMeta| {
        object = format!(
            "{kind}/{}/{}",
            meta.namespace.as_deref().unwrap_or_default(),
            meta.name
        );
    };
    let decoded = match kind.as_ref() {
        "Service" => {
            let mut o: Service = serde_json::from_str(text).ok()?;
            if !fix_meta(&mut o.metadata) {
                return None;
            }
            o.source = source.clone();
            named(&o.metadata);
            DecodedObject::Service(o)
        }
        "ServiceAccount" => {
            let mut o: ServiceAccount = serde_json::from_str(text).ok()?;
            if !fix_meta(&mut o.metadata) {
                return None;
            }
            o.source = source.clone();
            named(&o.metadata);
            DecodedObject::ServiceAccount(o)
        }
        k => {
            let wk = WorkloadKind::from_kind(k)?;
            let w = if wk == WorkloadKind::Pod {
                let p: PodDraftObject = serde_json::from_str(text).ok()?;
                let (mut meta, spec) = (p.metadata, p.spec?);
                if !fix_meta(&mut meta) {
                    return None;
                }
                named(&meta);
                return Some((
                    DecodedObject::Pod(PodDraft {
                        meta,
                        spec,
                        source: source.clone(),
                    }),
                    kind.into_owned(),
                    object,
                ));
            } else {
                let mut c: ControllerObject = serde_json::from_str(text).ok()?;
                if !fix_meta(&mut c.metadata) {
                    return None;
                }
                named(&c.metadata);
                controller_workload(wk, c, source.clone())
            };
            DecodedObject::Workload(w)
        }
    };
    Some((decoded, kind.into_owned(), object))
}

fn err(value: &Value, field: &str, message: &str) -> IngestError {
    IngestError {
        object: describe(value),
        field: field.to_string(),
        message: message.to_string(),
    }
}

/// Build a snapshot from JSON objects, for tests and embedders that already hold decoded
/// objects. Objects without a namespace get `default_namespace`. Errors are returned with
/// the index of the object.
pub fn snapshot_from_values(
    values: impl IntoIterator<Item = Value>,
    default_namespace: &str,
) -> (Snapshot, Vec<(usize, IngestError)>) {
    let mut snap = Snapshot::default();
    let mut errors = Vec::new();
    for (i, mut v) in values.into_iter().enumerate() {
        if v.is_null() {
            continue;
        }
        let items = if v
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && v.get("items").is_some_and(Value::is_array)
        {
            match v.get_mut("items").map(Value::take) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            }
        } else {
            vec![v]
        };
        for mut item in items {
            set_default_namespace(&mut item, default_namespace);
            let source = Source {
                file: String::new(),
                document: i,
                line: None,
            };
            if let Err(e) = add_object(&mut snap, item, source) {
                errors.push((i, e));
            }
        }
    }
    (snap, errors)
}

/// Give a namespaced object without `metadata.namespace` the namespace `ns`.
pub fn set_default_namespace(value: &mut Value, ns: &str) {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    if !is_namespaced(kind) {
        return;
    }
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        let has = meta
            .get("namespace")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
        if !has {
            meta.insert("namespace".into(), Value::String(ns.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, owner: Option<(&str, &str)>, node: &str) -> Value {
        let mut meta = json!({"name": name, "namespace": "shop"});
        if let Some((kind, owner)) = owner {
            meta["ownerReferences"] =
                json!([{"apiVersion": "apps/v1", "kind": kind, "name": owner, "controller": true}]);
        }
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {
            "nodeName": node, "serviceAccountName": "web",
            "containers": [{"name": "c", "image": "web:1", "securityContext": {"privileged": true}}]}})
    }

    #[test]
    fn a_controllers_later_pods_keep_only_metadata_and_node() {
        let (snap, errors) = snapshot_from_values(
            [
                pod("web-1", Some(("ReplicaSet", "web-abc")), "n1"),
                pod("web-2", Some(("ReplicaSet", "web-abc")), "n2"),
                pod("other-1", Some(("ReplicaSet", "other-abc")), "n1"),
                pod("mirror", Some(("Node", "n1")), "n1"),
                pod("mirror-2", Some(("Node", "n1")), "n1"),
                pod("bare", None, "n3"),
            ],
            "default",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let by_name = |n: &str| {
            snap.workloads
                .iter()
                .find(|w| w.meta.name == n)
                .expect("read")
        };
        // The first Pod of each controller stands for it when the controller is absent.
        for whole in ["web-1", "other-1", "mirror", "mirror-2", "bare"] {
            let w = by_name(whole);
            assert_eq!(w.pod_spec.containers.len(), 1, "{whole}");
            assert_eq!(w.pod_spec.service_account(), "web", "{whole}");
        }
        let replica = by_name("web-2");
        assert!(replica.pod_spec.containers.is_empty());
        assert_eq!(replica.pod_spec.node_name.as_deref(), Some("n2"));
        assert_eq!(replica.meta.labels, by_name("web-1").meta.labels);
        assert_eq!(
            replica.meta.controller().map(|o| o.name.as_str()),
            Some("web-abc")
        );
    }

    #[test]
    fn the_head_of_an_object_is_its_kind_and_api_version_wherever_they_are() {
        let head = |t: &str| {
            read_head(t).map(|h| {
                (
                    h.kind.map(|k| k.into_owned()),
                    h.api_version.map(|v| v.into_owned()),
                )
            })
        };
        let some = |k: &str, v: &str| Some((Some(k.to_string()), Some(v.to_string())));
        assert_eq!(
            head(r#"{"apiVersion":"v1","kind":"Pod","spec":{"x":[1"#),
            some("Pod", "v1")
        );
        assert_eq!(
            head(r#"{"metadata":{"kind":"Nope"},"kind":"P\u006fd","x":1,"apiVersion":"v1"}"#),
            some("Pod", "v1")
        );
        assert_eq!(
            head(r#"{"kind":"Pod","spec":{}}"#),
            Some((Some("Pod".to_string()), None))
        );
        assert_eq!(head(r#"{"kind":7,"apiVersion":"v1"}"#), None);
        assert_eq!(head("[1,2]"), None);
    }

    #[test]
    fn deployment_template_becomes_a_workload() {
        let (snap, errors) = snapshot_from_values(
            [
                json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
                "spec":{"replicas":3,"template":{"metadata":{"labels":{"app":"web"}},
                "spec":{"serviceAccountName":"web","containers":[{"name":"c","image":"nginx"}]}}}}),
            ],
            "shop",
        );
        assert!(errors.is_empty());
        let w = &snap.workloads[0];
        assert_eq!(w.kind(), WorkloadKind::Deployment);
        assert_eq!(w.meta.ns(), "shop");
        assert_eq!(w.pod_labels().get("app").map(String::as_str), Some("web"));
        assert_eq!(w.pod_spec.service_account(), "web");
        assert_eq!(w.replicas, Some(3));
    }

    #[test]
    fn kinds_of_other_api_groups_are_not_read_as_kubernetes_objects() {
        let mut snap = Snapshot::default();
        let source = Source::default;
        let crossplane = json!({"apiVersion": "iam.aws.upbound.io/v1beta1", "kind": "Role",
            "metadata": {"name": "r"}, "spec": {}});
        assert_eq!(
            add_object(&mut snap, crossplane, source()),
            Ok(Added::UnsupportedKind("Role (iam.aws.upbound.io)".into()))
        );
        let custom_pod = json!({"apiVersion": "example.com/v1", "kind": "Pod",
            "metadata": {"name": "p"}, "spec": {"containers": []}});
        assert_eq!(
            add_object(&mut snap, custom_pod, source()),
            Ok(Added::UnsupportedKind("Pod (example.com)".into()))
        );
        for (version, kind) in [
            ("v1", "Pod"),
            ("extensions/v1beta1", "Deployment"),
            ("networking.k8s.io/v1", "NetworkPolicy"),
            ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        ] {
            let v = json!({"apiVersion": version, "kind": kind, "metadata": {"name": "n"}});
            assert_eq!(
                add_object(&mut snap, v, source()),
                Ok(Added::Object),
                "{version}"
            );
        }
        assert!(snap.roles.len() == 1 && snap.workloads.len() == 2);
    }

    #[test]
    fn cronjob_template_is_read_through_job_template() {
        let (snap, _) = snapshot_from_values(
            [
                json!({"kind":"CronJob","metadata":{"name":"c"},"spec":{"jobTemplate":{"spec":{
                "template":{"spec":{"serviceAccountName":"batch","containers":[{"name":"x"}]}}}}}}),
            ],
            "default",
        );
        assert_eq!(snap.workloads[0].pod_spec.service_account(), "batch");
    }

    #[test]
    fn secret_values_are_dropped() {
        let (snap, _) = snapshot_from_values(
            [
                json!({"kind":"Secret","metadata":{"name":"s"},"type":"Opaque","data":{"k":"c2VjcmV0"}}),
            ],
            "default",
        );
        assert_eq!(snap.secrets[0].type_.as_deref(), Some("Opaque"));
        let dumped = serde_json::to_string(&snap).unwrap_or_default();
        assert!(!dumped.contains("c2VjcmV0"));
    }

    #[test]
    fn wrong_type_names_the_field() {
        let (_, errors) = snapshot_from_values(
            [json!({"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":"oops"}})],
            "default",
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].1.field, "spec.containers");
        assert_eq!(errors[0].1.object, "Pod/default/p");
    }

    #[test]
    fn missing_name_is_an_error() {
        let (_, errors) = snapshot_from_values([json!({"kind":"Role","metadata":{}})], "default");
        assert_eq!(errors[0].1.field, "metadata.name");
    }

    #[test]
    fn list_items_are_each_added() {
        let (snap, _) = snapshot_from_values(
            [json!({"kind":"RoleList","items":[
                {"kind":"Role","metadata":{"name":"a","namespace":"x"}},
                {"kind":"Role","metadata":{"name":"b"}}]})],
            "y",
        );
        assert_eq!(snap.roles.len(), 2);
        assert_eq!(snap.roles[1].metadata.ns(), "y");
    }

    #[test]
    fn unknown_kind_is_reported_not_failed() {
        let mut snap = Snapshot::default();
        let r = add_object(
            &mut snap,
            json!({"kind":"Widget","metadata":{"name":"w"}}),
            Source::default(),
        );
        assert_eq!(r, Ok(Added::UnsupportedKind("Widget".into())));
    }
}
