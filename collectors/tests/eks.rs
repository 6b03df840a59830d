//! The EKS inputs: pod identity associations, access entries and policies, the cluster's
//! authentication mode, and `kubepath.yaml` facts, recognised by content in a folder.

mod common;

use common::Scratch;
use kubepath_collectors::{FileOptions, load_paths};
use kubepath_engine::Snapshot;

fn load(s: &Scratch) -> Snapshot {
    load_paths(&[s.path().to_path_buf()], &FileOptions::default())
        .expect("loads")
        .0
}

#[test]
fn pod_identity_and_access_entry_outputs_are_recognised_by_content() {
    let s = Scratch::new("eks-api");
    s.write(
        "out1",
        r#"{"associations": [{"clusterName": "prod", "namespace": "shop", "serviceAccount": "app",
            "associationArn": "arn:aws:eks:us-east-1:111122223333:podidentityassociation/prod/a-1",
            "associationId": "a-1"}]}"#,
    );
    s.write(
        "out2.json",
        r#"{"association": {"clusterName": "prod", "namespace": "shop", "serviceAccount": "app",
            "roleArn": "arn:aws:iam::111122223333:role/app", "associationId": "a-1"}}"#,
    );
    s.write(
        "entries.json",
        r#"{"accessEntries": ["arn:aws:iam::111122223333:role/ci"]}"#,
    );
    s.write(
        "entry.json",
        r#"{"accessEntry": {"clusterName": "prod", "principalArn": "arn:aws:iam::111122223333:role/ci",
            "kubernetesGroups": ["deployers"], "type": "STANDARD"}}"#,
    );
    s.write(
        "policies.json",
        r#"{"clusterName": "prod", "principalArn": "arn:aws:iam::111122223333:role/ci",
            "associatedAccessPolicies": [{"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy",
              "accessScope": {"type": "namespace", "namespaces": ["shop"]}}]}"#,
    );
    s.write(
        "cluster.json",
        r#"{"cluster": {"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
            "accessConfig": {"authenticationMode": "API"}}}"#,
    );
    let snap = load(&s);
    assert!(snap.warnings.is_empty(), "{:?}", snap.warnings);
    let eks = &snap.eks;
    assert_eq!(
        eks.pod_identity_associations.len(),
        1,
        "list + describe merge"
    );
    assert_eq!(
        eks.pod_identity_associations[0].role_arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/app")
    );
    assert_eq!(
        eks.access_entries.len(),
        1,
        "described entry replaces the listed ARN"
    );
    assert_eq!(eks.access_entries[0].kubernetes_groups, ["deployers"]);
    assert_eq!(eks.access_policies[0].access_scope.namespaces, ["shop"]);
    assert_eq!(snap.facts.authentication_mode.as_deref(), Some("API"));
    assert_eq!(
        snap.facts.cluster_arn.as_deref(),
        Some("arn:aws:eks:us-east-1:111122223333:cluster/prod")
    );
}

#[test]
fn malformed_eks_output_warns_with_file_and_field() {
    let s = Scratch::new("eks-bad");
    s.write(
        "entry.json",
        r#"{"accessEntry": {"principalArn": "arn:aws:iam::1:role/x", "kubernetesGroups": "admins"}}"#,
    );
    s.write(
        "list.json",
        r#"{"associations": [{"clusterName": "prod", "namespace": "shop", "serviceAccount": "app", "associationId": "a-9"}]}"#,
    );
    let snap = load(&s);
    let w: Vec<String> = snap.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        w.iter().any(|w| w.contains("entry.json")
            && w.contains("accessEntry.kubernetesGroups")
            && w.contains("aws eks describe-access-entry")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.contains("list.json") && w.contains("associations[0]") && w.contains("a-9")),
        "{w:?}"
    );
    assert!(snap.eks.access_entries.is_empty());
}

#[test]
fn kubepath_yaml_facts_win_in_both_forms_and_bad_fields_are_named() {
    let s = Scratch::new("eks-facts");
    s.write(
        "a-cluster.json",
        r#"{"cluster": {"name": "from-describe", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/from-describe"}}"#,
    );
    s.write(
        "kubepath.yaml",
        "clusterName: prod\nnodeRoleArns: [arn:aws:iam::111122223333:role/nodes]\nimds: {podsCanReach: false}\n",
    );
    let snap = load(&s);
    assert!(snap.warnings.is_empty(), "{:?}", snap.warnings);
    assert_eq!(snap.facts.cluster_name.as_deref(), Some("prod"));
    assert_eq!(
        snap.facts.node_role_arns,
        ["arn:aws:iam::111122223333:role/nodes"]
    );
    assert_eq!(snap.facts.imds.pods_can_reach, Some(false));

    let s = Scratch::new("eks-facts2");
    s.write(
        "facts.yaml",
        "apiVersion: kubepath.dev/v1\nkind: Facts\nprovider: eks\nimds: {podsCanReach: maybe}\n",
    );
    s.write(
        "sa.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n",
    );
    let snap = load(&s);
    assert_eq!(
        snap.facts.provider, None,
        "a bad document is ignored as a whole"
    );
    let w = &snap.warnings[0];
    assert!(w.file.ends_with("facts.yaml"), "{w}");
    assert_eq!(w.field.as_deref(), Some("imds.podsCanReach"));
}
