use serde_json::{Value, json};

use crate::graph::AttackGraph;
use crate::snapshot::Snapshot;
use crate::testutil;

const P: &str = "shop-prod-4821";
const APP: &str = "app@shop-prod-4821.iam.gserviceaccount.com";
const ADMIN: &str = "platform-admin@shop-prod-4821.iam.gserviceaccount.com";
const POOL: &str = "shop-prod-4821.svc.id.goog";

fn snap(k8s: &str, gcp: Value) -> Snapshot {
    let mut s = testutil::snapshot(k8s);
    s.gcp = serde_json::from_value(gcp).expect("test GCP model is valid");
    s
}

fn graph(k8s: &str, gcp: Value) -> AttackGraph {
    crate::build_graph(&snap(k8s, gcp)).0
}

/// A cluster with Workload Identity and one GKE_METADATA node pool.
fn cluster() -> Value {
    json!({"name": "prod",
        "selfLink": format!("https://container.googleapis.com/v1/projects/{P}/locations/europe-west1/clusters/prod"),
        "location": "europe-west1",
        "workloadIdentityConfig": {"workloadPool": POOL},
        "nodePools": [{"name": "general", "config": {
            "serviceAccount": format!("gke-nodes@{P}.iam.gserviceaccount.com"),
            "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
            "workloadMetadataConfig": {"mode": "GKE_METADATA"}}}]})
}

fn web_sa(annotation: Option<&str>) -> String {
    let ann = annotation
        .map(|a| format!("  annotations:\n    iam.gke.io/gcp-service-account: {a}\n"))
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\n{ann}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      serviceAccountName: web\n      containers:\n      - name: web\n        image: nginx\n"
    )
}

fn sa_policy(email: &str, role: &str, member: &str) -> Value {
    json!({"resource": {"serviceAccount": email},
        "bindings": [{"role": role, "members": [member]}]})
}

fn project_policy(bindings: Value) -> Value {
    json!({"resource": {"project": P}, "bindings": bindings})
}

fn owner_of_admin() -> Value {
    project_policy(json!([{"role": "roles/owner", "members": [format!("serviceAccount:{ADMIN}")]}]))
}

// ---------------------------------------------------------------------------------------
// GKE_WORKLOAD_IDENTITY

#[test]
fn workload_identity_user_for_the_ksa_makes_it_act_as_the_google_account() {
    let g = graph(
        &web_sa(Some(APP)),
        json!({"clusters": [cluster()], "policies": [
            sa_policy(APP, "roles/iam.workloadIdentityUser", &format!("serviceAccount:{POOL}[shop/web]"))]}),
    );
    assert!(g.has_edge(
        "sa:shop/web",
        &format!("gcp-sa:{APP}"),
        "GKE_WORKLOAD_IDENTITY"
    ));
}

#[test]
fn workload_identity_user_granted_to_another_ksa_gives_no_step() {
    let g = graph(
        &web_sa(Some(APP)),
        json!({"clusters": [cluster()], "policies": [
            sa_policy(APP, "roles/iam.workloadIdentityUser", &format!("serviceAccount:{POOL}[shop/worker]"))]}),
    );
    assert!(g.edges_of("GKE_WORKLOAD_IDENTITY").is_empty());
}

#[test]
fn annotation_alone_gives_no_step() {
    let g = graph(
        &web_sa(Some(APP)),
        json!({"clusters": [cluster()], "policies": [owner_of_admin()]}),
    );
    assert!(!g.has_edge(
        "sa:shop/web",
        &format!("gcp-sa:{APP}"),
        "GKE_WORKLOAD_IDENTITY"
    ));
}

#[test]
fn project_level_workload_identity_user_covers_every_account_of_the_project() {
    let g = graph(
        &web_sa(None),
        json!({"clusters": [cluster()], "policies": [project_policy(json!([
            {"role": "roles/iam.workloadIdentityUser", "members": [format!("serviceAccount:{POOL}[shop/web]")]},
            {"role": "roles/owner", "members": [format!("serviceAccount:{ADMIN}")]}]))]}),
    );
    assert!(g.has_edge(
        "sa:shop/web",
        &format!("gcp-sa:{ADMIN}"),
        "GKE_WORKLOAD_IDENTITY"
    ));
    assert!(g.has_edge(
        &format!("gcp-sa:{ADMIN}"),
        &format!("gcp-admin:{P}"),
        "GCP_ADMIN"
    ));
}

