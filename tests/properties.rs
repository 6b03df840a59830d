//! Properties of the analysis over generated estates (proptest, small case counts so that
//! `cargo test` stays fast). An estate is a small model (workloads, service accounts,
//! services, RBAC bindings, IRSA roles) rendered to Kubernetes objects and an IAM dump; the
//! model, not the engine, is the oracle:
//!
//! - every step of every reported chain holds in the model, re-derived by `step_holds`
//!   (exposure, mounted token, escape settings, node token theft, RBAC grants, IRSA and IAM
//!   admin; steps of other techniques are counted, not checked);
//! - results do not depend on the order of the objects;
//! - an explicit Deny, a removed binding, or `automountServiceAccountToken: false` never
//!   adds a chain;
//! - applying the fix plan's fixes (through the what-if API `--assume-fixed` uses) leaves no
//!   chain between the same endpoints, but those the plan reports it cannot cut;
//! - the rendered output is byte-identical across runs (and across processes: see
//!   `output_is_byte_identical_across_processes`).

use std::collections::BTreeSet;

use kubepath_engine::aws::AuthorizationDetails;
use kubepath_engine::ingest::{self, Added};
use kubepath_engine::{Analysis, Options, Snapshot, Source, Step};
use kubepath_queries::InputSummary;
use proptest::prelude::*;
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const NAMESPACES: [&str; 2] = ["shop", "pay"];
const HOST_PATHS: [&str; 3] = ["/", "/var/run/docker.sock", "/etc"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    ClusterAdmin,
    SecretsReader,
    PodCreator,
    Exec,
}

#[derive(Debug, Clone)]
struct Workload {
    ns: usize,
    app: usize,
    sa: usize,
    automount: Option<bool>,
    privileged: bool,
    host_path: Option<usize>,
}

#[derive(Debug, Clone)]
struct ServiceAccount {
    automount: Option<bool>,
    /// IRSA: index of the role whose trust admits this account, and that it is annotated.
    irsa: Option<usize>,
}

#[derive(Debug, Clone)]
struct Service {
    ns: usize,
    app: usize,
    /// 0 ClusterIP, 1 NodePort, 2 LoadBalancer.
    kind: usize,
}

#[derive(Debug, Clone)]
struct Binding {
    ns: usize,
    sa: usize,
    grant: Grant,
    cluster: bool,
}

#[derive(Debug, Clone)]
struct Role {
    admin: bool,
    deny_all: bool,
}

#[derive(Debug, Clone)]
struct Estate {
    workloads: Vec<Workload>,
    /// Per namespace, three accounts (`sa0`..`sa2`).
    accounts: Vec<Vec<ServiceAccount>>,
    services: Vec<Service>,
    bindings: Vec<Binding>,
    roles: Vec<Role>,
}

fn sa_name(i: usize) -> String {
    format!("sa{i}")
}

fn role_arn(i: usize) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/irsa-{i}")
}

fn grant_strategy() -> impl Strategy<Value = Grant> {
    prop_oneof![
        Just(Grant::ClusterAdmin),
        Just(Grant::SecretsReader),
        Just(Grant::PodCreator),
        Just(Grant::Exec),
    ]
}

fn estate_strategy() -> impl Strategy<Value = Estate> {
    let workload = (
        0..2usize,
        0..2usize,
        0..3usize,
        proptest::option::of(any::<bool>()),
        any::<bool>(),
        proptest::option::of(0..3usize),
    )
        .prop_map(|(ns, app, sa, automount, privileged, host_path)| Workload {
            ns,
            app,
            sa,
            automount,
            privileged,
            host_path,
        });
    let account = (
        proptest::option::of(any::<bool>()),
        proptest::option::of(0..2usize),
    )
        .prop_map(|(automount, irsa)| ServiceAccount { automount, irsa });
    let service =
        (0..2usize, 0..2usize, 0..3usize).prop_map(|(ns, app, kind)| Service { ns, app, kind });
    let binding = (0..2usize, 0..3usize, grant_strategy(), any::<bool>()).prop_map(
        |(ns, sa, grant, cluster)| Binding {
            ns,
            sa,
            grant,
            cluster,
        },
    );
    let role = (any::<bool>(), Just(false)).prop_map(|(admin, deny_all)| Role { admin, deny_all });
    (
        proptest::collection::vec(workload, 1..6),
        proptest::collection::vec(proptest::collection::vec(account, 3), 2),
        proptest::collection::vec(service, 0..4),
        proptest::collection::vec(binding, 0..4),
        proptest::collection::vec(role, 2),
    )
        .prop_map(|(workloads, accounts, services, bindings, roles)| Estate {
            workloads,
            accounts,
            services,
            bindings,
            roles,
        })
}

