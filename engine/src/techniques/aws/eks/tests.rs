//! EKS bridges: pod identity, node roles through IMDS, aws-auth and access entries.

use serde_json::{Value, json};

use crate::aws::AuthorizationDetails;
use crate::graph::AttackGraph;
use crate::snapshot::{
    AccessEntry, AccessScope, AssociatedAccessPolicy, AwsAuth, AwsAuthMapping, Imds,
    PodIdentityAssociation, Snapshot,
};
use crate::testutil;

const ACCT: &str = "111122223333";

fn arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:role/{name}")
}

fn node(name: &str) -> String {
    format!("aws-role:{}", arn(name))
}

fn pod_identity_trust(actions: Value, condition: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
        "Action": actions, "Condition": condition}]})
}

fn role(path_and_name: &str, trust: Value) -> Value {
    let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
    json!({"RoleName": name, "Arn": arn(path_and_name), "AssumeRolePolicyDocument": trust})
}

fn snap(yaml: &str, roles: Vec<Value>) -> Snapshot {
    let mut s = testutil::snapshot(yaml);
    let d: AuthorizationDetails = serde_json::from_value(json!({"RoleDetailList": roles})).unwrap();
    s.aws.push(d);
    s.facts.cluster_name = Some("prod".into());
    s
}

fn graph(s: &Snapshot) -> AttackGraph {
    crate::build_graph(s).0
}

fn association(ns: &str, sa: &str, role: &str) -> PodIdentityAssociation {
    PodIdentityAssociation {
        cluster_name: "prod".into(),
        namespace: ns.into(),
        service_account: sa.into(),
        role_arn: Some(arn(role)),
        association_arn: Some(format!(
            "arn:aws:eks:us-east-1:{ACCT}:podidentityassociation/prod/a-1"
        )),
        field: "association".into(),
        ..Default::default()
    }
}

const QUIET_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: quiet, namespace: shop}\nspec:\n  serviceAccountName: app\n  automountServiceAccountToken: false\n  containers: [{name: c}]\n";

#[test]
fn pod_identity_association_with_admitting_trust_reaches_the_role() {
    let trust = pod_identity_trust(
        json!(["sts:AssumeRole", "sts:TagSession"]),
        json!({"StringEquals": {"aws:RequestTag/kubernetes-namespace": "shop",
            "aws:SourceAccount": ACCT}}),
    );
    let mut s = snap(QUIET_POD, vec![role("app", trust)]);
    s.eks
        .pod_identity_associations
        .push(association("shop", "app", "app"));
    let g = graph(&s);
    assert!(g.has_edge("sa:shop/app", &node("app"), "EKS_POD_IDENTITY"));
    // The pod holds no API token, yet the agent gives it the role.
    assert!(g.has_edge("workload:shop/Pod/quiet", &node("app"), "EKS_POD_IDENTITY"));
    let (_, _, e) = g.edges_of("EKS_POD_IDENTITY")[0];
    assert_eq!(e.likelihood, 0.95);
    // A condition on another namespace's tag is decided from the association: no edge.
    let trust = pod_identity_trust(
        json!(["sts:AssumeRole", "sts:TagSession"]),
        json!({"StringEquals": {"aws:RequestTag/kubernetes-namespace": "payments"}}),
    );
    let mut s = snap(QUIET_POD, vec![role("app", trust)]);
    s.eks
        .pod_identity_associations
        .push(association("shop", "app", "app"));
    assert!(graph(&s).edges_of("EKS_POD_IDENTITY").is_empty());
}

#[test]
fn pod_identity_trust_not_admitting_the_agent_is_no_edge() {
    // Missing sts:TagSession: the agent's AssumeRole with session tags is refused.
    let trust = pod_identity_trust(json!("sts:AssumeRole"), json!({}));
    let mut s = snap(QUIET_POD, vec![role("app", trust)]);
    s.eks
        .pod_identity_associations
        .push(association("shop", "app", "app"));
    assert!(graph(&s).edges_of("EKS_POD_IDENTITY").is_empty());
    // An EC2 trust does not admit the agent either.
    let ec2 = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]});
    let mut s = snap(QUIET_POD, vec![role("app", ec2)]);
    s.eks
        .pod_identity_associations
        .push(association("shop", "app", "app"));
    assert!(graph(&s).edges_of("EKS_POD_IDENTITY").is_empty());
}

#[test]
fn pod_identity_association_of_another_cluster_is_ignored() {
    let trust = pod_identity_trust(json!(["sts:AssumeRole", "sts:TagSession"]), json!({}));
    let mut s = snap(QUIET_POD, vec![role("app", trust)]);
    let mut a = association("shop", "app", "app");
    a.cluster_name = "staging".into();
    s.eks.pod_identity_associations.push(a);
    assert!(graph(&s).edges_of("EKS_POD_IDENTITY").is_empty());
}

const HOST_NET_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: ops}\nspec:\n  hostNetwork: true\n  containers: [{name: c}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: ops}\nspec:\n  containers: [{name: c}]\n";

