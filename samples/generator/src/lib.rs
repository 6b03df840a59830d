//! A realistic, deterministic EKS estate of any size, in the formats people already have:
//! `kubectl get KIND -A -o json` Lists (one file per kind) and
//! `aws iam get-account-authorization-details` JSON. Used by the scale benches and by a test
//! that the planted chains are found. See `samples/README.md`.
//!
//! Same `Params` (seed included) -> the same bytes: the generator uses its own PCG-style
//! LCG, iterates only ordered collections, and never reads the clock or the environment.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde_json::{Value, json};

pub mod iam;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Pods in the cluster (DaemonSet pods on every node included), approximately.
    pub pods: usize,
    /// IAM principals (roles and users) in the account, approximately.
    pub principals: usize,
    pub seed: u64,
}

pub const ACCOUNT: &str = "111122223333";
pub const CLUSTER: &str = "scale-prod";
pub const REGION: &str = "us-east-1";

/// The chains planted in every estate: `(entry workload id, target)`. A scan of the
/// estate must report a chain from `internet` through the workload to the target.
pub const PLANTED_CHAINS: &[(&str, &str)] = &[
    // A leftover ClusterRoleBinding of a `*` on `*` ClusterRole to an exposed app's SA.
    (
        "workload:team-000/Deployment/planted-wildcard-api",
        "cluster-admin",
    ),
    // An exposed app whose IRSA role may rewrite its own inline policy.
    (
        "workload:team-001/Deployment/planted-uploader",
        "aws-admin:111122223333",
    ),
    // An admin role whose OIDC trust admits `system:serviceaccount:team-002:*`: any IRSA
    // token of the namespace assumes it.
    (
        "workload:team-002/Deployment/planted-reports",
        "aws-admin:111122223333",
    ),
    // An exposed app allowed to create pods in a namespace holding a cluster-admin SA.
    (
        "workload:team-003/Deployment/planted-runner",
        "cluster-admin",
    ),
];

/// A fixed 64-bit LCG (Knuth's MMIX constants), high bits out: small, fast, and the same
/// on every platform and Rust version, unlike `rand`'s unspecified default generator.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        let mut r = Lcg(seed ^ 0x9e37_79b9_7f4a_7c15);
        r.next_u64();
        r
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// Lower-case alphanumerics, like the suffixes Kubernetes generates.
    pub fn suffix(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..len)
            .map(|_| ALPHABET[self.below(ALPHABET.len())] as char)
            .collect()
    }
}

/// A List file written item by item, so a 100k-pod estate never sits in memory as JSON
/// values. The layout is kubectl's (`-o json`: 4-space indentation).
struct ListWriter {
    out: BufWriter<fs::File>,
    first: bool,
    count: usize,
}

impl ListWriter {
    fn create(path: &Path) -> io::Result<ListWriter> {
        let mut out = BufWriter::with_capacity(1 << 20, fs::File::create(path)?);
        out.write_all(b"{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n")?;
        Ok(ListWriter {
            out,
            first: true,
            count: 0,
        })
    }
    fn push(&mut self, item: &Value) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",\n")?;
        }
        self.first = false;
        self.count += 1;
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut self.out, fmt);
        serde::Serialize::serialize(item, &mut ser).map_err(io::Error::other)
    }
    fn finish(mut self) -> io::Result<usize> {
        self.out.write_all(
            b"\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n",
        )?;
        self.out.flush()?;
        Ok(self.count)
    }
}

/// The Lists of one estate, by kind.
struct Lists {
    namespaces: ListWriter,
    nodes: ListWriter,
    pods: ListWriter,
    deployments: ListWriter,
    statefulsets: ListWriter,
    daemonsets: ListWriter,
    jobs: ListWriter,
    services: ListWriter,
    ingresses: ListWriter,
    ingressclasses: ListWriter,
    networkpolicies: ListWriter,
    serviceaccounts: ListWriter,
    configmaps: ListWriter,
    roles: ListWriter,
    rolebindings: ListWriter,
    clusterroles: ListWriter,
    clusterrolebindings: ListWriter,
}

/// What was written.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub files: Vec<(String, usize)>,
    pub pods: usize,
    pub principals: usize,
}

struct Node {
    name: String,
    group: usize,
}

