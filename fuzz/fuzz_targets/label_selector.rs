//! `metav1.LabelSelector` evaluation against a reference written from the API docs, on
//! structured input (keys and values from a small alphabet so that they collide), and the
//! selector decoded from arbitrary JSON as manifests carry it.
#![no_main]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use kubepath_engine::snapshot::{LabelSelector, LabelSelectorRequirement};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    labels: Vec<(u8, u8)>,
    match_labels: Vec<(u8, u8)>,
    expressions: Vec<(u8, u8, Vec<u8>)>,
    json: Option<String>,
}

fn key(b: u8) -> String {
    format!("k{}", b % 5)
}
fn value(b: u8) -> String {
    format!("v{}", b % 4)
}
fn operator(b: u8) -> String {
    ["In", "NotIn", "Exists", "DoesNotExist", "in", ""][usize::from(b % 6)].to_string()
}

/// `None`: the selector is invalid.
fn reference(s: &LabelSelector, labels: &BTreeMap<String, String>) -> Option<bool> {
    let mut result = s.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v));
    for r in &s.match_expressions {
        let has = labels.get(&r.key);
        let ok = match r.operator.as_str() {
            "In" if !r.values.is_empty() => has.is_some_and(|v| r.values.contains(v)),
            "NotIn" if !r.values.is_empty() => !has.is_some_and(|v| r.values.contains(v)),
            "Exists" if r.values.is_empty() => has.is_some(),
            "DoesNotExist" if r.values.is_empty() => has.is_none(),
            _ => return if result { None } else { Some(false) },
        };
        result &= ok;
        if !result {
            return Some(false);
        }
    }
    Some(result)
}

fuzz_target!(|input: Input| {
    let labels: BTreeMap<String, String> = input
        .labels
        .iter()
        .map(|&(k, v)| (key(k), value(v)))
        .collect();
    let selector = LabelSelector {
        match_labels: input
            .match_labels
            .iter()
            .map(|&(k, v)| (key(k), value(v)))
            .collect(),
        match_expressions: input
            .expressions
            .iter()
            .map(|(k, op, values)| LabelSelectorRequirement {
                key: key(*k),
                operator: operator(*op),
                values: values.iter().map(|&v| value(v)).collect(),
            })
            .collect(),
    };
    let got = selector.matches(&labels).ok();
    assert_eq!(
        got,
        reference(&selector, &labels),
        "{selector:?} on {labels:?}"
    );
    if let Some(json) = input.json
        && let Ok(decoded) = serde_json::from_str::<LabelSelector>(&json)
    {
        let _ = decoded.matches(&labels);
    }
});
