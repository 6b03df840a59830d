//! YAML streams split into documents ourselves, so that one broken document does not hide
//! the others, and parsed with resource budgets so hostile input fails fast.

use serde_json::Value;

/// One document of a YAML stream: its 0-based index and the text that parses to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Document<'a> {
    pub index: usize,
    /// 0-based line of the file where the document's text starts.
    pub first_line: usize,
    pub text: &'a str,
}

/// `---` or `...` at column 0, alone or followed by a blank (then a comment or content).
fn is_marker(line: &str, marker: &str) -> bool {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    match line.strip_prefix(marker) {
        Some(rest) => rest.is_empty() || rest.starts_with([' ', '\t']),
        None => false,
    }
}

/// A `%YAML` / `%TAG` (or reserved) directive line: only legal before a `---`.
fn is_directive(line: &str) -> bool {
    line.starts_with('%')
}

/// Whether a line is content (not blank, not a comment).
fn is_content(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#')
}

/// Split a YAML stream into its documents, numbered as a YAML parser numbers them: every
/// `---` starts a document (even an empty one, which parses to null); text before the
/// first `---` or after a `...` is a document only if it holds content. Directives stay
/// with the `---` they precede.
pub(crate) fn split_documents(text: &str) -> Vec<Document<'_>> {
    struct Open {
        start_byte: usize,
        first_line: usize,
        explicit: bool,
        has_content: bool,
        directives: bool,
    }
    let mut docs = Vec::new();
    fn close<'a>(text: &'a str, docs: &mut Vec<Document<'a>>, open: &Open, end_byte: usize) {
        if open.explicit || open.has_content {
            let index = docs.len();
            docs.push(Document {
                index,
                first_line: open.first_line,
                text: text.get(open.start_byte..end_byte).unwrap_or(""),
            });
        }
    }
    let mut open = Open {
        start_byte: 0,
        first_line: 0,
        explicit: false,
        has_content: false,
        directives: false,
    };
    let mut byte = 0;
    for (lineno, line) in text.split_inclusive('\n').enumerate() {
        let line_start = byte;
        byte += line.len();
        if is_marker(line, "---") {
            if open.directives {
                // The `---` that the directives were waiting for: same document.
                open.directives = false;
                open.explicit = true;
            } else {
                close(text, &mut docs, &open, line_start);
                open = Open {
                    start_byte: line_start,
                    first_line: lineno,
                    explicit: true,
                    has_content: false,
                    directives: false,
                };
            }
        } else if is_marker(line, "...") {
            if !open.directives {
                close(text, &mut docs, &open, byte);
            }
            open = Open {
                start_byte: byte,
                first_line: lineno + 1,
                explicit: false,
                has_content: false,
                directives: false,
            };
        } else if is_directive(line) {
            if !open.directives {
                close(text, &mut docs, &open, line_start);
                open = Open {
                    start_byte: line_start,
                    first_line: lineno,
                    explicit: false,
                    has_content: false,
                    directives: true,
                };
            }
        } else if is_content(line) {
            open.has_content = true;
        }
    }
    if open.directives {
        // Directives with no document after them: let the parser report it.
        open.has_content = true;
    }
    close(text, &mut docs, &open, text.len());
    docs
}

impl Document<'_> {
    /// 1-based line of the document's first content (past its `---`, directives, comments
    /// and blank lines): where a report points for the object.
    pub(crate) fn content_line(&self) -> usize {
        let skipped = self
            .text
            .split_inclusive('\n')
            .take_while(|l| !is_content(l) || is_marker(l, "---") || is_directive(l))
            .count();
        self.first_line + skipped + 1
    }
}

/// Deepest nesting accepted, in YAML and (serde_json's fixed limit) JSON. Real manifests,
/// CRD schemas included, stay far below (the corpus peaks at 35). The parser recurses per
/// level, so callers parse on a thread with [`STACK_SIZE`].
pub(crate) const MAX_DEPTH: usize = 128;

/// Stack for the thread that parses: a debug build needs about 20 KiB per nesting level.
pub(crate) const STACK_SIZE: usize = 32 * 1024 * 1024;

