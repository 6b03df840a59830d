//! kubepath-queries: shaping the engine's results for people and machines.
//!
//! Renderers take an [`Analysis`] (and what the collectors said about the input) and return
//! text; they do no I/O, so the CLI decides where the text goes.

pub mod json;
pub mod table;

pub mod bloodhound;
pub mod chokepoints;
pub mod cypher;
pub mod diff;
pub mod dot;
pub mod fix_plan;
pub mod html;
pub mod markdown;
pub mod query;
pub mod rank;
pub mod sarif;
pub mod select;

use std::collections::BTreeMap;

use serde::Serialize;

pub use kubepath_engine::Analysis;

/// The contract version printed in every JSON document.
pub const SCHEMA: &str = "kubepath/v1";

/// What was read, for the report header (filled by the CLI from the collectors' stats).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InputSummary {
    pub files: usize,
    pub documents: usize,
    /// Objects read, by kind.
    pub objects: BTreeMap<String, usize>,
}

/// Round a score or likelihood for display, so outputs stay stable and readable.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