/// One app: a controller, its pods, its service account.
struct App {
    ns: String,
    name: String,
    kind: &'static str,
    replicas: usize,
    sa: String,
    irsa_role: Option<String>,
    exposure: Exposure,
    privileged: bool,
    /// `automountServiceAccountToken` of the service account (admission then adds no token).
    automount: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Exposure {
    None,
    ClusterIp,
    LoadBalancer,
    InternalLoadBalancer,
    NodePort,
    Ingress,
}

const NODE_GROUPS: &[&str] = &["general", "compute", "memory", "gpu"];
const IMAGES: &[&str] = &[
    "python:3.12-slim",
    "node:20-alpine",
    "eclipse-temurin:21-jre",
    "golang:1.22",
    "nginx:1.27",
    "redis:7.2",
    "envoyproxy/envoy:v1.30",
];
const APP_WORDS: &[&str] = &[
    "api",
    "web",
    "worker",
    "sync",
    "gateway",
    "indexer",
    "billing",
    "search",
    "auth",
    "notify",
    "export",
    "ingest",
    "cache",
    "scheduler",
    "ledger",
    "catalog",
    "profile",
    "media",
];

fn labels(app: &str) -> Value {
    json!({"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": "platform", "app": app})
}

fn meta(name: &str, ns: &str, uid: &mut Lcg) -> Value {
    json!({
        "name": name,
        "namespace": ns,
        "uid": format!("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", uid.next_u64(), uid.below(65536), uid.below(65536), uid.below(65536), uid.next_u64() << 16 | uid.next_u64() & 0xffff),
        "resourceVersion": format!("{}", 100_000 + uid.below(9_000_000)),
        "creationTimestamp": "2026-10-01T08:00:00Z",
    })
}

fn container(app: &App, image: &str, index: usize) -> Value {
    let mut c = json!({
        "name": if index == 0 { app.name.clone() } else { format!("sidecar-{index}") },
        "image": format!("123456789012.dkr.ecr.{REGION}.amazonaws.com/{image}"),
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "env": [
            {"name": "APP_NAME", "value": app.name},
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": format!("{}-db", app.name), "key": "password"}}}
        ],
        "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "250m", "memory": "512Mi"}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 5, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/app", "readOnly": true}
        ]
    });
    if app.automount
        && let Some(m) = c["volumeMounts"].as_array_mut()
    {
        m.push(json!({"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}));
    }
    c["securityContext"] = if app.privileged && index == 0 {
        json!({"privileged": true})
    } else {
        json!({"allowPrivilegeEscalation": false, "runAsNonRoot": true, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}})
    };
    if app.irsa_role.is_some() {
        let env = c["env"].as_array_mut();
        if let Some(env) = env {
            env.push(json!({"name": "AWS_ROLE_ARN", "value": app.irsa_role}));
            env.push(json!({"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}));
        }
        if let Some(m) = c["volumeMounts"].as_array_mut() {
            m.push(json!({"name": "aws-iam-token", "mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount", "readOnly": true}));
        }
    }
    c
}

/// The pod spec of an app (template or pod). `live`: with the volumes admission adds.
fn pod_spec(app: &App, rng: &mut Lcg, live: bool) -> Value {
    let image = rng.pick(IMAGES);
    let sidecars = usize::from(rng.chance(30));
    let containers: Vec<Value> = (0..=sidecars).map(|i| container(app, image, i)).collect();
    let mut volumes = vec![
        json!({"name": "config", "configMap": {"name": format!("{}-config", app.name), "defaultMode": 420}}),
    ];
    if live && app.automount {
        volumes.push(json!({"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
        ]}}));
        if app.irsa_role.is_some() {
            volumes.push(json!({"name": "aws-iam-token", "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"audience": "sts.amazonaws.com", "expirationSeconds": 86400, "path": "token"}}
            ]}}));
        }
    }
    let mut spec = json!({
        "serviceAccountName": app.sa,
        "serviceAccount": app.sa,
        "containers": containers,
        "volumes": volumes,
        "restartPolicy": if app.kind == "Job" { "OnFailure" } else { "Always" },
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
        "securityContext": {"runAsUser": 1000, "fsGroup": 2000},
        "nodeSelector": {"eks.amazonaws.com/nodegroup": NODE_GROUPS[rng.below(3)]},
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        ]
    });
    if app.privileged {
        spec["securityContext"] = json!({});
    }
    spec
}

