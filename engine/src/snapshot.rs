//! The snapshot: everything the engine knows about one estate, as plain data.
//!
//! Collectors fill it; the engine never reads files or APIs. The Kubernetes types are lean
//! mirrors of the API objects: they keep only the fields the analysis reads and accept the
//! API's JSON shape (camelCase) through serde, with every field defaulted so that partial
//! manifests (shift-left YAML) still load. Secret values are not part of the model at all.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aws::AuthorizationDetails;

mod affinity;
mod azure;
mod coverage;
mod eks;
pub use affinity::*;
pub use azure::*;
pub use coverage::*;
pub use eks::*;
mod gateway;
mod gcp;
mod netpol;
pub use gateway::*;
pub use gcp::*;
pub use netpol::*;
mod vuln;
pub use vuln::*;

/// Where an object came from: the file and the index of the document inside it (0-based,
/// counting every YAML document or JSON value; items of a `List` share their list's index).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Source {
    pub file: String,
    pub document: usize,
    /// 1-based line of the file where the document's content starts, when the reader knows
    /// it (YAML and JSON files); reports point at it (SARIF regions, `file:line`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectMeta {
    pub name: String,
    pub namespace: Option<String>,
    pub uid: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub owner_references: Vec<OwnerReference>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OwnerReference {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub uid: Option<String>,
    pub controller: Option<bool>,
}

impl ObjectMeta {
    /// The namespace, which collectors always fill for namespaced kinds.
    pub fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }

    /// The controller that owns this object, if any (`ownerReferences[].controller: true`,
    /// or the only owner when no entry says so).
    pub fn controller(&self) -> Option<&OwnerReference> {
        self.owner_references
            .iter()
            .find(|o| o.controller == Some(true))
            .or(match self.owner_references.as_slice() {
                [only] => Some(only),
                _ => None,
            })
    }
}

/// The kinds whose pods (or pod templates) are workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WorkloadKind {
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
}

impl WorkloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "Pod",
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::ReplicationController => "ReplicationController",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
        }
    }

    pub fn from_kind(kind: &str) -> Option<Self> {
        Some(match kind {
            "Pod" => WorkloadKind::Pod,
            "Deployment" => WorkloadKind::Deployment,
            "StatefulSet" => WorkloadKind::StatefulSet,
            "DaemonSet" => WorkloadKind::DaemonSet,
            "ReplicaSet" => WorkloadKind::ReplicaSet,
            "ReplicationController" => WorkloadKind::ReplicationController,
            "Job" => WorkloadKind::Job,
            "CronJob" => WorkloadKind::CronJob,
            _ => return None,
        })
    }
}

/// A Pod, or a controller with its pod template. For controllers, `template_labels` are the
/// template's labels (what Services select) and `pod_spec` the template's spec; a Pod's
/// are its own metadata's, not copied (read both through [`Workload::pod_labels`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Workload {
    pub kind: Option<WorkloadKind>,
    pub meta: ObjectMeta,
    /// A controller's pod template labels (empty for a Pod).
    pub template_labels: BTreeMap<String, String>,
    /// A controller's pod template annotations (empty for a Pod).
    pub template_annotations: BTreeMap<String, String>,
    pub pod_spec: PodSpec,
    /// `spec.replicas` where the kind has one.
    pub replicas: Option<i64>,
    /// `spec.selector` of a controller (its `matchLabels`/`matchExpressions`).
    pub selector: Option<LabelSelector>,
    pub source: Source,
}

impl Workload {
    pub fn kind(&self) -> WorkloadKind {
        self.kind.unwrap_or(WorkloadKind::Pod)
    }

    /// The labels its pods carry: a Pod's own, a controller's template's.
    pub fn pod_labels(&self) -> &BTreeMap<String, String> {
        match self.kind() {
            WorkloadKind::Pod => &self.meta.labels,
            _ => &self.template_labels,
        }
    }