#[test]
fn principal_set_of_the_namespace_covers_its_service_accounts_not_other_namespaces() {
    let member = |ns: &str| {
        format!(
            "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/{POOL}/namespace/{ns}"
        )
    };
    let yes = graph(
        &web_sa(None),
        json!({"clusters": [cluster()], "policies": [sa_policy(APP, "roles/iam.workloadIdentityUser", &member("shop"))]}),
    );
    assert!(yes.has_edge(
        "sa:shop/web",
        &format!("gcp-sa:{APP}"),
        "GKE_WORKLOAD_IDENTITY"
    ));
    let no = graph(
        &web_sa(None),
        json!({"clusters": [cluster()], "policies": [sa_policy(APP, "roles/iam.workloadIdentityUser", &member("billing"))]}),
    );
    assert!(no.edges_of("GKE_WORKLOAD_IDENTITY").is_empty());
}

#[test]
fn principal_subject_with_owner_on_the_project_is_admin_directly() {
    let member = format!(
        "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/{POOL}/subject/ns/shop/sa/web"
    );
    let g = graph(
        &web_sa(None),
        json!({"clusters": [cluster()], "policies": [project_policy(json!([{"role": "roles/owner", "members": [member]}]))]}),
    );
    assert!(g.has_edge(
        "sa:shop/web",
        &format!("gcp-admin:{P}"),
        "GKE_WORKLOAD_IDENTITY"
    ));
    let other = member.replace("/sa/web", "/sa/worker");
    let g = graph(
        &web_sa(None),
        json!({"clusters": [cluster()], "policies": [project_policy(json!([{"role": "roles/owner", "members": [other]}]))]}),
    );
    assert!(g.edges_of("GKE_WORKLOAD_IDENTITY").is_empty());
}

#[test]
fn cluster_without_workload_identity_gives_no_step() {
    let mut c = cluster();
    if let Some(o) = c.as_object_mut() {
        o.remove("workloadIdentityConfig");
    }
    let g = graph(
        &web_sa(Some(APP)),
        json!({"clusters": [c], "policies": [
            sa_policy(APP, "roles/iam.workloadIdentityUser", &format!("serviceAccount:{POOL}[shop/web]"))]}),
    );
    assert!(g.edges_of("GKE_WORKLOAD_IDENTITY").is_empty());
}

#[test]
fn pods_without_an_api_token_still_get_the_google_identity() {
    let k8s = web_sa(Some(APP)).replace(
        "      serviceAccountName: web\n",
        "      serviceAccountName: web\n      automountServiceAccountToken: false\n",
    );
    let g = graph(
        &k8s,
        json!({"clusters": [cluster()], "policies": [
            sa_policy(APP, "roles/iam.workloadIdentityUser", &format!("serviceAccount:{POOL}[shop/web]"))]}),
    );
    assert!(g.has_edge(
        "workload:shop/Deployment/web",
        &format!("gcp-sa:{APP}"),
        "GKE_WORKLOAD_IDENTITY"
    ));
    // With a token, the chain goes through the sa node instead.
    let g = graph(
        &web_sa(Some(APP)),
        json!({"clusters": [cluster()], "policies": [
            sa_policy(APP, "roles/iam.workloadIdentityUser", &format!("serviceAccount:{POOL}[shop/web]"))]}),
    );
    assert!(!g.has_edge(
        "workload:shop/Deployment/web",
        &format!("gcp-sa:{APP}"),
        "GKE_WORKLOAD_IDENTITY"
    ));
}

#[test]
fn another_annotation_lowers_the_likelihood_and_says_so() {
    let g = graph(
        &web_sa(Some(ADMIN)),
        json!({"clusters": [cluster()], "policies": [
            sa_policy(APP, "roles/iam.workloadIdentityUser", &format!("serviceAccount:{POOL}[shop/web]"))]}),
    );
    let edges = g.edges_of("GKE_WORKLOAD_IDENTITY");
    let (_, _, e) = edges.first().expect("edge");
    assert!(e.likelihood < super::GKE_WORKLOAD_IDENTITY.likelihood);
    assert!(e.evidence.iter().any(|ev| ev.detail.contains(ADMIN)));
}

// ---------------------------------------------------------------------------------------
// GCP_IMPERSONATE