/// Parser options for one document of `len` bytes. Aliases are bounded so that alias
/// bombs fail fast; nesting is bounded so that deep input cannot exhaust the stack. The
/// size limits scale with the document, which is already in memory, so real `List` dumps
/// of tens of thousands of objects still parse.
fn options(len: usize) -> serde_saphyr::Options {
    let budget = serde_saphyr::budget! {
        max_events: len.saturating_mul(2).max(1_000_000),
        max_nodes: len.max(250_000),
        max_total_scalar_bytes: len.saturating_mul(2).max(64 * 1024 * 1024),
        max_depth: MAX_DEPTH,
        max_aliases: 10_000,
        max_anchors: 10_000,
        max_recorded_anchor_events: 100_000,
        max_recorded_anchor_bytes: 16 * 1024 * 1024,
        max_inclusion_depth: 0,
    };
    serde_saphyr::options! {
        budget: budget,
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 200_000,
            max_replay_stack_depth: 32,
        },
        // Kubernetes' own YAML reader keeps the last of duplicated keys.
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
        // Snippets would copy document text (possibly a Secret's values) into messages.
        with_snippet: false,
    }
}

/// Parse one document's text into JSON. The error message gives the line in the file.
pub(crate) fn parse_document(doc: &Document<'_>) -> Result<Value, String> {
    serde_saphyr::from_str_with_options::<Value>(doc.text, options(doc.text.len())).map_err(|e| {
        let rendered = e.render_with_options(serde_saphyr::render_options! {
            snippets: serde_saphyr::SnippetMode::Off,
            line_offset: doc.first_line as u64,
        });
        format!("invalid YAML: {rendered}")
    })
}

/// Parse a small YAML value embedded in a string field (the `aws-auth` maps).
pub(crate) fn parse_embedded<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_saphyr::from_str_with_options::<T>(text, options(text.len())).map_err(|e| {
        e.render_with_options(serde_saphyr::render_options! {
            snippets: serde_saphyr::SnippetMode::Off,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<&str> {
        split_documents(s).into_iter().map(|d| d.text).collect()
    }

    #[test]
    fn leading_marker_does_not_add_an_empty_document() {
        assert_eq!(
            texts("---\na: 1\n---\nb: 2\n"),
            ["---\na: 1\n", "---\nb: 2\n"]
        );
    }

    #[test]
    fn bare_first_document_counts_only_with_content() {
        assert_eq!(texts("# header\n---\na: 1\n"), ["---\na: 1\n"]);
        assert_eq!(texts("a: 1\n---\nb: 2"), ["a: 1\n", "---\nb: 2"]);
    }

    #[test]
    fn marker_may_carry_a_comment_or_content() {
        let d = texts("--- # first\na: 1\n--- |\n  text\n");
        assert_eq!(d, ["--- # first\na: 1\n", "--- |\n  text\n"]);
    }

    #[test]
    fn dashes_inside_a_line_or_indented_are_not_markers() {
        assert_eq!(texts("a: |\n  ---\n  x\nb: ----\n").len(), 1);
        assert_eq!(texts("----\n").len(), 1);
    }

    #[test]
    fn end_marker_closes_a_document_and_directives_stay_with_theirs() {
        let d = split_documents("a: 1\n...\n%YAML 1.2\n---\nb: 2\n");
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].text, "%YAML 1.2\n---\nb: 2\n");
        assert_eq!(d[1].first_line, 2);
        let v = parse_document(&d[1]).unwrap_or_default();
        assert_eq!(v["b"], 2);
    }

    #[test]
    fn empty_explicit_documents_keep_their_index() {
        let d = split_documents("---\n---\na: 1\n");
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].index, 1);
        assert_eq!(parse_document(&d[0]), Ok(Value::Null));
    }

    #[test]
    fn content_line_is_the_first_line_of_content_past_markers_and_comments() {
        let d = split_documents("# head\n---\n# c\n\napiVersion: v1\n---\nkind: X\n");
        let lines: Vec<usize> = d.iter().map(Document::content_line).collect();
        assert_eq!(lines, vec![5, 7]);
    }

    #[test]
    fn crlf_markers_are_recognised() {
        assert_eq!(texts("a: 1\r\n---\r\nb: 2\r\n").len(), 2);
    }

    #[test]
    fn parse_error_names_the_line_in_the_file() {
        let d = split_documents("a: 1\n---\nb: [1,\nc: 2\n");
        let e = parse_document(&d[1]).err().unwrap_or_default();
        assert!(!e.is_empty());
        // Line 3 of the file, not line 2 of the document.
        assert!(e.contains("at line 3,"), "{e}");
    }
}
