//! Test support for kubepath (not published).
//!
//! [`ApiServer`] is a Kubernetes API server for tests: no kube-apiserver can be installed
//! from the registries this project reaches, so this one speaks the real REST protocol of
//! list calls (paths, `limit`/`continue`, 410 Expired, `Status` bodies, metadata-only lists,
//! bearer tokens over TLS with a CA made at start) over objects the test gives it.

mod apiserver;
mod corpus;
mod resources;

pub use apiserver::{ApiServer, Recorded};
pub use corpus::load_objects;
pub use resources::{RESOURCES, ServedResource};

/// Standard base64 with padding, as a Secret's `data` holds a value: tests look for a
/// planted secret value in both spellings.
pub fn b64(s: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in s.as_bytes().chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn b64_matches_the_standard_encoding_with_padding() {
        assert_eq!(super::b64("KPMARKER-data-b64"), "S1BNQVJLRVItZGF0YS1iNjQ=");
        assert_eq!(super::b64("ab"), "YWI=");
        assert_eq!(super::b64("abc"), "YWJj");
        assert_eq!(super::b64(""), "");
    }
}
