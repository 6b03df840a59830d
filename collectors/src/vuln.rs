//! Vulnerability reports, recognised by content: Trivy image JSON (`trivy image --format
//! json`, schema version 2), Trivy's cluster report (`trivy k8s --format json`, both the
//! `Resources` and the older `Vulnerabilities` layout), Grype JSON (`grype -o json`) and
//! the CISA Known Exploited Vulnerabilities catalog JSON.
//!
//! Only what the likelihood formula and the evidence need is kept (`engine::vuln`). A bad
//! field is a warning naming it; the rest of the report is still read.

use std::collections::BTreeMap;
use std::path::Path;

use kubepath_engine::snapshot::{
    Finding, ScanReport, ScanSubject, Scanner, VulnSeverity, WorkloadKind,
};
use kubepath_engine::{Snapshot, Source, Warning};
use serde_json::Value;

/// Which tool printed a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Doc {
    TrivyImage,
    TrivyK8s,
    Grype,
    Kev,
}

impl Doc {
    fn object(self) -> &'static str {
        match self {
            Doc::TrivyImage => "trivy image report",
            Doc::TrivyK8s => "trivy k8s report",
            Doc::Grype => "grype report",
            Doc::Kev => "CISA KEV catalog",
        }
    }
}

/// The tool that printed `value`, if it is one of those above.
pub(crate) fn recognise(value: &Value) -> Option<Doc> {
    let obj = value.as_object()?;
    if obj.contains_key("kind") || obj.contains_key("apiVersion") {
        return None;
    }
    if obj.contains_key("SchemaVersion") && obj.contains_key("ArtifactName") {
        Some(Doc::TrivyImage)
    } else if obj.contains_key("ClusterName")
        && (obj.contains_key("Resources") || obj.contains_key("Vulnerabilities"))
    {
        Some(Doc::TrivyK8s)
    } else if obj.get("matches").is_some_and(Value::is_array)
        && (obj.contains_key("source") || obj.contains_key("descriptor"))
    {
        Some(Doc::Grype)
    } else if obj.get("vulnerabilities").is_some_and(Value::is_array)
        && (obj.contains_key("catalogVersion") || obj.contains_key("dateReleased"))
    {
        Some(Doc::Kev)
    } else {
        None
    }
}

/// Problems met in one document.
struct Warnings {
    file: String,
    document: usize,
    object: &'static str,
    list: Vec<Warning>,
}

impl Warnings {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        self.list.push(Warning {
            file: self.file.clone(),
            document: Some(self.document),
            object: Some(self.object.to_string()),
            field: (!field.is_empty()).then_some(field),
            message: message.into(),
        });
    }
}

/// Read one recognised document into the snapshot.
pub(crate) fn load(
    snap: &mut Snapshot,
    objects: &mut BTreeMap<String, usize>,
    file: &Path,
    index: usize,
    value: &Value,
) {
    let Some(doc) = recognise(value) else {
        return;
    };
    let source = Source {
        file: file.display().to_string(),
        document: index,
        line: None,
    };
    let mut w = Warnings {
        file: source.file.clone(),
        document: index,
        object: doc.object(),
        list: Vec::new(),
    };
    let (kind, count) = match doc {
        Doc::TrivyImage => ("TrivyReport", trivy_image(snap, value, &source, &mut w)),
        Doc::TrivyK8s => ("TrivyReport", trivy_k8s(snap, value, &source, &mut w)),
        Doc::Grype => ("GrypeReport", grype(snap, value, &source, &mut w)),
        Doc::Kev => ("KevCatalog", kev(snap, value, &source, &mut w)),
    };
    if count > 0 {
        *objects.entry(kind.to_string()).or_default() += count;
    }
    snap.warnings.extend(w.list);
}

fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The strings of an array field; a non-array or non-string item is a warning.
fn strings(v: &Value, field: &str, w: &mut Warnings) -> Vec<String> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let s = text(item);
                if s.is_none() {
                    w.add(format!("{field}[{i}]"), "expected a string; skipped");
                }
                s
            })
            .collect(),
        _ => {
            w.add(field, "expected an array of strings; ignored");
            Vec::new()
        }
    }
}

/// An array field (absent: empty); anything else is a warning.
fn array<'v>(v: &'v Value, field: &str, w: &mut Warnings) -> &'v [Value] {
    match v {
        Value::Null => &[],
        Value::Array(items) => items,
        _ => {
            w.add(field, "expected an array; ignored");
            &[]
        }
    }
}

