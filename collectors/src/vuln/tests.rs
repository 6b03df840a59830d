use std::path::PathBuf;

use kubepath_engine::snapshot::{ScanSubject, Scanner, VulnSeverity};

use super::*;
use crate::{FileOptions, load_paths};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vuln")
}

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(name)).expect("fixture exists");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn read(name: &str) -> (Snapshot, BTreeMap<String, usize>) {
    let mut snap = Snapshot::default();
    let mut objects = BTreeMap::new();
    load(&mut snap, &mut objects, Path::new(name), 0, &fixture(name));
    (snap, objects)
}

#[test]
fn reports_are_recognised_by_content() {
    assert_eq!(
        recognise(&fixture("trivy-image.json")),
        Some(Doc::TrivyImage)
    );
    assert_eq!(recognise(&fixture("trivy-k8s.json")), Some(Doc::TrivyK8s));
    assert_eq!(recognise(&fixture("grype.json")), Some(Doc::Grype));
    assert_eq!(recognise(&fixture("kev.json")), Some(Doc::Kev));
    // A Kubernetes object and an IAM dump are not reports.
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "SchemaVersion": 2, "ArtifactName": "x"});
    assert_eq!(recognise(&pod), None);
    assert_eq!(recognise(&serde_json::json!({"RoleDetailList": []})), None);
}

#[test]
fn trivy_image_report_keeps_ids_severities_vectors_and_fixes() {
    let (snap, objects) = read("trivy-image.json");
    assert_eq!(objects.get("TrivyReport"), Some(&1));
    let r = &snap.vuln.reports[0];
    assert_eq!(r.scanner, Scanner::TrivyImage);
    let ScanSubject::Image { references } = &r.subject else {
        panic!("an image report")
    };
    assert!(references.contains(&"registry.local:5000/shop/web:1.0".to_string()));
    assert!(references.iter().any(|s| s.contains("@sha256:9f86")));
    let log4j = r
        .findings
        .iter()
        .find(|f| f.id == "CVE-2021-44228")
        .expect("log4j finding");
    assert_eq!(log4j.severity, VulnSeverity::Critical);
    assert_eq!(log4j.package, "org.apache.logging.log4j:log4j-core");
    assert_eq!(log4j.installed_version, "2.14.1");
    assert_eq!(log4j.fixed_version.as_deref(), Some("2.15.0"));
    // nvd first, then ghsa, then redhat.
    assert_eq!(log4j.cvss_vectors.len(), 3);
    assert!(log4j.cvss_vectors[0].contains("AV:N/AC:L"));
    assert_eq!(log4j.cvss_score, Some(10.0));
    assert_eq!(log4j.field, "Results[1].Vulnerabilities[0]");
    // The V2 vector is not read as v3.
    let util = r
        .findings
        .iter()
        .find(|f| f.id == "CVE-2022-0563")
        .expect("util-linux");
    assert_eq!(
        util.cvss_vectors,
        ["CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N"]
    );
    // Bad parts are warnings naming the field; the rest is read.
    assert_eq!(r.findings.len(), 4);
    let fields: Vec<&str> = snap
        .warnings
        .iter()
        .filter_map(|w| w.field.as_deref())
        .collect();
    assert!(
        fields.contains(&"Results[1].Vulnerabilities[2].VulnerabilityID"),
        "{fields:?}"
    );
    assert!(fields.contains(&"Results[2].Vulnerabilities"), "{fields:?}");
    assert!(
        snap.warnings
            .iter()
            .all(|w| w.file == "trivy-image.json"
                && w.object.as_deref() == Some("trivy image report"))
    );
}

