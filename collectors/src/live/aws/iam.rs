//! `iam:GetAccountAuthorizationDetails`, every page, as `aws iam
//! get-account-authorization-details` prints it: one document with the four lists, policy
//! documents decoded from their URL encoding into JSON objects.

use aws_sdk_iam::Client;
use aws_sdk_iam::primitives::{DateTime, DateTimeFormat};
use aws_sdk_iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, GroupDetail, InstanceProfile, ManagedPolicyDetail,
    PolicyDetail, PolicyVersion, RoleDetail, Tag, UserDetail,
};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use kubepath_engine::snapshot::CoverageGap;

use super::{SOURCE, gap, json_file};
use crate::live::Collection;

/// The file the details are written to.
pub const FILE: &str = "iam-authorization-details.json";
/// More pages than this is a marker that never ends (a broken endpoint), not an account.
const MAX_PAGES: usize = 100_000;

const MAY_HIDE: &str = "IAM principals and policies of the account: AWS escalations (AWS_PRIVESC, AWS_ADMIN, AWS_ASSUME_ROLE) and the permissions of roles pods can use would not be seen";

pub(super) async fn collect(client: &Client, out: &mut Collection) {
    let mut lists: [Vec<Value>; 4] = Default::default();
    let mut marker: Option<String> = None;
    let mut pages = 0usize;
    loop {
        let page = client
            .get_account_authorization_details()
            .max_items(1000)
            .set_marker(marker.clone())
            .send()
            .await;
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                let mut g = gap("iam:GetAccountAuthorizationDetails", &e, MAY_HIDE);
                if pages > 0 {
                    g.may_hide = format!(
                        "IAM principals and policies after the first {pages} page(s): escalations through them would not be seen"
                    );
                }
                out.gaps.push(g);
                break;
            }
        };
        pages += 1;
        lists[0].extend(page.user_detail_list().iter().map(user));
        lists[1].extend(page.group_detail_list().iter().map(group));
        lists[2].extend(page.role_detail_list().iter().map(role));
        lists[3].extend(page.policies().iter().map(managed_policy));
        match page.marker() {
            Some(m) if page.is_truncated() && marker.as_deref() != Some(m) => {
                marker = Some(m.to_string());
            }
            _ => break,
        }
        if pages >= MAX_PAGES {
            out.gaps.push(CoverageGap {
                source: SOURCE.into(),
                what: "iam:GetAccountAuthorizationDetails".into(),
                namespace: None,
                reason: format!("still truncated after {pages} pages"),
                may_hide: "the principals and policies of the remaining pages".into(),
            });
            break;
        }
    }
    if pages == 0 {
        return;
    }
    let [users, groups, roles, policies] = lists;
    let doc = json!({
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": policies,
    });
    out.files.push(json_file(FILE, &[doc]));
}

/// A policy document as the aws CLI prints it: the URL-encoded string the API returns,
/// decoded into JSON. A string that is already JSON is taken as it is; one that is neither
/// is kept verbatim (the reader reports it, naming the policy).
pub(crate) fn document(raw: &str) -> Value {
    let decoded = percent_decode_str(raw)
        .decode_utf8()
        .ok()
        .and_then(|d| serde_json::from_str::<Value>(&d).ok());
    decoded
        .or_else(|| serde_json::from_str::<Value>(raw).ok())
        .unwrap_or_else(|| Value::String(raw.to_string()))
}

/// The last segment of an ARN's resource (`arn:aws:iam::1:policy/path/NAME` -> `NAME`):
/// what the name is when a field is absent (moto 5.1.6 and later omit `PolicyName` in
/// `Policies`).
pub(crate) fn name_from_arn(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

fn name_or_arn(name: Option<&str>, arn: Option<&str>) -> String {
    name.filter(|n| !n.is_empty())
        .or_else(|| arn.map(name_from_arn))
        .unwrap_or_default()
        .to_string()
}

/// An object of the fields that are present (the CLI omits absent ones).
struct Obj(Map<String, Value>);

impl Obj {
    fn new() -> Self {
        Obj(Map::new())
    }
    fn s(mut self, key: &str, v: Option<&str>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), Value::String(v.into()));
        }
        self
    }
    fn v(mut self, key: &str, v: Value) -> Self {
        self.0.insert(key.into(), v);
        self
    }
    fn opt(self, key: &str, v: Option<Value>) -> Self {
        match v {
            Some(v) => self.v(key, v),
            None => self,
        }
    }
    fn date(self, key: &str, d: Option<&DateTime>) -> Self {
        let text = d.and_then(|d| d.fmt(DateTimeFormat::DateTime).ok());
        self.s(key, text.as_deref())
    }
    fn done(self) -> Value {
        Value::Object(self.0)
    }
}

fn inline(p: &PolicyDetail) -> Value {
    Obj::new()
        .s("PolicyName", p.policy_name())
        .opt("PolicyDocument", p.policy_document().map(document))
        .done()
}

fn attached(p: &AttachedPolicy) -> Value {
    Obj::new()
        .v(
            "PolicyName",
            name_or_arn(p.policy_name(), p.policy_arn()).into(),
        )
        .s("PolicyArn", p.policy_arn())
        .done()
}

