//! How a chain's score was made (DESIGN.md "Ranking"): impact of the target times the
//! likelihood of each step.

use kubepath_engine::NodeKind;
use kubepath_engine::search::Chain;
use serde::Serialize;

use crate::round4;

/// The factors of a chain's score, in step order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreExplanation {
    /// How bad reaching the target is (1 for the admin sinks and for query targets).
    pub impact: f64,
    /// Each step's likelihood, in order.
    pub likelihoods: Vec<f64>,
    pub score: f64,
    /// The product in words: `impact 1.00 (cluster-admin) x 0.90 x 0.50 = 0.450`.
    pub formula: String,
}

impl ScoreExplanation {
    pub fn of(c: &Chain) -> ScoreExplanation {
        let impact = NodeKind::of_id(&c.target)
            .and_then(NodeKind::impact)
            .unwrap_or(1.0);
        let mut formula = format!("score = impact {impact:.2} ({})", c.target);
        for s in &c.steps {
            formula.push_str(&format!(" x {:.2} {}", s.likelihood, s.technique));
        }
        formula.push_str(&format!(" = {:.3}", c.score));
        ScoreExplanation {
            impact,
            likelihoods: c.steps.iter().map(|s| round4(s.likelihood)).collect(),
            score: round4(c.score),
            formula,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubepath_engine::search::{Severity, Step};

    #[test]
    fn the_formula_multiplies_impact_by_every_likelihood() {
        let step = |t: &'static str, l: f64| Step {
            likelihood: l,
            ..Step::new("a", t, "b")
        };
        let c = Chain {
            rank: 1,
            score: 0.45,
            severity: Severity::Critical,
            source: "internet".into(),
            target: "cluster-admin".into(),
            steps: vec![
                step("EXPOSED_LOADBALANCER", 0.9),
                step("APP_COMPROMISE", 0.5),
            ],
        };
        let e = ScoreExplanation::of(&c);
        let product: f64 = e.impact * e.likelihoods.iter().product::<f64>();
        assert!((product - c.score).abs() < 1e-9);
        assert_eq!(
            e.formula,
            "score = impact 1.00 (cluster-admin) x 0.90 EXPOSED_LOADBALANCER x 0.50 APP_COMPROMISE = 0.450"
        );
    }
}
