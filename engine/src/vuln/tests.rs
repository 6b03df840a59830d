use super::*;
use crate::snapshot::{Scanner, Source};
use crate::testutil::snapshot;

/// (reference, registry, repository, tag, digest)
type Row<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Option<&'a str>);

#[test]
fn image_references_normalise_like_a_container_runtime() {
    let table: &[Row] = &[
        ("nginx", "docker.io", "library/nginx", Some("latest"), None),
        (
            "nginx:1.25",
            "docker.io",
            "library/nginx",
            Some("1.25"),
            None,
        ),
        (
            "docker.io/nginx",
            "docker.io",
            "library/nginx",
            Some("latest"),
            None,
        ),
        (
            "docker.io/library/nginx:latest",
            "docker.io",
            "library/nginx",
            Some("latest"),
            None,
        ),
        (
            "index.docker.io/library/nginx",
            "docker.io",
            "library/nginx",
            Some("latest"),
            None,
        ),
        (
            "registry-1.docker.io/nginx:1",
            "docker.io",
            "library/nginx",
            Some("1"),
            None,
        ),
        (
            "bitnami/redis:7.2",
            "docker.io",
            "bitnami/redis",
            Some("7.2"),
            None,
        ),
        (
            "jenkins/jenkins:2.440.3-lts-jdk17",
            "docker.io",
            "jenkins/jenkins",
            Some("2.440.3-lts-jdk17"),
            None,
        ),
        (
            "quay.io/prometheus/prometheus:v2.51.2",
            "quay.io",
            "prometheus/prometheus",
            Some("v2.51.2"),
            None,
        ),
        (
            "Quay.IO/prometheus/prometheus",
            "quay.io",
            "prometheus/prometheus",
            Some("latest"),
            None,
        ),
        // A port in the registry host is not a tag.
        (
            "registry.local:5000/team/app",
            "registry.local:5000",
            "team/app",
            Some("latest"),
            None,
        ),
        (
            "registry.local:5000/team/app:1.2",
            "registry.local:5000",
            "team/app",
            Some("1.2"),
            None,
        ),
        ("localhost/app:dev", "localhost", "app", Some("dev"), None),
        (
            "localhost:5000/app",
            "localhost:5000",
            "app",
            Some("latest"),
            None,
        ),
        // A digest alone: no implicit tag.
        (
            "nginx@sha256:ABCDEF",
            "docker.io",
            "library/nginx",
            None,
            Some("sha256:abcdef"),
        ),
        (
            "nginx:1.25@sha256:abc",
            "docker.io",
            "library/nginx",
            Some("1.25"),
            Some("sha256:abc"),
        ),
        (
            "registry.local:5000/app@sha256:abc",
            "registry.local:5000",
            "app",
            None,
            Some("sha256:abc"),
        ),
        (
            "111122223333.dkr.ecr.us-east-1.amazonaws.com/shop/storefront:4.18.2",
            "111122223333.dkr.ecr.us-east-1.amazonaws.com",
            "shop/storefront",
            Some("4.18.2"),
            None,
        ),
    ];
    for &(input, registry, repository, tag, digest) in table {
        let r = ImageRef::parse(input).unwrap_or_else(|| panic!("{input} parses"));
        assert_eq!(r.registry, registry, "{input}");
        assert_eq!(r.repository, repository, "{input}");
        assert_eq!(r.tag.as_deref(), tag, "{input}");
        assert_eq!(r.digest.as_deref(), digest, "{input}");
    }
    for bad in [
        "",
        "  ",
        "nginx:",
        "/tmp/rootfs",
        "my app",
        "a//b",
        "nginx@latest",
    ] {
        assert_eq!(ImageRef::parse(bad), None, "{bad:?}");
    }
    assert_eq!(
        ImageRef::parse("nginx"),
        ImageRef::parse("docker.io/library/nginx:latest")
    );
    assert_ne!(ImageRef::parse("nginx:1"), ImageRef::parse("nginx:2"));
}

