//! Vulnerability scans of the images in use: Trivy and Grype JSON reports, and the CISA
//! Known Exploited Vulnerabilities catalog. The collectors keep, per finding, only what the
//! likelihood formula and the evidence need (`engine::vuln` reads them).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::Source;

/// Every scan read, and the KEV catalog (if one was given).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VulnScans {
    pub reports: Vec<ScanReport>,
    /// CVE ids listed in a CISA KEV catalog (`vulnerabilities[].cveID`), upper-cased.
    pub kev: BTreeSet<String>,
    /// The KEV catalog files read (for evidence).
    pub kev_sources: Vec<Source>,
}

impl VulnScans {
    /// Whether any scan report was given (a KEV catalog alone scans nothing).
    pub fn has_reports(&self) -> bool {
        !self.reports.is_empty()
    }
}

/// The tool that wrote a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scanner {
    /// `trivy image --format json` (schema version 2).
    #[default]
    TrivyImage,
    /// `trivy k8s --format json`: one report per Kubernetes resource.
    TrivyK8s,
    /// `grype -o json`.
    Grype,
}

impl Scanner {
    pub fn as_str(self) -> &'static str {
        match self {
            Scanner::TrivyImage => "trivy image",
            Scanner::TrivyK8s => "trivy k8s",
            Scanner::Grype => "grype",
        }
    }
}

/// What a report scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScanSubject {
    /// An image, by every reference the report gives (the name scanned, repo tags, repo
    /// digests), as written there; `engine::vuln` normalises them.
    Image { references: Vec<String> },
    /// A Kubernetes workload (Trivy's cluster report ties findings to namespace/kind/name).
    Workload {
        namespace: String,
        kind: String,
        name: String,
    },
}

impl Default for ScanSubject {
    fn default() -> Self {
        ScanSubject::Image {
            references: Vec::new(),
        }
    }
}

/// One scan report (for Trivy's cluster report: one resource of it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScanReport {
    pub scanner: Scanner,
    pub subject: ScanSubject,
    /// The report's name for what it scanned (`ArtifactName`, `source.target.userInput`,
    /// `Deployment/shop/web`), for evidence.
    pub artifact: String,
    pub findings: Vec<Finding>,
    pub source: Source,
}

/// A severity as the scanner rates it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum VulnSeverity {
    /// UNKNOWN, negligible or missing.
    #[default]
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl VulnSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            VulnSeverity::Unknown => "unknown",
            VulnSeverity::Low => "low",
            VulnSeverity::Medium => "medium",
            VulnSeverity::High => "high",
            VulnSeverity::Critical => "critical",
        }
    }

    /// Trivy (`CRITICAL`) and Grype (`Critical`) spellings; anything else is unknown.
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "critical" => VulnSeverity::Critical,
            "high" => VulnSeverity::High,
            "medium" | "moderate" => VulnSeverity::Medium,
            "low" => VulnSeverity::Low,
            _ => VulnSeverity::Unknown,
        }
    }

    /// The CVSS v3 qualitative rating of a base score.
    pub fn from_score(score: f64) -> Self {
        match score {
            s if s >= 9.0 => VulnSeverity::Critical,
            s if s >= 7.0 => VulnSeverity::High,
            s if s >= 4.0 => VulnSeverity::Medium,
            s if s > 0.0 => VulnSeverity::Low,
            _ => VulnSeverity::Unknown,
        }
    }
}

/// One vulnerability of one package in a scanned image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Finding {
    /// `CVE-2021-44228`, `GHSA-...`.
    pub id: String,
    /// Other ids of the same vulnerability (Grype's `relatedVulnerabilities`).
    pub aliases: Vec<String>,
    pub severity: VulnSeverity,
    /// CVSS v3 vectors the report gives (`CVSS:3.1/AV:N/AC:L/...`), first preferred.
    pub cvss_vectors: Vec<String>,
    /// The highest CVSS v3 base score the report gives.
    pub cvss_score: Option<f64>,
    /// The report itself says the vulnerability is known exploited (Grype `knownExploited`).
    pub known_exploited: bool,
    pub package: String,
    pub installed_version: String,
    pub fixed_version: Option<String>,
    /// Where the finding is in the report (`Results[0].Vulnerabilities[3]`).
    pub field: String,
}