    /// The annotations its pods carry: a Pod's own, a controller's template's.
    pub fn pod_annotations(&self) -> &BTreeMap<String, String> {
        match self.kind() {
            WorkloadKind::Pod => &self.meta.annotations,
            _ => &self.template_annotations,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodSpec {
    pub service_account_name: Option<String>,
    /// Deprecated alias of `serviceAccountName`, still accepted by the API server.
    pub service_account: Option<String>,
    pub automount_service_account_token: Option<bool>,
    pub node_name: Option<String>,
    pub node_selector: BTreeMap<String, String>,
    pub host_network: bool,
    #[serde(rename = "hostPID")]
    pub host_pid: bool,
    #[serde(rename = "hostIPC")]
    pub host_ipc: bool,
    pub share_process_namespace: Option<bool>,
    pub security_context: Option<PodSecurityContext>,
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    pub ephemeral_containers: Vec<Container>,
    pub volumes: Vec<Volume>,
    pub tolerations: Vec<Toleration>,
    pub affinity: Option<Affinity>,
}

impl PodSpec {
    /// The service account the pod runs as (`default` when unset, as the API server does).
    pub fn service_account(&self) -> &str {
        self.service_account_name
            .as_deref()
            .or(self.service_account.as_deref())
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
    }

    /// Every container of the pod: regular, init and ephemeral, with the list it came from.
    pub fn all_containers(&self) -> impl Iterator<Item = (&'static str, usize, &Container)> {
        let regular = self
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| ("containers", i, c));
        let init = self
            .init_containers
            .iter()
            .enumerate()
            .map(|(i, c)| ("initContainers", i, c));
        let ephemeral = self
            .ephemeral_containers
            .iter()
            .enumerate()
            .map(|(i, c)| ("ephemeralContainers", i, c));
        regular.chain(init).chain(ephemeral)
    }

    pub fn volume(&self, name: &str) -> Option<(usize, &Volume)> {
        self.volumes
            .iter()
            .enumerate()
            .find(|(_, v)| v.name == name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodSecurityContext {
    pub run_as_user: Option<i64>,
    pub run_as_non_root: Option<bool>,
    pub seccomp_profile: Option<Profile>,
    pub app_armor_profile: Option<Profile>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Profile {
    #[serde(rename = "type")]
    pub type_: String,
    pub localhost_profile: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub security_context: Option<SecurityContext>,
    pub volume_mounts: Vec<VolumeMount>,
    pub ports: Vec<ContainerPort>,
    pub env: Vec<EnvVar>,
    pub env_from: Vec<EnvFromSource>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecurityContext {
    pub privileged: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub capabilities: Option<Capabilities>,
    pub run_as_user: Option<i64>,
    pub run_as_non_root: Option<bool>,
    pub read_only_root_filesystem: Option<bool>,
    pub seccomp_profile: Option<Profile>,
    pub app_armor_profile: Option<Profile>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Capabilities {
    pub add: Vec<String>,
    pub drop: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VolumeMount {
    pub name: String,
    pub mount_path: String,
    pub read_only: Option<bool>,
    pub sub_path: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub container_port: Option<i64>,
    pub host_port: Option<i64>,
    pub protocol: Option<String>,
}

/// An environment variable: only whether it references a Secret is kept (never a value).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvVar {
    pub name: String,
    pub value_from: Option<EnvVarSource>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvVarSource {
    pub secret_key_ref: Option<NameRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvFromSource {
    pub secret_ref: Option<NameRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NameRef {
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Volume {
    pub name: String,
    pub host_path: Option<HostPathVolume>,
    pub secret: Option<SecretVolume>,
    pub projected: Option<ProjectedVolume>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HostPathVolume {
    pub path: String,
    #[serde(rename = "type")]
    pub type_: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecretVolume {
    pub secret_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProjectedVolume {
    pub sources: Vec<ProjectedSource>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProjectedSource {
    pub secret: Option<NameRef>,
    pub service_account_token: Option<ServiceAccountTokenProjection>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceAccountTokenProjection {
    pub audience: Option<String>,
    pub path: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Toleration {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceAccount {
    pub metadata: ObjectMeta,
    pub automount_service_account_token: Option<bool>,
    pub secrets: Vec<NameRef>,
    #[serde(skip)]
    pub source: Source,
}

/// An RBAC policy rule, as in Role/ClusterRole `rules[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PolicyRule {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
    pub resource_names: Vec<String>,
    #[serde(rename = "nonResourceURLs")]
    pub non_resource_urls: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AggregationRule {
    pub cluster_role_selectors: Vec<LabelSelector>,
}

/// A Role (`metadata.namespace` set) or a ClusterRole (`cluster: true`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Role {
    pub metadata: ObjectMeta,
    pub rules: Vec<PolicyRule>,
    pub aggregation_rule: Option<AggregationRule>,
    #[serde(skip)]
    pub cluster: bool,
    #[serde(skip)]
    pub source: Source,
}

impl Role {
    pub fn kind(&self) -> &'static str {
        if self.cluster { "ClusterRole" } else { "Role" }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleRef {
    pub api_group: String,
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Subject {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub api_group: Option<String>,
}

/// A RoleBinding (`cluster: false`, namespaced) or a ClusterRoleBinding (`cluster: true`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleBinding {
    pub metadata: ObjectMeta,
    pub role_ref: RoleRef,
    pub subjects: Vec<Subject>,
    #[serde(skip)]
    pub cluster: bool,
    #[serde(skip)]
    pub source: Source,
}

impl RoleBinding {
    pub fn kind(&self) -> &'static str {
        if self.cluster {
            "ClusterRoleBinding"
        } else {
            "RoleBinding"
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Service {
    pub metadata: ObjectMeta,
    pub spec: ServiceSpec,
    pub status: ServiceStatus,
    #[serde(skip)]
    pub source: Source,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceSpec {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// `None` means the Service has no selector (endpoints managed by hand).
    pub selector: Option<BTreeMap<String, String>>,
    pub ports: Vec<ServicePort>,
    pub load_balancer_source_ranges: Vec<String>,
    pub load_balancer_class: Option<String>,
    pub external_i_ps: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: Option<i64>,
    pub node_port: Option<i64>,
    pub protocol: Option<String>,
    /// An int or a named port; kept as JSON to accept both.
    pub target_port: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceStatus {
    pub load_balancer: LoadBalancerStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LoadBalancerStatus {
    pub ingress: Vec<LoadBalancerIngress>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LoadBalancerIngress {
    pub ip: Option<String>,
    pub hostname: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Ingress {
    pub metadata: ObjectMeta,
    pub spec: IngressSpec,
    #[serde(skip)]
    pub source: Source,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressSpec {
    pub ingress_class_name: Option<String>,
    /// `backend` in extensions/v1beta1 and networking.k8s.io/v1beta1.
    #[serde(alias = "backend")]
    pub default_backend: Option<IngressBackend>,
    pub rules: Vec<IngressRule>,
    pub tls: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressRule {
    pub host: Option<String>,
    pub http: Option<HttpIngressRuleValue>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpIngressRuleValue {
    pub paths: Vec<HttpIngressPath>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpIngressPath {
    pub path: Option<String>,
    pub backend: IngressBackend,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressBackend {
    pub service: Option<IngressServiceBackend>,
    /// networking.k8s.io/v1beta1 / extensions/v1beta1 shape.
    pub service_name: Option<String>,
}

impl IngressBackend {
    pub fn service_name(&self) -> Option<&str> {
        self.service
            .as_ref()
            .map(|s| s.name.as_str())
            .or(self.service_name.as_deref())
            .filter(|n| !n.is_empty())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressServiceBackend {
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Node {
    pub metadata: ObjectMeta,
    pub spec: NodeSpec,
    #[serde(skip)]
    pub source: Source,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeSpec {
    #[serde(rename = "providerID")]
    pub provider_id: Option<String>,
    pub taints: Vec<Toleration>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Namespace {
    pub metadata: ObjectMeta,
    #[serde(skip)]
    pub source: Source,
}

/// A Secret's metadata and type. The collector never keeps `data` or `stringData`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Secret {
    pub metadata: ObjectMeta,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    #[serde(skip)]
    pub source: Source,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkPolicy {
    pub metadata: ObjectMeta,
    pub spec: NetworkPolicySpec,
    #[serde(skip)]
    pub source: Source,
}

/// The `kube-system/aws-auth` ConfigMap: its `mapRoles`, `mapUsers` and `mapAccounts`
/// entries are YAML text inside the ConfigMap; collectors parse them into these entries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsAuth {
    pub map_roles: Vec<AwsAuthMapping>,
    pub map_users: Vec<AwsAuthMapping>,
    pub map_accounts: Vec<String>,
    pub source: Source,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AwsAuthMapping {
    /// `rolearn` or `userarn`.
    #[serde(alias = "rolearn", alias = "userarn")]
    pub arn: String,
    pub username: Option<String>,
    pub groups: Vec<String>,
}

/// Facts no object carries, from `kubepath.yaml` or the command line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Facts {
    pub cluster_name: Option<String>,
    pub provider: Option<String>,
    pub oidc_issuer: Option<String>,
    pub account: Option<String>,
    /// `arn:aws:eks:REGION:ACCOUNT:cluster/NAME` (`aws eks describe-cluster`).
    pub cluster_arn: Option<String>,
    /// `accessConfig.authenticationMode`: `CONFIG_MAP`, `API` or `API_AND_CONFIG_MAP`.
    pub authentication_mode: Option<String>,
    /// IAM roles of the nodes' instance profiles (`kubepath.yaml` `nodeRoleArns`).
    pub node_role_arns: Vec<String>,
    pub imds: Imds,
    /// The cloud region (live collection: the Nodes' topology labels or the issuer).
    pub region: Option<String>,
    /// The API server's `gitVersion` (live collection: `/version`).
    pub kubernetes_version: Option<String>,
}

/// One estate: every object the collectors read, plus the warnings they raised.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub workloads: Vec<Workload>,
    pub service_accounts: Vec<ServiceAccount>,
    pub roles: Vec<Role>,
    pub bindings: Vec<RoleBinding>,
    pub services: Vec<Service>,
    pub ingresses: Vec<Ingress>,
    pub ingress_classes: Vec<IngressClass>,
    pub gateway_classes: Vec<GatewayClass>,
    pub gateways: Vec<Gateway>,
    /// HTTPRoute, GRPCRoute, TLSRoute, TCPRoute and UDPRoute objects.
    pub routes: Vec<Route>,
    pub reference_grants: Vec<ReferenceGrant>,
    pub nodes: Vec<Node>,
    pub namespaces: Vec<Namespace>,
    pub secrets: Vec<Secret>,
    pub network_policies: Vec<NetworkPolicy>,
    pub aws_auth: Option<AwsAuth>,
    pub aws: Vec<AuthorizationDetails>,
    pub eks: EksApi,
    /// AWS Organizations service control policies (`aws organizations describe-policy`).
    #[serde(default)]
    pub scps: Vec<crate::aws::OrganizationsPolicy>,
    /// Google Cloud: IAM policies, service accounts, roles, GKE clusters (`gcloud` JSON).
    #[serde(default)]
    pub gcp: GcpApi,
    /// The `az` CLI outputs: Azure RBAC, managed identities, AKS.
    #[serde(default)]
    pub azure: AzureApi,
    pub facts: Facts,
    /// What a live collection could not see (403s, AccessDenied); reports state each gap.
    #[serde(default)]
    pub coverage: Vec<CoverageGap>,
    /// Trivy and Grype scans of the images in use, and the CISA KEV catalog.
    #[serde(default)]
    pub vuln: VulnScans,
    /// Problems met while collecting; the engine adds its own and reports them all.
    pub warnings: Vec<Warning>,
    /// Pod owners `(namespace, kind, name)` that already have a Pod with its whole spec in
    /// `workloads`: the owner's later Pods keep only their metadata and `spec.nodeName`
    /// (see [`crate::ingest::add_decoded`]).
    #[serde(skip)]
    pub replica_owners: std::collections::BTreeSet<(String, String, String)>,
}

/// A problem with the input that did not stop the analysis.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Warning {
    /// The file (empty when the warning is about the estate as a whole).
    pub file: String,
    /// The document index in the file, where one applies.
    pub document: Option<usize>,
    /// The object, as `Kind/namespace/name` or `Kind/name`, where one applies.
    pub object: Option<String>,
    /// The field, as a JSON path-like string (`spec.template.spec.containers[0]`), where one applies.
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.file.is_empty() {
            write!(f, "{}", self.file)?;
            if let Some(d) = self.document {
                write!(f, " (document {d})")?;
            }
            write!(f, ": ")?;
        }
        if let Some(o) = &self.object {
            write!(f, "{o}")?;
            if let Some(field) = &self.field {
                write!(f, " field {field}")?;
            }
            write!(f, ": ")?;
        } else if let Some(field) = &self.field {
            write!(f, "field {field}: ")?;
        }
        write!(f, "{}", self.message)
    }
}
