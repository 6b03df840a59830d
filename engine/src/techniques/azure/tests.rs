//! AKS workload identity, federated credential writes, subscription admin, node identities.

use serde_json::{Value, json};

use crate::graph::AttackGraph;
use crate::snapshot::{AksCluster, Imds, Snapshot};
use crate::testutil;

const SUB: &str = "5f2c1a9e-0000-4000-8000-00000000a001";
const TENANT: &str = "72f988bf-0000-4000-8000-0000000000aa";
const ISSUER: &str = "https://westeurope.oic.prod-aks.azure.com/72f988bf-0000-4000-8000-0000000000aa/9d3e7f0a-1111-4222-8333-444455556666/";
const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const RBAC_ADMIN: &str = "f58310d9-a9f6-439a-9e8d-f62e7b41a168";
const UAA: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
const MI_CONTRIBUTOR: &str = "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59";
const MI_OPERATOR: &str = "f1a07417-d97a-45cb-824c-7a7467783830";

fn rg(name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{name}")
}

fn mi_id(rg_name: &str, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
        rg(rg_name)
    )
}

fn admin() -> String {
    format!("azure-admin:{SUB}")
}

fn ident(client: &str) -> String {
    format!("azure-identity:{client}")
}

/// A user-assigned identity `name` in `rg` with client id `c-NAME`, principal `p-NAME`.
fn mi(s: &mut Snapshot, rg_name: &str, name: &str) {
    s.azure.identities.push(
        serde_json::from_value(json!({
            "id": mi_id(rg_name, name), "name": name, "clientId": format!("c-{name}"),
            "principalId": format!("p-{name}"), "tenantId": TENANT, "resourceGroup": rg_name,
            "location": "westeurope"}))
        .unwrap(),
    );
}

fn fic(s: &mut Snapshot, rg_name: &str, name: &str, subject: &str, issuer: &str, audiences: Value) {
    s.azure.federated_credentials.push(
        serde_json::from_value(json!({
            "id": format!("{}/federatedIdentityCredentials/{}", mi_id(rg_name, name), subject.replace(':', "-")),
            "name": subject.replace(':', "-"), "issuer": issuer, "subject": subject,
            "audiences": audiences}))
        .unwrap(),
    );
}

fn assign(
    s: &mut Snapshot,
    principal_name: &str,
    role: &str,
    scope: &str,
    condition: Option<&str>,
) {
    let n = s.azure.role_assignments.len();
    s.azure.role_assignments.push(
        serde_json::from_value(json!({
            "id": format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments/ra-{n}"),
            "principalId": format!("p-{principal_name}"), "principalType": "ServicePrincipal",
            "roleDefinitionId": format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
            "scope": scope, "condition": condition}))
        .unwrap(),
    );
}

fn cluster(s: &mut Snapshot, wi: bool) {
    let c: AksCluster = serde_json::from_value(json!({
        "id": format!("{}/providers/Microsoft.ContainerService/managedClusters/shop-aks", rg("rg-shop")),
        "name": "shop-aks", "nodeResourceGroup": "MC_rg-shop_shop-aks_westeurope",
        "oidcIssuerProfile": {"enabled": true, "issuerUrl": ISSUER},
        "securityProfile": if wi { json!({"workloadIdentity": {"enabled": true}}) } else { json!({}) },
        "identityProfile": {"kubeletidentity": {"clientId": "c-kubelet", "objectId": "p-kubelet",
            "resourceId": mi_id("MC_rg-shop_shop-aks_westeurope", "shop-aks-agentpool")}}
    }))
    .unwrap();
    s.azure.clusters.push(c);
}

fn graph(s: &Snapshot) -> AttackGraph {
    crate::build_graph(s).0
}

fn reaches(g: &AttackGraph, from: &str, to: &str) -> bool {
    match (g.find(from), g.find(to)) {
        (Some(a), Some(b)) => petgraph::algo::has_path_connecting(&g.graph, a, b, None),
        _ => false,
    }
}

const SA: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: shop\n  annotations: {azure.workload.identity/client-id: c-shop-api}\n";

fn deployment(labelled: bool, automount: bool) -> String {
    let label = if labelled {
        "\n        azure.workload.identity/use: \"true\""
    } else {
        ""
    };
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: api, namespace: shop}}\nspec:\n  selector: {{matchLabels: {{app: api}}}}\n  template:\n    metadata:\n      labels:\n        app: api{label}\n    spec:\n      serviceAccountName: api\n      automountServiceAccountToken: {automount}\n      containers: [{{name: c, image: shop/api:1}}]\n"
    )
}

