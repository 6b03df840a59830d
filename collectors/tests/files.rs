//! Reading files and folders: document splitting, formats, namespaces, hostile input.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::Scratch;
use kubepath_collectors::{FileOptions, LoadError, LoadStats, load_paths};
use kubepath_engine::{Snapshot, Warning};

fn load(paths: &[PathBuf], ns: Option<&str>) -> (Snapshot, LoadStats) {
    let opts = FileOptions {
        default_namespace: ns.map(str::to_string),
    };
    match load_paths(paths, &opts) {
        Ok(r) => r,
        Err(e) => panic!("load failed: {e}"),
    }
}

fn load_dir(s: &Scratch) -> (Snapshot, LoadStats) {
    load(&[s.path().to_path_buf()], None)
}

/// Warnings other than the skipped-kinds summary.
fn problems(snap: &Snapshot) -> Vec<&Warning> {
    snap.warnings
        .iter()
        .filter(|w| !w.message.starts_with("skipped "))
        .collect()
}

fn sa_names(snap: &Snapshot) -> Vec<String> {
    snap.service_accounts
        .iter()
        .map(|s| format!("{}/{}", s.metadata.ns(), s.metadata.name))
        .collect()
}

#[test]
fn malformed_middle_document_is_reported_and_the_others_load() {
    let s = Scratch::new("multidoc");
    let f = s.write(
        "app.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: first}\n---\n\
         apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: [broken\n---\n\
         apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: third}\n",
    );
    let (snap, stats) = load_dir(&s);
    assert_eq!(sa_names(&snap), ["default/first", "default/third"]);
    assert_eq!(snap.service_accounts[1].source.document, 2);
    let w = problems(&snap);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].file, f.display().to_string());
    assert_eq!(w[0].document, Some(1));
    assert!(!w[0].message.is_empty());
    assert_eq!(stats.documents, 2);
}

#[test]
fn list_items_are_objects_sharing_the_list_document_index() {
    let s = Scratch::new("list");
    s.write(
        "dump.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: before, namespace: a}\n---\n\
         apiVersion: v1\nkind: List\nitems:\n\
         - apiVersion: v1\n  kind: ServiceAccount\n  metadata: {name: one, namespace: a}\n\
         - apiVersion: rbac.authorization.k8s.io/v1\n  kind: Role\n  metadata: {name: r, namespace: a}\n\
         ---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBindingList\nitems:\n\
         - kind: RoleBinding\n  metadata: {name: rb}\n  roleRef: {kind: Role, name: r}\n",
    );
    let (snap, stats) = load_dir(&s);
    assert!(problems(&snap).is_empty(), "{:?}", snap.warnings);
    assert_eq!(sa_names(&snap), ["a/before", "a/one"]);
    assert_eq!(snap.service_accounts[1].source.document, 1);
    assert_eq!(snap.roles[0].source.document, 1);
    assert_eq!(snap.bindings.len(), 1);
    assert_eq!(snap.bindings[0].source.document, 2);
    assert_eq!(snap.bindings[0].metadata.ns(), "default");
    assert_eq!(stats.objects.get("RoleBinding"), Some(&1));
    assert_eq!(stats.documents, 3);
}

