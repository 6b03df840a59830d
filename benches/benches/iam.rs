//! The IAM graph build (index, evaluation of every principal's trust and escalation
//! primitives) on generated accounts of N principals: `cargo bench -p kubepath-benches
//! --bench iam`. Targets: 1,000 principals under 1 s, 10,000 under 5 s (median).
//!
//! The account is the estate generator's (`kubepath_samples::iam::account`, seed 1): roles
//! and users with inline and managed policies, groups, permission boundaries, service /
//! account / principal / web-identity / partner trusts, tags, instance profiles, and a
//! planted escalation every 97th principal; no cluster, so only the IAM side is built.

use kubepath_engine::Snapshot;
use kubepath_engine::aws::AuthorizationDetails;

fn main() {
    divan::main();
}

#[divan::bench(args = [1_000, 10_000], sample_count = 5, sample_size = 1)]
fn iam_graph(bencher: divan::Bencher, n: usize) {
    let snap = estate(n);
    bencher.bench(|| kubepath_engine::build_graph(divan::black_box(&snap)));
}

fn estate(principals: usize) -> Snapshot {
    let issuer = "oidc.eks.eu-west-1.amazonaws.com/id/BENCH";
    let account = kubepath_samples::iam::account(principals, 1, issuer, &[]);
    let details: AuthorizationDetails = match serde_json::from_value(account.document) {
        Ok(d) => d,
        Err(e) => panic!("the generated account must parse: {e}"),
    };
    Snapshot {
        aws: vec![details],
        ..Snapshot::default()
    }
}