#[test]
fn attack_vector_is_read_from_the_cvss_v3_vector() {
    assert_eq!(
        AttackVector::of_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"),
        Some(AttackVector::Network)
    );
    assert_eq!(
        AttackVector::of_vector("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"),
        Some(AttackVector::Local)
    );
    assert_eq!(AttackVector::of_vector("garbage"), None);
}

const WEB: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: 'registry.local:5000/shop/web:1.0'}
      - {name: proxy, image: envoyproxy/envoy:v1.29.1}
";

fn finding(id: &str, severity: VulnSeverity, vector: Option<&str>) -> Finding {
    Finding {
        id: id.into(),
        severity,
        cvss_vectors: vector.map(|v| vec![v.to_string()]).unwrap_or_default(),
        package: "log4j-core".into(),
        installed_version: "2.14.1".into(),
        fixed_version: Some("2.15.0".into()),
        field: "Results[0].Vulnerabilities[0]".into(),
        ..Finding::default()
    }
}

fn image_report(refs: &[&str], findings: Vec<Finding>) -> ScanReport {
    ScanReport {
        scanner: Scanner::TrivyImage,
        subject: ScanSubject::Image {
            references: refs.iter().map(|s| s.to_string()).collect(),
        },
        artifact: refs.first().copied().unwrap_or_default().to_string(),
        findings,
        source: Source {
            file: "scan.json".into(),
            document: 0,
            line: None,
        },
    }
}

const NETWORK: Option<&str> = Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
const LOCAL: Option<&str> = Some("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H");

