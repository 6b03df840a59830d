//! Ingress: the internet reaches an Ingress only through what serves its class.
//!
//! The class is `spec.ingressClassName`, else the `kubernetes.io/ingress.class` annotation,
//! else the IngressClass annotated `ingressclass.kubernetes.io/is-default-class: "true"`.
//! What serves it:
//! - a load balancer the cloud provisions from the Ingress itself: the AWS Load Balancer
//!   Controller (`ingress.k8s.aws/alb`, class `alb`: internet-facing only with
//!   `alb.ingress.kubernetes.io/scheme: internet-facing`, default internal; an
//!   IngressClassParams `spec.scheme` overrides it and is not read), GKE (`k8s.io/ingress-gce`,
//!   class `gce`; `gce-internal` is internal), Azure Application Gateway
//!   (`azure/application-gateway`; internal with `appgw.ingress.kubernetes.io/use-private-ip`);
//! - else controller workloads in the snapshot: a container whose command or args carry a
//!   flag naming a class (`--controller-class`, `--ingress-class`, `--ingressclass`, ...)
//!   whose value is the IngressClass's `spec.controller` (or, for a class with no
//!   IngressClass object, the class name; ingress-nginx's defaults `k8s.io/ingress-nginx`
//!   and `nginx` apply when its flags are absent;
//!   `--watch-ingress-without-class` serves Ingresses with no class). The Ingress is
//!   internet-facing when the internet reaches one of them (an exposed Service that selects
//!   it, or host ports), and its backends then see the traffic come from those pods;
//! - else nothing in the input: assumed internet-facing, with a lower likelihood.

use super::*;
use crate::snapshot::{Ingress, IngressClass};
use crate::techniques::identity::pod_template_path;

const ALB_SCHEME: &str = "alb.ingress.kubernetes.io/scheme";
const ALB_PREFIX: &str = "alb.ingress.kubernetes.io/";
const ALB_CONTROLLER: &str = "ingress.k8s.aws/alb";
const GCE_CONTROLLER: &str = "k8s.io/ingress-gce";
const AGIC_CONTROLLER: &str = "azure/application-gateway";
const AGIC_PRIVATE_IP: &str = "appgw.ingress.kubernetes.io/use-private-ip";
const CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";
const DEFAULT_CLASS_ANNOTATION: &str = "ingressclass.kubernetes.io/is-default-class";
const NGINX_CONTROLLER: &str = "k8s.io/ingress-nginx";
const NGINX_CLASS: &str = "nginx";
const NGINX_BINARY: &str = "nginx-ingress-controller";

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

/// What serves one Ingress.
enum Frontend<'i, 'a> {
    /// A load balancer the cloud provisions from the Ingress.
    Cloud {
        internet_facing: bool,
        evidence: Vec<Evidence>,
    },
    /// Controller workloads in the snapshot, each with the flag that names the class.
    Controllers(Vec<(&'i WorkloadNode<'a>, Evidence)>),
    /// Nothing in the input serves the class.
    Missing(Evidence),
}

/// The class an Ingress names, and the field naming it.
fn named_class(ing: &Ingress) -> Option<(&str, String)> {
    if let Some(c) = ing
        .spec
        .ingress_class_name
        .as_deref()
        .filter(|c| !c.is_empty())
    {
        return Some((c, "spec.ingressClassName".into()));
    }
    ing.metadata
        .annotations
        .get(CLASS_ANNOTATION)
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .map(|c| (c, annotation_field(CLASS_ANNOTATION)))
}

fn is_default_class(c: &IngressClass) -> bool {
    c.metadata
        .annotations
        .get(DEFAULT_CLASS_ANNOTATION)
        .is_some_and(|v| v.trim() == "true")
}

/// The evidence of what the Ingress is served by (class facts), the class names and the
/// controller names in play.
struct ClassFacts<'s> {
    evidence: Vec<Evidence>,
    names: Vec<&'s str>,
    controllers: Vec<&'s str>,
    classes: Vec<&'s IngressClass>,
    /// Neither the Ingress nor a default IngressClass names a class.
    unclassed: bool,
}

