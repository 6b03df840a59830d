//! Container and pod escapes: workload -> node.

use crate::graph::{AttackGraph, Edge, Evidence};
use crate::index::{Index, WorkloadNode};
use crate::rbac::Identity;
use crate::snapshot::{Container, Volume, VolumeMount};
use crate::techniques::identity::{SHARED_PROCESS_NS, mounted_token, pod_spec_path};
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

/// Whether host path `mount` is `target` or one of its parent folders. Lexical, on
/// normalised POSIX paths (the node's symlinks are unknown); Windows paths never match.
pub(crate) fn covers(mount: &str, target: &str) -> bool {
    mount.starts_with('/')
        && (mount == "/"
            || target == mount
            || target
                .strip_prefix(mount)
                .is_some_and(|rest| rest.starts_with('/')))
}

/// `path` and its twin under the other spelling of the runtime directory: every current node
/// image links `/var/run` to `/run`, so a mount of either reaches the same files.
fn run_twins(path: &str) -> Vec<String> {
    let mut out = vec![path.to_string()];
    if let Some(rest) = path
        .strip_prefix("/var/run")
        .filter(|r| r.is_empty() || r.starts_with('/'))
    {
        out.push(format!("/run{rest}"));
    } else if let Some(rest) = path
        .strip_prefix("/run")
        .filter(|r| r.is_empty() || r.starts_with('/'))
    {
        out.push(format!("/var/run{rest}"));
    }
    out
}

/// Whether the mount exposes `target`: it is the target or a parent of it, under either
/// spelling of the runtime directory.
fn exposes(mount: &str, target: &str) -> bool {
    run_twins(target).iter().any(|t| covers(mount, t))
}

/// Where container runtimes put their API sockets on Linux nodes (the `/var/run` spellings
/// are covered by [`run_twins`]). A mount of one of these, or of any folder above one, hands
/// the container the runtime: it can start a privileged container with the host's root.
const RUNTIME_SOCKETS: &[&str] = &[
    "/run/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/run/docker.sock",
    "/run/dockershim.sock",
    "/run/cri-dockerd.sock",
    "/run/docker/containerd/containerd.sock",
    "/run/k3s/containerd/containerd.sock",
];

/// Socket file names that are a runtime's API wherever they are mounted from.
const RUNTIME_SOCKET_FILES: &[&str] = &[
    "containerd.sock",
    "crio.sock",
    "docker.sock",
    "dockershim.sock",
    "cri-dockerd.sock",
];

/// Named pipes of the runtimes on Windows nodes (`\\.\pipe\docker_engine`).
const RUNTIME_PIPES: &[&str] = &["docker_engine", "containerd-containerd"];

/// The runtime socket a host path exposes: the path itself when it is a runtime socket, else
/// the first known socket below it.
pub(crate) fn runtime_socket(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        let lower = path.to_ascii_lowercase();
        let last = lower.rsplit(['\\', '/']).next().unwrap_or_default();
        return RUNTIME_PIPES.contains(&last).then(|| path.to_string());
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    if RUNTIME_SOCKET_FILES.contains(&last) {
        return Some(path.to_string());
    }
    RUNTIME_SOCKETS
        .iter()
        .find(|s| exposes(path, s))
        .map(|s| s.to_string())
}

/// Host paths whose contents are the node's secrets or control, and whether everything
/// below them is as sensitive (`true`) or only a mount of the path itself or a parent counts
/// (`false`: `/etc/ssl/certs` is public, `/var/lib/kubelet/plugins` holds sockets).
const SENSITIVE_PATHS: &[(&str, bool)] = &[
    ("/", false),
    ("/etc", false),
    ("/etc/kubernetes", true),
    ("/etc/shadow", true),
    ("/root", true),
    ("/home", true),
    ("/proc", false),
    ("/var/lib/kubelet", false),
    ("/var/lib/kubelet/pods", true),
    ("/var/lib/kubelet/pki", true),
    ("/var/lib/kubelet/kubeconfig", true),
    ("/var/run/secrets", true),
];

/// The sensitive path a host path exposes to a reader, if any: one it is or contains, one
/// whose whole tree is sensitive and that contains it, or any path through an `.ssh` folder.
pub(crate) fn sensitive_path(path: &str) -> Option<String> {
    for &(target, tree) in SENSITIVE_PATHS {
        let below = tree && run_twins(target).iter().any(|t| covers(t, path));
        if exposes(path, target) || below {
            return Some(target.to_string());
        }
    }
    if path.starts_with('/') && path.split('/').any(|c| c == ".ssh") {
        return Some(path.to_string());
    }
    None
}

/// The kernel's core dump handler: a pipe in it runs as root on the host.
const CORE_PATTERN: &str = "/proc/sys/kernel/core_pattern";

/// Where the kubelet reads container logs from when serving `pods/log`.
const POD_LOGS: &str = "/var/log/pods";

/// Capability names as the runtimes read them: upper case, without `CAP_`.
pub(crate) fn capability_name(s: &str) -> String {
    let up = s.trim().to_ascii_uppercase();
    match up.strip_prefix("CAP_") {
        Some(rest) => rest.to_string(),
        None => up,
    }
}

