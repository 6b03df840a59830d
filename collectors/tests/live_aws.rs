//! Live AWS collection against a real moto server: seed an account with the SDK, collect it,
//! and check the written files read back (offline reader) to the seeded IAM model and that
//! the engine finds the seeded escalation; denied calls become coverage gaps; no
//! credentials means skipped.

mod common;
#[path = "support/moto.rs"]
mod moto;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use common::Scratch;
use kubepath_collectors::live::Collection;
use kubepath_collectors::live::aws::{AwsOptions, collect};
use kubepath_collectors::{FileOptions, load_paths};
use kubepath_engine::graph::id;
use kubepath_engine::{Snapshot, build_graph};
use moto::{ACCOUNT, Moto};

/// The aws CLI configuration the tests use: profiles in files of their own, nothing from
/// the machine (no environment keys, no IMDS). Set once, before any test reads the
/// environment, and the same for every test.
fn aws_env() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kubepath-live-aws-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let denied = dir.join("denied.json");
        std::fs::write(
            dir.join("config"),
            format!(
                "[profile moto]\nregion = us-east-1\n\n[profile nocreds]\nregion = us-east-1\n\n\
                 [profile denied]\nregion = us-east-1\ncredential_process = cat {}\n",
                denied.display()
            ),
        )
        .expect("config file");
        std::fs::write(
            dir.join("credentials"),
            "[moto]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        )
        .expect("credentials file");
        // SAFETY: runs once, first thing in every test (OnceLock), before any test thread
        // reads the environment; the values are the same for all tests.
        unsafe {
            for k in [
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "AWS_PROFILE",
                "AWS_DEFAULT_PROFILE",
                "AWS_REGION",
                "AWS_DEFAULT_REGION",
                "AWS_ENDPOINT_URL",
                "AWS_ENDPOINT_URL_IAM",
                "AWS_ENDPOINT_URL_STS",
                "AWS_ENDPOINT_URL_EKS",
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_ROLE_ARN",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            ] {
                std::env::remove_var(k);
            }
            std::env::set_var("AWS_CONFIG_FILE", dir.join("config"));
            std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"));
            std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        }
        dir
    })
}

fn options(profile: &str, moto: &Moto) -> AwsOptions {
    AwsOptions {
        profile: Some(profile.into()),
        endpoint_url: Some(moto.endpoint.clone()),
        max_attempts: Some(2),
        ..AwsOptions::default()
    }
}

fn policy(doc: serde_json::Value) -> String {
    doc.to_string()
}

fn policy_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/{name}")
}

