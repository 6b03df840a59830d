//! Vulnerability context: how exploitable a workload is, from the scans of its images.
//!
//! Reports (Trivy, Grype; `snapshot::VulnScans`) are matched to a workload's containers by
//! normalised image reference ([`ImageRef`]: registry `docker.io` by default, `library/`
//! for single-name Docker Hub images, tag `latest` when neither tag nor digest is given; a
//! digest match wins over a tag match), or, for Trivy's cluster report, by the workload's
//! namespace/kind/name directly.
//!
//! The likelihood of the steps into a workload (`APP_COMPROMISE`, the entry part of
//! `EXPOSED_HOSTPORT`, and `LATERAL_NETWORK` into it) then follows [`Exposure::likelihood`]:
//!
//! - each finding gets a *raise* `r = reach x max(severity, kev)`, where `reach` is 1 for
//!   CVSS v3 attack vector Network (`AV:N`), 0.5 when the report gives no vector (it may be
//!   remote), 0 for Adjacent, Local or Physical; `severity` is 0.8 for critical, 0.6 for
//!   high, 0 otherwise (an unknown severity is taken from the CVSS base score when there is
//!   one); `kev` is 0.9 when the CVE is in the CISA KEV catalog (or the report says it is
//!   known exploited), else 0;
//! - the workload's worst finding (highest `r`, over all its containers) sets
//!   `likelihood = 1 - (1 - base) x (1 - r)`: base 0.5 becomes 0.95 (KEV, network), 0.9
//!   (critical, network), 0.8 (high, network), 0.7 (critical, no vector);
//! - every container covered and no finding at all: `likelihood = base x 0.8`;
//! - otherwise (findings that are not remotely exploitable, or a container whose image no
//!   report covers): `base`, unchanged. Workloads with an uncovered image are listed in the
//!   summary as "not covered by a scan".
//!
//! Without any report the result is `base` with no evidence, so output is unchanged.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::graph::Evidence;
use crate::index::WorkloadNode;
use crate::snapshot::{Finding, ScanReport, ScanSubject, Snapshot, VulnSeverity};

/// Registry of images named without one (`nginx`, `bitnami/redis`).
pub const DEFAULT_REGISTRY: &str = "docker.io";
/// Tag of images named without tag or digest.
pub const DEFAULT_TAG: &str = "latest";
/// Factor on the default likelihood when every image of a workload is scanned clean.
pub const CLEAN_FACTOR: f64 = 0.8;
/// Raise of a critical / high finding (times the reach of its attack vector).
pub const CRITICAL_RAISE: f64 = 0.8;
pub const HIGH_RAISE: f64 = 0.6;
/// Raise of a finding in the CISA KEV catalog (times the reach of its attack vector).
pub const KEV_RAISE: f64 = 0.9;
/// Reach of a finding whose report gives no CVSS v3 vector: it may or may not be remote.
pub const UNKNOWN_VECTOR_REACH: f64 = 0.5;