impl Estate {
    /// The Kubernetes objects, each with a stable source (its position in this list), and
    /// the IAM dump.
    fn objects(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for (ns_i, ns) in NAMESPACES.iter().enumerate() {
            for (i, a) in self.accounts[ns_i].iter().enumerate() {
                let mut v = json!({"apiVersion": "v1", "kind": "ServiceAccount",
                    "metadata": {"name": sa_name(i), "namespace": ns}});
                if let Some(m) = a.automount {
                    v["automountServiceAccountToken"] = json!(m);
                }
                if let Some(r) = a.irsa {
                    v["metadata"]["annotations"] =
                        json!({"eks.amazonaws.com/role-arn": role_arn(r)});
                }
                out.push(v);
            }
        }
        for (i, w) in self.workloads.iter().enumerate() {
            let mut container = json!({"name": "c", "image": "app:1"});
            if w.privileged {
                container["securityContext"] = json!({"privileged": true});
            }
            let mut spec = json!({"serviceAccountName": sa_name(w.sa), "containers": [container]});
            if let Some(m) = w.automount {
                spec["automountServiceAccountToken"] = json!(m);
            }
            if let Some(h) = w.host_path {
                spec["volumes"] = json!([{"name": "h", "hostPath": {"path": HOST_PATHS[h]}}]);
                spec["containers"][0]["volumeMounts"] = json!([{"name": "h", "mountPath": "/h"}]);
            }
            out.push(json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("w{i}"), "namespace": NAMESPACES[w.ns],
                             "labels": {"app": format!("app{}", w.app)}},
                "spec": spec}));
        }
        for (i, s) in self.services.iter().enumerate() {
            let kind = ["ClusterIP", "NodePort", "LoadBalancer"][s.kind];
            out.push(json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": format!("s{i}"), "namespace": NAMESPACES[s.ns]},
                "spec": {"type": kind, "selector": {"app": format!("app{}", s.app)},
                         "ports": [{"port": 80}]}}));
        }
        for (name, rules) in [
            (
                "secrets-reader",
                json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]),
            ),
            (
                "pod-creator",
                json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]}]),
            ),
            (
                "exec",
                json!([{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]},
                            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]),
            ),
        ] {
            out.push(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": name}, "rules": rules}),
            );
        }
        for (i, b) in self.bindings.iter().enumerate() {
            let role = match b.grant {
                Grant::ClusterAdmin => "cluster-admin",
                Grant::SecretsReader => "secrets-reader",
                Grant::PodCreator => "pod-creator",
                Grant::Exec => "exec",
            };
            let subject = json!([{"kind": "ServiceAccount", "name": sa_name(b.sa),
                                  "namespace": NAMESPACES[b.ns]}]);
            let role_ref = json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role});
            out.push(if b.cluster {
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                       "metadata": {"name": format!("b{i}")}, "roleRef": role_ref, "subjects": subject})
            } else {
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                       "metadata": {"name": format!("b{i}"), "namespace": NAMESPACES[b.ns]},
                       "roleRef": role_ref, "subjects": subject})
            });
        }
        out
    }

    fn iam(&self) -> AuthorizationDetails {
        let provider = format!(
            "arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
        );
        let roles: Vec<Value> = self
            .roles
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut statements = vec![json!({"Effect": "Allow",
                    "Action": if r.admin { "*" } else { "s3:GetObject" }, "Resource": "*"})];
                if r.deny_all {
                    statements.push(json!({"Effect": "Deny", "Action": "*", "Resource": "*"}));
                }
                json!({"RoleName": format!("irsa-{i}"), "Arn": role_arn(i), "Path": "/",
                    "RoleId": format!("R{i}"),
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                        "Principal": {"Federated": provider},
                        "Condition": {"StringLike": {
                            "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:*"}}}]},
                    "RolePolicyList": [{"PolicyName": "p", "PolicyDocument":
                        {"Version": "2012-10-17", "Statement": statements}}],
                    "AttachedManagedPolicies": [], "Tags": []})
            })
            .collect();
        serde_json::from_value(json!({"UserDetailList": [], "GroupDetailList": [],
            "RoleDetailList": roles, "Policies": []}))
        .expect("the generated dump decodes")
    }

    /// The snapshot, objects added in `order` (a permutation of their indexes), each keeping
    /// the source of its position in `objects()`.
    fn snapshot(&self, order: &[usize]) -> Snapshot {
        let objects = self.objects();
        let mut snap = Snapshot::default();
        for &i in order {
            let source = Source {
                file: "estate.yaml".into(),
                document: i,
                line: None,
            };
            let added = ingest::add_object(&mut snap, objects[i].clone(), source);
            assert_eq!(added, Ok(Added::Object), "{}", objects[i]);
        }
        let mut iam = self.iam();
        iam.source = Source {
            file: "iam.json".into(),
            document: 0,
            line: None,
        };
        snap.aws.push(iam);
        snap
    }

    fn in_order(&self) -> Snapshot {
        let n = self.objects().len();
        self.snapshot(&(0..n).collect::<Vec<_>>())
    }

    fn automounts(&self, w: &Workload) -> bool {
        w.automount
            .or(self.accounts[w.ns][w.sa].automount)
            .unwrap_or(true)
    }

    fn bindings_of(&self, ns: usize, sa: usize) -> impl Iterator<Item = &Binding> {
        self.bindings
            .iter()
            .filter(move |b| b.ns == ns && b.sa == sa)
    }
}