/// Seed the account: a cluster, users, a group, roles (one IRSA), inline and managed
/// policies, a permissions boundary and one planted escalation: `dev` may create a new
/// version of a policy attached to itself (a self-grant to account admin). The role `bounded`
/// has `*` on `*` inline but a boundary that stops it.
async fn seed(moto: &Moto) -> String {
    let eks = moto.eks();
    let cluster = eks
        .create_cluster()
        .name("demo")
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/eks-cluster"))
        .resources_vpc_config(
            aws_sdk_eks::types::VpcConfigRequest::builder()
                .subnet_ids("subnet-1")
                .build(),
        )
        .send()
        .await
        .expect("create cluster");
    let issuer = cluster
        .cluster()
        .and_then(|c| c.identity())
        .and_then(|i| i.oidc())
        .and_then(|o| o.issuer())
        .expect("moto gives the cluster an OIDC issuer")
        .to_string();
    let provider = issuer.trim_start_matches("https://").to_string();

    let iam = moto.iam();
    let managed = [
        (
            "ops-self-edit",
            serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["iam:CreatePolicyVersion", "iam:GetPolicy"],
                "Resource": policy_arn("ops-self-edit")}]}),
        ),
        (
            "eks-read",
            serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": "eks:Describe*", "Resource": "*"}]}),
        ),
        (
            "ops-boundary",
            serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["s3:GetObject", "eks:Describe*"], "Resource": "*"}]}),
        ),
    ];
    for (name, doc) in managed {
        iam.create_policy()
            .policy_name(name)
            .policy_document(policy(doc))
            .send()
            .await
            .expect("create policy");
    }
    iam.create_group()
        .group_name("developers")
        .send()
        .await
        .expect("group");
    iam.put_group_policy()
        .group_name("developers")
        .policy_name("read-ec2")
        .policy_document(policy(serde_json::json!({"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]})))
        .send()
        .await
        .expect("group policy");
    iam.attach_group_policy()
        .group_name("developers")
        .policy_arn(policy_arn("eks-read"))
        .send()
        .await
        .expect("attach group policy");

    iam.create_user()
        .user_name("dev")
        .send()
        .await
        .expect("user");
    iam.add_user_to_group()
        .group_name("developers")
        .user_name("dev")
        .send()
        .await
        .expect("add to group");
    iam.attach_user_policy()
        .user_name("dev")
        .policy_arn(policy_arn("ops-self-edit"))
        .send()
        .await
        .expect("attach");

    // moto keeps permissions boundaries of roles only (CreateUser ignores one).
    let root_trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"}]});
    iam.create_role()
        .role_name("bounded")
        .assume_role_policy_document(policy(root_trust))
        .permissions_boundary(policy_arn("ops-boundary"))
        .send()
        .await
        .expect("bounded role");
    iam.put_role_policy()
        .role_name("bounded")
        .policy_name("everything")
        .policy_document(policy(serde_json::json!({"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})))
        .send()
        .await
        .expect("inline");

    let irsa_trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{provider}")},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {format!("{provider}:sub"): "system:serviceaccount:shop:app"}}}]});
    iam.create_role()
        .role_name("irsa-app")
        .assume_role_policy_document(policy(irsa_trust))
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("shop")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("role");
    iam.attach_role_policy()
        .role_name("irsa-app")
        .policy_arn(policy_arn("eks-read"))
        .send()
        .await
        .expect("attach role");
    iam.put_role_policy()
        .role_name("irsa-app")
        .policy_name("orders-table")
        .policy_document(policy(serde_json::json!({"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]})))
        .send()
        .await
        .expect("role inline");
    issuer
}

/// Write the collected files into a folder, as the snapshot writer does, and read them
/// back with the offline reader.
fn read_back(c: &Collection, dir: &Scratch) -> Snapshot {
    let paths: Vec<PathBuf> = c
        .files
        .iter()
        .map(|f| dir.write(&f.name, &f.bytes))
        .collect();
    let (snap, _) = load_paths(&paths, &FileOptions::default()).expect("collected files load");
    snap
}

fn names<T>(items: &[T], f: impl Fn(&T) -> &str) -> BTreeSet<String> {
    items.iter().map(|i| f(i).to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collected_account_reads_back_to_the_seeded_model_and_its_escalation() {
    aws_env();
    let moto = Moto::start(&[]);
    let issuer = seed(&moto).await;
    let c = collect(&options("moto", &moto)).await;
    assert_eq!(c.skipped, None);
    assert_eq!(c.facts.account.as_deref(), Some(ACCOUNT));
    assert_eq!(
        c.facts.cluster_name.as_deref(),
        Some("demo"),
        "the region's only cluster is found"
    );
    assert_eq!(c.facts.oidc_issuer.as_deref(), Some(issuer.as_str()));
    assert_eq!(c.facts.provider.as_deref(), Some("eks"));
    let files: BTreeSet<&str> = c.files.iter().map(|f| f.name.as_str()).collect();
    assert!(
        files.contains("aws/iam-authorization-details.json"),
        "{files:?}"
    );
    assert!(files.contains("aws/eks-cluster.json"), "{files:?}");
    // Pod identity and access entries: read, or (where the endpoint lacks the API, as moto
    // does today) a gap naming the call. Never silently absent.
    for (file, call) in [
        (
            "aws/eks-pod-identity-associations.json",
            "eks:ListPodIdentityAssociations",
        ),
        ("aws/eks-access-entries.json", "eks:ListAccessEntries"),
    ] {
        assert!(
            files.contains(file) || c.gaps.iter().any(|g| g.what == call && g.source == "aws"),
            "{call}: neither {file} nor a gap; gaps: {:?}",
            c.gaps
        );
    }
    assert!(
        c.gaps.iter().all(|g| g.what.starts_with("eks:")),
        "IAM and STS are fully served by moto: {:?}",
        c.gaps
    );

    let dir = Scratch::new("live-aws");
    let snap = read_back(&c, &dir);
    let problems: Vec<_> = snap
        .warnings
        .iter()
        .filter(|w| !w.message.starts_with("skipped "))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(snap.facts.oidc_issuer.as_deref(), Some(issuer.as_str()));
    assert_eq!(snap.facts.cluster_name.as_deref(), Some("demo"));
    assert_eq!(snap.aws.len(), 1);
    let d = &snap.aws[0];

    assert_eq!(
        names(&d.user_detail_list, |u| &u.user_name),
        ["dev"].map(String::from).into()
    );
    assert_eq!(
        names(&d.group_detail_list, |g| &g.group_name),
        ["developers"].map(String::from).into()
    );
    let roles = names(&d.role_detail_list, |r| &r.role_name);
    assert!(
        roles.contains("irsa-app") && roles.contains("bounded"),
        "{roles:?}"
    );
    let dev = d
        .user_detail_list
        .iter()
        .find(|u| u.user_name == "dev")
        .expect("dev");
    assert_eq!(dev.arn, format!("arn:aws:iam::{ACCOUNT}:user/dev"));
    assert_eq!(dev.group_list, ["developers"]);
    assert_eq!(
        dev.attached_managed_policies
            .iter()
            .map(|p| (p.policy_name.as_str(), p.policy_arn.clone()))
            .collect::<Vec<_>>(),
        [("ops-self-edit", policy_arn("ops-self-edit"))]
    );
    let bounded = d
        .role_detail_list
        .iter()
        .find(|r| r.role_name == "bounded")
        .expect("bounded");
    assert_eq!(
        bounded
            .permissions_boundary
            .as_ref()
            .map(|b| b.permissions_boundary_arn.clone()),
        Some(policy_arn("ops-boundary"))
    );
    assert_eq!(bounded.role_policy_list.len(), 1);
    assert_eq!(bounded.role_policy_list[0].policy_name, "everything");
    let everything = bounded.role_policy_list[0]
        .policy_document
        .as_ref()
        .and_then(|doc| doc.policy());
    assert!(
        everything.is_some(),
        "the inline document is decoded and parsed"
    );
    let group = &d.group_detail_list[0];
    assert_eq!(group.group_policy_list[0].policy_name, "read-ec2");
    assert_eq!(group.attached_managed_policies[0].policy_name, "eks-read");

    let irsa = d
        .role_detail_list
        .iter()
        .find(|r| r.role_name == "irsa-app")
        .expect("irsa-app");
    let trust = irsa
        .assume_role_policy_document
        .as_ref()
        .expect("trust policy");
    assert!(trust.policy().is_some(), "trust parsed: {:?}", trust.parsed);
    assert_eq!(
        trust.raw["Statement"][0]["Principal"]["Federated"],
        format!(
            "arn:aws:iam::{ACCOUNT}:oidc-provider/{}",
            issuer.trim_start_matches("https://")
        )
    );
    assert_eq!(
        irsa.tags
            .iter()
            .map(|t| (t.key.as_str(), t.value.as_str()))
            .collect::<Vec<_>>(),
        [("team", "shop")]
    );
    assert_eq!(irsa.role_policy_list[0].policy_name, "orders-table");

    // Managed policies: every one named (from the ARN when the endpoint omits the name, as
    // moto 5.1.6 and later do) and with a readable default version.
    let seeded: BTreeSet<String> = ["eks-read", "ops-boundary", "ops-self-edit"]
        .map(String::from)
        .into();
    let local: BTreeSet<String> = d
        .policies
        .iter()
        .filter(|p| p.arn.contains(&format!(":{ACCOUNT}:")))
        .map(|p| p.policy_name.clone())
        .collect();
    assert_eq!(local, seeded);
    for p in &d.policies {
        assert_eq!(
            p.policy_name,
            p.arn.rsplit('/').next().unwrap_or_default(),
            "{}",
            p.arn
        );
        let (_, v) = p
            .default_version()
            .unwrap_or_else(|| panic!("{} has a default version", p.arn));
        assert!(
            v.document.as_ref().and_then(|doc| doc.policy()).is_some(),
            "{}: document parsed",
            p.arn
        );
    }

    // The seeded escalation is found, and the boundary is honoured.
    let (graph, _) = build_graph(&snap);
    let admin = graph
        .find(&id::aws_admin(ACCOUNT))
        .expect("the account admin node");
    let edge_from = |node: String| {
        let from = graph.find(&node)?;
        graph
            .graph
            .edges_connecting(from, admin)
            .map(|e| e.weight().technique.id)
            .find(|t| matches!(*t, "AWS_ADMIN" | "AWS_PRIVESC"))
    };
    assert!(
        edge_from(id::aws_user(&format!("arn:aws:iam::{ACCOUNT}:user/dev"))).is_some(),
        "dev's self-grant through CreatePolicyVersion is found"
    );
    assert_eq!(
        edge_from(id::aws_role(&format!(
            "arn:aws:iam::{ACCOUNT}:role/bounded"
        ))),
        None,
        "the permissions boundary stops bounded's `*`"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_call_is_a_gap_and_the_rest_is_still_collected() {
    let dir = aws_env();
    // moto enforces IAM authorization after the first three requests: the seeding below.
    let moto = Moto::start(&[("INITIAL_NO_AUTH_ACTION_COUNT", "3")]);
    let iam = moto.iam();
    iam.create_user()
        .user_name("auditor")
        .send()
        .await
        .expect("user");
    iam.put_user_policy()
        .user_name("auditor")
        .policy_name("no-iam")
        .policy_document(policy(
            serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sts:GetCallerIdentity", "eks:*"], "Resource": "*"}]}),
        ))
        .send()
        .await
        .expect("policy");
    let key = iam
        .create_access_key()
        .user_name("auditor")
        .send()
        .await
        .expect("key")
        .access_key
        .expect("access key");
    // The `denied` profile reads these through `credential_process`.
    std::fs::write(
        dir.join("denied.json"),
        serde_json::json!({"Version": 1, "AccessKeyId": key.access_key_id(),
            "SecretAccessKey": key.secret_access_key()})
        .to_string(),
    )
    .expect("credential file");

    let c = collect(&options("denied", &moto)).await;
    assert_eq!(c.skipped, None);
    let gap = c
        .gaps
        .iter()
        .find(|g| g.what == "iam:GetAccountAuthorizationDetails")
        .unwrap_or_else(|| panic!("a gap for the denied IAM call: {:?}", c.gaps));
    assert_eq!(gap.source, "aws");
    assert!(gap.reason.contains("AccessDenied"), "{}", gap.reason);
    assert!(gap.may_hide.contains("AWS_PRIVESC"), "{}", gap.may_hide);
    assert!(
        !c.files.iter().any(|f| f.name.contains("iam")),
        "nothing IAM is written when it could not be read"
    );
    // The calls that were allowed still ran.
    assert_eq!(c.facts.account.as_deref(), Some(ACCOUNT));
    assert!(
        !c.gaps.iter().any(|g| g.what == "sts:GetCallerIdentity"),
        "{:?}",
        c.gaps
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credentials_means_skipped_not_failed() {
    aws_env();
    let c = collect(&AwsOptions {
        profile: Some("nocreds".into()),
        endpoint_url: Some("http://127.0.0.1:9".into()),
        max_attempts: Some(1),
        ..AwsOptions::default()
    })
    .await;
    let why = c
        .skipped
        .as_deref()
        .unwrap_or_else(|| panic!("skipped: {c:?}"));
    assert!(why.contains("no AWS credentials"), "{why}");
    assert!(c.files.is_empty() && c.gaps.is_empty(), "{c:?}");
}