#[test]
fn trivy_k8s_report_ties_findings_to_workloads() {
    let (snap, _) = read("trivy-k8s.json");
    let subjects: Vec<&ScanSubject> = snap.vuln.reports.iter().map(|r| &r.subject).collect();
    assert_eq!(
        subjects.len(),
        2,
        "the Role (config only) is not an image scan"
    );
    assert_eq!(
        subjects[0],
        &ScanSubject::Workload {
            namespace: "shop".into(),
            kind: "Deployment".into(),
            name: "web".into()
        }
    );
    assert_eq!(snap.vuln.reports[0].findings[0].id, "CVE-2024-2511");
    assert_eq!(
        snap.vuln.reports[0].findings[0].field,
        "Resources[0].Results[0].Vulnerabilities[0]"
    );
    // Scanned, no vulnerability: a clean report of the StatefulSet.
    assert!(snap.vuln.reports[1].findings.is_empty());
    assert!(
        snap.warnings
            .iter()
            .any(|w| w.field.as_deref() == Some("Resources[3].Kind"))
    );
}

#[test]
fn grype_report_takes_cve_and_v3_vector_from_related_records() {
    let (snap, objects) = read("grype.json");
    assert_eq!(objects.get("GrypeReport"), Some(&1));
    let r = &snap.vuln.reports[0];
    let ScanSubject::Image { references } = &r.subject else {
        panic!("an image report")
    };
    assert_eq!(references[0], "bitnami/redis:7.2");
    assert!(references.contains(&"bitnami/redis:7.2@sha256:7b1c6e2d4a5f8e9b0c3d2a1f4e5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b".to_string()));
    let f = &r.findings[0];
    assert_eq!(f.id, "GHSA-jfh8-c2jp-5v3q");
    assert_eq!(f.aliases, ["CVE-2021-44228"]);
    assert_eq!(
        f.cvss_vectors,
        ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"]
    );
    assert_eq!(f.cvss_score, Some(10.0));
    assert_eq!(f.fixed_version.as_deref(), Some("2.15.0"));
    assert_eq!(
        (f.package.as_str(), f.installed_version.as_str()),
        ("log4j-core", "2.14.1")
    );
    assert_eq!(r.findings[1].severity, VulnSeverity::Medium);
    assert_eq!(r.findings.len(), 2);
    assert!(
        snap.warnings
            .iter()
            .any(|w| w.field.as_deref() == Some("matches[2].vulnerability.id"))
    );
}

#[test]
fn kev_catalog_lists_cve_ids() {
    let (snap, objects) = read("kev.json");
    assert_eq!(objects.get("KevCatalog"), Some(&1));
    assert!(snap.vuln.kev.contains("CVE-2021-44228"));
    assert_eq!(snap.vuln.kev.len(), 2);
    assert!(
        snap.warnings
            .iter()
            .any(|w| w.field.as_deref() == Some("vulnerabilities[2].cveID"))
    );
}

#[test]
fn not_an_image_scan_is_a_warning() {
    let mut v = fixture("grype.json");
    v["source"]["type"] = "directory".into();
    let mut snap = Snapshot::default();
    load(&mut snap, &mut BTreeMap::new(), Path::new("g.json"), 0, &v);
    assert!(snap.vuln.reports.is_empty());
    assert_eq!(snap.warnings[0].field.as_deref(), Some("source.type"));
    let mut v = fixture("trivy-image.json");
    v["SchemaVersion"] = 3.into();
    let mut snap = Snapshot::default();
    load(&mut snap, &mut BTreeMap::new(), Path::new("t.json"), 0, &v);
    assert_eq!(snap.vuln.reports.len(), 1, "read as version 2");
    assert!(
        snap.warnings
            .iter()
            .any(|w| w.field.as_deref() == Some("SchemaVersion"))
    );
}

#[test]
fn a_folder_of_manifests_and_reports_loads_every_report() {
    let (snap, stats) = load_paths(&[fixtures()], &FileOptions::default()).expect("loads");
    assert_eq!(stats.objects.get("TrivyReport"), Some(&3));
    assert_eq!(stats.objects.get("GrypeReport"), Some(&1));
    assert_eq!(stats.objects.get("KevCatalog"), Some(&1));
    assert_eq!(snap.vuln.reports.len(), 4);
    assert_eq!(snap.workloads.len(), 3);
}
