//! Which roles' trust policies may admit a principal, indexed by what they name, so that
//! role assumption is found without testing every principal against every role.

use std::collections::HashMap;

use super::policy::{Effect, PolicyDocument, PrincipalSet};

pub const ASSUME_ROLE: &str = "sts:AssumeRole";

/// Roles (indexes into `AwsIndex::principals`) by the principals their trust names in an
/// Allow of `sts:AssumeRole`. A candidate still has to pass full evaluation.
#[derive(Debug, Default)]
pub struct TrustIndex {
    by_arn: HashMap<String, Vec<usize>>,
    by_account: HashMap<String, Vec<usize>>,
    /// `Principal: "*"`, `{"AWS": "*"}` or `NotPrincipal`: any AWS principal (conditions
    /// decide).
    any_aws: Vec<usize>,
    /// Service principal (lower case) -> roles.
    by_service: HashMap<String, Vec<usize>>,
    any_service: Vec<usize>,
}

/// The account an AWS principal identifier stands for: a bare 12-digit id or an
/// `arn:...:iam::ACCOUNT:root`.
pub fn account_of_root(id: &str) -> Option<&str> {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        return Some(id);
    }
    let rest = id.strip_suffix(":root")?;
    let account = rest.rsplit(':').next()?;
    (rest.starts_with("arn:") && account.len() == 12).then_some(account)
}

impl TrustIndex {
    /// Index one role's trust policy.
    pub fn add(&mut self, role: usize, trust: &PolicyDocument) {
        for s in &trust.statements {
            if s.effect != Effect::Allow || !s.matches_action(ASSUME_ROLE) {
                continue;
            }
            match &s.principal {
                None => {}
                Some((true, _)) | Some((false, PrincipalSet::Any)) => {
                    self.any_aws.push(role);
                    self.any_service.push(role);
                }
                Some((false, PrincipalSet::Map(m))) => {
                    for (kind, ids) in m {
                        for id in ids {
                            if kind.eq_ignore_ascii_case("AWS") {
                                if id == "*" {
                                    self.any_aws.push(role);
                                } else if let Some(acct) = account_of_root(id) {
                                    self.by_account
                                        .entry(acct.to_string())
                                        .or_default()
                                        .push(role);
                                } else {
                                    self.by_arn.entry(id.clone()).or_default().push(role);
                                }
                            } else if kind.eq_ignore_ascii_case("Service") {
                                if id == "*" {
                                    self.any_service.push(role);
                                } else {
                                    self.by_service
                                        .entry(id.to_ascii_lowercase())
                                        .or_default()
                                        .push(role);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Roles whose trust names the AWS principal `arn` itself.
    pub fn named(&self, arn: &str) -> &[usize] {
        self.by_arn.get(arn).map(Vec::as_slice).unwrap_or_default()
    }

    /// Roles whose trust may admit the AWS principal `arn` of `account`: sorted, unique.
    pub fn assume_candidates(&self, arn: &str, account: &str) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .by_arn
            .get(arn)
            .into_iter()
            .flatten()
            .chain(self.by_account.get(account).into_iter().flatten())
            .chain(&self.any_aws)
            .copied()
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Roles whose trust may admit the service principal (`ec2.amazonaws.com`): sorted,
    /// unique.
    pub fn service_candidates(&self, service: &str) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .by_service
            .get(&service.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .chain(&self.any_service)
            .copied()
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_and_bare_account_ids_name_the_account() {
        assert_eq!(
            account_of_root("arn:aws:iam::111122223333:root"),
            Some("111122223333")
        );
        assert_eq!(account_of_root("111122223333"), Some("111122223333"));
        assert_eq!(account_of_root("arn:aws:iam::111122223333:role/root"), None);
        assert_eq!(account_of_root("1234"), None);
    }
}
