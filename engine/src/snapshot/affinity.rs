//! A pod's node affinity: the part of `spec.affinity` that decides which nodes its pods may
//! be scheduled on. Pod (anti-)affinity and preferred terms do not restrict placement and are
//! not kept.

use serde::{Deserialize, Serialize};

/// `spec.affinity`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Affinity {
    pub node_affinity: Option<NodeAffinity>,
}

/// `spec.affinity.nodeAffinity`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeAffinity {
    /// `requiredDuringSchedulingIgnoredDuringExecution`: the pod only goes to nodes it matches.
    #[serde(rename = "requiredDuringSchedulingIgnoredDuringExecution")]
    pub required: Option<NodeSelector>,
}

/// A node selector: its terms are ORed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeSelector {
    pub node_selector_terms: Vec<NodeSelectorTerm>,
}

/// One term: every requirement of `matchExpressions` (on node labels) and `matchFields` (on
/// node fields; the API allows `metadata.name` only) must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeSelectorTerm {
    pub match_expressions: Vec<NodeSelectorRequirement>,
    pub match_fields: Vec<NodeSelectorRequirement>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeSelectorRequirement {
    pub key: String,
    pub operator: NodeSelectorOperator,
    pub values: Vec<String>,
}

/// `NodeSelectorRequirement.operator`. An operator the API does not define is kept as
/// written (`Other`) so that the analysis can name it in a warning.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum NodeSelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
    Other(String),
}

impl Default for NodeSelectorOperator {
    fn default() -> Self {
        NodeSelectorOperator::Other(String::new())
    }
}

impl NodeSelectorOperator {
    pub fn as_str(&self) -> &str {
        match self {
            NodeSelectorOperator::In => "In",
            NodeSelectorOperator::NotIn => "NotIn",
            NodeSelectorOperator::Exists => "Exists",
            NodeSelectorOperator::DoesNotExist => "DoesNotExist",
            NodeSelectorOperator::Gt => "Gt",
            NodeSelectorOperator::Lt => "Lt",
            NodeSelectorOperator::Other(s) => s,
        }
    }
}

impl From<String> for NodeSelectorOperator {
    fn from(s: String) -> Self {
        match s.as_str() {
            "In" => NodeSelectorOperator::In,
            "NotIn" => NodeSelectorOperator::NotIn,
            "Exists" => NodeSelectorOperator::Exists,
            "DoesNotExist" => NodeSelectorOperator::DoesNotExist,
            "Gt" => NodeSelectorOperator::Gt,
            "Lt" => NodeSelectorOperator::Lt,
            _ => NodeSelectorOperator::Other(s),
        }
    }
}

impl From<NodeSelectorOperator> for String {
    fn from(op: NodeSelectorOperator) -> Self {
        op.as_str().to_string()
    }
}

impl std::fmt::Display for NodeSelectorOperator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