fn class_facts<'s>(ix: &Index<'s>, ing: &'s Ingress, obj: &str) -> ClassFacts<'s> {
    let mut evidence = Vec::new();
    let all = &ix.snapshot.ingress_classes;
    let (names, classes) = match named_class(ing) {
        Some((name, field)) => {
            evidence.push(Evidence::new(obj, field, name).at(&ing.source));
            let classes: Vec<&IngressClass> =
                all.iter().filter(|c| c.metadata.name == name).collect();
            (vec![name], classes)
        }
        None => {
            let defaults: Vec<&IngressClass> = all.iter().filter(|c| is_default_class(c)).collect();
            for c in &defaults {
                evidence.push(
                    Evidence::new(
                        format!("IngressClass/{}", c.metadata.name),
                        annotation_field(DEFAULT_CLASS_ANNOTATION),
                        "true (the Ingress names no class, so the default class serves it)",
                    )
                    .at(&c.source),
                );
            }
            let names = defaults.iter().map(|c| c.metadata.name.as_str()).collect();
            (names, defaults)
        }
    };
    let mut controllers = Vec::new();
    for c in &classes {
        if let Some(ctrl) = c.spec.controller.as_deref().filter(|s| !s.is_empty()) {
            evidence.push(
                Evidence::new(
                    format!("IngressClass/{}", c.metadata.name),
                    "spec.controller",
                    ctrl,
                )
                .at(&c.source),
            );
            controllers.push(ctrl);
        }
    }
    ClassFacts {
        evidence,
        unclassed: names.is_empty(),
        names,
        controllers,
        classes,
    }
}

/// A cloud-provisioned load balancer serving the Ingress, if its class is one.
fn cloud_frontend(ing: &Ingress, obj: &str, facts: &ClassFacts) -> Option<(bool, Vec<Evidence>)> {
    let ann = &ing.metadata.annotations;
    let has_ctrl = |c: &str| facts.controllers.contains(&c);
    let has_name = |n: &str| facts.names.contains(&n) && facts.classes.is_empty();
    let alb_annotated = facts.unclassed && ann.keys().any(|k| k.starts_with(ALB_PREFIX));
    if has_ctrl(ALB_CONTROLLER) || has_name("alb") || alb_annotated {
        let scheme = ann.get(ALB_SCHEME).map(|v| v.trim());
        let internet_facing = scheme.is_some_and(|s| s.eq_ignore_ascii_case("internet-facing"));
        let mut evidence = vec![
            Evidence::new(
                obj,
                annotation_field(ALB_SCHEME),
                match scheme {
                    Some(s) => format!("{s} (AWS Load Balancer Controller)"),
                    None => {
                        "unset (AWS Load Balancer Controller; the ALB scheme defaults to internal)"
                            .into()
                    }
                },
            )
            .at(&ing.source),
        ];
        for c in &facts.classes {
            if let Some(p) = c
                .spec
                .parameters
                .as_ref()
                .filter(|p| p.kind == "IngressClassParams")
            {
                evidence.push(
                    Evidence::new(
                        format!("IngressClass/{}", c.metadata.name),
                        "spec.parameters",
                        format!(
                            "IngressClassParams/{} may set spec.scheme, which overrides the annotation (not read)",
                            p.name
                        ),
                    )
                    .at(&c.source),
                );
            }
        }
        return Some((internet_facing, evidence));
    }
    if has_ctrl(GCE_CONTROLLER) || has_name("gce") || has_name("gce-internal") {
        let internal = facts.names.contains(&"gce-internal");
        let detail = if internal {
            "gce-internal: an internal HTTP(S) load balancer"
        } else {
            "GKE Ingress: an external HTTP(S) load balancer"
        };
        return Some((
            !internal,
            vec![Evidence::new(obj, "class", detail).at(&ing.source)],
        ));
    }
    if has_ctrl(AGIC_CONTROLLER)
        || has_name(AGIC_CONTROLLER)
        || has_name("azure-application-gateway")
    {
        let private = ann
            .get(AGIC_PRIVATE_IP)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let detail = if private {
            "true: the Application Gateway's private frontend"
        } else {
            "unset: the Application Gateway's public frontend"
        };
        return Some((
            !private,
            vec![Evidence::new(obj, annotation_field(AGIC_PRIVATE_IP), detail).at(&ing.source)],
        ));
    }
    None
}