#[test]
fn token_creator_on_an_account_impersonates_it_not_others() {
    let other = format!("other@{P}.iam.gserviceaccount.com");
    let gcp = json!({"policies": [
        sa_policy(ADMIN, "roles/iam.serviceAccountTokenCreator", &format!("serviceAccount:{APP}")),
        sa_policy(&other, "roles/viewer", &format!("serviceAccount:{APP}"))]});
    let g = graph("", gcp);
    assert!(g.has_edge(
        &format!("gcp-sa:{APP}"),
        &format!("gcp-sa:{ADMIN}"),
        "GCP_IMPERSONATE"
    ));
    assert!(!g.has_edge(
        &format!("gcp-sa:{APP}"),
        &format!("gcp-sa:{other}"),
        "GCP_IMPERSONATE"
    ));
}

#[test]
fn act_as_needs_a_create_permission() {
    let with = project_policy(json!([
        {"role": "roles/iam.serviceAccountUser", "members": [format!("serviceAccount:{APP}")]},
        {"role": "roles/compute.instanceAdmin.v1", "members": [format!("serviceAccount:{APP}")]},
        {"role": "roles/owner", "members": [format!("serviceAccount:{ADMIN}")]}]));
    let g = graph("", json!({"policies": [with]}));
    let edges = g.edges_of("GCP_IMPERSONATE");
    let (_, _, e) = edges
        .iter()
        .find(|(f, t, _)| *f == format!("gcp-sa:{APP}") && *t == format!("gcp-sa:{ADMIN}"))
        .expect("actAs + compute.instances.create impersonates");
    assert!(
        e.evidence
            .iter()
            .any(|ev| ev.detail.contains("compute.instances.create"))
    );
    let without = project_policy(json!([
        {"role": "roles/iam.serviceAccountUser", "members": [format!("serviceAccount:{APP}")]},
        {"role": "roles/owner", "members": [format!("serviceAccount:{ADMIN}")]}]));
    let g = graph("", json!({"policies": [without]}));
    assert!(!g.has_edge(
        &format!("gcp-sa:{APP}"),
        &format!("gcp-sa:{ADMIN}"),
        "GCP_IMPERSONATE"
    ));
}

#[test]
fn key_admin_on_the_project_impersonates_its_accounts_but_not_service_agents() {
    let agent = "service-123456789012@container-engine-robot.iam.gserviceaccount.com";
    let g = graph(
        "",
        json!({"policies": [project_policy(json!([
            {"role": "roles/iam.serviceAccountKeyAdmin", "members": [format!("serviceAccount:{APP}")]},
            {"role": "roles/container.serviceAgent", "members": [format!("serviceAccount:{agent}")]},
            {"role": "roles/owner", "members": [format!("serviceAccount:{ADMIN}")]}]))]}),
    );
    assert!(g.has_edge(
        &format!("gcp-sa:{APP}"),
        &format!("gcp-sa:{ADMIN}"),
        "GCP_IMPERSONATE"
    ));
    assert!(!g.has_edge(
        &format!("gcp-sa:{APP}"),
        &format!("gcp-sa:{agent}"),
        "GCP_IMPERSONATE"
    ));
}

// ---------------------------------------------------------------------------------------
// GCP_ADMIN

#[test]
fn owner_is_admin_and_editor_is_not_by_name() {
    let g = graph(
        "",
        json!({"policies": [project_policy(json!([
            {"role": "roles/owner", "members": [format!("serviceAccount:{ADMIN}")]},
            {"role": "roles/editor", "members": [format!("serviceAccount:{APP}")]}]))]}),
    );
    assert!(g.has_edge(
        &format!("gcp-sa:{ADMIN}"),
        &format!("gcp-admin:{P}"),
        "GCP_ADMIN"
    ));
    assert!(!g.has_edge(
        &format!("gcp-sa:{APP}"),
        &format!("gcp-admin:{P}"),
        "GCP_ADMIN"
    ));
    // ...but editor reaches the owner account (actAs + create, service account keys).
    assert!(g.has_edge(
        &format!("gcp-sa:{APP}"),
        &format!("gcp-sa:{ADMIN}"),
        "GCP_IMPERSONATE"
    ));
}

#[test]
fn custom_role_with_set_iam_policy_is_admin_and_one_without_is_not() {
    let role = |perms: Value| json!({"name": format!("projects/{P}/roles/deployer"), "includedPermissions": perms, "stage": "GA"});
    let policy = project_policy(
        json!([{"role": format!("projects/{P}/roles/deployer"), "members": [format!("serviceAccount:{APP}")]}]),
    );
    let g = graph(
        "",
        json!({"policies": [policy.clone()], "roles": [role(json!(["resourcemanager.projects.setIamPolicy"]))]}),
    );
    assert!(g.has_edge(
        &format!("gcp-sa:{APP}"),
        &format!("gcp-admin:{P}"),
        "GCP_ADMIN"
    ));
    let g = graph(
        "",
        json!({"policies": [policy], "roles": [role(json!(["resourcemanager.projects.getIamPolicy"]))]}),
    );
    assert!(g.edges_of("GCP_ADMIN").is_empty());
}

