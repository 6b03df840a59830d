//! Container and pod escapes: workload -> node.

use crate::graph::AttackGraph;
use crate::index::Index;
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

pub fn edges(_ix: &Index, _g: &mut AttackGraph) {}