/// The `capabilities.add` entry that gives the container `cap` (upper case, no `CAP_`) beyond
/// the runtime's default set, with its index. containerd and CRI-O apply `add: [ALL]`, then
/// `drop: [ALL]`, then the named adds, then the named drops: a capability dropped by name is
/// gone whatever was added, `drop: [ALL]` cancels `add: [ALL]` but not a named add.
pub(crate) fn added_capability<'c>(c: &'c Container, cap: &str) -> Option<(usize, &'c str)> {
    let caps = c.security_context.as_ref()?.capabilities.as_ref()?;
    let names = |list: &'c [String], wanted: &str| {
        list.iter()
            .enumerate()
            .find(|(_, n)| capability_name(n) == wanted)
            .map(|(i, n)| (i, n.as_str()))
    };
    if names(&caps.drop, cap).is_some() {
        return None;
    }
    names(&caps.add, cap)
        .or_else(|| names(&caps.add, "ALL").filter(|_| names(&caps.drop, "ALL").is_none()))
}

pub(crate) fn is_privileged(c: &Container) -> bool {
    c.security_context.as_ref().and_then(|s| s.privileged) == Some(true)
}

/// Add an escape step from the workload to every node its pods may run on.
pub(crate) fn escape_to_nodes(g: &mut AttackGraph, w: &WorkloadNode, edge: Edge) {
    for node in w.node_ids() {
        g.add_edge(&w.id, &node, edge.clone());
    }
}

fn privileged_evidence(w: &WorkloadNode, c: &ContainerAt) -> Evidence {
    Evidence::new(
        w.object(),
        format!("{}.securityContext.privileged", c.path),
        format!("true (container \"{}\")", c.container.name),
    )
    .at(&w.spec.source)
}

