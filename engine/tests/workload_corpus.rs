//! The workload technique families on real public manifests (`shared/corpus`).

use std::path::{Path, PathBuf};

use kubepath_engine::{AttackGraph, build_graph, ingest::snapshot_from_values};

fn corpus() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"))
}

/// The attack graph of the YAML files, all loaded together (objects without a namespace go
/// to `default`).
fn graph_of(files: &[PathBuf]) -> AttackGraph {
    let mut docs: Vec<serde_json::Value> = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f)
            .unwrap_or_else(|e| panic!("corpus file {} unreadable: {e}", f.display()));
        let parsed: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text)
            .unwrap_or_else(|e| panic!("corpus file {} is not YAML: {e}", f.display()));
        docs.extend(parsed);
    }
    let (snapshot, errors) = snapshot_from_values(docs, "default");
    assert!(errors.is_empty(), "corpus rejected: {errors:?}");
    build_graph(&snapshot).0
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("corpus folder {} unreadable: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

fn pod_name(file: &Path) -> String {
    file.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string()
}

/// The techniques that take a workload to its node (the escape family and
/// SHARED_PROCESS_NS), leaving this workload.
fn escapes_from(g: &AttackGraph, workload: &str) -> Vec<&'static str> {
    g.techniques_from(workload)
        .into_iter()
        .filter(|t| t.starts_with("ESCAPE_") || t.starts_with("HOST_") || *t == "SHARED_PROCESS_NS")
        .collect()
}

/// What a writable hostPath `/` implies on its own (DESIGN.md: every technique whose
/// precondition holds is reported): it is writable and not a safe path (HOSTPATH_WRITE), it
/// is a parent of /etc, /root, /var/lib/kubelet... (HOSTPATH_READ), of
/// /proc/sys/kernel/core_pattern, writable (CORE_PATTERN), and of /run/containerd/containerd.sock
/// and the other runtime sockets (RUNTIME_SOCKET). Not VAR_LOG: the pods' `default` service
/// account has no pods/log permission in badPods.
const HOST_ROOT_RW: &[&str] = &[
    "ESCAPE_CORE_PATTERN",
    "ESCAPE_HOSTPATH_READ",
    "ESCAPE_HOSTPATH_WRITE",
    "ESCAPE_RUNTIME_SOCKET",
];

/// What `privileged: true` implies on its own: ESCAPE_PRIVILEGED, and ESCAPE_SYS_MODULE,
/// whose precondition is "SYS_MODULE added or privileged". The other capability techniques
/// need the capability added by name (SYS_ADMIN, DAC_READ_SEARCH, SYS_PTRACE): badPods adds
/// none.
const PRIVILEGED: &[&str] = &["ESCAPE_PRIVILEGED", "ESCAPE_SYS_MODULE"];

