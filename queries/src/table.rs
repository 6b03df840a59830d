//! The terminal report: ranked chains, each with its steps, evidence and fix, wrapped to the
//! terminal width.

use std::fmt::Write as _;

use kubepath_engine::search::{Chain, Severity};

use crate::{Analysis, InputSummary};

/// How to draw the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableStyle {
    /// Total width in columns (at least 60 is used).
    pub width: usize,
    /// ANSI colours for severities.
    pub color: bool,
    /// How many warnings to list before summarising the rest.
    pub max_warnings: usize,
}

impl Default for TableStyle {
    fn default() -> Self {
        TableStyle {
            width: 100,
            color: false,
            max_warnings: 20,
        }
    }
}

pub(crate) fn paint(sev: Severity, text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match sev {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Wrap `text` to `width`, the first line prefixed by `first`, the others by `rest`.
/// Long tokens (ids, ARNs) are never split; they overflow instead.
pub(crate) fn wrap(out: &mut String, first: &str, rest: &str, text: &str, width: usize) {
    let mut line = String::from(first);
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = line.chars().count();
        if !empty && len + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// The `kubepath scan` table.
pub fn scan(analysis: &Analysis, input: &InputSummary, style: &TableStyle) -> String {
    let width = style.width.max(60);
    let mut out = String::new();
    let s = &analysis.summary;
    let objects: usize = input.objects.values().sum();
    let _ = writeln!(
        out,
        "kubepath: {} objects from {} files -> {} nodes, {} edges, {} workloads",
        objects, input.files, s.nodes, s.edges, s.workloads
    );
    if analysis.chains.is_empty() {
        let _ = writeln!(
            out,
            "No attack chain from internet to cluster-admin or a cloud admin within the hop limit."
        );
    } else {
        let sev: Vec<String> = s
            .by_severity
            .iter()
            .rev()
            .map(|(k, v)| format!("{v} {}", k.as_str()))
            .collect();
        let summary = format!(
            "{} chains ({}), showing the top {}; targets: {}",
            s.chains,
            sev.join(", "),
            analysis.chains.len(),
            s.targets.join(", ")
        );
        wrap(&mut out, "", "  ", &summary, width);
    }
    if let Some(uncovered) = s.not_covered_by_scan.as_ref().filter(|u| !u.is_empty()) {
        let line = format!(
            "Not covered by a scan ({} workload{} the default likelihood): {}",
            uncovered.len(),
            if uncovered.len() == 1 {
                " keeps"
            } else {
                "s keep"
            },
            uncovered.join(", ")
        );
        wrap(&mut out, "", "  ", &line, width);
    }
    for c in &analysis.chains {
        out.push('\n');
        chain(&mut out, c, style.color, width);
    }
    coverage(&mut out, analysis, width);
    if !analysis.warnings.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "{} warnings:", analysis.warnings.len());
        for w in analysis.warnings.iter().take(style.max_warnings) {
            wrap(&mut out, "  - ", "    ", &w.to_string(), width);
        }
        if analysis.warnings.len() > style.max_warnings {
            let _ = writeln!(
                out,
                "  ... and {} more (see --format json)",
                analysis.warnings.len() - style.max_warnings
            );
        }
    }
    out
}

/// One chain: header, node list, how its score was made, then every step with its evidence
/// and fix.
pub(crate) fn chain(out: &mut String, c: &Chain, color: bool, width: usize) {
    let head = format!(
        "#{:<3} {:<8}  score {:.3}  {} steps",
        c.rank,
        c.severity.as_str().to_uppercase(),
        c.score,
        c.steps.len()
    );
    let _ = writeln!(out, "{}", paint(c.severity, &head, color));
    wrap(out, "     ", "       ", &c.nodes().join(" -> "), width);
    wrap(
        out,
        "     ",
        "       ",
        &crate::rank::ScoreExplanation::of(c).formula,
        width,
    );
    for (i, step) in c.steps.iter().enumerate() {
        let attack = step
            .attack
            .map(|a| format!(" [ATT&CK {a}]"))
            .unwrap_or_default();
        wrap(
            out,
            &format!("  {:>2}. ", i + 1),
            "      ",
            &format!(
                "{} ({:.2}){}: {} -> {}",
                step.technique, step.likelihood, attack, step.from, step.to
            ),
            width,
        );
        for ev in &step.evidence {
            wrap(
                out,
                "      why: ",
                "           ",
                &crate::query::evidence_line(ev),
                width,
            );
        }
        wrap(out, "      fix: ", "           ", &step.remediation, width);
    }
}

/// The "Coverage gaps" block: every gap of a live collection, with what it may hide.
fn coverage(out: &mut String, analysis: &Analysis, width: usize) {
    if analysis.coverage.is_empty() {
        return;
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "Coverage gaps ({}): the collection could not see everything; the chains above may be incomplete.",
        analysis.coverage.len()
    );
    for g in &analysis.coverage {
        let scope = g
            .namespace
            .as_deref()
            .map(|ns| format!(" in namespace {ns}"))
            .unwrap_or_default();
        wrap(
            out,
            "  - ",
            "    ",
            &format!("{}: {}{scope} ({})", g.source, g.what, g.reason),
            width,
        );
        wrap(out, "    may hide: ", "              ", &g.may_hide, width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_width_except_long_tokens() {
        let mut out = String::new();
        wrap(&mut out, "> ", "  ", "aaa bbb ccc ddd eee fff", 10);
        for line in out.lines() {
            assert!(line.chars().count() <= 10, "{line:?}");
        }
        assert_eq!(out.lines().count(), 3);
    }

    #[test]
    fn wrap_never_splits_an_id() {
        let mut out = String::new();
        let id = "aws-role:arn:aws:iam::111122223333:role/a-very-long-role-name";
        wrap(&mut out, "", "", id, 20);
        assert_eq!(out.trim_end(), id);
    }
}
