//! AWS techniques on graphs built from inline manifests and IAM dumps.

use serde_json::{Value, json};

use crate::aws::AuthorizationDetails;
use crate::graph::{AttackGraph, Edge};
use crate::snapshot::{Snapshot, Source, Warning};
use crate::testutil;

const ACCT: &str = "111122223333";
const ISSUER: &str = "oidc.eks.us-east-1.amazonaws.com/id/ABC123";

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:role/{name}")
}

fn provider() -> String {
    format!("arn:aws:iam::{ACCT}:oidc-provider/{ISSUER}")
}

fn sub_key() -> String {
    format!("{ISSUER}:sub")
}

fn aud_key() -> String {
    format!("{ISSUER}:aud")
}

/// A trust policy with one web-identity Allow statement for the provider.
fn web_identity_trust(condition: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": provider()},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition
    }]})
}

fn role(name: &str, trust: Value) -> Value {
    json!({"RoleName": name, "Arn": role_arn(name), "AssumeRolePolicyDocument": trust})
}

/// A snapshot of k8s YAML plus one IAM account with these roles.
fn snap(yaml: &str, roles: Vec<Value>, issuer: Option<&str>) -> Snapshot {
    let mut s = testutil::snapshot(yaml);
    let mut d: AuthorizationDetails =
        serde_json::from_value(json!({"RoleDetailList": roles})).unwrap();
    d.source = Source {
        file: "iam.json".into(),
        document: 0,
        line: None,
    };
    s.aws.push(d);
    s.facts.oidc_issuer = issuer.map(str::to_string);
    s
}

fn build(s: &Snapshot) -> (AttackGraph, Vec<Warning>) {
    crate::build_graph(s)
}

fn edge<'g>(g: &'g AttackGraph, from: &str, to: &str, technique: &str) -> &'g Edge {
    g.edges_of(technique)
        .into_iter()
        .find(|(f, t, _)| *f == from && *t == to)
        .map(|(_, _, e)| e)
        .unwrap_or_else(|| panic!("no {technique} edge {from} -> {to}"))
}

