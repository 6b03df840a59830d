//! `Source::line`: where each object's document starts, for reports that point at lines.

mod common;

use common::Scratch;
use kubepath_collectors::{FileOptions, load_paths};

fn lines_by_sa(s: &Scratch) -> Vec<(String, Option<usize>)> {
    let (snap, _) = match load_paths(&[s.path().to_path_buf()], &FileOptions::default()) {
        Ok(r) => r,
        Err(e) => panic!("load failed: {e}"),
    };
    let mut v: Vec<_> = snap
        .service_accounts
        .iter()
        .map(|sa| (sa.metadata.name.clone(), sa.source.line))
        .collect();
    v.sort();
    v
}

#[test]
fn yaml_documents_carry_the_line_of_their_first_content() {
    let s = Scratch::new("lines-yaml");
    s.write(
        "sa.yaml",
        "# two accounts\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n---\n\n# b\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: b}\n",
    );
    assert_eq!(
        lines_by_sa(&s),
        vec![("a".into(), Some(3)), ("b".into(), Some(9))]
    );
}

#[test]
fn json_values_carry_the_line_where_they_start() {
    let s = Scratch::new("lines-json");
    s.write(
        "sa.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"ServiceAccount\", \"metadata\": {\"name\": \"a\"}}\n\n\n  {\"apiVersion\": \"v1\",\n \"kind\": \"ServiceAccount\", \"metadata\": {\"name\": \"b\"}}\n",
    );
    assert_eq!(
        lines_by_sa(&s),
        vec![("a".into(), Some(1)), ("b".into(), Some(4))]
    );
}
