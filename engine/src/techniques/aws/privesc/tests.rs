//! AWS_ASSUME_ROLE, AWS_ADMIN self-grants and AWS_PRIVESC primitives, each with the near
//! miss that must not escalate.

use serde_json::{Value, json};

use crate::aws::{AuthorizationDetails, OrganizationsPolicy};
use crate::graph::{AttackGraph, Edge, id};
use crate::snapshot::{Snapshot, Source};

const ACCT: &str = "111122223333";
const OTHER: &str = "444455556666";

fn arn(kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:{kind}/{name}")
}
fn role_id(name: &str) -> String {
    id::aws_role(&arn("role", name))
}
fn user_id(name: &str) -> String {
    id::aws_user(&arn("user", name))
}
fn admin_id() -> String {
    id::aws_admin(ACCT)
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}
fn allow(action: Value, resource: Value) -> Value {
    json!({"Effect": "Allow", "Action": action, "Resource": resource})
}
fn deny(action: Value, resource: Value) -> Value {
    json!({"Effect": "Deny", "Action": action, "Resource": resource})
}
fn trust_aws(principal: &str) -> Value {
    doc(json!([{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]))
}
fn trust_service(service: &str) -> Value {
    doc(json!([{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]))
}
fn root() -> String {
    format!("arn:aws:iam::{ACCT}:root")
}

fn role(name: &str, trust: Value, statements: Value) -> Value {
    json!({"RoleName": name, "Arn": arn("role", name), "AssumeRolePolicyDocument": trust,
           "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": doc(statements)}]})
}
fn user(name: &str, statements: Value) -> Value {
    json!({"UserName": name, "Arn": arn("user", name),
           "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": doc(statements)}]})
}
fn with(mut v: Value, extra: Value) -> Value {
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    v
}
fn managed(name: &str, versions: Vec<(Value, bool)>) -> Value {
    let list: Vec<Value> = versions
        .into_iter()
        .enumerate()
        .map(|(i, (d, default))| {
            json!({"VersionId": format!("v{}", i + 1), "IsDefaultVersion": default, "Document": d})
        })
        .collect();
    json!({"PolicyName": name, "Arn": arn("policy", name), "PolicyVersionList": list})
}
fn attach(policy_arn: &str) -> Value {
    json!({"AttachedManagedPolicies": [{"PolicyName": "p", "PolicyArn": policy_arn}]})
}
fn admin_role(name: &str) -> Value {
    role(
        name,
        trust_aws(&root()),
        json!([allow(json!("*"), json!("*"))]),
    )
}

fn account(details: Value) -> Snapshot {
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

fn graph(details: Value) -> AttackGraph {
    crate::build_graph(&account(details)).0
}

fn edge<'g>(g: &'g AttackGraph, from: &str, to: &str, technique: &str) -> &'g Edge {
    g.edges_of(technique)
        .into_iter()
        .find(|(f, t, _)| *f == from && *t == to)
        .map(|(_, _, e)| e)
        .unwrap_or_else(|| panic!("no {technique} edge {from} -> {to}: {g:#?}"))
}

