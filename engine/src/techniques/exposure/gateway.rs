//! Gateway API: `internet -> gateway:NS/NAME -> service:NS/NAME` (EXPOSED_INGRESS both).
//!
//! - A Gateway is internet-facing unless it asks for an internal load balancer (one of the
//!   Service annotations of `internal_annotation` on `spec.infrastructure.annotations` or on
//!   the Gateway's own annotations, which implementations such as Istio copy to the Service
//!   they create) or its GatewayClass is a known internal one (`INTERNAL_CLASSES`,
//!   `INTERNAL_CONTROLLERS`). A class that is neither in the input nor known is assumed
//!   internet-facing with a lower likelihood.
//! - A route (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute) attaches through
//!   `spec.parentRefs` (kind Gateway, namespace defaulting to the route's, `sectionName` and
//!   `port` narrowing the listeners) to each listener whose `allowedRoutes` admit it: the
//!   route's namespace (`from`: `Same` by default, `All`, or `Selector` on the Namespace's
//!   labels) and kind (`kinds`, else the protocol's route kinds). Hostname intersection is
//!   not checked.
//! - `backendRefs` name Services (kind `Service`, core group, by default) in the route's
//!   namespace unless `namespace` is set; a cross-namespace reference needs a
//!   ReferenceGrant in the Service's namespace admitting the route's kind and namespace.
//! - Backends see the traffic come from the gateway's data plane, which the snapshot does
//!   not name: NetworkPolicies are checked against an unknown peer (any rule admits it).

use super::*;
use crate::snapshot::{Gateway, GatewayClass, Listener, Route};

const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";

/// GatewayClasses (by name) whose load balancers are internal: GKE's regional and
/// cross-regional internal Application Load Balancers.
const INTERNAL_CLASSES: &[&str] = &[
    "gke-l7-rilb",
    "gke-l7-rilb-mc",
    "gke-l7-cross-regional-internal-managed",
    "gke-l7-cross-regional-internal-managed-mc",
];

/// GatewayClasses (by name) known to make internet-facing load balancers without being in
/// the input (GKE installs them): their Gateways keep the default likelihood.
const EXTERNAL_CLASSES: &[&str] = &[
    "gke-l7-global-external-managed",
    "gke-l7-global-external-managed-mc",
    "gke-l7-regional-external-managed",
    "gke-l7-regional-external-managed-mc",
    "gke-l7-gxlb",
    "gke-l7-gxlb-mc",
];

/// Controllers whose Gateways are never internet-facing: AWS VPC Lattice services are
/// reachable only from associated VPCs.
const INTERNAL_CONTROLLERS: &[&str] = &["application-networking.k8s.aws/gateway-api-controller"];