fn node_role_snapshot(pods_can_reach: Option<bool>) -> Snapshot {
    let mut s = snap(HOST_NET_POD, vec![]);
    s.facts.node_role_arns = vec![arn("nodes")];
    s.facts.imds = Imds { pods_can_reach };
    s
}

#[test]
fn host_network_pod_reaches_the_node_role_through_imds() {
    let g = graph(&node_role_snapshot(Some(false)));
    assert!(g.has_edge("workload:ops/Pod/agent", &node("nodes"), "IMDS_NODE_ROLE"));
    assert!(g.has_edge("node:*", &node("nodes"), "IMDS_NODE_ROLE"));
}

#[test]
fn egress_policy_without_the_metadata_address_cuts_the_pod_route_to_imds() {
    let deny = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: egress, namespace: ops}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]}]\n";
    let allow = deny.replace(", except: [169.254.169.254/32]", "");
    for (policy, reaches) in [(deny.to_string(), false), (allow, true)] {
        let mut s = snap(&format!("{HOST_NET_POD}{policy}"), vec![]);
        s.facts.node_role_arns = vec![arn("nodes")];
        s.facts.imds = Imds {
            pods_can_reach: Some(true),
        };
        let g = graph(&s);
        assert_eq!(
            g.has_edge("workload:ops/Pod/web", &node("nodes"), "IMDS_NODE_ROLE"),
            reaches
        );
        // Host-network pods are not subject to NetworkPolicy.
        assert!(g.has_edge("workload:ops/Pod/agent", &node("nodes"), "IMDS_NODE_ROLE"));
    }
}

#[test]
fn pods_cannot_reach_imds_when_the_facts_say_so() {
    let g = graph(&node_role_snapshot(Some(false)));
    assert!(!g.has_edge("workload:ops/Pod/web", &node("nodes"), "IMDS_NODE_ROLE"));
    // Unstated: the EKS default (hop limit 2) lets pods reach it, less surely.
    let g = graph(&node_role_snapshot(None));
    let e = g
        .edges_of("IMDS_NODE_ROLE")
        .into_iter()
        .find(|(f, _, _)| *f == "workload:ops/Pod/web")
        .map(|(_, _, e)| e.clone())
        .expect("default: pods reach IMDS");
    assert!(e.likelihood < 0.8);
    assert!(e.evidence[0].detail.contains("hop limit of 2"));
}

#[test]
fn node_role_is_known_from_aws_auth_system_nodes_mapping() {
    let mut s = snap(HOST_NET_POD, vec![]);
    s.aws_auth = Some(AwsAuth {
        map_roles: vec![AwsAuthMapping {
            arn: arn("nodes"),
            username: Some("system:node:{{EC2PrivateDNSName}}".into()),
            groups: vec!["system:bootstrappers".into(), "system:nodes".into()],
        }],
        ..Default::default()
    });
    let g = graph(&s);
    assert!(g.has_edge("node:*", &node("nodes"), "IMDS_NODE_ROLE"));
    assert!(g.has_edge(&node("nodes"), "group:system:nodes", "EKS_ACCESS_MAP"));
    // The templated user name is per node: no user node.
    assert!(!g.techniques_from(&node("nodes")).is_empty());
    assert!(
        g.edges_of("EKS_ACCESS_MAP")
            .iter()
            .all(|(_, to, _)| !to.starts_with("user:"))
    );
}

fn aws_auth_role(rolearn: &str, username: &str, groups: &[&str]) -> AwsAuth {
    AwsAuth {
        map_roles: vec![AwsAuthMapping {
            arn: rolearn.into(),
            username: Some(username.into()),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }],
        ..Default::default()
    }
}

#[test]
fn aws_auth_role_without_path_matches_the_role_with_a_path_and_masters_is_cluster_admin() {
    let mut s = snap("", vec![role("team/admins/ops", json!({"Statement": []}))]);
    s.aws_auth = Some(aws_auth_role(
        &arn("ops"),
        "ops:{{SessionName}}",
        &["system:masters"],
    ));
    let g = graph(&s);
    let from = node("team/admins/ops");
    assert!(g.has_edge(&from, "cluster-admin", "EKS_ACCESS_MAP"));
    assert!(!g.has_edge(&from, "group:system:masters", "EKS_ACCESS_MAP"));
    let (_, _, e) = g.edges_of("EKS_ACCESS_MAP")[0];
    assert!(e.evidence[0].detail.contains("without their IAM path"));
    // The same ARN written with the path never matches in aws-auth.
    let mut s = snap("", vec![role("team/admins/ops", json!({"Statement": []}))]);
    s.aws_auth = Some(aws_auth_role(
        &arn("team/admins/ops"),
        "ops",
        &["system:masters"],
    ));
    assert!(graph(&s).edges_of("EKS_ACCESS_MAP").is_empty());
}