fn text(e: &Edge) -> String {
    e.evidence
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------- AWS_ADMIN: granting itself anything ----------

#[test]
fn role_that_can_put_its_own_inline_policy_is_admin() {
    let g = graph(json!({"RoleDetailList": [
        role("self", trust_aws(&root()), json!([allow(json!("iam:PutRolePolicy"), json!(arn("role", "self")))])),
        role("other", trust_aws(&root()), json!([allow(json!("iam:PutRolePolicy"), json!(arn("role", "nope")))])),
    ]}));
    let e = edge(&g, &role_id("self"), &admin_id(), "AWS_ADMIN");
    assert!(text(e).contains("primitive PutRolePolicy"), "{}", text(e));
    assert!(!g.has_edge(&role_id("other"), &admin_id(), "AWS_ADMIN"));
}

#[test]
fn iam_star_on_star_counts_as_admin() {
    let g = graph(json!({"UserDetailList": [
        user("iam-admin", json!([allow(json!("iam:*"), json!("*"))])),
    ]}));
    assert!(g.has_edge(&user_id("iam-admin"), &admin_id(), "AWS_ADMIN"));
}

#[test]
fn user_that_can_attach_policies_to_itself_is_admin_unless_denied() {
    let g = graph(json!({"UserDetailList": [
        user("attacher", json!([allow(json!("iam:AttachUserPolicy"), json!("arn:aws:iam::*:user/*"))])),
        user("denied", json!([
            allow(json!("iam:AttachUserPolicy"), json!("*")),
            deny(json!("iam:AttachUserPolicy"), json!("*"))
        ])),
    ]}));
    assert!(g.has_edge(&user_id("attacher"), &admin_id(), "AWS_ADMIN"));
    assert!(!g.has_edge(&user_id("denied"), &admin_id(), "AWS_ADMIN"));
}

#[test]
fn policy_arn_condition_that_cannot_name_an_admin_policy_blocks_attach() {
    let cond = |arn: &str| {
        json!([{"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*",
            "Condition": {"ArnEquals": {"iam:PolicyARN": arn}}}])
    };
    let g = graph(json!({"UserDetailList": [
        user("any-admin", cond("arn:aws:iam::aws:policy/AdministratorAccess")),
        user("read-only", cond("arn:aws:iam::aws:policy/ReadOnlyAccess")),
    ]}));
    assert!(g.has_edge(&user_id("any-admin"), &admin_id(), "AWS_ADMIN"));
    assert!(!g.has_edge(&user_id("read-only"), &admin_id(), "AWS_ADMIN"));
}

#[test]
fn user_that_can_put_a_policy_on_its_own_group_is_admin() {
    let g = graph(json!({
        "UserDetailList": [
            with(user("member", json!([allow(json!("iam:PutGroupPolicy"), json!(arn("group", "devs")))])),
                json!({"GroupList": ["devs"]})),
            user("outsider", json!([allow(json!("iam:PutGroupPolicy"), json!(arn("group", "devs")))])),
        ],
        "GroupDetailList": [{"GroupName": "devs", "Arn": arn("group", "devs")}]
    }));
    let e = edge(&g, &user_id("member"), &admin_id(), "AWS_ADMIN");
    assert!(text(e).contains("PutGroupPolicy on group devs"));
    assert!(!g.has_edge(&user_id("outsider"), &admin_id(), "AWS_ADMIN"));
}

#[test]
fn create_policy_version_on_an_attached_customer_policy_is_admin() {
    let own = arn("policy", "own");
    let g = graph(json!({
        "RoleDetailList": [with(
            role("r", trust_aws(&root()), json!([allow(json!("iam:CreatePolicyVersion"), json!(own))])),
            attach(&own))],
        "Policies": [managed("own", vec![(doc(json!([allow(json!("s3:GetObject"), json!("*"))])), true)])]
    }));
    let e = edge(&g, &role_id("r"), &admin_id(), "AWS_ADMIN");
    assert!(text(e).contains("CreatePolicyVersion on"));
}

#[test]
fn aws_managed_policies_cannot_get_a_new_version() {
    let g = graph(json!({
        "RoleDetailList": [with(
            role("r", trust_aws(&root()), json!([allow(json!("iam:CreatePolicyVersion"), json!("*"))])),
            attach("arn:aws:iam::aws:policy/ReadOnlyAccess"))],
    }));
    assert!(!g.has_edge(&role_id("r"), &admin_id(), "AWS_ADMIN"));
}

#[test]
fn set_default_policy_version_needs_an_admin_version() {
    let p = |name: &str, old: Value| {
        managed(
            name,
            vec![
                (doc(json!([old])), false),
                (doc(json!([allow(json!("s3:GetObject"), json!("*"))])), true),
            ],
        )
    };
    let r = |name: &str, policy: &str| {
        with(
            role(
                name,
                trust_aws(&root()),
                json!([allow(json!("iam:SetDefaultPolicyVersion"), json!("*"))]),
            ),
            attach(&arn("policy", policy)),
        )
    };
    let g = graph(json!({
        "RoleDetailList": [r("a", "was-admin"), r("b", "was-narrow")],
        "Policies": [
            p("was-admin", allow(json!("*"), json!("*"))),
            p("was-narrow", allow(json!("s3:*"), json!("*")))
        ]
    }));
    assert!(g.has_edge(&role_id("a"), &admin_id(), "AWS_ADMIN"));
    assert!(!g.has_edge(&role_id("b"), &admin_id(), "AWS_ADMIN"));
}

#[test]
fn boundary_stops_a_self_grant_unless_it_can_be_removed() {
    let boundary = managed(
        "s3-only",
        vec![(
            doc(json!([allow(
                json!([
                    "s3:*",
                    "iam:PutRolePolicy",
                    "iam:DeleteRolePermissionsBoundary"
                ]),
                json!("*")
            )])),
            true,
        )],
    );
    let pb = json!({"PermissionsBoundary": {"PermissionsBoundaryArn": arn("policy", "s3-only")}});
    let g = graph(json!({
        "RoleDetailList": [
            with(role("bounded", trust_aws(&root()), json!([allow(json!("iam:PutRolePolicy"), json!("*"))])), pb.clone()),
            with(role("lifter", trust_aws(&root()), json!([
                allow(json!(["iam:PutRolePolicy", "iam:DeleteRolePermissionsBoundary"]), json!("*"))
            ])), pb),
        ],
        "Policies": [boundary]
    }));
    assert!(!g.has_edge(&role_id("bounded"), &admin_id(), "AWS_ADMIN"));
    let e = edge(&g, &role_id("lifter"), &admin_id(), "AWS_ADMIN");
    assert!(text(e).contains("DeleteRolePermissionsBoundary"));
}

// ---------- AWS_ASSUME_ROLE ----------

#[test]
fn account_root_trust_needs_an_identity_allow() {
    let g = graph(json!({
        "RoleDetailList": [role("target", trust_aws(&root()), json!([]))],
        "UserDetailList": [
            user("can", json!([allow(json!("sts:AssumeRole"), json!(arn("role", "target")))])),
            user("cannot", json!([allow(json!("s3:*"), json!("*"))])),
            user("wrong-resource", json!([allow(json!("sts:AssumeRole"), json!(arn("role", "other")))])),
        ]
    }));
    assert!(g.has_edge(&user_id("can"), &role_id("target"), "AWS_ASSUME_ROLE"));
    assert!(!g.has_edge(&user_id("cannot"), &role_id("target"), "AWS_ASSUME_ROLE"));
    assert!(!g.has_edge(
        &user_id("wrong-resource"),
        &role_id("target"),
        "AWS_ASSUME_ROLE"
    ));
}

#[test]
fn same_account_trust_naming_the_user_needs_no_identity_allow() {
    let g = graph(json!({
        "RoleDetailList": [role("target", trust_aws(&arn("user", "named")), json!([]))],
        "UserDetailList": [
            user("named", json!([])),
            user("unnamed", json!([allow(json!("sts:AssumeRole"), json!("*"))])),
            user("denied", json!([deny(json!("sts:AssumeRole"), json!("*"))])),
        ]
    }));
    assert!(g.has_edge(&user_id("named"), &role_id("target"), "AWS_ASSUME_ROLE"));
    assert!(!g.has_edge(&user_id("unnamed"), &role_id("target"), "AWS_ASSUME_ROLE"));
    assert!(!g.has_edge(&user_id("denied"), &role_id("target"), "AWS_ASSUME_ROLE"));
}

#[test]
fn cross_account_trust_of_the_account_admits_its_allowed_principals() {
    let mut snap = account(json!({
        "UserDetailList": [
            user("dev", json!([allow(json!("sts:AssumeRole"), json!("*"))])),
            user("nobody", json!([])),
        ]
    }));
    let other: AuthorizationDetails = serde_json::from_value(json!({"RoleDetailList": [
        {"RoleName": "x", "Arn": format!("arn:aws:iam::{OTHER}:role/x"),
         "AssumeRolePolicyDocument": trust_aws(ACCT)}
    ]}))
    .unwrap();
    snap.aws.push(other);
    let g = crate::build_graph(&snap).0;
    let target = id::aws_role(&format!("arn:aws:iam::{OTHER}:role/x"));
    assert!(g.has_edge(&user_id("dev"), &target, "AWS_ASSUME_ROLE"));
    assert!(!g.has_edge(&user_id("nobody"), &target, "AWS_ASSUME_ROLE"));
}

#[test]
fn trust_conditions_on_principal_arn_and_tags_are_decided() {
    let star_trust = |cond: Value| {
        doc(
            json!([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
            "Condition": cond}]),
        )
    };
    let g = graph(json!({
        "RoleDetailList": [
            role("by-arn", star_trust(json!({"ArnLike": {"aws:PrincipalArn": arn("user", "ops-*")}})), json!([])),
            role("by-tag", star_trust(json!({"StringEquals": {"aws:PrincipalTag/team": "platform"}})), json!([])),
        ],
        "UserDetailList": [
            with(user("ops-alice", json!([allow(json!("sts:AssumeRole"), json!("*"))])),
                 json!({"Tags": [{"Key": "team", "Value": "platform"}]})),
            with(user("dev-bob", json!([allow(json!("sts:AssumeRole"), json!("*"))])),
                 json!({"Tags": [{"Key": "team", "Value": "web"}]})),
        ]
    }));
    assert!(g.has_edge(&user_id("ops-alice"), &role_id("by-arn"), "AWS_ASSUME_ROLE"));
    assert!(g.has_edge(&user_id("ops-alice"), &role_id("by-tag"), "AWS_ASSUME_ROLE"));
    assert!(!g.has_edge(&user_id("dev-bob"), &role_id("by-arn"), "AWS_ASSUME_ROLE"));
    assert!(!g.has_edge(&user_id("dev-bob"), &role_id("by-tag"), "AWS_ASSUME_ROLE"));
}