/// Whether the Gateway is reachable from the internet: the likelihood, and the facts.
fn internet_facing(ix: &Index, gw: &Gateway, obj: &str) -> Option<(f64, Vec<Evidence>)> {
    let class_name = gw.spec.gateway_class_name.as_str();
    let class: Option<&GatewayClass> = ix
        .snapshot
        .gateway_classes
        .iter()
        .find(|c| c.metadata.name == class_name);
    let controller = class.map(|c| c.spec.controller_name.as_str());
    if gw.spec.listeners.is_empty()
        || INTERNAL_CLASSES.contains(&class_name)
        || controller.is_some_and(|c| INTERNAL_CONTROLLERS.contains(&c))
    {
        return None;
    }
    let infra = gw.spec.infrastructure.as_ref();
    if infra
        .and_then(|i| internal_annotation(&i.annotations, None))
        .or_else(|| internal_annotation(&gw.metadata.annotations, None))
        .is_some()
    {
        return None;
    }
    let mut evidence = Vec::new();
    let listeners: Vec<String> = gw
        .spec
        .listeners
        .iter()
        .map(|l| {
            format!(
                "{} {}/{}{}",
                l.name,
                l.port.map_or("?".into(), |p| p.to_string()),
                l.protocol,
                l.hostname
                    .as_deref()
                    .map(|h| format!(" {h}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    evidence.push(Evidence::new(obj, "spec.listeners", listeners.join("; ")).at(&gw.source));
    let likelihood = match (class, controller) {
        (Some(c), Some(ctrl)) => {
            evidence.push(
                Evidence::new(
                    format!("GatewayClass/{}", c.metadata.name),
                    "spec.controllerName",
                    format!(
                        "{ctrl} (provisions an internet-facing load balancer unless told otherwise)"
                    ),
                )
                .at(&c.source),
            );
            EXPOSED_INGRESS.likelihood
        }
        _ if EXTERNAL_CLASSES.contains(&class_name) => {
            evidence.push(
                Evidence::new(
                    obj,
                    "spec.gatewayClassName",
                    format!("{class_name} (an external load balancer)"),
                )
                .at(&gw.source),
            );
            EXPOSED_INGRESS.likelihood
        }
        _ => {
            evidence.push(
                Evidence::new(
                    obj,
                    "spec.gatewayClassName",
                    format!("{class_name}: GatewayClass not in the input; assumed internet-facing"),
                )
                .at(&gw.source),
            );
            ASSUMED_FRONTEND_LIKELIHOOD
        }
    };
    Some((likelihood, evidence))
}

/// The route kinds a listener takes when `allowedRoutes.kinds` is empty.
fn default_kinds(protocol: &str) -> Option<&'static [&'static str]> {
    match protocol {
        "HTTP" | "HTTPS" => Some(&["HTTPRoute", "GRPCRoute"]),
        "TLS" => Some(&["TLSRoute"]),
        "TCP" => Some(&["TCPRoute"]),
        "UDP" => Some(&["UDPRoute"]),
        _ => None, // implementation-specific protocols: any kind
    }
}

/// Whether the listener admits a route of this kind from this namespace.
fn admits(ix: &Index, gw_ns: &str, listener: &Listener, route: &Route) -> bool {
    let allowed = listener.allowed_routes.as_ref();
    let kinds = allowed.map(|a| a.kinds.as_slice()).unwrap_or_default();
    let kind_ok = if kinds.is_empty() {
        default_kinds(&listener.protocol).is_none_or(|k| k.contains(&route.kind.as_str()))
    } else {
        kinds.iter().any(|k| {
            k.kind == route.kind && k.group.as_deref().unwrap_or(GATEWAY_GROUP) == GATEWAY_GROUP
        })
    };
    if !kind_ok {
        return false;
    }
    let route_ns = route.metadata.ns();
    let namespaces = allowed.and_then(|a| a.namespaces.as_ref());
    match namespaces.and_then(|n| n.from.as_deref()).unwrap_or("Same") {
        "All" => true,
        "Selector" => {
            let Some(sel) = namespaces.and_then(|n| n.selector.as_ref()) else {
                return false;
            };
            let mut labels = ix
                .namespace_objects
                .get(route_ns)
                .map(|n| n.metadata.labels.clone())
                .unwrap_or_default();
            labels.insert("kubernetes.io/metadata.name".into(), route_ns.into());
            sel.matches(&labels).unwrap_or(false)
        }
        _ => route_ns == gw_ns,
    }
}

/// The listeners of `gw` a route attaches to, with the parentRef's field.
fn attached<'g>(ix: &Index, gw: &'g Gateway, route: &Route) -> Vec<(String, &'g Listener)> {
    let (gw_ns, gw_name) = (gw.metadata.ns(), gw.metadata.name.as_str());
    let mut out = Vec::new();
    for (i, p) in route.spec.parent_refs.iter().enumerate() {
        let group_ok = p.group.as_deref().unwrap_or(GATEWAY_GROUP) == GATEWAY_GROUP;
        let kind_ok = p.kind.as_deref().unwrap_or("Gateway") == "Gateway";
        let ns = p.namespace.as_deref().unwrap_or(route.metadata.ns());
        if !(group_ok && kind_ok && ns == gw_ns && p.name == gw_name) {
            continue;
        }
        for l in &gw.spec.listeners {
            if p.section_name.as_deref().is_some_and(|s| s != l.name)
                || p.port.is_some_and(|port| Some(port) != l.port)
            {
                continue;
            }
            if admits(ix, gw_ns, l, route)
                && !out
                    .iter()
                    .any(|(_, x): &(String, &Listener)| x.name == l.name)
            {
                out.push((format!("spec.parentRefs[{i}]"), l));
            }
        }
    }
    out
}

/// Whether a ReferenceGrant in `to_ns` lets this route refer to Service `name` there.
fn granted(ix: &Index, route: &Route, to_ns: &str, name: &str) -> Option<Evidence> {
    ix.snapshot
        .reference_grants
        .iter()
        .filter(|rg| rg.metadata.ns() == to_ns)
        .find(|rg| {
            rg.spec.from.iter().any(|f| {
                f.group == GATEWAY_GROUP
                    && f.kind == route.kind
                    && f.namespace == route.metadata.ns()
            }) && rg.spec.to.iter().any(|t| {
                t.group.is_empty()
                    && t.kind == "Service"
                    && t.name.as_deref().is_none_or(|n| n == name)
            })
        })
        .map(|rg| {
            Evidence::new(
                format!("ReferenceGrant/{to_ns}/{}", rg.metadata.name),
                "spec",
                format!(
                    "admits {} from {} to Service {name}",
                    route.kind,
                    route.metadata.ns()
                ),
            )
            .at(&rg.source)
        })
}

pub(super) fn edges<'a>(ix: &Index<'a>, g: &mut AttackGraph, reachable: &mut Reachable<'a>) {
    for gw in &ix.snapshot.gateways {
        let (ns, name) = (gw.metadata.ns(), gw.metadata.name.as_str());
        let obj = format!("Gateway/{ns}/{name}");
        let gateway_id = id::gateway(ns, name);
        let reached = internet_facing(ix, gw, &obj);
        if let Some((likelihood, evidence)) = &reached {
            g.add_edge(
                id::INTERNET,
                &gateway_id,
                EXPOSED_INGRESS.edge_with(
                    *likelihood,
                    evidence.clone(),
                    format!(
                        "Make {obj} internal (an internal load balancer annotation in spec.infrastructure.annotations, or an internal GatewayClass), or detach the routes that need not be public."
                    ),
                ),
            );
        }
        for route in &ix.snapshot.routes {
            let listeners = attached(ix, gw, route);
            let Some((parent_field, _)) = listeners.first() else {
                continue;
            };
            let route_ns = route.metadata.ns();
            let route_obj = format!("{}/{route_ns}/{}", route.kind, route.metadata.name);
            let listener_names: Vec<&str> =
                listeners.iter().map(|(_, l)| l.name.as_str()).collect();
            for (ri, rule) in route.spec.rules.iter().enumerate() {
                for (bi, b) in rule.backend_refs.iter().enumerate() {
                    let kind_ok = b.kind.as_deref().unwrap_or("Service") == "Service"
                        && b.group.as_deref().unwrap_or("").is_empty();
                    if !kind_ok || b.name.is_empty() {
                        continue;
                    }
                    let svc_ns = b.namespace.as_deref().unwrap_or(route_ns);
                    let Some(svc) = ix
                        .services_by_ns
                        .get(svc_ns)
                        .into_iter()
                        .flatten()
                        .find(|s| s.metadata.name == b.name)
                    else {
                        continue;
                    };
                    let mut evidence = vec![
                        Evidence::new(
                            &route_obj,
                            parent_field,
                            format!("attached to {obj} listener {}", listener_names.join(", ")),
                        )
                        .at(&route.source),
                        Evidence::new(
                            &route_obj,
                            format!("spec.rules[{ri}].backendRefs[{bi}]"),
                            format!(
                                "Service {svc_ns}/{}{}",
                                b.name,
                                b.port.map(|p| format!(" port {p}")).unwrap_or_default()
                            ),
                        )
                        .at(&route.source),
                    ];
                    if svc_ns != route_ns {
                        match granted(ix, route, svc_ns, &b.name) {
                            Some(ev) => evidence.push(ev),
                            None => continue, // the implementation refuses it (RefNotPermitted)
                        }
                    }
                    let svc_name = svc.metadata.name.as_str();
                    if let Some((likelihood, _)) = &reached {
                        reachable
                            .entry((svc.metadata.ns(), svc_name))
                            .or_default()
                            .push(Reach {
                                peer: Peer::Unknown,
                                likelihood: *likelihood,
                                evidence: evidence.clone(),
                            });
                    }
                    g.add_edge(
                        &gateway_id,
                        &id::service(svc_ns, svc_name),
                        EXPOSED_INGRESS.edge_with(
                            BACKEND_LIKELIHOOD,
                            evidence,
                            format!(
                                "Remove spec.rules[{ri}].backendRefs[{bi}] of {route_obj} if Service/{svc_ns}/{svc_name} need not be reachable through {obj}, or put authentication in front of it."
                            ),
                        ),
                    );
                }
            }
        }
    }
}
