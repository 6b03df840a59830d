//! Container and pod escapes: workload -> node.

use crate::graph::{AttackGraph, Edge, Evidence};
use crate::index::{Index, WorkloadNode};
use crate::snapshot::{Container, Volume, VolumeMount};
use crate::techniques::identity::pod_spec_path;
use crate::techniques::technique;

technique!(
    ESCAPE_PRIVILEGED,
    "Privileged container escapes to the node",
    Some("T1611"),
    0.95,
    "Set securityContext.privileged: false; enforce the baseline Pod Security Standard on the namespace."
);
technique!(
    ESCAPE_NSENTER,
    "Privileged container with hostPID enters the host namespaces",
    Some("T1611"),
    0.95,
    "Remove hostPID: true and privileged: true."
);
technique!(
    ESCAPE_SYS_MODULE,
    "Container can load kernel modules",
    Some("T1611"),
    0.9,
    "Drop the SYS_MODULE capability."
);
technique!(
    ESCAPE_SYS_PTRACE,
    "Container can ptrace host processes",
    Some("T1611"),
    0.8,
    "Remove hostPID: true or drop the SYS_PTRACE capability."
);
technique!(
    ESCAPE_SYS_ADMIN,
    "Container with SYS_ADMIN escapes via mounts or cgroups",
    Some("T1611"),
    0.8,
    "Drop the SYS_ADMIN capability."
);
technique!(
    ESCAPE_DAC_READ_SEARCH,
    "Container reads host files with open_by_handle_at",
    Some("T1611"),
    0.7,
    "Drop the DAC_READ_SEARCH capability."
);
technique!(
    ESCAPE_HOSTPATH_WRITE,
    "Writable hostPath mount gives control of the node",
    Some("T1611"),
    0.9,
    "Remove the hostPath volume, or mount it readOnly and only for a path that is safe."
);
technique!(
    ESCAPE_HOSTPATH_READ,
    "hostPath mount exposes sensitive node files",
    Some("T1611"),
    0.6,
    "Remove the hostPath volume of the sensitive path."
);
technique!(
    ESCAPE_CORE_PATTERN,
    "Writable /proc/sys/kernel lets the container set core_pattern",
    Some("T1611"),
    0.9,
    "Remove the hostPath volume of /proc (or /proc/sys/kernel)."
);
technique!(
    ESCAPE_VAR_LOG,
    "hostPath /var/log with pods/log access reads node files",
    Some("T1611"),
    0.6,
    "Remove the /var/log hostPath or the pods/log permission."
);
technique!(
    ESCAPE_RUNTIME_SOCKET,
    "Container runtime socket mounted into the container",
    Some("T1611"),
    0.95,
    "Remove the hostPath volume of the container runtime socket."
);
technique!(
    HOST_NETWORK,
    "Pod uses the node's network namespace",
    Some("T1611"),
    0.4,
    "Remove hostNetwork: true."
);
technique!(
    HOST_PID,
    "Pod sees the node's processes",
    Some("T1611"),
    0.4,
    "Remove hostPID: true."
);
technique!(
    HOST_IPC,
    "Pod shares the node's IPC namespace",
    Some("T1611"),
    0.3,
    "Remove hostIPC: true."
);

/// One container of a workload's pod spec (regular, init or ephemeral), with the field path
/// that names it (`spec.template.spec.initContainers[0]`).
pub(crate) struct ContainerAt<'a> {
    pub container: &'a Container,
    pub path: String,
}

/// Every container of the workload's pod spec, in spec order: regular, init, ephemeral.
pub(crate) fn containers<'a>(w: &WorkloadNode<'a>) -> Vec<ContainerAt<'a>> {
    let spec_path = pod_spec_path(w);
    w.spec
        .pod_spec
        .all_containers()
        .map(|(list, i, container)| ContainerAt {
            container,
            path: format!("{spec_path}.{list}[{i}]"),
        })
        .collect()
}