fn sorted(parts: &[&[&'static str]]) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[test]
fn badpods_each_category_yields_exactly_its_escapes() {
    let files = yaml_files(&corpus().join("badpods"));
    assert_eq!(files.len(), 16, "badPods has 16 pod manifests");
    let g = graph_of(&files);
    let categories: [(&str, Vec<&'static str>); 8] = [
        // privileged + hostPID (NSENTER) + hostNetwork + hostIPC + writable hostPath /.
        (
            "everything-allowed",
            sorted(&[
                PRIVILEGED,
                HOST_ROOT_RW,
                &["ESCAPE_NSENTER", "HOST_IPC", "HOST_NETWORK", "HOST_PID"],
            ]),
        ),
        (
            "priv-and-hostpid",
            sorted(&[PRIVILEGED, &["ESCAPE_NSENTER", "HOST_PID"]]),
        ),
        ("priv", sorted(&[PRIVILEGED])),
        ("hostpath", sorted(&[HOST_ROOT_RW])),
        ("hostpid", vec!["HOST_PID"]),
        ("hostnetwork", vec!["HOST_NETWORK"]),
        ("hostipc", vec!["HOST_IPC"]),
        ("nothing-allowed", vec![]),
    ];
    let mut checked = 0;
    for f in &files {
        let name = pod_name(f);
        let (_, expected) = categories
            .iter()
            .find(|(c, _)| {
                name.strip_prefix(c)
                    .is_some_and(|rest| rest == "-exec-pod" || rest == "-revshell-pod")
            })
            .unwrap_or_else(|| panic!("{name} is in no badPods category"));
        let workload = format!("workload:default/Pod/{name}");
        assert_eq!(&escapes_from(&g, &workload), expected, "{name}");
        // Every escape goes to the node (placement unknown: node:*).
        for t in expected {
            assert!(g.has_edge(&workload, "node:*", t), "{name} {t}");
        }
        checked += 1;
    }
    assert_eq!(checked, 16);
    // Evidence names the container, its list and index, and the field.
    let edges = g.edges_of("ESCAPE_PRIVILEGED");
    let priv_edge = edges
        .iter()
        .find(|e| e.0 == "workload:default/Pod/priv-exec-pod")
        .expect("priv-exec-pod escapes");
    assert_eq!(
        priv_edge.2.evidence[0].field,
        "spec.containers[0].securityContext.privileged"
    );
    assert!(priv_edge.2.evidence[0].detail.contains("\"priv-pod\""));
    let edges = g.edges_of("ESCAPE_HOSTPATH_WRITE");
    let hp = edges
        .iter()
        .find(|e| e.0 == "workload:default/Pod/hostpath-exec-pod")
        .expect("hostpath-exec-pod escapes");
    assert_eq!(hp.2.evidence[0].field, "spec.volumes[0].hostPath.path");
    assert!(
        hp.2.evidence[0]
            .detail
            .starts_with("/: volume \"noderoot\" mounted read-write by container \"hostpath-exec-pod\" at /host (spec.containers[0].volumeMounts[0])"),
        "{}",
        hp.2.evidence[0].detail
    );
}

#[test]
fn kubernetes_goat_runtime_socket_and_system_monitor_escapes() {
    let g = graph_of(&yaml_files(&corpus().join("kubernetes-goat")));
    // docker-bench-security mounts /var/run/docker.sock read-only: connecting still works.
    let bench = "workload:default/DaemonSet/docker-bench-security";
    assert!(g.has_edge(bench, "node:*", "ESCAPE_RUNTIME_SOCKET"));
    // health-check mounts /run/containerd/containerd.sock at a custom path.
    let health = "workload:default/Deployment/health-check-deployment";
    assert!(g.has_edge(health, "node:*", "ESCAPE_RUNTIME_SOCKET"));
    let edges = g.edges_of("ESCAPE_RUNTIME_SOCKET");
    let ev = &edges
        .iter()
        .find(|e| e.0 == health)
        .expect("health-check has a runtime socket edge")
        .2
        .evidence[0];
    assert_eq!(ev.field, "spec.template.spec.volumes[0].hostPath.path");
    assert!(
        ev.detail
            .starts_with("/run/containerd/containerd.sock: volume \"containerd-sock-volume\"")
            && ev
                .detail
                .contains("container \"health-check\" at /custom/containerd/containerd.sock"),
        "{}",
        ev.detail
    );
    // system-monitor: privileged, hostPID, hostIPC, hostPath / read-write.
    let monitor = "workload:default/Deployment/system-monitor-deployment";
    assert_eq!(
        escapes_from(&g, monitor),
        sorted(&[
            PRIVILEGED,
            HOST_ROOT_RW,
            &["ESCAPE_NSENTER", "HOST_IPC", "HOST_PID"],
        ])
    );
    // ... and it holds the goatvault Secret through an environment variable.
    assert!(g.has_edge(monitor, "secret:default/goatvault", "POD_MOUNTS_SECRET"));
    // docker-bench reads /etc and /var/lib (a parent of /var/lib/kubelet) read-only.
    assert!(g.has_edge(bench, "node:*", "ESCAPE_HOSTPATH_READ"));
    assert!(!g.has_edge(bench, "node:*", "ESCAPE_HOSTPATH_WRITE"));
    // Workloads with none of the preconditions have no escape.
    for plain in [
        "workload:default/Deployment/build-code-deployment",
        "workload:default/Deployment/poor-registry-deployment",
        "workload:secure-middleware/Deployment/cache-store-deployment",
    ] {
        assert!(escapes_from(&g, plain).is_empty(), "{plain}");
    }
}

#[test]
fn ingress_nginx_controller_load_balancer_is_exposed_and_compromises_the_controller() {
    let g = graph_of(&[corpus().join("ingress-nginx/deploy.yaml")]);
    let svc = "service:ingress-nginx/ingress-nginx-controller";
    assert!(g.has_edge("internet", svc, "EXPOSED_LOADBALANCER"));
    let controller = "workload:ingress-nginx/Deployment/ingress-nginx-controller";
    assert!(g.has_edge(svc, controller, "APP_COMPROMISE"));
    // The admission webhook Service is ClusterIP: it only selects the same pods.
    let admission = "service:ingress-nginx/ingress-nginx-controller-admission";
    assert!(!g.has_edge("internet", admission, "EXPOSED_LOADBALANCER"));
    assert!(g.has_edge(admission, controller, "SERVICE_SELECTS"));
    assert!(g.has_edge(controller, "sa:ingress-nginx/ingress-nginx", "POD_SA_TOKEN"));
}

#[test]
fn kube_prometheus_pod_automount_setting_overrides_the_service_account() {
    let dir = corpus().join("kube-prometheus");
    let g = graph_of(&[
        dir.join("nodeExporter-daemonset.yaml"),
        dir.join("nodeExporter-serviceAccount.yaml"),
        dir.join("grafana-deployment.yaml"),
        dir.join("grafana-serviceAccount.yaml"),
    ]);
    // node-exporter: the ServiceAccount says false, the pod spec says true, the pod wins.
    let node_exporter = "workload:monitoring/DaemonSet/node-exporter";
    let sa = "sa:monitoring/node-exporter";
    assert!(g.has_edge(node_exporter, sa, "POD_SA_TOKEN"));
    let edges = g.edges_of("POD_SA_TOKEN");
    let edge = edges
        .iter()
        .find(|e| e.0 == node_exporter)
        .map(|e| e.2)
        .expect("node-exporter has a POD_SA_TOKEN edge");
    assert!(edge.evidence[0].detail.contains(
        "true (overrides ServiceAccount/monitoring/node-exporter automountServiceAccountToken: false)"
    ));
    // A DaemonSet's token is on every node.
    assert!(g.has_edge("node:*", sa, "NODE_STEALS_TOKENS"));
    // grafana turns the token off in both places.
    assert!(!g.has_edge(
        "workload:monitoring/Deployment/grafana",
        "sa:monitoring/grafana",
        "POD_SA_TOKEN"
    ));
    // node-exporter mounts the node's root read-only: no write escape, but a read of the
    // node's files, and the runtime sockets under / (readOnly does not stop connect(); it runs
    // as user 65534, so the step is less likely).
    assert!(!g.has_edge(node_exporter, "node:*", "ESCAPE_HOSTPATH_WRITE"));
    assert!(g.has_edge(node_exporter, "node:*", "ESCAPE_HOSTPATH_READ"));
    let sockets = g.edges_of("ESCAPE_RUNTIME_SOCKET");
    let socket = sockets
        .iter()
        .find(|e| e.0 == node_exporter)
        .expect("node-exporter mounts / and so the runtime sockets");
    assert!(socket.2.likelihood < 0.5, "{}", socket.2.likelihood);
}
