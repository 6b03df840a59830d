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