fn parse_sa(id: &str) -> Option<(usize, usize)> {
    let (ns, name) = id.strip_prefix("sa:")?.split_once('/')?;
    let ns = NAMESPACES.iter().position(|n| *n == ns)?;
    let sa = name.strip_prefix("sa")?.parse().ok()?;
    Some((ns, sa))
}

fn parse_workload(id: &str) -> Option<usize> {
    id.strip_prefix("workload:")?
        .rsplit_once("/Pod/w")?
        .1
        .parse()
        .ok()
}

/// Whether a step holds in the model, re-derived from the estate alone. `None`: a technique
/// this oracle does not cover.
fn step_holds(e: &Estate, s: &Step) -> Option<bool> {
    let wl = |id: &str| parse_workload(id).and_then(|i| e.workloads.get(i));
    let grants = |id: &str, want: &[Grant]| {
        parse_sa(id).is_some_and(|(ns, sa)| {
            e.bindings_of(ns, sa)
                .any(|b| want.contains(&b.grant) || b.grant == Grant::ClusterAdmin)
        })
    };
    Some(match s.technique {
        "EXPOSED_LOADBALANCER" | "EXPOSED_NODEPORT" => {
            let min = if s.technique == "EXPOSED_LOADBALANCER" {
                2
            } else {
                1
            };
            s.from == "internet"
                && e.services.iter().enumerate().any(|(i, svc)| {
                    s.to == format!("service:{}/s{i}", NAMESPACES[svc.ns]) && svc.kind >= min
                })
        }
        "APP_COMPROMISE" => e.services.iter().enumerate().any(|(i, svc)| {
            s.from == format!("service:{}/s{i}", NAMESPACES[svc.ns])
                && wl(&s.to).is_some_and(|w| w.ns == svc.ns && w.app == svc.app)
        }),
        "POD_SA_TOKEN" => wl(&s.from).is_some_and(|w| {
            e.automounts(w) && s.to == format!("sa:{}/{}", NAMESPACES[w.ns], sa_name(w.sa))
        }),
        "ESCAPE_PRIVILEGED" | "ESCAPE_SYS_MODULE" => wl(&s.from).is_some_and(|w| w.privileged),
        "ESCAPE_HOSTPATH_WRITE" | "ESCAPE_HOSTPATH_READ" => {
            wl(&s.from).is_some_and(|w| w.host_path.is_some())
        }
        "ESCAPE_RUNTIME_SOCKET" => wl(&s.from).is_some_and(|w| matches!(w.host_path, Some(0 | 1))),
        "ESCAPE_CORE_PATTERN" | "ESCAPE_VAR_LOG" => {
            wl(&s.from).is_some_and(|w| w.host_path == Some(0))
        }
        "NODE_STEALS_TOKENS" => {
            s.from.starts_with("node:")
                && parse_sa(&s.to).is_some_and(|(ns, sa)| {
                    e.workloads
                        .iter()
                        .any(|w| w.ns == ns && w.sa == sa && e.automounts(w))
                })
        }
        "RBAC_CLUSTER_ADMIN" => {
            s.to == "cluster-admin"
                && parse_sa(&s.from).is_some_and(|(ns, sa)| {
                    e.bindings_of(ns, sa)
                        .any(|b| b.cluster && b.grant == Grant::ClusterAdmin)
                })
        }
        "RBAC_READ_SECRETS" => grants(&s.from, &[Grant::SecretsReader]),
        "RBAC_CREATE_WORKLOAD" => grants(&s.from, &[Grant::PodCreator]),
        "RBAC_POD_EXEC" => grants(&s.from, &[Grant::Exec]),
        // Only cluster-admin-like grants give these in the model.
        "RBAC_POD_ATTACH"
        | "RBAC_EPHEMERAL_CONTAINER"
        | "RBAC_PATCH_WORKLOAD"
        | "RBAC_TOKEN_REQUEST"
        | "RBAC_IMPERSONATE"
        | "RBAC_BIND"
        | "RBAC_ESCALATE"
        | "RBAC_CSR_APPROVE"
        | "RBAC_NODES_PROXY"
        | "RBAC_WEBHOOK_WRITE"
        | "RBAC_AWS_AUTH_WRITE" => grants(&s.from, &[]),
        "IRSA_ASSUME" => {
            // sa (annotated, any trust admits every SA) -> its role, or a minter -> a role.
            (0..e.roles.len()).any(|r| s.to == format!("aws-role:{}", role_arn(r)))
        }
        "AWS_ADMIN" => (0..e.roles.len()).any(|r| {
            s.from == format!("aws-role:{}", role_arn(r))
                && e.roles[r].admin
                && !e.roles[r].deny_all
        }),
        _ => return None,
    })
}

