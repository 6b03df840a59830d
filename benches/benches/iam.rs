//! The IAM graph build (index, evaluation of every principal's trust and escalation
//! primitives) on generated accounts of N principals: `cargo bench -p kubepath-benches
//! --bench iam`. Targets: 1,000 principals under 1 s, 10,000 under 5 s (median).
//!
//! The generator is deterministic (a fixed LCG): roles and users with inline and managed
//! policies, groups, permission boundaries, service / account / principal / web-identity /
//! cross-account trusts, tags, instance profiles, and a planted escalation every 97th
//! principal.

use kubepath_engine::Snapshot;
use kubepath_engine::aws::AuthorizationDetails;
use serde_json::{Value, json};

fn main() {
    divan::main();
}

#[divan::bench(args = [1_000, 10_000], sample_count = 5, sample_size = 1)]
fn iam_graph(bencher: divan::Bencher, n: usize) {
    let snap = estate(n);
    bencher.bench(|| kubepath_engine::build_graph(divan::black_box(&snap)));
}

const ACCT: &str = "111122223333";
const PARTNER: &str = "444455556666";
const SERVICES: &[&str] = &[
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "glue.amazonaws.com",
    "codebuild.amazonaws.com",
    "sagemaker.amazonaws.com",
    "cloudformation.amazonaws.com",
    "states.amazonaws.com",
];
const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:List*",
    "s3:PutObject",
    "ec2:Describe*",
    "dynamodb:*",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "logs:*",
    "kms:Decrypt",
    "secretsmanager:GetSecretValue",
    "cloudwatch:PutMetricData",
    "sns:Publish",
    "ecr:GetAuthorizationToken",
    "ecr:BatchGetImage",
    "ssm:GetParameter*",
    "xray:PutTraceSegments",
];

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn ordinary_statement(rng: &mut Lcg, i: usize) -> Value {
    let actions: Vec<&str> = (0..1 + rng.below(3)).map(|_| rng.pick(ACTIONS)).collect();
    let resource = match rng.below(4) {
        0 => json!("*"),
        1 => json!(format!("arn:aws:s3:::bucket-{}/*", i % 500)),
        2 => json!(format!(
            "arn:aws:dynamodb:us-east-1:{ACCT}:table/t-{}",
            i % 300
        )),
        _ => json!(format!("arn:aws:sqs:us-east-1:{ACCT}:q-{}", i % 200)),
    };
    let mut s = json!({"Effect": "Allow", "Action": actions, "Resource": resource});
    if rng.below(10) == 0 {
        s["Condition"] = json!({"StringEquals": {"aws:RequestedRegion": "us-east-1"}});
    }
    s
}

fn role_name(i: usize) -> String {
    format!("role-{i}")
}
fn user_name(i: usize) -> String {
    format!("user-{i}")
}
fn role_arn(i: usize) -> String {
    format!("arn:aws:iam::{ACCT}:role/{}", role_name(i))
}
fn user_arn(i: usize) -> String {
    format!("arn:aws:iam::{ACCT}:user/{}", user_name(i))
}

/// A planted escalation for principal `i`.
fn planted(rng: &mut Lcg, i: usize, self_arn: &str, roles: usize) -> Vec<Value> {
    let other_role = role_arn(rng.below(roles));
    let s = |action: Value, resource: Value| json!({"Effect": "Allow", "Action": action, "Resource": resource});
    match (i / 97) % 10 {
        0 => vec![s(json!("*"), json!("*"))],
        1 => vec![s(json!("iam:PutRolePolicy"), json!(self_arn))],
        2 => vec![s(
            json!("iam:CreateAccessKey"),
            json!(format!("arn:aws:iam::{ACCT}:user/*")),
        )],
        3 => vec![s(json!(["iam:PassRole", "ec2:RunInstances"]), json!("*"))],
        4 => vec![s(
            json!([
                "iam:PassRole",
                "lambda:CreateFunction",
                "lambda:InvokeFunction"
            ]),
            json!("*"),
        )],
        5 => vec![s(json!("sts:AssumeRole"), json!("*"))],
        6 => vec![s(
            json!(["sts:AssumeRole", "iam:AttachRolePolicy"]),
            json!(other_role),
        )],
        7 => vec![s(json!("iam:UpdateAssumeRolePolicy"), json!(other_role))],
        8 => vec![s(
            json!("iam:AddUserToGroup"),
            json!(format!("arn:aws:iam::{ACCT}:group/admins")),
        )],
        _ => vec![s(
            json!("iam:CreatePolicyVersion"),
            json!(format!("arn:aws:iam::{ACCT}:policy/shared-*")),
        )],
    }
}