/// `--flag=value` / `--flag value` pairs of a container's command and args, each with the
/// field path of the token that holds the flag and the token itself.
fn flags(
    base: &str,
    tokens: &[(&str, &[String])],
) -> Vec<(String, String, Option<String>, String)> {
    let mut out = Vec::new();
    for (list, items) in tokens {
        let mut k = 0;
        while k < items.len() {
            let tok = items[k].trim();
            let field = format!("{base}.{list}[{k}]");
            k += 1;
            let Some(flag) = tok.strip_prefix("--").or_else(|| tok.strip_prefix('-')) else {
                continue;
            };
            let (name, value) = match flag.split_once('=') {
                Some((n, v)) => (
                    n,
                    Some(v.trim_matches(|c| c == '"' || c == '\'').to_string()),
                ),
                None => match items.get(k).filter(|n| !n.starts_with('-')) {
                    Some(next) => {
                        k += 1;
                        (flag, Some(next.trim().to_string()))
                    }
                    None => (flag, None),
                },
            };
            out.push((field, name.to_ascii_lowercase(), value, tok.to_string()));
        }
    }
    out
}

/// Why a workload serves Ingresses of these classes, if it does: the flag naming one.
fn serves_class(w: &WorkloadNode, facts: &ClassFacts) -> Option<Evidence> {
    // An IngressClass object names its controller, and controllers match on that (a class
    // name flag such as ingress-nginx's --ingress-class only matches the annotation); a
    // class with no IngressClass object can only be matched by name.
    let by_controller = !facts.controllers.is_empty();
    let wanted = |v: &str| {
        if by_controller {
            facts.controllers.contains(&v)
        } else {
            facts.names.contains(&v)
        }
    };
    for (i, c) in w.spec.pod_spec.containers.iter().enumerate() {
        let base = format!("{}spec.containers[{i}]", pod_template_path(w.spec.kind()));
        let all = flags(&base, &[("command", &c.command), ("args", &c.args)]);
        let ev = |field: &str, detail: String| {
            Some(Evidence::new(w.object(), field, detail).at(&w.spec.source))
        };
        for (field, name, value, tok) in &all {
            if name.contains("class") && value.as_deref().is_some_and(wanted) {
                return ev(field, tok.clone());
            }
            if facts.unclassed
                && name == "watch-ingress-without-class"
                && value.as_deref().is_none_or(|v| v == "true")
            {
                return ev(
                    field,
                    format!("{tok} (serves Ingresses that name no class)"),
                );
            }
        }
        // ingress-nginx serves its default controller and class when no flag overrides them.
        let nginx = c
            .command
            .iter()
            .chain(&c.args)
            .position(|t| t.trim().rsplit('/').next() == Some(NGINX_BINARY));
        if let Some(pos) = nginx {
            let has = |flag: &str| all.iter().any(|(_, n, _, _)| n == flag);
            let list = if pos < c.command.len() {
                "command"
            } else {
                "args"
            };
            let idx = if pos < c.command.len() {
                pos
            } else {
                pos - c.command.len()
            };
            let field = format!("{base}.{list}[{idx}]");
            if by_controller {
                if !has("controller-class") && facts.controllers.contains(&NGINX_CONTROLLER) {
                    return ev(
                        &field,
                        format!(
                            "{NGINX_BINARY} without --controller-class serves {NGINX_CONTROLLER}"
                        ),
                    );
                }
            } else if !has("ingress-class") && facts.names.contains(&NGINX_CLASS) {
                return ev(
                    &field,
                    format!("{NGINX_BINARY} without --ingress-class serves class {NGINX_CLASS}"),
                );
            }
        }
    }
    None
}

/// The controller workloads found per class key (names, controllers, unclassed): Ingresses
/// share a few classes, so each is matched against the workloads once.
type ControllerCache<'i, 'a> =
    BTreeMap<(Vec<String>, Vec<String>, bool), Vec<(&'i WorkloadNode<'a>, Evidence)>>;

fn frontend<'i, 'a>(
    ix: &'i Index<'a>,
    ing: &Ingress,
    obj: &str,
    facts: &ClassFacts,
    cache: &mut ControllerCache<'i, 'a>,
) -> Frontend<'i, 'a> {
    if let Some((internet_facing, evidence)) = cloud_frontend(ing, obj, facts) {
        return Frontend::Cloud {
            internet_facing,
            evidence,
        };
    }
    let key = (
        facts.names.iter().map(|n| n.to_string()).collect(),
        facts.controllers.iter().map(|c| c.to_string()).collect(),
        facts.unclassed,
    );
    let controllers = cache
        .entry(key)
        .or_insert_with(|| {
            ix.workloads
                .iter()
                .filter_map(|w| serves_class(w, facts).map(|ev| (w, ev)))
                .collect()
        })
        .clone();
    if !controllers.is_empty() {
        return Frontend::Controllers(controllers);
    }
    let class = if facts.names.is_empty() {
        "no class".to_string()
    } else {
        format!("class {}", facts.names.join(", "))
    };
    Frontend::Missing(
        Evidence::new(
            obj,
            "spec.ingressClassName",
            format!("{class}: controller not in the input; assumed internet-facing"),
        )
        .at(&ing.source),
    )
}