/// `trivy image --format json`.
fn trivy_image(snap: &mut Snapshot, value: &Value, source: &Source, w: &mut Warnings) -> usize {
    match value.get("SchemaVersion").and_then(Value::as_i64) {
        Some(2) => {}
        other => w.add(
            "SchemaVersion",
            format!(
                "schema version {} is not 2, the one kubepath reads; read as version 2",
                other.map_or_else(|| "(not a number)".to_string(), |n| n.to_string())
            ),
        ),
    }
    if let Some(t) = text(&value["ArtifactType"]).filter(|t| t != "container_image") {
        w.add(
            "ArtifactType",
            format!("{t}: not a container image scan; no workload can be matched to it, skipped"),
        );
        return 0;
    }
    let Some(artifact) = text(&value["ArtifactName"]) else {
        w.add("ArtifactName", "missing or not a string; report skipped");
        return 0;
    };
    let mut references = vec![artifact.clone()];
    references.extend(strings(
        &value["Metadata"]["RepoTags"],
        "Metadata.RepoTags",
        w,
    ));
    references.extend(strings(
        &value["Metadata"]["RepoDigests"],
        "Metadata.RepoDigests",
        w,
    ));
    let findings = trivy_results(&value["Results"], "Results", w);
    snap.vuln.reports.push(ScanReport {
        scanner: Scanner::TrivyImage,
        subject: ScanSubject::Image { references },
        artifact,
        findings,
        source: source.clone(),
    });
    1
}

/// `Results[].Vulnerabilities[]` of a Trivy report.
fn trivy_results(results: &Value, at: &str, w: &mut Warnings) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, result) in array(results, at, w).iter().enumerate() {
        let field = format!("{at}[{i}].Vulnerabilities");
        for (j, v) in array(&result["Vulnerabilities"], &field, w)
            .iter()
            .enumerate()
        {
            let field = format!("{field}[{j}]");
            let Some(id) = text(&v["VulnerabilityID"]) else {
                w.add(
                    format!("{field}.VulnerabilityID"),
                    "missing or not a string; finding skipped",
                );
                continue;
            };
            let mut vectors = Vec::new();
            let mut score: Option<f64> = None;
            if let Some(cvss) = v["CVSS"].as_object() {
                // The vendors Trivy prefers first, then the others by name (a BTreeMap).
                let mut sources: Vec<&String> = cvss.keys().collect();
                sources.sort_by_key(|k| {
                    (
                        ["nvd", "ghsa", "redhat"]
                            .iter()
                            .position(|p| p == k)
                            .unwrap_or(3),
                        k.as_str(),
                    )
                });
                for s in sources {
                    if let Some(vector) = text(&cvss[s]["V3Vector"]) {
                        vectors.push(vector);
                    }
                    if let Some(n) = cvss[s]["V3Score"].as_f64() {
                        score = Some(score.map_or(n, |m: f64| m.max(n)));
                    }
                }
            } else if !v["CVSS"].is_null() {
                w.add(format!("{field}.CVSS"), "expected an object; ignored");
            }
            let severity = match &v["Severity"] {
                Value::String(s) => VulnSeverity::parse(s),
                Value::Null => VulnSeverity::Unknown,
                _ => {
                    w.add(
                        format!("{field}.Severity"),
                        "not a string; taken as unknown",
                    );
                    VulnSeverity::Unknown
                }
            };
            out.push(Finding {
                id,
                aliases: Vec::new(),
                severity,
                cvss_vectors: vectors,
                cvss_score: score,
                known_exploited: false,
                package: text(&v["PkgName"]).unwrap_or_else(|| "(unnamed package)".into()),
                installed_version: text(&v["InstalledVersion"]).unwrap_or_default(),
                fixed_version: text(&v["FixedVersion"]),
                field,
            });
        }
    }
    out
}

/// `trivy k8s --format json`: each resource with image results is a report of that workload.
fn trivy_k8s(snap: &mut Snapshot, value: &Value, source: &Source, w: &mut Warnings) -> usize {
    let key = if value.get("Resources").is_some() {
        "Resources"
    } else {
        "Vulnerabilities"
    };
    let mut count = 0;
    for (i, r) in array(&value[key], key, w).iter().enumerate() {
        let at = format!("{key}[{i}]");
        let results = array(&r["Results"], &format!("{at}.Results"), w);
        // Only image scans: a resource with configuration results only scanned no image.
        let scanned = results.iter().any(|res| {
            res.get("Vulnerabilities").is_some()
                || matches!(res["Class"].as_str(), Some("os-pkgs" | "lang-pkgs"))
        });
        if !scanned {
            continue;
        }
        let (Some(kind), Some(name)) = (text(&r["Kind"]), text(&r["Name"])) else {
            w.add(
                format!("{at}.Kind"),
                "resource without Kind or Name; its findings cannot be tied to a workload, skipped",
            );
            continue;
        };
        if WorkloadKind::from_kind(&kind).is_none() {
            continue;
        }
        let namespace = text(&r["Namespace"]).unwrap_or_else(|| "default".into());
        let findings = trivy_results(&r["Results"], &format!("{at}.Results"), w);
        snap.vuln.reports.push(ScanReport {
            scanner: Scanner::TrivyK8s,
            artifact: format!("{kind}/{namespace}/{name}"),
            subject: ScanSubject::Workload {
                namespace,
                kind,
                name,
            },
            findings,
            source: source.clone(),
        });
        count += 1;
    }
    count
}

