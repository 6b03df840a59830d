//! Exposure: load balancers, NodePorts, Services and the entry step.

use crate::testutil::graph;

const WEB: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
";

fn with_web(yaml: &str) -> crate::AttackGraph {
    graph(&format!("{WEB}\n---\n{yaml}"))
}

#[test]
fn load_balancer_service_is_exposed_to_the_internet() {
    let g = with_web(
        "
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
status:
  loadBalancer: {ingress: [{hostname: a.elb.amazonaws.com}]}
",
    );
    assert!(g.has_edge("internet", "service:default/web", "EXPOSED_LOADBALANCER"));
    let edges = g.edges_of("EXPOSED_LOADBALANCER");
    let edge = edges[0].2;
    assert_eq!(edge.likelihood, super::EXPOSED_LOADBALANCER.likelihood);
    assert!(edge.evidence.iter().any(|e| e.field == "spec.type"
        && e.detail.contains("LoadBalancer")
        && e.detail.contains("80/TCP")));
    assert!(
        edge.evidence
            .iter()
            .any(|e| e.detail.contains("a.elb.amazonaws.com"))
    );
}

#[test]
fn internal_load_balancer_annotations_are_not_exposed() {
    for (key, value) in [
        (
            "service.beta.kubernetes.io/aws-load-balancer-internal",
            "\"true\"",
        ),
        (
            "service.beta.kubernetes.io/aws-load-balancer-internal",
            "10.0.0.0/8",
        ),
        (
            "service.beta.kubernetes.io/aws-load-balancer-scheme",
            "internal",
        ),
        ("networking.gke.io/load-balancer-type", "Internal"),
        ("cloud.google.com/load-balancer-type", "Internal"),
        (
            "service.beta.kubernetes.io/azure-load-balancer-internal",
            "\"true\"",
        ),
        (
            "service.beta.kubernetes.io/aws-load-balancer-type",
            "external",
        ),
    ] {
        let g = with_web(&format!(
            "
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations: {{{key}: {value}}}
spec:
  type: LoadBalancer
  selector: {{app: web}}
"
        ));
        assert!(
            g.techniques_from("internet").is_empty(),
            "{key}: {value} should make the load balancer internal"
        );
        assert!(!g.has_edge(
            "service:default/web",
            "workload:default/Deployment/web",
            "APP_COMPROMISE"
        ));
        assert!(g.has_edge(
            "service:default/web",
            "workload:default/Deployment/web",
            "SERVICE_SELECTS"
        ));
    }
}

#[test]
fn load_balancer_controller_internet_facing_scheme_is_exposed() {
    let g = with_web(
        "
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-type: external
    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing
spec: {type: LoadBalancer, selector: {app: web}}
",
    );
    assert!(g.has_edge("internet", "service:default/web", "EXPOSED_LOADBALANCER"));
}

#[test]
fn restricted_source_ranges_lower_the_likelihood() {
    let g = with_web(
        "
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  loadBalancerSourceRanges: [203.0.113.0/24]
",
    );
    let edges = g.edges_of("EXPOSED_LOADBALANCER");
    assert_eq!(edges.len(), 1);
    let edge = edges[0].2;
    assert!(edge.likelihood < super::EXPOSED_LOADBALANCER.likelihood);
    assert!(
        edge.evidence
            .iter()
            .any(|e| e.field == "spec.loadBalancerSourceRanges"
                && e.detail.contains("203.0.113.0/24"))
    );
}

#[test]
fn source_ranges_open_to_any_address_keep_the_default_likelihood() {
    let g = with_web(
        "
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  loadBalancerSourceRanges: [10.0.0.0/8, 0.0.0.0/0]
",
    );
    let edges = g.edges_of("EXPOSED_LOADBALANCER");
    assert_eq!(
        edges[0].2.likelihood,
        super::EXPOSED_LOADBALANCER.likelihood
    );
}

#[test]
fn node_port_service_is_exposed_with_lower_likelihood() {
    let g = with_web(
        "
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, nodePort: 30080}]
",
    );
    assert!(g.has_edge("internet", "service:default/web", "EXPOSED_NODEPORT"));
    let edges = g.edges_of("EXPOSED_NODEPORT");
    let edge = edges[0].2;
    assert!(edge.likelihood < super::EXPOSED_LOADBALANCER.likelihood);
    assert!(
        edge.evidence
            .iter()
            .any(|e| e.field == "spec.ports[0].nodePort" && e.detail == "30080")
    );
    assert!(
        edge.evidence
            .iter()
            .any(|e| e.detail.contains("public IPs"))
    );
    assert!(g.has_edge(
        "service:default/web",
        "workload:default/Deployment/web",
        "APP_COMPROMISE"
    ));
}

#[test]
fn cluster_ip_service_is_not_exposed_and_only_selects() {
    let g = with_web(
        "
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
",
    );
    assert!(g.techniques_from("internet").is_empty());
    assert!(g.has_edge(
        "service:default/web",
        "workload:default/Deployment/web",
        "SERVICE_SELECTS"
    ));
    assert!(!g.has_edge(
        "service:default/web",
        "workload:default/Deployment/web",
        "APP_COMPROMISE"
    ));
}

#[test]
fn exposed_service_compromises_its_workload_without_a_selects_edge() {
    let g = with_web(
        "
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: LoadBalancer, selector: {app: web}}
",
    );
    let from = "service:default/web";
    let to = "workload:default/Deployment/web";
    assert!(g.has_edge(from, to, "APP_COMPROMISE"));
    assert!(!g.has_edge(from, to, "SERVICE_SELECTS"));
    let edges = g.edges_of("APP_COMPROMISE");
    let edge = edges[0].2;
    assert_eq!(edge.likelihood, 0.5);
    assert!(edge.evidence.iter().any(|e| {
        e.field == "spec.selector"
            && e.detail.contains("app=web")
            && e.detail
                .contains("Deployment/default/web spec.template.metadata.labels")
    }));
}

