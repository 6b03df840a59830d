//! The floor of the end-to-end measurement: every `.json` file under the given folders read
//! and parsed once by serde_json into `IgnoredAny` (reading every byte, building nothing).

use std::path::Path;

fn walk(path: &Path, bytes: &mut usize) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            walk(&e.path(), bytes)?;
        }
    } else if path.extension().is_some_and(|e| e == "json") {
        let text = std::fs::read(path)?;
        let _: serde::de::IgnoredAny =
            serde_json::from_slice(&text).map_err(std::io::Error::other)?;
        *bytes += text.len();
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let mut bytes = 0;
    for arg in std::env::args().skip(1) {
        if let Err(e) = walk(Path::new(&arg), &mut bytes) {
            eprintln!("floor: {arg}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    }
    println!("{bytes} bytes");
    std::process::ExitCode::SUCCESS
}