/// CVSS v3 vectors and the highest v3 base score of a Grype `cvss[]`.
fn grype_cvss(cvss: &Value, field: &str, w: &mut Warnings) -> (Vec<String>, Option<f64>) {
    let mut vectors = Vec::new();
    let mut score: Option<f64> = None;
    for c in array(cvss, field, w) {
        let Some(vector) = text(&c["vector"]) else {
            continue;
        };
        // Only v3: a v2 vector has the same `AV:N` spelling but other semantics.
        let v3 = c["version"].as_str().is_some_and(|v| v.starts_with('3'))
            || vector.starts_with("CVSS:3");
        if !v3 {
            continue;
        }
        vectors.push(vector);
        if let Some(n) = c["metrics"]["baseScore"].as_f64() {
            score = Some(score.map_or(n, |m: f64| m.max(n)));
        }
    }
    (vectors, score)
}

/// `grype -o json` of an image.
fn grype(snap: &mut Snapshot, value: &Value, source: &Source, w: &mut Warnings) -> usize {
    let src = &value["source"];
    if let Some(t) = text(&src["type"]).filter(|t| t != "image") {
        w.add(
            "source.type",
            format!("{t}: not an image scan; no workload can be matched to it, skipped"),
        );
        return 0;
    }
    let target = &src["target"];
    let user_input = text(&target["userInput"]);
    let mut references: Vec<String> = user_input.iter().cloned().collect();
    references.extend(strings(&target["tags"], "source.target.tags", w));
    references.extend(strings(
        &target["repoDigests"],
        "source.target.repoDigests",
        w,
    ));
    // The manifest digest, under the name scanned, is what a pinned container names.
    if let (Some(name), Some(digest)) = (&user_input, text(&target["manifestDigest"])) {
        let base = name.split('@').next().unwrap_or(name);
        references.push(format!("{base}@{digest}"));
    }
    let Some(artifact) = references.first().cloned() else {
        w.add(
            "source.target.userInput",
            "no image name (userInput, tags or repoDigests); report skipped",
        );
        return 0;
    };
    let mut findings = Vec::new();
    for (i, m) in array(&value["matches"], "matches", w).iter().enumerate() {
        let field = format!("matches[{i}]");
        let v = &m["vulnerability"];
        let Some(id) = text(&v["id"]) else {
            w.add(
                format!("{field}.vulnerability.id"),
                "missing or not a string; finding skipped",
            );
            continue;
        };
        let (mut vectors, mut score) =
            grype_cvss(&v["cvss"], &format!("{field}.vulnerability.cvss"), w);
        let mut aliases = Vec::new();
        let related = array(
            &m["relatedVulnerabilities"],
            &format!("{field}.relatedVulnerabilities"),
            w,
        );
        for (j, r) in related.iter().enumerate() {
            if let Some(rid) = text(&r["id"]).filter(|r| *r != id) {
                aliases.push(rid);
            }
            // The advisory's own scores first; the related records' (NVD) when it has none.
            if vectors.is_empty() {
                let (rv, rs) = grype_cvss(
                    &r["cvss"],
                    &format!("{field}.relatedVulnerabilities[{j}].cvss"),
                    w,
                );
                vectors.extend(rv);
                score = score.or(rs);
            }
        }
        let severity = v["severity"]
            .as_str()
            .map(VulnSeverity::parse)
            .unwrap_or_default();
        let fixed = v["fix"]["versions"]
            .as_array()
            .and_then(|vs| vs.iter().find_map(text));
        let known_exploited = v["knownExploited"]
            .as_array()
            .is_some_and(|k| !k.is_empty());
        findings.push(Finding {
            id,
            aliases,
            severity,
            cvss_vectors: vectors,
            cvss_score: score,
            known_exploited,
            package: text(&m["artifact"]["name"]).unwrap_or_else(|| "(unnamed package)".into()),
            installed_version: text(&m["artifact"]["version"]).unwrap_or_default(),
            fixed_version: fixed,
            field,
        });
    }
    snap.vuln.reports.push(ScanReport {
        scanner: Scanner::Grype,
        subject: ScanSubject::Image { references },
        artifact,
        findings,
        source: source.clone(),
    });
    1
}

/// The CISA KEV catalog: `vulnerabilities[].cveID`.
fn kev(snap: &mut Snapshot, value: &Value, source: &Source, w: &mut Warnings) -> usize {
    let mut n = 0;
    for (i, v) in array(&value["vulnerabilities"], "vulnerabilities", w)
        .iter()
        .enumerate()
    {
        match text(&v["cveID"]) {
            Some(id) => {
                snap.vuln.kev.insert(id.to_ascii_uppercase());
                n += 1;
            }
            None => w.add(
                format!("vulnerabilities[{i}].cveID"),
                "missing or not a string; entry skipped",
            ),
        }
    }
    snap.vuln.kev_sources.push(source.clone());
    usize::from(n > 0)
}

#[cfg(test)]
mod tests;
