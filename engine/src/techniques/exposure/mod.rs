//! Exposure: how the internet reaches a workload, and the entry step itself.
//!
//! `mod.rs`: load balancers, NodePorts, the Service -> workload step (APP_COMPROMISE when the
//! Service is reachable from the internet and no NetworkPolicy stops that traffic, else
//! SERVICE_SELECTS). `ingress.rs`: Ingress through its controller. `gateway.rs`: Gateway API.
//! `lateral.rs`: LATERAL_NETWORK through `network:cluster`.

use std::collections::BTreeMap;

use crate::graph::{AttackGraph, Edge, Evidence, id};
use crate::index::{Index, WorkloadNode};
use crate::labels::map_selects;
use crate::netpol::{Peer, Verdict};
use crate::snapshot::Service;
use crate::techniques::identity::{pod_labels_path, pod_spec_path};
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

/// Likelihood of the ingress/gateway -> backend Service step: the controller routes there
/// by configuration, so the step itself is certain once the Ingress or Gateway is reached.
const BACKEND_LIKELIHOOD: f64 = 1.0;

/// Likelihood of `internet -> ingress` or `internet -> gateway` when what serves it (the
/// controller, the GatewayClass) is not in the input: assumed internet-facing.
const ASSUMED_FRONTEND_LIKELIHOOD: f64 = 0.6;

const AWS_INTERNAL: &str = "service.beta.kubernetes.io/aws-load-balancer-internal";
const AWS_SCHEME: &str = "service.beta.kubernetes.io/aws-load-balancer-scheme";
const AWS_TYPE: &str = "service.beta.kubernetes.io/aws-load-balancer-type";
const GKE_TYPE: &str = "networking.gke.io/load-balancer-type";
const GKE_TYPE_LEGACY: &str = "cloud.google.com/load-balancer-type";
const AZURE_INTERNAL: &str = "service.beta.kubernetes.io/azure-load-balancer-internal";
const SOURCE_RANGES_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

fn annotation_field(key: &str) -> String {
    format!("metadata.annotations[\"{key}\"]")
}

/// The internal load balancer annotation to suggest, for the cloud the snapshot shows (the
/// `provider` fact, else the Nodes' `providerID` scheme, else the cloud inputs read).
fn internal_lb_hint(ix: &Index) -> &'static str {
    let provider = ix
        .snapshot
        .facts
        .provider
        .as_deref()
        .map(str::to_ascii_lowercase);
    let node_scheme = ix.snapshot.nodes.iter().find_map(|n| {
        n.spec
            .provider_id
            .as_deref()?
            .split_once("://")
            .map(|(s, _)| s.to_ascii_lowercase())
    });
    let cloud = provider.or(node_scheme).unwrap_or_else(|| {
        if !ix.snapshot.aws.is_empty() || ix.snapshot.aws_auth.is_some() {
            "aws".into()
        } else {
            String::new()
        }
    });
    match cloud.as_str() {
        "aws" | "eks" => "service.beta.kubernetes.io/aws-load-balancer-scheme: internal",
        "gce" | "gcp" | "gke" | "google" => "networking.gke.io/load-balancer-type: Internal",
        "azure" | "aks" => "service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"",
        _ => {
            "service.beta.kubernetes.io/aws-load-balancer-scheme: internal (EKS), networking.gke.io/load-balancer-type: Internal (GKE) or service.beta.kubernetes.io/azure-load-balancer-internal: \"true\" (AKS)"
        }
    }
}

/// Why a `type: LoadBalancer` Service gets an internal (VPC-only) load balancer, if it does:
/// the annotation that says so, and its value.
fn internal_load_balancer(svc: &Service) -> Option<(String, String)> {
    internal_annotation(
        &svc.metadata.annotations,
        svc.spec.load_balancer_class.as_deref(),
    )
}