fn evidence_text(e: &Edge) -> String {
    e.evidence
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn sa(ns: &str, name: &str, role: Option<&str>) -> String {
    let annotations = match role {
        Some(r) => format!(
            "\n  annotations:\n    eks.amazonaws.com/role-arn: {}",
            role_arn(r)
        ),
        None => String::new(),
    };
    format!(
        "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {ns}{annotations}\n"
    )
}

#[test]
fn irsa_string_equals_admits_exactly_the_named_service_account() {
    let trust = web_identity_trust(json!({"StringEquals": {
        sub_key(): "system:serviceaccount:shop:app",
        aud_key(): "sts.amazonaws.com"
    }}));
    let yaml = sa("shop", "app", Some("app")) + &sa("other", "app", Some("app"));
    let s = snap(
        &yaml,
        vec![role("app", trust)],
        Some(&format!("https://{ISSUER}")),
    );
    let (g, _) = build(&s);
    let role_node = format!("aws-role:{}", role_arn("app"));
    let e = edge(&g, "sa:shop/app", &role_node, "IRSA_ASSUME");
    assert_eq!(e.likelihood, 0.95);
    let text = evidence_text(e);
    assert!(
        text.contains("AssumeRolePolicyDocument.Statement[0]"),
        "{text}"
    );
    assert!(text.contains("ServiceAccount/shop/app"), "{text}");
    assert!(!text.contains("not checked"), "{text}");
    assert!(
        e.remediation.contains(&role_arn("app")),
        "{}",
        e.remediation
    );
    assert!(
        !g.has_edge("sa:other/app", &role_node, "IRSA_ASSUME"),
        "wrong namespace"
    );
}

#[test]
fn irsa_string_like_namespace_wildcard_admits_only_that_namespace() {
    let trust =
        web_identity_trust(json!({"StringLike": {sub_key(): "system:serviceaccount:shop:*"}}));
    let yaml = sa("shop", "any", None)
        + &sa("shopping", "app", None)
        + &sa("shop", "worker", Some("wide"));
    let s = snap(&yaml, vec![role("wide", trust)], None);
    let (g, _) = build(&s);
    let role_node = format!("aws-role:{}", role_arn("wide"));
    assert!(g.has_edge("sa:shop/worker", &role_node, "IRSA_ASSUME"));
    // Admitted, but its pods carry no STS token and nobody can mint one: no step.
    assert!(!g.has_edge("sa:shop/any", &role_node, "IRSA_ASSUME"));
    assert!(!g.has_edge("sa:shopping/app", &role_node, "IRSA_ASSUME"));
    let e = edge(&g, "sa:shop/worker", &role_node, "IRSA_ASSUME");
    assert!(e.remediation.contains("StringLike"), "{}", e.remediation);
    // Without the cluster's issuer, the evidence says the provider was not checked.
    assert!(
        evidence_text(e).contains("not checked"),
        "{}",
        evidence_text(e)
    );
}

/// Deployment `web` in `shop` running as SA `web`, with an API token.
const SHOP_WEB: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      containers: [{name: c, image: nginx}]
"#;

#[test]
fn irsa_unannotated_service_account_pod_holds_only_an_api_token() {
    let trust =
        web_identity_trust(json!({"StringLike": {sub_key(): "system:serviceaccount:shop:*"}}));
    let s = snap(SHOP_WEB, vec![role("wide", trust)], None);
    let (g, _) = build(&s);
    let role_node = format!("aws-role:{}", role_arn("wide"));
    // The pod reaches sa:shop/web, but holds no STS-audience token: the role is not a step.
    assert!(g.has_edge(
        "workload:shop/Deployment/web",
        "sa:shop/web",
        "POD_SA_TOKEN"
    ));
    assert!(!g.has_edge("sa:shop/web", &role_node, "IRSA_ASSUME"));
    assert!(g.edges_of("IRSA_ASSUME").is_empty());
}

#[test]
fn irsa_identity_that_can_create_pods_mints_a_token_for_an_admitted_service_account() {
    let trust =
        web_identity_trust(json!({"StringLike": {sub_key(): "system:serviceaccount:shop:*"}}));
    let rbac = r#"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: shop}
rules: [{apiGroups: [""], resources: [pods], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
subjects: [{kind: ServiceAccount, name: ci, namespace: ops}]
"#;
    let yaml = SHOP_WEB.to_string() + &sa("shop", "web", None) + rbac;
    let s = snap(&yaml, vec![role("wide", trust)], None);
    let (g, _) = build(&s);
    let role_node = format!("aws-role:{}", role_arn("wide"));
    assert!(g.has_edge("sa:ops/ci", "sa:shop/web", "RBAC_CREATE_WORKLOAD"));
    let e = edge(&g, "sa:ops/ci", &role_node, "IRSA_ASSUME");
    let text = evidence_text(e);
    assert!(
        text.contains("can mint one (RBAC_CREATE_WORKLOAD)"),
        "{text}"
    );
    assert!(text.contains("Role/shop/deployer"), "{text}");
    // The trust admits shop/web and shop/default (and says so).
    assert!(text.contains("admits 2 service accounts"), "{text}");
    assert!(e.likelihood < 0.95);
    // Still not from the pod's own service account.
    assert!(!g.has_edge("sa:shop/web", &role_node, "IRSA_ASSUME"));
}

#[test]
fn irsa_annotation_for_another_role_still_carries_a_token_for_this_one() {
    let trust =
        web_identity_trust(json!({"StringLike": {sub_key(): "system:serviceaccount:shop:*"}}));
    let s = snap(
        &sa("shop", "web", Some("narrow")),
        vec![role("wide", trust)],
        None,
    );
    let (g, _) = build(&s);
    let e = edge(
        &g,
        "sa:shop/web",
        &format!("aws-role:{}", role_arn("wide")),
        "IRSA_ASSUME",
    );
    assert!(
        evidence_text(e).contains("good for every role"),
        "{}",
        evidence_text(e)
    );
}

#[test]
fn irsa_workload_mounting_an_sts_token_reaches_the_role_itself() {
    let trust =
        web_identity_trust(json!({"StringEquals": {sub_key(): "system:serviceaccount:shop:web"}}));
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: diy, namespace: shop}
spec:
  serviceAccountName: web
  automountServiceAccountToken: false
  containers: [{name: c, volumeMounts: [{name: aws, mountPath: /var/run/aws}]}]
  volumes:
  - name: aws
    projected:
      sources: [{serviceAccountToken: {audience: sts.amazonaws.com, path: token}}]
"#;
    let s = snap(yaml, vec![role("web", trust)], None);
    let (g, _) = build(&s);
    let role_node = format!("aws-role:{}", role_arn("web"));
    let e = edge(&g, "workload:shop/Pod/diy", &role_node, "IRSA_ASSUME");
    assert!(
        evidence_text(e).contains("projected.sources[0]"),
        "{}",
        evidence_text(e)
    );
    assert!(!g.has_edge("sa:shop/web", &role_node, "IRSA_ASSUME"));
}

#[test]
fn irsa_trust_without_sub_condition_admits_every_service_account_and_says_so() {
    let trust = web_identity_trust(json!({"StringEquals": {aud_key(): "sts.amazonaws.com"}}));
    let s = snap(
        &sa("kube-system", "anything", Some("open")),
        vec![role("open", trust)],
        None,
    );
    let (g, _) = build(&s);
    let e = edge(
        &g,
        "sa:kube-system/anything",
        &format!("aws-role:{}", role_arn("open")),
        "IRSA_ASSUME",
    );
    let text = evidence_text(e);
    assert!(text.contains("no :sub condition"), "{text}");
    assert!(
        text.contains("every service account of every cluster"),
        "{text}"
    );
    assert!(e.remediation.contains(":sub"), "{}", e.remediation);
}

#[test]
fn irsa_audience_mismatch_is_no_edge() {
    let trust = web_identity_trust(json!({"StringEquals": {
        sub_key(): "system:serviceaccount:shop:app",
        aud_key(): "some-other-audience"
    }}));
    let s = snap(
        &sa("shop", "app", Some("app")),
        vec![role("app", trust)],
        None,
    );
    let (g, _) = build(&s);
    assert!(!g.has_edge(
        "sa:shop/app",
        &format!("aws-role:{}", role_arn("app")),
        "IRSA_ASSUME"
    ));
}

#[test]
fn irsa_trust_deny_statement_wins() {
    let trust = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Federated": provider()},
         "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringLike": {sub_key(): "system:serviceaccount:*"}}},
        {"Effect": "Deny", "Principal": "*", "Action": "sts:*",
         "Condition": {"StringEquals": {sub_key(): "system:serviceaccount:shop:app"}}}
    ]});
    let yaml = sa("shop", "app", Some("r")) + &sa("shop", "other", Some("r"));
    let s = snap(&yaml, vec![role("r", trust)], None);
    let (g, _) = build(&s);
    let role_node = format!("aws-role:{}", role_arn("r"));
    assert!(!g.has_edge("sa:shop/app", &role_node, "IRSA_ASSUME"));
    assert!(g.has_edge("sa:shop/other", &role_node, "IRSA_ASSUME"));
}