fn pod_status(node: &Node, rng: &mut Lcg, succeeded: bool) -> Value {
    let ip = format!("10.{}.{}.{}", rng.below(32), rng.below(256), rng.below(256));
    json!({
        "phase": if succeeded { "Succeeded" } else { "Running" },
        "hostIP": format!("10.0.{}.{}", node.group, rng.below(256)),
        "podIP": ip, "podIPs": [{"ip": ip}],
        "qosClass": "Burstable",
        "startTime": "2026-11-20T10:00:00Z",
        "conditions": [
            {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-20T10:00:00Z"},
            {"type": "Ready", "status": if succeeded { "False" } else { "True" }, "lastProbeTime": null, "lastTransitionTime": "2026-11-20T10:00:05Z"},
            {"type": "ContainersReady", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-20T10:00:05Z"},
            {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-20T10:00:00Z"}
        ],
        "containerStatuses": [{
            "name": "main", "ready": !succeeded, "restartCount": rng.below(3), "started": !succeeded,
            "image": "main", "imageID": format!("docker-pullable://ecr/app@sha256:{:016x}{:016x}", rng.next_u64(), rng.next_u64()),
            "containerID": format!("containerd://{:016x}{:016x}", rng.next_u64(), rng.next_u64()),
            "state": {"running": {"startedAt": "2026-11-20T10:00:03Z"}}
        }]
    })
}

/// Write the estate under `out` (created if needed): `kubernetes/*.json`,
/// `aws/authorization-details.json`, `aws/describe-cluster.json`.
pub fn generate(params: &Params, out: &Path) -> io::Result<Summary> {
    let k8s = out.join("kubernetes");
    let aws = out.join("aws");
    fs::create_dir_all(&k8s)?;
    fs::create_dir_all(&aws)?;
    let list = |name: &str| ListWriter::create(&k8s.join(format!("{name}.json")));
    let mut l = Lists {
        namespaces: list("namespaces")?,
        nodes: list("nodes")?,
        pods: list("pods")?,
        deployments: list("deployments")?,
        statefulsets: list("statefulsets")?,
        daemonsets: list("daemonsets")?,
        jobs: list("jobs")?,
        services: list("services")?,
        ingresses: list("ingresses")?,
        ingressclasses: list("ingressclasses")?,
        networkpolicies: list("networkpolicies")?,
        serviceaccounts: list("serviceaccounts")?,
        configmaps: list("configmaps")?,
        roles: list("roles")?,
        rolebindings: list("rolebindings")?,
        clusterroles: list("clusterroles")?,
        clusterrolebindings: list("clusterrolebindings")?,
    };
    let mut rng = Lcg::new(params.seed);
    let mut uid = Lcg::new(params.seed.wrapping_add(1));
    let issuer_id = format!("{:016X}{:016X}", rng.next_u64(), rng.next_u64());
    let issuer = format!("oidc.eks.{REGION}.amazonaws.com/id/{issuer_id}");

    // About 30 pods per node, three node groups plus a tainted GPU group.
    let node_count = (params.pods / 30).max(3);
    let nodes: Vec<Node> = (0..node_count)
        .map(|i| Node {
            name: format!("ip-10-0-{}-{}.ec2.internal", i / 250 % 256, i % 250 + 1),
            group: if i % 20 == 19 { 3 } else { i % 3 },
        })
        .collect();
    for n in &nodes {
        let mut node = json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": n.name, "labels": {
                "kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                "eks.amazonaws.com/nodegroup": NODE_GROUPS[n.group],
                "node.kubernetes.io/instance-type": "m6i.2xlarge",
                "topology.kubernetes.io/zone": format!("{REGION}{}", ["a", "b", "c"][rng.below(3)])
            }},
            "spec": {"providerID": format!("aws:///{REGION}a/i-0{:016x}", rng.next_u64())},
            "status": {"capacity": {"cpu": "8", "memory": "32Gi", "pods": "58"}, "nodeInfo": {"kubeletVersion": "v1.30.4-eks-a737599", "containerRuntimeVersion": "containerd://1.7.22"}}
        });
        if n.group == 3 {
            node["spec"]["taints"] =
                json!([{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]);
        }
        l.nodes.push(&node)?;
    }

    // Team namespaces: ~250 pods each; at least four, for the planted chains.
    let ns_count = (params.pods / 250).max(4);
    let daemon_pods = 6 * node_count;
    let app_pods = params.pods.saturating_sub(daemon_pods).max(ns_count * 4);
    let per_ns = app_pods / ns_count;
    // A third of the principals are IRSA roles of apps; the rest is the account's own.
    let irsa_budget = params.principals / 3;
    let mut irsa_roles: Vec<(String, String, String)> = Vec::new(); // (role name, ns, sa)
    let mut pods_written = 0;

    platform(&mut l, &mut uid, &nodes, &mut rng, &mut pods_written)?;

    for t in 0..ns_count {
        let ns = format!("team-{t:03}");
        // The planted namespaces stay unisolated so their entry steps exist.
        let netpol = rng.chance(40) && t >= PLANTED_CHAINS.len();
        l.namespaces.push(&json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns, "team": format!("t{}", t % 40)}},
            "status": {"phase": "Active"}}))?;
        team_rbac(&mut l, &ns, &mut uid, &mut rng)?;
        if netpol {
            network_policies(&mut l, &ns)?;
        }
        let mut apps = planted_apps(t, &ns);
        let mut budget = per_ns;
        let mut a = 0;
        while budget > 0 {
            let word = APP_WORDS[(t + a) % APP_WORDS.len()];
            let name = format!("{word}-{a}");
            let (kind, replicas) = match rng.below(100) {
                0..=79 => ("Deployment", [1, 2, 2, 3, 3, 3, 4, 6, 10][rng.below(9)]),
                80..=87 => ("StatefulSet", 3),
                _ => ("Job", 1),
            };
            let replicas = replicas.min(budget);
            budget -= replicas;
            let exposure = if kind == "Job" {
                Exposure::None
            } else {
                match rng.below(100) {
                    0..=1 => Exposure::LoadBalancer,
                    2..=3 => Exposure::InternalLoadBalancer,
                    4 => Exposure::NodePort,
                    5..=12 => Exposure::Ingress,
                    13..=89 => Exposure::ClusterIp,
                    _ => Exposure::None,
                }
            };
            let irsa = rng.chance(30) && irsa_roles.len() < irsa_budget;
            let irsa_role = irsa.then(|| format!("irsa-{ns}-{name}"));
            if let Some(r) = &irsa_role {
                irsa_roles.push((r.clone(), ns.clone(), name.clone()));
            }
            apps.push(App {
                ns: ns.clone(),
                name: name.clone(),
                kind,
                replicas,
                sa: name,
                irsa_role: irsa_role.map(|r| format!("arn:aws:iam::{ACCOUNT}:role/{r}")),
                exposure,
                privileged: false,
                automount: !rng.chance(20),
            });
            a += 1;
        }
        for app in &apps {
            write_app(&mut l, app, &nodes, &mut rng, &mut uid, &mut pods_written)?;
        }
    }
    aws_auth(&mut l)?;

    let mut summary = Summary::default();
    let Lists {
        namespaces,
        nodes: node_list,
        pods,
        deployments,
        statefulsets,
        daemonsets,
        jobs,
        services,
        ingresses,
        ingressclasses,
        networkpolicies,
        serviceaccounts,
        configmaps,
        roles,
        rolebindings,
        clusterroles,
        clusterrolebindings,
    } = l;
    for (name, w) in [
        ("namespaces", namespaces),
        ("nodes", node_list),
        ("pods", pods),
        ("deployments", deployments),
        ("statefulsets", statefulsets),
        ("daemonsets", daemonsets),
        ("jobs", jobs),
        ("services", services),
        ("ingresses", ingresses),
        ("ingressclasses", ingressclasses),
        ("networkpolicies", networkpolicies),
        ("serviceaccounts", serviceaccounts),
        ("configmaps", configmaps),
        ("roles", roles),
        ("rolebindings", rolebindings),
        ("clusterroles", clusterroles),
        ("clusterrolebindings", clusterrolebindings),
    ] {
        summary
            .files
            .push((format!("kubernetes/{name}.json"), w.finish()?));
    }
    summary.pods = pods_written;

    let account = iam::account(params.principals, params.seed, &issuer, &irsa_roles);
    summary.principals = account.principals;
    let mut f = BufWriter::new(fs::File::create(aws.join("authorization-details.json"))?);
    serde_json::to_writer_pretty(&mut f, &account.document).map_err(io::Error::other)?;
    f.flush()?;
    summary
        .files
        .push(("aws/authorization-details.json".into(), account.principals));
    let cluster = json!({"cluster": {
        "name": CLUSTER,
        "arn": format!("arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER}"),
        "version": "1.30",
        "identity": {"oidc": {"issuer": format!("https://{issuer}")}},
        "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"},
        "status": "ACTIVE"
    }});
    fs::write(
        aws.join("describe-cluster.json"),
        serde_json::to_vec_pretty(&cluster).map_err(io::Error::other)?,
    )?;
    summary.files.push(("aws/describe-cluster.json".into(), 1));
    Ok(summary)
}