#[test]
fn static_username_maps_to_a_user_and_templated_one_does_not() {
    let mut s = snap("", vec![]);
    s.aws_auth = Some(aws_auth_role(&arn("dev"), "developer", &["devs"]));
    let g = graph(&s);
    assert!(g.has_edge(&node("dev"), "user:developer", "EKS_ACCESS_MAP"));
    assert!(g.has_edge(&node("dev"), "group:devs", "EKS_ACCESS_MAP"));
    let mut s = snap("", vec![]);
    s.aws_auth = Some(aws_auth_role(
        &arn("dev"),
        "dev-{{AccountID}}-{{SessionName}}",
        &["devs"],
    ));
    let g = graph(&s);
    assert!(g.has_edge(&node("dev"), "group:devs", "EKS_ACCESS_MAP"));
    assert!(g.techniques_from(&node("dev")).len() == 1);
    assert!(
        g.edges_of("EKS_ACCESS_MAP")
            .iter()
            .all(|(_, to, _)| !to.starts_with("user:"))
    );
}

fn entry(principal: &str, groups: &[&str]) -> AccessEntry {
    AccessEntry {
        cluster_name: "prod".into(),
        principal_arn: principal.into(),
        kubernetes_groups: groups.iter().map(|g| g.to_string()).collect(),
        type_: Some("STANDARD".into()),
        field: "accessEntry".into(),
        ..Default::default()
    }
}

fn policy(principal: &str, name: &str, scope: &str, namespaces: &[&str]) -> AssociatedAccessPolicy {
    AssociatedAccessPolicy {
        cluster_name: "prod".into(),
        principal_arn: principal.into(),
        policy_arn: format!("arn:aws:eks::aws:cluster-access-policy/{name}"),
        access_scope: AccessScope {
            type_: scope.into(),
            namespaces: namespaces.iter().map(|n| n.to_string()).collect(),
        },
        field: "associatedAccessPolicies[0]".into(),
        ..Default::default()
    }
}

#[test]
fn access_entry_with_cluster_admin_policy_reaches_cluster_admin() {
    let mut s = snap("", vec![]);
    s.eks.access_entries.push(entry(&arn("ci"), &["deployers"]));
    s.eks.access_policies.push(policy(
        &arn("ci"),
        "AmazonEKSClusterAdminPolicy",
        "cluster",
        &[],
    ));
    let g = graph(&s);
    assert!(g.has_edge(&node("ci"), "cluster-admin", "EKS_ACCESS_MAP"));
    assert!(g.has_edge(&node("ci"), "group:deployers", "EKS_ACCESS_MAP"));
    // View is nothing an attacker uses.
    let mut s = snap("", vec![]);
    s.eks.access_entries.push(entry(&arn("ci"), &[]));
    s.eks
        .access_policies
        .push(policy(&arn("ci"), "AmazonEKSViewPolicy", "cluster", &[]));
    assert!(graph(&s).edges_of("EKS_ACCESS_MAP").is_empty());
}

#[test]
fn namespace_scoped_admin_policy_reaches_that_namespace_only() {
    let yaml = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: shop}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: pay, namespace: payments}\n";
    let mut s = snap(yaml, vec![]);
    s.eks.access_entries.push(entry(&arn("dev"), &[]));
    s.eks.access_policies.push(policy(
        &arn("dev"),
        "AmazonEKSAdminPolicy",
        "namespace",
        &["shop"],
    ));
    let g = graph(&s);
    let from = node("dev");
    assert!(g.has_edge(&from, "sa:shop/app", "EKS_ACCESS_MAP"));
    assert!(g.has_edge(&from, "secret:shop/*", "EKS_ACCESS_MAP"));
    assert!(g.has_edge(&from, "node:*", "EKS_ACCESS_MAP"));
    assert!(!g.has_edge(&from, "sa:payments/pay", "EKS_ACCESS_MAP"));
    assert!(!g.has_edge(&from, "cluster-admin", "EKS_ACCESS_MAP"));
}

#[test]
fn api_authentication_mode_ignores_aws_auth() {
    let mut s = snap("", vec![]);
    s.aws_auth = Some(aws_auth_role(&arn("ops"), "ops", &["system:masters"]));
    s.facts.authentication_mode = Some("API".into());
    assert!(graph(&s).edges_of("EKS_ACCESS_MAP").is_empty());
    s.facts.authentication_mode = Some("API_AND_CONFIG_MAP".into());
    assert!(graph(&s).has_edge(&node("ops"), "cluster-admin", "EKS_ACCESS_MAP"));
    // With both, an access entry for the principal takes precedence over its mapping.
    s.eks.access_entries.push(entry(&arn("ops"), &["readers"]));
    let g = graph(&s);
    assert!(!g.has_edge(&node("ops"), "cluster-admin", "EKS_ACCESS_MAP"));
    assert!(g.has_edge(&node("ops"), "group:readers", "EKS_ACCESS_MAP"));
    // CONFIG_MAP mode ignores access entries.
    s.facts.authentication_mode = Some("CONFIG_MAP".into());
    let g = graph(&s);
    assert!(g.has_edge(&node("ops"), "cluster-admin", "EKS_ACCESS_MAP"));
    assert!(!g.has_edge(&node("ops"), "group:readers", "EKS_ACCESS_MAP"));
}
