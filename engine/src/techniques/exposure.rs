//! Exposure: how the internet reaches a workload, and the entry step itself.

use std::collections::BTreeMap;

use crate::graph::{AttackGraph, Edge, Evidence, id};
use crate::index::Index;
use crate::labels::map_selects;
use crate::snapshot::{Ingress, Service};
use crate::techniques::identity::pod_labels_path;
use crate::techniques::technique;

technique!(
    EXPOSED_LOADBALANCER,
    "Service exposed through a cloud load balancer",
    Some("T1190"),
    0.9,
    "Make the Service internal (type ClusterIP behind an authenticated ingress, or an internal load balancer) or restrict spec.loadBalancerSourceRanges."
);
technique!(
    EXPOSED_NODEPORT,
    "Service exposed on every node's port",
    Some("T1190"),
    0.6,
    "Use type ClusterIP, or block the NodePort range at the node security group / firewall."
);
technique!(
    EXPOSED_INGRESS,
    "Ingress routes internet traffic to a Service",
    Some("T1190"),
    0.9,
    "Remove the Ingress rule or put authentication in front of the backend."
);
technique!(
    EXPOSED_HOSTPORT,
    "Container bound to a port on the node",
    Some("T1190"),
    0.5,
    "Remove hostPort from the container ports."
);
technique!(
    SERVICE_SELECTS,
    "Service routes to the workload's pods",
    None,
    1.0,
    "Narrow the Service selector so it matches only the intended pods."
);
technique!(
    APP_COMPROMISE,
    "Internet-facing application is exploited",
    Some("T1190"),
    0.5,
    "Patch and harden the exposed application; put a WAF or authentication in front of it; run it with the least privilege."
);
technique!(
    LATERAL_NETWORK,
    "Flat pod network reaches other workloads",
    Some("T1210"),
    0.2,
    "Add NetworkPolicies that deny ingress by default and allow only the callers each workload needs."
);

/// Likelihood of an internet-facing load balancer that only some source ranges reach.
const RESTRICTED_SOURCES_LIKELIHOOD: f64 = 0.3;

/// Likelihood of the ingress -> backend Service step: the Ingress controller routes there
/// by configuration, so the step itself is certain once the Ingress is reached.
const INGRESS_BACKEND_LIKELIHOOD: f64 = 1.0;

const AWS_INTERNAL: &str = "service.beta.kubernetes.io/aws-load-balancer-internal";
const AWS_SCHEME: &str = "service.beta.kubernetes.io/aws-load-balancer-scheme";
const AWS_TYPE: &str = "service.beta.kubernetes.io/aws-load-balancer-type";
const GKE_TYPE: &str = "networking.gke.io/load-balancer-type";
const GKE_TYPE_LEGACY: &str = "cloud.google.com/load-balancer-type";
const AZURE_INTERNAL: &str = "service.beta.kubernetes.io/azure-load-balancer-internal";
const SOURCE_RANGES_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";
const ALB_SCHEME: &str = "alb.ingress.kubernetes.io/scheme";

fn annotation_field(key: &str) -> String {
    format!("metadata.annotations[\"{key}\"]")
}

/// Why a `type: LoadBalancer` Service gets an internal (VPC-only) load balancer, if it does:
/// the annotation that says so, and its value.
fn internal_load_balancer(svc: &Service) -> Option<(String, String)> {
    let ann = &svc.metadata.annotations;
    let get = |k: &str| ann.get(k).map(|v| v.trim());
    // In-tree AWS provider: any value but "false" (older versions took a CIDR) means internal.
    if let Some(v) = get(AWS_INTERNAL).filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("false"))
    {
        return Some((AWS_INTERNAL.into(), v.into()));
    }
    if let Some(v) = get(AWS_SCHEME).filter(|v| v.eq_ignore_ascii_case("internal")) {
        return Some((AWS_SCHEME.into(), v.into()));
    }
    for key in [GKE_TYPE, GKE_TYPE_LEGACY] {
        if let Some(v) = get(key).filter(|v| v.eq_ignore_ascii_case("internal")) {
            return Some((key.into(), v.into()));
        }
    }
    if let Some(v) = get(AZURE_INTERNAL).filter(|v| v.eq_ignore_ascii_case("true")) {
        return Some((AZURE_INTERNAL.into(), v.into()));
    }
    // The AWS Load Balancer Controller (type `external`/`nlb-ip`, or its loadBalancerClass)
    // makes internal NLBs unless the scheme says `internet-facing`.
    let lbc_type = get(AWS_TYPE)
        .filter(|v| v.eq_ignore_ascii_case("external") || v.eq_ignore_ascii_case("nlb-ip"));
    let lbc_class = svc.spec.load_balancer_class.as_deref() == Some("service.k8s.aws/nlb");
    let internet_facing =
        get(AWS_SCHEME).is_some_and(|v| v.eq_ignore_ascii_case("internet-facing"));
    if (lbc_type.is_some() || lbc_class) && !internet_facing {
        return Some(match lbc_type {
            Some(t) => (
                AWS_TYPE.into(),
                format!("{t} (AWS Load Balancer Controller; scheme defaults to internal)"),
            ),
            None => (
                "spec.loadBalancerClass".into(),
                "service.k8s.aws/nlb (AWS Load Balancer Controller; scheme defaults to internal)"
                    .into(),
            ),
        });
    }
    None
}