#[test]
fn irsa_provider_must_be_the_cluster_issuer_when_known() {
    let trust =
        web_identity_trust(json!({"StringEquals": {sub_key(): "system:serviceaccount:shop:app"}}));
    let yaml = sa("shop", "app", Some("app"));
    let role_node = format!("aws-role:{}", role_arn("app"));
    let other = snap(
        &yaml,
        vec![role("app", trust.clone())],
        Some("https://oidc.eks.us-east-1.amazonaws.com/id/OTHER"),
    );
    assert!(
        !build(&other)
            .0
            .has_edge("sa:shop/app", &role_node, "IRSA_ASSUME")
    );
    let same = snap(
        &yaml,
        vec![role("app", trust)],
        Some(&format!("https://{ISSUER}/")),
    );
    assert!(
        build(&same)
            .0
            .has_edge("sa:shop/app", &role_node, "IRSA_ASSUME")
    );
}

#[test]
fn irsa_annotation_alone_without_admitting_trust_is_no_edge() {
    let ec2_trust = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let s = snap(
        &sa("shop", "app", Some("node")),
        vec![role("node", ec2_trust)],
        None,
    );
    let (g, w) = build(&s);
    assert!(!g.has_edge(
        "sa:shop/app",
        &format!("aws-role:{}", role_arn("node")),
        "IRSA_ASSUME"
    ));
    assert!(w.is_empty(), "the role exists: {w:?}");
}

