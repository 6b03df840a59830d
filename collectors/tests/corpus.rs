//! The shared corpus of real upstream manifests loads cleanly, with the namespaces an
//! operator would get from `kubectl apply -n` and kustomize.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kubepath_collectors::{FileOptions, LoadStats, load_paths};
use kubepath_engine::Snapshot;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus");

fn corpus(rel: &str) -> PathBuf {
    PathBuf::from(CORPUS).join(rel)
}

fn load(rel: &str, ns: Option<&str>) -> (Snapshot, LoadStats) {
    let opts = FileOptions {
        default_namespace: ns.map(str::to_string),
    };
    match load_paths(&[corpus(rel)], &opts) {
        Ok(r) => r,
        Err(e) => panic!("{rel}: {e}"),
    }
}

/// Every warning except the one skipped-kinds summary.
fn assert_clean(rel: &str, snap: &Snapshot) {
    let problems: Vec<String> = snap
        .warnings
        .iter()
        .filter(|w| {
            !(w.file.is_empty()
                && w.message.starts_with("skipped ")
                && w.message
                    .contains("objects of kinds the analysis does not use"))
        })
        .map(ToString::to_string)
        .collect();
    assert!(problems.is_empty(), "{rel}: {problems:#?}");
    let summaries = snap.warnings.len() - problems.len();
    assert!(summaries <= 1, "{rel}: more than one summary warning");
}

fn counts(stats: &LoadStats) -> BTreeMap<&str, usize> {
    stats
        .objects
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect()
}

#[test]
fn every_main_folder_loads_without_problems() {
    let mut folders: Vec<String> = std::fs::read_dir(CORPUS)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "variants")
                .collect()
        })
        .unwrap_or_default();
    folders.sort();
    assert_eq!(
        folders,
        [
            "argo-cd",
            "aws-ebs-csi-driver",
            "badpods",
            "cluster-autoscaler",
            "external-dns",
            "ingress-nginx",
            "kube-prometheus",
            "kubernetes-dashboard",
            "kubernetes-goat",
            "metrics-server",
        ]
    );
    for f in &folders {
        let (snap, stats) = load(f, None);
        assert_clean(f, &snap);
        assert!(stats.files > 0 && stats.documents > 0, "{f}: {stats:?}");
    }
}

#[test]
fn argo_cd_install_goes_to_the_namespace_given_on_the_command_line() {
    let (snap, stats) = load("argo-cd", Some("argocd"));
    assert_clean("argo-cd", &snap);
    let sa = snap
        .service_accounts
        .iter()
        .find(|s| s.metadata.name == "argocd-application-controller");
    let sa = sa.map(|s| (s.metadata.ns().to_string(), s.source.document));
    // The 4th document of install.yaml (after three CRDs).
    assert_eq!(sa, Some(("argocd".to_string(), 3)));
    assert!(
        snap.service_accounts
            .iter()
            .all(|s| s.metadata.ns() == "argocd")
    );
    assert_eq!(
        counts(&stats),
        BTreeMap::from([
            ("ClusterRole", 3),
            ("ClusterRoleBinding", 3),
            ("Deployment", 6),
            ("NetworkPolicy", 7),
            ("Role", 6),
            ("RoleBinding", 6),
            ("Secret", 2),
            ("Service", 8),
            ("ServiceAccount", 7),
            ("StatefulSet", 1),
        ])
    );
    assert_eq!(
        stats.skipped_kinds,
        BTreeMap::from([
            ("ConfigMap".to_string(), 7),
            ("CustomResourceDefinition".to_string(), 3)
        ])
    );
    let summary = snap
        .warnings
        .last()
        .map(|w| w.message.as_str())
        .unwrap_or("");
    assert!(
        summary.starts_with(
            "skipped 10 objects of kinds the analysis does not use: ConfigMap (7, first in "
        ) && summary.contains(
            "argo-cd/install.yaml (document 28)), CustomResourceDefinition (3, first in "
        ),
        "{summary}"
    );
    // Cluster-scoped objects stay cluster-scoped.
    assert!(
        snap.roles
            .iter()
            .filter(|r| r.cluster)
            .all(|r| r.metadata.namespace.is_none())
    );
}

#[test]
fn argo_cd_without_a_namespace_lands_in_default() {
    let (snap, _) = load("argo-cd", None);
    assert!(
        snap.service_accounts
            .iter()
            .all(|s| s.metadata.ns() == "default")
    );
}