/// The likelihood APP_COMPROMISE (0.5) gets for `web` with these reports.
fn likelihood_with(reports: Vec<ScanReport>, kev: &[&str]) -> (f64, bool) {
    let mut snap = snapshot(WEB);
    snap.vuln.reports = reports;
    snap.vuln.kev = kev.iter().map(|s| s.to_string()).collect();
    let ix = crate::Index::new(&snap);
    let e = ix.vuln.exposure(&ix.workloads[0]);
    (e.likelihood(0.5), e.not_covered())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn worst_remote_finding_sets_the_likelihood_and_kev_raises_most() {
    let envoy_clean = image_report(&["envoyproxy/envoy:v1.29.1"], vec![]);
    let web = |f: Vec<Finding>| image_report(&["registry.local:5000/shop/web:1.0"], f);
    let crit = finding("CVE-2021-44228", VulnSeverity::Critical, NETWORK);
    let (l, uncovered) = likelihood_with(vec![web(vec![crit.clone()]), envoy_clean.clone()], &[]);
    assert!(close(l, 0.9) && !uncovered, "{l}");
    let (kev, _) = likelihood_with(
        vec![web(vec![crit.clone()]), envoy_clean.clone()],
        &["CVE-2021-44228"],
    );
    assert!(close(kev, 0.95), "{kev}");
    let high = finding("CVE-1", VulnSeverity::High, NETWORK);
    let (h, _) = likelihood_with(vec![web(vec![high]), envoy_clean.clone()], &[]);
    assert!(close(h, 0.8), "{h}");
    // Local vector: not remotely exploitable, even if critical and KEV.
    let local = finding("CVE-2", VulnSeverity::Critical, LOCAL);
    let (l2, _) = likelihood_with(vec![web(vec![local]), envoy_clean.clone()], &["CVE-2"]);
    assert!(close(l2, 0.5), "{l2}");
    // No vector: half the reach.
    let novector = finding("CVE-3", VulnSeverity::Critical, None);
    let (l3, _) = likelihood_with(vec![web(vec![novector]), envoy_clean.clone()], &[]);
    assert!(close(l3, 0.7), "{l3}");
    // Unknown severity falls back to the CVSS score.
    let mut unknown = finding("CVE-4", VulnSeverity::Unknown, NETWORK);
    unknown.cvss_score = Some(9.8);
    let (l4, _) = likelihood_with(vec![web(vec![unknown]), envoy_clean.clone()], &[]);
    assert!(close(l4, 0.9), "{l4}");
    let mut unknown = finding("CVE-5", VulnSeverity::Unknown, NETWORK);
    unknown.cvss_score = None;
    let (l5, _) = likelihood_with(vec![web(vec![unknown]), envoy_clean], &[]);
    assert!(close(l5, 0.5), "{l5}");
}

#[test]
fn several_containers_take_the_worst_and_clean_images_lower_the_likelihood() {
    let envoy_bad = image_report(
        &["docker.io/envoyproxy/envoy:v1.29.1"],
        vec![finding("CVE-9", VulnSeverity::High, NETWORK)],
    );
    let web_crit = image_report(
        &["registry.local:5000/shop/web:1.0"],
        vec![finding("CVE-8", VulnSeverity::Critical, NETWORK)],
    );
    let (l, _) = likelihood_with(vec![envoy_bad.clone(), web_crit], &[]);
    assert!(close(l, 0.9), "{l}");
    let web_clean = image_report(&["registry.local:5000/shop/web:1.0"], vec![]);
    let envoy_clean = image_report(&["envoyproxy/envoy:v1.29.1"], vec![]);
    let (clean, uncovered) = likelihood_with(vec![web_clean.clone(), envoy_clean], &[]);
    assert!(close(clean, 0.4) && !uncovered, "{clean}");
    // One image not covered: the default stays and the workload is listed.
    let (partial, uncovered) = likelihood_with(vec![web_clean], &[]);
    assert!(close(partial, 0.5) && uncovered, "{partial}");
    // A covered image's remote finding still counts when another is not covered.
    let (l, uncovered) = likelihood_with(vec![envoy_bad], &[]);
    assert!(close(l, 0.8) && uncovered, "{l}");
}

#[test]
fn digest_match_wins_over_tag_match_and_another_digest_is_another_build() {
    let yaml = "
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default}
spec: {containers: [{name: c, image: 'nginx:1.25@sha256:aaa'}]}
";
    let mut snap = snapshot(yaml);
    let by_tag = image_report(
        &["nginx:1.25"],
        vec![finding("CVE-T", VulnSeverity::High, NETWORK)],
    );
    let by_digest = image_report(
        &["docker.io/library/nginx@sha256:AAA"],
        vec![finding("CVE-D", VulnSeverity::Critical, NETWORK)],
    );
    let other_build = image_report(
        &["nginx:1.25", "nginx@sha256:bbb"],
        vec![finding("CVE-O", VulnSeverity::Critical, NETWORK)],
    );
    snap.vuln.reports = vec![by_tag.clone(), by_digest, other_build.clone()];
    let ix = crate::Index::new(&snap);
    let found = ix.vuln.reports_for_image("nginx:1.25@sha256:aaa");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].findings[0].id, "CVE-D");
    // Without a digest report: the tag report, not the one that names another digest.
    snap.vuln.reports = vec![by_tag, other_build];
    let ix = crate::Index::new(&snap);
    let found = ix.vuln.reports_for_image("nginx:1.25@sha256:aaa");
    let ids: Vec<&str> = found.iter().map(|r| r.findings[0].id.as_str()).collect();
    assert_eq!(ids, ["CVE-T"]);
    // A digest-only container is not matched by tag.
    assert!(ix.vuln.reports_for_image("nginx@sha256:ccc").is_empty());
}