/// The source ranges a load balancer admits, and the field they come from (the spec field
/// wins over the legacy annotation, as in the cloud providers).
fn source_ranges(svc: &Service) -> (Vec<String>, String) {
    if !svc.spec.load_balancer_source_ranges.is_empty() {
        return (
            svc.spec.load_balancer_source_ranges.clone(),
            "spec.loadBalancerSourceRanges".into(),
        );
    }
    let ranges = svc
        .metadata
        .annotations
        .get(SOURCE_RANGES_ANNOTATION)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    (ranges, annotation_field(SOURCE_RANGES_ANNOTATION))
}

fn ports_detail(svc: &Service) -> String {
    let ports: Vec<String> = svc
        .spec
        .ports
        .iter()
        .map(|p| {
            let port = p.port.map(|n| n.to_string()).unwrap_or_else(|| "?".into());
            format!("{port}/{}", p.protocol.as_deref().unwrap_or("TCP"))
        })
        .collect();
    if ports.is_empty() {
        "no ports".into()
    } else {
        format!("ports {}", ports.join(", "))
    }
}

/// `internet -> service` for an internet-facing load balancer.
fn load_balancer(svc: &Service, obj: &str) -> Option<Edge> {
    if svc.spec.type_.as_deref() != Some("LoadBalancer") || internal_load_balancer(svc).is_some() {
        return None;
    }
    let mut evidence = vec![
        Evidence::new(
            obj,
            "spec.type",
            format!("LoadBalancer ({})", ports_detail(svc)),
        )
        .at(&svc.source),
    ];
    for key in [AWS_SCHEME, AWS_TYPE] {
        if let Some(v) = svc.metadata.annotations.get(key) {
            evidence.push(Evidence::new(obj, annotation_field(key), v.clone()).at(&svc.source));
        }
    }
    let addresses: Vec<&str> = svc
        .status
        .load_balancer
        .ingress
        .iter()
        .flat_map(|i| [i.hostname.as_deref(), i.ip.as_deref()])
        .flatten()
        .filter(|a| !a.is_empty())
        .collect();
    if !addresses.is_empty() {
        evidence.push(
            Evidence::new(obj, "status.loadBalancer.ingress", addresses.join(", ")).at(&svc.source),
        );
    }
    let (ranges, ranges_field) = source_ranges(svc);
    let open = ranges.is_empty() || ranges.iter().any(|r| r == "0.0.0.0/0" || r == "::/0");
    let remediation = format!(
        "Make {obj} internal (an internal load balancer annotation such as {AWS_SCHEME}: internal, or type: ClusterIP behind an authenticated Ingress) or restrict spec.loadBalancerSourceRanges to the networks that need it."
    );
    if open {
        if !ranges.is_empty() {
            evidence.push(
                Evidence::new(
                    obj,
                    ranges_field,
                    format!("{} (open to any source)", ranges.join(", ")),
                )
                .at(&svc.source),
            );
        }
        return Some(EXPOSED_LOADBALANCER.edge(evidence, remediation));
    }
    evidence.push(
        Evidence::new(
            obj,
            ranges_field,
            format!(
                "{} (only these sources reach the load balancer)",
                ranges.join(", ")
            ),
        )
        .at(&svc.source),
    );
    Some(EXPOSED_LOADBALANCER.edge_with(RESTRICTED_SOURCES_LIKELIHOOD, evidence, remediation))
}

