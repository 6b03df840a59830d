//! The kinds the offline ingest reads (`engine::ingest::is_supported`), where the API server
//! serves them, and what a report should say when one cannot be read.

/// One listed resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    /// API group (`""` for the core group).
    pub group: &'static str,
    /// Versions to try, the preferred first. Fixed groups have one; the Gateway API's
    /// versions are found by discovery among these.
    pub versions: &'static [&'static str],
    pub plural: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    /// What a report should say when this kind could not be read.
    pub may_hide: &'static str,
}

const fn r(
    group: &'static str,
    versions: &'static [&'static str],
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
    may_hide: &'static str,
) -> Resource {
    Resource {
        group,
        versions,
        plural,
        kind,
        namespaced,
        may_hide,
    }
}

pub const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";
const RBAC: &str = "rbac.authorization.k8s.io";
const NET: &str = "networking.k8s.io";
const WORKLOAD: &str = "workloads of this kind (their service accounts, privileges, host \
                        access and exposure) would not be seen";
const GATEWAY: &str = "internet exposure through the Gateway API would not be seen";

/// Every resource listed, in collection order (Namespaces first: the per-namespace
/// fallback needs them).
pub const RESOURCES: &[Resource] = &[
    r(
        "",
        &["v1"],
        "namespaces",
        "Namespace",
        false,
        "namespace labels (NetworkPolicy namespace selectors) would not be seen, and kinds \
         forbidden cluster-wide could not be read namespace by namespace",
    ),
    r("", &["v1"], "pods", "Pod", true, WORKLOAD),
    r(
        "",
        &["v1"],
        "replicationcontrollers",
        "ReplicationController",
        true,
        WORKLOAD,
    ),
    r("apps", &["v1"], "deployments", "Deployment", true, WORKLOAD),
    r(
        "apps",
        &["v1"],
        "statefulsets",
        "StatefulSet",
        true,
        WORKLOAD,
    ),
    r("apps", &["v1"], "daemonsets", "DaemonSet", true, WORKLOAD),
    r("apps", &["v1"], "replicasets", "ReplicaSet", true, WORKLOAD),
    r("batch", &["v1"], "jobs", "Job", true, WORKLOAD),
    r("batch", &["v1"], "cronjobs", "CronJob", true, WORKLOAD),
    r(
        "",
        &["v1"],
        "serviceaccounts",
        "ServiceAccount",
        true,
        "service account annotations binding pods to cloud identities (IRSA, Workload \
         Identity) would not be seen",
    ),
    r(
        "",
        &["v1"],
        "secrets",
        "Secret",
        true,
        "long-lived service account token Secrets would not be seen",
    ),
    r(
        "",
        &["v1"],
        "services",
        "Service",
        true,
        "internet exposure through LoadBalancer and NodePort Services would not be seen",
    ),
    r(
        "",
        &["v1"],
        "nodes",
        "Node",
        false,
        "nodes (their cloud identities, taints and what pods scheduled on them reach) would \
         not be seen",
    ),
    r(
        RBAC,
        &["v1"],
        "roles",
        "Role",
        true,
        "the permissions RoleBindings to Roles grant would be unknown",
    ),
    r(
        RBAC,
        &["v1"],
        "clusterroles",
        "ClusterRole",
        false,
        "custom ClusterRoles' permissions would be unknown (only built-in roles are known \
         by name)",
    ),
    r(
        RBAC,
        &["v1"],
        "rolebindings",
        "RoleBinding",
        true,
        "no RoleBindings were visible: namespaced grants (admin, secrets access, pod \
         creation) would not be seen",
    ),
    r(
        RBAC,
        &["v1"],
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
        "no ClusterRoleBindings were visible: bindings granting cluster-admin would not be \
         seen",
    ),
    r(
        NET,
        &["v1"],
        "ingresses",
        "Ingress",
        true,
        "internet exposure through Ingresses would not be seen",
    ),
    r(
        NET,
        &["v1"],
        "ingressclasses",
        "IngressClass",
        false,
        "which ingress controller serves an Ingress (and whether it is internet-facing) \
         would be guessed",
    ),
    r(
        NET,
        &["v1"],
        "networkpolicies",
        "NetworkPolicy",
        true,
        "traffic NetworkPolicies refuse would be assumed allowed (chains may be reported \
         that the policies block)",
    ),
    r(
        GATEWAY_GROUP,
        &["v1", "v1beta1"],
        "gatewayclasses",
        "GatewayClass",
        false,
        GATEWAY,
    ),
    r(
        GATEWAY_GROUP,
        &["v1", "v1beta1"],
        "gateways",
        "Gateway",
        true,
        GATEWAY,
    ),
    r(
        GATEWAY_GROUP,
        &["v1", "v1beta1"],
        "httproutes",
        "HTTPRoute",
        true,
        GATEWAY,
    ),
    r(
        GATEWAY_GROUP,
        &["v1", "v1alpha2"],
        "grpcroutes",
        "GRPCRoute",
        true,
        GATEWAY,
    ),
    r(
        GATEWAY_GROUP,
        &["v1", "v1alpha3", "v1alpha2"],
        "tlsroutes",
        "TLSRoute",
        true,
        GATEWAY,
    ),
    r(
        GATEWAY_GROUP,
        &["v1alpha2"],
        "tcproutes",
        "TCPRoute",
        true,
        GATEWAY,
    ),
    r(
        GATEWAY_GROUP,
        &["v1alpha2"],
        "udproutes",
        "UDPRoute",
        true,
        GATEWAY,
    ),
    r(
        GATEWAY_GROUP,
        &["v1", "v1beta1", "v1alpha2"],
        "referencegrants",
        "ReferenceGrant",
        true,
        "cross-namespace route targets would be judged without their ReferenceGrants",
    ),
];