#[test]
fn json_array_list_and_concatenated_values_are_all_read() {
    let s = Scratch::new("json");
    s.write(
        "array.json",
        r#"[{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"a1"}},
            {"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"a2"}}]"#,
    );
    s.write(
        "concat.json",
        r#"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"c1"}}
           {"apiVersion":"v1","kind":"List","items":[
             {"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"c2","namespace":"x"}}]}"#,
    );
    let (snap, stats) = load_dir(&s);
    assert!(problems(&snap).is_empty(), "{:?}", snap.warnings);
    assert_eq!(
        sa_names(&snap),
        ["default/a1", "default/a2", "default/c1", "x/c2"]
    );
    let docs: Vec<usize> = snap
        .service_accounts
        .iter()
        .map(|s| s.source.document)
        .collect();
    assert_eq!(docs, [0, 0, 0, 1]);
    assert_eq!(stats.files, 2);
    assert_eq!(stats.documents, 3);
}

#[test]
fn json_syntax_error_names_the_value_and_keeps_earlier_values() {
    let s = Scratch::new("jsonerr");
    s.write(
        "x.json",
        r#"{"kind":"ServiceAccount","metadata":{"name":"ok"}} {"kind": oops}"#,
    );
    let (snap, _) = load_dir(&s);
    assert_eq!(sa_names(&snap), ["default/ok"]);
    let w = problems(&snap);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].document, Some(1));
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: NAME\nspec:\n  containers: [{name: c, image: nginx}]\n";

fn pod(name: &str) -> String {
    POD.replace("NAME", name)
}

#[test]
fn kustomization_namespace_beats_cli_namespace_which_beats_default() {
    let s = Scratch::new("ns");
    s.write(
        "kust/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: from-kust\nresources: [pod.yaml]\n",
    );
    s.write("kust/pod.yaml", pod("k"));
    s.write(
        "kust/explicit.yaml",
        pod("e").replace("  name: e", "  name: e\n  namespace: mine"),
    );
    // A kustomization without `namespace:` does not override.
    s.write("plain-kust/kustomization.yml", "resources: [pod.yaml]\n");
    s.write("plain-kust/pod.yaml", pod("p"));
    s.write("bare/pod.yaml", pod("b"));
    s.write(
        "bare/cr.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cr}\n",
    );

    let ns_of = |snap: &Snapshot, name: &str| {
        snap.workloads
            .iter()
            .find(|w| w.meta.name == name)
            .map(|w| w.meta.ns().to_string())
            .unwrap_or_default()
    };
    let (snap, _) = load(&[s.path().to_path_buf()], Some("cli"));
    assert!(snap.warnings.is_empty(), "{:?}", snap.warnings);
    assert_eq!(ns_of(&snap, "k"), "from-kust");
    assert_eq!(ns_of(&snap, "e"), "mine");
    assert_eq!(ns_of(&snap, "p"), "cli");
    assert_eq!(ns_of(&snap, "b"), "cli");
    // Cluster-scoped objects get no namespace.
    assert_eq!(snap.roles[0].metadata.namespace, None);

    let (snap, _) = load(&[s.path().to_path_buf()], None);
    assert_eq!(ns_of(&snap, "k"), "from-kust");
    assert_eq!(ns_of(&snap, "p"), "default");
    assert_eq!(ns_of(&snap, "b"), "default");
}

#[test]
fn kustomization_beside_a_single_given_file_still_sets_its_namespace() {
    let s = Scratch::new("nsfile");
    s.write("k/kustomization.yaml", "namespace: team\n");
    let f = s.write("k/pod.yaml", pod("x"));
    let (snap, stats) = load(&[f], Some("cli"));
    assert_eq!(snap.workloads[0].meta.ns(), "team");
    assert_eq!(stats.files, 1);
}

#[test]
fn unsupported_kinds_are_summarised_in_one_warning() {
    let s = Scratch::new("kinds");
    let mut text = String::new();
    for i in 0..3 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm{i}}}\n"
        ));
    }
    text.push_str("---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: crd}\n");
    text.push_str("---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
    text.push_str("---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}\n");
    s.write("mixed.yaml", text);
    let (snap, stats) = load_dir(&s);
    assert_eq!(snap.warnings.len(), 1);
    // Each kind names the first file (and document) holding one.
    let f = s.path().join("mixed.yaml").display().to_string();
    assert_eq!(
        snap.warnings[0].message,
        format!(
            "skipped 5 objects of kinds the analysis does not use: ConfigMap (3, first in {f} (document 0)), \
             CustomResourceDefinition (1, first in {f} (document 3)), Widget (1, first in {f} (document 4))"
        )
    );
    assert_eq!(snap.warnings[0].file, "");
    assert_eq!(stats.skipped_kinds.get("ConfigMap"), Some(&3));
    assert_eq!(stats.objects.get("ServiceAccount"), Some(&1));
}

const AWS_AUTH: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/eks-nodes\n      username: system:node:{{EC2PrivateDNSName}}\n      groups:\n        - system:bootstrappers\n        - system:nodes\n    - rolearn: arn:aws:iam::111122223333:role/admins\n      username: admin\n      groups: [system:masters]\n  mapUsers: |\n    - userarn: arn:aws:iam::111122223333:user/ops\n      username: ops\n      groups: [ops]\n  mapAccounts: |\n    - \"111122223333\"\n";