#[test]
fn irsa_annotation_naming_a_role_outside_the_snapshot_warns() {
    let s = snap(&sa("shop", "app", Some("missing")), vec![], None);
    let (g, w) = build(&s);
    assert!(g.edges_of("IRSA_ASSUME").is_empty());
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].message.contains("role ARN not in the IAM snapshot"),
        "{}",
        w[0].message
    );
    assert_eq!(w[0].object.as_deref(), Some("ServiceAccount/shop/app"));
    // Without any IAM data there is nothing to compare against: no warning.
    let bare = testutil::snapshot(&sa("shop", "app", Some("missing")));
    assert!(build(&bare).1.is_empty());
}

#[test]
fn irsa_undecidable_trust_condition_is_a_less_likely_edge() {
    let trust = web_identity_trust(json!({
        "StringEquals": {sub_key(): "system:serviceaccount:shop:app"},
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}
    }));
    let s = snap(
        &sa("shop", "app", Some("app")),
        vec![role("app", trust)],
        None,
    );
    let (g, _) = build(&s);
    let e = edge(
        &g,
        "sa:shop/app",
        &format!("aws-role:{}", role_arn("app")),
        "IRSA_ASSUME",
    );
    assert!(e.likelihood < 0.95);
    assert!(
        evidence_text(e).contains("IpAddress aws:SourceIp"),
        "{}",
        evidence_text(e)
    );
}

