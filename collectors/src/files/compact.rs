//! A file's JSON text without the whitespace between its tokens, read and compacted in
//! blocks on every core.
//!
//! `kubectl get -o json` indents every line: on a 100,000-pod estate more than half of
//! `pods.json` (821 MB) is indentation, which the List scan and then the item decoders each
//! read byte by byte. Removing it as the file is read, once, shortens what they read to
//! 353 MB, and the memory the text holds with it.
//!
//! The result parses to the same value as the input when the input is valid JSON, and fails
//! to parse when the input does not: whitespace is kept where removing it would join two
//! tokens (`[1 2]` stays invalid), and bytes inside strings are copied as they are.

use std::fs::File;
use std::io;
use std::path::Path;

use rayon::prelude::*;

/// Files from this size are compacted before the List scan: below it the pass, and the
/// second read a file that is not a List then needs, cost more than they save.
pub(super) const MIN_LEN: u64 = 16 << 20;

/// The file is read and compacted in blocks of this size, two per core at a time, so that
/// only the compacted text is ever held whole: the blocks are reused, and stay in cache
/// between the read and the compaction. (Reading `pods.json` whole first spent more time
/// faulting in the 821 MB buffer's pages than copying into it.)
const BLOCK: usize = 4 << 20;

/// The text of `path` without the whitespace between its JSON tokens; `Ok(None)` when it
/// holds a NUL byte or changed while it was read (the caller reads it as written, and
/// says what is wrong with it).
#[cfg(unix)]
pub(super) fn read_compacted(path: &Path) -> io::Result<Option<Vec<u8>>> {
    use std::os::unix::fs::FileExt;

    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let slots = rayon::current_num_threads().max(1) * 2;
    let compacted = compact_blocks(|buf, at| file.read_at(buf, at), len, BLOCK, slots)?;
    // A file that grew meanwhile has more than `len` bytes.
    let mut probe = [0u8; 1];
    if compacted.is_none() || file.read_at(&mut probe, len)? != 0 {
        return Ok(None);
    }
    Ok(compacted)
}

#[cfg(not(unix))]
pub(super) fn read_compacted(_: &Path) -> io::Result<Option<Vec<u8>>> {
    Ok(None)
}

/// Positioned reads, as `FileExt::read_at`: bytes read into the buffer from an offset.
type ReadAt<'a> = dyn Fn(&mut [u8], u64) -> io::Result<usize> + Sync + 'a;

/// The compacted text of the `len` bytes `read_at` reads, in blocks of `block` bytes,
/// `slots` at a time; `None` when they hold a NUL byte or end before `len`.
///
/// A block's text runs from just after the first newline at or after its start (from the
/// start of the file, for the first) to just after the first newline at or after the next
/// block's start, read beyond it as far as that takes: a newline is never inside a valid
/// JSON string, so each block begins between tokens and is compacted on its own. (In
/// invalid text a raw newline inside a string is copied with the string, so the text
/// stays invalid.)
fn compact_blocks(
    read_at: impl Fn(&mut [u8], u64) -> io::Result<usize> + Sync,
    len: u64,
    block: usize,
    slots: usize,
) -> io::Result<Option<Vec<u8>>> {
    let block = block.max(1);
    let blocks = usize::try_from(len.div_ceil(block as u64)).unwrap_or(usize::MAX);
    // Zeroed, so that its pages are the system's fresh ones, faulted in (on every core,
    // as the blocks are copied in) only as far as the compacted text reaches.
    let mut out = vec![0u8; usize::try_from(len).unwrap_or(0)];
    let mut end = 0;
    let mut scratch: Vec<Vec<u8>> = vec![Vec::new(); slots.max(1)];
    let mut first = 0;
    while first < blocks {
        let round: Vec<io::Result<Option<(usize, usize)>>> = scratch
            .par_iter_mut()
            .enumerate()
            .filter(|(k, _)| first + k < blocks)
            .map(|(k, buf)| read_block(&read_at, len, first + k, block, buf))
            .collect();
        let mut texts = Vec::with_capacity(round.len());
        for (result, buf) in round.into_iter().zip(&scratch) {
            let Some((from, kept)) = result? else {
                return Ok(None);
            };
            texts.push(&buf[from..from + kept]);
        }
        // Where each block's text goes: one after another, after the last round's.
        let mut rest = out.get_mut(end..).unwrap_or_default();
        let mut places = Vec::with_capacity(texts.len());
        for text in &texts {
            let Some((place, tail)) = rest.split_at_mut_checked(text.len()) else {
                // More text than bytes read: not possible, as compaction only removes.
                return Ok(None);
            };
            places.push(place);
            rest = tail;
            end += text.len();
        }
        places
            .into_par_iter()
            .zip(texts)
            .for_each(|(place, text)| place.copy_from_slice(text));
        first += scratch.len();
    }
    out.truncate(end);
    Ok(Some(out))
}

