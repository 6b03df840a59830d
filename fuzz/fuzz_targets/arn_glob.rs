//! IAM wildcard matching against a reference (textbook dynamic programming over chars), and
//! ARN parsing: an accepted ARN's parts put back together give the input, and an IAM ARN is
//! an ARN.
#![no_main]

use kubepath_engine::aws::Arn;
use kubepath_engine::aws::glob;
use libfuzzer_sys::fuzz_target;

/// `*` any run (also none), `?` one char; O(n*m), obviously right.
fn reference(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // dp[j]: pattern prefix (so far) matches text prefix of length j.
    let mut dp = vec![false; t.len() + 1];
    dp[0] = true;
    for &pc in &p {
        let mut next = vec![false; t.len() + 1];
        if pc == '*' {
            let mut any = false;
            for j in 0..=t.len() {
                any |= dp[j];
                next[j] = any;
            }
        } else {
            for j in 1..=t.len() {
                next[j] = dp[j - 1] && (pc == '?' || pc == t[j - 1]);
            }
        }
        dp = next;
    }
    dp[t.len()]
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (pattern, subject) = text.split_once('\n').unwrap_or((&text, ""));
    if pattern.len() <= 256 && subject.len() <= 256 {
        assert_eq!(
            glob::matches(pattern, subject),
            reference(pattern, subject),
            "glob {pattern:?} on {subject:?}"
        );
        assert_eq!(
            glob::matches_ignore_case(pattern, subject),
            reference(&pattern.to_ascii_lowercase(), &subject.to_ascii_lowercase())
        );
    } else {
        // Long inputs: only that it ends (libFuzzer reports slow units).
        let _ = glob::matches(pattern, subject);
    }
    if glob::matches_everything(pattern) {
        assert!(glob::matches(pattern, subject));
    }
    for candidate in [pattern, subject] {
        if let Ok(arn) = Arn::parse(candidate) {
            let joined = format!(
                "arn:{}:{}:{}:{}:{}",
                arn.partition, arn.service, arn.region, arn.account, arn.resource
            );
            assert_eq!(joined, candidate);
            let _ = arn.resource_id();
        }
        for kind in ["role", "user", "group", "policy", "oidc-provider"] {
            if Arn::parse_iam(candidate, kind).is_ok() {
                assert!(Arn::parse(candidate).is_ok());
            }
        }
    }
});
