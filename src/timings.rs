//! `KUBEPATH_TIMINGS=1`: each stage's wall time on stderr, for the scale benchmarks
//! (benches/README.md) and for users who want to know where a large estate's time goes.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("KUBEPATH_TIMINGS").is_some_and(|v| !v.is_empty()))
}

/// Run `f`; with `KUBEPATH_TIMINGS` set, print how long it took.
pub fn stage<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let start = Instant::now();
    let out = f();
    eprintln!(
        "kubepath: timing: {name}: {:.3} s",
        start.elapsed().as_secs_f64()
    );
    out
}