/// A hostPath volume as one container mounts it.
pub(crate) struct HostPathMount<'a> {
    pub container: &'a Container,
    /// Field path of the volumeMount (`spec.containers[0].volumeMounts[1]`).
    pub mount_path_field: String,
    pub mount: &'a VolumeMount,
    pub volume: &'a Volume,
    /// Field path of the hostPath (`spec.volumes[2].hostPath.path`).
    pub volume_field: String,
    /// The host path the container sees at the mount point: `hostPath.path` joined with the
    /// mount's `subPath`, normalised.
    pub host_path: String,
    pub read_only: bool,
}

/// Every mount of a hostPath volume by any container of the workload.
pub(crate) fn host_path_mounts<'a>(w: &WorkloadNode<'a>) -> Vec<HostPathMount<'a>> {
    let spec = &w.spec.pod_spec;
    let spec_path = pod_spec_path(w);
    let mut out = Vec::new();
    for c in containers(w) {
        for (mi, mount) in c.container.volume_mounts.iter().enumerate() {
            let Some((vi, volume)) = spec.volume(&mount.name) else {
                continue;
            };
            let Some(hp) = &volume.host_path else {
                continue;
            };
            let sub = mount.sub_path.as_deref().filter(|s| !s.is_empty());
            let host_path = effective_host_path(&hp.path, sub);
            out.push(HostPathMount {
                container: c.container,
                mount_path_field: format!("{}.volumeMounts[{mi}]", c.path),
                mount,
                volume,
                volume_field: format!("{spec_path}.volumes[{vi}].hostPath.path"),
                host_path,
                read_only: mount.read_only == Some(true),
            });
        }
    }
    out
}

/// The host path a mount exposes: the volume's path joined with the mount's `subPath`.
/// POSIX paths are normalised; Windows paths (`C:\var\lib\kubelet`, named pipes) are kept
/// as written, since their normalisation rules differ and none of them is on the safe list.
pub(crate) fn effective_host_path(path: &str, sub_path: Option<&str>) -> String {
    if !path.starts_with('/') {
        return match sub_path {
            Some(sub) => format!("{}\\{sub}", path.trim_end_matches(['\\', '/'])),
            None => path.to_string(),
        };
    }
    match sub_path {
        Some(sub) => normalise_host_path(&format!("{path}/{sub}")),
        None => normalise_host_path(path),
    }
}

/// An absolute path with `//`, `.`, `..` and trailing slashes resolved lexically (the node's
/// symlinks are unknown). `..` above the root stays at the root, as the kernel does.
pub(crate) fn normalise_host_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Host paths a container may write without gaining control of the node.
/// - `/tmp`, `/var/tmp`: world-writable scratch space; every local user can already write
///   there, and no host service executes or trusts what it finds there.
/// - `/dev/shm`: world-writable shared-memory tmpfs, scratch space like `/tmp`.
/// - `/run/xtables.lock`, `/var/run/xtables.lock`: the empty lock file iptables takes
///   (kube-proxy and CNI plugins mount it); writing it only affects lock contention.
///
/// The directories also cover what is below them; the lock files only match exactly.
const SAFE_WRITABLE_DIRS: &[&str] = &["/tmp", "/var/tmp", "/dev/shm"];
const SAFE_WRITABLE_FILES: &[&str] = &["/run/xtables.lock", "/var/run/xtables.lock"];