/// `internet -> service` for a NodePort Service.
fn node_port(svc: &Service, obj: &str) -> Option<Edge> {
    if svc.spec.type_.as_deref() != Some("NodePort") {
        return None;
    }
    let mut evidence = vec![
        Evidence::new(
            obj,
            "spec.type",
            format!(
                "NodePort ({}); reachable from the internet only where nodes have public IPs and their security group or firewall opens the port",
                ports_detail(svc)
            ),
        )
        .at(&svc.source),
    ];
    for (i, p) in svc.spec.ports.iter().enumerate() {
        let value = match p.node_port {
            Some(n) => n.to_string(),
            None => "unset (allocated from the NodePort range)".into(),
        };
        evidence
            .push(Evidence::new(obj, format!("spec.ports[{i}].nodePort"), value).at(&svc.source));
    }
    Some(EXPOSED_NODEPORT.edge(
        evidence,
        format!(
            "Change {obj} spec.type to ClusterIP, or block the NodePort range at the node security group / firewall."
        ),
    ))
}

/// Whether an Ingress asks for an internal load balancer. Only the explicit AWS Load
/// Balancer Controller scheme annotation counts: whether an ingress class is internal (an
/// IngressClass's parameters, a controller's flags) is not visible in the snapshot, so an
/// Ingress is taken as internet-facing unless it says otherwise.
fn internal_ingress(ing: &Ingress) -> Option<&str> {
    ing.metadata
        .annotations
        .get(ALB_SCHEME)
        .map(|v| v.trim())
        .filter(|v| v.eq_ignore_ascii_case("internal"))
}

/// One backend of an Ingress: its field path, host, path and Service name.
struct IngressRoute<'a> {
    field: String,
    host: &'a str,
    path: &'a str,
    service: &'a str,
}

fn ingress_routes(ing: &Ingress) -> Vec<IngressRoute<'_>> {
    let mut out = Vec::new();
    if let Some(service) = ing
        .spec
        .default_backend
        .as_ref()
        .and_then(|b| b.service_name())
    {
        out.push(IngressRoute {
            field: "spec.defaultBackend".into(),
            host: "*",
            path: "*",
            service,
        });
    }
    for (ri, rule) in ing.spec.rules.iter().enumerate() {
        let Some(http) = &rule.http else { continue };
        for (pi, p) in http.paths.iter().enumerate() {
            let Some(service) = p.backend.service_name() else {
                continue;
            };
            out.push(IngressRoute {
                field: format!("spec.rules[{ri}].http.paths[{pi}].backend"),
                host: rule
                    .host
                    .as_deref()
                    .filter(|h| !h.is_empty())
                    .unwrap_or("*"),
                path: p.path.as_deref().filter(|p| !p.is_empty()).unwrap_or("/"),
                service,
            });
        }
    }
    out
}

fn ingress_exposed_evidence(ing: &Ingress, obj: &str) -> Vec<Evidence> {
    let mut hosts: Vec<&str> = ing
        .spec
        .rules
        .iter()
        .map(|r| r.host.as_deref().filter(|h| !h.is_empty()).unwrap_or("*"))
        .collect();
    hosts.sort_unstable();
    hosts.dedup();
    let hosts = if hosts.is_empty() {
        "any host (default backend)".to_string()
    } else {
        hosts.join(", ")
    };
    let mut evidence = vec![Evidence::new(obj, "spec.rules[].host", hosts).at(&ing.source)];
    if let Some(class) = &ing.spec.ingress_class_name {
        evidence.push(Evidence::new(obj, "spec.ingressClassName", class.clone()).at(&ing.source));
    } else if let Some(class) = ing.metadata.annotations.get("kubernetes.io/ingress.class") {
        evidence.push(
            Evidence::new(
                obj,
                annotation_field("kubernetes.io/ingress.class"),
                class.clone(),
            )
            .at(&ing.source),
        );
    }
    if let Some(scheme) = ing.metadata.annotations.get(ALB_SCHEME) {
        evidence
            .push(Evidence::new(obj, annotation_field(ALB_SCHEME), scheme.clone()).at(&ing.source));
    }
    evidence
}

