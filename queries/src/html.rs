//! One self-contained HTML page: summary, the chains' graph (inline SVG made by graphviz's
//! `dot`, or a note saying why it is missing), each chain's steps, extra sections (a fix
//! plan). No script, no external asset: it opens anywhere, offline, as one file.

use std::fmt::Write as _;

use kubepath_engine::Evidence;

use crate::markdown::Section;
use crate::{Analysis, InputSummary};

/// The picture of the chains, as the caller could make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure<'a> {
    /// SVG text from graphviz (an XML prolog or DOCTYPE before `<svg` is dropped).
    Svg(&'a str),
    /// No picture; the text says why (e.g. graphviz is not installed).
    Unavailable(&'a str),
}

/// Escape text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;\
margin:2rem auto;max-width:72rem;padding:0 1rem;color:#111827;line-height:1.45}\
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}h3{font-size:1.05rem}\
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;background:#f3f4f6;\
padding:0 .2em;border-radius:3px;word-break:break-all}\
table{border-collapse:collapse}td,th{border:1px solid #d1d5db;padding:.3rem .6rem;text-align:left;vertical-align:top}\
.sev{font-weight:600;text-transform:uppercase}.critical{color:#b91c1c}.high{color:#dc2626}\
.medium{color:#b45309}.low{color:#0e7490}.figure{overflow:auto;border:1px solid #e5e7eb;padding:.5rem}\
.figure svg{max-width:100%;height:auto}.why,.fix{margin:.1rem 0 .1rem 1rem}.fix{color:#065f46}\
.note{color:#6b7280}";

fn code(s: &str) -> String {
    format!("<code>{}</code>", escape(s))
}

fn evidence(ev: &Evidence) -> String {
    let loc = match (&ev.file, ev.line, ev.document) {
        (Some(f), Some(l), _) => format!(" ({})", code(&format!("{f}:{l}"))),
        (Some(f), None, Some(d)) => format!(" ({} document {d})", code(f)),
        _ => String::new(),
    };
    format!("{}{loc}", escape(&ev.to_string()))
}

/// The `kubepath scan --format html` page; `extra` sections follow the chains.
pub fn scan(
    analysis: &Analysis,
    input: &InputSummary,
    figure: Figure<'_>,
    extra: &[Section],
) -> String {
    let s = &analysis.summary;
    let mut out = String::new();
    let title = if s.chains == 0 {
        "kubepath: no attack chain found".to_string()
    } else {
        format!("kubepath: {} attack chains", s.chains)
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let objects: usize = input.objects.values().sum();
    let _ = writeln!(
        out,
        "<p>Read {objects} objects from {} files: {} nodes, {} edges, {} workloads.</p>",
        input.files, s.nodes, s.edges, s.workloads
    );
    if s.chains > 0 {
        let sev: Vec<String> = s
            .by_severity
            .iter()
            .rev()
            .map(|(k, v)| {
                format!(
                    "<span class=\"sev {}\">{v} {}</span>",
                    k.as_str(),
                    k.as_str()
                )
            })
            .collect();
        let targets: Vec<String> = s.targets.iter().map(|t| code(t)).collect();
        let _ = writeln!(
            out,
            "<p>Chains by severity: {}. Targets reached: {}.</p>",
            sev.join(", "),
            targets.join(", ")
        );
        let _ = writeln!(
            out,
            "<table>\n<tr><th>#</th><th>Severity</th><th>Score</th><th>Steps</th><th>Chain</th></tr>"
        );
        for c in &analysis.chains {
            let chain: Vec<String> = c.nodes().into_iter().map(code).collect();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"sev {sev}\">{sev}</td><td>{:.3}</td><td>{}</td><td>{}</td></tr>",
                c.rank,
                c.score,
                c.steps.len(),
                chain.join(" → "),
                sev = c.severity.as_str(),
            );
        }
        let _ = writeln!(out, "</table>");
        if analysis.chains.len() < s.chains {
            let _ = writeln!(
                out,
                "<p class=\"note\">Showing the top {} of {} chains.</p>",
                analysis.chains.len(),
                s.chains
            );
        }
    } else {
        let _ = writeln!(
            out,
            "<p>No chain from <code>internet</code> reaches cluster-admin or a cloud admin within the hop limit.</p>"
        );
    }
    let _ = writeln!(out, "<h2>Graph</h2>");
    match figure {
        Figure::Svg(svg) => {
            let body = svg.find("<svg").map_or(svg, |i| &svg[i..]);
            let _ = writeln!(out, "<div class=\"figure\">\n{}\n</div>", body.trim());
        }
        Figure::Unavailable(why) => {
            let _ = writeln!(
                out,
                "<p class=\"note\">Graph not shown: {}</p>",
                escape(why)
            );
        }
    }
    for c in &analysis.chains {
        let sev = c.severity.as_str();
        let _ = writeln!(
            out,
            "<h2 id=\"chain-{}\">#{} <span class=\"sev {sev}\">{sev}</span> {} → {}</h2>",
            c.rank,
            c.rank,
            code(&c.source),
            code(&c.target)
        );
        let _ = writeln!(
            out,
            "<p>Score {:.3}, {} steps: {}</p>\n<ol>",
            c.score,
            c.steps.len(),
            escape(&c.nodes().join(" -> "))
        );
        for step in &c.steps {
            let attack = step
                .attack
                .map(|a| format!(", ATT&amp;CK {}", escape(a)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<li><strong>{}</strong> ({:.2}{attack}): {} → {}",
                escape(step.technique),
                step.likelihood,
                code(&step.from),
                code(&step.to)
            );
            for ev in &step.evidence {
                let _ = writeln!(out, "<div class=\"why\">why: {}</div>", evidence(ev));
            }
            if step.evidence_omitted > 0 {
                let _ = writeln!(
                    out,
                    "<div class=\"why\">and {} more facts like these</div>",
                    step.evidence_omitted
                );
            }
            let _ = writeln!(
                out,
                "<div class=\"fix\">fix: {}</div></li>",
                escape(&step.remediation)
            );
        }
        let _ = writeln!(out, "</ol>");
    }
    for sec in extra {
        write_section(&mut out, sec);
    }
    if !analysis.warnings.is_empty() {
        let _ = writeln!(out, "<h2>Warnings ({})</h2>\n<ul>", analysis.warnings.len());
        for w in &analysis.warnings {
            let _ = writeln!(out, "<li>{}</li>", escape(&w.to_string()));
        }
        let _ = writeln!(out, "</ul>");
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn write_section(out: &mut String, sec: &Section) {
    let _ = writeln!(out, "<h2>{}</h2>", escape(&sec.title));
    for p in &sec.paragraphs {
        let _ = writeln!(out, "<p>{}</p>", escape(p));
    }
    if !sec.items.is_empty() {
        let _ = writeln!(out, "<ol>");
        for (i, item) in sec.items.iter().enumerate() {
            let item = if sec.code_items {
                code(item)
            } else {
                escape(item)
            };
            let _ = write!(out, "<li>{item}");
            let details = sec.details.get(i).map(Vec::as_slice).unwrap_or_default();
            if !details.is_empty() {
                let _ = write!(out, "<ul>");
                for d in details {
                    let _ = write!(out, "<li>{}</li>", escape(d));
                }
                let _ = write!(out, "</ul>");
            }
            let _ = writeln!(out, "</li>");
        }
        let _ = writeln!(out, "</ol>");
    }
}

/// A self-contained page of sections alone (`kubepath fix-plan --format html`).
pub fn document(title: &str, sections: &[Section]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(title),
        escape(title)
    );
    for sec in sections {
        write_section(&mut out, sec);
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
