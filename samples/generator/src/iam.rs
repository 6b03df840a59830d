//! The AWS account: `aws iam get-account-authorization-details` of about `principals`
//! roles and users (60/40), groups, customer-managed and inline policies, permission
//! boundaries, trusts of every kind (service, account, principal, web identity, a partner
//! account), tags, instance profiles; an escalation planted every 97th principal (not
//! reachable from the cluster); the IRSA roles of the cluster's apps; and the planted roles
//! of [`crate::PLANTED_CHAINS`].

use serde_json::{Value, json};

use crate::{ACCOUNT, Lcg};

/// The role whose inline policy lets it rewrite itself (`iam:PutRolePolicy` on itself).
pub const PLANTED_PRIVESC_ROLE: &str = "planted-uploader-irsa";
/// The admin role whose OIDC trust admits a whole namespace.
pub const PLANTED_OIDC_ROLE: &str = "planted-oidc-wildcard-admin";
pub const NODE_ROLE: &str = "scale-prod-eks-node";

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

/// The generated document and how many principals it holds.
pub struct Account {
    pub document: Value,
    pub principals: usize,
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
            "arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t-{}",
            i % 300
        )),
        _ => json!(format!("arn:aws:sqs:us-east-1:{ACCOUNT}:q-{}", i % 200)),
    };
    let mut s = json!({"Effect": "Allow", "Action": actions, "Resource": resource});
    if rng.below(10) == 0 {
        s["Condition"] = json!({"StringEquals": {"aws:RequestedRegion": "us-east-1"}});
    }
    s
}

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}
fn role_name(i: usize) -> String {
    format!("role-{i}")
}
fn user_name(i: usize) -> String {
    format!("user-{i}")
}
fn user_arn(i: usize) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{}", user_name(i))
}

/// A planted escalation for principal `i` (one of ten primitives, in turn).
fn planted(rng: &mut Lcg, i: usize, self_arn: &str, roles: usize) -> Vec<Value> {
    let other_role = role_arn(&role_name(rng.below(roles)));
    let s = |action: Value, resource: Value| json!({"Effect": "Allow", "Action": action, "Resource": resource});
    match (i / 97) % 10 {
        0 => vec![s(json!("*"), json!("*"))],
        1 => vec![s(json!("iam:PutRolePolicy"), json!(self_arn))],
        2 => vec![s(
            json!("iam:CreateAccessKey"),
            json!(format!("arn:aws:iam::{ACCOUNT}:user/*")),
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
            json!(format!("arn:aws:iam::{ACCOUNT}:group/admins")),
        )],
        _ => vec![s(
            json!("iam:CreatePolicyVersion"),
            json!(format!("arn:aws:iam::{ACCOUNT}:policy/shared-*")),
        )],
    }
}

fn web_identity_trust(issuer: &str, op: &str, sub: &str) -> Value {
    json!({"Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}")},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {op: {format!("{issuer}:sub"): sub, format!("{issuer}:aud"): "sts.amazonaws.com"}}})
}

