//! Stage benchmarks on generated estates (`kubepath-samples`): `cargo bench -p
//! kubepath-benches --bench scale`. Sizes are pods (principals = pods / 10), from
//! `KUBEPATH_BENCH_PODS` (comma-separated; default `1000,10000`: the 100k estate takes a
//! gigabyte on disk and minutes per stage, so it is run on purpose, never by CI):
//!
//! ```sh
//! KUBEPATH_BENCH_PODS=100000 cargo bench -p kubepath-benches --bench scale
//! ```
//!
//! Stages: `parse` (files -> Snapshot), `graph` (index + every technique), `rbac` (the
//! graph of the Kubernetes side only: RBAC evaluation dominates it), `iam` (the graph of
//! the IAM account only), `search` (every internet chain found and ranked on a built graph,
//! the top 50 written out).

use std::path::PathBuf;
use std::sync::OnceLock;

use kubepath_collectors::files::{FileOptions, load_paths};
use kubepath_engine::Snapshot;
use kubepath_samples::{Params, generate};

fn main() {
    divan::main();
}

fn sizes() -> Vec<usize> {
    std::env::var("KUBEPATH_BENCH_PODS")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000])
}

/// The estate of `pods` pods, generated once per size under the target folder.
fn estate(pods: usize) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/bench-estates")
        .join(format!("{pods}x{}-s1", pods / 10));
    if !dir.join("aws/describe-cluster.json").exists() {
        let params = Params {
            pods,
            principals: pods / 10,
            seed: 1,
        };
        if let Err(e) = generate(&params, &dir) {
            panic!("generating {}: {e}", dir.display());
        }
    }
    dir
}

fn snapshot(pods: usize) -> &'static Snapshot {
    static CACHE: OnceLock<std::sync::Mutex<Vec<(usize, &'static Snapshot)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = match cache.lock() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some((_, s)) = cache.iter().find(|(n, _)| *n == pods) {
        return s;
    }
    let snap = match load_paths(&[estate(pods)], &FileOptions::default()) {
        Ok((snap, _)) => Box::leak(Box::new(snap)),
        Err(e) => panic!("generated estate must load: {e}"),
    };
    cache.push((pods, snap));
    snap
}

#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn parse(bencher: divan::Bencher, pods: usize) {
    let paths = vec![estate(pods)];
    bencher.bench(|| load_paths(divan::black_box(&paths), &FileOptions::default()));
}

#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn graph(bencher: divan::Bencher, pods: usize) {
    let snap = snapshot(pods);
    bencher.bench(|| kubepath_engine::build_graph(divan::black_box(snap)));
}

#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn rbac(bencher: divan::Bencher, pods: usize) {
    let snap = Snapshot {
        aws: Vec::new(),
        ..snapshot(pods).clone()
    };
    bencher.bench(|| kubepath_engine::build_graph(divan::black_box(&snap)));
}

#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn iam(bencher: divan::Bencher, pods: usize) {
    let snap = Snapshot {
        aws: snapshot(pods).aws.clone(),
        facts: snapshot(pods).facts.clone(),
        ..Snapshot::default()
    };
    bencher.bench(|| kubepath_engine::build_graph(divan::black_box(&snap)));
}

#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn search(bencher: divan::Bencher, pods: usize) {
    let (g, _) = kubepath_engine::build_graph(snapshot(pods));
    bencher.bench(|| kubepath_engine::search::top_internet_chains(divan::black_box(&g), 8, 50));
}