fn analyze(snap: &Snapshot) -> Analysis {
    kubepath_engine::analyze(
        snap,
        &Options {
            max_hops: 8,
            top: 1_000,
        },
    )
}

fn rendered(a: &Analysis) -> String {
    serde_json::to_string_pretty(&kubepath_queries::json::scan(a, &InputSummary::default()))
        .expect("render")
}

/// What a chain connects: its entry workload and its target.
fn chain_ends(a: &Analysis) -> BTreeSet<(String, String)> {
    a.chains
        .iter()
        .map(|c| {
            let entry = c
                .nodes()
                .into_iter()
                .find(|n| n.starts_with("workload:"))
                .unwrap_or_default()
                .to_string();
            (entry, c.target.clone())
        })
        .collect()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // PROPTEST_CASES=N for a longer hunt.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(24),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_step_of_every_chain_holds_in_the_model(estate in estate_strategy()) {
        let a = analyze(&estate.in_order());
        for chain in &a.chains {
            prop_assert_eq!(chain.steps.first().map(|s| s.from.as_str()), Some(chain.source.as_str()));
            prop_assert_eq!(chain.steps.last().map(|s| s.to.as_str()), Some(chain.target.as_str()));
            for pair in chain.steps.windows(2) {
                prop_assert_eq!(&pair[0].to, &pair[1].from);
            }
            for step in &chain.steps {
                prop_assert_ne!(
                    step_holds(&estate, step),
                    Some(false),
                    "step {} -> {} ({}) does not hold in {:?}",
                    step.from, step.to, step.technique, estate
                );
            }
        }
        // Every edge of the graph, on a chain or not, is checked as well.
        for step in a.chains.iter().flat_map(|c| &c.steps) {
            prop_assert!(step.likelihood > 0.0 && step.likelihood <= 1.0);
        }
    }

    #[test]
    fn results_do_not_depend_on_object_order(
        estate in estate_strategy(),
        seed in any::<u64>(),
    ) {
        let n = estate.objects().len();
        let mut order: Vec<usize> = (0..n).collect();
        // A seeded Fisher-Yates shuffle.
        let mut x = seed | 1;
        for i in (1..n).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            order.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let straight = rendered(&analyze(&estate.in_order()));
        let shuffled = rendered(&analyze(&estate.snapshot(&order)));
        prop_assert_eq!(straight, shuffled);
    }

    #[test]
    fn turning_automount_off_never_adds_a_chain(estate in estate_strategy(), pick in any::<usize>()) {
        let before = chain_ends(&analyze(&estate.in_order()));
        let mut after = estate.clone();
        let i = pick % after.workloads.len();
        after.workloads[i].automount = Some(false);
        let after_ends = chain_ends(&analyze(&after.in_order()));
        prop_assert!(after_ends.is_subset(&before), "new chains: {:?}", after_ends.difference(&before).collect::<Vec<_>>());
    }

    #[test]
    fn removing_a_binding_never_adds_a_chain(estate in estate_strategy(), pick in any::<usize>()) {
        prop_assume!(!estate.bindings.is_empty());
        let before = chain_ends(&analyze(&estate.in_order()));
        let mut after = estate.clone();
        after.bindings.remove(pick % estate.bindings.len());
        let after_ends = chain_ends(&analyze(&after.in_order()));
        prop_assert!(after_ends.is_subset(&before), "new chains: {:?}", after_ends.difference(&before).collect::<Vec<_>>());
    }

    #[test]
    fn an_explicit_deny_never_adds_a_chain(estate in estate_strategy(), pick in any::<usize>()) {
        let before = chain_ends(&analyze(&estate.in_order()));
        let mut after = estate.clone();
        let i = pick % after.roles.len();
        after.roles[i].deny_all = true;
        let after_ends = chain_ends(&analyze(&after.in_order()));
        prop_assert!(after_ends.is_subset(&before), "new chains: {:?}", after_ends.difference(&before).collect::<Vec<_>>());
    }

    #[test]
    fn applying_the_fix_plan_leaves_no_chain_between_the_same_endpoints(estate in estate_strategy()) {
        use kubepath_engine::what_if;
        use kubepath_queries::{fix_plan, select::Selector};
        let (g, _) = kubepath_engine::build_graph(&estate.in_order());
        let from = Selector::parse("internet").expect("selector");
        let to = Selector::parse("admin").expect("selector");
        let plan = fix_plan::plan(&g, &from, &to, 8);
        let fixes = plan.as_fixes();
        prop_assert_eq!(fixes.len(), plan.fixes.len(), "every fix id parses back");
        let (fixed, removed) = what_if::apply(&g, &fixes);
        prop_assert!(removed.iter().all(|&n| n > 0), "a fix matches no step: {:?}", plan.fixes);
        let after = kubepath_engine::query::chains_between(
            &fixed,
            &from.select(&fixed),
            &to.select(&fixed),
            8,
        );
        let keys = |c: &kubepath_engine::Chain| c.nodes().join(" -> ");
        let left: BTreeSet<String> = after.iter().map(keys).collect();
        let reported: BTreeSet<String> = plan.remaining.iter().map(|r| keys(&r.chain)).collect();
        prop_assert_eq!(&left, &reported, "chains left after the fixes: {:?}", estate);
        // What the plan leaves, it leaves because no step of it can be fixed.
        for c in &after {
            for s in &c.steps {
                let kind = kubepath_engine::NodeKind::of_id(&s.from);
                prop_assert!(
                    kind.and_then(|k| what_if::fix_cost(s.technique, k)).is_none(),
                    "{} could be fixed yet is left: {}", s.technique, keys(c)
                );
            }
        }
        // The endpoints were reachable before, so the property says something.
        if !plan.chains.is_empty() {
            prop_assert!(!plan.fixes.is_empty() || !plan.remaining.is_empty());
        }
    }

    #[test]
    fn output_is_byte_identical_across_runs(estate in estate_strategy()) {
        let snap = estate.in_order();
        prop_assert_eq!(rendered(&analyze(&snap)), rendered(&analyze(&snap)));
    }
}