fn hosts_evidence(ing: &Ingress, obj: &str) -> Evidence {
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
    Evidence::new(obj, "spec.rules[].host", hosts).at(&ing.source)
}

pub(super) fn edges<'a>(
    ix: &Index<'a>,
    g: &mut AttackGraph,
    exposed: &BTreeMap<String, Exposed>,
    reachable: &mut Reachable<'a>,
) {
    let mut cache = ControllerCache::new();
    for ing in &ix.snapshot.ingresses {
        let (ns, name) = (ing.metadata.ns(), ing.metadata.name.as_str());
        let obj = format!("Ingress/{ns}/{name}");
        let ingress_id = id::ingress(ns, name);
        let facts = class_facts(ix, ing, &obj);
        let mut evidence = vec![hosts_evidence(ing, &obj)];
        evidence.extend(facts.evidence.iter().cloned());
        // (likelihood, the peers the backends see) when the internet reaches the Ingress.
        let reached: Option<(f64, Vec<Peer<'a>>)> =
            match frontend(ix, ing, &obj, &facts, &mut cache) {
                Frontend::Cloud {
                    internet_facing,
                    evidence: ev,
                } => {
                    evidence.extend(ev);
                    internet_facing.then(|| (EXPOSED_INGRESS.likelihood, vec![Peer::Unknown]))
                }
                Frontend::Missing(ev) => {
                    evidence.push(ev);
                    Some((ASSUMED_FRONTEND_LIKELIHOOD, vec![Peer::Unknown]))
                }
                Frontend::Controllers(controllers) => {
                    let mut best: Option<f64> = None;
                    let mut peers = Vec::new();
                    for (w, flag) in controllers {
                        let Some(e) = exposed.get(&w.id) else {
                            continue;
                        };
                        best = Some(best.map_or(e.likelihood, |b: f64| b.max(e.likelihood)));
                        evidence.push(flag);
                        push_unique(&mut evidence, e.evidence.iter().cloned());
                        peers.push(Peer::Pod {
                            namespace: w.namespace,
                            labels: w.spec.pod_labels(),
                        });
                    }
                    best.map(|l| (l, peers))
                }
            };
        if let Some((likelihood, _)) = &reached {
            g.add_edge(
                id::INTERNET,
                &ingress_id,
                EXPOSED_INGRESS.edge_with(
                    *likelihood,
                    evidence,
                    format!(
                        "Remove the rules of {obj} that need not be public, put authentication in front of its backends, or serve it from an internal controller or load balancer ({ALB_SCHEME}: internal for the AWS Load Balancer Controller)."
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
            if let Some((likelihood, peers)) = &reached {
                let ways = reachable.entry((ns, svc_name)).or_default();
                for peer in peers {
                    ways.push(Reach {
                        peer: *peer,
                        likelihood: *likelihood,
                        evidence: vec![ev.clone()],
                    });
                }
            }
            g.add_edge(
                &ingress_id,
                &id::service(ns, svc_name),
                EXPOSED_INGRESS.edge_with(
                    BACKEND_LIKELIHOOD,
                    vec![ev],
                    format!(
                        "Remove {} of {obj} if Service/{ns}/{svc_name} need not be reachable through it, or put authentication in front of it.",
                        route.field
                    ),
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::AttackGraph;
    use crate::testutil::graph;

    /// An application, and an ingress-nginx controller whose Service is `CONTROLLER_TYPE`.
    const APP: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: ingress-nginx}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  template:
    metadata: {labels: {app.kubernetes.io/name: ingress-nginx}}
    spec:
      containers:
      - name: controller
        image: registry.k8s.io/ingress-nginx/controller:v1.15.1
        args: [/nginx-ingress-controller, CONTROLLER_ARGS]
---
apiVersion: v1
kind: Service
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  type: CONTROLLER_TYPE
  selector: {app.kubernetes.io/name: ingress-nginx}
  ports: [{port: 443}]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx, annotations: {CLASS_ANNOTATIONS}}
spec: {controller: k8s.io/ingress-nginx}
";

    const INGRESS: &str = "
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site, namespace: shop, annotations: {ANNOTATIONS}}
spec:
  CLASS
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: web, port: {number: 80}}}
";

    struct Case<'c> {
        controller_type: &'c str,
        controller_args: &'c str,
        class_annotations: &'c str,
        class: &'c str,
        annotations: &'c str,
        extra: &'c str,
    }

    const NGINX: Case<'static> = Case {
        controller_type: "LoadBalancer",
        controller_args: "--controller-class=k8s.io/ingress-nginx",
        class_annotations: "",
        class: "ingressClassName: nginx",
        annotations: "",
        extra: "",
    };

    fn build(c: &Case) -> AttackGraph {
        let app = APP
            .replace("CONTROLLER_TYPE", c.controller_type)
            .replace("CONTROLLER_ARGS", c.controller_args)
            .replace("CLASS_ANNOTATIONS", c.class_annotations);
        let ing = INGRESS
            .replace("ANNOTATIONS", c.annotations)
            .replace("CLASS", c.class);
        graph(&format!("{app}---{ing}---\n{}", c.extra))
    }

    const SITE: &str = "ingress:shop/site";
    const WEB_SVC: &str = "service:shop/web";
    const WEB: &str = "workload:shop/Deployment/web";

    fn internet_edge(g: &AttackGraph) -> Option<crate::Edge> {
        g.edges_of("EXPOSED_INGRESS")
            .into_iter()
            .find(|(from, to, _)| *from == "internet" && *to == SITE)
            .map(|e| e.2.clone())
    }

    #[test]
    fn ingress_is_internet_facing_through_an_exposed_nginx_controller() {
        let g = build(&NGINX);
        let edge = internet_edge(&g).expect("internet -> ingress");
        assert_eq!(edge.likelihood, super::EXPOSED_LOADBALANCER.likelihood);
        let has = |object: &str, needle: &str| {
            edge.evidence
                .iter()
                .any(|e| e.object == object && e.to_string().contains(needle))
        };
        assert!(has(
            "Service/ingress-nginx/ingress-nginx-controller",
            "LoadBalancer"
        ));
        assert!(has(
            "Deployment/ingress-nginx/ingress-nginx-controller",
            "args[1]: --controller-class=k8s.io/ingress-nginx"
        ));
        assert!(has("IngressClass/nginx", "k8s.io/ingress-nginx"));
        assert!(g.has_edge(SITE, WEB_SVC, "EXPOSED_INGRESS"));
        assert!(g.has_edge(WEB_SVC, WEB, "APP_COMPROMISE"));
    }

    #[test]
    fn ingress_behind_a_cluster_ip_controller_is_not_internet_facing() {
        let g = build(&Case {
            controller_type: "ClusterIP",
            ..NGINX
        });
        assert!(internet_edge(&g).is_none());
        assert!(g.has_edge(SITE, WEB_SVC, "EXPOSED_INGRESS"));
        assert!(!g.has_edge(WEB_SVC, WEB, "APP_COMPROMISE"));
        assert!(g.has_edge(WEB_SVC, WEB, "SERVICE_SELECTS"));
    }

    #[test]
    fn exposed_controller_of_another_class_does_not_serve_the_ingress() {
        // The exposed controller serves `nginx`; the Ingress asks for `internal`, served by
        // a second controller that only a ClusterIP Service reaches.
        let internal = "
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: internal}
spec: {controller: example.com/internal-ingress}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: internal-controller, namespace: ingress-nginx}
spec:
  template:
    metadata: {labels: {app: internal-controller}}
    spec: {containers: [{name: c, args: [--controller-class, example.com/internal-ingress]}]}
---
apiVersion: v1
kind: Service
metadata: {name: internal-controller, namespace: ingress-nginx}
spec: {selector: {app: internal-controller}, ports: [{port: 443}]}
";
        let g = build(&Case {
            class: "ingressClassName: internal",
            extra: internal,
            ..NGINX
        });
        assert!(internet_edge(&g).is_none());
        assert!(!g.has_edge(WEB_SVC, WEB, "APP_COMPROMISE"));
    }

    #[test]
    fn class_served_by_nothing_in_the_input_is_assumed_internet_facing_with_lower_likelihood() {
        let g = build(&Case {
            class: "ingressClassName: traefik",
            ..NGINX
        });
        let edge = internet_edge(&g).expect("assumed internet-facing");
        assert!(edge.likelihood < super::EXPOSED_INGRESS.likelihood);
        assert!(edge.evidence.iter().any(|e| {
            e.detail
                .contains("controller not in the input; assumed internet-facing")
        }));
        assert!(g.has_edge(WEB_SVC, WEB, "APP_COMPROMISE"));
    }

    #[test]
    fn ingress_without_class_is_served_by_the_default_ingress_class() {
        let g = build(&Case {
            class: "",
            class_annotations: "ingressclass.kubernetes.io/is-default-class: \"true\"",
            ..NGINX
        });
        let edge = internet_edge(&g).expect("served by the default class");
        assert_eq!(edge.likelihood, super::EXPOSED_LOADBALANCER.likelihood);
        assert!(
            edge.evidence
                .iter()
                .any(|e| e.object == "IngressClass/nginx" && e.field.contains("is-default-class"))
        );
        // Without a default class, nothing in the input serves it.
        let g = build(&Case { class: "", ..NGINX });
        let edge = internet_edge(&g).expect("assumed internet-facing");
        assert!(edge.likelihood < super::EXPOSED_INGRESS.likelihood);
    }

    #[test]
    fn ingress_nginx_without_flags_serves_its_default_controller_class() {
        let g = build(&Case {
            controller_args: "--election-id=x",
            ..NGINX
        });
        let edge = internet_edge(&g).expect("served by ingress-nginx's defaults");
        assert_eq!(edge.likelihood, super::EXPOSED_LOADBALANCER.likelihood);
        // Another controller class is not its.
        let g = build(&Case {
            controller_args: "--controller-class=example.com/other",
            ..NGINX
        });
        assert!(
            internet_edge(&g).is_some_and(|e| e.likelihood < super::EXPOSED_INGRESS.likelihood)
        );
    }

    #[test]
    fn alb_ingress_is_internet_facing_only_with_the_internet_facing_scheme() {
        let alb = "
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: alb}
spec: {controller: ingress.k8s.aws/alb}
";
        let g = build(&Case {
            class: "ingressClassName: alb",
            annotations: "alb.ingress.kubernetes.io/scheme: internet-facing",
            extra: alb,
            ..NGINX
        });
        assert!(internet_edge(&g).is_some());
        assert!(g.has_edge(WEB_SVC, WEB, "APP_COMPROMISE"));
        let g = build(&Case {
            class: "ingressClassName: alb",
            extra: alb,
            ..NGINX
        });
        assert!(
            internet_edge(&g).is_none(),
            "the ALB scheme defaults to internal"
        );
        assert!(!g.has_edge(WEB_SVC, WEB, "APP_COMPROMISE"));
    }

    const POLICY: &str = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: NAMESPACE}}