#[test]
fn updating_a_custom_role_it_holds_is_admin() {
    let g = graph(
        "",
        json!({"policies": [project_policy(json!([
            {"role": format!("projects/{P}/roles/deployer"), "members": [format!("serviceAccount:{APP}")]},
            {"role": "roles/iam.roleAdmin", "members": [format!("serviceAccount:{APP}")]}]))],
            "roles": [{"name": format!("projects/{P}/roles/deployer"), "includedPermissions": ["container.pods.list"]}]}),
    );
    let edges = g.edges_of("GCP_ADMIN");
    let (_, _, e) = edges.first().expect("iam.roles.update on its own role");
    assert!(
        e.evidence
            .iter()
            .any(|ev| ev.detail.contains("iam.roles.update"))
    );
    // roleAdmin without holding a custom role is not admin.
    let g = graph(
        "",
        json!({"policies": [project_policy(json!([
            {"role": "roles/iam.roleAdmin", "members": [format!("serviceAccount:{APP}")]}]))]}),
    );
    assert!(g.edges_of("GCP_ADMIN").is_empty());
}

#[test]
fn organization_security_admin_is_admin_of_every_loaded_project() {
    let g = graph(
        "",
        json!({"policies": [
            {"resource": {"organization": "4242"}, "bindings": [{"role": "roles/iam.securityAdmin", "members": [format!("serviceAccount:{APP}")]}]},
            project_policy(json!([]))]}),
    );
    assert!(g.has_edge(
        &format!("gcp-sa:{APP}"),
        &format!("gcp-admin:{P}"),
        "GCP_ADMIN"
    ));
}

#[test]
fn an_iam_condition_lowers_the_likelihood_and_is_in_evidence() {
    let g = graph(
        "",
        json!({"policies": [project_policy(json!([{"role": "roles/owner", "members": [format!("serviceAccount:{ADMIN}")],
            "condition": {"title": "business hours", "expression": "request.time.getHours(\"Europe/Paris\") < 18"}}]))]}),
    );
    let edges = g.edges_of("GCP_ADMIN");
    let (_, _, e) = edges.first().expect("a conditional grant is kept");
    assert!(e.likelihood < 1.0);
    assert!(
        e.evidence
            .iter()
            .any(|ev| ev.detail.contains("business hours"))
    );
}

// ---------------------------------------------------------------------------------------
// IMDS_NODE_ROLE on GKE

fn exposed_cluster(mode: &str) -> Value {
    json!({"name": "prod",
        "selfLink": format!("https://container.googleapis.com/v1/projects/{P}/zones/europe-west1-b/clusters/prod"),
        "zone": "europe-west1-b",
        "nodePools": [{"name": "general", "config": {"serviceAccount": "default",
            "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
            "workloadMetadataConfig": {"mode": mode}}}]})
}

fn compute_sa() -> Value {
    json!([{"email": "123456789012-compute@developer.gserviceaccount.com",
        "name": format!("projects/{P}/serviceAccounts/123456789012-compute@developer.gserviceaccount.com"),
        "projectId": P}])
}

#[test]
fn gce_metadata_pool_exposes_the_node_account_to_pods_and_gke_metadata_does_not() {
    let compute = "gcp-sa:123456789012-compute@developer.gserviceaccount.com";
    let g = graph(
        &web_sa(None),
        json!({"clusters": [exposed_cluster("GCE_METADATA")], "serviceAccounts": compute_sa()}),
    );
    assert!(g.has_edge("workload:shop/Deployment/web", compute, "IMDS_NODE_ROLE"));
    assert!(g.has_edge("node:*", compute, "IMDS_NODE_ROLE"));
    let g = graph(
        &web_sa(None),
        json!({"clusters": [exposed_cluster("GKE_METADATA")], "serviceAccounts": compute_sa()}),
    );
    assert!(!g.has_edge("workload:shop/Deployment/web", compute, "IMDS_NODE_ROLE"));
    assert!(g.has_edge("node:*", compute, "IMDS_NODE_ROLE"));
}