/// Read and compact block `i` into `buf`; where its compacted text lies there (start and
/// length), or `None` when it holds a NUL byte or the bytes end before `len`.
fn read_block(
    read_at: &ReadAt<'_>,
    len: u64,
    i: usize,
    block: usize,
    buf: &mut Vec<u8>,
) -> io::Result<Option<(usize, usize)>> {
    let start = i as u64 * block as u64;
    let nominal = usize::try_from((len - start).min(block as u64)).unwrap_or(block);
    buf.clear();
    if !fill(read_at, buf, start, nominal)? {
        return Ok(None);
    }
    // Past the block's end up to the next newline: the next block begins after it.
    let mut end = None;
    let mut searched = nominal;
    while end.is_none() && start + (buf.len() as u64) < len {
        let more = usize::try_from((len - start - buf.len() as u64).min(64 << 10)).unwrap_or(0);
        if !fill(read_at, buf, start + buf.len() as u64, more)? {
            return Ok(None);
        }
        end = memchr::memchr(b'\n', &buf[searched..]).map(|at| searched + at + 1);
        searched = buf.len();
    }
    let end = end.unwrap_or(buf.len());
    let from = if i == 0 {
        0
    } else {
        // No newline at all: the previous block read through this one.
        memchr::memchr(b'\n', &buf[..end]).map_or(end, |at| at + 1)
    };
    let text = &mut buf[from..end];
    if memchr::memchr(0, text).is_some() {
        return Ok(None);
    }
    Ok(Some((from, compact_part(text))))
}