const SUBJECT: &str = "system:serviceaccount:shop:api";
const AUD: &str = "api://AzureADTokenExchange";

fn wi_snapshot(manifests: &str) -> Snapshot {
    let mut s = testutil::snapshot(manifests);
    cluster(&mut s, true);
    mi(&mut s, "rg-shop", "shop-api");
    s
}

#[test]
fn labelled_pods_of_a_federated_service_account_act_as_the_identity() {
    let mut s = wi_snapshot(&format!("{SA}---\n{}", deployment(true, true)));
    fic(&mut s, "rg-shop", "shop-api", SUBJECT, ISSUER, json!([AUD]));
    let g = graph(&s);
    assert!(g.has_edge("sa:shop/api", &ident("c-shop-api"), "AKS_WORKLOAD_IDENTITY"));
    // The pods have an API token too, so the chain goes through sa: only.
    assert!(!g.has_edge(
        "workload:shop/Deployment/api",
        &ident("c-shop-api"),
        "AKS_WORKLOAD_IDENTITY"
    ));
}

#[test]
fn labelled_pods_without_api_token_still_get_a_direct_step() {
    let mut s = wi_snapshot(&format!("{SA}---\n{}", deployment(true, false)));
    fic(&mut s, "rg-shop", "shop-api", SUBJECT, ISSUER, json!([AUD]));
    let g = graph(&s);
    assert!(g.has_edge(
        "workload:shop/Deployment/api",
        &ident("c-shop-api"),
        "AKS_WORKLOAD_IDENTITY"
    ));
}

#[test]
fn a_credential_for_another_subject_gives_no_step() {
    let mut s = wi_snapshot(&format!("{SA}---\n{}", deployment(true, false)));
    fic(
        &mut s,
        "rg-shop",
        "shop-api",
        "system:serviceaccount:shop:api-v2",
        ISSUER,
        json!([AUD]),
    );
    let g = graph(&s);
    assert!(g.edges_of("AKS_WORKLOAD_IDENTITY").is_empty());
}

#[test]
fn a_credential_for_another_clusters_issuer_gives_no_step() {
    let mut s = wi_snapshot(&format!("{SA}---\n{}", deployment(true, false)));
    let other = ISSUER.replace("9d3e7f0a", "0badc0de");
    fic(&mut s, "rg-shop", "shop-api", SUBJECT, &other, json!([AUD]));
    let g = graph(&s);
    assert!(g.edges_of("AKS_WORKLOAD_IDENTITY").is_empty());
}

#[test]
fn a_credential_without_the_token_exchange_audience_is_not_met_by_the_webhook_token() {
    let mut s = wi_snapshot(&format!("{SA}---\n{}", deployment(true, false)));
    fic(
        &mut s,
        "rg-shop",
        "shop-api",
        SUBJECT,
        ISSUER,
        json!(["api://something-else"]),
    );
    let g = graph(&s);
    assert!(g.edges_of("AKS_WORKLOAD_IDENTITY").is_empty());
}

#[test]
fn unlabelled_pods_hold_no_token_but_a_pod_creator_can_mint_one() {
    let rbac = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: deployer, namespace: shop}\nrules:\n- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [create]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: deployer, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}\nsubjects:\n- {kind: User, name: alice}\n";
    let mut s = wi_snapshot(&format!("{SA}---\n{}---\n{rbac}", deployment(false, true)));
    fic(&mut s, "rg-shop", "shop-api", SUBJECT, ISSUER, json!([AUD]));
    let g = graph(&s);
    assert!(!g.has_edge("sa:shop/api", &ident("c-shop-api"), "AKS_WORKLOAD_IDENTITY"));
    assert!(!g.has_edge(
        "workload:shop/Deployment/api",
        &ident("c-shop-api"),
        "AKS_WORKLOAD_IDENTITY"
    ));
    let minted = g
        .edges_of("AKS_WORKLOAD_IDENTITY")
        .into_iter()
        .find(|(f, t, _)| *f == "user:alice" && *t == ident("c-shop-api"));
    let (_, _, e) = minted.expect("alice creates a pod as shop/api and mints the token");
    assert!(e.likelihood < 0.95);
}

#[test]
fn webhook_disabled_in_aks_show_means_labelled_pods_hold_no_token() {
    let mut s = testutil::snapshot(&format!("{SA}---\n{}", deployment(true, false)));
    cluster(&mut s, false);
    mi(&mut s, "rg-shop", "shop-api");
    fic(&mut s, "rg-shop", "shop-api", SUBJECT, ISSUER, json!([AUD]));
    let g = graph(&s);
    assert!(g.edges_of("AKS_WORKLOAD_IDENTITY").is_empty());
}

