//! Shared helpers for the benches: where the bundled samples are.

use std::path::PathBuf;

/// A folder under `samples/`.
pub fn sample(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../samples")).join(name)
}