fn privileged(w: &WorkloadNode) -> Option<Edge> {
    let obj = w.object();
    let hits: Vec<ContainerAt> = containers(w)
        .into_iter()
        .filter(|c| is_privileged(c.container))
        .collect();
    if hits.is_empty() {
        return None;
    }
    let evidence = hits.iter().map(|c| privileged_evidence(w, c)).collect();
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

/// The pod's `hostPID`/`hostNetwork`/`hostIPC` evidence when the flag is on.
fn host_namespace_evidence(
    w: &WorkloadNode,
    field: &str,
    on: bool,
    detail: &str,
) -> Option<Evidence> {
    on.then(|| {
        Evidence::new(
            w.object(),
            format!("{}.{field}", pod_spec_path(w)),
            detail.to_string(),
        )
        .at(&w.spec.source)
    })
}

/// privileged + hostPID: `nsenter -t 1` enters every namespace of the host's init.
fn nsenter(w: &WorkloadNode) -> Option<Edge> {
    let host_pid = host_namespace_evidence(
        w,
        "hostPID",
        w.spec.pod_spec.host_pid,
        "true: the host's PID 1 is visible, so nsenter -t 1 enters the host's namespaces",
    )?;
    let hits: Vec<ContainerAt> = containers(w)
        .into_iter()
        .filter(|c| is_privileged(c.container))
        .collect();
    if hits.is_empty() {
        return None;
    }
    let mut evidence = vec![host_pid];
    evidence.extend(hits.iter().map(|c| privileged_evidence(w, c)));
    Some(ESCAPE_NSENTER.edge(
        evidence,
        format!(
            "On {}: remove {}.hostPID: true, and set privileged: false on {}.",
            w.object(),
            pod_spec_path(w),
            hits.iter()
                .map(|c| format!("\"{}\"", c.container.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// AppArmor set to unconfined for the container, by field or by the beta annotation.
fn apparmor_unconfined(w: &WorkloadNode, c: &ContainerAt) -> Option<Evidence> {
    let obj = w.object();
    let spec_path = pod_spec_path(w);
    let unconfined = |p: &Option<crate::snapshot::Profile>| {
        p.as_ref()
            .is_some_and(|p| p.type_.eq_ignore_ascii_case("Unconfined"))
    };
    if c.container
        .security_context
        .as_ref()
        .is_some_and(|s| unconfined(&s.app_armor_profile))
    {
        return Some(
            Evidence::new(
                &obj,
                format!("{}.securityContext.appArmorProfile.type", c.path),
                format!("Unconfined (container \"{}\")", c.container.name),
            )
            .at(&w.spec.source),
        );
    }
    let key = format!(
        "container.apparmor.security.beta.kubernetes.io/{}",
        c.container.name
    );
    if let Some(v) = w
        .spec
        .pod_annotations()
        .get(&key)
        .filter(|v| v.eq_ignore_ascii_case("unconfined"))
    {
        return Some(
            Evidence::new(
                &obj,
                format!(
                    "{}metadata.annotations[\"{key}\"]",
                    crate::techniques::identity::pod_template_path(w.spec.kind())
                ),
                v.clone(),
            )
            .at(&w.spec.source),
        );
    }
    if w.spec
        .pod_spec
        .security_context
        .as_ref()
        .is_some_and(|s| unconfined(&s.app_armor_profile))
    {
        return Some(
            Evidence::new(
                &obj,
                format!("{spec_path}.securityContext.appArmorProfile.type"),
                "Unconfined (every container of the pod)",
            )
            .at(&w.spec.source),
        );
    }
    None
}

/// The escapes a capability grants: one edge per technique, naming every container that
/// holds the capability. SYS_MODULE also comes with `privileged: true` (DESIGN.md: a
/// privileged container also has SYS_MODULE); hostPID is required for SYS_PTRACE.
fn capability_escape(
    w: &WorkloadNode,
    technique: &'static crate::techniques::Technique,
    cap: &str,
    with_privileged: bool,
    needs_host_pid: bool,
) -> Option<Edge> {
    let obj = w.object();
    let mut evidence = Vec::new();
    if needs_host_pid {
        evidence.push(host_namespace_evidence(
            w,
            "hostPID",
            w.spec.pod_spec.host_pid,
            "true: the host's processes are visible",
        )?);
    }
    let mut fixes = Vec::new();
    for c in containers(w) {
        if let Some((i, written)) = added_capability(c.container, cap) {
            let field = format!("{}.securityContext.capabilities.add[{i}]", c.path);
            let what = if capability_name(written) == "ALL" {
                format!("{written}, which includes {cap}")
            } else {
                written.to_string()
            };
            evidence.push(
                Evidence::new(
                    &obj,
                    &field,
                    format!("{what} (container \"{}\")", c.container.name),
                )
                .at(&w.spec.source),
            );
            fixes.push(format!(
                "remove {field} (or add {cap} to its capabilities.drop)"
            ));
            if needs_host_pid && let Some(ev) = apparmor_unconfined(w, &c) {
                evidence.push(ev);
            }
        } else if with_privileged && is_privileged(c.container) {
            evidence.push(privileged_evidence(w, &c));
            fixes.push(format!(
                "set {}.securityContext.privileged to false (a privileged container has {cap})",
                c.path
            ));
        }
    }
    if fixes.is_empty() {
        return None;
    }
    if needs_host_pid {
        fixes.push(format!("or remove {}.hostPID: true", pod_spec_path(w)));
    }
    Some(technique.edge(evidence, format!("On {obj}: {}.", fixes.join("; "))))
}

/// `/etc: volume "etc" mounted read-only by container "c" at /host/etc
/// (spec.containers[0].volumeMounts[1])`.
fn mount_detail(m: &HostPathMount) -> String {
    let sub = m
        .mount
        .sub_path
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| format!(" (subPath {s})"))
        .unwrap_or_default();
    format!(
        "{}: volume \"{}\" mounted {}{sub} by container \"{}\" at {} ({})",
        m.host_path,
        m.volume.name,
        if m.read_only {
            "read-only"
        } else {
            "read-write"
        },
        m.container.name,
        m.mount.mount_path,
        m.mount_path_field
    )
}

fn mount_evidence(w: &WorkloadNode, m: &HostPathMount, why: Option<String>) -> Evidence {
    let mut detail = mount_detail(m);
    if let Some(why) = why {
        detail.push_str("; ");
        detail.push_str(&why);
    }
    Evidence::new(w.object(), &m.volume_field, detail).at(&w.spec.source)
}

/// One edge of `technique` for the hostPath mounts `pick` selects, with the reason it
/// returns for each; `fix` says what to change on one mount.
fn host_path_escape(
    w: &WorkloadNode,
    technique: &'static crate::techniques::Technique,
    mut pick: impl FnMut(&HostPathMount) -> Option<Option<String>>,
    fix: impl Fn(&HostPathMount) -> String,
) -> Option<Edge> {
    let mut evidence = Vec::new();
    let mut fixes: Vec<String> = Vec::new();
    for m in host_path_mounts(w) {
        if let Some(why) = pick(&m) {
            evidence.push(mount_evidence(w, &m, why));
            let f = fix(&m);
            if !fixes.contains(&f) {
                fixes.push(f);
            }
        }
    }
    if evidence.is_empty() {
        return None;
    }
    Some(technique.edge(
        evidence,
        format!("On {}: {}.", w.object(), fixes.join("; ")),
    ))
}

fn remove_volume(m: &HostPathMount) -> String {
    format!(
        "remove hostPath volume \"{}\" ({})",
        m.volume.name, m.host_path
    )
}

fn host_path_write(w: &WorkloadNode) -> Option<Edge> {
    host_path_escape(
        w,
        &ESCAPE_HOSTPATH_WRITE,
        |m| (!m.read_only && !is_safe_writable_host_path(&m.host_path)).then_some(None),
        |m| {
            format!(
                "remove hostPath volume \"{}\" ({}) or set {}.readOnly: true",
                m.volume.name, m.host_path, m.mount_path_field
            )
        },
    )
}

/// Any mount, read-only or not, of a sensitive path or a parent of one.
fn host_path_read(w: &WorkloadNode) -> Option<Edge> {
    host_path_escape(
        w,
        &ESCAPE_HOSTPATH_READ,
        |m| {
            sensitive_path(&m.host_path).map(|s| (s != m.host_path).then(|| format!("exposes {s}")))
        },
        remove_volume,
    )
}

/// A writable mount of `/proc/sys/kernel` (or a parent, or `core_pattern` itself): writing
/// `|/path` to core_pattern makes the host kernel run a program as root on the next crash.
fn core_pattern(w: &WorkloadNode) -> Option<Edge> {
    host_path_escape(
        w,
        &ESCAPE_CORE_PATTERN,
        |m| {
            (!m.read_only && covers(&m.host_path, CORE_PATTERN))
                .then(|| Some(format!("exposes {CORE_PATTERN} writable")))
        },
        remove_volume,
    )
}

/// Likelihood of the runtime-socket step when every container that mounts the socket runs
/// as a non-root user: the sockets are owned by root (docker.sock by root and group docker)
/// with mode 0660, so connecting needs root or the socket's group, which a pod rarely has.
const NON_ROOT_SOCKET_LIKELIHOOD: f64 = 0.3;

/// The user a container runs as, when the container or the pod sets it.
fn run_as_user(w: &WorkloadNode, c: &Container) -> Option<i64> {
    c.security_context
        .as_ref()
        .and_then(|s| s.run_as_user)
        .or_else(|| {
            w.spec
                .pod_spec
                .security_context
                .as_ref()
                .and_then(|s| s.run_as_user)
        })
}

/// A mount of a runtime socket or a folder holding one. `readOnly: true` does not help: a
/// unix socket `connect()` checks write permission on the socket inode, which a read-only
/// bind mount does not take away (only writes to regular files, folders and links fail with
/// EROFS), so the runtime API stays reachable.
fn runtime_socket_mount(w: &WorkloadNode) -> Option<Edge> {
    let mut all_non_root = true;
    let mut users = Vec::new();
    let edge = host_path_escape(
        w,
        &ESCAPE_RUNTIME_SOCKET,
        |m| {
            let s = runtime_socket(&m.host_path)?;
            let mut why = if s == m.host_path {
                "the container runtime's API socket".to_string()
            } else {
                format!("exposes the runtime socket {s}")
            };
            if m.read_only {
                why.push_str(" (readOnly does not stop connecting to a socket)");
            }
            match run_as_user(w, m.container).filter(|&u| u != 0) {
                Some(u) => {
                    why.push_str(&format!(
                        "; container \"{}\" runs as user {u}, and the socket is root's (mode 0660)",
                        m.container.name
                    ));
                    users.push(u);
                }
                None => all_non_root = false,
            }
            Some(Some(why))
        },
        remove_volume,
    )?;
    if all_non_root && !users.is_empty() {
        return Some(Edge {
            likelihood: NON_ROOT_SOCKET_LIKELIHOOD,
            ..edge
        });
    }
    Some(edge)
}

/// A writable mount of the pod log folder, and the pod's own token can read pods/log: the
/// container replaces its log file with a symlink to any host file and asks the kubelet, which
/// runs as root, for its logs.
fn var_log(ix: &Index, w: &WorkloadNode) -> Option<Edge> {
    let mounts: Vec<HostPathMount> = host_path_mounts(w)
        .into_iter()
        .filter(|m| !m.read_only && covers(&m.host_path, POD_LOGS))
        .collect();
    if mounts.is_empty() {
        return None;
    }
    let token = mounted_token(ix, w)?;
    let sa = w.spec.pod_spec.service_account();
    let who = Identity::service_account(w.namespace, sa);
    if !ix
        .rbac
        .allows(&who, "get", "", "pods/log", Some(w.namespace), None)
    {
        return None;
    }
    let grants: Vec<_> = ix
        .rbac
        .grants(&who, "get", "", "pods/log")
        .into_iter()
        .filter(|g| g.scope.covers(Some(w.namespace)) && g.resource_names.is_empty())
        .collect();
    let mut evidence: Vec<Evidence> = mounts
        .iter()
        .map(|m| mount_evidence(w, m, Some(format!("exposes {POD_LOGS} writable"))))
        .collect();
    evidence.extend(token.evidence.into_iter().take(1));
    evidence.extend(grants.iter().map(|g| {
        let mut e = g.evidence.clone();
        e.detail = format!("{} (allows get pods/log to {who})", e.detail);
        e
    }));
    let binding = grants
        .first()
        .and_then(|g| g.binding)
        .map(|b| format!(" (granted by {})", crate::rbac::binding_object(b)))
        .unwrap_or_default();
    Some(ESCAPE_VAR_LOG.edge(
        evidence,
        format!(
            "On {}: {}; or take get pods/log away from {who}{binding}.",
            w.object(),
            mounts
                .iter()
                .map(|m| format!(
                    "remove hostPath volume \"{}\" ({}) or set {}.readOnly: true",
                    m.volume.name, m.host_path, m.mount_path_field
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    ))
}

fn host_namespaces(w: &WorkloadNode) -> Vec<Edge> {
    let spec = &w.spec.pod_spec;
    let flags: [(&'static crate::techniques::Technique, &str, bool, &str); 3] = [
        (
            &HOST_NETWORK,
            "hostNetwork",
            spec.host_network,
            "true: the pod is on the node's network (kubelet, services bound to localhost, the cloud metadata service)",
        ),
        (
            &HOST_PID,
            "hostPID",
            spec.host_pid,
            "true: the pod sees and signals the node's processes and reads their command lines and environment",
        ),
        (
            &HOST_IPC,
            "hostIPC",
            spec.host_ipc,
            "true: the pod shares the node's shared memory and IPC objects",
        ),
    ];
    flags
        .into_iter()
        .filter_map(|(t, field, on, detail)| {
            let ev = host_namespace_evidence(w, field, on, detail)?;
            Some(t.edge(
                vec![ev],
                format!(
                    "Remove {}.{field}: true from {}.",
                    pod_spec_path(w),
                    w.object()
                ),
            ))
        })
        .collect()
}

/// What lets one container take the node, in words (`privileged`, `adds SYS_ADMIN`,
/// `mounts hostPath / read-write`): the per-container facts of the escapes above.
fn container_powers(w: &WorkloadNode, c: &Container, mounts: &[HostPathMount]) -> Vec<String> {
    let mut out = Vec::new();
    if is_privileged(c) {
        out.push("privileged".to_string());
    }
    for cap in ["SYS_ADMIN", "SYS_MODULE", "DAC_READ_SEARCH"] {
        if added_capability(c, cap).is_some() {
            out.push(format!("adds {cap}"));
        }
    }
    if w.spec.pod_spec.host_pid && added_capability(c, "SYS_PTRACE").is_some() {
        out.push("adds SYS_PTRACE".to_string());
    }
    for m in mounts.iter().filter(|m| std::ptr::eq(m.container, c)) {
        let dangerous = (!m.read_only && !is_safe_writable_host_path(&m.host_path))
            || runtime_socket(&m.host_path).is_some()
            || sensitive_path(&m.host_path).is_some();
        if dangerous {
            let rw = if m.read_only {
                "read-only"
            } else {
                "read-write"
            };
            out.push(format!("mounts hostPath {} {rw}", m.host_path));
        }
    }
    out
}

/// `shareProcessNamespace: true` with containers of unequal power: a compromised container
/// reaches a sibling's processes and, through `/proc/PID/root`, its file system and
/// privileges. Only containers that run side by side count (regular and ephemeral: init
/// containers have finished before the others start).
fn shared_process_ns(w: &WorkloadNode) -> Option<Edge> {
    let spec = &w.spec.pod_spec;
    if spec.share_process_namespace != Some(true) {
        return None;
    }
    let mounts = host_path_mounts(w);
    let running: Vec<(ContainerAt, Vec<String>)> = containers(w)
        .into_iter()
        .filter(|c| !c.path.contains(".initContainers["))
        .map(|c| {
            let powers = container_powers(w, c.container, &mounts);
            (c, powers)
        })
        .collect();
    let obj = w.object();
    let mut evidence = Vec::new();
    let mut strong_names = Vec::new();
    for (strong, powers) in &running {
        if powers.is_empty() {
            continue;
        }
        let weaker: Vec<String> = running
            .iter()
            .filter(|(other, other_powers)| {
                other.path != strong.path && !powers.iter().all(|p| other_powers.contains(p))
            })
            .map(|(other, _)| format!("\"{}\" ({})", other.container.name, other.path))
            .collect();
        if weaker.is_empty() {
            continue;
        }
        evidence.push(
            Evidence::new(
                &obj,
                &strong.path,
                format!(
                    "container \"{}\" {}; reachable from {} through the shared process namespace (/proc/PID/root)",
                    strong.container.name,
                    powers.join(", "),
                    weaker.join(", ")
                ),
            )
            .at(&w.spec.source),
        );
        strong_names.push(format!("\"{}\"", strong.container.name));
    }
    if evidence.is_empty() {
        return None;
    }
    let field = format!("{}.shareProcessNamespace", pod_spec_path(w));
    evidence.insert(
        0,
        Evidence::new(
            &obj,
            &field,
            "true: the containers see each other's processes",
        )
        .at(&w.spec.source),
    );
    Some(SHARED_PROCESS_NS.edge(
        evidence,
        format!(
            "Remove {field}: true from {obj}, or move the powerful container(s) {} into a pod of their own.",
            strong_names.join(", ")
        ),
    ))
}

pub fn edges(ix: &Index, g: &mut AttackGraph) {
    for w in &ix.workloads {
        let mut found: Vec<Edge> = Vec::new();
        found.extend(privileged(w));
        found.extend(nsenter(w));
        found.extend(capability_escape(
            w,
            &ESCAPE_SYS_MODULE,
            "SYS_MODULE",
            true,
            false,
        ));
        found.extend(capability_escape(
            w,
            &ESCAPE_SYS_PTRACE,
            "SYS_PTRACE",
            false,
            true,
        ));
        found.extend(capability_escape(
            w,
            &ESCAPE_SYS_ADMIN,
            "SYS_ADMIN",
            false,
            false,
        ));
        found.extend(capability_escape(
            w,
            &ESCAPE_DAC_READ_SEARCH,
            "DAC_READ_SEARCH",
            false,
            false,
        ));
        found.extend(host_path_write(w));
        found.extend(host_path_read(w));
        found.extend(core_pattern(w));
        found.extend(var_log(ix, w));
        found.extend(runtime_socket_mount(w));
        found.extend(host_namespaces(w));
        found.extend(shared_process_ns(w));
        for edge in found {
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

    const P: &str = "workload:default/Pod/p";

    /// A Pod `p` in `default` whose spec is `spec` (YAML, indented two spaces).
    fn pod(spec: &str) -> AttackGraph {
        graph(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}\n"
        ))
    }

    fn with_caps(caps: &str) -> AttackGraph {
        pod(&format!(
            "  containers:\n  - {{name: c, image: x, securityContext: {{capabilities: {caps}}}}}"
        ))
    }

    fn evidence_of<'g>(g: &'g AttackGraph, technique: &str) -> &'g [Evidence] {
        g.graph
            .edge_weights()
            .find(|e| e.technique.id == technique)
            .map(|e| e.evidence.as_slice())
            .unwrap_or_else(|| panic!("no {technique} edge"))
    }

    #[test]
    fn privileged_container_with_host_pid_enters_the_host_namespaces() {
        let g = pod(
            "  hostPID: true\n  containers: [{name: c, image: x, securityContext: {privileged: true}}]",
        );
        assert!(g.has_edge(P, "node:*", "ESCAPE_NSENTER"));
        let ev = evidence_of(&g, "ESCAPE_NSENTER");
        assert_eq!(ev[0].field, "spec.hostPID");
        assert_eq!(ev[1].field, "spec.containers[0].securityContext.privileged");
    }

    #[test]
    fn privileged_container_without_host_pid_has_no_nsenter() {
        let g = pod("  containers: [{name: c, image: x, securityContext: {privileged: true}}]");
        assert!(!g.has_edge(P, "node:*", "ESCAPE_NSENTER"));
        assert!(g.has_edge(P, "node:*", "ESCAPE_PRIVILEGED"));
    }

    #[test]
    fn host_pid_without_privileged_has_no_nsenter() {
        let g = pod("  hostPID: true\n  containers: [{name: c, image: x}]");
        assert!(!g.has_edge(P, "node:*", "ESCAPE_NSENTER"));
        assert!(g.has_edge(P, "node:*", "HOST_PID"));
    }

    #[test]
    fn capability_names_are_read_with_or_without_cap_prefix_in_any_case() {
        for name in [
            "SYS_MODULE",
            "sys_module",
            "CAP_SYS_MODULE",
            "cap_Sys_Module",
        ] {
            let g = with_caps(&format!("{{add: [{name}]}}"));
            assert!(g.has_edge(P, "node:*", "ESCAPE_SYS_MODULE"), "{name}");
            let ev = evidence_of(&g, "ESCAPE_SYS_MODULE");
            assert_eq!(
                ev[0].field,
                "spec.containers[0].securityContext.capabilities.add[0]"
            );
            assert!(ev[0].detail.contains("container \"c\""));
        }
    }

    #[test]
    fn privileged_container_also_has_sys_module() {
        let g = pod("  containers: [{name: c, image: x, securityContext: {privileged: true}}]");
        assert!(g.has_edge(P, "node:*", "ESCAPE_SYS_MODULE"));
    }

    #[test]
    fn container_without_added_capabilities_has_no_capability_escape() {
        let g = with_caps("{add: [NET_BIND_SERVICE], drop: [ALL]}");
        assert!(escapes(&g, P).is_empty());
    }

    #[test]
    fn capability_dropped_by_name_is_not_held() {
        let g = with_caps("{add: [SYS_MODULE], drop: [CAP_SYS_MODULE]}");
        assert!(!g.has_edge(P, "node:*", "ESCAPE_SYS_MODULE"));
    }

    #[test]
    fn sys_admin_added_escapes() {
        let g = with_caps("{add: [SYS_ADMIN]}");
        assert!(g.has_edge(P, "node:*", "ESCAPE_SYS_ADMIN"));
        assert!(!g.has_edge(P, "node:*", "ESCAPE_DAC_READ_SEARCH"));
    }

    #[test]
    fn net_admin_is_not_sys_admin() {
        let g = with_caps("{add: [NET_ADMIN]}");
        assert!(!g.has_edge(P, "node:*", "ESCAPE_SYS_ADMIN"));
    }

    #[test]
    fn add_all_holds_every_capability_unless_drop_all_or_named_drop() {
        let g = with_caps("{add: [ALL]}");
        for t in [
            "ESCAPE_SYS_ADMIN",
            "ESCAPE_SYS_MODULE",
            "ESCAPE_DAC_READ_SEARCH",
        ] {
            assert!(g.has_edge(P, "node:*", t), "{t}");
        }
        assert!(
            evidence_of(&g, "ESCAPE_SYS_ADMIN")[0]
                .detail
                .contains("ALL, which includes SYS_ADMIN")
        );
        let g = with_caps("{add: [ALL], drop: [ALL]}");
        assert!(escapes(&g, P).is_empty());
        let g = with_caps("{add: [ALL], drop: [SYS_ADMIN]}");
        assert!(!g.has_edge(P, "node:*", "ESCAPE_SYS_ADMIN"));
        assert!(g.has_edge(P, "node:*", "ESCAPE_SYS_MODULE"));
        // drop: [ALL] empties the default set; a named add is applied after it.
        let g = with_caps("{drop: [ALL], add: [SYS_ADMIN]}");
        assert!(g.has_edge(P, "node:*", "ESCAPE_SYS_ADMIN"));
    }

    #[test]
    fn dac_read_search_added_escapes() {
        let g = with_caps("{add: [DAC_READ_SEARCH]}");
        assert!(g.has_edge(P, "node:*", "ESCAPE_DAC_READ_SEARCH"));
        let g = with_caps("{add: [DAC_OVERRIDE]}");
        assert!(!g.has_edge(P, "node:*", "ESCAPE_DAC_READ_SEARCH"));
    }

    #[test]
    fn sys_ptrace_with_host_pid_escapes_and_notes_unconfined_apparmor() {
        let g = graph(
            "
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations: {container.apparmor.security.beta.kubernetes.io/c: unconfined}
spec:
  hostPID: true
  containers: [{name: c, image: x, securityContext: {capabilities: {add: [SYS_PTRACE]}}}]
",
        );
        assert!(g.has_edge(P, "node:*", "ESCAPE_SYS_PTRACE"));
        let ev = evidence_of(&g, "ESCAPE_SYS_PTRACE");
        assert_eq!(ev[0].field, "spec.hostPID");
        assert_eq!(
            ev[1].field,
            "spec.containers[0].securityContext.capabilities.add[0]"
        );
        assert_eq!(
            ev[2].field,
            "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/c\"]"
        );
    }

    #[test]
    fn sys_ptrace_apparmor_profile_field_is_noted() {
        let g = pod(
            "  hostPID: true\n  containers: [{name: c, image: x, securityContext: {appArmorProfile: {type: Unconfined}, capabilities: {add: [SYS_PTRACE]}}}]",
        );
        let ev = evidence_of(&g, "ESCAPE_SYS_PTRACE");
        assert_eq!(
            ev[2].field,
            "spec.containers[0].securityContext.appArmorProfile.type"
        );
    }

    #[test]
    fn sys_ptrace_without_host_pid_does_not_escape() {
        let g = with_caps("{add: [SYS_PTRACE]}");
        assert!(!g.has_edge(P, "node:*", "ESCAPE_SYS_PTRACE"));
    }

    #[test]
    fn read_only_mount_of_a_parent_of_the_kubelet_folder_exposes_it() {
        let g = host_path_pod("/var", ", readOnly: true");
        assert!(g.has_edge(P, "node:*", "ESCAPE_HOSTPATH_READ"));
        assert!(!g.has_edge(P, "node:*", "ESCAPE_HOSTPATH_WRITE"));
        let ev = evidence_of(&g, "ESCAPE_HOSTPATH_READ");
        assert_eq!(ev[0].field, "spec.volumes[0].hostPath.path");
        assert!(
            ev[0]
                .detail
                .contains("mounted read-only by container \"c\"")
        );
        assert!(
            ev[0].detail.contains("exposes /var/lib/kubelet"),
            "{}",
            ev[0].detail
        );
    }

    #[test]
    fn sensitive_read_paths() {
        for path in [
            "/",
            "/etc",
            "/root",
            "/root/.kube",
            "/home",
            "/home/ec2-user",
            "/proc",
            "/var/lib/kubelet",
            "/var/lib/kubelet/pods",
            "/var/lib/kubelet/pods/x/volumes",
            "/var/run/secrets",
            "/run/secrets/kubernetes.io",
            "/etc/kubernetes",
            "/etc/kubernetes/pki",
            "/opt/app/.ssh",
            "/var/lib",
            "/run",
        ] {
            assert!(sensitive_path(path).is_some(), "{path}");
        }
        for path in [
            "/etc/ssl/certs",
            "/var/log",
            "/sys",
            "/dev",
            "/var/lib/kubelet/plugins",
            "/usr/bin/runc",
            "/lib/modules",
            "/sshd",
            "C:\\var\\lib\\kubelet",
        ] {
            assert!(sensitive_path(path).is_none(), "{path}");
        }
    }

    #[test]
    fn read_only_mount_of_public_certificates_is_not_sensitive() {
        let g = host_path_pod("/etc/ssl/certs", ", readOnly: true");
        assert!(escapes(&g, P).is_empty());
    }

    #[test]
    fn writable_proc_sets_the_core_pattern() {
        for path in ["/proc", "/proc/sys", "/proc/sys/kernel", "/"] {
            let g = host_path_pod(path, "");
            assert!(g.has_edge(P, "node:*", "ESCAPE_CORE_PATTERN"), "{path}");
        }
        let ev = evidence_of(&host_path_pod("/proc", ""), "ESCAPE_CORE_PATTERN").to_vec();
        assert!(ev[0].detail.contains("/proc/sys/kernel/core_pattern"));
    }

    #[test]
    fn read_only_proc_does_not_set_the_core_pattern() {
        let g = host_path_pod("/proc", ", readOnly: true");
        assert!(!g.has_edge(P, "node:*", "ESCAPE_CORE_PATTERN"));
        assert!(g.has_edge(P, "node:*", "ESCAPE_HOSTPATH_READ"));
        let g = host_path_pod("/proc/sys/net", "");
        assert!(!g.has_edge(P, "node:*", "ESCAPE_CORE_PATTERN"));
    }

    #[test]
    fn runtime_sockets_and_their_folders_are_found() {
        for path in [
            "/var/run/docker.sock",
            "/run/containerd/containerd.sock",
            "/run/containerd",
            "/var/run/containerd",
            "/var/run/crio/crio.sock",
            "/run/crio",
            "/var/run",
            "/run",
            "/var",
            "/",
            "/var/run/docker",
            "/srv/custom/containerd.sock",
            "/var/run/dockershim.sock",
        ] {
            assert!(runtime_socket(path).is_some(), "{path}");
        }
        for path in [
            "/var/lib/docker",
            "/run/xtables.lock",
            "/etc",
            "/var/log",
            "/run/containerd.d",
            "/var/run/dockerx",
        ] {
            assert!(runtime_socket(path).is_none(), "{path}");
        }
        assert!(runtime_socket("\\\\.\\pipe\\docker_engine").is_some());
        assert!(runtime_socket("\\\\.\\pipe\\other").is_none());
    }

    #[test]
    fn read_only_runtime_socket_still_escapes() {
        let g = host_path_pod("/var/run/docker.sock", ", readOnly: true");
        assert!(g.has_edge(P, "node:*", "ESCAPE_RUNTIME_SOCKET"));
        let edges = g.edges_of("ESCAPE_RUNTIME_SOCKET");
        assert_eq!(edges[0].2.likelihood, ESCAPE_RUNTIME_SOCKET.likelihood);
        let ev = &edges[0].2.evidence[0];
        assert!(
            ev.detail.contains("readOnly does not stop"),
            "{}",
            ev.detail
        );
    }

    #[test]
    fn runtime_socket_of_a_non_root_container_is_less_likely() {
        let g = pod("  securityContext: {runAsUser: 65534}
  containers:
  - {name: c, image: x, volumeMounts: [{name: s, mountPath: /s}]}
  volumes: [{name: s, hostPath: {path: /run/containerd/containerd.sock}}]");
        let edges = g.edges_of("ESCAPE_RUNTIME_SOCKET");
        assert_eq!(edges[0].2.likelihood, NON_ROOT_SOCKET_LIKELIHOOD);
    }

    #[test]
    fn mount_of_an_unrelated_folder_is_no_runtime_socket() {
        let g = host_path_pod("/var/lib/docker", ", readOnly: true");
        assert!(!g.has_edge(P, "node:*", "ESCAPE_RUNTIME_SOCKET"));
    }

    /// A Pod running as ServiceAccount `logger` that mounts `path` (with `mount` options), plus
    /// the extra documents.
    fn log_pod(mount: &str, extra: &str) -> AttackGraph {
        graph(&format!(
            "
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  serviceAccountName: logger
  containers:
  - {{name: c, image: x, volumeMounts: [{{name: logs, mountPath: /host/log {mount}}}]}}
  volumes: [{{name: logs, hostPath: {{path: /var/log}}}}]
{extra}"
        ))
    }

    const LOG_READER: &str = "
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: log-reader}
rules: [{apiGroups: [''], resources: [pods, pods/log], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: logger-logs}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: log-reader}
subjects: [{kind: ServiceAccount, name: logger, namespace: default}]
";

    #[test]
    fn writable_var_log_with_pods_log_reads_host_files() {
        let g = log_pod("", LOG_READER);
        assert!(g.has_edge(P, "node:*", "ESCAPE_VAR_LOG"));
        let ev = evidence_of(&g, "ESCAPE_VAR_LOG");
        assert!(ev[0].detail.contains("exposes /var/log/pods writable"));
        assert!(
            ev.iter()
                .any(|e| e.object == "RoleBinding/default/logger-logs"
                    && e.detail.contains("allows get pods/log")),
            "{ev:?}"
        );
    }

    #[test]
    fn var_log_without_pods_log_permission_does_not_escape() {
        let g = log_pod("", "");
        assert!(!g.has_edge(P, "node:*", "ESCAPE_VAR_LOG"));
        assert!(g.has_edge(P, "node:*", "ESCAPE_HOSTPATH_WRITE"));
    }

    #[test]
    fn var_log_without_a_mounted_token_does_not_escape() {
        let g = log_pod(
            "",
            &format!(
                "{LOG_READER}---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: logger}}\nautomountServiceAccountToken: false\n"
            ),
        );
        assert!(!g.has_edge(P, "node:*", "ESCAPE_VAR_LOG"));
    }

    #[test]
    fn read_only_var_log_cannot_plant_the_symlink() {
        let g = log_pod(", readOnly: true", LOG_READER);
        assert!(!g.has_edge(P, "node:*", "ESCAPE_VAR_LOG"));
    }

    #[test]
    fn host_namespaces_each_reach_the_node() {
        for (field, technique) in [
            ("hostNetwork", "HOST_NETWORK"),
            ("hostPID", "HOST_PID"),
            ("hostIPC", "HOST_IPC"),
        ] {
            let g = pod(&format!(
                "  {field}: true\n  containers: [{{name: c, image: x}}]"
            ));
            let found: Vec<_> = g
                .techniques_from(P)
                .into_iter()
                .filter(|t| t.starts_with("HOST_"))
                .collect();
            assert_eq!(found, vec![technique]);
            assert_eq!(evidence_of(&g, technique)[0].field, format!("spec.{field}"));
            let g = pod(&format!(
                "  {field}: false\n  containers: [{{name: c, image: x}}]"
            ));
            assert!(!g.has_edge(P, "node:*", technique));
        }
    }

    fn sidecar_pod(share: &str) -> AttackGraph {
        pod(&format!(
            "  shareProcessNamespace: {share}
  containers:
  - {{name: app, image: app}}
  - {{name: dind, image: docker, securityContext: {{privileged: true}}}}"
        ))
    }

    #[test]
    fn shared_process_namespace_reaches_the_privileged_sibling() {
        let g = sidecar_pod("true");
        assert!(g.has_edge(P, "node:*", "SHARED_PROCESS_NS"));
        let ev = evidence_of(&g, "SHARED_PROCESS_NS");
        assert_eq!(ev[0].field, "spec.shareProcessNamespace");
        assert_eq!(ev[1].field, "spec.containers[1]");
        assert!(ev[1].detail.contains("container \"dind\" privileged"));
        assert!(ev[1].detail.contains("\"app\" (spec.containers[0])"));
    }

    #[test]
    fn separate_process_namespaces_do_not_reach_the_sibling() {
        let g = sidecar_pod("false");
        assert!(!g.has_edge(P, "node:*", "SHARED_PROCESS_NS"));
    }

    #[test]
    fn shared_process_namespace_between_equal_containers_is_nothing() {
        let g = pod(
            "  shareProcessNamespace: true\n  containers: [{name: a, image: x}, {name: b, image: z}]",
        );
        assert!(!g.has_edge(P, "node:*", "SHARED_PROCESS_NS"));
        // A finished init container is not a sibling.
        let g = pod(
            "  shareProcessNamespace: true\n  initContainers: [{name: i, image: x, securityContext: {privileged: true}}]\n  containers: [{name: a, image: x}]",
        );
        assert!(!g.has_edge(P, "node:*", "SHARED_PROCESS_NS"));
    }

    #[test]
    fn covers_matches_whole_components_and_run_twins() {
        assert!(covers("/", "/etc"));
        assert!(covers("/var", "/var/lib"));
        assert!(!covers("/va", "/var/lib"));
        assert!(!covers("C:\\", "/etc"));
        assert!(exposes("/run", "/var/run/docker.sock"));
        assert!(exposes(
            "/var/run/containerd",
            "/run/containerd/containerd.sock"
        ));
    }
}