/// Whether these load balancer annotations (and `loadBalancerClass`) ask the cloud for an
/// internal load balancer: the annotation that says so, and its value. Shared by Services
/// and the Gateways whose implementation copies their annotations onto the Service it makes.
pub(crate) fn internal_annotation(
    ann: &BTreeMap<String, String>,
    load_balancer_class: Option<&str>,
) -> Option<(String, String)> {
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
    let lbc_class = load_balancer_class == Some("service.k8s.aws/nlb");
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
fn load_balancer(svc: &Service, obj: &str, internal_hint: &str) -> Option<Edge> {
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
        "Make {obj} internal (an internal load balancer annotation such as {internal_hint}, or type: ClusterIP behind an authenticated Ingress) or restrict spec.loadBalancerSourceRanges to the networks that need it."
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

mod gateway;
mod hostport;
mod ingress;
mod lateral;

/// One way the internet reaches a Service: how likely, the facts that make it so, and the
/// peer the Service's pods see the connection come from (what NetworkPolicies must admit).
#[derive(Debug, Clone)]
struct Reach<'a> {
    peer: Peer<'a>,
    likelihood: f64,
    evidence: Vec<Evidence>,
}

/// Services the internet reaches, by (namespace, name).
type Reachable<'a> = BTreeMap<(&'a str, &'a str), Vec<Reach<'a>>>;

/// A workload the internet reaches directly (through an exposed Service or a host port):
/// the best likelihood and the facts.
#[derive(Debug, Clone)]
struct Exposed {
    likelihood: f64,
    evidence: Vec<Evidence>,
}

fn selector_detail(selector: &BTreeMap<String, String>) -> String {
    selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The workloads a Service routes to, each with the evidence of the selector match.
fn selected_workloads<'i, 'a>(
    ix: &'i Index<'a>,
    svc: &Service,
) -> Vec<(&'i WorkloadNode<'a>, Evidence)> {
    if svc.spec.type_.as_deref() == Some("ExternalName") {
        return Vec::new(); // the selector of an ExternalName Service is ignored
    }
    let Some(selector) = svc.spec.selector.as_ref().filter(|s| !s.is_empty()) else {
        return Vec::new();
    };
    let ns = svc.metadata.ns();
    let obj = format!("Service/{ns}/{}", svc.metadata.name);
    ix.workloads_in(ns)
        .filter(|w| map_selects(selector, w.spec.pod_labels()))
        .map(|w| {
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
            (w, matched)
        })
        .collect()
}

fn push_unique(into: &mut Vec<Evidence>, items: impl IntoIterator<Item = Evidence>) {
    for ev in items {
        if !into.contains(&ev) {
            into.push(ev);
        }
    }
}

/// Host ports (or the host network) put a workload on its nodes' addresses.
fn host_exposure(w: &WorkloadNode) -> Option<Evidence> {
    let spec = &w.spec.pod_spec;
    let base = pod_spec_path(w);
    if spec.host_network {
        return Some(
            Evidence::new(
                w.object(),
                format!("{base}.hostNetwork"),
                "true: its ports listen on the node's addresses, reachable from the internet where nodes have public IPs",
            )
            .at(&w.spec.source),
        );
    }
    spec.containers.iter().enumerate().find_map(|(i, c)| {
        c.ports.iter().enumerate().find_map(|(j, p)| {
            p.host_port.filter(|&h| h > 0).map(|h| {
                Evidence::new(
                    w.object(),
                    format!("{base}.containers[{i}].ports[{j}].hostPort"),
                    format!("{h}: reachable from the internet where nodes have public IPs"),
                )
                .at(&w.spec.source)
            })
        })
    })
}

/// Workloads the internet reaches without an Ingress or Gateway in front: through a Service
/// it reaches (and no NetworkPolicy stopping internet clients), or through host ports.
fn exposed_workloads(ix: &Index, reachable: &Reachable) -> BTreeMap<String, Exposed> {
    let mut out: BTreeMap<String, Exposed> = BTreeMap::new();
    let mut add = |id: &str, likelihood: f64, evidence: Vec<Evidence>| {
        let e = out.entry(id.to_string()).or_insert(Exposed {
            likelihood,
            evidence: Vec::new(),
        });
        e.likelihood = e.likelihood.max(likelihood);
        push_unique(&mut e.evidence, evidence);
    };
    for svc in &ix.snapshot.services {
        let Some(ways) = reachable.get(&(svc.metadata.ns(), svc.metadata.name.as_str())) else {
            continue;
        };
        for (w, matched) in selected_workloads(ix, svc) {
            for way in ways {
                if ix.netpol.ingress(w, way.peer).admits() {
                    let mut evidence = way.evidence.clone();
                    evidence.push(matched.clone());
                    add(&w.id, way.likelihood, evidence);
                }
            }
        }
    }
    for w in &ix.workloads {
        if let Some(ev) = host_exposure(w)
            && ix.netpol.ingress(w, Peer::Internet).admits()
        {
            add(&w.id, EXPOSED_NODEPORT.likelihood, vec![ev]);
        }
    }
    out
}

pub fn edges(ix: &Index, g: &mut AttackGraph) {
    // Services the internet reaches, each with the facts that make it reachable; the
    // selects-step out of these is the entry step (APP_COMPROMISE).
    let mut reachable: Reachable = BTreeMap::new();
    let hint = internal_lb_hint(ix);

    for svc in &ix.snapshot.services {
        let (ns, name) = (svc.metadata.ns(), svc.metadata.name.as_str());
        let obj = format!("Service/{ns}/{name}");
        for edge in [load_balancer(svc, &obj, hint), node_port(svc, &obj)]
            .into_iter()
            .flatten()
        {
            reachable.entry((ns, name)).or_default().push(Reach {
                peer: Peer::Internet,
                likelihood: edge.likelihood,
                evidence: edge.evidence.iter().take(1).cloned().collect(),
            });
            g.add_edge(id::INTERNET, &id::service(ns, name), edge);
        }
    }

    let exposed = exposed_workloads(ix, &reachable);
    ingress::edges(ix, g, &exposed, &mut reachable);
    gateway::edges(ix, g, &mut reachable);
    service_steps(ix, g, &reachable);
    hostport::edges(ix, g);
    lateral::edges(ix, g);
}

/// Service -> workload: APP_COMPROMISE when some way the internet reaches the Service gets
/// through the workload's NetworkPolicies; no step when none does; SERVICE_SELECTS when the
/// Service is not reachable from the internet.
fn service_steps(ix: &Index, g: &mut AttackGraph, reachable: &Reachable) {
    for (ns, services) in &ix.services_by_ns {
        for svc in services {
            let name = svc.metadata.name.as_str();
            let obj = format!("Service/{ns}/{name}");
            let service_id = id::service(ns, name);
            for (w, matched) in selected_workloads(ix, svc) {
                let edge = match reachable.get(&(*ns, name)) {
                    Some(ways) => {
                        let mut evidence = Vec::new();
                        let mut admitted = false;
                        for way in ways {
                            match ix.netpol.ingress(w, way.peer) {
                                Verdict::Denied(_) => {}
                                Verdict::Open => {
                                    admitted = true;
                                    push_unique(&mut evidence, way.evidence.iter().cloned());
                                }
                                Verdict::Allowed(why) => {
                                    admitted = true;
                                    push_unique(&mut evidence, way.evidence.iter().cloned());
                                    push_unique(&mut evidence, why);
                                }
                            }
                        }
                        if !admitted {
                            // NetworkPolicies stop every way the internet reaches it.
                            continue;
                        }
                        evidence.push(matched);
                        let scans = ix.vuln.exposure(w);
                        evidence.extend(scans.evidence(&w.object()));
                        APP_COMPROMISE.edge_with(
                            scans.likelihood(APP_COMPROMISE.likelihood),
                            evidence,
                            scans.remediation(format!(
                                "Patch and harden {} (it serves internet traffic through {obj}); put a WAF or authentication in front of it and run it with the least privilege.",
                                w.object()
                            )),
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
mod tests;