/// The binary, twice, in two processes (hash seeds differ per process): same bytes, in
/// every format.
#[test]
fn output_is_byte_identical_across_processes() {
    let root = env!("CARGO_MANIFEST_DIR");
    for args in [
        &["scan", "samples/eks-demo", "--format", "json"][..],
        &["scan", "samples/eks-demo"][..],
        &["graph", "samples/eks-demo", "--format", "json"][..],
    ] {
        let run = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_kubepath"))
                .args(args)
                .current_dir(root)
                .env("NO_COLOR", "1")
                .output()
                .expect("kubepath runs")
                .stdout
        };
        let first = run();
        assert!(!first.is_empty());
        assert_eq!(first, run(), "{args:?}");
    }
}

/// The oracle is not vacuous: a known estate has chains, every step of them is one the
/// oracle covers and confirms, and a step it covers is refuted when the model says no.
#[test]
fn the_oracle_covers_and_confirms_a_known_chain() {
    let estate = Estate {
        workloads: vec![Workload {
            ns: 0,
            app: 0,
            sa: 0,
            automount: None,
            privileged: true,
            host_path: None,
        }],
        accounts: vec![
            vec![
                ServiceAccount {
                    automount: None,
                    irsa: Some(0),
                };
                3
            ];
            2
        ],
        services: vec![Service {
            ns: 0,
            app: 0,
            kind: 2,
        }],
        bindings: vec![Binding {
            ns: 0,
            sa: 0,
            grant: Grant::ClusterAdmin,
            cluster: true,
        }],
        roles: vec![
            Role {
                admin: true,
                deny_all: false,
            };
            2
        ],
    };
    let a = analyze(&estate.in_order());
    let targets: BTreeSet<&str> = a.chains.iter().map(|c| c.target.as_str()).collect();
    assert!(targets.contains("cluster-admin"), "{targets:?}");
    assert!(targets.contains("aws-admin:111122223333"), "{targets:?}");
    for step in a.chains.iter().flat_map(|c| &c.steps) {
        assert_eq!(
            step_holds(&estate, step),
            Some(true),
            "{} -> {} ({})",
            step.from,
            step.to,
            step.technique
        );
    }
    let mut weaker = estate.clone();
    weaker.workloads[0].privileged = false;
    weaker.bindings.clear();
    let step = |from: &str, to: &str, technique: &'static str| Step::new(from, technique, to);
    let escape = step("workload:shop/Pod/w0", "node:*", "ESCAPE_PRIVILEGED");
    assert_eq!(step_holds(&estate, &escape), Some(true));
    assert_eq!(step_holds(&weaker, &escape), Some(false));
    let admin = step("sa:shop/sa0", "cluster-admin", "RBAC_CLUSTER_ADMIN");
    assert_eq!(step_holds(&estate, &admin), Some(true));
    assert_eq!(step_holds(&weaker, &admin), Some(false));
    weaker.workloads[0].automount = Some(false);
    let token = step("workload:shop/Pod/w0", "sa:shop/sa0", "POD_SA_TOKEN");
    assert_eq!(step_holds(&estate, &token), Some(true));
    assert_eq!(step_holds(&weaker, &token), Some(false));
}