#[test]
fn admin_role_and_user_reach_account_admin_with_the_granting_statement() {
    let mut s = Snapshot::default();
    let d: AuthorizationDetails = serde_json::from_value(json!({
        "RoleDetailList": [
            {"RoleName": "admin", "Arn": role_arn("admin"),
             "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess",
                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]},
            {"RoleName": "mfa", "Arn": role_arn("mfa"),
             "RolePolicyList": [{"PolicyName": "all-with-mfa", "PolicyDocument": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                  "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}}]},
            {"RoleName": "s3", "Arn": role_arn("s3"),
             "RolePolicyList": [{"PolicyName": "s3", "PolicyDocument": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}]}
        ],
        "UserDetailList": [
            {"UserName": "ops", "Arn": format!("arn:aws:iam::{ACCT}:user/ops"),
             "UserPolicyList": [{"PolicyName": "god", "PolicyDocument": {"Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "*:*", "Resource": "*"}}}]}
        ]
    }))
    .unwrap();
    s.aws.push(d);
    let (g, _) = build(&s);
    let admin = format!("aws-admin:{ACCT}");
    let e = edge(
        &g,
        &format!("aws-role:{}", role_arn("admin")),
        &admin,
        "AWS_ADMIN",
    );
    assert_eq!(e.likelihood, 1.0);
    let text = evidence_text(e);
    assert!(
        text.contains("arn:aws:iam::aws:policy/AdministratorAccess"),
        "{text}"
    );
    assert!(text.contains("Statement[0]"), "{text}");
    assert!(
        e.remediation
            .contains("detach arn:aws:iam::aws:policy/AdministratorAccess")
            || e.remediation
                .contains("Detach arn:aws:iam::aws:policy/AdministratorAccess"),
        "{}",
        e.remediation
    );

    let m = edge(
        &g,
        &format!("aws-role:{}", role_arn("mfa")),
        &admin,
        "AWS_ADMIN",
    );
    assert!(m.likelihood < 1.0);
    assert!(
        evidence_text(m).contains("aws:MultiFactorAuthPresent"),
        "{}",
        evidence_text(m)
    );

    assert!(g.has_edge(
        &format!("aws-user:arn:aws:iam::{ACCT}:user/ops"),
        &admin,
        "AWS_ADMIN"
    ));
    assert!(!g.has_edge(&format!("aws-role:{}", role_arn("s3")), &admin, "AWS_ADMIN"));
}

#[test]
fn irsa_trust_with_wildcard_principal_uses_the_cluster_issuer_and_says_so() {
    let trust = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {sub_key(): "system:serviceaccount:shop:app"}}}]});
    let s = snap(
        &sa("shop", "app", Some("star")),
        vec![role("star", trust)],
        Some(ISSUER),
    );
    let (g, _) = build(&s);
    let e = edge(
        &g,
        "sa:shop/app",
        &format!("aws-role:{}", role_arn("star")),
        "IRSA_ASSUME",
    );
    assert!(
        evidence_text(e).contains("names no OIDC provider"),
        "{}",
        evidence_text(e)
    );
    assert!(!g.has_edge(
        "sa:shop/other",
        &format!("aws-role:{}", role_arn("star")),
        "IRSA_ASSUME"
    ));
}

#[test]
fn each_account_file_gets_its_own_admin_sink() {
    let account = |acct: &str| -> AuthorizationDetails {
        serde_json::from_value(json!({"RoleDetailList": [
            {"RoleName": "admin", "Arn": format!("arn:aws:iam::{acct}:role/admin"),
             "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess",
                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}]}))
        .unwrap()
    };
    let mut s = Snapshot::default();
    s.aws.push(account("111111111111"));
    s.aws.push(account("222222222222"));
    let (g, _) = build(&s);
    assert!(g.has_edge(
        "aws-role:arn:aws:iam::111111111111:role/admin",
        "aws-admin:111111111111",
        "AWS_ADMIN"
    ));
    assert!(g.has_edge(
        "aws-role:arn:aws:iam::222222222222:role/admin",
        "aws-admin:222222222222",
        "AWS_ADMIN"
    ));
    assert!(!g.has_edge(
        "aws-role:arn:aws:iam::111111111111:role/admin",
        "aws-admin:222222222222",
        "AWS_ADMIN"
    ));
}

#[test]
fn irsa_webhook_token_reaches_the_role_from_a_pod_without_an_api_token() {
    let trust =
        web_identity_trust(json!({"StringEquals": {sub_key(): "system:serviceaccount:shop:app"}}));
    let pod = |name: &str, automount: bool| {
        format!(
            "---\nkind: Deployment\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n  template:\n    spec:\n      serviceAccountName: app\n      automountServiceAccountToken: {automount}\n      containers: [{{name: c}}]\n"
        )
    };
    let yaml = sa("shop", "app", Some("app")) + &pod("quiet", false) + &pod("chatty", true);
    let s = snap(&yaml, vec![role("app", trust)], Some(ISSUER));
    let (g, _) = build(&s);
    let role_node = format!("aws-role:{}", role_arn("app"));
    // No API token, yet the role: the step goes straight from the workload.
    assert!(!g.has_edge(
        "workload:shop/Deployment/quiet",
        "sa:shop/app",
        "POD_SA_TOKEN"
    ));
    let e = edge(
        &g,
        "workload:shop/Deployment/quiet",
        &role_node,
        "IRSA_ASSUME",
    );
    assert!(evidence_text(e).contains("webhook"));
    // With an API token the chain goes through the service account, not twice.
    assert!(g.has_edge(
        "workload:shop/Deployment/chatty",
        "sa:shop/app",
        "POD_SA_TOKEN"
    ));
    assert!(!g.has_edge("workload:shop/Deployment/chatty", &role_node, "IRSA_ASSUME"));
}

#[test]
fn irsa_without_annotation_gives_no_webhook_step() {
    let trust =
        web_identity_trust(json!({"StringEquals": {sub_key(): "system:serviceaccount:shop:app"}}));
    let yaml = sa("shop", "app", None)
        + "---\nkind: Deployment\nmetadata: {name: quiet, namespace: shop}\nspec:\n  template:\n    spec:\n      serviceAccountName: app\n      automountServiceAccountToken: false\n      containers: [{name: c}]\n";
    let s = snap(&yaml, vec![role("app", trust)], Some(ISSUER));
    let (g, _) = build(&s);
    let role_node = format!("aws-role:{}", role_arn("app"));
    assert!(!g.has_edge("workload:shop/Deployment/quiet", &role_node, "IRSA_ASSUME"));
}
