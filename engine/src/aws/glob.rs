//! IAM wildcard matching: `*` matches any run of characters (also none), `?` exactly one.
//! No other character is special, so `[`, `/` and `:` match themselves.

/// Whether `text` matches `pattern`, case-sensitively (resources, condition values).
pub fn matches(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        glob(pattern.as_bytes(), text.as_bytes(), b'*', b'?')
    } else {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        glob(&p, &t, '*', '?')
    }
}

/// Whether `text` matches `pattern` ignoring ASCII case (actions, `...IgnoreCase`).
pub fn matches_ignore_case(pattern: &str, text: &str) -> bool {
    matches(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase())
}

/// Whether the pattern matches every string: it is made of `*` only.
pub fn matches_everything(pattern: &str) -> bool {
    !pattern.is_empty() && pattern.bytes().all(|b| b == b'*')
}

/// Iterative matcher with single-star backtracking: linear in practice, O(n*m) worst case,
/// never exponential on hostile patterns like `*a*a*a*b`.
fn glob<T: PartialEq + Copy>(p: &[T], t: &[T], star: T, one: T) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut resume: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == star {
            resume = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == one || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = resume {
            // Let the last star swallow one more character and retry from there.
            pi = sp + 1;
            ti = st + 1;
            resume = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == star)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_any_run_including_empty() {
        assert!(matches("*", ""));
        assert!(matches("iam:Put*", "iam:Put"));
        assert!(matches("iam:Put*", "iam:PutRolePolicy"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("*a*a*a*b", "aaaaaaaaaaaaab"));
        assert!(!matches("*a*a*a*b", "aaaaaaaaaaaaaa"));
    }

    #[test]
    fn question_mark_matches_exactly_one_character() {
        assert!(matches("s3:Get?bject", "s3:GetObject"));
        assert!(!matches("s3:Get?bject", "s3:Getbject"));
        assert!(!matches("s3:Get?bject", "s3:GetOObject"));
        assert!(matches("caf?", "café"));
    }

    #[test]
    fn resources_are_case_sensitive_actions_are_not() {
        assert!(!matches("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x"));
        assert!(matches_ignore_case("IAM:put*", "iam:PutRolePolicy"));
    }

    #[test]
    fn only_all_star_patterns_match_everything() {
        assert!(matches_everything("*"));
        assert!(matches_everything("**"));
        assert!(!matches_everything("*:*"));
        assert!(!matches_everything(""));
    }
}