/// Append `n` bytes read from `at` to `buf`; `false` when the bytes end first.
fn fill(read_at: &ReadAt<'_>, buf: &mut Vec<u8>, at: u64, n: usize) -> io::Result<bool> {
    let old = buf.len();
    buf.resize(old + n, 0);
    let mut done = 0;
    while done < n {
        match read_at(&mut buf[old + done..], at + done as u64) {
            Ok(0) => return Ok(false),
            Ok(k) => done += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Compact `buf` in place; returns the length of the result, at its start.
fn compact_part(buf: &mut [u8]) -> usize {
    const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
    let n = buf.len();
    let (mut r, mut w) = (0, 0);
    while r < n {
        match buf[r] {
            b' ' | b'\n' | b'\r' | b'\t' => {
                let start = r;
                r += 1;
                loop {
                    // Indentation comes in long runs of spaces: eight at a time.
                    while let Some(eight) = buf.get(r..r + 8)
                        && <[u8; 8]>::try_from(eight).is_ok_and(|e| u64::from_ne_bytes(e) == SPACES)
                    {
                        r += 8;
                    }
                    match buf.get(r) {
                        Some(b' ' | b'\n' | b'\r' | b'\t') => r += 1,
                        _ => break,
                    }
                }
                // One byte of it stays where it separates two tokens that would otherwise
                // join, and at either end of the part, whose neighbours are not known here.
                let joins = w > 0 && r < n && word(buf[w - 1]) && word(buf[r]);
                if w == 0 || r == n || joins {
                    buf[w] = buf[start];
                    w += 1;
                }
            }
            b'"' => {
                buf[w] = b'"';
                (r, w) = (r + 1, w + 1);
                loop {
                    // Eight bytes at a time while none of them ends the string or escapes.
                    while let Some(eight) = buf.get(r..r + 8)
                        && let Ok(eight) = <[u8; 8]>::try_from(eight)
                        && !has_byte(eight, b'"')
                        && !has_byte(eight, b'\\')
                    {
                        buf[w..w + 8].copy_from_slice(&eight);
                        (r, w) = (r + 8, w + 8);
                    }
                    // Unterminated (the part ends inside a string): copied whole.
                    let Some(&b) = buf.get(r) else { break };
                    buf[w] = b;
                    (r, w) = (r + 1, w + 1);
                    if b == b'"' {
                        break;
                    }
                    if b == b'\\'
                        && let Some(&escaped) = buf.get(r)
                    {
                        buf[w] = escaped;
                        (r, w) = (r + 1, w + 1);
                    }
                }
            }
            b => {
                buf[w] = b;
                w += 1;
                r += 1;
            }
        }
    }
    w
}

/// Whether any of `eight` is `b` (a zero byte in their XOR, found without a branch per
/// byte).
fn has_byte(eight: [u8; 8], b: u8) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let x = u64::from_ne_bytes(eight) ^ (ONES * u64::from(b));
    x.wrapping_sub(ONES) & !x & HIGHS != 0
}

/// A byte of a number or literal (`true`, `1e-5`), or anything else that is not structure:
/// two such tokens must stay apart.
fn word(b: u8) -> bool {
    !matches!(
        b,
        b'{' | b'}' | b'[' | b']' | b',' | b':' | b'"' | b' ' | b'\n' | b'\r' | b'\t'
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    /// `bytes` as a file read in blocks of `block`, three at a time, by reads that return
    /// at most seven bytes (as a read may return fewer than asked).
    fn compact_bytes(bytes: &[u8], len: u64, block: usize) -> Option<Vec<u8>> {
        let read_at = |buf: &mut [u8], at: u64| {
            let rest = usize::try_from(at)
                .ok()
                .and_then(|at| bytes.get(at..))
                .unwrap_or(&[]);
            let n = rest.len().min(buf.len()).min(7);
            buf[..n].copy_from_slice(&rest[..n]);
            Ok(n)
        };
        compact_blocks(read_at, len, block, 3).expect("reads from memory")
    }

    fn compacted(text: &str, block: usize) -> String {
        let out = compact_bytes(text.as_bytes(), text.len() as u64, block).expect("compacts");
        String::from_utf8(out).expect("compaction keeps UTF-8")
    }

    /// One block: the whole text.
    const WHOLE: usize = usize::MAX / 2;

    #[test]
    fn indentation_goes_and_strings_stay_as_they_are() {
        let text = "{\n    \"a b\": [\n        1,\n        \"x \\\" \\\\\",\n        true\n    ],\n\t\"é\" : null\r\n}\n";
        let out = compacted(text, WHOLE);
        assert_eq!(
            out,
            r#"{"a b":[1,"x \" \\",true],"é":null}"#.to_string() + "\n"
        );
        let value: Value = serde_json::from_str(text).expect("valid");
        assert_eq!(serde_json::from_str::<Value>(&out).expect("valid"), value);
    }

    #[test]
    fn whitespace_that_separates_two_tokens_stays() {
        // Joined, `1 2` would read as 12 and `tru e` as true: both must stay invalid.
        for text in ["[1 2]", "[1\n2]", "[tru e]", "{\"a\": 1 2}"] {
            let out = compacted(text, WHOLE);
            assert!(serde_json::from_str::<Value>(text).is_err());
            assert!(
                serde_json::from_str::<Value>(&out).is_err(),
                "{text:?} -> {out:?}"
            );
        }
    }

    #[test]
    fn a_raw_newline_inside_a_string_is_kept_and_the_text_stays_invalid() {
        let text = "{\"a\": \"one\n two\"}\n";
        for block in 1..8 {
            let out = compacted(text, block);
            assert!(out.contains("one\n two"), "{out:?}");
            assert!(serde_json::from_str::<Value>(&out).is_err());
        }
    }

    #[test]
    fn many_blocks_give_the_same_value_as_one_and_hardly_more_text() {
        let value = json!({"items": (0..200).map(|i| json!({
            "name": format!("p{i}"), "n": i, "s": "a \"quoted\" \\ value\twith tab",
            "nested": {"list": [1, 2.5, -3e2, null, false], "empty": {}}
        })).collect::<Vec<_>>()});
        let text = serde_json::to_string_pretty(&value).expect("serialises");
        let one = compacted(&text, WHOLE);
        assert!(
            one.len() * 2 < text.len(),
            "most of the text is indentation"
        );
        assert_eq!(serde_json::from_str::<Value>(&one).expect("valid"), value);
        for block in [1, 2, 3, 7, 64, 10_000, text.len() - 1] {
            let out = compacted(&text, block);
            // A block keeps one byte of whitespace at either edge, as its neighbours are
            // not known to it: the text differs from one block's by those bytes alone.
            let without = |s: &str| s.replace(['\n', ' '], "");
            assert_eq!(without(&out), without(&one), "blocks of {block}");
            let blocks = text.len().div_ceil(block);
            assert!(out.len() <= one.len() + 2 * blocks, "blocks of {block}");
            assert_eq!(
                serde_json::from_str::<Value>(&out).ok().as_ref(),
                Some(&value)
            );
        }
    }

    #[test]
    fn a_nul_byte_in_any_block_or_text_shorter_than_said_gives_nothing() {
        let text = "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}\n".as_bytes();
        for block in [1, 3, 8, WHOLE] {
            assert!(compact_bytes(text, text.len() as u64, block).is_some());
            for at in 0..text.len() {
                let mut with_nul = text.to_vec();
                with_nul[at] = 0;
                let out = compact_bytes(&with_nul, text.len() as u64, block);
                assert!(out.is_none(), "a NUL at {at}, blocks of {block}");
            }
            let out = compact_bytes(text, text.len() as u64 + 1, block);
            assert!(out.is_none(), "one byte short, blocks of {block}");
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[ a-z\\\\\"\\n\\t\\u{e9}]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z \\\\\"]{0,5}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn pretty_json_compacts_to_the_same_value(value in json_value(), block in 1usize..40) {
            let text = serde_json::to_string_pretty(&value).expect("serialises");
            let out = compacted(&text, block);
            prop_assert_eq!(serde_json::from_str::<Value>(&out).ok(), Some(value));
        }

        #[test]
        fn text_that_compacts_to_json_was_that_json(
            text in "[ \\n\\t\\r{}\\[\\],:\"\\\\a1e.-]{0,40}",
            block in 1usize..12,
        ) {
            let out = compacted(&text, block);
            if let Ok(v) = serde_json::from_str::<Value>(&out) {
                prop_assert_eq!(serde_json::from_str::<Value>(&text).ok(), Some(v));
            }
        }
    }
}
