//! Bytes -> the files collector (format sniffing, YAML/JSON splitting, Lists, recognition,
//! ingest of every kind) -> the whole analysis. Any panic, or a run libFuzzer times out, is a
//! finding. The first byte picks how the file is named, since the name decides the format
//! the reader tries first.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use kubepath_collectors::{FileOptions, load_paths};
use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kubepath-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder in the temp dir");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let name = match selector % 4 {
        0 => "input.yaml",
        1 => "input.json",
        2 => "kubepath.yaml",
        _ => "input",
    };
    let dir = scratch();
    // One file per run: remove the previous run's, whatever its name.
    for old in ["input.yaml", "input.json", "kubepath.yaml", "input"] {
        let _ = std::fs::remove_file(dir.join(old));
    }
    let path = dir.join(name);
    std::fs::write(&path, body).expect("the scratch file is writable");
    if let Ok((snapshot, _stats)) = load_paths(&[path], &FileOptions::default()) {
        let analysis = kubepath_engine::analyze(&snapshot, &kubepath_engine::Options::default());
        // Every chain's steps must join up.
        for chain in &analysis.chains {
            for pair in chain.steps.windows(2) {
                assert_eq!(pair[0].to, pair[1].from, "chain steps do not join");
            }
        }
    }
});
