//! AWS IAM: the account model (`aws iam get-account-authorization-details`) and policy
//! evaluation. (Skeleton: filled in by the AWS work.)

use serde::{Deserialize, Serialize};

use crate::snapshot::{Snapshot, Source, Warning};

/// One `aws iam get-account-authorization-details` document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationDetails {
    #[serde(skip)]
    pub source: Source,
}

pub struct AwsIndex<'a> {
    _snapshot: &'a Snapshot,
}

impl<'a> AwsIndex<'a> {
    pub fn new(snapshot: &'a Snapshot, _warnings: &mut Vec<Warning>) -> Self {
        AwsIndex {
            _snapshot: snapshot,
        }
    }
}
