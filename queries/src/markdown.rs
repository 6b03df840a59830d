//! Markdown for pull-request comments: the summary, a table of the listed chains, then each
//! chain's steps (folded), then any extra sections (a fix plan) the caller adds.

use std::fmt::Write as _;

use kubepath_engine::Evidence;
use kubepath_engine::search::Chain;

use crate::{Analysis, InputSummary};

/// A section a caller adds to a Markdown or HTML report (the fix plan, for one): plain text
/// the renderer escapes, so callers need not know either format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    /// Paragraphs, in order, before the items.
    pub paragraphs: Vec<String>,
    /// A numbered list (e.g. fixes in the order to apply them).
    pub items: Vec<String>,
    /// Details of each item, a bulleted list under it (`details[i]` belongs to `items[i]`;
    /// missing entries mean none).
    pub details: Vec<Vec<String>>,
    /// The items are identifiers to copy (fix ids for `--assume-fixed`): shown as code.
    pub code_items: bool,
}

/// Escape text so Markdown shows it as written (no emphasis, links, tables or HTML).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// An inline code span that holds `s` whatever backticks it contains.
pub fn code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A span starting or ending with a backtick needs a space inside the fence.
    if s.starts_with('`') || s.ends_with('`') {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

fn chain_line(c: &Chain) -> String {
    c.nodes()
        .into_iter()
        .map(code)
        .collect::<Vec<_>>()
        .join(" → ")
}

fn evidence_line(ev: &Evidence) -> String {
    let loc = match (&ev.file, ev.line, ev.document) {
        (Some(f), Some(l), _) => format!(" ({})", code(&format!("{f}:{l}"))),
        (Some(f), None, Some(d)) => format!(" ({} document {d})", code(f)),
        _ => String::new(),
    };
    format!("{}{loc}", escape(&ev.to_string()))
}

/// The `kubepath scan --format markdown` report; `extra` sections follow the chains.
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
/// use kubepath_queries::markdown::{Section, scan};
/// let plan = Section {
///     title: "Fix plan".into(),
///     items: vec!["Set automountServiceAccountToken: false on Pod/shop/web".into()],
///     ..Section::default()
/// };
/// let md = scan(&analysis, &Default::default(), &[plan]);
/// assert!(md.starts_with("## kubepath: 1 attack chain"));
/// assert!(md.contains("`internet` → `service:shop/web`"));
/// assert!(md.contains("### Fix plan\n\n1. Set automountServiceAccountToken: false"));
/// ```
pub fn scan(analysis: &Analysis, input: &InputSummary, extra: &[Section]) -> String {
    let mut out = String::new();
    let s = &analysis.summary;
    if s.chains == 0 {
        let _ = writeln!(out, "## kubepath: no attack chain found\n");
    } else {
        let sev: Vec<String> = s
            .by_severity
            .iter()
            .rev()
            .map(|(k, v)| format!("{v} {}", k.as_str()))
            .collect();
        let _ = writeln!(
            out,
            "## kubepath: {} attack chain{} ({})\n",
            s.chains,
            if s.chains == 1 { "" } else { "s" },
            sev.join(", ")
        );
    }
    let objects: usize = input.objects.values().sum();
    let _ = writeln!(
        out,
        "Read {objects} objects from {} files: {} nodes, {} edges, {} workloads.",
        input.files, s.nodes, s.edges, s.workloads
    );
    if s.targets.is_empty() {
        let _ = writeln!(
            out,
            "No chain from `internet` reaches cluster-admin or a cloud admin within the hop limit."
        );
    } else {
        let targets: Vec<String> = s.targets.iter().map(|t| code(t)).collect();
        let _ = writeln!(out, "Targets reached: {}.", targets.join(", "));
    }
    if !analysis.chains.is_empty() {
        let _ = writeln!(
            out,
            "\n| # | Severity | Score | Steps | Chain |\n|---:|---|---:|---:|---|"
        );
        for c in &analysis.chains {
            let _ = writeln!(
                out,
                "| {} | **{}** | {:.3} | {} | {} |",
                c.rank,
                c.severity.as_str(),
                c.score,
                c.steps.len(),
                chain_line(c).replace('|', "\\|")
            );
        }
        if analysis.chains.len() < s.chains {
            let _ = writeln!(
                out,
                "\nShowing the top {} of {} chains.",
                analysis.chains.len(),
                s.chains
            );
        }
    }
    for c in &analysis.chains {
        let _ = writeln!(
            out,
            "\n### #{} {}: {} → {}\n",
            c.rank,
            c.severity.as_str(),
            code(&c.source),
            code(&c.target)
        );
        let _ = writeln!(
            out,
            "<details><summary>{} steps, score {:.3}</summary>\n",
            c.steps.len(),
            c.score
        );
        for (i, step) in c.steps.iter().enumerate() {
            let attack = step
                .attack
                .map(|a| format!(", ATT&CK {a}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{}. **{}** ({:.2}{attack}): {} → {}",
                i + 1,
                step.technique,
                step.likelihood,
                code(&step.from),
                code(&step.to)
            );
            for ev in &step.evidence {
                let _ = writeln!(out, "   - why: {}", evidence_line(ev));
            }
            if step.evidence_omitted > 0 {
                let _ = writeln!(
                    out,
                    "   - and {} more facts like these",
                    step.evidence_omitted
                );
            }
            let _ = writeln!(out, "   - fix: {}", escape(&step.remediation));
        }
        let _ = writeln!(out, "\n</details>");
    }
    for sec in extra {
        out.push('\n');
        write_section(&mut out, sec, "###");
    }
    if !analysis.warnings.is_empty() {
        let _ = writeln!(
            out,
            "\n{} input warning{} (run `kubepath scan` for the list).",
            analysis.warnings.len(),
            if analysis.warnings.len() == 1 {
                ""
            } else {
                "s"
            }
        );
    }
    out
}

fn write_section(out: &mut String, sec: &Section, heading: &str) {
    let _ = writeln!(out, "{heading} {}\n", escape(&sec.title));
    for p in &sec.paragraphs {
        let _ = writeln!(out, "{}\n", escape(p));
    }
    for (i, item) in sec.items.iter().enumerate() {
        let item = if sec.code_items {
            code(item)
        } else {
            escape(item)
        };
        let _ = writeln!(out, "{}. {item}", i + 1);
        for d in sec.details.get(i).into_iter().flatten() {
            let _ = writeln!(out, "   - {}", escape(d));
        }
    }
}

/// A Markdown document of sections alone (`kubepath fix-plan --format markdown`).
pub fn document(sections: &[Section]) -> String {
    let mut out = String::new();
    for (i, sec) in sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        write_section(&mut out, sec, "##");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markdown_and_html() {
        assert_eq!(escape("a*b_<script>|"), "a\\*b\\_&lt;script&gt;\\|");
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("plain"), "`plain`");
    }
}
