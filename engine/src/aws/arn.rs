//! Amazon Resource Names, parsed strictly: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// Everything after the fifth colon (`role/path/name`, `oidc-provider/HOST/PATH`).
    pub resource: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnError(pub String);

impl fmt::Display for ArnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'a> Arn<'a> {
    pub fn parse(s: &'a str) -> Result<Arn<'a>, ArnError> {
        let mut parts = s.splitn(6, ':');
        let (
            Some(prefix),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return Err(ArnError(format!(
                "not an ARN (want arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE): {s:?}"
            )));
        };
        if prefix != "arn" {
            return Err(ArnError(format!("ARN does not start with \"arn:\": {s:?}")));
        }
        let token = |t: &str| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if !partition.starts_with("aws") || !token(partition) {
            return Err(ArnError(format!(
                "ARN has an unknown partition {partition:?}: {s:?}"
            )));
        }
        if !token(service) {
            return Err(ArnError(format!(
                "ARN has an invalid service {service:?}: {s:?}"
            )));
        }
        if !region.is_empty() && !token(region) {
            return Err(ArnError(format!(
                "ARN has an invalid region {region:?}: {s:?}"
            )));
        }
        let account_ok = account.is_empty()
            || account == "aws"
            || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
        if !account_ok {
            return Err(ArnError(format!(
                "ARN has an invalid account {account:?} (want 12 digits): {s:?}"
            )));
        }
        if resource.is_empty() {
            return Err(ArnError(format!("ARN has no resource: {s:?}")));
        }
        Ok(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// An IAM entity ARN of one type (`role`, `user`, `group`, `policy`, `oidc-provider`):
    /// global service (no region), an account, and a non-empty name after the type.
    pub fn parse_iam(s: &'a str, kind: &str) -> Result<Arn<'a>, ArnError> {
        let arn = Arn::parse(s)?;
        if arn.service != "iam" {
            return Err(ArnError(format!("not an IAM ARN: {s:?}")));
        }
        if !arn.region.is_empty() {
            return Err(ArnError(format!("IAM ARN has a region: {s:?}")));
        }
        if arn.account.is_empty() {
            return Err(ArnError(format!("IAM ARN has no account: {s:?}")));
        }
        let name = arn
            .resource
            .strip_prefix(kind)
            .and_then(|r| r.strip_prefix('/'))
            .unwrap_or("");
        if name.is_empty() || name.ends_with('/') {
            return Err(ArnError(format!("not an IAM {kind} ARN: {s:?}")));
        }
        Ok(arn)
    }

    /// The resource after its `TYPE/` prefix (`role/path/name` -> `path/name`).
    pub fn resource_id(&self) -> &'a str {
        self.resource
            .split_once('/')
            .map(|(_, rest)| rest)
            .unwrap_or(self.resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arn_with_path_parses() {
        let a = Arn::parse_iam("arn:aws:iam::123456789012:role/eks/app-role", "role").unwrap();
        assert_eq!(a.partition, "aws");
        assert_eq!(a.account, "123456789012");
        assert_eq!(a.resource, "role/eks/app-role");
        assert_eq!(a.resource_id(), "eks/app-role");
    }

    #[test]
    fn malformed_arns_are_rejected() {
        for bad in [
            "",
            "arn:aws:iam::12345:role/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam:us-east-1:123456789012:role/x",
            "arx:aws:iam::123456789012:role/x",
            "arn:gcp:iam::123456789012:role/x",
            "arn:aws:iam::123456789012",
        ] {
            assert!(Arn::parse_iam(bad, "role").is_err(), "{bad}");
        }
        assert!(Arn::parse_iam("arn:aws:iam::123456789012:user/x", "role").is_err());
    }

    #[test]
    fn aws_managed_policy_and_oidc_provider_parse() {
        let p = Arn::parse_iam(
            "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
            "policy",
        )
        .unwrap();
        assert_eq!(p.account, "aws");
        let o = Arn::parse_iam(
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
            "oidc-provider",
        )
        .unwrap();
        assert_eq!(o.resource_id(), "oidc.eks.us-east-1.amazonaws.com/id/ABC");
    }
}