#[test]
fn aws_auth_configmap_fills_the_snapshot_mapping() {
    let s = Scratch::new("awsauth");
    let f = s.write("aws-auth.yaml", AWS_AUTH);
    let (snap, stats) = load_dir(&s);
    assert!(snap.warnings.is_empty(), "{:?}", snap.warnings);
    let auth = snap.aws_auth.as_ref().map(|a| {
        (
            a.map_roles
                .iter()
                .map(|m| (m.arn.as_str(), m.groups.join(",")))
                .collect::<Vec<_>>(),
            a.map_users
                .iter()
                .map(|m| m.username.as_deref())
                .collect::<Vec<_>>(),
            a.map_accounts.clone(),
            a.source.file.clone(),
        )
    });
    assert_eq!(
        auth,
        Some((
            vec![
                (
                    "arn:aws:iam::111122223333:role/eks-nodes",
                    "system:bootstrappers,system:nodes".to_string()
                ),
                (
                    "arn:aws:iam::111122223333:role/admins",
                    "system:masters".to_string()
                ),
            ],
            vec![Some("ops")],
            vec!["111122223333".to_string()],
            f.display().to_string(),
        ))
    );
    assert_eq!(stats.objects.get("ConfigMap"), Some(&1));
    assert!(stats.skipped_kinds.is_empty());
}

#[test]
fn malformed_map_roles_warns_with_object_and_field() {
    let s = Scratch::new("awsauthbad");
    s.write(
        "aws-auth.yaml",
        AWS_AUTH.replace(
            "    - rolearn: arn:aws:iam::111122223333:role/eks-nodes\n",
            "    - rolearn: [arn:aws:iam::111122223333:role/eks-nodes\n",
        ),
    );
    let (snap, _) = load_dir(&s);
    assert_eq!(snap.warnings.len(), 1, "{:?}", snap.warnings);
    let w = &snap.warnings[0];
    assert_eq!(w.object.as_deref(), Some("ConfigMap/kube-system/aws-auth"));
    assert_eq!(w.field.as_deref(), Some("data.mapRoles"));
    assert_eq!(w.document, Some(0));
    let auth = snap.aws_auth.as_ref();
    assert_eq!(auth.map(|a| a.map_roles.len()), Some(0));
    assert_eq!(auth.map(|a| a.map_users.len()), Some(1));
}

#[test]
fn aws_authorization_details_are_recognised_by_their_keys() {
    let s = Scratch::new("awsiam");
    let f = s.write(
        "account.json",
        r#"{"UserDetailList":[],"GroupDetailList":[],"RoleDetailList":[],"Policies":[]}"#,
    );
    // Also sniffed without a telling name.
    s.write("iam-dump", r#"{"RoleDetailList":[]}"#);
    let (snap, stats) = load_dir(&s);
    assert!(snap.warnings.is_empty(), "{:?}", snap.warnings);
    assert_eq!(snap.aws.len(), 2);
    assert_eq!(snap.aws[0].source.file, f.display().to_string());
    assert_eq!(stats.files, 2);
}

#[test]
fn an_iam_dump_read_straight_into_its_model_is_read_as_the_value_path_reads_it() {
    let dump = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../samples/eks-demo/iam/authorization-details.json"),
    )
    .expect("the sample's IAM dump");
    let read = |name: &str, text: &str| {
        let s = Scratch::new(&format!("iamdirect-{name}"));
        let f = s.write(name, text);
        let (snap, stats) = load_dir(&s);
        format!("{snap:?} {stats:?}").replace(&f.display().to_string(), "FILE")
    };
    // `.json` takes the direct path; without an extension the file is sniffed and read as
    // a `Value` first.
    let direct = read("account.json", &dump);
    assert!(direct.contains("AwsAuthorizationDetails"), "{direct}");
    assert_eq!(direct, read("account", &dump));
    // A wrong type is reported by the general path, naming the field.
    let broken = dump.replacen("\"RoleDetailList\": [", "\"RoleDetailList\": [7, ", 1);
    assert_ne!(broken, dump);
    let (bad, sniffed) = (read("account.json", &broken), read("account", &broken));
    assert!(bad.contains("field: Some(\"RoleDetailList[0]\")"), "{bad}");
    assert_eq!(bad, sniffed);
}

#[test]
fn unrecognised_document_is_reported_with_its_index() {
    let s = Scratch::new("unrec");
    s.write(
        "values.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n---\nreplicas: 3\nimage: nginx\n",
    );
    let (snap, _) = load_dir(&s);
    assert_eq!(snap.service_accounts.len(), 1);
    assert_eq!(snap.warnings.len(), 1);
    assert_eq!(snap.warnings[0].document, Some(1));
    assert!(snap.warnings[0].message.contains("unrecognised document"));
}

#[test]
fn decode_error_names_object_and_field() {
    let s = Scratch::new("decode");
    s.write(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers: oops\n",
    );
    let (snap, _) = load_dir(&s);
    assert_eq!(snap.warnings.len(), 1);
    let w = &snap.warnings[0];
    assert_eq!(w.object.as_deref(), Some("Pod/ns/p"));
    assert_eq!(w.field.as_deref(), Some("spec.containers"));
    assert_eq!(w.document, Some(0));
}