const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// The account of about `principals` principals. `irsa`: (role name, namespace, service
/// account) of the cluster's IRSA roles, which count towards `principals`.
pub fn account(
    principals: usize,
    seed: u64,
    issuer: &str,
    irsa: &[(String, String, String)],
) -> Account {
    let mut rng = Lcg::new(seed.wrapping_add(2));
    let own = principals.saturating_sub(irsa.len()).max(10);
    let roles = own * 6 / 10;
    let users = own - roles;
    let managed_count = (own / 20).max(10);
    let groups = (own / 50).max(3);

    let mut policies: Vec<Value> = (0..managed_count)
        .map(|m| {
            let statements: Vec<Value> = (0..2 + rng.below(3))
                .map(|k| ordinary_statement(&mut rng, m * 7 + k))
                .collect();
            json!({"PolicyName": format!("shared-{m}"), "Arn": format!("arn:aws:iam::{ACCOUNT}:policy/shared-{m}"),
                   "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": 1, "IsAttachable": true,
                   "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": doc(statements)}]})
        })
        .collect();
    policies.push(json!({"PolicyName": "AdministratorAccess", "Arn": ADMIN_POLICY, "Path": "/",
        "DefaultVersionId": "v1", "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true,
        "Document": doc(vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})])}]}));
    policies.push(json!({"PolicyName": "AmazonEKSWorkerNodePolicy", "Arn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "Path": "/",
        "DefaultVersionId": "v3", "PolicyVersionList": [{"VersionId": "v3", "IsDefaultVersion": true,
        "Document": doc(vec![json!({"Effect": "Allow", "Action": ["ec2:DescribeInstances", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets", "ec2:DescribeVolumes", "ec2:DescribeVpcs", "eks:DescribeCluster", "eks-auth:AssumeRoleForPodIdentity"], "Resource": "*"})])}]}));
    let attach = |rng: &mut Lcg, k: usize| -> Vec<Value> {
        (0..k)
            .map(|_| {
                let m = rng.below(managed_count);
                json!({"PolicyName": format!("shared-{m}"), "PolicyArn": format!("arn:aws:iam::{ACCOUNT}:policy/shared-{m}")})
            })
            .collect()
    };
    let boundary = json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": format!("arn:aws:iam::{ACCOUNT}:policy/shared-0")});

    let mut group_list = vec![
        json!({"GroupName": "admins", "Path": "/", "Arn": format!("arn:aws:iam::{ACCOUNT}:group/admins"),
        "GroupPolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_POLICY}]}),
    ];
    for k in 1..groups {
        let statements = vec![ordinary_statement(&mut rng, k)];
        let attached = {
            let k = 1 + rng.below(2);
            attach(&mut rng, k)
        };
        group_list.push(json!({"GroupName": format!("group-{k}"), "Path": "/", "Arn": format!("arn:aws:iam::{ACCOUNT}:group/group-{k}"),
            "GroupPolicyList": [{"PolicyName": "g", "PolicyDocument": doc(statements)}],
            "AttachedManagedPolicies": attached}));
    }

    let mut role_list = Vec::with_capacity(roles + irsa.len() + 8);
    for i in 0..roles {
        let name = role_name(i);
        let arn = role_arn(&name);
        let trust = match rng.below(20) {
            0..=7 => {
                json!({"Effect": "Allow", "Principal": {"Service": rng.pick(SERVICES)}, "Action": "sts:AssumeRole"})
            }
            8..=12 => {
                json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"})
            }
            13..=17 => {
                let who = if rng.below(2) == 0 {
                    role_arn(&role_name(rng.below(roles)))
                } else {
                    user_arn(rng.below(users.max(1)))
                };
                json!({"Effect": "Allow", "Principal": {"AWS": who}, "Action": "sts:AssumeRole"})
            }
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
            statements.push(json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn(&role_name(rng.below(roles)))}));
        }
        let attached = {
            let k = rng.below(3);
            attach(&mut rng, k)
        };
        let mut r = json!({"Path": "/", "RoleName": name, "RoleId": format!("AROA{:016X}", rng.next_u64()), "Arn": arn,
            "CreateDate": "2025-03-01T10:00:00Z",
            "AssumeRolePolicyDocument": doc(vec![trust]),
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": doc(statements)}],
            "AttachedManagedPolicies": attached,
            "Tags": [{"Key": "team", "Value": format!("t{}", i % 12)}],
            "InstanceProfileList": []});
        if rng.below(10) == 0 {
            r["PermissionsBoundary"] = boundary.clone();
        }
        if rng.below(5) == 0 {
            r["InstanceProfileList"] = json!([{"InstanceProfileName": name,
                "Arn": format!("arn:aws:iam::{ACCOUNT}:instance-profile/{name}")}]);
        }
        role_list.push(r);
    }
    // The cluster's IRSA roles: exact trusts, ordinary permissions.
    for (k, (name, ns, sa)) in irsa.iter().enumerate() {
        let statements: Vec<Value> = (0..1 + rng.below(3))
            .map(|j| ordinary_statement(&mut rng, k + j))
            .collect();
        role_list.push(json!({"Path": "/", "RoleName": name, "RoleId": format!("AROA{:016X}", rng.next_u64()), "Arn": role_arn(name),
            "AssumeRolePolicyDocument": doc(vec![web_identity_trust(issuer, "StringEquals", &format!("system:serviceaccount:{ns}:{sa}"))]),
            "RolePolicyList": [{"PolicyName": "app", "PolicyDocument": doc(statements)}],
            "AttachedManagedPolicies": [], "Tags": [{"Key": "kubernetes-namespace", "Value": ns}], "InstanceProfileList": []}));
    }
    // Planted: a role that may rewrite its own inline policy; a reader whose token also
    // fits an admin role with a namespace-wide trust; the node role; the SSO admins.
    let planted_arn = role_arn(PLANTED_PRIVESC_ROLE);
    role_list.push(json!({"Path": "/", "RoleName": PLANTED_PRIVESC_ROLE, "Arn": planted_arn,
        "AssumeRolePolicyDocument": doc(vec![web_identity_trust(issuer, "StringEquals", "system:serviceaccount:team-001:planted-uploader")]),
        "RolePolicyList": [{"PolicyName": "uploads", "PolicyDocument": doc(vec![
            json!({"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "arn:aws:s3:::uploads/*"}),
            json!({"Effect": "Allow", "Action": ["iam:PutRolePolicy", "iam:GetRolePolicy"], "Resource": planted_arn})])}],
        "AttachedManagedPolicies": [], "InstanceProfileList": []}));
    role_list.push(json!({"Path": "/", "RoleName": "planted-reports-reader", "Arn": role_arn("planted-reports-reader"),
        "AssumeRolePolicyDocument": doc(vec![web_identity_trust(issuer, "StringEquals", "system:serviceaccount:team-002:planted-reports")]),
        "RolePolicyList": [{"PolicyName": "reports", "PolicyDocument": doc(vec![
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"})])}],
        "AttachedManagedPolicies": [], "InstanceProfileList": []}));
    role_list.push(json!({"Path": "/", "RoleName": PLANTED_OIDC_ROLE, "Arn": role_arn(PLANTED_OIDC_ROLE),
        "AssumeRolePolicyDocument": doc(vec![web_identity_trust(issuer, "StringLike", "system:serviceaccount:team-002:*")]),
        "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_POLICY}],
        "InstanceProfileList": []}));
    role_list.push(json!({"Path": "/", "RoleName": NODE_ROLE, "Arn": role_arn(NODE_ROLE),
        "AssumeRolePolicyDocument": doc(vec![json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})]),
        "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "AmazonEKSWorkerNodePolicy", "PolicyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"}],
        "InstanceProfileList": [{"InstanceProfileName": NODE_ROLE, "Arn": format!("arn:aws:iam::{ACCOUNT}:instance-profile/{NODE_ROLE}")}]}));
    role_list.push(json!({"Path": "/", "RoleName": "platform-admin", "Arn": role_arn("platform-admin"),
        "AssumeRolePolicyDocument": doc(vec![json!({"Effect": "Allow", "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:saml-provider/sso")},
            "Action": "sts:AssumeRoleWithSAML", "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}})]),
        "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_POLICY}],
        "InstanceProfileList": []}));

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
        let mut u = json!({"Path": "/", "UserName": user_name(i), "UserId": format!("AIDA{:016X}", rng.next_u64()), "Arn": arn,
            "CreateDate": "2024-06-01T10:00:00Z",
            "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": doc(statements)}],
            "AttachedManagedPolicies": attached, "GroupList": member_of,
            "Tags": [{"Key": "team", "Value": format!("t{}", i % 12)}]});
        if rng.below(10) == 0 {
            u["PermissionsBoundary"] = boundary.clone();
        }
        user_list.push(u);
    }
    let count = role_list.len() + user_list.len();
    Account {
        document: json!({
            "UserDetailList": user_list, "GroupDetailList": group_list,
            "RoleDetailList": role_list, "Policies": policies
        }),
        principals: count,
    }
}
