//! The resources the test server serves, as the real API server names them. Written out
//! here independently of the collector's own table, so a wrong path in either shows up.

/// One resource: where the real API server serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServedResource {
    /// API group (`""` for the core group).
    pub group: &'static str,
    /// Versions served, the preferred first.
    pub versions: &'static [&'static str],
    pub plural: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
}

const fn r(
    group: &'static str,
    versions: &'static [&'static str],
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> ServedResource {
    ServedResource {
        group,
        versions,
        plural,
        kind,
        namespaced,
    }
}

const GW: &str = "gateway.networking.k8s.io";

pub const RESOURCES: &[ServedResource] = &[
    r("", &["v1"], "pods", "Pod", true),
    r(
        "",
        &["v1"],
        "replicationcontrollers",
        "ReplicationController",
        true,
    ),
    r("", &["v1"], "serviceaccounts", "ServiceAccount", true),
    r("", &["v1"], "services", "Service", true),
    r("", &["v1"], "secrets", "Secret", true),
    r("", &["v1"], "configmaps", "ConfigMap", true),
    r("", &["v1"], "nodes", "Node", false),
    r("", &["v1"], "namespaces", "Namespace", false),
    r("apps", &["v1"], "deployments", "Deployment", true),
    r("apps", &["v1"], "statefulsets", "StatefulSet", true),
    r("apps", &["v1"], "daemonsets", "DaemonSet", true),
    r("apps", &["v1"], "replicasets", "ReplicaSet", true),
    r("batch", &["v1"], "jobs", "Job", true),
    r("batch", &["v1"], "cronjobs", "CronJob", true),
    r("rbac.authorization.k8s.io", &["v1"], "roles", "Role", true),
    r(
        "rbac.authorization.k8s.io",
        &["v1"],
        "clusterroles",
        "ClusterRole",
        false,
    ),
    r(
        "rbac.authorization.k8s.io",
        &["v1"],
        "rolebindings",
        "RoleBinding",
        true,
    ),
    r(
        "rbac.authorization.k8s.io",
        &["v1"],
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
    ),
    r("networking.k8s.io", &["v1"], "ingresses", "Ingress", true),
    r(
        "networking.k8s.io",
        &["v1"],
        "ingressclasses",
        "IngressClass",
        false,
    ),
    r(
        "networking.k8s.io",
        &["v1"],
        "networkpolicies",
        "NetworkPolicy",
        true,
    ),
    // Gateway API (standard channel 1.3 with the experimental routes): versions as served.
    r(
        GW,
        &["v1", "v1beta1"],
        "gatewayclasses",
        "GatewayClass",
        false,
    ),
    r(GW, &["v1", "v1beta1"], "gateways", "Gateway", true),
    r(GW, &["v1", "v1beta1"], "httproutes", "HTTPRoute", true),
    r(GW, &["v1", "v1alpha2"], "grpcroutes", "GRPCRoute", true),
    r(GW, &["v1alpha2"], "tlsroutes", "TLSRoute", true),
    r(GW, &["v1alpha2"], "tcproutes", "TCPRoute", true),
    r(GW, &["v1alpha2"], "udproutes", "UDPRoute", true),
    r(
        GW,
        &["v1beta1", "v1alpha2"],
        "referencegrants",
        "ReferenceGrant",
        true,
    ),
];

/// The resource an object belongs to, by its `apiVersion` group and `kind`.
pub fn resource_of(api_version: &str, kind: &str) -> Option<&'static ServedResource> {
    let group = match api_version.split_once('/') {
        Some((g, _)) => g,
        None => "",
    };
    RESOURCES
        .iter()
        .find(|r| r.kind == kind && r.group == group)
}

/// Every version the Gateway API group serves, the preferred first.
pub const GATEWAY_VERSIONS: &[&str] = &["v1", "v1beta1", "v1alpha2"];
pub const GATEWAY_GROUP: &str = GW;