/// Whether writing this (normalised) host path gives no hold on the node.
pub(crate) fn is_safe_writable_host_path(path: &str) -> bool {
    SAFE_WRITABLE_FILES.contains(&path)
        || SAFE_WRITABLE_DIRS.iter().any(|d| {
            path == *d
                || path
                    .strip_prefix(d)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

/// Add an escape step from the workload to every node its pods may run on.
pub(crate) fn escape_to_nodes(g: &mut AttackGraph, w: &WorkloadNode, edge: Edge) {
    for node in w.node_ids() {
        g.add_edge(&w.id, &node, edge.clone());
    }
}

fn privileged(w: &WorkloadNode) -> Option<Edge> {
    let obj = w.object();
    let hits: Vec<ContainerAt> = containers(w)
        .into_iter()
        .filter(|c| {
            c.container
                .security_context
                .as_ref()
                .and_then(|s| s.privileged)
                == Some(true)
        })
        .collect();
    if hits.is_empty() {
        return None;
    }
    let evidence = hits
        .iter()
        .map(|c| {
            Evidence::new(
                &obj,
                format!("{}.securityContext.privileged", c.path),
                format!("true (container \"{}\")", c.container.name),
            )
            .at(&w.spec.source)
        })
        .collect();
    let fields: Vec<String> = hits
        .iter()
        .map(|c| format!("{}.securityContext.privileged", c.path))
        .collect();
    Some(ESCAPE_PRIVILEGED.edge(
        evidence,
        format!(
            "Set {} to false on {obj}; enforce the baseline Pod Security Standard on namespace {}.",
            fields.join(", "),
            w.namespace
        ),
    ))
}

fn host_path_write(w: &WorkloadNode) -> Option<Edge> {
    let obj = w.object();
    let hits: Vec<HostPathMount> = host_path_mounts(w)
        .into_iter()
        .filter(|m| !m.read_only && !is_safe_writable_host_path(&m.host_path))
        .collect();
    if hits.is_empty() {
        return None;
    }
    let mut evidence = Vec::new();
    let mut fixes = Vec::new();
    for m in &hits {
        let sub = m
            .mount
            .sub_path
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| format!(" (subPath {s})"))
            .unwrap_or_default();
        evidence.push(
            Evidence::new(
                &obj,
                &m.volume_field,
                format!(
                    "{}: volume \"{}\" mounted read-write{sub} by container \"{}\" at {} ({})",
                    m.host_path,
                    m.volume.name,
                    m.container.name,
                    m.mount.mount_path,
                    m.mount_path_field
                ),
            )
            .at(&w.spec.source),
        );
        fixes.push(format!(
            "remove hostPath volume \"{}\" ({}) or set {}.readOnly: true",
            m.volume.name, m.host_path, m.mount_path_field
        ));
    }
    fixes.dedup();
    Some(ESCAPE_HOSTPATH_WRITE.edge(evidence, format!("On {obj}: {}.", fixes.join("; "))))
}

pub fn edges(ix: &Index, g: &mut AttackGraph) {
    for w in &ix.workloads {
        if let Some(edge) = privileged(w) {
            escape_to_nodes(g, w, edge);
        }
        if let Some(edge) = host_path_write(w) {
            escape_to_nodes(g, w, edge);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::graph;

    fn escapes(g: &AttackGraph, from: &str) -> Vec<&'static str> {
        g.techniques_from(from)
            .into_iter()
            .filter(|t| t.starts_with("ESCAPE_"))
            .collect()
    }

    #[test]
    fn privileged_init_container_escapes_to_node() {
        let g = graph(
            "
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  template:
    spec:
      initContainers:
      - {name: setup, image: busybox, securityContext: {privileged: true}}
      containers:
      - {name: agent, image: agent}
",
        );
        let w = "workload:kube-system/DaemonSet/agent";
        assert!(g.has_edge(w, "node:*", "ESCAPE_PRIVILEGED"));
        let edges = g.edges_of("ESCAPE_PRIVILEGED");
        assert_eq!(edges.len(), 1);
        let ev = &edges[0].2.evidence;
        assert_eq!(ev.len(), 1);
        assert_eq!(
            ev[0].field,
            "spec.template.spec.initContainers[0].securityContext.privileged"
        );
        assert!(ev[0].detail.contains("setup"));
    }

    #[test]
    fn privileged_pod_on_a_named_node_escapes_to_that_node() {
        let g = graph(
            "
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  nodeName: ip-10-0-0-1
  containers: [{name: c, image: x, securityContext: {privileged: true}}]
",
        );
        assert!(g.has_edge(
            "workload:default/Pod/p",
            "node:ip-10-0-0-1",
            "ESCAPE_PRIVILEGED"
        ));
        assert!(!g.has_edge("workload:default/Pod/p", "node:*", "ESCAPE_PRIVILEGED"));
    }

    #[test]
    fn non_privileged_containers_do_not_escape() {
        let g = graph(
            "
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers: [{name: i, image: x, securityContext: {privileged: false}}]
  containers:
  - {name: c, image: x, securityContext: {allowPrivilegeEscalation: false}}
",
        );
        assert!(escapes(&g, "workload:default/Pod/p").is_empty());
    }

    fn host_path_pod(path: &str, mount: &str) -> AttackGraph {
        graph(&format!(
            "
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  containers:
  - name: c
    image: x
    volumeMounts: [{{name: host, mountPath: /host {mount}}}]
  volumes:
  - {{name: host, hostPath: {{path: {path}}}}}
"
        ))
    }

    #[test]
    fn writable_host_root_escapes_to_node() {
        for path in ["/", "//", "/.", "/tmp/.."] {
            let g = host_path_pod(path, "");
            assert!(
                g.has_edge("workload:default/Pod/p", "node:*", "ESCAPE_HOSTPATH_WRITE"),
                "{path}"
            );
            let edges = g.edges_of("ESCAPE_HOSTPATH_WRITE");
            let ev = &edges[0].2.evidence[0];
            assert_eq!(ev.field, "spec.volumes[0].hostPath.path");
            assert!(ev.detail.starts_with("/: volume \"host\""), "{}", ev.detail);
            assert!(ev.detail.contains("container \"c\" at /host"));
        }
    }

    #[test]
    fn writable_host_etc_escapes_to_node() {
        let g = host_path_pod("/etc/", "");
        assert!(g.has_edge("workload:default/Pod/p", "node:*", "ESCAPE_HOSTPATH_WRITE"));
    }

    #[test]
    fn read_only_host_path_mount_does_not_escape_by_write() {
        let g = host_path_pod("/", ", readOnly: true");
        assert!(!g.has_edge("workload:default/Pod/p", "node:*", "ESCAPE_HOSTPATH_WRITE"));
    }

    #[test]
    fn safe_host_paths_do_not_escape() {
        for path in [
            "/tmp",
            "/tmp/cache/",
            "/var/tmp",
            "/dev/shm",
            "/run/xtables.lock",
        ] {
            let g = host_path_pod(path, "");
            assert!(escapes(&g, "workload:default/Pod/p").is_empty(), "{path}");
        }
    }

    #[test]
    fn sub_path_decides_the_effective_host_path() {
        let g = host_path_pod("/tmp", ", subPath: ../etc");
        assert!(g.has_edge("workload:default/Pod/p", "node:*", "ESCAPE_HOSTPATH_WRITE"));
        let g = host_path_pod("/var", ", subPath: tmp");
        assert!(escapes(&g, "workload:default/Pod/p").is_empty());
    }

    #[test]
    fn safe_list_matches_whole_path_components() {
        assert!(is_safe_writable_host_path("/tmp"));
        assert!(is_safe_writable_host_path("/tmp/x"));
        assert!(!is_safe_writable_host_path("/tmpfoo"));
        assert!(!is_safe_writable_host_path("/run/xtables.lock/x"));
        assert!(!is_safe_writable_host_path("/"));
        assert_eq!(
            normalise_host_path("/var//lib/./kubelet/"),
            "/var/lib/kubelet"
        );
        assert_eq!(normalise_host_path("/../.."), "/");
        assert_eq!(
            effective_host_path("C:\\var\\lib\\kubelet", None),
            "C:\\var\\lib\\kubelet"
        );
        assert_eq!(effective_host_path("/var/", Some("./tmp")), "/var/tmp");
    }
}