#[test]
fn undecidable_trust_condition_lowers_likelihood() {
    let g = graph(json!({
        "RoleDetailList": [
            role("mfa", doc(json!([{"Effect": "Allow", "Principal": {"AWS": root()}, "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}])), json!([])),
            role("plain", trust_aws(&root()), json!([])),
        ],
        "UserDetailList": [user("u", json!([allow(json!("sts:AssumeRole"), json!("*"))]))]
    }));
    let mfa = edge(&g, &user_id("u"), &role_id("mfa"), "AWS_ASSUME_ROLE");
    let plain = edge(&g, &user_id("u"), &role_id("plain"), "AWS_ASSUME_ROLE");
    assert!(mfa.likelihood < plain.likelihood);
    assert!(text(mfa).contains("aws:MultiFactorAuthPresent"));
}

#[test]
fn conditional_deny_keeps_the_step_but_lowers_it() {
    let g = graph(json!({
        "RoleDetailList": [role("t", trust_aws(&root()), json!([]))],
        "UserDetailList": [
            user("maybe", json!([
                allow(json!("sts:AssumeRole"), json!("*")),
                {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
            ])),
            user("sure", json!([allow(json!("sts:AssumeRole"), json!("*"))])),
        ]
    }));
    let maybe = edge(&g, &user_id("maybe"), &role_id("t"), "AWS_ASSUME_ROLE");
    let sure = edge(&g, &user_id("sure"), &role_id("t"), "AWS_ASSUME_ROLE");
    assert!(maybe.likelihood < sure.likelihood);
    assert!(text(maybe).contains("conditional Deny"));
}

#[test]
fn admins_get_no_edges_to_their_own_accounts_roles() {
    let g = graph(
        json!({"RoleDetailList": [admin_role("boss"), role("t", trust_aws(&root()), json!([]))]}),
    );
    assert!(g.has_edge(&role_id("boss"), &admin_id(), "AWS_ADMIN"));
    assert!(!g.has_edge(&role_id("boss"), &role_id("t"), "AWS_ASSUME_ROLE"));
}

// ---------- AWS_PRIVESC: other principals ----------

#[test]
fn create_access_key_and_login_profiles_reach_the_user() {
    for action in [
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
    ] {
        let g = graph(json!({"UserDetailList": [
            user("attacker", json!([allow(json!(action), json!(arn("user", "victim")))])),
            user("victim", json!([])),
            user("bystander", json!([])),
        ]}));
        let e = edge(&g, &user_id("attacker"), &user_id("victim"), "AWS_PRIVESC");
        assert!(text(e).contains(action.trim_start_matches("iam:")));
        assert!(
            !g.has_edge(&user_id("attacker"), &user_id("bystander"), "AWS_PRIVESC"),
            "{action}"
        );
    }
}

#[test]
fn update_assume_role_policy_reaches_the_role() {
    let g = graph(json!({
        "RoleDetailList": [role("t", trust_service("ec2.amazonaws.com"), json!([]))],
        "UserDetailList": [
            user("a", json!([allow(json!("iam:UpdateAssumeRolePolicy"), json!(arn("role", "t")))])),
            user("b", json!([allow(json!("iam:UpdateAssumeRolePolicy"), json!(arn("role", "x")))])),
        ]
    }));
    assert!(g.has_edge(&user_id("a"), &role_id("t"), "AWS_PRIVESC"));
    assert!(!g.has_edge(&user_id("b"), &role_id("t"), "AWS_PRIVESC"));
}

#[test]
fn oidc_provider_gets_round_a_denied_assume_role() {
    let stmts = |oidc: bool| {
        let mut v = vec![
            allow(json!("iam:UpdateAssumeRolePolicy"), json!("*")),
            deny(json!("sts:AssumeRole"), json!("*")),
        ];
        if oidc {
            v.push(allow(json!("iam:CreateOpenIDConnectProvider"), json!("*")));
        }
        Value::Array(v)
    };
    let g = graph(json!({
        "RoleDetailList": [role("t", trust_service("ec2.amazonaws.com"), json!([]))],
        "UserDetailList": [user("oidc", stmts(true)), user("plain", stmts(false))]
    }));
    let e = edge(&g, &user_id("oidc"), &role_id("t"), "AWS_PRIVESC");
    assert!(text(e).contains("CreateOpenIDConnectProvider+UpdateAssumeRolePolicy"));
    assert!(!g.has_edge(&user_id("plain"), &role_id("t"), "AWS_PRIVESC"));
}

#[test]
fn put_role_policy_on_an_assumable_role_reaches_admin() {
    let g = graph(json!({
        "RoleDetailList": [role("t", trust_aws(&root()), json!([]))],
        "UserDetailList": [
            user("a", json!([allow(json!(["sts:AssumeRole", "iam:PutRolePolicy"]), json!(arn("role", "t")))])),
            user("no-assume", json!([allow(json!("iam:PutRolePolicy"), json!(arn("role", "t")))])),
        ]
    }));
    let e = edge(&g, &user_id("a"), &admin_id(), "AWS_PRIVESC");
    assert!(text(e).contains("PutRolePolicy on"));
    assert!(!g.has_edge(&user_id("no-assume"), &admin_id(), "AWS_PRIVESC"));
}

#[test]
fn attach_user_policy_on_a_user_it_can_create_keys_for_reaches_admin() {
    let g = graph(json!({"UserDetailList": [
        user("a", json!([allow(json!(["iam:CreateAccessKey", "iam:AttachUserPolicy"]), json!(arn("user", "v")))])),
        user("v", json!([])),
    ]}));
    assert!(g.has_edge(&user_id("a"), &user_id("v"), "AWS_PRIVESC"));
    assert!(g.has_edge(&user_id("a"), &admin_id(), "AWS_PRIVESC"));
}

#[test]
fn add_user_to_group_reaches_admin_only_for_an_admin_group() {
    let g = graph(json!({
        "UserDetailList": [
            user("a", json!([allow(json!("iam:AddUserToGroup"), json!(arn("group", "admins")))])),
            user("b", json!([allow(json!("iam:AddUserToGroup"), json!(arn("group", "readers")))])),
        ],
        "GroupDetailList": [
            {"GroupName": "admins", "Arn": arn("group", "admins"),
             "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess",
                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]},
            {"GroupName": "readers", "Arn": arn("group", "readers"),
             "GroupPolicyList": [{"PolicyName": "r", "PolicyDocument": doc(json!([allow(json!("s3:Get*"), json!("*"))]))}]}
        ]
    }));
    let e = edge(&g, &user_id("a"), &admin_id(), "AWS_PRIVESC");
    assert!(text(e).contains("AddUserToGroup admins"));
    assert!(!g.has_edge(&user_id("b"), &admin_id(), "AWS_PRIVESC"));
}

// ---------- AWS_PRIVESC: PassRole to services ----------

/// (service principal, launch actions, primitive name)
const PASS_ROUTES: &[(&str, &[&str], &str)] = &[
    (
        "lambda.amazonaws.com",
        &["lambda:CreateFunction", "lambda:InvokeFunction"],
        "PassRole+Lambda",
    ),
    (
        "lambda.amazonaws.com",
        &["lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
        "PassRole+Lambda",
    ),
    (
        "cloudformation.amazonaws.com",
        &["cloudformation:CreateStack"],
        "PassRole+CloudFormation",
    ),
    (
        "cloudformation.amazonaws.com",
        &["cloudformation:UpdateStack"],
        "PassRole+CloudFormation",
    ),
    (
        "cloudformation.amazonaws.com",
        &[
            "cloudformation:CreateChangeSet",
            "cloudformation:ExecuteChangeSet",
        ],
        "PassRole+CloudFormation",
    ),
    (
        "codebuild.amazonaws.com",
        &["codebuild:CreateProject", "codebuild:StartBuild"],
        "PassRole+CodeBuild",
    ),
    (
        "sagemaker.amazonaws.com",
        &["sagemaker:CreateNotebookInstance"],
        "PassRole+SageMaker",
    ),
    (
        "sagemaker.amazonaws.com",
        &["sagemaker:CreateTrainingJob"],
        "PassRole+SageMaker",
    ),
    (
        "sagemaker.amazonaws.com",
        &["sagemaker:CreateProcessingJob"],
        "PassRole+SageMaker",
    ),
    (
        "glue.amazonaws.com",
        &["glue:CreateDevEndpoint"],
        "PassRole+Glue",
    ),
    (
        "datapipeline.amazonaws.com",
        &[
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
        ],
        "PassRole+DataPipeline",
    ),
    (
        "ecs-tasks.amazonaws.com",
        &["ecs:RegisterTaskDefinition", "ecs:RunTask"],
        "PassRole+ECS",
    ),
    (
        "ecs-tasks.amazonaws.com",
        &["ecs:RegisterTaskDefinition", "ecs:CreateService"],
        "PassRole+ECS",
    ),
    (
        "pods.eks.amazonaws.com",
        &["eks:CreatePodIdentityAssociation"],
        "PassRole+EKS",
    ),
];

#[test]
fn pass_role_to_each_service_reaches_roles_that_trust_it() {
    for (service, actions, name) in PASS_ROUTES {
        let mut all: Vec<&str> = actions.to_vec();
        all.push("iam:PassRole");
        let g = graph(json!({
            "RoleDetailList": [
                role("svc", trust_service(service), json!([])),
                role("other-svc", trust_service("s3.amazonaws.com"), json!([])),
            ],
            "UserDetailList": [
                user("a", json!([allow(json!(all), json!("*"))])),
                // One launch action short (or no PassRole): no step.
                user("short", json!([allow(json!(all[1..].to_vec()), json!("*"))])),
            ]
        }));
        let e = edge(&g, &user_id("a"), &role_id("svc"), "AWS_PRIVESC");
        assert!(text(e).contains(name), "{service}: {}", text(e));
        for a in actions.iter() {
            assert!(text(e).contains(a), "{service}: evidence names {a}");
        }
        assert!(
            !g.has_edge(&user_id("a"), &role_id("other-svc"), "AWS_PRIVESC"),
            "{service}"
        );
        assert!(
            !g.has_edge(&user_id("short"), &role_id("svc"), "AWS_PRIVESC"),
            "{service} {actions:?}"
        );
    }
}

#[test]
fn pass_role_to_ec2_needs_an_instance_profile_or_a_way_to_make_one() {
    let ip = json!({"InstanceProfileList": [{"InstanceProfileName": "web", "Arn": arn("instance-profile", "web")}]});
    let g = graph(json!({
        "RoleDetailList": [
            with(role("with-profile", trust_service("ec2.amazonaws.com"), json!([])), ip),
            role("no-profile", trust_service("ec2.amazonaws.com"), json!([])),
        ],
        "UserDetailList": [
            user("run", json!([allow(json!(["ec2:RunInstances", "iam:PassRole"]), json!("*"))])),
            user("run-and-profile", json!([allow(json!(["ec2:RunInstances", "iam:PassRole",
                "iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"]), json!("*"))])),
            user("asg", json!([allow(json!(["autoscaling:CreateLaunchConfiguration",
                "autoscaling:CreateAutoScalingGroup", "iam:PassRole"]), json!("*"))])),
        ]
    }));
    assert!(g.has_edge(&user_id("run"), &role_id("with-profile"), "AWS_PRIVESC"));
    assert!(!g.has_edge(&user_id("run"), &role_id("no-profile"), "AWS_PRIVESC"));
    assert!(g.has_edge(
        &user_id("run-and-profile"),
        &role_id("no-profile"),
        "AWS_PRIVESC"
    ));
    assert!(g.has_edge(&user_id("asg"), &role_id("with-profile"), "AWS_PRIVESC"));
}

#[test]
fn passed_to_service_condition_limits_pass_role() {
    let pass = |svc: &str| {
        json!([allow(json!(["lambda:CreateFunction", "lambda:InvokeFunction"]), json!("*")),
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
             "Condition": {"StringEquals": {"iam:PassedToService": svc}}}])
    };
    let g = graph(json!({
        "RoleDetailList": [role("fn", trust_service("lambda.amazonaws.com"), json!([]))],
        "UserDetailList": [user("ok", pass("lambda.amazonaws.com")), user("ec2-only", pass("ec2.amazonaws.com"))]
    }));
    assert!(g.has_edge(&user_id("ok"), &role_id("fn"), "AWS_PRIVESC"));
    assert!(!g.has_edge(&user_id("ec2-only"), &role_id("fn"), "AWS_PRIVESC"));
}

#[test]
fn ssm_reaches_instance_roles_with_lower_likelihood() {
    let ip = json!({"InstanceProfileList": [{"InstanceProfileName": "web", "Arn": arn("instance-profile", "web")}]});
    let g = graph(json!({
        "RoleDetailList": [
            with(role("inst", trust_service("ec2.amazonaws.com"), json!([])), ip),
            role("no-profile", trust_service("ec2.amazonaws.com"), json!([])),
        ],
        "UserDetailList": [user("a", json!([allow(json!("ssm:SendCommand"), json!("*"))]))]
    }));
    let e = edge(&g, &user_id("a"), &role_id("inst"), "AWS_PRIVESC");
    assert!(e.likelihood < 0.8);
    assert!(text(e).contains("not in the snapshot"));
    assert!(!g.has_edge(&user_id("a"), &role_id("no-profile"), "AWS_PRIVESC"));
}

#[test]
fn eks_access_entry_reaches_cluster_admin_on_the_matching_cluster() {
    let mut snap = account(json!({"UserDetailList": [
        user("a", json!([allow(json!(["eks:CreateAccessEntry", "eks:AssociateAccessPolicy"]),
            json!(format!("arn:aws:eks:*:{ACCT}:cluster/prod")))])),
        user("b", json!([allow(json!(["eks:CreateAccessEntry", "eks:AssociateAccessPolicy"]),
            json!(format!("arn:aws:eks:*:{ACCT}:cluster/staging")))])),
        user("c", json!([allow(json!("eks:CreateAccessEntry"), json!("*"))])),
    ]}));
    snap.facts.provider = Some("eks".into());
    snap.facts.cluster_name = Some("prod".into());
    snap.facts.account = Some(ACCT.into());
    let g = crate::build_graph(&snap).0;
    assert!(g.has_edge(&user_id("a"), id::CLUSTER_ADMIN, "AWS_PRIVESC"));
    assert!(!g.has_edge(&user_id("b"), id::CLUSTER_ADMIN, "AWS_PRIVESC"));
    assert!(!g.has_edge(&user_id("c"), id::CLUSTER_ADMIN, "AWS_PRIVESC"));
}

// ---------- SCPs ----------

#[test]
fn service_control_policy_deny_removes_steps() {
    let mut snap = account(json!({"UserDetailList": [
        user("a", json!([allow(json!("iam:CreateAccessKey"), json!("*"))])),
        user("v", json!([])),
    ]}));
    let g = crate::build_graph(&snap).0;
    assert!(g.has_edge(&user_id("a"), &user_id("v"), "AWS_PRIVESC"));
    let content = doc(json!([
        allow(json!("*"), json!("*")),
        deny(json!("iam:CreateAccessKey"), json!("*"))
    ]))
    .to_string();
    let scp: OrganizationsPolicy = serde_json::from_value(json!({"Policy": {
        "PolicySummary": {"Id": "p-1", "Name": "no-keys", "Type": "SERVICE_CONTROL_POLICY"},
        "Content": content
    }}))
    .unwrap();
    snap.scps.push(scp);
    let g = crate::build_graph(&snap).0;
    assert!(!g.has_edge(&user_id("a"), &user_id("v"), "AWS_PRIVESC"));
}
