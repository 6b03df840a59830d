//! What one live collector hands back: files in the native formats, the gaps it met and the
//! facts it learnt. The writer turns these into a snapshot folder.

use kubepath_engine::snapshot::{CoverageGap, Facts};

/// One file of a snapshot folder, in a format the offline reader recognises by content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectedFile {
    /// File name relative to the snapshot folder (`kubernetes/pods.json`, `aws/iam.json`).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The outcome of one collector (Kubernetes, AWS, ...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Collection {
    pub files: Vec<CollectedFile>,
    /// What could not be read; not fatal.
    pub gaps: Vec<CoverageGap>,
    /// Facts learnt on the way (account, OIDC issuer, provider, cluster ARN).
    pub facts: Facts,
    /// The collector did not run at all (no kubeconfig, no credentials), and why.
    pub skipped: Option<String>,
}

impl Collection {
    /// Whether anything at all was collected.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