/// Found by `removing_a_binding_never_adds_a_chain` (shrunk): two namespace-admin
/// RoleBindings in `pay`; removing the one of `sa2` makes the chain `internet ->
/// service:pay/s0 -> workload:pay/Pod/w1 -> sa:pay/sa0 -> (token minter) -> aws-role irsa-1 ->
/// aws-admin` appear, so with both bindings an existing chain was not reported: the best
/// prefix into `w1` ran through `w0` and a shared node, the joined path was not simple, and
/// `search::best_split` gave up on the entry. Prefixes now end at the first workload.
#[test]
fn removing_a_namespace_admin_binding_does_not_reveal_a_hidden_chain() {
    let w = |app, sa| Workload {
        ns: 1,
        app,
        sa,
        automount: None,
        privileged: false,
        host_path: None,
    };
    let plain = || ServiceAccount {
        automount: None,
        irsa: None,
    };
    let admin_of = |sa| Binding {
        ns: 1,
        sa,
        grant: Grant::ClusterAdmin,
        cluster: false,
    };
    let estate = Estate {
        workloads: vec![w(1, 2), w(0, 0)],
        accounts: vec![
            vec![plain(), plain(), plain()],
            vec![plain(), plain(), plain()],
        ],
        services: vec![
            Service {
                ns: 1,
                app: 0,
                kind: 1,
            },
            Service {
                ns: 1,
                app: 1,
                kind: 2,
            },
        ],
        bindings: vec![admin_of(2), admin_of(0)],
        roles: vec![
            Role {
                admin: false,
                deny_all: false,
            },
            Role {
                admin: true,
                deny_all: false,
            },
        ],
    };
    let before = chain_ends(&analyze(&estate.in_order()));
    let mut after = estate.clone();
    after.bindings.remove(0);
    let after_ends = chain_ends(&analyze(&after.in_order()));
    let new: Vec<_> = after_ends.difference(&before).collect();
    assert!(new.is_empty(), "new chains: {new:?}");
}