/// The apps planted in the first four team namespaces (see [`PLANTED_CHAINS`]).
fn planted_apps(t: usize, ns: &str) -> Vec<App> {
    let app = |name: &str, exposure, irsa: Option<&str>| App {
        ns: ns.to_string(),
        name: name.to_string(),
        kind: "Deployment",
        replicas: 2,
        sa: name.to_string(),
        irsa_role: irsa.map(|r| format!("arn:aws:iam::{ACCOUNT}:role/{r}")),
        exposure,
        privileged: false,
        automount: true,
    };
    match t {
        0 => vec![app("planted-wildcard-api", Exposure::LoadBalancer, None)],
        1 => vec![app(
            "planted-uploader",
            Exposure::Ingress,
            Some(iam::PLANTED_PRIVESC_ROLE),
        )],
        2 => vec![app(
            "planted-reports",
            Exposure::LoadBalancer,
            Some("planted-reports-reader"),
        )],
        3 => vec![app("planted-runner", Exposure::NodePort, None)],
        _ => Vec::new(),
    }
}

fn write_app(
    l: &mut Lists,
    app: &App,
    nodes: &[Node],
    rng: &mut Lcg,
    uid: &mut Lcg,
    pods_written: &mut usize,
) -> io::Result<()> {
    let ns = app.ns.as_str();
    let mut sa =
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(&app.sa, ns, uid)});
    if let Some(role) = &app.irsa_role {
        sa["metadata"]["annotations"] = json!({"eks.amazonaws.com/role-arn": role});
    }
    if !app.automount {
        sa["automountServiceAccountToken"] = json!(false);
    }
    l.serviceaccounts.push(&sa)?;
    l.configmaps
        .push(&json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": meta(&format!("{}-config", app.name), ns, uid),
        "data": {"app.yaml": "log: info\nport: 8080\n"}}))?;
    let template_spec = pod_spec(app, rng, false);
    let mut controller = json!({
        "apiVersion": if app.kind == "Job" { "batch/v1" } else { "apps/v1" },
        "kind": app.kind,
        "metadata": meta(&app.name, ns, uid),
        "spec": {
            "selector": {"matchLabels": {"app": app.name}},
            "template": {"metadata": {"labels": labels(&app.name)}, "spec": template_spec}
        }
    });
    controller["metadata"]["labels"] = labels(&app.name);
    if app.kind != "Job" {
        controller["spec"]["replicas"] = json!(app.replicas);
    } else {
        controller["spec"]["completions"] = json!(1);
    }
    match app.kind {
        "Deployment" => l.deployments.push(&controller)?,
        "StatefulSet" => l.statefulsets.push(&controller)?,
        _ => l.jobs.push(&controller)?,
    }
    // Pods: what the controller made, with the fields admission and the kubelet add.
    let hash = rng.suffix(10);
    for r in 0..app.replicas {
        let (name, owner_kind, owner) = match app.kind {
            "Deployment" => (
                format!("{}-{hash}-{}", app.name, rng.suffix(5)),
                "ReplicaSet",
                format!("{}-{hash}", app.name),
            ),
            "StatefulSet" => (format!("{}-{r}", app.name), "StatefulSet", app.name.clone()),
            _ => (
                format!("{}-{}", app.name, rng.suffix(5)),
                "Job",
                app.name.clone(),
            ),
        };
        let node = &nodes[rng.below(nodes.len())];
        let mut spec = pod_spec(app, rng, true);
        spec["nodeName"] = json!(node.name);
        let mut pod_labels = labels(&app.name);
        if app.kind == "Deployment" {
            pod_labels["pod-template-hash"] = json!(hash);
        }
        let mut m = meta(&name, ns, uid);
        m["labels"] = pod_labels;
        m["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": owner_kind, "name": owner,
            "uid": format!("{:016x}", uid.next_u64()), "controller": true, "blockOwnerDeletion": true}]);
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": spec,
            "status": pod_status(node, rng, app.kind == "Job")});
        l.pods.push(&pod)?;
        *pods_written += 1;
    }
    service(l, app, uid)
}