#[test]
fn alias_bomb_fails_fast_with_a_warning() {
    let s = Scratch::new("bomb");
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (i, prev) in ('b'..='j').zip('a'..='i') {
        text.push_str(&format!(
            "{i}: &{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    s.write("bomb.yaml", &text);
    s.write("ok.yaml", pod("ok"));
    let start = Instant::now();
    let (snap, _) = load_dir(&s);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(snap.workloads.len(), 1);
    let w = problems(&snap);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].file.ends_with("bomb.yaml"));
    assert_eq!(w[0].document, Some(0));
}

#[test]
fn ten_thousand_levels_of_nesting_fail_fast_with_warnings() {
    let s = Scratch::new("deep");
    let n = 10_000;
    s.write("flow.yaml", format!("{}{}", "[".repeat(n), "]".repeat(n)));
    s.write("block.yaml", format!("{}x\n", "- ".repeat(n)));
    s.write("deep.json", format!("{}{}", "[".repeat(n), "]".repeat(n)));
    s.write("ok.yaml", pod("ok"));
    let start = Instant::now();
    let (snap, _) = load_dir(&s);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(snap.workloads.len(), 1);
    let mut files: Vec<String> = problems(&snap)
        .iter()
        .map(|w| w.file.rsplit('/').next().unwrap_or("").to_string())
        .collect();
    files.sort();
    assert_eq!(files, ["block.yaml", "deep.json", "flow.yaml"]);
}

#[test]
fn empty_binary_and_non_utf8_manifests_warn_but_other_files_are_skipped_silently() {
    let s = Scratch::new("bad");
    s.write("empty.yaml", "");
    s.write("blank.yml", "  \n\n");
    s.write("binary.yaml", b"apiVersion: v1\0\x01\x02");
    s.write("latin1.json", b"{\"kind\": \"caf\xe9\"}");
    s.write("image.png", b"\x89PNG\r\n\x1a\n\0\0");
    s.write("notes.txt", b"caf\xe9");
    s.write("empty.md", "");
    s.write("ok.yaml", pod("ok"));
    let (snap, stats) = load_dir(&s);
    assert_eq!(snap.workloads.len(), 1);
    let mut w: Vec<(String, String)> = snap
        .warnings
        .iter()
        .map(|w| {
            (
                w.file.rsplit('/').next().unwrap_or("").to_string(),
                w.message.clone(),
            )
        })
        .collect();
    w.sort();
    assert_eq!(w.len(), 4, "{w:?}");
    assert_eq!(w[0].0, "binary.yaml");
    assert!(w[0].1.contains("binary"));
    assert_eq!(w[1].0, "blank.yml");
    assert_eq!(w[2], ("empty.yaml".into(), "empty file".into()));
    assert_eq!(w[3].0, "latin1.json");
    assert!(w[3].1.contains("UTF-8"));
    assert_eq!(stats.skipped_files, 3);
    assert_eq!(stats.files, 1);
}

#[test]
fn documents_are_recognised_by_content_not_name() {
    let s = Scratch::new("sniff");
    s.write(
        "README.md",
        "# Deploy\n\nRun this:\n\n```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: doc\n```\n",
    );
    s.write("SOURCES.tsv", "path\trepo\nkind: x\n");
    s.write("manifest.txt", pod("from-txt"));
    s.write(
        "kubectl-output",
        r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"dumped"}}]}"#,
    );
    s.write("script.sh", "#!/bin/sh\nkubectl apply -f .\n");
    s.write("data.txt", "{not json at all");
    let (snap, stats) = load_dir(&s);
    assert!(snap.warnings.is_empty(), "{:?}", snap.warnings);
    assert_eq!(snap.workloads.len(), 1);
    assert_eq!(snap.workloads[0].meta.name, "from-txt");
    assert_eq!(sa_names(&snap), ["default/dumped"]);
    assert_eq!(stats.files, 2);
    assert_eq!(stats.skipped_files, 4);
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_read_once_and_reported() {
    let s = Scratch::new("loop");
    s.write("a/pod.yaml", pod("once"));
    let made = std::os::unix::fs::symlink(s.path().join("a"), s.path().join("a/back"));
    assert!(made.is_ok());
    let start = Instant::now();
    let (snap, _) = load_dir(&s);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(snap.workloads.len(), 1);
    let w = problems(&snap);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].file.ends_with("back"));
    assert!(w[0].message.contains("symlink"));
}

