//! Reading a file's bytes. A large file is read in parts on as many threads as there are
//! cores, each part also searched for NUL bytes: on a 100,000-pod estate `pods.json` is
//! 821 MB, and one thread copying it out of the page cache (most of that time is spent
//! faulting in the new buffer's pages) and checking it took 0.7 s with the other core idle.

use std::fs::File;
use std::io;
use std::path::Path;

/// Below this a file is read on one thread: a thread costs more than it saves.
const PARALLEL_MIN: u64 = 16 << 20;

/// A file's bytes, and whether they contain a NUL byte (a binary file).
pub(super) struct Read {
    pub bytes: Vec<u8>,
    pub has_nul: bool,
}

/// Read `path` whole.
pub(super) fn read(path: &Path) -> io::Result<Read> {
    let parts = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    if parts > 1
        && len >= PARALLEL_MIN
        && let Ok(len) = usize::try_from(len)
        && let Some(read) = read_in_parts(&file, len, parts)
    {
        return Ok(read);
    }
    // Small, or changed while it was read in parts: one sequential read of what the file
    // holds now (positioned reads left the cursor at the start).
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    io::Read::read_to_end(&mut file, &mut bytes)?;
    let has_nul = memchr::memchr(0, &bytes).is_some();
    Ok(Read { bytes, has_nul })
}

/// `len` bytes in `parts` ranges read by positioned reads on scoped threads; `None` when
/// any read fails or the file is no longer `len` bytes long (the caller reads it again).
#[cfg(unix)]
fn read_in_parts(file: &File, len: usize, parts: usize) -> Option<Read> {
    use std::os::unix::fs::FileExt;

    let mut bytes = vec![0u8; len];
    let part = len.div_ceil(parts);
    let results: Vec<Option<bool>> = std::thread::scope(|s| {
        let handles: Vec<_> = bytes
            .chunks_mut(part)
            .enumerate()
            .map(|(i, chunk)| {
                s.spawn(move || {
                    let offset = u64::try_from(i * part).ok()?;
                    file.read_exact_at(chunk, offset).ok()?;
                    Some(memchr::memchr(0, chunk).is_some())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect()
    });
    let mut has_nul = false;
    for r in results {
        has_nul |= r?;
    }
    // A file that grew meanwhile has more than `len` bytes: read it again whole.
    let mut probe = [0u8; 1];
    if file.read_at(&mut probe, u64::try_from(len).ok()?).ok()? != 0 {
        return None;
    }
    Some(Read { bytes, has_nul })
}

#[cfg(not(unix))]
fn read_in_parts(_: &File, _: usize, _: usize) -> Option<Read> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn a_large_file_reads_whole_in_parts_and_finds_a_nul_in_any_part() {
        let dir = std::env::temp_dir().join(format!("kubepath-read-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp folder");
        let path = dir.join("big.json");
        // Not a multiple of the part count, so the last part is short.
        let len = usize::try_from(PARALLEL_MIN).expect("fits") * 2 + 12_345;
        let text: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        let mut with_nul = text.clone();
        with_nul[len - 2] = 0;
        fs::write(&path, &text).expect("write");
        let parts = read_in_parts(&File::open(&path).expect("open"), len, 3);
        let whole = read(&path).expect("reads");
        fs::write(&path, &with_nul).expect("write");
        let nul_parts = read_in_parts(&File::open(&path).expect("open"), len, 3);
        let nul_whole = read(&path).expect("reads");
        let _ = fs::remove_dir_all(&dir);
        let parts = parts.expect("read in parts");
        assert!(parts.bytes == text && !parts.has_nul);
        assert!(whole.bytes == text && !whole.has_nul);
        let nul_parts = nul_parts.expect("read in parts");
        assert!(
            nul_parts.bytes == with_nul && nul_parts.has_nul,
            "a NUL in the last part"
        );
        assert!(nul_whole.bytes == with_nul && nul_whole.has_nul);
    }

    #[test]
    fn a_file_of_another_length_than_expected_is_not_taken_in_parts() {
        let dir = std::env::temp_dir().join(format!("kubepath-grown-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp folder");
        let path = dir.join("grown.json");
        fs::write(&path, vec![b' '; 1000]).expect("write");
        let file = File::open(&path).expect("open");
        // As if the file had grown from 600 bytes, or shrunk from 2000, since its size was
        // read.
        let grown = read_in_parts(&file, 600, 2);
        let shrunk = read_in_parts(&file, 2000, 2);
        let same = read_in_parts(&file, 1000, 2);
        let _ = fs::remove_dir_all(&dir);
        assert!(grown.is_none());
        assert!(shrunk.is_none());
        assert!(same.is_some_and(|r| r.bytes.len() == 1000 && !r.has_nul));
    }

    #[test]
    fn a_small_file_is_read_whole_on_this_thread() {
        let dir = std::env::temp_dir().join(format!("kubepath-small-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp folder");
        let path = dir.join("small.json");
        fs::write(&path, b"{}\0").expect("write");
        let r = read(&path).expect("reads");
        let missing = read(&dir.join("missing.json"));
        let _ = fs::remove_dir_all(&dir);
        assert!(r.bytes == b"{}\0" && r.has_nul);
        assert!(missing.is_err());
    }
}
