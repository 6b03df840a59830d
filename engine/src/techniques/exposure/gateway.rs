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

#[cfg(test)]
mod tests {
    use crate::AttackGraph;
    use crate::testutil::graph;

    /// An app in `shop`, a Gateway in `infra` (listener `ALLOWED`), an HTTPRoute in
    /// `ROUTE_NS` attached to it and pointing at `shop/web`.
    const BASE: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {gateway-access: \"yes\"}}
---
apiVersion: v1
kind: Namespace
metadata: {name: infra}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: infra}
spec:
  gatewayClassName: CLASS
  INFRA
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    hostname: '*.example.com'
    ALLOWED
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: ROUTE_NS}
spec:
  parentRefs: [{name: public, namespace: infra}]
  hostnames: [shop.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: web, namespace: shop, port: 80}]
";

    struct Case<'c> {
        class: &'c str,
        infra: &'c str,
        allowed: &'c str,
        route_ns: &'c str,
        extra: &'c str,
    }

    const ALL: Case<'static> = Case {
        class: "eg",
        infra: "",
        allowed: "allowedRoutes: {namespaces: {from: All}}",
        route_ns: "shop",
        extra: "",
    };

    fn build(c: &Case) -> AttackGraph {
        let yaml = BASE
            .replace("CLASS", c.class)
            .replace("INFRA", c.infra)
            .replace("ALLOWED", c.allowed)
            .replace("ROUTE_NS", c.route_ns);
        graph(&format!("{yaml}---\n{}", c.extra))
    }

    const GW: &str = "gateway:infra/public";
    const SVC: &str = "service:shop/web";
    const WEB: &str = "workload:shop/Deployment/web";

    #[test]
    fn gateway_with_an_attached_http_route_exposes_its_backend() {
        let g = build(&ALL);
        assert!(g.has_edge("internet", GW, "EXPOSED_INGRESS"));
        assert!(g.has_edge(GW, SVC, "EXPOSED_INGRESS"));
        assert!(g.has_edge(SVC, WEB, "APP_COMPROMISE"));
        let edges = g.edges_of("EXPOSED_INGRESS");
        let internet = edges.iter().find(|(f, _, _)| *f == "internet");
        let internet = internet.expect("internet -> gateway");
        assert_eq!(internet.2.likelihood, super::EXPOSED_INGRESS.likelihood);
        assert!(
            internet
                .2
                .evidence
                .iter()
                .any(|e| e.field == "spec.listeners" && e.detail.contains("https 443/HTTPS"))
        );
        let backend = edges.iter().find(|(f, _, _)| *f == GW);
        assert!(backend.is_some_and(|e| {
            e.2.evidence.iter().any(|ev| {
                ev.object == "HTTPRoute/shop/web" && ev.field == "spec.rules[0].backendRefs[0]"
            })
        }));
    }

    #[test]
    fn route_from_another_namespace_does_not_attach_to_a_same_namespace_listener() {
        for allowed in ["", "allowedRoutes: {namespaces: {from: Same}}"] {
            let g = build(&Case { allowed, ..ALL });
            assert!(g.has_edge("internet", GW, "EXPOSED_INGRESS"));
            assert!(!g.has_edge(GW, SVC, "EXPOSED_INGRESS"), "{allowed:?}");
            assert!(!g.has_edge(SVC, WEB, "APP_COMPROMISE"), "{allowed:?}");
        }
    }

    #[test]
    fn selector_listener_admits_routes_of_labelled_namespaces() {
        let allowed =
            "allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {LABEL}}}}";
        let g = build(&Case {
            allowed: &allowed.replace("LABEL", "gateway-access: \"yes\""),
            ..ALL
        });
        assert!(g.has_edge(GW, SVC, "EXPOSED_INGRESS"));
        let g = build(&Case {
            allowed: &allowed.replace("LABEL", "gateway-access: \"no\""),
            ..ALL
        });
        assert!(!g.has_edge(GW, SVC, "EXPOSED_INGRESS"));
    }

    #[test]
    fn internal_gateway_is_not_reached_from_the_internet() {
        for (class, infra) in [
            (
                "eg",
                "infrastructure: {annotations: {service.beta.kubernetes.io/aws-load-balancer-scheme: internal}}",
            ),
            (
                "eg",
                "infrastructure: {annotations: {networking.gke.io/load-balancer-type: Internal}}",
            ),
            ("gke-l7-rilb", ""),
        ] {
            let g = build(&Case {
                class,
                infra,
                ..ALL
            });
            assert!(
                !g.has_edge("internet", GW, "EXPOSED_INGRESS"),
                "{class} {infra}"
            );
            assert!(g.has_edge(GW, SVC, "EXPOSED_INGRESS"));
            assert!(!g.has_edge(SVC, WEB, "APP_COMPROMISE"));
            assert!(g.has_edge(SVC, WEB, "SERVICE_SELECTS"));
        }
    }

    #[test]
    fn unknown_gateway_class_is_assumed_internet_facing_with_lower_likelihood() {
        let g = build(&Case {
            class: "somebody-elses",
            ..ALL
        });
        let edges = g.edges_of("EXPOSED_INGRESS");
        let edge = edges.iter().find(|(f, _, _)| *f == "internet");
        let edge = edge.expect("assumed internet-facing");
        assert!(edge.2.likelihood < super::EXPOSED_INGRESS.likelihood);
        assert!(
            edge.2
                .evidence
                .iter()
                .any(|e| e.detail.contains("assumed internet-facing"))
        );
    }

    #[test]
    fn cross_namespace_backend_needs_a_reference_grant() {
        // The route lives in infra and points at shop/web.
        let g = build(&Case {
            route_ns: "infra",
            ..ALL
        });
        assert!(!g.has_edge(GW, SVC, "EXPOSED_INGRESS"));
        let grant = "
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: from-infra, namespace: shop}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: infra}]
  to: [{group: '', kind: Service}]
";
        let g = build(&Case {
            route_ns: "infra",
            extra: grant,
            ..ALL
        });
        assert!(g.has_edge(GW, SVC, "EXPOSED_INGRESS"));
        assert!(g.has_edge(SVC, WEB, "APP_COMPROMISE"));
    }

    #[test]
    fn istio_gateway_kind_is_not_read_as_a_gateway_api_gateway() {
        let g = graph(
            "
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public}
spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 80, protocol: HTTP}, hosts: ['*']}]}
",
        );
        assert!(g.find("gateway:default/public").is_none());
    }
}