/// A container image reference, normalised so that `nginx`, `docker.io/library/nginx:latest`
/// and `index.docker.io/library/nginx` compare equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageRef {
    /// Lower-cased registry host, with its port (`registry.local:5000`).
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:...`, lower-cased.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parse and normalise a reference as a container runtime would; `None` for what cannot
    /// be one (empty, spaces, a path).
    pub fn parse(reference: &str) -> Option<ImageRef> {
        let s = reference.trim();
        if s.is_empty() || s.chars().any(char::is_whitespace) || s.starts_with('/') {
            return None;
        }
        let (name, digest) = match s.split_once('@') {
            Some((n, d)) if d.contains(':') && !d.contains('/') => {
                (n, Some(d.to_ascii_lowercase()))
            }
            Some(_) => return None,
            None => (s, None),
        };
        // A tag follows the last ':' only when no '/' comes after it (else it is a port).
        let (path, tag) = match name.rsplit_once(':') {
            Some((p, t)) if !t.contains('/') && !t.is_empty() => (p, Some(t.to_string())),
            Some((_, "")) => return None,
            _ => (name, None),
        };
        let (registry, repository) = match path.split_once('/') {
            // Docker's rule: the first component is a registry when it looks like a host.
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_ascii_lowercase(), rest.to_string())
            }
            _ => (DEFAULT_REGISTRY.to_string(), path.to_string()),
        };
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
                DEFAULT_REGISTRY.to_string()
            }
            _ => registry,
        };
        if repository.is_empty() || repository.split('/').any(str::is_empty) {
            return None;
        }
        let repository = if registry == DEFAULT_REGISTRY && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        let tag = match (tag, &digest) {
            (None, None) => Some(DEFAULT_TAG.to_string()),
            (t, _) => t,
        };
        Some(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// `registry/repository`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl std::fmt::Display for ImageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// CVSS v3 attack vector of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AttackVector {
    Physical,
    Local,
    Adjacent,
    /// No CVSS v3 vector in the report.
    Unknown,
    Network,
}

impl AttackVector {
    /// The `AV:` metric of a CVSS v3 vector (`CVSS:3.1/AV:N/AC:L/...`).
    pub fn of_vector(vector: &str) -> Option<AttackVector> {
        vector.split('/').find_map(|m| match m.trim() {
            "AV:N" => Some(AttackVector::Network),
            "AV:A" => Some(AttackVector::Adjacent),
            "AV:L" => Some(AttackVector::Local),
            "AV:P" => Some(AttackVector::Physical),
            _ => None,
        })
    }

    /// The most remote vector among the report's (sources may disagree; the attacker picks).
    pub fn of_finding(f: &Finding) -> AttackVector {
        f.cvss_vectors
            .iter()
            .filter_map(|v| AttackVector::of_vector(v))
            .max()
            .unwrap_or(AttackVector::Unknown)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AttackVector::Network => "network",
            AttackVector::Adjacent => "adjacent network",
            AttackVector::Local => "local",
            AttackVector::Physical => "physical",
            AttackVector::Unknown => "attack vector unknown",
        }
    }

    fn reach(self) -> f64 {
        match self {
            AttackVector::Network => 1.0,
            AttackVector::Unknown => UNKNOWN_VECTOR_REACH,
            _ => 0.0,
        }
    }
}

/// A finding as the formula sees it.
#[derive(Debug, Clone)]
pub struct Rated<'a> {
    pub finding: &'a Finding,
    pub report: &'a ScanReport,
    /// The CVE id shown (a related CVE when the report's own id is an advisory's).
    pub shown_id: &'a str,
    pub severity: VulnSeverity,
    pub vector: AttackVector,
    pub kev: bool,
    /// `r` of the formula, in [0, 1).
    pub raise: f64,
    /// The image as the workload names it (or the report's artifact for a cluster report).
    pub image: String,
}

impl Rated<'_> {
    /// `CVE-2021-44228 (critical, network, KEV) in log4j-core 2.14.1, fixed in 2.15.0`.
    pub fn describe(&self) -> String {
        let f = self.finding;
        let kev = if self.kev { ", KEV" } else { "" };
        let fixed = match &f.fixed_version {
            Some(v) => format!(", fixed in {v}"),
            None => ", no fixed version yet".to_string(),
        };
        format!(
            "{} ({}, {}{kev}) in {} {}{fixed}",
            self.shown_id,
            self.severity.as_str(),
            self.vector.as_str(),
            f.package,
            f.installed_version
        )
    }

    fn key(&self) -> (u64, bool, VulnSeverity, u64) {
        // Order: raise, KEV, severity, score; ties then by id (in `worst`).
        let score = self.finding.cvss_score.unwrap_or(0.0);
        (
            (self.raise * 1e6) as u64,
            self.kev,
            self.severity,
            (score * 1e3) as u64,
        )
    }
}

/// A package upgrade that removes a workload's worst finding: "upgrade PKG to FIXED in
/// IMAGE". For the entry step's remediation and for fix plans.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Upgrade {
    pub package: String,
    pub installed: String,
    pub fixed: String,
    pub image: String,
    pub vulnerability: String,
}

impl std::fmt::Display for Upgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "upgrade {} to {} in {} ({})",
            self.package, self.fixed, self.image, self.vulnerability
        )
    }
}

/// How scans bear on one workload.
#[derive(Debug, Clone)]
pub enum Exposure<'a> {
    /// No scan report was given at all: nothing changes.
    NoScans,
    /// Some container's image is in no report, and no covered image has a remotely
    /// exploitable finding.
    NotCovered { uncovered: Vec<String> },
    /// Covered, with findings none of which is remotely exploitable and severe.
    NotRemote { reports: Vec<&'a ScanReport> },
    /// Every image covered, no finding at all.
    Clean { reports: Vec<&'a ScanReport> },
    /// The worst remotely exploitable finding (images may also be uncovered).
    Vulnerable {
        worst: Box<Rated<'a>>,
        uncovered: Vec<String>,
    },
}

impl Exposure<'_> {
    /// The likelihood of a step into the workload whose default is `base`.
    pub fn likelihood(&self, base: f64) -> f64 {
        let l = match self {
            Exposure::Vulnerable { worst, .. } => 1.0 - (1.0 - base) * (1.0 - worst.raise),
            Exposure::Clean { .. } => base * CLEAN_FACTOR,
            _ => base,
        };
        l.clamp(f64::MIN_POSITIVE, 1.0)
    }

    /// Whether some image of the workload is in no report (only when reports were given).
    pub fn not_covered(&self) -> bool {
        match self {
            Exposure::NotCovered { .. } => true,
            Exposure::Vulnerable { uncovered, .. } => !uncovered.is_empty(),
            _ => false,
        }
    }

    /// The upgrade that fixes the worst finding, when the report names a fixed version.
    pub fn upgrade(&self) -> Option<Upgrade> {
        let Exposure::Vulnerable { worst, .. } = self else {
            return None;
        };
        let f = worst.finding;
        Some(Upgrade {
            package: f.package.clone(),
            installed: f.installed_version.clone(),
            fixed: f.fixed_version.clone()?,
            image: worst.image.clone(),
            vulnerability: worst.shown_id.to_string(),
        })
    }

    /// The facts behind the likelihood, for the step's evidence (none without scans).
    pub fn evidence(&self, workload: &str) -> Vec<Evidence> {
        match self {
            Exposure::Vulnerable { worst, .. } => {
                // The object names the image (or the workload, for a cluster report).
                let r = &worst.report;
                vec![
                    Evidence::new(
                        report_object(r),
                        worst.finding.field.clone(),
                        format!("{} ({} report)", worst.describe(), r.scanner.as_str()),
                    )
                    .at(&r.source),
                ]
            }
            Exposure::Clean { reports } => reports
                .iter()
                .map(|r| {
                    Evidence::new(
                        report_object(r),
                        "",
                        format!(
                            "{} report: no known vulnerability in the image of {workload} (likelihood x{CLEAN_FACTOR})",
                            r.scanner.as_str()
                        ),
                    )
                    .at(&r.source)
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The remediation of a step into the workload: the upgrade first, when there is one.
    pub fn remediation(&self, remediation: String) -> String {
        match self.upgrade() {
            Some(u) => {
                let u = u.to_string();
                let mut first = u.chars();
                let capital = first
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + first.as_str())
                    .unwrap_or_default();
                format!("{capital}. {remediation}")
            }
            None => remediation,
        }
    }
}

fn report_object(r: &ScanReport) -> String {
    match &r.subject {
        ScanSubject::Image { .. } => format!("Image/{}", r.artifact),
        ScanSubject::Workload { .. } => r.artifact.clone(),
    }
}

/// Reports by how they match workloads, built once per snapshot.
#[derive(Debug)]
pub struct VulnIndex<'a> {
    reports: Vec<&'a ScanReport>,
    kev: &'a BTreeSet<String>,
    by_digest: HashMap<String, Vec<usize>>,
    /// (registry/repository, tag) -> reports.
    by_tag: HashMap<(String, String), Vec<usize>>,
    /// Digests each report gives, per repository name (a tag match with another digest is
    /// another build).
    digests: Vec<BTreeMap<String, BTreeSet<String>>>,
    /// (namespace, kind, name) -> cluster reports.
    by_workload: HashMap<(&'a str, &'a str, &'a str), Vec<usize>>,
}

impl<'a> VulnIndex<'a> {
    pub fn new(snapshot: &'a Snapshot) -> Self {
        let mut ix = VulnIndex {
            reports: Vec::new(),
            kev: &snapshot.vuln.kev,
            by_digest: HashMap::new(),
            by_tag: HashMap::new(),
            digests: Vec::new(),
            by_workload: HashMap::new(),
        };
        for (i, r) in snapshot.vuln.reports.iter().enumerate() {
            ix.reports.push(r);
            let mut digests: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            match &r.subject {
                ScanSubject::Image { references } => {
                    for image in references.iter().filter_map(|s| ImageRef::parse(s)) {
                        if let Some(d) = &image.digest {
                            ix.by_digest.entry(d.clone()).or_default().push(i);
                            digests.entry(image.name()).or_default().insert(d.clone());
                        }
                        if let Some(t) = &image.tag {
                            ix.by_tag
                                .entry((image.name(), t.clone()))
                                .or_default()
                                .push(i);
                        }
                    }
                }
                ScanSubject::Workload {
                    namespace,
                    kind,
                    name,
                } => ix
                    .by_workload
                    .entry((namespace.as_str(), kind.as_str(), name.as_str()))
                    .or_default()
                    .push(i),
            }
            ix.digests.push(digests);
        }
        for v in ix.by_digest.values_mut().chain(ix.by_tag.values_mut()) {
            v.dedup();
        }
        ix
    }

    pub fn has_reports(&self) -> bool {
        !self.reports.is_empty()
    }

    /// The reports of an image: those naming its digest; else those naming its tag, unless
    /// they give another digest for the repository while the container pins one.
    pub fn reports_for_image(&self, image: &str) -> Vec<&'a ScanReport> {
        let Some(r) = ImageRef::parse(image) else {
            return Vec::new();
        };
        if let Some(d) = &r.digest
            && let Some(hits) = self.by_digest.get(d)
        {
            return hits.iter().map(|&i| self.reports[i]).collect();
        }
        let Some(tag) = &r.tag else {
            return Vec::new();
        };
        let name = r.name();
        self.by_tag
            .get(&(name.clone(), tag.clone()))
            .into_iter()
            .flatten()
            .filter(|&&i| match (&r.digest, self.digests[i].get(&name)) {
                (Some(d), Some(known)) => known.contains(d),
                _ => true,
            })
            .map(|&i| self.reports[i])
            .collect()
    }

    /// Cluster reports (Trivy k8s) naming the workload or one of its Pods.
    fn reports_for_workload(&self, w: &WorkloadNode<'_>) -> Vec<&'a ScanReport> {
        let mut keys = vec![
            (w.namespace, w.kind, w.name),
            (
                w.namespace,
                w.spec.kind().as_str(),
                w.spec.meta.name.as_str(),
            ),
        ];
        keys.extend(
            w.pods
                .iter()
                .map(|p| (w.namespace, "Pod", p.meta.name.as_str())),
        );
        let mut out: Vec<usize> = keys
            .iter()
            .filter_map(|k| self.by_workload.get(k))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out.into_iter().map(|i| self.reports[i]).collect()
    }

    fn rate(&self, finding: &'a Finding, report: &'a ScanReport, image: &str) -> Rated<'a> {
        let severity = match finding.severity {
            VulnSeverity::Unknown => finding
                .cvss_score
                .map(VulnSeverity::from_score)
                .unwrap_or(VulnSeverity::Unknown),
            s => s,
        };
        let ids = std::iter::once(&finding.id).chain(&finding.aliases);
        let kev = finding.known_exploited
            || ids
                .clone()
                .any(|id| self.kev.contains(&id.to_ascii_uppercase()));
        let shown_id = if finding.id.to_ascii_uppercase().starts_with("CVE-") {
            finding.id.as_str()
        } else {
            ids.clone()
                .find(|id| id.to_ascii_uppercase().starts_with("CVE-"))
                .unwrap_or(&finding.id)
                .as_str()
        };
        let vector = AttackVector::of_finding(finding);
        let severity_raise = match severity {
            VulnSeverity::Critical => CRITICAL_RAISE,
            VulnSeverity::High => HIGH_RAISE,
            _ => 0.0,
        };
        let kev_raise = if kev { KEV_RAISE } else { 0.0 };
        Rated {
            finding,
            report,
            shown_id,
            severity,
            vector,
            kev,
            raise: vector.reach() * severity_raise.max(kev_raise),
            image: image.to_string(),
        }
    }

    /// How scans bear on a workload (its regular containers: init containers have finished
    /// before it serves, ephemeral ones are not part of it).
    pub fn exposure(&self, w: &WorkloadNode<'_>) -> Exposure<'a> {
        if !self.has_reports() {
            return Exposure::NoScans;
        }
        let containers = &w.spec.pod_spec.containers;
        let direct = self.reports_for_workload(w);
        // The image a cluster report stands for: the only container's, else the workload.
        let direct_image = match containers.as_slice() {
            [only] => only.image.clone().unwrap_or_else(|| w.object()),
            _ => w.object(),
        };
        let mut scanned: Vec<(&'a ScanReport, String)> =
            direct.iter().map(|&r| (r, direct_image.clone())).collect();
        let mut uncovered = Vec::new();
        for c in containers {
            let image = c.image.as_deref().unwrap_or("");
            let found = self.reports_for_image(image);
            if found.is_empty() && direct.is_empty() {
                uncovered.push(if image.is_empty() {
                    format!("container {} (no image)", c.name)
                } else {
                    image.to_string()
                });
            }
            scanned.extend(found.into_iter().map(|r| (r, image.to_string())));
        }
        if containers.is_empty() && direct.is_empty() {
            uncovered.push("no container".to_string());
        }
        let worst = scanned
            .iter()
            .flat_map(|(r, image)| r.findings.iter().map(move |f| self.rate(f, r, image)))
            .filter(|r| r.raise > 0.0)
            .max_by(|a, b| {
                a.key()
                    .cmp(&b.key())
                    // Deterministic among equals: the smaller id, package, image wins.
                    .then_with(|| b.shown_id.cmp(a.shown_id))
                    .then_with(|| b.finding.package.cmp(&a.finding.package))
                    .then_with(|| b.image.cmp(&a.image))
            });
        if let Some(worst) = worst {
            return Exposure::Vulnerable {
                worst: Box::new(worst),
                uncovered,
            };
        }
        if !uncovered.is_empty() {
            return Exposure::NotCovered { uncovered };
        }
        let mut reports: Vec<&'a ScanReport> = scanned.into_iter().map(|(r, _)| r).collect();
        reports.sort_by(|a, b| (&a.source, &a.artifact).cmp(&(&b.source, &b.artifact)));
        reports.dedup_by(|a, b| a.source == b.source && a.artifact == b.artifact);
        if reports.iter().all(|r| r.findings.is_empty()) {
            Exposure::Clean { reports }
        } else {
            Exposure::NotRemote { reports }
        }
    }
}

/// Workload node ids whose images some report should cover but none does; `None` when no
/// scan report was given (the summary then says nothing about scans).
pub fn not_covered(snapshot: &Snapshot) -> Option<Vec<String>> {
    let vuln = VulnIndex::new(snapshot);
    if !vuln.has_reports() {
        return None;
    }
    let mut out: Vec<String> = crate::index::group_workloads(&snapshot.workloads)
        .iter()
        .filter(|w| vuln.exposure(w).not_covered())
        .map(|w| w.id.clone())
        .collect();
    out.sort();
    Some(out)
}

/// The upgrade that removes the worst remotely exploitable finding of a workload node
/// (`workload:NS/KIND/NAME`), for fix plans: "upgrade PKG to FIXED in IMAGE".
pub fn upgrade_for(ix: &crate::Index<'_>, workload_id: &str) -> Option<Upgrade> {
    let w = ix.workloads.iter().find(|w| w.id == workload_id)?;
    ix.vuln.exposure(w).upgrade()
}

#[cfg(test)]
mod tests;