#[test]
fn cluster_report_matches_the_workload_by_namespace_kind_and_name() {
    let mut snap = snapshot(WEB);
    snap.vuln.reports = vec![ScanReport {
        scanner: Scanner::TrivyK8s,
        subject: ScanSubject::Workload {
            namespace: "shop".into(),
            kind: "Deployment".into(),
            name: "web".into(),
        },
        artifact: "Deployment/shop/web".into(),
        findings: vec![finding("CVE-2021-44228", VulnSeverity::Critical, NETWORK)],
        source: Source::default(),
    }];
    let ix = crate::Index::new(&snap);
    let e = ix.vuln.exposure(&ix.workloads[0]);
    assert!(close(e.likelihood(0.5), 0.9));
    assert!(!e.not_covered());
    let ev = e.evidence("Deployment/shop/web");
    assert!(
        ev[0].detail.starts_with(
            "CVE-2021-44228 (critical, network) in log4j-core 2.14.1, fixed in 2.15.0"
        )
    );
}

#[test]
fn evidence_and_remediation_name_the_finding_and_the_upgrade() {
    let mut snap = snapshot(WEB);
    snap.vuln.reports = vec![image_report(
        &["registry.local:5000/shop/web:1.0"],
        vec![finding("CVE-2021-44228", VulnSeverity::Critical, NETWORK)],
    )];
    snap.vuln.kev.insert("CVE-2021-44228".into());
    let ix = crate::Index::new(&snap);
    let e = ix.vuln.exposure(&ix.workloads[0]);
    let ev = e.evidence("Deployment/shop/web");
    assert_eq!(ev.len(), 1);
    assert!(
        ev[0].detail.starts_with(
            "CVE-2021-44228 (critical, network, KEV) in log4j-core 2.14.1, fixed in 2.15.0"
        ),
        "{}",
        ev[0].detail
    );
    assert_eq!(ev[0].file.as_deref(), Some("scan.json"));
    assert_eq!(ev[0].field, "Results[0].Vulnerabilities[0]");
    let fix = e.remediation("Patch it.".into());
    assert_eq!(
        fix,
        "Upgrade log4j-core to 2.15.0 in registry.local:5000/shop/web:1.0 (CVE-2021-44228). Patch it."
    );
    let up = upgrade_for(&ix, "workload:shop/Deployment/web").expect("an upgrade");
    assert_eq!(
        up.to_string(),
        "upgrade log4j-core to 2.15.0 in registry.local:5000/shop/web:1.0 (CVE-2021-44228)"
    );
    assert_eq!(
        not_covered(&snap),
        Some(vec!["workload:shop/Deployment/web".to_string()])
    );
}

#[test]
fn without_reports_nothing_changes() {
    let snap = snapshot(WEB);
    let ix = crate::Index::new(&snap);
    let e = ix.vuln.exposure(&ix.workloads[0]);
    assert_eq!(e.likelihood(0.5), 0.5);
    assert!(e.evidence("x").is_empty());
    assert_eq!(e.remediation("Fix.".into()), "Fix.");
    assert_eq!(not_covered(&snap), None);
}

#[test]
fn a_vulnerable_exposed_workload_gets_a_likelier_entry_step() {
    let yaml = format!(
        "{WEB}---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: shop}}
spec: {{type: LoadBalancer, selector: {{app: web}}, ports: [{{port: 443}}]}}
"
    );
    let mut snap = snapshot(&yaml);
    snap.vuln.reports = vec![image_report(
        &["registry.local:5000/shop/web:1.0"],
        vec![finding("CVE-2021-44228", VulnSeverity::Critical, NETWORK)],
    )];
    let (g, _) = crate::build_graph(&snap);
    let entry = g.edges_of("APP_COMPROMISE");
    assert_eq!(entry.len(), 1);
    assert!(close(entry[0].2.likelihood, 0.9));
    assert!(
        entry[0]
            .2
            .remediation
            .starts_with("Upgrade log4j-core to 2.15.0")
    );
    let lateral = g.edges_of("LATERAL_NETWORK");
    let into = lateral
        .iter()
        .find(|(f, t, _)| *f == "network:cluster" && *t == "workload:shop/Deployment/web")
        .expect("network -> web");
    assert!(
        close(into.2.likelihood, 1.0 - 0.8 * 0.2),
        "{}",
        into.2.likelihood
    );
}
