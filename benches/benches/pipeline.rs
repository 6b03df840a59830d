//! Stage benchmarks on the bundled eks-demo sample: read, graph build, full analysis.
//! Large generated estates arrive with the scale work; run with `cargo bench -p kubepath-benches`.

use kubepath_collectors::files::{FileOptions, load_paths};
use kubepath_engine::search::Options;

fn main() {
    divan::main();
}

fn snapshot() -> kubepath_engine::Snapshot {
    let paths = vec![kubepath_benches::sample("eks-demo")];
    match load_paths(&paths, &FileOptions::default()) {
        Ok((snap, _)) => snap,
        Err(e) => panic!("bench input samples/eks-demo must load: {e}"),
    }
}

#[divan::bench]
fn read_files() -> kubepath_engine::Snapshot {
    snapshot()
}

#[divan::bench]
fn build_graph(bencher: divan::Bencher) {
    let snap = snapshot();
    bencher.bench(|| kubepath_engine::build_graph(divan::black_box(&snap)));
}

#[divan::bench]
fn analyze(bencher: divan::Bencher) {
    let snap = snapshot();
    let opts = Options::default();
    bencher.bench(|| kubepath_engine::analyze(divan::black_box(&snap), &opts));
}