/// The Secret types the analysis reads (`type` is not in a metadata-only list, so each is
/// listed again with a field selector).
pub const SECRET_TYPES: &[&str] = &["kubernetes.io/service-account-token"];

/// The one ConfigMap the ingest reads.
pub const AWS_AUTH: (&str, &str) = ("kube-system", "aws-auth");

impl Resource {
    /// `v1` or `apps/v1`, for the objects' `apiVersion`.
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{version}", self.group)
        }
    }

    /// The list path, cluster-wide or in one namespace.
    pub fn path(&self, version: &str, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{}/{version}", self.group)
        };
        match namespace {
            Some(ns) => format!("{base}/namespaces/{ns}/{}", self.plural),
            None => format!("{base}/{}", self.plural),
        }
    }

    /// `apps/v1 Deployment`, for coverage gaps.
    pub fn describe(&self, version: &str) -> String {
        format!("{} {}", self.api_version(version), self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_the_ingest_reads_is_listed_once() {
        let kinds: Vec<&str> = RESOURCES.iter().map(|r| r.kind).collect();
        for k in &kinds {
            assert!(kubepath_engine::ingest::is_supported(k), "{k} is not read");
            assert_eq!(kinds.iter().filter(|x| *x == k).count(), 1, "{k} twice");
        }
        // Every kind the ingest supports (ConfigMap aside: only aws-auth, fetched by name).
        for k in [
            "Pod",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ReplicationController",
            "Job",
            "CronJob",
            "ServiceAccount",
            "Role",
            "ClusterRole",
            "RoleBinding",
            "ClusterRoleBinding",
            "Service",
            "Ingress",
            "IngressClass",
            "Node",
            "Namespace",
            "Secret",
            "NetworkPolicy",
            "GatewayClass",
            "Gateway",
            "HTTPRoute",
            "GRPCRoute",
            "TLSRoute",
            "TCPRoute",
            "UDPRoute",
            "ReferenceGrant",
        ] {
            assert!(kinds.contains(&k), "{k} is not collected");
        }
    }

    #[test]
    fn paths_are_the_api_servers() {
        let pods = RESOURCES.iter().find(|r| r.plural == "pods").unwrap();
        assert_eq!(pods.path("v1", None), "/api/v1/pods");
        assert_eq!(pods.path("v1", Some("a")), "/api/v1/namespaces/a/pods");
        let crb = RESOURCES
            .iter()
            .find(|r| r.plural == "clusterrolebindings")
            .unwrap();
        assert_eq!(
            crb.path("v1", None),
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
        );
    }
}