fn boundary(b: &AttachedPermissionsBoundary) -> Value {
    Obj::new()
        .s(
            "PermissionsBoundaryType",
            b.permissions_boundary_type().map(|t| t.as_str()),
        )
        .s("PermissionsBoundaryArn", b.permissions_boundary_arn())
        .done()
}

fn tags(t: &[Tag]) -> Value {
    t.iter()
        .map(|t| json!({"Key": t.key(), "Value": t.value()}))
        .collect()
}

fn list<T>(items: &[T], f: impl Fn(&T) -> Value) -> Value {
    items.iter().map(f).collect()
}

pub(crate) fn user(u: &UserDetail) -> Value {
    Obj::new()
        .s("Path", u.path())
        .v("UserName", name_or_arn(u.user_name(), u.arn()).into())
        .s("UserId", u.user_id())
        .s("Arn", u.arn())
        .date("CreateDate", u.create_date())
        .v("UserPolicyList", list(u.user_policy_list(), inline))
        .v("GroupList", u.group_list().into())
        .v(
            "AttachedManagedPolicies",
            list(u.attached_managed_policies(), attached),
        )
        .opt(
            "PermissionsBoundary",
            u.permissions_boundary().map(boundary),
        )
        .v("Tags", tags(u.tags()))
        .done()
}

pub(crate) fn group(g: &GroupDetail) -> Value {
    Obj::new()
        .s("Path", g.path())
        .v("GroupName", name_or_arn(g.group_name(), g.arn()).into())
        .s("GroupId", g.group_id())
        .s("Arn", g.arn())
        .date("CreateDate", g.create_date())
        .v("GroupPolicyList", list(g.group_policy_list(), inline))
        .v(
            "AttachedManagedPolicies",
            list(g.attached_managed_policies(), attached),
        )
        .done()
}

fn instance_profile(p: &InstanceProfile) -> Value {
    Obj::new()
        .s("Path", Some(p.path()))
        .s("InstanceProfileName", Some(p.instance_profile_name()))
        .s("InstanceProfileId", Some(p.instance_profile_id()))
        .s("Arn", Some(p.arn()))
        .date("CreateDate", Some(p.create_date()))
        .done()
}

pub(crate) fn role(r: &RoleDetail) -> Value {
    Obj::new()
        .s("Path", r.path())
        .v("RoleName", name_or_arn(r.role_name(), r.arn()).into())
        .s("RoleId", r.role_id())
        .s("Arn", r.arn())
        .date("CreateDate", r.create_date())
        .opt(
            "AssumeRolePolicyDocument",
            r.assume_role_policy_document().map(document),
        )
        .v(
            "InstanceProfileList",
            list(r.instance_profile_list(), instance_profile),
        )
        .v("RolePolicyList", list(r.role_policy_list(), inline))
        .v(
            "AttachedManagedPolicies",
            list(r.attached_managed_policies(), attached),
        )
        .opt(
            "PermissionsBoundary",
            r.permissions_boundary().map(boundary),
        )
        .v("Tags", tags(r.tags()))
        .done()
}

fn version(v: &PolicyVersion) -> Value {
    Obj::new()
        .opt("Document", v.document().map(document))
        .s("VersionId", v.version_id())
        .v("IsDefaultVersion", v.is_default_version().into())
        .date("CreateDate", v.create_date())
        .done()
}

pub(crate) fn managed_policy(p: &ManagedPolicyDetail) -> Value {
    Obj::new()
        .v("PolicyName", name_or_arn(p.policy_name(), p.arn()).into())
        .s("PolicyId", p.policy_id())
        .s("Arn", p.arn())
        .s("Path", p.path())
        .s("DefaultVersionId", p.default_version_id())
        .opt("AttachmentCount", p.attachment_count().map(Value::from))
        .opt(
            "PermissionsBoundaryUsageCount",
            p.permissions_boundary_usage_count().map(Value::from),
        )
        .v("IsAttachable", p.is_attachable().into())
        .s("Description", p.description())
        .date("CreateDate", p.create_date())
        .date("UpdateDate", p.update_date())
        .v("PolicyVersionList", list(p.policy_version_list(), version))
        .done()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_decoded_from_url_encoding_or_kept() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            document(encoded),
            json!({"Version": "2012-10-17", "Statement": []})
        );
        // Already JSON, with a `%` that is not an escape.
        assert_eq!(document(r#"{"Sid":"100%"}"#), json!({"Sid": "100%"}));
        assert_eq!(document("%7Bnot json"), json!("%7Bnot json"));
    }

    #[test]
    fn a_managed_policy_without_name_or_id_takes_its_name_from_the_arn() {
        let p = ManagedPolicyDetail::builder()
            .arn("arn:aws:iam::123456789012:policy/team/ops-write")
            .default_version_id("v1")
            .policy_version_list(
                PolicyVersion::builder()
                    .document("%7B%22Statement%22%3A%5B%5D%7D")
                    .version_id("v1")
                    .is_default_version(true)
                    .build(),
            )
            .build();
        let v = managed_policy(&p);
        assert_eq!(v["PolicyName"], "ops-write");
        assert!(v.get("PolicyId").is_none());
        assert_eq!(
            v["PolicyVersionList"][0]["Document"],
            json!({"Statement": []})
        );
        let a = attached(
            &AttachedPolicy::builder()
                .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
                .build(),
        );
        assert_eq!(a["PolicyName"], "AdministratorAccess");
    }
}