#[test]
fn ebs_csi_objects_take_the_kustomization_namespace() {
    // The kustomization wins over --namespace for objects that name none.
    let (snap, stats) = load("aws-ebs-csi-driver", Some("elsewhere"));
    assert_clean("aws-ebs-csi-driver", &snap);
    let mut sas: Vec<String> = snap
        .service_accounts
        .iter()
        .map(|s| format!("{}/{}", s.metadata.ns(), s.metadata.name))
        .collect();
    sas.sort();
    assert_eq!(
        sas,
        [
            "kube-system/ebs-csi-controller-sa",
            "kube-system/ebs-csi-node-sa"
        ]
    );
    let mut workloads: Vec<String> = snap
        .workloads
        .iter()
        .map(|w| format!("{}/{}/{}", w.meta.ns(), w.kind().as_str(), w.meta.name))
        .collect();
    workloads.sort();
    assert_eq!(
        workloads,
        [
            "kube-system/DaemonSet/ebs-csi-node",
            "kube-system/DaemonSet/ebs-csi-node-windows",
            "kube-system/Deployment/ebs-csi-controller",
        ]
    );
    assert!(
        snap.roles
            .iter()
            .filter(|r| !r.cluster)
            .all(|r| r.metadata.ns() == "kube-system")
    );
    assert!(
        snap.bindings
            .iter()
            .filter(|b| !b.cluster)
            .all(|b| b.metadata.ns() == "kube-system")
    );
    // kustomize also points the bindings' ServiceAccount subjects at its namespace.
    for b in &snap.bindings {
        for s in b.subjects.iter().filter(|s| s.kind == "ServiceAccount") {
            assert_eq!(
                s.namespace.as_deref(),
                Some("kube-system"),
                "{}",
                b.metadata.name
            );
        }
    }
    assert_eq!(stats.objects.get("ClusterRole"), Some(&5));
    assert_eq!(stats.objects.get("ClusterRoleBinding"), Some(&5));
    // 19 object files and the kustomization.
    assert_eq!(stats.files, 20);
}

#[test]
fn kube_prometheus_role_lists_are_unwrapped() {
    let (snap, stats) = load("kube-prometheus", None);
    assert_clean("kube-prometheus", &snap);
    let from = |suffix: &str, roles: bool| -> Vec<String> {
        let mut v: Vec<String> = if roles {
            snap.roles
                .iter()
                .filter(|r| r.source.file.ends_with(suffix))
                .map(|r| {
                    format!(
                        "{}/{}#{}",
                        r.metadata.ns(),
                        r.metadata.name,
                        r.source.document
                    )
                })
                .collect()
        } else {
            snap.bindings
                .iter()
                .filter(|b| b.source.file.ends_with(suffix))
                .map(|b| {
                    format!(
                        "{}/{}#{}",
                        b.metadata.ns(),
                        b.metadata.name,
                        b.source.document
                    )
                })
                .collect()
        };
        v.sort();
        v
    };
    let expected = [
        "default/prometheus-k8s#0",
        "kube-system/prometheus-k8s#0",
        "monitoring/prometheus-k8s#0",
    ];
    assert_eq!(
        from("prometheus-roleSpecificNamespaces.yaml", true),
        expected
    );
    assert_eq!(
        from("prometheus-roleBindingSpecificNamespaces.yaml", false),
        expected
    );
    // 3 listed Roles + prometheus-roleConfig; 3 listed RoleBindings + 2 single ones.
    assert_eq!(stats.objects.get("Role"), Some(&4));
    assert_eq!(stats.objects.get("RoleBinding"), Some(&5));
    // 76 files at the top plus setup/namespace.yaml.
    assert_eq!(stats.files, 77);
    assert_eq!(stats.skipped_kinds.get("ServiceMonitor"), Some(&13));
}

#[test]
fn badpods_land_in_default() {
    let (snap, stats) = load("badpods", None);
    assert_clean("badpods", &snap);
    assert!(snap.warnings.is_empty());
    assert_eq!(snap.workloads.len(), 16);
    assert!(snap.workloads.iter().all(|w| w.meta.ns() == "default"));
    assert!(snap.workloads.iter().all(|w| w.kind().as_str() == "Pod"));
    assert!(
        snap.workloads
            .iter()
            .any(|w| w.meta.name == "priv-exec-pod")
    );
    assert_eq!(stats.files, 16);
}

#[test]
fn each_variant_loads_on_its_own() {
    let variants = [
        ("variants/cluster-autoscaler", 1),
        ("variants/external-dns/kustomize", 4),
        ("variants/kubernetes-dashboard", 1),
    ];
    for (rel, files) in variants {
        let (snap, stats) = load(rel, None);
        assert_clean(rel, &snap);
        // The kustomize folder's kustomization is read too.
        let expected = if rel.ends_with("kustomize") {
            files + 1
        } else {
            files
        };
        assert_eq!(stats.files, expected, "{rel}");
    }
    let (snap, _) = load("variants/cluster-autoscaler", None);
    let sa = snap.service_accounts.first();
    assert_eq!(
        sa.map(|s| (s.metadata.ns(), s.metadata.name.as_str())),
        Some(("kube-system", "cluster-autoscaler"))
    );
    assert!(sa.is_some_and(|s| {
        s.metadata
            .annotations
            .contains_key("eks.amazonaws.com/role-arn")
    }));
    let (snap, _) = load("variants/kubernetes-dashboard", None);
    assert_eq!(snap.ingresses.len(), 1);
}

#[test]
fn whole_corpus_skips_only_its_readme_and_sources_list() {
    let (mut snap, stats) = load("", None);
    // The corpus mixes projects that define the same objects (`variants/` re-renders
    // projects found elsewhere; metrics-server and kube-prometheus both ship
    // `system:aggregated-metrics-reader`): read at once, those are rightly duplicates.
    snap.warnings
        .retain(|w| !w.message.starts_with("duplicate object:"));
    assert_clean("corpus", &snap);
    // README.md and SOURCES.tsv are not manifests.
    assert_eq!(stats.skipped_files, 2);
    assert_eq!(stats.files, 144);
    assert_eq!(stats.objects.get("Pod"), Some(&16));
}