#[test]
fn only_the_labelled_workload_of_a_shared_service_account_gets_the_step() {
    let other = deployment(false, true).replace("name: api, namespace", "name: worker, namespace");
    let mut s = wi_snapshot(&format!("{SA}---\n{}---\n{other}", deployment(true, true)));
    fic(&mut s, "rg-shop", "shop-api", SUBJECT, ISSUER, json!([AUD]));
    let g = graph(&s);
    assert!(!g.has_edge("sa:shop/api", &ident("c-shop-api"), "AKS_WORKLOAD_IDENTITY"));
    assert!(g.has_edge(
        "workload:shop/Deployment/api",
        &ident("c-shop-api"),
        "AKS_WORKLOAD_IDENTITY"
    ));
    assert!(!g.has_edge(
        "workload:shop/Deployment/worker",
        &ident("c-shop-api"),
        "AKS_WORKLOAD_IDENTITY"
    ));
}

#[test]
fn owner_on_the_subscription_is_azure_admin() {
    let mut s = wi_snapshot(SA);
    assign(
        &mut s,
        "shop-api",
        OWNER,
        &format!("/subscriptions/{SUB}"),
        None,
    );
    let g = graph(&s);
    let e = g.edges_of("AZURE_ADMIN");
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].0, e[0].1),
        (ident("c-shop-api").as_str(), admin().as_str())
    );
    assert_eq!(e[0].2.likelihood, 1.0);
}

#[test]
fn owner_on_a_resource_group_is_not_subscription_admin() {
    let mut s = wi_snapshot(SA);
    assign(&mut s, "shop-api", OWNER, &rg("rg-shop"), None);
    assert!(graph(&s).edges_of("AZURE_ADMIN").is_empty());
}

#[test]
fn contributor_on_the_subscription_is_not_admin() {
    let mut s = wi_snapshot(SA);
    assign(
        &mut s,
        "shop-api",
        CONTRIBUTOR,
        &format!("/subscriptions/{SUB}"),
        None,
    );
    assign(
        &mut s,
        "shop-api",
        READER,
        &format!("/subscriptions/{SUB}"),
        None,
    );
    assert!(graph(&s).edges_of("AZURE_ADMIN").is_empty());
}

#[test]
fn user_access_administrator_on_a_management_group_is_admin_of_the_subscriptions_below() {
    let mut s = wi_snapshot(SA);
    assign(
        &mut s,
        "shop-api",
        UAA,
        "/providers/Microsoft.Management/managementGroups/platform",
        None,
    );
    let g = graph(&s);
    let e = g.edges_of("AZURE_ADMIN");
    assert_eq!(e.len(), 1);
    assert!(e[0].2.likelihood < 1.0, "the hierarchy is assumed");
}

#[test]
fn an_abac_condition_lowers_the_likelihood_and_is_in_evidence() {
    let mut s = wi_snapshot(SA);
    let cond = "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {acdd72a7-3385-48ef-bd42-f606fba81ae7}))";
    assign(
        &mut s,
        "shop-api",
        RBAC_ADMIN,
        &format!("/subscriptions/{SUB}"),
        Some(cond),
    );
    let g = graph(&s);
    let e = g.edges_of("AZURE_ADMIN");
    assert_eq!(e.len(), 1);
    assert!(e[0].2.likelihood < 1.0);
    assert!(
        e[0].2
            .evidence
            .iter()
            .any(|ev| ev.field.ends_with("condition") && ev.detail.contains("GuidEquals"))
    );
}