#[test]
fn source_file_is_the_given_path_joined_with_the_relative_path() {
    let s = Scratch::new("source");
    s.write("sub/dir/pod.yaml", pod("p"));
    let given = s.path().join("sub/../sub");
    let (snap, _) = load(std::slice::from_ref(&given), None);
    assert_eq!(
        snap.workloads[0].source.file,
        given.join("dir").join("pod.yaml").display().to_string()
    );
}

#[test]
fn secret_values_never_reach_the_snapshot_or_warnings() {
    let s = Scratch::new("secret");
    s.write(
        "secrets.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: good}\ndata: {password: U1VQRVJTRUNSRVQ=}\n\
         stringData: {token: hunter2-plain}\n---\n\
         apiVersion: v1\nkind: Secret\nmetadata: {name: bad, labels: oops}\ndata: {password: U1VQRVJTRUNSRVQ=}\n---\n\
         apiVersion: v1\nkind: Secret\nmetadata: {name: broken}\nstringData:\n  token: \"hunter2-plain\n  other: [\n",
    );
    let (snap, _) = load_dir(&s);
    assert_eq!(snap.secrets.len(), 1);
    assert_eq!(snap.warnings.len(), 2, "{:?}", snap.warnings);
    let dumped = format!("{:?}", snap);
    assert!(!dumped.contains("U1VQRVJTRUNSRVQ"));
    assert!(!dumped.contains("hunter2"));
}

#[test]
fn loading_is_deterministic() {
    let s = Scratch::new("determ");
    for name in ["b", "a", "c/d", "c/a"] {
        s.write(&format!("{name}.yaml"), pod(&name.replace('/', "-")));
    }
    let (one, _) = load_dir(&s);
    let (two, _) = load_dir(&s);
    assert_eq!(one, two);
    let names: Vec<&str> = one.workloads.iter().map(|w| w.meta.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c-a", "c-d"]);
}

#[test]
fn missing_path_and_nothing_to_read_are_errors() {
    let s = Scratch::new("errors");
    let missing = s.path().join("nope");
    assert!(matches!(
        load_paths(&[missing], &FileOptions::default()),
        Err(LoadError::NotFound { .. })
    ));
    s.write("README.md", "hello\n");
    assert!(matches!(
        load_paths(&[s.path().to_path_buf()], &FileOptions::default()),
        Err(LoadError::NothingRead { .. })
    ));
    assert!(matches!(
        load_paths(&[], &FileOptions::default()),
        Err(LoadError::NoPaths)
    ));
}

#[test]
fn hidden_folders_are_not_walked() {
    let s = Scratch::new("hidden");
    s.write(".git/config.yaml", pod("hidden"));
    s.write("visible.yaml", pod("visible"));
    let (snap, _) = load_dir(&s);
    let names: Vec<&str> = snap
        .workloads
        .iter()
        .map(|w| w.meta.name.as_str())
        .collect();
    assert_eq!(names, ["visible"]);
}

#[test]
fn eks_describe_cluster_sets_the_cluster_facts() {
    let s = Scratch::new("eks");
    s.write(
        "cluster.json",
        r#"{"cluster": {"name": "shop-prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/shop-prod",
            "identity": {"oidc": {"issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"}}}}"#,
    );
    s.write(
        "sa.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n",
    );
    let (snap, stats) =
        load_paths(&[s.path().to_path_buf()], &FileOptions::default()).expect("loads");
    assert!(snap.warnings.is_empty(), "{:?}", snap.warnings);
    assert_eq!(snap.facts.cluster_name.as_deref(), Some("shop-prod"));
    assert_eq!(snap.facts.account.as_deref(), Some("111122223333"));
    assert_eq!(
        snap.facts.oidc_issuer.as_deref(),
        Some("https://oidc.eks.us-east-1.amazonaws.com/id/ABC")
    );
    assert_eq!(stats.objects.get("EksCluster"), Some(&1));
}

#[test]
fn a_second_cluster_with_another_issuer_is_warned() {
    let s = Scratch::new("eks2");
    for (f, id) in [("a.json", "AAA"), ("b.json", "BBB")] {
        s.write(
            f,
            format!(
                r#"{{"cluster": {{"name": "c{id}", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/c{id}",
                   "identity": {{"oidc": {{"issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/{id}"}}}}}}}}"#
            ),
        );
    }
    let (snap, _) = load_paths(&[s.path().to_path_buf()], &FileOptions::default()).expect("loads");
    assert_eq!(
        snap.facts.oidc_issuer.as_deref(),
        Some("https://oidc.eks.us-east-1.amazonaws.com/id/AAA")
    );
    assert!(
        snap.warnings
            .iter()
            .any(|w| w.message.contains("second EKS cluster") && w.file.ends_with("b.json"))
    );
}
