//! The account index: documents, warnings, evaluation and the admin check.

use serde_json::{Value, json};

use super::*;
use crate::snapshot::{Snapshot, Source};

const ACCT: &str = "111122223333";

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:role/{name}")
}

fn snapshot(details: Value) -> Snapshot {
    let mut d: AuthorizationDetails = serde_json::from_value(details).unwrap();
    d.source = Source {
        file: "iam.json".into(),
        document: 0,
        line: None,
    };
    Snapshot {
        aws: vec![d],
        ..Snapshot::default()
    }
}

fn role(name: &str, extra: Value) -> Value {
    let mut r = json!({"RoleName": name, "Arn": role_arn(name)});
    if let (Some(r), Some(e)) = (r.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    r
}

fn inline(doc: Value) -> Value {
    json!([{"PolicyName": "inline", "PolicyDocument": doc}])
}

fn stmts(s: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": s})
}

const ALLOW_ALL: &str = r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#;

fn allow_all() -> Value {
    serde_json::from_str(ALLOW_ALL).unwrap()
}

fn is_admin(snap: &Snapshot, name: &str) -> Option<bool> {
    let mut w = Vec::new();
    let ix = AwsIndex::new(snap, &mut w);
    let p = ix.principal(&role_arn(name)).expect("role indexed");
    ix.admin(p).map(|g| g.conditional)
}

#[test]
fn url_encoded_and_object_documents_give_the_same_admin_decision() {
    let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
    let snap = snapshot(json!({"RoleDetailList": [
        role("obj", json!({"RolePolicyList": inline(stmts(json!([allow_all()])))})),
        role("enc", json!({"RolePolicyList": [{"PolicyName": "p", "PolicyDocument": encoded}]})),
    ]}));
    assert_eq!(is_admin(&snap, "obj"), Some(false));
    assert_eq!(is_admin(&snap, "enc"), Some(false));
}

#[test]
fn undecodable_document_is_a_warning_naming_the_role_and_field() {
    let snap = snapshot(json!({"RoleDetailList": [
        role("ok", json!({})),
        role("bad", json!({"RolePolicyList": [
            {"PolicyName": "good", "PolicyDocument": stmts(json!([allow_all()]))},
            {"PolicyName": "broken", "PolicyDocument": "%7B%22Statement"}
        ]})),
    ]}));
    let mut w = Vec::new();
    let ix = AwsIndex::new(&snap, &mut w);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].object.as_deref(), Some(role_arn("bad").as_str()));
    assert_eq!(
        w[0].field.as_deref(),
        Some("RoleDetailList[1].RolePolicyList[1].PolicyDocument")
    );
    assert_eq!(w[0].file, "iam.json");
    // The rest of the file still counts.
    assert!(ix.admin(ix.principal(&role_arn("bad")).unwrap()).is_some());
}

#[test]
fn invalid_principal_arn_is_a_warning_and_skipped() {
    let snap = snapshot(json!({"RoleDetailList": [
        {"RoleName": "x", "Arn": "arn:aws:iam::12:role/x"}
    ]}));
    let mut w = Vec::new();
    let ix = AwsIndex::new(&snap, &mut w);
    assert!(ix.principals.is_empty());
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].field.as_deref(), Some("RoleDetailList[0].Arn"));
}

#[test]
fn explicit_deny_of_iam_writes_removes_admin() {
    let snap = snapshot(json!({"RoleDetailList": [
        role("denied", json!({"RolePolicyList": inline(stmts(json!([
            allow_all(),
            {"Effect": "Deny", "Action": "iam:Put*", "Resource": "*"}
        ])))})),
        role("narrow-deny", json!({"RolePolicyList": inline(stmts(json!([
            allow_all(),
            {"Effect": "Deny", "Action": "iam:*", "Resource": "arn:aws:iam::*:role/protected-*"}
        ])))})),
    ]}));
    assert_eq!(is_admin(&snap, "denied"), None);
    // A Deny of a few protected roles leaves the rest of the account open.
    assert_eq!(is_admin(&snap, "narrow-deny"), Some(false));
}

#[test]
fn not_action_allow_all_but_iam_is_not_admin() {
    let snap = snapshot(json!({"RoleDetailList": [
        role("poweruser", json!({"RolePolicyList": inline(stmts(json!([
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
        ])))})),
    ]}));
    assert_eq!(is_admin(&snap, "poweruser"), None);
}