fn service(l: &mut Lists, app: &App, uid: &mut Lcg) -> io::Result<()> {
    let ns = app.ns.as_str();
    let (ty, annotations) = match app.exposure {
        Exposure::None => return Ok(()),
        Exposure::ClusterIp | Exposure::Ingress => ("ClusterIP", json!({})),
        Exposure::LoadBalancer => (
            "LoadBalancer",
            json!({"service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                   "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"}),
        ),
        Exposure::InternalLoadBalancer => (
            "LoadBalancer",
            json!({"service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                   "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}),
        ),
        Exposure::NodePort => ("NodePort", json!({})),
    };
    let mut m = meta(&app.name, ns, uid);
    m["annotations"] = annotations;
    let mut port = json!({"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"});
    if ty != "ClusterIP" {
        port["nodePort"] = json!(30000 + uid.below(2767));
    }
    l.services.push(
        &json!({"apiVersion": "v1", "kind": "Service", "metadata": m,
        "spec": {"type": ty, "selector": {"app": app.name}, "ports": [port],
                 "clusterIP": format!("172.20.{}.{}", uid.below(256), uid.below(256))}}),
    )?;
    if app.exposure == Exposure::Ingress {
        l.ingresses.push(&json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": meta(&app.name, ns, uid),
            "spec": {"ingressClassName": "nginx", "rules": [{"host": format!("{}.{ns}.example.com", app.name),
                "http": {"paths": [{"path": "/", "pathType": "Prefix",
                    "backend": {"service": {"name": app.name, "port": {"number": 80}}}}]}}]}}))?;
    }
    Ok(())
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

/// Per-namespace RBAC as teams set it up: developers read, a deployer writes controllers,
/// the built-in `view`/`edit`/`admin` bound to groups from the identity provider.
fn team_rbac(l: &mut Lists, ns: &str, uid: &mut Lcg, rng: &mut Lcg) -> io::Result<()> {
    let read = ["get", "list", "watch"];
    l.roles.push(
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": meta("developer", ns, uid),
        "rules": [rule(&[""], &["pods", "pods/log", "configmaps", "services", "endpoints"], &read),
                  rule(&["apps"], &["deployments", "replicasets", "statefulsets"], &read),
                  rule(&["batch"], &["jobs", "cronjobs"], &read)]}),
    )?;
    l.roles.push(&json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": meta("deployer", ns, uid),
        "rules": [rule(&["apps"], &["deployments", "statefulsets"], &["get", "list", "watch", "create", "update", "patch"]),
                  rule(&[""], &["services", "configmaps"], &["get", "list", "create", "update", "patch"])]}))?;
    let binding = |name: &str, role_kind: &str, role: &str, subject: Value, uid: &mut Lcg| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": meta(name, ns, uid),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
            "subjects": [subject]})
    };
    let group =
        |g: String| json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": g});
    l.rolebindings.push(&binding(
        "developers",
        "Role",
        "developer",
        group(format!("{ns}:developers")),
        uid,
    ))?;
    l.rolebindings.push(&binding(
        "deployer",
        "Role",
        "deployer",
        json!({"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}),
        uid,
    ))?;
    l.rolebindings.push(&binding(
        "viewers",
        "ClusterRole",
        "view",
        group(format!("{ns}:viewers")),
        uid,
    ))?;
    l.rolebindings.push(&binding(
        "admins",
        "ClusterRole",
        "admin",
        group(format!("{ns}:admins")),
        uid,
    ))?;
    if rng.chance(25) {
        l.rolebindings.push(&binding(
            "monitoring",
            "ClusterRole",
            "monitoring-view",
            json!({"kind": "ServiceAccount", "name": "prometheus", "namespace": "monitoring"}),
            uid,
        ))?;
    }
    Ok(())
}

fn network_policies(l: &mut Lists, ns: &str) -> io::Result<()> {
    l.networkpolicies.push(
        &json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny-ingress", "namespace": ns},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}),
    )?;
    l.networkpolicies.push(
        &json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "allow-same-namespace-and-ingress", "namespace": ns},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [
            {"podSelector": {}},
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
        ]}]}}),
    )
}