#[test]
fn host_network_pods_bypass_the_gke_metadata_server() {
    let compute = "gcp-sa:123456789012-compute@developer.gserviceaccount.com";
    let k8s = web_sa(None).replace(
        "      containers:\n",
        "      hostNetwork: true\n      containers:\n",
    );
    let g = graph(
        &k8s,
        json!({"clusters": [exposed_cluster("GKE_METADATA")], "serviceAccounts": compute_sa()}),
    );
    assert!(g.has_edge("workload:shop/Deployment/web", compute, "IMDS_NODE_ROLE"));
}

#[test]
fn node_without_the_metadata_server_label_exposes_its_account() {
    let compute = "gcp-sa:123456789012-compute@developer.gserviceaccount.com";
    let node = |labelled: bool| {
        let extra = if labelled {
            "\n    iam.gke.io/gke-metadata-server-enabled: \"true\""
        } else {
            ""
        };
        format!(
            "{}---\napiVersion: v1\nkind: Node\nmetadata:\n  name: gke-prod-general-1\n  labels:\n    cloud.google.com/gke-nodepool: general{extra}\n",
            web_sa(None)
        )
    };
    let g = graph(
        &node(false),
        json!({"clusters": [exposed_cluster("GKE_METADATA")], "serviceAccounts": compute_sa()}),
    );
    assert!(g.has_edge("workload:shop/Deployment/web", compute, "IMDS_NODE_ROLE"));
    let g = graph(
        &node(true),
        json!({"clusters": [exposed_cluster("GKE_METADATA")], "serviceAccounts": compute_sa()}),
    );
    assert!(!g.has_edge("workload:shop/Deployment/web", compute, "IMDS_NODE_ROLE"));
}

#[test]
fn limited_oauth_scopes_lower_the_likelihood() {
    let compute = "gcp-sa:123456789012-compute@developer.gserviceaccount.com";
    let mut c = exposed_cluster("GCE_METADATA");
    c["nodePools"][0]["config"]["oauthScopes"] =
        json!(["https://www.googleapis.com/auth/devstorage.read_only"]);
    let g = graph(
        &web_sa(None),
        json!({"clusters": [c], "serviceAccounts": compute_sa()}),
    );
    let edges = g.edges_of("IMDS_NODE_ROLE");
    let (_, _, e) = edges
        .iter()
        .find(|(f, t, _)| *f == "workload:shop/Deployment/web" && *t == compute)
        .expect("edge");
    assert!(e.likelihood < 0.5);
    assert!(
        e.evidence
            .iter()
            .any(|ev| ev.field.ends_with("oauthScopes"))
    );
}

#[test]
fn internet_to_project_admin_through_workload_identity() {
    let k8s = format!(
        "{}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  type: LoadBalancer\n  selector: {{app: web}}\n",
        web_sa(Some(APP)).replace(
            "    spec:\n      serviceAccountName",
            "    metadata:\n      labels: {app: web}\n    spec:\n      serviceAccountName"
        )
    );
    let s = snap(
        &k8s,
        json!({"clusters": [cluster()], "policies": [
            sa_policy(APP, "roles/iam.workloadIdentityUser", &format!("serviceAccount:{POOL}[shop/web]")),
            sa_policy(ADMIN, "roles/iam.serviceAccountTokenCreator", &format!("serviceAccount:{APP}")),
            owner_of_admin()]}),
    );
    let analysis = crate::analyze(&s, &crate::Options::default());
    assert!(
        analysis
            .chains
            .iter()
            .any(|c| c.target == format!("gcp-admin:{P}")),
        "no chain to gcp-admin"
    );
}

#[test]
fn stated_unreachable_metadata_keeps_pods_away_but_not_host_network_pods() {
    let compute = "gcp-sa:123456789012-compute@developer.gserviceaccount.com";
    let mut s = snap(
        &web_sa(None),
        json!({"clusters": [exposed_cluster("GCE_METADATA")], "serviceAccounts": compute_sa()}),
    );
    s.facts.imds.pods_can_reach = Some(false);
    let g = crate::build_graph(&s).0;
    assert!(!g.has_edge("workload:shop/Deployment/web", compute, "IMDS_NODE_ROLE"));
    let k8s = web_sa(None).replace(
        "      containers:\n",
        "      hostNetwork: true\n      containers:\n",
    );
    let mut s = snap(
        &k8s,
        json!({"clusters": [exposed_cluster("GCE_METADATA")], "serviceAccounts": compute_sa()}),
    );
    s.facts.imds.pods_can_reach = Some(false);
    let g = crate::build_graph(&s).0;
    assert!(g.has_edge("workload:shop/Deployment/web", compute, "IMDS_NODE_ROLE"));
}