#[test]
fn a_custom_role_with_role_assignment_write_is_admin_and_one_whose_not_actions_remove_it_is_not() {
    let mut s = wi_snapshot(SA);
    mi(&mut s, "rg-shop", "ops");
    s.azure.role_definitions = serde_json::from_value(json!([
        {"id": format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/11111111-0000-0000-0000-000000000001"),
         "name": "11111111-0000-0000-0000-000000000001", "roleName": "access-granter", "roleType": "CustomRole",
         "permissions": [{"actions": ["Microsoft.Authorization/roleAssignments/*"], "notActions": []}],
         "assignableScopes": [format!("/subscriptions/{SUB}")]},
        {"id": format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/11111111-0000-0000-0000-000000000002"),
         "name": "11111111-0000-0000-0000-000000000002", "roleName": "almost-owner", "roleType": "CustomRole",
         "permissions": [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/write"]}],
         "assignableScopes": [format!("/subscriptions/{SUB}")]}
    ]))
    .unwrap();
    assign(
        &mut s,
        "shop-api",
        "11111111-0000-0000-0000-000000000001",
        &format!("/subscriptions/{SUB}"),
        None,
    );
    assign(
        &mut s,
        "ops",
        "11111111-0000-0000-0000-000000000002",
        &format!("/subscriptions/{SUB}"),
        None,
    );
    let g = graph(&s);
    assert!(g.has_edge(&ident("c-shop-api"), &admin(), "AZURE_ADMIN"));
    assert!(!g.has_edge(&ident("c-ops"), &admin(), "AZURE_ADMIN"));
}

#[test]
fn contributor_writes_federated_credentials_of_an_admin_identity_and_reaches_admin() {
    let mut s = wi_snapshot(SA);
    mi(&mut s, "rg-platform", "deployer");
    assign(&mut s, "shop-api", CONTRIBUTOR, &rg("rg-platform"), None);
    assign(
        &mut s,
        "deployer",
        OWNER,
        &format!("/subscriptions/{SUB}"),
        None,
    );
    let g = graph(&s);
    assert!(g.has_edge(
        &ident("c-shop-api"),
        &ident("c-deployer"),
        "AZURE_FEDERATED_CREDENTIAL_WRITE"
    ));
    assert!(reaches(&g, &ident("c-shop-api"), &admin()));
}

#[test]
fn contributor_without_an_admin_identity_in_scope_has_no_admin_chain() {
    let mut s = wi_snapshot(SA);
    mi(&mut s, "rg-platform", "deployer");
    mi(&mut s, "rg-other", "boss");
    assign(&mut s, "shop-api", CONTRIBUTOR, &rg("rg-platform"), None);
    assign(
        &mut s,
        "deployer",
        READER,
        &format!("/subscriptions/{SUB}"),
        None,
    );
    assign(
        &mut s,
        "boss",
        OWNER,
        &format!("/subscriptions/{SUB}"),
        None,
    );
    let g = graph(&s);
    assert!(g.has_edge(
        &ident("c-shop-api"),
        &ident("c-deployer"),
        "AZURE_FEDERATED_CREDENTIAL_WRITE"
    ));
    assert!(!g.has_edge(
        &ident("c-shop-api"),
        &ident("c-boss"),
        "AZURE_FEDERATED_CREDENTIAL_WRITE"
    ));
    assert!(!reaches(&g, &ident("c-shop-api"), &admin()));
}

#[test]
fn managed_identity_contributor_writes_credentials_and_operator_does_not() {
    let mut s = wi_snapshot(SA);
    mi(&mut s, "rg-platform", "deployer");
    mi(&mut s, "rg-platform", "ops");
    assign(
        &mut s,
        "shop-api",
        MI_CONTRIBUTOR,
        &mi_id("rg-platform", "deployer"),
        None,
    );
    assign(&mut s, "ops", MI_OPERATOR, &rg("rg-platform"), None);
    let g = graph(&s);
    assert!(g.has_edge(
        &ident("c-shop-api"),
        &ident("c-deployer"),
        "AZURE_FEDERATED_CREDENTIAL_WRITE"
    ));
    assert!(g.edges_of("AZURE_FEDERATED_CREDENTIAL_WRITE").len() == 1);
}

#[test]
fn an_owner_of_the_subscription_gets_no_credential_write_steps() {
    let mut s = wi_snapshot(SA);
    mi(&mut s, "rg-platform", "deployer");
    assign(
        &mut s,
        "shop-api",
        OWNER,
        &format!("/subscriptions/{SUB}"),
        None,
    );
    let g = graph(&s);
    assert!(g.edges_of("AZURE_FEDERATED_CREDENTIAL_WRITE").is_empty());
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers: [{name: c, image: shop/web:1}]\n";

#[test]
fn pods_and_nodes_reach_the_kubelet_identity_through_imds() {
    let mut s = testutil::snapshot(POD);
    cluster(&mut s, true);
    let g = graph(&s);
    assert!(g.has_edge(
        "workload:shop/Pod/web",
        &ident("c-kubelet"),
        "IMDS_NODE_ROLE"
    ));
    assert!(g.has_edge("node:*", &ident("c-kubelet"), "IMDS_NODE_ROLE"));
}

#[test]
fn pods_cannot_reach_imds_when_the_facts_say_so_but_nodes_and_host_network_pods_can() {
    let host = POD
        .replace("name: web", "name: agent")
        .replace("spec:\n", "spec:\n  hostNetwork: true\n");
    let mut s = testutil::snapshot(&format!("{POD}---\n{host}"));
    cluster(&mut s, true);
    s.facts.imds = Imds {
        pods_can_reach: Some(false),
    };
    let g = graph(&s);
    assert!(!g.has_edge(
        "workload:shop/Pod/web",
        &ident("c-kubelet"),
        "IMDS_NODE_ROLE"
    ));
    assert!(g.has_edge(
        "workload:shop/Pod/agent",
        &ident("c-kubelet"),
        "IMDS_NODE_ROLE"
    ));
    assert!(g.has_edge("node:*", &ident("c-kubelet"), "IMDS_NODE_ROLE"));
}

#[test]
fn the_kubelet_identity_assignments_count() {
    let mut s = testutil::snapshot(POD);
    cluster(&mut s, true);
    assign(
        &mut s,
        "kubelet",
        CONTRIBUTOR,
        &format!("/subscriptions/{SUB}"),
        None,
    );
    mi(&mut s, "rg-platform", "deployer");
    assign(
        &mut s,
        "deployer",
        OWNER,
        &format!("/subscriptions/{SUB}"),
        None,
    );
    let g = graph(&s);
    assert!(g.has_edge(
        &ident("c-kubelet"),
        &ident("c-deployer"),
        "AZURE_FEDERATED_CREDENTIAL_WRITE"
    ));
    assert!(reaches(&g, "workload:shop/Pod/web", &admin()));
}

#[test]
fn with_several_clusters_the_one_the_facts_name_is_analysed() {
    let mut s = testutil::snapshot(POD);
    let other: AksCluster = serde_json::from_value(json!({
        "id": format!("{}/providers/Microsoft.ContainerService/managedClusters/staging-aks", rg("rg-staging")),
        "name": "staging-aks",
        "identityProfile": {"kubeletidentity": {"clientId": "c-staging-kubelet", "objectId": "p-staging-kubelet"}}
    }))
    .unwrap();
    s.azure.clusters.push(other);
    cluster(&mut s, true);
    let g = graph(&s);
    assert!(g.has_edge("node:*", &ident("c-staging-kubelet"), "IMDS_NODE_ROLE"));
    assert!(!g.has_edge("node:*", &ident("c-kubelet"), "IMDS_NODE_ROLE"));
    s.facts.cluster_name = Some("shop-aks".into());
    let g = graph(&s);
    assert!(g.has_edge("node:*", &ident("c-kubelet"), "IMDS_NODE_ROLE"));
    assert!(!g.has_edge("node:*", &ident("c-staging-kubelet"), "IMDS_NODE_ROLE"));
}

#[test]
fn a_pod_mounting_a_token_with_the_credential_audience_acts_as_the_identity_without_the_label() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: batch, namespace: shop}\nspec:\n  serviceAccountName: api\n  automountServiceAccountToken: false\n  containers: [{name: c, image: shop/batch:1}]\n  volumes:\n  - name: azure-token\n    projected:\n      sources:\n      - serviceAccountToken: {audience: \"api://AzureADTokenExchange\", path: token}\n";
    let mut s = wi_snapshot(&format!("{SA}---\n{pod}"));
    fic(&mut s, "rg-shop", "shop-api", SUBJECT, ISSUER, json!([AUD]));
    let g = graph(&s);
    assert!(g.has_edge(
        "workload:shop/Pod/batch",
        &ident("c-shop-api"),
        "AKS_WORKLOAD_IDENTITY"
    ));
    let mut s = wi_snapshot(&format!("{SA}---\n{pod}"));
    fic(
        &mut s,
        "rg-shop",
        "shop-api",
        SUBJECT,
        ISSUER,
        json!(["api://other"]),
    );
    assert!(graph(&s).edges_of("AKS_WORKLOAD_IDENTITY").is_empty());
}

#[test]
fn without_a_known_issuer_the_credential_is_a_possible_step() {
    let mut s = testutil::snapshot(&format!("{SA}---\n{}", deployment(true, false)));
    mi(&mut s, "rg-shop", "shop-api");
    fic(&mut s, "rg-shop", "shop-api", SUBJECT, ISSUER, json!([AUD]));
    let g = graph(&s);
    let e = g.edges_of("AKS_WORKLOAD_IDENTITY");
    assert!(g.has_edge("sa:shop/api", &ident("c-shop-api"), "AKS_WORKLOAD_IDENTITY"));
    for (_, _, edge) in e {
        assert!(edge.likelihood < 0.95);
        assert!(
            edge.evidence
                .iter()
                .any(|ev| ev.detail.contains("not checked"))
        );
    }
}