#[test]
fn selector_mismatch_gives_no_service_edge() {
    let g = with_web(
        "
apiVersion: v1
kind: Service
metadata: {name: api}
spec: {type: LoadBalancer, selector: {app: api}}
---
apiVersion: v1
kind: Service
metadata: {name: empty}
spec: {type: LoadBalancer, selector: {}}
---
apiVersion: v1
kind: Service
metadata: {name: other-ns, namespace: prod}
spec: {selector: {app: web}}
",
    );
    assert!(g.edges_of("APP_COMPROMISE").is_empty());
    assert!(g.edges_of("SERVICE_SELECTS").is_empty());
}

const INGRESS: &str = "
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: site
  annotations: {ANNOTATIONS}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /api
        pathType: Prefix
        backend: {service: {name: web, port: {number: 80}}}
      - path: /missing
        pathType: Prefix
        backend: {service: {name: absent, port: {number: 80}}}
";

#[test]
fn ingress_exposes_its_backend_service_and_compromises_the_workload() {
    let g = with_web(&INGRESS.replace("ANNOTATIONS", ""));
    assert!(g.has_edge("internet", "ingress:default/site", "EXPOSED_INGRESS"));
    assert!(g.has_edge(
        "ingress:default/site",
        "service:default/web",
        "EXPOSED_INGRESS"
    ));
    // A backend Service absent from the snapshot gets no node.
    assert!(!g.has_edge(
        "ingress:default/site",
        "service:default/absent",
        "EXPOSED_INGRESS"
    ));
    let ingress_edges = g.edges_of("EXPOSED_INGRESS");
    let backend = ingress_edges
        .iter()
        .find(|(_, to, _)| *to == "service:default/web")
        .map(|e| e.2);
    assert!(backend.is_some_and(|e| {
        e.evidence.iter().any(|ev| {
            ev.field == "spec.rules[0].http.paths[0].backend"
                && ev.detail.contains("shop.example.com")
                && ev.detail.contains("/api")
        })
    }));
    let (from, to) = ("service:default/web", "workload:default/Deployment/web");
    assert!(g.has_edge(from, to, "APP_COMPROMISE"));
    assert!(!g.has_edge(from, to, "SERVICE_SELECTS"));
}

#[test]
fn v1beta1_ingress_backend_is_followed() {
    let g = with_web(
        "
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: old}
spec:
  rules:
  - http:
      paths:
      - backend: {serviceName: web, servicePort: 80}
",
    );
    assert!(g.has_edge(
        "ingress:default/old",
        "service:default/web",
        "EXPOSED_INGRESS"
    ));
}

#[test]
fn internal_scheme_alb_ingress_is_not_reached_from_the_internet() {
    let g = with_web(
        &INGRESS
            .replace("ANNOTATIONS", "alb.ingress.kubernetes.io/scheme: internal")
            .replace("ingressClassName: nginx", "ingressClassName: alb"),
    );
    assert!(!g.has_edge("internet", "ingress:default/site", "EXPOSED_INGRESS"));
    assert!(g.techniques_from("internet").is_empty());
    // The Ingress still routes to its backend, but that backend is not internet-facing.
    assert!(g.has_edge(
        "ingress:default/site",
        "service:default/web",
        "EXPOSED_INGRESS"
    ));
    let (from, to) = ("service:default/web", "workload:default/Deployment/web");
    assert!(!g.has_edge(from, to, "APP_COMPROMISE"));
    assert!(g.has_edge(from, to, "SERVICE_SELECTS"));
}

#[test]
fn policy_refusing_internet_clients_cuts_the_load_balancer_entry_step() {
    let lb = "
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: LoadBalancer, selector: {app: web}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{ipBlock: {cidr: CIDR}}]}]
";
    let (from, to) = ("service:default/web", "workload:default/Deployment/web");
    let g = with_web(&lb.replace("CIDR", "10.0.0.0/8"));
    assert!(g.has_edge("internet", from, "EXPOSED_LOADBALANCER"));
    assert!(!g.has_edge(from, to, "APP_COMPROMISE"));
    assert!(!g.has_edge(from, to, "SERVICE_SELECTS"));
    let g = with_web(&lb.replace("CIDR", "0.0.0.0/0"));
    assert!(g.has_edge(from, to, "APP_COMPROMISE"));
}

#[test]
fn internal_load_balancer_fix_names_the_annotation_of_the_cloud_in_use() {
    let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}\n";
    for (provider_id, annotation) in [
        (
            "azure:///subscriptions/s/resourceGroups/mc/providers/Microsoft.Compute/virtualMachineScaleSets/vmss/virtualMachines/0",
            "azure-load-balancer-internal",
        ),
        (
            "gce://shop-prod/europe-west1-b/gke-node-1",
            "networking.gke.io/load-balancer-type",
        ),
        ("aws:///us-east-1a/i-0abc", "aws-load-balancer-scheme"),
    ] {
        let yaml = format!(
            "{svc}---\napiVersion: v1\nkind: Node\nmetadata: {{name: n1}}\nspec: {{providerID: \"{provider_id}\"}}\n"
        );
        let g = crate::testutil::graph(&yaml);
        let (_, _, e) = g.edges_of("EXPOSED_LOADBALANCER")[0];
        assert!(
            e.remediation.contains(annotation),
            "{provider_id}: {}",
            e.remediation
        );
    }
}
