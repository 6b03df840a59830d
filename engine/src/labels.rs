//! Label selectors, with the API server's semantics.

use std::collections::BTreeMap;

use crate::snapshot::LabelSelector;

/// Whether a Service-style selector (a plain map) matches these labels. An empty selector
/// matches nothing for a Service: the API server creates no endpoints from it.
pub fn map_selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Why a `LabelSelector` could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    #[error(
        "matchExpressions[{index}]: unknown operator {operator:?} (expected In, NotIn, Exists or DoesNotExist)"
    )]
    UnknownOperator { index: usize, operator: String },
    #[error("matchExpressions[{index}]: operator {operator} needs a non-empty values list")]
    MissingValues { index: usize, operator: String },
    #[error("matchExpressions[{index}]: operator {operator} takes no values")]
    UnexpectedValues { index: usize, operator: String },
}

impl LabelSelector {
    /// Whether the selector matches these labels (metav1.LabelSelector semantics: all
    /// requirements ANDed; an empty selector matches everything).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> Result<bool, SelectorError> {
        for (k, v) in &self.match_labels {
            if labels.get(k) != Some(v) {
                return Ok(false);
            }
        }
        for (index, req) in self.match_expressions.iter().enumerate() {
            let value = labels.get(&req.key);
            let ok = match req.operator.as_str() {
                "In" | "NotIn" => {
                    if req.values.is_empty() {
                        return Err(SelectorError::MissingValues {
                            index,
                            operator: req.operator.clone(),
                        });
                    }
                    let inside = value.is_some_and(|v| req.values.contains(v));
                    if req.operator == "In" {
                        inside
                    } else {
                        !inside
                    }
                }
                "Exists" | "DoesNotExist" => {
                    if !req.values.is_empty() {
                        return Err(SelectorError::UnexpectedValues {
                            index,
                            operator: req.operator.clone(),
                        });
                    }
                    (req.operator == "Exists") == value.is_some()
                }
                other => {
                    return Err(SelectorError::UnknownOperator {
                        index,
                        operator: other.to_string(),
                    });
                }
            };
            if !ok {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn empty_service_selector_selects_nothing() {
        assert!(!map_selects(&BTreeMap::new(), &labels(&[("app", "web")])));
    }

    #[test]
    fn service_selector_needs_every_label() {
        let sel = labels(&[("app", "web"), ("tier", "front")]);
        assert!(map_selects(
            &sel,
            &labels(&[("app", "web"), ("tier", "front"), ("x", "y")])
        ));
        assert!(!map_selects(&sel, &labels(&[("app", "web")])));
    }

    #[test]
    fn match_expressions_follow_api_semantics() {
        let sel = LabelSelector {
            match_labels: BTreeMap::new(),
            match_expressions: vec![
                LabelSelectorRequirement {
                    key: "env".into(),
                    operator: "In".into(),
                    values: vec!["prod".into()],
                },
                LabelSelectorRequirement {
                    key: "debug".into(),
                    operator: "DoesNotExist".into(),
                    values: vec![],
                },
                LabelSelectorRequirement {
                    key: "team".into(),
                    operator: "NotIn".into(),
                    values: vec!["x".into()],
                },
            ],
        };
        assert_eq!(sel.matches(&labels(&[("env", "prod")])), Ok(true));
        assert_eq!(
            sel.matches(&labels(&[("env", "prod"), ("debug", "1")])),
            Ok(false)
        );
        assert_eq!(
            sel.matches(&labels(&[("env", "prod"), ("team", "x")])),
            Ok(false)
        );
        assert_eq!(sel.matches(&labels(&[("env", "dev")])), Ok(false));
    }

    #[test]
    fn unknown_operator_is_an_error_not_a_match() {
        let sel = LabelSelector {
            match_labels: BTreeMap::new(),
            match_expressions: vec![LabelSelectorRequirement {
                key: "a".into(),
                operator: "Like".into(),
                values: vec![],
            }],
        };
        assert!(sel.matches(&labels(&[("a", "b")])).is_err());
    }
}