fn selector_detail(selector: &BTreeMap<String, String>) -> String {
    selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn edges(ix: &Index, g: &mut AttackGraph) {
    // Services the internet reaches, each with the facts that make it reachable; the
    // selects-step out of these is the entry step (APP_COMPROMISE).
    let mut reachable: BTreeMap<(&str, &str), Vec<Evidence>> = BTreeMap::new();

    for svc in &ix.snapshot.services {
        let (ns, name) = (svc.metadata.ns(), svc.metadata.name.as_str());
        let obj = format!("Service/{ns}/{name}");
        for edge in [load_balancer(svc, &obj), node_port(svc, &obj)]
            .into_iter()
            .flatten()
        {
            reachable
                .entry((ns, name))
                .or_default()
                .extend(edge.evidence.iter().take(1).cloned());
            g.add_edge(id::INTERNET, &id::service(ns, name), edge);
        }
    }

    for ing in &ix.snapshot.ingresses {
        let (ns, name) = (ing.metadata.ns(), ing.metadata.name.as_str());
        let obj = format!("Ingress/{ns}/{name}");
        let ingress_id = id::ingress(ns, name);
        let internet_facing = internal_ingress(ing).is_none();
        if internet_facing {
            g.add_edge(
                id::INTERNET,
                &ingress_id,
                EXPOSED_INGRESS.edge(
                    ingress_exposed_evidence(ing, &obj),
                    format!(
                        "Remove the rules of {obj} that need not be public, put authentication in front of its backends, or make it internal ({ALB_SCHEME}: internal)."
                    ),
                ),
            );
        }
        let services = ix.services_by_ns.get(ns);
        for route in ingress_routes(ing) {
            // A backend Service absent from the snapshot leads nowhere we can follow.
            let Some(svc) = services
                .into_iter()
                .flatten()
                .find(|s| s.metadata.name == route.service)
            else {
                continue;
            };
            let svc_name = svc.metadata.name.as_str();
            let ev = Evidence::new(
                &obj,
                &route.field,
                format!(
                    "host {} path {} -> Service {}",
                    route.host, route.path, route.service
                ),
            )
            .at(&ing.source);
            if internet_facing {
                reachable
                    .entry((ns, svc_name))
                    .or_default()
                    .push(ev.clone());
            }
            g.add_edge(
                &ingress_id,
                &id::service(ns, svc_name),
                EXPOSED_INGRESS.edge_with(
                    INGRESS_BACKEND_LIKELIHOOD,
                    vec![ev],
                    format!(
                        "Remove {} of {obj} if Service/{ns}/{svc_name} need not be reachable through it, or put authentication in front of it.",
                        route.field
                    ),
                ),
            );
        }
    }

    for (ns, services) in &ix.services_by_ns {
        for svc in services {
            if svc.spec.type_.as_deref() == Some("ExternalName") {
                continue; // the selector of an ExternalName Service is ignored
            }
            let Some(selector) = svc.spec.selector.as_ref().filter(|s| !s.is_empty()) else {
                continue;
            };
            let name = svc.metadata.name.as_str();
            let obj = format!("Service/{ns}/{name}");
            let service_id = id::service(ns, name);
            for w in ix.workloads_in(ns) {
                if !map_selects(selector, &w.spec.pod_labels) {
                    continue;
                }
                let matched = Evidence::new(
                    &obj,
                    "spec.selector",
                    format!(
                        "{} matches {} {}",
                        selector_detail(selector),
                        w.object(),
                        pod_labels_path(w)
                    ),
                )
                .at(&svc.source);
                let edge = match reachable.get(&(*ns, name)) {
                    Some(why) => {
                        let mut evidence = why.clone();
                        evidence.push(matched);
                        APP_COMPROMISE.edge(
                            evidence,
                            format!(
                                "Patch and harden {} (it serves internet traffic through {obj}); put a WAF or authentication in front of it and run it with the least privilege.",
                                w.object()
                            ),
                        )
                    }
                    None => SERVICE_SELECTS.edge(
                        vec![matched],
                        format!(
                            "Narrow spec.selector of {obj} so it matches only the intended pods."
                        ),
                    ),
                };
                g.add_edge(&service_id, &w.id, edge);
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
    fn internal_scheme_ingress_is_not_reached_from_the_internet() {
        let g =
            with_web(&INGRESS.replace("ANNOTATIONS", "alb.ingress.kubernetes.io/scheme: internal"));
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
}