#[test]
fn permissions_boundary_restricts_admin() {
    let boundary = |name: &str, doc: Value| {
        json!({"PolicyName": name, "Arn": format!("arn:aws:iam::{ACCT}:policy/{name}"),
               "DefaultVersionId": "v1",
               "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": doc}]})
    };
    let with_boundary = |name: &str, b: &str| {
        role(
            name,
            json!({
                "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess",
                    "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}],
                "PermissionsBoundary": {"PermissionsBoundaryArn": format!("arn:aws:iam::{ACCT}:policy/{b}"),
                    "PermissionsBoundaryType": "Policy"}
            }),
        )
    };
    let snap = snapshot(json!({
        "RoleDetailList": [with_boundary("s3-only", "s3"), with_boundary("open", "all")],
        "Policies": [
            boundary("s3", stmts(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]))),
            boundary("all", stmts(json!([allow_all()]))),
        ]
    }));
    assert_eq!(is_admin(&snap, "s3-only"), None);
    assert_eq!(is_admin(&snap, "open"), Some(false));

    // The boundary also limits ordinary requests.
    let mut w = Vec::new();
    let ix = AwsIndex::new(&snap, &mut w);
    let ctx = RequestContext::unknown();
    let req = |action| Request {
        action,
        resource: Some("*"),
        principal: None,
        context: &ctx,
    };
    let p = ix.principal(&role_arn("s3-only")).unwrap();
    assert_eq!(
        ix.evaluate(p, &req("s3:GetObject")).unwrap().decision,
        Decision::Allow
    );
    assert_eq!(
        ix.evaluate(p, &req("ec2:RunInstances")).unwrap().decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn administrator_access_by_arn_counts_without_its_document() {
    let snap = snapshot(json!({"RoleDetailList": [
        role("admin", json!({"AttachedManagedPolicies": [
            {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
        ]})),
        role("reader", json!({"AttachedManagedPolicies": [
            {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
        ]})),
    ]}));
    assert_eq!(is_admin(&snap, "admin"), Some(false));
    assert_eq!(is_admin(&snap, "reader"), None);
    let mut w = Vec::new();
    AwsIndex::new(&snap, &mut w);
    assert_eq!(
        w.len(),
        1,
        "the unknown ReadOnlyAccess document is reported: {w:?}"
    );
    assert!(w[0].message.contains("ReadOnlyAccess"));
}

#[test]
fn conditional_admin_is_flagged_conditional() {
    let snap = snapshot(json!({"RoleDetailList": [
        role("mfa-admin", json!({"RolePolicyList": inline(stmts(json!([
            {"Effect": "Allow", "Action": "*", "Resource": "*",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
        ])))})),
        role("cond-deny", json!({"RolePolicyList": inline(stmts(json!([
            allow_all(),
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}
        ])))})),
    ]}));
    assert_eq!(is_admin(&snap, "mfa-admin"), Some(true));
    // A conditional Deny does not remove admin, but it is kept for the evidence.
    let mut w = Vec::new();
    let ix = AwsIndex::new(&snap, &mut w);
    let g = ix
        .admin(ix.principal(&role_arn("cond-deny")).unwrap())
        .unwrap();
    assert!(!g.conditional);
    assert_eq!(g.conditional_denies.len(), 1);
}

#[test]
fn user_inherits_admin_from_group_managed_policy() {
    let snap = snapshot(json!({
        "UserDetailList": [
            {"UserName": "alice", "Arn": format!("arn:aws:iam::{ACCT}:user/alice"), "GroupList": ["admins"]},
            {"UserName": "bob", "Arn": format!("arn:aws:iam::{ACCT}:user/bob"), "GroupList": []}
        ],
        "GroupDetailList": [
            {"GroupName": "admins", "Arn": format!("arn:aws:iam::{ACCT}:group/admins"),
             "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess",
                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}
        ]
    }));
    let mut w = Vec::new();
    let ix = AwsIndex::new(&snap, &mut w);
    let alice = ix
        .principal(&format!("arn:aws:iam::{ACCT}:user/alice"))
        .unwrap();
    let bob = ix
        .principal(&format!("arn:aws:iam::{ACCT}:user/bob"))
        .unwrap();
    let g = ix.admin(alice).unwrap();
    assert!(g.grants[0].via.iter().any(|e| e.field == "GroupList[0]"));
    assert!(ix.admin(bob).is_none());
}

#[test]
fn evaluation_reports_deciding_statements() {
    let snap = snapshot(json!({"RoleDetailList": [
        role("r", json!({"RolePolicyList": inline(stmts(json!([
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::data/*"},
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}
        ])))})),
    ]}));
    let mut w = Vec::new();
    let ix = AwsIndex::new(&snap, &mut w);
    let p = ix.principal(&role_arn("r")).unwrap();
    let ctx = RequestContext::unknown();
    let req = |action, resource| Request {
        action,
        resource: Some(resource),
        principal: None,
        context: &ctx,
    };
    let e = ix
        .evaluate(p, &req("s3:GetObject", "arn:aws:s3:::data/x"))
        .unwrap();
    assert_eq!(e.decision, Decision::Allow);
    assert_eq!(e.identity.allows[0].index, 0);
    assert_eq!(
        e.identity.allows[0].policy.statement_field(0),
        "RolePolicyList[0].PolicyDocument.Statement[0]"
    );
    assert_eq!(
        ix.evaluate(p, &req("s3:GetObject", "arn:aws:s3:::other/x"))
            .unwrap()
            .decision,
        Decision::ImplicitDeny
    );
    let d = ix
        .evaluate(p, &req("s3:DeleteObject", "arn:aws:s3:::data/x"))
        .unwrap();
    assert_eq!(d.decision, Decision::ExplicitDeny);
    assert_eq!(d.identity.denies[0].index, 1);
    let c = ix.evaluate(p, &req("ec2:RunInstances", "*")).unwrap();
    assert_eq!(c.decision, Decision::ConditionalAllow);
    assert!(c.identity.conditional_allows[0].unresolved[0].contains("aws:RequestedRegion"));
    let known = RequestContext::closed().with("aws:RequestedRegion", ["us-east-1"]);
    let r = Request {
        action: "ec2:RunInstances",
        resource: Some("*"),
        principal: None,
        context: &known,
    };
    assert_eq!(ix.evaluate(p, &r).unwrap().decision, Decision::ImplicitDeny);
}

// ---------- Evaluation logic, after the IAM documentation's examples ----------

fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:user/{name}")
}

/// The decision for `action` on `resource` by the principal with this ARN.
fn decide(snap: &Snapshot, who: &str, action: &str, resource: &str) -> Decision {
    let mut w = Vec::new();
    let ix = AwsIndex::new(snap, &mut w);
    let p = ix.principal(who).expect("principal indexed");
    let ctx = ix.principal_context(p);
    let req = Request {
        action,
        resource: Some(resource),
        principal: None,
        context: &ctx,
    };
    ix.evaluate(p, &req).unwrap().decision
}

#[test]
fn explicit_deny_overrides_an_allow_in_another_document() {
    let snap = snapshot(json!({"RoleDetailList": [
        role("r", json!({"RolePolicyList": [
            {"PolicyName": "allow", "PolicyDocument": stmts(json!([
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]))},
            {"PolicyName": "deny", "PolicyDocument": stmts(json!([
                {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::prod"}]))}
        ]}))
    ]}));
    let r = role_arn("r");
    assert_eq!(
        decide(&snap, &r, "s3:DeleteBucket", "arn:aws:s3:::prod"),
        Decision::ExplicitDeny
    );
    assert_eq!(
        decide(&snap, &r, "s3:DeleteBucket", "arn:aws:s3:::dev"),
        Decision::Allow
    );
}

#[test]
fn a_permission_split_across_two_documents_is_the_union() {
    let snap = snapshot(json!({"RoleDetailList": [
        role("r", json!({"RolePolicyList": [
            {"PolicyName": "a", "PolicyDocument": stmts(json!([
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]))},
            {"PolicyName": "b", "PolicyDocument": stmts(json!([
                {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}]))}
        ]}))
    ]}));
    let r = role_arn("r");
    assert_eq!(decide(&snap, &r, "iam:PassRole", "x"), Decision::Allow);
    assert_eq!(decide(&snap, &r, "ec2:RunInstances", "x"), Decision::Allow);
    assert_eq!(
        decide(&snap, &r, "ec2:TerminateInstances", "x"),
        Decision::ImplicitDeny
    );
}

#[test]
fn not_action_allows_everything_else_and_not_resource_everywhere_else() {
    // The documentation's "all but IAM" and "all but one bucket" statements.
    let snap = snapshot(json!({"RoleDetailList": [
        role("r", json!({"RolePolicyList": inline(stmts(json!([
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::open", "arn:aws:s3:::open/*"]}
        ])))}))
    ]}));
    let r = role_arn("r");
    assert_eq!(
        decide(&snap, &r, "IAM:CreateUser", "*"),
        Decision::ImplicitDeny
    );
    assert_eq!(decide(&snap, &r, "ec2:RunInstances", "*"), Decision::Allow);
    assert_eq!(
        decide(&snap, &r, "s3:GetObject", "arn:aws:s3:::open/k"),
        Decision::Allow
    );
    assert_eq!(
        decide(&snap, &r, "s3:GetObject", "arn:aws:s3:::secret/k"),
        Decision::ExplicitDeny
    );
}

#[test]
fn boundary_and_identity_intersect() {
    // Identity allows iam:* and s3:*; the boundary allows s3:* and ec2:*: only s3 remains.
    let snap = snapshot(json!({
        "UserDetailList": [{"UserName": "u", "Arn": user_arn("u"),
            "UserPolicyList": inline(stmts(json!([{"Effect": "Allow", "Action": ["iam:*", "s3:*"], "Resource": "*"}]))),
            "PermissionsBoundary": {"PermissionsBoundaryArn": format!("arn:aws:iam::{ACCT}:policy/b")}}],
        "Policies": [{"PolicyName": "b", "Arn": format!("arn:aws:iam::{ACCT}:policy/b"),
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true,
                "Document": stmts(json!([{"Effect": "Allow", "Action": ["s3:*", "ec2:*"], "Resource": "*"}]))}]}]
    }));
    let u = user_arn("u");
    assert_eq!(decide(&snap, &u, "s3:PutObject", "*"), Decision::Allow);
    assert_eq!(
        decide(&snap, &u, "iam:CreateUser", "*"),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&snap, &u, "ec2:RunInstances", "*"),
        Decision::ImplicitDeny
    );
}

#[test]
fn a_deny_in_a_group_policy_overrides_the_users_allow() {
    let snap = snapshot(json!({
        "UserDetailList": [{"UserName": "u", "Arn": user_arn("u"), "GroupList": ["no-iam"],
            "UserPolicyList": inline(stmts(json!([allow_all()])))}],
        "GroupDetailList": [{"GroupName": "no-iam", "Arn": format!("arn:aws:iam::{ACCT}:group/no-iam"),
            "GroupPolicyList": inline(stmts(json!([{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}])))}]
    }));
    let u = user_arn("u");
    assert_eq!(
        decide(&snap, &u, "iam:CreateAccessKey", "*"),
        Decision::ExplicitDeny
    );
    assert_eq!(decide(&snap, &u, "s3:GetObject", "*"), Decision::Allow);
}

#[test]
fn wildcards_match_actions_ignoring_case_and_resources_exactly() {
    let snap = snapshot(json!({"RoleDetailList": [
        role("r", json!({"RolePolicyList": inline(stmts(json!([
            {"Effect": "Allow", "Action": "IAM:Get*", "Resource": format!("arn:aws:iam::{ACCT}:role/App-*")}
        ])))}))
    ]}));
    let r = role_arn("r");
    let app = format!("arn:aws:iam::{ACCT}:role/App-1");
    let lower = format!("arn:aws:iam::{ACCT}:role/app-1");
    assert_eq!(decide(&snap, &r, "iam:getrole", &app), Decision::Allow);
    assert_eq!(
        decide(&snap, &r, "iam:GetRole", &lower),
        Decision::ImplicitDeny
    );
}

#[test]
fn principal_tags_arn_and_username_variables_are_known() {
    let snap = snapshot(json!({"UserDetailList": [
        {"UserName": "alice", "Arn": user_arn("alice"), "Tags": [{"Key": "team", "Value": "data"}],
         "UserPolicyList": inline(stmts(json!([
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/*"},
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalTag/team": "data"}}},
            {"Effect": "Allow", "Action": "lambda:*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalTag/missing": "x"}}},
            {"Effect": "Allow", "Action": "sqs:*", "Resource": "*",
             "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/a*"}}},
            {"Effect": "Allow", "Action": "sns:*", "Resource": "*",
             "Condition": {"StringEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"}}}
        ])))}
    ]}));
    let a = user_arn("alice");
    assert_eq!(
        decide(&snap, &a, "s3:GetObject", "arn:aws:s3:::home/alice/x"),
        Decision::Allow
    );
    assert_eq!(
        decide(&snap, &a, "s3:GetObject", "arn:aws:s3:::home/bob/x"),
        Decision::ImplicitDeny
    );
    assert_eq!(decide(&snap, &a, "ec2:RunInstances", "*"), Decision::Allow);
    // A tag the principal does not have is absent, not unknown.
    assert_eq!(
        decide(&snap, &a, "lambda:InvokeFunction", "*"),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&snap, &a, "sqs:SendMessage", "*"),
        Decision::ImplicitDeny
    );
    // IfExists over a key the engine cannot know: possible, not certain.
    assert_eq!(
        decide(&snap, &a, "sns:Publish", "*"),
        Decision::ConditionalAllow
    );
}

#[test]
fn resource_tags_of_roles_decide_resource_tag_conditions() {
    let snap = snapshot(json!({"RoleDetailList": [
        role("tagged", json!({"Tags": [{"Key": "env", "Value": "dev"}]})),
        role("prod", json!({"Tags": [{"Key": "env", "Value": "prod"}]})),
        role("actor", json!({"RolePolicyList": inline(stmts(json!([
            {"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "*",
             "Condition": {"StringEquals": {"aws:ResourceTag/env": "dev"}}}
        ])))}))
    ]}));
    let mut w = Vec::new();
    let ix = AwsIndex::new(&snap, &mut w);
    let actor = ix.principal(&role_arn("actor")).unwrap();
    let check = |target: &str| {
        let t = ix.principal(&role_arn(target)).unwrap();
        let ctx = ix.with_resource_tags(ix.principal_context(actor), t);
        let arn = role_arn(target);
        let req = Request {
            action: "iam:PutRolePolicy",
            resource: Some(&arn),
            principal: None,
            context: &ctx,
        };
        ix.evaluate(actor, &req).unwrap().decision
    };
    assert_eq!(check("tagged"), Decision::Allow);
    assert_eq!(check("prod"), Decision::ImplicitDeny);
}

#[test]
fn service_control_policies_must_allow_and_their_deny_wins() {
    let mut snap = snapshot(json!({"RoleDetailList": [
        role("admin", json!({"RolePolicyList": inline(stmts(json!([allow_all()])))}))
    ]}));
    let scp = |content: Value| -> OrganizationsPolicy {
        serde_json::from_value(json!({"Policy": {
            "PolicySummary": {"Name": "scp", "Type": "SERVICE_CONTROL_POLICY"},
            "Content": content.to_string()}}))
        .unwrap()
    };
    snap.scps = vec![scp(stmts(json!([
        {"Effect": "Allow", "Action": ["s3:*", "iam:*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}
    ])))];
    let r = role_arn("admin");
    assert_eq!(decide(&snap, &r, "s3:GetObject", "*"), Decision::Allow);
    assert_eq!(
        decide(&snap, &r, "ec2:RunInstances", "*"),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&snap, &r, "iam:CreateUser", "*"),
        Decision::ExplicitDeny
    );
    // Not admin: the SCP does not allow everything.
    assert_eq!(is_admin(&snap, "admin"), None);
    // A tag policy is not an SCP: ignored, with a warning.
    snap.scps = vec![{
        let mut p = scp(stmts(
            json!([{"Effect": "Deny", "Action": "*", "Resource": "*"}]),
        ));
        p.policy.policy_summary.kind = Some("TAG_POLICY".into());
        p
    }];
    assert_eq!(decide(&snap, &r, "ec2:RunInstances", "*"), Decision::Allow);
    let mut w = Vec::new();
    AwsIndex::new(&snap, &mut w);
    assert!(w.iter().any(|w| w.message.contains("TAG_POLICY")));
}

#[test]
fn scp_decision_over_plain_documents() {
    let doc = |v: Value| PolicyDocument::from_value(&stmts(v)).unwrap();
    let scps = vec![
        doc(json!([allow_all()])),
        doc(json!([{"Effect": "Deny", "Action": "organizations:*", "Resource": "*"}])),
    ];
    let ctx = RequestContext::unknown();
    let req = |action| Request {
        action,
        resource: Some("*"),
        principal: None,
        context: &ctx,
    };
    assert_eq!(scp_decision(&scps, &req("s3:GetObject")), Decision::Allow);
    assert_eq!(
        scp_decision(&scps, &req("organizations:LeaveOrganization")),
        Decision::ExplicitDeny
    );
    assert_eq!(scp_decision(&[], &req("s3:GetObject")), Decision::Allow);
}
