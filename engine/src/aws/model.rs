//! The account model: `aws iam get-account-authorization-details` JSON (PascalCase keys).
//! Only the fields the analysis reads are kept; every field is defaulted.

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::policy::PolicyDocument;
use crate::snapshot::Source;

/// One `aws iam get-account-authorization-details` document (one account).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AuthorizationDetails {
    pub user_detail_list: Vec<UserDetail>,
    pub group_detail_list: Vec<GroupDetail>,
    pub role_detail_list: Vec<RoleDetail>,
    pub policies: Vec<ManagedPolicyDetail>,
    #[serde(skip)]
    pub source: Source,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserDetail {
    pub user_name: String,
    pub arn: String,
    pub user_policy_list: Vec<InlinePolicy>,
    pub attached_managed_policies: Vec<AttachedPolicy>,
    /// Group names (not ARNs), as the API returns them.
    pub group_list: Vec<String>,
    pub permissions_boundary: Option<PermissionsBoundary>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GroupDetail {
    pub group_name: String,
    pub arn: String,
    pub group_policy_list: Vec<InlinePolicy>,
    pub attached_managed_policies: Vec<AttachedPolicy>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RoleDetail {
    pub role_name: String,
    pub arn: String,
    /// The trust policy.
    pub assume_role_policy_document: Option<Document>,
    pub role_policy_list: Vec<InlinePolicy>,
    pub attached_managed_policies: Vec<AttachedPolicy>,
    pub permissions_boundary: Option<PermissionsBoundary>,
    pub instance_profile_list: Vec<InstanceProfile>,
    pub tags: Vec<Tag>,
}

/// A tag of a role or user (`aws:PrincipalTag/KEY`, `aws:ResourceTag/KEY`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// One `aws organizations describe-policy` document:
/// `{"Policy": {"PolicySummary": {...}, "Content": "<policy JSON as a string>"}}`.
/// Service control policies limit every principal of the accounts they apply to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct OrganizationsPolicy {
    pub policy: OrganizationsPolicyBody,
    #[serde(skip)]
    pub source: Source,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct OrganizationsPolicyBody {
    pub policy_summary: PolicySummary,
    pub content: Option<Document>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PolicySummary {
    pub id: String,
    pub arn: String,
    pub name: String,
    /// `SERVICE_CONTROL_POLICY`, `TAG_POLICY`, ...; only service control policies (or an
    /// absent type) are evaluated.
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    pub aws_managed: bool,
}

impl OrganizationsPolicy {
    pub const SCP_TYPE: &'static str = "SERVICE_CONTROL_POLICY";

    /// Whether this is a service control policy (the type is absent in hand-made files).
    pub fn is_scp(&self) -> bool {
        self.policy
            .policy_summary
            .kind
            .as_deref()
            .is_none_or(|k| k == Self::SCP_TYPE)
    }

    /// Whether a decoded JSON value looks like `aws organizations describe-policy` output.
    pub fn looks_like(value: &Value) -> bool {
        value.get("kind").is_none()
            && value
                .get("Policy")
                .is_some_and(|p| p.get("PolicySummary").is_some() && p.get("Content").is_some())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InstanceProfile {
    pub instance_profile_name: String,
    pub arn: String,
}

/// An inline policy of a user, group or role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InlinePolicy {
    pub policy_name: String,
    pub policy_document: Option<Document>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AttachedPolicy {
    pub policy_name: String,
    pub policy_arn: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PermissionsBoundary {
    pub permissions_boundary_arn: String,
    pub permissions_boundary_type: Option<String>,
}

/// A managed policy with its versions (`Policies[]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ManagedPolicyDetail {
    pub policy_name: String,
    pub arn: String,
    pub default_version_id: Option<String>,
    pub policy_version_list: Vec<PolicyVersion>,
}

impl ManagedPolicyDetail {
    /// The default version (by `IsDefaultVersion`, else by `DefaultVersionId`, else the
    /// only version), with its index in `PolicyVersionList`.
    pub fn default_version(&self) -> Option<(usize, &PolicyVersion)> {
        let list = &self.policy_version_list;
        list.iter()
            .enumerate()
            .find(|(_, v)| v.is_default_version)
            .or_else(|| {
                let id = self.default_version_id.as_deref()?;
                list.iter().enumerate().find(|(_, v)| v.version_id == id)
            })
            .or(match list.as_slice() {
                [only] => Some((0, only)),
                _ => None,
            })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PolicyVersion {
    pub document: Option<Document>,
    pub version_id: String,
    pub is_default_version: bool,
}

/// A policy document as found in the dump: a JSON object (what the AWS CLI prints) or a
/// URL-encoded JSON string (the raw API form). Decoding never fails the file: a document
/// that cannot be read keeps its error, and the AWS index reports it as a warning.
#[derive(Debug, Clone)]
pub struct Document {
    /// The decoded JSON (or the original value when it could not be decoded).
    pub raw: Value,
    pub parsed: Result<PolicyDocument, String>,
}

impl PartialEq for Document {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Document {
    pub fn from_value(v: Value) -> Document {
        match v {
            Value::String(s) => Document::from_encoded(&s),
            other => {
                let parsed = PolicyDocument::from_value(&other);
                Document { raw: other, parsed }
            }
        }
    }

    /// A URL-encoded document. `+` is not a space here (IAM encodes spaces as `%20`). A
    /// string that is plain JSON is accepted too.
    fn from_encoded(s: &str) -> Document {
        let decoded = percent_decode_str(s)
            .decode_utf8()
            .map_err(|e| format!("URL-encoded policy document is not UTF-8: {e}"))
            .and_then(|d| {
                serde_json::from_str::<Value>(&d)
                    .map_err(|e| format!("URL-encoded policy document is not JSON: {e}"))
            })
            .or_else(|e| serde_json::from_str::<Value>(s).map_err(|_| e));
        match decoded {
            Ok(v) => {
                let parsed = PolicyDocument::from_value(&v);
                Document { raw: v, parsed }
            }
            Err(e) => Document {
                raw: Value::String(s.to_string()),
                parsed: Err(e),
            },
        }
    }

    pub fn policy(&self) -> Option<&PolicyDocument> {
        self.parsed.as_ref().ok()
    }
}

impl Serialize for Document {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Document::from_value(Value::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn url_encoded_and_object_documents_decode_to_the_same_policy() {
        let obj = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::a+b/*"}]});
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGet%2A%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Aa+b%2F%2A%22%7D%5D%7D";
        let a = Document::from_value(obj);
        let b = Document::from_value(Value::String(encoded.into()));
        assert!(a.parsed.is_ok() && b.parsed.is_ok());
        assert_eq!(a, b, "`+` must stay a plus sign");
        assert_eq!(a.parsed, b.parsed);
    }

    #[test]
    fn undecodable_document_is_kept_as_an_error() {
        let d = Document::from_value(Value::String("%7B%22Version%22%3A".into()));
        assert!(d.parsed.is_err());
        let d = Document::from_value(json!(42));
        assert!(d.parsed.is_err());
    }

    #[test]
    fn a_bad_document_does_not_fail_the_file() {
        let details: AuthorizationDetails = serde_json::from_value(json!({
            "RoleDetailList": [
                {"RoleName": "a", "Arn": "arn:aws:iam::123456789012:role/a",
                 "AssumeRolePolicyDocument": "%ZZnot-json",
                 "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Statement": "oops"}}]}
            ],
            "Policies": [{"PolicyName": "m", "Arn": "arn:aws:iam::123456789012:policy/m",
                "DefaultVersionId": "v2",
                "PolicyVersionList": [
                    {"VersionId": "v1", "IsDefaultVersion": false, "Document": {"Statement": []}},
                    {"VersionId": "v2", "IsDefaultVersion": true, "Document": {"Statement": []}}
                ]}]
        }))
        .unwrap();
        let role = &details.role_detail_list[0];
        assert!(
            role.assume_role_policy_document
                .as_ref()
                .unwrap()
                .parsed
                .is_err()
        );
        assert!(
            role.role_policy_list[0]
                .policy_document
                .as_ref()
                .unwrap()
                .parsed
                .is_err()
        );
        assert_eq!(
            details.policies[0].default_version().map(|(i, _)| i),
            Some(1)
        );
    }
}