";

    #[test]
    fn policy_admitting_the_controller_namespace_keeps_the_entry_step() {
        let g = build(&Case {
            extra: &POLICY.replace("NAMESPACE", "ingress-nginx"),
            ..NGINX
        });
        let edges = g.edges_of("APP_COMPROMISE");
        let step = edges.iter().find(|(f, t, _)| *f == WEB_SVC && *t == WEB);
        let step = step.expect("the entry step stays");
        assert!(
            step.2
                .evidence
                .iter()
                .any(|e| e.object == "NetworkPolicy/shop/web-ingress"
                    && e.field == "spec.ingress[0].from[0]")
        );
    }

    #[test]
    fn policy_without_a_controller_peer_cuts_the_entry_step() {
        let g = build(&Case {
            extra: &POLICY.replace("NAMESPACE", "monitoring"),
            ..NGINX
        });
        assert!(
            internet_edge(&g).is_some(),
            "the Ingress itself is reachable"
        );
        assert!(!g.has_edge(WEB_SVC, WEB, "APP_COMPROMISE"));
        assert!(!g.has_edge(WEB_SVC, WEB, "SERVICE_SELECTS"));
    }

    #[test]
    fn controller_isolated_from_internet_clients_does_not_make_the_ingress_reachable() {
        let deny = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: vpn-only, namespace: ingress-nginx}
spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: 10.20.0.0/16}}]}]
";
        let g = build(&Case {
            extra: deny,
            ..NGINX
        });
        assert!(internet_edge(&g).is_none());
    }
}
