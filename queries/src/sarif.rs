//! SARIF 2.1.0 for code scanning (GitHub and others): one rule per technique, one result per
//! listed chain, located at the manifest file and line of the chain's first step whose
//! evidence came from a file (the first object the user can change in the input).

use kubepath_engine::search::{Chain, Severity, Step};
use kubepath_engine::{CATALOG, Evidence, Technique};
use serde_json::{Value, json};

use crate::{Analysis, round4};

pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://example.invalid/kubepath";

/// SARIF `level` of a chain: code scanning shows `error` as a failure.
pub fn level(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn rule(t: &Technique) -> Value {
    let attack = t
        .attack
        .map(|a| {
            format!(
                "\n\nMITRE ATT&CK: {a} (https://attack.mitre.org/techniques/{})",
                a.replace('.', "/")
            )
        })
        .unwrap_or_default();
    let text = format!(
        "{}: {}.\n\nRemediation: {}{attack}",
        t.id, t.title, t.remediation
    );
    let markdown = format!(
        "**{}**: {}.\n\n**Remediation:** {}{}",
        t.id,
        t.title,
        t.remediation,
        t.attack
            .map(|a| format!(
                "\n\nMITRE ATT&CK: [{a}](https://attack.mitre.org/techniques/{}/)",
                a.replace('.', "/")
            ))
            .unwrap_or_default()
    );
    let mut tags = vec!["security".to_string(), "kubernetes".to_string()];
    if let Some(a) = t.attack {
        tags.push(format!("external/mitre-attack/{a}"));
    }
    json!({
        "id": t.id,
        "name": camel(t.id),
        "shortDescription": {"text": t.title},
        "fullDescription": {"text": format!("{}. Remediation: {}", t.title, t.remediation)},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": tags},
    })
}

/// `EXPOSED_LOADBALANCER` -> `ExposedLoadbalancer` (SARIF rule names are identifiers).
fn camel(id: &str) -> String {
    id.split('_')
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut cs = lower.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Percent-encode a file path into a URI reference (relative paths stay relative, as code
/// scanning wants them relative to the repository root).
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The first step (and its evidence) that points into an input file.
pub fn first_located(chain: &Chain) -> Option<(&Step, &Evidence)> {
    chain.steps.iter().find_map(|s| {
        s.evidence
            .iter()
            .find(|e| e.file.as_deref().is_some_and(|f| !f.is_empty()))
            .map(|e| (s, e))
    })
}

/// FNV-1a, 64-bit: a stable fingerprint without a hashing dependency.
fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn result(chain: &Chain, rule_index: &dyn Fn(&str) -> Option<usize>) -> Value {
    let located = first_located(chain);
    let step = located.map(|(s, _)| s).or(chain.steps.first());
    let technique = step.map_or("", |s| s.technique);
    let nodes = chain.nodes().join(" -> ");
    let steps: Vec<String> = chain
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "{}. {} ({:.2}): {} -> {}. Fix: {}",
                i + 1,
                s.technique,
                s.likelihood,
                s.from,
                s.to,
                s.remediation
            )
        })
        .collect();
    let text = format!(
        "{} attack chain #{} (score {:.3}, {} steps): {nodes}\n{}",
        chain.severity.as_str(),
        chain.rank,
        chain.score,
        chain.steps.len(),
        steps.join("\n")
    );
    let mut r = json!({
        "ruleId": technique,
        "level": level(chain.severity),
        "message": {"text": text},
        "partialFingerprints": {"kubepathChain/v1": format!("{:016x}", fnv1a(&nodes))},
        "properties": {
            "rank": chain.rank,
            "score": round4(chain.score),
            "severity": chain.severity.as_str(),
            "source": chain.source,
            "target": chain.target,
            "nodes": chain.nodes(),
        },
    });
    if let Some(i) = rule_index(technique) {
        r["ruleIndex"] = json!(i);
    }
    if let Some((_, ev)) = located {
        let mut physical = json!({
            "artifactLocation": {"uri": uri(ev.file.as_deref().unwrap_or(""))},
        });
        if let Some(line) = ev.line.filter(|&l| l > 0) {
            physical["region"] = json!({"startLine": line});
        }
        r["locations"] = json!([{
            "physicalLocation": physical,
            "message": {"text": ev.to_string()},
        }]);
    }
    r
}

/// The `kubepath scan --format sarif` log. `version` is the tool's version.
///
/// ```
/// # use kubepath_engine::{Options, analyze, ingest::snapshot_from_values};
/// # use serde_json::json;
/// let objects = vec![
///     json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
///            "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]}}),
///     json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
///            "spec": {"containers": [{"name": "c", "image": "i", "securityContext": {"privileged": true}}]}}),
///     json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "b"},
///            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
///            "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "shop"}]}),
/// ];
/// let analysis = analyze(&snapshot_from_values(objects, "default").0, &Options::default());
/// let log = kubepath_queries::sarif::scan(&analysis, "0.1.0");
/// assert_eq!(log["version"], "2.1.0");
/// let result = &log["runs"][0]["results"][0];
/// assert_eq!(result["ruleId"], "EXPOSED_NODEPORT");
/// assert_eq!(result["level"], "error");
/// ```
pub fn scan(analysis: &Analysis, version: &str) -> Value {
    let rules: Vec<Value> = CATALOG.iter().map(|t| rule(t)).collect();
    let index = |id: &str| CATALOG.iter().position(|t| t.id == id);
    let results: Vec<Value> = analysis.chains.iter().map(|c| result(c, &index)).collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kubepath",
                "version": version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "results": results,
            "properties": {
                "chains": analysis.summary.chains,
                "targets": analysis.summary.targets,
            },
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_camel_case_of_the_id() {
        assert_eq!(camel("EXPOSED_LOADBALANCER"), "ExposedLoadbalancer");
    }

    #[test]
    fn uris_are_percent_encoded_and_relative_paths_stay_relative() {
        assert_eq!(uri("samples/a b.yaml"), "samples/a%20b.yaml");
        assert_eq!(uri("/tmp/x#.yaml"), "file:///tmp/x%23.yaml");
    }

    #[test]
    fn severities_map_to_levels() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
    }
}