/// One account of `n` principals (60% roles, 40% users) plus a small partner account that
/// trusts it.
pub fn estate(n: usize) -> Snapshot {
    let mut rng = Lcg(0x5eed);
    let roles = n * 6 / 10;
    let users = n - roles;
    let managed_count = (n / 20).max(10);
    let groups = (n / 50).max(3);

    let policies: Vec<Value> = (0..managed_count)
        .map(|m| {
            let statements: Vec<Value> = (0..2 + rng.below(3))
                .map(|k| ordinary_statement(&mut rng, m * 7 + k))
                .collect();
            json!({"PolicyName": format!("shared-{m}"), "Arn": format!("arn:aws:iam::{ACCT}:policy/shared-{m}"),
                   "DefaultVersionId": "v1",
                   "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": doc(statements)}]})
        })
        .collect();
    let attach = |rng: &mut Lcg, k: usize| -> Vec<Value> {
        (0..k)
            .map(|_| {
                let m = rng.below(managed_count);
                json!({"PolicyName": format!("shared-{m}"), "PolicyArn": format!("arn:aws:iam::{ACCT}:policy/shared-{m}")})
            })
            .collect()
    };
    let boundary =
        json!({"PermissionsBoundaryArn": format!("arn:aws:iam::{ACCT}:policy/shared-0")});

    let mut group_list = vec![
        json!({"GroupName": "admins", "Arn": format!("arn:aws:iam::{ACCT}:group/admins"),
        "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}),
    ];
    for k in 1..groups {
        let statements = vec![ordinary_statement(&mut rng, k)];
        let attached = {
            let k = 1 + rng.below(2);
            attach(&mut rng, k)
        };
        group_list.push(json!({"GroupName": format!("group-{k}"), "Arn": format!("arn:aws:iam::{ACCT}:group/group-{k}"),
            "GroupPolicyList": [{"PolicyName": "g", "PolicyDocument": doc(statements)}],
            "AttachedManagedPolicies": attached}));
    }

    let issuer = "oidc.eks.us-east-1.amazonaws.com/id/BENCH";
    let mut role_list = Vec::with_capacity(roles);
    for i in 0..roles {
        let arn = role_arn(i);
        let trust = match rng.below(20) {
            0..=7 => {
                json!({"Effect": "Allow", "Principal": {"Service": rng.pick(SERVICES)}, "Action": "sts:AssumeRole"})
            }
            8..=12 => {
                json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCT}:root")}, "Action": "sts:AssumeRole"})
            }
            13..=15 => {
                let who = if rng.below(2) == 0 {
                    role_arn(rng.below(roles))
                } else {
                    user_arn(rng.below(users.max(1)))
                };
                json!({"Effect": "Allow", "Principal": {"AWS": who}, "Action": "sts:AssumeRole"})
            }
            16..=18 => json!({"Effect": "Allow",
                "Principal": {"Federated": format!("arn:aws:iam::{ACCT}:oidc-provider/{issuer}")},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {format!("{issuer}:sub"): format!("system:serviceaccount:ns-{}:sa-{}", i % 40, i)}}}),
            _ => {
                json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{PARTNER}:root")}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "x"}}})
            }
        };
        let mut statements: Vec<Value> = (0..1 + rng.below(3))
            .map(|k| ordinary_statement(&mut rng, i + k))
            .collect();
        if i % 97 == 0 {
            statements.extend(planted(&mut rng, i, &arn, roles));
        }
        if rng.below(10) == 0 {
            statements.push(json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn(rng.below(roles))}));
        }
        let attached = {
            let k = rng.below(3);
            attach(&mut rng, k)
        };
        let mut r = json!({"RoleName": role_name(i), "Arn": arn,
            "AssumeRolePolicyDocument": doc(vec![trust]),
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": doc(statements)}],
            "AttachedManagedPolicies": attached,
            "Tags": [{"Key": "team", "Value": format!("t{}", i % 12)}]});
        if rng.below(10) == 0 {
            r["PermissionsBoundary"] = boundary.clone();
        }
        if rng.below(5) == 0 {
            r["InstanceProfileList"] = json!([{"InstanceProfileName": role_name(i),
                "Arn": format!("arn:aws:iam::{ACCT}:instance-profile/{}", role_name(i))}]);
        }
        role_list.push(r);
    }

    let mut user_list = Vec::with_capacity(users);
    for i in 0..users {
        let arn = user_arn(i);
        let mut statements: Vec<Value> = (0..rng.below(3))
            .map(|k| ordinary_statement(&mut rng, i + k))
            .collect();
        if (i + 50) % 97 == 0 {
            statements.extend(planted(&mut rng, i + 50, &arn, roles));
        }
        let member_of: Vec<String> = (0..rng.below(3))
            .map(|_| format!("group-{}", 1 + rng.below(groups - 1)))
            .collect();
        let attached = {
            let k = rng.below(2);
            attach(&mut rng, k)
        };
        let mut u = json!({"UserName": user_name(i), "Arn": arn,
            "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": doc(statements)}],
            "AttachedManagedPolicies": attached, "GroupList": member_of,
            "Tags": [{"Key": "team", "Value": format!("t{}", i % 12)}]});
        if rng.below(10) == 0 {
            u["PermissionsBoundary"] = boundary.clone();
        }
        user_list.push(u);
    }

    let partner_roles: Vec<Value> = (0..20)
        .map(|i| {
            json!({"RoleName": format!("partner-{i}"), "Arn": format!("arn:aws:iam::{PARTNER}:role/partner-{i}"),
            "AssumeRolePolicyDocument": doc(vec![json!({"Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{ACCT}:root")}, "Action": "sts:AssumeRole"})])})
        })
        .collect();

    let main: AuthorizationDetails = match serde_json::from_value(json!({
        "RoleDetailList": role_list, "UserDetailList": user_list,
        "GroupDetailList": group_list, "Policies": policies
    })) {
        Ok(d) => d,
        Err(e) => panic!("generated account must parse: {e}"),
    };
    let partner: AuthorizationDetails =
        match serde_json::from_value(json!({"RoleDetailList": partner_roles})) {
            Ok(d) => d,
            Err(e) => panic!("generated partner account must parse: {e}"),
        };
    Snapshot {
        aws: vec![main, partner],
        ..Snapshot::default()
    }
}