/// The platform: kube-system DaemonSets on every node, the ingress controller, monitoring,
/// CI, cluster-wide RBAC (aggregated and wildcard ClusterRoles), and the planted RBAC.
fn platform(
    l: &mut Lists,
    uid: &mut Lcg,
    nodes: &[Node],
    rng: &mut Lcg,
    pods_written: &mut usize,
) -> io::Result<()> {
    for ns in ["kube-system", "ingress-nginx", "monitoring", "ci"] {
        l.namespaces
            .push(&json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}}}))?;
    }
    // DaemonSets: one pod per node (the GPU taint tolerated by all but two).
    let daemons: [(&str, &str, Value, bool); 6] = [
        (
            "aws-node",
            "kube-system",
            json!({"hostNetwork": true, "containers": [{"name": "aws-node", "image": "amazon-k8s-cni:v1.18",
            "securityContext": {"capabilities": {"add": ["NET_ADMIN", "NET_RAW"]}}}]}),
            true,
        ),
        (
            "kube-proxy",
            "kube-system",
            json!({"hostNetwork": true, "containers": [{"name": "kube-proxy", "image": "kube-proxy:v1.30",
            "securityContext": {"privileged": true}}]}),
            true,
        ),
        (
            "ebs-csi-node",
            "kube-system",
            json!({"containers": [{"name": "ebs-plugin", "image": "aws-ebs-csi-driver:v1.35",
            "securityContext": {"privileged": true},
            "volumeMounts": [{"name": "kubelet-dir", "mountPath": "/var/lib/kubelet", "mountPropagation": "Bidirectional"}]}],
            "volumes": [{"name": "kubelet-dir", "hostPath": {"path": "/var/lib/kubelet", "type": "Directory"}}]}),
            true,
        ),
        (
            "fluent-bit",
            "kube-system",
            json!({"containers": [{"name": "fluent-bit", "image": "fluent-bit:3.1",
            "volumeMounts": [{"name": "varlog", "mountPath": "/var/log", "readOnly": true}]}],
            "volumes": [{"name": "varlog", "hostPath": {"path": "/var/log"}}]}),
            true,
        ),
        (
            "node-exporter",
            "monitoring",
            json!({"hostNetwork": true, "hostPID": true, "containers": [{"name": "node-exporter", "image": "node-exporter:v1.8",
            "volumeMounts": [{"name": "root", "mountPath": "/host", "readOnly": true}]}],
            "volumes": [{"name": "root", "hostPath": {"path": "/"}}]}),
            false,
        ),
        (
            "datadog-agent",
            "monitoring",
            json!({"containers": [{"name": "agent", "image": "datadog/agent:7",
            "volumeMounts": [{"name": "proc", "mountPath": "/host/proc", "readOnly": true}]}],
            "volumes": [{"name": "proc", "hostPath": {"path": "/proc"}}]}),
            false,
        ),
    ];
    for (name, ns, mut spec, tolerate_gpu) in daemons {
        spec["serviceAccountName"] = json!(name);
        if tolerate_gpu {
            spec["tolerations"] = json!([{"operator": "Exists"}]);
        }
        l.serviceaccounts.push(
            &json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(name, ns, uid)}),
        )?;
        let mut ds = json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta(name, ns, uid),
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": labels(name)}, "spec": spec.clone()}}});
        ds["metadata"]["labels"] = labels(name);
        l.daemonsets.push(&ds)?;
        for n in nodes.iter().filter(|n| tolerate_gpu || n.group != 3) {
            let mut s = spec.clone();
            s["nodeName"] = json!(n.name);
            let mut m = meta(&format!("{name}-{}", rng.suffix(5)), ns, uid);
            m["labels"] = labels(name);
            m["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": name, "controller": true}]);
            l.pods.push(
                &json!({"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": s,
                "status": pod_status(n, rng, false)}),
            )?;
            *pods_written += 1;
        }
    }
    // The ingress controller: internet-facing NLB, cluster-wide read of secrets (upstream).
    let ctrl = App {
        ns: "ingress-nginx".into(),
        name: "ingress-nginx-controller".into(),
        kind: "Deployment",
        replicas: 3,
        sa: "ingress-nginx".into(),
        irsa_role: None,
        exposure: Exposure::LoadBalancer,
        privileged: false,
        automount: true,
    };
    write_app(l, &ctrl, nodes, rng, uid, pods_written)?;
    l.ingressclasses.push(&json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
        "metadata": {"name": "nginx", "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
        "spec": {"controller": "k8s.io/ingress-nginx"}}))?;
    let cr = |name: &str, rules: Value, labels: Value| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": name, "labels": labels}, "rules": rules})
    };
    let crb = |name: &str, role: &str, subjects: Value| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
            "subjects": subjects})
    };
    let sa =
        |name: &str, ns: &str| json!({"kind": "ServiceAccount", "name": name, "namespace": ns});
    let read = json!(["get", "list", "watch"]);
    l.clusterroles.push(&cr("ingress-nginx", json!([
        {"apiGroups": [""], "resources": ["configmaps", "endpoints", "nodes", "pods", "secrets", "namespaces"], "verbs": ["list", "watch"]},
        {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses", "ingressclasses"], "verbs": read}]), json!({})))?;
    l.clusterrolebindings.push(&crb(
        "ingress-nginx",
        "ingress-nginx",
        json!([sa("ingress-nginx", "ingress-nginx")]),
    ))?;
    // An aggregated ClusterRole and its parts.
    l.clusterroles.push(&json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "monitoring-view"},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"rbac.example.com/aggregate-to-monitoring": "true"}}]},
        "rules": []}))?;
    for (name, res) in [
        ("monitoring-pods", "pods"),
        ("monitoring-services", "services"),
        ("monitoring-endpoints", "endpoints"),
    ] {
        l.clusterroles.push(&cr(
            name,
            json!([{"apiGroups": [""], "resources": [res], "verbs": read}]),
            json!({"rbac.example.com/aggregate-to-monitoring": "true"}),
        ))?;
    }
    l.clusterroles.push(&cr(
        "prometheus",
        json!([{"apiGroups": [""], "resources": ["nodes", "nodes/metrics", "services", "endpoints", "pods"], "verbs": read},
               {"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]),
        json!({}),
    ))?;
    l.clusterrolebindings.push(&crb(
        "prometheus",
        "prometheus",
        json!([sa("prometheus", "monitoring")]),
    ))?;
    l.serviceaccounts.push(&json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("prometheus", "monitoring", uid)}))?;
    // A few wildcard roles, bound to people and break-glass identities, not to workloads.
    let star = json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]);
    l.clusterroles
        .push(&cr("platform-admin", star.clone(), json!({})))?;
    l.clusterrolebindings.push(&crb(
        "platform-admins",
        "platform-admin",
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "platform-admins"}]),
    ))?;
    l.clusterrolebindings.push(&crb(
        "break-glass",
        "cluster-admin",
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "break-glass@example.com"}]),
    ))?;
    // CI: the deployer writes controllers in every team namespace (team RoleBindings), and
    // may bind `view` cluster-wide for onboarding.
    l.serviceaccounts.push(&json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("deployer", "ci", uid)}))?;
    l.clusterroles.push(&cr("onboarding", json!([
        {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"], "verbs": ["create"]},
        {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"], "resourceNames": ["view"]}]), json!({})))?;
    l.clusterrolebindings.push(&crb(
        "ci-onboarding",
        "onboarding",
        json!([sa("deployer", "ci")]),
    ))?;

    // Planted RBAC (see PLANTED_CHAINS).
    l.clusterroles
        .push(&cr("planted-legacy-wildcard", star, json!({})))?;
    l.clusterrolebindings.push(&crb(
        "planted-legacy-wildcard",
        "planted-legacy-wildcard",
        json!([sa("planted-wildcard-api", "team-000")]),
    ))?;
    l.roles.push(
        &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": meta("planted-pod-runner", "team-003", uid),
        "rules": [rule(&[""], &["pods"], &["create", "get", "list"])]}),
    )?;
    l.rolebindings.push(&json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": meta("planted-pod-runner", "team-003", uid),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "planted-pod-runner"},
        "subjects": [sa("planted-runner", "team-003")]}))?;
    l.serviceaccounts.push(&json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("release-bot", "team-003", uid)}))?;
    l.clusterrolebindings.push(&crb(
        "planted-release-bot",
        "cluster-admin",
        json!([sa("release-bot", "team-003")]),
    ))
}

/// `kube-system/aws-auth`: the node role and the platform admins' SSO role.
fn aws_auth(l: &mut Lists) -> io::Result<()> {
    let map_roles = format!(
        "- rolearn: arn:aws:iam::{ACCOUNT}:role/{node}\n  username: system:node:{{{{EC2PrivateDNSName}}}}\n  groups:\n  - system:bootstrappers\n  - system:nodes\n- rolearn: arn:aws:iam::{ACCOUNT}:role/platform-admin\n  username: platform-admin\n  groups:\n  - platform-admins\n",
        node = iam::NODE_ROLE
    );
    l.configmaps
        .push(&json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": {"mapRoles": map_roles}}))
}
