//! kubepath-collectors: turn inputs into an engine `Snapshot`.
//!
//! Today: files and folders of Kubernetes manifests, `kubectl get` dumps and AWS IAM
//! `get-account-authorization-details` JSON ([`load_paths`]).

mod aws_auth;
mod azure;
mod config;
mod eks;
pub mod files;
mod gcp;
pub mod live;
mod vuln;
mod yaml;

pub use files::{FileOptions, LoadError, LoadStats, load_paths};

/// Read one JSON document as a vulnerability report (Trivy image or cluster report, Grype,
/// CISA KEV) into `snapshot`, as the files collector does for a document it recognises as
/// one; bad fields become the snapshot's warnings. Returns whether it was recognised. For
/// embedding and for the `vuln_report` fuzz target.
pub fn read_vuln_report(
    snapshot: &mut kubepath_engine::Snapshot,
    file: &std::path::Path,
    value: &serde_json::Value,
) -> bool {
    if vuln::recognise(value).is_none() {
        return false;
    }
    let mut objects = std::collections::BTreeMap::new();
    vuln::load(snapshot, &mut objects, file, 0, value);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_vuln_report_reads_a_trivy_report_and_declines_anything_else() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vuln");
        let text = std::fs::read_to_string(dir.join("trivy-image.json")).expect("fixture");
        let value: serde_json::Value = serde_json::from_str(&text).expect("fixture is JSON");
        let mut snap = kubepath_engine::Snapshot::default();
        assert!(read_vuln_report(
            &mut snap,
            &dir.join("trivy-image.json"),
            &value
        ));
        assert_eq!(snap.vuln.reports.len(), 1);
        assert!(!snap.vuln.reports[0].findings.is_empty());
        let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
        let mut empty = kubepath_engine::Snapshot::default();
        assert!(!read_vuln_report(
            &mut empty,
            std::path::Path::new("p.json"),
            &pod
        ));
        assert_eq!(empty, kubepath_engine::Snapshot::default());
    }
}
